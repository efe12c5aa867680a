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

    /// Adds programs to the plan (opening it for editing). A program already planned and not
    /// cancelled is a conflict, or skipped when `skip_existing` (generation). Returns the ids
    /// of the items added.
    pub async fn plan_add_items(
        &self,
        actor: &Actor,
        nip: &str,
        year: i32,
        items: &[(String, NaiveDate)],
        skip_existing: bool,
    ) -> Result<Vec<i64>> {
        self.get_employee(nip).await?;
        let txn = self.begin_write().await?;
        let added =
            add_plan_items(&txn, actor, nip, year, items, skip_existing, self.now()).await?;
        txn.commit().await?;
        Ok(added)
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

    /// Who owns an item: (nip, year).
    pub async fn plan_item_owner(&self, item: i64) -> Result<(String, i32)> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT p.nip, p.year FROM plan_items i JOIN development_plans p ON p.id = i.plan_id WHERE i.id = $1",
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        Ok((row.try_get("", "nip")?, r_year(&row)?))
    }

    /// Starts, completes or cancels an item. Only items of an approved plan (or approved in an
    /// earlier revision) can be started or completed. Completing credits JP by `rules` and
    /// records the levels the program develops, dated `completed_on`.
    pub async fn plan_item_action(
        &self,
        actor: &Actor,
        item: i64,
        action: ItemAction,
        details: ItemDetails,
        rules: &JpRules,
    ) -> Result<PlanItem> {
        let ItemDetails {
            evidence,
            completed_on,
            reason,
        } = details;
        let reason = reason.as_deref();
        let txn = self.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT i.id, i.plan_id, i.status, i.program_code, p.nip, p.year, p.status AS plan_status, p.revision, \
                 g.form, g.jp FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN programs g ON g.code = i.program_code WHERE i.id = $1",
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        let from: ItemStatus = stored("plan_items", item, &row.try_get::<String>("", "status")?)?;
        let to = item_transition(from, action).map_err(conflict)?;
        let plan_id: i64 = row.try_get("", "plan_id")?;
        let nip: String = row.try_get("", "nip")?;
        let program: String = row.try_get("", "program_code")?;
        if action != ItemAction::Cancel {
            let plan_status: PlanStatus = stored(
                "development_plans",
                plan_id,
                &row.try_get::<String>("", "plan_status")?,
            )?;
            if plan_status != PlanStatus::Approved && !approved_before(&txn, plan_id, item).await? {
                return Err(conflict(
                    "only items of an approved plan can be started or completed",
                ));
            }
        }
        let now = self.now();
        let form: ProgramForm = row
            .try_get::<String>("", "form")?
            .parse()
            .unwrap_or(ProgramForm::Kursus);
        let jp: i32 = row.try_get("", "jp")?;
        let credited = rules.credit(form, jp.max(0) as u32) as i32;
        let (sql, values): (&str, Vec<Value>) = match action {
            ItemAction::Start => (
                "UPDATE plan_items SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                vec![
                    to.as_str().into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
            ItemAction::Complete => (
                "UPDATE plan_items SET status = $1, jp_credited = $2, evidence = $3, completed_on = $4, \
                 started_on = COALESCE(started_on, $4), updated_at = $5 WHERE id = $6 AND status = $7",
                vec![
                    to.as_str().into(),
                    credited.into(),
                    evidence.as_ref().map(|e| e.to_string()).into(),
                    completed_on.into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
            ItemAction::Cancel => (
                "UPDATE plan_items SET status = $1, cancel_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
                vec![
                    to.as_str().into(),
                    reason.map(str::to_string).into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
        };
        let done = txn.execute_raw(stmt(self.backend(), sql, values)).await?;
        if done.rows_affected() == 0 {
            return Err(conflict(
                "the item was changed at the same time; reload it and try again",
            ));
        }
        if action == ItemAction::Complete {
            let on = completed_on.ok_or_else(|| {
                StoreError::Invalid(vec![FieldError::new("completed_on", "is required")])
            })?;
            // The levels the program develops, as new dated records (history is never overwritten).
            txn.execute_raw(stmt(
                self.backend(),
                "INSERT INTO competency_records (nip, competency_code, level, source, assessed_on, recorded_at, recorded_by) \
                 SELECT $1, d.competency_code, d.to_level, $2, $3, $4, $5 FROM program_develops d WHERE d.program_code = $6 \
                 ON CONFLICT (nip, competency_code, assessed_on, source, level) DO NOTHING",
                vec![
                    nip.clone().into(),
                    format!("program:{program}").into(),
                    on.into(),
                    now.into(),
                    actor.0.clone().into(),
                    program.clone().into(),
                ],
            ))
            .await?;
            refresh_current_levels(&txn, &[nip.as_str()]).await?;
            outbox(
                &txn,
                &[Event {
                    event: DomainEvent::PlanItemCompleted(PlanItemCompleted {
                        nip: nip.clone(),
                        item,
                        program: program.clone(),
                        jp: i64::from(credited),
                        completed_on: on,
                    }),
                    dedup_key: format!("plan_item:{item}:completed"),
                }],
                self.now(),
            )
            .await?;
        }
        audit::record(
            &txn,
            actor,
            action.as_str(),
            "plan_item",
            &item.to_string(),
            serde_json::json!({"nip": nip, "program": program, "from": from, "to": to, "evidence": evidence, "reason": reason}), self.now(),
        )
        .await?;
        let updated = txn
            .query_one_raw(stmt(
                self.backend(),
                &format!("{ITEM_SELECT} WHERE i.id = $1"),
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        let out = item_from(&updated)?;
        txn.commit().await?;
        Ok(out)
    }

    /// Completed development of a unit subtree in a year, for the SIASN export: (nip, name,
    /// program, title, form, JP credited, started on, completed on, evidence, provider), by NIP
    /// and completion date.
    #[allow(clippy::type_complexity)]
    pub async fn development_records(
        &self,
        unit: &str,
        year: i32,
    ) -> Result<
        Vec<(
            String,
            String,
            String,
            String,
            String,
            i32,
            Option<NaiveDate>,
            NaiveDate,
            Option<String>,
            String,
        )>,
    > {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT e.nip, e.name, i.program_code, g.title, g.form, i.jp_credited, i.started_on, \
             i.completed_on, i.evidence, g.provider FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
             JOIN employees e ON e.nip = p.nip JOIN programs g ON g.code = i.program_code \
             WHERE i.status = 'completed' AND p.year = $2 AND e.unit_code IN (SELECT code FROM sub) \
             ORDER BY e.nip, i.completed_on, i.id",
            crate::analytics::SUBTREE
        );
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &sql,
                vec![unit.into(), (year as i16).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("", "nip")?,
                    r.try_get("", "name")?,
                    r.try_get("", "program_code")?,
                    r.try_get("", "title")?,
                    r.try_get("", "form")?,
                    r.try_get("", "jp_credited")?,
                    r.try_get("", "started_on")?,
                    r.try_get("", "completed_on")?,
                    r.try_get("", "evidence")?,
                    r.try_get("", "provider")?,
                ))
            })
            .collect()
    }

    /// Employees with approved, open plan items of programs that develop `competency` to `level`
    /// or above, due by `due`.
    pub async fn planned_to_reach(
        &self,
        competency: &str,
        level: u8,
        due: NaiveDate,
    ) -> Result<std::collections::HashSet<String>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT DISTINCT p.nip FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN program_develops d ON d.program_code = i.program_code \
                 WHERE p.status = 'approved' AND i.status IN ('planned', 'in_progress') \
                 AND d.competency_code = $1 AND d.to_level >= $2 AND i.due <= $3",
                vec![competency.into(), (level as i16).into(), due.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "nip").map_err(StoreError::from))
            .collect()
    }

    /// JP per employee of a unit subtree for a year: (nip, name, unit, planned, completed), by NIP.
    pub async fn jp_by_employee(
        &self,
        unit: &str,
        year: i32,
    ) -> Result<Vec<(String, String, String, u32, u32)>> {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT e.nip, e.name, e.unit_code, \
             {JP_TALLY} \
             FROM employees e LEFT JOIN development_plans p ON p.nip = e.nip AND p.year = $2 \
             LEFT JOIN plan_items i ON i.plan_id = p.id \
             WHERE e.unit_code IN (SELECT code FROM sub) GROUP BY e.nip, e.name, e.unit_code ORDER BY e.nip",
            crate::analytics::SUBTREE
        );
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &sql,
                vec![unit.into(), (year as i16).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let tally = jp_tally(r)?;
                Ok((
                    r.try_get("", "nip")?,
                    r.try_get("", "name")?,
                    r.try_get("", "unit_code")?,
                    tally.planned(),
                    tally.completed,
                ))
            })
            .collect()
    }
}

/// The JP tally of `core::idp::JpTally` in SQL, over `plan_items i` grouped per employee
/// (`open_jp`, `done_jp`; read back with [`jp_tally`]): the set-based reads count with it.
pub(crate) const JP_TALLY: &str = "COALESCE(SUM(CASE WHEN i.status <> 'cancelled' AND i.status <> 'completed' THEN i.jp ELSE 0 END), 0) AS open_jp, \
     COALESCE(SUM(CASE WHEN i.status = 'completed' THEN i.jp_credited ELSE 0 END), 0) AS done_jp";

/// A row's [`JP_TALLY`] columns.
pub(crate) fn jp_tally(row: &QueryResult) -> Result<JpTally> {
    let open: i64 = row.try_get("", "open_jp")?;
    let done: i64 = row.try_get("", "done_jp")?;
    Ok(JpTally {
        completed: u32::try_from(done.max(0)).unwrap_or(u32::MAX),
        open: u32::try_from(open.max(0)).unwrap_or(u32::MAX),
    })
}

fn r_year(row: &QueryResult) -> Result<i32> {
    Ok(i32::from(row.try_get::<i16>("", "year")?))
}

/// Whether `item` was in the latest approved revision of its plan.
async fn approved_before(txn: &DatabaseTransaction, plan_id: i64, item: i64) -> Result<bool> {
    let row = txn
        .query_one_raw(stmt(
            txn.get_database_backend(),
            "SELECT items FROM plan_revisions WHERE plan_id = $1 AND status = 'approved' ORDER BY revision DESC LIMIT 1",
            vec![plan_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(false) };
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&row.try_get::<String>("", "items")?).unwrap_or_default();
    Ok(items.iter().any(|i| i["id"].as_i64() == Some(item)))
}

/// Adds programs to an employee's plan for `year` inside the caller's transaction (see
/// [`Store::plan_add_items`]); the workflow engine uses it to commit plan items together with
/// the step that adds them.
pub async fn add_plan_items(
    txn: &DatabaseTransaction,
    actor: &Actor,
    nip: &str,
    year: i32,
    items: &[(String, NaiveDate)],
    skip_existing: bool,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut problems = Vec::new();
    let refs = items.iter().enumerate().map(|(i, (p, _))| {
        (
            if items.len() == 1 {
                "program".to_string()
            } else {
                format!("[{i}].program")
            },
            p.as_str(),
        )
    });
    crate::reference::require_existing(txn, &mut problems, "programs", "code", "program", refs)
        .await?;
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    // What is new is decided before the plan is touched: a plan that already holds every
    // program stays exactly as it is (an approved plan is not reopened for nothing).
    let existing = match find_plan(txn, nip, year).await? {
        Some(plan) => items_of(txn, plan.id).await?,
        None => Vec::new(),
    };
    let mut new_items = Vec::with_capacity(items.len());
    for (program, due) in items {
        if existing
            .iter()
            .any(|i| &i.program == program && i.status != ItemStatus::Cancelled)
        {
            if skip_existing {
                continue;
            }
            return Err(conflict(format!("{program} is already in the plan")));
        }
        new_items.push((program, due));
    }
    if new_items.is_empty() {
        return Ok(Vec::new());
    }
    let plan = edit(txn, nip, year, now).await?;
    let audited: Vec<serde_json::Value> = new_items
        .iter()
        .map(|(p, d)| serde_json::json!({"program": p, "due": d}))
        .collect();
    let mut added = Vec::new();
    for (program, due) in new_items {
        let row = txn
                .query_one_raw(stmt(
                    txn.get_database_backend(),
                    "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at) \
                     SELECT $1, code, $2, 'planned', jp, 0, $3, $4 FROM programs WHERE code = $5 RETURNING id",
                    vec![plan.id.into(), (*due).into(), now.into(), now.into(), program.clone().into()],
                ))
                .await?
                .ok_or_else(|| StoreError::not_found("program", program.clone()))?;
        added.push(row.try_get::<i64>("", "id")?);
    }
    if !added.is_empty() {
        audit::record(
            txn,
            actor,
            "add_items",
            "plan",
            &format!("{nip}/{year}"),
            serde_json::json!({"items": audited, "revision": plan.revision}),
            now,
        )
        .await?;
    }
    Ok(added)
}
