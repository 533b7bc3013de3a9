//! Who a verified single sign-on identity becomes in Agora, and what a checked logout token
//! ends, on both databases. The protocol itself (the provider, its tokens and forgeries) is
//! exercised against a real OpenID provider in the browser tests (`tests/browser/tests/sso`).

use agora::accounts::directory::DirectoryProfile;
use agora::accounts::sessions::Origin;
use agora::config::Config;
use agora::db::Db;
use agora::error::ErrorCode;
use agora::sso::logout::{self, LogoutOrder};
use agora::sso::people::{self, Claimed};
use agora::sso::{Identity, Sso};
use reqwest::StatusCode;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

const ISSUER: &str = "https://login.example.com";

fn sso(extra: &[(&str, &str)]) -> Sso {
    let mut vars: Vec<(String, String)> = vec![
        ("AGORA_OIDC__ISSUER_URL".into(), ISSUER.into()),
        ("AGORA_OIDC__CLIENT_ID".into(), "agora".into()),
        ("AGORA_OIDC__CLIENT_SECRET".into(), "secret".into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Sso::from_config(&Config::load(None, vars).unwrap())
        .unwrap()
        .unwrap()
}

fn identity(subject: &str, sid: &str) -> Identity {
    Identity {
        issuer: ISSUER.into(),
        subject: subject.into(),
        sid: Some(sid.into()),
        id_token: format!("id-token-of-{subject}"),
        claims: serde_json::Map::new(),
    }
}

fn claimed(email: &str, name: &str, title: &str, manager: Option<&str>) -> Claimed {
    Claimed {
        email: Some(email.into()),
        email_verified: Some(true),
        profile: DirectoryProfile {
            name: Some(name.into()),
            title: Some(title.into()),
            department: Some("Engineering".into()),
            manager_email: manager.map(str::to_string),
        },
        groups: Vec::new(),
    }
}

/// Signs `identity` in; the person's id, or the error's code.
fn sign_in(db: &Db, sso: &Sso, identity: &Identity, claimed: &Claimed) -> Result<i64, ErrorCode> {
    db.write(|conn| people::sign_in(conn, sso, identity, claimed, 30, &Origin::default()))
        .map(|(user, _)| user.id.0)
        .map_err(|error| error.code)
}

async fn a_first_sign_in_creates_the_employee_and_later_ones_update_her(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let db = app.db.open();
    let sso = sso(&[]);

    let grace = identity("u-grace", "s1");
    let id = sign_in(
        &db,
        &sso,
        &grace,
        &claimed(
            "Grace@Example.com",
            "Grace Hopper",
            "Admiral",
            Some("ana@example.com"),
        ),
    )
    .unwrap();
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(profile["email"], "grace@example.com");
    assert_eq!(profile["kind"], "employee");
    assert_eq!(profile["title"], "Admiral");
    assert_eq!(profile["department"], "Engineering");
    assert_eq!(profile["manager_id"], ana.id().await, "{profile}");

    // The groups her directory names, that exist, she joins (private ones too); none she leaves.
    let navy = app.group(&admin, "Navy", "private", false).await;
    let in_groups = Claimed {
        groups: vec!["navy".into(), "No such group".into()],
        ..claimed("grace@example.com", "Grace Hopper", "Admiral", None)
    };
    assert_eq!(sign_in(&db, &sso, &grace, &in_groups), Ok(id));
    assert_eq!(
        sign_in(&db, &sso, &grace, &in_groups),
        Ok(id),
        "twice is once"
    );
    let (_, members) = admin.get(&format!("/api/v1/groups/{navy}/members")).await;
    let ids: Vec<&str> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default())
        .collect();
    assert!(ids.contains(&id.to_string().as_str()), "{members}");

    // The subject, not the email, says who she is: a changed address is still her.
    let later = claimed(
        "grace.hopper@example.com",
        "Grace B. Hopper",
        "Commodore\nignored",
        None,
    );
    assert_eq!(sign_in(&db, &sso, &grace, &later), Ok(id));
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(profile["name"], "Grace B. Hopper");
    assert_eq!(profile["title"], "Commodore", "one line of it");
    assert_eq!(profile["manager_id"], ana.id().await, "left as it was");

    // An account an admin made is linked by its email, not made twice. Her manager claim
    // would close a loop (she manages Grace): it is left out, and she still signs in.
    let ana_id: i64 = ana.id().await.parse().unwrap();
    let as_ana = claimed("ana@example.com", "Ana", "Lead", Some("grace@example.com"));
    let ana_identity = identity("u-ana", "s2");
    assert_eq!(sign_in(&db, &sso, &ana_identity, &as_ana), Ok(ana_id));
    let (_, ana_profile) = admin.get(&format!("/api/v1/users/{ana_id}")).await;
    assert_eq!(ana_profile["title"], "Lead");
    assert!(
        ana_profile["manager_id"].is_null(),
        "no loop: {ana_profile}"
    );
    let (_, profile) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(profile["manager_id"], ana_id.to_string());
}

async fn single_sign_on_refuses_guests_the_deactivated_and_the_unknown(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let bob = app.user(&admin, "bob", "employee").await;
    let group = app.group(&admin, "Customers", "private", true).await;
    app.guest_in(&admin, "cara", &[&group]).await;
    let db = app.db.open();
    let sso = sso(&[(
        "AGORA_OIDC__ALLOWED_DOMAINS",
        "example.com, customer.example",
    )]);

    let cara = claimed("cara@customer.example", "Cara", "", None);
    assert_eq!(
        sign_in(&db, &sso, &identity("u-cara", "s"), &cara),
        Err(ErrorCode::SsoRefused)
    );

    let bob_id = bob.id().await;
    let (status, _) = admin.delete(&format!("/api/v1/users/{bob_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let as_bob = claimed("bob@example.com", "Bob", "", None);
    assert_eq!(
        sign_in(&db, &sso, &identity("u-bob", "s"), &as_bob),
        Err(ErrorCode::SsoRefused)
    );

    let elsewhere = claimed("eve@elsewhere.test", "Eve", "", None);
    assert_eq!(
        sign_in(&db, &sso, &identity("u-eve", "s"), &elsewhere),
        Err(ErrorCode::SsoRefused)
    );
    let unverified = Claimed {
        email_verified: Some(false),
        ..claimed("dan@example.com", "Dan", "", None)
    };
    assert_eq!(
        sign_in(&db, &sso, &identity("u-dan", "s"), &unverified),
        Err(ErrorCode::SsoRefused)
    );
    let no_email = Claimed {
        email: None,
        ..claimed("x@example.com", "X", "", None)
    };
    assert_eq!(
        sign_in(&db, &sso, &identity("u-x", "s"), &no_email),
        Err(ErrorCode::SsoRefused)
    );

    // Only people SCIM provisioned: nobody new is made, an employee an admin made waits for
    // SCIM, and admins keep their way in.
    let provisioned = sso_only_provisioned();
    let new = claimed("finn@example.com", "Finn", "", None);
    assert_eq!(
        sign_in(&db, &provisioned, &identity("u-finn", "s"), &new),
        Err(ErrorCode::SsoRefused)
    );
    let (_, people) = admin.get("/api/v1/users?q=finn").await;
    assert_eq!(
        people["items"].as_array().map(Vec::len),
        Some(0),
        "{people}"
    );
    app.user(&admin, "finn", "employee").await;
    assert_eq!(
        sign_in(&db, &provisioned, &identity("u-finn", "s"), &new),
        Err(ErrorCode::SsoRefused)
    );
    let admin_id: i64 = admin.id().await.parse().unwrap();
    let as_admin = claimed("admin@example.com", "Ada", "", None);
    assert_eq!(
        sign_in(&db, &provisioned, &identity("u-ada", "s"), &as_admin),
        Ok(admin_id)
    );
    let scim = crate::scim::client(&app, &admin).await;
    let (_, found) = scim
        .send(
            "GET",
            "/Users?filter=userName%20eq%20%22finn%40example.com%22",
            None,
        )
        .await;
    let finn = found["Resources"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = scim
        .send(
            "PUT",
            &format!("/Users/{finn}"),
            Some(serde_json::json!({"userName": "finn@example.com", "displayName": "Finn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(sign_in(&db, &provisioned, &identity("u-finn", "s"), &new).is_ok());
}

fn sso_only_provisioned() -> Sso {
    sso(&[("AGORA_OIDC__PROVISIONED_ONLY", "true")])
}

async fn a_logout_token_ends_the_sessions_it_names_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let db = app.db.open();
    let sso = sso(&[]);
    let grace = claimed("grace@example.com", "Grace", "", None);
    let in_browser = identity("u-grace", "browser");
    let id = sign_in(&db, &sso, &in_browser, &grace).unwrap();
    sign_in(&db, &sso, &identity("u-grace", "laptop"), &grace).unwrap();
    let open_sessions = || {
        db.read(|conn| agora::accounts::sessions::credentials_of(conn, agora::ids::UserId(id)))
            .unwrap()
            .0
            .len()
    };
    assert_eq!(open_sessions(), 2);
    let order = |jti: &str, sid: Option<&str>, subject: Option<&str>| LogoutOrder {
        jti: jti.into(),
        sid: sid.map(str::to_string),
        subject: subject.map(str::to_string),
        issued_at: chrono::Utc::now().naive_utc(),
    };
    let carry_out = |order: &LogoutOrder| {
        db.write(|conn| logout::carry_out(conn, ISSUER, order, &Origin::default()))
    };

    // A provider session of someone else's subject ends nothing of hers.
    assert_eq!(
        carry_out(&order("j0", Some("browser"), Some("u-other"))).unwrap(),
        0
    );
    assert_eq!(
        carry_out(&order("j1", Some("browser"), Some("u-grace"))).unwrap(),
        1
    );
    assert_eq!(open_sessions(), 1);
    let replayed = carry_out(&order("j1", Some("laptop"), Some("u-grace")));
    assert_eq!(
        replayed.unwrap_err().code,
        ErrorCode::SsoFailed,
        "a jti works once"
    );
    assert_eq!(open_sessions(), 1);
    assert_eq!(carry_out(&order("j2", None, Some("u-grace"))).unwrap(), 1);
    assert_eq!(open_sessions(), 0);
}

on_both_backends!(
    a_first_sign_in_creates_the_employee_and_later_ones_update_her,
    single_sign_on_refuses_guests_the_deactivated_and_the_unknown,
    a_logout_token_ends_the_sessions_it_names_once,
);
