//! Calendar arithmetic on days since 1970-01-01 (Arrow's Date32), and the week index the snapshot
//! uses for weekly downloads: whole weeks since [`WEEK_ORIGIN`], a Monday.

use crate::{Error, Result};

/// Marks a missing date in a `Vec<i32>` of days.
pub const NO_DATE: i32 = i32::MIN;

/// 2000-01-03, a Monday: week 0 of the snapshot's week index.
pub const WEEK_ORIGIN: i32 = 10_959;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since 1970-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    if days == NO_DATE {
        return String::new();
    }
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD`, optionally followed by a time (`T12:00:00Z`, ` 12:00:00+00:00`, ...), which
/// is ignored: dates are UTC calendar days. Also accepts `YYYY-MM` (first of the month) and `YYYY`
/// (1 January).
pub fn parse_date(text: &str) -> Result<i32> {
    let bad = || Error::Compute(format!("'{text}' is not a date (expected YYYY-MM-DD)"));
    let t = text.trim();
    let date_part = t.split(['T', ' ']).next().unwrap_or("");
    let mut parts = date_part.split('-');
    let year: i32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let month: u32 = match parts.next() {
        Some(p) => p.parse().map_err(|_| bad())?,
        None => 1,
    };
    let day: u32 = match parts.next() {
        Some(p) => p.parse().map_err(|_| bad())?,
        None => 1,
    };
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad());
    }
    if !(1900..=2200).contains(&year) {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day))
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Week index (weeks since [`WEEK_ORIGIN`]) of a day; days before the origin give negative weeks.
pub fn week_of_day(days: i32) -> i32 {
    (days - WEEK_ORIGIN).div_euclid(7)
}

/// First day (a Monday) of a week index.
pub fn day_of_week_index(week: i32) -> i32 {
    WEEK_ORIGIN + week * 7
}

/// Months since 1970-01 of a day.
pub fn month_index(days: i32) -> i32 {
    let (y, m, _) = civil_from_days(days);
    (y - 1970) * 12 + m as i32 - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 1, 3), WEEK_ORIGIN);
        // 2024-02-29 is day 19782 (date -d 2024-02-29 +%s / 86400).
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(format_date(days_from_civil(1999, 12, 31)), "1999-12-31");
    }

    #[test]
    fn round_trip_many_days() {
        for d in -30_000..80_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn parses_dates_and_timestamps() {
        assert_eq!(parse_date("2024-02-29").unwrap(), 19_782);
        assert_eq!(parse_date("2024-02-29T23:59:59.000Z").unwrap(), 19_782);
        assert_eq!(parse_date("2024-02-29 10:00:00+00:00").unwrap(), 19_782);
        assert_eq!(parse_date("2024-02").unwrap(), days_from_civil(2024, 2, 1));
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("yesterday").is_err());
        assert!(parse_date("").is_err());
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-01 was a Monday.
        let monday = days_from_civil(2024, 1, 1);
        assert_eq!(day_of_week_index(week_of_day(monday)), monday);
        assert_eq!(week_of_day(monday + 6), week_of_day(monday));
        assert_eq!(week_of_day(monday + 7), week_of_day(monday) + 1);
    }
}
