//! Live updates over `GET /api/v1/stream`: what each viewer hears, resuming, heartbeats, and
//! streams ending when the viewer goes. Absence is proved by order: events arrive in id order,
//! so once a later event arrives, an earlier one that never came was never sent.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// How long a test waits for what it expects before failing.
const PATIENCE: Duration = Duration::from_secs(15);

/// One SSE frame: its fields, and any comment lines.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    pub(crate) id: Option<String>,
    pub(crate) event: Option<String>,
    pub(crate) data: String,
    comments: Vec<String>,
}

impl Frame {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open stream, read chunk by chunk and split into frames.
pub(crate) struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub(crate) async fn open(client: &Client, last_event_id: Option<&str>) -> Stream {
        let mut request = client.request(reqwest::Method::GET, "/api/v1/stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next frame; `None` when the server ended the stream. Panics past the deadline.
    pub(crate) async fn frame(&mut self, deadline: Instant) -> Option<Frame> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&block));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no frame before the deadline"))
                .unwrap();
            match chunk {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// Every event frame up to and including the first that `wanted` accepts.
    pub(crate) async fn events_until(&mut self, wanted: impl Fn(&Frame) -> bool) -> Vec<Frame> {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let frame = self
                .frame(deadline)
                .await
                .unwrap_or_else(|| panic!("the stream ended"));
            if frame.event.is_none() {
                continue;
            }
            let done = wanted(&frame);
            seen.push(frame);
            if done {
                return seen;
            }
        }
    }
}

fn parse(block: &str) -> Frame {
    let mut frame = Frame::default();
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            frame.comments.push(comment.trim().to_string());
        } else if let Some((field, value)) = line.split_once(": ") {
            match field {
                "id" => frame.id = Some(value.to_string()),
                "event" => frame.event = Some(value.to_string()),
                "data" => frame.data.push_str(value),
                _ => {}
            }
        }
    }
    frame
}

pub(crate) fn about_post(post_id: &str) -> impl Fn(&Frame) -> bool + '_ {
    move |frame| frame.json()["post_id"] == post_id
}

async fn post(client: &Client, body: &str, group: Option<&str>) -> String {
    let (status, post) = client
        .post("/api/v1/posts", json!({"body": body, "group_id": group}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_string()
}

async fn add_member(owner: &Client, group: &str, member: &Client) {
    let user_id = member.id().await;
    let (status, body) = owner
        .post(
            &format!("/api/v1/groups/{group}/members"),
            json!({"user_id": user_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_member_hears_of_posts_comments_and_likes_in_her_group(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let design = app.group(&admin, "Design", "private", false).await;
    add_member(&admin, &design, &ana).await;
    let mut stream = Stream::open(&ana, None).await;
    let id = post(&admin, "New logo, **secret** draft", Some(&design)).await;
    let frames = stream.events_until(about_post(&id)).await;
    let created = frames.last().unwrap();
    assert_eq!(created.event.as_deref(), Some("post"));
    assert_eq!(
        created.json(),
        json!({"kind": "post.created", "post_id": id, "group_id": design})
    );
    assert!(!created.data.contains("logo"), "never a body in the stream");

    admin.put(&format!("/api/v1/posts/{id}/like")).await;
    let like = stream
        .events_until(|f| f.event.as_deref() == Some("like"))
        .await;
    assert_eq!(like.last().unwrap().json()["like_count"], 1);
    admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "Looks good"}),
        )
        .await;
    let comment = stream
        .events_until(|f| f.event.as_deref() == Some("comment"))
        .await;
    let comment = comment.last().unwrap().json();
    assert_eq!(
        (comment["kind"].as_str(), comment["comment_count"].as_i64()),
        (Some("comment.created"), Some(1))
    );
}

async fn outsiders_never_hear_of_a_private_group_post(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let eve = app.user(&admin, "eve", "employee").await;
    let board = app.group(&admin, "Board", "private", false).await;
    let customers = app.group(&admin, "Customers", "private", true).await;
    let guest = app.guest_in(&admin, "gus", &[&customers]).await;
    let mut eve_stream = Stream::open(&eve, None).await;
    let mut guest_stream = Stream::open(&guest, None).await;

    let private = post(&admin, "Layoffs", Some(&board)).await;
    let company = post(&admin, "Welcome, all", None).await;
    let theirs = post(&admin, "Release notes", Some(&customers)).await;

    let heard = eve_stream.events_until(about_post(&company)).await;
    assert!(
        heard.iter().all(|f| f.json()["post_id"] != private),
        "{heard:?}"
    );
    let heard = guest_stream.events_until(about_post(&theirs)).await;
    let ids: Vec<Value> = heard.iter().map(|f| f.json()["post_id"].clone()).collect();
    assert_eq!(ids, [json!(theirs)], "a guest hears only of her group");
}

async fn guests_never_hear_of_comments_for_employees_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let customers = app.group(&admin, "Customers", "private", true).await;
    let guest = app.guest_in(&admin, "gus", &[&customers]).await;
    let id = post(&admin, "Release notes", Some(&customers)).await;
    let mut guest_stream = Stream::open(&guest, None).await;
    let mut admin_stream = Stream::open(&admin, None).await;
    let (_, hidden) = admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "canarystaff internal", "employees_only": true}),
        )
        .await;
    let (_, open) = admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "for everyone"}),
        )
        .await;
    let about = |comment: &Value| {
        let comment = comment["id"].clone();
        move |f: &Frame| f.event.as_deref() == Some("comment") && f.json()["comment_id"] == comment
    };
    let heard = admin_stream.events_until(about(&open)).await;
    assert!(
        heard.iter().any(about(&hidden)),
        "employees hear both: {heard:?}"
    );
    let heard = guest_stream.events_until(about(&open)).await;
    assert!(!heard.iter().any(about(&hidden)), "{heard:?}");
    assert!(heard.iter().all(|f| !f.data.contains("canary")));
    assert_eq!(
        heard.last().unwrap().json()["comment_count"],
        1,
        "her count leaves the hidden one out"
    );
}

async fn counts_in_a_frame_are_each_viewers_own_never_another_classs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let customers = app.group(&admin, "Customers", "private", true).await;
    let guest = app.guest_in(&admin, "gus", &[&customers]).await;
    let id = post(&admin, "Release notes", Some(&customers)).await;
    for n in 0..3 {
        let (status, _) = admin
            .post(
                &format!("/api/v1/posts/{id}/comments"),
                json!({"body": format!("staff note {n}"), "employees_only": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // Both orders: whichever stream reads the counts first must not decide the other's.
    for round in 0..2 {
        let mut guest_stream = Stream::open(&guest, None).await;
        let mut admin_stream = Stream::open(&admin, None).await;
        let (_, open) = admin
            .post(
                &format!("/api/v1/posts/{id}/comments"),
                json!({"body": format!("for everyone {round}")}),
            )
            .await;
        let about = |f: &Frame| {
            f.event.as_deref() == Some("comment") && f.json()["comment_id"] == open["id"]
        };
        let (admin_heard, guest_heard) = if round == 0 {
            (
                admin_stream.events_until(about).await,
                guest_stream.events_until(about).await,
            )
        } else {
            let guest_heard = guest_stream.events_until(about).await;
            (admin_stream.events_until(about).await, guest_heard)
        };
        assert_eq!(
            admin_heard.last().unwrap().json()["comment_count"],
            4 + round,
            "employees count every comment"
        );
        assert_eq!(
            guest_heard.last().unwrap().json()["comment_count"],
            1 + round,
            "a guest counts only what she may read"
        );
    }
}

async fn a_viewer_added_to_a_group_hears_of_it_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let eve = app.user(&admin, "eve", "employee").await;
    let board = app.group(&admin, "Board", "private", false).await;
    let mut stream = Stream::open(&eve, None).await;
    add_member(&admin, &board, &eve).await;
    let id = post(&admin, "Welcome to the board", Some(&board)).await;
    let heard = stream.events_until(about_post(&id)).await;
    assert_eq!(heard.len(), 1);
}

async fn resuming_replays_exactly_the_missed_readable_events(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let design = app.group(&admin, "Design", "private", false).await;
    let board = app.group(&admin, "Board", "private", false).await;
    add_member(&admin, &design, &ana).await;
    let mut stream = Stream::open(&ana, None).await;
    let first = post(&admin, "one", Some(&design)).await;
    let seen = stream.events_until(about_post(&first)).await;
    let last_id = seen.last().unwrap().id.clone().unwrap();
    drop(stream);

    let missed_in_group = post(&admin, "two", Some(&design)).await;
    post(&admin, "hidden", Some(&board)).await;
    let missed_company = post(&admin, "three", None).await;
    let mut stream = Stream::open(&ana, Some(&last_id)).await;
    let replayed = stream.events_until(about_post(&missed_company)).await;
    let ids: Vec<Value> = replayed
        .iter()
        .map(|f| f.json()["post_id"].clone())
        .collect();
    assert_eq!(ids, [json!(missed_in_group), json!(missed_company)]);

    let live = post(&admin, "four", None).await;
    let next = stream.events_until(|_| true).await;
    assert_eq!(
        next[0].json()["post_id"],
        live,
        "no duplicate after the replay"
    );

    // EventSource reconnects may carry the id in the query string instead.
    let response = ana
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/stream?last_event_id={last_id}"),
        )
        .send()
        .await
        .unwrap();
    let mut stream = Stream {
        response,
        buffer: String::new(),
    };
    let replayed = stream.events_until(about_post(&live)).await;
    assert_eq!(replayed.len(), 3);
}

/// The place in the events log a page was rendered at, from its `<meta name="last-event-id">`.
fn rendered_after(html: &str) -> i64 {
    let marker = "<meta name=\"last-event-id\" content=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no last-event-id in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().parse().unwrap()
}

async fn a_stream_opened_from_a_pages_place_hears_what_happened_after_the_render(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    app.user(&admin, "ana", "employee").await;
    let ana = app.browser_sign_in("ana@example.com").await;
    let shown = post(&admin, "on the page", None).await;
    for path in ["/", "/notifications", &format!("/posts/{shown}")] {
        rendered_after(&ana.page(path).await);
    }
    let page = ana.page("/company").await;
    assert!(page.contains("on the page"));
    let position = rendered_after(&page);

    // After the render, before the page's script opens its stream: a post, and a like of the
    // post on the page. The hub has broadcast both before the stream opens.
    let missed = post(&admin, "after the render", None).await;
    let (status, _) = admin.put(&format!("/api/v1/posts/{shown}/like")).await;
    assert_eq!(status, StatusCode::OK);
    app.worker_settled("live_hub").await;

    // A stream opened from now on never hears of them: the next thing it hears is newer.
    let mut from_now = Stream::open(&ana, None).await;
    // The page's stream, opened as app.js opens it, hears both.
    let response = ana
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/stream?last_event_id={position}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut from_page = Stream {
        response,
        buffer: String::new(),
    };
    let heard = from_page
        .events_until(|f| f.event.as_deref() == Some("like"))
        .await;
    assert!(heard.iter().any(about_post(&missed)), "{heard:?}");
    assert_eq!(heard.last().unwrap().json()["post_id"], shown);

    let marker = post(&admin, "newer", None).await;
    let heard = from_now.events_until(about_post(&marker)).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
}

async fn the_anonymous_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (status, body) = app.anonymous().get("/api/v1/stream").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

async fn an_idle_stream_gets_heartbeats(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_LIVE__HEARTBEAT_SECS", "1")]).await;
    let admin = app.admin().await;
    let mut stream = Stream::open(&admin, None).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let frame = stream
            .frame(deadline)
            .await
            .unwrap_or_else(|| panic!("the stream ended"));
        if frame.comments.iter().any(|c| c == "ping") {
            break;
        }
    }
}

async fn deactivation_ends_the_stream(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ana_id = ana.id().await;
    let mut stream = Stream::open(&ana, None).await;
    let (status, body) = admin.delete(&format!("/api/v1/users/{ana_id}")).await;
    assert!(status.is_success(), "{body}");
    let deadline = Instant::now() + PATIENCE;
    while stream.frame(deadline).await.is_some() {}
}

async fn revocation_ends_the_streams_of_that_credential_at_once(backend: Backend) {
    // The default scope refresh (a minute) is far beyond the patience: only the revocation
    // itself can end the streams in time.
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let kept = app.sign_in("ana@example.com").await;
    let browser = app.browser_sign_in("ana@example.com").await;
    let mut revoked_token = Stream::open(&ana, None).await;
    let mut other_token = Stream::open(&kept, None).await;
    let mut session = Stream::open(&browser, None).await;
    assert_eq!(
        ana.delete("/api/v1/auth/token").await.0,
        StatusCode::NO_CONTENT
    );
    let deadline = Instant::now() + PATIENCE;
    while revoked_token.frame(deadline).await.is_some() {}
    let page = browser.page("/").await;
    let form = crate::support::hidden_csrf(&page);
    let signed_out = browser
        .http
        .post(app.url("/sign-out"))
        .form(&[("csrf", form.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    while session.frame(deadline).await.is_some() {}
    // Another credential of the same person keeps its stream.
    let id = post(&admin, "still here", None).await;
    other_token.events_until(about_post(&id)).await;
}

async fn revoking_the_token_ends_the_stream(backend: Backend) {
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_LIVE__HEARTBEAT_SECS", "1"),
            ("AGORA_LIVE__SCOPE_REFRESH_SECS", "1"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let mut stream = Stream::open(&ana, None).await;
    let (status, _) = ana.delete("/api/v1/auth/token").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deadline = Instant::now() + PATIENCE;
    // `frame` fails the test if the stream is still open at the deadline.
    while stream.frame(deadline).await.is_some() {}
}

on_both_backends!(
    a_member_hears_of_posts_comments_and_likes_in_her_group,
    outsiders_never_hear_of_a_private_group_post,
    guests_never_hear_of_comments_for_employees_only,
    counts_in_a_frame_are_each_viewers_own_never_another_classs,
    a_viewer_added_to_a_group_hears_of_it_at_once,
    resuming_replays_exactly_the_missed_readable_events,
    a_stream_opened_from_a_pages_place_hears_what_happened_after_the_render,
    the_anonymous_are_refused,
    an_idle_stream_gets_heartbeats,
    deactivation_ends_the_stream,
    revocation_ends_the_streams_of_that_credential_at_once,
    revoking_the_token_ends_the_stream
);

async fn one_user_holds_a_bounded_number_of_live_streams(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_LIVE__MAX_STREAMS_PER_USER", "2")]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let mut first = Stream::open(&ana, None).await;
    let mut second = Stream::open(&ana, None).await;
    let mut others = Stream::open(&admin, None).await;
    // A third stream of hers opens, and her oldest ends.
    let mut third = Stream::open(&ana, None).await;
    let deadline = Instant::now() + PATIENCE;
    while first.frame(deadline).await.is_some() {}
    // The others stay open: each still hears a new post.
    let id = post(&admin, "still here", None).await;
    for stream in [&mut second, &mut third, &mut others] {
        stream.events_until(about_post(&id)).await;
    }
}

on_both_backends!(one_user_holds_a_bounded_number_of_live_streams);
