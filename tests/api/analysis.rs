//! Gaps, recommendations, the needs analysis, training plans and organisational needs over HTTP.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The demo employee's current levels and position requirements, from the seed files.
fn expected_gaps(demo: &Demo, nip: &str) -> Vec<(String, u8, u8)> {
    let e = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == nip)
        .unwrap();
    let position = demo.position_of(e).unwrap();
    let mut latest: HashMap<String, (chrono::NaiveDate, u8)> = HashMap::new();
    for (n, r) in &demo.assessments {
        if n.as_str() == nip {
            let entry = latest
                .entry(r.competency.to_string())
                .or_insert((r.assessed_on, r.level.get()));
            if r.assessed_on >= entry.0 {
                *entry = (r.assessed_on, r.level.get());
            }
        }
    }
    let mut out: Vec<(String, u8, u8)> = position
        .requirements
        .iter()
        .filter_map(|r| {
            let current = latest.get(r.competency.as_str()).map_or(0, |l| l.1);
            (r.level.get() > current).then(|| (r.competency.to_string(), r.level.get(), current))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn gaps_are_the_position_standard_minus_the_latest_levels() {
    let app = spawn_app().await;
    let demo = Demo::new();
    // A section no demo organisational need covers.
    let nip = demo.staff_in("DLH-PSL-1");
    let token = app.token(&nip).await;
    let (status, body) = app
        .get(&token, &format!("/api/v1/employees/{nip}/gaps"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let got: Vec<(String, u8, u8)> = body["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(
                g["gap"],
                g["required"].as_u64().unwrap() - g["current"].as_u64().unwrap()
            );
            assert_eq!(g["sources"], json!(["position"]));
            (
                g["competency"].as_str().unwrap().to_string(),
                g["required"].as_u64().unwrap() as u8,
                g["current"].as_u64().unwrap() as u8,
            )
        })
        .collect();
    assert_eq!(got, expected_gaps(&demo, &nip));
    assert!(!got.is_empty(), "the demo employee has gaps");
}

#[tokio::test]
async fn a_target_position_and_an_org_need_add_their_sources() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let nip = demo.staff_in("DPMPTSP-YAN-1");
    let (status, need) = app
        .post(&hr, "/api/v1/org-needs", &json!({"unit": "DPMPTSP", "competency": "TK.PENGADUAN", "level": 4, "target_share": 0.8, "due": "2027-12-31", "priority": 5}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{need}");
    let id = need["id"].as_i64().unwrap();
    let (_, body) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{nip}/gaps?target_position=KASI-DPMPTSP"),
        )
        .await;
    let pengaduan = body["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["competency"] == "TK.PENGADUAN")
        .unwrap();
    assert_eq!(pengaduan["required"], 4);
    let sources: Vec<&str> = pengaduan["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&format!("org_need:{id}").as_str()),
        "{sources:?}"
    );
    // The section head's standard asks more of the managerial competencies than a staff post.
    let targeted = body["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["sources"]
                .as_array()
                .unwrap()
                .contains(&json!("target_position:KASI-DPMPTSP"))
        })
        .count();
    assert!(targeted > 0, "{body}");
    // An unknown target position is a 422, an unknown employee a 404.
    let (status, body) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{nip}/gaps?target_position=NOPE"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["target_position"]);
    assert_eq!(
        app.get(&hr, "/api/v1/employees/198503122010011002/gaps")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_employee_without_a_position_gets_gaps_from_org_needs_only() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let nip = "199501012020121001";
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": nip, "name": "Fajar Irau", "unit": "DLH-PSL-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, body) = app.get(&hr, &format!("/api/v1/employees/{nip}/gaps")).await;
    assert_eq!(body["gaps"], json!([]));
    assert!(body["note"].as_str().unwrap().contains("no position"));
    app.post(&hr, "/api/v1/org-needs", &json!({"unit": "DLH", "competency": "TK.SAMPAH", "level": 2, "target_share": 1.0, "due": "2027-06-30"})).await;
    let (_, body) = app.get(&hr, &format!("/api/v1/employees/{nip}/gaps")).await;
    assert_eq!(body["gaps"].as_array().unwrap().len(), 1);
    assert_eq!(body["gaps"][0]["competency"], "TK.SAMPAH");
    let (status, rec) = app
        .get(&hr, &format!("/api/v1/employees/{nip}/recommendations"))
        .await;
    assert_eq!(status, StatusCode::OK);
    // BIMTEK-SAMPAH requires TK.AMDAL 2, so the AMDAL program comes first, as a prerequisite.
    let programs: Vec<&str> = rec["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["program"].as_str().unwrap())
        .collect();
    assert_eq!(programs, ["PLT-AMDAL", "BIMTEK-SAMPAH"]);
    let reason = |i: usize| rec["programs"][i]["reason"].as_str().unwrap().to_string();
    assert!(reason(0).starts_with("prerequisite"), "{rec}");
    assert!(reason(1).contains("org_need:"), "{rec}");
}

#[tokio::test]
async fn every_recommended_program_comes_after_what_it_requires() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (_, programs) = app.get(&hr, "/api/v1/programs?limit=1000").await;
    let requires: HashMap<String, Vec<(String, u64)>> = programs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let reqs = p["requires"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["competency"].as_str().unwrap().to_string(),
                        r["level"].as_u64().unwrap(),
                    )
                })
                .collect();
            (p["code"].as_str().unwrap().to_string(), reqs)
        })
        .collect();
    let mut checked = 0;
    for e in demo.data.employees.iter().step_by(15) {
        let nip = e.nip.to_string();
        let (_, profile) = app
            .get(&hr, &format!("/api/v1/employees/{nip}/competencies"))
            .await;
        let mut levels: HashMap<String, u64> = profile["current"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["competency"].as_str().unwrap().to_string(),
                    r["level"].as_u64().unwrap(),
                )
            })
            .collect();
        let (status, rec) = app
            .get(&hr, &format!("/api/v1/employees/{nip}/recommendations"))
            .await;
        assert_eq!(status, StatusCode::OK);
        for (i, p) in rec["programs"].as_array().unwrap().iter().enumerate() {
            assert_eq!(p["order"], i as u64 + 1);
            for (c, l) in &requires[p["program"].as_str().unwrap()] {
                assert!(
                    levels.get(c).copied().unwrap_or(0) >= *l,
                    "{nip}: {} before {c} {l}",
                    p["program"]
                );
            }
            for raise in p["closes"].as_array().unwrap() {
                let c = raise["competency"].as_str().unwrap().to_string();
                let to = raise["to"].as_u64().unwrap();
                let e = levels.entry(c).or_insert(0);
                *e = (*e).max(to);
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "the demo gives recommendations to check");
}

#[tokio::test]
async fn analyses_follow_the_role_table() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let colleague = demo.staff_in("DINKES-P2P-1");
    let staff_token = app.token(&staff).await;
    assert_eq!(
        app.get(
            &staff_token,
            &format!("/api/v1/employees/{staff}/recommendations")
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&staff_token, &format!("/api/v1/employees/{colleague}/gaps"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(
            &staff_token,
            &format!("/api/v1/employees/{colleague}/recommendations")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&staff_token, "/api/v1/units/DLH/needs-analysis")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let kadis = app.token(&demo.head_of("DINKES")).await;
    assert_eq!(
        app.get(&kadis, &format!("/api/v1/employees/{colleague}/gaps"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&kadis, "/api/v1/units/DINKES-P2P/needs-analysis")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&kadis, "/api/v1/units/DLH/needs-analysis").await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .post(
            &kadis,
            "/api/v1/training-plans",
            &json!({"year": 2027, "budget_idr": 10_000_000, "unit": "DLH"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.post(&kadis, "/api/v1/org-needs", &json!({"unit": "DINKES", "competency": "TK.GIZI", "level": 3, "target_share": 0.5, "due": "2027-12-31"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.post(&kadis, "/api/v1/org-needs", &json!({"unit": "DLH", "competency": "TK.GIZI", "level": 3, "target_share": 0.5, "due": "2027-12-31"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hr = app.token("hr").await;
    assert_eq!(
        app.get(&hr, "/api/v1/units/NOPE/needs-analysis").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_needs_analysis_adds_up_the_employees_gaps() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (status, analysis) = app.get(&hr, "/api/v1/units/DPUPR-BM/needs-analysis").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        analysis["employees"],
        demo.count_in_subtree("DPUPR-BM") as u64
    );
    // Sum the per-employee gaps and recommendations by hand.
    let (_, people) = app
        .get(&hr, "/api/v1/employees?unit=DPUPR-BM&limit=1000")
        .await;
    let mut with_gap: HashMap<String, u64> = HashMap::new();
    let mut total: HashMap<String, u64> = HashMap::new();
    let mut participants: HashMap<String, u64> = HashMap::new();
    for p in people["items"].as_array().unwrap() {
        let nip = p["nip"].as_str().unwrap();
        let (_, gaps) = app.get(&hr, &format!("/api/v1/employees/{nip}/gaps")).await;
        for g in gaps["gaps"].as_array().unwrap() {
            let c = g["competency"].as_str().unwrap().to_string();
            *with_gap.entry(c.clone()).or_default() += 1;
            *total.entry(c).or_default() += g["gap"].as_u64().unwrap();
        }
        let (_, rec) = app
            .get(&hr, &format!("/api/v1/employees/{nip}/recommendations"))
            .await;
        for r in rec["programs"].as_array().unwrap() {
            *participants
                .entry(r["program"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    for c in analysis["competencies"].as_array().unwrap() {
        let code = c["competency"].as_str().unwrap();
        assert_eq!(c["employees_with_gap"], with_gap[code], "{code}");
        assert_eq!(c["total_gap"], total[code], "{code}");
    }
    assert_eq!(
        analysis["competencies"].as_array().unwrap().len(),
        with_gap.len()
    );
    for p in analysis["programs"].as_array().unwrap() {
        let code = p["program"].as_str().unwrap();
        assert_eq!(p["participants"], participants[code], "{code}");
        assert_eq!(
            p["cost_idr"],
            p["cost_idr_per_participant"].as_i64().unwrap() * p["participants"].as_i64().unwrap()
        );
    }
}

#[tokio::test]
async fn the_needs_analysis_downloads_as_csv_and_xlsx() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let r = app
        .client
        .get(app.url("/api/v1/units/DLH/needs-analysis?format=csv"))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("akpk-DLH.csv")
    );
    let text = r.text().await.unwrap();
    assert!(text.starts_with("section,competency,name,employees_with_gap"));
    assert!(text.contains("\nprogram,"));
    let r = app
        .client
        .get(app.url("/api/v1/units/DLH/needs-analysis"))
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip file");
    let (status, body) = app
        .get(&hr, "/api/v1/units/DLH/needs-analysis?format=pdf")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["format"]);
}

#[tokio::test]
async fn a_training_plan_stays_within_budget_and_capacity() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, plan) = app
        .post(
            &hr,
            "/api/v1/training-plans",
            &json!({"year": 2027, "budget_idr": 60_000_000}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["unit"], "PEMKAB-BLG");
    let cost = plan["cost_idr"].as_i64().unwrap();
    assert!(cost <= 60_000_000 && cost > 0);
    assert!(plan["gap_closed"].as_u64().unwrap() <= plan["gap_total"].as_u64().unwrap());
    let (_, programs) = app.get(&hr, "/api/v1/programs?limit=1000").await;
    let capacity: HashMap<&str, Option<u64>> = programs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["capacity"].as_u64()))
        .collect();
    let mut sum = 0;
    for c in plan["cohorts"].as_array().unwrap() {
        let n = c["participants"].as_array().unwrap().len() as u64;
        if let Some(cap) = capacity[c["program"].as_str().unwrap()] {
            assert!(n <= cap, "{}", c["program"]);
        }
        for field in [
            "competencies",
            "participants",
            "form",
            "route",
            "provider",
            "schedule",
            "curriculum_fit",
            "cost_idr",
        ] {
            assert!(!c[field].is_null(), "{field}");
        }
        sum += c["cost_idr"].as_i64().unwrap();
    }
    assert_eq!(sum, cost);
    // A bigger budget closes at least as much.
    let (_, bigger) = app
        .post(
            &hr,
            "/api/v1/training-plans",
            &json!({"year": 2027, "budget_idr": 600_000_000}),
        )
        .await;
    assert!(bigger["gap_closed"].as_u64() >= plan["gap_closed"].as_u64());

    let (status, body) = app
        .post(
            &hr,
            "/api/v1/training-plans",
            &json!({"year": 1999, "budget_idr": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["year", "budget_idr"]);
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/training-plans",
            &json!({"year": 2027, "budget_idr": 1, "unit": "NOPE"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn org_need_progress_counts_who_meets_the_level() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (status, body) = app.post(&hr, "/api/v1/org-needs", &json!({"unit": "DPUPR", "competency": "TK.MPR", "level": 3, "target_share": 1.5, "due": "someday", "position_kind": "boss"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&body),
        ["target_share", "position_kind", "due"]
    );
    let (_, need) = app
        .post(&hr, "/api/v1/org-needs", &json!({"unit": "DPUPR", "competency": "TK.MPR", "level": 3, "target_share": 0.6, "due": "2099-12-31", "position_kind": "administrator"}))
        .await;
    let id = need["id"].as_i64().unwrap();
    // By hand: administrators of DPUPR and their TK.MPR level.
    let admins: Vec<String> = demo
        .data
        .employees
        .iter()
        .filter(|e| {
            e.position
                .as_ref()
                .is_some_and(|p| p.as_str() == "KABID-DPUPR")
        })
        .map(|e| e.nip.to_string())
        .collect();
    let meeting = admins
        .iter()
        .filter(|nip| {
            expected_gaps(&demo, nip)
                .iter()
                .all(|(c, _, _)| c != "TK.MPR")
                && demo.assessments.iter().any(|(n, r)| {
                    n.as_str() == nip.as_str()
                        && r.competency.as_str() == "TK.MPR"
                        && r.level.get() >= 3
                })
        })
        .count();
    let (status, p) = app
        .get(&hr, &format!("/api/v1/org-needs/{id}/progress"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["eligible"], admins.len() as u64);
    assert_eq!(p["meeting"], meeting as u64);
    assert_eq!(p["target_share"], 0.6);
    let share = meeting as f64 / admins.len() as f64;
    assert!((p["share"].as_f64().unwrap() - share).abs() < 1e-3);
    assert_eq!(p["on_track"], share >= 0.6);
    // An approved plan item that develops TK.MPR to 3 counts as planned.
    let short: Vec<&String> = admins
        .iter()
        .filter(|nip| {
            !demo.assessments.iter().any(|(n, r)| {
                n.as_str() == nip.as_str()
                    && r.competency.as_str() == "TK.MPR"
                    && r.level.get() >= 3
            })
        })
        .collect();
    if let Some(nip) = short.first() {
        let path = |what: &str| format!("/api/v1/employees/{nip}/development-plan{what}?year=2027");
        let (status, _) = app
            .post(
                &hr,
                &path("/items"),
                &json!({"program": "PLT-MPR", "due": "2027-06-30"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        app.post(&hr, &path("/submit"), &json!({})).await;
        assert_eq!(
            app.post(&hr, &path("/approve"), &json!({})).await.0,
            StatusCode::OK
        );
        let (_, p) = app
            .get(&hr, &format!("/api/v1/org-needs/{id}/progress"))
            .await;
        assert_eq!(p["planned"], 1);
        let projected = (meeting + 1) as f64 / admins.len() as f64;
        assert!((p["projected_share"].as_f64().unwrap() - projected).abs() < 1e-3);
    }
    let (_, list) = app.get(&hr, "/api/v1/org-needs").await;
    assert_eq!(list["total"], demo.data.org_needs.len() as u64 + 1);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == id)
    );
    assert_eq!(
        app.get(&hr, "/api/v1/org-needs/999999/progress").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_second_server_sees_a_write_made_through_the_first() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let other = app.second_server().await;
    let unit = "DPMPTSP-YAN-1";
    let needs = |base: String| {
        let (client, hr) = (app.client.clone(), hr.clone());
        async move {
            let r = client
                .get(format!("{base}/api/v1/units/{unit}/needs-analysis"))
                .bearer_auth(&hr)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    // Warm both caches.
    let before = needs(other.clone()).await;
    assert_eq!(needs(app.base.clone()).await, before);
    // Close one employee's gap through the first server.
    let gap = before["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["employees_with_gap"].as_u64().unwrap() > 0)
        .unwrap()
        .clone();
    let competency = gap["competency"].as_str().unwrap();
    let mut closed = None;
    for nip in demo
        .data
        .employees
        .iter()
        .filter(|e| e.unit.as_str() == unit)
        .map(|e| e.nip.to_string())
    {
        let (_, gaps) = app.get(&hr, &format!("/api/v1/employees/{nip}/gaps")).await;
        if gaps["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["competency"] == competency)
        {
            closed = Some(nip);
            break;
        }
    }
    let nip = closed.expect("someone in the unit has that gap");
    let (status, _) = app
        .put(
            &hr,
            &format!("/api/v1/employees/{nip}/competencies"),
            &json!([{"competency": competency, "level": 5, "source": "assessment", "assessed_on": "2026-11-20"}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The second server's cached answer is not served any more.
    let after = needs(other.clone()).await;
    let now = after["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["competency"] == competency)
        .map_or(0, |c| c["employees_with_gap"].as_u64().unwrap());
    assert_eq!(
        now,
        gap["employees_with_gap"].as_u64().unwrap() - 1,
        "{after}"
    );
    assert_eq!(needs(app.base.clone()).await, after);
}

#[tokio::test]
async fn the_demo_front_office_carries_the_public_service_need() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (_, list) = app.get(&hr, "/api/v1/org-needs").await;
    let needs = list["items"].as_array().unwrap();
    assert_eq!(needs.len(), demo.data.org_needs.len());
    let need = needs
        .iter()
        .find(|n| n["unit"] == "DPMPTSP-YAN-1" && n["competency"] == "M.5")
        .expect("the front-office public-service need");
    // Front-office officers (PETUGAS-FO, pelaksana) below level 3 in M.5 have the gap from the need.
    let front: Vec<&jenjang_core::reference::Employee> = demo
        .data
        .employees
        .iter()
        .filter(|e| {
            e.unit.as_str() == "DPMPTSP-YAN-1"
                && e.position
                    .as_ref()
                    .is_some_and(|p| p.as_str() == "PETUGAS-FO")
        })
        .collect();
    assert!(!front.is_empty());
    let source = format!("org_need:{}", need["id"]);
    let mut with_need = 0;
    for e in front {
        let nip = e.nip.as_str();
        let (_, gaps) = app.get(&hr, &format!("/api/v1/employees/{nip}/gaps")).await;
        let m5 = gaps["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["competency"] == "M.5")
            .cloned();
        let latest = demo
            .assessments
            .iter()
            .filter(|(n, r)| n.as_str() == nip && r.competency.as_str() == "M.5")
            .max_by_key(|(_, r)| r.assessed_on)
            .map_or(0, |(_, r)| r.level.get());
        if latest < 3 {
            let m5 = m5.unwrap_or_else(|| panic!("{nip} has an M.5 gap"));
            assert!(
                m5["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s == source.as_str()),
                "{m5}"
            );
            assert!(m5["required"].as_u64().unwrap() >= 3);
            with_need += 1;
        }
    }
    assert!(
        with_need > 0,
        "some front-office staff fall short of the need"
    );
}

/// A unit head follows an organisational need of a unit above them among their own staff: the
/// progress is counted over the part they lead (`scope`), by hand from the demo data; a unit head
/// who leads nothing within the need's unit may not see it.
#[tokio::test]
async fn a_unit_head_follows_a_need_over_the_part_they_lead() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (_, needs) = app.get(&hr, "/api/v1/org-needs").await;
    let need = needs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["unit"] == "DPUPR")
        .unwrap()
        .clone();
    let id = need["id"].as_i64().unwrap();
    // The head of Bina Marga, a part of DPUPR.
    let kabid = demo.head_of("DPUPR-BM");
    let token = app.token(&kabid).await;
    let (status, progress) = app
        .get(&token, &format!("/api/v1/org-needs/{id}/progress"))
        .await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    assert_eq!(progress["scope"], "DPUPR-BM");
    // Eligible: pengawas in the Bina Marga subtree.
    let mut subtree = vec!["DPUPR-BM".to_string()];
    let mut i = 0;
    while i < subtree.len() {
        let parent = subtree[i].clone();
        subtree.extend(
            demo.data
                .units
                .iter()
                .filter(|u| u.parent.as_ref().is_some_and(|p| p.as_str() == parent))
                .map(|u| u.code.to_string()),
        );
        i += 1;
    }
    let pengawas: Vec<&str> = demo
        .data
        .positions
        .iter()
        .filter(|p| p.kind.as_str() == "pengawas")
        .map(|p| p.code.as_str())
        .collect();
    let eligible = demo
        .data
        .employees
        .iter()
        .filter(|e| subtree.contains(&e.unit.to_string()))
        .filter(|e| {
            e.position
                .as_ref()
                .is_some_and(|p| pengawas.contains(&p.as_str()))
        })
        .count();
    assert!(eligible > 0);
    assert_eq!(progress["eligible"].as_u64().unwrap() as usize, eligible);
    // hr counts the whole need.
    let (_, whole) = app
        .get(&hr, &format!("/api/v1/org-needs/{id}/progress"))
        .await;
    assert_eq!(whole["scope"], "DPUPR");
    assert!(whole["eligible"].as_u64() >= progress["eligible"].as_u64());
    // The head of Dinas Kesehatan leads nothing within DPUPR.
    let kadis = app.token(&demo.head_of("DINKES")).await;
    assert_eq!(
        app.get(&kadis, &format!("/api/v1/org-needs/{id}/progress"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

/// A small deterministic generator (xorshift), so that a failing sequence can be replayed from
/// its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const RATINGS: [&str; 3] = [
    "di_bawah_ekspektasi",
    "sesuai_ekspektasi",
    "di_atas_ekspektasi",
];
const POTENTIALS: [&str; 3] = ["rendah", "menengah", "tinggi"];

/// The needs analyses a server answers for these units, by unit; then every organisational
/// need's progress and the talent grids of 2026.
async fn analyses(app: &TestApp, base: &str, token: &str, units: &[&str]) -> Vec<Value> {
    let get = |path: String| async move {
        let r = app
            .client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let (status, body) = read(r).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    };
    let mut out = Vec::new();
    for unit in units {
        out.push(get(format!("/api/v1/units/{unit}/needs-analysis")).await);
    }
    // And the progress of every organisational need.
    let needs = get("/api/v1/org-needs?limit=200".into()).await;
    for need in needs["items"].as_array().unwrap() {
        out.push(get(format!("/api/v1/org-needs/{}/progress", need["id"])).await);
    }
    // And the talent grids of 2026, of everyone and of each unit, with their lists and as
    // counts only (added up from the units' counts the index keeps).
    let grids = std::iter::once(String::new()).chain(units.iter().map(|u| format!("&unit={u}")));
    for unit in grids {
        let lists = get(format!("/api/v1/talent/grid?year=2026{unit}")).await;
        let counts = get(format!(
            "/api/v1/talent/grid?year=2026&employees=false{unit}"
        ))
        .await;
        for b in 0..9 {
            assert_eq!(
                counts["boxes"][b]["count"].as_u64().map(|n| n as usize),
                lists["boxes"][b]["employees"].as_array().map(Vec::len),
                "box {} of the grid{unit}",
                b + 1
            );
        }
        assert_eq!(
            counts["unrated_count"].as_u64().map(|n| n as usize),
            lists["unrated"].as_array().map(Vec::len),
            "unrated of the grid{unit}"
        );
        out.extend([lists, counts]);
    }
    out
}

/// The analyses are kept current by applying each change (the employees it touched, or
/// everything after a change to the reference data). After random sequences of writes — levels
/// recorded one by one and by import, employees moved to other units and positions, position
/// standards changed, organisational needs added, writes that touch none of it — the server
/// that applied them, a second server that caught up from the shared change feed, and a third
/// started afresh (computing everything from scratch) answer the same, for the needs analyses,
/// every organisational need's progress and the talent grids (evaluations recorded one by one
/// and by import, potentials changed alone).
#[tokio::test]
async fn incremental_analyses_equal_a_full_recompute_after_random_writes() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (hr, admin) = (app.token("hr").await, app.token("admin").await);
    let units: Vec<&str> = demo.data.units.iter().map(|u| u.code.as_str()).collect();
    let positions: Vec<&str> = demo
        .data
        .positions
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    let competencies: Vec<&str> = demo
        .data
        .competencies
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let nips: Vec<String> = demo
        .data
        .employees
        .iter()
        .map(|e| e.nip.to_string())
        .collect();
    // Checked: the root, every unit's analysis changes somewhere among these.
    let checked: Vec<&str> = units.iter().copied().step_by(3).collect();
    let other = app.second_server().await;
    // Both servers warm before the first write.
    let start = analyses(&app, &app.base, &hr, &checked).await;
    assert_eq!(analyses(&app, &other, &hr, &checked).await, start);

    for seed in 1..=3u64 {
        let mut random = Random(0x2545_F491_4F6C_DD1D ^ seed);
        // Every kind of write once per seed, in an order of the seed's.
        let mut order: Vec<usize> = (0..9).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, random.below(i + 1));
        }
        for (step, what) in order.into_iter().enumerate() {
            match what {
                // A level recorded for one employee.
                0 | 1 => {
                    let nip = random.pick(&nips);
                    let body = json!([{
                        "competency": random.pick(&competencies),
                        "level": 1 + random.below(5),
                        "source": format!("uji-{seed}-{step}"),
                        "assessed_on": format!("2026-10-{:02}", 1 + random.below(28)),
                    }]);
                    let (status, b) = app
                        .put(&hr, &format!("/api/v1/employees/{nip}/competencies"), &body)
                        .await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                }
                // Levels of several employees by import.
                2 => {
                    let mut csv = String::from("nip,kompetensi,level,sumber,tanggal\n");
                    let (nip, competency) = (random.pick(&nips), random.pick(&competencies));
                    for _ in 0..5 {
                        csv.push_str(&format!(
                            "{},{},{},impor-{seed}-{step},2026-11-{:02}\n",
                            random.pick(&nips),
                            random.pick(&competencies),
                            1 + random.below(5),
                            1 + random.below(28)
                        ));
                    }
                    // One pair twice in the file, on two dates: the later one is current.
                    for day in [1 + random.below(28), 1 + random.below(28)] {
                        csv.push_str(&format!(
                            "{nip},{competency},{},impor-{seed}-{step},2026-09-{day:02}\n",
                            1 + random.below(5),
                        ));
                    }
                    let (status, b) = app.import_csv(&hr, "assessments", csv).await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                }
                // An employee moved to another unit and position, with another potential.
                3 => {
                    let nip = random.pick(&nips);
                    let (_, mut employee) = app.get(&hr, &format!("/api/v1/employees/{nip}")).await;
                    employee["unit"] = json!(random.pick(&units));
                    employee["position"] = json!(random.pick(&positions));
                    employee["potential"] = json!(random.pick(&POTENTIALS));
                    let (status, b) = app
                        .put(&hr, &format!("/api/v1/employees/{nip}"), &employee)
                        .await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                }
                // A position's standard raised or lowered.
                4 => {
                    let code = random.pick(&positions);
                    let (_, mut position) =
                        app.get(&hr, &format!("/api/v1/positions/{code}")).await;
                    if let Some(first) = position["requirements"]
                        .as_array_mut()
                        .and_then(|r| r.first_mut())
                    {
                        first["level"] = json!(1 + random.below(5));
                    }
                    let (status, b) = app
                        .put(&hr, &format!("/api/v1/positions/{code}"), &position)
                        .await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                }
                // An evaluation recorded for one employee.
                6 => {
                    let nip = random.pick(&nips);
                    let body = json!({
                        "period": random.pick(&["2026", "2026-Q2", "2026-Q3", "2025"]),
                        "hasil_kerja": random.pick(&RATINGS),
                        "perilaku_kerja": random.pick(&RATINGS),
                    });
                    let (status, b) = app
                        .post(&hr, &format!("/api/v1/employees/{nip}/evaluations"), &body)
                        .await;
                    assert!(status.is_success(), "{b}");
                }
                // Evaluations of several employees by import.
                7 => {
                    let mut csv = String::from("nip,periode,hasil_kerja,perilaku_kerja\n");
                    for _ in 0..5 {
                        csv.push_str(&format!(
                            "{},{},{},{}\n",
                            random.pick(&nips),
                            random.pick(&["2026", "2026-Q4"]),
                            random.pick(&RATINGS),
                            random.pick(&RATINGS),
                        ));
                    }
                    let (status, b) = app.import_csv(&hr, "evaluations", csv).await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                }
                // An employee's potential alone changed, by import.
                8 => {
                    let nip = random.pick(&nips);
                    let (_, e) = app.get(&hr, &format!("/api/v1/employees/{nip}")).await;
                    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
                    let csv = format!(
                        "nip,nama,jabatan,unit,atasan_nip,potensial\n{nip},\"{}\",{},{},{},{}\n",
                        text(&e["name"]),
                        text(&e["position"]),
                        text(&e["unit"]),
                        text(&e["supervisor_nip"]),
                        random.pick(&POTENTIALS),
                    );
                    let (status, b) = app.import_csv(&hr, "employees", csv).await;
                    assert_eq!(status, StatusCode::OK, "{b}");
                    assert_eq!(b["rejected"], json!([]), "{b}");
                }
                // An organisational need for a unit subtree.
                _ => {
                    let body = json!({
                        "unit": random.pick(&units),
                        "competency": random.pick(&competencies),
                        "level": 1 + random.below(5),
                        "target_share": 0.5,
                        "due": "2027-12-31",
                    });
                    let (status, b) = app.post(&hr, "/api/v1/org-needs", &body).await;
                    assert_eq!(status, StatusCode::CREATED, "{b}");
                }
            }
            // A write that touches no level, unit, position or standard.
            let (status, b) = app
                .post(
                    &admin,
                    "/api/v1/users",
                    &json!({"username": format!("operator-{seed}-{step}"), "role": "hr"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{b}");
            let applied = analyses(&app, &app.base, &hr, &checked).await;
            let caught_up = analyses(&app, &other, &hr, &checked).await;
            let fresh = app.fresh_server().await;
            let recomputed = analyses(&app, &fresh, &hr, &checked).await;
            assert_eq!(applied.len(), recomputed.len());
            for i in 0..recomputed.len() {
                let context = format!(
                    "seed {seed}, step {step} (write {what}), {}",
                    match (checked.get(i), recomputed[i].get("boxes")) {
                        (Some(u), _) => format!("unit {u}"),
                        (None, None) => format!("need {}", recomputed[i]["id"]),
                        (None, Some(_)) => format!("talent grid of {}", recomputed[i]["unit"]),
                    }
                );
                assert_eq!(
                    applied[i], recomputed[i],
                    "the server that wrote: {context}"
                );
                assert_eq!(caught_up[i], recomputed[i], "the other server: {context}");
            }
            assert_eq!(
                current_levels_off_history(&app).await,
                0,
                "current levels against the history: seed {seed}, step {step} (write {what})"
            );
        }
    }
}

/// Pruning the change feed: a server that had not read as far as the pruned rows (it would miss
/// employees whose rows are gone) rebuilds and answers as a server started afresh; the newest
/// rows stay, and pruning again removes nothing more.
#[tokio::test]
async fn a_server_behind_a_pruned_change_feed_rebuilds() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let root = demo
        .data
        .units
        .iter()
        .find(|u| u.parent.is_none())
        .unwrap()
        .code
        .to_string();
    let units = [root.as_str()];
    let other = app.second_server().await;
    let before = analyses(&app, &other, &hr, &units).await;
    // Three employees in positions with standards drop to level 1 in a required competency,
    // one write (one feed row) each; the other server reads none of them before the pruning.
    let lowered: Vec<(String, String)> = demo
        .data
        .employees
        .iter()
        .filter_map(|e| {
            let p = demo.position_of(e)?;
            let r = p.requirements.iter().find(|r| r.level.get() >= 3)?;
            Some((e.nip.to_string(), r.competency.to_string()))
        })
        .take(3)
        .collect();
    assert_eq!(lowered.len(), 3);
    for (nip, competency) in &lowered {
        let (status, b) = app
            .put(
                &hr,
                &format!("/api/v1/employees/{nip}/competencies"),
                &json!([{"competency": competency, "level": 1, "source": "uji-pangkas", "assessed_on": "2026-11-30"}]),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
    }
    let newest = app.store.analysis_version().await.unwrap();
    // All but the newest row go; the second write's row, the newest removed, marks the cut.
    let removed = app.store.prune_change_feeds(1).await.unwrap();
    assert!(removed > 0, "older rows are removed");
    assert_eq!(app.store.analysis_version().await.unwrap(), newest);
    assert_eq!(app.store.prune_change_feeds(1).await.unwrap(), 0);
    let fresh = app.fresh_server().await;
    let recomputed = analyses(&app, &fresh, &hr, &units).await;
    assert_ne!(
        recomputed, before,
        "the three writes change the organisation's analysis"
    );
    assert_eq!(analyses(&app, &other, &hr, &units).await, recomputed);
    // The server that wrote had applied everything and answers the same.
    assert_eq!(analyses(&app, &app.base, &hr, &units).await, recomputed);
}

/// Current levels that are not the latest record of their (employee, competency) in the history
/// (by date, then by id), plus current levels of pairs without records: 0 when the kept table is
/// what the history says.
async fn current_levels_off_history(app: &TestApp) -> i64 {
    let unmatched = app
        .store
        .count_raw(
            "SELECT COUNT(*) AS n FROM (SELECT nip, competency_code, level, assessed_on, id, \
                 ROW_NUMBER() OVER (PARTITION BY nip, competency_code ORDER BY assessed_on DESC, id DESC) AS rn \
                 FROM competency_records) l \
             LEFT JOIN current_competency_levels c ON c.nip = l.nip AND c.competency_code = l.competency_code \
                 AND c.record_id = l.id AND c.level = l.level AND c.assessed_on = l.assessed_on \
             WHERE l.rn = 1 AND c.nip IS NULL",
        )
        .await
        .unwrap();
    let extra = app
        .store
        .count_raw(
            "SELECT (SELECT COUNT(*) FROM current_competency_levels) \
                 - (SELECT COUNT(*) FROM (SELECT DISTINCT nip, competency_code FROM competency_records) p) AS n",
        )
        .await
        .unwrap();
    unmatched + extra
}

/// Writes that touch no level, unit, position or reference record leave the analyses' change
/// feed where it was; a level recorded moves it by one row naming the employee.
#[tokio::test]
async fn only_writes_that_change_what_analyses_count_reach_the_change_feed() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (hr, admin) = (app.token("hr").await, app.token("admin").await);
    let before = app.store.analysis_version().await.unwrap();
    let (status, _) = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "operator", "role": "hr"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let nip = demo.staff_in("DLH-PSL-1");
    let csv = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n{nip},2026,sesuai_ekspektasi,sesuai_ekspektasi\n"
    );
    let (status, b) = app.import_csv(&hr, "evaluations", csv).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    app.run_engine().await;
    assert_eq!(app.store.analysis_version().await.unwrap(), before);
    let (status, _) = app
        .put(
            &hr,
            &format!("/api/v1/employees/{nip}/competencies"),
            &json!([{"competency": "TK.SAMPAH", "level": 4, "source": "uji", "assessed_on": "2026-11-02"}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.analysis_changes(before, 100).await.unwrap(),
        jenjang_store::Changes::Members(before + 1, vec![nip.clone()])
    );
}
