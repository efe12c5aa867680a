//! Citizen satisfaction surveys (IKM) per unit and period: the answers as received and the
//! index computed by `jenjang_core::ikm`. Recording a period again replaces it (audited).

use crate::db::{Store, stmt};
use crate::error::Result;
use crate::{Actor, Page, Paging, audit};
use chrono::{DateTime, Utc};
use jenjang_core::ikm::{Ikm, Weighting};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IkmRecord {
    pub unit: String,
    pub period: String,
    pub respondents: u32,
    pub index: f64,
    pub category: String,
    pub weighting: String,
    pub element_averages: Vec<f64>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

fn from_row(r: &QueryResult) -> Result<IkmRecord> {
    Ok(IkmRecord {
        unit: r.try_get("", "unit_code")?,
        period: r.try_get("", "period")?,
        respondents: r.try_get::<i32>("", "respondents")?.max(0) as u32,
        index: r.try_get("", "index_value")?,
        category: r.try_get("", "category")?,
        weighting: r.try_get("", "weighting")?,
        element_averages: serde_json::from_str(&r.try_get::<String>("", "element_averages")?)
            .unwrap_or_default(),
        recorded_at: r.try_get("", "recorded_at")?,
        recorded_by: r.try_get("", "recorded_by")?,
    })
}

const COLUMNS: &str = "unit_code, period, respondents, index_value, category, weighting, element_averages, responses, recorded_at, recorded_by";

/// What recording a survey did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IkmSaved {
    Created,
    Replaced,
    Unchanged,
}

impl Store {
    /// Records the survey of `unit` for `period`; the same answers again change nothing.
    pub async fn save_ikm(
        &self,
        actor: &Actor,
        unit: &str,
        period: &str,
        responses: &serde_json::Value,
        result: &Ikm,
        weighting: Weighting,
    ) -> Result<IkmSaved> {
        let unit_row = self.get_unit(unit).await?;
        let txn = self.begin_write().await?;
        let existing = txn
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {COLUMNS} FROM ikm_surveys WHERE unit_code = $1 AND period = $2"),
                vec![unit.into(), period.into()],
            ))
            .await?;
        let weighting_text = serde_json::to_value(weighting)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if let Some(row) = &existing {
            let stored: String = row.try_get("", "responses")?;
            let stored_weighting: String = row.try_get("", "weighting")?;
            if serde_json::from_str::<serde_json::Value>(&stored)
                .ok()
                .as_ref()
                == Some(responses)
                && stored_weighting == weighting_text
            {
                return Ok(IkmSaved::Unchanged);
            }
        }
        let values = vec![
            unit.into(),
            period.into(),
            (result.respondents as i32).into(),
            result.index.into(),
            result.category.to_string().into(),
            weighting_text.clone().into(),
            serde_json::to_string(&result.element_averages)
                .unwrap_or_default()
                .into(),
            responses.to_string().into(),
            self.now().into(),
            actor.0.clone().into(),
        ];
        let sql = format!(
            "INSERT INTO ikm_surveys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (unit_code, period) DO UPDATE SET respondents = excluded.respondents, \
             index_value = excluded.index_value, category = excluded.category, weighting = excluded.weighting, \
             element_averages = excluded.element_averages, responses = excluded.responses, \
             recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by"
        );
        txn.execute_raw(stmt(self.backend(), &sql, values)).await?;
        let action = if existing.is_some() {
            "update"
        } else {
            "create"
        };
        audit::record(
            &txn,
            actor,
            action,
            "ikm",
            &format!("{unit}/{period}"),
            serde_json::json!({"respondents": result.respondents, "index": result.index, "category": result.category.to_string()}), self.now(),
        )
        .await?;
        // The unit's `ikm` indicators take the index as the period's realisation, and the
        // engine hears of it.
        if let Ok(p) = jenjang_core::period::Period::parse(period) {
            crate::indicators::realise_ikm(&txn, actor, unit, &p, result.index, self.now()).await?;
        }
        let event = jenjang_core::events::IkmRecorded {
            unit: unit.to_string(),
            unit_name: unit_row.name.clone(),
            head_nip: unit_row.head_nip.as_ref().map(|n| n.to_string()),
            period: period.to_string(),
            index: result.index,
            category: result.category.to_string(),
            respondents: result.respondents as i64,
        };
        crate::outbox::outbox(
            &txn,
            &[crate::outbox::Event {
                dedup_key: format!(
                    "ikm:{unit}:{period}:{}:{}",
                    result.index, result.respondents
                ),
                event: jenjang_core::events::DomainEvent::IkmRecorded(event),
            }],
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(if existing.is_some() {
            IkmSaved::Replaced
        } else {
            IkmSaved::Created
        })
    }

    /// A unit's surveys, by period.
    pub async fn list_ikm(&self, unit: &str, paging: Paging) -> Result<Page<IkmRecord>> {
        self.get_unit(unit).await?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!("SELECT {COLUMNS} FROM ikm_surveys WHERE unit_code = $1 ORDER BY period"),
                vec![unit.into()],
            ))
            .await?;
        let all = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        let total = all.len() as u64;
        Ok(paging.page(
            all.into_iter()
                .skip(paging.offset as usize)
                .take(paging.limit as usize)
                .collect(),
            total,
        ))
    }
}
