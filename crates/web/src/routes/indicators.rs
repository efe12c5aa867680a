//! Unit indicators (IKU) and their realisations: capaian as a percentage (`null` where
//! undefined), the performance gap per period.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Params, Path};
use crate::input::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jenjang_app::indicators;
use jenjang_store::indicators::{IndicatorRecord, Realised};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/units/{code}/indicators",
            get(list_indicators).post(create_indicator),
        )
        .route("/indicators/{id}", put(update_indicator).get(get_indicator))
        .route("/indicators/{id}/realisations", post(record_realisation))
        .route("/units/{code}/performance-gaps", get(performance_gaps))
        .route("/units/{code}/survey-link", get(survey_link))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// Only the indicators of this year.
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/units/{code}/indicators", tag = "performance", params(("code" = String, Path), IndicatorQuery),
    responses((status = 200, body = [IndicatorRecord]), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn list_indicators(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<IndicatorQuery>,
) -> ApiResult<Json<Vec<IndicatorRecord>>> {
    Ok(Json(
        indicators::list(&s.context(&user), &code, q.year).await?,
    ))
}

/// Defines an indicator of the unit: `{code, year, name, kind (manual | ikm), unit_of_measure,
/// direction (higher_is_better | lower_is_better), target, period_targets?}`.
#[utoipa::path(post, path = "/api/v1/units/{code}/indicators", tag = "performance", params(("code" = String, Path)),
    responses((status = 201, body = IndicatorRecord), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn create_indicator(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<IndicatorRecord>)> {
    let created = indicators::create(
        &s.context(&user),
        &code,
        indicators::read_indicator(&body, &code),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/indicators/{id}", tag = "performance", params(("id" = i64, Path)),
    responses((status = 200, body = IndicatorRecord), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_indicator(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<IndicatorRecord>> {
    Ok(Json(indicators::get(&s.context(&user), id).await?))
}

/// Changes an indicator's name, kind, measure, direction and targets; its code, year and unit stay.
#[utoipa::path(put, path = "/api/v1/indicators/{id}", tag = "performance", params(("id" = i64, Path)),
    responses((status = 200, body = IndicatorRecord), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_indicator(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<IndicatorRecord>> {
    let updated = indicators::update(&s.context(&user), id, |unit| {
        indicators::read_indicator(&body, unit)
    })
    .await?;
    Ok(Json(updated))
}

/// Records a period's realisation `{period, value, evidence_url?, note?}`; the same value again
/// changes nothing. Answers what was done and the indicator as it now stands.
#[utoipa::path(post, path = "/api/v1/indicators/{id}/realisations", tag = "performance", params(("id" = i64, Path)),
    responses((status = 201, body = IndicatorRecord, description = "recorded (or changed)"), (status = 200, body = IndicatorRecord, description = "the same as recorded before"),
              (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn record_realisation(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<IndicatorRecord>)> {
    let cx = s.context(&user);
    let done: Realised =
        indicators::realise(&cx, id, indicators::read_realisation(&body, id)).await?;
    let status = if done.unchanged > 0 {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(indicators::get(&cx, id).await?)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GapQuery {
    /// The year (default: this year in the organisation's time zone).
    pub year: Option<i32>,
}

/// The unit indicators of the unit's subtree whose latest realisation of the year falls short
/// of the target (performance gaps), worst capaian first.
#[utoipa::path(get, path = "/api/v1/units/{code}/performance-gaps", tag = "performance", params(("code" = String, Path), GapQuery),
    responses((status = 200, body = [jenjang_app::indicators::PerformanceGap]), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn performance_gaps(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<GapQuery>,
) -> ApiResult<Json<Vec<jenjang_app::indicators::PerformanceGap>>> {
    use chrono::Datelike;
    let year = match q.year {
        Some(y) => y,
        None => s.store.today().await?.year(),
    };
    Ok(Json(
        indicators::gaps(&s.context(&user), &code, year).await?,
    ))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SurveyLink {
    /// The public survey form of the unit.
    pub url: String,
    /// A QR code of `url`, SVG, to print for the counter.
    pub qr_svg: String,
}

/// The link and QR code of the unit's public survey (hr, admin, the heads of its chain).
#[utoipa::path(get, path = "/api/v1/units/{code}/survey-link", tag = "performance", params(("code" = String, Path)),
    responses((status = 200, body = SurveyLink), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn survey_link(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<SurveyLink>> {
    let (url, qr_svg) = crate::ui::survey_link(&s, &user, &headers, &code).await?;
    Ok(Json(SurveyLink { url, qr_svg }))
}
