//! Budgets: an organization's spending limit per calendar month, quarter or year, and
//! where an order leaves it. Periods follow the calendar of one time zone
//! (`BUDGET_TIMEZONE`), so a quarter ends at midnight where the finance team sits.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "month" => Some(Period::Month),
            "quarter" => Some(Period::Quarter),
            "year" => Some(Period::Year),
            _ => None,
        }
    }

    /// The period holding the instant `at_ms` (unix milliseconds) in `tz`: its first
    /// millisecond and the first one after it.
    pub fn bounds(self, at_ms: i64, tz: &TimeZone) -> Result<(i64, i64), String> {
        let ts = Timestamp::from_millisecond(at_ms).map_err(|e| e.to_string())?;
        let day = ts.to_zoned_datetime(tz.clone()).date();
        let first_month = match self {
            Period::Month => day.month(),
            Period::Quarter => (day.month() - 1) / 3 * 3 + 1,
            Period::Year => 1,
        };
        let start = Date::new(day.year(), first_month, 1).map_err(|e| e.to_string())?;
        let months: i32 = match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        };
        let end = start
            .checked_add(months.months())
            .map_err(|e| e.to_string())?;
        let ms = |d: Date| -> Result<i64, String> {
            Ok(d.to_zoned_datetime(tz.clone())
                .map_err(|e| e.to_string())?
                .timestamp()
                .as_millisecond())
        };
        Ok((ms(start)?, ms(end)?))
    }
}

/// An organization's budget: an amount in the store's currency per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub period: Period,
    pub amount: Decimal,
}

/// Where an order stands against its organization's budget for the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub budget: Budget,
    /// Orders paid, or placed and awaiting payment, in the period.
    pub spent: Decimal,
    /// Orders waiting for approval in the period (this one not included).
    pub committed: Decimal,
    pub this_order: Decimal,
}

impl Standing {
    /// What is left once this order and everything committed is spent; below zero when
    /// it goes over.
    pub fn remaining_after(&self) -> Decimal {
        self.budget.amount - self.spent - self.committed - self.this_order
    }

    pub fn over(&self) -> bool {
        self.remaining_after().is_sign_negative() && !self.remaining_after().is_zero()
    }
}

/// The time zone of `BUDGET_TIMEZONE` (an IANA name such as Europe/Berlin).
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name.trim()).map_err(|_| {
        format!("'{name}' is not a time zone: use an IANA name such as UTC or Europe/Berlin")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn periods_follow_the_calendar() {
        let utc = TimeZone::UTC;
        let at = ms("2026-05-17T10:00:00Z");
        assert_eq!(
            Period::Month.bounds(at, &utc).unwrap(),
            (ms("2026-05-01T00:00:00Z"), ms("2026-06-01T00:00:00Z"))
        );
        assert_eq!(
            Period::Quarter.bounds(at, &utc).unwrap(),
            (ms("2026-04-01T00:00:00Z"), ms("2026-07-01T00:00:00Z"))
        );
        assert_eq!(
            Period::Year.bounds(at, &utc).unwrap(),
            (ms("2026-01-01T00:00:00Z"), ms("2027-01-01T00:00:00Z"))
        );
        let dec = ms("2026-12-31T23:59:59.999Z");
        assert_eq!(
            Period::Quarter.bounds(dec, &utc).unwrap(),
            (ms("2026-10-01T00:00:00Z"), ms("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn a_quarter_ends_at_midnight_in_the_budget_time_zone() {
        let berlin = time_zone("Europe/Berlin").unwrap();
        // 23:30 UTC on 30 June is already 1 July in Berlin (UTC+2 in summer).
        let at = ms("2026-06-30T23:30:00Z");
        let (start, end) = Period::Quarter.bounds(at, &berlin).unwrap();
        assert_eq!(start, ms("2026-06-30T22:00:00Z"));
        assert_eq!(end, ms("2026-09-30T22:00:00Z"));
        assert_eq!(
            Period::Quarter.bounds(at, &TimeZone::UTC).unwrap().0,
            ms("2026-04-01T00:00:00Z")
        );
        assert!(time_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn an_order_goes_over_only_past_the_amount() {
        let s = |spent: i64, committed: i64, this: i64| Standing {
            budget: Budget {
                period: Period::Quarter,
                amount: Decimal::from(1000),
            },
            spent: Decimal::from(spent),
            committed: Decimal::from(committed),
            this_order: Decimal::from(this),
        };
        assert_eq!(s(400, 100, 500).remaining_after(), Decimal::ZERO);
        assert!(!s(400, 100, 500).over());
        assert!(s(400, 100, 501).over());
        assert_eq!(s(400, 100, 501).remaining_after(), Decimal::from(-1));
    }
}
