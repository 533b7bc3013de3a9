//! The test harness: a real Agora on a random port over a fresh database (a temp SQLite file,
//! or a fresh PostgreSQL schema when AGORA_TEST_DATABASE_URL is set), and clients to talk to it.

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use agora::config::Config;
use agora::db::Db;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Registers test bodies, plain `async fn name(backend: Backend)` functions, as two tests each:
/// `name::sqlite` and `name::postgres`. A body left out of the list is dead code, which the
/// lints refuse, so no test is written and never run.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    agora::init_tls();
                    super::$name($crate::support::Backend::Sqlite).await
                }
                #[actix_web::test]
                async fn postgres() {
                    agora::init_tls();
                    if $crate::support::postgres_configured() {
                        super::$name($crate::support::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}

/// True when AGORA_TEST_DATABASE_URL is set. In CI it must be: there, a missing PostgreSQL
/// fails the run rather than skipping half the tests.
pub fn postgres_configured() -> bool {
    let set = std::env::var("AGORA_TEST_DATABASE_URL").is_ok();
    assert!(
        set || std::env::var("CI").is_err(),
        "CI must set AGORA_TEST_DATABASE_URL"
    );
    if !set {
        // Once per run, and past the harness's capture of `eprintln!`, so it is seen.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "PostgreSQL skipped: AGORA_TEST_DATABASE_URL is not set, so every test ran on SQLite only"
            );
        });
    }
    set
}

/// A fresh, empty database: a temp SQLite file or a new PostgreSQL schema, dropped at the end.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("agora.db").display());
                TestDb {
                    url,
                    dir,
                    schema: None,
                }
            }
            Backend::Postgres => {
                let base = std::env::var("AGORA_TEST_DATABASE_URL").unwrap();
                let schema = format!("t_{}", hex::encode(rand::random::<[u8; 8]>()));
                let mut conn = PgConnection::establish(&base).unwrap();
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .unwrap();
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
                TestDb {
                    url,
                    dir,
                    schema: Some((base, schema)),
                }
            }
        }
    }

    /// The database at `url`, which the test made and removes itself.
    pub fn at(url: &str) -> TestDb {
        TestDb {
            url: url.to_string(),
            dir: tempfile::tempdir().unwrap(),
            schema: None,
        }
    }

    /// Another handle on this database, for a second server on it; dropping it leaves the
    /// database to this one.
    pub fn shared(&self) -> TestDb {
        TestDb::at(&self.url)
    }

    /// A pool on this database with migrations applied.
    pub fn open(&self) -> Db {
        let config = Config::load(None, Vec::new()).unwrap();
        let db = Db::connect(&self.url, &config.database).unwrap();
        db.read(agora::db::migrations::run_pending).unwrap();
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.schema
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn);
        }
    }
}

/// A running Agora.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    handle: ServerHandle,
    /// The board of this server's workers.
    pub workers: agora::workers::Status,
    /// Stops the workers when sent to or dropped.
    stop_workers: tokio::sync::watch::Sender<bool>,
}

impl TestApp {
    /// Starts Agora with the default test settings.
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, &[]).await
    }

    /// Starts Agora with extra `AGORA_*` settings.
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> TestApp {
        TestApp::start_on(TestDb::new(backend), env).await
    }

    /// Starts a second server on this one's database, as another process would.
    pub async fn another(&self, env: &[(&str, &str)]) -> TestApp {
        TestApp::start_on(self.db.shared(), env).await
    }

    /// Stops the server and waits until it has; the database stays.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
        let _ = self.stop_workers.send(true);
    }

    /// Starts Agora on `db` as it is (migrating it first, as a release does).
    pub async fn start_on(db: TestDb, env: &[(&str, &str)]) -> TestApp {
        let mut vars: Vec<(String, String)> = vec![
            ("AGORA_DATA_DIR".into(), db.dir.path().display().to_string()),
            ("AGORA_DATABASE_URL".into(), db.url.clone()),
            ("AGORA_DATABASE__POOL_SIZE".into(), "4".into()),
            ("AGORA_HTTP__WORKERS".into(), "1".into()),
            ("AGORA_HTTP__SHUTDOWN_TIMEOUT_SECS".into(), "1".into()),
            // Digests go out when a test asks, never because the clock passed the hour.
            ("AGORA_DIGESTS__SCHEDULER".into(), "false".into()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::load(None, vars).unwrap();
        let app = actix_web::rt::task::spawn_blocking(move || agora::App::build(config))
            .await
            .unwrap()
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let workers = app.spawn_workers(stopped).unwrap();
        let server = agora::http::server(app, &workers, listener).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            base,
            db,
            handle,
            workers: workers.status,
            stop_workers: stop,
        }
    }

    /// Waits until worker `name` has finished two more passes than now: whatever it would do
    /// with the state as it is (send a mail again, notify twice) it has done by then. Takes
    /// the place of a sleep before asserting that something did not happen.
    pub async fn worker_settled(&self, name: &str) {
        let passes = || {
            self.workers
                .reports()
                .into_iter()
                .find(|r| r.name == name)
                .map_or(0, |r| r.passes + r.failures)
        };
        let target = passes() + 2;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while passes() < target {
            assert!(
                std::time::Instant::now() < deadline,
                "worker {name} made no pass"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Creates a group as `owner`; returns its id.
    pub async fn group(
        &self,
        owner: &Client,
        name: &str,
        visibility: &str,
        allow_guests: bool,
    ) -> String {
        let (status, body) = owner
            .post("/api/v1/groups", json!({"name": name, "description": format!("About {name}"), "visibility": visibility, "allow_guests": allow_guests}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// A guest (as an accepted invitation makes one, sponsored by `sponsor`) added to `groups`
    /// by `sponsor`, signed in with a token.
    pub async fn guest_in(&self, sponsor: &Client, handle: &str, groups: &[&str]) -> Client {
        let sponsor_id: agora::ids::UserId = sponsor.id().await.parse().unwrap();
        let email = format!("{handle}@customer.example");
        let db = self.db.open();
        let config = Config::load(None, Vec::new()).unwrap();
        let account = agora::accounts::actions::NewAccount {
            email: email.clone(),
            name: handle.to_uppercase(),
            password: PASSWORD.into(),
            kind: agora::accounts::UserKind::Guest,
        };
        let guest = agora::accounts::actions::register(
            &db,
            &config.auth,
            account,
            agora::accounts::actions::Registration::Guest {
                sponsor: sponsor_id,
            },
            &agora::audit::Origin::default(),
        )
        .unwrap();
        db.write(|conn| agora::guests::actions::enrol(conn, guest.id, sponsor_id, 90))
            .unwrap();
        for group in groups {
            let (status, body) = sponsor
                .post(
                    &format!("/api/v1/groups/{group}/members"),
                    json!({"user_id": guest.id.to_string()}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        self.sign_in(&email).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with no credentials (and a cookie jar, like a browser).
    pub fn anonymous(&self) -> Client {
        Client::at(&self.base, None)
    }

    /// Runs the first-run setup; returns the admin's client.
    pub async fn admin(&self) -> Client {
        let mut client = self.anonymous();
        let (status, body) = client
            .post(
                "/api/v1/setup",
                json!({"email": "admin@example.com", "name": "Ada Admin", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        client.token = Some(body["token"].as_str().unwrap().to_string());
        client
    }

    /// Creates an account as `admin` and signs it in with a token.
    pub async fn user(&self, admin: &Client, handle: &str, kind: &str) -> Client {
        let email = format!("{handle}@example.com");
        let (status, body) = admin
            .post("/api/v1/users", json!({"email": email, "name": handle.to_uppercase(), "password": PASSWORD, "kind": kind}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.sign_in(&email).await
    }

    /// Signs `email` in through the API.
    pub async fn sign_in(&self, email: &str) -> Client {
        self.sign_in_with(email, PASSWORD).await
    }

    /// A client sending `token` as its bearer credential.
    pub fn client_with_token(&self, token: &str) -> Client {
        Client::at(&self.base, Some(token))
    }

    /// Signs `email` in through the API with `password`.
    pub async fn sign_in_with(&self, email: &str, password: &str) -> Client {
        let mut client = self.anonymous();
        let (status, body) = client
            .post(
                "/api/v1/auth/token",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        client.token = Some(body["token"].as_str().unwrap().to_string());
        client
    }

    /// Signs `email` in through the sign-in page, like a browser; the client carries the
    /// session cookie and the page's CSRF token.
    pub async fn browser_sign_in(&self, email: &str) -> Client {
        let mut client = self.anonymous();
        let page = client.page("/sign-in").await;
        let form_token = hidden_csrf(&page);
        let response = client
            .http
            .post(self.url("/sign-in"))
            .form(&[
                ("email", email),
                ("password", PASSWORD),
                ("csrf", &form_token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let home = client.page("/").await;
        client.csrf = Some(hidden_csrf(&home));
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stopping is asynchronous; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Below the server's keep-alive (5 s), so a pooled connection is never reused just as
        // the server closes it.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The value of the first hidden `csrf` input of a page.
pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A client of the running app.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
    /// Sent as X-CSRF-Token on unsafe requests when set.
    pub csrf: Option<String>,
}

impl Client {
    /// A client of the server at `base` (with a cookie jar, like a browser), sending `token`
    /// as its bearer credential when given.
    pub fn at(base: &str, token: Option<&str>) -> Client {
        Client {
            base: base.to_string(),
            http: browser(),
            token: token.map(str::to_string),
            csrf: None,
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let (Some(csrf), false) = (&self.csrf, method == reqwest::Method::GET) {
            request = request.header("x-csrf-token", csrf);
        }
        request
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The signed-in user's id.
    pub async fn id(&self) -> String {
        let (status, me) = self.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me["id"].as_str().unwrap().to_string()
    }

    pub async fn put(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::PUT, path)).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// GETs `path` until it answers 200 with a body `done` accepts (the work of a worker),
    /// for at most 20 s.
    pub async fn eventually(&self, path: &str, done: impl Fn(&Value) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (status, body) = self.get(path).await;
            if status == StatusCode::OK && done(&body) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never got there: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// GETs `path` until it answers `status`, for at most 20 s.
    pub async fn eventually_status(&self, path: &str, status: StatusCode) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (got, body) = self.get(path).await;
            if got == status {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never answered {status}: {got} {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// POSTs `body` to `path` until it creates something (201), for at most 20 s; its id.
    pub async fn eventually_created(&self, path: &str, body: Value) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (status, made) = self.post(path, body.clone()).await;
            if status == StatusCode::CREATED {
                return made["id"].as_str().unwrap().to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never created: {status} {made}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// POSTs `body`, which must create something (201); its id.
    pub async fn created(&self, path: &str, body: Value) -> String {
        let (status, made) = self.post(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        made["id"].as_str().unwrap().to_string()
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::PATCH, path).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// Uploads `bytes` as a file named `name`, claiming `claimed` as its type: the answer.
    pub async fn upload(&self, name: &str, claimed: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(claimed)
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.send(
            self.request(reqwest::Method::POST, "/api/v1/files")
                .multipart(form),
        )
        .await
    }

    /// Uploads a file that must be kept (201); its id.
    pub async fn uploaded(&self, name: &str, bytes: &[u8]) -> String {
        let (status, file) = self
            .upload(name, "application/octet-stream", bytes.to_vec())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        file["id"].as_str().unwrap().to_string()
    }

    /// GETs `path` raw: status, headers and bytes.
    pub async fn fetch(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// The HTML of a page that must answer 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }
}
