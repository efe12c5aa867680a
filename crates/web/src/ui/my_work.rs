//! Rencana Saya and Tim Saya: my gaps, recommendations, plan and tasks; my team's evaluations and
//! plans, and the forms that complete tasks and decide plans.

#[allow(unused_imports)]
use super::*;
use jenjang_app::analysis::GapOut;
use jenjang_core::idp::PlanAction;
use jenjang_core::workflow::TaskStatus;
use jenjang_store::Paging;
use jenjang_store::workflows::TaskRecord;
use serde::Serialize;

/// A gap source (`position`, `org_need:<id>`, `target_position:<code>`) in words.
pub(super) fn source_label(source: &str, lang: Lang) -> String {
    let labels = &lang.messages()["source_labels"];
    let (kind, detail) = source.split_once(':').unwrap_or((source, ""));
    let word = labels[kind].as_str().unwrap_or(kind);
    if detail.is_empty() {
        word.to_string()
    } else {
        format!("{word} {detail}")
    }
}

/// A recommended program as listed: its data and why, in the page's language.
#[derive(Serialize)]
struct RecView<'a> {
    #[serde(flatten)]
    data: &'a jenjang_app::analysis::RecommendedOut,
    reason_text: String,
}

/// "Raises <competency> from level a to b; …" in the page's language, competencies by name.
fn raises_text(
    lang: Lang,
    org: &jenjang_core::org::Organisation,
    closes: &[jenjang_app::analysis::RaiseOut],
) -> String {
    let pattern = lang.text("raises_level");
    closes
        .iter()
        .map(|c| {
            let name = org
                .catalog
                .competency(&c.competency)
                .map(|i| org.catalog.competency_name(i).to_string())
                .unwrap_or_else(|| c.competency.clone());
            pattern
                .replace("{name}", &name)
                .replace("{from}", &c.from.to_string())
                .replace("{to}", &c.to.to_string())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The open tasks assigned to the caller, split into those about themselves and about others.
pub(super) async fn open_tasks(
    s: &AppState,
    user: &CurrentUser,
) -> Result<(Vec<TaskRecord>, Vec<TaskRecord>), ApiError> {
    let query = jenjang_app::workflows::TaskQuery {
        mine: true,
        status: Some(TaskStatus::Open),
        ..Default::default()
    };
    let page =
        jenjang_app::workflows::tasks(&s.context(user), query, Paging::new(Some(1000), None))
            .await?;
    let me = user.0.nip.as_ref().map(|n| n.to_string());
    Ok(page
        .items
        .into_iter()
        .partition(|t| me.is_some() && t.subject_nip.as_deref() == me.as_deref()))
}

pub(super) async fn my_plan(State(s): State<AppState>, ui: Ui) -> Response {
    my_plan_view(&s, &ui, None).await
}

/// A form of Rencana Saya the page could not carry out: which form, why (in the page's
/// language), and what was typed, shown again beside that form.
pub(super) struct FailedForm {
    /// Which form: `generate`, `add`, `submit`, `item-<id>`, `task-<id>`, ...
    pub(super) form: String,
    pub(super) messages: Vec<String>,
    pub(super) values: Value,
}

/// Rencana Saya: my plan and the forms that build it, my gaps, recommendations, tasks.
async fn my_plan_view(s: &AppState, ui: &Ui, failed: Option<FailedForm>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_my_plan");
    let Some(nip) = user.0.nip.as_ref().map(|n| n.to_string()) else {
        return ui.render(
            StatusCode::OK,
            "rencana_saya",
            &title,
            json!({"no_nip": true}),
        );
    };
    let data = async {
        let record = s.store.get_employee(&nip).await?;
        // Names first, codes beside them.
        let unit_name = s
            .store
            .get_unit(record.unit.as_str())
            .await
            .ok()
            .map(|u| u.name);
        let position_name = match &record.position {
            Some(p) => s.store.get_position(p.as_str()).await.ok().map(|p| p.name),
            None => None,
        };
        let mut employee = to_value(&record)?;
        employee["unit_name"] = json!(unit_name);
        employee["position_name"] = json!(position_name);
        let cx = s.context(&user);
        let gaps = jenjang_app::analysis::employee_gaps(&cx, &nip, None).await?;
        let recommendations =
            jenjang_app::analysis::employee_recommendations(&cx, &nip, None).await?;
        let plan = jenjang_app::plans::plan(&cx, &nip, None).await?;
        let (own, _) = open_tasks(s, &user).await?;
        let notifications =
            jenjang_app::workflows::notifications(&cx, true, None, Paging::new(Some(10), None))
                .await?
                .items;
        // Each gap with its competency's name and its sources in words.
        let org = cx.organisation().await?;
        /// A gap as listed: its data, its competency's name and its sources in words.
        #[derive(Serialize)]
        struct GapView<'a> {
            #[serde(flatten)]
            data: &'a GapOut,
            name: Option<&'a str>,
            source_labels: Vec<String>,
        }
        let gap_views: Vec<GapView> = gaps
            .gaps
            .iter()
            .map(|g| GapView {
                data: g,
                name: org
                    .catalog
                    .competency(&g.competency)
                    .map(|c| org.catalog.competency_name(c)),
                source_labels: g.sources.iter().map(|x| source_label(x, ui.lang)).collect(),
            })
            .collect();
        let chart = jp_chart(
            u64::from(plan.jp_completed),
            u64::from(plan.jp_planned),
            u64::from(plan.jp_target),
            ui.lang,
        );
        let today = s.store.today().await?;
        let forms = plan_forms(&org, &plan, &recommendations, today);
        // My evaluations, newest first, with who evaluated and what they noted.
        let evaluations = jenjang_app::evaluations::list(&cx, &nip, Paging::new(Some(1000), None))
            .await?
            .items;
        let mut evaluators: std::collections::HashMap<String, String> = Default::default();
        for e in &evaluations {
            if let Some(n) = &e.evaluator_nip
                && !evaluators.contains_key(n)
                && let Ok(person) = s.store.get_employee(n).await
            {
                evaluators.insert(n.clone(), person.name);
            }
        }
        let evaluations: Vec<Value> = evaluations
            .iter()
            .rev()
            .take(8)
            .map(|e| {
                let mut v = json!(e);
                v["evaluator_name"] =
                    json!(e.evaluator_nip.as_ref().and_then(|n| evaluators.get(n)));
                v
            })
            .collect();
        let plan = to_value(plan)?;
        // Dialog kinerja of this year with my supervisor, and my upward feedback form.
        let year = {
            use chrono::Datelike;
            s.store.today().await?.year()
        };
        let dialog = dialog_view(&cx, &nip, year, &nip, ui.lang).await?;
        let supervisor = match &record.supervisor_nip {
            Some(sup) => {
                let directory = cx.directory().await?;
                Some(json!({"nip": sup.as_str(), "name": directory.get(sup.as_str()).map(|(n, _)| n)}))
            }
            None => None,
        };
        // Performance gaps (PP 11/2017 art. 206): IKI of the approved SKP below target.
        let t = ui.lang.messages();
        let performance_gaps: Vec<Value> = jenjang_app::skp::gaps(&cx, nip.as_str(), year)
            .await?
            .into_iter()
            .map(|(period, i)| json!({
                "period": period,
                "text": i.text,
                "rhk_kind": t["rhk_kinds"][i.rhk_kind.as_str()],
                "target": i.target,
                "realisation": i.realisation,
                "unit": i.unit_of_measure,
                "capaian": i.capaian,
                "has_capaian": i.capaian.is_some(),
            }))
            .collect();
        // Reaction surveys of trainings passed and not yet answered.
        let pending_reactions: Vec<Value> = s
            .store
            .pending_reactions(nip.as_str())
            .await?
            .into_iter()
            .map(|(cohort, program)| {
                let title = org
                    .catalog
                    .program_by_code(&program)
                    .map(|p| org.catalog.program(p).title.clone())
                    .unwrap_or_default();
                json!({"cohort": cohort, "program": program, "title": title})
            })
            .collect();
        Ok::<_, ApiError>(json!({
            "pending_reactions": pending_reactions,
            "performance_gaps": performance_gaps,
            "dialog": dialog,
            "dialog_year": year,
            "supervisor": supervisor,
            "dialog_kinds": dialog_kinds(ui.lang),
            "values": berakhlak_values(ui.lang),
            "upward_questions": ui.lang.messages()["upward_questions"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, q)| json!({"name": format!("a{}", i + 1), "text": q}))
                .collect::<Vec<_>>(),
            "scale": [1, 2, 3, 4, 5],
            "forms": forms,
            "evaluations": evaluations,
            "failed": failed.as_ref().map(|f| json!({
                "form": f.form, "messages": f.messages, "values": f.values,
            })),
            "employee": employee,
            "gaps": {"gaps": gap_views, "note": gaps.note, "position": gaps.position},
            "notifications": to_value(notifications)?,
            "recommendations": {
                "programs": recommendations.programs.iter().map(|r| RecView {
                    reason_text: raises_text(ui.lang, &org, &r.closes),
                    data: r,
                }).collect::<Vec<_>>(),
                "uncovered": recommendations.uncovered,
            },
            "plan": plan,
            "jp_chart": chart,
            "tasks": own,
        }))
    }
    .await;
    ui.view(failed.is_some(), "rencana_saya", &title, data)
}

/// What the plan's forms offer: the programs one may add (recommended first), the due dates
/// allowed (today to the year's end), and which steps the plan's state allows.
fn plan_forms(
    org: &jenjang_core::org::Organisation,
    plan: &jenjang_store::Plan,
    recommendations: &jenjang_app::analysis::RecommendationsResponse,
    today: chrono::NaiveDate,
) -> Value {
    use jenjang_core::idp::{ItemStatus, PlanStatus};
    let planned: std::collections::HashSet<&str> = plan
        .items
        .iter()
        .filter(|i| i.status != ItemStatus::Cancelled)
        .map(|i| i.program.as_str())
        .collect();
    let recommended: Vec<Value> = recommendations
        .programs
        .iter()
        .filter(|r| !planned.contains(r.program.as_str()))
        .map(|r| json!({"code": r.program, "title": r.title, "jp": r.jp}))
        .collect();
    let recommended_codes: std::collections::HashSet<&str> = recommendations
        .programs
        .iter()
        .map(|r| r.program.as_str())
        .collect();
    let mut others: Vec<&jenjang_core::catalog::ProgramInfo> = org
        .catalog
        .programs()
        .iter()
        .filter(|p| {
            !planned.contains(p.code.as_str()) && !recommended_codes.contains(p.code.as_str())
        })
        .collect();
    others.sort_by(|a, b| a.title.cmp(&b.title));
    let others: Vec<Value> = others
        .iter()
        .map(|p| json!({"code": p.code, "title": p.title, "jp": p.jp}))
        .collect();
    let year_end = chrono::NaiveDate::from_ymd_opt(plan.year, 12, 31).unwrap_or(today);
    let first_day = chrono::NaiveDate::from_ymd_opt(plan.year, 1, 1).unwrap_or(today);
    let open_year = year_end >= today;
    let editable = plan.status != PlanStatus::Submitted && open_year;
    // Items of an approved plan (or of a plan approved before and being revised) are worked on.
    let progress = matches!(plan.status, PlanStatus::Approved) || plan.revision > 1;
    json!({
        "editable": editable,
        "can_generate": editable && !recommended.is_empty(),
        "can_submit": plan.status == PlanStatus::Draft
            && plan.items.iter().any(|i| i.status != ItemStatus::Cancelled),
        "progress": progress,
        "recommended": recommended,
        "others": others,
        "due_min": today.max(first_day).to_string(),
        "due_max": year_end.to_string(),
        "due_default": today.max(first_day).max(today).to_string(),
        "today": today.to_string(),
    })
}

#[derive(Deserialize)]
pub(super) struct PlanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    due: String,
    version: Option<i32>,
}

/// A date typed in a form (`yyyy-mm-dd`, as date fields send it); a problem in words otherwise.
fn form_date(text: &str, lang: Lang) -> Result<chrono::NaiveDate, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(lang.text("form_date_required"));
    }
    jenjang_core::dates::parse_date(text).map_err(|_| lang.text("form_date_invalid"))
}

/// The page's words for what a use case refused: every bad field by its label, a conflict as
/// the state that forbids it.
pub(super) fn refusal(e: &jenjang_app::AppError, lang: Lang) -> Option<Vec<String>> {
    match e {
        jenjang_app::AppError::Invalid(details) => Some(field_problems(details, lang)),
        jenjang_app::AppError::Conflict(_) => Some(vec![lang.text("plan_step_conflict")]),
        _ => None,
    }
}

/// Each bad field by its label with its problem in `lang` (from its code; the English message
/// where the problem has none).
pub(super) fn field_problems(details: &[jenjang_core::FieldError], lang: Lang) -> Vec<String> {
    let labels = &lang.messages()["field_labels"];
    details
        .iter()
        .map(|d| {
            let label = path_label(lang, labels, &d.field);
            let translated = d
                .code
                .as_deref()
                .and_then(|code| lang.messages()[format!("problem_{code}").as_str()].as_str());
            let text = match translated {
                Some(pattern) => {
                    d.params
                        .iter()
                        .fold(pattern.to_string(), |text, (name, value)| {
                            // A parameter that names a stage is said by its name.
                            let value = lang.messages()["stages"][value.as_str()]
                                .as_str()
                                .unwrap_or(value);
                            text.replace(&format!("{{{name}}}"), value)
                        })
                }
                None => d.message.clone(),
            };
            format!("{label}: {text}")
        })
        .collect()
}

/// A field's label from its path: `requirements[1].level` is "Persyaratan, baris 2: Level".
fn path_label(lang: Lang, labels: &Value, path: &str) -> String {
    let label = |name: &str| labels[name].as_str().unwrap_or(name).to_string();
    if let Some(text) = labels[path].as_str() {
        return text.to_string();
    }
    let Some((list, rest)) = path.split_once('[') else {
        return label(path);
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return label(path);
    };
    let row = index.parse::<usize>().map(|i| i + 1).unwrap_or(0);
    let mut text = format!("{}, {} {row}", label(list), lang.text("row").to_lowercase());
    let tail = tail.trim_start_matches('.');
    if !tail.is_empty() && !tail.starts_with('[') {
        text.push_str(": ");
        // A list within the row (`rhk[0].iki[1].target`) is said the same way.
        text.push_str(&path_label(lang, labels, tail));
    }
    text
}

/// The plan forms of Rencana Saya: generate from the recommendations, add a program, submit.
pub(super) async fn my_plan_form(
    State(s): State<AppState>,
    ui: Ui,
    Form(form): Form<PlanForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some(nip) = user.0.nip.as_ref().map(|n| n.to_string()) else {
        return ui.error(ApiError::Forbidden);
    };
    let cx = s.context(&user);
    let done = match form.action.as_str() {
        "generate" => jenjang_app::plans::generate(&cx, &nip, None)
            .await
            .map(|_| ()),
        "add" => {
            let mut problems = Vec::new();
            let program = Some(form.program.trim().to_string()).filter(|p| !p.is_empty());
            if program.is_none() {
                problems.push(
                    jenjang_core::FieldError::new("program", "choose a program")
                        .with_code("required"),
                );
            }
            let today = match s.store.today().await {
                Ok(t) => t,
                Err(e) => return ui.error(e.into()),
            };
            // A new item is never due in the past (the API leaves this to its callers).
            let due = match form_date(&form.due, ui.lang).and_then(|d| {
                if d < today {
                    Err(ui.lang.text("problem_due_in_past"))
                } else {
                    Ok(d)
                }
            }) {
                Ok(d) => Some(d),
                Err(message) => {
                    return my_plan_view(
                        &s,
                        &ui,
                        Some(FailedForm {
                            form: "add".into(),
                            messages: vec![format!("{}: {message}", field_label(ui.lang, "due"))],
                            values: json!({"program": form.program, "due": form.due}),
                        }),
                    )
                    .await;
                }
            };
            jenjang_app::plans::add_item(&cx, &nip, None, (program, due), problems)
                .await
                .map(|_| ())
        }
        "submit" => jenjang_app::plans::decide(
            &cx,
            &nip,
            None,
            PlanAction::Submit,
            (None, Some(form.version)),
            Vec::new(),
        )
        .await
        .map(|_| ()),
        other => {
            return ui.error(ApiError::invalid(
                "action",
                format!("'{other}' is not a plan step; expected generate, add or submit"),
            ));
        }
    };
    match done {
        Ok(()) => ui.redirect(&format!("/rencana-saya?notice=plan_{}", form.action)),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: form.action.clone(),
                    messages,
                    values: json!({"program": form.program, "due": form.due}),
                };
                my_plan_view(&s, &ui, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    lang.messages()["field_labels"][field]
        .as_str()
        .unwrap_or(field)
        .to_string()
}

#[derive(Deserialize)]
pub(super) struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    certificate_number: String,
    #[serde(default)]
    completed_on: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    reason: String,
}

/// One plan item's step: start it, complete it with its evidence, or cancel it with a reason.
pub(super) async fn my_item_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<ItemForm>,
) -> Response {
    use jenjang_app::plans::ItemCommand;
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let mut messages = Vec::new();
    let command = match form.action.as_str() {
        "start" => Some(ItemCommand::Start),
        "complete" => {
            let certificate = form.certificate_number.trim();
            if certificate.is_empty() {
                messages.push(format!(
                    "{}: {}",
                    field_label(lang, "certificate_number"),
                    lang.text("form_required")
                ));
            }
            let link = form.link.trim();
            let web_link = link.starts_with("https://") || link.starts_with("http://");
            if !link.is_empty() && !web_link {
                messages.push(format!(
                    "{}: {}",
                    field_label(lang, "link"),
                    lang.text("form_link_invalid")
                ));
            }
            let completed_on = match form_date(&form.completed_on, lang) {
                Ok(d) => Some(d),
                Err(m) => {
                    messages.push(format!("{}: {m}", field_label(lang, "completed_on")));
                    None
                }
            };
            let mut evidence = json!({"certificate_number": certificate});
            if !link.is_empty() {
                evidence["link"] = json!(link);
            }
            Some(ItemCommand::Complete {
                evidence: Some(evidence),
                completed_on,
            })
        }
        "cancel" => {
            let reason = form.reason.trim();
            if reason.is_empty() {
                messages.push(format!(
                    "{}: {}",
                    field_label(lang, "reason"),
                    lang.text("form_required")
                ));
            }
            Some(ItemCommand::Cancel {
                reason: Some(reason.to_string()),
            })
        }
        _ => None,
    };
    let Some(command) = command else {
        return ui.error(ApiError::invalid(
            "action",
            format!(
                "'{}' is not an item step; expected start, complete or cancel",
                form.action
            ),
        ));
    };
    let values = json!({
        "action": form.action,
        "certificate_number": form.certificate_number,
        "completed_on": form.completed_on,
        "link": form.link,
        "reason": form.reason,
    });
    let failed = |messages| FailedForm {
        form: format!("item-{id}"),
        messages,
        values: values.clone(),
    };
    if !messages.is_empty() {
        return my_plan_view(&s, &ui, Some(failed(messages))).await;
    }
    let done =
        jenjang_app::plans::item(&s.context(&user), &id.to_string(), command, Vec::new()).await;
    match done {
        Ok(_) => ui.redirect(&format!("/rencana-saya?notice=item_{}", form.action)),
        Err(e) => match refusal(&e, lang) {
            Some(messages) => my_plan_view(&s, &ui, Some(failed(messages))).await,
            None => ui.error(e.into()),
        },
    }
}

pub(super) async fn my_team(State(s): State<AppState>, ui: Ui) -> Response {
    team_view(&s, &ui, None).await
}

/// Tim Saya: the team with an evaluation form per member, the plans awaiting a decision (their
/// items, JP and the employee's gaps), the tasks assigned to me with their forms.
async fn team_view(s: &AppState, ui: &Ui, failed: Option<FailedForm>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_my_team");
    let failed_for = |form: &str| failed.as_ref().filter(|f| f.form == form);
    let data = async {
        let (_, tasks) = open_tasks(s, &user).await?;
        let today = s.store.today().await?;
        let year = today.year();
        let team = match &user.0.nip {
            Some(nip) => s.store.team_overview(nip.as_str(), year).await?,
            None => Vec::new(),
        };
        let cx = s.context(&user);
        let org = cx.organisation().await?;
        let competency_name = |code: &str| {
            org.catalog
                .competency(code)
                .map(|i| org.catalog.competency_name(i).to_string())
        };
        let mut approvals: Vec<Value> = Vec::new();
        // A supervisor decides on a handful of plans at a time: each is read whole, with the
        // gaps it should close.
        for m in team
            .iter()
            .filter(|m| m.plan_status.as_deref() == Some("submitted"))
        {
            let plan = jenjang_app::plans::plan(&cx, &m.nip, Some(year)).await?;
            let gaps = jenjang_app::analysis::employee_gaps(&cx, &m.nip, None).await?;
            let failed = failed_for(&format!("decision-{}", m.nip));
            approvals.push(json!({
                "nip": m.nip,
                "name": m.name,
                "year": year,
                "version": plan.version,
                "jp_planned": plan.jp_planned,
                "jp_target": plan.jp_target,
                "items": plan.items,
                "gaps": gaps.gaps.iter().map(|g| json!({
                    "competency": g.competency,
                    "name": competency_name(&g.competency),
                    "current": g.current,
                    "required": g.required,
                })).collect::<Vec<_>>(),
                "failed": failed.map(|f| json!({"messages": f.messages, "values": f.values})),
            }));
        }
        // Tasks about people, named; a coaching task with a score field per competency in gap.
        let names: std::collections::HashMap<&str, &str> =
            team.iter().map(|m| (m.nip.as_str(), m.name.as_str())).collect();
        let mut task_views = Vec::with_capacity(tasks.len());
        for t in &tasks {
            let mut view = to_value(t)?;
            if let Some(subject) = &t.subject_nip {
                let name = match names.get(subject.as_str()) {
                    Some(n) => Some(n.to_string()),
                    None => s.store.get_employee(subject).await.ok().map(|e| e.name),
                };
                view["subject_name"] = json!(name);
                if t.scores {
                    let gaps = jenjang_app::analysis::employee_gaps(&cx, subject, None).await?;
                    view["score_fields"] = json!(gaps.gaps.iter().map(|g| json!({
                        "competency": g.competency,
                        "name": competency_name(&g.competency),
                        "current": g.current,
                        "required": g.required,
                    })).collect::<Vec<_>>());
                }
            }
            let failed = failed_for(&format!("task-{}", t.id));
            view["failed"] = json!(failed.map(|f| json!({"messages": f.messages, "values": f.values})));
            task_views.push(view);
        }
        let periods = evaluation_periods(year, ui.lang);
        let me = user.0.nip.as_ref().map(|n| n.to_string()).unwrap_or_default();
        let mut dialogs = std::collections::HashMap::new();
        for m in &team {
            dialogs.insert(m.nip.clone(), dialog_view(&cx, &m.nip, year, &me, ui.lang).await?);
        }
        // The feedback my reports gave me (a login without an employee has none).
        let upward = if me.is_empty() || team.is_empty() {
            None
        } else {
            let u = jenjang_app::dialog::upward(&cx, &me, year).await?;
            Some(json!({"aggregate": u, "questions": ui.lang.messages()["upward_questions"]}))
        };
        // Each report's SKP and the hasil kerja proposed per realised period, for the team at
        // once.
        let nips: Vec<String> = team.iter().map(|m| m.nip.clone()).collect();
        let skps = jenjang_app::skp::team(&s.store, &nips, year).await?;
        let t = ui.lang.messages();
        let team: Vec<Value> = team
            .iter()
            .map(|m| {
                let failed = failed_for(&format!("evaluation-{}", m.nip));
                let skp = skps.get(&m.nip);
                json!({
                    "skp_status": skp.and_then(|k| k.status).map(|st| t["skp_statuses"][st.as_str()].clone()),
                    "skp_submitted": skp.and_then(|k| k.status) == Some(jenjang_core::skp::SkpStatus::Submitted),
                    "proposals": skp.map(|k| k.proposals.iter().map(|(p, e)| json!({
                        "period": p,
                        "label": e.map(|e| t["ekspektasi_labels"][e.as_str()].clone()),
                    })).collect::<Vec<_>>()),
                    "dialog": dialogs.get(&m.nip),
                    "dialog_failed": failed_for(&format!("dialog-{}", m.nip)).map(|f| json!({"messages": f.messages, "values": f.values})),
                    "nip": m.nip,
                    "name": m.name,
                    "position": m.position,
                    "position_name": m.position_name,
                    "plan_status": m.plan_status,
                    "evaluation": m.latest_period.as_ref().map(|p| json!({"period": p, "predikat": m.latest_predikat})),
                    "failed": failed.map(|f| json!({"messages": f.messages, "values": f.values})),
                })
            })
            .collect();
        Ok::<_, ApiError>(json!({
            "upward": upward,
            "dialog_year": year,
            "dialog_kinds": dialog_kinds(ui.lang),
            "values": berakhlak_values(ui.lang),
            "team": team,
            "approvals": approvals,
            "tasks": task_views,
            "periods": periods,
            "matrix": predikat_matrix(ui.lang),
        }))
    }
    .await;
    ui.view(failed.is_some(), "tim_saya", &title, data)
}

/// The periods a supervisor evaluates in `year`: the four quarters and the year itself.
fn evaluation_periods(year: i32, lang: Lang) -> Vec<Value> {
    let annual = lang.text("period_annual");
    let quarter = lang.text("period_quarter");
    let mut periods: Vec<Value> = ["I", "II", "III", "IV"]
        .iter()
        .enumerate()
        .map(|(i, roman)| {
            json!({"value": format!("{year}-Q{}", i + 1), "label": format!("{quarter} {roman} {year}")})
        })
        .collect();
    periods.push(json!({"value": year.to_string(), "label": format!("{annual} {year}")}));
    periods
}

/// The predikat matrix of PermenPANRB 6/2022 as a table: rows hasil kerja, columns perilaku
/// kerja, from core's rule, labelled in the page's language.
fn predikat_matrix(lang: Lang) -> Value {
    use jenjang_core::predikat::{Ekspektasi, predikat};
    let order = [Ekspektasi::DiAtas, Ekspektasi::Sesuai, Ekspektasi::DiBawah];
    let labels = &lang.messages()["ekspektasi_labels"];
    let predikat_labels = &lang.messages()["predikat_labels"];
    json!({
        "columns": order.iter().map(|e| labels[e.as_str()].clone()).collect::<Vec<_>>(),
        "rows": order.iter().map(|h| json!({
            "label": labels[h.as_str()].clone(),
            "cells": order.iter().map(|p| {
                let value = predikat(*h, *p);
                json!({"value": value.as_str(), "label": predikat_labels[value.as_str()].clone()})
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
pub(super) struct EvaluationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    hasil_kerja: String,
    #[serde(default)]
    perilaku_kerja: String,
    #[serde(default)]
    notes: String,
}

/// A supervisor's evaluation of a direct report for a period: both ratings; the predikat follows
/// from the matrix.
pub(super) async fn evaluation_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Form(form): Form<EvaluationForm>,
) -> Response {
    use jenjang_core::predikat::Ekspektasi;
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let mut messages = Vec::new();
    let mut rating = |field: &str, text: &str| match text.parse::<Ekspektasi>() {
        Ok(e) => Some(e),
        Err(_) => {
            messages.push(format!(
                "{}: {}",
                field_label(lang, field),
                lang.text("form_choose")
            ));
            None
        }
    };
    let hasil = rating("hasil_kerja", &form.hasil_kerja);
    let perilaku = rating("perilaku_kerja", &form.perilaku_kerja);
    let period = match jenjang_core::period::Period::parse(&form.period) {
        Ok(p) => Some(p),
        Err(_) => {
            messages.push(format!(
                "{}: {}",
                field_label(lang, "period"),
                lang.text("form_choose")
            ));
            None
        }
    };
    let values = json!({
        "period": form.period, "hasil_kerja": form.hasil_kerja,
        "perilaku_kerja": form.perilaku_kerja, "notes": form.notes,
    });
    let failed = |messages| FailedForm {
        form: format!("evaluation-{nip}"),
        messages,
        values: values.clone(),
    };
    let (Some(hasil), Some(perilaku), Some(period), true) =
        (hasil, perilaku, period, messages.is_empty())
    else {
        return team_view(&s, &ui, Some(failed(messages))).await;
    };
    let input = jenjang_app::evaluations::EvaluationInput {
        period,
        hasil_kerja: Some(hasil),
        perilaku_kerja: perilaku,
        notes: Some(form.notes.trim().to_string()).filter(|n| !n.is_empty()),
        evaluator_nip: None,
        stated_predikat: None,
    };
    match jenjang_app::evaluations::record(&s.store, &user.0, &nip, input).await {
        Ok(_) => ui.redirect(&format!(
            "/tim-saya?notice=evaluation_recorded#anggota-{nip}"
        )),
        Err(e) => match refusal(&e, lang) {
            Some(messages) => team_view(&s, &ui, Some(failed(messages))).await,
            None => ui.error(e.into()),
        },
    }
}

/// A task's completion: the outcome, notes, and for a coaching task the observed level (1..5)
/// of each competency in gap (`score_<code>`; left blank when not observed).
pub(super) async fn complete_task_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or("");
    let user = match ui.form_user(field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let mut messages = Vec::new();
    let outcome = Some(field("outcome").to_string()).filter(|o| !o.is_empty());
    if outcome.is_none() {
        messages.push(format!(
            "{}: {}",
            field_label(lang, "outcome"),
            lang.text("form_choose")
        ));
    }
    let mut scores = Vec::new();
    let mut keys: Vec<&String> = form.keys().filter(|k| k.starts_with("score_")).collect();
    keys.sort();
    for key in keys {
        let value = field(key);
        if value.is_empty() {
            continue;
        }
        let code = &key["score_".len()..];
        let level = value
            .parse::<i64>()
            .ok()
            .and_then(|v| jenjang_core::level::Level::new(v).ok());
        match (jenjang_core::code::Code::parse(code), level) {
            (Ok(code), Some(level)) => scores.push((code, level)),
            _ => messages.push(format!("{code}: {}", lang.text("form_level"))),
        }
    }
    let values = json!(form);
    if !messages.is_empty() {
        let failed = FailedForm {
            form: format!("task-{id}"),
            messages,
            values,
        };
        return team_view(&s, &ui, Some(failed)).await;
    }
    let completion = jenjang_app::tasks::Completion {
        outcome,
        notes: Some(field("notes").to_string()).filter(|n| !n.is_empty()),
        scores: Some(scores),
    };
    let done = jenjang_app::tasks::complete(&s.store, &user.0, id, completion, Vec::new()).await;
    match done {
        Ok(done) => {
            let about_self = user.0.nip.as_ref().map(|n| n.to_string()) == done.subject_nip;
            ui.redirect(if about_self {
                "/rencana-saya?notice=task_completed"
            } else if sees_whole_organisation(&user.0) {
                "/beranda?notice=task_completed"
            } else {
                "/tim-saya?notice=task_completed"
            })
        }
        Err(e) => match refusal(&e, lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: format!("task-{id}"),
                    messages,
                    values,
                };
                team_view(&s, &ui, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    year: Option<i32>,
    version: Option<i32>,
    #[serde(default)]
    comment: String,
}

pub(super) async fn decide_plan_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let action = match form.decision.as_str() {
        "approve" => PlanAction::Approve,
        "reject" => PlanAction::Reject,
        other => {
            return ui.error(ApiError::invalid(
                "decision",
                format!("'{other}' is not a decision; expected approve or reject"),
            ));
        }
    };
    let mut body = json!({"version": form.version});
    put_text(&mut body, "comment", &form.comment);
    let (decision, errors) = read_decision(&body);
    let decided =
        jenjang_app::plans::decide(&s.context(&user), &nip, form.year, action, decision, errors)
            .await;
    match decided {
        Ok(_) => ui.redirect("/tim-saya?notice=plan_decided"),
        // A missing reason (or a stale plan) is shown beside the plan, the comment kept.
        Err(e) => match refusal(&e, ui.lang) {
            Some(mut messages) => {
                if let jenjang_app::AppError::Invalid(details) = &e
                    && details.iter().any(|d| d.field == "comment")
                {
                    messages = vec![ui.lang.text("reject_needs_comment")];
                }
                let failed = FailedForm {
                    form: format!("decision-{nip}"),
                    messages,
                    values: json!({"comment": form.comment}),
                };
                team_view(&s, &ui, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// The dialog kinds as a form offers them.
fn dialog_kinds(lang: Lang) -> Vec<Value> {
    jenjang_core::dialog::DialogKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": lang.messages()["dialog_kinds"][k.as_str()]}))
        .collect()
}

/// The BerAKHLAK values as a form offers them.
fn berakhlak_values(lang: Lang) -> Vec<Value> {
    jenjang_core::dialog::Berakhlak::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": lang.messages()["berakhlak"][k.as_str()]}))
        .collect()
}

/// The thread of `nip` in `year` as `me` reads it: who wrote each entry (by name), in words,
/// and whether `me` may acknowledge it.
async fn dialog_view(
    cx: &jenjang_app::context::Context<'_>,
    nip: &str,
    year: i32,
    me: &str,
    lang: Lang,
) -> Result<Vec<Value>, ApiError> {
    let entries = jenjang_app::dialog::thread(cx, nip, year).await?;
    let directory = cx.directory().await?;
    Ok(entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "author": directory.get(&e.author_nip).map(|(n, _)| n.clone()).unwrap_or_else(|| e.author_nip.clone()),
                "mine": e.author_nip == me,
                "kind": lang.messages()["dialog_kinds"][e.kind.as_str()],
                "value": e.value.as_ref().map(|v| lang.messages()["berakhlak"][v.as_str()].clone()),
                "text": e.text,
                "on": e.created_at.date_naive().to_string(),
                "acknowledged": e.acknowledged_at.is_some(),
                "may_ack": e.author_nip != me && e.acknowledged_at.is_none(),
            })
        })
        .collect())
}

/// Writes an entry in the thread of `nip` from Rencana Saya (my own) or Tim Saya (a report's).
pub(super) async fn dialog_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == nip);
    let mut body = json!({});
    for key in ["kind", "text", "value"] {
        put_text(&mut body, key, &field(key));
    }
    let year = match s.store.today().await {
        Ok(t) => {
            use chrono::Datelike;
            t.year()
        }
        Err(e) => return ui.error(e.into()),
    };
    let done = jenjang_app::dialog::write(&s.context(&user), &nip, year, &body).await;
    match done {
        Ok(_) => {
            s.engine_wake.notify_one();
            ui.redirect(if own {
                "/rencana-saya?notice=dialog_written#dialog"
            } else {
                "/tim-saya?notice=dialog_written"
            })
        }
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: if own {
                        "dialog".into()
                    } else {
                        format!("dialog-{nip}")
                    },
                    messages,
                    values: json!({"kind": field("kind"), "text": field("text"), "value": field("value")}),
                };
                if own {
                    my_plan_view(&s, &ui, Some(failed)).await
                } else {
                    team_view(&s, &ui, Some(failed)).await
                }
            }
            None => ui.error(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct AckForm {
    #[serde(default)]
    csrf: String,
}

/// Acknowledges an entry of the other party.
pub(super) async fn dialog_ack_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    match jenjang_app::dialog::acknowledge(&s.context(&user), id).await {
        Ok(entry) => {
            let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == entry.nip);
            ui.redirect(if own {
                "/rencana-saya?notice=dialog_acknowledged#dialog"
            } else {
                "/tim-saya?notice=dialog_acknowledged"
            })
        }
        Err(e) => ui.error(e.into()),
    }
}

/// My feedback about my supervisor: five answers 1..5 and a comment.
pub(super) async fn upward_form(
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
    let Some(nip) = user.0.nip.as_ref().map(|n| n.to_string()) else {
        return ui.error(ApiError::Forbidden);
    };
    let supervisor = match s.store.get_employee(&nip).await {
        Ok(e) => e.supervisor_nip.map(|n| n.to_string()),
        Err(e) => return ui.error(e.into()),
    };
    let Some(supervisor) = supervisor else {
        return ui.error(ApiError::Forbidden);
    };
    let answers: Vec<Value> = (1..=5)
        .map(|i| match field(&format!("a{i}")).parse::<u64>() {
            Ok(v) => json!(v),
            Err(_) => Value::Null,
        })
        .collect();
    let body = json!({"answers": answers, "comment": field("comment")});
    let year = match s.store.today().await {
        Ok(t) => {
            use chrono::Datelike;
            t.year()
        }
        Err(e) => return ui.error(e.into()),
    };
    match jenjang_app::dialog::give_upward(&s.context(&user), &supervisor, year, &body).await {
        Ok(()) => ui.redirect("/rencana-saya?notice=upward_given#umpan-balik-atasan"),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "upward".into(),
                    messages,
                    values: json!({}),
                };
                my_plan_view(&s, &ui, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}
