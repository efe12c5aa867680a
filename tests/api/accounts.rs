//! Accounts for a whole organisation: accounts follow employee records, one-time links set
//! passwords, sessions end when they must, and who may do what with accounts.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const NEW_NIP: &str = "199203142019031004";

/// Creates an employee through the API (hr) and answers their account as the list shows it.
async fn new_employee(app: &TestApp, hr: &str, supervisor: Option<&str>) -> Value {
    let mut body = json!({"nip": NEW_NIP, "name": "Nurhayati Lamba", "unit": "DLH"});
    if let Some(s) = supervisor {
        body["supervisor_nip"] = json!(s);
    }
    let (status, body) = app.post(hr, "/api/v1/employees", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, page) = app.get(hr, &format!("/api/v1/users?q={NEW_NIP}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    page["items"][0].clone()
}

fn token_of(link: &Value) -> String {
    link["url"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_new_employee_gets_a_pending_account_that_a_link_activates_once() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let account = new_employee(&app, &hr, None).await;
    assert_eq!(account["username"], NEW_NIP);
    assert_eq!(account["status"], "pending");
    assert_eq!(account["role"], "staff");
    assert_eq!(account["name"], "Nurhayati Lamba");

    // No password yet: nothing signs in.
    let (status, _) = read(app.login_response(NEW_NIP, "").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = read(app.login_response(NEW_NIP, "anything-at-all").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, link) = app
        .post(
            &hr,
            &format!("/api/v1/users/{NEW_NIP}/activation"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert!(link["url"].as_str().unwrap().contains("/aktivasi?token="));
    let token = token_of(&link);
    assert_eq!(token.len(), 64, "256 random bits, hex");
    // Only the hash is stored.
    let (_, audit) = app.get(&hr, "/api/v1/audit?entity=user").await;
    assert!(!audit.to_string().contains(&token));

    // Weak passwords are refused, each naming its rule, and the link stays usable.
    for (password, says) in [
        ("short", "at least 10"),
        ("password123", "common"),
        ("nurhayati-kebun-2026", "name"),
        (&format!("x{NEW_NIP}"), "NIP"),
    ] {
        let (status, body) = app
            .post(
                "",
                "/api/v1/auth/activate",
                &json!({"token": token, "password": password}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}: {body}"
        );
        assert_eq!(error_fields(&body), vec!["password"]);
        assert!(body.to_string().contains(says), "{password}: {body}");
    }
    let good = "kopi-gayo-di-pagi-hari";
    let (status, body) = app
        .post(
            "",
            "/api/v1/auth/activate",
            &json!({"token": token, "password": good}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], NEW_NIP);
    let (status, _) = read(app.login_response(NEW_NIP, good).await).await;
    assert_eq!(status, StatusCode::OK);

    // Used once: a second use, or an unknown token, is refused saying why.
    for (t, says) in [(token.as_str(), "already used"), ("00ff", "not known")] {
        let (status, body) = app
            .post(
                "",
                "/api/v1/auth/activate",
                &json!({"token": t, "password": "another-long-one-9"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["token"]);
        assert!(body.to_string().contains(says), "{body}");
    }
    let (_, page) = app.get(&hr, &format!("/api/v1/users?q={NEW_NIP}")).await;
    assert_eq!(page["items"][0]["status"], "active");
    assert!(page["items"][0]["last_login_at"].is_string());
}

#[tokio::test]
async fn a_link_expires_after_72_hours_and_a_reset_ends_earlier_sessions() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let old_session = app.token(&staff).await;

    let (_, link) = app
        .post(
            &hr,
            &format!("/api/v1/users/{staff}/activation"),
            &json!({}),
        )
        .await;
    app.clock.advance(chrono::Duration::hours(73));
    let (status, body) = app
        .post(
            "",
            "/api/v1/auth/activate",
            &json!({"token": token_of(&link), "password": "sawah-padi-menguning"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("expired"), "{body}");

    let (_, link) = app
        .post(
            &hr,
            &format!("/api/v1/users/{staff}/activation"),
            &json!({}),
        )
        .await;
    let (status, _) = app
        .post(
            "",
            "/api/v1/auth/activate",
            &json!({"token": token_of(&link), "password": "sawah-padi-menguning"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.get(&old_session, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let first = app.token(&staff).await;
    let second = app.token(&staff).await;
    let (status, body) = app
        .post(
            &first,
            "/api/v1/auth/password",
            &json!({"current": "wrong", "new": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(fields, vec!["current", "new"]);
    let (status, body) = app
        .post(
            &first,
            "/api/v1/auth/password",
            &json!({"current": jenjang::seed::DEMO_PASSWORD, "new": "hujan-di-bulan-juni"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["token"].as_str().unwrap().to_string();
    for old in [&first, &second] {
        let (status, _) = app.get(old, "/api/v1/auth/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app.get(&fresh, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = read(app.login_response(&staff, "hujan-di-bulan-juni").await).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logout_refuses_that_token_only() {
    let app = spawn_app().await;
    let a = app.token("hr").await;
    let b = app.token("hr").await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = app.get(&a, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get(&b, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_leaver_is_disabled_and_roles_follow_the_tree() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let session = app.token(&staff).await;

    // Someone now reports to the staff member: they become a supervisor, and their old token
    // (issued as staff) ends.
    let account = new_employee(&app, &hr, Some(&staff)).await;
    assert_eq!(account["role"], "staff");
    let (_, page) = app.get(&hr, &format!("/api/v1/users?q={staff}")).await;
    assert_eq!(page["items"][0]["role"], "supervisor", "{page}");
    let (status, _) = app.get(&session, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, me) = app.get(&app.token(&staff).await, "/api/v1/auth/me").await;
    assert_eq!(me["role"], "supervisor");

    // The new employee leaves: their account is disabled, the old token answers 401.
    let (_, link) = app
        .post(
            &hr,
            &format!("/api/v1/users/{NEW_NIP}/activation"),
            &json!({}),
        )
        .await;
    app.post(
        "",
        "/api/v1/auth/activate",
        &json!({"token": token_of(&link), "password": "lembah-baliem-indah"}),
    )
    .await;
    let leaver_session = {
        let r = app.login_response(NEW_NIP, "lembah-baliem-indah").await;
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (status, body) = app
        .put(&hr, &format!("/api/v1/employees/{NEW_NIP}"), &json!({"name": "Nurhayati Lamba", "unit": "DLH", "supervisor_nip": staff, "status": "keluar"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.get(&leaver_session, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.to_string().contains("disabled"), "{body}");
    let (_, page) = app.get(&hr, &format!("/api/v1/users?q={NEW_NIP}")).await;
    assert_eq!(page["items"][0]["status"], "disabled");
}

#[tokio::test]
async fn who_may_do_what_with_accounts() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let admin = app.token("admin").await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let staff_token = app.token(&staff).await;

    // Staff see no accounts; hr and admin do.
    let (status, _) = app.get(&staff_token, "/api/v1/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = app.get(&hr, "/api/v1/users?role=hr").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"][0]["username"], "hr");

    // hr disables and enables staff, never grants roles nor touches admin accounts.
    let (status, body) = app
        .put(
            &hr,
            &format!("/api/v1/users/{staff}"),
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.get(&staff_token, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = read(
        app.login_response(&staff, jenjang::seed::DEMO_PASSWORD)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .put(
            &hr,
            &format!("/api/v1/users/{staff}"),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .put(
            &hr,
            &format!("/api/v1/users/{staff}"),
            &json!({"role": "hr"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for body in [json!({"status": "disabled"}), json!({})] {
        let (status, _) = app.put(&hr, "/api/v1/users/admin", &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = app
        .post(&hr, "/api/v1/users/admin/activation", &json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.post(&hr, "/api/v1/users/provision", &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The admin grants hr; a granted role stays when the tree changes.
    let (status, body) = app
        .put(
            &admin,
            &format!("/api/v1/users/{staff}"),
            &json!({"role": "hr"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role_granted"], true);

    // The last enabled admin can be neither disabled nor demoted.
    for body in [json!({"status": "disabled"}), json!({"role": "staff"})] {
        let (status, answer) = app.put(&admin, "/api/v1/users/admin", &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    }
    // Bad values are named.
    let (status, body) = app
        .put(
            &admin,
            &format!("/api/v1/users/{staff}"),
            &json!({"role": "boss", "status": "asleep"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(fields, vec!["role", "status"]);
    // Every account action is in the audit log with who did it.
    let (_, audit) = app.get(&admin, "/api/v1/audit?entity=user").await;
    let actors: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.contains(&"hr") && actors.contains(&"admin"),
        "{audit}"
    );
}

#[tokio::test]
async fn provisioning_creates_what_is_missing_once() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let demo = Demo::new();
    // The demo's employees all have logins already.
    let (status, body) = app
        .post(&admin, "/api/v1/users/provision", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 0);
    assert_eq!(body["existing"], demo.data.employees.len());
    // An employee written straight to the database (as an older import would have) gets one.
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO employees (nip, name, unit_code, status, created_at, updated_at) \
         VALUES ('{NEW_NIP}', 'Yohana Kambu', 'DLH', 'aktif', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
    let (_, body) = app
        .post(&admin, "/api/v1/users/provision", &json!({"unit": "DLH"}))
        .await;
    assert_eq!(body["created"], 1, "{body}");
    let (_, body) = app
        .post(&admin, "/api/v1/users/provision", &json!({}))
        .await;
    assert_eq!(body["created"], 0);
    let (status, body) = app
        .post(&admin, "/api/v1/users/provision", &json!({"unit": "NOPE"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
