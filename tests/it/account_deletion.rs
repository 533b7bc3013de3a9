//! Deleting an account: her own or by an admin, her content removed or kept under "Former
//! member", the company's policy forcing one, the last admin kept, no way to sign in again,
//! the address free again, files and exports gone, a pseudonymous audit entry, and guests
//! deleted a while after their access ended.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::search::search_until;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, Client, PASSWORD, TestApp, hidden_csrf};

const SITE: &str = "https://agora.test";

/// Creates a person named `name` with `email` as `admin`, signed in with a token; her id.
async fn person(app: &TestApp, admin: &Client, name: &str, email: &str) -> (Client, String) {
    let (status, body) = admin
        .post(
            "/api/v1/users",
            json!({"email": email, "name": name, "password": PASSWORD, "kind": "employee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let client = app.sign_in(email).await;
    (client, body["id"].as_str().unwrap().to_string())
}

/// `DELETE path` with a JSON body, as `client`.
async fn delete_with(client: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    client
        .send(client.request(Method::DELETE, path).json(&body))
        .await
}

/// Every file stored under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            match path.is_dir() {
                true => found.extend(files_under(&path)),
                false => found.push(path),
            }
        }
    }
    found
}

/// The configuration a server on `app`'s data directory reads, with `env`.
fn config_of(app: &TestApp, env: &[(&str, &str)]) -> agora::config::Config {
    let mut vars = vec![(
        "AGORA_DATA_DIR".to_string(),
        app.db.dir.path().display().to_string(),
    )];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    agora::config::Config::load(None, vars).unwrap()
}

/// The caller's Atom company feed, as a feed reader fetches it.
async fn company_atom(app: &TestApp, client: &Client) -> String {
    let (status, body) = client.get("/api/v1/me/feed-token").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap();
    let url = format!("{}?token={token}", app.url("/feeds/company.atom"));
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Waits until her export is ready; its id.
async fn ready_export(client: &Client) -> String {
    let (status, export) = client.post("/api/v1/me/exports", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{export}");
    let id = export["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, exports) = client.get("/api/v1/me/exports").await;
        if exports[0]["state"] == "ready" {
            return id;
        }
        assert!(Instant::now() < deadline, "never ready: {exports}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The audit entries, newest first (one page is plenty here).
async fn audit(admin: &Client) -> Vec<Value> {
    let (status, page) = admin.get("/api/v1/admin/audit?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// Asserts that `text` holds no trace of a person: neither `traces` (name, address, handle).
fn no_trace(surface: &str, text: &str, traces: &[&str]) {
    for trace in traces {
        assert!(
            !text.to_lowercase().contains(&trace.to_lowercase()),
            "{surface} still shows {trace}: {text}"
        );
    }
}

async fn removing_her_content_takes_it_out_of_every_surface(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_PUBLIC_URL", SITE)]).await;
    let admin = app.admin().await;
    let (ana, ana_id) = person(&app, &admin, "Ana Zweig", "ana@example.com").await;
    let (bob, _) = person(&app, &admin, "Bob Ray", "bob@example.com").await;
    let file = ana
        .uploaded("zebra-plan.txt", b"the zebra plan itself")
        .await;
    let (status, post) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "Quarterly zebra plan #stripes", "attachments": [{"id": file}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let post_id = post["id"].as_str().unwrap().to_string();
    let attachment_url = post["attachments"][0]["url"].as_str().unwrap().to_string();
    let bobs = bob
        .created("/api/v1/posts", json!({"body": "Lunch on Friday?"}))
        .await;
    ana.created(
        &format!("/api/v1/posts/{bobs}/comments"),
        json!({"body": "Count me in, giraffe style"}),
    )
    .await;
    ana.put(&format!("/api/v1/posts/{bobs}/like")).await;
    ana.put(&format!("/api/v1/follows/users/{}", bob.id().await))
        .await;
    bob.put(&format!("/api/v1/follows/users/{ana_id}")).await;
    let export = ready_export(&ana).await;
    let stored_export = app
        .db
        .dir
        .path()
        .join(format!("files/exports/{export}.zip"));
    assert!(stored_export.exists());
    search_until(&bob, "zebra", |items| items.len() == 1).await;

    // A wrong password changes nothing.
    let (status, refused) = delete_with(
        &ana,
        "/api/v1/me",
        json!({"content": "remove", "password": "not my password"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["password"].is_array(), "{refused}");
    assert_eq!(ana.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        bob.get(&format!("/api/v1/posts/{post_id}")).await.0,
        StatusCode::OK
    );

    let (status, deleted) = delete_with(
        &ana,
        "/api/v1/me",
        json!({"content": "remove", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["content"], "remove");

    // Her token died with her; her post, comment and like are gone wherever Bob looks.
    assert_eq!(ana.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bob.get(&format!("/api/v1/posts/{post_id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, feed) = bob.get("/api/v1/feeds/company").await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 1, "{feed}");
    let (_, lunch) = bob.get(&format!("/api/v1/posts/{bobs}")).await;
    assert_eq!(lunch["like_count"], 0, "{lunch}");
    assert_eq!(lunch["comment_count"], 0, "{lunch}");
    let (_, comments) = bob.get(&format!("/api/v1/posts/{bobs}/comments")).await;
    assert_eq!(comments["items"], json!([]), "{comments}");
    let (_, tag) = bob.get("/api/v1/tags/stripes/feed").await;
    assert_eq!(tag["items"], json!([]), "{tag}");
    search_until(&bob, "zebra", <[Value]>::is_empty).await;
    search_until(&bob, "giraffe", <[Value]>::is_empty).await;
    search_until(&bob, "Zweig", <[Value]>::is_empty).await;
    let atom = company_atom(&app, &bob).await;
    assert!(atom.contains("Lunch on Friday"), "{atom}");
    no_trace("the Atom feed", &atom, &["zebra", "Zweig"]);
    let (_, people) = bob.get("/api/v1/users?q=ana").await;
    assert_eq!(people["items"], json!([]), "{people}");

    // Her file leaves at once, and storage after the grace period; her export too.
    assert_eq!(bob.fetch(&attachment_url).await.0, StatusCode::NOT_FOUND);
    let files = agora::files::Files::new(&config_of(&app, &[])).unwrap();
    let later = chrono::Utc::now().naive_utc() + chrono::Duration::hours(25);
    agora::files::sweep::sweep(&app.db.open(), &files, later)
        .await
        .unwrap();
    let exports_dir = app.db.dir.path().join("files/exports");
    let blobs_left: Vec<PathBuf> = files_under(&app.db.dir.path().join("files"))
        .into_iter()
        .filter(|p| !p.starts_with(&exports_dir))
        .collect();
    assert_eq!(blobs_left, Vec::<PathBuf>::new(), "her file left storage");
    let config = config_of(&app, &[]);
    let storage = agora::files::store::Storage::from_config(&config).unwrap();
    let staging = agora::exports::build::staging_dir(&config);
    let now = chrono::Utc::now().naive_utc();
    let expired = agora::exports::sweep::sweep(&app.db.open(), &storage, &staging, now)
        .await
        .unwrap();
    assert_eq!(expired, 1);
    assert!(!stored_export.exists(), "the export stayed");
    let blobs: i64 = app
        .db
        .open()
        .read(|conn| {
            use agora::db::schema::blobs;
            Ok(blobs::table.count().get_result(conn)?)
        })
        .unwrap();
    assert_eq!(blobs, 0, "her file's content left storage");

    // The audit log says an account went, by its pseudonym; nothing new names her.
    let entries = audit(&admin).await;
    let gone = entries
        .iter()
        .find(|e| e["action"] == "account.deleted")
        .unwrap_or_else(|| panic!("{entries:#?}"));
    assert!(
        gone["subject"]
            .as_str()
            .unwrap()
            .starts_with("former_account:"),
        "{gone}"
    );
    assert_eq!(gone["detail"]["content"], "remove");
    assert_eq!(gone["detail"]["by"], "self");
    assert_eq!(gone["actor_name"], "Former member");
    let since = entries
        .iter()
        .take_while(|e| e["action"] != "user.created")
        .map(Value::to_string)
        .collect::<String>();
    no_trace("the audit log", &since, &["ana@example.com", "Ana Zweig"]);

    // Her address is free for a new account, which starts from nothing.
    let (status, again) = admin
        .post(
            "/api/v1/users",
            json!({"email": "ana@example.com", "name": "Ana Again", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_ne!(again["id"], ana_id.as_str());
    assert_eq!(again["handle"], "ana");
    let again = app.sign_in("ana@example.com").await;
    let (_, home) = again.get("/api/v1/feeds/home").await;
    assert_eq!(home["items"], json!([]), "{home}");
}

async fn anonymising_keeps_her_content_under_a_placeholder(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_PUBLIC_URL", SITE)]).await;
    let admin = app.admin().await;
    let (annabel, annabel_id) = person(&app, &admin, "Annabel Quist", "annabel@example.com").await;
    let (bob, _) = person(&app, &admin, "Bob Ray", "bob@example.com").await;
    let post = annabel
        .created(
            "/api/v1/posts",
            json!({"body": "Whale watching notes #ocean"}),
        )
        .await;
    let bobs = bob
        .created("/api/v1/posts", json!({"body": "Lunch on Friday?"}))
        .await;
    annabel
        .created(
            &format!("/api/v1/posts/{bobs}/comments"),
            json!({"body": "Count me in"}),
        )
        .await;
    annabel.put(&format!("/api/v1/posts/{bobs}/like")).await;
    search_until(&bob, "whale", |items| items.len() == 1).await;

    let (status, deleted) = delete_with(
        &annabel,
        "/api/v1/me",
        json!({"content": "anonymise", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["content"], "anonymise");

    let traces = ["Annabel", "Quist", "annabel@example.com", "@annabel"];
    let (status, kept) = bob.get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["author"]["name"], "Former member");
    assert_eq!(kept["author"]["id"], annabel_id.as_str());
    assert!(kept["author"].get("email").is_none(), "{kept}");
    no_trace("the post", &kept.to_string(), &traces);
    let (_, lunch) = bob.get(&format!("/api/v1/posts/{bobs}")).await;
    assert_eq!(
        lunch["like_count"], 1,
        "her like stays with her content: {lunch}"
    );
    let (_, comments) = bob.get(&format!("/api/v1/posts/{bobs}/comments")).await;
    assert_eq!(comments["items"][0]["body"], "Count me in");
    no_trace("the comments", &comments.to_string(), &traces);
    for path in [
        "/api/v1/feeds/company".to_string(),
        "/api/v1/tags/ocean/feed".to_string(),
        format!("/api/v1/users/{annabel_id}"),
        format!("/api/v1/users/{annabel_id}/feed"),
    ] {
        let (status, body) = bob.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        no_trace(&path, &body.to_string(), &traces);
    }
    let (_, as_admin) = admin.get(&format!("/api/v1/users/{annabel_id}")).await;
    no_trace("her profile to an admin", &as_admin.to_string(), &traces);
    let browser = app.browser_sign_in("bob@example.com").await;
    for page in [format!("/posts/{post}"), format!("/posts/{bobs}")] {
        let html = browser.page(&page).await;
        assert!(html.contains("Former member"), "{page}");
        no_trace(&page, &html, &traces);
    }
    let found = search_until(&bob, "whale", |items| {
        items.len() == 1 && items[0]["title"] == "Former member"
    })
    .await;
    no_trace("search", &Value::from(found).to_string(), &traces);
    search_until(&bob, "Quist", <[Value]>::is_empty).await;
    let atom = company_atom(&app, &bob).await;
    assert!(atom.contains("Whale watching notes"), "{atom}");
    no_trace("the Atom feed", &atom, &traces);
    let (_, people) = bob.get("/api/v1/users?q=annabel").await;
    assert_eq!(people["items"], json!([]), "{people}");
}

async fn the_company_policy_forces_one_choice(backend: Backend) {
    let app =
        TestApp::start_with(backend, &[("AGORA_ACCOUNTS__DELETION_POLICY", "anonymise")]).await;
    let admin = app.admin().await;
    let (cy, cy_id) = person(&app, &admin, "Cy Dunn", "cy@example.com").await;
    let post = cy
        .created("/api/v1/posts", json!({"body": "Policy notes"}))
        .await;
    let (status, refused) = delete_with(
        &cy,
        "/api/v1/me",
        json!({"content": "remove", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["content"].is_array(), "{refused}");
    assert_eq!(
        cy.get("/api/v1/me").await.0,
        StatusCode::OK,
        "nothing changed"
    );

    let page = app
        .browser_sign_in("cy@example.com")
        .await
        .page("/settings/delete")
        .await;
    assert!(page.contains("Your company&#x27;s policy") || page.contains("Your company's policy"));
    assert!(
        !page.contains("type=\"radio\""),
        "no choice offered: {page}"
    );

    let (status, deleted) = delete_with(&cy, "/api/v1/me", json!({"password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["content"], "anonymise");
    let (_, kept) = admin.get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(kept["author"]["id"], cy_id.as_str());
    assert_eq!(kept["author"]["name"], "Former member");
}

async fn an_admin_deletes_someone_but_never_the_last_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let admin_id = admin.id().await;
    let (dee, dee_id) = person(&app, &admin, "Dee Fox", "dee@example.com").await;
    let (eve, _) = person(&app, &admin, "Eve Hart", "eve@example.com").await;
    let path = format!("/api/v1/admin/users/{dee_id}");

    let (status, _) = delete_with(
        &eve,
        &path,
        json!({"content": "remove", "confirm_email": "dee@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only admins");
    let (status, refused) = delete_with(
        &admin,
        &path,
        json!({"content": "remove", "confirm_email": "eve@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["confirm_email"].is_array(), "{refused}");
    let (status, refused) =
        delete_with(&admin, &path, json!({"confirm_email": "dee@example.com"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a choice is asked: {refused}"
    );
    assert_eq!(
        dee.get("/api/v1/me").await.0,
        StatusCode::OK,
        "nothing changed"
    );

    let (status, deleted) = delete_with(
        &admin,
        &path,
        json!({"content": "remove", "confirm_email": " DEE@example.com "}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(dee.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = delete_with(
        &admin,
        &path,
        json!({"content": "remove", "confirm_email": "dee@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted once only");
    let gone = audit(&admin).await;
    let gone = gone
        .iter()
        .find(|e| e["action"] == "account.deleted")
        .unwrap();
    assert_eq!(gone["actor_id"], admin_id.as_str());
    assert_eq!(gone["detail"]["by"], "admin");

    // The only admin may not go, neither by herself nor through the admin route.
    let (status, refused) = delete_with(
        &admin,
        "/api/v1/me",
        json!({"content": "anonymise", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "last_admin", "{refused}");
    assert!(refused["type"].is_string(), "problem+json: {refused}");
    let (status, _) = delete_with(
        &admin,
        &format!("/api/v1/admin/users/{admin_id}"),
        json!({"content": "anonymise", "confirm_email": "admin@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // With another admin, she may; in the browser, the admin's form does it.
    let (status, _) = admin
        .post(
            "/api/v1/users",
            json!({"email": "fay@example.com", "name": "Fay Admin", "password": PASSWORD, "kind": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let fay = app.browser_sign_in("fay@example.com").await;
    let page = fay.page(&format!("/admin/users/{admin_id}/delete")).await;
    assert!(page.contains("Delete Ada Admin"), "{page}");
    let form = |confirm: &'static str| {
        vec![
            ("csrf", hidden_csrf(&page)),
            ("content", "anonymise".to_string()),
            ("confirm_email", confirm.to_string()),
        ]
    };
    let refused = fay
        .http
        .post(app.url(&format!("/admin/users/{admin_id}/delete")))
        .form(&form("someone@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("type the account"));
    let done = fay
        .http
        .post(app.url(&format!("/admin/users/{admin_id}/delete")))
        .form(&form("admin@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

async fn nobody_signs_in_to_a_deleted_account_by_any_route(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let url = smtp.url();
    let app = TestApp::start_with(
        backend,
        &[("AGORA_SMTP_URL", url.as_str()), ("AGORA_PUBLIC_URL", SITE)],
    )
    .await;
    let admin = app.admin().await;
    let (gus, _) = person(&app, &admin, "Gus Lane", "gus@example.com").await;
    let browser = app.browser_sign_in("gus@example.com").await;
    let feed_token = gus.get("/api/v1/me/feed-token").await.1["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .anonymous()
        .post("/api/v1/auth/link", json!({"email": "gus@example.com"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mail = smtp.wait_for(1).await.remove(0);
    let text = text_of(&mail);
    let start = text.find("token=").unwrap();
    let link = text[start + 6..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // In the browser, her own form: a wrong password is shown, then the right one deletes.
    let page = browser.page("/settings/delete").await;
    let form = |password: &'static str| {
        vec![
            ("csrf", hidden_csrf(&page)),
            ("content", "remove".to_string()),
            ("password", password.to_string()),
        ]
    };
    let refused = browser
        .http
        .post(app.url("/settings/delete"))
        .form(&form("wrong password"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("current password"));
    let done = browser
        .http
        .post(app.url("/settings/delete"))
        .form(&form(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/account-deleted");
    assert!(
        app.anonymous()
            .page("/account-deleted")
            .await
            .contains("deleted")
    );

    // Not her session, token, password, feed token or emailed link.
    let settings = browser.http.get(app.url("/settings")).send().await.unwrap();
    assert_ne!(settings.status(), StatusCode::OK, "the session ended");
    assert_eq!(gus.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            json!({"email": "gus@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let atom = reqwest::get(format!(
        "{}?token={feed_token}",
        app.url("/feeds/company.atom")
    ))
    .await
    .unwrap();
    assert_ne!(atom.status(), StatusCode::OK);
    let (status, _) = app
        .anonymous()
        .post("/api/v1/auth/link/redeem", json!({"token": link}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .anonymous()
        .post("/api/v1/auth/link", json!({"email": "gus@example.com"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.worker_settled("mail_sender").await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "no link for an address nobody has"
    );
}

async fn a_guest_is_deleted_when_her_access_ended_long_enough_ago(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    let hal = app.guest_in(&admin, "hal", &[beta.as_str()]).await;
    let hal_id = hal.id().await;
    let ivy = app.guest_in(&admin, "ivy", &[beta.as_str()]).await;
    let ivy_id = ivy.id().await;
    let post = hal
        .created(
            "/api/v1/posts",
            json!({"body": "Our rollout notes", "group_id": beta}),
        )
        .await;
    let db = app.db.open();
    let ended = |id: &str, days: i64| {
        use agora::db::schema::users;
        let at = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
        db.write(|conn| {
            diesel::update(users::table.find(id.parse::<i64>().unwrap()))
                .set(users::deactivated_at.eq(Some(at)))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    };
    ended(&hal_id, 91);
    ended(&ivy_id, 10);
    let config = config_of(&app, &[]);
    let signer = agora::signing::Signer::load_or_generate(None, app.db.dir.path()).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let sweep = || agora::guests::erasure::sweep(&db, &config, &signer, now).unwrap();
    assert_eq!(sweep(), 1, "only the guest whose access ended 90 days ago");
    assert_eq!(sweep(), 0, "a deleted guest is never due again");

    let (_, kept) = admin.get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(kept["author"]["name"], "Former member", "{kept}");
    no_trace(
        "her post",
        &kept.to_string(),
        &["HAL", "hal@customer.example"],
    );
    let (_, guests) = admin.get("/api/v1/admin/guests").await;
    no_trace(
        "the guest list",
        &guests.to_string(),
        &["hal@customer.example"],
    );
    assert!(guests.to_string().contains("ivy@customer.example"));
    let entries = audit(&admin).await;
    let gone = entries
        .iter()
        .find(|e| e["action"] == "account.deleted")
        .unwrap();
    assert_eq!(gone["actor_id"], Value::Null);
    assert_eq!(gone["detail"]["by"], "system");
    assert_eq!(gone["detail"]["content"], "anonymise");
    assert_eq!(gone["detail"]["kind"], "guest");

    // Switched off, nobody is deleted.
    let never = config_of(&app, &[("AGORA_GUESTS__DELETE_AFTER_DAYS", "0")]);
    ended(&ivy_id, 400);
    assert_eq!(
        agora::guests::erasure::sweep(&db, &never, &signer, now).unwrap(),
        0
    );
}

on_both_backends!(
    removing_her_content_takes_it_out_of_every_surface,
    anonymising_keeps_her_content_under_a_placeholder,
    the_company_policy_forces_one_choice,
    an_admin_deletes_someone_but_never_the_last_admin,
    nobody_signs_in_to_a_deleted_account_by_any_route,
    a_guest_is_deleted_when_her_access_ended_long_enough_ago,
);
