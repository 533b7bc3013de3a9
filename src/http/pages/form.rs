//! What every form and list page shares: field messages, telling a form worth showing again
//! from an error page, safe "back" addresses, and "Load more" links.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::App;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::http::api::write;
use crate::http::error::{PageError, status_of};
use crate::http::extract::Caller;
use crate::posts::listing::{Listing, Show, Sort};

/// Page size of every list.
pub const PAGE_SIZE: i64 = 20;

/// Messages of a refused form: per field, and one for the whole form (key `""`).
#[derive(Clone, Debug, Default)]
pub struct FieldErrors {
    fields: BTreeMap<String, Vec<String>>,
}

impl FieldErrors {
    /// The messages of `field`, joined; empty when it is fine.
    pub fn get(&self, field: &str) -> String {
        self.fields
            .get(field)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }

    /// The message about the form as a whole, if any.
    pub fn general(&self) -> String {
        self.get("")
    }
}

/// A form the domain refused, to show again: the status to answer with and the messages.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub errors: FieldErrors,
}

/// Splits an error into a form worth showing again (invalid input 422, a conflict 409, or a
/// refusal 403, each with its message) and anything else, which becomes an error page.
pub fn refused(error: Error) -> Result<Refused, PageError> {
    match error.kind {
        ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden
            if error.code != ErrorCode::CsrfFailed =>
        {
            let mut fields = error.fields;
            if fields.is_empty() {
                fields.insert(String::new(), vec![error.detail]);
            }
            Ok(Refused {
                status: status_of(error.kind),
                errors: FieldErrors { fields },
            })
        }
        _ => Err(PageError(error)),
    }
}

/// A form's change: the CSRF check, `change` in one write transaction, and its outcome split
/// into what it made and a refusal to show on the form again (any other error is an error
/// page). The handler answers the one with a 303 and the other with the form and its messages.
pub async fn submit<T: Send + 'static>(
    app: &web::Data<App>,
    caller: &Caller,
    csrf: &str,
    change: impl FnOnce(&mut DbConnection, &Scope) -> crate::error::Result<T> + Send + 'static,
) -> Result<Result<T, Refused>, PageError> {
    check(caller, csrf)?;
    match write(app, caller, change).await {
        Ok(made) => Ok(Ok(made)),
        Err(error) => refused(error).map(Err),
    }
}

/// The signed-in caller's form, checked: 401 (the sign-in page) when not signed in, 403
/// when the form does not carry the session's CSRF token.
pub fn check(caller: &Caller, csrf: &str) -> Result<(), PageError> {
    caller.user()?;
    caller.verify_csrf(csrf)?;
    Ok(())
}

/// `back` if it is a path on this site, else `fallback`: a form must not redirect elsewhere.
/// `back` is read the way a browser reads a `Location` (tabs and newlines dropped, backslashes
/// as slashes), so a tab in `/<tab>/evil.example` hides no other site; what comes back is the
/// parsed path, query and fragment, always a valid header value.
pub fn local_path(back: &str, fallback: &str) -> String {
    same_origin_path(back).unwrap_or_else(|| fallback.to_string())
}

fn same_origin_path(back: &str) -> Option<String> {
    // Only a path: not a scheme, not a host, not a relative reference.
    if !back.starts_with('/') {
        return None;
    }
    let origin = url::Url::parse("http://agora.invalid/").ok()?;
    let parsed = origin.join(back).ok()?;
    if parsed.origin() != origin.origin() {
        return None;
    }
    let mut path = parsed.path().to_string();
    // `/.//evil.example` parses to the path `//evil.example`, which a browser reads as a host.
    if path.starts_with("//") {
        return None;
    }
    if let Some(query) = parsed.query() {
        path = format!("{path}?{query}");
    }
    if let Some(fragment) = parsed.fragment() {
        path = format!("{path}#{fragment}");
    }
    Some(path)
}

/// A form that carries only the CSRF token (and where to go afterwards).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
    pub back: String,
}

/// A form that switches something on or off: likes and follows. `on` is `"1"` to switch on.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ToggleForm {
    pub csrf: String,
    pub on: String,
    pub back: String,
}

impl ToggleForm {
    /// True to like or follow, false to take it back.
    pub fn on(&self) -> bool {
        self.on == "1"
    }
}

/// Applies an on/off form (follow a person or tag, mute a thread): the CSRF check, `change`
/// in one write transaction, then back to `back`.
pub async fn toggle(
    app: &web::Data<App>,
    caller: &Caller,
    form: &ToggleForm,
    back: &str,
    change: impl FnOnce(&mut DbConnection, &Scope, bool) -> crate::error::Result<()> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    check(caller, &form.csrf)?;
    let on = form.on();
    write(app, caller, move |conn, scope| change(conn, scope, on)).await?;
    Ok(super::see_other(back))
}

/// `?saved=1` on a settings page just saved.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

/// `?cursor=…&show=…&sort=…&window=…` of the company, group and tag pages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedQuery {
    pub cursor: Option<String>,
    /// `questions`, `unanswered`; none: all posts.
    pub show: Option<String>,
    /// `activity`, `top`; none: latest.
    pub sort: Option<String>,
    /// For `top`: `day`, `week`, `month`, `all`.
    pub window: Option<String>,
}

impl FeedQuery {
    /// The listing asked for, checked.
    pub fn listing(&self) -> crate::error::Result<Listing> {
        listing(&self.show, &self.sort, &self.window)
    }
}

/// The listing a feed page's `show`, `sort` and `window` ask for, checked.
pub fn listing(
    show: &Option<String>,
    sort: &Option<String>,
    window: &Option<String>,
) -> crate::error::Result<Listing> {
    Ok(Listing {
        show: Show::parse(show.as_deref())?,
        sort: Sort::parse(sort.as_deref(), window.as_deref())?,
    })
}

/// `?cursor=…` of every list page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CursorQuery {
    pub cursor: Option<String>,
}

/// The "Load more" link after a page of `path` (which may carry a query), when there is more.
pub fn more_link(path: &str, next_cursor: Option<&str>) -> Option<String> {
    let joiner = if path.contains('?') { '&' } else { '?' };
    // Cursors are URL-safe base64, so they go into the query as they are.
    next_cursor.map(|c| format!("{path}{joiner}cursor={c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            local_path("/groups/1?cursor=x#post-2", "/"),
            "/groups/1?cursor=x#post-2"
        );
        for outside in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "evil.example",
            "/%0a/x\r\n",
            "/.//evil.example",
            "/..//evil.example",
        ] {
            let kept = local_path(outside, "/");
            assert!(
                kept == "/" || !kept.contains("evil") && !kept.contains(['\r', '\n', '\t']),
                "{outside:?} → {kept:?}"
            );
        }
        assert_eq!(local_path("/\t/evil.example", "/"), "/");
        assert_eq!(local_path("/a\nb", "/"), "/ab");
        assert_eq!(local_path("", "/company"), "/company");
    }

    #[test]
    fn refusals_keep_field_messages_and_others_become_pages() {
        let r = refused(crate::error::invalid("body", "write something first")).unwrap();
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.errors.get("body"), "write something first");
        let r = refused(Error::conflict(ErrorCode::Taken, "already there")).unwrap();
        assert_eq!(r.errors.general(), "already there");
        assert!(refused(Error::not_found("post")).is_err());
    }
}
