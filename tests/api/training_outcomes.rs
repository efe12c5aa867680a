//! After the cohort: the provider's participant list (and back as the results import), the
//! reaction survey of those who passed, the certificate in the SIASN export, the budget as a
//! spreadsheet, org-need progress counting the enrolled, and the per-program evidence of level
//! change against colleagues in the same positions, computed here by hand.

use crate::helpers::*;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

const UNIT: &str = "DPMPTSP";

/// Saves and adopts a 2026 plan for DPMPTSP; the first cohort's code, program and participants.
async fn adopted_cohort(app: &TestApp, hr: &str) -> (String, String, Vec<String>) {
    let (status, saved) = app
        .post(
            hr,
            "/api/v1/training-plans?save=true",
            &json!({"year": 2026, "budget_idr": 400_000_000, "unit": UNIT}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let (status, adopted) = app
        .post(
            hr,
            &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{adopted}");
    let (_, cohorts) = app.get(hr, "/api/v1/cohorts?year=2026&unit=DPMPTSP").await;
    let code = cohorts[0]["code"].as_str().unwrap().to_string();
    let program = cohorts[0]["program"].as_str().unwrap().to_string();
    let (_, cohort) = app.get(hr, &format!("/api/v1/cohorts/{code}")).await;
    let people = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nip"].as_str().unwrap().to_string())
        .collect();
    (code, program, people)
}

async fn bytes(app: &TestApp, token: &str, path: &str) -> (StatusCode, Vec<u8>, String) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let mime = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, r.bytes().await.unwrap().to_vec(), mime)
}

#[tokio::test]
async fn the_provider_gets_the_list_back_as_results_and_the_certificate_reaches_siasn() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (code, _program, people) = adopted_cohort(&app, &hr).await;
    assert!(people.len() >= 2, "{people:?}");
    let passed = &people[0];
    let done_on = (Utc::now().date_naive() - Duration::days(3)).to_string();
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/cohorts/{code}/results"),
            &json!([{"nip": passed, "status": "lulus", "certificate_no": "=SRT/77", "completed_on": done_on}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // CSV: the import's columns with the names, every participant once, formulas made text.
    let (status, csv, mime) = bytes(
        &app,
        &hr,
        &format!("/api/v1/cohorts/{code}/participants?format=csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(mime.starts_with("text/csv"), "{mime}");
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "nip,nama,unit,kode_angkatan,program,status,nomor_sertifikat,tanggal_selesai,nilai"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), people.len());
    let mine = rows.iter().find(|r| r[0] == passed.as_str()).unwrap();
    assert_eq!(
        (mine[3], mine[5], mine[6], mine[7]),
        (code.as_str(), "lulus", "'=SRT/77", done_on.as_str())
    );
    assert!(
        rows.iter()
            .filter(|r| r[0] != passed.as_str())
            .all(|r| r[5].is_empty()),
        "no result yet is an empty status"
    );
    // XLSX: read back by the results import (a dry run) — the pass is unchanged, every row
    // still without a status is named.
    let (status, xlsx, mime) = bytes(
        &app,
        &hr,
        &format!("/api/v1/cohorts/{code}/participants?format=xlsx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(mime.contains("spreadsheetml"), "{mime}");
    let r = app
        .client
        .post(app.url("/api/v1/imports/cohort-results?dry_run=true"))
        .bearer_auth(&hr)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(xlsx)
        .send()
        .await
        .unwrap();
    let (status, report) = read(r).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), people.len() - 1, "{report}");
    assert!(
        rejected
            .iter()
            .all(|r| r["column"] == "status" && r["code"] == "required"),
        "{report}"
    );
    // The SIASN export carries the certificate number and the cohort's provider.
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let (status, records) = app
        .get(
            &hr,
            &format!("/api/v1/units/{UNIT}/development-records?year=2026"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{records}");
    let record = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["nipBaru"] == passed.as_str())
        .unwrap_or_else(|| panic!("{records}"))
        .clone();
    assert_eq!(record["nomorSertipikat"], "=SRT/77");
    assert_eq!(record["institusiPenyelenggara"], cohort["provider"]);
    // A participant's list is hr's: staff are refused.
    let staff = app.token(passed).await;
    assert_eq!(
        bytes(
            &app,
            &staff,
            &format!("/api/v1/cohorts/{code}/participants?format=csv")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn who_passed_answers_the_reaction_survey_once() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let (code, program, people) = adopted_cohort(&app, &hr).await;
    let (passed, other) = (&people[0], &people[1]);
    let results = json!([
        {"nip": passed, "status": "lulus", "completed_on": Utc::now().date_naive().to_string()},
        {"nip": other, "status": "tidak_hadir"}
    ]);
    let path = format!("/api/v1/cohorts/{code}/results");
    assert_eq!(app.post(&hr, &path, &results).await.0, StatusCode::OK);
    // The survey is offered once, at the first pass.
    assert_eq!(app.post(&hr, &path, &results).await.0, StatusCode::OK);
    let offered = app
        .store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM notifications WHERE template = 'survei-reaksi' AND recipient_nip = '{passed}'"
        ))
        .await
        .unwrap();
    assert_eq!(offered, 1);
    let none = app
        .store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM notifications WHERE template = 'survei-reaksi' AND recipient_nip = '{other}'"
        ))
        .await
        .unwrap();
    assert_eq!(none, 0);

    let me = app.token(passed).await;
    let survey = format!("/api/v1/cohorts/{code}/reaction");
    let (status, mine) = app.get(&me, &survey).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["may_answer"], true);
    assert_eq!(mine["cohort"]["program"], program.as_str());
    assert_eq!(
        mine["questions"],
        json!(["relevan", "materi", "fasilitator", "penyelenggaraan"])
    );
    assert!(mine["answer"].is_null());
    // Every question 1–5.
    let (status, e) = app
        .post(
            &me,
            &survey,
            &json!({"relevan": 5, "materi": 6, "fasilitator": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["materi", "penyelenggaraan"]);
    let answer = json!({"relevan": 5, "materi": 4, "fasilitator": 4, "penyelenggaraan": 3,
                        "comment": "Studi kasus perizinan sangat membantu."});
    let (status, r) = app.post(&me, &survey, &answer).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (status, _) = app.post(&me, &survey, &answer).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same answer again changes nothing"
    );
    let mut changed = answer.clone();
    changed["penyelenggaraan"] = json!(1);
    let (status, e) = app.post(&me, &survey, &changed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    // Who did not pass may not answer; who is not in the cohort may not even look.
    let absent = app.token(other).await;
    let (_, theirs) = app.get(&absent, &survey).await;
    assert_eq!(theirs["may_answer"], false);
    assert_eq!(
        app.post(&absent, &survey, &answer).await.0,
        StatusCode::CONFLICT
    );
    let outsider = app.token(&demo.head_of("DINKES")).await;
    assert_eq!(app.get(&outsider, &survey).await.0, StatusCode::FORBIDDEN);
    // HR reads the summary: one answer, its ratings as the means, the comment without a name.
    let (status, summary) = app
        .get(&hr, &format!("/api/v1/cohorts/{code}/reactions"))
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["responses"], 1);
    assert_eq!(
        summary["averages"],
        json!({"fasilitator": 4.0, "materi": 4.0, "penyelenggaraan": 3.0, "relevan": 5.0})
    );
    assert_eq!(
        summary["comments"],
        json!(["Studi kasus perizinan sangat membantu."])
    );
    assert_eq!(
        app.get(&me, &format!("/api/v1/cohorts/{code}/reactions"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_programs_evidence_sets_participants_against_colleagues_in_the_same_positions() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let (code, program, people) = adopted_cohort(&app, &hr).await;
    let position = |nip: &str| {
        demo.data
            .employees
            .iter()
            .find(|e| e.nip.as_str() == nip)
            .and_then(|e| e.position.clone())
    };
    // A participant with a colleague in the same position outside the cohort's passes.
    let (p1, peer) = people
        .iter()
        .find_map(|p| {
            let pos = position(p)?;
            demo.data
                .employees
                .iter()
                .find(|e| e.nip.as_str() != p && e.position.as_ref() == Some(&pos))
                .filter(|e| !people.contains(&e.nip.to_string()))
                .map(|e| (p.clone(), e.nip.to_string()))
        })
        .expect("a participant with a colleague in the same position");
    let p2 = people.iter().find(|p| **p != p1).unwrap().clone();
    let competency = demo
        .data
        .programs
        .iter()
        .find(|p| p.code.as_str() == program)
        .unwrap()
        .develops[0]
        .competency
        .to_string();
    let today = Utc::now().date_naive();
    let passed_on = today - Duration::days(40);
    let (before, after) = (
        passed_on - Duration::days(20),
        passed_on + Duration::days(20),
    );
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/cohorts/{code}/results"),
            &json!([
                {"nip": p1, "status": "lulus", "completed_on": passed_on.to_string()},
                {"nip": p2, "status": "lulus", "completed_on": passed_on.to_string()}
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // Measured levels: p1 1 → 3, p2 2 → 3; the colleague 2 → 2. The levels the program itself
    // credits on the day of the pass are not measurements and do not count.
    for (nip, from, to) in [(&p1, 1, 3), (&p2, 2, 3), (&peer, 2, 2)] {
        let (status, r) = app
            .put(
                &hr,
                &format!("/api/v1/employees/{nip}/competencies"),
                &json!([
                    {"competency": competency, "level": from, "source": "uji_kompetensi", "assessed_on": before.to_string()},
                    {"competency": competency, "level": to, "source": "uji_kompetensi", "assessed_on": after.to_string()}
                ]),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
    }
    let (status, effect) = app
        .get(&hr, &format!("/api/v1/programs/{program}/effect"))
        .await;
    assert_eq!(status, StatusCode::OK, "{effect}");
    assert_eq!(effect["passed"], 2);
    let row = effect["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["competency"] == competency.as_str())
        .unwrap()
        .clone();
    // Participants: (2 + 1) / 2; the colleague measured across the one completion day, which
    // two participants share: two pairs of change 0.
    assert_eq!(row["participants"], 2, "{row}");
    assert_eq!(row["participants_change"], 1.5, "{row}");
    assert_eq!(row["comparison"], 2, "{row}");
    assert_eq!(row["comparison_change"], 0.0, "{row}");
    assert_eq!(row["difference"], 1.5, "{row}");
    // Unknown programs are named; staff do not read the evidence.
    let (status, e) = app.get(&hr, "/api/v1/programs/NOPE/effect").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let staff = app.token(&p1).await;
    assert_eq!(
        app.get(&staff, &format!("/api/v1/programs/{program}/effect"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_budget_downloads_add_up() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (code, program, _) = adopted_cohort(&app, &hr).await;
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let change = json!({"provider": cohort["provider"], "capacity": cohort["capacity"],
                        "actual_cost_idr": 12_345_000});
    let (status, r) = app
        .put(&hr, &format!("/api/v1/cohorts/{code}"), &change)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, budget) = app
        .get(
            &hr,
            &format!("/api/v1/training-budget?year=2026&unit={UNIT}"),
        )
        .await;
    let (status, csv, _) = bytes(
        &app,
        &hr,
        &format!("/api/v1/training-budget?year=2026&unit={UNIT}&format=csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(csv).unwrap();
    let total = text
        .lines()
        .find(|l| l.starts_with("total,"))
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(total[2], budget["planned_idr"].to_string());
    assert_eq!(total[3], "12345000");
    let sum_programs: i64 = text
        .lines()
        .filter(|l| l.starts_with("program,"))
        .map(|l| l.split(',').nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum_programs.to_string(), total[2]);
    let program_line = text
        .lines()
        .find(|l| l.starts_with(&format!("program,{program},")))
        .unwrap();
    assert!(program_line.contains(",12345000,"), "{program_line}");
    let (status, xlsx, mime) = bytes(
        &app,
        &hr,
        "/api/v1/training-budget?year=2026&unit=DPMPTSP&format=xlsx",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(mime.contains("spreadsheetml") && xlsx.starts_with(b"PK"));
}

#[tokio::test]
async fn those_enrolled_count_toward_org_needs_until_withdrawn() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let demo = Demo::new();
    let (status, saved) = app
        .post(
            &hr,
            "/api/v1/training-plans?save=true",
            &json!({"year": 2026, "budget_idr": 400_000_000, "unit": UNIT}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let program = saved["plan"]["cohorts"][0]["program"].as_str().unwrap();
    let develops = &demo
        .data
        .programs
        .iter()
        .find(|p| p.code.as_str() == program)
        .unwrap()
        .develops[0];
    let (status, need) = app
        .post(
            &hr,
            "/api/v1/org-needs",
            &json!({"unit": UNIT, "competency": develops.competency.as_str(),
                    "level": develops.to_level, "target_share": 0.9, "due": "2026-12-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{need}");
    let progress = format!("/api/v1/org-needs/{}/progress", need["id"]);
    let planned = |p: &Value| p["planned"].as_u64().unwrap();
    let (_, before) = app.get(&hr, &progress).await;
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/training-plans/{}/adopt", saved["id"]),
            // The new need reorders who the plan computed now would take.
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, adopted) = app.get(&hr, &progress).await;
    assert!(
        planned(&adopted) > planned(&before),
        "enrolled in {program}: {before} → {adopted}"
    );
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/training-plans/{}/withdraw", saved["id"]),
            &json!({"reason": "anggaran dialihkan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, withdrawn) = app.get(&hr, &progress).await;
    assert_eq!(planned(&withdrawn), planned(&before), "{withdrawn}");
}

#[tokio::test]
async fn participants_change_and_reactions_are_given_on_the_pages() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (code, program, people) = adopted_cohort(&app, &hr).await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let csrf = b.csrf();
    let page = b.get(&format!("/angkatan/{code}")).await;
    assert!(
        page.html
            .contains(&format!("/api/v1/cohorts/{code}/participants?format=xlsx")),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("Belum ada peserta yang mengisi survei reaksi")
    );
    // Leaving someone out needs a reason, said beside the form.
    let kept: Vec<&str> = people[1..].iter().map(String::as_str).collect();
    let list = kept.join("\n");
    let path = format!("/angkatan/{code}/peserta");
    let refused = b
        .post(
            &path,
            &[("csrf", csrf.as_str()), ("participants", list.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("wajib diisi"), "{}", refused.html);
    let saved = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("participants", list.as_str()),
                ("reason", "mutasi ke instansi lain"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, cohort) = app.get(&hr, &format!("/api/v1/cohorts/{code}")).await;
    let left = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["nip"] == people[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(left["status"], "withdrawn", "{left}");
    assert_eq!(left["reason"], "mutasi ke instansi lain");

    // A pass; the participant finds the survey in their plan page and answers it there.
    let passed = &people[1];
    let (status, r) = app
        .post(
            &hr,
            &format!("/api/v1/cohorts/{code}/results"),
            &json!([{"nip": passed, "status": "lulus", "completed_on": Utc::now().date_naive().to_string()}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let mut p = Browser::new(&app);
    p.sign_in(passed, DEMO_PASSWORD).await;
    let pcsrf = p.csrf();
    let mine = p.get("/rencana-saya").await;
    assert!(
        mine.html
            .contains(&format!("href=\"/angkatan/{code}/reaksi\"")),
        "{}",
        mine.html
    );
    let survey = p.get(&format!("/angkatan/{code}/reaksi")).await;
    assert_eq!(survey.status, StatusCode::OK);
    assert!(
        survey
            .html
            .contains("Pelatihan relevan dengan pekerjaan saya"),
        "{}",
        survey.html
    );
    let half = p
        .post(
            &format!("/angkatan/{code}/reaksi"),
            &[("csrf", pcsrf.as_str()), ("relevan", "5")],
        )
        .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = p
        .post(
            &format!("/angkatan/{code}/reaksi"),
            &[
                ("csrf", pcsrf.as_str()),
                ("relevan", "5"),
                ("materi", "4"),
                ("fasilitator", "3"),
                ("penyelenggaraan", "4"),
                ("comment", "Jadwal terlalu padat."),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let thanks = p.get(sent.location.as_deref().unwrap()).await;
    assert!(thanks.html.contains("sudah tercatat"), "{}", thanks.html);
    let mine = p.get("/rencana-saya").await;
    assert!(
        !mine
            .html
            .contains(&format!("href=\"/angkatan/{code}/reaksi\""))
    );
    // HR reads it on the cohort and on the program page.
    let page = b.get(&format!("/angkatan/{code}")).await;
    assert!(page.html.contains("Jadwal terlalu padat."), "{}", page.html);
    let program_page = b.get(&format!("/program/{program}")).await;
    assert_eq!(program_page.status, StatusCode::OK);
    assert!(
        program_page.html.contains("Dampak program") && program_page.html.contains(&code),
        "{}",
        program_page.html
    );
    assert_eq!(b.get("/program/NOPE").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_has_a_years_training_under_way() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (_, plans) = app.get(&hr, "/api/v1/training-plans?year=2026").await;
    let adopted: Vec<&Value> = plans
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "adopted")
        .collect();
    assert_eq!(adopted.len(), 1, "{plans}");
    assert_eq!(adopted[0]["unit"], "DISDIK");
    // Partly spent: the cohorts held so far have their actual cost.
    let (_, budget) = app
        .get(&hr, "/api/v1/training-budget?year=2026&unit=DISDIK")
        .await;
    let (planned, actual) = (
        budget["planned_idr"].as_i64().unwrap(),
        budget["actual_idr"].as_i64().unwrap(),
    );
    assert_eq!(actual, 46_750_000 + 78_900_000 + 41_000_000, "{budget}");
    assert!(planned > actual, "{budget}");
    // Results of the first cohorts; the absent and failed at the end of the list.
    let (_, cohort) = app.get(&hr, "/api/v1/cohorts/2026-PLT-KURIKULUM-01").await;
    let people = cohort["participants"].as_array().unwrap();
    let count = |s: &str| people.iter().filter(|p| p["status"] == s).count();
    assert_eq!(count("tidak_hadir"), 1, "{cohort}");
    assert_eq!(count("lulus"), people.len() - 1);
    assert_eq!(cohort["place"], "BBPMP Kalimantan Timur, Samarinda");
    let (_, reactions) = app
        .get(&hr, "/api/v1/cohorts/2026-PLT-KURIKULUM-01/reactions")
        .await;
    assert_eq!(reactions["responses"], 6, "{reactions}");
    // The evidence: measured after the training, participants moved more than colleagues.
    let (_, effect) = app.get(&hr, "/api/v1/programs/PLT-KURIKULUM/effect").await;
    let row = &effect["competencies"][0];
    let (p, c) = (
        row["participants_change"]
            .as_f64()
            .expect("measured participants"),
        row["comparison_change"]
            .as_f64()
            .expect("measured colleagues"),
    );
    assert!(p > c, "{effect}");
    // Seeding again changes nothing.
    let report = jenjang::seed::load_demo(&app.store).await.unwrap();
    assert!(!report.changed(), "{report:?}");
}
