//! The pages, driven like a browser without JavaScript: plain form posts with the session's
//! CSRF token, 303 redirects on success, 422 with the typed text kept on refusal.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Client, PASSWORD, TestApp};

/// What a form post answered: its status, where it redirects, and its page.
struct Answer {
    status: StatusCode,
    location: String,
    html: String,
}

/// Posts a form as a browser would, with the client's CSRF token.
async fn submit(client: &Client, path: &str, fields: &[(&str, &str)]) -> Answer {
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

on_both_backends! {
    async fn a_post_from_the_composer_appears_on_the_home_page(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (_, ana) = employee_in_browser(&app, "ana").await;
        let home = ana.page("/").await;
        assert!(home.contains("No posts yet"), "an empty feed says what to do: {home}");
        assert!(home.contains("Company feed"), "employees may post company-wide");

        let answer = submit(&ana, "/posts", &[("body", "Hello **world** #launch"), ("group_id", ""), ("back", "/")]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.location, "/");

        let home = ana.page("/").await;
        assert!(home.contains("<strong>world</strong>"), "{home}");
        assert!(home.contains("href=\"/tags/launch\""), "{home}");
        assert!(home.contains("just now"));
        assert!(ana.page("/company").await.contains("<strong>world</strong>"));
    }

    async fn a_refused_post_is_shown_again_with_its_message_and_text(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (_, ana) = employee_in_browser(&app, "ana").await;

        let empty = submit(&ana, "/posts", &[("body", "  "), ("group_id", "")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.html.contains("write something first"), "{}", empty.html);

        let long = format!("{} the end", "word ".repeat(2_000));
        let refused = submit(&ana, "/posts", &[("body", &long), ("group_id", "")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("at most 10000 characters"), "{}", refused.html);
        assert!(refused.html.contains(&long), "the typed text is kept");
        assert!(!ana.page("/").await.contains("the end"), "nothing was posted");
    }

    async fn likes_and_comments_work_through_forms(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (admin, bob) = employee_in_browser(&app, "bob").await;
        let id = api_post(&admin, "Lunch at noon?").await;
        let permalink = format!("/posts/{id}");

        let liked = submit(&bob, &format!("{permalink}/like"), &[("on", "1"), ("back", &permalink)]).await;
        assert_eq!(liked.status, StatusCode::SEE_OTHER);
        assert_eq!(liked.location, format!("{permalink}#post-{id}"));
        assert!(bob.page(&permalink).await.contains("Liked · 1"));
        submit(&bob, &format!("{permalink}/like"), &[("on", "0")]).await;
        assert!(bob.page(&permalink).await.contains("Like · 0"));

        let commented = submit(&bob, &format!("{permalink}/comments"), &[("body", "Count me *in*")]).await;
        assert_eq!(commented.status, StatusCode::SEE_OTHER);
        assert!(commented.location.starts_with(&format!("{permalink}#comment-")));
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
        let saved = submit(&ana, &format!("/posts/{id}/edit"), &[("body", "second draft")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = ana.page(&format!("/posts/{id}")).await;
        assert!(page.contains("second draft") && page.contains("edited"), "{page}");
        let history = ana.page(&format!("/posts/{id}/history")).await;
        assert!(history.contains("first draft"), "{history}");

        let refused = submit(&ana, &format!("/posts/{id}/edit"), &[("body", "")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bob = app.user(&admin, "bob", "employee").await;
        assert_eq!(status_of(&bob, &format!("/posts/{id}/edit")).await, StatusCode::FORBIDDEN);
    }

    async fn forms_without_the_session_token_are_refused(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (_, mut ana) = employee_in_browser(&app, "ana").await;
        ana.csrf = Some("forged".into());
        let answer = submit(&ana, "/posts", &[("body", "hi")]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let anonymous = app.anonymous();
        assert_eq!(submit(&anonymous, "/posts", &[("body", "hi")]).await.location, "/sign-in");
        assert_eq!(status_of(&anonymous, "/company").await, StatusCode::SEE_OTHER);
    }

    async fn employees_join_public_groups_and_create_their_own(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (admin, ana) = employee_in_browser(&app, "ana").await;
        let open = app.group(&admin, "Rustaceans", "public", false).await;
        let directory = ana.page("/groups").await;
        assert!(directory.contains("Rustaceans") && directory.contains("badge-public"), "{directory}");

        let joined = submit(&ana, &format!("/groups/{open}/join"), &[]).await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER);
        let page = ana.page(&format!("/groups/{open}")).await;
        assert!(page.contains("Leave group") && page.contains("2 members"), "{page}");
        assert!(page.contains("composer-body"), "members may post in the group");

        let created = submit(&ana, "/groups", &[("name", "Book club"), ("description", "Reading"), ("visibility", "private")]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        let group = ana.page(&created.location).await;
        assert!(group.contains("Book club") && group.contains("Save settings"), "owners manage: {group}");

        let taken = submit(&ana, "/groups", &[("name", "book CLUB"), ("description", "again"), ("visibility", "public")]).await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.html.contains("already exists") && taken.html.contains("again"), "{}", taken.html);
    }

    async fn group_owners_approve_requests_from_the_group_page(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (admin, ana) = employee_in_browser(&app, "ana").await;
        let private = app.group(&admin, "Leadership", "private", false).await;
        let page = ana.page(&format!("/groups/{private}")).await;
        assert!(page.contains("Only members read") && page.contains("Ask to join"), "{page}");
        let asked = submit(&ana, &format!("/groups/{private}/join"), &[]).await;
        assert_eq!(asked.location, format!("/groups/{private}?requested=1"));

        app.user(&admin, "olga", "employee").await;
        let olga = app.browser_sign_in("olga@example.com").await;
        let (_, me) = admin.get("/api/v1/me").await;
        let owner_path = format!("/groups/{private}/members");
        let added = submit(&olga, &owner_path, &[("user", "ana")]).await;
        assert_eq!(added.status, StatusCode::FORBIDDEN, "only the group's owners and admins add people");
        assert!(added.html.contains("owners and admins can do this"), "{}", added.html);
        let ada = app.browser_sign_in(me["email"].as_str().unwrap()).await;
        assert!(ada.page(&format!("/groups/{private}")).await.contains("ANA"), "the request is listed");
        let approved = submit(&ada, &owner_path, &[("user", "@ana"), ("role", "member")]).await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER);
        assert!(ana.page(&format!("/groups/{private}")).await.contains("Leave group"));
        let unknown = submit(&ada, &owner_path, &[("user", "@nobody")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.html.contains("nobody has this id or handle"));
    }

    async fn secret_groups_do_not_exist_for_outsiders(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (admin, ana) = employee_in_browser(&app, "ana").await;
        let secret = app.group(&admin, "Acquisition", "secret", false).await;
        assert_eq!(status_of(&ana, &format!("/groups/{secret}")).await, StatusCode::NOT_FOUND);
        assert!(!ana.page("/groups").await.contains("Acquisition"));
        assert_eq!(status_of(&ana, "/groups/not-a-number").await, StatusCode::NOT_FOUND);
    }

    async fn guests_see_only_their_groups(backend: Backend) {
        let app = TestApp::start(backend).await;
        let admin = app.admin().await;
        let shared = app.group(&admin, "Customer project", "private", true).await;
        let public = app.group(&admin, "Town square", "public", false).await;
        let guest = app.guest_in(&admin, "gia", &[&shared]).await;
        assert!(matches!(status_of(&guest, "/company").await, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND));
        let directory = guest.page("/groups").await;
        assert!(directory.contains("Customer project"), "{directory}");
        assert!(!directory.contains("Town square"), "{directory}");
        assert!(!directory.contains("Create a group"));
        assert_eq!(status_of(&guest, &format!("/groups/{public}")).await, StatusCode::NOT_FOUND);
        let home = guest.page("/").await;
        assert!(!home.contains("href=\"/company\""), "no company link for guests");
        assert!(home.contains("Choose one of your groups") && !home.contains(">Company feed<"), "{home}");
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
        assert!(tag.contains("#rust") && tag.contains("Release notes") && tag.contains(">Follow<"), "{tag}");
        let followed = submit(&ana, "/tags/rust/follow", &[("on", "1")]).await;
        assert_eq!(followed.location, "/tags/rust");
        assert!(ana.page("/tags/rust").await.contains("Unfollow"));
        let home = ana.page("/").await;
        assert!(home.contains("Release notes") && !home.contains("Coffee is ready"), "{home}");

        let profile = ana.page(&format!("/people/{bob_id}")).await;
        assert!(profile.contains("BOB") && profile.contains("@bob") && profile.contains("Coffee is ready"), "{profile}");
        submit(&ana, &format!("/people/{bob_id}/follow"), &[("on", "1")]).await;
        assert!(ana.page("/").await.contains("Coffee is ready"));
        assert_eq!(status_of(&ana, "/tags/no-such!tag").await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(&ana, "/people/42").await, StatusCode::NOT_FOUND);
    }

    async fn people_edit_their_profile_in_settings(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (_, ana) = employee_in_browser(&app, "ana").await;
        let saved = submit(&ana, "/settings", &[("name", "Ana Lima"), ("title", "Engineer"), ("department", "R&D"), ("bio", "Hi"), ("digest", "weekly")]).await;
        assert_eq!(saved.location, "/settings?saved=1");
        let page = ana.page("/settings?saved=1").await;
        assert!(page.contains("Saved.") && page.contains("value=\"Engineer\"") && page.contains("value=\"weekly\" selected"), "{page}");

        let refused = submit(&ana, "/settings", &[("name", " "), ("title", "Typed title"), ("digest", "hourly")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("a name cannot be empty") && refused.html.contains("choose off, daily or weekly"));
        assert!(refused.html.contains("value=\"Typed title\""), "typed values are kept");
    }

    async fn only_admins_manage_people(backend: Backend) {
        let app = TestApp::start(backend).await;
        let (_, ana) = employee_in_browser(&app, "ana").await;
        assert_eq!(status_of(&ana, "/admin/users").await, StatusCode::FORBIDDEN);
        assert!(!ana.page("/").await.contains("href=\"/admin/users\""), "no admin menu for employees");
        let denied = submit(&ana, "/admin/users", &[("email", "x@example.com"), ("name", "X"), ("password", "long enough password")]).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        let ada = app.browser_sign_in("admin@example.com").await;
        let users = ada.page("/admin/users").await;
        assert!(users.contains("ana@example.com"), "{users}");
        let created = submit(&ada, "/admin/users", &[("email", "cy@example.com"), ("name", "Cy"), ("password", PASSWORD), ("kind", "employee")]).await;
        assert_eq!(created.location, "/admin/users");
        let short = submit(&ada, "/admin/users", &[("email", "dee@example.com"), ("name", "Dee"), ("password", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.html.contains("value=\"dee@example.com\"") && !short.html.contains("value=\"short\""));

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
        for link in ["href=\"/company\"", "href=\"/groups\"", "action=\"/search\"", "href=\"/notifications\"", "href=\"/settings\"", "Sign out"] {
            assert!(home.contains(link), "{link} missing");
        }
        assert!(ana.page("/search?q=roadmap").await.contains("roadmap"));
        ana.page("/notifications").await;
        let scripts = home.matches("<script").count();
        let from_files = home.matches("<script type=\"module\" src=\"/static/").count();
        assert!(!home.contains("style=") && scripts == from_files, "the CSP forbids inline styles and scripts");
    }
}
