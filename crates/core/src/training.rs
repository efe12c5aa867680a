//! The training cycle (PP 11/2017 art. 207–212): a computed training plan saved as numbered
//! versions per year and unit scope, one adopted at a time; adopting creates the cohorts
//! (angkatan) and enrols their participants. What a saved plan and a fresh computation of the
//! same inputs differ in decides whether adopting needs confirmation.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

crate::kinds::string_enum! {
    /// Where a saved training plan stands.
    TrainingPlanStatus { Draft = "draft", Adopted = "adopted", Withdrawn = "withdrawn" }
}

crate::kinds::string_enum! {
    /// A participant of a cohort: enrolled, or the result recorded (or withdrawn).
    ParticipantStatus {
        Enrolled = "enrolled",
        Lulus = "lulus",
        TidakLulus = "tidak_lulus",
        TidakHadir = "tidak_hadir",
        Withdrawn = "withdrawn",
    }
}

/// Why a step on a saved plan is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanStepRefused {
    #[error("only a draft can be adopted")]
    NotDraft,
    #[error("a withdrawn plan stays withdrawn")]
    AlreadyWithdrawn,
}

/// The status after adopting.
pub fn adopt(current: TrainingPlanStatus) -> Result<TrainingPlanStatus, PlanStepRefused> {
    match current {
        TrainingPlanStatus::Draft => Ok(TrainingPlanStatus::Adopted),
        _ => Err(PlanStepRefused::NotDraft),
    }
}

/// The status after withdrawing (a draft no longer wanted, or an adopted plan replaced).
pub fn withdraw(current: TrainingPlanStatus) -> Result<TrainingPlanStatus, PlanStepRefused> {
    match current {
        TrainingPlanStatus::Withdrawn => Err(PlanStepRefused::AlreadyWithdrawn),
        _ => Ok(TrainingPlanStatus::Withdrawn),
    }
}

/// How a plan computed now differs from the one saved: programs only in one of them, and
/// per program present in both the participants who came or went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanDifferences {
    pub programs_added: Vec<String>,
    pub programs_removed: Vec<String>,
    pub participants_added: BTreeMap<String, Vec<String>>,
    pub participants_removed: BTreeMap<String, Vec<String>>,
    pub cost_saved_idr: i64,
    pub cost_now_idr: i64,
}

impl PlanDifferences {
    pub fn is_empty(&self) -> bool {
        self.programs_added.is_empty()
            && self.programs_removed.is_empty()
            && self.participants_added.is_empty()
            && self.participants_removed.is_empty()
            && self.cost_saved_idr == self.cost_now_idr
    }
}

/// Compares two plans given as program → participants (several cohorts of one program merged)
/// with their costs.
pub fn differences(
    saved: &BTreeMap<String, BTreeSet<String>>,
    now: &BTreeMap<String, BTreeSet<String>>,
    cost_saved_idr: i64,
    cost_now_idr: i64,
) -> PlanDifferences {
    let mut d = PlanDifferences {
        cost_saved_idr,
        cost_now_idr,
        ..Default::default()
    };
    for (program, people) in now {
        match saved.get(program) {
            None => d.programs_added.push(program.clone()),
            Some(before) => {
                let came: Vec<String> = people.difference(before).cloned().collect();
                let went: Vec<String> = before.difference(people).cloned().collect();
                if !came.is_empty() {
                    d.participants_added.insert(program.clone(), came);
                }
                if !went.is_empty() {
                    d.participants_removed.insert(program.clone(), went);
                }
            }
        }
    }
    d.programs_removed = saved
        .keys()
        .filter(|p| !now.contains_key(*p))
        .cloned()
        .collect();
    d
}

/// Why a result is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResultRefused {
    #[error("the participant was withdrawn from the cohort")]
    Withdrawn,
    #[error("a pass is final: the program is completed and its JP credited")]
    PassIsFinal,
    #[error("a result is lulus, tidak_lulus or tidak_hadir")]
    NotAResult,
}

/// What recording `new` for a participant now at `current` does: `Ok(true)` when it completes
/// the program (a first pass), `Ok(false)` when it only records the result (a pass again changes
/// no credit).
pub fn record_result(
    current: ParticipantStatus,
    new: ParticipantStatus,
) -> Result<bool, ResultRefused> {
    use ParticipantStatus::*;
    match (current, new) {
        (_, Enrolled | Withdrawn) => Err(ResultRefused::NotAResult),
        (Withdrawn, _) => Err(ResultRefused::Withdrawn),
        (Lulus, Lulus) => Ok(false),
        (Lulus, _) => Err(ResultRefused::PassIsFinal),
        (_, Lulus) => Ok(true),
        _ => Ok(false),
    }
}

/// The code of the `n`-th cohort (from 1) of `program` in `year`: `2026-LATSAR-01`.
pub fn cohort_code(year: i32, program: &str, n: usize) -> String {
    format!("{year}-{program}-{n:02}")
}

/// The day a participant's plan item is due: the last day of the cohort's quarter
/// (`2026-Q2` → 30 June 2026), or of its year.
pub fn due_of(schedule: &str) -> Option<chrono::NaiveDate> {
    let period = crate::period::Period::parse(schedule).ok()?;
    let (_, end) = period.days();
    end.pred_opt()
}

/// The reaction survey offered to a participant who passed (Kirkpatrick level 1): each statement
/// rated 1 (sangat tidak setuju) to 5 (sangat setuju) — the training was relevant to the work,
/// the material was clear, the facilitators were competent, the organisation was good.
pub const REACTION_QUESTIONS: [&str; 4] = ["relevan", "materi", "fasilitator", "penyelenggaraan"];

/// Who may answer the reaction survey of a cohort: a participant who passed.
pub fn may_answer_reaction(status: ParticipantStatus) -> bool {
    status == ParticipantStatus::Lulus
}

/// How a competency level moved across `on` (a training's completion): the last level measured
/// before that day against the last measured after it (`history` by date). `None` unless both
/// exist — a change is only claimed where it was measured.
pub fn level_change(history: &[(chrono::NaiveDate, u8)], on: chrono::NaiveDate) -> Option<i32> {
    let before = history.iter().rev().find(|(d, _)| *d < on)?.1;
    let after = history.iter().rev().find(|(d, _)| *d > on)?.1;
    Some(i32::from(after) - i32::from(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(entries: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        entries
            .iter()
            .map(|(p, people)| {
                (
                    p.to_string(),
                    people.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_draft_is_adopted_once_and_anything_but_a_withdrawn_plan_is_withdrawn() {
        use TrainingPlanStatus::*;
        assert_eq!(adopt(Draft), Ok(Adopted));
        assert_eq!(adopt(Adopted), Err(PlanStepRefused::NotDraft));
        assert_eq!(adopt(Withdrawn), Err(PlanStepRefused::NotDraft));
        assert_eq!(withdraw(Adopted), Ok(Withdrawn));
        assert_eq!(withdraw(Draft), Ok(Withdrawn));
        assert_eq!(withdraw(Withdrawn), Err(PlanStepRefused::AlreadyWithdrawn));
    }

    #[test]
    fn differences_name_programs_and_people_that_came_or_went() {
        let saved = plan(&[("LATSAR", &["a", "b"]), ("PKA", &["c"])]);
        let now = plan(&[("LATSAR", &["b", "d"]), ("BIMTEK", &["e"])]);
        let d = differences(&saved, &now, 100, 120);
        assert_eq!(d.programs_added, ["BIMTEK"]);
        assert_eq!(d.programs_removed, ["PKA"]);
        assert_eq!(d.participants_added["LATSAR"], ["d"]);
        assert_eq!(d.participants_removed["LATSAR"], ["a"]);
        assert!(!d.is_empty());
        assert!(differences(&saved, &saved, 100, 100).is_empty());
        assert!(!differences(&saved, &saved, 100, 90).is_empty());
    }

    #[test]
    fn a_first_pass_completes_the_program_once_and_stays_final() {
        use ParticipantStatus::*;
        assert_eq!(record_result(Enrolled, Lulus), Ok(true));
        assert_eq!(record_result(TidakHadir, Lulus), Ok(true));
        assert_eq!(record_result(Lulus, Lulus), Ok(false));
        assert_eq!(record_result(Enrolled, TidakLulus), Ok(false));
        assert_eq!(
            record_result(Lulus, TidakHadir),
            Err(ResultRefused::PassIsFinal)
        );
        assert_eq!(
            record_result(Withdrawn, Lulus),
            Err(ResultRefused::Withdrawn)
        );
        assert_eq!(
            record_result(Enrolled, Enrolled),
            Err(ResultRefused::NotAResult)
        );
    }

    #[test]
    fn cohorts_are_numbered_and_due_at_their_quarters_end() {
        assert_eq!(cohort_code(2026, "LATSAR", 3), "2026-LATSAR-03");
        assert_eq!(
            due_of("2026-Q2"),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 30)
        );
        assert_eq!(
            due_of("2026"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
        );
        assert_eq!(due_of("sometime"), None);
    }

    #[test]
    fn a_level_change_needs_a_measure_before_and_after() {
        let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let history = [(d(1, 10), 2), (d(3, 1), 2), (d(6, 30), 3), (d(9, 30), 4)];
        // The last before and the last after: 2 → 4.
        assert_eq!(level_change(&history, d(5, 1)), Some(2));
        // A measure on the day itself is neither.
        assert_eq!(level_change(&history, d(6, 30)), Some(2));
        assert_eq!(level_change(&history, d(1, 1)), None);
        assert_eq!(level_change(&history, d(12, 1)), None);
        assert_eq!(level_change(&[(d(9, 30), 1)], d(5, 1)), None);
        assert_eq!(
            level_change(&[(d(1, 30), 4), (d(9, 30), 3)], d(5, 1)),
            Some(-1)
        );
        assert!(may_answer_reaction(ParticipantStatus::Lulus));
        assert!(!may_answer_reaction(ParticipantStatus::TidakHadir));
    }
}
