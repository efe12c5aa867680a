//! Change-adoption campaigns (ADKAR): campaigns, stages (one by one or imported), activities,
//! surveys and the dashboard (JSON, CSV, XLSX).

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Format, FormatQuery, XLSX_MIME, download, format_of, safe_cell};
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::input::{Body, Fields, finish};
use crate::{AppState, actor};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use jenjang_core::Nip;
use jenjang_core::access::Action;
use jenjang_core::adkar::{ActivityKind, Stage, elapsed_fraction, on_track, summarise};
use jenjang_core::idp::today_in;
use jenjang_store::Page;
use jenjang_store::campaigns::{
    Activity, Campaign, CampaignInput, StageInput, StageRecorded, Survey,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

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

/// Whether the caller may manage `campaign` (hr/admin everything; its sponsor; a leader whose
/// led units include every target unit).
async fn may_manage(s: &AppState, user: &CurrentUser, c: &Campaign) -> ApiResult<bool> {
    let led = led_units(s, user).await?;
    let is_sponsor = sponsors(user, c);
    let in_led_subtree = !c.units.is_empty() && c.units.iter().all(|u| led.contains(u));
    Ok(jenjang_core::access::authorize(
        &user.0,
        Action::ManageCampaign {
            in_led_subtree,
            is_sponsor,
        },
    )
    .is_ok())
}

/// Whether the caller sponsors the campaign.
fn sponsors(user: &CurrentUser, c: &Campaign) -> bool {
    user.0
        .nip
        .as_ref()
        .is_some_and(|n| n.as_str() == c.sponsor_nip)
}

/// Who may follow a campaign (its dashboard and activities): hr/admin, its sponsor, or a leader
/// heading a unit some of its targets work in. Returns the targets read for the check.
async fn require_follow(
    s: &AppState,
    user: &CurrentUser,
    c: &Campaign,
) -> ApiResult<Vec<jenjang_store::campaigns::Target>> {
    let led = led_units(s, user).await?;
    let targets = s.store.campaign_targets(c).await?;
    user.require(Action::ManageCampaign {
        in_led_subtree: targets.iter().any(|t| led.contains(&t.unit)),
        is_sponsor: sponsors(user, c),
    })?;
    Ok(targets)
}

async fn led_units(s: &AppState, user: &CurrentUser) -> ApiResult<HashSet<String>> {
    Ok(match &user.0.nip {
        Some(n) => s.store.led_units(n.as_str()).await?,
        None => HashSet::new(),
    })
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(PageParams),
    responses((status = 200, description = "{items:[campaigns]}")), security(("bearer" = [])))]
pub async fn list_campaigns(
    State(s): State<AppState>,
    _user: CurrentUser,
    Params(q): Params<PageParams>,
) -> ApiResult<Json<Page<Campaign>>> {
    Ok(Json(s.store.list_campaigns(q.paging()?).await?))
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
    let led = led_units(&s, &user).await?;
    let in_led_subtree = input.units.iter().all(|u| led.contains(u));
    user.require(Action::ManageCampaign {
        in_led_subtree,
        is_sponsor: false,
    })?;
    let c = s.store.create_campaign(&actor(&user), &input).await?;
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
    let current = s.store.get_campaign(&code).await?;
    if !may_manage(&s, &user, &current).await? {
        return Err(ApiError::Forbidden);
    }
    let input = read_campaign(&body, Some(&code))?;
    let led = led_units(&s, &user).await?;
    let in_led_subtree = input.units.iter().all(|u| led.contains(u));
    let is_sponsor = sponsors(&user, &current);
    user.require(Action::ManageCampaign {
        in_led_subtree,
        is_sponsor,
    })?;
    Ok(Json(s.store.update_campaign(&actor(&user), &input).await?))
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
    let c = s.store.get_campaign(&code).await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let nip = f.parse("nip", |s| Nip::parse(s).map(|n| n.to_string()));
    let stage = f.parse("stage", |s| s.parse::<Stage>());
    let note = f.opt_long_text("note");
    let (nip, stage) = finish(nip.zip(stage), errors)?;
    let r = s.store.relation(user.0.nip.as_ref(), &nip).await?;
    let is_sponsor = sponsors(&user, &c);
    if !is_sponsor {
        user.require(Action::RecordAdoption(r))?;
    }
    let (mut done, rejected) = s
        .store
        .record_stages(
            &actor(&user),
            &code,
            &[StageInput { nip, stage, note }],
            "manual",
            false,
        )
        .await?;
    if let Some((_, problem)) = rejected.into_iter().next() {
        return Err(ApiError::Validation(vec![problem]));
    }
    Ok(Json(done.remove(0)))
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
    let c = s.store.get_campaign(&code).await?;
    if !may_manage(&s, &user, &c).await? {
        return Err(ApiError::Forbidden);
    }
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
    let c = s.store.get_campaign(&code).await?;
    require_follow(&s, &user, &c).await?;
    let items = s.store.campaign_activities(&code).await?;
    let n = items.len() as u64;
    Ok(Json(Page {
        items,
        total: n,
        limit: n.max(1),
        offset: 0,
    }))
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
    let c = s.store.get_campaign(&code).await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let kind = f.parse("kind", |s| s.parse::<ActivityKind>());
    let unit = f.text("unit");
    let held_on = f.parse("held_on", date);
    let title = f.opt_text("title");
    let notes = f.opt_long_text("notes");
    let attendees = f.strings("attendees", false);
    let (kind, (unit, (held_on, attendees))) =
        finish(kind.zip(unit.zip(held_on.zip(attendees))), errors)?;
    let led = led_units(&s, &user).await?;
    let is_sponsor = sponsors(&user, &c);
    user.require(Action::ManageCampaign {
        in_led_subtree: led.contains(&unit),
        is_sponsor,
    })?;
    let (activity, new) = s
        .store
        .add_activity(
            &actor(&user),
            &code,
            kind,
            &unit,
            held_on,
            title.as_deref(),
            notes.as_deref(),
            &attendees,
        )
        .await?;
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(activity),
    ))
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
    let c = s.store.get_campaign(&code).await?;
    if !may_manage(&s, &user, &c).await? {
        return Err(ApiError::Forbidden);
    }
    let zone = s.store.time_zone().await?;
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let nip = f.opt_text("nip");
    let unit = f.opt_text("unit");
    if nip.is_some() == unit.is_some() {
        f.error("nip", "name either an employee (nip) or a unit, not both");
    }
    let surveyed_on = f.opt_parse("surveyed_on", date);
    let mut scores = [0i16; 5];
    let mut ok = true;
    match body.get("scores").and_then(|v| v.as_object()) {
        None => {
            f.error(
                "scores",
                "required: {awareness, desire, knowledge, ability, reinforcement}, each 1..5",
            );
            ok = false;
        }
        Some(map) => {
            for st in Stage::ALL {
                match map.get(st.as_str()).and_then(|v| v.as_i64()) {
                    Some(n) if (1..=5).contains(&n) => scores[st.index()] = n as i16,
                    _ => {
                        f.error(&format!("scores.{}", st.as_str()), "a score from 1 to 5");
                        ok = false;
                    }
                }
            }
        }
    }
    let survey = (|| {
        ok.then_some(())?;
        Some(Survey {
            nip: nip.clone(),
            unit: unit.clone(),
            scores,
            surveyed_on: surveyed_on?.unwrap_or_else(|| today_in(&zone, s.store.now())),
        })
    })();
    let survey = finish(survey, errors)?;
    s.store
        .add_campaign_survey(&actor(&user), &code, &survey)
        .await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitAdoption {
    pub unit: String,
    pub targets: u64,
    pub adopted: u64,
    pub share: f64,
    /// How many have reached each element (the funnel).
    pub by_stage: BTreeMap<&'static str, u64>,
    /// The first element fewer than the target share have reached.
    pub barrier: Option<&'static str>,
    /// The activity that answers the barrier.
    pub remedy: Option<&'static str>,
    pub on_track: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub campaign: String,
    pub title: String,
    pub targets: u64,
    /// How many targets have reached each element (the funnel: someone at `ability` has reached
    /// awareness, desire, knowledge and ability).
    pub by_stage: BTreeMap<&'static str, u64>,
    /// How many are at each element now.
    pub at_stage: BTreeMap<&'static str, u64>,
    pub not_started: u64,
    pub adopted: u64,
    pub adopted_share: f64,
    pub adoption_target: f64,
    /// `reinforcement` or `ability`.
    pub adopted_from: Stage,
    /// The share of the campaign's duration that has passed.
    pub elapsed_share: f64,
    /// Adopted share at least the target pro-rated by elapsed time.
    pub on_track: bool,
    pub barrier: Option<&'static str>,
    pub by_unit: Vec<UnitAdoption>,
    pub activities: Vec<Activity>,
    pub resistance: Vec<jenjang_store::campaigns::Resistance>,
    /// Averages of the ADKAR survey scores (1..5), when surveys were recorded.
    pub survey: Option<BTreeMap<&'static str, f64>>,
}

fn by_element(counts: &[u64; 5]) -> BTreeMap<&'static str, u64> {
    Stage::ALL
        .iter()
        .map(|s| (s.as_str(), counts[s.index()]))
        .collect()
}

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
    let out = campaign_dashboard(&s, &user, &code).await?;
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

/// The dashboard of campaign `code` for `user` (who must follow it): the API's answer and the
/// campaign page's data.
pub(crate) async fn campaign_dashboard(
    s: &AppState,
    user: &CurrentUser,
    code: &str,
) -> ApiResult<Dashboard> {
    let c = s.store.get_campaign(code).await?;
    let targets = require_follow(s, user, &c).await?;
    let zone = s.store.time_zone().await?;
    let today = today_in(&zone, s.store.now());
    let adopted_from = c.adopted_from;
    let elapsed = elapsed_fraction(c.starts, c.ends, today);
    let all = summarise(
        targets.iter().map(|t| t.stage),
        adopted_from,
        c.adoption_target,
    );
    let mut units: Vec<&str> = targets.iter().map(|t| t.unit.as_str()).collect();
    units.dedup();
    let by_unit = units
        .into_iter()
        .map(|u| {
            let sum = summarise(
                targets.iter().filter(|t| t.unit == u).map(|t| t.stage),
                adopted_from,
                c.adoption_target,
            );
            UnitAdoption {
                unit: u.to_string(),
                targets: sum.targets,
                adopted: sum.adopted,
                share: sum.share,
                by_stage: by_element(&sum.reached),
                barrier: sum.barrier.map(|b| b.as_str()),
                remedy: sum.barrier.map(|b| b.remedy().as_str()),
                on_track: on_track(sum.share, c.adoption_target, elapsed),
            }
        })
        .collect();
    let (surveys, averages) = s.store.campaign_survey_averages(code).await?;
    Ok(Dashboard {
        campaign: c.code.clone(),
        title: c.title.clone(),
        targets: all.targets,
        by_stage: by_element(&all.reached),
        at_stage: by_element(&all.at_stage),
        not_started: all.not_started,
        adopted: all.adopted,
        adopted_share: all.share,
        adoption_target: c.adoption_target,
        adopted_from: c.adopted_from,
        elapsed_share: elapsed,
        on_track: on_track(all.share, c.adoption_target, elapsed),
        barrier: all.barrier.map(|b| b.as_str()),
        by_unit,
        activities: s.store.campaign_activities(code).await?,
        resistance: s.store.campaign_resistance(code).await?,
        survey: (surveys > 0).then(|| {
            Stage::ALL
                .iter()
                .map(|st| (st.as_str(), averages[st.index()]))
                .collect()
        }),
    })
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
