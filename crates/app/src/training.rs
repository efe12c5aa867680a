//! The training cycle (PP 11/2017 art. 207–212): a computed training plan saved as a numbered
//! draft, compared, adopted (hr, admin) — which creates its cohorts and enrols the participants
//! into their development plans — or withdrawn with a reason. Adopting a plan whose inputs
//! changed since it was saved shows the differences and needs confirmation. The rules are
//! core's (`jenjang_core::training`).

use crate::analysis::{TrainingPlanInput, TrainingPlanResponse, training_plan};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_core::training::{PlanDifferences, TrainingPlanStatus, differences, due_of};
use jenjang_store::training::{
    CohortRecord, Enrolled, NewCohort, NewTrainingPlan, ParticipantRecord, ResultRow,
    ResultsRecorded, TrainingPlanRecord,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Computes the plan for `input` (as `POST /training-plans` answers it) and saves it as the
/// next draft of its year and unit scope (whoever may plan for the unit).
pub async fn save(cx: &Context<'_>, input: TrainingPlanInput) -> AppResult<TrainingPlanRecord> {
    let year = input.year;
    let plan = training_plan(cx, input).await?;
    cx.require_unit(&plan.unit, true).await?;
    let new = NewTrainingPlan {
        year,
        unit: plan.unit.clone(),
        budget_idr: plan.budget_idr,
        cost_idr: plan.cost_idr,
        gap_closed: plan.gap_closed as i64,
        gap_total: plan.gap_total as i64,
        plan: serde_json::to_value(plan.as_ref())
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
    };
    Ok(cx.store.save_training_plan(&cx.actor(), &new).await?)
}

/// The saved plans (of `year`), for whoever may analyse their unit.
pub async fn list(cx: &Context<'_>, year: Option<i32>) -> AppResult<Vec<TrainingPlanRecord>> {
    let mut out = Vec::new();
    for p in cx.store.training_plans(year).await? {
        if cx.require_unit(&p.unit, false).await.is_ok() {
            out.push(p);
        }
    }
    Ok(out)
}

/// One saved plan with its cohorts as computed.
pub async fn get(cx: &Context<'_>, id: i64) -> AppResult<TrainingPlanRecord> {
    let p = cx.store.training_plan(id).await?;
    cx.require_unit(&p.unit, false).await?;
    Ok(p)
}

/// What adopting did, or why it waits for confirmation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Adoption {
    Adopted {
        plan: TrainingPlanRecord,
        enrolled: Enrolled,
    },
    /// The plan computed now from the same inputs differs from the one saved: adopt again
    /// with `confirm` to adopt the saved one anyway.
    Changed { differences: PlanDifferences },
}

fn program_people(plan: &TrainingPlanResponse) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &plan.cohorts {
        out.entry(c.program.clone())
            .or_default()
            .extend(c.participants.iter().cloned());
    }
    out
}

/// Adopts saved draft `id` (hr, admin): when the plan computed now from its inputs differs,
/// answers the differences unless `confirm`; otherwise creates its cohorts (each within its
/// program's capacity) and enrols the participants.
pub async fn adopt(cx: &Context<'_>, id: i64, confirm: bool) -> AppResult<Adoption> {
    cx.require(Action::RunTrainingCycle)?;
    let saved = cx.store.training_plan(id).await?;
    if saved.status != TrainingPlanStatus::Draft {
        return Err(AppError::Conflict(format!(
            "only a draft can be adopted; version {} is {}",
            saved.version,
            saved.status.as_str()
        )));
    }
    let stored: TrainingPlanResponse =
        serde_json::from_value(saved.plan.clone().unwrap_or_default()).map_err(|e| {
            AppError::Internal(anyhow::anyhow!("saved plan {id} is unreadable: {e}"))
        })?;
    if !confirm {
        let now = training_plan(
            cx,
            TrainingPlanInput {
                year: saved.year,
                budget_idr: saved.budget_idr,
                unit: Some(saved.unit.clone()),
            },
        )
        .await?;
        let d = differences(
            &program_people(&stored),
            &program_people(&now),
            stored.cost_idr,
            now.cost_idr,
        );
        if !d.is_empty() {
            return Ok(Adoption::Changed { differences: d });
        }
    }
    let org = cx.organisation().await?;
    let mut cohorts = Vec::new();
    for c in &stored.cohorts {
        let capacity = org
            .catalog
            .program_by_code(&c.program)
            .and_then(|p| org.catalog.program(p).capacity)
            .map_or(c.participants.len().max(1), |cap| cap as usize)
            .max(1);
        let due = due_of(&c.schedule).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("unreadable schedule {}", c.schedule))
        })?;
        // A cohort holds at most the program's capacity: more participants, more cohorts.
        let groups = c.participants.len().div_ceil(capacity).max(1);
        for g in 0..groups {
            let participants: Vec<String> = c
                .participants
                .iter()
                .skip(g * capacity)
                .take(capacity)
                .cloned()
                .collect();
            let share = if c.participants.is_empty() {
                0
            } else {
                c.cost_idr * participants.len() as i64 / c.participants.len() as i64
            };
            cohorts.push(NewCohort {
                program: c.program.clone(),
                provider: c.provider.clone(),
                capacity: capacity as i32,
                route: c.route.to_string(),
                schedule: c.schedule.clone(),
                planned_cost_idr: share,
                jp: c.jp as i32,
                due,
                participants,
            });
        }
    }
    let (plan, enrolled) = cx
        .store
        .adopt_training_plan(&cx.actor(), id, &cohorts)
        .await?;
    Ok(Adoption::Adopted { plan, enrolled })
}

/// Withdraws plan `id` with a reason (hr, admin).
pub async fn withdraw(
    cx: &Context<'_>,
    id: i64,
    reason: Option<String>,
) -> AppResult<TrainingPlanRecord> {
    cx.require(Action::RunTrainingCycle)?;
    let Some(reason) = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
    else {
        return Err(AppError::Invalid(vec![
            FieldError::new("reason", "say why the plan is withdrawn").with_code("required"),
        ]));
    };
    Ok(cx
        .store
        .withdraw_training_plan(&cx.actor(), id, &reason)
        .await?)
}

/// Who reads cohorts: hr and admin, and unit heads (their people are in them).
fn require_cohort_reader(cx: &Context<'_>) -> AppResult<()> {
    if cx.require(Action::RunTrainingCycle).is_ok()
        || cx.caller.role == jenjang_core::kinds::Role::Leader
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Cohorts of `year` (and `program`, and of the plans of `unit`'s subtree).
pub async fn cohorts(
    cx: &Context<'_>,
    year: Option<i32>,
    program: Option<&str>,
    unit: Option<&str>,
) -> AppResult<Vec<CohortRecord>> {
    require_cohort_reader(cx)?;
    Ok(cx.store.cohorts(year, program, unit).await?)
}

/// One cohort with its participants (for a unit head, those of the units they lead).
pub async fn cohort(
    cx: &Context<'_>,
    code: &str,
) -> AppResult<(CohortRecord, Vec<ParticipantRecord>)> {
    require_cohort_reader(cx)?;
    let (cohort, mut people) = cx.store.cohort(code).await?;
    // A unit head sees the participants of the units they lead, not everyone's.
    if cx.require(Action::RunTrainingCycle).is_err() {
        let org = cx.organisation().await?;
        let led: Vec<u32> = cx
            .led_units()
            .await?
            .iter()
            .filter_map(|u| org.units.index(u))
            .collect();
        people.retain(|p| {
            org.units
                .index(&p.unit)
                .is_some_and(|u| led.iter().any(|l| org.units.within(u, *l)))
        });
    }
    Ok((cohort, people))
}

/// Records results (hr, admin): a pass completes the program once (JP credited by the
/// year's rules), other results leave it open. With `all_or_nothing` (the API's list) any
/// refused row writes nothing; an import keeps the valid rows.
pub async fn record_results(
    cx: &Context<'_>,
    rows: &[ResultRow],
    all_or_nothing: bool,
    dry_run: bool,
) -> AppResult<(ResultsRecorded, Vec<(usize, FieldError)>)> {
    cx.require(Action::RunTrainingCycle)?;
    Ok(cx
        .store
        .record_cohort_results(&cx.actor(), rows, all_or_nothing, dry_run)
        .await?)
}

/// The results of one cohort as the API states them: `[{nip, status, certificate_no?,
/// completed_on?, score?}]`.
pub fn read_results(
    body: &serde_json::Value,
    cohort: &str,
) -> Result<Vec<ResultRow>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let rows = crate::fields::read_list(body, "", &mut errors, |f| {
        let nip = f.parse("nip", jenjang_core::Nip::parse);
        let status = f.parse("status", |s| match s
            .parse::<jenjang_core::training::ParticipantStatus>()
        {
            Ok(
                st @ (jenjang_core::training::ParticipantStatus::Lulus
                | jenjang_core::training::ParticipantStatus::TidakLulus
                | jenjang_core::training::ParticipantStatus::TidakHadir),
            ) => Ok(st),
            _ => Err(format!(
                "'{s}' is not one of: lulus, tidak_lulus, tidak_hadir"
            )),
        });
        let certificate_no = f.opt_text("certificate_no");
        let completed_on = f.opt_parse("completed_on", jenjang_core::dates::parse_date);
        let score = match f.raw("score") {
            None => Some(None),
            Some(_) => f.number("score", 0.0, 100.0).map(Some),
        };
        Some(ResultRow {
            cohort: cohort.to_string(),
            nip: nip?.to_string(),
            status: status?,
            certificate_no,
            completed_on: completed_on?,
            score: score?,
        })
    });
    if let Some(rows) = &rows {
        let mut seen = std::collections::HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            if let Some(first) = seen.insert(r.nip.clone(), i) {
                errors.push(
                    FieldError::new(
                        format!("[{i}].nip"),
                        format!("{} is listed twice (also at {first})", r.nip),
                    )
                    .with_code("listed_twice")
                    .with_param("code", &r.nip),
                );
            }
        }
    }
    crate::fields::finish(rows, errors)
}

/// Reads a cohort's details `{provider, place?, starts?, ends?, capacity, actual_cost_idr?}`:
/// dates as offices write them, the end not before the start, amounts in Rupiah.
pub fn read_cohort(
    body: &serde_json::Value,
) -> Result<jenjang_store::training::CohortChange, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = crate::fields::Fields::root(body, &mut errors);
    let provider = f.text("provider");
    let place = f.opt_text("place");
    let starts = f.opt_parse("starts", jenjang_core::dates::parse_date);
    let ends = f.opt_parse("ends", jenjang_core::dates::parse_date);
    let capacity = f.int("capacity", 1, 100_000);
    let actual = f.opt_int("actual_cost_idr", 0, i64::MAX);
    if let (Some(Some(s)), Some(Some(e))) = (starts, ends)
        && e < s
    {
        f.coded(
            "ends",
            format!("ends {e} before it starts {s}"),
            "ends_before_start",
            &[],
        );
    }
    let change = (|| {
        Some(jenjang_store::training::CohortChange {
            provider: provider?,
            place,
            starts: starts?,
            ends: ends?,
            capacity: capacity? as i32,
            actual_cost_idr: actual?,
        })
    })();
    crate::fields::finish(change, errors)
}

/// Changes a cohort's details (hr, admin).
pub async fn update_cohort(
    cx: &Context<'_>,
    code: &str,
    change: Result<jenjang_store::training::CohortChange, Vec<FieldError>>,
) -> AppResult<CohortRecord> {
    cx.require(Action::RunTrainingCycle)?;
    cx.store.cohort(code).await?;
    let change = change.map_err(AppError::Invalid)?;
    Ok(cx.store.update_cohort(&cx.actor(), code, &change).await?)
}

/// Planned against actual cost of the adopted plans' cohorts of `year` (of `unit`'s scope).
pub async fn budget(
    cx: &Context<'_>,
    year: i32,
    unit: Option<&str>,
) -> AppResult<jenjang_store::training::Budget> {
    match unit {
        Some(u) => cx.require_unit(u, false).await?,
        None => cx.require(Action::RunTrainingCycle)?,
    }
    Ok(cx.store.training_budget(year, unit).await?)
}

/// Makes `nips` (a JSON list of NIPs) the cohort's participants (hr, admin): each new one must
/// be an employee who meets what the program requires (each refusal says who holds what);
/// those left out are withdrawn with `reason` (required when someone is left out).
pub async fn set_participants(
    cx: &Context<'_>,
    code: &str,
    nips: &serde_json::Value,
    reason: Option<String>,
    capacity: Option<i32>,
) -> AppResult<CohortRecord> {
    cx.require(Action::RunTrainingCycle)?;
    let (cohort, people) = cx.store.cohort(code).await?;
    let mut problems = Vec::new();
    let Some(list) = nips.as_array() else {
        return Err(AppError::invalid("participants", "expected a list of NIPs"));
    };
    let org = cx.organisation().await?;
    let program = org.catalog.program_by_code(&cohort.program);
    let current: BTreeSet<&str> = people
        .iter()
        .filter(|p| p.status != jenjang_core::training::ParticipantStatus::Withdrawn)
        .map(|p| p.nip.as_str())
        .collect();
    let mut wanted = Vec::with_capacity(list.len());
    let mut seen = BTreeSet::new();
    for (i, v) in list.iter().enumerate() {
        let at = format!("participants[{i}]");
        let Some(nip) = v.as_str().and_then(|s| jenjang_core::Nip::parse(s).ok()) else {
            problems.push(
                FieldError::new(&at, "expected an 18-digit NIP")
                    .with_code("invalid_value")
                    .with_param("value", v.to_string()),
            );
            continue;
        };
        let nip = nip.to_string();
        if !seen.insert(nip.clone()) {
            problems.push(
                FieldError::new(&at, format!("{nip} is listed twice"))
                    .with_code("listed_twice")
                    .with_param("code", &nip),
            );
            continue;
        }
        if !current.contains(nip.as_str()) {
            match cx.store.load_member(&org, &nip).await {
                Err(jenjang_store::StoreError::NotFound { .. }) => {
                    problems.push(FieldError::unknown(&at, "employee", &nip));
                    continue;
                }
                Err(e) => return Err(e.into()),
                Ok((_, levels)) => {
                    if let Some(p) = program {
                        for (c, need) in &org.catalog.program(p).requires {
                            let held = levels.get(*c as usize).copied().unwrap_or(0);
                            if held < *need {
                                let competency = org.catalog.competency_code(*c);
                                problems.push(
                                    FieldError::new(
                                        &at,
                                        format!(
                                            "{nip} holds {competency} at level {held}; {} requires level {need}",
                                            cohort.program
                                        ),
                                    )
                                    .with_code("requires_not_met")
                                    .with_param("nip", &nip)
                                    .with_param("competency", org.catalog.competency_name(*c))
                                    .with_param("held", held)
                                    .with_param("required", *need),
                                );
                            }
                        }
                    }
                }
            }
        }
        wanted.push(nip);
    }
    let leaves = current.iter().any(|n| !seen.contains(*n));
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if leaves && reason.is_none() {
        problems.push(
            FieldError::new("reason", "say why participants leave the cohort")
                .with_code("required"),
        );
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(cx
        .store
        .set_cohort_participants(
            &cx.actor(),
            code,
            &wanted,
            reason.as_deref().unwrap_or(""),
            capacity,
        )
        .await?)
}

/// The signed-in participant's standing toward a cohort's reaction survey: the cohort, their own
/// result and their answer when given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyReaction {
    pub cohort: CohortRecord,
    /// The questions, each rated 1–5.
    pub questions: Vec<String>,
    /// Whether the caller passed the cohort and may answer.
    pub may_answer: bool,
    pub answer: Option<jenjang_store::training_outcomes::ReactionRecord>,
}

/// The caller's place in `code`: the cohort, and whether they passed it (only those who passed
/// answer its survey).
async fn my_place(cx: &Context<'_>, code: &str) -> AppResult<(CohortRecord, String, bool)> {
    let nip = cx
        .caller
        .nip
        .as_ref()
        .map(|n| n.to_string())
        .ok_or(AppError::Forbidden)?;
    let (cohort, people) = cx.store.cohort(code).await?;
    let Some(me) = people.iter().find(|p| p.nip == nip) else {
        // Not a participant: the cohort is none of their business.
        return Err(AppError::Forbidden);
    };
    let passed = jenjang_core::training::may_answer_reaction(me.status);
    Ok((cohort, nip, passed))
}

/// The reaction survey of `code` for the signed-in participant.
pub async fn my_reaction(cx: &Context<'_>, code: &str) -> AppResult<MyReaction> {
    let (cohort, nip, may_answer) = my_place(cx, code).await?;
    let answer = cx.store.reaction(code, &nip).await?;
    Ok(MyReaction {
        cohort,
        questions: jenjang_core::training::REACTION_QUESTIONS
            .iter()
            .map(|q| q.to_string())
            .collect(),
        may_answer,
        answer,
    })
}

/// A reaction as read: question → rating, and the comment.
pub type Reaction = (BTreeMap<String, u8>, Option<String>);

/// Reads a reaction `{relevan, materi, fasilitator, penyelenggaraan, comment?}`: every question
/// rated 1–5.
pub fn read_reaction(body: &serde_json::Value) -> Result<Reaction, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = crate::fields::Fields::root(body, &mut errors);
    let mut answers = BTreeMap::new();
    let mut complete = true;
    for q in jenjang_core::training::REACTION_QUESTIONS {
        match f.int(q, 1, 5) {
            Some(v) => {
                answers.insert(q.to_string(), v as u8);
            }
            None => complete = false,
        }
    }
    let comment = f.opt_long_text("comment");
    crate::fields::finish(complete.then_some((answers, comment)), errors)
}

/// Records the signed-in participant's reaction to `code` (only after passing it; once — the
/// same answer again changes nothing, another is a conflict). `Ok(true)` when recorded now.
pub async fn answer_reaction(
    cx: &Context<'_>,
    code: &str,
    body: &serde_json::Value,
) -> AppResult<bool> {
    let (_, nip, may_answer) = my_place(cx, code).await?;
    let (answers, comment) = read_reaction(body).map_err(AppError::Invalid)?;
    if !may_answer {
        return Err(AppError::Conflict(format!(
            "the reaction survey of {code} is for participants who passed it"
        )));
    }
    Ok(cx
        .store
        .save_reaction(&cx.actor(), code, &nip, &answers, comment.as_deref())
        .await?)
}

/// The reactions to a cohort (hr, admin, unit heads).
pub async fn reaction_summary(
    cx: &Context<'_>,
    code: &str,
) -> AppResult<jenjang_store::training_outcomes::ReactionSummary> {
    require_cohort_reader(cx)?;
    cx.store.cohort(code).await?;
    Ok(cx.store.reaction_summary(Some(code), None).await?)
}

/// The evidence for a program (hr, admin, unit heads): how the competencies it develops moved
/// for those who passed against colleagues in the same positions who did not, and the
/// reactions.
pub async fn program_effect(
    cx: &Context<'_>,
    program: &str,
) -> AppResult<jenjang_store::training_outcomes::ProgramEffect> {
    require_cohort_reader(cx)?;
    Ok(cx.store.program_effect(program).await?)
}
