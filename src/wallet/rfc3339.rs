//! RFC 3339 timestamps (`date-time`), as used by SIWE and SIWS, to and from
//! unix seconds.
//!
//! Parsing and formatting are the `time` crate's. keytree adds only the
//! strictness `time` leaves open, each for a reason:
//! - the separator must be `T` and the zone `Z` or `±HH:MM` in uppercase:
//!   `time` accepts any separator byte and a lowercase `z`, while SIWE and
//!   SIWS messages are compared byte for byte, so one spelling is accepted;
//! - at most 9 fraction digits (`time` reads any number): a bounded field;
//! - nothing before 1970, as times are unix seconds (`u64`).
//!
//! Fractions are truncated to whole seconds; a leap second (`:60`, which
//! `time` accepts only where one can occur) counts as `:59`. Times past
//! 9999-12-31T23:59:59Z have no RFC 3339 form (four-digit years).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};

const WHAT: &str = "rfc 3339 timestamp";

/// 9999-12-31T23:59:59Z, the last second with an RFC 3339 form (and the
/// crate's bound on every timestamp it signs).
pub(crate) const MAX_UNIX: u64 = crate::encoding::MAX_TIMESTAMP;

/// What [`format`] prints for a time past [`MAX_UNIX`]: not a date-time, so
/// no SIWE or SIWS message carrying it parses.
const PAST_MAX: &str = "after 9999-12-31T23:59:59Z";

/// Parses an RFC 3339 `date-time` into unix seconds.
///
/// # Errors
/// [`Error::Decode`] on any deviation from the grammar, an impossible date
/// or time, or a time before 1970.
pub(crate) fn parse(text: &str) -> Result<u64> {
    let b = text.as_bytes();
    if b.get(10) != Some(&b'T') {
        return Err(Error::malformed(WHAT, "expected YYYY-MM-DDTHH:MM:SS"));
    }
    if b.contains(&b'z') {
        return Err(Error::malformed(WHAT, "expected Z or ±HH:MM offset"));
    }
    if b.get(19) == Some(&b'.') {
        let n = b
            .get(20..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n > 9 {
            return Err(Error::malformed(WHAT, "bad fraction"));
        }
    }
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| Error::malformed(WHAT, e.to_string().to_lowercase()))?;
    u64::try_from(t.unix_timestamp()).map_err(|_| Error::malformed(WHAT, "before 1970"))
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ`; a time past
/// [`MAX_UNIX`] has no RFC 3339 form and prints as
/// `after 9999-12-31T23:59:59Z`, which no parser accepts.
pub(crate) fn format(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .filter(|_| unix <= MAX_UNIX)
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| PAST_MAX.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(parse("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse("2025-01-15T12:00:00.000Z").unwrap(), 1_736_942_400);
        assert_eq!(parse("2025-01-15T14:00:00+02:00").unwrap(), 1_736_942_400);
        assert_eq!(parse("2024-02-29T00:00:00Z").unwrap(), 1_709_164_800);
        assert_eq!(format(1_736_942_400), "2025-01-15T12:00:00Z");
        for t in [
            0u64,
            951_782_400,
            1_709_164_800,
            4_102_444_800,
            253_402_300_799,
        ] {
            assert_eq!(parse(&format(t)).unwrap(), t);
        }
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "2025-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2025-01-15 12:00:00Z",
            "2025-01-15T24:00:00Z",
            "2025-01-15T12:00:00",
            "2025-01-15T12:00:00z",
            "2025-01-15T12:00:00.Z",
            "2025-01-15T12:00:00+2:00",
            "1969-12-31T23:59:59Z",
            "+025-01-15T12:00:00Z",
            "2025-01-15t12:00:00Z",
            "2025-01-15T12:00:00.1234567891Z",
            "2025-01-15T12:00:00+24:00",
            "2025-01-15T12:00:00Z ",
            "10000-01-01T00:00:00Z",
            PAST_MAX,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    /// Years past 9999 are not RFC 3339: they never format as a date-time.
    #[test]
    fn past_year_9999() {
        assert_eq!(format(MAX_UNIX), "9999-12-31T23:59:59Z");
        assert_eq!(format(MAX_UNIX + 1), PAST_MAX);
        assert_eq!(format(u64::MAX), PAST_MAX);
        assert!(parse(&format(MAX_UNIX + 1)).is_err());
    }

    /// The crate agrees with the calendar arithmetic keytree used before
    /// (Howard Hinnant's days-from-civil), over every day boundary from
    /// 1970 to 9999 sampled each 97 days, and with a leap second.
    #[test]
    fn agrees_with_civil_arithmetic() {
        fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
            era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        }
        let mut day = 0u64;
        while day * 86_400 <= MAX_UNIX {
            let t = day * 86_400 + 86_399;
            let text = format(t);
            let (y, m, d): (i64, i64, i64) = (
                text[0..4].parse().unwrap(),
                text[5..7].parse().unwrap(),
                text[8..10].parse().unwrap(),
            );
            assert_eq!(days_from_civil(y, m, d), day as i64, "{text}");
            assert!(text.ends_with("T23:59:59Z"), "{text}");
            assert_eq!(parse(&text).unwrap(), t);
            day += 97;
        }
        assert_eq!(
            parse("2016-12-31T23:59:60Z").unwrap(),
            parse("2016-12-31T23:59:59Z").unwrap()
        );
        assert_eq!(
            parse("2025-01-15T12:00:00.999999999Z").unwrap(),
            1_736_942_400
        );
    }
}
