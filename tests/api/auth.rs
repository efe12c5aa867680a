use crate::helpers::*;
use base64::Engine;
use jenjang::ServerSettings;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn encode_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn login_answers_a_bearer_token_and_an_http_only_cookie() {
    let app = spawn_app().await;
    let r = app.login_response("hr", "jenjang-demo").await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("jenjang_token="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 8 * 3600);
    assert_eq!(
        body["user"],
        json!({"username": "hr", "role": "hr", "nip": null})
    );

    // The cookie alone authenticates too (the web UI's way).
    let token = body["token"].as_str().unwrap();
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", format!("theme=dark; jenjang_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_401() {
    let app = spawn_app().await;
    for (u, p) in [("hr", "wrong-password"), ("nobody", "jenjang-demo")] {
        let (status, body) = read(app.login_response(u, p).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
    }
    let (status, body) = read(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "hr"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["password"]);
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_username_and_address() {
    let app = spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        login_attempts_per_minute: 3,
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.login_response("hr", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login_response("hr", "jenjang-demo").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        error_code(&r.json::<Value>().await.unwrap()),
        "rate_limited"
    );
    // Another username from the same address is not affected.
    assert_eq!(
        app.login_response("admin", "jenjang-demo").await.status(),
        StatusCode::OK
    );
}

fn claims(exp_offset: i64, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "hr", "role": "hr", "iat": now, "exp": now + exp_offset, "iss": "jenjang", "aud": aud})
}

async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    app.client
        .get(app.url("/api/v1/units"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn bad_tokens_are_rejected() {
    let app = spawn_app().await;
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let good = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(600, "jenjang"),
        &key,
    )
    .unwrap();
    assert_eq!(status_with(&app, &good).await, StatusCode::OK);

    // No token at all.
    let (status, body) = read(
        app.client
            .get(app.url("/api/v1/units"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");

    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(-3600, "jenjang"),
        &key,
    )
    .unwrap();
    let wrong_audience = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(600, "elsewhere"),
        &key,
    )
    .unwrap();
    let wrong_algorithm = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(600, "jenjang"),
        &key,
    )
    .unwrap();
    let other_key = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(600, "jenjang"),
        &EncodingKey::from_secret(b"another-secret-another-secret-0000"),
    )
    .unwrap();
    // Tampered: the payload changed to claim admin, the signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    let mut forged = claims(600, "jenjang");
    forged["sub"] = json!("admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        encode_url(forged.to_string().as_bytes()),
        parts[2]
    );
    // alg "none" with no signature.
    let none = format!(
        "{}.{}.",
        encode_url(br#"{"alg":"none","typ":"JWT"}"#),
        encode_url(claims(600, "jenjang").to_string().as_bytes())
    );
    for (what, token) in [
        ("expired", expired),
        ("wrong audience", wrong_audience),
        ("wrong algorithm", wrong_algorithm),
        ("other key", other_key),
        ("tampered", tampered),
        ("alg none", none),
        ("garbage", "not-a-token".to_string()),
    ] {
        assert_eq!(
            status_with(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
    }
}
