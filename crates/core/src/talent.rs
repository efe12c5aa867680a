//! The talent grid (PermenPANRB 3/2020 on talent management): kinerja (performance) against
//! potensial (potential from assessment), nine boxes, each with its follow-ups.

use crate::kinds::{Potential, string_enum};
use crate::org::UnitTree;
use crate::period::Period;
use crate::predikat::Predikat;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

/// The talent grid kept current employee by employee: each employee's unit and box (`None`:
/// not placed), in NIP order, and how many each unit holds in each box. A change to a few
/// employees is applied by setting their entries ([`TalentIndex::set`]); a unit's lists are read
/// by walking the entries, its counts by adding up the units of its subtree (a province's grid
/// after a write without walking a million entries). Unit indices are those of the unit tree
/// the index was built with: a change to the tree needs a new index.
#[derive(Debug, Clone, Default)]
pub struct TalentIndex {
    members: BTreeMap<String, (u32, Option<u8>)>,
    /// Per unit: members in boxes 1..=9 at 0..=8, not placed at 9.
    counts: HashMap<u32, [u32; 10]>,
}

/// How many a grid holds in each box (1..=9 at 0..=8) and not placed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub boxes: [usize; 9],
    pub unrated: usize,
}

/// The slot of an entry in a unit's counts.
fn slot(b: Option<u8>) -> usize {
    match b.filter(|b| (1..=9).contains(b)) {
        Some(b) => usize::from(b) - 1,
        None => 9,
    }
}

/// A grid as the index answers it: the employees of each box (1..=9 at 0..=8) and those not
/// placed, each in NIP order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placed {
    pub boxes: [Vec<String>; 9],
    pub unrated: Vec<String>,
}

impl TalentIndex {
    /// Sets where `nip` stands (their unit and box), or takes them out when `None` (the
    /// employee no longer exists).
    pub fn set(&mut self, nip: &str, now: Option<(u32, Option<u8>)>) {
        let before = match now {
            Some(entry) => match self.members.get_mut(nip) {
                Some(e) => Some(std::mem::replace(e, entry)),
                None => {
                    self.members.insert(nip.to_string(), entry);
                    None
                }
            },
            None => self.members.remove(nip),
        };
        if let Some((u, b)) = before {
            let counts = self.counts.entry(u).or_default();
            counts[slot(b)] -= 1;
            if counts.iter().all(|n| *n == 0) {
                self.counts.remove(&u);
            }
        }
        if let Some((u, b)) = now {
            self.counts.entry(u).or_default()[slot(b)] += 1;
        }
    }

    /// How many of `unit`'s subtree (everyone when `None`) each box holds: the units' counts
    /// added up, without the lists.
    pub fn counts(&self, units: &UnitTree, unit: Option<u32>) -> Counts {
        let mut total = [0usize; 10];
        for (&u, counts) in &self.counts {
            if unit.is_some_and(|top| !units.within(u, top)) {
                continue;
            }
            for (t, n) in total.iter_mut().zip(counts) {
                *t += *n as usize;
            }
        }
        let mut boxes = [0; 9];
        boxes.copy_from_slice(&total[..9]);
        Counts {
            boxes,
            unrated: total[9],
        }
    }

    /// Employees held.
    pub fn employees(&self) -> usize {
        self.members.len()
    }

    /// The grid of the members of `unit`'s subtree of `units` (everyone when `None`).
    pub fn grid(&self, units: &UnitTree, unit: Option<u32>) -> Placed {
        let mut placed = Placed::default();
        for (nip, &(u, b)) in &self.members {
            if unit.is_some_and(|top| !units.within(u, top)) {
                continue;
            }
            match b.filter(|b| (1..=9).contains(b)) {
                Some(b) => placed.boxes[usize::from(b) - 1].push(nip.clone()),
                None => placed.unrated.push(nip.clone()),
            }
        }
        placed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kinerja::*;
    use Potential::*;

    /// ROOT (0) above X (1) above X1 (2), and Y (3) under ROOT.
    fn tree() -> UnitTree {
        UnitTree::new(&[
            ("ROOT".into(), None),
            ("X".into(), Some("ROOT".into())),
            ("X1".into(), Some("X".into())),
            ("Y".into(), Some("ROOT".into())),
        ])
    }

    /// The counts of every subtree are the lengths of its lists.
    fn assert_counts_are_the_lists(index: &TalentIndex, units: &UnitTree, context: &str) {
        for top in [None, Some(0), Some(1), Some(2), Some(3)] {
            let placed = index.grid(units, top);
            assert_eq!(
                index.counts(units, top),
                Counts {
                    boxes: placed.boxes.each_ref().map(Vec::len),
                    unrated: placed.unrated.len(),
                },
                "{context}, {top:?}"
            );
        }
    }

    #[test]
    fn the_index_places_each_member_once_in_the_subtrees_above_them() {
        let units = tree();
        let mut index = TalentIndex::default();
        index.set("3", Some((2, Some(9))));
        index.set("1", Some((1, Some(5))));
        index.set("2", Some((3, None)));
        index.set("4", Some((2, Some(5))));
        // Moved and re-placed; then gone.
        index.set("4", Some((3, Some(1))));
        index.set("5", Some((0, Some(9))));
        index.set("5", None);
        let everyone = index.grid(&units, None);
        assert_eq!(everyone.boxes[8], ["3"]);
        assert_eq!(everyone.boxes[4], ["1"]);
        assert_eq!(everyone.boxes[0], ["4"]);
        assert_eq!(everyone.unrated, ["2"]);
        let x = index.grid(&units, Some(1));
        assert_eq!(
            (x.boxes[8].clone(), x.boxes[4].clone()),
            (vec!["3".to_string()], vec!["1".to_string()])
        );
        assert!(x.unrated.is_empty() && x.boxes[0].is_empty());
        let y = index.grid(&units, Some(3));
        assert_eq!(
            (y.boxes[0].clone(), y.unrated.clone()),
            (vec!["4".to_string()], vec!["2".to_string()])
        );
        assert_eq!(index.employees(), 4);
        assert_counts_are_the_lists(&index, &units, "after the moves");
        assert_eq!(index.counts(&units, Some(3)).unrated, 1);
        assert_eq!(index.counts(&units, None).boxes[8], 1);
    }

    #[test]
    fn counts_stay_those_of_the_lists_over_many_changes() {
        let units = tree();
        let mut index = TalentIndex::default();
        // A fixed pseudo-random walk: employees placed, moved, re-rated, unplaced, removed.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for step in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let nip = format!("{}", x % 40);
            let now = match (x >> 8) % 12 {
                0 => None,
                r => Some((
                    ((x >> 16) % 4) as u32,
                    (r < 11).then_some(((x >> 24) % 10) as u8),
                )),
            };
            index.set(&nip, now);
            if step % 97 == 0 {
                assert_counts_are_the_lists(&index, &units, &format!("step {step}"));
            }
        }
    }

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
