//! How soon a new post can be found: one client posts at a steady rate through the API, each
//! post holding a word no other post has, and polls the search API for that word until the
//! post is found.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::time::MissedTickBehavior;

use crate::drive::Stats;

/// Between two polls for the same post.
const POLL: Duration = Duration::from_millis(20);
/// A post not found by then counts as missed.
const GIVE_UP: Duration = Duration::from_secs(10);

/// What one freshness run saw.
pub struct Freshness {
    pub posted: usize,
    pub post_errors: usize,
    /// From the answer to the post's creation to the first search that found it; the errors
    /// are the posts never found.
    pub found: Stats,
    pub polls: usize,
}

/// Posts `rate` posts a second for `seconds` as `token`'s owner, each followed by its poller.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    rate: u32,
    seconds: u64,
) -> Freshness {
    let nonce = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let polls = Arc::new(AtomicUsize::new(0));
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (mut posted, mut post_errors, mut pollers) = (0, 0, Vec::new());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let word = format!("probe{nonce}x{posted}");
        posted += 1;
        let created = http
            .post(format!("{base}/api/v1/posts"))
            .bearer_auth(token)
            .json(&json!({ "body": format!("Freshness probe {word}") }))
            .send()
            .await;
        if !created.is_ok_and(|r| r.status().is_success()) {
            post_errors += 1;
            continue;
        }
        let url = format!("{base}/api/v1/search?type=posts&q={word}");
        pollers.push(tokio::spawn(poll(
            http.clone(),
            url,
            token.to_string(),
            Instant::now(),
            polls.clone(),
        )));
    }
    let mut found = Vec::new();
    let mut missed = 0;
    for outcome in futures_util::future::join_all(pollers).await {
        match outcome {
            Ok(Some(latency)) => found.push(latency),
            _ => missed += 1,
        }
    }
    found.sort_unstable();
    Freshness {
        posted,
        post_errors,
        found: Stats {
            latencies: found,
            errors: missed,
            elapsed: started.elapsed(),
        },
        polls: polls.load(Ordering::Relaxed),
    }
}

/// Searches `url` every `POLL` until it finds a post: the time since `created`.
async fn poll(
    http: reqwest::Client,
    url: String,
    token: String,
    created: Instant,
    polls: Arc<AtomicUsize>,
) -> Option<Duration> {
    loop {
        polls.fetch_add(1, Ordering::Relaxed);
        if finds(&http, &url, &token).await {
            return Some(created.elapsed());
        }
        if created.elapsed() > GIVE_UP {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn finds(http: &reqwest::Client, url: &str, token: &str) -> bool {
    let Ok(response) = http.get(url).bearer_auth(token).send().await else {
        return false;
    };
    let Ok(page) = response.json::<serde_json::Value>().await else {
        return false;
    };
    page["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
}
