//! The fault suite: crashes lose nothing. The server (the real binary) is killed with SIGKILL
//! every 2–6 s while clients write posts, comments, likes and invitations at once, and started
//! again on the same database and data directory. After every restart each write it
//! acknowledged is there; at the end every invitation was mailed (a repeat only for the one
//! delivery a kill interrupted, as the same message) and the search index equals the database
//! (`agora search check`).
//!
//! The SMTP server down through a long outage (time compressed): mail waits, then goes out
//! once. A full disk on SQLite: writes refused clearly, reads go on, recovery when space
//! returns.
//!
//! And PostgreSQL stopped as by a crash under writes: requests fail fast with 503 while it is
//! down, the server recovers by itself when it is back, and no acknowledged post is lost.
//!
//! `AGORA_FAULT_CYCLES` sets the number of kills per backend: 20 by default (CI), more by hand
//! (`AGORA_FAULT_CYCLES=200 cargo test --test it faults`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::private_postgres::{PrivatePostgres, server_programs};
use crate::process::Process;
use crate::smtp::{Mood, SmtpServer};
use crate::support::{Backend, Client, TestApp, TestDb, postgres_configured};

fn cycles() -> usize {
    std::env::var("AGORA_FAULT_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}

/// What the server acknowledged before it died.
#[derive(Debug, Default)]
struct Acknowledged {
    posts: Vec<String>,
    /// Comment ids under the cycle's thread.
    comments: Vec<String>,
    /// Posts the liker liked.
    likes: Vec<String>,
    invitations: Vec<String>,
}

/// POSTs or PUTs every `pace` until the server stops answering; the answers it gave with
/// `expected`. A steady stream, not a flood: the point is where the kill lands.
async fn write_until_refused(
    client: Client,
    method: reqwest::Method,
    paths_and_bodies: impl Fn(usize) -> (String, Value),
    expected: StatusCode,
    pace: Duration,
) -> Vec<Value> {
    let mut acknowledged = Vec::new();
    for n in 0.. {
        let (path, body) = paths_and_bodies(n);
        let request = client
            .request(method.clone(), &path)
            .json(&body)
            .timeout(Duration::from_secs(10));
        let Ok(response) = request.send().await else {
            break;
        };
        if response.status() != expected {
            break;
        }
        let Ok(answer) = response.json::<Value>().await else {
            break;
        };
        acknowledged.push(answer);
        tokio::time::sleep(pace).await;
    }
    acknowledged
}

fn ids(answers: &[Value]) -> Vec<String> {
    answers
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every item of a paged list, following `next_cursor`.
async fn all_ids(client: &Client, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match &cursor {
            Some(c) => format!("{path}?limit=100&cursor={c}"),
            None => format!("{path}?limit=100"),
        };
        let (status, body) = client.get(&page).await;
        assert_eq!(status, StatusCode::OK, "{page}: {body}");
        found.extend(ids(body["items"].as_array().unwrap()));
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return found,
        }
    }
}

async fn a_server_killed_again_and_again_under_writes_loses_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let data = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let smtp_url = smtp.url();
    let settings = [("AGORA_SMTP_URL", smtp_url.as_str())];
    let start = || Process::start(&db.url, data.path(), &settings);
    let mut server = start().await;

    let admin = server.admin().await;
    let alice = server.employee(&admin, "alice").await;
    let bob = server.employee(&admin, "bob").await;
    let group = admin
        .created(
            "/api/v1/groups",
            json!({"name": "Customers", "visibility": "private", "allow_guests": true}),
        )
        .await;

    let mut random = rand::rngs::StdRng::seed_from_u64(0x00fa_0175);
    let mut all = Acknowledged::default();
    for cycle in 0..cycles() {
        let thread = server
            .as_(&admin)
            .created("/api/v1/posts", json!({"body": format!("Thread {cycle}")}))
            .await;
        let posts = write_until_refused(
            server.as_(&alice),
            reqwest::Method::POST,
            move |n| {
                (
                    "/api/v1/posts".into(),
                    json!({"body": format!("Post {cycle}.{n} #faults")}),
                )
            },
            StatusCode::CREATED,
            Duration::from_millis(5),
        );
        let comments = {
            let thread = thread.clone();
            write_until_refused(
                server.as_(&bob),
                reqwest::Method::POST,
                move |n| {
                    let path = format!("/api/v1/posts/{thread}/comments");
                    (path, json!({"body": format!("Comment {cycle}.{n}")}))
                },
                StatusCode::CREATED,
                Duration::from_millis(5),
            )
        };
        // Bob likes the posts acknowledged before this cycle, one after another.
        let likeable = all.posts.clone();
        let likes = write_until_refused(
            server.as_(&bob),
            reqwest::Method::PUT,
            move |n| {
                let post = &likeable[n % likeable.len().max(1)];
                (format!("/api/v1/posts/{post}/like"), json!({}))
            },
            StatusCode::OK,
            Duration::from_millis(5),
        );
        // Fewer invitations: each is a mail the SMTP server must take before the end.
        let invitations = {
            let path = format!("/api/v1/groups/{group}/invitations");
            write_until_refused(
                server.as_(&admin),
                reqwest::Method::POST,
                move |n| {
                    let email = format!("guest-{cycle}-{n}@customer.example");
                    (path.clone(), json!({"email": email}))
                },
                StatusCode::CREATED,
                Duration::from_millis(100),
            )
        };
        let writes = async move {
            tokio::join!(
                posts,
                comments,
                async { if cycle == 0 { Vec::new() } else { likes.await } },
                invitations
            )
        };
        let kill_after = Duration::from_millis(random.gen_range(2000..6000));
        let writes = tokio::spawn(writes);
        tokio::time::sleep(kill_after).await;
        server.kill();
        let (posts, comments, likes, invitations) = writes.await.unwrap();
        let this = Acknowledged {
            posts: ids(&posts),
            comments: ids(&comments),
            likes: ids(&likes),
            invitations: invitations
                .iter()
                .map(|i| i["email"].as_str().unwrap().to_string())
                .collect(),
        };
        assert!(
            !this.posts.is_empty() && !this.comments.is_empty(),
            "cycle {cycle} wrote nothing before the kill: {}",
            server.log()
        );

        server = start().await;
        let (checker, liker) = (server.as_(&admin), server.as_(&bob));
        for post in &this.posts {
            let (status, body) = checker.get(&format!("/api/v1/posts/{post}")).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "cycle {cycle}: post {post} lost: {body}"
            );
        }
        let present = all_ids(&checker, &format!("/api/v1/posts/{thread}/comments")).await;
        let lost: Vec<&String> = this
            .comments
            .iter()
            .filter(|c| !present.contains(c))
            .collect();
        assert!(lost.is_empty(), "cycle {cycle}: comments lost: {lost:?}");
        for post in &this.likes {
            let (_, body) = liker.get(&format!("/api/v1/posts/{post}")).await;
            assert_eq!(
                body["liked_by_me"], true,
                "cycle {cycle}: like lost on {post}"
            );
        }
        all.posts.extend(this.posts);
        all.comments.extend(this.comments);
        all.likes.extend(this.likes);
        all.invitations.extend(this.invitations);
    }

    // Every invitation acknowledged is mailed. A delivery can repeat only when the kill fell
    // between the SMTP server's acceptance and the outbox's record of it (no protocol closes
    // that gap): so at most one repeat per kill, and a repeat is the same message, with the
    // same Message-ID, which mail clients show once.
    smtp.wait_for_within(all.invitations.len(), Duration::from_secs(60))
        .await;
    server.settled("mail_sender").await;
    let header = |message: &str, name: &str| {
        message
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_default()
            .to_string()
    };
    let mut mailed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in smtp.messages() {
        let to = header(&message, "To: ");
        mailed
            .entry(to)
            .or_default()
            .push(header(&message, "Message-ID: "));
    }
    let unmailed: Vec<_> = all
        .invitations
        .iter()
        .filter(|e| !mailed.contains_key(*e))
        .collect();
    assert!(unmailed.is_empty(), "never mailed: {unmailed:?}");
    let repeated: Vec<_> = mailed.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(
        repeated.len() <= cycles()
            && repeated
                .iter()
                .all(|(_, ids)| ids.len() == 2 && ids[0] == ids[1]),
        "more repeats than kills, or a second message: {repeated:?}"
    );

    // The index caught up with the log after the last restart equals the database.
    let lag = "agora_worker_lag_events{worker=\"search_indexer\"}";
    server.settled("search_indexer").await;
    while server.metric(lag).await != Some(0) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["search", "check"])
        .env("AGORA_DATABASE_URL", &db.url)
        .env("AGORA_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

on_both_backends!(a_server_killed_again_and_again_under_writes_loses_nothing);

/// Posts through `client` until `stop` turns true, whatever the answers; the ids acknowledged
/// and how many writes were refused.
async fn post_through_an_outage(
    client: Client,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<String>, usize) {
    let (mut acknowledged, mut refused) = (Vec::new(), 0);
    for n in 0.. {
        if *stop.borrow() {
            break;
        }
        let request = client
            .request(reqwest::Method::POST, "/api/v1/posts")
            .json(&json!({"body": format!("Through the outage {n}")}));
        match request.send().await {
            Ok(response) if response.status() == StatusCode::CREATED => {
                let body: Value = response.json().await.unwrap();
                acknowledged.push(body["id"].as_str().unwrap().to_string());
            }
            _ => refused += 1,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (acknowledged, refused)
}

#[actix_web::test]
async fn while_postgresql_is_down_requests_fail_fast_and_the_server_recovers_by_itself() {
    agora::init_tls();
    let Some(bin) = server_programs().filter(|_| postgres_configured()) else {
        return;
    };
    let postgres = PrivatePostgres::start(bin, None);
    let url = postgres.url("127.0.0.1", "connect_timeout=2");
    let app = TestApp::start_on(TestDb::at(&url), &[]).await;
    let admin = app.admin().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let writer = tokio::spawn(post_through_an_outage(admin.clone(), stopped));
    tokio::time::sleep(Duration::from_millis(500)).await;

    postgres.crash();
    // The first request may wait out the pool's timeout finding every connection dead; from
    // then on the outage is known and each answer is a quick 503.
    admin
        .eventually_status("/api/v1/feeds/home", StatusCode::SERVICE_UNAVAILABLE)
        .await;
    for _ in 0..5 {
        let asked = Instant::now();
        let (status, body) = admin.get("/api/v1/feeds/home").await;
        let waited = asked.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["code"], "unavailable", "{body}");
        assert!(waited < Duration::from_secs(1), "a 503 took {waited:?}");
    }

    postgres.start_again();
    admin.eventually("/api/v1/feeds/home", |_| true).await;
    let after = admin
        .created("/api/v1/posts", json!({"body": "The database is back"}))
        .await;
    stop.send(true).unwrap();
    let (acknowledged, refused) = writer.await.unwrap();
    assert!(refused > 0, "no write met the outage");
    for id in acknowledged.iter().chain([&after]) {
        let (status, body) = admin.get(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged post {id} lost: {body}"
        );
    }
}

/// A tmpfs of `megabytes` mounted on a new directory (so a disk can really fill up); `None`
/// where mounting is not allowed (not root).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        mounted.then_some(SmallDisk { dir })
    }

    /// Gives the disk room again, as an operator freeing space would.
    fn grow(&self, megabytes: u32) {
        let out = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={megabytes}m")])
            .arg(self.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .args(["-l"])
            .arg(self.dir.path())
            .output();
    }
}

#[actix_web::test]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_and_recovers_when_space_returns() {
    agora::init_tls();
    let Some(disk) = SmallDisk::mount(6) else {
        assert!(
            std::env::var("CI").is_err(),
            "the disk-full test needs to mount a tmpfs (root) under CI"
        );
        eprintln!("disk-full test skipped: mounting a tmpfs is not allowed here");
        return;
    };
    let data = disk.dir.path().join("data");
    let url = format!("sqlite://{}", data.join("agora.db").display());
    let mut server = Process::start(&url, &data, &[]).await;
    let admin = server.admin().await;

    // Write until the disk is full: each refusal is a clear 503, and reads go on.
    let filler = "All work and no play makes a full disk. ".repeat(200);
    let mut acknowledged = Vec::new();
    let refusal = loop {
        let (status, body) = admin.post("/api/v1/posts", json!({"body": filler})).await;
        match status {
            StatusCode::CREATED => acknowledged.push(body["id"].as_str().unwrap().to_string()),
            _ => break (status, body),
        }
        assert!(acknowledged.len() < 5_000, "the disk never filled");
    };
    assert_eq!(
        (refusal.0, refusal.1["detail"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("the server's disk is full; try again later")
        ),
        "{}",
        refusal.1
    );
    // On a connection of its own: the server may close the writer's kept-alive one after the
    // refusal, and a reused connection then fails in the client, which is not the question.
    let reader = Client::at(&admin.base, admin.token.as_deref());
    let read = || {
        reader
            .request(reqwest::Method::GET, "/api/v1/feeds/home")
            .send()
    };
    // Asked twice at most: under the whole suite, a fresh connection has three times been
    // closed unanswered here (never when run alone; cause not found yet, see the log printed
    // below when it happens twice). A dead server fails both.
    let read = match read().await {
        Ok(response) => Ok(response),
        Err(_) => read().await,
    };
    let status = read.map(|r| r.status()).unwrap_or_else(|error| {
        panic!(
            "no answer to a read: {error}; the server's log:\n{}",
            server.log()
        )
    });
    assert_eq!(status, StatusCode::OK, "reads stop on a full disk");

    // Room again: writes go through without a restart.
    disk.grow(64);
    admin
        .eventually_created("/api/v1/posts", json!({"body": "Room again"}))
        .await;

    // Killed and started again: the database is whole and holds every acknowledged post.
    server.kill();
    server = Process::start(&url, &data, &[]).await;
    let admin = server.as_(&admin);
    for id in &acknowledged {
        let (status, body) = admin.get(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged post {id} lost: {body}"
        );
    }
    server.kill();
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let db = agora::db::Db::connect(&url, &config.database).unwrap();
    let check: Vec<IntegrityCheck> = db
        .read(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query("PRAGMA integrity_check").load(conn)?)
        })
        .unwrap();
    let verdicts: Vec<&str> = check.iter().map(|c| c.integrity_check.as_str()).collect();
    assert_eq!(verdicts, ["ok"]);
}

/// A server whose log cannot be written (its disk full: here `/dev/full`, where every write
/// fails) drops the lines and goes on serving; it used to panic in whatever was logging, which
/// dropped requests without an answer.
#[actix_web::test]
async fn a_log_that_cannot_be_written_stops_nothing() {
    agora::init_tls();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}", data.join("agora.db").display());
    let server =
        Process::start_logging_to(&url, &data, &[], std::path::Path::new("/dev/full")).await;
    let admin = server.admin().await;
    for n in 0..5 {
        let (status, body) = admin
            .post("/api/v1/posts", json!({"body": format!("Unlogged {n}")}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = admin.get("/api/v1/feeds/home").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["items"].as_array().map(Vec::len), Some(n + 1));
    }
}

#[derive(diesel::QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

async fn mail_waits_out_a_long_smtp_outage_and_goes_out_once_when_it_ends(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Down).await;
    let smtp_url = smtp.url();
    let app = TestApp::start_with(backend, &[("AGORA_SMTP_URL", smtp_url.as_str())]).await;
    let admin = app.admin().await;
    let group = app.group(&admin, "Customers", "private", true).await;
    let addresses: Vec<String> = (0..10)
        .map(|n| format!("patient-{n}@customer.example"))
        .collect();
    for email in &addresses {
        admin
            .created(
                &format!("/api/v1/groups/{group}/invitations"),
                json!({"email": email}),
            )
            .await;
    }
    // The outage, with time compressed: each round makes every waiting mail due at once (as
    // hours of doubling waits would) and lets the sender fail at it again. Twelve rounds stand
    // for the waits of the first hour and more (1 s, 2 s, … 34 min).
    let db = app.db.open();
    let make_due = || {
        db.write(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00' \
                 WHERE kind = 'mail' AND sent_at IS NULL AND dead_at IS NULL",
            )
            .execute(conn)?;
            Ok(())
        })
        .unwrap()
    };
    for _ in 0..12 {
        make_due();
        app.worker_settled("mail_sender").await;
    }
    assert!(smtp.messages().is_empty(), "sent through an outage");
    let (_, waiting) = admin.get("/api/v1/admin/mail?state=queued").await;
    let attempts: Vec<i64> = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["attempts"].as_i64().unwrap())
        .collect();
    assert!(
        attempts.len() == addresses.len() && attempts.iter().all(|&a| a >= 12),
        "every mail waits, tried at each round: {waiting}"
    );

    // The server is back: each mail goes out once.
    smtp.set(Mood::Accepting);
    make_due();
    smtp.wait_for(addresses.len()).await;
    app.worker_settled("mail_sender").await;
    let mut recipients: Vec<String> = smtp
        .messages()
        .iter()
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("To: "))
                .map(str::to_string)
        })
        .collect();
    recipients.sort();
    assert_eq!(recipients, addresses);
}

on_both_backends!(mail_waits_out_a_long_smtp_outage_and_goes_out_once_when_it_ends);
