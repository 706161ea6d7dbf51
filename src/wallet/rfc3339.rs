//! RFC 3339 timestamps (`date-time`), as used by SIWE and SIWS, to and from
//! unix seconds.
//!
//! Strict: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with uppercase `T` and
//! `Z`, real calendar dates (leap years honoured), seconds `00`–`60` (a leap
//! second counts as `59`), and nothing before 1970. Fractions are truncated
//! to whole seconds.

use crate::error::{Error, Result};

const WHAT: &str = "rfc 3339 timestamp";

fn digits(s: &[u8], what: &'static str) -> Result<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Err(Error::malformed(WHAT, what));
    }
    Ok(s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// Parses an RFC 3339 `date-time` into unix seconds.
///
/// # Errors
/// [`Error::Decode`] on any deviation from the grammar, an impossible date
/// or time, or a time before 1970.
pub(crate) fn parse(text: &str) -> Result<u64> {
    let b = text.as_bytes();
    let field = |from: usize, to: usize, what| digits(b.get(from..to).unwrap_or_default(), what);
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return Err(Error::malformed(WHAT, "expected YYYY-MM-DDTHH:MM:SS"));
    }
    let year = i64::from(field(0, 4, "year")?);
    let month = field(5, 7, "month")?;
    let day = field(8, 10, "day")?;
    let hour = field(11, 13, "hour")?;
    let minute = field(14, 16, "minute")?;
    let second = field(17, 19, "second")?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(Error::malformed(WHAT, "impossible date"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(Error::malformed(WHAT, "impossible time"));
    }
    let mut rest = b.get(19..).unwrap_or_default();
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(Error::malformed(WHAT, "bad fraction"));
        }
        rest = frac.get(n..).unwrap_or_default();
    }
    let offset: i64 = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2], "offset hour")?;
            let m = digits(&[*m1, *m2], "offset minute")?;
            if h > 23 || m > 59 {
                return Err(Error::malformed(WHAT, "impossible offset"));
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return Err(Error::malformed(WHAT, "expected Z or ±HH:MM offset")),
    };
    let days = days_from_civil(year, month, day);
    let local =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59));
    u64::try_from(local - offset).map_err(|_| Error::malformed(WHAT, "before 1970"))
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format(unix: u64) -> String {
    let secs = i64::try_from(unix).unwrap_or(i64::MAX);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
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
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
