//! Human tasks and what steps give people: tasks (escalation, reminders, completion),
//! notifications, recognitions and nominations.

#[allow(unused_imports)]
use super::*;

/// Writes notifications, and queues their mail when `mail` is on (the store's
/// [`Store::mail_delivery`]).
pub async fn insert_notifications<C: ConnectionTrait>(
    conn: &C,
    notes: &[NewNotification],
    now: DateTime<Utc>,
    mail: bool,
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
    crate::deliveries::write_notifications(conn, values, now, mail).await
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

/// Filters for the task list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub mine: Option<Mine>,
    pub status: Option<TaskStatus>,
    pub kind: Option<String>,
    pub nip: Option<String>,
    /// Tasks assigned to this NIP or about employees in this scope (the caller's); `None` = all.
    pub visible_to: Option<(Option<String>, jenjang_core::access::EmployeeScope)>,
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
        let status = filter.status.map(|s| s.as_str().to_string());
        for (col, v) in [
            ("status", &status),
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
}
