//! IKM: entering a unit's public-satisfaction survey (PermenPANRB 14/2017) for a period — the
//! answers pasted from a spreadsheet, one respondent per line, nine answers 1..4 — and the
//! surveys recorded for the unit with their index and category. For hr, admin and the heads
//! of units (within what they lead); the index is computed by core.

#[allow(unused_imports)]
use super::*;
use chrono::Datelike;
use jenjang_store::Paging;

#[derive(Deserialize)]
pub(super) struct IkmQuery {
    unit: Option<String>,
}

/// The units the caller may record a survey for: every unit for whoever sees the whole
/// organisation, else the units within those they lead (by name, at most 500).
async fn recordable_units(
    cx: &jenjang_app::context::Context<'_>,
    whole: bool,
) -> Result<Vec<(String, String)>, ApiError> {
    let org = cx.organisation().await?;
    let names = cx.unit_names().await?;
    let led = cx.led_units().await?;
    let led: Vec<u32> = led.iter().filter_map(|c| org.units.index(c)).collect();
    let mut units: Vec<(String, String)> = (0..org.units.len() as u32)
        .filter(|u| whole || led.iter().any(|l| org.units.within(*u, *l)))
        .map(|u| {
            let code = org.units.code(u).to_string();
            let name = names.get(&code).cloned().unwrap_or_else(|| code.clone());
            (code, name)
        })
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units.truncate(500);
    Ok(units)
}

pub(super) async fn ikm_page(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Params(q): Params<IkmQuery>,
) -> Response {
    ikm_view(&s, &ui, &headers, q.unit, None).await
}

async fn ikm_view(
    s: &AppState,
    ui: &Ui,
    headers: &HeaderMap,
    unit: Option<String>,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let data = async {
        let cx = s.context(&user);
        let units = recordable_units(&cx, sees_whole_organisation(&user.0)).await?;
        if units.is_empty() {
            return Err(ApiError::Forbidden);
        }
        let unit = unit
            .filter(|u| units.iter().any(|(c, _)| c == u))
            .unwrap_or_else(|| units[0].0.clone());
        let recorded = jenjang_app::ikm::list(&cx, &unit, Paging::new(Some(20), None)).await?;
        let recorded: Vec<Value> = recorded
            .items
            .iter()
            .map(|r| {
                json!({
                    "period": r.period,
                    "respondents": r.respondents,
                    "index": decimals(r.index, lang),
                    "category": r.category,
                    "category_label": lang.messages()["ikm_categories"][r.category.as_str()],
                    "recorded_at": r.recorded_at.date_naive().to_string(),
                    "recorded_by": r.recorded_by,
                    "element_averages": r.element_averages,
                })
            })
            .collect();
        // The latest survey's nine elements: average answer (1..4) and its index (×25).
        let elements: Vec<Value> = recorded
            .first()
            .and_then(|r| r["element_averages"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, avg)| {
                let avg = avg.as_f64().unwrap_or(0.0);
                json!({
                    "element": jenjang_core::ikm::ELEMENTS.get(i).copied().unwrap_or(""),
                    "number": i + 1,
                    "average": decimals(avg, lang),
                    "index": decimals(avg * 25.0, lang),
                    "weak": avg < 3.0,
                    "chart": bar(&[(avg / 4.0, if avg < 3.0 { "#b03a2e" } else { "#1f6fb2" })], None, &format!("{:.2}", avg)),
                })
            })
            .collect();
        // The public survey's link and QR code, to print for the counter.
        let survey = super::survey_link(s, &user, headers, &unit)
            .await
            .ok()
            .map(|(url, svg)| json!({"url": url, "svg": svg}));
        let today = s.store.today().await?;
        let this_quarter = format!("{}-Q{}", today.year(), (today.month0() / 3) + 1);
        let mut periods = Vec::new();
        for year in [today.year(), today.year() - 1] {
            periods.push(year.to_string());
            for q in (1..=4).rev() {
                let p = format!("{year}-Q{q}");
                if year < today.year() || p <= this_quarter {
                    periods.push(p);
                }
            }
        }
        let chosen = failed
            .as_ref()
            .and_then(|f| f.values["period"].as_str().map(str::to_string))
            .unwrap_or(this_quarter);
        let periods: Vec<Value> = periods
            .iter()
            .map(|p| json!({"value": p, "selected": *p == chosen}))
            .collect();
        let unit_name = units
            .iter()
            .find(|(c, _)| *c == unit)
            .map(|(_, n)| n.clone());
        Ok(json!({
            "units": units.iter().map(|(c, n)| json!({"code": c, "name": n, "selected": *c == unit})).collect::<Vec<_>>(),
            "unit": unit,
            "unit_name": unit_name,
            "survey": survey,
            "latest_period": recorded.first().map(|r| r["period"].clone()),
            "elements": elements,
            "recorded": recorded,
            "periods": periods,
            "element_names": jenjang_core::ikm::ELEMENTS,
            "failed": failed.as_ref().map(|f| json!({"messages": f.messages, "values": f.values})),
        }))
    }
    .await;
    ui.view(failed.is_some(), "ikm", &ui.lang.text("nav_ikm"), data)
}

/// A value with two decimals as the page's language writes it (`87,50`, `87.50`).
fn decimals(value: f64, lang: Lang) -> String {
    let text = format!("{value:.2}");
    if lang == Lang::En {
        text
    } else {
        text.replace('.', ",")
    }
}

/// The answers typed or pasted: one respondent per line, answers separated by commas,
/// semicolons, tabs or spaces, `-` for a question left unanswered. Blank lines are skipped.
/// A cell that is no number is refused with its line and place.
/// One respondent's answers, none where a question was left unanswered.
type Answers = Vec<Option<i64>>;
/// A cell that is no number: its line, its column (both from 0) and its text.
type BadCell = (usize, usize, String);

fn read_answers(text: &str) -> Result<Vec<Answers>, Vec<BadCell>> {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row = rows.len();
        let cells: Vec<&str> = if line.contains([',', ';', '\t']) {
            line.split([',', ';', '\t']).map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        let mut answers = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            match *cell {
                "" | "-" => answers.push(None),
                c => match c.parse::<i64>() {
                    Ok(v) => answers.push(Some(v)),
                    Err(_) => {
                        bad.push((row, i, c.to_string()));
                        answers.push(None);
                    }
                },
            }
        }
        rows.push(answers);
    }
    if bad.is_empty() { Ok(rows) } else { Err(bad) }
}

/// Records the survey typed on the page.
pub(super) async fn ikm_form(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(field("csrf").trim()) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let unit = field("unit").trim().to_string();
    let answers = field("answers");
    let values = json!({"period": field("period").trim(), "answers": answers, "weighting": field("weighting")});
    let refused = |messages: Vec<String>| FailedForm {
        form: "ikm".into(),
        messages,
        values: values.clone(),
    };
    let responses = match read_answers(&answers) {
        Ok(r) => r,
        Err(bad) => {
            let messages = bad
                .iter()
                .map(|(row, cell, text)| {
                    lang.text("ikm_cell_not_a_number")
                        .replace("{row}", &(row + 1).to_string())
                        .replace("{cell}", &(cell + 1).to_string())
                        .replace("{value}", text)
                })
                .collect();
            return ikm_view(&s, &ui, &headers, Some(unit), Some(refused(messages))).await;
        }
    };
    let period = match jenjang_core::period::Period::parse(field("period").trim()) {
        Ok(p) => p,
        Err(_) => {
            let message = format!("{}: {}", lang.text("period"), lang.text("problem_choose"));
            return ikm_view(&s, &ui, &headers, Some(unit), Some(refused(vec![message]))).await;
        }
    };
    let weighting = if field("weighting") == "legacy" {
        jenjang_core::ikm::Weighting::Legacy
    } else {
        jenjang_core::ikm::Weighting::Exact
    };
    let done = jenjang_app::ikm::record(
        &s.store,
        &user.0,
        &unit,
        jenjang_app::ikm::Survey {
            period,
            responses,
            weighting,
        },
    )
    .await;
    match done {
        Ok(_) => ui.redirect(&format!("/ikm?unit={unit}&notice=ikm_recorded")),
        Err(e) => match refusal(&e, lang) {
            Some(messages) => {
                ikm_view(&s, &ui, &headers, Some(unit), Some(refused(messages))).await
            }
            None => ui.error(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::read_answers;

    #[test]
    fn answers_are_read_from_pasted_lines_in_any_separator() {
        let rows =
            read_answers("4,3,4,4,3,4,4,3,4\n\n3\t3\t3\t3\t3\t3\t3\t3\t-\n4 4 4 4 4 4 4 4 4\n")
                .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][1], Some(3));
        assert_eq!(rows[1][8], None);
        assert_eq!(rows[2], vec![Some(4); 9]);
        let bad = read_answers("4;3;x;4;3;4;4;3;4").unwrap_err();
        assert_eq!(bad, vec![(0, 2, "x".to_string())]);
    }
}
