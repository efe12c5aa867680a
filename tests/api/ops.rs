use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    let token = app.token("hr").await;
    app.get(&token, "/api/v1/units").await;
    app.get(&token, "/api/v1/units/NOPE").await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "jenjang_http_requests_total{method=\"GET\",route=\"/api/v1/units\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"/api/v1/units/{code}\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(text.contains("jenjang_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;
    let (status, doc) = read(
        app.client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/auth/login", &["post"][..]),
        ("/api/v1/units", &["get", "post"]),
        ("/api/v1/units/{code}", &["get", "put"]),
        ("/api/v1/competencies", &["get", "post"]),
        ("/api/v1/competencies/{code}", &["get", "put"]),
        ("/api/v1/programs", &["get", "post"]),
        ("/api/v1/programs/{code}", &["get", "put"]),
        ("/api/v1/positions", &["get", "post"]),
        ("/api/v1/positions/{code}", &["get", "put"]),
        ("/api/v1/employees", &["get", "post"]),
        ("/api/v1/employees/{nip}", &["get", "put"]),
        ("/api/v1/employees/{nip}/competencies", &["get", "put"]),
        ("/api/v1/audit", &["get"]),
        ("/healthz", &["get"]),
        ("/metrics", &["get"]),
        ("/api/v1/openapi.json", &["get"]),
    ] {
        let item = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing");
        }
    }
    assert!(doc["components"]["schemas"]["Competency"].is_object());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = spawn_app().await;
    let (status, body) = read(
        app.client
            .get(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let (status, body) = read(
        app.client
            .delete(app.url("/api/v1/units"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method_not_allowed");
}
