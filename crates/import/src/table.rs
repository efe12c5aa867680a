//! A file as a header and rows of text cells.

use std::collections::{HashMap, HashSet};

/// The cells of a file. `rows[i].0` is the 1-based row number in the file (header = row 1).
#[derive(Debug, Clone)]
pub struct Table {
    headers: HashMap<String, usize>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// Cells (row number, column index) that Excel stored as numbers too long to keep every
    /// digit (an 18-digit NIP typed into a General cell).
    imprecise: HashSet<(usize, usize)>,
}

/// How much work one file may cause. A spreadsheet is untrusted input: a 1.5 KB workbook can
/// declare a used range of a million rows by sixteen thousand columns, and a small zip can
/// inflate to gigabytes, so every reader counts what it takes in and stops at these bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows after the header.
    pub max_rows: usize,
    /// Columns of any row (up to its last non-empty cell).
    pub max_columns: usize,
    /// Cells kept for the whole file (each row counted up to its last non-empty cell).
    pub max_cells: usize,
    /// The text of one cell, in bytes.
    pub max_field_bytes: usize,
    /// The bytes an XLSX workbook inflates to, all its parts together.
    pub max_inflated_bytes: u64,
    /// The parts of an XLSX workbook.
    pub max_parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 200_000,
            max_columns: 256,
            max_cells: 4_000_000,
            max_field_bytes: 32 * 1024,
            max_inflated_bytes: 128 * 1024 * 1024,
            max_parts: 1_000,
        }
    }
}

impl Limits {
    /// Bounds for files the operator supplies (seed folders, generated datasets): only what
    /// keeps a mistake from exhausting memory.
    pub fn trusted() -> Self {
        Limits {
            max_rows: 50_000_000,
            max_columns: 1_024,
            max_cells: 500_000_000,
            max_field_bytes: 1024 * 1024,
            max_inflated_bytes: 8 * 1024 * 1024 * 1024,
            max_parts: 10_000,
        }
    }
}

/// Which bound a file went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Rows,
    Columns,
    Cells,
    FieldBytes,
    InflatedBytes,
    Parts,
}

impl Limit {
    /// The name of the setting that raises this bound.
    pub fn setting(self) -> &'static str {
        match self {
            Limit::Rows => "JENJANG_IMPORT_MAX_ROWS",
            Limit::Columns => "JENJANG_IMPORT_MAX_COLUMNS",
            Limit::Cells => "JENJANG_IMPORT_MAX_CELLS",
            Limit::FieldBytes => "JENJANG_IMPORT_MAX_FIELD_BYTES",
            Limit::InflatedBytes => "JENJANG_IMPORT_MAX_INFLATED_BYTES",
            Limit::Parts => "JENJANG_IMPORT_MAX_PARTS",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::Rows => "rows",
            Limit::Columns => "columns",
            Limit::Cells => "cells",
            Limit::FieldBytes => "bytes in one cell",
            Limit::InflatedBytes => "bytes unpacked",
            Limit::Parts => "parts in the workbook",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("the file is empty; the first row must name the columns")]
    Empty,
    #[error("the file is not valid UTF-8 text (row {row}); save it as CSV UTF-8")]
    Encoding { row: usize },
    #[error("the file could not be read as CSV at row {row}: {message}")]
    Malformed { row: usize, message: String },
    #[error("the column {column} appears twice in the header")]
    DuplicateColumn { column: String },
    #[error("missing column(s): {0}")]
    MissingColumns(String),
    #[error("the file is not a readable XLSX workbook: {0}")]
    Xlsx(String),
    #[error(
        "the file has more than {max} {limit} (at row {row}); split it into smaller files or raise {setting}",
        setting = limit.setting()
    )]
    TooLarge { limit: Limit, max: u64, row: usize },
}

fn normalise(header: &str) -> String {
    header.trim().to_lowercase()
}

/// The column of each header name (normalised); a name given twice, or no name at all, is an
/// error.
fn column_index<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, usize>, TableError> {
    let mut headers = HashMap::new();
    for (i, cell) in names.into_iter().enumerate() {
        let name = normalise(cell);
        if name.is_empty() {
            continue;
        }
        if headers.insert(name.clone(), i).is_some() {
            return Err(TableError::DuplicateColumn { column: name });
        }
    }
    if headers.is_empty() {
        return Err(TableError::Empty);
    }
    Ok(headers)
}

/// Reads CSV bytes into a table. Blank lines are skipped (they keep their row numbers).
pub fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    let mut chunks = CsvChunks::new(bytes, limits, usize::MAX)?;
    let table = chunks.next().transpose()?;
    Ok(table.unwrap_or_else(|| chunks.table(Vec::new())))
}

/// A CSV file read a number of rows at a time, each chunk a [`Table`] with the file's header
/// and the file's row numbers, so that a file of millions of rows is never held as cells all at
/// once. The limits count the whole file, as [`read_csv`] does.
pub struct CsvChunks<'a> {
    bytes: &'a [u8],
    records: csv::ByteRecordsIntoIter<&'a [u8]>,
    headers: HashMap<String, usize>,
    limits: Limits,
    rows: usize,
    cells: usize,
    row: usize,
    rows_per_chunk: usize,
    failed: bool,
}

impl<'a> CsvChunks<'a> {
    /// Reads the header; fails as [`read_csv`] does for an empty file or a bad header.
    pub fn new(
        bytes: &'a [u8],
        limits: &Limits,
        rows_per_chunk: usize,
    ) -> Result<Self, TableError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        // The delimiter is whichever of ';' and ',' the header uses more (Excel in an Indonesian
        // locale writes ';').
        let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
        let delimiter = if count(b';') > count(b',') {
            b';'
        } else {
            b','
        };
        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .into_byte_records();
        let header = match records.next() {
            None => return Err(TableError::Empty),
            Some(r) => r.map_err(|e| malformed(1, e))?,
        };
        let names = header
            .iter()
            .map(|cell| std::str::from_utf8(cell).map_err(|_| TableError::Encoding { row: 1 }))
            .collect::<Result<Vec<_>, _>>()?;
        let headers = column_index(names)?;
        let mut chunks = CsvChunks {
            bytes,
            records,
            headers,
            limits: *limits,
            rows: 0,
            cells: 0,
            row: 1,
            rows_per_chunk: rows_per_chunk.max(1),
            failed: false,
        };
        chunks.count_row(1, header.len())?;
        Ok(chunks)
    }

    /// A table of these rows under the file's header.
    fn table(&self, rows: Vec<(usize, Vec<String>)>) -> Table {
        Table {
            headers: self.headers.clone(),
            rows,
            imprecise: HashSet::new(),
        }
    }

    /// Counts a row of `width` cells against the limits (the header counts for cells only).
    fn count_row(&mut self, row: usize, width: usize) -> Result<(), TableError> {
        let mut budget = Budget {
            limits: &self.limits,
            rows: self.rows,
            cells: self.cells,
        };
        budget.row(row, width)?;
        (self.rows, self.cells) = (budget.rows, budget.cells);
        Ok(())
    }

    /// The next row with its cells, `None` at the end of the file.
    fn next_row(&mut self) -> Option<Result<(usize, Vec<String>), TableError>> {
        let bytes = self.bytes;
        for record in self.records.by_ref() {
            let record = match record {
                Ok(r) => r,
                Err(e) => return Some(Err(malformed(self.row + 1, e))),
            };
            // Row numbers as a spreadsheet shows them: blank lines are rows too (the csv reader
            // skips them, so they are counted from the bytes before each record), and a quoted
            // cell spanning several lines is still one row.
            let mut start = record
                .position()
                .map_or(0, |p| p.byte() as usize)
                .min(bytes.len());
            // After a CRLF-terminated record the reader stops between '\r' and '\n'.
            if start > 0 && bytes[start - 1] == b'\r' && bytes.get(start) == Some(&b'\n') {
                start += 1;
            }
            let blank_lines = bytes[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|b| **b == b'\n')
                .count();
            self.row += 1 + blank_lines;
            let row = self.row;
            if record.iter().any(|c| c.len() > self.limits.max_field_bytes) {
                return Some(Err(too_large(
                    Limit::FieldBytes,
                    self.limits.max_field_bytes,
                    row,
                )));
            }
            let cells = match record
                .iter()
                .map(|c| std::str::from_utf8(c).map(|s| s.trim().to_string()))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(cells) => cells,
                Err(_) => return Some(Err(TableError::Encoding { row })),
            };
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            if let Err(e) = self.count_row(row, cells.len()) {
                return Some(Err(e));
            }
            return Some(Ok((row, cells)));
        }
        None
    }
}

impl Iterator for CsvChunks<'_> {
    type Item = Result<Table, TableError>;

    /// The next chunk of at most `rows_per_chunk` rows; after an error, nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut rows = Vec::new();
        while rows.len() < self.rows_per_chunk {
            match self.next_row() {
                None => break,
                Some(Ok(row)) => rows.push(row),
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        if rows.is_empty() {
            None
        } else {
            Some(Ok(self.table(rows)))
        }
    }
}

/// Reads CSV or XLSX: an XLSX file is a zip archive and starts with `PK`.
pub fn read_table(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, limits)
    } else {
        read_csv(bytes, limits)
    }
}

fn too_large(limit: Limit, max: impl TryInto<u64>, row: usize) -> TableError {
    TableError::TooLarge {
        limit,
        max: max.try_into().unwrap_or(u64::MAX),
        row,
    }
}

/// Counts the rows and cells a reader keeps against the limits.
struct Budget<'a> {
    limits: &'a Limits,
    rows: usize,
    cells: usize,
}

impl<'a> Budget<'a> {
    fn new(limits: &'a Limits) -> Self {
        Budget {
            limits,
            rows: 0,
            cells: 0,
        }
    }

    /// Takes a row of `width` cells (the header counts for cells, not rows).
    fn row(&mut self, row: usize, width: usize) -> Result<(), TableError> {
        let l = self.limits;
        if width > l.max_columns {
            return Err(too_large(Limit::Columns, l.max_columns, row));
        }
        if row > 1 {
            self.rows += 1;
            if self.rows > l.max_rows {
                return Err(too_large(Limit::Rows, l.max_rows, row));
            }
        }
        self.cells += width;
        if self.cells > l.max_cells {
            return Err(too_large(Limit::Cells, l.max_cells, row));
        }
        Ok(())
    }
}

/// Inflates every part of the archive into nothing, counting: refuses a workbook whose parts
/// together unpack to more than the limit before any of them is parsed (a zip's declared sizes
/// can lie, so the bytes are counted as they come).
fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), TableError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| TableError::Xlsx(e.to_string()))?;
    if archive.len() > limits.max_parts {
        return Err(too_large(Limit::Parts, limits.max_parts, 0));
    }
    let mut left = limits.max_inflated_bytes;
    for i in 0..archive.len() {
        let part = archive
            .by_index(i)
            .map_err(|e| TableError::Xlsx(e.to_string()))?;
        let read = std::io::copy(
            &mut std::io::Read::take(part, left.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| TableError::Xlsx(e.to_string()))?;
        if read > left {
            return Err(too_large(
                Limit::InflatedBytes,
                limits.max_inflated_bytes,
                0,
            ));
        }
        left -= read;
    }
    Ok(())
}

/// Reads the first sheet of an XLSX workbook. Cells become text as a person sees them: whole
/// numbers without a decimal point, dates as YYYY-MM-DD. Row numbers are the sheet's.
///
/// The sheet is streamed cell by cell: nothing is sized by the range the sheet declares, empty
/// cells cost nothing, and the limits are checked as cells arrive.
///
/// The workbook parser is a dependency reading untrusted bytes; should it panic on a workbook
/// whose parts contradict each other (a used range ending before it starts, say), that is
/// answered as a damaged file rather than taking the request, or a command, down with it.
pub fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_xlsx_sheet(bytes, limits)
    }))
    .unwrap_or_else(|_| {
        Err(TableError::Xlsx(
            "the workbook is damaged: its parts contradict each other".into(),
        ))
    })
}

fn read_xlsx_sheet(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    use calamine::{DataRef, Reader, Xlsx};
    use std::collections::BTreeMap;
    check_archive(bytes, limits)?;
    let xlsx_error = |e: calamine::XlsxError| TableError::Xlsx(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(xlsx_error)?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(TableError::Empty);
    };
    let mut reader = book.worksheet_cells_reader(&first).map_err(xlsx_error)?;
    // Non-empty cells by (0-based) row, each row's cells in arrival order.
    let mut sheet: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut imprecise = HashSet::new();
    let mut kept = 0usize;
    while let Some(cell) = reader.next_cell().map_err(xlsx_error)? {
        let (r, c) = cell.get_position();
        let row = r as usize + 1;
        let text = match cell.get_value() {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                s.trim().to_string()
            }
            DataRef::SharedString(s) => s.trim().to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => {
                if f.abs() >= 1e15 {
                    imprecise.insert((row, c as usize));
                }
                f.to_string()
            }
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => {
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{day:02}")
            }
            DataRef::Error(e) => format!("#{e:?}"),
            DataRef::Empty => String::new(),
        };
        if text.is_empty() {
            continue;
        }
        if text.len() > limits.max_field_bytes {
            return Err(too_large(Limit::FieldBytes, limits.max_field_bytes, row));
        }
        if c as usize >= limits.max_columns {
            return Err(too_large(Limit::Columns, limits.max_columns, row));
        }
        if r as usize > limits.max_rows {
            return Err(too_large(Limit::Rows, limits.max_rows, row));
        }
        kept += 1;
        if kept > limits.max_cells {
            return Err(too_large(Limit::Cells, limits.max_cells, row));
        }
        sheet.entry(r).or_default().push((c, text));
    }
    drop(reader);
    let mut budget = Budget::new(limits);
    let mut lines = Vec::with_capacity(sheet.len());
    for (r, cells) in sheet {
        let row = r as usize + 1;
        let width = cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        budget.row(row, width)?;
        let mut text = vec![String::new(); width];
        for (c, value) in cells {
            text[c as usize] = value;
        }
        lines.push((row, text));
    }
    let mut lines = lines.into_iter();
    let Some((_, header)) = lines.next() else {
        return Err(TableError::Empty);
    };
    let headers = column_index(header.iter().map(String::as_str))?;
    Ok(Table {
        headers,
        rows: lines.collect(),
        imprecise,
    })
}

fn malformed(row: usize, e: csv::Error) -> TableError {
    TableError::Malformed {
        row,
        message: e.to_string(),
    }
}

impl Table {
    /// Fails naming every required column the header lacks.
    pub fn require(&self, columns: &[&str]) -> Result<(), TableError> {
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !self.headers.contains_key(*c))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(TableError::MissingColumns(missing.join(", ")))
        }
    }

    /// Whether Excel stored this cell as a number too long to keep all its digits.
    pub fn is_imprecise(&self, row: usize, column: &str) -> bool {
        self.headers
            .get(column)
            .is_some_and(|c| self.imprecise.contains(&(row, *c)))
    }

    /// The header's column names, in the file's order.
    pub fn columns(&self) -> Vec<&str> {
        let mut columns: Vec<(&str, usize)> =
            self.headers.iter().map(|(n, i)| (n.as_str(), *i)).collect();
        columns.sort_by_key(|(_, i)| *i);
        columns.into_iter().map(|(n, _)| n).collect()
    }

    pub fn has(&self, column: &str) -> bool {
        self.headers.contains_key(column)
    }

    /// The trimmed cell of `column` in a row ("" when the column or cell is absent).
    pub fn cell<'a>(&self, cells: &'a [String], column: &str) -> &'a str {
        self.headers
            .get(column)
            .and_then(|i| cells.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_bom_crlf_and_header_case_are_handled() {
        let t = read_csv(b"\xEF\xBB\xBF NIP ;Nama\r\n\"198503122010011002\";\"Siti; S.Kom\"\r\n\r\n1;\"two\r\nlines\"\r\n5;6\r\n", &Limits::default()).unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(
            t.rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![2, 4, 5]
        );
        assert_eq!(t.rows[1].0, 4);
        assert_eq!(t.cell(&t.rows[0].1, "nip"), "198503122010011002");
        assert_eq!(t.cell(&t.rows[0].1, "nama"), "Siti; S.Kom");
    }

    #[test]
    fn missing_columns_are_named() {
        let t = read_csv(b"nip\n1\n", &Limits::default()).unwrap();
        assert_eq!(
            t.require(&["nip", "nama", "unit"]),
            Err(TableError::MissingColumns("nama, unit".into()))
        );
        assert_eq!(
            read_csv(b"", &Limits::default()).unwrap_err(),
            TableError::Empty
        );
    }

    #[test]
    fn chunks_keep_the_file_s_row_numbers_and_limits() {
        let file =
            b"\xEF\xBB\xBF NIP ;Nama\r\n1;a\r\n\r\n2;\"two\r\nlines\"\r\n3;c\r\n4;d\r\n5;e\r\n";
        let whole = read_csv(file, &Limits::default()).unwrap();
        let chunks: Vec<Table> = CsvChunks::new(file, &Limits::default(), 2)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            chunks.iter().map(|t| t.rows.len()).collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
        let rows: Vec<(usize, Vec<String>)> = chunks.iter().flat_map(|t| t.rows.clone()).collect();
        assert_eq!(rows, whole.rows);
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![2, 4, 5, 6, 7]
        );
        assert_eq!(chunks[0].cell(&chunks[0].rows[1].1, "nama"), "two\r\nlines");
        assert_eq!(chunks[1].cell(&chunks[1].rows[0].1, "nip"), "3");
        // The row limit counts the whole file, not one chunk: the fourth row is refused after
        // three chunks of one row each were handed out.
        let limits = Limits {
            max_rows: 3,
            ..Limits::default()
        };
        let mut chunks = CsvChunks::new(file, &limits, 1).unwrap();
        for _ in 0..3 {
            assert!(chunks.next().unwrap().is_ok());
        }
        assert_eq!(
            chunks.next().unwrap().unwrap_err(),
            TableError::TooLarge {
                limit: Limit::Rows,
                max: 3,
                row: 6
            }
        );
        assert!(chunks.next().is_none(), "nothing after an error");
        // A header without rows: no chunk, and `read_csv` gives an empty table.
        assert!(
            CsvChunks::new(b"nip\n", &Limits::default(), 10)
                .unwrap()
                .next()
                .is_none()
        );
        assert!(
            read_csv(b"nip\n", &Limits::default())
                .unwrap()
                .rows
                .is_empty()
        );
    }
}
