//! The reference model: organisation units, the competency dictionary, development programs,
//! positions with their competency standard (SKJ), employees and their assessed levels.
//! These are the shapes of API.md; every field is already valid when one of these exists.

use crate::code::Code;
use crate::kinds::{CompetencyKind, PositionKind, Potential, ProgramForm};
use crate::level::Level;
use crate::nip::Nip;
use crate::validation::Validator;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// An organisation unit (Pemkab, dinas, bidang, seksi); units form a tree through `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    #[schema(value_type = String, example = "DINKES")]
    pub code: Code,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub parent: Option<Code>,
    #[schema(value_type = Option<String>, example = "197805152005011003")]
    pub head_nip: Option<Nip>,
}

/// The description of one level of a competency (PermenPANRB 38/2017, Lampiran).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelDescription {
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub level: Level,
    pub description: String,
}

/// To reach `for_level` of the owning competency one must hold `competency` at `level` or above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PrerequisiteDef {
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub for_level: Level,
    #[schema(value_type = String)]
    pub competency: Code,
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub level: Level,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Competency {
    #[schema(value_type = String, example = "M.1")]
    pub code: Code,
    pub name: String,
    pub kind: CompetencyKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub levels: Vec<LevelDescription>,
    #[serde(default)]
    pub prerequisites: Vec<PrerequisiteDef>,
}

/// A competency at a level: what a position requires, a program requires, or an employee holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelRequirement {
    #[schema(value_type = String)]
    pub competency: Code,
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub level: Level,
}

/// What completing a program develops: `competency` up to `to_level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Development {
    #[schema(value_type = String)]
    pub competency: Code,
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub to_level: Level,
}

/// A competency-development program (pelatihan, coaching, e-learning, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Program {
    #[schema(value_type = String)]
    pub code: Code,
    pub title: String,
    pub form: ProgramForm,
    /// Jam pelajaran credited on completion (1 JP = 45 minutes).
    pub jp: u32,
    pub cost_idr: i64,
    pub provider: String,
    /// Participants per cohort; none means unlimited.
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<u32>,
    #[serde(default)]
    pub develops: Vec<Development>,
    #[serde(default)]
    pub requires: Vec<LevelRequirement>,
}

/// A position (jabatan) and its competency standard (SKJ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    #[schema(value_type = String)]
    pub code: Code,
    pub name: String,
    pub kind: PositionKind,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Code>,
    #[serde(default)]
    pub requirements: Vec<LevelRequirement>,
    /// The lowest rank a holder may have (`III/d`), when the position sets one.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "III/d")]
    pub min_golongan: Option<crate::fit::Golongan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Employee {
    #[schema(value_type = String, example = "198503122010011002")]
    pub nip: Nip,
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub position: Option<Code>,
    #[schema(value_type = String)]
    pub unit: Code,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub supervisor_nip: Option<Nip>,
    #[serde(default)]
    pub potential: Option<Potential>,
    /// The civil-service rank (`III/a`, or a PPPK grade `IX`), when known.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "III/c")]
    pub golongan: Option<crate::fit::Golongan>,
    /// Where notifications are mailed, when known.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "nama@bulungankab.go.id")]
    pub email: Option<crate::notify::Email>,
    /// `aktif`, or `keluar` for someone who left (their account is disabled).
    #[serde(default)]
    pub status: crate::accounts::EmployeeStatus,
}

/// One dated assessment of an employee's level in a competency. History is never overwritten:
/// each is a new record, and the current level is the latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompetencyRecord {
    #[schema(value_type = String)]
    pub competency: Code,
    #[schema(value_type = u8, minimum = 1, maximum = 5)]
    pub level: Level,
    /// Where the level comes from: `assessment`, `coaching`, `program:<code>`, `manual`, ...
    pub source: String,
    pub assessed_on: NaiveDate,
}

/// Checks that no competency appears twice in a list of requirements or developments.
pub fn check_unique_competencies<'a>(
    v: &mut Validator,
    field: &str,
    codes: impl IntoIterator<Item = &'a Code>,
) {
    let mut seen = HashSet::new();
    for (i, code) in codes.into_iter().enumerate() {
        if !seen.insert(code) {
            v.push_coded(
                format!("{field}[{i}].competency"),
                format!("competency {code} is listed more than once"),
                "listed_twice",
                &[("code", code.to_string())],
            );
        }
    }
}

impl Competency {
    /// Rules internal to one definition: levels listed once each, prerequisites unambiguous.
    pub fn check(&self, v: &mut Validator) {
        let mut levels = HashSet::new();
        for (i, l) in self.levels.iter().enumerate() {
            if !levels.insert(l.level) {
                v.push(
                    format!("levels[{i}].level"),
                    format!("level {} is described more than once", l.level.get()),
                );
            }
            if l.description.trim().is_empty() {
                v.push(format!("levels[{i}].description"), "must not be empty");
            }
        }
        let mut prereqs = HashSet::new();
        for (i, p) in self.prerequisites.iter().enumerate() {
            if !prereqs.insert((p.for_level, &p.competency)) {
                v.push_coded(
                    format!("prerequisites[{i}]"),
                    format!(
                        "level {} already has a prerequisite on {}",
                        p.for_level.get(),
                        p.competency
                    ),
                    "prerequisite_twice",
                    &[
                        ("level", p.for_level.get().to_string()),
                        ("code", p.competency.to_string()),
                    ],
                );
            }
        }
    }
}
