//! A real SMTP server for tests, on a free local port: it speaks enough SMTP for a client to
//! deliver, keeps every message it accepts, and can be told to turn clients away for a while
//! (421, a passing outage) or to refuse recipients for good (550).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mood {
    Accepting = 0,
    /// 421 at the greeting: try again later.
    Down = 1,
    /// 550 for every recipient.
    Refusing = 2,
}

pub struct SmtpServer {
    pub port: u16,
    mood: Arc<AtomicU8>,
    received: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    pub async fn start(mood: Mood) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer {
            port,
            mood: Arc::new(AtomicU8::new(mood as u8)),
            received: Arc::default(),
        };
        let (moods, received) = (server.mood.clone(), server.received.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (moods, received) = (moods.clone(), received.clone());
                tokio::spawn(async move {
                    let _ = converse(stream, &moods, &received).await;
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, mood: Mood) {
        self.mood.store(mood as u8, Ordering::SeqCst);
    }

    /// Every message accepted so far, as sent (headers and body).
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        self.wait_for_within(count, Duration::from_secs(15)).await
    }

    /// Waits at most `patience` until at least `count` messages arrived; returns them all.
    pub async fn wait_for_within(&self, count: usize, patience: Duration) -> Vec<String> {
        let deadline = Instant::now() + patience;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} messages arrived",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn converse(
    stream: tokio::net::TcpStream,
    mood: &AtomicU8,
    received: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    if mood.load(Ordering::SeqCst) == Mood::Down as u8 {
        writer
            .write_all(b"421 test.local Service not available, try later\r\n")
            .await?;
        return Ok(());
    }
    writer.write_all(b"220 test.local ESMTP\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250-test.local\r\n250 8BITMIME\r\n"
        } else if command.starts_with("RCPT") && mood.load(Ordering::SeqCst) == Mood::Refusing as u8
        {
            b"550 5.1.1 No such mailbox\r\n"
        } else if command.starts_with("DATA") {
            writer.write_all(b"354 go ahead\r\n").await?;
            let mut message = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                message.push_str(line.strip_prefix('.').unwrap_or(&line));
                message.push('\n');
            }
            received.lock().unwrap().push(message);
            b"250 2.0.0 queued\r\n"
        } else if command.starts_with("QUIT") {
            writer.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        writer.write_all(reply).await?;
    }
    Ok(())
}

/// The plain-text part of a message, with quoted-printable or base64 undone.
pub fn text_of(message: &str) -> String {
    part_of(message, "text/plain")
}

/// The HTML part of a message, decoded likewise.
pub fn html_of(message: &str) -> String {
    part_of(message, "text/html")
}

/// The part of `message` of `content_type` (or the whole body), decoded.
fn part_of(message: &str, content_type: &str) -> String {
    let start = message
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or(0);
    let part = &message[start..];
    let (headers, body) = part.split_once("\n\n").unwrap_or((part, ""));
    let body = body.split("\n--").next().unwrap_or(body);
    if headers.contains("quoted-printable") {
        let joined = body.replace("=\n", "");
        let mut out = Vec::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..(i + 3).min(joined.len())], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    } else if headers.contains("base64") {
        use base64::Engine;
        let compact: String = body.split_whitespace().collect();
        String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap(),
        )
        .into_owned()
    } else {
        body.to_string()
    }
}
