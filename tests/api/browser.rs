//! The web UI in a real browser: headless Chromium driven through WebDriver (Debian's `chromium`
//! and `chromium-driver`; `.ci/run` installs them). Each journey is done as its user would do it,
//! by clicking and typing, and checked afterwards through the API. Every page reached is also
//! checked for accessibility with axe-core (`tests/browser`, from the npm registry) and, at phone
//! width, for anything wider than the screen.

use crate::helpers::*;
use chrono::Datelike;
use fantoccini::{Client, ClientBuilder, Locator};
use jenjang::seed::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// At most two browsers at once on a two-core machine: each test waits its turn.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium session with its own chromedriver, closed when the test ends.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::SemaphorePermit<'static>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started share a process group of their own: end them
        // all, also when a failed test never closed its session.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The screen a test uses: a laptop, or a phone 360 CSS pixels wide.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Screen {
    Laptop,
    Phone,
}

impl Browser {
    pub async fn open(app: &TestApp, screen: Screen) -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "the browser tests need Debian's chromium and chromium-driver \
             (apt-get install chromium chromium-driver; .ci/run installs them)"
        );
        let turn = BROWSERS.acquire().await.unwrap();
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({
            "binary": CHROMIUM,
            "prefs": {"intl.accept_languages": "id-ID,id"},
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--lang=id", "--accept-lang=id-ID,id",
                format!("--user-data-dir={}", profile.path().display()),
                "--window-size=1280,900",
            ],
        });
        if screen == Screen::Phone {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0}});
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // chromedriver takes a moment to listen.
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        base: app.base.clone(),
                        driver,
                        _profile: profile,
                        _turn: turn,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no WebDriver session: {last:?}");
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits (up to ten seconds) until the browser has arrived at an address containing
    /// `fragment` — a click on a submit button returns before the next page has loaded — and
    /// panics with the page's text when it does not.
    pub async fn arrived_at(&self, fragment: &str) {
        for _ in 0..100 {
            if self.path().await.contains(fragment) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "never arrived at {fragment}; at {}:\n{}",
            self.path().await,
            self.body().await
        );
    }

    pub async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(selector))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no {selector} on {}: {e}\n{source}", self.path().await)
            }
        }
    }

    /// The text of the element `selector`, found again when the page was replaced under it
    /// (a navigation finishing between finding and reading).
    pub async fn text(&self, selector: &str) -> String {
        let mut last = None;
        for _ in 0..5 {
            match self.css(selector).await.text().await {
                Ok(text) => return text,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot read {selector}: {last:?}")
    }

    /// Types into the field named `name` of the form `form` (a CSS selector), replacing its text.
    pub async fn fill(&self, form: &str, name: &str, value: &str) {
        let field = self.css(&format!("{form} [name=\"{name}\"]")).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets a date field (typing into one depends on the locale's order of day and month).
    pub async fn set_date(&self, form: &str, name: &str, value: &str) {
        let field = self.css(&format!("{form} [name=\"{name}\"]")).await;
        self.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![serde_json::to_value(&field).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Turns the browser's own form checks off, as an old browser would have them, so that the
    /// server's checks are what answers.
    pub async fn without_browser_checks(&self) {
        self.client
            .execute(
                "document.querySelectorAll('form').forEach(f => f.noValidate = true);",
                vec![],
            )
            .await
            .unwrap();
    }

    pub async fn click(&self, selector: &str) {
        self.css(selector).await.click().await.unwrap();
    }

    /// Signs in through the sign-in form and lands on the first page.
    pub async fn sign_in(&self, username: &str) {
        self.goto("/masuk").await;
        self.fill("form[action=\"/masuk\"]", "username", username)
            .await;
        self.fill("form[action=\"/masuk\"]", "password", DEMO_PASSWORD)
            .await;
        self.click("form[action=\"/masuk\"] button[type=submit]")
            .await;
        self.css("form[action=\"/keluar\"]").await;
    }

    pub async fn sign_out(&self) {
        self.click("form[action=\"/keluar\"] button").await;
        self.css("form[action=\"/masuk\"]").await;
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    /// axe-core's serious and critical violations on the current page, one line each.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let source = axe_source();
        self.client.execute(source, vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(result).unwrap()
    }

    /// Elements sticking out of the viewport sideways (the page scrolls horizontally).
    pub async fn wider_than_screen(&self) -> Vec<String> {
        let result = self
            .client
            .execute(
                "const w = document.documentElement.clientWidth;
                 const out = [];
                 if (document.documentElement.scrollWidth > w + 1)
                   out.push('page ' + document.documentElement.scrollWidth + 'px > ' + w + 'px');
                 for (const e of document.querySelectorAll('body *')) {
                   // Content inside a deliberately scrolling box does not widen the page.
                   if (e.closest('.scroll') && !e.classList.contains('scroll')) continue;
                   const r = e.getBoundingClientRect();
                   if (r.width > 0 && r.right > w + 1)
                     out.push(e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '') +
                              ' right edge ' + Math.round(r.right) + 'px > ' + w + 'px');
                   if (out.length > 5) break;
                 }
                 return out;",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(result).unwrap()
    }

    /// Every same-origin link of the current page, as paths.
    pub async fn links(&self) -> Vec<String> {
        let result = self
            .client
            .execute(
                "return [...document.querySelectorAll('a[href]')]
                   .map(a => new URL(a.getAttribute('href'), location.href))
                   .filter(u => u.origin === location.origin)
                   .map(u => u.pathname + u.search);",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(result).unwrap()
    }

    /// The HTTP status and content type of each of `paths` fetched by this browser, with its
    /// session, as a click on the link would fetch it.
    pub async fn statuses(&self, paths: &[String]) -> Vec<(u16, String)> {
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 Promise.all(arguments[0].map(p =>
                   fetch(p, {credentials: 'same-origin', headers: {accept: 'text/html,*/*'}})
                     .then(r => [r.status, r.headers.get('content-type') || ''])
                     .catch(e => [0, String(e)])))
                   .then(done);",
                vec![json!(paths)],
            )
            .await
            .unwrap();
        serde_json::from_value(result).unwrap()
    }

    pub async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
    }
}

fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        npm_ci(&dir, "node_modules/axe-core/axe.min.js");
        let file = dir.join("node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&file).unwrap()
    })
}

/// Checks the page the browser is on: accessible (no serious or critical axe-core violation)
/// and, on a phone, nothing wider than the screen.
async fn check_page(b: &Browser, screen: Screen) {
    let path = b.path().await;
    // For a reviewer's eyes: every checked page as a PNG in JENJANG_SCREENSHOT_DIR.
    if let Some(dir) = std::env::var_os("JENJANG_SCREENSHOT_DIR") {
        let name: String = path
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let png = b.client.screenshot().await.unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}-{screen:?}.png")),
            png,
        )
        .unwrap();
    }
    let violations = b.accessibility_violations().await;
    assert!(violations.is_empty(), "{path}: {violations:#?}");
    if screen == Screen::Phone {
        let wide = b.wider_than_screen().await;
        assert!(wide.is_empty(), "{path} at 360px: {wide:#?}");
    }
}

async fn plan_of(app: &TestApp, token: &str, nip: &str) -> Value {
    let (status, plan) = app
        .get(token, &format!("/api/v1/employees/{nip}/development-plan"))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

/// The staff member builds a plan from the recommendations, adds a program, submits it; the
/// supervisor sends it back without a reason (refused on the page, the form kept), then approves
/// it; the staff member starts an item and completes it with a certificate and a link.
#[tokio::test]
async fn staff_and_supervisor_plan_journey_in_the_browser() {
    let app = spawn_app().await;
    let staff = "199902162024092001";
    let supervisor = "197503222002112001";
    let b = Browser::open(&app, Screen::Laptop).await;

    b.sign_in(staff).await;
    b.goto("/rencana-saya").await;
    check_page(&b, Screen::Laptop).await;
    // Due dates are checked on the page: one in the past is refused with the form kept.
    b.click("form[action=\"/rencana-saya\"] button[value=generate]")
        .await;
    b.arrived_at("notice=plan_generate").await;
    let generated = plan_of(&app, &app.token(staff).await, staff).await;
    let items = generated["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{generated}");
    let today = app.store.today().await.unwrap();
    assert!(
        items
            .iter()
            .all(|i| i["due"].as_str().unwrap() >= today.to_string().as_str()),
        "no item is due before today: {generated}"
    );
    let rows = b
        .client
        .find_all(Locator::Css("#rencana tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), items.len());

    // A program added by hand, first with a due date in the past.
    let form = "form#tambah";
    let options: Vec<String> = serde_json::from_value(
        b.client
            .execute(
                "return [...document.querySelectorAll('form#tambah select[name=program] option')]
                   .map(o => o.value).filter(v => v);",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    let program = options.first().expect("programs to add").clone();
    b.css(&format!("{form} select[name=program]"))
        .await
        .select_by_value(&program)
        .await
        .unwrap();
    let yesterday = today.pred_opt().unwrap();
    b.set_date(form, "due", &yesterday.to_string()).await;
    // The date field itself forbids it; with that check off the server refuses it too.
    b.without_browser_checks().await;
    b.click(&format!("{form} button[type=submit]")).await;
    let alert = b.text("#rencana div.error").await;
    assert!(alert.contains("Tenggat"), "{alert}");
    assert!(alert.contains("sebelum hari ini"), "{alert}");
    // The choice is kept.
    let kept = b
        .css(&format!("{form} select[name=program]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(program.as_str()));
    let year_end = format!("{}-12-31", generated["year"]);
    b.set_date(form, "due", &year_end).await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=plan_add").await;
    let plan = plan_of(&app, &app.token(staff).await, staff).await;
    assert!(
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["program"] == program.as_str() && i["due"] == year_end.as_str()),
        "{plan}"
    );

    // Submitted to the supervisor.
    b.click("form[action=\"/rencana-saya\"] button[value=submit]")
        .await;
    // The click returns before the next page is there.
    b.arrived_at("notice=plan_submit").await;
    assert!(b.body().await.contains("menunggu keputusan atasan"));
    let plan = plan_of(&app, &app.token(staff).await, staff).await;
    assert_eq!(plan["status"], "submitted");
    b.sign_out().await;

    // The supervisor sends it back without a reason: refused on the page, in Indonesian.
    b.sign_in(supervisor).await;
    b.goto("/tim-saya").await;
    check_page(&b, Screen::Laptop).await;
    let decision = format!("form[action=\"/rencana/{staff}/keputusan\"]");
    b.click(&format!("{decision} button[value=reject]")).await;
    let alert = b.text(&format!("#persetujuan-{staff} div.error")).await;
    assert!(alert.contains("Tulis alasan"), "{alert}");
    assert_eq!(
        plan_of(&app, &app.token(staff).await, staff).await["status"],
        "submitted"
    );
    // The items and JP are shown with the decision.
    let listing = b.body().await;
    assert!(
        listing.contains(&format!("{} JP direncanakan", plan["jp_planned"])),
        "{listing}"
    );
    b.click(&format!("{decision} button[value=approve]")).await;
    b.arrived_at("notice=plan_decided").await;
    assert_eq!(
        plan_of(&app, &app.token(staff).await, staff).await["status"],
        "approved"
    );
    b.sign_out().await;

    // The staff member starts the first item and completes it with its evidence.
    b.sign_in(staff).await;
    b.goto("/rencana-saya").await;
    let first = plan["items"][0]["id"].as_i64().unwrap();
    let row = format!("tr#item-{first}");
    b.click(&format!("{row} button[value=start]")).await;
    b.arrived_at("notice=item_start").await;
    // Completing without a certificate number is refused with what was typed kept.
    b.click(&format!("{row} details:first-of-type summary"))
        .await;
    let complete = format!("{row} form:has(input[value=complete])");
    b.fill(
        &complete,
        "link",
        "https://bangkom.example.go.id/sertifikat/123",
    )
    .await;
    b.without_browser_checks().await;
    b.click(&format!("{complete} button[type=submit]")).await;
    let alert = b.text(&format!("{row} div.error")).await;
    assert!(alert.contains("Nomor sertifikat"), "{alert}");
    let kept = b
        .css(&format!("{complete} input[name=link]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("https://bangkom.example.go.id/sertifikat/123")
    );
    b.fill(&complete, "certificate_number", "SERT/2026/0042")
        .await;
    b.set_date(&complete, "completed_on", &today.to_string())
        .await;
    b.click(&format!("{complete} button[type=submit]")).await;
    b.arrived_at("notice=item_complete").await;
    let plan = plan_of(&app, &app.token(staff).await, staff).await;
    let done = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == first)
        .unwrap();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["evidence"]["certificate_number"], "SERT/2026/0042");
    assert_eq!(
        done["evidence"]["link"],
        "https://bangkom.example.go.id/sertifikat/123"
    );
    assert!(plan["jp_completed"].as_u64().unwrap() > 0);
    b.close().await;
}

/// Rencana Saya on a phone: the plan with its forms fits 360 pixels and passes axe-core.
#[tokio::test]
async fn my_plan_fits_a_phone() {
    let app = spawn_app().await;
    let staff = "199902162024092001";
    let token = app.token(staff).await;
    let (status, _) = app
        .post(
            &token,
            &format!("/api/v1/employees/{staff}/development-plan/generate"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let b = Browser::open(&app, Screen::Phone).await;
    b.sign_in(staff).await;
    b.goto("/rencana-saya").await;
    check_page(&b, Screen::Phone).await;
    b.close().await;
}

/// The pages of the BKPSDM, of a unit head and of a supervisor, on a 360-pixel phone: nothing
/// sticks out sideways, and each is accessible.
#[tokio::test]
async fn every_kind_of_page_fits_a_phone() {
    let app = spawn_app().await;
    let b = Browser::open(&app, Screen::Phone).await;
    let visits: [(&str, &[&str]); 3] = [
        (
            "hr",
            &[
                "/beranda",
                "/analisis",
                "/talenta",
                "/talenta?box=9",
                "/rencana-pelatihan?budget_idr=500000000",
                "/angkatan",
                "/angkatan/2026-PLT-KURIKULUM-01",
                "/program/PLT-KURIKULUM",
                "/suksesi",
                "/jabatan/KADIS-DPMPTSP",
                "/kebutuhan-organisasi",
                "/unit/PEMKAB-BLG",
                "/ikm",
                "/ikm?unit=DPMPTSP-YAN-1",
                "/survei/DPMPTSP-YAN-1",
                "/data-induk?jenis=program",
                "/data-induk/program/LATSAR",
                "/data-induk/kompetensi/M.1",
                "/data-induk/jabatan/PETUGAS-FO",
                "/alur-kerja",
                "/audit",
                "/impor",
                "/akun",
            ],
        ),
        // The head of the environment agency's pollution division.
        (
            "197502142001091001",
            &["/unit/DLH-PPKL", "/kampanye", "/kebutuhan-organisasi"],
        ),
        (
            "197503222002112001",
            &[
                "/tim-saya",
                "/rencana-saya",
                "/skp",
                "/skp/197812122005051001?tahun=2026&periode=2026-Q2",
            ],
        ),
    ];
    for (person, pages) in visits {
        b.sign_in(person).await;
        for page in pages {
            b.goto(page).await;
            check_page(&b, Screen::Phone).await;
        }
        b.sign_out().await;
    }
    // A teacher who passed a training and has not yet said how it was: the reaction survey.
    let hr = app.token("hr").await;
    let (_, cohort) = app.get(&hr, "/api/v1/cohorts/2026-PLT-KURIKULUM-01").await;
    let (_, answered) = app
        .get(&hr, "/api/v1/cohorts/2026-PLT-KURIKULUM-01/reactions")
        .await;
    let mut passed: Vec<&str> = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "lulus")
        .filter_map(|p| p["nip"].as_str())
        .collect();
    // The demo's answers are the first ones by NIP.
    passed.sort_unstable();
    let waiting = passed[answered["responses"].as_u64().unwrap() as usize];
    b.sign_in(waiting).await;
    b.goto("/angkatan/2026-PLT-KURIKULUM-01/reaksi").await;
    check_page(&b, Screen::Phone).await;
    b.sign_out().await;
    b.close().await;
}

/// Every link on every page a person can reach answers 200: followed from the first page, for
/// each kind of user of the demo, with each distinct page checked by axe-core.
#[tokio::test]
async fn every_link_answers_for_every_role() {
    let app = spawn_app().await;
    let b = Browser::open(&app, Screen::Laptop).await;
    let people = [
        "admin",
        "hr",
        "196606171996111001",
        "197312142002061001",
        "198210052011041001",
        "197503222002112001",
        "199902162024092001",
    ];
    let mut broken = Vec::new();
    // Each page once, whoever reads it, for accessibility (axe takes a while per page).
    let mut checked = std::collections::HashSet::new();
    for person in people {
        b.sign_in(person).await;
        let mut seen = std::collections::HashSet::new();
        let mut shapes = std::collections::HashMap::new();
        let mut queue = std::collections::VecDeque::from([b.path().await]);
        seen.insert(queue[0].clone());
        let mut pages = 0;
        while let Some(path) = queue.pop_front() {
            b.goto(&path).await;
            pages += 1;
            let page = path.split('?').next().unwrap().to_string();
            if checked.insert(page) {
                check_page(&b, Screen::Laptop).await;
            }
            let links: Vec<String> = b
                .links()
                .await
                .into_iter()
                .filter(|l| seen.insert(l.clone()))
                .collect();
            for (link, (status, kind)) in links.iter().zip(b.statuses(&links).await) {
                // Every link is fetched; pages are followed up to two per shape (the path and
                // the names of its query parameters: `/analisis?unit=` for every unit is one).
                let shape = shape_of(link);
                let followed = shapes.entry(shape).or_insert(0);
                if status != 200 {
                    broken.push(format!("{person}: {path} links to {link}: {status}"));
                } else if kind.starts_with("text/html") && *followed < 2 && pages + queue.len() < 40
                {
                    *followed += 1;
                    queue.push_back(link.clone());
                }
            }
        }
        b.sign_out().await;
    }
    assert!(broken.is_empty(), "{broken:#?}");
    b.close().await;
}

/// A link's path with the names (not the values) of its query parameters.
fn shape_of(link: &str) -> String {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let mut names: Vec<&str> = query
        .split('&')
        .filter_map(|p| p.split('=').next())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    // Numbered pages (`/kebutuhan-organisasi/2`) share a shape too.
    let path: Vec<&str> = path
        .split('/')
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                "#"
            } else {
                s
            }
        })
        .collect();
    format!("{}?{}", path.join("/"), names.join("&"))
}

/// The supervisor evaluates a direct report in Tim Saya (the predikat follows from the matrix);
/// a low predikat starts coaching, and the coaching task is completed on the page with an
/// observed level per competency in gap, which becomes the employee's dated level.
#[tokio::test]
async fn supervisor_evaluates_and_coaches_in_the_browser() {
    let app = spawn_app().await;
    let staff = "199902162024092001";
    let supervisor = "197503222002112001";
    let hr = app.token("hr").await;
    let year = app.store.today().await.unwrap().year();
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in(supervisor).await;
    b.goto("/tim-saya").await;
    let row = format!("tr#anggota-{staff}");
    // Without the ratings the page says which are missing, in Indonesian.
    b.click(&format!("{row} details summary")).await;
    let form = format!("{row} form");
    b.css(&format!("{form} select[name=period]"))
        .await
        .select_by_value(&format!("{year}-Q4"))
        .await
        .unwrap();
    b.without_browser_checks().await;
    b.click(&format!("{form} button[type=submit]")).await;
    let alert = b.text(&format!("{row} div.error")).await;
    assert!(
        alert.contains("Hasil kerja") && alert.contains("Perilaku kerja"),
        "{alert}"
    );
    // The period chosen is kept.
    let kept = b
        .css(&format!("{form} select[name=period]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept, Some(format!("{year}-Q4")));
    b.css(&format!("{form} select[name=hasil_kerja]"))
        .await
        .select_by_value("di_bawah_ekspektasi")
        .await
        .unwrap();
    b.css(&format!("{form} select[name=perilaku_kerja]"))
        .await
        .select_by_value("sesuai_ekspektasi")
        .await
        .unwrap();
    b.fill(&form, "notes", "Target layanan triwulan belum tercapai")
        .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=evaluation_recorded").await;
    let (status, evaluations) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/evaluations"))
        .await;
    assert_eq!(status, StatusCode::OK, "{evaluations}");
    let recorded = evaluations["items"]
        .as_array()
        .or(evaluations.as_array())
        .unwrap()
        .iter()
        .find(|e| e["period"] == format!("{year}-Q4").as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{evaluations}"));
    // Di bawah × sesuai is butuh perbaikan by the matrix.
    assert_eq!(recorded["predikat"], "butuh_perbaikan");
    assert_eq!(recorded["notes"], "Target layanan triwulan belum tercapai");
    assert_eq!(recorded["evaluator_nip"], supervisor);
    let shown = b.text(&format!("{row} .predikat")).await;
    assert_eq!(shown, "Butuh Perbaikan");
    check_page(&b, Screen::Laptop).await;

    // The engine opens coaching; its task asks for a score per competency in gap.
    app.run_engine().await;
    b.goto("/tim-saya").await;
    let (_, tasks) = app
        .get(&hr, &format!("/api/v1/tasks?nip={staff}&kind=coaching"))
        .await;
    let task = tasks["items"][0].clone();
    let id = task["id"].as_i64().expect("a coaching task");
    let item = format!("li#tugas-{id}");
    let title = b.text(&format!("{item} strong")).await;
    assert!(title.contains("Butuh Perbaikan"), "{title}");
    assert!(!title.contains("butuh_perbaikan"), "{title}");
    let about = b.text(&format!("{item} small")).await;
    assert!(about.contains("Maria Pasolang"), "{about}");
    let fields: Vec<String> = serde_json::from_value(
        b.client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map(s => s.name);",
                vec![json!(format!("{item} select[name^=score_]"))],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!fields.is_empty(), "a score field per competency in gap");
    let competency = fields[0].trim_start_matches("score_").to_string();
    b.css(&format!("{item} select[name=\"{}\"]", fields[0]))
        .await
        .select_by_value("3")
        .await
        .unwrap();
    b.fill(&format!("{item} form"), "notes", "Sesi bimbingan pertama")
        .await;
    check_page(&b, Screen::Laptop).await;
    b.click(&format!("{item} button[type=submit]")).await;
    b.arrived_at("notice=task_completed").await;
    let (_, task) = app.get(&hr, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["notes"], "Sesi bimbingan pertama");
    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/competencies"))
        .await;
    let level = profile["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["competency"] == competency.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (level["level"].as_u64(), level["source"].as_str()),
        (Some(3), Some("coaching")),
        "{level}"
    );
    b.sign_out().await;

    // The employee reads the evaluation with who gave it and what they noted.
    b.sign_in(staff).await;
    b.goto("/rencana-saya").await;
    let mine = b.text("#evaluasi").await;
    assert!(mine.contains(&format!("Triwulan IV {year}")), "{mine}");
    assert!(mine.contains("Butuh Perbaikan"), "{mine}");
    assert!(mine.contains("Herlina Safitri"), "{mine}");
    assert!(
        mine.contains("Target layanan triwulan belum tercapai"),
        "{mine}"
    );
    b.close().await;
}

/// hr lands on Beranda: the HR queue, incidents, the organisation's JP compliance as the API
/// counts it, and the campaigns; the menu offers no personal pages to an account without a NIP.
#[tokio::test]
async fn hr_lands_on_the_dashboard() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in("hr").await;
    assert_eq!(b.path().await, "/beranda");
    let (_, jp) = app.get(&hr, "/api/v1/units/PEMKAB-BLG/jp-compliance").await;
    let text = b.text("#jp").await;
    assert!(
        text.contains(&format!(
            "{} dari {} pegawai telah mencapai",
            jp["meeting_target"], jp["employees"]
        )),
        "{text} vs {jp}"
    );
    let (_, queue) = app.get(&hr, "/api/v1/tasks?mine=true&status=open").await;
    let shown = b.text("#antrean h2").await;
    assert!(shown.contains(&format!("({})", queue["total"])), "{shown}");
    let menu = b.text("nav").await;
    assert!(
        menu.contains("Beranda") && !menu.contains("Rencana Saya"),
        "{menu}"
    );
    check_page(&b, Screen::Laptop).await;
    b.close().await;
}

/// hr imports a file as an office saved it (semicolons, dates day first): checks it, reads the
/// refused row, then imports it with one click without choosing the file again.
#[tokio::test]
async fn hr_checks_then_imports_a_file_without_choosing_it_again() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let staff = "199902162024092001";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("asesmen.csv");
    std::fs::write(
        &file,
        format!(
            "nip;kompetensi;level;sumber;tanggal\n\
             {staff};M.1;4;assessment center;14/03/2026\n\
             {staff};M.2;9;assessment center;14 Maret 2026\n"
        ),
    )
    .unwrap();
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in("hr").await;
    b.goto("/impor").await;
    // The template of each kind is its header and an example row.
    let template: String = serde_json::from_value(
        b.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('/impor/templat/assessments.csv').then(r => r.text()).then(done);",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        template.starts_with("nip;kompetensi;level;tanggal;sumber\n"),
        "{template}"
    );
    b.css("form[action=\"/impor\"] select[name=kind]")
        .await
        .select_by_value("assessments")
        .await
        .unwrap();
    b.css("form[action=\"/impor\"] input[type=file]")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click("form[action=\"/impor\"] input[name=dry_run]").await;
    b.click("form[action=\"/impor\"] button[type=submit]").await;
    assert_eq!(b.text("dd.accepted").await, "1");
    assert_eq!(b.text("dd.rejected").await, "1");
    let refused = b.text("table.rejections tbody").await;
    assert!(
        refused.contains("level") && refused.contains('9'),
        "{refused}"
    );
    check_page(&b, Screen::Laptop).await;
    let before = app
        .get(&hr, &format!("/api/v1/employees/{staff}/competencies"))
        .await
        .1;
    assert!(
        !before["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["assessed_on"] == "2026-03-14" && r["competency"] == "M.1"),
        "a check stores nothing"
    );
    let staged = b
        .css("form[action=\"/impor/sekarang\"] input[name=staged]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let csrf = b
        .css("form[action=\"/impor/sekarang\"] input[name=csrf]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    b.click("form[action=\"/impor/sekarang\"] button").await;
    // The check page also shows an accepted count: wait for the import's own page.
    b.arrived_at("/impor/sekarang").await;
    assert_eq!(b.text("dd.accepted").await, "1");
    assert!(!b.body().await.contains("Pemeriksaan saja"));
    let after = app
        .get(&hr, &format!("/api/v1/employees/{staff}/competencies"))
        .await
        .1;
    assert!(
        after["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["assessed_on"] == "2026-03-14" && r["competency"] == "M.1"),
        "{after}"
    );
    // The same file is imported once: sending its token again says it is gone.
    let again: u64 = serde_json::from_value(
        b.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const body = new URLSearchParams({csrf: arguments[1], staged: arguments[0]});
                 fetch('/impor/sekarang', {method: 'POST', body}).then(r => done(r.status));",
                vec![json!(staged), json!(csrf)],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(again, 410);
    b.close().await;
}

/// A unit head runs the campaign in their unit: their units first (and alone on request), a
/// sosialisasi logged with attendees picked from the unit, a stage recorded, a survey entered;
/// the campaign page fits a phone.
#[tokio::test]
async fn a_unit_head_runs_the_campaign_in_the_browser() {
    let app = spawn_app().await;
    let head = "197503222002112001";
    let hr = app.token("hr").await;
    let led: Vec<String> = {
        let (_, d) = app
            .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
            .await;
        d["by_unit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["unit"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(led.iter().any(|u| u == "DPMPTSP-YAN"), "{led:?}");
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in(head).await;
    b.goto("/kampanye").await;
    b.click("a[href=\"/kampanye/ADOPSI-EKINERJA\"]").await;
    // My unit first, marked.
    let first = b.text("table tbody tr:first-child td:first-child").await;
    assert!(
        first.contains("DPMPTSP-YAN") && first.contains("unit saya"),
        "{first}"
    );
    b.click("a[href=\"/kampanye/ADOPSI-EKINERJA?units=mine\"]")
        .await;
    let rows = b
        .client
        .find_all(Locator::Css("table tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    check_page(&b, Screen::Laptop).await;

    // A sosialisasi with two attendees of the unit: they become aware.
    let form = "form[action=\"/kampanye/ADOPSI-EKINERJA/kegiatan\"]";
    // The unit held in, and two of its people.
    let unit = b
        .css(&format!("{form} select[name=unit]"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let mut picked: Vec<String> = serde_json::from_value(
        b.client
            .execute(
                "return [...document.querySelectorAll(arguments[0])]
                   .filter(i => i.parentElement.querySelector('small').textContent === arguments[1])
                   .slice(0, 2).map(i => { i.click(); return i.value; });",
                vec![json!(format!("{form} input[name=attendees]")), json!(unit)],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(picked.len(), 2);
    b.fill(form, "title", "Sosialisasi e-Kinerja seksi pelayanan")
        .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=activity_recorded").await;
    let (_, d) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    let logged = d["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Sosialisasi e-Kinerja seksi pelayanan")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(logged["unit"], unit.as_str());
    assert!(unit.starts_with("DPMPTSP-YAN"), "{unit}");
    let mut attendees: Vec<String> = serde_json::from_value(logged["attendees"].clone()).unwrap();
    attendees.sort();
    picked.sort();
    assert_eq!(attendees, picked);

    // One of them steps back to desire: resistance, which needs a note (said in Indonesian).
    let form = "form[action=\"/kampanye/ADOPSI-EKINERJA/tahap\"]";
    let (_, before) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    choose_stage(&b, form, &picked[0], "desire").await;
    b.click(&format!("{form} button[type=submit]")).await;
    let alert = b.text("#tahap div.error").await;
    assert!(
        alert.contains("ke Keinginan") && alert.contains("resistensi"),
        "{alert}"
    );
    choose_stage(&b, form, &picked[0], "desire").await;
    b.fill(form, "note", "Belum yakin manfaat e-Kinerja").await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=stage_recorded").await;
    let (_, after) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    assert_eq!(
        after["at_stage"]["desire"].as_u64().unwrap(),
        before["at_stage"]["desire"].as_u64().unwrap() + 1
    );
    assert!(
        after["resistance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["nip"] == picked[0].as_str() && r["note"] == "Belum yakin manfaat e-Kinerja"),
        "{}",
        after["resistance"]
    );

    // A survey of the unit: a missing score is said in Indonesian, then it is recorded.
    let form = "form[action=\"/kampanye/ADOPSI-EKINERJA/survei\"]";
    b.without_browser_checks().await;
    for (stage, score) in [
        ("awareness", "4"),
        ("desire", "3"),
        ("knowledge", "3"),
        ("ability", "2"),
    ] {
        b.fill(form, stage, score).await;
    }
    b.click(&format!("{form} button[type=submit]")).await;
    let alert = b.text("#survei div.error").await;
    assert!(
        alert.contains("Penguatan") && alert.contains("nilai 1 sampai 5"),
        "{alert}"
    );
    for (stage, score) in [
        ("awareness", "4"),
        ("desire", "3"),
        ("knowledge", "3"),
        ("ability", "2"),
        ("reinforcement", "2"),
    ] {
        b.fill(form, stage, score).await;
    }
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=survey_recorded").await;
    let (_, d3) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    assert!(d3["survey"].is_object(), "{}", d3["survey"]);
    b.close().await;

    // At phone width the campaign page fits the screen.
    let phone = Browser::open(&app, Screen::Phone).await;
    phone.sign_in(head).await;
    phone.goto("/kampanye/ADOPSI-EKINERJA").await;
    check_page(&phone, Screen::Phone).await;
    phone.close().await;
}

async fn choose_stage(b: &Browser, form: &str, nip: &str, stage: &str) {
    b.css(&format!("{form} select[name=nip]"))
        .await
        .select_by_value(nip)
        .await
        .unwrap();
    b.css(&format!("{form} select[name=stage]"))
        .await
        .select_by_value(stage)
        .await
        .unwrap();
}

/// HR keeps the reference data and enters a survey in the browser: a position's competency
/// standard changed on its Data Induk form, a public-satisfaction survey pasted on the IKM page,
/// a unit's indicator realised on its unit page; each checked through the API.
#[tokio::test]
async fn hr_keeps_reference_data_and_indicators_in_the_browser() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in("hr").await;
    // Data Induk: from the list to the position, raise the first requirement's level.
    b.goto("/data-induk?jenis=jabatan").await;
    b.click("a[href=\"/data-induk/jabatan/PETUGAS-FO\"]").await;
    b.arrived_at("/data-induk/jabatan/PETUGAS-FO").await;
    let (_, before) = app.get(&hr, "/api/v1/positions/PETUGAS-FO").await;
    let first = before["requirements"][0]["level"].as_u64().unwrap();
    let raised = (first % 5 + 1).to_string();
    b.css("form.ref-form select[name=requirements_level]")
        .await
        .select_by_value(&raised)
        .await
        .unwrap();
    check_page(&b, Screen::Laptop).await;
    b.click("form.ref-form button[type=submit]").await;
    b.arrived_at("notice=reference_saved").await;
    let (_, after) = app.get(&hr, "/api/v1/positions/PETUGAS-FO").await;
    assert_eq!(
        after["requirements"][0]["level"].as_u64(),
        Some(raised.parse().unwrap())
    );
    assert_eq!(
        after["requirements"].as_array().unwrap().len(),
        before["requirements"].as_array().unwrap().len()
    );

    // IKM: two respondents pasted for a unit without surveys.
    b.goto("/ikm?unit=DPMPTSP-PM-1").await;
    b.css("form[method=post][action=\"/ikm\"] select[name=period]")
        .await
        .select_by_value("2026-Q3")
        .await
        .unwrap();
    b.fill(
        "form[method=post][action=\"/ikm\"]",
        "answers",
        "4,4,4,4,4,4,4,4,4\n3,3,3,3,3,3,3,3,4",
    )
    .await;
    b.click("form[method=post][action=\"/ikm\"] button[type=submit]")
        .await;
    b.arrived_at("notice=ikm_recorded").await;
    let (_, ikm) = app.get(&hr, "/api/v1/units/DPMPTSP-PM-1/ikm").await;
    assert_eq!(ikm["items"][0]["respondents"], 2);
    assert_eq!(ikm["items"][0]["index"], 88.89);

    // The unit page: realise the demo's road indicator for the fourth quarter.
    b.goto("/unit/DPUPR").await;
    let (_, list) = app.get(&hr, "/api/v1/units/DPUPR/indicators").await;
    let road = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "IKU-JALAN-MANTAP" && i["year"] == 2026)
        .unwrap()
        .clone();
    let form = format!(
        "form[action=\"/unit/DPUPR/indikator/{}/realisasi\"]",
        road["id"]
    );
    b.click(&format!("#indikator-{} details summary", road["id"]))
        .await;
    b.css(&format!("{form} select[name=period]"))
        .await
        .select_by_value("2026-Q4")
        .await
        .unwrap();
    b.fill(&form, "value", "71,8").await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=realisation_recorded").await;
    let (_, got) = app
        .get(&hr, &format!("/api/v1/indicators/{}", road["id"]))
        .await;
    let q4 = got["realisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2026-Q4")
        .unwrap()
        .clone();
    assert_eq!(q4["value"], 71.8);
    b.close().await;
}

/// The supervisor approves a waiting SKP from Tim Saya, records a realisation with feedback on
/// it; the employee reads it on their own SKP page.
#[tokio::test]
async fn an_skp_is_approved_and_realised_in_the_browser() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let kasi = "197503222002112001";
    // The demo's SKP waiting for approval.
    let staff = "198201032005081001";
    let year = Datelike::year(&chrono::Utc::now());
    let (_, waiting) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/skp?year={year}"))
        .await;
    assert_eq!(waiting["status"], "submitted", "{waiting}");
    let b = Browser::open(&app, Screen::Laptop).await;
    b.sign_in(kasi).await;
    b.goto("/tim-saya").await;
    b.click(&format!("a[href=\"/skp/{staff}\"]")).await;
    b.arrived_at(&format!("/skp/{staff}")).await;
    check_page(&b, Screen::Laptop).await;
    b.click("form[action*=\"/langkah\"] input[value=approve] ~ button")
        .await;
    b.arrived_at("notice=skp_approve").await;
    assert!(b.body().await.contains("Disetujui"));
    // The first IKI of the second quarter: 330 berkas of 300, with feedback.
    let iki = waiting["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    let form = format!("form[action=\"/skp/iki/{iki}\"]");
    b.goto(&format!("/skp/{staff}?tahun={year}&periode={year}-Q2"))
        .await;
    b.click(&format!("details:has({form}) > summary")).await;
    b.fill(&form, "value", "330").await;
    b.fill(&form, "feedback", "Verifikasi cepat dan rapi.")
        .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=iki_recorded").await;
    assert!(b.text(&format!("#iki-{iki}")).await.contains("110 %"));
    b.sign_out().await;
    // The employee reads the feedback on their own SKP page.
    b.sign_in(staff).await;
    b.goto(&format!("/skp?periode={year}-Q2")).await;
    let row = b.text(&format!("#iki-{iki}")).await;
    assert!(row.contains("Verifikasi cepat dan rapi."), "{row}");
    check_page(&b, Screen::Laptop).await;
    b.close().await;
}

/// A person chooses the daily digest, an address of their own (a bad one refused with what was
/// typed kept) and English from Rencana Saya, and makes a new calendar address; HR gives an
/// account an address on the accounts page and reads the deliveries page. On a phone.
#[tokio::test]
async fn mail_language_and_calendar_are_set_in_the_browser() {
    let app = spawn_app().await;
    let staff = "199902162024092001";
    let b = Browser::open(&app, Screen::Phone).await;
    b.sign_in(staff).await;
    b.goto("/rencana-saya").await;
    b.click("#preferensi a[href=\"/preferensi\"]").await;
    b.arrived_at("/preferensi").await;
    check_page(&b, Screen::Phone).await;
    let calendar = "#kalender input[readonly]";
    let before = b.css(calendar).await.prop("value").await.unwrap().unwrap();
    assert!(before.contains("/ical/"), "{before}");

    let form = "form[action=\"/preferensi\"]";
    b.without_browser_checks().await;
    b.click(&format!("{form} input[value=daily]")).await;
    b.fill(form, "email", "bukan-alamat").await;
    b.click(&format!("{form} button[type=submit]")).await;
    let alert = b.text(".error[role=alert]").await;
    assert!(alert.contains("bukan-alamat"), "{alert}");
    let kept = b
        .css(&format!("{form} [name=email]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("bukan-alamat"));
    check_page(&b, Screen::Phone).await;
    b.fill(form, "email", "staf.pribadi@bulungankab.go.id")
        .await;
    b.css(&format!("{form} select[name=language]"))
        .await
        .select_by_value("en")
        .await
        .unwrap();
    b.click(&format!("{form} button[type=submit]")).await;
    b.arrived_at("notice=preferences_saved").await;
    assert!(b.body().await.contains("Page language"));
    check_page(&b, Screen::Phone).await;
    b.click("form[action=\"/preferensi/kalender\"] button")
        .await;
    b.arrived_at("notice=calendar_rotated").await;
    let after = b.css(calendar).await.prop("value").await.unwrap().unwrap();
    assert_ne!(before, after, "a new calendar address");
    let token = app.token(staff).await;
    let (_, prefs) = app.get(&token, "/api/v1/me/preferences").await;
    assert_eq!(prefs["email_digest"], "daily", "{prefs}");
    assert_eq!(prefs["email"], "staf.pribadi@bulungankab.go.id", "{prefs}");
    assert_eq!(prefs["language"], "en", "{prefs}");
    let feed = format!("/ical/{}", after.split_once("/ical/").unwrap().1);
    let r = app.client.get(app.url(&feed)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("BEGIN:VCALENDAR"));
    b.sign_out().await;

    b.sign_in("hr").await;
    b.goto(&format!("/akun?q={staff}")).await;
    check_page(&b, Screen::Phone).await;
    let account = format!("form[action=\"/akun/{staff}\"]:has([name=email])");
    b.fill(&account, "email", "staf.dinas@bulungankab.go.id")
        .await;
    b.click(&format!("{account} button[type=submit]")).await;
    b.arrived_at("notice=account_updated").await;
    let hr = app.token("hr").await;
    let (_, listed) = app.get(&hr, &format!("/api/v1/users?q={staff}")).await;
    assert_eq!(
        listed["items"][0]["email"], "staf.dinas@bulungankab.go.id",
        "{listed}"
    );
    b.goto("/pengiriman").await;
    check_page(&b, Screen::Phone).await;
    b.close().await;
}
