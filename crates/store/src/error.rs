//! Store failures, already sorted into what the caller must tell apart.

use jenjang_core::FieldError;
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {key} was not found")]
    NotFound { entity: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("invalid values: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A stored value this build cannot read (an unknown status or event kind): never guessed.
    #[error("{table} row {key} cannot be read: {message}")]
    Corrupt {
        table: &'static str,
        key: String,
        message: String,
    },
    #[error("database error: {0}")]
    Db(#[source] DbErr),
}

impl StoreError {
    pub fn not_found(entity: &'static str, key: impl Into<String>) -> Self {
        StoreError::NotFound {
            entity,
            key: key.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        // A unique key raced past our own existence check: report it as the conflict it is.
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                StoreError::Conflict("a record with this key already exists".into())
            }
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Reads a stored text column into its type. A value this build does not know is `Corrupt`,
/// naming the row, never a plausible default.
pub(crate) fn stored<T>(table: &'static str, key: impl std::fmt::Display, value: &str) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| StoreError::Corrupt {
        table,
        key: key.to_string(),
        message: format!("'{value}': {e}"),
    })
}

/// Reads a stored JSON column; unreadable JSON is `Corrupt`, naming the row.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    key: impl std::fmt::Display,
    text: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        key: key.to_string(),
        message: format!("unreadable JSON: {e}"),
    })
}
