//! The employee's SKP and its realisations (PermenPANRB 6/2022): written by the employee and
//! their direct supervisor, approved by the supervisor (never by the employee), realised per
//! period with evidence, and the hasil kerja Jenjang proposes from the capaian beside the
//! evaluation. Lifecycle, evidence kinds and the proposal are core's (`jenjang_core::skp`).

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::fields::{Fields, finish};
use jenjang_core::FieldError;
use jenjang_core::access::{Action, Relation};
use jenjang_core::dialog::Berakhlak;
use jenjang_core::indicators::Direction;
use jenjang_core::period::Period;
use jenjang_core::predikat::Ekspektasi;
use jenjang_core::skp::{
    Approach, Aspect, Behaviour, Change, MAX_EVIDENCE_BYTES, RhkKind, SkpStatus, Step, change,
    evidence_type, proposal, step,
};
use jenjang_store::EvaluationRecord;
use jenjang_store::skp::{
    EvidenceFile, IkiPerformance, IkiRealisationChange, NewEvidenceFile, NewIki, NewRhk, NewSkp,
    ProposalRecord, SkpRecord, Supports,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// An SKP as a request states it: `{approach, rhk:[{id?, kind, text, supports, iki:[...]}],
/// behaviour:[{value, expectation}]}`.
pub fn read_skp(body: &Value) -> Result<NewSkp, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let approach = f
        .opt_parse("approach", |s| s.parse::<Approach>())
        .map(|a| a.unwrap_or(Approach::Kuantitatif));
    let rhk = f.list("rhk", |r| {
        let id = r.opt_int("id", 1, i64::MAX).flatten();
        let kind = r.parse("kind", |s| s.parse::<RhkKind>());
        let text = r.long_text("text");
        let supports = match r.raw("supports") {
            None | Some(Value::Null) => Some(None),
            Some(v) => match serde_json::from_value::<Supports>(v.clone()) {
                Ok(s) => Some(Some(s)),
                Err(_) => {
                    r.coded(
                        "supports",
                        "expected {\"rhk\": id} or {\"indicator\": id}",
                        "invalid_value",
                        &[("value", v.to_string())],
                    );
                    None
                }
            },
        };
        let iki = r.list("iki", |i| {
            let id = i.opt_int("id", 1, i64::MAX).flatten();
            let aspect = i.parse("aspect", |s| s.parse::<Aspect>());
            let text = i.long_text("text");
            let target = i.number("target", 0.0, 1e15);
            let unit_of_measure = i.text("unit_of_measure");
            let direction = i
                .opt_parse("direction", |s| s.parse::<Direction>())
                .map(|d| d.unwrap_or(Direction::HigherIsBetter));
            Some(NewIki {
                id,
                aspect: aspect?,
                text: text?,
                target: target?,
                unit_of_measure: unit_of_measure?,
                direction: direction?,
            })
        });
        Some(NewRhk {
            id,
            kind: kind?,
            text: text?,
            supports: supports?,
            iki: iki?,
        })
    });
    let mut seen = BTreeSet::new();
    let behaviour = f.list("behaviour", |b| {
        let value = b.parse("value", |s| s.parse::<Berakhlak>());
        let expectation = b.long_text("expectation");
        if let Some(v) = value
            && !seen.insert(v)
        {
            b.coded(
                "value",
                format!("{} is listed more than once", v.as_str()),
                "listed_twice",
                &[("value", v.as_str().to_string())],
            );
            return None;
        }
        Some(Behaviour {
            value: value?,
            expectation: expectation?,
        })
    });
    let new = (|| {
        Some(NewSkp {
            approach: approach?,
            rhk: rhk?,
            behaviour: behaviour?,
        })
    })();
    finish(new, errors)
}

async fn relation(cx: &Context<'_>, nip: &str) -> AppResult<Relation> {
    Ok(cx.store.relation(cx.caller.nip.as_ref(), nip).await?)
}

/// `nip`'s SKP for `year` (the latest version, or `version`), to whoever may read them.
pub async fn get(
    cx: &Context<'_>,
    nip: &str,
    year: i32,
    version: Option<i32>,
) -> AppResult<SkpRecord> {
    cx.store.get_employee(nip).await?;
    cx.require_read(nip).await?;
    cx.store
        .skp(nip, year, version)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("SKP of {nip} for {year}")))
}

/// Saves `nip`'s SKP for `year`: edits the draft, or starts a new version when the latest is
/// approved (which stays and keeps judging its periods); refused while the supervisor decides.
/// Each RHK supports an RHK of the direct supervisor's SKP of the same year, or an IKU of the
/// same year of the employee's unit or a unit above it.
pub async fn save(
    cx: &Context<'_>,
    nip: &str,
    year: i32,
    new: Result<NewSkp, Vec<FieldError>>,
) -> AppResult<SkpRecord> {
    let employee = cx.store.get_employee(nip).await?;
    cx.require(Action::WriteSkp(relation(cx, nip).await?))?;
    let mut new = new.map_err(AppError::Invalid)?;
    let latest = cx.store.skp(nip, year, None).await?;
    let expected = latest.as_ref().map(|s| (s.version, s.status));
    if change(expected) == Change::AwaitingDecision {
        return Err(AppError::Conflict(
            "the SKP is awaiting its supervisor's decision; it changes once approved (as a new version) or returned".into(),
        ));
    }
    // The cascade.
    let mut problems = Vec::new();
    let leader_rhk: Vec<i64> = new
        .rhk
        .iter()
        .filter_map(|r| match r.supports {
            Some(Supports::Rhk(id)) => Some(id),
            _ => None,
        })
        .collect();
    let owners = cx.store.rhk_owners(&leader_rhk).await?;
    let supervisor = employee.supervisor_nip.as_ref().map(|n| n.to_string());
    let org = cx.organisation().await?;
    let own_unit = org.units.index(employee.unit.as_str());
    for (i, rhk) in new.rhk.iter().enumerate() {
        let at = format!("rhk[{i}].supports");
        match rhk.supports {
            Some(Supports::Rhk(id)) => match owners.get(&id) {
                None => problems.push(
                    FieldError::new(&at, format!("no RHK has the id {id}"))
                        .with_code("unknown_rhk")
                        .with_param("id", id),
                ),
                Some((owner, y)) if Some(owner) != supervisor.as_ref() || *y != year => problems
                    .push(
                        FieldError::new(
                            &at,
                            format!(
                                "RHK {id} is not of the direct supervisor's SKP for {year}: it belongs to {owner} ({y})"
                            ),
                        )
                        .with_code("rhk_other_chain")
                        .with_param("id", id)
                        .with_param("nip", owner),
                    ),
                Some(_) => {}
            },
            Some(Supports::Indicator(id)) => {
                let fits = match cx.store.get_indicator(id).await {
                    Ok(ind) => {
                        ind.year == year
                            && match (org.units.index(&ind.unit), own_unit) {
                                (Some(u), Some(own)) => org.units.within(own, u),
                                _ => false,
                            }
                    }
                    Err(jenjang_store::StoreError::NotFound { .. }) => false,
                    Err(e) => return Err(e.into()),
                };
                if !fits {
                    problems.push(
                        FieldError::new(
                            &at,
                            format!(
                                "indicator {id} is not an IKU of {year} of the employee's unit or a unit above it"
                            ),
                        )
                        .with_code("indicator_other_chain")
                        .with_param("id", id),
                    );
                }
            }
            None => {}
        }
        if rhk.iki.is_empty() && rhk.kind == RhkKind::Utama {
            problems.push(
                FieldError::new(format!("rhk[{i}].iki"), "a main RHK needs at least one IKI")
                    .with_code("required"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    // Identities are kept only within the draft being edited.
    if latest
        .as_ref()
        .is_some_and(|s| s.status != SkpStatus::Draft)
    {
        for r in &mut new.rhk {
            r.id = None;
            for i in &mut r.iki {
                i.id = None;
            }
        }
    }
    Ok(cx
        .store
        .save_skp(&cx.actor(), nip, year, expected, &new)
        .await?)
}

/// Submits (the employee, their supervisor, hr/admin), approves or returns with a reason (the
/// direct supervisor or hr/admin, never the employee) the latest version.
pub async fn decide(
    cx: &Context<'_>,
    nip: &str,
    year: i32,
    what: Step,
    reason: Option<String>,
) -> AppResult<SkpRecord> {
    cx.store.get_employee(nip).await?;
    let relation = relation(cx, nip).await?;
    cx.require(if what == Step::Submit {
        Action::WriteSkp(relation)
    } else {
        Action::DecideSkp(relation)
    })?;
    let skp = cx
        .store
        .skp(nip, year, None)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("SKP of {nip} for {year}")))?;
    if what == Step::Reject && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::Invalid(vec![
            FieldError::new("reason", "say why the SKP is returned").with_code("required"),
        ]));
    }
    let has_main = skp
        .rhk
        .iter()
        .any(|r| r.kind == RhkKind::Utama && !r.iki.is_empty());
    let to = step(skp.status, what, has_main).map_err(|e| match e {
        jenjang_core::skp::StepRefused::NoMainResult => AppError::Invalid(vec![
            FieldError::new("rhk", e.to_string()).with_code("skp_no_main_result"),
        ]),
        _ => AppError::Conflict(e.to_string()),
    })?;
    Ok(cx
        .store
        .skp_status(&cx.actor(), &skp, to, reason.as_deref().map(str::trim))
        .await?)
}

/// An evidence file as uploaded.
pub struct Upload {
    pub name: String,
    pub content: Vec<u8>,
}

/// Records the realisation of IKI `id` `{period, value?, evidence_url?, feedback?}` with an
/// optional uploaded file. The SKP must be approved and the period of its year; the value and
/// evidence are the employee's (or their supervisor's, hr's), the feedback the direct
/// supervisor's. The same again changes nothing.
pub async fn realise(
    cx: &Context<'_>,
    id: i64,
    body: &Value,
    upload: Option<Upload>,
) -> AppResult<IkiPerformance> {
    let iki = cx.store.iki(id).await?;
    let employee = cx.store.get_employee(&iki.nip).await?;
    let relation = relation(cx, &iki.nip).await?;
    cx.require(Action::RealiseIki(relation))?;
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let period = f.parse("period", Period::parse);
    if let Some(p) = period
        && p.year() != iki.year
    {
        f.coded(
            "period",
            format!("{p} is not a period of {}, the SKP's year", iki.year),
            "due_outside_year",
            &[("year", iki.year.to_string())],
        );
    }
    let value = match f.raw("value") {
        None | Some(Value::Null) => Some(None),
        Some(_) => f.number("value", -1e15, 1e15).map(Some),
    };
    let evidence_url = f.opt_web_address("evidence_url");
    let feedback = f.opt_long_text("feedback");
    if iki.status != SkpStatus::Approved {
        let field = if feedback.is_some() {
            "feedback"
        } else {
            "iki"
        };
        f.coded(
            field,
            "the SKP is not approved yet: its targets are not agreed",
            "skp_not_approved",
            &[],
        );
    }
    if feedback.is_some() && cx.require(Action::GiveIkiFeedback(relation)).is_err() {
        f.coded(
            "feedback",
            "feedback is given by the direct supervisor",
            "feedback_by_supervisor",
            &[],
        );
    }
    let evidence_file = match upload {
        None => None,
        Some(u) if u.content.len() > MAX_EVIDENCE_BYTES => {
            f.coded(
                "file",
                format!(
                    "the file is {} bytes; at most {MAX_EVIDENCE_BYTES} are kept",
                    u.content.len()
                ),
                "file_too_large",
                &[("max", (MAX_EVIDENCE_BYTES / (1024 * 1024)).to_string())],
            );
            None
        }
        Some(u) => match evidence_type(&u.content) {
            None => {
                f.coded("file", "a PDF, PNG or JPEG file", "file_type", &[]);
                None
            }
            Some(content_type) => Some(NewEvidenceFile {
                name: clean_name(&u.name),
                content_type: content_type.to_string(),
                sha256: Sha256::digest(&u.content)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                content: u.content,
            }),
        },
    };
    let (period, value) =
        finish((|| Some((period?, value?)))(), errors).map_err(AppError::Invalid)?;
    let change = IkiRealisationChange {
        value,
        evidence_url,
        evidence_file,
        feedback,
    };
    let supervisor = employee.supervisor_nip.as_ref().map(|n| n.to_string());
    cx.store
        .record_iki_realisation(&cx.actor(), &iki, &period, &change, supervisor.as_deref())
        .await?;
    let (_, performance) = cx.store.iki_performance(&iki.nip, &period).await?;
    performance.into_iter().find(|p| p.id == id).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("the realisation just written is missing"))
    })
}

/// A file name as a download may state it: no directories, no control characters or quotes.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if clean.trim().is_empty() {
        "bukti".into()
    } else {
        clean
    }
}

/// A kept evidence file, for whoever may read its employee.
pub async fn evidence(cx: &Context<'_>, id: i64) -> AppResult<EvidenceFile> {
    let file = cx.store.evidence_file(id).await?;
    cx.require_read(&file.nip).await?;
    Ok(file)
}

/// The performance of one employee in one period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Performance {
    pub nip: String,
    pub period: String,
    /// The approved SKP version that judges this period; `null` without an approved SKP.
    pub skp_version: Option<i32>,
    pub iki: Vec<IkiPerformance>,
    /// From the capaian of the main RHK's IKI and the thresholds in settings; `null` when an
    /// IKI has no capaian yet (the evaluator then decides without a proposal).
    pub proposed_hasil_kerja: Option<Ekspektasi>,
    pub thresholds: jenjang_core::indicators::ProposalThresholds,
    pub evaluation: Option<EvaluationRecord>,
    /// The proposal kept when the evaluation was recorded, with the decision.
    pub proposal_kept: Option<ProposalRecord>,
}

/// `nip`'s IKI of `period` with capaian, the proposed hasil kerja and the evaluation.
pub async fn performance(cx: &Context<'_>, nip: &str, period: &Period) -> AppResult<Performance> {
    cx.store.get_employee(nip).await?;
    cx.require_read(nip).await?;
    let (skp_version, iki) = cx.store.iki_performance(nip, period).await?;
    let thresholds = crate::settings::proposal_thresholds(cx.store).await?;
    let proposed = proposal(
        &iki.iter()
            .map(|i| (i.rhk_kind, i.capaian))
            .collect::<Vec<_>>(),
        thresholds,
    );
    let p = period.to_string();
    Ok(Performance {
        nip: nip.to_string(),
        evaluation: cx.store.evaluation(nip, &p).await?,
        proposal_kept: cx.store.proposal(nip, &p).await?,
        period: p,
        skp_version,
        iki,
        proposed_hasil_kerja: proposed,
        thresholds,
    })
}

/// Keeps, beside the evaluation just recorded, the hasil kerja Jenjang proposed from the SKP
/// (when there is one) and the one decided.
pub async fn keep_proposal(
    store: &jenjang_store::Store,
    nip: &str,
    period: &Period,
    decided: Ekspektasi,
) -> AppResult<()> {
    let (version, iki) = store.iki_performance(nip, period).await?;
    if version.is_none() {
        return Ok(());
    }
    let thresholds = crate::settings::proposal_thresholds(store).await?;
    let proposed = proposal(
        &iki.iter()
            .map(|i| (i.rhk_kind, i.capaian))
            .collect::<Vec<_>>(),
        thresholds,
    );
    let capaian: serde_json::Map<String, Value> = iki
        .iter()
        .map(|i| (i.id.to_string(), serde_json::json!(i.capaian)))
        .collect();
    store
        .save_proposal(
            nip,
            &period.to_string(),
            proposed.map(|e| e.as_str()),
            decided.as_str(),
            &Value::Object(capaian),
        )
        .await?;
    Ok(())
}

/// The employee's IKI below target in `year` (latest period of each): their performance gaps.
pub async fn gaps(
    cx: &Context<'_>,
    nip: &str,
    year: i32,
) -> AppResult<Vec<(String, IkiPerformance)>> {
    cx.store.get_employee(nip).await?;
    cx.require_read(nip).await?;
    Ok(cx.store.iki_gaps(nip, year).await?)
}

/// A report's SKP as a supervisor's team list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TeamSkp {
    pub version: Option<i32>,
    pub status: Option<SkpStatus>,
    /// The hasil kerja proposed per period realised (`null` where an IKI has no capaian).
    pub proposals: std::collections::BTreeMap<String, Option<Ekspektasi>>,
}

/// The SKP status and the proposal per realised period of each of `nips` (the caller's team,
/// read already), in two queries: the version judging a period is the newest approved one
/// with a realisation in it, as for one employee.
pub async fn team(
    store: &jenjang_store::Store,
    nips: &[String],
    year: i32,
) -> AppResult<std::collections::BTreeMap<String, TeamSkp>> {
    use std::collections::BTreeMap;
    let statuses = store.skp_statuses(nips, year).await?;
    let rows = store.realised_iki(nips, year).await?;
    let thresholds = crate::settings::proposal_thresholds(store).await?;
    // Per employee: the IKI of each version, and each version's realisations by period.
    type Versions<'a> = BTreeMap<i32, (Vec<&'a jenjang_store::skp::RealisedIki>, BTreeSet<String>)>;
    let mut by_nip: BTreeMap<&str, Versions<'_>> = BTreeMap::new();
    for r in &rows {
        let v = by_nip
            .entry(r.nip.as_str())
            .or_default()
            .entry(r.version)
            .or_default();
        v.0.push(r);
        if let Some(p) = &r.period {
            v.1.insert(p.clone());
        }
    }
    let mut out = BTreeMap::new();
    for nip in nips {
        let status = statuses.get(nip);
        let mut proposals = BTreeMap::new();
        if let Some(versions) = by_nip.get(nip.as_str()) {
            let periods: BTreeSet<&String> = versions.values().flat_map(|v| v.1.iter()).collect();
            for period in periods {
                let Some((_, (iki, _))) = versions.iter().rev().find(|(_, v)| v.1.contains(period))
                else {
                    continue;
                };
                let mut seen = BTreeSet::new();
                let mut capaian = Vec::new();
                for r in iki {
                    if !seen.insert(r.iki) {
                        continue;
                    }
                    let value = iki
                        .iter()
                        .find(|x| x.iki == r.iki && x.period.as_ref() == Some(period))
                        .and_then(|x| x.value);
                    capaian.push((
                        r.rhk_kind,
                        value.and_then(|v| {
                            jenjang_core::indicators::capaian(r.target, v, r.direction)
                        }),
                    ));
                }
                proposals.insert(period.clone(), proposal(&capaian, thresholds));
            }
        }
        out.insert(
            nip.clone(),
            TeamSkp {
                version: status.map(|s| s.version),
                status: status.map(|s| s.status),
                proposals,
            },
        );
    }
    Ok(out)
}
