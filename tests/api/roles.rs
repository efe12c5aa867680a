//! The role table of API.md, through HTTP: who may read and write what.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn staff_read_themselves_but_not_a_colleague() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let me = demo.staff_in("DINKES-YANKES-1");
    let colleague = demo.staff_in("DLH-PSL-1");
    let token = app.token(&me).await;
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{me}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{me}/competencies"))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = app
        .get(&token, &format!("/api/v1/employees/{colleague}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");
    assert_eq!(
        app.get(
            &token,
            &format!("/api/v1/employees/{colleague}/competencies")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    // The list holds only what they may read.
    let (_, page) = app.get(&token, "/api/v1/employees").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["nip"], me.as_str());
}

#[tokio::test]
async fn a_supervisor_reads_direct_reports_and_nobody_else() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kasi = demo.head_of("DPUPR-BM-1");
    let report = demo.reports_of(&kasi)[0].clone();
    let not_a_report = demo.staff_in("DPUPR-SDA-1");
    let token = app.token(&kasi).await;
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{report}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{not_a_report}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Supervising is not a licence to edit reference data.
    let (status, _) = app
        .put(
            &token,
            &format!("/api/v1/employees/{report}/competencies"),
            &json!([]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_leader_reads_their_unit_subtree_only() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kadis = demo.head_of("DINKES");
    let deep = demo.staff_in("DINKES-P2P-1");
    let outside = demo.staff_in("DISDIK-SD-1");
    let token = app.token(&kadis).await;
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{deep}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&token, &format!("/api/v1/employees/{outside}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, page) = app.get(&token, "/api/v1/employees?limit=1000").await;
    // Their subtree, plus themselves (they sit in it).
    assert_eq!(page["total"], demo.count_in_subtree("DINKES") as u64);
    // A leader cannot write reference data.
    let (status, _) = app
        .post(&token, "/api/v1/units", &json!({"code": "X", "name": "X"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hr_reads_everyone_and_writes_reference_data_but_only_admin_is_admin() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (_, page) = app.get(&hr, "/api/v1/employees?limit=5").await;
    assert_eq!(page["total"], demo.data.employees.len() as u64);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let (status, _) = app.post(&hr, "/api/v1/units", &json!({"code": "DINKES-UPT", "name": "UPT Puskesmas Tanjung Selor", "parent": "DINKES"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.get(&hr, "/api/v1/audit").await.0, StatusCode::OK);
    let staff = app.token(&demo.staff_in("DLH-PSL-1")).await;
    assert_eq!(
        app.get(&staff, "/api/v1/audit").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_reference_write_is_refused_to_staff() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let token = app.token(&demo.staff_in("DLH-PSL-1")).await;
    for path in [
        "/api/v1/units",
        "/api/v1/competencies",
        "/api/v1/programs",
        "/api/v1/positions",
        "/api/v1/employees",
    ] {
        let (status, body) = app.post(&token, path, &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "POST {path}");
        assert_eq!(error_code(&body), "forbidden");
    }
    for path in [
        "/api/v1/units/DLH",
        "/api/v1/competencies/M.1",
        "/api/v1/programs/PKP",
        "/api/v1/positions/SEKDA",
    ] {
        assert_eq!(
            app.put(&token, path, &json!({})).await.0,
            StatusCode::FORBIDDEN,
            "PUT {path}"
        );
        assert_eq!(app.get(&token, path).await.0, StatusCode::OK, "GET {path}");
    }
}
