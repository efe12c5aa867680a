//! Individual development plans (IDP): building, submitting and deciding a plan, progress on its
//! items with evidence, the 20 JP a year per unit and the SIASN export of completed development.
//! Who may do what is `core::access`; the transitions and the JP credit are `core::idp`.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use chrono::{Datelike, NaiveDate};
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_core::idp::{ItemAction, JpRules, PlanAction, programs_to_plan};
use jenjang_core::workflow::ProgramChoice;
use jenjang_store::{ItemDetails, Plan, PlanItem, Store};
use serde::Serialize;
use utoipa::ToSchema;

/// The organisation's settings for the plans of one year.
pub struct PlanYear {
    pub year: i32,
    pub jp_target: u32,
    pub rules: JpRules,
}

/// The plan year asked for (this year in the organisation's time zone when `None`).
pub async fn plan_year(store: &Store, year: Option<i32>) -> AppResult<PlanYear> {
    let year = match year {
        Some(y) => y,
        None => store.today().await?.year(),
    };
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid(
            "year",
            format!("a year from 2000 to 2100; found {year}"),
        ));
    }
    Ok(PlanYear {
        year,
        jp_target: store.jp_target().await?,
        rules: store.jp_rules().await?,
    })
}

async fn require_edit(cx: &Context<'_>, nip: &str) -> AppResult<()> {
    let relation = cx.store.relation(cx.caller.nip.as_ref(), nip).await?;
    cx.require(Action::EditPlan(relation))
}

/// `nip`'s plan of `year`, with its items and JP tally.
pub async fn plan(cx: &Context<'_>, nip: &str, year: Option<i32>) -> AppResult<Plan> {
    cx.require_read(nip).await?;
    let y = plan_year(cx.store, year).await?;
    Ok(cx.store.plan(nip, y.year, y.jp_target).await?)
}

/// A decided revision of `nip`'s plan as it was decided.
pub async fn revision(
    cx: &Context<'_>,
    nip: &str,
    year: Option<i32>,
    revision: i32,
) -> AppResult<serde_json::Value> {
    cx.require_read(nip).await?;
    let y = plan_year(cx.store, year).await?;
    Ok(cx.store.plan_revision(nip, y.year, revision).await?)
}

/// The problems found while reading a command's input (a part that could not be read is `None`
/// and its problem is here), so that the answer names every bad field at once: those of the
/// reading and those the use case finds, but only after the caller was found allowed.
pub type ReadProblems = Vec<FieldError>;

fn checked<T>(value: Option<T>, problems: ReadProblems) -> AppResult<T> {
    match value {
        Some(v) if problems.is_empty() => Ok(v),
        _ if problems.is_empty() => Err(AppError::Internal(anyhow::anyhow!(
            "a part of the input is missing but no problem was reported"
        ))),
        _ => Err(AppError::Invalid(problems)),
    }
}

/// Adds a program due on `due` (within the plan's year). Editing an approved (or rejected)
/// plan starts a new draft revision that goes through approval again.
pub async fn add_item(
    cx: &Context<'_>,
    nip: &str,
    year: Option<i32>,
    item: (Option<String>, Option<NaiveDate>),
    mut problems: ReadProblems,
) -> AppResult<Plan> {
    require_edit(cx, nip).await?;
    let y = plan_year(cx.store, year).await?;
    if let Some(due) = item.1
        && due.year() != y.year
    {
        problems.push(
            FieldError::new(
                "due",
                format!("the plan is for {}; the due date must fall in it", y.year),
            )
            .with_code("due_outside_year")
            .with_param("year", y.year)
            .with_code("due_outside_year")
            .with_param("year", y.year),
        );
    }
    let (program, due) = checked(item.0.zip(item.1), problems)?;
    cx.store
        .plan_add_items(&cx.actor(), nip, y.year, &[(program, due)], false)
        .await?;
    Ok(cx.store.plan(nip, y.year, y.jp_target).await?)
}

/// Fills the draft with the recommended programs in their feasible order, due dates spread over
/// the year (`core::idp::programs_to_plan`); programs already planned are not added again.
pub async fn generate(cx: &Context<'_>, nip: &str, year: Option<i32>) -> AppResult<Plan> {
    require_edit(cx, nip).await?;
    let y = plan_year(cx.store, year).await?;
    let org = cx.organisation().await?;
    let (member, levels) = cx.store.load_member(&org, nip).await?;
    let today = cx.store.today().await?;
    let items = programs_to_plan(
        &org,
        &member,
        &levels,
        &ProgramChoice::Recommended,
        None,
        y.year,
        today,
    );
    if !items.is_empty() {
        cx.store
            .plan_add_items(&cx.actor(), nip, y.year, &items, true)
            .await?;
    }
    Ok(cx.store.plan(nip, y.year, y.jp_target).await?)
}

/// Submits (the employee or whoever may edit the plan), approves or rejects (the direct
/// supervisor or hr, never the employee) `nip`'s plan. A rejection says why; `version`, when
/// given, must still be the plan's.
pub async fn decide(
    cx: &Context<'_>,
    nip: &str,
    year: Option<i32>,
    action: PlanAction,
    (comment, version): (Option<String>, Option<Option<i32>>),
    mut problems: ReadProblems,
) -> AppResult<Plan> {
    let relation = cx.store.relation(cx.caller.nip.as_ref(), nip).await?;
    cx.require(if action == PlanAction::Submit {
        Action::EditPlan(relation)
    } else {
        Action::DecidePlan(relation)
    })?;
    let y = plan_year(cx.store, year).await?;
    if action == PlanAction::Reject && comment.is_none() {
        problems.push(FieldError::new("comment", "say why the plan is rejected"));
    }
    let version = checked(version, problems)?;
    cx.store
        .plan_decide(
            &cx.actor(),
            nip,
            y.year,
            action,
            comment.as_deref(),
            version,
        )
        .await?;
    Ok(cx.store.plan(nip, y.year, y.jp_target).await?)
}

/// What is done to one plan item.
#[derive(Debug, Clone)]
pub enum ItemCommand {
    Start,
    /// Evidence is `{certificate_number, link?}`; the date may not be in the future.
    Complete {
        evidence: Option<serde_json::Value>,
        completed_on: Option<NaiveDate>,
    },
    Cancel {
        reason: Option<String>,
    },
}

/// Starts, completes (crediting JP by the organisation's rules and recording the levels the
/// program develops with source `program:<code>`) or cancels plan item `id`.
pub async fn item(
    cx: &Context<'_>,
    id: &str,
    command: ItemCommand,
    mut problems: ReadProblems,
) -> AppResult<PlanItem> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("plan item {id} was not found")))?;
    let (nip, year) = cx.store.plan_item_owner(id).await?;
    require_edit(cx, &nip).await?;
    let y = plan_year(cx.store, Some(year)).await?;
    let (action, details) = match command {
        ItemCommand::Start => (
            ItemAction::Start,
            checked(Some(ItemDetails::default()), problems)?,
        ),
        ItemCommand::Complete {
            evidence,
            completed_on,
        } => {
            if let Some(on) = completed_on
                && on > cx.store.today().await?
            {
                problems.push(
                    FieldError::new("completed_on", "a completion date cannot be in the future")
                        .with_code("date_in_future"),
                );
            }
            let (evidence, completed_on) = checked(evidence.zip(completed_on), problems)?;
            (
                ItemAction::Complete,
                ItemDetails {
                    evidence: Some(evidence),
                    completed_on: Some(completed_on),
                    reason: None,
                },
            )
        }
        ItemCommand::Cancel { reason } => (
            ItemAction::Cancel,
            ItemDetails {
                reason: Some(checked(reason, problems)?),
                ..ItemDetails::default()
            },
        ),
    };
    Ok(cx
        .store
        .plan_item_action(&cx.actor(), id, action, details, &y.rules)
        .await?)
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
pub async fn jp_compliance(
    cx: &Context<'_>,
    unit: &str,
    year: Option<i32>,
) -> AppResult<std::sync::Arc<JpCompliance>> {
    cx.require_unit(unit, false).await?;
    let y = plan_year(cx.store, year).await?;
    // Kept per unit and year at the data version: a province's tally reads every plan item.
    let key = format!("jp_compliance:{unit}:{}", y.year);
    cx.analytics
        .cached(cx.version, &key, || compliance(cx, unit, y))
        .await
}

async fn compliance(cx: &Context<'_>, unit: &str, y: PlanYear) -> AppResult<JpCompliance> {
    let target = y.jp_target;
    let rows = cx.store.jp_by_employee(unit, y.year).await?;
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
    Ok(JpCompliance {
        unit: unit.to_string(),
        year: y.year,
        jp_target: target,
        employees,
        meeting_target: employees - below_target.len() as u64,
        below_target,
    })
}

/// A completed development record with the field names of SIASN's course history (riwayat
/// kursus/diklat).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevelopmentRecord {
    pub nip_baru: String,
    pub nama: String,
    /// From the setting `siasn_jenis_diklat` ({form: id}); empty for a form without an id there.
    pub jenis_diklat_id: String,
    pub nama_kursus: String,
    pub jumlah_jam: i32,
    /// `dd-mm-yyyy`, as SIASN writes dates.
    pub tanggal_kursus: String,
    pub tanggal_selesai_kursus: String,
    pub nomor_sertipikat: String,
    pub institusi_penyelenggara: String,
    pub tahun_kursus: i32,
}

/// The completed development of a unit subtree in a year (the year asked for is answered too).
pub async fn development_records(
    cx: &Context<'_>,
    unit: &str,
    year: Option<i32>,
) -> AppResult<(i32, Vec<DevelopmentRecord>)> {
    cx.require_unit(unit, false).await?;
    let year = plan_year(cx.store, year).await?.year;
    let mapping = cx.store.siasn_jenis_diklat().await?;
    let rows = cx
        .store
        .development_records(unit, year)
        .await?
        .into_iter()
        .map(|r| {
            let nomor_sertipikat = r
                .evidence
                .as_deref()
                .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
                .and_then(|e| e["certificate_number"].as_str().map(str::to_string))
                .or(r.certificate_no)
                .unwrap_or_default();
            let jenis_diklat_id = match mapping.get(&r.form) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            DevelopmentRecord {
                nip_baru: r.nip,
                nama: r.name,
                jenis_diklat_id,
                nama_kursus: r.title,
                jumlah_jam: r.jp,
                tanggal_kursus: r
                    .started_on
                    .unwrap_or(r.completed_on)
                    .format("%d-%m-%Y")
                    .to_string(),
                tanggal_selesai_kursus: r.completed_on.format("%d-%m-%Y").to_string(),
                nomor_sertipikat,
                institusi_penyelenggara: r.provider,
                tahun_kursus: year,
            }
        })
        .collect();
    Ok((year, rows))
}
