//! A tiny HTTP/1.1 server on loopback for the outbound tests. It counts every connection it
//! accepts, so a test can prove a victim was never reached, keeps every request it read, and
//! answers as a handler says: a page, a redirect, a body without end, or nothing at all.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The request target: a path, or a whole URL when we are a proxy.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How to answer.
pub enum Reply {
    /// A complete answer, after `delay`.
    Fixed {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// 200 with a body that never ends.
    Endless,
    /// 200 with a body that never ends, one byte at a time and slowly.
    Drip,
    /// Read the request, then say nothing and keep the connection open.
    Silent,
}

impl Reply {
    pub fn ok(content_type: &str, body: &str) -> Reply {
        Reply::Fixed {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Fixed {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    requests: Mutex<Vec<Seen>>,
}

pub struct Server {
    pub port: u16,
    counters: Arc<Counters>,
}

impl Server {
    /// On 127.0.0.1 and a free port.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Server::serve(vec![listener], Arc::new(handler))
    }

    /// A server nobody should reach, on 127.0.0.1 and, where the machine has IPv6, on ::1 at
    /// the same port.
    pub async fn victim() -> Server {
        for _ in 0..20 {
            let v4 = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = v4.local_addr().unwrap().port();
            match TcpListener::bind(("::1", port)).await {
                Ok(v6) => return Server::serve(vec![v4, v6], victim_handler()),
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(_) => return Server::serve(vec![v4], victim_handler()),
            }
        }
        panic!("no port free on both 127.0.0.1 and ::1");
    }

    /// Two servers on one port: `first` on 127.0.0.2 and `second` on 127.0.0.1, so that one
    /// name can resolve to both and the port says nothing about which was reached.
    pub async fn pair(
        first: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
        second: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> (Server, Server) {
        for _ in 0..20 {
            let a = TcpListener::bind("127.0.0.2:0").await.unwrap();
            let port = a.local_addr().unwrap().port();
            if let Ok(b) = TcpListener::bind(("127.0.0.1", port)).await {
                let first = Server::serve(vec![a], Arc::new(first));
                return (first, Server::serve(vec![b], Arc::new(second)));
            }
        }
        panic!("no port free on both 127.0.0.1 and 127.0.0.2");
    }

    /// On `ip` (a loopback address) and a free port.
    pub async fn start_on(
        ip: IpAddr,
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await.unwrap();
        Server::serve(vec![listener], Arc::new(handler))
    }

    fn serve(listeners: Vec<TcpListener>, handler: Handler) -> Server {
        let port = listeners[0].local_addr().unwrap().port();
        let counters = Arc::new(Counters::default());
        for listener in listeners {
            let (counters, handler) = (counters.clone(), handler.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    counters.connections.fetch_add(1, Ordering::SeqCst);
                    let (counters, handler) = (counters.clone(), handler.clone());
                    tokio::spawn(async move {
                        let _ = answer(stream, &counters, handler.as_ref()).await;
                    });
                }
            });
        }
        Server { port, counters }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// Requests read so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.counters.requests.lock().unwrap().clone()
    }

    /// The most requests this server was answering at once.
    pub fn most_in_flight(&self) -> usize {
        self.counters.most_in_flight.load(Ordering::SeqCst)
    }
}

fn victim_handler() -> Handler {
    Arc::new(|_: &Seen| Reply::ok("text/plain", "secret"))
}

async fn answer(
    stream: TcpStream,
    counters: &Counters,
    handler: &(dyn Fn(&Seen) -> Reply + Send + Sync),
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let seen = read_request(&mut reader).await?;
    counters.requests.lock().unwrap().push(seen.clone());
    let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = handler(&seen);
    let result = match reply {
        Reply::Fixed {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            {
                head.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            writer.write_all(head.as_bytes()).await?;
            writer.write_all(&body).await
        }
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
            writer.write_all(head.as_bytes()).await?;
            let chunk = vec![b'a'; 16 * 1024];
            loop {
                if let Err(e) = writer.write_all(&chunk).await {
                    break Err(e);
                }
            }
        }
        Reply::Drip => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
            writer.write_all(head.as_bytes()).await?;
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if let Err(e) = writer.write_all(b"a").await {
                    break Err(e);
                }
            }
        }
        Reply::Silent => std::future::pending().await,
    };
    counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    result
}

async fn read_request(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Seen> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Seen {
        method,
        target,
        headers,
        body,
    })
}
