//! Units, competencies, programs and positions: reading pages of them with their child lists,
//! and saving one (create, update or upsert) with referential checks and an audit entry, all in
//! one transaction. Employees share the same save path (see `employees.rs`).

use crate::db::{Paging, Store, stmt};
use crate::entity::*;
use crate::error::{Result, StoreError};
use crate::{Actor, Page, audit};
use chrono::{DateTime, Utc};
use jenjang_core::graph::{Prerequisite, describe_cycle, find_prerequisite_cycle};
use jenjang_core::reference::*;
use jenjang_core::{Code, FieldError, Level, Nip};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait, Value,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::future::Future;

mod competencies;
mod positions;
mod programs;
mod units;
pub(crate) use competencies::*;
pub(crate) use positions::*;
pub(crate) use programs::*;
pub(crate) use units::*;

/// How a save treats an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// Fails with a conflict when the key exists.
    Create,
    /// Fails with not-found when the key does not exist.
    Update,
    /// Creates or updates; used by idempotent seeding.
    Upsert,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Saved {
    Created,
    Updated,
    Unchanged,
}

/// A reference resource saved through `Store::save`.
pub trait Resource: Sized + Serialize + PartialEq + Send + Sync {
    const ENTITY: &'static str;
    fn key(&self) -> String;
    /// The record with its child lists in stored order, so equal data compares equal.
    fn canonical(&self) -> Self;
    fn load(
        txn: &DatabaseTransaction,
        key: &str,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;
    /// References to other records and rules spanning records; each problem names its field.
    fn check(
        &self,
        txn: &DatabaseTransaction,
    ) -> impl Future<Output = Result<Vec<FieldError>>> + Send;
    /// Writes the record; `exists` says whether to update in place and replace child lists.
    fn write(
        &self,
        txn: &DatabaseTransaction,
        exists: bool,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
}

impl Store {
    /// Saves one reference record with its audit entry, or nothing at all.
    /// The stored record `key` of kind `R` (`NotFound` naming the entity when there is none).
    pub async fn record<R: Resource>(&self, key: &str) -> Result<R> {
        let txn = self.db.begin().await?;
        let found = R::load(&txn, key).await?;
        txn.commit().await?;
        found.ok_or_else(|| StoreError::not_found(R::ENTITY, key))
    }

    pub async fn save<R: Resource>(
        &self,
        actor: &Actor,
        value: &R,
        mode: SaveMode,
    ) -> Result<Saved> {
        let txn = self.begin_write().await?;
        let saved = save_in(&txn, actor, value, mode, self.now()).await?;
        txn.commit().await?;
        Ok(saved)
    }
}

pub(crate) async fn save_in<R: Resource>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    value: &R,
    mode: SaveMode,
    now: DateTime<Utc>,
) -> Result<Saved> {
    let key = value.key();
    let before = R::load(txn, &key).await?;
    match (&before, mode) {
        (Some(_), SaveMode::Create) => {
            return Err(StoreError::Conflict(format!(
                "{} {key} already exists",
                R::ENTITY
            )));
        }
        (None, SaveMode::Update) => return Err(StoreError::not_found(R::ENTITY, key)),
        (Some(b), _) if *b == value.canonical() => return Ok(Saved::Unchanged),
        _ => {}
    }
    let problems = value.check(txn).await?;
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    value.write(txn, before.is_some(), now).await?;
    let (action, detail) = match before {
        Some(b) => ("update", serde_json::json!({"before": b, "after": value})),
        None => ("create", serde_json::json!({"after": value})),
    };
    audit::record(txn, actor, action, R::ENTITY, &key, detail, now).await?;
    Ok(if action == "create" {
        Saved::Created
    } else {
        Saved::Updated
    })
}

/// The subset of `codes` present in `table.column`, in one query.
pub(crate) async fn existing<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    column: &str,
    codes: &[&str],
) -> Result<HashSet<String>> {
    if codes.is_empty() {
        return Ok(HashSet::new());
    }
    let unique: Vec<&str> = codes
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let placeholders: Vec<String> = (1..=unique.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {column} AS k FROM {table} WHERE {column} IN ({})",
        placeholders.join(", ")
    );
    let values: Vec<Value> = unique.iter().map(|c| Value::from(c.to_string())).collect();
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "k").map_err(StoreError::from))
        .collect()
}

/// Every value of `table.column`, for checking many references in memory.
pub(crate) async fn existing_all<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    column: &str,
) -> Result<HashSet<String>> {
    let sql = format!("SELECT {column} AS k FROM {table}");
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, vec![]))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "k").map_err(StoreError::from))
        .collect()
}

/// Records an error for each referenced code that does not exist.
pub(crate) async fn require_existing<'a, C: ConnectionTrait>(
    conn: &C,
    problems: &mut Vec<FieldError>,
    table: &str,
    column: &str,
    what: &str,
    refs: impl IntoIterator<Item = (String, &'a str)>,
) -> Result<()> {
    let refs: Vec<(String, &str)> = refs.into_iter().collect();
    let codes: Vec<&str> = refs.iter().map(|(_, c)| *c).collect();
    let found = existing(conn, table, column, &codes).await?;
    for (field, code) in refs {
        if !found.contains(code) {
            problems.push(
                FieldError::new(field, format!("no {what} has the code {code}"))
                    .with_code(&format!("unknown_{what}"))
                    .with_param("code", code),
            );
        }
    }
    Ok(())
}

/// Replaces the child rows of one parent: deletes the stored ones (when the parent existed) and
/// inserts `rows` in one statement.
async fn replace_children<E, A>(
    txn: &DatabaseTransaction,
    parent: E::Column,
    key: &str,
    existed: bool,
    rows: Vec<A>,
) -> Result<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    if existed {
        E::delete_many().filter(parent.eq(key)).exec(txn).await?;
    }
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

fn code(s: String) -> Code {
    Code::from_stored(s)
}

fn level(l: i16) -> Level {
    Level::from_stored(l)
}

fn requirements(rows: Vec<(String, i16)>) -> Vec<LevelRequirement> {
    rows.into_iter()
        .map(|(c, l)| LevelRequirement {
            competency: code(c),
            level: level(l),
        })
        .collect()
}

/// Groups child rows by their parent key.
fn group<T, K: std::hash::Hash + Eq>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = HashMap::new();
    for r in rows {
        map.entry(key(&r)).or_default().push(r);
    }
    map
}

// ---------------------------------------------------------------------------------------------
// Units

// ---------------------------------------------------------------------------------------------
// Competencies

// ---------------------------------------------------------------------------------------------
// Programs

// ---------------------------------------------------------------------------------------------
// Positions

// ---------------------------------------------------------------------------------------------
// Reads
