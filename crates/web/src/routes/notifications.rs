//! Notifications beyond the app: the mail deliveries (hr, admin), a person's preferences, and
//! the personal calendar feed (its secret address, and the feed itself under `/ical/`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Params, Path};
use crate::input::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jenjang_app::notifications::{self, Deliveries};
use jenjang_core::notify::DeliveryStatus;
use jenjang_store::deliveries::Preferences;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications/deliveries", get(deliveries))
        .route("/me/preferences", get(get_preferences).put(put_preferences))
        .route(
            "/me/calendar-url",
            get(get_calendar_url).post(rotate_calendar_url),
        )
}

/// The calendar feed, outside the API (calendar programs fetch it without a login).
pub fn feed_router() -> Router<AppState> {
    Router::new().route("/ical/{file}", get(calendar_feed))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `queued`, `sent` or `failed`.
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The mail deliveries, newest first, with the counts per status (hr, admin). A delivery being
/// retried is `queued` with its `last_error`; `failed` once given up or refused by the server.
#[utoipa::path(get, path = "/api/v1/notifications/deliveries", tag = "notifications", params(DeliveriesQuery),
    responses((status = 200, body = Deliveries), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn deliveries(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<DeliveriesQuery>,
) -> ApiResult<Json<Deliveries>> {
    let status =
        match q.status.as_deref() {
            None | Some("") => None,
            Some(v) => Some(v.parse::<DeliveryStatus>().map_err(|e| {
                ApiError::Validation(vec![jenjang_core::FieldError::new("status", e)])
            })?),
        };
    let paging = crate::extract::PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        notifications::deliveries(&s.context(&user), status, paging).await?,
    ))
}

/// The caller's notification preferences: `{email_digest, language, email}`.
#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "notifications",
    responses((status = 200, body = Preferences)), security(("bearer" = [])))]
pub async fn get_preferences(
    State(s): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(notifications::preferences(&s.context(&user)).await?))
}

/// Changes the caller's preferences: `email_digest` (`none`: a mail per notification; `daily`:
/// one digest a day instead), `language` (`id`, `en`), `email` (the account's own address;
/// null uses the employee's). Absent fields stay.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "notifications",
    request_body(content = serde_json::Value, description = "{email_digest?: none|daily, language?: id|en, email?}"),
    responses((status = 200, body = Preferences), (status = 422)), security(("bearer" = [])))]
pub async fn put_preferences(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<Json<Preferences>> {
    let change = notifications::read_preferences(&body).map_err(ApiError::Validation)?;
    Ok(Json(
        notifications::set_preferences(&s.context(&user), change).await?,
    ))
}

/// A calendar feed's secret address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarUrl {
    /// An iCalendar (RFC 5545) feed of the caller's cohort days, task due dates and plan item
    /// due dates; whoever has it can read them, so keep it private (rotate it if it leaked).
    pub url: String,
}

#[utoipa::path(get, path = "/api/v1/me/calendar-url", tag = "notifications",
    responses((status = 200, body = CalendarUrl)), security(("bearer" = [])))]
pub async fn get_calendar_url(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> ApiResult<Json<CalendarUrl>> {
    let url = notifications::calendar_url(&s.context(&user), &s.feed_key, &s.public_url(&headers))
        .await?;
    Ok(Json(CalendarUrl { url }))
}

/// Gives the caller's calendar feed a new secret address; the old one stops working.
#[utoipa::path(post, path = "/api/v1/me/calendar-url", tag = "notifications",
    responses((status = 201, body = CalendarUrl)), security(("bearer" = [])))]
pub async fn rotate_calendar_url(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<CalendarUrl>)> {
    let url =
        notifications::rotate_calendar_url(&s.context(&user), &s.feed_key, &s.public_url(&headers))
            .await?;
    Ok((StatusCode::CREATED, Json(CalendarUrl { url })))
}

/// The feed itself: `GET /ical/{secret}.ics`.
pub async fn calendar_feed(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let Some(secret) = file.strip_suffix(".ics") else {
        return Err(ApiError::NotFound("no such calendar".into()));
    };
    let body = notifications::calendar_feed(&s.store, &s.feed_key, secret, &s.public_url(&headers))
        .await?;
    Ok((
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    ))
}
