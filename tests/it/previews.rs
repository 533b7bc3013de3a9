//! Link previews end to end: a local site serves a page and its picture, Agora fetches them
//! through the outbound client (the site's port allow-listed, as an intranet host would be),
//! and readers get the preview only where they may read the post. A site on a port nobody
//! allow-listed is never contacted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// A tiny site: `/page` (with Open Graph tags, a script and a picture), `/pic.png`. Counts the
/// connections it takes.
async fn site() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([x as u8 * 4, y as u8 * 5, 90])
    }))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let png = png.clone();
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..n]);
                let (content_type, body) = if request.starts_with("GET /pic.png") {
                    ("image/png", png)
                } else if request.starts_with("GET /fake.png") {
                    // An "image" that is a page with a script.
                    (
                        "image/png",
                        b"<html><script>alert(1)</script></html>".to_vec(),
                    )
                } else if request.starts_with("GET /fake") {
                    (
                        "text/html",
                        br#"<meta property="og:title" content="Fake picture"><meta property="og:image" content="/fake.png">"#.to_vec(),
                    )
                } else {
                    (
                        "text/html; charset=utf-8",
                        br#"<html><head><title>plain</title>
<meta property="og:title" content="Quarterly &lt;script&gt;alert(1)&lt;/script&gt; plan">
<meta property="og:description" content="What we ship next">
<meta property="og:site_name" content="Plans">
<meta property="og:image" content="/pic.png">
<script>document.title = "pwned"</script></head><body>hi</body></html>"#
                            .to_vec(),
                    )
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    (port, hits)
}

/// The post's previews once it has some (or fails after a deadline).
async fn previews_of(client: &Client, post: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, view) = client.get(&format!("/api/v1/posts/{post}")).await;
        if !view["previews"].as_array().unwrap().is_empty() {
            return view["previews"].clone();
        }
        assert!(Instant::now() < deadline, "no preview: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn previews_are_fetched_safely_and_shown_only_to_readers(backend: Backend) {
    let (port, hits) = site().await;
    let (elsewhere, elsewhere_hits) = site().await;
    let allow = format!("127.0.0.1:{port}");
    let app = TestApp::start_with(backend, &[("AGORA_LINKS__ALLOW", allow.as_str())]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let board = app.group(&ana, "Boardroom", "private", false).await;
    let body = format!(
        "plan: http://127.0.0.1:{port}/page?utm_source=x and http://127.0.0.1:{elsewhere}/page"
    );
    let post = ana
        .created("/api/v1/posts", json!({"body": body, "group_id": board}))
        .await;
    let previews = previews_of(&ana, &post).await;
    let preview = &previews[0];
    assert_eq!(preview["url"], format!("http://127.0.0.1:{port}/page"));
    // The script in the title is text now, and shown escaped.
    assert_eq!(preview["title"], "Quarterly alert(1) plan");
    assert_eq!(preview["description"], "What we ship next");
    assert_eq!(preview["site_name"], "Plans");
    assert_eq!(preview["image_width"], 64);
    // The picture is ours to serve, to readers of the post only.
    let image = preview["image_url"].as_str().unwrap().to_string();
    assert_eq!(image, format!("/posts/{post}/previews/0/image"));
    let (status, headers, bytes) = ana.fetch(&image).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(image::load_from_memory(&bytes).is_ok());
    let (status, _, _) = bob.fetch(&image).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The other site is on a port nobody allow-listed: never contacted, never previewed.
    assert_eq!(previews.as_array().unwrap().len(), 1, "{previews}");
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0);
    // The same link elsewhere reuses the preview without fetching again.
    let fetched = hits.load(Ordering::SeqCst);
    let again = ana
        .created(
            "/api/v1/posts",
            json!({"body": format!("again http://127.0.0.1:{port}/page")}),
        )
        .await;
    let reused = previews_of(&bob, &again).await;
    assert_eq!(reused[0]["title"], "Quarterly alert(1) plan");
    assert_eq!(hits.load(Ordering::SeqCst), fetched);
    // Only the author (or a moderator) removes it; an edit keeping the link keeps it removed.
    let (status, _) = bob
        .delete(&format!("/api/v1/posts/{again}/previews/0"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = ana
        .delete(&format!("/api/v1/posts/{again}/previews/0"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, view) = ana.get(&format!("/api/v1/posts/{again}")).await;
    assert_eq!(view["previews"], json!([]));
    ana.patch(
        &format!("/api/v1/posts/{again}"),
        json!({"body": format!("still http://127.0.0.1:{port}/page")}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, view) = ana.get(&format!("/api/v1/posts/{again}")).await;
    assert_eq!(view["previews"], json!([]));
    // An image that is no image: the preview goes without one.
    let fake = ana
        .created(
            "/api/v1/posts",
            json!({"body": format!("http://127.0.0.1:{port}/fake")}),
        )
        .await;
    let previews = previews_of(&ana, &fake).await;
    assert_eq!(previews[0]["title"], "Fake picture");
    assert_eq!(previews[0]["image_url"], Value::Null);
    // The page shows it, with nothing of the page's script.
    let page = app
        .browser_sign_in("ana@example.com")
        .await
        .page(&format!("/posts/{post}"))
        .await;
    assert!(page.contains("Quarterly alert(1) plan") && page.contains("link-preview"));
    assert!(!page.contains("pwned") && !page.contains("<script>alert"));
}

on_both_backends!(previews_are_fetched_safely_and_shown_only_to_readers);
