//! The engine: claims work (outbox events, due timers, due escalations and reminders, calendar
//! triggers) and runs workflow instances, each step's effects committed together with the
//! instance's new state and history.
//!
//! Exactly once: events are claimed and marked processed in the transaction that acts on them
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time), and an instance's
//! `trigger_key` (definition, subject, triggering event) is unique, so a replayed import, a crash
//! mid-batch (the transaction rolls back and the batch is claimed again) or two engines on one
//! database start each instance once.
//!
//! Effects are buffered while a batch runs (new instances, tasks, notifications, recognitions,
//! nominations, history, state changes) and written at its end with multi-row statements, in the
//! claiming transaction: a batch of 500 events costs a dozen statements, not thousands.
//!
//! Failures: the effects of a failing step are dropped (its database writes, such as plan items,
//! roll back to a savepoint), those of the steps before it are kept; the instance stays
//! `running` at that step and is retried with backoff (1, 5, 30 minutes); after
//! [`MAX_ATTEMPTS`] it stops at `incident` with the error until someone retries it.

use crate::Clock;
use crate::templates::{Templates, template_names};
use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use jenjang_core::events::{DomainEvent, JpYearlyReview, TaskCompleted};
use jenjang_core::gap::gaps;
use jenjang_core::idp::{spread_due_dates, today_in};
use jenjang_core::org::Organisation;
use jenjang_core::period::Period;
use jenjang_core::recommend::recommend;
use jenjang_core::talent::{KinerjaRule, placement};
use jenjang_core::workflow::InstanceStatus;
use jenjang_core::workflow::{
    Context, Definition, Party, ProgramChoice, StepKind, month_day, parse_definition,
};
use jenjang_store::workflows::{
    self as wf, DatabaseTransaction, InstanceRecord, InstanceState, NewNotification, NewTask,
    OutboxEvent, Subject, TransactionTrait,
};
use jenjang_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Attempts of a failing step before the instance stops at an incident.
pub const MAX_ATTEMPTS: i32 = 3;
/// Steps one run may take before it is judged a loop.
const MAX_STEPS_PER_RUN: usize = 64;

fn backoff(attempt: i32) -> Duration {
    match attempt {
        1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        _ => Duration::minutes(30),
    }
}

/// The workflow engine of one process.
pub struct Engine {
    store: Store,
    clock: Arc<dyn Clock>,
    templates: Templates,
    definitions: Mutex<HashMap<(String, i32), Arc<Definition>>>,
    batch: u64,
}

/// Where a run of steps stopped.
enum Stop {
    /// Waiting for a task, an event or a time.
    Waiting {
        waiting_for: Option<String>,
        wake_at: Option<DateTime<Utc>>,
    },
    Completed,
}

/// An instance being run.
struct Live {
    id: i64,
    version: i32,
    step: String,
    ctx: Context,
    attempts: i32,
}

/// What one batch shares: the organisation's day and (loaded when a step needs it) its
/// reference data.
struct Batch {
    today: NaiveDate,
    zone: String,
    org: Option<Arc<Organisation>>,
    history: Vec<(i64, String, String, Option<String>)>,
    tasks: Vec<NewTask>,
    notes: Vec<NewNotification>,
    recognitions: Vec<(String, String, i64)>,
    nominations: Vec<(String, String, Option<i16>, i64)>,
    /// Open tasks to cancel (instances that ended).
    cancel: Vec<i64>,
    /// Instances started in this batch, by their temporary (negative) id.
    new: HashMap<i64, NewStart>,
    next_temp: i64,
    /// The state every instance run in this batch was left in, by id.
    states: HashMap<i64, State>,
    /// Instances waiting for an event, by (event kind, subject), kept current as the batch runs
    /// so that a later event of the same batch finds an instance an earlier one left waiting.
    waiting: HashMap<(String, String), Vec<InstanceRecord>>,
}

/// A definition an event triggers: (version, definition, context, the condition's verdict,
/// trigger key).
type Candidate = (i32, Arc<Definition>, Context, Result<bool, String>, String);

/// An instance's state as a run leaves it.
#[derive(Debug, Clone)]
struct State {
    workflow: String,
    version: i32,
    status: InstanceStatus,
    step: String,
    ctx: Context,
    waiting_for: Option<String>,
    wake_at: Option<DateTime<Utc>>,
    attempts: i32,
    error: Option<String>,
}

/// Who and what started an instance of this batch.
#[derive(Debug, Clone)]
struct NewStart {
    subject: Option<String>,
    trigger_key: String,
}

/// The lengths of the buffers, to drop a failing step's effects.
struct Marks {
    history: usize,
    tasks: usize,
    notes: usize,
    recognitions: usize,
    nominations: usize,
    cancel: usize,
}

impl Batch {
    fn marks(&self) -> Marks {
        Marks {
            history: self.history.len(),
            tasks: self.tasks.len(),
            notes: self.notes.len(),
            recognitions: self.recognitions.len(),
            nominations: self.nominations.len(),
            cancel: self.cancel.len(),
        }
    }

    fn truncate(&mut self, m: &Marks) {
        self.history.truncate(m.history);
        self.tasks.truncate(m.tasks);
        self.notes.truncate(m.notes);
        self.recognitions.truncate(m.recognitions);
        self.nominations.truncate(m.nominations);
        self.cancel.truncate(m.cancel);
    }
}

fn subject_json(s: Option<&Subject>) -> serde_json::Value {
    s.map(|s| serde_json::to_value(s).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

impl Engine {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Engine {
            store,
            clock,
            templates: Templates::new(),
            definitions: Mutex::new(HashMap::new()),
            batch: 500,
        }
    }

    /// Events claimed per transaction.
    pub fn with_batch(mut self, batch: u64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Parses a definition as the API and the installer do (the templates that exist are known here).
    pub fn check_definition(
        raw: &serde_json::Value,
    ) -> Result<Definition, Vec<jenjang_core::FieldError>> {
        parse_definition(raw, &template_names())
    }

    fn cached(
        &self,
        key: &str,
        version: i32,
        raw: &serde_json::Value,
    ) -> anyhow::Result<Arc<Definition>> {
        let mut cache = self.definitions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = cache.get(&(key.to_string(), version)) {
            return Ok(d.clone());
        }
        let d = Arc::new(
            Self::check_definition(raw)
                .map_err(|e| anyhow!("stored definition {key} v{version} is invalid: {e:?}"))?,
        );
        cache.insert((key.to_string(), version), d.clone());
        Ok(d)
    }

    async fn latest(
        &self,
        txn: &DatabaseTransaction,
    ) -> anyhow::Result<Vec<(i32, Arc<Definition>)>> {
        let mut out = Vec::new();
        for r in wf::latest_definitions(txn).await? {
            out.push((r.version, self.cached(&r.key, r.version, &r.definition)?));
        }
        Ok(out)
    }

    async fn pinned(
        &self,
        txn: &DatabaseTransaction,
        key: &str,
        version: i32,
    ) -> anyhow::Result<Arc<Definition>> {
        if let Some(d) = self
            .definitions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(key.to_string(), version))
        {
            return Ok(d.clone());
        }
        let r = wf::definition_version(txn, key, version).await?;
        self.cached(key, version, &r.definition)
    }

    async fn batch_context(&self, now: DateTime<Utc>) -> anyhow::Result<Batch> {
        let zone = self.store.time_zone().await?;
        Ok(Batch {
            today: today_in(&zone, now),
            zone,
            org: None,
            history: Vec::new(),
            tasks: Vec::new(),
            notes: Vec::new(),
            recognitions: Vec::new(),
            nominations: Vec::new(),
            cancel: Vec::new(),
            new: HashMap::new(),
            next_temp: -1,
            states: HashMap::new(),
            waiting: HashMap::new(),
        })
    }

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
    async fn fire_calendar(&self) -> anyhow::Result<usize> {
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
            let Some((m, day)) = d.trigger.on.as_deref().and_then(month_day) else {
                continue;
            };
            let Some(on) = NaiveDate::from_ymd_opt(year, m, day) else {
                continue;
            };
            let installed = wf::first_saved_at(&txn, &d.key)
                .await?
                .map(|at| today_in(&b.zone, at))
                .unwrap_or(b.today);
            // Not before the day has come, nor for a day before the workflow existed.
            if b.today < on
                || on < installed
                || !wf::claim_schedule_run(&txn, &d.key, year, now).await?
            {
                continue;
            }
            let target = self.store.jp_target().await?;
            let events = wf::jp_of_everyone(&txn, year)
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
                .collect::<Vec<_>>();
            emitted += events.len();
            wf::emit(&txn, events, now).await?;
            tracing::info!(workflow = %d.key, year, events = emitted, "calendar trigger fired");
        }
        txn.commit().await?;
        Ok(emitted)
    }

    async fn process_events(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let txn = self.store.begin_work().await?;
        let events = wf::claim_events(&txn, self.batch).await?;
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
                let other_calendar =
                    matches!(&ev.event, DomainEvent::JpYearlyReview(r) if r.workflow != def.key);
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
    async fn on_task_completed(
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
    async fn on_awaited_event(
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
    async fn process_due_instances(&self) -> anyhow::Result<usize> {
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
    async fn process_due_tasks(&self) -> anyhow::Result<usize> {
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
        wf::insert_notifications(&txn, &notes, now).await?;
        wf::append_history(&txn, &history, now).await?;
        txn.commit().await?;
        Ok(due.len())
    }

    /// Runs an instance from `live.step` until it waits or ends; a failure rolls the steps back
    /// to a savepoint and schedules a retry, or stops at an incident.
    async fn run(
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

    /// Writes what the batch buffered: new instances (their temporary ids replaced by the real
    /// ones), state changes, tasks, notifications, recognitions, nominations and history.
    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        b: &mut Batch,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut fresh = Vec::new();
        let mut temps = Vec::new();
        for (id, start) in &b.new {
            let Some(st) = b.states.get(id) else { continue };
            temps.push((*id, start.trigger_key.clone()));
            fresh.push(wf::NewInstance {
                workflow: st.workflow.clone(),
                version: st.version,
                subject: start.subject.clone(),
                trigger_key: start.trigger_key.clone(),
                status: st.status,
                current_step: st.step.clone(),
                context: serde_json::to_value(&st.ctx)?,
                waiting_for: st.waiting_for.clone(),
                wake_at: st.wake_at,
                attempts: st.attempts,
                last_error: st.error.clone(),
            });
        }
        let inserted = wf::insert_instances(txn, &fresh, now).await?;
        // Temporary id → real id; an instance another engine started first maps to none, and
        // its effects are dropped with it.
        let real: HashMap<i64, i64> = temps
            .into_iter()
            .filter_map(|(t, key)| inserted.get(&key).map(|id| (t, *id)))
            .collect();
        let map = |id: i64| -> Option<i64> {
            if id < 0 {
                real.get(&id).copied()
            } else {
                Some(id)
            }
        };
        for (id, st) in &b.states {
            if *id < 0 {
                continue;
            }
            wf::update_instance(
                txn,
                *id,
                &InstanceState {
                    status: st.status,
                    current_step: Some(&st.step),
                    context: &serde_json::to_value(&st.ctx)?,
                    waiting_for: st.waiting_for.as_deref(),
                    wake_at: st.wake_at,
                    attempts: st.attempts,
                    last_error: st.error.as_deref(),
                },
                now,
            )
            .await?;
        }
        for id in std::mem::take(&mut b.cancel) {
            if id > 0 {
                wf::cancel_open_tasks(txn, id).await?;
            }
        }
        let tasks: Vec<NewTask> = std::mem::take(&mut b.tasks)
            .into_iter()
            .filter_map(|mut t| {
                t.instance_id = map(t.instance_id)?;
                Some(t)
            })
            .collect();
        wf::insert_tasks(txn, &tasks, now).await?;
        let notes: Vec<NewNotification> = std::mem::take(&mut b.notes)
            .into_iter()
            .filter_map(|mut n| {
                n.instance_id = match n.instance_id {
                    Some(i) => Some(map(i)?),
                    None => None,
                };
                Some(n)
            })
            .collect();
        wf::insert_notifications(txn, &notes, now).await?;
        for (nip, title, inst) in std::mem::take(&mut b.recognitions) {
            if let Some(inst) = map(inst) {
                wf::insert_recognition(txn, &nip, &title, inst, now).await?;
            }
        }
        for (nip, pool, talent, inst) in std::mem::take(&mut b.nominations) {
            if let Some(inst) = map(inst) {
                wf::insert_nomination(txn, &nip, &pool, talent, inst, now).await?;
            }
        }
        let history: Vec<(i64, String, String, Option<String>)> = std::mem::take(&mut b.history)
            .into_iter()
            .filter_map(|(i, step, event, detail)| Some((map(i)?, step, event, detail)))
            .collect();
        wf::append_history(txn, &history, now).await?;
        b.new.clear();
        b.states.clear();
        Ok(())
    }

    /// Runs steps until the instance waits or ends. A failing step's buffered effects are
    /// dropped; `live.step` is left at it.
    async fn steps(
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
    async fn one_step(
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
                    let detail = match self.plan_item(&savepoint, program, subject, b).await {
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
    fn date_at(&self, ctx: &Context, path: &str, zone: &str) -> anyhow::Result<DateTime<Utc>> {
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
    async fn plan_item(
        &self,
        txn: &DatabaseTransaction,
        choice: &ProgramChoice,
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
        let programs: Vec<String> = match choice {
            ProgramChoice::Program(code) => vec![code.clone()],
            _ => {
                let (member, levels) = self.store.load_member(&org, &subject.nip).await?;
                let mut g = gaps(
                    &levels,
                    &org.requirements(member.unit, member.position, None),
                );
                match choice {
                    ProgramChoice::LargestGap => {
                        g.sort_by_key(|x| std::cmp::Reverse(x.size()));
                        g.truncate(1);
                    }
                    ProgramChoice::ForCompetency(c) => {
                        g.retain(|x| org.catalog.competency_code(x.competency) == c.as_str())
                    }
                    _ => {}
                }
                let rec = recommend(&org.catalog, &levels, &g);
                rec.programs
                    .iter()
                    .map(|p| org.catalog.program(p.program).code.clone())
                    .collect()
            }
        };
        if programs.is_empty() {
            return Ok("no program to add: no gap a program closes".into());
        }
        let year = b.today.year();
        let dues = spread_due_dates(year, programs.len());
        let items: Vec<(String, NaiveDate)> = programs.into_iter().zip(dues).collect();
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

/// The subject's talent box (1..9) in `year`, when both axes are known.
async fn talent_box_of(
    txn: &DatabaseTransaction,
    nip: &str,
    year: i32,
) -> anyhow::Result<Option<i16>> {
    let (potential, evaluations) = wf::talent_inputs(txn, nip).await?;
    Ok(placement(&KinerjaRule::default(), &evaluations, potential, year).map(i16::from))
}

fn person_or_hr(nip: Option<String>) -> (Option<String>, Option<String>) {
    match nip {
        Some(n) => (Some(n), None),
        None => (None, Some("hr".into())),
    }
}

/// Who a party is for this subject: (NIP, role queue).
fn resolve(
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
