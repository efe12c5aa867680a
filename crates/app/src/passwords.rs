//! Password hashes: argon2id with a random salt, computed off the async runtime. Used by the
//! sign-in, `jenjang user add` and seeding.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

/// Hashes a password with argon2id and a random salt (off the async runtime).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Checks a password against a stored hash (off the async runtime).
pub async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// The 10,000 most common passwords (see `data/README.md`), one per line, lower case.
static COMMON: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .collect()
    });

/// Whether `password` (compared in lower case) is among the shipped common passwords.
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

/// Checks a new password for the account of `personal` (its username, NIP and the employee's
/// name): the rules are `core::accounts::check_new_password`; a refusal is a problem of `field`.
pub fn check_new(
    field: &str,
    password: &str,
    personal: &[&str],
) -> Result<(), jenjang_core::FieldError> {
    jenjang_core::accounts::check_new_password(password, personal, is_common)
        .map_err(|weak| jenjang_core::FieldError::new(field, weak.message()))
}
