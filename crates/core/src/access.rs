//! Who may do what: the role table of API.md, in one place.
//!
//! Roles grant organisation-wide rights (hr, admin) or unit-subtree rights (leader). Supervision
//! is not a role: whoever is an employee's `supervisor_nip` has a supervisor's rights over that
//! employee, whatever their role. The caller works out how the principal relates to the subject
//! employee (`Relation`) with one query; this module only decides.

use crate::kinds::Role;
use crate::nip::Nip;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub role: Role,
    pub nip: Option<Nip>,
}

/// How the principal stands to one employee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// The principal is this employee.
    pub is_self: bool,
    /// The principal is this employee's direct supervisor.
    pub is_direct_supervisor: bool,
    /// The employee works in a unit subtree the principal heads.
    pub in_led_subtree: bool,
}

/// What the principal wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read units, competencies, programs, positions.
    ReadReference,
    /// Create or update reference data, including employees and their assessed levels.
    WriteReference,
    /// Read an employee's profile and everything about them (levels, evaluations, gaps, plan).
    ReadEmployee(Relation),
    /// Record an evaluation of the employee.
    EvaluateEmployee(Relation),
    /// Read the analyses of a unit subtree (needs analysis, training plans, org-need progress).
    /// The flag says whether the unit lies within a subtree the principal heads.
    AnalyseUnit { in_led_subtree: bool },
    /// Record organisational needs for a unit subtree.
    PlanForUnit { in_led_subtree: bool },
    /// Edit the employee's development plan (add items, generate), submit it, and record the
    /// progress and evidence of its items.
    EditPlan(Relation),
    /// Approve or reject the employee's submitted plan.
    DecidePlan(Relation),
    /// Bulk imports.
    Import,
    /// Read the audit log.
    ReadAudit,
    /// Create logins, grant roles, provision accounts for employees (admin).
    ManageUsers,
    /// List and search accounts (hr, admin).
    ListAccounts,
    /// See the mail deliveries and their status (hr, admin).
    ReadDeliveries,
    /// Issue an activation/reset link, disable or re-enable the account of someone whose role
    /// is `target`: admin any; hr those of staff, supervisors and leaders, never hr or admin.
    ManageAccount { target: Role },
    /// Read workflow definitions.
    ReadWorkflows,
    /// Save workflow definitions and retry instances stopped at an incident.
    ManageWorkflows,
    /// Complete a human task: its assignee, or hr/admin.
    CompleteTask { is_assignee: bool },
    /// Launch or change a change-adoption campaign, record its activities, read its dashboard:
    /// hr/admin, its sponsor, or a leader for units within the subtrees they head.
    ManageCampaign {
        in_led_subtree: bool,
        is_sponsor: bool,
    },
    /// Record an employee's ADKAR stage: the employee, their supervisor, a leader of their
    /// subtree, or hr/admin.
    RecordAdoption(Relation),
    /// Write in the employee's dialog kinerja (and acknowledge an entry): the employee and
    /// their direct supervisor only — it is their conversation.
    WriteDialog(Relation),
    /// Give upward feedback about a supervisor: only their direct reports (the relation is the
    /// caller's to the supervisor: the caller is the subject's direct report).
    GiveUpwardFeedback { is_direct_report: bool },
    /// Read the anonymous aggregate of a supervisor's upward feedback: the supervisor, hr/admin.
    ReadUpwardFeedback(Relation),
    /// Write the employee's SKP (RHK, IKI, the leader's expectations) and submit it: the
    /// employee, their direct supervisor, hr/admin.
    WriteSkp(Relation),
    /// Approve or return the employee's submitted SKP: their direct supervisor or hr/admin,
    /// never the employee.
    DecideSkp(Relation),
    /// Record the realisation of an IKI with its evidence: the employee, their direct
    /// supervisor, hr/admin.
    RealiseIki(Relation),
    /// Give feedback on a realisation: the direct supervisor only.
    GiveIkiFeedback(Relation),
    /// Adopt or withdraw a saved training plan, edit cohorts, record results: hr and admin.
    RunTrainingCycle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

/// Whether `principal` sees the whole organisation (hr and admin): unit-scoped pages start at
/// its root for them, at the units they lead for everyone else.
pub fn sees_whole_organisation(principal: &Principal) -> bool {
    role_sees_whole_organisation(principal.role)
}

/// Whether every account of `role` sees the whole organisation (hr, admin).
pub fn role_sees_whole_organisation(role: Role) -> bool {
    matches!(role, Role::Hr | Role::Admin)
}

/// Whether a task addressed to `assignee` (an employee's NIP, or a role's queue such as `hr`)
/// is `principal`'s.
pub fn is_assignee(principal: &Principal, assignee: &str) -> bool {
    principal
        .nip
        .as_ref()
        .is_some_and(|n| n.as_str() == assignee)
        || principal.role.as_str() == assignee
}

/// Whether `principal` may perform `action`.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Denied> {
    use Role::*;
    let role = principal.role;
    let org_wide = sees_whole_organisation(principal);
    let allowed = match action {
        Action::ReadReference => true,
        Action::WriteReference | Action::Import | Action::ReadAudit => org_wide,
        Action::ManageUsers => role == Admin,
        Action::ListAccounts | Action::ReadDeliveries => org_wide,
        Action::ManageAccount { target } => {
            role == Admin || (role == Hr && !crate::accounts::is_granted_role(target))
        }
        Action::ReadWorkflows | Action::ManageWorkflows => org_wide,
        Action::CompleteTask { is_assignee } => org_wide || is_assignee,
        Action::ManageCampaign {
            in_led_subtree,
            is_sponsor,
        } => org_wide || is_sponsor || (role == Leader && in_led_subtree),
        Action::RecordAdoption(r) => {
            org_wide || r.is_self || r.is_direct_supervisor || (role == Leader && r.in_led_subtree)
        }
        Action::ReadEmployee(r) => {
            org_wide || r.is_self || r.is_direct_supervisor || (role == Leader && r.in_led_subtree)
        }
        Action::EvaluateEmployee(r) => org_wide || r.is_direct_supervisor,
        Action::WriteDialog(r) => r.is_self || r.is_direct_supervisor,
        Action::GiveUpwardFeedback { is_direct_report } => is_direct_report,
        Action::ReadUpwardFeedback(r) => org_wide || r.is_self,
        Action::EditPlan(r) => org_wide || r.is_self,
        Action::WriteSkp(r) | Action::RealiseIki(r) => {
            org_wide || r.is_self || r.is_direct_supervisor
        }
        Action::DecideSkp(r) => !r.is_self && (org_wide || r.is_direct_supervisor),
        Action::GiveIkiFeedback(r) => !r.is_self && r.is_direct_supervisor,
        Action::RunTrainingCycle => org_wide,
        // Nobody decides on their own plan, whatever their role.
        Action::DecidePlan(r) => !r.is_self && (org_wide || r.is_direct_supervisor),
        Action::AnalyseUnit { in_led_subtree } | Action::PlanForUnit { in_led_subtree } => {
            org_wide || (role == Leader && in_led_subtree)
        }
    };
    if allowed { Ok(()) } else { Err(Denied) }
}

/// Which employees a principal may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeScope {
    /// The whole organisation.
    All,
    /// Oneself, one's direct reports, and (for a leader) the subtrees of the units one heads.
    Limited { nip: Option<Nip>, subtrees: bool },
}

pub fn employee_scope(principal: &Principal) -> EmployeeScope {
    if sees_whole_organisation(principal) {
        EmployeeScope::All
    } else {
        EmployeeScope::Limited {
            nip: principal.nip.clone(),
            subtrees: principal.role == Role::Leader,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_addressed_to_a_person_or_a_role_queue() {
        let mut hr = who(Role::Hr);
        assert!(is_assignee(&hr, "hr"));
        assert!(!is_assignee(&hr, "admin"));
        hr.nip = Some(Nip::parse("198503122010011002").unwrap());
        assert!(is_assignee(&hr, "198503122010011002"));
        assert!(!is_assignee(&who(Role::Staff), "198503122010011002"));
        assert!(sees_whole_organisation(&who(Role::Admin)));
        assert!(!sees_whole_organisation(&who(Role::Leader)));
    }

    fn who(role: Role) -> Principal {
        Principal {
            username: "u".into(),
            role,
            nip: None,
        }
    }

    const STRANGER: Relation = Relation {
        is_self: false,
        is_direct_supervisor: false,
        in_led_subtree: false,
    };
    const SELF: Relation = Relation {
        is_self: true,
        ..STRANGER
    };
    const REPORT: Relation = Relation {
        is_direct_supervisor: true,
        ..STRANGER
    };
    const SUBTREE: Relation = Relation {
        in_led_subtree: true,
        ..STRANGER
    };

    #[test]
    fn the_role_table() {
        use Role::*;
        let table: &[(Role, Action, bool)] = &[
            (Staff, Action::ReadReference, true),
            (Staff, Action::WriteReference, false),
            (Leader, Action::WriteReference, false),
            (Hr, Action::WriteReference, true),
            (Admin, Action::WriteReference, true),
            (Staff, Action::ReadEmployee(SELF), true),
            (Staff, Action::ReadEmployee(STRANGER), false),
            (Staff, Action::ReadEmployee(REPORT), true),
            (Supervisor, Action::ReadEmployee(STRANGER), false),
            (Supervisor, Action::ReadEmployee(SUBTREE), false),
            (Leader, Action::ReadEmployee(SUBTREE), true),
            (Leader, Action::ReadEmployee(STRANGER), false),
            (Hr, Action::ReadEmployee(STRANGER), true),
            (Staff, Action::EvaluateEmployee(SELF), false),
            (Leader, Action::EvaluateEmployee(SUBTREE), false),
            (Staff, Action::EvaluateEmployee(REPORT), true),
            (Hr, Action::EvaluateEmployee(STRANGER), true),
            (Supervisor, Action::Import, false),
            (Hr, Action::Import, true),
            (Hr, Action::ReadAudit, true),
            (Leader, Action::ReadAudit, false),
            (Hr, Action::ReadDeliveries, true),
            (Staff, Action::ReadDeliveries, false),
            (Hr, Action::ManageUsers, false),
            (Admin, Action::ManageUsers, true),
            (
                Leader,
                Action::AnalyseUnit {
                    in_led_subtree: true,
                },
                true,
            ),
            (
                Leader,
                Action::AnalyseUnit {
                    in_led_subtree: false,
                },
                false,
            ),
            (
                Supervisor,
                Action::AnalyseUnit {
                    in_led_subtree: true,
                },
                false,
            ),
            (
                Staff,
                Action::PlanForUnit {
                    in_led_subtree: false,
                },
                false,
            ),
            (
                Hr,
                Action::PlanForUnit {
                    in_led_subtree: false,
                },
                true,
            ),
        ];
        for (role, action, expected) in table {
            assert_eq!(
                authorize(&who(*role), *action).is_ok(),
                *expected,
                "{role} {action:?}"
            );
        }
    }
}
