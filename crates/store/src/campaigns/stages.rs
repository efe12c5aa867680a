//! Where each target stands: stage moves one by one or imported (with resistance kept for steps
//! back), and a unit's adoption progress.

#[allow(unused_imports)]
use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) async fn write_move(
    txn: &DatabaseTransaction,
    actor: &Actor,
    code: &str,
    nip: &str,
    from: Option<Stage>,
    to: Stage,
    resistance: bool,
    note: Option<&str>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = txn.get_database_backend();
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO campaign_stages (campaign_code, nip, stage, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (campaign_code, nip) DO UPDATE SET stage = excluded.stage, updated_at = excluded.updated_at",
        vec![code.into(), nip.into(), to.as_str().into(), now.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        backend,
        "INSERT INTO campaign_stage_moves (campaign_code, nip, from_stage, to_stage, resistance, note, source, at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            code.into(),
            nip.into(),
            from.map(|s| s.as_str().to_string()).into(),
            to.as_str().into(),
            resistance.into(),
            note.map(str::to_string).into(),
            source.into(),
            now.into(),
            actor.0.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A unit's adoption in a campaign, for the outreach workflow: `{campaign, unit, targets,
/// adopted, share, adoption_target, expected_share, below_target, barrier, remedy}`.
pub async fn unit_progress<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    unit: &str,
    today: NaiveDate,
) -> Result<serde_json::Value> {
    let c = campaign(conn, code).await?;
    let adopted_from = c.adopted_from;
    let stages = targets(conn, &c)
        .await?
        .into_iter()
        .filter(|t| t.unit == unit)
        .map(|t| t.stage);
    let s = jenjang_core::adkar::summarise(stages, adopted_from, c.adoption_target);
    let elapsed = jenjang_core::adkar::elapsed_fraction(c.starts, c.ends, today);
    Ok(serde_json::json!({
        "campaign": c.code,
        "title": c.title,
        "unit": unit,
        "targets": s.targets,
        "adopted": s.adopted,
        "share": s.share,
        "adoption_target": c.adoption_target,
        "expected_share": c.adoption_target * elapsed,
        "below_target": !jenjang_core::adkar::on_track(s.share, c.adoption_target, elapsed),
        "barrier": s.barrier.map(|b| b.as_str()),
        "remedy": s.barrier.map(|b| b.remedy().as_str()),
    }))
}

/// [`Store::record_stages`] inside the caller's transaction (the workflow engine's).
pub async fn record_stages_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    code: &str,
    inputs: &[StageInput],
    source: &str,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<StageRecorded>, Vec<(usize, FieldError)>)> {
    let c = campaign(txn, code).await?;
    let current: HashMap<String, Option<Stage>> = targets(txn, &c)
        .await?
        .into_iter()
        .map(|t| (t.nip, t.stage))
        .collect();
    let mut state = current.clone();
    let mut done = Vec::new();
    let mut rejected = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let Some(from) = state.get(&input.nip).copied() else {
            rejected.push((
                i,
                FieldError::new(
                    "nip",
                    format!("{} is not targeted by campaign {code}", input.nip),
                )
                .with_code("not_targeted"),
            ));
            continue;
        };
        match stage_move(from, input.stage, input.note.as_deref(), c.allow_skips) {
            Err(e) => rejected.push((i, {
                use jenjang_core::adkar::StageError;
                // Coded, so that pages say it in their reader's language.
                match &e {
                    StageError::BackWithoutNote { from, to } => {
                        FieldError::new("note", e.to_string())
                            .with_code("stage_back_without_note")
                            .with_param("from", from)
                            .with_param("to", to)
                    }
                    StageError::Skip { to, skipped, .. } => FieldError::new("stage", e.to_string())
                        .with_code("stage_skip")
                        .with_param("to", to)
                        .with_param("skipped", skipped),
                }
            })),
            Ok(m) => {
                let (movement, resistance) = (m.as_str(), m.is_resistance());
                state.insert(input.nip.clone(), Some(input.stage));
                if !dry_run && m != Move::Same {
                    write_move(
                        txn,
                        actor,
                        code,
                        &input.nip,
                        from,
                        input.stage,
                        resistance,
                        input.note.as_deref(),
                        source,
                        now,
                    )
                    .await?;
                }
                done.push(StageRecorded {
                    nip: input.nip.clone(),
                    stage: input.stage.as_str().into(),
                    previous: from.map(|s| s.as_str().to_string()),
                    movement: movement.into(),
                    resistance,
                });
            }
        }
    }
    if !dry_run && done.iter().any(|d| d.movement != "same") {
        audit::record(
            txn,
            actor,
            "record_stages",
            "campaign",
            code,
            serde_json::json!({"stages": done.iter().filter(|d| d.movement != "same").count(), "source": source}), now,
        )
        .await?;
    }
    Ok((done, rejected))
}

impl Store {
    /// Records stages, each checked against the employee's current one (steps back need a note
    /// and are resistance; skips only where the campaign allows). Valid ones are written in one
    /// transaction; the problems of the others are returned by input index. With `dry_run`
    /// nothing is written.
    pub async fn record_stages(
        &self,
        actor: &Actor,
        code: &str,
        inputs: &[StageInput],
        source: &str,
        dry_run: bool,
    ) -> Result<(Vec<StageRecorded>, Vec<(usize, FieldError)>)> {
        let txn = self.begin_write().await?;
        let (done, rejected) =
            record_stages_in(&txn, actor, code, inputs, source, dry_run, self.now()).await?;
        if !dry_run {
            txn.commit().await?;
        }
        Ok((done, rejected))
    }

    /// Every step back of a campaign, newest first.
    /// `nip`'s current stage in each campaign that has recorded one for them.
    pub async fn stages_of(&self, nip: &str) -> Result<Vec<(String, Stage)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT campaign_code, stage FROM campaign_stages WHERE nip = $1",
                vec![nip.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("", "campaign_code")?;
                let stage = stored("campaign_stages", &code, &r.try_get::<String>("", "stage")?)?;
                Ok((code, stage))
            })
            .collect()
    }

    pub async fn campaign_resistance(&self, code: &str) -> Result<Vec<Resistance>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT nip, from_stage, to_stage, note, at FROM campaign_stage_moves \
                 WHERE campaign_code = $1 AND resistance = $2 ORDER BY at DESC, id DESC",
                vec![code.into(), true.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Resistance {
                    nip: r.try_get("", "nip")?,
                    from: r.try_get("", "from_stage")?,
                    to: r.try_get("", "to_stage")?,
                    note: r.try_get("", "note")?,
                    at: r.try_get("", "at")?,
                })
            })
            .collect()
    }
}
