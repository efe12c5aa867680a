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
    // Units created bare, then given their heads: each counted once, as created.
    assert_eq!(first.created["unit"], data.units.len() as u64);
    assert!(!first.updated.contains_key("unit"), "{first:?}");
    let again = jenjang::seed::load(&app.store, &data).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    let hr = app.token("hr").await;
    let (status, analysis) = app.get(&hr, "/api/v1/units/ROOT/needs-analysis").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(analysis["employees"], 600);
    assert!(!analysis["competencies"].as_array().unwrap().is_empty());
}

/// The large files (assessments, evaluations) load a chunk per transaction: chunks of a few rows
/// give what one chunk gives, and a row naming an employee nobody has, in the last chunk, stops
/// the load before any chunk of that file is written.
#[tokio::test]
async fn large_files_load_in_chunks_as_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    jenjang::synthetic::generate(90, dir.path(), 5).unwrap();
    let data = jenjang::seed::Dataset::from_dir(dir.path()).unwrap();
    assert_eq!(data.assessments.len(), 90 * 15);
    let whole = spawn_app().await;
    let chunked = spawn_app().await;
    let one = jenjang::seed::load(&whole.store, &data).await.unwrap();
    let small = jenjang::seed::LoadChunks {
        assessments: 7,
        evaluations: 5,
    };
    let many = jenjang::seed::load_in_chunks(&chunked.store, &data, small)
        .await
        .unwrap();
    assert_eq!(many.created["competency_record"], 90 * 15);
    assert_eq!(many.created["evaluation"], 90 * 4);
    assert_eq!(format!("{one:?}"), format!("{many:?}"));
    let again = jenjang::seed::load_in_chunks(&chunked.store, &data, small)
        .await
        .unwrap();
    assert!(!again.changed(), "{again:?}");
    for path in [
        "/api/v1/units/ROOT/needs-analysis",
        "/api/v1/talent/grid?year=2026",
    ] {
        let (status, a) = whole.get(&whole.token("hr").await, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (_, b) = chunked.get(&chunked.token("hr").await, path).await;
        assert_eq!(a, b, "{path}");
    }
    // One employee's current levels, from the chunked history as from the whole.
    let path = format!("/api/v1/employees/{}/competencies", data.employees[0].nip);
    let (_, a) = whole.get(&whole.token("hr").await, &path).await;
    let (_, b) = chunked.get(&chunked.token("hr").await, &path).await;
    assert_eq!(a["current"].as_array().map(Vec::len), Some(15), "{a}");
    assert_eq!(a, b);

    // An assessment of someone in neither employees.csv nor the store, as the file's last row.
    let mut text = std::fs::read_to_string(dir.path().join("assessments.csv")).unwrap();
    text.push_str("199203042019031001,M.1,3,asesmen,2026-02-01\n");
    std::fs::write(dir.path().join("assessments.csv"), text).unwrap();
    let data = jenjang::seed::Dataset::from_dir(dir.path()).unwrap();
    let fresh = spawn_app().await;
    let records = "SELECT COUNT(*) AS n FROM competency_records";
    let before = fresh.store.count_raw(records).await.unwrap();
    let e = jenjang::seed::load_in_chunks(&fresh.store, &data, small)
        .await
        .unwrap_err()
        .to_string();
    let last_row = 90 * 15 + 2;
    assert!(
        e.contains(&format!(
            "assessments.csv: row {last_row} names employee 199203042019031001"
        )),
        "{e}"
    );
    assert_eq!(fresh.store.count_raw(records).await.unwrap(), before);
}

/// The bulk save of units (seeding a national tree) checks what the one-by-one save checks, all
/// at once: a refused unit is named by index and field and not written, nor is a new unit below
/// it; the rest are written parents first whatever their order, audited, and the same units
/// again change nothing.
#[tokio::test]
async fn units_saved_in_bulk_are_checked_as_one_by_one() {
    use jenjang_core::reference::Unit;
    use jenjang_core::{Code, Nip};
    let app = spawn_app().await;
    let demo = Demo::new();
    let unit = |code: &str, name: &str, parent: Option<&str>, head: Option<String>| Unit {
        code: Code::parse(code).unwrap(),
        name: name.into(),
        parent: parent.map(|p| Code::parse(p).unwrap()),
        head_nip: head.map(|h| Nip::parse(&h).unwrap()),
    };
    let head = demo.head_of("DLH");
    let units = vec![
        // A child listed before its parent.
        unit("UJI-ANAK", "Anak", Some("UJI-INDUK"), None),
        unit("UJI-INDUK", "Induk", Some("DLH"), Some(head.clone())),
        unit("UJI-DIRI", "Diri", Some("UJI-DIRI"), None),
        unit("UJI-YATIM", "Yatim", Some("UJI-TIADA"), None),
        unit("UJI-KOSONG", " ", Some("DLH"), None),
        // Below a refused unit.
        unit("UJI-CUCU", "Cucu", Some("UJI-KOSONG"), None),
        unit(
            "UJI-KEPALA",
            "Kepala",
            Some("DLH"),
            Some("199001012020121999".into()),
        ),
        // DLH moved below one of its own descendants.
        unit("DLH", "Dinas Lingkungan Hidup", Some("UJI-ANAK"), None),
    ];
    let actor = jenjang_store::Actor::system("uji");
    let outcome = app.store.bulk_save_units(&actor, &units).await.unwrap();
    let refused: Vec<(usize, &str, Option<&str>)> = outcome
        .rejected
        .iter()
        .map(|(i, e)| (*i, e.field.as_str(), e.code.as_deref()))
        .collect();
    assert_eq!(
        refused,
        [
            // The three units of the cycle.
            (0, "parent", Some("unit_cycle")),
            (1, "parent", Some("unit_cycle")),
            (2, "parent", Some("own_parent")),
            (3, "parent", Some("unknown_unit")),
            (4, "name", Some("required")),
            (5, "parent", Some("unknown_unit")),
            (6, "head_nip", Some("unknown_employee")),
            (7, "parent", Some("unit_cycle")),
        ],
        "{:?}",
        outcome.rejected
    );
    assert_eq!((outcome.created, outcome.updated), (0, 0));
    // Without DLH's move the cycle is gone, and so are the refusals of what it caused.
    let fine = vec![units[0].clone(), units[1].clone()];
    let outcome = app.store.bulk_save_units(&actor, &fine).await.unwrap();
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
    assert_eq!(outcome.created, 2);
    let hr = app.token("hr").await;
    let (status, child) = app.get(&hr, "/api/v1/units/UJI-ANAK").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(child["parent"], "UJI-INDUK");
    let (_, parent) = app.get(&hr, "/api/v1/units/UJI-INDUK").await;
    assert_eq!(parent["head_nip"], head.as_str());
    let (_, audit) = app
        .get(&hr, "/api/v1/audit?entity=unit&key=UJI-INDUK")
        .await;
    assert_eq!(audit["items"][0]["action"], "create", "{audit}");
    let again = app.store.bulk_save_units(&actor, &fine).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
}
