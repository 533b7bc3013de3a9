//! One mail sender per database, whatever the number of servers on it, and refused mail shown
//! to admins, who may queue it again.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer};
use crate::support::{Backend, Client, TestApp, postgres_configured};

async fn invite(owner: &Client, group: &str, email: &str) {
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/invitations"),
            json!({"email": email}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// `client`'s credentials on another server.
fn on(server: &TestApp, client: &Client) -> Client {
    Client::at(&server.base, client.token.as_deref())
}

/// The recipients of `messages`, sorted.
fn recipients(messages: &[String]) -> Vec<String> {
    let mut to: Vec<String> = messages
        .iter()
        .map(|m| {
            let line = m.lines().find(|l| l.starts_with("To: ")).unwrap();
            line.trim_start_matches("To: ").to_string()
        })
        .collect();
    to.sort();
    to
}

/// Waits until the outbox has nothing left to send (every message accepted by the server).
async fn outbox_drained(admin: &Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, queued) = admin.get("/api/v1/admin/mail?state=queued").await;
        assert_eq!(status, StatusCode::OK, "{queued}");
        if queued["items"].as_array().unwrap().is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "still queued: {queued}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn two_servers_on_one_postgres_send_each_mail_exactly_once_and_take_over() {
    agora::init_tls();
    if !postgres_configured() {
        return;
    }
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let env = [("AGORA_SMTP_URL", smtp.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestApp::start_with(Backend::Postgres, &env).await;
    let admin = first.admin().await;
    let group = first.group(&admin, "Customers", "private", true).await;
    // The first server sends this one, so it holds the sender lock before the second starts.
    invite(&admin, &group, "early@customer.example").await;
    smtp.wait_for(1).await;

    let second = first.another(&env).await;
    let admin_there = on(&second, &admin);
    let mut expected = vec!["early@customer.example".to_string()];
    for n in 0..20 {
        let email = format!("guest{n:02}@customer.example");
        let via = if n % 2 == 0 { &admin } else { &admin_there };
        invite(via, &group, &email).await;
        expected.push(email);
    }
    smtp.wait_for(expected.len()).await;
    outbox_drained(&admin).await;
    // Had either server's sender sent any of these again, it would have by its next passes.
    first.worker_settled("mail_sender").await;
    second.worker_settled("mail_sender").await;
    expected.sort();
    assert_eq!(recipients(&smtp.messages()), expected, "each exactly once");

    // The sender stops: its lock connection closes, and the other server takes over.
    first.stop().await;
    for n in 0..5 {
        let email = format!("later{n}@customer.example");
        invite(&admin_there, &group, &email).await;
        expected.push(email);
    }
    expected.sort();
    smtp.wait_for(expected.len()).await;
    outbox_drained(&admin_there).await;
    assert_eq!(recipients(&smtp.messages()), expected, "each exactly once");
}

/// Waits until `admin` sees exactly `count` mails in `state`; returns them.
async fn listed(admin: &Client, state: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = admin
            .get(&format!("/api/v1/admin/mail?state={state}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap().clone();
        if items.len() == count {
            return items;
        }
        assert!(Instant::now() < deadline, "{state}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn admins_see_refused_mail_and_queue_it_again_others_are_refused(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Refusing).await;
    let url = smtp.url();
    let app = TestApp::start_with(backend, &[("AGORA_SMTP_URL", url.as_str())]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Customers", "private", true).await;
    invite(&ana, &group, "nobody@customer.example").await;

    let refused = listed(&admin, "failed", 1).await;
    let mail = &refused[0];
    assert_eq!(
        (mail["to"].as_str(), mail["state"].as_str()),
        (Some("nobody@customer.example"), Some("failed"))
    );
    assert!(
        mail["last_error"].as_str().unwrap().contains("550"),
        "{mail}"
    );
    assert!(
        mail.get("text_body").is_none() && !mail.to_string().contains("token="),
        "no bodies: {mail}"
    );
    assert!(listed(&admin, "queued", 0).await.is_empty());

    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page("/admin/mail").await;
    assert!(
        page.contains("nobody@customer.example") && page.contains("550"),
        "{page}"
    );
    assert!(
        browser
            .page("/admin/users")
            .await
            .contains("href=\"/admin/mail\"")
    );

    let guest = app.guest_in(&ana, "cara", &[&group]).await;
    for (who, client) in [("employee", &ana), ("guest", &guest)] {
        let (status, body) = client.get("/api/v1/admin/mail?state=failed").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {body}");
        assert!(!body.to_string().contains("nobody@"), "{body}");
        let id = mail["id"].as_str().unwrap();
        assert_eq!(
            client
                .post(&format!("/api/v1/admin/mail/{id}/retry"), json!({}))
                .await
                .0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        app.anonymous().get("/api/v1/admin/mail").await.0,
        StatusCode::UNAUTHORIZED
    );
    let employee_page = app.browser_sign_in("ana@example.com").await;
    let response = employee_page
        .request(reqwest::Method::GET, "/admin/mail")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!response.text().await.unwrap().contains("nobody@"));
    assert_eq!(
        admin.get("/api/v1/admin/mail?state=lost").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    smtp.set(Mood::Accepting);
    let id = mail["id"].as_str().unwrap();
    let (status, retried) = admin
        .post(&format!("/api/v1/admin/mail/{id}/retry"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["state"], "queued");
    let delivered = smtp.wait_for(1).await;
    assert!(delivered[0].contains("To: nobody@customer.example"));
    outbox_drained(&admin).await;
    assert!(listed(&admin, "failed", 0).await.is_empty());
    assert_eq!(
        admin
            .post(&format!("/api/v1/admin/mail/{id}/retry"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "sent"
    );
    assert_eq!(
        admin
            .post("/api/v1/admin/mail/123/retry", json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

async fn mail_failing_past_the_attempt_limit_is_dead_until_an_admin_sends_it_again(
    backend: Backend,
) {
    let smtp = SmtpServer::start(Mood::Down).await;
    let url = smtp.url();
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_SMTP_URL", url.as_str()),
            ("AGORA_OUTBOX__MAX_ATTEMPTS", "2"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let group = app.group(&admin, "Customers", "private", true).await;
    invite(&admin, &group, "later@customer.example").await;
    // Down twice (the second attempt after a backoff of about a second): dead, not retried.
    let dead = listed(&admin, "failed", 1).await;
    assert_eq!(
        (dead[0]["attempts"].as_i64(), dead[0]["state"].as_str()),
        (Some(2), Some("failed")),
        "{}",
        dead[0]
    );
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("421"),
        "{}",
        dead[0]
    );
    smtp.set(Mood::Accepting);
    app.worker_settled("mail_sender").await;
    assert!(
        smtp.messages().is_empty(),
        "a dead delivery is not tried again by itself"
    );
    let (_, metrics) = admin.get("/metrics").await;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(r#"agora_outbox_depth{kind="mail",state="dead"} 1"#),
        "{metrics}"
    );
    let id = dead[0]["id"].as_str().unwrap();
    let (status, retried) = admin
        .post(&format!("/api/v1/admin/mail/{id}/retry"), json!({}))
        .await;
    assert_eq!(
        (status, retried["attempts"].as_i64()),
        (StatusCode::OK, Some(0)),
        "{retried}"
    );
    assert!(smtp.wait_for(1).await[0].contains("To: later@customer.example"));
    outbox_drained(&admin).await;
}

async fn mail_queued_before_the_outbox_existed_is_sent_after_the_upgrade(backend: Backend) {
    // A database as the release before the one outbox left it, holding one queued mail.
    let db = crate::support::TestDb::new(backend);
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let old = agora::db::Db::connect(&db.url, &config.database).unwrap();
    old.write(|conn| agora::db::migrations::run_pending_until(conn, "2026-12-04-000002"))
        .unwrap();
    old.write(|conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, headers, created_at, attempts, next_attempt_at, last_error) \
             VALUES (42, 'old@customer.example', 'Queued before', 'Plain words', '<p>Rich words</p>', '{\"List-Unsubscribe\":\"<https://agora.test/u>\"}', CURRENT_TIMESTAMP, 3, CURRENT_TIMESTAMP, 'earlier outage')",
        )
        .execute(conn)?;
        Ok(())
    })
    .unwrap();
    drop(old);
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let url = smtp.url();
    let _app = TestApp::start_on(db, &[("AGORA_SMTP_URL", url.as_str())]).await;
    let sent = smtp.wait_for(1).await;
    let mail = &sent[0];
    for part in [
        "To: old@customer.example",
        "Subject: Queued before",
        "Plain words",
        "Rich words",
        "List-Unsubscribe: <https://agora.test/u>",
        "Message-ID: <42@",
    ] {
        assert!(mail.contains(part), "{part} missing from {mail}");
    }
}

async fn mail_delayed_by_an_outage_is_listed_as_waiting_with_its_error(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Down).await;
    let url = smtp.url();
    let app = TestApp::start_with(backend, &[("AGORA_SMTP_URL", url.as_str())]).await;
    let admin = app.admin().await;
    let group = app.group(&admin, "Customers", "private", true).await;
    invite(&admin, &group, "later@customer.example").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let waiting = loop {
        let waiting = listed(&admin, "queued", 1).await;
        if waiting[0]["attempts"].as_i64().unwrap() > 0 {
            break waiting;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        waiting[0]["last_error"].as_str().unwrap().contains("421"),
        "{}",
        waiting[0]
    );
    let browser = app.browser_sign_in("admin@example.com").await;
    assert!(
        browser
            .page("/admin/mail")
            .await
            .contains("later@customer.example")
    );
}

on_both_backends!(
    admins_see_refused_mail_and_queue_it_again_others_are_refused,
    mail_failing_past_the_attempt_limit_is_dead_until_an_admin_sends_it_again,
    mail_queued_before_the_outbox_existed_is_sent_after_the_upgrade,
    mail_delayed_by_an_outage_is_listed_as_waiting_with_its_error
);

async fn admins_do_not_read_subjects_about_groups_hidden_from_them(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Refusing).await;
    let url = smtp.url();
    let app = TestApp::start_with(backend, &[("AGORA_SMTP_URL", url.as_str())]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let secret = app.group(&ana, "Secret lab", "secret", true).await;
    let open = app.group(&ana, "Open square", "public", true).await;
    invite(&ana, &secret, "hidden@customer.example").await;
    invite(&ana, &open, "shown@customer.example").await;
    let refused = listed(&admin, "failed", 2).await;
    let subject_to = |to: &str| {
        refused.iter().find(|m| m["to"] == to).unwrap()["subject"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(subject_to("shown@customer.example").contains("Open square"));
    assert_eq!(
        subject_to("hidden@customer.example"),
        "(about a group you cannot see)"
    );
    assert!(!serde_json::to_string(&refused).unwrap().contains("Secret"));
    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page("/admin/mail").await;
    assert!(
        page.contains("Open square") && !page.contains("Secret lab"),
        "{page}"
    );
    let hidden_id = refused
        .iter()
        .find(|m| m["to"] == "hidden@customer.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, retried) = admin
        .post(&format!("/api/v1/admin/mail/{hidden_id}/retry"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!retried.to_string().contains("Secret"), "{retried}");
    // An admin in the group reads it.
    let (status, _) = ana
        .post(
            &format!("/api/v1/groups/{secret}/members"),
            json!({"user_id": admin.id().await, "role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, queued) = admin.get("/api/v1/admin/mail?state=queued").await;
    let (_, failed) = admin.get("/api/v1/admin/mail?state=failed").await;
    assert!(
        format!("{queued}{failed}").contains("Secret lab"),
        "{queued} {failed}"
    );
}

on_both_backends!(admins_do_not_read_subjects_about_groups_hidden_from_them);
