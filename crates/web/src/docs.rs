//! Interactive API documentation at `/api/docs`: Swagger UI served by the binary itself (the
//! files come from the vendored release compiled in, no CDN), reading `/api/v1/openapi.json`.
//! The page's script is a file of its own, so the policy still forbids inline script; Swagger
//! UI styles elements inline, which this one page allows.

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The Swagger UI files the page uses, unpacked once from the vendored archive.
static FILES: LazyLock<HashMap<&'static str, Vec<u8>>> = LazyLock::new(|| {
    let mut out = HashMap::new();
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(
        utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED,
    )) else {
        return out;
    };
    for name in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let wanted = archive
            .file_names()
            .filter_map(Result::ok)
            .find(|n| n.ends_with(&format!("/dist/{name}")))
            .map(|n| n.to_string());
        if let Some(path) = wanted
            && let Ok(mut file) = archive.by_name(&path)
        {
            let mut bytes = Vec::new();
            if std::io::Read::read_to_end(&mut file, &mut bytes).is_ok() {
                out.insert(name, bytes);
            }
        }
    }
    out
});

const PAGE: &str = r#"<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jenjang API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"#;

const INIT: &str = "window.addEventListener('load', function () {\n  \
    window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n});\n";

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/docs", get(page))
        .route("/api/docs/{file}", get(file))
}

async fn page() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE,
    )
        .into_response()
}

async fn file(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "init.js" => (INIT.as_bytes().to_vec(), "text/javascript; charset=utf-8"),
        "swagger-ui-bundle.js" | "swagger-ui.css" => match FILES.get(name.as_str()) {
            Some(bytes) => (
                bytes.clone(),
                if name.ends_with(".css") {
                    "text/css; charset=utf-8"
                } else {
                    "text/javascript; charset=utf-8"
                },
            ),
            None => {
                return ApiError::Internal(anyhow::anyhow!("the vendored Swagger UI lacks {name}"))
                    .into_response();
            }
        },
        _ => return ApiError::NotFound(format!("there is no {name} here")).into_response(),
    };
    (
        [
            (CONTENT_TYPE, kind),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
