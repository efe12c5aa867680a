//! Evaluation periods (PermenPANRB 6/2022): quarters (triwulan) `YYYY-Q1`..`YYYY-Q4` and the year
//! (`YYYY`, the "Akhir" evaluation). Spreadsheets also write "Triwulan I 2026" or "TW I 2026".

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Quarter { year: i32, quarter: u8 },
    Annual { year: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a period is written YYYY-Q1..YYYY-Q4 (triwulan), YYYY (annual), or 'Triwulan I 2026' / 'TW I 2026'; found '{0}'"
)]
pub struct PeriodError(pub String);

fn roman_or_digit(s: &str) -> Option<u8> {
    match s {
        "I" | "1" => Some(1),
        "II" | "2" => Some(2),
        "III" | "3" => Some(3),
        "IV" | "4" => Some(4),
        _ => None,
    }
}

fn year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (2000..=2100).contains(y))
}

impl Period {
    pub fn parse(raw: &str) -> Result<Period, PeriodError> {
        let s = raw.trim().to_uppercase();
        let err = || PeriodError(raw.trim().to_string());
        if let Some(y) = year(&s) {
            return Ok(Period::Annual { year: y });
        }
        if let Some((y, q)) = s.split_once("-Q") {
            let (Some(year), Some(quarter)) = (
                year(y),
                q.parse::<u8>().ok().filter(|q| (1..=4).contains(q)),
            ) else {
                return Err(err());
            };
            return Ok(Period::Quarter { year, quarter });
        }
        let words: Vec<&str> = s.split_whitespace().collect();
        if let [label, q, y] = words.as_slice()
            && matches!(*label, "TRIWULAN" | "TW")
            && let (Some(quarter), Some(year)) = (roman_or_digit(q), year(y))
        {
            return Ok(Period::Quarter { year, quarter });
        }
        Err(err())
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Quarter { year, .. } | Period::Annual { year } => year,
        }
    }

    pub fn is_annual(self) -> bool {
        matches!(self, Period::Annual { .. })
    }

    /// Where the period falls in time for ordering realisations: the quarters of a year in
    /// order, the whole year after its fourth quarter (it is known only once the year ends).
    pub fn sort_key(self) -> (i32, u8) {
        match self {
            Period::Quarter { year, quarter } => (year, quarter),
            Period::Annual { year } => (year, 5),
        }
    }

    /// The quarter `date` falls in.
    pub fn quarter_of(date: chrono::NaiveDate) -> Period {
        use chrono::Datelike;
        Period::Quarter {
            year: date.year(),
            quarter: (date.month0() / 3 + 1) as u8,
        }
    }

    /// The first day of the period and the first day after it.
    pub fn days(self) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let (year, first_month, months) = match self {
            Period::Quarter { year, quarter } => (year, u32::from(quarter) * 3 - 2, 3),
            Period::Annual { year } => (year, 1, 12),
        };
        let start =
            chrono::NaiveDate::from_ymd_opt(year, first_month, 1).expect("a month's first day");
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .expect("a date within range");
        (start, end)
    }

    /// The period just before this one of the same cadence.
    pub fn previous(self) -> Period {
        match self {
            Period::Annual { year } => Period::Annual { year: year - 1 },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
        }
    }
}

#[cfg(test)]
mod days_tests {
    use super::*;

    #[test]
    fn a_quarter_spans_three_months() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(Period::quarter_of(d(2026, 8, 31)).to_string(), "2026-Q3");
        assert_eq!(
            Period::parse("2026-Q4").unwrap().days(),
            (d(2026, 10, 1), d(2027, 1, 1))
        );
        assert_eq!(
            Period::parse("2026").unwrap().days(),
            (d(2026, 1, 1), d(2027, 1, 1))
        );
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Annual { year } => write!(f, "{year}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Period::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_spelling() {
        let q1 = Period::Quarter {
            year: 2026,
            quarter: 1,
        };
        for s in [
            "2026-Q1",
            "2026-q1",
            " Triwulan I 2026 ",
            "TW I 2026",
            "tw 1 2026",
            "TRIWULAN 1 2026",
        ] {
            assert_eq!(Period::parse(s), Ok(q1), "{s}");
        }
        assert_eq!(
            Period::parse("TW IV 2025"),
            Ok(Period::Quarter {
                year: 2025,
                quarter: 4
            })
        );
        assert_eq!(Period::parse("2026"), Ok(Period::Annual { year: 2026 }));
        for bad in [
            "2026-Q5",
            "2026-Q0",
            "Q1 2026",
            "TW V 2026",
            "26",
            "1999",
            "2026-01",
            "",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(q1.to_string(), "2026-Q1");
        assert_eq!(q1.previous().to_string(), "2025-Q4");
    }
}
