//! Typed ids: a `PostId` is never passed where a `UserId` belongs. Each wraps the 64-bit id
//! the database stores and serialises as that bare number (JSON bodies of the API carry ids
//! as strings through their own views, not through these). In the database each is a
//! `BigInt` column, and in a URL path each is the bare number.

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

        // Every backend that stores an `i64` as `BigInt` stores the id the same way: SQLite,
        // PostgreSQL, and the `MultiBackend` over both.
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
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            /// The decimal number, as in a URL or a form field.
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map($name)
            }
        }

        /// Where a number is known to be this kind of id: read back from a cursor, or a row
        /// of the search index.
        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl From<&$name> for i64 {
            fn from(id: &$name) -> i64 {
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
    /// An attachment's id: a file on a post or comment, a profile photo, or an upload.
    FileId
);
id_type!(
    /// An invitation's id.
    InvitationId
);

#[cfg(test)]
mod tests {
    use super::{GroupId, PostId, UserId};

    #[test]
    fn an_id_reads_and_prints_as_its_bare_number() {
        assert_eq!("42".parse::<PostId>(), Ok(PostId(42)));
        assert!("abc".parse::<PostId>().is_err());
        assert!("99999999999999999999".parse::<UserId>().is_err());
        assert_eq!(GroupId(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&UserId(3)).ok().as_deref(), Some("3"));
    }
}
id_type!(
    /// An outgoing webhook's id.
    WebhookId
);
id_type!(
    /// A person's export of her data.
    ExportId
);
id_type!(
    /// A report's id: one reader's report of a post or comment.
    ReportId
);
