//! jenjang-import: reading the spreadsheets HR already has into core types, with an error for
//! every bad cell that names its row (the header is row 1), column, value and what was expected.
//!
//! CSV: comma or semicolon (detected from the header line), UTF-8 with or without BOM, CRLF or
//! LF, quoted fields; header names matched case-insensitively with surrounding spaces ignored.
#![forbid(unsafe_code)]

mod rows;
mod table;

pub use rows::{RowError, parse_assessments, parse_employees};
pub use table::{Table, TableError, read_csv};
