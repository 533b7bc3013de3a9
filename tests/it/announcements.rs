//! Announcements: who may make them, pinning until read or dismissed, who has read a
//! must-read one, and guests who hear only of their groups'.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

async fn announce(client: &Client, body: Value) -> (StatusCode, Value) {
    client.post("/api/v1/posts", body).await
}

async fn pinned(client: &Client) -> Vec<String> {
    let (status, page) = client.get("/api/v1/announcements").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

async fn announcements_pin_until_read_and_their_authors_see_who_has_not(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let group = app.group(&ana, "Support", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;

    // Who may announce where.
    let company = json!({"body": "Office closed Friday", "announcement": {"must_read": true}});
    let (status, body) = announce(&ana, company.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only site admins: {body}");
    let in_group = json!({"body": "New support hours", "group_id": group, "announcement": {}});
    let (status, body) = announce(&bob, in_group.clone()).await;
    assert!(
        status.is_client_error(),
        "a non-member cannot: {status} {body}"
    );
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (status, _) = announce(
        &admin,
        json!({"body": "late", "announcement": {"ends_at": past}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, feed) = admin.get("/api/v1/feeds/company").await;
    assert_eq!(feed["items"], json!([]), "refusals leave no post");

    let (status, closed) = announce(&admin, company).await;
    assert_eq!(status, StatusCode::CREATED, "{closed}");
    assert_eq!(closed["announcement"]["must_read"], true);
    let closed = closed["id"].as_str().unwrap().to_string();
    let (status, hours) = announce(&ana, in_group).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the group's owner may: {hours}"
    );
    let hours = hours["id"].as_str().unwrap().to_string();

    assert_eq!(pinned(&bob).await, vec![closed.clone()], "not his group");
    assert_eq!(pinned(&ana).await, vec![hours.clone(), closed.clone()]);
    assert_eq!(
        pinned(&guest).await,
        vec![hours.clone()],
        "a guest gets her group's, never the company's"
    );

    // Reading (or dismissing) unpins it for her alone; again changes nothing.
    for _ in 0..2 {
        assert_eq!(
            bob.put(&format!("/api/v1/posts/{closed}/read")).await.0,
            StatusCode::NO_CONTENT
        );
    }
    assert!(pinned(&bob).await.is_empty());
    assert_eq!(pinned(&ana).await.len(), 2);
    assert_eq!(
        guest.put(&format!("/api/v1/posts/{closed}/read")).await.0,
        StatusCode::NOT_FOUND,
        "what she cannot read does not exist for her"
    );
    let (_, plain) = ana.post("/api/v1/posts", json!({"body": "plain"})).await;
    let (status, body) = ana
        .put(&format!(
            "/api/v1/posts/{}/read",
            plain["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // The author sees who has read it: of ana and bob (not herself), bob has.
    let (status, report) = admin.get(&format!("/api/v1/posts/{closed}/readers")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["read"].as_i64(), report["audience"].as_i64()),
        (Some(1), Some(2))
    );
    let unread: Vec<&str> = report["unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap())
        .collect();
    assert_eq!(unread, ["ana"]);
    assert_eq!(
        bob.get(&format!("/api/v1/posts/{closed}/readers")).await.0,
        StatusCode::FORBIDDEN
    );
    let page = admin.page(&format!("/posts/{closed}")).await;
    assert!(page.contains("Read by 1 of 2"), "{page}");

    // Pages pin them atop the feeds, with the button that unpins.
    let page = ana.page("/").await;
    assert!(
        page.contains("I have read this") && page.contains("Dismiss"),
        "{page}"
    );
    let page = guest.page(&format!("/groups/{group}")).await;
    assert!(
        page.contains("New support hours") && page.contains("Dismiss"),
        "{page}"
    );
}

on_both_backends!(announcements_pin_until_read_and_their_authors_see_who_has_not);
