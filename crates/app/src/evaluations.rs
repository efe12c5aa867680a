//! Recording an evaluation (SKP outcome) for one employee: who may, what a unit head's hasil
//! kerja is, the stated predikat checked against the matrix, and the write with its event.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, Principal, authorize};
use jenjang_core::period::Period;
use jenjang_core::predikat::{
    Ekspektasi, Evaluation, OrganisationPredikat, Predikat, check_distribution, check_stated,
};
use jenjang_core::{FieldError, Nip};
use jenjang_store::{Actor, EvaluationRecord, Store};
use serde::Serialize;
use utoipa::ToSchema;

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

/// `nip`'s evaluations, oldest period first, to whoever may read the employee.
pub async fn list(
    cx: &Context<'_>,
    nip: &str,
    paging: jenjang_store::Paging,
) -> AppResult<jenjang_store::Page<EvaluationRecord>> {
    cx.require_read(nip).await?;
    Ok(cx.store.list_evaluations(nip, paging).await?)
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
    // Beside the decision, what Jenjang proposed from the SKP's capaian.
    crate::skp::keep_proposal(store, nip, &period, hasil_kerja).await?;
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

#[derive(Debug, Serialize, ToSchema)]
pub struct Distribution {
    pub unit: String,
    pub period: String,
    pub organisation_predikat: Option<OrganisationPredikat>,
    pub employees_evaluated: u64,
    /// Employees per predikat, best first.
    pub counts: Vec<PredikatCount>,
    /// Shares above the configured pattern (setting `distribution_thresholds`); never a block.
    pub warnings: Vec<WarningOut>,
    /// Why there may be no warnings: no organisation predikat recorded, or no pattern configured for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PredikatCount {
    pub predikat: Predikat,
    pub employees: u64,
    pub share: f64,
    /// The most the configured pattern allows for this predikat, when a pattern applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningOut {
    pub predikat: Predikat,
    pub share: f64,
    pub max_share: f64,
    pub message: String,
}

/// Employees per predikat in the subtree of `unit` for `period` (checked by the caller),
/// kept at the data version: a province's root counts every evaluation of the period.
async fn counts_at(
    cx: &Context<'_>,
    unit: &str,
    period: &str,
) -> AppResult<std::sync::Arc<Vec<(Predikat, u64)>>> {
    let key = format!("predikat_counts:{unit}:{period}");
    cx.analytics
        .cached(cx.version, &key, || async {
            Ok(cx.store.predikat_counts(unit, period).await?)
        })
        .await
}

/// Employees per predikat in the subtree of `unit` for `period`, for whoever may analyse it.
pub async fn predikat_counts(
    cx: &Context<'_>,
    unit: &str,
    period: &str,
) -> AppResult<std::sync::Arc<Vec<(Predikat, u64)>>> {
    cx.require_unit(unit, false).await?;
    counts_at(cx, unit, period).await
}

/// Records the organisation predikat of `code` for `period` (hr, admin): it sets the hasil
/// kerja of the unit's head and chooses the distribution pattern checked for the unit.
pub async fn set_unit_predikat(
    cx: &Context<'_>,
    code: &str,
    period: Period,
    predikat: OrganisationPredikat,
) -> AppResult<()> {
    cx.require(Action::WriteReference)?;
    cx.store
        .set_unit_predikat(&cx.actor(), code, &period.to_string(), predikat)
        .await?;
    Ok(())
}

/// The distribution of employee predikat in a unit subtree for a period, checked against the
/// SE MenPANRB 3/2023 pattern the organisation configured for the unit's organisation predikat
/// (`core::predikat::check_distribution`); never a block, only warnings.
pub async fn distribution(cx: &Context<'_>, code: &str, period: &str) -> AppResult<Distribution> {
    cx.require_unit(code, false).await?;
    let period = Period::parse(period)
        .map_err(|e| AppError::invalid("period", e.to_string()))?
        .to_string();
    let counts = predikat_counts(cx, code, &period).await?;
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let organisation = cx.store.unit_predikat(code, &period).await?;
    let thresholds = cx.store.distribution_thresholds().await?;
    let limits = organisation.and_then(|o| thresholds.0.get(&o).cloned());
    let (warnings, note) = match organisation {
        None => (
            vec![],
            Some(format!(
                "no organisation predikat is recorded for {code} in {period}"
            )),
        ),
        Some(o) if !thresholds.0.contains_key(&o) => (
            vec![],
            Some(format!(
                "no distribution pattern is configured for units rated {o}"
            )),
        ),
        Some(o) => (check_distribution(&thresholds, o, &counts), None),
    };
    Ok(Distribution {
        unit: code.to_string(),
        period,
        organisation_predikat: organisation,
        employees_evaluated: total,
        counts: counts
            .iter()
            .map(|(p, n)| PredikatCount {
                predikat: *p,
                max_share: limits.as_ref().and_then(|l| l.get(p).copied()),
                employees: *n,
                share: if total == 0 {
                    0.0
                } else {
                    (*n as f64 / total as f64 * 10_000.0).round() / 10_000.0
                },
            })
            .collect(),
        warnings: warnings
            .into_iter()
            .map(|w| WarningOut {
                predikat: w.predikat,
                share: w.share,
                max_share: w.max_share,
                message: w.message,
            })
            .collect(),
        note,
    })
}
