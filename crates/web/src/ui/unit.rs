//! A unit's page, for its head (and the heads above, hr and admin): the predikat distribution
//! of a period beside the pattern for the unit's organisation predikat (hr records that
//! predikat here), the year's JP compliance with who is short, and the open coaching tasks
//! about its employees. Links to its parent and sub-units, its analysis and IKM.

#[allow(unused_imports)]
use super::*;
use chrono::Datelike;
use jenjang_core::kinds::Role;
use jenjang_core::period::Period;
use jenjang_core::predikat::OrganisationPredikat;
use jenjang_core::workflow::TaskStatus;
use jenjang_store::Paging;

/// People short of the JP target listed by name; the rest are counted.
const SHORT_LISTED: usize = 20;

#[derive(Deserialize)]
pub(super) struct UnitQuery {
    periode: Option<String>,
}

/// `/unit`: the first unit the caller leads (or the organisation's top for hr and admin).
pub(super) async fn my_unit(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let cx = s.context(&user);
    let target = async {
        if sees_whole_organisation(&user.0) {
            let org = cx.organisation().await?;
            return Ok::<_, ApiError>(org.units.sole_root().map(|r| org.units.code(r).to_string()));
        }
        let mut led: Vec<String> = cx.led_units().await?.into_iter().collect();
        led.sort();
        Ok(led.into_iter().next())
    }
    .await;
    match target {
        Ok(Some(code)) => ui.redirect(&format!("/unit/{code}")),
        Ok(None) => ui.error(ApiError::Forbidden),
        Err(e) => ui.error(e),
    }
}

pub(super) async fn unit_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Params(q): Params<UnitQuery>,
) -> Response {
    unit_view(&s, &ui, &code, q.periode, None).await
}

/// The periods offered: this year's quarters so far and the year, and last year's.
fn periods(today: chrono::NaiveDate) -> Vec<String> {
    let this_quarter = (today.month0() / 3) + 1;
    let mut out = Vec::new();
    for q in (1..=this_quarter).rev() {
        out.push(format!("{}-Q{q}", today.year()));
    }
    out.push(today.year().to_string());
    for q in (1..=4).rev() {
        out.push(format!("{}-Q{q}", today.year() - 1));
    }
    out.push((today.year() - 1).to_string());
    out
}

async fn unit_view(
    s: &AppState,
    ui: &Ui,
    code: &str,
    period: Option<String>,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let data = async {
        let cx = s.context(&user);
        cx.require_unit(code, false).await?;
        let org = cx.organisation().await?;
        let Some(index) = org.units.index(code) else {
            return Err(ApiError::NotFound(format!("unit {code}")));
        };
        let names = cx.unit_names().await?;
        let directory = cx.directory().await?;
        let name_of = |u: &str| names.get(u).cloned().unwrap_or_else(|| u.to_string());
        let unit: jenjang_core::reference::Unit =
            jenjang_app::reference::get(&cx, code).await?;
        let head = unit.head_nip.as_ref().map(|n| {
            json!({"nip": n.as_str(), "name": directory.get(n.as_str()).map(|(name, _)| name)})
        });
        // The parent is linked only when it may be opened.
        let parent = match org.units.parent(index) {
            Some(p) => {
                let p = org.units.code(p).to_string();
                let open = cx.require_unit(&p, false).await.is_ok();
                Some(json!({"code": p, "name": name_of(&p), "open": open}))
            }
            None => None,
        };
        let mut children: Vec<Value> = org
            .units
            .children(index)
            .into_iter()
            .map(|c| {
                let c = org.units.code(c);
                json!({"code": c, "name": name_of(c)})
            })
            .collect();
        children.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));

        // The distribution of the chosen period, else the latest period with evaluations.
        let today = s.store.today().await?;
        let offered = periods(today);
        let chosen = match period.filter(|p| Period::parse(p).is_ok()) {
            Some(p) => p,
            None => {
                let mut found = offered[0].clone();
                for p in &offered {
                    if !jenjang_app::evaluations::predikat_counts(&cx, code, p)
                        .await?
                        .is_empty()
                    {
                        found = p.clone();
                        break;
                    }
                }
                found
            }
        };
        let d = jenjang_app::evaluations::distribution(&cx, code, &chosen).await?;
        let rows: Vec<Value> = d
            .counts
            .iter()
            .map(|c| {
                let over = d.warnings.iter().any(|w| w.predikat == c.predikat);
                json!({
                    "predikat": c.predikat,
                    "employees": c.employees,
                    "share": c.share,
                    "max_share": c.max_share,
                    "over": over,
                    "chart": bar(&[(c.share, if over { "#b03a2e" } else { "#1f6fb2" })], c.max_share,
                        &format!("{:.0}%", c.share * 100.0)),
                })
            })
            .collect();
        let pattern_note = match d.organisation_predikat {
            None => Some(lang.text("unit_predikat_missing")),
            Some(_) if rows.iter().all(|r| r["max_share"].is_null()) => {
                Some(lang.text("unit_pattern_missing"))
            }
            Some(_) => None,
        };

        // JP compliance for the year, the people short of it by name.
        let jp = jenjang_app::plans::jp_compliance(&cx, code, None).await?;
        let short: Vec<Value> = jp
            .below_target
            .iter()
            .take(SHORT_LISTED)
            .map(|r| json!({"nip": r.nip, "name": r.name, "completed": r.jp_completed, "planned": r.jp_planned, "shortfall": r.shortfall}))
            .collect();
        let share = if jp.employees == 0 {
            0.0
        } else {
            jp.meeting_target as f64 / jp.employees as f64
        };

        // Open coaching about the unit's employees.
        let tasks = jenjang_app::workflows::tasks(
            &cx,
            jenjang_app::workflows::TaskQuery {
                status: Some(TaskStatus::Open),
                kind: Some("coaching".into()),
                ..Default::default()
            },
            Paging::new(Some(1000), None),
        )
        .await?;
        let coaching: Vec<Value> = tasks
            .items
            .iter()
            .filter_map(|t| {
                let nip = t.subject_nip.as_ref()?;
                let (name, unit) = directory.get(nip)?;
                let u = org.units.index(unit)?;
                org.units.within(u, index).then(|| {
                    let mut v = json!(t);
                    v["subject_name"] = json!(name);
                    v["unit_name"] = json!(name_of(unit));
                    v
                })
            })
            .collect();
        // The unit's indicators of this year: target against realisation per period.
        let may_plan = cx.require_unit(code, true).await.is_ok();
        let indicators = jenjang_app::indicators::list(&cx, code, Some(today.year())).await?;
        let indicators: Vec<Value> = indicators
            .iter()
            .map(|ind| {
                let periods: Vec<String> = (1..=4)
                    .map(|q| format!("{}-Q{q}", ind.year))
                    .chain(std::iter::once(ind.year.to_string()))
                    .collect();
                let rows: Vec<Value> = periods
                    .iter()
                    .map(|p| {
                        let target = jenjang_core::indicators::target_for(
                            ind.target,
                            &ind.period_targets,
                            &Period::parse(p).unwrap_or(Period::Annual { year: ind.year }),
                        );
                        let r = ind.realisations.iter().find(|r| r.period == *p);
                        json!({"period": p, "target": target, "realisation": r,
                            "capaian_known": r.and_then(|r| r.capaian).is_some()})
                    })
                    .collect();
                let points: Vec<ChartPoint> = rows
                    .iter()
                    .map(|row| {
                        let p = row["period"].as_str().unwrap_or_default();
                        let label = match p.split_once("-Q") {
                            Some((_, q)) => format!("TW {q}"),
                            None => p.to_string(),
                        };
                        let realised = row["realisation"]["value"].as_f64().map(|v| {
                            (v, row["realisation"]["below_target"].as_bool().unwrap_or(false))
                        });
                        (label, row["target"].as_f64().unwrap_or(0.0), realised)
                    })
                    .collect();
                let chart = indicator_chart(
                    &points,
                    &lang
                        .text("indicator_chart_label")
                        .replace("{name}", &ind.name),
                );
                json!({
                    "id": ind.id, "code": ind.code, "name": ind.name, "kind": ind.kind,
                    "unit_of_measure": ind.unit_of_measure, "direction": ind.direction,
                    "target": ind.target, "rows": rows, "chart": chart,
                    "manual": ind.kind == jenjang_core::indicators::IndicatorKind::Manual,
                    "failed": failed
                        .as_ref()
                        .filter(|f| f.form == format!("realisation-{}", ind.id))
                        .map(|f| json!({"messages": f.messages, "values": f.values})),
                })
            })
            .collect();
        // The campaigns reaching the unit: its part of each one's adoption.
        let listings =
            jenjang_app::campaigns::overview(&cx, Paging::new(Some(50), None)).await?;
        let mut campaigns = Vec::new();
        for l in listings.items.iter().filter(|l| l.followable) {
            let reaches = l.campaign.units.iter().any(|c| {
                org.units
                    .index(c)
                    .is_some_and(|c| org.units.within(c, index) || org.units.within(index, c))
            });
            if !reaches {
                continue;
            }
            let d = jenjang_app::campaigns::dashboard(&cx, &l.campaign.code).await?;
            let mine: Vec<&jenjang_app::campaigns::UnitAdoption> = d
                .by_unit
                .iter()
                .filter(|u| {
                    org.units
                        .index(&u.unit)
                        .is_some_and(|u| org.units.within(u, index))
                })
                .collect();
            let targets: u64 = mine.iter().map(|u| u.targets).sum();
            if targets == 0 {
                continue;
            }
            let adopted: u64 = mine.iter().map(|u| u.adopted).sum();
            let share = adopted as f64 / targets as f64;
            campaigns.push(json!({
                "code": l.campaign.code,
                "title": l.campaign.title,
                "targets": targets,
                "adopted": adopted,
                "share": share,
                "behind": mine.iter().filter(|u| !u.on_track).count(),
                "chart": bar(&[(share, "#1f6fb2")], Some(l.campaign.adoption_target), &format!("{:.0}%", share * 100.0)),
            }));
        }
        let is_hr = matches!(user.0.role, Role::Hr | Role::Admin);
        let may_record_ikm = cx.require_unit(code, true).await.is_ok();
        Ok::<_, ApiError>(json!({
            "unit": {"code": code, "name": unit.name},
            "head": head,
            "parent": parent,
            "children_count": children.len(),
            "children": children,
            "periods": offered.iter().map(|p| json!({"value": p, "selected": *p == chosen})).collect::<Vec<_>>(),
            "period": chosen,
            "distribution": {
                "evaluated": d.employees_evaluated,
                "organisation_predikat": d.organisation_predikat,
                "rows": rows,
                "note": pattern_note,
            },
            "organisation_predikats": OrganisationPredikat::ALL.iter().rev().map(|p| p.as_str()).collect::<Vec<_>>(),
            "may_set_predikat": is_hr,
            "jp": {
                "year": jp.year, "target": jp.jp_target, "employees": jp.employees,
                "meeting": jp.meeting_target, "below": jp.employees - jp.meeting_target,
                "short": short, "more": jp.below_target.len().saturating_sub(SHORT_LISTED),
                "chart": bar(&[(share, "#1f6fb2")], Some(1.0), &format!("{:.0}%", share * 100.0)),
            },
            "campaigns": campaigns,
            "coaching_count": coaching.len(),
            "coaching": coaching,
            "may_record_ikm": may_record_ikm,
            "indicators": indicators,
            "may_plan": may_plan,
            "year": today.year(),
            "quarters": (1..=4)
                .map(|q| format!("{}-Q{q}", today.year()))
                .chain(std::iter::once(today.year().to_string()))
                .collect::<Vec<_>>(),
            "failed": failed.as_ref().map(|f| json!({"form": f.form, "messages": f.messages, "values": f.values})),
        }))
    }
    .await;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match data {
        Ok(data) => {
            let title = data["unit"]["name"].as_str().unwrap_or(code).to_string();
            ui.render(status, "unit", &title, data)
        }
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct PredikatForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    predikat: String,
}

/// Records the unit's organisation predikat for a period (hr, admin).
pub(super) async fn unit_predikat_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(form): Form<PredikatForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let (Ok(period), Ok(predikat)) = (
        Period::parse(&form.period),
        form.predikat.parse::<OrganisationPredikat>(),
    ) else {
        let failed = FailedForm {
            form: "predikat".into(),
            messages: vec![format!(
                "{}: {}",
                lang.text("unit_predikat"),
                lang.text("problem_choose")
            )],
            values: json!({}),
        };
        return unit_view(&s, &ui, &code, Some(form.period), Some(failed)).await;
    };
    match jenjang_app::evaluations::set_unit_predikat(&s.context(&user), &code, period, predikat)
        .await
    {
        Ok(()) => ui.redirect(&format!(
            "/unit/{code}?periode={period}&notice=unit_predikat_recorded"
        )),
        Err(e) => ui.error(e.into()),
    }
}

/// A number as offices type it (`72,5`, `1.250`; `jenjang_import::office_number`), or the
/// text itself for the use case to refuse; none when blank.
pub(super) fn typed_number(text: &str) -> Value {
    match jenjang_import::office_number(text) {
        Ok(v) => json!(v),
        Err(_) if text.trim().is_empty() => Value::Null,
        Err(_) => json!(text.trim()),
    }
}

/// Defines an indicator of the unit for this year from the unit page.
pub(super) async fn indicator_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let today = match s.store.today().await {
        Ok(t) => t,
        Err(e) => return ui.error(e.into()),
    };
    let mut body = json!({"year": today.year()});
    for key in ["code", "name", "unit_of_measure", "direction", "kind"] {
        put_text(&mut body, key, &field(key));
    }
    let target = typed_number(&field("target"));
    if !target.is_null() {
        body["target"] = target;
    }
    let values = json!({"code": field("code"), "name": field("name"), "unit_of_measure": field("unit_of_measure"),
        "direction": field("direction"), "kind": field("kind"), "target": field("target")});
    let cx = s.context(&user);
    let done = jenjang_app::indicators::create(
        &cx,
        &code,
        jenjang_app::indicators::read_indicator(&body, &code),
    )
    .await;
    after_indicator_form(
        &s,
        &ui,
        &code,
        "indicator",
        values,
        done.map(|_| ()),
        "indicator_recorded",
    )
    .await
}

/// Records a period's realisation of an indicator from the unit page.
pub(super) async fn realisation_form(
    State(s): State<AppState>,
    ui: Ui,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut body = json!({});
    for key in ["period", "evidence_url", "note"] {
        put_text(&mut body, key, &field(key));
    }
    let value = typed_number(&field("value"));
    if !value.is_null() {
        body["value"] = value;
    }
    let values = json!({"period": field("period"), "value": field("value"),
        "evidence_url": field("evidence_url"), "note": field("note")});
    let cx = s.context(&user);
    let done = match jenjang_app::indicators::get(&cx, id).await {
        Ok(ind) if ind.unit != code => {
            Err(jenjang_app::AppError::NotFound(format!("indicator {id}")))
        }
        Ok(_) => jenjang_app::indicators::realise(
            &cx,
            id,
            jenjang_app::indicators::read_realisation(&body, id),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    after_indicator_form(
        &s,
        &ui,
        &code,
        &format!("realisation-{id}"),
        values,
        done,
        "realisation_recorded",
    )
    .await
}

async fn after_indicator_form(
    s: &AppState,
    ui: &Ui,
    code: &str,
    form: &str,
    values: Value,
    done: Result<(), jenjang_app::AppError>,
    notice: &str,
) -> Response {
    match done {
        Ok(()) => ui.redirect(&format!("/unit/{code}?notice={notice}#indikator")),
        Err(jenjang_app::AppError::Conflict(_)) => {
            let failed = FailedForm {
                form: form.to_string(),
                messages: vec![format!(
                    "{}: {}",
                    ui.lang.text("code"),
                    ui.lang.text("problem_code_taken")
                )],
                values,
            };
            unit_view(s, ui, code, None, Some(failed)).await
        }
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: form.to_string(),
                    messages,
                    values,
                };
                unit_view(s, ui, code, None, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::typed_number;
    use serde_json::json;

    #[test]
    fn numbers_are_read_as_offices_type_them() {
        assert_eq!(typed_number("72,5"), json!(72.5));
        assert_eq!(typed_number("72.5"), json!(72.5));
        assert_eq!(typed_number("1.250"), json!(1250.0));
        assert_eq!(typed_number("1.250.000,5"), json!(1250000.5));
        assert_eq!(typed_number(" 90 "), json!(90.0));
        assert_eq!(typed_number(""), serde_json::Value::Null);
        assert_eq!(typed_number("sembilan"), json!("sembilan"));
    }
}
