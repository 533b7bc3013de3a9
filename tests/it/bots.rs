//! Bots and incoming webhooks: what a bot's token reaches, and what a webhook's URL accepts.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// Creates a bot as `admin`; returns its id.
async fn bot(admin: &Client, name: &str) -> String {
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
async fn token(admin: &Client, id: &str, grant: Value) -> String {
    let (status, issued) = admin
        .post(&format!("/api/v1/admin/bots/{id}/tokens"), grant)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["token"].as_str().unwrap().to_string()
}

async fn add_member(owner: &Client, group: &str, user: &str) {
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": user}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn post_in(author: &Client, group: Option<&str>, body: &str, employees_only: bool) -> String {
    let mut input = json!({"body": body, "employees_only": employees_only});
    if let Some(group) = group {
        input["group_id"] = json!(group);
    }
    author.created("/api/v1/posts", input).await
}

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

/// The path of a hook's URL.
fn hook_path(url: &str) -> String {
    url[url.find("/hooks/").unwrap()..].to_string()
}

/// Posts `body` with `content_type` to `path`: status, content type and body of the answer.
async fn send_hook(
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

async fn an_incoming_webhook_posts_into_its_group_and_refuses_bad_bodies(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let launch = app.group(&ana, "Launch", "private", false).await;
    add_member(&ana, &launch, &bob.id().await).await;
    let (status, body) = bob
        .post(
            &format!("/api/v1/groups/{launch}/hooks"),
            json!({"name": "Releases"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, hook) = ana
        .post(
            &format!("/api/v1/groups/{launch}/hooks"),
            json!({"name": "Releases"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let path = hook_path(hook["url"].as_str().unwrap());

    let (status, _, post) = send_hook(
        &app,
        &path,
        "application/json",
        json!({"text": "Deployed *v2*: <https://ci.example/2|build 2>", "username": "CI", "icon_emoji": ":ship:"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!(post["author"]["name"], "Releases");
    assert_eq!(post["author"]["kind"], "bot");
    assert_eq!(post["via"], "CI");
    assert_eq!(post["group"]["id"], json!(launch));
    assert!(
        post["html"].as_str().unwrap().contains("<em>v2</em>"),
        "{post}"
    );
    assert!(
        post["html"]
            .as_str()
            .unwrap()
            .contains("https://ci.example/2"),
        "{post}"
    );
    let id = post["id"].as_str().unwrap();
    let (status, seen) = bob.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!((status, seen["via"].as_str()), (StatusCode::OK, Some("CI")));
    let page = bob.page(&format!("/posts/{id}")).await;
    assert!(
        page.contains("CI via") && page.contains("badge-bot"),
        "{page}"
    );
    // Slack's older senders post a form with the JSON in `payload`.
    let form = format!(
        "payload={}",
        urlencode(&json!({"text": "from a form"}).to_string())
    );
    let (status, _, post) = send_hook(
        &app,
        &path,
        "application/x-www-form-urlencoded",
        form.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert!(post.get("via").is_none(), "{post}");

    // Bad bodies: a clear problem each, nothing posted.
    let huge = json!({"text": "x".repeat(70 * 1024)})
        .to_string()
        .into_bytes();
    let too_long = json!({"text": "y".repeat(10_001)}).to_string().into_bytes();
    for (case, content_type, body, expected, code) in [
        (
            "malformed",
            "application/json",
            b"{\"text\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "empty",
            "application/json",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "not an object",
            "application/json",
            b"[\"hi\"]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "no text",
            "application/json",
            b"{}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "blank text",
            "application/json",
            br#"{"text": "  \n "}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "text not a string",
            "application/json",
            br#"{"text": 7}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "huge",
            "application/json",
            huge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "too long a post",
            "application/json",
            too_long,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "form without payload",
            "application/x-www-form-urlencoded",
            b"text=hi".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "not json",
            "image/png",
            b"\x89PNG".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
        ),
    ] {
        let (status, kind, problem) = send_hook(&app, &path, content_type, body).await;
        assert_eq!(status, expected, "{case}: {problem}");
        assert_eq!(kind, "application/problem+json", "{case}");
        if !code.is_empty() {
            assert_eq!(problem["code"], code, "{case}: {problem}");
        }
    }
    let good = json!({"text": "hello"}).to_string().into_bytes();
    let wrong_secret = format!("{}x", &path[..path.len() - 1]);
    for wrong in [wrong_secret.as_str(), "/hooks/123/abc", "/hooks/nope/abc"] {
        let (status, kind, problem) =
            send_hook(&app, wrong, "application/json", good.clone()).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json"),
            "{wrong}: {problem}"
        );
    }
    let (_, feed) = ana.get(&format!("/api/v1/groups/{launch}/feed")).await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 2, "{feed}");

    // An archived group takes nothing more, and says so.
    let (status, _) = ana
        .patch(
            &format!("/api/v1/groups/{launch}"),
            json!({"archived": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, problem) = send_hook(&app, &path, "application/json", good.clone()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("group_archived"))
    );
    let (status, _) = ana
        .patch(
            &format!("/api/v1/groups/{launch}"),
            json!({"archived": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Revoked: 404 from then on, and listed as revoked.
    let hook_id = hook["id"].as_str().unwrap();
    assert_eq!(
        ana.delete(&format!("/api/v1/groups/{launch}/hooks/{hook_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, _, _) = send_hook(&app, &path, "application/json", good).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, hooks) = ana.get(&format!("/api/v1/groups/{launch}/hooks")).await;
    assert!(hooks[0]["revoked_at"].is_string(), "{hooks}");
    assert_eq!(
        bob.get(&format!("/api/v1/groups/{launch}/hooks")).await.0,
        StatusCode::FORBIDDEN
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn a_flood_of_incoming_posts_is_slowed_per_hook_and_nothing_is_lost(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let launch = app.group(&ana, "Launch", "private", false).await;
    let mut paths = Vec::new();
    for name in ["Releases", "Alerts"] {
        let (status, hook) = ana
            .post(
                &format!("/api/v1/groups/{launch}/hooks"),
                json!({"name": name}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
        paths.push(hook_path(hook["url"].as_str().unwrap()));
    }
    let body = |n: usize| {
        json!({"text": format!("event {n}")})
            .to_string()
            .into_bytes()
    };
    let sends = (0..30).map(|n| send_hook(&app, &paths[0], "application/json", body(n)));
    for (status, _, post) in futures_util::future::join_all(sends).await {
        assert_eq!(status, StatusCode::CREATED, "{post}");
    }
    let client = app.anonymous();
    let response = client
        .request(reqwest::Method::POST, &paths[0])
        .header("content-type", "application/json")
        .body(body(30))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "hook_rate_limited");
    // Another hook, and everyone else, are not slowed.
    let (status, _, _) = send_hook(&app, &paths[1], "application/json", body(31)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "still here", "group_id": launch}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Every accepted post is there, once.
    let (_, feed) = ana
        .get(&format!("/api/v1/groups/{launch}/feed?limit=100"))
        .await;
    let mut bodies: Vec<String> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["body"].as_str().unwrap().to_string())
        .collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..30)
        .chain([31])
        .map(|n| format!("event {n}"))
        .chain(["still here".to_string()])
        .collect();
    expected.sort();
    assert_eq!(bodies, expected);
}

async fn admins_manage_bots_and_group_admins_make_hooks_on_their_pages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let launch = app.group(&ana, "Launch", "private", false).await;
    let browser = app.browser_sign_in("admin@example.com").await;
    let csrf = browser.csrf.clone().unwrap();
    let response = browser
        .http
        .post(app.url("/admin/bots"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Deploy Bot"),
            ("description", "Ships"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, bots) = admin.get("/api/v1/admin/bots").await;
    let id = bots[0]["id"].as_str().unwrap().to_string();
    add_member(&ana, &launch, &id).await;
    let page = browser.page("/admin/bots").await;
    assert!(
        page.contains("Deploy Bot") && page.contains("Launch"),
        "{page}"
    );
    let response = browser
        .http
        .post(app.url(&format!("/admin/bots/{id}/tokens")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "ci"),
            ("write", "on"),
            ("group", launch.as_str()),
            ("expires_on", "2999-12-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let token = page
        .split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let bot = app.client_with_token(token);
    let (status, body) = bot
        .post(
            "/api/v1/posts",
            json!({"body": "from the page's token", "group_id": launch}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Write only, as the form said.
    assert_eq!(bot.get("/api/v1/me").await.0, StatusCode::FORBIDDEN);
    let (_, shown) = admin.get(&format!("/api/v1/admin/bots/{id}")).await;
    assert_eq!(shown["tokens"][0]["group_ids"], json!([launch]));
    assert_eq!(shown["tokens"][0]["expires_at"], "3000-01-01T00:00:00Z");
    // Others may not.
    let (status, _, _) = app_fetch(&ana, "/admin/bots").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let owner = app.browser_sign_in("ana@example.com").await;
    let page = owner.page(&format!("/groups/{launch}")).await;
    assert!(page.contains(&format!("/groups/{launch}/hooks")), "{page}");
    let response = owner
        .http
        .post(app.url(&format!("/groups/{launch}/hooks")))
        .form(&[
            ("csrf", owner.csrf.as_deref().unwrap()),
            ("name", "Releases"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let url = page
        .split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let (status, _, post) = send_hook(
        &app,
        &hook_path(&url),
        "application/json",
        br#"{"text": "shipped"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert!(
        owner
            .page(&format!("/groups/{launch}/hooks"))
            .await
            .contains("live")
    );
}

async fn app_fetch(
    client: &Client,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    client.fetch(path).await
}

on_both_backends!(
    admins_manage_bots_and_group_admins_make_hooks_on_their_pages,
    bot_tokens_read_and_write_only_in_their_groups,
    expired_and_revoked_bot_tokens_are_refused,
    an_incoming_webhook_posts_into_its_group_and_refuses_bad_bodies,
    a_flood_of_incoming_posts_is_slowed_per_hook_and_nothing_is_lost,
);
