//! Typed ids: a `PostId` is never passed where a `UserId` belongs. Each wraps the 64-bit id
//! the database stores, goes into diesel queries as a `BigInt`, comes out of a route's path
//! (`web::Path<PostId>`: a segment that is not a number is not found) and serialises as the
//! bare number (JSON bodies of the API carry ids as strings through their own views).

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
            diesel::AsExpression,
            diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<$name> {
                i64::from_sql(bytes).map($name)
            }
        }

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

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<$name, Self::Err> {
                raw.parse().map($name)
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
