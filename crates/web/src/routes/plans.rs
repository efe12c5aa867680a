//! Individual development plans (IDP): the employee builds and submits their plan, their direct
//! supervisor (or hr) approves or rejects it, the employee records progress and evidence, and
//! hr follows the 20 JP a year per unit.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::extract::Path;
use crate::input::{Body, Fields, OptionalBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use jenjang_app::plans::{self, DevelopmentRecord, ItemCommand};
use jenjang_core::idp::{ItemAction, PlanAction};
use jenjang_store::{Plan, PlanItem};
use serde::Deserialize;
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

#[utoipa::path(get, path = "/api/v1/employees/{nip}/development-plan", tag = "plans", params(("nip" = String, Path), YearQuery),
    responses((status = 200, body = Plan), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_plan(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<Json<Plan>> {
    Ok(Json(plans::plan(&s.context(&user), &nip, q.year).await?))
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
    Ok(Json(
        plans::revision(&s.context(&user), &nip, q.year, revision).await?,
    ))
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
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let item = (f.text("program"), f.parse("due", date));
    let plan = plans::add_item(&s.context(&user), &nip, q.year, item, errors).await?;
    Ok((StatusCode::CREATED, Json(plan)))
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
    Ok(Json(
        plans::generate(&s.context(&user), &nip, q.year).await?,
    ))
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
    let (decision, errors) = read_decision(body);
    let plan = plans::decide(&s.context(&user), &nip, year, action, decision, errors).await?;
    Ok(Json(plan))
}

/// A decision's comment and the plan version it was made on, as far as they could be read.
#[allow(clippy::type_complexity)]
pub(crate) fn read_decision(
    body: &serde_json::Value,
) -> (
    (Option<String>, Option<Option<i32>>),
    Vec<jenjang_core::FieldError>,
) {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let comment = f.opt_long_text("comment");
    let version = f
        .opt_int("version", 0, i64::from(i32::MAX))
        .map(|v| v.map(|v| v as i32));
    ((comment, version), errors)
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
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let command = match action {
        ItemAction::Complete => {
            let completed_on = f.parse("completed_on", date);
            let evidence = match body.get("evidence") {
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
            ItemCommand::Complete {
                evidence,
                completed_on,
            }
        }
        ItemAction::Cancel => ItemCommand::Cancel {
            reason: f.long_text("reason"),
        },
        ItemAction::Start => ItemCommand::Start,
    };
    Ok(Json(
        plans::item(&s.context(&user), &id, command, errors).await?,
    ))
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

pub use jenjang_app::plans::{JpCompliance, JpRow};

/// Who in a unit subtree has completed fewer than the year's JP target (20 by default,
/// PP 11/2017 art. 203).
#[utoipa::path(get, path = "/api/v1/units/{code}/jp-compliance", tag = "plans", params(("code" = String, Path), YearQuery),
    responses((status = 200, body = JpCompliance), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn jp_compliance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<YearQuery>,
) -> ApiResult<axum::response::Response> {
    let compliance = plans::jp_compliance(&s.context(&user), &code, q.year).await?;
    Ok(axum::response::IntoResponse::into_response(Json(
        compliance.as_ref(),
    )))
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
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        return Err(ApiError::invalid(
            "format",
            format!("'{format}' is not one of: json, csv, xlsx"),
        ));
    }
    let (year, rows) = plans::development_records(&s.context(&user), &code, q.year).await?;
    let name = format!("siasn-{code}-{year}");
    match format {
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(SIASN_COLUMNS)
                .map_err(|e| ApiError::Internal(e.into()))?;
            for r in &rows {
                w.write_record(record_cells(r).iter().map(|c| match c {
                    Err(n) => n.to_string(),
                    Ok(text) => crate::export::safe_cell(text),
                }))
                .map_err(|e| ApiError::Internal(e.into()))?;
            }
            let body = w
                .into_inner()
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
            Ok(crate::export::download(
                &name,
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
                let row = i as u32 + 1;
                for (c, cell) in record_cells(r).iter().enumerate() {
                    match cell {
                        Err(n) => sheet.write_number(row, c as u16, *n as f64).map(|_| ()),
                        Ok(text) => sheet.write_string(row, c as u16, *text).map(|_| ()),
                    }
                    .map_err(internal)?;
                }
            }
            let body = book.save_to_buffer().map_err(internal)?;
            Ok(crate::export::download(
                &name,
                "xlsx",
                crate::export::XLSX_MIME,
                body,
            ))
        }
        _ => Ok(Json(jenjang_store::Page::whole(rows)).into_response()),
    }
}

/// A record's cells in the order of `SIASN_COLUMNS`: text as `Ok`, numbers as `Err`.
fn record_cells(r: &DevelopmentRecord) -> [Result<&str, i32>; 10] {
    [
        Ok(&r.nip_baru),
        Ok(&r.nama),
        Ok(&r.jenis_diklat_id),
        Ok(&r.nama_kursus),
        Err(r.jumlah_jam),
        Ok(&r.tanggal_kursus),
        Ok(&r.tanggal_selesai_kursus),
        Ok(&r.nomor_sertipikat),
        Ok(&r.institusi_penyelenggara),
        Err(r.tahun_kursus),
    ]
}
