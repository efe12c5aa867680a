//! The citizens' survey at the counter: anonymous, one response per form shown (a replay is
//! refused), bots dropped, floods limited, and the quarter's responses computing the unit's
//! IKM by the regulation's rule.

use crate::helpers::*;
use chrono::Datelike;
use reqwest::StatusCode;

/// A public browser: no session, pages asked for as HTML.
struct Citizen {
    client: reqwest::Client,
    base: String,
}

impl Citizen {
    fn new(app: &TestApp) -> Self {
        Citizen {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
        }
    }

    /// Opens the form and answers its one-time token.
    async fn form(&self, unit: &str) -> (StatusCode, String, String) {
        let r = self
            .client
            .get(format!("{}/survei/{unit}", self.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let html = r.text().await.unwrap();
        let token = html
            .split("name=\"token\" value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap_or_default()
            .to_string();
        (status, html, token)
    }

    async fn send(&self, unit: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let body = fields
            .iter()
            .map(|(k, v)| {
                let enc = |s: &str| -> String {
                    s.bytes()
                        .map(|b| match b {
                            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                                (b as char).to_string()
                            }
                            _ => format!("%{b:02X}"),
                        })
                        .collect()
                };
                format!("{}={}", enc(k), enc(v))
            })
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .client
            .post(format!("{}/survei/{unit}", self.base))
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Answers every element with `answer` on a fresh form.
    async fn answer_all(&self, unit: &str, answer: &str) -> (StatusCode, String) {
        let (_, _, token) = self.form(unit).await;
        let names: Vec<String> = (1..=9).map(|i| format!("u{i}")).collect();
        let mut fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), answer)).collect();
        fields.push(("token", &token));
        self.send(unit, &fields).await
    }
}

fn quarter() -> String {
    let today = chrono::Utc::now();
    format!("{}-Q{}", today.year(), today.month0() / 3 + 1)
}

#[tokio::test]
async fn a_citizen_answers_once_per_form_and_the_quarter_computes_the_ikm() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let citizen = Citizen::new(&app);
    let unit = "DPMPTSP-PM-1";
    let (status, html, token) = citizen.form(unit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Survei Kepuasan Masyarakat"));
    assert!(html.contains("Seksi Promosi Investasi"));
    assert_eq!(html.matches("<fieldset class=\"question\">").count(), 9);
    assert_eq!(token.len(), 32);

    // Question 3 outside 1..4 and question 9 left out: both named, nothing counted.
    let mut fields: Vec<(&str, &str)> = vec![
        ("u1", "4"),
        ("u2", "4"),
        ("u3", "5"),
        ("u4", "4"),
        ("u5", "4"),
        ("u6", "4"),
        ("u7", "4"),
        ("u8", "4"),
        ("token", &token),
    ];
    let (status, html) = citizen.send(unit, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Pertanyaan 3 belum dijawab"));
    assert!(html.contains("Pertanyaan 9 belum dijawab"));
    let (_, none) = app.get(&hr, &format!("/api/v1/units/{unit}/ikm")).await;
    assert_eq!(none["total"], 0);

    // Answered in full: counted at once in this quarter.
    fields[2] = ("u3", "4");
    fields.push(("u9", "4"));
    let (status, html) = citizen.send(unit, &fields).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Terima kasih"));
    // The same form again is a replay: refused, and a new form offered.
    let (status, html) = citizen.send(unit, &fields).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("sudah terkirim"));
    // A second citizen answers 3 throughout: (4 + 3) / 2 = 3.5 per element → IKM 87.5, B.
    let (status, _) = citizen.answer_all(unit, "3").await;
    assert_eq!(status, StatusCode::OK);
    // A bot filling the hidden field is thanked and not counted.
    let (_, _, token) = citizen.form(unit).await;
    let names: Vec<String> = (1..=9).map(|i| format!("u{i}")).collect();
    let mut bot: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    bot.push(("token", &token));
    bot.push(("situs", "https://spam.example"));
    let (status, _) = citizen.send(unit, &bot).await;
    assert_eq!(status, StatusCode::OK);

    let (_, ikm) = app.get(&hr, &format!("/api/v1/units/{unit}/ikm")).await;
    let now = &ikm["items"][0];
    assert_eq!(now["period"], quarter().as_str());
    assert_eq!(now["respondents"], 2, "{ikm}");
    assert_eq!(now["index"], 87.5);
    assert_eq!(now["category"], "B");
    assert_eq!(
        app.store
            .count_raw(&format!(
                "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'ikm.recorded' AND payload LIKE '%{unit}%'"
            ))
            .await
            .unwrap(),
        2
    );
    // Nothing about the citizen is kept: the responses table holds answers, a comment, a time.
    assert_eq!(
        app.store
            .count_raw(&format!(
                "SELECT COUNT(*) AS n FROM survey_responses WHERE unit_code = '{unit}'"
            ))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn the_counter_gets_a_link_and_qr_code_and_floods_are_limited() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let (status, link) = app
        .get(&hr, "/api/v1/units/DPMPTSP-YAN-1/survey-link")
        .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert!(
        link["url"]
            .as_str()
            .unwrap()
            .ends_with("/survei/DPMPTSP-YAN-1")
    );
    assert!(link["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let demo = Demo::new();
    let staff = app.token(&demo.staff_in("DLH-PSL-1")).await;
    let (status, _) = app
        .get(&staff, "/api/v1/units/DPMPTSP-YAN-1/survey-link")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An unknown unit has no survey.
    let citizen = Citizen::new(&app);
    let (status, _, _) = citizen.form("TIDAK-ADA").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Twenty responses an hour from one address for one unit; the next is refused.
    for i in 0..20 {
        let (status, html) = citizen.answer_all("DLH-PSL-1", "4").await;
        assert_eq!(status, StatusCode::OK, "response {i}: {html}");
    }
    let (status, html) = citizen.answer_all("DLH-PSL-1", "4").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Terlalu banyak jawaban"));
}
