//! Plan items: adding programs (the plan is reopened only when something is new), starting,
//! completing (JP credited by the rules, the levels the program develops recorded) and cancelling
//! them.

#[allow(unused_imports)]
use super::*;

/// Whether `item` was in the latest approved revision of its plan.
pub(super) async fn approved_before(
    txn: &DatabaseTransaction,
    plan_id: i64,
    item: i64,
) -> Result<bool> {
    let row = txn
        .query_one_raw(stmt(
            txn.get_database_backend(),
            "SELECT items FROM plan_revisions WHERE plan_id = $1 AND status = 'approved' ORDER BY revision DESC LIMIT 1",
            vec![plan_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(false) };
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&row.try_get::<String>("", "items")?).unwrap_or_default();
    Ok(items.iter().any(|i| i["id"].as_i64() == Some(item)))
}

/// Adds programs to an employee's plan for `year` inside the caller's transaction (see
/// [`Store::plan_add_items`]); the workflow engine uses it to commit plan items together with
/// the step that adds them.
pub async fn add_plan_items(
    txn: &DatabaseTransaction,
    actor: &Actor,
    nip: &str,
    year: i32,
    items: &[(String, NaiveDate)],
    skip_existing: bool,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut problems = Vec::new();
    let refs = items.iter().enumerate().map(|(i, (p, _))| {
        (
            if items.len() == 1 {
                "program".to_string()
            } else {
                format!("[{i}].program")
            },
            p.as_str(),
        )
    });
    crate::reference::require_existing(txn, &mut problems, "programs", "code", "program", refs)
        .await?;
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    // What is new is decided before the plan is touched: a plan that already holds every
    // program stays exactly as it is (an approved plan is not reopened for nothing).
    let existing = match find_plan(txn, nip, year).await? {
        Some(plan) => items_of(txn, plan.id).await?,
        None => Vec::new(),
    };
    let mut new_items = Vec::with_capacity(items.len());
    for (program, due) in items {
        if existing
            .iter()
            .any(|i| &i.program == program && i.status != ItemStatus::Cancelled)
        {
            if skip_existing {
                continue;
            }
            return Err(conflict(format!("{program} is already in the plan")));
        }
        new_items.push((program, due));
    }
    if new_items.is_empty() {
        return Ok(Vec::new());
    }
    let plan = edit(txn, nip, year, now).await?;
    let audited: Vec<serde_json::Value> = new_items
        .iter()
        .map(|(p, d)| serde_json::json!({"program": p, "due": d}))
        .collect();
    let mut added = Vec::new();
    for (program, due) in new_items {
        let row = txn
                .query_one_raw(stmt(
                    txn.get_database_backend(),
                    "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at) \
                     SELECT $1, code, $2, 'planned', jp, 0, $3, $4 FROM programs WHERE code = $5 RETURNING id",
                    vec![plan.id.into(), (*due).into(), now.into(), now.into(), program.clone().into()],
                ))
                .await?
                .ok_or_else(|| StoreError::not_found("program", program.clone()))?;
        added.push(row.try_get::<i64>("", "id")?);
    }
    if !added.is_empty() {
        audit::record(
            txn,
            actor,
            "add_items",
            "plan",
            &format!("{nip}/{year}"),
            serde_json::json!({"items": audited, "revision": plan.revision}),
            now,
        )
        .await?;
    }
    Ok(added)
}

impl Store {
    /// Adds programs to the plan (opening it for editing). A program already planned and not
    /// cancelled is a conflict, or skipped when `skip_existing` (generation). Returns the ids
    /// of the items added.
    pub async fn plan_add_items(
        &self,
        actor: &Actor,
        nip: &str,
        year: i32,
        items: &[(String, NaiveDate)],
        skip_existing: bool,
    ) -> Result<Vec<i64>> {
        self.get_employee(nip).await?;
        let txn = self.begin_write().await?;
        let added =
            add_plan_items(&txn, actor, nip, year, items, skip_existing, self.now()).await?;
        txn.commit().await?;
        Ok(added)
    }

    /// Who owns an item: (nip, year).
    pub async fn plan_item_owner(&self, item: i64) -> Result<(String, i32)> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT p.nip, p.year FROM plan_items i JOIN development_plans p ON p.id = i.plan_id WHERE i.id = $1",
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        Ok((row.try_get("", "nip")?, r_year(&row)?))
    }

    /// Starts, completes or cancels an item. Only items of an approved plan (or approved in an
    /// earlier revision) can be started or completed. Completing credits JP by `rules` and
    /// records the levels the program develops, dated `completed_on`.
    pub async fn plan_item_action(
        &self,
        actor: &Actor,
        item: i64,
        action: ItemAction,
        details: ItemDetails,
        rules: &JpRules,
    ) -> Result<PlanItem> {
        let ItemDetails {
            evidence,
            completed_on,
            reason,
        } = details;
        let reason = reason.as_deref();
        let txn = self.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT i.id, i.plan_id, i.status, i.program_code, p.nip, p.year, p.status AS plan_status, p.revision, \
                 g.form, g.jp FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN programs g ON g.code = i.program_code WHERE i.id = $1",
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        let from: ItemStatus = stored("plan_items", item, &row.try_get::<String>("", "status")?)?;
        let to = item_transition(from, action).map_err(conflict)?;
        let plan_id: i64 = row.try_get("", "plan_id")?;
        let nip: String = row.try_get("", "nip")?;
        let program: String = row.try_get("", "program_code")?;
        if action != ItemAction::Cancel {
            let plan_status: PlanStatus = stored(
                "development_plans",
                plan_id,
                &row.try_get::<String>("", "plan_status")?,
            )?;
            if plan_status != PlanStatus::Approved && !approved_before(&txn, plan_id, item).await? {
                return Err(conflict(
                    "only items of an approved plan can be started or completed",
                ));
            }
        }
        let now = self.now();
        let form: ProgramForm = row
            .try_get::<String>("", "form")?
            .parse()
            .unwrap_or(ProgramForm::Kursus);
        let jp: i32 = row.try_get("", "jp")?;
        let credited = rules.credit(form, jp.max(0) as u32) as i32;
        let (sql, values): (&str, Vec<Value>) = match action {
            ItemAction::Start => (
                "UPDATE plan_items SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                vec![
                    to.as_str().into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
            ItemAction::Complete => (
                "UPDATE plan_items SET status = $1, jp_credited = $2, evidence = $3, completed_on = $4, \
                 started_on = COALESCE(started_on, $4), updated_at = $5 WHERE id = $6 AND status = $7",
                vec![
                    to.as_str().into(),
                    credited.into(),
                    evidence.as_ref().map(|e| e.to_string()).into(),
                    completed_on.into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
            ItemAction::Cancel => (
                "UPDATE plan_items SET status = $1, cancel_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
                vec![
                    to.as_str().into(),
                    reason.map(str::to_string).into(),
                    now.into(),
                    item.into(),
                    from.as_str().into(),
                ],
            ),
        };
        let done = txn.execute_raw(stmt(self.backend(), sql, values)).await?;
        if done.rows_affected() == 0 {
            return Err(conflict(
                "the item was changed at the same time; reload it and try again",
            ));
        }
        if action == ItemAction::Complete {
            let on = completed_on.ok_or_else(|| {
                StoreError::Invalid(vec![
                    FieldError::new("completed_on", "is required").with_code("required"),
                ])
            })?;
            // The levels the program develops, as new dated records (history is never overwritten).
            txn.execute_raw(stmt(
                self.backend(),
                "INSERT INTO competency_records (nip, competency_code, level, source, assessed_on, recorded_at, recorded_by) \
                 SELECT $1, d.competency_code, d.to_level, $2, $3, $4, $5 FROM program_develops d WHERE d.program_code = $6 \
                 ON CONFLICT (nip, competency_code, assessed_on, source, level) DO NOTHING",
                vec![
                    nip.clone().into(),
                    format!("program:{program}").into(),
                    on.into(),
                    now.into(),
                    actor.0.clone().into(),
                    program.clone().into(),
                ],
            ))
            .await?;
            refresh_current_levels(&txn, &[nip.as_str()]).await?;
            outbox(
                &txn,
                &[Event {
                    event: DomainEvent::PlanItemCompleted(PlanItemCompleted {
                        nip: nip.clone(),
                        item,
                        program: program.clone(),
                        jp: i64::from(credited),
                        completed_on: on,
                    }),
                    dedup_key: format!("plan_item:{item}:completed"),
                }],
                self.now(),
            )
            .await?;
        }
        audit::record(
            &txn,
            actor,
            action.as_str(),
            "plan_item",
            &item.to_string(),
            serde_json::json!({"nip": nip, "program": program, "from": from, "to": to, "evidence": evidence, "reason": reason}), self.now(),
        )
        .await?;
        let updated = txn
            .query_one_raw(stmt(
                self.backend(),
                &format!("{ITEM_SELECT} WHERE i.id = $1"),
                vec![item.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("plan item", item.to_string()))?;
        let out = item_from(&updated)?;
        txn.commit().await?;
        Ok(out)
    }
}
