//! Notifications beyond the app in the UI: one's mail and calendar preferences (the daily
//! digest, the language, one's own address, the secret calendar address and its rotation), and
//! the mail deliveries HR watches.

#[allow(unused_imports)]
use super::*;
use crate::extract::Params;
use jenjang_app::notifications;
use jenjang_core::notify::{DeliveryStatus, DigestPreference};
use jenjang_store::Paging;

async fn preferences_view(
    s: &AppState,
    ui: &Ui,
    headers: &HeaderMap,
    failed: Option<(Vec<String>, Value)>,
    notice: Option<&str>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let title = ui.lang.text("nav_preferences");
    let data = async {
        let cx = s.context(&user);
        let prefs = notifications::preferences(&cx).await?;
        let url = notifications::calendar_url(&cx, &s.feed_key, &s.public_url(headers)).await?;
        // A refused form is shown with what was chosen in it, not what is stored.
        let chosen = |key: &str| {
            failed
                .as_ref()
                .and_then(|(_, v)| v[key].as_str().map(str::to_string))
        };
        let digest = chosen("email_digest").unwrap_or(prefs.email_digest.as_str().to_string());
        let language = match failed {
            Some(_) => chosen("language"),
            None => prefs.language.clone(),
        };
        Ok::<_, ApiError>(json!({
            "prefs": prefs,
            "daily": digest == DigestPreference::Daily.as_str(),
            "english": language.as_deref() == Some("en"),
            "indonesian": language.as_deref() == Some("id"),
            "calendar_url": url,
            "mail_enabled": s.store.mail_delivery(),
            "failed": failed.as_ref().map(|(m, v)| json!({"messages": m, "values": v})),
            "saved": notice,
        }))
    }
    .await;
    match data {
        Ok(data) => {
            let status = if failed.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            ui.render(status, "preferensi", &title, data)
        }
        Err(e) => ui.error(e),
    }
}

pub(super) async fn preferences_page(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
) -> Response {
    preferences_view(&s, &ui, &headers, None, None).await
}

#[derive(Deserialize)]
pub(super) struct PreferencesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email_digest: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    email: String,
}

pub(super) async fn preferences_form(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Form(form): Form<PreferencesForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let values = json!({
        "email": form.email,
        "email_digest": form.email_digest,
        "language": form.language,
    });
    // The form is the API's body: the same reading, the same coded problems.
    let blank = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let body = json!({
        "email_digest": form.email_digest,
        "language": blank(&form.language),
        "email": blank(&form.email),
    });
    let change = match notifications::read_preferences(&body) {
        Ok(c) => c,
        Err(details) => {
            let messages = my_work::field_problems(&details, ui.lang);
            return preferences_view(&s, &ui, &headers, Some((messages, values)), None).await;
        }
    };
    let language = change.language.clone().flatten();
    match notifications::set_preferences(&s.context(&user), change).await {
        // The saved language is the pages' from now on (a choice remembered earlier in this
        // browser would otherwise win over it).
        Ok(_) => ui.redirect_remembering(
            "/preferensi?notice=preferences_saved",
            language.as_deref().and_then(Lang::parse),
        ),
        Err(jenjang_app::AppError::Invalid(details)) => {
            let messages = my_work::field_problems(&details, ui.lang);
            preferences_view(&s, &ui, &headers, Some((messages, values)), None).await
        }
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn rotate_calendar_form(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    match notifications::rotate_calendar_url(
        &s.context(&user),
        &s.feed_key,
        &s.public_url(&headers),
    )
    .await
    {
        Ok(_) => ui.redirect("/preferensi?notice=calendar_rotated"),
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct DeliveriesQuery {
    status: Option<String>,
    offset: Option<u64>,
}

const PAGE: u64 = 50;

/// Pengiriman Surel: the mail deliveries, by status, newest first (hr, admin).
pub(super) async fn deliveries_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<DeliveriesQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let lang = ui.lang;
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<DeliveryStatus>().ok());
    let offset = q.offset.unwrap_or(0);
    let data = async {
        let list = notifications::deliveries(
            &s.context(&user),
            status,
            Paging::new(Some(PAGE), Some(offset)),
        )
        .await?;
        let t = lang.messages();
        let rows: Vec<Value> = list
            .items
            .iter()
            .map(|d| {
                json!({
                    "created": d.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    "to": d.to,
                    "subject": d.subject,
                    "kind": t["delivery_kinds"][d.kind.as_str()].as_str().unwrap_or(&d.kind),
                    "status": t["delivery_statuses"][d.status.as_str()],
                    "status_code": d.status.as_str(),
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "next": d.next_attempt_at.map(|n| n.format("%Y-%m-%d %H:%M").to_string()),
                    "sent": d.sent_at.map(|n| n.format("%Y-%m-%d %H:%M").to_string()),
                })
            })
            .collect();
        let tabs: Vec<Value> = [None, Some("queued"), Some("sent"), Some("failed")]
            .iter()
            .map(|k| {
                let count = match k {
                    None => list.counts.queued + list.counts.sent + list.counts.failed,
                    Some("queued") => list.counts.queued,
                    Some("sent") => list.counts.sent,
                    _ => list.counts.failed,
                };
                json!({
                    "href": k.map(|k| format!("/pengiriman?status={k}")).unwrap_or_else(|| "/pengiriman".into()),
                    "label": k.map(|k| t["delivery_statuses"][k].clone()).unwrap_or_else(|| t["all"].clone()),
                    "count": count,
                    "current": status.map(|s| s.as_str()) == *k,
                })
            })
            .collect();
        let base = match status {
            Some(s) => format!("/pengiriman?status={}&", s.as_str()),
            None => "/pengiriman?".to_string(),
        };
        Ok::<_, ApiError>(json!({
            "rows": rows,
            "tabs": tabs,
            "mail_enabled": list.mail_enabled,
            "pager": {
                "first": if list.total == 0 { 0 } else { offset + 1 },
                "last": (offset + PAGE).min(list.total),
                "total": list.total,
                "prev": (offset > 0).then(|| format!("{base}offset={}", offset.saturating_sub(PAGE))),
                "next": (offset + PAGE < list.total).then(|| format!("{base}offset={}", offset + PAGE)),
            },
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "pengiriman",
            &lang.text("nav_deliveries"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}
