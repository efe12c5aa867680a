//! What a use case can answer besides its result, in words the caller maps to its own terms
//! (HTTP statuses in the web crate, exit codes in the binary).

use jenjang_core::FieldError;
use jenjang_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The caller may not do this (the role table of `core::access`).
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// Conflicts with the current state (a stale version, a transition not allowed).
    #[error("{0}")]
    Conflict(String),
    /// Every bad field of the input.
    #[error("some values are invalid")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(details) => AppError::Invalid(details),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}
