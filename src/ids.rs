//! Typed ids: a `PostId` is never passed where a `UserId` belongs. Each wraps the 64-bit id
//! the database stores and serialises as that bare number (JSON bodies of the API carry ids
//! as strings through their own views, not through these).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

id_type!(
    /// A person's id: employee, admin or guest.
    UserId
);
id_type!(
    /// A post's id.
    PostId
);
id_type!(
    /// A comment's id.
    CommentId
);
id_type!(
    /// A group's id.
    GroupId
);
id_type!(
    /// An invitation's id.
    InvitationId
);
