//! `--portability URL`: the benchmark data set moved from SQLite to the (empty) PostgreSQL
//! database at URL and back, timing each `agora export` and `agora import`.

use std::path::Path;

use agora::config::Config;

fn config(dir: &Path, url: &str) -> Result<Config, String> {
    let vars = [
        ("AGORA_DATA_DIR".to_string(), dir.display().to_string()),
        ("AGORA_DATABASE_URL".to_string(), url.to_string()),
    ];
    Config::load(None, vars).map_err(|e| e.to_string())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Moves the network of `sqlite_dir` (its `bench.db`) to `postgres_url` and back to a new
/// SQLite file beside it: the report's lines.
pub fn run(sqlite_dir: &Path, postgres_url: &str) -> Result<String, String> {
    let source = config(
        sqlite_dir,
        &format!("sqlite://{}", sqlite_dir.join("bench.db").display()),
    )?;
    let archive = sqlite_dir.join("network.zip");
    let quiet = &mut |_: &str| {};
    let out = agora::portability::export(&source, &archive, quiet)?;
    let mut report = format!(
        "| step | seconds | rows | archive |\n|---|---:|---:|---:|\n\
         | export from SQLite | {:.1} | {} | {:.1} MiB |\n",
        out.seconds,
        out.rows,
        mib(out.bytes)
    );
    let moved = config(&sqlite_dir.join("postgres"), postgres_url)?;
    let into = agora::portability::import(&moved, &archive, quiet)?;
    report += &format!(
        "| import into PostgreSQL (with reindex) | {:.1} | {} | |\n",
        into.seconds, into.rows
    );
    let back_archive = sqlite_dir.join("back.zip");
    let out = agora::portability::export(&moved, &back_archive, quiet)?;
    report += &format!(
        "| export from PostgreSQL | {:.1} | {} | {:.1} MiB |\n",
        out.seconds,
        out.rows,
        mib(out.bytes)
    );
    let back_dir = sqlite_dir.join("back");
    let back = config(
        &back_dir,
        &format!("sqlite://{}", back_dir.join("agora.db").display()),
    )?;
    let into = agora::portability::import(&back, &back_archive, quiet)?;
    report += &format!(
        "| import into SQLite (with reindex) | {:.1} | {} | |\n",
        into.seconds, into.rows
    );
    Ok(report)
}
