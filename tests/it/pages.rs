//! The pages, driven like a browser without JavaScript: plain form posts with the session's
//! CSRF token, 303 redirects on success, 422 with the typed text kept on refusal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, PASSWORD, TestApp};

/// What a form post answered: its status, where it redirects, and its page.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) html: String,
}

/// Posts a form as a browser would, with the client's CSRF token.
pub(crate) async fn submit(client: &Client, path: &str, fields: &[(&str, &str)]) -> Answer {
    let csrf = client.csrf.clone().unwrap_or_default();
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    let response = client
        .http
        .post(format!("{}{path}", client.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    Answer {
        status,
        location,
        html: response.text().await.unwrap(),
    }
}

/// The status of GET `path`.
async fn status_of(client: &Client, path: &str) -> StatusCode {
    client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
        .status()
}

/// An admin (API token) and employee `handle` signed in through the sign-in page.
async fn employee_in_browser(app: &TestApp, handle: &str) -> (Client, Client) {
    let admin = app.admin().await;
    app.user(&admin, handle, "employee").await;
    let browser = app.browser_sign_in(&format!("{handle}@example.com")).await;
    (admin, browser)
}

/// Publishes a post through the API; returns its id.
async fn api_post(client: &Client, body: &str) -> String {
    let (status, post) = client.post("/api/v1/posts", json!({"body": body})).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_string()
}

/// GET `path` until its page satisfies `check` (the search index follows the database within
/// moments, in the background), failing after a deadline; returns the page.
async fn page_until(client: &Client, path: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = client.page(path).await;
        if check(&page) {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "GET {path}: still {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A GET's status, content type and body.
async fn fetch(client: &Client, path: &str) -> (StatusCode, String, String) {
    let response = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|c| c.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// The unescaped `href` of the result tab named `text`, or else of the first link whose text
/// is `text`.
fn href_of(html: &str, text: &str) -> String {
    let end = html
        .find(&format!("\">{text} <span class=\"tab-count\">"))
        .or_else(|| html.find(&format!("\">{text}</a>")))
        .unwrap_or_else(|| panic!("no {text} link in {html}"));
    let start = html[..end].rfind("href=\"").unwrap() + "href=\"".len();
    html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

async fn forms_go_back_only_to_paths_on_this_site(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, browser) = employee_in_browser(&app, "bea").await;
    let post = api_post(&admin, "a post to like").await;
    let safe = |location: &str| {
        location.starts_with('/')
            && !location.starts_with("//")
            && !location.contains("evil")
            && !location.contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\')
    };
    // A tab or newline is dropped by browsers, so each of these names another site, or
    // would be a header that cannot be written.
    for back in [
        "/\t/evil.example",
        "/\n/evil.example",
        "\t//evil.example",
        "//evil.example",
        "/\\evil.example",
        "/.//evil.example",
        "https://evil.example",
        "/ok\r\nSet-Cookie: x=1",
    ] {
        let (_, comment) = admin
            .post(
                &format!("/api/v1/posts/{post}/comments"),
                json!({"body": "a comment"}),
            )
            .await;
        let comment = comment["id"].as_str().unwrap().to_string();
        for (path, fields) in [
            (
                format!("/posts/{post}/like"),
                vec![("on", "1"), ("back", back)],
            ),
            (
                format!("/comments/{comment}/like"),
                vec![("on", "1"), ("back", back)],
            ),
            (
                "/posts".to_string(),
                vec![("body", "from the form"), ("back", back)],
            ),
        ] {
            let answer = submit(&browser, &path, &fields).await;
            assert_eq!(
                answer.status,
                StatusCode::SEE_OTHER,
                "POST {path} back={back:?}: {}",
                answer.html
            );
            assert!(
                safe(&answer.location),
                "POST {path} back={back:?} → {}",
                answer.location
            );
        }
        let (_, own) = browser
            .post(
                &format!("/api/v1/posts/{post}/comments"),
                json!({"body": "mine"}),
            )
            .await;
        let own = own["id"].as_str().unwrap().to_string();
        let answer = submit(
            &browser,
            &format!("/comments/{own}/delete"),
            &[("back", back)],
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "delete back={back:?}: {}",
            answer.html
        );
        assert!(
            safe(&answer.location),
            "delete back={back:?} → {}",
            answer.location
        );
    }
}

async fn a_post_from_the_composer_appears_on_the_home_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;
    let home = ana.page("/").await;
    assert!(
        home.contains("No posts yet"),
        "an empty feed says what to do: {home}"
    );
    assert!(
        home.contains("Company feed"),
        "employees may post company-wide"
    );

    let answer = submit(
        &ana,
        "/posts",
        &[
            ("body", "Hello **world** #launch"),
            ("group_id", ""),
            ("back", "/"),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location, "/");

    let home = ana.page("/").await;
    assert!(home.contains("<strong>world</strong>"), "{home}");
    assert!(home.contains("href=\"/tags/launch\""), "{home}");
    assert!(home.contains("just now"));
    assert!(
        ana.page("/company")
            .await
            .contains("<strong>world</strong>")
    );
}

async fn a_refused_post_is_shown_again_with_its_message_and_text(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;

    let empty = submit(&ana, "/posts", &[("body", "  "), ("group_id", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.html.contains("write something first"),
        "{}",
        empty.html
    );

    let long = format!("{} the end", "word ".repeat(2_000));
    let refused = submit(&ana, "/posts", &[("body", &long), ("group_id", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("at most 10000 characters"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains(&long), "the typed text is kept");
    assert!(
        !ana.page("/").await.contains("the end"),
        "nothing was posted"
    );
}

async fn likes_and_comments_work_through_forms(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, bob) = employee_in_browser(&app, "bob").await;
    let id = api_post(&admin, "Lunch at noon?").await;
    let permalink = format!("/posts/{id}");

    let liked = submit(
        &bob,
        &format!("{permalink}/like"),
        &[("on", "1"), ("back", &permalink)],
    )
    .await;
    assert_eq!(liked.status, StatusCode::SEE_OTHER);
    assert_eq!(liked.location, format!("{permalink}#post-{id}"));
    assert!(bob.page(&permalink).await.contains("Liked · 1"));
    submit(&bob, &format!("{permalink}/like"), &[("on", "0")]).await;
    assert!(bob.page(&permalink).await.contains("Like · 0"));

    let commented = submit(
        &bob,
        &format!("{permalink}/comments"),
        &[("body", "Count me *in*")],
    )
    .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    assert!(
        commented
            .location
            .starts_with(&format!("{permalink}#comment-"))
    );
    let page = bob.page(&permalink).await;
    assert!(page.contains("Count me <em>in</em>"), "{page}");
    assert!(page.contains("1 comment"), "{page}");

    let empty = submit(&bob, &format!("{permalink}/comments"), &[("body", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("write something first"));
}

async fn authors_edit_through_a_form_and_see_the_history(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    submit(&ana, "/posts", &[("body", "first draft"), ("group_id", "")]).await;
    let (_, feed) = admin.get("/api/v1/feeds/company").await;
    let id = feed["items"][0]["id"].as_str().unwrap().to_string();

    let form = ana.page(&format!("/posts/{id}/edit")).await;
    assert!(form.contains(">first draft</textarea>"), "{form}");
    let saved = submit(
        &ana,
        &format!("/posts/{id}/edit"),
        &[("body", "second draft")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = ana.page(&format!("/posts/{id}")).await;
    assert!(
        page.contains("second draft") && page.contains("edited"),
        "{page}"
    );
    let history = ana.page(&format!("/posts/{id}/history")).await;
    assert!(history.contains("first draft"), "{history}");
    assert!(
        history.contains("<p class=\"diff\"><del>first</del><ins>second</ins> draft</p>"),
        "the edit word by word: {history}"
    );

    let refused = submit(&ana, &format!("/posts/{id}/edit"), &[("body", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bob = app.user(&admin, "bob", "employee").await;
    assert_eq!(
        status_of(&bob, &format!("/posts/{id}/edit")).await,
        StatusCode::FORBIDDEN
    );

    // Comments keep theirs too, on a page of their own.
    let (status, comment) = bob
        .post(
            &format!("/api/v1/posts/{id}/comments"),
            json!({"body": "looks good to me"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let comment = comment["id"].as_str().unwrap();
    let (status, _) = bob
        .patch(
            &format!("/api/v1/comments/{comment}"),
            json!({"body": "looks great to me"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = ana.page(&format!("/posts/{id}")).await;
    assert!(
        page.contains(&format!("href=\"/comments/{comment}/history\"")),
        "{page}"
    );
    let history = ana.page(&format!("/comments/{comment}/history")).await;
    assert!(
        history.contains("<p class=\"diff\">looks <del>good</del><ins>great</ins> to me</p>"),
        "{history}"
    );
    let secret = app.group(&admin, "Board", "secret", false).await;
    let (_, hidden) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "board minutes", "group_id": secret}),
        )
        .await;
    let (_, hidden) = admin
        .post(
            &format!("/api/v1/posts/{}/comments", hidden["id"].as_str().unwrap()),
            json!({"body": "noted"}),
        )
        .await;
    let path = format!("/comments/{}/history", hidden["id"].as_str().unwrap());
    assert_eq!(
        status_of(&ana, &path).await,
        StatusCode::NOT_FOUND,
        "a non-member"
    );
}

async fn forms_without_the_session_token_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, mut ana) = employee_in_browser(&app, "ana").await;
    ana.csrf = Some("forged".into());
    let answer = submit(&ana, "/posts", &[("body", "hi")]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let anonymous = app.anonymous();
    assert_eq!(
        submit(&anonymous, "/posts", &[("body", "hi")])
            .await
            .location,
        "/sign-in"
    );
    assert_eq!(
        status_of(&anonymous, "/company").await,
        StatusCode::SEE_OTHER
    );
}

async fn employees_join_public_groups_and_create_their_own(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let open = app.group(&admin, "Rustaceans", "public", false).await;
    let directory = ana.page("/groups").await;
    assert!(
        directory.contains("Rustaceans") && directory.contains("badge-public"),
        "{directory}"
    );

    let joined = submit(&ana, &format!("/groups/{open}/join"), &[]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    let page = ana.page(&format!("/groups/{open}")).await;
    assert!(
        page.contains("Leave group") && page.contains("2 members"),
        "{page}"
    );
    assert!(
        page.contains("composer-body"),
        "members may post in the group"
    );

    let created = submit(
        &ana,
        "/groups",
        &[
            ("name", "Book club"),
            ("description", "Reading"),
            ("visibility", "private"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let group = ana.page(&created.location).await;
    assert!(
        group.contains("Book club") && group.contains("Save settings"),
        "owners manage: {group}"
    );

    let taken = submit(
        &ana,
        "/groups",
        &[
            ("name", "book CLUB"),
            ("description", "again"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        taken.html.contains("already exists") && taken.html.contains("again"),
        "{}",
        taken.html
    );
}

async fn group_owners_approve_requests_from_the_group_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let private = app.group(&admin, "Leadership", "private", false).await;
    let page = ana.page(&format!("/groups/{private}")).await;
    assert!(
        page.contains("Only members read") && page.contains("Ask to join"),
        "{page}"
    );
    let asked = submit(&ana, &format!("/groups/{private}/join"), &[]).await;
    assert_eq!(asked.location, format!("/groups/{private}?requested=1"));

    app.user(&admin, "olga", "employee").await;
    let olga = app.browser_sign_in("olga@example.com").await;
    let (_, me) = admin.get("/api/v1/me").await;
    let owner_path = format!("/groups/{private}/members");
    let added = submit(&olga, &owner_path, &[("user", "ana")]).await;
    assert_eq!(
        added.status,
        StatusCode::FORBIDDEN,
        "only the group's owners and admins add people"
    );
    assert!(
        added.html.contains("owners and admins can do this"),
        "{}",
        added.html
    );
    let ada = app.browser_sign_in(me["email"].as_str().unwrap()).await;
    assert!(
        ada.page(&format!("/groups/{private}"))
            .await
            .contains("ANA"),
        "the request is listed"
    );
    let approved = submit(&ada, &owner_path, &[("user", "@ana"), ("role", "member")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert!(
        ana.page(&format!("/groups/{private}"))
            .await
            .contains("Leave group")
    );
    let unknown = submit(&ada, &owner_path, &[("user", "@nobody")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.html.contains("nobody has this id or handle"));
}

async fn secret_groups_do_not_exist_for_outsiders(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let secret = app.group(&admin, "Acquisition", "secret", false).await;
    assert_eq!(
        status_of(&ana, &format!("/groups/{secret}")).await,
        StatusCode::NOT_FOUND
    );
    assert!(!ana.page("/groups").await.contains("Acquisition"));
    assert_eq!(
        status_of(&ana, "/groups/not-a-number").await,
        StatusCode::NOT_FOUND
    );
}

async fn guests_see_only_their_groups(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let shared = app.group(&admin, "Customer project", "private", true).await;
    let public = app.group(&admin, "Town square", "public", false).await;
    let guest = app.guest_in(&admin, "gia", &[&shared]).await;
    assert!(matches!(
        status_of(&guest, "/company").await,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let directory = guest.page("/groups").await;
    assert!(directory.contains("Customer project"), "{directory}");
    assert!(!directory.contains("Town square"), "{directory}");
    assert!(!directory.contains("Create a group"));
    assert_eq!(
        status_of(&guest, &format!("/groups/{public}")).await,
        StatusCode::NOT_FOUND
    );
    let home = guest.page("/").await;
    assert!(
        !home.contains("href=\"/company\""),
        "no company link for guests"
    );
    assert!(
        home.contains("Choose one of your groups") && !home.contains(">Company feed<"),
        "{home}"
    );
}

async fn following_a_tag_or_a_person_fills_the_home_feed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let bob_id = bob.id().await;
    api_post(&bob, "Release notes #Rust").await;
    api_post(&bob, "Coffee is ready").await;
    assert!(!ana.page("/").await.contains("Release notes"));

    let tag = ana.page("/tags/rust").await;
    assert!(
        tag.contains("#rust") && tag.contains("Release notes") && tag.contains(">Follow<"),
        "{tag}"
    );
    let followed = submit(&ana, "/tags/rust/follow", &[("on", "1")]).await;
    assert_eq!(followed.location, "/tags/rust");
    assert!(ana.page("/tags/rust").await.contains("Unfollow"));
    let home = ana.page("/").await;
    assert!(
        home.contains("Release notes") && !home.contains("Coffee is ready"),
        "{home}"
    );

    let profile = ana.page(&format!("/people/{bob_id}")).await;
    assert!(
        profile.contains("BOB") && profile.contains("@bob") && profile.contains("Coffee is ready"),
        "{profile}"
    );
    submit(&ana, &format!("/people/{bob_id}/follow"), &[("on", "1")]).await;
    assert!(ana.page("/").await.contains("Coffee is ready"));
    assert_eq!(
        status_of(&ana, "/tags/no-such!tag").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status_of(&ana, "/people/42").await, StatusCode::NOT_FOUND);
}

async fn people_edit_their_profile_in_settings(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;
    let saved = submit(
        &ana,
        "/settings",
        &[
            ("name", "Ana Lima"),
            ("title", "Engineer"),
            ("department", "R&D"),
            ("bio", "Hi"),
            ("digest", "weekly"),
        ],
    )
    .await;
    assert_eq!(saved.location, "/settings?saved=1");
    let page = ana.page("/settings?saved=1").await;
    assert!(
        page.contains("Saved.")
            && page.contains("value=\"Engineer\"")
            && page.contains("value=\"weekly\" selected"),
        "{page}"
    );

    let refused = submit(
        &ana,
        "/settings",
        &[
            ("name", " "),
            ("title", "Typed title"),
            ("digest", "hourly"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("a name cannot be empty")
            && refused.html.contains("choose off, daily or weekly")
    );
    assert!(
        refused.html.contains("value=\"Typed title\""),
        "typed values are kept"
    );
}

async fn only_admins_manage_people(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;
    assert_eq!(status_of(&ana, "/admin/users").await, StatusCode::FORBIDDEN);
    assert!(
        !ana.page("/").await.contains("href=\"/admin/users\""),
        "no admin menu for employees"
    );
    let denied = submit(
        &ana,
        "/admin/users",
        &[
            ("email", "x@example.com"),
            ("name", "X"),
            ("password", "long enough password"),
        ],
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let ada = app.browser_sign_in("admin@example.com").await;
    let users = ada.page("/admin/users").await;
    assert!(users.contains("ana@example.com"), "{users}");
    let created = submit(
        &ada,
        "/admin/users",
        &[
            ("email", "cy@example.com"),
            ("name", "Cy"),
            ("password", PASSWORD),
            ("kind", "employee"),
        ],
    )
    .await;
    assert_eq!(created.location, "/admin/users");
    let short = submit(
        &ada,
        "/admin/users",
        &[
            ("email", "dee@example.com"),
            ("name", "Dee"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.html.contains("value=\"dee@example.com\"") && !short.html.contains("value=\"short\"")
    );

    let cy = app.sign_in("cy@example.com").await;
    let cy_id = cy.id().await;
    let gone = submit(&ada, &format!("/admin/users/{cy_id}/deactivate"), &[]).await;
    assert_eq!(gone.location, "/admin/users");
    assert_eq!(cy.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

async fn the_toolbar_links_lead_somewhere(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;
    let home = ana.page("/").await;
    for link in [
        "href=\"/company\"",
        "href=\"/groups\"",
        "action=\"/search\"",
        "href=\"/notifications\"",
        "href=\"/settings\"",
        "Sign out",
    ] {
        assert!(home.contains(link), "{link} missing");
    }
    assert!(ana.page("/search?q=roadmap").await.contains("roadmap"));
    ana.page("/notifications").await;
    let scripts = home.matches("<script").count();
    let from_files = home
        .matches("<script type=\"module\" src=\"/static/")
        .count();
    assert!(
        !home.contains("style=") && scripts == from_files,
        "the CSP forbids inline styles and scripts"
    );
}
async fn the_search_page_shows_marked_results_by_type_and_pages_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let rocket = api_post(&admin, "The rocket <b>launch</b> is on Friday #orbit").await;
    let page = page_until(&ana, "/search?q=rocket", |p| {
        p.contains(&format!("/posts/{rocket}"))
    })
    .await;
    assert!(
        page.contains("<mark>rocket</mark>") && page.contains("&lt;b&gt;"),
        "marked and escaped: {page}"
    );
    assert!(
        page.contains(">Post</span>") && page.contains("Ada Admin"),
        "{page}"
    );
    assert!(
        page.contains("id=\"toolbar-q\" name=\"q\" type=\"search\" value=\"rocket\""),
        "the toolbar keeps the query"
    );
    assert!(
        page.contains("id=\"search-q\" name=\"q\" type=\"search\" value=\"rocket\""),
        "so does the page's box"
    );

    let people = ana.page(&href_of(&page, "People")).await;
    assert!(
        people.contains("Nothing found") && !people.contains(&format!("/posts/{rocket}")),
        "{people}"
    );
    let tags = page_until(&ana, "/search?q=orbit&type=tags", |p| {
        p.contains("/tags/orbit")
    })
    .await;
    assert!(
        tags.contains(">Tag</span>") && tags.contains("href=\"/tags/orbit\""),
        "{tags}"
    );

    for n in 0..21 {
        api_post(&admin, &format!("comet sighting number {n}")).await;
    }
    let first = page_until(&ana, "/search?q=comet&type=posts", |p| {
        p.contains("Load more")
    })
    .await;
    assert_eq!(first.matches("<mark>comet</mark>").count(), 20, "{first}");
    let second = ana.page(&href_of(&first, "Load more")).await;
    assert_eq!(second.matches("<mark>comet</mark>").count(), 1, "{second}");
    assert!(!second.contains("Load more"));
}

async fn the_search_page_explains_a_malformed_query_and_folds_filters(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let (status, _, page) = fetch(&ana, "/search?q=%22unclosed").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("a phrase is missing its closing") && page.contains("aria-invalid=\"true\""),
        "{page}"
    );
    assert!(
        page.contains("value=\"&#34;unclosed\"") || page.contains("value=\"&quot;unclosed\""),
        "what was typed stays: {page}"
    );

    let empty = ana.page("/search").await;
    assert!(
        empty.contains("type a few words") && !empty.contains("Nothing found"),
        "{empty}"
    );

    app.group(&admin, "Product team", "public", false).await;
    let answer = ana
        .request(
            reqwest::Method::GET,
            "/search?q=plan&type=posts&group=Product+team&from=%40ada&after=2026-01-01&before=",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers()["location"].to_str().unwrap(),
        "/search?q=plan%20in%3A%22Product%20team%22%20from%3A%40ada%20after%3A2026-01-01&type=posts"
    );
    let filters = ana.page("/search?q=plan&type=posts").await;
    assert!(
        filters.contains("<option value=\"Product team\">Product team</option>"),
        "{filters}"
    );
}

async fn search_shows_no_private_group_post_to_outsiders(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let board = app.group(&admin, "Board", "private", false).await;
    let shared = app.group(&admin, "Customer project", "private", true).await;
    let guest = app.guest_in(&admin, "gia", &[&shared]).await;
    for (body, group) in [
        ("merger secret plans", &board),
        ("merger customer kickoff", &shared),
    ] {
        let (status, post) = admin
            .post("/api/v1/posts", json!({"body": body, "group_id": group}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
    }
    api_post(&admin, "merger public notes").await;

    let member = page_until(&admin, "/search?q=merger", |p| p.contains("public notes")).await;
    assert!(
        member.contains("secret plans"),
        "members find their group's posts: {member}"
    );
    let outsider = page_until(&ana, "/search?q=merger", |p| p.contains("public notes")).await;
    assert!(
        !outsider.contains("secret plans") && !outsider.contains("customer kickoff"),
        "{outsider}"
    );
    let visitor = page_until(&guest, "/search?q=merger", |p| {
        p.contains("customer kickoff")
    })
    .await;
    assert!(
        !visitor.contains("secret plans") && !visitor.contains("public notes"),
        "{visitor}"
    );
}

async fn browsers_get_an_opensearch_description_and_suggestions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, ana) = employee_in_browser(&app, "ana").await;
    let (status, kind, xml) = fetch(&app.anonymous(), "/opensearch.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/opensearchdescription+xml");
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            && xml.contains("<ShortName>Agora</ShortName>"),
        "{xml}"
    );
    let base = &app.base;
    assert!(
        xml.contains(&format!(
            "<Url type=\"text/html\" method=\"get\" template=\"{base}/search?q={{searchTerms}}\"/>"
        )),
        "{xml}"
    );
    assert!(xml.contains(&format!("<Url type=\"application/x-suggestions+json\" method=\"get\" template=\"{base}/search/suggestions?q={{searchTerms}}\"/>")), "{xml}");
    assert_eq!(
        xml.matches("<Url ").count(),
        xml.matches("\"/>").count(),
        "every Url is closed"
    );
    assert!(xml.trim_end().ends_with("</OpenSearchDescription>"));
    let home = ana.page("/").await;
    assert!(home.contains("<link rel=\"search\" type=\"application/opensearchdescription+xml\" title=\"Agora\" href=\"/opensearch.xml\">"));

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let found = loop {
        let (status, kind, body) = fetch(&ana, "/search/suggestions?q=an").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(kind, "application/x-suggestions+json");
        let found: serde_json::Value = serde_json::from_str(&body).unwrap();
        if found[1].as_array().unwrap().iter().any(|t| t == "ANA") {
            break found;
        }
        assert!(std::time::Instant::now() < deadline, "still {found}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let at = found[1]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| t == "ANA")
        .unwrap();
    assert_eq!(found[0], "an");
    assert_eq!(found[2][at], "person");
    assert_eq!(found[3][at], format!("{base}/people/{}", ana.id().await));
    assert_eq!(found.as_array().unwrap().len(), 4);

    let (status, _, nobody) = fetch(&app.anonymous(), "/search/suggestions?q=an").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        nobody, r#"["an",[],[],[]]"#,
        "nothing for someone not signed in"
    );
}

/// Status and body of GET `path`.
async fn fetched(client: &Client, path: &str) -> (StatusCode, String) {
    let response = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn error_pages_keep_the_readers_toolbar_and_show_a_way_on(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let shared = app.group(&admin, "Customer project", "private", true).await;
    let secret = app.group(&admin, "Acquisition", "secret", false).await;
    let guest = app.guest_in(&admin, "gia", &[&shared]).await;

    let (status, page) = fetched(&guest, "/company").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("class=\"toolbar-nav\"") && page.contains("GIA"),
        "{page}"
    );
    assert!(page.contains("This is not open to you"), "{page}");
    assert!(page.contains("href=\"/groups\""), "a way on: {page}");
    assert!(
        !page.contains("href=\"/company\""),
        "no company link for a guest"
    );

    // Missing and hidden read the same, word for word.
    let (status, missing) = fetched(&ana, "/groups/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, hidden) = fetched(&ana, &format!("/groups/{secret}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing, hidden);
    assert!(
        missing.contains("Nothing here") && missing.contains("ANA"),
        "{missing}"
    );
    assert!(!missing.contains("Acquisition"));

    let (status, page) = fetched(&app.anonymous(), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("Nothing here") && page.contains("href=\"/sign-in\""),
        "{page}"
    );
    assert!(
        !page.contains("toolbar-nav"),
        "nobody signed in: no toolbar"
    );

    let (status, problem) = ana.get("/api/v1/groups/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        problem["code"], "not_found",
        "the API still answers problem+json"
    );
}

async fn the_group_directory_finds_groups_by_name_among_those_the_reader_sees(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let team = app.group(&admin, "Launch Team", "public", false).await;
    app.group(&admin, "Lunch club", "private", true).await;
    app.group(&admin, "Launch secrets", "secret", false).await;
    let beta = app.group(&admin, "Launch beta", "private", true).await;
    let guest = app.guest_in(&admin, "gia", &[&beta]).await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, found) = ana.get("/api/v1/groups?q=LAUNCH").await;
    assert_eq!(
        names(&found),
        ["Launch beta", "Launch Team"],
        "no secret group"
    );
    let (_, found) = guest.get("/api/v1/groups?q=launch").await;
    assert_eq!(
        names(&found),
        ["Launch beta"],
        "a guest finds only her groups"
    );
    let (_, found) = ana.get("/api/v1/groups?q=%25").await;
    assert!(names(&found).is_empty(), "a % matches itself: {found}");
    let (_, found) = ana.get("/api/v1/groups?q=launch&limit=1").await;
    assert_eq!(names(&found), ["Launch beta"]);
    let cursor = found["next_cursor"].as_str().unwrap();
    let (_, rest) = ana
        .get(&format!("/api/v1/groups?q=launch&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(names(&rest), ["Launch Team"]);

    let page = ana.page("/groups?q=lunch").await;
    assert!(
        page.contains("Lunch club") && !page.contains("Launch Team"),
        "{page}"
    );
    assert!(page.contains("value=\"lunch\""), "the box keeps the words");
    let none = ana.page("/groups?q=zzz").await;
    assert!(
        none.contains("No group you can see has “zzz” in its name."),
        "{none}"
    );
    assert!(
        ana.page("/groups")
            .await
            .contains(&format!("/groups/{team}"))
    );
}

async fn trending_tags_show_on_the_home_rail_and_the_tags_page_for_each_reader(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    let beta = app.group(&admin, "Beta", "private", true).await;
    for body in ["Ship it #launch", "Demo day #launch", "Docs are up #docs"] {
        api_post(&admin, body).await;
    }
    let (status, _) = admin
        .post(
            "/api/v1/posts",
            json!({"body": "Pilot notes #pilot", "group_id": beta}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let guest = app.guest_in(&admin, "gia", &[&beta]).await;

    let home = ana.page("/").await;
    let rail = &home[home.find("Trending this week").unwrap()..];
    assert!(
        rail.contains("href=\"/tags/launch\">#launch</a> <span class=\"muted\">2 posts"),
        "{rail}"
    );
    assert!(
        rail.contains("#docs") && !rail.contains("#pilot"),
        "ana is not in Beta: {rail}"
    );
    let tags = ana.page("/tags").await;
    assert!(tags.contains("#launch") && tags.contains("#docs"), "{tags}");

    let home = guest.page("/").await;
    let rail = &home[home.find("Trending this week").unwrap()..];
    assert!(rail.contains("#pilot"), "{rail}");
    assert!(
        !rail.contains("#launch") && !rail.contains("#docs"),
        "a guest: {rail}"
    );
    let tags = guest.page("/tags").await;
    assert!(
        tags.contains("#pilot") && !tags.contains("#launch"),
        "{tags}"
    );
}

async fn the_people_directory_finds_by_name_and_department_among_those_the_reader_sees(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let (admin, ana) = employee_in_browser(&app, "ana").await;
    for (handle, department) in [("bea", "Sales"), ("cy", "sales"), ("dan", "Engineering")] {
        let person = app.user(&admin, handle, "employee").await;
        let (status, body) = person
            .patch("/api/v1/me", json!({"department": department}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let beta = app.group(&admin, "Beta", "private", true).await;
    let guest = app.guest_in(&admin, "gia", &[&beta]).await;

    let page = ana.page("/people?department=Sales").await;
    assert!(
        page.contains("href=\"/people\" aria-current=\"page\""),
        "the toolbar marks People"
    );
    assert!(
        page.contains(">BEA<") && page.contains(">CY<"),
        "any case: {page}"
    );
    assert!(!page.contains(">DAN<"), "{page}");
    assert!(page.contains("<option value=\"Engineering\">"), "{page}");
    let page = ana.page("/people?q=da").await;
    assert!(page.contains(">DAN<") && !page.contains(">BEA<"), "{page}");
    // An employee sees a guest only once they share a group; an admin sees every guest.
    let guest_id = guest.id().await;
    assert!(
        !ana.page("/people").await.contains(">GIA<"),
        "ana shares no group with gia"
    );
    assert_eq!(
        status_of(&ana, &format!("/people/{guest_id}")).await,
        StatusCode::NOT_FOUND
    );
    let (_, found) = ana.get("/api/v1/users?q=gia").await;
    assert_eq!(found["items"], json!([]), "{found}");
    assert!(admin.get("/api/v1/users?q=gia").await.1["items"][0]["name"] == "GIA");
    let ana_id = ana.id().await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/groups/{beta}/members"),
            json!({"user_id": ana_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let everyone = ana.page("/people").await;
    assert!(everyone.contains(">GIA<") && everyone.contains("Guest · customer.example"));
    // Search walls follow the same circle: once the index holds her, Ana finds her, Eve not.
    let eve = app.user(&admin, "eve", "employee").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ana.get("/api/v1/search?q=gia&type=people").await.1["items"] == json!([]) {
        assert!(
            std::time::Instant::now() < deadline,
            "the index never held gia"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, found) = eve.get("/api/v1/search?q=gia&type=people").await;
    assert_eq!(found["items"], json!([]), "{found}");
    assert_eq!(found["counts"]["people"]["value"], 0, "{found}");

    // A guest sees herself and those who share a group with her, and only their departments.
    let page = guest.page("/people").await;
    assert!(
        page.contains(">GIA<") && page.contains(">Ada Admin<"),
        "{page}"
    );
    assert!(!page.contains(">BEA<") && !page.contains(">DAN<"), "{page}");
    assert!(
        !page.contains("Engineering") && !page.contains("Sales"),
        "{page}"
    );
    assert!(
        guest
            .page("/people?q=bea")
            .await
            .contains("Nobody you can see matches.")
    );
}

on_both_backends!(
    forms_go_back_only_to_paths_on_this_site,
    a_post_from_the_composer_appears_on_the_home_page,
    a_refused_post_is_shown_again_with_its_message_and_text,
    likes_and_comments_work_through_forms,
    authors_edit_through_a_form_and_see_the_history,
    forms_without_the_session_token_are_refused,
    employees_join_public_groups_and_create_their_own,
    group_owners_approve_requests_from_the_group_page,
    secret_groups_do_not_exist_for_outsiders,
    guests_see_only_their_groups,
    following_a_tag_or_a_person_fills_the_home_feed,
    people_edit_their_profile_in_settings,
    only_admins_manage_people,
    the_toolbar_links_lead_somewhere,
    the_search_page_shows_marked_results_by_type_and_pages_them,
    the_search_page_explains_a_malformed_query_and_folds_filters,
    search_shows_no_private_group_post_to_outsiders,
    browsers_get_an_opensearch_description_and_suggestions,
    error_pages_keep_the_readers_toolbar_and_show_a_way_on,
    the_group_directory_finds_groups_by_name_among_those_the_reader_sees,
    trending_tags_show_on_the_home_rail_and_the_tags_page_for_each_reader,
    the_people_directory_finds_by_name_and_department_among_those_the_reader_sees
);
