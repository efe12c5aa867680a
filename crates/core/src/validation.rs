//! Field-level validation errors, collected rather than stopping at the first one, so that an
//! API answer or an import report can name every bad field at once.

use serde::Serialize;

/// One invalid field: where it is (a JSON path such as `levels[2].level`) and what was expected.
/// `message` is English for API clients and logs; `code` with `params`, when present, names the
/// problem so that a page can say it in its reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code: None,
            params: Default::default(),
        }
    }

    /// A reference to a record that does not exist: `what` is `unit`, `position`,
    /// `competency`, `program` or `employee` (named by NIP), `key` what was given.
    pub fn unknown(field: impl Into<String>, what: &str, key: impl std::fmt::Display) -> Self {
        let by = if what == "employee" { "NIP" } else { "code" };
        FieldError::new(field, format!("no {what} has the {by} {key}"))
            .with_code(&format!("unknown_{what}"))
            .with_param("code", key)
    }

    /// The same problem named by `code` (a key pages translate).
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_string());
        self
    }

    /// A parameter of the coded message (`{name}` in its translations).
    pub fn with_param(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_string(), value.to_string());
        self
    }
}

/// Collects field errors while a request is parsed into domain types.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// An error named by `code` (see `FieldError::with_code`) with its parameters.
    pub fn push_coded(
        &mut self,
        field: impl Into<String>,
        message: impl Into<String>,
        code: &str,
        params: &[(&str, String)],
    ) {
        let mut e = FieldError::new(field, message).with_code(code);
        for (name, value) in params {
            e = e.with_param(name, value);
        }
        self.errors.push(e);
    }

    /// Runs a parser; on failure records its message under `field` and returns `None`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.push(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else every error in the order found.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// A control character in text: NUL, escape and the like, which no screen shows, some
/// databases refuse (PostgreSQL cannot store NUL in text) and which usually mean a damaged file
/// or a probe. Tab and line breaks are control characters too, allowed only in text of several
/// lines (notes, comments, descriptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("contains the control character U+{code:04X} at character {position}; remove it")]
pub struct ControlCharacter {
    /// The character's code point.
    pub code: u32,
    /// Its position, counted in characters from 1.
    pub position: usize,
}

/// Whether `text` may be stored as typed text: no control characters, except tab, line feed and
/// carriage return when `multiline`.
pub fn check_text(text: &str, multiline: bool) -> Result<(), ControlCharacter> {
    match text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
    {
        None => Ok(()),
        Some((i, c)) => Err(ControlCharacter {
            code: c as u32,
            position: i + 1,
        }),
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_position() {
        assert_eq!(check_text("Siti Rahma", false), Ok(()));
        assert_eq!(
            check_text("Siti\0", false),
            Err(ControlCharacter {
                code: 0,
                position: 5
            })
        );
        assert!(check_text("a\u{1b}[31m", true).is_err());
        assert!(check_text("a\u{85}b", true).is_err());
        assert!(check_text("two\nlines", false).is_err());
        assert_eq!(check_text("two\r\nlines\twith tab", true), Ok(()));
        assert_eq!(
            check_text("\u{7f}", true).unwrap_err().to_string(),
            "contains the control character U+007F at character 1; remove it"
        );
    }
}
