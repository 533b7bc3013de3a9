//! Bots and incoming webhooks: what a bot's token reaches, and what a webhook's URL accepts.

mod hooks;
mod pages;
mod tokens;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Client, TestApp};

/// Creates a bot as `admin`; returns its id.
pub async fn bot(admin: &Client, name: &str) -> String {
    let (status, bot) = admin
        .post(
            "/api/v1/admin/bots",
            json!({"name": name, "description": "Ships releases"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    bot["id"].as_str().unwrap().to_string()
}

/// Issues a token to bot `id` as `admin` with `grant`; returns the token.
pub async fn token(admin: &Client, id: &str, grant: Value) -> String {
    let (status, issued) = admin
        .post(&format!("/api/v1/admin/bots/{id}/tokens"), grant)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["token"].as_str().unwrap().to_string()
}

pub async fn add_member(owner: &Client, group: &str, user: &str) {
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": user}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

pub async fn post_in(
    author: &Client,
    group: Option<&str>,
    body: &str,
    employees_only: bool,
) -> String {
    let mut input = json!({"body": body, "employees_only": employees_only});
    if let Some(group) = group {
        input["group_id"] = json!(group);
    }
    author.created("/api/v1/posts", input).await
}

/// The path of a hook's URL.
pub fn hook_path(url: &str) -> String {
    url[url.find("/hooks/").unwrap()..].to_string()
}

/// Posts `body` with `content_type` to `path`: status, content type and body of the answer.
pub async fn send_hook(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, Value) {
    let client = app.anonymous();
    let response = client
        .request(reqwest::Method::POST, path)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|h| h.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        kind,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
