//! Memory per idle live stream: opens N `GET /api/v1/stream` connections to the running
//! server and reports how much the server's resident set grew, divided by N; then the
//! delivery latency of a post to all of them (`delivery`).
//!
//! The streams are opened by a second process (this binary again, with `--stream-client`):
//! each stream is a socket on both sides, and one process may not hold 2 × 10,000 of them
//! under a common open-file limit of 20,000. So this process is the server alone, and `VmRSS`
//! of `/proc/self/status` is the server's memory: actix's connection state, the stream's
//! scope and receiver. The two talk over the client's standard input and output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use agora::db::Db;

use crate::delivery;
use crate::seed::Seeded;

/// Streams opened (and kept) before the baseline, so one-time costs (worker buffers, the
/// blocking pool's threads, the first allocations of each code path) are not counted.
const WARM_UP: usize = 100;
/// Posts whose delivery to every open stream is timed.
const PROBES: usize = 20;
/// The variable that hands the client process its API tokens (comma-separated).
const TOKENS_VAR: &str = "AGORA_BENCH_STREAM_TOKENS";

/// Has a client process open `connections` idle streams, reports the memory they cost the
/// server, then how long a post takes to reach all of them.
pub fn run(db: &Db, seeded: &Seeded, base: &str, connections: usize) -> Result<String, String> {
    let users = seeded.user_ids.len().clamp(1, 500);
    let tokens: Vec<String> = seeded.user_ids[..users]
        .iter()
        .map(|&id| {
            db.write(|conn| {
                agora::accounts::sessions::create_api_token(
                    conn,
                    agora::ids::UserId(id),
                    &Default::default(),
                )
            })
            .map(|(_, token)| token)
            .map_err(|e| e.detail)
        })
        .collect::<Result<_, _>>()?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["--stream-client", base, "--stream-connections"])
        .arg(connections.to_string())
        .env(TOKENS_VAR, tokens.join(","))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the stream client: {e}"))?;
    let mut to_client = child.stdin.take().ok_or("no stdin")?;
    let mut from_client = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut expect = |word: &str| -> Result<(), String> {
        let mut line = String::new();
        from_client
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        match line.trim() == word {
            true => Ok(()),
            false => Err(format!("the stream client said {line:?}, not {word}")),
        }
    };
    expect("warm")?;
    std::thread::sleep(Duration::from_secs(1));
    let before = rss_kib()?;
    writeln!(to_client, "open").map_err(|e| e.to_string())?;
    expect("open")?;
    // Let the server settle (blocking reads finished, buffers trimmed) before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib()?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / connections as f64;
    let memory = format!(
        "idle live streams: {connections} (after {WARM_UP} warm-up streams, {users} users)\n\
         VmRSS before: {:.1} MiB, after: {:.1} MiB\n\
         memory per idle stream: {:.1} KiB",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        per / 1024.0
    );
    eprintln!("{memory}");
    writeln!(to_client, "measure").map_err(|e| e.to_string())?;
    let mut delivery = String::new();
    from_client
        .read_to_string(&mut delivery)
        .map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("the stream client failed ({status})"));
    }
    Ok(format!("{memory}\n{}", delivery.trim_end()))
}

/// The client process: opens the warm-up streams, then on "open" the measured ones, then on
/// "measure" times the delivery of posts to all of them and prints the result.
pub fn client(base: &str, connections: usize) -> Result<(), String> {
    let addr = base.trim_start_matches("http://");
    let tokens: Vec<String> = std::env::var(TOKENS_VAR)
        .map_err(|_| format!("{TOKENS_VAR} is not set"))?
        .split(',')
        .map(str::to_string)
        .collect();
    let open = |n: usize| open_stream(addr, &tokens[n % tokens.len()]);
    let mut streams: Vec<TcpStream> = (0..WARM_UP).map(open).collect::<Result<_, _>>()?;
    let mut commands = std::io::stdin().lock().lines();
    let mut next = |word: &str| -> Result<(), String> {
        let line = commands.next().ok_or("the server side hung up")?;
        match line.map_err(|e| e.to_string())?.trim() == word {
            true => Ok(()),
            false => Err(format!("expected {word}")),
        }
    };
    println!("warm");
    next("open")?;
    for n in 0..connections {
        streams.push(open(WARM_UP + n)?);
    }
    println!("open");
    next("measure")?;
    println!("{}", delivery::measure(base, &tokens[0], streams, PROBES)?);
    Ok(())
}

/// Raises this process's open-file limit to what `connections` streams need on one side.
/// Without the privilege to raise the hard limit, the soft one goes up to it, and a shortfall
/// is an error naming `ulimit -n`.
pub fn raise_open_files(connections: usize) -> Result<(), String> {
    let needed = (connections + WARM_UP) as u64 + 1024;
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).map_err(|e| e.to_string())?;
    if soft >= needed {
        return Ok(());
    }
    if rlimit::setrlimit(rlimit::Resource::NOFILE, needed, hard.max(needed)).is_ok() {
        return Ok(());
    }
    let raised = rlimit::increase_nofile_limit(needed).map_err(|e| e.to_string())?;
    if raised < needed {
        return Err(format!(
            "{connections} streams need {needed} open files, the limit is {raised}: \
             raise it (ulimit -n {needed}) and run again"
        ));
    }
    Ok(())
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
