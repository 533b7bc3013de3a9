//! Atom feeds and feed tokens: every feed parsed by a real Atom parser, the token refused
//! wherever it should be, and guests and non-members given nothing they may not read.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, Client, TestApp, hidden_csrf};

const PUBLIC_URL: &str = "https://agora.test";

async fn start(backend: Backend) -> TestApp {
    TestApp::start_with(backend, &[("AGORA_PUBLIC_URL", PUBLIC_URL)]).await
}

/// The caller's feed token, from the API.
async fn feed_token(client: &Client) -> String {
    let (status, body) = client.get("/api/v1/me/feed-token").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// Status and body of `path` fetched with `token` and nothing else (a feed reader).
async fn fetch(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .get(format!("{}?token={token}", app.url(path)))
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        let kind = response.headers()["content-type"].to_str().unwrap();
        assert!(kind.starts_with("application/atom+xml"), "{path}: {kind}");
    }
    (status, response.text().await.unwrap())
}

/// `path` parsed as a feed; it must answer 200.
async fn parsed(app: &TestApp, path: &str, token: &str) -> feed_rs::model::Feed {
    let (status, xml) = fetch(app, path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {xml}");
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{xml}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

async fn post(client: &Client, body: &str, group: Option<&str>) -> String {
    let (status, created) = client
        .post("/api/v1/posts", json!({"body": body, "group_id": group}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_string()
}

async fn every_feed_parses_as_atom_with_permalinks_authors_and_html(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let ben = app.user(&admin, "ben", "employee").await;
    let team = app.group(&ana, "Platform Team", "public", false).await;
    assert!(
        ben.post(&format!("/api/v1/groups/{team}/join"), json!({}))
            .await
            .0
            .is_success()
    );
    let first = post(&ana, "Release notes for **today** #launch", None).await;
    let second = post(&ben, "Group kickoff <b>agenda</b> #launch", Some(&team)).await;
    assert_eq!(
        ana.put(&format!("/api/v1/follows/users/{}", ben.id().await))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let token = feed_token(&ana).await;

    let home = parsed(&app, "/feeds/home.atom", &token).await;
    assert_eq!(
        titles(&home),
        [
            "Group kickoff <b>agenda</b> #launch",
            "Release notes for **today** #launch"
        ]
    );
    assert_eq!(home.title.as_ref().unwrap().content, "Home of ANA · Agora");
    let entry = &home.entries[1];
    assert_eq!(entry.id, format!("{PUBLIC_URL}/posts/{first}"));
    assert_eq!(entry.links[0].href, format!("{PUBLIC_URL}/posts/{first}"));
    assert_eq!(entry.authors[0].name.as_deref(), Some("ANA"));
    assert_eq!(
        entry.authors[0].uri.as_deref(),
        Some(format!("{PUBLIC_URL}/people/{}", ana.id().await).as_str())
    );
    assert!(entry.published.is_some() && entry.updated.is_some());
    let content = entry.content.as_ref().unwrap();
    assert_eq!(content.content_type.to_string(), "text/html");
    let html = content.body.as_deref().unwrap();
    assert!(
        html.contains("<strong>today</strong>") && html.contains("/tags/launch"),
        "{html}"
    );
    assert!(
        !home.entries[0]
            .content
            .as_ref()
            .unwrap()
            .body
            .as_deref()
            .unwrap()
            .contains("<b>"),
        "sanitised"
    );
    assert_eq!(
        home.entries[0]
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect::<Vec<_>>(),
        ["launch", &format!("group:{team}")]
    );

    let company = parsed(&app, "/feeds/company.atom", &token).await;
    assert_eq!(company.entries.len(), 2);
    let group = parsed(&app, &format!("/groups/{team}.atom"), &token).await;
    assert_eq!(titles(&group), ["Group kickoff <b>agenda</b> #launch"]);
    assert_eq!(
        group.title.as_ref().unwrap().content,
        "Platform Team · Agora"
    );
    assert_eq!(
        group
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("alternate"))
            .unwrap()
            .href,
        format!("{PUBLIC_URL}/groups/{team}")
    );
    let tag = parsed(&app, "/tags/launch.atom", &token).await;
    assert_eq!(
        tag.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [
            format!("{PUBLIC_URL}/posts/{second}"),
            format!("{PUBLIC_URL}/posts/{first}")
        ]
    );
    assert!(
        parsed(&app, "/tags/nothing.atom", &token)
            .await
            .entries
            .is_empty()
    );
    assert_eq!(
        fetch(&app, "/tags/no%20tag.atom", &token).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, "/groups/x1.atom", &token).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn an_unchanged_feed_answers_304_to_its_etag(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    post(&admin, "first", None).await;
    let token = feed_token(&admin).await;
    let url = format!("{}?token={token}", app.url("/feeds/company.atom"));
    let first = reqwest::get(&url).await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(first.headers().contains_key("last-modified"));
    let again = reqwest::Client::new()
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    post(&admin, "second", None).await;
    let changed = reqwest::Client::new()
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
}

async fn the_feed_token_is_refused_when_wrong_reset_revoked_or_its_owner_deactivated(
    backend: Backend,
) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let token = feed_token(&ana).await;
    assert_eq!(feed_token(&ana).await, token, "the same token until reset");
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", "").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        reqwest::get(app.url("/feeds/home.atom"))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let forged = format!("{}x", &token[..token.len() - 1]);
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &forged).await.0,
        StatusCode::UNAUTHORIZED
    );
    let admins = token.replacen(&ana.id().await, &admin.id().await, 1);
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &admins).await.0,
        StatusCode::UNAUTHORIZED,
        "another user's id"
    );

    let (status, reset) = ana.post("/api/v1/me/feed-token", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = reset["token"].as_str().unwrap().to_string();
    assert_ne!(fresh, token);
    assert_eq!(
        reset["home_url"],
        format!("{PUBLIC_URL}/feeds/home.atom?token={fresh}")
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &token).await.0,
        StatusCode::UNAUTHORIZED,
        "reset"
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &fresh).await.0,
        StatusCode::OK
    );

    assert_eq!(
        ana.delete("/api/v1/me/feed-token").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &fresh).await.0,
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
    let after = feed_token(&ana).await;
    assert!(
        after != fresh && after != token,
        "a revoked token never comes back"
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &after).await.0,
        StatusCode::OK
    );

    assert_eq!(
        admin
            .delete(&format!("/api/v1/users/{}", ana.id().await))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &after).await.0,
        StatusCode::UNAUTHORIZED,
        "deactivated"
    );
}

async fn a_feed_token_is_no_api_credential_and_no_other_credential_opens_a_feed(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    app.user(&admin, "ana", "employee").await;
    let token = feed_token(&admin).await;
    let (status, _) = app.client_with_token(&token).get("/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a feed token is not a bearer token"
    );
    let pat = admin.token.clone().unwrap();
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &pat).await.0,
        StatusCode::UNAUTHORIZED,
        "a PAT is not a feed token"
    );
    let (status, _) = admin.get("/feeds/home.atom").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a bearer header opens no feed"
    );
    let browser = app.browser_sign_in("ana@example.com").await;
    let response = browser
        .request(reqwest::Method::GET, "/feeds/home.atom")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a session cookie opens no feed"
    );
    let signing_in = app.anonymous();
    let page = signing_in.page("/sign-in").await;
    let signed_in = signing_in
        .http
        .post(app.url("/sign-in"))
        .form(&[
            ("email", "ana@example.com"),
            ("password", crate::support::PASSWORD),
            ("csrf", &hidden_csrf(&page)),
        ])
        .send()
        .await
        .unwrap();
    let jwt = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("agora_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &jwt).await.0,
        StatusCode::UNAUTHORIZED,
        "a session JWT is not a feed token"
    );
}

async fn a_guest_feeds_hold_only_her_groups_and_no_canary(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let public = app.group(&olga, "Everyone", "public", false).await;
    let secret = app.group(&olga, "Board", "secret", false).await;
    let shared = post(&olga, "beta news #release", Some(&beta)).await;
    post(&olga, "canarycompany plans #release", None).await;
    post(&olga, "canarypublic plans #release", Some(&public)).await;
    post(&olga, "canarysecret plans #release", Some(&secret)).await;
    let (status, _) = olga
        .post(
            &format!("/api/v1/posts/{shared}/comments"),
            json!({"body": "canarystaff margins", "employees_only": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let cara = app.guest_in(&olga, "cara", &[&beta]).await;
    let token = feed_token(&cara).await;
    let (_, addresses) = cara.get("/api/v1/me/feed-token").await;
    assert_eq!(addresses["company_url"], serde_json::Value::Null);

    let home = parsed(&app, "/feeds/home.atom", &token).await;
    assert_eq!(titles(&home), ["beta news #release"]);
    let tag = parsed(&app, "/tags/release.atom", &token).await;
    assert_eq!(titles(&tag), ["beta news #release"]);
    assert_eq!(
        titles(&parsed(&app, &format!("/groups/{beta}.atom"), &token).await),
        ["beta news #release"]
    );
    let mut answers = Vec::new();
    for (path, expected) in [
        ("/feeds/home.atom".to_string(), StatusCode::OK),
        ("/tags/release.atom".to_string(), StatusCode::OK),
        (format!("/groups/{beta}.atom"), StatusCode::OK),
        ("/feeds/company.atom".to_string(), StatusCode::FORBIDDEN),
        (format!("/groups/{public}.atom"), StatusCode::NOT_FOUND),
        (format!("/groups/{secret}.atom"), StatusCode::NOT_FOUND),
    ] {
        let (status, body) = fetch(&app, &path, &token).await;
        assert_eq!(status, expected, "{path}: {body}");
        answers.push(body);
    }
    for body in answers {
        assert!(!body.contains("canary"), "{body}");
    }
}

async fn a_non_member_gets_404_for_secret_and_private_group_feeds(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ned = app.user(&admin, "ned", "employee").await;
    let secret = app.group(&olga, "Board", "secret", false).await;
    let private = app.group(&olga, "Payroll", "private", false).await;
    post(&olga, "canarysecret #money", Some(&secret)).await;
    post(&olga, "canaryprivate #money", Some(&private)).await;
    let token = feed_token(&ned).await;
    for group in [&secret, &private] {
        let (status, body) = fetch(&app, &format!("/groups/{group}.atom"), &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(!body.contains("canary"), "{body}");
    }
    for path in [
        "/feeds/home.atom",
        "/feeds/company.atom",
        "/tags/money.atom",
    ] {
        let feed = parsed(&app, path, &token).await;
        assert!(feed.entries.is_empty(), "{path}: {:?}", titles(&feed));
    }
    let olgas = feed_token(&olga).await;
    assert_eq!(
        parsed(&app, "/tags/money.atom", &olgas).await.entries.len(),
        2,
        "members read both"
    );
}

async fn a_guest_removed_from_her_last_group_loses_her_feed_token(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let cara = app.guest_in(&olga, "cara", &[&beta]).await;
    let token = feed_token(&cara).await;
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &token).await.0,
        StatusCode::OK
    );
    let (status, _) = olga
        .delete(&format!(
            "/api/v1/groups/{beta}/members/{}",
            cara.id().await
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn pages_link_their_atom_feed_without_a_token(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let team = app.group(&admin, "Team", "public", false).await;
    let me = admin.id().await;
    let browser = app.browser_sign_in("admin@example.com").await;
    for (page, feed) in [
        ("/".to_string(), "/feeds/home.atom".to_string()),
        ("/company".to_string(), "/feeds/company.atom".to_string()),
        (format!("/groups/{team}"), format!("/groups/{team}.atom")),
        ("/tags/launch".to_string(), "/tags/launch.atom".to_string()),
        (format!("/people/{me}"), format!("/people/{me}.atom")),
    ] {
        let html = browser.page(&page).await;
        let link = html
            .lines()
            .find(|l| l.contains("rel=\"alternate\""))
            .unwrap_or_else(|| panic!("{page}: no alternate link"));
        assert!(
            link.contains("type=\"application/atom+xml\"")
                && link.contains(&format!("href=\"{feed}\"")),
            "{page}: {link}"
        );
        assert!(!link.contains("token"), "{link}");
    }
    assert!(
        !browser
            .page("/settings")
            .await
            .contains("application/atom+xml")
    );
}

async fn the_feed_settings_page_makes_resets_and_revokes_working_addresses(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let team = app.group(&admin, "Team Feed", "public", false).await;
    post(&admin, "hello from the team", Some(&team)).await;
    let browser = app.browser_sign_in("admin@example.com").await;
    let page = browser.page("/settings/feeds").await;
    assert!(
        page.contains("no feed token") && !page.contains("token="),
        "no token made by looking"
    );
    let csrf = hidden_csrf(&page);
    let submit = |action: &'static str| {
        browser
            .http
            .post(app.url(action))
            .form(&[("csrf", csrf.as_str())])
            .send()
    };
    assert_eq!(
        submit("/settings/feeds/reset").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let page = browser.page("/settings/feeds").await;
    let url = feed_url(&page, "group");
    assert!(
        url.starts_with(&format!("{PUBLIC_URL}/groups/{team}.atom?token=")),
        "{url}"
    );
    let token = url.split("token=").nth(1).unwrap().to_string();
    let feed = parsed(&app, &format!("/groups/{team}.atom"), &token).await;
    assert_eq!(titles(&feed), ["hello from the team"]);
    assert!(feed_url(&page, "home").ends_with(&format!("/feeds/home.atom?token={token}")));

    assert_eq!(
        submit("/settings/feeds/revoke").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        fetch(&app, "/feeds/home.atom", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(!browser.page("/settings/feeds").await.contains("token="));
    let refused = browser
        .http
        .post(app.url("/settings/feeds/reset"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn a_persons_feed_holds_what_the_reader_may_read_of_hers(backend: Backend) {
    let app = start(backend).await;
    let admin = app.admin().await;
    let olga = app.user(&admin, "olga", "employee").await;
    let ned = app.user(&admin, "ned", "employee").await;
    let olga_id = olga.id().await;
    let beta = app.group(&olga, "Beta", "private", true).await;
    let board = app.group(&olga, "Board", "secret", false).await;
    post(&olga, "beta news", Some(&beta)).await;
    post(&olga, "canarycompany plans", None).await;
    post(&olga, "canarysecret plans", Some(&board)).await;
    let cara = app.guest_in(&olga, "cara", &[&beta]).await;
    let path = format!("/people/{olga_id}.atom");

    let feed = parsed(&app, &path, &feed_token(&olga).await).await;
    assert_eq!(feed.title.unwrap().content, "Posts by OLGA · Agora");
    assert_eq!(feed.entries.len(), 3);
    let neds = parsed(&app, &path, &feed_token(&ned).await).await;
    assert_eq!(
        titles(&neds),
        ["canarycompany plans"],
        "no secret group post to a non-member"
    );
    let caras = fetch(&app, &path, &feed_token(&cara).await).await.1;
    assert_eq!(
        titles(&feed_rs::parser::parse(caras.as_bytes()).unwrap()),
        ["beta news"]
    );
    assert!(!caras.contains("canary"), "{caras}");

    let (_, addresses) = ned.get("/api/v1/me/feed-token").await;
    let template = addresses["person_url_template"].as_str().unwrap();
    assert!(template.ends_with(&format!(
        "/people/{{id}}.atom?token={}",
        addresses["token"].as_str().unwrap()
    )));

    // Someone a guest shares no group with does not exist for her, feed or not.
    let (status, body) = fetch(
        &app,
        &format!("/people/{}.atom", ned.id().await),
        &feed_token(&cara).await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = fetch(&app, "/people/nobody.atom", &feed_token(&ned).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    every_feed_parses_as_atom_with_permalinks_authors_and_html,
    an_unchanged_feed_answers_304_to_its_etag,
    the_feed_token_is_refused_when_wrong_reset_revoked_or_its_owner_deactivated,
    a_feed_token_is_no_api_credential_and_no_other_credential_opens_a_feed,
    a_guest_feeds_hold_only_her_groups_and_no_canary,
    a_non_member_gets_404_for_secret_and_private_group_feeds,
    a_guest_removed_from_her_last_group_loses_her_feed_token,
    pages_link_their_atom_feed_without_a_token,
    the_feed_settings_page_makes_resets_and_revokes_working_addresses,
    a_persons_feed_holds_what_the_reader_may_read_of_hers
);

/// The href of the first feed address of `kind` on the settings page.
fn feed_url(page: &str, kind: &str) -> String {
    let marker = format!("data-feed=\"{kind}\" href=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {kind} feed in {page}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}
