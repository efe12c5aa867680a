//! Evaluations through the API, the talent grid and IKM.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_direct_supervisor_or_hr_records_an_evaluation() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kasi = demo.head_of("DPUPR-BM-1");
    let report = demo.reports_of(&kasi)[0].clone();
    let other_kasi = demo.head_of("DPUPR-SDA-1");
    let body = json!({"period": "TW II 2027", "hasil_kerja": "Di Atas Ekspektasi", "perilaku_kerja": "di_atas_ekspektasi", "notes": "Target terlampaui"});
    let path = format!("/api/v1/employees/{report}/evaluations");
    let (status, e) = app.post(&app.token(&kasi).await, &path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(
        (
            e["period"].clone(),
            e["predikat"].clone(),
            e["evaluator_nip"].clone()
        ),
        (json!("2027-Q2"), json!("sangat_baik"), json!(kasi))
    );
    let (status, _) = app.post(&app.token(&kasi).await, &path, &body).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same evaluation again changes nothing"
    );
    assert_eq!(
        app.post(&app.token(&other_kasi).await, &path, &body)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&app.token(&report).await, &path, &body).await.0,
        StatusCode::FORBIDDEN
    );
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(&hr, &path, &json!({"period": "2026-Q9", "hasil_kerja": "baik", "perilaku_kerja": "sesuai_ekspektasi", "predikat": "sangat_baik"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["period", "hasil_kerja"]);
    let (status, body) =
        app.post(&hr, &path, &json!({"period": "2027-Q3", "hasil_kerja": "sesuai_ekspektasi", "perilaku_kerja": "di_bawah_ekspektasi", "predikat": "baik"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["predikat"]);
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gives kurang")
    );
    let (_, list) = app.get(&app.token(&report).await, &path).await;
    let of_2027 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["period"].as_str().unwrap().starts_with("2027"))
        .count();
    assert_eq!(
        of_2027, 1,
        "one 2027 evaluation beside the demo's history: {list}"
    );
}

#[tokio::test]
async fn the_talent_grid_places_all_nine_combinations() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let people: Vec<String> = demo
        .data
        .employees
        .iter()
        .filter(|e| e.unit.as_str() == "DLH-PPKL-1")
        .map(|e| e.nip.to_string())
        .take(10)
        .collect();
    assert_eq!(people.len(), 10);
    let combos = [
        ("rendah", "di_bawah_ekspektasi", 1),
        ("rendah", "sesuai_ekspektasi", 2),
        ("menengah", "di_bawah_ekspektasi", 3),
        ("rendah", "di_atas_ekspektasi", 4),
        ("menengah", "sesuai_ekspektasi", 5),
        ("tinggi", "di_bawah_ekspektasi", 6),
        ("menengah", "di_atas_ekspektasi", 7),
        ("tinggi", "sesuai_ekspektasi", 8),
        ("tinggi", "di_atas_ekspektasi", 9),
    ];
    for (nip, (potential, rating, _)) in people.iter().zip(combos) {
        let (_, mut e) = app.get(&hr, &format!("/api/v1/employees/{nip}")).await;
        e["potential"] = json!(potential);
        assert_eq!(
            app.put(&hr, &format!("/api/v1/employees/{nip}"), &e)
                .await
                .0,
            StatusCode::OK
        );
        // A quarter that the annual evaluation overrides.
        app.post(&hr, &format!("/api/v1/employees/{nip}/evaluations"), &json!({"period": "2027-Q4", "hasil_kerja": "di_bawah_ekspektasi", "perilaku_kerja": "di_bawah_ekspektasi"})).await;
        let (status, _) = app
            .post(
                &hr,
                &format!("/api/v1/employees/{nip}/evaluations"),
                &json!({"period": "2027", "hasil_kerja": rating, "perilaku_kerja": rating}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, grid) = app
        .get(&hr, "/api/v1/talent/grid?unit=DLH-PPKL-1&year=2027")
        .await;
    assert_eq!(status, StatusCode::OK);
    for (nip, (_, _, b)) in people.iter().zip(combos) {
        let found = &grid["boxes"][b - 1];
        assert_eq!(found["box"], b as u64);
        assert!(
            found["employees"].as_array().unwrap().contains(&json!(nip)),
            "{nip} in box {b}: {grid}"
        );
        assert!(!found["follow_ups"].as_array().unwrap().is_empty());
    }
    assert!(
        grid["unrated"]
            .as_array()
            .unwrap()
            .contains(&json!(people[9])),
        "no evaluation: listed apart"
    );
    assert_eq!(
        grid["boxes"][8]["follow_ups"],
        json!(["promotion", "succession_pool", "recognition"])
    );
    // Counts only, for a province's grid.
    let (_, counts) = app
        .get(
            &hr,
            "/api/v1/talent/grid?unit=DLH-PPKL-1&year=2027&employees=false",
        )
        .await;
    for b in 0..9 {
        assert_eq!(counts["boxes"][b]["employees"], json!([]));
        assert_eq!(
            counts["boxes"][b]["count"].as_u64().unwrap() as usize,
            grid["boxes"][b]["employees"].as_array().unwrap().len()
        );
    }
    assert_eq!(
        counts["unrated_count"].as_u64().unwrap() as usize,
        grid["unrated"].as_array().unwrap().len()
    );
    // Otherwise the same document.
    let mut emptied = grid.clone();
    for b in emptied["boxes"].as_array_mut().unwrap() {
        b["employees"] = json!([]);
    }
    emptied["unrated"] = json!([]);
    emptied["unrated_count"] = counts["unrated_count"].clone();
    assert_eq!(counts, emptied);
    // A box's people by name, searched and paged.
    let (_, nine) = app
        .get(&hr, "/api/v1/talent/grid/boxes/9?unit=DLH-PPKL-1&year=2027")
        .await;
    assert_eq!(nine["total"], 1, "{nine}");
    assert_eq!(nine["items"][0]["nip"], people[8].as_str());
    let name = nine["items"][0]["name"].as_str().unwrap().to_string();
    let part = name.split_whitespace().next().unwrap().to_lowercase();
    let (_, found) = app
        .get(
            &hr,
            &format!("/api/v1/talent/grid/boxes/9?unit=DLH-PPKL-1&year=2027&q={part}"),
        )
        .await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, none) = app
        .get(
            &hr,
            "/api/v1/talent/grid/boxes/9?unit=DLH-PPKL-1&year=2027&q=zzzz-nobody",
        )
        .await;
    assert_eq!(none["total"], 0);
    let (_, paged) = app
        .get(
            &hr,
            "/api/v1/talent/grid/boxes/9?unit=DLH-PPKL-1&year=2027&limit=1&offset=1",
        )
        .await;
    assert_eq!(
        (
            paged["total"].as_u64(),
            paged["items"].as_array().unwrap().len()
        ),
        (Some(1), 0)
    );
    assert_eq!(
        app.get(&hr, "/api/v1/talent/grid/boxes/10").await.0,
        StatusCode::NOT_FOUND
    );
    let staff = app.token(&people[0]).await;
    assert_eq!(
        app.get(&staff, "/api/v1/talent/grid").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&staff, "/api/v1/talent/grid/boxes/9").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn ikm_is_computed_as_the_regulation_says() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let mut skipped = vec![json!(2); 9];
    skipped[0] = json!(null);
    let body = json!({"period": "2026", "responses": [skipped, [4, 4, 4, 4, 4, 4, 4, 4, 4]]});
    let (status, r) = app.post(&hr, "/api/v1/units/DPMPTSP/ikm", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    // Element 1: only the second respondent (4); the others (2 + 4) / 2 = 3. (4 + 8 × 3) / 9 × 25 = 77.78.
    assert_eq!(
        (
            r["index"].clone(),
            r["category"].clone(),
            r["respondents"].clone()
        ),
        (json!(77.78), json!("B"), json!(2))
    );
    assert_eq!(r["element_averages"][0], 4.0);
    assert_eq!(
        app.post(&hr, "/api/v1/units/DPMPTSP/ikm", &body).await.0,
        StatusCode::OK,
        "a retry duplicates nothing"
    );
    let (_, list) = app.get(&hr, "/api/v1/units/DPMPTSP/ikm").await;
    assert_eq!(list["total"], 1);
    let (_, legacy) = app
        .post(&hr, "/api/v1/units/DPMPTSP/ikm", &json!({"period": "2025", "weighting": "legacy", "responses": [[3, 3, 3, 3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4, 4, 4, 4]]}))
        .await;
    assert_eq!(legacy["index"], 86.63);
    let (status, bad) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP/ikm",
            &json!({"period": "2026", "responses": [[4, 4, 4, 4, 5, 4, 4, 4, 4], [1, 2, 3]]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), ["responses[0][4]", "responses[1]"]);
    assert_eq!(
        app.post(&hr, "/api/v1/units/NOPE/ikm", &body).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_distribution_warns_against_the_configured_pattern_and_heads_get_the_units_result() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let unit = "DLH-PSL-1";
    let people: Vec<String> = demo
        .data
        .employees
        .iter()
        .filter(|e| e.unit.as_str() == unit)
        .map(|e| e.nip.to_string())
        .collect();
    let head = demo.head_of(unit);
    let staff: Vec<&String> = people.iter().filter(|n| **n != head).take(4).collect();
    // Two of the four staff sangat_baik: 50%.
    for (i, nip) in staff.iter().enumerate() {
        let rating = if i < 2 {
            "di_atas_ekspektasi"
        } else {
            "sesuai_ekspektasi"
        };
        let (status, _) = app
            .post(
                &hr,
                &format!("/api/v1/employees/{nip}/evaluations"),
                &json!({"period": "2027-Q3", "hasil_kerja": rating, "perilaku_kerja": rating}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, d) = app
        .get(
            &hr,
            &format!("/api/v1/units/{unit}/distribution?period=TW%20III%202027"),
        )
        .await;
    assert_eq!(d["employees_evaluated"], 4);
    assert_eq!(
        d["counts"][0],
        json!({"predikat": "sangat_baik", "employees": 2, "share": 0.5})
    );
    assert!(
        d["note"]
            .as_str()
            .unwrap()
            .contains("no organisation predikat")
    );
    // The head's hasil kerja needs the unit's predikat first.
    let (status, body) = app
        .post(
            &hr,
            &format!("/api/v1/employees/{head}/evaluations"),
            &json!({"period": "2027-Q3", "perilaku_kerja": "sesuai_ekspektasi"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["hasil_kerja"]);
    let (status, _) = app
        .post(
            &hr,
            &format!("/api/v1/units/{unit}/predikat"),
            &json!({"period": "2027-Q3", "predikat": "Istimewa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = app
        .post(
            &hr,
            &format!("/api/v1/employees/{head}/evaluations"),
            &json!({"period": "2027-Q3", "perilaku_kerja": "sesuai_ekspektasi"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(
        (e["hasil_kerja"].clone(), e["predikat"].clone()),
        (json!("di_atas_ekspektasi"), json!("baik"))
    );
    let (_, d) = app
        .get(
            &hr,
            &format!("/api/v1/units/{unit}/distribution?period=2027-Q3"),
        )
        .await;
    assert!(
        d["note"]
            .as_str()
            .unwrap()
            .contains("no distribution pattern")
    );
    let (status, _) = app
        .put(
            &hr,
            "/api/v1/settings/distribution_thresholds",
            &json!({"value": {"istimewa": {"sangat_baik": 0.3}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, d) = app
        .get(
            &hr,
            &format!("/api/v1/units/{unit}/distribution?period=2027-Q3"),
        )
        .await;
    assert_eq!(d["warnings"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["warnings"][0]["max_share"], 0.3);
    let (status, body) = app
        .put(
            &hr,
            "/api/v1/settings/distribution_thresholds",
            &json!({"value": {"istimewa": {"sangat_baik": 3}}}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["value".to_string()])
    );
    assert_eq!(
        app.put(&hr, "/api/v1/settings/colour", &json!({"value": 1}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let staff_token = app.token(staff[0]).await;
    assert_eq!(
        app.put(
            &staff_token,
            "/api/v1/settings/jp_target",
            &json!({"value": 30})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}
