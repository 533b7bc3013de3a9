//! Between an [`Event`] and its row: the serde tag is the `kind` column, the fields named
//! `actor_id` and `subject_id` are those columns, and the rest is the JSON payload — `null`
//! when nothing is left, a bare value when only a field named `value` is left, else an object.

use serde_json::{Map, Value};

use super::Event;

/// The columns of an event's row, apart from its id and time.
#[derive(Debug, PartialEq, Eq)]
pub struct Columns {
    pub kind: String,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub payload: String,
}

/// Why a stored row is not an event this build knows.
#[derive(Debug)]
pub struct Undecodable(pub String);

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key a bare payload stands for.
const BARE: &str = "value";

/// The row that records `event`.
pub fn encode(event: &Event) -> Columns {
    let mut fields = match serde_json::to_value(event) {
        Ok(Value::Object(fields)) => fields,
        // Every variant is a struct with named fields: serde_json cannot fail on one.
        _ => Map::new(),
    };
    let kind = match fields.remove("kind") {
        Some(Value::String(kind)) => kind,
        _ => String::new(),
    };
    let actor_id = fields.remove("actor_id").and_then(|v| v.as_i64());
    let subject_id = fields.remove("subject_id").and_then(|v| v.as_i64());
    let payload = match fields.len() {
        0 => Value::Null,
        1 if fields.contains_key(BARE) => fields.remove(BARE).unwrap_or(Value::Null),
        _ => Value::Object(fields),
    };
    Columns {
        kind,
        actor_id,
        subject_id,
        payload: payload.to_string(),
    }
}

/// The event a row records.
pub fn decode(columns: &Columns) -> Result<Event, Undecodable> {
    let payload: Value = serde_json::from_str(&columns.payload)
        .map_err(|e| Undecodable(format!("payload is not JSON: {e}")))?;
    let mut fields = match payload {
        Value::Null => Map::new(),
        Value::Object(fields) => fields,
        bare => Map::from_iter([(BARE.to_string(), bare)]),
    };
    fields.insert("kind".into(), Value::String(columns.kind.clone()));
    if let Some(actor) = columns.actor_id {
        fields.insert("actor_id".into(), actor.into());
    }
    if let Some(subject) = columns.subject_id {
        fields.insert("subject_id".into(), subject.into());
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| Undecodable(format!("{} {e}", columns.kind)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::kinds::Membership;
    use crate::ids::{GroupId, PostId, UserId};

    fn row(kind: &str, actor: Option<i64>, subject: Option<i64>, payload: &str) -> Columns {
        Columns {
            kind: kind.into(),
            actor_id: actor,
            subject_id: subject,
            payload: payload.into(),
        }
    }

    #[test]
    fn an_object_payload_keeps_its_keys() {
        let stored = row(
            "post.created",
            Some(1),
            Some(5),
            r#"{"employees_only":false,"group_id":7,"quiet":true}"#,
        );
        let event = decode(&stored).unwrap();
        assert_eq!(
            event,
            Event::PostCreated {
                author: UserId(1),
                post: PostId(5),
                group_id: Some(GroupId(7)),
                quiet: true,
                employees_only: false,
            }
        );
        assert_eq!(encode(&event), stored);
    }

    #[test]
    fn a_bare_payload_is_the_value_field() {
        let stored = row("group.member_added", None, Some(7), "42");
        let event = decode(&stored).unwrap();
        assert_eq!(
            event,
            Event::GroupMemberAdded(Membership {
                by: None,
                group: GroupId(7),
                member: UserId(42),
            })
        );
        assert_eq!(encode(&event), stored);
    }

    #[test]
    fn an_empty_payload_is_null() {
        let stored = row("group.joined", Some(3), Some(7), "null");
        assert_eq!(encode(&decode(&stored).unwrap()), stored);
        assert_eq!(decode(&stored).unwrap().kind(), "group.joined");
    }

    #[test]
    fn unknown_kinds_and_missing_ids_are_refused_not_guessed() {
        assert!(decode(&row("post.teleported", Some(1), Some(2), "null")).is_err());
        assert!(decode(&row("post.created", Some(1), None, r#"{"group_id":null}"#)).is_err());
        assert!(decode(&row("group.member_added", None, Some(7), "{}")).is_err());
        assert!(decode(&row("user.created", Some(1), Some(1), "{not json")).is_err());
    }
}
