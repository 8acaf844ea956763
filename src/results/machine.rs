//! The machine fingerprint of a results file, and the machine id derived from it.
use crate::simd::Isa;
use serde::{Deserialize, Serialize};

/// What ran the benchmarks: hardware, build and software.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// CPU brand string (`model name`).
    pub cpu_brand: String,
    /// CPU vendor (`vendor_id`).
    pub vendor: String,
    /// Logical CPUs.
    pub logical_cores: usize,
    /// Physical cores.
    pub physical_cores: usize,
    /// L1 data cache per core, bytes.
    pub l1d_bytes: Option<u64>,
    /// L2 cache per core, bytes.
    pub l2_bytes: Option<u64>,
    /// L3 cache, bytes.
    pub l3_bytes: Option<u64>,
    /// The widest SIMD path compiled in (which kernels ran).
    pub compiled_path: String,
    /// Target features compiled in.
    pub compiled_features: Vec<String>,
    /// Features detected on the CPU at run time.
    pub detected_features: Vec<String>,
    /// Threads of the rayon pool.
    pub rayon_threads: usize,
    /// Operating system and architecture.
    pub os: String,
    /// rustc that built the benchmarks.
    pub rustc: String,
    /// This crate's version.
    pub crate_version: String,
    /// Git commit, where known.
    pub git_commit: Option<String>,
    /// UTC date, YYYY-MM-DD.
    pub date: String,
}

fn cpuinfo_field(info: &str, key: &str) -> Option<String> {
    info.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn cache_bytes(level: u32, kind: &str) -> Option<u64> {
    for i in 0..8 {
        let base = format!("/sys/devices/system/cpu/cpu0/cache/index{i}");
        let lv = std::fs::read_to_string(format!("{base}/level")).ok()?;
        let ty = std::fs::read_to_string(format!("{base}/type")).unwrap_or_default();
        if lv.trim() == level.to_string() && (ty.trim() == kind || ty.trim() == "Unified") {
            let size = std::fs::read_to_string(format!("{base}/size")).ok()?;
            let t = size.trim();
            let (num, mult) = match t.chars().last() {
                Some('K') => (&t[..t.len() - 1], 1024),
                Some('M') => (&t[..t.len() - 1], 1024 * 1024),
                _ => (t, 1),
            };
            return num.parse::<u64>().ok().map(|v| v * mult);
        }
    }
    None
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Fingerprint {
    /// Reads this machine.
    pub fn current() -> Fingerprint {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let logical = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let mut cores: Vec<(String, String)> = info
            .split("\n\n")
            .filter_map(|b| {
                Some((
                    cpuinfo_field(b, "physical id")?,
                    cpuinfo_field(b, "core id")?,
                ))
            })
            .collect();
        cores.sort();
        cores.dedup();
        let isa = Isa::current();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (y, m, d) = civil_from_days((secs / 86_400) as i64);
        let commit = env!("WEIGHTINIT_GIT_COMMIT");
        Fingerprint {
            cpu_brand: cpuinfo_field(&info, "model name").unwrap_or_else(|| "unknown".into()),
            vendor: cpuinfo_field(&info, "vendor_id").unwrap_or_else(|| "unknown".into()),
            logical_cores: logical,
            physical_cores: if cores.is_empty() {
                logical
            } else {
                cores.len()
            },
            l1d_bytes: cache_bytes(1, "Data"),
            l2_bytes: cache_bytes(2, "Unified"),
            l3_bytes: cache_bytes(3, "Unified"),
            compiled_path: isa.compiled,
            compiled_features: isa.compiled_features,
            detected_features: isa.detected_features,
            rayon_threads: rayon::current_num_threads(),
            os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            rustc: env!("WEIGHTINIT_RUSTC_VERSION").to_string(),
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: if commit.is_empty() {
                None
            } else {
                Some(commit.to_string())
            },
            date: format!("{y:04}-{m:02}-{d:02}"),
        }
    }

    /// A readable id: CPU model, core count and SIMD path, e.g. `amd-epyc-2c-avx2`.
    pub fn machine_id(&self) -> String {
        let mut slug = String::new();
        for c in self.cpu_brand.to_ascii_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "unknown-cpu" } else { slug };
        format!("{slug}-{}c-{}", self.logical_cores, self.compiled_path)
    }

    /// The fields that differ between two fingerprints, as `(field, a, b)`.
    pub fn differences(&self, o: &Fingerprint) -> Vec<(&'static str, String, String)> {
        let mut v = Vec::new();
        let mut cmp = |name: &'static str, a: String, b: String| {
            if a != b {
                v.push((name, a, b));
            }
        };
        cmp("cpu_brand", self.cpu_brand.clone(), o.cpu_brand.clone());
        cmp(
            "logical_cores",
            self.logical_cores.to_string(),
            o.logical_cores.to_string(),
        );
        cmp(
            "physical_cores",
            self.physical_cores.to_string(),
            o.physical_cores.to_string(),
        );
        cmp(
            "compiled_path",
            self.compiled_path.clone(),
            o.compiled_path.clone(),
        );
        cmp(
            "detected_features",
            self.detected_features.join(" "),
            o.detected_features.join(" "),
        );
        cmp(
            "rayon_threads",
            self.rayon_threads.to_string(),
            o.rayon_threads.to_string(),
        );
        cmp(
            "l2_bytes",
            format!("{:?}", self.l2_bytes),
            format!("{:?}", o.l2_bytes),
        );
        cmp("rustc", self.rustc.clone(), o.rustc.clone());
        cmp("os", self.os.clone(), o.os.clone());
        v
    }
}
