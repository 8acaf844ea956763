//! Shared text helpers: tables (text or markdown), histograms as sparklines,
//! and the escaping of text that came from files.
use std::fmt::Write;

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One line of block characters, one per bin, scaled to the largest bin.
pub fn sparkline(counts: &[u64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                LEVELS[0]
            } else {
                LEVELS[1 + ((c as f64 / max) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// `text` with every control character but newlines escaped (`\u{1b}`):
/// benchmark IDs and machine names come from files and may hold any text,
/// which must not reach a terminal raw.
pub fn printable(text: &str) -> String {
    text.split('\n')
        .map(|l| weightinit::results::escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A table: GitHub markdown, or text columns aligned to their widest cell.
pub fn table(md: bool, head: &[String], rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    if md {
        let _ = writeln!(s, "| {} |", head.join(" | "));
        let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
        for r in rows {
            let _ = writeln!(s, "| {} |", r.join(" | "));
        }
        return s;
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String]| {
        r.iter()
            .zip(&widths)
            .map(|(x, w)| format!("{x:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(s, "{}", line(head));
    for r in rows {
        let _ = writeln!(s, "{}", line(r).trim_end());
    }
    s
}

/// A share of a ceiling; above 1 the ceiling was measured in other weather
/// (criterion runs it minutes apart), so the cell reads "at ceiling".
pub fn share(f: f64) -> String {
    if f > 1.0 {
        "at ceiling".into()
    } else {
        format!("{:.0}%", 100.0 * f)
    }
}
