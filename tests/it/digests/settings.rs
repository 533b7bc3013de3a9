//! Each member's email frequency per group: the API, its bounds, and which digest it sends a
//! group's posts to.

use reqwest::StatusCode;
use serde_json::json;

use super::{digest_of, mails_to, post, send_digests, set_digest, set_frequency, start};
use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, TestApp};

async fn only_members_set_a_group_frequency_and_only_known_values(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ed = app.user(&admin, "ed", "employee").await;
    let open = app.group(&olga, "Open", "public", false).await;
    let hidden = app.group(&olga, "Hidden", "secret", false).await;
    let (status, body) = olga.get(&format!("/api/v1/groups/{open}/membership")).await;
    assert_eq!(
        (status, body["email_frequency"].as_str()),
        (StatusCode::OK, Some("digest")),
        "the default"
    );
    assert_eq!(
        set_frequency(&olga, &open, "each_post").await.0,
        StatusCode::OK
    );
    assert_eq!(
        olga.get(&format!("/api/v1/groups/{open}/membership"))
            .await
            .1["email_frequency"],
        "each_post"
    );
    let (status, problem) = set_frequency(&olga, &open, "hourly").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["email_frequency"].is_array(), "{problem}");
    for group in [&open, &hidden] {
        assert_eq!(
            set_frequency(&ed, group, "daily").await.0,
            StatusCode::NOT_FOUND,
            "not a member"
        );
        assert_eq!(
            ed.get(&format!("/api/v1/groups/{group}/membership"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        set_frequency(&ed, "not-an-id", "daily").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        set_frequency(&app.anonymous(), &open, "daily").await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn each_group_frequency_sends_its_posts_to_the_right_digest_or_none(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let olga = app.user(&admin, "olga", "employee").await;
    let mut groups = Vec::new();
    for (name, frequency) in [
        ("Dailies", "daily"),
        ("Nevers", "never"),
        ("Instant", "each_post"),
        ("Usual", "digest"),
    ] {
        let group = app.group(&olga, name, "public", false).await;
        assert_eq!(
            ana.post(&format!("/api/v1/groups/{group}/join"), json!({}))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            set_frequency(&ana, &group, frequency).await.0,
            StatusCode::OK
        );
        post(&olga, &format!("post in {name}"), Some(&group)).await;
        groups.push(group);
    }
    set_digest(&ana, "weekly").await;
    // Followed people's posts in a group still obey the group's setting.
    let olga_id = olga.id().await;
    ana.put(&format!("/api/v1/follows/users/{olga_id}")).await;

    assert_eq!(send_digests(&admin, "daily").await, 1);
    let daily = digest_of(&smtp, 1, "ana@example.com").await;
    assert!(daily.contains("post in Dailies"), "{daily}");
    for other in ["Nevers", "Instant", "Usual"] {
        assert!(
            !daily.contains(&format!("post in {other}")),
            "{other} in the daily: {daily}"
        );
    }
    assert_eq!(send_digests(&admin, "weekly").await, 1);
    smtp.wait_for(2).await;
    let weekly = text_of(&mails_to(&smtp, "ana@example.com")[1]);
    assert!(weekly.contains("post in Usual"), "{weekly}");
    for other in ["Dailies", "Nevers", "Instant"] {
        assert!(
            !weekly.contains(&format!("post in {other}")),
            "{other} in the weekly: {weekly}"
        );
    }
}

on_both_backends!(
    only_members_set_a_group_frequency_and_only_known_values,
    each_group_frequency_sends_its_posts_to_the_right_digest_or_none
);
