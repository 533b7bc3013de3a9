//! Migrations on both backends, and the schema they make.

use agora::db::schema::{
    api_tokens, event_cursors, events, guests, invitations, outbox, sessions, users,
};
use diesel::{QueryDsl, RunQueryDsl};

use crate::on_both_backends;
use crate::support::TestDb;

on_both_backends! {
    async fn migrations_apply_to_an_empty_database_and_make_every_column(backend: Backend) {
        let test_db = TestDb::new(backend);
        let db = test_db.open();
        let again = db.read(agora::db::migrations::run_pending).unwrap();
        assert!(again.is_empty(), "a second run applies nothing");
        let mut conn = db.conn().unwrap();
        // Selecting every column of schema.rs fails if the migrations lack one.
        users::table.select(users::all_columns).limit(0).execute(&mut conn).unwrap();
        sessions::table.select(sessions::all_columns).limit(0).execute(&mut conn).unwrap();
        api_tokens::table.select(api_tokens::all_columns).limit(0).execute(&mut conn).unwrap();
        events::table.select(events::all_columns).limit(0).execute(&mut conn).unwrap();
        event_cursors::table.select(event_cursors::all_columns).limit(0).execute(&mut conn).unwrap();
        guests::table.select(guests::all_columns).limit(0).execute(&mut conn).unwrap();
        invitations::table.select(invitations::all_columns).limit(0).execute(&mut conn).unwrap();
        outbox::table.select(outbox::all_columns).limit(0).execute(&mut conn).unwrap();
    }
}

#[test]
fn every_migration_exists_for_both_backends() {
    let list = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    let sqlite = list("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, list("postgres"));
}

#[test]
fn a_typo_in_the_database_url_is_refused_not_turned_into_a_new_file() {
    assert!(agora::db::Backend::of_url("sqlite:/tmp/x.db").is_err());
    assert!(agora::db::Backend::of_url("postgress://localhost/agora").is_err());
    assert_eq!(
        agora::db::Backend::of_url("postgresql://h/d"),
        Ok(agora::db::Backend::Postgres)
    );
}
