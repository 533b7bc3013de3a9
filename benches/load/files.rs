//! Files mode (`--files`): what attachments cost.
//!
//! - Memory: 8 clients upload a 20 MB file each at once, then a 40 MB file each; the process's
//!   resident memory is sampled throughout and its peak reported over the idle figure (client
//!   bodies are generated as they are sent, so the growth is the server's).
//! - Thumbnails: the time from the first byte of a 12-megapixel JPEG's upload to its answer,
//!   which comes once its renditions are stored; and the renditions alone, in process.
//! - The home feed, on the seeded network as it is (the baseline) and again once 10 % of its
//!   posts carry an image and 2 % a poll with votes, in the same run.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use agora::db::schema::{attachments, blobs, poll_options, poll_votes, polls, posts};
use agora::db::{Db, new_id};
use agora::on_backend;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::drive::{self, Stats};
use crate::seed::Seeded;

/// Concurrent uploads, and the sizes of each: 20 MB, then twice that, to show that memory
/// follows the number of uploads, not their size.
const UPLOADERS: usize = 8;
const UPLOAD_SIZES: [usize; 2] = [20 * 1024 * 1024, 40 * 1024 * 1024];
/// Chunks a client sends its file in.
const CHUNK: usize = 64 * 1024;
/// Uploads of the 12-megapixel photo timed.
const PHOTO_ROUNDS: usize = 5;

/// Runs the three measurements; the report as Markdown.
pub fn run(
    db: &Db,
    seeded: &Seeded,
    base: &str,
    seconds: u64,
    clients: usize,
) -> Result<String, String> {
    let mut out = String::new();
    let token = drive::sign_in(db, seeded)?
        .into_iter()
        .next()
        .ok_or("no user to sign in")?
        .1;
    let runtime = drive::runtime()?;
    let http = drive::client(UPLOADERS)?;
    runtime.block_on(drive::wait_ready(&http, base))?;
    let (idle, _) = resident();
    for bytes in UPLOAD_SIZES {
        let memory = runtime.block_on(upload_memory(&http, base, &token, idle, bytes))?;
        let _ = writeln!(out, "{memory}");
    }
    let photo = runtime.block_on(photo_timings(&http, base, &token))?;
    let _ = writeln!(out, "{photo}");

    let (one_before, many_before) = drive::home_feed(db, seeded, base, seconds, clients)?;
    let decorated = decorate(db, 0.10, 0.02)?;
    let (one_after, many_after) = drive::home_feed(db, seeded, base, seconds, clients)?;
    let _ = writeln!(
        out,
        "\nhome feed before and after {} images and {} polls ({} votes) joined the data set:\n",
        decorated.images, decorated.polls, decorated.votes
    );
    let _ = writeln!(
        out,
        "| operation                  | clients | requests | req/s | p50 ms | p99 ms | max ms | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, stats, n) in [
        ("home feed, baseline", &one_before, 1),
        ("home feed, with files", &one_after, 1),
        ("home feed, baseline", &many_before, clients),
        ("home feed, with files", &many_after, clients),
    ] {
        let _ = writeln!(out, "{}", stats.row(name, n));
    }
    let change = |before: &Stats, after: &Stats| {
        100.0 * (after.percentile(0.5).as_secs_f64() / before.percentile(0.5).as_secs_f64() - 1.0)
    };
    let _ = writeln!(
        out,
        "\nhome feed p50 change with files: {:+.1} % (1 client), {:+.1} % ({clients} clients)",
        change(&one_before, &one_after),
        change(&many_before, &many_after)
    );
    Ok(out)
}

/// Resident memory of this process now, and its peak, in bytes (Linux).
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

const MB: f64 = 1024.0 * 1024.0;

/// Peak resident memory while `UPLOADERS` clients upload `bytes` each, over `idle`.
async fn upload_memory(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    idle: u64,
    bytes: usize,
) -> Result<String, String> {
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(idle));
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(resident().0, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let uploads = (0..UPLOADERS).map(|n| upload_generated(http, base, token, n as u8, bytes));
    let results = futures_util::future::join_all(uploads).await;
    let elapsed = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let failed = results.iter().filter(|r| r.is_err()).count();
    if let Some(Err(error)) = results.into_iter().find(|r| r.is_err()) {
        eprintln!("an upload failed: {error}");
    }
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    Ok(format!(
        "{UPLOADERS} clients uploading {} MB each at once: {:.1} s, {failed} failed; resident memory \
         idle {:.0} MB, peak {:.0} MB: {:+.0} MB for {:.0} MB in flight",
        bytes / (1024 * 1024),
        elapsed.as_secs_f64(),
        idle as f64 / MB,
        peak as f64 / MB,
        (peak as f64 - idle as f64) / MB,
        (UPLOADERS * bytes) as f64 / MB,
    ))
}

/// Uploads `bytes` of pattern `seed`, generated chunk by chunk as they are sent.
async fn upload_generated(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    seed: u8,
    bytes: usize,
) -> Result<(), String> {
    let chunk = bytes::Bytes::from(vec![seed; CHUNK]);
    let chunks = bytes / CHUNK;
    let body = futures_util::stream::iter(
        (0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::wrap_stream(body),
        bytes as u64,
    )
    .file_name(format!("big-{seed}-{bytes}.bin"));
    upload(http, base, token, part).await
}

/// Uploads `part` as the file; an error unless it was kept (201).
async fn upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    part: reqwest::multipart::Part,
) -> Result<(), String> {
    let response = http
        .post(format!("{base}/api/v1/files"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        201 => Ok(()),
        status => Err(format!(
            "{status}: {}",
            response.text().await.unwrap_or_default()
        )),
    }
}

/// A 4000×3000 JPEG of varied content, as a phone takes.
fn twelve_megapixels(seed: u32) -> Result<Vec<u8>, String> {
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let v = x
            .wrapping_mul(7)
            .wrapping_add(y.wrapping_mul(13))
            .wrapping_add(seed);
        image::Rgb([
            (v % 251) as u8,
            ((x ^ y) % 253) as u8,
            ((x * y + seed) % 241) as u8,
        ])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .map_err(|e| e.to_string())?;
    Ok(jpeg)
}

async fn photo_timings(http: &reqwest::Client, base: &str, token: &str) -> Result<String, String> {
    let mut uploads = Vec::new();
    let mut direct = Vec::new();
    for round in 0..PHOTO_ROUNDS {
        // A different photo each round: content stored once would skip nothing, but be fair.
        let jpeg = twelve_megapixels(round as u32)?;
        let path = std::env::temp_dir().join(format!("agora-bench-{round}.jpg"));
        std::fs::write(&path, &jpeg).map_err(|e| e.to_string())?;
        let limits = agora::files::images::Limits {
            max_pixels: 60_000_000,
            max_alloc: 960_000_000,
        };
        let t = Instant::now();
        agora::files::images::renditions(&path, agora::files::sniff::Kind::Jpeg, limits)
            .map_err(|e| e.to_string())?;
        direct.push(t.elapsed());
        let _ = std::fs::remove_file(&path);
        let part = reqwest::multipart::Part::bytes(jpeg).file_name(format!("photo-{round}.jpg"));
        let t = Instant::now();
        upload(http, base, token, part).await?;
        uploads.push(t.elapsed());
    }
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    let worst = |v: &[Duration]| v.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    Ok(format!(
        "12-megapixel JPEG ({PHOTO_ROUNDS} photos): upload to answer with its renditions stored, \
         median {:.0} ms, worst {:.0} ms; renditions alone, median {:.0} ms, worst {:.0} ms",
        median(uploads.clone()),
        worst(&uploads),
        median(direct.clone()),
        worst(&direct),
    ))
}

/// What `decorate` added.
struct Decorated {
    images: usize,
    polls: usize,
    votes: usize,
}

/// Puts an image on `image_share` of the posts and a poll on `poll_share`, as the composer
/// would have: rows only, as the seeder makes everything.
fn decorate(db: &Db, image_share: f64, poll_share: f64) -> Result<Decorated, String> {
    let started = Instant::now();
    let rows: Vec<(i64, i64)> = db
        .read(|conn| {
            Ok(posts::table
                .select((posts::id, posts::author_id))
                .order(posts::id)
                .load::<(i64, i64)>(conn)?)
        })
        .map_err(|e| e.detail)?;
    let mut rng = StdRng::seed_from_u64(17);
    let now = chrono::Utc::now().naive_utc();
    let authors: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let mut done = Decorated {
        images: 0,
        polls: 0,
        votes: 0,
    };
    for batch in rows.chunks(2_000) {
        let mut blob_rows = Vec::new();
        let mut attachment_rows = Vec::new();
        let mut poll_rows = Vec::new();
        let mut option_rows = Vec::new();
        let mut vote_rows = Vec::new();
        for &(post, author) in batch {
            if rng.gen_bool(image_share) {
                let sha = format!("{:064x}", rng.r#gen::<u128>());
                blob_rows.push((
                    blobs::sha256.eq(sha.clone()),
                    blobs::size.eq(2_400_000_i64),
                    blobs::content_type.eq("image/jpeg"),
                    blobs::width.eq(Some(4000)),
                    blobs::height.eq(Some(3000)),
                    blobs::rendition_type.eq(Some("image/jpeg")),
                    blobs::touched_at.eq(now),
                ));
                attachment_rows.push((
                    attachments::id.eq(new_id()),
                    attachments::blob.eq(sha),
                    attachments::uploader_id.eq(author),
                    attachments::post_id.eq(Some(post)),
                    attachments::name.eq("photo.jpg"),
                    attachments::alt.eq("A photo"),
                    attachments::position.eq(0),
                    attachments::created_at.eq(now),
                ));
                done.images += 1;
            }
            if rng.gen_bool(poll_share) {
                let voters: Vec<i64> = (0..rng.gen_range(0..20))
                    .map(|_| authors[rng.gen_range(0..authors.len())])
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                poll_rows.push((
                    polls::post_id.eq(post),
                    polls::multiple.eq(false),
                    polls::anonymous.eq(false),
                    polls::results_after.eq("vote"),
                    polls::voter_count.eq(voters.len() as i64),
                ));
                let options: Vec<i64> = (0..3).map(|_| new_id()).collect();
                let mut counts = [0_i64; 3];
                for voter in &voters {
                    let chosen = rng.gen_range(0..3);
                    counts[chosen] += 1;
                    vote_rows.push((
                        poll_votes::option_id.eq(options[chosen]),
                        poll_votes::user_id.eq(*voter),
                        poll_votes::post_id.eq(post),
                        poll_votes::created_at.eq(now),
                    ));
                }
                for (position, option) in options.iter().enumerate() {
                    option_rows.push((
                        poll_options::id.eq(*option),
                        poll_options::post_id.eq(post),
                        poll_options::position.eq(position as i32),
                        poll_options::label.eq(["Yes", "No", "Later"][position]),
                        poll_options::vote_count.eq(counts[position]),
                    ));
                }
                done.polls += 1;
                done.votes += voters.len();
            }
        }
        db.write(|conn| {
            // Batch inserts (an empty batch is no statement at all).
            on_backend!(conn, |inner| {
                if !blob_rows.is_empty() {
                    diesel::insert_into(blobs::table)
                        .values(&blob_rows)
                        .execute(inner)?;
                    diesel::insert_into(attachments::table)
                        .values(&attachment_rows)
                        .execute(inner)?;
                }
                if !poll_rows.is_empty() {
                    diesel::insert_into(polls::table)
                        .values(&poll_rows)
                        .execute(inner)?;
                    diesel::insert_into(poll_options::table)
                        .values(&option_rows)
                        .execute(inner)?;
                }
                if !vote_rows.is_empty() {
                    diesel::insert_into(poll_votes::table)
                        .values(&vote_rows)
                        .execute(inner)?;
                }
            });
            Ok(())
        })
        .map_err(|e| e.detail)?;
    }
    let mut conn = db.conn().map_err(|e| e.detail)?;
    crate::seed::settle(&mut conn)?;
    eprintln!(
        "decorated {} posts in {:.1?}",
        rows.len(),
        started.elapsed()
    );
    Ok(done)
}
