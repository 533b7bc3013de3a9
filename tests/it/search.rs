//! Search and typeahead through the API: what is found, how queries read, and that nobody
//! finds what they may not see. The index follows the events log in the background, so each
//! test waits for a marker post to be findable before it asserts what is not.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

/// Searches until `check` accepts the items (or fails after a deadline); returns them.
pub async fn search_until(
    client: &Client,
    q: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, page) = client
            .get(&format!("/api/v1/search?q={}", urlencode(q)))
            .await;
        assert_eq!(status, StatusCode::OK, "{q}: {page}");
        let items = page["items"].as_array().unwrap().clone();
        if check(&items) {
            return items;
        }
        assert!(Instant::now() < deadline, "{q}: still {items:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The items of one search, without waiting.
async fn search(client: &Client, q: &str) -> Vec<Value> {
    let (status, page) = client
        .get(&format!("/api/v1/search?q={}", urlencode(q)))
        .await;
    assert_eq!(status, StatusCode::OK, "{q}: {page}");
    page["items"].as_array().unwrap().clone()
}

fn ids_of(items: &[Value], kind: &str) -> Vec<String> {
    items
        .iter()
        .filter(|i| i["type"] == kind)
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn post(client: &Client, body: &str, group: Option<&str>) -> String {
    let (status, post) = client
        .post("/api/v1/posts", json!({"body": body, "group_id": group}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_string()
}

/// Posts a marker in the company feed and waits until `client` finds it: everything written
/// before it is in the index too.
async fn settle(author: &Client, client: &Client, marker: &str) {
    let id = post(author, marker, None).await;
    search_until(client, marker, |items| ids_of(items, "post").contains(&id)).await;
}

async fn search_finds_posts_comments_people_groups_and_tags(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ana_id = ana.id().await;
    let group = app.group(&ana, "Launch Crew", "public", false).await;
    let launch = post(
        &ana,
        "We are **launching** the rocket <script>alert(1)</script> #Orbit",
        Some(&group),
    )
    .await;
    let other = post(&admin, "Lunch is served", None).await;
    admin
        .post(
            &format!("/api/v1/posts/{other}/comments"),
            json!({"body": "the zeppelin arrives"}),
        )
        .await;

    let items = search_until(&admin, "launch", |items| {
        ids_of(items, "post").contains(&launch)
    })
    .await;
    let hit = items.iter().find(|i| i["id"] == launch.as_str()).unwrap();
    assert_eq!(hit["title"], "ANA");
    assert_eq!(hit["url"], format!("/posts/{launch}"));
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>launching</mark>"),
        "stemmed and marked: {snippet}"
    );
    assert!(
        snippet.contains("&lt;script&gt;") && !snippet.contains("<script"),
        "escaped: {snippet}"
    );
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(
        ids_of(&items, "group").contains(&group),
        "the group's name matches too: {items:?}"
    );

    let items = search_until(&admin, "zeppelin", |items| !items.is_empty()).await;
    assert_eq!(
        ids_of(&items, "post"),
        vec![other.clone()],
        "a comment's words find its post"
    );
    assert_eq!(
        ids_of(&search(&admin, "ana").await, "person"),
        vec![ana_id.clone()]
    );
    let tags = search(&admin, "orbit").await;
    assert!(
        tags.iter()
            .any(|i| i["type"] == "tag" && i["title"] == "#orbit" && i["url"] == "/tags/orbit"),
        "{tags:?}"
    );
    // A tag first used in a comment, on a post indexed before.
    admin
        .post(
            &format!("/api/v1/posts/{other}/comments"),
            json!({"body": "and a #blimp"}),
        )
        .await;
    search_until(&admin, "blimp", |items| {
        items
            .iter()
            .any(|i| i["type"] == "tag" && i["title"] == "#blimp")
    })
    .await;
    // A tag used in a new place is found there: a guest finds #blimp once her room uses it.
    let room = app.group(&admin, "Hangar", "private", true).await;
    let guest = app.guest_in(&admin, "gina", &[&room]).await;
    admin
        .post(
            &format!("/api/v1/posts/{other}/comments"),
            json!({"body": "#blimp again, in the same place"}),
        )
        .await;
    settle(&admin, &admin, "blimpsettled").await;
    assert!(search(&guest, "blimp").await.is_empty());
    post(&admin, "the #blimp lands in the room", Some(&room)).await;
    search_until(&guest, "blimp", |items| {
        items
            .iter()
            .any(|i| i["type"] == "tag" && i["title"] == "#blimp")
    })
    .await;

    let (_, people) = admin.get("/api/v1/search?q=launch&type=people").await;
    assert_eq!(people["items"], json!([]));
    let (status, problem) = admin.get("/api/v1/search?q=launch&type=planets").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["errors"]["type"].is_array());
}

async fn queries_read_phrases_exclusions_authors_groups_tags_and_dates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Design Team", "public", false).await;
    let first = post(&ana, "the quick brown fox #animals", Some(&group)).await;
    let second = post(&admin, "the brown quick fox", None).await;
    let third = post(&ana, "a quick grey wolf", None).await;
    settle(&admin, &admin, "settled one").await;

    let ids = |items: Vec<Value>| ids_of(&items, "post");
    assert_eq!(
        ids(search(&admin, "\"quick brown\"").await),
        vec![first.clone()]
    );
    let mut both = ids(search(&admin, "quick fox").await);
    both.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert_eq!(ids(search(&admin, "quick -fox").await), vec![third.clone()]);
    assert_eq!(ids(search(&admin, "quick -\"brown quick\"").await).len(), 2);
    let mut from_ana = ids(search(&admin, "quick from:@ana").await);
    from_ana.sort();
    let mut expected = vec![first.clone(), third.clone()];
    expected.sort();
    assert_eq!(from_ana, expected);
    assert_eq!(
        ids(search(&admin, "quick in:\"design team\"").await),
        vec![first.clone()]
    );
    assert_eq!(
        ids(search(&admin, &format!("quick in:{group}")).await),
        vec![first.clone()]
    );
    assert_eq!(ids(search(&admin, "#animals").await), vec![first.clone()]);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        ids(search(&admin, &format!("wolf after:{today}")).await),
        vec![third.clone()]
    );
    assert!(
        search(&admin, &format!("wolf after:{tomorrow}"))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(search(&admin, &format!("wolf before:{tomorrow}")).await),
        vec![third.clone()]
    );
    assert!(
        search(&admin, &format!("wolf before:{today}"))
            .await
            .is_empty()
    );

    for bad in [
        "",
        "\"open",
        "wolf before:soon",
        "from:@nobody",
        "in:nowhere",
        &"x ".repeat(40),
    ] {
        let (status, problem) = admin
            .get(&format!("/api/v1/search?q={}", urlencode(bad)))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {problem}"
        );
        assert!(problem["errors"]["q"][0].is_string(), "{problem}");
    }
    assert_eq!(
        admin.get("/api/v1/search?q=fox&cursor=garbage").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.anonymous().get("/api/v1/search?q=fox").await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn results_page_with_cursors_and_edits_and_deletes_show_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(post(&admin, &format!("pagination sample number {n}"), None).await);
    }
    search_until(&admin, "pagination", |items| items.len() == 5).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/search?q=pagination&limit=2".to_string();
    loop {
        let (_, page) = admin.get(&path).await;
        seen.extend(ids_of(page["items"].as_array().unwrap(), "post"));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/search?q=pagination&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    seen.sort();
    made.sort();
    assert_eq!(seen, made, "every result once across pages");

    let edited = &made[0];
    admin
        .patch(
            &format!("/api/v1/posts/{edited}"),
            json!({"body": "now about kangaroos"}),
        )
        .await;
    search_until(&admin, "kangaroos", |items| {
        ids_of(items, "post") == vec![edited.clone()]
    })
    .await;
    assert!(
        !ids_of(&search(&admin, "pagination").await, "post").contains(edited),
        "the old words are gone"
    );
    admin.delete(&format!("/api/v1/posts/{}", made[1])).await;
    search_until(&admin, "pagination", |items| items.len() == 3).await;
}

async fn other_scripts_are_found_too(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let russian = post(&admin, "Привет, команда! Запуск завтра.", None).await;
    let japanese = post(&admin, "東京タワーで会いましょう", None).await;
    let arabic = post(&admin, "مرحبا بالفريق", None).await;
    search_until(&admin, "запуск", |items| {
        ids_of(items, "post") == vec![russian.clone()]
    })
    .await;
    search_until(&admin, "東京", |items| {
        ids_of(items, "post") == vec![japanese.clone()]
    })
    .await;
    search_until(&admin, "タワー", |items| {
        ids_of(items, "post") == vec![japanese.clone()]
    })
    .await;
    search_until(&admin, "بالفريق", |items| {
        ids_of(items, "post") == vec![arabic.clone()]
    })
    .await;
}

async fn nobody_finds_what_they_may_not_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let owner = app.user(&admin, "owner", "employee").await;
    let member = app.user(&admin, "member", "employee").await;
    let outsider = app.user(&admin, "outsider", "employee").await;
    let member_id = member.id().await;
    let private = app.group(&owner, "Quietroom", "private", false).await;
    let secret = app.group(&owner, "Hushproject", "secret", false).await;
    let product = app.group(&owner, "Product Beta", "private", true).await;
    for group in [&private, &secret] {
        owner
            .post(
                &format!("/api/v1/groups/{group}/members"),
                json!({"user_id": member_id}),
            )
            .await;
    }
    let private_post = post(&owner, "canaryprivate plans", Some(&private)).await;
    let secret_post = post(&owner, "canarysecret plans", Some(&secret)).await;
    let company_post = post(&owner, "canarycompany plans", None).await;
    let product_post = post(&owner, "canaryproduct plans", Some(&product)).await;
    let deleted = post(&owner, "canarydeleted plans", None).await;
    owner.delete(&format!("/api/v1/posts/{deleted}")).await;
    let guest = app.guest_in(&owner, "gina", &[&product]).await;
    settle(&owner, &owner, "settled two").await;

    let found = |items: Vec<Value>| ids_of(&items, "post");
    let everything = "plans";
    let mut for_member = found(search(&member, everything).await);
    for_member.sort();
    let mut expected = vec![
        private_post.clone(),
        secret_post.clone(),
        company_post.clone(),
    ];
    expected.sort();
    assert_eq!(for_member, expected);
    assert_eq!(
        found(search(&outsider, everything).await),
        vec![company_post.clone()]
    );
    assert_eq!(
        found(search(&guest, everything).await),
        vec![product_post.clone()]
    );
    for viewer in [&member, &outsider, &guest] {
        assert!(search(viewer, "canarydeleted").await.is_empty());
    }
    // Counts are of what each may read, never of what she may not.
    for (viewer, posts) in [(&member, 3), (&outsider, 1), (&guest, 1)] {
        let (_, page) = viewer.get("/api/v1/search?q=plans&type=people").await;
        let counts = &page["counts"];
        assert_eq!(
            counts["posts"],
            json!({"value": posts, "exact": true}),
            "{page}"
        );
        assert_eq!(
            counts["total"],
            json!({"value": posts, "exact": true}),
            "{page}"
        );
        assert_eq!(counts["people"]["value"], 0, "{page}");
    }
    let (_, page) = outsider.get("/api/v1/search?q=hushproject").await;
    assert_eq!(page["counts"]["total"]["value"], 0, "{page}");
    let (_, page) = member.get("/api/v1/search?q=hushproject").await;
    assert_eq!(page["counts"]["groups"]["value"], 1, "{page}");
    let tabs = member.page("/search?q=plans").await;
    assert!(
        tabs.contains("Posts <span class=\"tab-count\">3</span>")
            && tabs.contains("All <span class=\"tab-count\">3</span>"),
        "{tabs}"
    );
    for (viewer, canaries) in [
        (
            &outsider,
            vec![
                "canaryprivate",
                "canarysecret",
                "canaryproduct",
                "Hushproject",
            ],
        ),
        (
            &guest,
            vec![
                "canaryprivate",
                "canarysecret",
                "canarycompany",
                "Hushproject",
                "Quietroom",
                "outsider",
            ],
        ),
    ] {
        for canary in &canaries {
            let items = search(viewer, canary).await;
            assert!(items.is_empty(), "{canary}: {items:?}");
            let (status, suggested) = viewer
                .get(&format!("/api/v1/search/suggest?q={canary}"))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                !suggested
                    .to_string()
                    .to_lowercase()
                    .contains(&canary.to_lowercase()),
                "{canary}: {suggested}"
            );
        }
    }
    assert_eq!(
        ids_of(&search(&outsider, "quietroom").await, "group"),
        vec![private.clone()],
        "private groups are listed"
    );
    assert_eq!(
        ids_of(&search(&member, "hushproject").await, "group"),
        vec![secret.clone()]
    );
    let (status, problem) = outsider
        .get("/api/v1/search?q=plans%20in:Hushproject")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!problem.to_string().contains(&secret), "{problem}");
    assert!(
        ids_of(&search(&guest, "outsider").await, "person").is_empty(),
        "guests see only their groups' people"
    );
    assert_eq!(
        ids_of(&search(&guest, "owner").await, "person").len(),
        1,
        "but do see who shares a group"
    );
    assert_eq!(search(&guest, "orbit").await.len(), 0);

    // Removal applies at once: nothing is re-indexed.
    owner
        .delete(&format!("/api/v1/groups/{secret}/members/{member_id}"))
        .await;
    assert!(!found(search(&member, everything).await).contains(&secret_post));
    assert!(search(&member, "hushproject").await.is_empty());
}

async fn a_common_word_is_ranked_among_what_the_viewer_may_read_not_cut_from_everything(
    backend: Backend,
) {
    // The smallest relevance window: twenty secret posts outrank every company post by
    // relevance alone, so the window must be filled with readable posts only.
    let app = TestApp::start_with(backend, &[("AGORA_SEARCH__RELEVANCE_WINDOW", "20")]).await;
    let admin = app.admin().await;
    let owner = app.user(&admin, "owner", "employee").await;
    let outsider = app.user(&admin, "outsider", "employee").await;
    let secret = app.group(&owner, "Vault", "secret", false).await;
    for _ in 0..25 {
        post(&owner, "zebra zebra zebra", Some(&secret)).await;
    }
    let mut company = Vec::new();
    for n in 0..3 {
        company.push(
            post(
                &owner,
                &format!("a long company note that mentions a zebra once, number {n}"),
                None,
            )
            .await,
        );
    }
    admin
        .put(&format!("/api/v1/posts/{}/like", company[0]))
        .await;
    settle(&owner, &owner, "settled windows").await;

    let found = ids_of(&search(&outsider, "zebra").await, "post");
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0], company[0],
        "the liked one first, though the oldest: {found:?}"
    );
    let mut sorted = found.clone();
    sorted.sort();
    company.sort();
    assert_eq!(sorted, company);
    assert_eq!(
        ids_of(&search(&owner, "zebra").await, "post").len(),
        20,
        "a full page for the member"
    );
}

async fn a_renamed_author_titles_her_posts_under_the_new_name(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let id = post(&ana, "quokka sighting", None).await;
    let items = search_until(&admin, "quokka", |items| {
        ids_of(items, "post") == vec![id.clone()]
    })
    .await;
    assert_eq!(items[0]["title"], "ANA");
    let (status, body) = ana.patch("/api/v1/me", json!({"name": "Ana Lima"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    search_until(&admin, "quokka", |items| items[0]["title"] == "Ana Lima").await;
}

async fn typeahead_suggests_people_groups_tags_and_posts_by_prefix_and_forgives_a_typo(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let maria = app.user(&admin, "maria", "employee").await;
    let maria_id = maria.id().await;
    let group = app.group(&maria, "Marketing Ops", "public", false).await;
    post(&maria, "Market research is done #marketshare", None).await;
    settle(&admin, &admin, "settled three").await;

    let (status, suggested) = admin.get("/api/v1/search/suggest?q=mar").await;
    assert_eq!(status, StatusCode::OK, "{suggested}");
    assert_eq!(
        suggested["people"][0]["id"],
        maria_id.as_str(),
        "{suggested}"
    );
    assert_eq!(suggested["groups"][0]["id"], group.as_str());
    assert_eq!(suggested["tags"][0]["title"], "#marketshare");
    let (_, typo) = admin.get("/api/v1/search/suggest?q=markteing").await;
    assert_eq!(
        typo["groups"][0]["id"],
        group.as_str(),
        "one typo is forgiven: {typo}"
    );
    let (_, words) = admin.get("/api/v1/search/suggest?q=research").await;
    assert!(
        words["posts"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>research</mark>"),
        "{words}"
    );
    let (status, empty) = admin.get("/api/v1/search/suggest?q=%20").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        empty,
        json!({"people": [], "groups": [], "tags": [], "posts": []})
    );
}

on_both_backends!(
    search_finds_posts_comments_people_groups_and_tags,
    queries_read_phrases_exclusions_authors_groups_tags_and_dates,
    results_page_with_cursors_and_edits_and_deletes_show_at_once,
    other_scripts_are_found_too,
    nobody_finds_what_they_may_not_read,
    a_common_word_is_ranked_among_what_the_viewer_may_read_not_cut_from_everything,
    a_renamed_author_titles_her_posts_under_the_new_name,
    typeahead_suggests_people_groups_tags_and_posts_by_prefix_and_forgives_a_typo
);

/// An admin's scope, for searching through the library.
fn admin_scope(db: &agora::db::Db, id: &str) -> agora::access::Scope {
    let viewer = agora::access::Viewer::User(agora::access::Principal::new(
        id.parse().unwrap(),
        agora::accounts::UserKind::Admin,
    ));
    db.read(|conn| agora::access::Scope::resolve(conn, &viewer))
        .unwrap()
}

/// Post ids `index` finds for `q`, as `scope`.
fn found_in(
    db: &agora::db::Db,
    index: &agora::search::SearchIndex,
    scope: &agora::access::Scope,
    q: &str,
) -> Vec<String> {
    let settings = agora::config::Config::load(None, Vec::new())
        .unwrap()
        .search;
    let generation = index.current();
    let request = agora::search::Request {
        q,
        kind: None,
        cursor: None,
        limit: 50,
    };
    let found = db
        .read(|conn| agora::search::search(conn, scope, &generation, &settings, request))
        .unwrap();
    found
        .hits
        .into_iter()
        .filter(|h| h.kind == "post")
        .map(|h| h.id)
        .collect()
}

async fn an_index_resumes_from_the_event_stored_with_its_last_commit(backend: Backend) {
    use agora::search::{SearchIndex, maintenance};
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let admin_id = admin.id().await;
    let first = post(&admin, "resumable alpha", None).await;
    let db = app.db.open();
    let elsewhere = tempfile::tempdir().unwrap();

    // A second index over the same database starts empty and applies the whole log.
    let index = SearchIndex::open(elsewhere.path()).unwrap();
    let applied = maintenance::catch_up(&db, &index).unwrap();
    let last = db.read(agora::events::last_id).unwrap();
    assert_eq!(applied, usize::try_from(last).unwrap());
    let scope = admin_scope(&db, &admin_id);
    assert_eq!(
        found_in(&db, &index, &scope, "resumable"),
        vec![first.clone()]
    );
    drop(index);

    // Reopened (as after a crash or a restart), it applies only what came since.
    let second = post(&admin, "resumable beta", None).await;
    let index = SearchIndex::open(elsewhere.path()).unwrap();
    assert_eq!(index.current().applied_event().unwrap(), last);
    assert_eq!(
        maintenance::catch_up(&db, &index).unwrap(),
        1,
        "one new event, applied once"
    );
    let mut found = found_in(&db, &index, &scope, "resumable");
    found.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(maintenance::catch_up(&db, &index).unwrap(), 0);
}

async fn reindex_swaps_in_a_rebuilt_index_while_the_server_answers_and_check_finds_drift(
    backend: Backend,
) {
    use agora::search::{SearchIndex, maintenance};
    use diesel::prelude::*;
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let admin_id: i64 = admin.id().await.parse().unwrap();
    settle(&admin, &admin, "before the drift").await;
    let db = app.db.open();
    let index = SearchIndex::open(app.db.dir.path()).unwrap();
    let report = maintenance::check(&db, &index, 50).unwrap();
    assert_eq!(report.differences, 0, "{:?}", report.lines);

    // A row written behind the events log's back: the index cannot know of it.
    let drifted: i64 = 7_000_000_000_000;
    db.write(|conn| {
        use agora::db::schema::posts;
        let now = chrono::Utc::now().naive_utc();
        diesel::insert_into(posts::table)
            .values((
                posts::id.eq(drifted),
                posts::author_id.eq(admin_id),
                posts::body.eq("smuggled quokka"),
                posts::html.eq("<p>smuggled quokka</p>"),
                posts::links.eq("[]"),
                posts::created_at.eq(now),
                posts::activity_at.eq(now),
                posts::open_activity_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
    let report = maintenance::check(&db, &index, 50).unwrap();
    assert!(report.differences > 0, "{:?}", report.lines);
    assert!(
        report.lines.iter().any(|l| l.starts_with("DIFF post:")),
        "{:?}",
        report.lines
    );

    let rebuilt = maintenance::reindex(&db, &index, 2).unwrap();
    assert_eq!(rebuilt.posts, 2);
    // The server notices the swap and answers from the rebuilt index.
    let items = search_until(&admin, "quokka", |items| !items.is_empty()).await;
    assert_eq!(ids_of(&items, "post"), [drifted.to_string()]);
    let after = post(&admin, "written after the rebuild", None).await;
    search_until(&admin, "rebuild", |items| {
        ids_of(items, "post") == vec![after.clone()]
    })
    .await;
    let report = maintenance::check(&db, &index, 50).unwrap();
    assert_eq!(report.differences, 0, "{:?}", report.lines);
}

on_both_backends!(
    an_index_resumes_from_the_event_stored_with_its_last_commit,
    reindex_swaps_in_a_rebuilt_index_while_the_server_answers_and_check_finds_drift
);

async fn scores_tell_a_guest_nothing_of_posts_she_cannot_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let lab = app.group(&olga, "Lab", "secret", false).await;
    let guest = app.guest_in(&olga, "gia", &[&beta]).await;
    let (_, seen) = olga
        .post(
            "/api/v1/posts",
            json!({"body": "the zephyr release and the quokka plan", "group_id": beta}),
        )
        .await;
    let seen = seen["id"].as_str().unwrap().to_string();
    let found = |items: &[Value]| items.iter().any(|h| h["id"] == seen.as_str());
    let scores = async |q: &str| -> Vec<f64> {
        search_until(&guest, q, found)
            .await
            .iter()
            .map(|h| h["score"].as_f64().unwrap())
            .collect()
    };
    let before = (scores("zephyr").await, scores("quokka").await);
    // Hidden posts make one word common; BM25 weighs words by how rare they are overall.
    let mut last = String::new();
    for n in 0..20 {
        let (_, post) = olga
            .post(
                "/api/v1/posts",
                json!({"body": format!("zephyr note {n}"), "group_id": lab}),
            )
            .await;
        last = post["id"].as_str().unwrap().to_string();
    }
    search_until(&olga, "zephyr", |items| {
        items.iter().any(|h| h["id"] == last.as_str())
    })
    .await;
    let after = (scores("zephyr").await, scores("quokka").await);
    assert_eq!(
        before, after,
        "the guest's scores moved with posts she cannot read"
    );
    let (_, page) = guest.get("/api/v1/search?q=zephyr").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}

on_both_backends!(scores_tell_a_guest_nothing_of_posts_she_cannot_read);
