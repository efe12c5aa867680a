//! The training-needs analysis (AKPK, Analisis Kebutuhan Pengembangan Kompetensi; PP 11/2017
//! art. 206 and PermenPANRB 38/2017): per competency, how many employees fall short and by how
//! much; per program, how many employees it is recommended for and what that costs.

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
