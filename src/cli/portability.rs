//! `agora export` and `agora import`: a whole network to one archive and back; `agora backup`
//! and `agora restore`: a SQLite instance to a folder and back.

use std::path::Path;

use crate::config::Config;
use crate::db;
use crate::portability;
use crate::signing::Adopted;

/// Writes the network to `out`.
pub fn export(config: Config, out: &Path) -> Result<(), String> {
    println!("exporting {}", db::redact_url(&config.database_url()));
    let done = portability::export(&config, out, &mut |line| println!("  {line}"))?;
    println!(
        "wrote {}: {} tables, {} rows, {} files, {:.1} MiB in {:.1} s",
        out.display(),
        done.tables,
        done.rows,
        done.objects,
        done.bytes as f64 / (1024.0 * 1024.0),
        done.seconds
    );
    if done.missing_objects > 0 {
        println!(
            "  {} files named by the database were no longer stored (swept since)",
            done.missing_objects
        );
    }
    Ok(())
}

/// Loads the archive at `file` into the empty database of `config`.
pub fn import(config: Config, file: &Path) -> Result<(), String> {
    println!(
        "importing {} into {}",
        file.display(),
        db::redact_url(&config.database_url())
    );
    let done = portability::import(&config, file, &mut |line| println!("  {line}"))?;
    println!(
        "imported {} tables, {} rows and {} files; search index rebuilt ({} posts); {:.1} s",
        done.tables, done.rows, done.objects, done.posts_indexed, done.seconds
    );
    say_key(done.key);
    Ok(())
}

/// Backs up the SQLite instance of `config` into the new folder `out`.
pub fn backup(config: Config, out: &Path) -> Result<(), String> {
    let done = portability::backup(&config, out)?;
    println!(
        "backed up to {}: the database ({:.1} MiB), the signing key and {} files in {:.1} s",
        out.display(),
        done.database_bytes as f64 / (1024.0 * 1024.0),
        done.objects,
        done.seconds
    );
    if done.missing_objects > 0 {
        println!(
            "  {} files named by the database were no longer stored (swept since)",
            done.missing_objects
        );
    }
    Ok(())
}

/// Restores the backup in `dir` as the SQLite instance of `config`.
pub fn restore(config: Config, dir: &Path) -> Result<(), String> {
    let done = portability::restore(&config, dir)?;
    println!(
        "restored {} into {}: {} files; search index rebuilt ({} posts); {:.1} s",
        dir.display(),
        db::redact_url(&config.database_url()),
        done.objects,
        done.posts_indexed,
        done.seconds
    );
    say_key(done.key);
    Ok(())
}

fn say_key(key: Option<Adopted>) {
    match key {
        Some(Adopted::Installed | Adopted::Same) => {
            println!("  the signing key came along: sessions and signed links still work")
        }
        Some(Adopted::Kept) => println!(
            "  this instance keeps its own signing key: people sign in again, and feed and \
             emailed links made before stop working"
        ),
        None => {}
    }
}
