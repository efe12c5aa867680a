//! The `jenjang` binary as a user runs it: serve on an empty folder, create a login, stop.

use reqwest::StatusCode;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_jenjang");

#[tokio::test]
async fn serve_starts_on_an_empty_folder_with_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, _log) = serve_in(dir.path(), None, &[]);
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": "jenjang-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    // The generated token secret is kept beside the database, readable by its owner only.
    let secret = dir.path().join("jenjang.db.secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let status = stop(&mut child);
    assert!(status.success(), "graceful stop: {status:?}");
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_a_taken_name() {
    let dir = tempfile::tempdir().unwrap();
    let add = |username: &str, password: &str| {
        let mut child = Command::new(BIN)
            .args(["user", "add", "--username", username, "--role", "hr"])
            .current_dir(dir.path())
            .env_remove("JENJANG_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = add("kepegawaian", "rahasia-sekali\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created login kepegawaian with role hr"));
    let taken = add("kepegawaian", "rahasia-sekali\n");
    assert_eq!(taken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("taken"));
    let short = add("lain", "pendek\n");
    assert_eq!(short.status.code(), Some(2));
}

#[test]
fn postgres_without_a_secret_is_a_clear_start_up_error() {
    let err = jenjang::resolve_secret("postgres://postgres@127.0.0.1/jenjang", None).unwrap_err();
    assert!(err.to_string().contains("JENJANG_JWT_SECRET"));
    let err = jenjang::resolve_secret("sqlite://x.db", Some("short")).unwrap_err();
    assert!(err.to_string().contains("at least 32 bytes"));
}

/// `jenjang serve` in `dir` (on `jenjang.db` there, or on `database`), answering at the
/// returned base address; its standard error lines arrive on the receiver.
fn serve_in(
    dir: &std::path::Path,
    database: Option<&str>,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .current_dir(dir)
        .env_remove("JENJANG_DATABASE_URL")
        .env_remove("JENJANG_JWT_SECRET");
    if let Some(url) = database {
        command
            .args(["--database-url", url])
            .env("JENJANG_JWT_SECRET", crate::helpers::SECRET);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("serve printed its address");
        if let Some(rest) = line.strip_prefix("Jenjang is running at ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    (child, base, rx)
}

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": "jenjang-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_string()
}

fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

/// A backup taken while the server keeps writing restores to a sound database that holds
/// exactly a prefix of the writes: all of those acknowledged before it began, nothing half
/// written. Restore refuses a running deployment and a backup of a newer schema.
#[tokio::test]
async fn a_backup_taken_during_writes_restores_to_what_was_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, _log) = serve_in(dir.path(), None, &[]);
    let client = reqwest::Client::new();
    let hr = login(&client, &base, "hr").await;
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (client, base, hr, acked, running) = (
            client.clone(),
            base.clone(),
            hr.clone(),
            acked.clone(),
            running.clone(),
        );
        tokio::spawn(async move {
            let mut i = 0;
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                let r = client
                    .post(format!("{base}/api/v1/units"))
                    .bearer_auth(&hr)
                    .json(&serde_json::json!({"code": format!("BK-{i:05}"), "name": format!("Bagian Cadangan {i}"), "parent": "DINKES"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                i += 1;
                acked.store(i, std::sync::atomic::Ordering::SeqCst);
            }
        })
    };
    while acked.load(std::sync::atomic::Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backup = dir.path().join("cadangan.db");
    let before = acked.load(std::sync::atomic::Ordering::SeqCst);
    let out = {
        let (dir, backup) = (dir.path().to_path_buf(), backup.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .arg("backup")
                .arg(&backup)
                .current_dir(dir)
                .env_remove("JENJANG_DATABASE_URL")
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let after = acked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    // Backing up onto an existing file is refused.
    let again = Command::new(BIN)
        .arg("backup")
        .arg(&backup)
        .current_dir(dir.path())
        .env_remove("JENJANG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // Restore into another (stopped) deployment.
    let target = tempfile::tempdir().unwrap();
    let target_url = format!(
        "sqlite://{}?mode=rwc",
        target.path().join("jenjang.db").display()
    );
    let restore = |file: &std::path::Path| {
        Command::new(BIN)
            .arg("restore")
            .arg(file)
            .args(["--database-url", &target_url])
            .output()
            .unwrap()
    };
    let serving = jenjang::backup::hold_for_serving(&target_url).unwrap();
    let refused = restore(&backup);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("running"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(serving);
    let done = restore(&backup);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    let store = jenjang::open_store(&target_url).await.unwrap();
    assert!(store.integrity_problems().await.unwrap().is_empty());
    let units = store
        .list_units(jenjang_store::Paging::new(Some(1000), None), Some("DINKES"))
        .await
        .unwrap();
    let mut restored: Vec<String> = units
        .items
        .iter()
        .map(|u| u.code.to_string())
        .filter(|c| c.starts_with("BK-"))
        .collect();
    restored.sort();
    let expected: Vec<String> = (0..restored.len()).map(|i| format!("BK-{i:05}")).collect();
    eprintln!(
        "backup: {before} acknowledged before, {} restored, {after} after",
        restored.len()
    );
    assert_eq!(restored, expected, "a prefix of the writes, in order");
    assert!(
        (before..=after).contains(&restored.len()),
        "{} restored; {before} acknowledged before the backup, {after} after",
        restored.len()
    );
    let audited = store
        .list_audit(
            jenjang_store::AuditFilter {
                entity: Some("unit".into()),
                key: None,
                actor: None,
            },
            jenjang_store::Paging::new(Some(1000), None),
        )
        .await
        .unwrap()
        .items
        .iter()
        .filter(|a| a.key.starts_with("BK-"))
        .count();
    assert_eq!(audited, restored.len(), "each unit with its audit entry");
    store.close().await.unwrap();

    // A backup from a newer Jenjang is refused and changes nothing.
    let newer = dir.path().join("lebih-baru.db");
    std::fs::copy(&backup, &newer).unwrap();
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(format!("sqlite://{}?mode=rw", newer.display()))
            .await
            .unwrap();
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000001_future', 0)",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
    }
    let refused = restore(&newer);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("newer Jenjang"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let store = jenjang::open_store(&target_url).await.unwrap();
    assert!(store.integrity_problems().await.unwrap().is_empty());
    store.close().await.unwrap();

    // With PostgreSQL the commands point to its own tools.
    if let Ok(pg) = std::env::var("JENJANG_TEST_DATABASE_URL")
        && !pg.is_empty()
    {
        let out = Command::new(BIN)
            .arg("backup")
            .arg(dir.path().join("pg.db"))
            .args(["--database-url", &pg])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    }
    assert!(stop(&mut child).success());
}

/// Evaluations for every demo employee over `quarters` quarters from 2030: a large import.
fn large_evaluations(quarters: usize) -> String {
    let demo = crate::helpers::Demo::new();
    let mut csv = String::from("nip,periode,hasil_kerja,perilaku_kerja\n");
    for q in 0..quarters {
        let period = format!("{}-Q{}", 2030 + q / 4, q % 4 + 1);
        for e in &demo.data.employees {
            csv.push_str(&format!(
                "{},{period},sesuai_ekspektasi,sesuai_ekspektasi\n",
                e.nip
            ));
        }
    }
    csv
}

async fn count_from_2030(database_url: &str) -> i64 {
    let store = jenjang::open_store(database_url).await.unwrap();
    let n = store
        .count_raw("SELECT COUNT(*) AS n FROM evaluations WHERE period >= '2030'")
        .await
        .unwrap();
    store.close().await.unwrap();
    n
}

/// SIGTERM while a large import is in flight: the import finishes and is answered, then the
/// server stops cleanly. With a short grace period the import is cut off instead, and its
/// transaction rolls back whole.
#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_within_the_grace_period() {
    for (grace, quarters, finishes) in [("60", 60, true), ("1", 400, false)] {
        let csv = large_evaluations(quarters);
        let rows = csv.lines().count() as u64 - 1;
        let dir = tempfile::tempdir().unwrap();
        let (database_url, _db_dir) = crate::helpers::fresh_database().await;
        let (mut child, base, log) = serve_in(
            dir.path(),
            Some(&database_url),
            &["--shutdown-grace-seconds", grace],
        );
        let client = reqwest::Client::new();
        let hr = login(&client, &base, "hr").await;
        let started = std::time::Instant::now();
        let request = {
            let (client, base, csv) = (client.clone(), base.clone(), csv.clone());
            tokio::spawn(async move {
                let answer = client
                    .post(format!("{base}/api/v1/imports/evaluations"))
                    .bearer_auth(&hr)
                    .body(csv)
                    .send()
                    .await;
                let answer = match answer {
                    Ok(r) => Some((r.status(), r.text().await.ok())),
                    Err(_) => None,
                };
                (answer, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let signalled = started.elapsed();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let (answer, answered) = request.await.unwrap();
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        let stopped = started.elapsed();
        let said: Vec<String> = log.try_iter().collect();
        assert!(status.success(), "grace {grace}: {status:?} {said:?}");
        assert!(said.iter().any(|l| l.contains("shutting down")), "{said:?}");
        if finishes {
            let (code, body) = answer.expect("the import in flight was answered");
            assert_eq!(code, StatusCode::OK, "{body:?}");
            let report: serde_json::Value = serde_json::from_str(&body.unwrap()).unwrap();
            assert_eq!(report["accepted"].as_u64(), Some(rows), "{report}");
            assert!(
                answered > signalled,
                "the import ({answered:?}) was still running at the signal ({signalled:?}); make it larger"
            );
            assert_eq!(count_from_2030(&database_url).await, rows as i64);
        } else {
            // Cut off: the connection closes, or the request fails as the database closes.
            assert!(
                answer
                    .as_ref()
                    .is_none_or(|(code, _)| code.is_server_error()),
                "cut off: {answer:?}"
            );
            assert!(said.iter().any(|l| l.contains("grace period")), "{said:?}");
            assert!(
                stopped < Duration::from_secs(20),
                "stopped after {stopped:?} with a grace of {grace} s"
            );
            assert_eq!(count_from_2030(&database_url).await, 0, "all or nothing");
        }
    }
}

#[tokio::test]
async fn user_link_prints_a_one_time_link_that_sets_the_password() {
    let app = crate::helpers::spawn_app().await;
    let demo = crate::helpers::Demo::new();
    let nip = demo.staff_in("DLH-PSL-1");
    let out = Command::new(BIN)
        .args([
            "user",
            "link",
            &nip,
            "--public-url",
            "https://jenjang.example.go.id/",
        ])
        .args(["--database-url", &app.database_url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        url.starts_with("https://jenjang.example.go.id/aktivasi?token="),
        "{url}"
    );
    let token = url.split("token=").nth(1).unwrap();
    let (status, body) = app
        .post(
            "",
            "/api/v1/auth/activate",
            &serde_json::json!({"token": token, "password": "angin-laut-sulawesi"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) =
        crate::helpers::read(app.login_response(&nip, "angin-laut-sulawesi").await).await;
    assert_eq!(status, StatusCode::OK);
    // An unknown login is a clear error.
    let out = Command::new(BIN)
        .args([
            "user",
            "link",
            "nobody",
            "--database-url",
            &app.database_url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
}
