//! Individual development plans over HTTP: the lifecycle, who may do what, concurrency,
//! revisions, completion effects and JP compliance.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const YEAR: i32 = 2027;

fn plan_path(nip: &str, what: &str) -> String {
    format!("/api/v1/employees/{nip}/development-plan{what}?year={YEAR}")
}

/// A staff member, their direct supervisor, and another supervisor.
fn people(demo: &Demo) -> (String, String, String) {
    let kasi = demo.head_of("DPMPTSP-YAN-1");
    let staff = demo
        .reports_of(&kasi)
        .into_iter()
        .find(|n| demo.reports_of(n).is_empty())
        .unwrap();
    (staff, kasi, demo.head_of("DLH-PSL-1"))
}

#[tokio::test]
async fn a_plan_is_generated_submitted_approved_and_completed() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let me = app.token(&staff).await;
    let (status, empty) = app.get(&me, &plan_path(&staff, "")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            empty["status"].clone(),
            empty["revision"].clone(),
            empty["jp_target"].clone()
        ),
        (json!("draft"), json!(0), json!(20))
    );

    let (status, plan) = app
        .post(&me, &plan_path(&staff, "/generate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let items = plan["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    // The same order as the recommendations, which respect prerequisites; dues within the year.
    let (_, rec) = app
        .get(&me, &format!("/api/v1/employees/{staff}/recommendations"))
        .await;
    let recommended: Vec<&str> = rec["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["program"].as_str().unwrap())
        .collect();
    let planned: Vec<&str> = items
        .iter()
        .map(|i| i["program"].as_str().unwrap())
        .collect();
    assert_eq!(planned, recommended);
    assert!(
        items
            .iter()
            .all(|i| i["due"].as_str().unwrap().starts_with("2027-"))
    );
    let (_, again) = app
        .post(&me, &plan_path(&staff, "/generate"), &json!({}))
        .await;
    assert_eq!(
        again["items"].as_array().unwrap().len(),
        items.len(),
        "no duplicates"
    );
    let (status, _) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": planned[0], "due": "2027-05-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already planned");

    let (status, submitted) = app
        .post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(submitted["status"], "submitted");
    let boss = app.token(&kasi).await;
    let (status, approved) = app
        .post(
            &boss,
            &plan_path(&staff, "/approve"),
            &json!({"comment": "Setuju"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        (approved["status"].clone(), approved["decided_by"].clone()),
        (json!("approved"), json!(kasi))
    );

    // Complete the first item: JP credited, levels recorded with source program:<code>, and the
    // gap it closed is gone.
    let k = rec["programs"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["reason"].as_str().unwrap().starts_with("closes the gap"))
        .expect("a program that closes a gap");
    let first = &approved["items"][k];
    let id = first["id"].as_i64().unwrap();
    let (_, gaps_before) = app
        .get(&me, &format!("/api/v1/employees/{staff}/gaps"))
        .await;
    let in_gap = |c: &Value| {
        gaps_before["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["competency"] == *c)
    };
    let closed_competency = rec["programs"][k]["closes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| in_gap(&r["competency"]))
        .map(|r| r["competency"].as_str().unwrap().to_string())
        .expect("the program closes one of the gaps");
    let gap_of = |gaps: &Value| {
        gaps["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["competency"] == json!(closed_competency))
            .map(|g| g["gap"].as_u64().unwrap())
    };
    let (status, started) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/start"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, started["status"].clone()),
        (StatusCode::OK, json!("in_progress"))
    );
    let (status, done) = app
        .post(&me, &format!("/api/v1/development-plan-items/{id}/complete"), &json!({"evidence": {"certificate_number": "SERT-2027-001", "link": "https://example.org/sert/1"}, "completed_on": "2026-11-20"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["evidence"]["certificate_number"], "SERT-2027-001");
    let (_, plan) = app.get(&me, &plan_path(&staff, "")).await;
    assert_eq!(plan["jp_completed"], first["jp"]);
    let (_, gaps_after) = app
        .get(&me, &format!("/api/v1/employees/{staff}/gaps"))
        .await;
    let before = gap_of(&gaps_before).unwrap_or(0);
    let after = gap_of(&gaps_after).unwrap_or(0);
    assert!(
        after < before || (before == 0 && after == 0),
        "{closed_competency}: gap {before} → {after}"
    );
    let (_, profile) = app
        .get(&me, &format!("/api/v1/employees/{staff}/competencies"))
        .await;
    let source = format!("program:{}", first["program"].as_str().unwrap());
    assert!(
        profile["current"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == json!(source)),
        "{profile}"
    );
    let (status, _) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/complete"),
            &json!({"evidence": "X", "completed_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a completed item cannot be completed again"
    );
}

#[tokio::test]
async fn illegal_steps_are_409_and_change_nothing() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let me = app.token(&staff).await;
    let boss = app.token(&kasi).await;
    assert_eq!(
        app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "no plan yet"
    );
    let (_, plan) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-TIK", "due": "2027-03-31"}),
        )
        .await;
    let id = plan["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        app.post(&boss, &plan_path(&staff, "/approve"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "a draft cannot be approved"
    );
    assert_eq!(
        app.post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/start"),
            &json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "not approved yet"
    );
    app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    assert_eq!(
        app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-DATA", "due": "2027-04-30"})
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "submitted plans are frozen"
    );
    let (status, body) = app
        .post(&boss, &plan_path(&staff, "/reject"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["comment"]);
    let (_, plan) = app.get(&me, &plan_path(&staff, "")).await;
    assert_eq!(plan["status"], "submitted");
    let (status, rejected) = app
        .post(
            &boss,
            &plan_path(&staff, "/reject"),
            &json!({"comment": "Tambahkan pelatihan teknis perizinan"}),
        )
        .await;
    assert_eq!(
        (status, rejected["status"].clone()),
        (StatusCode::OK, json!("rejected"))
    );
    // Editing a rejected plan makes a new draft revision.
    let (_, redraft) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "BIMTEK-OSS", "due": "2027-06-30"}),
        )
        .await;
    assert_eq!(
        (redraft["status"].clone(), redraft["revision"].clone()),
        (json!("draft"), json!(2))
    );
    let (status, cancelled) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/cancel"),
            &json!({"reason": "diganti"}),
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (StatusCode::OK, json!("cancelled"))
    );
    assert_eq!(
        app.post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/cancel"),
            &json!({"reason": "lagi"})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    let (status, body) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
}

#[tokio::test]
async fn only_the_direct_supervisor_or_hr_decides_and_leaders_only_read() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, other) = people(&demo);
    let me = app.token(&staff).await;
    app.post(
        &me,
        &plan_path(&staff, "/items"),
        &json!({"program": "EL-TIK", "due": "2027-03-31"}),
    )
    .await;
    app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    assert_eq!(
        app.post(&me, &plan_path(&staff, "/approve"), &json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "not one's own plan"
    );
    assert_eq!(
        app.post(
            &app.token(&other).await,
            &plan_path(&staff, "/approve"),
            &json!({})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let kadis = app.token(&demo.head_of("DPMPTSP")).await;
    assert_eq!(
        app.get(&kadis, &plan_path(&staff, "")).await.0,
        StatusCode::OK,
        "a leader reads their subtree"
    );
    assert_eq!(
        app.post(
            &kadis,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-DATA", "due": "2027-03-31"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&kadis, &plan_path(&staff, "/approve"), &json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "not the direct supervisor"
    );
    assert_eq!(
        app.post(
            &app.token(&kasi).await,
            &plan_path(&demo.head_of("DPMPTSP"), "/items"),
            &json!({"program": "EL-TIK", "due": "2027-03-31"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let hr = app.token("hr").await;
    assert_eq!(
        app.post(&hr, &plan_path(&staff, "/approve"), &json!({}))
            .await
            .0,
        StatusCode::OK
    );
    let (_, audit) = app
        .get(
            &hr,
            &format!("/api/v1/audit?entity=plan&key={staff}/{YEAR}"),
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["approve", "submit", "add_items"]);
}

#[tokio::test]
async fn of_two_concurrent_decisions_exactly_one_wins() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let me = app.token(&staff).await;
    app.post(
        &me,
        &plan_path(&staff, "/items"),
        &json!({"program": "EL-TIK", "due": "2027-03-31"}),
    )
    .await;
    let (_, submitted) = app
        .post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    let version = submitted["version"].as_i64().unwrap();
    let (boss, hr) = (app.token(&kasi).await, app.token("hr").await);
    let (approve_path, reject_path) = (plan_path(&staff, "/approve"), plan_path(&staff, "/reject"));
    let (approve_body, reject_body) = (
        json!({"version": version}),
        json!({"version": version, "comment": "tidak"}),
    );
    let approve = app.post(&boss, &approve_path, &approve_body);
    let reject = app.post(&hr, &reject_path, &reject_body);
    let ((a, _), (r, _)) = tokio::join!(approve, reject);
    let mut statuses = [a, r];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (_, plan) = app.get(&me, &plan_path(&staff, "")).await;
    let expected = if a == StatusCode::OK {
        "approved"
    } else {
        "rejected"
    };
    assert_eq!(plan["status"], expected);
}

#[tokio::test]
async fn editing_an_approved_plan_opens_a_revision_and_keeps_the_approved_one() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let me = app.token(&staff).await;
    let (_, plan) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-TIK", "due": "2027-03-31"}),
        )
        .await;
    let first = plan["items"][0]["id"].as_i64().unwrap();
    app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    app.post(
        &app.token(&kasi).await,
        &plan_path(&staff, "/approve"),
        &json!({}),
    )
    .await;
    let (_, edited) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-DATA", "due": "2027-09-30"}),
        )
        .await;
    assert_eq!(
        (edited["status"].clone(), edited["revision"].clone()),
        (json!("draft"), json!(2))
    );
    let (status, old) = app.get(&me, &plan_path(&staff, "/revisions/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old["status"], "approved");
    assert_eq!(old["items"].as_array().unwrap().len(), 1);
    // An item approved in revision 1 can still be worked on while revision 2 is a draft.
    assert_eq!(
        app.post(
            &me,
            &format!("/api/v1/development-plan-items/{first}/start"),
            &json!({})
        )
        .await
        .0,
        StatusCode::OK
    );
    let second = edited["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["program"] == "EL-DATA")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.post(
            &me,
            &format!("/api/v1/development-plan-items/{second}/start"),
            &json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn jp_compliance_lists_who_is_below_twenty() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    let (status, report) = app
        .get(
            &hr,
            &format!("/api/v1/units/DPMPTSP-YAN-1/jp-compliance?year={YEAR}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["jp_target"], 20);
    let below: Vec<&Value> = report["below_target"].as_array().unwrap().iter().collect();
    assert_eq!(
        below.len() as u64,
        report["employees"].as_u64().unwrap(),
        "nobody has JP yet"
    );
    // 24 JP of the stated programs completed: off the list.
    let me = app.token(&staff).await;
    let (_, plan) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "PLT-KINERJA", "due": "2027-03-31"}),
        )
        .await;
    let id = plan["items"][0]["id"].as_i64().unwrap();
    app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    app.post(
        &app.token(&kasi).await,
        &plan_path(&staff, "/approve"),
        &json!({}),
    )
    .await;
    let (status, _) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/complete"),
            &json!({"evidence": "SERT-9", "completed_on": "2026-10-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = app
        .get(
            &hr,
            &format!("/api/v1/units/DPMPTSP-YAN-1/jp-compliance?year={YEAR}"),
        )
        .await;
    assert!(
        !report["below_target"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["nip"] == json!(staff))
    );
    assert_eq!(report["meeting_target"], 1);
    assert_eq!(
        app.get(&me, "/api/v1/units/DPMPTSP-YAN-1/jp-compliance")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn completed_development_exports_with_siasn_field_names() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    let (status, _) = app
        .put(
            &hr,
            "/api/v1/settings/siasn_jenis_diklat",
            &json!({"value": {"e_learning": 7}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let me = app.token(&staff).await;
    let (_, plan) = app
        .post(
            &me,
            &plan_path(&staff, "/items"),
            &json!({"program": "EL-TIK", "due": "2027-03-31"}),
        )
        .await;
    let id = plan["items"][0]["id"].as_i64().unwrap();
    app.post(&me, &plan_path(&staff, "/submit"), &json!({}))
        .await;
    app.post(
        &app.token(&kasi).await,
        &plan_path(&staff, "/approve"),
        &json!({}),
    )
    .await;
    app.post(
        &me,
        &format!("/api/v1/development-plan-items/{id}/start"),
        &json!({}),
    )
    .await;
    let (status, _) = app
        .post(
            &me,
            &format!("/api/v1/development-plan-items/{id}/complete"),
            &json!({"evidence": "=HYPERLINK(\"x\")", "completed_on": "2026-11-02"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, records) = app
        .get(
            &hr,
            &format!("/api/v1/units/DPMPTSP/development-records?year={YEAR}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(records["total"], 1);
    let r = &records["items"][0];
    assert_eq!(
        (
            r["nipBaru"].clone(),
            r["jenisDiklatId"].clone(),
            r["jumlahJam"].clone()
        ),
        (json!(staff), json!("7"), json!(10))
    );
    assert_eq!(r["tanggalSelesaiKursus"], "02-11-2026");
    assert_eq!(r["namaKursus"], "E-Learning Literasi Digital ASN");
    let csv = app
        .client
        .get(app.url(&format!(
            "/api/v1/units/DPMPTSP/development-records?year={YEAR}&format=csv"
        )))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("nipBaru,nama,jenisDiklatId,namaKursus,jumlahJam,tanggalKursus,tanggalSelesaiKursus,nomorSertipikat,institusiPenyelenggara,tahunKursus"));
    assert!(
        csv.contains("'=HYPERLINK"),
        "a formula is written as text: {csv}"
    );
    let (status, _) = app
        .get(
            &me,
            &format!("/api/v1/units/DPMPTSP/development-records?year={YEAR}"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn this_year_is_the_year_of_the_one_clock_in_the_organisations_zone() {
    use chrono::TimeZone;
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, _, _) = people(&demo);
    let me = app.token(&staff).await;
    // 31 December, 20:00 UTC is already 1 January in Makassar (UTC+8), the demo's zone.
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2030, 12, 31, 20, 0, 0)
            .unwrap(),
    );
    let (status, plan) = app
        .get(&me, &format!("/api/v1/employees/{staff}/development-plan"))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["year"], 2031);
    let hr = app.token("hr").await;
    let (_, grid) = app.get(&hr, "/api/v1/talent/grid").await;
    assert_eq!(grid["year"], 2031);
}

#[tokio::test]
async fn a_plan_generated_late_in_the_year_is_not_due_in_the_past() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, _, _) = people(&demo);
    let me = app.token(&staff).await;
    // Late November in the organisation's zone (WITA).
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    app.clock.set(today.and_hms_opt(2, 0, 0).unwrap().and_utc());
    let (status, plan) = app
        .post(
            &me,
            &format!("/api/v1/employees/{staff}/development-plan/generate?year=2026"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let dues: Vec<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["due"].as_str().unwrap())
        .collect();
    assert!(!dues.is_empty());
    assert!(
        dues.iter()
            .all(|d| *d >= "2026-11-20" && *d <= "2026-12-31"),
        "{dues:?}"
    );
}
