//! Change-adoption campaigns (ADKAR): campaigns, stages (one by one or imported), activities,
//! surveys and the dashboard (JSON, CSV, XLSX).

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Format, FormatQuery, XLSX_MIME, download, format_of, safe_cell};
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::input::{Body, Fields};
use crate::{AppState, actor};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use jenjang_app::campaigns::{self, NewActivity, NewSurvey};
use jenjang_core::Nip;
use jenjang_core::adkar::{ActivityKind, Stage};
use jenjang_store::Page;
use jenjang_store::campaigns::{
    Activity, Campaign, CampaignInput, StageInput, StageRecorded, Survey,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{code}", get(get_campaign).put(update_campaign))
        .route("/campaigns/{code}/stages", post(record_stage))
        .route("/campaigns/{code}/stages/import", post(import_stages))
        .route(
            "/campaigns/{code}/activities",
            get(list_activities).post(add_activity),
        )
        .route("/campaigns/{code}/surveys", post(add_survey))
        .route("/campaigns/{code}/dashboard", get(dashboard))
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD; found {s}"))
}

/// Reads a campaign body (the code from the path on update); see
/// `jenjang_app::campaigns::read_campaign`.
pub fn read_campaign(body: &serde_json::Value, code: Option<&str>) -> ApiResult<CampaignInput> {
    jenjang_app::campaigns::read_campaign(body, code).map_err(ApiError::Validation)
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(PageParams),
    responses((status = 200, description = "{items:[campaigns]}")), security(("bearer" = [])))]
pub async fn list_campaigns(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<PageParams>,
) -> ApiResult<Json<Page<Campaign>>> {
    Ok(Json(campaigns::list(&s.context(&user), q.paging()?).await?))
}

/// Launches a campaign: `{code, title, description?, sponsor_nip, units:[code], position_kinds?,
/// starts, ends, adoption_target (0..1), adopted_from? (reinforcement | ability), allow_skips?}`.
/// Its targets are the employees of the units' subtrees (of those position kinds), counted where
/// they are at every read. hr/admin, or a leader for units within their subtree.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = serde_json::Value,
    responses((status = 201, body = Campaign), (status = 403), (status = 409, description = "the code is taken"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_campaign(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    let input = read_campaign(&body, None)?;
    let c = campaigns::create(&s.context(&user), input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{code}", tag = "campaigns", params(("code" = String, Path)),
    responses((status = 200, body = Campaign), (status = 404)), security(("bearer" = [])))]
pub async fn get_campaign(
    State(s): State<AppState>,
    _user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Campaign>> {
    Ok(Json(s.store.get_campaign(&code).await?))
}

#[utoipa::path(put, path = "/api/v1/campaigns/{code}", tag = "campaigns", params(("code" = String, Path)), request_body = serde_json::Value,
    responses((status = 200, body = Campaign), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_campaign(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Campaign>> {
    let input = campaigns::read_campaign(&body, Some(&code));
    Ok(Json(
        campaigns::update(&s.context(&user), &code, input).await?,
    ))
}

/// Records an employee's ADKAR stage: `{nip, stage, note}`. Forward moves may skip elements only
/// where the campaign allows; a step back needs a note and is recorded as resistance. The
/// employee themself, their supervisor, a leader of their subtree, the sponsor, or hr.
#[utoipa::path(post, path = "/api/v1/campaigns/{code}/stages", tag = "campaigns", params(("code" = String, Path)), request_body = serde_json::Value,
    responses((status = 200, body = StageRecorded), (status = 403), (status = 404), (status = 422, description = "not targeted, a skip, or a step back without a note")),
    security(("bearer" = [])))]
pub async fn record_stage(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<StageRecorded>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let nip = f.parse("nip", |s| Nip::parse(s).map(|n| n.to_string()));
    let stage = f.parse("stage", |s| s.parse::<Stage>());
    let note = f.opt_long_text("note");
    let input = match (nip, stage) {
        (Some(nip), Some(stage)) if errors.is_empty() => Ok(StageInput { nip, stage, note }),
        _ => Err(errors),
    };
    Ok(Json(
        campaigns::record_stage(&s.context(&user), &code, input).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and report without writing.
    pub dry_run: Option<bool>,
}

/// Bulk stages from CSV or XLSX (`nip, tahap, catatan`), the same rules and report as the other
/// imports: every bad cell `{row, column, value, message}` with spreadsheet row numbers; valid
/// rows are written in one transaction; re-importing the same file changes nothing. The sponsor,
/// a leader of all the campaign's units, or hr.
#[utoipa::path(post, path = "/api/v1/campaigns/{code}/stages/import", tag = "campaigns", params(("code" = String, Path), ImportQuery),
    request_body(content = [u8], content_type = "application/octet-stream", description = "the CSV or XLSX file itself, sent as the body (any content type)"),
    responses((status = 200, body = crate::imports::ImportReport), (status = 403), (status = 404), (status = 422, description = "not a table, or required columns missing")),
    security(("bearer" = [])))]
pub async fn import_stages(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<ImportQuery>,
    request: axum::extract::Request,
) -> ApiResult<Json<crate::imports::ImportReport>> {
    campaigns::managed(&s.context(&user), &code).await?;
    let bytes = axum::body::to_bytes(request.into_body(), s.import_limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(s.import_limit))?;
    if bytes.is_empty() {
        return Err(ApiError::invalid(
            "file",
            "the body is empty: send the CSV or XLSX file itself",
        ));
    }
    let report = crate::imports::run_stages(
        &s.store,
        &actor(&user),
        &code,
        &bytes,
        &s.import_limits,
        q.dry_run.unwrap_or(false),
    )
    .await
    .map_err(|e| match e {
        crate::imports::ImportError::File(e) => ApiError::invalid("file", e.to_string()),
        crate::imports::ImportError::Store(e) => e.into(),
    })?;
    Ok(Json(report))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{code}/activities", tag = "campaigns", params(("code" = String, Path)),
    responses((status = 200, description = "{items:[activities]} (the sponsor, leaders of units with targets, hr)"), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn list_activities(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Page<Activity>>> {
    Ok(Json(Page::whole(
        campaigns::activities(&s.context(&user), &code).await?,
    )))
}

/// Records an activity `{kind, unit, held_on, title?, notes?, attendees:[nip]}` (kinds:
/// sosialisasi, workshop, coaching_clinic, survey, pendampingan, other). Attending a sosialisasi
/// moves an attendee with no stage yet to awareness. Sending the same activity again returns
/// it (200) without doubling it. The sponsor, a leader of the activity's unit, or hr.
#[utoipa::path(post, path = "/api/v1/campaigns/{code}/activities", tag = "campaigns", params(("code" = String, Path)), request_body = serde_json::Value,
    responses((status = 201, body = Activity), (status = 200, body = Activity, description = "the same activity, recorded before"), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn add_activity(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Activity>)> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let kind = f.parse("kind", |s| s.parse::<ActivityKind>());
    let unit = f.text("unit");
    let held_on = f.parse("held_on", date);
    let title = f.opt_text("title");
    let notes = f.opt_long_text("notes");
    let attendees = f.strings("attendees", false);
    let input = match (kind, unit, held_on, attendees) {
        (Some(kind), Some(unit), Some(held_on), Some(attendees)) if errors.is_empty() => {
            Ok(NewActivity {
                kind,
                unit,
                held_on,
                title,
                notes,
                attendees,
            })
        }
        _ => Err(errors),
    };
    let (activity, new) = campaigns::add_activity(&s.context(&user), &code, input).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(activity)))
}

/// ADKAR survey scores 1..5 per element for an employee or a unit:
/// `{nip | unit, scores:{awareness, desire, knowledge, ability, reinforcement}, surveyed_on?}`.
#[utoipa::path(post, path = "/api/v1/campaigns/{code}/surveys", tag = "campaigns", params(("code" = String, Path)), request_body = serde_json::Value,
    responses((status = 201, body = Survey), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn add_survey(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Survey>)> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let nip = f.opt_text("nip");
    let unit = f.opt_text("unit");
    if nip.is_some() == unit.is_some() {
        f.error("nip", "name either an employee (nip) or a unit, not both");
    }
    let surveyed_on = f.opt_parse("surveyed_on", date);
    let mut scores = [0i16; 5];
    match body.get("scores").and_then(|v| v.as_object()) {
        None => f.error(
            "scores",
            "required: {awareness, desire, knowledge, ability, reinforcement}, each 1..5",
        ),
        Some(map) => {
            for st in Stage::ALL {
                match map.get(st.as_str()).and_then(|v| v.as_i64()) {
                    Some(n) if (1..=5).contains(&n) => scores[st.index()] = n as i16,
                    _ => f.error(&format!("scores.{}", st.as_str()), "a score from 1 to 5"),
                }
            }
        }
    }
    let input = match surveyed_on {
        Some(surveyed_on) if errors.is_empty() => Ok(NewSurvey {
            nip,
            unit,
            scores,
            surveyed_on,
        }),
        _ => Err(errors),
    };
    let survey = campaigns::add_survey(&s.context(&user), &code, input).await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

pub use jenjang_app::campaigns::{Dashboard, UnitAdoption};

/// The campaign's funnel, adopted share against target, on-track judgement, per-unit funnel
/// with barrier point and remedy, activities, resistance log and survey averages. JSON, or CSV
/// / XLSX (one row per unit) with `?format=` or `Accept`. The sponsor, leaders of its units, hr.
#[utoipa::path(get, path = "/api/v1/campaigns/{code}/dashboard", tag = "campaigns", params(("code" = String, Path), FormatQuery),
    responses((status = 200, body = Dashboard, description = "JSON, or CSV / XLSX with ?format= or Accept"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn dashboard(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Params(q): Params<FormatQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let format = format_of(&q, &headers)?;
    let out = campaigns::dashboard(&s.context(&user), &code).await?;
    match format {
        Format::Json => Ok(Json(out).into_response()),
        Format::Csv => Ok(download(
            &format!("adopsi-{code}"),
            "csv",
            "text/csv; charset=utf-8",
            dashboard_csv(&out)?,
        )),
        Format::Xlsx => Ok(download(
            &format!("adopsi-{code}"),
            "xlsx",
            XLSX_MIME,
            dashboard_xlsx(&out)?,
        )),
    }
}

const UNIT_COLUMNS: [&str; 11] = [
    "unit",
    "targets",
    "adopted",
    "share",
    "awareness",
    "desire",
    "knowledge",
    "ability",
    "reinforcement",
    "barrier",
    "on_track",
];

fn unit_row(u: &UnitAdoption) -> Vec<String> {
    let mut row = vec![
        safe_cell(&u.unit),
        u.targets.to_string(),
        u.adopted.to_string(),
        format!("{:.3}", u.share),
    ];
    row.extend(
        Stage::ALL
            .iter()
            .map(|s| u.by_stage[s.as_str()].to_string()),
    );
    row.push(u.barrier.unwrap_or("").to_string());
    row.push(u.on_track.to_string());
    row
}

fn dashboard_csv(d: &Dashboard) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record(UNIT_COLUMNS).map_err(internal)?;
    for u in &d.by_unit {
        w.write_record(unit_row(u)).map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

fn dashboard_xlsx(d: &Dashboard) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.into());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Adopsi per unit").map_err(internal)?;
    for (c, name) in UNIT_COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(internal)?;
    }
    for (r, u) in d.by_unit.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, &u.unit).map_err(internal)?;
        for (c, v) in [u.targets as f64, u.adopted as f64, u.share]
            .into_iter()
            .enumerate()
        {
            sheet.write_number(row, c as u16 + 1, v).map_err(internal)?;
        }
        for st in Stage::ALL {
            sheet
                .write_number(row, 4 + st.index() as u16, u.by_stage[st.as_str()] as f64)
                .map_err(internal)?;
        }
        sheet
            .write_string(row, 9, u.barrier.unwrap_or(""))
            .map_err(internal)?;
        sheet.write_boolean(row, 10, u.on_track).map_err(internal)?;
    }
    let r = book.add_worksheet();
    r.set_name("Resistensi").map_err(internal)?;
    for (c, name) in ["nip", "from", "to", "note", "at"].iter().enumerate() {
        r.write_string(0, c as u16, *name).map_err(internal)?;
    }
    for (i, x) in d.resistance.iter().enumerate() {
        let row = i as u32 + 1;
        r.write_string(row, 0, &x.nip).map_err(internal)?;
        r.write_string(row, 1, x.from.as_deref().unwrap_or(""))
            .map_err(internal)?;
        r.write_string(row, 2, &x.to).map_err(internal)?;
        r.write_string(row, 3, x.note.as_deref().unwrap_or(""))
            .map_err(internal)?;
        r.write_string(row, 4, x.at.to_rfc3339())
            .map_err(internal)?;
    }
    book.save_to_buffer().map_err(internal)
}
