//! The `jenjang` application: wiring the crates together (configuration, secrets, start-up,
//! seeding). The command line in `main.rs` and the end-to-end tests both use this.
#![forbid(unsafe_code)]

pub mod backup;
pub mod bench;
pub mod seed;
pub mod synthetic;

use anyhow::{Context, Result, bail};
use jenjang_store::Store;
use jenjang_web::AppState;
use jenjang_web::auth::Auth;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://jenjang.db?mode=rwc";

/// Settings of the HTTP server. `Debug` never shows the secret.
#[derive(Clone)]
pub struct ServerSettings {
    pub jwt_secret: Option<String>,
    pub token_ttl: Duration,
    pub login_attempts_per_minute: u32,
    /// Failed logins allowed per client address per minute, whatever the username.
    pub login_failures_per_address_per_minute: u32,
    /// The site is reached over HTTPS only: cookies `Secure`, pages send HSTS.
    pub secure_cookies: bool,
    /// Believe `X-Forwarded-Proto` from a TLS-terminating proxy in front.
    pub trust_forwarded_proto: bool,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The largest import file accepted, in bytes.
    pub import_limit: usize,
    /// Bounds on the work one import file may cause.
    pub import_limits: jenjang_import::Limits,
    /// How people reach the site (`https://jenjang.example.go.id`), for the links Jenjang hands
    /// out; when unset, the address a request came to.
    pub public_url: Option<String>,
    /// Single sign-on through an OpenID Connect provider (`JENJANG_OIDC_*`), when set.
    pub oidc: Option<jenjang_web::oidc::OidcSettings>,
    /// Mail through an SMTP server (`JENJANG_SMTP_*`), when set; otherwise notifications stay
    /// in the app.
    pub smtp: Option<jenjang_engine::mail::SmtpSettings>,
}

impl std::fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSettings")
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("token_ttl", &self.token_ttl)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field(
                "login_failures_per_address_per_minute",
                &self.login_failures_per_address_per_minute,
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_forwarded_proto", &self.trust_forwarded_proto)
            .field("body_limit", &self.body_limit)
            .field("import_limit", &self.import_limit)
            .field("import_limits", &self.import_limits)
            .field("smtp", &self.smtp)
            .finish()
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            jwt_secret: None,
            token_ttl: Duration::from_secs(8 * 3600),
            login_attempts_per_minute: 10,
            login_failures_per_address_per_minute: 20,
            secure_cookies: false,
            trust_forwarded_proto: false,
            body_limit: jenjang_web::DEFAULT_BODY_LIMIT,
            import_limit: jenjang_web::DEFAULT_IMPORT_LIMIT,
            import_limits: jenjang_import::Limits::default(),
            public_url: None,
            oidc: None,
            smtp: None,
        }
    }
}

/// Connects and applies pending migrations.
pub async fn open_store(database_url: &str) -> Result<Store> {
    let store = Store::connect(database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(database_url)))?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The SQLite file behind a `sqlite:` URL, if it is a file.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The token-signing secret: the configured one; else, for SQLite, one generated once and kept
/// beside the database file (mode 0600); PostgreSQL, where several servers must share it,
/// requires one of at least 32 bytes.
pub fn resolve_secret(database_url: &str, configured: Option<&str>) -> Result<Vec<u8>> {
    if let Some(s) = configured {
        if s.len() < 32 {
            bail!("JENJANG_JWT_SECRET must be at least 32 bytes long");
        }
        return Ok(s.as_bytes().to_vec());
    }
    if !database_url.starts_with("sqlite:") {
        bail!(
            "with PostgreSQL set JENJANG_JWT_SECRET (at least 32 bytes), shared by every server process"
        );
    }
    let Some(db) = sqlite_path(database_url) else {
        tracing::warn!(
            "no JENJANG_JWT_SECRET and an in-memory database: tokens last until restart"
        );
        return Ok(random_secret());
    };
    let mut path = db.into_os_string();
    path.push(".secret");
    let path = PathBuf::from(path);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    let secret = random_secret();
    write_private(&path, &secret)
        .with_context(|| format!("writing the token secret to {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a token-signing secret and stored it beside the database");
    Ok(secret)
}

fn random_secret() -> Vec<u8> {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..48)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect()
}

fn write_private(path: &std::path::Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(content)
}

/// The application state for a store and settings.
pub fn app_state(store: Store, database_url: &str, settings: &ServerSettings) -> Result<AppState> {
    let secret = resolve_secret(database_url, settings.jwt_secret.as_deref())?;
    let auth = Auth::new(
        &secret,
        settings.token_ttl,
        settings.login_attempts_per_minute,
        settings.login_failures_per_address_per_minute,
    );
    // Notifications are queued for mail only where a mail worker will send them.
    store.set_mail_delivery(settings.smtp.is_some());
    let mut state = AppState::new(store, auth);
    state.feed_key = std::sync::Arc::from(secret.as_slice());
    state.body_limit = settings.body_limit;
    state.import_limit = settings.import_limit;
    state.import_limits = settings.import_limits;
    state.public_url = settings.public_url.clone();
    state.oidc = settings
        .oidc
        .clone()
        .map(|o| std::sync::Arc::new(jenjang_web::oidc::Oidc::new(o)));
    state.transport = jenjang_web::security::TransportSettings {
        secure_cookies: settings.secure_cookies,
        trust_forwarded_proto: settings.trust_forwarded_proto,
    };
    Ok(state)
}
