//! Questions: asking, answering, marking the best answer, and finding what is unanswered in
//! feeds and search.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::search::search_until;
use crate::support::{Backend, TestApp};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect()
}

async fn the_asker_or_a_moderator_marks_the_best_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let olga = app.user(&admin, "olga", "employee").await;
    let group = app.group(&olga, "Support", "public", true).await;
    for member in [&ana, &bob] {
        member
            .post(&format!("/api/v1/groups/{group}/join"), json!({}))
            .await;
    }
    let question = ana.created("/api/v1/posts",
        json!({"body": "How do we rotate the zebrafish keys?", "group_id": group, "question": true}),
    )
    .await;
    let plain = ana
        .created(
            "/api/v1/posts",
            json!({"body": "Just news", "group_id": group}),
        )
        .await;
    let answer = bob
        .created(
            &format!("/api/v1/posts/{question}/comments"),
            json!({"body": "With the rotate command."}),
        )
        .await;
    let better = bob
        .created(
            &format!("/api/v1/posts/{question}/comments"),
            json!({"body": "Run rotate, then restart."}),
        )
        .await;
    let staff = bob
        .created(
            &format!("/api/v1/posts/{question}/comments"),
            json!({"body": "internal detail", "employees_only": true}),
        )
        .await;
    let elsewhere = bob
        .created(
            &format!("/api/v1/posts/{plain}/comments"),
            json!({"body": "nice"}),
        )
        .await;
    let (_, post) = ana.get(&format!("/api/v1/posts/{question}")).await;
    assert_eq!(post["question"], true);
    assert_eq!(post["best_answer_id"], Value::Null);
    assert_eq!(post["can_mark_answer"], true);
    let (_, post) = bob.get(&format!("/api/v1/posts/{question}")).await;
    assert_eq!(post["can_mark_answer"], false);

    let mark = |id: &str| json!({"comment_id": id});
    let path = format!("/api/v1/posts/{question}/best-answer");
    // Nobody but the asker and the group's moderators.
    let (status, body) = bob
        .send(
            bob.request(reqwest::Method::PUT, &path)
                .json(&mark(&answer)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Only a live comment on this question that everyone who reads it reads.
    for (bad, status) in [
        (elsewhere.as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        (staff.as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        ("999", StatusCode::UNPROCESSABLE_ENTITY),
        ("x", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (got, body) = ana
            .send(ana.request(reqwest::Method::PUT, &path).json(&mark(bad)))
            .await;
        assert_eq!(got, status, "{bad}: {body}");
    }
    let (status, body) = ana
        .send(
            ana.request(
                reqwest::Method::PUT,
                &format!("/api/v1/posts/{plain}/best-answer"),
            )
            .json(&mark(&elsewhere)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "not_a_question");
    let (_, post) = ana.get(&format!("/api/v1/posts/{question}")).await;
    assert_eq!(
        post["best_answer_id"],
        Value::Null,
        "a refusal leaves nothing"
    );

    let (status, post) = ana
        .send(
            ana.request(reqwest::Method::PUT, &path)
                .json(&mark(&answer)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    assert_eq!(post["best_answer_id"], answer.as_str());
    // The group's owner moderates: she may change it.
    let (status, post) = olga
        .send(
            olga.request(reqwest::Method::PUT, &path)
                .json(&mark(&better)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    assert_eq!(post["best_answer_id"], better.as_str());
    let page = ana.page(&format!("/posts/{question}")).await;
    assert!(page.contains("Best answer"), "{page}");
    assert!(page.contains("class=\"comment best-answer\""), "{page}");

    // A deleted best answer leaves the question unanswered.
    assert_eq!(
        bob.delete(&format!("/api/v1/comments/{better}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, post) = ana.get(&format!("/api/v1/posts/{question}")).await;
    assert_eq!(post["best_answer_id"], Value::Null);
    let (status, post) = ana
        .send(
            ana.request(reqwest::Method::PUT, &path)
                .json(&mark(&answer)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    let (status, post) = ana.delete(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post["best_answer_id"], Value::Null, "unmarked");

    // The asker hears of answers, as any author hears of comments.
    let (_, notes) = ana.get("/api/v1/notifications?limit=100").await;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "comment" && n["post"]["id"] == question.as_str()),
        "{notes}"
    );
}

on_both_backends!(the_asker_or_a_moderator_marks_the_best_answer);

async fn feeds_and_search_keep_to_questions_and_the_unanswered(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let nina = app.user(&admin, "nina", "employee").await;
    let group = app.group(&ana, "Private desk", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;
    let open = ana
        .created(
            "/api/v1/posts",
            json!({"body": "Who knows okapi?", "question": true}),
        )
        .await;
    let answered = ana
        .created(
            "/api/v1/posts",
            json!({"body": "Who ate okapi?", "question": true}),
        )
        .await;
    let news = ana
        .created("/api/v1/posts", json!({"body": "okapi news"}))
        .await;
    let hidden = ana
        .created(
            "/api/v1/posts",
            json!({"body": "Secret okapi?", "question": true, "group_id": group}),
        )
        .await;
    let reply = ana
        .created(
            &format!("/api/v1/posts/{answered}/comments"),
            json!({"body": "me"}),
        )
        .await;
    let (status, _) = ana
        .send(
            ana.request(
                reqwest::Method::PUT,
                &format!("/api/v1/posts/{answered}/best-answer"),
            )
            .json(&json!({"comment_id": reply})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, all) = ana.get("/api/v1/feeds/company").await;
    assert!(ids(&all).contains(&news));
    let (_, questions) = ana.get("/api/v1/feeds/company?show=questions").await;
    assert_eq!(ids(&questions), [answered.clone(), open.clone()]);
    let (_, unanswered) = ana.get("/api/v1/feeds/company?show=unanswered").await;
    assert_eq!(ids(&unanswered), vec![open.clone()]);
    let (_, in_group) = ana
        .get(&format!("/api/v1/groups/{group}/feed?show=unanswered"))
        .await;
    assert_eq!(ids(&in_group), vec![hidden.clone()]);
    let (status, _) = ana.get("/api/v1/feeds/company?show=everything").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The filter narrows what the policy allows, never widens it: a private group is known
    // to exist, and closed.
    let (_, theirs) = nina.get("/api/v1/feeds/company?show=questions").await;
    assert!(!ids(&theirs).contains(&hidden));
    assert_eq!(
        nina.get(&format!("/api/v1/groups/{group}/feed?show=questions"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        guest.get("/api/v1/feeds/company?show=questions").await.0,
        StatusCode::FORBIDDEN
    );
    let (_, guest_feed) = guest
        .get(&format!("/api/v1/groups/{group}/feed?show=questions"))
        .await;
    assert_eq!(ids(&guest_feed), vec![hidden.clone()]);

    let found = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_string))
            .collect()
    };
    // Once the indexer has the best answer, exactly the two without one.
    let mut expected = vec![open.clone(), hidden.clone()];
    expected.sort();
    search_until(&ana, "okapi is:unanswered", |items| {
        let mut got = found(items);
        got.sort();
        got == expected
    })
    .await;
    let items = search_until(&ana, "is:question", |items| found(items).len() == 3).await;
    assert!(!found(&items).contains(&news));
    let items = search_until(&nina, "is:question okapi", |items| found(items).len() == 2).await;
    assert!(
        !found(&items).contains(&hidden),
        "search asks the policy too"
    );
    // Unmarking makes it unanswered again, in search as in feeds.
    ana.delete(&format!("/api/v1/posts/{answered}/best-answer"))
        .await;
    search_until(&ana, "is:unanswered", |items| {
        found(items).contains(&answered)
    })
    .await;

    // The pages offer the same choice.
    let page = ana.page("/company?show=unanswered").await;
    assert!(
        page.contains("Who knows okapi?") && !page.contains("okapi news"),
        "{page}"
    );
    assert!(page.contains("aria-current=\"page\">Unanswered"), "{page}");
    let page = ana.page(&format!("/groups/{group}?show=questions")).await;
    assert!(page.contains("Secret okapi?"), "{page}");
}

on_both_backends!(feeds_and_search_keep_to_questions_and_the_unanswered);
