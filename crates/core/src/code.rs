//! Natural keys (`code`) of units, competencies, programs, positions, campaigns and workflows.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A code users type and see in URLs: 1..=64 characters of letters, digits, `.`, `-` and `_`,
/// starting with a letter or digit (e.g. `M.1`, `DINKES`, `TK-SIG-01`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Code(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code must not be empty")]
    Empty,
    #[error("a code has at most 64 characters")]
    TooLong,
    #[error(
        "a code uses only letters, digits, '.', '-' and '_', and starts with a letter or digit"
    )]
    Characters,
}

impl Code {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.chars().count() > 64 {
            return Err(CodeError::TooLong);
        }
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !first_ok || !rest_ok {
            return Err(CodeError::Characters);
        }
        Ok(Code(s.to_string()))
    }

    /// Wraps a value read back from Jenjang's own store, which validated it on the way in.
    pub fn from_stored(value: String) -> Self {
        Code(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dictionary_codes_and_rejects_others() {
        for ok in ["M.1", "SK.1", "DINKES", "tk-sig_01"] {
            assert!(Code::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Code::parse("  "), Err(CodeError::Empty));
        assert_eq!(Code::parse("a b"), Err(CodeError::Characters));
        assert_eq!(Code::parse(".x"), Err(CodeError::Characters));
        assert_eq!(Code::parse(&"x".repeat(65)), Err(CodeError::TooLong));
    }
}
