//! A file as a header and rows of text cells.

use std::collections::HashMap;

/// The cells of a file. `rows[i].0` is the 1-based row number in the file (header = row 1).
#[derive(Debug, Clone)]
pub struct Table {
    headers: HashMap<String, usize>,
    pub rows: Vec<(usize, Vec<String>)>,
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
}

fn normalise(header: &str) -> String {
    header.trim().to_lowercase()
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
    let mut headers = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let name =
            normalise(std::str::from_utf8(cell).map_err(|_| TableError::Encoding { row: 1 })?);
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
    Ok(Table { headers, rows })
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
