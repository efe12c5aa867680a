//! Employees: the supervisor tree, who may see whom, and the dated history of competency levels.

use crate::db::{Paging, Store, stmt};
use crate::entity::{competency_record, employee};
use crate::error::{Result, StoreError};
use crate::reference::{Resource, chain_up, require_existing};
use crate::{Actor, Page};
use chrono::{DateTime, Utc};
use jenjang_core::access::{EmployeeScope, Relation};
use jenjang_core::reference::{CompetencyRecord, Employee};
use jenjang_core::{Code, FieldError, Level, Nip};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, Value,
};
use serde::Serialize;
use std::collections::HashMap;

pub(crate) fn employee_from(m: employee::Model) -> Result<Employee> {
    let status = crate::error::stored("employees", &m.nip, &m.status)?;
    Ok(Employee {
        status,
        potential: m
            .potential
            .map(|p| crate::error::stored("employees", &m.nip, &p))
            .transpose()?,
        golongan: m
            .golongan
            .as_deref()
            .map(|g| read_golongan(&m.nip, g))
            .transpose()?,
        email: m.email.map(jenjang_core::notify::Email::from_stored),
        nip: Nip::from_stored(m.nip),
        name: m.name,
        position: m.position_code.map(Code::from_stored),
        unit: Code::from_stored(m.unit_code),
        supervisor_nip: m.supervisor_nip.map(Nip::from_stored),
    })
}

/// A stored rank; an unreadable one is `Corrupt`, naming the employee.
pub(crate) fn read_golongan(nip: &str, g: &str) -> Result<jenjang_core::fit::Golongan> {
    jenjang_core::fit::Golongan::parse(g).map_err(|e| StoreError::Corrupt {
        table: "employees",
        key: nip.to_string(),
        message: e.to_string(),
    })
}

fn employee_from_row(r: &QueryResult) -> Result<Employee> {
    let nip: String = r.try_get("", "nip")?;
    let potential: Option<String> = r.try_get("", "potential")?;
    let status: String = r.try_get("", "status")?;
    let golongan: Option<String> = r.try_get("", "golongan")?;
    let email: Option<String> = r.try_get("", "email")?;
    Ok(Employee {
        email: email.map(jenjang_core::notify::Email::from_stored),
        golongan: golongan
            .as_deref()
            .map(|g| read_golongan(&nip, g))
            .transpose()?,
        status: crate::error::stored("employees", &nip, &status)?,
        potential: potential
            .map(|p| crate::error::stored("employees", &nip, &p))
            .transpose()?,
        nip: Nip::from_stored(nip),
        name: r.try_get("", "name")?,
        position: r
            .try_get::<Option<String>>("", "position_code")?
            .map(Code::from_stored),
        unit: Code::from_stored(r.try_get("", "unit_code")?),
        supervisor_nip: r
            .try_get::<Option<String>>("", "supervisor_nip")?
            .map(Nip::from_stored),
    })
}

impl Resource for Employee {
    const ENTITY: &'static str = "employee";
    fn key(&self) -> String {
        self.nip.to_string()
    }
    fn canonical(&self) -> Self {
        self.clone()
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        employee::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
            .map(employee_from)
            .transpose()
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new("name", "must not be empty").with_code("required"));
        }
        require_existing(
            txn,
            &mut problems,
            "units",
            "code",
            "unit",
            [("unit".to_string(), self.unit.as_str())],
        )
        .await?;
        if let Some(p) = &self.position {
            require_existing(
                txn,
                &mut problems,
                "positions",
                "code",
                "position",
                [("position".to_string(), p.as_str())],
            )
            .await?;
        }
        if let Some(s) = &self.supervisor_nip {
            if s == &self.nip {
                problems.push(
                    FieldError::new("supervisor_nip", "an employee cannot supervise themselves")
                        .with_code("own_supervisor"),
                );
            } else {
                let chain = chain_up(txn, "employees", "nip", "supervisor_nip", s.as_str()).await?;
                if chain.is_empty() {
                    problems.push(FieldError::unknown("supervisor_nip", "employee", s));
                } else if chain.iter().any(|n| n == self.nip.as_str()) {
                    problems.push(
                        FieldError::new(
                            "supervisor_nip",
                            format!(
                                "{s} reports (directly or not) to {}; that would make a cycle",
                                self.nip
                            ),
                        )
                        .with_code("supervisor_cycle")
                        .with_param("code", s),
                    );
                }
            }
        }
        Ok(problems)
    }
    async fn write(
        &self,
        txn: &DatabaseTransaction,
        exists: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut m = employee::ActiveModel {
            nip: Set(self.nip.to_string()),
            name: Set(self.name.clone()),
            position_code: Set(self.position.as_ref().map(|c| c.to_string())),
            unit_code: Set(self.unit.to_string()),
            supervisor_nip: Set(self.supervisor_nip.as_ref().map(|n| n.to_string())),
            potential: Set(self.potential.map(|p| p.as_str().to_string())),
            golongan: Set(self.golongan.map(|g| g.to_string())),
            email: Set(self.email.as_ref().map(|m| m.to_string())),
            status: Set(self.status.as_str().to_string()),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            employee::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            employee::Entity::insert(m)
                .exec_without_returning(txn)
                .await?;
        }
        crate::changes::members_changed(txn, &[self.nip.as_str()]).await
    }
}

/// Filters of the employee list.
#[derive(Debug, Default, Clone)]
pub struct EmployeeFilter {
    /// Employees anywhere in this unit's subtree.
    pub unit: Option<String>,
    pub supervisor_nip: Option<String>,
    pub position: Option<String>,
}

/// A direct report as their supervisor's team page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct TeamMember {
    pub nip: String,
    pub name: String,
    pub position: Option<String>,
    pub position_name: Option<String>,
    /// `draft`, `submitted`, `approved`, `rejected`; none when no plan exists for the year.
    pub plan_status: Option<String>,
    pub plan_version: Option<i32>,
    pub latest_period: Option<String>,
    pub latest_predikat: Option<String>,
}

/// An employee's competency levels: the current one per competency and the full history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompetencyProfile {
    pub nip: String,
    pub current: Vec<CompetencyRecord>,
    pub history: Vec<CompetencyRecord>,
}

/// What recording competency levels did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub recorded: u64,
    pub unchanged: u64,
}

const LED_UNITS: &str = "led(code) AS ( \
    SELECT code FROM units WHERE head_nip = $1 \
    UNION SELECT u.code FROM units u JOIN led ON u.parent_code = led.code)";

/// The NIPs a scope allows, as a subquery (`None` for the whole organisation); its values are
/// appended to `values`.
pub(crate) fn scope_subquery(
    scope: &EmployeeScope,
    values: &mut Vec<sea_orm::Value>,
) -> Option<String> {
    let EmployeeScope::Limited { nip, subtrees } = scope else {
        return None;
    };
    values.push(
        nip.as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default()
            .into(),
    );
    let p = format!("${}", values.len());
    Some(if *subtrees {
        format!(
            "(WITH RECURSIVE {} SELECT e.nip FROM employees e WHERE e.nip = {p} OR e.supervisor_nip = {p} \
             OR e.unit_code IN (SELECT code FROM led))",
            LED_UNITS.replace("$1", &p)
        )
    } else {
        format!("(SELECT e.nip FROM employees e WHERE e.nip = {p} OR e.supervisor_nip = {p})")
    })
}

/// Recomputes the current level per competency (the latest dated record; the later recorded one
/// on the same date) of these employees from the history, and their one-row level profiles.
pub(crate) async fn refresh_current_levels<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<()> {
    let backend = conn.get_database_backend();
    for chunk in nips.chunks(list_chunk(backend)) {
        let (list, values) = listed(backend, chunk, 1);
        conn.execute_raw(stmt(
            backend,
            &latest_levels_sql(&format!("r.nip IN ({list})")),
            values,
        ))
        .await?;
    }
    refresh_profiles(conn, nips).await
}

/// A competency record the database did not hold before a write.
#[derive(Debug, Clone)]
pub(crate) struct NewRecord {
    pub id: i64,
    pub nip: String,
    pub competency: String,
    pub level: i16,
    pub source: String,
    pub assessed_on: chrono::NaiveDate,
}

/// Values a competency record: nip, competency_code, level, source, assessed_on, recorded_at,
/// recorded_by.
pub(crate) const RECORD_COLUMNS: usize = 7;

/// Appends dated competency records given row after row as [`RECORD_COLUMNS`] values; an exact
/// repeat of a stored record is skipped. Answers the records that are new, for
/// [`advance_current_levels`].
pub(crate) async fn insert_records<C: ConnectionTrait>(
    conn: &C,
    values: Vec<Value>,
) -> Result<Vec<NewRecord>> {
    let rows = crate::db::insert_rows_returning(
        conn,
        RECORDS_INSERT,
        &format!("ON CONFLICT {RECORD_KEY} DO NOTHING {RECORDS_RETURNING}"),
        RECORD_COLUMNS,
        values,
    )
    .await?;
    rows.iter().map(new_record).collect()
}

/// Appends dated competency records as [`insert_records`] does, but without asking the database
/// to skip a repeat: answers `None`, having written part of them, when one of the records is
/// stored already (or given twice), for [`crate::db::new_first`].
pub(crate) async fn insert_fresh_records<C: ConnectionTrait>(
    conn: &C,
    values: Vec<Value>,
) -> Result<Option<Vec<NewRecord>>> {
    let mut new = Vec::with_capacity(values.len() / RECORD_COLUMNS);
    for statement in crate::db::statements_for(
        conn,
        RECORDS_INSERT,
        RECORDS_RETURNING,
        RECORD_COLUMNS,
        values,
    )
    .await?
    {
        let Some(rows) = crate::db::refused_key(conn.query_all_raw(statement).await)? else {
            return Ok(None);
        };
        for r in &rows {
            new.push(new_record(r)?);
        }
    }
    Ok(Some(new))
}

/// Appends dated competency records as [`insert_records`] does, from a write whose records are
/// mostly new (see [`crate::db::new_first`]).
pub(crate) async fn insert_new_records(
    txn: &sea_orm::DatabaseTransaction,
    values: Vec<Value>,
) -> Result<Vec<NewRecord>> {
    crate::db::new_first(
        txn,
        values.len() >= crate::db::FIRST_TRY_ROWS * RECORD_COLUMNS,
        values,
        async |attempt, values| insert_fresh_records(attempt, values).await,
        async |txn, values| insert_records(txn, values).await,
    )
    .await
}

const RECORDS_INSERT: &str = "INSERT INTO competency_records (nip, competency_code, level, source, assessed_on, recorded_at, recorded_by)";
const RECORD_KEY: &str = "(nip, competency_code, assessed_on, source, level)";
const RECORDS_RETURNING: &str = "RETURNING id, nip, competency_code, level, source, assessed_on";

fn new_record(r: &sea_orm::QueryResult) -> Result<NewRecord> {
    Ok(NewRecord {
        id: r.try_get("", "id")?,
        nip: r.try_get("", "nip")?,
        competency: r.try_get("", "competency_code")?,
        level: r.try_get("", "level")?,
        source: r.try_get("", "source")?,
        assessed_on: r.try_get("", "assessed_on")?,
    })
}

/// Brings current levels up to date with records just appended: the current level of a pair is
/// its latest record (by date, then by id), so a new record replaces it when it is later, with no
/// read of the history. Then the level profiles of the employees whose levels moved. Answers
/// the pairs that moved, as (nip, competency, level now current).
pub(crate) async fn advance_current_levels<C: ConnectionTrait>(
    conn: &C,
    new: &[NewRecord],
) -> Result<Vec<(String, String, i16)>> {
    let mut latest: Vec<&NewRecord> = new.iter().collect();
    latest.sort_unstable_by(|a, b| {
        (&a.nip, &a.competency)
            .cmp(&(&b.nip, &b.competency))
            .then(b.assessed_on.cmp(&a.assessed_on))
            .then(b.id.cmp(&a.id))
    });
    latest.dedup_by(|later, first| later.nip == first.nip && later.competency == first.competency);
    let mut values: Vec<Value> = Vec::with_capacity(latest.len() * 5);
    for r in &latest {
        values.extend([
            r.nip.clone().into(),
            r.competency.clone().into(),
            r.level.into(),
            r.assessed_on.into(),
            r.id.into(),
        ]);
    }
    let mut lap = crate::db::Lap::start();
    let moved = crate::db::insert_rows_returning(
        conn,
        "INSERT INTO current_competency_levels (nip, competency_code, level, assessed_on, record_id)",
        "ON CONFLICT (nip, competency_code) DO UPDATE SET level = excluded.level, \
             assessed_on = excluded.assessed_on, record_id = excluded.record_id \
         WHERE current_competency_levels.assessed_on < excluded.assessed_on \
             OR (current_competency_levels.assessed_on = excluded.assessed_on \
                 AND current_competency_levels.record_id < excluded.record_id) \
         RETURNING record_id",
        5,
        values,
    )
    .await?;
    // A pair that moved now names the record given for it: its id says which (a province's
    // import returned 1.35 million pairs; their texts cost more to read back than the upsert).
    let given: HashMap<i64, &NewRecord> = latest.iter().map(|r| (r.id, *r)).collect();
    let moved = moved
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("", "record_id")?;
            let record = given.get(&id).ok_or_else(|| crate::StoreError::Corrupt {
                table: "current_competency_levels",
                key: id.to_string(),
                message: "an upserted level names a record this write did not give".into(),
            })?;
            Ok((record.nip.clone(), record.competency.clone(), record.level))
        })
        .collect::<Result<Vec<_>>>()?;
    let current_ms = lap.ms();
    let nips = patch_profiles(conn, &moved).await?;
    let profiles_ms = lap.ms();
    crate::changes::members_changed(conn, &nips).await?;
    tracing::debug!(
        moved = moved.len(),
        employees = nips.len(),
        current_ms,
        profiles_ms,
        feed_ms = lap.ms(),
        "current levels advanced"
    );
    Ok(moved)
}

/// Lays the pairs that moved over the stored level profiles of their employees (read, and on
/// PostgreSQL locked, in this transaction, so a concurrent writer patches after this one, not
/// over it); an employee without a profile yet gets one aggregated from their current levels.
/// For the 45,000 employees of a PostgreSQL import of 50,000 results this took ~0.5 s where
/// aggregating their levels anew took ~1.5 s. Answers the employees whose levels moved, in
/// NIP order.
async fn patch_profiles<'a, C: ConnectionTrait>(
    conn: &C,
    moved: &'a [(String, String, i16)],
) -> Result<Vec<&'a str>> {
    let backend = conn.get_database_backend();
    let mut by_nip: std::collections::BTreeMap<&str, Vec<(&str, i16)>> = Default::default();
    for (nip, competency, level) in moved {
        by_nip
            .entry(nip.as_str())
            .or_default()
            .push((competency.as_str(), *level));
    }
    let nips: Vec<&str> = by_nip.keys().copied().collect();
    let lock = if backend == sea_orm::DatabaseBackend::Postgres {
        " ORDER BY nip FOR NO KEY UPDATE"
    } else {
        ""
    };
    let mut stored: HashMap<String, String> = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(list_chunk(backend)) {
        let (list, values) = listed(backend, chunk, 1);
        for r in conn
            .query_all_raw(stmt(
                backend,
                &format!(
                    "SELECT nip, levels FROM employee_level_profiles WHERE nip IN ({list}){lock}"
                ),
                values,
            ))
            .await?
        {
            stored.insert(r.try_get("", "nip")?, r.try_get("", "levels")?);
        }
    }
    let mut patched: Vec<sea_orm::Value> = Vec::with_capacity(stored.len() * 2);
    let mut fresh: Vec<&str> = Vec::new();
    for (nip, pairs) in &by_nip {
        match stored.get(*nip) {
            Some(old) => {
                let new = crate::analytics::patch_profile(old, pairs);
                if new != *old {
                    patched.extend([(*nip).into(), new.into()]);
                }
            }
            None => fresh.push(nip),
        }
    }
    crate::db::update_rows(
        conn,
        "employee_level_profiles",
        &["nip"],
        &["levels"],
        patched,
    )
    .await?;
    aggregate_profiles(conn, &fresh).await?;
    Ok(nips)
}

/// NIPs a statement: PostgreSQL takes them as one JSON list, SQLite binds them.
/// An employee's unit, potential and evaluations of a year: where the talent grid places them.
pub type TalentInputs = (
    String,
    Option<jenjang_core::kinds::Potential>,
    Vec<(
        jenjang_core::period::Period,
        jenjang_core::predikat::Predikat,
    )>,
);

pub(crate) fn list_chunk(backend: sea_orm::DatabaseBackend) -> usize {
    if backend == sea_orm::DatabaseBackend::Postgres {
        20_000
    } else {
        crate::db::rows_per_statement(1)
    }
}

/// The subquery listing `chunk` and its values, placeholders from `$first`.
pub(crate) fn listed(
    backend: sea_orm::DatabaseBackend,
    chunk: &[&str],
    first: usize,
) -> (String, Vec<sea_orm::Value>) {
    if backend == sea_orm::DatabaseBackend::Postgres {
        (
            format!("SELECT value FROM json_array_elements_text(${first}::json)"),
            vec![serde_json::to_string(chunk).unwrap_or_default().into()],
        )
    } else {
        (
            (first..first + chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", "),
            chunk.iter().map(|n| (*n).into()).collect(),
        )
    }
}

/// The upsert of the latest record per (employee, competency) among the records `filter`
/// selects, by one sort (a correlated lookup per record costs far more at a province's size);
/// rows that did not change are not written again.
fn latest_levels_sql(filter: &str) -> String {
    format!(
        "INSERT INTO current_competency_levels (nip, competency_code, level, assessed_on, record_id) \
         SELECT nip, competency_code, level, assessed_on, id FROM ( \
             SELECT r.nip, r.competency_code, r.level, r.assessed_on, r.id, ROW_NUMBER() OVER ( \
                 PARTITION BY r.nip, r.competency_code ORDER BY r.assessed_on DESC, r.id DESC) AS rn \
             FROM competency_records r WHERE {filter}) latest WHERE rn = 1 \
         ON CONFLICT (nip, competency_code) DO UPDATE SET level = excluded.level, \
             assessed_on = excluded.assessed_on, record_id = excluded.record_id \
         WHERE current_competency_levels.record_id IS NULL \
             OR current_competency_levels.record_id <> excluded.record_id"
    )
}

/// The one-row level profiles the organisation-wide analyses read, of these employees, and
/// the change feed's entries for them.
async fn refresh_profiles<C: ConnectionTrait>(conn: &C, nips: &[&str]) -> Result<()> {
    aggregate_profiles(conn, nips).await?;
    crate::changes::members_changed(conn, nips).await
}

/// The level profiles of these employees aggregated anew from their current levels.
async fn aggregate_profiles<C: ConnectionTrait>(conn: &C, nips: &[&str]) -> Result<()> {
    let backend = conn.get_database_backend();
    for chunk in nips.chunks(list_chunk(backend)) {
        let (list, values) = listed(backend, chunk, 1);
        // PostgreSQL: each employee's levels aggregated from their own index range (a sort
        // of all of a chunk's levels by employee spilled to disk and cost a third more).
        let profiles = if backend == sea_orm::DatabaseBackend::Postgres {
            format!(
                "SELECT nip, levels FROM (SELECT l.value AS nip, (SELECT string_agg(c.competency_code || '=' || c.level, ',' \
                 ORDER BY c.competency_code) FROM current_competency_levels c WHERE c.nip = l.value) AS levels \
                 FROM ({list}) l) p WHERE levels IS NOT NULL"
            )
        } else {
            format!(
                "SELECT nip, group_concat(competency_code || '=' || level, ',') FROM current_competency_levels \
                 WHERE nip IN ({list}) GROUP BY nip"
            )
        };
        let sql = format!(
            "INSERT INTO employee_level_profiles (nip, levels) {profiles} \
             ON CONFLICT (nip) DO UPDATE SET levels = excluded.levels \
             WHERE employee_level_profiles.levels <> excluded.levels"
        );
        conn.execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

impl Store {
    pub async fn get_employee(&self, nip: &str) -> Result<Employee> {
        employee::Entity::find_by_id(nip.to_string())
            .one(&self.db)
            .await?
            .map(employee_from)
            .transpose()?
            .ok_or_else(|| StoreError::not_found("employee", nip))
    }

    /// How `principal` stands to the employee `subject`, in one query; not-found when the
    /// subject does not exist.
    pub async fn relation(&self, principal: Option<&Nip>, subject: &str) -> Result<Relation> {
        let p = principal.map(|n| n.to_string()).unwrap_or_default();
        let sql = format!(
            "WITH RECURSIVE {LED_UNITS} \
             SELECT e.nip, e.supervisor_nip, \
                    CASE WHEN EXISTS(SELECT 1 FROM led WHERE led.code = e.unit_code) THEN 1 ELSE 0 END AS in_led \
             FROM employees e WHERE e.nip = $2"
        );
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &sql,
                vec![p.clone().into(), subject.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("employee", subject))?;
        let supervisor: Option<String> = row.try_get("", "supervisor_nip")?;
        let in_led: i32 = row.try_get("", "in_led")?;
        Ok(Relation {
            is_self: !p.is_empty() && p == subject,
            is_direct_supervisor: !p.is_empty() && supervisor.as_deref() == Some(p.as_str()),
            in_led_subtree: !p.is_empty() && in_led == 1,
        })
    }

    /// Every employee with their unit and potential, by NIP, in one query: whom the talent grid
    /// places.
    pub async fn talent_population(
        &self,
    ) -> Result<Vec<(String, String, Option<jenjang_core::kinds::Potential>)>> {
        let sql = format!(
            "SELECT {}(e.nip || '|' || e.unit_code || '|' || COALESCE(e.potential, ''), ';') AS v \
             FROM employees e",
            self.text_agg()
        );
        let text = self.aggregated_text(&sql, vec![]).await?;
        let mut out = text
            .split(';')
            .filter(|r| !r.is_empty())
            .map(|r| {
                let mut fields = r.splitn(3, '|');
                let (nip, unit, potential) = (
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                );
                let potential = (!potential.is_empty())
                    .then(|| crate::error::stored("employees", nip, potential))
                    .transpose()?;
                Ok((nip.to_string(), unit.to_string(), potential))
            })
            .collect::<Result<Vec<_>>>()?;
        // NIP order, sorted here (in SQL it walks the index and looks every row up).
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// These employees' unit, potential and evaluations of `year` (period, predikat), by NIP;
    /// `None` for a NIP no employee has (any more). Two reads per 20,000 NIPs (PostgreSQL) or a
    /// few hundred (SQLite): what the talent grid re-reads of the employees named in its feeds.
    pub async fn talent_members(
        &self,
        nips: &[String],
        year: i32,
    ) -> Result<Vec<(String, Option<TalentInputs>)>> {
        let backend = self.backend();
        let mut found: HashMap<String, TalentInputs> = HashMap::with_capacity(nips.len());
        let refs: Vec<&str> = nips.iter().map(String::as_str).collect();
        for chunk in refs.chunks(list_chunk(backend)) {
            let (list, values) = listed(backend, chunk, 1);
            let rows = self
                .db
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT nip, unit_code, potential FROM employees WHERE nip IN ({list})"
                    ),
                    values,
                ))
                .await?;
            for r in rows {
                let nip: String = r.try_get("", "nip")?;
                let potential = r
                    .try_get::<Option<String>>("", "potential")?
                    .map(|p| crate::error::stored("employees", &nip, &p))
                    .transpose()?;
                let unit = r.try_get("", "unit_code")?;
                found.insert(nip, (unit, potential, Vec::new()));
            }
            let (list, mut values) = listed(backend, chunk, 2);
            values.insert(0, (year as i16).into());
            let rows = self
                .db
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT nip, period, predikat FROM evaluations \
                         WHERE year = $1 AND nip IN ({list})"
                    ),
                    values,
                ))
                .await?;
            for r in rows {
                let nip: String = r.try_get("", "nip")?;
                let period: String = r.try_get("", "period")?;
                let key = || format!("{nip}/{period}");
                let evaluation = (
                    crate::error::stored("evaluations", key(), &period)?,
                    crate::error::stored(
                        "evaluations",
                        key(),
                        &r.try_get::<String>("", "predikat")?,
                    )?,
                );
                if let Some(inputs) = found.get_mut(&nip) {
                    inputs.2.push(evaluation);
                }
            }
        }
        Ok(nips.iter().map(|n| (n.clone(), found.remove(n))).collect())
    }

    /// Whether `unit` lies within a unit subtree that `nip` heads; not-found for an unknown unit.
    pub async fn leads_unit(&self, nip: Option<&Nip>, unit: &str) -> Result<bool> {
        self.get_unit(unit).await?;
        let Some(nip) = nip else { return Ok(false) };
        let sql =
            format!("WITH RECURSIVE {LED_UNITS} SELECT COUNT(*) AS n FROM led WHERE code = $2");
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &sql,
                vec![nip.as_str().into(), unit.into()],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0)
            > 0)
    }

    /// Every employee's (NIP, name, unit): the directory pages use to name people in lists
    /// computed elsewhere (one query).
    pub async fn employee_directory(&self) -> Result<Vec<(String, String, String)>> {
        // Folded into one text with the ASCII unit and record separators, which no NIP, name
        // or unit code holds (see `aggregated_text`).
        let ch = if self.is_postgres() { "chr" } else { "char" };
        let sql = format!(
            "SELECT {agg}(nip || {ch}(31) || name || {ch}(31) || unit_code, {ch}(30)) AS v FROM employees",
            agg = self.text_agg()
        );
        let text = self.aggregated_text(&sql, vec![]).await?;
        Ok(text
            .split('\u{1e}')
            .filter(|r| !r.is_empty())
            .map(|r| {
                let mut fields = r.splitn(3, '\u{1f}');
                let nip = fields.next().unwrap_or("").to_string();
                let name = fields.next().unwrap_or("").to_string();
                let unit = fields.next().unwrap_or("").to_string();
                (nip, name, unit)
            })
            .collect())
    }

    /// Every unit's name by code (one query).
    pub async fn unit_names(&self) -> Result<Vec<(String, String)>> {
        let rows = self
            .db
            .query_all_raw(stmt(self.backend(), "SELECT code, name FROM units", vec![]))
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("", "code")?, r.try_get("", "name")?)))
            .collect()
    }

    /// The units in the subtrees `nip` heads.
    pub async fn led_units(&self, nip: &str) -> Result<std::collections::HashSet<String>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!("WITH RECURSIVE {LED_UNITS} SELECT code FROM led"),
                vec![nip.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "code").map_err(Into::into))
            .collect()
    }

    /// Employees the scope allows, filtered, ordered by NIP; one query for the page, one count.
    /// The direct reports of `supervisor` with what their supervisor's page shows: position,
    /// latest evaluation (period and predikat) and the state of their plan for `year`. One
    /// query whatever the team's size.
    pub async fn team_overview(&self, supervisor: &str, year: i32) -> Result<Vec<TeamMember>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT e.nip, e.name, e.position_code, pos.name AS position_name, p.status AS plan_status, p.version AS plan_version, \
                 (SELECT v.period FROM evaluations v WHERE v.nip = e.nip \
                  ORDER BY v.year DESC, v.period DESC LIMIT 1) AS period, \
                 (SELECT v.predikat FROM evaluations v WHERE v.nip = e.nip \
                  ORDER BY v.year DESC, v.period DESC LIMIT 1) AS predikat \
                 FROM employees e LEFT JOIN development_plans p ON p.nip = e.nip AND p.year = $2 \
                 LEFT JOIN positions pos ON pos.code = e.position_code \
                 WHERE e.supervisor_nip = $1 ORDER BY e.name, e.nip",
                vec![supervisor.into(), (year as i16).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TeamMember {
                    nip: r.try_get("", "nip")?,
                    name: r.try_get("", "name")?,
                    position: r.try_get("", "position_code")?,
                    position_name: r.try_get("", "position_name")?,
                    plan_status: r.try_get("", "plan_status")?,
                    plan_version: r.try_get("", "plan_version")?,
                    latest_period: r.try_get("", "period")?,
                    latest_predikat: r.try_get("", "predikat")?,
                })
            })
            .collect()
    }

    pub async fn list_employees(
        &self,
        filter: &EmployeeFilter,
        scope: &EmployeeScope,
        paging: Paging,
    ) -> Result<Page<Employee>> {
        let mut ctes = Vec::new();
        let mut conds = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let param = |values: &mut Vec<Value>, v: String| {
            values.push(v.into());
            format!("${}", values.len())
        };
        if let EmployeeScope::Limited { nip, subtrees } = scope {
            let me = nip.as_ref().map(|n| n.to_string()).unwrap_or_default();
            let p = param(&mut values, me);
            let mut any = format!("e.nip = {p} OR e.supervisor_nip = {p}");
            if *subtrees {
                ctes.push(LED_UNITS.replace("$1", &p));
                any.push_str(" OR e.unit_code IN (SELECT code FROM led)");
            }
            conds.push(format!("({any})"));
        }
        if let Some(unit) = &filter.unit {
            let p = param(&mut values, unit.clone());
            ctes.push(crate::analytics::SUBTREE.replace("$1", &p));
            conds.push("e.unit_code IN (SELECT code FROM sub)".into());
        }
        if let Some(s) = &filter.supervisor_nip {
            let p = param(&mut values, s.clone());
            conds.push(format!("e.supervisor_nip = {p}"));
        }
        if let Some(pos) = &filter.position {
            let p = param(&mut values, pos.clone());
            conds.push(format!("e.position_code = {p}"));
        }
        let with = if ctes.is_empty() {
            String::new()
        } else {
            format!("WITH RECURSIVE {} ", ctes.join(", "))
        };
        let filter_sql = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let count_sql = format!("{with}SELECT COUNT(*) AS n FROM employees e {filter_sql}");
        let total: i64 = self
            .db
            .query_one_raw(stmt(self.backend(), &count_sql, values.clone()))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let list_sql = format!(
            "{with}SELECT e.nip, e.name, e.position_code, e.unit_code, e.supervisor_nip, e.potential, e.golongan, e.email, e.status \
             FROM employees e {filter_sql} ORDER BY e.nip LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        );
        let rows = self
            .db
            .query_all_raw(stmt(self.backend(), &list_sql, values))
            .await?;
        let items = rows
            .iter()
            .map(employee_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(paging.page(items, total.max(0) as u64))
    }

    /// Appends dated competency records of one employee; an exact repeat of a stored record
    /// changes nothing. Any unknown competency refuses the whole request.
    pub async fn record_competencies(
        &self,
        actor: &Actor,
        nip: &str,
        records: &[CompetencyRecord],
    ) -> Result<Recorded> {
        self.get_employee(nip).await?;
        let mut problems = Vec::new();
        let refs = records
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("[{i}].competency"), r.competency.as_str()));
        require_existing(
            &self.db,
            &mut problems,
            "competencies",
            "code",
            "competency",
            refs,
        )
        .await?;
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let subject = Nip::from_stored(nip.to_string());
        let rows: Vec<(Nip, CompetencyRecord)> = records
            .iter()
            .map(|r| (subject.clone(), r.clone()))
            .collect();
        let (recorded, _) = self
            .bulk_record_competencies(actor, &rows, false, None)
            .await?;
        Ok(recorded)
    }

    /// The current level per competency (the latest dated record) and the whole history.
    pub async fn competency_profile(&self, nip: &str) -> Result<CompetencyProfile> {
        self.get_employee(nip).await?;
        let rows = competency_record::Entity::find()
            .filter(competency_record::Column::Nip.eq(nip))
            .order_by_asc(competency_record::Column::CompetencyCode)
            .order_by_desc(competency_record::Column::AssessedOn)
            .order_by_desc(competency_record::Column::Id)
            .all(&self.db)
            .await?;
        let history: Vec<CompetencyRecord> = rows
            .into_iter()
            .map(|r| CompetencyRecord {
                competency: Code::from_stored(r.competency_code),
                level: Level::from_stored(r.level),
                source: r.source,
                assessed_on: r.assessed_on,
            })
            .collect();
        let mut current: Vec<CompetencyRecord> = Vec::new();
        for r in &history {
            if current.last().is_none_or(|c| c.competency != r.competency) {
                current.push(r.clone());
            }
        }
        Ok(CompetencyProfile {
            nip: nip.to_string(),
            current,
            history,
        })
    }
}
