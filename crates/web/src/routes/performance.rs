//! Evaluations (SKP), imports, the talent grid and citizen satisfaction (IKM).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::guard::require_read;
use crate::imports::{self, ImportKind, ImportReport};
use crate::input::{Body, Fields, finish};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_app::evaluations::EvaluationInput;
use jenjang_core::Nip;
use jenjang_core::access::Action;
use jenjang_core::ikm::Weighting;
use jenjang_core::period::Period;
use jenjang_core::predikat::{Ekspektasi, OrganisationPredikat, Predikat};
use jenjang_store::{EvaluationRecord, IkmRecord, IkmSaved, Page};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/employees/{nip}/evaluations",
            get(list_evaluations).post(create_evaluation),
        )
        .route(
            "/employees/{nip}/evaluations/history",
            get(evaluation_history),
        )
        .route("/imports/{kind}", post(import))
        .route("/talent/grid", get(talent_grid))
        .route("/talent/grid/boxes/{box}", get(talent_box))
        .route("/units/{code}/ikm", get(list_ikm).post(record_ikm))
        .route("/units/{code}/predikat", post(set_unit_predikat))
        .route("/units/{code}/distribution", get(distribution))
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/evaluations", tag = "performance", params(("nip" = String, Path), PageParams),
    responses((status = 200, description = "a page of evaluations, oldest period first"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn list_evaluations(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<PageParams>,
) -> ApiResult<Json<Page<EvaluationRecord>>> {
    Ok(Json(
        jenjang_app::evaluations::list(&s.context(&user), &nip, q.paging()?).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplacedEvaluation {
    #[serde(flatten)]
    pub evaluation: EvaluationRecord,
    pub replaced_at: chrono::DateTime<chrono::Utc>,
}

/// The versions of the employee's evaluations that later records replaced, newest first.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/evaluations/history", tag = "performance", params(("nip" = String, Path)),
    responses((status = 200, body = Vec<ReplacedEvaluation>), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn evaluation_history(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
) -> ApiResult<Json<Page<ReplacedEvaluation>>> {
    require_read(&s, &user, &nip).await?;
    let items: Vec<ReplacedEvaluation> = s
        .store
        .evaluation_history(&nip)
        .await?
        .into_iter()
        .map(|(evaluation, replaced_at)| ReplacedEvaluation {
            evaluation,
            replaced_at,
        })
        .collect();
    Ok(Json(Page::whole(items)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EvaluationRequest {
    /// `YYYY-Q1`..`YYYY-Q4` or `YYYY`; also "Triwulan I 2026", "TW I 2026".
    pub period: String,
    /// di_atas_ekspektasi | sesuai_ekspektasi | di_bawah_ekspektasi (or the regulation's words).
    pub hasil_kerja: String,
    pub perilaku_kerja: String,
    pub notes: Option<String>,
    /// Defaults to the caller's NIP.
    pub evaluator_nip: Option<String>,
    /// Optional; must agree with the matrix when given.
    pub predikat: Option<String>,
}

/// Records one evaluation (the employee's direct supervisor, or hr). The predikat follows from
/// the PermenPANRB 6/2022 matrix. Recording the same values again changes nothing; different
/// values replace the evaluation and keep the previous one in its history.
#[utoipa::path(post, path = "/api/v1/employees/{nip}/evaluations", tag = "performance", params(("nip" = String, Path)),
    request_body = EvaluationRequest,
    responses((status = 201, body = EvaluationRecord, description = "created"), (status = 200, body = EvaluationRecord, description = "updated or unchanged"),
              (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_evaluation(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<EvaluationRecord>)> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let period = f.parse("period", Period::parse);
    let hasil_kerja = f.opt_parse("hasil_kerja", Ekspektasi::parse_loose);
    let perilaku_kerja = f.parse("perilaku_kerja", Ekspektasi::parse_loose);
    let notes = f.opt_long_text("notes");
    let evaluator_nip = f.opt_parse("evaluator_nip", Nip::parse);
    let stated_predikat = f.opt_parse("predikat", Predikat::parse_loose);
    let input = finish(
        (|| {
            Some(EvaluationInput {
                period: period?,
                hasil_kerja: hasil_kerja?,
                perilaku_kerja: perilaku_kerja?,
                notes,
                evaluator_nip: evaluator_nip?,
                stated_predikat: stated_predikat?,
            })
        })(),
        errors,
    )?;
    let recorded = jenjang_app::evaluations::record(&s.store, &user.0, &nip, input).await?;
    let status = if recorded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(recorded.record)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and report without writing anything.
    pub dry_run: Option<bool>,
}

/// Imports a CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX (first sheet) file
/// sent as the body. Valid rows are committed in one transaction; refused rows are reported and
/// nothing of them is stored; importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "performance",
    params(("kind" = String, Path, description = "employees, assessments or evaluations"), ImportQuery),
    request_body(content = [u8], content_type = "application/octet-stream", description = "the CSV or XLSX file itself, sent as the body (any content type: text/csv, the XLSX type or application/octet-stream)"),
    responses((status = 200, body = ImportReport), (status = 403), (status = 404, description = "unknown kind"), (status = 413), (status = 422, description = "the file as a whole cannot be read")),
    security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Params(q): Params<ImportQuery>,
    request: Request,
) -> ApiResult<Json<ImportReport>> {
    user.require(Action::Import)?;
    let kind: ImportKind = kind.parse().map_err(ApiError::NotFound)?;
    let bytes = axum::body::to_bytes(request.into_body(), s.import_limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(s.import_limit))?;
    let dry_run = q.dry_run.unwrap_or(false);
    Ok(Json(
        imports::import_file(&s.context(&user), kind, &bytes, &s.import_limits, dry_run).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GridQuery {
    /// A unit subtree; the whole organisation when left out.
    pub unit: Option<String>,
    /// Default: the current year.
    pub year: Option<i32>,
    /// `false`: each box with its count only, without the list of NIPs (a province's grid is
    /// counts; its people come from `/talent/grid/boxes/{box}`). Default `true`.
    pub employees: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoxQuery {
    pub unit: Option<String>,
    pub year: Option<i32>,
    /// Part of a name or NIP (case ignored).
    pub q: Option<String>,
    /// How many (default 100, at most 1000).
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

pub use jenjang_app::talent::{TalentBox, TalentGrid};

/// The 9-box grid (PermenPANRB 3/2020): kinerja from the year's annual predikat (or else the
/// latest periodic one), potensial from assessment.
#[utoipa::path(get, path = "/api/v1/talent/grid", tag = "performance", params(GridQuery),
    responses((status = 200, body = TalentGrid), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn talent_grid(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<GridQuery>,
) -> ApiResult<axum::response::Response> {
    let cx = s.context(&user);
    let grid = if q.employees == Some(false) {
        // Counts only, the lists empty (they are a province's 100,000 NIPs).
        jenjang_app::talent::grid_counts(&cx, q.unit.as_deref(), q.year).await?
    } else {
        jenjang_app::talent::grid(&cx, q.unit.as_deref(), q.year).await?
    };
    Ok(Json(grid.as_ref()).into_response())
}

/// The employees of one box of the 9-box grid, by name, searchable and paged.
#[utoipa::path(get, path = "/api/v1/talent/grid/boxes/{box}", tag = "performance",
    params(("box" = u8, Path, description = "1..9"), BoxQuery),
    responses((status = 200, body = jenjang_app::talent::BoxMember), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn talent_box(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(number): Path<u8>,
    Params(q): Params<BoxQuery>,
) -> ApiResult<Json<jenjang_store::Page<jenjang_app::talent::BoxMember>>> {
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        jenjang_app::talent::box_members(
            &s.context(&user),
            q.unit.as_deref(),
            q.year,
            number,
            q.q.as_deref(),
            paging,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IkmRequest {
    /// The survey period: `YYYY`, `YYYY-Q1`..`Q4`, "TW I 2026".
    pub period: String,
    /// One list of 9 answers (1..4, or null when not answered) per respondent.
    pub responses: Vec<Vec<Option<i64>>>,
    /// `exact` (each element 1/9, default) or `legacy` (0.11).
    pub weighting: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IkmResponse {
    pub unit: String,
    pub period: String,
    pub respondents: usize,
    pub index: f64,
    /// A (sangat baik), B (baik), C (kurang baik), D (tidak baik).
    pub category: String,
    pub category_label: &'static str,
    pub element_averages: Vec<f64>,
    pub weighting: Weighting,
}

/// Records a citizen satisfaction survey (PermenPANRB 14/2017) and answers its index.
#[utoipa::path(post, path = "/api/v1/units/{code}/ikm", tag = "performance", params(("code" = String, Path)), request_body = IkmRequest,
    responses((status = 201, body = IkmResponse), (status = 200, body = IkmResponse, description = "the period was recorded before: replaced, or unchanged"),
              (status = 403), (status = 404), (status = 422, description = "names the respondent and element of every bad answer")),
    security(("bearer" = [])))]
pub async fn record_ikm(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<IkmResponse>)> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let period = f.parse("period", Period::parse);
    let weighting = f
        .opt_parse("weighting", str::parse::<Weighting>)
        .map(Option::unwrap_or_default);
    let mut responses: Vec<Vec<Option<i64>>> = Vec::new();
    match body.get("responses").and_then(|v| v.as_array()) {
        None => f.error(
            "responses",
            "is required: a list of respondents, each a list of 9 answers 1..4",
        ),
        Some(list) => {
            for (i, r) in list.iter().enumerate() {
                match r.as_array() {
                    None => f.error(&format!("responses[{i}]"), "expected a list of 9 answers"),
                    Some(answers) => responses.push(
                        answers
                            .iter()
                            .enumerate()
                            .map(|(j, a)| match a {
                                serde_json::Value::Null => None,
                                other => match other.as_i64() {
                                    Some(v) => Some(v),
                                    None => {
                                        f.error(
                                            &format!("responses[{i}][{j}]"),
                                            "an answer is 1, 2, 3 or 4 (or null)",
                                        );
                                        Some(0)
                                    }
                                },
                            })
                            .collect(),
                    ),
                }
            }
        }
    }
    let (period, weighting) = finish((|| Some((period?, weighting?)))(), errors)?;
    let (saved, result) = jenjang_app::ikm::record(
        &s.store,
        &user.0,
        &code,
        jenjang_app::ikm::Survey {
            period,
            responses,
            weighting,
        },
    )
    .await?;
    let status = if saved == IkmSaved::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(IkmResponse {
            unit: code,
            period: period.to_string(),
            respondents: result.respondents,
            index: result.index,
            category: result.category.to_string(),
            category_label: result.category_label,
            element_averages: result.element_averages,
            weighting,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/ikm", tag = "performance", params(("code" = String, Path), PageParams),
    responses((status = 200, description = "a page of the unit's surveys, by period"), (status = 404)), security(("bearer" = [])))]
pub async fn list_ikm(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<PageParams>,
) -> ApiResult<Json<Page<IkmRecord>>> {
    Ok(Json(
        jenjang_app::ikm::list(&s.context(&user), &code, q.paging()?).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitPredikatRequest {
    pub period: String,
    /// istimewa | baik | butuh_perbaikan | kurang | sangat_kurang
    pub predikat: String,
}

/// Records a unit's organisation predikat for a period (hr, admin). It sets the hasil kerja of the
/// unit's head and chooses the distribution pattern checked for the unit.
#[utoipa::path(post, path = "/api/v1/units/{code}/predikat", tag = "performance", params(("code" = String, Path)), request_body = UnitPredikatRequest,
    responses((status = 200), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn set_unit_predikat(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<serde_json::Value>> {
    let cx = s.context(&user);
    cx.require(Action::WriteReference)?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let period = f.parse("period", Period::parse);
    let predikat = f.parse("predikat", |p| {
        p.trim()
            .to_lowercase()
            .replace(' ', "_")
            .parse::<OrganisationPredikat>()
    });
    let (period, predikat) = finish(period.zip(predikat), errors)?;
    jenjang_app::evaluations::set_unit_predikat(&cx, &code, period, predikat).await?;
    Ok(Json(
        serde_json::json!({"unit": code, "period": period, "predikat": predikat}),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistributionQuery {
    pub period: String,
}

pub use jenjang_app::evaluations::{Distribution, PredikatCount, WarningOut};

/// The distribution of employee predikat in a unit subtree for a period, checked against the SE
/// MenPANRB 3/2023 pattern the organisation configured for the unit's organisation predikat.
#[utoipa::path(get, path = "/api/v1/units/{code}/distribution", tag = "performance", params(("code" = String, Path), DistributionQuery),
    responses((status = 200, body = Distribution), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn distribution(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<DistributionQuery>,
) -> ApiResult<Json<Distribution>> {
    Ok(Json(
        jenjang_app::evaluations::distribution(&s.context(&user), &code, &q.period).await?,
    ))
}
