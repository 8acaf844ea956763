//! Text output: the experiment's tables and histograms, `info`, the report summary.
use std::fmt::Write;
use std::time::Duration;
use weightinit::experiment::Report;
use weightinit::results::compare::{Cell, Comparison, SINGLE_RUN_ALLOWANCE_PCT, Verdict};
use weightinit::results::{ResultsFile, fmt_time};
use weightinit::simd::Isa;

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

fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 0.01 && x.abs() < 1000.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.1e}")
    }
}

/// The experiment as tables with a histogram per layer.
pub fn experiment(r: &Report, elapsed: Duration) -> String {
    let c = &r.config;
    let mut s = String::new();
    let isa = Isa::current();
    let _ = writeln!(
        s,
        "weightinit experiment: batch {}, width {}, {} layers, {} bins, seed {}, {} path ({} SIMD, {} threads)",
        c.net.batch,
        c.net.width,
        c.net.layers,
        c.net.bins,
        c.net.seed,
        c.path,
        isa.compiled,
        rayon::current_num_threads()
    );
    for run in &r.runs {
        let lo_hi = run
            .layers
            .first()
            .map(|l| (l.activations.histogram.lo, l.activations.histogram.hi))
            .unwrap_or((0.0, 1.0));
        let _ = writeln!(
            s,
            "\n── {} + {}: {}",
            run.init,
            run.activation.name(),
            run.verdict
        );
        let sat_head = if run
            .layers
            .iter()
            .any(|l| l.activations.saturation_fraction.is_some())
        {
            "  sat"
        } else {
            " zero"
        };
        let _ = writeln!(
            s,
            "layer   mean    std {sat_head}  grad_rms  wgrad_rms  histogram [{}, {}] (below/above)",
            lo_hi.0, lo_hi.1
        );
        for l in &run.layers {
            let frac = l
                .activations
                .saturation_fraction
                .unwrap_or(l.activations.zero_fraction);
            let out = if l.activations.histogram.below + l.activations.histogram.above > 0 {
                format!(
                    " ({}/{})",
                    l.activations.histogram.below, l.activations.histogram.above
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{:>5} {:>6} {:>6} {:>5.2} {:>9} {:>10}  |{}|{}",
                l.layer,
                short(l.activations.mean),
                short(l.activations.std),
                frac,
                format!("{:.2e}", l.grad_rms),
                format!("{:.2e}", l.weight_grad_rms),
                sparkline(&l.activations.histogram.counts),
                out
            );
        }
        if let Some(it) = run
            .layers
            .iter()
            .map(|l| l.lsuv_iterations)
            .collect::<Option<Vec<_>>>()
        {
            let _ = writeln!(s, "      LSUV iterations per layer: {it:?}");
        }
    }
    let _ = writeln!(
        s,
        "\n{} runs in {:.1} ms",
        r.runs.len(),
        elapsed.as_secs_f64() * 1e3
    );
    s
}

/// `weightinit info`.
pub fn info() -> String {
    use weightinit::gemm::archparams as ap;
    let isa = Isa::current();
    let mut s = String::new();
    let _ = writeln!(s, "weightinit {}", env!("CARGO_PKG_VERSION"));
    let fp = weightinit::results::Fingerprint::current();
    let num = |x: Option<u32>| x.map_or("?".to_string(), |v| v.to_string());
    let _ = writeln!(
        s,
        "cpu:                  {} ({}, family {} model {} stepping {}: {})",
        fp.cpu_brand,
        fp.vendor,
        num(fp.cpu_family),
        num(fp.cpu_model),
        num(fp.cpu_stepping),
        fp.microarch
    );
    let _ = writeln!(s, "machine id:           {}", fp.machine_id());
    let _ = writeln!(s, "SIMD path compiled:   {}", isa.compiled);
    let _ = writeln!(
        s,
        "features compiled:    {}",
        isa.compiled_features.join(" ")
    );
    let _ = writeln!(
        s,
        "features detected:    {}",
        isa.detected_features.join(" ")
    );
    let _ = writeln!(
        s,
        "rng lanes:            {} xoshiro256++ lanes (fixed on every ISA)",
        weightinit::rng::LANES
    );
    let _ = writeln!(
        s,
        "sampler chunk:        {} floats per stream",
        weightinit::sample::CHUNK
    );
    let _ = writeln!(
        s,
        "stream version:       {} (the values a seed gives)",
        weightinit::sample::STREAM_VERSION
    );
    let _ = writeln!(
        s,
        "gemm micro-kernel:    {}x{} tile of f32x{} (MR x NR), KC {}, MC {}, NC {}",
        ap::MR,
        ap::NR,
        ap::LANES,
        ap::KC,
        ap::MC,
        ap::NC
    );
    let _ = writeln!(s, "rayon threads:        {}", rayon::current_num_threads());
    let _ = writeln!(
        s,
        "rustc:                {}",
        env!("WEIGHTINIT_RUSTC_VERSION")
    );
    s
}

/// The line that marks a machine's `.md` report as `report`'s own: `report`
/// replaces such a file, and refuses any other.
pub const REPORT_MARK: &str = "Written by `weightinit report`";

/// `text` with every control character but newlines escaped (`\u{1b}`):
/// benchmark IDs and machine names come from files and may hold any text,
/// which must not reach a terminal raw.
pub fn printable(text: &str) -> String {
    text.split('\n')
        .map(|l| weightinit::results::escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
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

/// `weightinit ab`'s verdicts.
pub fn ab(r: &weightinit::results::paired::AbReport, md: bool) -> String {
    use weightinit::results::paired::interval_rank;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}paired A/B: {} (base) against {} (new), {} rounds, threshold {}%\n",
        if md { "### " } else { "" },
        r.base,
        r.new,
        r.rounds,
        r.threshold_pct
    );
    let head = ["benchmark", "new/base", "95% interval", "verdict"].map(String::from);
    let body: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                format!("{:.3}", x.ratio),
                format!("{:.3}–{:.3}", x.lower, x.upper),
                format!("{:?}", x.verdict).to_lowercase(),
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    let (slower, faster, same) = r.counts();
    let _ = writeln!(s, "\n{slower} slower, {faster} faster, {same} same");
    if let Ok((k, cov)) = interval_rank(r.rounds) {
        let _ = write!(
            s,
            "(median of {} paired ratios; interval: order statistics {k} and {} of {}, coverage {:.1}%)",
            r.rounds,
            r.rounds + 1 - k,
            r.rounds,
            100.0 * cov
        );
    }
    s
}

/// A share of a ceiling; above 1 the ceiling was measured in other weather
/// (criterion runs it minutes apart), so the cell reads "at ceiling".
fn share(f: f64) -> String {
    if f > 1.0 {
        "at ceiling".into()
    } else {
        format!("{:.0}%", 100.0 * f)
    }
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
                let _ = write!(s, ", {} of ceiling", share(f));
            }
            s
        }
    }
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

#[derive(Clone, Copy)]
enum Key {
    Naive,
    Mm,
    Ceiling,
    OverBlocked,
}

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
pub fn compare(c: &Comparison, files: &[&ResultsFile], md: bool, summary_only: bool) -> String {
    let mut s = String::new();
    let h = if md { "### " } else { "" };
    match c {
        Comparison::Regression {
            machine_id,
            threshold_pct,
            rows,
            only_in,
            assumed_one_machine,
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
