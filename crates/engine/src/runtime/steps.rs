//! Running an instance's steps until it waits or ends: each step in a savepoint, retries and
//! incidents, and what each kind of step does.

#[allow(unused_imports)]
use super::*;

pub(super) fn backoff(attempt: i32) -> Duration {
    match attempt {
        1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        _ => Duration::minutes(30),
    }
}

pub(super) fn subject_json(s: Option<&Subject>) -> serde_json::Value {
    s.map(|s| serde_json::to_value(s).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

/// The subject's talent box (1..9) in `year`, when both axes are known.
pub(super) async fn talent_box_of(
    txn: &DatabaseTransaction,
    nip: &str,
    year: i32,
) -> anyhow::Result<Option<i16>> {
    let (potential, evaluations) = wf::talent_inputs(txn, nip).await?;
    Ok(placement(&KinerjaRule::default(), &evaluations, potential, year).map(i16::from))
}

pub(super) fn person_or_hr(nip: Option<String>) -> (Option<String>, Option<String>) {
    match nip {
        Some(n) => (Some(n), None),
        None => (None, Some("hr".into())),
    }
}

/// Who a party is for this subject: (NIP, role queue).
pub(super) fn resolve(
    party: Party,
    subject: Option<&Subject>,
    trigger: &serde_json::Value,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    fn need(s: Option<&Subject>) -> anyhow::Result<&Subject> {
        s.ok_or_else(|| anyhow!("the instance has no employee"))
    }
    match party {
        Party::Hr => Ok((None, Some("hr".into()))),
        Party::Subject => Ok((Some(need(subject)?.nip.clone()), None)),
        // The supervisor, the supervisor's supervisor and the unit head are found up the unit
        // tree (see `wf::subjects`); where the tree has nobody above, HR takes the task.
        Party::Supervisor => Ok(person_or_hr(need(subject)?.supervisor_nip.clone())),
        Party::SecondSupervisor => Ok(person_or_hr(need(subject)?.second_supervisor_nip.clone())),
        Party::UnitHead => Ok(person_or_hr(need(subject)?.unit_head_nip.clone())),
        Party::Sponsor => trigger
            .get("sponsor_nip")
            .and_then(|v| v.as_str())
            .map(|n| (Some(n.to_string()), None))
            .ok_or_else(|| anyhow!("the triggering event names no sponsor")),
    }
}

impl Engine {
    /// Runs an instance from `live.step` until it waits or ends; a failure rolls the steps back
    /// to a savepoint and schedules a retry, or stops at an incident.
    pub(super) async fn run(
        &self,
        txn: &DatabaseTransaction,
        def: &Definition,
        live: &mut Live,
        subject: Option<&Subject>,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let result = self.steps(txn, def, live, subject, b, now).await;
        let state = match result {
            Ok(stop) => {
                let (status, waiting_for, wake_at) = match stop {
                    Stop::Waiting {
                        waiting_for,
                        wake_at,
                    } => (InstanceStatus::Waiting, waiting_for, wake_at),
                    Stop::Completed => (InstanceStatus::Completed, None, None),
                };
                if let (Some(kind), Some(nip)) =
                    (waiting_for.as_deref().filter(|k| *k != "task"), subject)
                {
                    b.waiting
                        .entry((kind.to_string(), nip.nip.clone()))
                        .or_default()
                        .push(InstanceRecord {
                            id: live.id,
                            workflow: def.key.clone(),
                            version: live.version,
                            status: InstanceStatus::Waiting,
                            subject_nip: Some(nip.nip.clone()),
                            current_step: Some(live.step.clone()),
                            started_at: now,
                            error: None,
                            attempts: 0,
                            context: serde_json::to_value(&live.ctx)?,
                            waiting_for: Some(kind.to_string()),
                            history: Vec::new(),
                        });
                }
                State {
                    workflow: def.key.clone(),
                    version: live.version,
                    status,
                    step: live.step.clone(),
                    ctx: live.ctx.clone(),
                    waiting_for,
                    wake_at,
                    attempts: 0,
                    error: None,
                }
            }
            Err(e) => {
                // The failing step's effects were dropped; the steps before it stand.
                let attempts = live.attempts + 1;
                let message = format!("{e:#}");
                let incident = attempts >= MAX_ATTEMPTS;
                tracing::warn!(instance = live.id, step = %live.step, attempts, error = %message, "workflow step failed");
                b.history.push((
                    live.id,
                    live.step.clone(),
                    if incident { "incident" } else { "failed" }.into(),
                    Some(message.clone()),
                ));
                State {
                    workflow: def.key.clone(),
                    version: live.version,
                    status: if incident {
                        InstanceStatus::Incident
                    } else {
                        InstanceStatus::Running
                    },
                    step: live.step.clone(),
                    ctx: live.ctx.clone(),
                    waiting_for: None,
                    wake_at: (!incident).then(|| now + backoff(attempts)),
                    attempts,
                    error: Some(message),
                }
            }
        };
        b.states.insert(live.id, state);
        Ok(())
    }

    /// Runs steps until the instance waits or ends. A failing step's buffered effects are
    /// dropped; `live.step` is left at it.
    pub(super) async fn steps(
        &self,
        txn: &DatabaseTransaction,
        def: &Definition,
        live: &mut Live,
        subject: Option<&Subject>,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Stop> {
        for _ in 0..MAX_STEPS_PER_RUN {
            let marks = b.marks();
            match self.one_step(txn, def, live, subject, b, now).await {
                Ok(Some(stop)) => return Ok(stop),
                Ok(None) => {}
                Err(e) => {
                    b.truncate(&marks);
                    return Err(e);
                }
            }
        }
        Err(anyhow!(
            "more than {MAX_STEPS_PER_RUN} steps without waiting: the definition loops"
        ))
    }

    /// Runs the step at `live.step`: `Some` when the instance stops there, `None` when it moved
    /// `live.step` on.
    pub(super) async fn one_step(
        &self,
        txn: &DatabaseTransaction,
        def: &Definition,
        live: &mut Live,
        subject: Option<&Subject>,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Stop>> {
        {
            let step = def
                .step(&live.step)
                .ok_or_else(|| anyhow!("no step '{}' in {} v?", live.step, def.key))?;
            let data = serde_json::json!({
                "subject": live.ctx.subject, "event": live.ctx.event, "trigger": live.ctx.trigger,
            });
            let id = live.id;
            match &step.kind {
                StepKind::Task {
                    task,
                    title,
                    assignee,
                    due_days,
                    escalate_after_days,
                    escalate_to,
                    remind_every_days,
                    scores,
                    outcomes,
                } => {
                    let (nip, role) = resolve(*assignee, subject, &live.ctx.trigger)?;
                    let title = self.templates.line(title, &data)?;
                    let due = b.today + Duration::days(i64::from(*due_days));
                    let new = NewTask {
                        instance_id: id,
                        step: step.id.clone(),
                        kind: task.as_str().into(),
                        title: title.clone(),
                        subject_nip: subject.map(|s| s.nip.clone()),
                        assignee_nip: nip.clone(),
                        assignee_role: role.clone(),
                        due,
                        outcomes: outcomes.keys().cloned().collect(),
                        scores: *scores,
                        escalate_at: escalate_after_days
                            .map(|d| now + Duration::days(i64::from(d))),
                        escalate_to: escalate_to.map(|p| p.as_str().to_string()),
                        remind_every_days: remind_every_days.map(|d| d as i32),
                        remind_at: remind_every_days
                            .filter(|d| *d > 0)
                            .map(|d| now + Duration::days(i64::from(d))),
                    };
                    b.tasks.push(new);
                    let (t, body) = self.templates.notice(
                        "tugas-baru",
                        &serde_json::json!({"subject": live.ctx.subject, "task": {"title": title, "due": due}}),
                    )?;
                    b.notes.push(NewNotification {
                        recipient_nip: nip.clone(),
                        recipient_role: role.clone(),
                        subject_nip: subject.map(|s| s.nip.clone()),
                        instance_id: Some(id),
                        template: "tugas-baru".into(),
                        title: t,
                        body,
                    });
                    b.history.push((
                        id,
                        step.id.clone(),
                        "task_created".into(),
                        Some(format!(
                            "{} task for {}, due {due}",
                            task.as_str(),
                            nip.or(role).unwrap_or_default()
                        )),
                    ));
                    return Ok(Some(Stop::Waiting {
                        waiting_for: Some("task".into()),
                        wake_at: None,
                    }));
                }
                StepKind::PlanItem { program, next } => {
                    let subject = subject.ok_or_else(|| anyhow!("the instance has no employee"))?;
                    // Plan items are written at once, inside a savepoint: a failure undoes them.
                    let savepoint = txn.begin().await?;
                    // Toward the position the triggering event names, for a successor.
                    let target = live.ctx.trigger["position"].as_str().map(str::to_string);
                    let detail = match self
                        .plan_item(&savepoint, program, target.as_deref(), subject, b)
                        .await
                    {
                        Ok(d) => {
                            savepoint.commit().await?;
                            d
                        }
                        Err(e) => {
                            savepoint.rollback().await?;
                            return Err(e);
                        }
                    };
                    b.history
                        .push((id, step.id.clone(), "plan_item".into(), Some(detail)));
                    live.step = next.clone();
                }
                StepKind::Recognition { title, next } => {
                    let subject = subject.ok_or_else(|| anyhow!("the instance has no employee"))?;
                    let title = self.templates.line(title, &data)?;
                    b.recognitions
                        .push((subject.nip.clone(), title.clone(), id));
                    b.history
                        .push((id, step.id.clone(), "recognition".into(), Some(title)));
                    live.step = next.clone();
                }
                StepKind::Nominate { pool, next } => {
                    let subject = subject.ok_or_else(|| anyhow!("the instance has no employee"))?;
                    let year = live
                        .ctx
                        .trigger
                        .get("period")
                        .and_then(|p| p.as_str())
                        .and_then(|p| Period::parse(p).ok())
                        .map_or(b.today.year(), Period::year);
                    let talent_box = talent_box_of(txn, &subject.nip, year).await?;
                    b.nominations.push((
                        subject.nip.clone(),
                        pool.as_str().to_string(),
                        talent_box,
                        id,
                    ));
                    b.history.push((
                        id,
                        step.id.clone(),
                        "nominated".into(),
                        Some(match talent_box {
                            Some(t) => format!("{} (talent box {t})", pool.as_str()),
                            None => format!(
                                "{} (no talent box: potential or {year} evaluation missing)",
                                pool.as_str()
                            ),
                        }),
                    ));
                    live.step = next.clone();
                }
                StepKind::Notify { to, template, next } => {
                    let (title, body) = self.templates.notice(template, &data)?;
                    let mut notes = Vec::new();
                    let mut told = Vec::new();
                    for party in to {
                        let (nip, role) = resolve(*party, subject, &live.ctx.trigger)?;
                        told.push(nip.clone().or(role.clone()).unwrap_or_default());
                        notes.push(NewNotification {
                            recipient_nip: nip,
                            recipient_role: role,
                            subject_nip: subject.map(|s| s.nip.clone()),
                            instance_id: Some(id),
                            template: template.clone(),
                            title: title.clone(),
                            body: body.clone(),
                        });
                    }
                    b.notes.extend(notes);
                    b.history.push((
                        id,
                        step.id.clone(),
                        "notified".into(),
                        Some(format!("{template} to {}", told.join(", "))),
                    ));
                    live.step = next.clone();
                }
                StepKind::Wait {
                    event, days, until, ..
                } => {
                    let wake_at = match until {
                        Some(path) => Some(self.date_at(&live.ctx, path, &b.zone)?),
                        None => days.map(|d| now + Duration::days(i64::from(d))),
                    };
                    b.history.push((
                        id,
                        step.id.clone(),
                        "waiting".into(),
                        Some(match (event, wake_at) {
                            (Some(e), Some(w)) => format!("for {e} until {w}"),
                            (Some(e), None) => format!("for {e}"),
                            (None, Some(w)) => format!("until {w}"),
                            (None, None) => String::new(),
                        }),
                    ));
                    return Ok(Some(Stop::Waiting {
                        waiting_for: event.clone(),
                        wake_at,
                    }));
                }
                StepKind::CampaignProgress { next } => {
                    let field = |k: &str| {
                        live.ctx
                            .trigger
                            .get(k)
                            .and_then(|v| v.as_str())
                            .map(str::to_string)
                            .ok_or_else(|| anyhow!("the triggering event names no {k}"))
                    };
                    let (campaign, unit) = (field("campaign")?, field("unit")?);
                    let progress =
                        jenjang_store::campaigns::unit_progress(txn, &campaign, &unit, b.today)
                            .await?;
                    b.history.push((
                        id,
                        step.id.clone(),
                        "campaign_progress".into(),
                        Some(format!(
                            "{unit}: {} of {} adopted, barrier {}",
                            progress["adopted"], progress["targets"], progress["barrier"]
                        )),
                    ));
                    live.ctx.event = progress;
                    live.step = next.clone();
                }
                StepKind::CampaignEnroll {
                    campaign,
                    stage,
                    next,
                } => {
                    let subject = subject.ok_or_else(|| anyhow!("the instance has no employee"))?;
                    let stage = stage.unwrap_or(jenjang_core::adkar::Stage::Awareness);
                    // Written at once, inside a savepoint: a failure undoes it.
                    let savepoint = txn.begin().await?;
                    let result = jenjang_store::campaigns::record_stages_in(
                        &savepoint,
                        &Actor::system("workflow"),
                        campaign,
                        &[jenjang_store::campaigns::StageInput {
                            nip: subject.nip.clone(),
                            stage,
                            note: None,
                        }],
                        "workflow",
                        false,
                        self.clock.now(),
                    )
                    .await;
                    let detail = match result {
                        Ok((done, rejected)) => {
                            savepoint.commit().await?;
                            match (done.first(), rejected.first()) {
                                (Some(d), _) => format!("{campaign}: {} ({})", d.stage, d.movement),
                                (None, Some((_, why))) => {
                                    format!("{campaign}: not enrolled: {}", why.message)
                                }
                                (None, None) => format!("{campaign}: nothing to record"),
                            }
                        }
                        Err(e) => {
                            savepoint.rollback().await?;
                            return Err(e).context("enrolling in the campaign");
                        }
                    };
                    b.history
                        .push((id, step.id.clone(), "campaign_enroll".into(), Some(detail)));
                    live.step = next.clone();
                }
                StepKind::Branch {
                    then, otherwise, ..
                } => {
                    let holds = def.step_condition(step, &live.ctx)?;
                    b.history.push((
                        id,
                        step.id.clone(),
                        "branched".into(),
                        Some(if holds { then } else { otherwise }.clone()),
                    ));
                    live.step = if holds { then } else { otherwise }.clone();
                }
                StepKind::End => {
                    b.cancel.push(id);
                    b.history
                        .push((id, step.id.clone(), "completed".into(), None));
                    return Ok(Some(Stop::Completed));
                }
            }
        }
        Ok(None)
    }

    /// The moment a `wait … until` names: a date (start of that day in the organisation's time
    /// zone) or an RFC 3339 time found at `path` (`trigger.midpoint`) in the context.
    pub(super) fn date_at(
        &self,
        ctx: &Context,
        path: &str,
        zone: &str,
    ) -> anyhow::Result<DateTime<Utc>> {
        let mut parts = path.split('.');
        let mut value = match parts.next() {
            Some("event") => &ctx.event,
            Some("trigger") => &ctx.trigger,
            Some("subject") => &ctx.subject,
            _ => return Err(anyhow!("{path} is not in the context")),
        };
        for p in parts {
            value = value
                .get(p)
                .ok_or_else(|| anyhow!("{path} is not in the context"))?;
        }
        let text = value
            .as_str()
            .ok_or_else(|| anyhow!("{path} is not a date: {value}"))?;
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(t.to_utc());
        }
        let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| anyhow!("{path} is not a date: {text}"))?;
        let offset = jenjang_core::idp::utc_offset_hours(zone).unwrap_or(7);
        Ok(day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
            - Duration::hours(i64::from(offset)))
    }

    /// Adds the chosen programs to the subject's plan of this year; a plan that cannot take
    /// items now (submitted, awaiting a decision) is reported in the history, not failed.
    pub(super) async fn plan_item(
        &self,
        txn: &DatabaseTransaction,
        choice: &ProgramChoice,
        target: Option<&str>,
        subject: &Subject,
        b: &mut Batch,
    ) -> anyhow::Result<String> {
        let org = match &b.org {
            Some(o) => o.clone(),
            None => {
                let o = Arc::new(self.store.load_organisation().await?);
                b.org = Some(o.clone());
                o
            }
        };
        let year = b.today.year();
        let (member, levels) = self.store.load_member(&org, &subject.nip).await?;
        let target = target.and_then(|t| org.position(t));
        let items = programs_to_plan(&org, &member, &levels, choice, target, year, b.today);
        if items.is_empty() {
            return Ok("no program to add: no gap a program closes".into());
        }
        let codes = items
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        match jenjang_store::add_plan_items(
            txn,
            &Actor::system("workflow"),
            &subject.nip,
            year,
            &items,
            true,
            self.clock.now(),
        )
        .await
        {
            Ok(added) => Ok(format!(
                "{} of {codes} added to the {year} plan",
                added.len()
            )),
            Err(StoreError::Conflict(why)) => Ok(format!("{codes} not added: {why}")),
            Err(e) => Err(e).context("adding plan items"),
        }
    }
}
