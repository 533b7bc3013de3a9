//! Feed orders: latest, recent activity and top, paged by cursors that hold in each order,
//! and counted as each reader may see.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// Every post of a feed, read `limit` at a time.
async fn whole(client: &Client, path: &str, limit: usize) -> Vec<String> {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut next = format!("{path}{joiner}limit={limit}");
    loop {
        let (status, page) = client.get(&next).await;
        assert_eq!(status, StatusCode::OK, "{next}: {page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}{joiner}limit={limit}&cursor={cursor}"),
            None => return seen,
        }
    }
}

async fn each_order_pages_every_post_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let first = ana
        .created("/api/v1/posts", json!({"body": "one #sorted"}))
        .await;
    let second = ana
        .created("/api/v1/posts", json!({"body": "two #sorted"}))
        .await;
    let third = ana
        .created("/api/v1/posts", json!({"body": "three #sorted"}))
        .await;
    bob.created(
        &format!("/api/v1/posts/{first}/comments"),
        json!({"body": "bump"}),
    )
    .await;
    for liker in [&ana, &bob] {
        liker.put(&format!("/api/v1/posts/{second}/like")).await;
    }
    ana.put(&format!("/api/v1/posts/{third}/like")).await;

    let latest = vec![third.clone(), second.clone(), first.clone()];
    let activity = vec![first.clone(), third.clone(), second.clone()];
    // Scores: second 2 likes; third 1 like; first 1 comment; a tie goes to the newer.
    let top = vec![second.clone(), third.clone(), first.clone()];
    for base in ["/api/v1/feeds/company", "/api/v1/tags/sorted/feed"] {
        for (query, expected) in [
            ("", &latest),
            ("?sort=latest", &latest),
            ("?sort=activity", &activity),
            ("?sort=top", &top),
            ("?sort=top&window=all", &top),
            ("?sort=top&window=day", &top),
        ] {
            for limit in [1, 2, 20] {
                let path = format!("{base}{query}");
                assert_eq!(
                    &whole(&ana, &path, limit).await,
                    expected,
                    "{path} by {limit}"
                );
            }
        }
    }
    for bad in ["?sort=oldest", "?sort=top&window=year", "?show=polls"] {
        let (status, body) = ana.get(&format!("/api/v1/feeds/company{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    // A cursor pages only the order that made it.
    let (_, page) = ana.get("/api/v1/feeds/company?limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, _) = ana
        .get(&format!("/api/v1/feeds/company?sort=top&cursor={cursor}"))
        .await;
    assert!(status.is_client_error(), "{status}");

    let page = ana.page("/company?sort=activity").await;
    assert!(
        page.contains("aria-current=\"page\">Recent activity"),
        "{page}"
    );
    let order: Vec<usize> = ["one", "three", "two"]
        .iter()
        .map(|word| page.find(&format!("<p>{word} ")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "the page follows the order"
    );
}

on_both_backends!(each_order_pages_every_post_once);

async fn a_guest_orders_by_what_she_may_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Customers", "private", true).await;
    let guest = app.guest_in(&ana, "gina", &[&group]).await;
    let older = ana
        .created("/api/v1/posts", json!({"body": "older", "group_id": group}))
        .await;
    let newer = ana
        .created("/api/v1/posts", json!({"body": "newer", "group_id": group}))
        .await;
    for _ in 0..3 {
        ana.created(
            &format!("/api/v1/posts/{older}/comments"),
            json!({"body": "between us", "employees_only": true}),
        )
        .await;
    }
    let feed = format!("/api/v1/groups/{group}/feed");
    // Employees see the older post come alive and lead; the guest sees nothing happen there.
    let bumped = vec![older.clone(), newer.clone()];
    let quiet = vec![newer.clone(), older.clone()];
    assert_eq!(
        whole(&ana, &format!("{feed}?sort=activity"), 1).await,
        bumped
    );
    assert_eq!(
        whole(&ana, &format!("{feed}?sort=top&window=all"), 1).await,
        bumped
    );
    assert_eq!(
        whole(&guest, &format!("{feed}?sort=activity"), 1).await,
        quiet
    );
    assert_eq!(
        whole(&guest, &format!("{feed}?sort=top&window=all"), 1).await,
        quiet
    );
}

on_both_backends!(a_guest_orders_by_what_she_may_read);
