//! Invitations by email through a real SMTP conversation, acceptance, and the mail outbox's
//! promise: an outage delays mail, never loses or doubles it; a permanent refusal is recorded.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::search::search_until;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, Client, TestApp};

async fn start(backend: Backend, smtp: &SmtpServer, extra: &[(&str, &str)]) -> TestApp {
    let url = smtp.url();
    let mut env = vec![
        ("AGORA_SMTP_URL", url.as_str()),
        ("AGORA_PUBLIC_URL", "https://agora.test"),
    ];
    env.extend_from_slice(extra);
    TestApp::start_with(backend, &env).await
}

/// The token of the acceptance link in an invitation email.
fn link_token(message: &str) -> String {
    let text = text_of(message);
    let start = text
        .find("https://agora.test/invitations/accept?token=")
        .unwrap_or_else(|| panic!("no link in {text}"));
    text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string()
}

async fn invite(owner: &Client, group: &str, email: &str) -> (StatusCode, Value) {
    owner
        .post(
            &format!("/api/v1/groups/{group}/invitations"),
            json!({"email": email, "name": "Cara"}),
        )
        .await
}

async fn an_invited_guest_accepts_from_the_emailed_link_is_walled_in_and_removal_ends_it_all(
    backend: Backend,
) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(
        backend,
        &smtp,
        &[("AGORA_GUESTS__COMPANY_DOMAINS", "example.com")],
    )
    .await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta Program", "private", true).await;
    let internal = app.group(&olga, "Internal", "private", false).await;
    olga.post(
        "/api/v1/posts",
        json!({"body": "welcome to the beta", "group_id": beta}),
    )
    .await;
    olga.post(
        "/api/v1/posts",
        json!({"body": "canaryinternal roadmap", "group_id": internal}),
    )
    .await;
    olga.post("/api/v1/posts", json!({"body": "canarycompany news"}))
        .await;

    let (status, invitation) = invite(&olga, &beta, "Cara@Customer.example").await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    assert_eq!(
        (invitation["email"].as_str(), invitation["status"].as_str()),
        (Some("cara@customer.example"), Some("pending"))
    );
    let messages = smtp.wait_for(1).await;
    assert!(
        messages[0].contains("To: cara@customer.example"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains("Subject: OLGA invited you to Beta Program on Agora"),
        "{}",
        messages[0]
    );
    let token = link_token(&messages[0]);

    let (_, pending) = olga
        .get(&format!("/api/v1/groups/{beta}/invitations"))
        .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        invite(&olga, &internal, "x@customer.example").await.0,
        StatusCode::CONFLICT,
        "no guests here"
    );
    let (status, refused) = invite(&olga, &beta, "colleague@example.com").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["errors"]["email"][0]
            .as_str()
            .unwrap()
            .contains("company"),
        "{refused}"
    );

    let (status, accepted) = app
        .anonymous()
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "Cara Client", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["user"]["kind"], "guest");
    let guest = app.client_with_token(accepted["token"].as_str().unwrap());
    let (status, again) = app
        .anonymous()
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "X", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("invitation_used"))
    );

    let (_, groups) = guest.get("/api/v1/groups").await;
    let names: Vec<&str> = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Beta Program"]);
    assert_eq!(
        guest.get("/api/v1/feeds/company").await.0,
        StatusCode::FORBIDDEN
    );
    let (_, feed) = guest.get(&format!("/api/v1/groups/{beta}/feed")).await;
    assert_eq!(feed["items"][0]["body"], "welcome to the beta");
    assert_eq!(
        guest.get(&format!("/api/v1/groups/{internal}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, home) = guest.get("/api/v1/feeds/home").await;
    assert!(!home.to_string().contains("canary"), "{home}");

    // An employees-only reply in her group: employees read it, she finds no trace of it.
    let welcome = feed["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = olga
        .post(
            &format!("/api/v1/posts/{welcome}/comments"),
            json!({"body": "canarystaff pricing", "employees_only": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, seen_by_olga) = olga.get(&format!("/api/v1/posts/{welcome}/comments")).await;
    assert!(
        seen_by_olga.to_string().contains("canarystaff"),
        "{seen_by_olga}"
    );
    // Indexed by now: an employee finds it, so the guest's empty search below means walled.
    search_until(&olga, "canarystaff", |items| !items.is_empty()).await;
    let mut answers = Vec::new();
    for path in [
        format!("/api/v1/posts/{welcome}"),
        format!("/api/v1/posts/{welcome}/comments"),
        format!("/api/v1/groups/{beta}/feed"),
        "/api/v1/feeds/home".to_string(),
        "/api/v1/search?q=canarystaff".to_string(),
        "/api/v1/search?q=pricing".to_string(),
    ] {
        let (status, body) = guest.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        answers.push(body);
    }
    assert_eq!(
        answers[0]["comment_count"], 0,
        "the count leaves it out: {}",
        answers[0]
    );
    for answer in &answers {
        assert!(!answer.to_string().contains("canary"), "{answer}");
    }

    // Removed from the group, she reads nothing of it.
    let guest_id = guest.id().await;
    assert_eq!(
        olga.delete(&format!("/api/v1/groups/{beta}/members/{guest_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        guest.get(&format!("/api/v1/groups/{beta}/feed")).await.0,
        StatusCode::UNAUTHORIZED,
        "her last group: her token is dead"
    );
    assert_eq!(guest.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

async fn invitations_can_be_cancelled_resent_and_expire(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(
        backend,
        &smtp,
        &[("AGORA_GUESTS__ALLOWED_DOMAINS", "customer.example")],
    )
    .await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    assert_eq!(
        invite(&olga, &beta, "x@elsewhere.example").await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not on the allow-list"
    );
    assert_eq!(
        invite(&bob, &beta, "dan@customer.example").await.0,
        StatusCode::FORBIDDEN,
        "bob does not manage the group"
    );
    let (_, invitation) = invite(&olga, &beta, "dan@customer.example").await;
    let id = invitation["id"].as_str().unwrap();
    let first = link_token(&smtp.wait_for(1).await[0]);
    let (status, _) = olga
        .post(&format!("/api/v1/invitations/{id}/resend"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = link_token(&smtp.wait_for(2).await[1]);
    assert_eq!(
        olga.delete(&format!("/api/v1/invitations/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    for token in [first, second] {
        let (status, body) = app
            .anonymous()
            .post(
                "/api/v1/invitations/accept",
                json!({"token": token, "name": "Dan", "password": "a long guest password"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("invitation_cancelled"))
        );
    }
    let (status, _) = app.anonymous().post("/api/v1/invitations/accept", json!({"token": "forged.token.here", "name": "Dan", "password": "a long guest password"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn an_smtp_outage_delays_mail_and_never_loses_or_doubles_it(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Down).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    for n in 0..3 {
        assert_eq!(
            invite(&admin, &beta, &format!("c{n}@customer.example"))
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let db = app.db.open();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let waiting = loop {
        let waiting: Vec<(i32, String)> = db
            .read(|conn| {
                use agora::db::schema::outbox::dsl::*;
                Ok(outbox.select((attempts, last_error)).load(conn)?)
            })
            .unwrap();
        if waiting.iter().all(|(tries, _)| *tries >= 1) {
            break waiting;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(smtp.messages().is_empty());
    assert_eq!(waiting.len(), 3);
    assert!(
        waiting
            .iter()
            .all(|(tries, error)| *tries >= 1 && error.contains("421")),
        "{waiting:?}"
    );

    smtp.set(Mood::Accepting);
    smtp.wait_for(3).await;
    app.worker_settled("mail_sender").await;
    let mut recipients: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| {
            m.lines()
                .find(|l| l.starts_with("To: "))
                .unwrap()
                .to_string()
        })
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "To: c0@customer.example",
            "To: c1@customer.example",
            "To: c2@customer.example"
        ],
        "each exactly once"
    );
}

async fn a_permanent_refusal_is_recorded_and_not_retried(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Refusing).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    invite(&admin, &beta, "nobody@customer.example").await;
    let db = app.db.open();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let rows: Vec<(Option<chrono::NaiveDateTime>, i32, String)> = db
            .read(|conn| {
                use agora::db::schema::outbox::dsl::*;
                Ok(outbox.select((dead_at, attempts, last_error)).load(conn)?)
            })
            .unwrap();
        if rows[0].0.is_some() {
            break rows;
        }
        assert!(std::time::Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed[0].1, 1, "tried once");
    assert!(failed[0].2.contains("550"), "{failed:?}");
    smtp.set(Mood::Accepting);
    app.worker_settled("mail_sender").await;
    assert!(
        smtp.messages().is_empty(),
        "a refused message is not sent again"
    );
}

on_both_backends!(
    an_invited_guest_accepts_from_the_emailed_link_is_walled_in_and_removal_ends_it_all,
    invitations_can_be_cancelled_resent_and_expire,
    an_smtp_outage_delays_mail_and_never_loses_or_doubles_it,
    a_permanent_refusal_is_recorded_and_not_retried
);

async fn the_emailed_link_opens_a_page_that_signs_the_new_guest_in_to_her_group(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta <Program>", "private", true).await;
    invite(&admin, &beta, "erin@customer.example").await;
    let token = link_token(&smtp.wait_for(1).await[0]);

    let browser = app.anonymous();
    let page = browser
        .page(&format!("/invitations/accept?token={token}"))
        .await;
    assert!(
        page.contains("Join Beta &#60;Program&#62;") && page.contains("erin@customer.example"),
        "{page}"
    );
    let form = |password: &str| {
        vec![
            ("token", token.clone()),
            ("name", "Erin".to_string()),
            ("password", password.to_string()),
            ("csrf", crate::support::hidden_csrf(&page)),
        ]
    };
    let short = browser
        .http
        .post(app.url("/invitations/accept"))
        .form(&form("short"))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.text().await.unwrap().contains("at least"),
        "the reason is shown"
    );
    let accepted = browser
        .http
        .post(app.url("/invitations/accept"))
        .form(&form("a long guest password"))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        accepted.headers()["location"],
        format!("/groups/{beta}").as_str()
    );
    let group_page = browser.page(&format!("/groups/{beta}")).await;
    assert!(group_page.contains("Beta &#60;Program&#62;"));
    let used = browser
        .http
        .get(app.url(&format!("/invitations/accept?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), StatusCode::CONFLICT, "a used link says so");
    let forged = browser
        .http
        .get(app.url("/invitations/accept?token=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(the_emailed_link_opens_a_page_that_signs_the_new_guest_in_to_her_group);

async fn guests_are_marked_wherever_they_appear_and_their_groups_carry_a_banner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let plain = app.group(&admin, "Plain", "private", true).await;
    let guest = app.guest_in(&admin, "gwen", &[&beta]).await;
    let (_, post) = guest
        .post(
            "/api/v1/posts",
            json!({"body": "hello from outside", "group_id": beta}),
        )
        .await;
    assert_eq!(post["author"]["guest_domain"], "customer.example", "{post}");
    let (_, me) = admin.get("/api/v1/me").await;
    assert!(me.get("guest_domain").is_none(), "employees carry no mark");
    let (_, group) = admin.get(&format!("/api/v1/groups/{beta}")).await;
    assert_eq!(group["has_guests"], true);
    assert_eq!(
        admin.get(&format!("/api/v1/groups/{plain}")).await.1["has_guests"],
        false
    );

    let employee = app.browser_sign_in("admin@example.com").await;
    let page = employee.page(&format!("/groups/{beta}")).await;
    assert!(
        page.contains("People outside the company can see this group"),
        "{page}"
    );
    assert!(
        page.contains("Guest · customer.example"),
        "on her post and in the member list"
    );
    assert!(
        !employee
            .page(&format!("/groups/{plain}"))
            .await
            .contains("People outside the company")
    );
    let guest_page = app
        .browser_sign_in("gwen@customer.example")
        .await
        .page(&format!("/groups/{beta}"))
        .await;
    assert!(
        !guest_page.contains("People outside the company"),
        "the banner is for employees"
    );
}

on_both_backends!(guests_are_marked_wherever_they_appear_and_their_groups_carry_a_banner);

/// Moves guest `id`'s expiry to `days` from now (negative: past), as time passing would.
fn expire_in(db: &agora::db::Db, id: &str, days: i64) {
    use agora::db::schema::guests;
    let at = chrono::Utc::now().naive_utc() + chrono::Duration::days(days);
    db.write(|conn| {
        diesel::update(guests::table.find(id.parse::<i64>().unwrap()))
            .set(guests::expires_at.eq(at))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
}

async fn guest_access_is_reminded_extended_by_one_click_and_ends_at_expiry(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let (_, invitation) = invite(&admin, &beta, "fay@customer.example").await;
    assert_eq!(invitation["status"], "pending");
    let token = link_token(&smtp.wait_for(1).await[0]);
    let (_, accepted) = app
        .anonymous()
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "Fay", "password": "a long guest password"}),
        )
        .await;
    let guest = app.client_with_token(accepted["token"].as_str().unwrap());
    let guest_id = accepted["user"]["id"].as_str().unwrap().to_string();
    let db = app.db.open();
    let config = agora::config::Config::load(
        None,
        vec![
            ("AGORA_PUBLIC_URL".into(), "https://agora.test".into()),
            (
                "AGORA_DATA_DIR".into(),
                app.db.dir.path().display().to_string(),
            ),
        ],
    )
    .unwrap();
    let signer = agora::signing::Signer::load_or_generate(None, app.db.dir.path()).unwrap();
    let sweep = || agora::guests::lifecycle::sweep(&db, &config, &signer).unwrap();

    let (_, listed) = admin.get("/api/v1/admin/guests").await;
    assert_eq!(
        listed["items"][0]["sponsor"]["name"], "Ada Admin",
        "{listed}"
    );
    assert_eq!(listed["items"][0]["groups"], json!(["Beta"]));
    assert_eq!(
        guest.get("/api/v1/admin/guests").await.0,
        StatusCode::FORBIDDEN
    );

    expire_in(&db, &guest_id, 10);
    assert_eq!(sweep().reminded, 1);
    assert_eq!(sweep().reminded, 0, "one reminder only");
    let reminder = smtp.wait_for(2).await[1].clone();
    assert!(
        reminder.contains("To: admin@example.com") && reminder.contains("ends in"),
        "{reminder}"
    );
    let text = text_of(&reminder);
    let start = text
        .find("https://agora.test/guests/extend?token=")
        .unwrap();
    let path = text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_start_matches("https://agora.test")
        .to_string();
    let sponsor_browser = app.anonymous();
    let page = sponsor_browser.page(&path).await;
    assert!(
        page.contains("Keep Fay for 90 more days"),
        "a click shows a button; the link alone changes nothing"
    );
    let form = [
        ("token", path.split("token=").nth(1).unwrap().to_string()),
        ("csrf", crate::support::hidden_csrf(&page)),
    ];
    let done = sponsor_browser
        .http
        .post(app.url("/guests/extend"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("keeps access until"));
    let (_, listed) = admin.get("/api/v1/admin/guests").await;
    let until = listed["items"][0]["expires_at"].as_str().unwrap();
    assert!(
        until
            > chrono::Utc::now()
                .naive_utc()
                .checked_add_days(chrono::Days::new(80))
                .unwrap()
                .to_string()
                .as_str(),
        "{until}"
    );

    expire_in(&db, &guest_id, -1);
    assert_eq!(sweep().expired, 1);
    assert_eq!(
        guest.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "her token died with her access"
    );
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "fay@customer.example", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, extended) = admin
        .post(
            &format!("/api/v1/admin/guests/{guest_id}/extend"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "fay@customer.example", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an admin's extension gives access back"
    );
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/guests/{guest_id}/revoke"),
                json!({})
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "fay@customer.example", "password": "a long guest password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_sponsor_link_extends_once_and_never_undoes_an_admin_or_a_departure(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let guest = app.guest_in(&olga, "gus", &[&beta]).await;
    let guest_id = guest.id().await;
    let db = app.db.open();
    let config = agora::config::Config::load(
        None,
        vec![("AGORA_PUBLIC_URL".into(), "https://agora.test".into())],
    )
    .unwrap();
    let signer = agora::signing::Signer::load_or_generate(None, app.db.dir.path()).unwrap();
    let mut mails = 0;
    // Each reminder: the sweep mails the sponsor a fresh link; returns its token.
    let mut remind = async || {
        expire_in(&db, &guest_id, 10);
        assert_eq!(
            agora::guests::lifecycle::sweep(&db, &config, &signer)
                .unwrap()
                .reminded,
            1
        );
        mails += 1;
        let text = text_of(&smtp.wait_for(mails).await[mails - 1]);
        let start = text
            .find("https://agora.test/guests/extend?token=")
            .unwrap();
        text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string()
    };
    let expiry = async || {
        let (_, listed) = admin.get("/api/v1/admin/guests").await;
        (
            listed["items"][0]["expires_at"]
                .as_str()
                .unwrap()
                .to_string(),
            listed["items"][0]["needs_review"].as_bool().unwrap(),
        )
    };
    // Anyone holding the link (no session) may use it, from the page's button, once.
    let click = async |token: &str| {
        let browser = app.anonymous();
        let page = browser
            .request(
                reqwest::Method::GET,
                &format!("/guests/extend?token={token}"),
            )
            .send()
            .await
            .unwrap();
        let shown = page.status();
        let csrf = crate::support::hidden_csrf(&browser.page("/sign-in").await);
        let done = browser
            .http
            .post(app.url("/guests/extend"))
            .form(&[("token", token), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        (shown, done.status())
    };

    let token = remind().await;
    assert_eq!(click(&token).await, (StatusCode::OK, StatusCode::OK));
    let extended = expiry().await;
    assert_eq!(
        click(&token).await,
        (StatusCode::CONFLICT, StatusCode::CONFLICT),
        "a link works once"
    );
    assert_eq!(expiry().await, extended);

    let token = remind().await;
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/guests/{guest_id}/revoke"),
                json!({})
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        click(&token).await,
        (StatusCode::CONFLICT, StatusCode::CONFLICT),
        "a revoked guest stays revoked"
    );
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "gus@customer.example", "password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/guests/{guest_id}/extend"),
                json!({})
            )
            .await
            .0,
        StatusCode::OK
    );
    let token = remind().await;
    let olga_id = olga.id().await;
    assert_eq!(
        admin.delete(&format!("/api/v1/users/{olga_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        click(&token).await,
        (StatusCode::CONFLICT, StatusCode::CONFLICT),
        "a departed sponsor's link is dead"
    );
    assert_eq!(
        agora::guests::lifecycle::sweep(&db, &config, &signer)
            .unwrap()
            .flagged,
        1
    );
    assert_eq!(
        click(&token).await,
        (StatusCode::CONFLICT, StatusCode::CONFLICT)
    );
    assert!(expiry().await.1, "the review flag stays for an admin");
}

async fn a_guest_whose_sponsor_leaves_is_flagged_for_review(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    app.guest_in(&olga, "gus", &[&beta]).await;
    let olga_id = olga.id().await;
    assert_eq!(
        admin.delete(&format!("/api/v1/users/{olga_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let db = app.db.open();
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let signer = agora::signing::Signer::load_or_generate(None, app.db.dir.path()).unwrap();
    assert_eq!(
        agora::guests::lifecycle::sweep(&db, &config, &signer)
            .unwrap()
            .flagged,
        1
    );
    let (_, listed) = admin.get("/api/v1/admin/guests").await;
    assert_eq!(listed["items"][0]["needs_review"], true, "{listed}");
    let page = app
        .browser_sign_in("admin@example.com")
        .await
        .page("/admin/guests")
        .await;
    assert!(
        page.contains("sponsor left: review") && page.contains("Guest · customer.example"),
        "{page}"
    );
}

on_both_backends!(
    guest_access_is_reminded_extended_by_one_click_and_ends_at_expiry,
    a_sponsor_link_extends_once_and_never_undoes_an_admin_or_a_departure,
    a_guest_whose_sponsor_leaves_is_flagged_for_review
);

async fn a_guest_cannot_reach_beyond_her_groups_by_mention_follow_or_settings(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let outsider_id = app.user(&admin, "outsider", "employee").await.id().await;
    let olga_id = olga.id().await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let guest = app.guest_in(&olga, "gia", &[&beta]).await;
    let (_, post) = guest
        .post(
            "/api/v1/posts",
            json!({"body": "thanks @olga and @outsider", "group_id": beta}),
        )
        .await;
    let html = post["html"].as_str().unwrap();
    assert!(html.contains(&format!("/people/{olga_id}")), "{html}");
    assert!(
        !html.contains(&format!("/people/{outsider_id}")) && html.contains("@outsider"),
        "a mention beyond her groups links nowhere: {html}"
    );
    assert_eq!(post["mentions"], json!([olga_id]));
    assert_eq!(
        guest
            .put(&format!("/api/v1/follows/users/{outsider_id}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest
            .post(
                "/api/v1/groups",
                json!({"name": "Mine", "visibility": "public"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        guest
            .post("/api/v1/posts", json!({"body": "to everyone"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        guest
            .post(
                &format!("/api/v1/groups/{beta}/invitations"),
                json!({"email": "x@customer.example"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, people) = guest.get("/api/v1/users?q=out").await;
    assert_eq!(
        people["items"],
        json!([]),
        "mention completion offers only her groups' people"
    );

    let (status, refused) = olga
        .patch(
            &format!("/api/v1/groups/{beta}"),
            json!({"allow_guests": false}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::CONFLICT, Some("group_has_guests"))
    );
    let guest_id = guest.id().await;
    olga.delete(&format!("/api/v1/groups/{beta}/members/{guest_id}"))
        .await;
    assert_eq!(
        olga.patch(
            &format!("/api/v1/groups/{beta}"),
            json!({"allow_guests": false})
        )
        .await
        .0,
        StatusCode::OK
    );
}

on_both_backends!(a_guest_cannot_reach_beyond_her_groups_by_mention_follow_or_settings);

async fn posts_for_employees_only_reach_employees_and_never_a_guest(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let closed = app.group(&admin, "Closed", "private", false).await;
    let guest = app.guest_in(&admin, "gil", &[&beta]).await;
    let (status, hidden) = admin.post("/api/v1/posts", json!({"body": "canarypost pricing for @gil #canarytag", "group_id": beta, "employees_only": true})).await;
    assert_eq!(status, StatusCode::CREATED, "{hidden}");
    assert_eq!(hidden["employees_only"], true);
    let id = hidden["id"].as_str().unwrap();
    let (status, refused) = guest
        .post(
            "/api/v1/posts",
            json!({"body": "x", "group_id": beta, "employees_only": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        admin
            .post(
                "/api/v1/posts",
                json!({"body": "x", "group_id": closed, "employees_only": true})
            )
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only where guests are"
    );
    // An open post after it, which mentions her: once she is told of it, the notifier has
    // passed the hidden one; once an employee finds the hidden one, so has the index.
    admin
        .post(
            "/api/v1/posts",
            json!({"body": "welcome @gil", "group_id": beta}),
        )
        .await;
    search_until(&admin, "canarypost", |items| !items.is_empty()).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while guest.get("/api/v1/notifications").await.1["items"]
        .as_array()
        .map_or(0, Vec::len)
        == 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the notifier never told her of the open post"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (_, staff_feed) = admin.get(&format!("/api/v1/groups/{beta}/feed")).await;
    assert_eq!(
        staff_feed["items"].as_array().unwrap().len(),
        2,
        "{staff_feed}"
    );
    assert_eq!(
        guest.get(&format!("/api/v1/posts/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest.get(&format!("/api/v1/posts/{id}/comments")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest.put(&format!("/api/v1/posts/{id}/like")).await.0,
        StatusCode::NOT_FOUND
    );
    let token = guest.get("/api/v1/me/feed-token").await.1["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        format!("/api/v1/groups/{beta}/feed"),
        "/api/v1/feeds/home".to_string(),
        "/api/v1/search?q=canarypost".to_string(),
        "/api/v1/search?q=pricing".to_string(),
        "/api/v1/search/suggest?q=canar".to_string(),
        "/api/v1/tags/trending".to_string(),
        "/api/v1/notifications".to_string(),
        format!("/groups/{beta}.atom?token={token}"),
        format!("/groups/{beta}"),
    ] {
        let response = guest
            .request(reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("canary") && !body.contains(id),
            "{path}: {body}"
        );
    }
    // The composer's checkbox marks a post the same way.
    let browser = app.browser_sign_in("admin@example.com").await;
    let answer = crate::pages::submit(
        &browser,
        "/posts",
        &[
            ("body", "canaryform notes"),
            ("group_id", &beta),
            ("employees_only", "on"),
            ("back", "/"),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
    let staff_page = browser.page(&format!("/groups/{beta}")).await;
    assert!(
        staff_page.contains("canarypost")
            && staff_page.contains("canaryform")
            && staff_page.contains("Employees only")
    );
    assert!(
        !guest
            .get(&format!("/api/v1/groups/{beta}/feed"))
            .await
            .1
            .to_string()
            .contains("canary")
    );
}

async fn comments_for_employees_only_are_labelled_for_employees_and_absent_for_guests(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let closed = app.group(&admin, "Closed", "private", false).await;
    let guest = app.guest_in(&admin, "gil", &[&beta]).await;
    let (_, post) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "release plan", "group_id": beta}),
        )
        .await;
    let id = post["id"].as_str().unwrap();
    let (status, hidden) = admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "canarystaff margin #canarytag", "employees_only": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hidden}");
    assert_eq!(hidden["employees_only"], true);
    let hidden_id = hidden["id"].as_str().unwrap();
    admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "open reply"}),
        )
        .await;
    let (status, refused) = guest
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "x", "employees_only": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, elsewhere) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "closed", "group_id": closed}),
        )
        .await;
    let elsewhere = elsewhere["id"].as_str().unwrap();
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/posts/{elsewhere}/comments"),
                json!({"body": "x", "employees_only": true})
            )
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only where guests are"
    );

    let (_, mine) = admin.get(&format!("/api/v1/posts/{id}/comments")).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        admin.get(&format!("/api/v1/posts/{id}")).await.1["comment_count"],
        2
    );
    let (_, theirs) = guest.get(&format!("/api/v1/posts/{id}/comments")).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert!(!theirs.to_string().contains("canary"), "{theirs}");
    assert_eq!(
        guest.get(&format!("/api/v1/posts/{id}")).await.1["comment_count"],
        1,
        "her count leaves it out"
    );
    let (_, feed) = guest.get(&format!("/api/v1/groups/{beta}/feed")).await;
    assert_eq!(feed["items"][0]["comment_count"], 1);
    assert_eq!(
        guest
            .get(&format!("/api/v1/comments/{hidden_id}/history"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest
            .put(&format!("/api/v1/comments/{hidden_id}/like"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, trending) = guest.get("/api/v1/tags/trending").await;
    assert!(!trending.to_string().contains("canarytag"), "{trending}");

    let page = app
        .browser_sign_in("gil@customer.example")
        .await
        .page(&format!("/posts/{id}"))
        .await;
    assert!(
        !page.contains("canary") && !page.contains("Employees only"),
        "{page}"
    );
    let staff_page = app
        .browser_sign_in("admin@example.com")
        .await
        .page(&format!("/posts/{id}"))
        .await;
    assert!(staff_page.contains("canarystaff") && staff_page.contains("Employees only"));

    // Search: employees find it by the comment's words; the guest never does.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, found) = admin.get("/api/v1/search?q=canarystaff").await;
        if found["items"].as_array().unwrap().len() == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{found}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, found) = guest.get("/api/v1/search?q=canarystaff").await;
    assert_eq!(found["items"], json!([]));
    let (_, open) = guest.get("/api/v1/search?q=open%20reply").await;
    assert_eq!(
        open["items"].as_array().unwrap().len(),
        1,
        "open comments are searchable for her"
    );
}

on_both_backends!(
    posts_for_employees_only_reach_employees_and_never_a_guest,
    comments_for_employees_only_are_labelled_for_employees_and_absent_for_guests
);

async fn the_group_page_invites_resends_and_cancels(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let browser = app.browser_sign_in("admin@example.com").await;
    let csrf = browser.csrf.clone().unwrap();
    let send = |path: String, extra: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(extra);
        browser.http.post(app.url(&path)).form(&form).send()
    };
    let invited = send(
        format!("/groups/{beta}/invitations"),
        vec![("email", "hal@customer.example".into())],
    )
    .await
    .unwrap();
    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    let (_, pending) = admin
        .get(&format!("/api/v1/groups/{beta}/invitations"))
        .await;
    let id = pending["items"][0]["id"].as_str().unwrap().to_string();
    assert!(
        browser
            .page(&format!("/groups/{beta}"))
            .await
            .contains("hal@customer.example")
    );
    let resent = send(
        format!("/groups/{beta}/invitations/{id}/resend"),
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(resent.status(), StatusCode::SEE_OTHER);
    smtp.wait_for(2).await;
    let odd = send(
        format!("/groups/{beta}/invitations/{id}/explode"),
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(odd.status(), StatusCode::NOT_FOUND);
    let cancelled = send(
        format!("/groups/{beta}/invitations/{id}/cancel"),
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    let (_, pending) = admin
        .get(&format!("/api/v1/groups/{beta}/invitations"))
        .await;
    assert_eq!(pending["items"], json!([]));
}

on_both_backends!(the_group_page_invites_resends_and_cancels);

async fn a_guest_reads_only_a_byline_of_authors_outside_her_groups(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let nina = app.user(&admin, "nina", "employee").await;
    for (client, bio) in [(&olga, "olgabio"), (&nina, "ninabio")] {
        let (status, _) = client.patch("/api/v1/me", json!({"bio": bio, "title": format!("{bio}title"), "department": format!("{bio}dept")})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let square = app.group(&olga, "Square", "public", true).await;
    let guest = app.guest_in(&olga, "gia", &[&square]).await;
    let (_, post) = olga
        .post(
            "/api/v1/posts",
            json!({"body": "hello @nina", "group_id": square}),
        )
        .await;
    let post = post["id"].as_str().unwrap().to_string();
    // Nina never joined: she comments in a public group as any employee may.
    let (status, _) = nina
        .post(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": "and a comment"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let nina_id = nina.id().await;
    assert_eq!(
        guest.get(&format!("/api/v1/users/{nina_id}")).await.0,
        StatusCode::NOT_FOUND
    );

    let (_, comments) = guest.get(&format!("/api/v1/posts/{post}/comments")).await;
    let browser = app.sign_in("gia@customer.example").await;
    let page = browser.page(&format!("/posts/{post}")).await;
    for answer in [comments.to_string(), page] {
        assert!(answer.contains("NINA"), "her name is shown: {answer}");
        assert!(!answer.contains("ninabio"), "not her profile: {answer}");
    }
    let (_, shown) = guest.get(&format!("/api/v1/posts/{post}")).await;
    assert!(
        shown.to_string().contains("olgabio"),
        "a member of her group is shown in full: {shown}"
    );
    // Nor does a mention lead her to a profile she may not open.
    let html = shown["html"].as_str().unwrap();
    assert!(
        html.contains("@nina") && !html.contains(&format!("/people/{nina_id}")),
        "{html}"
    );
    let (_, for_olga) = olga.get(&format!("/api/v1/posts/{post}")).await;
    assert!(
        for_olga["html"]
            .as_str()
            .unwrap()
            .contains(&format!("/people/{nina_id}")),
        "{for_olga}"
    );
    let (_, for_employee) = olga.get(&format!("/api/v1/posts/{post}/comments")).await;
    assert!(
        for_employee.to_string().contains("ninabio"),
        "employees see every profile"
    );
}

on_both_backends!(a_guest_reads_only_a_byline_of_authors_outside_her_groups);
