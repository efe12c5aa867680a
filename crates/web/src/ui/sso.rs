//! "Masuk dengan SSO": the authorization-code flow with the organisation's identity provider.
//! The login route keeps `state`, `nonce` and the PKCE verifier in a short-lived HttpOnly
//! cookie (SameSite=Lax, since the provider sends the browser back from another site); the
//! callback checks them, lets `oidc::Oidc::finish` exchange the code and verify the tokens,
//! and signs in the employee whose NIP the provider names — nobody else.

#[allow(unused_imports)]
use super::*;
use base64::Engine;
use sha2::{Digest, Sha256};

const FLOW_COOKIE: &str = "jenjang_oidc";

/// 122 random bits (a v4 UUID from the operating system's generator), as 32 hex digits.
fn random_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn redirect_uri(s: &AppState, headers: &HeaderMap, oidc: &crate::oidc::Oidc) -> String {
    oidc.settings
        .redirect_url
        .clone()
        .unwrap_or_else(|| format!("{}/auth/oidc/callback", s.public_url(headers)))
}

#[derive(Deserialize)]
pub(super) struct SsoLoginQuery {
    login_hint: Option<String>,
}

pub(super) async fn sso_login(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Params(q): Params<SsoLoginQuery>,
) -> Response {
    let Some(oidc) = s.oidc.clone() else {
        return ui.error(ApiError::NotFound(ui.lang.text("sso_off")));
    };
    // The PKCE verifier: 64 hex digits (RFC 7636 asks for 43 to 128 characters).
    let (state, nonce, verifier) = (
        random_hex(),
        random_hex(),
        format!("{}{}", random_hex(), random_hex()),
    );
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let url = oidc
        .authorization_url(
            &redirect_uri(&s, &headers, &oidc),
            &state,
            &nonce,
            &challenge,
            q.login_hint.as_deref().filter(|h| !h.trim().is_empty()),
        )
        .await;
    match url {
        Ok(url) => {
            let mut response = ui.redirect(&url);
            let cookie = format!(
                "{FLOW_COOKIE}={state}.{nonce}.{verifier}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600"
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(SET_COOKIE, v);
            }
            response
        }
        Err(e) => sso_refused(
            &ui,
            StatusCode::BAD_GATEWAY,
            "sso_provider_down",
            &e.to_string(),
        ),
    }
}

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn sso_refused(ui: &Ui, status: StatusCode, key: &str, detail: &str) -> Response {
    tracing::info!(reason = key, detail, "single sign-on refused");
    ui.render(
        status,
        "error",
        &ui.lang.text("error_title"),
        json!({"code": key, "message": ui.lang.text(key)}),
    )
}

pub(super) async fn sso_callback(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Params(q): Params<CallbackQuery>,
) -> Response {
    let Some(oidc) = s.oidc.clone() else {
        return ui.error(ApiError::NotFound(ui.lang.text("sso_off")));
    };
    if let Some(error) = &q.error {
        let detail = format!("{error}: {}", q.error_description.as_deref().unwrap_or(""));
        return sso_refused(&ui, StatusCode::UNAUTHORIZED, "sso_failed", &detail);
    }
    let flow = cookie(&headers, FLOW_COOKIE).unwrap_or_default();
    let mut parts = flow.splitn(3, '.');
    let (Some(state), Some(nonce), Some(verifier)) = (parts.next(), parts.next(), parts.next())
    else {
        return sso_refused(
            &ui,
            StatusCode::BAD_REQUEST,
            "sso_expired",
            "no sign-in under way",
        );
    };
    let (Some(code), Some(returned)) = (q.code.as_deref(), q.state.as_deref()) else {
        return sso_refused(
            &ui,
            StatusCode::BAD_REQUEST,
            "sso_failed",
            "no code or state",
        );
    };
    if returned != state {
        return sso_refused(&ui, StatusCode::BAD_REQUEST, "sso_expired", "state differs");
    }
    let nip = match oidc
        .finish(code, &redirect_uri(&s, &headers, &oidc), verifier, nonce)
        .await
    {
        Ok(nip) => nip,
        Err(crate::oidc::OidcError::NoNip(claim)) => {
            return sso_refused(&ui, StatusCode::FORBIDDEN, "sso_no_nip", &claim);
        }
        Err(e) => return sso_refused(&ui, StatusCode::UNAUTHORIZED, "sso_failed", &e.to_string()),
    };
    let user = match s.store.find_user_by_nip(&nip).await {
        Ok(Some(u)) if u.active => u,
        Ok(Some(_)) => return sso_refused(&ui, StatusCode::FORBIDDEN, "sso_disabled", &nip),
        Ok(None) => return sso_refused(&ui, StatusCode::FORBIDDEN, "sso_unknown_nip", &nip),
        Err(e) => return ui.error(e.into()),
    };
    let token = match s.auth.issue(
        &user.username,
        user.role,
        Some(nip.as_str()),
        user.token_version,
        s.store.now(),
    ) {
        Ok(t) => t,
        Err(e) => return ui.error(ApiError::Internal(e)),
    };
    if let Err(e) = s.store.record_sign_in(&user.username).await {
        return ui.error(e.into());
    }
    // The session cookie is SameSite=Strict: a redirect still inside the provider's cross-site
    // navigation would not carry it, so the next page is opened from this one.
    let mut response = ui.render(
        StatusCode::OK,
        "sso_done",
        &ui.lang.text("sign_in"),
        json!({"next": first_page(user.role)}),
    );
    let mut cookies = vec![
        session_cookie(&s, &token),
        format!("{FLOW_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0"),
    ];
    // A saved language is the pages' from signing in, whatever this browser remembered.
    if let Some(lang) = user.language.as_deref().and_then(Lang::parse) {
        cookies.push(language_cookie(Some(lang)));
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}
