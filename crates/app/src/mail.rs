//! Mail: the templates (`templates/mail/`, handlebars, Bahasa Indonesia, compiled in) that make
//! each mail's subject, plain text and HTML; the daily digests (who chose them, what is due,
//! waiting or new for them, nothing sent to someone with nothing to read); one-time account
//! links mailed when the account has an address.

use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use handlebars::Handlebars;
use jenjang_core::notify::{self, header_text};
use jenjang_store::Store;
use jenjang_store::deliveries::{NewMail, Outgoing};
use serde_json::{Value, json};
use std::sync::LazyLock;

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    /// One line, whatever the title held.
    pub subject: String,
    pub text: String,
    pub html: String,
}

const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "notification",
        include_str!("../../../templates/mail/notification.txt.hbs"),
        include_str!("../../../templates/mail/notification.html.hbs"),
    ),
    (
        "digest",
        include_str!("../../../templates/mail/digest.txt.hbs"),
        include_str!("../../../templates/mail/digest.html.hbs"),
    ),
    (
        "account",
        include_str!("../../../templates/mail/account.txt.hbs"),
        include_str!("../../../templates/mail/account.html.hbs"),
    ),
];

/// The compiled mail templates: plain text unescaped, HTML escaped.
pub struct MailTemplates {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
}

static COMPILED: LazyLock<MailTemplates> = LazyLock::new(|| {
    let mut text = Handlebars::new();
    text.register_escape_fn(handlebars::no_escape);
    text.set_strict_mode(true);
    let mut html = Handlebars::new();
    html.set_strict_mode(true);
    for (name, t, h) in TEMPLATES {
        text.register_template_string(name, t)
            .unwrap_or_else(|e| panic!("mail template {name}.txt is broken: {e}"));
        html.register_template_string(name, h)
            .unwrap_or_else(|e| panic!("mail template {name}.html is broken: {e}"));
    }
    MailTemplates { text, html }
});

/// The mail templates.
pub fn templates() -> &'static MailTemplates {
    &COMPILED
}

fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

impl MailTemplates {
    fn render(&self, name: &str, subject: &str, data: &Value) -> AppResult<Composed> {
        let text = self
            .text
            .render(name, data)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("mail template {name}: {e}")))?;
        let html = self
            .html
            .render(name, data)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("mail template {name}: {e}")))?;
        Ok(Composed {
            subject: header_text(subject),
            text,
            html,
        })
    }

    /// The mail of a notification: its title as the subject, its body, and the way back into
    /// the UI (the person's own page, or the HR dashboard for the HR queue).
    pub fn notification(&self, o: &Outgoing, public_url: &str) -> AppResult<Composed> {
        let Some(n) = &o.notification else {
            return Err(AppError::Internal(anyhow::anyhow!(
                "delivery {} has no notification",
                o.id
            )));
        };
        let page = if n.recipient_role.is_some() {
            "beranda"
        } else {
            "rencana-saya"
        };
        let data = json!({
            "name": o.name,
            "title": n.title,
            "body": n.body,
            "paragraphs": n.body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>(),
            "link": format!("{}/{page}", base(public_url)),
            "preferences_link": format!("{}/preferensi", base(public_url)),
        });
        self.render("notification", &format!("[Jenjang] {}", n.title), &data)
    }

    /// A one-time account link.
    pub fn account(
        &self,
        name: Option<&str>,
        username: &str,
        url: &str,
        activation: bool,
        expires: &str,
    ) -> AppResult<Composed> {
        let subject = if activation {
            "[Jenjang] Aktivasi akun Anda"
        } else {
            "[Jenjang] Atur ulang kata sandi"
        };
        let data = json!({
            "name": name, "username": username, "url": url,
            "activation": activation, "expires": expires,
        });
        self.render("account", subject, &data)
    }

    fn digest(&self, day: NaiveDate, data: &Value) -> AppResult<Composed> {
        self.render(
            "digest",
            &format!("[Jenjang] Ringkasan harian {}", day.format("%d-%m-%Y")),
            data,
        )
    }
}

/// Queues today's digests once today's digest hour has come (setting `digest_hour`, in the
/// organisation's time zone), unless this or another process already did: for each account
/// that chose the daily digest and has an address, their open tasks with their due dates (and
/// their role queue's, for hr and admin; the overdue marked), the plans and SKPs waiting for their approval, and
/// the notifications of the last day; someone with nothing of these gets no mail. Answers how
/// many digests were queued, `None` when none were due.
pub async fn queue_digests(store: &Store, public_url: &str) -> AppResult<Option<u64>> {
    let now = store.now();
    let zone = store.time_zone().await?;
    let hour = store
        .setting("digest_hour")
        .await?
        .and_then(|h| h.parse().ok())
        .unwrap_or(notify::DEFAULT_DIGEST_HOUR);
    let local = jenjang_core::idp::local_time_in(&zone, now);
    let Some(day) = notify::digest_day(local, hour) else {
        return Ok(None);
    };
    if store.digests_done(day).await? {
        return Ok(None);
    }
    let mails = compose_digests(store, public_url, day, now).await?;
    Ok(store.queue_digests(day, &mails).await?)
}

/// How many tasks a digest lists (the rest are counted).
const DIGEST_LIST: usize = 25;

async fn compose_digests(
    store: &Store,
    public_url: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Vec<NewMail>> {
    let readers = store.digest_readers().await?;
    let nips: Vec<String> = readers.iter().filter_map(|r| r.nip.clone()).collect();
    let mut roles: Vec<String> = readers
        .iter()
        .filter(|r| r.role == "hr" || r.role == "admin")
        .map(|r| r.role.clone())
        .collect();
    roles.sort();
    roles.dedup();
    let every_due_date = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let tasks = store.open_tasks_of(&nips, &roles, every_due_date).await?;
    let approvals = store.approvals_waiting(&nips).await?;
    let reminders = store
        .reminders_since(&nips, now - Duration::days(1))
        .await?;
    let mut mails = Vec::new();
    for r in &readers {
        let mine = |who: &str| r.nip.as_deref() == Some(who);
        let own_tasks: Vec<Value> = tasks
            .iter()
            .filter(|t| mine(&t.assignee) || (roles.contains(&r.role) && t.assignee == r.role))
            .map(|t| {
                json!({
                    "title": t.title, "subject_name": t.subject_name,
                    "due": t.due.format("%d-%m-%Y").to_string(), "overdue": t.due < day,
                })
            })
            .collect();
        let own_approvals: Vec<Value> = approvals
            .iter()
            .filter(|a| mine(&a.approver))
            .map(|a| {
                json!({
                    "what": if a.kind == "plan" { "Rencana pengembangan" } else { "SKP" },
                    "year": a.year, "name": a.name, "nip": a.nip,
                })
            })
            .collect();
        let own_reminders: Vec<Value> = reminders
            .iter()
            .filter(|m| mine(&m.recipient))
            .map(|m| json!({"title": m.title}))
            .collect();
        if own_tasks.is_empty() && own_approvals.is_empty() && own_reminders.is_empty() {
            continue;
        }
        // A long queue (the HR queue) is listed up to a point and counted whole.
        let task_count = own_tasks.len();
        let own_tasks: Vec<Value> = own_tasks.into_iter().take(DIGEST_LIST).collect();
        let data = json!({
            "name": r.name, "day": day.format("%d-%m-%Y").to_string(),
            "more_tasks": task_count.saturating_sub(DIGEST_LIST),
            "task_count": task_count, "approval_count": own_approvals.len(),
            "reminder_count": own_reminders.len(),
            "tasks": own_tasks, "approvals": own_approvals, "reminders": own_reminders,
            "link": format!("{}/rencana-saya", base(public_url)),
            "preferences_link": format!("{}/preferensi", base(public_url)),
        });
        let c = templates().digest(day, &data)?;
        mails.push(NewMail {
            kind: "digest",
            to: r.to.clone(),
            recipient_nip: r.nip.clone(),
            dedup_key: format!("d:{day}:{}", r.username),
            subject: c.subject,
            text: c.text,
            html: c.html,
        });
    }
    Ok(mails)
}

/// Queues a one-time link for the account's owner when the account (or its employee) has an
/// address and mail is on; answers the address.
pub async fn queue_account_link(
    store: &Store,
    username: &str,
    url: &str,
    activation: bool,
    expires_at: DateTime<Utc>,
) -> AppResult<Option<String>> {
    if !store.mail_delivery() {
        return Ok(None);
    }
    let Some((to, name)) = store.account_address(username).await? else {
        return Ok(None);
    };
    let zone = store.time_zone().await?;
    let expires = jenjang_core::idp::local_time_in(&zone, expires_at)
        .format("%d-%m-%Y %H:%M")
        .to_string();
    let c = templates().account(name.as_deref(), username, url, activation, &expires)?;
    let token_key: String = url
        .rsplit('=')
        .next()
        .unwrap_or(url)
        .chars()
        .take(16)
        .collect();
    store
        .queue_mail(NewMail {
            kind: "account",
            to: to.clone(),
            recipient_nip: None,
            dedup_key: format!("a:{username}:{token_key}"),
            subject: c.subject,
            text: c.text,
            html: c.html,
        })
        .await?;
    Ok(Some(to.to_string()))
}
