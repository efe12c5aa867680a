//! Workflow definitions: what follows an evaluation, an assessment, a task or a date.
//!
//! A definition is data (JSON, versioned by the store): a trigger (an event kind, an optional CEL
//! condition over the event and its subject, and for calendar events the day of the year) and a
//! list of steps, each naming the step that follows. This module parses and validates
//! definitions (every problem with its location, such as `steps[2].next`), evaluates conditions
//! and says which step follows which; the engine crate runs them durably.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::events::{CALENDAR_KINDS as CALENDAR_EVENTS, KINDS as EVENT_KINDS};
use crate::kinds::string_enum;

mod conditions;
mod validate;
use conditions::*;
pub use validate::*;

string_enum! {
    /// Where a workflow instance is: running its steps, waiting (for a task, an event or a
    /// time), finished, cancelled, or stopped at an incident until someone retries it.
    InstanceStatus { Running = "running", Waiting = "waiting", Completed = "completed", Cancelled = "cancelled", Incident = "incident" }
}

string_enum! {
    /// A human task: open until completed, or cancelled with its instance.
    TaskStatus { Open = "open", Completed = "completed", Cancelled = "cancelled" }
}

/// Who a task goes to or a notice is for, relative to the instance's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The employee the instance is about.
    Subject,
    /// The subject's direct supervisor.
    Supervisor,
    /// The supervisor's supervisor (atasan dari atasan langsung), where escalations go.
    SecondSupervisor,
    /// The head of the subject's unit (of the parent unit when the subject heads it).
    UnitHead,
    /// Everyone with the hr role (a shared queue).
    Hr,
    /// The sponsor of the campaign in the event (campaign workflows).
    Sponsor,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Subject => "subject",
            Party::Supervisor => "supervisor",
            Party::SecondSupervisor => "second_supervisor",
            Party::UnitHead => "unit_head",
            Party::Hr => "hr",
            Party::Sponsor => "sponsor",
        }
    }
}

/// The kinds of human task, as shown in task lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Bimbingan kinerja: the supervisor coaches and records competency scores 1..5.
    Coaching,
    /// Konseling kinerja.
    Counselling,
    /// Talent-pool or promotion nomination decided by HR.
    Nomination,
    /// Outreach (sosialisasi) for a change-adoption campaign.
    Outreach,
    /// A campaign activity aimed at a unit's barrier point.
    Activity,
    /// A follow-up reminder, e.g. toward the 20 JP.
    Reminder,
    /// Anything else to look at and decide.
    Review,
    /// The supervisor's evaluation after training (Kirkpatrick level 3): the competencies the
    /// program develops rated 1..5, recorded with source `evaluasi_pasca_pelatihan`.
    Evaluation,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Coaching => "coaching",
            TaskKind::Counselling => "counselling",
            TaskKind::Nomination => "nomination",
            TaskKind::Outreach => "outreach",
            TaskKind::Activity => "activity",
            TaskKind::Reminder => "reminder",
            TaskKind::Review => "review",
            TaskKind::Evaluation => "evaluation",
        }
    }

    /// The source of the competency scores completing a task of this kind.
    pub fn score_source(kind: &str) -> &'static str {
        if kind == TaskKind::Evaluation.as_str() {
            "evaluasi_pasca_pelatihan"
        } else {
            "coaching"
        }
    }
}

/// Which program(s) a `plan_item` step adds to the subject's draft plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramChoice {
    /// The first recommended program for the subject's largest gap.
    LargestGap,
    /// Every recommended program, in their feasible order.
    Recommended,
    /// The recommended program for the gap in this competency.
    ForCompetency(String),
    /// Every program recommended toward the position the triggering event names (`position`):
    /// a successor's development for a critical post.
    TriggerPosition,
    /// This program.
    Program(String),
}

impl<'de> Deserialize<'de> for ProgramChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(match raw.as_str() {
            "largest_gap" => ProgramChoice::LargestGap,
            "recommended" => ProgramChoice::Recommended,
            "trigger_position" => ProgramChoice::TriggerPosition,
            _ => match raw.strip_prefix("competency:") {
                Some(c) => ProgramChoice::ForCompetency(c.to_string()),
                None => ProgramChoice::Program(raw),
            },
        })
    }
}

impl Serialize for ProgramChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ProgramChoice::LargestGap => s.serialize_str("largest_gap"),
            ProgramChoice::Recommended => s.serialize_str("recommended"),
            ProgramChoice::TriggerPosition => s.serialize_str("trigger_position"),
            ProgramChoice::ForCompetency(c) => s.serialize_str(&format!("competency:{c}")),
            ProgramChoice::Program(p) => s.serialize_str(p),
        }
    }
}

/// What a nomination step marks the subject as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    TalentPool,
    PromotionCandidate,
}

impl Pool {
    pub fn as_str(self) -> &'static str {
        match self {
            Pool::TalentPool => "talent_pool",
            Pool::PromotionCandidate => "promotion_candidate",
        }
    }
}

/// One step of a workflow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepKind {
    /// A human task; the instance waits until it is completed, then goes to the step its outcome names.
    Task {
        task: TaskKind,
        /// The task's title (a handlebars template over the context).
        title: String,
        assignee: Party,
        due_days: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        escalate_after_days: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        escalate_to: Option<Party>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remind_every_days: Option<u32>,
        /// Whether completing it records competency scores 1..5 (Format B.1.9 style).
        #[serde(default)]
        scores: bool,
        /// Allowed outcomes and the step each leads to.
        outcomes: BTreeMap<String, String>,
    },
    /// Adds recommended or named programs to the subject's draft development plan.
    PlanItem {
        program: ProgramChoice,
        next: String,
    },
    /// Records a recognition (penghargaan) for the subject.
    Recognition { title: String, next: String },
    /// Marks the subject a member of a pool (talent pool, promotion candidates).
    Nominate { pool: Pool, next: String },
    /// Sends a notice rendered from `templates/notifications/<template>.hbs`.
    Notify {
        to: Vec<Party>,
        template: String,
        next: String,
    },
    /// Waits for an event about the subject (optionally matching a condition), or a number of days.
    Wait {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        /// With `event`: give up after this many days and go to `timeout_next`.
        /// Without: simply wait this many days.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_next: Option<String>,
        /// Wait until the date (or time) found at this place of the context, such as
        /// `trigger.midpoint`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
        next: String,
    },
    /// Looks up the adoption of the campaign and unit named by the triggering event
    /// (`trigger.campaign`, `trigger.unit`) and makes it the context's `event`: `targets`,
    /// `adopted`, `share`, `adoption_target`, `below_target`, `barrier`, `remedy`.
    CampaignProgress { next: String },
    /// Records the subject's ADKAR stage in a campaign (enrolment: `awareness` by default). The
    /// subject must be among the campaign's targets; when not, or when the move is refused,
    /// the history says why and the instance goes on.
    CampaignEnroll {
        campaign: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stage: Option<crate::adkar::Stage>,
        next: String,
    },
    /// Goes to `then` when the condition holds, else to `else`.
    Branch {
        condition: String,
        then: String,
        #[serde(rename = "else")]
        otherwise: String,
    },
    /// Ends the instance.
    End,
}

/// The step kinds a definition may use.
pub const STEP_KINDS: &[&str] = &[
    "task",
    "plan_item",
    "recognition",
    "nominate",
    "notify",
    "wait",
    "branch",
    "campaign_progress",
    "campaign_enroll",
    "end",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    #[serde(flatten)]
    pub kind: StepKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// For calendar events: the day of the year (MM-DD, in the organisation's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
}

/// A validated workflow definition.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub key: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub trigger: Trigger,
    pub steps: Vec<Step>,
    #[serde(skip)]
    compiled: Arc<Compiled>,
}

/// The conditions of a definition, compiled once.
#[derive(Debug, Default)]
struct Compiled {
    trigger: Option<Condition>,
    /// By step id.
    steps: HashMap<String, Condition>,
}

/// A compiled condition and which context variables it reads (only those are converted to CEL
/// values when it runs).
#[derive(Debug)]
struct Condition {
    program: cel::Program,
    reads: [bool; 3],
}

/// What a condition can read: `event` (the event at hand), `trigger` (the event that started
/// the instance) and `subject` (nip, name, unit, position, position_kind, supervisor_nip).
pub const CONTEXT_VARIABLES: &[&str] = &["event", "trigger", "subject"];

/// Parses MM-DD.
pub fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    chrono::NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// A condition that could not be evaluated (a missing field, a type mismatch).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ConditionError {
    pub at: String,
    pub message: String,
}

/// The context conditions and templates see.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Context {
    pub event: serde_json::Value,
    pub trigger: serde_json::Value,
    pub subject: serde_json::Value,
}

thread_local! {
    /// The CEL standard library, built once per thread (building it is most of an evaluation's cost).
    static CEL_ROOT: cel::Context<'static, 'static> = cel::Context::default();
}

impl StepKind {
    /// The steps this one may lead to, with the field that names each.
    pub fn successors(&self) -> Vec<(String, &str)> {
        match self {
            StepKind::Task { outcomes, .. } => outcomes
                .iter()
                .map(|(o, t)| (format!("outcomes.{o}"), t.as_str()))
                .collect(),
            StepKind::PlanItem { next, .. }
            | StepKind::Recognition { next, .. }
            | StepKind::Nominate { next, .. }
            | StepKind::CampaignProgress { next }
            | StepKind::CampaignEnroll { next, .. }
            | StepKind::Notify { next, .. } => vec![("next".into(), next.as_str())],
            StepKind::Wait {
                next, timeout_next, ..
            } => {
                let mut v = vec![("next".to_string(), next.as_str())];
                if let Some(t) = timeout_next {
                    v.push(("timeout_next".into(), t.as_str()));
                }
                v
            }
            StepKind::Branch {
                then, otherwise, ..
            } => vec![
                ("then".into(), then.as_str()),
                ("else".into(), otherwise.as_str()),
            ],
            StepKind::End => vec![],
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Task { .. } => "task",
            StepKind::PlanItem { .. } => "plan_item",
            StepKind::Recognition { .. } => "recognition",
            StepKind::Nominate { .. } => "nominate",
            StepKind::Notify { .. } => "notify",
            StepKind::Wait { .. } => "wait",
            StepKind::Branch { .. } => "branch",
            StepKind::CampaignProgress { .. } => "campaign_progress",
            StepKind::CampaignEnroll { .. } => "campaign_enroll",
            StepKind::End => "end",
        }
    }
}

impl Definition {
    pub fn first_step(&self) -> &Step {
        &self.steps[0]
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Whether an event of the trigger's kind starts an instance.
    pub fn triggered_by(&self, ctx: &Context) -> Result<bool, ConditionError> {
        match &self.compiled.trigger {
            None => Ok(true),
            Some(p) => evaluate(p, ctx, "trigger.condition"),
        }
    }

    /// Evaluates the condition of a branch or wait step (true when it has none).
    pub fn step_condition(&self, step: &Step, ctx: &Context) -> Result<bool, ConditionError> {
        match self.compiled.steps.get(&step.id) {
            None => Ok(true),
            Some(p) => evaluate(p, ctx, &format!("{}.condition", step.id)),
        }
    }

    /// The step a completed task goes to, or the outcomes it allows.
    pub fn after_task<'a>(
        &'a self,
        step: &'a Step,
        outcome: &str,
    ) -> Result<&'a str, Vec<&'a str>> {
        match &step.kind {
            StepKind::Task { outcomes, .. } => outcomes
                .get(outcome)
                .map(String::as_str)
                .ok_or_else(|| outcomes.keys().map(String::as_str).collect()),
            _ => Err(vec![]),
        }
    }

    /// The definition as stored (JSON), without compiled parts.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEMPLATES: &[&str] = &["penghargaan"];

    fn coaching() -> serde_json::Value {
        json!({
            "key": "pembinaan",
            "title": "Pembinaan",
            "trigger": {"event": "evaluation.recorded", "condition": "event.predikat in ['kurang', 'sangat_kurang', 'butuh_perbaikan']"},
            "steps": [
                {"id": "coach", "kind": "task", "task": "coaching", "title": "Bimbingan {{subject.name}}", "assignee": "supervisor", "due_days": 30,
                 "escalate_after_days": 35, "escalate_to": "unit_head", "scores": true, "outcomes": {"done": "wait"}},
                {"id": "wait", "kind": "wait", "event": "evaluation.recorded", "condition": "event.period != trigger.period", "days": 200, "timeout_next": "end", "next": "check"},
                {"id": "check", "kind": "branch", "condition": "event.predikat == 'baik'", "then": "end", "else": "notice"},
                {"id": "notice", "kind": "notify", "to": ["hr"], "template": "penghargaan", "next": "end"},
                {"id": "end", "kind": "end"}
            ]
        })
    }

    #[test]
    fn a_good_definition_parses_and_its_conditions_run() {
        let d = parse_definition(&coaching(), TEMPLATES).unwrap();
        assert_eq!(d.first_step().id, "coach");
        let ctx = |p: &str| Context {
            event: json!({"predikat": p, "period": "2026-Q1"}),
            trigger: json!({"predikat": "kurang", "period": "2026-Q1"}),
            subject: json!({"nip": "x"}),
        };
        assert!(d.triggered_by(&ctx("kurang")).unwrap());
        assert!(!d.triggered_by(&ctx("baik")).unwrap());
        let wait = d.step("wait").unwrap();
        assert!(
            !d.step_condition(wait, &ctx("baik")).unwrap(),
            "same period is not the next one"
        );
        let coach = d.step("coach").unwrap();
        assert_eq!(d.after_task(coach, "done"), Ok("wait"));
        assert_eq!(d.after_task(coach, "nope"), Err(vec!["done"]));
    }

    #[test]
    fn problems_are_reported_with_their_location() {
        let mut bad = coaching();
        bad["steps"][0]["outcomes"]["done"] = json!("nowhere");
        bad["steps"][2]["condition"] = json!("event.predikat ==");
        bad["steps"][3]["template"] = json!("missing");
        bad["steps"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "x", "kind": "teleport"}));
        bad["steps"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "lonely", "kind": "end"}));
        bad["trigger"]["event"] = json!("weather.changed");
        let errors = parse_definition(&bad, TEMPLATES).unwrap_err();
        let at: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "steps[0].outcomes.done",
            "steps[2].condition",
            "steps[3].template",
            "steps[5].kind",
            "steps[6]",
            "trigger.event",
        ] {
            assert!(at.contains(&expected), "{expected} missing from {errors:?}");
        }
    }

    #[test]
    fn conditions_may_only_read_the_context() {
        let mut bad = coaching();
        bad["trigger"]["condition"] = json!("employee.predikat == 'kurang'");
        let errors = parse_definition(&bad, TEMPLATES).unwrap_err();
        assert_eq!(errors[0].field, "trigger.condition");
        assert!(errors[0].message.contains("employee"), "{errors:?}");
    }

    #[test]
    fn calendar_triggers_need_a_day() {
        let d = json!({"key": "jp", "title": "JP", "trigger": {"event": "jp.yearly_review"},
                       "steps": [{"id": "end", "kind": "end"}]});
        let errors = parse_definition(&d, TEMPLATES).unwrap_err();
        assert_eq!(errors[0].field, "trigger.on");
        let mut ok = d.clone();
        ok["trigger"]["on"] = json!("10-01");
        assert!(parse_definition(&ok, TEMPLATES).is_ok());
        ok["trigger"]["on"] = json!("02-30");
        assert!(parse_definition(&ok, TEMPLATES).is_err());
        // A quarterly trigger's day lies in a quarter's first three months, up to the 28th.
        let mut q = d.clone();
        q["trigger"] = json!({"event": "dialog.quarterly_review", "on": "01-05"});
        assert!(parse_definition(&q, TEMPLATES).is_ok());
        q["trigger"]["on"] = json!("04-05");
        assert!(parse_definition(&q, TEMPLATES).is_err());
        q["trigger"]["on"] = json!("01-31");
        assert!(parse_definition(&q, TEMPLATES).is_err());
    }

    #[test]
    fn a_condition_on_a_missing_field_is_an_error_not_false() {
        let d = parse_definition(&coaching(), TEMPLATES).unwrap();
        let ctx = Context {
            event: json!({}),
            ..Default::default()
        };
        assert!(d.triggered_by(&ctx).is_err());
    }
}
