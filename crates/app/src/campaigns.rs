//! Change-adoption campaigns (ADKAR): reading a campaign's definition (shared by the API and
//! seeding), launching and changing campaigns, stages, activities, surveys and the dashboard.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::fields::{Fields, finish};
use chrono::NaiveDate;
use jenjang_core::access::Action;
use jenjang_core::adkar::{ActivityKind, Stage, elapsed_fraction, on_track, summarise};
use jenjang_core::kinds::PositionKind;
use jenjang_core::{FieldError, Nip};
use jenjang_store::campaigns::{
    Activity, Campaign, CampaignInput, Resistance, StageInput, StageRecorded, Survey, Target,
};
use jenjang_store::{Page, Paging};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD; found {s}"))
}

/// Reads a campaign in the API's JSON shape (a request body, or a seed file's `campaign`); the
/// code comes from the path on an update. Every bad field is reported.
pub fn read_campaign(
    body: &serde_json::Value,
    code: Option<&str>,
) -> Result<CampaignInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = match code {
        Some(c) => Some(c.to_string()),
        None => f.parse("code", |s| {
            jenjang_core::Code::parse(s).map(|c| c.to_string())
        }),
    };
    let title = f.text("title");
    let description = f.opt_long_text("description");
    let sponsor = f.parse("sponsor_nip", |s| Nip::parse(s).map(|n| n.to_string()));
    let units = f.strings("units", true);
    let kinds = f.strings("position_kinds", false);
    if let Some(k) = &kinds {
        for (i, kind) in k.iter().enumerate() {
            if let Err(e) = kind.parse::<PositionKind>() {
                f.error(&format!("position_kinds[{i}]"), e.to_string());
            }
        }
    }
    let starts = f.parse("starts", date);
    let ends = f.parse("ends", date);
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        f.error("ends", format!("must come after starts ({s})"));
    }
    let target = f.number("adoption_target", 0.01, 1.0);
    let adopted_from = match f.opt_text("adopted_from").as_deref() {
        None | Some("reinforcement") => Some(Stage::Reinforcement),
        Some("ability") => Some(Stage::Ability),
        Some(other) => {
            f.error(
                "adopted_from",
                format!("'{other}' is not one of: reinforcement, ability"),
            );
            None
        }
    };
    let allow_skips = f.opt_bool("allow_skips", false);
    let parsed = (|| {
        Some(CampaignInput {
            code: code?,
            title: title?,
            description,
            sponsor_nip: sponsor?,
            units: units?,
            position_kinds: kinds?,
            starts: starts?,
            ends: ends?,
            adoption_target: target?,
            adopted_from: adopted_from?,
            allow_skips: allow_skips?,
        })
    })();
    finish(parsed, errors)
}

/// Whether the caller sponsors the campaign.
fn sponsors(cx: &Context<'_>, c: &Campaign) -> bool {
    cx.caller
        .nip
        .as_ref()
        .is_some_and(|n| n.as_str() == c.sponsor_nip)
}

/// Checks that the caller may manage the campaign (hr/admin everything; its sponsor; a leader
/// whose led units include every unit in `units`).
async fn require_manage(cx: &Context<'_>, c: &Campaign, units: &[String]) -> AppResult<()> {
    let led = cx.led_units().await?;
    cx.require(Action::ManageCampaign {
        in_led_subtree: !units.is_empty() && units.iter().all(|u| led.contains(u)),
        is_sponsor: sponsors(cx, c),
    })
}

/// Campaign `code`, which the caller must be allowed to manage (for its stage imports, say).
pub async fn managed(cx: &Context<'_>, code: &str) -> AppResult<Campaign> {
    let c = cx.store.get_campaign(code).await?;
    require_manage(cx, &c, &c.units).await?;
    Ok(c)
}

/// Who may follow a campaign (its dashboard and activities): hr/admin, its sponsor, or a leader
/// heading a unit some of its targets work in. Returns the targets read for the check.
async fn require_follow(cx: &Context<'_>, c: &Campaign) -> AppResult<Vec<Target>> {
    let led = cx.led_units().await?;
    let targets = cx.store.campaign_targets(c).await?;
    cx.require(Action::ManageCampaign {
        in_led_subtree: targets.iter().any(|t| led.contains(&t.unit)),
        is_sponsor: sponsors(cx, c),
    })?;
    Ok(targets)
}

/// Every campaign, oldest first (anyone signed in may see what campaigns run).
pub async fn list(cx: &Context<'_>, paging: Paging) -> AppResult<Page<Campaign>> {
    Ok(cx.store.list_campaigns(paging).await?)
}

/// A campaign as its list shows it to the caller: whether they may follow its dashboard, and,
/// when they are one of its targets, their own ADKAR stage.
#[derive(Debug, Serialize)]
pub struct CampaignListing {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub followable: bool,
    pub targeted: bool,
    pub my_stage: Option<Stage>,
}

/// The campaigns with what the caller may do in each: the list a person sees.
pub async fn overview(cx: &Context<'_>, paging: Paging) -> AppResult<Page<CampaignListing>> {
    let page = cx.store.list_campaigns(paging).await?;
    let org = cx.organisation().await?;
    let (total, limit, offset) = (page.total, page.limit, page.offset);
    let led = cx.led_units().await?;
    // Where the caller works, to tell whether a campaign targets them.
    let me = match &cx.caller.nip {
        Some(nip) => Some(cx.store.get_employee(nip.as_str()).await?),
        None => None,
    };
    let my_stages: BTreeMap<String, Stage> = match &me {
        Some(e) => cx
            .store
            .stages_of(e.nip.as_str())
            .await?
            .into_iter()
            .collect(),
        None => BTreeMap::new(),
    };
    let whole = cx
        .require(Action::ManageCampaign {
            in_led_subtree: false,
            is_sponsor: false,
        })
        .is_ok();
    let within = |unit: &str, campaign: &Campaign| {
        org.units.index(unit).is_some_and(|u| {
            campaign
                .units
                .iter()
                .filter_map(|c| org.units.index(c))
                .any(|c| org.units.within(u, c))
        })
    };
    let mut items = Vec::with_capacity(page.items.len());
    for c in page.items {
        let followable = whole
            || sponsors(cx, &c)
            // A leader whose units the campaign reaches: checked against its targets.
            || (led.iter().any(|u| within(u, &c)) && require_follow(cx, &c).await.is_ok());
        let targeted = me.as_ref().is_some_and(|e| {
            within(e.unit.as_str(), &c)
                && (c.position_kinds.is_empty()
                    || e.position.as_ref().is_some_and(|p| {
                        org.position(p.as_str()).is_some_and(|i| {
                            c.position_kinds
                                .iter()
                                .any(|k| k == org.positions[i as usize].kind.as_str())
                        })
                    }))
        });
        let my_stage = my_stages.get(&c.code).copied();
        items.push(CampaignListing {
            campaign: c,
            followable,
            targeted,
            my_stage,
        });
    }
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// Launches a campaign: hr/admin, or a leader for units within their subtree.
pub async fn create(cx: &Context<'_>, input: CampaignInput) -> AppResult<Campaign> {
    let led = cx.led_units().await?;
    cx.require(Action::ManageCampaign {
        in_led_subtree: input.units.iter().all(|u| led.contains(u)),
        is_sponsor: false,
    })?;
    Ok(cx.store.create_campaign(&cx.actor(), &input).await?)
}

/// Changes campaign `code`: whoever may manage it now, and for the units it will have.
pub async fn update(
    cx: &Context<'_>,
    code: &str,
    input: Result<CampaignInput, Vec<FieldError>>,
) -> AppResult<Campaign> {
    let current = managed(cx, code).await?;
    let input = input.map_err(AppError::Invalid)?;
    let led = cx.led_units().await?;
    cx.require(Action::ManageCampaign {
        in_led_subtree: input.units.iter().all(|u| led.contains(u)),
        is_sponsor: sponsors(cx, &current),
    })?;
    Ok(cx.store.update_campaign(&cx.actor(), &input).await?)
}

/// Records one employee's ADKAR stage (rules in `core::adkar`): the employee themself, their
/// supervisor, a leader of their subtree, the sponsor, or hr.
pub async fn record_stage(
    cx: &Context<'_>,
    code: &str,
    input: Result<StageInput, Vec<FieldError>>,
) -> AppResult<StageRecorded> {
    let c = cx.store.get_campaign(code).await?;
    let input = input.map_err(AppError::Invalid)?;
    if !sponsors(cx, &c) {
        let relation = cx
            .store
            .relation(cx.caller.nip.as_ref(), &input.nip)
            .await?;
        cx.require(Action::RecordAdoption(relation))?;
    }
    let (mut done, rejected) = cx
        .store
        .record_stages(&cx.actor(), code, &[input], "manual", false)
        .await?;
    if let Some((_, problem)) = rejected.into_iter().next() {
        return Err(AppError::Invalid(vec![problem]));
    }
    Ok(done.remove(0))
}

/// The targets whose stage, activities and surveys the caller may record in campaign `code`,
/// with their current stage: all of them for hr and the sponsor, those in the units they lead
/// for a leader following it.
pub async fn recordable_targets(cx: &Context<'_>, code: &str) -> AppResult<Vec<Target>> {
    let c = cx.store.get_campaign(code).await?;
    let targets = require_follow(cx, &c).await?;
    let whole = sponsors(cx, &c)
        || cx
            .require(Action::ManageCampaign {
                in_led_subtree: false,
                is_sponsor: false,
            })
            .is_ok();
    if whole {
        return Ok(targets);
    }
    let led = cx.led_units().await?;
    Ok(targets
        .into_iter()
        .filter(|t| led.contains(&t.unit))
        .collect())
}

/// The campaign's activities, for those who follow it.
pub async fn activities(cx: &Context<'_>, code: &str) -> AppResult<Vec<Activity>> {
    let c = cx.store.get_campaign(code).await?;
    require_follow(cx, &c).await?;
    Ok(cx.store.campaign_activities(code).await?)
}

/// An activity as recorded by its organiser.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub unit: String,
    pub held_on: NaiveDate,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub attendees: Vec<String>,
}

/// Records an activity (the same one sent again is returned, `false`, not doubled): the
/// sponsor, a leader of the activity's unit, or hr.
pub async fn add_activity(
    cx: &Context<'_>,
    code: &str,
    input: Result<NewActivity, Vec<FieldError>>,
) -> AppResult<(Activity, bool)> {
    let c = cx.store.get_campaign(code).await?;
    let a = input.map_err(AppError::Invalid)?;
    let led = cx.led_units().await?;
    cx.require(Action::ManageCampaign {
        in_led_subtree: led.contains(&a.unit),
        is_sponsor: sponsors(cx, &c),
    })?;
    Ok(cx
        .store
        .add_activity(
            &cx.actor(),
            code,
            a.kind,
            &a.unit,
            a.held_on,
            a.title.as_deref(),
            a.notes.as_deref(),
            &a.attendees,
        )
        .await?)
}

/// ADKAR survey scores (1..5 per element, in `Stage::ALL` order) for an employee or a unit.
#[derive(Debug, Clone)]
pub struct NewSurvey {
    pub nip: Option<String>,
    pub unit: Option<String>,
    pub scores: [i16; 5],
    pub surveyed_on: Option<NaiveDate>,
}

/// Records ADKAR survey scores for an employee or a unit, dated today in the organisation's
/// time zone unless `surveyed_on` is given: whoever may manage the campaign, or the leader of
/// the surveyed unit.
pub async fn add_survey(
    cx: &Context<'_>,
    code: &str,
    input: Result<NewSurvey, Vec<FieldError>>,
) -> AppResult<Survey> {
    let c = cx.store.get_campaign(code).await?;
    let input = input.map_err(AppError::Invalid)?;
    // As for activities: the leader of the surveyed unit (or of the employee's unit) may
    // enter it, besides whoever manages the whole campaign.
    let led = cx.led_units().await?;
    let in_led_subtree = match (&input.unit, &input.nip) {
        (Some(unit), _) => led.contains(unit),
        (None, Some(nip)) => cx
            .store
            .get_employee(nip)
            .await
            .is_ok_and(|e| led.contains(e.unit.as_str())),
        (None, None) => false,
    };
    if cx
        .require(Action::ManageCampaign {
            in_led_subtree,
            is_sponsor: sponsors(cx, &c),
        })
        .is_err()
    {
        require_manage(cx, &c, &c.units).await?;
    }
    let survey = Survey {
        nip: input.nip,
        unit: input.unit,
        scores: input.scores,
        surveyed_on: match input.surveyed_on {
            Some(d) => d,
            None => cx.store.today().await?,
        },
    };
    cx.store
        .add_campaign_survey(&cx.actor(), code, &survey)
        .await?;
    Ok(survey)
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
    pub resistance: Vec<Resistance>,
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
/// with barrier point and remedy, activities, resistance log and survey averages (the rules
/// are `core::adkar`'s). The sponsor, leaders of its units, hr.
pub async fn dashboard(cx: &Context<'_>, code: &str) -> AppResult<Dashboard> {
    let c = cx.store.get_campaign(code).await?;
    let targets = require_follow(cx, &c).await?;
    let today = cx.store.today().await?;
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
    let (surveys, averages) = cx.store.campaign_survey_averages(code).await?;
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
        activities: cx.store.campaign_activities(code).await?,
        resistance: cx.store.campaign_resistance(code).await?,
        survey: (surveys > 0).then(|| {
            Stage::ALL
                .iter()
                .map(|st| (st.as_str(), averages[st.index()]))
                .collect()
        }),
    })
}
