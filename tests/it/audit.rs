//! The audit log on both databases: every administrative and security action, done through
//! HTTP (and SCIM, and the single sign-on callback), leaves one entry with its actor, address
//! and user agent; only site admins read the log; nothing changes an entry; retention deletes
//! old entries; the export is JSON Lines.

use std::collections::HashMap;

use agora::db::schema::audit_log;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, Client, PASSWORD, TestApp};

/// The user agent every client of the sweep names itself by.
const AGENT: &str = "audit-sweep/1.0";

/// `client` sending `AGENT` (an API client: a token, no cookies needed).
fn with_agent(mut client: Client) -> Client {
    client.http = reqwest::Client::builder()
        .user_agent(AGENT)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    client
}

/// Every entry of the log, newest first, paged through the API as `admin`.
async fn all_entries(admin: &Client, filter: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut path = format!("/api/v1/admin/audit?limit=100{filter}");
    loop {
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        entries.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/api/v1/admin/audit?limit=100{filter}&cursor={next}"),
            None => return entries,
        }
    }
}

/// The one entry of `action` on `subject` (or the newest of `action` when no subject is given).
fn entry<'a>(entries: &'a [Value], action: &str, subject: Option<&str>) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action && subject.is_none_or(|s| e["subject"] == s))
        .unwrap_or_else(|| panic!("no {action} entry on {subject:?} in {entries:#?}"))
}

/// The newest entry of `action` that `wanted` accepts.
fn find<'a>(entries: &'a [Value], action: &str, wanted: impl Fn(&Value) -> bool) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action && wanted(e))
        .unwrap_or_else(|| panic!("no such {action} entry in {entries:#?}"))
}

/// Asserts `entry` was done by `actor` (none: nobody) from this test's client.
fn by(entry: &Value, actor: Option<&str>) {
    assert_eq!(entry["actor_id"].as_str(), actor, "{entry}");
    assert_eq!(entry["ip"], "127.0.0.1", "{entry}");
    assert_eq!(entry["user_agent"], AGENT, "{entry}");
}

async fn every_listed_action_leaves_an_entry_with_who_and_where(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = with_agent(app.admin().await);
    let admin_id = admin.id().await;
    let ana = with_agent(app.user(&admin, "ana", "employee").await);
    let ana_id = ana.id().await;
    let anonymous = with_agent(app.anonymous());

    // Sign-ins: an unknown address, a wrong password, then the right one; and a sign-out.
    let attempt = |email: &str, password: &str| {
        anonymous.post(
            "/api/v1/auth/token",
            json!({"email": email, "password": password}),
        )
    };
    assert_eq!(
        attempt("nobody@example.com", "whatever it is").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt("ana@example.com", "not her password").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, signed_in) = attempt("ana@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    let second = with_agent(app.client_with_token(signed_in["token"].as_str().unwrap()));
    assert_eq!(
        second.delete("/api/v1/auth/token").await.0,
        StatusCode::NO_CONTENT
    );

    // People: an account made, a profile changed, someone signed out everywhere, deactivated.
    let (status, bob) = admin
        .post("/api/v1/users", json!({"email": "bob@example.com", "name": "Bob", "password": PASSWORD, "kind": "employee"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bob}");
    let bob_id = bob["id"].as_str().unwrap().to_string();
    let (status, _) = admin
        .patch(
            &format!("/api/v1/users/{bob_id}"),
            json!({"title": "Welder"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        admin
            .delete(&format!("/api/v1/users/{ana_id}/sessions"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let ana = with_agent(app.sign_in("ana@example.com").await);

    // A group's settings, and memberships changed by its owner.
    let group = app.group(&ana, "Launch", "public", false).await;
    let (status, _) = ana
        .patch(
            &format!("/api/v1/groups/{group}"),
            json!({"visibility": "private", "allow_guests": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let members = format!("/api/v1/groups/{group}/members");
    for role in ["member", "admin"] {
        let (status, body) = ana
            .post(&members, json!({"user_id": bob_id, "role": role}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        ana.delete(&format!("{members}/{bob_id}")).await.0,
        StatusCode::NO_CONTENT
    );

    // Invitations, and a guest extended and revoked.
    let (status, invited) = ana
        .post(
            &format!("/api/v1/groups/{group}/invitations"),
            json!({"email": "carol@customer.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invitation = invited["id"].as_str().unwrap().to_string();
    let (status, _) = ana
        .post(
            &format!("/api/v1/invitations/{invitation}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ana.delete(&format!("/api/v1/invitations/{invitation}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let guest = app.guest_in(&ana, "dora", &[&group]).await;
    let guest_id = guest.id().await;
    for step in ["extend", "revoke"] {
        let path = format!("/api/v1/admin/guests/{guest_id}/{step}");
        let (status, body) = admin.post(&path, json!({})).await;
        assert!(status.is_success(), "{step}: {status} {body}");
    }
    assert_eq!(
        admin.delete(&format!("/api/v1/users/{bob_id}")).await.0,
        StatusCode::NO_CONTENT
    );

    // Webhooks and bots.
    let (status, hook) = admin
        .post(
            "/api/v1/webhooks",
            json!({"url": "https://hooks.example.com/agora", "event_types": ["post.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let hook = hook["id"].as_str().unwrap().to_string();
    let (status, _) = admin
        .patch(
            &format!("/api/v1/webhooks/{hook}"),
            json!({"description": "Releases"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin
        .post(&format!("/api/v1/webhooks/{hook}/secret"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        admin.delete(&format!("/api/v1/webhooks/{hook}")).await.0,
        StatusCode::NO_CONTENT
    );
    let bot = crate::bots::bot(&admin, "Deploys").await;
    let (status, issued) = admin
        .post(
            &format!("/api/v1/admin/bots/{bot}/tokens"),
            json!({"name": "ci", "read": true, "write": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let bot_token = issued["id"].as_str().unwrap().to_string();
    assert_eq!(
        admin
            .delete(&format!("/api/v1/admin/bots/{bot}/tokens/{bot_token}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/admin/bots/{bot}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, _) = ana
        .post(
            &format!("/api/v1/groups/{group}/hooks"),
            json!({"name": "Alerts"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // What admins run: digests now.
    let (status, _) = admin
        .post("/api/v1/admin/digests/run", json!({"period": "daily"}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let entries = all_entries(&admin, "").await;
    let user = |id: &str| format!("user:{id}");
    let failed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "sign_in.failed")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    by(
        entry(&entries, "sign_in.failed", Some("email:nobody@example.com")),
        None,
    );
    by(
        entry(&entries, "sign_in.failed", Some(&user(&ana_id))),
        Some(&ana_id),
    );
    let succeeded = find(&entries, "sign_in.succeeded", |e| e["user_agent"] == AGENT);
    by(succeeded, Some(&ana_id));
    assert_eq!(
        succeeded["detail"],
        json!({"method": "password", "credential": "token"})
    );
    by(
        find(&entries, "token.created", |e| {
            e["user_agent"] == AGENT && e["actor_id"] == ana_id.as_str()
        }),
        Some(&ana_id),
    );
    by(
        find(&entries, "token.revoked", |e| {
            e["actor_id"] == ana_id.as_str()
        }),
        Some(&ana_id),
    );
    by(
        entry(&entries, "user.created", Some(&user(&bob_id))),
        Some(&admin_id),
    );
    let updated = entry(&entries, "user.updated", Some(&user(&bob_id)));
    by(updated, Some(&admin_id));
    assert_eq!(
        updated["detail"],
        json!({"before": {"title": ""}, "after": {"title": "Welder"}})
    );
    by(
        entry(&entries, "credentials.revoked_all", Some(&user(&ana_id))),
        Some(&admin_id),
    );
    let settings = entry(
        &entries,
        "group.settings_changed",
        Some(&format!("group:{group}")),
    );
    by(settings, Some(&ana_id));
    assert_eq!(
        settings["detail"],
        json!({"before": {"visibility": "public", "allow_guests": false},
               "after": {"visibility": "private", "allow_guests": true}})
    );
    let added = find(&entries, "membership.added", |e| {
        e["detail"]["member"] == bob_id.as_str()
    });
    assert_eq!(added["subject"], format!("group:{group}"));
    by(added, Some(&ana_id));
    assert_eq!(added["detail"], json!({"member": bob_id, "role": "member"}));
    let promoted = entry(&entries, "membership.role_changed", None);
    assert_eq!(promoted["detail"]["after"]["role"], "admin");
    by(promoted, Some(&ana_id));
    by(entry(&entries, "membership.removed", None), Some(&ana_id));
    let invitation_subject = format!("invitation:{invitation}");
    for action in [
        "invitation.sent",
        "invitation.resent",
        "invitation.cancelled",
    ] {
        by(
            entry(&entries, action, Some(&invitation_subject)),
            Some(&ana_id),
        );
    }
    by(
        entry(&entries, "guest.extended", Some(&user(&guest_id))),
        Some(&admin_id),
    );
    by(
        entry(&entries, "guest.revoked", Some(&user(&guest_id))),
        Some(&admin_id),
    );
    by(
        entry(&entries, "user.deactivated", Some(&user(&guest_id))),
        Some(&admin_id),
    );
    by(
        entry(&entries, "user.deactivated", Some(&user(&bob_id))),
        Some(&admin_id),
    );
    let webhook = format!("webhook:{hook}");
    for action in [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ] {
        by(entry(&entries, action, Some(&webhook)), Some(&admin_id));
    }
    let created = entry(&entries, "webhook.created", Some(&webhook));
    assert_eq!(created["detail"]["host"], "hooks.example.com");
    assert!(
        !created.to_string().contains("/agora"),
        "the address stays out: {created}"
    );
    by(
        entry(&entries, "bot.created", Some(&user(&bot))),
        Some(&admin_id),
    );
    let bot_issued = entry(
        &entries,
        "token.created",
        Some(&format!("token:{bot_token}")),
    );
    by(bot_issued, Some(&admin_id));
    assert_eq!(bot_issued["detail"]["user"], bot.as_str());
    by(
        entry(
            &entries,
            "token.revoked",
            Some(&format!("token:{bot_token}")),
        ),
        Some(&admin_id),
    );
    by(
        entry(&entries, "user.deactivated", Some(&user(&bot))),
        Some(&admin_id),
    );
    by(entry(&entries, "bot_hook.created", None), Some(&ana_id));
    by(entry(&entries, "digests.run", None), Some(&admin_id));
    assert!(
        !entries.iter().any(|e| e.to_string().contains(PASSWORD)),
        "no password is ever kept"
    );

    // Filters: by action and by actor.
    let only = all_entries(&admin, "&action=membership.added").await;
    assert!(only.iter().all(|e| e["action"] == "membership.added") && !only.is_empty());
    let theirs = all_entries(&admin, "&actor=@ana").await;
    assert!(theirs.iter().all(|e| e["actor_id"] == ana_id.as_str()) && !theirs.is_empty());
    let (status, _) = admin.get("/api/v1/admin/audit?action=no.such").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn scim_operations_and_their_token_are_recorded(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let admin_id = admin.id().await;
    let scim = crate::scim::client(&app, &admin).await;
    let (status, made) = scim
        .send(
            "POST",
            "/Users",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "grace@example.com",
                "name": {"formatted": "Grace Hopper"},
                "emails": [{"primary": true, "value": "grace@example.com"}],
                "active": true,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    let (status, _) = scim.send("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, group) = scim
        .send(
            "POST",
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Compilers",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");

    let entries = all_entries(&admin, "").await;
    let subject = format!("user:{id}");
    for action in ["scim.user_created", "scim.user_deleted", "user.deactivated"] {
        let found = entry(&entries, action, Some(&subject));
        assert_eq!(found["actor_id"], admin_id.as_str(), "{found}");
        assert_eq!(found["ip"], "127.0.0.1");
    }
    let group_made = entry(&entries, "scim.group_created", None);
    assert_eq!(group_made["detail"]["name"], "Compilers");
    assert_eq!(
        entry(&entries, "scim_token.created", None)["actor_id"],
        admin_id.as_str()
    );
}

async fn a_refused_single_sign_on_is_recorded_without_anyone(backend: Backend) {
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_OIDC__ISSUER_URL", "https://login.example.com"),
            ("AGORA_OIDC__CLIENT_ID", "agora"),
            ("AGORA_OIDC__CLIENT_SECRET", "secret"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let browser = with_agent(app.anonymous());
    let (status, _, _) = browser
        .fetch("/sso/callback?error=access_denied&error_description=not+today")
        .await;
    assert!(status.is_client_error(), "{status}");
    let entries = all_entries(&admin, "&action=sign_in.failed").await;
    let refused = entry(&entries, "sign_in.failed", None);
    by(refused, None);
    assert_eq!(
        refused["detail"],
        json!({"method": "sso", "reason": "sso_failed"})
    );
}

async fn only_site_admins_read_the_log_and_nobody_changes_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let group = app.group(&ana, "Customers", "private", true).await;
    let guest = app.guest_in(&ana, "erin", &[&group]).await;
    // As on every admin page: 403 for the signed-in, the sign-in page for the anonymous.
    for (who, status, page_status) in [
        (&ana, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (&guest, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (
            &app.anonymous(),
            StatusCode::UNAUTHORIZED,
            StatusCode::SEE_OTHER,
        ),
    ] {
        let (got, body) = who.get("/api/v1/admin/audit").await;
        assert_eq!(got, status, "{body}");
        assert!(!body.to_string().contains("sign_in"), "{body}");
        let (got, _, bytes) = who.fetch("/admin/audit.jsonl").await;
        assert_eq!(got, page_status);
        assert!(!String::from_utf8_lossy(&bytes).contains("sign_in"));
        let (got, _) = who.get("/api/v1/admin/audit/export").await;
        assert_eq!(got, status);
    }
    let browser = app.browser_sign_in("ana@example.com").await;
    let (status, _, _) = browser.fetch("/admin/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin_browser = app.browser_sign_in("admin@example.com").await;
    let page = admin_browser.page("/admin/audit").await;
    assert!(page.contains("sign_in.succeeded"), "{page}");
    assert!(
        admin_browser
            .page("/admin/users")
            .await
            .contains("href=\"/admin/audit\"")
    );

    // The API offers nothing but reading it.
    let (_, document) = admin.get("/api/v1/openapi.json").await;
    let paths = document["paths"].as_object().unwrap();
    let audit_paths: Vec<(&String, &Value)> = paths
        .iter()
        .filter(|(path, _)| path.contains("audit"))
        .collect();
    assert_eq!(audit_paths.len(), 2, "{audit_paths:?}");
    for (path, item) in audit_paths {
        let methods: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(methods, ["get"], "{path}");
    }
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let response = admin
            .request(method.clone(), "/api/v1/admin/audit")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{method}: {}",
            response.status()
        );
    }

    // And the database refuses to change or drop a fresh entry, whoever asks.
    let db = app.db.open();
    let before = all_entries(&admin, "").await;
    let changed = db.write(|conn| {
        Ok(diesel::update(audit_log::table)
            .set(audit_log::action.eq("nothing.happened"))
            .execute(conn)?)
    });
    assert!(changed.is_err(), "an UPDATE went through");
    let dropped = db.write(|conn| Ok(diesel::delete(audit_log::table).execute(conn)?));
    assert!(dropped.is_err(), "a DELETE of fresh entries went through");
    let after = all_entries(&admin, "").await;
    let actions = |entries: &[Value]| entries.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(actions(&before), actions(&after));
}

async fn retention_removes_old_entries_and_the_export_is_json_lines(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    app.user(&admin, "ana", "employee").await;
    let db = app.db.open();
    let old = chrono::Utc::now().naive_utc() - chrono::Duration::days(400);
    db.write(|conn| {
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::id.eq(1),
                audit_log::at.eq(old),
                audit_log::actor_id.eq(None::<i64>),
                audit_log::action.eq("sign_in.failed"),
                audit_log::subject.eq("email:long@ago.example"),
                audit_log::ip.eq("192.0.2.1"),
                audit_log::user_agent.eq("old"),
                audit_log::detail.eq("{}"),
            ))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
    let recent = all_entries(&admin, "").await.len();
    let removed = db
        .write(|conn| agora::audit::retention::purge(conn, 365))
        .unwrap();
    assert_eq!(removed, 1);
    let kept = all_entries(&admin, "").await;
    assert_eq!(kept.len(), recent - 1);
    assert!(
        !kept
            .iter()
            .any(|e| e["subject"] == "email:long@ago.example")
    );
    assert_eq!(
        db.write(|conn| agora::audit::retention::purge(conn, 0))
            .unwrap(),
        0
    );

    let (status, headers, bytes) = admin.fetch("/admin/audit.jsonl?action=user.created").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().all(|l| l["action"] == "user.created"));
    let (status, _, bytes) = admin.fetch("/api/v1/admin/audit/export").await;
    assert_eq!(status, StatusCode::OK);
    let every: Vec<Value> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let counts: HashMap<String, usize> = every.iter().fold(HashMap::new(), |mut counts, e| {
        *counts
            .entry(e["action"].as_str().unwrap().to_string())
            .or_default() += 1;
        counts
    });
    assert_eq!(counts.get("audit.exported"), Some(&1), "{counts:?}");
    let exported = entry(&all_entries(&admin, "").await, "audit.exported", None).clone();
    assert_eq!(exported["detail"]["entries"], every.len());
}

/// Asks for a token for `email` with a wrong password, as forwarded by a proxy with
/// `X-Forwarded-For: forwarded` (none: straight from the client); the status.
async fn fail_sign_in(client: &Client, email: &str, forwarded: Option<&str>) -> StatusCode {
    let mut request = client
        .request(reqwest::Method::POST, "/api/v1/auth/token")
        .json(&json!({"email": email, "password": "not the password"}));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    request.send().await.unwrap().status()
}

async fn behind_a_trusted_proxy_the_forwarded_client_is_recorded_counted_and_kept_out_of_metrics(
    backend: Backend,
) {
    let app = TestApp::start_with(
        backend,
        &[
            ("AGORA_HTTP__TRUSTED_PROXIES", "127.0.0.1, ::1"),
            ("AGORA_AUTH__MAX_FAILURES_PER_IP", "2"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let outside = app.anonymous();
    // The client wrote a loopback address itself; the proxy appended the address it saw.
    let spoofed = Some("127.0.0.1, 203.0.113.7");
    for n in 0..2 {
        let email = format!("nobody-{n}@example.com");
        let status = fail_sign_in(&outside, &email, spoofed).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let entries = all_entries(&admin, "&action=sign_in.failed").await;
    let failed = entry(
        &entries,
        "sign_in.failed",
        Some("email:nobody-0@example.com"),
    );
    assert_eq!(failed["ip"], "203.0.113.7", "{failed}");
    // Per-address limits count each client behind the proxy apart.
    let limited = fail_sign_in(&outside, "nobody-2@example.com", spoofed).await;
    let other = fail_sign_in(&outside, "nobody-3@example.com", Some("198.51.100.9")).await;
    assert_eq!(
        (limited, other),
        (StatusCode::TOO_MANY_REQUESTS, StatusCode::UNAUTHORIZED)
    );
    // An outside client through a proxy on this machine is not a local one.
    let metrics = |forwarded: Option<&'static str>| {
        let mut request = outside.request(reqwest::Method::GET, "/metrics");
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(metrics(spoofed).await, StatusCode::FORBIDDEN);
    assert_eq!(metrics(None).await, StatusCode::OK);

    // Without trusted proxies, the header is the client's own words, and ignored.
    let direct = TestApp::start(backend).await;
    let admin = direct.admin().await;
    let status = fail_sign_in(&direct.anonymous(), "nobody@example.com", spoofed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let entries = all_entries(&admin, "&action=sign_in.failed").await;
    assert_eq!(entry(&entries, "sign_in.failed", None)["ip"], "127.0.0.1");
}

on_both_backends!(
    behind_a_trusted_proxy_the_forwarded_client_is_recorded_counted_and_kept_out_of_metrics,
    every_listed_action_leaves_an_entry_with_who_and_where,
    scim_operations_and_their_token_are_recorded,
    a_refused_single_sign_on_is_recorded_without_anyone,
    only_site_admins_read_the_log_and_nobody_changes_it,
    retention_removes_old_entries_and_the_export_is_json_lines,
);
