//! Outgoing webhooks against a real receiver that verifies every signature with the
//! independent `standardwebhooks` library: what an endpoint is sent (only what its owner may
//! read), retries across a restart, turning off after failures, hostile receivers, rotation,
//! and who may manage endpoints.

mod receiver;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::support::{Backend, Client, TestApp};
use receiver::Receiver;

/// Registers an endpoint as `owner`; returns its id and secret.
async fn endpoint(
    owner: &Client,
    url: &str,
    types: &[&str],
    group: Option<&str>,
) -> (String, String) {
    let (status, created) = owner
        .post(
            "/api/v1/webhooks",
            json!({"url": url, "event_types": types, "group_id": group}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    (created["id"].as_str().unwrap().to_string(), secret)
}

/// Waits until endpoint `id`'s log has `count` lines matching `outcome`; returns the log.
async fn logged(owner: &Client, id: &str, outcome: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, page) = owner
            .get(&format!("/api/v1/webhooks/{id}/deliveries?limit=100"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        if items.iter().filter(|d| d["outcome"] == outcome).count() >= count {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "waiting for {count} {outcome}: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn types_of(log: &[Value]) -> Vec<&str> {
    log.iter()
        .map(|d| d["type"].as_str().unwrap_or("?"))
        .collect()
}

async fn a_group_endpoint_gets_signed_deliveries_of_its_group_only(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = TestApp::start_with(backend, &[("AGORA_LINKS__ALLOW", &receiver.allow())]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let design = app.group(&ana, "Design", "public", false).await;
    let other = app.group(&ben, "Other", "public", false).await;
    let types = ["post.created", "comment.created", "member.joined"];
    let (id, secret) = endpoint(&ana, &receiver.url, &types, Some(&design)).await;
    assert!(secret.starts_with("whsec_"));
    receiver.trust(&[&secret]).await;
    let (_, shown) = ana.get(&format!("/api/v1/webhooks/{id}")).await;
    assert!(
        shown.get("secret").is_none(),
        "the secret is shown once: {shown}"
    );

    let post = ana
        .created(
            "/api/v1/posts",
            json!({"body": "In design", "group_id": design}),
        )
        .await;
    ben.created(
        "/api/v1/posts",
        json!({"body": "Elsewhere", "group_id": other}),
    )
    .await;
    ben.created("/api/v1/posts", json!({"body": "To the company"}))
        .await;
    let (status, _) = ben
        .post(&format!("/api/v1/groups/{design}/join"), json!({}))
        .await;
    assert!(status.is_success());
    ben.created(
        &format!("/api/v1/posts/{post}/comments"),
        json!({"body": "Nice"}),
    )
    .await;

    receiver.wait_for(3).await;
    app.worker_settled("webhook_queue").await;
    app.worker_settled("webhook_sender").await;
    let log = receiver.log().await;
    assert_eq!(
        types_of(&log),
        ["post.created", "member.joined", "comment.created"]
    );
    for delivery in &log {
        assert_eq!(delivery["verified_by"], json!([secret]), "{delivery}");
        assert!(delivery["id"].as_str().unwrap().starts_with("msg_"));
        assert!(
            delivery["user_agent"]
                .as_str()
                .unwrap()
                .starts_with("Agora webhooks")
        );
        assert!(delivery["body"]["timestamp"].as_str().is_some());
    }
    assert_eq!(log[0]["body"]["data"]["post"]["id"], post.as_str());
    assert_eq!(log[0]["body"]["data"]["post"]["body"], "In design");
    assert_eq!(log[1]["body"]["data"]["member"]["handle"], "ben");
    assert_eq!(log[2]["body"]["data"]["comment"]["body"], "Nice");
    assert_eq!(log[2]["body"]["data"]["post_id"], post.as_str());

    let lines = logged(&ana, &id, "delivered", 3).await;
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l["status"] == 200 && l["response"] == "answered 200")
    );
}
on_both_backends!(a_group_endpoint_gets_signed_deliveries_of_its_group_only);

async fn failures_are_retried_across_a_restart_and_delivered_once(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let allow = receiver.allow();
    let env = [("AGORA_LINKS__ALLOW", allow.as_str())];
    let app = TestApp::start_with(backend, &env).await;
    let admin = app.admin().await;
    let (id, secret) = endpoint(&admin, &receiver.url, &["post.created"], None).await;
    receiver.trust(&[&secret]).await;
    receiver.answer(json!([500, 503])).await;
    admin
        .created("/api/v1/posts", json!({"body": "Keep trying"}))
        .await;
    logged(&admin, &id, "failed", 1).await;
    // The process stops between attempts; another takes over the same database.
    app.stop().await;
    let again = app.another(&env).await;
    let admin = again.sign_in("admin@example.com").await;
    let lines = logged(&admin, &id, "delivered", 1).await;
    again.worker_settled("webhook_sender").await;

    let log = receiver.log().await;
    let answered: Vec<&Value> = log.iter().map(|d| &d["answered"]).collect();
    assert_eq!(answered, [&json!(500), &json!(503), &json!(200)]);
    // Every attempt is the same message: one webhook-id, verified each time.
    assert!(
        log.iter()
            .all(|d| d["id"] == log[0]["id"] && d["verified_by"] == json!([secret]))
    );
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["delivered", "failed", "failed"]);
    assert_eq!(lines[1]["status"], 503);
}
on_both_backends!(failures_are_retried_across_a_restart_and_delivered_once);

async fn an_endpoint_failing_again_and_again_is_turned_off_and_its_owner_told(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let (allow, smtp_url) = (receiver.allow(), smtp.url());
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_LINKS__ALLOW", allow.as_str()),
            ("AGORA_SMTP_URL", smtp_url.as_str()),
            ("AGORA_WEBHOOKS__DISABLE_AFTER_FAILURES", "2"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let (id, secret) = endpoint(&admin, &receiver.url, &["post.created"], None).await;
    receiver.trust(&[&secret]).await;
    receiver.answer(json!([500, 500])).await;
    admin
        .created("/api/v1/posts", json!({"body": "First"}))
        .await;
    logged(&admin, &id, "failed", 2).await;
    let mail = smtp.wait_for(1).await;
    assert!(
        text_of(&mail[0]).contains("turned off your webhook"),
        "{}",
        mail[0]
    );
    let (_, hook) = admin.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(hook["enabled"], false);
    assert_eq!(hook["disabled_reason"], "2 failed attempts in a row");

    // While it is off nothing is sent: the first post's next retry and the next post are
    // logged as skipped.
    admin
        .created("/api/v1/posts", json!({"body": "While off"}))
        .await;
    let lines = logged(&admin, &id, "skipped", 2).await;
    assert_eq!(receiver.log().await.len(), 2);

    // Back on, the missed deliveries are sent again from the log, each with its webhook-id.
    let (status, _) = admin
        .patch(&format!("/api/v1/webhooks/{id}"), json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let skipped: Vec<&Value> = lines.iter().filter(|l| l["outcome"] == "skipped").collect();
    for line in &skipped {
        let path = format!(
            "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
            line["id"].as_str().unwrap()
        );
        let (status, _) = admin.post(&path, json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let log = receiver.wait_for(4).await;
    let mut bodies: Vec<&str> = log[2..]
        .iter()
        .map(|d| d["body"]["data"]["post"]["body"].as_str().unwrap())
        .collect();
    bodies.sort_unstable();
    assert_eq!(bodies, ["First", "While off"]);
    for delivery in &log[2..] {
        assert_eq!(delivery["answered"], 200);
        assert!(skipped.iter().any(|l| l["message_id"] == delivery["id"]));
    }
}
on_both_backends!(an_endpoint_failing_again_and_again_is_turned_off_and_its_owner_told);

async fn hostile_receivers_are_recorded_and_never_followed(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    // A receiver that went away: its port is allow-listed but nobody listens there any more.
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let allow = format!("{},{gone}", receiver.allow());
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_LINKS__ALLOW", allow.as_str()),
            ("AGORA_LINKS__TIMEOUT_SECS", "1"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let (id, secret) = endpoint(&admin, &receiver.url, &["post.created"], None).await;
    receiver.trust(&[&secret]).await;
    receiver.answer(json!(["redirect", "hang", "big"])).await;
    // A port nobody allow-listed: refused before any connection, and not retried.
    let closed = "http://127.0.0.1:9/hook";
    let (private, _) = endpoint(&admin, closed, &["post.created"], None).await;
    admin.created("/api/v1/posts", json!({"body": "One"})).await;

    let lines = logged(&admin, &id, "delivered", 1).await;
    let failed: Vec<&Value> = lines.iter().filter(|l| l["outcome"] == "failed").collect();
    let redirect = failed.iter().find(|l| l["status"] == 302).unwrap();
    assert!(
        redirect["response"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed")
    );
    let timeout = failed.iter().find(|l| l["status"].is_null()).unwrap();
    assert!(
        timeout["response"].as_str().unwrap().contains("in time"),
        "{timeout}"
    );
    let big = lines.iter().find(|l| l["outcome"] == "delivered").unwrap();
    assert_eq!(
        big["response"].as_str().unwrap().len(),
        500,
        "only an excerpt is kept"
    );
    // The metadata address it redirected to was never asked: only the receiver was.
    assert!(
        receiver
            .log()
            .await
            .iter()
            .all(|d| d["verified_by"] == json!([secret]))
    );

    let (vanished, _) = endpoint(
        &admin,
        &format!("http://{gone}/hook"),
        &["post.created"],
        None,
    )
    .await;
    admin.created("/api/v1/posts", json!({"body": "Two"})).await;
    let retried = logged(&admin, &vanished, "failed", 2).await;
    assert!(
        retried
            .iter()
            .all(|l| l["status"].is_null() && !l["response"].as_str().unwrap().is_empty())
    );

    let refused = logged(&admin, &private, "failed", 1).await;
    assert!(
        refused[0]["response"]
            .as_str()
            .unwrap()
            .contains("port 9 is not allowed"),
        "{refused:?}"
    );
    app.worker_settled("webhook_sender").await;
    let (_, again) = admin
        .get(&format!("/api/v1/webhooks/{private}/deliveries"))
        .await;
    assert_eq!(
        again["items"].as_array().unwrap().len(),
        2,
        "a refused destination is not retried: one line for each of the two posts"
    );
}
on_both_backends!(hostile_receivers_are_recorded_and_never_followed);

async fn deliveries_carry_only_what_the_owner_may_read_then(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = TestApp::start_with(backend, &[("AGORA_LINKS__ALLOW", &receiver.allow())]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let private = app.group(&ben, "Board", "private", false).await;
    let secret_group = app.group(&ben, "Skunkworks", "secret", false).await;
    let open = app.group(&ana, "Open", "public", true).await;
    let all = [
        "post.created",
        "post.deleted",
        "comment.created",
        "member.joined",
    ];
    // A company-wide endpoint of an admin who is in none of ben's groups.
    let (company, company_secret) = endpoint(&admin, &receiver.url, &all, None).await;
    receiver.trust(&[&company_secret]).await;
    let hidden = ben
        .created(
            "/api/v1/posts",
            json!({"body": "Board only", "group_id": private}),
        )
        .await;
    ben.created(
        "/api/v1/posts",
        json!({"body": "Skunk", "group_id": secret_group}),
    )
    .await;
    ben.delete(&format!("/api/v1/posts/{hidden}")).await;
    let seen = ana
        .created(
            "/api/v1/posts",
            json!({"body": "For all", "group_id": open}),
        )
        .await;
    logged(&admin, &company, "delivered", 1).await;
    let skipped = logged(&admin, &company, "skipped", 3).await;
    for line in skipped.iter().filter(|l| l["outcome"] == "skipped") {
        assert_eq!(
            line["response"],
            "the endpoint's owner may not read what the event is about"
        );
    }
    let log = receiver.log().await;
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!(log[0]["body"]["data"]["post"]["id"], seen.as_str());

    // A group endpoint stops when its owner no longer manages the group, and when she is
    // deactivated.
    let (mine, _) = endpoint(&ana, &receiver.url, &["post.created"], Some(&open)).await;
    let (status, _) = ana
        .post(
            &format!("/api/v1/groups/{open}/members"),
            json!({"user_id": ben.id().await, "role": "owner"}),
        )
        .await;
    assert!(status.is_success());
    let ana_id = ana.id().await;
    let (status, body) = ben
        .delete(&format!("/api/v1/groups/{open}/members/{ana_id}"))
        .await;
    assert!(status.is_success(), "{body}");
    ben.created(
        "/api/v1/posts",
        json!({"body": "After ana left", "group_id": open}),
    )
    .await;
    let lines = logged(&admin, &mine, "skipped", 1).await;
    assert_eq!(
        lines[0]["response"],
        "the endpoint's owner no longer manages it"
    );
    // Only the company endpoint's deliveries came (the receiver trusts only its secret).
    app.worker_settled("webhook_sender").await;
    assert!(
        receiver
            .log()
            .await
            .iter()
            .all(|d| d["verified_by"] == json!([company_secret]))
    );
}
on_both_backends!(deliveries_carry_only_what_the_owner_may_read_then);

async fn a_rotated_secret_signs_beside_the_new_one_for_the_overlap(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = TestApp::start_with(backend, &[("AGORA_LINKS__ALLOW", &receiver.allow())]).await;
    let admin = app.admin().await;
    let (id, old) = endpoint(&admin, &receiver.url, &["post.created"], None).await;
    let (status, rotated) = admin
        .post(&format!("/api/v1/webhooks/{id}/secret"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_until"].is_string());
    receiver.trust(&[&old, &new]).await;
    admin
        .created("/api/v1/posts", json!({"body": "Both"}))
        .await;
    let log = receiver.wait_for(1).await;
    assert_eq!(log[0]["verified_by"], json!([old, new]));
}
on_both_backends!(a_rotated_secret_signs_beside_the_new_one_for_the_overlap);

async fn only_admins_and_group_admins_manage_endpoints(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let group = app.group(&ana, "Customers", "public", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;
    let url = "https://hooks.example.com/agora";
    let company = json!({"url": url, "event_types": ["post.created"]});
    let of_group = json!({"url": url, "event_types": ["post.created"], "group_id": group});
    for (who, body) in [
        (&ana, &company),
        (&ben, &of_group),
        (&guest, &of_group),
        (&guest, &company),
    ] {
        let (status, problem) = who.post("/api/v1/webhooks", body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    let (mine, _) = endpoint(&ana, url, &["post.created"], Some(&group)).await;
    for who in [&ben, &guest] {
        let (status, _) = who.get(&format!("/api/v1/webhooks/{mine}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = who.delete(&format!("/api/v1/webhooks/{mine}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, listed) = who.get("/api/v1/webhooks").await;
        assert_eq!(listed, json!([]));
    }
    let (_, listed) = admin.get("/api/v1/webhooks").await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "a site admin sees a public group's endpoints"
    );

    for (body, field) in [
        (
            json!({"url": "ftp://x.example/", "event_types": ["post.created"]}),
            "url",
        ),
        (
            json!({"url": "https://u:p@x.example/", "event_types": ["post.created"]}),
            "url",
        ),
        (json!({"url": url, "event_types": []}), "event_types"),
        (
            json!({"url": url, "event_types": ["pigeon.landed"]}),
            "event_types",
        ),
    ] {
        let (status, problem) = admin.post("/api/v1/webhooks", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    let (status, _) = admin.post("/api/v1/webhooks", json!({"url": url})).await;
    assert!(status.is_client_error());
}
on_both_backends!(only_admins_and_group_admins_manage_endpoints);

async fn a_poll_closing_by_its_clock_is_delivered_with_its_results(backend: Backend) {
    let Some(receiver) = Receiver::start() else {
        return;
    };
    let app = TestApp::start_with(backend, &[("AGORA_LINKS__ALLOW", &receiver.allow())]).await;
    let admin = app.admin().await;
    let bob = app.user(&admin, "bob", "employee").await;
    let (_, secret) = endpoint(&admin, &receiver.url, &["poll.closed"], None).await;
    receiver.trust(&[&secret]).await;
    let closes = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let poll = json!({"options": ["Yes", "No"], "results": "close", "closes_at": closes});
    let (status, post) = admin
        .post("/api/v1/posts", json!({"body": "Lunch?", "poll": poll}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let yes = post["poll"]["options"][0]["id"].as_str().unwrap();
    let id = post["id"].as_str().unwrap();
    let vote = bob
        .request(reqwest::Method::PUT, &format!("/api/v1/posts/{id}/vote"))
        .json(&json!({"option_ids": [yes]}));
    let (status, voted) = bob.send(vote).await;
    assert_eq!(status, StatusCode::OK, "{voted}");

    let log = receiver.wait_for(1).await;
    app.worker_settled("poll_closer").await;
    app.worker_settled("webhook_sender").await;
    let log = if log.len() == 1 {
        log
    } else {
        receiver.log().await
    };
    assert_eq!(log.len(), 1, "told of once: {log:#?}");
    assert_eq!(log[0]["type"], "poll.closed");
    assert_eq!(log[0]["verified_by"], json!([secret]));
    let closed = &log[0]["body"]["data"]["post"]["poll"];
    assert_eq!(closed["closed"], true, "{closed}");
    assert_eq!(
        closed["voter_count"], 1,
        "final results, shown once closed: {closed}"
    );
}
on_both_backends!(a_poll_closing_by_its_clock_is_delivered_with_its_results);
