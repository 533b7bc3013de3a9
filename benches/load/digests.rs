//! The digests mode (`--digests`): one weekly digest run over the whole seeded network (every
//! seeded user takes the default weekly digest), in process as `POST /api/v1/admin/digests/run`
//! does it, timed; then the same run again, which must send nothing.

use std::time::Instant;

use agora::db::schema::{digests, outbox, seen_posts};
use agora::signals::digests::{Period, run_period};
use diesel::dsl::sum;
use diesel::prelude::*;

/// Forgets every digest of an earlier run (rows, queued mail, "listed in a digest" marks),
/// so a reused data set is as the seeder left it.
pub fn clear(app: &agora::App) -> Result<(), String> {
    app.db
        .write_quietly(|conn| {
            diesel::delete(digests::table).execute(conn)?;
            diesel::delete(outbox::table).execute(conn)?;
            diesel::delete(seen_posts::table.filter(seen_posts::how.eq("digest"))).execute(conn)?;
            Ok(())
        })
        .map_err(|e| e.detail)
}

/// Runs the weekly digests twice; returns the report.
pub fn run(app: &agora::App) -> Result<String, String> {
    let timed = || {
        let started = Instant::now();
        let report = run_period(
            &app.db,
            &app.config,
            &app.signer,
            Period::Weekly,
            chrono::Utc::now(),
        )
        .map_err(|e| e.detail)?;
        Ok::<_, String>((report, started.elapsed().as_secs_f64()))
    };
    let (first, first_secs) = timed()?;
    let (second, second_secs) = timed()?;
    let (recorded, listed, more, queued, marked) = app
        .db
        .read(|conn| {
            let recorded: i64 = digests::table.count().get_result(conn)?;
            let (listed, more): (Option<i64>, Option<i64>) = digests::table
                .select((sum(digests::post_count), sum(digests::more_count)))
                .first(conn)?;
            let queued: i64 = outbox::table.count().get_result(conn)?;
            let marked: i64 = seen_posts::table
                .filter(seen_posts::how.eq("digest"))
                .count()
                .get_result(conn)?;
            Ok((
                recorded,
                listed.unwrap_or(0),
                more.unwrap_or(0),
                queued,
                marked,
            ))
        })
        .map_err(|e| e.detail)?;
    let users = first.sent + first.empty;
    let per_user_ms = if users > 0 {
        first_secs * 1000.0 / users as f64
    } else {
        0.0
    };
    let sent = first.sent.max(1) as f64;
    Ok(format!(
        "weekly digest run ({}, batch {}):\n\
         \x20 first run:  {users} users in {first_secs:.1} s ({per_user_ms:.2} ms per user, {:.0} users/s): \
         {} emailed, {} with nothing new\n\
         \x20 second run: {second_secs:.2} s, {} emailed (idempotent per user and period)\n\
         \x20 digests recorded: {recorded}; emails queued: {queued}; posts listed: {listed} \
         ({:.1} per email, {:.1} more left out per email); digest marks: {marked}",
        first.period_key,
        app.config.digests.batch_size,
        users as f64 / first_secs.max(1e-9),
        first.sent,
        first.empty,
        second.sent,
        listed as f64 / sent,
        more as f64 / sent,
    ))
}
