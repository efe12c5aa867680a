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

/// One cell of a table to download: text (made safe) or a number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        Cell::Text(s.unwrap_or_default())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

/// A named sheet: its column headers and rows.
pub(crate) struct Sheet<'a> {
    pub name: &'a str,
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
}

/// The sheets as an XLSX workbook, the header row bold and frozen.
pub(crate) fn xlsx(sheets: &[Sheet<'_>]) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.into());
    let bold = CellFormat::new().set_bold();
    let mut book = Workbook::new();
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(s.name).map_err(internal)?;
        for (c, name) in s.columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *name, &bold)
                .map_err(internal)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(internal)?;
        for (r, row) in s.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(t) => sheet.write_string(r as u32 + 1, c as u16, safe_cell(t)),
                    Cell::Number(n) => sheet.write_number(r as u32 + 1, c as u16, *n),
                }
                .map_err(internal)?;
            }
        }
        sheet.autofit();
    }
    book.save_to_buffer().map_err(internal)
}

/// One sheet as CSV.
pub(crate) fn csv(sheet: &Sheet<'_>) -> ApiResult<Vec<u8>> {
    let internal = |e: csv::Error| ApiError::Internal(e.into());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(sheet.columns).map_err(internal)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => safe_cell(t),
            Cell::Number(n) => n.to_string(),
        }))
        .map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

/// A sheet answered in the asked format (JSON answers are the caller's).
pub(crate) fn sheet_download(stem: &str, format: Format, sheet: &Sheet<'_>) -> ApiResult<Response> {
    Ok(match format {
        Format::Csv => download(stem, "csv", "text/csv; charset=utf-8", csv(sheet)?),
        _ => download(stem, "xlsx", XLSX_MIME, xlsx(std::slice::from_ref(sheet))?),
    })
}
