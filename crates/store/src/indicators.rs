//! Unit indicators (IKU) per unit and year with their targets, and their realisations per
//! period. A realisation is written with its audit entry and its events (`indicator.recorded`,
//! and `indicator.below_target` when it falls short) in one transaction; the same value again
//! changes nothing. An IKU of kind `ikm` is realised by the unit's IKM (`save_ikm`).

use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, Utc};
use jenjang_core::FieldError;
use jenjang_core::events::{DomainEvent, IndicatorRealised};
use jenjang_core::indicators::{
    Direction, IndicatorKind, RealisationSource, below_target, capaian, target_for,
};
use jenjang_core::period::Period;
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// An indicator as stored, with its realisations by period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorRecord {
    pub id: i64,
    pub code: String,
    pub year: i32,
    pub unit: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub unit_of_measure: String,
    pub direction: Direction,
    /// The annual target, and the target of every period without its own.
    pub target: f64,
    /// Periods with their own target.
    pub period_targets: BTreeMap<String, f64>,
    pub realisations: Vec<RealisationRecord>,
}

/// One period's realisation with its target and capaian.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RealisationRecord {
    pub period: String,
    pub target: f64,
    pub value: f64,
    /// Percent with one decimal (80.0), `null` where undefined (a zero target).
    pub capaian: Option<f64>,
    pub below_target: bool,
    pub source: RealisationSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// An indicator to create, or what an existing one becomes (its code, year and unit stay).
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndicator {
    pub code: String,
    pub year: i32,
    pub unit: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub unit_of_measure: String,
    pub direction: Direction,
    pub target: f64,
    pub period_targets: BTreeMap<String, f64>,
}

/// A realisation to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRealisation {
    pub indicator: i64,
    pub period: Period,
    pub value: f64,
    pub source: RealisationSource,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
}

/// What recording realisations did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Realised {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

const COLUMNS: &str =
    "id, code, year, unit_code, name, kind, unit_of_measure, direction, target, period_targets";

fn indicator_from(r: &QueryResult) -> Result<IndicatorRecord> {
    let text = |c: &str| -> Result<String> { Ok(r.try_get::<String>("", c)?) };
    let kind = text("kind")?;
    let direction = text("direction")?;
    let id: i64 = r.try_get("", "id")?;
    let bad = |what: &str, value: &str| StoreError::Corrupt {
        table: "indicators",
        key: id.to_string(),
        message: format!("unreadable {what} {value:?}"),
    };
    Ok(IndicatorRecord {
        id,
        code: text("code")?,
        year: r.try_get("", "year")?,
        unit: text("unit_code")?,
        name: text("name")?,
        kind: kind.parse().map_err(|_| bad("kind", &kind))?,
        unit_of_measure: text("unit_of_measure")?,
        direction: direction
            .parse()
            .map_err(|_| bad("direction", &direction))?,
        target: r.try_get("", "target")?,
        period_targets: serde_json::from_str(&text("period_targets")?)
            .map_err(|_| bad("period_targets", ""))?,
        realisations: Vec::new(),
    })
}

fn realisation_from(ind: &IndicatorRecord, r: &QueryResult) -> Result<RealisationRecord> {
    let period: String = r.try_get("", "period")?;
    let value: f64 = r.try_get("", "value")?;
    let target = Period::parse(&period)
        .map(|p| target_for(ind.target, &ind.period_targets, &p))
        .unwrap_or(ind.target);
    let source: String = r.try_get("", "source")?;
    Ok(RealisationRecord {
        target,
        value,
        capaian: capaian(target, value, ind.direction),
        below_target: below_target(target, value, ind.direction),
        source: source.parse().map_err(|_| StoreError::Corrupt {
            table: "indicator_realisations",
            key: format!("{}/{period}", ind.id),
            message: format!("unreadable source {source:?}"),
        })?,
        evidence_url: r.try_get("", "evidence_url")?,
        note: r.try_get("", "note")?,
        recorded_at: r.try_get("", "recorded_at")?,
        recorded_by: r.try_get("", "recorded_by")?,
        period,
    })
}

/// Fills each indicator's realisations with one query.
async fn with_realisations<C: ConnectionTrait>(
    conn: &C,
    mut indicators: Vec<IndicatorRecord>,
) -> Result<Vec<IndicatorRecord>> {
    if indicators.is_empty() {
        return Ok(indicators);
    }
    let ids: Vec<Value> = indicators.iter().map(|i| i.id.into()).collect();
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!(
                "SELECT indicator_id, period, value, source, evidence_url, note, recorded_at, recorded_by \
                 FROM indicator_realisations WHERE indicator_id IN ({}) ORDER BY indicator_id, period",
                marks.join(", ")
            ),
            ids,
        ))
        .await?;
    let position: BTreeMap<i64, usize> = indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| (ind.id, i))
        .collect();
    for row in rows {
        let id: i64 = row.try_get("", "indicator_id")?;
        if let Some(&i) = position.get(&id) {
            let r = realisation_from(&indicators[i], &row)?;
            indicators[i].realisations.push(r);
        }
    }
    Ok(indicators)
}

async fn load<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<IndicatorRecord>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {COLUMNS} FROM indicators WHERE id = $1"),
            vec![id.into()],
        ))
        .await?;
    match row {
        Some(r) => Ok(with_realisations(conn, vec![indicator_from(&r)?])
            .await?
            .pop()),
        None => Ok(None),
    }
}

impl Store {
    /// One indicator with its realisations.
    pub async fn get_indicator(&self, id: i64) -> Result<IndicatorRecord> {
        load(&self.db, id)
            .await?
            .ok_or_else(|| StoreError::not_found("indicator", id.to_string()))
    }

    /// A unit's indicators (of `year` when given), by year and code, with their realisations.
    pub async fn list_indicators(
        &self,
        unit: &str,
        year: Option<i32>,
    ) -> Result<Vec<IndicatorRecord>> {
        self.get_unit(unit).await?;
        let (filter, values): (&str, Vec<Value>) = match year {
            Some(y) => (" AND year = $2", vec![unit.into(), y.into()]),
            None => ("", vec![unit.into()]),
        };
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {COLUMNS} FROM indicators WHERE unit_code = $1{filter} ORDER BY year DESC, code"
                ),
                values,
            ))
            .await?;
        let indicators = rows
            .iter()
            .map(indicator_from)
            .collect::<Result<Vec<_>>>()?;
        with_realisations(&self.db, indicators).await
    }

    /// Every indicator of `year` with its realisations (the organisation's; few per unit).
    pub async fn indicators_of_year(&self, year: i32) -> Result<Vec<IndicatorRecord>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {COLUMNS} FROM indicators WHERE year = $1 ORDER BY unit_code, code"
                ),
                vec![year.into()],
            ))
            .await?;
        let indicators = rows
            .iter()
            .map(indicator_from)
            .collect::<Result<Vec<_>>>()?;
        with_realisations(&self.db, indicators).await
    }

    /// The id and kind of every indicator by `(code, year)`, for reading an import.
    pub async fn indicator_ids(&self) -> Result<BTreeMap<(String, i32), (i64, IndicatorKind)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT id, code, year, kind FROM indicators",
                vec![],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let id = r.try_get::<i64>("", "id")?;
                let kind: String = r.try_get("", "kind")?;
                let kind = kind.parse().map_err(|_| StoreError::Corrupt {
                    table: "indicators",
                    key: id.to_string(),
                    message: format!("unreadable kind {kind:?}"),
                })?;
                let key = (
                    r.try_get::<String>("", "code")?,
                    r.try_get::<i32>("", "year")?,
                );
                Ok((key, (id, kind)))
            })
            .collect()
    }

    /// Creates an indicator; its code is unique within its year (`Conflict` otherwise).
    pub async fn create_indicator(
        &self,
        actor: &Actor,
        new: &NewIndicator,
    ) -> Result<IndicatorRecord> {
        let txn = self.begin_write().await?;
        if txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT code FROM units WHERE code = $1",
                vec![new.unit.clone().into()],
            ))
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(vec![FieldError::unknown(
                "unit", "unit", &new.unit,
            )]));
        }
        let taken = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT id FROM indicators WHERE code = $1 AND year = $2",
                vec![new.code.clone().into(), new.year.into()],
            ))
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "indicator {} already exists for {}",
                new.code, new.year
            )));
        }
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "INSERT INTO indicators (code, year, unit_code, name, kind, unit_of_measure, direction, \
                 target, period_targets, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                vec![
                    new.code.clone().into(),
                    new.year.into(),
                    new.unit.clone().into(),
                    new.name.clone().into(),
                    new.kind.as_str().into(),
                    new.unit_of_measure.clone().into(),
                    new.direction.as_str().into(),
                    new.target.into(),
                    serde_json::to_string(&new.period_targets)
                        .unwrap_or_else(|_| "{}".into())
                        .into(),
                    self.now().into(),
                    actor.0.clone().into(),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                table: "indicators",
                key: new.code.clone(),
                message: "no id returned".into(),
            })?;
        let id: i64 = row.try_get("", "id")?;
        audit::record(
            &txn,
            actor,
            "create",
            "indicator",
            &format!("{}/{}", new.code, new.year),
            serde_json::json!({"unit": new.unit, "target": new.target, "direction": new.direction}),
            self.now(),
        )
        .await?;
        let created = load(&txn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("indicator", id.to_string()))?;
        txn.commit().await?;
        Ok(created)
    }

    /// Changes an indicator's name, kind, measure, direction and targets (its code, year and
    /// unit stay); realisations are judged against the new targets from now on.
    pub async fn update_indicator(
        &self,
        actor: &Actor,
        id: i64,
        new: &NewIndicator,
    ) -> Result<IndicatorRecord> {
        let txn = self.begin_write().await?;
        let before = load(&txn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("indicator", id.to_string()))?;
        let mut fixed = Vec::new();
        for (field, was, now) in [
            ("code", before.code.clone(), new.code.clone()),
            ("year", before.year.to_string(), new.year.to_string()),
            ("unit", before.unit.clone(), new.unit.clone()),
        ] {
            if was != now {
                fixed.push(
                    FieldError::new(field, format!("stays {was}; create another indicator"))
                        .with_code("indicator_fixed")
                        .with_param("value", was),
                );
            }
        }
        if !fixed.is_empty() {
            return Err(StoreError::Invalid(fixed));
        }
        txn.execute_raw(stmt(
            self.backend(),
            "UPDATE indicators SET name = $1, kind = $2, unit_of_measure = $3, direction = $4, \
             target = $5, period_targets = $6, updated_at = $7, updated_by = $8 WHERE id = $9",
            vec![
                new.name.clone().into(),
                new.kind.as_str().into(),
                new.unit_of_measure.clone().into(),
                new.direction.as_str().into(),
                new.target.into(),
                serde_json::to_string(&new.period_targets)
                    .unwrap_or_else(|_| "{}".into())
                    .into(),
                self.now().into(),
                actor.0.clone().into(),
                id.into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "update",
            "indicator",
            &format!("{}/{}", before.code, before.year),
            serde_json::json!({"target": new.target, "period_targets": new.period_targets, "direction": new.direction}),
            self.now(),
        )
        .await?;
        let after = load(&txn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("indicator", id.to_string()))?;
        txn.commit().await?;
        Ok(after)
    }

    /// Records realisations, all or none: each must name an existing indicator and a period
    /// of its year (every problem answered at once, by position in `rows`).
    pub async fn record_realisations(
        &self,
        actor: &Actor,
        rows: &[NewRealisation],
    ) -> Result<Realised> {
        let txn = self.begin_write().await?;
        let mut problems = Vec::new();
        let mut loaded: BTreeMap<i64, IndicatorRecord> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let at = |f: &str| {
                if rows.len() == 1 {
                    f.to_string()
                } else {
                    format!("[{i}].{f}")
                }
            };
            if let std::collections::btree_map::Entry::Vacant(slot) = loaded.entry(r.indicator) {
                match load(&txn, r.indicator).await? {
                    Some(ind) => {
                        slot.insert(ind);
                    }
                    None => {
                        problems.push(
                            FieldError::new(
                                at("indicator"),
                                format!("no indicator has the id {}", r.indicator),
                            )
                            .with_code("unknown_indicator")
                            .with_param("code", r.indicator),
                        );
                        continue;
                    }
                }
            }
            let ind = &loaded[&r.indicator];
            if r.period.year() != ind.year {
                problems.push(
                    FieldError::new(
                        at("period"),
                        format!(
                            "{} is not a period of {}, the indicator's year",
                            r.period, ind.year
                        ),
                    )
                    .with_code("due_outside_year")
                    .with_param("year", ind.year),
                );
            }
            if !r.value.is_finite() {
                problems
                    .push(FieldError::new(at("value"), "expected a number").with_code("number"));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let mut done = Realised::default();
        for r in rows {
            let ind = &loaded[&r.indicator];
            match realise_in(&txn, actor, ind, r, self.now()).await? {
                Some(true) => done.created += 1,
                Some(false) => done.updated += 1,
                None => done.unchanged += 1,
            }
        }
        txn.commit().await?;
        Ok(done)
    }
}

/// The `ikm` indicators of `unit` for `period`'s year take `index` as their realisation (in
/// the transaction that records the IKM).
pub(crate) async fn realise_ikm(
    txn: &DatabaseTransaction,
    actor: &Actor,
    unit: &str,
    period: &Period,
    index: f64,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = txn
        .query_all_raw(stmt(
            txn.get_database_backend(),
            &format!(
                "SELECT {COLUMNS} FROM indicators WHERE unit_code = $1 AND year = $2 AND kind = 'ikm'"
            ),
            vec![unit.into(), period.year().into()],
        ))
        .await?;
    for row in rows {
        let ind = indicator_from(&row)?;
        let r = NewRealisation {
            indicator: ind.id,
            period: *period,
            value: index,
            source: RealisationSource::Ikm,
            evidence_url: None,
            note: None,
        };
        realise_in(txn, actor, &ind, &r, now).await?;
    }
    Ok(())
}

/// Writes one realisation with its audit entry and events: `Some(true)` new, `Some(false)`
/// changed, `None` the same as stored.
async fn realise_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    ind: &IndicatorRecord,
    r: &NewRealisation,
    now: DateTime<Utc>,
) -> Result<Option<bool>> {
    let backend = txn.get_database_backend();
    let period = r.period.to_string();
    let existing = txn
        .query_one_raw(stmt(
            backend,
            "SELECT value, evidence_url, note FROM indicator_realisations WHERE indicator_id = $1 AND period = $2",
            vec![ind.id.into(), period.clone().into()],
        ))
        .await?;
    if let Some(row) = &existing {
        let value: f64 = row.try_get("", "value")?;
        let evidence: Option<String> = row.try_get("", "evidence_url")?;
        let note: Option<String> = row.try_get("", "note")?;
        if value == r.value && evidence == r.evidence_url && note == r.note {
            return Ok(None);
        }
    }
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO indicator_realisations (indicator_id, period, value, source, evidence_url, note, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (indicator_id, period) DO UPDATE SET value = excluded.value, source = excluded.source, \
         evidence_url = excluded.evidence_url, note = excluded.note, recorded_at = excluded.recorded_at, \
         recorded_by = excluded.recorded_by",
        vec![
            ind.id.into(),
            period.clone().into(),
            r.value.into(),
            r.source.as_str().into(),
            r.evidence_url.clone().into(),
            r.note.clone().into(),
            now.into(),
            actor.0.clone().into(),
        ],
    ))
    .await?;
    audit::record(
        txn,
        actor,
        if existing.is_some() {
            "update"
        } else {
            "create"
        },
        "indicator_realisation",
        &format!("{}/{}/{period}", ind.code, ind.year),
        serde_json::json!({"value": r.value, "source": r.source, "evidence_url": r.evidence_url}),
        now,
    )
    .await?;
    // The events: recorded, and below target when it falls short; whether the period before
    // (possibly of last year's indicator with the same code) fell short too.
    let target = target_for(ind.target, &ind.period_targets, &r.period);
    let previous = r.period.previous();
    let before = txn
        .query_one_raw(stmt(
            backend,
            "SELECT i.target, i.period_targets, i.direction, r.value FROM indicator_realisations r \
             JOIN indicators i ON i.id = r.indicator_id \
             WHERE i.code = $1 AND i.year = $2 AND r.period = $3",
            vec![
                ind.code.clone().into(),
                previous.year().into(),
                previous.to_string().into(),
            ],
        ))
        .await?;
    let previous_below_target = match before {
        Some(row) => {
            let targets: BTreeMap<String, f64> =
                serde_json::from_str(&row.try_get::<String>("", "period_targets")?)
                    .unwrap_or_default();
            let direction: Direction = row
                .try_get::<String>("", "direction")?
                .parse()
                .unwrap_or(ind.direction);
            below_target(
                target_for(row.try_get("", "target")?, &targets, &previous),
                row.try_get("", "value")?,
                direction,
            )
        }
        None => false,
    };
    let head_nip: Option<String> = txn
        .query_one_raw(stmt(
            backend,
            "SELECT head_nip FROM units WHERE code = $1",
            vec![ind.unit.clone().into()],
        ))
        .await?
        .map(|row| row.try_get::<Option<String>>("", "head_nip"))
        .transpose()?
        .flatten();
    let payload = IndicatorRealised {
        scope: "iku".into(),
        indicator: Some(ind.id),
        iki: None,
        nip: None,
        code: ind.code.clone(),
        name: ind.name.clone(),
        unit: ind.unit.clone(),
        head_nip,
        period: period.clone(),
        target,
        realisation: r.value,
        capaian: capaian(target, r.value, ind.direction),
        below_target: below_target(target, r.value, ind.direction),
        previous_below_target,
        competencies: if below_target(target, r.value, ind.direction) {
            required_competencies(txn, &ind.unit, 3).await?
        } else {
            Vec::new()
        },
    };
    let key = format!("indicator:{}:{period}:{}", ind.id, r.value);
    outbox(txn, &realised_events(payload, &key), now).await?;
    Ok(Some(existing.is_none()))
}

/// The events of a realisation (of an IKU or an IKI): `indicator.recorded`, and
/// `indicator.below_target` when it falls short; `key` makes a replay write them once.
pub(crate) fn realised_events(payload: IndicatorRealised, key: &str) -> Vec<Event> {
    let below = payload.below_target.then(|| Event {
        event: DomainEvent::IndicatorBelowTarget(payload.clone()),
        dedup_key: format!("{key}:below"),
    });
    let mut events = vec![Event {
        event: DomainEvent::IndicatorRecorded(payload),
        dedup_key: format!("{key}:recorded"),
    }];
    events.extend(below);
    events
}

/// The `limit` competencies most often required by the positions of the employees of `unit`'s
/// subtree (most employees first, then by code): what to develop when the unit falls short.
async fn required_competencies(
    txn: &DatabaseTransaction,
    unit: &str,
    limit: u32,
) -> Result<Vec<jenjang_core::events::RequiredCompetency>> {
    let rows = txn
        .query_all_raw(stmt(
            txn.get_database_backend(),
            "WITH RECURSIVE sub(code) AS (SELECT code FROM units WHERE code = $1 \
               UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code) \
             SELECT r.competency_code, c.name, COUNT(*) AS n FROM employees e \
             JOIN position_requirements r ON r.position_code = e.position_code \
             JOIN competencies c ON c.code = r.competency_code \
             WHERE e.unit_code IN (SELECT code FROM sub) AND e.status = 'aktif' \
             GROUP BY r.competency_code, c.name ORDER BY n DESC, r.competency_code LIMIT $2",
            vec![unit.into(), i64::from(limit).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(jenjang_core::events::RequiredCompetency {
                code: r.try_get("", "competency_code")?,
                name: r.try_get("", "name")?,
                employees: r.try_get::<i64>("", "n")?.max(0) as u64,
            })
        })
        .collect()
}
