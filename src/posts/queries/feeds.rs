//! The ranges a merged feed is read from: a tag's posts, and the newest posts of each member
//! (a group, a person, a tag) in one statement per backend.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::post_tags;
use crate::error::Result;
use crate::ids::{GroupId, PostId, UserId};

/// Newest first, ids of posts in the company feed (when `company`) or in one of `groups` whose
/// body carries `tag_id`, older than `before`: one range of the `(tag_id, post_id)` key.
pub(in crate::posts) fn tagged_post_ids(
    conn: &mut DbConnection,
    tag_id: i64,
    groups: &[GroupId],
    company: bool,
    before: Option<PostId>,
    limit: i64,
) -> Result<Vec<PostId>> {
    let in_groups = one_of(post_tags::group_id.assume_not_null(), groups);
    let mut query = post_tags::table
        .filter(post_tags::tag_id.eq(tag_id))
        .filter(post_tags::comment_id.eq(0))
        .order(post_tags::post_id.desc())
        .limit(limit)
        .select(post_tags::post_id)
        .into_boxed();
    query = if company {
        query.filter(post_tags::group_id.is_null().or(in_groups))
    } else {
        query.filter(in_groups)
    };
    if let Some(before) = before {
        query = query.filter(post_tags::post_id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// One ranged source of a merged feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Member {
    /// A person's posts.
    Author(UserId),
    /// A group's posts.
    Group(GroupId),
    /// Posts whose body carries a tag.
    Tag(i64),
}

/// A candidate of a merged feed: a post id, its group, and which member it came from (its
/// position among the members asked).
#[derive(Debug, QueryableByName)]
pub(in crate::posts) struct Candidate {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: PostId,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub group_id: Option<GroupId>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub member: i64,
}

/// The newest `limit` posts of each member older than `before` (and newer than `after`, for
/// a digest's window), in one statement of one index range per member, so the cost follows the
/// number of members, not how much each has posted. Visibility is left to the caller.
///
/// The two backends get their own form of the same statement. SQLite gets a `UNION ALL` of one
/// branch per member (only integers are spliced in). PostgreSQL would plan such a statement
/// anew for every viewer, which costs more than running it, so it gets one fixed text over
/// arrays ([`Ranges`]), prepared once per connection.
pub(in crate::posts) fn newest_per_member(
    conn: &mut DbConnection,
    members: &[Member],
    before: Option<PostId>,
    after: Option<PostId>,
    limit: i64,
) -> Result<Vec<Candidate>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        DbConnection::Postgres(inner) => {
            newest_per_member_postgres(inner, members, (before, after), limit)
        }
        DbConnection::Sqlite(_) => {
            let mut found = Vec::new();
            for (n, chunk) in members.chunks(SQLITE_BRANCHES).enumerate() {
                let sql = union_of_ranges(chunk, n * SQLITE_BRANCHES, (before, after), limit);
                found.extend(diesel::sql_query(sql).load::<Candidate>(conn)?);
            }
            Ok(found)
        }
    }
}

/// PostgreSQL's form: one fixed text over arrays, `unnest(…) CROSS JOIN LATERAL (… LIMIT n)`,
/// one branch per kind of member. Its rows number their members `3 × place + kind`, the place
/// 1-based in the kind's array; [`newest_per_member`] turns that into the member's position.
///
/// It is a statement of its own type rather than a `sql_query`, so that it is prepared once per
/// connection and its plan kept: a `sql_query` is parsed and planned anew on every execution,
/// which cost about a sixth of the home feed's time in the database.
#[derive(Debug, diesel::query_builder::QueryId)]
struct Ranges {
    authors: Vec<i64>,
    groups: Vec<i64>,
    tags: Vec<i64>,
    before: i64,
    after: i64,
    limit: i64,
}

impl diesel::query_builder::Query for Ranges {
    type SqlType = (
        diesel::sql_types::BigInt,
        diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        diesel::sql_types::BigInt,
    );
}

impl RunQueryDsl<diesel::PgConnection> for Ranges {}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Ranges {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt};
        // (members, kind, where a member's posts are, the column of their ids)
        let branches = [
            (
                &self.authors,
                "0",
                "posts WHERE author_id = m.mid AND deleted_at IS NULL",
                "id",
            ),
            (
                &self.groups,
                "1",
                "posts WHERE group_id = m.mid AND deleted_at IS NULL",
                "id",
            ),
            (
                &self.tags,
                "2",
                "post_tags WHERE tag_id = m.mid AND comment_id = 0",
                "post_id",
            ),
        ];
        for (n, (members, kind, range, column)) in branches.into_iter().enumerate() {
            if n > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("SELECT c.id, c.group_id, m.n * 3 + ");
            out.push_sql(kind);
            out.push_sql(" FROM unnest(");
            out.push_bind_param::<Array<BigInt>, _>(members)?;
            out.push_sql(") WITH ORDINALITY AS m(mid, n) CROSS JOIN LATERAL (SELECT ");
            out.push_sql(column);
            out.push_sql(" AS id, group_id FROM ");
            out.push_sql(range);
            for (compared, bound) in [(" < ", &self.before), (" > ", &self.after)] {
                out.push_sql(" AND ");
                out.push_sql(column);
                out.push_sql(compared);
                out.push_bind_param::<BigInt, _>(bound)?;
            }
            out.push_sql(" ORDER BY ");
            out.push_sql(column);
            out.push_sql(" DESC LIMIT ");
            out.push_bind_param::<BigInt, _>(&self.limit)?;
            out.push_sql(") c");
        }
        Ok(())
    }
}

fn newest_per_member_postgres(
    conn: &mut diesel::PgConnection,
    members: &[Member],
    (before, after): (Option<PostId>, Option<PostId>),
    limit: i64,
) -> Result<Vec<Candidate>> {
    // The statement binds plain arrays of numbers, one per kind; `positions` maps each kind's
    // entries back to their places in `members`.
    let mut ids: [Vec<i64>; 3] = Default::default();
    let mut positions: [Vec<usize>; 3] = Default::default();
    for (position, member) in members.iter().enumerate() {
        let (kind, id) = match member {
            Member::Author(id) => (0, id.0),
            Member::Group(id) => (1, id.0),
            Member::Tag(id) => (2, *id),
        };
        ids[kind].push(id);
        positions[kind].push(position);
    }
    let [authors, groups, tags] = ids;
    let ranges = Ranges {
        authors,
        groups,
        tags,
        before: before.unwrap_or(PostId(i64::MAX)).0,
        after: after.unwrap_or(PostId(0)).0,
        limit,
    };
    let rows: Vec<(PostId, Option<GroupId>, i64)> = ranges.load(conn)?;
    rows.into_iter()
        .map(|(id, group_id, number)| {
            // `3 × (1-based place in its kind's array) + kind`.
            let kind = usize::try_from(number % 3).ok();
            let place = usize::try_from(number / 3 - 1).ok();
            let position = kind
                .zip(place)
                .and_then(|(kind, place)| positions[kind].get(place))
                .ok_or_else(|| crate::error::Error::internal("a merge row of no member"))?;
            Ok(Candidate {
                id,
                group_id,
                member: *position as i64,
            })
        })
        .collect()
}

/// Most `UNION ALL` branches in one SQLite statement: SQLite refuses a compound SELECT of more
/// than 500 terms (`SQLITE_MAX_COMPOUND_SELECT`), so more members take several statements.
const SQLITE_BRANCHES: usize = 200;

/// SQLite's form: one `UNION ALL` branch per member, numbered by position from `first`.
fn union_of_ranges(
    members: &[Member],
    first: usize,
    (before, after): (Option<PostId>, Option<PostId>),
    limit: i64,
) -> String {
    let older = |column: &str| {
        let below = before.map(|b| format!(" AND {column} < {b}"));
        let above = after.map(|a| format!(" AND {column} > {a}"));
        format!("{}{}", below.unwrap_or_default(), above.unwrap_or_default())
    };
    let parts: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(k, member)| {
            let k = first + k;
            let inner = match member {
                Member::Author(id) => format!(
                    "SELECT id, group_id FROM posts WHERE author_id = {id} AND deleted_at IS NULL{} ORDER BY id DESC LIMIT {limit}",
                    older("id")
                ),
                Member::Group(id) => format!(
                    "SELECT id, group_id FROM posts WHERE group_id = {id} AND deleted_at IS NULL{} ORDER BY id DESC LIMIT {limit}",
                    older("id")
                ),
                Member::Tag(id) => format!(
                    "SELECT post_id AS id, group_id FROM post_tags WHERE tag_id = {id} AND comment_id = 0{} ORDER BY post_id DESC LIMIT {limit}",
                    older("post_id")
                ),
            };
            format!("SELECT m{k}.id, m{k}.group_id, CAST({k} AS BIGINT) AS member FROM ({inner}) AS m{k}")
        })
        .collect();
    parts.join(" UNION ALL ")
}
