//! Organisational needs: a unit subtree (optionally one position kind) must reach a competency
//! level for a share of its employees by a date. They feed gap analysis (source `org_need:<id>`).

use crate::db::{Paging, Store};
use crate::entity::org_need;
use crate::error::{Result, StoreError};
use crate::reference::require_existing;
use crate::{Actor, Page, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::kinds::PositionKind;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrgNeedRecord {
    pub id: i64,
    pub unit: String,
    pub competency: String,
    pub level: u8,
    /// Share of eligible employees (0..1) who should hold the level by `due`.
    pub target_share: f64,
    pub position_kind: Option<PositionKind>,
    pub due: NaiveDate,
    /// 1 (low) to 5 (high); weighs the gap in training plans.
    pub priority: u32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A need to record (already valid in shape).
#[derive(Debug, Clone, Serialize)]
pub struct NewOrgNeed {
    pub unit: String,
    pub competency: String,
    pub level: u8,
    pub target_share: f64,
    pub position_kind: Option<PositionKind>,
    pub due: NaiveDate,
    pub priority: u32,
}

fn from_model(m: org_need::Model) -> OrgNeedRecord {
    OrgNeedRecord {
        id: m.id,
        unit: m.unit_code,
        competency: m.competency_code,
        level: m.level.clamp(1, 5) as u8,
        target_share: m.target_share,
        position_kind: m.position_kind.and_then(|k| k.parse().ok()),
        due: m.due,
        priority: m.priority.max(1) as u32,
        created_at: m.created_at,
        created_by: m.created_by,
    }
}

impl Store {
    pub async fn create_org_need(&self, actor: &Actor, need: NewOrgNeed) -> Result<OrgNeedRecord> {
        let txn = self.begin_write().await?;
        let mut problems = Vec::new();
        require_existing(
            &txn,
            &mut problems,
            "units",
            "code",
            "unit",
            [("unit".to_string(), need.unit.as_str())],
        )
        .await?;
        require_existing(
            &txn,
            &mut problems,
            "competencies",
            "code",
            "competency",
            [("competency".to_string(), need.competency.as_str())],
        )
        .await?;
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let m = org_need::Entity::insert(org_need::ActiveModel {
            unit_code: Set(need.unit.clone()),
            competency_code: Set(need.competency.clone()),
            level: Set(need.level as i16),
            target_share: Set(need.target_share),
            position_kind: Set(need.position_kind.map(|k| k.as_str().to_string())),
            due: Set(need.due),
            priority: Set(need.priority as i16),
            created_at: Set(self.now()),
            created_by: Set(actor.0.clone()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            "create",
            "org_need",
            &m.id.to_string(),
            serde_json::json!({"after": need}),
            self.now(),
        )
        .await?;
        crate::changes::reference_changed(&txn).await?;
        txn.commit().await?;
        Ok(from_model(m))
    }

    pub async fn get_org_need(&self, id: i64) -> Result<OrgNeedRecord> {
        org_need::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(from_model)
            .ok_or_else(|| StoreError::not_found("org need", id.to_string()))
    }

    /// Needs ordered by id; optionally those of one unit.
    pub async fn list_org_needs(
        &self,
        paging: Paging,
        unit: Option<&str>,
    ) -> Result<Page<OrgNeedRecord>> {
        let mut q = org_need::Entity::find();
        if let Some(u) = unit {
            q = q.filter(org_need::Column::UnitCode.eq(u));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(org_need::Column::Id)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(rows.into_iter().map(from_model).collect(), total))
    }

    /// Every organisational need, oldest first.
    pub async fn list_org_needs_all(&self) -> Result<Vec<OrgNeedRecord>> {
        Ok(org_need::Entity::find()
            .order_by_asc(org_need::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_model)
            .collect())
    }
}
