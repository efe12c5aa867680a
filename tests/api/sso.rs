//! Single sign-on against a real OpenID provider: the certified `oidc-provider` package run by
//! Node (tests/oidc/provider.mjs; `.ci/run` installs it with `npm ci --prefix tests/oidc`).

use crate::helpers::*;
use jenjang::ServerSettings;
use jenjang_web::oidc::OidcSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CLIENT_ID: &str = "jenjang";
const CLIENT_SECRET: &str = "rahasia-klien-uji-0123456789";
const TEST_CALLBACK: &str = "http://127.0.0.1:1/test-callback";
const UNKNOWN_NIP: &str = "199901012020121001";

/// The provider process, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider(port: u16, app_callback: &str, accounts: &[(&str, &str)]) -> Provider {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
    npm_ci(std::path::Path::new(dir), "node_modules/oidc-provider");
    let mut command = Command::new("node");
    command
        .current_dir(dir)
        .arg("provider.mjs")
        .arg(port.to_string())
        .arg(CLIENT_ID)
        .arg(CLIENT_SECRET)
        .arg(format!("{app_callback},{TEST_CALLBACK}"));
    for (sub, nip) in accounts {
        command.arg(format!("{sub}={nip}"));
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the test OpenID provider");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = loop {
        let line = lines
            .next()
            .expect("the provider printed where it listens")
            .unwrap();
        if let Some(issuer) = line.strip_prefix("listening ") {
            break issuer.to_string();
        }
    };
    // Keep reading what it prints (notices), or it dies writing to a closed pipe.
    std::thread::spawn(move || for _ in lines {});
    Provider { child, issuer }
}

/// A browser: cookies kept per host, redirects not followed.
struct Browser {
    client: reqwest::Client,
    cookies: HashMap<String, HashMap<String, String>>,
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

impl Browser {
    fn new() -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    async fn get(&mut self, url: &str) -> Answer {
        let parsed = reqwest::Url::parse(url).unwrap();
        let host = format!(
            "{}:{}",
            parsed.host_str().unwrap(),
            parsed.port().unwrap_or(80)
        );
        let jar = self.cookies.entry(host).or_default();
        let header = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = self
            .client
            .get(url)
            .header("cookie", header)
            .send()
            .await
            .unwrap();
        for value in r.headers().get_all("set-cookie") {
            let first = value.to_str().unwrap().split(';').next().unwrap();
            let (name, v) = first.split_once('=').unwrap();
            if v.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), v.to_string());
            }
        }
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| parsed.join(l.to_str().unwrap()).unwrap().to_string());
        Answer {
            status,
            location,
            html: r.text().await.unwrap(),
        }
    }

    /// Follows redirects from `url` until one leaves for `stop_at` (answered, not fetched).
    async fn follow(&mut self, url: &str, stop_at: &str) -> String {
        let mut url = url.to_string();
        for _ in 0..10 {
            let answer = self.get(&url).await;
            let next = answer.location.unwrap_or_else(|| {
                panic!(
                    "{url} answered {} without a redirect: {}",
                    answer.status, answer.html
                )
            });
            if next.starts_with(stop_at) {
                return next;
            }
            url = next;
        }
        panic!("too many redirects")
    }
}

async fn sso_app() -> (TestApp, Provider, String) {
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let port = free_port();
    let app = spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        oidc: Some(OidcSettings {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            claim: "nip".into(),
            audience: None,
            redirect_url: None,
        }),
        ..Default::default()
    })
    .await;
    let provider = start_provider(
        port,
        &app.url("/auth/oidc/callback"),
        &[("siti", &staff), ("orang-luar", UNKNOWN_NIP)],
    );
    (app, provider, staff)
}

#[tokio::test]
async fn an_employee_signs_in_through_the_provider_and_nobody_unknown_does() {
    let (app, provider, staff) = sso_app().await;
    let mut browser = Browser::new();
    let login = browser.get(&app.url("/masuk")).await;
    assert!(login.html.contains("Masuk dengan SSO"));

    let callback = browser
        .follow(
            &app.url("/auth/oidc/login?login_hint=siti"),
            &app.url("/auth/oidc/callback"),
        )
        .await;
    assert!(
        callback.contains("code=") && callback.contains("state="),
        "{callback}"
    );
    let _ = &provider;
    let done = browser.get(&callback).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("url=/rencana-saya"));
    let page = browser.get(&app.url("/rencana-saya")).await;
    assert_eq!(page.status, StatusCode::OK);
    let name = Demo::new()
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == staff)
        .unwrap()
        .name
        .clone();
    assert!(
        page.html.contains(&name.replace('\'', "&#x27;")),
        "{}",
        page.html
    );

    // The code cannot be used twice, and a callback without this browser's state is refused.
    let again = browser.get(&callback).await;
    assert!(again.status.is_client_error(), "{}", again.status);

    // Someone the provider knows but Jenjang has no account for is refused with a clear page.
    let mut stranger = Browser::new();
    let callback = stranger
        .follow(
            &app.url("/auth/oidc/login?login_hint=orang-luar"),
            &app.url("/auth/oidc/callback"),
        )
        .await;
    let refused = stranger.get(&callback).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.html.contains("belum memiliki akun"),
        "{}",
        refused.html
    );
    assert!(
        !stranger
            .cookies
            .values()
            .any(|jar| jar.contains_key("jenjang_token"))
    );
    let (_, page) = app
        .get(
            &app.token("admin").await,
            &format!("/api/v1/users?q={UNKNOWN_NIP}"),
        )
        .await;
    assert_eq!(page["total"], 0, "never created");
}

/// An access token of the provider for `sub`, obtained as an API client would.
async fn provider_access_token(provider: &Provider, sub: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let verifier = "a-pkce-verifier-of-the-test-client-0123456789abcdef";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut url = reqwest::Url::parse(&format!("{}/auth", provider.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", TEST_CALLBACK)
        .append_pair("scope", "openid")
        .append_pair("state", "s")
        .append_pair("nonce", "n")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("login_hint", sub);
    let back = Browser::new().follow(url.as_str(), TEST_CALLBACK).await;
    let code = reqwest::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", TEST_CALLBACK),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_string()
}

async fn signed(provider: &Provider, claims: Value, other_key: bool) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/test/sign", provider.issuer))
        .json(&json!({"claims": claims, "other_key": other_key}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_api_accepts_the_providers_access_tokens_and_refuses_forged_ones() {
    let (app, provider, staff) = sso_app().await;
    let token = provider_access_token(&provider, "siti").await;
    let (status, me) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], staff);
    assert_eq!(me["nip"], staff);

    let now = chrono::Utc::now().timestamp();
    let good = json!({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "siti", "nip": staff, "iat": now, "exp": now + 300});
    // The control: a token the provider signed with the right claims is accepted.
    let (status, _) = app
        .get(
            &signed(&provider, good.clone(), false).await,
            "/api/v1/auth/me",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let forged = [
        ("another key", signed(&provider, good.clone(), true).await),
        (
            "another audience",
            signed(&provider, with("aud", json!("another-app")), false).await,
        ),
        (
            "expired",
            signed(&provider, with("exp", json!(now - 600)), false).await,
        ),
        (
            "another issuer",
            signed(&provider, with("iss", json!("http://127.0.0.1:9")), false).await,
        ),
        (
            "an unknown NIP",
            signed(&provider, with("nip", json!(UNKNOWN_NIP)), false).await,
        ),
        ("alg none", {
            use base64::Engine;
            let e =
                |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            format!(
                "{}.{}.",
                e(&json!({"alg": "none", "typ": "JWT", "kid": "jenjang-test-key"})),
                e(&good)
            )
        }),
    ];
    for (what, token) in forged {
        let (status, body) = app.get(&token, "/api/v1/auth/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    }

    // A disabled account's provider token is refused too.
    let admin = app.token("admin").await;
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/v1/users/{staff}"),
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
