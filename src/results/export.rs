//! Results files in the formats users already track benchmarks with, and
//! critcmp's format read back.
//!
//! * **BMF**, Bencher Metric Format: `{id: {"latency": {value, lower_value,
//!   upper_value}, "throughput": {…}}}`. Latency is criterion's median in ns
//!   with its 95% interval; throughput is in operations per second (the
//!   elements, FLOP or bytes a benchmark declares per iteration over the
//!   median time), its bounds from the interval's ends.
//! * **github-action-benchmark**: `customSmallerIsBetter`, a list of
//!   `{name, unit, value, range, extra}` with the median time in ns, and
//!   `customBiggerIsBetter` with the throughput in the file's own unit.
//! * **critcmp**: the file `critcmp --export` writes (critcmp 0.1.8's
//!   `BaseBenchmarks`): criterion's `benchmark.json` and `estimates.json` per
//!   benchmark under a baseline name. Fields a results file does not keep are
//!   derived: a standard error from the 95% interval (`half-width / 1.96`),
//!   and, in files older than `std_dev_ns`, the deviation as
//!   `standard error · √samples` (median absolute deviation `0.6745 ×` that,
//!   as for a normal sample); `slope` is null, as criterion writes it for
//!   flat sampling.
#![forbid(unsafe_code)]

use super::criterion::{self, Benchmark, ConfidenceInterval, Estimate, Estimates, Measured};
use super::{BenchResult, Fingerprint, ResultsError, ResultsFile};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// Bencher Metric Format.
    Bmf,
    /// github-action-benchmark, `customSmallerIsBetter` (time).
    Gab,
    /// github-action-benchmark, `customBiggerIsBetter` (throughput).
    GabThroughput,
    /// critcmp's `--export` format.
    Critcmp,
}

/// Operations per second at a time of `ns` per iteration, where declared.
fn ops_per_second(b: &BenchResult, ns: f64) -> Option<f64> {
    b.per_iteration.map(|n| n as f64 * 1e9 / ns)
}

/// The machine and commit a row came from, for the `extra` tooltip.
fn extra(f: &ResultsFile) -> String {
    let m = &f.machine;
    format!(
        "machine: {}\ncommit: {}\nsimd: {}",
        f.machine_id,
        m.git_commit.as_deref().unwrap_or("unknown"),
        m.compiled_path
    )
}

fn bmf(f: &ResultsFile) -> Value {
    let mut out = serde_json::Map::new();
    for (id, b) in &f.benchmarks {
        let [lo, hi] = b.median_ci_ns;
        let mut measures = serde_json::Map::new();
        measures.insert(
            "latency".into(),
            json!({"value": b.median_ns, "lower_value": lo, "upper_value": hi}),
        );
        if let (Some(v), Some(slow), Some(fast)) = (
            ops_per_second(b, b.median_ns),
            ops_per_second(b, hi),
            ops_per_second(b, lo),
        ) {
            measures.insert(
                "throughput".into(),
                json!({"value": v, "lower_value": slow, "upper_value": fast}),
            );
        }
        out.insert(id.clone(), Value::Object(measures));
    }
    Value::Object(out)
}

fn gab(f: &ResultsFile, throughput: bool) -> Value {
    let extra = extra(f);
    let rows: Vec<Value> = f
        .benchmarks
        .iter()
        .filter_map(|(id, b)| {
            let [lo, hi] = b.median_ci_ns;
            if throughput {
                let t = b.throughput.as_ref()?;
                // The rate's interval from the time's: the same relative half-width.
                let half = t.value * (hi - lo) / (2.0 * b.median_ns);
                Some(json!({"name": id, "unit": t.unit, "value": t.value,
                            "range": format!("± {half:.4}"), "extra": extra}))
            } else {
                Some(json!({"name": id, "unit": "ns", "value": b.median_ns,
                            "range": format!("± {:.1}", (hi - lo) / 2.0), "extra": extra}))
            }
        })
        .collect();
    Value::Array(rows)
}

/// critcmp 0.1.8's `BaseBenchmarks`.
#[derive(Debug, Serialize, Deserialize)]
struct CritcmpFile {
    name: String,
    benchmarks: BTreeMap<String, CritcmpBenchmark>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CritcmpBenchmark {
    baseline: String,
    fullname: String,
    criterion_benchmark_v1: CritcmpInfo,
    criterion_estimates_v1: CritcmpEstimates,
}

#[derive(Debug, Serialize, Deserialize)]
struct CritcmpInfo {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<CritcmpThroughput>,
    full_id: String,
    directory_name: String,
}

/// criterion's throughput as critcmp keeps it: both keys, one of them null.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CritcmpThroughput {
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    elements: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CritcmpEstimates {
    mean: CritcmpStats,
    median: CritcmpStats,
    median_abs_dev: CritcmpStats,
    slope: Option<CritcmpStats>,
    std_dev: CritcmpStats,
}

#[derive(Debug, Serialize, Deserialize)]
struct CritcmpStats {
    confidence_interval: CritcmpInterval,
    point_estimate: f64,
    standard_error: f64,
}

#[derive(Debug, Serialize, Deserialize)]
struct CritcmpInterval {
    confidence_level: f64,
    lower_bound: f64,
    upper_bound: f64,
}

fn stats(point: f64, ci: [f64; 2]) -> CritcmpStats {
    CritcmpStats {
        confidence_interval: CritcmpInterval {
            confidence_level: 0.95,
            lower_bound: ci[0],
            upper_bound: ci[1],
        },
        point_estimate: point,
        standard_error: (ci[1] - ci[0]) / (2.0 * 1.96),
    }
}

/// `f` as critcmp's export, under the baseline name `name` (the column
/// critcmp shows); [`export`] names it after the machine.
pub fn critcmp(f: &ResultsFile, name: &str) -> Value {
    let name = name.to_string();
    let benchmarks = f
        .benchmarks
        .iter()
        .map(|(id, b)| {
            let se = (b.mean_ci_ns[1] - b.mean_ci_ns[0]) / (2.0 * 1.96);
            let sd = b
                .std_dev_ns
                .unwrap_or(se * (b.samples.max(1) as f64).sqrt());
            let mad = b.median_abs_dev_ns.unwrap_or(0.6745 * sd);
            let entry = CritcmpBenchmark {
                baseline: name.clone(),
                fullname: format!("{name}/{id}"),
                criterion_benchmark_v1: CritcmpInfo {
                    group_id: b.group.clone(),
                    function_id: Some(b.implementation.clone()),
                    value_str: Some(b.size.clone()),
                    throughput: b.per_iteration.map(|n| CritcmpThroughput {
                        bytes: None,
                        elements: Some(n),
                    }),
                    full_id: id.clone(),
                    directory_name: id.clone(),
                },
                criterion_estimates_v1: CritcmpEstimates {
                    mean: stats(b.mean_ns, b.mean_ci_ns),
                    median: stats(b.median_ns, b.median_ci_ns),
                    median_abs_dev: stats(mad, [mad, mad]),
                    slope: None,
                    std_dev: stats(sd, [sd, sd]),
                },
            };
            (id.clone(), entry)
        })
        .collect();
    serde_json::to_value(CritcmpFile { name, benchmarks }).unwrap_or(Value::Null)
}

/// `f` in the format `e`, as one JSON document.
pub fn export(f: &ResultsFile, e: Export) -> Value {
    match e {
        Export::Bmf => bmf(f),
        Export::Gab => gab(f, false),
        Export::GabThroughput => gab(f, true),
        Export::Critcmp => critcmp(f, &f.machine_id),
    }
}

/// Whether a JSON document looks like a critcmp export (no `schema`, a
/// `name` and a `benchmarks` map).
pub(crate) fn is_critcmp(v: &Value) -> bool {
    v.get("schema").is_none() && v.get("name").is_some() && v.get("benchmarks").is_some()
}

/// Reads a critcmp export as a results file of an unnamed machine: it
/// carries no fingerprint, so the machine id is `critcmp-<baseline name>`
/// and every fingerprint field reads `unknown`.
pub(crate) fn from_critcmp(path: &Path, v: Value) -> Result<ResultsFile, ResultsError> {
    let c: CritcmpFile =
        serde_json::from_value(v).map_err(|e| ResultsError::Json(path.to_path_buf(), e))?;
    let est = |s: &CritcmpStats| Estimate {
        confidence_interval: ConfidenceInterval {
            confidence_level: s.confidence_interval.confidence_level,
            lower_bound: s.confidence_interval.lower_bound,
            upper_bound: s.confidence_interval.upper_bound,
        },
        point_estimate: s.point_estimate,
        standard_error: s.standard_error,
    };
    let measured: Vec<Measured> = c
        .benchmarks
        .values()
        .map(|b| {
            let i = &b.criterion_benchmark_v1;
            let e = &b.criterion_estimates_v1;
            let throughput = i.throughput.as_ref().and_then(|t| {
                t.elements
                    .map(criterion::Throughput::Elements)
                    .or(t.bytes.map(criterion::Throughput::Bytes))
            });
            Measured {
                benchmark: Benchmark {
                    group_id: i.group_id.clone(),
                    function_id: i.function_id.clone(),
                    value_str: i.value_str.clone(),
                    throughput,
                    full_id: i.full_id.clone(),
                },
                estimates: Estimates {
                    mean: est(&e.mean),
                    median: est(&e.median),
                    std_dev: Some(est(&e.std_dev)),
                    median_abs_dev: Some(est(&e.median_abs_dev)),
                },
                samples: 0,
                dir: path.to_path_buf(),
            }
        })
        .collect();
    let mut f = super::from_measured(&measured, Fingerprint::unknown());
    f.machine_id = format!("critcmp-{}", c.name);
    f.imported_from = Some("critcmp".into());
    // critcmp keeps no sample counts or suite settings: its benchmarks are
    // matched by ID, as an older results file's are.
    f.suite = None;
    for b in f.benchmarks.values_mut() {
        b.definition = None;
    }
    Ok(f)
}
