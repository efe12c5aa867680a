//! The training cycle on the pages: the saved versions of a year's training plan beside the
//! computed one (save, compare, adopt — confirming when the data changed — and withdraw), the
//! cohorts with their details and results, and the budget's planned against actual cost.

#[allow(unused_imports)]
use super::*;
use jenjang_app::training::Adoption;

/// The saved versions of `year` as the plan page compares them: cost, gap closed, JP and
/// participants side by side.
pub(super) async fn saved_plans(
    cx: &jenjang_app::context::Context<'_>,
    year: i32,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for p in jenjang_app::training::list(cx, Some(year)).await? {
        let full = jenjang_app::training::get(cx, p.id).await?;
        let cohorts = full
            .plan
            .as_ref()
            .map(|v| v["cohorts"].clone())
            .unwrap_or_default();
        let cohorts = cohorts.as_array().cloned().unwrap_or_default();
        let participants: usize = cohorts
            .iter()
            .map(|c| c["participants"].as_array().map_or(0, Vec::len))
            .sum();
        let jp: u64 = cohorts
            .iter()
            .map(|c| {
                c["jp"].as_u64().unwrap_or(0)
                    * c["participants"].as_array().map_or(0, Vec::len) as u64
            })
            .sum();
        out.push(json!({
            "id": p.id,
            "version": p.version,
            "unit": p.unit,
            "status": p.status,
            "draft": p.status == jenjang_core::training::TrainingPlanStatus::Draft,
            "withdrawable": p.status != jenjang_core::training::TrainingPlanStatus::Withdrawn,
            "budget_idr": p.budget_idr,
            "cost_idr": p.cost_idr,
            "gap_closed": p.gap_closed,
            "gap_total": p.gap_total,
            "cohorts": cohorts.len(),
            "participants": participants,
            "jp": jp,
            "withdraw_reason": p.withdraw_reason,
        }));
    }
    Ok(out)
}

/// Saves the computed plan as the next draft.
pub(super) async fn save_plan_form(
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
    let (Ok(year), Ok(budget_idr)) = (
        field("year").parse::<i32>(),
        field("budget_idr").parse::<i64>(),
    ) else {
        return ui.error(ApiError::invalid("budget_idr", "a year and a budget"));
    };
    let unit = Some(field("unit")).filter(|u| !u.trim().is_empty());
    let input = jenjang_app::analysis::TrainingPlanInput {
        year,
        budget_idr,
        unit: unit.clone(),
    };
    match jenjang_app::training::save(&s.context(&user), input).await {
        Ok(_) => ui.redirect(&format!(
            "/rencana-pelatihan?year={year}&budget_idr={budget_idr}&unit={}&notice=plan_saved#tersimpan",
            unit.unwrap_or_default()
        )),
        Err(e) => ui.error(e.into()),
    }
}

/// Adopts a saved draft; when the data changed since it was saved, shows the differences with
/// a form to adopt anyway.
pub(super) async fn adopt_plan_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let confirm = field("confirm") == "1";
    let cx = s.context(&user);
    match jenjang_app::training::adopt(&cx, id, confirm).await {
        Ok(Adoption::Adopted { plan, .. }) => {
            s.engine_wake.notify_one();
            ui.redirect(&format!("/angkatan?year={}&notice=plan_adopted", plan.year))
        }
        Ok(Adoption::Changed { differences }) => {
            let plan = match jenjang_app::training::get(&cx, id).await {
                Ok(p) => p,
                Err(e) => return ui.error(e.into()),
            };
            let lang = ui.lang;
            ui.render(
                StatusCode::CONFLICT,
                "angkatan",
                &lang.text("nav_cohorts"),
                json!({
                    "confirm": {
                        "id": id,
                        "version": plan.version,
                        "year": plan.year,
                        "programs_added": differences.programs_added,
                        "programs_removed": differences.programs_removed,
                        "participants_added": differences.participants_added.iter()
                            .map(|(p, n)| json!({"program": p, "count": n.len()})).collect::<Vec<_>>(),
                        "participants_removed": differences.participants_removed.iter()
                            .map(|(p, n)| json!({"program": p, "count": n.len()})).collect::<Vec<_>>(),
                        "cost_saved_idr": differences.cost_saved_idr,
                        "cost_now_idr": differences.cost_now_idr,
                    },
                    "cohorts": [],
                    "year": plan.year,
                }),
            )
        }
        Err(e) => ui.error(e.into()),
    }
}

/// Withdraws a saved plan with a reason.
pub(super) async fn withdraw_plan_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let reason = Some(field("reason")).filter(|r| !r.trim().is_empty());
    match jenjang_app::training::withdraw(&s.context(&user), id, reason).await {
        Ok(p) => ui.redirect(&format!(
            "/rencana-pelatihan?year={}&notice=plan_withdrawn#tersimpan",
            p.year
        )),
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct CohortsQuery {
    year: Option<i32>,
}

/// The cohorts of a year with their enrolment and the year's budget.
pub(super) async fn cohorts_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<CohortsQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let year = match q.year {
            Some(y) => y,
            None => s.store.today().await?.year(),
        };
        let cohorts = jenjang_app::training::cohorts(&cx, Some(year), None, None).await?;
        let org = cx.organisation().await?;
        let budget = jenjang_app::training::budget(&cx, year, None).await.ok();
        let title = |code: &str| {
            org.catalog
                .program_by_code(code)
                .map(|p| org.catalog.program(p).title.clone())
                .unwrap_or_default()
        };
        let line = |l: &jenjang_store::training::BudgetLine, name: String| {
            let share = l.actual_idr as f64 / (l.planned_idr as f64).max(1.0);
            json!({
                "key": l.key, "name": name, "planned_idr": l.planned_idr, "actual_idr": l.actual_idr,
                "chart": bar(&[(share.min(1.0), if share > 1.0 { "#b03a2e" } else { "#1f6fb2" })], Some(1.0), &format!("{:.0}%", share * 100.0)),
            })
        };
        let names = cx.unit_names().await?;
        Ok::<_, ApiError>(json!({
            "year": year,
            "cohorts": cohorts.iter().map(|c| json!({
                "code": c.code, "program": c.program, "title": title(&c.program), "provider": c.provider,
                "schedule": c.schedule, "route": c.route, "place": c.place, "starts": c.starts, "ends": c.ends,
                "capacity": c.capacity, "enrolled": c.enrolled,
                "planned_cost_idr": c.planned_cost_idr, "actual_cost_idr": c.actual_cost_idr,
            })).collect::<Vec<_>>(),
            "budget": budget.map(|b| json!({
                "planned_idr": b.planned_idr,
                "actual_idr": b.actual_idr,
                "by_unit": b.by_unit.iter().map(|l| line(l, names.get(&l.key).cloned().unwrap_or_default())).collect::<Vec<_>>(),
                "by_program": b.by_program.iter().map(|l| line(l, title(&l.key))).collect::<Vec<_>>(),
            })),
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "angkatan",
            &ui.lang.text("nav_cohorts"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

/// One cohort: its details form, its participants with their results and the results form.
pub(super) async fn cohort_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
) -> Response {
    cohort_view(&s, &ui, &code, None).await
}

async fn cohort_view(s: &AppState, ui: &Ui, code: &str, failed: Option<FailedForm>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let (c, people) = jenjang_app::training::cohort(&cx, code).await?;
        let org = cx.organisation().await?;
        let title = org
            .catalog
            .program_by_code(&c.program)
            .map(|p| org.catalog.program(p).title.clone())
            .unwrap_or_default();
        let reaction = jenjang_app::training::reaction_summary(&cx, code).await?;
        let listed: Vec<&str> = people
            .iter()
            .filter(|p| p.status != jenjang_core::training::ParticipantStatus::Withdrawn)
            .map(|p| p.nip.as_str())
            .collect();
        Ok::<_, ApiError>(json!({
            "cohort": c,
            "title": title,
            "people": people,
            "participant_list": listed.join("\n"),
            "reaction": reaction_view(&reaction, ui.lang),
            "keeper": sees_whole_organisation(&user.0),
            "failed": failed.as_ref().map(|f| json!({"form": f.form, "messages": f.messages, "values": f.values})),
        }))
    }
    .await;
    ui.view(
        failed.is_some(),
        "angkatan_detail",
        &ui.lang.text("nav_cohorts"),
        data,
    )
}

/// Saves a cohort's details.
pub(super) async fn cohort_form(
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
    let mut body = json!({});
    for key in ["provider", "place", "starts", "ends"] {
        put_text(&mut body, key, &field(key));
    }
    for key in ["capacity", "actual_cost_idr"] {
        put_amount(&mut body, key, &field(key));
    }
    let change = jenjang_app::training::read_cohort(&body);
    match jenjang_app::training::update_cohort(&s.context(&user), &code, change).await {
        Ok(_) => ui.redirect(&format!("/angkatan/{code}?notice=cohort_saved")),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "details".into(),
                    messages,
                    values: posted.values(),
                };
                cohort_view(&s, &ui, &code, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// Records the results typed for the participants (`status_<nip>`, `certificate_<nip>`,
/// `completed_<nip>`, `score_<nip>`; a participant left without a status is skipped).
pub(super) async fn results_form(
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
    let mut rows = Vec::new();
    for nip in posted.all("nip") {
        let status = field(&format!("status_{nip}"));
        if status.trim().is_empty() {
            continue;
        }
        let mut row = json!({"nip": nip, "status": status});
        put_text(
            &mut row,
            "certificate_no",
            &field(&format!("certificate_{nip}")),
        );
        put_text(
            &mut row,
            "completed_on",
            &field(&format!("completed_{nip}")),
        );
        let score = super::unit::typed_number(&field(&format!("score_{nip}")));
        if !score.is_null() {
            row["score"] = score;
        }
        rows.push(row);
    }
    let cx = s.context(&user);
    let done = match jenjang_app::training::read_results(&json!(rows), &code) {
        Ok(rows) => jenjang_app::training::record_results(&cx, &rows, true, false)
            .await
            .and_then(|(_, rejected)| {
                if rejected.is_empty() {
                    Ok(())
                } else {
                    Err(jenjang_app::AppError::Invalid(
                        rejected
                            .into_iter()
                            .map(|(i, mut e)| {
                                e.field = format!("[{i}].{}", e.field);
                                e
                            })
                            .collect(),
                    ))
                }
            }),
        Err(problems) => Err(jenjang_app::AppError::Invalid(problems)),
    };
    match done {
        Ok(()) => {
            s.engine_wake.notify_one();
            ui.redirect(&format!("/angkatan/{code}?notice=results_recorded#peserta"))
        }
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "results".into(),
                    messages,
                    values: json!({}),
                };
                cohort_view(&s, &ui, &code, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// A reaction summary for the pages: each question with its label, mean and bar.
fn reaction_view(r: &jenjang_store::training_outcomes::ReactionSummary, lang: Lang) -> Value {
    let questions = &lang.messages()["reaction_questions"];
    json!({
        "responses": r.responses,
        "questions": jenjang_core::training::REACTION_QUESTIONS.iter().map(|q| {
            let mean = r.averages.get(*q).copied();
            json!({
                "label": questions[*q].as_str().unwrap_or(q),
                "mean": mean.map(|m| format!("{m:.1}")),
                "chart": mean.map(|m| bar(&[(m / 5.0, "#1f6fb2")], None, &format!("{m:.1} / 5"))),
            })
        }).collect::<Vec<_>>(),
        "comments": r.comments,
    })
}

/// Makes the NIPs typed one per line the cohort's participants; those left out leave with
/// the reason given.
pub(super) async fn participants_form(
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
    let nips: Vec<Value> = field("participants")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| json!(t))
        .collect();
    let reason = Some(field("reason")).filter(|r| !r.trim().is_empty());
    match jenjang_app::training::set_participants(
        &s.context(&user),
        &code,
        &json!(nips),
        reason,
        None,
    )
    .await
    {
        Ok(_) => {
            s.engine_wake.notify_one();
            ui.redirect(&format!(
                "/angkatan/{code}?notice=participants_saved#peserta"
            ))
        }
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "participants".into(),
                    messages,
                    values: json!({"participants": field("participants"), "reason": field("reason")}),
                };
                cohort_view(&s, &ui, &code, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// The reaction survey of a cohort for the signed-in participant.
pub(super) async fn reaction_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
) -> Response {
    reaction_view_page(&s, &ui, &code, None).await
}

async fn reaction_view_page(
    s: &AppState,
    ui: &Ui,
    code: &str,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let mine = jenjang_app::training::my_reaction(&cx, code).await?;
        let org = cx.organisation().await?;
        let title = org
            .catalog
            .program_by_code(&mine.cohort.program)
            .map(|p| org.catalog.program(p).title.clone())
            .unwrap_or_default();
        let labels = &ui.lang.messages()["reaction_questions"];
        let given = |q: &str| -> Option<u8> {
            match &failed {
                Some(f) => f.values[q].as_str().and_then(|v| v.parse().ok()),
                None => mine.answer.as_ref().and_then(|a| a.answers.get(q).copied()),
            }
        };
        Ok::<_, ApiError>(json!({
            "cohort": mine.cohort,
            "title": title,
            "may_answer": mine.may_answer,
            "answered": mine.answer.is_some(),
            "comment": mine.answer.as_ref().and_then(|a| a.comment.clone())
                .or_else(|| failed.as_ref().and_then(|f| f.values["comment"].as_str().map(str::to_string))),
            "questions": mine.questions.iter().map(|q| json!({
                "key": q,
                "label": labels[q.as_str()].as_str().unwrap_or(q),
                "options": (1..=5u8).map(|v| json!({"value": v, "checked": given(q) == Some(v)})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "failed": failed.as_ref().map(|f| json!({"form": f.form, "messages": f.messages})),
        }))
    }
    .await;
    ui.view(
        failed.is_some(),
        "angkatan_reaksi",
        &ui.lang.text("reaction_title"),
        data,
    )
}

/// Records the participant's reaction.
pub(super) async fn reaction_form(
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
    let mut body = json!({});
    for q in jenjang_core::training::REACTION_QUESTIONS {
        let text = field(q);
        let rating = text
            .parse::<i64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| super::unit::typed_number(&text));
        if !rating.is_null() {
            body[q] = rating;
        }
    }
    put_text(&mut body, "comment", &field("comment"));
    match jenjang_app::training::answer_reaction(&s.context(&user), &code, &body).await {
        Ok(_) => ui.redirect(&format!("/angkatan/{code}/reaksi?notice=reaction_saved")),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "reaction".into(),
                    messages,
                    values: posted.values(),
                };
                reaction_view_page(&s, &ui, &code, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// A program with the evidence for it: what it develops and requires, its cohorts, the level
/// change of those who passed against colleagues in the same positions, the reactions.
pub(super) async fn program_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let effect = jenjang_app::training::program_effect(&cx, &code).await?;
        let cohorts = jenjang_app::training::cohorts(&cx, None, Some(&code), None).await?;
        let org = cx.organisation().await?;
        let program = org
            .catalog
            .program_by_code(&code)
            .map(|p| org.catalog.program(p));
        let change = |v: Option<f64>| v.map(|x| format!("{x:+.2}"));
        Ok::<_, ApiError>(json!({
            "code": code,
            "title": program.map(|p| p.title.clone()).unwrap_or_default(),
            "form": program.map(|p| p.form.as_str()),
            "jp": program.map(|p| p.jp),
            "passed": effect.passed,
            "competencies": effect.competencies.iter().map(|c| {
                let name = org.catalog.competency(&c.competency)
                    .map(|i| org.catalog.competency_name(i).to_string())
                    .unwrap_or_default();
                json!({
                    "code": c.competency, "name": name,
                    "participants": c.participants, "participants_change": change(c.participants_change),
                    "comparison": c.comparison, "comparison_change": change(c.comparison_change),
                    "difference": change(c.difference),
                    "better": c.difference.is_some_and(|d| d > 0.0),
                })
            }).collect::<Vec<_>>(),
            "cohorts": cohorts,
            "reaction": reaction_view(&effect.reaction, ui.lang),
        }))
    }
    .await;
    ui.view(false, "program", &ui.lang.text("program_evidence"), data)
}
