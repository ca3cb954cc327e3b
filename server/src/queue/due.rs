//! Due dates of written answers, in working days.
//!
//! A promise made in the hall ("answered in writing within 10 working
//! days") is counted in the meeting's calendar: dates in Vietnam's time
//! zone (UTC+7, no daylight saving), Saturdays and Sundays not counted.
//! Public holidays are not known here: the panel extends a due date that
//! falls across Tết (each extension is logged with its reason).
//!
//! Pure: the day comes from the command's time, so replaying gives the same
//! dates.

/// Vietnam's offset from UTC.
pub const OFFSET_MS: i64 = 7 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The most working days a single promise or extension may give.
pub const MAX_WORKING_DAYS: u32 = 60;

/// Days since 1970-01-01 of the local date at `at` (ms since the epoch).
pub fn local_day(at: u64) -> i64 {
    (at as i64 + OFFSET_MS).div_euclid(DAY_MS)
}

/// Monday = 0 … Sunday = 6. 1970-01-01 was a Thursday.
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The day `n` working days after `day` (a promise made on Friday for one
/// working day is due on Monday).
pub fn add_working_days(day: i64, n: u32) -> i64 {
    let mut day = day;
    let mut left = n;
    while left > 0 {
        day += 1;
        if weekday(day) < 5 {
            left -= 1;
        }
    }
    day
}

/// `YYYY-MM-DD` of a day number (proleptic Gregorian; Howard Hinnant's
/// `civil_from_days`).
pub fn format_day(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of `YYYY-MM-DD`, if it is one (`days_from_civil`).
pub fn parse_day(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let day = era * 146_097 + doe - 719_468;
    (format_day(day) == date).then_some(day)
}

/// The due date `n` working days after the local date of `at`.
pub fn due_after(at: u64, n: u32) -> String {
    format_day(add_working_days(local_day(at), n))
}

/// `due` moved `n` working days later.
pub fn extend(due: &str, n: u32) -> Option<String> {
    parse_day(due).map(|day| format_day(add_working_days(day, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(parse_day("2026-12-03"), Some(20_790));
        assert_eq!(format_day(20_790), "2026-12-03");
        for day in -300_000..2_900_000 {
            if day % 997 == 0 {
                assert_eq!(parse_day(&format_day(day)), Some(day));
            }
        }
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("2026-2-3"), None);
    }

    #[test]
    fn working_days_skip_weekends_in_vietnam_time() {
        // Thursday 2026-12-03, 20:00 in Hà Nội is 13:00 UTC.
        let thursday_evening = 1_796_302_800_000;
        assert_eq!(format_day(local_day(thursday_evening)), "2026-12-03");
        assert_eq!(due_after(thursday_evening, 1), "2026-12-04");
        assert_eq!(due_after(thursday_evening, 2), "2026-12-07");
        assert_eq!(due_after(thursday_evening, 10), "2026-12-17");
        // 23:30 UTC on Thursday is already Friday in Vietnam.
        assert_eq!(due_after(thursday_evening + 37_800_000, 1), "2026-12-07");
        assert_eq!(extend("2026-12-17", 5).as_deref(), Some("2026-12-24"));
        assert_eq!(extend("not a date", 5), None);
    }
}
