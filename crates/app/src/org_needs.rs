//! How far an organisational need is: eligible employees, meeting it now, planned to meet it,
//! on track. The rule is `NeedProgress::of` in core, counted by the needs index.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_store::{NewOrgNeed, OrgNeedRecord, Page, Paging};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgNeedProgress {
    pub id: i64,
    /// The unit subtree counted: the need's unit, or, for a unit head who may not analyse all of
    /// it, the part of it they lead.
    pub scope: String,
    /// Employees of the unit subtree (and position kind) the need applies to.
    pub eligible: u64,
    /// Of those, holding the level now.
    pub meeting: u64,
    pub share: f64,
    /// Of those not meeting it, how many have approved plan items that will bring them to it.
    pub planned: u64,
    pub projected_share: f64,
    pub target_share: f64,
    pub due: NaiveDate,
    /// The projected share reaches the target (or, past the due date, the share does).
    pub on_track: bool,
}

/// Organisational needs (of `unit` when given), oldest first: whoever may read reference data.
pub async fn list(
    cx: &Context<'_>,
    unit: Option<&str>,
    paging: Paging,
) -> AppResult<Page<OrgNeedRecord>> {
    cx.require(Action::ReadReference)?;
    Ok(cx.store.list_org_needs(paging, unit).await?)
}

/// Records an organisational need as read from a request (every bad field answered at once,
/// after the caller was found allowed): for whoever may manage `unit` (hr, admin, its head's
/// chain). A unit that does not exist is a problem of the field `unit`.
pub async fn create(
    cx: &Context<'_>,
    need: Result<NewOrgNeed, Vec<FieldError>>,
) -> AppResult<OrgNeedRecord> {
    let need = need.map_err(AppError::Invalid)?;
    cx.require_unit(&need.unit, true)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => {
                AppError::Invalid(vec![FieldError::unknown("unit", "unit", &need.unit)])
            }
            other => other,
        })?;
    Ok(cx.store.create_org_need(&cx.actor(), need).await?)
}

/// The part of a need on `unit` the caller may follow: all of it for whoever may analyse the
/// unit (hr, admin, the head of a unit above it), else the top unit the caller leads within it
/// (a unit head follows the need among their own staff); `None` when they lead nothing there.
/// `led` is the caller's led units (`Context::led_units`).
pub fn scope_of(
    cx: &Context<'_>,
    org: &jenjang_core::org::Organisation,
    led: &std::collections::HashSet<String>,
    unit: &str,
) -> Option<String> {
    if cx
        .require(Action::AnalyseUnit {
            in_led_subtree: led.contains(unit),
        })
        .is_ok()
    {
        return Some(unit.to_string());
    }
    let within = |code: &str| {
        let mut at = org.units.index(code);
        while let Some(i) = at {
            if org.units.code(i) == unit {
                return true;
            }
            at = org.units.parent(i);
        }
        false
    };
    let mut tops: Vec<&String> = led
        .iter()
        .filter(|code| within(code))
        .filter(|code| {
            org.units
                .index(code)
                .and_then(|i| org.units.parent(i))
                .is_none_or(|p| !led.contains(org.units.code(p)))
        })
        .collect();
    tops.sort();
    tops.first().map(|u| u.to_string())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The progress of need `id`, as of the organisation's today. Who may analyse the need's unit
/// may see it. Counted from the needs index kept current from the change feed (its subtree sums
/// hold every need's eligible and meeting counts), so only the planned list is read per call.
pub async fn progress(cx: &Context<'_>, id: &str) -> AppResult<OrgNeedProgress> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("org need {id} was not found")))?;
    let need = cx.store.get_org_need(id).await?;
    let led = cx.led_units().await?;
    let planned = cx
        .store
        .planned_to_reach(&need.competency, need.level, need.due)
        .await?;
    let today = cx.store.today().await?;
    let (scope, progress) = cx
        .analytics
        .with_needs(cx.store, |org, index| {
            let scope = scope_of(cx, org, &led, &need.unit).ok_or(AppError::Forbidden)?;
            let unit = org.units.index(&scope).ok_or_else(|| {
                AppError::NotFound(format!("unit {scope} of org need {id} was not found"))
            })?;
            let progress = org
                .needs
                .iter()
                .position(|n| n.id == id)
                .map(|n| index.need_progress(org, n, Some(unit), &planned, today))
                .unwrap_or_default();
            Ok((scope, progress))
        })
        .await?;
    Ok(OrgNeedProgress {
        id,
        scope,
        eligible: progress.eligible,
        meeting: progress.meeting,
        share: round4(progress.share),
        planned: progress.planned,
        projected_share: round4(progress.projected_share),
        target_share: need.target_share,
        due: need.due,
        on_track: progress.on_track,
    })
}
