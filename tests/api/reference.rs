//! Reference data: validation naming every field, conflicts, cycles, history and the audit log.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn an_invalid_competency_lists_every_bad_field() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/competencies",
            &json!({
                "code": "bad code",
                "kind": "magic",
                "levels": [{"level": 6, "description": "x"}, {"level": 2}],
                "prerequisites": [{"for_level": 2, "competency": "M.1", "level": "three"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "validation_failed");
    assert_eq!(
        error_fields(&body),
        [
            "code",
            "name",
            "kind",
            "levels[0].level",
            "levels[1].description",
            "prerequisites[0].level"
        ]
    );
}

#[tokio::test]
async fn malformed_json_is_400_and_a_huge_body_413() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&hr)
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_request");
    let huge = format!(
        "{{\"code\":\"X\",\"name\":\"{}\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&hr)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
}

#[tokio::test]
async fn a_duplicate_code_is_409_and_an_unknown_one_404() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/units",
            &json!({"code": "DINKES", "name": "Dinas Kesehatan"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "conflict");
    for path in [
        "/api/v1/units/NOPE",
        "/api/v1/competencies/NOPE",
        "/api/v1/programs/NOPE",
        "/api/v1/positions/NOPE",
        "/api/v1/employees/198503122010011002",
    ] {
        let (status, body) = app.get(&hr, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&body), "not_found");
    }
    let (status, _) = app
        .put(&hr, "/api/v1/units/NOPE", &json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_prerequisite_cycle_is_refused_and_named() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    // In the demo dictionary TK.MPR level 2 needs TK.PBJ level 2; make TK.PBJ level 2 need TK.MPR level 3.
    let (_, mut pbj) = app.get(&hr, "/api/v1/competencies/TK.PBJ").await;
    pbj["prerequisites"] = json!([{"for_level": 2, "competency": "TK.MPR", "level": 3}]);
    let (status, body) = app.put(&hr, "/api/v1/competencies/TK.PBJ", &pbj).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = body["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("TK.MPR level 3") && message.contains("TK.PBJ level 2"),
        "{message}"
    );
    // Nothing was written.
    let (_, after) = app.get(&hr, "/api/v1/competencies/TK.PBJ").await;
    assert_eq!(
        after["prerequisites"],
        json!([{"for_level": 3, "competency": "TK.KEU", "level": 2}])
    );
}

#[tokio::test]
async fn a_self_referencing_unit_tree_and_supervisor_chain_are_refused() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (status, body) = app
        .put(
            &hr,
            "/api/v1/units/DINKES",
            &json!({"name": "Dinas Kesehatan", "parent": "DINKES-YANKES-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["parent"]);
    let kadis = demo.head_of("DINKES");
    let kasi = demo.head_of("DINKES-YANKES-1");
    let (_, mut e) = app.get(&hr, &format!("/api/v1/employees/{kadis}")).await;
    e["supervisor_nip"] = json!(kasi);
    let (status, body) = app
        .put(&hr, &format!("/api/v1/employees/{kadis}"), &e)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["supervisor_nip"]);
}

#[tokio::test]
async fn employees_are_validated_field_by_field() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": "19850312201001300", "name": "", "unit": "NOPE", "potential": "huge"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["nip", "name", "potential"]);
    // Shape is fine, references are not: each named.
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/employees",
            &json!({"nip": "199001012015031001", "name": "Rahmat Lalong", "unit": "NOPE", "position": "NOPE", "supervisor_nip": "199001012015031002"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["unit", "position", "supervisor_nip"]);
    let (status, created) = app
        .post(&hr, "/api/v1/employees", &json!({"nip": "199001012015031001", "name": "Rahmat Lalong", "unit": "DLH", "position": "PENGELOLA-SAMPAH"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["nip"], "199001012015031001");
}

#[tokio::test]
async fn a_program_and_a_position_round_trip() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let program = json!({"code": "EL-SKM", "title": "E-Learning Survei Kepuasan Masyarakat", "form": "e_learning", "jp": 6,
        "cost_idr": 0, "provider": "Kementerian PANRB", "capacity": null,
        "develops": [{"competency": "M.5", "to_level": 2}], "requires": []});
    let (status, _) = app.post(&hr, "/api/v1/programs", &program).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, got) = app.get(&hr, "/api/v1/programs/EL-SKM").await;
    assert_eq!(got, program);
    let (status, body) = app.post(&hr, "/api/v1/programs", &json!({"code": "X", "title": "X", "form": "e_learning", "jp": -1, "cost_idr": 0, "provider": "p", "develops": [{"competency": "NOPE", "to_level": 2}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["jp"]);
    let position = json!({"code": "ANALIS-SKM", "name": "Analis Kepuasan Masyarakat", "kind": "fungsional", "unit": "DPMPTSP",
        "min_golongan": "III/b", "requirements": [{"competency": "M.5", "level": 3}, {"competency": "TK.PENGADUAN", "level": 3}]});
    let (status, _) = app.post(&hr, "/api/v1/positions", &position).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, got) = app.get(&hr, "/api/v1/positions/ANALIS-SKM").await;
    assert_eq!(got, position);
}

#[tokio::test]
async fn lists_are_paged_and_ordered() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (_, first) = app.get(&hr, "/api/v1/competencies?limit=5").await;
    assert_eq!(
        (first["limit"].clone(), first["offset"].clone()),
        (json!(5), json!(0))
    );
    let (_, second) = app.get(&hr, "/api/v1/competencies?limit=5&offset=5").await;
    assert_eq!(first["total"], second["total"]);
    let codes = |p: &Value| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (a, b) = (codes(&first), codes(&second));
    assert!(a.last() < b.first());
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(a, sorted);
    let (_, all) = app.get(&hr, "/api/v1/units?limit=1000").await;
    assert_eq!(all["limit"], 1000);
    // Out of range: a 422 naming the parameter, never a clamp or a panic.
    for (query, field) in [
        ("limit=5000", "limit"),
        ("limit=0", "limit"),
        ("offset=9223372036854775808", "offset"),
    ] {
        for path in ["/api/v1/units", "/api/v1/audit", "/api/v1/employees"] {
            let (status, body) = app.get(&hr, &format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}?{query}");
            assert_eq!(error_fields(&body), [field], "{path}?{query}");
        }
    }
    let (status, body) = app
        .get(&hr, "/api/v1/units?offset=9223372036854775807")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"], serde_json::json!([]));
    let (status, body) = app.get(&hr, "/api/v1/units?limit=lots").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["query"]);
    let (_, dinkes) = app
        .get(&hr, "/api/v1/employees?unit=DINKES&limit=1000")
        .await;
    assert_eq!(
        dinkes["total"],
        Demo::new().count_in_subtree("DINKES") as u64
    );
    assert_eq!(
        app.get(&hr, "/api/v1/employees?unit=NOPE").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn competency_levels_are_history_and_every_change_is_audited() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let nip = demo.staff_in("DPMPTSP-YAN-1");
    let path = format!("/api/v1/employees/{nip}/competencies");
    let records = json!([
        {"competency": "TK.IZIN", "level": 3, "source": "assessment_center", "assessed_on": "2026-06-01"},
        {"competency": "TK.IZIN", "level": 4, "source": "coaching", "assessed_on": "2026-09-01"}
    ]);
    let (status, body) = app.put(&hr, &path, &records).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"recorded": 2, "unchanged": 0}));
    let (_, again) = app.put(&hr, &path, &records).await;
    assert_eq!(again, json!({"recorded": 0, "unchanged": 2}));
    let (_, profile) = app.get(&hr, &path).await;
    let current = profile["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["competency"] == "TK.IZIN")
        .unwrap()
        .clone();
    assert_eq!(current["level"], 4);
    assert_eq!(current["source"], "coaching");
    let history = profile["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["competency"] == "TK.IZIN")
        .count();
    assert!(
        history >= 3,
        "the seeded assessment and both new records are kept"
    );

    let (status, body) = app
        .put(
            &hr,
            &path,
            &json!([{"competency": "NOPE", "level": 9, "assessed_on": "2026-13-01"}]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["[0].level", "[0].assessed_on"]);

    let (_, audit) = app
        .get(
            &hr,
            &format!("/api/v1/audit?entity=competency_levels&key={nip}&actor=hr"),
        )
        .await;
    assert_eq!(
        audit["total"], 1,
        "the repeat changed nothing and wrote no entry"
    );
    assert_eq!(audit["items"][0]["actor"], "hr");

    let (_, unit) = app.get(&hr, "/api/v1/units/DLH").await;
    let mut renamed = unit.clone();
    renamed["name"] = json!("Dinas Lingkungan Hidup Kabupaten Bulungan");
    assert_eq!(
        app.put(&hr, "/api/v1/units/DLH", &renamed).await.0,
        StatusCode::OK
    );
    let (_, audit) = app.get(&hr, "/api/v1/audit?entity=unit&key=DLH").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["detail"]["before"]["name"], unit["name"]);
    assert_eq!(
        entry["detail"]["after"]["name"],
        "Dinas Lingkungan Hidup Kabupaten Bulungan"
    );
}

#[tokio::test]
async fn concurrent_writes_all_land_and_a_raced_duplicate_is_one_conflict() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let post_all = |bodies: Vec<Value>| {
        let mut set = tokio::task::JoinSet::new();
        for body in bodies {
            let (client, url, hr) = (app.client.clone(), app.url("/api/v1/units"), hr.clone());
            set.spawn(async move {
                client
                    .post(url)
                    .bearer_auth(hr)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
        set.join_all()
    };
    let statuses = post_all(
        (0..16).map(|i| json!({"code": format!("UPT-{i:02}"), "name": format!("UPT {i}"), "parent": "DINKES"})).collect(),
    )
    .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let statuses = post_all(vec![json!({"code": "UPT-SAME", "name": "UPT"}); 8]).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = spawn_app_with(jenjang::ServerSettings {
        jwt_secret: Some(SECRET.into()),
        body_limit: 2000,
        ..Default::default()
    })
    .await;
    let hr = app.token("hr").await;
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/units",
            &json!({"code": "X", "name": "a".repeat(3000)}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body["error"]["message"].as_str().unwrap().contains("2000"));
    let (status, _) = app
        .post(&hr, "/api/v1/units", &json!({"code": "X", "name": "UPT X"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
