//! The employee's SKP per year in versions: RHK with their IKI, the BerAKHLAK expectations and
//! the lifecycle; the IKI realisations per period with their evidence (a link, or a file kept
//! here) and the supervisor's feedback, each written with its audit entry and its events
//! (`indicator.recorded`, and `indicator.below_target` when it falls short) in one transaction;
//! the hasil kerja proposed beside each evaluation.

use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use crate::indicators::realised_events;
use crate::outbox::outbox;
use crate::{Actor, audit};
use chrono::{DateTime, Utc};
use jenjang_core::FieldError;
use jenjang_core::events::IndicatorRealised;
use jenjang_core::indicators::{Direction, below_target, capaian};
use jenjang_core::period::Period;
use jenjang_core::skp::{Approach, Aspect, Behaviour, RhkKind, SkpStatus};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One version of an SKP.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SkpRecord {
    pub id: i64,
    pub nip: String,
    pub year: i32,
    pub version: i32,
    pub approach: Approach,
    pub status: SkpStatus,
    pub rhk: Vec<RhkRecord>,
    pub behaviour: Vec<Behaviour>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// Why the supervisor returned it to draft.
    pub rejection_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// Every version of the year with its status, oldest first.
    pub versions: Vec<VersionStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VersionStatus {
    pub version: i32,
    pub status: SkpStatus,
}

/// What an RHK supports: the leader's RHK or a unit IKU (the cascade).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Supports {
    Rhk(i64),
    Indicator(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RhkRecord {
    pub id: i64,
    pub kind: RhkKind,
    pub text: String,
    pub supports: Option<Supports>,
    pub iki: Vec<IkiRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IkiRecord {
    pub id: i64,
    pub aspect: Aspect,
    pub text: String,
    /// The target of every period of the year.
    pub target: f64,
    pub unit_of_measure: String,
    pub direction: Direction,
}

/// An SKP as a request states it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSkp {
    pub approach: Approach,
    pub rhk: Vec<NewRhk>,
    pub behaviour: Vec<Behaviour>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRhk {
    /// Keeps the identity of an RHK of the draft being edited; otherwise a new one.
    pub id: Option<i64>,
    pub kind: RhkKind,
    pub text: String,
    pub supports: Option<Supports>,
    pub iki: Vec<NewIki>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewIki {
    pub id: Option<i64>,
    pub aspect: Aspect,
    pub text: String,
    pub target: f64,
    pub unit_of_measure: String,
    pub direction: Direction,
}

/// An IKI with the SKP it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct IkiContext {
    pub iki: IkiRecord,
    pub rhk_kind: RhkKind,
    pub rhk_text: String,
    pub skp_id: i64,
    pub nip: String,
    pub year: i32,
    pub status: SkpStatus,
}

/// A file of evidence to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidenceFile {
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// A kept evidence file.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFile {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    /// The employee whose realisation it supports.
    pub nip: String,
}

/// What a realisation write states; `None` keeps what is stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IkiRealisationChange {
    pub value: Option<f64>,
    pub evidence_url: Option<String>,
    pub evidence_file: Option<NewEvidenceFile>,
    /// The supervisor's feedback with who gave it.
    pub feedback: Option<String>,
}

/// One IKI of a period: target, realisation, capaian, evidence and feedback.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IkiPerformance {
    pub id: i64,
    pub rhk: i64,
    pub rhk_kind: RhkKind,
    pub rhk_text: String,
    pub aspect: Aspect,
    pub text: String,
    pub unit_of_measure: String,
    pub direction: Direction,
    pub target: f64,
    pub realisation: Option<f64>,
    /// Percent with one decimal, `null` when nothing is realised or it is undefined.
    pub capaian: Option<f64>,
    pub below_target: bool,
    pub evidence: Option<Evidence>,
    pub feedback: Option<String>,
    pub feedback_by: Option<String>,
}

/// Evidence of a realisation: a link, or a file kept by Jenjang.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A kept file: read at `/api/v1/evidence/{file}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// The hasil kerja Jenjang proposed beside an evaluation, kept with the decision.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProposalRecord {
    pub proposed: Option<String>,
    pub decided: String,
    /// The capaian of each IKI the proposal was made from.
    #[schema(value_type = Object)]
    pub capaian: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

fn corrupt(table: &'static str, key: impl ToString, what: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        key: key.to_string(),
        message: format!("unreadable {what}"),
    }
}

fn parse<T: std::str::FromStr>(
    r: &QueryResult,
    col: &str,
    table: &'static str,
    key: i64,
) -> Result<T> {
    let text: String = r.try_get("", col)?;
    text.parse().map_err(|_| corrupt(table, key, col))
}

fn iki_from(r: &QueryResult) -> Result<IkiRecord> {
    let id: i64 = r.try_get("", "id")?;
    Ok(IkiRecord {
        id,
        aspect: parse(r, "aspect", "skp_iki", id)?,
        text: r.try_get("", "text")?,
        target: r.try_get("", "target")?,
        unit_of_measure: r.try_get("", "unit_of_measure")?,
        direction: parse(r, "direction", "skp_iki", id)?,
    })
}

fn supports_from(r: &QueryResult) -> Result<Option<Supports>> {
    let rhk: Option<i64> = r.try_get("", "supports_rhk")?;
    let indicator: Option<i64> = r.try_get("", "supports_indicator")?;
    Ok(rhk
        .map(Supports::Rhk)
        .or(indicator.map(Supports::Indicator)))
}

const SKP_COLUMNS: &str = "id, nip, year, version, approach, status, behaviour, submitted_at, \
    decided_at, decided_by, rejection_reason, updated_at, updated_by";

async fn load_version<C: ConnectionTrait>(
    conn: &C,
    nip: &str,
    year: i32,
    version: Option<i32>,
) -> Result<Option<SkpRecord>> {
    let backend = conn.get_database_backend();
    let versions: Vec<VersionStatus> = conn
        .query_all_raw(stmt(
            backend,
            "SELECT id, version, status FROM skps WHERE nip = $1 AND year = $2 ORDER BY version",
            vec![nip.into(), year.into()],
        ))
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("", "id")?;
            Ok(VersionStatus {
                version: r.try_get("", "version")?,
                status: parse(r, "status", "skps", id)?,
            })
        })
        .collect::<Result<_>>()?;
    let Some(wanted) = version.or(versions.last().map(|v| v.version)) else {
        return Ok(None);
    };
    let Some(r) = conn
        .query_one_raw(stmt(
            backend,
            &format!(
                "SELECT {SKP_COLUMNS} FROM skps WHERE nip = $1 AND year = $2 AND version = $3"
            ),
            vec![nip.into(), year.into(), wanted.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.try_get("", "id")?;
    let behaviour: Vec<Behaviour> = serde_json::from_str(&r.try_get::<String>("", "behaviour")?)
        .map_err(|_| corrupt("skps", id, "behaviour"))?;
    let mut rhk: Vec<RhkRecord> = Vec::new();
    for row in conn
        .query_all_raw(stmt(
            backend,
            "SELECT id, kind, text, supports_rhk, supports_indicator FROM skp_rhk \
             WHERE skp_id = $1 ORDER BY position, id",
            vec![id.into()],
        ))
        .await?
    {
        let rid: i64 = row.try_get("", "id")?;
        rhk.push(RhkRecord {
            id: rid,
            kind: parse(&row, "kind", "skp_rhk", rid)?,
            text: row.try_get("", "text")?,
            supports: supports_from(&row)?,
            iki: Vec::new(),
        });
    }
    let at: BTreeMap<i64, usize> = rhk.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for row in conn
        .query_all_raw(stmt(
            backend,
            "SELECT id, rhk_id, aspect, text, target, unit_of_measure, direction FROM skp_iki \
             WHERE skp_id = $1 ORDER BY position, id",
            vec![id.into()],
        ))
        .await?
    {
        let rhk_id: i64 = row.try_get("", "rhk_id")?;
        if let Some(&i) = at.get(&rhk_id) {
            rhk[i].iki.push(iki_from(&row)?);
        }
    }
    Ok(Some(SkpRecord {
        id,
        nip: r.try_get("", "nip")?,
        year: r.try_get("", "year")?,
        version: wanted,
        approach: parse(&r, "approach", "skps", id)?,
        status: parse(&r, "status", "skps", id)?,
        rhk,
        behaviour,
        submitted_at: r.try_get("", "submitted_at")?,
        decided_at: r.try_get("", "decided_at")?,
        decided_by: r.try_get("", "decided_by")?,
        rejection_reason: r.try_get("", "rejection_reason")?,
        updated_at: r.try_get("", "updated_at")?,
        updated_by: r.try_get("", "updated_by")?,
        versions,
    }))
}

impl Store {
    /// Version `version` of `nip`'s SKP for `year`, the latest when `None`.
    pub async fn skp(
        &self,
        nip: &str,
        year: i32,
        version: Option<i32>,
    ) -> Result<Option<SkpRecord>> {
        load_version(&self.db, nip, year, version).await
    }

    /// Who owns each RHK in `ids`: `(nip, year)`.
    pub async fn rhk_owners(&self, ids: &[i64]) -> Result<BTreeMap<i64, (String, i32)>> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT r.id, s.nip, s.year FROM skp_rhk r JOIN skps s ON s.id = r.skp_id \
                     WHERE r.id IN ({})",
                    marks.join(", ")
                ),
                ids.iter().map(|&i| i.into()).collect(),
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64>("", "id")?,
                    (r.try_get("", "nip")?, r.try_get("", "year")?),
                ))
            })
            .collect()
    }

    /// Saves `new` as `nip`'s SKP for `year`: edits the latest version when it is a draft,
    /// starts version `start` otherwise (the caller decided which from core's `skp::change`
    /// on `expected`, the latest version and status it read; a different one now is a
    /// `Conflict`).
    pub async fn save_skp(
        &self,
        actor: &Actor,
        nip: &str,
        year: i32,
        expected: Option<(i32, SkpStatus)>,
        new: &NewSkp,
    ) -> Result<SkpRecord> {
        let txn = self.begin_write().await?;
        let backend = self.backend();
        let now = self.now();
        let latest = load_version(&txn, nip, year, None).await?;
        let found = latest.as_ref().map(|s| (s.version, s.status));
        if found != expected {
            return Err(StoreError::Conflict(
                "the SKP changed meanwhile; reload it and try again".into(),
            ));
        }
        let behaviour = serde_json::to_string(&new.behaviour).unwrap_or_else(|_| "[]".into());
        let (skp_id, version, draft) = match &latest {
            Some(s) if s.status == SkpStatus::Draft => {
                txn.execute_raw(stmt(
                    backend,
                    "UPDATE skps SET approach = $1, behaviour = $2, updated_at = $3, updated_by = $4 WHERE id = $5",
                    vec![
                        new.approach.as_str().into(),
                        behaviour.into(),
                        now.into(),
                        actor.0.clone().into(),
                        s.id.into(),
                    ],
                ))
                .await?;
                (s.id, s.version, Some(s))
            }
            _ => {
                let version = latest.as_ref().map_or(1, |s| s.version + 1);
                let row = txn
                    .query_one_raw(stmt(
                        backend,
                        "INSERT INTO skps (nip, year, version, approach, status, behaviour, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7) RETURNING id",
                        vec![
                            nip.into(),
                            year.into(),
                            version.into(),
                            new.approach.as_str().into(),
                            behaviour.into(),
                            now.into(),
                            actor.0.clone().into(),
                        ],
                    ))
                    .await?
                    .ok_or_else(|| corrupt("skps", nip, "id returned"))?;
                (row.try_get::<i64>("", "id")?, version, None)
            }
        };
        // Identities of the draft being edited are kept; anything else is new.
        let (old_rhk, old_iki): (BTreeSet<i64>, BTreeSet<i64>) = match draft {
            Some(d) => (
                d.rhk.iter().map(|r| r.id).collect(),
                d.rhk
                    .iter()
                    .flat_map(|r| r.iki.iter().map(|i| i.id))
                    .collect(),
            ),
            None => Default::default(),
        };
        let kept_rhk: BTreeSet<i64> = new
            .rhk
            .iter()
            .filter_map(|r| r.id)
            .filter(|id| old_rhk.contains(id))
            .collect();
        let dropped: Vec<i64> = old_rhk.difference(&kept_rhk).copied().collect();
        if !dropped.is_empty() {
            // An RHK others support stays until they link elsewhere.
            let marks: Vec<String> = (1..=dropped.len()).map(|i| format!("${i}")).collect();
            let supported = txn
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT r.supports_rhk, s.nip FROM skp_rhk r JOIN skps s ON s.id = r.skp_id \
                         WHERE r.supports_rhk IN ({})",
                        marks.join(", ")
                    ),
                    dropped.iter().map(|&i| i.into()).collect(),
                ))
                .await?;
            if let Some(r) = supported.first() {
                let id: i64 = r.try_get("", "supports_rhk")?;
                let by: String = r.try_get("", "nip")?;
                return Err(StoreError::Invalid(vec![
                    FieldError::new(
                        "rhk",
                        format!("RHK {id} is supported by an RHK of {by}; keep it until they link elsewhere"),
                    )
                    .with_code("rhk_supported")
                    .with_param("rhk", id)
                    .with_param("nip", by),
                ]));
            }
            for id in &dropped {
                txn.execute_raw(stmt(
                    backend,
                    "DELETE FROM skp_iki WHERE rhk_id = $1",
                    vec![(*id).into()],
                ))
                .await?;
                txn.execute_raw(stmt(
                    backend,
                    "DELETE FROM skp_rhk WHERE id = $1",
                    vec![(*id).into()],
                ))
                .await?;
            }
        }
        let mut kept_iki = BTreeSet::new();
        for (position, rhk) in new.rhk.iter().enumerate() {
            let (srhk, sind) = match rhk.supports {
                Some(Supports::Rhk(id)) => (Some(id), None),
                Some(Supports::Indicator(id)) => (None, Some(id)),
                None => (None, None),
            };
            let rhk_id = match rhk.id.filter(|id| kept_rhk.contains(id)) {
                Some(id) => {
                    txn.execute_raw(stmt(
                        backend,
                        "UPDATE skp_rhk SET position = $1, kind = $2, text = $3, supports_rhk = $4, \
                         supports_indicator = $5 WHERE id = $6",
                        vec![
                            (position as i32).into(),
                            rhk.kind.as_str().into(),
                            rhk.text.clone().into(),
                            srhk.into(),
                            sind.into(),
                            id.into(),
                        ],
                    ))
                    .await?;
                    id
                }
                None => txn
                    .query_one_raw(stmt(
                        backend,
                        "INSERT INTO skp_rhk (skp_id, position, kind, text, supports_rhk, supports_indicator) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        vec![
                            skp_id.into(),
                            (position as i32).into(),
                            rhk.kind.as_str().into(),
                            rhk.text.clone().into(),
                            srhk.into(),
                            sind.into(),
                        ],
                    ))
                    .await?
                    .ok_or_else(|| corrupt("skp_rhk", skp_id, "id returned"))?
                    .try_get::<i64>("", "id")?,
            };
            for (iposition, iki) in rhk.iki.iter().enumerate() {
                let values = |first: Value| {
                    vec![
                        first,
                        rhk_id.into(),
                        (iposition as i32).into(),
                        iki.aspect.as_str().into(),
                        iki.text.clone().into(),
                        iki.target.into(),
                        iki.unit_of_measure.clone().into(),
                        iki.direction.as_str().into(),
                    ]
                };
                match iki.id.filter(|id| old_iki.contains(id)) {
                    Some(id) => {
                        kept_iki.insert(id);
                        let mut v = values(id.into());
                        v.rotate_left(1);
                        txn.execute_raw(stmt(
                            backend,
                            "UPDATE skp_iki SET rhk_id = $1, position = $2, aspect = $3, text = $4, \
                             target = $5, unit_of_measure = $6, direction = $7 WHERE id = $8",
                            v,
                        ))
                        .await?;
                    }
                    None => {
                        txn.execute_raw(stmt(
                            backend,
                            "INSERT INTO skp_iki (skp_id, rhk_id, position, aspect, text, target, unit_of_measure, direction) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            values(skp_id.into()),
                        ))
                        .await?;
                    }
                }
            }
        }
        for id in old_iki.difference(&kept_iki) {
            txn.execute_raw(stmt(
                backend,
                "DELETE FROM skp_iki WHERE id = $1",
                vec![(*id).into()],
            ))
            .await?;
        }
        audit::record(
            &txn,
            actor,
            if draft.is_some() { "update" } else { "create" },
            "skp",
            &format!("{nip}/{year}/v{version}"),
            serde_json::json!({"rhk": new.rhk.len(), "iki": new.rhk.iter().map(|r| r.iki.len()).sum::<usize>()}),
            now,
        )
        .await?;
        let saved = load_version(&txn, nip, year, Some(version))
            .await?
            .ok_or_else(|| StoreError::not_found("skp", format!("{nip}/{year}")))?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Moves version `skp` (as the caller read it) to `to` (checked by the caller with core's
    /// `skp::step`); a different status now is a `Conflict`.
    pub async fn skp_status(
        &self,
        actor: &Actor,
        skp: &SkpRecord,
        to: SkpStatus,
        reason: Option<&str>,
    ) -> Result<SkpRecord> {
        let (nip, year, version, from) = (skp.nip.as_str(), skp.year, skp.version, skp.status);
        let txn = self.begin_write().await?;
        let now = self.now();
        let (set, values): (&str, Vec<Value>) = match (from, to) {
            (SkpStatus::Draft, SkpStatus::Submitted) => (
                "status = 'submitted', submitted_at = $1, rejection_reason = NULL",
                vec![now.into()],
            ),
            _ => (
                "status = $1, decided_at = $2, decided_by = $3, rejection_reason = $4",
                vec![
                    to.as_str().into(),
                    now.into(),
                    actor.0.clone().into(),
                    reason.map(str::to_string).into(),
                ],
            ),
        };
        let n = values.len();
        let mut values = values;
        values.extend([
            nip.into(),
            year.into(),
            version.into(),
            from.as_str().into(),
        ]);
        let done = txn
            .execute_raw(stmt(
                self.backend(),
                &format!(
                    "UPDATE skps SET {set} WHERE nip = ${} AND year = ${} AND version = ${} AND status = ${}",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                ),
                values,
            ))
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the SKP changed meanwhile; reload it and try again".into(),
            ));
        }
        audit::record(
            &txn,
            actor,
            to.as_str(),
            "skp",
            &format!("{nip}/{year}/v{version}"),
            serde_json::json!({"from": from, "to": to, "reason": reason}),
            now,
        )
        .await?;
        let saved = load_version(&txn, nip, year, Some(version))
            .await?
            .ok_or_else(|| StoreError::not_found("skp", format!("{nip}/{year}")))?;
        txn.commit().await?;
        Ok(saved)
    }

    /// IKI `id` with its SKP.
    pub async fn iki(&self, id: i64) -> Result<IkiContext> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT i.id, i.aspect, i.text, i.target, i.unit_of_measure, i.direction, \
                 r.kind AS rhk_kind, r.text AS rhk_text, s.id AS skp_id, s.nip, s.year, s.status \
                 FROM skp_iki i JOIN skp_rhk r ON r.id = i.rhk_id JOIN skps s ON s.id = i.skp_id \
                 WHERE i.id = $1",
                vec![id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("IKI", id.to_string()))?;
        Ok(IkiContext {
            iki: iki_from(&row)?,
            rhk_kind: parse(&row, "rhk_kind", "skp_rhk", id)?,
            rhk_text: row.try_get("", "rhk_text")?,
            skp_id: row.try_get("", "skp_id")?,
            nip: row.try_get("", "nip")?,
            year: row.try_get("", "year")?,
            status: parse(&row, "status", "skps", id)?,
        })
    }

    /// Records a realisation of an IKI for `period` (value, evidence, the supervisor's
    /// feedback; what is left out stays as stored) with its audit entry and events; the same
    /// again changes nothing (`false`).
    pub async fn record_iki_realisation(
        &self,
        actor: &Actor,
        iki: &IkiContext,
        period: &Period,
        change: &IkiRealisationChange,
        supervisor_nip: Option<&str>,
    ) -> Result<bool> {
        let txn = self.begin_write().await?;
        let now = self.now();
        let done = realise_iki_in(&txn, actor, iki, period, change, supervisor_nip, now).await?;
        txn.commit().await?;
        Ok(done)
    }

    /// A kept evidence file with the employee it belongs to.
    pub async fn evidence_file(&self, id: i64) -> Result<EvidenceFile> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT f.id, f.name, f.content_type, f.content, s.nip FROM evidence_files f \
                 JOIN iki_realisations r ON r.evidence_file = f.id \
                 JOIN skp_iki i ON i.id = r.iki_id JOIN skps s ON s.id = i.skp_id WHERE f.id = $1",
                vec![id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("evidence file", id.to_string()))?;
        Ok(EvidenceFile {
            id,
            name: row.try_get("", "name")?,
            content_type: row.try_get("", "content_type")?,
            content: row.try_get("", "content")?,
            nip: row.try_get("", "nip")?,
        })
    }

    /// The IKI of `nip` for `period` with their realisations, from the approved version that
    /// judged the period (the newest approved one with a realisation in it, else the newest
    /// approved), with that version; empty without an approved SKP. One query.
    pub async fn iki_performance(
        &self,
        nip: &str,
        period: &Period,
    ) -> Result<(Option<i32>, Vec<IkiPerformance>)> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT s.version, i.id, i.rhk_id, r.kind AS rhk_kind, r.text AS rhk_text, i.aspect, i.text, \
                 i.target, i.unit_of_measure, i.direction, z.value, z.evidence_url, z.evidence_file, \
                 f.name AS file_name, z.feedback, z.feedback_by \
                 FROM skps s JOIN skp_iki i ON i.skp_id = s.id JOIN skp_rhk r ON r.id = i.rhk_id \
                 LEFT JOIN iki_realisations z ON z.iki_id = i.id AND z.period = $1 \
                 LEFT JOIN evidence_files f ON f.id = z.evidence_file \
                 WHERE s.nip = $2 AND s.year = $3 AND s.status = 'approved' \
                 ORDER BY s.version, r.position, r.id, i.position, i.id",
                vec![period.to_string().into(), nip.into(), period.year().into()],
            ))
            .await?;
        let mut by_version: BTreeMap<i32, (bool, Vec<IkiPerformance>)> = BTreeMap::new();
        for row in rows {
            let version: i32 = row.try_get("", "version")?;
            let iki = iki_from(&row)?;
            let realisation: Option<f64> = row.try_get("", "value")?;
            let url: Option<String> = row.try_get("", "evidence_url")?;
            let file: Option<i64> = row.try_get("", "evidence_file")?;
            let entry = by_version.entry(version).or_default();
            entry.0 |= realisation.is_some();
            entry.1.push(IkiPerformance {
                id: iki.id,
                rhk: row.try_get("", "rhk_id")?,
                rhk_kind: parse(&row, "rhk_kind", "skp_rhk", iki.id)?,
                rhk_text: row.try_get("", "rhk_text")?,
                aspect: iki.aspect,
                capaian: realisation.and_then(|v| capaian(iki.target, v, iki.direction)),
                below_target: realisation
                    .is_some_and(|v| below_target(iki.target, v, iki.direction)),
                evidence: (url.is_some() || file.is_some()).then(|| Evidence {
                    url,
                    file,
                    file_name: row.try_get("", "file_name").ok().flatten(),
                }),
                feedback: row.try_get("", "feedback")?,
                feedback_by: row.try_get("", "feedback_by")?,
                text: iki.text,
                unit_of_measure: iki.unit_of_measure,
                direction: iki.direction,
                target: iki.target,
                realisation,
            });
        }
        let judged = by_version
            .iter()
            .rev()
            .find(|(_, (realised, _))| *realised)
            .map(|(v, _)| *v)
            .or(by_version.keys().next_back().copied());
        Ok(match judged {
            Some(v) => (
                Some(v),
                by_version.remove(&v).map(|(_, i)| i).unwrap_or_default(),
            ),
            None => (None, Vec::new()),
        })
    }

    /// Keeps the hasil kerja proposed beside an evaluation and the one decided.
    pub async fn save_proposal(
        &self,
        nip: &str,
        period: &str,
        proposed: Option<&str>,
        decided: &str,
        capaian: &serde_json::Value,
    ) -> Result<()> {
        self.db
            .execute_raw(stmt(
                self.backend(),
                "INSERT INTO hasil_kerja_proposals (nip, period, proposed, decided, capaian, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (nip, period) DO UPDATE SET \
                 proposed = excluded.proposed, decided = excluded.decided, capaian = excluded.capaian, \
                 recorded_at = excluded.recorded_at",
                vec![
                    nip.into(),
                    period.into(),
                    proposed.map(str::to_string).into(),
                    decided.into(),
                    capaian.to_string().into(),
                    self.now().into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// The proposal kept beside `nip`'s evaluation of `period`.
    pub async fn proposal(&self, nip: &str, period: &str) -> Result<Option<ProposalRecord>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT proposed, decided, capaian, recorded_at FROM hasil_kerja_proposals \
                 WHERE nip = $1 AND period = $2",
                vec![nip.into(), period.into()],
            ))
            .await?;
        row.map(|r| {
            Ok(ProposalRecord {
                proposed: r.try_get("", "proposed")?,
                decided: r.try_get("", "decided")?,
                capaian: serde_json::from_str(&r.try_get::<String>("", "capaian")?)
                    .unwrap_or(serde_json::Value::Null),
                recorded_at: r.try_get("", "recorded_at")?,
            })
        })
        .transpose()
    }

    /// The IKI of `nips` realised below target in `year`, latest period per IKI: the
    /// employees' performance gaps. One query.
    pub async fn iki_gaps(&self, nip: &str, year: i32) -> Result<Vec<(String, IkiPerformance)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT z.period, i.id, i.rhk_id, r.kind AS rhk_kind, r.text AS rhk_text, i.aspect, i.text, \
                 i.target, i.unit_of_measure, i.direction, z.value \
                 FROM skps s JOIN skp_iki i ON i.skp_id = s.id JOIN skp_rhk r ON r.id = i.rhk_id \
                 JOIN iki_realisations z ON z.iki_id = i.id \
                 WHERE s.nip = $1 AND s.year = $2 AND s.status = 'approved'",
                vec![nip.into(), year.into()],
            ))
            .await?;
        let mut latest: BTreeMap<i64, (String, IkiPerformance)> = BTreeMap::new();
        for row in rows {
            let period: String = row.try_get("", "period")?;
            let iki = iki_from(&row)?;
            let value: f64 = row.try_get("", "value")?;
            let newer = latest.get(&iki.id).is_none_or(|(p, _)| {
                Period::parse(p).map(Period::sort_key).ok()
                    < Period::parse(&period).map(Period::sort_key).ok()
            });
            if !newer {
                continue;
            }
            latest.insert(
                iki.id,
                (
                    period,
                    IkiPerformance {
                        id: iki.id,
                        rhk: row.try_get("", "rhk_id")?,
                        rhk_kind: parse(&row, "rhk_kind", "skp_rhk", iki.id)?,
                        rhk_text: row.try_get("", "rhk_text")?,
                        aspect: iki.aspect,
                        capaian: capaian(iki.target, value, iki.direction),
                        below_target: below_target(iki.target, value, iki.direction),
                        evidence: None,
                        feedback: None,
                        feedback_by: None,
                        text: iki.text,
                        unit_of_measure: iki.unit_of_measure,
                        direction: iki.direction,
                        target: iki.target,
                        realisation: Some(value),
                    },
                ),
            );
        }
        Ok(latest
            .into_values()
            .filter(|(_, p)| p.below_target)
            .collect())
    }
}

/// Writes one IKI realisation with its audit entry and events.
async fn realise_iki_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    iki: &IkiContext,
    period: &Period,
    change: &IkiRealisationChange,
    supervisor_nip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let backend = txn.get_database_backend();
    let p = period.to_string();
    let existing = txn
        .query_one_raw(stmt(
            backend,
            "SELECT value, evidence_url, evidence_file, feedback FROM iki_realisations \
             WHERE iki_id = $1 AND period = $2",
            vec![iki.iki.id.into(), p.clone().into()],
        ))
        .await?;
    let stored = |c: &str| -> Result<Option<String>> {
        Ok(match &existing {
            Some(r) => r.try_get("", c)?,
            None => None,
        })
    };
    let old_value: Option<f64> = match &existing {
        Some(r) => Some(r.try_get("", "value")?),
        None => None,
    };
    let Some(value) = change.value.or(old_value) else {
        return Err(StoreError::Invalid(vec![
            FieldError::new(
                "value",
                "is required: nothing is realised for this period yet",
            )
            .with_code("required"),
        ]));
    };
    let evidence_url = change.evidence_url.clone().or(stored("evidence_url")?);
    let feedback = change.feedback.clone().or(stored("feedback")?);
    let old_file: Option<i64> = match &existing {
        Some(r) => r.try_get("", "evidence_file")?,
        None => None,
    };
    if change.evidence_file.is_none()
        && old_value == Some(value)
        && evidence_url == stored("evidence_url")?
        && feedback == stored("feedback")?
    {
        return Ok(false);
    }
    let file = match &change.evidence_file {
        Some(f) => {
            let row = txn
                .query_one_raw(stmt(
                    backend,
                    "INSERT INTO evidence_files (name, content_type, size, sha256, content, uploaded_at, uploaded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    vec![
                        f.name.clone().into(),
                        f.content_type.clone().into(),
                        (f.content.len() as i64).into(),
                        f.sha256.clone().into(),
                        f.content.clone().into(),
                        now.into(),
                        actor.0.clone().into(),
                    ],
                ))
                .await?
                .ok_or_else(|| corrupt("evidence_files", iki.iki.id, "id returned"))?;
            Some(row.try_get::<i64>("", "id")?)
        }
        None => old_file,
    };
    let feedback_changed = change.feedback.is_some() && feedback != stored("feedback")?;
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO iki_realisations (iki_id, period, value, evidence_url, evidence_file, recorded_at, recorded_by, feedback, feedback_by, feedback_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (iki_id, period) DO UPDATE SET value = excluded.value, evidence_url = excluded.evidence_url, \
         evidence_file = excluded.evidence_file, recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by, \
         feedback = excluded.feedback, feedback_by = excluded.feedback_by, feedback_at = excluded.feedback_at",
        vec![
            iki.iki.id.into(),
            p.clone().into(),
            value.into(),
            evidence_url.clone().into(),
            file.into(),
            now.into(),
            actor.0.clone().into(),
            feedback.clone().into(),
            if feedback_changed { Some(actor.0.clone()) } else { None::<String> }
                .into(),
            if feedback_changed { Some(now) } else { None }.into(),
        ],
    ))
    .await?;
    if let Some(old) = old_file.filter(|_| file != old_file) {
        txn.execute_raw(stmt(
            backend,
            "DELETE FROM evidence_files WHERE id = $1",
            vec![old.into()],
        ))
        .await?;
    }
    audit::record(
        txn,
        actor,
        if existing.is_some() { "update" } else { "create" },
        "iki_realisation",
        &format!("{}/{}/{p}", iki.nip, iki.iki.id),
        serde_json::json!({"value": value, "evidence_url": evidence_url, "evidence_file": file, "feedback": change.feedback.is_some()}),
        now,
    )
    .await?;
    if old_value != Some(value) {
        let previous = period.previous();
        let before: Option<f64> = txn
            .query_one_raw(stmt(
                backend,
                "SELECT value FROM iki_realisations WHERE iki_id = $1 AND period = $2",
                vec![iki.iki.id.into(), previous.to_string().into()],
            ))
            .await?
            .map(|r| r.try_get("", "value"))
            .transpose()?;
        let unit: Option<String> = txn
            .query_one_raw(stmt(
                backend,
                "SELECT unit_code FROM employees WHERE nip = $1",
                vec![iki.nip.clone().into()],
            ))
            .await?
            .map(|r| r.try_get("", "unit_code"))
            .transpose()?;
        let target = iki.iki.target;
        let direction = iki.iki.direction;
        let payload = IndicatorRealised {
            scope: "iki".into(),
            indicator: None,
            iki: Some(iki.iki.id),
            nip: Some(iki.nip.clone()),
            code: format!("IKI-{}", iki.iki.id),
            name: iki.iki.text.clone(),
            unit: unit.unwrap_or_default(),
            head_nip: supervisor_nip.map(str::to_string),
            period: p.clone(),
            target,
            realisation: value,
            capaian: capaian(target, value, direction),
            below_target: below_target(target, value, direction),
            previous_below_target: before.is_some_and(|v| below_target(target, v, direction)),
            competencies: Vec::new(),
        };
        let key = format!("iki:{}:{p}:{value}", iki.iki.id);
        outbox(txn, &realised_events(payload, &key), now).await?;
    }
    Ok(true)
}

/// One IKI realisation of an approved SKP version, for a team's proposals.
#[derive(Debug, Clone, PartialEq)]
pub struct RealisedIki {
    pub nip: String,
    pub version: i32,
    pub rhk_kind: RhkKind,
    pub iki: i64,
    pub target: f64,
    pub direction: Direction,
    /// `None`: the IKI has no realisation yet (it still counts for every period).
    pub period: Option<String>,
    pub value: Option<f64>,
}

impl Store {
    /// The latest SKP version and status of each of `nips` for `year`. One query.
    pub async fn skp_statuses(
        &self,
        nips: &[String],
        year: i32,
    ) -> Result<BTreeMap<String, VersionStatus>> {
        if nips.is_empty() {
            return Ok(BTreeMap::new());
        }
        let marks: Vec<String> = (2..nips.len() + 2).map(|i| format!("${i}")).collect();
        let mut values: Vec<Value> = vec![year.into()];
        values.extend(nips.iter().map(|n| n.clone().into()));
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT id, nip, version, status FROM skps WHERE year = $1 AND nip IN ({}) ORDER BY nip, version",
                    marks.join(", ")
                ),
                values,
            ))
            .await?;
        let mut out = BTreeMap::new();
        for r in rows {
            let id: i64 = r.try_get("", "id")?;
            out.insert(
                r.try_get::<String>("", "nip")?,
                VersionStatus {
                    version: r.try_get("", "version")?,
                    status: parse(&r, "status", "skps", id)?,
                },
            );
        }
        Ok(out)
    }

    /// Every IKI of the approved SKP versions of `nips` in `year` with each realisation. One
    /// query.
    pub async fn realised_iki(&self, nips: &[String], year: i32) -> Result<Vec<RealisedIki>> {
        if nips.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (2..nips.len() + 2).map(|i| format!("${i}")).collect();
        let mut values: Vec<Value> = vec![year.into()];
        values.extend(nips.iter().map(|n| n.clone().into()));
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT s.nip, s.version, r.kind AS rhk_kind, i.id, i.target, i.direction, z.period, z.value \
                     FROM skps s JOIN skp_iki i ON i.skp_id = s.id JOIN skp_rhk r ON r.id = i.rhk_id \
                     LEFT JOIN iki_realisations z ON z.iki_id = i.id \
                     WHERE s.year = $1 AND s.status = 'approved' AND s.nip IN ({})",
                    marks.join(", ")
                ),
                values,
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("", "id")?;
                Ok(RealisedIki {
                    nip: r.try_get("", "nip")?,
                    version: r.try_get("", "version")?,
                    rhk_kind: parse(r, "rhk_kind", "skp_rhk", id)?,
                    iki: id,
                    target: r.try_get("", "target")?,
                    direction: parse(r, "direction", "skp_iki", id)?,
                    period: r.try_get("", "period")?,
                    value: r.try_get("", "value")?,
                })
            })
            .collect()
    }
}

/// One row of an IKI realisation import.
#[derive(Debug, Clone, PartialEq)]
pub struct IkiImportRow {
    /// The employee the file says the IKI is of (checked).
    pub nip: String,
    pub iki: i64,
    pub period: Period,
    pub value: f64,
    /// `None` keeps the evidence stored.
    pub evidence_url: Option<String>,
}

struct IkiFacts {
    nip: String,
    year: i32,
    status: String,
    text: String,
    target: f64,
    direction: Direction,
    unit: String,
    supervisor: Option<String>,
}

impl Store {
    /// Records imported IKI realisations set-based: the IKI, their SKPs and their stored
    /// realisations read with a few multi-row queries, each row checked (a known IKI of the
    /// NIP's approved SKP, a period of its year), then the changed rows written with multi-row
    /// upserts, audit entries and events in one transaction; the feedback stays. Refused rows
    /// come back by their position in `rows`, nothing of them written; the same file again
    /// changes nothing.
    pub async fn bulk_record_iki_realisations(
        &self,
        actor: &Actor,
        rows: &[IkiImportRow],
        dry_run: bool,
    ) -> Result<(crate::indicators::Realised, Vec<(usize, FieldError)>)> {
        use crate::db::{insert_rows, rows_per_statement};
        let txn = self.begin_bulk_write().await?;
        let backend = self.backend();
        let now = self.now();
        let mut ids: Vec<i64> = rows.iter().map(|r| r.iki).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut facts: BTreeMap<i64, IkiFacts> = BTreeMap::new();
        let mut stored: BTreeMap<(i64, String), (f64, Option<String>)> = BTreeMap::new();
        for chunk in ids.chunks(rows_per_statement(1)) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let values: Vec<Value> = chunk.iter().map(|&i| i.into()).collect();
            for r in txn
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT i.id, i.text, i.target, i.direction, s.nip, s.year, s.status, e.unit_code, e.supervisor_nip \
                         FROM skp_iki i JOIN skps s ON s.id = i.skp_id JOIN employees e ON e.nip = s.nip \
                         WHERE i.id IN ({})",
                        marks.join(", ")
                    ),
                    values.clone(),
                ))
                .await?
            {
                let id: i64 = r.try_get("", "id")?;
                facts.insert(
                    id,
                    IkiFacts {
                        nip: r.try_get("", "nip")?,
                        year: r.try_get("", "year")?,
                        status: r.try_get("", "status")?,
                        text: r.try_get("", "text")?,
                        target: r.try_get("", "target")?,
                        direction: parse(&r, "direction", "skp_iki", id)?,
                        unit: r.try_get("", "unit_code")?,
                        supervisor: r.try_get("", "supervisor_nip")?,
                    },
                );
            }
            for r in txn
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT iki_id, period, value, evidence_url FROM iki_realisations WHERE iki_id IN ({})",
                        marks.join(", ")
                    ),
                    values,
                ))
                .await?
            {
                stored.insert(
                    (r.try_get("", "iki_id")?, r.try_get("", "period")?),
                    (r.try_get("", "value")?, r.try_get("", "evidence_url")?),
                );
            }
        }
        let mut rejected = Vec::new();
        let mut done = crate::indicators::Realised::default();
        let mut upserts: Vec<Value> = Vec::new();
        let mut audits = Vec::new();
        let mut events = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let Some(f) = facts.get(&row.iki) else {
                rejected.push((
                    i,
                    FieldError::new("iki", format!("no IKI has the number {}", row.iki))
                        .with_code("unknown_iki")
                        .with_param("id", row.iki),
                ));
                continue;
            };
            if f.nip != row.nip {
                rejected.push((
                    i,
                    FieldError::new(
                        "iki",
                        format!("IKI {} is not of {}'s SKP", row.iki, row.nip),
                    )
                    .with_code("iki_other_employee")
                    .with_param("id", row.iki)
                    .with_param("nip", &row.nip),
                ));
                continue;
            }
            if f.status != SkpStatus::Approved.as_str() {
                rejected.push((
                    i,
                    FieldError::new(
                        "iki",
                        "the SKP is not approved yet: its targets are not agreed",
                    )
                    .with_code("skp_not_approved"),
                ));
                continue;
            }
            if row.period.year() != f.year {
                rejected.push((
                    i,
                    FieldError::new(
                        "period",
                        format!(
                            "{} is not a period of {}, the SKP's year",
                            row.period, f.year
                        ),
                    )
                    .with_code("due_outside_year")
                    .with_param("year", f.year),
                ));
                continue;
            }
            let p = row.period.to_string();
            let before = stored.get(&(row.iki, p.clone()));
            let evidence = row
                .evidence_url
                .clone()
                .or(before.and_then(|b| b.1.clone()));
            match before {
                Some((v, e)) if *v == row.value && *e == evidence => {
                    done.unchanged += 1;
                    continue;
                }
                Some(_) => done.updated += 1,
                None => done.created += 1,
            }
            upserts.extend([
                row.iki.into(),
                p.clone().into(),
                row.value.into(),
                evidence.clone().into(),
                now.into(),
                actor.0.clone().into(),
            ]);
            audits.push((
                if before.is_some() { "update" } else { "create" }.to_string(),
                "iki_realisation".to_string(),
                format!("{}/{}/{p}", f.nip, row.iki),
                serde_json::json!({"value": row.value, "evidence_url": evidence, "source": "import"}),
            ));
            if before.map(|b| b.0) != Some(row.value) {
                let previous = stored
                    .get(&(row.iki, row.period.previous().to_string()))
                    .map(|b| b.0);
                let payload = IndicatorRealised {
                    scope: "iki".into(),
                    indicator: None,
                    iki: Some(row.iki),
                    nip: Some(f.nip.clone()),
                    code: format!("IKI-{}", row.iki),
                    name: f.text.clone(),
                    unit: f.unit.clone(),
                    head_nip: f.supervisor.clone(),
                    period: p.clone(),
                    target: f.target,
                    realisation: row.value,
                    capaian: capaian(f.target, row.value, f.direction),
                    below_target: below_target(f.target, row.value, f.direction),
                    previous_below_target: previous
                        .is_some_and(|v| below_target(f.target, v, f.direction)),
                    competencies: Vec::new(),
                };
                let key = format!("iki:{}:{p}:{}", row.iki, row.value);
                events.extend(realised_events(payload, &key));
            }
            // A later row of the file about the next period sees this one as its previous.
            stored.insert((row.iki, p), (row.value, evidence));
        }
        if dry_run {
            return Ok((done, rejected));
        }
        insert_rows(
            &txn,
            "INSERT INTO iki_realisations (iki_id, period, value, evidence_url, recorded_at, recorded_by)",
            "ON CONFLICT (iki_id, period) DO UPDATE SET value = excluded.value, \
             evidence_url = excluded.evidence_url, recorded_at = excluded.recorded_at, \
             recorded_by = excluded.recorded_by",
            6,
            upserts,
        )
        .await?;
        crate::audit::audit_rows(&txn, actor, audits, now).await?;
        outbox(&txn, &events, now).await?;
        txn.commit().await?;
        Ok((done, rejected))
    }
}

impl Store {
    /// For the bench: an approved SKP for `year` with one main RHK and one IKI (target 100) for
    /// each of the first `employees` employees by NIP who have none, in three set-based
    /// statements. Returns every IKI of `year` as (nip, iki).
    pub async fn generate_approved_skps(
        &self,
        actor: &Actor,
        year: i32,
        employees: u64,
    ) -> Result<Vec<(String, i64)>> {
        let txn = self.begin_bulk_write().await?;
        let backend = self.backend();
        let now = self.now();
        txn.execute_raw(stmt(
            backend,
            "INSERT INTO skps (nip, year, version, approach, status, behaviour, updated_at, updated_by) \
             SELECT e.nip, $1, 1, 'kuantitatif', 'approved', '[]', $2, $3 FROM employees e \
             WHERE NOT EXISTS (SELECT 1 FROM skps s WHERE s.nip = e.nip AND s.year = $4) \
             ORDER BY e.nip LIMIT $5",
            vec![
                year.into(),
                now.into(),
                actor.0.clone().into(),
                year.into(),
                (employees as i64).into(),
            ],
        ))
        .await?;
        txn.execute_raw(stmt(
            backend,
            "INSERT INTO skp_rhk (skp_id, position, kind, text) \
             SELECT s.id, 0, 'utama', 'Layanan terselenggara sesuai standar' FROM skps s \
             WHERE s.year = $1 AND NOT EXISTS (SELECT 1 FROM skp_rhk r WHERE r.skp_id = s.id)",
            vec![year.into()],
        ))
        .await?;
        txn.execute_raw(stmt(
            backend,
            "INSERT INTO skp_iki (skp_id, rhk_id, position, aspect, text, target, unit_of_measure, direction) \
             SELECT r.skp_id, r.id, 0, 'kuantitas', 'Berkas diselesaikan', 100, 'berkas', 'higher_is_better' \
             FROM skp_rhk r JOIN skps s ON s.id = r.skp_id \
             WHERE s.year = $1 AND NOT EXISTS (SELECT 1 FROM skp_iki i WHERE i.rhk_id = r.id)",
            vec![year.into()],
        ))
        .await?;
        let rows = txn
            .query_all_raw(stmt(
                backend,
                "SELECT s.nip, i.id FROM skp_iki i JOIN skps s ON s.id = i.skp_id WHERE s.year = $1 ORDER BY i.id",
                vec![year.into()],
            ))
            .await?;
        let out = rows
            .iter()
            .map(|r| Ok((r.try_get("", "nip")?, r.try_get("", "id")?)))
            .collect::<Result<Vec<_>>>()?;
        txn.commit().await?;
        self.checkpoint(&["skps", "skp_rhk", "skp_iki"]).await?;
        Ok(out)
    }
}
