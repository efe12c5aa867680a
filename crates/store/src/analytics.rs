//! Set-based reads for the analyses: the organisation (dictionary, programs, unit tree, position
//! standards, organisational needs) and populations of employees with their current levels, in
//! the compact arrays of `jenjang_core::org`. A population is two queries whatever its size.

use crate::db::{Store, stmt};
use crate::entity::{competency, position, program, unit};
use crate::error::{Result, StoreError};
use crate::reference::{load_competencies, load_positions, load_programs};
use jenjang_core::catalog::Catalog;
use jenjang_core::org::{Member, OrgNeed, Organisation, Population, PositionStandard, UnitTree};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Value};

/// Reads a stored level profile (`code=level,…`) into one member's row of levels.
pub(crate) fn read_profile(org: &Organisation, pairs: &str, row: &mut [u8]) {
    for pair in pairs.split(',') {
        if let Some((code, level)) = pair.split_once('=')
            && let (Some(c), Ok(level)) = (org.catalog.competency(code), level.parse::<u8>())
        {
            row[c as usize] = level.min(5);
        }
    }
}

/// A stored level profile with `pairs` (competency, level now current) laid over it: each
/// pair replaces the level its competency had, or joins the profile, which stays in code
/// order. Readers take the pairs in any order.
pub(crate) fn patch_profile(stored: &str, pairs: &[(&str, i16)]) -> String {
    let mut levels: std::collections::BTreeMap<&str, std::borrow::Cow<'_, str>> = stored
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(code, level)| (code, level.into()))
        .collect();
    for (code, level) in pairs {
        levels.insert(code, level.to_string().into());
    }
    let mut out = String::with_capacity(stored.len() + pairs.len() * 8);
    for (i, (code, level)) in levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(code);
        out.push('=');
        out.push_str(level);
    }
    out
}

/// The recursive CTE `sub(code)`: the unit `$1` and everything below it.
pub(crate) const SUBTREE: &str = "sub(code) AS (SELECT code FROM units WHERE code = $1 \
    UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code)";

impl Store {
    /// A number that changes whenever any data changes: every change writes an audit entry in
    /// its transaction, so the newest audit id is a version shared by all server processes.
    pub async fn data_version(&self) -> Result<i64> {
        self.max_id("audit_log").await
    }

    /// The largest `id` of `table` (0 when empty): one step down its primary key.
    pub(crate) async fn max_id(&self, table: &str) -> Result<i64> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT COALESCE(MAX(id), 0) AS v FROM {table}"),
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
    /// Two reads, run at once on two connections, each answering a single text aggregated by
    /// the database (`group_concat` / `string_agg`): the members as `nip|unit|position;...` and
    /// their level profiles (`employee_level_profiles`, one row per employee kept by the
    /// writes) as `nip:code=level,...;...`. Moving 100,000 rows one by one through the driver
    /// costs several times the query itself; one aggregated value costs about what the database
    /// needs to produce it. Codes hold only letters, digits, `.`, `-` and `_` (see `Code`) and
    /// NIPs only digits, so the separators cannot occur inside a value.
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
        let (with, members_filter, levels_filter, binds) = match unit {
            Some(u) => (
                format!("WITH RECURSIVE {SUBTREE} "),
                "WHERE e.unit_code IN (SELECT code FROM sub)",
                "WHERE l.nip IN (SELECT e.nip FROM employees e \
                 WHERE e.unit_code IN (SELECT code FROM sub))",
                vec![Value::from(u.to_string())],
            ),
            None => (String::new(), "", "", vec![]),
        };
        let agg = self.text_agg();
        let members_sql = format!(
            "{with}SELECT {agg}(e.nip || '|' || e.unit_code || '|' || COALESCE(e.position_code, ''), ';') \
             AS v FROM employees e {members_filter}"
        );
        let levels_sql = format!(
            "{with}SELECT {agg}(l.nip || ':' || l.levels, ';') AS v \
             FROM employee_level_profiles l {levels_filter}"
        );
        let (members, levels) = futures_util::future::try_join(
            self.aggregated_text(&members_sql, binds.clone()),
            self.aggregated_text(&levels_sql, binds),
        )
        .await?;

        let mut members: Vec<Member> = members
            .split(';')
            .filter(|m| !m.is_empty())
            .map(|m| {
                let mut fields = m.split('|');
                let (nip, unit_code, position) = (
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                    fields.next().unwrap_or(""),
                );
                Member {
                    nip: nip.to_string(),
                    unit: org.units.index(unit_code).unwrap_or(0),
                    position: org.position(position),
                }
            })
            .collect();
        // NIP order (the analyses' tie-breaks rely on it), sorted here: in SQL it walks the
        // index and looks every row up in the table.
        members.sort_unstable_by(|a, b| a.nip.cmp(&b.nip));
        let width = org.catalog.competency_count();
        let mut dense = vec![0u8; members.len() * width];
        for profile in levels.split(';') {
            let Some((nip, pairs)) = profile.split_once(':') else {
                continue;
            };
            let Ok(i) = members.binary_search_by(|m| m.nip.as_str().cmp(nip)) else {
                continue;
            };
            read_profile(org, pairs, &mut dense[i * width..(i + 1) * width]);
        }
        Ok(Population {
            members,
            levels: dense,
        })
    }

    /// The database's text aggregate, `string_agg` or `group_concat`.
    pub(crate) fn text_agg(&self) -> &'static str {
        if self.is_postgres() {
            "string_agg"
        } else {
            "group_concat"
        }
    }

    /// The single text value (column `v`) of an aggregating query; empty when it aggregated no
    /// rows. Many rows folded into one text this way travel from the database several times
    /// faster than as rows (decoded one by one): the analyses' large reads use it.
    pub(crate) async fn aggregated_text(&self, sql: &str, binds: Vec<Value>) -> Result<String> {
        let row = self
            .db
            .query_one_raw(stmt(self.backend(), sql, binds))
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>>("", "v"))
            .transpose()?
            .flatten()
            .unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use super::patch_profile;

    #[test]
    fn a_patched_profile_replaces_moved_levels_adds_new_ones_and_keeps_the_rest() {
        assert_eq!(
            patch_profile(
                "inovasi=2,integritas=3,kerja_sama=1",
                &[("integritas", 4), ("etika", 2)]
            ),
            "etika=2,inovasi=2,integritas=4,kerja_sama=1"
        );
        // Stored in another order (SQLite's aggregate keeps none): the result is in code order.
        assert_eq!(
            patch_profile("kerja_sama=1,inovasi=2", &[("kerja_sama", 3)]),
            "inovasi=2,kerja_sama=3"
        );
        assert_eq!(patch_profile("", &[("inovasi", 5)]), "inovasi=5");
        // The same level again leaves the text as it was (and the row unwritten).
        assert_eq!(patch_profile("inovasi=2", &[("inovasi", 2)]), "inovasi=2");
    }
}
