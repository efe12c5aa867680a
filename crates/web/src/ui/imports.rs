//! The import page: upload a file, check only or import, every refused row listed.

#[allow(unused_imports)]
use super::*;

pub(super) const IMPORT_KINDS: [&str; 6] = [
    "employees",
    "assessments",
    "evaluations",
    "indicator-realisations",
    "iki-realisations",
    "cohort-results",
];

/// How long a checked file is kept for "import now", and how many are kept at most.
const STAGED_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);
const STAGED_MAX: usize = 16;

/// A file checked with "check only", kept for its owner to import without choosing it again.
struct Staged {
    owner: String,
    kind: String,
    file: Vec<u8>,
    at: std::time::Instant,
}

/// The files checked on the import page, by a random token; in this process's memory only
/// (after a restart, or on another server process, the page asks for the file again).
#[derive(Default)]
pub struct StagedImports(std::sync::Mutex<std::collections::HashMap<String, Staged>>);

impl std::fmt::Debug for StagedImports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedImports").finish_non_exhaustive()
    }
}

impl StagedImports {
    fn put(&self, owner: &str, kind: &str, file: Vec<u8>) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut staged = self.0.lock().unwrap_or_else(|e| e.into_inner());
        staged.retain(|_, s| s.at.elapsed() < STAGED_FOR);
        while staged.len() >= STAGED_MAX {
            let oldest = staged
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => staged.remove(&k),
                None => break,
            };
        }
        staged.insert(
            token.clone(),
            Staged {
                owner: owner.to_string(),
                kind: kind.to_string(),
                file,
                at: std::time::Instant::now(),
            },
        );
        token
    }

    /// The file under `token` if `owner` staged it and it has not expired (taken out: a
    /// file is imported once).
    fn take(&self, owner: &str, token: &str) -> Option<(String, Vec<u8>)> {
        let mut staged = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = staged
            .get(token)
            .is_some_and(|s| s.owner == owner && s.at.elapsed() < STAGED_FOR);
        fresh
            .then(|| staged.remove(token))
            .flatten()
            .map(|s| (s.kind, s.file))
    }
}

/// The columns of each kind as the page explains them: (column, required, example).
fn columns(kind: &str) -> Vec<(&'static str, bool, &'static str)> {
    use jenjang_import::{
        ASSESSMENT_COLUMNS, COHORT_RESULT_COLUMNS, EMPLOYEE_COLUMNS, EVALUATION_COLUMNS,
        IKI_REALISATION_COLUMNS, INDICATOR_REALISATION_COLUMNS,
    };
    let (required, optional) = match kind {
        "employees" => EMPLOYEE_COLUMNS,
        "assessments" => ASSESSMENT_COLUMNS,
        "indicator-realisations" => INDICATOR_REALISATION_COLUMNS,
        "iki-realisations" => IKI_REALISATION_COLUMNS,
        "cohort-results" => COHORT_RESULT_COLUMNS,
        _ => EVALUATION_COLUMNS,
    };
    let example = |column: &str| match (kind, column) {
        (_, "nip") => "199001012015031001",
        ("employees", "nama") => "Siti Aminah",
        ("employees", "unit") => "DINKES",
        ("employees", "jabatan") => "PELAKSANA-ADM",
        ("employees", "atasan_nip") => "197503222002112001",
        ("employees", "potensial") => "menengah",
        ("employees", "status") => "aktif",
        ("assessments", "kompetensi") => "M.1",
        ("assessments", "level") => "3",
        ("assessments", "tanggal") => "14/03/2026",
        ("assessments", "sumber") => "assessment center",
        ("evaluations", "periode") => "TW I 2026",
        ("evaluations", "hasil_kerja") => "Sesuai Ekspektasi",
        ("evaluations", "perilaku_kerja") => "Di Atas Ekspektasi",
        ("evaluations", "catatan") => "",
        ("evaluations", "penilai_nip") => "197503222002112001",
        ("evaluations", "predikat") => "Baik",
        ("indicator-realisations", "kode_indikator") => "IKU-IZIN-TEPAT",
        ("indicator-realisations", "periode") => "TW III 2026",
        ("indicator-realisations", "realisasi") => "91,5",
        ("indicator-realisations", "bukti") => "https://dpmptsp.bulungankab.go.id/laporan/tw3",
        ("indicator-realisations", "catatan") => "",
        ("iki-realisations", "iki") => "1204",
        ("iki-realisations", "periode") => "TW III 2026",
        ("iki-realisations", "realisasi") => "312",
        ("iki-realisations", "bukti") => "https://arsip-dpmptsp.example/register/tw3",
        ("cohort-results", "kode_angkatan") => "2026-LATSAR-01",
        ("cohort-results", "status") => "lulus",
        ("cohort-results", "nomor_sertifikat") => "LATSAR/2026/0117",
        ("cohort-results", "tanggal_selesai") => "12/06/2026",
        ("cohort-results", "nilai") => "84,5",
        _ => "",
    };
    required
        .iter()
        .map(|c| (*c, true, example(c)))
        .chain(optional.iter().map(|c| (*c, false, example(c))))
        .collect()
}

/// The column guide of every kind, in the page's language.
fn guides(lang: Lang) -> Value {
    let texts = &lang.messages()["import_columns"];
    IMPORT_KINDS
        .iter()
        .map(|kind| {
            let cols: Vec<Value> = columns(kind)
                .into_iter()
                .map(|(column, required, example)| {
                    json!({
                        "column": column,
                        "required": required,
                        "example": example,
                        "meaning": texts[column].as_str().unwrap_or(""),
                    })
                })
                .collect();
            json!({"kind": kind, "columns": cols})
        })
        .collect()
}

/// A template to fill: the header and one example row, `;`-separated as Excel in the
/// Indonesian locale writes CSV (commas are read too).
pub(super) async fn import_template(ui: Ui, Path(file): Path<String>) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    if !ui.importer {
        return ui.error(ApiError::Forbidden);
    }
    let kind = file.trim_end_matches(".csv");
    if !IMPORT_KINDS.contains(&kind) {
        return not_found_page(ui).await;
    }
    let cols = columns(kind);
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let header: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let example: Vec<&str> = cols.iter().map(|c| c.2).collect();
    let body = writer
        .write_record(&header)
        .and_then(|_| writer.write_record(&example))
        .map_err(std::io::Error::from)
        .and_then(|_| writer.into_inner().map_err(|e| e.into_error()));
    match body {
        Ok(body) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"templat-{kind}.csv\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => ui.error(ApiError::Internal(e.into())),
    }
}

pub(super) async fn import_page(ui: Ui) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    if !ui.importer {
        return ui.error(ApiError::Forbidden);
    }
    ui.render(
        StatusCode::OK,
        "impor",
        &ui.lang.text("nav_imports"),
        json!({"kinds": IMPORT_KINDS, "kind": "evaluations", "guides": guides(ui.lang)}),
    )
}

/// The upload form's fields.
#[derive(Default)]
pub(super) struct Upload {
    csrf: String,
    kind: String,
    dry_run: bool,
    file: Vec<u8>,
}

/// Reads the multipart form, the file at most `limit` bytes.
pub(super) async fn read_upload(
    Multipart(mut form): Multipart,
    limit: usize,
) -> Result<Upload, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::BadRequest(e.body_text());
    let mut upload = Upload::default();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if upload.file.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge(limit));
                    }
                    upload.file.extend_from_slice(&chunk);
                }
            }
            name => {
                let name = name.to_string();
                let text = field.text().await.map_err(bad)?;
                match name.as_str() {
                    "csrf" => upload.csrf = text,
                    "kind" => upload.kind = text,
                    "dry_run" => upload.dry_run = text == "true",
                    _ => {}
                }
            }
        }
    }
    Ok(upload)
}

pub(super) async fn import_submit(State(s): State<AppState>, ui: Ui, form: Multipart) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    let upload = match read_upload(form, s.import_limit).await {
        Ok(u) => u,
        Err(e) => return ui.error(e),
    };
    let user = match ui.form_user(&upload.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let kind: ImportKind = match upload.kind.parse() {
        Ok(k) => k,
        Err(message) => return ui.error(ApiError::invalid("kind", message)),
    };
    let cx = s.context(&user);
    let imported = jenjang_app::imports::import_file(
        &cx,
        kind,
        &upload.file,
        &s.import_limits,
        upload.dry_run,
    )
    .await;
    match imported {
        Ok(report) => {
            // A checked file waits for "import now" (when it has rows to import).
            let staged = (upload.dry_run && report.accepted + report.updated > 0).then(|| {
                s.staged_imports
                    .put(&user.0.username, &upload.kind, upload.file)
            });
            show_report(&ui, &upload.kind, upload.dry_run, &report, staged)
        }
        Err(e) => ui.error(e.into()),
    }
}

fn show_report(
    ui: &Ui,
    kind: &str,
    dry_run: bool,
    report: &impl serde::Serialize,
    staged: Option<String>,
) -> Response {
    let mut report = json!(report);
    // Each refused cell said in the page's language where its problem is named.
    if let Some(cells) = report["rejected"].as_array_mut() {
        for cell in cells {
            cell["text"] = json!(cell_problem(ui.lang, cell));
        }
    }
    let mut rows: Vec<u64> = report["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["row"].as_u64())
        .collect();
    rows.dedup();
    ui.render(
        StatusCode::OK,
        "impor",
        &ui.lang.text("nav_imports"),
        json!({
            "kinds": IMPORT_KINDS,
            "kind": kind,
            "dry_run": dry_run,
            "report": report,
            "rejected_rows": rows.len(),
            "staged": staged,
            "guides": guides(ui.lang),
        }),
    )
}

/// A refused cell's problem in `lang`: by its code (a format problem with the column's guide),
/// else the English message.
fn cell_problem(lang: Lang, cell: &Value) -> String {
    let english = cell["message"].as_str().unwrap_or_default().to_string();
    let Some(code) = cell["code"].as_str() else {
        return english;
    };
    let column = cell["column"].as_str().unwrap_or_default();
    let template = if code == "invalid" {
        match lang.messages()["import_columns"][column].as_str() {
            Some(guide) => lang
                .text("problem_import_invalid")
                .replace("{expected}", guide),
            None => return english,
        }
    } else {
        match lang.messages()[format!("problem_{code}").as_str()].as_str() {
            Some(t) => t.to_string(),
            None => return english,
        }
    };
    let mut text = template.replace("{value}", cell["value"].as_str().unwrap_or_default());
    if let Some(params) = cell["params"].as_object() {
        for (name, value) in params {
            let value = value.as_str().unwrap_or_default();
            // A predikat is said by its name.
            let value = lang.messages()["predikat_labels"][value]
                .as_str()
                .unwrap_or(value);
            text = text.replace(&format!("{{{name}}}"), value);
        }
    }
    text
}

#[derive(Deserialize)]
pub(super) struct ImportNowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    staged: String,
}

/// Imports the file checked a moment ago, without choosing it again.
pub(super) async fn import_now(
    State(s): State<AppState>,
    ui: Ui,
    Form(form): Form<ImportNowForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let Some((kind_text, file)) = s.staged_imports.take(&user.0.username, &form.staged) else {
        return ui.render(
            StatusCode::GONE,
            "impor",
            &ui.lang.text("nav_imports"),
            json!({
                "kinds": IMPORT_KINDS,
                "kind": "evaluations",
                "staged_missing": true,
                "guides": guides(ui.lang),
            }),
        );
    };
    let kind: ImportKind = match kind_text.parse() {
        Ok(k) => k,
        Err(message) => return ui.error(ApiError::invalid("kind", message)),
    };
    let cx = s.context(&user);
    match jenjang_app::imports::import_file(&cx, kind, &file, &s.import_limits, false).await {
        Ok(report) => show_report(&ui, &kind_text, false, &report, None),
        Err(e) => ui.error(e.into()),
    }
}
