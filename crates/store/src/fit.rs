//! What position fit and succession read beyond the analyses' arrays: the rank and latest
//! predikat of a handful of candidates, the critical positions, and marking one critical.

use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use crate::{Actor, audit};
use jenjang_core::fit::Golongan;
use sea_orm::{ConnectionTrait, Value};
use std::collections::HashMap;

/// A candidate's rank and latest predikat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitFacts {
    pub golongan: Option<Golongan>,
    pub predikat: Option<String>,
}

impl Store {
    /// The rank and the latest predikat (latest year, then period) of each of `nips` (a
    /// candidate list: two reads whatever its length up to a statement's bound values).
    pub async fn fit_facts(&self, nips: &[String]) -> Result<HashMap<String, FitFacts>> {
        let mut out: HashMap<String, FitFacts> = HashMap::new();
        let backend = self.backend();
        for chunk in nips.chunks(crate::db::rows_per_statement(1)) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let values: Vec<Value> = chunk.iter().map(|n| n.clone().into()).collect();
            for r in self
                .db
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT nip, golongan FROM employees WHERE nip IN ({})",
                        marks.join(", ")
                    ),
                    values.clone(),
                ))
                .await?
            {
                let nip: String = r.try_get("", "nip")?;
                let g: Option<String> = r.try_get("", "golongan")?;
                let golongan = g
                    .as_deref()
                    .map(|g| crate::employees::read_golongan(&nip, g))
                    .transpose()?;
                out.entry(nip).or_default().golongan = golongan;
            }
            for r in self
                .db
                .query_all_raw(stmt(
                    backend,
                    &format!(
                        "SELECT nip, predikat FROM evaluations WHERE nip IN ({}) \
                         ORDER BY nip, year DESC, period DESC",
                        marks.join(", ")
                    ),
                    values,
                ))
                .await?
            {
                let nip: String = r.try_get("", "nip")?;
                let facts = out.entry(nip).or_default();
                if facts.predikat.is_none() {
                    facts.predikat = Some(r.try_get("", "predikat")?);
                }
            }
        }
        Ok(out)
    }

    /// Who holds position `code` now, by NIP.
    pub async fn holders_of(&self, code: &str) -> Result<Vec<String>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT nip FROM employees WHERE position_code = $1 AND status = 'aktif' ORDER BY nip",
                vec![code.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "nip").map_err(StoreError::from))
            .collect()
    }

    /// The critical positions: (code, name, unit), by code.
    pub async fn critical_positions(&self) -> Result<Vec<(String, String, Option<String>)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT code, name, unit_code FROM positions WHERE critical = $1 ORDER BY code",
                vec![true.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("", "code")?,
                    r.try_get("", "name")?,
                    r.try_get("", "unit_code")?,
                ))
            })
            .collect()
    }

    /// Marks position `code` critical or not, audited; `Ok(false)` when it already was.
    pub async fn set_critical(&self, actor: &Actor, code: &str, critical: bool) -> Result<bool> {
        let txn = self.begin_write().await?;
        let backend = self.backend();
        let row = txn
            .query_one_raw(stmt(
                backend,
                "SELECT critical FROM positions WHERE code = $1",
                vec![code.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("position", code))?;
        let was: bool = row.try_get("", "critical")?;
        if was == critical {
            return Ok(false);
        }
        let now = self.now();
        txn.execute_raw(stmt(
            backend,
            "UPDATE positions SET critical = $1, updated_at = $2 WHERE code = $3",
            vec![critical.into(), now.into(), code.into()],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "set_critical",
            "position",
            code,
            serde_json::json!({"critical": critical}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }
}
