//! Where one is signed in: sessions and tokens with their device, address and last use, and
//! signing out of one or all of them; admins for anyone, nobody else for anybody.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

async fn people_see_where_they_are_signed_in_and_sign_out_of_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bob = app.user(&admin, "bob", "employee").await;
    app.user(&admin, "ana", "employee").await;
    let browser = app.browser_sign_in("ana@example.com").await;
    let mut phone = app.anonymous();
    let (status, signed_in) = phone
        .send(
            phone
                .request(reqwest::Method::POST, "/api/v1/auth/token")
                .header("user-agent", FIREFOX)
                .json(&json!({"email": "ana@example.com", "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    phone.token = Some(signed_in["token"].as_str().unwrap().to_string());

    let (status, mine) = phone.get("/api/v1/me/sessions").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = items(&mine).clone();
    let kinds: Vec<&str> = mine.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 3, "two tokens and a session: {mine:?}");
    let current: Vec<&Value> = mine.iter().filter(|c| c["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["kind"], "token");
    assert_eq!(current[0]["device"], "Firefox on Linux");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    assert!(current[0]["last_seen_at"].is_string());
    let session = mine.iter().find(|c| c["kind"] == "session").unwrap();
    let session_id = session["id"].as_str().unwrap();

    let page = browser.page("/settings/security").await;
    assert!(
        page.contains("This device") && page.contains("Firefox on Linux"),
        "{page}"
    );
    assert!(page.contains("Sign out everywhere"));

    // Nobody else's, unless an admin's; and no id of someone else's signs anyone out.
    let ana_id = phone.id().await;
    let (status, _) = bob.get(&format!("/api/v1/users/{ana_id}/sessions")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = bob
        .delete(&format!("/api/v1/me/sessions/{session_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/api/v1/me").await.0, StatusCode::OK);
    let (status, theirs) = admin.get(&format!("/api/v1/users/{ana_id}/sessions")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&theirs).len(), 3);
    assert!(items(&theirs).iter().all(|c| c["current"] == false));
    let admin_page = admin.page(&format!("/admin/users/{ana_id}/security")).await;
    assert!(
        admin_page.contains("Where ANA is signed in"),
        "{admin_page}"
    );

    // One: the browser's session ends, the rest stay.
    let (status, _) = phone
        .delete(&format!("/api/v1/me/sessions/{session_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(browser.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(items(&phone.get("/api/v1/me/sessions").await.1).len(), 2);

    // All, by an admin, without deactivating her.
    let (status, _) = admin
        .delete(&format!("/api/v1/users/{ana_id}/sessions"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(phone.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let again = app.browser_sign_in("ana@example.com").await;

    // All, by herself from the page: back to the sign-in page, and every credential dead.
    let token_client = app.sign_in("ana@example.com").await;
    let response = again
        .http
        .post(app.url("/settings/security/sign-out-everywhere"))
        .form(&[("csrf", again.csrf.clone().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/sign-in");
    assert_eq!(again.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        token_client.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

on_both_backends!(people_see_where_they_are_signed_in_and_sign_out_of_it);

async fn a_guest_sees_her_own_sessions_and_nobody_elses(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let gia = app.guest_in(&admin, "gia", &[beta.as_str()]).await;
    let (status, mine) = gia.get("/api/v1/me/sessions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&mine).len(), 1);
    let admin_id = admin.id().await;
    let (status, body) = gia.get(&format!("/api/v1/users/{admin_id}/sessions")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.to_string().contains("127.0.0.1"));
}

on_both_backends!(a_guest_sees_her_own_sessions_and_nobody_elses);
