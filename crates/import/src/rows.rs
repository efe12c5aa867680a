//! Rows of the `employees` and `assessments` formats (PRODUCT.md, "Import formats") into core
//! types. Checks here are those a row can answer alone; references to stored records (does the
//! unit exist?) are checked by the store in the same transaction that writes.

use crate::table::Table;
use chrono::NaiveDate;
use jenjang_core::kinds::Potential;
use jenjang_core::reference::{CompetencyRecord, Employee};
use jenjang_core::{Code, Level, Nip};
use serde::Serialize;

/// One problem with one cell, as reported to the person who made the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub message: String,
}

struct RowCheck<'a> {
    table: &'a Table,
    row: usize,
    cells: &'a [String],
    errors: &'a mut Vec<RowError>,
    ok: bool,
}

impl RowCheck<'_> {
    fn value(&self, column: &str) -> &str {
        self.table.cell(self.cells, column)
    }

    fn fail(&mut self, column: &str, message: String) {
        let value = self.value(column).to_string();
        self.errors.push(RowError {
            row: self.row,
            column: column.to_string(),
            value,
            message,
        });
        self.ok = false;
    }

    fn required<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.value(column).to_string();
        if raw.is_empty() {
            self.fail(column, format!("{column} is required"));
            return None;
        }
        match parse(&raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(column, e.to_string());
                None
            }
        }
    }

    fn optional<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.value(column).is_empty() {
            return None;
        }
        self.required(column, parse)
    }
}

/// Parses an `employees` file: `nip, nama, jabatan, unit, atasan_nip, potensial`.
pub fn parse_employees(table: &Table) -> (Vec<(usize, Employee)>, Vec<RowError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck {
            table,
            row: *row,
            cells,
            errors: &mut errors,
            ok: true,
        };
        let nip = c.required("nip", Nip::parse);
        let name = c.required("nama", |s| Ok::<_, String>(s.to_string()));
        let position = c.optional("jabatan", Code::parse);
        let unit = c.required("unit", Code::parse);
        let supervisor = c.optional("atasan_nip", Nip::parse);
        let potential = c.optional("potensial", |s| s.to_lowercase().parse::<Potential>());
        if c.ok
            && let (Some(nip), Some(name), Some(unit)) = (nip, name, unit)
        {
            out.push((
                *row,
                Employee {
                    nip,
                    name,
                    position,
                    unit,
                    supervisor_nip: supervisor,
                    potential,
                },
            ));
        }
    }
    (out, errors)
}

/// Parses an `assessments` file: `nip, kompetensi, level, sumber, tanggal`.
pub fn parse_assessments(table: &Table) -> (Vec<(usize, Nip, CompetencyRecord)>, Vec<RowError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in &table.rows {
        let mut c = RowCheck {
            table,
            row: *row,
            cells,
            errors: &mut errors,
            ok: true,
        };
        let nip = c.required("nip", Nip::parse);
        let competency = c.required("kompetensi", Code::parse);
        let level = c.required("level", |s| {
            s.parse::<i64>()
                .map_err(|_| format!("a level is a whole number from 1 to 5; found {s}"))
                .and_then(|v| Level::new(v).map_err(|e| e.to_string()))
        });
        let source = c.value("sumber").to_string();
        let date = c.required("tanggal", |s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| format!("a date is written YYYY-MM-DD; found {s}"))
        });
        if c.ok
            && let (Some(nip), Some(competency), Some(level), Some(assessed_on)) =
                (nip, competency, level, date)
        {
            let source = if source.is_empty() {
                "assessment".to_string()
            } else {
                source
            };
            out.push((
                *row,
                nip,
                CompetencyRecord {
                    competency,
                    level,
                    source,
                    assessed_on,
                },
            ));
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_csv;

    #[test]
    fn every_bad_cell_is_reported_with_its_row_and_column() {
        let t = read_csv(
            b"nip,nama,jabatan,unit,atasan_nip,potensial\n\
              198503122010011002,Siti,STAF,DINKES,,tinggi\n\
              1985031220100110,Budi,,DINKES,,luar biasa\n",
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
        )
        .unwrap();
        let (ok, errors) = parse_assessments(&t);
        assert_eq!(ok.len(), 1);
        let cols: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["level", "tanggal"]);
    }
}
