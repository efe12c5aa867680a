//! Bulk writes for seeding and imports: many employees or assessments validated against the
//! stored data in memory (a handful of set-based reads), then written in one transaction with
//! multi-row statements and one audit entry per changed record.

use crate::db::insert_rows;
use crate::db::{Background, Progress, Store, rows_per_statement, stmt};
use crate::employees::{
    NewRecord, RECORD_COLUMNS, advance_current_levels, employee_from, insert_fresh_records,
    insert_records, list_chunk, listed,
};
use crate::entity::{employee, unit};
use crate::error::Result;
use crate::reference::existing_all;
use crate::{Actor, Recorded};
use chrono::{DateTime, Utc};
use jenjang_core::events::{AssessmentRecorded, DomainEvent};
use jenjang_core::reference::{CompetencyRecord, Employee, Unit};
use jenjang_core::{FieldError, Nip};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, Value};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What a bulk save did, and the problems of the records it refused (by input index).
#[derive(Debug, Default, Serialize)]
pub struct BulkOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    #[serde(skip)]
    pub rejected: Vec<(usize, FieldError)>,
}

/// Which optional columns an employees file has; one it lacks keeps the stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmployeeColumns {
    pub golongan: bool,
    pub email: bool,
}

impl EmployeeColumns {
    /// Every column given (seeding from the API's shapes, tests).
    pub const ALL: EmployeeColumns = EmployeeColumns {
        golongan: true,
        email: true,
    };
}

impl Store {
    /// Creates or updates many employees. Records with a problem (unknown unit, position or
    /// supervisor, a supervisor cycle) are refused and reported; the others are written. With
    /// `dry_run` nothing is written and the counts say what would have happened.
    pub async fn bulk_save_employees(
        &self,
        actor: &Actor,
        employees: &[Employee],
        columns: EmployeeColumns,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<BulkOutcome> {
        let txn = self.begin_bulk_write().await?;
        let units = existing_all(&txn, "units", "code").await?;
        let positions = existing_all(&txn, "positions", "code").await?;
        let stored: HashMap<String, Employee> = employee::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| Ok((m.nip.clone(), employee_from(m)?)))
            .collect::<Result<_>>()?;
        // A column the file does not have keeps what is stored.
        let merged: Vec<Employee>;
        let employees = if columns.golongan && columns.email {
            employees
        } else {
            merged = employees
                .iter()
                .map(|e| {
                    let mut e = e.clone();
                    if let Some(s) = stored.get(e.nip.as_str()) {
                        if !columns.golongan {
                            e.golongan = s.golongan;
                        }
                        if !columns.email {
                            e.email = s.email.clone();
                        }
                    }
                    e
                })
                .collect();
            &merged
        };
        let mut outcome = BulkOutcome::default();
        let mut problems: HashMap<usize, Vec<FieldError>> = HashMap::new();
        for (i, e) in employees.iter().enumerate() {
            let p = problems.entry(i).or_default();
            if !units.contains(e.unit.as_str()) {
                p.push(FieldError::unknown("unit", "unit", &e.unit));
            }
            if let Some(pos) = &e.position
                && !positions.contains(pos.as_str())
            {
                p.push(FieldError::unknown("position", "position", pos));
            }
        }
        // The supervisor tree as it will be: stored, overlaid with the batch.
        let batch: HashMap<&str, usize> = employees
            .iter()
            .enumerate()
            .map(|(i, e)| (e.nip.as_str(), i))
            .collect();
        let supervisor_of = |nip: &str| -> Option<String> {
            match batch.get(nip) {
                Some(&i) => employees[i].supervisor_nip.as_ref().map(|s| s.to_string()),
                None => stored
                    .get(nip)
                    .and_then(|e| e.supervisor_nip.as_ref().map(|s| s.to_string())),
            }
        };
        for (i, e) in employees.iter().enumerate() {
            let Some(s) = &e.supervisor_nip else { continue };
            if s == &e.nip {
                problems.entry(i).or_default().push(
                    FieldError::new("supervisor_nip", "an employee cannot supervise themselves")
                        .with_code("own_supervisor"),
                );
                continue;
            }
            if !batch.contains_key(s.as_str()) && !stored.contains_key(s.as_str()) {
                problems.entry(i).or_default().push(FieldError::unknown(
                    "supervisor_nip",
                    "employee",
                    s,
                ));
                continue;
            }
            let mut seen = HashSet::new();
            let mut cur = Some(s.to_string());
            while let Some(n) = cur {
                if n == e.nip.as_str() {
                    problems.entry(i).or_default().push(
                        FieldError::new(
                            "supervisor_nip",
                            format!(
                                "{s} reports (directly or not) to {}; that would make a cycle",
                                e.nip
                            ),
                        )
                        .with_code("supervisor_cycle")
                        .with_param("code", s),
                    );
                    break;
                }
                if !seen.insert(n.clone()) {
                    break;
                }
                cur = supervisor_of(&n);
            }
        }
        // A refused record whose NIP others name as supervisor takes them down too, unless stored.
        let mut refused: HashSet<usize> = problems
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(i, _)| *i)
            .collect();
        loop {
            let mut more = Vec::new();
            for (i, e) in employees.iter().enumerate() {
                if refused.contains(&i) {
                    continue;
                }
                if let Some(s) = &e.supervisor_nip
                    && let Some(&j) = batch.get(s.as_str())
                    && refused.contains(&j)
                    && !stored.contains_key(s.as_str())
                {
                    problems.entry(i).or_default().push(
                        FieldError::new(
                            "supervisor_nip",
                            format!("the supervisor {s} is refused in this same batch"),
                        )
                        .with_code("supervisor_refused")
                        .with_param("code", s),
                    );
                    more.push(i);
                }
            }
            if more.is_empty() {
                break;
            }
            refused.extend(more);
        }
        for (i, list) in problems {
            for p in list {
                outcome.rejected.push((i, p));
            }
        }
        outcome.rejected.sort_by_key(|(i, _)| *i);

        // Supervisors first, so every row's supervisor exists when it is written.
        let depth = |mut nip: String| {
            let mut d = 0;
            while let Some(s) = supervisor_of(&nip) {
                d += 1;
                if d > employees.len() + stored.len() {
                    break;
                }
                nip = s;
            }
            d
        };
        let mut order: Vec<(usize, usize)> = (0..employees.len())
            .filter(|i| !refused.contains(i))
            .map(|i| (depth(employees[i].nip.to_string()), i))
            .collect();
        order.sort_unstable();
        let now = self.now();
        let mut changed = Vec::new();
        // New employees and those in another unit or position: what the analyses count.
        let mut moved: Vec<&str> = Vec::new();
        // Those whose potential alone changed: what the talent grid places by (it reads the
        // analyses' feed as well, so the moved are not named twice).
        let mut potential_changed: Vec<&str> = Vec::new();
        let mut audits = Vec::new();
        for (_, i) in order {
            let e = &employees[i];
            match stored.get(e.nip.as_str()) {
                Some(before) if before == e => outcome.unchanged += 1,
                Some(before) => {
                    outcome.updated += 1;
                    if before.unit != e.unit || before.position != e.position {
                        moved.push(e.nip.as_str());
                    } else if before.potential != e.potential {
                        potential_changed.push(e.nip.as_str());
                    }
                    audits.push((
                        "update".into(),
                        "employee".into(),
                        e.nip.to_string(),
                        serde_json::json!({"before": before, "after": e}),
                    ));
                    changed.push(e);
                }
                None => {
                    outcome.created += 1;
                    moved.push(e.nip.as_str());
                    audits.push((
                        "create".into(),
                        "employee".into(),
                        e.nip.to_string(),
                        serde_json::json!({"after": e}),
                    ));
                    changed.push(e);
                }
            }
        }
        if dry_run {
            return Ok(outcome);
        }
        let total = changed.len() as u64;
        let mut written = 0u64;
        for chunk in changed.chunks(rows_per_statement(11)) {
            employee::Entity::insert_many(chunk.iter().map(|e| employee::ActiveModel {
                nip: Set(e.nip.to_string()),
                name: Set(e.name.clone()),
                position_code: Set(e.position.as_ref().map(|c| c.to_string())),
                unit_code: Set(e.unit.to_string()),
                supervisor_nip: Set(e.supervisor_nip.as_ref().map(|n| n.to_string())),
                potential: Set(e.potential.map(|p| p.as_str().to_string())),
                golongan: Set(e.golongan.map(|g| g.to_string())),
                email: Set(e.email.as_ref().map(|m| m.to_string())),
                status: Set(e.status.as_str().to_string()),
                created_at: Set(now),
                updated_at: Set(now),
            }))
            .on_conflict(
                OnConflict::column(employee::Column::Nip)
                    .update_columns([
                        employee::Column::Name,
                        employee::Column::PositionCode,
                        employee::Column::UnitCode,
                        employee::Column::SupervisorNip,
                        employee::Column::Potential,
                        employee::Column::Golongan,
                        employee::Column::Email,
                        employee::Column::Status,
                        employee::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            written += chunk.len() as u64;
            if let Some(report) = progress {
                report(written, total);
            }
        }
        crate::audit::audit_rows(&txn, actor, audits, self.now()).await?;
        crate::changes::members_changed(&txn, &moved).await?;
        crate::changes::talent_changed(&txn, &potential_changed).await?;
        txn.commit().await?;
        Ok(outcome)
    }

    /// Appends many dated competency records (an exact repeat of a stored one changes nothing)
    /// and brings the current levels up to date, set-based. Records naming an unknown employee
    /// or competency are refused and reported by input index.
    pub async fn bulk_record_competencies(
        &self,
        actor: &Actor,
        records: &[(Nip, CompetencyRecord)],
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<(Recorded, Vec<(usize, FieldError)>)> {
        let txn = self.begin_bulk_write().await?;
        let nips = existing_all(&txn, "employees", "nip").await?;
        let competencies = existing_all(&txn, "competencies", "code").await?;
        let mut rejected = Vec::new();
        let mut valid = Vec::with_capacity(records.len());
        for (i, (nip, r)) in records.iter().enumerate() {
            let mut ok = true;
            if !nips.contains(nip.as_str()) {
                rejected.push((i, FieldError::unknown("nip", "employee", nip)));
                ok = false;
            }
            if !competencies.contains(r.competency.as_str()) {
                rejected.push((
                    i,
                    FieldError::unknown("kompetensi", "competency", &r.competency),
                ));
                ok = false;
            }
            if ok {
                valid.push((nip, r));
            }
        }
        if dry_run {
            let mut recorded = 0u64;
            // Count what is new without writing: one lookup per chunk.
            for chunk in valid.chunks(rows_per_statement(5)) {
                recorded += count_new(&txn, chunk).await?;
            }
            return Ok((
                Recorded {
                    recorded,
                    unchanged: valid.len() as u64 - recorded,
                },
                rejected,
            ));
        }
        let recorded = write_competency_records(&txn, actor, &valid, progress, self.now()).await?;
        txn.commit().await?;
        Ok((
            Recorded {
                recorded,
                unchanged: valid.len() as u64 - recorded,
            },
            rejected,
        ))
    }
}

/// Records a statement round: the progress report's step (the statements themselves are as large
/// as the database's path allows, see [`crate::db::row_statements`]).
const RECORDS_PER_WRITE: usize = 20_000;

/// How many of these records are not stored yet.
async fn count_new(txn: &DatabaseTransaction, chunk: &[(&Nip, &CompetencyRecord)]) -> Result<u64> {
    let mut values = Vec::new();
    let mut tuples = Vec::new();
    for (nip, r) in chunk {
        let base = values.len();
        tuples.push(format!(
            "(${}, ${}, ${}, ${}, ${})",
            base + 1,
            base + 2,
            base + 3,
            base + 4,
            base + 5
        ));
        values.push(nip.to_string().into());
        values.push(r.competency.to_string().into());
        values.push(r.assessed_on.into());
        values.push(r.source.clone().into());
        values.push((r.level.get() as i16).into());
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM competency_records WHERE (nip, competency_code, assessed_on, source, level) IN (VALUES {})",
        tuples.join(", ")
    );
    let row = txn
        .query_one_raw(stmt(txn.get_database_backend(), &sql, values))
        .await?;
    let stored: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(chunk.len() as u64 - stored as u64)
}

/// Writes validated competency records (a record stored already is skipped), brings the current
/// levels up to date, audits, and emits one `assessment.recorded` event per employee with the
/// gaps the new records leave against the position. Returns how many records were new.
pub(crate) async fn write_competency_records(
    txn: &DatabaseTransaction,
    actor: &Actor,
    valid: &[(&Nip, &CompetencyRecord)],
    progress: Progress<'_>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut lap = crate::db::Lap::start();
    // Every import tries its records as new first, however few (the savepoint costs two round
    // trips). The values are rebuilt from `valid` a chunk at a time for each try, not cloned: a
    // province's records are gigabytes of values.
    let mut new = crate::db::new_first(
        txn,
        true,
        (),
        async |attempt, ()| {
            insert_record_chunks(attempt, actor, valid, progress, now, Repeats::Fail).await
        },
        async |txn, ()| {
            let new = insert_record_chunks(txn, actor, valid, progress, now, Repeats::Skip);
            Ok(new.await?.unwrap_or_default())
        },
    )
    .await?;
    let records_ms = lap.ms();
    if new.is_empty() {
        return Ok(0);
    }
    // Per employee, the records that are new (in input order: ids are taken in it).
    new.sort_by(|a, b| a.nip.cmp(&b.nip).then(a.id.cmp(&b.id)));
    let new = std::sync::Arc::new(new);
    // The audit rows are built while the database moves the current levels.
    let audits = {
        let (new, actor) = (new.clone(), actor.clone());
        Background::start(move || {
            let audits = new
                .chunk_by(|a, b| a.nip == b.nip)
                .map(|records| {
                    let list: Vec<serde_json::Value> = records
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "competency": r.competency,
                                "level": r.level,
                                "source": r.source,
                                "assessed_on": r.assessed_on,
                            })
                        })
                        .collect();
                    (
                        "record".to_string(),
                        "competency_levels".to_string(),
                        records[0].nip.clone(),
                        serde_json::json!({ "records": list }),
                    )
                })
                .collect();
            crate::audit::audit_values(&actor, audits, now)
        })
    };
    let moved = advance_current_levels(txn, &new).await?;
    let levels_ms = lap.ms();
    let by_nip: Vec<&[NewRecord]> = new.chunk_by(|a, b| a.nip == b.nip).collect();
    let events = assessment_events(txn, &by_nip, moved).await?;
    let events_ms = lap.ms();
    // The outbox rows are serialised while the database writes the audit.
    let events = Background::start(move || crate::outbox::outbox_rows(&events, now));
    crate::audit::write_audit_values(txn, audits.finish().await).await?;
    let audit_ms = lap.ms();
    crate::outbox::write_outbox_rows(txn, events.finish().await).await?;
    tracing::debug!(
        records = valid.len(),
        recorded = new.len(),
        employees = by_nip.len(),
        records_ms,
        levels_ms,
        events_ms,
        audit_ms,
        outbox_ms = lap.ms(),
        "competency records written"
    );
    Ok(new.len() as u64)
}

/// What [`insert_record_chunks`] does with a record stored already.
#[derive(Clone, Copy)]
enum Repeats {
    /// Skip it.
    Skip,
    /// Stop, answering `None` (the caller rolls back what was written).
    Fail,
}

/// Inserts the records [`RECORDS_PER_WRITE`] at a time, reporting progress; answers the new ones.
async fn insert_record_chunks<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    valid: &[(&Nip, &CompetencyRecord)],
    progress: Progress<'_>,
    now: DateTime<Utc>,
    repeats: Repeats,
) -> Result<Option<Vec<NewRecord>>> {
    let total = valid.len() as u64;
    let mut written = 0u64;
    let mut new = Vec::new();
    for chunk in valid.chunks(RECORDS_PER_WRITE) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * RECORD_COLUMNS);
        for (nip, r) in chunk {
            values.extend([
                nip.to_string().into(),
                r.competency.to_string().into(),
                (r.level.get() as i16).into(),
                r.source.clone().into(),
                r.assessed_on.into(),
                now.into(),
                actor.0.clone().into(),
            ]);
        }
        match repeats {
            Repeats::Skip => new.extend(insert_records(conn, values).await?),
            Repeats::Fail => match insert_fresh_records(conn, values).await? {
                Some(fresh) => new.extend(fresh),
                None => return Ok(None),
            },
        }
        written += chunk.len() as u64;
        if let Some(report) = progress {
            report(written, total);
        }
    }
    Ok(Some(new))
}

/// The `assessment.recorded` events of the employees whose records changed (their new records,
/// one slice per employee): per employee, the competencies assessed and their gaps against the
/// position's required levels. `moved` are the pairs whose current level the write changed;
/// only the assessed pairs it did not change (a record older than the current one) are read.
async fn assessment_events(
    txn: &DatabaseTransaction,
    by_nip: &[&[NewRecord]],
    moved: Vec<(String, String, i16)>,
) -> Result<Vec<crate::outbox::Event>> {
    let backend = txn.get_database_backend();
    let moved: HashMap<(&str, &str), i16> = moved
        .iter()
        .map(|(nip, competency, level)| ((nip.as_str(), competency.as_str()), *level))
        .collect();
    let mut unmoved: Vec<(&str, &str)> = by_nip
        .iter()
        .flat_map(|records| records.iter())
        .map(|r| (r.nip.as_str(), r.competency.as_str()))
        .filter(|pair| !moved.contains_key(pair))
        .collect();
    unmoved.sort_unstable();
    unmoved.dedup();
    let mut kept: HashMap<(String, String), i16> = HashMap::new();
    for chunk in unmoved.chunks(crate::db::pairs_per_statement(backend)) {
        let (list, values) = crate::db::pair_list(backend, chunk);
        let rows = txn
            .query_all_raw(stmt(
                backend,
                &format!(
                    "SELECT nip, competency_code, level FROM current_competency_levels \
                     WHERE (nip, competency_code) IN ({list})"
                ),
                values,
            ))
            .await?;
        for r in &rows {
            kept.insert(
                (r.try_get("", "nip")?, r.try_get("", "competency_code")?),
                r.try_get("", "level")?,
            );
        }
    }
    // Required levels: the positions of these employees and the (few) positions' standards.
    let nips: Vec<&str> = by_nip.iter().map(|r| r[0].nip.as_str()).collect();
    let mut position_of: HashMap<String, String> = HashMap::new();
    for chunk in nips.chunks(list_chunk(backend)) {
        let (list, values) = listed(backend, chunk, 1);
        let rows = txn
            .query_all_raw(stmt(
                backend,
                &format!(
                    "SELECT nip, position_code FROM employees \
                     WHERE position_code IS NOT NULL AND nip IN ({list})"
                ),
                values,
            ))
            .await?;
        for r in &rows {
            position_of.insert(r.try_get("", "nip")?, r.try_get("", "position_code")?);
        }
    }
    let mut required: HashMap<String, HashMap<String, i16>> = HashMap::new();
    for r in txn
        .query_all_raw(stmt(
            backend,
            "SELECT position_code, competency_code, level FROM position_requirements",
            vec![],
        ))
        .await?
    {
        required
            .entry(r.try_get("", "position_code")?)
            .or_default()
            .insert(r.try_get("", "competency_code")?, r.try_get("", "level")?);
    }
    let level = |nip: &str, competency: &str, v: i16, what: &str| {
        u8::try_from(v).map_err(|_| crate::StoreError::Corrupt {
            table: "competency_records",
            key: format!("{nip}/{competency}"),
            message: format!("{what} level {v} is not a level"),
        })
    };
    let mut events = Vec::with_capacity(by_nip.len());
    for records in by_nip {
        let nip = records[0].nip.as_str();
        let mut competencies: Vec<&str> = records.iter().map(|r| r.competency.as_str()).collect();
        competencies.sort_unstable();
        competencies.dedup();
        let mut sources: Vec<&str> = records.iter().map(|r| r.source.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        let position = position_of.get(nip);
        let mut own = Vec::with_capacity(competencies.len());
        for c in &competencies {
            let now_level = match moved.get(&(nip, *c)) {
                Some(l) => *l,
                None => match kept.get(&(nip.to_string(), c.to_string())) {
                    Some(l) => *l,
                    None => continue,
                },
            };
            let needed = position
                .and_then(|p| required.get(p))
                .and_then(|r| r.get(*c))
                .copied()
                .unwrap_or(0);
            own.push((
                c.to_string(),
                level(nip, c, needed, "required")?,
                level(nip, c, now_level, "current")?,
            ));
        }
        // The newest record of the write names it: a replay writes no record, so no event.
        let last = records.iter().map(|r| r.id).max().unwrap_or(0);
        events.push(crate::outbox::Event {
            event: DomainEvent::AssessmentRecorded(AssessmentRecorded::new(
                nip.to_string(),
                competencies.iter().map(|c| c.to_string()).collect(),
                sources.iter().map(|s| s.to_string()).collect(),
                own,
            )),
            dedup_key: format!("assessment:{nip}:{last}"),
        });
    }
    Ok(events)
}

impl Store {
    /// The codes of every unit, in one query.
    pub async fn unit_codes(&self) -> Result<HashSet<String>> {
        existing_all(&self.db, "units", "code").await
    }

    /// The NIP of every employee, in one query.
    pub async fn employee_nips(&self) -> Result<HashSet<String>> {
        existing_all(&self.db, "employees", "nip").await
    }

    /// The code of every competency, in one query.
    pub async fn competency_codes(&self) -> Result<HashSet<String>> {
        existing_all(&self.db, "competencies", "code").await
    }

    /// Creates or updates many units at once (seeding a generated or national tree), checked in
    /// memory against the stored tree and the batch as `Store::save` checks one: a name, a
    /// parent that exists (stored, or a unit of the batch that is accepted), no unit its own
    /// ancestor, a head who is an employee. Written parents first with multi-row statements, one
    /// audit entry per changed unit and one reference change, in one transaction; a refused
    /// unit is reported by input index and not written (nor is a new unit whose parent was
    /// refused).
    pub async fn bulk_save_units(&self, actor: &Actor, units: &[Unit]) -> Result<BulkOutcome> {
        let txn = self.begin_bulk_write().await?;
        let stored: HashMap<String, Unit> = unit::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.code.clone(), crate::reference::unit_from(m)))
            .collect();
        let heads = existing_all(&txn, "employees", "nip").await?;
        // The tree as it would be: the stored parents with the batch's over them.
        let stored_tree: HashMap<&str, Option<&str>> = stored
            .iter()
            .map(|(c, u)| (c.as_str(), u.parent.as_ref().map(|p| p.as_str())))
            .collect();
        let mut tree = stored_tree.clone();
        for u in units {
            tree.insert(u.code.as_str(), u.parent.as_ref().map(|p| p.as_str()));
        }
        let mut outcome = BulkOutcome::default();
        let mut fine: Vec<usize> = Vec::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            let before = outcome.rejected.len();
            if u.name.trim().is_empty() {
                outcome.rejected.push((
                    i,
                    FieldError::new("name", "must not be empty").with_code("required"),
                ));
            }
            if let Some(p) = &u.parent {
                if p == &u.code {
                    outcome.rejected.push((
                        i,
                        FieldError::new("parent", "a unit cannot be its own parent")
                            .with_code("own_parent"),
                    ));
                } else if !tree.contains_key(p.as_str()) {
                    outcome.rejected.push((
                        i,
                        FieldError::new("parent", format!("no unit has the code {p}"))
                            .with_code("unknown_unit")
                            .with_param("code", p),
                    ));
                } else if in_cycle(&tree, u.code.as_str()) {
                    outcome.rejected.push((i, unit_cycle(u)));
                }
            }
            if let Some(h) = &u.head_nip
                && !heads.contains(h.as_str())
            {
                outcome
                    .rejected
                    .push((i, FieldError::unknown("head_nip", "employee", h)));
            }
            if outcome.rejected.len() == before {
                fine.push(i);
            }
        }
        // The tree as it will be (the refused keep their stored parents), which may not hold a
        // cycle either; parents first, and a new unit whose parent was refused is refused too.
        let mut tree = stored_tree;
        for &i in &fine {
            let u = &units[i];
            tree.insert(u.code.as_str(), u.parent.as_ref().map(|p| p.as_str()));
        }
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(fine.len());
        for i in fine {
            let u = &units[i];
            if in_cycle(&tree, u.code.as_str()) {
                outcome.rejected.push((i, unit_cycle(u)));
            } else {
                order.push((depth(&tree, u.code.as_str()), i));
            }
        }
        order.sort_unstable();
        let mut accepted: HashSet<&str> = HashSet::new();
        let mut changed: Vec<&Unit> = Vec::new();
        let mut audits = Vec::new();
        for (_, i) in order {
            let u = &units[i];
            let parent_ok = u
                .parent
                .as_ref()
                .is_none_or(|p| stored.contains_key(p.as_str()) || accepted.contains(p.as_str()));
            if !parent_ok {
                let p = u.parent.as_ref().map(|p| p.as_str()).unwrap_or_default();
                outcome.rejected.push((
                    i,
                    FieldError::new("parent", format!("unit {p} was refused"))
                        .with_code("unknown_unit")
                        .with_param("code", p),
                ));
                continue;
            }
            accepted.insert(u.code.as_str());
            match stored.get(u.code.as_str()) {
                Some(before) if before == u => outcome.unchanged += 1,
                Some(before) => {
                    outcome.updated += 1;
                    audits.push((
                        "update".to_string(),
                        "unit".to_string(),
                        u.code.to_string(),
                        serde_json::json!({"before": before, "after": u}),
                    ));
                    changed.push(u);
                }
                None => {
                    outcome.created += 1;
                    audits.push((
                        "create".to_string(),
                        "unit".to_string(),
                        u.code.to_string(),
                        serde_json::json!({"after": u}),
                    ));
                    changed.push(u);
                }
            }
        }
        outcome.rejected.sort_by_key(|(i, _)| *i);
        if changed.is_empty() {
            return Ok(outcome);
        }
        let now = self.now();
        let mut values: Vec<Value> = Vec::with_capacity(changed.len() * 6);
        for u in &changed {
            values.extend([
                u.code.to_string().into(),
                u.name.clone().into(),
                u.parent.as_ref().map(|p| p.to_string()).into(),
                u.head_nip.as_ref().map(|n| n.to_string()).into(),
                now.into(),
                now.into(),
            ]);
        }
        insert_rows(
            &txn,
            "INSERT INTO units (code, name, parent_code, head_nip, created_at, updated_at)",
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             parent_code = excluded.parent_code, head_nip = excluded.head_nip, \
             updated_at = excluded.updated_at",
            6,
            values,
        )
        .await?;
        crate::audit::audit_rows(&txn, actor, audits, now).await?;
        crate::changes::reference_changed(&txn).await?;
        txn.commit().await?;
        Ok(outcome)
    }
}

/// Whether `code` is its own ancestor in `tree` (unit → parent).
fn in_cycle(tree: &HashMap<&str, Option<&str>>, code: &str) -> bool {
    let mut at = tree.get(code).copied().flatten();
    for _ in 0..tree.len() {
        match at {
            None => return false,
            Some(p) if p == code => return true,
            Some(p) => at = tree.get(p).copied().flatten(),
        }
    }
    false
}

/// How many units lie above `code` in `tree` (at most the tree's size, should a cycle lie above).
fn depth(tree: &HashMap<&str, Option<&str>>, code: &str) -> usize {
    let mut at = tree.get(code).copied().flatten();
    let mut d = 0;
    while let Some(p) = at {
        d += 1;
        if d > tree.len() {
            break;
        }
        at = tree.get(p).copied().flatten();
    }
    d
}

fn unit_cycle(u: &Unit) -> FieldError {
    let p = u.parent.as_ref().map(|p| p.as_str()).unwrap_or_default();
    FieldError::new(
        "parent",
        format!(
            "{p} lies below {} in the unit tree; that would make a cycle",
            u.code
        ),
    )
    .with_code("unit_cycle")
    .with_param("code", p)
}
