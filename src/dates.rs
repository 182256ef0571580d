//! Dates and times as HR/IdP exports and app APIs write them: the one parser for every format
//! (ISO and RFC 3339 with or without offsets, US and European layouts, the "no date" markers of
//! exports). The bottom layer: this module imports nothing of the crate.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// A value that is neither a date nor a "no date" marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadDate;

/// Formats tried when no `date_format` is configured, in order. Slashed dates are read US-style
/// (month first) as Entra, Google and Workday US tenants write them; other layouts need
/// `date_format`.
const DATE_FORMATS: [&str; 6] = ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d-%b-%Y", "%d-%b-%y", "%Y%m%d"];
const DATETIME_FORMATS: [&str; 6] =
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"];

/// Values that mean "no date": empty, BambooHR's `0000-00-00`, Google's `Never logged in`,
/// Atlassian's `Never accessed`, and similar.
pub fn is_no_date(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.starts_with("0000-00-00")
        || t == "-"
        || t == "--"
        || ["never", "never logged in", "never accessed", "n/a", "na", "none", "null"].iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// The digits of `b` as a number (all ASCII digits), else `None`.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS[Z]`, the layouts of nearly every export, read without
/// chrono's format machinery (which the scale benchmark showed to be a fifth of reading an
/// export). Anything else, or an impossible date, is left to the general parser.
fn fast_iso(t: &str) -> Option<NaiveDateTime> {
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(&b[0..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)?;
    match b.len() {
        10 => date.and_hms_opt(0, 0, 0),
        19 | 20 if (b[10] == b'T' || b[10] == b' ') && b[13] == b':' && b[16] == b':' && (b.len() == 19 || b[19] == b'Z') => {
            date.and_hms_opt(digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?)
        }
        _ => None,
    }
}

/// A date, or `Ok(None)` for a value that means "none", or `Err(BadDate)` when unreadable.
pub fn parse_date(s: &str, format: Option<&str>) -> Result<Option<NaiveDate>, BadDate> {
    Ok(parse_datetime(s, format)?.map(|dt| dt.date()))
}

/// A UTC date-time (dates become midnight UTC), or `Ok(None)` for "none", or `Err(BadDate)`.
/// An API's timestamp (RFC 3339, `+00:00` or `Z`, or any layout [`parse_datetime`] reads), as
/// UTC; `None` for no date or one that cannot be read.
pub fn utc(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    parse_datetime(s, None).ok().flatten().map(|d| d.and_utc())
}

pub fn parse_datetime(s: &str, format: Option<&str>) -> Result<Option<NaiveDateTime>, BadDate> {
    let t = s.trim();
    if is_no_date(t) {
        return Ok(None);
    }
    if format.is_none() {
        if let Some(dt) = fast_iso(t) {
            return Ok(Some(dt));
        }
    }
    if let Some(f) = format {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(Some(dt));
        }
        return NaiveDate::parse_from_str(t, f).map(|d| Some(d.and_hms_opt(0, 0, 0).expect("midnight"))).map_err(|_| BadDate);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.naive_utc()));
    }
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(Some(dt.naive_utc()));
    }
    for f in DATETIME_FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(Some(dt));
        }
    }
    for f in DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(Some(d.and_hms_opt(0, 0, 0).expect("midnight")));
        }
    }
    // Epoch milliseconds or seconds (BlueJeans, some admin exports).
    if t.len() >= 9 && t.chars().all(|c| c.is_ascii_digit()) {
        if let Ok(n) = t.parse::<i64>() {
            let dt = if t.len() >= 12 { DateTime::from_timestamp_millis(n) } else { DateTime::from_timestamp(n, 0) };
            if let Some(dt) = dt {
                return Ok(Some(dt.naive_utc()));
            }
        }
    }
    Err(BadDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn reads_the_export_layouts() {
        assert_eq!(parse_date("2026-03-01", None), Ok(d(2026, 3, 1)));
        assert_eq!(parse_date("8/19/2021 1:25:31 PM", None), Ok(d(2021, 8, 19)));
        assert_eq!(parse_date("2016/04/04 00:24:13", None), Ok(d(2016, 4, 4)));
        assert_eq!(parse_date("15-Mar-2021", None), Ok(d(2021, 3, 15)));
        assert_eq!(parse_date("2026-01-02T23:30:00-05:00", None), Ok(d(2026, 1, 3)));
        assert_eq!(parse_date("1700000000000", None), Ok(d(2023, 11, 14)));
        assert_eq!(parse_date("27/12/2024", Some("%d/%m/%Y")), Ok(d(2024, 12, 27)));
    }

    #[test]
    fn the_fast_iso_path_agrees_with_chrono() {
        let chrono_reads = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.naive_utc())
                .ok()
                .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
                .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
                .or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        };
        for t in [
            "2026-03-01",
            "2024-02-29",
            "2026-12-31T23:59:59Z",
            "2026-12-31T23:59:59",
            "2026-12-31 08:00:00",
            "2026-01-02T03:04:05",
            "0001-01-01",
        ] {
            assert_eq!(fast_iso(t), chrono_reads(t), "{t}");
            assert_eq!(parse_datetime(t, None).unwrap(), chrono_reads(t), "{t}");
        }
        // Impossible or other layouts fall through to the general parser.
        for t in [
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-12-31T24:00:00Z",
            "2026-1-5",
            "2026-12-31T10:00:00+02:00",
            "2026-12-31T10:00:00.5Z",
        ] {
            assert_eq!(fast_iso(t), None, "{t}");
        }
        assert_eq!(parse_date("2026-12-31T23:30:00+02:00", None), Ok(d(2026, 12, 31)));
        assert_eq!(parse_date("2026-02-30", None), Err(BadDate));
        assert_eq!(parse_datetime("2026-12-31T10:00:00.5Z", None).unwrap().map(|d| d.and_utc().timestamp_millis() % 1000), Some(500));
    }

    #[test]
    fn no_date_markers_are_none_and_garbage_is_an_error() {
        for s in ["", "0000-00-00", "Never logged in", "Never accessed", " -"] {
            assert_eq!(parse_date(s, None), Ok(None), "{s}");
        }
        assert_eq!(parse_date("next tuesday", None), Err(BadDate));
        assert_eq!(parse_date("27/12/2024", None), Err(BadDate), "day-first needs date_format");
    }
}
