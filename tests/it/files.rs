//! Files: uploads typed by their bytes, stored once, served only to whoever reads what they
//! are on and never as a document of ours; images with renditions and without metadata; bad
//! uploads refused whole; deleted and orphaned files swept; the same in an S3 bucket.

use std::path::Path;
use std::process::{Child, Command};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::search::search_until;
use crate::support::{Backend, Client, TestApp};

/// A JPEG of `width`×`height` carrying an EXIF block with a GPS position, as phones write.
fn photo_with_location(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let exif = b"Exif\0\0II*\0GPSLatitude 52.5200 N GPSLongitude 13.4050 E";
    let length = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
    let mut segment = vec![0xFF, 0xE1, length[0], length[1]];
    segment.extend_from_slice(exif);
    // Right after the start-of-image marker.
    jpeg.splice(2..2, segment);
    jpeg
}

/// A PNG of `side`×`side` black pixels: tiny on disk, huge decoded.
fn black_png(side: u32) -> Vec<u8> {
    let image = image::GrayImage::new(side, side);
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Files under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            match path.is_dir() {
                true => found.extend(files_under(&path)),
                false => found.push(path),
            }
        }
    }
    found
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Posts `body` with the uploads `files`: the post.
async fn post_with(client: &Client, body: &str, files: &[&str]) -> Value {
    let attachments: Vec<Value> = files.iter().map(|id| json!({"id": id})).collect();
    let (status, post) = client
        .post(
            "/api/v1/posts",
            json!({"body": body, "attachments": attachments}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post
}

async fn an_upload_is_typed_by_its_bytes_and_never_served_as_a_page_of_ours(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let script = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let (status, html) = ana.upload("evil.html", "text/html", script.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    assert_eq!(html["content_type"], "text/plain; charset=utf-8");
    assert_eq!(html["image"], false);
    let id = html["id"].as_str().unwrap();
    // Before it is on a post, it is hers alone.
    assert_eq!(
        bob.fetch(html["url"].as_str().unwrap()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ana.fetch(html["url"].as_str().unwrap()).await.0,
        StatusCode::OK
    );
    // Nobody else may put it on a post.
    let (status, refused) = bob
        .post(
            "/api/v1/posts",
            json!({"body": "mine now", "attachments": [{"id": id}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let post = post_with(&ana, "the page", &[id]).await;
    let file = &post["attachments"][0];
    assert_eq!(file["name"], "evil.html");
    let (status, headers, bytes) = bob.fetch(file["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, script);
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; charset=utf-8"
    );
    assert!(
        header(&headers, "content-disposition").starts_with("attachment"),
        "{headers:?}"
    );
    assert!(header(&headers, "content-disposition").contains("evil.html"));
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-security-policy").contains("sandbox"));
    // Once on a post, it goes on no other.
    let (status, _) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "again", "attachments": [{"id": id}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A PNG claiming to be a PDF is a PNG, shown inline.
    let (status, png) = ana
        .upload("report.pdf", "application/pdf", black_png(8))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{png}");
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["image"], true);
    let (_, headers, _) = ana.fetch(png["url"].as_str().unwrap()).await;
    assert!(header(&headers, "content-disposition").starts_with("inline"));
    // The same content uploaded again is stored once.
    let before = files_under(&app.db.dir.path().join("files")).len();
    ana.uploaded("again.html", &script).await;
    assert_eq!(files_under(&app.db.dir.path().join("files")).len(), before);
    // A name is only ever the last part of a path, and the address's name is decoration.
    let (_, odd) = ana
        .upload("../../etc/passwd", "text/plain", b"root".to_vec())
        .await;
    assert_eq!(odd["name"], "passwd");
    let renamed = format!("/files/{}/whatever.exe", odd["id"].as_str().unwrap());
    assert_eq!(ana.fetch(&renamed).await.2, b"root");
}

async fn images_get_renditions_and_lose_their_location(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let photo = photo_with_location(1200, 900);
    assert!(contains(&photo, b"GPSLatitude"));
    let (status, file) = ana.upload("holiday.jpg", "image/jpeg", photo).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["content_type"], "image/jpeg");
    assert_eq!(
        (file["width"].as_i64(), file["height"].as_i64()),
        (Some(1200), Some(900))
    );
    let post = post_with(&ana, "from the beach", &[file["id"].as_str().unwrap()]).await;
    let file = &post["attachments"][0];
    let (status, headers, original) = ana.fetch(file["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, "content-disposition").starts_with("inline"));
    assert!(
        !contains(&original, b"GPSLatitude"),
        "the location is stripped"
    );
    let decoded = image::load_from_memory(&original).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1200, 900));
    for (key, longest) in [("thumb_url", 480), ("medium_url", 1200)] {
        let (status, headers, bytes) = ana.fetch(file[key].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        assert_eq!(header(&headers, "content-type"), "image/jpeg");
        assert!(!contains(&bytes, b"GPSLatitude"));
        let rendition = image::load_from_memory(&bytes).unwrap();
        assert_eq!(rendition.width().max(rendition.height()), longest, "{key}");
    }
    // A file that is not an image has no renditions.
    let text = ana.uploaded("a.txt", b"plain words").await;
    let (status, _, _) = ana.fetch(&format!("/files/{text}/a.txt?size=thumb")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Pages show the thumbnail with its size reserved, lazily.
    let html = ana
        .page(&format!("/posts/{}", post["id"].as_str().unwrap()))
        .await;
    assert!(html.contains("loading=\"lazy\""), "{html}");
    assert!(html.contains("width=\"480\" height=\"360\""), "{html}");
}

async fn bad_uploads_are_refused_whole(backend: Backend) {
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_FILES__MAX_BYTES", "1000000"),
            ("AGORA_FILES__MAX_PER_POST", "2"),
            ("AGORA_FILES__MAX_PIXELS", "1000000"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "big.bin",
            vec![7; 1_000_001],
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
        ),
        (
            "empty.txt",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        // 9 megapixels in a few kilobytes: refused from its header, never decoded.
        (
            "bomb.png",
            black_png(3000),
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
        ),
        (
            "broken.jpg",
            [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0; 200]].concat(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_image",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let (got, problem) = ana.upload(name, "image/png", bytes).await;
        assert_eq!(got, status, "{name}: {problem}");
        assert_eq!(problem["code"], code, "{name}");
    }
    // A body cut off mid-file.
    let cut = "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhalf a fi";
    let request = ana
        .request(reqwest::Method::POST, "/api/v1/files")
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(cut);
    let (status, problem) = ana.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    // Two parts, or none.
    let form = reqwest::multipart::Form::new()
        .text("file", "one")
        .text("file", "two");
    let (status, _) = ana
        .send(
            ana.request(reqwest::Method::POST, "/api/v1/files")
                .multipart(form),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing of the refused uploads was kept or left behind.
    assert!(files_under(&app.db.dir.path().join("files")).is_empty());
    assert!(files_under(&app.db.dir.path().join("uploads")).is_empty());
    // Three files where two are allowed.
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            ana.uploaded(&format!("{n}.txt"), format!("file {n}").as_bytes())
                .await,
        );
    }
    let attachments: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    let (status, problem) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "many", "attachments": attachments}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // The same file twice.
    let (status, _) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "twice", "attachments": [{"id": ids[0]}, {"id": ids[0]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A refused post leaves its uploads free for the next try.
    let post = post_with(&ana, "two", &[&ids[0], &ids[1]]).await;
    assert_eq!(post["attachments"].as_array().unwrap().len(), 2);
}

/// A `Files` on `app`'s data directory and settings `env`, as its sweep sees them.
fn files_of(app: &TestApp, env: &[(&str, &str)]) -> agora::files::Files {
    let mut vars = vec![(
        "AGORA_DATA_DIR".to_string(),
        app.db.dir.path().display().to_string(),
    )];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = agora::config::Config::load(None, vars).unwrap();
    agora::files::Files::new(&config).unwrap()
}

/// Runs a sweep as if `hours` had passed.
async fn sweep_after(
    app: &TestApp,
    files: &agora::files::Files,
    hours: i64,
) -> agora::files::sweep::Swept {
    let now = chrono::Utc::now().naive_utc() + chrono::Duration::hours(hours);
    agora::files::sweep::sweep(&app.db.open(), files, now)
        .await
        .unwrap()
}

async fn deleted_and_forgotten_files_are_swept(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let kept = ana.uploaded("kept.txt", b"stays").await;
    let on_deleted = ana.uploaded("gone.txt", b"goes with its post").await;
    let orphan = ana.uploaded("orphan.txt", b"never posted").await;
    let shared = ana.uploaded("shared.txt", b"twice").await;
    let shared_again = ana.uploaded("shared.txt", b"twice").await;
    post_with(&ana, "stays", &[&kept, &shared]).await;
    let doomed = post_with(&ana, "goes", &[&on_deleted, &shared_again]).await;
    let doomed_id = doomed["id"].as_str().unwrap();
    let url = doomed["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ana.delete(&format!("/api/v1/posts/{doomed_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ana.fetch(&url).await.0,
        StatusCode::NOT_FOUND,
        "gone at once"
    );
    let files = files_of(&app, &[]);
    let stored = || files_under(&app.db.dir.path().join("files")).len();
    assert_eq!(stored(), 4);
    // Within the grace period, nothing leaves storage.
    let swept = sweep_after(&app, &files, 2).await;
    assert_eq!(swept, agora::files::sweep::Swept::default());
    assert_eq!(stored(), 4);
    // After it, the deleted post's file and the orphan go; the content still used stays.
    let swept = sweep_after(&app, &files, 25).await;
    assert_eq!(
        swept,
        agora::files::sweep::Swept {
            files: 3,
            contents: 2
        }
    );
    assert_eq!(stored(), 2);
    assert_eq!(
        ana.fetch(&format!("/files/{orphan}/orphan.txt")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ana.fetch(&format!("/files/{kept}/kept.txt")).await.2,
        b"stays"
    );
    assert_eq!(
        ana.fetch(&format!("/files/{shared}/shared.txt")).await.2,
        b"twice"
    );
}

async fn a_profile_photo_replaces_initials_for_whoever_may_see_her(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let text = ana.uploaded("a.txt", b"not a face").await;
    let (status, _) = ana
        .send(
            ana.request(reqwest::Method::PUT, "/api/v1/me/photo")
                .json(&json!({"file_id": text})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, photo) = ana
        .upload("me.jpg", "image/jpeg", photo_with_location(300, 300))
        .await;
    let photo_id = photo["id"].as_str().unwrap();
    // Not someone else's upload.
    let (status, _) = bob
        .send(
            bob.request(reqwest::Method::PUT, "/api/v1/me/photo")
                .json(&json!({"file_id": photo_id})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = ana
        .send(
            ana.request(reqwest::Method::PUT, "/api/v1/me/photo")
                .json(&json!({"file_id": photo_id})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let post = post_with(&ana, "hello", &[]).await;
    let (_, feed) = bob.get("/api/v1/feeds/company").await;
    let photo_url = feed["items"][0]["author"]["photo_url"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, bytes) = bob.fetch(&photo_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!contains(&bytes, b"GPSLatitude"));
    let html = bob
        .page(&format!("/posts/{}", post["id"].as_str().unwrap()))
        .await;
    assert!(html.contains(&photo_url), "the page shows her photo");
    // A guest who may not see her may not see her photo either.
    let group = app.group(&admin, "Customers", "private", true).await;
    let guest = app.guest_in(&admin, "gus", &[&group]).await;
    assert_eq!(guest.fetch(&photo_url).await.0, StatusCode::NOT_FOUND);
    // Removed: initials again.
    assert_eq!(
        ana.delete("/api/v1/me/photo").await.0,
        StatusCode::NO_CONTENT
    );
    let (_, me) = ana.get("/api/v1/me").await;
    assert!(me["photo_url"].is_null(), "{me}");
}

/// A moto server (S3-compatible) on a free port, stopped when dropped.
struct S3Server {
    child: Child,
    url: String,
}

impl S3Server {
    /// Starts one, or says why not: without `moto_server` the S3 test is skipped on a
    /// developer's machine (like PostgreSQL) but fails under CI, which installs it.
    fn start() -> Option<S3Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => Some(S3Server {
                child,
                url: format!("http://127.0.0.1:{port}"),
            }),
            Err(error) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "moto_server must be installed under CI: {error}"
                );
                eprintln!("S3 skipped: moto_server is not installed (pip install 'moto[server]')");
                None
            }
        }
    }

    /// Waits until it answers, then creates `bucket`.
    async fn bucket(&self, bucket: &str) {
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = http.put(format!("{}/{bucket}", self.url)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start");
    }

    /// The keys in `bucket`.
    async fn keys(&self, bucket: &str) -> Vec<String> {
        let listing = reqwest::get(format!("{}/{bucket}?list-type=2", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn files_live_in_an_s3_compatible_bucket(backend: Backend) {
    let Some(s3) = S3Server::start() else {
        return;
    };
    s3.bucket("agora-files").await;
    let env = [
        ("AGORA_FILES__S3_BUCKET", "agora-files"),
        ("AGORA_FILES__S3_ENDPOINT", s3.url.as_str()),
        ("AGORA_FILES__S3_REGION", "us-east-1"),
        ("AGORA_FILES__S3_ACCESS_KEY_ID", "testing"),
        ("AGORA_FILES__S3_SECRET_ACCESS_KEY", "testing"),
    ];
    let app = TestApp::start_with(backend, &env).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    // Larger than one part of a multipart upload, so it goes up in parts.
    let big: Vec<u8> = (0..12_000_000u32).map(|i| (i % 251) as u8).collect();
    let big_id = ana.uploaded("big.bin", &big).await;
    let (_, photo) = ana
        .upload("p.jpg", "image/jpeg", photo_with_location(800, 600))
        .await;
    let post = post_with(
        &ana,
        "in the bucket",
        &[&big_id, photo["id"].as_str().unwrap()],
    )
    .await;
    let local = files_under(&app.db.dir.path().join("files"));
    assert!(local.is_empty(), "nothing on local disk: {local:?}");
    let keys = s3.keys("agora-files").await;
    assert_eq!(
        keys.len(),
        4,
        "the file, the photo and its two renditions: {keys:?}"
    );
    let (status, headers, bytes) = bob
        .fetch(post["attachments"][0]["url"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-length"), "12000000");
    assert!(bytes == big, "the bytes come back whole");
    let (status, _, thumb) = bob
        .fetch(post["attachments"][1]["thumb_url"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    image::load_from_memory(&thumb).unwrap();
    // A second server on the same database and bucket serves the same files.
    let other = app.another(&env).await;
    let bob_there = other.sign_in("bob@example.com").await;
    assert_eq!(
        bob_there
            .fetch(post["attachments"][0]["url"].as_str().unwrap())
            .await
            .2
            .len(),
        12_000_000
    );
    // Deleted and swept: the bucket empties.
    let id = post["id"].as_str().unwrap();
    assert_eq!(
        ana.delete(&format!("/api/v1/posts/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let files = files_of(&app, &env);
    sweep_after(&app, &files, 25).await;
    assert!(s3.keys("agora-files").await.is_empty());
}

async fn the_words_in_files_are_found_by_who_reads_what_they_are_on(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let nina = app.user(&admin, "nina", "employee").await;
    let private = app.group(&ana, "Skunkworks", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&private]).await;
    let open = ana.uploaded("plan.txt", b"the okapi migration plan").await;
    let hidden = ana
        .uploaded("secret.txt", b"okapi pricing for insiders")
        .await;
    let photo = ana
        .upload("okapi.jpg", "image/jpeg", photo_with_location(64, 64))
        .await
        .1;
    let public_post = post_with(
        &ana,
        "see attached",
        &[&open, photo["id"].as_str().unwrap()],
    )
    .await;
    let public_id = public_post["id"].as_str().unwrap().to_string();
    let (status, private_post) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "numbers", "group_id": private, "attachments": [{"id": hidden}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{private_post}");
    let private_id = private_post["id"].as_str().unwrap().to_string();
    // A file on a comment for employees only, under a post the guest reads.
    let (_, guest_post) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "for all of us", "group_id": private}),
        )
        .await;
    let guest_post_id = guest_post["id"].as_str().unwrap().to_string();
    let staff = ana.uploaded("staff.txt", b"wombat margins").await;
    let (status, _) = ana
        .post(
            &format!("/api/v1/posts/{guest_post_id}/comments"),
            json!({"body": "between us", "employees_only": true, "attachments": [{"id": staff}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let posts = |items: &[Value]| -> Vec<String> {
        let mut ids: Vec<String> = items
            .iter()
            .filter(|i| i["type"] == "post")
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![public_id.clone(), private_id.clone()];
    both.sort();
    search_until(&ana, "okapi", |items| posts(items) == both).await;
    search_until(&ana, "wombat", |items| {
        posts(items) == [guest_post_id.clone()]
    })
    .await;
    search_until(&ana, "okapi has:image", |items| {
        posts(items) == [public_id.clone()]
    })
    .await;
    search_until(&ana, "has:file okapi", |items| posts(items) == both).await;
    // Once the indexer has them all, the others find only what they read.
    search_until(&nina, "okapi", |items| posts(items) == [public_id.clone()]).await;
    search_until(&guest, "okapi", |items| {
        posts(items) == [private_id.clone()]
    })
    .await;
    search_until(&guest, "wombat", |items| posts(items).is_empty()).await;
    let (status, problem) = ana.get("/api/v1/search?q=has:spreadsheet").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

/// A form as a browser sends it with files: `fields` first, then the files.
fn form_with_files(fields: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, bytes) in files {
        let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
        form = form.part("files", part);
    }
    form
}

async fn the_pages_take_files_without_script(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    app.user(&admin, "ana", "employee").await;
    let ana = app.browser_sign_in("ana@example.com").await;
    let csrf = ana.csrf.clone().unwrap();
    let composer = [
        ("csrf", csrf.as_str()),
        ("back", "/"),
        ("body", "the chart, and the notes"),
        ("group_id", ""),
        ("poll_options", ""),
        ("poll_results", "vote"),
        ("poll_closes_in", ""),
        ("announce", ""),
        ("alt", "a bar chart of sales"),
    ];
    let files = [
        ("chart.png", black_png(40)),
        ("notes.txt", b"quarterly notes".to_vec()),
    ];
    let send = |form| ana.http.post(app.url("/posts")).multipart(form).send();
    let response = send(form_with_files(&composer, &files)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, feed) = ana.get("/api/v1/feeds/company").await;
    let attachments = feed["items"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(attachments.len(), 2, "{feed}");
    assert_eq!(attachments[0]["alt"], "a bar chart of sales");
    assert_eq!(attachments[1]["name"], "notes.txt");
    assert_eq!(attachments[1]["alt"], "", "a description is for images");
    // Files before the token are refused, and kept nowhere.
    let mut late = composer.to_vec();
    late.retain(|(k, _)| *k != "csrf");
    let form = form_with_files(&late, &files).text("csrf", csrf.clone());
    let response = send(form).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        files_under(&app.db.dir.path().join("files")).len(),
        4,
        "the chart, its two renditions and the notes only"
    );
    // A comment with a file.
    let post = feed["items"][0]["id"].as_str().unwrap();
    let comment = [("csrf", csrf.as_str()), ("body", "one more")];
    let response = ana
        .http
        .post(app.url(&format!("/posts/{post}/comments")))
        .multipart(form_with_files(
            &comment,
            &[("more.txt", b"more notes".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, comments) = ana.get(&format!("/api/v1/posts/{post}/comments")).await;
    assert_eq!(comments["items"][0]["attachments"][0]["name"], "more.txt");
    // A profile photo from the settings page.
    let response = ana
        .http
        .post(app.url("/settings/photo"))
        .multipart(form_with_files(
            &[("csrf", csrf.as_str())],
            &[("me.jpg", photo_with_location(100, 100))],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, me) = ana.get("/api/v1/me").await;
    assert!(me["photo_url"].is_string(), "{me}");
    // The page shows the files: the image lazily, the text file as a download.
    let html = ana.page(&format!("/posts/{post}")).await;
    assert!(html.contains("alt=\"a bar chart of sales\""), "{html}");
    assert!(html.contains(">notes.txt</a>"), "{html}");
}

on_both_backends!(
    the_pages_take_files_without_script,
    the_words_in_files_are_found_by_who_reads_what_they_are_on,
    an_upload_is_typed_by_its_bytes_and_never_served_as_a_page_of_ours,
    images_get_renditions_and_lose_their_location,
    bad_uploads_are_refused_whole,
    deleted_and_forgotten_files_are_swept,
    a_profile_photo_replaces_initials_for_whoever_may_see_her,
    files_live_in_an_s3_compatible_bucket,
);
