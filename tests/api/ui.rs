//! The web UI as a browser without JavaScript uses it: cookies kept between requests, redirects
//! read, forms posted url-encoded with their CSRF token.

use crate::helpers::*;
use jenjang::seed::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;

/// A cookie-keeping client that does not follow redirects.
pub(crate) struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

pub(crate) struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            cookies: HashMap::new(),
        }
    }

    async fn keep(&mut self, r: reqwest::Response) -> Page {
        for value in r.headers().get_all("set-cookie") {
            let first = value.to_str().unwrap().split(';').next().unwrap();
            let (name, v) = first.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), v.to_string());
            }
        }
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        Page {
            status,
            location,
            html: r.text().await.unwrap(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(r).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(r).await
    }

    /// Posts a `multipart/form-data` form, as a form with a file input sends it.
    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Page {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep(r).await
    }

    pub(crate) fn csrf(&self) -> String {
        self.cookies["jenjang_csrf"].clone()
    }

    /// Signs in through the login form; answers where it sent the browser.
    pub(crate) async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/masuk").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = self.csrf();
        assert!(form.html.contains(&format!("value=\"{csrf}\"")));
        self.post(
            "/masuk",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}

/// The texts a page shows for `s` (handlebars escapes HTML).
pub(crate) fn shown(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('=', "&#x3D;")
        .replace('`', "&#x60;")
}

#[tokio::test]
async fn signing_in_needs_the_forms_token_and_the_right_password() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let mut b = Browser::new(&app);

    let start = b.get("/").await;
    assert_eq!(
        (start.status, start.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/masuk"))
    );
    let form = b.get("/masuk").await;
    assert!(form.html.contains("<html lang=\"id\">"), "Indonesian first");
    assert!(form.html.contains("Kata sandi"));

    // A form posted without this browser's token (as from another site) is refused.
    let forged = b
        .post(
            "/masuk",
            &[
                ("csrf", "0123456789abcdef0123456789abcdef"),
                ("username", &staff),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("jenjang_token"));

    let wrong = b.sign_in(&staff, "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("Nama pengguna atau kata sandi salah."));
    assert!(
        wrong.html.contains(&format!("value=\"{staff}\"")),
        "the username is kept"
    );
    assert!(!b.cookies.contains_key("jenjang_token"));

    let ok = b.sign_in(&staff, DEMO_PASSWORD).await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/rencana-saya"))
    );
    assert!(b.cookies.contains_key("jenjang_token"));
    let home = b.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/rencana-saya"));

    // Signing out needs the token too, then the pages send the browser to the login.
    let csrf = b.csrf();
    assert_eq!(
        b.post("/keluar", &[("csrf", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    let out = b.post("/keluar", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/masuk"));
    assert!(!b.cookies.contains_key("jenjang_token"));
    assert_eq!(
        b.get("/rencana-saya").await.location.as_deref(),
        Some("/masuk")
    );
}

#[tokio::test]
async fn rencana_saya_shows_what_the_api_answers_in_either_language() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DPMPTSP-YAN-1");
    let token = app.token(&staff).await;
    let (_, employee) = app.get(&token, &format!("/api/v1/employees/{staff}")).await;
    let (_, gaps) = app
        .get(&token, &format!("/api/v1/employees/{staff}/gaps"))
        .await;
    let (_, rec) = app
        .get(
            &token,
            &format!("/api/v1/employees/{staff}/recommendations"),
        )
        .await;
    let (_, plan) = app
        .get(
            &token,
            &format!("/api/v1/employees/{staff}/development-plan"),
        )
        .await;
    let gaps = gaps["gaps"].as_array().unwrap().clone();
    let programs = rec["programs"].as_array().unwrap().clone();
    assert!(
        !gaps.is_empty() && !programs.is_empty(),
        "the demo staff member has gaps"
    );

    let mut b = Browser::new(&app);
    b.sign_in(&staff, DEMO_PASSWORD).await;
    let page = b.get("/rencana-saya").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains(&shown(employee["name"].as_str().unwrap()))
    );
    assert!(page.html.contains("Kesenjangan kompetensi"));
    for g in &gaps {
        let code = g["competency"].as_str().unwrap();
        let name = &demo
            .data
            .competencies
            .iter()
            .find(|c| c.code.as_str() == code)
            .unwrap()
            .name;
        // The competency by name, its code beside; each number labelled for the phone layout.
        let row = format!(
            "<td>{} <small>{code}</small></td><td class=\"num\" data-label=\"Level saat ini\">{}</td><td class=\"num\" data-label=\"Level dibutuhkan\">{}</td><td class=\"num\" data-label=\"Kesenjangan\">{}</td>",
            shown(name),
            g["current"],
            g["required"],
            g["gap"]
        );
        assert!(page.html.contains(&row), "gap row {row}");
    }
    assert!(page.html.contains("standar jabatan"), "sources in words");
    // The recommendations in their order.
    let mut at = 0;
    for p in &programs {
        let title = shown(p["title"].as_str().unwrap());
        let found = page.html[at..]
            .find(&title)
            .unwrap_or_else(|| panic!("{title} in order"));
        at += found + title.len();
    }
    assert!(page.html.contains(&format!(
        "{} JP selesai · {} JP direncanakan · Target JP {}",
        plan["jp_completed"], plan["jp_planned"], plan["jp_target"]
    )));
    assert!(page.html.contains("<svg class=\"bar\""));
    // Why each program, in Indonesian with competency names; forms and the unit by name.
    let first = &programs[0]["closes"][0];
    assert!(
        page.html
            .contains(&format!("dari level {} ke {}", first["from"], first["to"])),
        "{}",
        page.html
    );
    assert!(page.html.contains("Menaikkan "));
    // The JP bar says which colour is what.
    assert!(
        page.html
            .contains("<span class=\"swatch done\"></span>JP selesai")
    );
    assert!(!page.html.contains("closes the gap"));
    assert!(!page.html.contains("<td>pelatihan_"));

    // English on request, remembered by a cookie.
    let en = b.get("/rencana-saya?lang=en").await;
    assert!(en.html.contains("<html lang=\"en\">") && en.html.contains("Competency gaps"));
    let again = b.get("/rencana-saya").await;
    assert!(again.html.contains("Recommended development"));
    assert!(again.html.contains("Raises "));
}

#[tokio::test]
async fn tim_saya_lists_the_team_and_decides_plans_and_coaching_tasks_by_form() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kasi = demo.head_of("DPMPTSP-YAN-1");
    let reports = demo.reports_of(&kasi);
    let staff = reports
        .iter()
        .find(|n| demo.reports_of(n).is_empty())
        .unwrap()
        .clone();
    let hr = app.token("hr").await;

    // A submitted plan, and a low evaluation that gives the supervisor a coaching task.
    let me = app.token(&staff).await;
    let plan_path = |what: &str| format!("/api/v1/employees/{staff}/development-plan{what}");
    let (status, plan) = app.post(&me, &plan_path("/generate"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let (status, plan) = app.post(&me, &plan_path("/submit"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let r = app
        .client
        .post(app.url("/api/v1/imports/evaluations"))
        .bearer_auth(&hr)
        .header("content-type", "text/csv")
        .body(format!(
            "nip,periode,hasil_kerja,perilaku_kerja\n{staff},2027-Q2,di_bawah_ekspektasi,sesuai_ekspektasi\n"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.run_engine().await;

    let mut b = Browser::new(&app);
    b.sign_in(&kasi, DEMO_PASSWORD).await;
    let page = b.get("/tim-saya").await;
    assert_eq!(page.status, StatusCode::OK);
    for nip in &reports {
        let name = &demo
            .data
            .employees
            .iter()
            .find(|e| e.nip.as_str() == nip)
            .unwrap()
            .name;
        assert!(page.html.contains(&shown(name)), "{name} is listed");
    }
    assert!(page.html.contains(
        "Triwulan II 2027: <span class=\"predikat predikat-butuh_perbaikan\">Butuh Perbaikan</span>"
    ));
    assert!(
        page.html
            .contains(&format!("action=\"/rencana/{staff}/keputusan\""))
    );
    let (_, open) = app
        .get(
            &hr,
            &format!("/api/v1/tasks?nip={staff}&kind=coaching&status=open"),
        )
        .await;
    let task = open["items"][0].clone();
    let task_id = task["id"].as_i64().unwrap();
    assert!(
        page.html
            .contains(&format!("action=\"/tugas/{task_id}/selesai\""))
    );

    // Sending the plan back needs a comment: Tim Saya says so beside the plan (in Indonesian),
    // the form is still there, nothing changes.
    let csrf = b.csrf();
    let version = plan["version"].to_string();
    let refused = b
        .post(
            &format!("/rencana/{staff}/keputusan"),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("Tulis alasan mengembalikan rencana"),
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains(&format!("action=\"/rencana/{staff}/keputusan\""))
    );
    assert!(refused.html.contains("JP direncanakan /"));
    let approved = b
        .post(
            &format!("/rencana/{staff}/keputusan"),
            &[
                ("csrf", &csrf),
                ("decision", "approve"),
                ("version", &version),
                ("comment", "Setuju"),
            ],
        )
        .await;
    assert_eq!(
        approved.location.as_deref(),
        Some("/tim-saya?notice=plan_decided")
    );
    let (_, after) = app.get(&me, &plan_path("")).await;
    assert_eq!(after["status"], "approved");

    // The coaching task completed from the page; a forged post changes nothing.
    let outcome = task["outcomes"][0].as_str().unwrap();
    let forged = b
        .post(
            &format!("/tugas/{task_id}/selesai"),
            &[("csrf", "nope"), ("outcome", outcome)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = b
        .post(
            &format!("/tugas/{task_id}/selesai"),
            &[
                ("csrf", &csrf),
                ("outcome", outcome),
                ("notes", "Sesi bimbingan"),
            ],
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/tim-saya?notice=task_completed")
    );
    let (_, t) = app.get(&hr, &format!("/api/v1/tasks/{task_id}")).await;
    assert_eq!(t["status"], "completed");
    // The supervisor's own page lists the notices the workflow sent them.
    let (_, notices) = app
        .get(&app.token(&kasi).await, "/api/v1/notifications?mine=true")
        .await;
    let title = notices["items"][0]["title"].as_str().unwrap().to_string();
    assert!(
        b.get("/rencana-saya").await.html.contains(&shown(&title)),
        "{title}"
    );
    let notice = b.get("/tim-saya?notice=task_completed").await;
    assert!(notice.html.contains("Tugas telah diselesaikan."));
    assert!(
        !notice
            .html
            .contains(&format!("action=\"/tugas/{task_id}/selesai\""))
    );
}

#[tokio::test]
async fn a_page_the_role_table_forbids_shows_the_error_not_the_data() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let other = demo.staff_in("DPMPTSP-YAN-1");
    let mut b = Browser::new(&app);
    b.sign_in(&staff, DEMO_PASSWORD).await;
    // Deciding someone else's plan is refused by the same check as the API.
    let csrf = b.csrf();
    let page = b
        .post(
            &format!("/rencana/{other}/keputusan"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.html
            .contains("Anda tidak berwenang membuka halaman ini.")
    );
    // A login without an employee has no personal plan, and is told so.
    let mut admin = Browser::new(&app);
    admin.sign_in("admin", DEMO_PASSWORD).await;
    let plan = admin.get("/rencana-saya").await;
    assert_eq!(plan.status, StatusCode::OK);
    assert!(plan.html.contains("tidak terhubung dengan pegawai"));
}

#[tokio::test]
async fn the_needs_analysis_page_matches_the_api_and_draws_the_heat_map_by_unit() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (_, api) = app
        .get(&hr, "/api/v1/units/PEMKAB-BLG/needs-analysis")
        .await;
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let page = b.get("/analisis").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("href=\"/analisis\""),
        "hr sees the analysis in the menu"
    );
    assert!(
        page.html
            .contains(&format!("<strong>{}</strong>", api["employees"]))
    );
    for c in api["competencies"].as_array().unwrap() {
        let row = format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            c["employees_with_gap"], c["total_gap"], c["avg_gap"]
        );
        assert!(page.html.contains(&row), "{row}");
    }
    // One heat-map row per unit directly below the root, each a link to drill down.
    assert!(page.html.contains("<svg class=\"heat\""));
    let children: Vec<&str> = demo
        .data
        .units
        .iter()
        .filter(|u| {
            u.parent
                .as_ref()
                .is_some_and(|p| p.as_str() == "PEMKAB-BLG")
        })
        .map(|u| u.code.as_str())
        .collect();
    assert!(children.len() > 3);
    // The column of the competency with the largest total gap: each unit's cell counts what
    // that unit's own needs analysis counts.
    let top = api["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|c| {
            (
                c["total_gap"].as_u64().unwrap(),
                std::cmp::Reverse(c["competency"].as_str().unwrap().to_string()),
            )
        })
        .unwrap()["competency"]
        .as_str()
        .unwrap()
        .to_string();
    for c in &children {
        assert!(page.html.contains(&format!(">{c}</text>")), "{c}");
        assert!(page.html.contains(&format!("href=\"/analisis?unit={c}\"")));
        let (_, own) = app
            .get(&hr, &format!("/api/v1/units/{c}/needs-analysis"))
            .await;
        let with_gap = own["competencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["competency"] == top.as_str())
            .map_or(0, |x| x["employees_with_gap"].as_u64().unwrap());
        let cell = format!(
            "<title>{c} · {top}: {with_gap}/{}</title>",
            own["employees"]
        );
        assert!(page.html.contains(&cell), "{cell}");
    }
    let dlh = b.get("/analisis?unit=DLH").await;
    assert!(
        dlh.html.contains("href=\"/analisis?unit=PEMKAB-BLG\""),
        "a way back up"
    );
    let (_, dlh_api) = app.get(&hr, "/api/v1/units/DLH/needs-analysis").await;
    assert!(
        dlh.html
            .contains(&format!("<strong>{}</strong>", dlh_api["employees"]))
    );

    // Staff who lead nothing neither see it in the menu nor may open it.
    let staff = demo.staff_in("DLH-PSL-1");
    let mut s = Browser::new(&app);
    s.sign_in(&staff, DEMO_PASSWORD).await;
    let mine = s.get("/rencana-saya").await;
    assert!(!mine.html.contains("href=\"/analisis\""));
    assert_eq!(s.get("/analisis").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/analisis?unit=PEMKAB-BLG").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_campaign_page_draws_the_adkar_funnel_and_flags_the_lagging_unit() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, d) = app
        .get(&hr, "/api/v1/campaigns/ADOPSI-EKINERJA/dashboard")
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let list = b.get("/kampanye").await;
    assert!(list.html.contains("href=\"/kampanye/ADOPSI-EKINERJA\""));
    let page = b.get("/kampanye/ADOPSI-EKINERJA").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<h1>Adopsi e-Kinerja</h1>"));
    assert!(
        page.html
            .contains("<a href=\"/kampanye\" aria-current=\"page\">")
    );
    let targets = d["targets"].as_u64().unwrap();
    for (stage, label) in [("awareness", "Kesadaran"), ("reinforcement", "Penguatan")] {
        let reached = d["by_stage"][stage].as_u64().unwrap();
        assert!(page.html.contains(&format!(">{label}</text>")), "{stage}");
        assert!(
            page.html.contains(&format!(
                ">{reached} ({:.0}%)</text>",
                reached as f64 / targets as f64 * 100.0
            )),
            "{stage}: {reached}"
        );
    }
    // Each unit with its adoption; the lagging one is flagged with its barrier.
    for u in d["by_unit"].as_array().unwrap() {
        let unit = u["unit"].as_str().unwrap();
        let status = if u["on_track"].as_bool().unwrap() {
            "Sesuai jalur"
        } else {
            "Tertinggal"
        };
        let row_start = page
            .html
            .find(&format!("<small>{unit}</small>"))
            .unwrap_or_else(|| panic!("{unit}"));
        let row = &page.html[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(status), "{unit}: {status}");
    }
    assert!(
        d["by_unit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| !u["on_track"].as_bool().unwrap())
    );
}

#[tokio::test]
async fn the_talent_page_places_the_grid_potential_up_performance_right() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, grid) = app.get(&hr, "/api/v1/talent/grid?year=2026").await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let page = b.get("/talenta?year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let boxes = grid["boxes"].as_array().unwrap();
    assert!(
        boxes
            .iter()
            .any(|b| !b["employees"].as_array().unwrap().is_empty()),
        "the demo grid is populated"
    );
    let mut positions = Vec::new();
    for bx in boxes {
        let head = format!("<div class=\"box box-{}\">", bx["box"]);
        let at = page.html.find(&head).unwrap_or_else(|| panic!("{head}"));
        // The box shows its count, and its people only on request.
        let count = format!(
            "<span class=\"count\">{}</span>",
            bx["employees"].as_array().unwrap().len()
        );
        assert!(
            page.html[at..at + 400].contains(&count),
            "{count} in box {}",
            bx["box"]
        );
        positions.push((
            bx["potensial"].as_str().unwrap().to_string(),
            bx["kinerja"].as_str().unwrap().to_string(),
            at,
        ));
    }
    // Reading order: high potential first; within a row, low performance first.
    let rank = |p: &str, k: &str| {
        let pr = ["tinggi", "menengah", "rendah"]
            .iter()
            .position(|x| *x == p)
            .unwrap();
        let kr = ["di_bawah", "sesuai", "di_atas"]
            .iter()
            .position(|x| *x == k)
            .unwrap();
        pr * 3 + kr
    };
    positions.sort_by_key(|(p, k, _)| rank(p, k));
    assert!(
        positions.windows(2).all(|w| w[0].2 < w[1].2),
        "{positions:?}"
    );
    assert_eq!(positions.len(), 9);
    // No NIP list in the grid itself: each box opens its people by name, paged and searched.
    let fullest = boxes
        .iter()
        .max_by_key(|b| b["employees"].as_array().unwrap().len())
        .unwrap();
    let nips: Vec<&str> = fullest["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(!page.html.contains(nips[0]), "the grid lists no NIPs");
    let number = fullest["box"].as_u64().unwrap();
    let list = b.get(&format!("/talenta?year=2026&box={number}")).await;
    assert_eq!(list.status, StatusCode::OK);
    let demo = Demo::new();
    let name_of = |nip: &str| {
        demo.data
            .employees
            .iter()
            .find(|e| e.nip.as_str() == nip)
            .unwrap()
            .name
            .clone()
    };
    let shown_names = nips
        .iter()
        .filter(|n| list.html.contains(&shown(&name_of(n))))
        .count();
    assert_eq!(shown_names, nips.len().min(50), "names, 50 a page");
    assert!(
        list.html
            .contains(&format!("Kotak {number}: {} Pegawai</h2>", nips.len())),
        "{}",
        list.html
    );
    let one = name_of(nips[0]);
    let searched = b
        .get(&format!("/talenta?year=2026&box={number}&q={}", nips[0]))
        .await;
    assert!(searched.html.contains(&shown(&one)));
    assert!(searched.html.contains("1–1 dari 1"), "{}", searched.html);
}

/// A multipart/form-data body with `fields` and one file.
fn multipart(fields: &[(&str, &str)], file: &str) -> (String, String) {
    let boundary = "----jenjang-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evaluasi.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_import_uploaded_from_the_page_reports_each_refused_row() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let staff = demo.staff_in("DLH-PSL-1");
    let hr = app.token("hr").await;
    let csv = format!(
        "nip,periode,hasil_kerja,perilaku_kerja\n\
         {staff},2027-Q1,sesuai_ekspektasi,di_atas_ekspektasi\n\
         199001012020121999,2027-Q1,sesuai_ekspektasi,sesuai_ekspektasi\n\
         {staff},2027-Q2,luar_biasa,sesuai_ekspektasi\n"
    );
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let form = b.get("/impor").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("enctype=\"multipart/form-data\""));
    let csrf = b.csrf();
    let upload = |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, String)> = fields;
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&refs, &csv)
    };

    // Checked only: the report, and nothing stored.
    let (content_type, body) = upload(vec![
        ("csrf", csrf.clone()),
        ("kind", "evaluations".into()),
        ("dry_run", "true".into()),
    ]);
    let cookies = b.cookie_header();
    let send = |content_type: String, body: String| {
        let client = b.client.clone();
        let url = format!("{}/impor", b.base);
        let cookies = cookies.clone();
        async move {
            let r = client
                .post(url)
                .header("cookie", cookies)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = send(content_type, body).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Pemeriksaan saja: tidak ada data yang disimpan."));
    assert!(
        html.contains("<dd class=\"accepted\">1</dd>")
            && html.contains("<dd class=\"rejected\">2</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td class=\"num\">3</td><td>nip</td><td>199001012020121999</td>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td class=\"num\">4</td><td>hasil_kerja</td><td>luar_biasa</td>"),
        "{html}"
    );
    // Each problem is said in Indonesian: the unknown NIP, the column's expected format.
    assert!(
        html.contains("tidak ada pegawai dengan NIP 199001012020121999"),
        "{html}"
    );
    assert!(
        html.contains("tidak sesuai; diharapkan: Di Atas / Sesuai / Di Bawah Ekspektasi"),
        "{html}"
    );
    let (_, stored) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/evaluations"))
        .await;
    assert!(
        !stored["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["period"] == "2027-Q1")
    );

    // For real: the valid row is stored, the refused ones are not.
    let (content_type, body) = upload(vec![("csrf", csrf.clone()), ("kind", "evaluations".into())]);
    let (status, html) = send(content_type, body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Pemeriksaan saja"));
    let (_, stored) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/evaluations"))
        .await;
    let periods: Vec<&str> = stored["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["period"].as_str().unwrap())
        .collect();
    assert!(
        periods.contains(&"2027-Q1") && !periods.contains(&"2027-Q2"),
        "{periods:?}"
    );

    // Without the form's token nothing happens; staff may not import at all.
    let (content_type, body) = upload(vec![
        ("csrf", "forged".into()),
        ("kind", "evaluations".into()),
    ]);
    assert_eq!(send(content_type, body).await.0, StatusCode::FORBIDDEN);
    let mut s = Browser::new(&app);
    s.sign_in(&staff, DEMO_PASSWORD).await;
    let page = s.get("/impor").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        !s.get("/rencana-saya")
            .await
            .html
            .contains("href=\"/impor\"")
    );
}

#[tokio::test]
async fn the_training_plan_and_org_need_pages_show_the_apis_numbers() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, plan) = app
        .post(
            &hr,
            "/api/v1/training-plans",
            &json!({"year": 2027, "budget_idr": 150_000_000}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let form = b.get("/rencana-pelatihan").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html.contains("name=\"budget_idr\"") && !form.html.contains("class=\"plan-cost\"")
    );
    let page = b
        .get("/rencana-pelatihan?year=2027&budget_idr=150000000&unit=")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    // In Rupiah as Indonesian offices write it: Rp 123.456.789.
    let cost = plan["cost_idr"].as_i64().unwrap().to_string();
    let grouped: Vec<String> = cost
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    assert!(
        page.html.contains(&format!(
            "<dd class=\"plan-cost\">Rp\u{a0}{}</dd>",
            grouped.join(".")
        )),
        "{}",
        page.html
    );
    assert!(page.html.contains(&format!(
        "<dd class=\"gap-closed\">{} / {}</dd>",
        plan["gap_closed"], plan["gap_total"]
    )));
    let cohorts = plan["cohorts"].as_array().unwrap();
    assert!(!cohorts.is_empty());
    let demo = Demo::new();
    for c in cohorts {
        let participants = c["participants"].as_array().unwrap();
        let row_start = page
            .html
            .find(&format!(
                "<td>{} <small>{}</small></td><td class=\"num\">{}",
                shown(c["title"].as_str().unwrap()),
                c["program"].as_str().unwrap(),
                participants.len(),
            ))
            .unwrap_or_else(|| panic!("{}", c["program"]));
        let row = &page.html[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        // The schedule as a quarter in words, the fit in Indonesian with competencies by name.
        let schedule = c["schedule"].as_str().unwrap();
        let (year, quarter) = schedule.split_once("-Q").unwrap();
        let roman = ["I", "II", "III", "IV"][quarter.parse::<usize>().unwrap() - 1];
        assert!(
            row.contains(&format!("<td>Triwulan {roman} {year}</td>")),
            "{row}"
        );
        assert!(row.contains("mengembangkan "), "{row}");
        assert!(row.contains(&format!(
            "menutup {} level kesenjangan berbobot pada {} peserta",
            c["gap_closed"],
            participants.len()
        )));
        // The participants by name (the first ten), the rest counted.
        let first = participants[0].as_str().unwrap();
        let name = &demo
            .data
            .employees
            .iter()
            .find(|e| e.nip.as_str() == first)
            .unwrap()
            .name;
        assert!(
            row.contains(&format!("<li>{} ({first})</li>", shown(name))),
            "{row}"
        );
        if participants.len() > 10 {
            assert!(
                row.contains(&format!("+{} lainnya", participants.len() - 10)),
                "{row}"
            );
        }
    }
    // A budget the API refuses is refused on the page with the field named.
    let bad = b.get("/rencana-pelatihan?year=2027&budget_idr=0").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("budget_idr"));

    let (_, needs) = app.get(&hr, "/api/v1/org-needs").await;
    let needs = needs["items"].as_array().unwrap().clone();
    assert!(!needs.is_empty(), "the demo has organisational needs");
    let list = b.get("/kebutuhan-organisasi").await;
    for n in &needs {
        assert!(
            list.html
                .contains(&format!("href=\"/kebutuhan-organisasi/{}\"", n["id"]))
        );
    }
    let id = &needs[0]["id"];
    let (_, progress) = app
        .get(&hr, &format!("/api/v1/org-needs/{id}/progress"))
        .await;
    let page = b.get(&format!("/kebutuhan-organisasi/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains(&format!(
            "<dd class=\"meeting\">{} ({:.0}%)</dd>",
            progress["meeting"],
            progress["share"].as_f64().unwrap() * 100.0
        )),
        "{}",
        page.html
    );
    assert_eq!(
        b.get("/kebutuhan-organisasi/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_unit_head_starts_the_analysis_pages_at_the_unit_they_lead() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of("DPUPR-BM");
    let mut b = Browser::new(&app);
    b.sign_in(&kabid, DEMO_PASSWORD).await;
    let analysis = b.get("/analisis").await;
    assert_eq!(analysis.status, StatusCode::OK);
    assert!(analysis.html.contains("<small>DPUPR-BM</small></h1>"));
    let talent = b.get("/talenta").await;
    assert_eq!(talent.status, StatusCode::OK, "{}", talent.html);
    assert!(talent.html.contains("(9-box) — DPUPR-BM</h1>"));
    let plan = b
        .get("/rencana-pelatihan?year=2027&budget_idr=50000000")
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.html);
    assert!(plan.html.contains("<h2>DPUPR-BM · 2027</h2>"));
    // Outside their subtree: refused, as by the API.
    assert_eq!(
        b.get("/analisis?unit=DLH").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.get("/talenta?unit=DLH").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_account_is_activated_from_a_link_handed_out_on_the_accounts_page() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr_api = app.token("hr").await;
    let nip = "199203142019031004";
    let (status, _) = app
        .post(
            &hr_api,
            "/api/v1/employees",
            &json!({"nip": nip, "name": "Nurhayati Lamba", "unit": "DLH"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // hr finds the pending account and issues a link from the page.
    let mut hr = Browser::new(&app);
    hr.sign_in("hr", DEMO_PASSWORD).await;
    let page = hr.get(&format!("/akun?q={nip}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Nurhayati Lamba"), "{}", page.html);
    assert!(page.html.contains("Menunggu aktivasi"));
    let csrf = hr.csrf();
    let page = hr
        .post(
            &format!("/akun/{nip}"),
            &[("csrf", &csrf), ("action", "link")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.html);
    let url = page
        .html
        .split("value=\"")
        .find_map(|rest| {
            rest.split('"')
                .next()
                .filter(|v| v.contains("/aktivasi?token"))
        })
        .unwrap()
        .replace("&#x3D;", "=")
        .to_string();
    let path = url
        .split_once("/aktivasi")
        .map(|(_, p)| format!("/aktivasi{p}"))
        .unwrap();

    // The owner opens it, is refused a weak password in Indonesian, then sets a good one.
    let mut owner = Browser::new(&app);
    let form = owner.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert!(form.html.contains("Nurhayati Lamba"));
    let token = path.split("token=").nth(1).unwrap().to_string();
    let csrf = owner.csrf();
    let weak = owner
        .post(
            "/aktivasi",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "password123"),
                ("repeat", "password123"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.html.contains("paling umum"), "{}", weak.html);
    let differ = owner
        .post(
            "/aktivasi",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "kopi-gayo-di-pagi-hari"),
                ("repeat", "kopi-gayo"),
            ],
        )
        .await;
    assert!(differ.html.contains("tidak sama"));
    let done = owner
        .post(
            "/aktivasi",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "kopi-gayo-di-pagi-hari"),
                ("repeat", "kopi-gayo-di-pagi-hari"),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/masuk?notice=password_set"));
    let signed_in = owner.sign_in(nip, "kopi-gayo-di-pagi-hari").await;
    assert_eq!(signed_in.location.as_deref(), Some("/rencana-saya"));
    // The link is spent.
    let again = Browser::new(&app).get(&path).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("sudah dipakai"));

    // Changing the password from the form keeps this browser signed in, ends the API session.
    let api_session = app
        .login_response(nip, "kopi-gayo-di-pagi-hari")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let csrf = owner.csrf();
    let wrong = owner
        .post(
            "/kata-sandi",
            &[
                ("csrf", &csrf),
                ("current", "nope"),
                ("password", "hujan-di-bulan-juni"),
                ("repeat", "hujan-di-bulan-juni"),
            ],
        )
        .await;
    assert!(
        wrong.html.contains("Kata sandi sekarang salah"),
        "{}",
        wrong.html
    );
    let changed = owner
        .post(
            "/kata-sandi",
            &[
                ("csrf", &csrf),
                ("current", "kopi-gayo-di-pagi-hari"),
                ("password", "hujan-di-bulan-juni"),
                ("repeat", "hujan-di-bulan-juni"),
            ],
        )
        .await;
    assert_eq!(
        changed.location.as_deref(),
        Some("/rencana-saya?notice=password_changed")
    );
    let mine = owner.get("/rencana-saya").await;
    assert_eq!(mine.status, StatusCode::OK);
    // The header names the person, the NIP beside it.
    assert!(mine.html.contains(&format!(
        "<strong>Nurhayati Lamba</strong> <small>{nip}</small>"
    )));
    let (status, _) = app.get(&api_session, "/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Staff do not see the accounts page.
    let mut staff = Browser::new(&app);
    staff
        .sign_in(&demo.staff_in("DLH-PSL-1"), DEMO_PASSWORD)
        .await;
    assert_eq!(staff.get("/akun").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_unknown_address_is_a_page_and_the_language_switch_keeps_the_query() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/tidak-ada-di-sini"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("tidak ditemukan"), "{html}");
    // API clients keep the uniform error body.
    let (status, body) = read(
        app.client
            .get(app.url("/tidak-ada-di-sini"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");

    let mut hr = Browser::new(&app);
    hr.sign_in("hr", DEMO_PASSWORD).await;
    let page = hr.get("/analisis?unit=DLH").await;
    assert!(
        page.html
            .contains("href=\"/analisis?unit&#x3D;DLH&amp;lang&#x3D;en\""),
        "{}",
        page.html
    );
    let english = hr.get("/analisis?unit=DLH&lang=en").await;
    assert!(
        english
            .html
            .contains("href=\"/analisis?unit&#x3D;DLH&amp;lang&#x3D;id\"")
    );
}

/// Evidence links recorded through the API are shown as links only when they are web
/// addresses: a `javascript:` link is never put in a page.
#[tokio::test]
async fn only_web_addresses_become_evidence_links() {
    let app = spawn_app().await;
    let staff = "199902162024092001";
    let supervisor = "197503222002112001";
    let me = app.token(staff).await;
    let (_, plan) = app
        .post(
            &me,
            &format!("/api/v1/employees/{staff}/development-plan/generate"),
            &json!({}),
        )
        .await;
    let items: Vec<i64> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(items.len() >= 2, "{plan}");
    let path = format!("/api/v1/employees/{staff}/development-plan");
    assert_eq!(
        app.post(&me, &format!("{path}/submit"), &json!({})).await.0,
        StatusCode::OK
    );
    let sup = app.token(supervisor).await;
    assert_eq!(
        app.post(&sup, &format!("{path}/approve"), &json!({}))
            .await
            .0,
        StatusCode::OK
    );
    let today = app.store.today().await.unwrap().to_string();
    for (id, link) in [
        (items[0], "javascript:alert(document.cookie)"),
        (items[1], "https://bangkom.example.go.id/s/7"),
    ] {
        let (status, body) = app
            .post(
                &me,
                &format!("/api/v1/development-plan-items/{id}/complete"),
                &json!({"evidence": {"certificate_number": format!("S-{id}"), "link": link}, "completed_on": today}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut b = Browser::new(&app);
    b.sign_in(staff, DEMO_PASSWORD).await;
    let page = b.get("/rencana-saya").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!("S-{}", items[0])));
    assert!(!page.html.contains("javascript:"), "no script link");
    assert!(
        page.html
            .contains("href=\"https://bangkom.example.go.id/s/7\"")
    );
}
