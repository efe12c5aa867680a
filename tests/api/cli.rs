//! The `jenjang` binary as a user runs it: serve on an empty folder, create a login, stop.

use reqwest::StatusCode;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_jenjang");

#[tokio::test]
async fn serve_starts_on_an_empty_folder_with_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("JENJANG_DATABASE_URL")
        .env_remove("JENJANG_JWT_SECRET")
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

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
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
