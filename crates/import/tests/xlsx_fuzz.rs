//! Arbitrary workbooks: cells anywhere in the grid, any declared range, shared-string indexes
//! in and out of range, stray markup. Reading answers a table within the limits or an error,
//! never a panic.

mod common;

use common::{inline, sheet, workbook};
use jenjang_import::{Limits, read_table};
use proptest::prelude::*;

fn column_name(mut c: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

#[derive(Debug, Clone)]
enum Value {
    Inline(String),
    Shared(i64),
    Number(f64),
    Junk(String),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[ -~]{0,12}".prop_map(Value::Inline),
        (-2i64..40).prop_map(Value::Shared),
        any::<f64>().prop_map(Value::Number),
        "[<>/a-z\"= ]{0,16}".prop_map(Value::Junk),
    ]
}

fn cell_xml(row: u32, col: u32, v: &Value) -> String {
    let at = format!("{}{}", column_name(col), row);
    match v {
        Value::Inline(t) => inline(&at, &t.replace('<', "&lt;").replace('&', "&amp;")),
        Value::Shared(i) => format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#),
        Value::Number(n) => format!(r#"<c r="{at}"><v>{n}</v></c>"#),
        Value::Junk(j) => format!(r#"<c r="{at}">{j}</c>"#),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_workbooks_are_read_within_the_limits_or_refused(
        cells in prop::collection::vec((1u32..=1_048_576, 0u32..16_384, value()), 0..40),
        near in prop::collection::vec((1u32..=30, 0u32..12, value()), 0..40),
        dimension in prop_oneof![Just("A1:XFD1048576".to_string()), "[A-Z]{1,3}[0-9]{1,7}(:[A-Z]{1,3}[0-9]{1,7})?"],
        strings in prop::option::of(prop::collection::vec("[a-z]{0,6}", 0..20)),
    ) {
        let mut by_row: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
        for (row, col, v) in cells.iter().chain(near.iter()) {
            by_row.entry(*row).or_default().push(cell_xml(*row, *col, v));
        }
        let rows: String = by_row
            .iter()
            .map(|(r, cells)| format!("<row r=\"{r}\">{}</row>", cells.concat()))
            .collect();
        let shared = strings.map(|list| {
            let items: String = list.iter().map(|s| format!("<si><t>{s}</t></si>")).collect();
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>"#)
        });
        let book = workbook(&sheet(&dimension, &rows), shared.as_deref().map(str::as_bytes));
        let limits = Limits {
            max_rows: 1_000,
            max_columns: 50,
            max_cells: 5_000,
            ..Limits::default()
        };
        if let Ok(table) = read_table(&book, &limits) {
            prop_assert!(table.rows.len() <= limits.max_rows);
            let kept: usize = table.rows.iter().map(|(_, c)| c.len()).sum();
            prop_assert!(kept <= limits.max_cells);
            prop_assert!(table.rows.iter().all(|(_, c)| c.len() <= limits.max_columns));
        }
    }
}
