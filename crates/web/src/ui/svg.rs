//! Charts drawn on the server as inline SVG (no script): bars, the JP progress bar, the unit by
//! competency heat map, the ADKAR funnel.

#[allow(unused_imports)]
use super::*;
use jenjang_app::analysis::HeatRow;

/// A horizontal bar (SVG, drawn here): `segments` as shares of the full width (0..1), drawn
/// over each other in order, and an optional marker line at a share (a target).
pub(super) fn bar(segments: &[(f64, &str)], marker: Option<f64>, label: &str) -> String {
    let mut svg = format!(
        "<svg class=\"bar\" viewBox=\"0 0 300 24\" width=\"100%\" height=\"24\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"300\" height=\"24\" fill=\"#e8ecef\"/>",
        xml(label)
    );
    for (share, color) in segments {
        svg.push_str(&format!(
            "<rect width=\"{:.0}\" height=\"24\" fill=\"{color}\"/>",
            share.clamp(0.0, 1.0) * 300.0
        ));
    }
    if let Some(m) = marker {
        let x = (m.clamp(0.0, 1.0) * 300.0).round();
        svg.push_str(&format!(
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"24\" stroke=\"#b03a2e\" stroke-width=\"2\"/>"
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// JP progress: completed over planned, against the target.
pub(super) fn jp_chart(completed: u64, planned: u64, target: u64, lang: Lang) -> String {
    let scale = target.max(planned).max(completed).max(1) as f64;
    bar(
        &[
            (planned as f64 / scale, "#9cc3e6"),
            (completed as f64 / scale, "#1f6fb2"),
        ],
        Some(target as f64 / scale),
        &format!(
            "{completed} {} / {planned} {} / {target} {}",
            lang.text("jp_completed"),
            lang.text("jp_planned"),
            lang.text("jp_target")
        ),
    )
}

/// The gap heat map: one row per unit, one column per competency, each cell the share of the
/// unit's employees with a gap in it, darker for more (SVG, drawn here).
pub(super) fn heat_map(rows: &[&HeatRow], columns: &[String], lang: Lang) -> String {
    const LABEL: f64 = 150.0;
    const CELL_W: f64 = 56.0;
    const CELL_H: f64 = 26.0;
    const HEAD: f64 = 64.0;
    let width = LABEL + CELL_W * columns.len() as f64 + 40.0;
    let height = HEAD + CELL_H * rows.len() as f64;
    let label = lang
        .text("heat_map_label")
        .replace("{units}", &rows.len().to_string())
        .replace("{competencies}", &columns.len().to_string());
    let mut svg = format!(
        "<svg class=\"heat\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        xml(&label)
    );
    for (j, c) in columns.iter().enumerate() {
        // Slanted, so long codes do not run into each other.
        let x = LABEL + CELL_W * j as f64 + CELL_W / 3.0;
        let y = HEAD - 6.0;
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" transform=\"rotate(-30 {x} {y})\">{}</text>",
            xml(c)
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        let (unit, employees) = (&row.unit, row.employees);
        let y = HEAD + CELL_H * i as f64;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + 17.0,
            xml(unit)
        ));
        for (j, c) in columns.iter().enumerate() {
            let with_gap = row.with_gap_in(c);
            let share = if employees == 0 {
                0.0
            } else {
                with_gap as f64 / employees as f64
            };
            let x = LABEL + CELL_W * j as f64;
            // From pale (no gap) to deep red (everyone has the gap).
            let (r, g, b) = (
                255.0 - 79.0 * share,
                245.0 - 187.0 * share,
                240.0 - 194.0 * share,
            );
            let ink = if share > 0.55 { "#fff" } else { "#1d2329" };
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"rgb({r:.0},{g:.0},{b:.0})\" stroke=\"#fff\">\
                 <title>{} · {}: {with_gap}/{employees}</title></rect>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{:.0}%</text>",
                CELL_W,
                CELL_H,
                xml(unit),
                xml(c),
                x + CELL_W / 2.0,
                y + 17.0,
                share * 100.0
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Text for SVG drawn here (codes and labels are plain, but never trusted).
pub(super) fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) const STAGES: [&str; 5] = [
    "awareness",
    "desire",
    "knowledge",
    "ability",
    "reinforcement",
];

/// The ADKAR funnel as horizontal bars: how many of the targets reached each element (SVG).
pub(super) fn funnel(
    by_stage: &std::collections::BTreeMap<&str, u64>,
    targets: u64,
    lang: Lang,
    small: bool,
) -> String {
    let (bar_h, label_w, width) = if small {
        (6.0, 0.0, 120.0)
    } else {
        (24.0, 130.0, 520.0)
    };
    let gap = if small { 1.0 } else { 6.0 };
    let height = STAGES.len() as f64 * (bar_h + gap);
    let stages = &lang.messages()["stages"];
    // The whole funnel in words, for those who do not see the bars.
    let label = STAGES
        .iter()
        .map(|stage| {
            let reached = by_stage.get(stage).copied().unwrap_or(0);
            format!(
                "{} {reached}/{targets}",
                stages[*stage].as_str().unwrap_or(stage)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        "<svg class=\"funnel\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        xml(&label)
    );
    for (i, stage) in STAGES.iter().enumerate() {
        let reached = by_stage.get(stage).copied().unwrap_or(0);
        let share = if targets == 0 {
            0.0
        } else {
            reached as f64 / targets as f64
        };
        let y = i as f64 * (bar_h + gap);
        let w = ((width - label_w - if small { 0.0 } else { 80.0 }) * share).max(0.0);
        let name = stages[*stage].as_str().unwrap_or(stage);
        svg.push_str(&format!(
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#1f6fb2\"><title>{}: {reached}/{targets}</title></rect>",
            xml(name)
        ));
        if !small {
            svg.push_str(&format!(
                "<text x=\"0\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\">{reached} ({:.0}%)</text>",
                y + 16.0,
                xml(name),
                label_w + w + 6.0,
                y + 16.0,
                share * 100.0
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One period of an indicator's chart: its label, target, and realisation with whether it
/// falls short.
pub(super) type ChartPoint = (String, f64, Option<(f64, bool)>);

/// One indicator's periods as columns: the target as a light bar, the realisation beside it
/// (red where it falls short), the period under each pair (SVG, drawn here).
pub(super) fn indicator_chart(points: &[ChartPoint], label: &str) -> String {
    const W: f64 = 60.0;
    const H: f64 = 120.0;
    const FOOT: f64 = 18.0;
    let top = points
        .iter()
        .flat_map(|(_, t, r)| [Some(*t), r.map(|(v, _)| v)])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let width = W * points.len().max(1) as f64;
    let mut svg = format!(
        "<svg class=\"indicator\" viewBox=\"0 0 {width} {}\" width=\"100%\" style=\"max-width:{width}px\" role=\"img\" aria-label=\"{}\">",
        H + FOOT,
        xml(label)
    );
    for (i, (period, target, realised)) in points.iter().enumerate() {
        let x = i as f64 * W;
        let th = (target / top * (H - 4.0)).max(0.0);
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"20\" height=\"{th:.1}\" fill=\"#c9d6e0\"/>",
            x + 8.0,
            H - th
        ));
        if let Some((value, short)) = realised {
            let rh = (value / top * (H - 4.0)).max(0.0);
            let colour = if *short { "#b03a2e" } else { "#1f6fb2" };
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"20\" height=\"{rh:.1}\" fill=\"{colour}\"/>",
                x + 30.0,
                H - rh
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x + W / 2.0,
            H + 13.0,
            xml(period)
        ));
    }
    svg.push_str("</svg>");
    svg
}
