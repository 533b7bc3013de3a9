//! Opaque cursors for keyset paging: a page ends at a (sort key, id) and the next one starts
//! after it, so pages stay stable while rows are added, and nothing pages with OFFSET.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};

use crate::error::{Error, ErrorCode, Result};

/// The cursor after a row sorted by `key`, then `id` (a typed id or a plain number).
pub fn encode(key: &str, id: impl Into<i64>) -> String {
    let id: i64 = id.into();
    URL_SAFE_NO_PAD.encode(format!("{id}:{key}"))
}

/// Reads a cursor made by [`encode`]: (key, id).
pub fn decode<Id: From<i64>>(cursor: &str) -> Result<(String, Id)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    let (id, key) = text.split_once(':').ok_or_else(bad_cursor)?;
    let id: i64 = id.parse().map_err(|_| bad_cursor())?;
    Ok((key.to_string(), Id::from(id)))
}

/// The cursor after a row sorted by the time `at`, then `id`.
pub fn encode_at(at: NaiveDateTime, id: impl Into<i64>) -> String {
    // Nanoseconds: the exact stored value, so the row itself compares equal on either backend.
    let nanos = at.and_utc().timestamp_nanos_opt().unwrap_or(i64::MAX);
    encode(&nanos.to_string(), id)
}

/// Reads a cursor made by [`encode_at`]: (at, id).
pub fn decode_at<Id: From<i64>>(cursor: &str) -> Result<(NaiveDateTime, Id)> {
    let (nanos, id) = decode::<Id>(cursor)?;
    let nanos: i64 = nanos.parse().map_err(|_| bad_cursor())?;
    Ok((DateTime::from_timestamp_nanos(nanos).naive_utc(), id))
}

fn bad_cursor() -> Error {
    Error::bad_request(
        ErrorCode::BadCursor,
        "the cursor is not one this server gave out",
    )
}

/// Cuts `rows` (fetched with one extra) to `limit` and makes the cursor for the next page.
pub fn page<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(cursor_of);
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = super::encode("ana: the first", 42);
        assert_eq!(
            super::decode(&cursor).unwrap(),
            ("ana: the first".to_string(), 42_i64)
        );
        assert!(super::decode::<i64>("not base64!").is_err());
        assert!(
            super::decode::<i64>(&base64::Engine::encode(&super::URL_SAFE_NO_PAD, "x:y")).is_err()
        );
    }

    #[test]
    fn a_page_has_a_cursor_only_when_more_rows_follow() {
        assert_eq!(
            super::page(vec![1, 2, 3], 2, |n| n.to_string()),
            (vec![1, 2], Some("2".to_string()))
        );
        assert_eq!(
            super::page(vec![1, 2], 2, |n| n.to_string()),
            (vec![1, 2], None)
        );
    }
}
