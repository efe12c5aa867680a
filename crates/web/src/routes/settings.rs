//! Organisation settings (hr, admin): each key has a known shape (`jenjang_app::settings`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::input::Body;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jenjang_app::settings::{self, SettingOut};
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/{key}", get(get_setting).put(put_setting))
}

#[utoipa::path(get, path = "/api/v1/settings/{key}", tag = "settings", params(("key" = String, Path)),
    responses((status = 200, description = "{key, value, description}; value null when not set"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_setting(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
) -> ApiResult<Json<SettingOut>> {
    Ok(Json(settings::get(&s.context(&user), &key).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/{key}", tag = "settings", params(("key" = String, Path)),
    request_body(content = Value, description = "{\"value\": ...} in the shape the key describes"),
    responses((status = 200), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn put_setting(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<SettingOut>> {
    let value: Option<&Value> = body.get("value");
    Ok(Json(settings::put(&s.context(&user), &key, value).await?))
}
