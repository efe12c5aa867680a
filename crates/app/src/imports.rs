//! Imports of the spreadsheets HR keeps (employees, assessments, evaluations, campaign stages):
//! the file is read and checked row by row (`jenjang_import`), the valid rows are written in one
//! transaction by the store, and every refused row is reported with its row, column, value and
//! reason. The one implementation behind `POST /api/v1/imports/{kind}`, the UI's upload,
//! `jenjang import` and the bench.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_core::indicators::{IndicatorKind, RealisationSource};
use jenjang_import::{Limits, RowError, Table, TableError};
use jenjang_store::indicators::NewRealisation;
use jenjang_store::skp::IkiImportRow;
use jenjang_store::training::ResultRow;
use jenjang_store::{Actor, BulkOutcome, Progress, Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;

/// What can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Employees,
    Assessments,
    Evaluations,
    /// Realisations of unit indicators (IKU).
    IndicatorRealisations,
    /// Realisations of the IKI of employees' approved SKPs.
    IkiRealisations,
    /// A provider's list of results per participant and cohort.
    CohortResults,
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "employees" => Ok(ImportKind::Employees),
            "assessments" => Ok(ImportKind::Assessments),
            "evaluations" => Ok(ImportKind::Evaluations),
            "indicator-realisations" => Ok(ImportKind::IndicatorRealisations),
            "iki-realisations" => Ok(ImportKind::IkiRealisations),
            "cohort-results" => Ok(ImportKind::CohortResults),
            other => Err(format!(
                "'{other}' is not one of: employees, assessments, evaluations, indicator-realisations, iki-realisations, cohort-results"
            )),
        }
    }
}

/// The answer of an import. `accepted` counts rows that created a record, `updated` rows that
/// changed one, `unchanged` rows equal to what is stored; `rejected` lists every problem of
/// every refused row (nothing of those rows is stored).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub accepted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<RejectedCell>,
    /// True when nothing was written (`dry_run`).
    pub dry_run: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RejectedCell {
    pub row: usize,
    pub column: String,
    pub value: String,
    /// English, for programs and logs.
    pub message: String,
    /// The problem by name (`required`, `invalid`, `duplicate_rows`, `unknown_unit`, ...),
    /// for a page to say in its reader's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

impl From<RowError> for RejectedCell {
    fn from(e: RowError) -> Self {
        RejectedCell {
            row: e.row,
            column: e.column,
            value: e.value,
            message: e.message,
            code: Some(e.code.to_string()),
            params: e
                .params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be read (not CSV/XLSX, no header, missing columns).
    #[error("{0}")]
    File(#[from] TableError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The column a store-side problem belongs to, in the file's terms.
fn column_of(kind: ImportKind, field: &str) -> &'static str {
    match (kind, field) {
        (_, "nip") => "nip",
        (ImportKind::Employees, "position") => "jabatan",
        (ImportKind::Employees, "supervisor_nip") => "atasan_nip",
        (ImportKind::Employees, "unit") => "unit",
        (ImportKind::Assessments, _) => "kompetensi",
        (ImportKind::Evaluations, _) => "penilai_nip",
        (ImportKind::IndicatorRealisations, "value") => "realisasi",
        (ImportKind::IndicatorRealisations, "period") => "periode",
        (ImportKind::IndicatorRealisations, _) => "kode_indikator",
        (ImportKind::IkiRealisations, "period") => "periode",
        (ImportKind::IkiRealisations, _) => "iki",
        (ImportKind::CohortResults, "cohort") => "kode_angkatan",
        (ImportKind::CohortResults, "status") => "status",
        (ImportKind::CohortResults, "completed_on") => "tanggal_selesai",
        _ => "nip",
    }
}

/// Reads, checks and (unless `dry_run`) stores a file, reporting the rows written to `progress`.
pub async fn run(
    store: &Store,
    actor: &Actor,
    kind: ImportKind,
    bytes: &[u8],
    limits: &Limits,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let started = std::time::Instant::now();
    let table = jenjang_import::read_table(bytes, limits)?;
    let read_ms = started.elapsed().as_millis();
    let (required, _) = match kind {
        ImportKind::Employees => jenjang_import::EMPLOYEE_COLUMNS,
        ImportKind::Assessments => jenjang_import::ASSESSMENT_COLUMNS,
        ImportKind::Evaluations => jenjang_import::EVALUATION_COLUMNS,
        ImportKind::IndicatorRealisations => jenjang_import::INDICATOR_REALISATION_COLUMNS,
        ImportKind::IkiRealisations => jenjang_import::IKI_REALISATION_COLUMNS,
        ImportKind::CohortResults => jenjang_import::COHORT_RESULT_COLUMNS,
    };
    table.require(required)?;
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    let (rows, store_rejected, file_errors): (Vec<usize>, Vec<(usize, FieldError)>, Vec<RowError>) =
        match kind {
            ImportKind::Employees => {
                let (ok, errors) = jenjang_import::parse_employees(&table);
                let (rows, items): (Vec<usize>, Vec<_>) = ok.into_iter().unzip();
                let columns = jenjang_store::EmployeeColumns {
                    golongan: table.has("golongan"),
                    email: table.has("email"),
                };
                let outcome = store
                    .bulk_save_employees(actor, &items, columns, dry_run, progress)
                    .await?;
                count(&mut report, &outcome);
                (rows, outcome.rejected, errors)
            }
            ImportKind::Assessments => {
                let (ok, errors) = jenjang_import::parse_assessments(&table);
                let (rows, items): (Vec<usize>, Vec<_>) = ok.into_iter().unzip();
                let (recorded, rejected) = store
                    .bulk_record_competencies(actor, &items, dry_run, progress)
                    .await?;
                report.accepted = recorded.recorded;
                report.unchanged = recorded.unchanged;
                (rows, rejected, errors)
            }
            ImportKind::IndicatorRealisations => {
                let (ok, errors) = jenjang_import::parse_indicator_realisations(&table);
                let known = store.indicator_ids().await?;
                let mut rows = Vec::with_capacity(ok.len());
                let mut items = Vec::with_capacity(ok.len());
                let mut rejected = Vec::new();
                for (row, (code, period, value, evidence_url, note)) in ok {
                    let at = rows.len();
                    rows.push(row);
                    match known.get(&(code.clone(), period.year())) {
                        None => rejected.push((
                            at,
                            FieldError::new(
                                "kode_indikator",
                                format!("no indicator {code} for {}", period.year()),
                            )
                            .with_code("unknown_indicator")
                            .with_param("code", format!("{code} {}", period.year())),
                        )),
                        Some((_, IndicatorKind::Ikm)) => rejected.push((
                            at,
                            FieldError::new(
                                "value",
                                "this indicator is realised by the unit's IKM",
                            )
                            .with_code("fed_by_ikm"),
                        )),
                        Some((id, _)) => items.push(NewRealisation {
                            indicator: *id,
                            period,
                            value,
                            source: RealisationSource::Import,
                            evidence_url,
                            note,
                        }),
                    }
                }
                if dry_run {
                    report.accepted = items.len() as u64;
                } else if !items.is_empty() {
                    let done = store.record_realisations(actor, &items).await?;
                    report.accepted = done.created;
                    report.updated = done.updated;
                    report.unchanged = done.unchanged;
                }
                (rows, rejected, errors)
            }
            ImportKind::IkiRealisations => {
                let (ok, errors) = jenjang_import::parse_iki_realisations(&table);
                let (rows, items): (Vec<usize>, Vec<IkiImportRow>) = ok
                    .into_iter()
                    .map(|(row, (nip, iki, period, value, evidence_url))| {
                        (
                            row,
                            IkiImportRow {
                                nip: nip.to_string(),
                                iki,
                                period,
                                value,
                                evidence_url,
                            },
                        )
                    })
                    .unzip();
                let (done, rejected) = store
                    .bulk_record_iki_realisations(actor, &items, dry_run)
                    .await?;
                report.accepted = done.created;
                report.updated = done.updated;
                report.unchanged = done.unchanged;
                (rows, rejected, errors)
            }
            ImportKind::CohortResults => {
                let (ok, errors) = jenjang_import::parse_cohort_results(&table);
                let mut rows = Vec::with_capacity(ok.len());
                let mut items = Vec::with_capacity(ok.len());
                for (row, (nip, cohort, status, certificate_no, completed_on, score)) in ok {
                    rows.push(row);
                    items.push(ResultRow {
                        cohort,
                        nip: nip.to_string(),
                        status: status.parse().map_err(|_| {
                            StoreError::Invalid(vec![FieldError::new("status", "unreadable")])
                        })?,
                        certificate_no,
                        completed_on,
                        score,
                    });
                }
                let (done, rejected) = store
                    .record_cohort_results(actor, &items, false, dry_run)
                    .await?;
                report.accepted = done.recorded;
                report.unchanged = done.unchanged;
                (rows, rejected, errors)
            }
            ImportKind::Evaluations => {
                let (ok, errors) = jenjang_import::parse_evaluations(&table);
                let (rows, items): (Vec<usize>, Vec<_>) = ok.into_iter().unzip();
                let outcome = store
                    .bulk_save_evaluations(actor, &items, dry_run, progress)
                    .await?;
                count(&mut report, &outcome);
                (rows, outcome.rejected, errors)
            }
        };
    let cells: HashMap<usize, &Vec<String>> = table.rows.iter().map(|(r, c)| (*r, c)).collect();
    let mut rejected: Vec<RejectedCell> = file_errors.into_iter().map(RejectedCell::from).collect();
    for (i, problem) in store_rejected {
        let row = rows[i];
        let column = column_of(kind, &problem.field);
        rejected.push(RejectedCell {
            row,
            column: column.to_string(),
            value: cells
                .get(&row)
                .map(|c| cell(&table, c, column))
                .unwrap_or_default(),
            message: problem.message,
            code: problem.code,
            params: problem.params,
        });
    }
    rejected.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
    report.rejected = rejected;
    tracing::debug!(
        ?kind,
        rows = table.rows.len(),
        read_ms,
        total_ms = started.elapsed().as_millis(),
        "import done"
    );
    Ok(report)
}

/// The upkeep a committed import leaves (see `Store::checkpoint`), as the tables it wrote: on
/// SQLite the bulk write left the write-ahead log to be folded back; on PostgreSQL a large
/// import refreshes the statistics of the tables the analyses and the engine's lookups plan
/// with. None after a dry run or a small PostgreSQL import.
fn upkeep(
    store: &Store,
    kind: ImportKind,
    report: &ImportReport,
) -> Option<&'static [&'static str]> {
    if report.dry_run || (store.is_postgres() && report.accepted + report.updated <= 10_000) {
        return None;
    }
    Some(match kind {
        ImportKind::Employees => &["employees"],
        ImportKind::Assessments => &["current_competency_levels"],
        ImportKind::Evaluations => &["evaluations"],
        ImportKind::IndicatorRealisations => &["indicator_realisations"],
        ImportKind::IkiRealisations => &["iki_realisations"],
        ImportKind::CohortResults => &["cohort_participants", "plan_items"],
    })
}

/// Runs the upkeep after an import before returning (the command line, which exits next).
pub async fn after_import(
    store: &Store,
    kind: ImportKind,
    report: &ImportReport,
) -> Result<(), StoreError> {
    match upkeep(store, kind, report) {
        Some(tables) => store.checkpoint(tables).await,
        None => Ok(()),
    }
}

/// Imports one file on behalf of the caller (hr, admin): the API's import and the UI's upload
/// form. An empty file, or one that cannot be read as a table, is a problem of the field `file`.
pub async fn import_file(
    cx: &Context<'_>,
    kind: ImportKind,
    bytes: &[u8],
    limits: &Limits,
    dry_run: bool,
) -> AppResult<ImportReport> {
    cx.require(Action::Import)?;
    if bytes.is_empty() {
        return Err(AppError::invalid(
            "file",
            "the body is empty: send the CSV or XLSX file itself",
        ));
    }
    let report = run(cx.store, &cx.actor(), kind, bytes, limits, dry_run, None)
        .await
        .map_err(|e| match e {
            ImportError::File(e) => AppError::invalid("file", e.to_string()),
            ImportError::Store(e) => e.into(),
        })?;
    if kind == ImportKind::Employees && !dry_run {
        crate::accounts::sync(cx.store, &cx.actor()).await?;
    }
    after_import_in_background(cx.store, kind, &report);
    Ok(report)
}

/// Runs the upkeep after an import on a background task (a server: the import answers once it
/// is committed).
pub fn after_import_in_background(store: &Store, kind: ImportKind, report: &ImportReport) {
    if let Some(tables) = upkeep(store, kind, report) {
        let store = store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.checkpoint(tables).await {
                tracing::warn!(error = %e, "upkeep after an import failed");
            }
        });
    }
}

fn cell(table: &Table, cells: &[String], column: &str) -> String {
    table.cell(cells, column).to_string()
}

fn count(report: &mut ImportReport, outcome: &BulkOutcome) {
    report.accepted = outcome.created;
    report.updated = outcome.updated;
    report.unchanged = outcome.unchanged;
}

/// Imports campaign stages (`nip, tahap, catatan`) with the rules of the other imports: every
/// bad cell reported with its spreadsheet row, valid rows written in one transaction, the same
/// file again changes nothing (`unchanged`).
pub async fn run_stages(
    store: &Store,
    actor: &Actor,
    campaign: &str,
    bytes: &[u8],
    limits: &Limits,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let table = jenjang_import::read_table(bytes, limits)?;
    table.require(jenjang_import::STAGE_COLUMNS.0)?;
    let (ok, file_errors) = jenjang_import::parse_stages(&table);
    let (rows, inputs): (Vec<usize>, Vec<jenjang_store::campaigns::StageInput>) = ok
        .into_iter()
        .map(|(row, (nip, stage, note))| {
            (
                row,
                jenjang_store::campaigns::StageInput {
                    nip: nip.to_string(),
                    stage,
                    note,
                },
            )
        })
        .unzip();
    let (done, store_rejected) = store
        .record_stages(actor, campaign, &inputs, "import", dry_run)
        .await?;
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    for d in &done {
        if d.movement == "same" {
            report.unchanged += 1;
        } else if d.previous.is_none() {
            report.accepted += 1;
        } else {
            report.updated += 1;
        }
    }
    let cells: HashMap<usize, &Vec<String>> = table.rows.iter().map(|(r, c)| (*r, c)).collect();
    let mut rejected: Vec<RejectedCell> = file_errors.into_iter().map(RejectedCell::from).collect();
    for (i, problem) in store_rejected {
        let row = rows[i];
        let column = match problem.field.as_str() {
            "stage" => "tahap",
            "note" => "catatan",
            other => other,
        };
        rejected.push(RejectedCell {
            row,
            column: column.to_string(),
            value: cells
                .get(&row)
                .map(|c| cell(&table, c, column))
                .unwrap_or_default(),
            message: problem.message,
            code: problem.code,
            params: problem.params,
        });
    }
    rejected.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
    report.rejected = rejected;
    Ok(report)
}
