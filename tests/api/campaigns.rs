//! Change-adoption campaigns over HTTP: launch, stages and resistance, activities, the funnel
//! and barrier computed by hand, people leaving the audience, permissions, the stage import,
//! exports, and the outreach workflow on the test clock.

use crate::helpers::*;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BIDANG: &str = "DPMPTSP-YAN";
const SEKSI: &str = "DPMPTSP-YAN-1";

fn in_unit(demo: &Demo, unit: &str) -> Vec<String> {
    let mut v: Vec<String> = demo
        .data
        .employees
        .iter()
        .filter(|e| e.unit.as_str() == unit)
        .map(|e| e.nip.to_string())
        .collect();
    v.sort();
    v
}

fn today() -> chrono::NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

fn campaign_body(code: &str, sponsor: &str, allow_skips: bool) -> Value {
    json!({
        "code": code,
        "title": "Adopsi Tanda Tangan Elektronik",
        "sponsor_nip": sponsor,
        "units": [BIDANG],
        "starts": (today() - Duration::days(10)).to_string(),
        "ends": (today() + Duration::days(50)).to_string(),
        "adoption_target": 0.5,
        "allow_skips": allow_skips,
    })
}

async fn stage(
    app: &TestApp,
    token: &str,
    code: &str,
    nip: &str,
    stage: &str,
    note: Option<&str>,
) -> (StatusCode, Value) {
    app.post(
        token,
        &format!("/api/v1/campaigns/{code}/stages"),
        &json!({"nip": nip, "stage": stage, "note": note}),
    )
    .await
}

#[tokio::test]
async fn a_unit_head_launches_a_campaign_and_sees_the_funnel_and_barrier() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let lead = app.token(&kabid).await;
    let (status, created) = app
        .post(
            &lead,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, false),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["units"], json!([BIDANG]));
    let (status, _) = app
        .post(
            &lead,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, false),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let seksi = in_unit(&demo, SEKSI);
    let bidang = in_unit(&demo, BIDANG);
    let targets = seksi.len() + bidang.len();
    // Seksi: one at awareness, one at desire, one at knowledge (in turn: no skips here).
    let steps: [&[&str]; 3] = [
        &["awareness"],
        &["awareness", "desire"],
        &["awareness", "desire", "knowledge"],
    ];
    for (nip, path) in seksi.iter().zip(steps) {
        for st in path {
            let (status, body) = stage(&app, &lead, "TTE", nip, st, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    // A skip is refused in this campaign.
    let (status, body) = stage(&app, &lead, "TTE", &seksi[0], "ability", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["stage"]);
    // A step back needs a note, and is resistance.
    let (status, body) = stage(&app, &lead, "TTE", &seksi[2], "awareness", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["note"]);
    let (status, body) = stage(
        &app,
        &lead,
        "TTE",
        &seksi[2],
        "desire",
        Some("Aplikasi sering gagal login"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["move"].as_str(), body["resistance"].as_bool()),
        (Some("back"), Some(true))
    );

    let (status, d) = app.get(&lead, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["targets"], targets);
    // Reached: awareness 3, desire 2, knowledge 0 (the third stepped back to desire).
    assert_eq!(
        d["by_stage"],
        json!({"awareness": 3, "desire": 2, "knowledge": 0, "ability": 0, "reinforcement": 0})
    );
    assert_eq!(
        d["at_stage"],
        json!({"awareness": 1, "desire": 2, "knowledge": 0, "ability": 0, "reinforcement": 0})
    );
    assert_eq!(d["not_started"], targets - 3);
    assert_eq!(
        (d["adopted"].as_u64(), d["adopted_share"].as_f64()),
        (Some(0), Some(0.0))
    );
    assert_eq!(d["on_track"], false);
    assert_eq!(d["barrier"], "awareness", "3 of {targets} is below half");
    let seksi_row = d["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == SEKSI)
        .unwrap();
    assert_eq!(seksi_row["targets"], seksi.len());
    assert_eq!(
        seksi_row["remedy"].as_str(),
        Some(if 3 * 2 >= seksi.len() {
            "pendampingan"
        } else {
            "sosialisasi"
        })
    );
    let resistance = d["resistance"].as_array().unwrap();
    assert_eq!(resistance.len(), 1);
    assert_eq!(
        (
            resistance[0]["nip"].as_str(),
            resistance[0]["note"].as_str()
        ),
        (Some(seksi[2].as_str()), Some("Aplikasi sering gagal login"))
    );

    // CSV and XLSX exports.
    let r = app
        .client
        .get(app.url("/api/v1/campaigns/TTE/dashboard?format=csv"))
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("unit,targets,adopted,share,awareness"),
        "{text}"
    );
    assert!(text.contains(SEKSI));
    let r = app
        .client
        .get(app.url("/api/v1/campaigns/TTE/dashboard"))
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn who_may_do_what_in_a_campaign() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let seksi = in_unit(&demo, SEKSI);
    let staff = seksi
        .iter()
        .find(|n| demo.reports_of(n).is_empty())
        .unwrap()
        .clone();
    let other = seksi
        .iter()
        .find(|n| **n != staff && demo.reports_of(n).is_empty())
        .unwrap()
        .clone();
    let me = app.token(&staff).await;
    // Staff and a leader of another subtree cannot launch it.
    let (status, _) = app
        .post(
            &me,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, true),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let outsider = app.token(&demo.head_of("DLH-PSL-1")).await;
    let (status, _) = app
        .post(
            &outsider,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, true),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hr = app.token("hr").await;
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, true),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Staff record their own stage, not someone else's; nor read the dashboard.
    let (status, _) = stage(&app, &me, "TTE", &staff, "awareness", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = stage(&app, &me, "TTE", &other, "awareness", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get(&me, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Someone outside the audience is no target.
    let stranger = demo.staff_in("DLH-PSL-1");
    let (status, body) = stage(&app, &hr, "TTE", &stranger, "awareness", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["nip"]);
    // The outsider leader cannot record activities for this unit; the sponsor can.
    let activity =
        json!({"kind": "workshop", "unit": SEKSI, "held_on": today().to_string(), "attendees": []});
    let (status, _) = app
        .post(&outsider, "/api/v1/campaigns/TTE/activities", &activity)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let sponsor = app.token(&kabid).await;
    let (status, _) = app
        .post(&sponsor, "/api/v1/campaigns/TTE/activities", &activity)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Who attended what is for those who follow the campaign.
    let (status, _) = app.get(&me, "/api/v1/campaigns/TTE/activities").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, listed) = app.get(&sponsor, "/api/v1/campaigns/TTE/activities").await;
    assert_eq!(
        (status, listed["total"].as_u64()),
        (StatusCode::OK, Some(1))
    );
}

#[tokio::test]
async fn sosialisasi_moves_attendees_to_awareness_once_and_leavers_drop_out() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let hr = app.token("hr").await;
    app.post(
        &hr,
        "/api/v1/campaigns",
        &campaign_body("TTE", &kabid, true),
    )
    .await;
    let seksi = in_unit(&demo, SEKSI);
    // One attendee is at knowledge already: attending does not move them back.
    let (status, _) = stage(&app, &hr, "TTE", &seksi[0], "knowledge", None).await;
    assert_eq!(status, StatusCode::OK);
    let activity = json!({"kind": "sosialisasi", "unit": SEKSI, "held_on": today().to_string(), "title": "Sosialisasi TTE", "attendees": [seksi[0], seksi[1], seksi[2]]});
    let (status, first) = app
        .post(&hr, "/api/v1/campaigns/TTE/activities", &activity)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["moved_to_awareness"], 2);
    let (status, again) = app
        .post(&hr, "/api/v1/campaigns/TTE/activities", &activity)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same activity is not recorded twice"
    );
    assert_eq!(again["id"], first["id"]);
    let (_, d) = app.get(&hr, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(d["by_stage"]["awareness"], 3);
    assert_eq!(d["by_stage"]["knowledge"], 1);
    assert_eq!(d["activities"].as_array().unwrap().len(), 1);
    let targets = d["targets"].as_u64().unwrap();

    // Someone moves to another unit: out of the denominator, not a failure.
    let (_, employee) = app
        .get(&hr, &format!("/api/v1/employees/{}", seksi[1]))
        .await;
    let mut moved = employee.clone();
    moved["unit"] = json!("DLH-PSL-1");
    moved["supervisor_nip"] = json!(demo.head_of("DLH-PSL-1"));
    let (status, body) = app
        .put(&hr, &format!("/api/v1/employees/{}", seksi[1]), &moved)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, d) = app.get(&hr, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(d["targets"].as_u64().unwrap(), targets - 1);
    assert_eq!(d["by_stage"]["awareness"], 2);
}

#[tokio::test]
async fn stages_import_reports_rows_and_is_idempotent() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let hr = app.token("hr").await;
    app.post(
        &hr,
        "/api/v1/campaigns",
        &campaign_body("TTE", &kabid, false),
    )
    .await;
    let seksi = in_unit(&demo, SEKSI);
    let outsider = demo.staff_in("DLH-PSL-1");
    let csv = format!(
        "nip;tahap;catatan\n{};Awareness;\n{};awareness;\n{};minat;\n{};awareness;\n{};knowledge;\n",
        seksi[0], seksi[1], seksi[2], outsider, seksi[3]
    );
    let send = |body: String| {
        app.client
            .post(app.url("/api/v1/campaigns/TTE/stages/import"))
            .bearer_auth(&hr)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let (status, report) = read(send(csv.clone()).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["accepted"], 2);
    let rejected: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    // Row 4: not a stage; row 5: not targeted; row 6: skips awareness and desire.
    assert_eq!(
        rejected,
        [(4, "tahap"), (5, "nip"), (6, "tahap")],
        "{report}"
    );
    let (_, again) = read(send(csv).await.unwrap()).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    // A step back without a note is refused with its row; with a note it is resistance.
    let (status, _) = stage(&app, &hr, "TTE", &seksi[0], "desire", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = read(
        send(format!("nip,tahap,catatan\n{},awareness,\n", seksi[0]))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            report["rejected"][0]["row"].as_u64(),
            report["rejected"][0]["column"].as_str()
        ),
        (Some(2), Some("catatan")),
        "{report}"
    );
    let (_, report) = read(
        send(format!(
            "nip,tahap,catatan\n{},awareness,Belum paham alurnya\n",
            seksi[0]
        ))
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(report["updated"], 1, "{report}");
    let (_, d) = app.get(&hr, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(d["resistance"][0]["note"], "Belum paham alurnya");
    assert_eq!(d["by_stage"]["awareness"], 2);
    assert_eq!(d["by_stage"]["desire"], 0);
}

#[tokio::test]
async fn the_outreach_workflow_tasks_unit_heads_and_flags_a_lagging_unit_at_the_midpoint() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let kasi = demo.head_of(SEKSI);
    let hr = app.token("hr").await;
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/campaigns",
            &campaign_body("TTE", &kabid, true),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_engine().await;
    // Each targeted unit's head has an outreach task.
    for (head, unit) in [(&kabid, BIDANG), (&kasi, SEKSI)] {
        let t = app.token(head).await;
        let (_, tasks) = app.get(&t, "/api/v1/tasks?mine=true&kind=outreach").await;
        let items = tasks["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{unit}: {tasks}");
        let (status, _) = app
            .post(
                &t,
                &format!("/api/v1/tasks/{}/complete", items[0]["id"]),
                &json!({"outcome": "selesai"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    // The seksi adopts fully; the bidang's own staff do not start.
    for nip in in_unit(&demo, SEKSI) {
        let (status, _) = stage(&app, &hr, "TTE", &nip, "reinforcement", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    app.run_engine().await;
    let (_, running) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=jangkauan-perubahan",
        )
        .await;
    assert_eq!(running["total"], 2);
    assert!(
        running["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "waiting" && i["current_step"] == "tengah")
    );

    app.clock.advance(Duration::days(21));
    app.run_engine().await;
    let lead = app.token(&kabid).await;
    let (_, tasks) = app
        .get(&lead, "/api/v1/tasks?mine=true&kind=activity")
        .await;
    let items = tasks["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{tasks}");
    assert!(
        items[0]["title"].as_str().unwrap().contains("sosialisasi"),
        "{}",
        items[0]
    );
    let (_, notes) = app.get(&lead, "/api/v1/notifications?mine=true").await;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["template"] == "kampanye-tertinggal")
    );
    let kasi_token = app.token(&kasi).await;
    let (_, none) = app
        .get(&kasi_token, "/api/v1/tasks?mine=true&kind=activity")
        .await;
    assert_eq!(none["total"], 0, "the seksi is on track");
    let (_, done) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=jangkauan-perubahan&status=completed",
        )
        .await;
    assert_eq!(done["total"], 1);
}

#[tokio::test]
async fn a_workflow_enrols_its_subject_in_a_campaign() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let kabid = demo.head_of(BIDANG);
    let hr = app.token("hr").await;
    app.post(
        &hr,
        "/api/v1/campaigns",
        &campaign_body("TTE", &kabid, false),
    )
    .await;
    let definition = json!({
        "key": "ajak-tte",
        "title": "Ajak ke kampanye TTE",
        "trigger": {"event": "assessment.recorded"},
        "steps": [
            {"id": "ajak", "kind": "campaign_enroll", "campaign": "TTE", "next": "selesai"},
            {"id": "selesai", "kind": "end"}
        ]
    });
    let (status, body) = app.post(&hr, "/api/v1/workflows", &definition).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let insider = in_unit(&demo, SEKSI)[0].clone();
    let outsider = demo.staff_in("DLH-PSL-1");
    for nip in [&insider, &outsider] {
        let (status, _) = app
            .put(
                &hr,
                &format!("/api/v1/employees/{nip}/competencies"),
                &json!([{"competency": "M.1", "level": 3, "source": "assessment", "assessed_on": "2026-11-02"}]),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.run_engine().await;
    let (_, d) = app.get(&hr, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(d["by_stage"]["awareness"], 1);
    let (_, list) = app
        .get(&hr, "/api/v1/workflow-instances?workflow=ajak-tte")
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["status"] == "completed"), "{list}");
    let detail = |nip: &str| {
        items.iter().find(|i| i["subject_nip"] == nip).unwrap()["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["event"] == "campaign_enroll")
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        detail(&insider).contains("awareness"),
        "{}",
        detail(&insider)
    );
    assert!(
        detail(&outsider).contains("not enrolled"),
        "{}",
        detail(&outsider)
    );
}

#[tokio::test]
async fn surveys_name_a_real_employee_or_unit() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    app.post(
        &hr,
        "/api/v1/campaigns",
        &campaign_body("TTE", &demo.head_of(BIDANG), false),
    )
    .await;
    let scores =
        json!({"awareness": 4, "desire": 3, "knowledge": 3, "ability": 2, "reinforcement": 1});
    let (status, body) = app
        .post(
            &hr,
            "/api/v1/campaigns/TTE/surveys",
            &json!({"unit": "NOPE", "scores": scores}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["unit"]);
    let (status, _) = app
        .post(
            &hr,
            "/api/v1/campaigns/TTE/surveys",
            &json!({"unit": SEKSI, "scores": scores}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, d) = app.get(&hr, "/api/v1/campaigns/TTE/dashboard").await;
    assert_eq!(d["survey"]["awareness"], 4.0);
}
