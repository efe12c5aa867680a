//! Adversarial workbooks against the bounded reader, in a test binary of its own so that a
//! counting allocator can measure how much memory each one makes the reader take.

use jenjang_import::{Limit, Limits, TableError, read_table};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;
use common::{inline, sheet, workbook};

/// The system allocator, counting the bytes live now and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Reads `bytes` and answers the result with the most memory the reading took.
fn measured(bytes: &[u8], limits: &Limits) -> (Result<usize, TableError>, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = read_table(bytes, limits).map(|t| t.rows.len());
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    (result, peak)
}

fn too_large(result: &Result<usize, TableError>) -> Option<Limit> {
    match result {
        Err(TableError::TooLarge { limit, .. }) => Some(*limit),
        _ => None,
    }
}

const MIB: usize = 1024 * 1024;

/// Every adversarial workbook is refused (or read) within a few megabytes, whatever it declares
/// or inflates to; the ordinary one is read.
#[test]
fn adversarial_workbooks_are_refused_within_a_memory_bound() {
    let defaults = Limits::default();
    let header = format!(
        "<row r=\"1\">{}{}</row>",
        inline("A1", "nip"),
        inline("B1", "nama")
    );

    // An ordinary sheet that declares the whole grid as its used range: read, rows as written.
    let ordinary = workbook(
        &sheet(
            "A1:XFD1048576",
            &format!(
                "{header}<row r=\"2\">{}{}</row>",
                inline("A2", "198503122010011002"),
                inline("B2", "Siti")
            ),
        ),
        None,
    );
    let (result, peak) = measured(&ordinary, &defaults);
    assert_eq!(result.unwrap(), 1);
    assert!(peak > 0 && peak < 8 * MIB, "ordinary: {peak} bytes");

    // The last cell of the grid (the 1.5 KB file that used to abort the server).
    let corner = workbook(
        &sheet(
            "A1:XFD1048576",
            &format!(
                "{header}<row r=\"1048576\">{}</row>",
                inline("XFD1048576", "x")
            ),
        ),
        None,
    );
    assert!(corner.len() < 4096);
    let (result, peak) = measured(&corner, &defaults);
    assert_eq!(too_large(&result), Some(Limit::Columns), "{result:?}");
    assert!(peak < 8 * MIB, "corner: {peak} bytes");

    // The last row, first column: past the row limit.
    let bottom = workbook(
        &sheet(
            "A1:A1048576",
            &format!(
                "{header}<row r=\"1048576\">{}</row>",
                inline("A1048576", "x")
            ),
        ),
        None,
    );
    let (result, peak) = measured(&bottom, &defaults);
    assert_eq!(too_large(&result), Some(Limit::Rows), "{result:?}");
    assert!(peak < 8 * MIB, "bottom: {peak} bytes");

    // A part that inflates far past the limit (blank space compresses ~1000:1).
    let small = Limits {
        max_inflated_bytes: 4 * MIB as u64,
        ..defaults
    };
    let mut padded = sheet("A1:B2", &header);
    padded.extend(std::iter::repeat_n(b' ', 32 * MIB));
    let bomb = workbook(&padded, None);
    assert!(bomb.len() < 512 * 1024, "{} bytes", bomb.len());
    let (result, peak) = measured(&bomb, &small);
    assert_eq!(too_large(&result), Some(Limit::InflatedBytes), "{result:?}");
    assert!(peak < 8 * MIB, "inflation bomb: {peak} bytes");

    // A shared-strings part of millions of empty strings.
    let mut strings = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    strings.push_str(&"<si><t></t></si>".repeat(2_000_000));
    strings.push_str("</sst>");
    let strings_bomb = workbook(&sheet("A1:B1", &header), Some(strings.as_bytes()));
    drop(strings);
    let (result, peak) = measured(&strings_bomb, &small);
    assert_eq!(too_large(&result), Some(Limit::InflatedBytes), "{result:?}");
    assert!(peak < 8 * MIB, "shared-string bomb: {peak} bytes");

    // Elements nested a hundred thousand deep inside a cell.
    let deep = workbook(
        &sheet(
            "A1:B1",
            &format!(
                "{header}<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is>{}x{}</is></c></row>",
                "<t>".repeat(100_000),
                "</t>".repeat(100_000)
            ),
        ),
        None,
    );
    let (_, peak) = measured(&deep, &defaults);
    assert!(peak < 16 * MIB, "deep nesting: {peak} bytes");

    // Many cells each far apart: counted by what is kept, not by the range they span.
    let mut sparse = header.clone();
    for r in 2..2_000 {
        sparse.push_str(&format!(
            "<row r=\"{}\">{}</row>",
            r * 100,
            inline(&format!("IV{}", r * 100), "x")
        ));
    }
    let sparse_book = workbook(&sheet("A1:IV200000", &sparse), None);
    let cells = Limits {
        max_cells: 100_000,
        ..defaults
    };
    let (result, peak) = measured(&sparse_book, &cells);
    assert_eq!(too_large(&result), Some(Limit::Cells), "{result:?}");
    assert!(peak < 16 * MIB, "sparse: {peak} bytes");
}

/// A CSV file is held to the same bounds: rows, columns and the length of one field.
#[test]
fn csv_files_are_held_to_the_same_bounds() {
    let limits = Limits {
        max_rows: 3,
        max_columns: 4,
        max_field_bytes: 16,
        ..Limits::default()
    };
    let rows = "nip,nama\n1,a\n2,b\n3,c\n4,d\n";
    assert_eq!(
        too_large(&read_table(rows.as_bytes(), &limits).map(|t| t.rows.len())),
        Some(Limit::Rows)
    );
    let wide = "nip,nama\n1,a,b,c,d,e\n";
    assert_eq!(
        too_large(&read_table(wide.as_bytes(), &limits).map(|t| t.rows.len())),
        Some(Limit::Columns)
    );
    let long = format!("nip,nama\n1,{}\n", "x".repeat(17));
    let err = read_table(long.as_bytes(), &limits).unwrap_err();
    assert_eq!(too_large(&Err(err.clone())), Some(Limit::FieldBytes));
    assert_eq!(
        err.to_string(),
        "the file has more than 16 bytes in one cell (at row 2); split it into smaller files or raise JENJANG_IMPORT_MAX_FIELD_BYTES"
    );
    assert_eq!(
        read_table(b"nip,nama\n1,a\n2,b\n3,c\n", &limits)
            .unwrap()
            .rows
            .len(),
        3
    );
}
