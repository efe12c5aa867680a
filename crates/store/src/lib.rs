//! jenjang-store: persistence of Jenjang through sea-orm, on SQLite (embedded, the default) or
//! PostgreSQL. Maps rows to and from the core types, keeps every change in one transaction
//! together with its audit entry, and answers lists with set-based queries (one round trip per
//! list, children fetched for a whole page at once; never a query per row).
#![forbid(unsafe_code)]

pub mod accounts;
mod analytics;
mod audit;
mod bulk;
pub mod campaigns;
mod changes;
mod db;
pub mod deliveries;
pub mod dialog;
mod employees;
pub mod entity;
mod error;
mod evaluations;
pub mod fit;
mod ikm;
pub mod indicators;
mod org_needs;
mod outbox;
mod plans;
mod reference;
mod settings;
pub mod skp;
mod stream;
mod survey;
pub mod training;
pub mod training_outcomes;
mod unit_predikat;
pub use reference::{Resource, SaveMode, Saved};
mod users;
pub mod workflows;

pub use audit::{AuditEntry, AuditFilter};
pub use bulk::{BulkOutcome, EmployeeColumns};
pub use changes::Changes;
pub use db::{Page, Paging, Progress, Store};
pub use employees::{CompetencyProfile, EmployeeFilter, Recorded, TalentInputs, TeamMember};
pub use error::StoreError;
pub use evaluations::EvaluationRecord;
pub use ikm::{IkmRecord, IkmSaved};
pub use org_needs::{NewOrgNeed, OrgNeedRecord};
pub use plans::{ItemDetails, Plan, PlanItem, add_plan_items};
pub use users::{NewUser, User};

/// Who caused a change, as written to the audit log (a username, or `system:<what>`).
#[derive(Debug, Clone)]
pub struct Actor(pub String);

impl Actor {
    pub fn system(what: &str) -> Self {
        Actor(format!("system:{what}"))
    }
}
