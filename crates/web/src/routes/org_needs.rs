//! Organisational needs: a competency level a unit's employees (of a position kind) should reach
//! by a date, and how far they are: eligible, meeting it now, planned to meet it, on track.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::input::{Body, Fields};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use jenjang_core::Code;
use jenjang_core::access::Action;
use jenjang_core::kinds::PositionKind;
use jenjang_store::{NewOrgNeed, OrgNeedRecord, Page};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org-needs", get(list_org_needs).post(create_org_need))
        .route("/org-needs/{id}", get(get_org_need))
        .route("/org-needs/{id}/progress", get(org_need_progress))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrgNeedRequest {
    pub unit: String,
    pub competency: String,
    pub level: u8,
    /// 0 < share ≤ 1.
    pub target_share: f64,
    pub position_kind: Option<PositionKind>,
    pub due: NaiveDate,
    /// 1 (low) to 5 (high); default 3.
    pub priority: Option<u8>,
}

#[utoipa::path(post, path = "/api/v1/org-needs", tag = "analysis", request_body = OrgNeedRequest,
    responses((status = 201, body = OrgNeedRecord), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn create_org_need(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<OrgNeedRecord>)> {
    let created = jenjang_app::org_needs::create(&s.context(&user), read_org_need(&body)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// An organisational need as a request's body (or a page's form) states it.
pub(crate) fn read_org_need(
    body: &serde_json::Value,
) -> Result<NewOrgNeed, Vec<jenjang_core::FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let unit = f.parse("unit", Code::parse);
    let competency = f.parse("competency", Code::parse);
    let level = f.level("level");
    let target_share = match body.get("target_share").and_then(|v| v.as_f64()) {
        Some(x) if x > 0.0 && x <= 1.0 => Some(x),
        Some(x) => {
            f.coded(
                "target_share",
                format!("a share is more than 0 and at most 1; found {x}"),
                "share",
                &[],
            );
            None
        }
        None => {
            f.coded(
                "target_share",
                "is required: a number more than 0 and at most 1",
                "share",
                &[],
            );
            None
        }
    };
    let position_kind = f.opt_parse("position_kind", |s| s.parse::<PositionKind>());
    let due = f.parse("due", |s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("a date is written YYYY-MM-DD; found {s}"))
    });
    let priority = f.opt_int("priority", 1, 5);
    let need = (|| {
        Some(NewOrgNeed {
            unit: unit?.to_string(),
            competency: competency?.to_string(),
            level: level?.get(),
            target_share: target_share?,
            position_kind: position_kind?,
            due: due?,
            priority: priority?.unwrap_or(3) as u32,
        })
    })();
    jenjang_app::fields::finish(need, errors)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgNeedQuery {
    /// Needs recorded for this unit.
    pub unit: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/org-needs", tag = "analysis", params(OrgNeedQuery),
    responses((status = 200, description = "a page of organisational needs, oldest first")), security(("bearer" = [])))]
pub async fn list_org_needs(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<OrgNeedQuery>,
) -> ApiResult<Json<Page<OrgNeedRecord>>> {
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        jenjang_app::org_needs::list(&s.context(&user), q.unit.as_deref(), paging).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/org-needs/{id}", tag = "analysis", params(("id" = i64, Path)),
    responses((status = 200, body = OrgNeedRecord), (status = 404)), security(("bearer" = [])))]
pub async fn get_org_need(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgNeedRecord>> {
    user.require(Action::ReadReference)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("org need {id} was not found")))?;
    Ok(Json(s.store.get_org_need(id).await?))
}

pub use jenjang_app::org_needs::OrgNeedProgress;

#[utoipa::path(get, path = "/api/v1/org-needs/{id}/progress", tag = "analysis", params(("id" = i64, Path)),
    responses((status = 200, body = OrgNeedProgress), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn org_need_progress(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgNeedProgress>> {
    Ok(Json(
        jenjang_app::org_needs::progress(&s.context(&user), &id).await?,
    ))
}
