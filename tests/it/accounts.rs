//! Setup, users, profiles and the directory.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, PASSWORD, TestApp};

async fn setup_creates_the_first_admin_once_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, me) = admin.get("/api/v1/me").await;
    assert_eq!(me["kind"], "admin");
    assert_eq!(me["email"], "admin@example.com");
    let (status, body) = app
        .anonymous()
        .post(
            "/api/v1/setup",
            json!({"email": "eve@example.com", "name": "Eve", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "already_set_up");
}

async fn concurrent_setups_make_exactly_one_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let attempts = (0..4).map(|n| {
        let client = app.anonymous();
        async move {
            client.post("/api/v1/setup", json!({"email": format!("a{n}@example.com"), "name": "A", "password": PASSWORD})).await.0
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
}

async fn setup_validates_every_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (status, body) = app
        .anonymous()
        .post(
            "/api/v1/setup",
            json!({"email": "nope", "name": " ", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "validation_failed");
    for field in ["email", "name", "password"] {
        assert!(
            body["errors"][field].is_array(),
            "{field} missing in {body}"
        );
    }
}

async fn only_admins_create_users_and_emails_are_unique(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let (status, body) = ana
        .post(
            "/api/v1/users",
            json!({"email": "x@example.com", "name": "X", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = admin
        .post(
            "/api/v1/users",
            json!({"email": "ANA@example.com", "name": "Ana 2", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "email_taken");
    let (status, body) = admin
        .post(
            "/api/v1/users",
            json!({"email": "g@example.com", "name": "G", "password": PASSWORD, "kind": "guest"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["kind"].is_array());
}

async fn handles_come_from_the_email_and_stay_unique(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let (_, first) = admin
        .post(
            "/api/v1/users",
            json!({"email": "sam@a.example.com", "name": "Sam A", "password": PASSWORD}),
        )
        .await;
    let (_, second) = admin
        .post(
            "/api/v1/users",
            json!({"email": "sam@b.example.com", "name": "Sam B", "password": PASSWORD}),
        )
        .await;
    assert_eq!(first["handle"], "sam");
    assert_eq!(second["handle"], "sam2");
}

async fn profiles_update_and_validate(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let (status, me) = ana
        .patch(
            "/api/v1/me",
            json!({"title": "Engineer", "department": "R&D", "bio": "Hi", "digest": "daily"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (
            me["title"].as_str(),
            me["department"].as_str(),
            me["digest"].as_str()
        ),
        (Some("Engineer"), Some("R&D"), Some("daily"))
    );
    let (status, body) = ana
        .patch(
            "/api/v1/me",
            json!({"name": "", "title": "t".repeat(101), "digest": "hourly"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "title", "digest"] {
        assert!(
            body["errors"][field].is_array(),
            "{field} missing in {body}"
        );
    }
    let (status, _) = ana.patch("/api/v1/me", json!({"kind": "admin"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused, kind cannot be changed"
    );
}

async fn emails_show_only_to_their_owner_and_admins(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let (_, ana_me) = ana.get("/api/v1/me").await;
    let ana_id = ana_me["id"].as_str().unwrap();
    let (status, seen_by_bob) = bob.get(&format!("/api/v1/users/{ana_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(seen_by_bob.get("email").is_none(), "{seen_by_bob}");
    let (_, seen_by_admin) = admin.get(&format!("/api/v1/users/{ana_id}")).await;
    assert_eq!(seen_by_admin["email"], "ana@example.com");
    let (_, directory) = bob.get("/api/v1/users").await;
    assert!(
        directory["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("email").is_none() || u["handle"] == "bob")
    );
}

async fn the_directory_searches_and_pages_by_name(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    for handle in ["carla", "carl", "dora", "erik", "fay"] {
        app.user(&admin, handle, "employee").await;
    }
    let (_, found) = admin.get("/api/v1/users?q=CAR").await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carl", "carla"]);
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_string();
    loop {
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["handle"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["admin", "carl", "carla", "dora", "erik", "fay"]);
    let (status, _) = admin.get("/api/v1/users?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = admin.get("/api/v1/users?cursor=garbage!").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn unknown_and_malformed_user_ids_are_not_found(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    assert_eq!(
        admin.get("/api/v1/users/12345").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/api/v1/users/not-an-id").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous().get("/api/v1/users").await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn profiles_carry_org_data_that_guests_do_not_see(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bo = app.user(&admin, "bo", "employee").await;
    let (ana_id, bo_id) = (ana.id().await, bo.id().await);
    let (status, me) = ana
        .patch(
            "/api/v1/me",
            json!({"pronouns": "she/her", "location": "Lisbon", "phone": "+351 21 000 0000",
                   "time_zone": "Europe/Lisbon", "manager_id": bo_id, "department": "Sales"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (
            &me["pronouns"],
            &me["location"],
            &me["time_zone"],
            &me["manager_id"]
        ),
        (
            &json!("she/her"),
            &json!("Lisbon"),
            &json!("Europe/Lisbon"),
            &json!(bo_id)
        )
    );
    for (body, field) in [
        (json!({"time_zone": "Mars"}), "time_zone"),
        (json!({"manager_id": ana_id}), "manager_id"),
        (json!({"manager_id": "404"}), "manager_id"),
        (json!({"location": "Lisbon\nLine two"}), "location"),
    ] {
        let (status, problem) = ana.patch("/api/v1/me", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert!(problem["errors"][field].is_array(), "{body}: {problem}");
    }
    // No loops: Bo cannot report to Ana, who reports to him.
    let (status, problem) = bo.patch("/api/v1/me", json!({"manager_id": ana_id})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // Admins set anyone's org data, as a directory sync would; nobody else does.
    let (status, changed) = admin
        .patch(
            &format!("/api/v1/users/{bo_id}"),
            json!({"title": "Head of Sales", "location": "Porto"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Head of Sales");
    let (status, _) = ana
        .patch(
            &format!("/api/v1/users/{bo_id}"),
            json!({"title": "Intern"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The profile pages show the manager and the direct reports.
    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page(&format!("/people/{bo_id}")).await;
    assert!(
        page.contains("Direct reports") && page.contains(">ANA<"),
        "{page}"
    );
    let page = browser.page(&format!("/people/{ana_id}")).await;
    assert!(
        page.contains("Reports to") && page.contains("Europe/Lisbon"),
        "{page}"
    );

    // A guest sees a colleague's name and title only.
    let beta = app.group(&admin, "Beta", "private", true).await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/groups/{beta}/members"),
            json!({"user_id": ana_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let guest = app.guest_in(&admin, "gia", &[&beta]).await;
    let (status, seen) = guest.get(&format!("/api/v1/users/{ana_id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["name"], "ANA");
    for field in [
        "department",
        "location",
        "phone",
        "pronouns",
        "time_zone",
        "bio",
    ] {
        assert_eq!(seen[field], "", "{field}: {seen}");
    }
    assert!(seen["manager_id"].is_null(), "{seen}");
    // A guest is outside the org chart: she cannot name a manager and so appear under one.
    let (status, problem) = guest
        .patch("/api/v1/me", json!({"manager_id": bo_id}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let page = guest.page(&format!("/people/{ana_id}")).await;
    assert!(
        !page.contains("Lisbon") && !page.contains("Reports to"),
        "{page}"
    );
}

on_both_backends!(
    setup_creates_the_first_admin_once_only,
    concurrent_setups_make_exactly_one_admin,
    setup_validates_every_field,
    only_admins_create_users_and_emails_are_unique,
    handles_come_from_the_email_and_stay_unique,
    profiles_update_and_validate,
    emails_show_only_to_their_owner_and_admins,
    the_directory_searches_and_pages_by_name,
    unknown_and_malformed_user_ids_are_not_found,
    profiles_carry_org_data_that_guests_do_not_see
);

async fn the_directory_matches_only_what_the_searcher_is_shown(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let beta = app.group(&ana, "Beta", "private", true).await;
    let guest = app.guest_in(&ana, "gus", &[&beta]).await;
    let handles = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["handle"].as_str().unwrap().to_string())
            .collect()
    };
    // Only the part of an address after the handle tells anything; nobody but admins sees it.
    for (client, q) in [
        (&ana, "@example.com"),
        (&ana, "admin@"),
        (&guest, "example.com"),
        (&guest, "ana@"),
    ] {
        let (status, page) = client.get(&format!("/api/v1/users?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(handles(&page).is_empty(), "q={q}: {page}");
    }
    assert_eq!(
        handles(&ana.get("/api/v1/users?q=gus").await.1),
        ["gus"],
        "handles and names still match"
    );
    assert_eq!(
        handles(&admin.get("/api/v1/users?q=customer.example").await.1),
        ["gus"],
        "admins see and match every address"
    );
}

on_both_backends!(the_directory_matches_only_what_the_searcher_is_shown);

async fn names_are_one_line_of_text(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Beta", "private", true).await;
    let attempts = [
        (ana.patch("/api/v1/me", json!({"name": "Ana\r\nBcc: all@example.com"})).await, "name"),
        (ana.patch("/api/v1/me", json!({"title": "Boss\nof all"})).await, "title"),
        (ana.patch("/api/v1/me", json!({"department": "Sales\u{7}"})).await, "department"),
        (admin.post("/api/v1/users", json!({"email": "x@example.com", "name": "X\rY", "password": PASSWORD, "kind": "employee"})).await, "name"),
        (ana.post("/api/v1/groups", json!({"name": "Lab\nSecret", "description": "", "visibility": "public", "allow_guests": false})).await, "name"),
        (ana.patch(&format!("/api/v1/groups/{group}"), json!({"name": "Beta\t2"})).await, "name"),
        (ana.post(&format!("/api/v1/groups/{group}/invitations"), json!({"email": "c@customer.example", "name": "Cara\nX"})).await, "name"),
    ];
    for ((status, body), field) in attempts {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (status, me) = ana.patch("/api/v1/me", json!({"bio": "two\nlines"})).await;
    assert_eq!(status, StatusCode::OK, "a bio is text, not a name: {me}");
}

on_both_backends!(names_are_one_line_of_text);
