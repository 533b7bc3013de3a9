//! Delivery latency of a live event to many open streams: one user posts to the company feed
//! (which every seeded employee reads) over HTTP, and each open stream notes when its `post`
//! frame arrives. A probe's latencies run from just before the request is sent to each
//! stream's arrival; probes go one at a time, the next once every stream has had the last.
//!
//! The streams are read by one client thread in this process, on the same cores as the
//! server, so the figures include the client's own work of reading N sockets per event.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use crate::drive::{self, Stats};

/// What every post event's frame contains (see `src/live/frame.rs`).
const POST_FRAME: &[u8] = b"event: post\n";
/// Longest wait for one probe to reach every stream.
const PROBE_DEADLINE: Duration = Duration::from_secs(60);

/// Arrival times of the post frames on each stream, in order.
type Arrivals = Arc<Mutex<Vec<Vec<Instant>>>>;

/// Posts `probes` times as the owner of `token` and reports how long each post took to reach
/// every one of `streams` (already open, past their opening frame).
pub fn measure(
    base: &str,
    token: &str,
    streams: Vec<std::net::TcpStream>,
    probes: usize,
) -> Result<String, String> {
    let count = streams.len();
    let runtime = drive::runtime()?;
    runtime.block_on(async move {
        let arrivals: Arrivals = Arc::new(Mutex::new(vec![Vec::new(); count]));
        for (n, socket) in streams.into_iter().enumerate() {
            socket.set_nonblocking(true).map_err(|e| e.to_string())?;
            let socket = tokio::net::TcpStream::from_std(socket).map_err(|e| e.to_string())?;
            tokio::spawn(listen(socket, n, arrivals.clone()));
        }
        let http = drive::client(1)?;
        drive::wait_ready(&http, base).await?;
        let mut all = Vec::with_capacity(count * probes);
        let mut slowest = Vec::with_capacity(probes);
        for probe in 0..probes {
            let sent = Instant::now();
            let response = http
                .post(format!("{base}/api/v1/posts"))
                .bearer_auth(token)
                .json(&serde_json::json!({"body": format!("delivery probe {probe}")}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("probe post refused: {}", response.status()));
            }
            let latencies = wait_for_all(&arrivals, probe, sent).await?;
            slowest.push(latencies.iter().copied().max().unwrap_or_default());
            all.extend(latencies);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (all, slowest) = (sorted(all), sorted(slowest));
        Ok(format!(
            "event delivery to {count} open streams, {probes} posts one after another:\n\
             per stream: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n\
             until the last stream had it: p50 {:.1} ms, max {:.1} ms",
            ms(all.percentile(0.5)),
            ms(all.percentile(0.99)),
            ms(all.percentile(1.0)),
            ms(slowest.percentile(0.5)),
            ms(slowest.percentile(1.0)),
        ))
    })
}

/// Reads stream `n` until it closes, noting when each post frame arrives.
async fn listen(mut socket: tokio::net::TcpStream, n: usize, arrivals: Arrivals) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 2048];
    while let Ok(read) = socket.read(&mut buffer).await {
        if read == 0 {
            return;
        }
        let at = Instant::now();
        pending.extend_from_slice(&buffer[..read]);
        let mut start = 0;
        while let Some(found) = find(&pending[start..], POST_FRAME) {
            if let Ok(mut arrivals) = arrivals.lock() {
                arrivals[n].push(at);
            }
            start += found + POST_FRAME.len();
        }
        // Keep a tail that may hold the start of a frame split across reads.
        let keep_from = start.max(pending.len().saturating_sub(POST_FRAME.len() - 1));
        pending.drain(..keep_from);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Waits until every stream has its post frame number `probe`; returns each one's latency.
async fn wait_for_all(
    arrivals: &Arrivals,
    probe: usize,
    sent: Instant,
) -> Result<Vec<Duration>, String> {
    loop {
        let (done, latencies) = {
            let arrivals = arrivals.lock().map_err(|e| e.to_string())?;
            let done = arrivals.iter().filter(|a| a.len() > probe).count();
            let latencies: Vec<Duration> = arrivals
                .iter()
                .filter_map(|a| a.get(probe).map(|at| at.saturating_duration_since(sent)))
                .collect();
            (done == arrivals.len(), (done, latencies))
        };
        if done {
            return Ok(latencies.1);
        }
        if sent.elapsed() > PROBE_DEADLINE {
            return Err(format!(
                "probe {probe} reached {} of the streams in {PROBE_DEADLINE:?}",
                latencies.0
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn sorted(mut latencies: Vec<Duration>) -> Stats {
    latencies.sort_unstable();
    Stats {
        latencies,
        errors: 0,
        elapsed: Duration::ZERO,
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
