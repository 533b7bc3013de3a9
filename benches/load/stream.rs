//! Memory per idle live stream: opens N `GET /api/v1/stream` connections to the running
//! server and reports how much the process's resident set grew, divided by N.
//!
//! The server runs in this process, so `VmRSS` of `/proc/self/status` is its memory. The client
//! side is one blocking socket per stream, whose buffers live in the kernel, not in the RSS, so
//! the growth is the server's: actix's connection state, the stream's scope and receiver.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use agora::db::Db;

use crate::seed::Seeded;

/// Streams opened (and kept) before the baseline, so one-time costs (worker buffers, the
/// blocking pool's threads, the first allocations of each code path) are not counted.
const WARM_UP: usize = 100;

/// Opens `connections` idle streams and reports the memory they cost.
pub fn run(db: &Db, seeded: &Seeded, base: &str, connections: usize) -> Result<String, String> {
    let addr = base.trim_start_matches("http://");
    let users = seeded.user_ids.len().clamp(1, 500);
    let tokens: Vec<String> = seeded.user_ids[..users]
        .iter()
        .map(|&id| {
            db.write(|conn| agora::accounts::sessions::create_api_token(conn, id))
                .map(|(_, token)| token)
                .map_err(|e| e.detail)
        })
        .collect::<Result<_, _>>()?;
    let open = |n: usize| -> Result<TcpStream, String> { open_stream(addr, &tokens[n % users]) };
    let warm: Vec<TcpStream> = (0..WARM_UP).map(open).collect::<Result<_, _>>()?;
    std::thread::sleep(Duration::from_secs(1));
    let before = rss_kib()?;
    let mut streams = Vec::with_capacity(connections);
    for n in 0..connections {
        streams.push(open(WARM_UP + n)?);
    }
    // Let the server settle (blocking reads finished, buffers trimmed) before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib()?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / connections as f64;
    drop(streams);
    drop(warm);
    Ok(format!(
        "idle live streams: {connections} (after {WARM_UP} warm-up streams, {users} users)\n\
         VmRSS before: {:.1} MiB, after: {:.1} MiB\n\
         memory per idle stream: {:.1} KiB",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        per / 1024.0
    ))
}

/// Connects and reads until the stream's opening frame, so the server has set it up.
fn open_stream(addr: &str, token: &str) -> Result<TcpStream, String> {
    let mut socket = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Accept: text/event-stream\r\n\r\n"
    );
    socket
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let n = socket.read(&mut buffer).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed a stream while opening it".into());
        }
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received);
        if !text.starts_with("HTTP/1.1 200") && text.contains("\r\n\r\n") {
            return Err(format!(
                "stream refused: {}",
                text.lines().next().unwrap_or("")
            ));
        }
        if let Some((_, body)) = text.split_once("\r\n\r\n")
            && body.contains("\n\n")
        {
            return Ok(socket);
        }
    }
}

/// The resident set of this process, in KiB.
fn rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".to_string())
}
