//! OpenID Connect single sign-on: Jenjang as a relying party of the organisation's identity
//! provider. The web UI signs in with the authorization-code flow (PKCE S256, `state`, `nonce`);
//! API clients may send the provider's JWT access tokens as bearer tokens. Tokens are verified
//! against the provider's JWKS (fetched once, fetched again when a token names an unknown key),
//! with `iss`, `aud`, `exp` and the signature checked and the algorithm taken from the key —
//! never `none`, never a shared-secret algorithm. The configured claim (default `nip`, else
//! `preferred_username`) names the employee; someone without an account is refused, never
//! created.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How Jenjang reaches the identity provider (`JENJANG_OIDC_*`).
#[derive(Clone, Default)]
pub struct OidcSettings {
    /// The provider's issuer URL (its discovery document is at
    /// `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The claim holding the employee's NIP (default `nip`; `preferred_username` is tried too).
    pub claim: String,
    /// The audience access tokens must carry (default: the client id).
    pub audience: Option<String>,
    /// Where the provider sends the browser back (default: the public URL + `/auth/oidc/callback`).
    pub redirect_url: Option<String>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("claim", &self.claim)
            .field("audience", &self.audience)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

/// Why a provider token or sign-in is refused.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider cannot be reached: {0}")]
    Provider(String),
    #[error("the token is not valid: {0}")]
    Token(String),
    #[error("the token names no employee (claim {0})")]
    NoNip(String),
}

/// The relying party: settings, an HTTP client, the discovery document and the key set.
pub struct Oidc {
    pub settings: OidcSettings,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<Option<(Instant, JwkSet)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A key set is fetched again for an unknown `kid` at most this often.
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(10);

impl Oidc {
    pub fn new(settings: OidcSettings) -> Self {
        Oidc {
            settings,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            discovery: RwLock::new(None),
            keys: RwLock::new(None),
        }
    }

    /// The audience the provider's access tokens must carry.
    pub fn audience(&self) -> &str {
        self.settings
            .audience
            .as_deref()
            .unwrap_or(&self.settings.client_id)
    }

    /// A JSON document of the provider (with the access token when `bearer` is given).
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, OidcError> {
        let mut request = self.http.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .json()
            .await
            .map_err(|e| OidcError::Provider(format!("{url}: {e}")))
    }

    /// The provider's discovery document (fetched once, then kept).
    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        if let Some(d) = self.discovery.read().await.as_ref() {
            return Ok(d.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let d: Discovery = self.get_json(&url, None).await?;
        if d.issuer.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/') {
            return Err(OidcError::Provider(format!(
                "the discovery document names the issuer {}, not {}",
                d.issuer, self.settings.issuer
            )));
        }
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    async fn fetch_keys(&self) -> Result<JwkSet, OidcError> {
        let d = self.discovery().await?;
        let set: JwkSet = self.get_json(&d.jwks_uri, None).await?;
        *self.keys.write().await = Some((Instant::now(), set.clone()));
        Ok(set)
    }

    /// The published key `kid` (the only key when the token names none), fetching the set
    /// again when the cached one does not hold it.
    async fn key(&self, kid: Option<&str>) -> Result<Jwk, OidcError> {
        let pick = |set: &JwkSet| match kid {
            Some(k) => set.find(k).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let cached = self.keys.read().await.clone();
        if let Some((_, set)) = &cached
            && let Some(k) = pick(set)
        {
            return Ok(k);
        }
        let stale = cached
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() >= REFRESH_AT_MOST_EVERY);
        if stale {
            let set = self.fetch_keys().await?;
            if let Some(k) = pick(&set) {
                return Ok(k);
            }
        }
        Err(OidcError::Token(format!(
            "the provider publishes no key {}",
            kid.unwrap_or("(none named)")
        )))
    }

    /// Verifies a JWT signed by the provider for `audience` and answers its claims.
    pub async fn verify(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<Map<String, Value>, OidcError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| OidcError::Token(format!("unreadable header: {e}")))?;
        let jwk = self.key(header.kid.as_deref()).await?;
        if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(OidcError::Token(
                "a shared-secret key is never accepted".into(),
            ));
        }
        // The algorithm comes from the key; a token asking for another is refused.
        let algorithm = match &jwk.common.key_algorithm {
            Some(ka) => Algorithm::from_str(&format!("{ka:?}"))
                .map_err(|_| OidcError::Token(format!("unsupported key algorithm {ka:?}")))?,
            None => header.alg,
        };
        if header.alg != algorithm
            || matches!(
                algorithm,
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
            )
        {
            return Err(OidcError::Token(format!(
                "signed with {:?}, the key is for {algorithm:?}",
                header.alg
            )));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Token(e.to_string()))?;
        let issuer = self.discovery().await?.issuer;
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map(|d| d.claims)
            .map_err(|e| OidcError::Token(e.to_string()))
    }

    /// The NIP the claims name: the configured claim, else `preferred_username`.
    pub fn nip_of(&self, claims: &Map<String, Value>) -> Result<String, OidcError> {
        let claim = if self.settings.claim.is_empty() {
            "nip"
        } else {
            self.settings.claim.as_str()
        };
        [claim, "preferred_username"]
            .iter()
            .find_map(|c| claims.get(*c).and_then(Value::as_str))
            .map(|s| s.trim().to_string())
            .filter(|s| jenjang_core::Nip::parse(s).is_ok())
            .ok_or_else(|| OidcError::NoNip(claim.to_string()))
    }

    /// The NIP of a provider access token sent to the API.
    pub async fn nip_of_access_token(&self, token: &str) -> Result<String, OidcError> {
        let claims = self.verify(token, self.audience()).await?;
        self.nip_of(&claims)
    }

    /// Where to send the browser to sign in.
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
        login_hint: Option<&str>,
    ) -> Result<String, OidcError> {
        let d = self.discovery().await?;
        let mut url = reqwest::Url::parse(&d.authorization_endpoint)
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.settings.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", "openid")
                .append_pair("state", state)
                .append_pair("nonce", nonce)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = login_hint {
                q.append_pair("login_hint", hint);
            }
        }
        Ok(url.to_string())
    }

    /// Exchanges an authorization code, checks the ID token (audience the client, `nonce`)
    /// and answers the employee's NIP: from the access token's claim when it is a JWT for our
    /// audience, else from the ID token, else from userinfo.
    pub async fn finish(
        &self,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<String, OidcError> {
        #[derive(Deserialize)]
        struct Tokens {
            access_token: String,
            id_token: Option<String>,
        }
        let d = self.discovery().await?;
        let response = self
            .http
            .post(&d.token_endpoint)
            .basic_auth(&self.settings.client_id, Some(&self.settings.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(OidcError::Provider(format!(
                "the token endpoint answered {status}: {body}"
            )));
        }
        let tokens: Tokens = response
            .json()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| OidcError::Token("the provider sent no ID token".into()))?;
        let id = self.verify(&id_token, &self.settings.client_id).await?;
        if id.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(OidcError::Token(
                "the ID token's nonce is not this sign-in's".into(),
            ));
        }
        if let Ok(nip) = self.nip_of_access_token(&tokens.access_token).await {
            return Ok(nip);
        }
        if let Ok(nip) = self.nip_of(&id) {
            return Ok(nip);
        }
        let Some(userinfo) = d.userinfo_endpoint else {
            return Err(OidcError::NoNip(self.settings.claim.clone()));
        };
        let info: Map<String, Value> = self.get_json(&userinfo, Some(&tokens.access_token)).await?;
        if info.get("sub") != id.get("sub") {
            return Err(OidcError::Token("userinfo is about someone else".into()));
        }
        self.nip_of(&info)
    }
}
