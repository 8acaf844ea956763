//! Arguments (clap derive).
use clap::{Args, Parser, Subcommand, ValueEnum};
use weightinit::Backend;

/// `--naive` (a flag without a value) selects the naive backend.
fn backend(s: &str) -> Result<Backend, String> {
    Backend::parse(s).ok_or_else(|| format!("expected naive or fast, got `{s}`"))
}

/// weightinit: weight-initialization experiments and SIMD benchmarks.
#[derive(Parser, Debug)]
#[command(
    name = "weightinit",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
    /// Experiment options (a bare `weightinit` runs the experiment).
    #[command(flatten)]
    pub experiment: ExperimentArgs,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run the init × activation grid and print per-layer statistics (the default).
    Experiment(ExperimentArgs),
    /// Draw a weight tensor and write it as a .npy file.
    Sample(SampleArgs),
    /// Print the SIMD path, lanes, threads and kernel parameters of this build.
    Info,
    /// Turn criterion's estimates into a machine-tagged results file.
    Report(ReportArgs),
    /// Compare results files: regressions on one machine, or machines side by side.
    Compare(CompareArgs),
    /// Score machines against a reference machine, per area, with 95% intervals.
    Score(ScoreArgs),
    /// Each benchmark against the machine's measured roofs (compute, bandwidth per level).
    Roofline(RooflineArgs),
    /// Paired A/B runs of two git revisions' benchmarks: the regression gate.
    Ab(AbArgs),
    /// Find the commit that made the benchmarks slower, by paired bisection.
    Bisect(BisectArgs),
    /// Write a results file in the format of a benchmark tracker.
    Export(ExportArgs),
    /// List or remove the builds `ab` keeps in its private cache.
    Cache(CacheArgs),
    /// Train the same network from each initializer (Saito §6.2.4) and compare the losses.
    Train(TrainArgs),
}

/// A count (sizes, bins, iterations). Negative numbers reach this parser
/// rather than clap's "unexpected argument", so the message names them; zero
/// passes here and is refused with the other values' checks.
fn count(s: &str) -> Result<usize, String> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<i128>() {
        Ok(v) if v < 0 => Err(format!("must not be negative, got {s}")),
        Ok(v) => usize::try_from(v).map_err(|_| format!("{s} is too large")),
        Err(_) if digits => Err(format!("{s} is too large")),
        Err(_) => Err(format!("expected a whole number, got `{s}`")),
    }
}

/// [`count`], as a `u32`.
fn count_u32(s: &str) -> Result<u32, String> {
    let v = count(s)?;
    u32::try_from(v).map_err(|_| format!("{s} is too large"))
}

#[derive(Args, Debug, Clone)]
pub struct ExperimentArgs {
    /// Initializer (repeatable): e.g. normal:1, he_normal, xavier_uniform, orthogonal, lsuv, or `all`.
    #[arg(long = "init", value_name = "NAME")]
    pub inits: Vec<String>,
    /// Activation (repeatable): sigmoid, tanh, relu.
    #[arg(long = "activation", value_name = "NAME")]
    pub activations: Vec<String>,
    /// Inputs per batch.
    #[arg(long, default_value_t = 1000, allow_negative_numbers = true, value_parser = count)]
    pub batch: usize,
    /// Units per layer.
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = count)]
    pub width: usize,
    /// Layers.
    #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = count)]
    pub layers: usize,
    /// Histogram bins.
    #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = count)]
    pub bins: usize,
    /// Seed.
    #[arg(long, default_value_t = weightinit::DEFAULT_SEED, allow_negative_numbers = true)]
    pub seed: u64,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Run the scalar reference backend (sampler twin, triple loop, f32::exp).
    #[arg(long = "naive", num_args = 0, default_value = "fast", default_missing_value = "naive", value_parser = backend, hide_default_value = true)]
    pub backend: Backend,
    /// Write the seed's figures (SVG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// LSUV tolerance on the pre-activation variance.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub lsuv_tol: f64,
    /// LSUV rescalings per layer at most.
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = count_u32)]
    pub lsuv_max_iter: u32,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Initializer (repeatable; default normal:0.01, lecun_normal, he_normal), or `all`.
    #[arg(long = "init", value_name = "NAME")]
    pub inits: Vec<String>,
    /// The hidden layers' activation: relu, sigmoid, tanh.
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// SGD steps.
    #[arg(long, default_value_t = 2000, allow_negative_numbers = true, value_parser = count)]
    pub steps: usize,
    /// Rows per batch.
    #[arg(long, default_value_t = 128, allow_negative_numbers = true, value_parser = count)]
    pub batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub lr: f32,
    /// Seed of the weights and the batches.
    #[arg(long, default_value_t = weightinit::DEFAULT_SEED, allow_negative_numbers = true)]
    pub seed: u64,
    /// The data: `digits` (embedded), `fashion-mnist` or `mnist` (looked for in
    /// $WEIGHTINIT_DATA/NAME, then /usr/share/datasets/NAME), or a directory of
    /// MNIST's four IDX files (plain or .gz).
    #[arg(long, value_name = "NAME|DIR", default_value = "digits")]
    pub data: String,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the loss curves (SVG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// Run the scalar reference backend (triple-loop GEMM, f32::exp).
    #[arg(long = "naive", num_args = 0, default_value = "fast", default_missing_value = "naive", value_parser = backend, hide_default_value = true)]
    pub backend: Backend,
}

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Initializer, e.g. he_normal, xavier_uniform, normal:0.02, orthogonal.
    #[arg(long)]
    pub init: String,
    /// Shape, e.g. 784x256 or 3x3x64x128 ([k…, fan_in, fan_out]).
    #[arg(long, allow_hyphen_values = true)]
    pub shape: String,
    /// fan_in, fan_out or fan_avg (variance-scaling schemes).
    #[arg(long)]
    pub fan_mode: Option<String>,
    /// A gain: a number, or a nonlinearity (tanh, relu, leaky_relu:0.2, …).
    #[arg(long, allow_hyphen_values = true)]
    pub gain: Option<String>,
    /// Seed.
    #[arg(long, default_value_t = weightinit::DEFAULT_SEED, allow_negative_numbers = true)]
    pub seed: u64,
    /// Output .npy file.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Draw with the scalar reference backend (the same values, in memory).
    #[arg(long = "naive", num_args = 0, default_value = "fast", default_missing_value = "naive", value_parser = backend, hide_default_value = true)]
    pub backend: Backend,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Criterion's output directory.
    #[arg(long, default_value = "target/criterion")]
    pub criterion_dir: std::path::PathBuf,
    /// A criterion baseline to read (`cargo bench -- --save-baseline NAME`)
    /// instead of the latest run; repeat it to merge several runs of the
    /// suite, whose between-run spread `compare` then allows for.
    #[arg(long = "baseline", value_name = "NAME")]
    pub baselines: Vec<String>,
    /// Output file (default: results/<machine-id>.json).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// `weightinit compare`.
///
/// Two files of one machine are a regression check: a benchmark is slower
/// (or faster) only when its change exceeds the threshold, the between-run
/// allowance, and criterion's 95% intervals of the two medians are
/// disjoint. The allowance is the files' measured between-run spread
/// (max/min − 1 of the runs' medians) where both were made from several runs
/// (`report --baseline A --baseline B …`); a single run is allowed 50%
/// (see the README). Exit status 1 when anything is slower.
///
/// Files of different machines (or one machine id with another CPU family,
/// model or stepping) are shown side by side: first one row per area with
/// the geometric mean of throughput relative to the first file and of each
/// machine's share of its own ceiling, then key ratios, then every
/// benchmark. A share above 100% reads "at ceiling": criterion measures the
/// ceiling (the FMA loop, a plain fill or copy) minutes apart from the
/// benchmark, so on a shared machine they can be timed in other weather.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Results files: BASE NEW for one machine, or one per machine.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<std::path::PathBuf>,
    /// A change counts only above this percentage (and with disjoint confidence intervals).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also draw a bar chart (SVG): the changes of a regression check, or
    /// the per-area summary of machines side by side.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<std::path::PathBuf>,
    /// Machines side by side: only the per-area summary and the key ratios.
    #[arg(long)]
    pub summary: bool,
    /// Refuse files of different (or unknown) suite versions, exit 2,
    /// instead of comparing the benchmarks whose definitions match.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Results files, one per machine (merged runs give measured intervals).
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<std::path::PathBuf>,
    /// The reference machine's results file: it scores 1.00 (default: the first file).
    #[arg(long, value_name = "FILE")]
    pub reference: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Draw the scores (SVG): one group per area, a bar per machine, intervals as whiskers.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<std::path::PathBuf>,
    /// Refuse files of another suite version than the reference's (exit 2).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Args, Debug)]
pub struct RooflineArgs {
    /// Results files, one roofline each.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<std::path::PathBuf>,
    /// Write `roofline_<machine-id>.svg` per file into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A number of seconds or a percentage, any float: NaN and negative values
/// reach the command's own checks, which name them.
fn float(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .map_err(|_| format!("expected a number, got `{s}`"))
}

/// The paired gate's settings, shared by `ab` and `bisect`.
#[derive(Args, Debug)]
pub struct GateArgs {
    /// Run the benchmarks whose IDs match this regex instead of the default set.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Pairs per benchmark at the first look (at least 6).
    #[arg(long, default_value_t = 12, allow_negative_numbers = true, value_parser = count)]
    pub rounds: usize,
    /// Pairs per benchmark at most: an undecided benchmark gets more rounds,
    /// looked at 1.5 times the pairs of the look before, up to this (and to
    /// what the budget affords, fixed after the first round).
    #[arg(long, default_value_t = 90, allow_negative_numbers = true, value_parser = count)]
    pub max_rounds: usize,
    /// Seconds of slices at most; benchmarks still undecided then are inconclusive.
    #[arg(long, default_value_t = 420.0, allow_negative_numbers = true, value_parser = float)]
    pub budget: f64,
    /// A change counts when its whole interval is beyond this percentage.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = float)]
    pub threshold: f64,
    /// Measurement time of one slice, seconds (plus half of it to warm up).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true, value_parser = float)]
    pub slice: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `weightinit ab`.
///
/// Builds the benchmarks of BASE and NEW (git revisions; NEW defaults to the
/// working tree), runs each selected benchmark in alternating short slices
/// (A B, B A, …) and judges it on its paired ratios new/base: `slower` when
/// the whole interval of the median ratio lies above 1 + threshold,
/// `faster` below 1 − threshold, `same` inside [1 − threshold, 1 +
/// threshold]; an undecided benchmark gets more rounds, up to --max-rounds
/// and --budget, and is `inconclusive` after that. Exit status: 0 when
/// nothing is slower or inconclusive, 1 when anything is slower, 3 when
/// nothing is slower but something is inconclusive, 2 for bad input or a
/// failed build. Revisions are exported into a private per-user cache (see
/// `weightinit cache`); SIGINT or SIGTERM ends the builds and benchmarks it
/// started (exit 130 or 143).
#[derive(Args, Debug)]
pub struct AbArgs {
    /// The base revision (e.g. origin/main, HEAD~1, a commit).
    pub base: String,
    /// The new revision (default: the working tree as it is).
    pub new: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// `weightinit bisect`.
///
/// Finds the first commit on the first-parent line from GOOD to BAD whose
/// benchmarks are slower than GOOD's: it first confirms with the paired
/// gate that BAD is slower than GOOD (exit 0 if not), then bisects, each
/// step comparing a midpoint with GOOD on the benchmarks BAD slowed. A
/// commit that does not build is skipped; a step that stays inconclusive
/// ends the search with the range it could not split. Exit status: 0 when
/// no regression was confirmed or the culprit was found, 3 when only a
/// range was, 2 for bad input.
#[derive(Args, Debug)]
pub struct BisectArgs {
    /// The last known good revision.
    pub good: String,
    /// The first known bad revision (a descendant of GOOD).
    pub bad: String,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// The formats of `weightinit export`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Bencher Metric Format (`bencher run --adapter json`): latency in ns
    /// (median and its 95% interval) and throughput in operations/s.
    Bmf,
    /// github-action-benchmark's `customSmallerIsBetter`: the median time in ns.
    Gab,
    /// github-action-benchmark's `customBiggerIsBetter`: the throughput.
    GabThroughput,
    /// critcmp's `--export` format (`critcmp export.json other.json`).
    Critcmp,
}

/// `weightinit export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// A results file (`results/<machine-id>.json`).
    pub file: std::path::PathBuf,
    /// Write here (whole, or not at all) instead of to standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// critcmp's column name (`--format critcmp`; default: the machine id).
    #[arg(long)]
    pub name: Option<String>,
}

/// `weightinit cache`.
///
/// `ab` exports each revision it builds into a private cache,
/// `$XDG_CACHE_HOME/weightinit/ab` (else `~/.cache/weightinit/ab`), mode
/// 0700, and keeps the export and its build for the next run.
#[derive(Args, Debug)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: Option<CacheAction>,
}

#[derive(Subcommand, Debug)]
pub enum CacheAction {
    /// List the kept revisions with their sizes (the default).
    List,
    /// Remove kept revisions: the named ones (commits or prefixes), or all.
    Clean {
        /// Commits (or their prefixes) to remove.
        commits: Vec<String>,
        /// Remove every kept revision.
        #[arg(long, conflicts_with = "commits")]
        all: bool,
    },
}
