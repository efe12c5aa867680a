//! Authentication: argon2id password hashes, HS256 JWTs (algorithm pinned; `exp`, `iat`, `iss`
//! and `aud` checked), the bearer token for the API and the same token in an HttpOnly SameSite
//! cookie for the web UI, and a per-username-and-address limit on login attempts.
//!
//! `CurrentUser` is an extractor, so a handler that takes it cannot forget authentication; the
//! login's role and NIP are re-read from the database on every request, so a disabled login or
//! changed role takes effect at once.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Fields, finish};
use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jenjang_core::access::{Action, Principal, authorize};
use jenjang_core::kinds::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;
use utoipa::ToSchema;

pub const COOKIE_NAME: &str = "jenjang_token";
/// The `Set-Cookie` value that signs the web UI out.
pub(crate) const CLEARED_COOKIE: &str =
    "jenjang_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
const ISSUER: &str = "jenjang";
const AUDIENCE: &str = "jenjang";

/// Signing keys and token settings.
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub token_ttl: Duration,
    dummy_hash: String,
    limiter: DefaultKeyedRateLimiter<(String, IpAddr)>,
    /// Failed sign-ins per client address, whatever the username (password spraying).
    failures: FailureWindow,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("secret", &"<redacted>")
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

/// The claims of a Jenjang token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nip: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The login's token version when issued: raising it (password change, disable, role
    /// change) ends every earlier session.
    #[serde(default)]
    pub ver: i32,
    /// This token's id, refused once signed out.
    #[serde(default)]
    pub jti: String,
}

impl Auth {
    /// `login_attempts_per_minute` attempts per username and client address are allowed, and
    /// `failures_per_address_per_minute` failed ones per address across all usernames.
    pub fn new(
        secret: &[u8],
        token_ttl: Duration,
        login_attempts_per_minute: u32,
        failures_per_address_per_minute: u32,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let per_minute = NonZeroU32::new(login_attempts_per_minute.max(1)).expect("at least one");
        Auth {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            token_ttl,
            dummy_hash: Argon2::default()
                .hash_password(b"no such user")
                .map(|h| h.to_string())
                .unwrap_or_default(),
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            failures: FailureWindow::new(failures_per_address_per_minute.max(1), 60),
        }
    }

    pub fn issue(
        &self,
        username: &str,
        role: Role,
        nip: Option<&str>,
        token_version: i32,
        now: chrono::DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let now = now.timestamp();
        let claims = Claims {
            sub: username.to_string(),
            role: role.as_str().to_string(),
            nip: nip.map(str::to_string),
            iat: now,
            exp: now + self.token_ttl.as_secs() as i64,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            ver: token_version,
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("the token has expired")
                }
                _ => ApiError::Unauthorized("the token is not valid"),
            })
    }
}

/// Failed attempts per client address: an address's window opens at its first failure and lasts
/// `window`; one that has failed `max` times in it is refused until it closes. Windows are not
/// aligned to the clock's minutes, so a burst cannot be split over a boundary to get twice the
/// attempts. Only failures count, so an office behind one address signing in correctly in the
/// morning is never slowed down. Closed windows are dropped as the map grows, so it stays as
/// small as the set of addresses failing right now.
struct FailureWindow {
    max: u32,
    window: std::time::Duration,
    counts: std::sync::Mutex<std::collections::HashMap<IpAddr, (std::time::Instant, u32)>>,
}

impl FailureWindow {
    fn new(max: u32, window_secs: u64) -> Self {
        FailureWindow {
            max,
            window: std::time::Duration::from_secs(window_secs),
            counts: Default::default(),
        }
    }

    /// Seconds until `ip` may try again, if it is blocked now.
    fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match counts.get(&ip) {
            Some((opened, n)) if *n >= self.max && opened.elapsed() < self.window => {
                Some((self.window - opened.elapsed()).as_secs().max(1))
            }
            _ => None,
        }
    }

    fn record_failure(&self, ip: IpAddr) {
        let now = std::time::Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 10_000 {
            counts.retain(|_, (opened, _)| now.duration_since(*opened) < self.window);
        }
        let entry = counts.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

pub use jenjang_app::passwords::{hash_password, verify_password};

/// The peer address of the connection (unspecified when served without connection info).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// The authenticated caller of a request, the data version read with their login (see
/// `Analytics`, so a request needs no second round trip to learn it), their name, and the
/// pages' language they chose.
#[derive(Debug, Clone)]
pub struct CurrentUser(
    pub Principal,
    pub i64,
    pub Option<String>,
    pub Option<String>,
);

impl CurrentUser {
    /// The caller signed in as `user`, at data version `version`.
    fn of(user: jenjang_store::User, version: i64) -> Self {
        CurrentUser(
            Principal {
                username: user.username,
                role: user.role,
                nip: user.nip,
            },
            version,
            user.name,
            user.language,
        )
    }

    pub fn require(&self, action: Action) -> ApiResult<()> {
        authorize(&self.0, action).map_err(|_| ApiError::Forbidden)
    }
}

fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    cookie(headers, COOKIE_NAME)
}

/// The value of the cookie `name`, if the request carries it.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
}

/// The name of the header that carries the CSRF token when the API is called with the UI's
/// cookie instead of a bearer token.
pub const CSRF_HEADER: &str = "x-csrf-token";

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    /// The caller of an API request. A bearer token works for everything; the UI's cookie alone
    /// only for reads: a write carried by the cookie must also send the CSRF token in
    /// `X-CSRF-Token` (matching the `jenjang_csrf` cookie), so a cross-site form or `text/plain`
    /// POST cannot act with a signed-in person's cookie, whatever the browser does with
    /// SameSite.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::resolve(parts, state).await?;
        let by_cookie = parts.headers.get(AUTHORIZATION).is_none();
        if by_cookie && !parts.method.is_safe() {
            let expected = cookie(&parts.headers, crate::ui::CSRF_COOKIE);
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            let matches = matches!((expected.as_deref(), sent), (Some(e), Some(s)) if e.len() == 32 && e == s);
            if !matches {
                return Err(ApiError::Csrf);
            }
        }
        Ok(user)
    }
}

impl CurrentUser {
    /// The signed-in caller from the bearer token or the UI's cookie, without the CSRF check
    /// (the UI checks its forms' own tokens).
    pub(crate) async fn resolve(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_or_cookie(&parts.headers).ok_or(ApiError::Unauthorized(
            "sign in first: send Authorization: Bearer <token>",
        ))?;
        let claims = match state.auth.verify(&token) {
            Ok(c) => c,
            Err(local) => return Self::resolve_provider_token(state, &token, local).await,
        };
        let (user, version, revoked) = state
            .store
            .find_user_with_version(&claims.sub, &claims.jti)
            .await?;
        let user = user.ok_or(ApiError::Unauthorized(
            "the login of this token no longer exists",
        ))?;
        if !user.active {
            return Err(ApiError::Unauthorized("this account is disabled"));
        }
        if revoked || user.token_version != claims.ver {
            return Err(ApiError::Unauthorized(
                "this session has ended (signed out, or the password or role changed): sign in again",
            ));
        }
        Ok(CurrentUser::of(user, version))
    }
}

impl CurrentUser {
    /// A bearer token of the organisation's identity provider (when single sign-on is set up):
    /// verified against its keys, the employee found by the NIP it names. Answers `local` (the
    /// reason Jenjang's own check gave) when single sign-on is not set up.
    async fn resolve_provider_token(
        state: &AppState,
        token: &str,
        local: ApiError,
    ) -> Result<Self, ApiError> {
        let Some(oidc) = &state.oidc else {
            return Err(local);
        };
        let nip = oidc.nip_of_access_token(token).await.map_err(|e| {
            tracing::debug!(error = %e, "provider token refused");
            ApiError::Unauthorized("the token is not valid")
        })?;
        let user = state
            .store
            .find_user_by_nip(&nip)
            .await?
            .ok_or(ApiError::Unauthorized(
                "no account belongs to the NIP of this token",
            ))?;
        if !user.active {
            return Err(ApiError::Unauthorized("this account is disabled"));
        }
        let (found, version, _) = state
            .store
            .find_user_with_version(&user.username, "")
            .await?;
        Ok(CurrentUser::of(found.unwrap_or(user), version))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUser {
    pub username: String,
    pub role: Role,
    pub nip: Option<String>,
    /// The pages' language the person saved, for the UI's sign-in; not part of the answer
    /// (`GET /api/v1/me/preferences` tells it).
    #[serde(skip)]
    pub language: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: LoginUser,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Signs in. Answers a bearer token and sets the same token as an HttpOnly cookie for the UI.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong username or password"),
              (status = 422), (status = 429, description = "too many attempts for this username from this address")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let username = f.text("username");
    let password = f.text("password");
    let (username, password) = finish(username.zip(password), errors)?;
    let body = authenticate(&state, ip, &username, password).await?;
    let cookie = session_cookie(&state, &body.token);
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// Checks a username and password (at most so many attempts a minute per username and
/// address, and so many failures per address whatever the username) and issues a token: the API's login and the UI's sign-in form.
pub(crate) async fn authenticate(
    state: &AppState,
    ip: IpAddr,
    username: &str,
    password: String,
) -> ApiResult<LoginResponse> {
    if let Some(wait) = state.auth.failures.blocked(ip) {
        return Err(ApiError::RateLimited(wait));
    }
    if let Err(not_until) = state.auth.limiter.check_key(&(username.to_lowercase(), ip)) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        return Err(ApiError::RateLimited(wait.as_secs().max(1)));
    }

    // A disabled account, or one still waiting for its first password, cannot sign in.
    let user = state
        .store
        .find_user(username)
        .await?
        .filter(|u| u.active && !u.password_hash.is_empty());
    // An unknown username costs a hash check too, so response times do not reveal which exist.
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => state.auth.dummy_hash.clone(),
    };
    let valid = verify_password(password, hash).await? && user.is_some();
    let user = match (user, valid) {
        (Some(u), true) => u,
        _ => {
            state.auth.failures.record_failure(ip);
            return Err(ApiError::Unauthorized("wrong username or password"));
        }
    };
    let nip = user.nip.as_ref().map(|n| n.to_string());
    let token = state.auth.issue(
        &user.username,
        user.role,
        nip.as_deref(),
        user.token_version,
        state.store.now(),
    )?;
    state.store.record_sign_in(&user.username).await?;
    Ok(LoginResponse {
        token,
        token_type: "Bearer",
        expires_in: state.auth.token_ttl.as_secs(),
        user: LoginUser {
            username: user.username,
            role: user.role,
            nip,
            language: user.language,
        },
    })
}

/// The `Set-Cookie` value that keeps `token` for the web UI: HttpOnly, SameSite=Strict (marked
/// Secure by `security::headers` when the site is reached over HTTPS).
pub(crate) fn session_cookie(state: &AppState, token: &str) -> String {
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        state.auth.token_ttl.as_secs(),
    )
}

/// Ends the session: the token (bearer or the UI's cookie) is refused from now on, and the UI
/// cookie is cleared. Without a valid token it only clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    end_session(&state, &headers).await?;
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_static(CLEARED_COOKIE));
    Ok(response)
}

/// Refuses the request's token (if it carries a valid one) from now on.
pub(crate) async fn end_session(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    if let Some(token) = bearer_or_cookie(headers)
        && let Ok(claims) = state.auth.verify(&token)
        && !claims.jti.is_empty()
    {
        let expires =
            chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or_else(|| state.store.now());
        state.store.revoke_token(&claims.jti, expires).await?;
    }
    Ok(())
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = LoginUser), (status = 401)),
    security(("bearer" = [])))]
pub async fn me(user: CurrentUser) -> Json<LoginUser> {
    let p = user.0;
    Json(LoginUser {
        username: p.username,
        role: p.role,
        nip: p.nip.map(|n| n.to_string()),
        language: user.3,
    })
}

/// Sets a password through a one-time activation or reset link: `{token, password}`. An
/// unknown, used or expired link, or a weak password, answers 422 saying why; nothing changes.
#[utoipa::path(post, path = "/api/v1/auth/activate", tag = "auth", request_body = serde_json::Value,
    responses((status = 200, description = "{username}: sign in with the new password"), (status = 422)))]
pub async fn activate(
    State(state): State<AppState>,
    Body(body): Body,
) -> ApiResult<Json<serde_json::Value>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let token = f.text("token");
    let password = f.text("password");
    let (token, password) = finish(token.zip(password), errors)?;
    let username = jenjang_app::accounts::activate(&state.store, &token, &password).await?;
    Ok(Json(serde_json::json!({"username": username})))
}

/// Changes the caller's password: `{current, new}`. Every other session of the account ends;
/// this answer carries a fresh token (and cookie) so the caller stays signed in.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = serde_json::Value,
    responses((status = 200, body = LoginResponse), (status = 401), (status = 422, description = "the current password is wrong, or the new one is weak")),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let current = f.text("current");
    let new = f.text("new");
    let (current, new) = finish(current.zip(new), errors)?;
    jenjang_app::accounts::change_password(&state.context(&user), &current, &new).await?;
    let fresh = state
        .store
        .find_user(&user.0.username)
        .await?
        .ok_or(ApiError::Unauthorized(
            "the login of this token no longer exists",
        ))?;
    let nip = fresh.nip.as_ref().map(|n| n.to_string());
    let token = state.auth.issue(
        &fresh.username,
        fresh.role,
        nip.as_deref(),
        fresh.token_version,
        state.store.now(),
    )?;
    let cookie = session_cookie(&state, &token);
    let mut response = Json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_in: state.auth.token_ttl.as_secs(),
        user: LoginUser {
            username: fresh.username,
            role: fresh.role,
            nip,
            language: fresh.language,
        },
    })
    .into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}
