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

fn lock_clause(backend: DatabaseBackend) -> &'static str {
    if backend == DatabaseBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Claims up to `limit` unprocessed events, oldest first. On PostgreSQL rows another engine holds
/// are skipped; on SQLite the caller's write transaction is the single claimer.
pub async fn claim_events<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<OutboxEvent>> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "SELECT id, kind, subject_nip, payload, dedup_key FROM outbox_events \
         WHERE processed_at IS NULL ORDER BY id LIMIT {limit}{}",
        lock_clause(backend)
    );
    let rows = conn.query_all_raw(stmt(backend, &sql, vec![])).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("", "id")?;
            let kind: String = r.try_get("", "kind")?;
            let corrupt = |message: String| StoreError::Corrupt {
                table: "outbox_events",
                key: id.to_string(),
                message,
            };
            let payload: serde_json::Value =
                serde_json::from_str(&r.try_get::<String>("", "payload")?)
                    .map_err(|e| corrupt(format!("payload is not JSON: {e}")))?;
            let event =
                DomainEvent::decode(&kind, payload.clone()).map_err(|e| corrupt(e.to_string()))?;
            Ok(OutboxEvent {
                id,
                subject: r.try_get("", "subject_nip")?,
                event,
                payload,
                dedup_key: r.try_get("", "dedup_key")?,
            })
        })
        .collect()
}

pub async fn mark_processed<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = conn.get_database_backend();
    for chunk in ids.chunks(rows_per_statement(1)) {
        let mut values: Vec<Value> = vec![now.into()];
        values.extend(chunk.iter().map(|&i| i.into()));
        let sql = format!(
            "UPDATE outbox_events SET processed_at = $1 WHERE id IN ({})",
            placeholders(2, chunk.len())
        );
        conn.execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

/// Writes events to the outbox (a repeated dedup key is ignored).
pub async fn emit<C: ConnectionTrait>(
    conn: &C,
    events: Vec<(DomainEvent, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let events: Vec<Event> = events
        .into_iter()
        .map(|(event, dedup_key)| Event { event, dedup_key })
        .collect();
    outbox(conn, &events, now).await
}

/// The subjects of a batch, with who supervises them: a statement per chunk of NIPs for the
/// subjects, one for the heads above them and one for the heads above their supervisors.
///
/// The supervisor is the one recorded (`atasan_nip`); without one, the head of the nearest unit
/// up the tree headed by someone else (the unit's head; for a head, the parent unit's head).
/// The second supervisor is the supervisor's supervisor found the same way.
pub async fn subjects<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, Subject>> {
    let backend = conn.get_database_backend();
    let mut out = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT e.nip, e.name, e.unit_code, e.position_code, p.kind AS position_kind, e.supervisor_nip \
             FROM employees e \
             LEFT JOIN positions p ON p.code = e.position_code \
             WHERE e.nip IN ({})",
            placeholders(1, chunk.len())
        );
        let rows = conn
            .query_all_raw(stmt(
                backend,
                &sql,
                chunk.iter().map(|n| (*n).into()).collect(),
            ))
            .await?;
        for r in &rows {
            let s = Subject {
                nip: r.try_get("", "nip")?,
                name: r.try_get("", "name")?,
                unit: r.try_get("", "unit_code")?,
                position: r.try_get("", "position_code")?,
                position_kind: r.try_get("", "position_kind")?,
                supervisor_nip: r.try_get("", "supervisor_nip")?,
                second_supervisor_nip: None,
                unit_head_nip: None,
            };
            out.insert(s.nip.clone(), s);
        }
    }
    let found: Vec<&str> = out.keys().map(String::as_str).collect();
    let heads = heads_above(conn, &found).await?;
    for s in out.values_mut() {
        s.unit_head_nip = heads.get(&s.nip).cloned();
        if s.supervisor_nip.is_none() {
            s.supervisor_nip = s.unit_head_nip.clone();
        }
    }
    let supervisors: Vec<String> = out
        .values()
        .filter_map(|s| s.supervisor_nip.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let supervisors: Vec<&str> = supervisors.iter().map(String::as_str).collect();
    let mut above = recorded_supervisors(conn, &supervisors).await?;
    let missing: Vec<&str> = supervisors
        .iter()
        .copied()
        .filter(|n| !above.contains_key(*n))
        .collect();
    above.extend(heads_above(conn, &missing).await?);
    for s in out.values_mut() {
        s.second_supervisor_nip = s
            .supervisor_nip
            .as_ref()
            .and_then(|sup| above.get(sup).cloned());
    }
    Ok(out)
}

/// The recorded supervisor of each of `nips` that has one.
async fn recorded_supervisors<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, String>> {
    nip_pairs(conn, nips, |list| {
        format!(
            "SELECT nip, supervisor_nip AS other FROM employees \
             WHERE supervisor_nip IS NOT NULL AND nip IN ({list})"
        )
    })
    .await
}

/// For each of `nips`, the head of the nearest unit from their own upwards that is headed by
/// someone else (none at the top of a tree without such a head). One recursive statement per
/// chunk; the walk climbs only past units without another head.
pub async fn heads_above<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, String>> {
    nip_pairs(conn, nips, |list| {
        format!(
            "WITH RECURSIVE chain(nip, parent_code, head_nip, depth) AS ( \
                 SELECT e.nip, u.parent_code, u.head_nip, 0 FROM employees e \
                 JOIN units u ON u.code = e.unit_code WHERE e.nip IN ({list}) \
               UNION ALL \
                 SELECT c.nip, u.parent_code, u.head_nip, c.depth + 1 FROM chain c \
                 JOIN units u ON u.code = c.parent_code \
                 WHERE (c.head_nip IS NULL OR c.head_nip = c.nip) AND c.depth < 100 \
             ) \
             SELECT nip, head_nip AS other FROM chain \
             WHERE head_nip IS NOT NULL AND head_nip <> nip ORDER BY depth"
        )
    })
    .await
}

/// Runs `sql` (given the placeholder list of a chunk) for each chunk of `nips`, keeping the
/// first `other` answered for each `nip`.
async fn nip_pairs<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
    sql: impl Fn(&str) -> String,
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in nips.chunks(rows_per_statement(1)) {
        let rows = conn
            .query_all_raw(stmt(
                conn.get_database_backend(),
                &sql(&placeholders(1, chunk.len())),
                chunk.iter().map(|n| (*n).into()).collect(),
            ))
            .await?;
        for r in &rows {
            let nip: String = r.try_get("", "nip")?;
            let other: String = r.try_get("", "other")?;
            out.entry(nip).or_insert(other);
        }
    }
    Ok(out)
}

/// The latest version of every definition.
pub async fn latest_definitions<C: ConnectionTrait>(conn: &C) -> Result<Vec<DefinitionRecord>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT d.key, d.version, d.title, d.definition, d.created_at, d.created_by FROM workflow_definitions d \
             JOIN (SELECT key, MAX(version) AS version FROM workflow_definitions GROUP BY key) l \
               ON l.key = d.key AND l.version = d.version ORDER BY d.key",
            vec![],
        ))
        .await?;
    rows.iter().map(definition_from).collect()
}

pub async fn definition_version<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    version: i32,
) -> Result<DefinitionRecord> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT key, version, title, definition, created_at, created_by FROM workflow_definitions \
             WHERE key = $1 AND version = $2",
            vec![key.into(), version.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::not_found("workflow", format!("{key} v{version}")))?;
    definition_from(&row)
}

/// When the first version of a definition was saved (calendar triggers do not fire for days
/// before the workflow existed).
pub async fn first_saved_at<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<DateTime<Utc>>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT created_at FROM workflow_definitions WHERE key = $1 ORDER BY version LIMIT 1",
            vec![key.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "created_at"))
        .transpose()
        .map_err(Into::into)
}

/// The state an instance is left in after a run.
#[derive(Debug, Clone)]
pub struct InstanceState<'a> {
    pub status: InstanceStatus,
    pub current_step: Option<&'a str>,
    pub context: &'a serde_json::Value,
    pub waiting_for: Option<&'a str>,
    pub wake_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<&'a str>,
}

pub async fn update_instance<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    s: &InstanceState<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE workflow_instances SET status = $1, current_step = $2, context = $3, waiting_for = $4, \
         wake_at = $5, attempts = $6, last_error = $7, updated_at = $8 WHERE id = $9",
        vec![
            s.status.as_str().into(),
            s.current_step.map(str::to_string).into(),
            s.context.to_string().into(),
            s.waiting_for.map(str::to_string).into(),
            s.wake_at.into(),
            s.attempts.into(),
            s.last_error.map(str::to_string).into(),
            now.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Appends history entries (instance, step, event, detail).
pub async fn append_history<C: ConnectionTrait>(
    conn: &C,
    entries: &[(i64, String, String, Option<String>)],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut values: Vec<Value> = Vec::with_capacity(entries.len() * 5);
    for (instance, step, event, detail) in entries {
        values.extend([
            (*instance).into(),
            now.into(),
            step.clone().into(),
            event.clone().into(),
            detail.clone().into(),
        ]);
    }
    insert_rows(
        conn,
        "INSERT INTO workflow_history (instance_id, at, step, event, detail)",
        "",
        5,
        values,
    )
    .await
}

/// Instances waiting for an event of one of `kinds` about one of `nips`.
pub async fn waiting_for_events<C: ConnectionTrait>(
    conn: &C,
    kinds: &[&str],
    nips: &[&str],
) -> Result<Vec<InstanceRecord>> {
    let backend = conn.get_database_backend();
    let mut out = Vec::new();
    if kinds.is_empty() || nips.is_empty() {
        return Ok(out);
    }
    for chunk in nips.chunks(rows_per_statement(1).saturating_sub(kinds.len()).max(1)) {
        let sql = format!(
            "SELECT {INSTANCE_COLUMNS} FROM workflow_instances WHERE status = 'waiting' \
             AND waiting_for IN ({}) AND subject_nip IN ({}) ORDER BY id{}",
            placeholders(1, kinds.len()),
            placeholders(kinds.len() + 1, chunk.len()),
            lock_clause(backend)
        );
        let mut values: Vec<Value> = kinds.iter().map(|k| (*k).into()).collect();
        values.extend(chunk.iter().map(|n| (*n).into()));
        let rows = conn.query_all_raw(stmt(backend, &sql, values)).await?;
        for r in &rows {
            out.push(instance_from(r)?);
        }
    }
    Ok(out)
}

/// Instances whose timer (a wait, a timeout or a retry) has come, claimed.
pub async fn claim_due_instances<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<InstanceRecord>> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "SELECT {INSTANCE_COLUMNS} FROM workflow_instances WHERE status IN ('running', 'waiting') \
         AND wake_at IS NOT NULL AND wake_at <= $1 ORDER BY wake_at, id LIMIT {limit}{}",
        lock_clause(backend)
    );
    let rows = conn
        .query_all_raw(stmt(backend, &sql, vec![now.into()]))
        .await?;
    rows.iter().map(instance_from).collect()
}

/// These instances, locked for the caller's transaction on PostgreSQL (waiting for another
/// holder), by id.
pub async fn lock_instances<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<HashMap<i64, InstanceRecord>> {
    let backend = conn.get_database_backend();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT {INSTANCE_COLUMNS} FROM workflow_instances WHERE id IN ({}) ORDER BY id{}",
            placeholders(1, chunk.len()),
            if backend == DatabaseBackend::Postgres {
                " FOR UPDATE"
            } else {
                ""
            }
        );
        let rows = conn
            .query_all_raw(stmt(
                backend,
                &sql,
                chunk.iter().map(|i| (*i).into()).collect(),
            ))
            .await?;
        for r in &rows {
            let inst = instance_from(r)?;
            out.insert(inst.id, inst);
        }
    }
    Ok(out)
}

pub async fn insert_notifications<C: ConnectionTrait>(
    conn: &C,
    notes: &[NewNotification],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut values: Vec<Value> = Vec::with_capacity(notes.len() * 8);
    for n in notes {
        values.extend([
            n.recipient_nip.clone().into(),
            n.recipient_role.clone().into(),
            n.subject_nip.clone().into(),
            n.instance_id.into(),
            n.template.clone().into(),
            n.title.clone().into(),
            n.body.clone().into(),
            now.into(),
        ]);
    }
    insert_rows(
        conn,
        "INSERT INTO notifications (recipient_nip, recipient_role, subject_nip, instance_id, template, title, body, created_at)",
        "",
        8,
        values,
    )
    .await
}

pub async fn insert_recognition<C: ConnectionTrait>(
    conn: &C,
    nip: &str,
    title: &str,
    instance: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO recognitions (nip, title, instance_id, created_at) VALUES ($1, $2, $3, $4)",
        vec![nip.into(), title.into(), instance.into(), now.into()],
    ))
    .await?;
    Ok(())
}

pub async fn insert_nomination<C: ConnectionTrait>(
    conn: &C,
    nip: &str,
    pool: &str,
    talent_box: Option<i16>,
    instance: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO talent_nominations (nip, pool, talent_box, instance_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        vec![nip.into(), pool.into(), talent_box.into(), instance.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Open tasks whose escalation or reminder is due, claimed.
pub async fn claim_due_tasks<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DueTask>> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "SELECT id, instance_id, step, due, title, subject_nip, assignee_nip, assignee_role, escalate_to, remind_every_days, \
                CASE WHEN escalated = $1 AND escalate_at IS NOT NULL AND escalate_at <= $2 THEN 1 ELSE 0 END AS escalate \
         FROM workflow_tasks WHERE status = 'open' AND ((escalated = $3 AND escalate_at <= $4) OR remind_at <= $5) \
         ORDER BY id LIMIT {limit}{}",
        lock_clause(backend)
    );
    let rows = conn
        .query_all_raw(stmt(
            backend,
            &sql,
            vec![
                false.into(),
                now.into(),
                false.into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DueTask {
                id: r.try_get("", "id")?,
                instance_id: r.try_get("", "instance_id")?,
                step: r.try_get("", "step")?,
                due: r.try_get("", "due")?,
                title: r.try_get("", "title")?,
                subject_nip: r.try_get("", "subject_nip")?,
                assignee_nip: r.try_get("", "assignee_nip")?,
                assignee_role: r.try_get("", "assignee_role")?,
                escalate: r.try_get::<i32>("", "escalate")? == 1,
                escalate_to: r.try_get("", "escalate_to")?,
                remind_every_days: r.try_get("", "remind_every_days")?,
            })
        })
        .collect()
}

/// Moves an open task to another assignee (an escalation), once.
pub async fn escalate_task<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    assignee_nip: Option<&str>,
    assignee_role: Option<&str>,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE workflow_tasks SET assignee_nip = $1, assignee_role = $2, escalated = $3 WHERE id = $4",
        vec![
            assignee_nip.map(str::to_string).into(),
            assignee_role.map(str::to_string).into(),
            true.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

pub async fn set_task_reminder<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    next: Option<DateTime<Utc>>,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE workflow_tasks SET remind_at = $1 WHERE id = $2",
        vec![next.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// Cancels the open tasks of an instance (when it ends another way).
pub async fn cancel_open_tasks<C: ConnectionTrait>(conn: &C, instance: i64) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE workflow_tasks SET status = 'cancelled' WHERE instance_id = $1 AND status = 'open'",
        vec![instance.into()],
    ))
    .await?;
    Ok(())
}

/// Whether a calendar trigger has fired for `year`; records the firing when not.
pub async fn claim_schedule_run<C: ConnectionTrait>(
    conn: &C,
    workflow: &str,
    year: i32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO workflow_schedule_runs (workflow_key, year, fired_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workflow_key, year) DO NOTHING",
            vec![workflow.into(), year.into(), now.into()],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Filters for the instance list.
#[derive(Debug, Clone)]
pub struct InstanceFilter {
    pub nip: Option<String>,
    pub workflow: Option<String>,
    pub status: Option<String>,
    /// Only instances about employees in this scope (the caller's).
    pub scope: jenjang_core::access::EmployeeScope,
}

/// Filters for the task list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub mine: Option<Mine>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub nip: Option<String>,
    /// Tasks assigned to this NIP or about employees in this scope (the caller's); `None` = all.
    pub visible_to: Option<(Option<String>, jenjang_core::access::EmployeeScope)>,
}

impl Store {
    /// Saves a new version of a definition (version 1 for a new key) and returns it.
    pub async fn save_workflow_definition(
        &self,
        actor: &Actor,
        key: &str,
        title: &str,
        definition: &serde_json::Value,
    ) -> Result<DefinitionRecord> {
        let txn = self.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COALESCE(MAX(version), 0) AS v FROM workflow_definitions WHERE key = $1",
                vec![key.into()],
            ))
            .await?;
        let version: i32 = match row {
            Some(r) => r
                .try_get::<i32>("", "v")
                .or_else(|_| r.try_get::<i64>("", "v").map(|v| v as i32))?,
            None => 0,
        } + 1;
        let now = self.now();
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO workflow_definitions (key, version, title, definition, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                key.into(),
                version.into(),
                title.into(),
                definition.to_string().into(),
                now.into(),
                actor.0.clone().into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "create",
            "workflow",
            &format!("{key}/v{version}"),
            serde_json::json!({"title": title}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        definition_version(&self.db, key, version).await
    }

    /// Whether some version of the definition `key` is stored.
    async fn workflow_installed(&self, key: &str) -> Result<bool> {
        Ok(self
            .count_raw_with(
                "SELECT COUNT(*) AS n FROM workflow_definitions WHERE key = $1",
                vec![key.into()],
            )
            .await?
            > 0)
    }

    /// Installs a definition unless some version of its key exists. Returns whether it did.
    pub async fn install_workflow_definition(
        &self,
        actor: &Actor,
        key: &str,
        title: &str,
        definition: &serde_json::Value,
    ) -> Result<bool> {
        if self.workflow_installed(key).await? {
            return Ok(false);
        }
        match self
            .save_workflow_definition(actor, key, title, definition)
            .await
        {
            Ok(_) => Ok(true),
            // Another process installed it at the same moment (the key and version exist);
            // any other failure is reported.
            Err(StoreError::Db(e)) if !self.workflow_installed(key).await? => {
                Err(StoreError::Db(e))
            }
            Err(StoreError::Db(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn latest_workflow_definitions(&self) -> Result<Vec<DefinitionRecord>> {
        latest_definitions(&self.db).await
    }

    /// Every version of a definition, newest first.
    pub async fn workflow_definition_versions(&self, key: &str) -> Result<Vec<DefinitionRecord>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT key, version, title, definition, created_at, created_by FROM workflow_definitions \
                 WHERE key = $1 ORDER BY version DESC",
                vec![key.into()],
            ))
            .await?;
        if rows.is_empty() {
            return Err(StoreError::not_found("workflow", key));
        }
        rows.iter().map(definition_from).collect()
    }

    /// Instances, newest first, each with its history (one query for the page's histories).
    pub async fn list_instances(
        &self,
        filter: &InstanceFilter,
        paging: Paging,
    ) -> Result<Page<InstanceRecord>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut add = |clause: &str, v: Value, values: &mut Vec<Value>| {
            values.push(v);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
        if let Some(n) = &filter.nip {
            add("subject_nip = ?", n.clone().into(), &mut values);
        }
        if let Some(w) = &filter.workflow {
            add("workflow_key = ?", w.clone().into(), &mut values);
        }
        if let Some(s) = &filter.status {
            add("status = ?", s.clone().into(), &mut values);
        }
        if let Some(sub) = crate::employees::scope_subquery(&filter.scope, &mut values) {
            clauses.push(format!("subject_nip IN {sub}"));
        }
        let (total, rows) = self
            .filtered_page(
                "workflow_instances",
                INSTANCE_COLUMNS,
                &clauses,
                values,
                "id DESC",
                paging,
            )
            .await?;
        let mut items: Vec<InstanceRecord> =
            rows.iter().map(instance_from).collect::<Result<_>>()?;
        self.attach_history(&mut items).await?;
        Ok(Page {
            items,
            total,
            limit: paging.limit,
            offset: paging.offset,
        })
    }

    async fn attach_history(&self, items: &mut [InstanceRecord]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<Value> = items.iter().map(|i| i.id.into()).collect();
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT instance_id, at, step, event, detail FROM workflow_history WHERE instance_id IN ({}) ORDER BY id",
                    placeholders(1, ids.len())
                ),
                ids,
            ))
            .await?;
        let mut by_instance: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
        for r in &rows {
            by_instance
                .entry(r.try_get("", "instance_id")?)
                .or_default()
                .push(HistoryEntry {
                    at: r.try_get("", "at")?,
                    step: r.try_get("", "step")?,
                    event: r.try_get("", "event")?,
                    detail: r.try_get("", "detail")?,
                });
        }
        for i in items {
            i.history = by_instance.remove(&i.id).unwrap_or_default();
        }
        Ok(())
    }

    pub async fn get_instance(&self, id: i64) -> Result<InstanceRecord> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {INSTANCE_COLUMNS} FROM workflow_instances WHERE id = $1"),
                vec![id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("workflow instance", id.to_string()))?;
        let mut items = vec![instance_from(&row)?];
        self.attach_history(&mut items).await?;
        Ok(items.remove(0))
    }

    /// Puts an instance at an incident back to running, due now; the engine retries the step.
    pub async fn retry_instance(&self, actor: &Actor, id: i64) -> Result<()> {
        let txn = self.begin_write().await?;
        let now = self.now();
        let done = txn
            .execute_raw(stmt(
                self.backend(),
                "UPDATE workflow_instances SET status = 'running', attempts = 0, wake_at = $1, updated_at = $2 \
                 WHERE id = $3 AND status = 'incident'",
                vec![now.into(), now.into(), id.into()],
            ))
            .await?;
        if done.rows_affected() == 0 {
            let exists = self.get_instance(id).await?;
            return Err(StoreError::Conflict(format!(
                "instance {id} is {}, not at an incident",
                exists.status
            )));
        }
        append_history(
            &txn,
            &[(
                id,
                String::new(),
                "retry".into(),
                Some(format!("by {}", actor.0)),
            )],
            now,
        )
        .await?;
        audit::record(
            &txn,
            actor,
            "retry",
            "workflow_instance",
            &id.to_string(),
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn list_tasks(
        &self,
        filter: &TaskFilter,
        paging: Paging,
    ) -> Result<Page<TaskRecord>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(mine) = &filter.mine {
            clauses.push(mine.clause("assignee", &mut values));
        }
        if let Some((assignee, scope)) = &filter.visible_to {
            let mut parts = Vec::new();
            if let Some(a) = assignee {
                values.push(a.clone().into());
                parts.push(format!("assignee_nip = ${}", values.len()));
            }
            match crate::employees::scope_subquery(scope, &mut values) {
                Some(sub) => parts.push(format!("subject_nip IN {sub}")),
                None => parts.push("1 = 1".into()),
            }
            clauses.push(format!("({})", parts.join(" OR ")));
        }
        for (col, v) in [
            ("status", &filter.status),
            ("kind", &filter.kind),
            ("subject_nip", &filter.nip),
        ] {
            if let Some(v) = v {
                values.push(v.clone().into());
                clauses.push(format!("{col} = ${}", values.len()));
            }
        }
        let (total, rows) = self
            .filtered_page(
                "workflow_tasks",
                TASK_COLUMNS,
                &clauses,
                values,
                "due, id",
                paging,
            )
            .await?;
        Ok(Page {
            items: rows.iter().map(task_from).collect::<Result<_>>()?,
            total,
            limit: paging.limit,
            offset: paging.offset,
        })
    }

    pub async fn get_task(&self, id: i64) -> Result<TaskRecord> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {TASK_COLUMNS} FROM workflow_tasks WHERE id = $1"),
                vec![id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("task", id.to_string()))?;
        task_from(&row)
    }

    /// Completes an open task: records the scores as dated competency records (source
    /// `coaching`), and writes the `task.completed` event that moves the instance on, all in one
    /// transaction. A task completed already is a conflict (a retried request changes nothing).
    pub async fn complete_task(
        &self,
        actor: &Actor,
        task: &TaskRecord,
        outcome: &str,
        notes: Option<&str>,
        scores: &[jenjang_core::reference::CompetencyRecord],
    ) -> Result<TaskRecord> {
        let txn = self.begin_write().await?;
        let mut problems = Vec::new();
        crate::reference::require_existing(
            &txn,
            &mut problems,
            "competencies",
            "code",
            "competency",
            scores.iter().enumerate().map(|(i, r)| {
                (
                    format!("competency_scores[{i}].competency"),
                    r.competency.as_str(),
                )
            }),
        )
        .await?;
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let now = self.now();
        let done = txn
            .execute_raw(stmt(
                self.backend(),
                "UPDATE workflow_tasks SET status = 'completed', outcome = $1, notes = $2, completed_by = $3, \
                 completed_at = $4 WHERE id = $5 AND status = 'open'",
                vec![
                    outcome.into(),
                    notes.map(str::to_string).into(),
                    actor.0.clone().into(),
                    now.into(),
                    task.id.into(),
                ],
            ))
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "task {} is no longer open",
                task.id
            )));
        }
        if let (false, Some(nip)) = (scores.is_empty(), &task.subject_nip) {
            let nip = jenjang_core::Nip::from_stored(nip.clone());
            let records: Vec<(
                &jenjang_core::Nip,
                &jenjang_core::reference::CompetencyRecord,
            )> = scores.iter().map(|r| (&nip, r)).collect();
            crate::bulk::write_competency_records(&txn, actor, &records, None, self.now()).await?;
        }
        emit(
            &txn,
            vec![(
                DomainEvent::TaskCompleted(TaskCompleted {
                    task_id: task.id,
                    instance_id: task.instance_id,
                    subject_nip: task.subject_nip.clone(),
                    kind: task.kind.clone(),
                    outcome: outcome.to_string(),
                    notes: notes.map(str::to_string),
                    scores: scores
                        .iter()
                        .map(|s| TaskScore {
                            competency: s.competency.to_string(),
                            level: i64::from(s.level.get()),
                        })
                        .collect(),
                }),
                format!("task:{}:completed", task.id),
            )],
            self.now(),
        )
        .await?;
        audit::record(
            &txn,
            actor,
            "complete",
            "task",
            &task.id.to_string(),
            serde_json::json!({"outcome": outcome, "notes": notes, "scores": scores.len()}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        self.get_task(task.id).await
    }

    pub async fn list_notifications(
        &self,
        mine: Option<&Mine>,
        nip: Option<&str>,
        paging: Paging,
    ) -> Result<Page<NotificationRecord>> {
        let mut clauses = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(m) = mine {
            clauses.push(m.clause("recipient", &mut values));
        }
        if let Some(n) = nip {
            values.push(n.into());
            clauses.push(format!("subject_nip = ${}", values.len()));
        }
        let (total, rows) = self
            .filtered_page(
                "notifications",
                "id, recipient_nip, recipient_role, subject_nip, instance_id, template, title, body, created_at",
                &clauses,
                values,
                "id DESC",
                paging,
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                let nip: Option<String> = r.try_get("", "recipient_nip")?;
                let role: Option<String> = r.try_get("", "recipient_role")?;
                Ok(NotificationRecord {
                    id: r.try_get("", "id")?,
                    recipient: nip.or(role).unwrap_or_default(),
                    subject_nip: r.try_get("", "subject_nip")?,
                    instance_id: r.try_get("", "instance_id")?,
                    template: r.try_get("", "template")?,
                    title: r.try_get("", "title")?,
                    body: r.try_get("", "body")?,
                    created_at: r.try_get("", "created_at")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: paging.limit,
            offset: paging.offset,
        })
    }

    /// Recognitions and pool nominations of an employee: (kind, title or pool, at).
    pub async fn recognitions_and_nominations(
        &self,
        nip: &str,
    ) -> Result<Vec<(String, String, Option<i16>, DateTime<Utc>)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT 'recognition' AS kind, title AS what, NULL AS talent_box, created_at FROM recognitions WHERE nip = $1 \
                 UNION ALL SELECT 'nomination', pool, talent_box, created_at FROM talent_nominations WHERE nip = $2 \
                 ORDER BY created_at",
                vec![nip.into(), nip.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("", "kind")?,
                    r.try_get("", "what")?,
                    r.try_get::<Option<i16>>("", "talent_box").ok().flatten(),
                    r.try_get("", "created_at")?,
                ))
            })
            .collect()
    }

    /// Starts a write transaction for the engine. On PostgreSQL its statements are planned with
    /// their parameters each time: a generic plan cached while the tables were small (a
    /// sequential scan) would otherwise stay while the engine's tables grow.
    pub async fn begin_work(&self) -> Result<DatabaseTransaction> {
        let txn = self.begin_write().await?;
        if self.is_postgres() {
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
                .await?;
        }
        Ok(txn)
    }

    /// Marks every unprocessed event processed without acting on it (history loaded as a seed).
    pub async fn skip_pending_events(&self) -> Result<u64> {
        let done = self
            .db
            .execute_raw(stmt(
                self.backend(),
                "UPDATE outbox_events SET processed_at = $1 WHERE processed_at IS NULL",
                vec![self.now().into()],
            ))
            .await?;
        Ok(done.rows_affected())
    }
}

/// Every employee's JP for `year`: (nip, completed, planned and not yet completed).
pub async fn jp_of_everyone<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Vec<(String, u32, u32)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT e.nip, \
             COALESCE(SUM(CASE WHEN i.status <> 'cancelled' AND i.status <> 'completed' THEN i.jp ELSE 0 END), 0) AS open_jp, \
             COALESCE(SUM(CASE WHEN i.status = 'completed' THEN i.jp_credited ELSE 0 END), 0) AS done_jp \
             FROM employees e LEFT JOIN development_plans p ON p.nip = e.nip AND p.year = $1 \
             LEFT JOIN plan_items i ON i.plan_id = p.id GROUP BY e.nip ORDER BY e.nip",
            vec![(year as i16).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let open: i64 = r.try_get("", "open_jp")?;
            let done: i64 = r.try_get("", "done_jp")?;
            Ok((
                r.try_get("", "nip")?,
                done.max(0) as u32,
                open.max(0) as u32,
            ))
        })
        .collect()
}

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

/// An employee's potential and evaluations (period, predikat), for their talent box.
pub async fn talent_inputs<C: ConnectionTrait>(
    conn: &C,
    nip: &str,
) -> Result<(Option<Potential>, Vec<(Period, Predikat)>)> {
    let backend = conn.get_database_backend();
    let potential = conn
        .query_one_raw(stmt(
            backend,
            "SELECT potential FROM employees WHERE nip = $1",
            vec![nip.into()],
        ))
        .await?
        .map(|r| r.try_get::<Option<String>>("", "potential"))
        .transpose()?
        .flatten()
        .map(|p| stored("employees", nip, &p))
        .transpose()?;
    let rows = conn
        .query_all_raw(stmt(
            backend,
            "SELECT period, predikat FROM evaluations WHERE nip = $1",
            vec![nip.into()],
        ))
        .await?;
    let evaluations = rows
        .iter()
        .map(|r| {
            let period: String = r.try_get("", "period")?;
            let key = format!("{nip}/{period}");
            Ok((
                stored("evaluations", &key, &period)?,
                stored("evaluations", &key, &r.try_get::<String>("", "predikat")?)?,
            ))
        })
        .collect::<Result<_>>()?;
    Ok((potential, evaluations))
}

/// A new instance with the state its first run left it in.
#[derive(Debug, Clone)]
pub struct NewInstance {
    pub workflow: String,
    pub version: i32,
    pub subject: Option<String>,
    pub trigger_key: String,
    pub status: InstanceStatus,
    pub current_step: String,
    pub context: serde_json::Value,
    pub waiting_for: Option<String>,
    pub wake_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Which of these trigger keys have an instance already.
pub async fn existing_trigger_keys<C: ConnectionTrait>(
    conn: &C,
    keys: &[&str],
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in keys.chunks(rows_per_statement(1)) {
        let rows = conn
            .query_all_raw(stmt(
                conn.get_database_backend(),
                &format!(
                    "SELECT trigger_key FROM workflow_instances WHERE trigger_key IN ({})",
                    placeholders(1, chunk.len())
                ),
                chunk.iter().map(|k| (*k).into()).collect(),
            ))
            .await?;
        for r in &rows {
            out.insert(r.try_get("", "trigger_key")?);
        }
    }
    Ok(out)
}

/// Inserts new instances with multi-row statements; returns (trigger key → id) of those
/// inserted (a key that exists already is skipped: started exactly once).
pub async fn insert_instances<C: ConnectionTrait>(
    conn: &C,
    rows: &[NewInstance],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>> {
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 13);
    for r in rows {
        values.extend([
            r.workflow.clone().into(),
            r.version.into(),
            r.subject.clone().into(),
            r.trigger_key.clone().into(),
            r.status.as_str().into(),
            r.current_step.clone().into(),
            r.context.to_string().into(),
            r.waiting_for.clone().into(),
            r.wake_at.into(),
            r.attempts.into(),
            r.last_error.clone().into(),
            now.into(),
            now.into(),
        ]);
    }
    let mut ids = HashMap::with_capacity(rows.len());
    for statement in row_statements(
        conn.get_database_backend(),
        "INSERT INTO workflow_instances (workflow_key, version, subject_nip, trigger_key, status, current_step, \
         context, waiting_for, wake_at, attempts, last_error, started_at, updated_at)",
        "ON CONFLICT (trigger_key) DO NOTHING RETURNING id, trigger_key",
        13,
        values,
    ) {
        for r in conn.query_all_raw(statement).await? {
            ids.insert(r.try_get("", "trigger_key")?, r.try_get("", "id")?);
        }
    }
    Ok(ids)
}

/// Inserts tasks with multi-row statements.
pub async fn insert_tasks<C: ConnectionTrait>(
    conn: &C,
    tasks: &[NewTask],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut values: Vec<Value> = Vec::with_capacity(tasks.len() * 17);
    for t in tasks {
        values.extend([
            t.instance_id.into(),
            t.step.clone().into(),
            t.kind.clone().into(),
            t.title.clone().into(),
            t.subject_nip.clone().into(),
            t.assignee_nip.clone().into(),
            t.assignee_role.clone().into(),
            t.due.into(),
            "open".into(),
            serde_json::to_string(&t.outcomes)
                .unwrap_or_default()
                .into(),
            t.scores.into(),
            t.escalate_at.into(),
            t.escalate_to.clone().into(),
            false.into(),
            t.remind_every_days.into(),
            t.remind_at.into(),
            now.into(),
        ]);
    }
    insert_rows(
        conn,
        "INSERT INTO workflow_tasks (instance_id, step, kind, title, subject_nip, assignee_nip, assignee_role, due, \
         status, outcomes, scores, escalate_at, escalate_to, escalated, remind_every_days, remind_at, created_at)",
        "",
        17,
        values,
    )
    .await
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
