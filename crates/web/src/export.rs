//! Downloads: which format a request asks for (`?format=` or `Accept`), the answer carrying a
//! file with its name, and spreadsheet cells made safe (text that a spreadsheet would run as a
//! formula is written as text). Shared by every route that exports CSV or XLSX.

use crate::error::{ApiError, ApiResult};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default), `csv` or `xlsx`; the `Accept` header works too.
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Csv,
    Xlsx,
}

pub(crate) const XLSX_MIME: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn format_of(q: &FormatQuery, headers: &HeaderMap) -> ApiResult<Format> {
    match q.format.as_deref() {
        Some("json") => return Ok(Format::Json),
        Some("csv") => return Ok(Format::Csv),
        Some("xlsx") => return Ok(Format::Xlsx),
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("'{other}' is not one of: json, csv, xlsx"),
            ));
        }
        None => {}
    }
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(if accept.contains(XLSX_MIME) {
        Format::Xlsx
    } else if accept.contains("text/csv") {
        Format::Csv
    } else {
        Format::Json
    })
}

/// A file download named `<stem>.<ext>` (unsafe characters of the stem replaced).
pub(crate) fn download(stem: &str, ext: &str, mime: &'static str, body: Vec<u8>) -> Response {
    let name = format!(
        "{}.{ext}",
        stem.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    (
        [
            (CONTENT_TYPE, mime.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A cell that a spreadsheet would read as a formula is prefixed with `'`.
pub(crate) fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}
