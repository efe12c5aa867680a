//! Unit indicators (IKU): defined and realised by hr, admin and the heads of the units' chain,
//! read by whoever may analyse the unit. Capaian and the performance gap are core's
//! (`jenjang_core::indicators`); an `ikm` indicator is realised by the unit's IKM only.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::fields::{Fields, finish};
use jenjang_core::FieldError;
use jenjang_core::indicators::{Direction, IndicatorKind, RealisationSource};
use jenjang_core::period::Period;
use jenjang_store::indicators::{IndicatorRecord, NewIndicator, NewRealisation, Realised};
use serde_json::Value;
use std::collections::BTreeMap;

/// An indicator as a request states it, for `unit`.
pub fn read_indicator(body: &Value, unit: &str) -> Result<NewIndicator, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = f.parse("code", jenjang_core::Code::parse);
    let year = f.int("year", 2000, 2100);
    let name = f.text("name");
    let kind = f
        .opt_parse("kind", |s| s.parse::<IndicatorKind>())
        .map(|k| k.unwrap_or(IndicatorKind::Manual));
    let unit_of_measure = f.text("unit_of_measure");
    let direction = f.parse("direction", |s| s.parse::<Direction>());
    let target = f.number("target", 0.0, 1e15);
    let mut period_targets = BTreeMap::new();
    match body.get("period_targets") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (period, value) in map {
                let at = format!("period_targets.{period}");
                match Period::parse(period) {
                    Ok(p) if year.is_some_and(|y| p.year() != y as i32) => f.coded(
                        &at,
                        format!("{p} is not a period of the indicator's year"),
                        "due_outside_year",
                        &[("year", year.unwrap_or_default().to_string())],
                    ),
                    Ok(p) => match value.as_f64() {
                        Some(v) if v >= 0.0 && v.is_finite() => {
                            period_targets.insert(p.to_string(), v);
                        }
                        _ => f.coded(&at, "expected a number, 0 or more", "number", &[]),
                    },
                    Err(e) => f.coded(
                        &at,
                        e.to_string(),
                        "invalid_value",
                        &[("value", period.clone())],
                    ),
                }
            }
        }
        Some(_) => f.coded(
            "period_targets",
            "expected an object of period: target",
            "invalid_value",
            &[("value", String::new())],
        ),
    }
    let new = (|| {
        Some(NewIndicator {
            code: code?.to_string(),
            year: year? as i32,
            unit: unit.to_string(),
            name: name?,
            kind: kind?,
            unit_of_measure: unit_of_measure?,
            direction: direction?,
            target: target?,
            period_targets,
        })
    })();
    finish(new, errors)
}

/// A realisation as a request states it: `{period, value, evidence_url?, note?}`.
pub fn read_realisation(body: &Value, indicator: i64) -> Result<NewRealisation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let period = f.parse("period", Period::parse);
    let value = f.number("value", -1e15, 1e15);
    let evidence_url = f.opt_web_address("evidence_url");
    let note = f.opt_long_text("note");
    let new = (|| {
        Some(NewRealisation {
            indicator,
            period: period?,
            value: value?,
            source: RealisationSource::Manual,
            evidence_url: evidence_url.clone(),
            note,
        })
    })();
    finish(new, errors)
}

/// A unit's indicators (of `year` when given) with their realisations.
pub async fn list(
    cx: &Context<'_>,
    unit: &str,
    year: Option<i32>,
) -> AppResult<Vec<IndicatorRecord>> {
    cx.require_unit(unit, false).await?;
    Ok(cx.store.list_indicators(unit, year).await?)
}

/// One indicator, for whoever may analyse its unit.
pub async fn get(cx: &Context<'_>, id: i64) -> AppResult<IndicatorRecord> {
    let ind = cx.store.get_indicator(id).await?;
    cx.require_unit(&ind.unit, false).await?;
    Ok(ind)
}

/// Defines an indicator of `unit` (hr, admin, the heads of its chain).
pub async fn create(
    cx: &Context<'_>,
    unit: &str,
    new: Result<NewIndicator, Vec<FieldError>>,
) -> AppResult<IndicatorRecord> {
    cx.require_unit(unit, true).await?;
    let new = new.map_err(AppError::Invalid)?;
    Ok(cx.store.create_indicator(&cx.actor(), &new).await?)
}

/// Changes indicator `id` (its code, year and unit stay).
pub async fn update(
    cx: &Context<'_>,
    id: i64,
    new: impl FnOnce(&str) -> Result<NewIndicator, Vec<FieldError>>,
) -> AppResult<IndicatorRecord> {
    let ind = cx.store.get_indicator(id).await?;
    cx.require_unit(&ind.unit, true).await?;
    let new = new(&ind.unit).map_err(AppError::Invalid)?;
    Ok(cx.store.update_indicator(&cx.actor(), id, &new).await?)
}

/// Records a realisation of indicator `id` entered by hand (an `ikm` indicator takes its
/// realisations from the unit's IKM only).
pub async fn realise(
    cx: &Context<'_>,
    id: i64,
    new: Result<NewRealisation, Vec<FieldError>>,
) -> AppResult<Realised> {
    let ind = cx.store.get_indicator(id).await?;
    cx.require_unit(&ind.unit, true).await?;
    let new = new.map_err(AppError::Invalid)?;
    if ind.kind == IndicatorKind::Ikm {
        return Err(AppError::Invalid(vec![
            FieldError::new("value", "this indicator is realised by the unit's IKM")
                .with_code("fed_by_ikm"),
        ]));
    }
    Ok(cx.store.record_realisations(&cx.actor(), &[new]).await?)
}

/// A unit indicator whose latest realisation of the year falls short of its target: a
/// performance gap (PP 11/2017 art. 206), beside the competency gaps.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PerformanceGap {
    pub indicator: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub unit_of_measure: String,
    pub period: String,
    pub target: f64,
    pub realisation: f64,
    /// Percent, `null` where undefined.
    pub capaian: Option<f64>,
    /// The period before fell short too.
    pub running: bool,
}

/// The performance gaps of the subtree of `unit` in `year`, worst capaian first.
pub async fn gaps(cx: &Context<'_>, unit: &str, year: i32) -> AppResult<Vec<PerformanceGap>> {
    cx.require_unit(unit, false).await?;
    let org = cx.organisation().await?;
    let Some(top) = org.units.index(unit) else {
        return Err(AppError::NotFound(format!("unit {unit}")));
    };
    let mut out = Vec::new();
    for ind in cx.store.indicators_of_year(year).await? {
        let within = org
            .units
            .index(&ind.unit)
            .is_some_and(|u| org.units.within(u, top));
        if !within {
            continue;
        }
        let mut realised: Vec<&jenjang_store::indicators::RealisationRecord> =
            ind.realisations.iter().collect();
        realised.sort_by_key(|r| {
            Period::parse(&r.period)
                .map(Period::sort_key)
                .unwrap_or((0, 0))
        });
        let Some(latest) = realised.last() else {
            continue;
        };
        if !latest.below_target {
            continue;
        }
        let running = realised.len() >= 2 && realised[realised.len() - 2].below_target;
        out.push(PerformanceGap {
            indicator: ind.id,
            code: ind.code.clone(),
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            unit_of_measure: ind.unit_of_measure.clone(),
            period: latest.period.clone(),
            target: latest.target,
            realisation: latest.value,
            capaian: latest.capaian,
            running,
        });
    }
    out.sort_by(|a, b| {
        a.capaian
            .unwrap_or(0.0)
            .total_cmp(&b.capaian.unwrap_or(0.0))
            .then(a.code.cmp(&b.code))
    });
    Ok(out)
}
