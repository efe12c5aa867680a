//! Employees and their competency levels. Reading an employee follows the role table (oneself,
//! one's direct reports, a leader's unit subtree, hr and admin everyone); the list shows only
//! those the caller may read. Writing is hr and admin.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::guard::require_read;
use crate::input::{Body, Fields, read_list};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use jenjang_app::reference;
use jenjang_core::access::employee_scope;
use jenjang_core::accounts::EmployeeStatus;
use jenjang_core::kinds::Potential;
use jenjang_core::reference::{CompetencyRecord, Employee};
use jenjang_core::{Code, Nip};
use jenjang_store::{CompetencyProfile, EmployeeFilter, Page, Recorded};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/employees", get(list_employees).post(create_employee))
        .route("/employees/{nip}", get(get_employee).put(update_employee))
        .route(
            "/employees/{nip}/competencies",
            get(get_competencies).put(record_competencies),
        )
}

/// What a request's body says, or every problem found reading it.
type Reading<T> = Result<T, Vec<jenjang_core::FieldError>>;

fn read_employee(body: &Value, path: Option<&str>) -> Reading<Employee> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let nip = match path {
        None => f.parse("nip", Nip::parse),
        Some(p) => {
            if let Some(b) = f.opt_text("nip")
                && b != p
            {
                f.error(
                    "nip",
                    format!("must match the NIP in the path ({p}) or be left out"),
                );
            }
            Nip::parse(p).ok()
        }
    };
    let name = f.text("name");
    let position = f.opt_parse("position", Code::parse);
    let unit = f.parse("unit", Code::parse);
    let supervisor_nip = f.opt_parse("supervisor_nip", Nip::parse);
    let potential = f.opt_parse("potential", |s| s.parse::<Potential>());
    let status = f.opt_parse("status", |s| s.parse::<EmployeeStatus>());
    let golongan = f.opt_parse("golongan", jenjang_core::fit::Golongan::parse);
    let email = f.opt_parse("email", jenjang_core::notify::Email::parse);
    let employee = (|| {
        Some(Employee {
            nip: nip?,
            name: name?,
            position: position?,
            unit: unit?,
            supervisor_nip: supervisor_nip?,
            potential: potential?,
            golongan: golongan?,
            email: email?,
            status: status?.unwrap_or_default(),
        })
    })();
    jenjang_app::fields::finish(employee, errors)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeQuery {
    /// Employees anywhere in this unit's subtree.
    pub unit: Option<String>,
    /// Direct reports of this NIP.
    pub supervisor_nip: Option<String>,
    /// Holders of this position.
    pub position: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/employees", tag = "employees", params(EmployeeQuery),
    responses((status = 200, description = "a page of the employees the caller may read, ordered by NIP"), (status = 404, description = "unknown unit")),
    security(("bearer" = [])))]
pub async fn list_employees(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<EmployeeQuery>,
) -> ApiResult<Json<Page<Employee>>> {
    if let Some(unit) = &q.unit {
        s.store.get_unit(unit).await?;
    }
    let filter = EmployeeFilter {
        unit: q.unit,
        supervisor_nip: q.supervisor_nip,
        position: q.position,
    };
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        s.store
            .list_employees(&filter, &employee_scope(&user.0), paging)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}", tag = "employees", params(("nip" = String, Path)),
    responses((status = 200, body = Employee), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_employee(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
) -> ApiResult<Json<Employee>> {
    require_read(&s, &user, &nip).await?;
    Ok(Json(s.store.get_employee(&nip).await?))
}

#[utoipa::path(post, path = "/api/v1/employees", tag = "employees", request_body = Employee,
    responses((status = 201, body = Employee), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn create_employee(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Employee>)> {
    let e = reference::create(&s.context(&user), read_employee(&body, None)).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

#[utoipa::path(put, path = "/api/v1/employees/{nip}", tag = "employees", params(("nip" = String, Path)), request_body = Employee,
    responses((status = 200, body = Employee), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_employee(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Employee>> {
    let e = reference::update(&s.context(&user), &nip, read_employee(&body, Some(&nip))).await?;
    Ok(Json(e))
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/competencies", tag = "employees", params(("nip" = String, Path)),
    responses((status = 200, body = CompetencyProfile, description = "current level per competency (the latest dated record) and the full history"),
              (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_competencies(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
) -> ApiResult<Json<CompetencyProfile>> {
    require_read(&s, &user, &nip).await?;
    Ok(Json(s.store.competency_profile(&nip).await?))
}

/// Records assessed levels as new dated records (history is never overwritten); a record
/// identical to a stored one is counted as unchanged.
#[utoipa::path(put, path = "/api/v1/employees/{nip}/competencies", tag = "employees", params(("nip" = String, Path)),
    request_body = Vec<CompetencyRecord>,
    responses((status = 200, body = Recorded), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn record_competencies(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Recorded>> {
    let mut errors = Vec::new();
    let records = read_list(&body, "", &mut errors, |f: &mut Fields<'_>| {
        let competency = f.parse("competency", Code::parse);
        let level = f.level("level");
        let source = f.opt_text("source").unwrap_or_else(|| "manual".to_string());
        let assessed_on = f.parse("assessed_on", |s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| format!("a date is written YYYY-MM-DD; found {s}"))
        });
        Some(CompetencyRecord {
            competency: competency?,
            level: level?,
            source,
            assessed_on: assessed_on?,
        })
    });
    let records = jenjang_app::fields::finish(records, errors);
    Ok(Json(
        reference::record_competencies(&s.context(&user), &nip, records).await?,
    ))
}
