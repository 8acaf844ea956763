//! `weightinit compare`: a regression check of one machine, or machines side by side.
use super::CliError;
use super::args::{CompareArgs, Format};
use super::plot;
use super::table::{printable, share, table};
use std::fmt::Write;
use weightinit::results::compare::{
    self, Cell, Comparison, SINGLE_RUN_ALLOWANCE_PCT, SuiteCheck, Verdict,
};
use weightinit::results::{self, ResultsFile, fmt_time};

pub fn run(a: CompareArgs) -> Result<u8, CliError> {
    if !(a.threshold.is_finite() && a.threshold >= 0.0) {
        return Err(CliError::usage(format!(
            "--threshold must be a finite percentage ≥ 0, got {}",
            a.threshold
        )));
    }
    let files = a
        .files
        .iter()
        .map(|p| results::load(p).map(|f| (p.clone(), f)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)?;
    if let Some(p) = &a.plot {
        let inputs: Vec<&std::path::Path> = a.files.iter().map(|p| p.as_path()).collect();
        weightinit::whole_file::check_not_input(p, &inputs)
            .and_then(|_| weightinit::whole_file::check_target(p).map(|_| ()))
            .map_err(|e| CliError::usage(format!("--plot `{}`: {e}", p.display())))?;
    }
    let cmp = compare::compare(&files, a.threshold, a.strict).map_err(CliError::usage)?;
    let text = match a.format {
        Format::Json => {
            serde_json::to_string_pretty(&cmp)
                .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
                + "\n"
        }
        f => {
            let loaded: Vec<&results::ResultsFile> = files.iter().map(|(_, f)| f).collect();
            printable(&render(&cmp, &loaded, f == Format::Markdown, a.summary))
        }
    };
    print!("{text}");
    if let Some(p) = &a.plot {
        plot::compare_chart(&cmp, p).map_err(CliError::usage)?;
    }
    Ok(if cmp.regressed() { 1 } else { 0 })
}

/// What the suite versions left out or could not check, before the tables.
pub(super) fn suite_note(suite: &SuiteCheck) -> String {
    let mut s = String::new();
    if !suite.left_out.is_empty() {
        let _ = writeln!(
            s,
            "left out {} benchmark{} whose definition differs between the files (another suite version):",
            suite.left_out.len(),
            if suite.left_out.len() == 1 { "" } else { "s" }
        );
        for l in &suite.left_out {
            let _ = writeln!(s, "  {}: {}", l.id, l.why);
        }
    }
    for (f, schema) in &suite.unversioned {
        let why = if *schema < 3 {
            format!("schema {schema}, older than suite versions")
        } else {
            "an import, without definitions".to_string()
        };
        let _ = writeln!(
            s,
            "{f}: no suite version ({why}): its benchmarks are matched by ID alone (`--strict` refuses it)"
        );
    }
    s
}

fn cell_text(c: &Option<Cell>) -> String {
    match c {
        None => "—".into(),
        Some(c) => {
            let mut s = match &c.throughput {
                Some((v, u)) => format!("{v:.2} {u}"),
                None => fmt_time(c.median_ns),
            };
            if let Some(x) = c.speedup_vs_naive {
                let _ = write!(s, ", {x:.1}x naive");
            }
            if let Some(f) = c.fraction_of_ceiling {
                // `share` says "at ceiling" above 1 (the ceiling measured in other weather).
                let _ = if f > 1.0 {
                    write!(s, ", {}", share(f))
                } else {
                    write!(s, ", {} of ceiling", share(f))
                };
            }
            s
        }
    }
}

#[derive(Clone, Copy)]
enum Key {
    Naive,
    Mm,
    Ceiling,
    OverBlocked,
}

/// The ratios the README's machine table shows: (label, benchmark, figure).
const KEY_RATIOS: [(&str, &str, Key); 7] = [
    (
        "normal sampler, SIMD / rand_distr (1M)",
        "normal_f32/simd/1048576",
        Key::Naive,
    ),
    (
        "GEMM 1024³, blocked / matrixmultiply",
        "sgemm/blocked/1024x1024x1024",
        Key::Mm,
    ),
    (
        "GEMM 1024³, share of the FMA peak",
        "sgemm/blocked/1024x1024x1024",
        Key::Ceiling,
    ),
    (
        "GEMM 1024³, all threads / one",
        "sgemm/blocked_par/1024x1024x1024",
        Key::OverBlocked,
    ),
    (
        "sigmoid, SIMD / f32::exp (1M)",
        "activation_f32/sigmoid_simd/1048576",
        Key::Naive,
    ),
    (
        "experiment grid, fast / naive",
        "experiment_grid/fast/24",
        Key::Naive,
    ),
    (
        "training on digits, fast / naive",
        "train/fast/digits",
        Key::Naive,
    ),
];

/// The key-ratio table of results files, one column per file.
pub fn key_ratios(files: &[&ResultsFile], md: bool) -> String {
    let mut head = vec!["ratio".to_string()];
    head.extend(files.iter().map(|f| f.machine_id.clone()));
    let body: Vec<Vec<String>> = KEY_RATIOS
        .iter()
        .map(|(label, id, key)| {
            let mut row = vec![label.to_string()];
            row.extend(files.iter().map(|f| {
                let b = f.benchmarks.get(*id);
                let x = match key {
                    Key::Naive => b.and_then(|b| b.speedup_vs_naive),
                    Key::Mm => b.and_then(|b| b.speedup_vs_matrixmultiply),
                    Key::Ceiling => b.and_then(|b| b.fraction_of_ceiling),
                    Key::OverBlocked => b
                        .zip(f.benchmarks.get("sgemm/blocked/1024x1024x1024"))
                        .map(|(p, s)| s.median_ns / p.median_ns),
                };
                match (key, x) {
                    (_, None) => "—".into(),
                    (Key::Ceiling, Some(f)) => share(f),
                    (_, Some(x)) => format!("{x:.2}×"),
                }
            }));
            row
        })
        .collect();
    table(md, &head, &body)
}

/// A comparison as text or markdown; `summary_only` leaves out the
/// per-benchmark rows of a cross-machine comparison.
fn render(c: &Comparison, files: &[&ResultsFile], md: bool, summary_only: bool) -> String {
    let mut s = suite_note(c.suite());
    if !s.is_empty() {
        s.push('\n');
    }
    let h = if md { "### " } else { "" };
    match c {
        Comparison::Regression {
            machine_id,
            threshold_pct,
            rows,
            only_in,
            assumed_one_machine,
            ..
        } => {
            if *assumed_one_machine {
                let _ = writeln!(
                    s,
                    "a critcmp file carries no fingerprint: both files are taken to be of one machine"
                );
            }
            let _ = writeln!(
                s,
                "{h}regression check on {machine_id} (beyond the threshold {threshold_pct}%, the between-run allowance, and disjoint 95% CIs)\n"
            );
            let head =
                ["benchmark", "base", "new", "change", "allowance", "verdict"].map(String::from);
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        fmt_time(r.base_ns),
                        fmt_time(r.new_ns),
                        format!("{:+.1}%", r.change_pct),
                        format!(
                            "{:.0}%{}",
                            r.allowance_pct,
                            if r.allowance_measured { "" } else { "*" }
                        ),
                        format!("{:?}", r.verdict).to_lowercase(),
                    ]
                })
                .collect();
            s += &table(md, &head, &body);
            let slower = rows.iter().filter(|r| r.verdict == Verdict::Slower).count();
            let faster = rows.iter().filter(|r| r.verdict == Verdict::Faster).count();
            let _ = writeln!(
                s,
                "\n{slower} slower, {faster} faster, {} same",
                rows.len() - slower - faster
            );
            if rows.iter().any(|r| !r.allowance_measured) {
                let _ = writeln!(
                    s,
                    "* a file holds a single run: its between-run noise is assumed to be {SINGLE_RUN_ALLOWANCE_PCT}% \
                     (merge runs with `report --baseline A --baseline B`, or pair them with `weightinit ab`)"
                );
            }
            for (f, ids) in only_in {
                let _ = writeln!(s, "only in {f}: {}", ids.join(", "));
            }
        }
        Comparison::Machines {
            labels,
            differences,
            summary,
            rows,
            only_in,
            ..
        } => {
            let _ = writeln!(
                s,
                "{h}machines side by side: geometric means per area (speed relative to {}; share of each machine's own ceiling)\n",
                labels[0]
            );
            let mut head = vec!["area".to_string(), "benchmarks".to_string()];
            head.extend(labels.iter().cloned());
            let body: Vec<Vec<String>> = summary
                .iter()
                .map(|a| {
                    let mut row = vec![a.area.clone(), a.benchmarks.to_string()];
                    row.extend(a.speed_vs_first.iter().zip(&a.share_of_ceiling).map(
                        |(x, f)| match f {
                            Some(f) => format!("{x:.2}× ({})", share(*f)),
                            None => format!("{x:.2}×"),
                        },
                    ));
                    row
                })
                .collect();
            s += &table(md, &head, &body);
            let _ = writeln!(s, "\n{h}key ratios\n");
            s += &key_ratios(files, md);
            if !summary_only {
                let mut head = vec!["benchmark".to_string()];
                head.extend(labels.iter().cloned());
                let body: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        std::iter::once(r.id.clone())
                            .chain(r.cells.iter().map(cell_text))
                            .collect()
                    })
                    .collect();
                let _ = writeln!(s, "\n{h}every benchmark\n");
                s += &table(md, &head, &body);
            }
            if !differences.is_empty() {
                let _ = writeln!(
                    s,
                    "\nfingerprints differ (a build difference is not a hardware difference):"
                );
                for (label, k, a, b) in differences {
                    let _ = writeln!(s, "  {label}: {k}: {a} -> {b}");
                }
            }
            for (f, ids) in only_in {
                let _ = writeln!(s, "only in {f}: {}", ids.join(", "));
            }
        }
    }
    s
}
