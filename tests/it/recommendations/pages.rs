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

async fn the_kept_rail_drops_what_she_did_since_and_what_she_can_no_longer_read(
    backend: crate::support::Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    set_department(&ana, "Engineering").await;
    set_department(&dan, "Engineering").await;
    let home = ana.page("/").await;
    assert!(home.contains("DAN"), "{home}");
    // Followed since the rail was made: gone at once, though the rail is kept.
    let (status, _) = ana
        .put(&format!("/api/v1/follows/users/{}", dan.id().await))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!ana.page("/").await.contains("DAN"));

    // A guest's rail found bob through a group she has since left: never shown again.
    let launch = app.group(&ana, "Launch", "private", true).await;
    let beta = app.group(&ana, "Beta", "private", true).await;
    super::add_member(&ana, &launch, &bob).await;
    let gus = app.guest_in(&ana, "gus", &[&launch, &beta]).await;
    assert!(gus.page("/").await.contains("BOB"));
    let (status, _) = ana
        .delete(&format!(
            "/api/v1/groups/{launch}/members/{}",
            gus.id().await
        ))
        .await;
    assert!(status.is_success());
    assert!(!gus.page("/").await.contains("BOB"));
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
    the_kept_rail_drops_what_she_did_since_and_what_she_can_no_longer_read,
    the_home_rail_suggests_and_one_click_dismisses,
    the_rail_can_be_switched_off,
);
