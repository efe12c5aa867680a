//! Criterion benchmarks of the pure analyses: gap analysis with recommendations for one
//! employee, and the needs analysis and training-plan optimisation of a synthetic population.
//! `cargo bench -p jenjang-core`; the whole-system numbers come from `jenjang bench`.

use criterion::{Criterion, criterion_group, criterion_main};
use jenjang_core::catalog::Catalog;
use jenjang_core::kinds::{CompetencyKind, PositionKind, ProgramForm};
use jenjang_core::org::{Member, Organisation, Population, PositionStandard, UnitTree};
use jenjang_core::reference::{Competency, Development, LevelRequirement, Program};
use jenjang_core::{Code, Level};
use std::hint::black_box;

const COMPETENCIES: usize = 69;

fn organisation() -> Organisation {
    let code = |i: usize| Code::parse(&format!("C{i:02}")).unwrap();
    let level = |l: u8| Level::new(l.into()).unwrap();
    let competencies: Vec<Competency> = (0..COMPETENCIES)
        .map(|i| Competency {
            code: code(i),
            name: format!("C{i}"),
            kind: CompetencyKind::Teknis,
            description: None,
            levels: vec![],
            prerequisites: vec![],
        })
        .collect();
    let programs: Vec<Program> = (0..300)
        .map(|i| {
            let c = i % COMPETENCIES;
            let to = 2 + (i / COMPETENCIES) % 4;
            Program {
                code: Code::parse(&format!("P{i:03}")).unwrap(),
                title: format!("P{i}"),
                form: if i % 3 == 0 {
                    ProgramForm::ELearning
                } else {
                    ProgramForm::PelatihanTeknis
                },
                jp: 10 + (i % 30) as u32,
                cost_idr: if i % 3 == 0 {
                    0
                } else {
                    500_000 * (1 + (i % 9) as i64)
                },
                provider: "p".into(),
                capacity: Some(40),
                duration_days: None,
                develops: vec![Development {
                    competency: code(c),
                    to_level: level(to as u8),
                }],
                requires: if to > 2 {
                    vec![LevelRequirement {
                        competency: code(c),
                        level: level(to as u8 - 1),
                    }]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    let catalog = Catalog::new(&competencies, &programs);
    let positions = (0..40)
        .map(|p| PositionStandard {
            code: format!("POS{p}"),
            kind: PositionKind::Pelaksana,
            requirements: (0..15)
                .map(|k| {
                    (
                        ((p * 7 + k * 5) % COMPETENCIES) as u32,
                        2 + ((p + k) % 3) as u8,
                    )
                })
                .collect(),
        })
        .collect();
    Organisation::new(
        catalog,
        UnitTree::new(&[("ROOT".into(), None)]),
        positions,
        vec![],
    )
}

fn population(n: usize) -> Population {
    let members = (0..n)
        .map(|i| Member {
            nip: format!("{i:018}"),
            unit: 0,
            position: Some((i % 40) as u32),
        })
        .collect();
    let levels = (0..n * COMPETENCIES)
        .map(|i| (1 + (i * 2_654_435_761) % 4) as u8)
        .collect();
    Population { members, levels }
}

fn benches(c: &mut Criterion) {
    let org = organisation();
    let pop = population(10_000);
    c.bench_function("recommendations for one employee", |b| {
        let levels = pop.levels_of(0, COMPETENCIES);
        b.iter(|| org.analyse(black_box(&pop.members[0]), black_box(levels)))
    });
    c.bench_function("needs analysis of 10,000 employees", |b| {
        b.iter(|| jenjang_core::needs::needs_analysis(black_box(&org), black_box(&pop)))
    });
    c.bench_function("training plan for 10,000 employees", |b| {
        b.iter(|| jenjang_core::plan::optimise(black_box(&org), black_box(&pop), 500_000_000))
    });
}

criterion_group! {
    name = analysis;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(analysis);
