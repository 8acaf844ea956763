//! Serde mirrors of criterion's per-benchmark files, and the walk that finds them.
//!
//! criterion writes `target/criterion/<group>/<impl>/<size>/new/{estimates,benchmark,sample}.json`
//! for the latest run, and copies them to `<baseline>/` for `--save-baseline NAME`.
//! Only the fields we read are mirrored; unknown fields are ignored.
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A confidence interval.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ConfidenceInterval {
    /// e.g. 0.95.
    pub confidence_level: f64,
    /// Lower bound (ns).
    pub lower_bound: f64,
    /// Upper bound (ns).
    pub upper_bound: f64,
}

/// One estimate.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Estimate {
    /// The interval.
    pub confidence_interval: ConfidenceInterval,
    /// The point estimate (ns per iteration).
    pub point_estimate: f64,
    /// Its standard error.
    pub standard_error: f64,
}

/// `estimates.json`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Estimates {
    /// Mean time per iteration.
    pub mean: Estimate,
    /// Median time per iteration.
    pub median: Estimate,
    /// Standard deviation of the samples' times per iteration.
    #[serde(default)]
    pub std_dev: Option<Estimate>,
    /// Median absolute deviation of the samples' times per iteration.
    #[serde(default)]
    pub median_abs_dev: Option<Estimate>,
}

/// criterion's throughput declaration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub enum Throughput {
    /// Bytes per iteration.
    Bytes(u64),
    /// Bytes per iteration (decimal units).
    BytesDecimal(u64),
    /// Elements per iteration.
    Elements(u64),
    /// Bits per iteration.
    Bits(u64),
    /// Elements and bytes.
    ElementsAndBytes {
        /// Elements.
        elements: u64,
        /// Bytes.
        bytes: u64,
    },
}

/// `benchmark.json`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Benchmark {
    /// Group, e.g. `sgemm`.
    pub group_id: String,
    /// Implementation, e.g. `blocked`.
    pub function_id: Option<String>,
    /// Size, e.g. `1024x1024x1024`.
    pub value_str: Option<String>,
    /// Declared throughput.
    pub throughput: Option<Throughput>,
    /// `group/impl/size`.
    pub full_id: String,
}

/// `sample.json` (only its length matters here).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Sample {
    /// Iterations per sample.
    pub iters: Vec<f64>,
}

/// One benchmark as criterion left it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// `benchmark.json`.
    pub benchmark: Benchmark,
    /// `estimates.json`.
    pub estimates: Estimates,
    /// Number of samples.
    pub samples: usize,
    /// The `new/` directory read.
    pub dir: PathBuf,
}

/// Reading criterion's output failed.
#[derive(Debug)]
pub enum CriterionError {
    /// The directory does not exist or cannot be read.
    Dir(PathBuf, std::io::Error),
    /// A file could not be read.
    Read(PathBuf, std::io::Error),
    /// A file is not the JSON we expect.
    Parse(PathBuf, serde_json::Error),
    /// No benchmark found (in the named baseline).
    Empty(PathBuf, String),
    /// More than [`MAX_DIRS`] directories under the root.
    TooMany(PathBuf),
}

impl core::fmt::Display for CriterionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CriterionError::Dir(p, e) => write!(
                f,
                "cannot read criterion directory `{}`: {e} (run `cargo bench` first)",
                p.display()
            ),
            CriterionError::Read(p, e) => write!(f, "cannot read `{}`: {e}", p.display()),
            CriterionError::Parse(p, e) => {
                write!(f, "malformed criterion file `{}`: {e}", p.display())
            }
            CriterionError::Empty(p, b) if b == "new" => write!(
                f,
                "no benchmark estimates under `{}` (run `cargo bench` first)",
                p.display()
            ),
            CriterionError::TooMany(p) => write!(
                f,
                "`{}` holds more than {MAX_DIRS} directories; is it criterion's output?",
                p.display()
            ),
            CriterionError::Empty(p, b) => write!(
                f,
                "no benchmark of baseline `{b}` under `{}` (run `cargo bench -- --save-baseline {b}` first)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for CriterionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CriterionError::Dir(_, e) | CriterionError::Read(_, e) => Some(e),
            CriterionError::Parse(_, e) => Some(e),
            CriterionError::Empty(..) | CriterionError::TooMany(_) => None,
        }
    }
}

/// The deepest directory the walk enters below the root
/// (`group/impl/size/baseline` is 4 deep).
pub const MAX_DEPTH: usize = 8;
/// The most directories the walk visits.
pub const MAX_DIRS: usize = 100_000;
/// The largest criterion file read (criterion's are a few KB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

fn read_json<T: for<'de> Deserialize<'de>>(p: &Path) -> Result<T, CriterionError> {
    use std::io::Read;
    let err = |e| CriterionError::Read(p.to_path_buf(), e);
    let mut text = String::new();
    crate::whole_file::open_regular(p)
        .map_err(err)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(err)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        )));
    }
    serde_json::from_str(&text).map_err(|e| CriterionError::Parse(p.to_path_buf(), e))
}

/// Every benchmark under `root` as measured in `baseline` (`new` for the
/// latest run, or a name given to `--save-baseline`), sorted by id: the
/// directories holding `<baseline>/estimates.json`. A named baseline holds
/// copies of the run's estimates and samples; its `benchmark.json` is read
/// from there, else from `new/`. The walk follows no symbolic link, goes at
/// most [`MAX_DEPTH`] deep and visits at most [`MAX_DIRS`] directories.
pub fn read_all(root: &Path, baseline: &str) -> Result<Vec<Measured>, CriterionError> {
    std::fs::read_dir(root).map_err(|e| CriterionError::Dir(root.to_path_buf(), e))?;
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut visited = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        visited += 1;
        if visited > MAX_DIRS {
            return Err(CriterionError::TooMany(root.to_path_buf()));
        }
        let run = dir.join(baseline);
        let benchmark_file = [run.join("benchmark.json"), dir.join("new/benchmark.json")]
            .into_iter()
            .find(|p| p.is_file());
        if let (true, Some(bf)) = (run.join("estimates.json").is_file(), benchmark_file) {
            let benchmark: Benchmark = read_json(&bf)?;
            let estimates: Estimates = read_json(&run.join("estimates.json"))?;
            let samples = match run.join("sample.json") {
                p if p.is_file() => read_json::<Sample>(&p)?.iters.len(),
                _ => 0,
            };
            out.push(Measured {
                benchmark,
                estimates,
                samples,
                dir: run,
            });
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| CriterionError::Dir(dir.clone(), e))?;
        if depth == MAX_DEPTH {
            continue;
        }
        for e in entries.flatten() {
            let name = e.file_name();
            // `file_type` does not follow links: a link to `..` is not a directory here.
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && name != "report" && name != "change" {
                stack.push((e.path(), depth + 1));
            }
        }
    }
    if out.is_empty() {
        return Err(CriterionError::Empty(
            root.to_path_buf(),
            baseline.to_string(),
        ));
    }
    out.sort_by(|a, b| a.benchmark.full_id.cmp(&b.benchmark.full_id));
    Ok(out)
}
