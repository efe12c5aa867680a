//! Position fit and succession (PermenPANRB 3/2020): candidates for a position ranked by JPM
//! across the organisation or a unit subtree, with eligibility said as reasons and each
//! candidate's gaps and the programs that would close them; one employee's fit; the succession
//! pools of critical positions with readiness and the positions at risk. The rules are core's
//! (`jenjang_core::fit`).

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, sees_whole_organisation};
use jenjang_core::fit::{
    self, Eligibility, Golongan, Ineligible, JpmCategory, JpmThresholds, Readiness,
};
use jenjang_core::gap::{Requirement, Source, gaps};
use jenjang_core::org::{Organisation, Population};
use jenjang_core::recommend::recommend;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// A gap toward the position: the level required and the level held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FitGap {
    pub competency: String,
    pub required: u8,
    pub current: u8,
}

/// A program that would close gaps toward the position, in the recommended order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FitProgram {
    pub program: String,
    pub title: String,
    pub jp: u32,
}

/// How an employee fits a position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fit {
    pub nip: String,
    pub position: String,
    /// Job–person match, 0–100 with one decimal.
    pub jpm: f64,
    pub category: JpmCategory,
    pub gaps: Vec<FitGap>,
    pub programs: Vec<FitProgram>,
    /// Gaps no program of the catalogue closes.
    pub uncovered: Vec<String>,
}

/// One ranked candidate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub nip: String,
    pub name: String,
    pub unit: String,
    pub current_position: Option<String>,
    pub jpm: f64,
    pub category: JpmCategory,
    /// The talent box of the latest year with a rating (this year, else last year).
    pub talent_box: Option<u8>,
    pub predikat: Option<String>,
    #[schema(value_type = Option<String>)]
    pub golongan: Option<Golongan>,
    pub eligible: bool,
    /// Why not eligible: `incumbent`, `golongan_below_minimum`, `golongan_unknown`,
    /// `golongan_other_scheme`, `position_kind_not_below`.
    pub ineligible: Vec<Ineligible>,
    pub gaps: Vec<FitGap>,
    pub programs: Vec<FitProgram>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidates {
    pub position: String,
    pub name: String,
    /// The unit subtree searched; the organisation when none.
    pub unit: Option<String>,
    #[schema(value_type = Option<String>)]
    pub min_golongan: Option<Golongan>,
    /// Employees whose JPM was computed.
    pub considered: u64,
    pub items: Vec<Candidate>,
}

/// The JPM thresholds (setting `jpm_thresholds`, default optimal 90, cukup optimal 78).
async fn thresholds(cx: &Context<'_>) -> AppResult<JpmThresholds> {
    Ok(match cx.store.setting("jpm_thresholds").await? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            AppError::Internal(anyhow::anyhow!("setting jpm_thresholds is unreadable: {e}"))
        })?,
        None => JpmThresholds::default(),
    })
}

/// The position's index and requirements; a position that requires nothing has no JPM.
fn standard<'o>(org: &'o Organisation, code: &str) -> AppResult<(u32, &'o [(u32, u8)])> {
    let p = org
        .position(code)
        .ok_or_else(|| AppError::NotFound(format!("position {code} was not found")))?;
    let reqs = &org.positions[p as usize].requirements;
    if reqs.is_empty() {
        return Err(AppError::Invalid(vec![
            jenjang_core::FieldError::new(
                "position",
                format!("{code} has no competency requirements: its JPM is undefined"),
            )
            .with_code("jpm_undefined")
            .with_param("code", code),
        ]));
    }
    Ok((p, reqs))
}

fn jpm_of(reqs: &[(u32, u8)], levels: &[u8]) -> f64 {
    fit::jpm(
        reqs.iter()
            .map(|&(c, l)| (l, levels.get(c as usize).copied().unwrap_or(0))),
    )
    .unwrap_or(0.0)
}

/// Gaps toward position `p` and the programs that would close them.
fn toward(
    org: &Organisation,
    p: u32,
    levels: &[u8],
) -> (Vec<FitGap>, Vec<FitProgram>, Vec<String>, u32) {
    let std = &org.positions[p as usize];
    let reqs: Vec<Requirement> = std
        .requirements
        .iter()
        .map(|&(c, l)| Requirement {
            competency: c,
            level: l,
            source: Source::TargetPosition(std.code.clone()),
            weight: 1,
        })
        .collect();
    let g = gaps(levels, &reqs);
    let r = recommend(&org.catalog, levels, &g);
    let programs: Vec<FitProgram> = r
        .programs
        .iter()
        .map(|x| {
            let info = org.catalog.program(x.program);
            FitProgram {
                program: info.code.clone(),
                title: info.title.clone(),
                jp: info.jp,
            }
        })
        .collect();
    let jp = programs.iter().map(|p| p.jp).sum();
    let uncovered = r
        .uncovered
        .iter()
        .map(|u| org.catalog.competency_code(u.competency).to_string())
        .collect();
    let gaps = g
        .iter()
        .map(|g| FitGap {
            competency: org.catalog.competency_code(g.competency).to_string(),
            required: g.required,
            current: g.current,
        })
        .collect();
    (gaps, programs, uncovered, jp)
}

/// The scope searched: `unit` when given (its analysts only); otherwise the organisation for
/// hr and admin, and for a unit head the units they lead.
async fn scope(cx: &Context<'_>, unit: Option<&str>) -> AppResult<Vec<Option<String>>> {
    match unit {
        Some(u) => {
            cx.require_unit(u, false).await?;
            Ok(vec![Some(u.to_string())])
        }
        None if sees_whole_organisation(cx.caller) => Ok(vec![None]),
        None => {
            let mut led: Vec<String> = cx.led_units().await?.into_iter().collect();
            if led.is_empty() {
                return Err(AppError::Forbidden);
            }
            led.sort();
            // Only the top units: a led unit below another led one is in its subtree.
            let org = cx.organisation().await?;
            let tops: Vec<Option<String>> = led
                .iter()
                .filter(|u| {
                    let Some(i) = org.units.index(u) else {
                        return false;
                    };
                    !led.iter().any(|o| {
                        o != *u && org.units.index(o).is_some_and(|oi| org.units.within(i, oi))
                    })
                })
                .map(|u| Some(u.clone()))
                .collect();
            Ok(tops)
        }
    }
}

/// The population of a scope, kept per data version.
async fn population(
    cx: &Context<'_>,
    org: &Arc<Organisation>,
    unit: Option<&str>,
) -> AppResult<Arc<Population>> {
    let key = format!("fit:population:{}", unit.unwrap_or(""));
    cx.analytics
        .cached(cx.version, &key, || async {
            Ok(cx.store.load_population(org, unit).await?)
        })
        .await
}

/// Each employee's talent box of the latest year with a rating (this year, else last year).
async fn boxes(cx: &Context<'_>, unit: Option<&str>) -> AppResult<HashMap<String, u8>> {
    let year = chrono::Datelike::year(&cx.store.today().await?);
    // Both years at once (each is computed once per data version and kept).
    let (last, this) = tokio::try_join!(
        crate::talent::grid(cx, unit, Some(year - 1)),
        crate::talent::grid(cx, unit, Some(year)),
    )?;
    let mut out = HashMap::new();
    for grid in [last, this] {
        for b in &grid.boxes {
            for nip in &b.employees {
                out.insert(nip.clone(), b.box_number);
            }
        }
    }
    Ok(out)
}

/// Candidates for `position` across the scope, ranked by JPM, then talent box, then NIP; the
/// first `limit` with eligibility, gaps and programs.
pub async fn candidates(
    cx: &Context<'_>,
    position: &str,
    unit: Option<&str>,
    limit: usize,
) -> AppResult<Candidates> {
    cx.require(Action::AnalyseUnit {
        in_led_subtree: true,
    })?;
    let scopes = scope(cx, unit).await?;
    let org = cx.organisation().await?;
    let (p, reqs) = standard(&org, position)?;
    let target = cx.store.get_position(position).await?;
    let t = thresholds(cx).await?;
    let width = org.catalog.competency_count();
    let mut ranked: Vec<(f64, u8, &str, usize, usize)> = Vec::new();
    let mut pops = Vec::with_capacity(scopes.len());
    let mut talent: HashMap<String, u8> = HashMap::new();
    for s in &scopes {
        let (pop, boxes) =
            tokio::try_join!(population(cx, &org, s.as_deref()), boxes(cx, s.as_deref()))?;
        pops.push(pop);
        talent.extend(boxes);
    }
    for (k, pop) in pops.iter().enumerate() {
        for (i, m) in pop.members.iter().enumerate() {
            let jpm = jpm_of(reqs, pop.levels_of(i, width));
            let b = talent.get(&m.nip).copied().unwrap_or(0);
            ranked.push((jpm, b, m.nip.as_str(), k, i));
        }
    }
    let considered = ranked.len() as u64;
    let limit = limit.clamp(1, 200);
    let by_rank = |a: &(f64, u8, &str, usize, usize), b: &(f64, u8, &str, usize, usize)| {
        b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2))
    };
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, by_rank);
        ranked.truncate(limit);
    }
    ranked.sort_by(by_rank);
    let nips: Vec<String> = ranked.iter().map(|r| r.2.to_string()).collect();
    let people = cx.store.fit_facts(&nips).await?;
    let directory = cx.directory().await?;
    let items = ranked
        .iter()
        .map(|&(jpm, b, nip, k, i)| {
            let m = &pops[k].members[i];
            let facts = people.get(nip);
            let golongan = facts.and_then(|f| f.golongan);
            let current = m.position.map(|x| &org.positions[x as usize]);
            let ineligible = fit::ineligible(&Eligibility {
                candidate_position: current.map(|c| c.code.as_str()),
                candidate_kind: current.map(|c| c.kind),
                candidate_golongan: golongan,
                position,
                position_kind: org.positions[p as usize].kind,
                min_golongan: target.min_golongan,
            });
            let (gaps, programs, _, _) = toward(&org, p, pops[k].levels_of(i, width));
            Candidate {
                nip: nip.to_string(),
                name: directory.get(nip).map(|d| d.0.clone()).unwrap_or_default(),
                unit: org.units.code(m.unit).to_string(),
                current_position: current.map(|c| c.code.clone()),
                jpm,
                category: t.category(jpm),
                talent_box: (b > 0).then_some(b),
                predikat: facts.and_then(|f| f.predikat.clone()),
                golongan,
                eligible: ineligible.is_empty(),
                ineligible,
                gaps,
                programs,
            }
        })
        .collect();
    Ok(Candidates {
        position: position.to_string(),
        name: target.name,
        unit: unit.map(str::to_string),
        min_golongan: target.min_golongan,
        considered,
        items,
    })
}

/// How employee `nip` fits `position`, for whoever may read the employee.
pub async fn employee_fit(cx: &Context<'_>, nip: &str, position: &str) -> AppResult<Fit> {
    cx.require_read(nip).await?;
    let org = cx.organisation().await?;
    let (p, reqs) = standard(&org, position)?;
    let (_, levels) = cx.store.load_member(&org, nip).await?;
    let jpm = jpm_of(reqs, &levels);
    let (gaps, programs, uncovered, _) = toward(&org, p, &levels);
    Ok(Fit {
        nip: nip.to_string(),
        position: position.to_string(),
        jpm,
        category: thresholds(cx).await?.category(jpm),
        gaps,
        programs,
        uncovered,
    })
}

/// A successor in a pool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Successor {
    pub nip: String,
    pub name: String,
    pub readiness: Readiness,
    pub jpm: f64,
    pub talent_box: u8,
    /// JP of the programs that would close the gaps.
    pub programs_jp: u32,
}

/// A critical position's succession pool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pool {
    pub position: String,
    pub name: String,
    pub incumbents: Vec<String>,
    pub successors: Vec<Successor>,
    /// Successors ready now or within one to two years.
    pub ready: u64,
    /// Fewer than two ready successors.
    pub at_risk: bool,
}

/// A member of the succession pool: NIP, talent box, current levels.
type PoolMember = (String, u8, Vec<u8>);

/// The successors a pool lists: the best by JPM among boxes 7, 8, 9.
const POOL_SIZE: usize = 10;

/// The JP of development a successor can complete in a year, unless the setting
/// `succession_jp_per_year` says otherwise: the 20 JP every employee is owed is a floor, not the
/// pace of someone being prepared for a post (a leadership course alone runs to hundreds).
pub const DEFAULT_SUCCESSION_JP: u32 = 120;

/// The succession pools of the critical positions (of the scope's units, or without a unit),
/// positions at risk first. Successors come from boxes 7–9 of the scope; readiness per
/// `core::fit::readiness` with a year's JP (setting `succession_jp_per_year`, default 120).
pub async fn succession(cx: &Context<'_>, unit: Option<&str>) -> AppResult<Vec<Pool>> {
    cx.require(Action::AnalyseUnit {
        in_led_subtree: true,
    })?;
    let scopes = scope(cx, unit).await?;
    let org = cx.organisation().await?;
    let t = thresholds(cx).await?;
    let year_jp = match cx.store.setting("succession_jp_per_year").await? {
        Some(v) => v.trim().parse::<u32>().map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "setting succession_jp_per_year is unreadable: {e}"
            ))
        })?,
        None => DEFAULT_SUCCESSION_JP,
    };
    let width = org.catalog.competency_count();
    let critical = cx.store.critical_positions().await?;
    let directory = cx.directory().await?;
    // The pool: members of boxes 7–9 in the scope, with their levels.
    let mut pool: Vec<PoolMember> = Vec::new();
    let mut incumbents: HashMap<u32, Vec<String>> = HashMap::new();
    let mut in_scope_units: Vec<u32> = Vec::new();
    for s in &scopes {
        let (pop, talent) =
            tokio::try_join!(population(cx, &org, s.as_deref()), boxes(cx, s.as_deref()))?;
        for (i, m) in pop.members.iter().enumerate() {
            in_scope_units.push(m.unit);
            if let Some(p) = m.position {
                incumbents.entry(p).or_default().push(m.nip.clone());
            }
            if let Some(&b) = talent.get(&m.nip)
                && fit::SUCCESSION_BOXES.contains(&b)
            {
                pool.push((m.nip.clone(), b, pop.levels_of(i, width).to_vec()));
            }
        }
    }
    in_scope_units.sort_unstable();
    in_scope_units.dedup();
    let mut out = Vec::new();
    for (code, name, unit_code) in critical {
        // A position of a unit outside the scope is another's to plan.
        if let Some(u) = unit_code.as_deref().and_then(|u| org.units.index(u))
            && !in_scope_units.is_empty()
            && scopes.iter().all(|s| s.is_some())
            && !in_scope_units.contains(&u)
        {
            continue;
        }
        let Some(p) = org.position(&code) else {
            continue;
        };
        let reqs = &org.positions[p as usize].requirements;
        let holders = incumbents.get(&p).cloned().unwrap_or_default();
        let holding: std::collections::HashSet<&str> = holders.iter().map(String::as_str).collect();
        let mut scored: Vec<(f64, &PoolMember)> = pool
            .iter()
            .filter(|c| !holding.contains(c.0.as_str()))
            .map(|c| (jpm_of(reqs, &c.2), c))
            .collect();
        // The best ten without sorting the whole pool.
        let best = |a: &(f64, &PoolMember), b: &(f64, &PoolMember)| {
            b.0.total_cmp(&a.0).then(a.1.0.cmp(&b.1.0))
        };
        if scored.len() > POOL_SIZE {
            scored.select_nth_unstable_by(POOL_SIZE - 1, best);
            scored.truncate(POOL_SIZE);
        }
        scored.sort_by(best);
        let successors: Vec<Successor> = scored
            .iter()
            .map(|(jpm, (nip, b, levels))| {
                let (_, _, uncovered, jp) = toward(&org, p, levels);
                Successor {
                    nip: nip.clone(),
                    name: directory.get(nip).map(|d| d.0.clone()).unwrap_or_default(),
                    readiness: if reqs.is_empty() {
                        Readiness::PerluPengembangan
                    } else {
                        fit::readiness(*jpm, &t, uncovered.is_empty(), jp, year_jp)
                    },
                    jpm: *jpm,
                    talent_box: *b,
                    programs_jp: jp,
                }
            })
            .collect();
        let ready = successors
            .iter()
            .filter(|s| s.readiness != Readiness::PerluPengembangan)
            .count();
        out.push(Pool {
            position: code,
            name,
            incumbents: holders,
            successors,
            ready: ready as u64,
            at_risk: fit::at_risk(ready),
        });
    }
    out.sort_by(|a, b| {
        b.at_risk
            .cmp(&a.at_risk)
            .then(a.ready.cmp(&b.ready))
            .then(a.position.cmp(&b.position))
    });
    Ok(out)
}

/// Marks a position critical or not (hr, admin), audited.
pub async fn set_critical(cx: &Context<'_>, position: &str, critical: bool) -> AppResult<bool> {
    cx.require(Action::WriteReference)?;
    Ok(cx
        .store
        .set_critical(&cx.actor(), position, critical)
        .await?)
}
