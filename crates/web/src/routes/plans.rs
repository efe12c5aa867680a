//! Individual development plans (IDP): the employee builds and submits their plan, their direct
//! supervisor (or hr) approves or rejects it, the employee records progress and evidence, and
//! hr follows the 20 JP a year per unit.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::extract::Path;
use crate::guard::require_read;
use crate::input::{Body, Fields, OptionalBody, finish};
use crate::{AppState, actor};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use jenjang_core::access::Action;
use jenjang_core::idp::{ItemAction, JpRules, PlanAction, programs_to_plan, today_in};
use jenjang_core::workflow::ProgramChoice;
use jenjang_store::{Plan, PlanItem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/employees/{nip}/development-plan", get(get_plan))
        .route(
            "/employees/{nip}/development-plan/revisions/{revision}",
            get(get_revision),
        )
        .route("/employees/{nip}/development-plan/items", post(add_item))
        .route("/employees/{nip}/development-plan/generate", post(generate))
        .route("/employees/{nip}/development-plan/submit", post(submit))
        .route("/employees/{nip}/development-plan/approve", post(approve))
        .route("/employees/{nip}/development-plan/reject", post(reject))
        .route("/development-plan-items/{id}/start", post(start_item))
        .route("/development-plan-items/{id}/complete", post(complete_item))
        .route("/development-plan-items/{id}/cancel", post(cancel_item))
        .route("/units/{code}/jp-compliance", get(jp_compliance))
        .route(
            "/units/{code}/development-records",
            get(development_records),
        )
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Default: the current year in the organisation's time zone.
    pub year: Option<i32>,
}

/// The organisation's settings for plans: (this year, JP target, JP credit rules).
async fn plan_settings(s: &AppState, year: Option<i32>) -> ApiResult<(i32, u32, JpRules)> {
    let zone = s.store.time_zone().await?;
    let year = year.unwrap_or_else(|| today_in(&zone, s.store.now()).year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid(
            "year",
            format!("a year from 2000 to 2100; found {year}"),
        ));
    }
    let target = s.store.jp_target().await?;
    let rules = s
        .store
        .setting("jp_rules")
        .await?
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default();
    Ok((year, target, rules))
}

async fn relation(
    s: &AppState,
    user: &CurrentUser,
    nip: &str,
) -> ApiResult<jenjang_core::access::Relation> {
    Ok(s.store.relation(user.0.nip.as_ref(), nip).await?)
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/development-plan", tag = "plans", params(("nip" = String, Path), YearQuery),
    responses((status = 200, body = Plan), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_plan(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<Plan>> {
    require_read(&s, &user, &nip).await?;
    let (year, target, _) = plan_settings(&s, q.year).await?;
    Ok(Json(s.store.plan(&nip, year, target).await?))
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/development-plan/revisions/{revision}", tag = "plans",
    params(("nip" = String, Path), ("revision" = i32, Path), YearQuery),
    responses((status = 200, description = "a decided revision as it was decided"), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_revision(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((nip, revision)): Path<(String, i32)>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    require_read(&s, &user, &nip).await?;
    let (year, _, _) = plan_settings(&s, q.year).await?;
    Ok(Json(s.store.plan_revision(&nip, year, revision).await?))
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("a date is written YYYY-MM-DD; found {s}"))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddItem {
    pub program: String,
    pub due: NaiveDate,
}

/// Adds a program to the plan. Editing an approved (or rejected) plan starts a new draft
/// revision that goes through approval again; the decided revision stays readable.
#[utoipa::path(post, path = "/api/v1/employees/{nip}/development-plan/items", tag = "plans", params(("nip" = String, Path), YearQuery),
    request_body = AddItem,
    responses((status = 201, body = Plan), (status = 403), (status = 404), (status = 409, description = "already planned, or the plan is submitted"), (status = 422)),
    security(("bearer" = [])))]
pub async fn add_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Plan>)> {
    let r = relation(&s, &user, &nip).await?;
    user.require(Action::EditPlan(r))?;
    let (year, target, _) = plan_settings(&s, q.year).await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let program = f.text("program");
    let due = f.parse("due", date);
    if let Some(d) = due
        && d.year() != year
    {
        f.error(
            "due",
            format!("the plan is for {year}; the due date must fall in it"),
        );
    }
    let (program, due) = finish(program.zip(due), errors)?;
    s.store
        .plan_add_items(&actor(&user), &nip, year, &[(program, due)], false)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.plan(&nip, year, target).await?),
    ))
}

/// Fills the draft with the recommended programs in their feasible order, due dates spread over
/// the year; programs already planned are not added again.
#[utoipa::path(post, path = "/api/v1/employees/{nip}/development-plan/generate", tag = "plans", params(("nip" = String, Path), YearQuery),
    responses((status = 200, body = Plan), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn generate(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<Plan>> {
    let r = relation(&s, &user, &nip).await?;
    user.require(Action::EditPlan(r))?;
    let (year, target, _) = plan_settings(&s, q.year).await?;
    let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
    let (member, levels) = s.store.load_member(&org, &nip).await?;
    let items = programs_to_plan(&org, &member, &levels, &ProgramChoice::Recommended, year);
    if !items.is_empty() {
        s.store
            .plan_add_items(&actor(&user), &nip, year, &items, true)
            .await?;
    }
    Ok(Json(s.store.plan(&nip, year, target).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Decision {
    /// Required to reject; optional to approve.
    pub comment: Option<String>,
    /// The plan version the decision was made on (from the plan); a stale one answers 409.
    pub version: Option<i32>,
}

async fn decide(
    s: AppState,
    user: CurrentUser,
    nip: String,
    year: Option<i32>,
    action: PlanAction,
    body: &serde_json::Value,
) -> ApiResult<Json<Plan>> {
    let r = relation(&s, &user, &nip).await?;
    user.require(if action == PlanAction::Submit {
        Action::EditPlan(r)
    } else {
        Action::DecidePlan(r)
    })?;
    let (year, target, _) = plan_settings(&s, year).await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let comment = f.opt_long_text("comment");
    let version = f.opt_int("version", 0, i64::from(i32::MAX));
    if action == PlanAction::Reject && comment.is_none() {
        f.error("comment", "say why the plan is rejected");
    }
    let version = finish(version, errors)?;
    s.store
        .plan_decide(
            &actor(&user),
            &nip,
            year,
            action,
            comment.as_deref(),
            version.map(|v| v as i32),
        )
        .await?;
    Ok(Json(s.store.plan(&nip, year, target).await?))
}

#[utoipa::path(post, path = "/api/v1/employees/{nip}/development-plan/submit", tag = "plans", params(("nip" = String, Path), YearQuery),
    request_body(content = Decision, description = "optional"),
    responses((status = 200, body = Plan), (status = 403), (status = 409, description = "not a draft, or changed meanwhile"), (status = 422)),
    security(("bearer" = [])))]
pub async fn submit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Json<Plan>> {
    decide(s, user, nip, q.year, PlanAction::Submit, &body).await
}

#[utoipa::path(post, path = "/api/v1/employees/{nip}/development-plan/approve", tag = "plans", params(("nip" = String, Path), YearQuery),
    request_body(content = Decision, description = "optional"),
    responses((status = 200, body = Plan), (status = 403, description = "only the direct supervisor or hr, never the employee"), (status = 409)),
    security(("bearer" = [])))]
pub async fn approve(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Json<Plan>> {
    decide(s, user, nip, q.year, PlanAction::Approve, &body).await
}

#[utoipa::path(post, path = "/api/v1/employees/{nip}/development-plan/reject", tag = "plans", params(("nip" = String, Path), YearQuery),
    request_body = Decision,
    responses((status = 200, body = Plan), (status = 403), (status = 409), (status = 422, description = "a comment is required")),
    security(("bearer" = [])))]
pub async fn reject(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
    OptionalBody(body): OptionalBody,
) -> ApiResult<Json<Plan>> {
    decide(s, user, nip, q.year, PlanAction::Reject, &body).await
}

async fn item_action(
    s: AppState,
    user: CurrentUser,
    id: String,
    action: ItemAction,
    body: serde_json::Value,
) -> ApiResult<Json<PlanItem>> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("plan item {id} was not found")))?;
    let (nip, year) = s.store.plan_item_owner(id).await?;
    let r = relation(&s, &user, &nip).await?;
    user.require(Action::EditPlan(r))?;
    let (_, _, rules) = plan_settings(&s, Some(year)).await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let (mut evidence, mut completed_on, mut reason) = (None, None, None);
    match action {
        ItemAction::Complete => {
            completed_on = f.parse("completed_on", date);
            evidence = match body.get("evidence") {
                Some(serde_json::Value::String(cert)) if !cert.trim().is_empty() => {
                    Some(serde_json::json!({"certificate_number": cert.trim()}))
                }
                Some(serde_json::Value::Object(o))
                    if o.get("certificate_number")
                        .and_then(|c| c.as_str())
                        .is_some_and(|c| !c.trim().is_empty()) =>
                {
                    Some(serde_json::Value::Object(o.clone()))
                }
                _ => {
                    f.error(
                        "evidence",
                        "give the certificate number (a string, or {certificate_number, link})",
                    );
                    None
                }
            };
            if let Some(on) = completed_on
                && on > s.store.today().await?
            {
                f.error("completed_on", "a completion date cannot be in the future");
            }
        }
        ItemAction::Cancel => {
            reason = f.long_text("reason");
        }
        ItemAction::Start => {}
    }
    finish(Some(()), errors)?;
    let details = jenjang_store::ItemDetails {
        evidence,
        completed_on,
        reason,
    };
    let item = s
        .store
        .plan_item_action(&actor(&user), id, action, details, &rules)
        .await?;
    Ok(Json(item))
}

#[utoipa::path(post, path = "/api/v1/development-plan-items/{id}/start", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = PlanItem), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn start_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanItem>> {
    item_action(s, user, id, ItemAction::Start, serde_json::json!({})).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Completion {
    /// The certificate number, or `{certificate_number, link}`.
    pub evidence: serde_json::Value,
    pub completed_on: NaiveDate,
}

/// Completes an item: credits its JP (by the organisation's JP rules) and records the levels the
/// program develops as dated competency records with source `program:<code>`.
#[utoipa::path(post, path = "/api/v1/development-plan-items/{id}/complete", tag = "plans", params(("id" = i64, Path)), request_body = Completion,
    responses((status = 200, body = PlanItem), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn complete_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<PlanItem>> {
    item_action(s, user, id, ItemAction::Complete, body).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Cancellation {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/development-plan-items/{id}/cancel", tag = "plans", params(("id" = i64, Path)), request_body = Cancellation,
    responses((status = 200, body = PlanItem), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn cancel_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<PlanItem>> {
    item_action(s, user, id, ItemAction::Cancel, body).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JpRow {
    pub nip: String,
    pub name: String,
    pub unit: String,
    pub jp_planned: u32,
    pub jp_completed: u32,
    /// JP still missing to reach the target.
    pub shortfall: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JpCompliance {
    pub unit: String,
    pub year: i32,
    pub jp_target: u32,
    pub employees: u64,
    pub meeting_target: u64,
    /// Employees whose completed JP are below the target, by NIP.
    pub below_target: Vec<JpRow>,
}

/// Who in a unit subtree has completed fewer than the year's JP target (20 by default,
/// PP 11/2017 art. 203).
#[utoipa::path(get, path = "/api/v1/units/{code}/jp-compliance", tag = "plans", params(("code" = String, Path), YearQuery),
    responses((status = 200, body = JpCompliance), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn jp_compliance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<JpCompliance>> {
    let in_led_subtree = s.store.leads_unit(user.0.nip.as_ref(), &code).await?;
    user.require(Action::AnalyseUnit { in_led_subtree })?;
    let (year, target, _) = plan_settings(&s, q.year).await?;
    let rows = s.store.jp_by_employee(&code, year).await?;
    let employees = rows.len() as u64;
    let below_target: Vec<JpRow> = rows
        .into_iter()
        .filter(|r| r.4 < target)
        .map(|(nip, name, unit, planned, completed)| JpRow {
            nip,
            name,
            unit,
            jp_planned: planned,
            jp_completed: completed,
            shortfall: target - completed,
        })
        .collect();
    Ok(Json(JpCompliance {
        unit: code,
        year,
        jp_target: target,
        employees,
        meeting_target: employees - below_target.len() as u64,
        below_target,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    pub year: Option<i32>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// The SIASN field names of a development record.
const SIASN_COLUMNS: [&str; 10] = [
    "nipBaru",
    "nama",
    "jenisDiklatId",
    "namaKursus",
    "jumlahJam",
    "tanggalKursus",
    "tanggalSelesaiKursus",
    "nomorSertipikat",
    "institusiPenyelenggara",
    "tahunKursus",
];

/// Completed development of a unit subtree in a year, with the field names of SIASN's course
/// history (riwayat kursus/diklat). `jenisDiklatId` comes from the setting
/// `siasn_jenis_diklat` ({form: id}); a form without an id there is exported empty.
#[utoipa::path(get, path = "/api/v1/units/{code}/development-records", tag = "plans", params(("code" = String, Path), RecordsQuery),
    responses((status = 200, description = "JSON list, CSV or XLSX"), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn development_records(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<RecordsQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let in_led_subtree = s.store.leads_unit(user.0.nip.as_ref(), &code).await?;
    user.require(Action::AnalyseUnit { in_led_subtree })?;
    let (year, _, _) = plan_settings(&s, q.year).await?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        return Err(ApiError::invalid(
            "format",
            format!("'{format}' is not one of: json, csv, xlsx"),
        ));
    }
    let mapping: serde_json::Map<String, serde_json::Value> = s
        .store
        .setting("siasn_jenis_diklat")
        .await?
        .and_then(|m| serde_json::from_str(&m).ok())
        .unwrap_or_default();
    let rows: Vec<serde_json::Value> = s
        .store
        .development_records(&code, year)
        .await?
        .into_iter()
        .map(
            |(nip, name, _program, title, form, jp, started, completed, evidence, provider)| {
                let certificate = evidence
                    .and_then(|e| serde_json::from_str::<serde_json::Value>(&e).ok())
                    .and_then(|e| e["certificate_number"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let jenis = mapping
                    .get(&form)
                    .map(|v| v.to_string().trim_matches('"').to_string())
                    .unwrap_or_default();
                serde_json::json!({
                    "nipBaru": nip,
                    "nama": name,
                    "jenisDiklatId": jenis,
                    "namaKursus": title,
                    "jumlahJam": jp,
                    "tanggalKursus": started.unwrap_or(completed).format("%d-%m-%Y").to_string(),
                    "tanggalSelesaiKursus": completed.format("%d-%m-%Y").to_string(),
                    "nomorSertipikat": certificate,
                    "institusiPenyelenggara": provider,
                    "tahunKursus": year,
                })
            },
        )
        .collect();
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => crate::export::safe_cell(s),
        other => other.to_string(),
    };
    match format {
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(SIASN_COLUMNS)
                .map_err(|e| ApiError::Internal(e.into()))?;
            for r in &rows {
                w.write_record(SIASN_COLUMNS.iter().map(|c| cell(&r[*c])))
                    .map_err(|e| ApiError::Internal(e.into()))?;
            }
            let body = w
                .into_inner()
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
            Ok(crate::export::download(
                &format!("siasn-{code}-{year}"),
                "csv",
                "text/csv; charset=utf-8",
                body,
            ))
        }
        "xlsx" => {
            let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.into());
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, name) in SIASN_COLUMNS.iter().enumerate() {
                sheet.write_string(0, c as u16, *name).map_err(internal)?;
            }
            for (i, r) in rows.iter().enumerate() {
                for (c, name) in SIASN_COLUMNS.iter().enumerate() {
                    match &r[*name] {
                        serde_json::Value::Number(n) => sheet
                            .write_number(i as u32 + 1, c as u16, n.as_f64().unwrap_or(0.0))
                            .map(|_| ()),
                        other => sheet
                            .write_string(
                                i as u32 + 1,
                                c as u16,
                                other.as_str().unwrap_or_default(),
                            )
                            .map(|_| ()),
                    }
                    .map_err(internal)?;
                }
            }
            let body = book.save_to_buffer().map_err(internal)?;
            Ok(crate::export::download(
                &format!("siasn-{code}-{year}"),
                "xlsx",
                crate::export::XLSX_MIME,
                body,
            ))
        }
        _ => {
            let total = rows.len() as u64;
            Ok(Json(jenjang_store::Page {
                items: rows,
                total,
                limit: total.max(1),
                offset: 0,
            })
            .into_response())
        }
    }
}
