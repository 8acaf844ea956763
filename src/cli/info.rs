//! `weightinit info`: what this build runs.
use std::fmt::Write;
use weightinit::build_info::BuildInfo;

/// `weightinit info`.
pub fn render() -> String {
    let b = BuildInfo::current();
    let isa = &b.isa;
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
        b.rng_lanes
    );
    let _ = writeln!(
        s,
        "sampler chunk:        {} floats per stream",
        b.sampler_chunk
    );
    let _ = writeln!(
        s,
        "stream version:       {} (the values a seed gives)",
        b.stream_version
    );
    let _ = writeln!(s, "gemm micro-kernel:    {}", b.gemm_tile);
    let _ = writeln!(s, "rayon threads:        {}", b.threads);
    let _ = writeln!(s, "rustc:                {}", b.rustc);
    s
}
