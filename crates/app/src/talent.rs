//! The talent grid (9-box) of a unit subtree or the organisation for a year.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::access::Action;
use jenjang_core::kinds::Potential;
use jenjang_core::talent::{self, Kinerja};
use jenjang_store::{Page, Paging};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentBox {
    #[serde(rename = "box")]
    pub box_number: u8,
    pub label: String,
    pub kinerja: Kinerja,
    pub potensial: Potential,
    pub follow_ups: Vec<&'static str>,
    /// How many employees the box holds.
    pub count: usize,
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
    /// How many cannot be placed (also when the lists are left out).
    pub unrated_count: usize,
}

/// The grid of `unit`'s subtree (the organisation when none) in `year` (default: this year in
/// the organisation's time zone). HR and admin see any unit; a unit head their subtree. Read from
/// the year's talent index, kept current from the change feeds (`Analytics::talent_answer`), and
/// kept until it changes.
pub async fn grid(
    cx: &Context<'_>,
    unit: Option<&str>,
    year: Option<i32>,
) -> AppResult<Arc<TalentGrid>> {
    answer(cx, unit, year, true).await
}

/// The same grid with its counts only and every list empty: added up from the units' counts
/// of the talent index, so a province's grid after a write costs the units of the subtree, not
/// a walk over every employee (the page and `employees=false` need no more).
pub async fn grid_counts(
    cx: &Context<'_>,
    unit: Option<&str>,
    year: Option<i32>,
) -> AppResult<Arc<TalentGrid>> {
    answer(cx, unit, year, false).await
}

async fn answer(
    cx: &Context<'_>,
    unit: Option<&str>,
    year: Option<i32>,
    lists: bool,
) -> AppResult<Arc<TalentGrid>> {
    let year = match year {
        Some(y) => y,
        None => chrono::Datelike::year(&cx.store.today().await?),
    };
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid(
            "year",
            format!("a year from 2000 to 2100; found {year}"),
        ));
    }
    let in_led_subtree = match unit {
        Some(u) => cx.store.leads_unit(cx.caller.nip.as_ref(), u).await?,
        None => false,
    };
    cx.require(Action::AnalyseUnit { in_led_subtree })?;
    // Unit codes hold no line break: the two answers of a unit are kept apart.
    let key = match lists {
        true => unit.unwrap_or("").to_string(),
        false => format!("{}\ncounts", unit.unwrap_or("")),
    };
    cx.analytics
        .talent_answer(cx.store, year, &key, |org, index| {
            let top = match unit {
                Some(code) => Some(
                    org.units
                        .index(code)
                        .ok_or_else(|| AppError::NotFound(format!("unit {code} was not found")))?,
                ),
                None => None,
            };
            let counts = index.counts(&org.units, top);
            let placed = match lists {
                true => index.grid(&org.units, top),
                false => talent::Placed::default(),
            };
            let boxes = placed
                .boxes
                .into_iter()
                .zip(counts.boxes)
                .zip(1u8..)
                .map(|((employees, count), b)| {
                    let (kinerja, potensial) = talent::axes(b);
                    TalentBox {
                        box_number: b,
                        label: talent::label(b),
                        kinerja,
                        potensial,
                        follow_ups: talent::follow_ups(b).to_vec(),
                        count,
                        employees,
                    }
                })
                .collect();
            Ok(TalentGrid {
                unit: unit.map(str::to_string),
                year,
                boxes,
                unrated: placed.unrated,
                unrated_count: counts.unrated,
            })
        })
        .await
}

/// One employee of a box as its drill-down lists them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoxMember {
    pub nip: String,
    pub name: String,
    pub unit: String,
}

/// The employees of box `number` (1..9) of the grid, by name, searched by name or NIP (`q`,
/// case ignored) and paged: the drill-down of a province's grid.
pub async fn box_members(
    cx: &Context<'_>,
    unit: Option<&str>,
    year: Option<i32>,
    number: u8,
    q: Option<&str>,
    paging: Paging,
) -> AppResult<Page<BoxMember>> {
    if !(1..=9).contains(&number) {
        return Err(AppError::NotFound(format!(
            "talent box {number} does not exist; boxes are 1 to 9"
        )));
    }
    let grid = grid(cx, unit, year).await?;
    let directory = cx.directory().await?;
    let needle = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let mut members: Vec<BoxMember> = grid.boxes[usize::from(number) - 1]
        .employees
        .iter()
        .filter_map(|nip| {
            let (name, unit) = directory.get(nip)?;
            Some(BoxMember {
                nip: nip.clone(),
                name: name.clone(),
                unit: unit.clone(),
            })
        })
        .filter(|m| {
            needle
                .as_ref()
                .is_none_or(|n| m.nip.contains(n.as_str()) || m.name.to_lowercase().contains(n))
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.nip.cmp(&b.nip)));
    let total = members.len() as u64;
    let (limit, offset) = (paging.limit, paging.offset);
    let items = members
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}
