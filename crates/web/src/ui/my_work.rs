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
        let (own, _) = open_tasks(&s, &user).await?;
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
        let plan = to_value(plan)?;
        Ok::<_, ApiError>(json!({
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
    match data {
        Ok(data) => ui.render(StatusCode::OK, "rencana_saya", &title, data),
        Err(e) => ui.error(e),
    }
}

pub(super) async fn my_team(State(s): State<AppState>, ui: Ui) -> Response {
    team_view(&s, &ui, None).await
}

/// A plan decision the page could not take, shown beside that plan with the comment kept.
pub(super) struct FailedDecision {
    nip: String,
    message: String,
    comment: String,
}

/// Tim Saya: the team, the plans awaiting a decision (their items and JP), the team's tasks.
async fn team_view(s: &AppState, ui: &Ui, failed: Option<FailedDecision>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_my_team");
    let data = async {
        let (_, tasks) = open_tasks(s, &user).await?;
        let team = match &user.0.nip {
            Some(nip) => {
                let year = s.store.today().await?.year();
                s.store.team_overview(nip.as_str(), year).await?
                    .into_iter()
                    .map(|m| (m, year))
                    .collect()
            }
            None => Vec::new(),
        };
        let cx = s.context(&user);
        let mut approvals: Vec<Value> = Vec::new();
        // A supervisor decides on a handful of plans at a time: each is read whole.
        for (m, year) in team
            .iter()
            .filter(|(m, _)| m.plan_status.as_deref() == Some("submitted"))
        {
            let plan = jenjang_app::plans::plan(&cx, &m.nip, Some(*year)).await?;
            let failed = failed.as_ref().filter(|f| f.nip == m.nip);
            approvals.push(json!({
                "nip": m.nip,
                "name": m.name,
                "year": year,
                "version": plan.version,
                "jp_planned": plan.jp_planned,
                "jp_target": plan.jp_target,
                "items": plan.items,
                "error": failed.map(|f| &f.message),
                "comment": failed.map(|f| &f.comment),
            }));
        }
        let team: Vec<Value> = team
            .iter()
            .map(|(m, _)| {
                json!({
                    "nip": m.nip,
                    "name": m.name,
                    "position": m.position,
                    "plan_status": m.plan_status,
                    "evaluation": m.latest_period.as_ref().map(|p| json!({"period": p, "predikat": m.latest_predikat})),
                })
            })
            .collect();
        Ok::<_, ApiError>(json!({"team": team, "approvals": approvals, "tasks": tasks}))
    }
    .await;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match data {
        Ok(data) => ui.render(status, "tim_saya", &title, data),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct TaskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    notes: String,
}

pub(super) async fn complete_task_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<TaskForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut problems = Vec::new();
    let outcome = Some(form.outcome.trim().to_string()).filter(|o| !o.is_empty());
    if outcome.is_none() {
        problems.push(jenjang_core::FieldError::new("outcome", "is required"));
    }
    let completion = jenjang_app::tasks::Completion {
        outcome,
        notes: Some(form.notes.trim().to_string()).filter(|n| !n.is_empty()),
        scores: Some(Vec::new()),
    };
    let done = jenjang_app::tasks::complete(&s.store, &user.0, id, completion, problems).await;
    let about_self = match done {
        Ok(done) => user.0.nip.as_ref().map(|n| n.to_string()) == done.subject_nip,
        Err(e) => return ui.error(e.into()),
    };
    ui.redirect(if about_self {
        "/rencana-saya?notice=task_completed"
    } else {
        "/tim-saya?notice=task_completed"
    })
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
        Err(jenjang_app::AppError::Invalid(details)) => {
            let message = if details.iter().any(|d| d.field == "comment") {
                ui.lang.text("reject_needs_comment")
            } else {
                details
                    .iter()
                    .map(|d| format!("{}: {}", d.field, d.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let failed = FailedDecision {
                nip,
                message,
                comment: form.comment.clone(),
            };
            team_view(&s, &ui, Some(failed)).await
        }
        Err(e) => ui.error(e.into()),
    }
}
