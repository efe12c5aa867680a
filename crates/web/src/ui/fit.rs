//! Position fit and succession on the pages: a position with its incumbents, requirements and
//! ranked candidates (JPM bars, eligibility as reasons, gaps and programs), and the succession
//! board of the critical positions, those at risk first. For hr and admin, and for unit heads
//! within the units they lead.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct FitQuery {
    pub unit: Option<String>,
}

fn jpm_bar(jpm: f64, optimal: bool) -> String {
    bar(
        &[(jpm / 100.0, if optimal { "#2e7d32" } else { "#1f6fb2" })],
        Some(0.9),
        &format!("JPM {jpm:.1}%"),
    )
}

/// A position and its candidates.
pub(super) async fn position_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Params(q): Params<FitQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let unit = q.unit.as_deref().filter(|u| !u.is_empty());
        let out = jenjang_app::fit::candidates(&cx, &code, unit, 20).await?;
        let position = s.store.get_position(&code).await?;
        let org = cx.organisation().await?;
        let t = ui.lang.messages();
        let name_of = |c: &str| {
            org.catalog
                .competency(c)
                .map(|i| org.catalog.competency_name(i).to_string())
                .unwrap_or_default()
        };
        let directory = cx.directory().await?;
        let incumbents: Vec<Value> = s
            .store
            .holders_of(&code)
            .await?
            .into_iter()
            .map(|nip| json!({"name": directory.get(&nip).map(|d| d.0.clone()), "nip": nip}))
            .collect();
        let critical = s
            .store
            .critical_positions()
            .await?
            .iter()
            .any(|(c, _, _)| *c == code);
        Ok::<_, ApiError>(json!({
            "code": code,
            "critical": critical,
            "name": position.name,
            "kind": t["position_kinds"][position.kind.as_str()],
            "min_golongan": position.min_golongan.map(|g| g.to_string()),
            "unit": unit,
            "considered": out.considered,
            "requirements": position.requirements.iter().map(|r| json!({
                "code": r.competency.as_str(), "name": name_of(r.competency.as_str()), "level": r.level.get(),
            })).collect::<Vec<_>>(),
            "incumbents": incumbents,
            "candidates": out.items.iter().enumerate().map(|(i, c)| json!({
                "rank": i + 1,
                "nip": c.nip, "name": c.name, "unit": c.unit,
                "jpm": format!("{:.1}", c.jpm),
                "chart": jpm_bar(c.jpm, c.category == jenjang_core::fit::JpmCategory::Optimal),
                "category": t["jpm_categories"][c.category.as_str()],
                "talent_box": c.talent_box,
                "predikat": c.predikat.as_deref().map(|p| t["predikat_labels"][p].clone()),
                "golongan": c.golongan.map(|g| g.to_string()),
                "eligible": c.eligible,
                "reasons": c.ineligible.iter().map(|r| t["ineligible_reasons"][r.as_str()].clone()).collect::<Vec<_>>(),
                "gaps": c.gaps.iter().map(|g| json!({"name": name_of(&g.competency), "code": g.competency, "current": g.current, "required": g.required})).collect::<Vec<_>>(),
                "programs": c.programs.iter().map(|p| json!({"code": p.program, "title": p.title, "jp": p.jp})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))
    }
    .await;
    ui.view(false, "jabatan", &ui.lang.text("nav_succession"), data)
}

/// The succession board.
pub(super) async fn succession_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<FitQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let unit = q.unit.as_deref().filter(|u| !u.is_empty());
        let pools = jenjang_app::fit::succession(&cx, unit).await?;
        let t = ui.lang.messages();
        let directory = cx.directory().await?;
        Ok::<_, ApiError>(json!({
            "unit": unit,
            "pools": pools.iter().map(|p| {
                let by = |r: jenjang_core::fit::Readiness| p.successors.iter().filter(|s| s.readiness == r).map(|s| json!({
                    "nip": s.nip, "name": s.name, "jpm": format!("{:.1}", s.jpm), "talent_box": s.talent_box, "programs_jp": s.programs_jp,
                })).collect::<Vec<_>>();
                json!({
                    "position": p.position, "name": p.name, "ready": p.ready, "at_risk": p.at_risk,
                    "incumbents": p.incumbents.iter().map(|n| json!({"nip": n, "name": directory.get(n).map(|d| d.0.clone())})).collect::<Vec<_>>(),
                    "now": by(jenjang_core::fit::Readiness::SiapSekarang),
                    "soon": by(jenjang_core::fit::Readiness::Siap12Tahun),
                    "later": by(jenjang_core::fit::Readiness::PerluPengembangan),
                })
            }).collect::<Vec<_>>(),
            "readiness": t["readiness_labels"].clone(),
        }))
    }
    .await;
    ui.view(false, "suksesi", &ui.lang.text("nav_succession"), data)
}

/// Marks the position critical or not (hr, admin): `critical` = `1` or `0`.
pub(super) async fn critical_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let user = match ui.form_user(&posted.one("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let critical = posted.one("critical") == "1";
    match jenjang_app::fit::set_critical(&s.context(&user), &code, critical).await {
        Ok(_) => ui.redirect(&format!("/jabatan/{code}?notice=critical_saved")),
        Err(e) => ui.error(e.into()),
    }
}
