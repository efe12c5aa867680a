//! The talent grid (PermenPANRB 3/2020 on talent management): kinerja (performance) against
//! potensial (potential from assessment), nine boxes, each with its follow-ups.

use crate::kinds::{Potential, string_enum};
use crate::period::Period;
use crate::predikat::Predikat;
use serde::{Deserialize, Serialize};

string_enum! {
    /// The performance axis of the talent grid.
    Kinerja { DiBawah = "di_bawah", Sesuai = "sesuai", DiAtas = "di_atas" }
}

/// The configurable cut-offs of the performance axis. Default (PRODUCT.md): `sangat_baik` is
/// above expectations, `baik` meets them, anything lower is below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KinerjaRule {
    pub di_atas_from: Predikat,
    pub sesuai_from: Predikat,
}

impl Default for KinerjaRule {
    fn default() -> Self {
        KinerjaRule {
            di_atas_from: Predikat::SangatBaik,
            sesuai_from: Predikat::Baik,
        }
    }
}

impl KinerjaRule {
    pub fn kinerja(&self, p: Predikat) -> Kinerja {
        if p >= self.di_atas_from {
            Kinerja::DiAtas
        } else if p >= self.sesuai_from {
            Kinerja::Sesuai
        } else {
            Kinerja::DiBawah
        }
    }

    /// The year's annual predikat, or else its latest periodic one; none when the employee was
    /// not evaluated that year (such employees are listed apart, not guessed).
    pub fn for_year(&self, evaluations: &[(Period, Predikat)], year: i32) -> Option<Kinerja> {
        let of_year = evaluations.iter().filter(|(p, _)| p.year() == year);
        let annual = of_year.clone().find(|(p, _)| p.is_annual());
        let chosen = annual.or_else(|| of_year.max_by_key(|(p, _)| *p))?;
        Some(self.kinerja(chosen.1))
    }
}

/// Where an employee stands on the grid in `year`: the box of their kinerja that year (see
/// [`KinerjaRule::for_year`]) and their potential; none when either is unknown (such employees
/// are listed apart, never guessed). The talent grid and the workflows' `subject.talent_box`
/// both place people with this.
pub fn placement(
    rule: &KinerjaRule,
    evaluations: &[(Period, Predikat)],
    potential: Option<Potential>,
    year: i32,
) -> Option<u8> {
    Some(talent_box(rule.for_year(evaluations, year)?, potential?))
}

/// The box (1..=9) of the grid:
/// ```text
///               di_bawah  sesuai  di_atas
/// tinggi           6        8       9
/// menengah         3        5       7
/// rendah           1        2       4
/// ```
pub fn talent_box(kinerja: Kinerja, potential: Potential) -> u8 {
    use Kinerja::*;
    use Potential::*;
    match (potential, kinerja) {
        (Tinggi, DiBawah) => 6,
        (Tinggi, Sesuai) => 8,
        (Tinggi, DiAtas) => 9,
        (Menengah, DiBawah) => 3,
        (Menengah, Sesuai) => 5,
        (Menengah, DiAtas) => 7,
        (Rendah, DiBawah) => 1,
        (Rendah, Sesuai) => 2,
        (Rendah, DiAtas) => 4,
    }
}

/// The axes of a box.
pub fn axes(b: u8) -> (Kinerja, Potential) {
    use Kinerja::*;
    use Potential::*;
    match b {
        9 => (DiAtas, Tinggi),
        8 => (Sesuai, Tinggi),
        7 => (DiAtas, Menengah),
        6 => (DiBawah, Tinggi),
        5 => (Sesuai, Menengah),
        4 => (DiAtas, Rendah),
        3 => (DiBawah, Menengah),
        2 => (Sesuai, Rendah),
        _ => (DiBawah, Rendah),
    }
}

/// The box's name in the regulation's terms, e.g. "Kinerja di atas ekspektasi, potensial tinggi".
pub fn label(b: u8) -> String {
    let (k, p) = axes(b);
    let k = match k {
        Kinerja::DiAtas => "di atas ekspektasi",
        Kinerja::Sesuai => "sesuai ekspektasi",
        Kinerja::DiBawah => "di bawah ekspektasi",
    };
    format!("Kinerja {k}, potensial {}", p.as_str())
}

/// What follows for the employees of a box (PermenPANRB 3/2020, as PRODUCT.md lists it).
pub fn follow_ups(b: u8) -> &'static [&'static str] {
    match b {
        9 => &["promotion", "succession_pool", "recognition"],
        8 => &["retain", "succession_pool", "rotation", "coaching"],
        7 => &[
            "retain",
            "succession_pool",
            "enrichment",
            "development",
            "study_assignment",
        ],
        6 => &["right_placement", "coaching", "counselling"],
        5 => &["right_placement", "coaching", "development"],
        4 => &["rotation", "development"],
        3 => &["coaching", "counselling", "development", "placement"],
        2 => &["coaching", "development", "placement"],
        _ => &["handled_per_regulation"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kinerja::*;
    use Potential::*;

    #[test]
    fn all_nine_boxes() {
        let table = [
            (DiBawah, Rendah, 1),
            (Sesuai, Rendah, 2),
            (DiBawah, Menengah, 3),
            (DiAtas, Rendah, 4),
            (Sesuai, Menengah, 5),
            (DiBawah, Tinggi, 6),
            (DiAtas, Menengah, 7),
            (Sesuai, Tinggi, 8),
            (DiAtas, Tinggi, 9),
        ];
        for (k, p, b) in table {
            assert_eq!(talent_box(k, p), b, "{k} {p}");
            assert_eq!(axes(b), (k, p));
            assert!(!follow_ups(b).is_empty());
        }
        assert_eq!(label(9), "Kinerja di atas ekspektasi, potensial tinggi");
    }

    #[test]
    fn the_annual_predikat_wins_else_the_latest_quarter() {
        let rule = KinerjaRule::default();
        let q = |y, q| Period::Quarter {
            year: y,
            quarter: q,
        };
        let evals = [
            (q(2026, 1), Predikat::SangatBaik),
            (q(2026, 3), Predikat::ButuhPerbaikan),
            (q(2026, 2), Predikat::Baik),
            (q(2025, 4), Predikat::SangatBaik),
        ];
        assert_eq!(
            rule.for_year(&evals, 2026),
            Some(DiBawah),
            "the latest quarter, Q3"
        );
        let mut with_annual = evals.to_vec();
        with_annual.push((Period::Annual { year: 2026 }, Predikat::Baik));
        assert_eq!(rule.for_year(&with_annual, 2026), Some(Sesuai));
        assert_eq!(rule.for_year(&evals, 2024), None);
        let strict = KinerjaRule {
            di_atas_from: Predikat::SangatBaik,
            sesuai_from: Predikat::SangatBaik,
        };
        assert_eq!(strict.kinerja(Predikat::Baik), DiBawah);
    }
}
