//! Workflow instances: their state as runs leave it, their history, which wait for an event, the
//! lists and retry.

#[allow(unused_imports)]
use super::*;

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

/// Filters for the instance list.
#[derive(Debug, Clone)]
pub struct InstanceFilter {
    pub nip: Option<String>,
    pub workflow: Option<String>,
    pub status: Option<InstanceStatus>,
    /// Only instances about employees in this scope (the caller's).
    pub scope: jenjang_core::access::EmployeeScope,
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

impl Store {
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
        if let Some(s) = filter.status {
            add("status = ?", s.as_str().into(), &mut values);
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
}
