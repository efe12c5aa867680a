//! The web UI under `/`: server-rendered pages (handlebars, `templates/pages/` and
//! `templates/partials/`, compiled in), Bahasa Indonesia first with English
//! (`templates/i18n/*.json`; `?lang=en` switches and is remembered in a cookie), usable on a
//! phone and without JavaScript.
//!
//! Pages read and write through the JSON API's own handlers, so they show exactly what the API
//! answers and obey the same role table. The session is the API's token in its HttpOnly,
//! SameSite=Strict cookie; every form also carries a CSRF token that must equal the
//! `jenjang_csrf` cookie (double submit), so a form posted from elsewhere is refused.

use crate::AppState;
use crate::auth::{CLEARED_COOKIE, ClientIp, CurrentUser, authenticate, cookie, session_cookie};
use crate::error::ApiError;
use crate::extract::{Form, Multipart, Path};
use crate::extract::{PageParams, Params};
use crate::imports::ImportKind;
use crate::input::{Body, OptionalBody};
use crate::routes::analysis::{
    FormatQuery, OrgNeedQuery, TargetQuery, employee_gaps, employee_recommendations,
    list_org_needs, org_need_progress, training_plan, unit_needs_analysis,
};
use crate::routes::campaigns::{dashboard, list_campaigns};
use crate::routes::performance::{GridQuery, import_file, talent_grid};
use crate::routes::plans::{YearQuery, approve, get_plan, reject};
use crate::routes::workflows::{
    NotificationQuery, TaskQuery, complete_task, list_notifications, list_tasks,
};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use handlebars::{Handlebars, handlebars_helper};
use jenjang_core::access::sees_whole_organisation;
use jenjang_core::idp::today_in;
use jenjang_core::needs::gaps_by_group;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};

const LANG_COOKIE: &str = "jenjang_lang";
pub(crate) const CSRF_COOKIE: &str = "jenjang_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/masuk", get(login_page).post(login_submit))
        .route("/keluar", post(logout))
        .route("/rencana-saya", get(my_plan))
        .route("/tim-saya", get(my_team))
        .route("/tugas/{id}/selesai", post(complete_task_form))
        .route("/rencana/{nip}/keputusan", post(decide_plan_form))
        .route("/analisis", get(needs_page))
        .route("/talenta", get(talent_page))
        .route("/rencana-pelatihan", get(training_plan_page))
        .route("/kebutuhan-organisasi", get(org_needs_page))
        .route("/kebutuhan-organisasi/{id}", get(org_need_page))
        .route(
            "/impor",
            get(import_page)
                .post(import_submit)
                // The upload is bounded by the import limit while it is read (below).
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/kampanye", get(campaigns_page))
        .route("/kampanye/{code}", get(campaign_page))
        .route("/ui.css", get(stylesheet))
}

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    let sources = [
        (
            "layout",
            include_str!("../../../templates/partials/layout.hbs"),
        ),
        (
            "task_list",
            include_str!("../../../templates/partials/task_list.hbs"),
        ),
        ("login", include_str!("../../../templates/pages/login.hbs")),
        ("error", include_str!("../../../templates/pages/error.hbs")),
        (
            "rencana_saya",
            include_str!("../../../templates/pages/rencana_saya.hbs"),
        ),
        (
            "tim_saya",
            include_str!("../../../templates/pages/tim_saya.hbs"),
        ),
        (
            "analisis",
            include_str!("../../../templates/pages/analisis.hbs"),
        ),
        (
            "kampanye",
            include_str!("../../../templates/pages/kampanye.hbs"),
        ),
        (
            "talenta",
            include_str!("../../../templates/pages/talenta.hbs"),
        ),
        ("impor", include_str!("../../../templates/pages/impor.hbs")),
        (
            "rencana_pelatihan",
            include_str!("../../../templates/pages/rencana_pelatihan.hbs"),
        ),
        (
            "kebutuhan_organisasi",
            include_str!("../../../templates/pages/kebutuhan_organisasi.hbs"),
        ),
        (
            "kampanye_detail",
            include_str!("../../../templates/pages/kampanye_detail.hbs"),
        ),
    ];
    handlebars_helper!(percent: |share: f64| format!("{:.0}%", share * 100.0));
    hb.register_helper("percent", Box::new(percent));
    for (name, source) in sources {
        hb.register_template_string(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    hb
});

static MESSAGES: LazyLock<[Value; 2]> = LazyLock::new(|| {
    let parse = |name: &str, text: &str| {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("messages {name}: {e}"))
    };
    [
        parse("id", include_str!("../../../templates/i18n/id.json")),
        parse("en", include_str!("../../../templates/i18n/en.json")),
    ]
});

/// The UI's languages: Bahasa Indonesia first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Id,
    En,
}

impl Lang {
    fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    fn messages(self) -> &'static Value {
        &MESSAGES[self as usize]
    }

    fn text(self, key: &str) -> String {
        self.messages()[key].as_str().unwrap_or(key).to_string()
    }
}

/// What every page request carries: the language, the CSRF token, the signed-in user (if the
/// session cookie is valid), and the cookies to set with the answer.
struct Ui {
    lang: Lang,
    csrf: String,
    user: Option<CurrentUser>,
    /// hr, admin or the head of some unit: sees the analyses of (their part of) the organisation.
    analyst: bool,
    /// May import files (the role table's `Import`).
    importer: bool,
    set_cookies: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
    notice: Option<String>,
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = axum::extract::Query::<PageQuery>::try_from_uri(&parts.uri)
            .ok()
            .map(|axum::extract::Query(q)| q);
        let mut set_cookies = Vec::new();
        let chosen = query
            .as_ref()
            .and_then(|q| q.lang.as_deref())
            .and_then(Lang::parse);
        let lang = match chosen {
            Some(l) => {
                set_cookies.push(format!(
                    "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                    l.code()
                ));
                l
            }
            None => cookie(&parts.headers, LANG_COOKIE)
                .and_then(|c| Lang::parse(&c))
                .or_else(|| accept_language(&parts.headers))
                .unwrap_or(Lang::Id),
        };
        let csrf = match cookie(&parts.headers, CSRF_COOKIE).filter(|c| c.len() == 32) {
            Some(c) => c,
            None => {
                let token = uuid::Uuid::new_v4().simple().to_string();
                set_cookies.push(format!(
                    "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                ));
                token
            }
        };
        let user = CurrentUser::resolve(parts, state).await.ok();
        let analyst = match &user {
            Some(CurrentUser(p, _)) => {
                let leads = match &p.nip {
                    Some(nip) if !sees_whole_organisation(p) => state
                        .store
                        .led_units(nip.as_str())
                        .await
                        .is_ok_and(|led| !led.is_empty()),
                    _ => false,
                };
                jenjang_core::access::authorize(
                    p,
                    jenjang_core::access::Action::AnalyseUnit {
                        in_led_subtree: leads,
                    },
                )
                .is_ok()
            }
            None => false,
        };
        // Only notices the pages know, in the page's language.
        let notice = query
            .and_then(|q| q.notice)
            .filter(|n| matches!(n.as_str(), "task_completed" | "plan_decided"))
            .map(|n| lang.text(&n));
        let importer = user
            .as_ref()
            .is_some_and(|u| u.require(jenjang_core::access::Action::Import).is_ok());
        Ok(Ui {
            lang,
            csrf,
            user,
            analyst,
            importer,
            set_cookies,
            notice,
        })
    }
}

/// English when the browser prefers it over Indonesian; otherwise none (Indonesian is the default).
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get("accept-language")?.to_str().ok()?;
    value
        .split(',')
        .filter_map(|part| Lang::parse(part.split(';').next()?.split('-').next()?))
        .next()
}

impl Ui {
    /// Whether `form_token` is this browser's CSRF token (compared in constant time).
    fn csrf_ok(&self, form_token: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), form_token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    fn render(&self, status: StatusCode, template: &str, title: &str, data: Value) -> Response {
        let mut context = json!({
            "t": self.lang.messages(),
            "lang": self.lang.code(),
            "other_lang": self.lang.other().code(),
            "csrf": self.csrf,
            // The menu entry to mark: a campaign's page belongs to the campaigns entry.
            "page": match template {
                "kampanye_detail" => "kampanye".to_string(),
                t => t.replace('_', "-"),
            },
            "title": title,
            "notice": self.notice,
            "analyst": self.analyst,
            "importer": self.importer,
            "user": self.user.as_ref().map(|u| json!({
                "username": u.0.username,
                "role": u.0.role,
                "nip": u.0.nip.as_ref().map(|n| n.to_string()),
            })),
        });
        if let (Some(ctx), Value::Object(more)) = (context.as_object_mut(), data) {
            ctx.extend(more);
        }
        let (status, body) = match TEMPLATES.render(template, &context) {
            Ok(html) => (status, html),
            Err(e) => {
                tracing::error!(error = %e, template, "page failed to render");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.lang.text("error_title"),
                )
            }
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        self.add_cookies(headers);
        response
    }

    fn add_cookies(&self, headers: &mut HeaderMap) {
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                headers.append(SET_COOKIE, v);
            }
        }
    }

    /// A 303 to `to` (after a form, or to the login page).
    fn redirect(&self, to: &str) -> Response {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            response.headers_mut().insert(LOCATION, v);
        }
        self.add_cookies(response.headers_mut());
        response
    }

    /// The error page for what an API handler answered.
    fn error(&self, e: ApiError) -> Response {
        let message = match &e {
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "page failed");
                None
            }
            ApiError::Validation(details) => Some(
                details
                    .iter()
                    .map(|d| format!("{}: {}", d.field, d.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => Some(other.to_string()),
        };
        self.render(
            e.status(),
            "error",
            &self.lang.text("error_title"),
            json!({"code": e.code(), "message": message}),
        )
    }

    /// The signed-in user behind a posted form whose CSRF token matches; otherwise the answer
    /// to give instead (to the login page, or the expired-form page).
    fn form_user(&self, csrf: &str) -> Result<CurrentUser, Box<Response>> {
        let Some(user) = self.user.clone() else {
            return Err(Box::new(self.redirect("/masuk")));
        };
        if !self.csrf_ok(csrf) {
            return Err(Box::new(self.expired_form()));
        }
        Ok(user)
    }

    fn expired_form(&self) -> Response {
        self.render(
            StatusCode::FORBIDDEN,
            "error",
            &self.lang.text("error_title"),
            json!({"code": "forbidden", "message": self.lang.text("form_expired")}),
        )
    }
}

/// A gap source (`position`, `org_need:<id>`, `target_position:<code>`) in words.
fn source_label(source: &str, lang: Lang) -> String {
    let labels = &lang.messages()["source_labels"];
    let (kind, detail) = source.split_once(':').unwrap_or((source, ""));
    let word = labels[kind].as_str().unwrap_or(kind);
    if detail.is_empty() {
        word.to_string()
    } else {
        format!("{word} {detail}")
    }
}

/// Sets `key` of a JSON body to a form field's text, unless it is blank.
fn put_text(body: &mut Value, key: &str, text: &str) {
    if !text.trim().is_empty() {
        body[key] = json!(text.trim());
    }
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}

async fn home(ui: Ui) -> Response {
    ui.redirect(if ui.user.is_some() {
        "/rencana-saya"
    } else {
        "/masuk"
    })
}

async fn login_page(ui: Ui) -> Response {
    if ui.user.is_some() {
        return ui.redirect("/rencana-saya");
    }
    ui.render(StatusCode::OK, "login", &ui.lang.text("sign_in"), json!({}))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login_submit(
    State(s): State<AppState>,
    ui: Ui,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let again = |status: StatusCode, key: &str| {
        ui.render(
            status,
            "login",
            &ui.lang.text("sign_in"),
            json!({"error": ui.lang.text(key), "username": form.username}),
        )
    };
    if !ui.csrf_ok(&form.csrf) {
        return again(StatusCode::FORBIDDEN, "form_expired");
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "login_missing");
    }
    match authenticate(&s, ip, form.username.trim(), form.password.clone()).await {
        Ok(login) => {
            let mut response = ui.redirect("/rencana-saya");
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&s, &login.token)) {
                response.headers_mut().append(SET_COOKIE, v);
            }
            response
        }
        Err(ApiError::Unauthorized(_)) => again(StatusCode::UNAUTHORIZED, "login_failed"),
        Err(ApiError::RateLimited(_)) => again(StatusCode::TOO_MANY_REQUESTS, "login_rate_limited"),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(ui: Ui, Form(form): Form<CsrfForm>) -> Response {
    if !ui.csrf_ok(&form.csrf) {
        return ui.expired_form();
    }
    let mut response = ui.redirect("/masuk");
    response
        .headers_mut()
        .append(SET_COOKIE, HeaderValue::from_static(CLEARED_COOKIE));
    response
}

/// The open tasks assigned to the caller, split into those about themselves and about others.
async fn open_tasks(
    s: &AppState,
    user: &CurrentUser,
) -> Result<(Vec<Value>, Vec<Value>), ApiError> {
    let page = list_tasks(
        State(s.clone()),
        user.clone(),
        Params(TaskQuery {
            mine: Some(true),
            status: Some("open".into()),
            kind: None,
            nip: None,
            limit: Some(1000),
            offset: None,
        }),
    )
    .await?
    .0;
    let me = user.0.nip.as_ref().map(|n| n.to_string());
    let tasks = to_value(page.items)?;
    let (own, others) = tasks
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .partition(|t| me.is_some() && t["subject_nip"].as_str() == me.as_deref());
    Ok((own, others))
}

/// A horizontal bar (SVG, drawn here): `segments` as shares of the full width (0..1), drawn
/// over each other in order, and an optional marker line at a share (a target).
fn bar(segments: &[(f64, &str)], marker: Option<f64>, label: &str) -> String {
    let mut svg = format!(
        "<svg class=\"bar\" viewBox=\"0 0 300 24\" width=\"100%\" height=\"24\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"300\" height=\"24\" fill=\"#e8ecef\"/>",
        xml(label)
    );
    for (share, color) in segments {
        svg.push_str(&format!(
            "<rect width=\"{:.0}\" height=\"24\" fill=\"{color}\"/>",
            share.clamp(0.0, 1.0) * 300.0
        ));
    }
    if let Some(m) = marker {
        let x = (m.clamp(0.0, 1.0) * 300.0).round();
        svg.push_str(&format!(
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"24\" stroke=\"#b03a2e\" stroke-width=\"2\"/>"
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// JP progress: completed over planned, against the target.
fn jp_chart(completed: u64, planned: u64, target: u64, lang: Lang) -> String {
    let scale = target.max(planned).max(completed).max(1) as f64;
    bar(
        &[
            (planned as f64 / scale, "#9cc3e6"),
            (completed as f64 / scale, "#1f6fb2"),
        ],
        Some(target as f64 / scale),
        &format!(
            "{completed} {} / {planned} {} / {target} {}",
            lang.text("jp_completed"),
            lang.text("jp_planned"),
            lang.text("jp_target")
        ),
    )
}

async fn my_plan(State(s): State<AppState>, ui: Ui) -> Response {
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
        let employee = to_value(s.store.get_employee(&nip).await?)?;
        let gaps = employee_gaps(
            State(s.clone()),
            user.clone(),
            Path(nip.clone()),
            Params(TargetQuery::default()),
        )
        .await?
        .0;
        let recommendations = employee_recommendations(
            State(s.clone()),
            user.clone(),
            Path(nip.clone()),
            Params(TargetQuery::default()),
        )
        .await?
        .0;
        let plan = to_value(
            get_plan(
                State(s.clone()),
                user.clone(),
                Path(nip.clone()),
                Params(YearQuery::default()),
            )
            .await?
            .0,
        )?;
        let (own, _) = open_tasks(&s, &user).await?;
        let notifications = list_notifications(
            State(s.clone()),
            user.clone(),
            Params(NotificationQuery {
                mine: Some(true),
                nip: None,
                limit: Some(10),
                offset: None,
            }),
        )
        .await?
        .0
        .items;
        // Each gap with its competency's name and its sources in words.
        let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
        let mut gaps = to_value(gaps)?;
        if let Some(list) = gaps["gaps"].as_array_mut() {
            for g in list {
                if let Some(c) = g["competency"]
                    .as_str()
                    .and_then(|c| org.catalog.competency(c))
                {
                    g["name"] = json!(org.catalog.competency_name(c));
                }
                let labels: Vec<String> = g["sources"]
                    .as_array()
                    .map(|sources| {
                        sources
                            .iter()
                            .filter_map(|x| x.as_str())
                            .map(|x| source_label(x, ui.lang))
                            .collect()
                    })
                    .unwrap_or_default();
                g["source_labels"] = json!(labels);
            }
        }
        let jp = |k: &str| plan[k].as_u64().unwrap_or(0);
        let chart = jp_chart(
            jp("jp_completed"),
            jp("jp_planned"),
            jp("jp_target"),
            ui.lang,
        );
        Ok::<_, ApiError>(json!({
            "employee": employee,
            "gaps": gaps,
            "notifications": to_value(notifications)?,
            "recommendations": to_value(recommendations)?,
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

async fn my_team(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_my_team");
    let data = async {
        let (_, tasks) = open_tasks(&s, &user).await?;
        let team = match &user.0.nip {
            Some(nip) => {
                let zone = s.store.time_zone().await?;
                let year = today_in(&zone, s.store.now()).year();
                s.store.team_overview(nip.as_str(), year).await?
                    .into_iter()
                    .map(|m| (m, year))
                    .collect()
            }
            None => Vec::new(),
        };
        let approvals: Vec<Value> = team
            .iter()
            .filter(|(m, _)| m.plan_status.as_deref() == Some("submitted"))
            .map(|(m, year)| json!({"nip": m.nip, "name": m.name, "year": year, "version": m.plan_version}))
            .collect();
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
    match data {
        Ok(data) => ui.render(StatusCode::OK, "tim_saya", &title, data),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
struct TaskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    notes: String,
}

async fn complete_task_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<TaskForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut body = json!({"outcome": form.outcome});
    put_text(&mut body, "notes", &form.notes);
    let about_self = match complete_task(State(s.clone()), user.clone(), Path(id), Body(body)).await
    {
        Ok(done) => user.0.nip.as_ref().map(|n| n.to_string()) == done.0.subject_nip,
        Err(e) => return ui.error(e),
    };
    ui.redirect(if about_self {
        "/rencana-saya?notice=task_completed"
    } else {
        "/tim-saya?notice=task_completed"
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    year: Option<i32>,
    version: Option<i32>,
    #[serde(default)]
    comment: String,
}

async fn decide_plan_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(nip): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let mut body = json!({"version": form.version});
    put_text(&mut body, "comment", &form.comment);
    let (state, path, query) = (
        State(s.clone()),
        Path(nip),
        Params(YearQuery { year: form.year }),
    );
    let decided = match form.decision.as_str() {
        "approve" => approve(state, user, path, query, OptionalBody(body)).await,
        "reject" => reject(state, user, path, query, OptionalBody(body)).await,
        other => Err(ApiError::invalid(
            "decision",
            format!("'{other}' is not a decision; expected approve or reject"),
        )),
    };
    match decided {
        Ok(_) => ui.redirect("/tim-saya?notice=plan_decided"),
        Err(e) => ui.error(e),
    }
}

/// The JSON body of an API handler's response (those that also answer CSV or XLSX).
async fn json_body(r: Response) -> Result<Value, ApiError> {
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading a response: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(e.into()))
}

/// The needs analysis of `unit` through the API handler (cached per data version there).
async fn needs_of(s: &AppState, user: &CurrentUser, unit: &str) -> Result<Value, ApiError> {
    json_body(
        unit_needs_analysis(
            State(s.clone()),
            user.clone(),
            Path(unit.to_string()),
            Params(FormatQuery { format: None }),
            HeaderMap::new(),
        )
        .await?,
    )
    .await
}

#[derive(Deserialize)]
struct UnitQuery {
    unit: Option<String>,
}

/// The gap heat map: one row per unit, one column per competency, each cell the share of the
/// unit's employees with a gap in it, darker for more (SVG, drawn here).
fn heat_map(rows: &[(String, Value)], columns: &[String]) -> String {
    const LABEL: f64 = 150.0;
    const CELL_W: f64 = 56.0;
    const CELL_H: f64 = 26.0;
    const HEAD: f64 = 64.0;
    let width = LABEL + CELL_W * columns.len() as f64 + 40.0;
    let height = HEAD + CELL_H * rows.len() as f64;
    let mut svg = format!(
        "<svg class=\"heat\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\">"
    );
    for (j, c) in columns.iter().enumerate() {
        // Slanted, so long codes do not run into each other.
        let x = LABEL + CELL_W * j as f64 + CELL_W / 3.0;
        let y = HEAD - 6.0;
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" transform=\"rotate(-30 {x} {y})\">{}</text>",
            xml(c)
        ));
    }
    for (i, (unit, analysis)) in rows.iter().enumerate() {
        let y = HEAD + CELL_H * i as f64;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + 17.0,
            xml(unit)
        ));
        let employees = analysis["employees"].as_u64().unwrap_or(0);
        for (j, c) in columns.iter().enumerate() {
            let with_gap = analysis["competencies"]
                .as_array()
                .and_then(|cs| cs.iter().find(|x| x["competency"] == c.as_str()))
                .and_then(|x| x["employees_with_gap"].as_u64())
                .unwrap_or(0);
            let share = if employees == 0 {
                0.0
            } else {
                with_gap as f64 / employees as f64
            };
            let x = LABEL + CELL_W * j as f64;
            // From pale (no gap) to deep red (everyone has the gap).
            let (r, g, b) = (
                255.0 - 79.0 * share,
                245.0 - 187.0 * share,
                240.0 - 194.0 * share,
            );
            let ink = if share > 0.55 { "#fff" } else { "#1d2329" };
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"rgb({r:.0},{g:.0},{b:.0})\" stroke=\"#fff\">\
                 <title>{} · {}: {with_gap}/{employees}</title></rect>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{:.0}%</text>",
                CELL_W,
                CELL_H,
                xml(unit),
                xml(c),
                x + CELL_W / 2.0,
                y + 17.0,
                share * 100.0
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Text for SVG drawn here (codes and labels are plain, but never trusted).
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The heat map's rows for the units directly below `unit` (the caller may analyse `unit`):
/// one population read and one pass over it, cached per data version like the analyses. Each
/// row is `(child, {employees, competencies: [{competency, employees_with_gap}]})`.
async fn heat_rows(
    s: &AppState,
    version: i64,
    org: &Arc<jenjang_core::org::Organisation>,
    unit: &str,
    children: &[String],
) -> Result<Vec<(String, Value)>, ApiError> {
    let key = format!("heat:{unit}");
    let value = match s.analytics.result(version, &key) {
        Some(v) => v,
        None => {
            let population = s.store.load_population(org, Some(unit)).await?;
            let child_units: Vec<u32> =
                children.iter().filter_map(|c| org.units.index(c)).collect();
            let group_of_unit: Vec<Option<usize>> = (0..org.units.len() as u32)
                .map(|u| child_units.iter().position(|&c| org.units.within(u, c)))
                .collect();
            let org2 = org.clone();
            let groups = child_units.len();
            let counted = tokio::task::spawn_blocking(move || {
                gaps_by_group(&org2, &population, &group_of_unit, groups)
            })
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
            let rows: Vec<Value> = child_units
                .iter()
                .zip(counted)
                .map(|(&u, g)| {
                    let competencies: Vec<Value> = g
                        .with_gap
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(c, n)| {
                            json!({
                                "competency": org.catalog.competency_code(c as u32),
                                "employees_with_gap": n,
                            })
                        })
                        .collect();
                    json!([org.units.code(u), {"employees": g.employees, "competencies": competencies}])
                })
                .collect();
            let value = Arc::new(Value::Array(rows));
            s.analytics.store_result(version, key, value.clone());
            value
        }
    };
    Ok(value
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| (r[0].as_str().unwrap_or("").to_string(), r[1].clone()))
                .collect()
        })
        .unwrap_or_default())
}

/// Where a unit-scoped page starts when no unit is named: the whole organisation for hr and
/// admin, otherwise the top of what the caller leads (403 when they lead nothing).
async fn home_unit(
    s: &AppState,
    user: &CurrentUser,
    org: &jenjang_core::org::Organisation,
) -> Result<String, ApiError> {
    if sees_whole_organisation(&user.0) {
        return org
            .units
            .sole_root()
            .map(|r| org.units.code(r).to_string())
            .ok_or_else(|| ApiError::NotFound("the organisation has no single root unit".into()));
    }
    let led = match &user.0.nip {
        Some(nip) => s.store.led_units(nip.as_str()).await?,
        None => Default::default(),
    };
    let mut tops: Vec<&String> = led
        .iter()
        .filter(|u| {
            org.units
                .index(u)
                .and_then(|i| org.units.parent(i))
                .is_none_or(|p| !led.contains(org.units.code(p)))
        })
        .collect();
    tops.sort();
    tops.first()
        .map(|u| u.to_string())
        .ok_or(ApiError::Forbidden)
}

async fn needs_page(State(s): State<AppState>, ui: Ui, Params(q): Params<UnitQuery>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let (version, org) = s.analytics.organisation_at(&s.store, user.1).await?;
        let unit = match q.unit.filter(|u| !u.trim().is_empty()) {
            Some(u) => u,
            None => home_unit(&s, &user, &org).await?,
        };
        let analysis = needs_of(&s, &user, &unit).await?;
        let index = org.units.index(&unit);
        let children: Vec<String> = index
            .map(|i| {
                org.units
                    .children(i)
                    .into_iter()
                    .map(|c| org.units.code(c).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let parent = index
            .and_then(|i| org.units.parent(i))
            .map(|p| org.units.code(p).to_string());
        // The competencies with the largest total gap, most first.
        let mut columns: Vec<(u64, String)> = analysis["competencies"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        (
                            c["total_gap"].as_u64().unwrap_or(0),
                            c["competency"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        columns.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let columns: Vec<String> = columns.into_iter().take(12).map(|c| c.1).collect();
        let map = if children.is_empty() || columns.is_empty() {
            None
        } else {
            let rows = heat_rows(&s, version, &org, &unit, &children).await?;
            Some(heat_map(&rows, &columns))
        };
        Ok::<_, ApiError>(json!({
            "unit": unit,
            "parent": parent,
            "children": children,
            "analysis": analysis,
            "heat_map": map,
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "analisis",
            &ui.lang.text("nav_analysis"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

/// The 9-box grid laid out with high potential on top and high performance on the right.
async fn talent_page(State(s): State<AppState>, ui: Ui, Params(q): Params<GridQuery>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let grid = async {
        let mut q = q;
        if q.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
            let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
            let home = home_unit(&s, &user, &org).await?;
            // The whole organisation is the grid without a unit filter.
            q.unit = (org.units.sole_root().map(|r| org.units.code(r)) != Some(home.as_str()))
                .then_some(home);
        }
        to_value(talent_grid(State(s.clone()), user, Params(q)).await?.0)
    }
    .await;
    match grid {
        Ok(grid) => {
            let boxes = grid["boxes"].as_array().cloned().unwrap_or_default();
            let rows: Vec<Vec<Value>> = ["tinggi", "menengah", "rendah"]
                .iter()
                .map(|potensial| {
                    ["di_bawah", "sesuai", "di_atas"]
                        .iter()
                        .filter_map(|kinerja| {
                            let mut b = boxes
                                .iter()
                                .find(|b| b["potensial"] == *potensial && b["kinerja"] == *kinerja)?
                                .clone();
                            b["count"] = json!(b["employees"].as_array().map_or(0, Vec::len));
                            Some(b)
                        })
                        .collect()
                })
                .collect();
            ui.render(
                StatusCode::OK,
                "talenta",
                &ui.lang.text("nav_talent"),
                json!({
                    "rows": rows,
                    "unrated": grid["unrated"].as_array().map_or(0, Vec::len),
                    "grid": grid,
                }),
            )
        }
        Err(e) => ui.error(e),
    }
}

async fn campaigns_page(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let page = list_campaigns(
        State(s.clone()),
        user,
        Params(PageParams {
            limit: Some(1000),
            offset: None,
        }),
    )
    .await;
    match page.and_then(|p| to_value(p.0.items)) {
        Ok(campaigns) => ui.render(
            StatusCode::OK,
            "kampanye",
            &ui.lang.text("nav_campaigns"),
            json!({"campaigns": campaigns}),
        ),
        Err(e) => ui.error(e),
    }
}

const STAGES: [&str; 5] = [
    "awareness",
    "desire",
    "knowledge",
    "ability",
    "reinforcement",
];

/// The ADKAR funnel as horizontal bars: how many of the targets reached each element (SVG).
fn funnel(by_stage: &Value, targets: u64, lang: Lang, small: bool) -> String {
    let (bar_h, label_w, width) = if small {
        (6.0, 0.0, 120.0)
    } else {
        (24.0, 130.0, 520.0)
    };
    let gap = if small { 1.0 } else { 6.0 };
    let height = STAGES.len() as f64 * (bar_h + gap);
    let mut svg = format!(
        "<svg class=\"funnel\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\">"
    );
    let stages = &lang.messages()["stages"];
    for (i, stage) in STAGES.iter().enumerate() {
        let reached = by_stage[*stage].as_u64().unwrap_or(0);
        let share = if targets == 0 {
            0.0
        } else {
            reached as f64 / targets as f64
        };
        let y = i as f64 * (bar_h + gap);
        let w = ((width - label_w - if small { 0.0 } else { 80.0 }) * share).max(0.0);
        let name = stages[*stage].as_str().unwrap_or(stage);
        svg.push_str(&format!(
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#1f6fb2\"><title>{}: {reached}/{targets}</title></rect>",
            xml(name)
        ));
        if !small {
            svg.push_str(&format!(
                "<text x=\"0\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\">{reached} ({:.0}%)</text>",
                y + 16.0,
                xml(name),
                label_w + w + 6.0,
                y + 16.0,
                share * 100.0
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

async fn campaign_page(State(s): State<AppState>, ui: Ui, Path(code): Path<String>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let d = json_body(
            dashboard(
                State(s.clone()),
                user,
                Path(code),
                Params(FormatQuery { format: None }),
                HeaderMap::new(),
            )
            .await?,
        )
        .await?;
        let targets = d["targets"].as_u64().unwrap_or(0);
        let units: Vec<Value> = d["by_unit"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut u| {
                let t = u["targets"].as_u64().unwrap_or(0);
                u["funnel"] = json!(funnel(&u["by_stage"], t, ui.lang, true));
                u
            })
            .collect();
        let chart = funnel(&d["by_stage"], targets, ui.lang, false);
        Ok::<_, ApiError>(json!({"dashboard": d, "funnel": chart, "units": units}))
    }
    .await;
    match data {
        Ok(data) => {
            let title = data["dashboard"]["title"]
                .as_str()
                .unwrap_or("")
                .to_string();
            ui.render(StatusCode::OK, "kampanye_detail", &title, data)
        }
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
struct TrainingPlanQuery {
    year: Option<i32>,
    budget_idr: Option<i64>,
    unit: Option<String>,
}

/// The budgeted training plan: the form, and the plan once a budget is given (computed by the
/// API's handler; nothing is stored, so the form is a GET).
async fn training_plan_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<TrainingPlanQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_training_plan");
    let unit = match q.unit.filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(u),
        None if sees_whole_organisation(&user.0) => None,
        None => {
            let home = async {
                let (_, org) = s.analytics.organisation_at(&s.store, user.1).await?;
                home_unit(&s, &user, &org).await
            }
            .await;
            match home {
                Ok(u) => Some(u),
                Err(e) => return ui.error(e),
            }
        }
    };
    let year = match q.year {
        Some(y) => y,
        None => match s.store.time_zone().await {
            Ok(zone) => today_in(&zone, s.store.now()).year() + 1,
            Err(e) => return ui.error(e.into()),
        },
    };
    let mut data = json!({"year": year, "budget_idr": q.budget_idr, "unit": unit});
    if let Some(budget) = q.budget_idr {
        let mut body = json!({"year": year, "budget_idr": budget});
        if let Some(u) = &unit {
            body["unit"] = json!(u);
        }
        let plan = match training_plan(State(s.clone()), user, Body(body))
            .await
            .and_then(|p| to_value(p.0))
        {
            Ok(p) => p,
            Err(e) => return ui.error(e),
        };
        let share = |k: &str| {
            plan[k].as_f64().unwrap_or(0.0) / plan["gap_total"].as_f64().unwrap_or(0.0).max(1.0)
        };
        data["chart"] = json!(bar(
            &[(share("gap_closed"), "#1f6fb2")],
            None,
            &format!("{} {}", ui.lang.text("gap_closed"), plan["gap_closed"]),
        ));
        let mut plan = plan;
        if let Some(cohorts) = plan["cohorts"].as_array_mut() {
            for c in cohorts {
                c["participant_count"] = json!(c["participants"].as_array().map_or(0, Vec::len));
            }
        }
        data["plan"] = plan;
    }
    ui.render(StatusCode::OK, "rencana_pelatihan", &title, data)
}

/// Organisational needs, and one need's progress when `id` is given.
async fn org_needs_view(s: &AppState, ui: &Ui, id: Option<String>) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let needs = list_org_needs(
            State(s.clone()),
            user.clone(),
            Params(OrgNeedQuery {
                unit: None,
                limit: Some(1000),
                offset: None,
            }),
        )
        .await?
        .0
        .items;
        let needs = to_value(needs)?;
        let mut data = json!({"needs": needs});
        if let Some(id) = id {
            let progress = to_value(
                org_need_progress(State(s.clone()), user, Path(id.clone()))
                    .await?
                    .0,
            )?;
            let need = needs
                .as_array()
                .and_then(|n| n.iter().find(|n| n["id"] == progress["id"]))
                .cloned()
                .unwrap_or(Value::Null);
            let f = |k: &str| progress[k].as_f64().unwrap_or(0.0);
            data["chart"] = json!(bar(
                &[(f("projected_share"), "#9cc3e6"), (f("share"), "#1f6fb2")],
                Some(f("target_share")),
                &format!(
                    "{:.0}% / {:.0}%",
                    f("share") * 100.0,
                    f("target_share") * 100.0
                ),
            ));
            data["progress"] = progress;
            data["need"] = need;
        }
        Ok::<_, ApiError>(data)
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "kebutuhan_organisasi",
            &ui.lang.text("nav_org_needs"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

async fn org_needs_page(State(s): State<AppState>, ui: Ui) -> Response {
    org_needs_view(&s, &ui, None).await
}

async fn org_need_page(State(s): State<AppState>, ui: Ui, Path(id): Path<String>) -> Response {
    org_needs_view(&s, &ui, Some(id)).await
}

const IMPORT_KINDS: [&str; 3] = ["employees", "assessments", "evaluations"];

async fn import_page(ui: Ui) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    if !ui.importer {
        return ui.error(ApiError::Forbidden);
    }
    ui.render(
        StatusCode::OK,
        "impor",
        &ui.lang.text("nav_imports"),
        json!({"kinds": IMPORT_KINDS, "kind": "evaluations"}),
    )
}

/// The upload form's fields.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    dry_run: bool,
    file: Vec<u8>,
}

/// Reads the multipart form, the file at most `limit` bytes.
async fn read_upload(Multipart(mut form): Multipart, limit: usize) -> Result<Upload, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::BadRequest(e.body_text());
    let mut upload = Upload::default();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if upload.file.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge(limit));
                    }
                    upload.file.extend_from_slice(&chunk);
                }
            }
            name => {
                let name = name.to_string();
                let text = field.text().await.map_err(bad)?;
                match name.as_str() {
                    "csrf" => upload.csrf = text,
                    "kind" => upload.kind = text,
                    "dry_run" => upload.dry_run = text == "true",
                    _ => {}
                }
            }
        }
    }
    Ok(upload)
}

async fn import_submit(State(s): State<AppState>, ui: Ui, form: Multipart) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    let upload = match read_upload(form, s.import_limit).await {
        Ok(u) => u,
        Err(e) => return ui.error(e),
    };
    let user = match ui.form_user(&upload.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let kind: ImportKind = match upload.kind.parse() {
        Ok(k) => k,
        Err(message) => return ui.error(ApiError::invalid("kind", message)),
    };
    match import_file(&s, &user, kind, &upload.file, upload.dry_run).await {
        Ok(report) => {
            let mut rows: Vec<usize> = report.rejected.iter().map(|r| r.row).collect();
            rows.dedup();
            let report = match to_value(report) {
                Ok(r) => r,
                Err(e) => return ui.error(e),
            };
            ui.render(
                StatusCode::OK,
                "impor",
                &ui.lang.text("nav_imports"),
                json!({
                    "kinds": IMPORT_KINDS,
                    "kind": upload.kind,
                    "dry_run": upload.dry_run,
                    "report": report,
                    "rejected_rows": rows.len(),
                }),
            )
        }
        Err(e) => ui.error(e),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../templates/ui.css"),
    )
        .into_response()
}
