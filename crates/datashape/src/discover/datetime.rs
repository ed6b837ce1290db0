//! Recognising dates and date-times in text, in the common formats `dateutil` accepted for the
//! original: ISO 8601 (`2014-01-01`, `1822-11-12T6:47:26`, `2014-01-01T12:00:00Z`), US order
//! (`11/12/1822 06:47:26.00`), compact (`20030331 05:59:59.9`), and with month and weekday names
//! (`Fri Dec 19 15:10:11 1997`, `Friday, November 11, 2005 17:56:21`, `Jul  6 2030  5:55PM`).
//!
//! The scan works on the borrowed text with a fixed-size token buffer: no allocation per cell.

/// What a date-like cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateKind {
    /// A calendar date, or a date-time at exactly midnight (as the original).
    Date,
    /// A date and a time of day, without a zone.
    DateTime,
    /// A date-time with a zone or UTC offset: an absolute instant.
    DateTimeTz,
}

/// A date or date-time read from text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTimeValue {
    /// Year (proleptic Gregorian).
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
    /// Nanoseconds since midnight, when a time was given.
    pub nanos_of_day: Option<u64>,
    /// Offset from UTC in seconds, when a zone or offset was given (`Z` is 0).
    pub offset_seconds: Option<i32>,
}

impl DateTimeValue {
    /// The kind of value: a midnight without zone counts as a date, as in the original.
    pub fn kind(&self) -> DateKind {
        match (self.nanos_of_day, self.offset_seconds) {
            (_, Some(_)) => DateKind::DateTimeTz,
            (None | Some(0), None) => DateKind::Date,
            (Some(_), None) => DateKind::DateTime,
        }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// Microseconds since 1970-01-01T00:00:00 (UTC when an offset was given; the local wall
    /// time otherwise).
    pub fn micros_since_epoch(&self) -> i64 {
        let day_micros = self.days_since_epoch() * 86_400_000_000;
        let time_micros = (self.nanos_of_day.unwrap_or(0) / 1000) as i64;
        let offset_micros = i64::from(self.offset_seconds.unwrap_or(0)) * 1_000_000;
        day_micros + time_micros - offset_micros
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Num(&'a str),
    Word(&'a str),
    Sep(u8),
}

const MAX_TOKENS: usize = 24;

/// Splits into digit runs, letter runs and single separator bytes (runs of spaces collapse).
fn tokenize(text: &str) -> Option<([Tok<'_>; MAX_TOKENS], usize)> {
    let mut toks = [Tok::Sep(b' '); MAX_TOKENS];
    let mut n = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let tok = if b.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            Tok::Num(&text[start..i])
        } else if b.is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            Tok::Word(&text[start..i])
        } else if b == b' ' {
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            Tok::Sep(b' ')
        } else if matches!(b, b'-' | b'/' | b'.' | b',' | b':' | b'+') {
            i += 1;
            Tok::Sep(b)
        } else {
            return None;
        };
        if n == MAX_TOKENS {
            return None;
        }
        toks[n] = tok;
        n += 1;
    }
    Some((toks, n))
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            (word.len() == 3 || word.len() == m.len() || (word.len() == 4 && *m == "september"))
                && m.len() >= word.len()
                && m.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        })
        .map(|i| i as u32 + 1)
}

fn is_weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    word.len() >= 3
        && DAYS.iter().any(|d| {
            (word.len() == 3 || word.len() == d.len())
                && d.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn num(s: &str) -> u32 {
    // Callers only pass short digit runs.
    s.bytes().fold(0u32, |acc, b| {
        acc.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    })
}

/// The kind of date `text` holds, or `None` if it is not a date.
pub(crate) fn classify(text: &str) -> Option<DateKind> {
    parse_datetime(text).map(|v| v.kind())
}

/// Reads a date or date-time in any of the formats this module recognises.
pub fn parse_datetime(text: &str) -> Option<DateTimeValue> {
    parse_iso(text.as_bytes()).or_else(|| parse_general(text))
}

/// Any layout this module recognises, through the tokenizer.
fn parse_general(text: &str) -> Option<DateTimeValue> {
    let (toks, n) = tokenize(text.trim())?;
    let toks = &toks[..n];
    let mut date_nums: [&str; 3] = [""; 3];
    let mut n_date = 0;
    let mut word_month = None;
    let mut time: Option<u64> = None; // nanoseconds since midnight
    let mut offset: Option<i32> = None;
    let mut i = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Num(_) if matches!(toks.get(i + 1), Some(Tok::Sep(b':'))) && time.is_none() => {
                let (t, next) = parse_time(toks, i)?;
                time = Some(t);
                i = next;
                continue;
            }
            Tok::Num(d) if d.len() == 8 && n_date == 0 && word_month.is_none() => {
                date_nums = [&d[..4], &d[4..6], &d[6..]];
                n_date = 3;
            }
            Tok::Num(d) => {
                if n_date == 3 || d.len() > 4 || (time.is_some() && d.len() != 4) {
                    return None;
                }
                date_nums[n_date] = d;
                n_date += 1;
            }
            Tok::Word(w) => {
                if let Some(m) = month_number(w) {
                    if word_month.replace(m).is_some() {
                        return None;
                    }
                } else if w.eq_ignore_ascii_case("z")
                    || w.eq_ignore_ascii_case("utc")
                    || w.eq_ignore_ascii_case("gmt")
                {
                    // A zone name only follows a time.
                    time?;
                    offset = Some(0);
                } else if !(is_weekday(w) || w == "T" || w == "t") {
                    return None;
                }
            }
            Tok::Sep(sign @ (b'+' | b'-')) if time.is_some() && offset.is_none() => {
                // A UTC offset after the time: +05:30, -0800, +05.
                let Some(Tok::Num(h)) = toks.get(i + 1) else {
                    return None;
                };
                i += 2;
                let (hours, minutes) =
                    if h.len() == 2 && matches!(toks.get(i), Some(Tok::Sep(b':'))) {
                        let Some(Tok::Num(m)) = toks.get(i + 1) else {
                            return None;
                        };
                        if m.len() != 2 {
                            return None;
                        }
                        i += 2;
                        (num(h), num(m))
                    } else if h.len() == 2 {
                        (num(h), 0)
                    } else if h.len() == 4 {
                        (num(&h[..2]), num(&h[2..]))
                    } else {
                        return None;
                    };
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let seconds = (hours * 3600 + minutes * 60) as i32;
                offset = Some(if sign == b'-' { -seconds } else { seconds });
                continue;
            }
            Tok::Sep(b'+') => return None,
            Tok::Sep(_) => {}
        }
        i += 1;
    }
    let (year, month, day) = resolve_date(&date_nums[..n_date], word_month)?;
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(DateTimeValue {
        year: year as i32,
        month,
        day,
        nanos_of_day: time,
        offset_seconds: offset,
    })
}

/// The common case quickly: `YYYY-MM-DD`, optionally followed by `T` or a space and
/// `HH:MM:SS[.fffffffff]`. Anything else (zones, other layouts) is left to the general parser.
fn parse_iso(b: &[u8]) -> Option<DateTimeValue> {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let nanos_of_day = if b.len() == 10 {
        None
    } else {
        if b.len() < 19 || !matches!(b[10], b'T' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, m, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        if h > 23 || m > 59 || s > 60 {
            return None;
        }
        let fraction = match b.get(19..) {
            Some([]) => 0,
            Some([b'.', rest @ ..]) if !rest.is_empty() && rest.len() <= 9 => {
                let text = std::str::from_utf8(rest).ok()?;
                if !rest.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                fraction_to_nanos(text)
            }
            _ => return None,
        };
        Some((u64::from(h) * 3600 + u64::from(m) * 60 + u64::from(s)) * 1_000_000_000 + fraction)
    };
    Some(DateTimeValue {
        year: year as i32,
        month,
        day,
        nanos_of_day,
        offset_seconds: None,
    })
}

/// `H:M[:S[.F]] [AM|PM]` starting at token `i`; returns nanoseconds since midnight and the next
/// token index.
fn parse_time(toks: &[Tok<'_>], mut i: usize) -> Option<(u64, usize)> {
    let mut parts = [0u32; 3];
    let mut count = 0;
    let mut fraction_nanos = 0u64;
    loop {
        let Some(Tok::Num(d)) = toks.get(i) else {
            return None;
        };
        if d.len() > 2 || count == 3 {
            return None;
        }
        parts[count] = num(d);
        count += 1;
        i += 1;
        match (toks.get(i), toks.get(i + 1)) {
            (Some(Tok::Sep(b':')), Some(Tok::Num(_))) => i += 1,
            (Some(Tok::Sep(b'.')), Some(Tok::Num(f))) if count == 3 => {
                fraction_nanos = fraction_to_nanos(f);
                i += 2;
                break;
            }
            _ => break,
        }
    }
    if count < 2 {
        return None;
    }
    let mut hour = parts[0];
    let (ampm, skip) = match (toks.get(i), toks.get(i + 1)) {
        (Some(Tok::Word(w)), _) => (Some(*w), 1),
        (Some(Tok::Sep(b' ')), Some(Tok::Word(w))) => (Some(*w), 2),
        _ => (None, 0),
    };
    match ampm {
        Some(w) if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") => {
            if hour == 0 || hour > 12 {
                return None;
            }
            let pm = w.eq_ignore_ascii_case("pm");
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
            i += skip;
        }
        _ => {}
    }
    if hour > 23 || parts[1] > 59 || parts[2] > 60 {
        return None;
    }
    let seconds = u64::from(hour) * 3600 + u64::from(parts[1]) * 60 + u64::from(parts[2]);
    Some((seconds * 1_000_000_000 + fraction_nanos, i))
}

/// The digits after a decimal point as nanoseconds (digits beyond the ninth are dropped).
pub(crate) fn fraction_to_nanos(digits: &str) -> u64 {
    let mut nanos = 0u64;
    for (i, b) in digits.bytes().take(9).enumerate() {
        nanos += u64::from(b - b'0') * 10u64.pow(8 - i as u32);
    }
    nanos
}

/// Orders the date's numbers as `dateutil` does by default: year first when it has four digits
/// or is above 31, otherwise month, day, year.
fn resolve_date(nums: &[&str], word_month: Option<u32>) -> Option<(u32, u32, u32)> {
    let year_of = |s: &str| {
        let y = num(s);
        if s.len() <= 2 { 2000 + y } else { y }
    };
    let is_year = |s: &str| s.len() >= 3 || num(s) > 31;
    match (nums, word_month) {
        ([a, b], Some(month)) => {
            let (day, year) = if is_year(a) { (b, a) } else { (a, b) };
            (!is_year(day)).then(|| (year_of(year), month, num(day)))
        }
        ([a, b, c], None) => {
            if is_year(a) {
                Some((year_of(a), num(b), num(c)))
            } else {
                let (m, d) = (num(a), num(b));
                // Month first, unless only day-first makes sense (25/12/2020).
                let (m, d) = if m > 12 && d <= 12 { (d, m) } else { (m, d) };
                Some((year_of(c), m, d))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_of_the_spec() {
        use DateKind::*;
        let cases = [
            ("2014-01-01", Some(Date)),
            ("2014-01-01 00:00:00", Some(Date)),
            ("1991-02-03 04:05:06", Some(DateTime)),
            ("1822-11-12T6:47:26", Some(DateTime)),
            ("11/12/1822 06:47:26.00", Some(DateTime)),
            ("Fri Dec 19 15:10:11 1997", Some(DateTime)),
            ("Friday, November 11, 2005 17:56:21", Some(DateTime)),
            ("1982-2-20 5:02:00", Some(DateTime)),
            ("20030331 05:59:59.9", Some(DateTime)),
            ("Jul  6 2030  5:55PM", Some(DateTime)),
            ("1994-10-20 T 11:15", Some(DateTime)),
            ("10-10-01T12:00:01", Some(DateTime)),
            ("2014-01-01T12:00:00Z", Some(DateTimeTz)),
            ("2014-01-01 12:00:00+05:30", Some(DateTimeTz)),
            ("2014-01-01T12:00:00.123-0800", Some(DateTimeTz)),
            ("19 Dec 1997", Some(Date)),
            ("25/12/2020", Some(Date)),
            ("31-DEC-99 12.00.00.000000000", None),
            ("2014-02-30", None),
            ("2014-13-01", None),
            ("hello 2014", None),
            ("1 2 3 4", None),
            ("12:00:00", None),
            ("A1", None),
            ("2014-01-01 25:00:00", None),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_iso_fast_path_agrees_with_the_general_parser() {
        for text in [
            "2014-01-01",
            "2014-02-29",
            "2016-02-29",
            "2014-01-01T10:00:00",
            "2014-01-01 23:59:60",
            "2014-01-01 10:00:00.123456789",
            "2014-01-01 10:00:00.1",
            "1970-01-01T00:00:00",
            "2014-13-01",
            "2014-01-01 24:00:00",
        ] {
            let fast = parse_iso(text.as_bytes());
            assert_eq!(fast, parse_general(text), "{text}");
        }
    }

    #[test]
    fn values() {
        let v = parse_datetime("1970-01-02T00:00:01.5+01:00").unwrap();
        assert_eq!(v.days_since_epoch(), 1);
        assert_eq!(
            v.micros_since_epoch(),
            86_400_000_000 + 1_500_000 - 3_600_000_000
        );
        let v = parse_datetime("Jul  6 2030  5:55PM").unwrap();
        assert_eq!((v.year, v.month, v.day), (2030, 7, 6));
        assert_eq!(v.nanos_of_day, Some((17 * 3600 + 55 * 60) * 1_000_000_000));
        assert_eq!(
            parse_datetime("1822-11-12").unwrap().days_since_epoch(),
            -53_741
        );
        assert_eq!(
            parse_datetime("2000-03-01").unwrap().days_since_epoch(),
            11_017
        );
    }
}
