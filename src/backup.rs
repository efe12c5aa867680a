//! Backup and restore of the embedded SQLite database (`jenjang backup FILE`, `jenjang restore
//! FILE`). PostgreSQL deployments use `pg_dump` / `pg_restore` (README).
//!
//! A backup is taken while the server runs: one read transaction copies the database as it was
//! committed when the backup began, and the copy is checked before the command answers. A
//! restore goes into a stopped deployment: `serve` holds a shared lock on `<db>.lock` while it
//! runs, and restore needs that lock exclusively. The file is checked (SQLite's integrity check;
//! no migration this build does not know) before it replaces anything, the database it replaces
//! is kept beside it, and an older backup is migrated forward.

use anyhow::{Context, Result, bail};
use jenjang_store::Store;
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};

/// What a backup or restore did.
#[derive(Debug, Serialize)]
pub struct Report {
    pub file: String,
    pub bytes: u64,
    /// The migrations the copy holds, the newest last.
    pub schema: Option<String>,
    /// Where the database that a restore replaced was kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_kept_at: Option<String>,
}

/// Held by `serve` for as long as it runs (a shared lock: several servers may share a file).
#[derive(Debug)]
pub struct ServingLock(#[allow(dead_code)] File);

fn database_file(database_url: &str) -> Option<PathBuf> {
    crate::sqlite_path(database_url)
}

fn lock_file(db: &Path) -> Result<File> {
    let mut path = db.as_os_str().to_owned();
    path.push(".lock");
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", PathBuf::from(path).display()))
}

/// Takes the shared serving lock of a SQLite database (none for PostgreSQL or memory).
pub fn hold_for_serving(database_url: &str) -> Result<Option<ServingLock>> {
    let Some(db) = database_file(database_url) else {
        return Ok(None);
    };
    let file = lock_file(&db)?;
    file.try_lock_shared().map_err(|_| {
        anyhow::anyhow!(
            "{} is being restored; start the server when the restore has finished",
            db.display()
        )
    })?;
    Ok(Some(ServingLock(file)))
}

fn sqlite_url(path: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", path.display())
}

async fn checked_schema(path: &Path) -> Result<Option<String>> {
    let store = Store::connect(&sqlite_url(path, "rw"))
        .await
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?;
    let problems = store.integrity_problems().await?;
    if !problems.is_empty() {
        store.close().await?;
        bail!(
            "{} fails SQLite's integrity check: {}",
            path.display(),
            problems.join("; ")
        );
    }
    let applied = store
        .applied_migrations()
        .await
        .with_context(|| format!("{} is not a Jenjang database", path.display()))?;
    store.close().await?;
    let known = Store::known_migrations();
    let unknown: Vec<&String> = applied.iter().filter(|m| !known.contains(m)).collect();
    if !unknown.is_empty() {
        bail!(
            "{} was made by a newer Jenjang (migrations {} are unknown to this one); restore it with that version",
            path.display(),
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(applied.last().cloned())
}

/// Copies the running database into `file` (which must not exist yet) and checks the copy.
pub async fn backup(database_url: &str, file: &Path) -> Result<Report> {
    if database_file(database_url).is_none() {
        bail!(
            "jenjang backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (see README)"
        );
    }
    if file.exists() {
        bail!("{} exists already; name a new file", file.display());
    }
    let target = file
        .to_str()
        .context("the backup file's name must be valid UTF-8")?;
    let store = Store::connect(database_url).await?;
    let copied = store.backup_into(target).await;
    store.close().await?;
    copied.with_context(|| format!("writing {}", file.display()))?;
    let schema = checked_schema(file).await?;
    Ok(Report {
        file: file.display().to_string(),
        bytes: std::fs::metadata(file)?.len(),
        schema,
        previous_kept_at: None,
    })
}

/// Replaces the (stopped) deployment's database with `file`, keeping the one it replaces.
pub async fn restore(database_url: &str, file: &Path) -> Result<Report> {
    let Some(db) = database_file(database_url) else {
        bail!(
            "jenjang restore writes the embedded SQLite database; restore PostgreSQL with pg_restore (see README)"
        );
    };
    let lock = lock_file(&db)?;
    lock.try_lock().map_err(|_| {
        anyhow::anyhow!(
            "a Jenjang server is running on {}; stop it before restoring",
            db.display()
        )
    })?;
    let mut header = [0u8; 16];
    let readable = File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok();
    if !readable || &header != b"SQLite format 3\0" {
        bail!("{} is not a SQLite database file", file.display());
    }
    let staged = with_suffix(&db, ".restoring");
    std::fs::copy(file, &staged)
        .with_context(|| format!("copying {} to {}", file.display(), staged.display()))?;
    let schema = match checked_schema(&staged).await {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    let previous_kept_at = if db.exists() {
        // Fold the old database's write-ahead log in, so the kept copy is whole.
        let old = Store::connect(&sqlite_url(&db, "rw")).await?;
        old.checkpoint(&[]).await?;
        old.close().await?;
        let kept = with_suffix(
            &db,
            &format!(
                ".before-restore-{}",
                jenjang_core::clock::Clock::now(&jenjang_core::clock::SystemClock)
                    .format("%Y%m%dT%H%M%S")
            ),
        );
        std::fs::rename(&db, &kept)?;
        Some(kept.display().to_string())
    } else {
        None
    };
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&db, stale));
    }
    std::fs::rename(&staged, &db)?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&staged, stale));
    }
    // An older backup is brought to this build's schema.
    crate::open_store(database_url).await?.close().await?;
    drop(lock);
    Ok(Report {
        file: db.display().to_string(),
        bytes: std::fs::metadata(&db)?.len(),
        schema,
        previous_kept_at,
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
