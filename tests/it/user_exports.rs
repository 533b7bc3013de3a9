//! "Your data to take away": asking for an export, the email, the download (hers alone), what
//! the ZIP holds for an employee and for a guest, its reading back as ActivityStreams 2.0 by a
//! real JSON-LD processor, expiry, and a build cut short by a crash.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::process::Command;
use std::time::{Duration, Instant};

use agora::db::schema::user_exports;
use agora::ids::{ExportId, UserId};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, Client, TestApp};

/// A ZIP's entries by name.
fn unzip(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut entries = HashMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        entries.insert(entry.name().unwrap().to_string(), content);
    }
    entries
}

fn json_of(entries: &HashMap<String, Vec<u8>>, name: &str) -> Value {
    let bytes = entries
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", entries.keys()));
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(entries: &HashMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(entries[name].clone()).unwrap()
}

/// Every entry's bytes, as text where they are, to look for what must not be there.
fn everything(entries: &HashMap<String, Vec<u8>>) -> String {
    entries
        .values()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks for an export as `client`: its id.
async fn request(client: &Client) -> String {
    let (status, export) = client.post("/api/v1/me/exports", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{export}");
    assert_eq!(export["state"], "requested");
    export["id"].as_str().unwrap().to_string()
}

/// Waits until `client`'s export `id` is ready: its view.
async fn ready(client: &Client, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, exports) = client.get("/api/v1/me/exports").await;
        assert_eq!(status, StatusCode::OK, "{exports}");
        let export = exports
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("export {id} not listed: {exports}"));
        match export["state"].as_str().unwrap() {
            "ready" => return export,
            "requested" | "building" => {}
            other => panic!("export {id} is {other}"),
        }
        assert!(Instant::now() < deadline, "export {id} never got ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Downloads an export as `client`: the ZIP's entries.
async fn download(client: &Client, path: &str) -> HashMap<String, Vec<u8>> {
    let (status, headers, bytes) = client.fetch(path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    assert_eq!(headers["content-type"], "application/zip");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    unzip(&bytes)
}

/// Adds `user` to `group` as `owner`.
async fn add(owner: &Client, group: &str, user: &Client) {
    let id = user.id().await;
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn comment(client: &Client, post: &str, body: Value) -> String {
    client
        .created(&format!("/api/v1/posts/{post}/comments"), body)
        .await
}

/// The export rows, for what the API does not show.
fn rows(app: &TestApp) -> Vec<(ExportId, UserId, String, i32)> {
    app.db
        .open()
        .read(|conn| {
            Ok(user_exports::table
                .order(user_exports::id.asc())
                .select((
                    user_exports::id,
                    user_exports::user_id,
                    user_exports::state,
                    user_exports::attempts,
                ))
                .load(conn)?)
        })
        .unwrap()
}

async fn an_employee_takes_her_data_and_nobody_else_can(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let smtp_url = smtp.url();
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_SMTP_URL", smtp_url.as_str()),
            ("AGORA_PUBLIC_URL", "https://agora.example"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    let omar = app.user(&admin, "omar", "employee").await;
    let launch = app.group(&admin, "Launch", "private", true).await;
    add(&admin, &launch, &erin).await;
    let guest = app.guest_in(&admin, "gil", &[&launch]).await;
    let erin_id = erin.id().await;
    let omar_id = omar.id().await;

    // Her content: a post in a private group with a file, a poll, a comment on a colleague's
    // post, a like, follows and a bookmark.
    let file = erin
        .uploaded("launch plan.txt", b"step one: ship it\n")
        .await;
    let (status, post) = erin
        .post(
            "/api/v1/posts",
            json!({"body": "Launch checklist for #rocket", "group_id": launch, "attachments": [{"id": file}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let post_id = post["id"].as_str().unwrap().to_string();
    let poll_id = erin
        .created(
            "/api/v1/posts",
            json!({"body": "Pizza or tacos?", "poll": {"options": ["Pizza", "Tacos"]}}),
        )
        .await;
    let theirs = omar
        .created(
            "/api/v1/posts",
            json!({"body": "Omar's quarterly secret plan"}),
        )
        .await;
    let reply = comment(&erin, &theirs, json!({"body": "Count me in"})).await;
    let (status, _) = erin.put(&format!("/api/v1/posts/{theirs}/like")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = erin.put(&format!("/api/v1/follows/users/{omar_id}")).await;
    assert!(status.is_success(), "{status}");
    let (status, _) = erin.put("/api/v1/follows/tags/rocket").await;
    assert!(status.is_success(), "{status}");
    let (status, _) = erin.put(&format!("/api/v1/posts/{theirs}/saved")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let id = request(&erin).await;
    let (status, log) = admin
        .get("/api/v1/admin/audit?action=data_export.requested")
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert!(log.to_string().contains(&id), "{log}");
    assert!(log.to_string().contains(&erin_id), "{log}");
    let export = ready(&erin, &id).await;
    let path = format!("/exports/{id}/download");
    assert_eq!(export["download_url"], path.as_str());
    assert!(export["size"].as_i64().unwrap() > 0);
    assert!(export["expires_at"].is_string());

    // The email, with the link.
    let mail = smtp.wait_for(1).await;
    let letter = text_of(&mail[0]);
    assert!(mail[0].contains("erin@example.com"), "{}", mail[0]);
    assert!(
        letter.contains(&format!("https://agora.example{path}")),
        "{letter}"
    );

    // Hers alone: her session and her token download it; nobody else, admins included, nor
    // the link without her session.
    let browser = app.browser_sign_in("erin@example.com").await;
    let entries = download(&browser, &path).await;
    download(&erin, &path).await;
    for (who, other) in [
        ("an admin", &admin),
        ("a colleague", &omar),
        ("a guest", &guest),
        ("nobody", &app.anonymous()),
    ] {
        let (status, _, bytes) = other.fetch(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} downloaded it");
        assert!(!bytes.starts_with(b"PK"), "{who} got a ZIP");
        let (_, listed) = other.get("/api/v1/me/exports").await;
        assert!(!listed.to_string().contains(&id), "{who} sees it: {listed}");
    }

    // What it holds.
    let base = "https://agora.example";
    let actor = json_of(&entries, "actor.json");
    assert_eq!(actor["@context"], "https://www.w3.org/ns/activitystreams");
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["id"], format!("{base}/people/{erin_id}"));
    assert_eq!(actor["preferredUsername"], "erin");
    assert_eq!(actor["name"], "ERIN");

    let outbox = json_of(&entries, "outbox.json");
    assert_eq!(outbox["type"], "OrderedCollection");
    let items = outbox["orderedItems"].as_array().unwrap();
    assert_eq!(outbox["totalItems"], items.len());
    assert_eq!(items.len(), 3, "{outbox:#}");
    let object = |id: &str| {
        items
            .iter()
            .map(|create| &create["object"])
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {outbox:#}"))
            .clone()
    };
    for create in items {
        assert_eq!(create["type"], "Create");
        assert_eq!(create["actor"], actor["id"]);
    }
    let note = object(&format!("{base}/posts/{post_id}"));
    assert_eq!(note["type"], "Note");
    assert!(
        note["content"]
            .as_str()
            .unwrap()
            .contains("Launch checklist")
    );
    assert_eq!(note["source"]["content"], "Launch checklist for #rocket");
    assert_eq!(note["audience"]["type"], "Group");
    assert_eq!(note["audience"]["name"], "Launch");
    assert_eq!(note["tag"][0]["name"], "#rocket");
    let attachment = &note["attachment"][0];
    assert_eq!(attachment["type"], "Document");
    let inside = attachment["url"].as_str().unwrap();
    assert_eq!(inside, format!("attachments/{file}/launch plan.txt"));
    assert_eq!(entries[inside], b"step one: ship it\n");
    let question = object(&format!("{base}/posts/{poll_id}"));
    assert_eq!(question["type"], "Question");
    assert_eq!(question["oneOf"][0]["name"], "Pizza");
    assert_eq!(question["oneOf"][1]["name"], "Tacos");
    let answer = object(&format!("{base}/posts/{theirs}#comment-{reply}"));
    assert_eq!(answer["inReplyTo"], format!("{base}/posts/{theirs}"));
    assert_eq!(answer["source"]["content"], "Count me in");

    let likes = json_of(&entries, "likes.json");
    assert_eq!(likes["totalItems"], 1);
    assert_eq!(likes["orderedItems"][0]["type"], "Like");
    assert_eq!(
        likes["orderedItems"][0]["object"],
        format!("{base}/posts/{theirs}")
    );
    let following = json_of(&entries, "following.json");
    let followed: Vec<(String, String)> = following["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap().to_string(),
                f["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        followed,
        [
            ("Person".to_string(), "OMAR".to_string()),
            ("Group".to_string(), "Launch".to_string()),
            ("Link".to_string(), "#rocket".to_string()),
        ]
    );
    let bookmarks = json_of(&entries, "bookmarks.json");
    assert_eq!(
        bookmarks["orderedItems"],
        json!([format!("{base}/posts/{theirs}")])
    );

    let index = text(&entries, "index.html");
    assert!(index.starts_with("<!DOCTYPE html>"));
    assert!(index.contains("Launch checklist"), "{index}");
    assert!(index.contains("Count me in"));
    assert!(index.contains("href=\"attachments/"));
    assert!(!index.to_lowercase().contains("<script"));
    // Of the colleague's post she answered, liked and saved: its address, never its text.
    assert!(!everything(&entries).contains("secret plan"));
}
on_both_backends!(an_employee_takes_her_data_and_nobody_else_can);

async fn a_guest_takes_only_what_she_may_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    let launch = app.group(&admin, "Launch", "private", true).await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let hidden = app.group(&admin, "Hidden", "private", false).await;
    add(&admin, &launch, &erin).await;
    let guest = app.guest_in(&admin, "gil", &[&launch, &beta]).await;
    let guest_id = guest.id().await;

    let open = erin
        .created(
            "/api/v1/posts",
            json!({"body": "Open launch notes", "group_id": launch}),
        )
        .await;
    let staff = erin
        .created(
            "/api/v1/posts",
            json!({"body": "Staff pricing canary", "group_id": launch, "employees_only": true}),
        )
        .await;
    admin
        .created(
            "/api/v1/posts",
            json!({"body": "Hidden group canary", "group_id": hidden}),
        )
        .await;
    comment(
        &erin,
        &open,
        json!({"body": "Staff remark canary", "employees_only": true}),
    )
    .await;
    let mine = guest
        .created(
            "/api/v1/posts",
            json!({"body": "Guest question about the launch", "group_id": launch}),
        )
        .await;
    let reply = comment(&guest, &open, json!({"body": "Guest reply here"})).await;
    guest
        .created(
            "/api/v1/posts",
            json!({"body": "Guest beta canary", "group_id": beta}),
        )
        .await;
    let (status, _) = guest.put(&format!("/api/v1/posts/{open}/like")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = guest.put(&format!("/api/v1/posts/{open}/saved")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // She leaves Beta: what she wrote there is no longer hers to read, nor to take.
    let (status, body) = admin
        .delete(&format!("/api/v1/groups/{beta}/members/{guest_id}"))
        .await;
    assert!(status.is_success(), "{status} {body}");

    let id = request(&guest).await;
    ready(&guest, &id).await;
    let entries = download(&guest, &format!("/exports/{id}/download")).await;
    let outbox = json_of(&entries, "outbox.json");
    let ids: Vec<&str> = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["object"]["id"].as_str().unwrap())
        .collect();
    let base = "http://127.0.0.1:8080";
    assert_eq!(
        ids,
        [
            format!("{base}/posts/{mine}"),
            format!("{base}/posts/{open}#comment-{reply}")
        ]
    );
    let all = everything(&entries);
    for canary in [
        "Staff pricing canary",
        "Hidden group canary",
        "Staff remark canary",
        "Guest beta canary",
        "Open launch notes",
        &format!("/posts/{staff}"),
    ] {
        assert!(!all.contains(canary), "a guest's export holds {canary:?}");
    }
    assert!(all.contains("Guest reply here"));
    let following = json_of(&entries, "following.json");
    let groups: Vec<&str> = following["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "Group")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["Launch"]);
    assert_eq!(json_of(&entries, "likes.json")["totalItems"], 1);
    assert_eq!(
        json_of(&entries, "bookmarks.json")["orderedItems"],
        json!([format!("{base}/posts/{open}")])
    );
    // And the employee's export is hers, not the guest's.
    let (status, _, _) = erin.fetch(&format!("/exports/{id}/download")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both_backends!(a_guest_takes_only_what_she_may_read);

async fn one_is_made_at_a_time_and_a_few_a_day(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_EXPORTS__PER_DAY", "2")]).await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    // Asking again while one is being made answers that one (in one transaction here, so no
    // builder can finish it in between).
    let erin_id: UserId = erin.id().await.parse().unwrap();
    let viewer = agora::access::Viewer::User(agora::access::Principal::new(
        erin_id,
        agora::accounts::UserKind::Employee,
    ));
    let settings = agora::config::Config::load(None, Vec::new())
        .unwrap()
        .exports;
    let now = chrono::Utc::now().naive_utc();
    let (first, second) = app
        .db
        .open()
        .write(|conn| {
            let scope = agora::access::Scope::resolve(conn, &viewer)?;
            let first = agora::exports::actions::request_export(
                conn,
                &scope,
                &settings,
                now,
                &Default::default(),
            )?;
            let second = agora::exports::actions::request_export(
                conn,
                &scope,
                &settings,
                now,
                &Default::default(),
            )?;
            Ok((first, second))
        })
        .unwrap();
    assert!(first.1 && !second.1, "the second request made another");
    assert_eq!(first.0.id, second.0.id);
    ready(&erin, &first.0.id.to_string()).await;
    let id = request(&erin).await;
    ready(&erin, &id).await;
    let (status, refused) = erin.post("/api/v1/me/exports", json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    assert_eq!(refused["code"], "export_rate_limited");
    let (status, listed) = erin.get("/api/v1/me/exports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // The settings page says so, and offers the download.
    let browser = app.browser_sign_in("erin@example.com").await;
    let page = browser.page("/settings?export=limited").await;
    assert!(page.contains("Your data"), "{page}");
    assert!(page.contains("try again tomorrow"));
    assert!(page.contains("/download"));
}
on_both_backends!(one_is_made_at_a_time_and_a_few_a_day);

async fn a_ready_export_expires_and_its_file_goes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    erin.created("/api/v1/posts", json!({"body": "Something to keep"}))
        .await;
    let id = request(&erin).await;
    ready(&erin, &id).await;
    let path = format!("/exports/{id}/download");
    download(&erin, &path).await;
    let stored = app.db.dir.path().join(format!("files/exports/{id}.zip"));
    assert!(stored.exists(), "{stored:?}");

    // Seven days later (keep_days): the link stops at once, the sweep deletes the file.
    let db = app.db.open();
    let export_id: ExportId = id.parse().unwrap();
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    db.write(|conn| {
        Ok(diesel::update(user_exports::table.find(export_id))
            .set(user_exports::expires_at.eq(past))
            .execute(conn)?)
    })
    .unwrap();
    let (status, _, _) = erin.fetch(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = erin.get("/api/v1/me/exports").await;
    assert_eq!(listed[0]["state"], "expired");
    assert_eq!(listed[0]["download_url"], Value::Null);

    let config = agora::config::Config::load(
        None,
        vec![(
            "AGORA_DATA_DIR".to_string(),
            app.db.dir.path().display().to_string(),
        )],
    )
    .unwrap();
    let storage = agora::files::store::Storage::from_config(&config).unwrap();
    let staging = agora::exports::build::staging_dir(&config);
    let now = chrono::Utc::now().naive_utc();
    let swept = agora::exports::sweep::sweep(&db, &storage, &staging, now)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert!(!stored.exists(), "the file stayed");
    assert_eq!(rows(&app)[0].2, "expired");
    // Sweeping again finds nothing; she may ask for a new one.
    let swept = agora::exports::sweep::sweep(&db, &storage, &staging, now)
        .await
        .unwrap();
    assert_eq!(swept, 0);
    let again = request(&erin).await;
    assert_ne!(again, id);
}
on_both_backends!(a_ready_export_expires_and_its_file_goes);

async fn a_build_cut_short_by_a_crash_is_built_again_from_scratch(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let smtp_url = smtp.url();
    let app = TestApp::start_with(backend, &[("AGORA_SMTP_URL", smtp_url.as_str())]).await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    let omar = app.user(&admin, "omar", "employee").await;
    erin.created("/api/v1/posts", json!({"body": "Written before the crash"}))
        .await;
    let erin_id: UserId = erin.id().await.parse().unwrap();
    let omar_id: UserId = omar.id().await.parse().unwrap();
    let data_dir = app.db.dir.path().display().to_string();
    app.stop().await;

    // What a process killed mid-build leaves: the row building under a lease that ran out, a
    // half-written temporary file, and (had an earlier build got that far) a broken archive
    // under the export's key. Beside it, omar's export held by a live builder elsewhere.
    let db = app.db.open();
    let now = chrono::Utc::now().naive_utc();
    let (crashed, held) = (ExportId(1_000), ExportId(1_001));
    for (id, user, lease) in [
        (crashed, erin_id, now - chrono::Duration::seconds(5)),
        (held, omar_id, now + chrono::Duration::minutes(10)),
    ] {
        db.write(|conn| {
            Ok(diesel::insert_into(user_exports::table)
                .values((
                    user_exports::id.eq(id),
                    user_exports::user_id.eq(user),
                    user_exports::state.eq("building"),
                    user_exports::requested_at.eq(now - chrono::Duration::minutes(3)),
                    user_exports::started_at.eq(now - chrono::Duration::minutes(3)),
                    user_exports::lease_until.eq(lease),
                    user_exports::attempts.eq(1),
                ))
                .execute(conn)?)
        })
        .unwrap();
    }
    let exports_dir = app.db.dir.path().join("files/exports");
    std::fs::create_dir_all(&exports_dir).unwrap();
    std::fs::write(exports_dir.join("1000.zip"), b"PK\x03\x04 half an archive").unwrap();
    std::fs::write(
        app.db
            .dir
            .path()
            .join("exports/export-1000-crash.zip.partial"),
        b"PK\x03\x04 half",
    )
    .unwrap();

    // Another taking it meanwhile is refused: the lease is what decides.
    let later = now + chrono::Duration::seconds(1);
    let claimed = db
        .write(|conn| agora::exports::build::claim(conn, later))
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, crashed);
    assert_eq!(claimed.attempts, 2);
    assert!(
        db.write(|conn| agora::exports::build::claim(conn, later))
            .unwrap()
            .is_none(),
        "an export held under a live lease was taken"
    );
    // Give the claim back as a dying process would leave it.
    db.write(|conn| {
        Ok(diesel::update(user_exports::table.find(crashed))
            .set(user_exports::lease_until.eq(now - chrono::Duration::seconds(1)))
            .execute(conn)?)
    })
    .unwrap();

    // The process starts again: the export is built anew, whole, and she is told once.
    let restarted = app
        .another(&[
            ("AGORA_DATA_DIR", data_dir.as_str()),
            ("AGORA_SMTP_URL", smtp_url.as_str()),
        ])
        .await;
    let erin = restarted.sign_in("erin@example.com").await;
    let view = ready(&erin, "1000").await;
    assert_eq!(view["download_url"], "/exports/1000/download");
    let entries = download(&erin, "/exports/1000/download").await;
    let outbox = json_of(&entries, "outbox.json");
    assert_eq!(outbox["totalItems"], 1);
    assert_eq!(
        outbox["orderedItems"][0]["object"]["source"]["content"],
        "Written before the crash"
    );
    assert!(text(&entries, "index.html").contains("Written before the crash"));
    let mail = smtp.wait_for(1).await;
    restarted.worker_settled("export_builder").await;
    restarted.worker_settled("mail_sender").await;
    assert_eq!(smtp.messages().len(), mail.len());
    assert_eq!(mail.len(), 1);
    // Omar's, held by a live lease elsewhere, is left to its builder.
    let states: Vec<(ExportId, String, i32)> = rows(&restarted)
        .into_iter()
        .map(|(id, _, state, attempts)| (id, state, attempts))
        .collect();
    assert_eq!(
        states,
        [
            (crashed, "ready".to_string(), 3),
            (held, "building".to_string(), 1)
        ]
    );
}
on_both_backends!(a_build_cut_short_by_a_crash_is_built_again_from_scratch);

/// The Python that has pyld, or `None` (skipped here, but never under CI, which installs it).
fn python_with_pyld() -> Option<String> {
    let python = std::env::var("CONTRACT_VENV")
        .map(|venv| format!("{venv}/bin/python3"))
        .ok()
        .filter(|path| std::path::Path::new(path).exists())
        .unwrap_or_else(|| "python3".to_string());
    let found = Command::new(&python)
        .args(["-c", "import pyld"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "the ActivityStreams test needs Python with pyld under CI (tests/contract/requirements.txt)"
        );
        eprintln!("ActivityStreams check skipped: pip install pyld");
        return None;
    }
    Some(python)
}

async fn an_export_reads_back_as_activitystreams(backend: Backend) {
    let Some(python) = python_with_pyld() else {
        return;
    };
    let app = TestApp::start_with(backend, &[("AGORA_PUBLIC_URL", "https://agora.example")]).await;
    let admin = app.admin().await;
    let erin = app.user(&admin, "erin", "employee").await;
    let omar = app.user(&admin, "omar", "employee").await;
    let launch = app.group(&admin, "Launch", "private", true).await;
    add(&admin, &launch, &erin).await;
    let file = erin.uploaded("notes.txt", b"the notes").await;
    let mut png = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 80, 40]))
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let photo = erin.uploaded("me.png", &png).await;
    let (status, _) = erin
        .send(
            erin.request(reqwest::Method::PUT, "/api/v1/me/photo")
                .json(&json!({"file_id": photo})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let post = erin
        .created(
            "/api/v1/posts",
            json!({"body": "Hello #world from **Erin**", "group_id": launch, "attachments": [{"id": file}]}),
        )
        .await;
    erin.created(
        "/api/v1/posts",
        json!({"body": "Lunch?", "poll": {"options": ["Yes", "No"], "multiple": true}}),
    )
    .await;
    let theirs = omar
        .created("/api/v1/posts", json!({"body": "Omar's news"}))
        .await;
    comment(&erin, &theirs, json!({"body": "Nice"})).await;
    erin.put(&format!("/api/v1/posts/{theirs}/like")).await;
    erin.put(&format!("/api/v1/follows/users/{}", omar.id().await))
        .await;
    erin.put("/api/v1/follows/tags/world").await;
    erin.put(&format!("/api/v1/posts/{post}/saved")).await;

    let id = request(&erin).await;
    ready(&erin, &id).await;
    let entries = download(&erin, &format!("/exports/{id}/download")).await;
    let unpacked = tempfile::tempdir().unwrap();
    for (name, bytes) in &entries {
        let path = unpacked.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let here = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/user_exports");
    let out = Command::new(python)
        .arg(format!("{here}/as2_check.py"))
        .arg(unpacked.path())
        .arg(format!("{here}/activitystreams.jsonld"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let base = "https://agora.example";
    assert_eq!(read["actor"]["handle"], "erin");
    assert_eq!(
        read["actor"]["icon"],
        format!("https://export.invalid/attachments/{photo}/me.png")
    );
    assert_eq!(read["notes"].as_array().unwrap().len(), 3, "{read:#}");
    assert_eq!(read["questions"][0]["options"], json!(["Yes", "No"]));
    assert_eq!(
        read["replies"][0]["inReplyTo"],
        format!("{base}/posts/{theirs}")
    );
    assert_eq!(
        read["attachments"],
        json!([{"url": format!("https://export.invalid/attachments/{file}/notes.txt"), "type": "Document", "mediaType": "text/plain; charset=utf-8", "inside": true}])
    );
    assert_eq!(read["likes"], json!([format!("{base}/posts/{theirs}")]));
    assert_eq!(read["following"]["Person"], json!(["OMAR"]));
    assert_eq!(read["following"]["Group"], json!(["Launch"]));
    assert_eq!(read["following"]["Link"], json!(["#world"]));
    assert_eq!(read["bookmarks"], json!([format!("{base}/posts/{post}")]));
}
on_both_backends!(an_export_reads_back_as_activitystreams);

async fn the_settings_page_asks_for_one_and_offers_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    app.user(&admin, "erin", "employee").await;
    let browser = app.browser_sign_in("erin@example.com").await;
    let page = browser.page("/settings").await;
    assert!(page.contains("id=\"your-data\""));
    assert!(!page.contains("data-export-pending"));
    let csrf = crate::support::hidden_csrf(&page);
    let response = browser
        .http
        .post(app.url("/settings/export"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/settings?export=requested#your-data"
    );
    let (_, listed) = browser.get("/api/v1/me/exports").await;
    let id = listed[0]["id"].as_str().unwrap().to_string();
    ready(&browser, &id).await;
    let page = browser.page("/settings").await;
    assert!(page.contains(&format!("/exports/{id}/download")), "{page}");
    // Without the token the form is refused.
    let response = browser
        .http
        .post(app.url("/settings/export"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
on_both_backends!(the_settings_page_asks_for_one_and_offers_it);
