//! The contract in review: the OpenAPI document and a few representative answers are kept as
//! snapshots under `tests/it/snapshots/`, so a change to any wire shape shows in the diff.
//! Ids (also inside links and text), times, tokens and cursors vary from run to run and are
//! redacted first.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

/// `value` with everything that differs between runs replaced by a placeholder.
fn redacted(mut value: Value) -> Value {
    redact(&mut value);
    value
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                let varies = key == "id"
                    || key.ends_with("_id")
                    || key.ends_with("_at")
                    || key.ends_with("cursor")
                    || key == "token"
                    || key == "etag";
                if varies && !field.is_null() {
                    *field = json!(format!("[{key}]"));
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(text) => *text = without_ids(text),
        _ => {}
    }
}

/// `text` with every run of 12 or more digits (an id: ids are 64-bit and time-ordered) as `[n]`.
fn without_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() >= 12 { "[n]" } else { &digits });
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}

async fn the_openapi_document_is_the_reviewed_one(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (status, document) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("openapi", document);
}

async fn representative_answers_keep_their_shape(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ben = app.user(&admin, "ben", "employee").await;
    let group = app.group(&admin, "Launch", "public", false).await;

    let (status, post) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "Ship it, @ben! #launch **today**", "group_id": group}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let post_id = post["id"].as_str().unwrap().to_string();
    let (status, comment) = ben
        .post(
            &format!("/api/v1/posts/{post_id}/comments"),
            json!({"body": "On it."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    assert_eq!(
        ben.put(&format!("/api/v1/posts/{post_id}/like")).await.0,
        StatusCode::OK
    );
    app.worker_settled("notifier").await;

    let (_, post) = admin.get(&format!("/api/v1/posts/{post_id}")).await;
    insta::assert_json_snapshot!("post", redacted(post));
    let (_, comments) = admin
        .get(&format!("/api/v1/posts/{post_id}/comments"))
        .await;
    insta::assert_json_snapshot!("comments", redacted(comments));
    let (_, group) = ben.get(&format!("/api/v1/groups/{group}")).await;
    insta::assert_json_snapshot!("group", redacted(group));
    let (_, me) = ben.get("/api/v1/me").await;
    insta::assert_json_snapshot!("me", redacted(me));
    let (_, notifications) = ben.get("/api/v1/notifications").await;
    insta::assert_json_snapshot!("notifications", redacted(notifications));

    let (status, missing) = ben.get("/api/v1/posts/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!("problem_not_found", missing);
    let (status, invalid) = ben.post("/api/v1/posts", json!({"body": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!("problem_invalid", invalid);
}

on_both_backends!(
    the_openapi_document_is_the_reviewed_one,
    representative_answers_keep_their_shape
);
