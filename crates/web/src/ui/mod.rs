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
use crate::extract::Params;
use crate::extract::{Form, Multipart, Path};
use crate::imports::ImportKind;
use crate::routes::plans::read_decision;
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
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;

mod accounts;
mod admin;
mod analysis;
mod campaigns;
mod dashboard;
mod fit;
mod ikm;
mod imports;
mod my_work;
mod notify;
mod reference;
mod session;
mod skp;
mod sso;
mod survey;
mod svg;
mod training;
mod unit;
use accounts::*;
use admin::*;
use analysis::*;
use campaigns::*;
use dashboard::*;
use fit::*;
use ikm::*;
pub use imports::StagedImports;
use imports::*;
use my_work::*;
use reference::*;
use session::*;
use skp::*;
use sso::*;
pub use survey::{SurveyLimiter, survey_link};
use survey::{survey_page, survey_submit};
use svg::*;
use training::*;
use unit::*;

const LANG_COOKIE: &str = "jenjang_lang";
pub(crate) const CSRF_COOKIE: &str = "jenjang_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/beranda", get(dashboard_page))
        .route("/beranda/insiden/{id}/ulang", post(retry_form))
        .route("/masuk", get(login_page).post(login_submit))
        .route("/keluar", post(logout))
        .route("/rencana-saya", get(my_plan).post(my_plan_form))
        .route("/rencana-saya/item/{id}", post(my_item_form))
        .route("/tim-saya", get(my_team))
        .route("/skp", get(my_skp))
        .route("/skp/{nip}", get(skp_page).post(skp_form))
        .route("/skp/{nip}/langkah", post(skp_step_form))
        .route(
            "/skp/iki/{id}",
            post(iki_form).layer(DefaultBodyLimit::max(
                jenjang_core::skp::MAX_EVIDENCE_BYTES + 64 * 1024,
            )),
        )
        .route("/skp/bukti/{id}", get(evidence_download))
        .route("/dialog/{nip}", post(dialog_form))
        .route("/dialog/entri/{id}/baca", post(dialog_ack_form))
        .route("/umpan-balik-atasan", post(upward_form))
        .route("/tim-saya/evaluasi/{nip}", post(evaluation_form))
        .route("/tugas/{id}/selesai", post(complete_task_form))
        .route("/rencana/{nip}/keputusan", post(decide_plan_form))
        .route("/analisis", get(needs_page))
        .route("/talenta", get(talent_page))
        .route("/rencana-pelatihan", get(training_plan_page))
        .route("/rencana-pelatihan/simpan", post(save_plan_form))
        .route("/rencana-pelatihan/{id}/tetapkan", post(adopt_plan_form))
        .route("/rencana-pelatihan/{id}/tarik", post(withdraw_plan_form))
        .route("/angkatan", get(cohorts_page))
        .route("/angkatan/{code}", get(cohort_page).post(cohort_form))
        .route("/angkatan/{code}/hasil", post(results_form))
        .route("/angkatan/{code}/peserta", post(participants_form))
        .route(
            "/angkatan/{code}/reaksi",
            get(reaction_page).post(reaction_form),
        )
        .route("/program/{code}", get(program_page))
        .route("/jabatan/{code}", get(position_page))
        .route("/jabatan/{code}/kritis", post(critical_form))
        .route("/suksesi", get(succession_page))
        .route(
            "/kebutuhan-organisasi",
            get(org_needs_page).post(org_need_form),
        )
        .route("/kebutuhan-organisasi/{id}", get(org_need_page))
        .route(
            "/impor",
            get(import_page)
                .post(import_submit)
                // The upload is bounded by the import limit while it is read (below).
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/impor/sekarang", post(import_now))
        .route("/impor/templat/{file}", get(import_template))
        .route("/kampanye", get(campaigns_page))
        .route("/kampanye/{code}", get(campaign_page))
        .route("/kampanye/{code}/kegiatan", post(activity_form))
        .route("/kampanye/{code}/tahap", post(stage_form))
        .route("/kampanye/{code}/survei", post(survey_form))
        .route("/data-induk", get(reference_page))
        .route("/data-induk/{jenis}", post(reference_create))
        .route("/data-induk/{jenis}/baru", get(reference_new))
        .route(
            "/data-induk/{jenis}/{code}",
            get(reference_edit).post(reference_update),
        )
        .route("/ikm", get(ikm_page).post(ikm_form))
        .route("/survei/{unit}", get(survey_page).post(survey_submit))
        .route("/unit", get(my_unit))
        .route("/unit/{code}", get(unit_page))
        .route("/unit/{code}/predikat", post(unit_predikat_form))
        .route("/unit/{code}/indikator", post(indicator_form))
        .route(
            "/unit/{code}/indikator/{id}/realisasi",
            post(realisation_form),
        )
        .route("/alur-kerja", get(workflows_page))
        .route(
            "/alur-kerja/definisi/{key}",
            get(definition_page).post(definition_form),
        )
        .route("/alur-kerja/instans/{id}", get(instance_page))
        .route("/alur-kerja/instans/{id}/ulang", post(instance_retry_form))
        .route("/audit", get(audit_page))
        .route("/pengiriman", get(notify::deliveries_page))
        .route(
            "/preferensi",
            get(notify::preferences_page).post(notify::preferences_form),
        )
        .route("/preferensi/kalender", post(notify::rotate_calendar_form))
        .route("/akun", get(accounts_page))
        .route("/akun/siapkan", post(provision_form))
        .route("/akun/{username}", post(account_action))
        .route("/aktivasi", get(activation_page).post(activation_submit))
        .route("/kata-sandi", get(password_page).post(password_submit))
        .route("/auth/oidc/login", get(sso_login))
        .route("/auth/oidc/callback", get(sso_callback))
        .route("/ui.css", get(stylesheet))
}

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    let sources = [
        (
            "layout",
            include_str!("../../../../templates/partials/layout.hbs"),
        ),
        (
            "form_errors",
            include_str!("../../../../templates/partials/form_errors.hbs"),
        ),
        (
            "beranda",
            include_str!("../../../../templates/pages/beranda.hbs"),
        ),
        (
            "dialog_thread",
            include_str!("../../../../templates/partials/dialog_thread.hbs"),
        ),
        (
            "task_list",
            include_str!("../../../../templates/partials/task_list.hbs"),
        ),
        (
            "reactions",
            include_str!("../../../../templates/partials/reactions.hbs"),
        ),
        (
            "login",
            include_str!("../../../../templates/pages/login.hbs"),
        ),
        (
            "error",
            include_str!("../../../../templates/pages/error.hbs"),
        ),
        (
            "rencana_saya",
            include_str!("../../../../templates/pages/rencana_saya.hbs"),
        ),
        (
            "tim_saya",
            include_str!("../../../../templates/pages/tim_saya.hbs"),
        ),
        (
            "analisis",
            include_str!("../../../../templates/pages/analisis.hbs"),
        ),
        (
            "kampanye",
            include_str!("../../../../templates/pages/kampanye.hbs"),
        ),
        (
            "talenta",
            include_str!("../../../../templates/pages/talenta.hbs"),
        ),
        (
            "impor",
            include_str!("../../../../templates/pages/impor.hbs"),
        ),
        (
            "rencana_pelatihan",
            include_str!("../../../../templates/pages/rencana_pelatihan.hbs"),
        ),
        (
            "kebutuhan_organisasi",
            include_str!("../../../../templates/pages/kebutuhan_organisasi.hbs"),
        ),
        (
            "kampanye_detail",
            include_str!("../../../../templates/pages/kampanye_detail.hbs"),
        ),
        ("akun", include_str!("../../../../templates/pages/akun.hbs")),
        ("ikm", include_str!("../../../../templates/pages/ikm.hbs")),
        (
            "survei",
            include_str!("../../../../templates/pages/survei.hbs"),
        ),
        (
            "survei_terima_kasih",
            include_str!("../../../../templates/pages/survei_terima_kasih.hbs"),
        ),
        ("unit", include_str!("../../../../templates/pages/unit.hbs")),
        (
            "alur_kerja",
            include_str!("../../../../templates/pages/alur_kerja.hbs"),
        ),
        (
            "alur_kerja_definisi",
            include_str!("../../../../templates/pages/alur_kerja_definisi.hbs"),
        ),
        (
            "alur_kerja_instans",
            include_str!("../../../../templates/pages/alur_kerja_instans.hbs"),
        ),
        (
            "audit",
            include_str!("../../../../templates/pages/audit.hbs"),
        ),
        (
            "data_induk",
            include_str!("../../../../templates/pages/data_induk.hbs"),
        ),
        (
            "data_induk_form",
            include_str!("../../../../templates/pages/data_induk_form.hbs"),
        ),
        (
            "akun_tautan",
            include_str!("../../../../templates/pages/akun_tautan.hbs"),
        ),
        (
            "aktivasi",
            include_str!("../../../../templates/pages/aktivasi.hbs"),
        ),
        (
            "kata_sandi",
            include_str!("../../../../templates/pages/kata_sandi.hbs"),
        ),
        (
            "preferensi",
            include_str!("../../../../templates/pages/preferensi.hbs"),
        ),
        (
            "pengiriman",
            include_str!("../../../../templates/pages/pengiriman.hbs"),
        ),
        ("skp", include_str!("../../../../templates/pages/skp.hbs")),
        (
            "angkatan",
            include_str!("../../../../templates/pages/angkatan.hbs"),
        ),
        (
            "angkatan_detail",
            include_str!("../../../../templates/pages/angkatan_detail.hbs"),
        ),
        (
            "angkatan_reaksi",
            include_str!("../../../../templates/pages/angkatan_reaksi.hbs"),
        ),
        (
            "program",
            include_str!("../../../../templates/pages/program.hbs"),
        ),
        (
            "jabatan",
            include_str!("../../../../templates/pages/jabatan.hbs"),
        ),
        (
            "suksesi",
            include_str!("../../../../templates/pages/suksesi.hbs"),
        ),
        (
            "sso_done",
            include_str!("../../../../templates/pages/sso_done.hbs"),
        ),
    ];
    handlebars_helper!(percent: |share: f64| format!("{:.0}%", share * 100.0));
    hb.register_helper("percent", Box::new(percent));
    handlebars_helper!(rupiah: |amount: i64| rupiah_text(amount));
    // `14 Maret 2026` from `2026-03-14`, in the page's language (the text itself otherwise).
    handlebars_helper!(long_date: |date: str, lang: str| {
        match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) => jenjang_core::dates::long_date(d, lang == "en"),
            Err(_) => date.to_string(),
        }
    });
    hb.register_helper("long_date", Box::new(long_date));
    // A link someone typed, only when it is a web address (never `javascript:` and the like).
    handlebars_helper!(web_link: |url: str| {
        let lower = url.trim().to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            url.trim().to_string()
        } else {
            String::new()
        }
    });
    hb.register_helper("web_link", Box::new(web_link));
    // `Triwulan II 2026` from `2026-Q2`, `Tahunan 2026` from `2026`, in the page's language.
    handlebars_helper!(period_label: |period: str, lang: str| {
        let lang = Lang::parse(lang).unwrap_or(Lang::Id);
        match period.split_once("-Q") {
            Some((year, q)) => {
                let roman = ["I", "II", "III", "IV"].get(q.parse::<usize>().unwrap_or(0).wrapping_sub(1));
                match roman {
                    Some(r) => format!("{} {r} {year}", lang.text("period_quarter")),
                    None => period.to_string(),
                }
            }
            None if period.len() == 4 => format!("{} {period}", lang.text("period_annual")),
            None => period.to_string(),
        }
    });
    hb.register_helper("period_label", Box::new(period_label));
    // The failed form of a plan item, if it is this item's.
    handlebars_helper!(item_failure: |failed: Json, id: i64| {
        if failed["form"].as_str() == Some(format!("item-{id}").as_str()) {
            failed.clone()
        } else {
            Value::Null
        }
    });
    hb.register_helper("item_failure", Box::new(item_failure));
    hb.register_helper("rupiah", Box::new(rupiah));
    // A measured number as the page's language writes it: `62,5` and `1.250` in Indonesian,
    // `62.5` and `1,250` in English; at most two decimals, none when whole.
    handlebars_helper!(num: |value: f64, lang: str| number_text(value, lang == "en"));
    hb.register_helper("num", Box::new(num));
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
        parse("id", include_str!("../../../../templates/i18n/id.json")),
        parse("en", include_str!("../../../../templates/i18n/en.json")),
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
pub(crate) struct Ui {
    lang: Lang,
    csrf: String,
    user: Option<CurrentUser>,
    /// hr, admin or the head of some unit: sees the analyses of (their part of) the organisation.
    analyst: bool,
    /// May import files (the role table's `Import`).
    importer: bool,
    /// May list accounts (the role table's `ListAccounts`).
    account_keeper: bool,
    /// May write reference data (the role table's `WriteReference`).
    reference_keeper: bool,
    /// This page in the other language: its path and query with `lang` switched.
    switch_href: String,
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
        let user = CurrentUser::resolve(parts, state).await.ok();
        // Chosen here (and remembered), else remembered, else the signed-in person's preference,
        // else what the browser prefers.
        let lang = match chosen {
            Some(l) => {
                set_cookies.push(language_cookie(Some(l)));
                l
            }
            None => cookie(&parts.headers, LANG_COOKIE)
                .and_then(|c| Lang::parse(&c))
                .or_else(|| {
                    user.as_ref()
                        .and_then(|u| u.3.as_deref())
                        .and_then(Lang::parse)
                })
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
        let analyst = match &user {
            Some(CurrentUser(p, ..)) => {
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
        // Only notices the pages know (`notice_<name>` in the messages), in the page's language.
        let notice = query.and_then(|q| q.notice).and_then(|n| {
            let legacy = matches!(
                n.as_str(),
                "task_completed"
                    | "plan_decided"
                    | "password_set"
                    | "password_changed"
                    | "account_updated"
                    | "accounts_provisioned"
            );
            let key = if legacy { n } else { format!("notice_{n}") };
            lang.messages()[key.as_str()].as_str().map(str::to_string)
        });
        let importer = user
            .as_ref()
            .is_some_and(|u| u.require(jenjang_core::access::Action::Import).is_ok());
        let account_keeper = user.as_ref().is_some_and(|u| {
            u.require(jenjang_core::access::Action::ListAccounts)
                .is_ok()
        });
        let reference_keeper = user.as_ref().is_some_and(|u| {
            u.require(jenjang_core::access::Action::WriteReference)
                .is_ok()
        });
        let switch_href = {
            let kept: Vec<String> = parts
                .uri
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("lang=") && !p.starts_with("notice="))
                .map(str::to_string)
                .chain(std::iter::once(format!("lang={}", lang.other().code())))
                .collect();
            format!("{}?{}", parts.uri.path(), kept.join("&"))
        };
        Ok(Ui {
            switch_href,
            lang,
            csrf,
            user,
            analyst,
            importer,
            account_keeper,
            reference_keeper,
            set_cookies,
            notice,
        })
    }
}

/// The cookie that remembers `lang` as this browser's language, or forgets the remembered one.
fn language_cookie(lang: Option<Lang>) -> String {
    match lang {
        Some(l) => format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            l.code()
        ),
        None => format!("{LANG_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0"),
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
            "switch_href": self.switch_href,
            "csrf": self.csrf,
            // The menu entry to mark: a campaign's page belongs to the campaigns entry.
            "page": match template {
                "kampanye_detail" => "kampanye".to_string(),
                "akun_tautan" => "akun".to_string(),
                "data_induk_form" => "data-induk".to_string(),
                "alur_kerja_definisi" | "alur_kerja_instans" => "alur-kerja".to_string(),
                "angkatan_detail" | "program" => "angkatan".to_string(),
                "jabatan" => "suksesi".to_string(),
                "angkatan_reaksi" => "rencana-saya".to_string(),
                t => t.replace('_', "-"),
            },
            "title": title,
            "notice": self.notice,
            "analyst": self.analyst,
            "importer": self.importer,
            "account_keeper": self.account_keeper,
            "reference_keeper": self.reference_keeper,
            "whole": self.user.as_ref().is_some_and(|u| sees_whole_organisation(&u.0)),
            "user": self.user.as_ref().map(|u| json!({
                "name": u.2,
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

    /// A page from its computed view: 422 when it is shown again with a refused form, the
    /// error page when the view could not be computed.
    fn view(
        &self,
        refused: bool,
        template: &str,
        title: &str,
        data: Result<Value, ApiError>,
    ) -> Response {
        let status = if refused {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        match data {
            Ok(data) => self.render(status, template, title, data),
            Err(e) => self.error(e),
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

    /// A 303 to `to` that also remembers `lang` as this browser's language, or forgets the
    /// remembered one (so the person's saved preference, or the browser's, applies).
    fn redirect_remembering(&self, to: &str, lang: Option<Lang>) -> Response {
        let mut response = self.redirect(to);
        if let Ok(v) = HeaderValue::from_str(&language_cookie(lang)) {
            response.headers_mut().append(SET_COOKIE, v);
        }
        response
    }

    /// The error page for what an API handler answered.
    fn error(&self, e: ApiError) -> Response {
        let message = match &e {
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "page failed");
                None
            }
            ApiError::Validation(details) => Some(field_problems(details, self.lang).join("; ")),
            // The page says what the code means in its language; the API's English detail
            // is added only for English readers.
            other => (self.lang == Lang::En).then(|| other.to_string()),
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

/// An amount of Rupiah as Indonesian offices write it: `Rp 2.000.000` (dots between thousands).
pub(crate) fn rupiah_text(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(d);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp\u{a0}{grouped}")
}

/// A number with at most two decimals (none when whole), grouped by thousands: Indonesian
/// writes `1.250,5`, English `1,250.5`.
pub(crate) fn number_text(value: f64, english: bool) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let whole = rounded.abs().trunc() as u64;
    let cents = ((rounded.abs() - rounded.abs().trunc()) * 100.0).round() as u64;
    let (group, decimal) = if english { (',', '.') } else { ('.', ',') };
    let digits = whole.to_string();
    let mut text = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(group);
        }
        text.push(d);
    }
    if cents > 0 {
        let fraction = format!("{cents:02}");
        text.push(decimal);
        text.push_str(fraction.trim_end_matches('0'));
    }
    if negative { format!("-{text}") } else { text }
}

/// What an address nobody serves answers a browser: the not-found page in its language.
pub(crate) async fn not_found_page(ui: Ui) -> Response {
    ui.render(
        StatusCode::NOT_FOUND,
        "error",
        &ui.lang.text("error_title"),
        json!({"code": "not_found"}),
    )
}

/// Whether a request comes from a browser asking for a page (not an API client).
pub(crate) fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    !path.starts_with("/api/")
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// A posted form's fields: the first value of a name, and every value of a repeated one.
pub(crate) struct Posted(pub(crate) Vec<(String, String)>);

impl Posted {
    pub(crate) fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// Every field as posted, to fill a refused form again.
    pub(crate) fn values(&self) -> Value {
        Value::Object(self.0.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    }
}

/// Sets `key` of a JSON body to a form field's amount (`1.000.000` or `1 000 000` as offices
/// write it), or its text when it is not one (the reader then names the field); blank sets nothing.
fn put_amount(body: &mut Value, key: &str, text: &str) {
    let text = text.replace(['.', ' '], "");
    let text = text.trim();
    if !text.is_empty() {
        body[key] = text.parse::<i64>().map(|n| json!(n)).unwrap_or(json!(text));
    }
}

/// Sets `key` of a JSON body to a form field's text, unless it is blank.
fn put_text(body: &mut Value, key: &str, text: &str) {
    if !text.trim().is_empty() {
        body[key] = json!(text.trim());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rupiah_is_grouped_by_thousands_with_dots() {
        assert_eq!(super::rupiah_text(2_000_000), "Rp\u{a0}2.000.000");
        assert_eq!(super::rupiah_text(150), "Rp\u{a0}150");
        assert_eq!(super::rupiah_text(1_500), "Rp\u{a0}1.500");
        assert_eq!(super::rupiah_text(-12_345_678), "-Rp\u{a0}12.345.678");
        assert_eq!(super::rupiah_text(0), "Rp\u{a0}0");
    }

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        assert_eq!(super::number_text(85.0, false), "85");
        assert_eq!(super::number_text(62.5, false), "62,5");
        assert_eq!(super::number_text(1250.25, false), "1.250,25");
        assert_eq!(super::number_text(1250.25, true), "1,250.25");
        assert_eq!(super::number_text(88.888, false), "88,89");
        assert_eq!(super::number_text(-3.1, true), "-3.1");
    }
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../../templates/ui.css"),
    )
        .into_response()
}
