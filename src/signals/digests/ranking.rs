//! The order of a digest: engagement lifts a post, age lowers it.
//!
//! score = (1 + ln(1 + likes + comments)) × ½^(age / half-life), with a half-life of a day:
//! a post liked and discussed a lot stays above yesterday's quiet ones, but not for a week.

use chrono::NaiveDateTime;

/// Age at which a post counts half as much as a new one of the same engagement.
const HALF_LIFE_HOURS: f64 = 24.0;

/// The score of a post with `likes` and `comments` (those the reader may see), written at
/// `created_at`, as of `now`.
pub fn score(likes: i64, comments: i64, created_at: NaiveDateTime, now: NaiveDateTime) -> f64 {
    let engagement = (likes.max(0) + comments.max(0)) as f64;
    let hours = ((now - created_at).num_seconds().max(0) as f64) / 3600.0;
    (1.0 + engagement.ln_1p()) * 0.5f64.powf(hours / HALF_LIFE_HOURS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn engagement_lifts_and_age_lowers() {
        let now = chrono::Utc::now().naive_utc();
        let fresh_quiet = score(0, 0, now, now);
        let fresh_busy = score(5, 3, now, now);
        let day_old_quiet = score(0, 0, now - Duration::hours(24), now);
        let day_old_busy = score(20, 10, now - Duration::hours(24), now);
        let week_old_busy = score(20, 10, now - Duration::days(7), now);
        assert!(fresh_busy > fresh_quiet);
        assert!(
            (day_old_quiet - fresh_quiet / 2.0).abs() < 1e-9,
            "half-life of a day"
        );
        assert!(
            day_old_busy > fresh_quiet,
            "a discussed post outlasts a quiet new one"
        );
        assert!(week_old_busy < fresh_quiet, "but not for a week");
    }
}
