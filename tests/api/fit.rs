//! Position fit and succession for a small organisation built here, every JPM, rank and
//! readiness computed by hand: the position KABID-UJI (administrator, minimum III/d) requires
//! M.1 at 4 and M.2 at 3 (7 in all).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const POSITION: &str = "KABID-UJI";
// A: a section head, III/d, M.1 4, M.2 3 → 7/7 = 100.0.
const A: &str = "198001012005011001";
// B: a section head, III/c, M.1 3, M.2 3 → 6/7 = 85.7.
const B: &str = "198102022006021002";
// C: staff, III/d, M.1 2, M.2 1 → 3/7 = 42.9.
const C: &str = "198203032007031003";
// D: staff, no rank, never assessed → 0.0.
const D: &str = "198304042008041004";

async fn small_organisation(app: &TestApp, hr: &str) {
    let ok = |s: StatusCode, b: &Value| assert!(s.is_success(), "{s} {b}");
    let (s, b) = app
        .post(
            hr,
            "/api/v1/units",
            &json!({"code": "UJI", "name": "Bagian Uji", "parent": "PEMKAB-BLG"}),
        )
        .await;
    ok(s, &b);
    let (s, b) = app
        .post(
            hr,
            "/api/v1/positions",
            &json!({"code": POSITION, "name": "Kepala Bidang Uji", "kind": "administrator", "unit": "UJI",
                    "min_golongan": "III/d",
                    "requirements": [{"competency": "M.1", "level": 4}, {"competency": "M.2", "level": 3}]}),
        )
        .await;
    ok(s, &b);
    for (nip, name, position, golongan, potential) in [
        (A, "Aulia Rahman", "KASI-SETDA", Some("III/d"), "tinggi"),
        (B, "Bayu Pratama", "KASI-SETDA", Some("iii/c"), "tinggi"),
        (
            C,
            "Citra Lestari",
            "PENGADM-UMUM",
            Some("III/d"),
            "menengah",
        ),
        (D, "Dedi Kurnia", "PENGADM-UMUM", None, "rendah"),
    ] {
        let mut e = json!({"nip": nip, "name": name, "unit": "UJI", "position": position,
                           "potential": potential});
        if let Some(g) = golongan {
            e["golongan"] = json!(g);
        }
        let (s, b) = app.post(hr, "/api/v1/employees", &e).await;
        ok(s, &b);
    }
    for (nip, m1, m2) in [(A, 4, 3), (B, 3, 3), (C, 2, 1)] {
        let (s, b) = app
            .put(
                hr,
                &format!("/api/v1/employees/{nip}/competencies"),
                &json!([
                    {"competency": "M.1", "level": m1, "source": "assessment_center", "assessed_on": "2026-02-10"},
                    {"competency": "M.2", "level": m2, "source": "assessment_center", "assessed_on": "2026-02-10"}
                ]),
            )
            .await;
        ok(s, &b);
    }
    // This year's ratings: A above expectations (box 9 with high potential), B as expected
    // (box 8), C as expected with middle potential (box 5: not in a pool).
    let csv = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n{A},2026,di_atas_ekspektasi,di_atas_ekspektasi\n\
         {B},2026,sesuai_ekspektasi,sesuai_ekspektasi\n{C},2026,sesuai_ekspektasi,sesuai_ekspektasi\n"
    );
    let r = app
        .client
        .post(app.url("/api/v1/imports/evaluations"))
        .bearer_auth(hr)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    ok(s, &b);
    assert_eq!(b["accepted"], 3, "{b}");
}

#[tokio::test]
async fn candidates_are_ranked_by_jpm_with_every_reason_said() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    small_organisation(&app, &hr).await;
    let (status, out) = app
        .get(
            &hr,
            &format!("/api/v1/positions/{POSITION}/candidates?unit=UJI"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["considered"], 4);
    assert_eq!(out["min_golongan"], "III/d");
    let items = out["items"].as_array().unwrap();
    let row = |i: usize| {
        (
            items[i]["nip"].as_str().unwrap(),
            items[i]["jpm"].as_f64().unwrap(),
            items[i]["category"].as_str().unwrap(),
        )
    };
    assert_eq!(row(0), (A, 100.0, "optimal"));
    assert_eq!(row(1), (B, 85.7, "cukup_optimal"));
    assert_eq!(row(2), (C, 42.9, "kurang_optimal"));
    assert_eq!(row(3), (D, 0.0, "kurang_optimal"));
    assert_eq!(items[0]["eligible"], true);
    assert_eq!(items[0]["talent_box"], 9);
    assert_eq!(items[0]["predikat"], "sangat_baik");
    assert_eq!(items[0]["gaps"], json!([]));
    assert_eq!(items[1]["golongan"], "III/c");
    assert_eq!(items[1]["ineligible"], json!(["golongan_below_minimum"]));
    assert_eq!(items[1]["talent_box"], 8);
    assert_eq!(
        items[1]["gaps"],
        json!([{"competency": "M.1", "required": 4, "current": 3}])
    );
    assert_eq!(items[2]["ineligible"], json!(["position_kind_not_below"]));
    assert_eq!(
        items[3]["ineligible"],
        json!(["golongan_unknown", "position_kind_not_below"])
    );
    assert!(items[3]["talent_box"].is_null());
    // limit keeps the best.
    let (_, two) = app
        .get(
            &hr,
            &format!("/api/v1/positions/{POSITION}/candidates?unit=UJI&limit=2"),
        )
        .await;
    let nips: Vec<&str> = two["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["nip"].as_str().unwrap())
        .collect();
    assert_eq!(nips, [A, B]);
    // One employee's fit, with the programs toward the position.
    let (status, fit) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{B}/fit?position={POSITION}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fit}");
    assert_eq!(fit["jpm"], 85.7);
    assert_eq!(fit["gaps"], items[1]["gaps"]);
    assert_eq!(fit["programs"], items[1]["programs"]);
    // The selection committee's spreadsheet.
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/positions/{POSITION}/candidates?unit=UJI&format=xlsx"
        )))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn bad_requests_are_named_and_other_units_stay_closed() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    small_organisation(&app, &hr).await;
    let (status, _) = app.get(&hr, "/api/v1/positions/NOPE/candidates").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A position that requires nothing has no JPM: said, not 0 or 100.
    let (s, b) = app
        .post(
            &hr,
            "/api/v1/positions",
            &json!({"code": "TANPA-SKJ", "name": "Tanpa standar", "kind": "pelaksana"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (status, e) = app.get(&hr, "/api/v1/positions/TANPA-SKJ/candidates").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["code"], "jpm_undefined", "{e}");
    // A rank outside the ranks is refused by field, on the API and in an import.
    let (status, e) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": "198505052009051005", "name": "Eka", "unit": "UJI", "golongan": "III/e"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), ["golongan"]);
    let r = app
        .client
        .post(app.url("/api/v1/imports/employees?dry_run=true"))
        .bearer_auth(&hr)
        .header("content-type", "text/csv")
        .body("nip,nama,jabatan,unit,atasan_nip,potensial,golongan\n198505052009051005,Eka,,UJI,,,V/a\n")
        .send()
        .await
        .unwrap();
    let (_, report) = read(r).await;
    assert_eq!(report["rejected"][0]["column"], "golongan", "{report}");
    // A unit head sees candidates of their subtree only.
    let demo = Demo::new();
    let head = app.token(&demo.head_of("DINKES")).await;
    let (status, _) = app
        .get(
            &head,
            &format!("/api/v1/positions/{POSITION}/candidates?unit=UJI"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, theirs) = app
        .get(&head, &format!("/api/v1/positions/{POSITION}/candidates"))
        .await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["unit"].as_str().unwrap().starts_with("DINKES")),
        "{theirs}"
    );
    let staff = app.token(&demo.staff_in("DLH-PSL-1")).await;
    assert_eq!(
        app.get(&staff, &format!("/api/v1/positions/{POSITION}/candidates"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_critical_positions_pool_says_who_is_ready() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    small_organisation(&app, &hr).await;
    let (status, b) = app
        .put(
            &hr,
            &format!("/api/v1/positions/{POSITION}/succession"),
            &json!({"critical": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["changed"], true);
    let (_, again) = app
        .put(
            &hr,
            &format!("/api/v1/positions/{POSITION}/succession"),
            &json!({"critical": true}),
        )
        .await;
    assert_eq!(again["changed"], false);
    let (status, pools) = app.get(&hr, "/api/v1/succession?unit=UJI").await;
    assert_eq!(status, StatusCode::OK, "{pools}");
    let pool = pools
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["position"] == POSITION)
        .unwrap_or_else(|| panic!("{pools}"))
        .clone();
    // The pool is boxes 7–9: A (box 9) and B (box 8); C (box 5) and D (unrated) are not in it.
    let successors = pool["successors"].as_array().unwrap();
    let nips: Vec<&str> = successors
        .iter()
        .map(|s| s["nip"].as_str().unwrap())
        .collect();
    assert_eq!(nips, [A, B]);
    assert_eq!(successors[0]["readiness"], "siap_sekarang");
    // B is ready in one to two years when the programs toward the position close every gap
    // within a year's JP (setting succession_jp_per_year, 120 unless set).
    let (_, fit) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{B}/fit?position={POSITION}"),
        )
        .await;
    let jp: u64 = fit["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["jp"].as_u64().unwrap())
        .sum();
    let closable = fit["uncovered"].as_array().unwrap().is_empty() && jp <= 120;
    assert_eq!(
        successors[1]["readiness"],
        if closable {
            "siap_1_2_tahun"
        } else {
            "perlu_pengembangan"
        },
        "{fit}"
    );
    let ready = 1 + u64::from(closable);
    assert_eq!(pool["ready"], ready);
    assert_eq!(pool["at_risk"], ready < 2);
    // Only hr and admin mark positions critical.
    let demo = Demo::new();
    let head = app.token(&demo.head_of("DINKES")).await;
    assert_eq!(
        app.put(
            &head,
            &format!("/api/v1/positions/{POSITION}/succession"),
            &json!({"critical": false})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_demo_has_critical_positions_with_believable_pools() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, pools) = app.get(&hr, "/api/v1/succession").await;
    assert_eq!(status, StatusCode::OK, "{pools}");
    let pools = pools.as_array().unwrap();
    assert_eq!(pools.len(), 6);
    assert!(pools.iter().any(|p| p["at_risk"] == true), "one at risk");
    assert!(pools.iter().any(|p| p["at_risk"] == false), "one safe");
    // At risk first.
    let first_safe = pools.iter().position(|p| p["at_risk"] == false).unwrap();
    assert!(pools[first_safe..].iter().all(|p| p["at_risk"] == false));
    // Ranks are there: the eligibility of the best candidates for a head of agency is said
    // from them, not unknown.
    let (_, c) = app
        .get(&hr, "/api/v1/positions/KADIS-DPMPTSP/candidates?limit=5")
        .await;
    assert!(
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["ineligible"].to_string().contains("golongan_unknown")),
        "{c}"
    );
}

#[tokio::test]
async fn the_board_and_the_position_page_show_each_their_scope() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let board = b.get("/suksesi").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.html.contains("Berisiko"), "{}", board.html);
    assert!(board.html.contains("href=\"/jabatan/SEKDA\""));
    let talent = b.get("/talenta").await;
    assert!(talent.html.contains("href=\"/suksesi\""));
    let page = b.get("/jabatan/KADIS-DPMPTSP").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Kandidat menurut kesesuaian"),
        "{}",
        page.html
    );
    assert!(page.html.contains("JPM"));
    assert_eq!(b.get("/jabatan/NOPE").await.status, StatusCode::NOT_FOUND);
    // HR marks a position critical from its page (reached from the reference data).
    let list = b.get("/data-induk?jenis=jabatan").await;
    assert!(
        list.html.contains("href=\"/jabatan/KASI-DLH\""),
        "{}",
        list.html
    );
    let page = b.get("/jabatan/KASI-DLH").await;
    assert!(
        page.html.contains("Tandai sebagai jabatan kritis"),
        "{}",
        page.html
    );
    let csrf = b.csrf();
    let marked = b
        .post(
            "/jabatan/KASI-DLH/kritis",
            &[("csrf", csrf.as_str()), ("critical", "1")],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.html);
    assert!(
        b.get("/suksesi")
            .await
            .html
            .contains("href=\"/jabatan/KASI-DLH\"")
    );
    // A unit head reads the pools of the positions of their units only.
    let demo = Demo::new();
    let mut head = Browser::new(&app);
    head.sign_in(&demo.head_of("DINKES"), DEMO_PASSWORD).await;
    let theirs = head.get("/suksesi").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(
        theirs.html.contains("href=\"/jabatan/KADIS-DINKES\""),
        "{}",
        theirs.html
    );
    assert!(!theirs.html.contains("href=\"/jabatan/SEKDA\""));
    let hcsrf = head.csrf();
    let refused = head
        .post(
            "/jabatan/KASI-DLH/kritis",
            &[("csrf", hcsrf.as_str()), ("critical", "0")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut staff = Browser::new(&app);
    staff
        .sign_in(&demo.staff_in("DLH-PSL-1"), DEMO_PASSWORD)
        .await;
    assert_eq!(staff.get("/suksesi").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_quarter_hr_is_asked_to_develop_the_successors_of_positions_at_risk() {
    use chrono::TimeZone;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    app.run_engine().await;
    let year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
    // 10 January, 09:00 in Bulungan.
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(year + 1, 1, 10, 1, 0, 0)
            .unwrap(),
    );
    let (_, pools) = app.get(&hr, "/api/v1/succession").await;
    let mut expected: Vec<(String, String)> = Vec::new();
    for p in pools
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["at_risk"] == true)
    {
        for s in p["successors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["readiness"] != "siap_sekarang")
            .take(3)
        {
            expected.push((
                p["name"].as_str().unwrap().to_string(),
                s["nip"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert!(!expected.is_empty(), "{pools}");
    app.run_engine().await;
    app.run_engine().await;
    let (_, tasks) = app
        .get(&hr, "/api/v1/tasks?kind=nomination&status=open&limit=200")
        .await;
    let tasks: Vec<Value> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["title"].as_str().unwrap_or("").starts_with("Suksesi "))
        .cloned()
        .collect();
    let mut got: Vec<(String, String)> = tasks
        .iter()
        .map(|t| {
            let title = t["title"].as_str().unwrap();
            let name = title
                .trim_start_matches("Suksesi ")
                .split(": usulkan")
                .next()
                .unwrap()
                .to_string();
            (name, t["subject_nip"].as_str().unwrap().to_string())
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "one task per successor, the engine run twice"
    );
    // HR proposes one: the programs toward the position go into the successor's draft plan.
    let task = &tasks[0];
    let nip = task["subject_nip"].as_str().unwrap();
    let (_, pool) = app.get(&hr, "/api/v1/succession").await;
    let position = pool
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            task["title"]
                .as_str()
                .unwrap()
                .contains(p["name"].as_str().unwrap())
        })
        .unwrap()["position"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, fit) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{nip}/fit?position={position}"),
        )
        .await;
    let (status, done) = app
        .post(
            &hr,
            &format!("/api/v1/tasks/{}/complete", task["id"]),
            &json!({"outcome": "usulkan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    app.run_engine().await;
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{nip}/development-plan?year={}", year + 1),
        )
        .await;
    let planned: Vec<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["program"].as_str().unwrap())
        .collect();
    assert!(!fit["programs"].as_array().unwrap().is_empty(), "{fit}");
    for p in fit["programs"].as_array().unwrap() {
        assert!(
            planned.contains(&p["program"].as_str().unwrap()),
            "{} in {planned:?}",
            p["program"]
        );
    }
}
