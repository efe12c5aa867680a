//! The mail worker: claims queued deliveries (a lease per row, so a second `serve` never takes
//! the same one), composes each mail from the templates of `jenjang_app::mail`, sends it over
//! SMTP (lettre's client on kept connections of `crate::smtp`, several mails in flight), and
//! marks it sent, to be tried again after a backoff (a passing problem: the server down, a 4xx
//! answer, a refused login), or failed (the server refused the mail itself, 55x, or it was
//! tried too often). It also queues the daily digests when their hour comes.

use crate::smtp::{Connections, SendError};
use jenjang_app::mail::{Composed, templates};
use jenjang_core::notify::{MAX_ATTEMPTS, header_text, retry_after};
use jenjang_store::Store;
use jenjang_store::deliveries::Outgoing;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use std::sync::Arc;
use std::time::Duration;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// Plain, then upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::Starttls),
            "tls" => Ok(SmtpTls::Tls),
            _ => Err(format!("'{s}' is not none, starttls or tls")),
        }
    }
}

/// Where and how mail is sent (`JENJANG_SMTP_*`).
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    /// The port; 25, 587 or 465 by `tls` when not given.
    pub port: Option<u16>,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The sender, `Jenjang <jenjang@bulungankab.go.id>` or a bare address.
    pub from: String,
    /// A PEM certificate to trust besides the system's (a server with a private CA).
    pub ca_pem: Option<Vec<u8>>,
    /// The longest one mail may take, from connecting to the server's last answer; a server
    /// that stops answering is then treated as down (tried again later).
    pub timeout: Duration,
}

/// [`SmtpSettings::timeout`] unless set.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(60);

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

/// What one pass over the due deliveries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    pub sent: u64,
    /// Failed for now; tried again later.
    pub retried: u64,
    /// Refused or given up.
    pub failed: u64,
}

/// Whether the server refused this mail for good (a 55x reply: no such mailbox, not accepted
/// here, too large, refused by policy), so trying again cannot help. Other refusals, such as a
/// rejected login (53x) or a command the server did not expect (50x), say that the server or
/// the settings are wrong, not the mail: they are retried with backoff, like an outage.
fn refuses_the_mail(e: &SendError) -> bool {
    use lettre::transport::smtp::response::Category;
    match e {
        SendError::Smtp(e) => {
            e.is_permanent()
                && e.status()
                    .is_some_and(|c| c.category == Category::MailSystem)
        }
        SendError::Connect(_) => false,
    }
}

/// The mail worker of one process.
pub struct Mailer {
    store: Store,
    connections: Arc<Connections>,
    from: Mailbox,
    public_url: String,
    batch: u64,
    in_flight: usize,
    timeout: Duration,
}

/// How long a claimed delivery is kept from other workers.
const LEASE_MINUTES: i64 = 10;

impl Mailer {
    pub fn new(store: Store, smtp: &SmtpSettings, public_url: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("JENJANG_SMTP_FROM '{}': {e}", smtp.from))?;
        let in_flight = 8;
        let connections = Connections::new(smtp, in_flight)?;
        Ok(Mailer {
            store,
            connections: Arc::new(connections),
            from,
            public_url: public_url.trim_end_matches('/').to_string(),
            batch: 200,
            in_flight,
            timeout: smtp.timeout,
        })
    }

    /// Claims and sends what is due now, until nothing is; answers what happened.
    pub async fn drain(&self) -> anyhow::Result<Drained> {
        let mut total = Drained::default();
        loop {
            let d = self.round().await?;
            total.sent += d.sent;
            total.retried += d.retried;
            total.failed += d.failed;
            if d == Drained::default() {
                return Ok(total);
            }
        }
    }

    /// One claimed batch, sent with several mails in flight.
    pub async fn round(&self) -> anyhow::Result<Drained> {
        let batch = self
            .store
            .claim_deliveries(self.batch, chrono::Duration::minutes(LEASE_MINUTES))
            .await?;
        let mut out = Drained::default();
        if batch.is_empty() {
            return Ok(out);
        }
        let mut sent = Vec::with_capacity(batch.len());
        let mut unsent = Vec::new();
        let mut pending = tokio::task::JoinSet::new();
        let mut queue = batch.into_iter();
        loop {
            while pending.len() < self.in_flight {
                let Some(o) = queue.next() else { break };
                let message = self.message(&o);
                let connections = self.connections.clone();
                let timeout = self.timeout;
                pending.spawn(async move {
                    // lettre bounds nothing: the whole send is.
                    let result = match message {
                        Ok(m) => match tokio::time::timeout(
                            timeout,
                            connections.send(m.envelope(), &m.formatted()),
                        )
                        .await
                        {
                            Ok(sent) => sent
                                .map(|_| ())
                                .map_err(|e| (e.to_string(), refuses_the_mail(&e))),
                            Err(_) => Err((
                                format!("no answer from the server within {} s", timeout.as_secs()),
                                false,
                            )),
                        },
                        Err(e) => Err((e, true)),
                    };
                    (o.id, o.attempt, result)
                });
            }
            let Some(done) = pending.join_next().await else {
                break;
            };
            let (id, attempt, result) = done?;
            match result {
                Ok(()) => sent.push(id),
                Err((error, permanent)) => unsent.push((id, attempt, error, permanent)),
            }
        }
        self.store.mark_sent(&sent).await?;
        out.sent = sent.len() as u64;
        let now = self.store.now();
        for (id, attempt, error, permanent) in unsent {
            let retry = if permanent {
                None
            } else {
                retry_after(attempt).map(|wait| now + wait)
            };
            let reason = match (permanent, retry.is_some()) {
                (true, _) => format!("refused: {error}"),
                (false, true) => error,
                (false, false) => format!("given up after {MAX_ATTEMPTS} tries: {error}"),
            };
            if retry.is_some() {
                out.retried += 1;
                tracing::info!(delivery = id, attempt, error = %reason, "mail not sent; will try again");
            } else {
                out.failed += 1;
                tracing::warn!(delivery = id, attempt, error = %reason, "mail failed");
            }
            self.store.mark_unsent(id, &reason, retry).await?;
        }
        Ok(out)
    }

    /// The message of a delivery: composed now for a notification, as queued for the others.
    fn message(&self, o: &Outgoing) -> Result<Message, String> {
        let composed = match (&o.subject, &o.text, &o.html) {
            (Some(subject), Some(text), Some(html)) => Composed {
                subject: header_text(subject),
                text: text.clone(),
                html: html.clone(),
            },
            _ => templates()
                .notification(o, &self.public_url)
                .map_err(|e| e.to_string())?,
        };
        let address =
            o.to.parse()
                .map_err(|e| format!("the address {} cannot be used: {e}", o.to))?;
        let to = Mailbox::new(o.name.as_deref().map(header_text), address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(composed.subject)
            .multipart(MultiPart::alternative_plain_html(
                composed.text,
                composed.html,
            ))
            .map_err(|e| e.to_string())
    }

    /// Queues today's digests once their hour has come.
    pub async fn digests(&self) -> anyhow::Result<Option<u64>> {
        Ok(jenjang_app::mail::queue_digests(&self.store, &self.public_url).await?)
    }

    /// The worker loop of `serve`: sends what is due, queues the day's digests, and otherwise
    /// sleeps a little (or until the next retry is due); ends when `stop` turns true.
    pub async fn work(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut digests_checked: Option<tokio::time::Instant> = None;
        loop {
            if *stop.borrow() {
                return;
            }
            if digests_checked.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                digests_checked = Some(tokio::time::Instant::now());
                match self.digests().await {
                    Ok(Some(n)) => tracing::info!(digests = n, "daily digests queued"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "queueing the daily digests failed"),
                }
            }
            let busy = match self.round().await {
                Ok(d) => d != Drained::default(),
                Err(e) => {
                    tracing::warn!(error = %e, "the mail worker's round failed");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
