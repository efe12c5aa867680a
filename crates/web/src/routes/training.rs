//! The training cycle: saved training plans, adoption with its cohorts and enrolments,
//! withdrawal, and the cohorts.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::export::{
    Cell, Format, FormatQuery, Sheet, XLSX_MIME, download, format_of, sheet_download, xlsx,
};
use crate::extract::{Params, Path};
use crate::input::{Body, OptionalBody};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_app::training::{self, Adoption};
use jenjang_core::training::ParticipantStatus;
use jenjang_store::training::{Budget, BudgetLine};
use jenjang_store::training::{
    CohortRecord, ParticipantRecord, ResultsRecorded, TrainingPlanRecord,
};
use jenjang_store::training_outcomes::{ProgramEffect, ReactionSummary};
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
        .route("/cohorts/{code}/participants", get(participants))
        .route(
            "/cohorts/{code}/reaction",
            get(my_reaction).post(answer_reaction),
        )
        .route("/cohorts/{code}/reactions", get(reactions))
        .route("/programs/{code}/effect", get(program_effect))
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
    /// The cohorts of the plans of this unit's scope or of a unit below it.
    pub unit: Option<String>,
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
        training::cohorts(
            &s.context(&user),
            q.year,
            q.program.as_deref(),
            q.unit.as_deref(),
        )
        .await?,
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
    /// `json` (default), `csv` (the lines per unit and program) or `xlsx` (a sheet each).
    pub format: Option<String>,
}

const BUDGET_COLUMNS: [&str; 5] = [
    "jenis",
    "kode",
    "rencana_idr",
    "realisasi_idr",
    "selisih_idr",
];

/// Planned against actual cost of the cohorts of the adopted plans of a year, per unit scope
/// and program; as a spreadsheet with `?format=xlsx` (or `csv`).
#[utoipa::path(get, path = "/api/v1/training-budget", tag = "analysis", params(BudgetQuery),
    responses((status = 200, body = Budget), (status = 403)), security(("bearer" = [])))]
pub async fn budget(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Params(q): Params<BudgetQuery>,
) -> ApiResult<Response> {
    let format = format_of(
        &FormatQuery {
            format: q.format.clone(),
        },
        &headers,
    )?;
    let b = training::budget(&s.context(&user), q.year, q.unit.as_deref()).await?;
    if format == Format::Json {
        return Ok(Json(b).into_response());
    }
    let line = |kind: &str, l: &BudgetLine| -> Vec<Cell> {
        vec![
            kind.into(),
            l.key.clone().into(),
            l.planned_idr.into(),
            l.actual_idr.into(),
            (l.planned_idr - l.actual_idr).into(),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = b.by_unit.iter().map(|l| line("unit", l)).collect();
    rows.extend(b.by_program.iter().map(|l| line("program", l)));
    rows.push(vec![
        "total".into(),
        b.year.to_string().into(),
        b.planned_idr.into(),
        b.actual_idr.into(),
        (b.planned_idr - b.actual_idr).into(),
    ]);
    let stem = format!("anggaran-pelatihan-{}", b.year);
    if format == Format::Xlsx {
        let by = |kind: &str, lines: &[BudgetLine]| lines.iter().map(|l| line(kind, l)).collect();
        let body = xlsx(&[
            Sheet {
                name: "Per unit",
                columns: &BUDGET_COLUMNS,
                rows: by("unit", &b.by_unit),
            },
            Sheet {
                name: "Per program",
                columns: &BUDGET_COLUMNS,
                rows: by("program", &b.by_program),
            },
            Sheet {
                name: "Total",
                columns: &BUDGET_COLUMNS,
                rows: rows.split_off(rows.len() - 1),
            },
        ])?;
        return Ok(download(&stem, "xlsx", XLSX_MIME, body));
    }
    sheet_download(
        &stem,
        format,
        &Sheet {
            name: "Anggaran",
            columns: &BUDGET_COLUMNS,
            rows,
        },
    )
}

/// The columns of a cohort's participant list: the provider's results file
/// (`nip, kode_angkatan, status, nomor_sertifikat, tanggal_selesai, nilai`) with the names,
/// so that the list filled in comes back as the `cohort-results` import.
const PARTICIPANT_COLUMNS: [&str; 9] = [
    "nip",
    "nama",
    "unit",
    "kode_angkatan",
    "program",
    "status",
    "nomor_sertifikat",
    "tanggal_selesai",
    "nilai",
];

/// A cohort's participants (withdrawn ones left out) for the provider, as JSON, CSV or XLSX
/// (`?format=`): the results columns of the `cohort-results` import, empty until recorded.
#[utoipa::path(get, path = "/api/v1/cohorts/{code}/participants", tag = "analysis", params(("code" = String, Path), FormatQuery),
    responses((status = 200, body = [ParticipantRecord]), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn participants(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Params(q): Params<FormatQuery>,
) -> ApiResult<Response> {
    let format = format_of(&q, &headers)?;
    let cx = s.context(&user);
    let (cohort, mut people) = training::cohort(&cx, &code).await?;
    people.retain(|p| p.status != ParticipantStatus::Withdrawn);
    if format == Format::Json {
        return Ok(Json(people).into_response());
    }
    let units = cx.unit_names().await?;
    let rows = people
        .into_iter()
        .map(|p| {
            vec![
                Cell::from(p.nip),
                p.name.into(),
                units.get(&p.unit).cloned().unwrap_or(p.unit).into(),
                cohort.code.clone().into(),
                cohort.program.clone().into(),
                match p.status {
                    ParticipantStatus::Enrolled => String::new(),
                    other => other.as_str().to_string(),
                }
                .into(),
                p.certificate_no.into(),
                p.completed_on.map(|d| d.to_string()).into(),
                p.score.map(|n| n.to_string()).into(),
            ]
        })
        .collect();
    sheet_download(
        &format!("peserta-{code}"),
        format,
        &Sheet {
            name: "Peserta",
            columns: &PARTICIPANT_COLUMNS,
            rows,
        },
    )
}

/// The reaction survey of a cohort for the signed-in participant: the questions (each rated
/// 1–5), whether they may answer (only after passing) and their answer once given.
#[utoipa::path(get, path = "/api/v1/cohorts/{code}/reaction", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = training::MyReaction), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn my_reaction(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<training::MyReaction>> {
    Ok(Json(training::my_reaction(&s.context(&user), &code).await?))
}

/// Answers the reaction survey `{relevan, materi, fasilitator, penyelenggaraan, comment?}`
/// (each 1–5) as a participant who passed: 201 when recorded, 200 when the same answer was
/// given before, 409 for another answer after the first or before passing.
#[utoipa::path(post, path = "/api/v1/cohorts/{code}/reaction", tag = "analysis", params(("code" = String, Path)),
    responses((status = 201), (status = 200), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn answer_reaction(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let recorded = training::answer_reaction(&s.context(&user), &code, &body).await?;
    let status = if recorded {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "recorded": recorded }))).into_response())
}

/// The reactions to a cohort: how many answered, the mean rating per question, the comments
/// (hr, admin, unit heads; anonymous).
#[utoipa::path(get, path = "/api/v1/cohorts/{code}/reactions", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = ReactionSummary), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn reactions(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ReactionSummary>> {
    Ok(Json(
        training::reaction_summary(&s.context(&user), &code).await?,
    ))
}

/// The evidence for a program (hr, admin, unit heads): per competency it develops, the mean
/// level change of those who passed it across their completion day against colleagues in the
/// same positions who did not take it (across the same days), from measured levels only (not
/// the levels the program itself credits); with the reactions to its cohorts.
#[utoipa::path(get, path = "/api/v1/programs/{code}/effect", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200, body = ProgramEffect), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn program_effect(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ProgramEffect>> {
    Ok(Json(
        training::program_effect(&s.context(&user), &code).await?,
    ))
}
