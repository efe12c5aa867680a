//! The outbox of mail: a delivery per notification and address, queued in the transaction that
//! writes the notification (set-based, from the recipients' addresses and preferences), digests
//! and account links queued under a dedup key, claimed by the mail worker under a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two `serve` processes never take the same row),
//! then marked sent, retried later or failed; the days whose digests were queued; a person's
//! preferences and calendar-feed version.

use crate::db::{Page, Paging, Store, insert_rows, placeholders, stmt};
use crate::error::{Result, StoreError, stored};
use crate::workflows::lock_clause;
use crate::{Actor, audit};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::notify::{DeliveryStatus, DigestPreference, Email};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

const NOTIFICATION_COLUMNS: &str = "INSERT INTO notifications (recipient_nip, recipient_role, subject_nip, instance_id, template, title, body, created_at)";

/// Writes notifications (8 values a row, in the order of `notifications`' insert) and, when
/// `mail` is on, queues their mail deliveries in the same transaction: one per notification to
/// a person with an address who has not chosen the daily digest, and one per enabled account
/// of an addressed role with an address. A notification queued twice is one delivery.
pub(crate) async fn write_notifications<C: ConnectionTrait>(
    conn: &C,
    values: Vec<Value>,
    now: DateTime<Utc>,
    mail: bool,
) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let before = if mail {
        let row = conn
            .query_one_raw(stmt(
                conn.get_database_backend(),
                "SELECT COALESCE(MAX(id), 0) AS id FROM notifications",
                vec![],
            ))
            .await?;
        Some(
            row.map(|r| r.try_get::<i64>("", "id"))
                .transpose()?
                .unwrap_or(0),
        )
    } else {
        None
    };
    insert_rows(conn, NOTIFICATION_COLUMNS, "", 8, values).await?;
    if let Some(after) = before {
        queue_notification_mail(conn, after, now).await?;
    }
    Ok(())
}

/// Queues the mail of the notifications with an id above `after`.
async fn queue_notification_mail<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = conn.get_database_backend();
    let head = "INSERT INTO notification_deliveries (notification_id, kind, channel, to_address, recipient_nip, \
         dedup_key, status, attempts, next_attempt_at, created_at)";
    // To a person: the account's address, else the employee's; not to a leaver, not to a
    // disabled account, not to someone who reads a daily digest instead.
    let personal = format!(
        "{head} SELECT n.id, 'notification', 'email', COALESCE(u.email, e.email), n.recipient_nip, \
         'n:' || CAST(n.id AS TEXT) || ':' || COALESCE(u.email, e.email), 'queued', 0, $2, $2 \
         FROM notifications n JOIN employees e ON e.nip = n.recipient_nip \
         LEFT JOIN users u ON u.nip = n.recipient_nip \
         WHERE n.id > $1 AND e.status = 'aktif' AND COALESCE(u.active, TRUE) = TRUE \
         AND COALESCE(u.email, e.email) IS NOT NULL AND COALESCE(u.email_digest, 'none') = 'none' \
         ON CONFLICT (dedup_key) DO NOTHING"
    );
    // To a role's queue (`hr`): each enabled account of that role with an address.
    let role = format!(
        "{head} SELECT n.id, 'notification', 'email', COALESCE(u.email, e.email), u.nip, \
         'n:' || CAST(n.id AS TEXT) || ':' || COALESCE(u.email, e.email), 'queued', 0, $2, $2 \
         FROM notifications n JOIN users u ON u.role = n.recipient_role AND u.active = TRUE \
         LEFT JOIN employees e ON e.nip = u.nip \
         WHERE n.id > $1 AND n.recipient_nip IS NULL \
         AND COALESCE(u.email, e.email) IS NOT NULL AND u.email_digest = 'none' \
         ON CONFLICT (dedup_key) DO NOTHING"
    );
    for sql in [personal, role] {
        conn.execute_raw(stmt(backend, &sql, vec![after.into(), now.into()]))
            .await?;
    }
    Ok(())
}

/// A mail composed when it is queued (a digest, an account link).
#[derive(Debug, Clone)]
pub struct NewMail {
    /// `digest` or `account`.
    pub kind: &'static str,
    pub to: Email,
    pub recipient_nip: Option<String>,
    /// The same key queued again is one mail.
    pub dedup_key: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues composed mails; answers how many were new.
pub async fn queue_mails<C: ConnectionTrait>(
    conn: &C,
    mails: &[NewMail],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut new = 0;
    for m in mails {
        let done = conn
            .execute_raw(stmt(
                conn.get_database_backend(),
                "INSERT INTO notification_deliveries (kind, channel, to_address, recipient_nip, dedup_key, \
                 subject, body_text, body_html, status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, 'email', $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) \
                 ON CONFLICT (dedup_key) DO NOTHING",
                vec![
                    m.kind.into(),
                    m.to.as_str().into(),
                    m.recipient_nip.clone().into(),
                    m.dedup_key.clone().into(),
                    m.subject.clone().into(),
                    m.text.clone().into(),
                    m.html.clone().into(),
                    now.into(),
                ],
            ))
            .await?;
        new += done.rows_affected();
    }
    Ok(new)
}

/// A claimed delivery with what its mail is made of.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: String,
    pub to: String,
    /// The recipient's name, when the address is an employee's.
    pub name: Option<String>,
    /// This try, 1 for the first.
    pub attempt: i32,
    /// Composed when queued (digests, account links).
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The notification, for notification mail.
    pub notification: Option<OutgoingNotice>,
}

#[derive(Debug, Clone)]
pub struct OutgoingNotice {
    pub id: i64,
    pub template: String,
    pub title: String,
    pub body: String,
    pub subject_nip: Option<String>,
    pub subject_name: Option<String>,
    /// The role queue it was for (`hr`), when not for a person.
    pub recipient_role: Option<String>,
}

/// One delivery as HR sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The notification mailed (absent for digests and account links).
    pub notification_id: Option<i64>,
    /// `notification`, `digest` or `account`.
    pub kind: String,
    /// `email`.
    pub channel: String,
    pub to: String,
    pub recipient_nip: Option<String>,
    /// The notification's title or the mail's subject.
    pub subject: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// How many deliveries stand in each status.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct DeliveryCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

/// A person's notification preferences.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Preferences {
    pub email_digest: DigestPreference,
    /// `id` or `en`; the pages' language when no other is chosen.
    pub language: Option<String>,
    /// Where mail goes: the account's address, else the employee's.
    pub email: Option<String>,
    /// The account's own address, when one was given (else the employee's is used).
    pub account_email: Option<String>,
}

/// Who gets a digest today: enabled accounts that chose it and have an address.
#[derive(Debug, Clone)]
pub struct DigestReader {
    pub username: String,
    pub nip: Option<String>,
    pub name: Option<String>,
    pub role: String,
    pub to: Email,
}

/// An open task as a digest or a calendar lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DueTask {
    pub id: i64,
    pub assignee: String,
    pub title: String,
    pub due: NaiveDate,
    pub subject_nip: Option<String>,
    pub subject_name: Option<String>,
}

/// A development plan waiting for its approver.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingApproval {
    pub approver: String,
    pub nip: String,
    pub name: String,
    pub year: i32,
    /// `plan` or `skp`.
    pub kind: &'static str,
}

/// A notification kept for a digest reader.
#[derive(Debug, Clone, Serialize)]
pub struct Reminder {
    pub recipient: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Whose calendar a feed address is.
#[derive(Debug, Clone)]
pub struct CalendarOwner {
    pub username: String,
    pub nip: Option<String>,
    pub role: String,
    pub version: i32,
}

/// What a calendar feed shows: cohort days, task due dates, plan item due dates.
#[derive(Debug, Clone, Default)]
pub struct CalendarEntries {
    /// (cohort code, program name, provider, place, starts, ends).
    pub cohorts: Vec<(String, String, String, Option<String>, NaiveDate, NaiveDate)>,
    pub tasks: Vec<DueTask>,
    /// (item id, program code, program name, due, year).
    pub items: Vec<(i64, String, String, NaiveDate, i32)>,
}

fn delivery_from(r: &QueryResult) -> Result<Delivery> {
    let id: i64 = r.try_get("", "id")?;
    let status: String = r.try_get("", "status")?;
    let status = stored("notification_deliveries", id.to_string(), &status)?;
    Ok(Delivery {
        id,
        notification_id: r.try_get("", "notification_id")?,
        kind: r.try_get("", "kind")?,
        channel: r.try_get("", "channel")?,
        to: r.try_get("", "to_address")?,
        recipient_nip: r.try_get("", "recipient_nip")?,
        subject: r.try_get("", "subject")?,
        next_attempt_at: if status == DeliveryStatus::Queued {
            r.try_get("", "next_attempt_at")?
        } else {
            None
        },
        status,
        attempts: r.try_get("", "attempts")?,
        last_error: r.try_get("", "last_error")?,
        sent_at: r.try_get("", "sent_at")?,
        created_at: r.try_get("", "created_at")?,
    })
}

impl Store {
    /// Claims up to `limit` deliveries due at now for `lease` (each claim counts as an attempt).
    pub async fn claim_deliveries(
        &self,
        limit: u64,
        lease: chrono::Duration,
    ) -> Result<Vec<Outgoing>> {
        let now = self.now();
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        let sql = format!(
            "UPDATE notification_deliveries SET leased_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM notification_deliveries WHERE status = 'queued' \
             AND next_attempt_at <= $2 AND (leased_until IS NULL OR leased_until <= $2) \
             ORDER BY next_attempt_at, id LIMIT {limit}{}) RETURNING id",
            lock_clause(backend)
        );
        let ids: Vec<i64> = txn
            .query_all_raw(stmt(backend, &sql, vec![(now + lease).into(), now.into()]))
            .await?
            .iter()
            .map(|r| r.try_get("", "id"))
            .collect::<std::result::Result<_, _>>()?;
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT d.id, d.kind, d.to_address, d.attempts, d.subject, d.body_text, d.body_html, \
             r.name AS recipient_name, n.id AS notification_id, n.template, n.title, n.body, \
             n.subject_nip, n.recipient_role, s.name AS subject_name \
             FROM notification_deliveries d \
             LEFT JOIN employees r ON r.nip = d.recipient_nip \
             LEFT JOIN notifications n ON n.id = d.notification_id \
             LEFT JOIN employees s ON s.nip = n.subject_nip \
             WHERE d.id IN ({}) ORDER BY d.id",
            placeholders(1, ids.len())
        );
        let rows = txn
            .query_all_raw(stmt(
                backend,
                &sql,
                ids.iter().map(|i| (*i).into()).collect(),
            ))
            .await?;
        txn.commit().await?;
        rows.iter()
            .map(|r| {
                let notification: Option<i64> = r.try_get("", "notification_id")?;
                Ok(Outgoing {
                    id: r.try_get("", "id")?,
                    kind: r.try_get("", "kind")?,
                    to: r.try_get("", "to_address")?,
                    name: r.try_get("", "recipient_name")?,
                    attempt: r.try_get("", "attempts")?,
                    subject: r.try_get("", "subject")?,
                    text: r.try_get("", "body_text")?,
                    html: r.try_get("", "body_html")?,
                    notification: match notification {
                        Some(id) => Some(OutgoingNotice {
                            id,
                            template: r.try_get("", "template")?,
                            title: r.try_get("", "title")?,
                            body: r.try_get("", "body")?,
                            subject_nip: r.try_get("", "subject_nip")?,
                            subject_name: r.try_get("", "subject_name")?,
                            recipient_role: r.try_get("", "recipient_role")?,
                        }),
                        None => None,
                    },
                })
            })
            .collect()
    }

    /// Marks deliveries sent (an account link's body, which holds a one-time token, is
    /// dropped once it went out).
    pub async fn mark_sent(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut values: Vec<Value> = vec![self.now().into()];
        values.extend(ids.iter().map(|i| Value::from(*i)));
        let sql = format!(
            "UPDATE notification_deliveries SET status = 'sent', sent_at = $1, leased_until = NULL, \
             last_error = NULL, \
             body_text = CASE WHEN kind = 'account' THEN NULL ELSE body_text END, \
             body_html = CASE WHEN kind = 'account' THEN NULL ELSE body_html END \
             WHERE id IN ({}) AND status = 'queued'",
            placeholders(2, ids.len())
        );
        self.db
            .execute_raw(stmt(self.backend(), &sql, values))
            .await?;
        Ok(())
    }

    /// Records a failed try: tried again at `retry_at`, or given up (`None`).
    pub async fn mark_unsent(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let error: String = error.chars().take(1000).collect();
        let (sql, values): (&str, Vec<Value>) = match retry_at {
            Some(at) => (
                "UPDATE notification_deliveries SET last_error = $1, next_attempt_at = $2, \
                 leased_until = NULL WHERE id = $3 AND status = 'queued'",
                vec![error.into(), at.into(), id.into()],
            ),
            None => (
                "UPDATE notification_deliveries SET status = 'failed', last_error = $1, \
                 leased_until = NULL, body_text = CASE WHEN kind = 'account' THEN NULL ELSE body_text END, \
                 body_html = CASE WHEN kind = 'account' THEN NULL ELSE body_html END \
                 WHERE id = $2 AND status = 'queued'",
                vec![error.into(), id.into()],
            ),
        };
        self.db
            .execute_raw(stmt(self.backend(), sql, values))
            .await?;
        Ok(())
    }

    /// The earliest time a queued delivery becomes due (to sleep until then).
    pub async fn next_delivery_at(&self) -> Result<Option<DateTime<Utc>>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT MIN(CASE WHEN leased_until IS NOT NULL AND leased_until > next_attempt_at \
                 THEN leased_until ELSE next_attempt_at END) AS at \
                 FROM notification_deliveries WHERE status = 'queued'",
                vec![],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<DateTime<Utc>>>("", "at"))
            .transpose()?
            .flatten())
    }

    /// The deliveries, newest first, optionally of one status, with the counts per status.
    pub async fn list_deliveries(
        &self,
        status: Option<DeliveryStatus>,
        paging: Paging,
    ) -> Result<(Page<Delivery>, DeliveryCounts)> {
        let (filter, values): (&str, Vec<Value>) = match status {
            Some(s) => ("WHERE d.status = $1", vec![s.as_str().into()]),
            None => ("", vec![]),
        };
        let sql = format!(
            "SELECT d.id, d.notification_id, d.kind, d.channel, d.to_address, d.recipient_nip, \
             COALESCE(d.subject, n.title) AS subject, d.status, d.attempts, d.last_error, \
             d.next_attempt_at, d.sent_at, d.created_at \
             FROM notification_deliveries d LEFT JOIN notifications n ON n.id = d.notification_id \
             {filter} ORDER BY d.id DESC LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        );
        let items = self
            .db
            .query_all_raw(stmt(self.backend(), &sql, values))
            .await?
            .iter()
            .map(delivery_from)
            .collect::<Result<Vec<_>>>()?;
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT status, COUNT(*) AS n FROM notification_deliveries GROUP BY status",
                vec![],
            ))
            .await?;
        let mut counts = DeliveryCounts::default();
        for r in rows {
            let s: String = r.try_get("", "status")?;
            let n: i64 = r.try_get("", "n")?;
            match stored::<DeliveryStatus>("notification_deliveries", "status", &s)? {
                DeliveryStatus::Queued => counts.queued = n,
                DeliveryStatus::Sent => counts.sent = n,
                DeliveryStatus::Failed => counts.failed = n,
            }
        }
        let total = match status {
            Some(DeliveryStatus::Queued) => counts.queued,
            Some(DeliveryStatus::Sent) => counts.sent,
            Some(DeliveryStatus::Failed) => counts.failed,
            None => counts.queued + counts.sent + counts.failed,
        } as u64;
        Ok((
            Page {
                items,
                total,
                limit: paging.limit,
                offset: paging.offset,
            },
            counts,
        ))
    }

    /// Where mail for an account goes: its own address, else its employee's.
    pub async fn account_address(&self, username: &str) -> Result<Option<(Email, Option<String>)>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COALESCE(u.email, e.email) AS email, e.name FROM users u \
                 LEFT JOIN employees e ON e.nip = u.nip WHERE u.username = $1",
                vec![username.into()],
            ))
            .await?;
        let Some(r) = row else { return Ok(None) };
        let email: Option<String> = r.try_get("", "email")?;
        Ok(match email {
            Some(e) => Some((Email::from_stored(e), r.try_get("", "name")?)),
            None => None,
        })
    }

    /// A person's preferences.
    pub async fn preferences(&self, username: &str) -> Result<Preferences> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT u.email_digest, u.language, COALESCE(u.email, e.email) AS email, u.email AS account_email FROM users u \
                 LEFT JOIN employees e ON e.nip = u.nip WHERE u.username = $1",
                vec![username.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                key: username.to_string(),
            })?;
        let digest: String = row.try_get("", "email_digest")?;
        Ok(Preferences {
            email_digest: stored("users", username, &digest)?,
            language: row.try_get("", "language")?,
            email: row.try_get("", "email")?,
            account_email: row.try_get("", "account_email")?,
        })
    }

    /// Changes a person's preferences (and the account's own address when given: `Some(None)`
    /// clears it); audited.
    pub async fn set_preferences(
        &self,
        actor: &Actor,
        username: &str,
        digest: Option<DigestPreference>,
        language: Option<Option<String>>,
        email: Option<Option<Email>>,
    ) -> Result<Preferences> {
        let before = self.preferences(username).await?;
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        let mut changed = serde_json::Map::new();
        if let Some(d) = digest
            && d != before.email_digest
        {
            txn.execute_raw(stmt(
                backend,
                "UPDATE users SET email_digest = $1 WHERE username = $2",
                vec![d.as_str().into(), username.into()],
            ))
            .await?;
            changed.insert("email_digest".into(), d.as_str().into());
        }
        if let Some(l) = language
            && l != before.language
        {
            txn.execute_raw(stmt(
                backend,
                "UPDATE users SET language = $1 WHERE username = $2",
                vec![l.clone().into(), username.into()],
            ))
            .await?;
            changed.insert("language".into(), l.into());
        }
        if let Some(e) = email {
            let e = e.map(|e| e.to_string());
            txn.execute_raw(stmt(
                backend,
                "UPDATE users SET email = $1 WHERE username = $2",
                vec![e.clone().into(), username.into()],
            ))
            .await?;
            changed.insert("email".into(), e.into());
        }
        if !changed.is_empty() {
            audit::record(
                &txn,
                actor,
                "update",
                "preferences",
                username,
                serde_json::Value::Object(changed),
                self.now(),
            )
            .await?;
        }
        txn.commit().await?;
        self.preferences(username).await
    }

    /// The enabled account whose calendar feed `user_id` names, with the feed's version
    /// (raised to make an old address useless).
    pub async fn calendar_owner(&self, user_id: i64) -> Result<Option<CalendarOwner>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT username, nip, role, calendar_version FROM users WHERE id = $1 AND active = TRUE",
                vec![user_id.into()],
            ))
            .await?;
        row.map(|r| {
            Ok(CalendarOwner {
                username: r.try_get("", "username")?,
                nip: r.try_get("", "nip")?,
                role: r.try_get("", "role")?,
                version: r.try_get("", "calendar_version")?,
            })
        })
        .transpose()
    }

    /// Gives an account's calendar feed a new address; answers the new version. Audited.
    pub async fn rotate_calendar(&self, actor: &Actor, username: &str) -> Result<i32> {
        let txn = self.begin_write().await?;
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "UPDATE users SET calendar_version = calendar_version + 1 WHERE username = $1",
            vec![username.into()],
        ))
        .await?;
        let row = txn
            .query_one_raw(stmt(
                txn.get_database_backend(),
                "SELECT calendar_version FROM users WHERE username = $1",
                vec![username.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                key: username.to_string(),
            })?;
        let version: i32 = row.try_get("", "calendar_version")?;
        audit::record(
            &txn,
            actor,
            "rotate",
            "calendar_feed",
            username,
            serde_json::json!({ "version": version }),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(version)
    }

    /// Who reads a daily digest: enabled accounts that chose it and have an address.
    pub async fn digest_readers(&self) -> Result<Vec<DigestReader>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT u.username, u.nip, u.role, e.name, COALESCE(u.email, e.email) AS email \
                 FROM users u LEFT JOIN employees e ON e.nip = u.nip \
                 WHERE u.active = TRUE AND u.email_digest = 'daily' \
                 AND COALESCE(u.email, e.email) IS NOT NULL AND (e.nip IS NULL OR e.status = 'aktif') \
                 ORDER BY u.username",
                vec![],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DigestReader {
                    username: r.try_get("", "username")?,
                    nip: r.try_get("", "nip")?,
                    name: r.try_get("", "name")?,
                    role: r.try_get("", "role")?,
                    to: Email::from_stored(r.try_get("", "email")?),
                })
            })
            .collect()
    }

    /// Open tasks due by `until` of the given people (by NIP) and role queues.
    pub async fn open_tasks_of(
        &self,
        nips: &[String],
        roles: &[String],
        until: NaiveDate,
    ) -> Result<Vec<DueTask>> {
        if nips.is_empty() && roles.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> = vec![until.into()];
        let mut terms = Vec::new();
        if !nips.is_empty() {
            terms.push(format!(
                "t.assignee_nip IN ({})",
                placeholders(values.len() + 1, nips.len())
            ));
            values.extend(nips.iter().map(|n| Value::from(n.clone())));
        }
        if !roles.is_empty() {
            terms.push(format!(
                "(t.assignee_nip IS NULL AND t.assignee_role IN ({}))",
                placeholders(values.len() + 1, roles.len())
            ));
            values.extend(roles.iter().map(|n| Value::from(n.clone())));
        }
        let sql = format!(
            "SELECT t.id, COALESCE(t.assignee_nip, t.assignee_role) AS assignee, t.title, t.due, \
             t.subject_nip, s.name AS subject_name FROM workflow_tasks t \
             LEFT JOIN employees s ON s.nip = t.subject_nip \
             WHERE t.status = 'open' AND t.due <= $1 AND ({}) ORDER BY t.due, t.id",
            terms.join(" OR ")
        );
        self.db
            .query_all_raw(stmt(self.backend(), &sql, values))
            .await?
            .iter()
            .map(|r| {
                Ok(DueTask {
                    id: r.try_get("", "id")?,
                    assignee: r.try_get("", "assignee")?,
                    title: r.try_get("", "title")?,
                    due: r.try_get("", "due")?,
                    subject_nip: r.try_get("", "subject_nip")?,
                    subject_name: r.try_get("", "subject_name")?,
                })
            })
            .collect()
    }

    /// Development plans and SKPs submitted and waiting for their approver among `approvers`
    /// (the direct supervisor).
    pub async fn approvals_waiting(&self, approvers: &[String]) -> Result<Vec<WaitingApproval>> {
        if approvers.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(1, approvers.len());
        let values: Vec<Value> = approvers.iter().map(|n| Value::from(n.clone())).collect();
        let mut out = Vec::new();
        for (kind, table) in [("plan", "development_plans"), ("skp", "skps")] {
            let sql = format!(
                "SELECT e.supervisor_nip, p.nip, e.name, CAST(p.year AS INTEGER) AS year FROM {table} p \
                 JOIN employees e ON e.nip = p.nip \
                 WHERE p.status = 'submitted' AND e.supervisor_nip IN ({list}) ORDER BY p.nip"
            );
            for r in self
                .db
                .query_all_raw(stmt(self.backend(), &sql, values.clone()))
                .await?
            {
                out.push(WaitingApproval {
                    approver: r.try_get("", "supervisor_nip")?,
                    nip: r.try_get("", "nip")?,
                    name: r.try_get("", "name")?,
                    year: r.try_get("", "year")?,
                    kind,
                });
            }
        }
        Ok(out)
    }

    /// Notifications to the given people since `since`, oldest first.
    pub async fn reminders_since(
        &self,
        nips: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<Reminder>> {
        if nips.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> = vec![since.into()];
        values.extend(nips.iter().map(|n| Value::from(n.clone())));
        let sql = format!(
            "SELECT recipient_nip, title, body, created_at FROM notifications \
             WHERE created_at >= $1 AND recipient_nip IN ({}) ORDER BY id",
            placeholders(2, nips.len())
        );
        self.db
            .query_all_raw(stmt(self.backend(), &sql, values))
            .await?
            .iter()
            .map(|r| {
                Ok(Reminder {
                    recipient: r.try_get("", "recipient_nip")?,
                    title: r.try_get("", "title")?,
                    body: r.try_get("", "body")?,
                    created_at: r.try_get("", "created_at")?,
                })
            })
            .collect()
    }

    /// Queues `day`'s digests unless they were queued already (by this or another process):
    /// the day and its mails are written in one transaction. Answers how many were queued, or
    /// `None` when the day was taken.
    pub async fn queue_digests(&self, day: NaiveDate, mails: &[NewMail]) -> Result<Option<u64>> {
        let txn = self.begin_write().await?;
        let taken = txn
            .execute_raw(stmt(
                txn.get_database_backend(),
                "INSERT INTO digest_runs (day, queued, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (day) DO NOTHING",
                vec![day.into(), (mails.len() as i32).into(), self.now().into()],
            ))
            .await?;
        if taken.rows_affected() == 0 {
            txn.rollback().await?;
            return Ok(None);
        }
        let queued = queue_mails(&txn, mails, self.now()).await?;
        txn.commit().await?;
        Ok(Some(queued))
    }

    /// Whether `day`'s digests were queued.
    pub async fn digests_done(&self, day: NaiveDate) -> Result<bool> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT 1 AS one FROM digest_runs WHERE day = $1",
                vec![day.into()],
            ))
            .await?;
        Ok(row.is_some())
    }

    /// Queues composed mails (account links) now.
    pub async fn queue_mail(&self, mail: NewMail) -> Result<bool> {
        Ok(queue_mails(&self.db, &[mail], self.now()).await? > 0)
    }

    /// What one person's calendar shows: their cohorts (enrolled or passed), their open tasks
    /// (and their role queue's), their open plan items.
    pub async fn calendar_entries(&self, nip: Option<&str>, role: &str) -> Result<CalendarEntries> {
        let mut out = CalendarEntries::default();
        let nips: Vec<String> = nip.map(|n| vec![n.to_string()]).unwrap_or_default();
        let roles = if role == "hr" || role == "admin" {
            vec![role.to_string()]
        } else {
            vec![]
        };
        let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
        out.tasks = self.open_tasks_of(&nips, &roles, far).await?;
        let Some(nip) = nip else { return Ok(out) };
        let backend = self.backend();
        for r in self
            .db
            .query_all_raw(stmt(
                backend,
                "SELECT c.code, pr.title AS name, c.provider, c.place, c.starts, c.ends FROM cohort_participants cp \
                 JOIN cohorts c ON c.code = cp.cohort_code JOIN programs pr ON pr.code = c.program_code \
                 WHERE cp.nip = $1 AND cp.status IN ('enrolled', 'lulus') \
                 AND c.starts IS NOT NULL AND c.ends IS NOT NULL ORDER BY c.starts, c.code",
                vec![nip.into()],
            ))
            .await?
        {
            out.cohorts.push((
                r.try_get("", "code")?,
                r.try_get("", "name")?,
                r.try_get("", "provider")?,
                r.try_get("", "place")?,
                r.try_get("", "starts")?,
                r.try_get("", "ends")?,
            ));
        }
        for r in self
            .db
            .query_all_raw(stmt(
                backend,
                "SELECT i.id, i.program_code, pr.title AS name, i.due, CAST(p.year AS INTEGER) AS year \
                 FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN programs pr ON pr.code = i.program_code \
                 WHERE p.nip = $1 AND i.status IN ('planned', 'in_progress') ORDER BY i.due, i.id",
                vec![nip.into()],
            ))
            .await?
        {
            out.items.push((
                r.try_get("", "id")?,
                r.try_get("", "program_code")?,
                r.try_get("", "name")?,
                r.try_get("", "due")?,
                r.try_get("", "year")?,
            ));
        }
        Ok(out)
    }
}

impl Store {
    /// For the bench: gives the first `n` employees (by NIP) an address at `domain` and writes
    /// one notification to each, queued for mail as the engine's notifications are.
    pub async fn bench_queue_notification_mail(&self, n: u64, domain: &str) -> Result<u64> {
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        let nips: Vec<String> = txn
            .query_all_raw(stmt(
                backend,
                &format!("SELECT nip FROM employees WHERE status = 'aktif' ORDER BY nip LIMIT {n}"),
                vec![],
            ))
            .await?
            .iter()
            .map(|r| r.try_get("", "nip"))
            .collect::<std::result::Result<_, _>>()?;
        txn.execute_raw(stmt(
            backend,
            &format!(
                "UPDATE employees SET email = 'pegawai.' || nip || '@' || $1 WHERE nip IN \
                 (SELECT nip FROM employees WHERE status = 'aktif' ORDER BY nip LIMIT {n})"
            ),
            vec![domain.into()],
        ))
        .await?;
        let now = self.now();
        let mut values: Vec<Value> = Vec::with_capacity(nips.len() * 8);
        for nip in &nips {
            values.extend([
                nip.clone().into(),
                Value::from(None::<String>),
                nip.clone().into(),
                Value::from(None::<i64>),
                "tugas-baru".into(),
                "Tugas baru: Bimbingan kinerja".into(),
                "Anda mendapat tugas bimbingan kinerja, paling lambat 14 hari lagi.\nBuka Jenjang, menu Tugas, untuk menyelesaikannya.".into(),
                now.into(),
            ]);
        }
        write_notifications(&txn, values, now, true).await?;
        txn.commit().await?;
        Ok(nips.len() as u64)
    }
}
