//! Search mode's report: Markdown tables of indexing, the query mix (tantivy beside PostgreSQL
//! full-text search when the database is PostgreSQL), typeahead and freshness.

use std::fmt::Write;
use std::time::Duration;

use crate::drive::Stats;
use crate::search::{FRESHNESS_RATE, PREFIXES, Results};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const MIB: f64 = 1024.0 * 1024.0;

/// The whole report.
pub fn render(results: &Results<'_>) -> String {
    let mut out = String::new();
    index(&mut out, results);
    mix(&mut out, results);
    searches(&mut out, results);
    let _ = writeln!(
        out,
        "\n### Typeahead, `GET /api/v1/search/suggest?q=` ({} prefixes of 2–4 letters: {})\n",
        PREFIXES.len(),
        PREFIXES.join(", ")
    );
    let _ = writeln!(out, "{}", header());
    for (clients, stats) in &results.suggest {
        let _ = writeln!(out, "{}", stats.row("suggest", *clients));
    }
    let fresh = &results.freshness;
    let _ = writeln!(
        out,
        "\n### Freshness ({FRESHNESS_RATE} posts/s through the API for {:.0} s, each searched for \
         every 20 ms until found)\n",
        fresh.found.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| posted | post errors | found | not found in 10 s | p50 ms | p99 ms | max ms | searches |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {} |",
        fresh.posted,
        fresh.post_errors,
        fresh.found.latencies.len(),
        fresh.found.errors,
        ms(fresh.found.percentile(0.5)),
        ms(fresh.found.percentile(0.99)),
        ms(fresh.found.latencies.last().copied().unwrap_or_default()),
        fresh.polls
    );
    out
}

fn header() -> &'static str {
    "| operation                  | clients | requests | req/s | p50 ms | p99 ms | max ms | errors |\n\
     |---|---:|---:|---:|---:|---:|---:|---:|"
}

fn index(out: &mut String, results: &Results<'_>) {
    let built = results.built;
    let total = built.posts + built.others;
    let _ = writeln!(
        out,
        "### Indexing\n\n| step | documents | seconds | documents/s | size MiB |\n|---|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| tantivy: full reindex ({} posts with their comments + {} people, groups, tags) | {total} | {:.1} | {:.0} | {:.0} |",
        built.posts,
        built.others,
        built.seconds,
        total as f64 / built.seconds.max(1e-9),
        built.bytes as f64 / MIB
    );
    let [reading, writing, merging] = built.phases;
    let _ = writeln!(
        out,
        "| … of which reading rows and making documents / the writer taking them and the commit / waiting for merges | | {reading:.1} / {writing:.1} / {merging:.1} | | |"
    );
    let _ = writeln!(
        out,
        "| tantivy: server's indexer caught up with the events log | — | {:.2} | — | — |",
        results.caught_up.as_secs_f64()
    );
    if let Some(setup) = &results.setup {
        for (step, took, size) in [
            (
                "PostgreSQL: add a generated tsvector column (rewrites posts)",
                setup.column,
                String::new(),
            ),
            (
                "PostgreSQL: create the GIN index",
                setup.index,
                format!("{:.0}", setup.index_bytes as f64 / MIB),
            ),
            (
                "PostgreSQL: VACUUM ANALYZE posts",
                setup.vacuum,
                String::new(),
            ),
        ] {
            let _ = writeln!(
                out,
                "| {step} | {} | {:.1} | {:.0} | {size} |",
                setup.posts,
                took.as_secs_f64(),
                setup.posts as f64 / took.as_secs_f64().max(1e-9)
            );
        }
    }
}

fn mix(out: &mut String, results: &Results<'_>) {
    let postgres = results.setup.is_some();
    let _ = writeln!(
        out,
        "\n### Query mix\n\n| query | q | results on the first page, tantivy HTTP / in process{} |\n|---|---|---:|",
        if postgres { " / PostgreSQL" } else { "" }
    );
    for (query, hits, direct, rows) in &results.mix {
        let rows = rows.map(|r| format!(" / {r}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | `{}` | {hits} / {direct}{rows} |",
            query.name, query.q
        );
    }
    let _ = writeln!(
        out,
        "\nThe rare word is in {} company posts.",
        results.rare_posts
    );
}

fn searches(out: &mut String, results: &Results<'_>) {
    let _ = writeln!(
        out,
        "\n### Search through HTTP, `GET /api/v1/search?type=posts&q=…` ({} s each)\n",
        results.seconds
    );
    let _ = writeln!(out, "{}", header());
    for m in &results.searches {
        let _ = writeln!(out, "{}", m.http.row(m.query.name, m.clients));
    }
    let _ = writeln!(
        out,
        "\n### Search in process, `agora::search::search` with the viewer's scope resolved \
         beforehand ({} s each)\n",
        results.seconds
    );
    let _ = writeln!(out, "{}", header());
    for m in &results.searches {
        let _ = writeln!(out, "{}", m.direct.row(m.query.name, m.clients));
    }
    if results.setup.is_none() {
        return;
    }
    for (title, pick) in [
        (
            "the ranked ids alone (id, ts_rank)",
            (|pair| &pair.0) as fn(&(Stats, Stats)) -> &Stats,
        ),
        (
            "the page as the API shows it (id, ts_rank, author's name, ts_headline)",
            |pair| &pair.1,
        ),
    ] {
        let _ = writeln!(
            out,
            "\n### PostgreSQL full-text SQL, {title}: one statement with the viewer's groups \
             computed beforehand ({} s each)\n",
            results.seconds
        );
        let _ = writeln!(out, "{}", header());
        for m in &results.searches {
            if let Some(theirs) = &m.postgres {
                let _ = writeln!(out, "{}", pick(theirs).row(m.query.name, m.clients));
            }
        }
    }
    let _ = writeln!(
        out,
        "\n### Tantivy ÷ PostgreSQL (throughput ratio; whether tantivy's p99 is the lower)\n\n\
         | query | clients | in process ÷ ids | p99 lower | in process ÷ page | p99 lower | HTTP ÷ ids | p99 lower | HTTP ÷ page | p99 lower |\n\
         |---|---:|---:|---|---:|---|---:|---|---:|---|"
    );
    for m in &results.searches {
        let Some((ids, page)) = &m.postgres else {
            continue;
        };
        let versus = |ours: &Stats, theirs: &Stats| {
            format!(
                "{:.1}× | {}",
                ours.rate() / theirs.rate().max(1e-9),
                if ours.percentile(0.99) < theirs.percentile(0.99) {
                    "yes"
                } else {
                    "no"
                }
            )
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            m.query.name,
            m.clients,
            versus(&m.direct, ids),
            versus(&m.direct, page),
            versus(&m.http, ids),
            versus(&m.http, page)
        );
    }
}
