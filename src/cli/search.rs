//! `agora reindex` and `agora search check`.

use super::build;
use crate::config::Config;

/// Rebuilds the search index beside the one in use and swaps it in.
pub fn reindex(config: Config) -> Result<(), String> {
    let threads = config.search.reindex_threads;
    let app = build(config)?;
    let rebuilt =
        crate::search::maintenance::reindex(&app.db, &app.search, threads).map_err(|e| e.detail)?;
    println!(
        "search index rebuilt: {} posts and {} people, groups and tags in {:.1} s; now in use",
        rebuilt.posts, rebuilt.others, rebuilt.seconds
    );
    Ok(())
}

/// Compares the index with the database; fails on any difference.
pub fn check(config: Config, sample: usize) -> Result<(), String> {
    let app = build(config)?;
    let report =
        crate::search::maintenance::check(&app.db, &app.search, sample).map_err(|e| e.detail)?;
    for line in &report.lines {
        println!("{line}");
    }
    match report.differences {
        0 => Ok(()),
        n => Err(format!(
            "the search index differs from the database in {n} ways; `agora reindex` rebuilds it"
        )),
    }
}
