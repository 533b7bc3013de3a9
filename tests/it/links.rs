//! Links: hygiene on save, links to our pages unfolding per reader, backlinks and shares,
//! each read by a member, an employee outside the group and a guest.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::search::search_until;
use crate::support::{Backend, Client, TestApp};

/// Post `id` as `client` reads it through the API, and its JSON as text.
async fn read_post(client: &Client, id: &str) -> (StatusCode, Value, String) {
    let (status, post) = client.get(&format!("/api/v1/posts/{id}")).await;
    let text = post.to_string();
    (status, post, text)
}

fn ids(items: &Value) -> Vec<&str> {
    items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

/// Who reads in these tests: Ana, who owns a private "Boardroom" and a public "Customers"
/// open to guests; Bob, an employee in neither; Gina, a guest in "Customers".
struct Cast {
    ana: Client,
    bob: Client,
    gina: Client,
    board: String,
    customers: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let board = app.group(&ana, "Boardroom", "private", false).await;
    let customers = app.group(&ana, "Customers", "public", true).await;
    let gina = app.guest_in(&ana, "gina", &[customers.as_str()]).await;
    Cast {
        ana,
        bob,
        gina,
        board,
        customers,
    }
}

async fn tracking_parameters_come_off_and_links_name_their_host(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let id = ana
        .created(
            "/api/v1/posts",
            json!({"body": "read [the plan](https://plans.example/q3?id=4&utm_source=mail&fbclid=x)"}),
        )
        .await;
    // The body keeps what she typed; what is stored and shown of the link is clean.
    let (_, post, _) = read_post(&ana, &id).await;
    assert_eq!(post["links"], json!(["https://plans.example/q3?id=4"]));
    let html = post["html"].as_str().unwrap();
    assert!(!html.contains("utm_source"), "{html}");
    assert!(
        html.contains(r#"<span class="link-host">(plans.example)</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"rel="nofollow noopener noreferrer ugc""#),
        "{html}"
    );
}

async fn links_to_our_pages_unfold_only_for_readers_of_their_target(backend: Backend) {
    let app = TestApp::start(backend).await;
    let Cast {
        ana,
        bob,
        gina,
        board,
        customers,
    } = cast(&app).await;
    let secret = ana
        .created(
            "/api/v1/posts",
            json!({"body": "SECRETCANARY numbers", "group_id": board}),
        )
        .await;
    let staff = ana
        .created(
            "/api/v1/posts",
            json!({"body": "STAFFCANARY margins", "group_id": customers, "employees_only": true}),
        )
        .await;
    let open = ana
        .created(
            "/api/v1/posts",
            json!({"body": "welcome all", "group_id": customers}),
        )
        .await;
    let body = format!(
        "see [this](/posts/{secret}), [that](/groups/{board}), [staff](/posts/{staff}), [open](/posts/{open}) and [bob](/people/{})",
        bob.id().await
    );
    let linking = ana
        .created(
            "/api/v1/posts",
            json!({"body": body, "group_id": customers}),
        )
        .await;

    // The member sees every card.
    let (_, post, _) = read_post(&ana, &linking).await;
    let kinds: Vec<&str> = post["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["post", "group", "post", "post", "person"], "{post}");
    assert!(post.to_string().contains("SECRETCANARY"));

    // An employee outside the board: its post stays a bare link. The group is in the
    // directory every employee reads, so its card shows.
    let (_, post, text) = read_post(&bob, &linking).await;
    assert!(!text.contains("SECRETCANARY"), "{text}");
    assert!(
        text.contains("STAFFCANARY"),
        "employees read staff posts: {text}"
    );
    assert_eq!(post["cards"].as_array().unwrap().len(), 4, "{post}");

    // A guest: nothing of the board, nothing for employees only, and no stranger's card.
    let (status, post, text) = read_post(&gina, &linking).await;
    assert_eq!(status, StatusCode::OK);
    for canary in ["SECRETCANARY", "Boardroom", "STAFFCANARY", "BOB"] {
        assert!(!text.contains(canary), "{canary} reached the guest: {text}");
    }
    let cards = post["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "{post}");
    assert_eq!(cards[0]["url"], format!("/posts/{open}"));
    // The page shows the same.
    let browser = app.browser_sign_in("gina@customer.example").await;
    let page = browser.page(&format!("/posts/{linking}")).await;
    for canary in ["SECRETCANARY", "Boardroom", "STAFFCANARY"] {
        assert!(!page.contains(canary), "{canary} reached the guest's page");
    }
    assert!(page.contains("link-card"));
    // Comments unfold the same way.
    let comment_body = format!("and [this](/posts/{secret}) and [open](/posts/{open})");
    ana.created(
        &format!("/api/v1/posts/{linking}/comments"),
        json!({"body": comment_body}),
    )
    .await;
    let (_, comments) = ana.get(&format!("/api/v1/posts/{linking}/comments")).await;
    assert_eq!(comments["items"][0]["cards"].as_array().unwrap().len(), 2);
    let (_, comments) = gina.get(&format!("/api/v1/posts/{linking}/comments")).await;
    let text = comments.to_string();
    assert!(!text.contains("SECRETCANARY"), "{text}");
    assert_eq!(
        comments["items"][0]["cards"].as_array().unwrap().len(),
        1,
        "{comments}"
    );
}

async fn backlinks_list_only_linking_posts_the_reader_may_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let Cast {
        ana,
        bob,
        gina,
        board,
        customers,
    } = cast(&app).await;
    let target = ana
        .created(
            "/api/v1/posts",
            json!({"body": "the spec", "group_id": customers}),
        )
        .await;
    let link = format!("[spec](/posts/{target})");
    let from_board = ana
        .created("/api/v1/posts", json!({"body": link, "group_id": board}))
        .await;
    let from_company = ana.created("/api/v1/posts", json!({"body": link})).await;
    let from_customers = ana
        .created(
            "/api/v1/posts",
            json!({"body": link, "group_id": customers}),
        )
        .await;
    let with_staff_comment = ana
        .created(
            "/api/v1/posts",
            json!({"body": "a thread", "group_id": customers}),
        )
        .await;
    ana.created(
        &format!("/api/v1/posts/{with_staff_comment}/comments"),
        json!({"body": link, "employees_only": true}),
    )
    .await;
    let path = format!("/api/v1/posts/{target}/backlinks");
    let (_, all) = ana.get(&path).await;
    assert_eq!(
        ids(&all),
        [
            with_staff_comment.as_str(),
            from_customers.as_str(),
            from_company.as_str(),
            from_board.as_str()
        ]
    );
    let (_, outside) = bob.get(&path).await;
    assert_eq!(
        ids(&outside),
        [
            with_staff_comment.as_str(),
            from_customers.as_str(),
            from_company.as_str()
        ]
    );
    let (_, guest) = gina.get(&path).await;
    assert_eq!(ids(&guest), [from_customers.as_str()], "{guest}");
    // Links to a group: listed only to those who see the group; unseen groups are 404.
    let group_link = ana
        .created(
            "/api/v1/posts",
            json!({"body": format!("[b](/groups/{board})")}),
        )
        .await;
    let (_, listed) = ana.get(&format!("/api/v1/groups/{board}/backlinks")).await;
    assert_eq!(ids(&listed), [group_link.as_str()]);
    let (status, _) = gina.get(&format!("/api/v1/groups/{board}/backlinks")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let board_page = app
        .browser_sign_in("ana@example.com")
        .await
        .page(&format!("/groups/{board}"))
        .await;
    assert!(
        board_page.contains("Linked from") && board_page.contains(&format!("/posts/{group_link}"))
    );
    // A tag's page lists the posts linking to it, as the reader may read them.
    let tag_link = ana
        .created(
            "/api/v1/posts",
            json!({"body": "[see](/tags/launch)", "group_id": board}),
        )
        .await;
    let (_, listed) = ana.get("/api/v1/tags/launch/backlinks").await;
    assert_eq!(ids(&listed), [tag_link.as_str()]);
    let (_, listed) = bob.get("/api/v1/tags/launch/backlinks").await;
    assert_eq!(ids(&listed), Vec::<&str>::new());
    let tag_page = app
        .browser_sign_in("ana@example.com")
        .await
        .page("/tags/launch")
        .await;
    assert!(tag_page.contains(&format!("/posts/{tag_link}")));
    // The post page lists them as the API does.
    let page = app
        .browser_sign_in("gina@customer.example")
        .await
        .page(&format!("/posts/{target}"))
        .await;
    assert!(page.contains("Linked from") && page.contains(&format!("/posts/{from_customers}")));
    for hidden in [&from_board, &from_company, &with_staff_comment] {
        assert!(
            !page.contains(&format!("/posts/{hidden}")),
            "{hidden} reached the guest"
        );
    }
    // A post the reader may not read has no backlinks to tell of: 404, like the post.
    let (status, _) = bob
        .get(&format!("/api/v1/posts/{from_board}/backlinks"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An edit that drops the link drops the backlink.
    let (status, _) = ana
        .patch(
            &format!("/api/v1/posts/{from_company}"),
            json!({"body": "no link now"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, outside) = bob.get(&path).await;
    assert_eq!(
        ids(&outside),
        [with_staff_comment.as_str(), from_customers.as_str()]
    );
}

async fn shares_show_the_original_only_to_its_readers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let Cast {
        ana,
        bob,
        gina,
        board,
        customers,
    } = cast(&app).await;
    let secret = ana
        .created(
            "/api/v1/posts",
            json!({"body": "SECRETCANARY plan", "group_id": board}),
        )
        .await;
    let share = ana
        .created(
            "/api/v1/posts",
            json!({"body": "worth a read", "shared_post_id": secret}),
        )
        .await;
    let (_, post, _) = read_post(&ana, &share).await;
    assert_eq!(post["shared"]["available"], true);
    assert_eq!(post["shared"]["post"]["id"], secret.as_str());
    let (_, post, text) = read_post(&bob, &share).await;
    assert_eq!(post["shared"], json!({"available": false, "post": null}));
    assert!(!text.contains("SECRETCANARY"), "{text}");
    let page = app
        .browser_sign_in("bob@example.com")
        .await
        .page(&format!("/posts/{share}"))
        .await;
    assert!(page.contains("This post is not available to you"));
    assert!(!page.contains("SECRETCANARY"));
    // Bob cannot share what he cannot read, and is told nothing more than "no such post".
    let (status, body) = bob
        .post(
            "/api/v1/posts",
            json!({"body": "x", "shared_post_id": secret}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Employees-only content stays out of groups with guests.
    let staff = ana
        .created(
            "/api/v1/posts",
            json!({"body": "STAFFCANARY", "group_id": customers, "employees_only": true}),
        )
        .await;
    let (status, _) = ana
        .post(
            "/api/v1/posts",
            json!({"body": "fyi", "group_id": customers, "shared_post_id": staff}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A guest shares within her groups only.
    let open = ana
        .created(
            "/api/v1/posts",
            json!({"body": "release notes", "group_id": customers}),
        )
        .await;
    let (status, _) = gina
        .post(
            "/api/v1/posts",
            json!({"body": "look", "shared_post_id": open}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let guest_share = gina
        .created(
            "/api/v1/posts",
            json!({"body": "look", "group_id": customers, "shared_post_id": open}),
        )
        .await;
    // A share of a share carries the original.
    let reshare = ana
        .created(
            "/api/v1/posts",
            json!({"body": "again", "shared_post_id": guest_share}),
        )
        .await;
    let (_, post, _) = read_post(&ana, &reshare).await;
    assert_eq!(post["shared"]["post"]["id"], open.as_str());
    // Counts tell each reader only of the shares she may read.
    ana.created(
        "/api/v1/posts",
        json!({"body": "board copy", "group_id": board, "shared_post_id": open}),
    )
    .await;
    let counts = async |client: &Client| read_post(client, &open).await.1["share_count"].clone();
    assert_eq!(counts(&ana).await, 3);
    assert_eq!(counts(&bob).await, 2);
    assert_eq!(counts(&gina).await, 1);
    assert_eq!(
        ana.delete(&format!("/api/v1/posts/{reshare}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(counts(&bob).await, 1);
    // The composer offers the share, and posting it works without script.
    let browser = app.browser_sign_in("bob@example.com").await;
    let compose = browser.page(&format!("/posts/new?share={open}")).await;
    assert!(compose.contains(&format!(r#"name="shared_post_id" value="{open}""#)));
    assert!(compose.contains("release notes"));
}

async fn search_finds_posts_by_their_links_only_where_the_reader_may_read(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let ana = app.user(&admin, "ana", "employee").await;
    let bob = app.user(&admin, "bob", "employee").await;
    let board = app.group(&ana, "Boardroom", "private", false).await;
    let spec = ana
        .created("/api/v1/posts", json!({"body": "the spec"}))
        .await;
    let body = format!("see https://wiki.example/q3?utm_source=x and [spec](/posts/{spec})");
    let open = ana.created("/api/v1/posts", json!({"body": body})).await;
    let hidden = ana
        .created("/api/v1/posts", json!({"body": body, "group_id": board}))
        .await;
    let ids_of = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Tracking parameters never reach the index; the clean link finds both for ana.
    let found = search_until(&ana, "links:https://wiki.example/q3", |items| {
        items.len() == 2
    })
    .await;
    let mut found = ids_of(&found);
    found.sort();
    let mut both = [open.clone(), hidden.clone()];
    both.sort();
    assert_eq!(found, both);
    let found = search_until(&bob, "links:https://wiki.example/q3", |items| {
        !items.is_empty()
    })
    .await;
    assert_eq!(ids_of(&found), [open.as_str()]);
    let found = search_until(&bob, &format!("links:/posts/{spec}"), |items| {
        !items.is_empty()
    })
    .await;
    assert_eq!(ids_of(&found), [open.as_str()]);
    // What a post links to, when the reader may read that post; else nothing.
    let found = search_until(&bob, &format!("linkedfrom:{open}"), |items| {
        !items.is_empty()
    })
    .await;
    assert_eq!(ids_of(&found), [spec.as_str()]);
    let (status, page) = bob
        .get(&format!("/api/v1/search?q=linkedfrom:{hidden}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"], json!([]));
    let (status, _) = bob.get("/api/v1/search?q=linkedfrom:nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(tracking_parameters_come_off_and_links_name_their_host);
on_both_backends!(search_finds_posts_by_their_links_only_where_the_reader_may_read);
on_both_backends!(links_to_our_pages_unfold_only_for_readers_of_their_target);
on_both_backends!(backlinks_list_only_linking_posts_the_reader_may_read);
on_both_backends!(shares_show_the_original_only_to_its_readers);
