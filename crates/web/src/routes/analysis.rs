//! Gap analysis, recommendations, the training-needs analysis (AKPK), the budgeted training plan
//! and organisational needs. The computing is `jenjang_core`'s; this module reads the data,
//! checks who may see it, and shapes the answer.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Format, FormatQuery, XLSX_MIME, download, format_of, safe_cell};
use crate::extract::Params;
use crate::extract::Path;
use crate::guard::require_read;
use crate::input::{Body, Fields, finish};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_core::Code;
use jenjang_core::access::Action;
use jenjang_core::gap::{Gap, gaps};
use jenjang_core::needs::needs_analysis;
use jenjang_core::org::Organisation;
use jenjang_core::plan::optimise;
use jenjang_core::recommend::{describe, recommend};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/employees/{nip}/gaps", get(employee_gaps))
        .route(
            "/employees/{nip}/recommendations",
            get(employee_recommendations),
        )
        .route("/units/{code}/needs-analysis", get(unit_needs_analysis))
        .route("/training-plans", post(training_plan))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Also measure against this position's standard (a career step).
    pub target_position: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapOut {
    pub competency: String,
    pub required: u8,
    pub current: u8,
    pub gap: u8,
    /// `position`, `target_position:<code>`, `org_need:<id>`: every source requiring more than the current level.
    pub sources: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapsResponse {
    pub nip: String,
    pub position: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_position: Option<String>,
    /// Positive gaps only, by competency code.
    pub gaps: Vec<GapOut>,
    /// Said when the answer is partial, e.g. an employee without a position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RaiseOut {
    pub competency: String,
    pub from: u8,
    pub to: u8,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendedOut {
    /// 1-based; every program's `requires` is met by current levels or an earlier program.
    pub order: u32,
    pub program: String,
    pub title: String,
    pub form: jenjang_core::kinds::ProgramForm,
    pub jp: u32,
    pub cost_idr: i64,
    pub closes: Vec<RaiseOut>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredOut {
    pub competency: String,
    pub level: u8,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationsResponse {
    pub nip: String,
    pub programs: Vec<RecommendedOut>,
    pub uncovered: Vec<UncoveredOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An employee's gaps (against position, target position and organisational needs).
async fn analyse_employee(
    s: &AppState,
    user: &CurrentUser,
    nip: &str,
    target: Option<&str>,
) -> ApiResult<(
    Arc<Organisation>,
    Vec<u8>,
    Vec<Gap>,
    Option<String>,
    Option<String>,
)> {
    require_read(s, user, nip).await?;
    let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
    let target = match target {
        None => None,
        Some(t) => Some(org.position(t).ok_or_else(|| {
            ApiError::invalid("target_position", format!("no position has the code {t}"))
        })?),
    };
    let (member, levels) = s.store.load_member(&org, nip).await?;
    let requirements = org.requirements(member.unit, member.position, target);
    let g = gaps(&levels, &requirements);
    let position = member
        .position
        .map(|p| org.positions[p as usize].code.clone());
    let note = member.position.is_none().then(|| {
        "the employee holds no position: gaps come from organisational needs (and a target position) only".to_string()
    });
    Ok((org, levels, g, position, note))
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
    let (org, _, g, position, note) =
        analyse_employee(&s, &user, &nip, q.target_position.as_deref()).await?;
    Ok(Json(GapsResponse {
        nip,
        position,
        target_position: q.target_position,
        gaps: g
            .iter()
            .map(|g| GapOut {
                competency: org.catalog.competency_code(g.competency).to_string(),
                required: g.required,
                current: g.current,
                gap: g.size(),
                sources: g.sources.iter().map(|s| s.label()).collect(),
            })
            .collect(),
        note,
    }))
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
    let (org, levels, g, _, note) =
        analyse_employee(&s, &user, &nip, q.target_position.as_deref()).await?;
    let catalog = &org.catalog;
    let rec = recommend(catalog, &levels, &g);
    Ok(Json(RecommendationsResponse {
        nip,
        programs: rec
            .programs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let info = catalog.program(r.program);
                RecommendedOut {
                    order: i as u32 + 1,
                    program: info.code.clone(),
                    title: info.title.clone(),
                    form: info.form,
                    jp: info.jp,
                    cost_idr: info.cost_idr,
                    closes: r
                        .closes
                        .iter()
                        .map(|c| RaiseOut {
                            competency: catalog.competency_code(c.competency).to_string(),
                            from: c.from,
                            to: c.to,
                        })
                        .collect(),
                    reason: describe(catalog, &g, r),
                }
            })
            .collect(),
        uncovered: rec
            .uncovered
            .iter()
            .map(|u| UncoveredOut {
                competency: catalog.competency_code(u.competency).to_string(),
                level: u.level,
                reason: u.reason.clone(),
            })
            .collect(),
        note,
    }))
}

/// Checks that the caller may see the analyses of `unit` (404 when it does not exist).
pub(crate) async fn require_unit(
    s: &AppState,
    user: &CurrentUser,
    unit: &str,
    plan: bool,
) -> ApiResult<()> {
    let in_led_subtree = s.store.leads_unit(user.0.nip.as_ref(), unit).await?;
    user.require(if plan {
        Action::PlanForUnit { in_led_subtree }
    } else {
        Action::AnalyseUnit { in_led_subtree }
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetencyNeedOut {
    pub competency: String,
    pub name: String,
    pub employees_with_gap: u64,
    pub total_gap: u64,
    /// Average over the employees with a gap.
    pub avg_gap: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramNeedOut {
    pub program: String,
    pub title: String,
    pub form: jenjang_core::kinds::ProgramForm,
    /// Employees to whom the program is recommended.
    pub participants: u64,
    /// JP per participant.
    pub jp: u32,
    /// For all participants.
    pub cost_idr: i64,
    pub cost_idr_per_participant: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsAnalysisResponse {
    pub unit: String,
    pub employees: u64,
    pub competencies: Vec<CompetencyNeedOut>,
    pub programs: Vec<ProgramNeedOut>,
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
    require_unit(&s, &user, &code, false).await?;
    let (version, org) = s.analytics.organisation_at(&s.store, user.1).await?;
    let key = format!("needs:{code}");
    let value = match s.analytics.result(version, &key) {
        Some(v) => v,
        None => {
            let population = s.store.load_population(&org, Some(&code)).await?;
            let org2 = org.clone();
            let analysis = tokio::task::spawn_blocking(move || needs_analysis(&org2, &population))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            let catalog = &org.catalog;
            let out = NeedsAnalysisResponse {
                unit: code.clone(),
                employees: analysis.employees,
                competencies: analysis
                    .competencies
                    .iter()
                    .map(|c| CompetencyNeedOut {
                        competency: catalog.competency_code(c.competency).to_string(),
                        name: catalog.competency_name(c.competency).to_string(),
                        employees_with_gap: c.employees_with_gap,
                        total_gap: c.total_gap,
                        avg_gap: c.avg_gap,
                    })
                    .collect(),
                programs: analysis
                    .programs
                    .iter()
                    .map(|p| {
                        let info = catalog.program(p.program);
                        ProgramNeedOut {
                            program: info.code.clone(),
                            title: info.title.clone(),
                            form: info.form,
                            participants: p.participants,
                            jp: info.jp,
                            cost_idr: info.cost_idr * p.participants as i64,
                            cost_idr_per_participant: info.cost_idr,
                        }
                    })
                    .collect(),
            };
            let value =
                Arc::new(serde_json::to_value(out).map_err(|e| ApiError::Internal(e.into()))?);
            s.analytics.store_result(version, key, value.clone());
            value
        }
    };
    match format {
        Format::Json => Ok(Json(value.as_ref().clone()).into_response()),
        Format::Csv => Ok(download(
            &format!("akpk-{code}"),
            "csv",
            "text/csv; charset=utf-8",
            needs_csv(&value)?,
        )),
        Format::Xlsx => Ok(download(
            &format!("akpk-{code}"),
            "xlsx",
            XLSX_MIME,
            needs_xlsx(&value)?,
        )),
    }
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => safe_cell(s),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
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

fn needs_csv(v: &serde_json::Value) -> ApiResult<Vec<u8>> {
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
    for c in v["competencies"].as_array().into_iter().flatten() {
        let mut cells = vec!["kompetensi".to_string()];
        cells.extend(COMPETENCY_COLUMNS.iter().map(|k| text(&c[*k])));
        cells.resize(width, String::new());
        row(&mut w, cells)?;
    }
    let mut header = vec!["section".to_string()];
    header.extend(PROGRAM_COLUMNS.iter().map(|s| s.to_string()));
    row(&mut w, header)?;
    for p in v["programs"].as_array().into_iter().flatten() {
        let mut cells = vec!["program".to_string()];
        cells.extend(PROGRAM_COLUMNS.iter().map(|k| text(&p[*k])));
        row(&mut w, cells)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

fn needs_xlsx(v: &serde_json::Value) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.into());
    let mut book = Workbook::new();
    for (sheet_name, key, columns) in [
        ("Kompetensi", "competencies", &COMPETENCY_COLUMNS[..]),
        ("Program", "programs", &PROGRAM_COLUMNS[..]),
    ] {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name).map_err(internal)?;
        for (c, name) in columns.iter().enumerate() {
            sheet.write_string(0, c as u16, *name).map_err(internal)?;
        }
        for (r, item) in v[key].as_array().into_iter().flatten().enumerate() {
            for (c, name) in columns.iter().enumerate() {
                let (row, col) = (r as u32 + 1, c as u16);
                match &item[*name] {
                    serde_json::Value::Number(n) => sheet
                        .write_number(row, col, n.as_f64().unwrap_or(0.0))
                        .map(|_| ()),
                    // Strings are written as text cells, never as formulas.
                    other => sheet
                        .write_string(row, col, text(other).trim_start_matches('\''))
                        .map(|_| ()),
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

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetencyTarget {
    pub competency: String,
    pub to_level: u8,
}

/// A cohort with the seven fields of PP 11/2017 art. 207(3).
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortOut {
    pub program: String,
    pub title: String,
    /// NIPs (the target employees).
    pub participants: Vec<String>,
    /// The competencies developed.
    pub competencies: Vec<CompetencyTarget>,
    pub form: jenjang_core::kinds::ProgramForm,
    /// `klasikal` or `nonklasikal` (PP 11/2017 art. 210-211).
    pub route: &'static str,
    pub provider: String,
    /// The suggested quarter, e.g. `2027-Q2` (later for programs that need others first).
    pub schedule: String,
    /// How the curriculum fits the needs: the gaps it closes.
    pub curriculum_fit: String,
    pub jp: u32,
    /// The cohort's budget: cost per participant × participants.
    pub cost_idr: i64,
    pub gap_closed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingPlanResponse {
    pub year: i32,
    pub budget_idr: i64,
    pub unit: String,
    pub cost_idr: i64,
    pub cohorts: Vec<CohortOut>,
    /// Priority-weighted gap levels the plan closes.
    pub gap_closed: u64,
    /// Priority-weighted gap levels of the population.
    pub gap_total: u64,
}

/// Chooses cohorts that close the most priority-weighted gap within the budget and program
/// capacities (greedy by value per Rupiah, compared with the best single bundle; see
/// `jenjang_core::plan`). Computed, not stored: the same request gives the same plan.
#[utoipa::path(post, path = "/api/v1/training-plans", tag = "analysis", request_body = TrainingPlanRequest,
    responses((status = 200, body = TrainingPlanResponse), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn training_plan(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<Json<TrainingPlanResponse>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let year = f.int("year", 2000, 2100);
    let budget = f.int("budget_idr", 1, i64::MAX);
    let unit = f.opt_parse("unit", Code::parse);
    let (year, budget, unit) = finish((|| Some((year?, budget?, unit?)))(), errors)?;
    let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
    let root = match unit {
        Some(u) => u.to_string(),
        None => org
            .units
            .sole_root()
            .map(|u| org.units.code(u).to_string())
            .ok_or_else(|| {
                ApiError::invalid("unit", "the organisation has no single root unit; name one")
            })?,
    };
    require_unit(&s, &user, &root, false).await?;
    let population = s.store.load_population(&org, Some(&root)).await?;
    let org2 = org.clone();
    let (plan, population) =
        tokio::task::spawn_blocking(move || (optimise(&org2, &population, budget), population))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
    let catalog = &org.catalog;
    let cohorts = plan
        .cohorts
        .iter()
        .map(|c| {
            let info = catalog.program(c.program);
            CohortOut {
                program: info.code.clone(),
                title: info.title.clone(),
                participants: c
                    .participants
                    .iter()
                    .map(|m| population.members[*m as usize].nip.clone())
                    .collect(),
                competencies: info
                    .develops
                    .iter()
                    .map(|(comp, to)| CompetencyTarget {
                        competency: catalog.competency_code(*comp).to_string(),
                        to_level: *to,
                    })
                    .collect(),
                form: info.form,
                route: if info.form.is_classroom() {
                    "klasikal"
                } else {
                    "nonklasikal"
                },
                provider: info.provider.clone(),
                schedule: format!("{year}-Q{}", c.quarter),
                curriculum_fit: format!(
                    "develops {}; closes {} weighted gap level(s) across {} participant(s)",
                    info.develops
                        .iter()
                        .map(|(comp, to)| format!(
                            "{} to level {to}",
                            catalog.competency_code(*comp)
                        ))
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.gap_closed,
                    c.participants.len()
                ),
                jp: info.jp,
                cost_idr: c.cost_idr,
                gap_closed: c.gap_closed,
            }
        })
        .collect();
    Ok(Json(TrainingPlanResponse {
        year: year as i32,
        budget_idr: budget,
        unit: root,
        cost_idr: plan.cost_idr,
        cohorts,
        gap_closed: plan.gap_closed,
        gap_total: plan.gap_total,
    }))
}
