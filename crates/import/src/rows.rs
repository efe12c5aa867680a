//! Rows of the import formats (PRODUCT.md, "Import formats") into core types. Checks here are
//! those a file can answer alone (shapes, spellings, the predikat matrix, duplicates within the
//! file); references to stored records (does the unit exist?) are checked by the store in the
//! transaction that writes.

use crate::table::Table;
use chrono::NaiveDate;
use jenjang_core::accounts::EmployeeStatus;
use jenjang_core::kinds::Potential;
use jenjang_core::period::Period;
use jenjang_core::predikat::{Ekspektasi, Evaluation, Predikat};
use jenjang_core::reference::{CompetencyRecord, Employee};
use jenjang_core::{Code, Level, Nip};
use serde::Serialize;
use std::collections::HashMap;

/// One problem with one cell, as reported to the person who made the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub value: String,
    /// English, for API clients and logs.
    pub message: String,
    /// The problem by name, for pages to say in their reader's language: `required`,
    /// `excel_digits`, `invalid` (the column's format, see the column guide), `duplicate_rows`.
    pub code: &'static str,
    /// Parameters of the coded message (`rows` for `duplicate_rows`).
    pub params: Vec<(&'static str, String)>,
}

/// The valid rows of a file (each with its row number) and the problems of the others.
pub type Parsed<T> = (Vec<(usize, T)>, Vec<RowError>);

/// The columns of each kind: (required, optional).
pub const EMPLOYEE_COLUMNS: (&[&str], &[&str]) = (
    &["nip", "nama", "unit"],
    &["jabatan", "atasan_nip", "potensial", "status"],
);
pub const ASSESSMENT_COLUMNS: (&[&str], &[&str]) =
    (&["nip", "kompetensi", "level", "tanggal"], &["sumber"]);
/// Campaign stages: `nip, tahap` (an ADKAR element), optional `catatan` (required for a step back).
pub const STAGE_COLUMNS: (&[&str], &[&str]) = (&["nip", "tahap"], &["catatan"]);
/// Realisations of unit indicators (IKU).
pub const INDICATOR_REALISATION_COLUMNS: (&[&str], &[&str]) = (
    &["kode_indikator", "periode", "realisasi"],
    &["bukti", "catatan"],
);

/// Columns of an `iki-realisations` file: the employee, the IKI's number (as the SKP page shows
/// it), the period, the value; the evidence link is optional.
pub const IKI_REALISATION_COLUMNS: (&[&str], &[&str]) =
    (&["nip", "iki", "periode", "realisasi"], &["bukti"]);

/// Columns of a `cohort-results` file (the provider's list of who passed).
pub const COHORT_RESULT_COLUMNS: (&[&str], &[&str]) = (
    &["nip", "kode_angkatan", "status"],
    &["nomor_sertifikat", "tanggal_selesai", "nilai"],
);

/// A realisation as a file states it: the indicator's code, the period, the value, evidence
/// and note.
pub type RealisationRow = (String, Period, f64, Option<String>, Option<String>);

/// A measured number as offices type it: `72,5` or `72.5`, `1.250` or `1.250,5`.
pub fn office_number(text: &str) -> Result<f64, String> {
    let t = text.trim().replace([' ', '\u{a0}'], "");
    let normal = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else if t.matches('.').count() > 1 || t.split_once('.').is_some_and(|(_, d)| d.len() == 3) {
        t.replace('.', "")
    } else {
        t.clone()
    };
    match normal.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("expected a number; found '{}'", text.trim())),
    }
}
pub const EVALUATION_COLUMNS: (&[&str], &[&str]) = (
    &["nip", "periode", "hasil_kerja", "perilaku_kerja"],
    &["catatan", "penilai_nip", "predikat"],
);

struct RowCheck<'a> {
    table: &'a Table,
    row: usize,
    cells: &'a [String],
    errors: &'a mut Vec<RowError>,
    ok: bool,
    /// Columns already refused for a control character (reported once).
    refused: Vec<&'a str>,
}

/// Columns whose text may run over several lines.
const MULTILINE_COLUMNS: &[&str] = &["catatan"];

impl<'a> RowCheck<'a> {
    /// Starts checking a row: every cell holding a control character (NUL, escape, ...) is
    /// refused at once, whatever its column; only notes may hold tabs and line breaks.
    fn new(
        table: &'a Table,
        row: usize,
        cells: &'a [String],
        errors: &'a mut Vec<RowError>,
    ) -> Self {
        let mut check = RowCheck {
            table,
            row,
            cells,
            errors,
            ok: true,
            refused: Vec::new(),
        };
        for column in table.columns() {
            let multiline = MULTILINE_COLUMNS.contains(&column);
            if let Err(e) = jenjang_core::check_text(check.value(column), multiline) {
                check.fail(column, e.to_string(), "invalid");
                check.refused.push(column);
            }
        }
        check
    }

    fn value(&self, column: &str) -> &str {
        self.table.cell(self.cells, column)
    }

    fn fail(&mut self, column: &str, message: String, code: &'static str) {
        let value = self.value(column).to_string();
        self.errors.push(RowError {
            row: self.row,
            column: column.to_string(),
            value,
            message,
            code,
            params: Vec::new(),
        });
        self.ok = false;
    }

    fn required<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.refused.contains(&column) {
            return None;
        }
        if self.table.is_imprecise(self.row, column) {
            self.fail(
                column,
                "Excel stored this as a number and dropped the digits after the 15th; \
                 format the column as Text and enter it again"
                    .into(),
                "excel_digits",
            );
            return None;
        }
        let raw = self.value(column).to_string();
        if raw.is_empty() {
            self.fail(column, format!("{column} is required"), "required");
            return None;
        }
        match parse(&raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(column, e.to_string(), "invalid");
                None
            }
        }
    }

    fn optional<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.value(column).is_empty() && !self.table.is_imprecise(self.row, column) {
            return None;
        }
        self.required(column, parse)
    }
}

/// A date as the office wrote it: ISO, `14/03/2026`, `14-03-2026` or `14 Maret 2026`, day first.
fn date(s: &str) -> Result<NaiveDate, jenjang_core::dates::NotADate> {
    jenjang_core::dates::parse_date(s)
}

/// Rejects every row whose key another row of the file repeats, naming the other rows: the file
/// must say one thing per key, and guessing which row wins would lose data silently.
fn reject_duplicates<T>(
    rows: Vec<(usize, String, T)>,
    column: &str,
    errors: &mut Vec<RowError>,
) -> Vec<(usize, T)> {
    // Counted by borrowed key first: the rows of the (rare) repeated keys are listed apart, so a
    // province's 1.35 million distinct rows cost no copy of their key and no list each.
    let mut counts: HashMap<&str, u32> = HashMap::with_capacity(rows.len());
    for (_, key, _) in &rows {
        *counts.entry(key.as_str()).or_default() += 1;
    }
    let mut repeated: HashMap<String, Vec<usize>> = HashMap::new();
    for (row, key, _) in &rows {
        if counts[key.as_str()] > 1 {
            repeated.entry(key.clone()).or_default().push(*row);
        }
    }
    drop(counts);
    let mut out = Vec::with_capacity(rows.len());
    for (row, key, value) in rows {
        if let Some(same) = repeated.get(&key) {
            let others: Vec<String> = same
                .iter()
                .filter(|r| **r != row)
                .map(|r| r.to_string())
                .collect();
            errors.push(RowError {
                row,
                column: column.to_string(),
                value: key.split('|').next().unwrap_or_default().to_string(),
                message: format!(
                    "the same {key_name} appears again in row(s) {}; keep one row",
                    others.join(", "),
                    key_name = key_name(column)
                ),
                code: "duplicate_rows",
                params: vec![("rows", others.join(", "))],
            });
        } else {
            out.push((row, value));
        }
    }
    out
}

fn key_name(column: &str) -> &'static str {
    match column {
        "periode" => "NIP and period",
        "kode_indikator" => "indicator and period",
        "kompetensi" => "NIP, competency, date and source",
        _ => "NIP",
    }
}

fn finish<T>(mut errors: Vec<RowError>, ok: Vec<(usize, T)>) -> (Vec<(usize, T)>, Vec<RowError>) {
    errors.sort_by_key(|e| e.row);
    (ok, errors)
}

/// Parses an `employees` file: `nip, nama, jabatan, unit, atasan_nip, potensial`, optional
/// `golongan`, `email` and `status` (`aktif | keluar`).
pub fn parse_employees(table: &Table) -> Parsed<Employee> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let name = c.required("nama", |s| Ok::<_, String>(s.to_string()));
        let position = c.optional("jabatan", Code::parse);
        let unit = c.required("unit", Code::parse);
        let supervisor = c.optional("atasan_nip", Nip::parse);
        let potential = c.optional("potensial", |s| s.to_lowercase().parse::<Potential>());
        let status = c.optional("status", |s| s.to_lowercase().parse::<EmployeeStatus>());
        let golongan = c.optional("golongan", jenjang_core::fit::Golongan::parse);
        let email = c.optional("email", jenjang_core::notify::Email::parse);
        if c.ok
            && let (Some(nip), Some(name), Some(unit)) = (nip, name, unit)
        {
            let key = nip.to_string();
            rows.push((
                *row,
                key,
                Employee {
                    nip,
                    name,
                    position,
                    unit,
                    supervisor_nip: supervisor,
                    potential,
                    golongan,
                    email,
                    status: status.unwrap_or_default(),
                },
            ));
        }
    }
    let ok = reject_duplicates(rows, "nip", &mut errors);
    finish(errors, ok)
}

/// Parses an `assessments` file: `nip, kompetensi, level, sumber, tanggal`.
pub fn parse_assessments(table: &Table) -> Parsed<(Nip, CompetencyRecord)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let competency = c.required("kompetensi", Code::parse);
        let level = c.required("level", |s| {
            s.parse::<i64>()
                .map_err(|_| format!("a level is a whole number from 1 to 5; found {s}"))
                .and_then(|v| Level::new(v).map_err(|e| e.to_string()))
        });
        let source = c.value("sumber").to_string();
        let assessed_on = c.required("tanggal", date);
        if c.ok
            && let (Some(nip), Some(competency), Some(level), Some(assessed_on)) =
                (nip, competency, level, assessed_on)
        {
            let source = if source.is_empty() {
                "assessment".to_string()
            } else {
                source
            };
            let key = format!("{nip}|{competency}|{assessed_on}|{source}");
            rows.push((
                *row,
                key,
                (
                    nip,
                    CompetencyRecord {
                        competency,
                        level,
                        source,
                        assessed_on,
                    },
                ),
            ));
        }
    }
    let ok = reject_duplicates(rows, "kompetensi", &mut errors);
    finish(errors, ok)
}

/// Parses an `evaluations` file: `nip, periode, hasil_kerja, perilaku_kerja, catatan, penilai_nip`
/// and an optional `predikat` that must agree with the matrix.
pub fn parse_evaluations(table: &Table) -> Parsed<(Nip, Evaluation)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let period = c.required("periode", Period::parse);
        let hasil = c.required("hasil_kerja", Ekspektasi::parse_loose);
        let perilaku = c.required("perilaku_kerja", Ekspektasi::parse_loose);
        let notes = Some(c.value("catatan").to_string()).filter(|s| !s.is_empty());
        let evaluator = c.optional("penilai_nip", Nip::parse);
        let stated = c.optional("predikat", Predikat::parse_loose);
        if let (Some(h), Some(p), Some(stated)) = (hasil, perilaku, stated)
            && let Err(disagreement) = jenjang_core::predikat::check_stated(h, p, stated)
        {
            c.fail("predikat", disagreement.to_string(), "predikat_disagrees");
            if let Some(e) = c.errors.last_mut() {
                e.params = vec![
                    ("derived", disagreement.derived.as_str().to_string()),
                    ("stated", disagreement.stated.as_str().to_string()),
                ];
            }
        }
        if c.ok
            && let (Some(nip), Some(period), Some(hasil_kerja), Some(perilaku_kerja)) =
                (nip, period, hasil, perilaku)
        {
            let key = format!("{nip}|{period}");
            rows.push((
                *row,
                key,
                (
                    nip,
                    Evaluation {
                        period,
                        hasil_kerja,
                        perilaku_kerja,
                        notes,
                        evaluator_nip: evaluator,
                    },
                ),
            ));
        }
    }
    let ok = reject_duplicates(rows, "periode", &mut errors);
    finish(errors, ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, read_csv};

    #[test]
    fn every_bad_cell_is_reported_with_its_row_and_column() {
        let t = read_csv(
            b"nip,nama,jabatan,unit,atasan_nip,potensial\n\
              198503122010011002,Siti,STAF,DINKES,,tinggi\n\
              1985031220100110,Budi,,DINKES,,luar biasa\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_employees(&t);
        assert_eq!(ok.len(), 1);
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (3, "nip"));
        assert_eq!(errors[0].value, "1985031220100110");
        assert_eq!((errors[1].row, errors[1].column.as_str()), (3, "potensial"));
    }

    #[test]
    fn assessments_check_levels_and_dates() {
        let t = read_csv(
            b"nip;kompetensi;level;sumber;tanggal\n\
              198503122010011002;M.1;3;assessment center;2026-02-01\n\
              198503122010011002;M.2;7;;2026-02-31\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_assessments(&t);
        assert_eq!(ok.len(), 1);
        let cols: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["level", "tanggal"]);
    }

    #[test]
    fn dates_and_ratings_are_read_as_indonesian_offices_write_them() {
        // A CSV saved by Excel in the Indonesian locale: `;`, dates day first.
        let t = read_csv(
            b"nip;kompetensi;level;sumber;tanggal\n\
              198503122010011002;M.1;3;;14/03/2026\n\
              198503122010011002;M.2;3;;14-03-2026\n\
              198503122010011002;M.3;3;;14 Maret 2026\n\
              198503122010011002;M.4;3;;03/14/2026\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_assessments(&t);
        assert_eq!(ok.len(), 3);
        let day = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        assert!(ok.iter().all(|(_, (_, a))| a.assessed_on == day));
        // Month first is never guessed.
        assert_eq!((errors[0].row, errors[0].column.as_str()), (5, "tanggal"));
        assert!(
            errors[0].message.contains("DD/MM/YYYY"),
            "{}",
            errors[0].message
        );
        let t = read_csv(
            b"nip;periode;hasil_kerja;perilaku_kerja\n\
              198503122010011002;TW I 2026;Di Atas;Sesuai\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_evaluations(&t);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(ok[0].1.1.predikat(), Predikat::Baik);
    }

    #[test]
    fn evaluations_accept_every_spelling_and_check_the_predikat() {
        let t = read_csv(
            b"NIP;Periode;Hasil_Kerja;Perilaku_Kerja;Catatan;Penilai_NIP;Predikat\n\
              198503122010011002;TW I 2026;Di Atas Ekspektasi;DI ATAS EKSPEKTASI;;;Sangat Baik\n\
              198503122010011002;2026-Q2;sesuai_ekspektasi;Di Bawah Ekspektasi;;;Baik\n\
              198503122010011002;Triwulan III 2026;luar biasa;sesuai ekspektasi;;;\n\
              198503122010011002;2026-Q5;Sesuai Ekspektasi;Sesuai Ekspektasi;;;\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_evaluations(&t);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].1.1.predikat(), Predikat::SangatBaik);
        let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(at, [(3, "predikat"), (4, "hasil_kerja"), (5, "periode")]);
        assert!(
            errors[0].message.contains("gives kurang"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn duplicate_keys_in_one_file_are_all_rejected_naming_each_other() {
        let t = read_csv(
            b"nip,periode,hasil_kerja,perilaku_kerja\n\
              198503122010011002,2026-Q1,sesuai_ekspektasi,sesuai_ekspektasi\n\
              198503122010011002,TW I 2026,di_atas_ekspektasi,sesuai_ekspektasi\n\
              198503122010011002,2026-Q2,sesuai_ekspektasi,sesuai_ekspektasi\n",
            &Limits::default(),
        )
        .unwrap();
        let (ok, errors) = parse_evaluations(&t);
        assert_eq!(ok.len(), 1);
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("row(s) 3"));
        assert!(errors[1].message.contains("row(s) 2"));
    }
}

/// Parses a campaign `stages` file: `nip, tahap, catatan`. The stage is an ADKAR element
/// (`awareness … reinforcement`, case and spaces ignored); one row per employee.
/// Parses an `indicator-realisations` file: `kode_indikator, periode, realisasi`, optional
/// `bukti` (a web address) and `catatan`. One row per indicator and period.
pub fn parse_indicator_realisations(table: &Table) -> Parsed<RealisationRow> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let code = c.required("kode_indikator", jenjang_core::Code::parse);
        let period = c.required("periode", Period::parse);
        let value = c.required("realisasi", office_number);
        let evidence = c.optional("bukti", web_address);
        let note = Some(c.value("catatan").trim().to_string()).filter(|n| !n.is_empty());
        if c.ok
            && let (Some(code), Some(period), Some(value)) = (code, period, value)
        {
            let key = format!("{code}|{period}");
            rows.push((*row, key, (code.to_string(), period, value, evidence, note)));
        }
    }
    let ok = reject_duplicates(rows, "kode_indikator", &mut errors);
    finish(errors, ok)
}

/// A parsed result row: NIP, cohort code, status, certificate number, completion date, score.
pub type CohortResultRow = (
    Nip,
    String,
    String,
    Option<String>,
    Option<chrono::NaiveDate>,
    Option<f64>,
);

/// Parses a `cohort-results` file: `nip, kode_angkatan, status (lulus | tidak_lulus |
/// tidak_hadir)`, optional `nomor_sertifikat`, `tanggal_selesai` (required for `lulus`), `nilai`
/// (0..100). One row per participant and cohort.
pub fn parse_cohort_results(table: &Table) -> Parsed<CohortResultRow> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let cohort = c.required("kode_angkatan", |s| {
            let s = s.trim();
            if s.is_empty() || s.len() > 64 {
                Err("a cohort's code".to_string())
            } else {
                Ok(s.to_string())
            }
        });
        let status = c.required("status", |s| {
            let s = s.trim().to_lowercase().replace(' ', "_");
            match s.as_str() {
                "lulus" | "tidak_lulus" | "tidak_hadir" => Ok(s),
                _ => Err("lulus, tidak_lulus or tidak_hadir".to_string()),
            }
        });
        let certificate =
            Some(c.value("nomor_sertifikat").trim().to_string()).filter(|n| !n.is_empty());
        let completed = c.optional("tanggal_selesai", date);
        let score = c.optional("nilai", |s| match office_number(s) {
            Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
            _ => Err("a score from 0 to 100".to_string()),
        });
        if c.ok
            && let (Some(nip), Some(cohort), Some(status)) = (nip, cohort, status)
        {
            let key = format!("{nip}|{cohort}");
            rows.push((
                *row,
                key,
                (nip, cohort, status, certificate, completed, score),
            ));
        }
    }
    let ok = reject_duplicates(rows, "nip", &mut errors);
    finish(errors, ok)
}

/// A link to evidence: a web address (http or https), trimmed.
fn web_address(s: &str) -> Result<String, String> {
    let lower = s.trim().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Ok(s.trim().to_string())
    } else {
        Err("a web address (http:// or https://)".to_string())
    }
}

/// Parses an `iki-realisations` file: `nip, iki, periode, realisasi`, optional `bukti` (a web
/// address). One row per IKI and period.
pub fn parse_iki_realisations(table: &Table) -> Parsed<(Nip, i64, Period, f64, Option<String>)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let iki = c.required("iki", |s| {
            s.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| "the IKI's number, a whole number".to_string())
        });
        let period = c.required("periode", Period::parse);
        let value = c.required("realisasi", office_number);
        let evidence = c.optional("bukti", web_address);
        if c.ok
            && let (Some(nip), Some(iki), Some(period), Some(value)) = (nip, iki, period, value)
        {
            let key = format!("{iki}|{period}");
            rows.push((*row, key, (nip, iki, period, value, evidence)));
        }
    }
    let ok = reject_duplicates(rows, "iki", &mut errors);
    finish(errors, ok)
}

pub fn parse_stages(table: &Table) -> Parsed<(Nip, jenjang_core::adkar::Stage, Option<String>)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck::new(table, *row, cells, &mut errors);
        let nip = c.required("nip", Nip::parse);
        let stage = c.required("tahap", |s| {
            s.trim()
                .to_lowercase()
                .parse::<jenjang_core::adkar::Stage>()
                .map_err(|e| e.to_string())
        });
        let note = Some(c.value("catatan").trim().to_string()).filter(|n| !n.is_empty());
        if c.ok
            && let (Some(nip), Some(stage)) = (nip, stage)
        {
            rows.push((*row, nip.to_string(), (nip, stage, note)));
        }
    }
    let ok = reject_duplicates(rows, "nip", &mut errors);
    finish(errors, ok)
}
