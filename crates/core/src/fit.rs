//! Position fit and succession (PermenPANRB 3/2020): the job–person match (JPM) of an employee
//! for a position, its category, who is eligible for a position (rank, position kind one step
//! below, not the incumbent) with the reasons rather than a silent filter, and the readiness of
//! a successor.

use crate::kinds::PositionKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A civil-service rank: PNS `golongan/ruang` I/a … IV/e, or a PPPK grade I … XVII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Golongan {
    /// Golongan 1–4 and ruang a–e (`III/a` is `Pns(3, 'a')`).
    Pns(u8, char),
    /// PPPK grade 1–17.
    Pppk(u8),
}

const ROMAN: [&str; 17] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
];

/// Why a rank cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a rank: PNS I/a … IV/e (I and II up to d) or PPPK I … XVII")]
pub struct GolonganError(pub String);

impl Golongan {
    /// Reads `III/a` (any case, spaces around the slash allowed) or a PPPK grade `IX`.
    pub fn parse(text: &str) -> Result<Golongan, GolonganError> {
        let err = || GolonganError(text.to_string());
        let t = text.trim().to_ascii_uppercase();
        if let Some((g, r)) = t.split_once('/') {
            let g = ROMAN[..4]
                .iter()
                .position(|x| *x == g.trim())
                .ok_or_else(err)? as u8
                + 1;
            let mut r = r.trim().chars();
            let (Some(r), None) = (r.next(), r.next()) else {
                return Err(err());
            };
            let r = r.to_ascii_lowercase();
            // Golongan I and II run to ruang d; III to d; IV to e.
            let last = if g == 4 { 'e' } else { 'd' };
            if !('a'..=last).contains(&r) {
                return Err(err());
            }
            Ok(Golongan::Pns(g, r))
        } else {
            let n = ROMAN.iter().position(|x| *x == t).ok_or_else(err)? as u8 + 1;
            Ok(Golongan::Pppk(n))
        }
    }

    /// Whether this rank is at least `min`; `None` when they are of different schemes (a PPPK
    /// grade and a PNS rank are not compared).
    pub fn at_least(self, min: Golongan) -> Option<bool> {
        match (self, min) {
            (Golongan::Pns(g, r), Golongan::Pns(mg, mr)) => Some((g, r) >= (mg, mr)),
            (Golongan::Pppk(n), Golongan::Pppk(m)) => Some(n >= m),
            _ => None,
        }
    }
}

impl fmt::Display for Golongan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Golongan::Pns(g, r) => write!(f, "{}/{r}", ROMAN[*g as usize - 1]),
            Golongan::Pppk(n) => f.write_str(ROMAN[*n as usize - 1]),
        }
    }
}

impl Serialize for Golongan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Golongan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Golongan::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The JPM of current `levels` against a position's `(required, held)` pairs: Σ min(held,
/// required) ÷ Σ required as a percentage with one decimal (an unassessed competency is level
/// 0). `None` when the position requires nothing: JPM is undefined there, not 100.
pub fn jpm(pairs: impl IntoIterator<Item = (u8, u8)>) -> Option<f64> {
    let (mut met, mut required) = (0u32, 0u32);
    for (req, held) in pairs {
        met += u32::from(req.min(held));
        required += u32::from(req);
    }
    (required > 0).then(|| (f64::from(met) * 1000.0 / f64::from(required)).round() / 10.0)
}

crate::kinds::string_enum! {
    /// Where a JPM falls (PermenPANRB 3/2020's categories).
    JpmCategory { Optimal = "optimal", CukupOptimal = "cukup_optimal", KurangOptimal = "kurang_optimal" }
}

/// The configurable thresholds of the JPM categories (default: optimal from 90 %, cukup
/// optimal from 78 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JpmThresholds {
    pub optimal: f64,
    pub cukup_optimal: f64,
}

impl Default for JpmThresholds {
    fn default() -> Self {
        JpmThresholds {
            optimal: 90.0,
            cukup_optimal: 78.0,
        }
    }
}

impl JpmThresholds {
    pub fn category(&self, jpm: f64) -> JpmCategory {
        if jpm >= self.optimal {
            JpmCategory::Optimal
        } else if jpm >= self.cukup_optimal {
            JpmCategory::CukupOptimal
        } else {
            JpmCategory::KurangOptimal
        }
    }
}

/// The kinds a candidate may come from for a position of `kind`: one step below on the
/// structural ladder, functional officials crossing into structural positions; `None` where no
/// kind rule applies (pelaksana and functional positions).
pub fn kinds_below(kind: PositionKind) -> Option<&'static [PositionKind]> {
    use PositionKind::*;
    match kind {
        JptUtama => Some(&[JptMadya]),
        JptMadya => Some(&[JptPratama]),
        JptPratama => Some(&[Administrator, Fungsional]),
        Administrator => Some(&[Pengawas, Fungsional]),
        Pengawas => Some(&[Pelaksana, Fungsional]),
        Pelaksana | Fungsional => None,
    }
}

crate::kinds::string_enum! {
    /// Why a candidate is not eligible for a position (said, not filtered).
    Ineligible {
        Incumbent = "incumbent",
        GolonganBelowMinimum = "golongan_below_minimum",
        GolonganUnknown = "golongan_unknown",
        GolonganOtherScheme = "golongan_other_scheme",
        PositionKindNotBelow = "position_kind_not_below",
    }
}

/// What the eligibility rules need to know of a candidate and a position.
#[derive(Debug, Clone, Copy)]
pub struct Eligibility<'a> {
    pub candidate_position: Option<&'a str>,
    pub candidate_kind: Option<PositionKind>,
    pub candidate_golongan: Option<Golongan>,
    pub position: &'a str,
    pub position_kind: PositionKind,
    pub min_golongan: Option<Golongan>,
}

/// Every reason the candidate is not eligible; empty when eligible.
pub fn ineligible(e: &Eligibility<'_>) -> Vec<Ineligible> {
    let mut out = Vec::new();
    if e.candidate_position == Some(e.position) {
        out.push(Ineligible::Incumbent);
    }
    if let Some(min) = e.min_golongan {
        match e.candidate_golongan.map(|g| g.at_least(min)) {
            None => out.push(Ineligible::GolonganUnknown),
            Some(None) => out.push(Ineligible::GolonganOtherScheme),
            Some(Some(false)) => out.push(Ineligible::GolonganBelowMinimum),
            Some(Some(true)) => {}
        }
    }
    if e.candidate_position != Some(e.position)
        && let Some(allowed) = kinds_below(e.position_kind)
        && !e.candidate_kind.is_some_and(|k| allowed.contains(&k))
    {
        out.push(Ineligible::PositionKindNotBelow);
    }
    out
}

crate::kinds::string_enum! {
    /// How ready a successor is (PermenPANRB 3/2020 succession pools).
    Readiness {
        SiapSekarang = "siap_sekarang",
        Siap12Tahun = "siap_1_2_tahun",
        PerluPengembangan = "perlu_pengembangan",
    }
}

/// A successor's readiness: ready now at an optimal JPM; ready in one to two years when the
/// recommended programs cover every gap within a year's JP (`programs_jp` ≤ `year_jp`);
/// otherwise in need of development.
pub fn readiness(
    jpm: f64,
    thresholds: &JpmThresholds,
    all_gaps_covered: bool,
    programs_jp: u32,
    year_jp: u32,
) -> Readiness {
    if jpm >= thresholds.optimal {
        Readiness::SiapSekarang
    } else if all_gaps_covered && programs_jp <= year_jp {
        Readiness::Siap12Tahun
    } else {
        Readiness::PerluPengembangan
    }
}

/// The talent boxes of the succession pool (the regulation's "kelompok rencana suksesi").
pub const SUCCESSION_BOXES: [u8; 3] = [7, 8, 9];

/// A critical position is at risk with fewer than two successors ready now or within two years.
pub fn at_risk(ready: usize) -> bool {
    ready < 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_read_strictly_and_compared_within_their_scheme() {
        assert_eq!(Golongan::parse("III/a"), Ok(Golongan::Pns(3, 'a')));
        assert_eq!(Golongan::parse(" iv / E "), Ok(Golongan::Pns(4, 'e')));
        assert_eq!(Golongan::parse("IX"), Ok(Golongan::Pppk(9)));
        for bad in ["III/e", "V/a", "IV/f", "XVIII", "3/a", "", "III/ab"] {
            assert!(Golongan::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Golongan::Pns(3, 'd').to_string(), "III/d");
        assert_eq!(Golongan::Pppk(17).to_string(), "XVII");
        let g = |s| Golongan::parse(s).unwrap();
        assert_eq!(g("III/c").at_least(g("III/c")), Some(true));
        assert_eq!(g("III/b").at_least(g("III/c")), Some(false));
        assert_eq!(g("IV/a").at_least(g("III/d")), Some(true));
        assert_eq!(g("IX").at_least(g("VII")), Some(true));
        assert_eq!(g("IX").at_least(g("III/a")), None);
    }

    #[test]
    fn jpm_is_the_met_share_of_what_is_required() {
        // Required 3, 4, 2 (9); held 3, 2, 0 → min 3 + 2 + 0 = 5 → 55.6 %.
        assert_eq!(jpm([(3, 3), (4, 2), (2, 0)]), Some(55.6));
        // Holding more than required counts only up to what is required.
        assert_eq!(jpm([(3, 5), (2, 2)]), Some(100.0));
        assert_eq!(jpm([]), None);
        let t = JpmThresholds::default();
        assert_eq!(t.category(90.0), JpmCategory::Optimal);
        assert_eq!(t.category(89.9), JpmCategory::CukupOptimal);
        assert_eq!(t.category(78.0), JpmCategory::CukupOptimal);
        assert_eq!(t.category(77.9), JpmCategory::KurangOptimal);
    }

    #[test]
    fn ineligibility_is_said_with_every_reason() {
        use PositionKind::*;
        let g = |s| Some(Golongan::parse(s).unwrap());
        let base = Eligibility {
            candidate_position: Some("KASI-A"),
            candidate_kind: Some(Pengawas),
            candidate_golongan: g("III/d"),
            position: "KABID-A",
            position_kind: Administrator,
            min_golongan: g("III/d"),
        };
        assert!(ineligible(&base).is_empty());
        assert_eq!(
            ineligible(&Eligibility {
                candidate_golongan: g("III/c"),
                candidate_kind: Some(Pelaksana),
                ..base
            }),
            [
                Ineligible::GolonganBelowMinimum,
                Ineligible::PositionKindNotBelow
            ]
        );
        assert_eq!(
            ineligible(&Eligibility {
                candidate_position: Some("KABID-A"),
                candidate_kind: Some(Administrator),
                ..base
            }),
            [Ineligible::Incumbent]
        );
        assert_eq!(
            ineligible(&Eligibility {
                candidate_golongan: None,
                ..base
            }),
            [Ineligible::GolonganUnknown]
        );
        assert_eq!(
            ineligible(&Eligibility {
                candidate_golongan: g("X"),
                ..base
            }),
            [Ineligible::GolonganOtherScheme]
        );
        // A functional official may cross into an administrator position; no kind rule for staff.
        assert!(
            ineligible(&Eligibility {
                candidate_kind: Some(Fungsional),
                ..base
            })
            .is_empty()
        );
        assert!(
            ineligible(&Eligibility {
                candidate_kind: None,
                position_kind: Pelaksana,
                min_golongan: None,
                ..base
            })
            .is_empty()
        );
    }

    #[test]
    fn readiness_follows_jpm_and_what_a_year_can_close() {
        let t = JpmThresholds::default();
        assert_eq!(readiness(92.0, &t, false, 0, 20), Readiness::SiapSekarang);
        assert_eq!(readiness(80.0, &t, true, 20, 20), Readiness::Siap12Tahun);
        assert_eq!(
            readiness(80.0, &t, true, 21, 20),
            Readiness::PerluPengembangan
        );
        assert_eq!(
            readiness(80.0, &t, false, 5, 20),
            Readiness::PerluPengembangan
        );
        assert!(at_risk(1));
        assert!(!at_risk(2));
    }
}
