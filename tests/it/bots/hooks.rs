//! Incoming webhooks: what their URL accepts, what it refuses, and how fast.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{add_member, hook_path, send_hook, urlencode};
use crate::on_both_backends;
use crate::support::{Backend, TestApp};

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

on_both_backends!(
    an_incoming_webhook_posts_into_its_group_and_refuses_bad_bodies,
    a_flood_of_incoming_posts_is_slowed_per_hook_and_nothing_is_lost,
);
