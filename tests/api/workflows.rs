//! The workflow engine end to end: evaluations and assessments in, instances, tasks, plan items,
//! recognitions and notifications out; escalation and the yearly timer on the test clock;
//! incidents and retry; exactly once under replays and two engines; definitions validated.

use crate::helpers::*;
use chrono::{Datelike, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A staff member with a supervisor whose own supervisor exists.
fn people(demo: &Demo) -> (String, String, String) {
    let kasi = demo.head_of("DPMPTSP-YAN-1");
    let staff = demo
        .reports_of(&kasi)
        .into_iter()
        .find(|n| demo.reports_of(n).is_empty())
        .unwrap();
    let above = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == kasi)
        .unwrap()
        .supervisor_nip
        .as_ref()
        .unwrap()
        .to_string();
    (staff, kasi, above)
}

async fn import_evaluations(
    app: &TestApp,
    token: &str,
    rows: &[(&str, &str, &str, &str)],
) -> Value {
    let mut csv = String::from("nip,periode,hasil_kerja,perilaku_kerja\n");
    for (nip, period, hk, pk) in rows {
        csv.push_str(&format!("{nip},{period},{hk},{pk}\n"));
    }
    let r = app
        .client
        .post(app.url("/api/v1/imports/evaluations"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn instances(app: &TestApp, hr: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get(hr, &format!("/api/v1/workflow-instances?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn tasks(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(token, &format!("/api/v1/tasks?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get(token, "/api/v1/notifications?mine=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

const LOW: (&str, &str) = ("di_bawah_ekspektasi", "sesuai_ekspektasi"); // butuh_perbaikan
const GOOD: (&str, &str) = ("sesuai_ekspektasi", "sesuai_ekspektasi"); // baik
const BEST: (&str, &str) = ("di_atas_ekspektasi", "di_atas_ekspektasi"); // sangat_baik

fn events(history: &Value) -> Vec<String> {
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pembinaan_kinerja_coaching_scores_plan_item_and_counselling() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", LOW.0, LOW.1)]).await;
    app.run_engine().await;

    let list = instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pembinaan-kinerja"),
    )
    .await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        (list[0]["status"].as_str(), list[0]["current_step"].as_str()),
        (Some("waiting"), Some("bimbingan"))
    );
    assert_eq!(list[0]["version"], 1);

    // The supervisor has the coaching task and was told about it.
    let sup = app.token(&kasi).await;
    let mine = tasks(&app, &sup, "mine=true&status=open").await;
    let task = mine
        .iter()
        .find(|t| t["subject_nip"] == staff.as_str() && t["kind"] == "coaching")
        .expect("a coaching task for the supervisor")
        .clone();
    assert_eq!(task["assignee"], kasi.as_str());
    assert_eq!(task["instance_id"], list[0]["id"]);
    assert!(
        notifications(&app, &sup)
            .await
            .iter()
            .any(|n| n["template"] == "tugas-baru" && n["subject_nip"] == staff.as_str())
    );
    let id = task["id"].as_i64().unwrap();
    let path = format!("/api/v1/tasks/{id}/complete");

    // Only the assignee (or hr) completes it; the outcome and the scores are checked.
    let me = app.token(&staff).await;
    let (status, _) = app.post(&me, &path, &json!({"outcome": "selesai"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post(
            &sup,
            &path,
            &json!({"outcome": "lulus", "competency_scores": [{"competency": "NOPE", "level": 9}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = error_fields(&body);
    assert!(
        fields.contains(&"outcome".to_string())
            && fields.contains(&"competency_scores[0].level".to_string()),
        "{fields:?}"
    );

    // A competency that does not exist: refused by name, the task stays open.
    let (status, body) = app
        .post(&sup, &path, &json!({"outcome": "selesai", "competency_scores": [{"competency": "TK.NOPE", "level": 2}]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["competency_scores[0].competency"]);
    let (_, still) = app.get(&sup, &format!("/api/v1/tasks/{id}")).await;
    assert_eq!(still["status"], "open");

    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/competencies"))
        .await;
    let competency = profile["current"][0]["competency"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, done) = app
        .post(&sup, &path, &json!({"outcome": "selesai", "notes": "Sesi bimbingan 1 jam", "competency_scores": [{"competency": competency, "level": 1}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    // A retried completion changes nothing.
    let (status, _) = app.post(&sup, &path, &json!({"outcome": "selesai"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The score is a dated competency record from coaching.
    let (_, profile) = app
        .get(&hr, &format!("/api/v1/employees/{staff}/competencies"))
        .await;
    let current = profile["current"].as_array().unwrap();
    let c = current
        .iter()
        .find(|r| r["competency"] == competency.as_str())
        .unwrap();
    assert_eq!(
        (c["level"].as_u64(), c["source"].as_str()),
        (Some(1), Some("coaching")),
        "{c}"
    );

    app.run_engine().await;
    let inst = &instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pembinaan-kinerja"),
    )
    .await[0];
    assert_eq!(inst["current_step"], "tunggu", "{inst}");
    let h = events(&inst["history"]);
    assert!(
        h.contains(&"task_completed".to_string()) && h.contains(&"plan_item".to_string()),
        "{h:?}"
    );
    // The largest gap's program is in the employee's draft plan.
    let year = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .year();
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{staff}/development-plan?year={year}"),
        )
        .await;
    assert!(!plan["items"].as_array().unwrap().is_empty(), "{plan}");

    // The next evaluation still below baik: counselling by HR.
    import_evaluations(&app, &hr, &[(&staff, "2027-Q3", LOW.0, LOW.1)]).await;
    app.run_engine().await;
    let counselling: Vec<Value> = tasks(&app, &hr, "mine=true&status=open&kind=counselling")
        .await
        .into_iter()
        .filter(|t| t["subject_nip"] == staff.as_str())
        .collect();
    assert_eq!(counselling.len(), 1, "{counselling:?}");
    // The second low period does not start a second coaching.
    assert_eq!(
        instances(
            &app,
            &hr,
            &format!("nip={staff}&workflow=pembinaan-kinerja")
        )
        .await
        .len(),
        1
    );
    let (status, _) = app
        .post(
            &hr,
            &format!("/api/v1/tasks/{}/complete", counselling[0]["id"]),
            &json!({"outcome": "selesai"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.run_engine().await;
    let inst = &instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pembinaan-kinerja"),
    )
    .await[0];
    assert_eq!(inst["status"], "completed", "{inst}");

    // Replaying both imports starts nothing new.
    import_evaluations(
        &app,
        &hr,
        &[
            (&staff, "2027-Q2", LOW.0, LOW.1),
            (&staff, "2027-Q3", LOW.0, LOW.1),
        ],
    )
    .await;
    app.run_engine().await;
    assert_eq!(instances(&app, &hr, &format!("nip={staff}")).await.len(), 1);
}

#[tokio::test]
async fn a_good_next_evaluation_ends_coaching_without_counselling() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", LOW.0, LOW.1)]).await;
    app.run_engine().await;
    let sup = app.token(&kasi).await;
    let task = tasks(&app, &sup, "mine=true&kind=coaching").await[0].clone();
    app.post(
        &sup,
        &format!("/api/v1/tasks/{}/complete", task["id"]),
        &json!({"outcome": "selesai"}),
    )
    .await;
    import_evaluations(&app, &hr, &[(&staff, "2027-Q3", GOOD.0, GOOD.1)]).await;
    app.run_engine().await;
    let inst = &instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pembinaan-kinerja"),
    )
    .await[0];
    assert_eq!(inst["status"], "completed", "{inst}");
    assert!(
        tasks(&app, &hr, "kind=counselling")
            .await
            .iter()
            .all(|t| t["subject_nip"] != staff.as_str())
    );
}

#[tokio::test]
async fn an_unfinished_coaching_task_reminds_then_escalates_on_the_clock() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, above) = people(&demo);
    let hr = app.token("hr").await;
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", LOW.0, LOW.1)]).await;
    app.run_engine().await;
    let sup = app.token(&kasi).await;
    app.clock.advance(Duration::days(8));
    app.run_engine().await;
    assert!(
        notifications(&app, &sup)
            .await
            .iter()
            .any(|n| n["template"] == "pengingat-tugas")
    );
    app.clock.advance(Duration::days(23));
    app.run_engine().await;
    let boss = app.token(&above).await;
    let escalated = tasks(&app, &boss, "mine=true&status=open").await;
    let t = escalated
        .iter()
        .find(|t| t["subject_nip"] == staff.as_str())
        .expect("the task moved to the supervisor's supervisor");
    assert_eq!(t["escalated"], true);
    assert!(
        notifications(&app, &boss)
            .await
            .iter()
            .any(|n| n["template"] == "eskalasi-tugas")
    );
    assert!(
        tasks(&app, &sup, "mine=true&status=open")
            .await
            .iter()
            .all(|t| t["subject_nip"] != staff.as_str())
    );
    // Escalation happens once.
    app.clock.advance(Duration::days(40));
    app.run_engine().await;
    let inst = &instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pembinaan-kinerja"),
    )
    .await[0];
    assert_eq!(
        events(&inst["history"])
            .iter()
            .filter(|e| *e == "task_escalated")
            .count(),
        1
    );
}

#[tokio::test]
async fn two_sangat_baik_periods_bring_recognition_and_a_nomination() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    import_evaluations(
        &app,
        &hr,
        &[
            (&staff, "2027-Q1", BEST.0, BEST.1),
            (&staff, "2027-Q2", BEST.0, BEST.1),
        ],
    )
    .await;
    app.run_engine().await;
    let list = instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=apresiasi-dan-promosi"),
    )
    .await;
    assert_eq!(
        list.len(),
        1,
        "only the second period makes two in a row: {list:?}"
    );
    let me = app.token(&staff).await;
    let sup = app.token(&kasi).await;
    assert!(
        notifications(&app, &me)
            .await
            .iter()
            .any(|n| n["template"] == "penghargaan")
    );
    assert!(
        notifications(&app, &sup)
            .await
            .iter()
            .any(|n| n["template"] == "penghargaan")
    );
    let nomination = tasks(&app, &hr, "mine=true&status=open&kind=nomination")
        .await
        .into_iter()
        .find(|t| t["subject_nip"] == staff.as_str())
        .unwrap();
    assert_eq!(nomination["assignee"], "hr");
    // Staff cannot see or complete HR's task; hr approves.
    let (status, _) = app
        .post(
            &me,
            &format!("/api/v1/tasks/{}/complete", nomination["id"]),
            &json!({"outcome": "disetujui"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            &hr,
            &format!("/api/v1/tasks/{}/complete", nomination["id"]),
            &json!({"outcome": "disetujui"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.run_engine().await;
    let inst = &instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=apresiasi-dan-promosi"),
    )
    .await[0];
    assert_eq!(inst["status"], "completed");
    let h = events(&inst["history"]);
    for e in [
        "recognition",
        "notified",
        "task_created",
        "task_completed",
        "nominated",
        "completed",
    ] {
        assert!(h.contains(&e.to_string()), "{e} missing from {h:?}");
    }
    let (_, recognitions) = app
        .get(&me, &format!("/api/v1/employees/{staff}/recognitions"))
        .await;
    let items = recognitions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{recognitions}");
    assert_eq!(
        (items[0]["kind"].as_str(), items[1]["kind"].as_str()),
        (Some("recognition"), Some("nomination"))
    );
    assert_eq!(items[1]["what"], "promotion_candidate");
    let potential = demo
        .data
        .employees
        .iter()
        .find(|e| e.nip.as_str() == staff)
        .unwrap()
        .potential;
    if let Some(p) = potential {
        // Sangat baik is above expectations: box 9, 7 or 4 by potential.
        let expected = match p.as_str() {
            "tinggi" => 9,
            "menengah" => 7,
            _ => 4,
        };
        assert_eq!(items[1]["talent_box"], expected);
    }
    // Nothing starts for the other workflows on good evaluations.
    assert!(
        instances(
            &app,
            &hr,
            &format!("nip={staff}&workflow=pembinaan-kinerja")
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn an_assessment_with_a_gap_of_two_levels_proposes_programs() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    // Somebody with a supervisor whose position requires a level of 3 or more.
    let (employee, req) = demo
        .data
        .employees
        .iter()
        .filter(|e| e.supervisor_nip.is_some())
        .find_map(|e| {
            let p = demo.position_of(e)?;
            let r = p.requirements.iter().find(|r| r.level.get() >= 3)?;
            Some((e, r))
        })
        .expect("a demo position requires level 3 somewhere");
    let staff = employee.nip.to_string();
    let kasi = employee.supervisor_nip.as_ref().unwrap().to_string();
    let path = format!("/api/v1/employees/{staff}/competencies");
    let (status, _) = app
        .put(&hr, &path, &json!([{"competency": req.competency.as_str(), "level": req.level.get() - 2, "source": "assessment", "assessed_on": "2026-11-01"}]))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.run_engine().await;
    let list = instances(
        &app,
        &hr,
        &format!("nip={staff}&workflow=pengembangan-dari-gap"),
    )
    .await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["status"], "completed", "{}", list[0]);
    let sup = app.token(&kasi).await;
    let note = notifications(&app, &sup)
        .await
        .into_iter()
        .find(|n| n["template"] == "rekomendasi-pengembangan")
        .unwrap();
    assert!(
        note["body"]
            .as_str()
            .unwrap()
            .contains(req.competency.as_str()),
        "{note}"
    );
    let year = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .year();
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{staff}/development-plan?year={year}"),
        )
        .await;
    assert_eq!(plan["status"], "draft");
    assert!(!plan["items"].as_array().unwrap().is_empty(), "{plan}");
    // The same records again: nothing new.
    app.put(&hr, &path, &json!([{"competency": req.competency.as_str(), "level": req.level.get() - 2, "source": "assessment", "assessed_on": "2026-11-01"}])).await;
    app.run_engine().await;
    assert_eq!(
        instances(
            &app,
            &hr,
            &format!("nip={staff}&workflow=pengembangan-dari-gap")
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn on_1_october_employees_below_20_jp_get_a_reminder_once() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    // Installed today: the trigger does not fire for a 1 October already past.
    app.run_engine().await;
    assert!(
        instances(&app, &hr, "workflow=pemenuhan-20-jp")
            .await
            .is_empty()
    );
    let next_year = Utc::now().year() + 1;
    app.clock
        .set(Utc.with_ymd_and_hms(next_year, 9, 30, 12, 0, 0).unwrap());
    app.run_engine().await;
    assert!(
        instances(&app, &hr, "workflow=pemenuhan-20-jp")
            .await
            .is_empty()
    );
    app.clock
        .set(Utc.with_ymd_and_hms(next_year, 10, 1, 1, 0, 0).unwrap());
    app.run_engine().await;
    let (_, page) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=pemenuhan-20-jp&limit=1",
        )
        .await;
    assert_eq!(
        page["total"].as_u64().unwrap() as usize,
        demo.data.employees.len(),
        "no demo employee has 20 JP planned for {next_year}"
    );
    let me = app.token(&staff).await;
    assert!(
        notifications(&app, &me)
            .await
            .iter()
            .any(|n| n["template"] == "pengingat-20-jp")
    );
    let sup = app.token(&kasi).await;
    assert!(
        tasks(&app, &sup, "mine=true&kind=reminder")
            .await
            .iter()
            .any(|t| t["subject_nip"] == staff.as_str())
    );
    // Later rounds the same year fire nothing more.
    app.clock.advance(Duration::days(2));
    app.run_engine().await;
    let (_, again) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=pemenuhan-20-jp&limit=1",
        )
        .await;
    assert_eq!(again["total"], page["total"]);
}

#[tokio::test]
async fn a_failing_step_retries_then_stops_at_an_incident_and_resumes_on_retry() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, _, _) = people(&demo);
    // A workflow whose plan step names a program that does not exist (yet): the step cannot
    // succeed until somebody adds it.
    let def = json!({
        "key": "uji-insiden", "title": "Uji insiden",
        "trigger": {"event": "evaluation.recorded", "condition": format!("event.nip == '{staff}'")},
        "steps": [
            {"id": "rencana", "kind": "plan_item", "program": "PRG-BARU", "next": "selesai"},
            {"id": "selesai", "kind": "end"}
        ]
    });
    let (status, saved) = app.post(&hr, "/api/v1/workflows", &def).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", GOOD.0, GOOD.1)]).await;
    app.run_engine().await;
    let inst = &instances(&app, &hr, "workflow=uji-insiden").await[0];
    assert_eq!(
        (inst["status"].as_str(), inst["attempts"].as_i64()),
        (Some("running"), Some(1)),
        "{inst}"
    );
    for minutes in [2, 6] {
        app.clock.advance(Duration::minutes(minutes));
        app.run_engine().await;
    }
    let inst = &instances(&app, &hr, "status=incident").await[0];
    assert_eq!(inst["subject_nip"], staff.as_str());
    assert!(
        inst["error"].as_str().unwrap().contains("PRG-BARU"),
        "{inst}"
    );
    // Only hr/admin may retry; retrying before the cause is fixed fails again, visibly.
    let other = app.token(&demo.staff_in("DPMPTSP-YAN-1")).await;
    let retry = format!("/api/v1/workflow-instances/{}/retry", inst["id"]);
    let (status, _) = app.post(&other, &retry, &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Add the program, then retry.
    let program = json!({"code": "PRG-BARU", "title": "Program baru", "form": "e_learning", "jp": 4,
        "cost_idr": 0, "provider": "BKPSDM", "capacity": null,
        "develops": [{"competency": "M.5", "to_level": 2}], "requires": []});
    let (status, created) = app.post(&hr, "/api/v1/programs", &program).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _) = app.post(&hr, &retry, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app.post(&hr, &retry, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "not at an incident any more");
    app.run_engine().await;
    let inst = &instances(&app, &hr, "workflow=uji-insiden").await[0];
    assert_eq!(inst["status"], "completed", "{inst}");
    let year = chrono::Utc::now().year();
    let (_, plan) = app
        .get(
            &hr,
            &format!("/api/v1/employees/{staff}/development-plan?year={year}"),
        )
        .await;
    assert!(
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["program"] == "PRG-BARU"),
        "{plan}"
    );
}

#[tokio::test]
async fn coaching_goes_up_the_unit_tree_when_no_supervisor_is_recorded() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    // A unit head with no atasan_nip recorded: the head of the parent unit coaches them. The
    // top of the tree (no unit above) is coached by HR. No incident either way.
    let kasi = demo.head_of("DPMPTSP-YAN-1");
    let (_, kasi_record) = app.get(&hr, &format!("/api/v1/employees/{kasi}")).await;
    let mut body = kasi_record.clone();
    body["supervisor_nip"] = Value::Null;
    let (status, saved) = app
        .put(&hr, &format!("/api/v1/employees/{kasi}"), &body)
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, unit) = app.get(&hr, "/api/v1/units/DPMPTSP-YAN-1").await;
    let parent = unit["parent"].as_str().unwrap().to_string();
    let parent_head = demo.head_of(&parent);
    let top = demo
        .data
        .employees
        .iter()
        .find(|e| e.supervisor_nip.is_none())
        .unwrap()
        .nip
        .to_string();
    import_evaluations(
        &app,
        &hr,
        &[
            (&kasi, "2027-Q2", LOW.0, LOW.1),
            (&top, "2027-Q2", LOW.0, LOW.1),
        ],
    )
    .await;
    app.run_engine().await;
    assert!(instances(&app, &hr, "status=incident").await.is_empty());
    let (_, kasi_task) = app
        .get(&hr, &format!("/api/v1/tasks?nip={kasi}&kind=coaching"))
        .await;
    assert_eq!(kasi_task["total"], 1, "{kasi_task}");
    assert_eq!(kasi_task["items"][0]["assignee"], parent_head.as_str());
    let (_, top_task) = app
        .get(&hr, &format!("/api/v1/tasks?nip={top}&kind=coaching"))
        .await;
    assert_eq!(top_task["total"], 1, "{top_task}");
    assert_eq!(top_task["items"][0]["assignee"], "hr", "{top_task}");
}

#[tokio::test]
async fn definitions_are_validated_versioned_and_instances_keep_their_version() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    let (status, list) = app.get(&hr, "/api/v1/workflows").await;
    assert_eq!(status, StatusCode::OK);
    let keys: HashSet<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    for k in [
        "pembinaan-kinerja",
        "apresiasi-dan-promosi",
        "pengembangan-dari-gap",
        "pemenuhan-20-jp",
    ] {
        assert!(keys.contains(k), "{k} installed");
    }
    let staff_token = app.token(&staff).await;
    let (status, _) = app.get(&staff_token, "/api/v1/workflows").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An instance on version 1.
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", LOW.0, LOW.1)]).await;
    app.run_engine().await;

    let (_, versions) = app.get(&hr, "/api/v1/workflows/pembinaan-kinerja").await;
    let mut def = versions["items"][0]["definition"].clone();
    let mut bad = def.clone();
    bad["steps"][0]["outcomes"]["selesai"] = json!("tidak-ada");
    bad["steps"][1]["kind"] = json!("teleport");
    bad["trigger"]["condition"] = json!("event.predikat ==");
    let (status, body) = app.post(&hr, "/api/v1/workflows", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = error_fields(&body);
    for f in [
        "steps[0].outcomes.selesai",
        "steps[1].kind",
        "trigger.condition",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    // Version 2 skips the plan item.
    def["steps"][0]["outcomes"]["selesai"] = json!("tunggu");
    def["steps"].as_array_mut().unwrap().remove(1);
    let (status, saved) = app.post(&hr, "/api/v1/workflows", &def).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["version"], 2);
    let (_, versions) = app.get(&hr, "/api/v1/workflows/pembinaan-kinerja").await;
    assert_eq!(versions["items"].as_array().unwrap().len(), 2);

    // The running instance stays on version 1: completing its task still adds the plan item.
    let sup = app.token(&kasi).await;
    let task = tasks(&app, &sup, "mine=true&kind=coaching").await[0].clone();
    app.post(
        &sup,
        &format!("/api/v1/tasks/{}/complete", task["id"]),
        &json!({"outcome": "selesai"}),
    )
    .await;
    app.run_engine().await;
    let inst = &instances(&app, &hr, &format!("nip={staff}")).await[0];
    assert_eq!(inst["version"], 1);
    assert!(events(&inst["history"]).contains(&"plan_item".to_string()));
}

/// A 2027-Q2 of `butuh_perbaikan` imported for up to `n` demo employees who have a supervisor
/// (the coaching workflow's party); their NIPs.
async fn import_low_quarter(app: &TestApp, hr: &str, n: usize) -> Vec<String> {
    let low: Vec<String> = Demo::new()
        .data
        .employees
        .iter()
        .filter(|e| e.supervisor_nip.is_some())
        .take(n)
        .map(|e| e.nip.to_string())
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = low
        .iter()
        .map(|n| (n.as_str(), "2027-Q2", LOW.0, LOW.1))
        .collect();
    import_evaluations(app, hr, &rows).await;
    low
}

#[tokio::test]
async fn two_engines_on_one_database_start_each_instance_once() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let low = import_low_quarter(&app, &hr, usize::MAX).await;
    // A second engine with its own connection pool, as a second `serve` process would have.
    let other_store = jenjang::open_store(&app.database_url).await.unwrap();
    let second = jenjang_engine::Engine::new(other_store, std::sync::Arc::new(app.clock.clone()))
        .with_batch(50);
    let first = app.engine.clone();
    let (a, b) = tokio::join!(first.drain(), second.drain());
    a.unwrap();
    b.unwrap();
    let (_, page) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=pembinaan-kinerja&limit=1000",
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), low.len());
    let subjects: HashSet<&str> = items
        .iter()
        .map(|i| i["subject_nip"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), low.len(), "one instance per employee");
    let (_, open) = app.get(&hr, "/api/v1/tasks?kind=coaching&limit=1000").await;
    assert_eq!(
        open["total"].as_u64().unwrap() as usize,
        low.len(),
        "one coaching task per instance"
    );
}

/// An engine claims events from where its last batch started. An event below that point that is
/// pending again (given back when another engine's batch rolled back, or committed after later
/// ones) is still claimed, once nothing is left above it, and starts nothing twice.
#[tokio::test]
async fn an_event_left_below_the_engine_s_claims_is_still_worked() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let low = import_low_quarter(&app, &hr, 6).await;
    let pending = "SELECT COUNT(*) AS n FROM outbox_events WHERE processed_at IS NULL";
    let before = app.store.count_raw(pending).await.unwrap();
    assert!(before >= 6, "{before}");
    let engine = jenjang_engine::Engine::new(
        jenjang::open_store(&app.database_url).await.unwrap(),
        std::sync::Arc::new(app.clock.clone()),
    )
    .with_batch(2);
    // Two batches of two: the next claim starts at the second batch.
    engine.run_once().await.unwrap();
    engine.run_once().await.unwrap();
    assert_eq!(app.store.count_raw(pending).await.unwrap(), before - 4);
    let first = app
        .store
        .count_raw("SELECT MIN(id) AS n FROM outbox_events WHERE processed_at IS NOT NULL AND kind = 'evaluation.recorded'")
        .await
        .unwrap();
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(&format!(
        "UPDATE outbox_events SET processed_at = NULL WHERE id = {first}"
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
    engine.drain().await.unwrap();
    assert_eq!(
        app.store.count_raw(pending).await.unwrap(),
        0,
        "the event below the claims was worked"
    );
    let items = instances(&app, &hr, "workflow=pembinaan-kinerja&limit=1000").await;
    let started: Vec<&str> = items
        .iter()
        .map(|i| i["subject_nip"].as_str().unwrap())
        .filter(|n| low.iter().any(|l| l == n))
        .collect();
    let once: HashSet<&str> = started.iter().copied().collect();
    assert_eq!(
        (started.len(), once.len()),
        (low.len(), low.len()),
        "one instance per employee"
    );
}

/// Starts `jenjang serve` on a database and returns it with its base URL.
fn start_serve(database_url: &str, batch: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jenjang"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-demo",
            "--database-url",
            database_url,
        ])
        .env("JENJANG_JWT_SECRET", SECRET)
        .env("JENJANG_ENGINE_BATCH", batch)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("serve printed its address");
        if let Some(rest) = line.strip_prefix("Jenjang is running at ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    (child, base)
}

async fn count(store: &jenjang_store::Store, sql: &str) -> i64 {
    store.count_raw(sql).await.unwrap()
}

#[tokio::test]
async fn a_serve_process_killed_mid_way_loses_and_duplicates_nothing() {
    let (database_url, _dir) = fresh_database().await;
    let store = jenjang::open_store(&database_url).await.unwrap();
    jenjang_engine::defaults::install_defaults(&store)
        .await
        .unwrap();
    let demo = Demo::new();
    // Every employee's evaluation below baik: one pembinaan-kinerja instance each.
    let rows: Vec<(jenjang_core::Nip, jenjang_core::predikat::Evaluation)> = demo
        .data
        .employees
        .iter()
        .map(|e| {
            let ev = jenjang_core::predikat::Evaluation {
                period: jenjang_core::period::Period::parse("2027-Q2").unwrap(),
                hasil_kerja: LOW.0.parse().unwrap(),
                perilaku_kerja: LOW.1.parse().unwrap(),
                notes: None,
                evaluator_nip: None,
            };
            (e.nip.clone(), ev)
        })
        .collect();
    let total = rows.len() as i64;
    store
        .bulk_save_evaluations(&jenjang_store::Actor::system("test"), &rows, false, None)
        .await
        .unwrap();

    // Small batches, so the process dies with part of the work committed.
    let (mut child, _) = start_serve(&database_url, "5");
    let mut at_kill = 0;
    for _ in 0..6000 {
        at_kill = count(&store, "SELECT COUNT(*) AS n FROM workflow_instances").await;
        if at_kill > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    assert!(
        at_kill > 0 && at_kill < total,
        "killed mid-way: {at_kill} of {total} instances started"
    );

    // Restarted, it finishes the work: every instance once, every task once.
    let (mut child, _) = start_serve(&database_url, "5");
    let mut done = false;
    for _ in 0..600 {
        let pending = count(
            &store,
            "SELECT COUNT(*) AS n FROM outbox_events WHERE processed_at IS NULL",
        )
        .await;
        if pending == 0 {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    assert!(done, "the restarted engine processed every event");
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM workflow_instances").await,
        total
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(DISTINCT subject_nip) AS n FROM workflow_instances"
        )
        .await,
        total
    );
    // One coaching task each (the top of the tree is coached by HR).
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM workflow_tasks").await,
        total
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM (SELECT instance_id FROM workflow_tasks GROUP BY instance_id HAVING COUNT(*) > 1) d").await,
        0,
        "no instance has two tasks"
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) AS n FROM workflow_history WHERE event = 'started'"
        )
        .await,
        total,
        "no start was written twice"
    );
}

#[tokio::test]
async fn a_quarter_imported_for_the_demo_regency_starts_exactly_what_the_defaults_call_for() {
    use jenjang_core::predikat::Predikat;
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let q3: std::collections::HashMap<String, (String, String, Predikat)> = demo
        .evaluations
        .iter()
        .filter(|(_, e)| e.period.to_string() == "2026-Q3")
        .map(|(n, e)| {
            (
                n.to_string(),
                (
                    e.hasil_kerja.to_string(),
                    e.perilaku_kerja.to_string(),
                    e.predikat(),
                ),
            )
        })
        .collect();
    assert_eq!(
        q3.len(),
        demo.data.employees.len(),
        "the demo holds 2026-Q3 for everyone"
    );
    let low = |p: Predikat| {
        matches!(
            p,
            Predikat::ButuhPerbaikan | Predikat::Kurang | Predikat::SangatKurang
        )
    };
    // 2026-Q4: most keep their Q3 rating; every ninth falls below expectations.
    let mut rows = Vec::new();
    let (mut coaching, mut coaching_tasks, mut recognitions) = (0, 0, 0);
    for (i, e) in demo.data.employees.iter().enumerate() {
        let nip = e.nip.to_string();
        let (hk, pk, before) = q3[&nip].clone();
        let (hk, pk) = if i % 9 == 0 {
            (LOW.0.to_string(), LOW.1.to_string())
        } else {
            (hk, pk)
        };
        let now: Predikat =
            jenjang_core::predikat::predikat(hk.parse().unwrap(), pk.parse().unwrap());
        // Every one of them is coached: by the recorded supervisor, else up the unit tree,
        // and at the top by HR.
        if low(now) && !low(before) {
            coaching += 1;
            coaching_tasks += 1;
        }
        if now == Predikat::SangatBaik && before == Predikat::SangatBaik {
            recognitions += 1;
        }
        rows.push((nip, hk, pk));
    }
    assert!(
        coaching > 10 && recognitions > 5,
        "a telling quarter: {coaching} coaching, {recognitions} recognitions"
    );
    let rows_ref: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|(n, h, p)| (n.as_str(), "2026-Q4", h.as_str(), p.as_str()))
        .collect();
    for _ in 0..2 {
        // The second import is a replay: nothing more.
        import_evaluations(&app, &hr, &rows_ref).await;
        app.run_engine().await;
        let total = |q: &str| {
            let app = &app;
            let hr = &hr;
            let q = q.to_string();
            async move { app.get(hr, &q).await.1["total"].as_u64().unwrap() as usize }
        };
        assert_eq!(
            total("/api/v1/workflow-instances?workflow=pembinaan-kinerja&limit=1").await,
            coaching
        );
        assert_eq!(
            total("/api/v1/tasks?kind=coaching&limit=1").await,
            coaching_tasks
        );
        assert_eq!(
            total("/api/v1/workflow-instances?workflow=apresiasi-dan-promosi&limit=1").await,
            recognitions
        );
        assert_eq!(
            total("/api/v1/tasks?kind=nomination&limit=1").await,
            recognitions
        );
        assert_eq!(
            app.store
                .count_raw("SELECT COUNT(*) AS n FROM recognitions")
                .await
                .unwrap() as usize,
            recognitions
        );
    }
}

#[tokio::test]
async fn people_see_the_instances_and_tasks_of_those_they_may_read() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let elsewhere = demo.staff_in("DLH-PSL-1");
    let hr = app.token("hr").await;
    import_evaluations(
        &app,
        &hr,
        &[
            (&staff, "2027-Q2", LOW.0, LOW.1),
            (&elsewhere, "2027-Q2", LOW.0, LOW.1),
        ],
    )
    .await;
    app.run_engine().await;
    let subjects = |list: &Value| -> Vec<String> {
        let mut v: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["subject_nip"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let me = app.token(&staff).await;
    let (_, mine) = app.get(&me, "/api/v1/workflow-instances").await;
    assert_eq!(subjects(&mine), vec![staff.clone()]);
    let (status, _) = app
        .get(&me, &format!("/api/v1/workflow-instances?nip={elsewhere}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The supervisor sees the report's instance and the coaching task about them.
    let sup = app.token(&kasi).await;
    let (_, theirs) = app.get(&sup, "/api/v1/workflow-instances").await;
    assert!(subjects(&theirs).contains(&staff) && !subjects(&theirs).contains(&elsewhere));
    let (_, tasks) = app.get(&sup, "/api/v1/tasks").await;
    assert_eq!(subjects(&tasks), vec![staff.clone()]);
    // The regional secretary leads every unit: both.
    let sekda = app.token(&demo.head_of("PEMKAB-BLG")).await;
    let (_, all) = app.get(&sekda, "/api/v1/workflow-instances").await;
    assert!(subjects(&all).contains(&staff) && subjects(&all).contains(&elsewhere));
}

#[tokio::test]
async fn a_coaching_round_that_adds_nothing_leaves_an_approved_plan_as_it_is() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, kasi, _) = people(&demo);
    let me = app.token(&staff).await;
    let sup = app.token(&kasi).await;
    let year = chrono::Utc::now().year();
    let plan_path =
        |what: &str| format!("/api/v1/employees/{staff}/development-plan{what}?year={year}");
    let complete_coaching = || async {
        let open = tasks(&app, &sup, "mine=true&kind=coaching&status=open").await;
        assert_eq!(open.len(), 1, "{open:?}");
        let (status, done) = app
            .post(
                &sup,
                &format!("/api/v1/tasks/{}/complete", open[0]["id"]),
                &json!({"outcome": "selesai"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        app.run_engine().await;
    };
    // A first round of coaching puts the program for the largest gap into the plan, which the
    // supervisor then approves.
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", LOW.0, LOW.1)]).await;
    app.run_engine().await;
    complete_coaching().await;
    let (status, _) = app.post(&me, &plan_path("/submit"), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, approved) = app
        .post(&sup, &plan_path("/approve"), &json!({"comment": "Setuju"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert!(!approved["items"].as_array().unwrap().is_empty());
    // A later round (good, then low again) coaches again; its plan step finds the same program
    // already planned and must leave the approved plan alone.
    import_evaluations(&app, &hr, &[(&staff, "2027-Q3", GOOD.0, GOOD.1)]).await;
    app.run_engine().await;
    import_evaluations(&app, &hr, &[(&staff, "2027-Q4", LOW.0, LOW.1)]).await;
    app.run_engine().await;
    complete_coaching().await;
    let (_, after) = app.get(&me, &plan_path("")).await;
    assert_eq!(
        (&after["status"], &after["revision"], &after["items"]),
        (
            &approved["status"],
            &approved["revision"],
            &approved["items"]
        ),
        "{after}"
    );
}

#[tokio::test]
async fn an_event_this_build_cannot_read_stops_the_engine_naming_its_row() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO outbox_events (kind, subject_nip, payload, dedup_key, created_at) \
         VALUES ('evaluation.deleted', NULL, '{}', 'uji:tidak-dikenal', CURRENT_TIMESTAMP)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let id = app
        .store
        .count_raw("SELECT MAX(id) AS n FROM outbox_events")
        .await
        .unwrap();
    let err = app.engine.drain().await.unwrap_err();
    let said = format!("{err:#}");
    assert!(
        said.contains(&format!("outbox_events row {id}")) && said.contains("evaluation.deleted"),
        "{said}"
    );
    // Nothing was guessed: the row is still there, unprocessed.
    assert_eq!(
        app.store
            .count_raw("SELECT COUNT(*) AS n FROM outbox_events WHERE processed_at IS NULL")
            .await
            .unwrap(),
        1
    );
}

/// The same incident followed and retried on the Alur Kerja pages; a definition saved as a new
/// version from its page; the audit log filtered on its page.
#[tokio::test]
async fn hr_follows_and_retries_an_incident_and_saves_a_definition_on_the_pages() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let demo = Demo::new();
    let hr = app.token("hr").await;
    let (staff, _, _) = people(&demo);
    let def = json!({
        "key": "uji-insiden", "title": "Uji insiden",
        "trigger": {"event": "evaluation.recorded", "condition": format!("event.nip == '{staff}'")},
        "steps": [
            {"id": "rencana", "kind": "plan_item", "program": "PRG-BARU", "next": "selesai"},
            {"id": "selesai", "kind": "end"}
        ]
    });
    let (status, _) = app.post(&hr, "/api/v1/workflows", &def).await;
    assert_eq!(status, StatusCode::CREATED);
    import_evaluations(&app, &hr, &[(&staff, "2027-Q2", GOOD.0, GOOD.1)]).await;
    app.run_engine().await;
    for minutes in [2, 6] {
        app.clock.advance(Duration::minutes(minutes));
        app.run_engine().await;
    }
    let id = instances(&app, &hr, "status=incident").await[0]["id"]
        .as_i64()
        .unwrap();

    let mut b = Browser::new(&app);
    b.sign_in("hr", DEMO_PASSWORD).await;
    let list = b.get("/alur-kerja?status=incident").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html
            .contains(&format!("href=\"/alur-kerja/instans/{id}\""))
    );
    assert!(list.html.contains("Uji insiden"));
    assert!(list.html.contains("insiden"));
    let (_, employee) = app.get(&hr, &format!("/api/v1/employees/{staff}")).await;
    assert!(
        list.html.contains(employee["name"].as_str().unwrap()),
        "subject by name"
    );
    let completed = b
        .get("/alur-kerja?status=completed&workflow=uji-insiden")
        .await;
    assert!(
        !completed
            .html
            .contains(&format!("/alur-kerja/instans/{id}\""))
    );
    let page = b.get(&format!("/alur-kerja/instans/{id}")).await;
    assert!(page.html.contains("PRG-BARU"), "the error is shown");
    assert!(
        page.html
            .contains(&format!("action=\"/alur-kerja/instans/{id}/ulang\""))
    );

    // Fix the cause, retry from the page.
    let program = json!({"code": "PRG-BARU", "title": "Program baru", "form": "e_learning", "jp": 4,
        "cost_idr": 0, "provider": "BKPSDM", "capacity": null,
        "develops": [{"competency": "M.5", "to_level": 2}], "requires": []});
    let (status, _) = app.post(&hr, "/api/v1/programs", &program).await;
    assert_eq!(status, StatusCode::CREATED);
    let csrf = b.csrf();
    let retried = b
        .post(
            &format!("/alur-kerja/instans/{id}/ulang"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    app.run_engine().await;
    let (_, inst) = app
        .get(&hr, &format!("/api/v1/workflow-instances/{id}"))
        .await;
    assert_eq!(inst["status"], "completed", "{inst}");

    // A definition: bad JSON and a changed key are refused in Indonesian with the text kept;
    // a changed title becomes version 2.
    let defn = b.get("/alur-kerja/definisi/uji-insiden").await;
    assert_eq!(defn.status, StatusCode::OK);
    let broken = b
        .post(
            "/alur-kerja/definisi/uji-insiden",
            &[
                ("csrf", &csrf),
                ("definition", "{\"key\": \"uji-insiden\","),
            ],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.html.contains("Definisi bukan JSON yang sah"));
    let mut renamed = def.clone();
    renamed["key"] = json!("lain");
    let moved = b
        .post(
            "/alur-kerja/definisi/uji-insiden",
            &[("csrf", &csrf), ("definition", &renamed.to_string())],
        )
        .await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut retitled = def.clone();
    retitled["title"] = json!("Uji insiden (versi dua)");
    let saved = b
        .post(
            "/alur-kerja/definisi/uji-insiden",
            &[("csrf", &csrf), ("definition", &retitled.to_string())],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, latest) = app.get(&hr, "/api/v1/workflows/uji-insiden").await;
    assert_eq!(latest["items"][0]["version"], 2, "{latest}");

    // The audit log: the program's creation, filtered by kind and code.
    let audit = b.get("/audit?entity=program&key=PRG-BARU").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.html.contains("membuat"), "{}", audit.html);
    assert!(audit.html.contains("PRG-BARU"));
    let none = b.get("/audit?entity=program&key=TIDAK-ADA").await;
    assert!(none.html.contains("Tidak ada catatan yang cocok."));

    // Staff see neither page.
    let mut st = Browser::new(&app);
    st.sign_in(&staff, DEMO_PASSWORD).await;
    assert_eq!(st.get("/alur-kerja").await.status, StatusCode::FORBIDDEN);
    assert_eq!(st.get("/audit").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_supervisor_without_a_dialog_entry_in_a_quarter_is_reminded_once() {
    let app = spawn_app().await;
    let demo = Demo::new();
    let (staff, kasi, _) = people(&demo);
    let hr = app.token("hr").await;
    let sup = app.token(&kasi).await;
    // A dialog entry with one report this quarter.
    let year = Utc::now().year();
    let (status, _) = app
        .post(
            &sup,
            &format!("/api/v1/employees/{staff}/dialog?year={year}"),
            &json!({"kind": "umpan_balik", "text": "Laporan loket pekan ini rapi."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_engine().await;
    assert!(
        instances(&app, &hr, "workflow=dialog-berkala")
            .await
            .is_empty()
    );
    // The first days of next year's first quarter: on the 5th, about this year's Q4.
    app.clock
        .set(Utc.with_ymd_and_hms(year + 1, 1, 4, 12, 0, 0).unwrap());
    app.run_engine().await;
    assert!(
        instances(&app, &hr, "workflow=dialog-berkala")
            .await
            .is_empty()
    );
    app.clock
        .set(Utc.with_ymd_and_hms(year + 1, 1, 5, 1, 0, 0).unwrap());
    app.run_engine().await;
    let with_supervisor: Vec<String> = demo
        .data
        .employees
        .iter()
        .filter(|e| e.supervisor_nip.is_some())
        .map(|e| e.nip.to_string())
        .collect();
    let (_, page) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=dialog-berkala&limit=1",
        )
        .await;
    assert_eq!(
        page["total"].as_u64().unwrap() as usize,
        with_supervisor.len() - 1,
        "everyone with a supervisor but the one who had a dialog"
    );
    let reminders = tasks(&app, &sup, "mine=true&kind=reminder").await;
    let about: Vec<&str> = reminders
        .iter()
        .filter(|t| {
            t["title"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("{year}-Q4"))
        })
        .filter_map(|t| t["subject_nip"].as_str())
        .collect();
    assert!(!about.contains(&staff.as_str()), "{about:?}");
    let others = demo.reports_of(&kasi).len() - 1;
    assert_eq!(about.len(), others);
    // Later rounds in the quarter fire nothing more; the next quarter fires again, for all.
    app.clock.advance(Duration::days(3));
    app.run_engine().await;
    let (_, again) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=dialog-berkala&limit=1",
        )
        .await;
    assert_eq!(again["total"], page["total"]);
    app.clock
        .set(Utc.with_ymd_and_hms(year + 1, 4, 5, 1, 0, 0).unwrap());
    app.run_engine().await;
    let (_, next) = app
        .get(
            &hr,
            "/api/v1/workflow-instances?workflow=dialog-berkala&limit=1",
        )
        .await;
    assert_eq!(
        next["total"].as_u64().unwrap() as usize,
        2 * with_supervisor.len() - 1
    );
}
