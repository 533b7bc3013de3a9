//! Groups, posts, comments, likes, tags, mentions, follows and feeds through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

async fn posts_render_sanitized_markdown_with_tags_mentions_and_links(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob_id = app.user(&admin, "bob", "employee").await.id().await;
    let body = "**Launch** day #Rust #rust #Café with @bob and @nobody, see https://example.com/x. <script>alert(1)</script> [x](javascript:alert(1))";
    let (status, post) = ana.post("/api/v1/posts", json!({"body": body})).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let html = post["html"].as_str().unwrap();
    assert!(html.contains("<strong>Launch</strong>"), "{html}");
    assert!(html.contains("href=\"/tags/rust\""), "{html}");
    assert!(
        html.contains(&format!("href=\"/people/{bob_id}\"")),
        "{html}"
    );
    assert!(
        html.contains("@nobody") && !html.contains("/people/nobody"),
        "unknown handles stay text: {html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(
        html.contains("rel=\"nofollow noopener noreferrer ugc\""),
        "{html}"
    );
    assert_eq!(post["tags"], json!(["café", "rust"]));
    assert_eq!(post["mentions"], json!([bob_id]));
    assert_eq!(post["links"], json!(["https://example.com/x"]));
    assert_eq!(post["author"]["handle"], "ana");
    assert_eq!(post["group"], Value::Null);
}

async fn empty_and_overlong_bodies_are_refused_clearly(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (status, body) = admin.post("/api/v1/posts", json!({"body": "   "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["body"].is_array());
    let (status, body) = admin
        .post("/api/v1/posts", json!({"body": "x".repeat(10_001)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["body"][0]
            .as_str()
            .unwrap()
            .contains("10000"),
        "{body}"
    );
    let (_, post) = admin.post("/api/v1/posts", json!({"body": "ok"})).await;
    let id = post["id"].as_str().unwrap();
    let (status, _) = admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "y".repeat(5_001)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = admin
        .post("/api/v1/posts", json!({"body": "hi", "group_id": "42"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown group is a field error"
    );
}

async fn edits_keep_history_and_others_may_not_edit(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let (_, post) = ana
        .post("/api/v1/posts", json!({"body": "first #old"}))
        .await;
    let id = post["id"].as_str().unwrap();
    assert_eq!(post["edited_at"], Value::Null);
    let (status, edited) = ana
        .patch(
            &format!("/api/v1/posts/{id}"),
            json!({"body": "second #new"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["tags"], json!(["new"]));
    ana.patch(&format!("/api/v1/posts/{id}"), json!({"body": "third"}))
        .await;
    let (_, history) = ana.get(&format!("/api/v1/posts/{id}/history")).await;
    let bodies: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["second #new", "first #old"]);
    let (_, old_tag) = ana.get("/api/v1/tags/old/feed").await;
    assert!(ids(&old_tag).is_empty(), "an edit removes the old tags");
    assert_eq!(history["items"][0]["edited_by_moderator"], false);
    let bob = app.user(&admin, "bob", "employee").await;
    let (status, body) = bob
        .patch(&format!("/api/v1/posts/{id}"), json!({"body": "hijack"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "author_only");
}

async fn moderators_edit_in_their_groups_and_everyone_sees_who_did(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let group = app.group(&olga, "Support", "public", true).await;
    for member in [&ana, &bob] {
        let (status, _) = member
            .post(&format!("/api/v1/groups/{group}/join"), json!({}))
            .await;
        assert!(status.is_success());
    }
    let gia = app.guest_in(&olga, "gia", &[group.as_str()]).await;
    let (_, me) = olga.get("/api/v1/me").await;
    let olga_name = me["name"].as_str().unwrap();
    let (_, post) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "call 555-0100 #support", "group_id": group}),
        )
        .await;
    let post = post["id"].as_str().unwrap();
    let (_, comment) = ana
        .post(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": "my phone is 555-0100"}),
        )
        .await;
    let comment = comment["id"].as_str().unwrap();
    let (status, body) = bob
        .patch(&format!("/api/v1/posts/{post}"), json!({"body": "hijack"}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a member is no moderator: {body}"
    );
    let (status, edited) = olga
        .patch(
            &format!("/api/v1/posts/{post}"),
            json!({"body": "call support #support"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the group's owner edits: {edited}");
    let (status, _) = olga
        .patch(
            &format!("/api/v1/comments/{comment}"),
            json!({"body": "[number removed]"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (reader, author) in [(&ana, true), (&bob, false), (&gia, false)] {
        let (_, shown) = reader.get(&format!("/api/v1/posts/{post}")).await;
        assert_eq!(shown["edited_by_moderator"], true, "{shown}");
        assert_eq!(shown["edited_by"]["name"], olga_name, "{shown}");
        assert_eq!(
            shown["can_edit"], author,
            "the author and moderators only: {shown}"
        );
        let (_, comments) = reader.get(&format!("/api/v1/posts/{post}/comments")).await;
        assert_eq!(
            comments["items"][0]["edited_by_moderator"], true,
            "{comments}"
        );
        let (_, history) = reader.get(&format!("/api/v1/posts/{post}/history")).await;
        assert_eq!(history["items"][0]["edited_by_moderator"], true);
        assert_eq!(history["items"][0]["body"], "call 555-0100 #support");
    }
    let page = ana.page(&format!("/posts/{post}")).await;
    assert!(page.contains(&format!("edited by {olga_name}")), "{page}");
    let history = gia.page(&format!("/comments/{comment}/history")).await;
    assert!(history.contains("Edited by"), "{history}");
    let (status, _) = admin
        .patch(
            &format!("/api/v1/posts/{post}"),
            json!({"body": "the site's admins moderate too"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn deleted_posts_and_comments_leave_every_read_path(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let (_, post) = ana
        .post("/api/v1/posts", json!({"body": "soon gone #ephemeral"}))
        .await;
    let id = post["id"].as_str().unwrap();
    let (_, comment) = bob
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "me too"}),
        )
        .await;
    let comment_id = comment["id"].as_str().unwrap();
    assert_eq!(
        ana.delete(&format!("/api/v1/comments/{comment_id}"))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "post authors do not moderate comments"
    );
    assert_eq!(
        bob.delete(&format!("/api/v1/comments/{comment_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, post_now) = ana.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(post_now["comment_count"], 0);
    assert_eq!(
        bob.delete(&format!("/api/v1/posts/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/posts/{id}")).await.0,
        StatusCode::NO_CONTENT,
        "site admins moderate"
    );
    assert_eq!(
        ana.get(&format!("/api/v1/posts/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    for feed in [
        "/api/v1/feeds/home",
        "/api/v1/feeds/company",
        "/api/v1/tags/ephemeral/feed",
    ] {
        let (_, page) = ana.get(feed).await;
        assert!(!ids(&page).contains(&id.to_string()), "{feed}");
    }
    let (_, trending) = ana.get("/api/v1/tags/trending").await;
    assert!(!trending.to_string().contains("ephemeral"));
}

async fn likes_are_idempotent_and_counts_exact_under_concurrency(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let mut people = Vec::new();
    for n in 0..8 {
        people.push(app.user(&admin, &format!("p{n}"), "employee").await);
    }
    let (_, post) = admin
        .post("/api/v1/posts", json!({"body": "like me"}))
        .await;
    let id = post["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/posts/{id}/like");
    let likes = people
        .iter()
        .flat_map(|p| [p.put(&path), p.put(&path), p.put(&path)]);
    let statuses: Vec<_> = futures_util::future::join_all(likes)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (_, seen) = people[0].get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(seen["like_count"], 8);
    assert_eq!(seen["liked_by_me"], true);
    let unlikes = people
        .iter()
        .take(3)
        .flat_map(|p| [p.delete(&path), p.delete(&path)]);
    futures_util::future::join_all(unlikes).await;
    let (_, seen) = admin.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(seen["like_count"], 5);
    assert_eq!(seen["liked_by_me"], false);
    let (_, comment) = admin
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "nice"}),
        )
        .await;
    let comment_id = comment["id"].as_str().unwrap();
    people[1]
        .put(&format!("/api/v1/comments/{comment_id}/like"))
        .await;
    let (_, liked) = people[1]
        .put(&format!("/api/v1/comments/{comment_id}/like"))
        .await;
    assert_eq!(
        (liked["like_count"].as_i64(), liked["liked_by_me"].as_bool()),
        (Some(1), Some(true))
    );
}

/// A page marks exactly the posts its reader liked and saved: its lowest and highest too, and
/// none for what she liked below it.
async fn a_feed_page_marks_exactly_what_its_reader_liked_and_saved(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let reader = app.user(&admin, "reader", "employee").await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let post = admin
            .created("/api/v1/posts", json!({"body": format!("post {n}")}))
            .await;
        ids.push(post);
    }
    for n in [0, 1, 3, 5] {
        let (status, _) = reader.put(&format!("/api/v1/posts/{}/like", ids[n])).await;
        assert_eq!(status, StatusCode::OK);
    }
    for n in [0, 1, 4] {
        let (status, _) = reader.put(&format!("/api/v1/posts/{}/saved", ids[n])).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, page) = reader.get("/api/v1/feeds/company?limit=5").await;
    let marks: Vec<(String, bool, bool)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let flag = |name: &str| p[name].as_bool().unwrap();
            (
                p["id"].as_str().unwrap().to_string(),
                flag("liked_by_me"),
                flag("saved_by_me"),
            )
        })
        .collect();
    let expected: Vec<(String, bool, bool)> = [5, 4, 3, 2, 1]
        .into_iter()
        .map(|n| (ids[n].clone(), [1, 3, 5].contains(&n), [1, 4].contains(&n)))
        .collect();
    assert_eq!(marks, expected);
}

async fn comments_are_flat_oldest_first_and_paged(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, post) = admin.post("/api/v1/posts", json!({"body": "thread"})).await;
    let id = post["id"].as_str().unwrap();
    for n in 0..5 {
        admin
            .post(
                &format!("/api/v1/posts/{id}/comments"),
                json!({"body": format!("c{n}")}),
            )
            .await;
    }
    let (_, first) = admin
        .get(&format!("/api/v1/posts/{id}/comments?limit=3"))
        .await;
    let (_, rest) = admin
        .get(&format!(
            "/api/v1/posts/{id}/comments?limit=3&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ))
        .await;
    let bodies: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["c0", "c1", "c2", "c3", "c4"]);
    let (_, post) = admin.get(&format!("/api/v1/posts/{id}")).await;
    assert_eq!(post["comment_count"], 5);
    let comment_id = first["items"][0]["id"].as_str().unwrap();
    admin
        .patch(
            &format!("/api/v1/comments/{comment_id}"),
            json!({"body": "c0, edited"}),
        )
        .await;
    let (_, history) = admin
        .get(&format!("/api/v1/comments/{comment_id}/history"))
        .await;
    assert_eq!(history["items"][0]["body"], "c0");
}

async fn groups_join_request_approve_leave_and_archive(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let bob_id = bob.id().await;
    let ana_id = ana.id().await;
    let public = app.group(&ana, "Open", "public", false).await;
    let private = app.group(&ana, "Closed", "private", false).await;
    let (status, duplicate) = bob
        .post(
            "/api/v1/groups",
            json!({"name": "OPEN", "visibility": "public"}),
        )
        .await;
    assert_eq!(
        (status, duplicate["code"].as_str()),
        (StatusCode::CONFLICT, Some("group_name_taken"))
    );
    let (status, joined) = bob
        .post(&format!("/api/v1/groups/{public}/join"), json!({}))
        .await;
    assert_eq!(
        (status, joined["status"].as_str()),
        (StatusCode::OK, Some("member"))
    );
    assert_eq!(joined["group"]["member_count"], 2);
    let (status, asked) = bob
        .post(&format!("/api/v1/groups/{private}/join"), json!({}))
        .await;
    assert_eq!(
        (status, asked["status"].as_str()),
        (StatusCode::ACCEPTED, Some("requested"))
    );
    assert_eq!(
        bob.get(&format!("/api/v1/groups/{private}/feed")).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, requests) = ana.get(&format!("/api/v1/groups/{private}/requests")).await;
    assert_eq!(requests["items"][0]["id"], bob_id.as_str());
    assert_eq!(
        bob.get(&format!("/api/v1/groups/{private}/requests"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = ana
        .post(
            &format!("/api/v1/groups/{private}/members"),
            json!({"user_id": bob_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        bob.get(&format!("/api/v1/groups/{private}/feed")).await.0,
        StatusCode::OK
    );
    let (_, requests) = ana.get(&format!("/api/v1/groups/{private}/requests")).await;
    assert!(
        requests["items"].as_array().unwrap().is_empty(),
        "adding approves the request"
    );
    let (_, members) = ana.get(&format!("/api/v1/groups/{private}/members")).await;
    let roles: Vec<(&str, &str)> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["handle"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("ana", "owner"), ("bob", "member")]);
    let (status, body) = ana
        .delete(&format!("/api/v1/groups/{private}/members/{ana_id}"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner"))
    );
    assert_eq!(
        bob.delete(&format!("/api/v1/groups/{private}/members/{ana_id}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    ana.post(
        &format!("/api/v1/groups/{private}/members"),
        json!({"user_id": bob_id, "role": "owner"}),
    )
    .await;
    assert_eq!(
        ana.delete(&format!("/api/v1/groups/{private}/members/{ana_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT,
        "handed over, then left"
    );
    let (_, post) = bob
        .post(
            "/api/v1/posts",
            json!({"body": "before archiving", "group_id": public}),
        )
        .await;
    let (status, archived) = ana
        .patch(
            &format!("/api/v1/groups/{public}"),
            json!({"archived": true}),
        )
        .await;
    assert_eq!(
        (status, archived["archived"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (status, body) = bob
        .post(
            "/api/v1/posts",
            json!({"body": "after", "group_id": public}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("group_archived"))
    );
    let post_id = post["id"].as_str().unwrap();
    assert_eq!(
        bob.get(&format!("/api/v1/posts/{post_id}")).await.0,
        StatusCode::OK,
        "archived posts stay readable"
    );
    assert_eq!(
        bob.patch(&format!("/api/v1/groups/{public}"), json!({"name": "Mine"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

async fn feeds_merge_follows_and_page_stably_while_posts_arrive(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let cy = app.user(&admin, "cy", "employee").await;
    let group = app.group(&cy, "Makers", "public", false).await;
    let bob_id = bob.id().await;
    let mut expected = Vec::new();
    for n in 0..4 {
        let (_, p) = bob
            .post("/api/v1/posts", json!({"body": format!("bob {n}")}))
            .await;
        expected.push(p["id"].as_str().unwrap().to_string());
        let (_, p) = cy
            .post("/api/v1/posts", json!({"body": format!("cy #rust {n}")}))
            .await;
        expected.push(p["id"].as_str().unwrap().to_string());
        let (_, p) = cy
            .post(
                "/api/v1/posts",
                json!({"body": format!("in group {n}"), "group_id": group}),
            )
            .await;
        expected.push(p["id"].as_str().unwrap().to_string());
        cy.post("/api/v1/posts", json!({"body": format!("noise {n}")}))
            .await;
    }
    let (_, own) = ana.post("/api/v1/posts", json!({"body": "mine"})).await;
    expected.push(own["id"].as_str().unwrap().to_string());
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{bob_id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ana.put("/api/v1/follows/tags/Rust").await.0,
        StatusCode::NO_CONTENT
    );
    ana.post(&format!("/api/v1/groups/{group}/join"), json!({}))
        .await;
    expected.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().unwrap()));
    let mut seen = Vec::new();
    let mut path = "/api/v1/feeds/home?limit=5".to_string();
    loop {
        let (status, page) = ana.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page));
        // A new post arriving between pages must not shift the next page.
        bob.post("/api/v1/posts", json!({"body": "arriving meanwhile"}))
            .await;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/feeds/home?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    let (_, tag) = ana.get("/api/v1/tags/RUST").await;
    assert_eq!(
        (tag["name"].as_str(), tag["followed_by_me"].as_bool()),
        (Some("rust"), Some(true))
    );
    let (_, trending) = ana.get("/api/v1/tags/trending").await;
    assert_eq!(trending["items"][0], json!({"name": "rust", "count": 4}));
    let (_, first) = ana.get("/api/v1/feeds/home?limit=1").await;
    assert!(
        first["items"][0]["author"]["name"].is_string()
            && first["items"][0]["liked_by_me"] == false
    );
    assert_eq!(
        ana.get("/api/v1/tags/not a tag!/feed").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        ana.get("/api/v1/feeds/home?cursor=bogus").await.0,
        StatusCode::BAD_REQUEST
    );
}

async fn broadcast_groups_take_posts_from_their_owners_and_admins_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let (status, group) = admin
        .post(
            "/api/v1/groups",
            json!({"name": "Announcements", "visibility": "public", "broadcast": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(
        (
            group["broadcast"].as_bool(),
            group["members_comment"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let id = group["id"].as_str().unwrap().to_string();
    for (member, role) in [(&ana, "member"), (&bo, "admin")] {
        let user_id = member.id().await;
        let (status, body) = admin
            .post(
                &format!("/api/v1/groups/{id}/members"),
                json!({"user_id": user_id, "role": role}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let post = |body: &str| json!({"body": body, "group_id": id});

    let (status, refused) = ana.post("/api/v1/posts", post("Can I post here?")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["code"], "group_admins_only");
    let (status, news) = admin
        .post("/api/v1/posts", post("The office moves in May"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{news}");
    let (status, _) = bo
        .post("/api/v1/posts", post("Parking details follow"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let news = news["id"].as_str().unwrap();
    let comments = format!("/api/v1/posts/{news}/comments");
    let comment = |body: &str| json!({"body": body});
    let (status, _) = ana.post(&comments, comment("Great news")).await;
    assert_eq!(status, StatusCode::CREATED, "members comment");

    let (status, changed) = admin
        .patch(
            &format!("/api/v1/groups/{id}"),
            json!({"members_comment": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        ana.post(&comments, comment("And now?")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bo.post(&comments, comment("Admins still do")).await.0,
        StatusCode::CREATED
    );

    // The pages offer only what the policy allows.
    let browser = app.browser_sign_in("ana@example.com").await;
    let group_page = browser.page(&format!("/groups/{id}")).await;
    assert!(
        !group_page.contains("class=\"card composer"),
        "no composer for a member"
    );
    let home = browser.page("/").await;
    assert!(
        !home.contains(&format!("value=\"{id}\"")),
        "not among the groups to post in"
    );
    let permalink = browser.page(&format!("/posts/{news}")).await;
    assert!(!permalink.contains("comment-form"), "no comment form");
    assert!(permalink.contains("Comments here are for the group's owners and admins."));
    let owner = app.browser_sign_in("admin@example.com").await;
    assert!(
        owner
            .page(&format!("/groups/{id}"))
            .await
            .contains("class=\"card composer")
    );
}

on_both_backends!(
    posts_render_sanitized_markdown_with_tags_mentions_and_links,
    empty_and_overlong_bodies_are_refused_clearly,
    edits_keep_history_and_others_may_not_edit,
    moderators_edit_in_their_groups_and_everyone_sees_who_did,
    deleted_posts_and_comments_leave_every_read_path,
    likes_are_idempotent_and_counts_exact_under_concurrency,
    a_feed_page_marks_exactly_what_its_reader_liked_and_saved,
    comments_are_flat_oldest_first_and_paged,
    groups_join_request_approve_leave_and_archive,
    feeds_merge_follows_and_page_stably_while_posts_arrive,
    broadcast_groups_take_posts_from_their_owners_and_admins_only
);

async fn the_demo_fills_an_empty_instance_with_a_living_network(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let db = app.db.open();
    let summary = agora::cli::demo::fill(&db, &config).unwrap();
    assert!(summary.contains(agora::cli::demo::DEMO_PASSWORD));
    let error = agora::cli::demo::fill(&db, &config).unwrap_err();
    assert_eq!(
        error.code.as_str(),
        "not_empty",
        "the demo never runs twice"
    );
    let (_, company) = admin.get("/api/v1/feeds/company?limit=100").await;
    let posts = company["items"].as_array().unwrap();
    assert!(posts.len() >= 8, "{}", posts.len());
    assert!(
        posts
            .iter()
            .any(|p| p["comment_count"].as_i64().unwrap() > 0
                && p["like_count"].as_i64().unwrap() > 0
                && !p["tags"].as_array().unwrap().is_empty())
    );
    let (_, groups) = admin.get("/api/v1/groups?limit=100").await;
    let visibilities: Vec<&str> = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["visibility"].as_str().unwrap())
        .collect();
    assert!(
        visibilities.contains(&"public")
            && visibilities.contains(&"private")
            && !visibilities.contains(&"secret"),
        "secret groups stay hidden from non-members"
    );
    let guest = app
        .sign_in_with("rita@acme.example", agora::cli::demo::DEMO_PASSWORD)
        .await;
    let (_, guest_groups) = guest.get("/api/v1/groups").await;
    let names: Vec<&str> = guest_groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Corp — Beta Program"]);
    let maya = app
        .sign_in_with("maya@example.com", agora::cli::demo::DEMO_PASSWORD)
        .await;
    let (_, home) = maya.get("/api/v1/feeds/home").await;
    assert!(home["items"].as_array().unwrap().len() >= 5);
    let (_, trending) = maya.get("/api/v1/tags/trending").await;
    assert_eq!(
        trending["items"][0]["name"], "launch",
        "the launch trends in the last week: {trending}"
    );
    let (_, unread) = maya.get("/api/v1/notifications/unread").await;
    let (_, notes) = maya.get("/api/v1/notifications?limit=100").await;
    let notes = notes["items"].as_array().unwrap();
    assert!(
        unread["unread"].as_i64().unwrap() < notes.len() as i64,
        "a backlog, mostly read: {unread} of {}",
        notes.len()
    );
    let mut oldest = None;
    let mut url = "/api/v1/feeds/company?limit=100".to_string();
    let mut posts = 0;
    loop {
        let (_, page) = admin.get(&url).await;
        for post in page["items"].as_array().unwrap() {
            posts += 1;
            oldest = post["created_at"].as_str().map(str::to_owned);
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/feeds/company?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    let oldest = chrono::DateTime::parse_from_rfc3339(&oldest.unwrap()).unwrap();
    let age = chrono::Utc::now().signed_duration_since(oldest);
    assert!(posts > 300, "a few hundred posts: {posts}");
    assert!(age.num_days() >= 85, "three months of history: {age}");
    let beta = guest_groups["items"][0]["id"].as_str().unwrap();
    let (_, beta) = guest
        .get(&format!("/api/v1/groups/{beta}/feed?limit=100"))
        .await;
    assert!(
        beta["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|post| post["author"]["guest_domain"] == "acme.example"),
        "the guests take part in their group: {beta}"
    );
}

on_both_backends!(the_demo_fills_an_empty_instance_with_a_living_network);

async fn the_home_feed_skips_nothing_behind_posts_the_viewer_cannot_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let hidden = app.group(&bob, "Bob's room", "private", false).await;
    let (_, visible) = bob
        .post("/api/v1/posts", json!({"body": "visible, older"}))
        .await;
    for n in 0..6 {
        bob.post(
            "/api/v1/posts",
            json!({"body": format!("hidden {n}"), "group_id": hidden}),
        )
        .await;
    }
    ana.put(&format!("/api/v1/follows/users/{}", bob.id().await))
        .await;
    let (status, page) = ana.get("/api/v1/feeds/home?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        ids(&page),
        [visible["id"].as_str().unwrap()],
        "the older visible post comes through the hidden ones"
    );
    assert_eq!(page["next_cursor"], Value::Null);
}

on_both_backends!(the_home_feed_skips_nothing_behind_posts_the_viewer_cannot_read);

async fn a_long_run_of_unreadable_posts_ends_a_page_early_but_never_the_feed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let hidden = app.group(&bob, "Bob's busy room", "private", false).await;
    let (_, visible) = bob
        .post("/api/v1/posts", json!({"body": "visible, far below"}))
        .await;
    for n in 0..60 {
        bob.post(
            "/api/v1/posts",
            json!({"body": format!("hidden {n}"), "group_id": hidden}),
        )
        .await;
    }
    ana.put(&format!("/api/v1/follows/users/{}", bob.id().await))
        .await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/feeds/home?limit=2".to_string();
    for _ in 0..10 {
        let (status, page) = ana.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/feeds/home?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [visible["id"].as_str().unwrap()]);
}

on_both_backends!(a_long_run_of_unreadable_posts_ends_a_page_early_but_never_the_feed);

/// A first page of the home feed starts reading where the reader's last one ended; whatever
/// changed above or below that since (posts gone, posts new, a group left) must not change
/// what the page holds.
async fn a_first_home_page_is_whole_whatever_changed_since_the_last_one(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let room = app.group(&bob, "Bob's room", "private", false).await;
    let (ana_id, bob_id) = (ana.id().await, bob.id().await);
    bob.post(
        &format!("/api/v1/groups/{room}/members"),
        json!({"user_id": ana_id}),
    )
    .await;
    ana.put(&format!("/api/v1/follows/users/{bob_id}")).await;
    // Newest first: bob's own posts and his room's, alternating.
    let mut posts: Vec<(String, bool)> = Vec::new();
    for n in 0..8 {
        let in_room = n % 2 == 1;
        let body = match in_room {
            true => json!({"body": format!("room {n}"), "group_id": room}),
            false => json!({"body": format!("open {n}")}),
        };
        let (status, post) = bob.post("/api/v1/posts", body).await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        posts.insert(0, (post["id"].as_str().unwrap().to_string(), in_room));
    }
    let first_three = |posts: &[(String, bool)], in_room: bool| -> Vec<String> {
        posts
            .iter()
            .filter(|(_, room)| in_room || !room)
            .take(3)
            .map(|(id, _)| id.clone())
            .collect()
    };
    async fn page(ana: &Client) -> Vec<String> {
        let (status, page) = ana.get("/api/v1/feeds/home?limit=3").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        ids(&page)
    }
    assert_eq!(page(&ana).await, first_three(&posts, true));
    assert_eq!(page(&ana).await, first_three(&posts, true), "again");

    // The two newest go: the page reaches below where the last one ended.
    for (id, _) in posts.drain(..2) {
        let (status, _) = bob.delete(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        page(&ana).await,
        first_three(&posts, true),
        "after deletions"
    );

    // New ones come on top.
    for n in 0..2 {
        let (_, post) = bob
            .post("/api/v1/posts", json!({"body": format!("new {n}")}))
            .await;
        posts.insert(0, (post["id"].as_str().unwrap().to_string(), false));
    }
    assert_eq!(
        page(&ana).await,
        first_three(&posts, true),
        "after new posts"
    );

    // Out of the room, its posts leave every page, above the last floor or below it.
    let (status, _) = bob
        .delete(&format!("/api/v1/groups/{room}/members/{ana_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        page(&ana).await,
        first_three(&posts, false),
        "out of the room"
    );
}

on_both_backends!(a_first_home_page_is_whole_whatever_changed_since_the_last_one);

/// A home feed read from its floor leaves out the sources known to have posted nothing since
/// (`posts::heads`). Every way a post enters one of them — a group, a tag on a new post, a tag
/// brought by an edit, a followed person — must show on the reader's next page: at once
/// through the server that took it, within a second through another on the same database.
/// A post in a private group stays out of a non-member's page all the same.
async fn a_home_feed_from_its_floor_shows_every_new_post_of_its_sources(backend: Backend) {
    let app = TestApp::start(backend).await;
    let other = app.another(&[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let cara = app.user(&admin, "cara", "employee").await;
    let dan = app.user(&admin, "dan", "employee").await;
    let ops = app.group(&cara, "Ops", "private", false).await;
    let (ana_id, bob_id, cara_id) = (ana.id().await, bob.id().await, cara.id().await);
    cara.post(
        &format!("/api/v1/groups/{ops}/members"),
        json!({"user_id": ana_id}),
    )
    .await;
    ana.put(&format!("/api/v1/follows/users/{bob_id}")).await;
    ana.put("/api/v1/follows/tags/rust").await;
    dan.put(&format!("/api/v1/follows/users/{cara_id}")).await;
    for n in 0..5 {
        bob.post("/api/v1/posts", json!({"body": format!("bob {n}")}))
            .await;
    }
    let here = Client::at(&app.base, ana.token.as_deref());
    let there = Client::at(&other.base, ana.token.as_deref());
    let dan_there = Client::at(&other.base, dan.token.as_deref());
    async fn top(reader: &Client) -> String {
        let (status, page) = reader.get("/api/v1/feeds/home?limit=3").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        ids(&page).first().cloned().unwrap_or_default()
    }
    /// `reader`'s newest post, once it is `post` or a second has passed.
    async fn top_within_a_second(reader: &Client, post: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let top = top(reader).await;
            if top == post || std::time::Instant::now() > deadline {
                return top;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    /// `post` on top of ana's feed at once here and within a second there.
    async fn on_top(here: &Client, there: &Client, post: &str, what: &str) {
        assert_eq!(top(here).await, post, "{what}, here");
        assert_eq!(
            top_within_a_second(there, post).await,
            post,
            "{what}, there"
        );
    }
    // Full first pages, twice: floors, then what each source holds above them.
    async fn read_all(readers: &[&Client]) {
        for _ in 0..2 {
            for reader in readers {
                top(reader).await;
            }
        }
    }
    let readers = [&here, &there, &dan_there];
    read_all(&readers).await;
    let posted = |(status, post): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::CREATED, "{post}");
        post["id"].as_str().unwrap().to_string()
    };

    let in_ops = posted(
        cara.post(
            "/api/v1/posts",
            json!({"body": "deploy at noon", "group_id": ops}),
        )
        .await,
    );
    on_top(&here, &there, &in_ops, "a group's new post").await;
    assert_ne!(
        top(&dan_there).await,
        in_ops,
        "not a member, though he follows cara"
    );
    read_all(&readers).await;

    let tagged = posted(
        cara.post("/api/v1/posts", json!({"body": "#rust 2027"}))
            .await,
    );
    on_top(&here, &there, &tagged, "a tag's new post").await;
    let untagged = posted(cara.post("/api/v1/posts", json!({"body": "crates"})).await);
    assert_eq!(
        top_within_a_second(&there, &tagged).await,
        tagged,
        "not tagged yet"
    );
    read_all(&readers).await;

    let (status, edited) = cara
        .patch(
            &format!("/api/v1/posts/{untagged}"),
            json!({"body": "crates #rust"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    on_top(&here, &there, &untagged, "a tag brought by an edit").await;
    read_all(&readers).await;

    let by_bob = posted(
        bob.post("/api/v1/posts", json!({"body": "bob again"}))
            .await,
    );
    on_top(&here, &there, &by_bob, "a followed person's new post").await;
}

on_both_backends!(a_home_feed_from_its_floor_shows_every_new_post_of_its_sources);

async fn the_composer_previews_bodies_and_completes_tags_and_people(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob_id = app.user(&admin, "bobby", "employee").await.id().await;

    let (status, preview) = ana
        .post(
            "/api/v1/posts/preview",
            json!({"body": "*hi* @bobby #Fresh <script>x</script>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let html = preview["html"].as_str().unwrap();
    assert!(
        html.contains("<em>hi</em>") && html.contains(&format!("href=\"/people/{bob_id}\"")),
        "{html}"
    );
    assert!(
        html.contains("href=\"/tags/fresh\"") && !html.contains("<script"),
        "{html}"
    );
    assert_eq!(
        ana.get("/api/v1/tags?q=fre").await.1["items"],
        json!([]),
        "a preview creates no tag"
    );
    let (status, problem) = ana
        .post("/api/v1/posts/preview", json!({"body": "x".repeat(10_001)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["errors"]["body"].is_array(), "{problem}");
    assert_eq!(
        app.anonymous()
            .post("/api/v1/posts/preview", json!({"body": "hi"}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    ana.post("/api/v1/posts", json!({"body": "#release #Releases #rust"}))
        .await;
    let (status, tags) = ana.get("/api/v1/tags?q=%23REL").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        tags["items"],
        json!([{"name": "release"}, {"name": "releases"}])
    );
    assert_eq!(
        ana.get("/api/v1/tags?q=rel&limit=1").await.1["items"],
        json!([{"name": "release"}])
    );
    assert_eq!(
        ana.get("/api/v1/tags?q=50%25_").await.1["items"],
        json!([]),
        "LIKE wildcards are plain text"
    );
    assert_eq!(
        app.anonymous().get("/api/v1/tags?q=r").await.0,
        StatusCode::UNAUTHORIZED
    );

    let (_, people) = ana.get("/api/v1/users?q=bob&limit=5").await;
    assert_eq!(people["items"][0]["handle"], "bobby", "{people}");
}

on_both_backends!(the_composer_previews_bodies_and_completes_tags_and_people);

async fn group_members_page_in_the_order_they_joined(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, group) = admin
        .post(
            "/api/v1/groups",
            json!({"name": "Crowd", "visibility": "public"}),
        )
        .await;
    let id = group["id"].as_str().unwrap().to_string();
    let mut joined = vec![admin.id().await];
    for handle in ["m1", "m2", "m3", "m4"] {
        let member = app.user(&admin, handle, "employee").await;
        member
            .post(&format!("/api/v1/groups/{id}/join"), json!({}))
            .await;
        joined.push(member.id().await);
    }
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/groups/{id}/members?limit=2");
    loop {
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/groups/{id}/members?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, joined, "every member once, oldest first");
    assert_eq!(
        admin
            .get(&format!("/api/v1/groups/{id}/members?cursor=bogus"))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

on_both_backends!(group_members_page_in_the_order_they_joined);

/// Trending tags are counted once per place and summed per reader: a reader is never served
/// a use in a place she does not read (a guest, an employee outside a group, a member who
/// just left it), a new use counts at once, and a tag taken away leaves at once.
async fn trending_tags_are_counted_per_place_summed_per_reader_and_forget_what_is_removed(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let room = app.group(&bob, "Bob's room", "private", true).await;
    let ana_id = ana.id().await;
    bob.post(
        &format!("/api/v1/groups/{room}/members"),
        json!({"user_id": ana_id}),
    )
    .await;
    let guest = app.guest_in(&bob, "gia", &[&room]).await;
    bob.post("/api/v1/posts", json!({"body": "Open #lobby"}))
        .await;
    let (_, secret) = bob
        .post(
            "/api/v1/posts",
            json!({"body": "Plans #backroom", "group_id": room}),
        )
        .await;
    async fn names(client: &Client) -> Vec<String> {
        let (status, trending) = client.get("/api/v1/tags/trending").await;
        assert_eq!(status, StatusCode::OK, "{trending}");
        let mut names: Vec<String> = trending["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }
    // Each reader, in turn, right after another whose entry differs.
    assert_eq!(names(&ana).await, ["backroom", "lobby"]);
    assert_eq!(
        names(&guest).await,
        ["backroom"],
        "a guest reads the room only"
    );
    assert_eq!(
        names(&admin).await,
        ["lobby"],
        "the admin is not in the room"
    );

    // Counted once for all: a new use is added at the next read, for those who may read it;
    // a reader whose places changed is at once summed over what she now reads.
    bob.post(
        "/api/v1/posts",
        json!({"body": "Later #newcomer", "group_id": room}),
    )
    .await;
    assert_eq!(names(&admin).await, ["lobby"], "not in the room");
    assert_eq!(names(&guest).await, ["backroom", "newcomer"]);
    let (status, _) = bob
        .delete(&format!("/api/v1/groups/{room}/members/{ana_id}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        names(&ana).await,
        ["lobby"],
        "out of the room, as the admin"
    );

    // Taken away: the room's post goes, and so does its tag, for every reader.
    let secret = secret["id"].as_str().unwrap();
    let (status, _) = bob.delete(&format!("/api/v1/posts/{secret}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    guest
        .eventually("/api/v1/tags/trending", |t| {
            !t.to_string().contains("backroom")
        })
        .await;
    assert!(!names(&bob).await.contains(&"backroom".to_string()));
}

on_both_backends!(trending_tags_are_counted_per_place_summed_per_reader_and_forget_what_is_removed);
