//! HR's administration pages, as a browser without JavaScript uses them: reference data (Data
//! Induk), IKM entry, workflows and the audit log.

use crate::helpers::*;
use crate::ui::{Browser, shown};
use jenjang::seed::DEMO_PASSWORD;
use reqwest::StatusCode;

#[tokio::test]
async fn hr_creates_and_edits_a_position_and_a_program_by_form() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let list = b.get("/data-induk?jenis=jabatan").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html.contains("Petugas Pelayanan Front Office"),
        "names listed"
    );
    assert!(
        list.html
            .contains("href=\"/data-induk/jabatan/PETUGAS-FO\"")
    );
    let form = b.get("/data-induk/jabatan/baru").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("name=\"requirements_competency\""));
    assert!(form.html.contains(&shown("Integritas (M.1)")));

    // The same competency twice: refused in Indonesian naming the row, nothing saved, the
    // rows typed kept.
    let csrf = b.csrf();
    let fields = |second: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("code", "ASESOR-SDM".to_string()),
            ("name", "Asesor Sumber Daya Manusia Aparatur".to_string()),
            ("kind", "fungsional".to_string()),
            ("unit", "".to_string()),
            ("requirements_competency", "M.1".to_string()),
            ("requirements_level", "3".to_string()),
            ("requirements_competency", second.to_string()),
            ("requirements_level", "4".to_string()),
            ("requirements_competency", "".to_string()),
            ("requirements_level", "".to_string()),
        ]
    };
    let posted = |f: &Vec<(&'static str, String)>| {
        f.iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<(&str, String)>>()
    };
    let twice = posted(&fields("M.1"));
    let twice: Vec<(&str, &str)> = twice.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/data-induk/jabatan", &twice).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Standar kompetensi, baris 2: Kompetensi: M.1 tercantum lebih dari sekali"),
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains("value=\"Asesor Sumber Daya Manusia Aparatur\"")
    );
    let (status, body) = app.get(&hr, "/api/v1/positions/ASESOR-SDM").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let good = posted(&fields("M.3"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = b.post("/data-induk/jabatan", &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(
        saved.location.as_deref(),
        Some("/data-induk/jabatan/ASESOR-SDM?notice=reference_saved")
    );
    let (status, position) = app.get(&hr, "/api/v1/positions/ASESOR-SDM").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(position["kind"], "fungsional");
    assert_eq!(
        position["requirements"],
        serde_json::json!([{"competency": "M.1", "level": 3}, {"competency": "M.3", "level": 4}])
    );
    let edit = b
        .get("/data-induk/jabatan/ASESOR-SDM?notice=reference_saved")
        .await;
    assert!(edit.html.contains("Data tersimpan."));
    assert!(edit.html.contains("<option value=\"M.3\" selected>"));
    // The same code again is refused as taken.
    let again = b.post("/data-induk/jabatan", &good).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("Kode: sudah dipakai data lain"));

    // A program's cost typed as an office writes it; a required field left empty is named.
    let (_, program) = app.get(&hr, "/api/v1/programs/LATSAR").await;
    let mut fields: Vec<(&str, String)> = vec![
        ("csrf", csrf.clone()),
        ("title", program["title"].as_str().unwrap().to_string()),
        ("form", program["form"].as_str().unwrap().to_string()),
        ("jp", program["jp"].to_string()),
        ("cost_idr", "Rp 12.500.000".to_string()),
        ("provider", "".to_string()),
    ];
    for d in program["develops"].as_array().unwrap() {
        fields.push((
            "develops_competency",
            d["competency"].as_str().unwrap().to_string(),
        ));
        fields.push(("develops_to_level", d["to_level"].to_string()));
    }
    let as_pairs =
        |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let pairs = as_pairs(&fields);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/data-induk/program/LATSAR", &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("Penyelenggara: wajib diisi"),
        "{}",
        refused.html
    );
    fields[5].1 = program["provider"].as_str().unwrap().to_string();
    let pairs = as_pairs(&fields);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = b.post("/data-induk/program/LATSAR", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, after) = app.get(&hr, "/api/v1/programs/LATSAR").await;
    assert_eq!(after["cost_idr"], 12_500_000);
    assert_eq!(after["develops"], program["develops"]);

    // A unit cannot be placed below itself: said in Indonesian.
    let (_, unit) = app.get(&hr, "/api/v1/units/PEMKAB-BLG").await;
    let refused = b
        .post(
            "/data-induk/unit/PEMKAB-BLG",
            &[
                ("csrf", &csrf),
                ("name", unit["name"].as_str().unwrap()),
                ("parent", "DLH"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Unit induk: DLH berada di bawah unit ini"),
        "{}",
        refused.html
    );
    // Every change is in the audit log under the signed-in account.
    let (_, audit) = app
        .get(&hr, "/api/v1/audit?entity=position&key=ASESOR-SDM")
        .await;
    assert_eq!(audit["items"][0]["actor"], "hr");
}

#[tokio::test]
async fn staff_cannot_open_the_reference_pages() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let mut b = Browser::new(&app);
    b.sign_in(&staff, DEMO_PASSWORD).await;
    let page = b.get("/data-induk").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let home = b.get("/rencana-saya").await;
    assert!(!home.html.contains("/data-induk"));
    let csrf = b.csrf();
    let post = b
        .post(
            "/data-induk/unit",
            &[("csrf", &csrf), ("code", "X-1"), ("name", "Unit X")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_org_need_is_recorded_by_form_in_percent_and_an_office_date() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let page = b.get("/kebutuhan-organisasi").await;
    assert!(
        page.html.contains("Dinas Lingkungan Hidup (DLH)"),
        "units by name"
    );
    let csrf = b.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("unit", "DLH"),
        ("competency", "M.1"),
        ("level", "3"),
        ("position_kind", ""),
        ("target_percent", "150"),
        ("due", "31/12/2027"),
        ("priority", "4"),
    ];
    let refused = b.post("/kebutuhan-organisasi", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Target capaian (%): lebih dari 0% dan paling banyak 100%"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"31/12/2027\""),
        "typed date kept"
    );
    fields[5].1 = "80";
    let saved = b.post("/kebutuhan-organisasi", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let location = saved.location.unwrap();
    let id = location
        .trim_start_matches("/kebutuhan-organisasi/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (_, need) = app.get(&hr, &format!("/api/v1/org-needs/{id}")).await;
    assert_eq!(need["unit"], "DLH");
    assert_eq!(need["target_share"], 0.8);
    assert_eq!(need["due"], "2027-12-31");
    assert_eq!(need["priority"], 4);
    let shown_page = b.get(&location).await;
    assert!(shown_page.html.contains("Kebutuhan organisasi tercatat."));
    assert!(shown_page.html.contains("31 Desember 2027"));

    // A unit head records needs only for what they lead.
    let demo = Demo::new();
    let head = demo.head_of("DLH-PPKL");
    let mut h = Browser::new(&app);
    h.sign_in(&head, DEMO_PASSWORD).await;
    let page = h.get("/kebutuhan-organisasi").await;
    assert!(page.html.contains("<option value=\"DLH-PPKL\""));
    assert!(!page.html.contains("<option value=\"DINKES\""));
    let csrf = h.csrf();
    let outside = h
        .post(
            "/kebutuhan-organisasi",
            &[
                ("csrf", csrf.as_str()),
                ("unit", "DINKES"),
                ("competency", "M.1"),
                ("level", "3"),
                ("target_percent", "80"),
                ("due", "2027-12-31"),
            ],
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_public_satisfaction_survey_is_pasted_on_the_ikm_page() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let page = b.get("/ikm?unit=DPMPTSP-PM-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Seksi Promosi Investasi"));
    let csrf = b.csrf();
    // A cell that is no number, then an answer outside 1..4: each said with its place.
    let not_a_number = b
        .post(
            "/ikm",
            &[
                ("csrf", &csrf),
                ("unit", "DPMPTSP-PM-1"),
                ("period", "2026-Q3"),
                ("weighting", "exact"),
                ("answers", "4,3,x,4,3,4,4,3,4"),
            ],
        )
        .await;
    assert_eq!(not_a_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        not_a_number
            .html
            .contains(&shown("Baris 1, kolom 3: “x” bukan jawaban 1–4")),
        "{}",
        not_a_number.html
    );
    let out_of_range = b
        .post(
            "/ikm",
            &[
                ("csrf", &csrf),
                ("unit", "DPMPTSP-PM-1"),
                ("period", "2026-Q3"),
                ("weighting", "exact"),
                ("answers", "4,4,4,4,4,4,4,4,4\n3;3;5;3;3;3;3;3;3"),
            ],
        )
        .await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        out_of_range
            .html
            .contains("Jawaban responden, baris 2: unsur 3: jawaban 1, 2, 3 atau 4"),
        "{}",
        out_of_range.html
    );
    assert!(
        out_of_range.html.contains("3;3;5;3"),
        "what was pasted is kept"
    );
    let (_, none) = app.get(&hr, "/api/v1/units/DPMPTSP-PM-1/ikm").await;
    assert_eq!(none["total"], 0);

    // Pasted from a spreadsheet (tabs) with a blank line and an unanswered question.
    let answers = "4\t4\t4\t4\t4\t4\t4\t4\t4\n\n3\t3\t3\t3\t3\t3\t3\t3\t-\n";
    let saved = b
        .post(
            "/ikm",
            &[
                ("csrf", &csrf),
                ("unit", "DPMPTSP-PM-1"),
                ("period", "2026-Q3"),
                ("weighting", "exact"),
                ("answers", answers),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, list) = app.get(&hr, "/api/v1/units/DPMPTSP-PM-1/ikm").await;
    assert_eq!(list["items"][0]["period"], "2026-Q3");
    assert_eq!(list["items"][0]["respondents"], 2);
    // Eight elements average 3.5, the ninth 4: (8 × 3.5 + 4) / 9 × 25 = 88.89 (A).
    assert_eq!(list["items"][0]["index"], 88.89);
    let shown_page = b.get(saved.location.as_deref().unwrap()).await;
    assert!(shown_page.html.contains("88,89"));
    assert!(shown_page.html.contains("A · sangat baik"));
    assert!(shown_page.html.contains("Triwulan III 2026"));
    // Per element: the first eight averaged 3.5 (87.50), the ninth 4 (100.00).
    assert!(shown_page.html.contains("<td class=\"num\" data-label=\"Rata-rata (1–4)\">3,50</td><td class=\"num\" data-label=\"Nilai IKM\">87,50</td>"), "{}", shown_page.html);
    assert!(shown_page.html.contains("<td class=\"num\" data-label=\"Rata-rata (1–4)\">4,00</td><td class=\"num\" data-label=\"Nilai IKM\">100,00</td>"));

    // A unit head chooses among the units they lead; staff do not enter surveys.
    let demo = Demo::new();
    let mut h = Browser::new(&app);
    h.sign_in(&demo.head_of("DLH-PPKL"), DEMO_PASSWORD).await;
    let page = h.get("/ikm").await;
    assert!(page.html.contains("value=\"DLH-PPKL-1\""));
    assert!(!page.html.contains("value=\"DPMPTSP-PM-1\""));
    let mut st = Browser::new(&app);
    st.sign_in(&demo.staff_in("DLH-PSL-1"), DEMO_PASSWORD).await;
    assert_eq!(st.get("/ikm").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_unit_head_reads_their_units_page_and_hr_sets_its_predikat() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let head = demo.head_of("DLH-PPKL");
    let mut b = Browser::new(&app);
    b.sign_in(&head, DEMO_PASSWORD).await;
    let mine = b.get("/unit").await;
    assert_eq!(mine.location.as_deref(), Some("/unit/DLH-PPKL"));
    // The latest period with evaluations is shown by default, counted as the API counts.
    let page = b.get("/unit/DLH-PPKL").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&shown(
        "Bidang Pengendalian Pencemaran dan Kerusakan Lingkungan"
    )));
    assert!(page.html.contains("<option value=\"2026-Q3\" selected>"));
    let (_, d) = app
        .get(&hr, "/api/v1/units/DLH-PPKL/distribution?period=2026-Q3")
        .await;
    assert!(
        page.html
            .contains(&format!("{} pegawai dinilai", d["employees_evaluated"]))
    );
    assert!(
        page.html.contains("belum dicatat BKPSDM"),
        "no unit predikat yet"
    );
    let (_, jp) = app.get(&hr, "/api/v1/units/DLH-PPKL/jp-compliance").await;
    assert!(page.html.contains(&format!(
        "{} dari {} pegawai telah mencapai",
        jp["meeting_target"], jp["employees"]
    )));
    // The open coaching about the unit's employees, counted by hand through the API.
    let (_, tasks) = app
        .get(&hr, "/api/v1/tasks?kind=coaching&status=open&limit=1000")
        .await;
    let mut expected = 0;
    for t in tasks["items"].as_array().unwrap() {
        let Some(nip) = t["subject_nip"].as_str() else {
            continue;
        };
        let (_, e) = app.get(&hr, &format!("/api/v1/employees/{nip}")).await;
        let unit = e["unit"].as_str().unwrap();
        if unit == "DLH-PPKL" || unit.starts_with("DLH-PPKL-") {
            expected += 1;
        }
    }
    assert!(
        page.html
            .contains(&format!("Coaching yang masih terbuka ({expected})")),
        "{}",
        page.html
    );
    // The campaign reaching the unit, counted over its part: as the campaign's dashboard says.
    let (_, dash) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    let (targets, adopted) = dash["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            let code = u["unit"].as_str().unwrap();
            code == "DLH-PPKL" || code.starts_with("DLH-PPKL-")
        })
        .fold((0, 0), |(t, a), u| {
            (
                t + u["targets"].as_u64().unwrap(),
                a + u["adopted"].as_u64().unwrap(),
            )
        });
    assert!(targets > 0);
    assert!(
        page.html.contains(&format!(
            "{adopted} dari {targets} pegawai sasaran telah mengadopsi"
        )),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("href=\"/kampanye/ADOPSI-EKINERJA?units=mine\"")
    );
    // The parent is named, not linked, for a head who may not open it; another unit is refused.
    assert!(!page.html.contains("href=\"/unit/DLH\""));
    assert_eq!(b.get("/unit/DINKES").await.status, StatusCode::FORBIDDEN);
    assert!(!page.html.contains("action=\"/unit/DLH-PPKL/predikat\""));

    // HR records the unit's predikat with a pattern configured: the limits appear.
    let (status, _) = app
        .put(
            &hr,
            "/api/v1/settings/distribution_thresholds",
            &serde_json::json!({"value": {"baik": {"sangat_baik": 0.2, "baik": 0.6}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut h = Browser::new(&app);
    h.sign_in("hr", DEMO_PASSWORD).await;
    let csrf = h.csrf();
    let set = h
        .post(
            "/unit/DLH-PPKL/predikat",
            &[("csrf", &csrf), ("period", "2026-Q3"), ("predikat", "baik")],
        )
        .await;
    assert_eq!(
        set.location.as_deref(),
        Some("/unit/DLH-PPKL?periode=2026-Q3&notice=unit_predikat_recorded")
    );
    let (_, d) = app
        .get(&hr, "/api/v1/units/DLH-PPKL/distribution?period=2026-Q3")
        .await;
    assert_eq!(d["organisation_predikat"], "baik");
    let baik = d["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["predikat"] == "baik")
        .unwrap();
    assert_eq!(baik["max_share"], 0.6);
    let page = h.get(set.location.as_deref().unwrap()).await;
    assert!(page.html.contains("≤ 60%"));
    assert!(page.html.contains("<strong>Baik</strong>"));
}

#[tokio::test]
async fn a_unit_head_defines_and_realises_an_indicator_on_the_unit_page() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let year = chrono::Utc::now().year();
    let mut b = Browser::new(&app);
    b.sign_in(&demo.head_of("DPMPTSP"), DEMO_PASSWORD).await;
    let csrf = b.csrf();
    let created = b
        .post(
            "/unit/DPMPTSP/indikator",
            &[
                ("csrf", csrf.as_str()),
                ("code", "IKU-IZIN"),
                ("name", "Izin terbit tepat waktu"),
                ("unit_of_measure", "%"),
                ("direction", "higher_is_better"),
                ("target", "90"),
                ("kind", "manual"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let (_, list) = app
        .get(
            &hr,
            &format!("/api/v1/units/DPMPTSP/indicators?year={year}"),
        )
        .await;
    let created = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "IKU-IZIN")
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["target"], 90.0);
    // A value that is no number is refused beside its form, in Indonesian.
    let action = format!("/unit/DPMPTSP/indikator/{id}/realisasi");
    let q1 = format!("{year}-Q1");
    let refused = b
        .post(
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("period", q1.as_str()),
                ("value", "banyak"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("Realisasi: harus angka"),
        "{}",
        refused.html
    );
    // Typed as an office writes it: 76,5 of 90 is 85 %, short of the target.
    let saved = b
        .post(
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("period", q1.as_str()),
                ("value", "76,5"),
                ("evidence_url", "https://dpmptsp.example.go.id/laporan"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, ind) = app.get(&hr, &format!("/api/v1/indicators/{id}")).await;
    assert_eq!(ind["realisations"][0]["value"], 76.5);
    assert_eq!(ind["realisations"][0]["capaian"], 85.0);
    let page = b.get("/unit/DPMPTSP").await;
    assert!(page.html.contains("Izin terbit tepat waktu"));
    assert!(page.html.contains("85%"), "capaian shown");
    assert!(page.html.contains("di bawah target"));
    assert!(page.html.contains("<svg class=\"indicator\""));
    assert!(
        page.html
            .contains("href=\"https://dpmptsp.example.go.id/laporan\"")
    );
    // A head of a unit below sees it but does not write it.
    let mut below = Browser::new(&app);
    below
        .sign_in(&demo.head_of("DPMPTSP-YAN"), DEMO_PASSWORD)
        .await;
    let page = below.get("/unit/DPMPTSP").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
