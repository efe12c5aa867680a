//! Competencies with their five level descriptions and their prerequisites (no cycles).

#[allow(unused_imports)]
use super::*;

pub(crate) async fn load_competencies<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<competency::Model>,
) -> Result<Vec<Competency>> {
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let mut levels = group(
        competency_level::Entity::find()
            .filter(competency_level::Column::CompetencyCode.is_in(codes.clone()))
            .order_by_asc(competency_level::Column::Level)
            .all(conn)
            .await?,
        |r| r.competency_code.clone(),
    );
    let mut prereqs = group(
        competency_prerequisite::Entity::find()
            .filter(competency_prerequisite::Column::CompetencyCode.is_in(codes))
            .order_by_asc(competency_prerequisite::Column::ForLevel)
            .order_by_asc(competency_prerequisite::Column::RequiresCode)
            .all(conn)
            .await?,
        |r| r.competency_code.clone(),
    );
    Ok(rows
        .into_iter()
        .map(|m| Competency {
            levels: levels
                .remove(&m.code)
                .unwrap_or_default()
                .into_iter()
                .map(|l| LevelDescription {
                    level: level(l.level),
                    description: l.description,
                })
                .collect(),
            prerequisites: prereqs
                .remove(&m.code)
                .unwrap_or_default()
                .into_iter()
                .map(|p| PrerequisiteDef {
                    for_level: level(p.for_level),
                    competency: code(p.requires_code),
                    level: level(p.requires_level),
                })
                .collect(),
            kind: m
                .kind
                .parse()
                .unwrap_or(jenjang_core::kinds::CompetencyKind::Teknis),
            code: code(m.code),
            name: m.name,
            description: m.description,
        })
        .collect())
}

impl Resource for Competency {
    const ENTITY: &'static str = "competency";
    fn key(&self) -> String {
        self.code.to_string()
    }
    fn canonical(&self) -> Self {
        let mut c = self.clone();
        c.levels.sort_by_key(|l| l.level);
        c.prerequisites
            .sort_by(|a, b| (a.for_level, &a.competency).cmp(&(b.for_level, &b.competency)));
        c
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        let Some(m) = competency::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
        else {
            return Ok(None);
        };
        Ok(load_competencies(txn, vec![m]).await?.pop())
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new("name", "must not be empty").with_code("required"));
        }
        let others: Vec<(String, &str)> = self
            .prerequisites
            .iter()
            .enumerate()
            .filter(|(_, p)| p.competency != self.code)
            .map(|(i, p)| {
                (
                    format!("prerequisites[{i}].competency"),
                    p.competency.as_str(),
                )
            })
            .collect();
        require_existing(
            txn,
            &mut problems,
            "competencies",
            "code",
            "competency",
            others,
        )
        .await?;
        if !problems.is_empty() {
            return Ok(problems);
        }
        // The whole dictionary's prerequisites, with this definition in place of the stored one.
        let stored = competency_prerequisite::Entity::find()
            .filter(competency_prerequisite::Column::CompetencyCode.ne(self.code.to_string()))
            .all(txn)
            .await?;
        let mut graph: HashMap<String, Vec<Prerequisite>> = HashMap::new();
        for p in stored {
            graph
                .entry(p.competency_code)
                .or_default()
                .push(Prerequisite {
                    for_level: p.for_level as u8,
                    competency: p.requires_code,
                    level: p.requires_level as u8,
                });
        }
        graph.insert(
            self.code.to_string(),
            self.prerequisites
                .iter()
                .map(|p| Prerequisite {
                    for_level: p.for_level.get(),
                    competency: p.competency.to_string(),
                    level: p.level.get(),
                })
                .collect(),
        );
        let mut entries: Vec<(&str, &[Prerequisite])> = graph
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        entries.sort_by_key(|(k, _)| *k);
        if let Some(cycle) = find_prerequisite_cycle(entries) {
            problems.push(
                FieldError::new(
                    "prerequisites",
                    format!(
                        "these prerequisites make a cycle: {}",
                        describe_cycle(&cycle)
                    ),
                )
                .with_code("prerequisite_cycle"),
            );
        }
        Ok(problems)
    }
    async fn write(
        &self,
        txn: &DatabaseTransaction,
        exists: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = self.code.to_string();
        let mut m = competency::ActiveModel {
            code: Set(key.clone()),
            name: Set(self.name.clone()),
            kind: Set(self.kind.as_str().to_string()),
            description: Set(self.description.clone()),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            competency::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            competency::Entity::insert(m)
                .exec_without_returning(txn)
                .await?;
        }
        replace_children(
            txn,
            competency_level::Column::CompetencyCode,
            &key,
            exists,
            self.levels
                .iter()
                .map(|l| competency_level::ActiveModel {
                    competency_code: Set(key.clone()),
                    level: Set(l.level.get() as i16),
                    description: Set(l.description.clone()),
                })
                .collect(),
        )
        .await?;
        replace_children(
            txn,
            competency_prerequisite::Column::CompetencyCode,
            &key,
            exists,
            self.prerequisites
                .iter()
                .map(|p| competency_prerequisite::ActiveModel {
                    competency_code: Set(key.clone()),
                    for_level: Set(p.for_level.get() as i16),
                    requires_code: Set(p.competency.to_string()),
                    requires_level: Set(p.level.get() as i16),
                })
                .collect(),
        )
        .await?;
        // Every analysis rests on the reference data.
        crate::changes::reference_changed(txn).await
    }
}

impl Store {
    pub async fn list_competencies(
        &self,
        paging: Paging,
        kind: Option<&str>,
    ) -> Result<Page<Competency>> {
        let mut q = competency::Entity::find();
        if let Some(k) = kind {
            q = q.filter(competency::Column::Kind.eq(k));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(competency::Column::Code)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(load_competencies(&self.db, rows).await?, total))
    }

    pub async fn get_competency(&self, code: &str) -> Result<Competency> {
        let m = competency::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("competency", code))?;
        Ok(load_competencies(&self.db, vec![m]).await?.remove(0))
    }
}
