//! Recording an evaluation (SKP outcome) for one employee: who may, what a unit head's hasil
//! kerja is, the stated predikat checked against the matrix, and the write with its event.

use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, Principal, authorize};
use jenjang_core::period::Period;
use jenjang_core::predikat::{Ekspektasi, Evaluation, Predikat, check_stated};
use jenjang_core::{FieldError, Nip};
use jenjang_store::{Actor, EvaluationRecord, Store};

/// One evaluation as a supervisor or HR gives it.
#[derive(Debug, Clone)]
pub struct EvaluationInput {
    pub period: Period,
    /// Left out for a unit head: it then comes from the unit's organisation predikat.
    pub hasil_kerja: Option<Ekspektasi>,
    pub perilaku_kerja: Ekspektasi,
    pub notes: Option<String>,
    /// Defaults to the caller's NIP.
    pub evaluator_nip: Option<Nip>,
    /// When given, must agree with the matrix.
    pub stated_predikat: Option<Predikat>,
}

/// What recording did: the stored evaluation, and whether it is new (else it replaced or
/// matched the stored one of that period).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub record: EvaluationRecord,
    pub created: bool,
}

/// Records `input` for `nip` on behalf of `caller` (the employee's direct supervisor, or HR).
pub async fn record(
    store: &Store,
    caller: &Principal,
    nip: &str,
    input: EvaluationInput,
) -> AppResult<Recorded> {
    let relation = store.relation(caller.nip.as_ref(), nip).await?;
    authorize(caller, Action::EvaluateEmployee(relation)).map_err(|_| AppError::Forbidden)?;
    let subject =
        Nip::parse(nip).map_err(|_| AppError::NotFound(format!("employee {nip} was not found")))?;
    // A unit head's hasil kerja is the unit's achievement (PermenPANRB 6/2022): when left out,
    // it comes from the unit's organisation predikat for the period.
    let hasil_kerja = match input.hasil_kerja {
        Some(h) => h,
        None => match store.unit_headed_by(nip).await? {
            None => return Err(AppError::invalid("hasil_kerja", "is required")),
            Some(unit) => match store
                .unit_predikat(&unit, &input.period.to_string())
                .await?
            {
                Some(org) => org.hasil_kerja_of_head(),
                None => {
                    return Err(AppError::invalid(
                        "hasil_kerja",
                        format!(
                            "is required: no organisation predikat is recorded for {unit} in {}, which this employee heads",
                            input.period
                        ),
                    ));
                }
            },
        },
    };
    if let Some(stated) = input.stated_predikat
        && let Err(disagreement) = check_stated(hasil_kerja, input.perilaku_kerja, stated)
    {
        return Err(AppError::invalid("predikat", disagreement.to_string()));
    }
    let period = input.period;
    let evaluation = Evaluation {
        period,
        hasil_kerja,
        perilaku_kerja: input.perilaku_kerja,
        notes: input.notes,
        evaluator_nip: input.evaluator_nip.or_else(|| caller.nip.clone()),
    };
    let outcome = store
        .bulk_save_evaluations(
            &Actor(caller.username.clone()),
            &[(subject, evaluation)],
            false,
            None,
        )
        .await?;
    if let Some((_, problem)) = outcome.rejected.first() {
        let field = if problem.field == "penilai_nip" {
            "evaluator_nip"
        } else {
            problem.field.as_str()
        };
        return Err(AppError::Invalid(vec![FieldError::new(
            field,
            problem.message.clone(),
        )]));
    }
    let record = store
        .evaluation(nip, &period.to_string())
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("the evaluation just written is missing"))
        })?;
    Ok(Recorded {
        record,
        created: outcome.created > 0,
    })
}
