//! Set-based reads for the analyses: the organisation (dictionary, programs, unit tree, position
//! standards, organisational needs) and populations of employees with their current levels, in
//! the compact arrays of `jenjang_core::org`. A population is two queries whatever its size.

use crate::db::{Store, stmt};
use crate::entity::{competency, position, program, unit};
use crate::error::{Result, StoreError};
use crate::reference::{load_competencies, load_positions, load_programs};
use jenjang_core::catalog::Catalog;
use jenjang_core::org::{Member, OrgNeed, Organisation, Population, PositionStandard, UnitTree};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

/// The recursive CTE `sub(code)`: the unit `$1` and everything below it.
pub(crate) const SUBTREE: &str = "sub(code) AS (SELECT code FROM units WHERE code = $1 \
    UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code)";

impl Store {
    /// A number that changes whenever any data changes: every change writes an audit entry in
    /// its transaction, so the newest audit id is a version shared by all server processes.
    pub async fn data_version(&self) -> Result<i64> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COALESCE(MAX(id), 0) AS v FROM audit_log",
                vec![],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "v"))
            .transpose()?
            .unwrap_or(0))
    }

    pub async fn load_catalog(&self) -> Result<Catalog> {
        let comps = competency::Entity::find()
            .order_by_asc(competency::Column::Code)
            .all(&self.db)
            .await?;
        let progs = program::Entity::find()
            .order_by_asc(program::Column::Code)
            .all(&self.db)
            .await?;
        let comps = load_competencies(&self.db, comps).await?;
        let progs = load_programs(&self.db, progs).await?;
        Ok(Catalog::new(&comps, &progs))
    }

    /// Everything but the employees.
    pub async fn load_organisation(&self) -> Result<Organisation> {
        let catalog = self.load_catalog().await?;
        let units: Vec<(String, Option<String>)> = unit::Entity::find()
            .order_by_asc(unit::Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.code, u.parent_code))
            .collect();
        let units = UnitTree::new(&units);
        let positions = position::Entity::find()
            .order_by_asc(position::Column::Code)
            .all(&self.db)
            .await?;
        let positions = load_positions(&self.db, positions)
            .await?
            .into_iter()
            .map(|p| PositionStandard {
                code: p.code.to_string(),
                kind: p.kind,
                requirements: p
                    .requirements
                    .iter()
                    .filter_map(|r| {
                        catalog
                            .competency(r.competency.as_str())
                            .map(|c| (c, r.level.get()))
                    })
                    .collect(),
            })
            .collect();
        let needs = self
            .list_org_needs_all()
            .await?
            .into_iter()
            .filter_map(|n| {
                Some(OrgNeed {
                    id: n.id,
                    unit: units.index(&n.unit)?,
                    competency: catalog.competency(&n.competency)?,
                    level: n.level,
                    target_share: n.target_share,
                    position_kind: n.position_kind,
                    due: n.due,
                    priority: n.priority,
                })
            })
            .collect();
        Ok(Organisation::new(catalog, units, positions, needs))
    }

    /// The employees of a unit subtree (the whole organisation when `unit` is `None`), in NIP
    /// order, with their current levels.
    ///
    /// Rows are streamed straight from sqlx and decoded as borrowed strings: at 100,000
    /// employees and 1.5 million level rows, materialising sea-orm `QueryResult`s cost several
    /// times the query itself and most of a gigabyte.
    pub async fn load_population(
        &self,
        org: &Organisation,
        unit: Option<&str>,
    ) -> Result<Population> {
        let (with, filter, binds): (String, &str, Vec<String>) = match unit {
            Some(u) => (
                format!("WITH RECURSIVE {SUBTREE} "),
                "WHERE e.unit_code IN (SELECT code FROM sub)",
                vec![u.to_string()],
            ),
            None => (String::new(), "", vec![]),
        };
        let mut members: Vec<Member> = Vec::new();
        let sql = format!(
            "{with}SELECT e.nip, e.unit_code, e.position_code FROM employees e {filter} ORDER BY e.nip"
        );
        self.stream(&sql, &binds, |row| {
            let (nip, unit_code, position) = (row.text(0)?, row.text(1)?, row.opt_text(2)?);
            members.push(Member {
                nip: nip.to_string(),
                unit: org.units.index(unit_code).unwrap_or(0),
                position: position.and_then(|p| org.position(p)),
            });
            Ok(())
        })
        .await?;
        let width = org.catalog.competency_count();
        let mut levels = vec![0u8; members.len() * width];
        // The whole organisation reads the table in primary-key (NIP) order with no join.
        let sql = match unit {
            Some(_) => format!(
                "{with}SELECT l.nip, l.competency_code, l.level FROM current_competency_levels l \
                 JOIN employees e ON e.nip = l.nip {filter} ORDER BY l.nip"
            ),
            None => {
                "SELECT nip, competency_code, level FROM current_competency_levels ORDER BY nip"
                    .to_string()
            }
        };
        // Rows come in NIP order, as the members do: one merge pass.
        let mut i = 0usize;
        self.stream(&sql, &binds, |row| {
            let nip = row.text(0)?;
            while i < members.len() && members[i].nip.as_str() < nip {
                i += 1;
            }
            if i < members.len()
                && members[i].nip == nip
                && let Some(c) = org.catalog.competency(row.text(1)?)
            {
                levels[i * width + c as usize] = row.small(2)?.clamp(0, 5) as u8;
            }
            Ok(())
        })
        .await?;
        Ok(Population { members, levels })
    }

    /// The bare read the needs analysis is measured against (BENCHMARKS.md): every current
    /// level row, decoded the same way, nothing computed. Returns the row count.
    pub async fn bare_select_levels(&self) -> Result<u64> {
        let mut n = 0u64;
        self.stream(
            "SELECT nip, competency_code, level FROM current_competency_levels ORDER BY nip",
            &[],
            |row| {
                let _ = (row.text(0)?, row.text(1)?, row.small(2)?);
                n += 1;
                Ok(())
            },
        )
        .await?;
        Ok(n)
    }

    /// One employee as a population member, with their current levels (three indexed reads).
    pub async fn load_member(&self, org: &Organisation, nip: &str) -> Result<(Member, Vec<u8>)> {
        let e = self.get_employee(nip).await?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT competency_code, level FROM current_competency_levels WHERE nip = $1",
                vec![nip.into()],
            ))
            .await?;
        let mut levels = vec![0u8; org.catalog.competency_count()];
        for r in &rows {
            let code: String = r.try_get("", "competency_code")?;
            let level: i16 = r.try_get("", "level")?;
            if let Some(c) = org.catalog.competency(&code) {
                levels[c as usize] = level.clamp(0, 5) as u8;
            }
        }
        let member = Member {
            nip: e.nip.to_string(),
            unit: org
                .units
                .index(e.unit.as_str())
                .ok_or_else(|| StoreError::not_found("unit", e.unit.to_string()))?,
            position: e.position.as_ref().and_then(|p| org.position(p.as_str())),
        };
        Ok((member, levels))
    }
}
