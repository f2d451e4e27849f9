//! Object keys and retention decisions, as pure functions. Keys are
//! `<prefix>/<UTC timestamp>-<raft index>.snap` with a millisecond timestamp, so they sort by
//! time as strings, two runs in the same second do not collide, and retention can recognise
//! exactly the objects this job wrote and leave everything else under the prefix alone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An object of ours found in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotObject {
    /// Full object key.
    pub key: String,
    /// Creation time encoded in the key, milliseconds since the epoch.
    pub created_ms: u64,
    /// Raft index encoded in the key.
    pub index: u64,
    /// Object size in bytes.
    pub size: u64,
}

/// Normalises a prefix: no leading or trailing slashes.
pub fn normalize_prefix(prefix: &str) -> String {
    prefix.trim_matches('/').to_owned()
}

/// The key for a snapshot taken at `time` covering `index`.
pub fn snapshot_key(prefix: &str, time: SystemTime, index: u64) -> String {
    let ms = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let stamp = format_timestamp(ms);
    if prefix.is_empty() {
        format!("{stamp}-{index}.snap")
    } else {
        format!("{prefix}/{stamp}-{index}.snap")
    }
}

/// Parses a key written by [`snapshot_key`] under `prefix`; `None` for anything else.
pub fn parse_key(prefix: &str, key: &str) -> Option<(u64, u64)> {
    let name = if prefix.is_empty() {
        key
    } else {
        key.strip_prefix(prefix)?.strip_prefix('/')?
    };
    let name = name.strip_suffix(".snap")?;
    let (stamp, index) = name.split_once('-')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parse_timestamp(stamp)?, index.parse().ok()?))
}

/// Which objects to delete: everything beyond the newest `keep`, except objects younger than
/// `min_age`, the newest object, and `protect` (the key this run just uploaded).
pub fn select_for_deletion(
    objects: &[SnapshotObject],
    keep: usize,
    min_age: Option<Duration>,
    now: SystemTime,
    protect: &str,
) -> Vec<String> {
    select_for_deletion_with(objects, keep, min_age, Generations::default(), now, protect)
}

/// Generations kept by calendar (UTC): the newest snapshot of each of the last `daily` days,
/// `weekly` ISO weeks (Monday to Sunday) and `monthly` months that have a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    /// Days.
    pub daily: usize,
    /// Weeks.
    pub weekly: usize,
    /// Months.
    pub monthly: usize,
}

/// [`select_for_deletion`] that also keeps the calendar [`Generations`].
pub fn select_for_deletion_with(
    objects: &[SnapshotObject],
    keep: usize,
    min_age: Option<Duration>,
    generations: Generations,
    now: SystemTime,
    protect: &str,
) -> Vec<String> {
    let mut sorted: Vec<&SnapshotObject> = objects.iter().collect();
    sorted.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.key.cmp(&a.key)));
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let min_age_ms = min_age.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let day = |o: &SnapshotObject| (o.created_ms / 86_400_000) as i64;
    // 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday.
    let week = |o: &SnapshotObject| (day(o) + 3).div_euclid(7);
    let month = |o: &SnapshotObject| {
        let (y, m, _) = civil_from_days(day(o));
        y * 12 + m
    };
    let mut kept_by_calendar = std::collections::HashSet::new();
    for (count, period) in [
        (generations.daily, &day as &dyn Fn(&SnapshotObject) -> i64),
        (generations.weekly, &week),
        (generations.monthly, &month),
    ] {
        let mut seen = Vec::new();
        // Newest first, so the first object of each period is that period's newest.
        for o in &sorted {
            let p = period(o);
            if seen.contains(&p) {
                continue;
            }
            if seen.len() == count {
                break;
            }
            seen.push(p);
            kept_by_calendar.insert(o.key.as_str());
        }
    }
    sorted
        .iter()
        .enumerate()
        .filter(|(i, o)| {
            *i >= keep.max(1)
                && o.key != protect
                && !kept_by_calendar.contains(o.key.as_str())
                && now_ms.saturating_sub(o.created_ms) >= min_age_ms
        })
        .map(|(_, o)| o.key.clone())
        .collect()
}

/// Parses `30d`, `12h`, `90m`, `45s` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; use e.g. 30d, 12h, 90m or 3600"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        "w" => n * 7 * 86_400,
        _ => return Err(format!("{text:?} has an unknown unit; use s, m, h, d or w")),
    };
    Ok(Duration::from_secs(secs))
}

/// `YYYYMMDDTHHMMSS.mmmZ` in UTC.
pub fn format_timestamp(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}

fn parse_timestamp(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[8] != b'T' || b[15] != b'.' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se, ms) = (num(9..11)?, num(11..13)?, num(13..15)?, num(16..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = u64::try_from(days_from_civil(y as i64, mo as i64, d as i64)).ok()?;
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms)
}

// Howard Hinnant's civil-date algorithms (public domain arithmetic).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_475_321_042);
        let k = snapshot_key("backups/prod", t, 29);
        assert_eq!(k, "backups/prod/20261123T230841.042Z-29.snap");
        assert_eq!(parse_key("backups/prod", &k), Some((1_795_475_321_042, 29)));
        assert_eq!(parse_key("", "20261123T230841.042Z-29.snap").unwrap().1, 29);
    }

    #[test]
    fn foreign_keys_are_ignored() {
        for k in [
            "backups/prod/notes.txt",
            "backups/prod/20261123T230841.042Z-29.snap.bak",
            "backups/prod/sub/20261123T230841.042Z-29.snap",
            "backups/prodx/20261123T230841.042Z-29.snap",
            "backups/prod/20261323T230841.042Z-29.snap",
            "backups/prod/20261123T230841.042Z-.snap",
            "backups/prod/20261123T230841Z-29.snap",
        ] {
            assert_eq!(parse_key("backups/prod", k), None, "{k}");
        }
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(format_timestamp(0), "19700101T000000.000Z");
        assert_eq!(format_timestamp(951_782_400_000), "20000229T000000.000Z");
        assert_eq!(
            parse_timestamp("20000229T000000.000Z"),
            Some(951_782_400_000)
        );
    }

    fn obj(key: &str, created_ms: u64) -> SnapshotObject {
        SnapshotObject {
            key: key.into(),
            created_ms,
            index: 1,
            size: 1,
        }
    }

    #[test]
    fn retention_keeps_newest_n() {
        let objs: Vec<_> = (0..6).map(|i| obj(&format!("k{i}"), i * 1000)).collect();
        let now = UNIX_EPOCH + Duration::from_secs(100);
        let mut del = select_for_deletion(&objs, 3, None, now, "k5");
        del.sort();
        assert_eq!(del, ["k0", "k1", "k2"]);
    }

    #[test]
    fn retention_never_deletes_newest_or_protected_and_honours_min_age() {
        let objs = vec![obj("old", 0), obj("mid", 50_000), obj("new", 99_000)];
        let now = UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(
            select_for_deletion(&objs, 0, None, now, "x"),
            ["mid", "old"]
        );
        assert_eq!(select_for_deletion(&objs, 1, None, now, "mid"), ["old"]);
        assert_eq!(
            select_for_deletion(&objs, 1, Some(Duration::from_secs(60)), now, "new"),
            ["old"]
        );
        assert!(select_for_deletion(&objs, 5, None, now, "new").is_empty());
    }

    #[test]
    fn calendar_generations_keep_the_newest_of_each_day_week_and_month() {
        const DAY: u64 = 86_400_000;
        // Two snapshots a day for 70 days from Monday 2026-01-05 (day 20458 since the epoch).
        let start = 20_458 * DAY;
        let objs: Vec<_> = (0..140u64)
            .map(|i| {
                obj(
                    &format!("k{i:03}"),
                    start + i / 2 * DAY + (i % 2) * 3_600_000,
                )
            })
            .collect();
        let now = UNIX_EPOCH + Duration::from_millis(start + 70 * DAY);
        let g = |daily, weekly, monthly| Generations {
            daily,
            weekly,
            monthly,
        };
        let kept = |generations| {
            let doomed = select_for_deletion_with(&objs, 1, None, generations, now, "k139");
            let mut kept: Vec<String> = objs
                .iter()
                .map(|o| o.key.clone())
                .filter(|k| !doomed.contains(k))
                .collect();
            kept.sort();
            kept
        };
        // Daily: the later snapshot of each of the last 3 days.
        assert_eq!(kept(g(3, 0, 0)), ["k135", "k137", "k139"]);
        // Weekly: the newest of the last 2 weeks. Day 69 is a Sunday (week ends); day 62 too.
        assert_eq!(kept(g(0, 2, 0)), ["k125", "k139"]);
        // Monthly: the newest of January (day 26 = Jan 31), February (day 54), March (day 69).
        assert_eq!(kept(g(0, 0, 3)), ["k053", "k109", "k139"]);
        // Combined, and never more than asked for.
        assert_eq!(kept(g(1, 1, 1)), ["k139"]);
        assert_eq!(kept(g(0, 0, 0)), ["k139"]);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("3600").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("7y").is_err());
        assert!(parse_duration("d").is_err());
    }
}
