//! The organisation predikat of units per period, and the distribution of employee predikat in
//! a unit subtree.

use crate::db::{Store, stmt};
use crate::error::Result;
use crate::{Actor, audit};
use jenjang_core::predikat::{OrganisationPredikat, Predikat};
use sea_orm::ConnectionTrait;

impl Store {
    /// Records (or replaces) a unit's organisation predikat for a period.
    pub async fn set_unit_predikat(
        &self,
        actor: &Actor,
        unit: &str,
        period: &str,
        predikat: OrganisationPredikat,
    ) -> Result<()> {
        self.get_unit(unit).await?;
        let txn = self.begin_write().await?;
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO unit_predikat (unit_code, period, predikat, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (unit_code, period) DO UPDATE SET predikat = excluded.predikat, recorded_at = excluded.recorded_at, \
             recorded_by = excluded.recorded_by",
            vec![unit.into(), period.into(), predikat.as_str().into(), self.now().into(), actor.0.clone().into()],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "set",
            "unit_predikat",
            &format!("{unit}/{period}"),
            serde_json::json!({"predikat": predikat}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn unit_predikat(
        &self,
        unit: &str,
        period: &str,
    ) -> Result<Option<OrganisationPredikat>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT predikat FROM unit_predikat WHERE unit_code = $1 AND period = $2",
                vec![unit.into(), period.into()],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<String>("", "predikat"))
            .transpose()?
            .and_then(|p| p.parse().ok()))
    }

    /// The unit `nip` heads, if any (the one nearest the root when several).
    pub async fn unit_headed_by(&self, nip: &str) -> Result<Option<String>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT code FROM units WHERE head_nip = $1 ORDER BY code LIMIT 1",
                vec![nip.into()],
            ))
            .await?;
        Ok(row.map(|r| r.try_get::<String>("", "code")).transpose()?)
    }

    /// How many employees of the unit subtree got each predikat in `period`.
    pub async fn predikat_counts(&self, unit: &str, period: &str) -> Result<Vec<(Predikat, u64)>> {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT v.predikat, COUNT(*) AS n FROM evaluations v JOIN employees e ON e.nip = v.nip \
             WHERE v.period = $2 AND e.unit_code IN (SELECT code FROM sub) GROUP BY v.predikat",
            crate::analytics::SUBTREE
        );
        let rows = self
            .db
            .query_all_raw(stmt(self.backend(), &sql, vec![unit.into(), period.into()]))
            .await?;
        let mut out: Vec<(Predikat, u64)> = Vec::new();
        for r in &rows {
            if let Ok(p) = r.try_get::<String>("", "predikat")?.parse() {
                out.push((p, r.try_get::<i64>("", "n")?.max(0) as u64));
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.0));
        Ok(out)
    }
}
