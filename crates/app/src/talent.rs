//! The talent grid (9-box) of a unit subtree or the organisation for a year.

use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, Principal, authorize};
use jenjang_core::kinds::Potential;
use jenjang_core::period::Period;
use jenjang_core::predikat::Predikat;
use jenjang_core::talent::{self, Kinerja, KinerjaRule, placement};
use jenjang_store::Store;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentBox {
    #[serde(rename = "box")]
    pub box_number: u8,
    pub label: String,
    pub kinerja: Kinerja,
    pub potensial: Potential,
    pub follow_ups: Vec<&'static str>,
    pub employees: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentGrid {
    pub unit: Option<String>,
    pub year: i32,
    /// Boxes 1..9.
    pub boxes: Vec<TalentBox>,
    /// Employees who cannot be placed: no evaluation that year, or no potential assessed.
    pub unrated: Vec<String>,
}

/// The grid of `unit`'s subtree (the organisation when none) in `year` (default: this year in
/// the organisation's time zone). HR and admin see any unit; a unit head their subtree.
pub async fn grid(
    store: &Store,
    caller: &Principal,
    unit: Option<&str>,
    year: Option<i32>,
) -> AppResult<TalentGrid> {
    let year = match year {
        Some(y) => y,
        None => chrono::Datelike::year(&store.today().await?),
    };
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid(
            "year",
            format!("a year from 2000 to 2100; found {year}"),
        ));
    }
    let in_led_subtree = match unit {
        Some(u) => store.leads_unit(caller.nip.as_ref(), u).await?,
        None => false,
    };
    authorize(caller, Action::AnalyseUnit { in_led_subtree }).map_err(|_| AppError::Forbidden)?;
    let employees = store.potentials(unit).await?;
    let mut by_nip: HashMap<String, Vec<(Period, Predikat)>> = HashMap::new();
    for (nip, period, predikat) in store.evaluations_of_year(unit, year).await? {
        by_nip.entry(nip).or_default().push((period, predikat));
    }
    let rule = KinerjaRule::default();
    let mut boxes: Vec<TalentBox> = (1..=9)
        .map(|b| {
            let (kinerja, potensial) = talent::axes(b);
            TalentBox {
                box_number: b,
                label: talent::label(b),
                kinerja,
                potensial,
                follow_ups: talent::follow_ups(b).to_vec(),
                employees: vec![],
            }
        })
        .collect();
    let mut unrated = Vec::new();
    for (nip, potential) in employees {
        let evaluations = by_nip.get(&nip).map(Vec::as_slice).unwrap_or_default();
        match placement(&rule, evaluations, potential, year) {
            Some(b) => boxes[usize::from(b) - 1].employees.push(nip),
            None => unrated.push(nip),
        }
    }
    Ok(TalentGrid {
        unit: unit.map(str::to_string),
        year,
        boxes,
        unrated,
    })
}
