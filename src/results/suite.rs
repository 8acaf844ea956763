//! The suite version: what a results file's benchmarks measure, as digests.
//!
//! Two times are comparable when they measure the same work the same way.
//! A benchmark's **definition** holds what fixes that: its ID (group,
//! implementation, size), the work per iteration declared to criterion
//! (elements, FLOP or bytes) and its unit, the samples criterion took, the
//! sampler stream version (the values a seed gives, [`STREAM_VERSION`]) and
//! the criterion settings of the suite ([`SETTINGS`]). Its digest is FNV-1a
//! (64 bits) over those fields. A file's **suite version** is the digest of
//! its benchmarks' IDs and definition digests, in ID order.
//!
//! `compare` and `score` compare the benchmarks whose definitions match and
//! say how many they left out; `--strict` refuses files of different suite
//! versions. Files of schemas 1 and 2 were written before definitions were
//! recorded: their benchmarks are matched by ID alone, and the comparison
//! says so (under `--strict` it is refused).
//!
//! The code that runs is not part of a definition: comparing two revisions
//! of the same definitions is what a regression check does.
#![forbid(unsafe_code)]

use super::BenchResult;
use crate::sample::STREAM_VERSION;
use crate::whole_file::fnv1a;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Criterion's settings for the suite (`benches/common` builds its config
/// from these), part of every definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Warm-up per benchmark, ms.
    pub warm_up_ms: u64,
    /// Measurement per benchmark, ms.
    pub measurement_ms: u64,
    /// Samples per benchmark, unless a group sets its own (then the samples
    /// recorded per benchmark tell).
    pub sample_size: usize,
}

/// The suite's criterion settings.
pub const SETTINGS: Settings = Settings {
    warm_up_ms: 500,
    measurement_ms: 1500,
    sample_size: 20,
};

/// A results file's suite version and what went into it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteVersion {
    /// The digest of the benchmarks' IDs and definitions, 16 hex digits.
    pub version: String,
    /// The sampler stream version of the run.
    pub stream_version: u32,
    /// The criterion settings, in words.
    pub settings: String,
}

fn settings_text(s: &Settings) -> String {
    format!(
        "warm-up {} ms, measurement {} ms, {} samples",
        s.warm_up_ms, s.measurement_ms, s.sample_size
    )
}

/// The definition digest of benchmark `id` as `b` records it (16 hex digits).
pub fn definition(id: &str, b: &BenchResult) -> String {
    let unit = b.throughput.as_ref().map_or("", |t| t.unit.as_str());
    let per = b.per_iteration.map_or(String::new(), |n| n.to_string());
    let text = format!(
        "{id}\0{per}\0{unit}\0{}\0stream {STREAM_VERSION}\0{}",
        b.samples,
        settings_text(&SETTINGS)
    );
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// The suite version of a set of benchmarks whose definitions are recorded.
pub fn version(benchmarks: &BTreeMap<String, BenchResult>) -> SuiteVersion {
    let mut text = String::new();
    for (id, b) in benchmarks {
        text.push_str(id);
        text.push('\0');
        text.push_str(b.definition.as_deref().unwrap_or(""));
        text.push('\n');
    }
    SuiteVersion {
        version: format!("{:016x}", fnv1a(text.as_bytes())),
        stream_version: STREAM_VERSION,
        settings: settings_text(&SETTINGS),
    }
}

/// Records every benchmark's definition and returns the suite version.
pub(crate) fn stamp(benchmarks: &mut BTreeMap<String, BenchResult>) -> SuiteVersion {
    for (id, b) in benchmarks.iter_mut() {
        b.definition = Some(definition(id, b));
    }
    version(benchmarks)
}

/// Why a benchmark that several files hold is not compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// Benchmark ID.
    pub id: String,
    /// The reason, in words.
    pub why: String,
}

/// The files' benchmark IDs that can be compared: of `common` (IDs every
/// file holds), those whose recorded definitions agree, and the rest with
/// their reason. A file without definitions (schema 1 or 2) matches on ID.
pub fn matching<'a>(
    files: &[&'a BTreeMap<String, BenchResult>],
    common: impl IntoIterator<Item = &'a String>,
) -> (Vec<&'a String>, Vec<LeftOut>) {
    let mut keep = Vec::new();
    let mut left = Vec::new();
    for id in common {
        let defs: Vec<&str> = files
            .iter()
            .filter_map(|f| f[id].definition.as_deref())
            .collect();
        match defs.iter().find(|d| **d != defs[0]) {
            Some(_) => {
                let per: Vec<String> = files
                    .iter()
                    .map(|f| {
                        let b = &f[id];
                        format!(
                            "{} per iteration, {} samples",
                            b.per_iteration.map_or("no work".into(), |n| n.to_string()),
                            b.samples
                        )
                    })
                    .collect();
                left.push(LeftOut {
                    id: id.clone(),
                    why: format!("its definition differs ({})", per.join(" against ")),
                });
            }
            None => keep.push(id),
        }
    }
    (keep, left)
}
