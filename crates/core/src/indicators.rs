//! Performance indicators (PermenPANRB 6/2022; PP 11/2017 art. 206): a unit's IKU (and, later,
//! an employee's IKI) with a target per period and realisations. Capaian is realisation ÷ target
//! (target ÷ realisation when lower is better), as a percentage; a realisation short of the
//! period's target is a performance gap. The regulation sets no numeric threshold for the
//! hasil kerja rating: Jenjang proposes one from configurable thresholds and the evaluator
//! decides.

use crate::period::Period;
use crate::predikat::Ekspektasi;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::kinds::string_enum! {
    /// Which way is better: more visitors, or fewer days to issue a permit.
    Direction { HigherIsBetter = "higher_is_better", LowerIsBetter = "lower_is_better" }
}

crate::kinds::string_enum! {
    /// Where an IKU's realisations come from: entered (form, API, import), or the unit's IKM
    /// index of the period, automatically.
    IndicatorKind { Manual = "manual", Ikm = "ikm" }
}

crate::kinds::string_enum! {
    /// How a realisation was recorded.
    RealisationSource { Manual = "manual", Import = "import", Ikm = "ikm" }
}

/// Capaian as a percentage with one decimal (80.0 for 80 %), or `None` where it is undefined:
/// a zero (or negative) target when higher is better, a zero (or negative) realisation when
/// lower is better — never a division by zero.
pub fn capaian(target: f64, realisation: f64, direction: Direction) -> Option<f64> {
    let ratio = match direction {
        Direction::HigherIsBetter if target > 0.0 => realisation / target,
        Direction::LowerIsBetter if realisation > 0.0 => target / realisation,
        _ => return None,
    };
    if !ratio.is_finite() {
        return None;
    }
    Some((ratio * 1000.0).round() / 10.0)
}

/// Whether a realisation falls short of its target (a performance gap), judged directly so
/// that an undefined capaian still says whether the target was met.
pub fn below_target(target: f64, realisation: f64, direction: Direction) -> bool {
    match direction {
        Direction::HigherIsBetter => realisation < target,
        Direction::LowerIsBetter => realisation > target,
    }
}

/// The target of `period`: its own when one is set, else the annual target.
pub fn target_for(annual: f64, period_targets: &BTreeMap<String, f64>, period: &Period) -> f64 {
    period_targets
        .get(&period.to_string())
        .copied()
        .unwrap_or(annual)
}

/// The capaian thresholds of the proposed hasil kerja rating, in percent (settings
/// `hasil_kerja_thresholds`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalThresholds {
    /// Every main indicator at least this → di atas ekspektasi (default 110).
    pub di_atas: f64,
    /// Every main indicator at least this → sesuai ekspektasi (default 100).
    pub sesuai: f64,
}

impl Default for ProposalThresholds {
    fn default() -> Self {
        ProposalThresholds {
            di_atas: 110.0,
            sesuai: 100.0,
        }
    }
}

/// The hasil kerja Jenjang proposes from the capaian of the main indicators: above
/// expectations when every one reaches `di_atas`, as expected when every one reaches `sesuai`,
/// else below. `None` without any indicator, or when one has no capaian (nothing realised, or
/// undefined): the evaluator then decides without a proposal.
pub fn propose_hasil_kerja(
    capaian: &[Option<f64>],
    thresholds: ProposalThresholds,
) -> Option<Ekspektasi> {
    if capaian.is_empty() {
        return None;
    }
    let values: Option<Vec<f64>> = capaian.iter().copied().collect();
    let values = values?;
    let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
    Some(if lowest >= thresholds.di_atas {
        Ekspektasi::DiAtas
    } else if lowest >= thresholds.sesuai {
        Ekspektasi::Sesuai
    } else {
        Ekspektasi::DiBawah
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capaian_is_realisation_over_target_or_the_inverse_when_lower_is_better() {
        // 120 permits of 100 planned: 120 %.
        assert_eq!(
            capaian(100.0, 120.0, Direction::HigherIsBetter),
            Some(120.0)
        );
        assert_eq!(capaian(90.0, 72.0, Direction::HigherIsBetter), Some(80.0));
        // 5 days planned, 4 taken: 125 %; 8 taken: 62.5 %.
        assert_eq!(capaian(5.0, 4.0, Direction::LowerIsBetter), Some(125.0));
        assert_eq!(capaian(5.0, 8.0, Direction::LowerIsBetter), Some(62.5));
        // One decimal.
        assert_eq!(capaian(3.0, 1.0, Direction::HigherIsBetter), Some(33.3));
    }

    #[test]
    fn a_zero_target_or_a_zero_realisation_has_no_capaian_and_is_never_divided() {
        assert_eq!(capaian(0.0, 10.0, Direction::HigherIsBetter), None);
        assert_eq!(capaian(0.0, 0.0, Direction::HigherIsBetter), None);
        assert_eq!(capaian(5.0, 0.0, Direction::LowerIsBetter), None);
        // Whether the target was met is still known.
        assert!(!below_target(0.0, 10.0, Direction::HigherIsBetter));
        assert!(!below_target(5.0, 0.0, Direction::LowerIsBetter));
        assert!(below_target(5.0, 6.0, Direction::LowerIsBetter));
        assert!(below_target(100.0, 99.5, Direction::HigherIsBetter));
    }

    #[test]
    fn a_period_uses_its_own_target_else_the_annual_one() {
        let mut own = BTreeMap::new();
        own.insert("2026-Q2".to_string(), 30.0);
        let q2 = Period::parse("2026-Q2").unwrap();
        let q3 = Period::parse("2026-Q3").unwrap();
        assert_eq!(target_for(100.0, &own, &q2), 30.0);
        assert_eq!(target_for(100.0, &own, &q3), 100.0);
    }

    #[test]
    fn the_proposal_follows_the_lowest_main_indicator() {
        let t = ProposalThresholds::default();
        assert_eq!(
            propose_hasil_kerja(&[Some(112.0), Some(110.0)], t),
            Some(Ekspektasi::DiAtas)
        );
        assert_eq!(
            propose_hasil_kerja(&[Some(150.0), Some(109.9)], t),
            Some(Ekspektasi::Sesuai)
        );
        assert_eq!(
            propose_hasil_kerja(&[Some(150.0), Some(99.9)], t),
            Some(Ekspektasi::DiBawah)
        );
        assert_eq!(propose_hasil_kerja(&[Some(120.0), None], t), None);
        assert_eq!(propose_hasil_kerja(&[], t), None);
        let strict = ProposalThresholds {
            di_atas: 120.0,
            sesuai: 105.0,
        };
        assert_eq!(
            propose_hasil_kerja(&[Some(112.0)], strict),
            Some(Ekspektasi::Sesuai)
        );
    }
}
