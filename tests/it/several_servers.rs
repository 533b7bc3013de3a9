//! Several servers on one PostgreSQL database, run as docs/deploy.md runs them: two `agora`
//! processes, each with its own data directory (and so its own search index), one shared
//! signing secret, one SMTP server. What one is told, the other's readers hear and find within
//! a second; work done by the workers (notifications, mail) happens once; ids never collide;
//! and a process killed mid-write loses nothing it acknowledged.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::json;

use crate::process::Process;
use crate::smtp::{Mood, SmtpServer};
use crate::stream::{Stream, about_post};
use crate::support::{Backend, Client, TestDb, postgres_configured};

/// What the deployment guide promises for a post written through one process.
const PROMISED: Duration = Duration::from_secs(1);

/// Starts an `agora` process on `db`, as docs/deploy.md sets one up, with its data in `dir`.
async fn server(db: &TestDb, smtp: &SmtpServer, dir: &tempfile::TempDir) -> Process {
    let smtp_url = smtp.url();
    let settings = [
        (
            "AGORA_AUTH__SECRET",
            "one secret for every process, 32+ chars",
        ),
        ("AGORA_SMTP_URL", smtp_url.as_str()),
    ];
    Process::start(&db.url, dir.path(), &settings).await
}

#[derive(QueryableByName)]
struct Lease {
    #[diesel(sql_type = Integer)]
    node: i32,
    #[diesel(sql_type = Text)]
    holder: String,
}

/// The node bits of an id.
fn node_of(id: &str) -> i32 {
    ((id.parse::<u64>().unwrap() >> 12) & 0x3ff) as i32
}

/// Writes posts through `client` until it fails; the ids it acknowledged.
async fn post_until_refused(client: Client) -> Vec<String> {
    let mut acknowledged = Vec::new();
    for n in 0.. {
        let request = client
            .request(reqwest::Method::POST, "/api/v1/posts")
            .json(&json!({"body": format!("Write {n}")}))
            .timeout(Duration::from_secs(5));
        let Ok(response) = request.send().await else {
            break;
        };
        if response.status() != StatusCode::CREATED {
            break;
        }
        let Ok(body) = response.json::<serde_json::Value>().await else {
            break;
        };
        acknowledged.push(body["id"].as_str().unwrap().to_string());
    }
    acknowledged
}

#[actix_web::test]
async fn two_processes_on_one_database_serve_as_one() {
    agora::init_tls();
    if !postgres_configured() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    // Started at once on a new database: they take turns migrating it.
    let (mut one, two) = tokio::join!(server(&db, &smtp, &dirs[0]), server(&db, &smtp, &dirs[1]));

    let admin_one = one.admin().await;
    let admin_two = two.as_(&admin_one);
    let bob_two = two.employee(&admin_two, "bob").await;
    let bob_one = one.as_(&bob_two);

    // Each process leased a node of its own, and made its ids with it.
    let leases: Vec<Lease> = db
        .open()
        .read(|conn| {
            Ok(
                diesel::sql_query("SELECT node, holder FROM node_leases ORDER BY node")
                    .load(conn)?,
            )
        })
        .unwrap();
    let nodes: BTreeSet<i32> = leases.iter().map(|l| l.node).collect();
    assert_eq!(
        nodes.len(),
        2,
        "{:?}",
        leases.iter().map(|l| &l.holder).collect::<Vec<_>>()
    );

    // Written through one, heard on the other's live stream and found in its index in time.
    let mut stream = Stream::open(&bob_two, None).await;
    let started = Instant::now();
    let post = admin_one
        .created(
            "/api/v1/posts",
            json!({"body": "Crossing over between servers"}),
        )
        .await;
    stream.events_until(about_post(&post)).await;
    let heard = started.elapsed();
    bob_two
        .eventually("/api/v1/search?q=crossing&type=posts", |found| {
            found["items"][0]["id"] == post.as_str()
        })
        .await;
    let found = started.elapsed();
    assert!(
        heard < PROMISED && found < PROMISED,
        "heard after {heard:?}, found after {found:?}"
    );

    // Ids drawn at once in both processes never collide, and carry each process's node.
    let writes = |client: Client| async move {
        let mut ids = Vec::new();
        for n in 0..40 {
            ids.push(
                client
                    .created("/api/v1/posts", json!({"body": format!("Burst {n}")}))
                    .await,
            );
        }
        ids
    };
    let (from_one, from_two) = tokio::join!(writes(admin_one.clone()), writes(bob_two.clone()));
    let node_one: BTreeSet<i32> = from_one.iter().map(|id| node_of(id)).collect();
    let node_two: BTreeSet<i32> = from_two.iter().map(|id| node_of(id)).collect();
    assert_eq!(node_one.len(), 1);
    assert_eq!(node_two.len(), 1);
    assert_ne!(node_one, node_two);
    assert!(node_one.is_subset(&nodes) && node_two.is_subset(&nodes));

    // A comment through one process notifies once, an invitation through the other mails once,
    // and digests asked of both at once go out once, though both run every worker.
    bob_one
        .created(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": "Heard you on the other side"}),
        )
        .await;
    let (_, group) = admin_two
        .post(
            "/api/v1/groups",
            json!({"name": "Customers", "visibility": "private", "allow_guests": true}),
        )
        .await;
    let group = group["id"].as_str().unwrap().to_string();
    let (status, body) = admin_two
        .post(
            &format!("/api/v1/groups/{group}/invitations"),
            json!({"email": "guest@customer.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, me) = bob_two
        .patch("/api/v1/me", json!({"digest": "daily"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let admin_id = admin_one.id().await;
    let (status, _) = bob_two
        .put(&format!("/api/v1/follows/users/{admin_id}"))
        .await;
    assert!(status.is_success());
    let run = |admin: Client| async move {
        let (status, report) = admin
            .post("/api/v1/admin/digests/run", json!({"period": "daily"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        report["sent"].as_i64().unwrap()
    };
    let (sent_one, sent_two) = tokio::join!(run(admin_one.clone()), run(admin_two.clone()));
    assert_eq!(sent_one + sent_two, 1, "bob's digest, once");
    smtp.wait_for(2).await;
    for server in [&one, &two] {
        server.settled("notifier").await;
        server.settled("mail_sender").await;
    }
    let invitations = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("To: guest@customer.example"))
        .count();
    let to_bob = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("To: bob@example.com"))
        .count();
    assert_eq!((invitations, to_bob), (1, 1), "{:?}", smtp.messages());
    let (_, notes) = admin_one.get("/api/v1/notifications").await;
    let comments = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "comment")
        .count();
    assert_eq!(comments, 1, "{notes}");

    // One process killed while writing: everything it acknowledged is there on the other.
    let writer = tokio::spawn(post_until_refused(admin_one.clone()));
    tokio::time::sleep(Duration::from_millis(700)).await;
    one.kill();
    let acknowledged = writer.await.unwrap();
    assert!(
        !acknowledged.is_empty(),
        "nothing was written before the kill"
    );
    for id in &acknowledged {
        let (status, body) = admin_two.get(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged post {id} lost: {body}"
        );
    }

    // A process started again takes a node no live lease holds: the dead one's is still held.
    let again = server(&db, &smtp, &dirs[2]).await;
    let id = again
        .as_(&admin_one)
        .created("/api/v1/posts", json!({"body": "Back again"}))
        .await;
    assert!(
        !nodes.contains(&node_of(&id)),
        "node {} reused",
        node_of(&id)
    );
}
