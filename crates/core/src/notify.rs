//! Notifications beyond the app: e-mail addresses, the digest preference, when a failed delivery
//! is tried again, and text made safe for a mail header.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An e-mail address, read strictly enough that a mail server will take it: one `@`, a local
/// part of at most 64 printable ASCII characters without spaces, quotes or brackets, and a domain
/// of dot-separated labels (letters, digits, hyphens; at least two labels). The domain is kept in
/// lower case; the whole is at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why an address cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an e-mail address like nama@bulungankab.go.id")]
pub struct EmailError(pub String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, EmailError> {
        let err = || EmailError(text.to_string());
        let t = text.trim();
        if t.len() > 254 {
            return Err(err());
        }
        let (local, domain) = t.split_once('@').ok_or_else(err)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(err());
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// A stored address, trusted.
    pub fn from_stored(s: String) -> Email {
        Email(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How a person wants their notifications by mail: one mail each (`none`: no digest), or one
/// digest a day instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DigestPreference {
    #[default]
    None,
    Daily,
}

impl DigestPreference {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestPreference::None => "none",
            DigestPreference::Daily => "daily",
        }
    }
}

impl std::str::FromStr for DigestPreference {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(DigestPreference::None),
            "daily" => Ok(DigestPreference::Daily),
            _ => Err(format!("'{s}' is not none or daily")),
        }
    }
}

/// Where a delivery stands: `queued` (also while being retried), `sent`, or `failed` once given
/// up or refused by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "queued" => Ok(DeliveryStatus::Queued),
            "sent" => Ok(DeliveryStatus::Sent),
            "failed" => Ok(DeliveryStatus::Failed),
            _ => Err(format!("'{s}' is not queued, sent or failed")),
        }
    }
}

/// How many times a delivery is tried before it is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// After the `attempts`-th failed try (1-based) of a passing problem: how long to wait before the
/// next, doubling from one minute up to six hours; `None` when it is given up.
pub fn retry_after(attempts: i32) -> Option<chrono::Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let minutes = 1i64 << (attempts.clamp(1, 10) - 1);
    Some(chrono::Duration::minutes(minutes.min(360)))
}

/// The hour digests go out unless the organisation set another (`digest_hour`).
pub const DEFAULT_DIGEST_HOUR: u32 = 7;

/// The day whose digests are due at the local time `local`: today once its digest hour has
/// come, none before.
pub fn digest_day(local: chrono::NaiveDateTime, hour: u32) -> Option<chrono::NaiveDate> {
    use chrono::Timelike;
    (local.hour() >= hour).then(|| local.date())
}

/// Text for a single header line (a subject, a display name): line breaks and other control
/// characters become spaces, runs of spaces one, so nothing typed into a title or a name can
/// start a header of its own.
pub fn header_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Email::parse(" Siti.Aminah@BulunganKab.go.id ")
                .unwrap()
                .as_str(),
            "Siti.Aminah@bulungankab.go.id"
        );
        for bad in [
            "",
            "siti",
            "siti@",
            "@bulungankab.go.id",
            "siti@localhost",
            "si ti@bulungankab.go.id",
            "siti@bulungan kab.go.id",
            "siti@@x.id",
            "siti@x..id",
            "siti@-x.id",
            ".siti@x.id",
            "siti\r\nBcc: a@b.id@x.id",
            "\"siti\"@x.id",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@x.id", "a".repeat(65))).is_err());
    }

    #[test]
    fn retries_double_then_give_up() {
        assert_eq!(retry_after(1), Some(chrono::Duration::minutes(1)));
        assert_eq!(retry_after(2), Some(chrono::Duration::minutes(2)));
        assert_eq!(retry_after(4), Some(chrono::Duration::minutes(8)));
        assert_eq!(retry_after(7), Some(chrono::Duration::minutes(64)));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
    }

    #[test]
    fn digests_are_due_from_their_hour() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(digest_day(day.and_hms_opt(6, 59, 0).unwrap(), 7), None);
        assert_eq!(digest_day(day.and_hms_opt(7, 0, 0).unwrap(), 7), Some(day));
        assert_eq!(digest_day(day.and_hms_opt(23, 0, 0).unwrap(), 7), Some(day));
    }

    #[test]
    fn header_text_is_one_line() {
        assert_eq!(
            header_text("Tugas baru\r\nBcc: x@y.id\n\tlagi  "),
            "Tugas baru Bcc: x@y.id lagi"
        );
        assert_eq!(header_text("\r\n"), "");
    }
}
