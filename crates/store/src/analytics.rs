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
        // The sole root unit is the whole organisation: no subtree filter at all.
        let unit = unit.filter(|u| {
            org.units
                .index(u)
                .is_none_or(|i| org.units.sole_root() != Some(i))
        });
        let (with, filter, binds): (String, &str, Vec<String>) = match unit {
            Some(u) => (
                format!("WITH RECURSIVE {SUBTREE} "),
                "WHERE e.unit_code IN (SELECT code FROM sub)",
                vec![u.to_string()],
            ),
            None => (String::new(), "", vec![]),
        };
        let width = org.catalog.competency_count();
        // One row per employee, their levels as `code=level,...`, kept by the writes
        // (`employee_level_profiles`): reading 100,000 such rows costs far less than moving or
        // aggregating 1.5 million single ones. Codes hold no ',' or '=' (see `Code`).
        let scope = if unit.is_some() {
            "WHERE l.nip IN (SELECT e.nip FROM employees e WHERE e.unit_code IN (SELECT code FROM sub))"
        } else {
            ""
        };
        let members_sql =
            format!("{with}SELECT e.nip, e.unit_code, e.position_code FROM employees e {filter}");
        let levels_sql =
            format!("{with}SELECT l.nip, l.levels FROM employee_level_profiles l {scope}");
        // The two reads are independent: run them at once (two connections).
        let read_members = async {
            let mut members: Vec<Member> = Vec::new();
            self.stream(&members_sql, &binds, |row| {
                let (nip, unit_code, position) = (row.text(0)?, row.text(1)?, row.opt_text(2)?);
                members.push(Member {
                    nip: nip.to_string(),
                    unit: org.units.index(unit_code).unwrap_or(0),
                    position: position.and_then(|p| org.position(p)),
                });
                Ok(())
            })
            .await
            .map(|()| members)
        };
        let read_levels = async {
            let mut held: Vec<(String, Vec<(u32, u8)>)> = Vec::new();
            self.stream(&levels_sql, &binds, |row| {
                let mut pairs = Vec::with_capacity(16);
                for pair in row.opt_text(1)?.unwrap_or("").split(',') {
                    if let Some((code, level)) = pair.split_once('=')
                        && let (Some(c), Ok(level)) =
                            (org.catalog.competency(code), level.parse::<u8>())
                    {
                        pairs.push((c, level.min(5)));
                    }
                }
                held.push((row.text(0)?.to_string(), pairs));
                Ok(())
            })
            .await
            .map(|()| held)
        };
        let (mut members, held) = futures_util::future::try_join(read_members, read_levels).await?;
        // NIP order (the analyses' tie-breaks rely on it), sorted here: in SQL it walks the
        // index and looks every row up in the table.
        members.sort_unstable_by(|a, b| a.nip.cmp(&b.nip));
        let index: std::collections::HashMap<&str, usize> = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.nip.as_str(), i))
            .collect();
        let mut levels = vec![0u8; members.len() * width];
        for (nip, pairs) in &held {
            if let Some(&i) = index.get(nip.as_str()) {
                for &(c, level) in pairs {
                    levels[i * width + c as usize] = level;
                }
            }
        }
        drop(index);
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
        // One round trip: the employee row joined with their current levels (if any).
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT e.unit_code, e.position_code, l.competency_code, l.level FROM employees e \
                 LEFT JOIN current_competency_levels l ON l.nip = e.nip WHERE e.nip = $1",
                vec![nip.into()],
            ))
            .await?;
        let first = rows
            .first()
            .ok_or_else(|| StoreError::not_found("employee", nip))?;
        let unit_code: String = first.try_get("", "unit_code")?;
        let position: Option<String> = first.try_get("", "position_code")?;
        let mut levels = vec![0u8; org.catalog.competency_count()];
        for r in &rows {
            let code: Option<String> = r.try_get("", "competency_code")?;
            let level: Option<i16> = r.try_get("", "level")?;
            if let (Some(code), Some(level)) = (code, level)
                && let Some(c) = org.catalog.competency(&code)
            {
                levels[c as usize] = level.clamp(0, 5) as u8;
            }
        }
        let member = Member {
            nip: nip.to_string(),
            unit: org
                .units
                .index(&unit_code)
                .ok_or_else(|| StoreError::not_found("unit", unit_code.clone()))?,
            position: position.and_then(|p| org.position(&p)),
        };
        Ok((member, levels))
    }
}
