//! The organisation as analyses see it: the unit tree, position standards, organisational needs
//! and a population of employees with their current levels, in compact arrays. Built by the
//! store with set-based queries; everything here is pure.

use crate::catalog::Catalog;
use crate::gap::{Gap, Requirement, Source, gaps};
use crate::kinds::PositionKind;
use crate::recommend::{Recommendation, recommend};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The unit tree by index.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    codes: Vec<String>,
    parent: Vec<Option<u32>>,
    index: HashMap<String, u32>,
}

impl UnitTree {
    /// From (code, parent code) pairs; unknown parents are treated as roots.
    pub fn new(units: &[(String, Option<String>)]) -> Self {
        let index: HashMap<String, u32> = units
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), i as u32))
            .collect();
        let parent = units
            .iter()
            .map(|(_, p)| p.as_ref().and_then(|p| index.get(p).copied()))
            .collect();
        UnitTree {
            codes: units.iter().map(|(c, _)| c.clone()).collect(),
            parent,
            index,
        }
    }

    pub fn index(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub fn code(&self, u: u32) -> &str {
        &self.codes[u as usize]
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The unit directly above `u`, if any.
    pub fn parent(&self, u: u32) -> Option<u32> {
        self.parent[u as usize]
    }

    /// The units directly below `u`, by code.
    pub fn children(&self, u: u32) -> Vec<u32> {
        let mut out: Vec<u32> = (0..self.codes.len() as u32)
            .filter(|&c| self.parent[c as usize] == Some(u))
            .collect();
        out.sort_by(|a, b| self.code(*a).cmp(self.code(*b)));
        out
    }

    /// Whether `u` is `ancestor` or lies below it.
    pub fn within(&self, u: u32, ancestor: u32) -> bool {
        let mut cur = Some(u);
        let mut steps = 0;
        while let Some(x) = cur {
            if x == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.codes.len() {
                return false;
            }
            cur = self.parent[x as usize];
        }
        false
    }

    /// The unit every other unit lies below (the organisation itself), when the tree has exactly
    /// one root.
    pub fn sole_root(&self) -> Option<u32> {
        let mut roots = (0..self.codes.len() as u32).filter(|u| self.parent[*u as usize].is_none());
        match (roots.next(), roots.next()) {
            (Some(root), None) => Some(root),
            _ => None,
        }
    }
}

/// A position's competency standard.
#[derive(Debug, Clone)]
pub struct PositionStandard {
    pub code: String,
    pub kind: PositionKind,
    pub requirements: Vec<(u32, u8)>,
}

/// An organisational need: employees of a unit subtree (optionally of one position kind) should
/// hold `competency` at `level`; `target_share` of them by `due`.
#[derive(Debug, Clone)]
pub struct OrgNeed {
    pub id: i64,
    pub unit: u32,
    pub competency: u32,
    pub level: u8,
    pub target_share: f64,
    pub position_kind: Option<PositionKind>,
    pub due: NaiveDate,
    pub priority: u32,
}

/// How far an organisational need is (see [`Organisation::need_progress`]); the default is a
/// need nobody is eligible for (not on track: a target share is always above zero).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NeedProgress {
    pub eligible: u64,
    pub meeting: u64,
    pub planned: u64,
    pub share: f64,
    pub projected_share: f64,
    pub on_track: bool,
}

impl NeedProgress {
    /// The shares and the verdict from the counts: on track when the projected share reaches
    /// the target before the due date; after it, only the share itself counts.
    pub fn of(need: &OrgNeed, eligible: u64, meeting: u64, planned: u64, today: NaiveDate) -> Self {
        let of_eligible = |n: u64| {
            if eligible == 0 {
                0.0
            } else {
                n as f64 / eligible as f64
            }
        };
        let share = of_eligible(meeting);
        let projected_share = of_eligible(meeting + planned);
        let on_track = if today > need.due {
            share >= need.target_share
        } else {
            projected_share >= need.target_share
        };
        NeedProgress {
            eligible,
            meeting,
            planned,
            share,
            projected_share,
            on_track,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Organisation {
    pub catalog: Catalog,
    pub units: UnitTree,
    pub positions: Vec<PositionStandard>,
    position_index: HashMap<String, u32>,
    pub needs: Vec<OrgNeed>,
}

/// One employee of a population.
#[derive(Debug, Clone)]
pub struct Member {
    pub nip: String,
    pub unit: u32,
    pub position: Option<u32>,
}

/// Employees and their current levels, `levels` flat with `catalog.competency_count()` per member.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub members: Vec<Member>,
    pub levels: Vec<u8>,
}

impl Population {
    pub fn levels_of(&self, i: usize, width: usize) -> &[u8] {
        &self.levels[i * width..(i + 1) * width]
    }
}

impl Organisation {
    pub fn new(
        catalog: Catalog,
        units: UnitTree,
        positions: Vec<PositionStandard>,
        needs: Vec<OrgNeed>,
    ) -> Self {
        let position_index = positions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i as u32))
            .collect();
        Organisation {
            catalog,
            units,
            positions,
            position_index,
            needs,
        }
    }

    pub fn position(&self, code: &str) -> Option<u32> {
        self.position_index.get(code).copied()
    }

    /// Whether a need applies to an employee of `unit` holding `position`.
    pub fn need_applies(&self, need: &OrgNeed, unit: u32, position: Option<u32>) -> bool {
        self.units.within(unit, need.unit)
            && need
                .position_kind
                .is_none_or(|k| position.is_some_and(|p| self.positions[p as usize].kind == k))
    }

    /// How far `need` is in `population`: the employees it applies to, those at the level now,
    /// those (of the rest) whose approved plans will bring them to it (`planned`, by NIP), the
    /// shares, and whether it is on track on `today`: the projected share reaches the target
    /// before the due date; after it, only the share itself counts.
    pub fn need_progress(
        &self,
        need: &OrgNeed,
        population: &Population,
        planned: &std::collections::HashSet<String>,
        today: NaiveDate,
    ) -> NeedProgress {
        let width = self.catalog.competency_count();
        let (mut eligible, mut meeting, mut planned_count) = (0u64, 0u64, 0u64);
        for (i, m) in population.members.iter().enumerate() {
            if self.need_applies(need, m.unit, m.position) {
                eligible += 1;
                if population.levels_of(i, width)[need.competency as usize] >= need.level {
                    meeting += 1;
                } else if planned.contains(&m.nip) {
                    planned_count += 1;
                }
            }
        }
        NeedProgress::of(need, eligible, meeting, planned_count, today)
    }

    /// Everything required of an employee: the position standard (weight 1), a target
    /// position's standard (weight 1) and the organisational needs that apply (their priority).
    pub fn requirements(
        &self,
        unit: u32,
        position: Option<u32>,
        target: Option<u32>,
    ) -> Vec<Requirement> {
        let mut out = Vec::new();
        if let Some(p) = position {
            out.extend(
                self.positions[p as usize]
                    .requirements
                    .iter()
                    .map(|&(c, l)| Requirement {
                        competency: c,
                        level: l,
                        source: Source::Position,
                        weight: 1,
                    }),
            );
        }
        if let Some(t) = target {
            let std = &self.positions[t as usize];
            out.extend(std.requirements.iter().map(|&(c, l)| Requirement {
                competency: c,
                level: l,
                source: Source::TargetPosition(std.code.clone()),
                weight: 1,
            }));
        }
        for need in &self.needs {
            if self.need_applies(need, unit, position) {
                out.push(Requirement {
                    competency: need.competency,
                    level: need.level,
                    source: Source::OrgNeed(need.id),
                    weight: need.priority.max(1),
                });
            }
        }
        out
    }

    /// Gaps and recommendations of one member.
    pub fn analyse(&self, member: &Member, levels: &[u8]) -> (Vec<Gap>, Recommendation) {
        let g = gaps(
            levels,
            &self.requirements(member.unit, member.position, None),
        );
        let r = recommend(&self.catalog, levels, &g);
        (g, r)
    }

    /// Analyses every member, on all cores, folding each result into a per-thread accumulator.
    pub fn fold_population<A: Send>(
        &self,
        population: &Population,
        init: impl Fn() -> A + Sync,
        step: impl Fn(&mut A, usize, &[Gap], &Recommendation) + Sync,
    ) -> Vec<A> {
        let width = self.catalog.competency_count();
        let n = population.members.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(n.max(1));
        let chunk = n.div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|start| {
                    let (init, step) = (&init, &step);
                    scope.spawn(move || {
                        let mut acc = init();
                        for i in start..(start + chunk).min(n) {
                            let (g, r) = self
                                .analyse(&population.members[i], population.levels_of(i, width));
                            step(&mut acc, i, &g, &r);
                        }
                        acc
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("analysis thread"))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees_and_the_sole_root() {
        let units = UnitTree::new(&[
            ("ROOT".into(), None),
            ("A".into(), Some("ROOT".into())),
            ("A1".into(), Some("A".into())),
            ("B".into(), Some("ROOT".into())),
        ]);
        let (root, a, a1, b) = (0, 1, 2, 3);
        assert!(units.within(a1, a) && units.within(a1, root) && !units.within(a1, b));
        assert_eq!(units.sole_root(), Some(root));
        assert_eq!(
            (units.children(root), units.children(a1)),
            (vec![a, b], vec![])
        );
        assert_eq!((units.parent(a1), units.parent(root)), (Some(a), None));
        let two = UnitTree::new(&[("X".into(), None), ("Y".into(), None)]);
        assert_eq!(two.sole_root(), None);
    }
}
