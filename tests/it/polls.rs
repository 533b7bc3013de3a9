//! Polls: making them, voting and changing votes until they close, who sees results when,
//! and refusals that leave nothing behind.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

async fn poll_post(client: &Client, poll: Value, group: Option<&str>) -> Value {
    let (status, post) = client
        .post(
            "/api/v1/posts",
            json!({"body": "Where shall we meet?", "group_id": group, "poll": poll}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post
}

fn option_ids(post: &Value) -> Vec<String> {
    post["poll"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

async fn vote(client: &Client, post: &Value, options: &[&str]) -> (StatusCode, Value) {
    let path = format!("/api/v1/posts/{}/vote", post["id"].as_str().unwrap());
    client
        .send(
            client
                .request(reqwest::Method::PUT, &path)
                .json(&json!({"option_ids": options})),
        )
        .await
}

fn tally(post: &Value) -> Vec<Value> {
    post["poll"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].clone())
        .collect()
}

async fn bad_polls_are_refused_and_leave_no_post(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    for (poll, why) in [
        (json!({"options": ["only one"]}), "one option"),
        (
            json!({"options": (0..11).map(|n| n.to_string()).collect::<Vec<_>>()}),
            "eleven",
        ),
        (json!({"options": ["Yes", "  "]}), "an empty option"),
        (json!({"options": ["Yes", "yes "]}), "the same option twice"),
        (
            json!({"options": ["Yes", "x".repeat(101)]}),
            "an overlong option",
        ),
        (
            json!({"options": ["Yes", "No"], "closes_at": past}),
            "closing in the past",
        ),
        (
            json!({"options": ["Yes", "No"], "results": "never"}),
            "an unknown results rule",
        ),
    ] {
        let (status, body) = admin
            .post("/api/v1/posts", json!({"body": "A poll", "poll": poll}))
            .await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{why}: {status} {body}"
        );
    }
    let (_, feed) = admin.get("/api/v1/feeds/company").await;
    assert_eq!(feed["items"], json!([]), "nothing half-written");
}

on_both_backends!(bad_polls_are_refused_and_leave_no_post);

async fn readers_vote_change_and_take_back_their_votes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let cara = app.user(&admin, "cara", "employee").await;
    let post = poll_post(&ana, json!({"options": ["Lobby", "Café", "Roof"]}), None).await;
    let options = option_ids(&post);
    let id = post["id"].as_str().unwrap();
    assert_eq!(post["poll"]["results_visible"], false);
    assert_eq!(
        tally(&post),
        [Value::Null, Value::Null, Value::Null],
        "no tally before voting"
    );

    let (status, seen) = vote(&bob, &post, &[&options[0]]).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["poll"]["voted"], true);
    assert_eq!(tally(&seen), [json!(1), json!(0), json!(0)]);
    assert_eq!(seen["poll"]["options"][0]["chosen_by_me"], true);
    assert_eq!(
        seen["poll"]["options"][0]["voters"][0]["handle"], "bob",
        "named by default"
    );
    // Cara has not voted: results after voting means none for her yet.
    let (_, hers) = cara.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(hers["poll"]["voter_count"], Value::Null);
    assert_eq!(tally(&hers), [Value::Null, Value::Null, Value::Null]);

    // One option only; options of this poll only.
    let (status, _) = vote(&bob, &post, &[&options[0], &options[1]]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = poll_post(&ana, json!({"options": ["a", "b"]}), None).await;
    let (status, _) = vote(&bob, &post, &[&option_ids(&other)[0]]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = vote(&bob, &post, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Changing moves the vote; a second voter adds to the count.
    let (_, seen) = vote(&bob, &post, &[&options[1]]).await;
    assert_eq!(tally(&seen), [json!(0), json!(1), json!(0)]);
    let (_, seen) = vote(&cara, &post, &[&options[1]]).await;
    assert_eq!(tally(&seen), [json!(0), json!(2), json!(0)]);
    assert_eq!(seen["poll"]["voter_count"], 2);
    let (status, seen) = bob.delete(&format!("/api/v1/posts/{id}/vote")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["poll"]["voted"], false);
    let (_, seen) = cara.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(tally(&seen), [json!(0), json!(1), json!(0)]);
    assert_eq!(seen["poll"]["voter_count"], 1);

    // A post without a poll takes no votes.
    let (_, plain) = ana.post("/api/v1/posts", json!({"body": "no poll"})).await;
    let (status, body) = vote(&bob, &plain, &[&options[0]]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "not_a_poll");

    // Several at once where the author allows it; anonymous names nobody.
    let multi = poll_post(
        &ana,
        json!({"options": ["Mon", "Tue", "Wed"], "multiple": true, "anonymous": true}),
        None,
    )
    .await;
    let days = option_ids(&multi);
    let (status, seen) = vote(&bob, &multi, &[&days[0], &days[2]]).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(tally(&seen), [json!(1), json!(0), json!(1)]);
    assert_eq!(seen["poll"]["voter_count"], 1);
    assert!(
        seen["poll"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["voters"] == json!([]))
    );
}

on_both_backends!(readers_vote_change_and_take_back_their_votes);

async fn closed_polls_take_no_votes_and_show_results_to_all(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let closes = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let post = poll_post(
        &ana,
        json!({"options": ["Yes", "No"], "results": "close", "closes_at": closes}),
        None,
    )
    .await;
    let options = option_ids(&post);
    let (status, seen) = vote(&bob, &post, &[&options[0]]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        seen["poll"]["results_visible"], false,
        "results wait for the close"
    );
    assert_eq!(tally(&seen), [Value::Null, Value::Null]);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let (status, body) = vote(&bob, &post, &[&options[1]]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "poll_closed");
    let id = post["id"].as_str().unwrap();
    let (_, seen) = ana.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(seen["poll"]["closed"], true);
    assert_eq!(
        tally(&seen),
        [json!(1), json!(0)],
        "the vote before closing stands"
    );
    // The tally reaches feed readers as text.
    let (_, token) = ana.get("/api/v1/me/feed-token").await;
    let atom = ana
        .page(&format!(
            "/feeds/company.atom?token={}",
            token["token"].as_str().unwrap()
        ))
        .await;
    assert!(
        atom.contains("Poll (closed, 1 voted): Yes: 1 · No: 0"),
        "{atom}"
    );
}

on_both_backends!(closed_polls_take_no_votes_and_show_results_to_all);

async fn guests_vote_in_their_groups_and_pages_vote_without_script(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Customers", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;
    let theirs = poll_post(&ana, json!({"options": ["Blue", "Green"]}), Some(&group)).await;
    let company = poll_post(&ana, json!({"options": ["Blue", "Green"]}), None).await;
    let (status, seen) = vote(&guest, &theirs, &[&option_ids(&theirs)[1]]).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let (status, _) = vote(&guest, &company, &[&option_ids(&company)[1]]).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a company poll does not exist for a guest"
    );

    let browser = app.browser_sign_in("ana@example.com").await;
    let id = theirs["id"].as_str().unwrap();
    let response = browser
        .http
        .post(app.url(&format!("/posts/{id}/vote")))
        .form(&[
            ("csrf", browser.csrf.as_deref().unwrap()),
            ("back", "/"),
            ("option", option_ids(&theirs)[1].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.page(&format!("/posts/{id}")).await;
    assert!(page.contains("2 voted"), "{page}");
    assert!(page.contains("Change vote"), "{page}");
    // A vote with no option is a readable refusal, not a silent no-op.
    let response = browser
        .http
        .post(app.url(&format!("/posts/{id}/vote")))
        .form(&[("csrf", browser.csrf.as_deref().unwrap()), ("back", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(guests_vote_in_their_groups_and_pages_vote_without_script);
