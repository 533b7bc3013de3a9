//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the patched JSON is then read and
//! stored like a PUT, so a PATCH can do nothing a PUT cannot, and is checked the same way.
//! Operation names ignore case (Entra ID sends `Replace`); a path-less operation's value may
//! name attributes by full path (`name.givenName`, an extension's URN).

use serde_json::{Map, Value};

use super::error::{ScimError, ScimResult};
use super::filter::{self, AttrPath, Filter, PatchPath};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Most operations in one request.
const MAX_OPERATIONS: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Add,
    Replace,
    Remove,
}

/// Applies the operations of PATCH `body` to `resource`.
pub fn apply(resource: &mut Value, body: &Value) -> ScimResult<()> {
    let operations = filter::member(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "a PATCH body lists its Operations"))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "tooMany",
            format!("at most {MAX_OPERATIONS} operations"),
        ));
    }
    for operation in operations {
        let kind = match filter::member(operation, "op").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("add") => Kind::Add,
            Some(op) if op.eq_ignore_ascii_case("replace") => Kind::Replace,
            Some(op) if op.eq_ignore_ascii_case("remove") => Kind::Remove,
            _ => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    "op must be add, replace or remove",
                ));
            }
        };
        let value = filter::member(operation, "value").cloned();
        match filter::member(operation, "path").and_then(Value::as_str) {
            Some(path) => at_path(resource, kind, &filter::parse_path(path)?, value)?,
            None if kind == Kind::Remove => {
                return Err(ScimError::bad("noTarget", "remove needs a path"));
            }
            None => {
                let Some(Value::Object(members)) = value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "without a path, the value is an object of attributes",
                    ));
                };
                for (name, value) in members {
                    let path = PatchPath {
                        attr: filter::attr_path(&name)?,
                        filter: None,
                        sub: None,
                    };
                    at_path(resource, kind, &path, Some(value))?;
                }
            }
        }
    }
    Ok(())
}

fn at_path(
    resource: &mut Value,
    kind: Kind,
    path: &PatchPath,
    value: Option<Value>,
) -> ScimResult<()> {
    let value = match (kind, value) {
        (Kind::Remove, value) => value,
        (_, Some(value)) => Some(value),
        (_, None) => {
            return Err(ScimError::bad(
                "invalidValue",
                "add and replace need a value",
            ));
        }
    };
    let (parent, last) = path.attr.0.split_at(path.attr.0.len() - 1);
    let target = container(resource, parent, kind != Kind::Remove)?;
    let Some(target) = target else { return Ok(()) };
    let last = &last[0];
    match &path.filter {
        None => set(target, last, kind, value),
        Some(filter) => within(target, last, filter, path.sub.as_deref(), kind, value),
    }
}

/// The object holding the attribute at the end of `parents`, made if `create`.
fn container<'a>(
    resource: &'a mut Value,
    parents: &[String],
    create: bool,
) -> ScimResult<Option<&'a mut Map<String, Value>>> {
    let mut at = resource;
    for name in parents {
        let object = at.as_object_mut().ok_or_else(|| {
            ScimError::bad(
                "invalidPath",
                "the path runs through a value that is not an object",
            )
        })?;
        let key = key_of(object, name);
        if !object.contains_key(&key) {
            if !create {
                return Ok(None);
            }
            object.insert(key.clone(), Value::Object(Map::new()));
        }
        at = object
            .get_mut(&key)
            .ok_or_else(|| ScimError::bad("invalidPath", "no such attribute"))?;
    }
    match at {
        Value::Object(object) => Ok(Some(object)),
        _ => Err(ScimError::bad(
            "invalidPath",
            "the path runs through a value that is not an object",
        )),
    }
}

/// The key `name` has in `object`, whatever its case, or `name` itself.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

fn set(
    object: &mut Map<String, Value>,
    name: &str,
    kind: Kind,
    value: Option<Value>,
) -> ScimResult<()> {
    let key = key_of(object, name);
    match (kind, value) {
        (Kind::Remove, None) => {
            object.remove(&key);
        }
        // Remove with a value (Okta and Entra ID for members): those elements go.
        (Kind::Remove, Some(value)) => {
            let gone: Vec<Value> = match value {
                Value::Array(items) => items,
                one => vec![one],
            };
            if let Some(Value::Array(items)) = object.get_mut(&key) {
                items.retain(|item| !gone.iter().any(|g| same_element(item, g)));
            } else {
                object.remove(&key);
            }
        }
        (Kind::Add, Some(value)) => match (object.get_mut(&key), value) {
            (Some(Value::Array(items)), Value::Array(more)) => {
                for item in more {
                    if !items.iter().any(|i| same_element(i, &item)) {
                        items.push(item);
                    }
                }
            }
            (Some(Value::Object(members)), Value::Object(more)) => members.extend(more),
            (_, value) => {
                object.insert(key, value);
            }
        },
        (_, Some(value)) => {
            object.insert(key, value);
        }
        (_, None) => {}
    }
    Ok(())
}

/// Elements are the same when their `value` is (a member, an email), or when equal.
fn same_element(a: &Value, b: &Value) -> bool {
    match (filter::member(a, "value"), filter::member(b, "value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn within(
    object: &mut Map<String, Value>,
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    kind: Kind,
    value: Option<Value>,
) -> ScimResult<()> {
    let key = key_of(object, name);
    let items = match object.get_mut(&key) {
        Some(Value::Array(items)) => items,
        _ if kind == Kind::Remove => return Ok(()),
        _ => {
            object.insert(key.clone(), Value::Array(Vec::new()));
            match object.get_mut(&key) {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(ScimError::bad(
                        "invalidPath",
                        "not a multi-valued attribute",
                    ));
                }
            }
        }
    };
    let matching: Vec<usize> = (0..items.len())
        .filter(|&i| filter.matches(&items[i]))
        .collect();
    match (kind, sub) {
        (Kind::Remove, None) => {
            let mut index = 0;
            items.retain(|_| {
                index += 1;
                !matching.contains(&(index - 1))
            });
        }
        (Kind::Remove, Some(sub)) => {
            for &i in &matching {
                if let Some(element) = items[i].as_object_mut() {
                    let key = key_of(element, sub);
                    element.remove(&key);
                }
            }
        }
        (_, Some(sub)) if matching.is_empty() => {
            // `emails[type eq "work"].value` when she has no work email yet: it is made.
            let Filter::Compare(AttrPath(on), filter::Op::Eq, wanted) = filter else {
                return Err(ScimError::bad(
                    "noTarget",
                    "no value matches the path's filter",
                ));
            };
            let mut element = Map::new();
            element.insert(on.join("."), wanted.clone());
            element.insert(sub.to_string(), value.unwrap_or(Value::Null));
            items.push(Value::Object(element));
        }
        (_, Some(sub)) => {
            for &i in &matching {
                if let Some(element) = items[i].as_object_mut() {
                    let key = key_of(element, sub);
                    element.insert(key, value.clone().unwrap_or(Value::Null));
                }
            }
        }
        (_, None) if matching.is_empty() => {
            return Err(ScimError::bad(
                "noTarget",
                "no value matches the path's filter",
            ));
        }
        (_, None) => {
            for &i in &matching {
                items[i] = value.clone().unwrap_or(Value::Null);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ENTERPRISE_USER;
    use serde_json::json;

    fn patched(ops: Value) -> Value {
        let mut user = json!({
            "userName": "grace@example.com",
            "active": true,
            "name": {"givenName": "Grace"},
            "emails": [{"value": "grace@example.com", "type": "work", "primary": true}],
        });
        apply(
            &mut user,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": ops}),
        )
        .unwrap();
        user
    }

    #[test]
    fn the_shapes_entra_id_sends() {
        let user = patched(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        assert_eq!(
            user["active"], "False",
            "read as false when the user is read"
        );
        let user = patched(json!([
            {"op": "Add", "path": "title", "value": "Admiral"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "g@example.com"},
            {"op": "Add", "path": format!("{ENTERPRISE_USER}:department"), "value": "Navy"},
            {"op": "Add", "path": format!("{ENTERPRISE_USER}:manager"), "value": "7"},
            {"op": "Replace", "path": "name.familyName", "value": "Hopper"},
        ]));
        assert_eq!(user["title"], "Admiral");
        assert_eq!(user["emails"][0]["value"], "g@example.com");
        assert_eq!(user[ENTERPRISE_USER.to_lowercase()]["department"], "Navy");
        assert_eq!(user["name"]["familyname"], "Hopper");
        assert_eq!(user["name"]["givenName"], "Grace");
    }

    #[test]
    fn the_shapes_okta_sends() {
        let user = patched(
            json!([{"op": "replace", "value": {"active": false, "name.familyName": "Hopper"}}]),
        );
        assert_eq!(user["active"], false);
        assert_eq!(user["name"]["familyname"], "Hopper");
        let mut group = json!({"displayName": "Navy", "members": [{"value": "1"}, {"value": "2"}]});
        let body = json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "3"}, {"value": "1"}]},
            {"op": "remove", "path": "members[value eq \"2\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "3"}]},
        ]});
        apply(&mut group, &body).unwrap();
        assert_eq!(group["members"], json!([{"value": "1"}]));
    }

    #[test]
    fn bad_operations_are_refused_by_name() {
        let mut user = json!({"userName": "a@example.com"});
        for (ops, scim_type) in [
            (
                json!([{"op": "move", "path": "title", "value": "x"}]),
                "invalidSyntax",
            ),
            (json!([{"op": "remove"}]), "noTarget"),
            (json!([{"op": "replace", "value": "x"}]), "invalidValue"),
            (json!([{"op": "add", "path": "title"}]), "invalidValue"),
            (
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {}}]),
                "noTarget",
            ),
            (
                json!([{"op": "replace", "path": "title[", "value": "x"}]),
                "invalidPath",
            ),
        ] {
            let error = apply(&mut user, &json!({"Operations": ops})).unwrap_err();
            assert_eq!(error.scim_type, Some(scim_type), "{ops}");
        }
        assert!(apply(&mut user, &json!({"ops": []})).is_err());
    }
}
