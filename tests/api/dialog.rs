//! Dialog kinerja between an employee and their supervisor, and upward feedback shown only as
//! an anonymous aggregate from three respondents on.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SUPERVISOR: &str = "197503222002112001";
const STAFF: &str = "199902162024092001";

#[tokio::test]
async fn the_employee_and_the_supervisor_keep_a_dated_thread() {
    let app = spawn_app().await;
    let sup = app.token(SUPERVISOR).await;
    let staff = app.token(STAFF).await;
    let path = format!("/api/v1/employees/{STAFF}/dialog?year=2026");
    let (status, entry) = app
        .post(
            &sup,
            &path,
            &json!({"kind": "umpan_balik", "text": "Antrean loket pagi lebih tertib sejak pekan lalu.",
                    "value": "berorientasi_pelayanan"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["author_nip"], SUPERVISOR);
    assert!(entry["acknowledged_at"].is_null());
    let (status, reply) = app
        .post(
            &staff,
            &path,
            &json!({"kind": "pertanyaan", "text": "Apakah target antrean per hari berubah?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let (_, thread) = app.get(&staff, &path).await;
    let kinds: Vec<&str> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["umpan_balik", "pertanyaan"]);
    // The employee acknowledges the feedback; its author cannot.
    let ack = format!("/api/v1/dialog/{}/acknowledge", entry["id"]);
    let (status, _) = app.post(&sup, &ack, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, done) = app.post(&staff, &ack, &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!done["acknowledged_at"].is_null());
    assert_eq!(
        app.store
            .count_raw(&format!(
                "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'dialog.recorded' AND payload LIKE '%{STAFF}%'"
            ))
            .await
            .unwrap(),
        2
    );
    // Bad input is named; nothing is written.
    let (status, e) = app
        .post(
            &sup,
            &path,
            &json!({"kind": "gosip", "text": "", "value": "jujur", "rhk_id": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&e),
        vec![
            "kind".to_string(),
            "text".to_string(),
            "value".to_string(),
            "rhk_id".to_string()
        ]
    );
    // A colleague neither reads nor writes; hr reads but the thread is not theirs to write.
    let demo = Demo::new();
    let colleague = demo
        .reports_of(SUPERVISOR)
        .into_iter()
        .find(|n| n != STAFF)
        .unwrap();
    let other = app.token(&colleague).await;
    assert_eq!(app.get(&other, &path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(&other, &path, &json!({"kind": "catatan", "text": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let hr = app.token("hr").await;
    assert_eq!(app.get(&hr, &path).await.0, StatusCode::OK);
    assert_eq!(
        app.post(&hr, &path, &json!({"kind": "catatan", "text": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn upward_feedback_is_shown_only_as_an_anonymous_aggregate_from_three() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let reports = demo.reports_of(SUPERVISOR);
    assert!(reports.len() >= 3, "{reports:?}");
    let path = format!("/api/v1/employees/{SUPERVISOR}/upward-feedback?year=2026");
    let sup = app.token(SUPERVISOR).await;
    let give = |answers: Value, comment: &str| json!({"answers": answers, "comment": comment});
    let r0 = app.token(&reports[0]).await;
    let r1 = app.token(&reports[1]).await;
    let r2 = app.token(&reports[2]).await;
    assert_eq!(
        app.post(
            &r0,
            &path,
            &give(json!([5, 4, 3, 2, 1]), "zeta: rapat terlalu panjang")
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post(
            &r1,
            &path,
            &give(json!([4, 4, 4, 4, 4]), "alfa: arahan jelas")
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    // Two respondents: nothing at all, not even the comments.
    let (status, two) = app.get(&sup, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(two.is_null(), "{two}");
    assert_eq!(
        app.post(
            &r2,
            &path,
            &give(json!([3, 3, 3, 3, 3]), "mid: perlu pendampingan")
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, three) = app.get(&sup, &path).await;
    assert_eq!(three["respondents"], 3);
    assert_eq!(three["averages"], json!([4.0, 3.67, 3.33, 3.0, 2.67]));
    assert_eq!(three["overall"], 3.33);
    // The comments in no telling order, and nobody named anywhere in the answer.
    assert_eq!(
        three["comments"],
        json!([
            "alfa: arahan jelas",
            "mid: perlu pendampingan",
            "zeta: rapat terlalu panjang"
        ])
    );
    let text = three.to_string();
    for r in &reports {
        assert!(!text.contains(r.as_str()), "{r} named in {text}");
    }
    // A repeat replaces the earlier answer: still three respondents.
    app.post(&r0, &path, &give(json!([5, 5, 5, 5, 5]), ""))
        .await;
    let (_, again) = app.get(&sup, &path).await;
    assert_eq!(again["respondents"], 3);
    assert_eq!(again["averages"][4], 4.0);
    // Only direct reports give it; only the supervisor, hr and admin read it.
    let outsider = app.token(&demo.staff_in("DLH-PSL-1")).await;
    assert_eq!(
        app.post(&outsider, &path, &give(json!([1, 1, 1, 1, 1]), ""))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&r0, &path).await.0, StatusCode::FORBIDDEN);
    let hr = app.token("hr").await;
    assert_eq!(app.get(&hr, &path).await.0, StatusCode::OK);
    // Answers outside 1..5 or too few are named.
    let (status, e) = app
        .post(&r1, &path, &give(json!([6, 4, 4, 4, 0]), ""))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&e),
        vec!["answers[0]".to_string(), "answers[4]".to_string()]
    );
    let (status, e) = app.post(&r1, &path, &give(json!([4, 4]), "")).await;
    assert_eq!(
        (status, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["answers".to_string()]
        )
    );
}

/// The same on the pages: the employee asks in Rencana Saya, the supervisor answers and
/// acknowledges in Tim Saya; three reports' feedback appears there as an average.
#[tokio::test]
async fn dialog_and_upward_feedback_on_the_pages() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let demo = Demo::new();
    let mut staff = Browser::new(&app);
    staff.sign_in(STAFF, DEMO_PASSWORD).await;
    let page = staff.get("/rencana-saya").await;
    assert!(page.html.contains("Dialog kinerja"), "{}", page.html);
    let csrf = staff.csrf();
    // Empty text is refused beside the form.
    let refused = staff
        .post(
            &format!("/dialog/{STAFF}"),
            &[
                ("csrf", csrf.as_str()),
                ("kind", "pertanyaan"),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = staff
        .post(
            &format!("/dialog/{STAFF}"),
            &[
                ("csrf", csrf.as_str()),
                ("kind", "pertanyaan"),
                ("value", "kolaboratif"),
                ("text", "Bolehkah saya ikut rapat koordinasi loket?"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let mut sup = Browser::new(&app);
    sup.sign_in(SUPERVISOR, DEMO_PASSWORD).await;
    let team = sup.get("/tim-saya").await;
    assert!(
        team.html
            .contains("Bolehkah saya ikut rapat koordinasi loket?")
    );
    assert!(team.html.contains("Kolaboratif"));
    let id = team
        .html
        .split("action=\"/dialog/entri/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .unwrap()
        .to_string();
    let csrf = sup.csrf();
    let ack = sup
        .post(
            &format!("/dialog/entri/{id}/baca"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(
        ack.location.as_deref(),
        Some("/tim-saya?notice=dialog_acknowledged")
    );
    // Feedback from three reports through the form; the supervisor sees the average only.
    assert!(
        sup.get("/tim-saya")
            .await
            .html
            .contains("kurang dari tiga orang")
    );
    for nip in demo.reports_of(SUPERVISOR).iter().take(3) {
        let mut r = Browser::new(&app);
        r.sign_in(nip, DEMO_PASSWORD).await;
        let csrf = r.csrf();
        let done = r
            .post(
                "/umpan-balik-atasan",
                &[
                    ("csrf", csrf.as_str()),
                    ("a1", "4"),
                    ("a2", "4"),
                    ("a3", "5"),
                    ("a4", "3"),
                    ("a5", "4"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    }
    let team = sup.get("/tim-saya").await;
    assert!(team.html.contains("3 orang menjawab"), "{}", team.html);
}
