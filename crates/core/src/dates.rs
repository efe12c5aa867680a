//! Dates as Indonesian offices write them. A spreadsheet saved in the Indonesian locale writes
//! `14/03/2026`; letters write `14 Maret 2026`; systems write `2026-03-14`. All are read, the
//! day always first: `03/04/2026` is the 3rd of April, never guessed as March the 4th.

use chrono::NaiveDate;

/// The month names and their common short forms, Indonesian first, then English.
const MONTHS: [&[&str]; 12] = [
    &["januari", "jan", "january"],
    &["februari", "feb", "pebruari", "february"],
    &["maret", "mar", "march"],
    &["april", "apr"],
    &["mei", "may"],
    &["juni", "jun", "june"],
    &["juli", "jul", "july"],
    &["agustus", "agu", "agt", "ags", "aug", "august"],
    &["september", "sep", "sept"],
    &["oktober", "okt", "oct", "october"],
    &["november", "nov", "nopember"],
    &["desember", "des", "dec", "december"],
];

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a date is written YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or as '14 Maret 2026'; found '{text}'"
)]
pub struct NotADate {
    pub text: String,
}

/// Reads `2026-03-14`, `14/03/2026`, `14-03-2026`, `14.03.2026`, `14 Maret 2026` (or `14 Mar
/// 2026`): the day first whenever the year comes last.
pub fn parse_date(text: &str) -> Result<NaiveDate, NotADate> {
    let t = text.trim();
    let fail = || NotADate {
        text: t.to_string(),
    };
    // ISO: the year first.
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    // Numbers, the day first.
    for sep in ['/', '-', '.'] {
        let parts: Vec<&str> = t.split(sep).collect();
        if parts.len() == 3 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
            let (d, m, y) = (parts[0], parts[1], parts[2]);
            if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
                return Err(fail());
            }
            return ymd(y, m, d).ok_or_else(fail);
        }
    }
    // Words: `14 Maret 2026`.
    let words: Vec<&str> = t.split_whitespace().collect();
    if let [d, month, y] = words.as_slice() {
        let month = month.trim_end_matches('.').to_lowercase();
        let m = MONTHS
            .iter()
            .position(|names| names.contains(&month.as_str()))
            .ok_or_else(fail)?;
        if y.len() == 4 && d.len() <= 2 {
            return ymd(y, &(m + 1).to_string(), d).ok_or_else(fail);
        }
    }
    Err(fail())
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `14 Maret 2026`: a date as an Indonesian letter writes it (`14 March 2026` in English).
pub fn long_date(date: NaiveDate, english: bool) -> String {
    use chrono::Datelike;
    const ENGLISH: [&str; 12] = [
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
    let i = date.month0() as usize;
    let name = if english { ENGLISH[i] } else { MONTHS[i][0] };
    let mut chars = name.chars();
    let capitalised: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    format!("{} {capitalised} {}", date.day(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_the_ways_offices_write_dates_day_first() {
        assert_eq!(parse_date("2026-03-14"), Ok(d(2026, 3, 14)));
        assert_eq!(parse_date("14/03/2026"), Ok(d(2026, 3, 14)));
        assert_eq!(parse_date("3/4/2026"), Ok(d(2026, 4, 3)));
        assert_eq!(parse_date("14-03-2026"), Ok(d(2026, 3, 14)));
        assert_eq!(parse_date("14.03.2026"), Ok(d(2026, 3, 14)));
        assert_eq!(parse_date("14 Maret 2026"), Ok(d(2026, 3, 14)));
        assert_eq!(parse_date(" 1 agustus 2026 "), Ok(d(2026, 8, 1)));
        assert_eq!(parse_date("17 Agt. 2026"), Ok(d(2026, 8, 17)));
        assert_eq!(parse_date("5 Des 2025"), Ok(d(2025, 12, 5)));
        assert_eq!(parse_date("5 December 2025"), Ok(d(2025, 12, 5)));
    }

    #[test]
    fn never_guesses_month_first_or_accepts_impossible_dates() {
        // 03/14/2026 would be month first: there is no 14th month.
        assert!(parse_date("03/14/2026").is_err());
        assert!(parse_date("31/02/2026").is_err());
        assert!(parse_date("14/03/26").is_err());
        assert!(parse_date("14 Maretz 2026").is_err());
        assert!(parse_date("").is_err());
        assert!(parse_date("2026/03/14").is_err());
        let e = parse_date("14th March").unwrap_err();
        assert!(e.to_string().contains("DD/MM/YYYY"), "{e}");
    }

    #[test]
    fn writes_dates_as_letters_do() {
        assert_eq!(long_date(d(2026, 3, 14), false), "14 Maret 2026");
        assert_eq!(long_date(d(2026, 8, 1), true), "1 August 2026");
        assert_eq!(long_date(d(2026, 5, 2), true), "2 May 2026");
    }
}
