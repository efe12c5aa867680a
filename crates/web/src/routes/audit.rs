//! The append-only audit log, for hr and admin.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{PageParams, Params};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jenjang_store::{AuditEntry, AuditFilter, Page};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_audit))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `unit`, `competency`, `program`, `position`, `employee`, `competency_levels`, `user`.
    pub entity: Option<String>,
    /// The natural key of the record (a code or NIP).
    pub key: Option<String>,
    /// Who made the change.
    pub actor: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "a page of audit entries, newest first"), (status = 403)), security(("bearer" = [])))]
pub async fn list_audit(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let filter = AuditFilter {
        entity: q.entity,
        key: q.key,
        actor: q.actor,
    };
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        jenjang_app::audit::entries(&s.context(&user), filter, paging).await?,
    ))
}
