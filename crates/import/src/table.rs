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
pub fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
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
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(TableError::Empty),
        Some(r) => r.map_err(|e| malformed(1, e))?,
    };
    let names = header
        .iter()
        .map(|cell| std::str::from_utf8(cell).map_err(|_| TableError::Encoding { row: 1 }))
        .collect::<Result<Vec<_>, _>>()?;
    let headers = column_index(names)?;
    // Row numbers as a spreadsheet shows them: blank lines are rows too (the csv reader skips
    // them, so they are counted from the bytes before each record), and a quoted cell spanning
    // several lines is still one row.
    let mut rows = Vec::new();
    let mut row = 1;
    for record in records {
        let record = record.map_err(|e| malformed(row + 1, e))?;
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
        row += 1 + blank_lines;
        let cells = record
            .iter()
            .map(|c| std::str::from_utf8(c).map(|s| s.trim().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TableError::Encoding { row })?;
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((row, cells));
    }
    Ok(Table {
        headers,
        rows,
        imprecise: HashSet::new(),
    })
}

/// Reads CSV or XLSX: an XLSX file is a zip archive and starts with `PK`.
pub fn read_table(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// Reads the first sheet of an XLSX workbook. Cells become text as a person sees them: whole
/// numbers without a decimal point, dates as YYYY-MM-DD. Row numbers are the sheet's.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    use calamine::{Data, Reader, open_workbook_auto_from_rs};
    let mut book = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| TableError::Xlsx(e.to_string()))?;
    let range = match book.worksheet_range_at(0) {
        None => return Err(TableError::Empty),
        Some(r) => r.map_err(|e| TableError::Xlsx(e.to_string()))?,
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut imprecise = HashSet::new();
    let mut lines = range.rows().enumerate().map(|(i, cells)| {
        let row = first_row + i + 1;
        let text: Vec<String> = std::iter::repeat_n(String::new(), first_col)
            .chain(cells.iter().enumerate().map(|(c, cell)| match cell {
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    s.trim().to_string()
                }
                Data::Int(i) => i.to_string(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Float(f) => {
                    if f.abs() >= 1e15 {
                        imprecise.insert((row, first_col + c));
                    }
                    f.to_string()
                }
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => {
                    let (y, m, day, ..) = d.to_ymd_hms_milli();
                    format!("{y:04}-{m:02}-{day:02}")
                }
                Data::Error(e) => format!("#{e:?}"),
                Data::Empty => String::new(),
            }))
            .collect();
        (row, text)
    });
    let Some((_, header)) = lines.next() else {
        return Err(TableError::Empty);
    };
    let headers = column_index(header.iter().map(String::as_str))?;
    let rows = lines
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    Ok(Table {
        headers,
        rows,
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
        let t = read_csv(b"\xEF\xBB\xBF NIP ;Nama\r\n\"198503122010011002\";\"Siti; S.Kom\"\r\n\r\n1;\"two\r\nlines\"\r\n5;6\r\n").unwrap();
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
        let t = read_csv(b"nip\n1\n").unwrap();
        assert_eq!(
            t.require(&["nip", "nama", "unit"]),
            Err(TableError::MissingColumns("nama, unit".into()))
        );
        assert_eq!(read_csv(b"").unwrap_err(), TableError::Empty);
    }
}
