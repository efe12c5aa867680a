use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn seeding_the_demo_twice_changes_nothing() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (_, before) = app.get(&hr, "/api/v1/audit?limit=1").await;
    let report = jenjang::seed::load_demo(&app.store).await.unwrap();
    assert!(!report.changed(), "{report:?}");
    let (_, after) = app.get(&hr, "/api/v1/audit?limit=1").await;
    assert_eq!(before["total"], after["total"]);
}

#[tokio::test]
async fn the_demo_has_a_believable_regency() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (_, employees) = app.get(&hr, "/api/v1/employees?limit=1").await;
    assert!(employees["total"].as_u64().unwrap() >= 250);
    let (_, managerial) = app.get(&hr, "/api/v1/competencies?kind=manajerial").await;
    assert_eq!(managerial["total"], 8);
    let (_, m1) = app.get(&hr, "/api/v1/competencies/M.1").await;
    assert_eq!(m1["levels"].as_array().unwrap().len(), 5);
    let (_, programs) = app.get(&hr, "/api/v1/programs?limit=1").await;
    assert!(programs["total"].as_u64().unwrap() >= 40);
    // Every employee login works, with the role their place implies.
    let demo = Demo::new();
    let kadis = demo.head_of("DINKES");
    let r = app.login_response(&kadis, "jenjang-demo").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["user"]["role"],
        "leader"
    );
    // The front office chain has SKPs cascading from the permit IKU, realised each quarter:
    // one employee above expectations, one below, one SKP waiting for approval.
    let (_, excels) = app
        .get(
            &hr,
            "/api/v1/employees/197812122005051001/performance?period=2026-Q2",
        )
        .await;
    assert_eq!(
        excels["proposed_hasil_kerja"], "di_atas_ekspektasi",
        "{excels}"
    );
    let (_, short) = app
        .get(
            &hr,
            "/api/v1/employees/198008152006091001/performance?period=2026-Q2",
        )
        .await;
    assert_eq!(
        short["proposed_hasil_kerja"], "di_bawah_ekspektasi",
        "{short}"
    );
    let (_, waiting) = app
        .get(&hr, "/api/v1/employees/198201032005081001/skp?year=2026")
        .await;
    assert_eq!(waiting["status"], "submitted");
    let (_, kasi) = app
        .get(&hr, "/api/v1/employees/197503222002112001/skp?year=2026")
        .await;
    let (_, staff) = app
        .get(&hr, "/api/v1/employees/197812122005051001/skp?year=2026")
        .await;
    assert_eq!(staff["rhk"][0]["supports"]["rhk"], kasi["rhk"][0]["id"]);
    // A dialog history, and upward feedback shown as an anonymous aggregate.
    let (_, thread) = app
        .get(&hr, "/api/v1/employees/198008152006091001/dialog?year=2026")
        .await;
    assert!(thread.as_array().unwrap().len() >= 3);
    let (_, upward) = app
        .get(
            &hr,
            "/api/v1/employees/197201062002052001/upward-feedback?year=2026",
        )
        .await;
    assert!(upward["respondents"].as_u64().unwrap() >= 3, "{upward}");
    // Visitor numbers, as a tourism office counts them.
    let (_, iku) = app
        .get(&hr, "/api/v1/units/DPMPTSP-PM/indicators?year=2026")
        .await;
    assert_eq!(iku[0]["unit_of_measure"], "kunjungan");
}

#[tokio::test]
async fn a_generated_dataset_loads_idempotently_and_analyses() {
    let dir = tempfile::tempdir().unwrap();
    jenjang::synthetic::generate(600, dir.path(), 42).unwrap();
    let data = jenjang::seed::Dataset::from_dir(dir.path()).unwrap();
    let app = spawn_app().await;
    let first = jenjang::seed::load(&app.store, &data).await.unwrap();
    assert_eq!(first.created["employee"], 600);
    assert_eq!(first.created["competency_record"], 600 * 15);
    let again = jenjang::seed::load(&app.store, &data).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    let hr = app.token("hr").await;
    let (status, analysis) = app.get(&hr, "/api/v1/units/ROOT/needs-analysis").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(analysis["employees"], 600);
    assert!(!analysis["competencies"].as_array().unwrap().is_empty());
}
