//! The analysis pages of HR and unit heads: the needs analysis with its heat map, the talent grid,
//! the training plan and the organisational needs.

#[allow(unused_imports)]
use super::*;

/// The needs analysis of `unit` through the API handler (cached per data version there).
pub(super) async fn needs_of(
    s: &AppState,
    user: &CurrentUser,
    unit: &str,
) -> Result<Value, ApiError> {
    json_body(
        unit_needs_analysis(
            State(s.clone()),
            user.clone(),
            Path(unit.to_string()),
            Params(FormatQuery { format: None }),
            HeaderMap::new(),
        )
        .await?,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct UnitQuery {
    unit: Option<String>,
}

/// The heat map's rows for the units directly below `unit` (the caller may analyse `unit`):
/// one population read and one pass over it, cached per data version like the analyses. Each
/// row is `(child, {employees, competencies: [{competency, employees_with_gap}]})`.
pub(super) async fn heat_rows(
    s: &AppState,
    version: i64,
    org: &Arc<jenjang_core::org::Organisation>,
    unit: &str,
    children: &[String],
) -> Result<Vec<(String, Value)>, ApiError> {
    let key = format!("heat:{unit}");
    let value = match s.analytics.result(version, &key) {
        Some(v) => v,
        None => {
            let population = s.store.load_population(org, Some(unit)).await?;
            let child_units: Vec<u32> =
                children.iter().filter_map(|c| org.units.index(c)).collect();
            let group_of_unit: Vec<Option<usize>> = (0..org.units.len() as u32)
                .map(|u| child_units.iter().position(|&c| org.units.within(u, c)))
                .collect();
            let org2 = org.clone();
            let groups = child_units.len();
            let counted = tokio::task::spawn_blocking(move || {
                gaps_by_group(&org2, &population, &group_of_unit, groups)
            })
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
            let rows: Vec<Value> = child_units
                .iter()
                .zip(counted)
                .map(|(&u, g)| {
                    let competencies: Vec<Value> = g
                        .with_gap
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(c, n)| {
                            json!({
                                "competency": org.catalog.competency_code(c as u32),
                                "employees_with_gap": n,
                            })
                        })
                        .collect();
                    json!([org.units.code(u), {"employees": g.employees, "competencies": competencies}])
                })
                .collect();
            let value = Arc::new(Value::Array(rows));
            s.analytics.store_result(version, key, value.clone());
            value
        }
    };
    Ok(value
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| (r[0].as_str().unwrap_or("").to_string(), r[1].clone()))
                .collect()
        })
        .unwrap_or_default())
}

/// Where a unit-scoped page starts when no unit is named: the whole organisation for hr and
/// admin, otherwise the top of what the caller leads (403 when they lead nothing).
pub(super) async fn home_unit(
    s: &AppState,
    user: &CurrentUser,
    org: &jenjang_core::org::Organisation,
) -> Result<String, ApiError> {
    if sees_whole_organisation(&user.0) {
        return org
            .units
            .sole_root()
            .map(|r| org.units.code(r).to_string())
            .ok_or_else(|| ApiError::NotFound("the organisation has no single root unit".into()));
    }
    let led = match &user.0.nip {
        Some(nip) => s.store.led_units(nip.as_str()).await?,
        None => Default::default(),
    };
    let mut tops: Vec<&String> = led
        .iter()
        .filter(|u| {
            org.units
                .index(u)
                .and_then(|i| org.units.parent(i))
                .is_none_or(|p| !led.contains(org.units.code(p)))
        })
        .collect();
    tops.sort();
    tops.first()
        .map(|u| u.to_string())
        .ok_or(ApiError::Forbidden)
}

pub(super) async fn needs_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<UnitQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let (version, org) = s.analytics.organisation_at(&s.store, user.1).await?;
        let unit = match q.unit.filter(|u| !u.trim().is_empty()) {
            Some(u) => u,
            None => home_unit(&s, &user, &org).await?,
        };
        let analysis = needs_of(&s, &user, &unit).await?;
        let index = org.units.index(&unit);
        let children: Vec<String> = index
            .map(|i| {
                org.units
                    .children(i)
                    .into_iter()
                    .map(|c| org.units.code(c).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let parent = index
            .and_then(|i| org.units.parent(i))
            .map(|p| org.units.code(p).to_string());
        // The competencies with the largest total gap, most first.
        let mut columns: Vec<(u64, String)> = analysis["competencies"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        (
                            c["total_gap"].as_u64().unwrap_or(0),
                            c["competency"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        columns.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let columns: Vec<String> = columns.into_iter().take(12).map(|c| c.1).collect();
        let map = if children.is_empty() || columns.is_empty() {
            None
        } else {
            let rows = heat_rows(&s, version, &org, &unit, &children).await?;
            Some(heat_map(&rows, &columns))
        };
        Ok::<_, ApiError>(json!({
            "unit": unit,
            "parent": parent,
            "children": children,
            "analysis": analysis,
            "heat_map": map,
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "analisis",
            &ui.lang.text("nav_analysis"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

/// The 9-box grid laid out with high potential on top and high performance on the right.
pub(super) async fn talent_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<GridQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let grid = async {
        let mut q = q;
        if q.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
            let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
            let home = home_unit(&s, &user, &org).await?;
            // The whole organisation is the grid without a unit filter.
            q.unit = (org.units.sole_root().map(|r| org.units.code(r)) != Some(home.as_str()))
                .then_some(home);
        }
        to_value(talent_grid(State(s.clone()), user, Params(q)).await?.0)
    }
    .await;
    match grid {
        Ok(grid) => {
            let boxes = grid["boxes"].as_array().cloned().unwrap_or_default();
            let rows: Vec<Vec<Value>> = ["tinggi", "menengah", "rendah"]
                .iter()
                .map(|potensial| {
                    ["di_bawah", "sesuai", "di_atas"]
                        .iter()
                        .filter_map(|kinerja| {
                            let mut b = boxes
                                .iter()
                                .find(|b| b["potensial"] == *potensial && b["kinerja"] == *kinerja)?
                                .clone();
                            b["count"] = json!(b["employees"].as_array().map_or(0, Vec::len));
                            Some(b)
                        })
                        .collect()
                })
                .collect();
            ui.render(
                StatusCode::OK,
                "talenta",
                &ui.lang.text("nav_talent"),
                json!({
                    "rows": rows,
                    "unrated": grid["unrated"].as_array().map_or(0, Vec::len),
                    "grid": grid,
                }),
            )
        }
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct TrainingPlanQuery {
    year: Option<i32>,
    budget_idr: Option<i64>,
    unit: Option<String>,
}

/// The budgeted training plan: the form, and the plan once a budget is given (computed by the
/// API's handler; nothing is stored, so the form is a GET).
pub(super) async fn training_plan_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<TrainingPlanQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_training_plan");
    let unit = match q.unit.filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(u),
        None if sees_whole_organisation(&user.0) => None,
        None => {
            let home = async {
                let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
                home_unit(&s, &user, &org).await
            }
            .await;
            match home {
                Ok(u) => Some(u),
                Err(e) => return ui.error(e),
            }
        }
    };
    let year = match q.year {
        Some(y) => y,
        None => match s.store.time_zone().await {
            Ok(zone) => today_in(&zone, s.store.now()).year() + 1,
            Err(e) => return ui.error(e.into()),
        },
    };
    let mut data = json!({"year": year, "budget_idr": q.budget_idr, "unit": unit});
    if let Some(budget) = q.budget_idr {
        let mut body = json!({"year": year, "budget_idr": budget});
        if let Some(u) = &unit {
            body["unit"] = json!(u);
        }
        let plan = match training_plan(State(s.clone()), user, Body(body))
            .await
            .and_then(|p| to_value(p.0))
        {
            Ok(p) => p,
            Err(e) => return ui.error(e),
        };
        let share = |k: &str| {
            plan[k].as_f64().unwrap_or(0.0) / plan["gap_total"].as_f64().unwrap_or(0.0).max(1.0)
        };
        data["chart"] = json!(bar(
            &[(share("gap_closed"), "#1f6fb2")],
            None,
            &format!("{} {}", ui.lang.text("gap_closed"), plan["gap_closed"]),
        ));
        let mut plan = plan;
        if let Some(cohorts) = plan["cohorts"].as_array_mut() {
            for c in cohorts {
                c["participant_count"] = json!(c["participants"].as_array().map_or(0, Vec::len));
            }
        }
        data["plan"] = plan;
    }
    ui.render(StatusCode::OK, "rencana_pelatihan", &title, data)
}

/// Organisational needs, and one need's progress when `id` is given.
pub(super) async fn org_needs_view(s: &AppState, ui: &Ui, id: Option<String>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let needs = list_org_needs(
            State(s.clone()),
            user.clone(),
            Params(OrgNeedQuery {
                unit: None,
                limit: Some(1000),
                offset: None,
            }),
        )
        .await?
        .0
        .items;
        let needs = to_value(needs)?;
        let mut data = json!({"needs": needs});
        if let Some(id) = id {
            let progress = to_value(
                org_need_progress(State(s.clone()), user, Path(id.clone()))
                    .await?
                    .0,
            )?;
            let need = needs
                .as_array()
                .and_then(|n| n.iter().find(|n| n["id"] == progress["id"]))
                .cloned()
                .unwrap_or(Value::Null);
            let f = |k: &str| progress[k].as_f64().unwrap_or(0.0);
            data["chart"] = json!(bar(
                &[(f("projected_share"), "#9cc3e6"), (f("share"), "#1f6fb2")],
                Some(f("target_share")),
                &format!(
                    "{:.0}% / {:.0}%",
                    f("share") * 100.0,
                    f("target_share") * 100.0
                ),
            ));
            data["progress"] = progress;
            data["need"] = need;
        }
        Ok::<_, ApiError>(data)
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "kebutuhan_organisasi",
            &ui.lang.text("nav_org_needs"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

pub(super) async fn org_needs_page(State(s): State<AppState>, ui: Ui) -> Response {
    org_needs_view(&s, &ui, None).await
}

pub(super) async fn org_need_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    org_needs_view(&s, &ui, Some(id)).await
}
