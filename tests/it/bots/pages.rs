//! The pages: admins manage bots and their tokens, a group's admins make its hooks.

use reqwest::StatusCode;
use serde_json::json;

use super::{add_member, hook_path, send_hook};
use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

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

on_both_backends!(admins_manage_bots_and_group_admins_make_hooks_on_their_pages);
