//! The employee's SKP (sasaran kinerja pegawai, PermenPANRB 6/2022): per year, RHK (rencana
//! hasil kerja) each supporting the leader's RHK or a unit IKU (the cascade), IKI per RHK, and
//! the leader's expectation for each BerAKHLAK value. Lifecycle `draft → submitted → approved`;
//! approving freezes the targets, and a change afterwards is a new version. Realisations per
//! period carry evidence: a link, or a file Jenjang keeps when it is small enough and of a kind
//! it recognises by its content.

use crate::dialog::Berakhlak;
use crate::indicators::{ProposalThresholds, propose_hasil_kerja};
use crate::predikat::Ekspektasi;
use serde::{Deserialize, Serialize};

crate::kinds::string_enum! {
    /// Quantitative (targets as numbers) or qualitative SKP.
    Approach { Kuantitatif = "kuantitatif", Kualitatif = "kualitatif" }
}

crate::kinds::string_enum! {
    /// Where a version of an SKP stands.
    SkpStatus { Draft = "draft", Submitted = "submitted", Approved = "approved" }
}

crate::kinds::string_enum! {
    /// A main result or an additional one.
    RhkKind { Utama = "utama", Tambahan = "tambahan" }
}

crate::kinds::string_enum! {
    /// What an IKI measures of its RHK.
    Aspect { Kuantitas = "kuantitas", Kualitas = "kualitas", Waktu = "waktu", Biaya = "biaya" }
}

/// What a change to the SKP does to its latest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Edit the draft in place.
    EditDraft,
    /// Start version `n` as a draft; the approved one stays and keeps judging its periods.
    NewVersion(i32),
    /// Nothing may change while the supervisor decides.
    AwaitingDecision,
}

/// What a change does given the latest version (`None`: no SKP yet, version 1 starts).
pub fn change(latest: Option<(i32, SkpStatus)>) -> Change {
    match latest {
        None => Change::NewVersion(1),
        Some((_, SkpStatus::Draft)) => Change::EditDraft,
        Some((_, SkpStatus::Submitted)) => Change::AwaitingDecision,
        Some((v, SkpStatus::Approved)) => Change::NewVersion(v + 1),
    }
}

/// Why a lifecycle step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("only a draft can be submitted")]
    NotDraft,
    #[error("only a submitted SKP can be approved or returned")]
    NotSubmitted,
    #[error("an SKP needs at least one main RHK (utama) with at least one IKI")]
    NoMainResult,
}

/// A lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Approve,
    /// Back to draft with the supervisor's reason.
    Reject,
}

/// The status after `step`, given the current status and whether the version has a main RHK
/// with an IKI.
pub fn step(
    current: SkpStatus,
    step: Step,
    has_main_result: bool,
) -> Result<SkpStatus, StepRefused> {
    match (step, current) {
        (Step::Submit, SkpStatus::Draft) if !has_main_result => Err(StepRefused::NoMainResult),
        (Step::Submit, SkpStatus::Draft) => Ok(SkpStatus::Submitted),
        (Step::Submit, _) => Err(StepRefused::NotDraft),
        (Step::Approve, SkpStatus::Submitted) => Ok(SkpStatus::Approved),
        (Step::Reject, SkpStatus::Submitted) => Ok(SkpStatus::Draft),
        (Step::Approve | Step::Reject, _) => Err(StepRefused::NotSubmitted),
    }
}

/// The seven values every SKP states an expectation for, in the regulation's order.
pub fn behaviour_values() -> &'static [Berakhlak] {
    Berakhlak::ALL
}

/// The largest evidence file Jenjang keeps (5 MiB).
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

/// The content type of an evidence file, recognised from its first bytes (never from the
/// name or the type the browser claims): PDF, PNG or JPEG; `None` for anything else.
pub fn evidence_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The hasil kerja Jenjang proposes for a period from the capaian of the IKI of the main RHK
/// (`(kind, capaian)` per IKI; additional RHK do not count).
pub fn proposal(
    iki: &[(RhkKind, Option<f64>)],
    thresholds: ProposalThresholds,
) -> Option<Ekspektasi> {
    let main: Vec<Option<f64>> = iki
        .iter()
        .filter(|(kind, _)| *kind == RhkKind::Utama)
        .map(|(_, c)| *c)
        .collect();
    propose_hasil_kerja(&main, thresholds)
}

/// The expectation stated for one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Behaviour {
    pub value: Berakhlak,
    pub expectation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approved_skp_changes_only_as_a_new_version() {
        assert_eq!(change(None), Change::NewVersion(1));
        assert_eq!(change(Some((1, SkpStatus::Draft))), Change::EditDraft);
        assert_eq!(
            change(Some((1, SkpStatus::Submitted))),
            Change::AwaitingDecision
        );
        assert_eq!(
            change(Some((2, SkpStatus::Approved))),
            Change::NewVersion(3)
        );
    }

    #[test]
    fn the_lifecycle_goes_draft_submitted_approved_or_back_to_draft() {
        use SkpStatus::*;
        assert_eq!(step(Draft, Step::Submit, true), Ok(Submitted));
        assert_eq!(
            step(Draft, Step::Submit, false),
            Err(StepRefused::NoMainResult)
        );
        assert_eq!(step(Submitted, Step::Approve, true), Ok(Approved));
        assert_eq!(step(Submitted, Step::Reject, true), Ok(Draft));
        assert_eq!(
            step(Draft, Step::Approve, true),
            Err(StepRefused::NotSubmitted)
        );
        assert_eq!(
            step(Approved, Step::Reject, true),
            Err(StepRefused::NotSubmitted)
        );
        assert_eq!(
            step(Approved, Step::Submit, true),
            Err(StepRefused::NotDraft)
        );
    }

    #[test]
    fn evidence_is_recognised_by_its_content() {
        assert_eq!(evidence_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            evidence_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(evidence_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(evidence_type(b"MZ\x90\0 an executable"), None);
        assert_eq!(evidence_type(b"<html>%PDF-"), None);
        assert_eq!(evidence_type(b""), None);
    }

    #[test]
    fn the_proposal_counts_the_main_results_only() {
        let t = ProposalThresholds::default();
        assert_eq!(
            proposal(
                &[
                    (RhkKind::Utama, Some(115.0)),
                    (RhkKind::Utama, Some(110.0)),
                    (RhkKind::Tambahan, Some(20.0)),
                ],
                t
            ),
            Some(Ekspektasi::DiAtas)
        );
        assert_eq!(
            proposal(
                &[(RhkKind::Utama, Some(104.0)), (RhkKind::Utama, Some(96.0))],
                t
            ),
            Some(Ekspektasi::DiBawah)
        );
        assert_eq!(proposal(&[(RhkKind::Tambahan, Some(150.0))], t), None);
    }
}
