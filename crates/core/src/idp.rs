//! Individual development plans (IDP; PP 11/2017 art. 203: every civil servant's development is
//! planned yearly). The plan and item lifecycles, the 20 JP a year, and the JP credit rules.
//!
//! Plan: `draft → submitted → approved | rejected`, and a rejected (or an approved plan being
//! edited) goes back to `draft` as a new revision. Item: `planned → in_progress → completed`, or
//! `cancelled` from either open state.

use crate::kinds::{ProgramForm, string_enum};
use serde::{Deserialize, Serialize};

/// PP 11/2017 art. 203(4): at least 20 JP of development per employee per year.
pub const JP_TARGET: u32 = 20;
/// The time zone of an organisation that has not set one (WIB).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Jakarta";
/// 1 JP (jam pelajaran) is 45 minutes.
pub const MINUTES_PER_JP: u32 = 45;

string_enum! {
    PlanStatus { Draft = "draft", Submitted = "submitted", Approved = "approved", Rejected = "rejected" }
}

string_enum! {
    ItemStatus { Planned = "planned", InProgress = "in_progress", Completed = "completed", Cancelled = "cancelled" }
}

string_enum! {
    /// What someone does to a plan.
    PlanAction { Edit = "edit", Submit = "submit", Approve = "approve", Reject = "reject" }
}

string_enum! {
    ItemAction { Start = "start", Complete = "complete", Cancel = "cancel" }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} plan cannot be {action}ed")]
pub struct IllegalPlanTransition {
    pub from: PlanStatus,
    pub action: PlanAction,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} item cannot be {verb}", verb = match action { ItemAction::Start => "started", ItemAction::Complete => "completed", ItemAction::Cancel => "cancelled" })]
pub struct IllegalItemTransition {
    pub from: ItemStatus,
    pub action: ItemAction,
}

/// The plan status after `action`, and whether the edit opens a new revision (editing an
/// approved or rejected plan starts a new draft; the decided revision stays readable).
pub fn plan_transition(
    from: PlanStatus,
    action: PlanAction,
) -> Result<(PlanStatus, bool), IllegalPlanTransition> {
    use PlanAction::*;
    use PlanStatus::*;
    match (from, action) {
        (Draft, Edit) => Ok((Draft, false)),
        (Approved | Rejected, Edit) => Ok((Draft, true)),
        (Draft, Submit) => Ok((Submitted, false)),
        (Submitted, Approve) => Ok((Approved, false)),
        (Submitted, Reject) => Ok((Rejected, false)),
        _ => Err(IllegalPlanTransition { from, action }),
    }
}

pub fn item_transition(
    from: ItemStatus,
    action: ItemAction,
) -> Result<ItemStatus, IllegalItemTransition> {
    use ItemAction::*;
    use ItemStatus::*;
    match (from, action) {
        (Planned, Start) => Ok(InProgress),
        (Planned | InProgress, Complete) => Ok(Completed),
        (Planned | InProgress, Cancel) => Ok(Cancelled),
        _ => Err(IllegalItemTransition { from, action }),
    }
}

/// JP credit per form: by default a program credits the JP it declares; an organisation may cap
/// the credit of a form per completion (e.g. a seminar), as configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JpRules {
    #[serde(default)]
    pub caps: Vec<(ProgramForm, u32)>,
}

impl JpRules {
    pub fn credit(&self, form: ProgramForm, jp: u32) -> u32 {
        self.caps
            .iter()
            .find(|(f, _)| *f == form)
            .map_or(jp, |(_, cap)| jp.min(*cap))
    }
}

/// The programs a development plan gets for `member` (with current `levels`): every
/// recommended program in a feasible order, the one(s) for the largest gap or for one
/// competency, or a named program; each with a due date spread over `year`. Generating a plan
/// and a workflow's plan step both plan with this.
pub fn programs_to_plan(
    org: &crate::org::Organisation,
    member: &crate::org::Member,
    levels: &[u8],
    choice: &crate::workflow::ProgramChoice,
    target: Option<u32>,
    year: i32,
    today: chrono::NaiveDate,
) -> Vec<(String, chrono::NaiveDate)> {
    use crate::workflow::ProgramChoice;
    let programs: Vec<String> = match choice {
        ProgramChoice::Program(code) => vec![code.clone()],
        // Toward a position nobody named: nothing to plan.
        ProgramChoice::TriggerPosition if target.is_none() => Vec::new(),
        _ => {
            let requirements = match choice {
                ProgramChoice::TriggerPosition => org
                    .requirements(member.unit, None, target)
                    .into_iter()
                    .filter(|r| matches!(r.source, crate::gap::Source::TargetPosition(_)))
                    .collect(),
                _ => org.requirements(member.unit, member.position, None),
            };
            let mut g = crate::gap::gaps(levels, &requirements);
            match choice {
                ProgramChoice::LargestGap => {
                    g.sort_by_key(|x| std::cmp::Reverse(x.size()));
                    g.truncate(1);
                }
                ProgramChoice::ForCompetency(c) => {
                    g.retain(|x| org.catalog.competency_code(x.competency) == c.as_str())
                }
                _ => {}
            }
            crate::recommend::recommend(&org.catalog, levels, &g)
                .programs
                .iter()
                .map(|p| org.catalog.program(p.program).code.clone())
                .collect()
        }
    };
    let dues = spread_due_dates(year, programs.len(), today);
    programs.into_iter().zip(dues).collect()
}

/// The JP of a year's plan items: completed (the JP credited) and still open (planned, neither
/// completed nor cancelled); what the plan holds is both. Cancelled items count nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JpTally {
    pub completed: u32,
    pub open: u32,
}

impl JpTally {
    /// Tallies items given as (status, JP as the item shows it: credited once completed).
    pub fn of(items: impl IntoIterator<Item = (ItemStatus, u32)>) -> Self {
        let mut tally = JpTally::default();
        for (status, jp) in items {
            match status {
                ItemStatus::Completed => tally.completed += jp,
                ItemStatus::Cancelled => {}
                ItemStatus::Planned | ItemStatus::InProgress => tally.open += jp,
            }
        }
        tally
    }

    /// All the JP the plan holds (completed and open).
    pub fn planned(self) -> u32 {
        self.completed + self.open
    }
}

/// Due dates spread over the months still ahead for `n` items in their feasible order: with
/// `m` months from this month (all twelve for a later year), item k is due at the end of the
/// ⌈m(k+1)/n⌉-th of them, so later items (which may need earlier ones) come later, the last is
/// due by the end of December, and none is due before `today`.
pub fn spread_due_dates(year: i32, n: usize, today: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    // The months still ahead: from this month in this year's plan, the whole of a later year's;
    // a past year's plan is due at its end.
    let first = match year.cmp(&today.year()) {
        std::cmp::Ordering::Equal => today.month(),
        std::cmp::Ordering::Greater => 1,
        std::cmp::Ordering::Less => 12,
    } as usize;
    let months = 12 - first + 1;
    (0..n)
        .map(|k| {
            let month = (first - 1 + (months * (k + 1)).div_ceil(n.max(1))).clamp(1, 12) as u32;
            let next = if month == 12 {
                chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            next.and_then(|d| d.pred_opt()).unwrap_or_default()
        })
        .collect()
}

/// The UTC offset of an Indonesian time zone (no daylight saving): WIB `Asia/Jakarta` and
/// `Asia/Pontianak` +7, WITA `Asia/Makassar` +8, WIT `Asia/Jayapura` +9.
pub fn utc_offset_hours(zone: &str) -> Option<i32> {
    match zone {
        "Asia/Jakarta" | "Asia/Pontianak" | "WIB" => Some(7),
        "Asia/Makassar" | "WITA" => Some(8),
        "Asia/Jayapura" | "WIT" => Some(9),
        _ => None,
    }
}

/// Today's date in the organisation's time zone (Asia/Jakarta when the zone is unknown).
/// The moment `date` begins in the organisation's time zone.
pub fn start_of_day_in(zone: &str, date: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let hours = utc_offset_hours(zone).unwrap_or(7);
    date.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(i64::from(hours))
}

pub fn today_in(zone: &str, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    local_time_in(zone, now).date()
}

/// The wall-clock time in `zone` at `now` (WIB for an unknown zone).
pub fn local_time_in(zone: &str, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    let hours = utc_offset_hours(zone).unwrap_or(7);
    (now + chrono::Duration::hours(i64::from(hours))).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jp_are_tallied_completed_and_open_never_cancelled() {
        let t = JpTally::of([
            (ItemStatus::Completed, 8),
            (ItemStatus::InProgress, 5),
            (ItemStatus::Planned, 3),
            (ItemStatus::Cancelled, 40),
        ]);
        assert_eq!(
            t,
            JpTally {
                completed: 8,
                open: 8
            }
        );
        assert_eq!(t.planned(), 16);
    }

    #[test]
    fn every_plan_transition() {
        use PlanAction::*;
        use PlanStatus::*;
        let legal = [
            (Draft, Edit, Draft, false),
            (Approved, Edit, Draft, true),
            (Rejected, Edit, Draft, true),
            (Draft, Submit, Submitted, false),
            (Submitted, Approve, Approved, false),
            (Submitted, Reject, Rejected, false),
        ];
        for from in PlanStatus::ALL {
            for action in PlanAction::ALL {
                let expected = legal.iter().find(|l| l.0 == *from && l.1 == *action);
                match (plan_transition(*from, *action), expected) {
                    (Ok(got), Some(l)) => assert_eq!(got, (l.2, l.3)),
                    (Err(_), None) => {}
                    (got, _) => panic!("{from} {action}: {got:?}"),
                }
            }
        }
    }

    #[test]
    fn every_item_transition() {
        use ItemAction::*;
        use ItemStatus::*;
        assert_eq!(item_transition(Planned, Start), Ok(InProgress));
        assert_eq!(item_transition(InProgress, Complete), Ok(Completed));
        assert_eq!(item_transition(Planned, Complete), Ok(Completed));
        assert_eq!(item_transition(InProgress, Cancel), Ok(Cancelled));
        for (from, action) in [
            (InProgress, Start),
            (Completed, Start),
            (Completed, Complete),
            (Completed, Cancel),
            (Cancelled, Start),
            (Cancelled, Complete),
            (Cancelled, Cancel),
        ] {
            assert!(item_transition(from, action).is_err(), "{from} {action}");
        }
        assert_eq!(
            item_transition(Completed, Cancel).unwrap_err().to_string(),
            "a completed item cannot be cancelled"
        );
    }

    #[test]
    fn due_dates_spread_to_december() {
        let jan = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let d = spread_due_dates(2026, 4, jan);
        let s: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(s, ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]);
        assert_eq!(spread_due_dates(2026, 1, jan)[0].to_string(), "2026-12-31");
        let many = spread_due_dates(2028, 30, jan);
        assert!(many.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(many[29].to_string(), "2028-12-31");
        assert_eq!(many[0].to_string(), "2028-01-31");
    }

    #[test]
    fn a_plan_made_late_in_the_year_is_never_due_in_the_past() {
        let late = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let d = spread_due_dates(2026, 4, late);
        let s: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(s, ["2026-11-30", "2026-11-30", "2026-12-31", "2026-12-31"]);
        assert!(d.iter().all(|d| *d >= late));
        // Next year's plan made now spreads over all of next year.
        assert_eq!(spread_due_dates(2027, 2, late)[0].to_string(), "2027-06-30");
        // A past year's plan is due at its end.
        assert_eq!(spread_due_dates(2025, 3, late)[0].to_string(), "2025-12-31");
    }

    #[test]
    fn jp_credit_follows_the_caps() {
        let rules = JpRules {
            caps: vec![(ProgramForm::Seminar, 8)],
        };
        assert_eq!(rules.credit(ProgramForm::Seminar, 16), 8);
        assert_eq!(rules.credit(ProgramForm::Kursus, 16), 16);
    }
}
