//! The home page's rail and `/discover`: shown, dismissed by a plain form, switched off.

use reqwest::StatusCode;

use super::set_department;
use crate::on_both_backends;
use crate::support::{TestApp, hidden_csrf};

async fn the_home_rail_suggests_and_one_click_dismisses(backend: crate::support::Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    set_department(&ana, "Engineering").await;
    set_department(&dan, "Engineering").await;
    let browser = app.browser_sign_in("ana@example.com").await;
    let home = browser.page("/").await;
    assert!(home.contains("Suggested for you"), "{home}");
    assert!(home.contains("DAN") && home.contains("same department"));
    let response = browser
        .http
        .post(app.url("/recommendations/dismiss"))
        .form(&[
            ("csrf", hidden_csrf(&home).as_str()),
            ("kind", "person"),
            ("id", &dan.id().await),
            ("back", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
    let home = browser.page("/").await;
    assert!(!home.contains("same department"), "{home}");
    // A form without the session's token changes nothing.
    let response = browser
        .http
        .post(app.url("/recommendations/dismiss"))
        .form(&[("csrf", "forged"), ("kind", "person"), ("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(browser.page("/discover").await.contains("Discover"));
}

async fn the_rail_can_be_switched_off(backend: crate::support::Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_RECOMMENDATIONS__RAIL", "false")]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    set_department(&ana, "Engineering").await;
    set_department(&dan, "Engineering").await;
    let browser = app.browser_sign_in("ana@example.com").await;
    let home = browser.page("/").await;
    assert!(!home.contains("Suggested for you"), "{home}");
    assert!(browser.page("/discover").await.contains("same department"));
}

on_both_backends!(
    the_home_rail_suggests_and_one_click_dismisses,
    the_rail_can_be_switched_off,
);
