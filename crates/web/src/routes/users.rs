//! Accounts (admin; hr lists them, issues links and disables or enables accounts of staff,
//! supervisors and leaders): parsing, one call into `jenjang_app::accounts`, the answer.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Params, Path};
use crate::input::{Body, Fields, finish};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jenjang_app::accounts::{self, AccountChange, Link};
use jenjang_core::accounts::AccountStatus;
use jenjang_core::kinds::Role;
use jenjang_core::notify::Email;
use jenjang_core::{FieldError, Nip};
use jenjang_store::accounts::{Account, AccountFilter, Provisioned};
use jenjang_store::{Page, Paging};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/provision", post(provision))
        .route("/users/{username}", put(update_user))
        .route("/users/{username}/activation", post(issue_link))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username, NIP or name.
    pub q: Option<String>,
    /// staff | supervisor | leader | hr | admin
    pub role: Option<String>,
    /// active | disabled | pending
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

fn parsed<T: std::str::FromStr>(
    field: &str,
    value: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    match value.map(str::trim).filter(|v| !v.is_empty())?.parse() {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

/// Accounts, by username (hr, admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UserQuery),
    responses((status = 200, description = "{items:[{username, nip, name, role, status, role_granted, last_login_at}], total, limit, offset}"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn list_users(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<UserQuery>,
) -> ApiResult<Json<Page<Account>>> {
    let mut errors = Vec::new();
    let role = parsed::<Role>("role", q.role.as_deref(), &mut errors);
    let status = parsed::<AccountStatus>("status", q.status.as_deref(), &mut errors);
    let paging = crate::extract::PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let filter = AccountFilter {
        q: q.q,
        role,
        status,
    };
    let paging: Paging = finish(Some(paging?), errors)?;
    Ok(Json(
        accounts::list(&s.context(&user), filter, paging).await?,
    ))
}

/// Creates an account (admin): `{username, role, nip?, email?}`; pending until activated.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = serde_json::Value,
    responses((status = 201, body = Account), (status = 403), (status = 409, description = "the username or the employee's account exists"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let username = f.text("username");
    let role = f.parse("role", |r| r.parse::<Role>());
    let nip = f.opt_parse("nip", Nip::parse);
    let email = f.opt_parse("email", Email::parse);
    let (username, (role, (nip, email))) = finish(username.zip(role.zip(nip.zip(email))), errors)?;
    let account = accounts::create(&s.context(&user), username, role, nip, email).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// Changes an account's role (admin), status `active | disabled` (admin; hr for staff,
/// supervisors and leaders; either ends the account's sessions) and/or its own `email` (as the
/// status; `null` clears it, the employee's address is then used).
#[utoipa::path(put, path = "/api/v1/users/{username}", tag = "accounts", params(("username" = String, Path)),
    request_body = serde_json::Value,
    responses((status = 200, body = Account), (status = 403), (status = 404), (status = 409, description = "the last enabled admin"), (status = 422)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Account>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let role = f.opt_parse("role", |r| r.parse::<Role>());
    let status = f.opt_parse("status", |r| r.parse::<AccountStatus>());
    let email = f.opt_parse("email", Email::parse);
    let email = match body.get("email") {
        None => Some(None),
        Some(_) => email.map(Some),
    };
    let (role, (status, email)) = finish(role.zip(status.zip(email)), errors)?;
    let change = AccountChange {
        role,
        status,
        email,
    };
    Ok(Json(
        accounts::update(&s.context(&user), &username, change).await?,
    ))
}

/// Issues a one-time activation or reset link (usable once, for 72 hours; only its hash is
/// kept): `{url, expires_at}`. Admin; hr for staff, supervisors and leaders.
#[utoipa::path(post, path = "/api/v1/users/{username}/activation", tag = "accounts", params(("username" = String, Path)),
    responses((status = 201, body = Link), (status = 403), (status = 404), (status = 409, description = "the account is disabled")),
    security(("bearer" = [])))]
pub async fn issue_link(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<Link>)> {
    let url = s.public_url(&headers);
    let link = accounts::issue_link(&s.context(&user), &username, &url).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Creates the missing accounts for the employees of a unit's subtree (`{unit}`) or everyone
/// (admin): `{created, existing}`. Provisioning again creates nothing.
#[utoipa::path(post, path = "/api/v1/users/provision", tag = "accounts", request_body(content = serde_json::Value, description = "{unit?}"),
    responses((status = 200, body = Provisioned), (status = 403), (status = 404, description = "unknown unit")),
    security(("bearer" = [])))]
pub async fn provision(
    State(s): State<AppState>,
    user: CurrentUser,
    crate::input::OptionalBody(body): crate::input::OptionalBody,
) -> ApiResult<Json<Provisioned>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let unit = f.opt_parse("unit", jenjang_core::Code::parse);
    let unit = finish(unit, errors)?;
    let unit = unit.map(|u| u.to_string());
    Ok(Json(
        accounts::provision(&s.context(&user), unit.as_deref()).await?,
    ))
}
