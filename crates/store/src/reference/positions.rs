//! Positions with their competency standards (required levels).

#[allow(unused_imports)]
use super::*;

pub(crate) async fn load_positions<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<position::Model>,
) -> Result<Vec<Position>> {
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let mut reqs = group(
        position_requirement::Entity::find()
            .filter(position_requirement::Column::PositionCode.is_in(codes))
            .order_by_asc(position_requirement::Column::CompetencyCode)
            .all(conn)
            .await?,
        |r| r.position_code.clone(),
    );
    Ok(rows
        .into_iter()
        .map(|m| Position {
            requirements: requirements(
                reqs.remove(&m.code)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.competency_code, r.level))
                    .collect(),
            ),
            kind: m
                .kind
                .parse()
                .unwrap_or(jenjang_core::kinds::PositionKind::Pelaksana),
            // Written only after being read as a rank.
            min_golongan: m
                .min_golongan
                .as_deref()
                .and_then(|g| jenjang_core::fit::Golongan::parse(g).ok()),
            code: code(m.code),
            name: m.name,
            unit: m.unit_code.map(code),
        })
        .collect())
}

impl Resource for Position {
    const ENTITY: &'static str = "position";
    fn key(&self) -> String {
        self.code.to_string()
    }
    fn canonical(&self) -> Self {
        let mut p = self.clone();
        p.requirements
            .sort_by(|a, b| a.competency.cmp(&b.competency));
        p
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        let Some(m) = position::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
        else {
            return Ok(None);
        };
        Ok(load_positions(txn, vec![m]).await?.pop())
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new("name", "must not be empty").with_code("required"));
        }
        if let Some(unit) = &self.unit {
            require_existing(
                txn,
                &mut problems,
                "units",
                "code",
                "unit",
                [("unit".to_string(), unit.as_str())],
            )
            .await?;
        }
        let refs = self.requirements.iter().enumerate().map(|(i, r)| {
            (
                format!("requirements[{i}].competency"),
                r.competency.as_str(),
            )
        });
        require_existing(
            txn,
            &mut problems,
            "competencies",
            "code",
            "competency",
            refs,
        )
        .await?;
        Ok(problems)
    }
    async fn write(
        &self,
        txn: &DatabaseTransaction,
        exists: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = self.code.to_string();
        let mut m = position::ActiveModel {
            code: Set(key.clone()),
            name: Set(self.name.clone()),
            kind: Set(self.kind.as_str().to_string()),
            unit_code: Set(self.unit.as_ref().map(|u| u.to_string())),
            min_golongan: Set(self.min_golongan.map(|g| g.to_string())),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            position::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            position::Entity::insert(m)
                .exec_without_returning(txn)
                .await?;
        }
        replace_children(
            txn,
            position_requirement::Column::PositionCode,
            &key,
            exists,
            self.requirements
                .iter()
                .map(|r| position_requirement::ActiveModel {
                    position_code: Set(key.clone()),
                    competency_code: Set(r.competency.to_string()),
                    level: Set(r.level.get() as i16),
                })
                .collect(),
        )
        .await?;
        // Every analysis rests on the reference data.
        crate::changes::reference_changed(txn).await
    }
}

impl Store {
    pub async fn list_positions(
        &self,
        paging: Paging,
        unit: Option<&str>,
    ) -> Result<Page<Position>> {
        let mut q = position::Entity::find();
        if let Some(u) = unit {
            q = q.filter(position::Column::UnitCode.eq(u));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(position::Column::Code)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(load_positions(&self.db, rows).await?, total))
    }

    pub async fn get_position(&self, code: &str) -> Result<Position> {
        let m = position::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("position", code))?;
        Ok(load_positions(&self.db, vec![m]).await?.remove(0))
    }
}
