//! What the workflow engine keeps: definitions (versioned), instances with their history, human
//! tasks, notifications, recognitions, nominations, and the claiming of work (outbox events and
//! due timers). The engine calls the free functions inside its own transactions so that a step's
//! effects commit together with the instance's new state; the API reads through `Store` methods.

use crate::db::{Page, Paging, Store, insert_rows, row_statements, rows_per_statement, stmt};
use crate::error::{Result, StoreError, stored, stored_json};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::events::{DomainEvent, TaskCompleted, TaskScore};
use jenjang_core::kinds::Potential;
use jenjang_core::period::Period;
use jenjang_core::predikat::Predikat;
use jenjang_core::workflow::{InstanceStatus, TaskStatus};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

pub use sea_orm::{DatabaseTransaction, TransactionTrait};

mod claims;
mod definitions;
mod instances;
mod subjects;
mod tasks;
pub use claims::*;
pub use definitions::*;
pub use instances::*;
pub use subjects::*;
pub use tasks::*;

/// A stored definition version.
#[derive(Debug, Clone, Serialize)]
pub struct DefinitionRecord {
    pub key: String,
    pub version: i32,
    pub title: String,
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

fn definition_from(r: &QueryResult) -> Result<DefinitionRecord> {
    let key: String = r.try_get("", "key")?;
    let version: i32 = r.try_get("", "version")?;
    Ok(DefinitionRecord {
        definition: stored_json(
            "workflow_definitions",
            format!("{key} v{version}"),
            &r.try_get::<String>("", "definition")?,
        )?,
        key,
        version,
        title: r.try_get("", "title")?,
        created_at: r.try_get("", "created_at")?,
        created_by: r.try_get("", "created_by")?,
    })
}

/// An unprocessed domain event.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub id: i64,
    pub subject: Option<String>,
    /// The event, read back into its type (a row that does not read is an error naming it).
    pub event: DomainEvent,
    /// Its payload as workflow conditions see it (`event.…`).
    pub payload: serde_json::Value,
    pub dedup_key: String,
}

/// What the engine needs to know about an instance's subject.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub nip: String,
    pub name: String,
    pub unit: String,
    pub position: Option<String>,
    pub position_kind: Option<String>,
    /// The recorded supervisor, else the head of the nearest unit above headed by someone else.
    pub supervisor_nip: Option<String>,
    /// The supervisor's supervisor, found the same way.
    pub second_supervisor_nip: Option<String>,
    /// The head of the subject's unit, or of its parent unit when the subject heads it.
    pub unit_head_nip: Option<String>,
}

/// A stored instance.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceRecord {
    pub id: i64,
    pub workflow: String,
    pub version: i32,
    pub status: InstanceStatus,
    pub subject_nip: Option<String>,
    pub current_step: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub attempts: i32,
    #[serde(skip)]
    pub context: serde_json::Value,
    #[serde(skip)]
    pub waiting_for: Option<String>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub step: String,
    pub event: String,
    pub detail: Option<String>,
}

const INSTANCE_COLUMNS: &str = "id, workflow_key, version, status, subject_nip, current_step, started_at, \
    last_error, attempts, context, waiting_for";

fn instance_from(r: &QueryResult) -> Result<InstanceRecord> {
    let id: i64 = r.try_get("", "id")?;
    let status: InstanceStatus = stored(
        "workflow_instances",
        id,
        &r.try_get::<String>("", "status")?,
    )?;
    Ok(InstanceRecord {
        id,
        workflow: r.try_get("", "workflow_key")?,
        version: r.try_get("", "version")?,
        status,
        subject_nip: r.try_get("", "subject_nip")?,
        current_step: r.try_get("", "current_step")?,
        started_at: r.try_get("", "started_at")?,
        error: r.try_get("", "last_error")?,
        attempts: r.try_get("", "attempts")?,
        context: stored_json(
            "workflow_instances",
            id,
            &r.try_get::<String>("", "context")?,
        )?,
        waiting_for: r.try_get("", "waiting_for")?,
        history: Vec::new(),
    })
}

/// A human task.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRecord {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub subject_nip: Option<String>,
    /// The assignee's NIP, or `hr` for the HR queue.
    pub assignee: String,
    pub due: NaiveDate,
    pub status: TaskStatus,
    pub instance_id: i64,
    pub step: String,
    /// The outcomes completing it may give.
    pub outcomes: Vec<String>,
    /// Whether completing it takes competency scores 1..5.
    pub scores: bool,
    pub escalated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const TASK_COLUMNS: &str = "id, kind, title, subject_nip, assignee_nip, assignee_role, due, status, instance_id, \
    step, outcomes, scores, escalated, outcome, notes, completed_by, completed_at, created_at";

fn task_from(r: &QueryResult) -> Result<TaskRecord> {
    let nip: Option<String> = r.try_get("", "assignee_nip")?;
    let role: Option<String> = r.try_get("", "assignee_role")?;
    Ok(TaskRecord {
        id: r.try_get("", "id")?,
        kind: r.try_get("", "kind")?,
        title: r.try_get("", "title")?,
        subject_nip: r.try_get("", "subject_nip")?,
        assignee: nip.or(role).unwrap_or_default(),
        due: r.try_get("", "due")?,
        status: stored(
            "workflow_tasks",
            r.try_get::<i64>("", "id")?,
            &r.try_get::<String>("", "status")?,
        )?,
        instance_id: r.try_get("", "instance_id")?,
        step: r.try_get("", "step")?,
        outcomes: stored_json(
            "workflow_tasks",
            r.try_get::<i64>("", "id")?,
            &r.try_get::<String>("", "outcomes")?,
        )?,
        scores: r.try_get("", "scores")?,
        escalated: r.try_get("", "escalated")?,
        outcome: r.try_get("", "outcome")?,
        notes: r.try_get("", "notes")?,
        completed_by: r.try_get("", "completed_by")?,
        completed_at: r.try_get("", "completed_at")?,
        created_at: r.try_get("", "created_at")?,
    })
}

/// A notice for a person or the HR queue.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRecord {
    pub id: i64,
    /// The recipient's NIP, or `hr`.
    pub recipient: String,
    pub subject_nip: Option<String>,
    pub instance_id: Option<i64>,
    pub template: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Who is asking for "mine": their NIP (if any) and their role.
#[derive(Debug, Clone)]
pub struct Mine {
    pub nip: Option<String>,
    pub role: String,
}

impl Mine {
    /// The condition "addressed to me": `<prefix>_nip` is my NIP or `<prefix>_role` my role.
    fn clause(&self, prefix: &str, values: &mut Vec<Value>) -> String {
        values.push(self.role.clone().into());
        let role_at = values.len();
        match &self.nip {
            Some(n) => {
                values.push(n.clone().into());
                format!(
                    "({prefix}_nip = ${} OR {prefix}_role = ${role_at})",
                    values.len()
                )
            }
            None => format!("{prefix}_role = ${role_at}"),
        }
    }
}

/// A task to create.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub instance_id: i64,
    pub step: String,
    pub kind: String,
    pub title: String,
    pub subject_nip: Option<String>,
    pub assignee_nip: Option<String>,
    pub assignee_role: Option<String>,
    pub due: NaiveDate,
    pub outcomes: Vec<String>,
    pub scores: bool,
    pub escalate_at: Option<DateTime<Utc>>,
    pub escalate_to: Option<String>,
    pub remind_every_days: Option<i32>,
    pub remind_at: Option<DateTime<Utc>>,
}

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub recipient_nip: Option<String>,
    pub recipient_role: Option<String>,
    pub subject_nip: Option<String>,
    pub instance_id: Option<i64>,
    pub template: String,
    pub title: String,
    pub body: String,
}

/// An open task whose escalation or reminder time has come.
#[derive(Debug, Clone)]
pub struct DueTask {
    pub id: i64,
    pub instance_id: i64,
    pub step: String,
    pub due: NaiveDate,
    pub title: String,
    pub subject_nip: Option<String>,
    pub assignee_nip: Option<String>,
    pub assignee_role: Option<String>,
    pub escalate: bool,
    pub escalate_to: Option<String>,
    pub remind_every_days: Option<i32>,
}

pub(crate) use crate::db::placeholders;

impl Store {
    /// Runs a `SELECT COUNT(*) AS n …` (operational checks and tests).
    pub async fn count_raw(&self, sql: &str) -> Result<i64> {
        self.count_raw_with(sql, vec![]).await
    }

    /// [`Store::count_raw`] with bound values.
    pub(crate) async fn count_raw_with(&self, sql: &str, values: Vec<Value>) -> Result<i64> {
        let row = self
            .db
            .query_one_raw(stmt(self.backend(), sql, values))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0))
    }
}

impl Store {
    /// One page of `table` under `clauses` (joined by AND) and their values: the total and the
    /// rows, in two queries.
    async fn filtered_page(
        &self,
        table: &str,
        columns: &str,
        clauses: &[String],
        values: Vec<Value>,
        order: &str,
        paging: Paging,
    ) -> Result<(u64, Vec<QueryResult>)> {
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let total = self
            .count_raw_with(
                &format!("SELECT COUNT(*) AS n FROM {table}{filter_sql}"),
                values.clone(),
            )
            .await? as u64;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {columns} FROM {table}{filter_sql} ORDER BY {order} LIMIT {} OFFSET {}",
                    paging.limit, paging.offset
                ),
                values,
            ))
            .await?;
        Ok((total, rows))
    }
}
