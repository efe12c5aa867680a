//! The import page: upload a file, check only or import, every refused row listed.

#[allow(unused_imports)]
use super::*;

pub(super) const IMPORT_KINDS: [&str; 3] = ["employees", "assessments", "evaluations"];

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
        json!({"kinds": IMPORT_KINDS, "kind": "evaluations"}),
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
            let mut rows: Vec<usize> = report.rejected.iter().map(|r| r.row).collect();
            rows.dedup();
            ui.render(
                StatusCode::OK,
                "impor",
                &ui.lang.text("nav_imports"),
                json!({
                    "kinds": IMPORT_KINDS,
                    "kind": upload.kind,
                    "dry_run": upload.dry_run,
                    "report": &report,
                    "rejected_rows": rows.len(),
                }),
            )
        }
        Err(e) => ui.error(e.into()),
    }
}
