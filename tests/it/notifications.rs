//! Notifications: every kind reaches its recipient (in the app, and by email through a real
//! SMTP conversation when asked), grouping, marking read, settings, muted threads, quiet
//! posts, the walls around guests and non-members, replaying the log, and the live stream.
//!
//! Absence is proved after the notifier has caught up with the log (`settle`): it applies
//! events in order, so what it has not created by then it never will.

use std::time::Duration;

use agora::db::Db;
use agora::signals::notifier;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::on_both_backends;
use crate::pages::submit;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::stream::Stream;
use crate::support::{Backend, Client, TestApp};

/// A server that mails to an SMTP listener of the test's own, its database and its admin.
async fn office(backend: Backend) -> (SmtpServer, TestApp, Db, Client) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let url = smtp.url();
    let env = [
        ("AGORA_SMTP_URL", url.as_str()),
        ("AGORA_PUBLIC_URL", "https://agora.test"),
        ("AGORA_GUESTS__ALLOWED_DOMAINS", "customer.example"),
    ];
    let app = TestApp::start_with(backend, &env).await;
    let db = app.db.open();
    let admin = app.admin().await;
    (smtp, app, db, admin)
}

/// Waits until the notifier has applied every event so far.
async fn settle(db: &Db) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if db.read(notifier::caught_up).unwrap() {
            return;
        }
        assert!(Instant::now() < deadline, "the notifier did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The client's notifications, newest first.
async fn notes(client: &Client) -> Vec<Value> {
    let (status, page) = client.get("/api/v1/notifications?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn texts(notes: &[Value]) -> Vec<String> {
    notes
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_string())
        .collect()
}

async fn unread(client: &Client) -> i64 {
    let (status, body) = client.get("/api/v1/notifications/unread").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["unread"].as_i64().unwrap()
}

async fn put_json(client: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    client
        .send(client.request(reqwest::Method::PUT, path).json(&body))
        .await
}

async fn post(client: &Client, body: &str, group: Option<&str>) -> String {
    let (status, post) = client
        .post("/api/v1/posts", json!({"body": body, "group_id": group}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_string()
}

async fn comment(client: &Client, post: &str, body: &str, employees_only: bool) -> String {
    let (status, comment) = client
        .post(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": body, "employees_only": employees_only}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    comment["id"].as_str().unwrap().to_string()
}

async fn add_member(owner: &Client, group: &str, member: &Client) {
    let user_id = member.id().await;
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": user_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Sets `member`'s email frequency for `group`, as the settings of another part will.
fn each_post(db: &Db, group: &str, member: &str) {
    use agora::db::schema::memberships;
    let (group, member): (i64, i64) = (group.parse().unwrap(), member.parse().unwrap());
    db.write(|conn| {
        Ok(diesel::update(memberships::table.find((group, member)))
            .set(memberships::email_frequency.eq("each_post"))
            .execute(conn)?)
    })
    .unwrap();
}

async fn every_kind_reaches_its_recipient(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let cy = app.user(&admin, "cy", "employee").await;
    let team = app.group(&ann, "Team", "private", true).await;
    let (status, _) = bo
        .post(&format!("/api/v1/groups/{team}/join"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    add_member(&ann, &team, &bo).await;
    add_member(&ann, &team, &cy).await;
    each_post(&db, &team, &cy.id().await);

    let hello = post(&bo, "hello @ann, the plan is ready", Some(&team)).await;
    comment(&ann, &hello, "looks good", false).await;
    let second = comment(&cy, &hello, "agreed", false).await;
    ann.put(&format!("/api/v1/posts/{hello}/like")).await;
    bo.put(&format!("/api/v1/comments/{second}/like")).await;
    cy.put(&format!("/api/v1/follows/users/{}", ann.id().await))
        .await;
    settle(&db).await;

    assert_eq!(
        texts(&notes(&ann).await),
        [
            "CY followed you",
            "CY commented on a post you commented on",
            "BO mentioned you",
            "BO asked to join Team",
        ]
    );
    assert_eq!(
        texts(&notes(&bo).await),
        [
            "ANN liked your post",
            "CY and 1 other commented on your post"
        ]
    );
    let cy_notes = notes(&cy).await;
    assert_eq!(
        texts(&cy_notes),
        ["BO liked your comment", "BO posted in Team"]
    );
    assert_eq!(cy_notes[1]["kind"], "group_post");
    assert_eq!(cy_notes[1]["post"]["id"], hello.as_str());
    assert_eq!(cy_notes[1]["group"]["name"], "Team");
    assert_eq!(
        cy_notes[0]["url"],
        format!("/posts/{hello}#comment-{second}")
    );

    // An accepted invitation tells its sponsor.
    let (status, _) = ann
        .post(
            &format!("/api/v1/groups/{team}/invitations"),
            json!({"email": "dee@customer.example", "name": "Dee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let invitation = smtp
        .wait_for(2)
        .await
        .into_iter()
        .map(|m| text_of(&m))
        .find(|t| t.contains("token="))
        .unwrap();
    let token = invitation
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (status, body) = app
        .anonymous()
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "Dee", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settle(&db).await;
    assert_eq!(
        texts(&notes(&ann).await)[0],
        "Dee (guest, customer.example) accepted your invitation to Team"
    );
}

async fn a_mention_arrives_in_the_app_and_by_email(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let id = post(&bo, "@ann can you review the launch checklist?", None).await;
    let messages = smtp.wait_for(1).await;
    let message = &messages[0];
    assert!(message.contains("To: ann@example.com"), "{message}");
    assert!(
        message.contains("Subject: BO mentioned you on Agora"),
        "{message}"
    );
    let text = text_of(message);
    assert!(text.contains("launch checklist"), "{text}");
    assert!(
        text.contains(&format!("https://agora.test/posts/{id}")),
        "{text}"
    );
    assert!(message.contains("text/html"), "plain text and HTML");
    let ann_notes = notes(&ann).await;
    assert_eq!(ann_notes.len(), 1);
    assert_eq!(
        (
            ann_notes[0]["kind"].as_str(),
            ann_notes[0]["read"].as_bool()
        ),
        (Some("mention"), Some(false))
    );
    assert_eq!(ann_notes[0]["actor"]["handle"], "bo");
    // Bo is not told of his own post, and nobody else was mentioned.
    settle(&db).await;
    assert!(notes(&bo).await.is_empty());
    assert_eq!(smtp.messages().len(), 1);
    // Emailed about it, the post counts as met: digests leave it out.
    let ann_id: agora::ids::UserId = ann.id().await.parse().unwrap();
    let met = db
        .read(|conn| agora::signals::seen::among(conn, ann_id, &[id.parse().unwrap()]))
        .unwrap();
    assert_eq!(met.len(), 1);
}

async fn likes_fold_into_one_notification_until_read(backend: Backend) {
    let (_smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let id = post(&ann, "quarterly numbers are out", None).await;
    for handle in ["bo", "cy", "dee", "eve", "fay"] {
        let fan = app.user(&admin, handle, "employee").await;
        fan.put(&format!("/api/v1/posts/{id}/like")).await;
    }
    settle(&db).await;
    let grouped = notes(&ann).await;
    assert_eq!(texts(&grouped), ["FAY and 4 others liked your post"]);
    assert_eq!(grouped[0]["others"], 4);
    let named: Vec<&str> = grouped[0]["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["handle"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["fay", "eve", "dee"]);
    assert_eq!(unread(&ann).await, 1);

    // Read, the next like starts a new notification.
    let (status, body) = ann
        .post(
            "/api/v1/notifications/read",
            json!({"ids": [grouped[0]["id"]]}),
        )
        .await;
    assert_eq!((status, body["unread"].as_i64()), (StatusCode::OK, Some(0)));
    let gus = app.user(&admin, "gus", "employee").await;
    gus.put(&format!("/api/v1/posts/{id}/like")).await;
    gus.post("/api/v1/posts", json!({"body": "@ann lunch?"}))
        .await;
    settle(&db).await;
    let now = notes(&ann).await;
    assert_eq!(
        texts(&now),
        [
            "GUS mentioned you",
            "GUS liked your post",
            "FAY and 4 others liked your post"
        ]
    );
    assert_eq!(
        now.iter()
            .map(|n| n["read"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(unread(&ann).await, 2);
    // Someone else's ids change nothing; no ids: all read.
    let (_, body) = gus
        .post("/api/v1/notifications/read", json!({"ids": [now[0]["id"]]}))
        .await;
    assert_eq!(body["unread"], 0);
    assert_eq!(unread(&ann).await, 2);
    let (status, body) = ann
        .post("/api/v1/notifications/read", json!({"ids": ["x"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, body) = ann.post("/api/v1/notifications/read", json!({})).await;
    assert_eq!(body["unread"], 0);

    // Pages follow the cursor, newest first, without repeats.
    let (_, first) = ann.get("/api/v1/notifications?limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = ann
        .get(&format!("/api/v1/notifications?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(
        texts(rest["items"].as_array().unwrap()),
        ["FAY and 4 others liked your post"]
    );
    assert!(rest["next_cursor"].is_null());
    assert_eq!(
        ann.get("/api/v1/notifications?limit=0").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        ann.get("/api/v1/notifications?cursor=garbage").await.0,
        StatusCode::BAD_REQUEST
    );
}

async fn settings_mutes_and_quiet_posts_hold_notifications_back(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let team = app.group(&ann, "Team", "public", false).await;
    add_member(&ann, &team, &bo).await;
    each_post(&db, &team, &bo.id().await);

    let (_, settings) = ann.get("/api/v1/me/notifications").await;
    assert_eq!(
        (
            settings["kinds"]["mention"].as_str(),
            settings["kinds"]["like"].as_str()
        ),
        (Some("email"), Some("app"))
    );
    let (status, saved) = put_json(
        &ann,
        "/api/v1/me/notifications",
        json!({"kinds": {"like": "off", "comment": "digest", "mention": "app"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        (
            saved["kinds"]["like"].as_str(),
            saved["kinds"]["comment"].as_str()
        ),
        (Some("off"), Some("digest"))
    );
    let (status, refused) = put_json(
        &ann,
        "/api/v1/me/notifications",
        json!({"kinds": {"likes": "off"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, _) = put_json(
        &ann,
        "/api/v1/me/notifications",
        json!({"kinds": {"like": "sometimes"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let mine = post(&ann, "roadmap draft", Some(&team)).await;
    bo.put(&format!("/api/v1/posts/{mine}/like")).await;
    comment(&bo, &mine, "first thoughts", false).await;
    bo.post("/api/v1/posts", json!({"body": "@ann quick question"}))
        .await;
    settle(&db).await;
    assert_eq!(
        texts(&notes(&ann).await),
        ["BO mentioned you"],
        "likes off, comments for the digest only"
    );
    assert!(smtp.messages().is_empty(), "mentions set to the app only");

    // Bo mutes the thread: Ann's comments there no longer reach him; a mention still does.
    assert_eq!(texts(&notes(&bo).await), ["ANN posted in Team"]);
    assert_eq!(
        bo.put(&format!("/api/v1/posts/{mine}/mute")).await.0,
        StatusCode::NO_CONTENT
    );
    comment(&ann, &mine, "thanks, noted", false).await;
    comment(&ann, &mine, "@bo one more thing", false).await;
    settle(&db).await;
    assert_eq!(
        texts(&notes(&bo).await),
        ["ANN mentioned you", "ANN posted in Team"]
    );
    let (_, bo_settings) = bo.get("/api/v1/me/notifications").await;
    assert_eq!(bo_settings["muted"][0]["id"], mine.as_str());
    assert_eq!(
        bo.delete(&format!("/api/v1/posts/{mine}/mute")).await.0,
        StatusCode::NO_CONTENT
    );
    comment(&ann, &mine, "and another", false).await;
    settle(&db).await;
    assert_eq!(
        texts(&notes(&bo).await)[0],
        "ANN commented on a post you commented on"
    );
    assert_eq!(
        bo.put("/api/v1/posts/12345/mute").await.0,
        StatusCode::NOT_FOUND
    );

    // A quiet post tells nobody; only the group's owners and admins may post quietly.
    let (status, refused) = bo
        .post(
            "/api/v1/posts",
            json!({"body": "shh", "group_id": team, "quiet": true}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("quiet_not_allowed"))
    );
    let (status, _) = ann
        .post(
            "/api/v1/posts",
            json!({"body": "all hands at 3, @bo", "group_id": team, "quiet": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    settle(&db).await;
    assert_eq!(notes(&bo).await.len(), 3, "nothing new for the quiet post");
}

async fn guests_and_non_members_hear_nothing_they_may_not_read(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let beta = app.group(&ann, "Beta", "private", true).await;
    let secret = app.group(&ann, "Board", "secret", false).await;
    let guest = app.guest_in(&ann, "gia", &[&beta]).await;
    let guest_id = guest.id().await;
    each_post(&db, &beta, &guest_id);
    for client in [&guest, &bo] {
        put_json(client, "/api/v1/me/notifications", json!({"kinds": {"comment": "email", "like": "email", "group_post": "email", "follow": "email"}})).await;
    }

    // Bo is in no group; Gia only in Beta. Mentions of them where they cannot read.
    post(&ann, "canarysecret @bo @gia board minutes", Some(&secret)).await;
    post(&ann, "canarycompany @gia all hands", None).await;
    // Gia's own post in Beta: an employees-only comment must not reach her.
    let hers = post(&guest, "our rollout questions", Some(&beta)).await;
    comment(
        &ann,
        &hers,
        "canaryinternal @gia pricing is not final",
        true,
    )
    .await;
    // Bo, outside Beta, comments nowhere; he follows Gia but she may not see him.
    bo.put(&format!("/api/v1/follows/users/{guest_id}")).await;
    settle(&db).await;
    // What she may hear: a post in Beta.
    post(&ann, "welcome to the beta", Some(&beta)).await;
    let messages = smtp.wait_for(1).await;
    settle(&db).await;

    let gia_notes = notes(&guest).await;
    assert_eq!(texts(&gia_notes), ["ANN posted in Beta"]);
    let all = format!(
        "{gia_notes:?}{:?}{}",
        notes(&bo).await,
        smtp.messages().join("\n")
    );
    assert!(!all.contains("canary"), "{all}");
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: gia@customer.example"));
    assert!(notes(&bo).await.is_empty(), "{:?}", notes(&bo).await);
    assert_eq!(unread(&guest).await, 1);
}

async fn replaying_the_log_creates_no_duplicates(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let id = post(&ann, "a post to like", None).await;
    bo.put(&format!("/api/v1/posts/{id}/like")).await;
    bo.post("/api/v1/posts", json!({"body": "@ann hi"})).await;
    comment(&bo, &id, "nice", false).await;
    smtp.wait_for(1).await;
    settle(&db).await;
    let before = notes(&ann).await;
    assert_eq!(before.len(), 3);

    // A second notifier on the same database (a restart, or another process) finds nothing
    // to do; even with its cursor wound back to the start, it tells nobody again.
    assert!(
        !notifier::run_once(&db, "https://agora.test")
            .unwrap()
            .appended,
        "nobody told"
    );
    db.write(|conn| agora::events::save_cursor(conn, notifier::CONSUMER, 0))
        .unwrap();
    while notifier::run_once(&db, "https://agora.test").unwrap().read > 0 {}
    settle(&db).await;
    let after = notes(&ann).await;
    assert_eq!(texts(&after), texts(&before));
    assert_eq!(
        after
            .iter()
            .map(|n| n["others"].as_i64())
            .collect::<Vec<_>>(),
        before
            .iter()
            .map(|n| n["others"].as_i64())
            .collect::<Vec<_>>()
    );
    app.worker_settled("mail_sender").await;
    assert_eq!(smtp.messages().len(), 1, "the mention was emailed once");
}

async fn the_stream_tells_only_the_recipient(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let mut ann_stream = Stream::open(&ann, None).await;
    let mut bo_stream = Stream::open(&bo, None).await;
    let mention = post(&bo, "@ann see this", None).await;
    let frames = ann_stream
        .events_until(|f| f.event.as_deref() == Some("notification"))
        .await;
    let frame = frames.last().unwrap();
    assert_eq!(frame.json()["unread"], 1);
    assert!(!frame.data.contains("see this"), "no text in the stream");
    // Bo's stream gets the post and, after it, Ann's like of his post, but no notification
    // for Ann: his own comes after hers, so hers would have come first.
    ann.put(&format!("/api/v1/posts/{mention}/like")).await;
    let bo_frames = bo_stream
        .events_until(|f| f.event.as_deref() == Some("notification"))
        .await;
    let kinds: Vec<&str> = bo_frames
        .iter()
        .map(|f| f.event.as_deref().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "notification").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(bo_frames.last().unwrap().json()["unread"], 1);
}

async fn the_pages_list_notifications_and_save_settings_without_javascript(backend: Backend) {
    let app = TestApp::start(backend).await;
    let db = app.db.open();
    let admin = app.admin().await;
    app.user(&admin, "ann", "employee").await;
    let ann = app.browser_sign_in("ann@example.com").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let id = post(&bo, "@ann the <b>budget</b> sheet", None).await;
    let muted = post(&bo, "a noisy thread", None).await;
    put_json(&ann, &format!("/api/v1/posts/{muted}/mute"), json!({})).await;
    settle(&db).await;

    let page = ann.page("/notifications").await;
    assert!(page.contains("BO mentioned you"), "{page}");
    assert!(page.contains(&format!("href=\"/posts/{id}\"")), "{page}");
    assert!(
        page.contains("the &#60;b&#62;budget&#60;/b&#62; sheet"),
        "quoted, escaped: {page}"
    );
    assert!(page.contains("class=\"notification unread\""));
    let read = submit(&ann, "/notifications/read", &[]).await;
    assert_eq!(
        (read.status, read.location.as_str()),
        (StatusCode::SEE_OTHER, "/notifications")
    );
    let page = ann.page("/notifications").await;
    assert!(
        !page.contains("class=\"notification unread\"") && !page.contains("Mark all read"),
        "{page}"
    );

    let settings = ann.page("/settings/notifications").await;
    assert!(
        settings.contains("<option value=\"email\" selected>"),
        "mentions default to email"
    );
    assert!(
        settings.contains("a noisy thread"),
        "the muted thread is listed"
    );
    let saved = submit(
        &ann,
        "/settings/notifications",
        &[("like", "off"), ("mention", "app")],
    )
    .await;
    assert_eq!(saved.location, "/settings/notifications?saved=1");
    let (_, now) = ann.get("/api/v1/me/notifications").await;
    assert_eq!(
        (
            now["kinds"]["like"].as_str(),
            now["kinds"]["mention"].as_str()
        ),
        (Some("off"), Some("app"))
    );
    let refused = submit(&ann, "/settings/notifications", &[("like", "loudly")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("is not one of"), "{}", refused.html);
    let unmuted = submit(
        &ann,
        "/settings/notifications/unmute",
        &[("post_id", &muted)],
    )
    .await;
    assert_eq!(unmuted.status, StatusCode::SEE_OTHER);
    assert!(
        !ann.page("/settings/notifications")
            .await
            .contains("a noisy thread")
    );
}

async fn a_later_commenter_is_not_told_of_earlier_comments(backend: Backend) {
    let app = TestApp::start(backend).await;
    let db = app.db.open();
    let admin = app.admin().await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let cy = app.user(&admin, "cy", "employee").await;
    let id = post(&bo, "thread starter", None).await;
    settle(&db).await;
    // On PostgreSQL, hold the notifier back (its advisory lock) until both comments exist,
    // as a busy server would; SQLite's single write lock would block the comments too.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (held, holding) = std::sync::mpsc::channel::<()>();
    let holder = (backend == Backend::Postgres).then(|| {
        let db = db.clone();
        std::thread::spawn(move || {
            db.write_quietly(|conn| {
                agora::db::lock_consumer(conn, notifier::CONSUMER)?;
                held.send(()).unwrap();
                released.recv().unwrap();
                Ok(())
            })
            .unwrap();
        })
    });
    if holder.is_some() {
        holding.recv().unwrap();
    }
    comment(&ann, &id, "first", false).await;
    comment(&cy, &id, "second", false).await;
    if let Some(holder) = holder {
        release.send(()).unwrap();
        holder.join().unwrap();
    }
    settle(&db).await;
    assert!(
        notes(&cy).await.is_empty(),
        "Ann commented before Cy joined the thread"
    );
    assert_eq!(
        texts(&notes(&ann).await),
        ["CY commented on a post you commented on"]
    );
    assert_eq!(
        texts(&notes(&bo).await),
        ["CY and 1 other commented on your post"]
    );
}

async fn the_post_page_mutes_and_unmutes_its_thread(backend: Backend) {
    let (_smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let hello = post(&ann, "hello", None).await;
    let browser = app.browser_sign_in("ann@example.com").await;
    let page = format!("/posts/{hello}");
    assert!(browser.page(&page).await.contains("Mute thread"));
    let answer = crate::pages::submit(&browser, &format!("{page}/mute"), &[("on", "1")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
    assert!(browser.page(&page).await.contains("Unmute thread"));
    assert!(
        browser
            .page("/settings/notifications")
            .await
            .contains(&page),
        "listed as muted"
    );
    comment(&bo, &hello, "first", false).await;
    settle(&db).await;
    assert!(
        notes(&ann).await.is_empty(),
        "a muted thread tells nothing of comments"
    );

    crate::pages::submit(&browser, &format!("{page}/mute"), &[("on", "0")]).await;
    assert!(browser.page(&page).await.contains("Mute thread"));
    comment(&bo, &hello, "second", false).await;
    settle(&db).await;
    assert_eq!(texts(&notes(&ann).await), ["BO commented on your post"]);
}

/// `path` (a search) as `client`, asked again until `found` holds of it: the index follows the
/// database within moments.
async fn searched(client: &Client, path: &str, found: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = client.get(path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if found(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_guest_is_marked_wherever_she_appears(backend: Backend) {
    let (smtp, app, _db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    add_member(&admin, &beta, &ann).await;
    let cara = app.guest_in(&admin, "cara", &[&beta]).await;
    let cara_id = cara.id().await;
    post(&cara, "@ann the pilot went live #pilot", Some(&beta)).await;

    // In the email: her mark beside her name.
    let messages = smtp.wait_for(1).await;
    assert!(
        messages[0].contains("Subject: CARA (guest, customer.example) mentioned you on Agora"),
        "{}",
        messages[0]
    );
    assert!(text_of(&messages[0]).contains("CARA (guest, customer.example) mentioned you"));

    // In the app's notifications.
    let note = &notes(&ann).await[0];
    assert_eq!(note["actor"]["guest_domain"], "customer.example");
    assert_eq!(note["text"], "CARA (guest, customer.example) mentioned you");

    // In search results and the toolbar's suggestions: the person and the post she wrote.
    let people = searched(&ann, "/api/v1/search?q=cara&type=people", |b| {
        b["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert_eq!(people["items"][0]["id"], cara_id.as_str());
    assert_eq!(people["items"][0]["guest_domain"], "customer.example");
    let posts = searched(&ann, "/api/v1/search?q=pilot&type=posts", |b| {
        b["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert_eq!(posts["items"][0]["guest_domain"], "customer.example");
    let suggested = searched(&ann, "/api/v1/search/suggest?q=car", |b| {
        b["people"].as_array().is_some_and(|p| !p.is_empty())
    })
    .await;
    assert_eq!(suggested["people"][0]["guest_domain"], "customer.example");
    let page = ann.page("/search?q=cara").await;
    assert!(page.contains("Guest · customer.example"), "{page}");

    // Employees carry no mark.
    let (_, me) = ann.get("/api/v1/me").await;
    assert!(me.get("guest_domain").is_none(), "{me}");
}

on_both_backends!(
    every_kind_reaches_its_recipient,
    a_mention_arrives_in_the_app_and_by_email,
    likes_fold_into_one_notification_until_read,
    settings_mutes_and_quiet_posts_hold_notifications_back,
    guests_and_non_members_hear_nothing_they_may_not_read,
    replaying_the_log_creates_no_duplicates,
    the_stream_tells_only_the_recipient,
    the_pages_list_notifications_and_save_settings_without_javascript,
    a_later_commenter_is_not_told_of_earlier_comments,
    the_post_page_mutes_and_unmutes_its_thread,
    a_guest_is_marked_wherever_she_appears
);

async fn announcements_are_emailed_at_once_and_must_reads_to_everyone(backend: Backend) {
    let (smtp, app, db, admin) = office(backend).await;
    let ann = app.user(&admin, "ann", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let group = app.group(&ann, "Support", "private", true).await;
    let guest = app.guest_in(&ann, "gus", &[&group]).await;
    // Ann opts out of announcements by email.
    let (status, _) = put_json(
        &ann,
        "/api/v1/me/notifications",
        json!({"kinds": {"announcement": "off"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let recipients = |messages: &[String]| {
        let mut to: Vec<String> = messages
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find(|l| l.starts_with("To: "))
                    .map(str::to_string)
            })
            .collect();
        to.sort();
        to
    };
    // Quiet or not, a must-read reaches every employee, her opt-out notwithstanding; never the
    // guest, who cannot read the company feed.
    let (status, body) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "Security training is due", "quiet": true, "announcement": {"must_read": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let messages = smtp.wait_for(2).await;
    settle(&db).await;
    assert_eq!(
        recipients(&smtp.messages()),
        ["To: ann@example.com", "To: bo@example.com"]
    );
    assert!(
        messages[0].contains("made an announcement to the company"),
        "{}",
        messages[0]
    );
    assert!(notes(&guest).await.is_empty());
    // An ordinary one respects the opt-out: the group's guest and nobody else hears by email.
    let (status, body) = ann
        .post(
            "/api/v1/posts",
            json!({"body": "Support hours change", "group_id": group, "announcement": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    smtp.wait_for(3).await;
    settle(&db).await;
    let all = smtp.messages();
    assert_eq!(recipients(&all[2..]), ["To: gus@customer.example"]);
    assert_eq!(
        texts(&notes(&guest).await),
        ["ANN made an announcement in Support"]
    );
    drop(bo);
}

on_both_backends!(announcements_are_emailed_at_once_and_must_reads_to_everyone);
