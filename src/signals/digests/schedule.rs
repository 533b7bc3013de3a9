//! When digests are due: the configured local hour (and weekday for the weekly one) at a fixed
//! offset from UTC, the key naming each period, and the task that sends what is due.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike, Utc};

use super::run::run_period;
use crate::config::{Config, ConfigError, DigestSettings};
use crate::db::Db;
use crate::error::Result;
use crate::signing::Signer;
use crate::workers::{Periodic, blocking};

/// How often the scheduler looks whether a period is due.
const TICK: Duration = Duration::from_secs(60);

/// A digest period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Weekly,
}

impl Period {
    pub const ALL: [Period; 2] = [Period::Daily, Period::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
        }
    }

    /// `daily` or `weekly`; anything else is not a period.
    pub fn parse(raw: &str) -> Option<Period> {
        match raw {
            "daily" => Some(Period::Daily),
            "weekly" => Some(Period::Weekly),
            _ => None,
        }
    }

    /// The length of the period: how far back a first digest looks.
    pub fn length(self) -> chrono::Duration {
        match self {
            Period::Daily => chrono::Duration::days(1),
            Period::Weekly => chrono::Duration::days(7),
        }
    }

    /// The key of the period holding local time `local`: the date, or the ISO week.
    pub fn key(self, local: NaiveDateTime) -> String {
        match self {
            Period::Daily => local.date().format("%Y-%m-%d").to_string(),
            Period::Weekly => {
                let week = local.date().iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
        }
    }
}

/// The configured offset.
pub fn offset(settings: &DigestSettings) -> FixedOffset {
    settings.utc_offset.0
}

/// Local time at the configured offset.
pub fn local(settings: &DigestSettings, now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&offset(settings)).naive_local()
}

/// Whether `period`'s digests are due at local time `local`: from the configured hour on, and
/// for the weekly one from that hour of the configured weekday to the end of the ISO week (so a
/// server that was down on the day catches up).
pub fn is_due(settings: &DigestSettings, period: Period, local: NaiveDateTime) -> bool {
    let hour = local.hour() >= settings.hour;
    match period {
        Period::Daily => hour,
        Period::Weekly => {
            let today = local.weekday().num_days_from_monday();
            let wanted = settings.weekly_day.num_days_from_monday();
            today > wanted || (today == wanted && hour)
        }
    }
}

/// Refuses settings the scheduler could not follow, naming the key.
pub fn check_settings(settings: &DigestSettings) -> Result<(), ConfigError> {
    if settings.hour > 23 {
        return Err(ConfigError::new(
            "digests.hour",
            format!("{} is not an hour", settings.hour),
            "use 0 to 23, e.g. AGORA_DIGESTS__HOUR=7",
        ));
    }
    if settings.max_posts == 0 || settings.batch_size == 0 || !(1..=16).contains(&settings.workers)
    {
        return Err(ConfigError::new(
            "digests.max_posts",
            "digests.max_posts and digests.batch_size must be at least 1, digests.workers 1 to 16",
            "use e.g. max_posts = 10, batch_size = 25 and workers = 2",
        ));
    }
    Ok(())
}

/// Sends due digests: once a minute it looks whether a period is due, and runs it once per
/// period key in this process. A restart runs it again, which finishes a run cut short and
/// sends nothing twice; people who join later in a period get their first digest in the next
/// one.
#[derive(Debug)]
pub struct DigestSchedule {
    db: Db,
    config: Config,
    signer: Signer,
    /// The key of the last period run to the end, by period.
    ran: HashMap<&'static str, String>,
}

impl DigestSchedule {
    pub fn new(db: Db, config: Config, signer: Signer) -> DigestSchedule {
        DigestSchedule {
            db,
            config,
            signer,
            ran: HashMap::new(),
        }
    }
}

impl Periodic for DigestSchedule {
    fn name(&self) -> &'static str {
        "digest_schedule"
    }

    fn every(&self) -> Duration {
        TICK
    }

    async fn run(&mut self) -> Result<()> {
        for period in Period::ALL {
            let local = local(&self.config.digests, Utc::now());
            let key = period.key(local);
            if !is_due(&self.config.digests, period, local)
                || self.ran.get(period.as_str()) == Some(&key)
            {
                continue;
            }
            let (db, config, signer) = (self.db.clone(), self.config.clone(), self.signer.clone());
            let report =
                blocking(move || run_period(&db, &config, &signer, period, Utc::now())).await?;
            tracing::info!(period = period.as_str(), ?report, "digests sent");
            self.ran.insert(period.as_str(), report.period_key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(hour: u32, day: &str, offset: &str) -> DigestSettings {
        DigestSettings {
            scheduler: true,
            hour,
            weekly_day: day.parse().unwrap(),
            utc_offset: offset.parse().unwrap(),
            max_posts: 10,
            batch_size: 25,
            workers: 2,
            pause_ms: 0,
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn keys_name_the_local_day_and_iso_week() {
        let s = settings(7, "mon", "+02:00");
        let local = local(&s, at("2026-11-29T23:30:00Z"));
        assert_eq!(Period::Daily.key(local), "2026-11-30");
        assert_eq!(Period::Weekly.key(local), "2026-W49");
        let s = settings(7, "mon", "-05:00");
        assert_eq!(
            Period::Daily.key(super::local(&s, at("2026-11-30T03:00:00Z"))),
            "2026-11-29"
        );
    }

    #[test]
    fn digests_are_due_from_the_local_hour_and_weekday() {
        let s = settings(7, "tue", "+01:00");
        let due = |t: &str, p| is_due(&s, p, local(&s, at(t)));
        assert!(!due("2026-11-30T05:59:00Z", Period::Daily));
        assert!(due("2026-11-30T06:00:00Z", Period::Daily));
        assert!(
            !due("2026-11-30T12:00:00Z", Period::Weekly),
            "Monday, before Tuesday"
        );
        assert!(
            !due("2026-12-01T05:00:00Z", Period::Weekly),
            "Tuesday 06:00 local"
        );
        assert!(due("2026-12-01T06:00:00Z", Period::Weekly));
        assert!(
            due("2026-12-03T01:00:00Z", Period::Weekly),
            "caught up later in the week"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        assert_eq!(
            check_settings(&settings(24, "mon", "+00:00"))
                .unwrap_err()
                .key,
            "digests.hour"
        );
        assert!(check_settings(&settings(0, "sun", "-09:30")).is_ok());
    }
}
