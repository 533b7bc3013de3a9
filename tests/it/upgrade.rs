//! Upgrades: a database as an earlier release left it, filled in that release's own shapes
//! (`fixtures/upgrade/`), opened by this build as an upgrade does (migrations at start, the
//! search index replayed from the log), and read back through the API.

use std::collections::BTreeSet;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer};
use crate::support::{Backend, Client, PASSWORD, TestApp, TestDb};

/// The release of 2026-11-30 (commit 72178d5): the walled microblog, before typed events,
/// outbox, single sign-on, files, polls, moderation and the audit log.
const RELEASE_2026_11_30: (&str, &str) = (
    "2026-11-30-000005",
    include_str!("fixtures/upgrade/2026-11-30.sql"),
);

/// Ben's personal access token, made by that release.
const BENS_TOKEN: &str = "agora_tokenMadeBeforeTheUpgrade";

/// A database at `release`'s last migration holding its fixture.
fn database_as_left_by((last_migration, fixture): (&str, &str), backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let old = agora::db::Db::connect(&db.url, &config.database).unwrap();
    let sql = fixture
        .replace(
            "{password_hash}",
            &agora::accounts::passwords::hash(PASSWORD).unwrap(),
        )
        .replace(
            "{token_hash}",
            &hex::encode(Sha256::digest(BENS_TOKEN.as_bytes())),
        );
    old.write(|conn| {
        agora::db::migrations::run_pending_until(conn, last_migration)?;
        conn.batch_execute(&sql)?;
        Ok(())
    })
    .unwrap();
    db
}

fn ids(list: &Value) -> BTreeSet<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {list}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn search(client: &Client, words: &str) -> BTreeSet<String> {
    let (status, found) = client
        .get(&format!("/api/v1/search?q={words}&type=posts"))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    ids(&found)
}

async fn a_network_of_the_2026_11_30_release_upgrades_with_nothing_lost_or_repeated(
    backend: Backend,
) {
    let db = database_as_left_by(RELEASE_2026_11_30, backend);
    // The migrations (the upgrade's first step, before any worker runs): consumers added by
    // later releases begin at the old log's end, so no previews are fetched for old links and
    // no past is delivered to the first webhook made after the upgrade.
    let cursors: Vec<Cursor> = db
        .open()
        .read(|conn| {
            Ok(diesel::sql_query(
                "SELECT consumer, last_event_id FROM event_cursors \
                 WHERE consumer IN ('link_previews', 'webhook_queue') ORDER BY consumer",
            )
            .load(conn)?)
        })
        .unwrap();
    let started: Vec<(&str, i64)> = cursors
        .iter()
        .map(|c| (c.consumer.as_str(), c.last_event_id))
        .collect();
    assert_eq!(started, [("link_previews", 22), ("webhook_queue", 22)]);

    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = TestApp::start_on(db, &[("AGORA_SMTP_URL", smtp.url().as_str())]).await;

    // People sign in with the passwords and tokens they had.
    let ada = app.sign_in("ada@example.com").await;
    let ben = app.client_with_token(BENS_TOKEN);
    let cleo = app.sign_in("cleo@customer.example").await;
    let (status, me) = ben.get("/api/v1/me").await;
    assert_eq!(
        (status, me["handle"].as_str(), me["kind"].as_str()),
        (StatusCode::OK, Some("ben"), Some("employee")),
        "{me}"
    );
    let (_, me) = cleo.get("/api/v1/me").await;
    assert_eq!(me["kind"], "guest", "{me}");

    // The search index, new to this data directory, is replayed from the old log.
    ada.eventually("/api/v1/search?q=quarterly&type=posts", |found| {
        ids(found) == set(&["100"])
    })
    .await;
    app.worker_settled("search_indexer").await;

    // Feeds, posts, comments, likes and tags read as they were.
    let (_, home) = ada.get("/api/v1/feeds/home").await;
    assert_eq!(ids(&home), set(&["100", "101", "102"]), "{home}");
    let (_, post) = ben.get("/api/v1/posts/100").await;
    assert_eq!(
        (post["like_count"].as_i64(), post["comment_count"].as_i64()),
        (Some(1), Some(1)),
        "{post}"
    );
    let (_, comments) = ben.get("/api/v1/posts/100/comments").await;
    assert_eq!(ids(&comments), set(&["200"]), "{comments}");
    let (_, tagged) = ben.get("/api/v1/tags/finance/feed").await;
    assert_eq!(ids(&tagged), set(&["100"]), "{tagged}");
    let (status, _) = ada.get("/api/v1/posts/103").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted post came back");

    // The guest still sees her group and nothing else, on every surface asked here.
    let (_, council) = cleo.get("/api/v1/groups/11/feed").await;
    assert_eq!(ids(&council), set(&["101"]), "{council}");
    let (_, thread) = cleo.get("/api/v1/posts/101/comments").await;
    assert_eq!(ids(&thread), set(&["201"]), "{thread}");
    for hidden in [
        "/api/v1/posts/100",
        "/api/v1/posts/102",
        "/api/v1/groups/10",
    ] {
        let (status, body) = cleo.get(hidden).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}: {body}");
    }
    assert_eq!(search(&cleo, "roadmap").await, set(&["101"]));
    for word in ["quarterly", "pricing", "renewal", "draft"] {
        assert!(search(&cleo, word).await.is_empty(), "{word}");
    }
    assert_eq!(search(&ada, "pricing").await, set(&["102"]));
    assert!(search(&ada, "draft").await.is_empty());

    // Notifications are those of the old release, each once: the notifier resumed where it
    // stopped, so nothing in the old log is notified or mailed again.
    app.worker_settled("notifier").await;
    app.worker_settled("mail_sender").await;
    let (_, notes) = ben.get("/api/v1/notifications").await;
    let kinds: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["comment", "like"], "{notes}");
    assert!(
        smtp.messages().is_empty(),
        "mail went out again: {:?}",
        smtp.messages()
    );

    // And the network goes on: new posts and comments take ids past the old ones, notify,
    // and are found.
    let post = ben
        .created(
            "/api/v1/posts",
            json!({"body": "Numbers for December are in #finance"}),
        )
        .await;
    ada.created(
        &format!("/api/v1/posts/{post}/comments"),
        json!({"body": "December looks good"}),
    )
    .await;
    ben.eventually("/api/v1/notifications", |notes| {
        notes["items"].as_array().is_some_and(|n| n.len() == 3)
    })
    .await;
    ada.eventually("/api/v1/search?q=december&type=posts", |found| {
        ids(found) == set(&[post.as_str()])
    })
    .await;
    let (_, tagged) = ada.get("/api/v1/tags/finance/feed").await;
    assert_eq!(ids(&tagged), set(&["100", post.as_str()]), "{tagged}");
}

#[derive(diesel::QueryableByName)]
struct Cursor {
    #[diesel(sql_type = diesel::sql_types::Text)]
    consumer: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    last_event_id: i64,
}

async fn a_database_a_newer_release_migrated_is_refused_at_start(backend: Backend) {
    let db = TestDb::new(backend);
    db.open()
        .write(|conn| {
            diesel::sql_query(
                "INSERT INTO __diesel_schema_migrations (version, run_on) \
                 VALUES ('20991231000001', CURRENT_TIMESTAMP)",
            )
            .execute(conn)?;
            Ok(())
        })
        .unwrap();
    let vars = [
        (
            "AGORA_DATA_DIR".to_string(),
            db.dir.path().display().to_string(),
        ),
        ("AGORA_DATABASE_URL".to_string(), db.url.clone()),
    ];
    let config = agora::config::Config::load(None, vars).unwrap();
    let Err(refused) = agora::App::build(config) else {
        panic!("a newer schema was opened");
    };
    assert!(
        refused.detail.contains("migrated by a newer Agora")
            && refused.detail.contains("20991231000001"),
        "{}",
        refused.detail
    );
}

on_both_backends!(
    a_network_of_the_2026_11_30_release_upgrades_with_nothing_lost_or_repeated,
    a_database_a_newer_release_migrated_is_refused_at_start
);
