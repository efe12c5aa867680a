//! Change-adoption campaigns: the list, and one campaign's ADKAR funnel by unit.

#[allow(unused_imports)]
use super::*;
use jenjang_store::Paging;

pub(super) async fn campaigns_page(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let page =
        jenjang_app::campaigns::overview(&s.context(&user), Paging::new(Some(1000), None)).await;
    match page {
        Ok(page) => ui.render(
            StatusCode::OK,
            "kampanye",
            &ui.lang.text("nav_campaigns"),
            json!({"campaigns": page.items}),
        ),
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct CampaignQuery {
    /// `mine`: only the units the reader leads.
    units: Option<String>,
}

pub(super) async fn campaign_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Params(q): Params<CampaignQuery>,
) -> Response {
    campaign_view(&s, &ui, &code, q.units.as_deref() == Some("mine"), None).await
}

/// A campaign's dashboard with the forms of those who run it in their units: log an activity
/// with its attendees, record a stage, enter a survey. The reader's own units come first and
/// can be shown alone; a unit behind its target is marked.
async fn campaign_view(
    s: &AppState,
    ui: &Ui,
    code: &str,
    only_mine: bool,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let d = jenjang_app::campaigns::dashboard(&cx, code).await?;
        let led = cx.led_units().await?;
        let names = cx.unit_names().await?;
        let unit_name = |code: &str| names.get(code).cloned();
        let mut units: Vec<Value> = d
            .by_unit
            .iter()
            .filter(|u| !only_mine || led.contains(&u.unit))
            .map(|u| {
                let mut row = to_value(u)?;
                row["funnel"] = json!(funnel(&u.by_stage, u.targets, ui.lang, true));
                row["mine"] = json!(led.contains(&u.unit));
                row["name"] = json!(unit_name(&u.unit));
                Ok(row)
            })
            .collect::<Result<Vec<Value>, ApiError>>()?;
        // My units first, then the rest as the dashboard orders them.
        units.sort_by_key(|u| !u["mine"].as_bool().unwrap_or(false));
        let targets = jenjang_app::campaigns::recordable_targets(&cx, code).await?;
        let directory = cx.directory().await?;
        let mut people: Vec<Value> = targets
            .iter()
            .map(|t| {
                json!({
                    "nip": t.nip,
                    "unit": t.unit,
                    "name": directory.get(&t.nip).map(|(n, _)| n.clone()),
                    "stage": t.stage,
                })
            })
            .collect();
        people.sort_by(|a, b| {
            (a["unit"].as_str(), a["name"].as_str()).cmp(&(b["unit"].as_str(), b["name"].as_str()))
        });
        let mut form_units: Vec<&str> = targets.iter().map(|t| t.unit.as_str()).collect();
        form_units.sort();
        form_units.dedup();
        let form_units: Vec<Value> = form_units
            .iter()
            .map(|u| json!({"code": u, "name": unit_name(u)}))
            .collect();
        let chart = funnel(&d.by_stage, d.targets, ui.lang, false);
        let title = d.title.clone();
        let today = s.store.today().await?;
        Ok::<_, ApiError>((
            title,
            json!({
                "dashboard": to_value(&d)?,
                "funnel": chart,
                "units": units,
                "only_mine": only_mine,
                "leads_some": d.by_unit.iter().any(|u| led.contains(&u.unit)),
                "people": people,
                "form_units": form_units,
                "activity_kinds": ["sosialisasi", "workshop", "coaching_clinic", "pendampingan", "survey", "other"],
                "stage_names": super::svg::STAGES,
                "today": today.to_string(),
                "failed": failed.as_ref().map(|f| json!({"form": f.form, "messages": f.messages, "values": f.values})),
            }),
        ))
    }
    .await;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match data {
        Ok((title, data)) => ui.render(status, "kampanye_detail", &title, data),
        Err(e) => ui.error(e),
    }
}

/// Back to the campaign's page after a form, or the page again with the form's problems.
async fn after_form(
    s: &AppState,
    ui: &Ui,
    code: &str,
    form: &str,
    values: Value,
    done: Result<(), jenjang_app::AppError>,
    notice: &str,
) -> Response {
    match done {
        Ok(()) => ui.redirect(&format!("/kampanye/{code}?notice={notice}#{form}")),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: form.to_string(),
                    messages,
                    values,
                };
                campaign_view(s, ui, code, false, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// Logs an activity (a sosialisasi, a workshop, ...) held in one unit, with its attendees.
pub(super) async fn activity_form(
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
    let lang = ui.lang;
    let mut problems = Vec::new();
    let kind = field("kind")
        .parse::<jenjang_core::adkar::ActivityKind>()
        .ok();
    if kind.is_none() {
        problems.push(jenjang_core::FieldError::new("kind", "choose one").with_code("choose"));
    }
    let held_on = jenjang_core::dates::parse_date(&field("held_on")).ok();
    if held_on.is_none() {
        problems.push(jenjang_core::FieldError::new("held_on", "a date").with_code("date"));
    }
    let unit = field("unit");
    if unit.is_empty() {
        problems.push(jenjang_core::FieldError::new("unit", "choose one").with_code("choose"));
    }
    let attendees: Vec<String> = posted.all("attendees");
    let values = json!({
        "kind": field("kind"), "held_on": field("held_on"), "unit": unit,
        "title": field("title"), "notes": field("notes"), "attendees": attendees,
    });
    let input = match (kind, held_on, problems.is_empty()) {
        (Some(kind), Some(held_on), true) => Ok(jenjang_app::campaigns::NewActivity {
            kind,
            unit: unit.clone(),
            held_on,
            title: Some(field("title")).filter(|t| !t.is_empty()),
            notes: Some(field("notes")).filter(|t| !t.is_empty()),
            attendees,
        }),
        _ => Err(problems),
    };
    let _ = lang;
    let done = jenjang_app::campaigns::add_activity(&s.context(&user), &code, input)
        .await
        .map(|_| ());
    after_form(
        &s,
        &ui,
        &code,
        "kegiatan",
        values,
        done,
        "activity_recorded",
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct StageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nip: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    note: String,
}

/// Records one employee's ADKAR stage.
pub(super) async fn stage_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(form): Form<StageForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut problems = Vec::new();
    if form.nip.trim().is_empty() {
        problems.push(jenjang_core::FieldError::new("nip", "choose one").with_code("choose"));
    }
    let stage = form.stage.parse::<jenjang_core::adkar::Stage>().ok();
    if stage.is_none() {
        problems.push(jenjang_core::FieldError::new("stage", "choose one").with_code("choose"));
    }
    let values = json!({"nip": form.nip, "stage": form.stage, "note": form.note});
    let input = match stage {
        Some(stage) if problems.is_empty() => Ok(jenjang_store::campaigns::StageInput {
            nip: form.nip.trim().to_string(),
            stage,
            note: Some(form.note.trim().to_string()).filter(|n| !n.is_empty()),
        }),
        _ => Err(problems),
    };
    let done = jenjang_app::campaigns::record_stage(&s.context(&user), &code, input)
        .await
        .map(|_| ());
    after_form(&s, &ui, &code, "tahap", values, done, "stage_recorded").await
}

/// Enters a unit's ADKAR survey: a score 1..5 per element.
pub(super) async fn survey_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or("").to_string();
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut problems = Vec::new();
    let mut scores = [0i16; 5];
    for (i, stage) in super::svg::STAGES.iter().enumerate() {
        match field(stage).parse::<i16>() {
            Ok(v) if (1..=5).contains(&v) => scores[i] = v,
            _ => problems.push(
                jenjang_core::FieldError::new(*stage, "a score from 1 to 5").with_code("score"),
            ),
        }
    }
    let unit = field("unit");
    if unit.is_empty() {
        problems.push(jenjang_core::FieldError::new("unit", "choose one").with_code("choose"));
    }
    let values = json!(form);
    let input = if problems.is_empty() {
        Ok(jenjang_app::campaigns::NewSurvey {
            nip: None,
            unit: Some(unit),
            scores,
            surveyed_on: None,
        })
    } else {
        Err(problems)
    };
    let done = jenjang_app::campaigns::add_survey(&s.context(&user), &code, input)
        .await
        .map(|_| ());
    after_form(&s, &ui, &code, "survei", values, done, "survey_recorded").await
}
