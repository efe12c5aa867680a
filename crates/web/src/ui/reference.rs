//! Data Induk: HR's pages to list, create and edit the reference data — units, positions with
//! their competency standard, competencies with level descriptions and prerequisites, and
//! programs with what they develop and require. Each form is read by the same functions as the
//! API's body (`routes::reference::read_*`) and saved by the same use case
//! (`jenjang_app::reference`), so a page and an API client are refused alike.

#[allow(unused_imports)]
use super::*;
use crate::routes::reference::{read_competency, read_position, read_program, read_unit};
use jenjang_core::kinds::{CompetencyKind, PositionKind, ProgramForm};
use jenjang_core::reference::{Competency, Position, Program, Unit};
use jenjang_store::Paging;

/// Blank rows offered under a list (requirements, develops, ...) for new entries.
const BLANK_ROWS: usize = 3;
/// Records per page of a list.
const PAGE: u64 = 50;

/// The four kinds of reference data, by their Indonesian slug in addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RefKind {
    Unit,
    Jabatan,
    Kompetensi,
    Program,
}

impl RefKind {
    const ALL: [RefKind; 4] = [
        RefKind::Unit,
        RefKind::Jabatan,
        RefKind::Kompetensi,
        RefKind::Program,
    ];

    fn parse(slug: &str) -> Option<RefKind> {
        RefKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    fn slug(self) -> &'static str {
        match self {
            RefKind::Unit => "unit",
            RefKind::Jabatan => "jabatan",
            RefKind::Kompetensi => "kompetensi",
            RefKind::Program => "program",
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    jenis: Option<String>,
    offset: Option<u64>,
}

/// The caller, when they may write reference data (hr, admin); otherwise the answer to give.
fn keeper(ui: &Ui) -> Result<CurrentUser, Box<Response>> {
    let Some(user) = ui.user.clone() else {
        return Err(Box::new(ui.redirect("/masuk")));
    };
    if user
        .require(jenjang_core::access::Action::WriteReference)
        .is_err()
    {
        return Err(Box::new(ui.error(ApiError::Forbidden)));
    }
    Ok(user)
}

/// A list of one kind of reference data, fifty per page, each linking to its form.
pub(super) async fn reference_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<ListQuery>,
) -> Response {
    let user = match keeper(&ui) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some(kind) = RefKind::parse(q.jenis.as_deref().unwrap_or("unit")) else {
        return ui.error(ApiError::NotFound("jenis".into()));
    };
    let offset = q.offset.unwrap_or(0);
    let paging = Paging::new(Some(PAGE), Some(offset));
    let data = async {
        let cx = s.context(&user);
        let unit_names = cx.unit_names().await?;
        let org = cx.organisation().await?;
        let unit_label = |code: &str| {
            unit_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string())
        };
        let competency_name = |code: &str| {
            org.catalog
                .competency(code)
                .map(|c| org.catalog.competency_name(c).to_string())
                .unwrap_or_else(|| code.to_string())
        };
        let lang = ui.lang;
        let (rows, total): (Vec<Value>, u64) = match kind {
            RefKind::Unit => {
                let page = s.store.list_units(paging, None).await?;
                let rows = page
                    .items
                    .iter()
                    .map(|u| {
                        json!({
                            "code": u.code.as_str(), "name": u.name,
                            "detail": u.parent.as_ref().map(|p| format!("{} {}", lang.text("parent_unit"), unit_label(p.as_str()))),
                        })
                    })
                    .collect();
                (rows, page.total)
            }
            RefKind::Jabatan => {
                let page = s.store.list_positions(paging, None).await?;
                let rows = page
                    .items
                    .iter()
                    .map(|p| {
                        let standard = p
                            .requirements
                            .iter()
                            .map(|r| format!("{} {}", competency_name(r.competency.as_str()), r.level.get()))
                            .collect::<Vec<_>>()
                            .join(", ");
                        json!({
                            "code": p.code.as_str(), "name": p.name,
                            "detail": format!("{} · {}", lang.messages()["position_kinds"][p.kind.as_str()].as_str().unwrap_or(p.kind.as_str()),
                                if standard.is_empty() { lang.text("no_requirements") } else { standard }),
                        })
                    })
                    .collect();
                (rows, page.total)
            }
            RefKind::Kompetensi => {
                let page = s.store.list_competencies(paging, None).await?;
                let rows = page
                    .items
                    .iter()
                    .map(|c| {
                        json!({
                            "code": c.code.as_str(), "name": c.name,
                            "detail": lang.messages()["competency_kinds"][c.kind.as_str()].as_str().unwrap_or(c.kind.as_str()),
                        })
                    })
                    .collect();
                (rows, page.total)
            }
            RefKind::Program => {
                let page = s.store.list_programs(paging, None).await?;
                let rows = page
                    .items
                    .iter()
                    .map(|p| {
                        json!({
                            "code": p.code.as_str(), "name": p.title,
                            "detail": format!("{} · {} JP · {}",
                                lang.messages()["program_forms"][p.form.as_str()].as_str().unwrap_or(p.form.as_str()),
                                p.jp, rupiah_text(p.cost_idr)),
                        })
                    })
                    .collect();
                (rows, page.total)
            }
        };
        let tabs: Vec<Value> = RefKind::ALL
            .iter()
            .map(|k| json!({"slug": k.slug(), "label": lang.text(&format!("ref_{}", k.slug())), "current": *k == kind}))
            .collect();
        Ok::<_, ApiError>(json!({
            "kind": kind.slug(),
            "kind_label": lang.text(&format!("ref_{}", kind.slug())),
            "tabs": tabs,
            "rows": rows,
            "total": total,
            "first": if total == 0 { 0 } else { offset + 1 },
            "last": (offset + PAGE).min(total),
            "prev": (offset > 0).then(|| format!("/data-induk?jenis={}&offset={}", kind.slug(), offset.saturating_sub(PAGE))),
            "next": (offset + PAGE < total).then(|| format!("/data-induk?jenis={}&offset={}", kind.slug(), offset + PAGE)),
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "data_induk",
            &ui.lang.text("nav_reference"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

/// The form of a new record of `jenis`.
pub(super) async fn reference_new(
    State(s): State<AppState>,
    ui: Ui,
    Path(jenis): Path<String>,
) -> Response {
    let user = match keeper(&ui) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some(kind) = RefKind::parse(&jenis) else {
        return ui.error(ApiError::NotFound(jenis));
    };
    form_view(&s, &ui, &user, kind, None, json!({}), Vec::new()).await
}

/// The form of record `code` of `jenis`, filled with what is stored.
pub(super) async fn reference_edit(
    State(s): State<AppState>,
    ui: Ui,
    Path((jenis, code)): Path<(String, String)>,
) -> Response {
    let user = match keeper(&ui) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some(kind) = RefKind::parse(&jenis) else {
        return ui.error(ApiError::NotFound(jenis));
    };
    let cx = s.context(&user);
    let record = match kind {
        RefKind::Unit => jenjang_app::reference::get::<Unit>(&cx, &code)
            .await
            .and_then(|r| {
                serde_json::to_value(r).map_err(|e| jenjang_app::AppError::Internal(e.into()))
            }),
        RefKind::Jabatan => jenjang_app::reference::get::<Position>(&cx, &code)
            .await
            .and_then(|r| {
                serde_json::to_value(r).map_err(|e| jenjang_app::AppError::Internal(e.into()))
            }),
        RefKind::Kompetensi => jenjang_app::reference::get::<Competency>(&cx, &code)
            .await
            .and_then(|r| {
                serde_json::to_value(r).map_err(|e| jenjang_app::AppError::Internal(e.into()))
            }),
        RefKind::Program => jenjang_app::reference::get::<Program>(&cx, &code)
            .await
            .and_then(|r| {
                serde_json::to_value(r).map_err(|e| jenjang_app::AppError::Internal(e.into()))
            }),
    };
    match record {
        Ok(record) => form_view(&s, &ui, &user, kind, Some(&code), record, Vec::new()).await,
        Err(e) => ui.error(e.into()),
    }
}

/// The form, filled with `record` (stored, or as typed when it was refused with `problems`).
async fn form_view(
    s: &AppState,
    ui: &Ui,
    user: &CurrentUser,
    kind: RefKind,
    code: Option<&str>,
    record: Value,
    problems: Vec<String>,
) -> Response {
    let lang = ui.lang;
    let data = async {
        let cx = s.context(user);
        let org = cx.organisation().await?;
        let competencies: Vec<Value> = (0..org.catalog.competency_count() as u32)
            .map(|c| json!({"code": org.catalog.competency_code(c), "name": org.catalog.competency_name(c)}))
            .collect();
        let unit_names = cx.unit_names().await?;
        // A list to pick a unit from, while it is short enough to send with the page.
        let units: Vec<Value> = if unit_names.len() <= 500 {
            let mut units: Vec<(&String, &String)> = unit_names.iter().collect();
            units.sort();
            units
                .into_iter()
                .map(|(code, name)| json!({"code": code, "name": name}))
                .collect()
        } else {
            Vec::new()
        };
        let options = |all: &[&str], group: &str| -> Vec<Value> {
            all.iter()
                .map(|v| json!({"value": v, "label": lang.messages()[group][*v].as_str().unwrap_or(v)}))
                .collect()
        };
        let position_kinds: Vec<&str> = PositionKind::ALL.iter().map(|k| k.as_str()).collect();
        let competency_kinds: Vec<&str> =
            CompetencyKind::ALL.iter().map(|k| k.as_str()).collect();
        let program_forms: Vec<&str> = ProgramForm::ALL.iter().map(|k| k.as_str()).collect();
        let mut record = record;
        // Each list with blank rows to add to.
        for (list, blank) in [
            ("requirements", json!({"competency": "", "level": ""})),
            ("develops", json!({"competency": "", "to_level": ""})),
            ("requires", json!({"competency": "", "level": ""})),
            ("prerequisites", json!({"for_level": "", "competency": "", "level": ""})),
        ] {
            let mut rows = record[list].as_array().cloned().unwrap_or_default();
            rows.extend(std::iter::repeat_n(blank, BLANK_ROWS));
            record[list] = Value::Array(rows);
        }
        // The five level descriptions, in order, whatever was stored.
        let levels: Vec<Value> = (1..=5)
            .map(|l| {
                let text = record["levels"]
                    .as_array()
                    .and_then(|ls| ls.iter().find(|d| d["level"] == json!(l)))
                    .and_then(|d| d["description"].as_str())
                    .unwrap_or("");
                json!({"level": l, "description": text})
            })
            .collect();
        let title = match code {
            Some(c) => format!("{} {c}", lang.text(&format!("ref_{}", kind.slug()))),
            None => format!("{} — {}", lang.text(&format!("ref_{}", kind.slug())), lang.text("ref_new")),
        };
        Ok::<_, ApiError>((
            title,
            json!({
                "kind": kind.slug(),
                "is_unit": kind == RefKind::Unit,
                "is_position": kind == RefKind::Jabatan,
                "is_competency": kind == RefKind::Kompetensi,
                "is_program": kind == RefKind::Program,
                "code": code,
                "action": match code {
                    Some(c) => format!("/data-induk/{}/{c}", kind.slug()),
                    None => format!("/data-induk/{}", kind.slug()),
                },
                "r": record,
                "level_texts": levels,
                "competencies": competencies,
                "units": units,
                "level_choices": [1, 2, 3, 4, 5],
                "position_kinds": options(&position_kinds, "position_kinds"),
                "competency_kinds": options(&competency_kinds, "competency_kinds"),
                "program_forms": options(&program_forms, "program_forms"),
                "failed": (!problems.is_empty()).then(|| json!({"messages": problems})),
            }),
        ))
    }
    .await;
    let status = if problems_status(&data) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match data {
        Ok((title, data)) => ui.render(status, "data_induk_form", &title, data),
        Err(e) => ui.error(e),
    }
}

fn problems_status(data: &Result<(String, Value), ApiError>) -> bool {
    data.as_ref().is_ok_and(|(_, d)| !d["failed"].is_null())
}

/// What the reference forms read besides `Posted::one`/`all`.
trait ReferenceFields {
    fn text(&self, body: &mut Value, key: &str, name: &str);
    fn number(&self, body: &mut Value, key: &str, name: &str);
    fn rows(&self, list: &str, parts: &[&str], first: &str) -> Vec<Value>;
}

impl ReferenceFields for Posted {
    /// Sets `key` to the text of field `name` when it is not blank.
    fn text(&self, body: &mut Value, key: &str, name: &str) {
        put_text(body, key, &self.one(name));
    }

    /// Sets `key` to the whole number typed in `name` (`2.000.000`, `Rp 2.000.000` and
    /// `2 000 000` are two million); text that is no number is passed on to be refused.
    fn number(&self, body: &mut Value, key: &str, name: &str) {
        let typed = self.one(name);
        if typed.is_empty() {
            return;
        }
        body[key] = number_value(&typed);
    }

    /// Rows of a list from repeated fields (`<list>_<part>`), blank rows left out.
    fn rows(&self, list: &str, parts: &[&str], first: &str) -> Vec<Value> {
        let columns: Vec<Vec<String>> = parts
            .iter()
            .map(|p| self.all(&format!("{list}_{p}")))
            .collect();
        let count = columns.iter().map(Vec::len).max().unwrap_or(0);
        (0..count)
            .filter(|i| {
                let at = parts.iter().position(|p| *p == first).unwrap_or(0);
                columns[at].get(*i).is_some_and(|v| !v.is_empty())
            })
            .map(|i| {
                let mut row = json!({});
                for (p, column) in parts.iter().zip(&columns) {
                    let value = column.get(i).cloned().unwrap_or_default();
                    row[*p] = if p.contains("level") {
                        number_value(&value)
                    } else {
                        json!(value)
                    };
                }
                row
            })
            .collect()
    }
}

fn number_value(typed: &str) -> Value {
    let digits: String = typed
        .trim()
        .trim_start_matches("Rp")
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
        .collect();
    match digits.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(typed),
    }
}

/// The API's body of a record of `kind` from its form.
fn body_of(kind: RefKind, f: &Posted) -> Value {
    let mut body = json!({});
    f.text(&mut body, "code", "code");
    match kind {
        RefKind::Unit => {
            f.text(&mut body, "name", "name");
            f.text(&mut body, "parent", "parent");
            f.text(&mut body, "head_nip", "head_nip");
        }
        RefKind::Jabatan => {
            f.text(&mut body, "name", "name");
            f.text(&mut body, "kind", "kind");
            f.text(&mut body, "unit", "unit");
            f.text(&mut body, "min_golongan", "min_golongan");
            body["requirements"] =
                json!(f.rows("requirements", &["competency", "level"], "competency"));
        }
        RefKind::Kompetensi => {
            f.text(&mut body, "name", "name");
            f.text(&mut body, "kind", "kind");
            f.text(&mut body, "description", "description");
            let levels: Vec<Value> = (1..=5)
                .filter_map(|l| {
                    let text = f.one(&format!("level_{l}"));
                    (!text.is_empty()).then(|| json!({"level": l, "description": text}))
                })
                .collect();
            body["levels"] = json!(levels);
            body["prerequisites"] = json!(f.rows(
                "prerequisites",
                &["for_level", "competency", "level"],
                "competency"
            ));
        }
        RefKind::Program => {
            f.text(&mut body, "title", "title");
            f.text(&mut body, "form", "form");
            f.number(&mut body, "jp", "jp");
            f.number(&mut body, "cost_idr", "cost_idr");
            f.text(&mut body, "provider", "provider");
            f.number(&mut body, "capacity", "capacity");
            f.number(&mut body, "duration_days", "duration_days");
            body["develops"] = json!(f.rows("develops", &["competency", "to_level"], "competency"));
            body["requires"] = json!(f.rows("requires", &["competency", "level"], "competency"));
        }
    }
    body
}

/// Creates a record of `jenis` from its form.
pub(super) async fn reference_create(
    State(s): State<AppState>,
    ui: Ui,
    Path(jenis): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save_form(&s, &ui, &jenis, None, Posted(form)).await
}

/// Saves record `code` of `jenis` from its form.
pub(super) async fn reference_update(
    State(s): State<AppState>,
    ui: Ui,
    Path((jenis, code)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    save_form(&s, &ui, &jenis, Some(&code), Posted(form)).await
}

async fn save_form(
    s: &AppState,
    ui: &Ui,
    jenis: &str,
    code: Option<&str>,
    form: Posted,
) -> Response {
    let user = match ui.form_user(&form.one("csrf")) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some(kind) = RefKind::parse(jenis) else {
        return ui.error(ApiError::NotFound(jenis.to_string()));
    };
    let body = body_of(kind, &form);
    let cx = s.context(&user);
    use jenjang_app::reference::{create, update};
    let done = match (kind, code) {
        (RefKind::Unit, None) => create(&cx, read_unit(&body, None))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Unit, Some(c)) => update(&cx, c, read_unit(&body, Some(c)))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Jabatan, None) => create(&cx, read_position(&body, None))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Jabatan, Some(c)) => update(&cx, c, read_position(&body, Some(c)))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Kompetensi, None) => create(&cx, read_competency(&body, None))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Kompetensi, Some(c)) => update(&cx, c, read_competency(&body, Some(c)))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Program, None) => create(&cx, read_program(&body, None))
            .await
            .map(|r| r.code.to_string()),
        (RefKind::Program, Some(c)) => update(&cx, c, read_program(&body, Some(c)))
            .await
            .map(|r| r.code.to_string()),
    };
    match done {
        Ok(saved) => ui.redirect(&format!(
            "/data-induk/{}/{saved}?notice=reference_saved",
            kind.slug()
        )),
        Err(e) => {
            let problems = match &e {
                jenjang_app::AppError::Conflict(_) => Some(vec![format!(
                    "{}: {}",
                    ui.lang.text("code"),
                    ui.lang.text("problem_code_taken")
                )]),
                other => refusal(other, ui.lang),
            };
            match problems {
                Some(problems) => form_view(s, ui, &user, kind, code, body, problems).await,
                None => ui.error(e.into()),
            }
        }
    }
}
