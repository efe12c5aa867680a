//! Notifications beyond the app, the use cases: the mail deliveries HR watches, a person's
//! preferences (daily digest, language, own address), and the personal calendar feed behind a
//! secret address: `{user id}.{version}.{HMAC}` signed with the server's key, so nothing secret
//! is stored and rotating (raising the version) makes the old address useless.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use chrono::Duration;
use hmac::{Hmac, Mac};
use icalendar::{Calendar, Component, Event, EventLike};
use jenjang_core::access::Action;
use jenjang_core::notify::{DeliveryStatus, DigestPreference, Email};
use jenjang_store::deliveries::{Delivery, DeliveryCounts, Preferences};
use jenjang_store::{Paging, Store};
use serde::Serialize;
use sha2::Sha256;
use utoipa::ToSchema;

/// The deliveries list as answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deliveries {
    pub items: Vec<Delivery>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    /// How many stand in each status, whatever the filter.
    pub counts: DeliveryCounts,
    /// Whether this server sends mail (SMTP configured); when not, nothing new is queued.
    pub mail_enabled: bool,
}

/// The mail deliveries, newest first (hr, admin).
pub async fn deliveries(
    cx: &Context<'_>,
    status: Option<DeliveryStatus>,
    paging: Paging,
) -> AppResult<Deliveries> {
    cx.require(Action::ReadDeliveries)?;
    let (page, counts) = cx.store.list_deliveries(status, paging).await?;
    Ok(Deliveries {
        items: page.items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        counts,
        mail_enabled: cx.store.mail_delivery(),
    })
}

/// The caller's preferences.
pub async fn preferences(cx: &Context<'_>) -> AppResult<Preferences> {
    Ok(cx.store.preferences(&cx.caller.username).await?)
}

/// What a person changes in their preferences; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct PreferencesChange {
    pub email_digest: Option<DigestPreference>,
    /// `Some(None)`: no chosen language (the browser's).
    pub language: Option<Option<String>>,
    /// The account's own address; `Some(None)` clears it (the employee's address is used).
    pub email: Option<Option<Email>>,
}

/// Changes the caller's preferences.
pub async fn set_preferences(
    cx: &Context<'_>,
    change: PreferencesChange,
) -> AppResult<Preferences> {
    if let Some(Some(l)) = &change.language
        && l != "id"
        && l != "en"
    {
        return Err(AppError::invalid("language", "id or en"));
    }
    Ok(cx
        .store
        .set_preferences(
            &cx.actor(),
            &cx.caller.username,
            change.email_digest,
            change.language,
            change.email,
        )
        .await?)
}

type HmacSha256 = Hmac<Sha256>;

fn signature(key: &[u8], user_id: i64, version: i32) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("jenjang-calendar:{user_id}:{version}").as_bytes());
    mac.finalize().into_bytes()[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn feed_url(public_url: &str, key: &[u8], user_id: i64, version: i32) -> String {
    format!(
        "{}/ical/{user_id}.{version}.{}.ics",
        public_url.trim_end_matches('/'),
        signature(key, user_id, version)
    )
}

/// The caller's secret calendar address.
pub async fn calendar_url(cx: &Context<'_>, key: &[u8], public_url: &str) -> AppResult<String> {
    let user = cx
        .store
        .find_user(&cx.caller.username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no account {}", cx.caller.username)))?;
    Ok(feed_url(public_url, key, user.id, user.calendar_version))
}

/// Gives the caller's calendar a new secret address (the old one stops working).
pub async fn rotate_calendar_url(
    cx: &Context<'_>,
    key: &[u8],
    public_url: &str,
) -> AppResult<String> {
    let user = cx
        .store
        .find_user(&cx.caller.username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no account {}", cx.caller.username)))?;
    let version = cx
        .store
        .rotate_calendar(&cx.actor(), &cx.caller.username)
        .await?;
    Ok(feed_url(public_url, key, user.id, version))
}

/// The calendar behind a secret address (`{id}.{version}.{signature}`), or not found for an
/// address that is wrong, rotated away, or of a disabled account — one answer for all, so the
/// address cannot be guessed piecewise.
pub async fn calendar_feed(
    store: &Store,
    key: &[u8],
    secret: &str,
    public_url: &str,
) -> AppResult<String> {
    let not_found = || AppError::NotFound("no such calendar".into());
    let mut parts = secret.splitn(3, '.');
    let (Some(id), Some(version), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(not_found());
    };
    let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i32>()) else {
        return Err(not_found());
    };
    let expected = signature(key, id, version);
    let same = expected.len() == sig.len()
        && expected
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(not_found());
    }
    let Some(owner) = store.calendar_owner(id).await? else {
        return Err(not_found());
    };
    if owner.version != version {
        return Err(not_found());
    }
    let entries = store
        .calendar_entries(owner.nip.as_deref(), &owner.role)
        .await?;
    let base = public_url.trim_end_matches('/');
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split(['/', ':'])
        .next()
        .unwrap_or("jenjang");
    let now = store.now();
    let mut cal = Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new(
            "PRODID",
            "-//Jenjang//Kalender//ID",
        ))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"))
        .name("Jenjang")
        .description("Angkatan pelatihan, tugas, dan rencana pengembangan dari Jenjang");
    for (code, program, provider, place, starts, ends) in &entries.cohorts {
        let mut e = Event::new();
        e.uid(&format!("cohort-{code}@{host}"))
            .timestamp(now)
            .summary(&format!("Pelatihan: {program} ({code})"))
            .description(&format!("Angkatan {code}, penyelenggara {provider}"))
            .starts(*starts)
            .ends(*ends + Duration::days(1))
            .url(&format!("{base}/angkatan/{code}"));
        if let Some(place) = place {
            e.location(place);
        }
        cal.push(e.done());
    }
    for t in &entries.tasks {
        let about = match (&t.subject_name, &t.subject_nip) {
            (Some(n), Some(nip)) => format!(" mengenai {n} ({nip})"),
            _ => String::new(),
        };
        cal.push(
            Event::new()
                .uid(&format!("task-{}@{host}", t.id))
                .timestamp(now)
                .summary(&format!("Batas tugas: {}", t.title))
                .description(&format!(
                    "Tugas \"{}\"{about}, paling lambat hari ini.",
                    t.title
                ))
                .starts(t.due)
                .ends(t.due + Duration::days(1))
                .url(&format!("{base}/rencana-saya"))
                .done(),
        );
    }
    for (id, code, name, due, year) in &entries.items {
        cal.push(
            Event::new()
                .uid(&format!("plan-item-{id}@{host}"))
                .timestamp(now)
                .summary(&format!("Target pengembangan: {name}"))
                .description(&format!(
                    "Program {name} ({code}) dalam rencana pengembangan {year}."
                ))
                .starts(*due)
                .ends(*due + Duration::days(1))
                .url(&format!("{base}/rencana-saya"))
                .done(),
        );
    }
    Ok(cal.done().to_string())
}

/// Reads a preferences change from the API's JSON (`{email_digest?, language?, email?}`; a
/// `null` language or email clears it), naming every bad field.
pub fn read_preferences(
    body: &serde_json::Value,
) -> Result<PreferencesChange, Vec<jenjang_core::FieldError>> {
    let mut errors = Vec::new();
    let mut f = crate::fields::Fields::root(body, &mut errors);
    let digest = f.opt_parse("email_digest", |s| s.parse::<DigestPreference>());
    let language = f.opt_parse("language", |s| match s {
        "id" | "en" => Ok(s.to_string()),
        _ => Err(format!("'{s}' is not id or en")),
    });
    let email = f.opt_parse("email", Email::parse);
    let present = |key: &str| body.get(key).is_some();
    let change = (|| {
        Some(PreferencesChange {
            email_digest: digest?,
            language: present("language").then_some(language?),
            email: present("email").then_some(email?),
        })
    })();
    crate::fields::finish(change, errors)
}
