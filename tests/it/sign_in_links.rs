//! Passwordless sign-in by an emailed link, through a real SMTP conversation: once, briefly,
//! with one answer for every asker, and limited per address.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, TestApp, hidden_csrf};

const SITE: &str = "https://agora.test";

async fn start(backend: Backend, smtp: &SmtpServer, extra: &[(&str, &str)]) -> TestApp {
    let url = smtp.url();
    let mut env = vec![("AGORA_SMTP_URL", url.as_str()), ("AGORA_PUBLIC_URL", SITE)];
    env.extend_from_slice(extra);
    TestApp::start_with(backend, &env).await
}

/// The token of the sign-in link in `message`.
fn link_token(message: &str) -> String {
    let text = text_of(message);
    let start = text
        .find(&format!("{SITE}/sign-in/link?token="))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let link = text[start..].split_whitespace().next().unwrap();
    link.split("token=").nth(1).unwrap().to_string()
}

async fn a_guest_signs_in_once_by_the_link_she_asked_for_on_the_sign_in_page(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    app.guest_in(&admin, "gia", &[beta.as_str()]).await;

    let browser = app.anonymous();
    let sign_in = browser.page("/sign-in").await;
    assert!(sign_in.contains("Email me a sign-in link"), "{sign_in}");
    let asked = browser
        .http
        .post(app.url("/sign-in/email"))
        .form(&[
            ("email", "GIA@customer.example "),
            ("csrf", &hidden_csrf(&sign_in)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.text().await.unwrap().contains("Check your email"));
    let mail = smtp.wait_for(1).await.remove(0);
    assert!(mail.contains("gia@customer.example"), "{mail}");
    let token = link_token(&mail);

    // Opening the link signs nobody in: its page's button does.
    let page = browser.page(&format!("/sign-in/link?token={token}")).await;
    assert!(page.contains("Continue to Agora"), "{page}");
    let form = [("token", token.as_str()), ("csrf", &hidden_csrf(&page))];
    let used = browser
        .http
        .post(app.url("/sign-in/link"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), StatusCode::SEE_OTHER);
    let (_, me) = browser.get("/api/v1/me").await;
    assert_eq!(me["email"], "gia@customer.example", "signed in: {me}");

    let again = app.anonymous();
    let page = again.page(&format!("/sign-in/link?token={token}")).await;
    let form = [("token", token.as_str()), ("csrf", &hidden_csrf(&page))];
    let twice = again
        .http
        .post(app.url("/sign-in/link"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        twice.status(),
        StatusCode::UNAUTHORIZED,
        "a link works once"
    );
    assert!(
        twice
            .text()
            .await
            .unwrap()
            .contains("used already or has expired")
    );
    assert_eq!(again.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

on_both_backends!(a_guest_signs_in_once_by_the_link_she_asked_for_on_the_sign_in_page);

async fn asking_for_a_link_tells_nobody_anything_and_is_limited(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(
        backend,
        &smtp,
        &[("AGORA_AUTH__EMAIL_LINKS_FOR_EMPLOYEES", "false")],
    )
    .await;
    let admin = app.admin().await;
    app.user(&admin, "emma", "employee").await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    app.guest_in(&admin, "gia", &[beta.as_str()]).await;
    let anonymous = app.anonymous();
    let ask = |email: &str| anonymous.post("/api/v1/auth/link", json!({"email": email}));
    let answers: Vec<(StatusCode, Value)> = vec![
        ask("nobody@example.com").await,
        ask("emma@example.com").await,
        ask("gia@customer.example").await,
    ];
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert!(
        answers.iter().all(|answer| answer == &answers[0]),
        "one answer for an unknown address, an employee without links and a guest: {answers:?}"
    );
    let sent = smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "only the guest got a link");
    assert!(sent[0].contains("gia@customer.example"));

    // Three links an address per window, known or not.
    for _ in 0..2 {
        assert_eq!(ask("nobody@example.com").await.0, StatusCode::ACCEPTED);
    }
    let (status, limited) = ask("nobody@example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{limited}");
    assert_eq!(limited["code"], "too_many_attempts");
}

on_both_backends!(asking_for_a_link_tells_nobody_anything_and_is_limited);

async fn a_link_gives_a_token_once_and_never_when_expired_or_its_owner_is_gone(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let emma = app.user(&admin, "emma", "employee").await;
    let anonymous = app.anonymous();
    let link = |n: usize| {
        let (anonymous, smtp) = (&anonymous, &smtp);
        async move {
            let (status, _) = anonymous
                .post("/api/v1/auth/link", json!({"email": "emma@example.com"}))
                .await;
            assert_eq!(status, StatusCode::ACCEPTED);
            link_token(&smtp.wait_for(n).await[n - 1])
        }
    };
    let redeem =
        |token: String| anonymous.post("/api/v1/auth/link/redeem", json!({"token": token}));
    let token = link(1).await;
    let (status, signed_in) = redeem(token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    let client = app.client_with_token(signed_in["token"].as_str().unwrap());
    assert_eq!(
        client.get("/api/v1/me").await.1["email"],
        "emma@example.com"
    );
    let (status, used) = redeem(token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(used["code"], "link_no_longer_valid");

    let token = link(2).await;
    app.db
        .open()
        .write(|conn| {
            use agora::db::schema::sign_in_links::dsl::*;
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
            Ok(diesel::update(sign_in_links)
                .set(expires_at.eq(past))
                .execute(conn)?)
        })
        .unwrap();
    assert_eq!(redeem(token).await.0, StatusCode::UNAUTHORIZED, "expired");

    let token = link(3).await;
    let emma_id = emma.id().await;
    let (status, _) = admin.delete(&format!("/api/v1/users/{emma_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        redeem(token).await.0,
        StatusCode::UNAUTHORIZED,
        "deactivated"
    );
    assert_eq!(redeem("forged".into()).await.0, StatusCode::UNAUTHORIZED);
}

on_both_backends!(a_link_gives_a_token_once_and_never_when_expired_or_its_owner_is_gone);
