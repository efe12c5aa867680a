//! The training cycle: a plan saved in numbered drafts, adopted once per year and unit scope,
//! its cohorts within capacity, every participant enrolled once, withdrawal with a reason,
//! and adopting a plan whose inputs changed only on confirmation.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const UNIT: &str = "DPMPTSP";

async fn save(app: &TestApp, hr: &str, budget: i64) -> Value {
    let (status, saved) = app
        .post(
            hr,
            "/api/v1/training-plans?save=true",
            &json!({"year": 2026, "budget_idr": budget, "unit": UNIT}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    saved
}

/// The items of `nip`'s 2026 plan for `program` that are not cancelled.
async fn items_of(app: &TestApp, hr: &str, nip: &str, program: &str) -> Vec<Value> {
    let (_, plan) = app
        .get(
            hr,
            &format!("/api/v1/employees/{nip}/development-plan?year=2026"),
        )
        .await;
    plan["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i["program"] == program && i["status"] != "cancelled")
        .collect()
}

#[tokio::test]
async fn an_adopted_plan_enrols_each_participant_once_within_capacity() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let v1 = save(&app, &hr, 400_000_000).await;
    assert_eq!(
        (v1["version"].as_i64(), v1["status"].as_str()),
        (Some(1), Some("draft"))
    );
    let v2 = save(&app, &hr, 400_000_000).await;
    assert_eq!(v2["version"], 2);
    let (_, listed) = app.get(&hr, "/api/v1/training-plans?year=2026").await;
    let listed: Vec<Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["unit"] == UNIT)
        .cloned()
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(listed[0]["plan"].is_null(), "lists leave the contents out");
    let cohorts = v1["plan"]["cohorts"].as_array().unwrap().clone();
    assert!(!cohorts.is_empty(), "{v1}");

    // Only hr and admin adopt.
    let head = app.token(&demo.head_of(UNIT)).await;
    let adopt = |id: &Value| format!("/api/v1/training-plans/{id}/adopt");
    assert_eq!(
        app.post(&head, &adopt(&v1["id"]), &json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, adopted) = app.post(&hr, &adopt(&v1["id"]), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{adopted}");
    assert_eq!(adopted["plan"]["status"], "adopted");
    let participants: usize = cohorts
        .iter()
        .map(|c| c["participants"].as_array().unwrap().len())
        .sum();
    assert_eq!(adopted["enrolled"]["participants"], participants as u64);

    // Cohorts within each program's capacity, holding exactly the plan's participants.
    let (_, made) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let mut enrolled: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in made.as_array().unwrap() {
        let capacity = demo
            .data
            .programs
            .iter()
            .find(|p| p.code.as_str() == c["program"])
            .and_then(|p| p.capacity);
        if let Some(cap) = capacity {
            assert!(c["enrolled"].as_u64().unwrap() <= u64::from(cap), "{c}");
        }
        let (_, one) = app
            .get(
                &hr,
                &format!("/api/v1/cohorts/{}", c["code"].as_str().unwrap()),
            )
            .await;
        for p in one["participants"].as_array().unwrap() {
            assert_eq!(p["status"], "enrolled");
            enrolled
                .entry(c["program"].as_str().unwrap().to_string())
                .or_default()
                .push(p["nip"].as_str().unwrap().to_string());
        }
    }
    for c in &cohorts {
        let program = c["program"].as_str().unwrap();
        for nip in c["participants"].as_array().unwrap() {
            let nip = nip.as_str().unwrap();
            assert!(
                enrolled[program].iter().any(|n| n == nip),
                "{nip} in {program}"
            );
            // Each participant's plan holds the program once.
            assert_eq!(
                items_of(&app, &hr, nip, program).await.len(),
                1,
                "{nip} {program}"
            );
        }
    }

    // A unit head sees the participants of the units they lead only.
    let first_code = made[0]["code"].as_str().unwrap();
    let (_, theirs) = app
        .get(&head, &format!("/api/v1/cohorts/{first_code}"))
        .await;
    let (_, all) = app.get(&hr, &format!("/api/v1/cohorts/{first_code}")).await;
    assert_eq!(
        theirs["participants"], all["participants"],
        "all of them are in DPMPTSP"
    );
    let other = app.token(&demo.head_of("DINKES")).await;
    let (status, none) = app
        .get(&other, &format!("/api/v1/cohorts/{first_code}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["participants"], json!([]), "{none}");

    // One adopted plan per year and unit scope.
    let (status, e) = app.post(&hr, &adopt(&v2["id"]), &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    // Withdrawing needs a reason; it withdraws the enrolments and cancels the items they added.
    let withdraw = format!("/api/v1/training-plans/{}/withdraw", v1["id"]);
    let (status, e) = app.post(&hr, &withdraw, &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["reason"]);
    let (status, w) = app
        .post(
            &hr,
            &withdraw,
            &json!({"reason": "Anggaran dialihkan ke penanganan bencana"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["status"], "withdrawn");
    let first = &cohorts[0];
    let program = first["program"].as_str().unwrap();
    let nip = first["participants"][0].as_str().unwrap();
    assert!(items_of(&app, &hr, nip, program).await.is_empty());
    // Now the second version is adopted, and nobody is enrolled twice.
    let (status, _) = app.post(&hr, &adopt(&v2["id"]), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items_of(&app, &hr, nip, program).await.len(), 1);
}

#[tokio::test]
async fn a_plan_whose_inputs_changed_is_adopted_only_on_confirmation() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let saved = save(&app, &hr, 400_000_000).await;
    // A participant's gaps close before adoption: the plan computed now differs.
    let cohort = &saved["plan"]["cohorts"][0];
    let nip = cohort["participants"][0].as_str().unwrap();
    let records: Vec<Value> = cohort["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"competency": c["competency"], "level": 5, "source": "assessment", "assessed_on": "2026-11-02"}))
        .collect();
    let (status, r) = app
        .put(
            &hr,
            &format!("/api/v1/employees/{nip}/competencies"),
            &json!(records),
        )
        .await;
    assert!(status.is_success(), "{r}");
    let adopt = format!("/api/v1/training-plans/{}/adopt", saved["id"]);
    let (status, answer) = app.post(&hr, &adopt, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"]["code"], "plan_changed");
    let program = cohort["program"].as_str().unwrap();
    let removed = &answer["differences"]["participants_removed"][program];
    let dropped_program = answer["differences"]["programs_removed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == program);
    assert!(
        dropped_program || removed.as_array().unwrap().iter().any(|n| n == nip),
        "{answer}"
    );
    // Nothing was adopted; with confirmation the saved plan is.
    let (_, still) = app
        .get(&hr, &format!("/api/v1/training-plans/{}", saved["id"]))
        .await;
    assert_eq!(still["status"], "draft");
    let (status, adopted) = app.post(&hr, &adopt, &json!({"confirm": true})).await;
    assert_eq!(status, StatusCode::OK, "{adopted}");
    assert_eq!(items_of(&app, &hr, nip, program).await.len(), 1);
}

#[tokio::test]
async fn results_complete_the_program_once_and_a_bad_row_refuses_the_list() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let saved = save(&app, &hr, 400_000_000).await;
    let (status, _) = app
        .post(
            &hr,
            &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let code = cohorts[0]["code"].as_str().unwrap().to_string();
    let program = cohorts[0]["program"].as_str().unwrap().to_string();
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let people: Vec<String> = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nip"].as_str().unwrap().to_string())
        .collect();
    let passed = &people[0];
    let path = format!("/api/v1/cohorts/{code}/results");
    // A NIP listed twice is refused while reading; a NIP outside the cohort, a pass without
    // its date, a date in the future: the whole list is refused, each problem by position.
    let (status, e) = app
        .post(
            &hr,
            &path,
            &json!([
                {"nip": passed, "status": "lulus", "completed_on": "2026-06-12"},
                {"nip": passed, "status": "tidak_hadir"}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["[1].nip"]);
    // The store refuses it too, whoever calls it: both rows, each naming the other, and a
    // file's valid rows are still kept.
    let row = |nip: &str, status| jenjang_store::training::ResultRow {
        cohort: code.clone(),
        nip: nip.to_string(),
        status,
        certificate_no: None,
        completed_on: Some(chrono::NaiveDate::from_ymd_opt(2026, 6, 12).unwrap()),
        score: None,
    };
    use jenjang_core::training::ParticipantStatus::{Lulus, TidakHadir};
    let (done, refused) = app
        .store
        .record_cohort_results(
            &jenjang_store::Actor::system("uji"),
            &[row(passed, Lulus), row(passed, TidakHadir)],
            false,
            true,
        )
        .await
        .unwrap();
    assert_eq!(done.recorded, 0);
    let refused: Vec<(usize, &str, &str)> = refused
        .iter()
        .map(|(i, e)| {
            (
                *i,
                e.code.as_deref().unwrap_or(""),
                e.params["rows"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [(0, "duplicate_rows", "1"), (1, "duplicate_rows", "0")]
    );
    let (status, e) = app
        .post(
            &hr,
            &path,
            &json!([
                {"nip": passed, "status": "lulus"},
                {"nip": people[1], "status": "lulus", "completed_on": "2099-01-01"},
                {"nip": "196606171996111001", "status": "lulus", "completed_on": "2026-06-12"}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        error_fields(&e),
        ["[0].completed_on", "[1].completed_on", "[2].nip"]
    );
    let (_, still) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    assert!(
        still["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "enrolled")
    );
    // A pass: the plan item completed with its JP, the levels the program develops recorded.
    let mut results = vec![
        json!({"nip": passed, "status": "lulus", "certificate_no": "SRT/2026/001",
                                  "completed_on": "12/06/2026", "score": 88}),
    ];
    if people.len() > 1 {
        results.push(json!({"nip": people[1], "status": "tidak_hadir"}));
    }
    let (status, done) = app.post(&hr, &path, &json!(results)).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["completed"], 1);
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{passed}/development-plan?year=2026"),
        )
        .await;
    let item = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["program"] == program.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["status"], "completed", "{item}");
    let jp = item["jp"].as_i64().unwrap();
    assert!(jp > 0);
    let (_, levels) = app
        .get(&hr, &format!("/api/v1/employees/{passed}/competencies"))
        .await;
    assert!(
        levels.to_string().contains(&format!("program:{program}")),
        "{levels}"
    );
    // The same pass again credits nothing more; a pass is final.
    let (_, again) = app.post(&hr, &path, &json!(results)).await;
    assert_eq!(
        (again["recorded"].as_u64(), again["completed"].as_u64()),
        (Some(0), Some(0))
    );
    let (status, e) = app
        .post(
            &hr,
            &path,
            &json!([{"nip": passed, "status": "tidak_lulus"}]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["details"][0]["code"], "pass_is_final");
    let completed = app
        .store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'training.completed' AND subject_nip = '{passed}'"
        ))
        .await
        .unwrap();
    assert_eq!(completed, 1);
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{passed}/development-plan?year=2026"),
        )
        .await;
    let total: i64 = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["program"] == program.as_str())
        .filter(|i| i["status"] == "completed")
        .map(|i| i["jp"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(total, jp, "no second credit");
    // Only hr and admin record results.
    let staff = app.token(passed).await;
    assert_eq!(
        app.post(&staff, &path, &json!(results)).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_providers_list_is_imported_with_every_bad_row_named() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let saved = save(&app, &hr, 400_000_000).await;
    app.post(
        &hr,
        &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
        &json!({}),
    )
    .await;
    let (_, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let code = cohorts[0]["code"].as_str().unwrap().to_string();
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let nip = cohort["participants"][0]["nip"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = format!(
        "nip;kode_angkatan;status;nomor_sertifikat;tanggal_selesai;nilai\n\
         {nip};{code};Lulus;SRT/2026/7;12/06/2026;84,5\n\
         196606171996111001;{code};lulus;;12/06/2026;\n\
         {nip};2026-TIDAK-ADA-01;lulus;;12/06/2026;\n\
         {nip};{code};gagal;;;\n\
         {nip};{code};lulus;;12/06/2026;101\n"
    );
    let send = |csv: String| {
        let app = &app;
        let hr = hr.clone();
        async move { app.import_csv(&hr, "cohort-results", csv).await }
    };
    let (status, report) = send(csv.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let at: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        at,
        [
            (3, "nip"),
            (4, "kode_angkatan"),
            (5, "status"),
            (6, "nilai")
        ],
        "{report}"
    );
    // The valid row is kept; the same row again changes nothing.
    assert_eq!(report["accepted"], 1, "{report}");
    let fixed = format!(
        "nip;kode_angkatan;status;nomor_sertifikat;tanggal_selesai;nilai\n\
         {nip};{code};Lulus;SRT/2026/7;12/06/2026;84,5\n"
    );
    let (_, again) = send(fixed).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    let (_, one) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let me = one["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["nip"] == nip.as_str())
        .unwrap()
        .clone();
    assert_eq!(me["status"], "lulus");
    assert_eq!(me["certificate_no"], "SRT/2026/7");
    assert_eq!(me["score"], 84.5);
}

#[tokio::test]
async fn cohorts_are_kept_within_their_capacity_and_the_budget_adds_up() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let saved = save(&app, &hr, 400_000_000).await;
    app.post(
        &hr,
        &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
        &json!({}),
    )
    .await;
    let (_, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let cohorts = cohorts.as_array().unwrap().clone();
    let first = &cohorts[0];
    let code = first["code"].as_str().unwrap();
    let path = format!("/api/v1/cohorts/{code}");
    let enrolled = first["enrolled"].as_i64().unwrap();
    // Dates ending before they start, then a capacity below those enrolled: refused by field.
    let (status, e) = app
        .put(
            &hr,
            &path,
            &json!({"provider": "BPSDM Provinsi", "place": "Tanjung Selor", "starts": "20/05/2026",
                    "ends": "10/05/2026", "capacity": enrolled - 1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["ends"]);
    let (status, c) = app
        .put(
            &hr,
            &path,
            &json!({"provider": "BPSDM Provinsi", "place": "Tanjung Selor", "starts": "11/05/2026",
                    "ends": "20/05/2026", "capacity": enrolled, "actual_cost_idr": 12_500_000}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["place"], "Tanjung Selor");
    let (status, e) = app
        .put(
            &hr,
            &path,
            &json!({"provider": "X", "capacity": enrolled - 1}),
        )
        .await;
    if enrolled > 1 {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["details"][0]["code"], "below_enrolled");
    }
    let staff = app.token("199902162024092001").await;
    assert_eq!(
        app.put(&staff, &path, &json!({"provider": "X", "capacity": 30}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The budget: planned is the sum of the cohorts' planned cost, actual what was recorded.
    let planned: i64 = cohorts
        .iter()
        .map(|c| c["planned_cost_idr"].as_i64().unwrap())
        .sum();
    let (status, budget) = app
        .get(
            &hr,
            &format!("/api/v1/training-budget?year=2026&unit={UNIT}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{budget}");
    assert_eq!(budget["planned_idr"], planned);
    assert_eq!(budget["actual_idr"], 12_500_000);
    let program_line = budget["by_program"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == first["program"])
        .unwrap()
        .clone();
    assert_eq!(program_line["actual_idr"], 12_500_000);
    let by_program: i64 = budget["by_program"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["planned_idr"].as_i64().unwrap())
        .sum();
    assert_eq!(by_program, planned);
    assert_eq!(budget["by_unit"][0]["key"], UNIT);
}

#[tokio::test]
async fn hr_saves_adopts_and_records_results_on_the_pages() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let csrf = b.csrf();
    let page = b
        .get(&format!(
            "/rencana-pelatihan?year=2026&budget_idr=400000000&unit={UNIT}"
        ))
        .await;
    assert!(page.html.contains("Simpan sebagai draf"), "{}", page.html);
    let saved = b
        .post(
            "/rencana-pelatihan/simpan",
            &[
                ("csrf", csrf.as_str()),
                ("year", "2026"),
                ("budget_idr", "400000000"),
                ("unit", UNIT),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let page = b.get(saved.location.as_deref().unwrap()).await;
    assert!(
        page.html.contains("Rencana tersimpan 2026"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Draf"));
    let (_, plans) = app.get(&hr, "/api/v1/training-plans?year=2026").await;
    let id = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["unit"] == UNIT)
        .and_then(|p| p["id"].as_i64())
        .unwrap();
    let adopted = b
        .post(
            &format!("/rencana-pelatihan/{id}/tetapkan"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(adopted.status, StatusCode::SEE_OTHER, "{}", adopted.html);
    let cohorts = b.get(adopted.location.as_deref().unwrap()).await;
    assert!(
        cohorts.html.contains("Rencana ditetapkan"),
        "{}",
        cohorts.html
    );
    let (_, list) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let code = list[0]["code"].as_str().unwrap().to_string();
    assert!(cohorts.html.contains(&format!("href=\"/angkatan/{code}\"")));
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let nip = cohort["participants"][0]["nip"]
        .as_str()
        .unwrap()
        .to_string();
    // A pass without its date is said beside the form, in Indonesian.
    let status_field = format!("status_{nip}");
    let completed_field = format!("completed_{nip}");
    let refused = b
        .post(
            &format!("/angkatan/{code}/hasil"),
            &[
                ("csrf", csrf.as_str()),
                ("nip", nip.as_str()),
                (status_field.as_str(), "lulus"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.html
    );
    let recorded = b
        .post(
            &format!("/angkatan/{code}/hasil"),
            &[
                ("csrf", csrf.as_str()),
                ("nip", nip.as_str()),
                (status_field.as_str(), "lulus"),
                (completed_field.as_str(), "12/06/2026"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let page = b.get(&format!("/angkatan/{code}")).await;
    assert!(page.html.contains("Lulus"), "{}", page.html);
    // The details: an end before the start is refused by field.
    let details = b
        .post(
            &format!("/angkatan/{code}"),
            &[
                ("csrf", csrf.as_str()),
                ("provider", "BPSDM Provinsi Kalimantan Utara"),
                ("starts", "20/05/2026"),
                ("ends", "10/05/2026"),
                ("capacity", "40"),
            ],
        )
        .await;
    assert_eq!(details.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        details.html.contains("Selesai: selesai sebelum mulai"),
        "{}",
        details.html
    );
}

#[tokio::test]
async fn ninety_days_after_a_pass_the_supervisor_rates_what_the_program_develops() {
    use chrono::Duration;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let saved = save(&app, &hr, 400_000_000).await;
    app.post(
        &hr,
        &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
        &json!({}),
    )
    .await;
    let (_, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let code = cohorts[0]["code"].as_str().unwrap().to_string();
    let program = cohorts[0]["program"].as_str().unwrap().to_string();
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let nip = cohort["participants"][0]["nip"]
        .as_str()
        .unwrap()
        .to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/cohorts/{code}/results"),
            &json!([{"nip": nip, "status": "lulus", "completed_on": today}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let supervisor = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == nip)
        .and_then(|e| e.supervisor_nip.clone())
        .unwrap()
        .to_string();
    let sup = app.token(&supervisor).await;
    app.run_engine().await;
    assert!(
        evaluation_tasks(&app, &sup).await.is_empty(),
        "not before 90 days"
    );
    app.clock.advance(Duration::days(91));
    app.run_engine().await;
    let tasks = evaluation_tasks(&app, &sup).await;
    let task = tasks
        .iter()
        .find(|t| t["subject_nip"] == nip.as_str())
        .unwrap_or_else(|| panic!("{tasks:?}"))
        .clone();
    assert!(task["title"].as_str().unwrap().contains(&program), "{task}");
    // The ratings become dated levels with their own source.
    let program_row = demo
        .data
        .programs
        .iter()
        .find(|p| p.code.as_str() == program)
        .unwrap();
    let scores: Vec<Value> = program_row
        .develops
        .iter()
        .map(|d| json!({"competency": d.competency.as_str(), "level": 3}))
        .collect();
    let (status, done) = app
        .post(
            &sup,
            &format!("/api/v1/tasks/{}/complete", task["id"]),
            &json!({"outcome": "selesai", "competency_scores": scores}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, levels) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
        .await;
    assert!(
        levels.to_string().contains("evaluasi_pasca_pelatihan"),
        "{levels}"
    );
}

/// The caller's open post-training evaluation tasks.
async fn evaluation_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, t) = app
        .get(token, "/api/v1/tasks?mine=true&kind=evaluation&limit=100")
        .await;
    t["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn participants_change_within_capacity_and_what_the_program_requires() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    // The whole organisation's plan, so that some cohort's program requires something.
    let (status, saved) = app
        .post(
            &hr,
            "/api/v1/training-plans?save=true",
            &json!({"year": 2026, "budget_idr": 2_000_000_000i64}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    app.post(
        &hr,
        &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
        &json!({}),
    )
    .await;
    let (_, cohorts) = app.get(&hr, "/api/v1/cohorts?year=2026").await;
    let requiring = cohorts
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["plan_id"] == saved["id"])
        .find(|c| {
            demo.data
                .programs
                .iter()
                .any(|p| p.code.as_str() == c["program"] && !p.requires.is_empty())
        })
        .expect("a cohort of a program with requirements")
        .clone();
    let code = requiring["code"].as_str().unwrap();
    let program = demo
        .data
        .programs
        .iter()
        .find(|p| p.code.as_str() == requiring["program"])
        .unwrap();
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let mut nips: Vec<String> = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nip"].as_str().unwrap().to_string())
        .collect();
    let path = format!("/api/v1/cohorts/{code}");
    let details = json!({"provider": requiring["provider"], "capacity": requiring["capacity"]});
    // Someone who does not hold what the program requires is refused, saying so.
    let req = &program.requires[0];
    let mut short = None;
    for e in &demo.data.employees {
        if nips.contains(&e.nip.to_string()) {
            continue;
        }
        let (_, levels) = app
            .get(&hr, &format!("/api/v1/employees/{}/competencies", e.nip))
            .await;
        let held = levels["current"]
            .as_array()
            .and_then(|l| {
                l.iter()
                    .find(|r| r["competency"] == req.competency.as_str())
            })
            .and_then(|r| r["level"].as_u64())
            .unwrap_or(0);
        if held < u64::from(req.level.get()) {
            short = Some(e.nip.to_string());
            break;
        }
    }
    let short = short.expect("an employee below the requirement");
    let mut body = details.clone();
    body["reason"] = json!("Diganti");
    // In place of one who is there, so that the capacity holds.
    let mut with_short = nips.clone();
    with_short[0] = short.clone();
    body["participants"] = json!(with_short);
    let (status, e) = app.put(&hr, &path, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["code"], "requires_not_met", "{e}");
    assert!(
        e["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&short)
    );
    // Over capacity.
    let mut body = details.clone();
    body["capacity"] = json!(nips.len() - 1);
    body["participants"] = json!(nips);
    if nips.len() > 1 {
        let (status, e) = app.put(&hr, &path, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["details"][0]["code"], "over_capacity");
    }
    // Leaving someone out needs a reason; with it they are withdrawn and their item cancelled.
    // (one who holds what the program requires: a plan may place someone whose earlier cohort
    // of the year gives it, and a manual change checks the levels held now)
    let mut left = None;
    for (i, nip) in nips.iter().enumerate() {
        let (_, levels) = app
            .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
            .await;
        let meets = program.requires.iter().all(|r| {
            levels["current"]
                .as_array()
                .and_then(|l| l.iter().find(|x| x["competency"] == r.competency.as_str()))
                .and_then(|x| x["level"].as_u64())
                .unwrap_or(0)
                >= u64::from(r.level.get())
        });
        if meets {
            left = Some(i);
            break;
        }
    }
    let left = nips.remove(left.expect("a participant who meets the requirements"));
    let mut body = details.clone();
    body["participants"] = json!(nips);
    let (status, e) = app.put(&hr, &path, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["reason"]);
    body["reason"] = json!("Mutasi ke luar daerah");
    let (status, c) = app.put(&hr, &path, &body).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["enrolled"], nips.len() as u64);
    assert!(
        items_of(&app, &hr, &left, program.code.as_str())
            .await
            .is_empty()
    );
    // Back in: enrolled again, one item.
    nips.push(left.clone());
    body["participants"] = json!(nips);
    let (status, back) = app.put(&hr, &path, &body).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(
        items_of(&app, &hr, &left, program.code.as_str())
            .await
            .len(),
        1
    );
}
