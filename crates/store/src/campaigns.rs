//! Change-adoption campaigns: the campaign, who it targets (the employees of its units' subtrees,
//! optionally only some position kinds, resolved at every read so that people who move in or out
//! are counted where they are now), stage moves with their history, activities and surveys.

use crate::db::{Page, Paging, Store, stmt};
use crate::error::{Result, StoreError, stored};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::FieldError;
use jenjang_core::adkar::{Move, Stage, midpoint, stage_move};
use jenjang_core::events::{CampaignLaunched, DomainEvent};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

/// A campaign as stored and answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub sponsor_nip: String,
    /// Target units; each includes its subtree.
    pub units: Vec<String>,
    /// Only employees in positions of these kinds (all when empty).
    pub position_kinds: Vec<String>,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    /// The share of targets to adopt, 0..1.
    pub adoption_target: f64,
    /// What counts as adopted: `reinforcement` (default) or `ability` and beyond.
    pub adopted_from: String,
    /// Whether a forward move may skip elements.
    pub allow_skips: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A campaign to create or the new state of one.
#[derive(Debug, Clone)]
pub struct CampaignInput {
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub sponsor_nip: String,
    pub units: Vec<String>,
    pub position_kinds: Vec<String>,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub adoption_target: f64,
    pub adopted_from: Stage,
    pub allow_skips: bool,
}

/// A targeted employee: NIP, unit, current stage.
#[derive(Debug, Clone)]
pub struct Target {
    pub nip: String,
    pub unit: String,
    pub stage: Option<Stage>,
}

/// A step back, with its note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resistance {
    pub nip: String,
    pub from: Option<String>,
    pub to: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub kind: String,
    pub unit: String,
    pub held_on: NaiveDate,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub attendees: Vec<String>,
    /// Attendees this activity moved to awareness (a sosialisasi).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to_awareness: Option<u64>,
}

/// A stage to record.
#[derive(Debug, Clone)]
pub struct StageInput {
    pub nip: String,
    pub stage: Stage,
    pub note: Option<String>,
}

/// What recording one stage did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageRecorded {
    pub nip: String,
    pub stage: String,
    pub previous: Option<String>,
    /// `forward`, `same` or `back`.
    #[serde(rename = "move")]
    pub movement: String,
    pub resistance: bool,
}

/// ADKAR survey scores 1..5 per element, for an employee or a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Survey {
    pub nip: Option<String>,
    pub unit: Option<String>,
    pub scores: [i16; 5],
    pub surveyed_on: NaiveDate,
}

const CAMPAIGN_COLUMNS: &str = "code, title, description, sponsor_nip, starts, ends, adoption_target, adopted_from, \
    allow_skips, position_kinds, created_at, updated_at";

fn campaign_from(r: &QueryResult, units: Vec<String>) -> Result<Campaign> {
    Ok(Campaign {
        code: r.try_get("", "code")?,
        title: r.try_get("", "title")?,
        description: r.try_get("", "description")?,
        sponsor_nip: r.try_get("", "sponsor_nip")?,
        units,
        position_kinds: serde_json::from_str(&r.try_get::<String>("", "position_kinds")?)
            .unwrap_or_default(),
        starts: r.try_get("", "starts")?,
        ends: r.try_get("", "ends")?,
        adoption_target: r.try_get("", "adoption_target")?,
        adopted_from: r.try_get("", "adopted_from")?,
        allow_skips: r.try_get("", "allow_skips")?,
        created_at: r.try_get("", "created_at")?,
        updated_at: r.try_get("", "updated_at")?,
    })
}

fn list(n: usize, from: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The targets of a campaign, with their current stage (one query).
pub async fn targets<C: ConnectionTrait>(conn: &C, c: &Campaign) -> Result<Vec<Target>> {
    let mut values: Vec<Value> = vec![c.code.clone().into(), c.code.clone().into()];
    let kinds = if c.position_kinds.is_empty() {
        String::new()
    } else {
        let from = values.len() + 1;
        values.extend(c.position_kinds.iter().map(|k| k.clone().into()));
        format!(
            " AND e.position_code IN (SELECT code FROM positions WHERE kind IN ({}))",
            list(c.position_kinds.len(), from)
        )
    };
    let sql = format!(
        "WITH RECURSIVE sub(code) AS (SELECT unit_code FROM campaign_units WHERE campaign_code = $1 \
           UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code) \
         SELECT e.nip, e.unit_code, s.stage FROM employees e \
         LEFT JOIN campaign_stages s ON s.campaign_code = $2 AND s.nip = e.nip \
         WHERE e.unit_code IN (SELECT code FROM sub){kinds} ORDER BY e.unit_code, e.nip"
    );
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Target {
                nip: r.try_get("", "nip")?,
                unit: r.try_get("", "unit_code")?,
                stage: r
                    .try_get::<Option<String>>("", "stage")?
                    .and_then(|s| s.parse().ok()),
            })
        })
        .collect()
}

/// Loads a campaign inside a transaction or on the pool.
pub async fn campaign<C: ConnectionTrait>(conn: &C, code: &str) -> Result<Campaign> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(stmt(
            backend,
            &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE code = $1"),
            vec![code.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::not_found("campaign", code))?;
    let units = conn
        .query_all_raw(stmt(
            backend,
            "SELECT unit_code FROM campaign_units WHERE campaign_code = $1 ORDER BY unit_code",
            vec![code.into()],
        ))
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "unit_code"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    campaign_from(&row, units)
}

/// The `campaign.launched` events of a campaign: one per unit with targets and a head (the
/// subject), keyed so that a unit gets its outreach once even when the campaign is updated.
async fn launch_events(txn: &DatabaseTransaction, c: &Campaign, now: DateTime<Utc>) -> Result<()> {
    let targets = targets(txn, c).await?;
    let mut units: Vec<&str> = targets.iter().map(|t| t.unit.as_str()).collect();
    units.sort_unstable();
    units.dedup();
    if units.is_empty() {
        return Ok(());
    }
    let rows = txn
        .query_all_raw(stmt(
            txn.get_database_backend(),
            &format!(
                "SELECT code, name, head_nip FROM units WHERE code IN ({}) AND head_nip IS NOT NULL",
                list(units.len(), 1)
            ),
            units.iter().map(|u| (*u).into()).collect(),
        ))
        .await?;
    let mid = midpoint(c.starts, c.ends);
    let mut events = Vec::new();
    for r in &rows {
        let unit: String = r.try_get("", "code")?;
        let name: String = r.try_get("", "name")?;
        let head: String = r.try_get("", "head_nip")?;
        let n = targets.iter().filter(|t| t.unit == unit).count();
        let dedup_key = format!("campaign:{}:launched:{unit}", c.code);
        events.push(Event {
            event: DomainEvent::CampaignLaunched(CampaignLaunched {
                campaign: c.code.clone(),
                title: c.title.clone(),
                unit,
                unit_name: name,
                head_nip: head,
                targets: n as u64,
                sponsor_nip: c.sponsor_nip.clone(),
                starts: c.starts,
                ends: c.ends,
                midpoint: mid,
                adoption_target: c.adoption_target,
            }),
            dedup_key,
        });
    }
    outbox(txn, &events, now).await
}

impl Store {
    /// Creates (launches) a campaign: its outreach starts for every unit it targets.
    pub async fn create_campaign(&self, actor: &Actor, input: &CampaignInput) -> Result<Campaign> {
        let txn = self.begin_write().await?;
        let exists = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT code FROM campaigns WHERE code = $1",
                vec![input.code.clone().into()],
            ))
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a campaign with the code {} exists",
                input.code
            )));
        }
        check_references(&txn, input).await?;
        let now = self.now();
        txn.execute_raw(stmt(
            self.backend(),
            &format!("INSERT INTO campaigns ({CAMPAIGN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
            vec![
                input.code.clone().into(),
                input.title.clone().into(),
                input.description.clone().into(),
                input.sponsor_nip.clone().into(),
                input.starts.into(),
                input.ends.into(),
                input.adoption_target.into(),
                input.adopted_from.as_str().into(),
                input.allow_skips.into(),
                serde_json::to_string(&input.position_kinds).unwrap_or_default().into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
        write_units(&txn, &input.code, &input.units).await?;
        let c = campaign(&txn, &input.code).await?;
        launch_events(&txn, &c, self.now()).await?;
        audit::record(
            &txn,
            actor,
            "create",
            "campaign",
            &c.code,
            serde_json::to_value(&c).unwrap_or_default(),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(c)
    }

    /// Updates a campaign; units newly targeted get their outreach.
    pub async fn update_campaign(&self, actor: &Actor, input: &CampaignInput) -> Result<Campaign> {
        let txn = self.begin_write().await?;
        let before = campaign(&txn, &input.code).await?;
        check_references(&txn, input).await?;
        txn.execute_raw(stmt(
            self.backend(),
            "UPDATE campaigns SET title = $1, description = $2, sponsor_nip = $3, starts = $4, ends = $5, \
             adoption_target = $6, adopted_from = $7, allow_skips = $8, position_kinds = $9, updated_at = $10 WHERE code = $11",
            vec![
                input.title.clone().into(),
                input.description.clone().into(),
                input.sponsor_nip.clone().into(),
                input.starts.into(),
                input.ends.into(),
                input.adoption_target.into(),
                input.adopted_from.as_str().into(),
                input.allow_skips.into(),
                serde_json::to_string(&input.position_kinds).unwrap_or_default().into(),
                self.now().into(),
                input.code.clone().into(),
            ],
        ))
        .await?;
        txn.execute_raw(stmt(
            self.backend(),
            "DELETE FROM campaign_units WHERE campaign_code = $1",
            vec![input.code.clone().into()],
        ))
        .await?;
        write_units(&txn, &input.code, &input.units).await?;
        let c = campaign(&txn, &input.code).await?;
        launch_events(&txn, &c, self.now()).await?;
        audit::record(
            &txn,
            actor,
            "update",
            "campaign",
            &c.code,
            serde_json::json!({"before": before, "after": c}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(c)
    }

    pub async fn get_campaign(&self, code: &str) -> Result<Campaign> {
        campaign(&self.db, code).await
    }

    pub async fn list_campaigns(&self, paging: Paging) -> Result<Page<Campaign>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY starts DESC, code LIMIT {} OFFSET {}",
                    paging.limit, paging.offset
                ),
                vec![],
            ))
            .await?;
        let total = self
            .count_raw("SELECT COUNT(*) AS n FROM campaigns")
            .await? as u64;
        let units = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT campaign_code, unit_code FROM campaign_units ORDER BY unit_code",
                vec![],
            ))
            .await?;
        let mut by_campaign: HashMap<String, Vec<String>> = HashMap::new();
        for r in &units {
            by_campaign
                .entry(r.try_get("", "campaign_code")?)
                .or_default()
                .push(r.try_get("", "unit_code")?);
        }
        let items = rows
            .iter()
            .map(|r| {
                let code: String = r.try_get("", "code")?;
                campaign_from(r, by_campaign.remove(&code).unwrap_or_default())
            })
            .collect::<Result<_>>()?;
        Ok(paging.page(items, total))
    }

    pub async fn campaign_targets(&self, c: &Campaign) -> Result<Vec<Target>> {
        targets(&self.db, c).await
    }

    /// Records stages, each checked against the employee's current one (steps back need a note
    /// and are resistance; skips only where the campaign allows). Valid ones are written in one
    /// transaction; the problems of the others are returned by input index. With `dry_run`
    /// nothing is written.
    pub async fn record_stages(
        &self,
        actor: &Actor,
        code: &str,
        inputs: &[StageInput],
        source: &str,
        dry_run: bool,
    ) -> Result<(Vec<StageRecorded>, Vec<(usize, FieldError)>)> {
        let txn = self.begin_write().await?;
        let (done, rejected) =
            record_stages_in(&txn, actor, code, inputs, source, dry_run, self.now()).await?;
        if !dry_run {
            txn.commit().await?;
        }
        Ok((done, rejected))
    }

    /// Records an activity; a sosialisasi moves attendees who have no stage yet to awareness.
    /// The same activity sent again (same kind, unit, day, title and attendees) is not doubled.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_activity(
        &self,
        actor: &Actor,
        code: &str,
        kind: jenjang_core::adkar::ActivityKind,
        unit: &str,
        held_on: NaiveDate,
        title: Option<&str>,
        notes: Option<&str>,
        attendees: &[String],
    ) -> Result<(Activity, bool)> {
        let txn = self.begin_write().await?;
        let c = campaign(&txn, code).await?;
        let mut problems = Vec::new();
        crate::reference::require_existing(
            &txn,
            &mut problems,
            "units",
            "code",
            "unit",
            [("unit".to_string(), unit)],
        )
        .await?;
        crate::reference::require_existing(
            &txn,
            &mut problems,
            "employees",
            "nip",
            "employee",
            attendees
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("attendees[{i}]"), n.as_str())),
        )
        .await?;
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let mut sorted = attendees.to_vec();
        sorted.sort();
        sorted.dedup();
        let dedup = format!(
            "{code}:{}:{unit}:{held_on}:{}:{:x}",
            kind.as_str(),
            title.unwrap_or(""),
            fnv(&sorted.join(","))
        );
        let now = self.now();
        let inserted = txn
            .query_one_raw(stmt(
                self.backend(),
                "INSERT INTO campaign_activities (campaign_code, kind, unit_code, held_on, title, notes, attendees, dedup_key, created_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                vec![
                    code.into(),
                    kind.as_str().into(),
                    unit.into(),
                    held_on.into(),
                    title.map(str::to_string).into(),
                    notes.map(str::to_string).into(),
                    serde_json::to_string(&sorted).unwrap_or_default().into(),
                    dedup.clone().into(),
                    now.into(),
                    actor.0.clone().into(),
                ],
            ))
            .await?;
        let Some(row) = inserted else {
            let existing = self
                .activities_where(&txn, "dedup_key = $1", vec![dedup.into()])
                .await?;
            let a = existing
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Conflict("the activity could not be stored".into()))?;
            return Ok((a, false));
        };
        let id: i64 = row.try_get("", "id")?;
        let mut moved = None;
        if kind == jenjang_core::adkar::ActivityKind::Sosialisasi {
            let current: HashMap<String, Option<Stage>> = targets(&txn, &c)
                .await?
                .into_iter()
                .map(|t| (t.nip, t.stage))
                .collect();
            let mut n = 0;
            for nip in &sorted {
                if let Some(None) = current.get(nip) {
                    write_move(
                        &txn,
                        actor,
                        code,
                        nip,
                        None,
                        Stage::Awareness,
                        false,
                        None,
                        &format!("activity:{id}"),
                        now,
                    )
                    .await?;
                    n += 1;
                }
            }
            moved = Some(n);
        }
        audit::record(
            &txn,
            actor,
            "add_activity",
            "campaign",
            code,
            serde_json::json!({"id": id, "kind": kind, "unit": unit, "attendees": sorted.len()}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok((
            Activity {
                id,
                kind: kind.as_str().into(),
                unit: unit.into(),
                held_on,
                title: title.map(str::to_string),
                notes: notes.map(str::to_string),
                attendees: sorted,
                moved_to_awareness: moved,
            },
            true,
        ))
    }

    async fn activities_where<C: ConnectionTrait>(
        &self,
        conn: &C,
        filter: &str,
        values: Vec<Value>,
    ) -> Result<Vec<Activity>> {
        let rows = conn
            .query_all_raw(stmt(
                self.backend(),
                &format!("SELECT id, kind, unit_code, held_on, title, notes, attendees FROM campaign_activities WHERE {filter} ORDER BY held_on, id"),
                values,
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Activity {
                    id: r.try_get("", "id")?,
                    kind: r.try_get("", "kind")?,
                    unit: r.try_get("", "unit_code")?,
                    held_on: r.try_get("", "held_on")?,
                    title: r.try_get("", "title")?,
                    notes: r.try_get("", "notes")?,
                    attendees: serde_json::from_str(&r.try_get::<String>("", "attendees")?)
                        .unwrap_or_default(),
                    moved_to_awareness: None,
                })
            })
            .collect()
    }

    pub async fn campaign_activities(&self, code: &str) -> Result<Vec<Activity>> {
        self.activities_where(&self.db, "campaign_code = $1", vec![code.into()])
            .await
    }

    /// Every step back of a campaign, newest first.
    pub async fn campaign_resistance(&self, code: &str) -> Result<Vec<Resistance>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT nip, from_stage, to_stage, note, at FROM campaign_stage_moves \
                 WHERE campaign_code = $1 AND resistance = $2 ORDER BY at DESC, id DESC",
                vec![code.into(), true.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Resistance {
                    nip: r.try_get("", "nip")?,
                    from: r.try_get("", "from_stage")?,
                    to: r.try_get("", "to_stage")?,
                    note: r.try_get("", "note")?,
                    at: r.try_get("", "at")?,
                })
            })
            .collect()
    }

    pub async fn add_campaign_survey(
        &self,
        actor: &Actor,
        code: &str,
        survey: &Survey,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        campaign(&txn, code).await?;
        let mut problems = Vec::new();
        if let Some(n) = &survey.nip {
            crate::reference::require_existing(
                &txn,
                &mut problems,
                "employees",
                "nip",
                "employee",
                [("nip".to_string(), n.as_str())],
            )
            .await?;
        }
        if let Some(u) = &survey.unit {
            crate::reference::require_existing(
                &txn,
                &mut problems,
                "units",
                "code",
                "unit",
                [("unit".to_string(), u.as_str())],
            )
            .await?;
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let mut values: Vec<Value> = vec![
            code.into(),
            survey.nip.clone().into(),
            survey.unit.clone().into(),
        ];
        values.extend(survey.scores.iter().map(|s| (*s).into()));
        values.push(survey.surveyed_on.into());
        values.push(self.now().into());
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO campaign_surveys (campaign_code, nip, unit_code, awareness, desire, knowledge, ability, reinforcement, surveyed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            values,
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "add_survey",
            "campaign",
            code,
            serde_json::to_value(survey).unwrap_or_default(),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Survey averages per element and how many surveys there were.
    pub async fn campaign_survey_averages(&self, code: &str) -> Result<(u64, [f64; 5])> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COUNT(*) AS n, AVG(awareness * 1.0) AS a, AVG(desire * 1.0) AS d, AVG(knowledge * 1.0) AS k, \
                 AVG(ability * 1.0) AS ab, AVG(reinforcement * 1.0) AS r FROM campaign_surveys WHERE campaign_code = $1",
                vec![code.into()],
            ))
            .await?;
        let Some(r) = row else {
            return Ok((0, [0.0; 5]));
        };
        let n: i64 = r.try_get("", "n")?;
        let avg = |c: &str| -> f64 {
            r.try_get::<Option<f64>>("", c)
                .ok()
                .flatten()
                .or_else(|| {
                    r.try_get::<Option<sea_orm::prelude::Decimal>>("", c)
                        .ok()
                        .flatten()
                        .and_then(|d| d.to_string().parse().ok())
                })
                .unwrap_or(0.0)
        };
        Ok((
            n as u64,
            [avg("a"), avg("d"), avg("k"), avg("ab"), avg("r")],
        ))
    }
}

async fn check_references(txn: &DatabaseTransaction, input: &CampaignInput) -> Result<()> {
    let mut problems = Vec::new();
    crate::reference::require_existing(
        txn,
        &mut problems,
        "employees",
        "nip",
        "employee",
        [("sponsor_nip".to_string(), input.sponsor_nip.as_str())],
    )
    .await?;
    crate::reference::require_existing(
        txn,
        &mut problems,
        "units",
        "code",
        "unit",
        input
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("units[{i}]"), u.as_str())),
    )
    .await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}

async fn write_units(txn: &DatabaseTransaction, code: &str, units: &[String]) -> Result<()> {
    for u in units {
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "INSERT INTO campaign_units (campaign_code, unit_code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            vec![code.into(), u.clone().into()],
        ))
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn write_move(
    txn: &DatabaseTransaction,
    actor: &Actor,
    code: &str,
    nip: &str,
    from: Option<Stage>,
    to: Stage,
    resistance: bool,
    note: Option<&str>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = txn.get_database_backend();
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO campaign_stages (campaign_code, nip, stage, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (campaign_code, nip) DO UPDATE SET stage = excluded.stage, updated_at = excluded.updated_at",
        vec![code.into(), nip.into(), to.as_str().into(), now.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO campaign_stage_moves (campaign_code, nip, from_stage, to_stage, resistance, note, source, at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            code.into(),
            nip.into(),
            from.map(|s| s.as_str().to_string()).into(),
            to.as_str().into(),
            resistance.into(),
            note.map(str::to_string).into(),
            source.into(),
            now.into(),
            actor.0.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A short stable hash (FNV-1a) for dedup keys.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A unit's adoption in a campaign, for the outreach workflow: `{campaign, unit, targets,
/// adopted, share, adoption_target, expected_share, below_target, barrier, remedy}`.
pub async fn unit_progress<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    unit: &str,
    today: NaiveDate,
) -> Result<serde_json::Value> {
    let c = campaign(conn, code).await?;
    let adopted_from: Stage = stored("campaigns", &c.code, &c.adopted_from)?;
    let stages = targets(conn, &c)
        .await?
        .into_iter()
        .filter(|t| t.unit == unit)
        .map(|t| t.stage);
    let s = jenjang_core::adkar::summarise(stages, adopted_from, c.adoption_target);
    let elapsed = jenjang_core::adkar::elapsed_fraction(c.starts, c.ends, today);
    Ok(serde_json::json!({
        "campaign": c.code,
        "title": c.title,
        "unit": unit,
        "targets": s.targets,
        "adopted": s.adopted,
        "share": s.share,
        "adoption_target": c.adoption_target,
        "expected_share": c.adoption_target * elapsed,
        "below_target": !jenjang_core::adkar::on_track(s.share, c.adoption_target, elapsed),
        "barrier": s.barrier.map(|b| b.as_str()),
        "remedy": s.barrier.map(|b| b.remedy().as_str()),
    }))
}

/// [`Store::record_stages`] inside the caller's transaction (the workflow engine's).
pub async fn record_stages_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    code: &str,
    inputs: &[StageInput],
    source: &str,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<StageRecorded>, Vec<(usize, FieldError)>)> {
    let c = campaign(txn, code).await?;
    let current: HashMap<String, Option<Stage>> = targets(txn, &c)
        .await?
        .into_iter()
        .map(|t| (t.nip, t.stage))
        .collect();
    let mut state = current.clone();
    let mut done = Vec::new();
    let mut rejected = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let Some(from) = state.get(&input.nip).copied() else {
            rejected.push((
                i,
                FieldError::new(
                    "nip",
                    format!("{} is not targeted by campaign {code}", input.nip),
                ),
            ));
            continue;
        };
        match stage_move(from, input.stage, input.note.as_deref(), c.allow_skips) {
            Err(e) => rejected.push((
                i,
                FieldError::new(
                    if matches!(e, jenjang_core::adkar::StageError::BackWithoutNote { .. }) {
                        "note"
                    } else {
                        "stage"
                    },
                    e.to_string(),
                ),
            )),
            Ok(m) => {
                let (movement, resistance) = match m {
                    Move::Forward { .. } => ("forward", false),
                    Move::Same => ("same", false),
                    Move::Back => ("back", true),
                };
                state.insert(input.nip.clone(), Some(input.stage));
                if !dry_run && m != Move::Same {
                    write_move(
                        txn,
                        actor,
                        code,
                        &input.nip,
                        from,
                        input.stage,
                        resistance,
                        input.note.as_deref(),
                        source,
                        now,
                    )
                    .await?;
                }
                done.push(StageRecorded {
                    nip: input.nip.clone(),
                    stage: input.stage.as_str().into(),
                    previous: from.map(|s| s.as_str().to_string()),
                    movement: movement.into(),
                    resistance,
                });
            }
        }
    }
    if !dry_run && done.iter().any(|d| d.movement != "same") {
        audit::record(
            txn,
            actor,
            "record_stages",
            "campaign",
            code,
            serde_json::json!({"stages": done.iter().filter(|d| d.movement != "same").count(), "source": source}), now,
        )
        .await?;
    }
    Ok((done, rejected))
}
