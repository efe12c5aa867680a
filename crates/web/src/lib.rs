//! jenjang-web: the HTTP face of Jenjang. The JSON API under `/api/v1`, operations endpoints,
//! authentication and the role checks (which call `jenjang_core::access`, where the role table
//! lives), error mapping and the OpenAPI document.
#![forbid(unsafe_code)]

pub mod auth;
mod docs;
pub mod error;
pub mod export;
mod extract;
mod guard;
pub use jenjang_app::imports;
mod input;
pub mod metrics;
pub mod oidc;
pub mod openapi;
pub mod routes;
pub mod security;
mod ui;
pub use ui::StagedImports;

use crate::auth::{Auth, CurrentUser};
use crate::error::ApiError;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{get, post};
use jenjang_store::{Actor, Store};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use auth::{hash_password, verify_password};

/// The default largest request body accepted, in bytes.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The default largest import file, in bytes (100,000 evaluation rows are about 10 MB).
pub const DEFAULT_IMPORT_LIMIT: usize = 50 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub auth: Arc<Auth>,
    pub metrics: Arc<metrics::Metrics>,
    pub analytics: Arc<jenjang_app::Analytics>,
    /// The largest request body accepted, in bytes; larger ones answer 413.
    pub body_limit: usize,
    /// The largest import file accepted, in bytes.
    pub import_limit: usize,
    /// Bounds on the work one import file may cause (rows, columns, cells, unpacked bytes).
    pub import_limits: jenjang_import::Limits,
    /// How the site is reached (HTTPS: secure cookies, HSTS).
    pub transport: security::TransportSettings,
    /// Woken after every successful write, so the workflow engine of this process acts on the
    /// events it caused at once instead of at its next poll.
    pub engine_wake: Arc<tokio::sync::Notify>,
    /// How people reach the site, for the links Jenjang hands out (else the request's host).
    pub public_url: Option<String>,
    /// Single sign-on through the organisation's OpenID provider, when configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Files checked on the import page and kept a while so that "import now" need not ask
    /// for them again.
    pub staged_imports: Arc<ui::StagedImports>,
    /// Responses to the public survey per unit and client address (against floods; nothing
    /// about the address is stored).
    pub survey_limiter: Arc<ui::SurveyLimiter>,
    /// The key that signs the secret addresses of calendar feeds.
    pub feed_key: Arc<[u8]>,
}

impl AppState {
    pub fn new(store: Store, auth: Auth) -> Self {
        AppState {
            store,
            auth: Arc::new(auth),
            metrics: Arc::new(metrics::Metrics::default()),
            analytics: Arc::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            import_limit: DEFAULT_IMPORT_LIMIT,
            import_limits: jenjang_import::Limits::default(),
            transport: security::TransportSettings::default(),
            engine_wake: Arc::default(),
            public_url: None,
            feed_key: Arc::from(uuid::Uuid::new_v4().as_bytes().as_slice()),
            oidc: None,
            staged_imports: Arc::default(),
            survey_limiter: Arc::default(),
        }
    }
}

impl AppState {
    /// The site's address as people reach it: the configured public URL, else the scheme and
    /// host this request came to.
    pub fn public_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if self.transport.is_secure(headers) {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    }

    /// The use-case context of a request made by `user`.
    pub fn context<'a>(&'a self, user: &'a CurrentUser) -> jenjang_app::Context<'a> {
        jenjang_app::Context::new(&self.store, &self.analytics, &user.0, user.1)
    }
}

/// The audit actor of a request.
pub(crate) fn actor(user: &CurrentUser) -> Actor {
    Actor(user.0.username.clone())
}

/// An address nobody serves: a page in the browser's language for a browser, the uniform error
/// body for everyone else (and always under `/api/`).
async fn not_found(
    uri: Uri,
    headers: axum::http::HeaderMap,
    ui: ui::Ui,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if ui::wants_page(&headers, uri.path()) {
        return ui::not_found_page(ui).await;
    }
    ApiError::NotFound(format!("there is nothing at {}", uri.path())).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not answer {method}", uri.path()))
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    layered(routes(), state)
}

/// Every route of the application, without the layers around them.
fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/activate", post(auth::activate))
        .route("/auth/password", post(auth::change_password))
        .route("/openapi.json", get(openapi::serve))
        .merge(routes::reference::router())
        .merge(routes::employees::router())
        .merge(routes::audit::router())
        .merge(routes::analysis::router())
        .merge(routes::org_needs::router())
        .merge(routes::performance::router())
        .merge(routes::indicators::router())
        .merge(routes::dialog::router())
        .merge(routes::skp::router())
        .merge(routes::training::router())
        .merge(routes::fit::router())
        .merge(routes::plans::router())
        .merge(routes::settings::router())
        .merge(routes::workflows::router())
        .merge(routes::campaigns::router())
        .merge(routes::notifications::router())
        .merge(routes::users::router());
    Router::new()
        .nest("/api/v1", api)
        .merge(routes::ops::router())
        .merge(routes::notifications::feed_router())
        .merge(docs::router())
        .merge(ui::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// A panic in a handler: the uniform 500 body (nothing of the panic leaks), logged inside the
/// request's span, so with its request id.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    axum::response::IntoResponse::into_response(ApiError::Internal(anyhow::anyhow!(
        "handler panicked: {message}"
    )))
}

/// The layers every request passes: request id, tracing, panics caught, metrics, security
/// headers, body limit, waking the engine after writes.
fn layered(routes: Router<AppState>, state: AppState) -> Router {
    let metrics = state.metrics.clone();
    let body_limit = state.body_limit;
    let wake = state.engine_wake.clone();
    let security_state = state.clone();
    routes
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            security_state,
            security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .layer(axum::middleware::map_response(
            move |method: Method, response: axum::response::Response| {
                let wake = wake.clone();
                async move {
                    if method != Method::GET && response.status().is_success() {
                        wake.notify_one();
                    }
                    response
                }
            },
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_string();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then drains gracefully.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    /// A handler that panics answers the uniform 500 body; the connection is not dropped and
    /// nothing of the panic is shown.
    #[tokio::test]
    async fn a_panicking_handler_answers_the_uniform_500() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let auth = Auth::new(&[7; 32], std::time::Duration::from_secs(60), 5, 5);
        let boom = Router::new().route(
            "/boom",
            get(|| async {
                let secret: Option<u8> = None;
                secret.expect("internal detail");
                "never"
            }),
        );
        let app = layered(boom, AppState::new(store, auth));
        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key("x-request-id"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal_error");
        assert_eq!(body["error"]["message"], "internal error");
        assert!(!body.to_string().contains("internal detail"));
    }
}
