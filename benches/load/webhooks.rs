//! Webhooks mode (`--webhooks N`): delivery throughput to a receiver on this machine.
//!
//! An admin registers a company-wide endpoint for `post.created`; N posts are published before
//! the workers start; the clock runs from their start until the receiver has taken every
//! delivery. That covers the whole path: the queue consumer writing outbox rows, and the sender
//! reading each post as the owner may, signing it, POSTing it through the outbound client and
//! logging the attempt.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use agora::access::Scope;
use agora::accounts::actions::{NewAccount, Registration, register};
use agora::webhooks::EventType;
use agora::webhooks::actions::{NewWebhook, create_webhook};

/// A receiver that answers every POST with 204 and counts them.
pub struct Receiver {
    listener: TcpListener,
    taken: Arc<AtomicUsize>,
}

impl Receiver {
    pub fn bind() -> Result<Receiver, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        Ok(Receiver {
            listener,
            taken: Arc::default(),
        })
    }

    /// `127.0.0.1:PORT`, for the allow-list.
    pub fn address(&self) -> String {
        self.listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    fn start(self) -> Arc<AtomicUsize> {
        let taken = self.taken.clone();
        std::thread::spawn(move || {
            for stream in self.listener.incoming().flatten() {
                let taken = self.taken.clone();
                std::thread::spawn(move || answer(stream, &taken));
            }
        });
        taken
    }
}

/// Answers the requests of one connection, kept alive, until the client closes it.
fn answer(stream: TcpStream, taken: &AtomicUsize) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        taken.fetch_add(1, Ordering::Relaxed);
        if writer
            .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// Publishes `posts` posts with an endpoint listening, then times their delivery.
pub fn run(app: agora::App, receiver: Receiver, posts: usize) -> Result<String, String> {
    let url = format!("http://{}/hook", receiver.address());
    let admin = register(
        &app.db,
        &app.config.auth,
        NewAccount {
            email: "bench-admin@example.com".into(),
            name: "Bench Admin".into(),
            password: "a long bench password".into(),
            kind: agora::accounts::UserKind::Admin,
        },
        Registration::FirstAdmin,
        &agora::audit::Origin::command_line(),
    )
    .map_err(|e| e.detail)?;
    let rules = app.config.link_rules();
    let published = Instant::now();
    app.db
        .write(|conn| {
            let scope = Scope::resolve(conn, &admin.viewer())?;
            let endpoint = NewWebhook {
                url: url.clone(),
                event_types: vec![EventType::PostCreated],
                group_id: None,
                description: "bench".into(),
            };
            create_webhook(
                conn,
                &scope,
                &endpoint,
                &agora::audit::Origin::command_line(),
            )?;
            for n in 0..posts {
                let body = serde_json::json!({"body": format!("Post {n} for the receiver")});
                let post = serde_json::from_value(body).map_err(agora::error::Error::internal)?;
                agora::posts::actions::create_post(conn, &scope, &rules, &post)?;
            }
            Ok(())
        })
        .map_err(|e| e.detail)?;
    let publishing = published.elapsed();
    let taken = receiver.start();
    let started = Instant::now();
    let _base = super::serve(app)?;
    let deadline = started + Duration::from_secs(600);
    while taken.load(Ordering::Relaxed) < posts {
        if Instant::now() > deadline {
            return Err(format!(
                "{} of {posts} delivered in 10 minutes",
                taken.load(Ordering::Relaxed)
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    Ok(format!(
        "{posts} posts published in {:.1} s; their {posts} deliveries to a local receiver took \
         {:.2} s from the workers' start: {:.0} deliveries/s",
        publishing.as_secs_f64(),
        elapsed.as_secs_f64(),
        posts as f64 / elapsed.as_secs_f64()
    ))
}
