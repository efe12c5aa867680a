//! Notifications beyond the app, against a real SMTP server (Python's aiosmtpd, started here):
//! notification mail sent exactly once with its link, retried after the server was down, a
//! refused recipient failing alone, header injection impossible, two workers never sending the
//! same mail, daily digests, account links by mail, addresses checked at import, and the
//! personal calendar feed parsed back as iCalendar.

use crate::helpers::*;
use jenjang::ServerSettings;
use jenjang::seed::DEMO_PASSWORD;
use jenjang_engine::mail::{Mailer, SmtpSettings, SmtpTls};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const PUBLIC_URL: &str = "https://jenjang.bulungankab.go.id";

/// The test SMTP server: `tests/smtp/sink.py` on a port of its own, writing what it accepts
/// to a JSON-lines file.
struct SmtpSink {
    port: u16,
    out: PathBuf,
    refuse: Vec<String>,
    /// How clients must speak to it: plain, STARTTLS or TLS, with the certificate it shows.
    tls: SmtpTls,
    ca_pem: Option<Vec<u8>>,
    /// `user:password` a client must sign in with (over TLS), if any.
    login: Option<(String, String)>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

fn ensure_aiosmtpd() {
    static CHECK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = CHECK.lock().unwrap_or_else(|e| e.into_inner());
    let have = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
            .status()
            .expect("python3 installs aiosmtpd for the test SMTP server");
        assert!(status.success(), "pip install aiosmtpd failed");
    }
}

impl SmtpSink {
    fn start(refuse: &[&str]) -> SmtpSink {
        ensure_aiosmtpd();
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SmtpSink {
            port: free_port(),
            out: dir.path().join("mails.jsonl"),
            refuse: refuse.iter().map(|s| s.to_string()).collect(),
            tls: SmtpTls::None,
            ca_pem: None,
            login: None,
            child: None,
            dir,
        };
        sink.resume();
        sink
    }

    /// A server that speaks only `tls` (STARTTLS required, or TLS from the first byte) with a
    /// self-signed certificate made here by openssl for 127.0.0.1, and only to a client signed
    /// in as `user` with `password`.
    fn start_secure(tls: SmtpTls, user: &str, password: &str) -> SmtpSink {
        ensure_aiosmtpd();
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .args(["-addext", "extendedKeyUsage=serverAuth"])
            .arg("-keyout")
            .arg(dir.path().join("key.pem"))
            .arg("-out")
            .arg(dir.path().join("cert.pem"))
            .stderr(Stdio::null())
            .status()
            .expect("openssl makes the test server's certificate");
        assert!(status.success(), "openssl req failed");
        let ca_pem = std::fs::read(dir.path().join("cert.pem")).unwrap();
        let mut sink = SmtpSink {
            port: free_port(),
            out: dir.path().join("mails.jsonl"),
            refuse: Vec::new(),
            tls,
            ca_pem: Some(ca_pem),
            login: Some((user.to_string(), password.to_string())),
            child: None,
            dir,
        };
        sink.resume();
        sink
    }

    /// Starts the server (again) on its port.
    fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--out")
            .arg(&self.out);
        for r in &self.refuse {
            cmd.args(["--refuse", r]);
        }
        if self.tls != SmtpTls::None {
            let mode = if self.tls == SmtpTls::Starttls {
                "starttls"
            } else {
                "tls"
            };
            cmd.args(["--tls", mode])
                .arg("--cert")
                .arg(self.dir.path().join("cert.pem"))
                .arg("--key")
                .arg(self.dir.path().join("key.pem"));
        }
        if let Some((user, password)) = &self.login {
            cmd.args(["--login", &format!("{user}:{password}")]);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        self.child = Some(child);
    }

    /// Stops the server: connections are refused until [`SmtpSink::resume`].
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn mails(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn mails_to(&self, address: &str) -> Vec<Value> {
        self.mails()
            .into_iter()
            .filter(|m| {
                m["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == address)
            })
            .collect()
    }

    fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            tls: self.tls,
            user: self.login.as_ref().map(|(u, _)| u.clone()),
            password: self.login.as_ref().map(|(_, p)| p.clone()),
            from: "Jenjang BKPSDM <jenjang@bulungankab.go.id>".into(),
            ca_pem: self.ca_pem.clone(),
            timeout: jenjang_engine::mail::DEFAULT_SMTP_TIMEOUT,
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn mail_app(sink: &SmtpSink) -> (TestApp, Mailer) {
    let app = spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        public_url: Some(PUBLIC_URL.into()),
        smtp: Some(sink.settings()),
        ..Default::default()
    })
    .await;
    let mailer = Mailer::new(app.store.clone(), &sink.settings(), PUBLIC_URL).unwrap();
    (app, mailer)
}

/// Gives employees addresses through the employees import (the other columns as in the demo).
async fn import_emails(app: &TestApp, hr: &str, rows: &[(&str, &str)]) -> Value {
    let demo = Demo::new();
    let mut csv = String::from("nip,nama,jabatan,unit,atasan_nip,potensial,email\n");
    for (nip, email) in rows {
        let e = demo
            .data
            .employees
            .iter()
            .find(|e| e.nip.as_str() == *nip)
            .unwrap();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            e.nip,
            e.name,
            e.position
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            e.unit,
            e.supervisor_nip
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            e.potential.map(|p| p.as_str()).unwrap_or_default(),
            email
        ));
    }
    app.import_csv(hr, "employees", csv).await.1
}

/// A staff member with a supervisor, and that supervisor.
fn staff_and_supervisor(demo: &Demo, skip: usize) -> (String, String) {
    let e = demo
        .data
        .employees
        .iter()
        .filter(|e| e.supervisor_nip.is_some())
        .filter(|e| demo.reports_of(e.nip.as_str()).is_empty())
        .nth(skip)
        .unwrap();
    (
        e.nip.to_string(),
        e.supervisor_nip.as_ref().unwrap().to_string(),
    )
}

/// A below-expectation evaluation of `staff`: the coaching workflow gives their supervisor a
/// task and a `tugas-baru` notification.
async fn low_evaluation(app: &TestApp, hr: &str, staff: &str, period: &str) {
    let csv = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n{staff},{period},di_bawah_ekspektasi,sesuai_ekspektasi\n"
    );
    let (status, body) = app.import_csv(hr, "evaluations", csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.run_engine().await;
}

async fn deliveries(app: &TestApp, hr: &str, query: &str) -> Value {
    let (status, body) = app
        .get(hr, &format!("/api/v1/notifications/deliveries?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// One drain of the outbox by a worker with other settings than the server's.
async fn drain_with(app: &TestApp, smtp: &SmtpSettings) -> jenjang_engine::mail::Drained {
    Mailer::new(app.store.clone(), smtp, PUBLIC_URL)
        .unwrap()
        .drain()
        .await
        .unwrap()
}

/// Saves the preferences form of the page Notifikasi & Kalender as the signed-in person.
async fn save_preferences(
    b: &mut crate::ui::Browser,
    digest: &str,
    email: &str,
    language: &str,
) -> crate::ui::Page {
    let csrf = b.csrf();
    b.post(
        "/preferensi",
        &[
            ("csrf", &csrf),
            ("email_digest", digest),
            ("email", email),
            ("language", language),
        ],
    )
    .await
}

#[tokio::test]
async fn notification_mail_arrives_once_with_its_link_and_survives_an_outage() {
    let mut sink = SmtpSink::start(&[]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    let address = "atasan.satu@bulungankab.go.id";
    let report = import_emails(&app, &hr, &[(&sup, address)]).await;
    assert_eq!(report["rejected"], json!([]), "{report}");

    low_evaluation(&app, &hr, &staff, "2027-Q2").await;
    let drained = mailer.drain().await.unwrap();
    assert_eq!(drained.sent, 1, "{drained:?}");
    let mails = sink.mails_to(address);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    let staff_name = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == staff)
        .unwrap()
        .name
        .clone();
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("[Jenjang] Tugas baru"),
        "{m}"
    );
    assert!(
        m["from"]
            .as_str()
            .unwrap()
            .contains("jenjang@bulungankab.go.id")
    );
    let text = m["text"].as_str().unwrap();
    assert!(text.contains(&staff_name), "{text}");
    assert!(
        text.contains(&format!("{PUBLIC_URL}/rencana-saya")),
        "{text}"
    );
    let html = m["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"{PUBLIC_URL}/rencana-saya\"")),
        "{html}"
    );

    // Draining again sends nothing more; HR sees it sent once.
    assert_eq!(mailer.drain().await.unwrap().sent, 0);
    assert_eq!(sink.mails_to(address).len(), 1);
    let listed = deliveries(&app, &hr, "status=sent").await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["to"], address);
    assert_eq!(listed["items"][0]["attempts"], 1);
    assert_eq!(listed["mail_enabled"], true);

    // The server goes down: the next mail is kept queued with the reason and tried again
    // after a while; once the server is back, it arrives exactly once.
    sink.stop();
    let (staff2, _) = demo
        .reports_of(&sup)
        .into_iter()
        .filter(|n| *n != staff)
        .map(|n| (n, ()))
        .next()
        .expect("a second report of the supervisor");
    low_evaluation(&app, &hr, &staff2, "2027-Q2").await;
    let d = mailer.drain().await.unwrap();
    assert_eq!((d.sent, d.retried, d.failed), (0, 1, 0), "{d:?}");
    let queued = deliveries(&app, &hr, "status=queued").await;
    assert_eq!(queued["total"], 1, "{queued}");
    assert_eq!(queued["items"][0]["attempts"], 1);
    assert!(
        !queued["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .is_empty(),
        "{queued}"
    );
    sink.resume();
    // Not due yet: nothing is tried before the backoff ends.
    assert_eq!(mailer.drain().await.unwrap(), Default::default());
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(mailer.drain().await.unwrap().sent, 1);
    assert_eq!(sink.mails_to(address).len(), 2);
    app.clock.advance(chrono::Duration::hours(3));
    assert_eq!(mailer.drain().await.unwrap().sent, 0);
    assert_eq!(sink.mails_to(address).len(), 2);
    let listed = deliveries(&app, &hr, "").await;
    assert_eq!(listed["counts"]["sent"], 2, "{listed}");
    assert_eq!(listed["counts"]["queued"], 0, "{listed}");

    // Only hr and admin see deliveries.
    let staff_token = app.token(&staff).await;
    let (status, _) = app
        .get(&staff_token, "/api/v1/notifications/deliveries")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .get(&hr, "/api/v1/notifications/deliveries?status=lost")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn mail_goes_encrypted_and_signed_in_and_never_to_an_untrusted_server() {
    for tls in [SmtpTls::Starttls, SmtpTls::Tls] {
        let sink = SmtpSink::start_secure(tls, "jenjang", "rahasia-smtp");
        let (app, mailer) = mail_app(&sink).await;
        let demo = Demo::new();
        let hr = app.token("hr").await;
        let (staff, sup) = staff_and_supervisor(&demo, 0);
        let address = "atasan.tls@bulungankab.go.id";
        let report = import_emails(&app, &hr, &[(&sup, address)]).await;
        assert_eq!(report["rejected"], json!([]), "{report}");
        low_evaluation(&app, &hr, &staff, "2027-Q2").await;

        // The server's certificate is not trusted without its CA: nothing is sent in the clear
        // or to an impostor; the mail waits with the reason.
        let untrusted = SmtpSettings {
            ca_pem: None,
            ..sink.settings()
        };
        let d = drain_with(&app, &untrusted).await;
        assert_eq!((d.sent, d.retried, d.failed), (0, 1, 0), "{tls:?}: {d:?}");
        assert!(sink.mails().is_empty(), "{tls:?}");
        let queued = deliveries(&app, &hr, "status=queued").await;
        let error = queued["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .to_lowercase();
        assert!(error.contains("certificate"), "{tls:?}: {queued}");

        // A wrong password is the settings' fault, not the mail's: retried, not failed.
        app.clock.advance(chrono::Duration::minutes(2));
        let wrong = SmtpSettings {
            password: Some("salah".into()),
            ..sink.settings()
        };
        let d = drain_with(&app, &wrong).await;
        assert_eq!((d.sent, d.retried, d.failed), (0, 1, 0), "{tls:?}: {d:?}");
        assert!(sink.mails().is_empty(), "{tls:?}");
        let queued = deliveries(&app, &hr, "status=queued").await;
        assert_eq!(queued["items"][0]["attempts"], 2, "{tls:?}: {queued}");

        // With the CA and the right login it arrives, once, encrypted and signed in.
        app.clock.advance(chrono::Duration::minutes(5));
        let d = mailer.drain().await.unwrap();
        assert_eq!((d.sent, d.retried, d.failed), (1, 0, 0), "{tls:?}: {d:?}");
        let mails = sink.mails_to(address);
        assert_eq!(mails.len(), 1, "{tls:?}: {mails:?}");
        assert_eq!(mails[0]["encrypted"], true, "{tls:?}");
        assert_eq!(mails[0]["login"], "jenjang", "{tls:?}");
        assert!(
            mails[0]["subject"]
                .as_str()
                .unwrap()
                .starts_with("[Jenjang] Tugas baru"),
            "{tls:?}: {mails:?}"
        );
    }
}

#[tokio::test]
async fn a_server_that_stops_answering_does_not_hold_the_worker() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    // Greets, answers EHLO, then never says another word (holding the connection open).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write
                .write_all(b"220 mute.example ESMTP\r\n")
                .await
                .unwrap();
            if let Ok(Some(_ehlo)) = lines.next_line().await {
                write.write_all(b"250 mute.example\r\n").await.unwrap();
            }
            held.push((lines, write));
        }
    });
    let sink = SmtpSink::start(&[]);
    let (app, _) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    import_emails(&app, &hr, &[(&sup, "atasan.diam@bulungankab.go.id")]).await;
    low_evaluation(&app, &hr, &staff, "2027-Q2").await;
    let mute = SmtpSettings {
        port: Some(port),
        timeout: std::time::Duration::from_secs(2),
        ..sink.settings()
    };
    let mailer = Mailer::new(app.store.clone(), &mute, PUBLIC_URL).unwrap();
    let d = tokio::time::timeout(std::time::Duration::from_secs(30), mailer.drain())
        .await
        .expect("the worker gives up on a mute server instead of waiting for ever")
        .unwrap();
    assert_eq!((d.sent, d.retried, d.failed), (0, 1, 0), "{d:?}");
    let queued = deliveries(&app, &hr, "status=queued").await;
    assert_eq!(queued["items"][0]["attempts"], 1, "{queued}");
    assert!(
        queued["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no answer"),
        "{queued}"
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_alone_and_headers_cannot_be_injected() {
    let sink = SmtpSink::start(&["ditolak.bulungankab.go.id"]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff_a, sup_a) = staff_and_supervisor(&demo, 0);
    let (staff_b, sup_b) = (0..)
        .map(|i| staff_and_supervisor(&demo, i))
        .find(|(_, s)| *s != sup_a)
        .unwrap();
    let good = "atasan.baik@bulungankab.go.id";
    let refused = "atasan@ditolak.bulungankab.go.id";
    import_emails(&app, &hr, &[(&sup_a, refused), (&sup_b, good)]).await;
    low_evaluation(&app, &hr, &staff_a, "2027-Q2").await;
    low_evaluation(&app, &hr, &staff_b, "2027-Q2").await;
    let d = mailer.drain().await.unwrap();
    assert_eq!((d.sent, d.failed), (1, 1), "{d:?}");
    assert_eq!(sink.mails_to(good).len(), 1);
    assert!(sink.mails_to(refused).is_empty());
    let failed = deliveries(&app, &hr, "status=failed").await;
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["items"][0]["to"], refused);
    let error = failed["items"][0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("550") || error.contains("rejected"),
        "{error}"
    );
    // A refusal is final: not tried again later.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(mailer.drain().await.unwrap(), Default::default());

    // Text that reaches a mail header (a title, a name) cannot start a header of its own,
    // whatever a stored record holds.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(&format!(
        "UPDATE employees SET name = 'Nama Palsu\r\nBcc: penyusup@luar.example.com' WHERE nip = '{sup_b}'"
    ))
    .await
    .unwrap();
    jenjang_store::workflows::insert_notifications(
        &db,
        &[jenjang_store::workflows::NewNotification {
            recipient_nip: Some(sup_b.clone()),
            recipient_role: None,
            subject_nip: None,
            instance_id: None,
            template: "tugas-baru".into(),
            title: "Tugas\r\nBcc: penyusup@luar.example.com\r\nX-Injected: ya".into(),
            body: "Isi".into(),
        }],
        app.store.now(),
        true,
    )
    .await
    .unwrap();
    assert_eq!(mailer.drain().await.unwrap().sent, 1);
    let mails = sink.mails_to(good);
    assert_eq!(mails.len(), 2);
    let m = &mails[1];
    assert_eq!(m["rcpt_tos"], json!([good]), "{m}");
    for (name, value) in m["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
    {
        assert!(
            !name.eq_ignore_ascii_case("bcc") && !name.eq_ignore_ascii_case("x-injected"),
            "{m}"
        );
        assert!(
            !value.contains('\n') && !value.contains('\r'),
            "{name}: {value}"
        );
    }
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .contains("Tugas Bcc: penyusup@luar.example.com X-Injected: ya"),
        "{m}"
    );
    assert!(sink.mails_to("penyusup@luar.example.com").is_empty());
}

#[tokio::test]
async fn two_workers_never_send_the_same_mail() {
    let sink = SmtpSink::start(&[]);
    let (app, first) = mail_app(&sink).await;
    // A second process's worker: its own pool on the same database.
    let store = jenjang::open_store(&app.database_url)
        .await
        .unwrap()
        .with_clock(std::sync::Arc::new(app.clock.clone()));
    let second = Mailer::new(store, &sink.settings(), PUBLIC_URL).unwrap();
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let people: Vec<String> = demo
        .data
        .employees
        .iter()
        .take(120)
        .map(|e| e.nip.to_string())
        .collect();
    let rows: Vec<(String, String)> = people
        .iter()
        .map(|n| (n.clone(), format!("pegawai.{n}@bulungankab.go.id")))
        .collect();
    let rows_ref: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let report = import_emails(&app, &hr, &rows_ref).await;
    assert_eq!(report["rejected"], json!([]), "{report}");
    let notes: Vec<_> = people
        .iter()
        .flat_map(|n| {
            (0..3).map(move |i| jenjang_store::workflows::NewNotification {
                recipient_nip: Some(n.clone()),
                recipient_role: None,
                subject_nip: None,
                instance_id: None,
                template: "tugas-baru".into(),
                title: format!("Pemberitahuan {i}"),
                body: "Isi".into(),
            })
        })
        .collect();
    jenjang_store::workflows::insert_notifications(&db, &notes, app.store.now(), true)
        .await
        .unwrap();
    let (a, b) = tokio::join!(first.drain(), second.drain());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 360, "{a:?} {b:?}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 360);
    let mut seen: Vec<(String, String)> = mails
        .iter()
        .map(|m| {
            (
                m["rcpt_tos"][0].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 360, "a mail was sent twice");
}

#[tokio::test]
async fn daily_digest_once_a_day_for_those_who_chose_it_and_only_with_something_to_say() {
    let sink = SmtpSink::start(&[]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    // Someone else who chose the digest but has nothing waiting.
    let quiet = demo
        .data
        .employees
        .iter()
        .map(|e| e.nip.to_string())
        .find(|n| *n != staff && *n != sup && demo.reports_of(n).is_empty())
        .unwrap();
    let (sup_mail, quiet_mail) = (
        "atasan.ringkasan@bulungankab.go.id",
        "tenang@bulungankab.go.id",
    );
    import_emails(&app, &hr, &[(&sup, sup_mail), (&quiet, quiet_mail)]).await;
    for (who, _) in [(&sup, sup_mail), (&quiet, quiet_mail)] {
        let token = app.token(who).await;
        let (status, body) = app
            .put(
                &token,
                "/api/v1/me/preferences",
                &json!({"email_digest": "daily"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["email_digest"], "daily");
        assert_eq!(
            body["email"],
            if who == &sup { sup_mail } else { quiet_mail }
        );
    }
    let token = app.token(&sup).await;
    let (status, body) = app
        .put(
            &token,
            "/api/v1/me/preferences",
            &json!({"email_digest": "weekly"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["email_digest"]);

    // Early in the morning (WIB) a task arrives: no mail of its own for a digest reader.
    let day = app.store.today().await.unwrap() + chrono::Duration::days(1);
    let at = |h: u32| {
        chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(
            day.and_hms_opt(h, 0, 0).unwrap() - chrono::Duration::hours(7),
            chrono::Utc,
        )
    };
    app.clock.set(at(5));
    low_evaluation(&app, &hr, &staff, "2027-Q2").await;
    assert_eq!(mailer.drain().await.unwrap().sent, 0);
    assert_eq!(
        mailer.digests().await.unwrap(),
        None,
        "before the digest hour"
    );

    // At 07:00 the day's digests are queued once; only the supervisor has something.
    app.clock.set(at(7));
    assert_eq!(mailer.digests().await.unwrap(), Some(1));
    assert_eq!(mailer.digests().await.unwrap(), None, "once a day");
    assert_eq!(mailer.drain().await.unwrap().sent, 1);
    let mails = sink.mails_to(sup_mail);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let text = mails[0]["text"].as_str().unwrap();
    assert!(
        mails[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Ringkasan harian"),
        "{}",
        mails[0]
    );
    assert!(text.contains("TUGAS (1)"), "{text}");
    assert!(text.contains("PEMBERITAHUAN (1)"), "{text}");
    assert!(sink.mails_to(quiet_mail).is_empty());

    // The next day's digest, with the same open task.
    app.clock.set(at(7) + chrono::Duration::days(1));
    assert_eq!(mailer.digests().await.unwrap(), Some(1));
    mailer.drain().await.unwrap();
    assert_eq!(sink.mails_to(sup_mail).len(), 2);
    // The digest hour is a setting.
    let (status, body) = app
        .put(&hr, "/api/v1/settings/digest_hour", &json!({"value": 24}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn addresses_are_checked_at_import_and_account_links_are_mailed() {
    let sink = SmtpSink::start(&[]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    let report = import_emails(
        &app,
        &hr,
        &[
            (&staff, "pegawai@bulungankab.go.id"),
            (&sup, "bukan alamat"),
        ],
    )
    .await;
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1, "{report}");
    let e = &report["rejected"][0];
    assert_eq!(
        (e["row"].as_i64(), e["column"].as_str()),
        (Some(3), Some("email")),
        "{report}"
    );
    assert_eq!(e["value"], "bukan alamat");
    let (_, employee) = app.get(&hr, &format!("/api/v1/employees/{staff}")).await;
    assert_eq!(employee["email"], "pegawai@bulungankab.go.id", "{employee}");
    let (_, employee) = app.get(&hr, &format!("/api/v1/employees/{sup}")).await;
    assert!(employee["email"].is_null(), "{employee}");

    // An import without the email column keeps the addresses.
    let demo_row = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == staff)
        .unwrap();
    let csv = format!(
        "nip,nama,jabatan,unit,atasan_nip,potensial\n{},{} Baru,{},{},{},{}\n",
        staff,
        demo_row.name,
        demo_row.position.as_ref().unwrap(),
        demo_row.unit,
        sup,
        demo_row.potential.map(|p| p.as_str()).unwrap_or_default()
    );
    assert_eq!(
        app.import_csv(&hr, "employees", csv).await.0,
        StatusCode::OK
    );
    let (_, employee) = app.get(&hr, &format!("/api/v1/employees/{staff}")).await;
    assert_eq!(employee["email"], "pegawai@bulungankab.go.id", "{employee}");

    // A reset link for the employee's account goes to that address.
    let (status, link) = app
        .post(
            &hr,
            &format!("/api/v1/users/{staff}/activation"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert_eq!(link["emailed_to"], "pegawai@bulungankab.go.id");
    mailer.drain().await.unwrap();
    let mails = sink.mails_to("pegawai@bulungankab.go.id");
    assert_eq!(mails.len(), 1);
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(PUBLIC_URL));
    assert!(
        mails[0]["text"].as_str().unwrap().contains(url),
        "{}",
        mails[0]
    );
    // The one-time token does not stay in the outbox once sent.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    let left = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT body_text FROM notification_deliveries WHERE kind = 'account'",
        ))
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].try_get::<Option<String>>("", "body_text").unwrap(),
        None
    );
}

#[tokio::test]
async fn without_smtp_nothing_is_queued() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    import_emails(&app, &hr, &[(&sup, "atasan@bulungankab.go.id")]).await;
    low_evaluation(&app, &hr, &staff, "2027-Q2").await;
    let listed = deliveries(&app, &hr, "").await;
    assert_eq!(listed["total"], 0, "{listed}");
    assert_eq!(listed["mail_enabled"], false);
}

#[tokio::test]
async fn the_calendar_feed_is_valid_icalendar_behind_a_rotatable_secret() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    // A participant of a demo cohort with dates.
    let (status, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026").await;
    assert_eq!(status, StatusCode::OK, "{cohorts}");
    let cohort = cohorts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["starts"].is_null())
        .expect("a demo cohort with dates")
        .clone();
    let code = cohort["code"].as_str().unwrap();
    let (_, detail) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let nip = detail["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "enrolled" || p["status"] == "lulus")
        .expect("a participant")["nip"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app.token(&nip).await;
    let (status, body) = app.get(&me, "/api/v1/me/calendar-url").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().unwrap().to_string();
    assert!(url.ends_with(".ics") && url.contains("/ical/"), "{url}");
    // The same address each time until rotated.
    let (_, again) = app.get(&me, "/api/v1/me/calendar-url").await;
    assert_eq!(again["url"], url.as_str());

    let path = &url[url.find("/ical/").unwrap()..];
    let r = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = r.text().await.unwrap();
    assert!(text.contains("\r\n"), "RFC 5545 lines end in CRLF");
    let parsed: icalendar::Calendar = text.parse().expect("the feed parses as iCalendar");
    use icalendar::Component;
    let events: Vec<&icalendar::Event> = parsed.events().collect();
    let cohort_event = events
        .iter()
        .find(|e| e.get_summary().is_some_and(|s| s.contains(code)))
        .unwrap_or_else(|| panic!("the cohort {code} is in the feed: {text}"));
    let starts =
        chrono::NaiveDate::parse_from_str(cohort["starts"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(
        cohort_event.get_start(),
        Some(icalendar::DatePerhapsTime::Date(starts))
    );
    for e in &events {
        assert!(
            e.get_uid().is_some() && e.get_timestamp().is_some(),
            "{text}"
        );
    }
    assert_eq!(parsed.property_value("VERSION"), Some("2.0"));

    // Rotating: the old address is gone, the new one works; a forged one is not found.
    let (status, rotated) = app.post(&me, "/api/v1/me/calendar-url", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new_url = rotated["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    let r = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let new_path = &new_url[new_url.find("/ical/").unwrap()..];
    let r = app.client.get(app.url(new_path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let forged = new_path.replace(".ics", "").to_string();
    let forged = format!("{}0.ics", &forged[..forged.len() - 1]);
    let forged = if forged == new_path {
        new_path.replace("0.ics", "1.ics")
    } else {
        forged
    };
    let r = app.client.get(app.url(&forged)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn preferences_and_deliveries_in_the_pages() {
    use crate::ui::Browser;
    let sink = SmtpSink::start(&["ditolak.bulungankab.go.id"]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    import_emails(&app, &hr, &[(&sup, "atasan@ditolak.bulungankab.go.id")]).await;

    // The supervisor chooses the digest and an address of their own from the page; a bad
    // address is refused with what was typed kept.
    let mut b = Browser::new(&app);
    b.sign_in(&sup, DEMO_PASSWORD).await;
    let page = b.get("/preferensi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("/ical/"),
        "the calendar address is shown"
    );
    let csrf = b.csrf();
    let page = save_preferences(&mut b, "daily", "bukan alamat", "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("bukan alamat"));
    assert!(page.html.contains("Alamat surel"), "{}", page.html);
    save_preferences(&mut b, "daily", "atasan.pribadi@bulungankab.go.id", "id").await;
    let token = app.token(&sup).await;
    let (_, prefs) = app.get(&token, "/api/v1/me/preferences").await;
    assert_eq!(prefs["email_digest"], "daily", "{prefs}");
    assert_eq!(prefs["email"], "atasan.pribadi@bulungankab.go.id");
    assert_eq!(prefs["account_email"], "atasan.pribadi@bulungankab.go.id");
    let (_, before) = app.get(&token, "/api/v1/me/calendar-url").await;
    b.post("/preferensi/kalender", &[("csrf", &csrf)]).await;
    let (_, after) = app.get(&token, "/api/v1/me/calendar-url").await;
    assert_ne!(before["url"], after["url"]);

    // Back to one mail per notification, to the refused domain's address: HR sees it failed.
    save_preferences(&mut b, "none", "", "").await;
    low_evaluation(&app, &hr, &staff, "2027-Q2").await;
    mailer.drain().await.unwrap();
    let mut h = Browser::new(&app);
    h.sign_in("hr", DEMO_PASSWORD).await;
    let page = h.get("/pengiriman?status=failed").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("atasan@ditolak.bulungankab.go.id"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Gagal"));
    let mut s = Browser::new(&app);
    s.sign_in(&staff, DEMO_PASSWORD).await;
    assert_eq!(s.get("/pengiriman").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn accounts_get_addresses_from_who_manages_them_and_pages_speak_the_saved_language() {
    use crate::ui::Browser;
    let sink = SmtpSink::start(&[]);
    let (app, mailer) = mail_app(&sink).await;
    let demo = Demo::new();
    let admin = app.token("admin").await;
    let hr = app.token("hr").await;
    let (staff, sup) = staff_and_supervisor(&demo, 0);
    import_emails(&app, &hr, &[(&sup, "atasan.dinas@bulungankab.go.id")]).await;

    // The administrator's account is no employee: an admin gives it an address, and a link
    // issued for it is mailed there.
    let (status, body) = app
        .put(
            &admin,
            "/api/v1/users/admin",
            &json!({"email": "Admin.Jenjang@bulungankab.go.id"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "Admin.Jenjang@bulungankab.go.id", "{body}");
    assert_eq!(body["mail_to"], "Admin.Jenjang@bulungankab.go.id", "{body}");
    assert_eq!(
        body["status"], "active",
        "setting an address changes nothing else"
    );
    let (status, body) = app
        .put(
            &admin,
            "/api/v1/users/admin",
            &json!({"email": "bukan surel"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), vec!["email"], "{body}");
    // Refused as a whole: the last admin cannot be disabled, and the address stays as it was.
    let (status, body) = app
        .put(
            &admin,
            "/api/v1/users/admin",
            &json!({"status": "disabled", "email": "lain@bulungankab.go.id"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, listed) = app.get(&admin, "/api/v1/users?role=admin").await;
    let kept = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "admin")
        .unwrap();
    assert_eq!(kept["email"], "Admin.Jenjang@bulungankab.go.id", "{listed}");
    // hr manages staff, supervisor and leader accounts, not an admin's.
    let (status, _) = app
        .put(
            &hr,
            "/api/v1/users/admin",
            &json!({"email": "lain@bulungankab.go.id"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An employee's account: its own address wins over the employee's; cleared, the
    // employee's is used again. Setting it leaves the person signed in.
    let sup_token = app.token(&sup).await;
    let (status, body) = app
        .put(
            &hr,
            &format!("/api/v1/users/{sup}"),
            &json!({"email": "atasan.akun@bulungankab.go.id"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mail_to"], "atasan.akun@bulungankab.go.id", "{body}");
    let (status, _) = app.get(&sup_token, "/api/v1/me/preferences").await;
    assert_eq!(status, StatusCode::OK, "the session was not ended");
    let (_, body) = app
        .put(
            &hr,
            &format!("/api/v1/users/{sup}"),
            &json!({"email": null}),
        )
        .await;
    assert_eq!(body["email"], Value::Null, "{body}");
    assert_eq!(body["mail_to"], "atasan.dinas@bulungankab.go.id", "{body}");
    let (status, body) = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "operator", "role": "hr", "email": "operator@bulungankab.go.id"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["mail_to"], "operator@bulungankab.go.id", "{body}");
    let (status, body) = app
        .post(&admin, "/api/v1/users/operator/activation", &json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["emailed_to"], "operator@bulungankab.go.id", "{body}");
    mailer.drain().await.unwrap();
    assert_eq!(sink.mails_to("operator@bulungankab.go.id").len(), 1);

    // The accounts page: hr sets an address; a bad one is refused, saying which field.
    let mut h = Browser::new(&app);
    h.sign_in("hr", DEMO_PASSWORD).await;
    let page = h.get(&format!("/akun?q={staff}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = h.csrf();
    let path = format!("/akun/{staff}");
    let page = h
        .post(
            &path,
            &[("csrf", &csrf), ("action", "email"), ("email", "salah@")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    assert!(page.html.contains("salah@"), "{}", page.html);
    let page = h
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "email"),
                ("email", "staf@bulungankab.go.id"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = h.get(&format!("/akun?q={staff}")).await;
    assert!(
        page.html.contains("staf@bulungankab.go.id"),
        "{}",
        page.html
    );
    let (_, listed) = app.get(&hr, &format!("/api/v1/users?q={staff}")).await;
    assert_eq!(
        listed["items"][0]["email"], "staf@bulungankab.go.id",
        "{listed}"
    );

    // The pages speak the language the person saved, in any browser, until another is chosen.
    let mut b = Browser::new(&app);
    b.sign_in(&sup, DEMO_PASSWORD).await;
    assert!(b.get("/preferensi").await.html.contains("Bahasa halaman"));
    let saved = save_preferences(&mut b, "none", "", "en").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(b.get("/preferensi").await.html.contains("Page language"));
    let mut elsewhere = Browser::new(&app);
    elsewhere.sign_in(&sup, DEMO_PASSWORD).await;
    let page = elsewhere.get("/preferensi").await;
    assert!(page.html.contains("Page language"), "{}", page.html);
    assert!(page.html.contains("lang=\"en\""), "{}", page.html);
    // A choice made on the page wins (and is remembered in that browser).
    let page = elsewhere.get("/preferensi?lang=id").await;
    assert!(page.html.contains("Bahasa halaman"));
    assert!(
        elsewhere
            .get("/preferensi")
            .await
            .html
            .contains("Bahasa halaman")
    );
    // Signing in applies the saved language over what the browser remembered, and signing out
    // forgets it: the next person at this browser gets their own.
    let mut shared = Browser::new(&app);
    shared.get("/masuk?lang=id").await;
    shared.sign_in(&sup, DEMO_PASSWORD).await;
    assert!(
        shared
            .get("/preferensi")
            .await
            .html
            .contains("Page language")
    );
    let csrf = shared.csrf();
    shared.post("/keluar", &[("csrf", &csrf)]).await;
    shared.sign_in("hr", DEMO_PASSWORD).await;
    assert!(
        shared
            .get("/preferensi")
            .await
            .html
            .contains("Bahasa halaman")
    );
    // Back to the browser's language: the one remembered here is forgotten too.
    b.get("/preferensi?lang=en").await;
    save_preferences(&mut b, "none", "", "").await;
    assert!(b.get("/preferensi").await.html.contains("Bahasa halaman"));
}
