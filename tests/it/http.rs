//! The HTTP skeleton: error shapes, limits, headers, operations endpoints and OpenAPI.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

async fn malformed_json_is_400_wrong_shapes_422_and_other_media_415(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.anonymous();
    let response = client
        .request(reqwest::Method::POST, "/api/v1/setup")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "malformed_json");
    assert_eq!(body["status"], 400);
    let (status, body) = client.post("/api/v1/setup", json!({"email": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let response = client
        .request(reqwest::Method::POST, "/api/v1/setup")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_json");
}

async fn a_nul_character_is_refused_and_never_a_server_error(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    for path in [
        "/api/v1/tags?q=a%00b",
        "/api/v1/search?q=%C2%85%00",
        "/api/v1/users?q=%00",
        "/api/v1/tags/x%00y",
    ] {
        let (status, body) = admin.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["code"], "nul_character", "{path}");
    }
    let page = admin
        .request(reqwest::Method::GET, "/search?q=%00")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(
        page.text().await.unwrap().contains("NUL"),
        "a readable page"
    );
    // In a body, validation or the database refuses it (PostgreSQL stores no NUL), never
    // with a 500.
    for (path, body) in [
        ("/api/v1/posts", json!({"body": "a\u{0}b"})),
        (
            "/api/v1/groups",
            json!({"name": "n\u{0}", "description": "", "visibility": "public", "allow_guests": false}),
        ),
    ] {
        let (status, answer) = admin.post(path, body).await;
        assert!(!status.is_server_error(), "{path}: {status} {answer}");
    }
}

async fn an_oversize_body_is_413(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_HTTP__JSON_LIMIT_BYTES", "1024")]).await;
    let big = "x".repeat(4096);
    let (status, body) = app
        .anonymous()
        .post(
            "/api/v1/setup",
            json!({"email": big, "name": "n", "password": "p"}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "body_too_large");
}

async fn unknown_routes_are_404_in_the_shape_the_caller_expects(backend: Backend) {
    let app = TestApp::start(backend).await;
    let api = app
        .anonymous()
        .request(reqwest::Method::GET, "/api/v1/nothing-here")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let page = app
        .anonymous()
        .request(reqwest::Method::GET, "/nothing-here")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    for path in ["/setup", "/api/v1/me", "/healthz"] {
        let response = app
            .anonymous()
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
}

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let client = app.anonymous();
    assert_eq!(client.get("/healthz").await.0, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.0, StatusCode::OK);
    client.get("/api/v1/users/42").await;
    let (status, metrics) = client.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().unwrap();
    assert!(
        text.contains(
            r#"agora_http_requests_total{method="GET",route="/api/v1/users/{id}",status="401"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"agora_http_request_duration_seconds_count{method="GET",route="/healthz"} 1"#
        ),
        "{text}"
    );
}

async fn the_stylesheet_is_content_hashed_and_cached_for_long(backend: Backend) {
    let app = TestApp::start(backend).await;
    let page = app.anonymous().page("/setup").await;
    let start = page.find("/static/app.").unwrap();
    let href = page[start..].split('"').next().unwrap();
    let response = app
        .anonymous()
        .request(reqwest::Method::GET, href)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

async fn pages_and_assets_are_compressed_but_the_live_stream_is_not(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let gzip = |path: &str| {
        admin
            .request(reqwest::Method::GET, path)
            .header("accept-encoding", "gzip")
    };
    let feed = gzip("/api/v1/feeds/company").send().await.unwrap();
    assert_eq!(
        (feed.status(), &feed.headers()["content-encoding"]),
        (StatusCode::OK, &"gzip".parse().unwrap())
    );
    let stream = gzip("/api/v1/stream").send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        stream.headers()["content-encoding"],
        "identity",
        "events must not wait in an encoder"
    );
}

async fn the_workers_board_shows_every_worker_to_admins_and_in_metrics(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    assert_eq!(
        ana.post("/api/v1/posts", json!({"body": "wake the workers"}))
            .await
            .0,
        StatusCode::CREATED
    );
    app.worker_settled("notifier").await;
    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page("/admin/workers").await;
    for worker in [
        "search_indexer",
        "live_hub",
        "live_heartbeat",
        "notifier",
        "mail_sender",
        "guest_sweep",
    ] {
        assert!(page.contains(worker), "{worker} missing from the board");
    }
    assert!(page.contains("outbox-mail"), "{page}");
    let employee = app.browser_sign_in("ana@example.com").await;
    let refused = employee
        .request(reqwest::Method::GET, "/admin/workers")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (_, metrics) = admin.get("/metrics").await;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(r#"agora_worker_lag_events{worker="notifier"} 0"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"agora_worker_failing{worker="search_indexer"} 0"#),
        "{metrics}"
    );
}

async fn kept_alive_requests_pay_nothing_beyond_the_servers_work(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    for n in 0..30 {
        let text = format!(
            "Post {n} with enough words to make a body of several kilobytes. {}",
            "lorem ipsum ".repeat(40)
        );
        assert_eq!(
            admin.post("/api/v1/posts", json!({"body": text})).await.0,
            StatusCode::CREATED
        );
    }
    // One client, one connection: every request after the first reuses it.
    let reader = app.browser_sign_in("admin@example.com").await;
    let kinds = [
        ("/api/v1/feeds/home?limit=20", "identity"),
        ("/api/v1/feeds/company?limit=20", "gzip"),
        ("/", "identity"),
        ("/", "br"),
        ("/api/v1/me", "identity"),
    ];
    for (path, encoding) in kinds {
        let mut stalls = Vec::new();
        for _ in 0..12 {
            let started = std::time::Instant::now();
            let response = reader
                .request(reqwest::Method::GET, path)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let server_ms: f64 = response.headers()["server-timing"]
                .to_str()
                .unwrap()
                .trim_start_matches("app;dur=")
                .parse()
                .unwrap();
            let body = response.bytes().await.unwrap();
            assert!(
                body.len() > 1000 || path == "/api/v1/me",
                "{path}: a body in more than one segment"
            );
            let overhead_ms = started.elapsed().as_secs_f64() * 1000.0 - server_ms;
            // A delayed ACK holds a Nagle-blocked write for 40 ms; scheduling noise is far less.
            if overhead_ms > 25.0 {
                stalls.push(overhead_ms.round());
            }
        }
        assert!(
            stalls.len() <= 1,
            "{path} ({encoding}): requests stalled beyond the server's work by {stalls:?} ms"
        );
    }
}

on_both_backends!(
    malformed_json_is_400_wrong_shapes_422_and_other_media_415,
    a_nul_character_is_refused_and_never_a_server_error,
    an_oversize_body_is_413,
    unknown_routes_are_404_in_the_shape_the_caller_expects,
    every_response_carries_the_security_headers,
    health_readiness_and_metrics_answer,
    the_stylesheet_is_content_hashed_and_cached_for_long,
    pages_and_assets_are_compressed_but_the_live_stream_is_not,
    the_workers_board_shows_every_worker_to_admins_and_in_metrics,
    kept_alive_requests_pay_nothing_beyond_the_servers_work
);

#[actix_web::test]
async fn the_openapi_document_lists_every_api_route() {
    agora::init_tls();
    let app = TestApp::start(Backend::Sqlite).await;
    let (status, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        ("/api/v1/setup", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/token", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/posts/preview", "post"),
        ("/api/v1/tags", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ];
    for (path, method) in routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
}

async fn metrics_need_the_token_once_one_is_set(backend: Backend) {
    let token = "a-metrics-token-for-the-scraper";
    let app = TestApp::start_with(backend, &[("AGORA_HTTP__METRICS_TOKEN", token)]).await;
    let client = app.anonymous();
    assert_eq!(
        client.get("/metrics").await.0,
        StatusCode::FORBIDDEN,
        "not even from this machine"
    );
    let with = |sent: &str| {
        client
            .request(reqwest::Method::GET, "/metrics")
            .bearer_auth(sent.to_string())
    };
    assert_eq!(
        with("wrong").send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let response = with(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("agora_http_requests_total")
    );
}

on_both_backends!(metrics_need_the_token_once_one_is_set);
