//! Dialog kinerja and upward feedback.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Params, Path};
use crate::input::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use jenjang_app::dialog::{self, UpwardFeedback};
use jenjang_store::dialog::DialogEntry;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/employees/{nip}/dialog",
            get(list_dialog).post(write_dialog),
        )
        .route("/dialog/{id}/acknowledge", post(acknowledge))
        .route(
            "/employees/{nip}/upward-feedback",
            get(read_upward).post(give_upward),
        )
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Default: this year in the organisation's time zone.
    pub year: Option<i32>,
}

async fn year_of(s: &AppState, year: Option<i32>) -> ApiResult<i32> {
    Ok(match year {
        Some(y) => y,
        None => s.store.today().await?.year(),
    })
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/dialog", tag = "performance", params(("nip" = String, Path), YearQuery),
    responses((status = 200, body = [DialogEntry]), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn list_dialog(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<Vec<DialogEntry>>> {
    let year = year_of(&s, q.year).await?;
    Ok(Json(dialog::thread(&s.context(&user), &nip, year).await?))
}

/// Writes `{kind (ekspektasi | umpan_balik | catatan | pertanyaan), text, value?}` in the
/// employee's thread (the employee or their direct supervisor).
#[utoipa::path(post, path = "/api/v1/employees/{nip}/dialog", tag = "performance", params(("nip" = String, Path), YearQuery),
    responses((status = 201, body = DialogEntry), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn write_dialog(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<DialogEntry>)> {
    let year = year_of(&s, q.year).await?;
    let entry = dialog::write(&s.context(&user), &nip, year, &body).await?;
    s.engine_wake.notify_one();
    Ok((StatusCode::CREATED, Json(entry)))
}

/// The other party acknowledges an entry.
#[utoipa::path(post, path = "/api/v1/dialog/{id}/acknowledge", tag = "performance", params(("id" = i64, Path)),
    responses((status = 200, body = DialogEntry), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn acknowledge(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DialogEntry>> {
    Ok(Json(dialog::acknowledge(&s.context(&user), id).await?))
}

/// A direct report's feedback about their supervisor `{answers: [5 × 1..5], comment?}`; a
/// repeat in the same year replaces it.
#[utoipa::path(post, path = "/api/v1/employees/{nip}/upward-feedback", tag = "performance", params(("nip" = String, Path), YearQuery),
    responses((status = 204), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn give_upward(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let year = year_of(&s, q.year).await?;
    dialog::give_upward(&s.context(&user), &nip, year, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The anonymous aggregate of a supervisor's upward feedback (the supervisor, hr, admin);
/// `null` below 3 respondents, comments only with it and never attributed.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/upward-feedback", tag = "performance", params(("nip" = String, Path), YearQuery),
    responses((status = 200, body = Option<UpwardFeedback>), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn read_upward(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<Option<UpwardFeedback>>> {
    let year = year_of(&s, q.year).await?;
    Ok(Json(dialog::upward(&s.context(&user), &nip, year).await?))
}
