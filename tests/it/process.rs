//! An `agora` process of its own, started from the built binary, for what only separate
//! processes show: several servers on one database, and crashes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, PASSWORD};

/// A running `agora serve`; killed when dropped.
pub struct Process {
    pub base: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts the server on the database at `url` with its data in `data_dir` and the extra
    /// `AGORA_*` settings `env`, on a free port; returns once it answers `/readyz`.
    pub async fn start(url: &str, data_dir: &Path, env: &[(&str, &str)]) -> Process {
        Process::start_logging_to(url, data_dir, env, &data_dir.join("server.log")).await
    }

    /// [`Process::start`], with the server's standard error appended to `log`.
    pub async fn start_logging_to(
        url: &str,
        data_dir: &Path,
        env: &[(&str, &str)],
        log: &Path,
    ) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(data_dir).unwrap();
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_agora"))
            .env("AGORA_DATABASE_URL", url)
            .env("AGORA_DATA_DIR", data_dir)
            .env("AGORA_LISTEN", format!("127.0.0.1:{port}"))
            .env("AGORA_DATABASE__POOL_SIZE", "4")
            .env("AGORA_HTTP__WORKERS", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(output)
            .spawn()
            .unwrap();
        let process = Process {
            base: format!("http://127.0.0.1:{port}"),
            child,
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = format!("{}/readyz", process.base);
        while !reqwest::get(&ready)
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            assert!(
                Instant::now() < deadline,
                "the server never got ready: {}",
                process.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        process
    }

    /// What the server wrote to its standard error so far (every start on this data
    /// directory), its first mebibyte.
    pub fn log(&self) -> String {
        use std::io::Read;
        let mut log = String::new();
        if let Ok(file) = std::fs::File::open(&self.log) {
            let _ = file.take(1 << 20).read_to_string(&mut log);
        }
        log
    }

    pub fn client(&self, token: Option<&str>) -> Client {
        Client::at(&self.base, token)
    }

    /// `client`'s credential on this server.
    pub fn as_(&self, client: &Client) -> Client {
        self.client(client.token.as_deref())
    }

    /// Runs the first-run setup through this server; the admin, signed in with a token.
    pub async fn admin(&self) -> Client {
        let (status, body) = self
            .client(None)
            .post(
                "/api/v1/setup",
                json!({"email": "admin@example.com", "name": "Ada Admin", "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.client(body["token"].as_str())
    }

    /// An employee `handle` made by `admin`, signed in here with a token.
    pub async fn employee(&self, admin: &Client, handle: &str) -> Client {
        let email = format!("{handle}@example.com");
        let (status, body) = admin
            .post(
                "/api/v1/users",
                json!({"email": email, "name": handle, "password": PASSWORD, "kind": "employee"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self
            .client(None)
            .post(
                "/api/v1/auth/token",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self.client(body["token"].as_str())
    }

    /// The value of the metric line starting with `series` (`name{labels}`), if present.
    pub async fn metric(&self, series: &str) -> Option<u64> {
        let text = reqwest::get(format!("{}/metrics", self.base))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let prefix = format!("{series} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.parse().ok())
    }

    /// Successful passes of `worker` in this process so far.
    async fn passes(&self, worker: &str) -> u64 {
        let series = format!("agora_worker_passes_total{{worker=\"{worker}\"}}");
        self.metric(&series)
            .await
            .unwrap_or_else(|| panic!("no {series} in the metrics"))
    }

    /// Waits until `worker` has made two more passes here: whatever it would do with the
    /// state as it is, it has done. The bound is generous: a debug build catching up after
    /// many restarts, on two cores shared with the rest of the suite, has needed over 30 s.
    pub async fn settled(&self, worker: &str) {
        let target = self.passes(worker).await + 2;
        let deadline = Instant::now() + Duration::from_secs(90);
        while self.passes(worker).await < target {
            assert!(Instant::now() < deadline, "{worker} made no pass");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the process at once, as a crash or `kill -9` would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}
