//! One round of the engine and the loop around it: calendar triggers, outbox events (starting
//! triggered instances, resuming those waiting, completed tasks), due timers and due task
//! escalations and reminders.

#[allow(unused_imports)]
use super::*;
use std::sync::atomic::Ordering;

impl Engine {
    /// Runs everything that is due now once. Returns how much work it did (0 = idle).
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut done = self.fire_calendar().await?;
        done += self.process_events().await?;
        done += self.process_due_instances().await?;
        done += self.process_due_tasks().await?;
        Ok(done)
    }

    /// Runs until nothing is due now (tests and the bench use it; `serve` runs [`Engine::work`]).
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_once().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// The worker loop of `serve`: runs what is due; when idle, sleeps until `wake` is notified
    /// (a write through the API) or half a second has passed (timers, other processes' writes);
    /// stops on shutdown.
    pub async fn work(
        self: Arc<Self>,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let idle = match self.run_once().await {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "workflow engine round failed; retrying");
                    true
                }
            };
            if *shutdown.borrow() {
                return;
            }
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = wake.notified() => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }

    /// Emits the events of calendar triggers whose day has come this year (once per workflow and year).
    pub(super) async fn fire_calendar(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let txn = self.store.begin_work().await?;
        let latest = self.latest(&txn).await?;
        let calendar: Vec<&Arc<Definition>> = latest
            .iter()
            .map(|(_, d)| d)
            .filter(|d| jenjang_core::events::CALENDAR_KINDS.contains(&d.trigger.event.as_str()))
            .collect();
        if calendar.is_empty() {
            return Ok(0);
        }
        let b = self.batch_context(now).await?;
        let year = b.today.year();
        let mut emitted = 0;
        for d in calendar {
            let Some(on) = d.trigger.on.as_deref().and_then(month_day) else {
                continue;
            };
            let installed = wf::first_saved_at(&txn, &d.key)
                .await?
                .map(|at| today_in(&b.zone, at))
                .unwrap_or(b.today);
            // The latest day that has come (a quarterly trigger fires for its latest quarter
            // only), not one before the workflow existed, once.
            let Some((day, claim)) =
                jenjang_core::events::calendar_days(&d.trigger.event, on, year)
                    .into_iter()
                    .rfind(|(day, _)| *day <= b.today)
            else {
                continue;
            };
            if day < installed || !wf::claim_schedule_run(&txn, &d.key, claim, now).await? {
                continue;
            }
            let events = match d.trigger.event.as_str() {
                "dialog.quarterly_review" => {
                    // The quarter before the day.
                    let period = Period::quarter_of(day).previous();
                    let (from, to) = period.days();
                    let (from, to) = (
                        jenjang_core::idp::start_of_day_in(&b.zone, from),
                        jenjang_core::idp::start_of_day_in(&b.zone, to),
                    );
                    wf::dialog_silent(&txn, from, to)
                        .await?
                        .into_iter()
                        .map(|(nip, supervisor_nip)| {
                            let key = format!("dialog.quarterly_review:{}:{period}:{nip}", d.key);
                            (
                                DomainEvent::DialogQuarterlyReview(DialogQuarterlyReview {
                                    nip,
                                    supervisor_nip,
                                    period: period.to_string(),
                                    workflow: d.key.clone(),
                                }),
                                key,
                            )
                        })
                        .collect::<Vec<_>>()
                }
                "succession.quarterly_review" => {
                    // The critical positions at risk, as the succession board reads them, and
                    // their best successors not ready now.
                    let period = Period::quarter_of(day);
                    let analytics = jenjang_app::analytics::Analytics::default();
                    let engine = jenjang_core::access::Principal {
                        username: "engine".into(),
                        role: jenjang_core::kinds::Role::Admin,
                        nip: None,
                    };
                    let cx = jenjang_app::context::Context::new(
                        &self.store,
                        &analytics,
                        &engine,
                        self.store.data_version().await?,
                    );
                    let pools = jenjang_app::fit::succession(&cx, None)
                        .await
                        .map_err(|e| anyhow::anyhow!("succession pools: {e}"))?;
                    let mut events = Vec::new();
                    for pool in pools.iter().filter(|p| p.at_risk) {
                        for s in pool
                            .successors
                            .iter()
                            .filter(|s| s.readiness != jenjang_core::fit::Readiness::SiapSekarang)
                            .take(3)
                        {
                            let key = format!(
                                "succession.quarterly_review:{}:{period}:{}:{}",
                                d.key, pool.position, s.nip
                            );
                            events.push((
                                DomainEvent::SuccessionQuarterlyReview(
                                    jenjang_core::events::SuccessionQuarterlyReview {
                                        nip: s.nip.clone(),
                                        position: pool.position.clone(),
                                        position_name: pool.name.clone(),
                                        jpm: s.jpm,
                                        readiness: s.readiness.as_str().to_string(),
                                        period: period.to_string(),
                                        workflow: d.key.clone(),
                                    },
                                ),
                                key,
                            ));
                        }
                    }
                    events
                }
                _ => {
                    let target = self.store.jp_target().await?;
                    wf::jp_of_everyone(&txn, year)
                        .await?
                        .into_iter()
                        .map(|(nip, done, planned)| {
                            let key = format!("jp.yearly_review:{}:{year}:{nip}", d.key);
                            (
                                DomainEvent::JpYearlyReview(JpYearlyReview {
                                    nip,
                                    year,
                                    jp_completed: i64::from(done),
                                    jp_planned: i64::from(planned),
                                    jp_target: target,
                                    workflow: d.key.clone(),
                                }),
                                key,
                            )
                        })
                        .collect::<Vec<_>>()
                }
            };
            emitted += events.len();
            wf::emit(&txn, events, now).await?;
            tracing::info!(workflow = %d.key, %day, events = emitted, "calendar trigger fired");
        }
        txn.commit().await?;
        Ok(emitted)
    }

    pub(super) async fn process_events(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let txn = self.store.begin_work().await?;
        let from = self.events_from.load(Ordering::Relaxed);
        let mut events = wf::claim_events(&txn, self.batch, from..i64::MAX).await?;
        if events.is_empty() && from > 0 {
            events = wf::claim_events(&txn, self.batch, 0..from).await?;
        }
        self.events_from
            .store(events.first().map_or(0, |e| e.id), Ordering::Relaxed);
        if events.is_empty() {
            return Ok(0);
        }
        let latest = self.latest(&txn).await?;
        let mut nips: Vec<&str> = events.iter().filter_map(|e| e.subject.as_deref()).collect();
        nips.sort_unstable();
        nips.dedup();
        let subjects = wf::subjects(&txn, &nips).await?;
        let mut kinds: Vec<&str> = events
            .iter()
            .filter(|e| !matches!(e.event, DomainEvent::TaskCompleted(_)))
            .map(|e| e.event.kind())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut b = self.batch_context(now).await?;
        for inst in wf::waiting_for_events(&txn, &kinds, &nips).await? {
            if let (Some(k), Some(n)) = (inst.waiting_for.clone(), inst.subject_nip.clone()) {
                b.waiting.entry((k, n)).or_default().push(inst);
            }
        }
        // Which definitions each event triggers (conditions need no database), and which of
        // those instances exist already (a replay): one query for the batch.
        let mut starts: Vec<Vec<Candidate>> = Vec::with_capacity(events.len());
        for ev in &events {
            let subject = ev.subject.as_deref().and_then(|n| subjects.get(n));
            let mut here = Vec::new();
            let mut ctx: Option<Context> = None;
            for (version, def) in &latest {
                // A calendar event starts only the workflow whose trigger produced it.
                let other_calendar = match &ev.event {
                    DomainEvent::JpYearlyReview(r) => r.workflow != def.key,
                    DomainEvent::DialogQuarterlyReview(r) => r.workflow != def.key,
                    DomainEvent::SuccessionQuarterlyReview(r) => r.workflow != def.key,
                    _ => false,
                };
                if def.trigger.event != ev.event.kind() || other_calendar {
                    continue;
                }
                // One context per event, shared by the definitions it may trigger.
                let ctx: &Context = ctx.get_or_insert_with(|| Context {
                    event: ev.payload.clone(),
                    trigger: ev.payload.clone(),
                    subject: subject_json(subject),
                });
                let verdict = def.triggered_by(ctx).map_err(|e| e.to_string());
                if let Ok(false) = verdict {
                    continue;
                }
                let key = format!(
                    "{}:{}:{}",
                    def.key,
                    ev.subject.as_deref().unwrap_or("-"),
                    ev.dedup_key
                );
                here.push((*version, def.clone(), ctx.clone(), verdict, key));
            }
            starts.push(here);
        }
        let keys: Vec<&str> = starts.iter().flatten().map(|s| s.4.as_str()).collect();
        let existing = wf::existing_trigger_keys(&txn, &keys).await?;
        // The instances whose tasks were completed, locked in one query.
        let completed: Vec<i64> = events
            .iter()
            .filter_map(|e| match &e.event {
                DomainEvent::TaskCompleted(t) => Some(t.instance_id),
                _ => None,
            })
            .collect();
        let locked = wf::lock_instances(&txn, &completed).await?;
        for (ev, here) in events.iter().zip(starts) {
            let subject = ev.subject.as_deref().and_then(|n| subjects.get(n));
            if let DomainEvent::TaskCompleted(done) = &ev.event {
                self.on_task_completed(&txn, done, &locked, &subjects, &mut b, now)
                    .await?;
                continue;
            }
            // Instances waiting for this event about this subject move on.
            if let Some(nip) = &ev.subject {
                let key = (ev.event.kind().to_string(), nip.clone());
                let candidates = b.waiting.remove(&key).unwrap_or_default();
                let mut still = Vec::new();
                for inst in candidates {
                    if !self
                        .on_awaited_event(&txn, &inst, ev, subject, &mut b, now)
                        .await?
                    {
                        still.push(inst);
                    }
                }
                b.waiting.entry(key).or_default().extend(still);
            }
            // Definitions triggered by it start an instance, once per (definition, subject, event).
            for (version, def, ctx, verdict, trigger_key) in here {
                if existing.contains(&trigger_key) {
                    continue;
                }
                let id = b.next_temp;
                b.next_temp -= 1;
                b.new.insert(
                    id,
                    NewStart {
                        subject: ev.subject.clone(),
                        trigger_key,
                    },
                );
                b.history.push((
                    id,
                    String::new(),
                    "started".into(),
                    Some(format!("{} #{}", ev.event.kind(), ev.id)),
                ));
                let mut live = Live {
                    id,
                    version,
                    step: def.first_step().id.clone(),
                    ctx,
                    attempts: 0,
                };
                match verdict {
                    Err(e) => {
                        // The condition could not be judged: stop visibly rather than guess.
                        b.states.insert(
                            id,
                            State {
                                workflow: def.key.clone(),
                                version,
                                status: InstanceStatus::Incident,
                                step: live.step.clone(),
                                ctx: live.ctx.clone(),
                                waiting_for: None,
                                wake_at: None,
                                attempts: MAX_ATTEMPTS,
                                error: Some(format!("trigger condition: {e}")),
                            },
                        );
                    }
                    Ok(_) => {
                        self.run(&txn, &def, &mut live, subject, &mut b, now)
                            .await?
                    }
                }
            }
        }
        self.flush(&txn, &mut b, now).await?;
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        wf::mark_processed(&txn, &ids, now).await?;
        txn.commit().await?;
        Ok(events.len())
    }

    /// A completed task moves its instance to the step its outcome names.
    pub(super) async fn on_task_completed(
        &self,
        txn: &DatabaseTransaction,
        done: &TaskCompleted,
        locked: &HashMap<i64, InstanceRecord>,
        subjects: &HashMap<String, Subject>,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let outcome = done.outcome.as_str();
        let task_id = done.task_id;
        let Some(mut inst) = locked.get(&done.instance_id).cloned() else {
            return Ok(());
        };
        // A run earlier in this batch may have moved it; that state is not written yet.
        if let Some(st) = b.states.get(&inst.id) {
            inst.status = st.status;
            inst.current_step = Some(st.step.clone());
            inst.waiting_for = st.waiting_for.clone();
            inst.context = serde_json::to_value(&st.ctx)?;
        }
        if inst.status != InstanceStatus::Waiting || inst.waiting_for.as_deref() != Some("task") {
            b.history.push((
                inst.id,
                inst.current_step.clone().unwrap_or_default(),
                "task_ignored".into(),
                Some(format!(
                    "task {task_id} completed while the instance is {}",
                    inst.status
                )),
            ));
            return Ok(());
        }
        let def = self.pinned(txn, &inst.workflow, inst.version).await?;
        let step_id = inst.current_step.clone().unwrap_or_default();
        let Some(step) = def.step(&step_id) else {
            return Err(anyhow!("instance {} is at unknown step {step_id}", inst.id));
        };
        let next = match def.after_task(step, outcome) {
            Ok(n) => n.to_string(),
            Err(allowed) => {
                b.history.push((
                    inst.id,
                    step_id,
                    "task_ignored".into(),
                    Some(format!(
                        "task {task_id}: outcome '{outcome}' is not one of {allowed:?}"
                    )),
                ));
                return Ok(());
            }
        };
        b.history.push((
            inst.id,
            step_id,
            "task_completed".into(),
            Some(format!("task {task_id}: {outcome}")),
        ));
        let mut ctx: Context = serde_json::from_value(inst.context.clone())
            .with_context(|| format!("workflow instance {} has an unreadable context", inst.id))?;
        ctx.event = DomainEvent::TaskCompleted(done.clone()).payload();
        let mut live = Live {
            id: inst.id,
            version: inst.version,
            step: next,
            ctx,
            attempts: 0,
        };
        let subject = inst.subject_nip.as_deref().and_then(|n| subjects.get(n));
        self.run(txn, &def, &mut live, subject, b, now).await
    }

    /// An event a waiting instance waits for: moves it on when the wait's condition holds.
    pub(super) async fn on_awaited_event(
        &self,
        txn: &DatabaseTransaction,
        inst: &InstanceRecord,
        ev: &OutboxEvent,
        subject: Option<&Subject>,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let def = self.pinned(txn, &inst.workflow, inst.version).await?;
        let step_id = inst.current_step.clone().unwrap_or_default();
        let Some(step) = def.step(&step_id) else {
            return Ok(false);
        };
        let StepKind::Wait { next, .. } = &step.kind else {
            return Ok(false);
        };
        let mut ctx: Context = serde_json::from_value(inst.context.clone()).unwrap_or_default();
        ctx.event = ev.payload.clone();
        ctx.subject = subject_json(subject);
        match def.step_condition(step, &ctx) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(e) => {
                b.history.push((
                    inst.id,
                    step_id,
                    "condition_failed".into(),
                    Some(e.to_string()),
                ));
                return Ok(false);
            }
        }
        b.history.push((
            inst.id,
            step_id,
            "event_arrived".into(),
            Some(format!("{} #{}", ev.event.kind(), ev.id)),
        ));
        let mut live = Live {
            id: inst.id,
            version: inst.version,
            step: next.clone(),
            ctx,
            attempts: 0,
        };
        self.run(txn, &def, &mut live, subject, b, now).await?;
        Ok(true)
    }

    /// Timers: waits that end, timeouts, and retries of failed steps.
    pub(super) async fn process_due_instances(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let txn = self.store.begin_work().await?;
        let due = wf::claim_due_instances(&txn, now, self.batch).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let nips: Vec<&str> = due
            .iter()
            .filter_map(|i| i.subject_nip.as_deref())
            .collect();
        let subjects = wf::subjects(&txn, &nips).await?;
        let mut b = self.batch_context(now).await?;
        for inst in &due {
            let def = self.pinned(&txn, &inst.workflow, inst.version).await?;
            let subject = inst.subject_nip.as_deref().and_then(|n| subjects.get(n));
            let step_id = inst.current_step.clone().unwrap_or_default();
            let ctx: Context = serde_json::from_value(inst.context.clone()).unwrap_or_default();
            let next = if inst.status == InstanceStatus::Running {
                // A retry: the failed step runs again.
                b.history.push((
                    inst.id,
                    step_id.clone(),
                    "retrying".into(),
                    inst.error.clone(),
                ));
                step_id
            } else {
                match def.step(&step_id).map(|s| &s.kind) {
                    Some(StepKind::Wait {
                        event,
                        next,
                        timeout_next,
                        ..
                    }) => {
                        let timed_out = event.is_some();
                        b.history.push((
                            inst.id,
                            step_id.clone(),
                            if timed_out {
                                "timed_out"
                            } else {
                                "timer_fired"
                            }
                            .into(),
                            None,
                        ));
                        if timed_out {
                            timeout_next.clone().unwrap_or_else(|| next.clone())
                        } else {
                            next.clone()
                        }
                    }
                    _ => continue,
                }
            };
            let mut live = Live {
                id: inst.id,
                version: inst.version,
                step: next,
                ctx,
                attempts: inst.attempts,
            };
            self.run(&txn, &def, &mut live, subject, &mut b, now)
                .await?;
        }
        self.flush(&txn, &mut b, now).await?;
        txn.commit().await?;
        Ok(due.len())
    }

    /// Escalations and reminders of open tasks.
    pub(super) async fn process_due_tasks(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let txn = self.store.begin_work().await?;
        let due = wf::claim_due_tasks(&txn, now, self.batch).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let nips: Vec<&str> = due
            .iter()
            .filter_map(|t| t.subject_nip.as_deref())
            .collect();
        let subjects = wf::subjects(&txn, &nips).await?;
        let mut notes = Vec::new();
        let mut history = Vec::new();
        for t in &due {
            let subject = t.subject_nip.as_deref().and_then(|n| subjects.get(n));
            let data = serde_json::json!({
                "subject": subject_json(subject),
                "task": {"title": t.title, "due": t.due},
            });
            if t.escalate {
                let party = t
                    .escalate_to
                    .as_deref()
                    .and_then(|p| serde_json::from_value::<Party>(serde_json::json!(p)).ok())
                    .unwrap_or(Party::Hr);
                let (nip, role) = match resolve(party, subject, &serde_json::Value::Null) {
                    Ok(r) => r,
                    // Nobody to escalate to: the HR queue takes it.
                    Err(_) => (None, Some("hr".to_string())),
                };
                wf::escalate_task(&txn, t.id, nip.as_deref(), role.as_deref()).await?;
                let (title, body) = self.templates.notice("eskalasi-tugas", &data)?;
                notes.push(NewNotification {
                    recipient_nip: nip.clone(),
                    recipient_role: role.clone(),
                    subject_nip: t.subject_nip.clone(),
                    instance_id: Some(t.instance_id),
                    template: "eskalasi-tugas".into(),
                    title,
                    body,
                });
                history.push((
                    t.instance_id,
                    t.step.clone(),
                    "task_escalated".into(),
                    Some(format!(
                        "task {} to {}",
                        t.id,
                        nip.or(role).unwrap_or_default()
                    )),
                ));
            } else {
                let (title, body) = self.templates.notice("pengingat-tugas", &data)?;
                notes.push(NewNotification {
                    recipient_nip: t.assignee_nip.clone(),
                    recipient_role: t.assignee_role.clone(),
                    subject_nip: t.subject_nip.clone(),
                    instance_id: Some(t.instance_id),
                    template: "pengingat-tugas".into(),
                    title,
                    body,
                });
                let next = t
                    .remind_every_days
                    .filter(|d| *d > 0)
                    .map(|d| now + Duration::days(i64::from(d)));
                wf::set_task_reminder(&txn, t.id, next).await?;
                history.push((
                    t.instance_id,
                    t.step.clone(),
                    "task_reminded".into(),
                    Some(format!("task {}", t.id)),
                ));
            }
        }
        wf::insert_notifications(&txn, &notes, now, self.store.mail_delivery()).await?;
        wf::append_history(&txn, &history, now).await?;
        txn.commit().await?;
        Ok(due.len())
    }
}
