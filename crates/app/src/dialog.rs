//! Dialog kinerja and upward feedback (PermenPANRB 6/2022: continuous feedback). The thread is
//! the employee's and their direct supervisor's to write; whoever may read the employee reads
//! it. Upward feedback comes only from a supervisor's direct reports and is shown to the
//! supervisor, hr and admin only as an anonymous aggregate above the floor of core.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::fields::{Fields, finish};
use jenjang_core::FieldError;
use jenjang_core::access::{Action, Relation};
use jenjang_core::dialog::{
    Berakhlak, DialogKind, UPWARD_QUESTIONS, UpwardAggregate, upward_aggregate,
};
use jenjang_store::dialog::{DialogEntry, NewDialogEntry};
use serde::Serialize;
use serde_json::Value;

/// The thread of `nip` in `year`.
pub async fn thread(cx: &Context<'_>, nip: &str, year: i32) -> AppResult<Vec<DialogEntry>> {
    cx.store.get_employee(nip).await?;
    cx.require_read(nip).await?;
    Ok(cx.store.dialog(nip, year).await?)
}

async fn relation(cx: &Context<'_>, nip: &str) -> AppResult<Relation> {
    Ok(cx.store.relation(cx.caller.nip.as_ref(), nip).await?)
}

/// Writes an entry `{kind, text, value?}` in the thread of `nip` for `year` (the employee or
/// their direct supervisor).
pub async fn write(cx: &Context<'_>, nip: &str, year: i32, body: &Value) -> AppResult<DialogEntry> {
    cx.store.get_employee(nip).await?;
    cx.require(Action::WriteDialog(relation(cx, nip).await?))?;
    let Some(author) = cx.caller.nip.as_ref().map(|n| n.to_string()) else {
        return Err(AppError::Forbidden);
    };
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let kind = f.parse("kind", |s| s.parse::<DialogKind>());
    let text = f.long_text("text");
    let value = f.opt_parse("value", |s| s.parse::<Berakhlak>());
    let rhk_id = f.opt_int("rhk_id", 1, i64::MAX).flatten();
    if let Some(id) = rhk_id {
        let owners = cx.store.rhk_owners(&[id]).await?;
        if owners.get(&id) != Some(&(nip.to_string(), year)) {
            f.coded(
                "rhk_id",
                format!("RHK {id} is not of this employee's SKP for {year}"),
                "no_rhk",
                &[("id", id.to_string())],
            );
        }
    }
    let new = finish(
        (|| {
            Some(NewDialogEntry {
                nip: nip.to_string(),
                year,
                author_nip: author.clone(),
                kind: kind?.as_str().to_string(),
                text: text?,
                value: value?.map(|v| v.as_str().to_string()),
                rhk_id,
                at: None,
            })
        })(),
        errors,
    )
    .map_err(AppError::Invalid)?;
    Ok(cx.store.add_dialog_entry(&cx.actor(), &new).await?)
}

/// Acknowledges entry `id`: the thread's other party (the employee acknowledges the
/// supervisor's feedback, and the other way round), never the author.
pub async fn acknowledge(cx: &Context<'_>, id: i64) -> AppResult<DialogEntry> {
    let entry = cx.store.dialog_entry(id).await?;
    cx.require(Action::WriteDialog(relation(cx, &entry.nip).await?))?;
    if cx.caller.nip.as_ref().map(|n| n.as_str()) == Some(entry.author_nip.as_str()) {
        return Err(AppError::Conflict(
            "an entry is acknowledged by the other party, not its author".into(),
        ));
    }
    Ok(cx.store.acknowledge_dialog(&cx.actor(), id).await?)
}

/// Gives upward feedback `{answers: [5 × 1..5], comment?}` about `supervisor` for `year`:
/// only their direct reports; a repeat replaces the earlier answer.
pub async fn give_upward(
    cx: &Context<'_>,
    supervisor: &str,
    year: i32,
    body: &Value,
) -> AppResult<()> {
    cx.store.get_employee(supervisor).await?;
    let Some(me) = cx.caller.nip.as_ref().map(|n| n.to_string()) else {
        return Err(AppError::Forbidden);
    };
    let mine = cx.store.get_employee(&me).await?;
    let is_direct_report = mine
        .supervisor_nip
        .as_ref()
        .is_some_and(|s| s.as_str() == supervisor);
    cx.require(Action::GiveUpwardFeedback { is_direct_report })?;
    let mut errors = Vec::new();
    let mut answers = Vec::with_capacity(UPWARD_QUESTIONS);
    match body.get("answers").and_then(|a| a.as_array()) {
        Some(list) if list.len() == UPWARD_QUESTIONS => {
            for (i, a) in list.iter().enumerate() {
                match a.as_u64() {
                    Some(v @ 1..=5) => answers.push(v as u8),
                    _ => errors.push(
                        FieldError::new(format!("answers[{i}]"), "an answer 1 to 5")
                            .with_code("score"),
                    ),
                }
            }
        }
        _ => errors.push(
            FieldError::new(
                "answers",
                format!("{UPWARD_QUESTIONS} answers, each 1 to 5"),
            )
            .with_code("upward_answers")
            .with_param("count", UPWARD_QUESTIONS),
        ),
    }
    // A comment left blank is no comment.
    let blank = body
        .get("comment")
        .and_then(|c| c.as_str())
        .is_some_and(|c| c.trim().is_empty());
    let mut f = Fields::root(body, &mut errors);
    let comment = if blank {
        None
    } else {
        f.opt_long_text("comment")
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(cx
        .store
        .save_upward_feedback(supervisor, &me, year, &answers, comment.as_deref())
        .await?)
}

/// A supervisor's upward feedback as it may be shown: the anonymous aggregate and the comments
/// (never attributed, in no telling order).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpwardFeedback {
    pub respondents: usize,
    /// Per question, the average answer (1..5).
    pub averages: Vec<f64>,
    pub overall: f64,
    pub comments: Vec<String>,
}

/// The upward feedback about `supervisor` in `year` (the supervisor, hr and admin): `None`
/// below the anonymity floor of core (3 respondents).
pub async fn upward(
    cx: &Context<'_>,
    supervisor: &str,
    year: i32,
) -> AppResult<Option<UpwardFeedback>> {
    cx.store.get_employee(supervisor).await?;
    cx.require(Action::ReadUpwardFeedback(relation(cx, supervisor).await?))?;
    let (answers, comments) = cx.store.upward_feedback(supervisor, year).await?;
    Ok(
        upward_aggregate(&answers).map(|a: UpwardAggregate| UpwardFeedback {
            respondents: a.respondents,
            averages: a.averages,
            overall: a.overall,
            comments,
        }),
    )
}
