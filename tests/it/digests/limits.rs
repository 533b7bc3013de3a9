//! What one reader can do to everyone's digest: follow more tags than a statement holds, or
//! have a digest that cannot be composed. Neither stops the others' digests.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use super::{post, start};
use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer};
use crate::support::{Backend, Client};

/// Makes the user `client` follow `count` new tags (`<prefix>0` …), written straight into the
/// database as an older version without a limit could have.
async fn follow_tags_directly(
    app: &crate::support::TestApp,
    client: &Client,
    prefix: &str,
    count: usize,
) {
    let user: i64 = client.id().await.parse().unwrap();
    let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
    app.db
        .open()
        .write(|conn| {
            use agora::db::schema::tag_follows;
            for tag in agora::tags::actions::ensure_tags(conn, &names)? {
                diesel::insert_into(tag_follows::table)
                    .values((
                        tag_follows::user_id.eq(user),
                        tag_follows::tag_id.eq(tag),
                        tag_follows::created_at.eq(chrono::Utc::now().naive_utc()),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
}

/// Runs the weekly digests; returns the report.
async fn run_weekly(admin: &Client) -> serde_json::Value {
    let (status, report) = admin
        .post("/api/v1/admin/digests/run", json!({"period": "weekly"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn a_reader_following_hundreds_of_tags_keeps_her_feed_and_everyones_digest(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let carl = app.user(&admin, "carl", "employee").await;
    follow_tags_directly(&app, &ana, "topic", 600).await;
    assert!(
        bob.put(&format!("/api/v1/follows/users/{}", carl.id().await))
            .await
            .0
            .is_success()
    );
    let news = post(&carl, "news on #topic599", None).await;

    let (status, home) = ana.get("/api/v1/feeds/home").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert_eq!(home["items"][0]["id"], news.as_str());
    let report = run_weekly(&admin).await;
    assert_eq!(
        (report["sent"].as_i64(), report["failed"].as_i64()),
        (Some(2), Some(0)),
        "{report}"
    );

    // Past the limit a follow is refused; following what she follows changes nothing.
    let (status, refused) = ana.put("/api/v1/follows/tags/onemore").await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::CONFLICT, Some("follow_limit")),
        "{refused}"
    );
    assert_eq!(
        ana.put("/api/v1/follows/tags/topic7").await.0,
        StatusCode::NO_CONTENT
    );
    follow_tags_directly(
        &app,
        &bob,
        "theme",
        agora::follows::MAX_FOLLOWED_TAGS as usize - 1,
    )
    .await;
    assert_eq!(
        bob.put("/api/v1/follows/tags/last").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        bob.put("/api/v1/follows/tags/beyond").await.0,
        StatusCode::CONFLICT
    );
}

async fn a_digest_run_skips_a_reader_it_cannot_compose_and_serves_the_rest(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    // Eve comes first in the run, so her failure would stop everyone after her.
    let eve = app.user(&admin, "eve", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let mal = app.user(&admin, "mal", "employee").await;
    let carl = app.user(&admin, "carl", "employee").await;
    assert!(
        eve.put(&format!("/api/v1/follows/users/{}", mal.id().await))
            .await
            .0
            .is_success()
    );
    assert!(
        bob.put(&format!("/api/v1/follows/users/{}", carl.id().await))
            .await
            .0
            .is_success()
    );
    let broken = post(&mal, "a post whose row cannot be read", None).await;
    post(&carl, "a post for bob", None).await;
    // A time no reader of this row can parse: each backend needs its own.
    let unreadable = match backend {
        Backend::Sqlite => "not a time",
        Backend::Postgres => "infinity",
    };
    app.db
        .open()
        .write(|conn| {
            diesel::sql_query(format!(
                "UPDATE posts SET created_at = '{unreadable}' WHERE id = {broken}"
            ))
            .execute(conn)?;
            Ok(())
        })
        .unwrap();

    let report = run_weekly(&admin).await;
    assert_eq!(
        (report["sent"].as_i64(), report["failed"].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].contains("To: bob@example.com"), "{}", mails[0]);
    assert!(crate::digests::mails_to(&smtp, "eve@example.com").is_empty());
}

on_both_backends!(
    a_reader_following_hundreds_of_tags_keeps_her_feed_and_everyones_digest,
    a_digest_run_skips_a_reader_it_cannot_compose_and_serves_the_rest
);
