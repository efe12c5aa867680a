//! Recommendations: which programs close an employee's gaps, and in what order.
//!
//! For each gap the planner finds the cheapest set of programs that raises the competency from
//! the current to the required level (cost: [`Catalog::cost`], money plus the employee's time),
//! including the programs needed first to meet each program's `requires` and the competency
//! prerequisites of the levels it grants. Within one competency this is a shortest path over its
//! levels (edges only go up, so one ascending pass is exact); the prerequisites of other
//! competencies are planned recursively against the employee's current levels and memoised. Sets
//! are combined by union, so a program shared by two gaps is counted once.
//!
//! The chosen programs are then ordered by simulation: starting from the current levels, the
//! first program (by code) whose requirements and level prerequisites are met is taken next and
//! its levels applied. Every program's `requires` is therefore met by the current levels or by a
//! program earlier in the list; a program that can never become ready is left out and its gap
//! reported as uncovered with the reason.

use crate::catalog::Catalog;
use crate::gap::{Gap, Source};
use smallvec::SmallVec;

/// One step of a competency raised by a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raise {
    pub competency: u32,
    pub from: u8,
    pub to: u8,
}

/// Why a program is in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// It closes (part of) these gaps directly.
    ClosesGaps(Vec<u32>),
    /// It raises levels that later programs in the list need.
    Prerequisite {
        raises: Vec<u32>,
        for_programs: Vec<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommended {
    pub program: u32,
    pub closes: Vec<Raise>,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    pub competency: u32,
    pub level: u8,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recommendation {
    pub programs: Vec<Recommended>,
    pub uncovered: Vec<Uncovered>,
}

/// A set of programs as a sorted, duplicate-free vector: plans hold a handful of programs, and
/// the planner clones and merges them in its inner loop, where allocations would dominate, so
/// up to eight are kept inline.
#[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Programs(SmallVec<[u32; 8]>);

impl Clone for Programs {
    /// A copy of the slice (the derived clone pushes element by element; plans are cloned for
    /// every candidate program of every employee's gaps).
    fn clone(&self) -> Self {
        Programs(SmallVec::from_slice(&self.0))
    }
}

impl Programs {
    fn insert(&mut self, p: u32) {
        if let Err(at) = self.0.binary_search(&p) {
            self.0.insert(at, p);
        }
    }

    fn extend(&mut self, other: &Programs) {
        for &p in &other.0 {
            self.insert(p);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &u32> {
        self.0.iter()
    }
}

#[derive(Debug, Clone)]
struct Plan {
    cost: i64,
    programs: Programs,
}

struct Planner<'a> {
    catalog: &'a Catalog,
    base: &'a [u8],
    /// Per employee only a few (competency, level) targets are planned: a vector beats a map.
    memo: Vec<((u32, u8), Option<Plan>)>,
    in_progress: Vec<(u32, u8)>,
}

impl Planner<'_> {
    fn level(&self, c: u32) -> u8 {
        self.base.get(c as usize).copied().unwrap_or(0)
    }

    fn cost_of(&self, programs: &Programs) -> i64 {
        programs.iter().map(|&p| self.catalog.cost(p)).sum()
    }

    /// Is `a` better than `b`: cheaper; then fewer classroom programs; then smaller codes.
    fn better(&self, a: &Plan, b: &Plan) -> bool {
        let classroom = |p: &Plan| {
            p.programs
                .iter()
                .filter(|&&x| self.catalog.program(x).form.is_classroom())
                .count()
        };
        (a.cost, classroom(a), &a.programs) < (b.cost, classroom(b), &b.programs)
    }

    /// The cheapest plan that brings competency `c` to `target` or above, from the base levels.
    fn reach(&mut self, c: u32, target: u8) -> Option<Plan> {
        let catalog = self.catalog;
        let start = self.level(c);
        if start >= target {
            return Some(Plan {
                cost: 0,
                programs: Programs::default(),
            });
        }
        if let Some((_, known)) = self.memo.iter().find(|(k, _)| *k == (c, target)) {
            return known.clone();
        }
        if self.in_progress.contains(&(c, target)) {
            return None;
        }
        self.in_progress.push((c, target));
        let mut best: [Option<Plan>; 6] = Default::default();
        best[start as usize] = Some(Plan {
            cost: 0,
            programs: Programs::default(),
        });
        for l in start..5 {
            // Plans reaching `l` are read while those reaching above it are written.
            let (below, above) = best.split_at_mut(l as usize + 1);
            let Some(here) = below[l as usize].as_ref() else {
                continue;
            };
            for &p in catalog.developers(c) {
                let info = catalog.program(p);
                let to = info
                    .develops
                    .iter()
                    .find(|(dc, _)| *dc == c)
                    .map_or(0, |d| d.1)
                    .min(5);
                if to <= l {
                    continue;
                }
                let mut programs = here.programs.clone();
                programs.insert(p);
                let mut feasible = true;
                // The program's own requirements.
                for &(rc, rl) in &info.requires {
                    if rc == c {
                        feasible &= rl <= l;
                    } else if let Some(sub) = self.reach(rc, rl) {
                        programs.extend(&sub.programs);
                    } else {
                        feasible = false;
                    }
                }
                // The prerequisites of every level it grants, of this and other competencies.
                for &(dc, dto) in &info.develops {
                    let from = if dc == c { l } else { self.level(dc) };
                    for pre in catalog.prerequisites(dc) {
                        if pre.for_level <= from || pre.for_level > dto {
                            continue;
                        }
                        if pre.competency == c {
                            feasible &= pre.level <= l;
                        } else if let Some(sub) = self.reach(pre.competency, pre.level) {
                            programs.extend(&sub.programs);
                        } else {
                            feasible = false;
                        }
                    }
                }
                if !feasible {
                    continue;
                }
                let plan = Plan {
                    cost: self.cost_of(&programs),
                    programs,
                };
                let slot = &mut above[usize::from(to - l) - 1];
                if slot.as_ref().is_none_or(|b| self.better(&plan, b)) {
                    *slot = Some(plan);
                }
            }
        }
        let mut result: Option<&Plan> = None;
        for plan in best[target as usize..].iter().flatten() {
            if result.is_none_or(|r| self.better(plan, r)) {
                result = Some(plan);
            }
        }
        let result = result.cloned();
        self.in_progress.retain(|k| *k != (c, target));
        self.memo.push(((c, target), result.clone()));
        result
    }
}

/// Whether program `p` can be taken with `levels`: its requirements are met, and so are the
/// prerequisites of every level it grants.
pub fn ready(catalog: &Catalog, levels: &[u8], p: u32) -> bool {
    let info = catalog.program(p);
    let at = |c: u32| levels.get(c as usize).copied().unwrap_or(0);
    info.requires.iter().all(|&(c, l)| at(c) >= l)
        && info.develops.iter().all(|&(c, to)| {
            catalog
                .prerequisites(c)
                .iter()
                .filter(|pre| pre.for_level > at(c) && pre.for_level <= to)
                .all(|pre| at(pre.competency) >= pre.level)
        })
}

/// Recommends programs for the `gaps` of an employee with dense `levels`.
pub fn recommend(catalog: &Catalog, levels: &[u8], gaps: &[Gap]) -> Recommendation {
    let mut planner = Planner {
        catalog,
        base: levels,
        memo: Vec::with_capacity(16),
        in_progress: Vec::with_capacity(8),
    };
    let mut chosen = Programs::default();
    let mut uncovered = Vec::new();
    for gap in gaps {
        match planner.reach(gap.competency, gap.required) {
            Some(plan) => chosen.extend(&plan.programs),
            None => uncovered.push(Uncovered {
                competency: gap.competency,
                level: gap.required,
                reason: unreachable_reason(catalog, gap),
            }),
        }
    }

    // Order by simulation (see the module documentation).
    let mut sim = levels.to_vec();
    let mut remaining: Vec<u32> = chosen.0.into_vec();
    let mut ordered: Vec<(u32, Vec<Raise>)> = Vec::new();
    while let Some(i) = remaining.iter().position(|&p| ready(catalog, &sim, p)) {
        let p = remaining.remove(i);
        let mut closes = Vec::new();
        for &(c, to) in &catalog.program(p).develops {
            let from = sim[c as usize];
            if to > from {
                closes.push(Raise {
                    competency: c,
                    from,
                    to,
                });
                sim[c as usize] = to;
            }
        }
        if !closes.is_empty() {
            ordered.push((p, closes));
        }
    }

    let is_gap = |c: u32| gaps.iter().any(|g| g.competency == c);
    let mut programs = Vec::with_capacity(ordered.len());
    for (i, (p, closes)) in ordered.iter().enumerate() {
        let closed: Vec<u32> = closes
            .iter()
            .filter(|r| is_gap(r.competency))
            .map(|r| r.competency)
            .collect();
        let reason = if closed.is_empty() {
            let raises: Vec<u32> = closes.iter().map(|r| r.competency).collect();
            let for_programs = ordered[i + 1..]
                .iter()
                .filter(|(later, _)| {
                    let info = catalog.program(*later);
                    info.requires.iter().any(|(c, _)| raises.contains(c))
                        || info.develops.iter().any(|&(dc, _)| {
                            catalog
                                .prerequisites(dc)
                                .iter()
                                .any(|pre| raises.contains(&pre.competency))
                        })
                })
                .map(|(later, _)| *later)
                .collect();
            Reason::Prerequisite {
                raises,
                for_programs,
            }
        } else {
            Reason::ClosesGaps(closed)
        };
        programs.push(Recommended {
            program: *p,
            closes: closes.clone(),
            reason,
        });
    }
    for gap in gaps {
        if sim[gap.competency as usize] < gap.required
            && !uncovered.iter().any(|u| u.competency == gap.competency)
        {
            uncovered.push(Uncovered {
                competency: gap.competency,
                level: gap.required,
                reason: format!(
                    "the programs that develop {} to level {} need prerequisites that cannot be met in order",
                    catalog.competency_code(gap.competency),
                    gap.required
                ),
            });
        }
    }
    // A gap no plan of its own could reach may still have been closed by another gap's programs.
    uncovered.retain(|u| sim[u.competency as usize] < u.level);
    uncovered.sort_by_key(|u| u.competency);
    Recommendation {
        programs,
        uncovered,
    }
}

fn unreachable_reason(catalog: &Catalog, gap: &Gap) -> String {
    let code = catalog.competency_code(gap.competency);
    let reaches = catalog.developers(gap.competency).iter().any(|&p| {
        catalog
            .program(p)
            .develops
            .iter()
            .any(|&(c, to)| c == gap.competency && to >= gap.required)
    });
    if reaches {
        format!(
            "the programs that develop {code} to level {} need prerequisites no program provides",
            gap.required
        )
    } else {
        format!("no program develops {code} to level {}", gap.required)
    }
}

/// A human-readable reason, in the API's words.
pub fn describe(catalog: &Catalog, gaps: &[Gap], r: &Recommended) -> String {
    match &r.reason {
        Reason::ClosesGaps(cs) => {
            let parts: Vec<String> = cs
                .iter()
                .filter_map(|c| gaps.iter().find(|g| g.competency == *c))
                .map(|g| {
                    let sources: Vec<String> = g.sources.iter().map(Source::label).collect();
                    format!(
                        "{} (required {} by {}, current {})",
                        catalog.competency_code(g.competency),
                        g.required,
                        sources.join(", "),
                        g.current
                    )
                })
                .collect();
            format!("closes the gap in {}", parts.join("; "))
        }
        Reason::Prerequisite {
            raises,
            for_programs,
        } => {
            let raises: Vec<&str> = raises.iter().map(|c| catalog.competency_code(*c)).collect();
            let needed: Vec<&str> = for_programs
                .iter()
                .map(|p| catalog.program(*p).code.as_str())
                .collect();
            if needed.is_empty() {
                format!("raises {} needed for the next level", raises.join(", "))
            } else {
                format!(
                    "prerequisite: raises {} required by {}",
                    raises.join(", "),
                    needed.join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::gap::{Requirement, gaps};
    use crate::kinds::{CompetencyKind, ProgramForm};
    use crate::reference::{Competency, Development, LevelRequirement, PrerequisiteDef, Program};
    use crate::{Code, Level};

    pub(crate) fn competency(code: &str, prereqs: &[(u8, &str, u8)]) -> Competency {
        Competency {
            code: Code::parse(code).unwrap(),
            name: code.into(),
            kind: CompetencyKind::Teknis,
            description: None,
            levels: vec![],
            prerequisites: prereqs
                .iter()
                .map(|&(f, c, l)| PrerequisiteDef {
                    for_level: Level::new(f.into()).unwrap(),
                    competency: Code::parse(c).unwrap(),
                    level: Level::new(l.into()).unwrap(),
                })
                .collect(),
        }
    }

    pub(crate) fn program(
        code: &str,
        form: ProgramForm,
        jp: u32,
        cost: i64,
        develops: &[(&str, u8)],
        requires: &[(&str, u8)],
    ) -> Program {
        Program {
            code: Code::parse(code).unwrap(),
            title: code.into(),
            form,
            jp,
            cost_idr: cost,
            provider: "p".into(),
            capacity: None,
            duration_days: None,
            develops: develops
                .iter()
                .map(|&(c, l)| Development {
                    competency: Code::parse(c).unwrap(),
                    to_level: Level::new(l.into()).unwrap(),
                })
                .collect(),
            requires: requires
                .iter()
                .map(|&(c, l)| LevelRequirement {
                    competency: Code::parse(c).unwrap(),
                    level: Level::new(l.into()).unwrap(),
                })
                .collect(),
        }
    }

    /// Recommends for levels given by code, against position requirements given by code.
    fn run(
        catalog: &Catalog,
        held: &[(&str, u8)],
        required: &[(&str, u8)],
    ) -> (Vec<String>, Vec<String>) {
        let levels = catalog.levels(held.iter().copied());
        let reqs: Vec<Requirement> = required
            .iter()
            .map(|&(c, l)| Requirement {
                competency: catalog.competency(c).unwrap(),
                level: l,
                source: Source::Position,
                weight: 1,
            })
            .collect();
        let g = gaps(&levels, &reqs);
        let r = recommend(catalog, &levels, &g);
        let programs = r
            .programs
            .iter()
            .map(|p| catalog.program(p.program).code.clone())
            .collect();
        let uncovered = r
            .uncovered
            .iter()
            .map(|u| format!("{}:{}", catalog.competency_code(u.competency), u.reason))
            .collect();
        (programs, uncovered)
    }

    use ProgramForm::*;

    #[test]
    fn a_prerequisite_chain_is_planned_in_order() {
        // MPR 3 needs the program PLT-MPR, which requires PBJ 2, which needs KEU 2 first.
        let catalog = Catalog::new(
            &[
                competency("KEU", &[]),
                competency("PBJ", &[(2, "KEU", 2)]),
                competency("MPR", &[]),
            ],
            &[
                program("A-KEU", PelatihanTeknis, 40, 3_000_000, &[("KEU", 2)], &[]),
                program("B-PBJ", PelatihanTeknis, 32, 3_000_000, &[("PBJ", 2)], &[]),
                program(
                    "C-MPR",
                    PelatihanTeknis,
                    48,
                    7_500_000,
                    &[("MPR", 3)],
                    &[("PBJ", 2)],
                ),
            ],
        );
        let (programs, uncovered) = run(&catalog, &[("KEU", 1)], &[("MPR", 3)]);
        assert_eq!(programs, ["A-KEU", "B-PBJ", "C-MPR"]);
        assert!(uncovered.is_empty());
    }

    #[test]
    fn a_diamond_takes_the_shared_prerequisite_once() {
        let catalog = Catalog::new(
            &[
                competency("BASE", &[]),
                competency("L", &[]),
                competency("R", &[]),
                competency("TOP", &[]),
            ],
            &[
                program("P-BASE", ELearning, 10, 0, &[("BASE", 2)], &[]),
                program("P-L", Kursus, 16, 1_000_000, &[("L", 2)], &[("BASE", 2)]),
                program("P-R", Kursus, 16, 1_000_000, &[("R", 2)], &[("BASE", 2)]),
                program(
                    "P-TOP",
                    Workshop,
                    24,
                    2_000_000,
                    &[("TOP", 3)],
                    &[("L", 2), ("R", 2)],
                ),
            ],
        );
        let (programs, _) = run(&catalog, &[], &[("TOP", 3)]);
        assert_eq!(programs, ["P-BASE", "P-L", "P-R", "P-TOP"]);
    }

    #[test]
    fn a_gap_no_program_closes_is_uncovered_with_the_reason() {
        let catalog = Catalog::new(
            &[competency("A", &[]), competency("B", &[])],
            &[program("P-A", Kursus, 16, 1_000_000, &[("A", 3)], &[])],
        );
        let (programs, uncovered) = run(&catalog, &[("A", 1)], &[("A", 4), ("B", 2)]);
        assert!(programs.is_empty());
        assert_eq!(
            uncovered,
            [
                "A:no program develops A to level 4",
                "B:no program develops B to level 2"
            ]
        );
    }

    #[test]
    fn the_cheaper_of_two_programs_wins_and_non_classroom_breaks_ties() {
        let catalog = Catalog::new(
            &[competency("A", &[])],
            &[
                program("CLASS", PelatihanTeknis, 40, 4_000_000, &[("A", 3)], &[]),
                program("ELEARN", ELearning, 12, 0, &[("A", 3)], &[]),
            ],
        );
        assert_eq!(run(&catalog, &[("A", 2)], &[("A", 3)]).0, ["ELEARN"]);
        let tie = Catalog::new(
            &[competency("A", &[])],
            &[
                program("AA-CLASS", Kursus, 10, 0, &[("A", 3)], &[]),
                program("ZZ-COACH", Coaching, 10, 0, &[("A", 3)], &[]),
            ],
        );
        assert_eq!(run(&tie, &[("A", 2)], &[("A", 3)]).0, ["ZZ-COACH"]);
    }

    #[test]
    fn two_cheap_steps_can_beat_one_dear_jump() {
        let catalog = Catalog::new(
            &[competency("A", &[])],
            &[
                program("JUMP", PelatihanTeknis, 80, 20_000_000, &[("A", 4)], &[]),
                program("STEP1", ELearning, 10, 0, &[("A", 3)], &[]),
                program("STEP2", Workshop, 24, 2_000_000, &[("A", 4)], &[("A", 3)]),
            ],
        );
        assert_eq!(
            run(&catalog, &[("A", 2)], &[("A", 4)]).0,
            ["STEP1", "STEP2"]
        );
    }

    #[test]
    fn prerequisites_no_program_provides_leave_the_gap_uncovered() {
        let catalog = Catalog::new(
            &[competency("A", &[]), competency("X", &[])],
            &[program(
                "P-A",
                Kursus,
                16,
                1_000_000,
                &[("A", 3)],
                &[("X", 2)],
            )],
        );
        let (programs, uncovered) = run(&catalog, &[], &[("A", 3)]);
        assert!(programs.is_empty());
        assert_eq!(
            uncovered,
            ["A:the programs that develop A to level 3 need prerequisites no program provides"]
        );
    }

    #[test]
    fn the_answer_is_deterministic() {
        let catalog = Catalog::new(
            &[competency("A", &[]), competency("B", &[])],
            &[
                program("P1", Kursus, 10, 0, &[("A", 3), ("B", 3)], &[]),
                program("P2", Kursus, 10, 0, &[("A", 3)], &[]),
                program("P3", Kursus, 10, 0, &[("B", 3)], &[]),
            ],
        );
        let first = run(&catalog, &[], &[("A", 3), ("B", 3)]);
        for _ in 0..20 {
            assert_eq!(run(&catalog, &[], &[("A", 3), ("B", 3)]), first);
        }
        assert_eq!(
            first.0,
            ["P1"],
            "one program closing both gaps is cheaper than two"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn catalog_strategy() -> impl Strategy<Value = Catalog> {
            let n = 6usize;
            let programs = prop::collection::vec(
                (
                    0..n,
                    1u8..=5,
                    prop::collection::vec((0..n, 1u8..=5), 0..3),
                    0u32..40,
                    0i64..5_000_000,
                    any::<bool>(),
                ),
                1..14,
            );
            let prereqs = prop::collection::vec((0..n, 2u8..=5, 0..n, 1u8..=4), 0..5);
            (programs, prereqs).prop_map(move |(programs, prereqs)| {
                let codes: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
                let comps: Vec<Competency> = (0..n)
                    .map(|i| {
                        // Only prerequisites on lower-numbered competencies: never a cycle.
                        let own: Vec<(u8, &str, u8)> = prereqs
                            .iter()
                            .filter(|(c, _, d, _)| *c == i && *d < i)
                            .map(|(_, f, d, l)| (*f, codes[*d].as_str(), *l))
                            .collect();
                        let mut seen = std::collections::HashSet::new();
                        let own: Vec<_> = own
                            .into_iter()
                            .filter(|(f, d, _)| seen.insert((*f, d.to_string())))
                            .collect();
                        competency(&codes[i], &own)
                    })
                    .collect();
                let progs: Vec<Program> = programs
                    .iter()
                    .enumerate()
                    .map(|(i, (c, to, reqs, jp, cost, online))| {
                        let mut seen = std::collections::HashSet::new();
                        let reqs: Vec<(&str, u8)> = reqs
                            .iter()
                            .filter(|(rc, _)| seen.insert(*rc))
                            .map(|(rc, rl)| (codes[*rc].as_str(), *rl))
                            .collect();
                        let form = if *online { ELearning } else { Kursus };
                        program(
                            &format!("P{i:02}"),
                            form,
                            *jp,
                            *cost,
                            &[(codes[*c].as_str(), *to)],
                            &reqs,
                        )
                    })
                    .collect();
                Catalog::new(&comps, &progs)
            })
        }

        proptest! {
            #[test]
            fn every_recommended_order_satisfies_all_prerequisites(
                catalog in catalog_strategy(),
                held in prop::collection::vec(0u8..=3, 6),
                required in prop::collection::vec(0u8..=5, 6),
            ) {
                let reqs: Vec<Requirement> = required.iter().enumerate()
                    .filter(|(_, l)| **l > 0)
                    .map(|(c, l)| Requirement { competency: c as u32, level: *l, source: Source::Position, weight: 1 })
                    .collect();
                let g = gaps(&held, &reqs);
                let r = recommend(&catalog, &held, &g);
                let mut sim = held.clone();
                for p in &r.programs {
                    prop_assert!(ready(&catalog, &sim, p.program), "{} taken before its prerequisites", catalog.program(p.program).code);
                    for &(c, to) in &catalog.program(p.program).develops {
                        sim[c as usize] = sim[c as usize].max(to);
                    }
                }
                // Every gap is either closed by the list or reported uncovered.
                for gap in &g {
                    let closed = sim[gap.competency as usize] >= gap.required;
                    let reported = r.uncovered.iter().any(|u| u.competency == gap.competency);
                    prop_assert!(closed != reported);
                }
                // No program twice.
                let mut codes: Vec<u32> = r.programs.iter().map(|p| p.program).collect();
                codes.sort();
                codes.dedup();
                prop_assert_eq!(codes.len(), r.programs.len());
            }
        }
    }
}
