//! Moving a whole network: `agora export` from a running server, `agora import` into an empty
//! database of the other backend and back again, with the same answers to the same questions
//! from every reader; and archives that are damaged, truncated, newer or not ours, or a target
//! that is not empty, stopped with a clear message and the target left as it was.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use agora::config::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp, TestDb};

/// Absolute links in answers name this, whichever server gives them.
const PUBLIC_URL: &str = "https://agora.example";

/// The configuration of a server on `db`, as the command line reads it.
pub(crate) fn config_for(db: &TestDb) -> Config {
    let vars = [
        ("AGORA_DATA_DIR", db.dir.path().display().to_string()),
        ("AGORA_DATABASE_URL", db.url.clone()),
        ("AGORA_PUBLIC_URL", PUBLIC_URL.to_string()),
    ];
    Config::load(None, vars.map(|(k, v)| (k.to_string(), v))).unwrap()
}

pub(crate) async fn start(db: TestDb) -> TestApp {
    TestApp::start_on(db, &[("AGORA_PUBLIC_URL", PUBLIC_URL)]).await
}

async fn export(db: &TestDb, out: &Path) -> agora::portability::Exported {
    let (config, out) = (config_for(db), out.to_path_buf());
    tokio::task::spawn_blocking(move || agora::portability::export(&config, &out, &mut |_| {}))
        .await
        .unwrap()
        .unwrap()
}

async fn import(db: &TestDb, archive: &Path) -> Result<agora::portability::Imported, String> {
    let (config, archive) = (config_for(db), archive.to_path_buf());
    tokio::task::spawn_blocking(move || agora::portability::import(&config, &archive, &mut |_| {}))
        .await
        .unwrap()
}

/// Who asks what: a bearer token and a path.
pub(crate) type Questions = Vec<(String, String)>;

/// A small company with a bit of everything, and the questions that read it back.
pub(crate) async fn fill(app: &TestApp) -> Questions {
    let admin = app.admin().await;
    let alice = app.user(&admin, "alice", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let launch = app.group(&alice, "Launch", "private", true).await;
    let (status, body) = alice
        .post(
            &format!("/api/v1/groups/{launch}/members"),
            json!({"user_id": bob.id().await}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gil = app.guest_in(&alice, "gil", &[&launch]).await;

    let photo = image_bytes();
    let (status, file) = alice.upload("rocket.png", "image/png", photo).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let plan = alice
        .created(
            "/api/v1/posts",
            json!({"body": "Launch plan for #rocket, @bob please review",
                   "group_id": launch, "attachments": [{"id": file["id"]}]}),
        )
        .await;
    let poll = bob
        .created(
            "/api/v1/posts",
            json!({"body": "Launch party: pizza or tacos?", "poll": {"options": ["Pizza", "Tacos"]}}),
        )
        .await;
    let (status, polled) = bob.get(&format!("/api/v1/posts/{poll}")).await;
    assert_eq!(status, StatusCode::OK);
    let option = polled["poll"]["options"][1]["id"].clone();
    let (status, body) = alice
        .send(
            alice
                .request(reqwest::Method::PUT, &format!("/api/v1/posts/{poll}/vote"))
                .json(&json!({"option_ids": [option]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let quarterly = bob
        .created("/api/v1/posts", json!({"body": "Quarterly numbers are in"}))
        .await;
    for (who, post, text) in [
        (&gil, &plan, "Looks good from the customer side"),
        (&bob, &plan, "Reviewed, ship it"),
        (&alice, &quarterly, "Great quarter"),
    ] {
        who.created(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": text}),
        )
        .await;
    }
    for (who, post) in [(&bob, &plan), (&gil, &plan), (&alice, &quarterly)] {
        let (status, _) = who.put(&format!("/api/v1/posts/{post}/like")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = alice.put("/api/v1/follows/tags/rocket").await;
    assert!(status.is_success());
    let (status, _) = alice.put(&format!("/api/v1/posts/{quarterly}/saved")).await;
    assert!(status.is_success());

    // What the workers make of it (notifications, the search index) is part of the network.
    bob.eventually("/api/v1/notifications", |v| {
        v["items"].as_array().is_some_and(|n| n.len() >= 3)
    })
    .await;
    alice
        .eventually("/api/v1/search?q=quarterly&type=posts", |v| {
            v["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
    app.worker_settled("notifier").await;
    app.worker_settled("search_indexer").await;

    let (_, plan_view) = alice.get(&format!("/api/v1/posts/{plan}")).await;
    let attachment = &plan_view["attachments"][0];
    let mut questions = Questions::new();
    let mut ask = |who: &Client, paths: &[String]| {
        let token = who.token.clone().unwrap();
        questions.extend(paths.iter().map(|p| (token.clone(), p.clone())));
    };
    let common = |extra: &[String]| {
        let mut paths: Vec<String> = [
            "/api/v1/me",
            "/api/v1/feeds/home",
            "/api/v1/notifications",
            "/api/v1/search?q=launch",
            "/api/v1/search?q=quarterly&type=posts",
            "/api/v1/search/suggest?q=la",
            "/api/v1/groups",
            "/api/v1/tags/rocket/feed",
        ]
        .map(String::from)
        .to_vec();
        paths.extend_from_slice(extra);
        paths
    };
    let employee_only = [
        "/api/v1/feeds/company".to_string(),
        format!("/api/v1/posts/{quarterly}"),
        format!("/api/v1/posts/{poll}"),
        "/api/v1/users?q=".to_string(),
    ];
    let in_launch = [
        format!("/api/v1/posts/{plan}"),
        format!("/api/v1/posts/{plan}/comments"),
        format!("/api/v1/groups/{launch}/feed"),
        attachment["url"].as_str().unwrap().to_string(),
        attachment["thumb_url"].as_str().unwrap().to_string(),
    ];
    ask(
        &alice,
        &common(
            &[
                &employee_only[..],
                &in_launch[..],
                &["/api/v1/saved".into()],
            ]
            .concat(),
        ),
    );
    ask(
        &bob,
        &common(&[&employee_only[..], &in_launch[..]].concat()),
    );
    ask(&gil, &common(&in_launch));
    ask(&admin, &common(&employee_only));
    questions
}

/// A small PNG, so the store holds an original and renditions.
fn image_bytes() -> Vec<u8> {
    let image = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

/// Every answer of `app` to `questions`: JSON as it is, files by their SHA-256.
pub(crate) async fn answers(
    app: &TestApp,
    questions: &Questions,
) -> Vec<(String, StatusCode, Value)> {
    let mut found = Vec::new();
    for (token, path) in questions {
        let client = app.client_with_token(token);
        let (status, headers, bytes) = client.fetch(path).await;
        let json = headers
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").contains("json"));
        let body = match json {
            true => serde_json::from_slice(&bytes).unwrap(),
            false => json!(hex::encode(Sha256::digest(&bytes))),
        };
        found.push((path.clone(), status, body));
    }
    found
}

/// `value` with every timestamp to the microsecond, as PostgreSQL keeps them.
fn to_microseconds(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(truncate_fraction(s)),
        Value::Array(items) => Value::Array(items.iter().map(to_microseconds).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_microseconds(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `2026-12-06T02:33:44.123456789Z` → `2026-12-06T02:33:44.123456Z`, in the 0, 3 or 6 digits
/// chrono writes; other text as it is.
fn truncate_fraction(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_time = bytes.len() > 20 && bytes[10] == b'T' && bytes[13] == b':' && bytes[19] == b'.';
    if !is_time {
        return text.to_string();
    }
    let digits = text[20..].chars().take_while(char::is_ascii_digit).count();
    let micros = format!("{:0<6}", &text[20..20 + digits.min(6)]);
    let fraction = match micros.as_str() {
        "000000" => String::new(),
        _ if micros.ends_with("000") => format!(".{}", &micros[..3]),
        _ => format!(".{micros}"),
    };
    format!("{}{fraction}{}", &text[..19], &text[20 + digits..])
}

pub(crate) fn assert_same(
    what: &str,
    left: &[(String, StatusCode, Value)],
    right: &[(String, StatusCode, Value)],
) {
    assert_eq!(left.len(), right.len());
    for (l, r) in left.iter().zip(right) {
        assert_eq!(l.1, r.1, "{what}: status of {}", l.0);
        assert_eq!(l.2, r.2, "{what}: GET {}", l.0);
    }
}

/// SQLite → PostgreSQL → SQLite (SQLite → SQLite → SQLite where no PostgreSQL is set up):
/// every reader gets the same answers from each, files included.
#[actix_web::test]
async fn a_network_moves_to_the_other_database_and_back_with_the_same_answers() {
    agora::init_tls();
    let middle = match crate::support::postgres_configured() {
        true => Backend::Postgres,
        false => Backend::Sqlite,
    };
    let first = start(TestDb::new(Backend::Sqlite)).await;
    let questions = fill(&first).await;
    let before = answers(&first, &questions).await;
    assert!(
        before.iter().all(|(_, status, _)| status.is_success()),
        "{before:#?}"
    );

    // Exported while the server runs.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("network.zip");
    // What an export killed halfway left behind: the next one starts over.
    std::fs::write(
        dir.path().join("network.zip.partial"),
        b"PK\x03\x04 cut short",
    )
    .unwrap();
    let exported = export(&first.db, &archive).await;
    assert!(
        exported.objects >= 3,
        "the image and its renditions: {exported:?}"
    );
    assert!(!dir.path().join("network.zip.partial").exists());

    let second_db = TestDb::new(middle);
    let imported = import(&second_db, &archive).await.unwrap();
    assert_eq!(imported.rows, exported.rows);
    assert!(imported.posts_indexed >= 3, "{imported:?}");
    let second = start(second_db).await;
    let moved = answers(&second, &questions).await;
    let microseconds = |all: &[(String, StatusCode, Value)]| -> Vec<_> {
        all.iter()
            .map(|(p, s, v)| (p.clone(), *s, to_microseconds(v)))
            .collect()
    };
    assert_same("moved", &microseconds(&before), &moved);

    let back_archive = dir.path().join("back.zip");
    export(&second.db, &back_archive).await;
    let third_db = TestDb::new(Backend::Sqlite);
    import(&third_db, &back_archive).await.unwrap();
    let third = start(third_db).await;
    let back = answers(&third, &questions).await;
    assert_same("moved back", &moved, &back);

    // What the archive says of itself.
    let manifest = entries(&archive)["manifest.json"].clone();
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["format"], "agora-network-archive");
    assert_eq!(manifest["source_backend"], "sqlite");
    let tables: Vec<&str> = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for table in [
        "users",
        "posts",
        "events",
        "event_cursors",
        "audit_log",
        "blobs",
    ] {
        assert!(tables.contains(&table), "{table} not in {tables:?}");
    }
    assert_eq!(manifest["secret_key"], true);
}

/// An archive's entries by name.
fn entries(archive: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut found = BTreeMap::new();
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        found.insert(entry.name().unwrap().to_string(), bytes);
    }
    found
}

/// Writes `entries` as a new archive at `path`.
fn write_archive(path: &Path, entries: &BTreeMap<String, Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// `entries` with table `name`'s first row left out, and the manifest agreeing, so only the
/// rows themselves are wrong.
fn without_first_row(entries: &BTreeMap<String, Vec<u8>>, name: &str) -> BTreeMap<String, Vec<u8>> {
    let mut changed = entries.clone();
    let path = format!("tables/{name}.jsonl");
    let text = String::from_utf8(entries[&path].clone()).unwrap();
    let rest: String = text.split_inclusive('\n').skip(1).collect();
    let mut manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    for table in manifest["tables"].as_array_mut().unwrap() {
        if table["name"] == name {
            table["rows"] = json!(table["rows"].as_u64().unwrap() - 1);
            table["sha256"] = json!(hex::encode(Sha256::digest(rest.as_bytes())));
        }
    }
    changed.insert(path, rest.into_bytes());
    changed.insert(
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    changed
}

fn with_manifest(
    entries: &BTreeMap<String, Vec<u8>>,
    change: impl FnOnce(&mut Value),
) -> BTreeMap<String, Vec<u8>> {
    let mut changed = entries.clone();
    let mut manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    change(&mut manifest);
    changed.insert(
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    changed
}

async fn bad_archives_leave_the_target_as_it_was(backend: Backend) {
    let source = start(TestDb::new(backend)).await;
    let admin = source.admin().await;
    admin
        .created("/api/v1/posts", json!({"body": "Welcome to the network"}))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    let exported = export(&source.db, &good).await;
    let bytes = std::fs::read(&good).unwrap();
    let entries = entries(&good);

    let truncated = dir.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let flipped = dir.path().join("flipped.zip");
    let mut damaged = entries.clone();
    damaged.get_mut("tables/posts.jsonl").unwrap()[5] ^= 0x20;
    write_archive(&flipped, &damaged);
    let newer = dir.path().join("newer.zip");
    write_archive(
        &newer,
        &with_manifest(&entries, |m| m["version"] = json!(99)),
    );
    let unknown_migration = dir.path().join("unknown_migration.zip");
    write_archive(
        &unknown_migration,
        &with_manifest(&entries, |m| {
            m["migrations"]
                .as_array_mut()
                .unwrap()
                .push(json!("29991231000001"));
        }),
    );
    let foreign = dir.path().join("foreign.zip");
    let mut not_ours = BTreeMap::new();
    not_ours.insert("readme.txt".to_string(), b"hello".to_vec());
    write_archive(&foreign, &not_ours);
    // Whole and matching its manifest, but its posts name an author it lacks: only the
    // database can tell, inside the import's transaction.
    let orphaned = dir.path().join("orphaned.zip");
    write_archive(&orphaned, &without_first_row(&entries, "users"));

    let target_db = TestDb::new(backend);
    for (archive, expected) in [
        (&truncated, "not a whole ZIP archive"),
        (&flipped, "damaged"),
        (&newer, "format version 99"),
        (&unknown_migration, "newer Agora"),
        (&foreign, "not an Agora network archive"),
        (&orphaned, "refer to rows"),
    ] {
        let refused = import(&target_db, archive).await.unwrap_err();
        assert!(
            refused.contains(expected),
            "{}: {refused}",
            archive.display()
        );
    }
    // Left as it was: empty, so the good archive still goes in whole.
    let imported = import(&target_db, &good).await.unwrap();
    assert_eq!(imported.rows, exported.rows);

    // And a database with rows refuses an import, keeping its rows.
    let refused = import(&target_db, &good).await.unwrap_err();
    assert!(refused.contains("not empty"), "{refused}");
    let target = start(target_db).await;
    let client = target.sign_in("admin@example.com").await;
    let (status, feed) = client.get("/api/v1/feeds/company").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(feed["items"].as_array().unwrap().len(), 1, "{feed}");
}

on_both_backends!(bad_archives_leave_the_target_as_it_was);

/// An export reads one snapshot while writers run, so on PostgreSQL it may catch events in the
/// inbox, committed but not yet given ids. The import puts them in the log after the
/// archive's last event, in their order, whichever database it goes into.
#[actix_web::test]
async fn events_caught_in_the_inbox_join_the_log_on_import() {
    use agora::events::{self, Event};
    use agora::ids::{GroupId, UserId};
    agora::init_tls();
    if !crate::support::postgres_configured() {
        return;
    }
    let joined = |n: i64| Event::GroupJoined {
        member: UserId(n),
        group: GroupId(n),
    };
    let source = TestDb::new(Backend::Postgres);
    let db = source.open();
    db.write(|conn| events::append(conn, &joined(1))).unwrap();
    db.read(events::sequence).unwrap();
    for n in [2, 3] {
        db.write(|conn| events::append(conn, &joined(n))).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("network.zip");
    export(&source, &archive).await;
    let manifest: Value = serde_json::from_slice(&entries(&archive)["manifest.json"]).unwrap();
    let inbox = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "event_inbox")
        .unwrap_or_else(|| panic!("no inbox in {manifest}"));
    assert_eq!(
        inbox["rows"], 2,
        "the archive caught two events in the inbox"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let target = TestDb::new(backend);
        import(&target, &archive).await.unwrap();
        let db = target.open();
        let batch = db
            .read(|conn| events::read_after(conn, 0, 10, "test"))
            .unwrap();
        let log: Vec<(i64, Event)> = batch.events.into_iter().map(|r| (r.id, r.event)).collect();
        assert_eq!(
            log,
            [(1, joined(1)), (2, joined(2)), (3, joined(3))],
            "{backend:?}"
        );
        assert_eq!(
            db.read(events::sequence).unwrap().moved,
            0,
            "the inbox is empty"
        );
    }
}

/// The commands themselves, as an operator types them: `agora export` beside a running
/// server, `agora import` into a new data directory, then `agora backup` and `agora restore`.
#[actix_web::test]
async fn the_commands_move_and_back_up_a_network() {
    agora::init_tls();
    let source = start(TestDb::new(Backend::Sqlite)).await;
    let admin = source.admin().await;
    admin
        .created("/api/v1/posts", json!({"body": "Moved by the book"}))
        .await;
    let run = |db: &TestDb, args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(args)
            .env("AGORA_DATA_DIR", db.dir.path())
            .env("AGORA_DATABASE_URL", &db.url)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), said)
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("network.zip");
    let archive = archive.to_str().unwrap();
    let (ok, said) = run(&source.db, &["export", "--out", archive]);
    assert!(
        ok && said.contains("wrote") && said.contains("posts:"),
        "{said}"
    );

    let moved_db = TestDb::new(Backend::Sqlite);
    let (ok, said) = run(&moved_db, &["import", archive]);
    assert!(
        ok && said.contains("search index rebuilt (1 posts)"),
        "{said}"
    );
    assert!(said.contains("signing key came along"), "{said}");
    let (ok, said) = run(&moved_db, &["import", archive]);
    assert!(!ok && said.contains("not empty"), "{said}");

    let backup = dir.path().join("backup");
    let backup = backup.to_str().unwrap();
    let (ok, said) = run(&moved_db, &["backup", "--out", backup]);
    assert!(ok && said.contains("backed up"), "{said}");
    let restored_db = TestDb::new(Backend::Sqlite);
    let (ok, said) = run(&restored_db, &["restore", backup]);
    assert!(ok && said.contains("restored"), "{said}");

    let restored = start(restored_db).await;
    let client = restored.sign_in("admin@example.com").await;
    let (_, feed) = client.get("/api/v1/feeds/company").await;
    assert_eq!(feed["items"][0]["body"], "Moved by the book", "{feed}");

    // Both ends of the move are in the audit log.
    for (app, who, action) in [
        (&source, &admin, "network.exported"),
        (&restored, &client, "network.imported"),
    ] {
        let (status, log) = who
            .get(&format!("/api/v1/admin/audit?action={action}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{log}");
        assert_eq!(
            log["items"].as_array().unwrap().len(),
            1,
            "{}: {log}",
            app.base
        );
    }
}
