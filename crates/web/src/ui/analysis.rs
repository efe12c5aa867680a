//! The analysis pages of HR and unit heads: the needs analysis with its heat map, the talent grid,
//! the training plan and the organisational needs.

#[allow(unused_imports)]
use super::*;
use jenjang_app::analysis::{CohortOut, TrainingPlanInput};
use jenjang_core::kinds::Potential;
use jenjang_core::talent::Kinerja;
use jenjang_store::Paging;
use serde::Serialize;

#[derive(Deserialize)]
pub(super) struct UnitQuery {
    unit: Option<String>,
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
        let cx = s.context(&user);
        let org = cx.organisation().await?;
        let unit = match q.unit.filter(|u| !u.trim().is_empty()) {
            Some(u) => u,
            None => home_unit(&s, &user, &org).await?,
        };
        let analysis = jenjang_app::analysis::unit_needs(&cx, &unit).await?;
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
        // The unit above, when the reader may analyse it too.
        let parent = match index
            .and_then(|i| org.units.parent(i))
            .map(|p| org.units.code(p).to_string())
        {
            Some(p) if cx.require_unit(&p, false).await.is_ok() => Some(p),
            _ => None,
        };
        // The competencies with the largest total gap, most first.
        let mut columns: Vec<(u64, &str)> = analysis
            .competencies
            .iter()
            .map(|c| (c.total_gap, c.competency.as_str()))
            .collect();
        columns.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let columns: Vec<String> = columns
            .into_iter()
            .take(12)
            .map(|c| c.1.to_string())
            .collect();
        let map = if children.is_empty() || columns.is_empty() {
            None
        } else {
            let computed = jenjang_app::analysis::heat_map(&cx, &unit).await?;
            let mut rows: Vec<&jenjang_app::analysis::HeatRow> = computed.iter().collect();
            // A province has hundreds of units below its root: the map shows those with the
            // most employees lacking the shown competencies; the downloads hold them all.
            let all = rows.len();
            if all > HEAT_MAP_ROWS {
                let weight = |r: &&jenjang_app::analysis::HeatRow| -> u64 {
                    columns.iter().map(|c| r.with_gap_in(c)).sum()
                };
                rows.sort_by_key(|r| std::cmp::Reverse(weight(r)));
                rows.truncate(HEAT_MAP_ROWS);
            }
            Some((heat_map(&rows, &columns, ui.lang), rows.len(), all))
        };
        let (map, shown_rows, all_rows) = match map {
            Some((m, shown, all)) => (Some(m), shown, all),
            None => (None, 0, 0),
        };
        // Sub-units as links, at most a page of them (the rest through the map and downloads).
        let more_children = children.len().saturating_sub(HEAT_MAP_ROWS * 2);
        let children: Vec<String> = children.into_iter().take(HEAT_MAP_ROWS * 2).collect();
        // Performance gaps beside the competency gaps: the subtree's IKU short of target.
        let year = {
            use chrono::Datelike;
            s.store.today().await?.year()
        };
        let performance_gaps = jenjang_app::indicators::gaps(&cx, &unit, year).await?;
        let names = cx.unit_names().await?;
        let performance_gaps: Vec<Value> = performance_gaps
            .iter()
            .map(|g| {
                let mut v = json!(g);
                v["unit_name"] = json!(names.get(&g.unit));
                v["capaian_known"] = json!(g.capaian.is_some());
                v
            })
            .collect();
        let named = |code: &str| json!({"code": code, "name": names.get(code).cloned().unwrap_or_else(|| code.to_string())});
        Ok::<_, ApiError>(json!({
            "unit": unit,
            "unit_name": names.get(&unit),
            "parent": parent,
            "parent_name": parent.as_ref().and_then(|p| names.get(p)),
            "children": children.iter().map(|c| named(c)).collect::<Vec<_>>(),
            "analysis": analysis.as_ref(),
            "performance_gaps": performance_gaps,
            "gap_year": year,
            "heat_map": map,
            "heat_rows": {"shown": shown_rows, "all": all_rows, "partial": shown_rows < all_rows},
            "more_children": more_children,
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
/// Units a heat map shows at most (those with the most gaps).
const HEAT_MAP_ROWS: usize = 30;

#[derive(Deserialize)]
pub(super) struct TalentQuery {
    unit: Option<String>,
    year: Option<i32>,
    /// A box to list (1..9), by name, searchable and paged.
    #[serde(rename = "box")]
    box_number: Option<u8>,
    q: Option<String>,
    offset: Option<u64>,
}

/// People per page of a box's list.
const BOX_PAGE: u64 = 50;

/// The 9-box grid as counts per box, each box opening its people by name (searched, paged).
pub(super) async fn talent_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<TalentQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let mut unit = q.unit.clone().filter(|u| !u.trim().is_empty());
        if unit.is_none() {
            let org = cx.organisation().await?;
            let home = home_unit(&s, &user, &org).await?;
            // (Only those who see the whole organisation may ask without a unit.)
            unit = (!sees_whole_organisation(&user.0)
                || org.units.sole_root().map(|r| org.units.code(r)) != Some(home.as_str()))
            .then_some(home);
        }
        let grid = jenjang_app::talent::grid_counts(&cx, unit.as_deref(), q.year).await?;
        let members = match q.box_number {
            Some(b) => {
                let paging = Paging::new(Some(BOX_PAGE), q.offset);
                let page = jenjang_app::talent::box_members(
                    &cx,
                    unit.as_deref(),
                    Some(grid.year),
                    b,
                    q.q.as_deref(),
                    paging,
                )
                .await?;
                Some((b, page))
            }
            None => None,
        };
        Ok::<_, ApiError>((grid, unit, members))
    }
    .await;
    let (grid, unit, members) = match data {
        Ok(d) => d,
        Err(e) => return ui.error(e),
    };
    // A link to this page with some parameters changed.
    let base = |b: Option<u8>, offset: Option<u64>| {
        let mut parts = vec![format!("year={}", grid.year)];
        if let Some(u) = &unit {
            parts.push(format!("unit={}", urlencode(u)));
        }
        if let Some(b) = b {
            parts.push(format!("box={b}"));
            if let Some(q) = q.q.as_deref().filter(|q| !q.trim().is_empty()) {
                parts.push(format!("q={}", urlencode(q.trim())));
            }
        }
        if let Some(o) = offset.filter(|o| *o > 0) {
            parts.push(format!("offset={o}"));
        }
        format!("/talenta?{}", parts.join("&"))
    };
    // High potential on top, high performance on the right.
    let rows: Vec<Vec<Value>> = [Potential::Tinggi, Potential::Menengah, Potential::Rendah]
        .iter()
        .map(|potensial| {
            [Kinerja::DiBawah, Kinerja::Sesuai, Kinerja::DiAtas]
                .iter()
                .filter_map(|kinerja| {
                    let b = grid
                        .boxes
                        .iter()
                        .find(|b| b.potensial == *potensial && b.kinerja == *kinerja)?;
                    Some(json!({
                        "box": b.box_number,
                        "potensial": b.potensial,
                        "kinerja": b.kinerja,
                        "follow_ups": b.follow_ups,
                        "count": b.count,
                        "href": base(Some(b.box_number), None),
                        "open": members.as_ref().is_some_and(|(n, _)| *n == b.box_number),
                    }))
                })
                .collect()
        })
        .collect();
    let list = members.map(|(b, page)| {
        let shown_to = page.offset + page.items.len() as u64;
        json!({
            "box": b,
            "items": page.items,
            "total": page.total,
            "from": if page.items.is_empty() { 0 } else { page.offset + 1 },
            "to": shown_to,
            "q": q.q,
            "previous": (page.offset > 0).then(|| base(Some(b), Some(page.offset.saturating_sub(BOX_PAGE)))),
            "next": (shown_to < page.total).then(|| base(Some(b), Some(shown_to))),
            "follow_ups": grid.boxes[usize::from(b) - 1].follow_ups,
        })
    });
    ui.render(
        StatusCode::OK,
        "talenta",
        &ui.lang.text("nav_talent"),
        json!({
            "rows": rows,
            "unrated": grid.unrated_count,
            "unit": unit,
            "year": grid.year,
            "list": list,
        }),
    )
}

/// Text for a query string value.
pub(super) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
                let org = s.context(&user).organisation().await?;
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
        None => match s.store.today().await {
            Ok(today) => today.year() + 1,
            Err(e) => return ui.error(e.into()),
        },
    };
    let mut data = json!({"year": year, "budget_idr": q.budget_idr, "unit": unit});
    // The saved versions of the year, side by side.
    match saved_plans(&s.context(&user), year).await {
        Ok(saved) => data["saved"] = json!(saved),
        Err(e) => return ui.error(e),
    }
    if let Some(budget_idr) = q.budget_idr {
        let input = TrainingPlanInput {
            year,
            budget_idr,
            unit,
        };
        let plan = match jenjang_app::analysis::training_plan(&s.context(&user), input).await {
            Ok(p) => p,
            Err(e) => return ui.error(e.into()),
        };
        let share = plan.gap_closed as f64 / (plan.gap_total as f64).max(1.0);
        data["chart"] = json!(bar(
            &[(share, "#1f6fb2")],
            None,
            &format!("{} {}", ui.lang.text("gap_closed"), plan.gap_closed),
        ));
        /// A cohort as listed: its data, how many take part, and the first of them by name.
        #[derive(Serialize)]
        struct CohortView<'a> {
            #[serde(flatten)]
            data: &'a CohortOut,
            participant_count: usize,
            people: Vec<String>,
            more: usize,
            /// How the curriculum fits, in the page's language, competencies by name.
            fit: String,
        }
        let org = match s.context(&user).organisation().await {
            Ok(o) => o,
            Err(e) => return ui.error(e.into()),
        };
        let lang = ui.lang;
        let fit = |c: &CohortOut| {
            let develops = c
                .competencies
                .iter()
                .map(|t| {
                    let name = org
                        .catalog
                        .competency(&t.competency)
                        .map(|i| org.catalog.competency_name(i).to_string())
                        .unwrap_or_else(|| t.competency.clone());
                    lang.text("fit_develops")
                        .replace("{name}", &name)
                        .replace("{level}", &t.to_level.to_string())
                })
                .collect::<Vec<_>>()
                .join(", ");
            lang.text("fit_text")
                .replace("{develops}", &develops)
                .replace("{gap}", &c.gap_closed.to_string())
                .replace("{people}", &c.participants.len().to_string())
        };
        let directory = match s.context(&user).directory().await {
            Ok(d) => d,
            Err(e) => return ui.error(e.into()),
        };
        const SHOWN: usize = 10;
        let cohorts: Vec<CohortView> = plan
            .cohorts
            .iter()
            .map(|c| CohortView {
                data: c,
                participant_count: c.participants.len(),
                people: c
                    .participants
                    .iter()
                    .take(SHOWN)
                    .map(|nip| match directory.get(nip) {
                        Some((name, _)) => format!("{name} ({nip})"),
                        None => nip.clone(),
                    })
                    .collect(),
                more: c.participants.len().saturating_sub(SHOWN),
                fit: fit(c),
            })
            .collect();
        data["plan"] = json!({
            "year": plan.year,
            "budget_idr": plan.budget_idr,
            "unit": plan.unit,
            "cost_idr": plan.cost_idr,
            "gap_closed": plan.gap_closed,
            "gap_total": plan.gap_total,
            "cohorts": cohorts,
        });
    }
    ui.render(StatusCode::OK, "rencana_pelatihan", &title, data)
}

/// Organisational needs, and one need's progress when `id` is given.
pub(super) async fn org_needs_view(
    s: &AppState,
    ui: &Ui,
    id: Option<String>,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let data = async {
        let cx = s.context(&user);
        let needs = jenjang_app::org_needs::list(&cx, None, Paging::new(Some(1000), None))
            .await?
            .items;
        // Each need links to its progress where the reader may follow some of it.
        let org = cx.organisation().await?;
        let led = cx.led_units().await?;
        let unit_names = cx.unit_names().await?;
        let competency_name = |code: &str| {
            org.catalog
                .competency(code)
                .map(|c| org.catalog.competency_name(c).to_string())
        };
        let rows: Vec<Value> = needs
            .iter()
            .map(|n| {
                let mut row = json!(n);
                row["followed"] =
                    json!(jenjang_app::org_needs::scope_of(&cx, &org, &led, &n.unit).is_some());
                row["unit_name"] = json!(unit_names.get(&n.unit));
                row["competency_name"] = json!(competency_name(&n.competency));
                row
            })
            .collect();
        // The form to record a need: units one may manage (all for hr and admin, else the
        // units led), competencies by name.
        let whole = sees_whole_organisation(&user.0);
        let form_units: Vec<Value> = if whole {
            let mut all: Vec<(&String, &String)> = unit_names.iter().collect();
            all.sort();
            all.into_iter()
                .take(500)
                .map(|(code, name)| json!({"code": code, "name": name}))
                .collect()
        } else {
            led.iter()
                .map(|code| json!({"code": code, "name": unit_names.get(code)}))
                .collect()
        };
        let competencies: Vec<Value> = (0..org.catalog.competency_count() as u32)
            .map(|c| json!({"code": org.catalog.competency_code(c), "name": org.catalog.competency_name(c)}))
            .collect();
        let position_kinds: Vec<Value> = jenjang_core::kinds::PositionKind::ALL
            .iter()
            .map(|k| json!({"value": k.as_str(), "label": lang.messages()["position_kinds"][k.as_str()]}))
            .collect();
        let today = s.store.today().await?;
        let mut data = json!({
            "needs": rows,
            "may_record": !form_units.is_empty(),
            "form_units": form_units,
            "competencies": competencies,
            "position_kinds": position_kinds,
            "level_choices": [1, 2, 3, 4, 5],
            "today": today.to_string(),
            "failed": failed.as_ref().map(|f| json!({"form": f.form, "messages": f.messages, "values": f.values})),
        });
        if let Some(id) = id {
            let progress = jenjang_app::org_needs::progress(&cx, &id).await?;
            let need = rows.iter().find(|n| n["id"] == json!(progress.id));
            data["chart"] = json!(bar(
                &[
                    (progress.projected_share, "#9cc3e6"),
                    (progress.share, "#1f6fb2")
                ],
                Some(progress.target_share),
                &format!(
                    "{:.0}% / {:.0}%",
                    progress.share * 100.0,
                    progress.target_share * 100.0
                ),
            ));
            data["scope_name"] = json!(unit_names.get(&progress.scope));
            data["progress"] = to_value(&progress)?;
            data["need"] = json!(need);
        }
        Ok::<_, ApiError>(data)
    }
    .await;
    ui.view(
        failed.is_some(),
        "kebutuhan_organisasi",
        &ui.lang.text("nav_org_needs"),
        data,
    )
}

/// Records an organisational need from its form: the share typed in percent, the date in any
/// of the forms offices write.
pub(super) async fn org_need_form(
    State(s): State<AppState>,
    ui: Ui,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut body = json!({});
    for key in ["unit", "competency", "position_kind"] {
        put_text(&mut body, key, &field(key));
    }
    for key in ["level", "priority"] {
        if let Ok(n) = field(key).parse::<i64>() {
            body[key] = json!(n);
        }
    }
    let share = field("target_percent").replace(',', ".");
    if let Ok(p) = share.trim_end_matches('%').trim().parse::<f64>() {
        body["target_share"] = json!(p / 100.0);
    }
    let due = field("due");
    match jenjang_core::dates::parse_date(&due) {
        Ok(d) => body["due"] = json!(d.to_string()),
        Err(_) if !due.is_empty() => body["due"] = json!(due),
        Err(_) => {}
    }
    let values = json!({
        "unit": field("unit"), "competency": field("competency"), "level": field("level"),
        "position_kind": field("position_kind"), "target_percent": field("target_percent"),
        "due": due, "priority": field("priority"),
    });
    let cx = s.context(&user);
    let done =
        jenjang_app::org_needs::create(&cx, crate::routes::org_needs::read_org_need(&body)).await;
    match done {
        Ok(need) => ui.redirect(&format!(
            "/kebutuhan-organisasi/{}?notice=org_need_recorded",
            need.id
        )),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "need".into(),
                    messages,
                    values,
                };
                org_needs_view(&s, &ui, None, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

pub(super) async fn org_needs_page(State(s): State<AppState>, ui: Ui) -> Response {
    org_needs_view(&s, &ui, None, None).await
}

pub(super) async fn org_need_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    org_needs_view(&s, &ui, Some(id), None).await
}
