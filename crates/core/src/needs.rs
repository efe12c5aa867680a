//! The training-needs analysis (AKPK, Analisis Kebutuhan Pengembangan Kompetensi; PP 11/2017
//! art. 206 and PermenPANRB 38/2017): per competency, how many employees fall short and by how
//! much; per program, how many employees it is recommended for and what that costs.

use crate::gap::Gap;
use crate::org::{Member, NeedProgress, Organisation, Population};
use crate::recommend::Recommendation;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq)]
pub struct CompetencyNeed {
    pub competency: u32,
    pub employees_with_gap: u64,
    pub total_gap: u64,
    /// Average gap over the employees with a gap.
    pub avg_gap: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramNeed {
    pub program: u32,
    pub participants: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NeedsAnalysis {
    pub employees: u64,
    /// Competencies with at least one gap, by code.
    pub competencies: Vec<CompetencyNeed>,
    /// Programs recommended to at least one employee, most participants first, then by code.
    pub programs: Vec<ProgramNeed>,
}

/// One member's part in the analyses: the unit they count in, their gap per competency, the
/// programs recommended to them, and the organisational needs that apply to them.
#[derive(Debug, Clone)]
struct Part {
    unit: u32,
    gaps: Box<[(u32, u8)]>,
    programs: Box<[u32]>,
    /// By index in `Organisation::needs`: the needs that apply, and whether the member holds
    /// the level now.
    needs: Box<[(u32, bool)]>,
}

impl Part {
    fn of(
        org: &Organisation,
        member: &Member,
        levels: &[u8],
        gaps: &[Gap],
        rec: &Recommendation,
    ) -> Part {
        Part {
            unit: member.unit,
            gaps: gaps.iter().map(|g| (g.competency, g.size())).collect(),
            programs: rec.programs.iter().map(|p| p.program).collect(),
            needs: org
                .needs
                .iter()
                .enumerate()
                .filter(|(_, n)| org.need_applies(n, member.unit, member.position))
                .map(|(i, n)| {
                    let level = levels.get(n.competency as usize).copied().unwrap_or(0);
                    (i as u32, level >= n.level)
                })
                .collect(),
        }
    }

    /// Whether `need` applies to the member and they do not hold its level yet.
    fn short_of(&self, need: usize) -> bool {
        self.needs
            .iter()
            .any(|&(n, meeting)| n as usize == need && !meeting)
    }
}

/// The sums of the parts of a set of members.
#[derive(Debug, Clone, Default)]
struct Totals {
    employees: u64,
    with_gap: Vec<u64>,
    total: Vec<u64>,
    /// By program index.
    programs: Vec<u64>,
    /// By index in `Organisation::needs`: the members it applies to, and those holding its level.
    needs: Vec<(u64, u64)>,
}

impl Totals {
    /// Adds another set's sums.
    fn add(&mut self, other: &Totals) {
        self.employees += other.employees;
        let plus = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        plus(&mut self.with_gap, &other.with_gap);
        plus(&mut self.total, &other.total);
        plus(&mut self.programs, &other.programs);
        for (x, y) in self.needs.iter_mut().zip(&other.needs) {
            x.0 += y.0;
            x.1 += y.1;
        }
    }

    /// Adds a part, or takes it away.
    fn count(&mut self, part: &Part, add: bool) {
        let step = |n: &mut u64, by: u64| {
            *n = if add { *n + by } else { n.saturating_sub(by) };
        };
        step(&mut self.employees, 1);
        for &(c, size) in part.gaps.iter() {
            step(&mut self.with_gap[c as usize], 1);
            step(&mut self.total[c as usize], u64::from(size));
        }
        for &p in part.programs.iter() {
            step(&mut self.programs[p as usize], 1);
        }
        for &(n, meeting) in part.needs.iter() {
            let (eligible, holding) = &mut self.needs[n as usize];
            step(eligible, 1);
            step(holding, u64::from(meeting));
        }
    }
}

/// The training-needs analysis kept current employee by employee: each member's part (gaps and
/// recommended programs), and the sums of the parts of every unit's subtree and of everyone. A
/// change to a few employees is applied by taking their old parts out and putting their new ones
/// in ([`NeedsIndex::apply`]: a part is counted in its unit and each unit above it); a subtree's
/// analysis ([`NeedsIndex::analysis`]) or heat map ([`NeedsIndex::by_group`]) is then read from
/// its sums, whatever the number of employees. Unit, position and program indices are those of
/// the organisation the index was built with: a change to the organisation itself needs a new
/// index.
#[derive(Debug, Clone)]
pub struct NeedsIndex {
    width: usize,
    parts: HashMap<String, Part>,
    /// The unit above each unit.
    parent: Vec<Option<u32>>,
    /// By unit: the sums over its subtree.
    subtree: Vec<Totals>,
    everyone: Totals,
}

impl NeedsIndex {
    /// Analyses every member of `population`, on all cores.
    pub fn build(org: &Organisation, population: &Population) -> NeedsIndex {
        let width = org.catalog.competency_count();
        let totals = Totals {
            employees: 0,
            with_gap: vec![0; width],
            total: vec![0; width],
            programs: vec![0; org.catalog.programs().len()],
            needs: vec![(0, 0); org.needs.len()],
        };
        let mut index = NeedsIndex {
            width,
            parts: HashMap::with_capacity(population.members.len()),
            parent: (0..org.units.len() as u32)
                .map(|u| org.units.parent(u))
                .collect(),
            subtree: vec![totals.clone(); org.units.len()],
            everyone: totals,
        };
        let chunks = org.fold_population(population, Vec::new, |acc, i, gaps, rec| {
            let (member, levels) = (&population.members[i], population.levels_of(i, width));
            acc.push((i, Part::of(org, member, levels, gaps, rec)));
        });
        // Each part counted in its own unit only, then the units' sums rolled up into their
        // subtrees, deepest first: one count per employee instead of one per unit above them.
        for (i, part) in chunks.into_iter().flatten() {
            index.count_own(&part, true);
            if let Some(old) = index.parts.insert(population.members[i].nip.clone(), part) {
                index.count_own(&old, false);
            }
        }
        let units = index.subtree.len();
        let depth: Vec<usize> = (0..units)
            .map(|u| {
                let (mut d, mut at) = (0, index.parent[u]);
                while let Some(p) = at.filter(|_| d < units) {
                    d += 1;
                    at = index.parent.get(p as usize).copied().flatten();
                }
                d
            })
            .collect();
        let mut deepest_first: Vec<usize> = (0..units).collect();
        deepest_first.sort_by_key(|&u| std::cmp::Reverse(depth[u]));
        for u in deepest_first {
            if let Some(p) = index.parent[u]
                .map(|p| p as usize)
                .filter(|&p| p < units && p != u)
            {
                let child = std::mem::take(&mut index.subtree[u]);
                index.subtree[p].add(&child);
                index.subtree[u] = child;
            }
        }
        index
    }

    /// Counts a part in everyone's sums and its own unit's, not the units above it.
    fn count_own(&mut self, part: &Part, add: bool) {
        self.everyone.count(part, add);
        if let Some(t) = self.subtree.get_mut(part.unit as usize) {
            t.count(part, add);
        }
    }

    /// Employees counted.
    pub fn employees(&self) -> usize {
        self.parts.len()
    }

    /// Replaces the part of `nip` with that of `now` (the member and their levels), or takes
    /// it out when the employee no longer exists.
    pub fn apply(&mut self, org: &Organisation, nip: &str, now: Option<(&Member, &[u8])>) {
        if let Some(old) = self.parts.remove(nip) {
            self.count(&old, false);
        }
        if let Some((member, levels)) = now {
            let (gaps, rec) = org.analyse(member, levels);
            self.insert(nip.to_string(), Part::of(org, member, levels, &gaps, &rec));
        }
    }

    fn insert(&mut self, nip: String, part: Part) {
        self.count(&part, true);
        if let Some(old) = self.parts.insert(nip, part) {
            self.count(&old, false);
        }
    }

    /// Counts a part in everyone's sums and in those of its unit and every unit above it.
    fn count(&mut self, part: &Part, add: bool) {
        self.everyone.count(part, add);
        let mut unit = Some(part.unit);
        // At most once per unit, should the tree hold a cycle.
        for _ in 0..self.subtree.len() {
            let Some(u) = unit.filter(|&u| (u as usize) < self.subtree.len()) else {
                break;
            };
            self.subtree[u as usize].count(part, add);
            unit = self.parent[u as usize];
        }
    }

    /// The analysis of the members of `unit`'s subtree (everyone when `None`).
    pub fn analysis(&self, unit: Option<u32>) -> NeedsAnalysis {
        let t = unit
            .and_then(|u| self.subtree.get(u as usize))
            .unwrap_or(&self.everyone);
        let competencies = (0..self.width)
            .filter(|&c| t.with_gap[c] > 0)
            .map(|c| CompetencyNeed {
                competency: c as u32,
                employees_with_gap: t.with_gap[c],
                total_gap: t.total[c],
                avg_gap: (t.total[c] as f64 / t.with_gap[c] as f64 * 100.0).round() / 100.0,
            })
            .collect();
        let mut programs: Vec<ProgramNeed> = t
            .programs
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(p, &participants)| ProgramNeed {
                program: p as u32,
                participants,
            })
            .collect();
        programs.sort_by(|a, b| {
            b.participants
                .cmp(&a.participants)
                .then(a.program.cmp(&b.program))
        });
        NeedsAnalysis {
            employees: t.employees,
            competencies,
            programs,
        }
    }

    /// The gap heat map: for each of `units`, its subtree's members and per competency how many
    /// of them have a gap in it.
    pub fn by_group(&self, units: &[u32]) -> Vec<GroupGaps> {
        units
            .iter()
            .map(|&u| match self.subtree.get(u as usize) {
                Some(t) => GroupGaps {
                    employees: t.employees,
                    with_gap: t.with_gap.clone(),
                },
                None => GroupGaps {
                    employees: 0,
                    with_gap: vec![0; self.width],
                },
            })
            .collect()
    }
}

impl NeedsIndex {
    /// How far organisational need `need` (its index in `org.needs`, the organisation the index
    /// was built with) is among the members of `unit`'s subtree (everyone when `None`): the
    /// counts come from the subtree's sums; of `planned` (the NIPs whose approved plans will
    /// bring them to the level) only those counted there and still short of it are counted, so
    /// the cost is that of the planned list, whatever the number of employees. The rule is
    /// [`Organisation::need_progress`]'s.
    pub fn need_progress(
        &self,
        org: &Organisation,
        need: usize,
        unit: Option<u32>,
        planned: &HashSet<String>,
        today: NaiveDate,
    ) -> NeedProgress {
        let Some(def) = org.needs.get(need) else {
            return NeedProgress::default();
        };
        let totals = unit
            .and_then(|u| self.subtree.get(u as usize))
            .unwrap_or(&self.everyone);
        let (eligible, meeting) = totals.needs.get(need).copied().unwrap_or_default();
        let planned = planned
            .iter()
            .filter_map(|nip| self.parts.get(nip))
            .filter(|part| unit.is_none_or(|u| self.within(part.unit, u)) && part.short_of(need))
            .count() as u64;
        NeedProgress::of(def, eligible, meeting, planned, today)
    }

    /// Whether `unit` is `ancestor` or below it.
    fn within(&self, unit: u32, ancestor: u32) -> bool {
        let mut at = Some(unit);
        for _ in 0..=self.parent.len() {
            match at {
                Some(u) if u == ancestor => return true,
                Some(u) => at = self.parent.get(u as usize).copied().flatten(),
                None => return false,
            }
        }
        false
    }
}

/// The needs analysis of a whole population, computed from scratch.
pub fn needs_analysis(org: &Organisation, population: &Population) -> NeedsAnalysis {
    NeedsIndex::build(org, population).analysis(None)
}

/// One group of a population (e.g. the members within one of the units below a unit): how
/// many members, and per competency how many of them have a gap in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupGaps {
    pub employees: u64,
    /// By competency index.
    pub with_gap: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::kinds::{PositionKind, ProgramForm};
    use crate::org::{Member, OrgNeed, PositionStandard, UnitTree};
    use crate::recommend::tests::{competency, program};

    /// ROOT with X (and X1 below it) and Y; one position requiring A at 2 and B at 1.
    fn organisation() -> Organisation {
        let catalog = Catalog::new(
            &[
                competency("A", &[]),
                competency("B", &[]),
                competency("C", &[]),
            ],
            &[
                program(
                    "PA",
                    ProgramForm::PelatihanTeknis,
                    10,
                    1_000,
                    &[("A", 3)],
                    &[],
                ),
                program(
                    "PB",
                    ProgramForm::PelatihanTeknis,
                    10,
                    1_000,
                    &[("B", 2)],
                    &[],
                ),
            ],
        );
        let units = UnitTree::new(&[
            ("ROOT".into(), None),
            ("X".into(), Some("ROOT".into())),
            ("X1".into(), Some("X".into())),
            ("Y".into(), Some("ROOT".into())),
        ]);
        let positions = vec![
            PositionStandard {
                code: "P".into(),
                kind: PositionKind::Pelaksana,
                requirements: vec![(0, 2), (1, 1)],
            },
            PositionStandard {
                code: "Q".into(),
                kind: PositionKind::Fungsional,
                requirements: vec![(1, 2), (2, 1)],
            },
        ];
        Organisation::new(catalog, units, positions, vec![])
    }

    fn member(nip: &str, unit: u32) -> Member {
        Member {
            nip: nip.into(),
            unit,
            position: Some(0),
        }
    }

    #[test]
    fn the_heat_map_counts_each_member_in_the_group_of_their_unit() {
        let org = organisation();
        let population = Population {
            members: vec![
                member("1", 1),
                member("2", 2),
                member("3", 3),
                member("4", 0),
            ],
            // (A, B, C) per member: gap in A and B; none; gap in A; outside every group.
            levels: vec![1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 0, 0],
        };
        // Groups: X (with X1 below it) and Y; ROOT's own members belong to neither.
        let groups = NeedsIndex::build(&org, &population).by_group(&[1, 3]);
        assert_eq!(
            groups,
            vec![
                GroupGaps {
                    employees: 2,
                    with_gap: vec![1, 1, 0]
                },
                GroupGaps {
                    employees: 1,
                    with_gap: vec![1, 0, 0]
                },
            ]
        );
    }

    /// A small deterministic generator (xorshift), so that a failing sequence can be replayed.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Two organisational needs: A at 3 in X's subtree, and C at 1 for the fungsional staff
    /// of everyone.
    fn with_needs(mut org: Organisation) -> Organisation {
        let need = |id, unit, competency, level, position_kind| OrgNeed {
            id,
            unit,
            competency,
            level,
            target_share: 0.5,
            position_kind,
            due: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            priority: 2,
        };
        org.needs = vec![
            need(1, 1, 0, 3, None),
            need(2, 0, 2, 1, Some(PositionKind::Fungsional)),
        ];
        org
    }

    /// The members of `unit`'s subtree, with their levels.
    fn members_within(org: &Organisation, population: &Population, unit: u32) -> Population {
        let width = org.catalog.competency_count();
        let mut within = Population::default();
        for (i, m) in population.members.iter().enumerate() {
            if org.units.within(m.unit, unit) {
                within.members.push(m.clone());
                within
                    .levels
                    .extend_from_slice(population.levels_of(i, width));
            }
        }
        within
    }

    #[test]
    fn changes_applied_one_by_one_equal_the_analysis_from_scratch() {
        let org = with_needs(organisation());
        let width = org.catalog.competency_count();
        for seed in 1..=20u64 {
            let mut random = Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut population = Population::default();
            for i in 0..30 {
                population
                    .members
                    .push(member(&format!("{i:02}"), (i % 4) as u32));
                population
                    .levels
                    .extend((0..width).map(|_| random.below(4) as u8));
            }
            let mut index = NeedsIndex::build(&org, &population);
            for _ in 0..60 {
                let i = random.below(population.members.len() as u64) as usize;
                match random.below(4) {
                    // New levels.
                    0 | 1 => {
                        for c in 0..width {
                            population.levels[i * width + c] = random.below(4) as u8;
                        }
                    }
                    // Another unit and position.
                    2 => {
                        population.members[i].unit = random.below(4) as u32;
                        population.members[i].position = match random.below(3) {
                            0 => None,
                            p => Some(p as u32 - 1),
                        };
                    }
                    // Gone.
                    _ => {
                        let nip = population.members.remove(i).nip;
                        population.levels.drain(i * width..(i + 1) * width);
                        index.apply(&org, &nip, None);
                        continue;
                    }
                }
                let m = population.members[i].clone();
                index.apply(&org, &m.nip, Some((&m, population.levels_of(i, width))));
            }
            let fresh = NeedsIndex::build(&org, &population);
            for unit in 0..org.units.len() as u32 {
                // The subtree's analysis from scratch: only its members.
                let within = members_within(&org, &population, unit);
                assert_eq!(
                    index.analysis(Some(unit)),
                    needs_analysis(&org, &within),
                    "seed {seed}, unit {unit}"
                );
            }
            assert_eq!(index.analysis(None), needs_analysis(&org, &population));
            // The needs' progress from the sums against the rule over the subtree's members;
            // every third NIP planned, some of them meeting the level already.
            let planned: HashSet<String> = (0..30).step_by(3).map(|i| format!("{i:02}")).collect();
            for today in [(2027, 1, 1), (2027, 7, 1)] {
                let today = NaiveDate::from_ymd_opt(today.0, today.1, today.2).unwrap();
                for (n, need) in org.needs.iter().enumerate() {
                    for unit in 0..org.units.len() as u32 {
                        let within = members_within(&org, &population, unit);
                        assert_eq!(
                            index.need_progress(&org, n, Some(unit), &planned, today),
                            org.need_progress(need, &within, &planned, today),
                            "seed {seed}, need {n}, unit {unit}"
                        );
                    }
                }
            }
            assert_eq!(index.employees(), population.members.len());
            assert_eq!(index.by_group(&[1, 3]), fresh.by_group(&[1, 3]));
        }
    }
}
