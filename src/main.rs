//! The `jenjang` command line: serve, migrate, seed and manage logins. It only parses arguments
//! and wires the crates together; see ARCHITECTURE.md for where things live.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use jenjang::seed::{self, DEMO_PASSWORD, Dataset};
use jenjang::{DEFAULT_DATABASE_URL, ServerSettings, app_state, open_store, redact_url};
use jenjang_core::Nip;
use jenjang_core::kinds::Role;
use jenjang_import::Limits;
use jenjang_store::{Actor, NewUser};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// mimalloc instead of the system allocator: imports, analyses and the engine allocate many
/// small, short-lived values, where glibc's allocator spent a quarter of the CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows of each change feed (the analyses', the talent grid's) kept when `serve` prunes them
/// (hourly). A process further behind rebuilds its index, which it would do anyway once more
/// than an eighth of the organisation changed (a province's assessment round writes ~90,000
/// rows).
const FEED_ROWS_KEPT: u64 = 200_000;

#[derive(Parser)]
#[command(
    name = "jenjang",
    version,
    about = "Competency development and performance workflows for ASN"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// sqlite://FILE?mode=rwc (embedded, the default) or postgres://USER@HOST/DB
    #[arg(long, env = "JENJANG_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

/// Bounds on the work one import file may cause (rows, columns, cells, unpacked bytes).
#[derive(Args, Clone, Copy)]
struct ImportBounds {
    /// Rows of one import file, after the header.
    #[arg(long, env = "JENJANG_IMPORT_MAX_ROWS", default_value_t = Limits::default().max_rows)]
    import_max_rows: usize,
    /// Columns of one import file.
    #[arg(long, env = "JENJANG_IMPORT_MAX_COLUMNS", default_value_t = Limits::default().max_columns)]
    import_max_columns: usize,
    /// Cells of one import file.
    #[arg(long, env = "JENJANG_IMPORT_MAX_CELLS", default_value_t = Limits::default().max_cells)]
    import_max_cells: usize,
    /// Bytes of text in one cell.
    #[arg(long, env = "JENJANG_IMPORT_MAX_FIELD_BYTES", default_value_t = Limits::default().max_field_bytes)]
    import_max_field_bytes: usize,
    /// Bytes an XLSX workbook may unpack to.
    #[arg(long, env = "JENJANG_IMPORT_MAX_INFLATED_BYTES", default_value_t = Limits::default().max_inflated_bytes)]
    import_max_inflated_bytes: u64,
    /// Parts (files inside the zip) of an XLSX workbook.
    #[arg(long, env = "JENJANG_IMPORT_MAX_PARTS", default_value_t = Limits::default().max_parts)]
    import_max_parts: usize,
}

impl From<ImportBounds> for Limits {
    fn from(b: ImportBounds) -> Self {
        Limits {
            max_rows: b.import_max_rows,
            max_columns: b.import_max_columns,
            max_cells: b.import_max_cells,
            max_field_bytes: b.import_max_field_bytes,
            max_inflated_bytes: b.import_max_inflated_bytes,
            max_parts: b.import_max_parts,
        }
    }
}

#[derive(Subcommand)]
// Parsed once at start; the size of the serve variant's options does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Migrate, install defaults, load the demo data into an empty database, and serve.
    Serve {
        #[arg(long, env = "JENJANG_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        db: Db,
        /// Do not load the demo dataset into an empty database.
        #[arg(long, env = "JENJANG_NO_DEMO")]
        no_demo: bool,
        /// Token-signing secret (at least 32 bytes; required with PostgreSQL).
        #[arg(long, env = "JENJANG_JWT_SECRET", hide_env_values = true)]
        jwt_secret: Option<String>,
        /// Lifetime of a login token, in minutes.
        #[arg(long, env = "JENJANG_TOKEN_TTL_MINUTES", default_value_t = 480)]
        token_ttl_minutes: u64,
        /// Login attempts allowed per username and client address per minute.
        #[arg(long, env = "JENJANG_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
        login_attempts_per_minute: u32,
        /// Failed logins allowed per client address per minute, whatever the username.
        #[arg(
            long,
            env = "JENJANG_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE",
            default_value_t = 20
        )]
        login_failures_per_address_per_minute: u32,
        /// The site is reached over HTTPS only (a TLS-terminating proxy in front): every cookie
        /// is marked Secure and pages send Strict-Transport-Security.
        #[arg(long, env = "JENJANG_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Trust X-Forwarded-Proto: https from the proxy in front to mark cookies Secure per
        /// request (only behind a proxy that sets that header itself).
        #[arg(long, env = "JENJANG_TRUST_FORWARDED_PROTO")]
        trust_forwarded_proto: bool,
        /// How people reach the site, e.g. https://jenjang.example.go.id (for activation links;
        /// the address a request came to when unset).
        #[arg(long, env = "JENJANG_PUBLIC_URL")]
        public_url: Option<String>,
        #[command(flatten)]
        oidc: OidcArgs,
        #[command(flatten)]
        smtp: SmtpArgs,
        /// The largest request body accepted, in bytes (larger ones answer 413).
        #[arg(long, env = "JENJANG_BODY_LIMIT_BYTES", default_value_t = jenjang_web::DEFAULT_BODY_LIMIT)]
        body_limit_bytes: usize,
        /// The largest import file accepted, in bytes.
        #[arg(long, env = "JENJANG_IMPORT_LIMIT_BYTES", default_value_t = jenjang_web::DEFAULT_IMPORT_LIMIT)]
        import_limit_bytes: usize,
        /// Events the workflow engine claims per transaction.
        #[arg(long, env = "JENJANG_ENGINE_BATCH", default_value_t = 500)]
        engine_batch: u64,
        /// On SIGTERM, how long requests in flight and the engine's batch may take to finish.
        #[arg(long, env = "JENJANG_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
        shutdown_grace_seconds: u64,
        #[command(flatten)]
        import_bounds: ImportBounds,
    },
    /// Apply pending migrations and exit.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Load the demo dataset (`demo`) or a dataset folder with the layout of seeds/demo/.
    Seed {
        /// `demo` or a folder.
        source: String,
        #[command(flatten)]
        db: Db,
    },
    /// Import a CSV or XLSX file of employees, assessments or evaluations; prints the report as
    /// JSON. Exit 0 when nothing was rejected, 1 when some rows were, 2 on a usage or I/O error.
    Import {
        /// employees, assessments or evaluations
        kind: String,
        file: PathBuf,
        /// Check and report without writing anything.
        #[arg(long, env = "JENJANG_DRY_RUN")]
        dry_run: bool,
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        import_bounds: ImportBounds,
    },
    /// Write a synthetic dataset of N employees (layout of seeds/demo/), deterministic per seed.
    Gen {
        #[arg(long, env = "JENJANG_GEN_EMPLOYEES")]
        employees: usize,
        #[arg(long, env = "JENJANG_GEN_OUT")]
        out: PathBuf,
        #[arg(long, env = "JENJANG_GEN_SEED", default_value_t = 1)]
        seed: u64,
    },
    /// Run the benchmark scenarios of BENCHMARKS.md; one JSON line each. An empty database is
    /// first filled with a generated dataset of --employees.
    Bench {
        #[command(flatten)]
        db: Db,
        #[arg(long, env = "JENJANG_BENCH_EMPLOYEES", default_value_t = 100_000)]
        employees: usize,
        #[arg(long, env = "JENJANG_BENCH_SEED", default_value_t = 1)]
        seed: u64,
        /// Comma-separated scenarios (bare_select, needs_analysis, recommendations_all,
        /// training_plan, import_evaluations, workflow_instances (with import_evaluations),
        /// recommendations_http, recommendations_during_import, provision_accounts, ui_pages,
        /// indicators, training_cycle, position_fit; mail_outbox only when named); all when left
        /// out.
        #[arg(long, env = "JENJANG_BENCH_ONLY", value_delimiter = ',')]
        only: Vec<String>,
        #[arg(long, env = "JENJANG_BENCH_LOAD_SECONDS", default_value_t = 10)]
        load_seconds: u64,
        #[arg(long, env = "JENJANG_BENCH_CONNECTIONS", default_value_t = 64)]
        connections: usize,
    },
    /// Copy the running SQLite database into FILE (a consistent snapshot; PostgreSQL: pg_dump).
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Replace the database of a stopped deployment with the backup FILE (checked first; the
    /// replaced database is kept beside it; PostgreSQL: pg_restore).
    Restore {
        file: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Manage logins.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// Single sign-on through the organisation's OpenID Connect provider (all optional; set the
/// issuer to turn it on).
#[derive(clap::Args)]
struct OidcArgs {
    /// The provider's issuer URL, e.g. https://sso.example.go.id/realms/pemda.
    #[arg(long = "oidc-issuer", env = "JENJANG_OIDC_ISSUER")]
    issuer: Option<String>,
    #[arg(long = "oidc-client-id", env = "JENJANG_OIDC_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(
        long = "oidc-client-secret",
        env = "JENJANG_OIDC_CLIENT_SECRET",
        hide_env_values = true
    )]
    client_secret: Option<String>,
    /// The claim that holds the employee's NIP (`preferred_username` is tried too).
    #[arg(long = "oidc-claim", env = "JENJANG_OIDC_CLAIM", default_value = "nip")]
    claim: String,
    /// The audience the provider's access tokens must carry (default: the client id).
    #[arg(long = "oidc-audience", env = "JENJANG_OIDC_AUDIENCE")]
    audience: Option<String>,
    /// Where the provider sends the browser back (default: the public URL + /auth/oidc/callback).
    #[arg(long = "oidc-redirect-url", env = "JENJANG_OIDC_REDIRECT_URL")]
    redirect_url: Option<String>,
}

impl OidcArgs {
    fn settings(self) -> Result<Option<jenjang_web::oidc::OidcSettings>> {
        let Some(issuer) = self.issuer.filter(|i| !i.trim().is_empty()) else {
            return Ok(None);
        };
        let (Some(client_id), Some(client_secret)) = (self.client_id, self.client_secret) else {
            bail!(
                "JENJANG_OIDC_ISSUER is set: also set JENJANG_OIDC_CLIENT_ID and JENJANG_OIDC_CLIENT_SECRET"
            );
        };
        Ok(Some(jenjang_web::oidc::OidcSettings {
            issuer: issuer.trim().to_string(),
            client_id,
            client_secret,
            claim: self.claim,
            audience: self.audience,
            redirect_url: self.redirect_url,
        }))
    }
}

/// Mail through the organisation's SMTP server (all optional; set the host to turn it on).
#[derive(clap::Args)]
struct SmtpArgs {
    /// The SMTP server, e.g. mail.bulungankab.go.id.
    #[arg(long = "smtp-host", env = "JENJANG_SMTP_HOST")]
    host: Option<String>,
    /// Its port (default 25 for none, 587 for starttls, 465 for tls).
    #[arg(long = "smtp-port", env = "JENJANG_SMTP_PORT")]
    port: Option<u16>,
    /// none, starttls or tls.
    #[arg(
        long = "smtp-tls",
        env = "JENJANG_SMTP_TLS",
        default_value = "starttls"
    )]
    tls: String,
    #[arg(long = "smtp-user", env = "JENJANG_SMTP_USER")]
    user: Option<String>,
    #[arg(
        long = "smtp-password",
        env = "JENJANG_SMTP_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// The sender, e.g. "Jenjang BKPSDM <jenjang@bulungankab.go.id>".
    #[arg(long = "smtp-from", env = "JENJANG_SMTP_FROM")]
    from: Option<String>,
    /// A PEM file of a certificate authority to trust besides the system's (a server whose
    /// certificate a private CA signed).
    #[arg(long = "smtp-ca-file", env = "JENJANG_SMTP_CA_FILE")]
    ca_file: Option<PathBuf>,
    /// Seconds one mail may take before the server counts as not answering (tried later).
    #[arg(
        long = "smtp-timeout",
        env = "JENJANG_SMTP_TIMEOUT",
        default_value_t = 60
    )]
    timeout: u64,
}

impl SmtpArgs {
    fn settings(self) -> Result<Option<jenjang_engine::mail::SmtpSettings>> {
        let Some(host) = self.host.filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let Some(from) = self.from.filter(|f| !f.trim().is_empty()) else {
            bail!("JENJANG_SMTP_HOST is set: also set JENJANG_SMTP_FROM, the sender address");
        };
        let tls = self
            .tls
            .parse()
            .map_err(|e| anyhow::anyhow!("JENJANG_SMTP_TLS: {e}"))?;
        let ca_pem = match self.ca_file {
            Some(path) => Some(
                std::fs::read(&path)
                    .with_context(|| format!("JENJANG_SMTP_CA_FILE {}", path.display()))?,
            ),
            None => None,
        };
        Ok(Some(jenjang_engine::mail::SmtpSettings {
            host: host.trim().to_string(),
            port: self.port,
            tls,
            user: self.user,
            password: self.password,
            from,
            ca_pem,
            timeout: std::time::Duration::from_secs(self.timeout.max(1)),
        }))
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a login; the password is read from standard input.
    Add {
        #[arg(long, env = "JENJANG_USER_USERNAME")]
        username: String,
        /// staff, supervisor, leader, hr or admin
        #[arg(long, env = "JENJANG_USER_ROLE")]
        role: String,
        /// The employee this login belongs to.
        #[arg(long, env = "JENJANG_USER_NIP")]
        nip: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Print a one-time activation (first password) or reset link for a login, by username
    /// or the employee's NIP (usable once, for 72 hours).
    Link {
        /// The username, or the employee's NIP.
        who: String,
        /// How people reach the site, e.g. https://jenjang.example.go.id.
        #[arg(
            long,
            env = "JENJANG_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        public_url: String,
        #[command(flatten)]
        db: Db,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("JENJANG_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn serve(
    addr: String,
    db: Db,
    no_demo: bool,
    settings: ServerSettings,
    engine_batch: u64,
    grace: Duration,
) -> Result<()> {
    let _serving = jenjang::backup::hold_for_serving(&db.database_url)?;
    let store = open_store(&db.database_url).await?;
    let state = app_state(store.clone(), &db.database_url, &settings)?;
    let mut demo = false;
    if !no_demo && !store.has_organisation_data().await? {
        tracing::info!("empty database: loading the demo dataset (Pemerintah Kabupaten Bulungan)");
        seed::load_demo(&store)
            .await
            .context("loading the demo dataset")?;
        demo = true;
    }
    let installed = jenjang_engine::defaults::install_defaults(&store).await?;
    if !installed.is_empty() {
        tracing::info!(workflows = ?installed, "installed the default workflow definitions");
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(database = %redact_url(&db.database_url), "Jenjang listening on http://{local}");
    eprintln!(
        "Jenjang is running at http://{local}  (API: http://{local}/api/v1, OpenAPI: http://{local}/api/v1/openapi.json)"
    );
    if demo || store.find_user("admin").await?.is_some() {
        eprintln!(
            "Demo logins (password '{DEMO_PASSWORD}'): admin, hr, or any employee's NIP; see README.md"
        );
    }
    let engine = std::sync::Arc::new(
        jenjang_engine::Engine::new(store.clone(), store.clock()).with_batch(engine_batch),
    );
    // The organisation-wide needs index, built once in the background so the first analysis
    // asked for is already warm; later writes only update it.
    tokio::spawn({
        let (analytics, store) = (state.analytics.clone(), store.clone());
        async move {
            if let Err(e) = analytics.needs_answer(&store, "warm", |_, _| Ok(())).await {
                tracing::warn!(error = %e, "warming the needs analyses");
            }
        }
    });
    // The analyses' change feed keeps its newest rows; a process further behind rebuilds.
    tokio::spawn({
        let store = store.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                match store.prune_change_feeds(FEED_ROWS_KEPT).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "change feeds pruned"),
                    Err(e) => tracing::warn!(error = %e, "pruning the change feeds"),
                }
            }
        }
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(engine.work(state.engine_wake.clone(), stopped.clone()));
    let mailer = match &settings.smtp {
        Some(smtp) => {
            let public_url = settings
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{local}"));
            let mailer = jenjang_engine::mail::Mailer::new(store.clone(), smtp, &public_url)
                .context("setting up mail")?;
            eprintln!(
                "Mail: notifications are also sent by e-mail through {}:{} (links to {public_url})",
                smtp.host,
                smtp.port()
            );
            Some(tokio::spawn(std::sync::Arc::new(mailer).work(stopped)))
        }
        None => {
            eprintln!(
                "Mail: no SMTP server configured (JENJANG_SMTP_HOST); notifications are delivered in the app only"
            );
            None
        }
    };
    // On SIGTERM/Ctrl-C: stop accepting, let requests in flight finish and the engine end its
    // batch, each for at most `grace`; what is still running then is dropped, and an open
    // transaction rolls back.
    let (signalled, mut signal) = tokio::sync::watch::channel(false);
    let server = jenjang_web::serve(listener, state, async move {
        shutdown_signal().await;
        let _ = signalled.send(true);
    });
    tokio::pin!(server);
    let cut_off = tokio::select! {
        served = &mut server => {
            served?;
            false
        }
        _ = async {
            let _ = signal.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(seconds = grace.as_secs(), "requests still in flight after the grace period; stopping anyway");
            true
        }
    };
    let _ = stop.send(true);
    let engine_ended = tokio::time::timeout(grace, worker).await.is_ok();
    if let Some(mailer) = mailer
        && tokio::time::timeout(grace, mailer).await.is_err()
    {
        tracing::warn!("the mail worker did not end in time");
    }
    if !engine_ended {
        tracing::warn!("the workflow engine did not end its batch in time; it is rolled back");
    }
    if cut_off || !engine_ended {
        // Closing the pool would wait for the work still holding connections; instead the
        // runtime stops here, cancelling that work, and its open transactions roll back.
        tracing::info!("stopped");
        return Ok(());
    }
    store.close().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            addr,
            db,
            no_demo,
            jwt_secret,
            token_ttl_minutes,
            login_attempts_per_minute,
            login_failures_per_address_per_minute,
            secure_cookies,
            trust_forwarded_proto,
            body_limit_bytes,
            import_limit_bytes,
            engine_batch,
            shutdown_grace_seconds,
            import_bounds,
            public_url,
            oidc,
            smtp,
        } => {
            let settings = ServerSettings {
                jwt_secret,
                token_ttl: Duration::from_secs(token_ttl_minutes.max(1) * 60),
                login_attempts_per_minute,
                login_failures_per_address_per_minute,
                secure_cookies,
                trust_forwarded_proto,
                body_limit: body_limit_bytes,
                import_limit: import_limit_bytes,
                import_limits: import_bounds.into(),
                public_url,
                oidc: oidc.settings()?,
                smtp: smtp.settings()?,
            };
            serve(
                addr,
                db,
                no_demo,
                settings,
                engine_batch,
                Duration::from_secs(shutdown_grace_seconds),
            )
            .await
        }
        Command::Backup { file, db } => {
            let report = jenjang::backup::backup(&db.database_url, &file).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Restore { file, db } => {
            let report = jenjang::backup::restore(&db.database_url, &file).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Migrate { db } => {
            open_store(&db.database_url).await?;
            eprintln!("migrations applied to {}", redact_url(&db.database_url));
            Ok(())
        }
        Command::Seed { source, db } => {
            let store = open_store(&db.database_url).await?;
            let report = if source == "demo" {
                seed::load_demo(&store).await?
            } else {
                let data = Dataset::from_dir(&PathBuf::from(&source))?;
                seed::load(&store, &data).await?
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Import {
            kind,
            file,
            dry_run,
            db,
            import_bounds,
        } => {
            let kind: jenjang_app::imports::ImportKind =
                kind.parse().map_err(|e: String| anyhow::anyhow!("{e}"))?;
            let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            if terminal {
                let doing = if dry_run {
                    "checking (dry run)"
                } else {
                    "importing"
                };
                eprintln!(
                    "read {} ({} KB); {doing}…",
                    file.display(),
                    bytes.len() / 1024
                );
            }
            let store = open_store(&db.database_url).await?;
            let started = std::time::Instant::now();
            // On a terminal, a progress bar of the rows written.
            let bar = |done: u64, total: u64| {
                let width = 30;
                let filled = (done * width / total.max(1)) as usize;
                eprint!(
                    "\r[{}{}] {:>3}% {done}/{total} rows written",
                    "#".repeat(filled),
                    " ".repeat(width as usize - filled),
                    done * 100 / total.max(1)
                );
                if done >= total {
                    eprintln!();
                }
            };
            let progress: jenjang_store::Progress<'_> = if terminal { Some(&bar) } else { None };
            let report = jenjang_app::imports::run(
                &store,
                &Actor::system("cli-import"),
                kind,
                &bytes,
                &import_bounds.into(),
                dry_run,
                progress,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            jenjang_app::imports::after_import(&store, kind, &report).await?;
            if terminal {
                eprintln!(
                    "done in {:.1} s: {} accepted, {} updated, {} unchanged, {} problem(s)",
                    started.elapsed().as_secs_f64(),
                    report.accepted,
                    report.updated,
                    report.unchanged,
                    report.rejected.len()
                );
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.rejected.is_empty() {
                return Err(Rejected.into());
            }
            Ok(())
        }
        Command::Gen {
            employees,
            out,
            seed,
        } => {
            if employees == 0 {
                bail!("--employees must be at least 1");
            }
            jenjang::synthetic::generate(employees, &out, seed)?;
            eprintln!("wrote {employees} employees to {}", out.display());
            Ok(())
        }
        Command::Bench {
            db,
            employees,
            seed,
            only,
            load_seconds,
            connections,
        } => {
            jenjang::bench::run(jenjang::bench::BenchOptions {
                database_url: db.database_url,
                employees,
                seed,
                only,
                load_seconds,
                connections: connections.max(1),
            })
            .await
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    nip,
                    db,
                },
        } => {
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let nip = nip
                .map(|n| Nip::parse(&n))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--nip: {e}"))?;
            let username = username.trim().to_string();
            if username.is_empty() || username.len() > 64 {
                bail!("--username must be 1 to 64 characters");
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            if password.chars().count() < 8 {
                bail!("the password (from standard input) must have at least 8 characters");
            }
            let store = open_store(&db.database_url).await?;
            let hash = jenjang_app::passwords::hash_password(password).await?;
            let user = store
                .create_user(
                    &Actor::system("cli"),
                    NewUser {
                        username,
                        password_hash: hash,
                        role,
                        nip,
                    },
                )
                .await
                .map_err(|e| match e {
                    jenjang_store::StoreError::Invalid(details) => anyhow::anyhow!(
                        "{}",
                        details
                            .iter()
                            .map(|d| format!("{}: {}", d.field, d.message))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    other => other.into(),
                })?;
            println!("created login {} with role {}", user.username, user.role);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Link {
                    who,
                    public_url,
                    db,
                },
        } => {
            let store = open_store(&db.database_url).await?;
            let link = jenjang_app::accounts::issue_link_on_server(&store, who.trim(), &public_url)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", link.url);
            eprintln!(
                "one-time link for {}, usable until {} (UTC); give it only to its owner",
                link.username,
                link.expires_at.format("%Y-%m-%d %H:%M")
            );
            Ok(())
        }
    }
}

/// Some rows of an import were rejected (exit code 1; the report says which).
#[derive(Debug)]
struct Rejected;

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("some rows were rejected; see the report")
    }
}

impl std::error::Error for Rejected {}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(run(cli));
    // Work still running (requests cut off after the grace period) is cancelled here, without
    // waiting for it.
    runtime.shutdown_timeout(Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Rejected>() => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
