//! `agora backup` of a SQLite instance while it serves, and `agora restore` of that folder into
//! a new data directory: the same answers to the same questions, files included; a damaged
//! backup, a database already in place and PostgreSQL are refused with a clear message.

use std::path::Path;

use crate::network_archive::{answers, assert_same, config_for, fill, start};
use crate::support::{Backend, TestDb};

async fn backup(db: &TestDb, out: &Path) -> Result<agora::portability::BackedUp, String> {
    let (config, out) = (config_for(db), out.to_path_buf());
    tokio::task::spawn_blocking(move || agora::portability::backup(&config, &out))
        .await
        .unwrap()
}

async fn restore(db: &TestDb, from: &Path) -> Result<agora::portability::Restored, String> {
    let (config, from) = (config_for(db), from.to_path_buf());
    tokio::task::spawn_blocking(move || agora::portability::restore(&config, &from))
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_backup_taken_while_serving_restores_to_the_same_network() {
    agora::init_tls();
    let first = start(TestDb::new(Backend::Sqlite)).await;
    let questions = fill(&first).await;
    let before = answers(&first, &questions).await;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup");
    let backed_up = backup(&first.db, &out).await.unwrap();
    assert!(
        backed_up.objects >= 3,
        "the image and its renditions: {backed_up:?}"
    );
    assert!(out.join("agora.db").exists() && out.join("secret.key").exists());
    assert!(!dir.path().join("backup.partial").exists());
    let refused = backup(&first.db, &out).await.unwrap_err();
    assert!(refused.contains("new folder"), "{refused}");
    first.stop().await;

    let second_db = TestDb::new(Backend::Sqlite);
    let restored = restore(&second_db, &out).await.unwrap();
    assert!(restored.posts_indexed >= 3, "{restored:?}");
    let refused = restore(&second_db, &out).await.unwrap_err();
    assert!(refused.contains("exists"), "{refused}");
    let second = start(second_db).await;
    assert_same("restored", &before, &answers(&second, &questions).await);

    // A file changed since the backup is found before anything is written.
    let damaged = dir.path().join("damaged");
    copy_tree(&out, &damaged);
    let blob = walk(&damaged.join("files")).into_iter().next().unwrap();
    std::fs::write(&blob, b"not what was stored").unwrap();
    let third_db = TestDb::new(Backend::Sqlite);
    let refused = restore(&third_db, &damaged).await.unwrap_err();
    assert!(refused.contains("damaged"), "{refused}");
    assert!(!third_db.dir.path().join("agora.db").exists());
    let refused = restore(&third_db, dir.path()).await.unwrap_err();
    assert!(refused.contains("not an Agora backup"), "{refused}");

    if crate::support::postgres_configured() {
        let postgres = TestDb::new(Backend::Postgres);
        let refused = backup(&postgres, &dir.path().join("pg")).await.unwrap_err();
        assert!(refused.contains("pg_dump"), "{refused}");
    }
}

/// Files under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => found.extend(walk(&path)),
            false => found.push(path),
        }
    }
    found
}

fn copy_tree(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}
