//! Units: the tree of the organisation (a unit's parent must exist and no unit may be its own
//! ancestor), their heads, and the lists.

#[allow(unused_imports)]
use super::*;

pub(crate) fn unit_from(m: unit::Model) -> Unit {
    Unit {
        code: code(m.code),
        name: m.name,
        parent: m.parent_code.map(code),
        head_nip: m.head_nip.map(Nip::from_stored),
    }
}

/// The keys on the chain from `start` up through `parent` links in `table` (`start` included;
/// empty when `start` does not exist). Unit trees and supervisor chains both walk up this way.
pub(crate) async fn chain_up<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    key: &str,
    parent: &str,
    start: &str,
) -> Result<Vec<String>> {
    let sql = format!(
        "WITH RECURSIVE up(k, p) AS (SELECT {key}, {parent} FROM {table} WHERE {key} = $1 \
         UNION SELECT t.{key}, t.{parent} FROM {table} t JOIN up ON t.{key} = up.p) SELECT k FROM up"
    );
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, vec![start.into()]))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "k").map_err(StoreError::from))
        .collect()
}

impl Resource for Unit {
    const ENTITY: &'static str = "unit";
    fn key(&self) -> String {
        self.code.to_string()
    }
    fn canonical(&self) -> Self {
        self.clone()
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        Ok(unit::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
            .map(unit_from))
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new("name", "must not be empty").with_code("required"));
        }
        if let Some(parent) = &self.parent {
            if parent == &self.code {
                problems.push(
                    FieldError::new("parent", "a unit cannot be its own parent")
                        .with_code("own_parent"),
                );
            } else if unit::Entity::find_by_id(parent.to_string())
                .one(txn)
                .await?
                .is_none()
            {
                problems.push(
                    FieldError::new("parent", format!("no unit has the code {parent}"))
                        .with_code("unknown_unit")
                        .with_param("code", parent),
                );
            } else if chain_up(txn, "units", "code", "parent_code", parent.as_str())
                .await?
                .iter()
                .any(|c| c == self.code.as_str())
            {
                problems.push(
                    FieldError::new(
                        "parent",
                        format!(
                            "{parent} lies below {} in the unit tree; that would make a cycle",
                            self.code
                        ),
                    )
                    .with_code("unit_cycle")
                    .with_param("code", parent),
                );
            }
        }
        if let Some(head) = &self.head_nip {
            require_existing(
                txn,
                &mut problems,
                "employees",
                "nip",
                "employee",
                [("head_nip".to_string(), head.as_str())],
            )
            .await?;
        }
        Ok(problems)
    }
    async fn write(
        &self,
        txn: &DatabaseTransaction,
        exists: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut m = unit::ActiveModel {
            code: Set(self.code.to_string()),
            name: Set(self.name.clone()),
            parent_code: Set(self.parent.as_ref().map(|c| c.to_string())),
            head_nip: Set(self.head_nip.as_ref().map(|n| n.to_string())),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            unit::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            unit::Entity::insert(m).exec_without_returning(txn).await?;
        }
        // Every analysis rests on the reference data.
        crate::changes::reference_changed(txn).await
    }
}

impl Store {
    pub async fn list_units(&self, paging: Paging, parent: Option<&str>) -> Result<Page<Unit>> {
        let mut q = unit::Entity::find();
        if let Some(p) = parent {
            q = q.filter(unit::Column::ParentCode.eq(p));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(unit::Column::Code)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(rows.into_iter().map(unit_from).collect(), total))
    }

    pub async fn get_unit(&self, code: &str) -> Result<Unit> {
        unit::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .map(unit_from)
            .ok_or_else(|| StoreError::not_found("unit", code))
    }
}
