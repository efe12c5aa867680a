//! The employee's SKP: the cascade from a unit IKU through the leaders' RHK, approval by the
//! direct supervisor and frozen targets, realisations with evidence and feedback, capaian in
//! both directions and the proposed hasil kerja kept beside the evaluation.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const KABID: &str = "197201062002052001";
const KASI: &str = "197503222002112001";
const STAFF: &str = "199902162024092001";
const COLLEAGUE: &str = "197812122005051001";
// 2027: no demo SKP or IKU is in the way.
const YEAR: i32 = 2027;

fn skp_path(nip: &str) -> String {
    format!("/api/v1/employees/{nip}/skp?year={YEAR}")
}

fn step_path(nip: &str, step: &str) -> String {
    format!("/api/v1/employees/{nip}/skp/{step}?year={YEAR}")
}

/// An approved SKP with one main RHK supporting `supports`, for `nip`.
async fn approved_skp(
    app: &TestApp,
    writer: &str,
    approver: &str,
    nip: &str,
    supports: Value,
) -> Value {
    let (status, skp) = app
        .put(
            writer,
            &skp_path(nip),
            &json!({"approach": "kuantitatif",
                    "rhk": [{"kind": "utama", "text": "Meningkatnya izin terbit tepat waktu", "supports": supports,
                             "iki": [{"aspect": "kuantitas", "text": "Izin terbit tepat waktu", "target": 90,
                                      "unit_of_measure": "%", "direction": "higher_is_better"}]}],
                    "behaviour": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{skp}");
    let (status, s) = app
        .post(writer, &step_path(nip, "submit"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let (status, s) = app
        .post(approver, &step_path(nip, "approve"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["status"], "approved");
    s
}

#[tokio::test]
async fn the_skp_cascades_is_approved_by_the_direct_supervisor_and_keeps_its_targets() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let kabid = app.token(KABID).await;
    let kasi = app.token(KASI).await;
    let staff = app.token(STAFF).await;
    let (status, iku) = app
        .post(
            &hr,
            "/api/v1/units/DPMPTSP/indicators",
            &json!({"code": "IKU-IZIN-TEPAT", "year": YEAR, "name": "Persentase izin terbit tepat waktu",
                    "unit_of_measure": "%", "direction": "higher_is_better", "target": 92}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iku}");
    // The chain: the unit's IKU → the head of division → the head of section → staff.
    let kabid_skp = approved_skp(&app, &kabid, &hr, KABID, json!({"indicator": iku["id"]})).await;
    let kabid_rhk = kabid_skp["rhk"][0]["id"].as_i64().unwrap();
    let kasi_skp = approved_skp(&app, &kasi, &kabid, KASI, json!({"rhk": kabid_rhk})).await;
    let kasi_rhk = kasi_skp["rhk"][0]["id"].as_i64().unwrap();

    // Linking to a leader's RHK of another chain, an unknown RHK, or an IKU of another year
    // is refused by field; nothing is written.
    let (status, e) = app
        .put(
            &staff,
            &skp_path(STAFF),
            &json!({"rhk": [
                {"kind": "utama", "text": "a", "supports": {"rhk": kabid_rhk},
                 "iki": [{"aspect": "kuantitas", "text": "x", "target": 1, "unit_of_measure": "berkas"}]},
                {"kind": "utama", "text": "b", "supports": {"rhk": 999999},
                 "iki": [{"aspect": "kuantitas", "text": "x", "target": 1, "unit_of_measure": "berkas"}]},
                {"kind": "utama", "text": "c", "supports": null, "iki": []},
                {"kind": "lain", "text": "", "iki": [{"aspect": "mutu", "target": "banyak", "unit_of_measure": "x"}]}
            ], "behaviour": [{"value": "jujur", "expectation": "x"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields = error_fields(&e);
    for f in [
        "rhk[3].kind",
        "rhk[3].text",
        "rhk[3].iki[0].aspect",
        "rhk[3].iki[0].text",
        "rhk[3].iki[0].target",
        "behaviour[0].value",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    let (status, e) = app
        .put(
            &staff,
            &skp_path(STAFF),
            &json!({"rhk": [
                {"kind": "utama", "text": "a", "supports": {"rhk": kabid_rhk},
                 "iki": [{"aspect": "kuantitas", "text": "x", "target": 1, "unit_of_measure": "berkas"}]},
                {"kind": "utama", "text": "b", "supports": {"rhk": 999999},
                 "iki": [{"aspect": "kuantitas", "text": "x", "target": 1, "unit_of_measure": "berkas"}]},
                {"kind": "utama", "text": "c", "supports": null, "iki": []}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        error_fields(&e),
        ["rhk[0].supports", "rhk[1].supports", "rhk[2].iki"]
    );
    assert_eq!(e["error"]["details"][0]["code"], "rhk_other_chain", "{e}");
    assert_eq!(
        app.get(&staff, &skp_path(STAFF)).await.0,
        StatusCode::NOT_FOUND
    );

    // The staff member's SKP: two main IKI (one where lower is better) and an additional one.
    let body = json!({"approach": "kuantitatif",
        "rhk": [
            {"kind": "utama", "text": "Berkas izin diverifikasi tepat waktu", "supports": {"rhk": kasi_rhk},
             "iki": [
                {"aspect": "kuantitas", "text": "Berkas diverifikasi", "target": 100, "unit_of_measure": "berkas", "direction": "higher_is_better"},
                {"aspect": "waktu", "text": "Rata-rata hari verifikasi", "target": 5, "unit_of_measure": "hari", "direction": "lower_is_better"}
             ]},
            {"kind": "tambahan", "text": "Sosialisasi layanan daring", "supports": null,
             "iki": [{"aspect": "kuantitas", "text": "Kegiatan sosialisasi", "target": 10, "unit_of_measure": "kegiatan"}]}
        ],
        "behaviour": [{"value": "berorientasi_pelayanan", "expectation": "Menjawab pemohon di loket paling lama 5 menit"}]});
    let (status, draft) = app.put(&staff, &skp_path(STAFF), &body).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(
        (draft["version"].as_i64(), draft["status"].as_str()),
        (Some(1), Some("draft"))
    );
    // Editing the draft keeps the identities it is given.
    let mut edited = draft.clone();
    edited["rhk"][0]["text"] = json!("Berkas izin lengkap diverifikasi tepat waktu");
    let (status, again) = app.put(&staff, &skp_path(STAFF), &edited).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["rhk"][0]["id"], draft["rhk"][0]["id"]);
    assert_eq!(
        again["rhk"][0]["iki"][1]["id"],
        draft["rhk"][0]["iki"][1]["id"]
    );
    assert_eq!(again["version"], 1);

    // An IKI of a draft is not realised, nor given feedback.
    let iki_verified = again["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    let iki_days = again["rhk"][0]["iki"][1]["id"].as_i64().unwrap();
    let iki_extra = again["rhk"][1]["iki"][0]["id"].as_i64().unwrap();
    let realise = |id: i64| format!("/api/v1/iki/{id}/realisations");
    let (status, e) = app
        .post(
            &staff,
            &realise(iki_verified),
            &json!({"period": format!("{YEAR}-Q1"), "value": 50}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["iki"]);
    let (status, e) = app
        .post(
            &kasi,
            &realise(iki_verified),
            &json!({"period": format!("{YEAR}-Q1"), "feedback": "Bagus"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["details"][0]["field"], "feedback", "{e}");

    // Submit; nobody approves their own, a colleague cannot, the direct supervisor does.
    let (status, s) = app
        .post(&staff, &step_path(STAFF, "submit"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        app.put(&staff, &skp_path(STAFF), &body).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post(&staff, &step_path(STAFF, "approve"), &json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let colleague = app.token(COLLEAGUE).await;
    assert_eq!(
        app.post(&colleague, &step_path(STAFF, "approve"), &json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, e) = app
        .post(&kasi, &step_path(STAFF, "reject"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["reason"]);
    let (status, s) = app
        .post(&kasi, &step_path(STAFF, "approve"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["status"], "approved");
    assert_eq!(s["decided_by"], KASI);

    // Realisations: capaian both ways; bad input named, nothing half-written.
    let q1 = format!("{YEAR}-Q1");
    let (status, e) = app
        .post(
            &staff,
            &realise(iki_verified),
            &json!({"period": "2026-Q4", "value": "banyak", "evidence_url": "berkas.pdf"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["period", "value", "evidence_url"]);
    let (status, r) = app
        .post(
            &staff,
            &realise(iki_verified),
            &json!({"period": q1, "value": 112, "evidence_url": "https://arsip.example.go.id/q1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["capaian"], 112.0);
    assert_eq!(r["evidence"]["url"], "https://arsip.example.go.id/q1");
    let (_, r) = app
        .post(
            &staff,
            &realise(iki_days),
            &json!({"period": q1, "value": 4}),
        )
        .await;
    assert_eq!(r["capaian"], 125.0, "5 days planned, 4 taken");
    let (_, r) = app
        .post(
            &staff,
            &realise(iki_extra),
            &json!({"period": q1, "value": 2}),
        )
        .await;
    assert_eq!(r["capaian"], 20.0);
    assert_eq!(r["below_target"], true);
    // Feedback is the supervisor's.
    let (status, e) = app
        .post(
            &staff,
            &realise(iki_verified),
            &json!({"period": q1, "feedback": "Saya puas"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["feedback"]);
    let (status, r) = app
        .post(
            &kasi,
            &realise(iki_verified),
            &json!({"period": q1, "feedback": "Pertahankan ketelitian verifikasi."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["realisation"].as_f64(), r["feedback_by"].as_str()),
        (Some(112.0), Some("197503222002112001"))
    );
    // The same again changes nothing: one audit entry per change.
    app.post(
        &kasi,
        &realise(iki_verified),
        &json!({"period": q1, "feedback": "Pertahankan ketelitian verifikasi."}),
    )
    .await;
    let audits = app
        .store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'iki_realisation' AND entity_key LIKE '{STAFF}/{iki_verified}/%'"
        ))
        .await
        .unwrap();
    assert_eq!(audits, 2);

    // The proposal: every main IKI ≥ 110 % → di atas; the additional one does not count.
    let perf = format!("/api/v1/employees/{STAFF}/performance?period={q1}");
    let (status, p) = app.get(&kasi, &perf).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["proposed_hasil_kerja"], "di_atas_ekspektasi", "{p}");
    assert_eq!(p["iki"].as_array().unwrap().len(), 3);
    app.post(
        &staff,
        &realise(iki_verified),
        &json!({"period": q1, "value": 104}),
    )
    .await;
    let (_, p) = app.get(&kasi, &perf).await;
    assert_eq!(p["proposed_hasil_kerja"], "sesuai_ekspektasi");
    // Stricter thresholds in settings.
    let (status, _) = app
        .put(
            &hr,
            "/api/v1/settings/hasil_kerja_thresholds",
            &json!({"value": {"di_atas": 120, "sesuai": 105}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, p) = app.get(&kasi, &perf).await;
    assert_eq!(p["proposed_hasil_kerja"], "di_bawah_ekspektasi");
    // The evaluator decides; the proposal is kept beside the decision.
    let (status, ev) = app
        .post(&kasi, &format!("/api/v1/employees/{STAFF}/evaluations"),
              &json!({"period": q1, "hasil_kerja": "sesuai_ekspektasi", "perilaku_kerja": "sesuai_ekspektasi"}))
        .await;
    assert!(status.is_success(), "{ev}");
    let (_, p) = app.get(&staff, &perf).await;
    assert_eq!(p["proposal_kept"]["proposed"], "di_bawah_ekspektasi");
    assert_eq!(p["proposal_kept"]["decided"], "sesuai_ekspektasi");
    assert_eq!(p["evaluation"]["hasil_kerja"], "sesuai_ekspektasi");
    // Falling short is a performance gap, emitted for the employee.
    let below = app
        .store
        .count_raw(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'indicator.below_target' AND payload LIKE '%\"iki\":{iki_extra}%'"
        ))
        .await
        .unwrap();
    assert_eq!(below, 1);

    // A change after approval is a new version; the approved one stays and keeps judging Q1.
    let mut revised = body.clone();
    revised["rhk"][0]["iki"][0]["target"] = json!(150);
    let (status, v2) = app.put(&staff, &skp_path(STAFF), &revised).await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    assert_eq!(
        (v2["version"].as_i64(), v2["status"].as_str()),
        (Some(2), Some("draft"))
    );
    assert_ne!(v2["rhk"][0]["iki"][0]["id"], json!(iki_verified));
    let (_, v1) = app
        .get(
            &staff,
            &format!("/api/v1/employees/{STAFF}/skp?year={YEAR}&version=1"),
        )
        .await;
    assert_eq!(v1["status"], "approved");
    assert_eq!(v1["rhk"][0]["iki"][0]["target"], 100.0);
    let (_, p) = app.get(&kasi, &perf).await;
    assert_eq!(
        (p["skp_version"].as_i64(), p["iki"][0]["target"].as_f64()),
        (Some(1), Some(100.0))
    );
    // A colleague reads nothing of it.
    assert_eq!(
        app.get(&colleague, &skp_path(STAFF)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&colleague, &perf).await.0, StatusCode::FORBIDDEN);
    // A dialog entry may be about one of the employee's RHK, not another's.
    let dialog = format!("/api/v1/employees/{STAFF}/dialog?year={YEAR}");
    let (status, entry) = app
        .post(&kasi, &dialog, &json!({"kind": "umpan_balik", "text": "Verifikasi Q1 baik.", "rhk_id": v1["rhk"][0]["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["rhk_id"], v1["rhk"][0]["id"]);
    let (status, e) = app
        .post(
            &kasi,
            &dialog,
            &json!({"kind": "umpan_balik", "text": "x", "rhk_id": kasi_rhk}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&e), ["rhk_id"]);
}

#[tokio::test]
async fn a_zero_target_has_no_capaian_and_evidence_files_are_checked_and_kept() {
    let app = spawn_app().await;
    let kasi = app.token(KASI).await;
    let staff = app.token(STAFF).await;
    let (status, skp) = app
        .put(
            &staff,
            &skp_path(STAFF),
            &json!({"rhk": [{"kind": "utama", "text": "Pengaduan ditangani", "supports": null,
                    "iki": [{"aspect": "kualitas", "text": "Pengaduan tidak terselesaikan", "target": 0, "unit_of_measure": "pengaduan", "direction": "lower_is_better"},
                            {"aspect": "kuantitas", "text": "Pengaduan baru ditargetkan", "target": 0, "unit_of_measure": "pengaduan"}]}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{skp}");
    app.post(&staff, &step_path(STAFF, "submit"), &json!({}))
        .await;
    let (status, _) = app
        .post(&kasi, &step_path(STAFF, "approve"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let lower = skp["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    let higher = skp["rhk"][0]["iki"][1]["id"].as_i64().unwrap();
    let url = |id: i64| app.url(&format!("/api/v1/iki/{id}/realisations"));
    let q2 = format!("{YEAR}-Q2");
    // Zero target, higher is better: undefined, never divided; the target is met.
    let (_, r) = app
        .post(
            &staff,
            &format!("/api/v1/iki/{higher}/realisations"),
            &json!({"period": q2, "value": 3}),
        )
        .await;
    assert_eq!(
        (r["capaian"].clone(), r["below_target"].clone()),
        (Value::Null, json!(false)),
        "{r}"
    );
    let (_, r) = app
        .post(
            &staff,
            &format!("/api/v1/iki/{lower}/realisations"),
            &json!({"period": q2, "value": 2}),
        )
        .await;
    assert_eq!(
        (r["capaian"].clone(), r["below_target"].clone()),
        (json!(0.0), json!(true)),
        "{r}"
    );
    let (_, p) = app
        .get(
            &kasi,
            &format!("/api/v1/employees/{STAFF}/performance?period={q2}"),
        )
        .await;
    assert_eq!(
        p["proposed_hasil_kerja"],
        Value::Null,
        "an undefined capaian: the evaluator decides"
    );

    // A PDF is kept, recognised by its content, and read back by whoever may read the employee.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("period", q2.clone())
        .text("value", "2")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone())
                .file_name("laporan \"Q2\".pdf")
                .mime_str("text/plain")
                .unwrap(),
        );
    let r = app
        .client
        .post(url(lower))
        .bearer_auth(&staff)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, r) = read(r).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let file = r["evidence"]["file"].as_i64().unwrap();
    assert_eq!(r["evidence"]["file_name"], "laporan Q2.pdf");
    let got = app
        .client
        .get(app.url(&format!("/api/v1/evidence/{file}")))
        .bearer_auth(&kasi)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf);
    let other = app.token(COLLEAGUE).await;
    assert_eq!(
        app.get(&other, &format!("/api/v1/evidence/{file}")).await.0,
        StatusCode::FORBIDDEN
    );
    // Anything else is refused whatever it claims to be, and so is a file too large.
    let form = reqwest::multipart::Form::new()
        .text("period", q2.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"MZ\x90\0program".to_vec())
                .file_name("bukti.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let (status, e) = read(
        app.client
            .post(url(lower))
            .bearer_auth(&staff)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["details"][0]["code"], "file_type", "{e}");
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(5 * 1024 * 1024 + 10, b'a');
    let form = reqwest::multipart::Form::new()
        .text("period", q2.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(big).file_name("besar.pdf"),
        );
    let (status, e) = read(
        app.client
            .post(url(lower))
            .bearer_auth(&staff)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["code"], "file_too_large", "{e}");
    // The refused uploads changed nothing: the kept file is still the evidence.
    let (_, p) = app
        .get(
            &staff,
            &format!("/api/v1/employees/{STAFF}/performance?period={q2}"),
        )
        .await;
    assert_eq!(p["iki"][0]["evidence"]["file"], json!(file));
    assert_eq!(
        app.store
            .count_raw("SELECT COUNT(*) AS n FROM evidence_files")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_skp_is_written_approved_and_realised_on_its_page() {
    use crate::ui::Browser;
    use jenjang::seed::DEMO_PASSWORD;
    let app = spawn_app().await;
    let kasi_token = app.token(KASI).await;
    // The supervisor's approved SKP, to cascade from.
    let hr = app.token("hr").await;
    let kasi_skp = approved_skp(&app, &kasi_token, &hr, KASI, Value::Null).await;
    let kasi_rhk = kasi_skp["rhk"][0]["id"].as_i64().unwrap();

    let mut staff = Browser::new(&app);
    staff.sign_in(STAFF, DEMO_PASSWORD).await;
    let csrf = staff.csrf();
    let page = staff.get(&format!("/skp?tahun={YEAR}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Belum ada SKP"), "{}", page.html);
    assert!(
        page.html.contains(&format!("value=\"rhk:{kasi_rhk}\"")),
        "the supervisor's RHK is offered"
    );
    let action = format!("/skp/{STAFF}?tahun={YEAR}");
    let supports = format!("rhk:{kasi_rhk}");
    // A target that is no number is said by row and field, in Indonesian; what was typed stays.
    let refused = staff
        .post(
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("approach", "kuantitatif"),
                ("rhk0_kind", "utama"),
                ("rhk0_text", "Berkas izin diverifikasi tepat waktu"),
                ("rhk0_supports", supports.as_str()),
                ("rhk0_iki0_aspect", "kuantitas"),
                ("rhk0_iki0_text", "Berkas diverifikasi"),
                ("rhk0_iki0_target", "seratus"),
                ("rhk0_iki0_unit", "berkas"),
                ("rhk0_iki0_direction", "higher_is_better"),
                ("behaviour_akuntabel", "Mencatat setiap berkas di register"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("RHK, baris 1: IKI, baris 1: Target"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("Mencatat setiap berkas di register"));
    let saved = staff
        .post(
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("approach", "kuantitatif"),
                ("rhk0_kind", "utama"),
                ("rhk0_text", "Berkas izin diverifikasi tepat waktu"),
                ("rhk0_supports", supports.as_str()),
                ("rhk0_iki0_aspect", "kuantitas"),
                ("rhk0_iki0_text", "Berkas diverifikasi"),
                ("rhk0_iki0_target", "120"),
                ("rhk0_iki0_unit", "berkas"),
                ("rhk0_iki0_direction", "higher_is_better"),
                ("rhk1_kind", "utama"),
                ("rhk1_text", ""),
                ("rhk1_supports", ""),
                ("rhk1_iki0_aspect", "kuantitas"),
                ("rhk1_iki0_text", ""),
                ("rhk1_iki0_target", ""),
                ("rhk1_iki0_unit", ""),
                ("rhk1_iki0_direction", "higher_is_better"),
                ("behaviour_akuntabel", "Mencatat setiap berkas di register"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let submitted = staff
        .post(
            &format!("/skp/{STAFF}/langkah?tahun={YEAR}"),
            &[("csrf", csrf.as_str()), ("step", "submit")],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.html
    );

    // The supervisor reaches it from Tim Saya and approves it on the report's SKP page.
    let mut kasi = Browser::new(&app);
    kasi.sign_in(KASI, DEMO_PASSWORD).await;
    let team = kasi.get("/tim-saya").await;
    assert!(team.html.contains(&format!("href=\"/skp/{STAFF}\"")));
    let waiting = kasi.get(&format!("/skp/{STAFF}?tahun={YEAR}")).await;
    assert!(waiting.html.contains("Diajukan"), "{}", waiting.html);
    assert!(waiting.html.contains("Setujui SKP"));
    let kcsrf = kasi.csrf();
    let approved = kasi
        .post(
            &format!("/skp/{STAFF}/langkah?tahun={YEAR}"),
            &[("csrf", kcsrf.as_str()), ("step", "approve")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.html);

    // The employee records Q1 with a PDF; 126 of 120 is 105 %, proposed "sesuai ekspektasi".
    let (_, skp) = app
        .get(
            &kasi_token,
            &format!("/api/v1/employees/{STAFF}/skp?year={YEAR}"),
        )
        .await;
    let iki = skp["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    assert_eq!(skp["behaviour"][0]["value"], "akuntabel");
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let q1 = format!("{YEAR}-Q1");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("period", q1.clone())
        .text("value", "126")
        .text("evidence_url", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf).file_name("register-q1.pdf"),
        );
    let recorded = staff.post_multipart(&format!("/skp/iki/{iki}"), form).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let page = staff.get(recorded.location.as_deref().unwrap()).await;
    assert!(page.html.contains("105 %"), "{}", page.html);
    assert!(page.html.contains("register-q1.pdf"));
    assert!(page.html.contains("Sesuai Ekspektasi"), "{}", page.html);
    // The supervisor's feedback from the same form; the team list shows the proposal.
    let form = reqwest::multipart::Form::new()
        .text("csrf", kcsrf.clone())
        .text("period", q1.clone())
        .text("feedback", "Register rapi, pertahankan.");
    let fed = kasi.post_multipart(&format!("/skp/iki/{iki}"), form).await;
    assert_eq!(fed.status, StatusCode::SEE_OTHER, "{}", fed.html);
    let page = kasi
        .get(&format!("/skp/{STAFF}?tahun={YEAR}&periode={q1}"))
        .await;
    assert!(page.html.contains("Register rapi, pertahankan."));
    // A file the page does not accept is refused beside its form.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("period", q1.clone())
        .text("value", "126")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"<script>".to_vec()).file_name("x.pdf"),
        );
    let refused = staff.post_multipart(&format!("/skp/iki/{iki}"), form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("hanya berkas PDF, PNG atau JPEG"),
        "{}",
        refused.html
    );
}

#[tokio::test]
async fn iki_realisations_are_imported_with_every_bad_row_named_and_once() {
    let app = spawn_app().await;
    let hr = app.token("hr").await;
    let kasi = app.token(KASI).await;
    let staff = app.token(STAFF).await;
    let colleague = app.token(COLLEAGUE).await;
    let mine = approved_skp(&app, &staff, &kasi, STAFF, Value::Null).await;
    let theirs = approved_skp(&app, &colleague, &kasi, COLLEAGUE, Value::Null).await;
    let iki = mine["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    let other = theirs["rhk"][0]["iki"][0]["id"].as_i64().unwrap();
    let csv = format!(
        "nip;iki;periode;realisasi;bukti\n\
         {STAFF};{iki};TW I {YEAR};81;https://arsip-dpmptsp.example/q1\n\
         {STAFF};{iki};{YEAR}-Q2;94,5;\n\
         {STAFF};999999;{YEAR}-Q1;90;\n\
         {STAFF};{other};{YEAR}-Q1;90;\n\
         {STAFF};{iki};2026-Q4;90;\n\
         {STAFF};{iki};{YEAR}-Q3;banyak;\n\
         {STAFF};{iki};{YEAR}-Q4;70;\n\
         {STAFF};{iki};{YEAR}-Q4;71;\n"
    );
    let send = |csv: String| {
        let app = &app;
        let hr = hr.clone();
        async move { app.import_csv(&hr, "iki-realisations", csv).await }
    };
    let (status, report) = send(csv.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["accepted"], 2, "{report}");
    let at: Vec<(u64, &str, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap(),
                r["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            (4, "iki", "unknown_iki"),
            (5, "iki", "iki_other_employee"),
            (6, "periode", "due_outside_year"),
            (7, "realisasi", "invalid"),
            (8, "iki", "duplicate_rows"),
            (9, "iki", "duplicate_rows"),
        ],
        "{report}"
    );
    let (_, p) = app
        .get(
            &kasi,
            &format!("/api/v1/employees/{STAFF}/performance?period={YEAR}-Q2"),
        )
        .await;
    assert_eq!(p["iki"][0]["realisation"], 94.5);
    assert_eq!(p["iki"][0]["capaian"], 105.0);
    // Q1 fell short (81 of 90), and so did nothing before it: one below-target event.
    let events = |kind: &'static str| {
        let app = &app;
        async move {
            app.store
                .count_raw(&format!(
                    "SELECT COUNT(*) AS n FROM outbox_events WHERE kind = '{kind}' AND payload LIKE '%\"iki\":{iki},%'"
                ))
                .await
                .unwrap()
        }
    };
    assert_eq!(events("indicator.below_target").await, 1);
    assert_eq!(events("indicator.recorded").await, 2);
    // The same file again changes nothing and emits nothing.
    let (_, again) = send(csv).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(events("indicator.recorded").await, 2);
    // Only hr and admin import.
    let r = app
        .client
        .post(app.url("/api/v1/imports/iki-realisations"))
        .bearer_auth(&staff)
        .header("content-type", "text/csv")
        .body(format!(
            "nip;iki;periode;realisasi\n{STAFF};{iki};{YEAR}-Q3;90\n"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
