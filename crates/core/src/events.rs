//! The domain events: what a change tells the workflow engine. One enum, each variant with a
//! payload struct that is serialised (serde) into the outbox and decoded from it again; the
//! store builds them, the engine reads them, workflow conditions see the payload as `event`,
//! and the workflow validator accepts exactly the kinds listed here.

use crate::idp::PlanStatus;
use crate::period::Period;
use crate::predikat::{Ekspektasi, Predikat};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An evaluation was recorded (new, or a changed version of the same period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecorded {
    pub nip: String,
    pub period: Period,
    pub hasil_kerja: Ekspektasi,
    pub perilaku_kerja: Ekspektasi,
    pub predikat: Predikat,
    /// The predikat of the version this one replaced (same period), if any.
    pub previous_predikat: Option<Predikat>,
    pub evaluator_nip: Option<String>,
    /// 1 for the first version of this period.
    pub version: i64,
    /// The period before this one, and its predikat when recorded.
    pub previous_period: String,
    pub previous_period_predikat: Option<Predikat>,
}

/// One gap of an assessed employee against their position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessedGap {
    pub competency: String,
    pub required: i64,
    pub current: i64,
    pub gap: i64,
}

/// Competency levels were recorded for an employee (an import, a coaching task's scores).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRecorded {
    pub nip: String,
    /// The competencies assessed, by code.
    pub competencies: Vec<String>,
    pub sources: Vec<String>,
    /// Every gap against the position after the assessment.
    pub gaps: Vec<AssessedGap>,
    pub max_gap: i64,
}

impl AssessmentRecorded {
    /// The event of an employee's assessment: `levels` are `(competency, required by the
    /// position, current)` for the competencies assessed; the gaps are the positive ones
    /// (`gap::size`), by competency code, and `max_gap` the largest (0 without any).
    pub fn new(
        nip: String,
        competencies: Vec<String>,
        sources: Vec<String>,
        mut levels: Vec<(String, u8, u8)>,
    ) -> Self {
        levels.sort();
        let gaps: Vec<AssessedGap> = levels
            .into_iter()
            .filter(|(_, required, current)| crate::gap::size(*required, *current) > 0)
            .map(|(competency, required, current)| AssessedGap {
                competency,
                required: i64::from(required),
                current: i64::from(current),
                gap: i64::from(crate::gap::size(required, current)),
            })
            .collect();
        let max_gap = gaps.iter().map(|g| g.gap).max().unwrap_or(0);
        AssessmentRecorded {
            nip,
            competencies,
            sources,
            gaps,
            max_gap,
        }
    }
}

/// A campaign was launched: one event per targeted unit, about the unit's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignLaunched {
    pub campaign: String,
    pub title: String,
    pub unit: String,
    pub unit_name: String,
    /// The unit's head, whom the event is about (absent in events written before it was
    /// added; the outbox row's subject says the same).
    #[serde(default)]
    pub head_nip: String,
    pub targets: u64,
    pub sponsor_nip: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub midpoint: NaiveDate,
    pub adoption_target: f64,
}

/// A development plan changed state (submitted, approved, rejected, reopened).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStatusChanged {
    pub nip: String,
    pub year: i32,
    pub status: PlanStatus,
    pub revision: i32,
}

/// A plan item was completed and its JP credited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItemCompleted {
    pub nip: String,
    pub item: i64,
    pub program: String,
    pub jp: i64,
    pub completed_on: NaiveDate,
}

/// A competency score given when completing a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskScore {
    pub competency: String,
    pub level: i64,
}

/// A workflow task was completed with an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCompleted {
    pub task_id: i64,
    pub instance_id: i64,
    /// The employee the task was about.
    #[serde(default)]
    pub subject_nip: Option<String>,
    pub kind: String,
    pub outcome: String,
    pub notes: Option<String>,
    pub scores: Vec<TaskScore>,
}

/// The yearly JP review day came: one event per employee, for the workflow whose calendar
/// trigger fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JpYearlyReview {
    pub nip: String,
    pub year: i32,
    pub jp_completed: i64,
    pub jp_planned: i64,
    pub jp_target: u32,
    /// The workflow whose trigger produced it (only that workflow starts from it).
    pub workflow: String,
}

/// A supervisor wrote nothing in a report's dialog kinerja during a quarter: emitted for each
/// such report on the day a `dialog.quarterly_review` trigger fires, about the quarter before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogQuarterlyReview {
    pub nip: String,
    pub supervisor_nip: String,
    /// The quarter without an entry, e.g. `2026-Q3`.
    pub period: String,
    /// The workflow whose trigger produced it (only that workflow starts from it).
    pub workflow: String,
}

/// A critical position has fewer than two ready successors: emitted on the day a
/// `succession.quarterly_review` trigger fires, for each of its best successors not yet ready
/// now (at most three), who is the subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuccessionQuarterlyReview {
    pub nip: String,
    pub position: String,
    pub position_name: String,
    pub jpm: f64,
    /// siap_1_2_tahun | perlu_pengembangan
    pub readiness: String,
    /// The quarter of the review, e.g. `2026-Q4`.
    pub period: String,
    /// The workflow whose trigger produced it (only that workflow starts from it).
    pub workflow: String,
}

/// A result was recorded for a participant of a cohort (angkatan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortResultRecorded {
    pub cohort: String,
    pub nip: String,
    pub program: String,
    /// lulus | tidak_lulus | tidak_hadir
    pub status: String,
    pub certificate_no: Option<String>,
    pub completed_on: Option<chrono::NaiveDate>,
    pub score: Option<f64>,
}

/// A participant passed a cohort: the program is completed (JP credited, levels recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCompleted {
    pub cohort: String,
    pub nip: String,
    pub program: String,
    pub jp: i64,
    pub completed_on: chrono::NaiveDate,
    /// The competencies the program develops (what the supervisor rates 90 days later).
    pub competencies: Vec<String>,
}

/// A unit indicator (IKU) was realised for a period: recorded, imported, or fed by the unit's
/// IKM. About the unit's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRealised {
    /// `iku` for a unit indicator, `iki` for an indicator of an employee's SKP.
    #[serde(default = "iku")]
    pub scope: String,
    /// The unit indicator (IKU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<i64>,
    /// The IKI of an employee's SKP, with the employee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iki: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nip: Option<String>,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub head_nip: Option<String>,
    pub period: String,
    pub target: f64,
    pub realisation: f64,
    /// Percent with one decimal; none where undefined (a zero target).
    pub capaian: Option<f64>,
    pub below_target: bool,
    /// The period before fell short too (a gap two periods running).
    pub previous_below_target: bool,
    /// For a unit indicator short of its target: the competencies most often required by the
    /// positions of the unit's subtree, the ones to propose for development.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competencies: Vec<RequiredCompetency>,
}

/// A competency and how many employees' positions require it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredCompetency {
    pub code: String,
    pub name: String,
    pub employees: u64,
}

fn iku() -> String {
    "iku".into()
}

/// A unit's IKM was recorded for a period (entered, or computed from the public survey).
/// About the unit's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IkmRecorded {
    pub unit: String,
    pub unit_name: String,
    pub head_nip: Option<String>,
    pub period: String,
    pub index: f64,
    /// A, B, C or D.
    pub category: String,
    pub respondents: i64,
}

/// An entry was written in an employee's dialog kinerja. About the employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogRecorded {
    pub id: i64,
    pub nip: String,
    pub year: i32,
    pub kind: String,
    pub author_nip: String,
    pub value: Option<String>,
}

/// Every domain event.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    EvaluationRecorded(EvaluationRecorded),
    AssessmentRecorded(AssessmentRecorded),
    CampaignLaunched(CampaignLaunched),
    PlanStatusChanged(PlanStatusChanged),
    PlanItemCompleted(PlanItemCompleted),
    TaskCompleted(TaskCompleted),
    JpYearlyReview(JpYearlyReview),
    IndicatorRecorded(IndicatorRealised),
    IndicatorBelowTarget(IndicatorRealised),
    IkmRecorded(IkmRecorded),
    DialogRecorded(DialogRecorded),
    DialogQuarterlyReview(DialogQuarterlyReview),
    SuccessionQuarterlyReview(SuccessionQuarterlyReview),
    CohortResultRecorded(CohortResultRecorded),
    TrainingCompleted(TrainingCompleted),
}

/// Each kind with what its payload (`event.…` in a workflow condition) holds.
pub const KINDS: &[(&str, &str)] = &[
    (
        "evaluation.recorded",
        "nip, period, hasil_kerja, perilaku_kerja, predikat, previous_predikat (the replaced version of the same period), evaluator_nip, version, previous_period, previous_period_predikat",
    ),
    (
        "assessment.recorded",
        "nip, competencies (codes assessed), sources, gaps [{competency, required, current, gap}] against the position, max_gap",
    ),
    (
        "campaign.launched",
        "campaign, title, unit, unit_name, head_nip, targets, sponsor_nip, starts, ends, midpoint, adoption_target (one per targeted unit; the subject is the unit head)",
    ),
    ("plan.status_changed", "nip, year, status, revision"),
    (
        "plan_item.completed",
        "nip, item, program, jp, completed_on",
    ),
    (
        "task.completed",
        "task_id, instance_id, subject_nip, kind, outcome, notes, scores [{competency, level}]",
    ),
    (
        "indicator.recorded",
        "scope (iku | iki), indicator (an IKU) or iki and nip (an employee's IKI), code, name, unit, head_nip (the unit's head for an IKU, the supervisor for an IKI), period, target, realisation, capaian (percent, null when undefined), below_target, previous_below_target, competencies [{code, name, employees}] (an IKU short of target: the competencies most often required by the positions of the unit's subtree) (the subject is the unit's head for an IKU, the employee for an IKI)",
    ),
    (
        "indicator.below_target",
        "as indicator.recorded, emitted when the realisation falls short of the period's target",
    ),
    (
        "ikm.recorded",
        "unit, unit_name, head_nip, period, index, category (A..D), respondents (the unit's head is the subject)",
    ),
    (
        "dialog.recorded",
        "id, nip, year, kind (ekspektasi | umpan_balik | catatan | pertanyaan), author_nip, value (a BerAKHLAK value or null)",
    ),
    (
        "dialog.quarterly_review",
        "nip, supervisor_nip, period (the quarter before, without a dialog entry), workflow (emitted for every report whose supervisor wrote nothing in that quarter, on the trigger's `on` day of each quarter)",
    ),
    (
        "succession.quarterly_review",
        "nip (a successor), position, position_name, jpm, readiness (siap_1_2_tahun | perlu_pengembangan), period, workflow (emitted on the trigger's `on` day of each quarter for the best successors not ready now of every critical position at risk)",
    ),
    (
        "cohort.result_recorded",
        "cohort, nip, program, status (lulus | tidak_lulus | tidak_hadir), certificate_no, completed_on, score",
    ),
    (
        "training.completed",
        "cohort, nip, program, jp (credited), completed_on, competencies (codes the program develops)",
    ),
    (
        "jp.yearly_review",
        "nip, year, jp_completed, jp_planned, jp_target, workflow (emitted for every employee on the trigger's `on` day)",
    ),
];

/// Kinds produced by the calendar rather than by a change: their trigger needs `on` (MM-DD).
pub const CALENDAR_KINDS: &[&str] = &[
    "jp.yearly_review",
    "dialog.quarterly_review",
    "succession.quarterly_review",
];

/// Calendar kinds produced every quarter: their `on` (MM-DD, month 01..03) is the day within
/// the quarter's first three months (`01-05`: 5 January, April, July and October).
pub const QUARTERLY_KINDS: &[&str] = &["dialog.quarterly_review", "succession.quarterly_review"];

/// The days of `year` on which a calendar trigger of `kind` with `on` (MM-DD) fires, each with
/// the number that claims it once (the year; year × 10 + quarter for a quarterly kind).
pub fn calendar_days(kind: &str, on: (u32, u32), year: i32) -> Vec<(chrono::NaiveDate, i32)> {
    let (m, d) = on;
    if QUARTERLY_KINDS.contains(&kind) {
        (0..4u32)
            .filter_map(|q| {
                chrono::NaiveDate::from_ymd_opt(year, m + 3 * q, d)
                    .map(|day| (day, year * 10 + q as i32 + 1))
            })
            .collect()
    } else {
        chrono::NaiveDate::from_ymd_opt(year, m, d)
            .map(|day| vec![(day, year)])
            .unwrap_or_default()
    }
}

/// A stored event that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("unknown event kind '{0}'")]
    UnknownKind(String),
    #[error("the payload of a {kind} event does not fit it: {message}")]
    Payload { kind: String, message: String },
}

impl DomainEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::EvaluationRecorded(_) => "evaluation.recorded",
            DomainEvent::AssessmentRecorded(_) => "assessment.recorded",
            DomainEvent::CampaignLaunched(_) => "campaign.launched",
            DomainEvent::PlanStatusChanged(_) => "plan.status_changed",
            DomainEvent::PlanItemCompleted(_) => "plan_item.completed",
            DomainEvent::TaskCompleted(_) => "task.completed",
            DomainEvent::JpYearlyReview(_) => "jp.yearly_review",
            DomainEvent::IndicatorRecorded(_) => "indicator.recorded",
            DomainEvent::IndicatorBelowTarget(_) => "indicator.below_target",
            DomainEvent::IkmRecorded(_) => "ikm.recorded",
            DomainEvent::DialogRecorded(_) => "dialog.recorded",
            DomainEvent::DialogQuarterlyReview(_) => "dialog.quarterly_review",
            DomainEvent::SuccessionQuarterlyReview(_) => "succession.quarterly_review",
            DomainEvent::CohortResultRecorded(_) => "cohort.result_recorded",
            DomainEvent::TrainingCompleted(_) => "training.completed",
        }
    }

    /// The employee the event is about (a campaign's: the head of the unit it reached).
    pub fn subject(&self) -> Option<&str> {
        match self {
            DomainEvent::EvaluationRecorded(e) => Some(&e.nip),
            DomainEvent::AssessmentRecorded(e) => Some(&e.nip),
            DomainEvent::CampaignLaunched(e) => Some(&e.head_nip),
            DomainEvent::PlanStatusChanged(e) => Some(&e.nip),
            DomainEvent::PlanItemCompleted(e) => Some(&e.nip),
            DomainEvent::TaskCompleted(e) => e.subject_nip.as_deref(),
            DomainEvent::JpYearlyReview(e) => Some(&e.nip),
            DomainEvent::IndicatorRecorded(e) | DomainEvent::IndicatorBelowTarget(e) => {
                e.nip.as_deref().or(e.head_nip.as_deref())
            }
            DomainEvent::IkmRecorded(e) => e.head_nip.as_deref(),
            DomainEvent::DialogRecorded(e) => Some(&e.nip),
            DomainEvent::DialogQuarterlyReview(e) => Some(&e.nip),
            DomainEvent::SuccessionQuarterlyReview(e) => Some(&e.nip),
            DomainEvent::CohortResultRecorded(e) => Some(&e.nip),
            DomainEvent::TrainingCompleted(e) => Some(&e.nip),
        }
    }

    /// The payload as stored and as workflow conditions see it.
    pub fn payload(&self) -> Value {
        serde_json::from_str(&self.payload_text()).unwrap_or(Value::Null)
    }

    /// The payload as JSON text, serialised straight from the event (the outbox stores text;
    /// going through a [`Value`] first cost a third of a bulk import's event time).
    pub fn payload_text(&self) -> String {
        let text = match self {
            DomainEvent::EvaluationRecorded(e) => serde_json::to_string(e),
            DomainEvent::AssessmentRecorded(e) => serde_json::to_string(e),
            DomainEvent::CampaignLaunched(e) => serde_json::to_string(e),
            DomainEvent::PlanStatusChanged(e) => serde_json::to_string(e),
            DomainEvent::PlanItemCompleted(e) => serde_json::to_string(e),
            DomainEvent::TaskCompleted(e) => serde_json::to_string(e),
            DomainEvent::JpYearlyReview(e) => serde_json::to_string(e),
            DomainEvent::IndicatorRecorded(e) | DomainEvent::IndicatorBelowTarget(e) => {
                serde_json::to_string(e)
            }
            DomainEvent::IkmRecorded(e) => serde_json::to_string(e),
            DomainEvent::DialogRecorded(e) => serde_json::to_string(e),
            DomainEvent::DialogQuarterlyReview(e) => serde_json::to_string(e),
            DomainEvent::SuccessionQuarterlyReview(e) => serde_json::to_string(e),
            DomainEvent::CohortResultRecorded(e) => serde_json::to_string(e),
            DomainEvent::TrainingCompleted(e) => serde_json::to_string(e),
        };
        // Plain structs of strings, numbers and dates always serialise.
        text.unwrap_or_else(|_| "null".to_string())
    }

    /// Reads a stored event back; an unknown kind or a payload that does not fit is an error.
    pub fn decode(kind: &str, payload: Value) -> Result<DomainEvent, EventError> {
        fn read<T: serde::de::DeserializeOwned>(
            kind: &str,
            payload: Value,
        ) -> Result<T, EventError> {
            serde_json::from_value(payload).map_err(|e| EventError::Payload {
                kind: kind.to_string(),
                message: e.to_string(),
            })
        }
        Ok(match kind {
            "evaluation.recorded" => DomainEvent::EvaluationRecorded(read(kind, payload)?),
            "assessment.recorded" => DomainEvent::AssessmentRecorded(read(kind, payload)?),
            "campaign.launched" => DomainEvent::CampaignLaunched(read(kind, payload)?),
            "plan.status_changed" => DomainEvent::PlanStatusChanged(read(kind, payload)?),
            "plan_item.completed" => DomainEvent::PlanItemCompleted(read(kind, payload)?),
            "task.completed" => DomainEvent::TaskCompleted(read(kind, payload)?),
            "jp.yearly_review" => DomainEvent::JpYearlyReview(read(kind, payload)?),
            "indicator.recorded" => DomainEvent::IndicatorRecorded(read(kind, payload)?),
            "indicator.below_target" => DomainEvent::IndicatorBelowTarget(read(kind, payload)?),
            "ikm.recorded" => DomainEvent::IkmRecorded(read(kind, payload)?),
            "dialog.recorded" => DomainEvent::DialogRecorded(read(kind, payload)?),
            "dialog.quarterly_review" => DomainEvent::DialogQuarterlyReview(read(kind, payload)?),
            "succession.quarterly_review" => {
                DomainEvent::SuccessionQuarterlyReview(read(kind, payload)?)
            }
            "cohort.result_recorded" => DomainEvent::CohortResultRecorded(read(kind, payload)?),
            "training.completed" => DomainEvent::TrainingCompleted(read(kind, payload)?),
            other => return Err(EventError::UnknownKind(other.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarterly_trigger_fires_on_its_day_of_each_quarter() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        assert_eq!(
            calendar_days("dialog.quarterly_review", (1, 5), 2027),
            vec![
                (d(1, 5), 20271),
                (d(4, 5), 20272),
                (d(7, 5), 20273),
                (d(10, 5), 20274)
            ]
        );
        assert_eq!(
            calendar_days("jp.yearly_review", (10, 1), 2027),
            vec![(d(10, 1), 2027)]
        );
    }

    #[test]
    fn an_assessment_event_keeps_only_positive_gaps_and_their_largest() {
        let e = AssessmentRecorded::new(
            "198503122010011002".into(),
            vec!["PB".into(), "INT".into(), "KS".into()],
            vec!["assessment".into()],
            vec![
                ("PB".into(), 3, 1),
                ("KS".into(), 2, 4),
                ("INT".into(), 4, 3),
            ],
        );
        let gaps: Vec<(&str, i64)> = e
            .gaps
            .iter()
            .map(|g| (g.competency.as_str(), g.gap))
            .collect();
        assert_eq!(gaps, vec![("INT", 1), ("PB", 2)]);
        assert_eq!(e.max_gap, 2);
        let none = AssessmentRecorded::new("x".into(), vec![], vec![], vec![("KS".into(), 2, 2)]);
        assert!(none.gaps.is_empty());
        assert_eq!(none.max_gap, 0);
    }

    fn every_kind() -> Vec<DomainEvent> {
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        vec![
            DomainEvent::EvaluationRecorded(EvaluationRecorded {
                nip: "198503122010011002".into(),
                period: Period::parse("2026-Q3").unwrap(),
                hasil_kerja: Ekspektasi::Sesuai,
                perilaku_kerja: Ekspektasi::DiBawah,
                predikat: Predikat::Kurang,
                previous_predikat: None,
                evaluator_nip: None,
                version: 1,
                previous_period: "2026-Q2".into(),
                previous_period_predikat: Some(Predikat::Baik),
            }),
            DomainEvent::AssessmentRecorded(AssessmentRecorded {
                nip: "198503122010011002".into(),
                competencies: vec!["M.1".into()],
                sources: vec!["assessment".into()],
                gaps: vec![AssessedGap {
                    competency: "M.1".into(),
                    required: 3,
                    current: 2,
                    gap: 1,
                }],
                max_gap: 1,
            }),
            DomainEvent::CampaignLaunched(CampaignLaunched {
                campaign: "ADOPSI".into(),
                title: "Adopsi".into(),
                unit: "DINKES".into(),
                unit_name: "Dinas Kesehatan".into(),
                head_nip: "197312142002061001".into(),
                targets: 12,
                sponsor_nip: "197312142002061001".into(),
                starts: day,
                ends: day,
                midpoint: day,
                adoption_target: 0.8,
            }),
            DomainEvent::PlanStatusChanged(PlanStatusChanged {
                nip: "198503122010011002".into(),
                year: 2026,
                status: PlanStatus::Approved,
                revision: 1,
            }),
            DomainEvent::PlanItemCompleted(PlanItemCompleted {
                nip: "198503122010011002".into(),
                item: 7,
                program: "PRG".into(),
                jp: 20,
                completed_on: day,
            }),
            DomainEvent::TaskCompleted(TaskCompleted {
                task_id: 3,
                instance_id: 2,
                subject_nip: Some("198503122010011002".into()),
                kind: "coaching".into(),
                outcome: "selesai".into(),
                notes: None,
                scores: vec![TaskScore {
                    competency: "M.1".into(),
                    level: 3,
                }],
            }),
            DomainEvent::JpYearlyReview(JpYearlyReview {
                nip: "198503122010011002".into(),
                year: 2026,
                jp_completed: 4,
                jp_planned: 10,
                jp_target: 20,
                workflow: "pemenuhan-20-jp".into(),
            }),
            DomainEvent::IndicatorRecorded(realised(false)),
            DomainEvent::IndicatorBelowTarget(realised(true)),
            DomainEvent::IkmRecorded(IkmRecorded {
                unit: "DPMPTSP-YAN-1".into(),
                unit_name: "Seksi Pelayanan Front Office".into(),
                head_nip: Some("197312142002061001".into()),
                period: "2026-Q3".into(),
                index: 88.89,
                category: "A".into(),
                respondents: 20,
            }),
            DomainEvent::DialogRecorded(DialogRecorded {
                id: 9,
                nip: "199902162024092001".into(),
                year: 2026,
                kind: "umpan_balik".into(),
                author_nip: "197503222002112001".into(),
                value: Some("berorientasi_pelayanan".into()),
            }),
            DomainEvent::DialogQuarterlyReview(DialogQuarterlyReview {
                nip: "199902162024092001".into(),
                supervisor_nip: "197503222002112001".into(),
                period: "2026-Q4".into(),
                workflow: "dialog-berkala".into(),
            }),
            DomainEvent::SuccessionQuarterlyReview(SuccessionQuarterlyReview {
                nip: "199902162024092001".into(),
                position: "KASI-DPMPTSP".into(),
                position_name: "Kepala Seksi".into(),
                jpm: 72.5,
                readiness: "perlu_pengembangan".into(),
                period: "2026-Q4".into(),
                workflow: "suksesi-jabatan-kritis".into(),
            }),
            DomainEvent::CohortResultRecorded(CohortResultRecorded {
                cohort: "2026-LATSAR-01".into(),
                nip: "199902162024092001".into(),
                program: "LATSAR".into(),
                status: "lulus".into(),
                certificate_no: Some("LATSAR/2026/0117".into()),
                completed_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 12),
                score: Some(84.5),
            }),
            DomainEvent::TrainingCompleted(TrainingCompleted {
                cohort: "2026-LATSAR-01".into(),
                nip: "199902162024092001".into(),
                program: "LATSAR".into(),
                jp: 40,
                completed_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 12).unwrap(),
                competencies: vec!["M.1".into()],
            }),
        ]
    }

    fn realised(below: bool) -> IndicatorRealised {
        IndicatorRealised {
            scope: "iku".into(),
            indicator: Some(4),
            iki: None,
            nip: None,
            code: "IKU-IZIN".into(),
            name: "Izin terbit tepat waktu".into(),
            unit: "DPMPTSP".into(),
            head_nip: None,
            period: "2026-Q2".into(),
            target: 90.0,
            realisation: if below { 81.0 } else { 99.0 },
            capaian: Some(if below { 90.0 } else { 110.0 }),
            below_target: below,
            previous_below_target: below,
            competencies: if below {
                vec![RequiredCompetency {
                    code: "M.6".into(),
                    name: "Pelayanan Publik".into(),
                    employees: 14,
                }]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn every_event_reads_back_as_written_and_every_kind_is_listed() {
        let events = every_kind();
        assert_eq!(events.len(), KINDS.len());
        for e in events {
            assert!(KINDS.iter().any(|(k, _)| *k == e.kind()), "{}", e.kind());
            assert_eq!(DomainEvent::decode(e.kind(), e.payload()), Ok(e.clone()));
        }
        for kind in CALENDAR_KINDS {
            assert!(KINDS.iter().any(|(k, _)| k == kind));
        }
    }

    #[test]
    fn unknown_kinds_and_unfitting_payloads_are_errors() {
        assert_eq!(
            DomainEvent::decode("evaluation.deleted", Value::Null),
            Err(EventError::UnknownKind("evaluation.deleted".into()))
        );
        let err =
            DomainEvent::decode("task.completed", serde_json::json!({"task_id": "x"})).unwrap_err();
        assert!(matches!(err, EventError::Payload { .. }), "{err}");
        // The wire spelling is what workflow conditions read.
        let payload = every_kind()[0].payload();
        assert_eq!(payload["predikat"], "kurang");
        assert_eq!(payload["period"], "2026-Q3");
    }
}
