//! The errors every operation can answer, added to the document from what the operation takes,
//! so that a generated client knows each status and its body without every handler repeating
//! them: a `Problem` as `application/problem+json`, always.

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

/// The media type of every error.
pub const PROBLEM: &str = "application/problem+json";

/// Adds the statuses an operation can answer besides its own, and makes every error response
/// a problem+json `Problem`.
pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                document(operation);
            }
        }
    }
}

/// What an operation takes, which decides what can go wrong.
struct Takes {
    credentials: bool,
    path_ids: bool,
    query: bool,
    body: bool,
}

fn document(operation: &mut Operation) {
    let parameters = operation.parameters.iter().flatten();
    let located = |place: &str| {
        parameters
            .clone()
            .any(|p| serde_json::to_value(&p.parameter_in).is_ok_and(|v| v == place))
    };
    let takes = Takes {
        credentials: !is_public(operation),
        path_ids: located("path"),
        query: located("query"),
        body: operation.request_body.is_some(),
    };
    let mut add = |status: &str, when: bool, description: &str| {
        if when {
            let responses = &mut operation.responses.responses;
            responses
                .entry(status.to_string())
                .or_insert_with(|| problem(description).into());
        }
    };
    let input = takes.path_ids || takes.query || takes.body;
    add(
        "400",
        input,
        "Malformed input: a path, query or body that cannot be read.",
    );
    add(
        "401",
        takes.credentials,
        "Not signed in: no valid token or session.",
    );
    // A token sent along is checked even where none is needed.
    add("401", true, "The token sent is unknown or revoked.");
    add(
        "403",
        takes.credentials,
        "Signed in, but not allowed (or a missing CSRF token).",
    );
    add(
        "404",
        takes.path_ids,
        "Absent, or not visible to the caller.",
    );
    add(
        "413",
        takes.body,
        "The body is larger than `http.json_limit_bytes`.",
    );
    add("415", takes.body, "The body is not `application/json`.");
    add(
        "422",
        takes.query || takes.body,
        "Invalid fields; `errors` says which.",
    );
    add(
        "500",
        true,
        "A fault of the server, logged with the request id; never bad input.",
    );
    add(
        "503",
        true,
        "Overloaded or the database is unreachable; retry later.",
    );
    for (status, response) in operation.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && status.starts_with(['4', '5'])
        {
            as_problem(response);
        }
    }
}

/// Operations that declare `security(())`: open to callers without credentials.
fn is_public(operation: &Operation) -> bool {
    operation
        .security
        .as_ref()
        .is_some_and(|requirements| requirements.contains(&SecurityRequirement::default()))
}

fn problem(description: &str) -> Response {
    let mut response = ResponseBuilder::new().description(description).build();
    as_problem(&mut response);
    response
}

/// Makes `response`'s body a `Problem` as problem+json, whatever the handler declared.
fn as_problem(response: &mut Response) {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    response.content.clear();
    response.content.insert(PROBLEM.to_string(), content);
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::http::api::openapi::ApiDoc;
    use utoipa::OpenApi;

    fn operations() -> Vec<(String, Value)> {
        let document = serde_json::to_value(ApiDoc::openapi()).expect("the document as JSON");
        let mut all = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                all.push((format!("{method} {path}"), operation.clone()));
            }
        }
        all
    }

    #[test]
    fn every_error_of_every_operation_is_a_problem() {
        for (name, operation) in operations() {
            let responses = operation["responses"].as_object().expect("responses");
            for status in ["500", "503"] {
                assert!(responses.contains_key(status), "{name} lacks {status}");
            }
            for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
                let content = response["content"].as_object().expect("content");
                let types: Vec<&String> = content.keys().collect();
                assert_eq!(types, [super::PROBLEM], "{name} {status}");
                assert_eq!(
                    content[super::PROBLEM]["schema"]["$ref"],
                    "#/components/schemas/Problem"
                );
            }
            let takes_ids = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
            let says_404 = responses.contains_key("404");
            assert!(
                says_404 || !takes_ids,
                "{name} takes an id but never says 404"
            );
            let takes_body = operation.get("requestBody").is_some();
            for status in ["413", "415"] {
                assert_eq!(
                    responses.contains_key(status),
                    takes_body,
                    "{name} {status}"
                );
            }
        }
    }

    #[test]
    fn only_sign_in_setup_invitations_operations_and_incoming_webhooks_go_without_credentials() {
        let public: Vec<(String, Value)> = operations()
            .into_iter()
            .filter(|(_, operation)| operation["security"] == serde_json::json!([{}]))
            .collect();
        let mut names: Vec<&str> = public.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "get /healthz",
                "get /metrics",
                "get /readyz",
                "post /api/v1/auth/link",
                "post /api/v1/auth/link/redeem",
                "post /api/v1/auth/token",
                "post /api/v1/invitations/accept",
                "post /api/v1/setup",
                // An incoming webhook: its URL carries its secret.
                "post /hooks/{id}/{secret}",
            ]
        );
        // A bad token sent along is refused even where none is needed.
        for (name, operation) in &public {
            assert!(operation["responses"].get("401").is_some(), "{name}");
        }
    }
}
