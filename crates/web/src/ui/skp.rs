//! SKP: the employee's planned results (RHK) and indicators (IKI) of a year with the leader's
//! BerAKHLAK expectations, its lifecycle (submit, approve or return), and the realisations of a
//! period with evidence, the supervisor's feedback and the proposed hasil kerja. `/skp` is
//! one's own, `/skp/{nip}` a report's (or, for hr and leaders, anyone they may read). Every
//! form goes through the same use cases as the API.

#[allow(unused_imports)]
use super::*;
use jenjang_core::access::{Action, authorize};
use jenjang_core::period::Period;
use jenjang_core::skp::{SkpStatus, Step};
use jenjang_store::skp::{SkpRecord, Supports};

#[derive(Deserialize, Default)]
pub(super) struct SkpQuery {
    tahun: Option<i32>,
    versi: Option<i32>,
    periode: Option<String>,
}

/// Extra empty rows the edit form offers to add an RHK, and an IKI per RHK.
const NEW_RHK_ROWS: usize = 2;
const NEW_IKI_ROWS: usize = 1;

pub(super) async fn my_skp(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<SkpQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let Some(nip) = user.0.nip.as_ref().map(|n| n.to_string()) else {
        return ui.error(ApiError::NotFound("this account has no employee".into()));
    };
    skp_view(&s, &ui, &nip, q, None).await
}

pub(super) async fn skp_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Params(q): Params<SkpQuery>,
) -> Response {
    skp_view(&s, &ui, &nip, q, None).await
}

fn failed_json(failed: Option<&FailedForm>, form: &str) -> Value {
    json!(
        failed
            .filter(|f| f.form == form)
            .map(|f| json!({"messages": f.messages, "values": f.values}))
    )
}

async fn skp_view(
    s: &AppState,
    ui: &Ui,
    nip: &str,
    q: SkpQuery,
    failed: Option<FailedForm>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let t = lang.messages();
    let data = async {
        let cx = s.context(&user);
        let today = s.store.today().await?;
        let this_year = today.year();
        let year = q.tahun.unwrap_or(this_year);
        let skp = match jenjang_app::skp::get(&cx, nip, year, q.versi).await {
            Ok(skp) => Some(skp),
            Err(jenjang_app::AppError::NotFound(_)) => None,
            Err(e) => return Err(ApiError::from(e)),
        };
        let employee = s.store.get_employee(nip).await?;
        let relation = s.store.relation(user.0.nip.as_ref(), nip).await?;
        let may = |a: Action| authorize(&user.0, a).is_ok();
        let may_write = may(Action::WriteSkp(relation));
        let may_decide = may(Action::DecideSkp(relation));
        let gives_feedback = may(Action::GiveIkiFeedback(relation));
        let may_realise = may(Action::RealiseIki(relation));
        // What an RHK may support: the direct supervisor's RHK of the year, the IKU of the
        // employee's unit and the units above it.
        let leader = match &employee.supervisor_nip {
            Some(sup) => s.store.skp(sup.as_str(), year, None).await?,
            None => None,
        };
        let org = cx.organisation().await?;
        let own_unit = org.units.index(employee.unit.as_str());
        let iku: Vec<_> = s
            .store
            .indicators_of_year(year)
            .await?
            .into_iter()
            .filter(|i| match (org.units.index(&i.unit), own_unit) {
                (Some(u), Some(own)) => org.units.within(own, u),
                _ => false,
            })
            .collect();
        let supports_label = |sup: &Option<Supports>| -> Value {
            match sup {
                Some(Supports::Rhk(id)) => {
                    let text = leader
                        .as_ref()
                        .and_then(|l| l.rhk.iter().find(|r| r.id == *id))
                        .map(|r| r.text.clone())
                        .unwrap_or_else(|| format!("RHK {id}"));
                    json!(format!("{}: {text}", t["skp_supports_rhk"].as_str().unwrap_or("")))
                }
                Some(Supports::Indicator(id)) => {
                    let text = iku
                        .iter()
                        .find(|i| i.id == *id)
                        .map(|i| format!("{} ({})", i.name, i.code))
                        .unwrap_or_else(|| format!("IKU {id}"));
                    json!(format!("{}: {text}", t["skp_supports_iku"].as_str().unwrap_or("")))
                }
                None => Value::Null,
            }
        };
        let mut options: Vec<Value> = vec![json!({"value": "", "label": t["skp_supports_none"]})];
        if let Some(l) = &leader {
            for r in &l.rhk {
                options.push(json!({"value": format!("rhk:{}", r.id),
                    "label": format!("{}: {}", t["skp_supports_rhk"].as_str().unwrap_or(""), r.text)}));
            }
        }
        for i in &iku {
            options.push(json!({"value": format!("indicator:{}", i.id),
                "label": format!("{}: {} ({})", t["skp_supports_iku"].as_str().unwrap_or(""), i.name, i.code)}));
        }
        let view = skp.as_ref().map(|k| skp_json(k, lang, &supports_label));
        // The edit form: the latest version's rows (or what was typed), with empty rows to add.
        let editable = may_write
            && skp
                .as_ref()
                .is_none_or(|k| k.status != SkpStatus::Submitted && k.versions.last().map(|v| v.version) == Some(k.version));
        let edit = editable.then(|| edit_rows(skp.as_ref(), failed.as_ref(), &options, lang));
        // The realisations of a period, from the approved version that judges it.
        let quarter = format!("{year}-Q{}", if year == this_year { today.month0() / 3 + 1 } else { 4 });
        let period_text = q.periode.clone().unwrap_or(quarter);
        let period = Period::parse(&period_text).unwrap_or_else(|_| Period::parse(&format!("{year}-Q1")).expect("a quarter"));
        let performance = if skp.as_ref().is_some_and(|k| k.versions.iter().any(|v| v.status == SkpStatus::Approved)) {
            Some(jenjang_app::skp::performance(&cx, nip, &period).await?)
        } else {
            None
        };
        let performance = performance.map(|p| {
            let thresholds_hint = t["skp_proposed_hint"]
                .as_str()
                .unwrap_or("")
                .replace("{di_atas}", &number_text(p.thresholds.di_atas, lang == Lang::En))
                .replace("{sesuai}", &number_text(p.thresholds.sesuai, lang == Lang::En));
            json!({
                "version": p.skp_version,
                "proposed": p.proposed_hasil_kerja.map(|e| t["ekspektasi_labels"][e.as_str()].clone()),
                "hint": thresholds_hint,
                "decided": p.proposal_kept.as_ref().map(|k| json!({
                    "proposed": k.proposed.as_ref().map(|e| t["ekspektasi_labels"][e.as_str()].clone()),
                    "decided": t["ekspektasi_labels"][k.decided.as_str()].clone(),
                })),
                "evaluation": p.evaluation.as_ref().map(|e| json!({"predikat": e.predikat})),
                "iki": p.iki.iter().map(|i| json!({
                    "id": i.id,
                    "rhk_kind": t["rhk_kinds"][i.rhk_kind.as_str()],
                    "rhk_text": i.rhk_text,
                    "text": i.text,
                    "aspect": t["aspects"][i.aspect.as_str()],
                    "target": i.target,
                    "unit": i.unit_of_measure,
                    "direction": t["directions"][i.direction.as_str()],
                    "realisation": i.realisation,
                    "has_realisation": i.realisation.is_some(),
                    "capaian": i.capaian,
                    "has_capaian": i.capaian.is_some(),
                    "below": i.below_target,
                    "evidence": i.evidence,
                    "feedback": i.feedback,
                    "failed": failed_json(failed.as_ref(), &format!("iki-{}", i.id)),
                })).collect::<Vec<_>>(),
            })
        });
        let periods: Vec<Value> = (1..=4)
            .map(|n| format!("{year}-Q{n}"))
            .chain(std::iter::once(year.to_string()))
            .map(|p| json!({"value": p, "selected": p == period.to_string()}))
            .collect();
        let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == nip);
        Ok::<_, ApiError>(json!({
            "nip": nip,
            "name": employee.name,
            "own": own,
            "base": if own { "/skp".to_string() } else { format!("/skp/{nip}") },
            "year": year,
            "years": [this_year + 1, this_year, this_year - 1],
            "skp": view,
            "edit": edit,
            "may_submit": may_write && skp.as_ref().is_some_and(|k| k.status == SkpStatus::Draft),
            "may_decide": may_decide && skp.as_ref().is_some_and(|k| k.status == SkpStatus::Submitted),
            "waiting": skp.as_ref().is_some_and(|k| k.status == SkpStatus::Submitted),
            "performance": performance,
            "may_realise": may_realise,
            "gives_feedback": gives_feedback,
            "period": period.to_string(),
            "periods": periods,
            "evaluates": may(Action::EvaluateEmployee(relation)) && !own,
            "step_failed": failed_json(failed.as_ref(), "step"),
        }))
    }
    .await;
    ui.view(failed.is_some(), "skp", &lang.text("nav_skp"), data)
}

fn skp_json(k: &SkpRecord, lang: Lang, supports: &dyn Fn(&Option<Supports>) -> Value) -> Value {
    let t = lang.messages();
    json!({
        "version": k.version,
        "status": k.status,
        "status_label": t["skp_statuses"][k.status.as_str()],
        "approach": t["approaches"][k.approach.as_str()],
        "rejection_reason": k.rejection_reason,
        "decided_by": k.decided_by,
        "versions": k.versions.iter().map(|v| json!({
            "version": v.version,
            "status": t["skp_statuses"][v.status.as_str()],
            "current": v.version == k.version,
        })).collect::<Vec<_>>(),
        "rhk": k.rhk.iter().map(|r| json!({
            "id": r.id,
            "kind": t["rhk_kinds"][r.kind.as_str()],
            "text": r.text,
            "supports": supports(&r.supports),
            "iki": r.iki.iter().map(|i| json!({
                "id": i.id,
                "aspect": t["aspects"][i.aspect.as_str()],
                "text": i.text,
                "target": i.target,
                "unit": i.unit_of_measure,
                "direction": t["directions"][i.direction.as_str()],
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "behaviour": k.behaviour.iter().map(|b| json!({
            "value": t["berakhlak"][b.value.as_str()],
            "expectation": b.expectation,
        })).collect::<Vec<_>>(),
    })
}

/// The rows of the edit form: what was typed when a save was refused, else the SKP's.
fn edit_rows(
    skp: Option<&SkpRecord>,
    failed: Option<&FailedForm>,
    options: &[Value],
    lang: Lang,
) -> Value {
    let t = lang.messages();
    let typed = failed.filter(|f| f.form == "edit").map(|f| &f.values);
    let mut rhk: Vec<Value> = match typed {
        Some(v) => v["rhk"].as_array().cloned().unwrap_or_default(),
        None => skp
            .map(|k| {
                k.rhk
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.id,
                            "kind": r.kind,
                            "text": r.text,
                            "supports": match r.supports {
                                Some(Supports::Rhk(id)) => format!("rhk:{id}"),
                                Some(Supports::Indicator(id)) => format!("indicator:{id}"),
                                None => String::new(),
                            },
                            "iki": r.iki.iter().map(|i| json!({
                                "id": i.id, "aspect": i.aspect, "text": i.text,
                                "target": number_text(i.target, lang == Lang::En),
                                "unit": i.unit_of_measure, "direction": i.direction,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    for _ in 0..NEW_RHK_ROWS {
        rhk.push(json!({"kind": "utama", "iki": []}));
    }
    let rhk: Vec<Value> = rhk
        .into_iter()
        .enumerate()
        .map(|(r, mut row)| {
            let mut iki = row["iki"].as_array().cloned().unwrap_or_default();
            for _ in 0..NEW_IKI_ROWS {
                iki.push(json!({"aspect": "kuantitas", "direction": "higher_is_better"}));
            }
            let chosen = row["supports"].as_str().unwrap_or("").to_string();
            row["n"] = json!(r);
            row["number"] = json!(r + 1);
            row["options"] = json!(
                options
                    .iter()
                    .map(|o| {
                        let mut o = o.clone();
                        o["selected"] = json!(o["value"].as_str() == Some(chosen.as_str()));
                        o
                    })
                    .collect::<Vec<_>>()
            );
            row["iki"] = json!(
                iki.into_iter()
                    .enumerate()
                    .map(|(i, mut x)| {
                        x["n"] = json!(i);
                        x
                    })
                    .collect::<Vec<_>>()
            );
            row
        })
        .collect();
    let stated: std::collections::HashMap<String, String> = match typed {
        Some(v) => v["behaviour"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        None => skp
            .map(|k| {
                k.behaviour
                    .iter()
                    .map(|b| (b.value.as_str().to_string(), b.expectation.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    json!({
        "new_version": skp.is_some_and(|k| k.status == SkpStatus::Approved),
        "approach": skp.map(|k| k.approach.as_str()).unwrap_or("kuantitatif"),
        "rhk": rhk,
        "behaviour": jenjang_core::dialog::Berakhlak::ALL.iter().map(|b| json!({
            "value": b.as_str(),
            "label": t["berakhlak"][b.as_str()],
            "expectation": stated.get(b.as_str()),
        })).collect::<Vec<_>>(),
        "failed": typed.map(|_| json!({"messages": failed.map(|f| f.messages.clone())})),
    })
}

/// The year a form is about: the one in the address, else this year.
async fn year_asked(s: &AppState, tahun: Option<i32>) -> Result<i32, ApiError> {
    Ok(match tahun {
        Some(y) => y,
        None => s.store.today().await?.year(),
    })
}

fn skp_redirect(own: bool, nip: &str, year: i32, notice: &str, anchor: &str) -> String {
    let base = if own {
        "/skp".to_string()
    } else {
        format!("/skp/{nip}")
    };
    format!("{base}?tahun={year}&notice={notice}#{anchor}")
}

/// Saves the SKP from the edit form: `rhk{r}_kind|text|supports|id`,
/// `rhk{r}_iki{i}_aspect|text|target|unit|direction|id`, `behaviour_{value}`.
pub(super) async fn skp_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Params(q): Params<SkpQuery>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let year = match year_asked(&s, q.tahun).await {
        Ok(y) => y,
        Err(e) => return ui.error(e),
    };
    let mut rhk = Vec::new();
    let mut typed_rhk = Vec::new();
    for r in 0..200 {
        let key = |k: &str| format!("rhk{r}_{k}");
        if posted.all(&key("kind")).is_empty() {
            break;
        }
        let mut iki = Vec::new();
        let mut typed_iki = Vec::new();
        for i in 0..100 {
            let ikey = |k: &str| format!("rhk{r}_iki{i}_{k}");
            if posted.all(&ikey("aspect")).is_empty() {
                break;
            }
            let typed = json!({
                "id": field(&ikey("id")), "aspect": field(&ikey("aspect")), "text": field(&ikey("text")),
                "target": field(&ikey("target")), "unit": field(&ikey("unit")), "direction": field(&ikey("direction")),
            });
            if field(&ikey("text")).trim().is_empty() && field(&ikey("target")).trim().is_empty() {
                continue;
            }
            typed_iki.push(typed);
            let mut body = json!({});
            for (k, name) in [
                ("aspect", "aspect"),
                ("text", "text"),
                ("unit_of_measure", "unit"),
                ("direction", "direction"),
            ] {
                put_text(&mut body, k, &field(&ikey(name)));
            }
            let target = super::unit::typed_number(&field(&ikey("target")));
            body["target"] = if target.is_null() && !field(&ikey("target")).trim().is_empty() {
                json!(field(&ikey("target")))
            } else {
                target
            };
            if let Ok(id) = field(&ikey("id")).parse::<i64>() {
                body["id"] = json!(id);
            }
            iki.push(body);
        }
        if field(&key("text")).trim().is_empty() && iki.is_empty() {
            continue;
        }
        let supports = field(&key("supports"));
        typed_rhk.push(json!({
            "id": field(&key("id")), "kind": field(&key("kind")), "text": field(&key("text")),
            "supports": supports, "iki": typed_iki,
        }));
        let mut body = json!({"iki": iki});
        put_text(&mut body, "kind", &field(&key("kind")));
        put_text(&mut body, "text", &field(&key("text")));
        if let Ok(id) = field(&key("id")).parse::<i64>() {
            body["id"] = json!(id);
        }
        body["supports"] = match supports.split_once(':') {
            Some(("rhk", id)) => json!({"rhk": id.parse::<i64>().unwrap_or(0)}),
            Some(("indicator", id)) => json!({"indicator": id.parse::<i64>().unwrap_or(0)}),
            _ => Value::Null,
        };
        rhk.push(body);
    }
    let mut behaviour = Vec::new();
    let mut typed_behaviour = serde_json::Map::new();
    for b in jenjang_core::dialog::Berakhlak::ALL {
        let text = field(&format!("behaviour_{}", b.as_str()));
        typed_behaviour.insert(b.as_str().to_string(), json!(text));
        if !text.trim().is_empty() {
            behaviour.push(json!({"value": b.as_str(), "expectation": text.trim()}));
        }
    }
    let body = json!({"approach": field("approach"), "rhk": rhk, "behaviour": behaviour});
    let cx = s.context(&user);
    let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == nip);
    match jenjang_app::skp::save(&cx, &nip, year, jenjang_app::skp::read_skp(&body)).await {
        Ok(_) => ui.redirect(&skp_redirect(own, &nip, year, "skp_saved", "rhk")),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "edit".into(),
                    messages,
                    values: json!({"rhk": typed_rhk, "behaviour": typed_behaviour}),
                };
                let q = SkpQuery {
                    tahun: Some(year),
                    ..Default::default()
                };
                skp_view(&s, &ui, &nip, q, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// Submits, approves or returns (with a reason) the latest version.
pub(super) async fn skp_step_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Params(q): Params<SkpQuery>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    let user = match ui.form_user(&field("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let year = match year_asked(&s, q.tahun).await {
        Ok(y) => y,
        Err(e) => return ui.error(e),
    };
    let (step, notice) = match field("step").as_str() {
        "submit" => (Step::Submit, "skp_submit"),
        "approve" => (Step::Approve, "skp_approve"),
        "reject" => (Step::Reject, "skp_reject"),
        _ => return ui.error(ApiError::invalid("step", "submit, approve or reject")),
    };
    let reason = Some(field("reason")).filter(|r| !r.trim().is_empty());
    let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == nip);
    match jenjang_app::skp::decide(&s.context(&user), &nip, year, step, reason).await {
        Ok(_) => ui.redirect(&skp_redirect(own, &nip, year, notice, "status")),
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: "step".into(),
                    messages,
                    values: json!({"reason": field("reason")}),
                };
                let q = SkpQuery {
                    tahun: Some(year),
                    ..Default::default()
                };
                skp_view(&s, &ui, &nip, q, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// Records a realisation from the page: the value, a link or a file, the supervisor's feedback.
pub(super) async fn iki_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    form: Multipart,
) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    let (mut body, upload) = match crate::routes::skp::read_multipart(form.0).await {
        Ok(read) => read,
        Err(e) => return ui.error(e),
    };
    let csrf = body
        .as_object_mut()
        .and_then(|m| m.remove("csrf"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let user = match ui.form_user(&csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let cx = s.context(&user);
    let iki = match s.store.iki(id).await {
        Ok(i) => i,
        Err(e) => return ui.error(e.into()),
    };
    let own = user.0.nip.as_ref().is_some_and(|n| n.as_str() == iki.nip);
    let period = body["period"].as_str().unwrap_or_default().to_string();
    match jenjang_app::skp::realise(&cx, id, &body, upload).await {
        Ok(_) => {
            s.engine_wake.notify_one();
            let base = if own {
                "/skp".to_string()
            } else {
                format!("/skp/{}", iki.nip)
            };
            ui.redirect(&format!(
                "{base}?tahun={}&periode={period}&notice=iki_recorded#realisasi",
                iki.year
            ))
        }
        Err(e) => match refusal(&e, ui.lang) {
            Some(messages) => {
                let failed = FailedForm {
                    form: format!("iki-{id}"),
                    messages,
                    values: body.clone(),
                };
                let q = SkpQuery {
                    tahun: Some(iki.year),
                    versi: None,
                    periode: Period::parse(&period).ok().map(|p| p.to_string()),
                };
                skp_view(&s, &ui, &iki.nip, q, Some(failed)).await
            }
            None => ui.error(e.into()),
        },
    }
}

/// A kept evidence file, for whoever may read its employee.
pub(super) async fn evidence_download(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    match jenjang_app::skp::evidence(&s.context(&user), id).await {
        Ok(file) => crate::routes::skp::evidence_response(file),
        Err(e) => ui.error(e.into()),
    }
}
