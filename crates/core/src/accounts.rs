//! Accounts for a whole organisation: who an employee's account makes them (the role follows the
//! unit tree unless an admin granted hr or admin), what state an account is in, and what makes a
//! new password acceptable.

use crate::kinds::{Role, string_enum};
use serde::{Deserialize, Serialize};

/// The role the tree gives an employee: the head of a unit leads, someone with direct reports
/// supervises, everyone else is staff.
pub fn role_from_tree(heads_a_unit: bool, has_reports: bool) -> Role {
    if heads_a_unit {
        Role::Leader
    } else if has_reports {
        Role::Supervisor
    } else {
        Role::Staff
    }
}

/// Whether a role is one an admin grants (and the tree never takes away).
pub fn is_granted_role(role: Role) -> bool {
    matches!(role, Role::Hr | Role::Admin)
}

string_enum! {
    /// An account: waiting for its first password (`pending`), usable (`active`), or switched
    /// off by an admin or because the employee left (`disabled`).
    AccountStatus { Active = "active", Disabled = "disabled", Pending = "pending" }
}

impl AccountStatus {
    /// The status of an account that is `enabled` (not switched off) and `has_password`.
    pub fn of(enabled: bool, has_password: bool) -> Self {
        match (enabled, has_password) {
            (false, _) => AccountStatus::Disabled,
            (true, false) => AccountStatus::Pending,
            (true, true) => AccountStatus::Active,
        }
    }
}

string_enum! {
    /// Whether an employee still works for the organisation (a leaver's account is disabled).
    EmployeeStatus { Aktif = "aktif", Keluar = "keluar" }
}

// `string_enum!` takes no per-variant attributes, so `#[default]` cannot be derived.
#[allow(clippy::derivable_impls)]
impl Default for EmployeeStatus {
    fn default() -> Self {
        EmployeeStatus::Aktif
    }
}

string_enum! {
    /// Why a one-time link cannot be used.
    LinkProblem { Unknown = "unknown", Used = "used", Expired = "expired", Disabled = "disabled" }
}

impl LinkProblem {
    pub fn message(self) -> &'static str {
        match self {
            LinkProblem::Unknown => "this link is not known: ask HR for a new one",
            LinkProblem::Used => "this link was already used: ask HR for a new one",
            LinkProblem::Expired => "this link has expired: ask HR for a new one",
            LinkProblem::Disabled => "this account is disabled: ask HR to enable it",
        }
    }
}

/// How long a one-time activation or reset link stays usable.
pub const LINK_HOURS: i64 = 72;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeakPassword {
    TooShort,
    Common,
    /// It contains the account's NIP or the employee's name.
    Personal,
}

impl WeakPassword {
    /// The key of the rule, for messages in the reader's language.
    pub fn code(&self) -> &'static str {
        match self {
            WeakPassword::TooShort => "too_short",
            WeakPassword::Common => "common",
            WeakPassword::Personal => "personal",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WeakPassword::TooShort => {
                format!("a password has at least {MIN_PASSWORD_CHARS} characters")
            }
            WeakPassword::Common => {
                "this password is among the most common ones; choose another".into()
            }
            WeakPassword::Personal => {
                "a password may not contain your NIP, your username or your name".into()
            }
        }
    }
}

/// Checks a new password: long enough, not common (`is_common` answers for the shipped list,
/// compared in lower case), not containing the NIP/username or any part of the name of at
/// least four letters.
pub fn check_new_password(
    password: &str,
    personal: &[&str],
    is_common: impl Fn(&str) -> bool,
) -> Result<(), WeakPassword> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err(WeakPassword::Common);
    }
    let personal_parts = personal
        .iter()
        .flat_map(|p| {
            let whole = p.to_lowercase();
            let mut parts: Vec<String> = whole
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 4)
                .map(str::to_string)
                .collect();
            parts.push(whole);
            parts
        })
        .filter(|p| p.chars().count() >= 4);
    for part in personal_parts {
        if lower.contains(&part) {
            return Err(WeakPassword::Personal);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_decides_the_role() {
        assert_eq!(role_from_tree(true, true), Role::Leader);
        assert_eq!(role_from_tree(false, true), Role::Supervisor);
        assert_eq!(role_from_tree(false, false), Role::Staff);
        assert!(is_granted_role(Role::Hr) && !is_granted_role(Role::Leader));
    }

    #[test]
    fn status_of_an_account() {
        assert_eq!(AccountStatus::of(true, false), AccountStatus::Pending);
        assert_eq!(AccountStatus::of(true, true), AccountStatus::Active);
        assert_eq!(AccountStatus::of(false, true), AccountStatus::Disabled);
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule_they_break() {
        let common = |p: &str| p == "password123";
        let me = ["198503122010011002", "Siti Rahmawati"];
        assert_eq!(
            check_new_password("short", &me, common),
            Err(WeakPassword::TooShort)
        );
        assert_eq!(
            check_new_password("PASSWORD123", &me, common),
            Err(WeakPassword::Common)
        );
        assert_eq!(
            check_new_password("x198503122010011002", &me, common),
            Err(WeakPassword::Personal)
        );
        assert_eq!(
            check_new_password("rahmawati-2026!", &me, common),
            Err(WeakPassword::Personal)
        );
        assert_eq!(
            check_new_password("kebun kopi di lereng", &me, common),
            Ok(())
        );
    }
}
