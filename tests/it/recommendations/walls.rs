//! What is never suggested to a guest, and the dismissals refused.

use reqwest::StatusCode;
use serde_json::json;

use super::{add_member, dismiss, recommendations, set_department, suggested};
use crate::on_both_backends;
use crate::support::TestApp;

async fn a_guest_is_suggested_nothing_outside_her_groups(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    set_department(&ana, "Engineering").await;
    set_department(&bob, "Engineering").await;
    let launch = app.group(&ana, "Launch", "private", true).await;
    let secret = app.group(&bob, "Skunkworks", "secret", false).await;
    let public = app.group(&bob, "Rust", "public", false).await;
    let guest = app.guest_in(&ana, "gus", &[&launch]).await;
    // She follows ana, who follows bob (whom she never met); ana is in every group.
    assert_eq!(
        guest
            .put(&format!("/api/v1/follows/users/{}", ana.id().await))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{}", bob.id().await))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    for group in [&secret, &public] {
        add_member(&bob, group, &ana).await;
    }
    for (body, group) in [
        ("Company #roadmap", None),
        ("Secret #stealth", Some(&secret)),
        ("Public #rustlang", Some(&public)),
        ("Launch day #golive", Some(&launch)),
    ] {
        let mut post = json!({"body": body});
        if let Some(group) = group {
            post["group_id"] = json!(group);
        }
        let author = if group == Some(&launch) { &ana } else { &bob };
        author.created("/api/v1/posts", post).await;
    }
    let carl = app.user(&admin, "carl", "employee").await;
    add_member(&ana, &launch, &carl).await;

    let found = recommendations(&guest).await;
    assert_eq!(found["groups"], json!([]), "{found}");
    assert_eq!(
        suggested(&guest, "tags").await,
        vec![("golive".to_string(), "trending in Launch".to_string())]
    );
    assert_eq!(
        suggested(&guest, "people").await,
        vec![("CARL".to_string(), "in 1 of your groups".to_string())],
        "not bob, whom she never met, nor ana, whom she follows"
    );
    let page = guest.page("/discover").await;
    for hidden in [
        "Skunkworks",
        "Rust",
        "stealth",
        "rustlang",
        "roadmap",
        "BOB",
    ] {
        assert!(!page.contains(hidden), "{hidden} on the guest's page");
    }
    // Nobody outside her circle exists for her, not even to dismiss.
    assert_eq!(
        dismiss(&guest, "person", &bob.id().await).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dismiss(&guest, "group", &public).await,
        StatusCode::NOT_FOUND
    );
    // And the employees of her groups are suggested the guest only for the group they share.
    let people = suggested(&carl, "people").await;
    let gus = people.iter().find(|(n, _)| n == "GUS");
    assert_eq!(
        gus.map(|(_, r)| r.as_str()),
        Some("in 1 of your groups"),
        "{people:?}"
    );
}

async fn a_dismissal_names_a_known_kind(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let (status, problem) = ana
        .post(
            "/api/v1/recommendations/dismissals",
            json!({"kind": "planet", "id": "1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["kind"].is_array(), "{problem}");
    assert_eq!(
        dismiss(&ana, "person", "not-a-number").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dismiss(&ana, "tag", "#").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, _) = ana.get("/api/v1/recommendations?limit=21").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.anonymous().get("/api/v1/recommendations").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    a_guest_is_suggested_nothing_outside_her_groups,
    a_dismissal_names_a_known_kind,
);

async fn a_bot_in_her_groups_is_never_suggested(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let team = app.group(&ana, "Team", "private", false).await;
    add_member(&ana, &team, &bob).await;
    let bot = crate::bots::bot(&admin, "Release bot").await;
    crate::bots::add_member(&ana, &team, &bot).await;
    let people = suggested(&ana, "people").await;
    let names: Vec<&str> = people.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["BOB"],
        "a fellow member is suggested, the group's bot never: {people:?}"
    );
}
on_both_backends!(a_bot_in_her_groups_is_never_suggested);
