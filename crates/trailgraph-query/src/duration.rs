//! Durations (`3d`, `-30d`, `1yr2mo`, `3 days and 2 hours`, `P1D`) and times as Fix reads them.

use jiff::{SignedDuration, Timestamp};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Units, longest spelling first so that `min` wins over `m` and `mo` over `m`.
const UNITS: &[(&str, i64)] = &[
    ("seconds", 1),
    ("second", 1),
    ("minutes", MINUTE),
    ("minute", MINUTE),
    ("months", 31 * DAY),
    ("month", 31 * DAY),
    ("years", 365 * DAY),
    ("year", 365 * DAY),
    ("weeks", 7 * DAY),
    ("week", 7 * DAY),
    ("hours", HOUR),
    ("hour", HOUR),
    ("days", DAY),
    ("day", DAY),
    ("min", MINUTE),
    ("yr", 365 * DAY),
    ("mo", 31 * DAY),
    ("y", 365 * DAY),
    ("M", 31 * DAY),
    ("w", 7 * DAY),
    ("d", DAY),
    ("h", HOUR),
    ("m", MINUTE),
    ("s", 1),
];

/// Parses a duration in seconds: `3d`, `-30d`, `+1h`, `1yr2mo`, `3d4h3min1s`,
/// `3 days and 2 hours`, `1d, 2h`, or ISO 8601 (`P1D`, `PT2H`). A year is 365 days and a month
/// 31 days, as in Fix.
pub fn parse_duration(text: &str) -> Option<i64> {
    scan_duration(text).and_then(Result::ok)
}

/// A duration that is written correctly but does not fit in ±292 billion years of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationOutOfRange;

/// `None` when `text` is not a duration; `Some(Err)` when it is one that is out of range.
fn scan_duration(text: &str) -> Option<Result<i64, DurationOutOfRange>> {
    let text = text.trim();
    let (sign, body) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    if body.starts_with('P') || body.starts_with('p') {
        let span: jiff::Span = body.to_ascii_uppercase().parse().ok()?;
        let seconds = i64::from(span.get_years()) * 365 * DAY
            + i64::from(span.get_months()) * 31 * DAY
            + i64::from(span.get_weeks()) * 7 * DAY
            + i64::from(span.get_days()) * DAY
            + i64::from(span.get_hours()) * HOUR
            + span.get_minutes() * MINUTE
            + span.get_seconds();
        return Some(Ok(sign * seconds));
    }
    let mut rest = body.trim_start();
    let mut total: i64 = 0;
    let mut pieces = 0;
    let mut overflow = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let amount: Option<i64> = rest[..digits].parse().ok();
        rest = rest[digits..].trim_start();
        let (unit, seconds) = UNITS.iter().find(|(u, _)| {
            rest.starts_with(u) && !rest[u.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        })?;
        match amount
            .and_then(|a| a.checked_mul(*seconds))
            .and_then(|s| total.checked_add(s))
        {
            Some(t) => total = t,
            None => overflow = true,
        }
        pieces += 1;
        rest = rest[unit.len()..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        if let Some(after) = rest.strip_prefix("and") {
            rest = after.trim_start();
        }
    }
    (pieces > 0).then_some(if overflow {
        Err(DurationOutOfRange)
    } else {
        Ok(sign * total)
    })
}

/// Parses an absolute time: RFC 3339 (`2024-01-01T00:00:00Z`), a civil date-time taken as UTC
/// (`2024-01-01T00:00:00`) or a date (`2024-01-01`, midnight UTC).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    None
}

/// `now + duration` for a duration, or the time itself for an absolute time.
pub fn time_value(text: &str, now: Timestamp) -> Option<Timestamp> {
    checked_time_value(text, now).ok().flatten()
}

/// Like [`time_value`], but a duration that reaches outside the years -9999 to 9999 (or does
/// not fit in seconds at all) is an error instead of "not a time", so `ctime > 10000yr` is
/// refused rather than compared as text.
pub fn checked_time_value(
    text: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, DurationOutOfRange> {
    match scan_duration(text) {
        Some(Ok(seconds)) => now
            .checked_add(SignedDuration::from_secs(seconds))
            .map(Some)
            .map_err(|_| DurationOutOfRange),
        Some(Err(e)) => Err(e),
        None => Ok(parse_time(text)),
    }
}

/// The units Fix prints durations in, largest first (a year is 365 days, a month 31).
const PRINTED_UNITS: [(&str, i64); 6] = [
    ("yr", 365 * DAY),
    ("mo", 31 * DAY),
    ("d", DAY),
    ("h", HOUR),
    ("min", MINUTE),
    ("s", 1),
];

/// The canonical form of a `with_usage` time, as Fix prints it: a duration in all its units
/// from yr to s (`1w` is `7d`, `3 days and 2 hours` is `3d2h`), a time as
/// `2024-01-01T00:00:00Z`. `None` when `text` is neither.
pub fn canonical_usage_time(text: &str) -> Option<String> {
    if let Some(seconds) = parse_duration(text) {
        let mut rest = seconds.unsigned_abs();
        let mut out = String::new();
        for (name, size) in PRINTED_UNITS {
            let size = size.unsigned_abs();
            if rest >= size {
                out.push_str(&format!("{}{name}", rest / size));
                rest %= size;
            }
        }
        if out.is_empty() {
            out.push_str("0s");
        }
        return Some(if seconds < 0 { format!("-{out}") } else { out });
    }
    // A time of day is needed: a bare date is not a usage time in Fix.
    if !text.contains('T') {
        return None;
    }
    let time = text.parse::<Timestamp>().ok().or_else(|| {
        let civil = text.parse::<jiff::civil::DateTime>().ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })?;
    Some(time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Renders a duration as Fix does for `age`: at most two units from yr, mo, d, h, min, s
/// (`5mo26d`, `1h5min`, `0s`).
pub fn format_duration(seconds: i64) -> String {
    let negative = seconds < 0;
    let mut rest = seconds.unsigned_abs();
    let mut out = String::new();
    let mut used = 0;
    for (name, size) in PRINTED_UNITS {
        let size = size.unsigned_abs();
        if rest >= size && used < 2 {
            out.push_str(&format!("{}{name}", rest / size));
            rest %= size;
            used += 1;
        } else if used > 0 {
            // Two units must be adjacent (`1yr2mo`, not `1yr3h`).
            used = 2;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    if negative { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        let cases = [
            ("3d", Some(3 * DAY)),
            ("-30d", Some(-30 * DAY)),
            ("1yr2mo", Some(365 * DAY + 62 * DAY)),
            ("3d4h3min1s", Some(3 * DAY + 4 * HOUR + 3 * MINUTE + 1)),
            ("3 days and 2 hours", Some(3 * DAY + 2 * HOUR)),
            ("1d, 2h", Some(DAY + 2 * HOUR)),
            ("2w", Some(14 * DAY)),
            ("5m", Some(5 * MINUTE)),
            ("5M", Some(5 * 31 * DAY)),
            ("P1D", Some(DAY)),
            ("foo", None),
            ("12", None),
            ("2024-01-01", None),
            ("3dx", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), expected, "{text}");
        }
    }

    #[test]
    fn parses_times_and_formats_ages() {
        assert!(parse_time("2024-01-01T00:00:00Z").is_some());
        assert!(parse_time("2024-01-01").is_some());
        assert!(parse_time("yesterday").is_none());
        assert_eq!(format_duration(5 * 31 * DAY + 26 * DAY + 3), "5mo26d");
        assert_eq!(format_duration(HOUR + 5 * MINUTE), "1h5min");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn usage_times_take_fix_canonical_form() {
        assert_eq!(canonical_usage_time("1w").as_deref(), Some("7d"));
        assert_eq!(
            canonical_usage_time("3 days and 2 hours").as_deref(),
            Some("3d2h")
        );
        assert_eq!(canonical_usage_time("1yr3h").as_deref(), Some("1yr3h"));
        assert_eq!(canonical_usage_time("0s").as_deref(), Some("0s"));
        assert_eq!(
            canonical_usage_time("2023-06-10T12:23:21Z").as_deref(),
            Some("2023-06-10T12:23:21Z")
        );
        assert_eq!(
            canonical_usage_time("2023-06-10T12:00:00").as_deref(),
            Some("2023-06-10T12:00:00Z")
        );
        assert_eq!(canonical_usage_time("2023-06-10"), None);
        assert_eq!(canonical_usage_time("soon"), None);
    }
}
