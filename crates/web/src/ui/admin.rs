//! Alur Kerja and Audit: the workflow definitions with their versions (a new version saved from
//! the page), the instances filtered by status, workflow and employee with their history and
//! a retry for incidents; and the append-only audit log filtered by record and account. For
//! hr and admin, by the same use cases as the API.

#[allow(unused_imports)]
use super::*;
use jenjang_app::workflows::InstanceQuery;
use jenjang_core::workflow::InstanceStatus;
use jenjang_store::{AuditFilter, Paging};

/// Rows per page of the instance list and the audit log.
const PAGE: u64 = 50;

/// The address of the same list with `offset` (the other filters kept).
fn page_href(base: &str, filters: &[(&str, Option<&str>)], offset: u64) -> String {
    let mut parts: Vec<String> = filters
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect();
    if offset > 0 {
        parts.push(format!("offset={offset}"));
    }
    if parts.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `first–last of total` with the neighbouring pages.
fn pager(base: &str, filters: &[(&str, Option<&str>)], offset: u64, total: u64) -> Value {
    json!({
        "first": if total == 0 { 0 } else { offset + 1 },
        "last": (offset + PAGE).min(total),
        "total": total,
        "prev": (offset > 0).then(|| page_href(base, filters, offset.saturating_sub(PAGE))),
        "next": (offset + PAGE < total).then(|| page_href(base, filters, offset + PAGE)),
    })
}

#[derive(Deserialize)]
pub(super) struct InstanceFilterQuery {
    status: Option<String>,
    workflow: Option<String>,
    nip: Option<String>,
    offset: Option<u64>,
}

/// Alur Kerja: the definitions and the instances.
pub(super) async fn workflows_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<InstanceFilterQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let data = async {
        let cx = s.context(&user);
        let definitions = jenjang_app::workflows::definitions(&cx).await?;
        let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<InstanceStatus>()
                    .map_err(|e| ApiError::invalid("status", e.to_string()))?,
            ),
            None => None,
        };
        let workflow = q.workflow.clone().filter(|w| !w.is_empty());
        let nip = q.nip.clone().map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let offset = q.offset.unwrap_or(0);
        let page = jenjang_app::workflows::instances(
            &cx,
            InstanceQuery {
                nip: nip.clone(),
                workflow: workflow.clone(),
                status,
            },
            Paging::new(Some(PAGE), Some(offset)),
        )
        .await?;
        let directory = cx.directory().await?;
        let titles: std::collections::HashMap<&str, &str> = definitions
            .iter()
            .map(|d| (d.key.as_str(), d.title.as_str()))
            .collect();
        let instances: Vec<Value> = page
            .items
            .iter()
            .map(|i| {
                let mut v = json!(i);
                v["title"] = json!(titles.get(i.workflow.as_str()));
                v["subject_name"] = json!(
                    i.subject_nip
                        .as_ref()
                        .and_then(|n| directory.get(n))
                        .map(|(name, _)| name)
                );
                v["status_label"] = lang.messages()["instance_statuses"][i.status.as_str()].clone();
                v["incident"] = json!(i.status == InstanceStatus::Incident);
                v["started_on"] = json!(i.started_at.date_naive().to_string());
                v
            })
            .collect();
        let filters = [
            ("status", q.status.as_deref()),
            ("workflow", workflow.as_deref()),
            ("nip", nip.as_deref()),
        ];
        let statuses: Vec<Value> = InstanceStatus::ALL
            .iter()
            .map(|st| json!({"value": st.as_str(), "label": lang.messages()["instance_statuses"][st.as_str()], "selected": Some(*st) == status}))
            .collect();
        let defs: Vec<Value> = definitions
            .iter()
            .map(|d| json!({"key": d.key, "title": d.title, "version": d.version,
                "created_on": d.created_at.date_naive().to_string(), "created_by": d.created_by,
                "selected": Some(&d.key) == workflow.as_ref()}))
            .collect();
        Ok::<_, ApiError>(json!({
            "definitions": defs,
            "instances": instances,
            "statuses": statuses,
            "nip": nip,
            "pager": pager("/alur-kerja", &filters, offset, page.total),
            "may_manage": user.require(jenjang_core::access::Action::ManageWorkflows).is_ok(),
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "alur_kerja",
            &lang.text("nav_workflows"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

/// One instance with its history.
pub(super) async fn instance_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let data = async {
        let cx = s.context(&user);
        let instance = jenjang_app::workflows::instance(&cx, id).await?;
        let directory = cx.directory().await?;
        let mut v = json!(instance);
        v["subject_name"] = json!(
            instance
                .subject_nip
                .as_ref()
                .and_then(|n| directory.get(n))
                .map(|(name, _)| name)
        );
        v["status_label"] = lang.messages()["instance_statuses"][instance.status.as_str()].clone();
        v["incident"] = json!(instance.status == InstanceStatus::Incident);
        Ok::<_, ApiError>(json!({
            "instance": v,
            "may_manage": user.require(jenjang_core::access::Action::ManageWorkflows).is_ok(),
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "alur_kerja_instans",
            &format!("{} #{id}", lang.text("nav_workflows")),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Runs an incident's failed step again, back to the instance's page.
pub(super) async fn instance_retry_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    match jenjang_app::workflows::retry(&s.context(&user), id).await {
        Ok(_) => ui.redirect(&format!("/alur-kerja/instans/{id}?notice=incident_retried")),
        Err(e) => ui.error(e.into()),
    }
}

/// A definition: its versions, and the latest as JSON to save a new version from.
pub(super) async fn definition_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(key): Path<String>,
) -> Response {
    definition_view(&s, &ui, &key, None).await
}

async fn definition_view(s: &AppState, ui: &Ui, key: &str, failed: Option<FailedForm>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let cx = s.context(&user);
        let versions = jenjang_app::workflows::definition_versions(&cx, key).await?;
        let Some(latest) = versions.first() else {
            return Err(ApiError::NotFound(format!("workflow {key}")));
        };
        let text = serde_json::to_string_pretty(&latest.definition)
            .map_err(|e| ApiError::Internal(e.into()))?;
        let versions: Vec<Value> = versions
            .iter()
            .map(|v| json!({"version": v.version, "title": v.title, "created_on": v.created_at.date_naive().to_string(), "created_by": v.created_by}))
            .collect();
        Ok::<_, ApiError>(json!({
            "key": key,
            "title": latest.title,
            "versions": versions,
            "definition": failed.as_ref().and_then(|f| f.values["definition"].as_str().map(str::to_string)).unwrap_or(text),
            "may_manage": user.require(jenjang_core::access::Action::ManageWorkflows).is_ok(),
            "failed": failed.as_ref().map(|f| json!({"messages": f.messages})),
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
            let title = data["title"].as_str().unwrap_or(key).to_string();
            ui.render(status, "alur_kerja_definisi", &title, data)
        }
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct DefinitionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    definition: String,
}

/// Saves the definition typed on the page as a new version (its key must stay the page's).
pub(super) async fn definition_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(key): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let lang = ui.lang;
    let refused = |messages: Vec<String>| FailedForm {
        form: "definition".into(),
        messages,
        values: json!({"definition": form.definition}),
    };
    let raw: Value = match serde_json::from_str(&form.definition) {
        Ok(v) => v,
        Err(e) => {
            let message = lang
                .text("definition_not_json")
                .replace("{line}", &e.line().to_string())
                .replace("{column}", &e.column().to_string());
            return definition_view(&s, &ui, &key, Some(refused(vec![message]))).await;
        }
    };
    if raw["key"].as_str() != Some(key.as_str()) {
        let message = lang.text("definition_key_changed").replace("{key}", &key);
        return definition_view(&s, &ui, &key, Some(refused(vec![message]))).await;
    }
    match jenjang_app::workflows::save_definition(&s.context(&user), &raw).await {
        Ok(saved) => ui.redirect(&format!(
            "/alur-kerja/definisi/{}?notice=definition_saved",
            saved.key
        )),
        Err(e) => match refusal(&e, lang) {
            // The workflow language's own problems are technical: said under an Indonesian
            // heading with the part of the definition each concerns.
            Some(mut messages) => {
                messages.insert(0, lang.text("definition_refused"));
                definition_view(&s, &ui, &key, Some(refused(messages))).await
            }
            None => ui.error(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    entity: Option<String>,
    key: Option<String>,
    actor: Option<String>,
    offset: Option<u64>,
}

/// The entities the audit log names, in the order the filter offers them.
const AUDIT_ENTITIES: [&str; 16] = [
    "unit",
    "position",
    "competency",
    "program",
    "employee",
    "competency_levels",
    "evaluation",
    "plan",
    "plan_item",
    "org_need",
    "ikm",
    "campaign",
    "workflow",
    "workflow_instance",
    "task",
    "user",
];

/// The audit log, newest first, filtered by record and account.
pub(super) async fn audit_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<AuditQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let clean = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let (entity, key, actor) = (clean(&q.entity), clean(&q.key), clean(&q.actor));
    let offset = q.offset.unwrap_or(0);
    let data = async {
        let cx = s.context(&user);
        let page = jenjang_app::audit::entries(
            &cx,
            AuditFilter {
                entity: entity.clone(),
                key: key.clone(),
                actor: actor.clone(),
            },
            Paging::new(Some(PAGE), Some(offset)),
        )
        .await?;
        let rows: Vec<Value> = page
            .items
            .iter()
            .map(|e| {
                let detail = serde_json::to_string(&e.detail).unwrap_or_default();
                let short: String = detail.chars().take(160).collect();
                json!({
                    "at": e.at.format("%Y-%m-%d %H:%M").to_string(),
                    "actor": e.actor,
                    "action": lang.messages()["audit_actions"][e.action.as_str()].as_str().unwrap_or(&e.action),
                    "entity": lang.messages()["audit_entities"][e.entity.as_str()].as_str().unwrap_or(&e.entity),
                    "key": e.key,
                    "short": short,
                    "long": (detail.chars().count() > 160).then_some(detail),
                })
            })
            .collect();
        let entities: Vec<Value> = AUDIT_ENTITIES
            .iter()
            .map(|e| json!({"value": e, "label": lang.messages()["audit_entities"][*e], "selected": entity.as_deref() == Some(*e)}))
            .collect();
        let filters = [
            ("entity", entity.as_deref()),
            ("key", key.as_deref()),
            ("actor", actor.as_deref()),
        ];
        Ok::<_, ApiError>(json!({
            "rows": rows,
            "entities": entities,
            "key": key,
            "actor": actor,
            "pager": pager("/audit", &filters, offset, page.total),
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(StatusCode::OK, "audit", &lang.text("nav_audit"), data),
        Err(e) => ui.error(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_address_keeps_the_filters_encoded() {
        let href = super::page_href("/audit", &[("key", Some("A B&C")), ("actor", None)], 50);
        assert_eq!(href, "/audit?key=A%20B%26C&offset=50");
        assert_eq!(
            super::page_href("/audit", &[("key", Some(""))], 0),
            "/audit"
        );
    }
}
