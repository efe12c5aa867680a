//! Gap analysis, recommendations, the training-needs analysis (AKPK) with its heat map, and the
//! budgeted training plan. The computing is `jenjang_core`'s; these read the data, check who may
//! see it and shape the answer. Unit analyses are cached per data version.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::gap::{Gap, gaps};
use jenjang_core::kinds::ProgramForm;
use jenjang_core::org::Organisation;
use jenjang_core::plan::optimise;
use jenjang_core::recommend::{describe, recommend};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

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
    pub form: ProgramForm,
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

/// One employee's gaps and what they rest on.
struct EmployeeGaps {
    org: Arc<Organisation>,
    levels: Vec<u8>,
    gaps: Vec<Gap>,
    position: Option<String>,
    note: Option<String>,
}

/// An employee's gaps against position, target position and organisational needs.
async fn analyse_employee(
    cx: &Context<'_>,
    nip: &str,
    target: Option<&str>,
) -> AppResult<EmployeeGaps> {
    cx.require_read(nip).await?;
    let org = cx.organisation().await?;
    let target = match target {
        None => None,
        Some(t) => Some(org.position(t).ok_or_else(|| {
            AppError::invalid("target_position", format!("no position has the code {t}"))
        })?),
    };
    let (member, levels) = cx.store.load_member(&org, nip).await?;
    let requirements = org.requirements(member.unit, member.position, target);
    let gaps = gaps(&levels, &requirements);
    let position = member
        .position
        .map(|p| org.positions[p as usize].code.clone());
    let note = member.position.is_none().then(|| {
        "the employee holds no position: gaps come from organisational needs (and a target position) only".to_string()
    });
    Ok(EmployeeGaps {
        org,
        levels,
        gaps,
        position,
        note,
    })
}

/// An employee's positive gaps, by competency code.
pub async fn employee_gaps(
    cx: &Context<'_>,
    nip: &str,
    target_position: Option<&str>,
) -> AppResult<GapsResponse> {
    let a = analyse_employee(cx, nip, target_position).await?;
    Ok(GapsResponse {
        nip: nip.to_string(),
        position: a.position,
        target_position: target_position.map(str::to_string),
        gaps: a
            .gaps
            .iter()
            .map(|g| GapOut {
                competency: a.org.catalog.competency_code(g.competency).to_string(),
                required: g.required,
                current: g.current,
                gap: g.size(),
                sources: g.sources.iter().map(|s| s.label()).collect(),
            })
            .collect(),
        note: a.note,
    })
}

/// The ordered programs that close an employee's gaps, and the gaps no program closes.
pub async fn employee_recommendations(
    cx: &Context<'_>,
    nip: &str,
    target_position: Option<&str>,
) -> AppResult<RecommendationsResponse> {
    let a = analyse_employee(cx, nip, target_position).await?;
    let catalog = &a.org.catalog;
    let rec = recommend(catalog, &a.levels, &a.gaps);
    Ok(RecommendationsResponse {
        nip: nip.to_string(),
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
                    reason: describe(catalog, &a.gaps, r),
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
        note: a.note,
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
    pub form: ProgramForm,
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

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The training-needs analysis of `unit`'s subtree: gaps per competency and the programs that
/// close them, with participants and cost. Summed from the needs index (see
/// [`crate::analytics::Analytics::with_needs`]), current with every write.
pub async fn unit_needs(cx: &Context<'_>, unit: &str) -> AppResult<Arc<NeedsAnalysisResponse>> {
    cx.require_unit(unit, false).await?;
    let not_found = || AppError::NotFound(format!("unit {unit} was not found"));
    cx.analytics
        .needs_answer(cx.store, &format!("needs:{unit}"), |org, index| {
            let u = org.units.index(unit).ok_or_else(not_found)?;
            let analysis = index.analysis(Some(u));
            let catalog = &org.catalog;
            Ok(NeedsAnalysisResponse {
                unit: unit.to_string(),
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
            })
        })
        .await
}

/// One row of the heat map: a unit directly below the analysed one.
#[derive(Debug, Serialize)]
pub struct HeatRow {
    pub unit: String,
    pub employees: u64,
    /// `(competency code, employees with a gap)`, only competencies someone lacks.
    pub with_gap: Vec<(String, u64)>,
}

impl HeatRow {
    /// Employees of this unit's subtree lacking `competency`.
    pub fn with_gap_in(&self, competency: &str) -> u64 {
        self.with_gap
            .iter()
            .find(|(c, _)| c == competency)
            .map_or(0, |(_, n)| *n)
    }
}

/// The heat map's rows for the units directly below `unit`, summed from the needs index like
/// the analysis.
pub async fn heat_map(cx: &Context<'_>, unit: &str) -> AppResult<Arc<Vec<HeatRow>>> {
    cx.require_unit(unit, false).await?;
    let not_found = || AppError::NotFound(format!("unit {unit} was not found"));
    cx.analytics
        .needs_answer(cx.store, &format!("heat:{unit}"), |org, index| {
            let index_of_unit = org.units.index(unit).ok_or_else(not_found)?;
            let child_units = org.units.children(index_of_unit);
            let counted = index.by_group(&child_units);
            Ok(child_units
                .iter()
                .zip(counted)
                .map(|(&u, g)| HeatRow {
                    unit: org.units.code(u).to_string(),
                    employees: g.employees,
                    with_gap: g
                        .with_gap
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(c, n)| (org.catalog.competency_code(c as u32).to_string(), *n))
                        .collect(),
                })
                .collect())
        })
        .await
}

/// What HR asks a training plan for.
#[derive(Debug, Clone)]
pub struct TrainingPlanInput {
    pub year: i32,
    /// Rupiah, more than 0.
    pub budget_idr: i64,
    /// A unit subtree; the whole organisation when `None`.
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct CompetencyTarget {
    pub competency: String,
    pub to_level: u8,
}

/// A cohort with the seven fields of PP 11/2017 art. 207(3).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct CohortOut {
    pub program: String,
    pub title: String,
    /// NIPs (the target employees).
    pub participants: Vec<String>,
    /// The competencies developed.
    pub competencies: Vec<CompetencyTarget>,
    pub form: ProgramForm,
    /// `klasikal` or `nonklasikal` (PP 11/2017 art. 210-211).
    pub route: String,
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

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
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
/// capacities (see `jenjang_core::plan`). Computed, not stored: the same input gives the same
/// plan.
pub async fn training_plan(
    cx: &Context<'_>,
    input: TrainingPlanInput,
) -> AppResult<Arc<TrainingPlanResponse>> {
    let mut errors = Vec::new();
    if !(2000..=2100).contains(&input.year) {
        errors.push(
            FieldError::new(
                "year",
                format!("a year from 2000 to 2100; found {}", input.year),
            )
            .with_code("out_of_range")
            .with_param("min", 2000)
            .with_param("max", 2100),
        );
    }
    if input.budget_idr < 1 {
        errors.push(
            FieldError::new(
                "budget_idr",
                format!("a budget is more than 0 Rupiah; found {}", input.budget_idr),
            )
            .with_code("positive"),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let org = cx.organisation().await?;
    let root = match input.unit.clone() {
        Some(u) => u,
        None => org
            .units
            .sole_root()
            .map(|u| org.units.code(u).to_string())
            .ok_or_else(|| {
                AppError::invalid("unit", "the organisation has no single root unit; name one")
            })?,
    };
    cx.require_unit(&root, false).await?;
    // The same question at the same data version has the same answer: kept, so that a
    // province's plan (seconds to optimise) is computed once while people look at it.
    let key = format!("training_plan:{root}:{}:{}", input.year, input.budget_idr);
    cx.analytics
        .cached(cx.version, &key, || plan_for(cx, org, root, input))
        .await
}

async fn plan_for(
    cx: &Context<'_>,
    org: Arc<Organisation>,
    root: String,
    input: TrainingPlanInput,
) -> AppResult<TrainingPlanResponse> {
    let population = cx.store.load_population(&org, Some(&root)).await?;
    let (org2, budget) = (org.clone(), input.budget_idr);
    let (plan, population) =
        blocking(move || (optimise(&org2, &population, budget), population)).await?;
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
                }
                .to_string(),
                provider: info.provider.clone(),
                schedule: format!("{}-Q{}", input.year, c.quarter),
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
    Ok(TrainingPlanResponse {
        year: input.year,
        budget_idr: input.budget_idr,
        unit: root,
        cost_idr: plan.cost_idr,
        cohorts,
        gap_closed: plan.gap_closed,
        gap_total: plan.gap_total,
    })
}
