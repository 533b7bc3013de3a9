//! A bot's tokens: what they reach, what they may do, and when they stop working.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::{add_member, bot, post_in, token};
use crate::on_both_backends;
use crate::support::{Backend, TestApp};

async fn bot_tokens_read_and_write_only_in_their_groups(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let launch = app.group(&ana, "Launch", "private", true).await;
    let ops = app.group(&ana, "Ops", "private", false).await;
    let public = app.group(&ana, "Lunch", "public", false).await;
    let secret = app.group(&ana, "Board", "secret", false).await;
    let id = bot(&admin, "Deploy Bot").await;
    add_member(&ana, &launch, &id).await;
    add_member(&ana, &ops, &id).await;
    let in_launch = post_in(&ana, Some(&launch), "launch news", false).await;
    let staff_only = post_in(&ana, Some(&launch), "not for bots", true).await;
    let in_ops = post_in(&ana, Some(&ops), "ops news", false).await;
    let in_public = post_in(&ana, Some(&public), "lunch news", false).await;
    let in_secret = post_in(&ana, Some(&secret), "board news", false).await;
    let company = post_in(&ana, None, "company news", false).await;

    let limited = app.client_with_token(
        &token(
            &admin,
            &id,
            json!({"name": "ci", "read": true, "write": true, "group_ids": [launch]}),
        )
        .await,
    );
    let (_, me) = limited.get("/api/v1/me").await;
    assert_eq!(me["kind"], "bot");
    assert_eq!(me["handle"], "deploy-bot");
    assert_eq!(
        limited.get(&format!("/api/v1/posts/{in_launch}")).await.0,
        StatusCode::OK
    );
    // Never the company feed, other groups, secret groups, or what is for employees only;
    // and, with this token, not even its other group.
    for post in [&staff_only, &in_ops, &in_public, &in_secret, &company] {
        let (status, body) = limited.get(&format!("/api/v1/posts/{post}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{post}: {body}");
    }
    assert_eq!(
        limited.get("/api/v1/feeds/company").await.0,
        StatusCode::FORBIDDEN
    );
    for group in [&ops, &public, &secret] {
        let (status, _) = limited.get(&format!("/api/v1/groups/{group}/feed")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "group {group}");
    }
    let (_, groups) = limited.get("/api/v1/groups").await;
    let names: Vec<&str> = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Launch"]);
    let (_, feed) = limited.get("/api/v1/feeds/home").await;
    let bodies: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["launch news"]);
    let (_, found) = limited.get("/api/v1/search?q=news&type=posts").await;
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["id"] == json!(in_launch)),
        "{found}"
    );

    // A feed address would not carry the token's limit: it opens nothing for a bot.
    let (status, addresses) = limited.get("/api/v1/me/feed-token").await;
    assert_eq!(status, StatusCode::OK, "{addresses}");
    let home = addresses["home_url"].as_str().unwrap();
    let (status, _, _) = app
        .anonymous()
        .fetch(&home[home.find("/feeds/").unwrap()..])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // It posts, comments and reacts in its group, nowhere else.
    let (status, own) = limited
        .post(
            "/api/v1/posts",
            json!({"body": "build 42 is out", "group_id": launch}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    assert_eq!(own["author"]["kind"], "bot");
    let (status, _) = limited
        .post(
            &format!("/api/v1/posts/{in_launch}/comments"),
            json!({"body": "noted"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        limited
            .put(&format!("/api/v1/posts/{in_launch}/like"))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = limited
        .post("/api/v1/posts", json!({"body": "hi all"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for group in [&ops, &public, &secret] {
        let (status, body) = limited
            .post("/api/v1/posts", json!({"body": "hi", "group_id": group}))
            .await;
        assert!(
            status.is_client_error() && status != StatusCode::CREATED,
            "{group}: {body}"
        );
    }
    let (status, _) = limited
        .post(
            &format!("/api/v1/posts/{in_ops}/comments"),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = limited
        .post("/api/v1/groups", json!({"name": "Bots", "description": "", "visibility": "public", "allow_guests": false}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // A public group does not exist for a bot, so it cannot join one.
    assert_eq!(
        limited
            .post(&format!("/api/v1/groups/{public}/join"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // A read-only token without a group limit reads all of the bot's groups and writes nothing.
    let reader = app.client_with_token(&token(&admin, &id, json!({"read": true})).await);
    assert_eq!(
        reader.get(&format!("/api/v1/posts/{in_ops}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        reader.get(&format!("/api/v1/posts/{in_public}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = reader
        .post("/api/v1/posts", json!({"body": "x", "group_id": launch}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("token_read_only"))
    );
    assert_eq!(
        reader
            .put(&format!("/api/v1/posts/{in_launch}/like"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A write-only token writes and reads nothing.
    let writer =
        app.client_with_token(&token(&admin, &id, json!({"read": false, "write": true})).await);
    let (status, body) = writer.get(&format!("/api/v1/posts/{in_launch}")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("token_write_only"))
    );
    let (status, _) = writer
        .post(
            "/api/v1/posts",
            json!({"body": "from the writer", "group_id": ops}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The people who read the bot's posts see its badge.
    let page = ana
        .page(&format!("/posts/{}", own["id"].as_str().unwrap()))
        .await;
    assert!(page.contains("badge-bot"), "{page}");
}

async fn expired_and_revoked_bot_tokens_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let launch = app.group(&ana, "Launch", "private", false).await;
    let id = bot(&admin, "Deploy Bot").await;
    add_member(&ana, &launch, &id).await;

    // Only admins manage bots, and a bot is not made as a person.
    assert_eq!(ana.get("/api/v1/admin/bots").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        ana.post("/api/v1/admin/bots", json!({"name": "x"})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = admin
        .post("/api/v1/users", json!({"email": "b@example.com", "name": "B", "password": "a long password 1", "kind": "bot"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for grant in [
        json!({"read": false, "write": false}),
        json!({"expires_at": "2001-01-01T00:00:00Z"}),
        json!({"group_ids": ["12345"]}),
    ] {
        let (status, body) = admin
            .post(&format!("/api/v1/admin/bots/{id}/tokens"), grant.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{grant}: {body}");
    }

    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let expiring = app.client_with_token(&token(&admin, &id, json!({"expires_at": soon})).await);
    assert_eq!(expiring.get("/api/v1/me").await.0, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = expiring.get("/api/v1/me").await;
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(body["code"], "bad_token");
            break;
        }
        assert!(Instant::now() < deadline, "the token never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let revoked_token = token(&admin, &id, json!({"name": "old"})).await;
    let revoked = app.client_with_token(&revoked_token);
    assert_eq!(revoked.get("/api/v1/me").await.0, StatusCode::OK);
    let (_, listed) = admin.get(&format!("/api/v1/admin/bots/{id}")).await;
    let old = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "old")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        admin
            .delete(&format!("/api/v1/admin/bots/{id}/tokens/{old}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(revoked.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    // Deactivating the bot ends every token it has.
    let live = app.client_with_token(&token(&admin, &id, json!({})).await);
    assert_eq!(live.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        admin.delete(&format!("/api/v1/admin/bots/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(live.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, bots) = admin.get("/api/v1/admin/bots").await;
    assert_eq!(bots[0]["active"], false);
    assert!(bots[0]["tokens"].as_array().unwrap().is_empty());

    // A bot never signs in with a password.
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "deploy-bot@bots.invalid", "password": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    bot_tokens_read_and_write_only_in_their_groups,
    expired_and_revoked_bot_tokens_are_refused,
);
