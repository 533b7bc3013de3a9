//! Request counts and latency histograms by route, in Prometheus text format, and the one log
//! line per request. Routes are the matched patterns (`/api/v1/users/{id}`), so ids never
//! multiply the series.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::workers::{Board, WorkerLine};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    total: u64,
}

/// W3C Server Timing: browsers' developer tools show it beside the network time.
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Counters shared by every worker.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (method, route, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, route) → latency.
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let histogram = latency
                .entry((method.to_string(), route.to_string()))
                .or_default();
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
                if seconds <= *bound {
                    *count += 1;
                }
            }
            histogram.sum += seconds;
            histogram.total += 1;
        }
    }

    /// Everything in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP agora_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE agora_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "agora_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP agora_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE agora_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for ((method, route), h) in latency.iter() {
                let labels = format!("method=\"{method}\",route=\"{route}\"");
                for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                    let _ = writeln!(
                        out,
                        "agora_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "agora_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.total
                );
                let _ = writeln!(
                    out,
                    "agora_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "agora_http_request_duration_seconds_count{{{labels}}} {}",
                    h.total
                );
            }
        }
        out
    }
}

/// A per-worker metric: its name, type, help, and its value for one worker (none: left out).
type WorkerSeries = (
    &'static str,
    &'static str,
    &'static str,
    fn(&WorkerLine) -> Option<i64>,
);

/// The workers' board in Prometheus text: lag behind the log, failures, and the outbox.
pub fn render_board(board: &Board) -> String {
    let mut out = String::new();
    let series: [WorkerSeries; 4] = [
        (
            "agora_worker_lag_events",
            "gauge",
            "Events a tail of the log has yet to apply.",
            |line| line.lag,
        ),
        (
            "agora_worker_passes_total",
            "counter",
            "Worker passes that succeeded.",
            |line| i64::try_from(line.report.passes).ok(),
        ),
        (
            "agora_worker_failures_total",
            "counter",
            "Worker passes that failed.",
            |line| i64::try_from(line.report.failures).ok(),
        ),
        (
            "agora_worker_failing",
            "gauge",
            "Whether a worker's last pass failed (1) or not (0).",
            |line| Some(i64::from(line.report.last_error.is_some())),
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for line in &board.workers {
            if let Some(value) = value(line) {
                let _ = writeln!(out, "{name}{{worker=\"{}\"}} {value}", line.report.name);
            }
        }
    }
    out.push_str("# HELP agora_outbox_depth Deliveries in the outbox by kind and state.\n");
    out.push_str("# TYPE agora_outbox_depth gauge\n");
    for depth in &board.outbox {
        let kind = depth.kind.as_str();
        let (queued, dead) = (depth.queued, depth.dead);
        let _ = writeln!(
            out,
            "agora_outbox_depth{{kind=\"{kind}\",state=\"queued\"}} {queued}"
        );
        let _ = writeln!(
            out,
            "agora_outbox_depth{{kind=\"{kind}\",state=\"dead\"}} {dead}"
        );
    }
    out
}

/// Middleware: times the request, records it, and logs one line.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let path = req.path().to_string();
    let mut response = next.call(req).await?;
    let elapsed = started.elapsed();
    // The server's own share of the request, so a client can tell it from the transport's.
    if let Ok(timing) =
        HeaderValue::from_str(&format!("app;dur={:.3}", elapsed.as_secs_f64() * 1000.0))
    {
        response.headers_mut().insert(SERVER_TIMING, timing);
    }
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    if let Some(metrics) = metrics {
        metrics.record(&method, &route, status, elapsed);
    }
    tracing::info!(%method, %route, %path, status, latency_ms = elapsed.as_secs_f64() * 1000.0, "request");
    Ok(response)
}
