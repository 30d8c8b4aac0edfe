//! Working-time arithmetic: "N working minutes after this instant" and "working time between
//! two instants", under a policy's [`BusinessCalendar`] or, without one, the wall clock.
//!
//! A calendar is read in its own IANA time zone (chrono-tz): weekly hours per weekday (several
//! spans a day allowed, e.g. 09:00–12:00 and 13:00–17:00; an end of `00:00` means midnight at
//! the end of the day) and holidays as local dates (no work that whole day). Every span is
//! turned into a pair of UTC instants for its own date, so daylight-saving switches cost or add
//! exactly the real time they do: a span that crosses a spring-forward gap is an hour shorter,
//! one that crosses a fall-back fold an hour longer. Local times that do not exist (inside a
//! gap) mean the first instant after the gap; local times that exist twice mean the earlier one
//! for a span's start and the later one for its end.
//!
//! The arithmetic never loops forever: a calendar must have some working time each week
//! ([`Calendar::new`] refuses one without), and walking the days stops after
//! [`MAX_SPAN_DAYS`] with a validation error. [`check_reachable`] lets a policy refuse, when it is
//! saved, a target its calendar could not meet within half that bound.

use crate::error::{Error, Result};
use crate::model::BusinessCalendar;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How many days the arithmetic walks before giving up (about twenty years).
pub const MAX_SPAN_DAYS: i64 = 7_320;

/// Most holidays a calendar may list.
pub const MAX_HOLIDAYS: usize = 2_000;

const DAY_SECONDS: u32 = 86_400;

/// Working time: the wall clock, or a business calendar.
#[derive(Debug, Clone)]
pub enum WorkingTime {
    /// Every second counts.
    WallClock,
    /// Only the calendar's working hours count.
    Business(Calendar),
}

impl WorkingTime {
    /// The working time of a policy (or ticket terms) with an optional calendar.
    pub fn new(calendar: Option<&BusinessCalendar>) -> Result<Self> {
        Ok(match calendar {
            None => WorkingTime::WallClock,
            Some(c) => WorkingTime::Business(Calendar::new(c)?),
        })
    }

    /// The instant `amount` of working time after `start` (`start` itself for a zero or
    /// negative amount).
    pub fn add(&self, start: DateTime<Utc>, amount: Duration) -> Result<DateTime<Utc>> {
        if amount <= Duration::zero() {
            return Ok(start);
        }
        match self {
            WorkingTime::WallClock => start
                .checked_add_signed(amount)
                .ok_or_else(|| Error::validation("targets", "the deadline is out of range")),
            WorkingTime::Business(c) => c.add(start, amount),
        }
    }

    /// The instant `minutes` working minutes after `start`.
    pub fn add_minutes(&self, start: DateTime<Utc>, minutes: u32) -> Result<DateTime<Utc>> {
        self.add(start, Duration::minutes(i64::from(minutes)))
    }

    /// The working time between two instants (zero when `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        match self {
            WorkingTime::WallClock => to - from,
            WorkingTime::Business(c) => c.between(from, to),
        }
    }

    /// Whole working minutes between two instants.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.between(from, to).num_minutes()
    }
}

/// A validated business calendar, ready for arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    /// Per weekday (Monday first): sorted, merged spans as seconds from local midnight,
    /// `[start, end)`, `end` at most 86,400.
    days: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

/// Which end of a span a local time is: decides how a repeated local time is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

impl Calendar {
    /// Validates a calendar: a known IANA zone, spans that start before they end (an end of
    /// `00:00` is midnight), some working time in the week, at most [`MAX_HOLIDAYS`] holidays.
    pub fn new(c: &BusinessCalendar) -> Result<Self> {
        let tz: Tz = c.time_zone.parse().map_err(|_| {
            Error::validation(
                "calendar.time_zone",
                format!(
                    "'{}' is not an IANA time zone like Europe/Berlin",
                    c.time_zone
                ),
            )
        })?;
        if c.holidays.len() > MAX_HOLIDAYS {
            return Err(Error::validation(
                "calendar.holidays",
                format!("at most {MAX_HOLIDAYS} holidays"),
            ));
        }
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        for h in &c.hours {
            let start = h.start.num_seconds_from_midnight();
            let end = match h.end.num_seconds_from_midnight() {
                0 => DAY_SECONDS,
                e => e,
            };
            if start >= end {
                return Err(Error::validation(
                    "calendar.hours",
                    format!("{}: the working hours must start before they end", h.day),
                ));
            }
            days[h.day.num_days_from_monday() as usize].push((start, end));
        }
        for spans in &mut days {
            spans.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
            for &(s, e) in spans.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *spans = merged;
        }
        if days.iter().all(Vec::is_empty) {
            return Err(Error::validation(
                "calendar.hours",
                "a calendar needs working hours on at least one day",
            ));
        }
        Ok(Calendar {
            tz,
            days,
            holidays: c.holidays.iter().copied().collect(),
        })
    }

    /// Nominal working seconds in a week (daylight-saving switches aside).
    pub fn weekly_seconds(&self) -> i64 {
        self.days
            .iter()
            .flatten()
            .map(|&(s, e)| i64::from(e - s))
            .sum()
    }

    /// The working spans of a local date, as UTC instants.
    fn spans(&self, date: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let spans: &[(u32, u32)] = if self.holidays.contains(&date) {
            &[]
        } else {
            &self.days[date.weekday().num_days_from_monday() as usize]
        };
        spans.iter().filter_map(move |&(s, e)| {
            let start = self.instant(date, s, Edge::Start)?;
            let end = self.instant(date, e, Edge::End)?;
            (end > start).then_some((start, end))
        })
    }

    /// The UTC instant of a local date and second of the day (86,400 is the next midnight).
    fn instant(&self, date: NaiveDate, secs: u32, edge: Edge) -> Option<DateTime<Utc>> {
        let (date, secs) = if secs >= DAY_SECONDS {
            (date.succ_opt()?, 0)
        } else {
            (date, secs)
        };
        let local = date.and_hms_opt(secs / 3600, (secs / 60) % 60, secs % 60)?;
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                Some(match edge {
                    Edge::Start => a.min(b),
                    Edge::End => a.max(b),
                })
            }
            chrono::LocalResult::None => self.first_at_or_after(local),
        }
    }

    /// The first instant whose local time is at or after `local` (for a local time inside a
    /// daylight-saving gap: the instant the gap ends). Local time only moves forward within the
    /// searched window, which no real zone's transitions break.
    fn first_at_or_after(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let guess = local.and_utc().timestamp();
        let (mut lo, mut hi) = (guess - 27 * 3600, guess + 27 * 3600);
        let local_at = |ts: i64| {
            DateTime::from_timestamp(ts, 0).map(|t| t.with_timezone(&self.tz).naive_local())
        };
        if local_at(hi)? < local {
            return None;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if local_at(mid)? >= local {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        DateTime::from_timestamp(lo, 0)
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    fn add(&self, start: DateTime<Utc>, amount: Duration) -> Result<DateTime<Utc>> {
        let mut left = amount;
        // The day before too: its spans end before `start` in all but exotic zones, and are
        // clipped to `start` anyway.
        let mut date = self.local_date(start).pred_opt().unwrap_or(NaiveDate::MIN);
        for _ in 0..MAX_SPAN_DAYS {
            for (s, e) in self.spans(date) {
                let from = s.max(start);
                if e <= from {
                    continue;
                }
                let available = e - from;
                if available >= left {
                    return Ok(from + left);
                }
                left -= available;
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        Err(Error::validation(
            "calendar",
            format!(
                "the calendar has too little working time to fit the target within {MAX_SPAN_DAYS} days"
            ),
        ))
    }

    fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        let mut date = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = self.local_date(to).succ_opt().unwrap_or(NaiveDate::MAX);
        while date <= last {
            for (s, e) in self.spans(date) {
                let (a, b) = (s.max(from), e.min(to));
                if b > a {
                    total += b - a;
                }
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        total
    }
}

/// Refuses a target the calendar cannot fit within half of [`MAX_SPAN_DAYS`] (so the arithmetic's
/// bound is never what decides): e.g. a year-long target under one working hour a week.
pub fn check_reachable(calendar: &Calendar, minutes: u32, field: &str) -> Result<()> {
    let weekly = calendar.weekly_seconds().max(1);
    let weeks = (i64::from(minutes) * 60 + weekly - 1) / weekly;
    // Each holiday can cost at most a week's worth of waiting; one more week of slack covers
    // daylight-saving days and the partial first week.
    let holidays = calendar.holidays.len() as i64;
    let days = (weeks + holidays + 1) * 7;
    if days > MAX_SPAN_DAYS / 2 {
        return Err(Error::validation(
            field,
            format!(
                "{minutes} working minutes would take more than {} days under this calendar's hours",
                MAX_SPAN_DAYS / 2
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WorkingHours;
    use chrono::{NaiveTime, Weekday};

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid instant")
            .with_timezone(&Utc)
    }

    fn weekdays(tz: &str, start: NaiveTime, end: NaiveTime) -> BusinessCalendar {
        BusinessCalendar {
            time_zone: tz.into(),
            hours: [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ]
            .into_iter()
            .map(|day| WorkingHours { day, start, end })
            .collect(),
            holidays: Vec::new(),
        }
    }

    fn business(c: &BusinessCalendar) -> WorkingTime {
        WorkingTime::new(Some(c)).expect("valid calendar")
    }

    #[test]
    fn wall_clock_counts_every_minute() {
        let w = WorkingTime::new(None).expect("wall clock");
        let start = utc("2026-03-28T23:30:00Z");
        let due = w.add_minutes(start, 90).expect("due");
        assert_eq!(due, utc("2026-03-29T01:00:00Z"));
        assert_eq!(w.minutes_between(start, due), 90);
        assert_eq!(w.minutes_between(due, start), 0);
    }

    #[test]
    fn minutes_inside_one_working_day() {
        let w = business(&weekdays("Europe/Berlin", hm(9, 0), hm(17, 0)));
        // Tuesday 10:00 CET = 09:00 UTC.
        let start = utc("2026-02-10T09:00:00Z");
        assert_eq!(
            w.add_minutes(start, 120).expect("due"),
            utc("2026-02-10T11:00:00Z")
        );
    }

    #[test]
    fn a_start_outside_hours_waits_for_the_next_opening() {
        let w = business(&weekdays("Europe/Berlin", hm(9, 0), hm(17, 0)));
        // Tuesday 20:00 CET: nothing counts until Wednesday 09:00 CET (08:00 UTC).
        let start = utc("2026-02-10T19:00:00Z");
        assert_eq!(
            w.add_minutes(start, 30).expect("due"),
            utc("2026-02-11T08:30:00Z")
        );
        assert_eq!(w.minutes_between(start, utc("2026-02-11T08:30:00Z")), 30);
    }

    #[test]
    fn the_weekend_does_not_count() {
        let w = business(&weekdays("Europe/Berlin", hm(9, 0), hm(17, 0)));
        // Friday 16:00 CET, 4 working hours: 1 on Friday, 3 on Monday (09:00–12:00 CET).
        let start = utc("2026-02-13T15:00:00Z");
        let due = w.add_minutes(start, 240).expect("due");
        assert_eq!(due, utc("2026-02-16T11:00:00Z"));
        assert_eq!(w.minutes_between(start, due), 240);
        // The whole weekend is worth nothing.
        assert_eq!(
            w.minutes_between(utc("2026-02-13T16:00:00Z"), utc("2026-02-16T08:00:00Z")),
            0
        );
    }

    #[test]
    fn a_holiday_is_skipped_like_a_weekend_day() {
        let mut c = weekdays("Europe/Berlin", hm(9, 0), hm(17, 0));
        // Good Friday and Easter Monday 2026.
        c.holidays = vec![
            NaiveDate::from_ymd_opt(2026, 4, 3).expect("date"),
            NaiveDate::from_ymd_opt(2026, 4, 6).expect("date"),
        ];
        let w = business(&c);
        // Thursday 2 April 16:00 CEST (14:00 UTC) + 2 h: 1 h Thursday, then Tuesday 7 April.
        let start = utc("2026-04-02T14:00:00Z");
        let due = w.add_minutes(start, 120).expect("due");
        assert_eq!(due, utc("2026-04-07T08:00:00Z"));
        assert_eq!(w.minutes_between(start, due), 120);
    }

    #[test]
    fn berlin_spring_forward_moves_the_opening_by_an_hour_in_utc() {
        let w = business(&weekdays("Europe/Berlin", hm(9, 0), hm(17, 0)));
        // Friday 27 March 2026 16:00 CET (15:00 UTC); clocks go forward on Sunday 29 March.
        // 1 h on Friday, then Monday opens at 09:00 CEST = 07:00 UTC (not 08:00).
        let start = utc("2026-03-27T15:00:00Z");
        let due = w.add_minutes(start, 120).expect("due");
        assert_eq!(due, utc("2026-03-30T08:00:00Z"));
        assert_eq!(w.minutes_between(start, due), 120);
    }

    #[test]
    fn berlin_fall_back_moves_the_opening_back() {
        let w = business(&weekdays("Europe/Berlin", hm(9, 0), hm(17, 0)));
        // Friday 23 October 2026 16:00 CEST (14:00 UTC); clocks go back on Sunday 25 October.
        // Monday opens at 09:00 CET = 08:00 UTC.
        let start = utc("2026-10-23T14:00:00Z");
        assert_eq!(
            w.add_minutes(start, 120).expect("due"),
            utc("2026-10-26T09:00:00Z")
        );
    }

    #[test]
    fn a_span_across_the_gap_is_an_hour_shorter_and_across_the_fold_an_hour_longer() {
        let c = BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            hours: vec![WorkingHours {
                day: Weekday::Sun,
                start: hm(1, 0),
                end: hm(4, 0),
            }],
            holidays: Vec::new(),
        };
        let w = business(&c);
        // 29 March 2026: 02:00–03:00 does not exist, 01:00–04:00 local is 2 real hours.
        assert_eq!(
            w.minutes_between(utc("2026-03-28T00:00:00Z"), utc("2026-03-30T00:00:00Z")),
            120
        );
        // 25 October 2026: 02:00–03:00 happens twice, 01:00–04:00 local is 4 real hours.
        assert_eq!(
            w.minutes_between(utc("2026-10-24T00:00:00Z"), utc("2026-10-26T00:00:00Z")),
            240
        );
        // An ordinary Sunday: 3 hours.
        assert_eq!(
            w.minutes_between(utc("2026-02-14T00:00:00Z"), utc("2026-02-16T00:00:00Z")),
            180
        );
    }

    #[test]
    fn a_span_starting_inside_the_gap_starts_when_the_gap_ends() {
        let c = BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            hours: vec![WorkingHours {
                day: Weekday::Sun,
                start: hm(2, 30),
                end: hm(5, 0),
            }],
            holidays: Vec::new(),
        };
        let w = business(&c);
        // 02:30 does not exist on 29 March 2026: work starts at 03:00 CEST = 01:00 UTC.
        let due = w.add_minutes(utc("2026-03-28T12:00:00Z"), 10).expect("due");
        assert_eq!(due, utc("2026-03-29T01:10:00Z"));
    }

    #[test]
    fn new_york_spring_forward() {
        let w = business(&weekdays("America/New_York", hm(9, 0), hm(17, 0)));
        // Friday 6 March 2026 16:00 EST (21:00 UTC); DST starts Sunday 8 March.
        // Monday opens at 09:00 EDT = 13:00 UTC (not 14:00).
        let start = utc("2026-03-06T21:00:00Z");
        let due = w.add_minutes(start, 90).expect("due");
        assert_eq!(due, utc("2026-03-09T13:30:00Z"));
        assert_eq!(w.minutes_between(start, due), 90);
    }

    #[test]
    fn split_shifts_and_a_midnight_end() {
        let c = BusinessCalendar {
            time_zone: "UTC".into(),
            hours: vec![
                WorkingHours {
                    day: Weekday::Mon,
                    start: hm(13, 0),
                    end: hm(17, 0),
                },
                WorkingHours {
                    day: Weekday::Mon,
                    start: hm(9, 0),
                    end: hm(12, 0),
                },
                WorkingHours {
                    day: Weekday::Tue,
                    start: hm(22, 0),
                    end: hm(0, 0),
                },
            ],
            holidays: Vec::new(),
        };
        let w = business(&c);
        // Monday 11:00 + 3 h: 1 h before lunch, 2 h after.
        assert_eq!(
            w.add_minutes(utc("2026-02-09T11:00:00Z"), 180)
                .expect("due"),
            utc("2026-02-09T15:00:00Z")
        );
        // Monday 16:30 + 2 h: 30 min Monday, 90 min of Tuesday's 22:00–24:00.
        assert_eq!(
            w.add_minutes(utc("2026-02-09T16:30:00Z"), 120)
                .expect("due"),
            utc("2026-02-10T23:30:00Z")
        );
        assert_eq!(Calendar::new(&c).expect("valid").weekly_seconds(), 9 * 3600);
    }

    #[test]
    fn add_and_between_agree_over_a_long_stretch() {
        let mut c = weekdays("America/New_York", hm(8, 30), hm(17, 15));
        c.holidays = vec![NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")];
        let w = business(&c);
        let start = utc("2026-10-01T12:34:56Z");
        for minutes in [1, 59, 525, 3_000, 40_000] {
            let due = w.add_minutes(start, minutes).expect("due");
            assert_eq!(w.minutes_between(start, due), i64::from(minutes));
        }
    }

    #[test]
    fn a_calendar_without_hours_is_refused() {
        let c = BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            hours: Vec::new(),
            holidays: Vec::new(),
        };
        let err = WorkingTime::new(Some(&c)).expect_err("no hours");
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "calendar.hours"));
        let mut bad = weekdays("Europe/Berlin", hm(17, 0), hm(9, 0));
        assert!(WorkingTime::new(Some(&bad)).is_err());
        bad = weekdays("Mars/Olympus_Mons", hm(9, 0), hm(17, 0));
        let err = WorkingTime::new(Some(&bad)).expect_err("bad zone");
        assert!(
            matches!(err, Error::Validation { ref field, .. } if field == "calendar.time_zone")
        );
    }

    #[test]
    fn unreachable_targets_are_refused_and_the_arithmetic_stops() {
        let c = BusinessCalendar {
            time_zone: "UTC".into(),
            hours: vec![WorkingHours {
                day: Weekday::Wed,
                start: hm(9, 0),
                end: hm(9, 1),
            }],
            holidays: Vec::new(),
        };
        let cal = Calendar::new(&c).expect("valid");
        // A year of minutes at one minute a week.
        assert!(check_reachable(&cal, 525_600, "targets").is_err());
        assert!(check_reachable(&cal, 60, "targets").is_ok());
        // The arithmetic itself gives up with an error instead of walking forever.
        let w = WorkingTime::Business(cal);
        assert!(w.add_minutes(utc("2026-01-01T00:00:00Z"), 525_600).is_err());
    }
}
