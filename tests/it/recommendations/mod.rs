//! Recommendations that say why: who, which groups and which tags are suggested, with what
//! reason, and everything that must never be suggested (the hidden, the followed, the
//! dismissed, and for a guest anything outside her groups). `walls` holds the guest's and
//! the requests refused; `pages` the rail and `/discover`.

mod pages;
mod walls;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

/// The caller's recommendations, all of them.
pub(super) async fn recommendations(client: &Client) -> Value {
    let (status, found) = client.get("/api/v1/recommendations?limit=20").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

/// (name or tag, reason) of each suggestion of `kind` (`people`, `groups`, `tags`).
pub(super) async fn suggested(client: &Client, kind: &str) -> Vec<(String, String)> {
    let found = recommendations(client).await;
    found[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = match kind {
                "people" => s["user"]["name"].as_str(),
                "groups" => s["group"]["name"].as_str(),
                _ => s["name"].as_str(),
            };
            (
                name.unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The reason `name` is suggested under `kind`, if it is.
pub(super) async fn reason(client: &Client, kind: &str, name: &str) -> Option<String> {
    suggested(client, kind)
        .await
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, reason)| reason)
}

pub(super) async fn set_department(client: &Client, department: &str) {
    let (status, me) = client
        .patch("/api/v1/me", json!({"department": department}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

pub(super) async fn add_member(owner: &Client, group: &str, member: &Client) {
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": member.id().await}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

pub(super) async fn dismiss(client: &Client, kind: &str, id: &str) -> StatusCode {
    client
        .post(
            "/api/v1/recommendations/dismissals",
            json!({"kind": kind, "id": id}),
        )
        .await
        .0
}

async fn people_are_suggested_with_why_never_followed_deactivated_or_dismissed(
    backend: crate::support::Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let cid = app.user(&admin, "cid", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    let eve = app.user(&admin, "eve", "employee").await;
    let fay = app.user(&admin, "fay", "employee").await;
    for who in [&ana, &dan, &fay] {
        set_department(who, "Engineering").await;
    }
    let (bob_id, cid_id) = (bob.id().await, cid.id().await);
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{bob_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        bob.put(&format!("/api/v1/follows/users/{cid_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let team = app.group(&ana, "Team", "private", false).await;
    add_member(&ana, &team, &eve).await;
    add_member(&ana, &team, &cid).await;
    let (status, _) = admin
        .delete(&format!("/api/v1/users/{}", fay.id().await))
        .await;
    assert!(status.is_success(), "{status}");

    let people = suggested(&ana, "people").await;
    assert_eq!(
        reason(&ana, "people", "CID").await.as_deref(),
        Some("followed by 1 person you follow · in 1 of your groups"),
        "{people:?}"
    );
    assert_eq!(
        reason(&ana, "people", "EVE").await.as_deref(),
        Some("in 1 of your groups")
    );
    assert_eq!(
        reason(&ana, "people", "DAN").await.as_deref(),
        Some("same department")
    );
    // The strongest reasons first.
    assert_eq!(people[0].0, "CID", "{people:?}");
    for never in ["ANA", "BOB", "FAY"] {
        assert!(
            people.iter().all(|(n, _)| n != never),
            "{never} in {people:?}"
        );
    }

    assert_eq!(
        dismiss(&ana, "person", &cid_id).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        dismiss(&ana, "person", &cid_id).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(reason(&ana, "people", "CID").await, None);
    // Following someone takes her off the list too.
    let dan_id = dan.id().await;
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{dan_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(reason(&ana, "people", "DAN").await, None);
    // Dismissals are each person's own.
    assert!(reason(&eve, "people", "CID").await.is_some());
}

async fn only_public_groups_she_is_not_in_are_suggested(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    for who in [&ana, &dan] {
        set_department(who, "Engineering").await;
    }
    let bob_id = bob.id().await;
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{bob_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let rust = app.group(&bob, "Rust", "public", false).await;
    app.group(&bob, "Payroll", "private", false).await;
    let skunkworks = app.group(&bob, "Skunkworks", "secret", false).await;
    let design = app.group(&dan, "Design", "public", false).await;
    let hidden = app.group(&dan, "Hidden", "secret", false).await;
    for group in [&design, &hidden, &skunkworks] {
        let body = json!({"body": "Progress this week", "group_id": group});
        let who = if group == &skunkworks { &bob } else { &dan };
        who.created("/api/v1/posts", body).await;
    }

    let groups = suggested(&ana, "groups").await;
    assert_eq!(
        reason(&ana, "groups", "Rust").await.as_deref(),
        Some("1 person you follow is a member")
    );
    assert_eq!(
        reason(&ana, "groups", "Design").await.as_deref(),
        Some("active this week in your department")
    );
    assert_eq!(
        groups.len(),
        2,
        "never a private or secret group: {groups:?}"
    );

    let (status, _) = ana
        .post(&format!("/api/v1/groups/{rust}/join"), json!({}))
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        reason(&ana, "groups", "Rust").await,
        None,
        "she is a member now"
    );
    assert_eq!(
        dismiss(&ana, "group", &design).await,
        StatusCode::NO_CONTENT
    );
    assert!(suggested(&ana, "groups").await.is_empty());
    // A secret group does not exist for her, not even to dismiss.
    assert_eq!(
        dismiss(&ana, "group", &skunkworks).await,
        StatusCode::NOT_FOUND
    );
}

async fn tags_trend_only_in_what_she_reads_and_not_once_followed(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    for who in [&ana, &dan] {
        set_department(who, "Engineering").await;
    }
    let payroll = app.group(&dan, "Payroll", "private", false).await;
    let skunkworks = app.group(&dan, "Skunkworks", "secret", false).await;
    let team = app.group(&ana, "Team", "private", false).await;
    add_member(&ana, &team, &dan).await;
    for (body, group) in [
        ("Shipping #rustlang", None),
        ("More #rustlang", None),
        ("Salaries #payday", Some(&payroll)),
        ("Plans #stealth", Some(&skunkworks)),
        ("Standup #standup", Some(&team)),
    ] {
        let mut post = json!({"body": body});
        if let Some(group) = group {
            post["group_id"] = json!(group);
        }
        dan.created("/api/v1/posts", post).await;
    }

    let tags = suggested(&ana, "tags").await;
    assert_eq!(
        tags,
        vec![
            (
                "rustlang".to_string(),
                "trending in Engineering".to_string()
            ),
            ("standup".to_string(), "trending in Engineering".to_string()),
        ]
    );
    assert_eq!(
        ana.put("/api/v1/follows/tags/rustlang").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        dismiss(&ana, "tag", "#standup").await,
        StatusCode::NO_CONTENT
    );
    assert!(suggested(&ana, "tags").await.is_empty());
    // Without a department, her groups' trends are told by group.
    let eve = app.user(&admin, "eve", "employee").await;
    add_member(&ana, &team, &eve).await;
    assert_eq!(
        suggested(&eve, "tags").await,
        vec![("standup".to_string(), "trending in Team".to_string())]
    );
}

/// A department's posts of the week are counted once for all its readers: each is told only
/// of the public groups she may join and did not dismiss, the first posts count at once, and
/// a deleted post leaves the count.
async fn a_departments_busy_groups_are_counted_once_and_told_to_each_as_she_may_read(
    backend: crate::support::Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    let eve = app.user(&admin, "eve", "employee").await;
    for who in [&ana, &bob, &dan] {
        set_department(who, "Engineering").await;
    }
    set_department(&eve, "Sales").await;
    assert!(suggested(&ana, "groups").await.is_empty(), "nothing yet");
    let design = app.group(&dan, "Design", "public", false).await;
    let ops = app.group(&dan, "Ops", "public", false).await;
    let payroll = app.group(&dan, "Payroll", "private", false).await;
    add_member(&dan, &ops, &bob).await;
    let mut posted = Vec::new();
    for group in [&design, &design, &ops, &payroll, &payroll, &payroll] {
        let post = json!({"body": "Progress this week", "group_id": group});
        posted.push(dan.created("/api/v1/posts", post).await);
    }
    let busy = |names: &[&str]| -> Vec<(String, String)> {
        let reason = "active this week in your department";
        names
            .iter()
            .map(|name| (name.to_string(), reason.to_string()))
            .collect()
    };
    assert_eq!(suggested(&ana, "groups").await, busy(&["Design", "Ops"]));
    assert_eq!(
        suggested(&bob, "groups").await,
        busy(&["Design"]),
        "not the group he is in"
    );
    assert!(
        suggested(&eve, "groups").await.is_empty(),
        "another department"
    );
    assert_eq!(
        dismiss(&ana, "group", &design).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(suggested(&ana, "groups").await, busy(&["Ops"]));
    assert_eq!(
        suggested(&bob, "groups").await,
        busy(&["Design"]),
        "her dismissal is hers"
    );

    let (status, _) = dan.delete(&format!("/api/v1/posts/{}", posted[2])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    ana.eventually("/api/v1/recommendations?limit=20", |found| {
        found["groups"] == json!([])
    })
    .await;
}

on_both_backends!(
    people_are_suggested_with_why_never_followed_deactivated_or_dismissed,
    only_public_groups_she_is_not_in_are_suggested,
    tags_trend_only_in_what_she_reads_and_not_once_followed,
    a_departments_busy_groups_are_counted_once_and_told_to_each_as_she_may_read,
);
