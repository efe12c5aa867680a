//! Development programs: what they develop, what they require first, their form, JP, cost and
//! provider.

#[allow(unused_imports)]
use super::*;

pub(crate) async fn load_programs<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<program::Model>,
) -> Result<Vec<Program>> {
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let mut develops = group(
        program_develop::Entity::find()
            .filter(program_develop::Column::ProgramCode.is_in(codes.clone()))
            .order_by_asc(program_develop::Column::CompetencyCode)
            .all(conn)
            .await?,
        |r| r.program_code.clone(),
    );
    let mut requires = group(
        program_require::Entity::find()
            .filter(program_require::Column::ProgramCode.is_in(codes))
            .order_by_asc(program_require::Column::CompetencyCode)
            .all(conn)
            .await?,
        |r| r.program_code.clone(),
    );
    Ok(rows
        .into_iter()
        .map(|m| Program {
            develops: develops
                .remove(&m.code)
                .unwrap_or_default()
                .into_iter()
                .map(|d| Development {
                    competency: code(d.competency_code),
                    to_level: level(d.to_level),
                })
                .collect(),
            requires: requirements(
                requires
                    .remove(&m.code)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.competency_code, r.level))
                    .collect(),
            ),
            form: m
                .form
                .parse()
                .unwrap_or(jenjang_core::kinds::ProgramForm::Kursus),
            code: code(m.code),
            title: m.title,
            jp: m.jp.max(0) as u32,
            cost_idr: m.cost_idr,
            provider: m.provider,
            capacity: m.capacity.map(|c| c.max(0) as u32),
            duration_days: m.duration_days.map(|d| d.max(0) as u32),
        })
        .collect())
}

impl Resource for Program {
    const ENTITY: &'static str = "program";
    fn key(&self) -> String {
        self.code.to_string()
    }
    fn canonical(&self) -> Self {
        let mut p = self.clone();
        p.develops.sort_by(|a, b| a.competency.cmp(&b.competency));
        p.requires.sort_by(|a, b| a.competency.cmp(&b.competency));
        p
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        let Some(m) = program::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
        else {
            return Ok(None);
        };
        Ok(load_programs(txn, vec![m]).await?.pop())
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        let refs = self
            .develops
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("develops[{i}].competency"), d.competency.as_str()))
            .chain(
                self.requires
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (format!("requires[{i}].competency"), r.competency.as_str())),
            );
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
        let mut m = program::ActiveModel {
            code: Set(key.clone()),
            title: Set(self.title.clone()),
            form: Set(self.form.as_str().to_string()),
            jp: Set(self.jp as i32),
            cost_idr: Set(self.cost_idr),
            provider: Set(self.provider.clone()),
            capacity: Set(self.capacity.map(|c| c as i32)),
            duration_days: Set(self.duration_days.map(|d| d as i32)),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            program::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            program::Entity::insert(m)
                .exec_without_returning(txn)
                .await?;
        }
        replace_children(
            txn,
            program_develop::Column::ProgramCode,
            &key,
            exists,
            self.develops
                .iter()
                .map(|d| program_develop::ActiveModel {
                    program_code: Set(key.clone()),
                    competency_code: Set(d.competency.to_string()),
                    to_level: Set(d.to_level.get() as i16),
                })
                .collect(),
        )
        .await?;
        replace_children(
            txn,
            program_require::Column::ProgramCode,
            &key,
            exists,
            self.requires
                .iter()
                .map(|r| program_require::ActiveModel {
                    program_code: Set(key.clone()),
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
    pub async fn list_programs(&self, paging: Paging, form: Option<&str>) -> Result<Page<Program>> {
        let mut q = program::Entity::find();
        if let Some(f) = form {
            q = q.filter(program::Column::Form.eq(f));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(program::Column::Code)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(load_programs(&self.db, rows).await?, total))
    }

    pub async fn get_program(&self, code: &str) -> Result<Program> {
        let m = program::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("program", code))?;
        Ok(load_programs(&self.db, vec![m]).await?.remove(0))
    }
}
