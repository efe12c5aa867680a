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
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::future::Future;

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
            problems.push(FieldError::new(
                field,
                format!("no {what} has the code {code}"),
            ));
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

fn unit_from(m: unit::Model) -> Unit {
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
            problems.push(FieldError::new("name", "must not be empty"));
        }
        if let Some(parent) = &self.parent {
            if parent == &self.code {
                problems.push(FieldError::new("parent", "a unit cannot be its own parent"));
            } else if unit::Entity::find_by_id(parent.to_string())
                .one(txn)
                .await?
                .is_none()
            {
                problems.push(FieldError::new(
                    "parent",
                    format!("no unit has the code {parent}"),
                ));
            } else if chain_up(txn, "units", "code", "parent_code", parent.as_str())
                .await?
                .iter()
                .any(|c| c == self.code.as_str())
            {
                problems.push(FieldError::new(
                    "parent",
                    format!(
                        "{parent} lies below {} in the unit tree; that would make a cycle",
                        self.code
                    ),
                ));
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
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Competencies

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
            problems.push(FieldError::new("name", "must not be empty"));
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
            problems.push(FieldError::new(
                "prerequisites",
                format!(
                    "these prerequisites make a cycle: {}",
                    describe_cycle(&cycle)
                ),
            ));
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
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Programs

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
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Positions

pub(crate) async fn load_positions<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<position::Model>,
) -> Result<Vec<Position>> {
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let mut reqs = group(
        position_requirement::Entity::find()
            .filter(position_requirement::Column::PositionCode.is_in(codes))
            .order_by_asc(position_requirement::Column::CompetencyCode)
            .all(conn)
            .await?,
        |r| r.position_code.clone(),
    );
    Ok(rows
        .into_iter()
        .map(|m| Position {
            requirements: requirements(
                reqs.remove(&m.code)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.competency_code, r.level))
                    .collect(),
            ),
            kind: m
                .kind
                .parse()
                .unwrap_or(jenjang_core::kinds::PositionKind::Pelaksana),
            code: code(m.code),
            name: m.name,
            unit: m.unit_code.map(code),
        })
        .collect())
}

impl Resource for Position {
    const ENTITY: &'static str = "position";
    fn key(&self) -> String {
        self.code.to_string()
    }
    fn canonical(&self) -> Self {
        let mut p = self.clone();
        p.requirements
            .sort_by(|a, b| a.competency.cmp(&b.competency));
        p
    }
    async fn load(txn: &DatabaseTransaction, key: &str) -> Result<Option<Self>> {
        let Some(m) = position::Entity::find_by_id(key.to_string())
            .one(txn)
            .await?
        else {
            return Ok(None);
        };
        Ok(load_positions(txn, vec![m]).await?.pop())
    }
    async fn check(&self, txn: &DatabaseTransaction) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(FieldError::new("name", "must not be empty"));
        }
        if let Some(unit) = &self.unit {
            require_existing(
                txn,
                &mut problems,
                "units",
                "code",
                "unit",
                [("unit".to_string(), unit.as_str())],
            )
            .await?;
        }
        let refs = self.requirements.iter().enumerate().map(|(i, r)| {
            (
                format!("requirements[{i}].competency"),
                r.competency.as_str(),
            )
        });
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
        let mut m = position::ActiveModel {
            code: Set(key.clone()),
            name: Set(self.name.clone()),
            kind: Set(self.kind.as_str().to_string()),
            unit_code: Set(self.unit.as_ref().map(|u| u.to_string())),
            updated_at: Set(now),
            ..Default::default()
        };
        if exists {
            position::Entity::update(m).exec(txn).await?;
        } else {
            m.created_at = Set(now);
            position::Entity::insert(m)
                .exec_without_returning(txn)
                .await?;
        }
        replace_children(
            txn,
            position_requirement::Column::PositionCode,
            &key,
            exists,
            self.requirements
                .iter()
                .map(|r| position_requirement::ActiveModel {
                    position_code: Set(key.clone()),
                    competency_code: Set(r.competency.to_string()),
                    level: Set(r.level.get() as i16),
                })
                .collect(),
        )
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Reads

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

    pub async fn list_positions(
        &self,
        paging: Paging,
        unit: Option<&str>,
    ) -> Result<Page<Position>> {
        let mut q = position::Entity::find();
        if let Some(u) = unit {
            q = q.filter(position::Column::UnitCode.eq(u));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_asc(position::Column::Code)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        Ok(paging.page(load_positions(&self.db, rows).await?, total))
    }

    pub async fn get_position(&self, code: &str) -> Result<Position> {
        let m = position::Entity::find_by_id(code.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("position", code))?;
        Ok(load_positions(&self.db, vec![m]).await?.remove(0))
    }
}
