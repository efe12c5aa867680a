//! Performance evaluations (SKP): the current evaluation per employee and period, every replaced
//! version kept in `evaluation_history`, and an `evaluation.recorded` event in the outbox for
//! each new or changed evaluation, all in one transaction.

use crate::audit::Journal;
use crate::bulk::BulkOutcome;
use crate::db::{Lap, Progress, Store, insert_rows, rows_per_statement, stmt};
use crate::error::{Result, StoreError, stored};
use crate::outbox::Event;
use crate::reference::existing_all;
use crate::{Actor, Page, Paging};
use chrono::{DateTime, Utc};
use jenjang_core::events::{DomainEvent, EvaluationRecorded};
use jenjang_core::period::Period;
use jenjang_core::predikat::{Ekspektasi, Evaluation, Predikat};
use jenjang_core::{FieldError, Nip};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

/// An evaluation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvaluationRecord {
    pub nip: String,
    pub period: String,
    pub hasil_kerja: Ekspektasi,
    pub perilaku_kerja: Ekspektasi,
    pub predikat: Predikat,
    pub evaluator_nip: Option<String>,
    pub notes: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

fn record_from(r: &QueryResult) -> Result<EvaluationRecord> {
    let id: i64 = r.try_get("", "id")?;
    let column = |name: &str| -> Result<String> { Ok(r.try_get::<String>("", name)?) };
    Ok(EvaluationRecord {
        nip: r.try_get("", "nip")?,
        period: r.try_get("", "period")?,
        hasil_kerja: stored("evaluations", id, &column("hasil_kerja")?)?,
        perilaku_kerja: stored("evaluations", id, &column("perilaku_kerja")?)?,
        predikat: stored("evaluations", id, &column("predikat")?)?,
        evaluator_nip: r.try_get("", "evaluator_nip")?,
        notes: r.try_get("", "notes")?,
        recorded_at: r.try_get("", "recorded_at")?,
        recorded_by: r.try_get("", "recorded_by")?,
    })
}

const COLUMNS: &str = "id, nip, period, hasil_kerja, perilaku_kerja, predikat, notes, evaluator_nip, recorded_at, recorded_by";

/// The stored columns that decide whether an imported evaluation changes anything.
struct Kept {
    id: i64,
    hasil_kerja: String,
    perilaku_kerja: String,
    notes: Option<String>,
    evaluator_nip: Option<String>,
}

impl Kept {
    fn same(&self, e: &Evaluation) -> bool {
        self.hasil_kerja == e.hasil_kerja.as_str()
            && self.perilaku_kerja == e.perilaku_kerja.as_str()
            && self.notes == e.notes
            && self.evaluator_nip.as_deref() == e.evaluator_nip.as_ref().map(Nip::as_str)
    }
}

impl Store {
    /// An employee's evaluation of one period, if recorded.
    pub async fn evaluation(&self, nip: &str, period: &str) -> Result<Option<EvaluationRecord>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {COLUMNS} FROM evaluations WHERE nip = $1 AND period = $2"),
                vec![nip.into(), period.into()],
            ))
            .await?;
        row.as_ref().map(record_from).transpose()
    }

    /// An employee's evaluations, oldest period first.
    pub async fn list_evaluations(
        &self,
        nip: &str,
        paging: Paging,
    ) -> Result<Page<EvaluationRecord>> {
        self.get_employee(nip).await?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!("SELECT {COLUMNS} FROM evaluations WHERE nip = $1 ORDER BY year, period"),
                vec![nip.into()],
            ))
            .await?;
        let all = rows.iter().map(record_from).collect::<Result<Vec<_>>>()?;
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(paging.offset as usize)
            .take(paging.limit as usize)
            .collect();
        Ok(paging.page(items, total))
    }

    /// The replaced versions of an employee's evaluations, newest first, each with when it was
    /// replaced.
    pub async fn evaluation_history(
        &self,
        nip: &str,
    ) -> Result<Vec<(EvaluationRecord, DateTime<Utc>)>> {
        self.get_employee(nip).await?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT id, nip, period, hasil_kerja, perilaku_kerja, predikat, notes, evaluator_nip, recorded_at, \
                 recorded_by, replaced_at FROM evaluation_history WHERE nip = $1 ORDER BY id DESC",
                vec![nip.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    record_from(r)?,
                    r.try_get::<DateTime<Utc>>("", "replaced_at")?,
                ))
            })
            .collect()
    }

    /// Creates or updates many evaluations in one transaction. Rows naming an unknown employee
    /// or evaluator are refused (by input index); an unchanged evaluation writes nothing; a
    /// changed one moves its previous version to the history. With `dry_run` nothing is written.
    pub async fn bulk_save_evaluations(
        &self,
        actor: &Actor,
        rows: &[(Nip, Evaluation)],
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<BulkOutcome> {
        let mut lap = Lap::start();
        let txn = self.begin_bulk_write().await?;
        let nips = existing_all(&txn, "employees", "nip").await?;
        let mut outcome = BulkOutcome::default();
        let mut valid: Vec<usize> = Vec::with_capacity(rows.len());
        for (i, (nip, e)) in rows.iter().enumerate() {
            let mut ok = true;
            if !nips.contains(nip.as_str()) {
                outcome
                    .rejected
                    .push((i, FieldError::unknown("nip", "employee", nip)));
                ok = false;
            }
            if let Some(ev) = &e.evaluator_nip
                && !nips.contains(ev.as_str())
            {
                outcome
                    .rejected
                    .push((i, FieldError::unknown("penilai_nip", "employee", ev)));
                ok = false;
            }
            if ok {
                valid.push(i);
            }
        }
        // What decides whether a row changes anything, of the stored evaluations of the
        // batch's periods (one query per period); whole records only of the ones that change.
        let mut periods: Vec<Period> = valid.iter().map(|&i| rows[i].1.period).collect();
        periods.sort();
        periods.dedup();
        // Folded into one text per period with the ASCII unit and record separators, which no
        // checked text holds (`Store::aggregated_text`): 100,000 rows decoded one by one cost
        // a second on SQLite.
        let ch = if self.is_postgres() { "chr" } else { "char" };
        let sql = format!(
            "SELECT {agg}(nip || {ch}(31) || id || {ch}(31) || hasil_kerja || {ch}(31) || perilaku_kerja \
                 || {ch}(31) || COALESCE('=' || notes, '') || {ch}(31) || COALESCE('=' || evaluator_nip, ''), \
                 {ch}(30)) AS v \
             FROM evaluations WHERE year = $1 AND period = $2",
            agg = self.text_agg()
        );
        let mut stored: HashMap<(String, Period), Kept> = HashMap::new();
        for p in &periods {
            let row = txn
                .query_one_raw(stmt(
                    self.backend(),
                    // `year` first: it is indexed, `period` alone is not.
                    &sql,
                    vec![(p.year() as i16).into(), p.to_string().into()],
                ))
                .await?;
            let text: String = row
                .map(|r| r.try_get::<Option<String>>("", "v"))
                .transpose()?
                .flatten()
                .unwrap_or_default();
            for record in text.split('\u{1e}').filter(|r| !r.is_empty()) {
                let f: Vec<&str> = record.splitn(6, '\u{1f}').collect();
                let corrupt = || StoreError::Corrupt {
                    table: "evaluations",
                    key: format!("{}/{p}", f[0]),
                    message: "an evaluation row could not be read back".into(),
                };
                if f.len() != 6 {
                    return Err(corrupt());
                }
                // A present value is marked with `=`, so that NULL and empty differ.
                let optional = |v: &str| v.strip_prefix('=').map(str::to_string);
                stored.insert(
                    (f[0].to_string(), *p),
                    Kept {
                        id: f[1].parse().map_err(|_| corrupt())?,
                        hasil_kerja: f[2].to_string(),
                        perilaku_kerja: f[3].to_string(),
                        notes: optional(f[4]),
                        evaluator_nip: optional(f[5]),
                    },
                );
            }
        }
        let mut created = Vec::new();
        let mut changed_ids = Vec::new();
        for &i in &valid {
            let (nip, e) = &rows[i];
            match stored.get(&(nip.to_string(), e.period)) {
                Some(k) if k.same(e) => outcome.unchanged += 1,
                Some(k) => changed_ids.push((i, k.id)),
                None => created.push(i),
            }
        }
        let mut before: HashMap<i64, EvaluationRecord> = HashMap::new();
        for chunk in changed_ids.chunks(rows_per_statement(1)) {
            let found = txn
                .query_all_raw(stmt(
                    self.backend(),
                    &format!(
                        "SELECT {COLUMNS} FROM evaluations WHERE id IN ({})",
                        crate::db::placeholders(1, chunk.len())
                    ),
                    chunk.iter().map(|(_, id)| Value::from(*id)).collect(),
                ))
                .await?;
            for r in &found {
                before.insert(r.try_get("", "id")?, record_from(r)?);
            }
        }
        let updated: Vec<(usize, i64, EvaluationRecord)> = changed_ids
            .into_iter()
            .filter_map(|(i, id)| before.remove(&id).map(|s| (i, id, s)))
            .collect();
        outcome.created = created.len() as u64;
        outcome.updated = updated.len() as u64;
        if dry_run {
            return Ok(outcome);
        }
        let now = self.now();
        let changed: Vec<usize> = created
            .iter()
            .copied()
            .chain(updated.iter().map(|(i, _, _)| *i))
            .collect();
        // Versions for the event keys: how often each changed evaluation has been replaced,
        // counting the version this write moves to the history.
        let mut versions: HashMap<i64, i64> = HashMap::new();
        let ids: Vec<i64> = updated.iter().map(|(_, id, _)| *id).collect();
        for chunk in ids.chunks(rows_per_statement(1)) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let found = txn
                .query_all_raw(stmt(
                    self.backend(),
                    &format!(
                        "SELECT evaluation_id, COUNT(*) AS n FROM evaluation_history WHERE evaluation_id IN ({}) GROUP BY evaluation_id",
                        placeholders.join(", ")
                    ),
                    chunk.iter().map(|id| (*id).into()).collect(),
                ))
                .await?;
            for r in &found {
                versions.insert(r.try_get("", "evaluation_id")?, r.try_get("", "n")?);
            }
        }
        // The predikat of each changed evaluation's previous period as it will be after this
        // write: stored, or this batch's when it holds that period too (one query per distinct
        // previous period).
        let mut previous_periods: Vec<Period> = changed
            .iter()
            .map(|&i| rows[i].1.period.previous())
            .collect();
        previous_periods.sort();
        previous_periods.dedup();
        let mut before: HashMap<(String, Period), Predikat> = HashMap::new();
        for p in &previous_periods {
            let found = txn
                .query_all_raw(stmt(
                    self.backend(),
                    "SELECT nip, predikat FROM evaluations WHERE year = $1 AND period = $2",
                    vec![(p.year() as i16).into(), p.to_string().into()],
                ))
                .await?;
            for r in &found {
                if let Ok(pk) = r.try_get::<String>("", "predikat")?.parse() {
                    before.insert((r.try_get("", "nip")?, *p), pk);
                }
            }
        }
        for &i in &changed {
            let (nip, e) = &rows[i];
            before.insert((nip.to_string(), e.period), e.predikat());
        }
        let read_ms = lap.ms();
        // The audit entries and events are built and serialised on a thread of the blocking
        // pool while the database writes the evaluations (built first, they cost 0.55 s of a
        // 100,000-row import's 4.4 s): from copies of the changed rows.
        let created_rows: Vec<(Nip, Evaluation)> =
            created.iter().map(|&i| rows[i].clone()).collect();
        let updated_rows: Vec<((Nip, Evaluation), EvaluationRecord, i64)> = updated
            .iter()
            .map(|(i, id, stored)| {
                // The stored versions, this write's move to the history, the new one.
                let version = versions.get(id).copied().unwrap_or(0) + 2;
                (rows[*i].clone(), stored.clone(), version)
            })
            .collect();
        let journal = Journal::build(actor, now, move || {
            let previous_of = |nip: &Nip, e: &Evaluation| {
                let p = e.period.previous();
                let pk = before.get(&(nip.to_string(), p)).copied();
                (p.to_string(), pk)
            };
            let changed = created_rows.len() + updated_rows.len();
            let mut audits = Vec::with_capacity(changed);
            let mut events = Vec::with_capacity(changed);
            for (nip, e) in &created_rows {
                audits.push((
                    "create".to_string(),
                    "evaluation".to_string(),
                    format!("{nip}/{}", e.period),
                    serde_json::json!({"after": e, "predikat": e.predikat()}),
                ));
                events.push(event(nip, e, None, 1, previous_of(nip, e)));
            }
            for ((nip, e), stored, version) in &updated_rows {
                audits.push((
                    "update".to_string(),
                    "evaluation".to_string(),
                    format!("{nip}/{}", e.period),
                    serde_json::json!({"before": stored, "after": e, "predikat": e.predikat()}),
                ));
                events.push(event(
                    nip,
                    e,
                    Some(stored.predikat),
                    *version,
                    previous_of(nip, e),
                ));
            }
            (audits, events)
        });
        let journal_started_ms = lap.ms();
        // Previous versions of the changed ones go to the history first.
        let mut values: Vec<Value> = Vec::with_capacity(updated.len() * 11);
        for (_, id, s) in &updated {
            values.extend([
                (*id).into(),
                s.nip.clone().into(),
                s.period.clone().into(),
                s.hasil_kerja.as_str().into(),
                s.perilaku_kerja.as_str().into(),
                s.predikat.as_str().into(),
                s.notes.clone().into(),
                s.evaluator_nip.clone().into(),
                s.recorded_at.into(),
                s.recorded_by.clone().into(),
                now.into(),
            ]);
        }
        insert_rows(
            &txn,
            "INSERT INTO evaluation_history (evaluation_id, nip, period, hasil_kerja, perilaku_kerja, predikat, \
             notes, evaluator_nip, recorded_at, recorded_by, replaced_at)",
            "",
            11,
            values,
        )
        .await?;
        // The new ones inserted plainly (the read above found none stored; a writer racing in
        // between makes the import a conflict, not a silent overwrite), the changed ones
        // upserted: a conflict clause costs PostgreSQL a third more per row.
        let total = changed.len() as u64;
        let mut written = 0u64;
        let per_write = crate::db::rows_per_write(self.backend(), 10);
        let updated_rows: Vec<usize> = updated.iter().map(|(i, _, _)| *i).collect();
        for (new, chunk) in created
            .chunks(per_write)
            .map(|c| (true, c))
            .chain(updated_rows.chunks(per_write).map(|c| (false, c)))
        {
            write(&txn, actor, rows, chunk, new, now).await?;
            written += chunk.len() as u64;
            if let Some(report) = progress {
                report(written, total);
            }
        }
        let mut talent: Vec<&str> = changed.iter().map(|&i| rows[i].0.as_str()).collect();
        talent.sort_unstable();
        talent.dedup();
        crate::changes::talent_changed(&txn, &talent).await?;
        let write_ms = lap.ms();
        journal.write(&txn).await?;
        let journal_ms = lap.ms();
        txn.commit().await?;
        tracing::debug!(
            rows = rows.len(),
            created = outcome.created,
            updated = outcome.updated,
            read_ms,
            journal_started_ms,
            write_ms,
            journal_ms,
            commit_ms = lap.ms(),
            "evaluations saved"
        );
        Ok(outcome)
    }

    /// The predikat of every evaluation of `year`, as (nip, period, predikat).
    pub async fn evaluations_of_year(&self, year: i32) -> Result<Vec<(String, Period, Predikat)>> {
        let values: Vec<Value> = vec![(year as i16).into()];
        let agg = self.text_agg();
        let sql = format!(
            "SELECT {agg}(v.nip || '|' || v.period || '|' || v.predikat, ';') AS v \
             FROM evaluations v WHERE v.year = $1"
        );
        let text = self.aggregated_text(&sql, values).await?;
        text.split(';')
            .filter(|r| !r.is_empty())
            .map(|r| {
                let mut fields = r.splitn(3, '|');
                let (nip, period, predikat) = (
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                );
                let key = || format!("{nip}/{period}");
                Ok((
                    nip.to_string(),
                    stored("evaluations", key(), period)?,
                    stored("evaluations", key(), predikat)?,
                ))
            })
            .collect()
    }
}

/// Writes the evaluations `chunk` names: inserted when they are `new`, else upserted.
async fn write(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rows: &[(Nip, Evaluation)],
    chunk: &[usize],
    new: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 10);
    for &i in chunk {
        let (nip, e) = &rows[i];
        values.extend([
            nip.to_string().into(),
            e.period.to_string().into(),
            (e.period.year() as i16).into(),
            e.hasil_kerja.as_str().into(),
            e.perilaku_kerja.as_str().into(),
            e.predikat().as_str().into(),
            e.notes.clone().into(),
            e.evaluator_nip.as_ref().map(|n| n.to_string()).into(),
            now.into(),
            actor.0.clone().into(),
        ]);
    }
    insert_rows(
        txn,
        "INSERT INTO evaluations (nip, period, year, hasil_kerja, perilaku_kerja, predikat, notes, evaluator_nip, \
         recorded_at, recorded_by)",
        if new {
            ""
        } else {
            "ON CONFLICT (nip, period) DO UPDATE SET \
             hasil_kerja = excluded.hasil_kerja, perilaku_kerja = excluded.perilaku_kerja, predikat = excluded.predikat, \
             notes = excluded.notes, evaluator_nip = excluded.evaluator_nip, recorded_at = excluded.recorded_at, \
             recorded_by = excluded.recorded_by"
        },
        10,
        values,
    )
    .await
}

/// The `evaluation.recorded` event: what the workflows trigger on.
fn event(
    nip: &Nip,
    e: &Evaluation,
    previous: Option<Predikat>,
    version: i64,
    (previous_period, previous_period_predikat): (String, Option<Predikat>),
) -> Event {
    Event {
        event: DomainEvent::EvaluationRecorded(EvaluationRecorded {
            nip: nip.to_string(),
            period: e.period,
            hasil_kerja: e.hasil_kerja,
            perilaku_kerja: e.perilaku_kerja,
            predikat: e.predikat(),
            previous_predikat: previous,
            evaluator_nip: e.evaluator_nip.as_ref().map(Nip::to_string),
            version,
            previous_period,
            previous_period_predikat,
        }),
        dedup_key: format!("evaluation:{nip}:{}:v{version}", e.period),
    }
}
