//! The competency dictionary and the programs as compact, index-addressed arrays: the shape every
//! analysis works on (gap analysis, recommendations, needs analysis, plan optimisation).
//!
//! Competencies are numbered in code order, so iterating by index is iterating by code, which
//! keeps every answer deterministic. An employee's levels are a dense `[u8]` of length
//! `competency_count()` (0 = not assessed).

use crate::kinds::ProgramForm;
use crate::reference::{Competency, Program};
use std::collections::HashMap;

/// A program, with its competencies as indexes.
#[derive(Debug, Clone)]
pub struct ProgramInfo {
    pub code: String,
    pub title: String,
    pub form: ProgramForm,
    pub jp: u32,
    pub cost_idr: i64,
    pub provider: String,
    pub capacity: Option<u32>,
    /// (competency, to_level)
    pub develops: Vec<(u32, u8)>,
    /// (competency, level)
    pub requires: Vec<(u32, u8)>,
}

/// A competency-level prerequisite: to reach `for_level` one must hold `competency` at `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelPrerequisite {
    pub for_level: u8,
    pub competency: u32,
    pub level: u8,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    codes: Vec<String>,
    names: Vec<String>,
    index: HashMap<String, u32>,
    prerequisites: Vec<Vec<LevelPrerequisite>>,
    programs: Vec<ProgramInfo>,
    program_index: HashMap<String, u32>,
    /// For each competency, the programs that develop it.
    developers: Vec<Vec<u32>>,
}

/// What one JP of an employee's time is worth in the cost of a program (Rupiah): about an hour
/// of a mid-career civil servant's pay and allowances. Programs are compared by
/// `cost_idr + JP_VALUE_IDR × jp`, so a free 10-JP e-learning course beats a paid 40-JP classroom
/// course that closes the same gap, and between equal costs non-classroom forms come first.
pub const JP_VALUE_IDR: i64 = 40_000;

impl Catalog {
    /// Builds the catalog. Prerequisites or program links naming unknown competencies are
    /// ignored (the store never holds such links).
    pub fn new(competencies: &[Competency], programs: &[Program]) -> Catalog {
        let mut codes: Vec<String> = competencies.iter().map(|c| c.code.to_string()).collect();
        codes.sort();
        codes.dedup();
        let index: HashMap<String, u32> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as u32))
            .collect();
        let mut names = vec![String::new(); codes.len()];
        for c in competencies {
            if let Some(&i) = index.get(c.code.as_str()) {
                names[i as usize] = c.name.clone();
            }
        }
        let mut prerequisites = vec![Vec::new(); codes.len()];
        for c in competencies {
            let Some(&ci) = index.get(c.code.as_str()) else {
                continue;
            };
            for p in &c.prerequisites {
                if let Some(&pi) = index.get(p.competency.as_str()) {
                    prerequisites[ci as usize].push(LevelPrerequisite {
                        for_level: p.for_level.get(),
                        competency: pi,
                        level: p.level.get(),
                    });
                }
            }
        }
        let mut sorted: Vec<&Program> = programs.iter().collect();
        sorted.sort_by(|a, b| a.code.cmp(&b.code));
        let mut infos = Vec::with_capacity(sorted.len());
        let mut developers = vec![Vec::new(); codes.len()];
        for p in sorted {
            let pi = infos.len() as u32;
            let develops: Vec<(u32, u8)> = p
                .develops
                .iter()
                .filter_map(|d| {
                    index
                        .get(d.competency.as_str())
                        .map(|&c| (c, d.to_level.get()))
                })
                .collect();
            for &(c, _) in &develops {
                developers[c as usize].push(pi);
            }
            infos.push(ProgramInfo {
                code: p.code.to_string(),
                title: p.title.clone(),
                form: p.form,
                jp: p.jp,
                cost_idr: p.cost_idr,
                provider: p.provider.clone(),
                capacity: p.capacity,
                develops,
                requires: p
                    .requires
                    .iter()
                    .filter_map(|r| {
                        index
                            .get(r.competency.as_str())
                            .map(|&c| (c, r.level.get()))
                    })
                    .collect(),
            });
        }
        let program_index = infos
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i as u32))
            .collect();
        Catalog {
            codes,
            names,
            index,
            prerequisites,
            programs: infos,
            program_index,
            developers,
        }
    }

    pub fn competency_count(&self) -> usize {
        self.codes.len()
    }

    pub fn competency(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub fn competency_code(&self, c: u32) -> &str {
        &self.codes[c as usize]
    }

    pub fn competency_name(&self, c: u32) -> &str {
        &self.names[c as usize]
    }

    pub fn prerequisites(&self, c: u32) -> &[LevelPrerequisite] {
        &self.prerequisites[c as usize]
    }

    pub fn programs(&self) -> &[ProgramInfo] {
        &self.programs
    }

    pub fn program(&self, p: u32) -> &ProgramInfo {
        &self.programs[p as usize]
    }

    pub fn program_by_code(&self, code: &str) -> Option<u32> {
        self.program_index.get(code).copied()
    }

    pub fn developers(&self, c: u32) -> &[u32] {
        &self.developers[c as usize]
    }

    /// The comparison cost of a program (see [`JP_VALUE_IDR`]).
    pub fn cost(&self, p: u32) -> i64 {
        let p = &self.programs[p as usize];
        p.cost_idr + JP_VALUE_IDR * i64::from(p.jp)
    }

    /// Dense levels from (code, level) pairs; unknown codes are skipped.
    pub fn levels<'a>(&self, held: impl IntoIterator<Item = (&'a str, u8)>) -> Vec<u8> {
        let mut levels = vec![0; self.codes.len()];
        for (code, level) in held {
            if let Some(c) = self.competency(code) {
                levels[c as usize] = level;
            }
        }
        levels
    }
}
