//! Change-adoption campaigns: the campaign, who it targets (the employees of its units' subtrees,
//! optionally only some position kinds, resolved at every read so that people who move in or out
//! are counted where they are now), stage moves with their history, activities and surveys.

use crate::db::{Page, Paging, Store, stmt};
use crate::error::{Result, StoreError, stored, stored_json};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::FieldError;
use jenjang_core::adkar::{Move, Stage, midpoint, stage_move};
use jenjang_core::events::{CampaignLaunched, DomainEvent};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

mod activities;
mod stages;
pub use stages::*;

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
    pub adopted_from: Stage,
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
    let code: String = r.try_get("", "code")?;
    Ok(Campaign {
        position_kinds: stored_json(
            "campaigns",
            &code,
            &r.try_get::<String>("", "position_kinds")?,
        )?,
        adopted_from: stored(
            "campaigns",
            &code,
            &r.try_get::<String>("", "adopted_from")?,
        )?,
        code,
        title: r.try_get("", "title")?,
        description: r.try_get("", "description")?,
        sponsor_nip: r.try_get("", "sponsor_nip")?,
        units,
        starts: r.try_get("", "starts")?,
        ends: r.try_get("", "ends")?,
        adoption_target: r.try_get("", "adoption_target")?,
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
