//! The limits on a fetch: redirects, size, time and requests in flight per host.

use std::time::{Duration, Instant};

use agora::outbound::{HTML_LIMIT, OutboundSettings, Refused};

use super::{Got, Rig};

#[tokio::test]
async fn three_redirects_are_followed_and_a_fourth_is_refused() {
    let rig = Rig::start().await;
    let arrived = Got {
        url: rig.good("/hops/3/3"),
        status: 200,
        body: "arrived after 3".into(),
    };
    assert_eq!(rig.get(&rig.good("/hops/3/0")).await, Ok(arrived));

    let before = rig.good.requests().len();
    assert_eq!(
        rig.get(&rig.good("/hops/4/0")).await,
        Err(Refused::Redirects)
    );
    // The first request and three redirects; the fourth was never followed.
    assert_eq!(rig.good.requests().len() - before, 4);
}

#[tokio::test]
async fn a_body_past_the_limit_is_abandoned() {
    let rig = Rig::start().await;
    let fetch = |path: &'static str, max_bytes: usize| {
        let (outbound, url) = (rig.outbound.clone(), rig.good(path));
        async move {
            let fetched = outbound.get(&url, "*/*", max_bytes).await?;
            Ok::<_, Refused>(fetched.body.len())
        }
    };
    assert_eq!(fetch("/endless", 64 << 10).await, Err(Refused::TooLarge));
    assert_eq!(
        fetch("/declared-huge", HTML_LIMIT).await,
        Err(Refused::TooLarge)
    );
    // "<title>Hello</title>" is 20 bytes: exactly the limit is fine.
    assert_eq!(fetch("/page", 20).await, Ok(20));
    assert_eq!(fetch("/page", 19).await, Err(Refused::TooLarge));
}

#[tokio::test]
async fn a_server_that_never_answers_or_never_finishes_meets_the_deadline() {
    let rig = Rig::start_with(|s| OutboundSettings {
        timeout: Duration::from_millis(300),
        ..s
    })
    .await;
    for path in ["/silent", "/drip"] {
        let started = Instant::now();
        assert_eq!(
            rig.get(&rig.good(path)).await,
            Err(Refused::Timeout),
            "{path}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{path}");
    }
}

#[tokio::test]
async fn one_host_gets_no_more_requests_at_once_than_allowed() {
    let rig = Rig::start_with(|s| OutboundSettings { per_host: 1, ..s }).await;
    let url = rig.good("/slow");
    let (a, b, c) = tokio::join!(rig.get(&url), rig.get(&url), rig.get(&url));
    for got in [a, b, c] {
        assert_eq!(got.unwrap().body, "slow");
    }
    // Each answer takes 100 ms; without the limit the three would overlap.
    assert_eq!(rig.good.most_in_flight(), 1);
    assert_eq!(rig.good.requests().len(), 3);
}
