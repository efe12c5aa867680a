//! The training cycle: saved training plans, adoption with its cohorts and enrolments,
//! withdrawal, and the cohorts.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Params, Path};
use crate::input::{Body, OptionalBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_app::training::{self, Adoption};
use jenjang_store::training::Budget;
use jenjang_store::training::{
    CohortRecord, ParticipantRecord, ResultsRecorded, TrainingPlanRecord,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/training-plans/{id}", get(get_training_plan))
        .route("/training-plans/{id}/adopt", post(adopt))
        .route("/training-plans/{id}/withdraw", post(withdraw))
        .route("/cohorts", get(list_cohorts))
        .route("/cohorts/{code}", get(get_cohort).put(put_cohort))
        .route("/training-budget", get(budget))
        .route("/cohorts/{code}/results", post(record_results))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlansQuery {
    pub year: Option<i32>,
}

/// The saved training plans (of `year`), newest version first, without their cohorts.
#[utoipa::path(get, path = "/api/v1/training-plans", tag = "analysis", params(PlansQuery),
    responses((status = 200, body = [TrainingPlanRecord]), (status = 403)), security(("bearer" = [])))]
pub async fn list_plans(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<PlansQuery>,
) -> ApiResult<Json<Vec<TrainingPlanRecord>>> {
    Ok(Json(training::list(&s.context(&user), q.year).await?))
}

/// One saved plan with its cohorts as computed when saved.
#[utoipa::path(get, path = "/api/v1/training-plans/{id}", tag = "analysis", params(("id" = i64, Path)),
    responses((status = 200, body = TrainingPlanRecord), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_training_plan(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<TrainingPlanRecord>> {
    Ok(Json(training::get(&s.context(&user), id).await?))
}

/// Adopts a saved draft (hr, admin) `{confirm?}`: its cohorts are created and the participants
/// enrolled into their development plans. When the plan computed now from the same inputs
/// differs, answers 409 `plan_changed` with the `differences`; adopt again with
/// `{"confirm": true}` to adopt the saved plan anyway. Another adopted plan of the same year and
/// unit scope is a 409 (withdraw it first).
#[utoipa::path(post, path = "/api/v1/training-plans/{id}/adopt", tag = "analysis", params(("id" = i64, Path)),
    responses((status = 200, body = Adoption), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn adopt(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Response> {
    let confirm = body
        .get("confirm")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(match training::adopt(&s.context(&user), id, confirm).await? {
        adopted @ Adoption::Adopted { .. } => {
            s.engine_wake.notify_one();
            Json(adopted).into_response()
        }
        Adoption::Changed { differences } => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": {
                    "code": "plan_changed",
                    "message": "the plan computed now from the same inputs differs from the one saved; adopt with {\"confirm\": true} to adopt the saved plan",
                    "details": [],
                },
                "differences": differences,
            })),
        )
            .into_response(),
    })
}

/// Withdraws a plan `{reason}` (hr, admin): a draft no longer wanted, or an adopted plan before
/// any result is recorded (its enrolments withdrawn and the items they added cancelled).
#[utoipa::path(post, path = "/api/v1/training-plans/{id}/withdraw", tag = "analysis", params(("id" = i64, Path)),
    responses((status = 200, body = TrainingPlanRecord), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn withdraw(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Json<TrainingPlanRecord>> {
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Json(
        training::withdraw(&s.context(&user), id, reason).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortsQuery {
    pub year: Option<i32>,
    pub program: Option<String>,
}

/// Cohorts by code with how many are enrolled (hr, admin, unit heads).
#[utoipa::path(get, path = "/api/v1/cohorts", tag = "analysis", params(CohortsQuery),
    responses((status = 200, body = [CohortRecord]), (status = 403)), security(("bearer" = [])))]
pub async fn list_cohorts(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<CohortsQuery>,
) -> ApiResult<Json<Vec<CohortRecord>>> {
    Ok(Json(
        training::cohorts(&s.context(&user), q.year, q.program.as_deref()).await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CohortOut {
    #[serde(flatten)]
    pub cohort: CohortRecord,
    pub participants: Vec<ParticipantRecord>,
}

/// One cohort with its participants.
#[utoipa::path(get, path = "/api/v1/cohorts/{code}", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = CohortOut), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_cohort(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<CohortOut>> {
    let (cohort, participants) = training::cohort(&s.context(&user), &code).await?;
    Ok(Json(CohortOut {
        cohort,
        participants,
    }))
}

/// Records results `[{nip, status (lulus | tidak_lulus | tidak_hadir), certificate_no?,
/// completed_on?, score?}]` for the cohort (hr, admin). The whole request is refused (422,
/// each problem at `[i].field`) when any row is invalid: a NIP not in the cohort, a pass
/// without its date or after an earlier pass changed, a date in the future. A first pass
/// completes the program (JP credited once, levels recorded); the same results again change
/// nothing.
#[utoipa::path(post, path = "/api/v1/cohorts/{code}/results", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = ResultsRecorded), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn record_results(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<ResultsRecorded>> {
    let cx = s.context(&user);
    training::cohort(&cx, &code).await?;
    let rows = training::read_results(&body, &code).map_err(crate::error::ApiError::Validation)?;
    let (done, rejected) = training::record_results(&cx, &rows, true, false).await?;
    if !rejected.is_empty() {
        return Err(crate::error::ApiError::Validation(
            rejected
                .into_iter()
                .map(|(i, mut e)| {
                    e.field = format!("[{i}].{}", e.field);
                    e
                })
                .collect(),
        ));
    }
    s.engine_wake.notify_one();
    Ok(Json(done))
}

/// Changes a cohort's details `{provider, place?, starts?, ends?, capacity, actual_cost_idr?,
/// participants?: [nip], reason?}` (hr, admin): the end not before the start, the capacity not
/// below those enrolled; `participants` makes the list the cohort's — each new one enrolled
/// when they meet what the program requires (refused with who holds what otherwise), those
/// left out withdrawn with `reason`.
#[utoipa::path(put, path = "/api/v1/cohorts/{code}", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = CohortRecord), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn put_cohort(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<CohortRecord>> {
    let cx = s.context(&user);
    // The details are checked first, then the participants against the new capacity, then
    // the details written: a refusal of either writes nothing.
    let details = training::read_cohort(&body).map_err(crate::error::ApiError::Validation)?;
    if let Some(nips) = body.get("participants").filter(|v| !v.is_null()) {
        let reason = body
            .get("reason")
            .and_then(|r| r.as_str())
            .map(str::to_string);
        training::set_participants(&cx, &code, nips, reason, Some(details.capacity)).await?;
        s.engine_wake.notify_one();
    }
    Ok(Json(
        training::update_cohort(&cx, &code, Ok(details)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    pub year: i32,
    /// The unit scope of the adopted plans; all of them when left out (hr, admin).
    pub unit: Option<String>,
}

/// Planned against actual cost of the cohorts of the adopted plans of a year, per unit scope
/// and program.
#[utoipa::path(get, path = "/api/v1/training-budget", tag = "analysis", params(BudgetQuery),
    responses((status = 200, body = Budget), (status = 403)), security(("bearer" = [])))]
pub async fn budget(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<BudgetQuery>,
) -> ApiResult<Json<Budget>> {
    Ok(Json(
        training::budget(&s.context(&user), q.year, q.unit.as_deref()).await?,
    ))
}
