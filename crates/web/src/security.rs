//! What browsers are told with every answer: security headers on HTML pages (a Content Security
//! Policy without inline script, no framing, no MIME sniffing, the referrer kept on this site,
//! HSTS when served over TLS), and cookies marked `Secure` when the site is reached over HTTPS
//! (always with `JENJANG_SECURE_COOKIES`, or per request from `X-Forwarded-Proto: https` when a
//! TLS-terminating proxy in front is trusted to set it).

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, SET_COOKIE, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// How the site is reached.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransportSettings {
    /// Every cookie is `Secure` and pages send HSTS (the site is only reached over HTTPS).
    pub secure_cookies: bool,
    /// Believe `X-Forwarded-Proto` (set it only behind a proxy that overwrites that header).
    pub trust_forwarded_proto: bool,
}

impl TransportSettings {
    /// Whether this request came over HTTPS, as far as the settings let us know.
    pub fn is_secure(&self, headers: &HeaderMap) -> bool {
        self.secure_cookies
            || (self.trust_forwarded_proto
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
    }
}

/// The policy of every page: only this site's own stylesheet and images (SVG charts are inline
/// markup, not script), no script at all, forms post back here, never framed.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.transport.is_secure(req.headers());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers
            .entry(CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE));
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    if secure {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        mark_cookies_secure(headers);
    }
    response
}

/// Adds `Secure` to every cookie the answer sets that lacks it.
fn mark_cookies_secure(headers: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(SET_COOKIE);
    for cookie in cookies {
        let secured = match cookie.to_str() {
            Ok(text)
                if !text
                    .split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("secure")) =>
            {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
            }
            _ => cookie,
        };
        headers.append(SET_COOKIE, secured);
    }
}
