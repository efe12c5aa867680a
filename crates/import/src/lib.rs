//! jenjang-import: reading the spreadsheets HR already has into core types, with an error for
//! every bad cell that names its row (the header is row 1), column, value and what was expected.
//!
//! CSV: comma or semicolon (detected from the header line), UTF-8 with or without BOM, CRLF or
//! LF, quoted fields; XLSX: the first sheet, cells read as text (an 18-digit NIP that Excel kept
//! as a number has lost digits and is refused with that reason). Header names are matched
//! case-insensitively with surrounding spaces ignored.
#![forbid(unsafe_code)]

mod rows;
mod table;

pub use rows::{
    ASSESSMENT_COLUMNS, COHORT_RESULT_COLUMNS, CohortResultRow, EMPLOYEE_COLUMNS,
    EVALUATION_COLUMNS, IKI_REALISATION_COLUMNS, INDICATOR_REALISATION_COLUMNS, RealisationRow,
    RowError, STAGE_COLUMNS, office_number, parse_assessments, parse_cohort_results,
    parse_employees, parse_evaluations, parse_iki_realisations, parse_indicator_realisations,
    parse_stages,
};
pub use table::{CsvChunks, Limit, Limits, Table, TableError, read_csv, read_table, read_xlsx};

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever bytes arrive, reading and parsing answer with rows or errors, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(table) = read_table(&bytes, &Limits::default()) {
                let _ = parse_employees(&table);
                let _ = parse_assessments(&table);
                let _ = parse_evaluations(&table);
            }
        }

        /// Text that looks like a CSV with the right headers and arbitrary cells.
        #[test]
        fn arbitrary_cells_never_panic(cells in prop::collection::vec("[ -~;,\"\\n\\r]{0,24}", 0..40)) {
            let mut text = String::from("nip;nama;jabatan;unit;atasan_nip;potensial;periode;hasil_kerja;perilaku_kerja;predikat;kompetensi;level;tanggal\n");
            for (i, c) in cells.iter().enumerate() {
                text.push_str(c);
                text.push(if i % 13 == 12 { '\n' } else { ';' });
            }
            if let Ok(table) = read_table(text.as_bytes(), &Limits::default()) {
                let _ = parse_employees(&table);
                let _ = parse_assessments(&table);
                let _ = parse_evaluations(&table);
            }
        }

        /// Bytes that start like a zip (an XLSX) but are not one.
        #[test]
        fn broken_xlsx_is_an_error_not_a_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = read_table(&bytes, &Limits::default());
        }
    }
}
