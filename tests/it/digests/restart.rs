//! A digest run killed midway (SIGKILL, no goodbye) and run again after a restart sends each
//! user exactly one digest: the real `agora` binary, the real SMTP listener, both databases.

use agora::audit::Origin;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agora::access::Scope;
use agora::accounts::UserKind;
use agora::accounts::actions::{NewAccount, Registration, register};
use agora::config::Config;
use agora::db::Db;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use super::mails_to;
use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer};
use crate::support::{Backend, PASSWORD, TestDb};

const READERS: usize = 20;

/// An admin, a public group with two of her posts, and `READERS` members (weekly digest, the
/// default), built through the same actions as production.
fn fill(db: &Db) {
    let config = Config::load(None, Vec::new()).unwrap();
    let account = |n: String, kind| NewAccount {
        email: format!("{n}@example.com"),
        name: n,
        password: PASSWORD.into(),
        kind,
    };
    let admin = register(
        db,
        &config.auth,
        account("boss".into(), UserKind::Admin),
        Registration::FirstAdmin,
        &Origin::default(),
    )
    .unwrap();
    let viewer = admin.viewer();
    let group = db
        .write(|conn| {
            let scope = Scope::resolve(conn, &viewer)?;
            let input = agora::groups::actions::NewGroup {
                name: "Everyone".into(),
                description: String::new(),
                visibility: agora::groups::Visibility::Public,
                allow_guests: false,
                broadcast: false,
                members_comment: true,
            };
            let group = agora::groups::actions::create_group(conn, &scope, &input)?;
            let scope = Scope::resolve(conn, &viewer)?;
            for body in ["Quarterly results are in", "The new office opens Monday"] {
                let input = agora::posts::actions::NewPost {
                    body: body.into(),
                    group_id: Some(group.id.to_string()),
                    quiet: false,
                    employees_only: false,
                    question: false,
                    poll: None,
                    announcement: None,
                    attachments: Vec::new(),
                    shared_post_id: None,
                };
                agora::posts::actions::create_post(conn, &scope, &Default::default(), &input)?;
            }
            Ok(group.id)
        })
        .unwrap();
    for n in 0..READERS {
        let reader = register(
            db,
            &config.auth,
            account(format!("reader{n}"), UserKind::Employee),
            Registration::ByAdmin(&viewer),
            &Origin::default(),
        )
        .unwrap();
        db.write(|conn| {
            let scope = Scope::resolve(conn, &viewer)?;
            agora::groups::actions::add_member(
                conn,
                &scope,
                group,
                reader.id,
                agora::groups::Role::Member,
                &Origin::default(),
            )
        })
        .unwrap();
    }
}

/// Digests recorded with an email (the admin's, with nothing new for her, has none).
fn digests_mailed(db: &Db) -> i64 {
    use agora::db::schema::digests;
    db.read(|conn| {
        Ok(digests::table
            .filter(digests::mail_id.is_not_null())
            .count()
            .get_result::<i64>(conn)?)
    })
    .unwrap()
}

fn unsent_mail(db: &Db) -> i64 {
    use agora::db::schema::outbox;
    db.read(|conn| {
        Ok(outbox::table
            .filter(outbox::sent_at.is_null())
            .count()
            .get_result::<i64>(conn)?)
    })
    .unwrap()
}

/// A running `agora serve`, killed (SIGKILL) when dropped, so a failing test leaves no
/// process behind.
struct Agora {
    child: Child,
    base: String,
}

impl Agora {
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agora {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `agora serve` on `test_db`, one batch per user with a pause, so a run is slow enough to be
/// killed in the middle; returns once it is ready.
async fn serve(test_db: &TestDb, smtp: &SmtpServer) -> Agora {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_agora"))
        .arg("serve")
        .env("AGORA_LISTEN", format!("127.0.0.1:{port}"))
        .env("AGORA_DATA_DIR", test_db.dir.path())
        .env("AGORA_DATABASE_URL", &test_db.url)
        .env("AGORA_SMTP_URL", smtp.url())
        .env("AGORA_PUBLIC_URL", "https://agora.test")
        .env("AGORA_DIGESTS__SCHEDULER", "false")
        .env("AGORA_DIGESTS__BATCH_SIZE", "1")
        .env("AGORA_DIGESTS__PAUSE_MS", "100")
        .env("AGORA_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let agora = Agora {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{}/readyz", agora.base)).await
            && r.status() == StatusCode::OK
        {
            return agora;
        }
        assert!(Instant::now() < deadline, "agora did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn admin_token(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": "boss@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

fn run_weekly(base: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/admin/digests/run"))
        .bearer_auth(token)
        .json(&json!({"period": "weekly"}))
}

async fn a_run_killed_midway_sends_each_digest_exactly_once_after_restart(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    fill(&db);
    // Down until the restart, so whatever the first process queued is delivered by the second.
    let smtp = SmtpServer::start(Mood::Down).await;

    let mut first = serve(&test_db, &smtp).await;
    let token = admin_token(&first.base).await;
    let running = tokio::spawn(run_weekly(&first.base, &token).send());
    let deadline = Instant::now() + Duration::from_secs(30);
    while digests_mailed(&db) < 3 {
        assert!(Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    assert!(
        running.await.unwrap().is_err(),
        "the run died with the process"
    );
    let before = digests_mailed(&db);
    assert!(
        (3..READERS as i64).contains(&before),
        "killed midway: {before} of {READERS}"
    );
    assert_eq!(
        unsent_mail(&db),
        before,
        "every recorded digest has its email queued, no more"
    );

    smtp.set(Mood::Accepting);
    let mut second = serve(&test_db, &smtp).await;
    let base = second.base.clone();
    let token = admin_token(&base).await;
    let report: serde_json::Value = run_weekly(&base, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        report["sent"].as_i64().unwrap(),
        READERS as i64 - before,
        "{report}"
    );
    let again: serde_json::Value = run_weekly(&base, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["sent"], 0, "{again}");

    smtp.wait_for(READERS).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while unsent_mail(&db) > 0 {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill();
    for n in 0..READERS {
        let email = format!("reader{n}@example.com");
        assert_eq!(mails_to(&smtp, &email).len(), 1, "{email}");
    }
    assert!(
        mails_to(&smtp, "boss@example.com").is_empty(),
        "her own posts only"
    );
    assert_eq!(smtp.messages().len(), READERS);
}

on_both_backends!(a_run_killed_midway_sends_each_digest_exactly_once_after_restart);
