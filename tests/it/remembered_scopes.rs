//! Scopes and follows are remembered between a viewer's requests (`access::remembered`); every
//! kind of change to what she may read or follows shows on her very next request, on the
//! server that made the change and on another process on the same database alike.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// The viewer as seen through each of two servers on one database.
struct Everywhere(Vec<Client>);

impl Everywhere {
    fn of(viewer: &Client, servers: &[&TestApp]) -> Everywhere {
        let token = viewer.token.as_deref();
        Everywhere(servers.iter().map(|s| Client::at(&s.base, token)).collect())
    }

    /// Asserts on every server whether `post` is in the feed at `path` (a feed refused counts
    /// as not seeing it).
    async fn sees(&self, path: &str, post: &str, expected: bool, what: &str) {
        for (n, client) in self.0.iter().enumerate() {
            let (status, page) = client.get(path).await;
            let seen = status.is_success() && ids(&page).iter().any(|id| id == post);
            assert_eq!(
                seen, expected,
                "{what}: {path} on server {n}: {status} {page}"
            );
        }
    }
}

impl Everywhere {
    /// Asserts the status of `path` on every server.
    async fn answers(&self, path: &str, expected: StatusCode, what: &str) {
        for (n, client) in self.0.iter().enumerate() {
            let (status, body) = client.get(path).await;
            assert_eq!(status, expected, "{what}: {path} on server {n}: {body}");
        }
    }

    /// Asserts on every server the value at `pointer` in what `path` answers.
    async fn tells(&self, path: &str, pointer: &str, expected: Value, what: &str) {
        for (n, client) in self.0.iter().enumerate() {
            let (status, body) = client.get(path).await;
            assert_eq!(
                body.pointer(pointer),
                Some(&expected),
                "{what}: {pointer} of {path} on server {n}: {status} {body}"
            );
        }
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that a change succeeded.
fn done((status, body): (StatusCode, Value)) {
    assert!(status.is_success(), "{status} {body}");
}

async fn post(author: &Client, body: Value) -> String {
    author.created("/api/v1/posts", body).await
}

async fn every_change_shows_on_the_next_request(backend: Backend) {
    let app = TestApp::start(backend).await;
    let other = app.another(&[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let ana_id = ana.id().await;
    let bob_id = bob.id().await;
    let ana_everywhere = Everywhere::of(&ana, &[&app, &other]);
    let home = "/api/v1/feeds/home";
    let company = "/api/v1/feeds/company";

    // Joining and leaving a private group.
    let inner = app.group(&bob, "Inner", "private", true).await;
    let secret = post(&bob, json!({"body": "inner news", "group_id": inner})).await;
    let inner_feed = format!("/api/v1/groups/{inner}/feed");
    ana_everywhere
        .sees(home, &secret, false, "before joining")
        .await;
    ana_everywhere
        .sees(&inner_feed, &secret, false, "before joining")
        .await;
    let members = format!("/api/v1/groups/{inner}/members");
    done(bob.post(&members, json!({"user_id": ana_id})).await);
    ana_everywhere.sees(home, &secret, true, "added").await;
    ana_everywhere
        .sees(&inner_feed, &secret, true, "added")
        .await;
    done(bob.delete(&format!("{members}/{ana_id}")).await);
    ana_everywhere.sees(home, &secret, false, "removed").await;
    ana_everywhere
        .sees(&inner_feed, &secret, false, "removed")
        .await;

    // A request that changes something reads its own change: creating a secret group answers
    // with the group, which her remembered scope did not hold.
    let mine = app.group(&ana, "Mine", "secret", false).await;
    let mine_feed = format!("/api/v1/groups/{mine}/feed");
    ana_everywhere
        .answers(&mine_feed, StatusCode::OK, "her new group")
        .await;

    // A public group turned private and back, which she never joined.
    let open = app.group(&bob, "Open", "public", false).await;
    let news = post(&bob, json!({"body": "open news", "group_id": open})).await;
    ana_everywhere.sees(company, &news, true, "public").await;
    let settings = format!("/api/v1/groups/{open}");
    done(bob.patch(&settings, json!({"visibility": "private"})).await);
    ana_everywhere
        .sees(company, &news, false, "made private")
        .await;
    done(bob.patch(&settings, json!({"visibility": "public"})).await);
    ana_everywhere
        .sees(company, &news, true, "public again")
        .await;

    // A public group made after her scope was remembered.
    let fresh = app.group(&bob, "Fresh", "public", false).await;
    let fresh_post = post(&bob, json!({"body": "fresh news", "group_id": fresh})).await;
    ana_everywhere
        .sees(company, &fresh_post, true, "new group")
        .await;

    // Following a person and a tag, on one server, then unfollowing on the other.
    let plain = post(&bob, json!({"body": "plain words"})).await;
    let tagged = post(&admin, json!({"body": "about #kayaks"})).await;
    ana_everywhere
        .sees(home, &plain, false, "not followed")
        .await;
    ana_everywhere
        .sees(home, &tagged, false, "not followed")
        .await;
    let (here, there) = (&ana_everywhere.0[0], &ana_everywhere.0[1]);
    done(here.put(&format!("/api/v1/follows/users/{bob_id}")).await);
    done(here.put("/api/v1/follows/tags/kayaks").await);
    ana_everywhere.sees(home, &plain, true, "followed").await;
    ana_everywhere.sees(home, &tagged, true, "followed").await;
    done(
        there
            .delete(&format!("/api/v1/follows/users/{bob_id}"))
            .await,
    );
    done(there.delete("/api/v1/follows/tags/kayaks").await);
    ana_everywhere.sees(home, &plain, false, "unfollowed").await;
    ana_everywhere
        .sees(home, &tagged, false, "unfollowed")
        .await;

    // A guest removed from her group; group views tell whether a group has guests.
    let bob_everywhere = Everywhere::of(&bob, &[&app, &other]);
    let secret_path = format!("/api/v1/posts/{secret}");
    let has_guests = "/group/has_guests";
    bob_everywhere
        .tells(&secret_path, has_guests, json!(false), "no guest yet")
        .await;
    let guest = app.guest_in(&bob, "gil", &[&inner]).await;
    bob_everywhere
        .tells(&secret_path, has_guests, json!(true), "a guest invited")
        .await;
    let gil_id = guest.id().await;
    let gil_everywhere = Everywhere::of(&guest, &[&app, &other]);
    gil_everywhere
        .sees(&inner_feed, &secret, true, "guest")
        .await;
    gil_everywhere.sees(home, &secret, true, "guest").await;
    // An employee sees a guest only while they share a group.
    let gil_profile = format!("/api/v1/users/{gil_id}");
    ana_everywhere
        .answers(&gil_profile, StatusCode::NOT_FOUND, "a stranger's guest")
        .await;
    done(bob.post(&members, json!({"user_id": ana_id})).await);
    ana_everywhere
        .answers(&gil_profile, StatusCode::OK, "working together")
        .await;
    done(bob.delete(&format!("{members}/{gil_id}")).await);
    ana_everywhere
        .answers(&gil_profile, StatusCode::NOT_FOUND, "guest removed")
        .await;
    gil_everywhere
        .sees(&inner_feed, &secret, false, "guest removed")
        .await;
    gil_everywhere
        .sees(home, &secret, false, "guest removed")
        .await;
    bob_everywhere
        .tells(&secret_path, has_guests, json!(false), "guest removed")
        .await;
    other.stop().await;
}

on_both_backends!(every_change_shows_on_the_next_request);
