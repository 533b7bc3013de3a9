//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parsed by hand, bounded in
//! length and nesting so a hostile filter is a 400 `invalidFilter`, never a deep recursion,
//! and evaluated over a resource's own JSON, so a filter sees exactly what a GET shows.
//! Attribute names and string comparisons ignore case, as the schemas' attributes do.

use serde_json::Value;

use super::error::{ScimError, ScimResult};
use super::{ENTERPRISE_USER, GROUP_SCHEMA, USER_SCHEMA};

/// Longest filter or path read.
const MAX_LENGTH: usize = 2048;
/// Deepest nesting of parentheses, brackets and `not`.
const MAX_DEPTH: usize = 16;

/// An attribute path: its segments, lower-cased; an extension's attributes sit under the
/// extension's URN, as in the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath(pub Vec<String>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Compare(AttrPath, Op, Value),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: some element of a multi-valued attribute matches.
    Within(AttrPath, Box<Filter>),
}

/// A PATCH path: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Text(String),
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidFilter", detail)
}

fn tokens(input: &str) -> ScimResult<Vec<Token>> {
    if input.len() > MAX_LENGTH {
        return Err(invalid(format!("longer than {MAX_LENGTH} characters")));
    }
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                chars.next();
                let mut end = None;
                let mut escaped = false;
                for (i, c) in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let end = end.ok_or_else(|| invalid("a string is not closed"))?;
                let text: String = serde_json::from_str(&input[start..=end])
                    .map_err(|_| invalid("a string has a bad escape"))?;
                out.push(Token::Text(text));
            }
            _ => {
                let mut end = input.len();
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                out.push(Token::Word(input[start..end].to_string()));
            }
        }
    }
    Ok(out)
}

/// Splits `raw` into lower-cased segments, the schema URN taken off (core) or kept as the
/// first segment (an extension).
pub fn attr_path(raw: &str) -> ScimResult<AttrPath> {
    let lower = raw.to_lowercase();
    let mut segments = Vec::new();
    let mut rest = lower.as_str();
    for schema in [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER] {
        let schema = schema.to_lowercase();
        if let Some(tail) = lower.strip_prefix(&format!("{schema}:")) {
            if schema == ENTERPRISE_USER.to_lowercase() {
                segments.push(schema);
            }
            rest = &lower[lower.len() - tail.len()..];
            break;
        }
    }
    if rest.starts_with("urn:") && segments.is_empty() && rest != ENTERPRISE_USER.to_lowercase() {
        return Err(ScimError::bad(
            "invalidPath",
            format!("unknown schema in {raw:?}"),
        ));
    }
    if rest == ENTERPRISE_USER.to_lowercase() {
        return Ok(AttrPath(vec![rest.to_string()]));
    }
    for part in rest.split('.') {
        let valid = !part.is_empty()
            && part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-');
        if !valid {
            return Err(invalid(format!("{raw:?} is not an attribute path")));
        }
        segments.push(part.to_string());
    }
    Ok(AttrPath(segments))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn consume(&mut self, token: Token, what: &str) -> ScimResult<()> {
        if self.next() == Some(token) {
            Ok(())
        } else {
            Err(invalid(format!("expected {what}")))
        }
    }

    fn nested<T>(&mut self, inner: impl FnOnce(&mut Parser) -> ScimResult<T>) -> ScimResult<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!("nested deeper than {MAX_DEPTH}")));
        }
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> ScimResult<Filter> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> ScimResult<Filter> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> ScimResult<Filter> {
        if self.keyword("not") {
            self.at += 1;
            self.consume(Token::Open, "( after not")?;
            let inner = self.nested(Parser::or)?;
            self.consume(Token::Close, ")")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.nested(Parser::or)?;
            self.consume(Token::Close, ")")?;
            return Ok(inner);
        }
        let Some(Token::Word(raw)) = self.next() else {
            return Err(invalid("expected an attribute"));
        };
        let path = attr_path(&raw)?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.nested(Parser::or)?;
            self.consume(Token::CloseBracket, "]")?;
            return Ok(Filter::Within(path, Box::new(inner)));
        }
        let Some(Token::Word(op)) = self.next() else {
            return Err(invalid(format!("expected an operator after {raw}")));
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(invalid(format!("unknown operator {other:?}"))),
        };
        let value = match self.next() {
            Some(Token::Text(text)) => Value::String(text),
            Some(Token::Word(word)) => match word.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                number => serde_json::from_str::<serde_json::Number>(number)
                    .map(Value::Number)
                    .map_err(|_| invalid(format!("{number:?} is not a value; quote strings")))?,
            },
            _ => return Err(invalid("expected a value")),
        };
        Ok(Filter::Compare(path, op, value))
    }
}

/// Reads a filter expression.
pub fn parse(input: &str) -> ScimResult<Filter> {
    let mut parser = Parser {
        tokens: tokens(input)?,
        at: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(invalid("unexpected text after the filter"));
    }
    Ok(filter)
}

/// Reads a PATCH path.
pub fn parse_path(input: &str) -> ScimResult<PatchPath> {
    let bad = |detail: &str| ScimError::bad("invalidPath", detail.to_string());
    let tokens = tokens(input).map_err(|e| bad(&e.detail))?;
    let Some(Token::Word(raw)) = tokens.first() else {
        return Err(bad("a path starts with an attribute"));
    };
    if tokens.len() == 1 {
        return Ok(PatchPath {
            attr: attr_path(raw).map_err(|e| bad(&e.detail))?,
            filter: None,
            sub: None,
        });
    }
    let close = tokens
        .iter()
        .rposition(|t| *t == Token::CloseBracket)
        .ok_or_else(|| bad("expected attr[filter]"))?;
    if tokens.get(1) != Some(&Token::OpenBracket) {
        return Err(bad("expected attr[filter]"));
    }
    let mut parser = Parser {
        tokens: tokens[2..close].to_vec(),
        at: 0,
        depth: 1,
    };
    let filter = parser.or().map_err(|e| bad(&e.detail))?;
    if parser.at != parser.tokens.len() {
        return Err(bad("unexpected text in the path's filter"));
    }
    let sub = match &tokens[close + 1..] {
        [] => None,
        [Token::Word(sub)] if sub.starts_with('.') && sub.len() > 1 => {
            Some(sub[1..].to_lowercase())
        }
        _ => return Err(bad("unexpected text after the path's filter")),
    };
    Ok(PatchPath {
        attr: attr_path(raw).map_err(|e| bad(&e.detail))?,
        filter: Some(filter),
        sub,
    })
}

/// The member of `object` named `name`, whatever its case.
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Every value at `path` in `resource`, multi-valued attributes flattened.
fn values<'a>(resource: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return match resource {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
    };
    match resource {
        Value::Array(items) => items.iter().flat_map(|item| values(item, path)).collect(),
        other => member(other, first)
            .map(|inner| values(inner, rest))
            .unwrap_or_default(),
    }
}

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        _ => true,
    }
}

fn compare(found: &Value, op: Op, wanted: &Value, exact: bool) -> bool {
    match (found, wanted) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = if exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                Op::Eq => a == b,
                Op::Ne => a != b,
                Op::Co => a.contains(&b),
                Op::Sw => a.starts_with(&b),
                Op::Ew => a.ends_with(&b),
                Op::Gt => a > b,
                Op::Ge => a >= b,
                Op::Lt => a < b,
                Op::Le => a <= b,
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            match op {
                Op::Eq => a == b,
                Op::Ne => a != b,
                Op::Gt => a > b,
                Op::Ge => a >= b,
                Op::Lt => a < b,
                Op::Le => a <= b,
                _ => false,
            }
        }
        (a, b) => match op {
            Op::Eq => a == b,
            Op::Ne => a != b,
            _ => false,
        },
    }
}

/// Ids are compared exactly (RFC 7643 marks them case-exact); everything else ignores case.
fn case_exact(path: &AttrPath) -> bool {
    matches!(path.0.as_slice(), [one] if one == "id" || one == "externalid")
}

impl Filter {
    /// Whether `resource` (its SCIM JSON) matches.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::Compare(path, op, wanted) => {
                let found = values(resource, &path.0);
                let exact = case_exact(path);
                match op {
                    // `ne` holds when no value equals (and for an absent attribute).
                    Op::Ne => !found.iter().any(|v| compare(v, Op::Eq, wanted, exact)),
                    _ => found.iter().any(|v| compare(v, *op, wanted, exact)),
                }
            }
            Filter::Present(path) => values(resource, &path.0).into_iter().any(present),
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::Within(path, inner) => values(resource, &path.0)
                .into_iter()
                .any(|element| inner.matches(element)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "42",
            "userName": "Grace@Example.com",
            "name": {"givenName": "Grace", "familyName": "Hopper"},
            "title": "",
            "active": true,
            "emails": [{"value": "grace@example.com", "type": "work", "primary": true}],
            ENTERPRISE_USER: {"department": "Navy", "manager": {"value": "7"}},
        })
    }

    fn holds(filter: &str) -> bool {
        parse(filter).unwrap().matches(&user())
    }

    #[test]
    fn operators_on_the_attributes_clients_filter_by() {
        assert!(
            holds(r#"userName eq "grace@example.com""#),
            "case-insensitive"
        );
        assert!(holds(r#"USERNAME Eq "GRACE@example.com""#));
        assert!(!holds(r#"userName ne "grace@example.com""#));
        assert!(holds(r#"userName co "@example""#));
        assert!(holds(r#"userName sw "grace""#) && holds(r#"userName ew ".com""#));
        assert!(holds("name.familyName pr") && !holds("title pr") && !holds("nickName pr"));
        assert!(holds("active eq true") && !holds("active eq false"));
        assert!(holds(r#"emails[type eq "work" and primary eq true]"#));
        assert!(holds(r#"emails.value eq "grace@example.com""#));
        assert!(holds(&format!(r#"{ENTERPRISE_USER}:department eq "navy""#)));
        assert!(holds(&format!(r#"{ENTERPRISE_USER}:manager.value eq "7""#)));
        assert!(holds(&format!(r#"{USER_SCHEMA}:userName sw "g""#)));
        assert!(holds(
            r#"title eq "x" or (active eq true and not (userName eq "x"))"#
        ));
        assert!(
            !holds(r#"title eq "x" or active eq true and userName eq "x""#),
            "and binds first"
        );
        assert!(holds(r#"id eq "42""#) && !holds(r#"externalId eq "42""#));
    }

    #[test]
    fn malformed_huge_and_injected_filters_are_refused() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName eq "unclosed"#,
            r#"userName xx "a""#,
            r#"userName eq grace"#,
            r#"(userName eq "a""#,
            r#"userName eq "a") or (1 eq 1"#,
            r#"userName eq "a" ; DROP TABLE users"#,
            r#"userName eq "a' OR '1'='1""#,
            "urn:evil:Thing:x eq 1",
            "emails[type eq \"work\"",
        ] {
            let refused = parse(bad);
            // A quote inside a string is just text: that filter parses, and matches nothing.
            if bad.contains("'1'='1") {
                assert!(!refused.unwrap().matches(&user()));
                continue;
            }
            assert_eq!(refused.unwrap_err().status, 400, "{bad}");
        }
        let deep = format!("{}userName pr{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(parse(&deep).unwrap_err().scim_type, Some("invalidFilter"));
        let long = format!(r#"userName eq "{}""#, "a".repeat(5000));
        assert_eq!(parse(&long).unwrap_err().scim_type, Some("invalidFilter"));
    }

    #[test]
    fn patch_paths_as_entra_id_and_okta_send_them() {
        let path = parse_path("active").unwrap();
        assert_eq!(path.attr.0, vec!["active"]);
        let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.attr.0, vec!["emails"]);
        assert_eq!(path.sub.as_deref(), Some("value"));
        assert!(path.filter.unwrap().matches(&json!({"type": "Work"})));
        let path = parse_path(&format!("{ENTERPRISE_USER}:department")).unwrap();
        assert_eq!(
            path.attr.0,
            vec![ENTERPRISE_USER.to_lowercase(), "department".to_string()]
        );
        let path = parse_path(r#"members[value eq "1"]"#).unwrap();
        assert_eq!(path.attr.0, vec!["members"]);
        assert!(parse_path("emails[").is_err() && parse_path("a b").is_err());
    }
}
