//! Change adoption by ADKAR (awareness → desire → knowledge → ability → reinforcement): the
//! funnel of a campaign, each unit's barrier point, and the activity that answers it.
//!
//! An employee's stage is the furthest element reached; moving back is resistance and needs a
//! note. A unit's barrier point is the first element that fewer than the campaign's target share
//! of its targeted employees have reached.

use crate::kinds::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// The ADKAR elements, in order.
    Stage {
        Awareness = "awareness",
        Desire = "desire",
        Knowledge = "knowledge",
        Ability = "ability",
        Reinforcement = "reinforcement",
    }
}

string_enum! {
    /// Campaign activities.
    ActivityKind {
        Sosialisasi = "sosialisasi",
        Workshop = "workshop",
        CoachingClinic = "coaching_clinic",
        Survey = "survey",
        Pendampingan = "pendampingan",
        Other = "other",
    }
}

impl Stage {
    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The activity that best moves people past this element: awareness → sosialisasi,
    /// desire → pendampingan, knowledge and ability → workshop (training) or coaching clinic,
    /// reinforcement → pendampingan.
    pub fn remedy(self) -> ActivityKind {
        match self {
            Stage::Awareness => ActivityKind::Sosialisasi,
            Stage::Desire | Stage::Reinforcement => ActivityKind::Pendampingan,
            Stage::Knowledge => ActivityKind::Workshop,
            Stage::Ability => ActivityKind::CoachingClinic,
        }
    }
}

/// What recording a new stage means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The first stage recorded, or a step forward (`skipped` elements jumped over).
    Forward { skipped: usize },
    /// The same stage again.
    Same,
    /// A step back: resistance.
    Back,
}

impl Move {
    /// How the move is recorded: `forward`, `same` or `back`.
    pub fn as_str(self) -> &'static str {
        match self {
            Move::Forward { .. } => "forward",
            Move::Same => "same",
            Move::Back => "back",
        }
    }

    /// A step back is resistance (kept, with its note, for the campaign's resistance list).
    pub fn is_resistance(self) -> bool {
        self == Move::Back
    }
}

impl ActivityKind {
    /// The stage an activity of this kind brings the attendees who have none yet to: a
    /// sosialisasi makes them aware; other activities move nobody by themselves.
    pub fn first_stage_of_attendees(self) -> Option<Stage> {
        match self {
            ActivityKind::Sosialisasi => Some(Stage::Awareness),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("moving from {from} back to {to} is resistance: a note saying why is required")]
    BackWithoutNote { from: Stage, to: Stage },
    #[error(
        "{} to {to} skips {skipped} element(s); this campaign records each element in turn, from awareness",
        describe(*.from)
    )]
    Skip {
        from: Option<Stage>,
        to: Stage,
        skipped: usize,
    },
}

fn describe(stage: Option<Stage>) -> String {
    stage.map_or_else(|| "no stage yet".to_string(), |s| s.to_string())
}

/// Checks a stage change. `allow_skips` lets a campaign record a jump forward; without it,
/// someone with no stage yet starts at awareness and moves one element at a time.
pub fn stage_move(
    from: Option<Stage>,
    to: Stage,
    note: Option<&str>,
    allow_skips: bool,
) -> Result<Move, StageError> {
    let Some(from_stage) = from else {
        let skipped = to.index();
        if skipped > 0 && !allow_skips {
            return Err(StageError::Skip { from, to, skipped });
        }
        return Ok(Move::Forward { skipped });
    };
    let from = from_stage;
    let (f, t) = (from.index(), to.index());
    if t == f {
        return Ok(Move::Same);
    }
    if t < f {
        return match note {
            Some(n) if !n.trim().is_empty() => Ok(Move::Back),
            _ => Err(StageError::BackWithoutNote { from, to }),
        };
    }
    let skipped = t - f - 1;
    if skipped > 0 && !allow_skips {
        return Err(StageError::Skip {
            from: Some(from),
            to,
            skipped,
        });
    }
    Ok(Move::Forward { skipped })
}

/// How many of `targets` employees have reached each element (an employee at `ability` has
/// reached awareness, desire, knowledge and ability).
pub fn funnel(stages: impl IntoIterator<Item = Option<Stage>>) -> (u64, [u64; 5]) {
    let mut reached = [0u64; 5];
    let mut targets = 0u64;
    for s in stages {
        targets += 1;
        if let Some(s) = s {
            for r in reached.iter_mut().take(s.index() + 1) {
                *r += 1;
            }
        }
    }
    (targets, reached)
}

/// The first element fewer than `target_share` of the targets have reached; none when all have
/// been reached by enough (or there is nobody to reach).
pub fn barrier(targets: u64, reached: &[u64; 5], target_share: f64) -> Option<Stage> {
    if targets == 0 {
        return None;
    }
    Stage::ALL
        .iter()
        .copied()
        .find(|s| (reached[s.index()] as f64) < target_share * targets as f64 - 1e-9)
}

/// Whether adoption is on track: the adopted share against the target pro-rated by the elapsed
/// part of the campaign (at the end, the full target).
pub fn on_track(adopted_share: f64, target_share: f64, elapsed_fraction: f64) -> bool {
    adopted_share + 1e-9 >= target_share * elapsed_fraction.clamp(0.0, 1.0)
}

/// One group's (a campaign's or a unit's) adoption at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Employees targeted (the denominator).
    pub targets: u64,
    /// How many have reached each element, in ADKAR order (the funnel).
    pub reached: [u64; 5],
    /// How many are at each element now.
    pub at_stage: [u64; 5],
    /// Targets with no stage recorded yet.
    pub not_started: u64,
    /// How many count as adopted (reached `adopted_from`).
    pub adopted: u64,
    /// adopted / targets (0 when there are no targets).
    pub share: f64,
    /// The first element fewer than the target share have reached.
    pub barrier: Option<Stage>,
}

/// Summarises the stages of a group's targets. `adopted_from` is what counts as adopted
/// (`reinforcement` by default, or `ability`).
pub fn summarise(
    stages: impl IntoIterator<Item = Option<Stage>>,
    adopted_from: Stage,
    target_share: f64,
) -> Summary {
    let mut at_stage = [0u64; 5];
    let mut not_started = 0;
    let stages: Vec<Option<Stage>> = stages.into_iter().collect();
    for s in &stages {
        match s {
            Some(s) => at_stage[s.index()] += 1,
            None => not_started += 1,
        }
    }
    let (targets, reached) = funnel(stages);
    let adopted = reached[adopted_from.index()];
    Summary {
        targets,
        reached,
        at_stage,
        not_started,
        adopted,
        share: if targets == 0 {
            0.0
        } else {
            adopted as f64 / targets as f64
        },
        barrier: barrier(targets, &reached, target_share),
    }
}

/// The share of a campaign's duration that has passed on `today` (0 before it starts, 1 after).
pub fn elapsed_fraction(
    starts: chrono::NaiveDate,
    ends: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> f64 {
    let total = (ends - starts).num_days().max(1) as f64;
    ((today - starts).num_days() as f64 / total).clamp(0.0, 1.0)
}

/// The middle day of a campaign, when the outreach workflow checks each unit.
pub fn midpoint(starts: chrono::NaiveDate, ends: chrono::NaiveDate) -> chrono::NaiveDate {
    starts + chrono::Duration::days((ends - starts).num_days() / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_back_is_resistance_and_a_sosialisasi_makes_attendees_aware() {
        assert!(Move::Back.is_resistance());
        assert!(!Move::Forward { skipped: 0 }.is_resistance());
        assert_eq!(Move::Same.as_str(), "same");
        assert_eq!(
            ActivityKind::Sosialisasi.first_stage_of_attendees(),
            Some(Stage::Awareness)
        );
        for kind in ActivityKind::ALL {
            if *kind != ActivityKind::Sosialisasi {
                assert_eq!(kind.first_stage_of_attendees(), None, "{kind}");
            }
        }
    }
    use Stage::*;

    #[test]
    fn moves_forward_back_and_skips() {
        assert_eq!(
            stage_move(None, Awareness, None, false),
            Ok(Move::Forward { skipped: 0 })
        );
        assert!(
            stage_move(None, Knowledge, None, false).is_err(),
            "no stage yet: from awareness"
        );
        assert_eq!(
            stage_move(None, Knowledge, None, true),
            Ok(Move::Forward { skipped: 2 })
        );
        assert_eq!(
            stage_move(Some(Awareness), Desire, None, false),
            Ok(Move::Forward { skipped: 0 })
        );
        assert_eq!(
            stage_move(Some(Awareness), Ability, None, false),
            Err(StageError::Skip {
                from: Some(Awareness),
                to: Ability,
                skipped: 2
            })
        );
        assert_eq!(
            stage_move(Some(Awareness), Ability, None, true),
            Ok(Move::Forward { skipped: 2 })
        );
        assert_eq!(
            stage_move(Some(Ability), Desire, None, false),
            Err(StageError::BackWithoutNote {
                from: Ability,
                to: Desire
            })
        );
        assert_eq!(
            stage_move(Some(Ability), Desire, Some("  "), false),
            Err(StageError::BackWithoutNote {
                from: Ability,
                to: Desire
            })
        );
        assert_eq!(
            stage_move(
                Some(Ability),
                Desire,
                Some("aplikasi sering gangguan"),
                false
            ),
            Ok(Move::Back)
        );
        assert_eq!(
            stage_move(Some(Desire), Desire, None, false),
            Ok(Move::Same)
        );
    }

    #[test]
    fn funnel_and_barrier_computed_by_hand() {
        // Ten targets: 2 not started, 1 awareness, 3 desire, 2 knowledge, 1 ability, 1 reinforcement.
        let stages = [
            None,
            None,
            Some(Awareness),
            Some(Desire),
            Some(Desire),
            Some(Desire),
            Some(Knowledge),
            Some(Knowledge),
            Some(Ability),
            Some(Reinforcement),
        ];
        let (targets, reached) = funnel(stages);
        assert_eq!(targets, 10);
        assert_eq!(reached, [8, 7, 4, 2, 1]);
        // Target 60 %: awareness 80 % and desire 70 % pass, knowledge 40 % is the barrier.
        assert_eq!(barrier(targets, &reached, 0.6), Some(Knowledge));
        assert_eq!(Knowledge.remedy(), ActivityKind::Workshop);
        assert_eq!(barrier(targets, &reached, 0.9), Some(Awareness));
        assert_eq!(Awareness.remedy(), ActivityKind::Sosialisasi);
        assert_eq!(barrier(targets, &reached, 0.1), None);
        assert_eq!(barrier(0, &[0; 5], 0.5), None);
    }

    #[test]
    fn on_track_is_pro_rated_by_elapsed_time() {
        assert!(on_track(0.3, 0.8, 0.25));
        assert!(!on_track(0.3, 0.8, 0.5));
        assert!(on_track(0.8, 0.8, 1.5));
    }

    #[test]
    fn a_small_campaign_summarised_by_hand() {
        use Stage::*;
        // Five targets: one at awareness, one at knowledge, two at reinforcement, one not started.
        let stages = [
            Some(Awareness),
            Some(Knowledge),
            Some(Reinforcement),
            Some(Reinforcement),
            None,
        ];
        let s = summarise(stages, Reinforcement, 0.6);
        assert_eq!(s.targets, 5);
        assert_eq!(s.reached, [4, 3, 3, 2, 2]);
        assert_eq!(s.at_stage, [1, 0, 1, 0, 2]);
        assert_eq!((s.not_started, s.adopted), (1, 2));
        assert!((s.share - 0.4).abs() < 1e-9);
        // 60 % of 5 = 3: awareness (4) and desire (3) pass, knowledge (3) passes, ability (2) does not.
        assert_eq!(s.barrier, Some(Ability));
        let by_ability = summarise(stages, Ability, 0.6);
        assert_eq!(by_ability.adopted, 2);
    }

    #[test]
    fn elapsed_and_midpoint() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(midpoint(d(1, 1), d(3, 2)), d(1, 31));
        assert_eq!(elapsed_fraction(d(1, 1), d(1, 11), d(1, 6)), 0.5);
        assert_eq!(elapsed_fraction(d(1, 1), d(1, 11), d(2, 6)), 1.0);
        assert_eq!(elapsed_fraction(d(1, 1), d(1, 11), d(1, 1)), 0.0);
    }
}
