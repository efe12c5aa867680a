//! The training-needs analysis (AKPK, Analisis Kebutuhan Pengembangan Kompetensi; PP 11/2017
//! art. 206 and PermenPANRB 38/2017): per competency, how many employees fall short and by how
//! much; per program, how many employees it is recommended for and what that costs.

use crate::gap::gaps;
use crate::org::{Organisation, Population};
use std::collections::HashMap;

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

struct Acc {
    with_gap: Vec<u64>,
    total: Vec<u64>,
    programs: HashMap<u32, u64>,
}

pub fn needs_analysis(org: &Organisation, population: &Population) -> NeedsAnalysis {
    let width = org.catalog.competency_count();
    let parts = org.fold_population(
        population,
        || Acc {
            with_gap: vec![0; width],
            total: vec![0; width],
            programs: HashMap::new(),
        },
        |acc, _, gaps, rec| {
            for g in gaps {
                acc.with_gap[g.competency as usize] += 1;
                acc.total[g.competency as usize] += u64::from(g.size());
            }
            for p in &rec.programs {
                *acc.programs.entry(p.program).or_default() += 1;
            }
        },
    );
    let mut with_gap = vec![0u64; width];
    let mut total = vec![0u64; width];
    let mut programs: HashMap<u32, u64> = HashMap::new();
    for part in parts {
        for c in 0..width {
            with_gap[c] += part.with_gap[c];
            total[c] += part.total[c];
        }
        for (p, n) in part.programs {
            *programs.entry(p).or_default() += n;
        }
    }
    let competencies = (0..width)
        .filter(|&c| with_gap[c] > 0)
        .map(|c| CompetencyNeed {
            competency: c as u32,
            employees_with_gap: with_gap[c],
            total_gap: total[c],
            avg_gap: (total[c] as f64 / with_gap[c] as f64 * 100.0).round() / 100.0,
        })
        .collect();
    let mut programs: Vec<ProgramNeed> = programs
        .into_iter()
        .map(|(program, participants)| ProgramNeed {
            program,
            participants,
        })
        .collect();
    programs.sort_by(|a, b| {
        b.participants
            .cmp(&a.participants)
            .then(a.program.cmp(&b.program))
    });
    NeedsAnalysis {
        employees: population.members.len() as u64,
        competencies,
        programs,
    }
}

/// One group of a population (e.g. the members within one of the units below a unit): how
/// many members, and per competency how many of them have a gap in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupGaps {
    pub employees: u64,
    /// By competency index.
    pub with_gap: Vec<u64>,
}

/// The gap heat map of a needs analysis: each member counted in the group of their unit
/// (`group_of_unit[unit]`, none for members outside every group). Gaps only, in one pass; no
/// recommendations are needed for it.
pub fn gaps_by_group(
    org: &Organisation,
    population: &Population,
    group_of_unit: &[Option<usize>],
    groups: usize,
) -> Vec<GroupGaps> {
    let width = org.catalog.competency_count();
    let mut out = vec![
        GroupGaps {
            employees: 0,
            with_gap: vec![0; width],
        };
        groups
    ];
    for (i, m) in population.members.iter().enumerate() {
        let Some(&Some(g)) = group_of_unit.get(m.unit as usize) else {
            continue;
        };
        let group = &mut out[g];
        group.employees += 1;
        let requirements = org.requirements(m.unit, m.position, None);
        for gap in gaps(population.levels_of(i, width), &requirements) {
            group.with_gap[gap.competency as usize] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::kinds::{CompetencyKind, PositionKind};
    use crate::org::{Member, PositionStandard, UnitTree};
    use crate::reference::Competency;

    #[test]
    fn the_heat_map_counts_each_member_in_the_group_of_their_unit() {
        let competency = |code: &str| Competency {
            code: crate::Code::parse(code).unwrap(),
            name: code.into(),
            kind: CompetencyKind::Teknis,
            description: None,
            levels: vec![],
            prerequisites: vec![],
        };
        let catalog = Catalog::new(&[competency("A"), competency("B")], &[]);
        let units = UnitTree::new(&[
            ("ROOT".into(), None),
            ("X".into(), Some("ROOT".into())),
            ("X1".into(), Some("X".into())),
            ("Y".into(), Some("ROOT".into())),
        ]);
        // Requires A at 2 and B at 1.
        let positions = vec![PositionStandard {
            code: "P".into(),
            kind: PositionKind::Pelaksana,
            requirements: vec![(0, 2), (1, 1)],
        }];
        let org = Organisation::new(catalog, units, positions, vec![]);
        let member = |nip: &str, unit: u32| Member {
            nip: nip.into(),
            unit,
            position: Some(0),
        };
        let population = Population {
            members: vec![
                member("1", 1),
                member("2", 2),
                member("3", 3),
                member("4", 0),
            ],
            // (A, B) per member: gap in A and B; none; gap in A; outside every group.
            levels: vec![1, 0, 2, 1, 0, 1, 0, 0],
        };
        // Groups: X (with X1 below it) and Y; ROOT's own members belong to neither.
        let groups = gaps_by_group(&org, &population, &[None, Some(0), Some(0), Some(1)], 2);
        assert_eq!(
            groups,
            vec![
                GroupGaps {
                    employees: 2,
                    with_gap: vec![1, 1]
                },
                GroupGaps {
                    employees: 1,
                    with_gap: vec![1, 0]
                },
            ]
        );
    }
}
