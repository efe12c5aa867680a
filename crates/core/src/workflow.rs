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

string_enum! {
    /// Where a workflow instance is: running its steps, waiting (for a task, an event or a
    /// time), finished, or stopped at an incident until someone retries it.
    InstanceStatus { Running = "running", Waiting = "waiting", Completed = "completed", Incident = "incident" }
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
    /// This program.
    Program(String),
}

impl<'de> Deserialize<'de> for ProgramChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(match raw.as_str() {
            "largest_gap" => ProgramChoice::LargestGap,
            "recommended" => ProgramChoice::Recommended,
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

/// Checks a definition (as JSON) and returns it ready to run, or every problem with its location.
/// `templates` are the notification templates that exist.
pub fn parse_definition(
    raw: &serde_json::Value,
    templates: &[&str],
) -> Result<Definition, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = raw.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "a workflow definition is a JSON object",
        )]);
    };
    for field in obj.keys() {
        if !["key", "title", "description", "trigger", "steps"].contains(&field.as_str()) {
            errors.push(FieldError::new(
                field.clone(),
                "unknown field; a definition has key, title, description, trigger and steps",
            ));
        }
    }
    let text = |field: &str, errors: &mut Vec<FieldError>| -> Option<String> {
        match obj.get(field).and_then(|v| v.as_str()).map(str::trim) {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                errors.push(FieldError::new(field, "required text"));
                None
            }
        }
    };
    let key = text("key", &mut errors);
    if let Some(k) = &key
        && (k.len() > 64
            || !k
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
    {
        errors.push(FieldError::new(
            "key",
            "at most 64 characters of a-z, 0-9, '-' and '_'",
        ));
    }
    let title = text("title", &mut errors);
    let description = obj
        .get("description")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut compiled = Compiled::default();
    let trigger = match obj.get("trigger") {
        None => {
            errors.push(FieldError::new("trigger", "required: {event, condition?}"));
            None
        }
        Some(t) => match serde_json::from_value::<Trigger>(t.clone()) {
            Err(e) => {
                errors.push(FieldError::new("trigger", e.to_string()));
                None
            }
            Ok(t) => {
                check_event(&t.event, "trigger.event", &mut errors);
                let calendar = CALENDAR_EVENTS.contains(&t.event.as_str());
                match (&t.on, calendar) {
                    (None, true) => errors.push(FieldError::new(
                        "trigger.on",
                        format!("{} is a calendar event: say on which day (MM-DD)", t.event),
                    )),
                    (Some(_), false) => errors.push(FieldError::new(
                        "trigger.on",
                        "only calendar events (jp.yearly_review) take a day",
                    )),
                    (Some(day), true) if month_day(day).is_none() => errors.push(FieldError::new(
                        "trigger.on",
                        format!("'{day}' is not a day of the year as MM-DD"),
                    )),
                    _ => {}
                }
                if let Some(c) = &t.condition {
                    compiled.trigger = compile(c, "trigger.condition", &mut errors);
                }
                Some(t)
            }
        },
    };
    let mut steps = Vec::new();
    match obj.get("steps").and_then(|s| s.as_array()) {
        None => errors.push(FieldError::new("steps", "required: a list of steps")),
        Some(list) if list.is_empty() => errors.push(FieldError::new(
            "steps",
            "a workflow needs at least one step",
        )),
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                let at = format!("steps[{i}]");
                let kind = s.get("kind").and_then(|k| k.as_str());
                match kind {
                    None => {
                        errors.push(FieldError::new(format!("{at}.kind"), "required"));
                        continue;
                    }
                    Some(k) if !STEP_KINDS.contains(&k) => {
                        errors.push(FieldError::new(
                            format!("{at}.kind"),
                            format!(
                                "unknown step kind '{k}'; expected one of: {}",
                                STEP_KINDS.join(", ")
                            ),
                        ));
                        continue;
                    }
                    _ => {}
                }
                match serde_json::from_value::<Step>(s.clone()) {
                    Ok(step) => steps.push((i, step)),
                    Err(e) => errors.push(FieldError::new(at, e.to_string())),
                }
            }
        }
    }
    // References, reachability, conditions and templates.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, step) in &steps {
        if step.id.trim().is_empty() {
            errors.push(FieldError::new(format!("steps[{i}].id"), "required"));
        } else if index.insert(step.id.as_str(), *i).is_some() {
            errors.push(FieldError::new(
                format!("steps[{i}].id"),
                format!("'{}' names two steps", step.id),
            ));
        }
    }
    for (i, step) in &steps {
        let at = format!("steps[{i}]");
        for (field, target) in step.kind.successors() {
            if !index.contains_key(target) {
                errors.push(FieldError::new(
                    format!("{at}.{field}"),
                    format!("no step has the id '{target}'"),
                ));
            }
        }
        match &step.kind {
            StepKind::Task {
                outcomes,
                escalate_after_days,
                escalate_to,
                due_days,
                title,
                ..
            } => {
                if outcomes.is_empty() {
                    errors.push(FieldError::new(
                        format!("{at}.outcomes"),
                        "a task needs at least one outcome",
                    ));
                }
                if *due_days == 0 {
                    errors.push(FieldError::new(format!("{at}.due_days"), "at least 1 day"));
                }
                if escalate_after_days.is_some() != escalate_to.is_some() {
                    errors.push(FieldError::new(
                        format!("{at}.escalate_to"),
                        "escalate_after_days and escalate_to go together",
                    ));
                }
                check_template_text(title, &format!("{at}.title"), &mut errors);
            }
            StepKind::Notify { to, template, .. } => {
                if to.is_empty() {
                    errors.push(FieldError::new(format!("{at}.to"), "name who is told"));
                }
                if !templates.contains(&template.as_str()) {
                    errors.push(FieldError::new(
                        format!("{at}.template"),
                        format!(
                            "no notification template '{template}'; there are: {}",
                            templates.join(", ")
                        ),
                    ));
                }
            }
            StepKind::Wait {
                event,
                condition,
                days,
                timeout_next,
                until,
                ..
            } => {
                if let Some(u) = until {
                    let root = u.split('.').next().unwrap_or("");
                    if !CONTEXT_VARIABLES.contains(&root) || !u.contains('.') {
                        errors.push(FieldError::new(
                            format!("{at}.until"),
                            "a place in the context such as trigger.midpoint",
                        ));
                    }
                    if event.is_some() || days.is_some() {
                        errors.push(FieldError::new(
                            format!("{at}.until"),
                            "wait until a date, or for an event and/or days, not both",
                        ));
                    }
                }
                match (event, days) {
                    (None, None) if until.is_none() => errors.push(FieldError::new(
                        at.clone(),
                        "a wait needs an event, days, or both (or until)",
                    )),
                    (Some(e), _) => check_event(e, &format!("{at}.event"), &mut errors),
                    _ => {}
                }
                if event.is_none() && (condition.is_some() || timeout_next.is_some()) {
                    errors.push(FieldError::new(
                        at.clone(),
                        "condition and timeout_next need an event to wait for",
                    ));
                }
                if timeout_next.is_some() && days.is_none() {
                    errors.push(FieldError::new(
                        format!("{at}.timeout_next"),
                        "a timeout needs days",
                    ));
                }
                if let Some(c) = condition
                    && let Some(p) = compile(c, &format!("{at}.condition"), &mut errors)
                {
                    compiled.steps.insert(step.id.clone(), p);
                }
            }
            StepKind::Branch { condition, .. } => {
                if let Some(p) = compile(condition, &format!("{at}.condition"), &mut errors) {
                    compiled.steps.insert(step.id.clone(), p);
                }
            }
            StepKind::Recognition { title, .. } => {
                check_template_text(title, &format!("{at}.title"), &mut errors)
            }
            StepKind::CampaignEnroll { campaign, .. } => {
                if campaign.trim().is_empty() {
                    errors.push(FieldError::new(
                        format!("{at}.campaign"),
                        "name the campaign's code",
                    ));
                }
            }
            StepKind::PlanItem { .. }
            | StepKind::Nominate { .. }
            | StepKind::CampaignProgress { .. }
            | StepKind::End => {}
        }
    }
    if let Some((_, first)) = steps.first() {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo = vec![first.id.as_str()];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(&i) = index.get(id)
                && let Some((_, s)) = steps.iter().find(|(j, _)| *j == i)
            {
                todo.extend(s.kind.successors().into_iter().map(|(_, t)| t));
            }
        }
        for (i, s) in &steps {
            if !seen.contains(s.id.as_str()) {
                errors.push(FieldError::new(
                    format!("steps[{i}]"),
                    format!(
                        "step '{}' cannot be reached from the first step '{}'",
                        s.id, first.id
                    ),
                ));
            }
        }
        if !steps.iter().any(|(_, s)| matches!(s.kind, StepKind::End)) {
            errors.push(FieldError::new("steps", "a workflow needs an end step"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Definition {
        key: key.unwrap_or_default(),
        title: title.unwrap_or_default(),
        description,
        trigger: trigger.expect("checked above"),
        steps: steps.into_iter().map(|(_, s)| s).collect(),
        compiled: Arc::new(compiled),
    })
}

fn check_event(kind: &str, at: &str, errors: &mut Vec<FieldError>) {
    if !EVENT_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.push(FieldError::new(
            at,
            format!(
                "unknown event '{kind}'; expected one of: {}",
                EVENT_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
}

/// Handlebars braces must at least balance; the engine renders titles with handlebars.
fn check_template_text(text: &str, at: &str, errors: &mut Vec<FieldError>) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(at, "required text"));
    } else if text.matches("{{").count() != text.matches("}}").count() {
        errors.push(FieldError::new(at, "unbalanced {{ }} in the template"));
    }
}

fn compile(source: &str, at: &str, errors: &mut Vec<FieldError>) -> Option<Condition> {
    match cel::Program::compile(source) {
        Ok(p) => {
            let refs = p.references();
            let unknown: Vec<&str> = refs
                .variables()
                .into_iter()
                .filter(|v| !CONTEXT_VARIABLES.contains(v))
                .collect();
            if unknown.is_empty() {
                let reads = [
                    refs.has_variable("event"),
                    refs.has_variable("trigger"),
                    refs.has_variable("subject"),
                ];
                drop(refs);
                Some(Condition { program: p, reads })
            } else {
                errors.push(FieldError::new(
                    at,
                    format!(
                        "unknown variable {}; conditions see {}",
                        unknown.join(", "),
                        CONTEXT_VARIABLES.join(", ")
                    ),
                ));
                None
            }
        }
        Err(e) => {
            errors.push(FieldError::new(
                at,
                format!("not a valid CEL expression: {}", first_line(&e.to_string())),
            ));
            None
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
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

fn evaluate(condition: &Condition, ctx: &Context, at: &str) -> Result<bool, ConditionError> {
    CEL_ROOT.with(|root| evaluate_in(root, condition, ctx, at))
}

fn evaluate_in(
    root: &cel::Context<'static, 'static>,
    condition: &Condition,
    ctx: &Context,
    at: &str,
) -> Result<bool, ConditionError> {
    let mut c = root.new_inner_scope();
    let err = |m: String| ConditionError {
        at: at.to_string(),
        message: m,
    };
    for (i, (name, value)) in [
        ("event", &ctx.event),
        ("trigger", &ctx.trigger),
        ("subject", &ctx.subject),
    ]
    .into_iter()
    .enumerate()
    {
        if condition.reads[i] {
            c.add_variable(name, value)
                .map_err(|e| err(e.to_string()))?;
        }
    }
    match condition.program.execute(&c) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(err(format!(
            "the condition gave {other:?}, not true or false"
        ))),
        Err(e) => Err(err(e.to_string())),
    }
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
