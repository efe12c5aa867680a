//! The change feed of the analyses: one row per employee whose levels, unit or position changed
//! (`nip`), or per change to the reference data that shapes every analysis (`nip` NULL: units,
//! positions, the catalogue, organisational needs), written in the transaction of the change.
//! A server process keeping analyses in memory reads the rows after the last one it applied and
//! recomputes only those employees (or everything, after a reference change), so writes that
//! touch none of this (tasks, notifications, the engine's bookkeeping) cost it nothing, and a
//! second process sharing the database catches up from the same rows.
//!
//! The talent grid has a feed of its own (`talent_changes`): one row per employee whose
//! evaluations or potential changed; it reads the analyses' feed as well, for units and
//! employees coming and going. Writes of levels do not reach it, evaluations do not reach the
//! analyses.
//!
//! Both feeds are pruned from the oldest end (`Store::prune_change_feeds`): the newest pruned
//! position becomes a reference row, so a process that had not read that far rebuilds instead of
//! missing the rows that were removed.
//!
//! The rows must become visible in id order, or a reader could pass an id whose transaction
//! commits later. SQLite has one writer at a time; on PostgreSQL each writer takes a
//! transaction-scoped advisory lock before taking ids, held until it commits.

use crate::db::{Store, insert_rows, stmt};
use crate::error::Result;
use jenjang_core::org::{Member, Organisation};
use sea_orm::{ConnectionTrait, DatabaseBackend, Value};

/// The advisory lock key that orders writers of the feed on PostgreSQL ("jenjang" in ASCII).
const FEED_LOCK: i64 = 0x006a_656e_6a61_6e67;

async fn lock<C: ConnectionTrait>(conn: &C) -> Result<()> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_raw(stmt(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            vec![FEED_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Notes that these employees' levels, unit or position (or existence) changed.
pub(crate) async fn members_changed<C: ConnectionTrait>(conn: &C, nips: &[&str]) -> Result<()> {
    name_in("analysis_changes", conn, nips).await
}

/// Notes that these employees' evaluations or potential changed (the talent grid's feed).
pub(crate) async fn talent_changed<C: ConnectionTrait>(conn: &C, nips: &[&str]) -> Result<()> {
    name_in("talent_changes", conn, nips).await
}

/// A row per NIP in feed `table`, in id order with the other writers.
async fn name_in<C: ConnectionTrait>(table: &str, conn: &C, nips: &[&str]) -> Result<()> {
    if nips.is_empty() {
        return Ok(());
    }
    lock(conn).await?;
    let values: Vec<Value> = nips.iter().map(|n| Value::from(n.to_string())).collect();
    insert_rows(conn, &format!("INSERT INTO {table} (nip)"), "", 1, values).await
}

/// The two feeds, by table.
const FEEDS: [&str; 2] = ["analysis_changes", "talent_changes"];

/// Notes that reference data every analysis rests on changed.
pub(crate) async fn reference_changed<C: ConnectionTrait>(conn: &C) -> Result<()> {
    lock(conn).await?;
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO analysis_changes (nip) VALUES (NULL)",
        vec![],
    ))
    .await?;
    Ok(())
}

/// What changed after a version of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Nothing: analyses at the asked version are current.
    None,
    /// The employees (sorted, each once) whose analyses changed, up to the returned version.
    Members(i64, Vec<String>),
    /// The reference data changed, or more changed than `limit`: recompute everything, from
    /// at least the returned version on.
    Everything(i64),
}

impl Store {
    /// The newest id of the analyses' feed (0 when empty).
    pub async fn analysis_version(&self) -> Result<i64> {
        self.max_id("analysis_changes").await
    }

    /// The changes after id `after` of the analyses' feed: the employees named, or
    /// [`Changes::Everything`] when the reference data changed or more than `limit` rows were
    /// written since.
    pub async fn analysis_changes(&self, after: i64, limit: u64) -> Result<Changes> {
        self.feed_changes("analysis_changes", after, limit).await
    }

    /// The newest id of the talent grid's feed (0 when empty).
    pub async fn talent_version(&self) -> Result<i64> {
        self.max_id("talent_changes").await
    }

    /// The changes after id `after` of the talent grid's feed (employees whose evaluations or
    /// potential changed), as [`Store::analysis_changes`] answers its own.
    pub async fn talent_changes(&self, after: i64, limit: u64) -> Result<Changes> {
        self.feed_changes("talent_changes", after, limit).await
    }

    async fn feed_changes(&self, table: &'static str, after: i64, limit: u64) -> Result<Changes> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!("SELECT id, nip FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"),
                vec![after.into(), (limit as i64 + 1).into()],
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(Changes::None);
        };
        let last: i64 = last.try_get("", "id")?;
        if rows.len() as u64 > limit {
            return Ok(Changes::Everything(self.max_id(table).await?));
        }
        let mut nips = Vec::with_capacity(rows.len());
        for r in &rows {
            match r.try_get::<Option<String>>("", "nip")? {
                Some(n) => nips.push(n),
                None => return Ok(Changes::Everything(last)),
            }
        }
        nips.sort_unstable();
        nips.dedup();
        Ok(Changes::Members(last, nips))
    }

    /// Removes all but the newest `keep` rows of each feed. The newest row removed is kept as a
    /// reference row instead: a process that had not applied it may have missed employees whose
    /// rows are gone, and rebuilds when it reads it; one that had is not affected. Answers how
    /// many rows were removed.
    pub async fn prune_change_feeds(&self, keep: u64) -> Result<u64> {
        let txn = self.begin_write().await?;
        let backend = self.backend();
        let mut removed = 0;
        for table in FEEDS {
            let row = txn
                .query_one_raw(stmt(
                    backend,
                    &format!(
                        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS n FROM {table} \
                         WHERE id <= (SELECT MAX(id) FROM {table}) - $1"
                    ),
                    vec![i64::try_from(keep).unwrap_or(i64::MAX).into()],
                ))
                .await?;
            let marker: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
            if marker == 0 {
                continue;
            }
            txn.execute_raw(stmt(
                backend,
                &format!("UPDATE {table} SET nip = NULL WHERE id = $1"),
                vec![marker.into()],
            ))
            .await?;
            removed += txn
                .execute_raw(stmt(
                    backend,
                    &format!("DELETE FROM {table} WHERE id < $1"),
                    vec![marker.into()],
                ))
                .await?
                .rows_affected();
        }
        txn.commit().await?;
        Ok(removed)
    }

    /// These employees as population members with their current levels, by NIP; `None` for a
    /// NIP no employee has (any more). One read per 20,000 NIPs (PostgreSQL) or a few hundred
    /// (SQLite).
    pub async fn load_members(
        &self,
        org: &Organisation,
        nips: &[String],
    ) -> Result<Vec<(String, Option<(Member, Vec<u8>)>)>> {
        let width = org.catalog.competency_count();
        let mut found = std::collections::HashMap::with_capacity(nips.len());
        let refs: Vec<&str> = nips.iter().map(String::as_str).collect();
        for chunk in refs.chunks(crate::employees::list_chunk(self.backend())) {
            let (list, values) = crate::employees::listed(self.backend(), chunk, 1);
            let rows = self
                .db
                .query_all_raw(stmt(
                    self.backend(),
                    &format!(
                        "SELECT e.nip, e.unit_code, e.position_code, p.levels FROM employees e \
                         LEFT JOIN employee_level_profiles p ON p.nip = e.nip \
                         WHERE e.nip IN ({list})"
                    ),
                    values,
                ))
                .await?;
            for r in rows {
                let nip: String = r.try_get("", "nip")?;
                let unit: String = r.try_get("", "unit_code")?;
                let position: Option<String> = r.try_get("", "position_code")?;
                let profile: Option<String> = r.try_get("", "levels")?;
                let mut levels = vec![0u8; width];
                crate::analytics::read_profile(org, profile.as_deref().unwrap_or(""), &mut levels);
                let member = Member {
                    nip: nip.clone(),
                    unit: org.units.index(&unit).unwrap_or(0),
                    position: position.and_then(|p| org.position(&p)),
                };
                found.insert(nip, (member, levels));
            }
        }
        Ok(nips.iter().map(|n| (n.clone(), found.remove(n))).collect())
    }
}
