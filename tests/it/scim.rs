//! SCIM 2.0 at `/scim/v2`, with requests shaped as Entra ID and Okta send them (from their
//! published provisioning docs), on both databases: the token an admin makes on the admin
//! page, users and groups created, found by filter, paged, patched, replaced and deleted,
//! deactivation ending a session at once, guests never seen, and bad input refused with the
//! RFC's error answer and nothing written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp, hidden_csrf};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM client with a token `admin` made on the admin page.
pub struct Scim {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Scim {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.raw(method, path, body.map(|b| b.to_string()), &[])
            .await
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}/scim/v2{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        if status != StatusCode::NO_CONTENT {
            let media = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(media, "application/scim+json", "{path}");
        }
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// Makes a SCIM token on the admin page as `admin` (an API client of an admin account).
pub async fn client(app: &TestApp, admin: &Client) -> Scim {
    let (_, me) = admin.get("/api/v1/me").await;
    let browser = app.browser_sign_in(me["email"].as_str().unwrap()).await;
    let page = browser.page("/admin/scim").await;
    let response = browser
        .request(reqwest::Method::POST, "/admin/scim")
        .form(&[("csrf", hidden_csrf(&page)), ("name", "Entra ID".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let start = page
        .find("agora_scim_")
        .unwrap_or_else(|| panic!("no new token in {page}"));
    let token: String = page[start..].chars().take_while(|c| *c != '<').collect();
    Scim {
        base: app.base.clone(),
        http: reqwest::Client::new(),
        token,
    }
}

fn error_type(body: &Value) -> &str {
    assert_eq!(
        body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{body}"
    );
    body["scimType"].as_str().unwrap_or("")
}

/// A user as Entra ID creates one.
fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Grace Hopper",
        "title": "Rear Admiral",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
        ENTERPRISE: {"department": "Navy", "employeeNumber": "1906"},
    })
}

async fn an_identity_provider_provisions_finds_updates_and_removes_people(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let scim = client(&app, &admin).await;

    let (status, config) = scim.send("GET", "/ServiceProviderConfig", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["patch"]["supported"], true);
    let (_, types) = scim.send("GET", "/ResourceTypes", None).await;
    assert_eq!(types["totalResults"], 2);
    let (_, schemas) = scim.send("GET", "/Schemas", None).await;
    assert_eq!(schemas["Resources"].as_array().unwrap().len(), 3);

    // Entra ID first looks the person up, then creates her.
    let (status, none) = scim
        .send(
            "GET",
            "/Users?filter=userName+eq+%22grace%40example.com%22",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["totalResults"], 0);
    let (status, grace) = scim
        .send(
            "POST",
            "/Users",
            Some(entra_user("grace@example.com", "e-1")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{grace}");
    let id = grace["id"].as_str().unwrap().to_string();
    assert_eq!(grace["userName"], "grace@example.com");
    assert_eq!(grace["externalId"], "e-1");
    assert_eq!(grace[ENTERPRISE]["department"], "Navy");
    assert_eq!(grace[ENTERPRISE]["employeeNumber"], "1906");
    assert!(grace["meta"]["version"].as_str().unwrap().starts_with("W/"));
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(
        (profile["name"].as_str(), profile["title"].as_str()),
        (Some("Grace Hopper"), Some("Rear Admiral"))
    );
    assert_eq!(profile["kind"], "employee");

    let (status, twice) = scim
        .send(
            "POST",
            "/Users",
            Some(entra_user("GRACE@example.com", "e-2")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_type(&twice), "uniqueness");

    // Okta's shapes: a filter, then a PATCH without a path; a manager by id.
    let (_, okta) = scim
        .send("POST", "/Users", Some(json!({"schemas": [USER], "userName": "ada@example.com", "name": {"givenName": "Ada", "familyName": "Lovelace"}, "emails": [{"value": "ada@example.com", "primary": true}], "active": true})))
        .await;
    let ada = okta["id"].as_str().unwrap().to_string();
    assert_eq!(okta["displayName"], "Ada Lovelace");
    let (status, found) = scim
        .send(
            "GET",
            "/Users?filter=userName%20eq%20%22ada%40example.com%22&count=1&startIndex=1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["Resources"][0]["id"], ada.as_str());
    let manager = json!({"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": ada},
        {"op": "Replace", "path": "title", "value": "Commodore"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "grace.hopper@example.com"},
        {"op": "Replace", "path": "userName", "value": "grace.hopper@example.com"},
    ]});
    let (status, patched) = scim
        .send("PATCH", &format!("/Users/{id}"), Some(manager))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched[ENTERPRISE]["manager"]["value"], ada.as_str());
    assert_eq!(patched["title"], "Commodore");
    assert_eq!(patched["userName"], "grace.hopper@example.com");
    // A manager loop is refused, and nothing of that request is written.
    let looped = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"title": "Countess", format!("{ENTERPRISE}:manager"): {"value": id}}},
    ]});
    let (status, refused) = scim
        .send("PATCH", &format!("/Users/{ada}"), Some(looped))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(error_type(&refused), "invalidValue");
    let (_, ada_now) = scim.send("GET", &format!("/Users/{ada}"), None).await;
    assert_eq!(
        ada_now["title"], "",
        "half of a refused request is not written"
    );

    // Filters, paging and projections.
    for (filter, count) in [
        ("title sw \"Comm\"", 1),
        ("title pr and userName co \"example\"", 1),
        ("userName ew \"example.com\" or title eq \"x\"", 3),
        ("not (userName eq \"ada@example.com\")", 2),
        (&format!("{ENTERPRISE}:department eq \"navy\""), 1),
        ("emails[type eq \"work\" and value co \"hopper\"]", 1),
        ("active ne false", 3),
    ] {
        let path = format!("/Users?filter={}", url_encode(filter));
        let (status, found) = scim.send("GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {found}");
        assert_eq!(found["totalResults"], count, "{filter}: {found}");
    }
    let (_, page) = scim
        .send(
            "GET",
            "/Users?startIndex=2&count=1&attributes=userName",
            None,
        )
        .await;
    assert_eq!(
        (
            page["totalResults"].as_u64(),
            page["startIndex"].as_u64(),
            page["itemsPerPage"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let only = page["Resources"][0].as_object().unwrap();
    assert!(
        only.contains_key("userName") && only.contains_key("id") && !only.contains_key("title"),
        "{only:?}"
    );
    let (_, fewer) = scim
        .send(
            "GET",
            &format!("/Users/{id}?excludedAttributes=emails,{ENTERPRISE}"),
            None,
        )
        .await;
    assert!(
        fewer.get("emails").is_none()
            && fewer.get(ENTERPRISE).is_none()
            && fewer["userName"].is_string()
    );

    // ETags: a stale If-Match is 412.
    let stale = grace["meta"]["version"].as_str().unwrap();
    let (status, _) = scim
        .raw(
            "PUT",
            &format!("/Users/{id}"),
            Some(entra_user("grace.hopper@example.com", "e-1").to_string()),
            &[("if-match", stale)],
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);

    // PUT replaces: what it leaves out is cleared.
    let (status, replaced) = scim
        .send("PUT", &format!("/Users/{id}"), Some(json!({"schemas": [USER], "userName": "grace.hopper@example.com", "displayName": "Grace Hopper"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["title"], "");
    assert!(replaced[ENTERPRISE].get("manager").is_none());

    // DELETE deactivates at once; SCIM sees her no more; a new POST brings her back.
    let (status, _) = scim.send("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = scim.send("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["status"], "404");
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(
        profile["deactivated"], true,
        "content stays attributed to her account"
    );
    let (status, back) = scim
        .send(
            "POST",
            "/Users",
            Some(entra_user("grace.hopper@example.com", "e-1")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{back}");
    assert_eq!(back["id"], id.as_str());
    assert_eq!(back["active"], true);
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn active_false_ends_her_session_within_a_second_and_true_lets_her_back(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let scim = client(&app, &admin).await;
    let bob = app.user(&admin, "bob", "employee").await;
    let bob_id = bob.id().await;
    let browser = app.browser_sign_in("bob@example.com").await;
    browser.page("/").await;

    // Entra ID's shape: a capitalised op and a string boolean.
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let started = std::time::Instant::now();
    let (status, body) = scim
        .send("PATCH", &format!("/Users/{bob_id}"), Some(off))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    let (status, _) = bob.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "her token is dead");
    let response = browser
        .request(reqwest::Method::GET, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "her session is over"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));

    let on =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": true}}]});
    let (_, body) = scim
        .send("PATCH", &format!("/Users/{bob_id}"), Some(on))
        .await;
    assert_eq!(body["active"], true);
    let again = app.sign_in("bob@example.com").await;
    let (status, _) = again.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
}

async fn groups_are_made_and_kept_in_step_with_the_directory(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let scim = client(&app, &admin).await;
    let ana = app.user(&admin, "ana", "employee").await.id().await;
    let bob = app.user(&admin, "bob", "employee").await.id().await;
    let (status, group) = scim
        .send("POST", "/Groups", Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Navy", "externalId": "g-1", "members": [{"value": ana}]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["id"].as_str().unwrap().to_string();
    let (_, shown) = admin.get(&format!("/api/v1/groups/{gid}")).await;
    assert_eq!(shown["visibility"], "private");
    let members = |group: &Value| -> Vec<String> {
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(members(&group).contains(&ana));

    // Okta and Entra ID add and remove members by PATCH.
    let ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": bob}]},
        {"op": "remove", "path": format!("members[value eq \"{ana}\"]")},
    ]});
    let (status, group) = scim
        .send("PATCH", &format!("/Groups/{gid}"), Some(ops))
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let now = members(&group);
    assert!(now.contains(&bob) && !now.contains(&ana), "{group}");
    let (status, renamed) = scim
        .send(
            "PATCH",
            &format!("/Groups/{gid}"),
            Some(json!({"Operations": [{"op": "replace", "value": {"displayName": "Navy Yard"}}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["displayName"], "Navy Yard");
    let (_, found) = scim
        .send(
            "GET",
            "/Groups?filter=displayName%20eq%20%22navy%20yard%22",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1);
    let (status, bad) = scim
        .send("PATCH", &format!("/Groups/{gid}"), Some(json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "123"}]}]})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_type(&bad), "invalidValue");

    // Groups made in Agora are not SCIM's.
    let own = app.group(&admin, "Agora's own", "public", false).await;
    let (status, _) = scim.send("GET", &format!("/Groups/{own}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = scim.send("DELETE", &format!("/Groups/{gid}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, shown) = admin.get(&format!("/api/v1/groups/{gid}")).await;
    assert!(
        shown["archived_at"].is_string() || shown["archived"] == true,
        "{shown}"
    );
}

async fn scim_never_shows_or_touches_a_guest(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let scim = client(&app, &admin).await;
    let group = app.group(&admin, "Customers", "private", true).await;
    let cara = app.guest_in(&admin, "cara", &[&group]).await.id().await;
    let (_, all) = scim.send("GET", "/Users?count=100", None).await;
    assert!(!all.to_string().contains("customer.example"), "{all}");
    for (method, body) in [
        ("GET", None),
        ("PUT", Some(json!({"userName": "cara@customer.example"}))),
        (
            "PATCH",
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
        ),
        ("DELETE", None),
    ] {
        let (status, _) = scim.send(method, &format!("/Users/{cara}"), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
    }
    let (status, taken) = scim
        .send(
            "POST",
            "/Users",
            Some(json!({"userName": "cara@customer.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    let (status, _) = app
        .sign_in("cara@customer.example")
        .await
        .get("/api/v1/me")
        .await;
    assert_eq!(status, StatusCode::OK, "she is untouched");
}

async fn bad_tokens_and_bad_bodies_get_the_rfc_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let scim = client(&app, &admin).await;
    let employee = app.user(&admin, "bob", "employee").await;

    for token in [
        None,
        Some("nonsense".to_string()),
        employee.token.clone(),
        admin.token.clone(),
    ] {
        let mut request = reqwest::Client::new().get(format!("{}/scim/v2/Users", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "a user's token opens no SCIM"
        );
        assert!(response.headers().contains_key("www-authenticate"));
    }

    for (body, scim_type) in [
        ("{not json", "invalidSyntax"),
        ("[1, 2]", "invalidSyntax"),
        (r#"{"userName": 42}"#, "invalidValue"),
        (
            r#"{"userName": "x@example.com", "active": "maybe"}"#,
            "invalidValue",
        ),
        (
            r#"{"userName": "x@example.com", "favouriteColour": "red"}"#,
            "invalidSyntax",
        ),
        (r#"{"userName": "not-an-address"}"#, "invalidValue"),
        (r#"{"displayName": "No user name"}"#, "invalidValue"),
    ] {
        let (status, refused) = scim
            .raw("POST", "/Users", Some(body.to_string()), &[])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        assert_eq!(error_type(&refused), scim_type, "{body}");
        assert_eq!(refused["status"], "400");
    }
    for filter in [
        "userName eq",
        "userName eq \"a\" ; drop table users",
        &"(".repeat(500),
    ] {
        let (status, refused) = scim
            .send(
                "GET",
                &format!("/Users?filter={}", url_encode(filter)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}");
        assert_eq!(error_type(&refused), "invalidFilter");
    }
    let huge = format!("userName eq \"{}\"", "a".repeat(10_000));
    let (status, _) = scim
        .send("GET", &format!("/Users?filter={}", url_encode(&huge)), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, all) = scim.send("GET", "/Users", None).await;
    assert_eq!(all["totalResults"], 2, "nothing half-written: {all}");

    // A revoked token stops working at once.
    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page("/admin/scim").await;
    assert!(page.contains("Entra ID"), "the token is listed by name");
    let action = page
        .find("/admin/scim/")
        .map(|i| page[i..].split('"').next().unwrap().to_string())
        .unwrap();
    let response = browser
        .request(reqwest::Method::POST, &action)
        .form(&[("csrf", hidden_csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, _) = scim.send("GET", "/Users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    an_identity_provider_provisions_finds_updates_and_removes_people,
    active_false_ends_her_session_within_a_second_and_true_lets_her_back,
    groups_are_made_and_kept_in_step_with_the_directory,
    scim_never_shows_or_touches_a_guest,
    bad_tokens_and_bad_bodies_get_the_rfc_answer,
);
