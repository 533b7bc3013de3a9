//! Sign-in, rate limits, tokens, sessions, CSRF and deactivation.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, PASSWORD, TestApp, hidden_csrf};

async fn unknown_email_and_wrong_password_get_the_same_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin().await;
    let client = app.anonymous();
    let (s1, unknown) = client
        .post(
            "/api/v1/auth/token",
            json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await;
    let (s2, wrong) = client
        .post(
            "/api/v1/auth/token",
            json!({"email": "admin@example.com", "password": "not the password"}),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(unknown, wrong);
    let (status, body) = client
        .post(
            "/api/v1/auth/token",
            json!({"email": " Admin@Example.com ", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "emails match whatever their case: {body}"
    );
}

async fn sign_in_is_rate_limited_per_account(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_AUTH__MAX_FAILURES_PER_ACCOUNT", "3")]).await;
    app.admin().await;
    let client = app.anonymous();
    for _ in 0..3 {
        let (status, _) = client
            .post(
                "/api/v1/auth/token",
                json!({"email": "admin@example.com", "password": "wrong password!"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = client
        .request(reqwest::Method::POST, "/api/v1/auth/token")
        .json(&json!({"email": "admin@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after));
}

async fn sign_in_is_rate_limited_per_address(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_AUTH__MAX_FAILURES_PER_IP", "4")]).await;
    app.admin().await;
    let client = app.anonymous();
    for n in 0..4 {
        let (status, _) = client
            .post(
                "/api/v1/auth/token",
                json!({"email": format!("u{n}@example.com"), "password": "wrong password!"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = client
        .post(
            "/api/v1/auth/token",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "too_many_attempts");
}

async fn a_revoked_token_stops_working(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let other = app.sign_in("admin@example.com").await;
    assert_eq!(
        admin.delete("/api/v1/auth/token").await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = admin.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "bad_token");
    assert_eq!(
        other.get("/api/v1/me").await.0,
        StatusCode::OK,
        "only the token used is revoked"
    );
}

async fn deactivation_kills_every_session_and_token_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana_token = app.user(&admin, "ana", "employee").await;
    let ana_browser = app.browser_sign_in("ana@example.com").await;
    assert!(ana_browser.page("/").await.contains("ANA"));
    let (_, me) = ana_token.get("/api/v1/me").await;
    let id = me["id"].as_str().unwrap();
    assert_eq!(
        admin.delete(&format!("/api/v1/users/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ana_token.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        ana_browser.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let home = ana_browser
        .request(reqwest::Method::GET, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(home.headers()["location"], "/sign-in");
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "ana@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in again"
    );
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(profile["deactivated"], true, "the profile stays, marked");
    let (_, directory) = admin.get("/api/v1/users").await;
    assert!(
        directory["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["id"] != id)
    );
    assert_eq!(
        ana_token.delete(&format!("/api/v1/users/{id}")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn only_admins_deactivate_and_never_themselves(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let (_, admin_me) = admin.get("/api/v1/me").await;
    let admin_id = admin_me["id"].as_str().unwrap();
    assert_eq!(
        ana.delete(&format!("/api/v1/users/{admin_id}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = admin.delete(&format!("/api/v1/users/{admin_id}")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "cannot_deactivate_self");
}

async fn parallel_wrong_passwords_are_checked_no_more_often_than_the_limit(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_AUTH__MAX_FAILURES_PER_ACCOUNT", "5")]).await;
    app.admin().await;
    let attempts = (0..30).map(|n| {
        let client = app.anonymous();
        async move { client.post("/api/v1/auth/token", json!({"email": "admin@example.com", "password": format!("wrong password {n}")})).await.0 }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, limited), (5, 25), "{statuses:?}");
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password waits too"
    );
}

async fn cookie_requests_without_the_csrf_token_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin().await;
    let mut browser = app.browser_sign_in("admin@example.com").await;
    let token = browser.csrf.take().unwrap();
    let (status, body) = browser.patch("/api/v1/me", json!({"title": "CEO"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "csrf_failed");
    browser.csrf = Some("forged".into());
    assert_eq!(
        browser.patch("/api/v1/me", json!({"title": "CEO"})).await.0,
        StatusCode::FORBIDDEN
    );
    browser.csrf = Some(token.clone());
    let (status, me) = browser.patch("/api/v1/me", json!({"title": "CEO"})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let forged = browser
        .http
        .post(app.url("/sign-out"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get("/api/v1/me").await.0,
        StatusCode::OK,
        "still signed in"
    );
    let signed_out = browser
        .http
        .post(app.url("/sign-out"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

async fn cookie_requests_to_percent_encoded_api_paths_need_the_csrf_token_too(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin().await;
    let mut browser = app.browser_sign_in("admin@example.com").await;
    let token = browser.csrf.take().unwrap();
    // Each spelling routes (or not) like /api/v1/posts; none may skip the check.
    for path in [
        "/api/v1/posts",
        "/%61pi/v1/posts",
        "/%61%70%69/v1/posts",
        "/api/%761/posts",
        "/api/v1/%70osts",
        "/%2561pi/v1/posts",
        "/api%2Fv1/posts",
    ] {
        let (status, body) = browser.post(path, json!({"body": "forged"})).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "POST {path}: {status} {body}"
        );
    }
    let (_, feed) = browser.get("/api/v1/feeds/company").await;
    assert_eq!(
        feed["items"].as_array().unwrap().len(),
        0,
        "nothing was posted: {feed}"
    );
    browser.csrf = Some(token);
    assert_eq!(
        browser
            .post("/%61pi/v1/posts", json!({"body": "with the token"}))
            .await
            .0,
        StatusCode::CREATED
    );
}

async fn the_setup_page_creates_the_admin_and_signs_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let browser = app.anonymous();
    let root = browser
        .request(reqwest::Method::GET, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(root.headers()["location"], "/setup");
    let page = browser.page("/setup").await;
    assert!(page.contains("Create the first admin"));
    let csrf = hidden_csrf(&page);
    let missing = browser
        .http
        .post(app.url("/setup"))
        .form(&[
            ("email", "ada@example.com"),
            ("name", "Ada"),
            ("password", PASSWORD),
            ("csrf", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let short = browser
        .http
        .post(app.url("/setup"))
        .form(&[
            ("email", "ada@example.com"),
            ("name", "Ada"),
            ("password", "short"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = short.text().await.unwrap();
    assert!(
        html.contains("at least 10 characters") && html.contains("ada@example.com"),
        "typed values survive: {html}"
    );
    let done = browser
        .http
        .post(app.url("/setup"))
        .form(&[
            ("email", "ada@example.com"),
            ("name", "Ada Lovelace"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let cookie = done.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(browser.page("/").await.contains("Welcome, Ada Lovelace"));
    let again = app
        .anonymous()
        .request(reqwest::Method::GET, "/setup")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.headers()["location"],
        "/sign-in",
        "setup closes after the first admin"
    );
}

async fn the_sign_in_page_reports_bad_credentials_and_keeps_the_email(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin().await;
    let browser = app.anonymous();
    let csrf = hidden_csrf(&browser.page("/sign-in").await);
    let response = browser
        .http
        .post(app.url("/sign-in"))
        .form(&[
            ("email", "admin@example.com"),
            ("password", "wrong password"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("wrong email or password") && html.contains("value=\"admin@example.com\"")
    );
}

on_both_backends!(
    unknown_email_and_wrong_password_get_the_same_answer,
    sign_in_is_rate_limited_per_account,
    sign_in_is_rate_limited_per_address,
    a_revoked_token_stops_working,
    deactivation_kills_every_session_and_token_at_once,
    only_admins_deactivate_and_never_themselves,
    parallel_wrong_passwords_are_checked_no_more_often_than_the_limit,
    cookie_requests_without_the_csrf_token_are_refused,
    cookie_requests_to_percent_encoded_api_paths_need_the_csrf_token_too,
    the_setup_page_creates_the_admin_and_signs_in,
    the_sign_in_page_reports_bad_credentials_and_keeps_the_email
);

async fn cookies_are_secure_when_the_public_url_is_https(backend: Backend) {
    let app = TestApp::start_with(
        backend,
        &[("AGORA_PUBLIC_URL", "https://agora.example.com")],
    )
    .await;
    app.admin().await;
    let browser = app.anonymous();
    let page = browser
        .request(reqwest::Method::GET, "/sign-in")
        .send()
        .await
        .unwrap();
    let form_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        form_cookie.contains("Secure") && form_cookie.contains("HttpOnly"),
        "{form_cookie}"
    );
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let signed_in = browser
        .http
        .post(app.url("/sign-in"))
        .form(&[
            ("email", "admin@example.com"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session_cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        session_cookie.starts_with("agora_session=") && session_cookie.contains("Secure"),
        "{session_cookie}"
    );
}

on_both_backends!(cookies_are_secure_when_the_public_url_is_https);
