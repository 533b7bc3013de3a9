//! Recommendations mode (`--recommendations`): what the home page's suggestions cost.
//!
//! Two servers on the one seeded database, one with the rail's suggestions switched off
//! (`recommendations.rail = false`, the baseline) and one as shipped, measured in turn in the
//! same run: the HTML home page at 1 and at N clients on each, the suggestions alone through
//! the API, and in process (no HTTP) the suggestions beside the home feed's own query.

use std::fmt::Write as _;

use agora::db::Db;
use agora::feeds::{self, Feed};
use agora::posts::trending::Trending;
use agora::recommendations::{Limits, access};

use crate::drive::{self, Stats};
use crate::seed::Seeded;

/// Measures the baseline server at `off` and the shipped one at `on`; the report as Markdown.
pub fn run(
    db: &Db,
    seeded: &Seeded,
    (off, on): (&str, &str),
    seconds: u64,
    clients: usize,
) -> Result<String, String> {
    let (off_one, off_many, _) = drive::home_page(db, seeded, off, seconds, clients)?;
    let (on_one, on_many, rail) = drive::home_page(db, seeded, on, seconds, clients)?;
    let bare_feed = drive::bare(db, seeded, seconds, |conn, scope| {
        feeds::read(conn, scope, &Feed::Home, None, 20)
    })?;
    // The week's tag counts are kept across requests, as the server keeps them.
    let trending = Trending::default();
    let bare_rail = drive::bare(db, seeded, seconds, |conn, scope| {
        access::recommend(conn, scope, &trending, Limits::RAIL)
    })?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| operation                  | clients | requests | req/s | p50 ms | p99 ms | max ms | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, stats, n) in [
        ("home page, rail off", &off_one, 1),
        ("home page, with the rail", &on_one, 1),
        ("home page, rail off", &off_many, clients),
        ("home page, with the rail", &on_many, clients),
        ("suggestions alone (API)", &rail, clients),
        ("home feed, bare (no HTTP)", &bare_feed, 1),
        ("suggestions, bare (no HTTP)", &bare_rail, 1),
    ] {
        let _ = writeln!(out, "{}", stats.row(name, n));
    }
    let change = |before: &Stats, after: &Stats| {
        100.0 * (after.percentile(0.5).as_secs_f64() / before.percentile(0.5).as_secs_f64() - 1.0)
    };
    let _ = writeln!(
        out,
        "\nhome page p50 with the rail vs. without: {:+.1}% at 1 client, {:+.1}% at {clients}; throughput {:.0} → {:.0} req/s",
        change(&off_one, &on_one),
        change(&off_many, &on_many),
        off_many.rate(),
        on_many.rate()
    );
    Ok(out)
}
