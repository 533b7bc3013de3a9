//! Email digests over a real SMTP conversation: what goes in and in which order, what stays
//! out (read, already digested, own posts, other groups' canaries), the cap, the headers and
//! one-click unsubscribe; per-group frequency; and a run killed midway.

mod limits;
mod restart;
mod settings;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, html_of, text_of};
use crate::support::{Backend, Client, TestApp};

pub async fn start(backend: Backend, smtp: &SmtpServer, extra: &[(&str, &str)]) -> TestApp {
    let url = smtp.url();
    let mut env = vec![
        ("AGORA_SMTP_URL", url.as_str()),
        ("AGORA_PUBLIC_URL", "https://agora.test"),
    ];
    env.extend_from_slice(extra);
    TestApp::start_with(backend, &env).await
}

/// Runs `period`'s digests as the admin; returns how many were sent.
pub async fn send_digests(admin: &Client, period: &str) -> i64 {
    let (status, report) = admin
        .post("/api/v1/admin/digests/run", json!({"period": period}))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["period"], period);
    report["sent"].as_i64().unwrap()
}

/// Posts `body` (in `group`, if any); returns the post's id.
pub async fn post(author: &Client, body: &str, group: Option<&str>) -> String {
    let (status, post) = author
        .post("/api/v1/posts", json!({"body": body, "group_id": group}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_string()
}

pub async fn set_digest(client: &Client, digest: &str) {
    let (status, me) = client.patch("/api/v1/me", json!({"digest": digest})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

/// Sets `client`'s email frequency in `group`.
pub async fn set_frequency(client: &Client, group: &str, frequency: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/groups/{group}/membership");
    client
        .send(
            client
                .request(reqwest::Method::PUT, &path)
                .json(&json!({"email_frequency": frequency})),
        )
        .await
}

/// The messages sent to `email`.
pub fn mails_to(smtp: &SmtpServer, email: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {email}")))
        .collect()
}

/// The one digest `email` got among the first `count` messages, as plain text.
async fn digest_of(smtp: &SmtpServer, count: usize, email: &str) -> String {
    smtp.wait_for(count).await;
    let mails = mails_to(smtp, email);
    assert_eq!(mails.len(), 1, "one digest for {email}: {mails:?}");
    text_of(&mails[0])
}

/// The header `name` of `message`, unfolded.
fn header(message: &str, name: &str) -> String {
    let head = message
        .split("\n\n")
        .next()
        .unwrap()
        .replace("\n ", " ")
        .replace("\n\t", " ");
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {head}"))
        .to_string()
}

async fn a_digest_ranks_followed_posts_by_engagement_and_leaves_out_the_rest(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let cid = app.user(&admin, "cid", "employee").await;
    let design = app.group(&cid, "Design", "public", false).await;
    assert_eq!(
        ana.post(&format!("/api/v1/groups/{design}/join"), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    set_digest(&ana, "daily").await;
    let bob_id = bob.id().await;
    assert!(
        ana.put(&format!("/api/v1/follows/users/{bob_id}"))
            .await
            .0
            .is_success()
    );
    assert!(ana.put("/api/v1/follows/tags/launch").await.0.is_success());

    let quiet = post(&bob, "Quiet note from bob", None).await;
    let busy = post(
        &bob,
        "Busy thread from bob\n\nwith a second paragraph",
        None,
    )
    .await;
    for liker in [&admin, &cid] {
        assert_eq!(
            liker.put(&format!("/api/v1/posts/{busy}/like")).await.0,
            StatusCode::OK
        );
    }
    cid.post(
        &format!("/api/v1/posts/{busy}/comments"),
        json!({"body": "agreed"}),
    )
    .await;
    post(&cid, "Rocket #launch tomorrow", None).await;
    post(&cid, "News from the design group", Some(&design)).await;
    post(
        &cid,
        "unfollowedcanary from someone ana does not follow",
        None,
    )
    .await;
    post(&ana, "owncanary written by ana herself", None).await;

    assert_eq!(
        send_digests(&admin, "daily").await,
        1,
        "only ana takes a daily digest"
    );
    let text = digest_of(&smtp, 1, "ana@example.com").await;
    for expected in [
        "Busy thread from bob",
        "Quiet note from bob",
        "Rocket #launch tomorrow",
        "News from the design group",
        "with a second paragraph",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    for canary in ["unfollowedcanary", "owncanary"] {
        assert!(!text.contains(canary), "{canary} leaked into {text}");
    }
    let at = |s: &str| text.find(s).unwrap();
    assert!(
        at("Busy thread from bob") < at("Quiet note from bob"),
        "engagement ranks first: {text}"
    );
    assert!(
        text.contains(&format!("https://agora.test/posts/{busy}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://agora.test/posts/{quiet}")),
        "{text}"
    );
    assert!(text.contains("BOB · 2 likes · 1 comments"), "{text}");
    assert!(text.contains("CID in Design"), "{text}");
}

async fn read_and_digested_posts_are_not_listed_again_and_a_second_run_sends_nothing(
    backend: Backend,
) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let team = app.group(&bob, "Team", "public", false).await;
    ana.post(&format!("/api/v1/groups/{team}/join"), json!({}))
        .await;
    set_digest(&ana, "daily").await;
    let read = post(&bob, "readcanary opened on its page", Some(&team)).await;
    let read_by_api = post(&bob, "apicanary fetched through the API", Some(&team)).await;
    post(&bob, "First digest item", Some(&team)).await;
    assert!(
        ana.page(&format!("/posts/{read}"))
            .await
            .contains("readcanary")
    );
    assert_eq!(
        ana.get(&format!("/api/v1/posts/{read_by_api}")).await.0,
        StatusCode::OK
    );

    assert_eq!(send_digests(&admin, "daily").await, 1);
    let text = digest_of(&smtp, 1, "ana@example.com").await;
    assert!(text.contains("First digest item"), "{text}");
    assert!(
        !text.contains("readcanary") && !text.contains("apicanary"),
        "read posts are left out: {text}"
    );
    assert_eq!(
        send_digests(&admin, "daily").await,
        0,
        "one daily digest per day"
    );

    // The group moves to the weekly digest: what the daily one listed is not told again.
    assert_eq!(set_frequency(&ana, &team, "weekly").await.0, StatusCode::OK);
    post(&bob, "Fresh for the week", Some(&team)).await;
    assert_eq!(
        send_digests(&admin, "weekly").await,
        1,
        "ana's own digest is daily; her weekly group still gets one"
    );
    smtp.wait_for(2).await;
    let mails = mails_to(&smtp, "ana@example.com");
    let weekly = text_of(&mails[1]);
    assert!(
        weekly.contains("weekly digest") && weekly.contains("Fresh for the week"),
        "{weekly}"
    );
    assert!(
        !weekly.contains("First digest item"),
        "already digested: {weekly}"
    );
    assert_eq!(send_digests(&admin, "weekly").await, 0);
    assert_eq!(smtp.messages().len(), 2);
}

async fn guests_and_non_members_find_no_canary_in_their_digest(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ed = app.user(&admin, "ed", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let secret = app.group(&olga, "Vault", "secret", false).await;
    let inner = app.group(&olga, "Inner", "private", false).await;
    let cara = app.guest_in(&olga, "cara", &[&beta]).await;
    let olga_id = olga.id().await;
    for reader in [&cara, &ed] {
        set_digest(reader, "daily").await;
        assert!(
            reader
                .put(&format!("/api/v1/follows/users/{olga_id}"))
                .await
                .0
                .is_success()
        );
    }
    let shared = post(&olga, "Beta news for our customers", Some(&beta)).await;
    olga.post(
        &format!("/api/v1/posts/{shared}/comments"),
        json!({"body": "open reply"}),
    )
    .await;
    olga.post(
        &format!("/api/v1/posts/{shared}/comments"),
        json!({"body": "staff only", "employees_only": true}),
    )
    .await;
    post(&olga, "canarysecret in the vault", Some(&secret)).await;
    post(&olga, "canaryinner for members", Some(&inner)).await;
    post(&olga, "canarycompany for employees", None).await;

    assert_eq!(send_digests(&admin, "daily").await, 2);
    let guest = digest_of(&smtp, 2, "cara@customer.example").await;
    assert!(guest.contains("Beta news for our customers"), "{guest}");
    assert!(
        guest.contains("0 likes · 1 comments"),
        "employees-only comments are not counted for guests: {guest}"
    );
    for canary in ["canarysecret", "canaryinner", "canarycompany", "staff only"] {
        assert!(
            !guest.contains(canary),
            "{canary} reached the guest: {guest}"
        );
    }
    let employee = digest_of(&smtp, 2, "ed@example.com").await;
    assert!(
        employee.contains("canarycompany for employees"),
        "{employee}"
    );
    for canary in ["canarysecret", "canaryinner", "Beta news"] {
        assert!(
            !employee.contains(canary),
            "{canary} reached a non-member: {employee}"
        );
    }
}

async fn the_cap_lists_the_best_and_counts_the_rest(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[("AGORA_DIGESTS__MAX_POSTS", "3")]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let bob_id = bob.id().await;
    ana.put(&format!("/api/v1/follows/users/{bob_id}")).await;
    let mut posts = Vec::new();
    for n in 1..=5 {
        posts.push(post(&bob, &format!("Numbered post {n}"), None).await);
    }
    // The oldest gets the likes: engagement outweighs an hour's age.
    admin.put(&format!("/api/v1/posts/{}/like", posts[0])).await;
    assert_eq!(
        send_digests(&admin, "weekly").await,
        1,
        "weekly is the default"
    );
    let text = digest_of(&smtp, 1, "ana@example.com").await;
    let listed: Vec<usize> = (1..=5)
        .filter(|n| text.contains(&format!("Numbered post {n}")))
        .collect();
    assert_eq!(listed.len(), 3, "{text}");
    assert!(listed.contains(&1), "the liked one makes the cut: {text}");
    assert!(text.contains("…and 2 more: https://agora.test/"), "{text}");
    let message = &mails_to(&smtp, "ana@example.com")[0];
    assert!(header(message, "Subject").contains("5 posts"), "{message}");
}

async fn a_digest_has_both_parts_and_unsubscribes_in_one_click(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let bob_id = bob.id().await;
    ana.put(&format!("/api/v1/follows/users/{bob_id}")).await;
    post(&bob, "Something <b>bold</b> & new", None).await;
    assert_eq!(send_digests(&admin, "weekly").await, 1);
    smtp.wait_for(1).await;
    let message = &mails_to(&smtp, "ana@example.com")[0];

    let unsubscribe = header(message, "List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<https://agora.test/unsubscribe?token=")
            && unsubscribe.ends_with('>'),
        "{unsubscribe}"
    );
    assert_eq!(
        header(message, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(
        header(message, "Content-Type").starts_with("multipart/alternative"),
        "{message}"
    );
    assert!(
        message.contains("Content-Type: text/plain") && message.contains("Content-Type: text/html"),
        "{message}"
    );
    assert!(
        text_of(message).contains("Something <b>bold</b> & new"),
        "the text part is plain"
    );
    let html = html_of(message);
    assert!(
        html.contains("Something &#60;b&#62;bold&#60;/b&#62; &#38; new"),
        "the HTML part escapes: {html}"
    );
    assert!(
        html.contains("name=\"color-scheme\" content=\"light dark\""),
        "dark mode declared: {html}"
    );
    assert!(
        html.contains("style=\"") && !html.contains("<link"),
        "styles are inline: {html}"
    );

    // A mail client's one-click POST: no session, the token in the URL, the RFC 8058 body.
    let url = unsubscribe
        .trim_matches(['<', '>'])
        .replace("https://agora.test", &app.base);
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("no more digest emails")
    );
    let (_, me) = ana.get("/api/v1/me").await;
    assert_eq!(me["digest"], "off");

    post(&bob, "After unsubscribing", None).await;
    assert_eq!(send_digests(&admin, "weekly").await, 0);
    let forged = app
        .anonymous()
        .send(
            app.anonymous()
                .request(reqwest::Method::POST, "/unsubscribe?token=forged"),
        )
        .await;
    assert_eq!(
        forged.0,
        StatusCode::NOT_FOUND,
        "a bad link is a readable page, not a 500"
    );
}

async fn the_unsubscribe_page_asks_then_turns_every_digest_off(backend: Backend) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let app = start(backend, &smtp, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let news = app.group(&bob, "News", "public", false).await;
    ana.post(&format!("/api/v1/groups/{news}/join"), json!({}))
        .await;
    assert_eq!(set_frequency(&ana, &news, "daily").await.0, StatusCode::OK);
    post(&bob, "Daily news item", Some(&news)).await;
    assert_eq!(
        send_digests(&admin, "daily").await,
        1,
        "a daily group brings a daily digest"
    );
    smtp.wait_for(1).await;
    let link = header(&mails_to(&smtp, "ana@example.com")[0], "List-Unsubscribe");
    let path = link
        .trim_matches(['<', '>'])
        .replace("https://agora.test", "");

    let browser = app.anonymous();
    let page = browser.page(&path).await;
    assert!(
        page.contains("Unsubscribe from digests") && page.contains("ANA"),
        "{page}"
    );
    let (_, me) = ana.get("/api/v1/me").await;
    assert_eq!(me["digest"], "weekly", "showing the page changes nothing");
    let token = path.split("token=").nth(1).unwrap();
    let response = browser
        .http
        .post(app.url("/unsubscribe"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, me) = ana.get("/api/v1/me").await;
    assert_eq!(me["digest"], "off");
    let (_, membership) = ana.get(&format!("/api/v1/groups/{news}/membership")).await;
    assert_eq!(
        membership["email_frequency"], "digest",
        "the daily group follows the digest, now off"
    );
    post(&bob, "More news", Some(&news)).await;
    assert_eq!(
        send_digests(&admin, "weekly").await + send_digests(&admin, "daily").await,
        0
    );
    assert_eq!(browser.get("/unsubscribe").await.0, StatusCode::NOT_FOUND);
}

async fn only_admins_run_digests_and_periods_are_checked(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    assert_eq!(
        ana.post("/api/v1/admin/digests/run", json!({"period": "daily"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.anonymous()
            .post("/api/v1/admin/digests/run", json!({"period": "daily"}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, problem) = admin
        .post("/api/v1/admin/digests/run", json!({"period": "hourly"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["period"].is_array(), "{problem}");
    let (status, report): (StatusCode, Value) = admin
        .post("/api/v1/admin/digests/run", json!({"period": "weekly"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report["period_key"].as_str().unwrap().contains("-W"),
        "{report}"
    );
}

on_both_backends!(
    a_digest_ranks_followed_posts_by_engagement_and_leaves_out_the_rest,
    read_and_digested_posts_are_not_listed_again_and_a_second_run_sends_nothing,
    guests_and_non_members_find_no_canary_in_their_digest,
    the_cap_lists_the_best_and_counts_the_rest,
    a_digest_has_both_parts_and_unsubscribes_in_one_click,
    the_unsubscribe_page_asks_then_turns_every_digest_off,
    only_admins_run_digests_and_periods_are_checked
);
