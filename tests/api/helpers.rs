//! `spawn_app()`: the real server on port 0 over a fresh database holding the demo dataset.
//!
//! SQLite by default (a file in a temporary folder); PostgreSQL when `JENJANG_TEST_DATABASE_URL`
//! names a server (`postgres://postgres@127.0.0.1:5432/postgres`), each test in its own new
//! database. The demo dataset is loaded once per test run into a template (a file copied per
//! test, or a PostgreSQL template database), so each test starts from it in milliseconds.

use jenjang::seed::{DEMO_PASSWORD, Dataset};
use jenjang::{ServerSettings, app_state, open_store};
use jenjang_store::Store;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub store: Store,
    pub database_url: String,
    /// The workflow engine on this database, on a clock the test moves; tests run it with
    /// [`TestApp::run_engine`] (serve runs it in the background).
    pub engine: std::sync::Arc<jenjang_engine::Engine>,
    pub clock: jenjang_engine::ManualClock,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn postgres_server() -> Option<String> {
    std::env::var("JENJANG_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The database name part of a PostgreSQL URL replaced.
fn with_database(server: &str, name: &str) -> String {
    let (base, _) = server
        .rsplit_once('/')
        .expect("a postgres URL ends in /DATABASE");
    format!("{base}/{name}")
}

enum Template {
    Sqlite(PathBuf),
    Postgres(String),
}

static TEMPLATE: OnceLock<Template> = OnceLock::new();

/// Builds the template on a thread of its own (with its own runtime), once per test binary.
fn template() -> &'static Template {
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                match postgres_server() {
                    Some(server) => {
                        let name = format!("jenjang_tmpl_{}", uuid::Uuid::new_v4().simple());
                        admin_sql(&server, &format!("CREATE DATABASE {name}")).await;
                        let url = with_database(&server, &name);
                        let store = open_store(&url).await.unwrap();
                        jenjang::seed::load_demo(&store).await.unwrap();
                        jenjang_engine::defaults::install_defaults(&store)
                            .await
                            .unwrap();
                        store.close().await.unwrap();
                        Template::Postgres(name)
                    }
                    None => {
                        let dir = std::env::temp_dir()
                            .join(format!("jenjang-tmpl-{}", uuid::Uuid::new_v4().simple()));
                        std::fs::create_dir_all(&dir).unwrap();
                        let path = dir.join("template.db");
                        let url = format!("sqlite://{}?mode=rwc", path.display());
                        let store = open_store(&url).await.unwrap();
                        jenjang::seed::load_demo(&store).await.unwrap();
                        jenjang_engine::defaults::install_defaults(&store)
                            .await
                            .unwrap();
                        store.close().await.unwrap();
                        Template::Sqlite(path)
                    }
                }
            })
        })
        .join()
        .unwrap()
    })
}

async fn admin_sql(server: &str, sql: &str) {
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(server)
        .await
        .expect("connect to the PostgreSQL test server");
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.unwrap();
}

/// A fresh database holding the demo dataset.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match template() {
        Template::Postgres(tmpl) => {
            let server = postgres_server().unwrap();
            let name = format!("jenjang_test_{}", uuid::Uuid::new_v4().simple());
            admin_sql(&server, &format!("CREATE DATABASE {name} TEMPLATE {tmpl}")).await;
            (with_database(&server, &name), None)
        }
        Template::Sqlite(path) => {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("jenjang.db");
            std::fs::copy(path, &copy).unwrap();
            (format!("sqlite://{}?mode=rwc", copy.display()), Some(dir))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServerSettings {
        jwt_secret: Some(SECRET.into()),
        ..Default::default()
    })
    .await
}

pub async fn spawn_app_with(settings: ServerSettings) -> TestApp {
    // Errors of the server show in the output of a failing test.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn,jenjang_web=error")
        .with_test_writer()
        .try_init();
    let (database_url, dir) = fresh_database().await;
    // One clock for the store, the use cases, the pages and the engine: a test that moves it
    // moves "today" everywhere.
    let clock = jenjang_engine::ManualClock::new(chrono::Utc::now());
    let store = open_store(&database_url)
        .await
        .unwrap()
        .with_clock(std::sync::Arc::new(clock.clone()));
    let state = app_state(store.clone(), &database_url, &settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        jenjang_web::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let engine = std::sync::Arc::new(jenjang_engine::Engine::new(
        store.clone(),
        std::sync::Arc::new(clock.clone()),
    ));
    TestApp {
        engine,
        clock,
        base,
        client: Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        store,
        database_url,
        _dir: dir,
        shutdown: Some(tx),
    }
}

/// Well-known people of the demo dataset, found from the data rather than hard-coded.
pub struct Demo {
    pub data: Dataset,
    /// The demo's assessments and evaluations, parsed (the dataset keeps large files as text).
    pub assessments: Vec<(jenjang_core::Nip, jenjang_core::reference::CompetencyRecord)>,
    pub evaluations: Vec<(jenjang_core::Nip, jenjang_core::predikat::Evaluation)>,
}

impl Demo {
    pub fn new() -> Self {
        let data = Dataset::demo();
        Demo {
            assessments: data.assessments.rows().unwrap(),
            evaluations: data.evaluations.rows().unwrap(),
            data,
        }
    }

    /// The demo position an employee holds, if any.
    pub fn position_of(
        &self,
        e: &jenjang_core::reference::Employee,
    ) -> Option<&jenjang_core::reference::Position> {
        self.data
            .positions
            .iter()
            .find(|p| Some(&p.code) == e.position.as_ref())
    }

    pub fn head_of(&self, unit: &str) -> String {
        self.data
            .units
            .iter()
            .find(|u| u.code.as_str() == unit)
            .unwrap()
            .head_nip
            .as_ref()
            .unwrap()
            .to_string()
    }

    /// Employees whose supervisor is `nip`.
    pub fn reports_of(&self, nip: &str) -> Vec<String> {
        self.data
            .employees
            .iter()
            .filter(|e| e.supervisor_nip.as_ref().is_some_and(|s| s.as_str() == nip))
            .map(|e| e.nip.to_string())
            .collect()
    }

    /// An employee with no reports, in `unit`'s section.
    pub fn staff_in(&self, unit: &str) -> String {
        self.data
            .employees
            .iter()
            .find(|e| e.unit.as_str() == unit && self.reports_of(e.nip.as_str()).is_empty())
            .unwrap()
            .nip
            .to_string()
    }

    pub fn count_in_subtree(&self, unit: &str) -> usize {
        let mut units = vec![unit.to_string()];
        let mut i = 0;
        while i < units.len() {
            let parent = units[i].clone();
            units.extend(
                self.data
                    .units
                    .iter()
                    .filter(|u| u.parent.as_ref().is_some_and(|p| p.as_str() == parent))
                    .map(|u| u.code.to_string()),
            );
            i += 1;
        }
        self.data
            .employees
            .iter()
            .filter(|e| units.contains(&e.unit.to_string()))
            .count()
    }
}

impl TestApp {
    /// A second server process's worth of state (its own pool and caches) on the same database,
    /// serving on another port: returns its base URL. It stops with the test's runtime.
    pub async fn second_server(&self) -> String {
        let store = open_store(&self.database_url).await.unwrap();
        self.serve_another(store).await
    }

    /// A server with caches of its own but this app's connection pool: what a process started
    /// afresh would answer, without opening connections for it.
    pub async fn fresh_server(&self) -> String {
        self.serve_another(self.store.clone()).await
    }

    async fn serve_another(&self, store: Store) -> String {
        let state = app_state(
            store,
            &self.database_url,
            &ServerSettings {
                jwt_secret: Some(SECRET.into()),
                ..Default::default()
            },
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = jenjang_web::serve(listener, state, std::future::pending::<()>()).await;
        });
        base
    }

    /// Runs the workflow engine until nothing is due at the test clock's now.
    pub async fn run_engine(&self) -> usize {
        self.engine.drain().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login_response(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, username: &str) -> String {
        let r = self.login_response(username, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "login of {username}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, token, path, body).await
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, token, path, body).await
    }

    /// Posts `csv` to the import of `kind` (`employees`, `evaluations`, ...) as HR would.
    pub async fn import_csv(&self, token: &str, kind: &str, csv: String) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(&format!("/api/v1/imports/{kind}")))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        read(r).await
    }
}

pub async fn read(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts the API error shape and returns the error code.
pub fn error_code(body: &Value) -> &str {
    let e = &body["error"];
    assert!(
        e["message"].is_string(),
        "error body without message: {body}"
    );
    assert!(
        e["details"].is_array(),
        "error body without details: {body}"
    );
    e["code"]
        .as_str()
        .unwrap_or_else(|| panic!("error body without code: {body}"))
}

/// The fields named by a 422.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect()
}

/// A port nobody listens on now, for a helper process the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Installs the npm packages of a test helper folder (`tests/oidc`, `tests/browser`) the first
/// time, when `marker` (a path inside it) is missing: `.ci/run` does it before the tests, a
/// fresh checkout running `cargo test` gets it here.
pub fn npm_ci(dir: &std::path::Path, marker: &str) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if dir.join(marker).exists() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(dir)
        .status()
        .expect("npm (Node.js) installs the test helpers' packages");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}
