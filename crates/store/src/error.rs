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
    #[error("{table} row {id} cannot be read: {message}")]
    Corrupt {
        table: &'static str,
        id: i64,
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
