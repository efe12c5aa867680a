//! The NIP (Nomor Induk Pegawai), the 18-digit national civil-servant number.
//!
//! Layout (PP 11/2017 and BKN's NIP rules): birth date `YYYYMMDD` (8), appointment year and month
//! `YYYYMM` (6), sex `1` (male) or `2` (female) (1), sequence (3).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated NIP. Always 18 ASCII digits, leading zeros kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Nip(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipError {
    #[error("a NIP has exactly 18 digits; this value has {0}")]
    Length(usize),
    #[error("a NIP has only digits 0-9")]
    NotDigits,
    #[error("digits 1-8 of a NIP are the birth date YYYYMMDD; {0} is not a valid date")]
    BirthDate(String),
    #[error("digits 9-14 of a NIP are the appointment year and month YYYYMM; {0} is not valid")]
    Appointment(String),
    #[error("digit 15 of a NIP is the sex, 1 or 2; found {0}")]
    Sex(char),
    #[error("the appointment date {appointment} is before the birth date {birth}")]
    AppointedBeforeBirth { birth: String, appointment: String },
}

impl Nip {
    /// Parses a NIP as people type or export it: surrounding spaces and an Excel text-marker
    /// apostrophe are removed; spaces inside (a common print layout) are removed too.
    pub fn parse(raw: &str) -> Result<Self, NipError> {
        let trimmed = raw.trim().trim_start_matches('\'');
        let s: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(NipError::NotDigits);
        }
        if s.len() != 18 {
            return Err(NipError::Length(s.len()));
        }
        let birth = &s[0..8];
        let birth_date = NaiveDate::parse_from_str(birth, "%Y%m%d")
            .ok()
            .filter(|d| (1900..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| NipError::BirthDate(birth.to_string()))?;
        let appointment = &s[8..14];
        let year: i32 = appointment[0..4].parse().unwrap_or(0);
        let month: u32 = appointment[4..6].parse().unwrap_or(0);
        if !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(NipError::Appointment(appointment.to_string()));
        }
        let appointed = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| NipError::Appointment(appointment.to_string()))?;
        if appointed < birth_date.with_day_one() {
            return Err(NipError::AppointedBeforeBirth {
                birth: birth.to_string(),
                appointment: appointment.to_string(),
            });
        }
        let sex = s.as_bytes()[14] as char;
        if sex != '1' && sex != '2' {
            return Err(NipError::Sex(sex));
        }
        Ok(Nip(s))
    }

    /// Wraps a value read back from Jenjang's own store, which validated it on the way in.
    pub fn from_stored(value: String) -> Self {
        Nip(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

trait DayOne {
    fn with_day_one(self) -> NaiveDate;
}

impl DayOne for NaiveDate {
    fn with_day_one(self) -> NaiveDate {
        chrono::Datelike::with_day(&self, 1).unwrap_or(self)
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Nip {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Nip::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_well_formed_nip() {
        let nip = Nip::parse("198503122010011002").unwrap();
        assert_eq!(nip.as_str(), "198503122010011002");
    }

    #[test]
    fn keeps_spaces_and_excel_apostrophe_out() {
        assert_eq!(
            Nip::parse(" '19850312 201001 1 002 ").unwrap().as_str(),
            "198503122010011002"
        );
    }

    #[test]
    fn rejects_wrong_shapes() {
        let cases = [
            ("19850312201001100", NipError::Length(17)),
            ("1985031220100110021", NipError::Length(19)),
            ("19850312201001100A", NipError::NotDigits),
            ("1.98503122010011E+17", NipError::NotDigits),
            ("198513122010011002", NipError::BirthDate("19851312".into())),
            ("198502302010011002", NipError::BirthDate("19850230".into())),
            ("198503122010131002", NipError::Appointment("201013".into())),
            ("198503122010013002", NipError::Sex('3')),
            ("198503122010010002", NipError::Sex('0')),
            (
                "198503121980011002",
                NipError::AppointedBeforeBirth {
                    birth: "19850312".into(),
                    appointment: "198001".into(),
                },
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(Nip::parse(raw), Err(expected), "{raw}");
        }
    }

    #[test]
    fn deserialises_through_the_same_rules() {
        let ok: Nip = serde_json::from_str("\"198503122010011002\"").unwrap();
        assert_eq!(ok.as_str(), "198503122010011002");
        assert!(serde_json::from_str::<Nip>("\"123\"").is_err());
    }
}
