//! Completing a human task: who may (its assignee, or hr/admin), with an outcome the task
//! offers, and competency scores only where the task takes them (coaching); the scores become
//! `coaching` levels and the `task.completed` event moves the workflow on, in one transaction.

use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, Principal, authorize, is_assignee};
use jenjang_core::reference::CompetencyRecord;
use jenjang_core::workflow::TaskStatus;
use jenjang_core::{Code, Level};
use jenjang_store::workflows::TaskRecord;
use jenjang_store::{Actor, Store};

/// What completing a task says, as far as it could be read: a part that could not be read is
/// `None`, and its problem is among the `read_problems` given with it, so that the answer names
/// every bad field at once (those of the reading and those of the task).
#[derive(Debug, Clone)]
pub struct Completion {
    pub outcome: Option<String>,
    pub notes: Option<String>,
    /// Competency levels observed (coaching tasks only), recorded as of today.
    pub scores: Option<Vec<(Code, Level)>>,
}

/// Completes task `id` on behalf of `caller`.
pub async fn complete(
    store: &Store,
    caller: &Principal,
    id: i64,
    completion: Completion,
    read_problems: Vec<jenjang_core::FieldError>,
) -> AppResult<TaskRecord> {
    let task = store.get_task(id).await?;
    authorize(
        caller,
        Action::CompleteTask {
            is_assignee: is_assignee(caller, &task.assignee),
        },
    )
    .map_err(|_| AppError::Forbidden)?;
    if task.status != TaskStatus::Open {
        return Err(AppError::Conflict(format!("task {id} is {}", task.status)));
    }
    let mut problems = read_problems;
    if let Some(outcome) = &completion.outcome
        && !task.outcomes.contains(outcome)
    {
        problems.push(
            jenjang_core::FieldError::new(
                "outcome",
                format!(
                    "'{outcome}' is not an outcome of this task; expected one of: {}",
                    task.outcomes.join(", ")
                ),
            )
            .with_code("invalid_value")
            .with_param("value", outcome),
        );
    }
    if completion.scores.as_ref().is_some_and(|s| !s.is_empty()) && !task.scores {
        problems.push(
            jenjang_core::FieldError::new(
                "competency_scores",
                "this task does not take competency scores (only coaching and post-training evaluation tasks do)",
            )
            .with_code("no_scores"),
        );
    }
    let (Some(outcome), Some(scores), true) =
        (completion.outcome, completion.scores, problems.is_empty())
    else {
        if problems.is_empty() {
            problems.push(jenjang_core::FieldError::new("", "the body is incomplete"));
        }
        return Err(AppError::Invalid(problems));
    };
    let today = store.today().await?;
    let scores: Vec<CompetencyRecord> = scores
        .into_iter()
        .map(|(competency, level)| CompetencyRecord {
            competency,
            level,
            source: jenjang_core::workflow::TaskKind::score_source(&task.kind).into(),
            assessed_on: today,
        })
        .collect();
    Ok(store
        .complete_task(
            &Actor(caller.username.clone()),
            &task,
            &outcome,
            completion.notes.as_deref(),
            &scores,
        )
        .await?)
}
