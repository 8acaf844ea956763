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
    /// CPU family, model and stepping as `/proc/cpuinfo` gives them (CPUID's
    /// display family and model); absent in schema-1 files.
    #[serde(default)]
    pub cpu_family: Option<u32>,
    /// See `cpu_family`.
    #[serde(default)]
    pub cpu_model: Option<u32>,
    /// See `cpu_family`.
    #[serde(default)]
    pub cpu_stepping: Option<u32>,
    /// The microarchitecture named by `microarch` (`unknown` where the
    /// table has no entry, or in a schema-1 file).
    #[serde(default = "unknown")]
    pub microarch: String,
    /// The core clock while running `peak/fma_f32/1`, GHz: its FLOP/s over
    /// the FLOP per cycle of the compiled ISA on this microarchitecture
    /// (`fma_flop_per_cycle`); absent where either is unknown.
    #[serde(default)]
    pub clock_ghz: Option<f64>,
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

fn unknown() -> String {
    "unknown".into()
}

/// The microarchitecture of an x86-64 core from its CPUID vendor, display
/// family and display model (and stepping, which tells Cascade Lake from
/// Skylake-SP). The table covers the server cores of the last generations;
/// anything else is `unknown`. Sources: AMD's *Processor Programming
/// Reference* for each family (17h: Zen/Zen 2, 19h: Zen 3/Zen 4, 1Ah: Zen 5)
/// and the Linux kernel's `arch/x86/include/asm/intel-family.h`.
pub(crate) fn microarch(vendor: &str, family: u32, model: u32, stepping: u32) -> &'static str {
    match (vendor, family) {
        ("AuthenticAMD", 0x17) => match model {
            0x00..=0x2f => "zen",
            0x30..=0xff => "zen2",
            _ => "unknown",
        },
        ("AuthenticAMD", 0x19) => match model {
            0x00..=0x0f | 0x20..=0x5f => "zen3",
            0x10..=0x1f | 0x60..=0x7f | 0xa0..=0xaf => "zen4",
            _ => "unknown",
        },
        ("AuthenticAMD", 0x1a) => "zen5",
        ("GenuineIntel", 6) => match (model, stepping) {
            (0x55, 0..=4) => "skylake-sp",
            (0x55, 5..=7) => "cascade-lake",
            (0x55, _) => "cooper-lake",
            (0x6a | 0x6c, _) => "ice-lake-sp",
            (0x8f, _) => "sapphire-rapids",
            (0xcf, _) => "emerald-rapids",
            (0xad | 0xae, _) => "granite-rapids",
            _ => "unknown",
        },
        _ => "unknown",
    }
}

/// FLOP per cycle of one core's FMA units for the widest vectors of the
/// compiled path: two FMA pipes of 8 floats (AVX2), and for AVX-512 two of
/// 16 on Intel's server cores but two of 8 on Zen 4, which splits each
/// 512-bit operation in halves (Zen 5: two of 16). None where unknown.
pub(crate) fn fma_flop_per_cycle(microarch: &str, compiled_path: &str) -> Option<f64> {
    let lanes = match (compiled_path, microarch) {
        ("avx2", _) => 8.0,
        ("avx512", "zen4") => 8.0,
        ("avx512", "unknown") => return None,
        ("avx512", _) => 16.0,
        _ => return None,
    };
    // Two pipes, two FLOP per lane per FMA.
    Some(2.0 * 2.0 * lanes)
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
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
    /// A machine nothing is known of (a file imported from another tool).
    pub fn unknown() -> Fingerprint {
        Fingerprint {
            cpu_brand: unknown(),
            vendor: unknown(),
            cpu_family: None,
            cpu_model: None,
            cpu_stepping: None,
            microarch: unknown(),
            clock_ghz: None,
            logical_cores: 0,
            physical_cores: 0,
            l1d_bytes: None,
            l2_bytes: None,
            l3_bytes: None,
            compiled_path: unknown(),
            compiled_features: Vec::new(),
            detected_features: Vec::new(),
            rayon_threads: 0,
            os: unknown(),
            rustc: unknown(),
            crate_version: unknown(),
            git_commit: None,
            date: unknown(),
        }
    }

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
        let vendor = cpuinfo_field(&info, "vendor_id").unwrap_or_else(|| "unknown".into());
        let num = |k: &str| cpuinfo_field(&info, k).and_then(|v| v.parse::<u32>().ok());
        let (family, model, stepping) = (num("cpu family"), num("model"), num("stepping"));
        let arch = match (family, model) {
            (Some(f), Some(m)) => microarch(&vendor, f, m, stepping.unwrap_or(0)),
            _ => "unknown",
        };
        Fingerprint {
            cpu_brand: cpuinfo_field(&info, "model name").unwrap_or_else(|| "unknown".into()),
            vendor,
            cpu_family: family,
            cpu_model: model,
            cpu_stepping: stepping,
            microarch: arch.to_string(),
            clock_ghz: None,
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

    /// A readable id: the brand's first word, the microarchitecture, the
    /// rest of the brand, core count and SIMD path, e.g.
    /// `amd-zen3-epyc-2c-avx2`. Trademark signs, "CPU", "Processor" and the
    /// clock after `@` are left out of the brand.
    pub fn machine_id(&self) -> String {
        let brand = self.cpu_brand.split('@').next().unwrap_or_default();
        let words: Vec<String> = brand
            .to_ascii_lowercase()
            .replace("(r)", " ")
            .replace("(tm)", " ")
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty() && !["cpu", "processor"].contains(w))
            .map(str::to_string)
            .collect();
        let mut parts: Vec<&str> = words.iter().map(String::as_str).collect();
        if parts.is_empty() {
            parts.push("unknown-cpu");
        }
        if self.microarch != "unknown" {
            parts.insert(1.min(parts.len()), &self.microarch);
        }
        format!(
            "{}-{}c-{}",
            parts.join("-"),
            self.logical_cores,
            self.compiled_path
        )
    }

    /// Whether two fingerprints name the same kind of CPU: the same family,
    /// model and stepping where both give them (a schema-1 file does not).
    pub fn same_cpu(&self, o: &Fingerprint) -> bool {
        let agree = |a: Option<u32>, b: Option<u32>| a.is_none() || b.is_none() || a == b;
        agree(self.cpu_family, o.cpu_family)
            && agree(self.cpu_model, o.cpu_model)
            && agree(self.cpu_stepping, o.cpu_stepping)
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
        cmp("microarch", self.microarch.clone(), o.microarch.clone());
        let fms = |f: &Fingerprint| match (f.cpu_family, f.cpu_model, f.cpu_stepping) {
            (Some(a), Some(b), Some(c)) => format!("{a}/{b}/{c}"),
            _ => "unknown".into(),
        };
        cmp("family/model/stepping", fms(self), fms(o));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microarchitectures_from_family_and_model() {
        let amd = "AuthenticAMD";
        assert_eq!(microarch(amd, 25, 1, 1), "zen3"); // EPYC 7003 (Milan)
        assert_eq!(microarch(amd, 25, 17, 1), "zen4"); // EPYC 9004 (Genoa)
        assert_eq!(microarch(amd, 23, 49, 0), "zen2"); // EPYC 7002 (Rome)
        assert_eq!(microarch(amd, 26, 2, 0), "zen5"); // EPYC 9005 (Turin)
        let intel = "GenuineIntel";
        assert_eq!(microarch(intel, 6, 85, 4), "skylake-sp");
        assert_eq!(microarch(intel, 6, 85, 7), "cascade-lake");
        assert_eq!(microarch(intel, 6, 106, 6), "ice-lake-sp");
        assert_eq!(microarch(intel, 6, 143, 8), "sapphire-rapids");
        assert_eq!(microarch(intel, 6, 207, 2), "emerald-rapids");
        assert_eq!(microarch(intel, 6, 173, 1), "granite-rapids");
        assert_eq!(microarch(intel, 6, 60, 3), "unknown");
        assert_eq!(microarch("HygonGenuine", 24, 0, 0), "unknown");
    }

    #[test]
    fn fma_width_per_core() {
        assert_eq!(fma_flop_per_cycle("zen3", "avx2"), Some(32.0));
        assert_eq!(fma_flop_per_cycle("zen4", "avx512"), Some(32.0));
        assert_eq!(fma_flop_per_cycle("sapphire-rapids", "avx512"), Some(64.0));
        assert_eq!(fma_flop_per_cycle("unknown", "avx512"), None);
        assert_eq!(fma_flop_per_cycle("zen3", "sse2"), None);
    }
}
