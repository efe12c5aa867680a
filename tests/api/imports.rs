//! Imports over HTTP: the formats people really send, every rejection with its row and column,
//! idempotence, dry runs and the XLSX path.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    body: Vec<u8>,
    content_type: &str,
    dry_run: bool,
) -> (StatusCode, Value) {
    let url = app.url(&format!(
        "/api/v1/imports/{kind}{}",
        if dry_run { "?dry_run=true" } else { "" }
    ));
    let r = app
        .client
        .post(url)
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    read(r).await
}

fn cells(report: &Value) -> Vec<(u64, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn employees_from_a_semicolon_bom_crlf_file_import_once() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let head = demo.head_of("DLH-PSL-1");
    let file = format!(
        "\u{feff} NIP ;Nama;Jabatan;Unit;Atasan_NIP;Potensial\r\n\
         199601012020121001;Yusuf Lalong;PENGELOLA-SAMPAH;DLH-PSL-1;{head};menengah\r\n\
         \"199602022020122002\";\"Dewi Ajang, S.T.\";PENGENDALI-DAMPAK;DLH-PSL-1;199601012020121001;Tinggi\r\n\
         19960303202012300;Salah Nip;;DLH-PSL-1;;\r\n\
         199604042020121003;Unit Salah;;DLH-NOPE;;\r\n\
         199605052020121004;Jabatan Salah;NOPE;DLH;;luar biasa\r\n"
    );
    let (status, report) = import(
        &app,
        &hr,
        "employees",
        file.clone().into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (
            report["accepted"].clone(),
            report["updated"].clone(),
            report["unchanged"].clone()
        ),
        (json!(2), json!(0), json!(0))
    );
    assert_eq!(
        cells(&report),
        [
            (4, "nip".to_string()),
            (5, "unit".to_string()),
            (6, "potensial".to_string())
        ],
        "{report}"
    );
    let nip_error = &report["rejected"][0];
    assert_eq!(nip_error["value"], "19960303202012300");
    assert!(nip_error["message"].as_str().unwrap().contains("18 digits"));
    assert_eq!(report["rejected"][1]["value"], "DLH-NOPE");
    // The second employee's supervisor is the first, from the same file.
    let (_, dewi) = app.get(&hr, "/api/v1/employees/199602022020122002").await;
    assert_eq!(dewi["supervisor_nip"], "199601012020121001");
    assert_eq!(dewi["name"], "Dewi Ajang, S.T.");
    assert_eq!(dewi["potential"], "tinggi");

    let (_, again) = import(&app, &hr, "employees", file.into_bytes(), "text/csv", false).await;
    assert_eq!(
        (
            again["accepted"].clone(),
            again["updated"].clone(),
            again["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(2))
    );
    let changed = "nip,nama,jabatan,unit,atasan_nip,potensial\n199601012020121001,Yusuf Lalong,PENGELOLA-SAMPAH,DLH-PSL-1,,tinggi\n";
    let (_, updated) = import(&app, &hr, "employees", changed.into(), "text/csv", false).await;
    assert_eq!(updated["updated"], 1);
}

#[tokio::test]
async fn a_supervisor_cycle_and_duplicates_are_reported_and_nothing_of_them_stored() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let file = "nip,nama,jabatan,unit,atasan_nip,potensial\n\
                199701012021011001,A,,DLH,199701012021011002,\n\
                199701012021011002,B,,DLH,199701012021011001,\n\
                199701012021011003,C,,DLH,,\n\
                199701012021011003,C again,,DLH,,\n\
                199701012021011004,D,,DLH,,\n";
    let (_, report) = import(&app, &hr, "employees", file.into(), "text/csv", false).await;
    assert_eq!(report["accepted"], 1, "{report}");
    let rows: Vec<u64> = cells(&report).iter().map(|c| c.0).collect();
    assert_eq!(rows, [2, 3, 4, 5]);
    assert!(
        report["rejected"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cycle")
    );
    assert!(
        report["rejected"][2]["message"]
            .as_str()
            .unwrap()
            .contains("row(s) 5")
    );
    assert_eq!(
        app.get(&hr, "/api/v1/employees/199701012021011001").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&hr, "/api/v1/employees/199701012021011003").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&hr, "/api/v1/employees/199701012021011004").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let nip = demo.staff_in("DLH-PSL-1");
    let file = format!(
        "nip,kompetensi,level,sumber,tanggal\n{nip},TK.SAMPAH,4,uji kompetensi,2026-08-01\n{nip},TK.NOPE,2,,2026-08-01\n"
    );
    let (_, audit_before) = app.get(&hr, "/api/v1/audit?limit=1").await;
    let (status, report) = import(
        &app,
        &hr,
        "assessments",
        file.clone().into_bytes(),
        "text/csv",
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["accepted"], 1);
    assert_eq!(cells(&report), [(3, "kompetensi".to_string())]);
    let (_, audit_after) = app.get(&hr, "/api/v1/audit?limit=1").await;
    assert_eq!(
        audit_before["total"], audit_after["total"],
        "a dry run writes nothing"
    );
    let (_, report) = import(
        &app,
        &hr,
        "assessments",
        file.clone().into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(report["accepted"], 1);
    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
        .await;
    let current = profile["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["competency"] == "TK.SAMPAH")
        .unwrap()
        .clone();
    assert_eq!(
        (current["level"].clone(), current["source"].clone()),
        (json!(4), json!("uji kompetensi"))
    );
    let (_, again) = import(
        &app,
        &hr,
        "assessments",
        file.into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(
        (again["accepted"].clone(), again["unchanged"].clone()),
        (json!(0), json!(1))
    );
}

#[tokio::test]
async fn evaluations_in_every_spelling_with_history_and_events_once() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let kasi = demo.head_of("DPMPTSP-YAN-1");
    let staff = demo.reports_of(&kasi);
    let (a, b, c) = (&staff[0], &staff[1], &staff[2]);
    let file = format!(
        "nip;periode;hasil_kerja;perilaku_kerja;catatan;penilai_nip;predikat\n\
         {a};TW I 2027;Di Atas Ekspektasi;DI ATAS EKSPEKTASI;Sangat baik;{kasi};Sangat Baik\n\
         {a};Triwulan II 2027;sesuai_ekspektasi;Sesuai Ekspektasi;;{kasi};\n\
         {b};2027-Q1;Di Bawah Ekspektasi;Sesuai Ekspektasi;Perlu pembinaan;{kasi};Baik\n\
         {b};2027-Q5;Sesuai Ekspektasi;Sesuai Ekspektasi;;;\n\
         {c};2027;Sesuai Ekspektasi;Sesuai Ekspektasi;;198503122010011002;\n\
         {c};2027-Q1;Sesuai Ekspektasi;Sesuai Ekspektasi;;;\n\
         {c};TW I 2027;Di Atas Ekspektasi;Sesuai Ekspektasi;;;\n"
    );
    let (_, report) = import(
        &app,
        &hr,
        "evaluations",
        file.clone().into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(
        cells(&report),
        [
            (4, "predikat".to_string()),
            (5, "periode".to_string()),
            (6, "penilai_nip".to_string()),
            (7, "periode".to_string()),
            (8, "periode".to_string())
        ]
    );
    let (_, list) = app
        .get(&hr, &format!("/api/v1/employees/{a}/evaluations"))
        .await;
    // The demo's history (2025-2026) stays; the imported 2027 quarters follow it.
    let predikat: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["period"].as_str().unwrap().starts_with("2027"))
        .map(|e| e["predikat"].as_str().unwrap())
        .collect();
    assert_eq!(predikat, ["sangat_baik", "baik"]);
    // Each version is announced once, with the predikat it replaced and the previous
    // quarter's, which this same file wrote.
    let announced = |version: u32, previous: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'evaluation.recorded' \
             AND dedup_key = 'evaluation:{a}:2027-Q2:v{version}' \
             AND payload LIKE '%\"previous_predikat\":{previous}%' \
             AND payload LIKE '%\"previous_period_predikat\":\"sangat_baik\"%'"
        )
    };
    assert_eq!(app.store.count_raw(&announced(1, "null")).await.unwrap(), 1);

    let (_, again) = import(
        &app,
        &hr,
        "evaluations",
        file.into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(
        (again["accepted"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2))
    );

    let change = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n{a},2027-Q2,di_bawah_ekspektasi,di_bawah_ekspektasi\n"
    );
    let (_, changed) = import(
        &app,
        &hr,
        "evaluations",
        change.into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(changed["updated"], 1);
    let (_, list) = app
        .get(&hr, &format!("/api/v1/employees/{a}/evaluations"))
        .await;
    let q2 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["period"] == "2027-Q2")
        .unwrap();
    assert_eq!(q2["predikat"], "sangat_kurang");
    let (_, history) = app
        .get(&hr, &format!("/api/v1/employees/{a}/evaluations/history"))
        .await;
    assert_eq!(history["total"], 1);
    assert_eq!(history["items"][0]["predikat"], "baik");
    assert_eq!(history["items"][0]["period"], "2027-Q2");
    assert_eq!(
        app.store
            .count_raw(&announced(2, "\"baik\""))
            .await
            .unwrap(),
        1
    );
    let back = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n{a},2027-Q2,sesuai_ekspektasi,sesuai_ekspektasi\n"
    );
    let (_, changed) = import(
        &app,
        &hr,
        "evaluations",
        back.into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(changed["updated"], 1, "{changed}");
    assert_eq!(
        app.store
            .count_raw(&announced(3, "\"sangat_kurang\""))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_xlsx_from_excel_imports_and_a_nip_kept_as_a_number_is_refused() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let nip = demo.staff_in("DINKES-YANKES-1");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["NIP", "Kompetensi", "Level", "Sumber", "Tanggal"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, &nip).unwrap();
    sheet.write_string(1, 1, "TK.YANKES").unwrap();
    sheet.write_number(1, 2, 4.0).unwrap();
    sheet.write_string(1, 3, "uji kompetensi").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 7, 15).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_datetime_with_format(1, 4, &date, &format)
        .unwrap();
    sheet
        .write_number(2, 0, nip.parse::<f64>().unwrap())
        .unwrap();
    sheet.write_string(2, 1, "TK.EPID").unwrap();
    sheet.write_number(2, 2, 3.0).unwrap();
    sheet.write_string(2, 4, "2026-07-15").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let (status, report) = import(&app, &hr, "assessments", bytes, XLSX, false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(cells(&report), [(3, "nip".to_string())]);
    assert!(
        report["rejected"][0]["message"]
            .as_str()
            .unwrap()
            .contains("format the column as Text")
    );
    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
        .await;
    let got = profile["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["competency"] == "TK.YANKES")
        .unwrap()
        .clone();
    assert_eq!(
        (got["level"].clone(), got["assessed_on"].clone()),
        (json!(4), json!("2026-07-15"))
    );
}

#[tokio::test]
async fn bad_files_and_callers_are_refused_clearly() {
    let app = spawn_app_with(jenjang::ServerSettings {
        jwt_secret: Some(SECRET.into()),
        import_limit: 4096,
        ..Default::default()
    })
    .await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (status, body) = import(
        &app,
        &hr,
        "evaluations",
        b"nip,periode\n1,2\n".to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("hasil_kerja, perilaku_kerja"),
        "{body}"
    );
    let (status, _) = import(&app, &hr, "salaries", b"x\n".to_vec(), "text/csv", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = import(
        &app,
        &hr,
        "employees",
        vec![b'a'; 10_000],
        "text/csv",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
    let staff = app.token(&demo.staff_in("DLH-PSL-1")).await;
    let (status, _) = import(
        &app,
        &staff,
        "employees",
        b"nip\n".to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Makes the database refuse one NIP when it is written, from inside the import's transaction.
async fn refuse_nip_in_database(app: &TestApp, nip: &str) {
    use sea_orm::{ConnectionTrait, Database, DatabaseBackend};
    let db = Database::connect(&app.database_url).await.unwrap();
    let statements: Vec<String> = match db.get_database_backend() {
        DatabaseBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_nip() RETURNS trigger AS $$ BEGIN IF NEW.nip = '{nip}' THEN \
                 RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_nip BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION refuse_nip()".to_string(),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_nip BEFORE INSERT ON employees WHEN NEW.nip = '{nip}' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
    db.close().await.unwrap();
}

#[tokio::test]
async fn an_import_that_fails_mid_transaction_leaves_the_database_as_before() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    refuse_nip_in_database(&app, "199801012022011003").await;
    let (_, audit_before) = app.get(&hr, "/api/v1/audit?limit=1").await;
    let file = "nip,nama,jabatan,unit,atasan_nip,potensial\n\
                199801012022011001,Satu,,DLH,,\n\
                199801012022011002,Dua,,DLH,,\n\
                199801012022011003,Tiga,,DLH,,\n";
    let (status, body) = import(&app, &hr, "employees", file.into(), "text/csv", false).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error_code(&body), "internal_error");
    assert!(
        !body.to_string().contains("refused by the test"),
        "a 500 does not leak internals"
    );
    for nip in [
        "199801012022011001",
        "199801012022011002",
        "199801012022011003",
    ] {
        assert_eq!(
            app.get(&hr, &format!("/api/v1/employees/{nip}")).await.0,
            StatusCode::NOT_FOUND,
            "{nip}"
        );
    }
    let (_, audit_after) = app.get(&hr, "/api/v1/audit?limit=1").await;
    assert_eq!(audit_before["total"], audit_after["total"]);
}

/// The `assessment.recorded` event of an import states each assessed competency against the
/// position as the kept levels stand afterwards: a newer record's level where it became current,
/// the current level where the imported record is older than it.
#[tokio::test]
async fn the_assessment_event_states_the_levels_as_they_stand_after_the_import() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    // An employee whose position requires at least two competencies they hold.
    let (employee, position) = demo
        .data
        .employees
        .iter()
        .find_map(|e| {
            let p = demo.position_of(e)?;
            let held = demo.assessments.iter().filter(|(n, _)| n == &e.nip).count();
            (p.requirements.len() >= 2 && held > 0).then_some((e, p))
        })
        .expect("the demo has an assessed employee in a position with standards");
    let nip = employee.nip.to_string();
    let (_, before) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
        .await;
    let current_of = |profile: &Value, code: &str| {
        profile["current"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["competency"] == code)
            .map(|r| r["level"].as_i64().unwrap())
    };
    // `newer` gets a level below the standard dated after every demo record; `older` a level
    // dated long before the one it holds, which stays current.
    let newer = &position.requirements[0];
    let older = position
        .requirements
        .iter()
        .skip(1)
        .find(|r| current_of(&before, r.competency.as_str()).is_some())
        .expect("the employee holds a second required competency");
    let kept = current_of(&before, older.competency.as_str()).unwrap();
    let stale = if kept == 5 { 4 } else { 5 };
    let csv = format!(
        "nip,kompetensi,level,sumber,tanggal\n\
         {nip},{},1,uji-baru,2026-11-29\n\
         {nip},{},{stale},uji-lama,2001-01-01\n",
        newer.competency, older.competency
    );
    let announced = format!(
        "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'assessment.recorded' AND subject_nip = '{nip}'"
    );
    let seeded = app.store.count_raw(&announced).await.unwrap();
    let (status, body) = app.import_csv(&hr, "assessments", csv.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 2, "{body}");
    let (_, after) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
        .await;
    assert_eq!(current_of(&after, newer.competency.as_str()), Some(1));
    assert_eq!(current_of(&after, older.competency.as_str()), Some(kept));
    let mut levels = vec![
        (newer.competency.to_string(), newer.level.get(), 1u8),
        (older.competency.to_string(), older.level.get(), kept as u8),
    ];
    levels.sort();
    let mut competencies = vec![newer.competency.to_string(), older.competency.to_string()];
    competencies.sort();
    let expected = jenjang_core::events::AssessmentRecorded::new(
        nip.clone(),
        competencies,
        vec!["uji-baru".into(), "uji-lama".into()],
        levels,
    );
    let payload = jenjang_core::events::DomainEvent::AssessmentRecorded(expected).payload_text();
    let events = |payload: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'assessment.recorded' \
             AND subject_nip = '{nip}' AND payload = '{payload}'"
        )
    };
    assert_eq!(
        app.store.count_raw(&events(&payload)).await.unwrap(),
        1,
        "{payload}"
    );
    // The same file again records nothing and announces nothing.
    let (status, body) = app.import_csv(&hr, "assessments", csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["unchanged"], 2, "{body}");
    assert_eq!(app.store.count_raw(&announced).await.unwrap(), seeded + 1);
}

/// New records and a record stored already in one file: the new ones are recorded once each, the
/// stored one is counted unchanged, and each employee's event is
/// announced once. (PostgreSQL first inserts such a file as new and, meeting the stored record
/// at its end, inserts it again skipping what is stored: nothing of the first try may remain.)
#[tokio::test]
async fn stored_records_at_the_end_of_a_file_of_new_ones_are_skipped_once() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let nips: Vec<String> = demo
        .data
        .employees
        .iter()
        .take(3)
        .map(|e| e.nip.to_string())
        .collect();
    let competency = demo.data.competencies[0].code.to_string();
    let row = |nip: &str, level: u8, day: u8| {
        format!("{nip},{competency},{level},uji-ulang,2026-11-{day:02}\n")
    };
    let header = "nip,kompetensi,level,sumber,tanggal\n";
    let first = format!("{header}{}", row(&nips[0], 2, 1));
    let (status, body) = app.import_csv(&hr, "assessments", first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 1, "{body}");
    let events = |nip: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'assessment.recorded' \
             AND subject_nip = '{nip}'"
        )
    };
    let before: Vec<i64> = {
        let mut v = Vec::new();
        for nip in &nips {
            v.push(app.store.count_raw(&events(nip)).await.unwrap());
        }
        v
    };
    // Three new records, then the stored one.
    let second = format!(
        "{header}{}{}{}{}",
        row(&nips[1], 3, 2),
        row(&nips[2], 4, 2),
        row(&nips[0], 3, 2),
        row(&nips[0], 2, 1),
    );
    let (status, body) = app.import_csv(&hr, "assessments", second).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 3, "{body}");
    assert_eq!(body["unchanged"], 1, "{body}");
    assert_eq!(body["rejected"], json!([]), "{body}");
    let stored = app
        .store
        .count_raw("SELECT COUNT(*) AS n FROM competency_records WHERE source = 'uji-ulang'")
        .await
        .unwrap();
    assert_eq!(stored, 4, "one row per distinct record");
    for (nip, was) in nips.iter().zip(before) {
        assert_eq!(
            app.store.count_raw(&events(nip)).await.unwrap(),
            was + 1,
            "{nip}: one event for the records this file added"
        );
    }
    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{}/competencies", nips[0]))
        .await;
    let current = profile["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["competency"] == competency.as_str())
        .unwrap();
    assert_eq!(
        current["level"], 3,
        "the newer record is current: {profile}"
    );
}

/// A large import whose events are new but for one already in the outbox: each event is written
/// once, the stored one kept as it was, and every evaluation is saved. (PostgreSQL first writes a
/// large batch of events as new and, meeting the stored key, writes them again skipping it.)
#[tokio::test]
async fn a_large_import_writes_each_event_once_also_past_a_stored_one() {
    use sea_orm::{ConnectionTrait, Database};
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let mut csv = String::from("nip,periode,hasil_kerja,perilaku_kerja\n");
    for q in 1..=4 {
        for e in &demo.data.employees {
            csv.push_str(&format!(
                "{},2031-Q{q},sesuai_ekspektasi,sesuai_ekspektasi\n",
                e.nip
            ));
        }
    }
    let rows = 4 * demo.data.employees.len() as i64;
    assert!(rows >= 1_000, "a batch as large as a bulk write's");
    // The event the import will announce last, there already.
    let last = demo.data.employees.last().unwrap().nip.to_string();
    let key = format!("evaluation:{last}:2031-Q4:v1");
    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO outbox_events (kind, subject_nip, payload, dedup_key, created_at) \
         VALUES ('evaluation.recorded', '{last}', '{{\"kept\":true}}', '{key}', CURRENT_TIMESTAMP)"
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
    let (status, body) = app.import_csv(&hr, "evaluations", csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], rows, "{body}");
    let count = |sql: String| {
        let store = app.store.clone();
        async move { store.count_raw(&sql).await.unwrap() }
    };
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE dedup_key LIKE 'evaluation:%:2031-Q%'"
                .into()
        )
        .await,
        rows,
        "one event per evaluation"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE dedup_key = '{key}' AND payload = '{{\"kept\":true}}'"
        ))
        .await,
        1,
        "the stored event is kept as it was"
    );
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM evaluations WHERE year = 2031".into()).await,
        rows
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'evaluation' AND entity_key LIKE '%/2031-Q%'"
                .into()
        )
        .await,
        rows,
        "one audit entry per evaluation"
    );
}
