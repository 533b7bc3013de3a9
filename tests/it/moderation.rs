//! Reports and moderation: who may report what, the queue each moderator sees, decisions and
//! who is told what, and hidden content leaving every surface at once while its author still
//! sees it with the reason.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::digests::{mails_to, send_digests, set_digest};
use crate::on_both_backends;
use crate::smtp::{Mood, SmtpServer, text_of};
use crate::stream::Stream;
use crate::support::{Backend, Client, TestApp};

/// Any answer to `path` as text, with its status.
async fn text(client: &Client, path: &str) -> (StatusCode, String) {
    let response = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn report(client: &Client, path: &str, reason: &str, note: &str) -> (StatusCode, Value) {
    client
        .post(path, json!({"reason": reason, "note": note}))
        .await
}

/// The ids of the open reports in `client`'s queue.
async fn queue(client: &Client) -> Vec<String> {
    let (status, page) = client.get("/api/v1/reports?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn decide(client: &Client, report: &str, decision: Value) -> (StatusCode, Value) {
    client
        .post(&format!("/api/v1/reports/{report}/decision"), decision)
        .await
}

async fn app_with_mail(backend: Backend, extra: &[(&str, &str)]) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start(Mood::Accepting).await;
    let url = smtp.url();
    let mut env = vec![
        ("AGORA_SMTP_URL", url.as_str()),
        ("AGORA_PUBLIC_URL", "https://agora.test"),
    ];
    env.extend_from_slice(extra);
    let app = TestApp::start_with(backend, &env).await;
    (app, smtp)
}

async fn who_may_report_what_and_whose_queue_holds_it(backend: Backend) {
    let app = TestApp::start_with(backend, &[("AGORA_MODERATION__REPORTS_PER_HOUR", "4")]).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let nora = app.user(&admin, "nora", "employee").await;
    let team = app.group(&olga, "Launch team", "private", true).await;
    for member in [&ana, &ben] {
        let id = member.id().await;
        let (status, body) = olga
            .post(
                &format!("/api/v1/groups/{team}/members"),
                json!({"user_id": id}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let gus = app.guest_in(&olga, "gus", &[&team]).await;
    let post = ben
        .created(
            "/api/v1/posts",
            json!({"body": "launch plan", "group_id": team}),
        )
        .await;
    let staff_comment = ben
        .created(
            &format!("/api/v1/posts/{post}/comments"),
            json!({"body": "staff only", "employees_only": true}),
        )
        .await;
    let company = ben
        .created("/api/v1/posts", json!({"body": "company news"}))
        .await;
    let post_reports = format!("/api/v1/posts/{post}/reports");

    // Reading is the condition: the non-member and the anonymous learn nothing.
    let (status, body) = report(&nora, &post_reports, "spam", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = report(&app.anonymous(), &post_reports, "spam", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A guest never reaches a comment for employees only, not even to report it.
    let (status, _) = report(
        &gus,
        &format!("/api/v1/comments/{staff_comment}/reports"),
        "spam",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input is refused with its field, and nothing is stored.
    let (status, body) = report(&ana, &post_reports, "other", "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["note"].is_array(), "{body}");
    let (status, body) = report(&ana, &post_reports, "boring", "").await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, body) = report(&ana, &post_reports, "spam", &"x".repeat(1001)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = report(&ben, &post_reports, "spam", "").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "cannot_report_own");

    // One open report per person and item; a guest reports in her group.
    let (status, filed) = report(&ana, &post_reports, "confidential", "dates").await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["outcome"], Value::Null);
    let ana_report = filed["id"].as_str().unwrap().to_string();
    let (status, body) = report(&ana, &post_reports, "spam", "").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_reported");
    let (status, filed) = report(&gus, &post_reports, "spam", "").await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let gus_report = filed["id"].as_str().unwrap().to_string();
    let (status, filed) = report(
        &ana,
        &format!("/api/v1/posts/{company}/reports"),
        "harassment",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let company_report = filed["id"].as_str().unwrap().to_string();

    // The queue: the group's owner sees her group's; the site admin the company feed's (she
    // is not in the private group); the reporters, the author and the guest see none.
    let mut owners = queue(&olga).await;
    owners.sort();
    let mut expected = vec![ana_report.clone(), gus_report.clone()];
    expected.sort();
    assert_eq!(owners, expected);
    assert_eq!(queue(&admin).await, vec![company_report.clone()]);
    for client in [&ana, &ben, &nora, &gus] {
        assert!(queue(client).await.is_empty());
    }
    let (_, page) = olga.get("/api/v1/reports").await;
    let entry = &page["items"][0];
    assert_eq!(entry["body"], "launch plan");
    assert_eq!(entry["group_name"], "Launch team");
    // Her own reports list tells the reporter nothing of the others'.
    let (_, mine) = gus.get("/api/v1/me/reports").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["id"], gus_report.as_str());

    // Deciding is for those who moderate where it lives; sanctions for site admins.
    for (client, report) in [
        (&ana, &ana_report),
        (&admin, &ana_report),
        (&olga, &company_report),
    ] {
        let (status, body) = decide(client, report, json!({"action": "dismiss"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (status, body) = decide(
        &olga,
        &ana_report,
        json!({"action": "hide", "sanction": "warn", "message": "no"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = decide(&olga, &ana_report, json!({"action": "hide"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["message"].is_array(), "{body}");
    // Refused decisions changed nothing.
    assert_eq!(queue(&olga).await.len(), 2);
    let (status, _) = app.anonymous().get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = ana.get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(status, StatusCode::OK);

    // Dismissing one decides every open report of the item.
    let (status, decided) = decide(&olga, &gus_report, json!({"action": "dismiss"})).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["outcome"], "dismissed");
    assert!(queue(&olga).await.is_empty());
    let (status, body) = decide(&olga, &ana_report, json!({"action": "delete"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_decided");
    let (_, mine) = ana.get("/api/v1/me/reports").await;
    let outcomes: Vec<&Value> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["outcome"])
        .collect();
    assert_eq!(outcomes, vec![&Value::Null, &json!("dismissed")]);
    // Once decided, the same person may report the item again.
    let (status, _) = report(&ana, &post_reports, "spam", "still").await;
    assert_eq!(status, StatusCode::CREATED);

    // The hourly allowance (4 here: ana has filed 3).
    let second = ben
        .created("/api/v1/posts", json!({"body": "more news"}))
        .await;
    let third = ben
        .created("/api/v1/posts", json!({"body": "even more"}))
        .await;
    let (status, _) = report(&ana, &format!("/api/v1/posts/{second}/reports"), "spam", "").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = report(&ana, &format!("/api/v1/posts/{third}/reports"), "spam", "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "report_limit");
}

on_both_backends!(who_may_report_what_and_whose_queue_holds_it);

/// Whether `client`'s answer to `path` mentions `word`.
async fn shows(client: &Client, path: &str, word: &str) -> bool {
    text(client, path).await.1.contains(word)
}

async fn hidden_content_leaves_every_surface_at_once_and_only_its_author_sees_why(
    backend: Backend,
) {
    let (app, smtp) = app_with_mail(backend, &[]).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let team = app.group(&olga, "Launch", "public", true).await;
    for member in [&ana, &ben] {
        let (status, _) = member
            .post(&format!("/api/v1/groups/{team}/join"), json!({}))
            .await;
        assert!(status.is_success());
    }
    let ana_id = ana.id().await;
    let (_, me) = ana.get("/api/v1/me").await;
    let handle = me["handle"].as_str().unwrap().to_string();
    let post = ben
        .created(
            "/api/v1/posts",
            json!({"body": format!("zebracanary #zebratag for @{handle}"), "group_id": team}),
        )
        .await;
    let olgas = olga
        .created(
            "/api/v1/posts",
            json!({"body": "the plan", "group_id": team}),
        )
        .await;
    let comment = ben
        .created(
            &format!("/api/v1/posts/{olgas}/comments"),
            json!({"body": "okapicanary"}),
        )
        .await;
    set_digest(&ana, "daily").await;
    // Everything is in place: the index and the notifier have caught up.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !shows(&ana, "/api/v1/search?q=okapicanary", &olgas).await
        || !shows(&ana, "/api/v1/search?q=zebracanary", &post).await
        || !shows(&ana, "/api/v1/notifications", &post).await
    {
        assert!(
            std::time::Instant::now() < deadline,
            "never indexed: {} {} {}",
            text(&ana, "/api/v1/search?q=okapicanary").await.1,
            text(&ana, "/api/v1/search?q=zebracanary").await.1,
            text(&ana, "/api/v1/notifications").await.1
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, token) = ana.get("/api/v1/me/feed-token").await;
    let token = token["token"].as_str().unwrap().to_string();
    let surfaces = vec![
        "/api/v1/feeds/home?limit=100".to_string(),
        "/api/v1/feeds/company?limit=100".to_string(),
        format!("/api/v1/groups/{team}/feed"),
        "/api/v1/tags/zebratag/feed".to_string(),
        "/api/v1/tags/trending".to_string(),
        "/api/v1/search?q=zebracanary".to_string(),
        "/api/v1/search/suggest?q=zebrat".to_string(),
        "/api/v1/notifications?limit=100".to_string(),
        format!("/api/v1/posts/{olgas}/comments"),
        format!("/posts/{olgas}"),
        format!("/groups/{team}"),
        "/".to_string(),
        "/notifications".to_string(),
        format!("/feeds/home.atom?token={token}"),
        format!("/groups/{team}.atom?token={token}"),
        format!("/tags/zebratag.atom?token={token}"),
    ];
    let mut before = Vec::new();
    for path in &surfaces {
        let (_, body) = text(&ana, path).await;
        if body.contains("zebracanary") || body.contains("okapicanary") {
            before.push(path.clone());
        }
    }
    assert!(before.len() >= 12, "shown on {before:?}");

    // Ana's live stream is open while the moderator decides.
    let mut stream = Stream::open(&ana, None).await;
    let (status, filed) = report(
        &ana,
        &format!("/api/v1/posts/{post}/reports"),
        "confidential",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let post_report = filed["id"].as_str().unwrap().to_string();
    let (status, filed) = report(
        &ana,
        &format!("/api/v1/comments/{comment}/reports"),
        "spam",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let comment_report = filed["id"].as_str().unwrap().to_string();
    let reason = "Launch dates stay internal until the press release";
    for report in [&post_report, &comment_report] {
        let (status, decided) =
            decide(&olga, report, json!({"action": "hide", "message": reason})).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert_eq!(decided["outcome"], "hidden");
    }
    let frames = stream
        .events_until(|f| f.json()["kind"] == "comment.deleted")
        .await;
    assert!(
        frames
            .iter()
            .any(|f| f.json()["kind"] == "post.deleted" && f.json()["post_id"] == post.as_str()),
        "{frames:?}"
    );

    // Gone for every reader, the moderator and the site admin included, at once: the index
    // is told in the same pass as the live stream.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut leaks = Vec::new();
        for (who, client) in [("ana", &ana), ("olga", &olga), ("admin", &admin)] {
            for path in &surfaces {
                let path = path.replace(&token, "");
                let (_, body) = text(client, &path).await;
                if body.contains("zebracanary") || body.contains("okapicanary") {
                    leaks.push(format!("{who} {path}"));
                }
            }
            // Searches echo their words: what they must not find is the item.
            for (path, id) in [
                ("/api/v1/search?q=okapicanary", &olgas),
                ("/search?q=okapicanary", &olgas),
                ("/search?q=zebracanary", &post),
            ] {
                if shows(client, path, id).await {
                    leaks.push(format!("{who} {path}"));
                }
            }
        }
        if leaks.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still shown: {leaks:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for path in [format!("/api/v1/posts/{post}"), format!("/posts/{post}")] {
        assert_eq!(text(&ana, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = report(&admin, &format!("/api/v1/posts/{post}/reports"), "spam", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The digest has nothing of it either, beside what ana has not read yet.
    olga.created(
        "/api/v1/posts",
        json!({"body": "giraffenews", "group_id": team}),
    )
    .await;
    assert_eq!(send_digests(&admin, "daily").await, 1);

    // The author sees both, with the reason, and nobody else does.
    let (status, page) = text(&ben, &format!("/posts/{post}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("zebracanary") && page.contains(reason),
        "{page}"
    );
    let page = ben.page(&format!("/posts/{olgas}")).await;
    assert!(
        page.contains("okapicanary") && page.contains(reason),
        "{page}"
    );
    let (_, hidden) = ben.get("/api/v1/me/hidden").await;
    let kinds: Vec<&str> = hidden
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["comment", "post"], "{hidden}");
    assert_eq!(hidden[1]["reason"], reason);
    let (_, none) = ana.get("/api/v1/me/hidden").await;
    assert_eq!(none, json!([]));
    assert_eq!(
        text(&olga, &format!("/posts/{post}")).await.0,
        StatusCode::NOT_FOUND
    );

    // Emails: the reporter hears the outcome; the author hears what and why, never who.
    let mails = smtp.wait_for(6).await;
    let digest: Vec<String> = mails_to(&smtp, "ana@example.com")
        .into_iter()
        .filter(|m| m.contains("digest"))
        .map(|m| text_of(&m))
        .collect();
    assert_eq!(digest.len(), 1, "{mails:?}");
    assert!(digest[0].contains("giraffenews"), "{}", digest[0]);
    assert!(!digest[0].contains("zebracanary") && !digest[0].contains("okapicanary"));
    let outcomes: Vec<String> = mails_to(&smtp, "ana@example.com")
        .iter()
        .map(|m| text_of(m))
        .filter(|t| t.contains("Thank you for reporting"))
        .collect();
    assert_eq!(outcomes.len(), 2, "{mails:?}");
    assert!(outcomes.iter().all(|t| t.contains("hid")));
    let to_author: Vec<String> = mails_to(&smtp, "ben@example.com")
        .iter()
        .map(|m| text_of(m))
        .collect();
    assert_eq!(to_author.len(), 2, "{to_author:?}");
    for letter in &to_author {
        assert!(letter.contains(reason), "{letter}");
        assert!(
            !letter.contains("ana") && !letter.contains(&ana_id),
            "{letter}"
        );
    }
    assert!(
        to_author
            .iter()
            .any(|l| l.contains(&format!("https://agora.test/posts/{post}")))
    );
}

on_both_backends!(hidden_content_leaves_every_surface_at_once_and_only_its_author_sees_why);

async fn site_admins_delete_warn_and_suspend_and_every_reporter_is_told(backend: Backend) {
    let (app, smtp) = app_with_mail(backend, &[]).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let cy = app.user(&admin, "cy", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let first = ben
        .created("/api/v1/posts", json!({"body": "rude one"}))
        .await;
    let second = ben
        .created("/api/v1/posts", json!({"body": "rude two"}))
        .await;
    let third = ben
        .created("/api/v1/posts", json!({"body": "fine one"}))
        .await;
    let mut reports = Vec::new();
    for (client, post) in [
        (&ana, &first),
        (&cy, &first),
        (&ana, &second),
        (&cy, &third),
    ] {
        let (status, filed) = report(
            client,
            &format!("/api/v1/posts/{post}/reports"),
            "harassment",
            "",
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{filed}");
        reports.push(filed["id"].as_str().unwrap().to_string());
    }
    // The author deletes the third first: its report closes as removed, untold.
    assert_eq!(
        ben.delete(&format!("/api/v1/posts/{third}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(queue(&admin).await, reports[..3].to_vec());
    let (_, mine) = cy.get("/api/v1/me/reports").await;
    assert_eq!(mine["items"][0]["outcome"], "removed");

    let (status, decided) = decide(
        &admin,
        &reports[1],
        json!({"action": "delete", "sanction": "warn", "message": "Be civil."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["outcome"], "deleted");
    assert_eq!(queue(&admin).await, vec![reports[2].clone()]);
    assert_eq!(
        text(&ana, &format!("/api/v1/posts/{first}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Deleted is not hidden: the author does not keep it.
    assert_eq!(
        text(&ben, &format!("/posts/{first}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ben.get("/api/v1/me").await.0, StatusCode::OK);

    let (status, _) = decide(
        &admin,
        &reports[2],
        json!({"action": "dismiss", "sanction": "suspend", "message": "Repeated harassment."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ben.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    // An administrator is not suspended from a report.
    let (status, filed) = report(
        &ana,
        &format!(
            "/api/v1/posts/{}/reports",
            admin
                .created("/api/v1/posts", json!({"body": "admin post"}))
                .await
        ),
        "other",
        "odd",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = decide(
        &admin,
        filed["id"].as_str().unwrap(),
        json!({"action": "dismiss", "sanction": "suspend", "message": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(admin.get("/api/v1/me").await.0, StatusCode::OK);

    // Both reporters of the first heard it was deleted; ana heard of the second too; ben got
    // the warning and the suspension, naming nobody.
    smtp.wait_for(5).await;
    let told = |email: &str| -> Vec<String> {
        mails_to(&smtp, email).iter().map(|m| text_of(m)).collect()
    };
    let ana_mails = told("ana@example.com");
    assert_eq!(ana_mails.len(), 2, "{ana_mails:?}");
    assert!(ana_mails.iter().any(|t| t.contains("deleted the post")));
    assert!(ana_mails.iter().any(|t| t.contains("left it as it is")));
    assert_eq!(told("cy@example.com").len(), 1);
    // The audit log keeps each decision, and the suspension as a deactivation.
    let (status, log) = admin
        .get("/api/v1/admin/audit?action=report.decided&limit=100")
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let decided: Vec<(&str, &str, &str)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["subject"].as_str().unwrap(),
                e["detail"]["action"].as_str().unwrap(),
                e["detail"]["sanction"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let (first_report, second_report) = (
        format!("report:{}", reports[1]),
        format!("report:{}", reports[2]),
    );
    assert!(
        decided.contains(&(first_report.as_str(), "delete", "warn")),
        "{log}"
    );
    assert!(
        decided.contains(&(second_report.as_str(), "dismiss", "suspend")),
        "{log}"
    );
    let (_, log) = admin
        .get("/api/v1/admin/audit?action=user.deactivated")
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    let ben_mails = told("ben@example.com");
    assert_eq!(ben_mails.len(), 2, "{ben_mails:?}");
    assert!(
        ben_mails
            .iter()
            .any(|t| t.contains("warning") && t.contains("Be civil."))
    );
    assert!(
        ben_mails
            .iter()
            .any(|t| t.contains("suspended") && t.contains("Repeated harassment."))
    );
    for letter in &ben_mails {
        assert!(
            !letter.contains("ana") && !letter.contains("cy@"),
            "{letter}"
        );
    }
}

on_both_backends!(site_admins_delete_warn_and_suspend_and_every_reporter_is_told);

async fn the_report_form_and_the_queue_work_without_script(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ben = app.user(&admin, "ben", "employee").await;
    let post = ben
        .created("/api/v1/posts", json!({"body": "a post"}))
        .await;
    app.user(&admin, "ana", "employee").await;
    let ana = app.browser_sign_in("ana@example.com").await;
    let (status, form) = text(&ana, &format!("/posts/{post}/report")).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let csrf = crate::support::hidden_csrf(&form);
    let response = ana
        .request(reqwest::Method::POST, &format!("/posts/{post}/report"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", ""),
            ("note", ""),
            ("back", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("choose a reason"));
    let response = ana
        .request(reqwest::Method::POST, &format!("/posts/{post}/report"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "spam"),
            ("note", "ads"),
            ("back", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("report-filed") && !page.contains("evil.example"),
        "{page}"
    );
    let queue_page = admin.page("/moderation").await;
    assert!(
        queue_page.contains("a post") && queue_page.contains("ads"),
        "{queue_page}"
    );
    assert!(!ana.page("/moderation").await.contains("a post"));
}

on_both_backends!(the_report_form_and_the_queue_work_without_script);
