//! The test's webhook receiver: `receiver.py`, which checks each delivery's signature with the
//! `standardwebhooks` library, answers as told, and logs what came.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Receiver {
    child: Child,
    pub url: String,
    pub port: u16,
    http: reqwest::Client,
}

impl Receiver {
    /// Starts one, or says why not: without Python's `standardwebhooks` the webhook tests
    /// are skipped on a developer's machine but fail under CI, which installs it.
    pub fn start() -> Option<Receiver> {
        let python = std::env::var("CONTRACT_VENV")
            .map(|venv| format!("{venv}/bin/python3"))
            .ok()
            .filter(|path| std::path::Path::new(path).exists())
            .unwrap_or_else(|| "python3".to_string());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/webhooks/receiver.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut first = String::new();
        let stdout = child.stdout.take()?;
        let _ = BufReader::new(stdout).read_line(&mut first);
        let Ok(port) = first.trim().parse::<u16>() else {
            let _ = child.kill();
            assert!(
                std::env::var_os("CI").is_none(),
                "the webhook receiver needs Python with standardwebhooks under CI"
            );
            eprintln!("webhooks skipped: pip install standardwebhooks");
            return None;
        };
        Some(Receiver {
            child,
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            http: reqwest::Client::new(),
        })
    }

    /// The setting that lets Agora reach it, as an intranet host would be allow-listed.
    pub fn allow(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    async fn put(&self, what: &str, value: Value) {
        let url = format!("http://127.0.0.1:{}/{what}", self.port);
        let response = self.http.put(url).json(&value).send().await.unwrap();
        assert!(response.status().is_success());
    }

    /// The secrets it verifies with.
    pub async fn trust(&self, secrets: &[&str]) {
        self.put("secrets", json!(secrets)).await;
    }

    /// What it answers next, in order (then 200).
    pub async fn answer(&self, answers: Value) {
        self.put("answers", answers).await;
    }

    /// Every delivery so far.
    pub async fn log(&self) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/log", self.port);
        let response = self.http.get(url).send().await.unwrap();
        response.json().await.unwrap()
    }

    /// Waits until at least `count` deliveries came; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log().await;
            if log.len() >= count {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} deliveries came: {log:#?}",
                log.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
