//! Gap analysis, recommendations, the training-needs analysis (AKPK) and the budgeted training
//! plan: parsing, one call into `jenjang_app::analysis`, and the answer (JSON, CSV or XLSX).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Format, FormatQuery, XLSX_MIME, download, format_of, safe_cell};
use crate::extract::Params;
use crate::extract::Path;
use crate::input::{Body, Fields, finish};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_app::analysis::{self as analysis, TrainingPlanInput};
pub use jenjang_app::analysis::{
    CohortOut, CompetencyNeedOut, CompetencyTarget, GapOut, GapsResponse, NeedsAnalysisResponse,
    ProgramNeedOut, RaiseOut, RecommendationsResponse, RecommendedOut, TrainingPlanResponse,
    UncoveredOut,
};
use jenjang_core::Code;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/employees/{nip}/gaps", get(employee_gaps))
        .route(
            "/employees/{nip}/recommendations",
            get(employee_recommendations),
        )
        .route("/units/{code}/needs-analysis", get(unit_needs_analysis))
        .route(
            "/training-plans",
            post(training_plan).get(super::training::list_plans),
        )
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SaveQuery {
    /// `true`: keep the plan as the next numbered draft of its year and unit scope (answers
    /// 201 with `{id, version, status, ...}`).
    pub save: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Also measure against this position's standard (a career step).
    pub target_position: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/gaps", tag = "analysis", params(("nip" = String, Path), TargetQuery),
    responses((status = 200, body = GapsResponse), (status = 403), (status = 404), (status = 422, description = "unknown target position")),
    security(("bearer" = [])))]
pub async fn employee_gaps(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<TargetQuery>,
) -> ApiResult<Json<GapsResponse>> {
    let cx = s.context(&user);
    Ok(Json(
        analysis::employee_gaps(&cx, &nip, q.target_position.as_deref()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{nip}/recommendations", tag = "analysis", params(("nip" = String, Path), TargetQuery),
    responses((status = 200, body = RecommendationsResponse), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn employee_recommendations(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<TargetQuery>,
) -> ApiResult<Json<RecommendationsResponse>> {
    let cx = s.context(&user);
    Ok(Json(
        analysis::employee_recommendations(&cx, &nip, q.target_position.as_deref()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/needs-analysis", tag = "analysis", params(("code" = String, Path), FormatQuery),
    responses((status = 200, body = NeedsAnalysisResponse, description = "JSON, or CSV / XLSX with ?format= or Accept"),
              (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn unit_needs_analysis(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<FormatQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let format = format_of(&q, &headers)?;
    let needs = analysis::unit_needs(&s.context(&user), &code).await?;
    let name = format!("akpk-{code}");
    match format {
        Format::Json => Ok(Json(needs.as_ref()).into_response()),
        Format::Csv => Ok(download(
            &name,
            "csv",
            "text/csv; charset=utf-8",
            needs_csv(&needs)?,
        )),
        Format::Xlsx => Ok(download(&name, "xlsx", XLSX_MIME, needs_xlsx(&needs)?)),
    }
}

/// A cell of the exports: text (never a formula) or a number.
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => safe_cell(s),
            Cell::Number(n) => n.to_string(),
        }
    }
}

const COMPETENCY_COLUMNS: [&str; 5] = [
    "competency",
    "name",
    "employees_with_gap",
    "total_gap",
    "avg_gap",
];
const PROGRAM_COLUMNS: [&str; 7] = [
    "program",
    "title",
    "form",
    "participants",
    "jp",
    "cost_idr",
    "cost_idr_per_participant",
];

fn competency_cells(c: &CompetencyNeedOut) -> Vec<Cell> {
    vec![
        Cell::Text(c.competency.clone()),
        Cell::Text(c.name.clone()),
        Cell::Number(c.employees_with_gap as f64),
        Cell::Number(c.total_gap as f64),
        Cell::Number(c.avg_gap),
    ]
}

fn program_cells(p: &ProgramNeedOut) -> Vec<Cell> {
    vec![
        Cell::Text(p.program.clone()),
        Cell::Text(p.title.clone()),
        Cell::Text(p.form.as_str().to_string()),
        Cell::Number(p.participants as f64),
        Cell::Number(p.jp as f64),
        Cell::Number(p.cost_idr as f64),
        Cell::Number(p.cost_idr_per_participant as f64),
    ]
}

fn needs_csv(needs: &NeedsAnalysisResponse) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
        w.write_record(cells)
            .map_err(|e| ApiError::Internal(e.into()))
    };
    let width = 1 + PROGRAM_COLUMNS.len();
    let mut header = vec!["section".to_string()];
    header.extend(COMPETENCY_COLUMNS.iter().map(|s| s.to_string()));
    header.resize(width, String::new());
    row(&mut w, header)?;
    for c in &needs.competencies {
        let mut cells = vec!["kompetensi".to_string()];
        cells.extend(competency_cells(c).iter().map(Cell::csv));
        cells.resize(width, String::new());
        row(&mut w, cells)?;
    }
    let mut header = vec!["section".to_string()];
    header.extend(PROGRAM_COLUMNS.iter().map(|s| s.to_string()));
    row(&mut w, header)?;
    for p in &needs.programs {
        let mut cells = vec!["program".to_string()];
        cells.extend(program_cells(p).iter().map(Cell::csv));
        row(&mut w, cells)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

/// A worksheet: its name, its header and its rows.
type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<Cell>>);

fn needs_xlsx(needs: &NeedsAnalysisResponse) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.into());
    let mut book = Workbook::new();
    let sheets: [Sheet; 2] = [
        (
            "Kompetensi",
            &COMPETENCY_COLUMNS,
            needs.competencies.iter().map(competency_cells).collect(),
        ),
        (
            "Program",
            &PROGRAM_COLUMNS,
            needs.programs.iter().map(program_cells).collect(),
        ),
    ];
    for (sheet_name, columns, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name).map_err(internal)?;
        for (c, name) in columns.iter().enumerate() {
            sheet.write_string(0, c as u16, *name).map_err(internal)?;
        }
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let (row, col) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Number(n) => sheet.write_number(row, col, *n).map(|_| ()),
                    // Strings are written as text cells, never as formulas.
                    Cell::Text(s) => sheet.write_string(row, col, s).map(|_| ()),
                }
                .map_err(internal)?;
            }
        }
    }
    book.save_to_buffer().map_err(internal)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TrainingPlanRequest {
    pub year: i32,
    /// Rupiah, more than 0.
    pub budget_idr: i64,
    /// A unit subtree; the whole organisation when left out.
    pub unit: Option<String>,
}

/// Chooses cohorts that close the most priority-weighted gap within the budget and program
/// capacities (greedy by value per Rupiah, compared with the best single bundle; see
/// `jenjang_core::plan`). Computed, not stored: the same request gives the same plan.
#[utoipa::path(post, path = "/api/v1/training-plans", tag = "analysis", request_body = TrainingPlanRequest, params(SaveQuery),
    responses((status = 200, body = TrainingPlanResponse), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn training_plan(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<SaveQuery>,
    Body(body): Body,
) -> ApiResult<axum::response::Response> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let year = f.int("year", 2000, 2100);
    let budget = f.int("budget_idr", 1, i64::MAX);
    let unit = f.opt_parse("unit", Code::parse);
    let (year, budget_idr, unit) = finish((|| Some((year?, budget?, unit?)))(), errors)?;
    let input = TrainingPlanInput {
        year: year as i32,
        budget_idr,
        unit: unit.map(|u| u.to_string()),
    };
    if q.save.unwrap_or(false) {
        let saved = jenjang_app::training::save(&s.context(&user), input).await?;
        return Ok(axum::response::IntoResponse::into_response((
            axum::http::StatusCode::CREATED,
            Json(saved),
        )));
    }
    let plan = analysis::training_plan(&s.context(&user), input).await?;
    Ok(axum::response::IntoResponse::into_response(Json(
        plan.as_ref(),
    )))
}
