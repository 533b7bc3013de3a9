//! Seeds a realistic network straight into the database: users, groups of mixed visibility,
//! tags, a year of posts with Zipf-distributed authors and tags, comments, likes and follows.

use std::collections::HashSet;
use std::time::Instant;

use agora::db::schema::{
    comments, groups, memberships, post_likes, post_tags, posts, tag_follows, tags, user_follows,
    users,
};
use agora::db::{Db, DbConnection, write_transaction};
use agora::on_backend;
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::words::{Mix, Prose};

/// Departments the seeded users work in.
pub const DEPARTMENTS: usize = 20;

/// How big a network to make.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct Size {
    pub users: usize,
    pub groups: usize,
    pub tags: usize,
    pub posts: usize,
    pub comments: usize,
    pub likes: usize,
    pub follows_per_user: usize,
    pub tag_follows_per_user: usize,
    pub groups_per_user: usize,
    /// Post bodies carry words of the search vocabulary (`words`), for search mode.
    pub prose: bool,
}

impl Size {
    /// The full size times `scale`.
    pub fn scaled(scale: f64) -> Size {
        let n = |full: f64| ((full * scale).round() as usize).max(1);
        Size {
            users: n(10_000.0),
            groups: n(500.0),
            tags: 5_000,
            posts: n(1_000_000.0),
            comments: n(2_000_000.0),
            likes: n(5_000_000.0),
            follows_per_user: 50,
            tag_follows_per_user: 20,
            groups_per_user: 10,
            prose: false,
        }
    }
}

/// What the driver needs to know of the seeded network.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Seeded {
    pub user_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    pub public_groups: Vec<i64>,
    /// Posts in the company feed, which every employee may read.
    pub company_posts: Vec<i64>,
    /// Each user's groups, by user index.
    pub groups_of: Vec<Vec<usize>>,
    pub tag_zipf: Zipf,
    /// Handles and group names, by index.
    pub handles: Vec<String>,
    pub group_names: Vec<String>,
    /// The search query mix, when the bodies carry prose.
    pub mix: Option<Mix>,
}

/// Draws ranks 0..n with probability ∝ 1/(rank+1)^s.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cdf = (0..n)
            .map(|k| {
                total += 1.0 / ((k + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        Zipf {
            cdf: cdf.into_iter().map(|c| c / total).collect(),
        }
    }

    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        let x: f64 = rng.r#gen();
        self.cdf.partition_point(|c| *c < x).min(self.cdf.len() - 1)
    }
}

const ROWS_PER_STATEMENT: usize = 1_000;
const ROWS_PER_TRANSACTION: usize = 50_000;

/// Inserts `rows` in multi-row statements, many per transaction.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for block in $rows.chunks(ROWS_PER_TRANSACTION) {
            write_transaction($conn, |conn| {
                for chunk in block.chunks(ROWS_PER_STATEMENT) {
                    on_backend!(conn, |inner| diesel::insert_into($table)
                        .values(chunk)
                        .execute(inner))?;
                }
                Ok(())
            })
            .map_err(|e| format!("{e}"))?;
        }
    }};
}

fn handle(i: usize) -> String {
    format!("user{i}")
}

fn group_name(i: usize) -> String {
    format!("Group {i}")
}

fn time_of(ms: u64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .naive_utc()
}

/// Leaves the database as a running one would be after bulk writes: statistics gathered for
/// the planner (and, on PostgreSQL, the visibility map set, so feeds can use index-only scans;
/// on SQLite, the log folded into the database file).
pub fn settle(conn: &mut DbConnection) -> Result<(), String> {
    match conn {
        DbConnection::Postgres(inner) => diesel::sql_query("VACUUM ANALYZE")
            .execute(inner)
            .map(|_| ()),
        DbConnection::Sqlite(inner) => diesel::connection::SimpleConnection::batch_execute(
            inner,
            "PRAGMA synchronous = FULL; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
        ),
    }
    .map_err(|e| e.to_string())
}

/// Fills an empty, migrated database.
pub fn seed(db: &Db, size: Size) -> Result<Seeded, String> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let conn: &mut DbConnection = &mut conn;
    if let DbConnection::Sqlite(inner) = conn {
        // Loading is repeatable from scratch, so it need not survive a power cut.
        diesel::connection::SimpleConnection::batch_execute(inner, "PRAGMA synchronous = OFF")
            .map_err(|e| e.to_string())?;
    }
    let now_ms = chrono::Utc::now().timestamp_millis() as u64;
    let year_ms = 365 * 24 * 3600 * 1000u64;
    let start_ms = now_ms - year_ms;
    let password = agora::accounts::passwords::hash("bench-password").map_err(|e| e.detail)?;

    let user_ids: Vec<i64> = (0..size.users)
        .map(|i| agora::db::ids::id_at(start_ms - 10_000_000 + i as u64, 1))
        .collect();
    let user_rows: Vec<_> = user_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                users::id.eq(*id),
                users::email.eq(format!("user{i}@bench.example")),
                users::handle.eq(handle(i)),
                users::name.eq(format!("User {i}")),
                users::kind.eq(if i == 0 { "admin" } else { "employee" }),
                // Twenty departments of equal size: what "same department" and "trending in
                // Engineering" read.
                users::department.eq(format!("Department {}", i % DEPARTMENTS)),
                users::password_hash.eq(password.clone()),
                users::created_at.eq(time_of(start_ms)),
            )
        })
        .collect();
    insert_all!(conn, users::table, user_rows);

    let group_ids: Vec<i64> = (0..size.groups)
        .map(|i| agora::db::ids::id_at(start_ms - 5_000_000 + i as u64, 2))
        .collect();
    let visibility = |i: usize| match i % 10 {
        0..=5 => "public",
        6..=8 => "private",
        _ => "secret",
    };
    let group_rows: Vec<_> = group_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                groups::id.eq(*id),
                groups::name.eq(group_name(i)),
                groups::name_key.eq(format!("group {i}")),
                groups::visibility.eq(visibility(i)),
                groups::created_by.eq(user_ids[i % size.users]),
                groups::created_at.eq(time_of(start_ms)),
            )
        })
        .collect();
    insert_all!(conn, groups::table, group_rows);
    let public_groups = group_ids
        .iter()
        .enumerate()
        .filter(|(i, _)| visibility(*i) == "public")
        .map(|(_, id)| *id)
        .collect();

    let group_zipf = Zipf::new(size.groups, 0.8);
    let mut groups_of: Vec<Vec<usize>> = Vec::with_capacity(size.users);
    let mut membership_rows = Vec::new();
    for (u, user) in user_ids.iter().enumerate() {
        let mut mine = HashSet::new();
        while mine.len() < size.groups_per_user.min(size.groups) {
            mine.insert(group_zipf.sample(&mut rng));
        }
        let mine: Vec<usize> = mine.into_iter().collect();
        for g in &mine {
            membership_rows.push((
                memberships::group_id.eq(group_ids[*g]),
                memberships::user_id.eq(*user),
                memberships::role.eq(if u % size.groups == *g {
                    "owner"
                } else {
                    "member"
                }),
                memberships::created_at.eq(time_of(start_ms)),
            ));
        }
        groups_of.push(mine);
    }
    insert_all!(conn, memberships::table, membership_rows);
    diesel::sql_query("UPDATE groups SET member_count = (SELECT count(*) FROM memberships m WHERE m.group_id = groups.id)")
        .execute(conn)
        .map_err(|e| e.to_string())?;

    let tag_ids: Vec<i64> = (0..size.tags)
        .map(|i| agora::db::ids::id_at(start_ms - 2_000_000 + i as u64, 3))
        .collect();
    let tag_rows: Vec<_> = tag_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                tags::id.eq(*id),
                tags::name.eq(format!("tag{i}")),
                tags::created_at.eq(time_of(start_ms)),
            )
        })
        .collect();
    insert_all!(conn, tags::table, tag_rows);
    eprintln!("  people, groups, tags: {:.1?}", started.elapsed());

    // Engagement first, so each post row carries exact counts.
    let post_step = year_ms / size.posts as u64;
    let post_ids: Vec<i64> = (0..size.posts)
        .map(|i| agora::db::ids::id_at(start_ms + i as u64 * post_step, 0))
        .collect();
    let mut comment_count = vec![0i64; size.posts];
    let mut like_count = vec![0i64; size.posts];
    let mut comment_rows = Vec::with_capacity(size.comments);
    for c in 0..size.comments {
        let p = rng.gen_range(0..size.posts);
        comment_count[p] += 1;
        let id = agora::db::ids::id_at(start_ms + c as u64 * (year_ms / size.comments as u64), 4);
        comment_rows.push((
            comments::id.eq(id),
            comments::post_id.eq(post_ids[p]),
            comments::author_id.eq(user_ids[rng.gen_range(0..size.users)]),
            comments::body.eq("Nice, thanks for sharing!"),
            comments::html.eq("<p>Nice, thanks for sharing!</p>"),
            comments::created_at.eq(time_of(start_ms + p as u64 * post_step + 60_000)),
        ));
    }
    let mut likes = HashSet::with_capacity(size.likes);
    while likes.len() < size.likes {
        likes.insert((rng.gen_range(0..size.posts), rng.gen_range(0..size.users)));
    }

    let author_zipf = Zipf::new(size.users, 1.0);
    let tag_zipf = Zipf::new(size.tags, 1.0);
    let mut post_rows = Vec::with_capacity(size.posts);
    let mut company_posts = Vec::new();
    let mut post_tag_rows = Vec::new();
    let mut prose = size.prose.then(|| Prose::new(size.groups, size.users));
    for (p, id) in post_ids.iter().enumerate() {
        let author = author_zipf.sample(&mut rng);
        let group_index = if rng.gen_bool(0.5) || groups_of[author].is_empty() {
            None
        } else {
            Some(groups_of[author][rng.gen_range(0..groups_of[author].len())])
        };
        let group = group_index.map(|g| group_ids[g]);
        let mut post_tags_here = HashSet::new();
        for _ in 0..rng.gen_range(0..=3) {
            post_tags_here.insert(tag_zipf.sample(&mut rng));
        }
        if group.is_none() {
            company_posts.push(*id);
        }
        let mut words: Vec<String> = post_tags_here.iter().map(|t| format!("#tag{t}")).collect();
        if let Some(prose) = prose.as_mut() {
            words.insert(0, prose.sentence(&mut rng, group_index, author));
        }
        let created = time_of(start_ms + p as u64 * post_step);
        let active = match comment_count[p] {
            0 => created,
            _ => time_of(start_ms + p as u64 * post_step + 60_000),
        };
        for t in &post_tags_here {
            post_tag_rows.push((
                post_tags::tag_id.eq(tag_ids[*t]),
                post_tags::post_id.eq(*id),
                post_tags::comment_id.eq(0i64),
                post_tags::group_id.eq(group),
                post_tags::created_at.eq(created),
            ));
        }
        post_rows.push((
            posts::id.eq(*id),
            posts::author_id.eq(user_ids[author]),
            posts::group_id.eq(group),
            posts::body.eq(format!(
                "Update number {p} on the project {}",
                words.join(" ")
            )),
            posts::html.eq(format!(
                "<p>Update number {p} on the project {}</p>",
                words.join(" ")
            )),
            posts::comment_count.eq(comment_count[p]),
            posts::like_count.eq(0i64),
            posts::created_at.eq(created),
            // Its comments come a minute after it (see the comment rows).
            posts::activity_at.eq(active),
            posts::open_activity_at.eq(active),
        ));
    }
    for (p, _) in &likes {
        like_count[*p] += 1;
    }
    for (row, count) in post_rows.iter_mut().zip(&like_count) {
        row.6 = posts::like_count.eq(*count);
    }
    insert_all!(conn, posts::table, post_rows);
    eprintln!("  posts: {:.1?}", started.elapsed());
    insert_all!(conn, post_tags::table, post_tag_rows);
    insert_all!(conn, comments::table, comment_rows);
    eprintln!("  comments: {:.1?}", started.elapsed());
    let like_rows: Vec<_> = likes
        .into_iter()
        .map(|(p, u)| {
            (
                post_likes::post_id.eq(post_ids[p]),
                post_likes::user_id.eq(user_ids[u]),
                post_likes::created_at.eq(time_of(now_ms)),
            )
        })
        .collect();
    insert_all!(conn, post_likes::table, like_rows);
    eprintln!("  likes: {:.1?}", started.elapsed());

    let mut follow_rows = Vec::new();
    let mut tag_follow_rows = Vec::new();
    for (u, user) in user_ids.iter().enumerate() {
        let mut followed = HashSet::new();
        while followed.len() < size.follows_per_user.min(size.users - 1) {
            let other = author_zipf.sample(&mut rng);
            if other != u {
                followed.insert(other);
            }
        }
        for other in followed {
            follow_rows.push((
                user_follows::follower_id.eq(*user),
                user_follows::followee_id.eq(user_ids[other]),
                user_follows::created_at.eq(time_of(now_ms)),
            ));
        }
        let mut followed_tags = HashSet::new();
        while followed_tags.len() < size.tag_follows_per_user.min(size.tags) {
            followed_tags.insert(tag_zipf.sample(&mut rng));
        }
        for t in followed_tags {
            tag_follow_rows.push((
                tag_follows::user_id.eq(*user),
                tag_follows::tag_id.eq(tag_ids[t]),
                tag_follows::created_at.eq(time_of(now_ms)),
            ));
        }
    }
    insert_all!(conn, user_follows::table, follow_rows);
    insert_all!(conn, tag_follows::table, tag_follow_rows);
    settle(conn)?;
    eprintln!("  follows: {:.1?}", started.elapsed());
    Ok(Seeded {
        mix: prose.map(|p| p.mix(|g| visibility(g) == "public")),
        handles: (0..size.users).map(handle).collect(),
        group_names: (0..size.groups).map(group_name).collect(),
        user_ids,
        group_ids,
        public_groups,
        company_posts,
        groups_of,
        tag_zipf,
    })
}
