//! `weightinit report`: criterion's estimates into a machine-tagged results file and its report.
use super::CliError;
use super::args::ReportArgs;
use super::table::{printable, share, table};
use std::fmt::Write;
use weightinit::results::{self, ResultsFile, fmt_time};

/// The line that marks a machine's `.md` report as `report`'s own: `report`
/// replaces such a file, and refuses any other.
pub const REPORT_MARK: &str = "Written by `weightinit report`";

pub fn run(a: ReportArgs) -> Result<u8, CliError> {
    let baselines = if a.baselines.is_empty() {
        vec!["new".to_string()]
    } else {
        a.baselines
    };
    let file = results::report(&a.criterion_dir, &baselines).map_err(CliError::usage)?;
    let out = a.out.unwrap_or_else(|| {
        std::path::PathBuf::from("results").join(format!("{}.json", file.machine_id))
    });
    // The machine's report beside it, for people: results/<machine-id>.md.
    let md = report_companion(&out)?;
    // The roofline's figure beside the report: figures/roofline_<machine-id>.svg.
    let roofline = results::roofline::roofline(&file);
    let figure = out
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join("figures")
        .join(format!("roofline_{}.svg", file.machine_id));
    results::save(&file, &out).map_err(CliError::usage)?;
    let mut text = report_summary(&file, true);
    if let Some(r) = &roofline {
        if let Some(dir) = figure.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::usage(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        super::plot::roofline_chart(r, &figure).map_err(CliError::usage)?;
        let _ = write!(
            text,
            "\n## Roofline\n\n![roofline](figures/roofline_{}.svg)\n\n{}",
            file.machine_id,
            super::roofline::render(r, true)
        );
    }
    results::write_whole(&md, printable(&text).as_bytes()).map_err(CliError::usage)?;
    print!("{}", printable(&report_summary(&file, false)));
    println!("wrote {} and {}", out.display(), md.display());
    if roofline.is_some() {
        println!("wrote {}", figure.display());
    }
    Ok(0)
}

/// The path of the report written beside results file `out` (`.md`), after
/// checking that neither write can destroy the other or a file that `report`
/// did not write.
fn report_companion(out: &std::path::Path) -> Result<std::path::PathBuf, CliError> {
    if out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
    {
        return Err(CliError::usage(format!(
            "--out `{}`: the results file must not end in .md, the name its report takes",
            out.display()
        )));
    }
    let md = out.with_extension("md");
    for p in [out, md.as_path()] {
        weightinit::whole_file::check_target(p)
            .map_err(|e| CliError::usage(format!("cannot write `{}`: {e}", p.display())))?;
    }
    if let Ok(f) = std::fs::File::open(&md) {
        use std::io::Read;
        let mut head = String::new();
        let _ = f.take(512).read_to_string(&mut head);
        if !head.contains(REPORT_MARK) {
            return Err(CliError::usage(format!(
                "`{}` exists and was not written by `weightinit report`; not replacing it \
                 (choose another --out)",
                md.display()
            )));
        }
    }
    Ok(md)
}

/// The summary table printed by `report`.
pub fn report_summary(f: &ResultsFile, md: bool) -> String {
    let m = &f.machine;
    let mut s = String::new();
    let opt = |x: Option<u32>| x.map_or("?".to_string(), |v| v.to_string());
    if md {
        let _ = writeln!(s, "# {}\n", f.machine_id);
        let _ = writeln!(
            s,
            "{REPORT_MARK} from a criterion run; the figures are in `{}.json`.\n",
            f.machine_id
        );
        let _ = writeln!(s, "| field | value |\n|---|---|");
        let rows = [
            ("CPU", m.cpu_brand.clone()),
            (
                "family / model / stepping",
                format!(
                    "{} / {} / {} ({})",
                    opt(m.cpu_family),
                    opt(m.cpu_model),
                    opt(m.cpu_stepping),
                    m.microarch
                ),
            ),
            (
                "cores",
                format!("{} logical, {} physical", m.logical_cores, m.physical_cores),
            ),
            (
                "clock under the FMA loop",
                m.clock_ghz
                    .map_or("unknown".into(), |c| format!("{c:.2} GHz")),
            ),
            ("SIMD path compiled", m.compiled_path.clone()),
            ("rayon threads", m.rayon_threads.to_string()),
            ("rustc", m.rustc.clone()),
            ("commit", m.git_commit.clone().unwrap_or_default()),
            ("date", m.date.clone()),
        ];
        for (k, v) in rows {
            let _ = writeln!(s, "| {k} | {v} |");
        }
        let _ = writeln!(s);
    } else {
        let _ = writeln!(
            s,
            "machine {} ({}, {}, {} cores, {} path)",
            f.machine_id, m.cpu_brand, m.microarch, m.logical_cores, m.compiled_path
        );
    }
    let head = [
        "benchmark",
        "median",
        "throughput",
        "vs naive",
        "vs matrixmultiply",
        "of ceiling",
        "runs' spread",
    ]
    .map(String::from);
    let body: Vec<Vec<String>> = f
        .benchmarks
        .iter()
        .map(|(id, b)| {
            vec![
                id.clone(),
                fmt_time(b.median_ns),
                b.throughput
                    .as_ref()
                    .map(|t| format!("{:.2} {}", t.value, t.unit))
                    .unwrap_or_default(),
                b.speedup_vs_naive
                    .map(|v| format!("{v:.1}×"))
                    .unwrap_or_default(),
                b.speedup_vs_matrixmultiply
                    .map(|v| format!("{v:.2}×"))
                    .unwrap_or_default(),
                b.fraction_of_ceiling.map(share).unwrap_or_default(),
                b.spread()
                    .map(|x| format!("{:.1}%", 100.0 * x))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    s
}
