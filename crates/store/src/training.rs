//! Saved training plans, the cohorts an adopted plan creates and their participants. Adopting
//! writes the cohorts and enrols every participant into their development plan for the year in
//! one transaction, set-based: plans created where missing, one item per program and year (an
//! item already there is reused, never a second one), the supervisors of approved plans told.

use crate::db::{Store, insert_rows, insert_rows_returning, rows_per_statement, stmt};
use crate::error::{Result, StoreError};
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::training::{ParticipantStatus, TrainingPlanStatus};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A saved training plan.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrainingPlanRecord {
    pub id: i64,
    pub year: i32,
    pub unit: String,
    pub version: i32,
    pub status: TrainingPlanStatus,
    pub budget_idr: i64,
    pub cost_idr: i64,
    pub gap_closed: i64,
    pub gap_total: i64,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub withdraw_reason: Option<String>,
    /// The plan as computed when saved (cohorts with participants); left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub plan: Option<serde_json::Value>,
}

/// What is saved of a computed plan.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTrainingPlan {
    pub year: i32,
    pub unit: String,
    pub budget_idr: i64,
    pub cost_idr: i64,
    pub gap_closed: i64,
    pub gap_total: i64,
    pub plan: serde_json::Value,
}

/// A cohort to create when a plan is adopted (its code is given by the store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewCohort {
    pub program: String,
    pub provider: String,
    pub capacity: i32,
    pub route: String,
    /// The quarter it runs in, `2026-Q2`.
    pub schedule: String,
    pub planned_cost_idr: i64,
    pub jp: i32,
    /// When the participants' plan items are due.
    pub due: NaiveDate,
    pub participants: Vec<String>,
}

/// A cohort (angkatan).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CohortRecord {
    pub code: String,
    pub plan_id: i64,
    pub year: i32,
    pub program: String,
    pub provider: String,
    pub place: Option<String>,
    pub starts: Option<NaiveDate>,
    pub ends: Option<NaiveDate>,
    pub capacity: i32,
    pub route: String,
    pub schedule: String,
    pub planned_cost_idr: i64,
    pub actual_cost_idr: Option<i64>,
    /// Participants not withdrawn.
    pub enrolled: i64,
}

/// A participant of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ParticipantRecord {
    pub nip: String,
    pub name: String,
    pub unit: String,
    pub status: ParticipantStatus,
    pub plan_item: Option<i64>,
    pub certificate_no: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub score: Option<f64>,
    pub reason: Option<String>,
}

/// What adopting did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Enrolled {
    pub cohorts: u64,
    pub participants: u64,
    /// Plan items added (the rest were in the participants' plans already).
    pub items_added: u64,
    /// Development plans created for the year.
    pub plans_created: u64,
}

const PLAN_COLUMNS: &str = "id, year, unit_code, version, status, budget_idr, cost_idr, gap_closed, \
    gap_total, saved_at, saved_by, decided_at, decided_by, withdraw_reason";

fn plan_from(r: &QueryResult, with_plan: bool) -> Result<TrainingPlanRecord> {
    let id: i64 = r.try_get("", "id")?;
    let status: String = r.try_get("", "status")?;
    Ok(TrainingPlanRecord {
        id,
        year: r.try_get("", "year")?,
        unit: r.try_get("", "unit_code")?,
        version: r.try_get("", "version")?,
        status: status.parse().map_err(|_| StoreError::Corrupt {
            table: "training_plans",
            key: id.to_string(),
            message: format!("unreadable status {status:?}"),
        })?,
        budget_idr: r.try_get("", "budget_idr")?,
        cost_idr: r.try_get("", "cost_idr")?,
        gap_closed: r.try_get("", "gap_closed")?,
        gap_total: r.try_get("", "gap_total")?,
        saved_at: r.try_get("", "saved_at")?,
        saved_by: r.try_get("", "saved_by")?,
        decided_at: r.try_get("", "decided_at")?,
        decided_by: r.try_get("", "decided_by")?,
        withdraw_reason: r.try_get("", "withdraw_reason")?,
        plan: if with_plan {
            Some(
                serde_json::from_str(&r.try_get::<String>("", "plan")?).map_err(|_| {
                    StoreError::Corrupt {
                        table: "training_plans",
                        key: id.to_string(),
                        message: "unreadable plan".into(),
                    }
                })?,
            )
        } else {
            None
        },
    })
}

async fn load_plan<C: ConnectionTrait>(conn: &C, id: i64) -> Result<TrainingPlanRecord> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {PLAN_COLUMNS}, plan FROM training_plans WHERE id = $1"),
            vec![id.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::not_found("training plan", id.to_string()))?;
    plan_from(&row, true)
}

const COHORT_COLUMNS: &str = "c.code, c.plan_id, c.year, c.program_code, c.provider, c.place, \
    c.starts, c.ends, c.capacity, c.route, c.schedule, c.planned_cost_idr, c.actual_cost_idr";

fn cohort_from(r: &QueryResult) -> Result<CohortRecord> {
    Ok(CohortRecord {
        code: r.try_get("", "code")?,
        plan_id: r.try_get("", "plan_id")?,
        year: r.try_get("", "year")?,
        program: r.try_get("", "program_code")?,
        provider: r.try_get("", "provider")?,
        place: r.try_get("", "place")?,
        starts: r.try_get("", "starts")?,
        ends: r.try_get("", "ends")?,
        capacity: r.try_get("", "capacity")?,
        route: r.try_get("", "route")?,
        schedule: r.try_get("", "schedule")?,
        planned_cost_idr: r.try_get("", "planned_cost_idr")?,
        actual_cost_idr: r.try_get("", "actual_cost_idr")?,
        enrolled: r.try_get("", "enrolled")?,
    })
}

impl Store {
    /// Saves a computed plan as the next version of its year and unit scope, a draft.
    pub async fn save_training_plan(
        &self,
        actor: &Actor,
        new: &NewTrainingPlan,
    ) -> Result<TrainingPlanRecord> {
        let txn = self.begin_write().await?;
        let backend = self.backend();
        let now = self.now();
        let version: i32 = txn
            .query_one_raw(stmt(
                backend,
                "SELECT COALESCE(MAX(version), 0) AS v FROM training_plans WHERE year = $1 AND unit_code = $2",
                vec![new.year.into(), new.unit.clone().into()],
            ))
            .await?
            .map(|r| r.try_get::<i32>("", "v"))
            .transpose()?
            .unwrap_or(0)
            + 1;
        let row = txn
            .query_one_raw(stmt(
                backend,
                "INSERT INTO training_plans (year, unit_code, version, status, budget_idr, cost_idr, gap_closed, \
                 gap_total, plan, saved_at, saved_by) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                vec![
                    new.year.into(),
                    new.unit.clone().into(),
                    version.into(),
                    new.budget_idr.into(),
                    new.cost_idr.into(),
                    new.gap_closed.into(),
                    new.gap_total.into(),
                    new.plan.to_string().into(),
                    now.into(),
                    actor.0.clone().into(),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                table: "training_plans",
                key: new.unit.clone(),
                message: "no id returned".into(),
            })?;
        let id: i64 = row.try_get("", "id")?;
        audit::record(
            &txn,
            actor,
            "create",
            "training_plan",
            &format!("{}/{}/v{version}", new.unit, new.year),
            serde_json::json!({"budget_idr": new.budget_idr, "cost_idr": new.cost_idr}),
            now,
        )
        .await?;
        let saved = load_plan(&txn, id).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// The saved plans (of `year` when given), newest first, without their contents.
    pub async fn training_plans(&self, year: Option<i32>) -> Result<Vec<TrainingPlanRecord>> {
        let (filter, values): (&str, Vec<Value>) = match year {
            Some(y) => (" WHERE year = $1", vec![y.into()]),
            None => ("", vec![]),
        };
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {PLAN_COLUMNS} FROM training_plans{filter} ORDER BY year DESC, unit_code, version DESC"
                ),
                values,
            ))
            .await?;
        rows.iter().map(|r| plan_from(r, false)).collect()
    }

    pub async fn training_plan(&self, id: i64) -> Result<TrainingPlanRecord> {
        load_plan(&self.db, id).await
    }

    /// Adopts draft `id`: its cohorts are created (numbered per program and year after those
    /// that exist) and every participant enrolled. Another adopted plan for the same year and
    /// unit scope is a `Conflict` (withdraw it first).
    pub async fn adopt_training_plan(
        &self,
        actor: &Actor,
        id: i64,
        cohorts: &[NewCohort],
    ) -> Result<(TrainingPlanRecord, Enrolled)> {
        let mut lap = crate::db::Lap::start();
        let txn = self.begin_bulk_write().await?;
        let backend = self.backend();
        let now = self.now();
        let plan = load_plan(&txn, id).await?;
        let other = txn
            .query_one_raw(stmt(
                backend,
                "SELECT version FROM training_plans WHERE year = $1 AND unit_code = $2 AND status = 'adopted' AND id <> $3",
                vec![plan.year.into(), plan.unit.clone().into(), id.into()],
            ))
            .await?;
        if let Some(r) = other {
            let v: i32 = r.try_get("", "version")?;
            return Err(StoreError::Conflict(format!(
                "version {v} is the adopted plan of {} for {}; withdraw it first, with a reason",
                plan.unit, plan.year
            )));
        }
        let done = txn
            .execute_raw(stmt(
                backend,
                "UPDATE training_plans SET status = 'adopted', decided_at = $1, decided_by = $2 \
                 WHERE id = $3 AND status = 'draft'",
                vec![now.into(), actor.0.clone().into(), id.into()],
            ))
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "only a draft can be adopted; version {} is {}",
                plan.version,
                plan.status.as_str()
            )));
        }
        let enrolled =
            create_cohorts(&txn, actor, &plan, cohorts, now, self.mail_delivery()).await?;
        audit::record(
            &txn,
            actor,
            "adopt",
            "training_plan",
            &format!("{}/{}/v{}", plan.unit, plan.year, plan.version),
            serde_json::json!({"cohorts": enrolled.cohorts, "participants": enrolled.participants,
                "items_added": enrolled.items_added}),
            now,
        )
        .await?;
        let adopted = load_plan(&txn, id).await?;
        let write_ms = lap.ms();
        txn.commit().await?;
        let commit_ms = lap.ms();
        self.checkpoint(&["cohorts", "cohort_participants", "plan_items"])
            .await?;
        tracing::debug!(
            cohorts = cohorts.len(),
            write_ms,
            commit_ms,
            checkpoint_ms = lap.ms(),
            "training plan adopted"
        );
        Ok((adopted, enrolled))
    }

    /// Withdraws plan `id` with a reason. An adopted plan's enrolments are withdrawn and the
    /// plan items they added cancelled with the reason; refused (`Conflict`) once a result is
    /// recorded in one of its cohorts.
    pub async fn withdraw_training_plan(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> Result<TrainingPlanRecord> {
        let txn = self.begin_bulk_write().await?;
        let backend = self.backend();
        let now = self.now();
        let plan = load_plan(&txn, id).await?;
        if plan.status == TrainingPlanStatus::Withdrawn {
            return Err(StoreError::Conflict("the plan is withdrawn already".into()));
        }
        let results = txn
            .query_one_raw(stmt(
                backend,
                "SELECT COUNT(*) AS n FROM cohort_participants p JOIN cohorts c ON c.code = p.cohort_code \
                 WHERE c.plan_id = $1 AND p.status NOT IN ('enrolled', 'withdrawn')",
                vec![id.into()],
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if results > 0 {
            return Err(StoreError::Conflict(format!(
                "{results} result(s) are recorded in this plan's cohorts; it stays adopted"
            )));
        }
        // The items the enrolments added and nothing else holds are cancelled.
        txn.execute_raw(stmt(
            backend,
            "UPDATE plan_items SET status = 'cancelled', cancel_reason = $1, updated_at = $2 \
             WHERE status = 'planned' AND id IN (SELECT p.plan_item_id FROM cohort_participants p \
               JOIN cohorts c ON c.code = p.cohort_code WHERE c.plan_id = $3 AND p.status = 'enrolled')",
            vec![reason.into(), now.into(), id.into()],
        ))
        .await?;
        txn.execute_raw(stmt(
            backend,
            "UPDATE cohort_participants SET status = 'withdrawn', reason = $1, updated_at = $2 \
             WHERE status = 'enrolled' AND cohort_code IN (SELECT code FROM cohorts WHERE plan_id = $3)",
            vec![reason.into(), now.into(), id.into()],
        ))
        .await?;
        txn.execute_raw(stmt(
            backend,
            "UPDATE training_plans SET status = 'withdrawn', withdraw_reason = $1, decided_at = $2, decided_by = $3 WHERE id = $4",
            vec![reason.into(), now.into(), actor.0.clone().into(), id.into()],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "withdraw",
            "training_plan",
            &format!("{}/{}/v{}", plan.unit, plan.year, plan.version),
            serde_json::json!({"reason": reason, "was": plan.status}),
            now,
        )
        .await?;
        let withdrawn = load_plan(&txn, id).await?;
        txn.commit().await?;
        Ok(withdrawn)
    }

    /// Cohorts of `year` (and `program`, and of the plans of `unit`'s scope or a unit below
    /// it), by code, with how many are enrolled.
    pub async fn cohorts(
        &self,
        year: Option<i32>,
        program: Option<&str>,
        unit: Option<&str>,
    ) -> Result<Vec<CohortRecord>> {
        let mut filters = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut with = String::new();
        if let Some(u) = unit {
            self.get_unit(u).await?;
            // The subtree's `$1`.
            values.push(u.into());
            with = format!("WITH RECURSIVE {} ", crate::analytics::SUBTREE);
            filters.push(
                "c.plan_id IN (SELECT id FROM training_plans WHERE unit_code IN (SELECT code FROM sub))"
                    .to_string(),
            );
        }
        if let Some(y) = year {
            values.push(y.into());
            filters.push(format!("c.year = ${}", values.len()));
        }
        if let Some(p) = program {
            values.push(p.into());
            filters.push(format!("c.program_code = ${}", values.len()));
        }
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", filters.join(" AND "))
        };
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "{with}SELECT {COHORT_COLUMNS}, (SELECT COUNT(*) FROM cohort_participants p \
                     WHERE p.cohort_code = c.code AND p.status <> 'withdrawn') AS enrolled \
                     FROM cohorts c{filter} ORDER BY c.code"
                ),
                values,
            ))
            .await?;
        rows.iter().map(cohort_from).collect()
    }

    /// One cohort with its participants by name.
    pub async fn cohort(&self, code: &str) -> Result<(CohortRecord, Vec<ParticipantRecord>)> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {COHORT_COLUMNS}, (SELECT COUNT(*) FROM cohort_participants p \
                     WHERE p.cohort_code = c.code AND p.status <> 'withdrawn') AS enrolled \
                     FROM cohorts c WHERE c.code = $1"
                ),
                vec![code.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("cohort", code))?;
        let cohort = cohort_from(&row)?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT p.nip, e.name, e.unit_code, p.status, p.plan_item_id, p.certificate_no, p.completed_on, p.score, p.reason \
                 FROM cohort_participants p JOIN employees e ON e.nip = p.nip WHERE p.cohort_code = $1 ORDER BY e.name, p.nip",
                vec![code.into()],
            ))
            .await?;
        let people = rows
            .iter()
            .map(|r| {
                let status: String = r.try_get("", "status")?;
                Ok(ParticipantRecord {
                    nip: r.try_get("", "nip")?,
                    name: r.try_get("", "name")?,
                    unit: r.try_get("", "unit_code")?,
                    status: status.parse().map_err(|_| StoreError::Corrupt {
                        table: "cohort_participants",
                        key: code.to_string(),
                        message: format!("unreadable status {status:?}"),
                    })?,
                    plan_item: r.try_get("", "plan_item_id")?,
                    certificate_no: r.try_get("", "certificate_no")?,
                    completed_on: r.try_get("", "completed_on")?,
                    score: r.try_get("", "score")?,
                    reason: r.try_get("", "reason")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((cohort, people))
    }
}

/// Ids of rows matching `nips` chunk by chunk: `sql` has `{}` where the marks go after the
/// leading values.
async fn by_nips(
    txn: &DatabaseTransaction,
    sql: &str,
    lead: Vec<Value>,
    nips: &[String],
) -> Result<Vec<QueryResult>> {
    let mut out = Vec::new();
    for chunk in nips.chunks(rows_per_statement(1).saturating_sub(lead.len()).max(1)) {
        let marks: Vec<String> = (lead.len() + 1..=lead.len() + chunk.len())
            .map(|i| format!("${i}"))
            .collect();
        let mut values = lead.clone();
        values.extend(chunk.iter().map(|n| Value::from(n.clone())));
        out.extend(
            txn.query_all_raw(stmt(
                txn.get_database_backend(),
                &sql.replace("{}", &marks.join(", ")),
                values,
            ))
            .await?,
        );
    }
    Ok(out)
}

/// Creates the cohorts of an adopted plan and enrols their participants (see the module).
async fn create_cohorts(
    txn: &DatabaseTransaction,
    actor: &Actor,
    plan: &TrainingPlanRecord,
    cohorts: &[NewCohort],
    now: DateTime<Utc>,
    mail: bool,
) -> Result<Enrolled> {
    let backend = txn.get_database_backend();
    let year = plan.year;
    // Cohort codes follow those of the year that exist.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for r in txn
        .query_all_raw(stmt(
            backend,
            "SELECT program_code, COUNT(*) AS n FROM cohorts WHERE year = $1 GROUP BY program_code",
            vec![year.into()],
        ))
        .await?
    {
        taken.insert(
            r.try_get("", "program_code")?,
            r.try_get::<i64>("", "n")?.max(0) as usize,
        );
    }
    let mut cohort_rows: Vec<Value> = Vec::new();
    let mut codes = Vec::with_capacity(cohorts.len());
    for c in cohorts {
        let n = taken.entry(c.program.clone()).or_default();
        *n += 1;
        let code = jenjang_core::training::cohort_code(year, &c.program, *n);
        cohort_rows.extend([
            code.clone().into(),
            plan.id.into(),
            year.into(),
            c.program.clone().into(),
            c.provider.clone().into(),
            c.capacity.into(),
            c.route.clone().into(),
            c.schedule.clone().into(),
            c.planned_cost_idr.into(),
            now.into(),
        ]);
        codes.push(code);
    }
    insert_rows(
        txn,
        "INSERT INTO cohorts (code, plan_id, year, program_code, provider, capacity, route, schedule, planned_cost_idr, updated_at)",
        "",
        10,
        cohort_rows,
    )
    .await?;
    let enrolling: Vec<Enrolling<'_>> = cohorts
        .iter()
        .zip(&codes)
        .map(|(c, code)| Enrolling {
            code,
            program: &c.program,
            jp: c.jp,
            due: c.due,
            participants: &c.participants,
            created: true,
        })
        .collect();
    let (participants, items_added, plans_created) =
        enrol(txn, actor, year, plan.id, &enrolling, now, mail).await?;
    Ok(Enrolled {
        cohorts: cohorts.len() as u64,
        participants,
        items_added,
        plans_created,
    })
}

/// Plan items (not cancelled) by plan: (program, item id), a few a plan.
#[derive(Default)]
struct Items(HashMap<i64, Vec<(String, i64)>>);

impl Items {
    fn get(&self, plan: i64, program: &str) -> Option<i64> {
        self.0
            .get(&plan)?
            .iter()
            .find_map(|(p, id)| (p == program).then_some(*id))
    }

    fn insert(&mut self, plan: i64, program: String, id: i64) {
        self.0.entry(plan).or_default().push((program, id));
    }
}

/// The items (not cancelled) of `plans`.
async fn items_of_plans(txn: &DatabaseTransaction, plans: &[i64]) -> Result<Items> {
    let mut items = Items::default();
    for chunk in plans.chunks(rows_per_statement(1)) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        for r in txn
            .query_all_raw(stmt(
                txn.get_database_backend(),
                &format!(
                    "SELECT id, plan_id, program_code FROM plan_items WHERE status <> 'cancelled' \
                     AND plan_id IN ({})",
                    marks.join(", ")
                ),
                chunk.iter().map(|&i| Value::from(i)).collect(),
            ))
            .await?
        {
            items.insert(
                r.try_get("", "plan_id")?,
                r.try_get("", "program_code")?,
                r.try_get("", "id")?,
            );
        }
    }
    Ok(items)
}

/// Participants to enrol in one cohort.
struct Enrolling<'a> {
    code: &'a str,
    program: &'a str,
    jp: i32,
    due: NaiveDate,
    participants: &'a [String],
    /// Created in this transaction: nobody was in it before.
    created: bool,
}

/// Enrols participants into their development plans for `year` (see the module): returns
/// (participants, items added, plans created).
async fn enrol(
    txn: &DatabaseTransaction,
    actor: &Actor,
    year: i32,
    plan_id_of_training: i64,
    cohorts: &[Enrolling<'_>],
    now: DateTime<Utc>,
    mail: bool,
) -> Result<(u64, u64, u64)> {
    let backend = txn.get_database_backend();
    let mut lap = crate::db::Lap::start();
    // Every participant's development plan for the year, created where missing.
    let mut nips: Vec<String> = cohorts
        .iter()
        .flat_map(|c| c.participants.iter().cloned())
        .collect();
    nips.sort_unstable();
    nips.dedup();
    let plans_sql = "SELECT id, nip, status FROM development_plans WHERE year = $1 AND nip IN ({})";
    let mut plans: HashMap<String, (i64, String)> = HashMap::new();
    for r in by_nips(txn, plans_sql, vec![(year as i16).into()], &nips).await? {
        plans.insert(
            r.try_get("", "nip")?,
            (r.try_get("", "id")?, r.try_get("", "status")?),
        );
    }
    let missing: Vec<String> = nips
        .iter()
        .filter(|n| !plans.contains_key(*n))
        .cloned()
        .collect();
    let mut values: Vec<Value> = Vec::new();
    for nip in &missing {
        values.extend([
            nip.clone().into(),
            (year as i16).into(),
            "draft".into(),
            1i32.into(),
            1i32.into(),
            now.into(),
            now.into(),
        ]);
    }
    // The items the plans held already (not cancelled): reused, never a second one.
    let plan_ids: Vec<i64> = plans.values().map(|(id, _)| *id).collect();
    let mut items = items_of_plans(txn, &plan_ids).await?;
    let read_ms = lap.ms();
    for r in insert_rows_returning(
        txn,
        "INSERT INTO development_plans (nip, year, status, revision, version, created_at, updated_at)",
        "RETURNING id, nip, status",
        7,
        values,
    )
    .await?
    {
        plans.insert(
            r.try_get("", "nip")?,
            (r.try_get("", "id")?, r.try_get("", "status")?),
        );
    }
    let enrolling: usize = cohorts.iter().map(|c| c.participants.len()).sum();
    let mut new_items: Vec<Value> = Vec::with_capacity(enrolling * 8);
    let mut wanted: std::collections::HashSet<(i64, &str)> = Default::default();
    let mut touched: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in cohorts {
        for nip in c.participants {
            let plan_id = plans[nip].0;
            if items.get(plan_id, c.program).is_some() || !wanted.insert((plan_id, c.program)) {
                continue;
            }
            new_items.extend([
                plan_id.into(),
                c.program.into(),
                c.due.into(),
                "planned".into(),
                c.jp.into(),
                0i32.into(),
                now.into(),
                now.into(),
            ]);
            touched.entry(nip).or_default().push(c.program);
        }
    }
    let items_added = wanted.len() as u64;
    let plans_ms = lap.ms();
    for r in insert_rows_returning(
        txn,
        "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at)",
        "RETURNING id, plan_id, program_code",
        8,
        new_items,
    )
    .await?
    {
        items.insert(
            r.try_get("", "plan_id")?,
            r.try_get("", "program_code")?,
            r.try_get("", "id")?,
        );
    }
    let items_ms = lap.ms();
    // The enrolments, each through its plan item.
    let mut enrolments: Vec<Value> = Vec::with_capacity(enrolling * 5);
    let mut participants = 0u64;
    for c in cohorts {
        for nip in c.participants {
            let item = items.get(plans[nip].0, c.program);
            enrolments.extend([
                c.code.into(),
                nip.as_str().into(),
                ParticipantStatus::Enrolled.as_str().into(),
                item.into(),
                now.into(),
            ]);
            participants += 1;
        }
    }
    // Cohorts created by this adoption hold nobody yet; a cohort changed later may hold
    // someone withdrawn before, enrolled again.
    let again = if cohorts.iter().all(|c| c.created) {
        ""
    } else {
        "ON CONFLICT (cohort_code, nip) DO UPDATE SET status = excluded.status, \
         plan_item_id = excluded.plan_item_id, reason = NULL, updated_at = excluded.updated_at"
    };
    insert_rows(
        txn,
        "INSERT INTO cohort_participants (cohort_code, nip, status, plan_item_id, updated_at)",
        again,
        5,
        enrolments,
    )
    .await?;
    let enrolments_ms = lap.ms();
    // The plans changed (their version moves, so an open form elsewhere reloads), audited
    // per employee; the supervisors of approved plans are told.
    // Plans created by this adoption are at their first version already.
    let created: std::collections::HashSet<&str> = missing.iter().map(String::as_str).collect();
    let touched_plans: Vec<i64> = touched
        .keys()
        .filter(|nip| !created.contains(*nip))
        .map(|nip| plans[*nip].0)
        .collect();
    for chunk in touched_plans.chunks(rows_per_statement(1).saturating_sub(1)) {
        let marks: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
        let mut values: Vec<Value> = vec![now.into()];
        values.extend(chunk.iter().map(|&i| Value::from(i)));
        txn.execute_raw(stmt(
            backend,
            &format!(
                "UPDATE development_plans SET version = version + 1, updated_at = $1 WHERE id IN ({})",
                marks.join(", ")
            ),
            values,
        ))
        .await?;
    }
    let audits = touched
        .iter()
        .map(|(nip, programs)| {
            (
                "add_items".to_string(),
                "plan".to_string(),
                format!("{nip}/{year}"),
                serde_json::json!({"programs": programs, "training_plan": plan_id_of_training}),
            )
        })
        .collect();
    audit::audit_rows(txn, actor, audits, now).await?;
    let audit_ms = lap.ms();
    let approved: Vec<String> = touched
        .keys()
        .filter(|nip| plans[**nip].1 == "approved")
        .map(|nip| nip.to_string())
        .collect();
    let supervisors_sql = "SELECT nip, name, supervisor_nip FROM employees WHERE supervisor_nip IS NOT NULL AND nip IN ({})";
    let mut notices: Vec<Value> = Vec::new();
    for r in by_nips(txn, supervisors_sql, vec![], &approved).await? {
        let nip: String = r.try_get("", "nip")?;
        let name: String = r.try_get("", "name")?;
        let supervisor: String = r.try_get("", "supervisor_nip")?;
        let programs = touched
            .get(nip.as_str())
            .map(|p| p.join(", "))
            .unwrap_or_default();
        notices.extend([
            supervisor.into(),
            Value::from(None::<String>),
            nip.clone().into(),
            Value::from(None::<i64>),
            "peserta-angkatan".into(),
            format!("Rencana pengembangan {name} {year} bertambah: {programs}").into(),
            format!(
                "Rencana pelatihan {year} yang ditetapkan menempatkan {name} ({nip}) pada angkatan {programs}; \
                 programnya ditambahkan ke rencana pengembangan yang sudah disetujui."
            )
            .into(),
            now.into(),
        ]);
    }
    crate::deliveries::write_notifications(txn, notices, now, mail).await?;
    tracing::debug!(
        participants,
        items_added,
        plans_created = missing.len(),
        read_ms,
        plans_ms,
        items_ms,
        enrolments_ms,
        audit_ms,
        notices_ms = lap.ms(),
        "enrolled"
    );
    Ok((participants, items_added, missing.len() as u64))
}

/// One result to record for a participant of a cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub cohort: String,
    pub nip: String,
    pub status: ParticipantStatus,
    pub certificate_no: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub score: Option<f64>,
}

/// What recording results did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultsRecorded {
    pub recorded: u64,
    pub unchanged: u64,
    /// Programs completed by a first pass (JP credited once).
    pub completed: u64,
}

struct Enrolment {
    status: ParticipantStatus,
    item: Option<i64>,
    certificate_no: Option<String>,
    completed_on: Option<NaiveDate>,
    score: Option<f64>,
    program: String,
    title: String,
    form: String,
    jp: i32,
}

impl Store {
    /// Records results set-based. Each row must name a participant of the cohort; a pass is
    /// final; `lulus` needs the completion date. A first pass completes the participant's plan
    /// item (JP credited by the organisation's rules, once), records the levels the program
    /// develops with source `program:<code>` and emits
    /// `training.completed` and `plan_item.completed`; every changed result emits
    /// `cohort.result_recorded`. Refused rows come back by position; with `all_or_nothing` any
    /// refusal writes nothing. The same results again change nothing.
    pub async fn record_cohort_results(
        &self,
        actor: &Actor,
        rows: &[ResultRow],
        all_or_nothing: bool,
        dry_run: bool,
    ) -> Result<(ResultsRecorded, Vec<(usize, jenjang_core::FieldError)>)> {
        use crate::outbox::Event;
        use jenjang_core::FieldError;
        use jenjang_core::events::{
            CohortResultRecorded, DomainEvent, PlanItemCompleted, TrainingCompleted,
        };
        let mut lap = crate::db::Lap::start();
        let rules = self.jp_rules().await?;
        let today = self.today().await?;
        let txn = self.begin_bulk_write().await?;
        let backend = self.backend();
        let now = self.now();
        let mut develops: HashMap<String, Vec<(String, u8)>> = HashMap::new();
        for r in txn
            .query_all_raw(stmt(
                backend,
                "SELECT program_code, competency_code, to_level FROM program_develops ORDER BY program_code, competency_code",
                vec![],
            ))
            .await?
        {
            develops
                .entry(r.try_get("", "program_code")?)
                .or_default()
                .push((
                    r.try_get("", "competency_code")?,
                    r.try_get::<i16>("", "to_level")?.clamp(0, 5) as u8,
                ));
        }
        let mut codes: Vec<String> = rows.iter().map(|r| r.cohort.clone()).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut known: BTreeSet<String> = BTreeSet::new();
        for chunk in codes.chunks(rows_per_statement(1)) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let values: Vec<Value> = chunk.iter().map(|c| Value::from(c.clone())).collect();
            for r in txn
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT code FROM cohorts WHERE code IN ({})",
                        marks.join(", ")
                    ),
                    values,
                ))
                .await?
            {
                known.insert(r.try_get("", "code")?);
            }
        }
        // Only the participants the rows name: a cohort of an e-learning program may hold
        // tens of thousands, most of them not in this file.
        let mut named: Vec<(&str, &str)> = rows
            .iter()
            .filter(|r| known.contains(&r.cohort))
            .map(|r| (r.cohort.as_str(), r.nip.as_str()))
            .collect();
        named.sort_unstable();
        named.dedup();
        let mut enrolled: HashMap<(String, String), Enrolment> = HashMap::new();
        for chunk in named.chunks(crate::db::pairs_per_statement(backend)) {
            let (list, values) = crate::db::pair_list(backend, chunk);
            for r in txn
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT p.cohort_code, p.nip, p.status, p.plan_item_id, p.certificate_no, p.completed_on, \
                         p.score, c.program_code, g.title, g.form, g.jp FROM cohort_participants p \
                         JOIN cohorts c ON c.code = p.cohort_code JOIN programs g ON g.code = c.program_code \
                         WHERE (p.cohort_code, p.nip) IN ({list})"
                    ),
                    values,
                ))
                .await?
            {
                let status: String = r.try_get("", "status")?;
                let code: String = r.try_get("", "cohort_code")?;
                enrolled.insert(
                    (code.clone(), r.try_get("", "nip")?),
                    Enrolment {
                        status: status.parse().map_err(|_| StoreError::Corrupt {
                            table: "cohort_participants",
                            key: code,
                            message: format!("unreadable status {status:?}"),
                        })?,
                        item: r.try_get("", "plan_item_id")?,
                        certificate_no: r.try_get("", "certificate_no")?,
                        completed_on: r.try_get("", "completed_on")?,
                        score: r.try_get("", "score")?,
                        program: r.try_get("", "program_code")?,
                        title: r.try_get("", "title")?,
                        form: r.try_get("", "form")?,
                        jp: r.try_get("", "jp")?,
                    },
                );
            }
        }
        let read_ms = lap.ms();
        let mut rejected = Vec::new();
        let mut done = ResultsRecorded::default();
        // Sized for every row to be a first pass (growing vectors of this size cost a tenth
        // of the import in copies and fresh pages).
        let mut results: Vec<Value> = Vec::with_capacity(rows.len() * 7);
        let mut completions: Vec<(i64, i32, NaiveDate)> = Vec::with_capacity(rows.len());
        let developed: usize = rows
            .iter()
            .filter(|r| r.status == ParticipantStatus::Lulus)
            .filter_map(|r| enrolled.get(&(r.cohort.clone(), r.nip.clone())))
            .map(|e| develops.get(&e.program).map_or(0, Vec::len))
            .sum();
        let mut levels: Vec<Value> = Vec::with_capacity(developed * 7);
        let mut events = Vec::with_capacity(rows.len() * 3);
        let mut audits = Vec::with_capacity(rows.len());
        let mut notices: Vec<Value> = Vec::with_capacity(rows.len() * 8);
        // A participant named twice in one call says two things: neither row is guessed at.
        let mut positions: HashMap<(&str, &str), Vec<usize>> = HashMap::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            positions
                .entry((row.cohort.as_str(), row.nip.as_str()))
                .or_default()
                .push(i);
        }
        for (i, row) in rows.iter().enumerate() {
            let same = &positions[&(row.cohort.as_str(), row.nip.as_str())];
            if same.len() > 1 {
                let others: Vec<String> = same
                    .iter()
                    .filter(|j| **j != i)
                    .map(|j| j.to_string())
                    .collect();
                rejected.push((
                    i,
                    FieldError::new(
                        "nip",
                        format!(
                            "{} of {} appears again in row(s) {}; keep one row",
                            row.nip,
                            row.cohort,
                            others.join(", ")
                        ),
                    )
                    .with_code("duplicate_rows")
                    .with_param("rows", others.join(", ")),
                ));
                continue;
            }
            if !known.contains(&row.cohort) {
                rejected.push((
                    i,
                    FieldError::new("cohort", format!("no cohort has the code {}", row.cohort))
                        .with_code("unknown_cohort")
                        .with_param("code", &row.cohort),
                ));
                continue;
            }
            let Some(e) = enrolled.get(&(row.cohort.clone(), row.nip.clone())) else {
                rejected.push((
                    i,
                    FieldError::new(
                        "nip",
                        format!("{} is not a participant of {}", row.nip, row.cohort),
                    )
                    .with_code("not_in_cohort")
                    .with_param("nip", &row.nip)
                    .with_param("code", &row.cohort),
                ));
                continue;
            };
            let completes = match jenjang_core::training::record_result(e.status, row.status) {
                Ok(c) => c,
                Err(why) => {
                    rejected.push((
                        i,
                        FieldError::new("status", why.to_string()).with_code(match why {
                            jenjang_core::training::ResultRefused::Withdrawn => {
                                "participant_withdrawn"
                            }
                            jenjang_core::training::ResultRefused::PassIsFinal => "pass_is_final",
                            jenjang_core::training::ResultRefused::NotAResult => "invalid_value",
                        }),
                    ));
                    continue;
                }
            };
            if row.completed_on.is_some_and(|d| d > today) {
                rejected.push((
                    i,
                    FieldError::new("completed_on", "a completion date cannot be in the future")
                        .with_code("date_in_future"),
                ));
                continue;
            }
            if row.status == ParticipantStatus::Lulus && row.completed_on.is_none() {
                rejected.push((
                    i,
                    FieldError::new("completed_on", "a pass needs its completion date")
                        .with_code("required"),
                ));
                continue;
            }
            if e.status == row.status
                && e.certificate_no == row.certificate_no
                && e.completed_on == row.completed_on
                && e.score == row.score
            {
                done.unchanged += 1;
                continue;
            }
            done.recorded += 1;
            results.extend([
                row.cohort.clone().into(),
                row.nip.clone().into(),
                row.status.as_str().into(),
                row.certificate_no.clone().into(),
                row.completed_on.into(),
                row.score.into(),
                now.into(),
            ]);
            audits.push((
                "record_result".to_string(),
                "cohort".to_string(),
                format!("{}/{}", row.cohort, row.nip),
                serde_json::json!({"status": row.status, "certificate_no": row.certificate_no,
                    "completed_on": row.completed_on, "score": row.score}),
            ));
            events.push(Event {
                event: DomainEvent::CohortResultRecorded(CohortResultRecorded {
                    cohort: row.cohort.clone(),
                    nip: row.nip.clone(),
                    program: e.program.clone(),
                    status: row.status.as_str().into(),
                    certificate_no: row.certificate_no.clone(),
                    completed_on: row.completed_on,
                    score: row.score,
                }),
                dedup_key: format!(
                    "cohort_result:{}:{}:{}:{:?}:{:?}",
                    row.cohort,
                    row.nip,
                    row.status.as_str(),
                    row.certificate_no,
                    row.completed_on
                ),
            });
            if completes && let (Some(on), Some(item)) = (row.completed_on, e.item) {
                let form = e
                    .form
                    .parse()
                    .unwrap_or(jenjang_core::kinds::ProgramForm::Kursus);
                let credited = rules.credit(form, e.jp.max(0) as u32) as i32;
                completions.push((item, credited, on));
                done.completed += 1;
                let source = format!("program:{}", e.program);
                let developed = develops.get(&e.program).cloned().unwrap_or_default();
                for (competency, level) in &developed {
                    levels.extend([
                        row.nip.clone().into(),
                        competency.clone().into(),
                        i16::from(*level).into(),
                        source.clone().into(),
                        on.into(),
                        now.into(),
                        actor.0.clone().into(),
                    ]);
                }
                // The reaction survey (Kirkpatrick level 1) is offered at completion.
                notices.extend([
                    row.nip.clone().into(),
                    Value::from(None::<String>),
                    row.nip.clone().into(),
                    Value::from(None::<i64>),
                    "survei-reaksi".into(),
                    format!("Bagaimana pelatihan {}?", e.title).into(),
                    format!(
                        "Anda lulus {} (angkatan {}). Isi survei reaksi singkat di /angkatan/{}/reaksi: \
                         penilaian Anda menjadi dasar memilih program berikutnya.",
                        e.title, row.cohort, row.cohort
                    )
                    .into(),
                    now.into(),
                ]);
                events.push(Event {
                    event: DomainEvent::TrainingCompleted(TrainingCompleted {
                        cohort: row.cohort.clone(),
                        nip: row.nip.clone(),
                        program: e.program.clone(),
                        jp: i64::from(credited),
                        completed_on: on,
                        competencies: developed.iter().map(|(c, _)| c.clone()).collect(),
                    }),
                    dedup_key: format!("training_completed:{}:{}", row.cohort, row.nip),
                });
                events.push(Event {
                    event: DomainEvent::PlanItemCompleted(PlanItemCompleted {
                        nip: row.nip.clone(),
                        item,
                        program: e.program.clone(),
                        jp: i64::from(credited),
                        completed_on: on,
                    }),
                    dedup_key: format!("plan_item:{item}:completed"),
                });
            }
        }
        if dry_run || (all_or_nothing && !rejected.is_empty()) {
            return Ok((done, rejected));
        }
        let check_ms = lap.ms();
        // The audit and outbox rows are built while the database writes the results.
        let journal = audit::Journal::start(actor, audits, events, now);
        // Every row names a participant read above: updated in place (an upsert costs
        // PostgreSQL an insert attempt and a conflict per row).
        crate::db::update_rows(
            &txn,
            "cohort_participants",
            &["cohort_code", "nip"],
            &[
                "status",
                "certificate_no",
                "completed_on",
                "score",
                "updated_at",
            ],
            results,
        )
        .await?;
        // Items completed in groups of the same credit and date (few: one per cohort).
        let mut groups: BTreeMap<(i32, NaiveDate), Vec<i64>> = BTreeMap::new();
        for (item, credited, on) in completions {
            groups.entry((credited, on)).or_default().push(item);
        }
        for ((credited, on), items) in groups {
            for chunk in items.chunks(crate::db::ids_per_statement(backend, 3)) {
                let (list, ids) = crate::db::id_list(backend, chunk, 4);
                let mut values: Vec<Value> = vec![credited.into(), on.into(), now.into()];
                values.extend(ids);
                txn.execute_raw(stmt(
                    backend,
                    &format!(
                        "UPDATE plan_items SET status = 'completed', jp_credited = $1, completed_on = $2, \
                         started_on = COALESCE(started_on, $2), updated_at = $3 \
                         WHERE status IN ('planned', 'in_progress', 'cancelled') AND id IN ({list})"
                    ),
                    values,
                ))
                .await?;
            }
        }
        let results_ms = lap.ms();
        let new = crate::employees::insert_new_records(&txn, levels).await?;
        let records_ms = lap.ms();
        crate::employees::advance_current_levels(&txn, &new).await?;
        let levels_ms = lap.ms();
        crate::deliveries::write_notifications(&txn, notices, now, self.mail_delivery()).await?;
        let notices_ms = lap.ms();
        journal.write(&txn).await?;
        let journal_ms = lap.ms();
        txn.commit().await?;
        tracing::debug!(
            rows = rows.len(),
            recorded = done.recorded,
            completed = done.completed,
            read_ms,
            check_ms,
            results_ms,
            records_ms,
            levels_ms,
            notices_ms,
            journal_ms,
            commit_ms = lap.ms(),
            "cohort results recorded"
        );
        Ok((done, rejected))
    }
}

/// What a cohort's details become.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortChange {
    pub provider: String,
    pub place: Option<String>,
    pub starts: Option<NaiveDate>,
    pub ends: Option<NaiveDate>,
    pub capacity: i32,
    pub actual_cost_idr: Option<i64>,
}

/// Planned against actual cost, for one unit or program.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BudgetLine {
    pub key: String,
    pub planned_idr: i64,
    pub actual_idr: i64,
}

/// The training budget of a year: planned and actual cost of the cohorts of adopted plans.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Budget {
    pub year: i32,
    pub planned_idr: i64,
    pub actual_idr: i64,
    /// Per unit scope of the adopted plans.
    pub by_unit: Vec<BudgetLine>,
    pub by_program: Vec<BudgetLine>,
}

impl Store {
    /// Changes a cohort's provider, place, dates, capacity and actual cost; the capacity may
    /// not fall below those enrolled (`Invalid`).
    pub async fn update_cohort(
        &self,
        actor: &Actor,
        code: &str,
        change: &CohortChange,
    ) -> Result<CohortRecord> {
        let (cohort, _) = self.cohort(code).await?;
        if i64::from(change.capacity) < cohort.enrolled {
            return Err(StoreError::Invalid(vec![
                jenjang_core::FieldError::new(
                    "capacity",
                    format!(
                        "{} are enrolled; the capacity cannot be lower",
                        cohort.enrolled
                    ),
                )
                .with_code("below_enrolled")
                .with_param("enrolled", cohort.enrolled),
            ]));
        }
        let txn = self.begin_write().await?;
        let now = self.now();
        txn.execute_raw(stmt(
            self.backend(),
            "UPDATE cohorts SET provider = $1, place = $2, starts = $3, ends = $4, capacity = $5, \
             actual_cost_idr = $6, updated_at = $7 WHERE code = $8",
            vec![
                change.provider.clone().into(),
                change.place.clone().into(),
                change.starts.into(),
                change.ends.into(),
                change.capacity.into(),
                change.actual_cost_idr.into(),
                now.into(),
                code.into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "update",
            "cohort",
            code,
            serde_json::json!({"provider": change.provider, "place": change.place, "starts": change.starts,
                "ends": change.ends, "capacity": change.capacity, "actual_cost_idr": change.actual_cost_idr}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(self.cohort(code).await?.0)
    }

    /// Planned against actual cost of the cohorts of the adopted plans of `year` (of `unit`'s
    /// scope when given), set-based; a cohort without its actual cost yet counts 0 actual.
    pub async fn training_budget(&self, year: i32, unit: Option<&str>) -> Result<Budget> {
        let (filter, values): (&str, Vec<Value>) = match unit {
            Some(u) => (" AND t.unit_code = $2", vec![year.into(), u.into()]),
            None => ("", vec![year.into()]),
        };
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT t.unit_code, c.program_code, CAST(SUM(c.planned_cost_idr) AS BIGINT) AS planned, \
                     CAST(SUM(COALESCE(c.actual_cost_idr, 0)) AS BIGINT) AS actual FROM cohorts c \
                     JOIN training_plans t ON t.id = c.plan_id \
                     WHERE t.year = $1 AND t.status = 'adopted'{filter} \
                     GROUP BY t.unit_code, c.program_code ORDER BY t.unit_code, c.program_code"
                ),
                values,
            ))
            .await?;
        let mut by_unit: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut by_program: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for r in rows {
            let planned: i64 = r.try_get::<Option<i64>>("", "planned")?.unwrap_or(0);
            let actual: i64 = r.try_get::<Option<i64>>("", "actual")?.unwrap_or(0);
            for (map, key) in [
                (&mut by_unit, r.try_get::<String>("", "unit_code")?),
                (&mut by_program, r.try_get::<String>("", "program_code")?),
            ] {
                let e = map.entry(key).or_default();
                e.0 += planned;
                e.1 += actual;
            }
        }
        let lines = |m: BTreeMap<String, (i64, i64)>| -> Vec<BudgetLine> {
            m.into_iter()
                .map(|(key, (planned_idr, actual_idr))| BudgetLine {
                    key,
                    planned_idr,
                    actual_idr,
                })
                .collect()
        };
        let planned_idr = by_unit.values().map(|v| v.0).sum();
        let actual_idr = by_unit.values().map(|v| v.1).sum();
        Ok(Budget {
            year,
            planned_idr,
            actual_idr,
            by_unit: lines(by_unit),
            by_program: lines(by_program),
        })
    }
}

impl Store {
    /// Makes `nips` the cohort's participants: the new ones enrolled (into their development
    /// plans as adoption does), those left out withdrawn with `reason` and the planned items
    /// they were enrolled through cancelled. More than the capacity (`capacity` when the same
    /// request changes it), or leaving out someone with a result, is refused (`Invalid`).
    pub async fn set_cohort_participants(
        &self,
        actor: &Actor,
        code: &str,
        nips: &[String],
        reason: &str,
        capacity: Option<i32>,
    ) -> Result<CohortRecord> {
        use jenjang_core::FieldError;
        let (mut cohort, people) = self.cohort(code).await?;
        cohort.capacity = capacity.unwrap_or(cohort.capacity);
        let mut problems = Vec::new();
        if nips.len() > cohort.capacity.max(0) as usize {
            problems.push(
                FieldError::new(
                    "participants",
                    format!(
                        "{} participants for a capacity of {}",
                        nips.len(),
                        cohort.capacity
                    ),
                )
                .with_code("over_capacity")
                .with_param("capacity", cohort.capacity),
            );
        }
        let wanted: BTreeSet<&str> = nips.iter().map(String::as_str).collect();
        let current: BTreeSet<&str> = people
            .iter()
            .filter(|p| p.status != ParticipantStatus::Withdrawn)
            .map(|p| p.nip.as_str())
            .collect();
        let removed: Vec<&ParticipantRecord> = people
            .iter()
            .filter(|p| {
                p.status != ParticipantStatus::Withdrawn && !wanted.contains(p.nip.as_str())
            })
            .collect();
        for p in &removed {
            if p.status != ParticipantStatus::Enrolled {
                problems.push(
                    FieldError::new(
                        "participants",
                        format!("{} has a result ({}) and stays", p.nip, p.status.as_str()),
                    )
                    .with_code("has_result")
                    .with_param("nip", &p.nip),
                );
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let added: Vec<String> = nips
            .iter()
            .filter(|n| !current.contains(n.as_str()))
            .cloned()
            .collect();
        let txn = self.begin_write().await?;
        let backend = self.backend();
        let now = self.now();
        let removed_nips: Vec<String> = removed.iter().map(|p| p.nip.clone()).collect();
        for chunk in removed_nips.chunks(rows_per_statement(1).saturating_sub(3)) {
            let marks: Vec<String> = (4..chunk.len() + 4).map(|i| format!("${i}")).collect();
            let mut values: Vec<Value> = vec![reason.into(), now.into(), code.into()];
            values.extend(chunk.iter().map(|n| Value::from(n.clone())));
            txn.execute_raw(stmt(
                backend,
                &format!(
                    "UPDATE plan_items SET status = 'cancelled', cancel_reason = $1, updated_at = $2 \
                     WHERE status = 'planned' AND id IN (SELECT plan_item_id FROM cohort_participants \
                     WHERE cohort_code = $3 AND nip IN ({}))",
                    marks.join(", ")
                ),
                values.clone(),
            ))
            .await?;
            txn.execute_raw(stmt(
                backend,
                &format!(
                    "UPDATE cohort_participants SET status = 'withdrawn', reason = $1, updated_at = $2 \
                     WHERE cohort_code = $3 AND nip IN ({})",
                    marks.join(", ")
                ),
                values,
            ))
            .await?;
        }
        if !added.is_empty() {
            let jp: i32 = txn
                .query_one_raw(stmt(
                    backend,
                    "SELECT jp FROM programs WHERE code = $1",
                    vec![cohort.program.clone().into()],
                ))
                .await?
                .map(|r| r.try_get("", "jp"))
                .transpose()?
                .unwrap_or(0);
            let due = jenjang_core::training::due_of(&cohort.schedule)
                .unwrap_or_else(|| now.date_naive());
            let enrolling = [Enrolling {
                code,
                program: &cohort.program,
                jp,
                due,
                participants: &added,
                created: false,
            }];
            enrol(
                &txn,
                actor,
                cohort.year,
                cohort.plan_id,
                &enrolling,
                now,
                self.mail_delivery(),
            )
            .await?;
        }
        audit::record(
            &txn,
            actor,
            "participants",
            "cohort",
            code,
            serde_json::json!({"added": added, "removed": removed_nips, "reason": reason}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(self.cohort(code).await?.0)
    }
}
