//! Position fit and succession: ranked candidates for a position (also as XLSX for the
//! selection committee), one employee's fit, critical positions and their succession pools.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, Format, Sheet, XLSX_MIME, download, format_of, xlsx};
use crate::extract::{Params, Path};
use crate::input::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use jenjang_app::fit::{self, Candidates, Fit, Pool};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/positions/{code}/candidates", get(candidates))
        .route("/positions/{code}/succession", put(set_succession))
        .route("/employees/{nip}/fit", get(employee_fit))
        .route("/succession", get(succession))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesQuery {
    /// Search this unit's subtree only (a unit head: one they lead; default: the organisation
    /// for hr and admin, the units led for a unit head).
    pub unit: Option<String>,
    /// How many to list (1–200, default 20).
    pub limit: Option<usize>,
    /// `json` (default) or `xlsx`.
    pub format: Option<String>,
}

const CANDIDATE_COLUMNS: [&str; 12] = [
    "peringkat",
    "nip",
    "nama",
    "unit",
    "jabatan_sekarang",
    "golongan",
    "jpm",
    "kategori",
    "kotak_talenta",
    "predikat",
    "memenuhi_syarat",
    "kesenjangan",
];

/// Candidates for a position ranked by JPM (then talent box), each with eligibility as reasons
/// (`incumbent`, `golongan_below_minimum`, `golongan_unknown`, `golongan_other_scheme`,
/// `position_kind_not_below`), the gaps toward it and the programs that would close them.
/// 422 `jpm_undefined` for a position without requirements.
#[utoipa::path(get, path = "/api/v1/positions/{code}/candidates", tag = "analysis", params(("code" = String, Path), CandidatesQuery),
    responses((status = 200, body = Candidates), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn candidates(
    State(s): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Params(q): Params<CandidatesQuery>,
) -> ApiResult<Response> {
    let format = format_of(
        &crate::export::FormatQuery {
            format: q.format.clone(),
        },
        &headers,
    )?;
    let out = fit::candidates(
        &s.context(&user),
        &code,
        q.unit.as_deref(),
        q.limit.unwrap_or(20),
    )
    .await?;
    match format {
        Format::Json => Ok(Json(out).into_response()),
        Format::Csv => Err(ApiError::invalid(
            "format",
            "candidates are exported as xlsx (or read as json)",
        )),
        Format::Xlsx => {
            let rows = out
                .items
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        Cell::from((i + 1) as i64),
                        c.nip.clone().into(),
                        c.name.clone().into(),
                        c.unit.clone().into(),
                        c.current_position.clone().into(),
                        c.golongan.map(|g| g.to_string()).into(),
                        c.jpm.into(),
                        c.category.as_str().into(),
                        c.talent_box.map(|b| b.to_string()).into(),
                        c.predikat.clone().into(),
                        if c.eligible {
                            "ya".to_string()
                        } else {
                            c.ineligible
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                        .into(),
                        c.gaps
                            .iter()
                            .map(|g| format!("{} {}→{}", g.competency, g.current, g.required))
                            .collect::<Vec<_>>()
                            .join("; ")
                            .into(),
                    ]
                })
                .collect();
            let body = xlsx(&[Sheet {
                name: "Kandidat",
                columns: &CANDIDATE_COLUMNS,
                rows,
            }])?;
            Ok(download(
                &format!("kandidat-{code}"),
                "xlsx",
                XLSX_MIME,
                body,
            ))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FitQuery {
    pub position: String,
}

/// How an employee fits a position: JPM, category, gaps and the programs that would close them.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/fit", tag = "analysis", params(("nip" = String, Path), FitQuery),
    responses((status = 200, body = Fit), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn employee_fit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
    Params(q): Params<FitQuery>,
) -> ApiResult<Json<Fit>> {
    Ok(Json(
        fit::employee_fit(&s.context(&user), &nip, &q.position).await?,
    ))
}

/// Marks a position critical `{critical: bool}` (hr, admin): it gets a succession pool.
#[utoipa::path(put, path = "/api/v1/positions/{code}/succession", tag = "analysis", params(("code" = String, Path)),
    responses((status = 200), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn set_succession(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let Some(critical) = body.get("critical").and_then(Value::as_bool) else {
        return Err(ApiError::invalid("critical", "expected true or false"));
    };
    let changed = fit::set_critical(&s.context(&user), &code, critical).await?;
    Ok(Json(
        json!({"position": code, "critical": critical, "changed": changed}),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuccessionQuery {
    pub unit: Option<String>,
}

/// The succession pools of the critical positions: successors from talent boxes 7–9 with
/// readiness (`siap_sekarang`, `siap_1_2_tahun`, `perlu_pengembangan`), JPM and box; positions
/// with fewer than two ready successors (`at_risk`) first.
#[utoipa::path(get, path = "/api/v1/succession", tag = "analysis", params(SuccessionQuery),
    responses((status = 200, body = [Pool]), (status = 403)), security(("bearer" = [])))]
pub async fn succession(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<SuccessionQuery>,
) -> ApiResult<Json<Vec<Pool>>> {
    Ok(Json(
        fit::succession(&s.context(&user), q.unit.as_deref()).await?,
    ))
}
