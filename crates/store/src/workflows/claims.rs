//! What the workflow engine claims and marks: outbox events, due instances and tasks, calendar
//! runs, the trigger keys of instances that exist already, and the events it emits.

#[allow(unused_imports)]
use super::*;

/// The row lock that lets two workers skip each other's claimed rows (PostgreSQL; SQLite has
/// one writer).
pub(crate) fn lock_clause(backend: DatabaseBackend) -> &'static str {
    if backend == DatabaseBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

/// Claims up to `limit` unprocessed events with ids in `ids`, oldest first. On PostgreSQL rows
/// another engine holds are skipped; on SQLite the caller's write transaction is the single
/// claimer.
pub async fn claim_events<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
    ids: std::ops::Range<i64>,
) -> Result<Vec<OutboxEvent>> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "SELECT id, kind, subject_nip, payload, dedup_key FROM outbox_events \
         WHERE processed_at IS NULL AND id >= $1 AND id < $2 ORDER BY id LIMIT {limit}{}",
        lock_clause(backend)
    );
    let rows = conn
        .query_all_raw(stmt(backend, &sql, vec![ids.start.into(), ids.end.into()]))
        .await?;
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

impl Store {
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
