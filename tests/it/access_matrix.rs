//! The access matrix: every read endpoint of the microblog × every kind of viewer × every kind
//! of post, asserting exactly what each viewer may see.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Viewer {
    Admin,
    Member,
    NonMember,
    GuestOfAnotherGroup,
    GuestOfThisGroup,
    /// A bot member of all three groups, through a token limited to them: walled like a guest.
    BotOfThisGroup,
    /// A guest of all three groups, then removed from them.
    RemovedGuest,
    Anonymous,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Company,
    Public,
    Private,
    Secret,
}

const VIEWERS: [Viewer; 8] = [
    Viewer::Admin,
    Viewer::Member,
    Viewer::NonMember,
    Viewer::GuestOfAnotherGroup,
    Viewer::GuestOfThisGroup,
    Viewer::BotOfThisGroup,
    Viewer::RemovedGuest,
    Viewer::Anonymous,
];
const PLACES: [Place; 4] = [Place::Company, Place::Public, Place::Private, Place::Secret];

/// A bot that `owner` adds to `groups`, with a read and write token `admin` limits to them.
async fn bot_in(app: &TestApp, admin: &Client, owner: &Client, groups: &[&str]) -> Client {
    let (status, bot) = admin
        .post("/api/v1/admin/bots", json!({"name": "Bea Bot"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    let id = bot["id"].as_str().unwrap();
    for group in groups {
        let path = format!("/api/v1/groups/{group}/members");
        let (status, body) = owner.post(&path, json!({"user_id": id})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let grant = json!({"read": true, "write": true, "group_ids": groups});
    let (status, issued) = admin
        .post(&format!("/api/v1/admin/bots/{id}/tokens"), grant)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    app.client_with_token(issued["token"].as_str().unwrap())
}

/// The policy, written out: may `viewer` read a post in `place`?
fn may_read(viewer: Viewer, place: Place) -> bool {
    match (viewer, place) {
        (Viewer::Anonymous | Viewer::GuestOfAnotherGroup | Viewer::RemovedGuest, _) => false,
        (Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup, Place::Company) => false,
        (Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup | Viewer::Member, _) => true,
        // Site admins read like employees: membership, not rank, opens private groups.
        (Viewer::Admin | Viewer::NonMember, place) => {
            matches!(place, Place::Company | Place::Public)
        }
    }
}

/// May `viewer` know that the group of `place` exists?
fn may_see_group(viewer: Viewer, place: Place) -> bool {
    match (viewer, place) {
        (_, Place::Company)
        | (Viewer::Anonymous | Viewer::GuestOfAnotherGroup | Viewer::RemovedGuest, _) => false,
        (Viewer::Member | Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup, _) => true,
        (Viewer::Admin | Viewer::NonMember, place) => place != Place::Secret,
    }
}

/// The word of a comment for employees only, on the public post.
const STAFF_WORD: &str = "staffonlyword";
/// A tag of an ordinary comment under a post for employees only (in the public group).
const STAFF_THREAD_TAG: &str = "staffthreadword";
/// A tag nobody wrote: the non-member followed it, which creates the name.
const FOLLOWED_ONLY_TAG: &str = "followonlyword";

fn tag(place: Place) -> &'static str {
    match place {
        Place::Company => "companyword",
        Place::Public => "publicword",
        Place::Private => "privateword",
        Place::Secret => "secretword",
    }
}

struct World {
    app: TestApp,
    clients: Vec<(Viewer, Client)>,
    /// (place, post id, group id)
    posts: Vec<(Place, String, Option<String>)>,
    /// The first option of each post's poll, in the order of `posts`.
    options: Vec<String>,
    /// The address of each post's file, in the order of `posts`.
    files: Vec<String>,
    /// The file on the comment for employees only (on the public post).
    staff_file: String,
    author_id: String,
}

async fn build_world(backend: Backend) -> World {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let nonmember = app.user(&admin, "nina", "employee").await;
    let public = app.group(&ana, "Public square", "public", true).await;
    let private = app.group(&ana, "Private room", "private", true).await;
    let secret = app.group(&ana, "Secret lab", "secret", true).await;
    let other = app.group(&admin, "Other customers", "private", true).await;
    let guest_here = app
        .guest_in(&ana, "gina", &[&public, &private, &secret])
        .await;
    let guest_elsewhere = app.guest_in(&admin, "otto", &[&other]).await;
    let bot_here = bot_in(&app, &admin, &ana, &[&public, &private, &secret]).await;
    let removed = app
        .guest_in(&ana, "rita", &[&public, &private, &secret])
        .await;
    let mut posts = Vec::new();
    let mut options = Vec::new();
    let mut files = Vec::new();
    let mut staff_file = String::new();
    for (place, group) in [
        (Place::Company, None),
        (Place::Public, Some(public)),
        (Place::Private, Some(private)),
        (Place::Secret, Some(secret)),
    ] {
        // Everyone is mentioned, so the notifier must decide who may hear of each post.
        let body = format!(
            "News about #{} from @ana for @nina @gina @otto @rita",
            tag(place)
        );
        // A poll whose option carries the place's word: it must leak nowhere either.
        let poll = json!({"options": [format!("yes {}", tag(place)), "no"]});
        // A file whose text carries the place's word.
        let file = ana
            .uploaded("notes.txt", format!("notes on {}", tag(place)).as_bytes())
            .await;
        let (status, post) = ana
            .post(
                "/api/v1/posts",
                // Each group's post is its announcement too, pinned for whoever reads it.
                json!({"body": body, "group_id": group, "poll": poll,
                    "announcement": group.as_ref().map(|_| json!({"must_read": true})),
                    "attachments": [{"id": file}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        files.push(post["attachments"][0]["url"].as_str().unwrap().to_string());
        let id = post["id"].as_str().unwrap().to_string();
        options.push(
            post["poll"]["options"][0]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        assert_eq!(
            ana.post(
                &format!("/api/v1/posts/{id}/comments"),
                json!({"body": "a comment"})
            )
            .await
            .0,
            StatusCode::CREATED
        );
        assert_eq!(
            ana.patch(
                &format!("/api/v1/posts/{id}"),
                json!({"body": format!("{body} (edited)")})
            )
            .await
            .0,
            StatusCode::OK
        );
        if place == Place::Public {
            let file = ana
                .uploaded("staff.txt", format!("between us: {STAFF_WORD}").as_bytes())
                .await;
            let staff = json!({"body": format!("between us: {STAFF_WORD}"), "employees_only": true,
                "attachments": [{"id": file}]});
            let (status, comment) = ana
                .post(&format!("/api/v1/posts/{id}/comments"), staff)
                .await;
            assert_eq!(status, StatusCode::CREATED);
            staff_file = comment["attachments"][0]["url"]
                .as_str()
                .unwrap()
                .to_string();
        }
        if place == Place::Public {
            // Anything under a post for employees only is for employees only.
            let staff = json!({"body": "for the team", "group_id": group, "employees_only": true});
            let (status, staff_post) = ana.post("/api/v1/posts", staff).await;
            assert_eq!(status, StatusCode::CREATED, "{staff_post}");
            let comment = json!({"body": format!("agreed #{STAFF_THREAD_TAG}")});
            let path = format!(
                "/api/v1/posts/{}/comments",
                staff_post["id"].as_str().unwrap()
            );
            assert_eq!(ana.post(&path, comment).await.0, StatusCode::CREATED);
        }
        posts.push((place, id, group));
    }
    assert_eq!(
        nonmember
            .put(&format!("/api/v1/follows/tags/{FOLLOWED_ONLY_TAG}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let author_id = ana.id().await;
    let removed_id = removed.id().await;
    // She saves every post before she is removed; her list must forget them.
    for (_, id, _) in &posts {
        removed.put(&format!("/api/v1/posts/{id}/saved")).await;
    }
    for group in posts.iter().filter_map(|p| p.2.as_ref()) {
        let (status, _) = ana
            .delete(&format!("/api/v1/groups/{group}/members/{removed_id}"))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let clients = vec![
        (Viewer::Admin, admin),
        (Viewer::Member, ana),
        (Viewer::NonMember, nonmember),
        (Viewer::GuestOfAnotherGroup, guest_elsewhere),
        (Viewer::GuestOfThisGroup, guest_here),
        (Viewer::BotOfThisGroup, bot_here),
        (Viewer::RemovedGuest, removed),
        (Viewer::Anonymous, app.anonymous()),
    ];
    for (viewer, client) in &clients {
        if !matches!(viewer, Viewer::Anonymous | Viewer::RemovedGuest) {
            for place in PLACES {
                assert_eq!(
                    client
                        .put(&format!("/api/v1/follows/tags/{}", tag(place)))
                        .await
                        .0,
                    StatusCode::NO_CONTENT
                );
            }
        }
    }
    // Everyone tries to save every post: each list must hold only what its owner reads.
    for (_, client) in &clients {
        for (_, id, _) in &posts {
            client.put(&format!("/api/v1/posts/{id}/saved")).await;
        }
    }
    World {
        app,
        clients,
        posts,
        options,
        files,
        staff_file,
        author_id,
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| p["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts one cell: `seen` must equal `expected`.
fn cell(
    failures: &mut Vec<String>,
    what: &str,
    viewer: Viewer,
    place: Place,
    expected: bool,
    seen: bool,
) {
    if expected != seen {
        failures.push(format!(
            "{what}: {viewer:?} on {place:?} post: expected {}, got {}",
            visible(expected),
            visible(seen)
        ));
    }
}

fn visible(yes: bool) -> &'static str {
    if yes { "visible" } else { "hidden" }
}

/// The words `viewer` must never read: tags of posts she may not read, names of groups she may
/// not know, and the employees-only comment unless she is an employee.
fn canaries_for(viewer: Viewer) -> Vec<&'static str> {
    let mut canaries: Vec<&str> = PLACES
        .iter()
        .filter(|p| !may_read(viewer, **p))
        .map(|p| tag(*p))
        .collect();
    for (place, name) in [
        (Place::Private, "Private room"),
        (Place::Secret, "Secret lab"),
    ] {
        if !may_see_group(viewer, place) {
            canaries.push(name);
        }
    }
    if !matches!(viewer, Viewer::Admin | Viewer::Member | Viewer::NonMember) {
        canaries.extend([STAFF_WORD, STAFF_THREAD_TAG]);
    }
    if viewer != Viewer::NonMember {
        canaries.push(FOLLOWED_ONLY_TAG);
    }
    canaries
}

async fn every_read_endpoint_shows_each_viewer_exactly_what_the_policy_allows(backend: Backend) {
    let world = build_world(backend).await;
    assert_eq!(
        world.clients.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        VIEWERS,
        "every kind of viewer is checked"
    );
    let mut failures = Vec::new();
    for (viewer, client) in &world.clients {
        let viewer = *viewer;
        let (_, home) = client.get("/api/v1/feeds/home?limit=100").await;
        let (company_status, company) = client.get("/api/v1/feeds/company?limit=100").await;
        let (_, person) = client
            .get(&format!("/api/v1/users/{}/feed?limit=100", world.author_id))
            .await;
        let (_, trending) = client.get("/api/v1/tags/trending").await;
        let (_, groups) = client.get("/api/v1/groups?limit=100").await;
        let (_, pinned) = client.get("/api/v1/announcements").await;
        let (_, saved) = client.get("/api/v1/saved?limit=100").await;
        let saved_ids: Vec<String> = saved["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["post"]["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let trending_names: Vec<&str> = trending["items"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let company_expected = matches!(viewer, Viewer::Admin | Viewer::Member | Viewer::NonMember);
        if company_expected != (company_status == StatusCode::OK) {
            failures.push(format!("company feed: {viewer:?} got {company_status}"));
        }
        assert_eq!(world.posts.iter().map(|p| p.0).collect::<Vec<_>>(), PLACES);
        for (place, id, group) in &world.posts {
            let place = *place;
            let readable = may_read(viewer, place);
            let post_ok = |path: String| async move { client.get(&path).await.0 == StatusCode::OK };
            cell(
                &mut failures,
                "GET post",
                viewer,
                place,
                readable,
                post_ok(format!("/api/v1/posts/{id}")).await,
            );
            cell(
                &mut failures,
                "GET comments",
                viewer,
                place,
                readable,
                post_ok(format!("/api/v1/posts/{id}/comments")).await,
            );
            cell(
                &mut failures,
                "GET history",
                viewer,
                place,
                readable,
                post_ok(format!("/api/v1/posts/{id}/history")).await,
            );
            cell(
                &mut failures,
                "home feed",
                viewer,
                place,
                readable,
                ids(&home).contains(id),
            );
            cell(
                &mut failures,
                "person feed",
                viewer,
                place,
                readable,
                ids(&person).contains(id),
            );
            let company_shows = readable
                && matches!(place, Place::Company | Place::Public)
                && !matches!(viewer, Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup);
            cell(
                &mut failures,
                "company feed",
                viewer,
                place,
                company_shows,
                ids(&company).contains(id),
            );
            let (_, tag_feed) = client
                .get(&format!("/api/v1/tags/{}/feed", tag(place)))
                .await;
            cell(
                &mut failures,
                "tag feed",
                viewer,
                place,
                readable,
                ids(&tag_feed).contains(id),
            );
            cell(
                &mut failures,
                "trending",
                viewer,
                place,
                readable,
                trending_names.contains(&tag(place)),
            );
            let index = world.posts.iter().position(|p| &p.1 == id).unwrap();
            let (file_status, _, file) = client.fetch(&world.files[index]).await;
            cell(
                &mut failures,
                "GET file",
                viewer,
                place,
                readable,
                file_status == StatusCode::OK
                    && String::from_utf8_lossy(&file).contains(tag(place)),
            );
            if place == Place::Public {
                let (status, _, _) = client.fetch(&world.staff_file).await;
                cell(
                    &mut failures,
                    "GET file of a comment for employees only",
                    viewer,
                    place,
                    matches!(viewer, Viewer::Admin | Viewer::Member | Viewer::NonMember),
                    status == StatusCode::OK,
                );
            }
            let (like_status, _) = client.put(&format!("/api/v1/posts/{id}/like")).await;
            cell(
                &mut failures,
                "PUT like",
                viewer,
                place,
                readable,
                like_status == StatusCode::OK,
            );
            let option = &world.options[world.posts.iter().position(|p| &p.1 == id).unwrap()];
            let (vote_status, _) = client
                .send(
                    client
                        .request(reqwest::Method::PUT, &format!("/api/v1/posts/{id}/vote"))
                        .json(&json!({"option_ids": [option]})),
                )
                .await;
            cell(
                &mut failures,
                "PUT vote",
                viewer,
                place,
                readable,
                vote_status == StatusCode::OK,
            );
            let (save_status, _) = client.put(&format!("/api/v1/posts/{id}/saved")).await;
            cell(
                &mut failures,
                "PUT saved",
                viewer,
                place,
                readable,
                save_status == StatusCode::NO_CONTENT,
            );
            cell(
                &mut failures,
                "pinned announcements",
                viewer,
                place,
                // Pinned on home for the group's members, who read it.
                matches!(
                    viewer,
                    Viewer::Member | Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup
                ) && place != Place::Company,
                ids(&pinned).contains(id),
            );
            cell(
                &mut failures,
                "saved list",
                viewer,
                place,
                readable,
                saved_ids.contains(id),
            );
            let (comment_status, _) = client
                .post(
                    &format!("/api/v1/posts/{id}/comments"),
                    json!({"body": "hello"}),
                )
                .await;
            cell(
                &mut failures,
                "POST comment",
                viewer,
                place,
                readable,
                comment_status == StatusCode::CREATED,
            );
            if let Some(group) = group {
                let sees = may_see_group(viewer, place);
                cell(
                    &mut failures,
                    "GET group",
                    viewer,
                    place,
                    sees,
                    post_ok(format!("/api/v1/groups/{group}")).await,
                );
                cell(
                    &mut failures,
                    "group directory",
                    viewer,
                    place,
                    sees,
                    ids(&groups).contains(group),
                );
                cell(
                    &mut failures,
                    "group feed",
                    viewer,
                    place,
                    readable,
                    post_ok(format!("/api/v1/groups/{group}/feed")).await,
                );
                cell(
                    &mut failures,
                    "group members",
                    viewer,
                    place,
                    readable,
                    post_ok(format!("/api/v1/groups/{group}/members")).await,
                );
                // Without a live credential the answer is 401, which tells nothing either.
                if !sees && !matches!(viewer, Viewer::Anonymous | Viewer::RemovedGuest) {
                    let (status, body) = client.get(&format!("/api/v1/groups/{group}/feed")).await;
                    if status != StatusCode::NOT_FOUND
                        || body.to_string().contains("Secret")
                        || body.to_string().contains("Private")
                    {
                        failures.push(format!(
                            "{viewer:?} learns of the {place:?} group: {status} {body}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    drop(world.app);
}

async fn no_answer_to_a_viewer_carries_a_word_she_may_not_read(backend: Backend) {
    let world = build_world(backend).await;
    let member = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::Member)
        .unwrap()
        .1;
    // Once the member finds the last post written, the search index holds every post.
    let last = &world.posts.last().unwrap().1;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !ids(&member
        .get(&format!("/api/v1/search?q={}", tag(Place::Secret)))
        .await
        .1)
    .contains(last)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the index never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut paths = vec![
        "/api/v1/feeds/home?limit=100".to_string(),
        "/api/v1/feeds/company?limit=100".to_string(),
        format!("/api/v1/users/{}/feed?limit=100", world.author_id),
        "/api/v1/tags/trending".to_string(),
        "/api/v1/groups?limit=100".to_string(),
        "/api/v1/users?limit=100".to_string(),
        "/api/v1/me".to_string(),
        format!("/api/v1/search?q={STAFF_WORD}"),
        "/api/v1/search?q=word&limit=100".to_string(),
        "/api/v1/search?q=lab".to_string(),
        "/api/v1/search?q=room".to_string(),
        "/api/v1/search/suggest?q=se".to_string(),
        "/api/v1/search/suggest?q=pr".to_string(),
        // The composer's `#` completion, whole and by prefix.
        "/api/v1/tags?q=&limit=100".to_string(),
        "/api/v1/tags?q=s&limit=100".to_string(),
        "/api/v1/tags?q=%23f".to_string(),
        format!("/api/v1/search?q={STAFF_THREAD_TAG}"),
        format!("/api/v1/search?q=%23{STAFF_THREAD_TAG}&type=tags"),
        "/api/v1/search/suggest?q=staffth".to_string(),
        "/api/v1/search/suggest?q=follow".to_string(),
        format!("/api/v1/tags/{STAFF_THREAD_TAG}/feed"),
        format!("/api/v1/tags/{FOLLOWED_ONLY_TAG}/feed"),
        "/api/v1/openapi.json".to_string(),
        "/api/v1/saved?limit=100".to_string(),
        "/api/v1/announcements".to_string(),
        "/saved".to_string(),
        "/api/v1/recommendations?limit=20".to_string(),
        "/discover".to_string(),
        // Moderation: the queue, one's own reports and hidden content.
        "/api/v1/reports?limit=100".to_string(),
        "/api/v1/me/reports".to_string(),
        "/api/v1/me/hidden".to_string(),
        "/moderation".to_string(),
        // The pages, read with the same credentials.
        "/".to_string(),
        "/company".to_string(),
        "/groups".to_string(),
        format!("/people/{}", world.author_id),
        "/search?q=word".to_string(),
        format!("/search?q={STAFF_WORD}"),
        "/search/suggestions?q=se".to_string(),
        "/notifications".to_string(),
        "/settings".to_string(),
        "/settings/delete".to_string(),
        "/admin/users".to_string(),
        format!("/admin/users/{}/delete", world.author_id),
        "/admin/guests".to_string(),
    ];
    for place in PLACES {
        paths.push(format!("/api/v1/search?q={}", tag(place)));
        paths.push(format!("/api/v1/tags/{}/feed", tag(place)));
        paths.push(format!("/tags/{}", tag(place)));
        paths.push(format!("/search?q={}", tag(place)));
    }
    for (_, id, group) in &world.posts {
        paths.extend([
            format!("/api/v1/posts/{id}"),
            format!("/api/v1/posts/{id}/comments"),
            format!("/api/v1/posts/{id}/history"),
        ]);
        paths.extend([
            format!("/posts/{id}"),
            format!("/posts/{id}/history"),
            format!("/posts/{id}/report"),
        ]);
        if let Some(group) = group {
            paths.extend([
                format!("/api/v1/groups/{group}"),
                format!("/api/v1/groups/{group}/feed"),
                format!("/api/v1/groups/{group}/members"),
            ]);
            paths.push(format!("/groups/{group}"));
        }
    }
    paths.extend([
        "/api/v1/notifications?limit=100".to_string(),
        "/api/v1/notifications/unread".to_string(),
    ]);
    // The notifier has caught up once the non-member has heard of both posts she may read.
    let nonmember = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::NonMember)
        .unwrap()
        .1;
    while nonmember.get("/api/v1/notifications?limit=100").await.1["items"]
        .as_array()
        .map_or(0, Vec::len)
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the notifier never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Pages answer bearer credentials like the API: the member's home page shows the
    // secret post, so a page that leaves a word out for others does so by the policy.
    assert!(member.page("/").await.contains(tag(Place::Secret)));
    let mut leaks = Vec::new();
    for (viewer, client) in &world.clients {
        let viewer = *viewer;
        let canaries = canaries_for(viewer);
        // Unreadable posts by id, too: a page may echo a word from its own address.
        let hidden_ids: Vec<&str> = world
            .posts
            .iter()
            .filter(|p| !may_read(viewer, p.0))
            .map(|p| p.1.as_str())
            .collect();
        // Atom, read with the viewer's own feed token (those without a live credential
        // have none to take).
        let mut feeds = Vec::new();
        let (status, token) = client.get("/api/v1/me/feed-token").await;
        if status == StatusCode::OK {
            let token = token["token"].as_str().unwrap().to_string();
            feeds.extend([
                "/feeds/home.atom".to_string(),
                "/feeds/company.atom".to_string(),
            ]);
            for (place, _, group) in &world.posts {
                feeds.push(format!("/tags/{}.atom", tag(*place)));
                feeds.extend(group.iter().map(|g| format!("/groups/{g}.atom")));
            }
            for feed in &mut feeds {
                *feed = format!("{feed}?token={token}");
            }
            if viewer == Viewer::Member {
                assert!(
                    client.page(&feeds[0]).await.contains(tag(Place::Secret)),
                    "the member's Atom home shows every post"
                );
            }
        }
        for path in paths.iter().chain(&feeds) {
            let response = client
                .request(reqwest::Method::GET, path)
                .send()
                .await
                .unwrap();
            let headers = format!("{:?}", response.headers());
            let body = response.text().await.unwrap();
            let echoed = |word: &str| !path.starts_with("/api/") && path.contains(word);
            for canary in canaries
                .iter()
                .copied()
                .filter(|c| !echoed(c))
                .chain(hidden_ids.iter().copied().filter(|id| !path.contains(id)))
            {
                if body.contains(canary) || headers.contains(canary) {
                    leaks.push(format!("{viewer:?} reads {canary:?} in GET {path}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    // The employees who may read it do find the comment for employees only.
    assert_eq!(
        ids(&member
            .get(&format!("/api/v1/search?q={STAFF_WORD}"))
            .await
            .1)
        .len(),
        1
    );
}

async fn every_write_is_refused_to_whoever_may_not_make_it_and_tells_nothing(backend: Backend) {
    let world = build_world(backend).await;
    let member = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::Member)
        .unwrap()
        .1;
    let mut comments = Vec::new();
    for (_, id, _) in &world.posts {
        let (_, page) = member.get(&format!("/api/v1/posts/{id}/comments")).await;
        comments.push(ids(&page)[0].clone());
    }
    let mut wrong = Vec::new();
    // Only the author (the member, who also owns every group) and moderators may make these;
    // each is tried by everyone else, and must fail without naming what it touched.
    for (viewer, client) in world.clients.iter().filter(|(v, _)| *v != Viewer::Member) {
        let viewer = *viewer;
        let canaries = canaries_for(viewer);
        for ((place, id, group), comment) in world.posts.iter().zip(&comments) {
            let place = *place;
            let mut writes: Vec<(reqwest::Method, String, Value)> = Vec::new();
            // Site admins moderate (edit and delete) wherever they read.
            if !(viewer == Viewer::Admin && may_read(viewer, place)) {
                writes.extend([
                    (
                        reqwest::Method::PATCH,
                        format!("/api/v1/posts/{id}"),
                        json!({"body": "taken over"}),
                    ),
                    (
                        reqwest::Method::PATCH,
                        format!("/api/v1/comments/{comment}"),
                        json!({"body": "taken over"}),
                    ),
                ]);
            }
            if !may_read(viewer, place) {
                writes.extend([
                    (
                        reqwest::Method::DELETE,
                        format!("/api/v1/posts/{id}"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::PUT,
                        format!("/api/v1/posts/{id}/like"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::DELETE,
                        format!("/api/v1/posts/{id}/like"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::POST,
                        format!("/api/v1/posts/{id}/comments"),
                        json!({"body": "hello"}),
                    ),
                    (
                        reqwest::Method::DELETE,
                        format!("/api/v1/comments/{comment}"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::PUT,
                        format!("/api/v1/comments/{comment}/like"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::GET,
                        format!("/api/v1/comments/{comment}/history"),
                        Value::Null,
                    ),
                ]);
            }
            if let Some(group) = group {
                writes.extend([
                    (
                        reqwest::Method::PATCH,
                        format!("/api/v1/groups/{group}"),
                        json!({"description": "taken over"}),
                    ),
                    (
                        reqwest::Method::POST,
                        format!("/api/v1/groups/{group}/members"),
                        json!({"user_id": world.author_id, "role": "member"}),
                    ),
                    (
                        reqwest::Method::DELETE,
                        format!("/api/v1/groups/{group}/members/{}", world.author_id),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::GET,
                        format!("/api/v1/groups/{group}/requests"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::GET,
                        format!("/api/v1/groups/{group}/invitations"),
                        Value::Null,
                    ),
                    (
                        reqwest::Method::POST,
                        format!("/api/v1/groups/{group}/invitations"),
                        json!({"email": "someone@customer.example"}),
                    ),
                ]);
                // Employees may join what they see; guests join nothing (she is already
                // in the groups of her own).
                let employee = matches!(viewer, Viewer::Admin | Viewer::NonMember);
                let may_join = employee && may_see_group(viewer, place);
                let walled_member =
                    matches!(viewer, Viewer::GuestOfThisGroup | Viewer::BotOfThisGroup);
                if !(may_join || walled_member) {
                    writes.push((
                        reqwest::Method::POST,
                        format!("/api/v1/groups/{group}/join"),
                        json!({}),
                    ));
                }
            }
            for (method, path, body) in writes {
                let mut request = client.request(method.clone(), &path);
                if !body.is_null() {
                    request = request.json(&body);
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                let hidden =
                    !may_see_group(viewer, place) && group.is_some() || !may_read(viewer, place);
                let refused = if matches!(viewer, Viewer::Anonymous | Viewer::RemovedGuest) {
                    // Without a live credential: 401, or 404 where nothing is visible anyway.
                    matches!(status, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND)
                } else if hidden && !path.contains("/groups/")
                    || group.is_some() && !may_see_group(viewer, place)
                {
                    // What the viewer may not read does not exist for her.
                    status == StatusCode::NOT_FOUND
                } else {
                    matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                };
                if !refused {
                    wrong.push(format!(
                        "{viewer:?} {method} {path} on {place:?}: {status} {text}"
                    ));
                }
                for canary in &canaries {
                    if text.contains(canary) {
                        wrong.push(format!("{viewer:?} reads {canary:?} in {method} {path}"));
                    }
                }
            }
        }
        for (method, path) in [
            (reqwest::Method::GET, "/api/v1/admin/guests".to_string()),
            (reqwest::Method::POST, "/api/v1/users".to_string()),
            (
                reqwest::Method::DELETE,
                format!("/api/v1/users/{}", world.author_id),
            ),
        ] {
            if viewer == Viewer::Admin {
                continue;
            }
            let mut request = client.request(method.clone(), &path);
            if method == reqwest::Method::POST {
                request = request.json(&json!({"email": "x@example.com", "name": "X", "password": "a long password here", "kind": "admin"}));
            }
            let status = request.send().await.unwrap().status();
            if !matches!(
                status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ) {
                wrong.push(format!("{viewer:?} {method} {path}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} writes wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Nothing was changed by any of them.
    for (_, id, group) in &world.posts {
        let (_, post) = member.get(&format!("/api/v1/posts/{id}")).await;
        assert!(
            post["body"].as_str().unwrap().ends_with("(edited)"),
            "{post}"
        );
        if let Some(group) = group {
            let (_, shown) = member.get(&format!("/api/v1/groups/{group}")).await;
            assert_ne!(shown["description"], "taken over");
            let (_, invitations) = member
                .get(&format!("/api/v1/groups/{group}/invitations"))
                .await;
            assert_eq!(ids(&invitations).len(), 0, "{invitations}");
        }
    }
}

async fn guests_see_only_people_who_share_a_group(backend: Backend) {
    let world = build_world(backend).await;
    let guest_elsewhere = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::GuestOfAnotherGroup)
        .unwrap()
        .1;
    let (_, people) = guest_elsewhere.get("/api/v1/users?limit=100").await;
    let handles: Vec<&str> = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap())
        .collect();
    assert!(
        !handles.contains(&"ana") && !handles.contains(&"gina") && !handles.contains(&"nina"),
        "{handles:?}"
    );
    assert!(handles.contains(&"otto"));
    assert_eq!(
        guest_elsewhere
            .get(&format!("/api/v1/users/{}", world.author_id))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        guest_elsewhere
            .put(&format!("/api/v1/follows/users/{}", world.author_id))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let guest_here = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::GuestOfThisGroup)
        .unwrap()
        .1;
    assert_eq!(
        guest_here
            .get(&format!("/api/v1/users/{}", world.author_id))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = guest_here
        .post("/api/v1/posts", json!({"body": "to everyone"}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "guests cannot post company-wide"
    );
    let (status, _) = guest_here
        .post(
            "/api/v1/groups",
            json!({"name": "Mine", "visibility": "public"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "guests cannot create groups");
}

on_both_backends!(
    every_read_endpoint_shows_each_viewer_exactly_what_the_policy_allows,
    no_answer_to_a_viewer_carries_a_word_she_may_not_read,
    every_write_is_refused_to_whoever_may_not_make_it_and_tells_nothing,
    guests_see_only_people_who_share_a_group
);

async fn a_guest_never_holds_a_role_above_member(backend: Backend) {
    let world = build_world(backend).await;
    let client = |wanted: Viewer| &world.clients.iter().find(|(v, _)| *v == wanted).unwrap().1;
    let (owner, guest, nonmember) = (
        client(Viewer::Member),
        client(Viewer::GuestOfThisGroup),
        client(Viewer::NonMember),
    );
    let (guest_id, nonmember_id) = (guest.id().await, nonmember.id().await);
    let groups: Vec<&String> = world.posts.iter().filter_map(|p| p.2.as_ref()).collect();
    for group in &groups {
        for role in ["admin", "owner"] {
            let (status, body) = owner
                .post(
                    &format!("/api/v1/groups/{group}/members"),
                    json!({"user_id": guest_id, "role": role}),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{role}: {body}");
        }
    }
    // A role written some other way (an older version, a hand edit) gives her nothing.
    let db = world.app.db.open();
    db.write(|conn| {
        use agora::db::schema::memberships;
        use diesel::prelude::*;
        diesel::update(
            memberships::table.filter(memberships::user_id.eq(guest_id.parse::<i64>().unwrap())),
        )
        .set(memberships::role.eq("admin"))
        .execute(conn)?;
        Ok(())
    })
    .unwrap();
    for group in &groups {
        let (_, shown) = guest.get(&format!("/api/v1/groups/{group}")).await;
        assert_eq!(shown["my_role"], "member", "{shown}");
        let attempts = [
            guest
                .post(
                    &format!("/api/v1/groups/{group}/members"),
                    json!({"user_id": nonmember_id, "role": "member"}),
                )
                .await,
            guest
                .patch(
                    &format!("/api/v1/groups/{group}"),
                    json!({"visibility": "public", "description": "taken over"}),
                )
                .await,
            guest
                .post(
                    &format!("/api/v1/groups/{group}/invitations"),
                    json!({"email": "friend@customer.example"}),
                )
                .await,
            guest
                .delete(&format!(
                    "/api/v1/groups/{group}/members/{}",
                    world.author_id
                ))
                .await,
        ];
        for (status, body) in attempts {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        }
        let (_, members) = owner
            .get(&format!("/api/v1/groups/{group}/members?limit=100"))
            .await;
        assert!(!members.to_string().contains(&nonmember_id), "{members}");
        let (_, shown) = owner.get(&format!("/api/v1/groups/{group}")).await;
        assert_ne!(shown["description"], "taken over");
    }
}

on_both_backends!(a_guest_never_holds_a_role_above_member);

/// `path` with its `{…}` parameters filled in with ids of the world (by the segment before
/// each), so that a request that got through would act on something real.
fn concrete(path: &str, world: &World, comment: &str, nina: &str) -> String {
    let post = &world.posts[1].1;
    let group = world.posts[1].2.as_deref().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    let mut filled = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if !segment.starts_with('{') {
            filled.push(segment.to_string());
            continue;
        }
        let value = match (segments[i - 1], *segment) {
            ("posts", _) => post.as_str(),
            ("comments", _) => comment,
            ("groups", _) => group,
            ("members", _) | ("users", _) | ("guests", _) => nina,
            ("tags", _) => tag(Place::Public),
            _ => "1",
        };
        filled.push(value.to_string());
    }
    filled.join("/")
}

/// The ways of spelling `path` that route like it: as is, `api` and the last word encoded.
fn spellings(path: &str) -> Vec<String> {
    let mut spelled = vec![path.to_string(), path.replacen("/api/", "/%61pi/", 1)];
    if let Some(at) = path
        .rfind('/')
        .filter(|at| path[at + 1..].starts_with(|c: char| c.is_ascii_lowercase()))
    {
        let first = path.as_bytes()[at + 1];
        spelled.push(format!("{}/%{first:02X}{}", &path[..at], &path[at + 2..]));
    }
    spelled
}

async fn no_unsafe_route_takes_a_session_cookie_without_its_csrf_token(backend: Backend) {
    let world = build_world(backend).await;
    let member = &world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::Member)
        .unwrap()
        .1;
    let nina = world
        .clients
        .iter()
        .find(|(v, _)| *v == Viewer::NonMember)
        .unwrap()
        .1
        .id()
        .await;
    let comment = ids(&member
        .get(&format!("/api/v1/posts/{}/comments", world.posts[1].1))
        .await
        .1)[0]
        .clone();
    let (_, document) = world.app.anonymous().get("/api/v1/openapi.json").await;
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        // An incoming webhook reads no cookie and no session: its URL is its credential.
        if path.starts_with("/hooks/") {
            continue;
        }
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.push((
                    reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    path.clone(),
                ));
            }
        }
    }
    assert!(
        routes.len() >= 40,
        "the document lists every unsafe route: {}",
        routes.len()
    );
    let mut browsers = Vec::new();
    for email in ["admin@example.com", "ana@example.com"] {
        let mut browser = world.app.browser_sign_in(email).await;
        browser.csrf = None;
        browsers.push(browser);
    }
    // Everything the world set off has been applied; from here no request may add a thing.
    let db = world.app.db.open();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !db.read(agora::signals::notifier::caught_up).unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "the notifier never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before = db.read(agora::events::last_id).unwrap();
    let mut wrong = Vec::new();
    for browser in &browsers {
        for (method, path) in &routes {
            let path = concrete(path, &world, &comment, &nina);
            for spelled in spellings(&path) {
                let response = browser
                    .request(method.clone(), &spelled)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let refused = status == StatusCode::FORBIDDEN && body["code"] == "csrf_failed";
                // A spelling that routes nowhere is a 404; one that routes is refused.
                let not_routed = status == StatusCode::NOT_FOUND && spelled != path;
                if !(refused || not_routed) || status.is_success() {
                    wrong.push(format!("{method} {spelled}: {status} {body}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} requests got through:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        db.read(agora::events::last_id).unwrap(),
        before,
        "nothing was changed"
    );
}

on_both_backends!(no_unsafe_route_takes_a_session_cookie_without_its_csrf_token);

async fn the_live_stream_tells_each_viewer_what_she_may_read_with_her_own_counts_until_she_signs_out(
    backend: Backend,
) {
    use crate::stream::{Frame, Stream};
    let world = build_world(backend).await;
    let client = |viewer| &world.clients.iter().find(|(v, _)| *v == viewer).unwrap().1;
    let listeners: Vec<Viewer> = VIEWERS
        .into_iter()
        .filter(|v| !matches!(v, Viewer::Anonymous | Viewer::RemovedGuest))
        .collect();
    for viewer in [Viewer::Anonymous, Viewer::RemovedGuest] {
        let (status, _) = client(viewer).get("/api/v1/stream").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{viewer:?} opens no stream"
        );
    }
    let mut streams = Vec::new();
    for viewer in &listeners {
        streams.push((*viewer, Stream::open(client(*viewer), None).await));
    }
    let member = client(Viewer::Member);
    // A comment in every place, the public one last: events arrive in order, so a viewer who
    // hears the public comment has been told of every earlier one she was going to be.
    let mut places = PLACES.to_vec();
    places.sort_by_key(|p| *p == Place::Public);
    let mut comments = Vec::new();
    for place in places {
        let post = &world.posts.iter().find(|p| p.0 == place).unwrap().1;
        let (status, comment) = member
            .post(
                &format!("/api/v1/posts/{post}/comments"),
                json!({"body": "live"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        comments.push((
            place,
            post.clone(),
            comment["id"].as_str().unwrap().to_string(),
        ));
    }
    // The guest of another group reads none of these: a post in her own group ends her wait.
    let (_, groups) = client(Viewer::GuestOfAnotherGroup)
        .get("/api/v1/groups")
        .await;
    let hers = groups["items"][0]["id"].as_str().unwrap().to_string();
    let (status, sentinel) = client(Viewer::Admin)
        .post(
            "/api/v1/posts",
            json!({"body": "for otto", "group_id": hers}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sentinel}");
    let about = |id: &str| {
        let id = id.to_string();
        move |f: &Frame| f.json()["comment_id"] == id.as_str() || f.json()["post_id"] == id.as_str()
    };
    let last_comment = &comments.last().unwrap().2;
    for (viewer, stream) in &mut streams {
        let until = if *viewer == Viewer::GuestOfAnotherGroup {
            sentinel["id"].as_str().unwrap()
        } else {
            last_comment.as_str()
        };
        let heard = stream.events_until(about(until)).await;
        for (place, post, comment) in &comments {
            let frames: Vec<&Frame> = heard.iter().filter(|f| about(comment)(f)).collect();
            assert_eq!(
                !frames.is_empty(),
                may_read(*viewer, *place),
                "{viewer:?} on the {place:?} comment: {frames:?}"
            );
            for frame in frames {
                // Her frame's count is the count she reads through the API, never another's.
                let (_, seen) = client(*viewer).get(&format!("/api/v1/posts/{post}")).await;
                assert_eq!(
                    frame.json()["comment_count"],
                    seen["comment_count"],
                    "{viewer:?} on {place:?}"
                );
            }
        }
    }
    // Signing out (revoking the token the stream was opened with) ends it at once, long
    // before the scope refresh; the others keep theirs.
    let (viewer, mut stream) =
        streams.remove(listeners.iter().position(|v| *v == Viewer::Member).unwrap());
    assert_eq!(
        client(viewer).delete("/api/v1/auth/token").await.0,
        StatusCode::NO_CONTENT
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while stream.frame(deadline).await.is_some() {}
}

on_both_backends!(
    the_live_stream_tells_each_viewer_what_she_may_read_with_her_own_counts_until_she_signs_out
);
