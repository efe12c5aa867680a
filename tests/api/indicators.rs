//! Unit indicators (IKU): targets per period, capaian both ways and never a division by zero,
//! the performance gap as events, the IKM feeding its indicator, and bad input named.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Events of `kind` whose payload holds every one of `parts`.
async fn events(app: &TestApp, kind: &str, parts: &[&str]) -> i64 {
    let like: String = parts
        .iter()
        .map(|p| format!(" AND payload LIKE '%{p}%'"))
        .collect();
    app.store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = '{kind}'{like}"
        ))
        .await
        .unwrap()
}

fn realisation<'a>(indicator: &'a Value, period: &str) -> &'a Value {
    indicator["realisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == period)
        .unwrap_or_else(|| panic!("no {period} in {indicator}"))
}

#[tokio::test]
async fn an_iku_is_realised_per_period_with_capaian_and_its_gaps_become_events() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, iku) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP/indicators",
            &json!({"code": "IKU-UJI-IZIN", "year": 2026, "name": "Izin terbit tepat waktu",
                    "unit_of_measure": "%", "direction": "higher_is_better", "target": 90,
                    "period_targets": {"2026-Q1": 85}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iku}");
    assert_eq!(iku["kind"], "manual");
    let id = iku["id"].as_i64().unwrap();
    let path = format!("/api/v1/indicators/{id}/realisations");

    // Q1 against its own target 85: 72.25 is 85.0 %, short of the target.
    let (status, after) = app
        .post(&hr, &path, &json!({"period": "2026-Q1", "value": 72.25, "evidence_url": "https://dpmptsp.example.go.id/laporan/q1"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let q1 = realisation(&after, "2026-Q1");
    assert_eq!(
        (q1["target"].as_f64(), q1["capaian"].as_f64()),
        (Some(85.0), Some(85.0))
    );
    assert_eq!(q1["below_target"], true);
    assert_eq!(
        events(
            &app,
            "indicator.below_target",
            &["IKU-UJI-IZIN", "\"period\":\"2026-Q1\""]
        )
        .await,
        1
    );
    assert_eq!(
        events(
            &app,
            "indicator.recorded",
            &["IKU-UJI-IZIN", "\"period\":\"2026-Q1\""]
        )
        .await,
        1
    );
    // The same value again changes nothing and tells nobody twice.
    let (status, _) = app
        .post(&hr, &path, &json!({"period": "2026-Q1", "value": 72.25, "evidence_url": "https://dpmptsp.example.go.id/laporan/q1"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        events(
            &app,
            "indicator.recorded",
            &["IKU-UJI-IZIN", "\"period\":\"2026-Q1\""]
        )
        .await,
        1
    );
    // Q2 against the annual 90, short again: the gap runs two periods.
    let (_, after) = app
        .post(&hr, &path, &json!({"period": "2026-Q2", "value": 81}))
        .await;
    let q2 = realisation(&after, "2026-Q2");
    assert_eq!(
        (q2["target"].as_f64(), q2["capaian"].as_f64()),
        (Some(90.0), Some(90.0))
    );
    assert_eq!(
        events(
            &app,
            "indicator.below_target",
            &["IKU-UJI-IZIN", "\"previous_below_target\":true"]
        )
        .await,
        1
    );
    // Q3 meets it: recorded, no gap.
    let (_, after) = app
        .post(&hr, &path, &json!({"period": "2026-Q3", "value": 99}))
        .await;
    assert_eq!(
        realisation(&after, "2026-Q3")["capaian"].as_f64(),
        Some(110.0)
    );
    assert_eq!(
        events(
            &app,
            "indicator.below_target",
            &["IKU-UJI-IZIN", "\"period\":\"2026-Q3\""]
        )
        .await,
        0
    );

    // Lower is better: 5 days planned, 4 taken is 125 %, 8 taken 62.5 %.
    let (_, days) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP/indicators",
            &json!({"code": "IKU-UJI-HARI", "year": 2026, "name": "Lama proses izin",
                    "unit_of_measure": "hari", "direction": "lower_is_better", "target": 5}),
        )
        .await;
    let days_path = format!("/api/v1/indicators/{}/realisations", days["id"]);
    let (_, after) = app
        .post(&hr, &days_path, &json!({"period": "2026-Q1", "value": 4}))
        .await;
    assert_eq!(
        realisation(&after, "2026-Q1")["capaian"].as_f64(),
        Some(125.0)
    );
    let (_, after) = app
        .post(&hr, &days_path, &json!({"period": "2026-Q2", "value": 8}))
        .await;
    assert_eq!(
        realisation(&after, "2026-Q2")["capaian"].as_f64(),
        Some(62.5)
    );
    assert_eq!(realisation(&after, "2026-Q2")["below_target"], true);

    // A zero target: no capaian (null), never a division.
    let (_, zero) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP/indicators",
            &json!({"code": "IKU-ADUAN", "year": 2026, "name": "Aduan tidak tertangani",
                    "unit_of_measure": "aduan", "direction": "higher_is_better", "target": 0}),
        )
        .await;
    let (_, after) = app
        .post(
            &hr,
            &format!("/api/v1/indicators/{}/realisations", zero["id"]),
            &json!({"period": "2026-Q1", "value": 3}),
        )
        .await;
    assert!(
        realisation(&after, "2026-Q1")["capaian"].is_null(),
        "{after}"
    );

    // The list answers them all, by code.
    let (_, list) = app
        .get(&hr, "/api/v1/units/DPMPTSP/indicators?year=2026")
        .await;
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    // With the demo's own: IKU-HARI-IZIN and IKU-IZIN-TEPAT.
    assert_eq!(
        codes,
        [
            "IKU-ADUAN",
            "IKU-HARI-IZIN",
            "IKU-IZIN-TEPAT",
            "IKU-UJI-HARI",
            "IKU-UJI-IZIN"
        ]
    );
}

#[tokio::test]
async fn bad_indicator_input_is_named_and_nothing_is_half_written() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let body = json!({"code": "IKU-UJI-APS", "year": 2026, "name": "Angka partisipasi sekolah",
        "unit_of_measure": "%", "direction": "higher_is_better", "target": 95});
    let (status, iku) = app
        .post(&hr, "/api/v1/units/DISDIK/indicators", &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iku}");
    let path = format!("/api/v1/indicators/{}/realisations", iku["id"]);
    // The same code in the same year.
    let (status, _) = app
        .post(&hr, "/api/v1/units/DISDIK/indicators", &body)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A period outside the indicator's year, a value that is no number, an evidence link that
    // is no web address.
    let (status, e) = app
        .post(&hr, &path, &json!({"period": "2027-Q1", "value": 90}))
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["period".to_string()])
    );
    let (status, e) = app
        .post(
            &hr,
            &path,
            &json!({"period": "2026-Q1", "value": "sembilan puluh"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_string()])
    );
    let (status, e) = app
        .post(
            &hr,
            &path,
            &json!({"period": "2026-Q1", "value": 90, "evidence_url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["evidence_url".to_string()]
        )
    );
    // A direction nobody knows, a period target of another year.
    let (status, e) = app
        .post(
            &hr,
            "/api/v1/units/DISDIK/indicators",
            &json!({"code": "IKU-UJI-LULUS", "year": 2026, "name": "Angka kelulusan", "unit_of_measure": "%",
                    "direction": "naik", "target": 98, "period_targets": {"2025-Q4": 97}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&e),
        vec![
            "direction".to_string(),
            "period_targets.2025-Q4".to_string()
        ]
    );
    // Nothing was written by any of them.
    let (_, got) = app
        .get(&hr, &format!("/api/v1/indicators/{}", iku["id"]))
        .await;
    assert!(got["realisations"].as_array().unwrap().is_empty());
    let (_, list) = app.get(&hr, "/api/v1/units/DISDIK/indicators").await;
    assert!(
        !list
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "IKU-UJI-LULUS"),
        "{list}"
    );
    // The code, year and unit of an indicator stay.
    let mut moved = body.clone();
    moved["year"] = json!(2027);
    let (status, e) = app
        .put(&hr, &format!("/api/v1/indicators/{}", iku["id"]), &moved)
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["year".to_string()])
    );
    // Unknown indicator; a head of another unit; staff.
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/indicators/999999/realisations",
            &json!({"period": "2026-Q1", "value": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_head = app.token(&demo.head_of("DLH")).await;
    let (status, _) = app
        .post(
            &other_head,
            &path,
            &json!({"period": "2026-Q1", "value": 90}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .get(&other_head, "/api/v1/units/DISDIK/indicators")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The unit's own head may.
    let head = app.token(&demo.head_of("DISDIK")).await;
    let (status, _) = app
        .post(&head, &path, &json!({"period": "2026-Q1", "value": 93.5}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_ikm_realises_the_units_ikm_indicator_and_is_an_event() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, iku) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP-YAN-1/indicators",
            &json!({"code": "IKU-IKM-FO", "year": 2026, "name": "Indeks kepuasan masyarakat",
                    "kind": "ikm", "unit_of_measure": "indeks", "direction": "higher_is_better", "target": 85}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iku}");
    // By hand it is refused: the IKM realises it.
    let (status, e) = app
        .post(
            &hr,
            &format!("/api/v1/indicators/{}/realisations", iku["id"]),
            &json!({"period": "2026-Q4", "value": 80}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_string()])
    );
    let mut responses = vec![vec![4; 9]; 1];
    responses.push(vec![3, 3, 3, 3, 3, 3, 3, 3, 4]);
    let (status, ikm) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP-YAN-1/ikm",
            &json!({"period": "2026-Q4", "responses": responses}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ikm}");
    let (_, got) = app
        .get(&hr, &format!("/api/v1/indicators/{}", iku["id"]))
        .await;
    let q3 = realisation(&got, "2026-Q4");
    assert_eq!(q3["value"].as_f64(), ikm["index"].as_f64());
    assert_eq!(q3["source"], "ikm");
    assert_eq!(q3["below_target"], false);
    assert_eq!(
        events(
            &app,
            "ikm.recorded",
            &["DPMPTSP-YAN-1", "\"period\":\"2026-Q4\""]
        )
        .await,
        1
    );
    assert_eq!(events(&app, "indicator.recorded", &["IKU-IKM-FO"]).await, 1);
}

/// The open review tasks about `nip`.
async fn reviews(app: &TestApp, hr: &str, nip: &str) -> Vec<Value> {
    let (_, t) = app
        .get(
            hr,
            &format!("/api/v1/tasks?nip={nip}&kind=review&limit=100"),
        )
        .await;
    t["items"].as_array().unwrap().clone()
}

/// The shipped workflows act on the performance gap: a unit IKU short two periods running
/// gives the unit's head a review task; an IKM of category D a service-improvement task.
#[tokio::test]
async fn a_gap_two_periods_running_and_a_poor_ikm_become_tasks_for_the_unit_head() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let head = demo.head_of("DPUPR");
    let (_, iku) = app
        .post(
            &hr,
            "/api/v1/units/DPUPR/indicators",
            &json!({"code": "IKU-UJI-JALAN", "year": 2026, "name": "Jalan mantap",
                    "unit_of_measure": "%", "direction": "higher_is_better", "target": 70}),
        )
        .await;
    let path = format!("/api/v1/indicators/{}/realisations", iku["id"]);
    // One period short: nothing yet.
    app.post(&hr, &path, &json!({"period": "2026-Q1", "value": 66}))
        .await;
    app.run_engine().await;
    assert!(
        !reviews(&app, &hr, &head)
            .await
            .iter()
            .any(|t| t["title"].as_str().unwrap().contains("IKU-UJI-JALAN"))
    );
    // The second: a review task for the head, naming the indicator and the numbers.
    app.post(&hr, &path, &json!({"period": "2026-Q2", "value": 67.5}))
        .await;
    app.run_engine().await;
    let all = reviews(&app, &hr, &head).await;
    let review: Vec<&Value> = all
        .iter()
        .filter(|t| t["title"].as_str().unwrap().contains("IKU-UJI-JALAN"))
        .collect();
    assert_eq!(review.len(), 1, "{all:?}");
    assert_eq!(review[0]["assignee"], head.as_str());
    assert!(review[0]["title"].as_str().unwrap().contains("2026-Q2"));
    // It proposes the competencies most required by the positions of the unit's subtree,
    // counted here by hand from the demo data.
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for e in demo
        .data
        .employees
        .iter()
        .filter(|e| e.unit.as_str().starts_with("DPUPR"))
    {
        let position = demo.position_of(e).unwrap();
        for r in &position.requirements {
            *counts.entry(r.competency.to_string()).or_default() += 1;
        }
    }
    let mut top: Vec<(String, u64)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (code, n) in top.iter().take(3) {
        let name = &demo
            .data
            .competencies
            .iter()
            .find(|c| c.code.as_str() == code)
            .unwrap()
            .name;
        let proposed = format!("{name} ({code}, {n} pegawai)");
        assert!(
            review[0]["title"].as_str().unwrap().contains(&proposed),
            "{proposed} in {}",
            review[0]["title"]
        );
    }

    // A survey where everybody answered 1: IKM 25, category D.
    let (_, ikm) = app
        .post(
            &hr,
            "/api/v1/units/DPUPR/ikm",
            &json!({"period": "2026-Q2", "responses": [[1,1,1,1,1,1,1,1,1], [1,1,1,1,1,1,1,1,1]]}),
        )
        .await;
    assert_eq!(ikm["category"], "D", "{ikm}");
    app.run_engine().await;
    let all = reviews(&app, &hr, &head).await;
    assert!(
        all.iter().any(|t| t["title"]
            .as_str()
            .unwrap()
            .starts_with("Rencana perbaikan layanan Dinas Pekerjaan Umum")),
        "{all:?}"
    );
}

/// A statistics office's file of realisations: each bad row named with its row and column,
/// the good ones recorded, the same file again changes nothing.
#[tokio::test]
async fn realisations_are_imported_with_every_bad_row_named() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let csv = "kode_indikator;periode;realisasi;bukti;catatan\n\
               IKU-IZIN-TEPAT;TW IV 2026;94,5;https://dpmptsp.example.go.id/tw4;\n\
               IKU-JALAN-MANTAP;2026-Q4;71,25;;semester II\n\
               IKU-TIDAK-ADA;2026-Q4;10;;\n\
               IKU-IKM-PTSP;2026-Q4;90;;\n\
               IKU-APS;2026;banyak;;\n\
               IKU-IZIN-TEPAT;2024-Q1;80;;\n\
               IKU-LULUS;2026;99,4;ftp://arsip/lulus;\n\
               IKU-HARI-IZIN;2026-Q4;3,5;;\n\
               IKU-HARI-IZIN;2026-Q4;3,6;;\n";
    let send = |dry: bool| {
        let app = &app;
        let hr = hr.clone();
        async move {
            let url = app.url(&format!(
                "/api/v1/imports/indicator-realisations{}",
                if dry { "?dry_run=true" } else { "" }
            ));
            let r = app
                .client
                .post(url)
                .bearer_auth(&hr)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            read(r).await
        }
    };
    let (status, dry) = send(true).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["accepted"], 2);
    let (status, report) = send(false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let rejected: Vec<(u64, String, Option<String>)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap().to_string(),
                r["code"].as_str().map(str::to_string),
            )
        })
        .collect();
    let code = |s: &str| Some(s.to_string());
    assert_eq!(
        rejected,
        vec![
            (4, "kode_indikator".into(), code("unknown_indicator")),
            (5, "realisasi".into(), code("fed_by_ikm")),
            (6, "realisasi".into(), code("invalid")),
            (7, "kode_indikator".into(), code("unknown_indicator")),
            (8, "bukti".into(), code("invalid")),
            (9, "kode_indikator".into(), code("duplicate_rows")),
            (10, "kode_indikator".into(), code("duplicate_rows")),
        ],
        "{report}"
    );
    assert_eq!(
        (report["accepted"].as_u64(), report["updated"].as_u64()),
        (Some(2), Some(0))
    );
    let (_, list) = app
        .get(&hr, "/api/v1/units/DPMPTSP/indicators?year=2026")
        .await;
    let izin = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "IKU-IZIN-TEPAT")
        .unwrap();
    let q4 = realisation(izin, "2026-Q4");
    assert_eq!(q4["value"], 94.5);
    assert_eq!(q4["source"], "import");
    // The same file again: nothing changes.
    let (_, again) = send(false).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2)),
        "{again}"
    );
}

/// The demo's road indicator fell short in the second and third quarters of 2026: a performance
/// gap of the regency and of Dinas PUPR, running two periods, shown beside the competency gaps.
#[tokio::test]
async fn performance_gaps_are_the_subtrees_indicators_short_of_target() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, gaps) = app
        .get(&hr, "/api/v1/units/PEMKAB-BLG/performance-gaps?year=2026")
        .await;
    assert_eq!(status, StatusCode::OK, "{gaps}");
    let road = gaps
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "IKU-JALAN-MANTAP")
        .unwrap_or_else(|| panic!("{gaps}"));
    assert_eq!(road["period"], "2026-Q3");
    assert_eq!(
        (road["target"].as_f64(), road["realisation"].as_f64()),
        (Some(71.0), Some(70.1))
    );
    assert_eq!(road["capaian"].as_f64(), Some(98.7));
    assert_eq!(road["running"], true);
    // Permits on time met the target in the third quarter: no gap.
    assert!(
        !gaps
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == "IKU-IZIN-TEPAT")
    );
    // Only within the subtree, only for whoever may analyse it.
    let (_, dlh) = app
        .get(&hr, "/api/v1/units/DLH/performance-gaps?year=2026")
        .await;
    assert!(
        !dlh.as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == "IKU-JALAN-MANTAP")
    );
    let demo = Demo::new();
    let other = app.token(&demo.head_of("DLH")).await;
    let (status, _) = app
        .get(&other, "/api/v1/units/DPUPR/performance-gaps?year=2026")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The analysis page of Dinas PUPR shows it beside the competency gaps.
    let mut b = crate::ui::Browser::new(&app);
    b.sign_in("hr", jenjang::seed::DEMO_PASSWORD).await;
    let page = b.get("/analisis?unit=DPUPR").await;
    assert!(
        page.html
            .contains("Persentase jalan kabupaten dalam kondisi mantap")
    );
    assert!(page.html.contains("dua periode berturut-turut"));
}
