//! What careless users and attackers send: malformed addresses and bodies on every route,
//! control characters, framing and cross-site writes, password spraying, made-up methods.

use crate::helpers::*;
use jenjang::ServerSettings;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};
use serde_json::{Value, json};

/// The cookies a response sets, as `name=value`.
fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (n, v) = first.split_once('=')?;
        (n == name).then(|| v.to_string())
    })
}

/// The answer is JSON: either what the route answers, or the uniform error body.
async fn assert_uniform(r: reqwest::Response, what: &str) {
    let status = r.status();
    let kind = r
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}: {text}");
    if status.is_client_error() || status.is_server_error() {
        assert!(
            kind.starts_with("application/json"),
            "{what}: {kind} {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(body["error"]["code"].is_string(), "{what}: {text}");
        assert!(body["error"]["message"].is_string(), "{what}: {text}");
        assert!(body["error"]["details"].is_array(), "{what}: {text}");
    }
}

/// Every route of the OpenAPI document, with every path parameter replaced by something that
/// is not what it expects (text for a number, an overlong value, invalid UTF-8, a NUL), a body
/// that is not JSON, and a paging parameter out of range: each answer is the route's own or the
/// uniform error body, never plain text and never a 500 or a dropped connection.
#[tokio::test]
async fn every_route_answers_bad_input_in_the_uniform_error_body() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let overlong = "9".repeat(400);
    let bad_segments = ["abc", overlong.as_str(), "%FF%FE", "%00", "-1"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let with_params = path.contains('{');
            let targets: Vec<String> = if with_params {
                bad_segments
                    .iter()
                    .map(|bad| {
                        let mut p = path.clone();
                        while let (Some(a), Some(b)) = (p.find('{'), p.find('}')) {
                            p.replace_range(a..=b, bad);
                        }
                        p
                    })
                    .collect()
            } else {
                vec![path.clone()]
            };
            for target in targets {
                if method == reqwest::Method::GET {
                    let r = app
                        .client
                        .get(app.url(&format!("{target}?limit=0&offset=x")))
                        .bearer_auth(&hr)
                        .send()
                        .await
                        .unwrap();
                    assert_uniform(r, &format!("GET {target}?limit=0")).await;
                    if with_params {
                        let r = app
                            .client
                            .get(app.url(&target))
                            .bearer_auth(&hr)
                            .send()
                            .await
                            .unwrap();
                        assert_uniform(r, &format!("GET {target}")).await;
                    }
                } else {
                    let r = app
                        .client
                        .request(method.clone(), app.url(&target))
                        .bearer_auth(&hr)
                        .header(CONTENT_TYPE, "application/json")
                        .body("{\"name\": ")
                        .send()
                        .await
                        .unwrap();
                    assert_uniform(r, &format!("{method} {target} (broken JSON)")).await;
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} requests");
    // The UI's forms and upload too.
    for (path, kind) in [
        ("/tugas/abc/selesai", "application/x-www-form-urlencoded"),
        (
            "/rencana/%FF/keputusan",
            "application/x-www-form-urlencoded",
        ),
        ("/impor", "text/plain"),
    ] {
        let r = app
            .client
            .post(app.url(path))
            .header(CONTENT_TYPE, kind)
            .body("%zz=%")
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    }
}

/// A NUL or another control character in text is refused, naming the field, before it
/// reaches either database: in JSON bodies (keys too), query strings and imported files.
#[tokio::test]
async fn control_characters_are_refused_alike_on_both_databases() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": "199001012015031001", "name": "Siti\u{0}Rahma", "unit": "DINKES"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_fields(&body).contains(&"name".to_string()), "{body}");
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/units",
            &json!({"code": "UJI", "name": "Bagian\u{1b}[31m Uji", "parent": "DINKES"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_fields(&body).contains(&"name".to_string()), "{body}");
    let (status, body) = app
        .post(&hr, "/api/v1/units", &json!({"code\u{0}": "UJI"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app.get(&hr, "/api/v1/employees?unit=%00").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["unit"]);
    // Several lines are fine where a field holds notes, not in a name.
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": "199001012015031001", "name": "Siti\nRahma", "unit": "DINKES"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // An import row with a NUL is refused with its row and column; the other rows are kept.
    let csv = "nip,nama,unit\n199001012015031001,Siti\u{0}Rahma,DINKES\n199001012015031002,Budi Santoso,DINKES\n";
    let r = app
        .client
        .post(app.url("/api/v1/imports/employees"))
        .bearer_auth(&hr)
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, report) = read(r).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["rejected"][0]["row"], 2);
    assert_eq!(report["rejected"][0]["column"], "nama");
    let (status, _) = app.get(&hr, "/api/v1/employees/199001012015031001").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&hr, "/api/v1/employees/199001012015031002").await;
    assert_eq!(status, StatusCode::OK);
}

/// A workbook whose used range reaches the last cell of the grid is refused with a 422 naming
/// the limit, and the server keeps answering.
#[tokio::test]
async fn a_workbook_spanning_the_whole_grid_is_refused_and_the_server_stays_up() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "nip").unwrap();
    sheet.write_string(0, 1, "nama").unwrap();
    sheet.write_string(0, 2, "unit").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 16 * 1024, "{} bytes", bytes.len());
    for path in [
        "/api/v1/imports/employees",
        "/api/v1/campaigns/ADOPSI-EKINERJA/stages/import",
    ] {
        let r = app
            .client
            .post(app.url(path))
            .bearer_auth(&hr)
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(error_fields(&body), ["file"]);
        let message = body["error"]["details"][0]["message"].as_str().unwrap();
        assert!(message.contains("JENJANG_IMPORT_MAX_"), "{message}");
    }
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Pages tell browsers not to frame them, sniff types, run inline script or leak the address;
/// cookies are Secure when the site is reached over HTTPS.
#[tokio::test]
async fn pages_send_security_headers_and_cookies_are_secure_over_https() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/masuk")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h.get("strict-transport-security").is_none());
    assert!(set_cookies(&r).iter().all(|c| !c.contains("Secure")));
    // The API's answers are not sniffed either.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // Behind TLS: every cookie Secure, HSTS.
    let secure = spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        secure_cookies: true,
        ..Default::default()
    })
    .await;
    let r = secure
        .client
        .post(secure.url("/api/v1/auth/login"))
        .json(&json!({"username": "hr", "password": jenjang::seed::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&r);
    assert!(!cookies.is_empty());
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    assert!(r.headers().contains_key("strict-transport-security"));
    let r = secure
        .client
        .get(secure.url("/masuk"))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&r);
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")) && !cookies.is_empty(),
        "{cookies:?}"
    );

    // A proxy in front that says so, when trusted.
    let proxied = spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        trust_forwarded_proto: true,
        ..Default::default()
    })
    .await;
    for (proto, secure) in [("https", true), ("http", false)] {
        let r = proxied
            .client
            .get(proxied.url("/masuk"))
            .header("x-forwarded-proto", proto)
            .send()
            .await
            .unwrap();
        let cookies = set_cookies(&r);
        assert!(!cookies.is_empty());
        assert_eq!(
            cookies.iter().all(|c| c.contains("; Secure")),
            secure,
            "{proto}: {cookies:?}"
        );
    }
    // Not trusted: the header changes nothing.
    let r = app
        .client
        .get(app.url("/masuk"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(set_cookies(&r).iter().all(|c| !c.contains("Secure")));
}

/// The UI's cookie reads the API, but a write carried by the cookie alone (a cross-site form
/// or text/plain POST) is refused and changes nothing; with the CSRF header it goes through,
/// and bearer tokens are unaffected.
#[tokio::test]
async fn a_write_with_the_ui_cookie_needs_the_csrf_header() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "hr", "password": jenjang::seed::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let session = cookie_value(&set_cookies(&r), "jenjang_token").unwrap();
    let r = app.client.get(app.url("/masuk")).send().await.unwrap();
    let csrf = cookie_value(&set_cookies(&r), "jenjang_csrf").unwrap();
    let cookies = format!("jenjang_token={session}; jenjang_csrf={csrf}");
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let unit = json!({"code": "UJI-CSRF", "name": "Bagian Uji", "parent": "DINKES"}).to_string();
    for kind in ["text/plain", "application/json"] {
        let r = app
            .client
            .post(app.url("/api/v1/units"))
            .header("cookie", &cookies)
            .header(CONTENT_TYPE, kind)
            .body(unit.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{kind}: {body}");
        assert_eq!(error_code(&body), "csrf_token_missing");
    }
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .header("cookie", &cookies)
        .header("x-csrf-token", "0".repeat(32))
        .json(&serde_json::from_str::<Value>(&unit).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a token that does not match"
    );
    let hr = app.token("hr").await;
    let (status, _) = app.get(&hr, "/api/v1/units/UJI-CSRF").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was written");
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::from_str::<Value>(&unit).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/units",
            &json!({"code": "UJI-BEARER", "name": "Bagian Uji", "parent": "DINKES"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// One address trying one password on many usernames is stopped, whatever the usernames; it
/// stays stopped for the right password too until the window passes. Another address is not.
#[tokio::test]
async fn password_spraying_from_one_address_is_limited() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let mut limited = None;
    for (i, e) in demo.data.employees.iter().take(30).enumerate() {
        let r = app.login_response(e.nip.as_str(), "Password123").await;
        match r.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.headers().contains_key("retry-after"));
                limited.get_or_insert(i);
            }
            other => panic!("attempt {i}: {other}"),
        }
    }
    let first = limited.expect("30 usernames from one address are limited");
    assert!(first <= 20, "limited after {first} attempts");
    let r = app.login_response("hr", jenjang::seed::DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Made-up methods and unmatched paths sent by anyone add no series to /metrics.
#[tokio::test]
async fn metrics_labels_stay_bounded() {
    let app = spawn_app().await;
    for i in 0..25 {
        let method = reqwest::Method::from_bytes(format!("PROBE{i}").as_bytes()).unwrap();
        app.client
            .request(method.clone(), app.url("/api/v1/units"))
            .send()
            .await
            .unwrap();
        app.client
            .request(method, app.url(&format!("/nothing/{i}")))
            .send()
            .await
            .unwrap();
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("PROBE"), "{text}");
    assert!(!text.contains("/nothing/"), "{text}");
    let series = text
        .lines()
        .filter(|l| l.starts_with("jenjang_http_requests_total{"))
        .count();
    assert!(series <= 6, "{series} series:\n{text}");
    assert!(text.contains("method=\"other\""), "{text}");
}

/// The document is valid OpenAPI 3.1 to a standard validator, a standard generator makes a
/// client of every operation from it, and the binary serves interactive docs of its own.
#[tokio::test]
async fn the_openapi_document_validates_and_generates_a_client() {
    let app = spawn_app().await;
    let doc = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(parsed["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &doc).unwrap();
    python_tools();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new("openapi-python-client")
        .args(["generate", "--meta", "none", "--path"])
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openapi-python-client: {said}");
    assert!(!said.contains("will not be generated"), "{said}");
    assert!(dir.path().join("jenjang_api_client").is_dir(), "{said}");

    let r = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        !r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self' 'unsafe-inline'")
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("/api/docs/swagger-ui-bundle.js"));
    assert!(!page.contains("http"), "no outside address: {page}");
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css", "init.js"] {
        let r = app
            .client
            .get(app.url(&format!("/api/docs/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
        assert!(r.bytes().await.unwrap().len() > 50, "{asset}");
    }
}

/// The validator and the client generator from the Python registry, installed when missing
/// (`.ci/run` installs them up front).
fn python_tools() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let present = std::process::Command::new("python3")
            .args(["-c", "import openapi_spec_validator"])
            .status()
            .is_ok_and(|s| s.success())
            && std::process::Command::new("openapi-python-client")
                .arg("--version")
                .status()
                .is_ok_and(|s| s.success());
        if !present {
            let status = std::process::Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "openapi-spec-validator",
                    "openapi-python-client",
                ])
                .status()
                .unwrap();
            assert!(status.success(), "pip install of the OpenAPI tools failed");
        }
    });
}

/// A stored value this build does not know (a damaged row, a newer version's spelling) is an
/// error naming its row: never read back as a plausible default.
#[tokio::test]
async fn an_unreadable_stored_value_is_an_error_naming_its_row() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let demo = Demo::new();
    let nip = demo.data.employees[0].nip.to_string();
    let id = app
        .store
        .count_raw(&format!(
            "SELECT MAX(id) AS n FROM evaluations WHERE nip = '{nip}'"
        ))
        .await
        .unwrap();
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(&format!(
        "UPDATE evaluations SET predikat = 'luar_biasa' WHERE id = {id}"
    ))
    .await
    .unwrap();
    db.execute_unprepared("UPDATE users SET role = 'superuser' WHERE username = 'admin'")
        .await
        .unwrap();
    db.close().await.unwrap();
    let err = app
        .store
        .list_evaluations(&nip, jenjang_store::Paging::new(None, None))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "evaluations row {id} cannot be read: 'luar_biasa': 'luar_biasa' is not one of: sangat_kurang, kurang, butuh_perbaikan, baik, sangat_baik"
        )
    );
    let hr = app.token("hr").await;
    let (status, body) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/evaluations"))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    // A login whose role is unknown signs in as nobody, not as staff.
    let r = app
        .login_response("admin", jenjang::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

/// Every reference the bulk-written tables make is enforced on both databases (PostgreSQL
/// checks them per statement, SQLite by its foreign keys): a row naming a missing employee,
/// competency, plan or program is refused, even among valid rows; a referenced row cannot be
/// deleted nor its key changed; valid rows go in.
#[tokio::test]
async fn references_of_bulk_written_tables_are_enforced_on_both_databases() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    // With statistics, PostgreSQL checks an insert of at least 1,000 rows and a quarter of the
    // referenced table by one comparison of the key sets, a smaller one key by key: the first
    // statement below is of the first kind, the others of the second.
    db.execute_unprepared("ANALYZE").await.unwrap();
    let records = app
        .store
        .count_raw("SELECT COUNT(*) AS n FROM competency_records")
        .await
        .unwrap();
    let employees = app
        .store
        .count_raw("SELECT COUNT(*) AS n FROM employees")
        .await
        .unwrap();
    assert!(records >= 1_000 && records * 4 >= employees, "{records}");
    let refused = [
        // An unknown employee among known ones.
        "INSERT INTO competency_records (nip, competency_code, level, source, assessed_on, recorded_at, recorded_by) \
         SELECT CASE WHEN id = (SELECT MAX(id) FROM competency_records) THEN '199999999999999999' ELSE nip END, \
         competency_code, level, 'check-' || source, assessed_on, recorded_at, recorded_by FROM competency_records",
        "INSERT INTO competency_records (nip, competency_code, level, source, assessed_on, recorded_at, recorded_by) \
         SELECT nip, 'NO-SUCH-COMPETENCY', level, 'check', assessed_on, recorded_at, recorded_by FROM competency_records \
         WHERE id = (SELECT MIN(id) FROM competency_records)",
        "INSERT INTO current_competency_levels (nip, competency_code, level, assessed_on, record_id) \
         SELECT '199999999999999999', competency_code, level, assessed_on, record_id FROM current_competency_levels \
         WHERE record_id = (SELECT MIN(record_id) FROM current_competency_levels)",
        "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at) \
         SELECT -1, code, '2026-12-31', 'planned', 1, 0, '2026-01-01', '2026-01-01' FROM programs \
         WHERE code = (SELECT MIN(code) FROM programs)",
        "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at) \
         SELECT id, 'NO-SUCH-PROGRAM', '2026-12-31', 'planned', 1, 0, '2026-01-01', '2026-01-01' \
         FROM development_plans WHERE id = (SELECT MIN(id) FROM development_plans)",
        "UPDATE plan_items SET program_code = 'NO-SUCH-PROGRAM' WHERE id = (SELECT MIN(id) FROM plan_items)",
        "DELETE FROM employees WHERE nip = (SELECT MIN(nip) FROM competency_records)",
        "UPDATE development_plans SET id = -7 WHERE id = (SELECT MIN(plan_id) FROM plan_items)",
    ];
    for sql in refused {
        let before = app
            .store
            .count_raw("SELECT COUNT(*) AS n FROM plan_items")
            .await
            .unwrap();
        let records = app
            .store
            .count_raw("SELECT COUNT(*) AS n FROM competency_records")
            .await
            .unwrap();
        let err = db
            .execute_unprepared(sql)
            .await
            .expect_err(&format!("refused: {sql}"));
        let text = err.to_string().to_lowercase();
        assert!(
            text.contains("foreign key") || text.contains("violates"),
            "{sql}: {err}"
        );
        assert_eq!(
            app.store
                .count_raw("SELECT COUNT(*) AS n FROM plan_items")
                .await
                .unwrap(),
            before,
            "{sql}"
        );
        assert_eq!(
            app.store
                .count_raw("SELECT COUNT(*) AS n FROM competency_records")
                .await
                .unwrap(),
            records,
            "{sql}"
        );
    }
    let done = db
        .execute_unprepared(
            "INSERT INTO plan_items (plan_id, program_code, due, status, jp, jp_credited, created_at, updated_at) \
             SELECT d.id, p.code, '2026-12-31', 'planned', 1, 0, '2026-01-01', '2026-01-01' \
             FROM development_plans d, programs p WHERE p.code = (SELECT MIN(code) FROM programs)",
        )
        .await
        .unwrap();
    assert!(done.rows_affected() > 1);
    db.close().await.unwrap();
}
