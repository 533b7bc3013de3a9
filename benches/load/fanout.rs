//! Notification fan-out: a post to a group whose members all chose "each post", timed from the
//! post's commit until the notifier (running in the server, as in production) has stored a
//! notification for every member.
//!
//! The members are inserted straight into the database; the post goes through
//! `posts::actions::create_post`, so it commits and wakes the consumers exactly as a request
//! would.

use std::time::{Duration, Instant};

use agora::access::{Principal, Scope, Viewer};
use agora::accounts::UserKind;
use agora::db::schema::{groups, memberships, notifications, users};
use agora::db::{Db, new_id};
use agora::on_backend;
use agora::posts::actions::{NewPost, create_post};
use chrono::Utc;
use diesel::prelude::*;

/// Rows per insert statement: under every backend's limit on bound parameters.
const ROWS_PER_STATEMENT: usize = 500;
/// Longest wait for one fan-out before giving up.
const PATIENCE: Duration = Duration::from_secs(120);

/// The author and the group of the fan-out.
struct Stage {
    author: i64,
    group: i64,
}

/// Seeds a group of `members`, then times `rounds` posts to it.
pub fn run(db: &Db, members: usize, rounds: usize) -> Result<String, String> {
    let started = Instant::now();
    let stage = seed(db, members)?;
    let seeding = started.elapsed();
    let viewer = Viewer::User(Principal::new(
        agora::ids::UserId(stage.author),
        UserKind::Employee,
    ));
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let body = format!("Announcement {round}: the office is closed on Friday.");
        let input = NewPost {
            body,
            group_id: Some(stage.group.to_string()),
            quiet: false,
            employees_only: false,
            question: false,
            poll: None,
            announcement: None,
            attachments: Vec::new(),
            shared_post_id: None,
        };
        let post = db
            .write(|conn| {
                let scope = Scope::resolve(conn, &viewer)?;
                create_post(conn, &scope, &Default::default(), &input)
            })
            .map_err(|e| e.detail)?;
        let committed = Instant::now();
        let key = format!("group_post:post:{}", post.id);
        loop {
            let stored: i64 = db
                .read(|conn| {
                    Ok(notifications::table
                        .filter(notifications::group_key.eq(&key))
                        .count()
                        .get_result(conn)?)
                })
                .map_err(|e| e.detail)?;
            if stored >= members as i64 {
                break;
            }
            if committed.elapsed() > PATIENCE {
                return Err(format!(
                    "only {stored} of {members} notifications after {PATIENCE:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        times.push(committed.elapsed());
    }
    Ok(report(members, seeding, &times))
}

fn report(members: usize, seeding: Duration, times: &[Duration]) -> String {
    let ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let worst = sorted.last().copied().unwrap_or(0.0);
    let each: Vec<String> = ms.iter().map(|m| format!("{m:.0}")).collect();
    format!(
        "notification fan-out: {members} members set to \"each post\" (seeded in {seeding:.1?})\n\
         commit → all {members} notifications stored, per post (ms): {}\n\
         median: {median:.0} ms, worst: {worst:.0} ms (target ≤ 1000 ms)",
        each.join(", ")
    )
}

/// Inserts the author (the group's owner) and `members` employees who all chose "each post".
fn seed(db: &Db, members: usize) -> Result<Stage, String> {
    let now = Utc::now().naive_utc();
    let run = new_id();
    let people: Vec<i64> = (0..=members).map(|_| new_id()).collect();
    let group = new_id();
    let user_rows: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                users::id.eq(*id),
                users::email.eq(format!("fan{run}-{i}@bench.example")),
                users::handle.eq(format!("fan{run}x{i}")),
                users::name.eq(format!("Fan {i}")),
                users::kind.eq("employee"),
                users::password_hash.eq("!"),
                users::created_at.eq(now),
            )
        })
        .collect();
    let membership_rows: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                memberships::group_id.eq(group),
                memberships::user_id.eq(*id),
                memberships::role.eq(if i == 0 { "owner" } else { "member" }),
                memberships::created_at.eq(now),
                memberships::email_frequency.eq(if i == 0 { "digest" } else { "each_post" }),
            )
        })
        .collect();
    db.write(|conn| {
        for chunk in user_rows.chunks(ROWS_PER_STATEMENT) {
            on_backend!(conn, |inner| diesel::insert_into(users::table)
                .values(chunk)
                .execute(inner))?;
        }
        diesel::insert_into(groups::table)
            .values((
                groups::id.eq(group),
                groups::name.eq(format!("Fan-out {run}")),
                groups::name_key.eq(format!("fan-out {run}")),
                groups::visibility.eq("private"),
                groups::member_count.eq(people.len() as i64),
                groups::created_by.eq(people[0]),
                groups::created_at.eq(now),
            ))
            .execute(conn)?;
        for chunk in membership_rows.chunks(ROWS_PER_STATEMENT) {
            on_backend!(conn, |inner| diesel::insert_into(memberships::table)
                .values(chunk)
                .execute(inner))?;
        }
        Ok(())
    })
    .map_err(|e| e.detail)?;
    Ok(Stage {
        author: people[0],
        group,
    })
}
