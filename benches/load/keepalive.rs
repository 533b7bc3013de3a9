//! One client on one kept-alive connection, with two independent client implementations:
//! reqwest (hyper) and a plain HTTP/1.1 client written here over a `TcpStream`. Each request's
//! time is compared with the server's own (`Server-Timing: app;dur=…`): what is left is the
//! transport's share, which Nagle's algorithm meeting delayed ACKs once made 40 ms.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::drive::Stats;

/// Requests of one kind on one connection: the client's latencies, and how much of each the
/// server did not account for.
pub struct KeptAlive {
    pub stats: Stats,
    pub overhead: Stats,
}

/// The server's own milliseconds from a `Server-Timing: app;dur=…` value.
fn server_ms(value: &str) -> Option<f64> {
    value.trim().strip_prefix("app;dur=")?.parse().ok()
}

fn collect(samples: Vec<(Duration, f64)>, errors: usize, started: Instant) -> KeptAlive {
    let elapsed = started.elapsed();
    let overheads = samples
        .iter()
        .map(|(took, server)| took.saturating_sub(Duration::from_secs_f64(server / 1000.0)))
        .collect();
    let latencies = samples.into_iter().map(|(took, _)| took).collect();
    KeptAlive {
        stats: Stats::of_clients(vec![(latencies, errors)], elapsed),
        overhead: Stats::of_clients(vec![(overheads, 0)], elapsed),
    }
}

/// `path` with `token`, `encoding` accepted, again and again for `seconds` through reqwest on
/// one pooled connection.
pub async fn with_reqwest(
    base: &str,
    path: &str,
    token: &str,
    encoding: &str,
    seconds: u64,
) -> Result<KeptAlive, String> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (mut samples, mut errors) = (Vec::new(), 0);
    while started.elapsed() < Duration::from_secs(seconds) {
        let t = Instant::now();
        let sent = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .header("accept-encoding", encoding)
            .send()
            .await;
        let Ok(response) = sent else {
            errors += 1;
            continue;
        };
        let server = response
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(server_ms);
        let body = response.bytes().await;
        match (server, body) {
            (Some(server), Ok(_)) => samples.push((t.elapsed(), server)),
            _ => errors += 1,
        }
    }
    Ok(collect(samples, errors, started))
}

/// The same through the plain client: one `TcpStream`, requests written whole, responses read
/// by `Content-Length` or chunk by chunk.
pub fn with_plain_http(
    base: &str,
    path: &str,
    token: &str,
    encoding: &str,
    seconds: u64,
) -> Result<KeptAlive, String> {
    let host = base.trim_start_matches("http://");
    let stream = TcpStream::connect(host).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Accept-Encoding: {encoding}\r\nConnection: keep-alive\r\n\r\n"
    );
    let started = Instant::now();
    let (mut samples, mut errors) = (Vec::new(), 0);
    while started.elapsed() < Duration::from_secs(seconds) {
        let t = Instant::now();
        writer
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let response = read_response(&mut reader)?;
        match (response.ok, response.server_ms) {
            (true, Some(server)) => samples.push((t.elapsed(), server)),
            _ => errors += 1,
        }
    }
    Ok(collect(samples, errors, started))
}

struct Response {
    ok: bool,
    server_ms: Option<f64>,
}

/// Reads one response off the connection, body included.
fn read_response(reader: &mut BufReader<TcpStream>) -> Result<Response, String> {
    let mut line = String::new();
    let read_line = |reader: &mut BufReader<TcpStream>, line: &mut String| {
        line.clear();
        reader.read_line(line).map_err(|e| e.to_string())
    };
    read_line(reader, &mut line)?;
    let ok = line.split_whitespace().nth(1) == Some("200");
    let (mut length, mut chunked, mut server_ms) = (0usize, false, None);
    loop {
        read_line(reader, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "transfer-encoding" => chunked = value.trim().eq_ignore_ascii_case("chunked"),
            "server-timing" => server_ms = self::server_ms(value),
            _ => {}
        }
    }
    if !chunked {
        skip(reader, length)?;
        return Ok(Response { ok, server_ms });
    }
    loop {
        read_line(reader, &mut line)?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|e| format!("chunk size {line:?}: {e}"))?;
        skip(reader, size)?;
        read_line(reader, &mut line)?;
        if size == 0 {
            return Ok(Response { ok, server_ms });
        }
    }
}

fn skip(reader: &mut BufReader<TcpStream>, bytes: usize) -> Result<(), String> {
    let mut left = bytes;
    const BUFFER: usize = 16 * 1024;
    let mut buffer = [0u8; BUFFER];
    while left > 0 {
        let n = reader
            .read(&mut buffer[..left.min(BUFFER)])
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        left -= n;
    }
    Ok(())
}
