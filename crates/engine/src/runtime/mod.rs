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
use crate::templates::Templates;
use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use jenjang_core::events::{DialogQuarterlyReview, DomainEvent, JpYearlyReview, TaskCompleted};
use jenjang_core::idp::{programs_to_plan, today_in};
use jenjang_core::org::Organisation;
use jenjang_core::period::Period;
use jenjang_core::talent::{KinerjaRule, placement};
use jenjang_core::workflow::InstanceStatus;
use jenjang_core::workflow::{Context, Definition, Party, ProgramChoice, StepKind, month_day};
use jenjang_store::workflows::{
    self as wf, DatabaseTransaction, InstanceRecord, InstanceState, NewNotification, NewTask,
    OutboxEvent, Subject, TransactionTrait,
};
use jenjang_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

mod batch;
mod definitions;
mod rounds;
mod steps;
use steps::*;

/// Attempts of a failing step before the instance stops at an incident.
pub const MAX_ATTEMPTS: i32 = 3;
/// Steps one run may take before it is judged a loop.
const MAX_STEPS_PER_RUN: usize = 64;

/// The workflow engine of one process.
pub struct Engine {
    store: Store,
    clock: Arc<dyn Clock>,
    templates: Templates,
    definitions: Mutex<HashMap<(String, i32), Arc<Definition>>>,
    batch: u64,
    /// Where the next claim of events starts: the first id of the last batch claimed. Below it
    /// every event was processed or held by another engine when that batch was claimed, so a
    /// backlog is worked through without walking again, claim after claim, the index entries
    /// of the events already processed (on PostgreSQL they stay in the pending index until
    /// vacuumed: after a national quarter's million events, or a seed's millions, a claim from
    /// the start read 16,000 pages). What lies below — an event another engine gave back, or
    /// one whose transaction committed after later ones — is claimed when nothing is left
    /// above.
    events_from: std::sync::atomic::AtomicI64,
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

impl Engine {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Engine {
            store,
            clock,
            templates: Templates::new(),
            definitions: Mutex::new(HashMap::new()),
            batch: 500,
            events_from: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Events claimed per transaction.
    pub fn with_batch(mut self, batch: u64) -> Self {
        self.batch = batch.max(1);
        self
    }
}
