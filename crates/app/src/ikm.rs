//! Recording a unit's public-satisfaction survey (IKM, PermenPANRB 14/2017) for a period: HR,
//! admin or the head of the unit's subtree; the index computed by core; a period recorded
//! again is replaced (or left as it is when the answers are the same).

use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::{Action, Principal, authorize};
use jenjang_core::ikm::{self, Ikm, Weighting};
use jenjang_core::period::Period;
use jenjang_store::{Actor, IkmSaved, Store};

/// One period's answers: a list of 9 answers (1..4, or none when skipped) per respondent.
#[derive(Debug, Clone)]
pub struct Survey {
    pub period: Period,
    pub responses: Vec<Vec<Option<i64>>>,
    pub weighting: Weighting,
}

/// Records `survey` for `unit`; answers the computed index and whether the period is new.
pub async fn record(
    store: &Store,
    caller: &Principal,
    unit: &str,
    survey: Survey,
) -> AppResult<(IkmSaved, Ikm)> {
    let in_led_subtree = store.leads_unit(caller.nip.as_ref(), unit).await?;
    authorize(caller, Action::PlanForUnit { in_led_subtree }).map_err(|_| AppError::Forbidden)?;
    let result = ikm::compute(&survey.responses, survey.weighting).map_err(|errors| {
        AppError::Invalid(
            errors
                .into_iter()
                .map(|e| {
                    let mut error =
                        FieldError::new(e.path(), e.message.clone()).with_code(e.code());
                    if let Some(element) = e.element {
                        error = error
                            .with_param("element", element + 1)
                            .with_param("element_name", ikm::ELEMENTS[element]);
                    }
                    error
                })
                .collect(),
        )
    })?;
    let stored_responses = serde_json::to_value(&survey.responses)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e)))?;
    let saved = store
        .save_ikm(
            &Actor(caller.username.clone()),
            unit,
            &survey.period.to_string(),
            &stored_responses,
            &result,
            survey.weighting,
        )
        .await?;
    Ok((saved, result))
}

/// The surveys recorded for `unit`, newest period first: whoever may read reference data.
pub async fn list(
    cx: &crate::context::Context<'_>,
    unit: &str,
    paging: jenjang_store::Paging,
) -> AppResult<jenjang_store::Page<jenjang_store::IkmRecord>> {
    cx.require(Action::ReadReference)?;
    Ok(cx.store.list_ikm(unit, paging).await?)
}
