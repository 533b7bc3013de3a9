//! Bookmarks: saving posts and comments, the private list, and what leaves it.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// The saved list, paged `limit` at a time: per entry (post id, comment id or "").
async fn saved_list(client: &Client, limit: usize) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut path = format!("/api/v1/saved?limit={limit}");
    loop {
        let (status, page) = client.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        entries.extend(items.iter().map(|item| {
            (
                item["post"]["id"].as_str().unwrap().to_string(),
                item["comment"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        }));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/saved?limit={limit}&cursor={cursor}"),
            None => return entries,
        }
    }
}

async fn saved_posts_and_comments_are_listed_newest_first_and_private(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let first = ana.created("/api/v1/posts", json!({"body": "first"})).await;
    let second = ana
        .created("/api/v1/posts", json!({"body": "second"}))
        .await;
    let comment = ana
        .created(
            &format!("/api/v1/posts/{first}/comments"),
            json!({"body": "a reply"}),
        )
        .await;
    for path in [
        format!("/api/v1/posts/{first}/saved"),
        format!("/api/v1/posts/{second}/saved"),
        format!("/api/v1/comments/{comment}/saved"),
        // Twice changes nothing.
        format!("/api/v1/posts/{first}/saved"),
    ] {
        assert_eq!(bob.put(&path).await.0, StatusCode::NO_CONTENT, "{path}");
    }
    let expected = vec![
        (first.clone(), comment.clone()),
        (second.clone(), String::new()),
        (first.clone(), String::new()),
    ];
    for limit in [1, 2, 20] {
        assert_eq!(saved_list(&bob, limit).await, expected, "limit {limit}");
    }
    let (_, post) = bob.get(&format!("/api/v1/posts/{first}")).await;
    assert_eq!(post["saved_by_me"], true);
    let (_, comments) = bob.get(&format!("/api/v1/posts/{first}/comments")).await;
    assert_eq!(comments["items"][0]["saved_by_me"], true);
    // Nobody else sees bob's bookmarks, not even as a flag.
    assert!(saved_list(&ana, 20).await.is_empty());
    let (_, post) = ana.get(&format!("/api/v1/posts/{first}")).await;
    assert_eq!(post["saved_by_me"], false);
    assert_eq!(
        bob.delete(&format!("/api/v1/posts/{first}/saved")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        saved_list(&bob, 20).await,
        vec![(first.clone(), comment.clone()), (second, String::new())],
        "unsaving the post keeps its saved comment"
    );
    assert_eq!(
        app.anonymous().get("/api/v1/saved").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bob.put("/api/v1/posts/12345/saved").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get("/api/v1/saved?cursor=bogus").await.0,
        StatusCode::BAD_REQUEST
    );
}

on_both_backends!(saved_posts_and_comments_are_listed_newest_first_and_private);

async fn what_the_viewer_can_no_longer_read_leaves_her_list_silently(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Customers", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;
    let kept = ana
        .created("/api/v1/posts", json!({"body": "stays", "group_id": group}))
        .await;
    let deleted = ana
        .created("/api/v1/posts", json!({"body": "goes", "group_id": group}))
        .await;
    let staff = ana
        .created(
            &format!("/api/v1/posts/{kept}/comments"),
            json!({"body": "between us", "employees_only": true}),
        )
        .await;
    let open = ana
        .created(
            &format!("/api/v1/posts/{kept}/comments"),
            json!({"body": "for all"}),
        )
        .await;
    // A guest cannot save what she cannot read: it does not exist for her.
    assert_eq!(
        guest
            .put(&format!("/api/v1/comments/{staff}/saved"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    for path in [
        format!("/api/v1/posts/{kept}/saved"),
        format!("/api/v1/posts/{deleted}/saved"),
        format!("/api/v1/comments/{open}/saved"),
    ] {
        assert_eq!(guest.put(&path).await.0, StatusCode::NO_CONTENT, "{path}");
    }
    assert_eq!(saved_list(&guest, 20).await.len(), 3);
    assert_eq!(
        ana.delete(&format!("/api/v1/posts/{deleted}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ana.delete(&format!("/api/v1/comments/{open}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        saved_list(&guest, 1).await,
        vec![(kept.clone(), String::new())],
        "deleted posts and comments leave the list"
    );
    let guest_id = guest.id().await;
    assert_eq!(
        ana.delete(&format!("/api/v1/groups/{group}/members/{guest_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, page) = guest.get("/api/v1/saved").await;
    assert!(
        !page.to_string().contains("stays"),
        "a removed guest reads nothing she saved: {status} {page}"
    );
}

on_both_backends!(what_the_viewer_can_no_longer_read_leaves_her_list_silently);

async fn the_saved_page_lists_and_the_save_buttons_work_without_script(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let post = ana
        .created("/api/v1/posts", json!({"body": "keep this one"}))
        .await;
    let browser = app.browser_sign_in("ana@example.com").await;
    assert!(browser.page("/saved").await.contains("Nothing saved yet"));
    let response = browser
        .http
        .post(app.url(&format!("/posts/{post}/save")))
        .form(&[
            ("csrf", browser.csrf.as_deref().unwrap()),
            ("on", "1"),
            ("back", "/saved"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/saved#post-{post}")
    );
    let page = browser.page("/saved").await;
    assert!(page.contains("keep this one"), "{page}");
    assert!(page.contains("aria-pressed=\"true\">Saved"), "{page}");
}

on_both_backends!(the_saved_page_lists_and_the_save_buttons_work_without_script);
