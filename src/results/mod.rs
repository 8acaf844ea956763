//! Machine-tagged benchmark results: criterion's estimates → `results/<machine-id>.json`.
//!
//! A results file (schema 1) holds the machine's [`Fingerprint`] and, per
//! benchmark ID `group/impl/size`, the median and mean time per iteration with
//! criterion's 95% confidence intervals, the sample count, the throughput in
//! its natural unit (G samples/s for samplers, GFLOP/s for `sgemm`/`peak`,
//! GB/s for `fill_f32`, G elements/s otherwise), and derived figures: the
//! speedup over `naive` (and over `matrixmultiply` for `sgemm`) and the
//! fraction of the machine's own ceiling (`peak/fma_f32`, `fill_f32`, and
//! `activation_f32/copy` for the activations).
//! [`compare`] reads two or more files.
#![forbid(unsafe_code)]

pub mod compare;
pub(crate) mod criterion;
pub mod export;
pub mod machine;
pub mod paired;
pub mod roofline;
pub mod score;
pub mod suite;

pub use machine::Fingerprint;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The results-file schema this build writes. Schema 2 added the CPU's
/// family, model, stepping, microarchitecture and clock to the fingerprint,
/// and the microarchitecture to the machine id; schema 3 the suite version
/// and each benchmark's definition ([`suite`]). Older files still load (the
/// new fields then read as unknown).
pub const SCHEMA: u32 = 3;

/// The oldest schema this build reads.
pub const OLDEST_SCHEMA: u32 = 1;

/// The largest results file `load` reads (16 MiB; the suite's files are
/// about 100 KB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The range of a plausible time per iteration, ns: from a femtosecond to a
/// day. Zero, negative, subnormal, infinite and NaN times are refused on
/// report, load and export alike.
pub const TIME_RANGE_NS: (f64, f64) = (1e-6, 8.64e13);

/// A throughput in a named unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// The value.
    pub value: f64,
    /// e.g. `GFLOP/s`.
    pub unit: String,
}

/// One benchmark of a results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Group (`sgemm`).
    pub group: String,
    /// Implementation (`blocked`).
    pub implementation: String,
    /// Size (`1024x1024x1024`).
    pub size: String,
    /// Median time per iteration, ns.
    pub median_ns: f64,
    /// 95% confidence interval of the median, ns.
    pub median_ci_ns: [f64; 2],
    /// Mean time per iteration, ns.
    pub mean_ns: f64,
    /// 95% confidence interval of the mean, ns.
    pub mean_ci_ns: [f64; 2],
    /// Standard deviation of the samples, ns (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_dev_ns: Option<f64>,
    /// Median absolute deviation of the samples, ns (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_abs_dev_ns: Option<f64>,
    /// Samples criterion took.
    pub samples: usize,
    /// Elements (or FLOP, or bytes) per iteration as declared to criterion.
    pub per_iteration: Option<u64>,
    /// Throughput at the median time.
    pub throughput: Option<Rate>,
    /// `naive` time / this time, same group and size.
    pub speedup_vs_naive: Option<f64>,
    /// `matrixmultiply` time / this time (sgemm).
    pub speedup_vs_matrixmultiply: Option<f64>,
    /// Throughput / the ceiling's throughput.
    pub fraction_of_ceiling: Option<f64>,
    /// The benchmark used as ceiling.
    pub ceiling: Option<String>,
    /// The digest of what the benchmark measures ([`suite::definition`]);
    /// absent in files older than schema 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The median time of each run, ns, where the file merges several runs
    /// of the suite (`report --baseline A --baseline B …`); the figures above
    /// are those of the run with the median time. Empty for a single run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs_median_ns: Vec<f64>,
}

impl BenchResult {
    /// The spread between runs, `max/min − 1` of the runs' medians, where
    /// the file holds two runs or more.
    pub fn spread(&self) -> Option<f64> {
        let r = &self.runs_median_ns;
        if r.len() < 2 {
            return None;
        }
        let min = r.iter().copied().fold(f64::INFINITY, f64::min);
        let max = r.iter().copied().fold(0.0, f64::max);
        Some(max / min - 1.0)
    }
}

/// A results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// Derived from the fingerprint.
    pub machine_id: String,
    /// The machine.
    pub machine: Fingerprint,
    /// By benchmark ID.
    pub benchmarks: BTreeMap<String, BenchResult>,
    /// The suite version of the benchmarks ([`suite`]); absent in files
    /// older than schema 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<suite::SuiteVersion>,
    /// The tool a file was read from, where it was not written by
    /// `weightinit report` (`critcmp`); such a file has no fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

/// A results file could not be made, read or written.
#[derive(Debug)]
pub enum ResultsError {
    /// Reading criterion's output failed.
    Criterion(criterion::CriterionError),
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// A file is not valid JSON of our schema.
    Json(PathBuf, serde_json::Error),
    /// A file has another schema version.
    Schema(PathBuf, String),
    /// The files share no benchmark.
    NoCommon(Vec<PathBuf>),
    /// A value that no real measurement gives (see [`TIME_RANGE_NS`]).
    Value {
        /// The file or criterion directory.
        path: PathBuf,
        /// The benchmark.
        id: String,
        /// The field.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// A file larger than [`MAX_FILE_BYTES`], or not a regular file.
    NotAResultsFile(PathBuf, String),
    /// Files of different suite versions, compared under `--strict`.
    Suite(String),
}

impl core::fmt::Display for ResultsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ResultsError::Criterion(e) => write!(f, "{e}"),
            ResultsError::Io(p, e) => write!(f, "cannot access `{}`: {e}", p.display()),
            ResultsError::Json(p, e) => write!(f, "malformed results file `{}`: {e}", p.display()),
            ResultsError::Schema(p, found) => {
                write!(
                    f,
                    "results file `{}` has schema {found}; this build reads schemas {OLDEST_SCHEMA} to {SCHEMA}",
                    p.display()
                )
            }
            ResultsError::Value {
                path,
                id,
                field,
                value,
            } => write!(
                f,
                "`{}`: benchmark `{}` has {field} {value:e}, which no measurement gives \
                 (a time must be finite, between {:e} and {:e} ns)",
                path.display(),
                escape(id),
                TIME_RANGE_NS.0,
                TIME_RANGE_NS.1
            ),
            ResultsError::NotAResultsFile(p, why) => {
                write!(f, "`{}` is not a results file: {why}", p.display())
            }
            ResultsError::Suite(why) => write!(f, "{why}"),
            ResultsError::NoCommon(ps) => write!(
                f,
                "no benchmark in common between {}",
                ps.iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        }
    }
}

impl std::error::Error for ResultsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResultsError::Criterion(e) => Some(e),
            ResultsError::Io(_, e) => Some(e),
            ResultsError::Json(_, e) => Some(e),
            ResultsError::Schema(..)
            | ResultsError::NoCommon(_)
            | ResultsError::Value { .. }
            | ResultsError::NotAResultsFile(..)
            | ResultsError::Suite(_) => None,
        }
    }
}

/// `s` with control characters escaped (`\u{1b}`), for a terminal: a
/// benchmark ID comes from a file and may hold any text.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Checks every time and rate of `f`: finite, and times within [`TIME_RANGE_NS`].
pub(crate) fn validate(f: &ResultsFile, path: &Path) -> Result<(), ResultsError> {
    let (lo, hi) = TIME_RANGE_NS;
    for (id, b) in &f.benchmarks {
        let bad = |field, value| ResultsError::Value {
            path: path.to_path_buf(),
            id: id.clone(),
            field,
            value,
        };
        let times = [
            ("median_ns", b.median_ns),
            ("mean_ns", b.mean_ns),
            ("median_ci_ns[0]", b.median_ci_ns[0]),
            ("median_ci_ns[1]", b.median_ci_ns[1]),
            ("mean_ci_ns[0]", b.mean_ci_ns[0]),
            ("mean_ci_ns[1]", b.mean_ci_ns[1]),
        ];
        let runs = b.runs_median_ns.iter().map(|&v| ("runs_median_ns", v));
        for (field, v) in times.into_iter().chain(runs) {
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                return Err(bad(field, v));
            }
        }
        let others = [
            ("std_dev_ns", b.std_dev_ns),
            ("median_abs_dev_ns", b.median_abs_dev_ns),
            ("throughput", b.throughput.as_ref().map(|t| t.value)),
            ("speedup_vs_naive", b.speedup_vs_naive),
            ("speedup_vs_matrixmultiply", b.speedup_vs_matrixmultiply),
            ("fraction_of_ceiling", b.fraction_of_ceiling),
        ];
        for (field, v) in others {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(bad(field, v));
            }
        }
    }
    Ok(())
}

/// Formats nanoseconds with a readable unit.
pub fn fmt_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// The natural unit of a group and the factor from "per iteration / second" to it.
fn unit_of(group: &str, tp: &criterion::Throughput) -> (u64, &'static str, f64) {
    use criterion::Throughput as T;
    match tp {
        T::Bytes(b) | T::BytesDecimal(b) => (*b, "GB/s", 1e-9),
        T::Bits(b) => (*b, "Gbit/s", 1e-9),
        T::ElementsAndBytes { elements, .. } | T::Elements(elements) => match group {
            "uniform_f32" | "normal_f32" | "trunc_normal_f32" => (*elements, "G samples/s", 1e-9),
            "sgemm" | "peak" | "orthogonal" | "train" => (*elements, "GFLOP/s", 1e-9),
            // fill writes f32: 4 bytes per element.
            "fill_f32" => (*elements, "GB/s", 4e-9),
            _ => (*elements, "G elements/s", 1e-9),
        },
    }
}

/// Builds a results file from criterion's directory and this machine's
/// fingerprint: from the latest run (`new`), or from several named baselines,
/// each a run of the suite (their between-run spread goes into the file).
pub fn report(criterion_dir: &Path, baselines: &[String]) -> Result<ResultsFile, ResultsError> {
    let runs = baselines
        .iter()
        .map(|b| criterion::read_all(criterion_dir, b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ResultsError::Criterion)?;
    let f = from_runs(&runs, Fingerprint::current());
    validate(&f, criterion_dir)?;
    Ok(f)
}

/// Builds a results file from measured benchmarks (testable without criterion).
pub(crate) fn from_measured(measured: &[criterion::Measured], machine: Fingerprint) -> ResultsFile {
    from_runs(&[measured.to_vec()], machine)
}

/// Builds a results file from one or more runs of the suite. Each benchmark
/// is taken from the run with its median time (the lower median for an even
/// count), and with two runs or more every run's median is kept.
pub(crate) fn from_runs(runs: &[Vec<criterion::Measured>], machine: Fingerprint) -> ResultsFile {
    let mut by_id: BTreeMap<&str, Vec<&criterion::Measured>> = BTreeMap::new();
    for m in runs.iter().flatten() {
        by_id.entry(&m.benchmark.full_id).or_default().push(m);
    }
    let mut benchmarks = BTreeMap::new();
    for ms in by_id.values() {
        let runs_median_ns: Vec<f64> = if runs.len() > 1 {
            ms.iter()
                .map(|m| m.estimates.median.point_estimate)
                .collect()
        } else {
            Vec::new()
        };
        let mut order: Vec<&&criterion::Measured> = ms.iter().collect();
        order.sort_by(|a, b| {
            a.estimates
                .median
                .point_estimate
                .total_cmp(&b.estimates.median.point_estimate)
        });
        let m = order[(order.len() - 1) / 2];
        let b = &m.benchmark;
        let mut parts = b.full_id.splitn(3, '/');
        let group = parts.next().unwrap_or_default().to_string();
        let implementation = b
            .function_id
            .clone()
            .or_else(|| parts.next().map(str::to_string))
            .unwrap_or_default();
        let size = b.value_str.clone().unwrap_or_default();
        let e = &m.estimates;
        let (per_iteration, throughput) = match &b.throughput {
            Some(tp) => {
                let (n, unit, k) = unit_of(&group, tp);
                (
                    Some(n),
                    Some(Rate {
                        value: n as f64 / (e.median.point_estimate * 1e-9) * k,
                        unit: unit.into(),
                    }),
                )
            }
            None => (None, None),
        };
        let ci = |x: &criterion::Estimate| {
            [
                x.confidence_interval.lower_bound,
                x.confidence_interval.upper_bound,
            ]
        };
        benchmarks.insert(
            b.full_id.clone(),
            BenchResult {
                group,
                implementation,
                size,
                median_ns: e.median.point_estimate,
                median_ci_ns: ci(&e.median),
                mean_ns: e.mean.point_estimate,
                mean_ci_ns: ci(&e.mean),
                std_dev_ns: e.std_dev.as_ref().map(|x| x.point_estimate),
                median_abs_dev_ns: e.median_abs_dev.as_ref().map(|x| x.point_estimate),
                samples: m.samples,
                per_iteration,
                throughput,
                speedup_vs_naive: None,
                speedup_vs_matrixmultiply: None,
                fraction_of_ceiling: None,
                ceiling: None,
                definition: None,
                runs_median_ns,
            },
        );
    }
    derive(&mut benchmarks);
    let suite = suite::stamp(&mut benchmarks);
    let mut machine = machine;
    if let (Some(peak), Some(per_cycle)) = (
        benchmarks
            .get("peak/fma_f32/1")
            .and_then(|b| b.throughput.as_ref()),
        machine::fma_flop_per_cycle(&machine.microarch, &machine.compiled_path),
    ) {
        machine.clock_ghz = Some(peak.value / per_cycle);
    }
    ResultsFile {
        schema: SCHEMA,
        machine_id: machine.machine_id(),
        machine,
        benchmarks,
        suite: Some(suite),
        imported_from: None,
    }
}

/// The names the `naive` counterpart of an implementation may have, in order:
/// `naive`, or `sigmoid_naive` for `sigmoid_simd_par`; then `qr_naive` for `qr`.
/// None for an implementation that is itself naive.
fn naive_names(implementation: &str) -> Vec<String> {
    if implementation == "naive" || implementation.ends_with("_naive") {
        return Vec::new();
    }
    let first = match implementation.split_once('_') {
        Some((head, _)) if !["simd", "blocked", "fast"].contains(&head) => {
            format!("{head}_naive")
        }
        _ => "naive".into(),
    };
    vec![first, format!("{implementation}_naive")]
}

/// Fills the speedups and ceiling fractions.
fn derive(benchmarks: &mut BTreeMap<String, BenchResult>) {
    let snapshot = benchmarks.clone();
    let get = |g: &str, i: &str, s: &str| snapshot.get(&format!("{g}/{i}/{s}"));
    let thr = |b: &BenchResult| b.throughput.as_ref().map(|t| t.value);
    for b in benchmarks.values_mut() {
        if let Some(nv) = naive_names(&b.implementation)
            .iter()
            .find_map(|n| get(&b.group, n, &b.size))
        {
            b.speedup_vs_naive = Some(nv.median_ns / b.median_ns);
        }
        let par = b.implementation.ends_with("_par") || b.size == "par";
        if b.group == "sgemm" && b.implementation != "matrixmultiply" {
            b.speedup_vs_matrixmultiply =
                get("sgemm", "matrixmultiply", &b.size).map(|m| m.median_ns / b.median_ns);
        }
        let ceiling = match b.group.as_str() {
            "sgemm" | "orthogonal" => {
                Some(format!("peak/fma_f32/{}", if par { "par" } else { "1" }))
            }
            "uniform_f32" | "normal_f32" | "trunc_normal_f32" => Some(format!(
                "fill_f32/{}/{}",
                if par { "par" } else { "seq" },
                b.size
            )),
            // The faster of the two copy loops at this size (the roofline's rule).
            "activation_f32"
                if !b.implementation.starts_with("copy")
                    && !b.implementation.starts_with("memcpy") =>
            {
                let names: [&str; 2] = if par {
                    ["copy_par", "memcpy_par"]
                } else {
                    ["copy", "memcpy"]
                };
                names
                    .iter()
                    .map(|n| format!("activation_f32/{n}/{}", b.size))
                    .filter(|id| snapshot.contains_key(id))
                    .min_by(|x, y| snapshot[x].median_ns.total_cmp(&snapshot[y].median_ns))
            }
            _ => None,
        };
        if let (Some(c), Some(v)) = (ceiling, thr(b)) {
            if let Some(cb) = snapshot.get(&c) {
                // Samplers against fill: compare element rates (fill's unit is GB/s = 4 B/element).
                let cv = if cb.group == "fill_f32" {
                    thr(cb).map(|x| x / 4.0)
                } else {
                    thr(cb)
                };
                if let Some(cv) = cv.filter(|x| *x > 0.0) {
                    b.fraction_of_ceiling = Some(v / cv);
                    b.ceiling = Some(c);
                }
            }
        }
    }
}

/// Writes `f` as pretty JSON, creating the directory ([`write_whole`]).
/// A file with an implausible time is refused (`validate`).
pub fn save(f: &ResultsFile, path: &Path) -> Result<(), ResultsError> {
    validate(f, path)?;
    let text =
        serde_json::to_string_pretty(f).map_err(|e| ResultsError::Json(path.to_path_buf(), e))?;
    write_whole(path, (text + "\n").as_bytes())
}

/// Writes `bytes` to `path` whole or not at all ([`crate::whole_file`]),
/// creating its directory.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), ResultsError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| ResultsError::Io(dir.to_path_buf(), e))?;
    }
    crate::whole_file::write(path, bytes).map_err(|e| ResultsError::Io(path.to_path_buf(), e))
}

/// Reads a results file, checking its schema first; a critcmp export
/// (`critcmp --export`) is read as a file without a fingerprint.
/// A file is refused unless it is a regular file of at most [`MAX_FILE_BYTES`]
/// whose every time is plausible (`validate`).
pub fn load(path: &Path) -> Result<ResultsFile, ResultsError> {
    let text = read_capped(path)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ResultsError::Json(path.to_path_buf(), e))?;
    let f = if export::is_critcmp(&v) {
        export::from_critcmp(path, v)?
    } else {
        match v.get("schema").and_then(|s| s.as_u64()) {
            Some(s) if (OLDEST_SCHEMA as u64..=SCHEMA as u64).contains(&s) => {}
            Some(s) => return Err(ResultsError::Schema(path.to_path_buf(), s.to_string())),
            None => return Err(ResultsError::Schema(path.to_path_buf(), "missing".into())),
        }
        serde_json::from_value(v).map_err(|e| ResultsError::Json(path.to_path_buf(), e))?
    };
    validate(&f, path)?;
    Ok(f)
}

/// The text of a regular file of at most [`MAX_FILE_BYTES`], read without
/// trusting its claimed size.
fn read_capped(path: &Path) -> Result<String, ResultsError> {
    use std::io::Read;
    let io = |e| ResultsError::Io(path.to_path_buf(), e);
    let file = crate::whole_file::open_regular(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ResultsError::NotAResultsFile(
            path.to_path_buf(),
            format!("larger than the limit of {MAX_FILE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| ResultsError::NotAResultsFile(path.to_path_buf(), format!("not UTF-8 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::naive_names;

    #[test]
    fn naive_counterparts() {
        assert_eq!(naive_names("blocked_par"), ["naive", "blocked_par_naive"]);
        assert_eq!(
            naive_names("sigmoid_simd"),
            ["sigmoid_naive", "sigmoid_simd_naive"]
        );
        assert_eq!(naive_names("qr"), ["naive", "qr_naive"]);
        assert!(naive_names("qr_naive").is_empty());
        assert!(naive_names("naive").is_empty());
    }
}
