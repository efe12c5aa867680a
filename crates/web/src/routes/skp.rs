//! The employee's SKP, IKI realisations with their evidence, and the performance of a period
//! with the proposed hasil kerja.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Params, Path};
use crate::input::{Body, OptionalBody};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use jenjang_app::skp::{self, Performance, Upload};
use jenjang_core::period::Period;
use jenjang_core::skp::{MAX_EVIDENCE_BYTES, Step};
use jenjang_store::skp::{IkiPerformance, SkpRecord};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/employees/{nip}/skp", get(get_skp).put(put_skp))
        .route("/employees/{nip}/skp/{step}", post(skp_step))
        .route(
            "/iki/{id}/realisations",
            post(realise).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route("/evidence/{id}", get(evidence))
        .route("/employees/{nip}/performance", get(performance))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkpQuery {
    /// Default: this year in the organisation's time zone.
    pub year: Option<i32>,
    /// A version of the year; the latest when left out.
    pub version: Option<i32>,
}

async fn year_of(s: &AppState, year: Option<i32>) -> ApiResult<i32> {
    Ok(match year {
        Some(y) => y,
        None => s.store.today().await?.year(),
    })
}

/// The SKP of the year: its latest version (or `version`) with every version's status.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/skp", tag = "performance", params(("nip" = String, Path), SkpQuery),
    responses((status = 200, body = SkpRecord), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_skp(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<SkpQuery>,
) -> ApiResult<Json<SkpRecord>> {
    let year = year_of(&s, q.year).await?;
    Ok(Json(
        skp::get(&s.context(&user), &nip, year, q.version).await?,
    ))
}

/// Saves `{approach, rhk:[{id?, kind, text, supports: {rhk: id} | {indicator: id} | null,
/// iki:[{id?, aspect, text, target, unit_of_measure, direction}]}], behaviour:[{value,
/// expectation}]}`: edits the draft, or starts a new version after an approved one (which stays
/// and keeps judging its periods); 409 while the supervisor decides.
#[utoipa::path(put, path = "/api/v1/employees/{nip}/skp", tag = "performance", params(("nip" = String, Path), SkpQuery),
    responses((status = 200, body = SkpRecord), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn put_skp(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<SkpQuery>,
    Body(body): Body,
) -> ApiResult<Json<SkpRecord>> {
    let year = year_of(&s, q.year).await?;
    Ok(Json(
        skp::save(&s.context(&user), &nip, year, skp::read_skp(&body)).await?,
    ))
}

/// `submit` (the employee, their supervisor, hr/admin), `approve` or `reject` with
/// `{reason}` (the direct supervisor or hr/admin, never the employee) the latest version.
#[utoipa::path(post, path = "/api/v1/employees/{nip}/skp/{step}", tag = "performance",
    params(("nip" = String, Path), ("step" = String, Path, description = "submit | approve | reject"), SkpQuery),
    responses((status = 200, body = SkpRecord), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn skp_step(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((nip, step)): Path<(String, String)>,
    Params(q): Params<SkpQuery>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Json<SkpRecord>> {
    let step = match step.as_str() {
        "submit" => Step::Submit,
        "approve" => Step::Approve,
        "reject" => Step::Reject,
        other => return Err(ApiError::NotFound(format!("no SKP step is called {other}"))),
    };
    let year = year_of(&s, q.year).await?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Json(
        skp::decide(&s.context(&user), &nip, year, step, reason).await?,
    ))
}

/// Records a realisation `{period, value?, evidence_url?, feedback?}` as JSON, or as
/// `multipart/form-data` with the same fields and a `file` (PDF, PNG or JPEG, at most 5 MiB,
/// recognised by its content). The SKP must be approved; the feedback is the direct
/// supervisor's. Answers the IKI of that period with its capaian.
#[utoipa::path(post, path = "/api/v1/iki/{id}/realisations", tag = "performance", params(("id" = i64, Path)),
    responses((status = 200, body = IkiPerformance), (status = 403), (status = 404), (status = 413), (status = 422)), security(("bearer" = [])))]
pub async fn realise(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    request: Request,
) -> ApiResult<Json<IkiPerformance>> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (body, upload) = if multipart {
        read_multipart(
            Multipart::from_request(request, &s)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?,
        )
        .await?
    } else {
        let Body(body) = Body::from_request(request, &s).await?;
        (body, None)
    };
    Ok(Json(
        skp::realise(&s.context(&user), id, &body, upload).await?,
    ))
}

/// The fields of a multipart realisation as the JSON body would state them, and the file.
pub(crate) async fn read_multipart(mut form: Multipart) -> ApiResult<(Value, Option<Upload>)> {
    let too_large = || ApiError::PayloadTooLarge(MAX_EVIDENCE_BYTES);
    let mut body = Map::new();
    let mut upload = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("bukti").to_string();
            let content = field.bytes().await.map_err(|_| too_large())?;
            if !content.is_empty() {
                upload = Some(Upload {
                    name: file_name,
                    content: content.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|_| too_large())?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let value = match name.as_str() {
            "value" => jenjang_import::office_number(text)
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(text.to_string())),
            _ => Value::String(text.to_string()),
        };
        body.insert(name, value);
    }
    Ok((Value::Object(body), upload))
}

/// A kept evidence file, for whoever may read its employee.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "performance", params(("id" = i64, Path)),
    responses((status = 200, description = "the file as uploaded"), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn evidence(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let file = skp::evidence(&s.context(&user), id).await?;
    Ok(evidence_response(file))
}

pub(crate) fn evidence_response(file: jenjang_store::skp::EvidenceFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, file.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{}\"",
                    file.name.replace(['"', '\\'], "_")
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        file.content,
    )
        .into_response()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// e.g. `2026-Q2`.
    pub period: String,
}

/// The IKI of a period with target, realisation, capaian, evidence and feedback, the hasil
/// kerja proposed from them (thresholds in settings), and the evaluation with the proposal kept
/// when it was recorded.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/performance", tag = "performance", params(("nip" = String, Path), PeriodQuery),
    responses((status = 200, body = Performance), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn performance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<PeriodQuery>,
) -> ApiResult<Json<Performance>> {
    let period = Period::parse(&q.period).map_err(|e| {
        ApiError::from(jenjang_app::error::AppError::invalid(
            "period",
            e.to_string(),
        ))
    })?;
    Ok(Json(
        skp::performance(&s.context(&user), &nip, &period).await?,
    ))
}
