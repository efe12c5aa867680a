//! Individual development plans: one plan per employee and year, its items, decisions with
//! optimistic concurrency (a plan changes only from the version the caller saw), decided
//! revisions kept readable, and completions that credit JP and record the levels a program
//! develops as dated competency records (source `program:<code>`), in one transaction.

use crate::db::{Store, stmt};
use crate::employees::refresh_current_levels;
use crate::error::{Result, StoreError, stored};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::FieldError;
use jenjang_core::events::{DomainEvent, PlanItemCompleted, PlanStatusChanged};
use jenjang_core::idp::{
    ItemAction, ItemStatus, JpRules, JpTally, PlanAction, PlanStatus, item_transition,
    plan_transition,
};
use jenjang_core::kinds::ProgramForm;
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;

mod items;
mod reports;
pub use items::*;
pub(crate) use reports::*;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanItem {
    pub id: i64,
    pub program: String,
    pub title: String,
    pub form: ProgramForm,
    pub status: ItemStatus,
    pub due: NaiveDate,
    /// The program's JP; on a completed item, the JP credited.
    pub jp: u32,
    /// Completion evidence: certificate number, completion date, optional link.
    pub evidence: Option<serde_json::Value>,
    pub completed_on: Option<NaiveDate>,
    pub cancel_reason: Option<String>,
}

/// What accompanies an item step: evidence and date on completion, a reason on cancellation.
#[derive(Debug, Clone, Default)]
pub struct ItemDetails {
    pub evidence: Option<serde_json::Value>,
    pub completed_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub nip: String,
    pub year: i32,
    pub status: PlanStatus,
    /// 0 until the plan exists; a new revision starts when a decided plan is edited.
    pub revision: i32,
    /// Send it back with a decision to change the plan only from this state.
    pub version: i32,
    pub items: Vec<PlanItem>,
    /// JP of the items not cancelled.
    pub jp_planned: u32,
    /// JP credited by completed items.
    pub jp_completed: u32,
    pub jp_target: u32,
    pub comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

struct PlanRow {
    id: i64,
    status: PlanStatus,
    revision: i32,
    version: i32,
}

fn plan_row(r: &QueryResult) -> Result<PlanRow> {
    let id: i64 = r.try_get("", "id")?;
    Ok(PlanRow {
        id,
        status: stored("development_plans", id, &r.try_get::<String>("", "status")?)?,
        revision: r.try_get("", "revision")?,
        version: r.try_get("", "version")?,
    })
}

fn item_from(r: &QueryResult) -> Result<PlanItem> {
    let status: ItemStatus = stored(
        "plan_items",
        r.try_get::<i64>("", "id")?,
        &r.try_get::<String>("", "status")?,
    )?;
    let jp: i32 = r.try_get("", "jp")?;
    let credited: i32 = r.try_get("", "jp_credited")?;
    Ok(PlanItem {
        id: r.try_get("", "id")?,
        program: r.try_get("", "program_code")?,
        title: r.try_get("", "title")?,
        form: r
            .try_get::<String>("", "form")?
            .parse()
            .unwrap_or(ProgramForm::Kursus),
        status,
        due: r.try_get("", "due")?,
        jp: if status == ItemStatus::Completed {
            credited.max(0) as u32
        } else {
            jp.max(0) as u32
        },
        evidence: r
            .try_get::<Option<String>>("", "evidence")?
            .and_then(|e| serde_json::from_str(&e).ok()),
        completed_on: r.try_get("", "completed_on")?,
        cancel_reason: r.try_get("", "cancel_reason")?,
    })
}

const ITEM_SELECT: &str = "SELECT i.id, i.program_code, p.title, p.form, i.status, i.due, i.jp, i.jp_credited, i.evidence, \
    i.completed_on, i.cancel_reason FROM plan_items i JOIN programs p ON p.code = i.program_code";

async fn find_plan<C: ConnectionTrait>(conn: &C, nip: &str, year: i32) -> Result<Option<PlanRow>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, status, revision, version FROM development_plans WHERE nip = $1 AND year = $2",
            vec![nip.into(), (year as i16).into()],
        ))
        .await?;
    row.as_ref().map(plan_row).transpose()
}

async fn items_of<C: ConnectionTrait>(conn: &C, plan_id: i64) -> Result<Vec<PlanItem>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!("{ITEM_SELECT} WHERE i.plan_id = $1 ORDER BY i.due, i.id"),
            vec![plan_id.into()],
        ))
        .await?;
    rows.iter().map(item_from).collect()
}

fn conflict(e: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(e.to_string())
}

/// Opens the plan for editing: creates it, or moves a decided plan to a new draft revision.
async fn edit(
    txn: &DatabaseTransaction,
    nip: &str,
    year: i32,
    now: DateTime<Utc>,
) -> Result<PlanRow> {
    match find_plan(txn, nip, year).await? {
        None => {
            txn.execute_raw(stmt(
                txn.get_database_backend(),
                "INSERT INTO development_plans (nip, year, status, revision, version, created_at, updated_at) \
                 VALUES ($1, $2, 'draft', 1, 1, $3, $4)",
                vec![nip.into(), (year as i16).into(), now.into(), now.into()],
            ))
            .await?;
            find_plan(txn, nip, year)
                .await?
                .ok_or_else(|| StoreError::Conflict("the plan could not be created".into()))
        }
        Some(plan) => {
            let (status, new_revision) =
                plan_transition(plan.status, PlanAction::Edit).map_err(|_| {
                    StoreError::Conflict(
                        "a submitted plan cannot be edited until it is approved or rejected".into(),
                    )
                })?;
            let revision = plan.revision + i32::from(new_revision);
            let done = txn
                .execute_raw(stmt(
                    txn.get_database_backend(),
                    "UPDATE development_plans SET status = $1, revision = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $4 AND version = $5",
                    vec![status.as_str().into(), revision.into(), now.into(), plan.id.into(), plan.version.into()],
                ))
                .await?;
            if done.rows_affected() == 0 {
                return Err(conflict(
                    "the plan was changed at the same time; reload it and try again",
                ));
            }
            Ok(PlanRow {
                status,
                revision,
                version: plan.version + 1,
                ..plan
            })
        }
    }
}

impl Store {
    /// The plan of `nip` for `year` (an empty draft when none exists yet).
    pub async fn plan(&self, nip: &str, year: i32, jp_target: u32) -> Result<Plan> {
        self.get_employee(nip).await?;
        let Some(row) = find_plan(&self.db, nip, year).await? else {
            return Ok(Plan {
                nip: nip.into(),
                year,
                status: PlanStatus::Draft,
                revision: 0,
                version: 0,
                items: vec![],
                jp_planned: 0,
                jp_completed: 0,
                jp_target,
                comment: None,
                decided_by: None,
                decided_at: None,
            });
        };
        let detail = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT comment, decided_by, decided_at FROM development_plans WHERE id = $1",
                vec![row.id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan", format!("{nip}/{year}")))?;
        let items = items_of(&self.db, row.id).await?;
        let tally = JpTally::of(items.iter().map(|i| (i.status, i.jp)));
        let (jp_planned, jp_completed) = (tally.planned(), tally.completed);
        Ok(Plan {
            nip: nip.into(),
            year,
            status: row.status,
            revision: row.revision,
            version: row.version,
            items,
            jp_planned,
            jp_completed,
            jp_target,
            comment: detail.try_get("", "comment")?,
            decided_by: detail.try_get("", "decided_by")?,
            decided_at: detail.try_get("", "decided_at")?,
        })
    }

    /// A decided revision as it was decided (its items at that time).
    pub async fn plan_revision(
        &self,
        nip: &str,
        year: i32,
        revision: i32,
    ) -> Result<serde_json::Value> {
        let plan = find_plan(&self.db, nip, year)
            .await?
            .ok_or_else(|| StoreError::not_found("plan", format!("{nip}/{year}")))?;
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT revision, status, items, comment, decided_by, decided_at FROM plan_revisions \
                 WHERE plan_id = $1 AND revision = $2",
                vec![plan.id.into(), revision.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan revision", revision.to_string()))?;
        Ok(serde_json::json!({
            "nip": nip,
            "year": year,
            "revision": revision,
            "status": row.try_get::<String>("", "status")?,
            "items": serde_json::from_str::<serde_json::Value>(&row.try_get::<String>("", "items")?).unwrap_or_default(),
            "comment": row.try_get::<Option<String>>("", "comment")?,
            "decided_by": row.try_get::<String>("", "decided_by")?,
            "decided_at": row.try_get::<DateTime<Utc>>("", "decided_at")?,
        }))
    }

    /// Submits, approves or rejects the plan. With `expected_version`, only from that version:
    /// of two racing decisions exactly one wins and the other is a conflict.
    pub async fn plan_decide(
        &self,
        actor: &Actor,
        nip: &str,
        year: i32,
        action: PlanAction,
        comment: Option<&str>,
        expected_version: Option<i32>,
    ) -> Result<()> {
        self.get_employee(nip).await?;
        let txn = self.begin_write().await?;
        let plan = find_plan(&txn, nip, year)
            .await?
            .ok_or_else(|| conflict(format!("{nip} has no development plan for {year} yet")))?;
        if let Some(v) = expected_version
            && v != plan.version
        {
            return Err(conflict(format!(
                "the plan is at version {}, not {v}; reload it",
                plan.version
            )));
        }
        let (status, _) = plan_transition(plan.status, action).map_err(conflict)?;
        let items = items_of(&txn, plan.id).await?;
        if action == PlanAction::Submit && items.iter().all(|i| i.status == ItemStatus::Cancelled) {
            return Err(StoreError::invalid(
                "items",
                "add at least one program before submitting the plan",
            ));
        }
        let now = self.now();
        let (sql, values): (&str, Vec<Value>) = match action {
            PlanAction::Submit => (
                "UPDATE development_plans SET status = $1, submitted_at = $2, updated_at = $3, version = version + 1 \
                 WHERE id = $4 AND version = $5",
                vec![
                    status.as_str().into(),
                    now.into(),
                    now.into(),
                    plan.id.into(),
                    plan.version.into(),
                ],
            ),
            _ => (
                "UPDATE development_plans SET status = $1, comment = $2, decided_by = $3, decided_at = $4, updated_at = $5, \
                 version = version + 1 WHERE id = $6 AND version = $7",
                vec![
                    status.as_str().into(),
                    comment.map(str::to_string).into(),
                    actor.0.clone().into(),
                    now.into(),
                    now.into(),
                    plan.id.into(),
                    plan.version.into(),
                ],
            ),
        };
        let done = txn.execute_raw(stmt(self.backend(), sql, values)).await?;
        if done.rows_affected() == 0 {
            return Err(conflict(
                "the plan was changed at the same time; reload it and try again",
            ));
        }
        if matches!(action, PlanAction::Approve | PlanAction::Reject) {
            txn.execute_raw(stmt(
                self.backend(),
                "INSERT INTO plan_revisions (plan_id, revision, status, items, comment, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    plan.id.into(),
                    plan.revision.into(),
                    status.as_str().into(),
                    serde_json::to_string(&items).unwrap_or_default().into(),
                    comment.map(str::to_string).into(),
                    actor.0.clone().into(),
                    now.into(),
                ],
            ))
            .await?;
        }
        audit::record(
            &txn,
            actor,
            action.as_str(),
            "plan",
            &format!("{nip}/{year}"),
            serde_json::json!({"revision": plan.revision, "status": status, "comment": comment}),
            self.now(),
        )
        .await?;
        outbox(
            &txn,
            &[Event {
                event: DomainEvent::PlanStatusChanged(PlanStatusChanged {
                    nip: nip.to_string(),
                    year,
                    status,
                    revision: plan.revision,
                }),
                dedup_key: format!("plan:{}:v{}", plan.id, plan.version + 1),
            }],
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

fn r_year(row: &QueryResult) -> Result<i32> {
    Ok(i32::from(row.try_get::<i16>("", "year")?))
}
