//! The command line end to end: JSON schema, exit codes, .npy output, report, compare, SVG.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weightinit"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// A new private directory of a random name in the temp dir (never a
/// predictable path a neighbour could have planted).
fn tmp(name: &str) -> PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("weightinit-test-{name}-"))
        .tempdir()
        .expect("a temporary directory")
        .keep()
}

/// `weightinit sample --init INIT --shape SHAPE [EXTRA…] --out OUT`.
fn sample_cmd<'a>(init: &'a str, shape: &'a str, extra: &[&'a str], out: &'a str) -> Vec<&'a str> {
    let mut v = vec!["sample", "--init", init, "--shape", shape];
    v.extend_from_slice(extra);
    v.extend(["--out", out]);
    v
}

/// The row of benchmark `id` in a `--format json` comparison.
fn json_row(o: &Output, id: &str) -> Value {
    let j: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    j["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// The standard output of `o`, after checking that it exited with `code`.
fn stdout_with_status(o: &Output, code: i32) -> String {
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(code), "{s}");
    s
}

fn fails_with(args: &[&str], needle: &str) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?} should exit 2; stderr: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: message `{err}` should name `{needle}`"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
}

#[test]
fn default_json_holds_24_runs_of_5_layers() {
    let o = run(&["experiment", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).expect("exactly one JSON document");
    assert_eq!(v["schema"], 1);
    for k in ["batch", "width", "layers", "bins", "seed"] {
        assert!(v["config"][k].is_u64(), "config.{k}");
    }
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 24);
    for r in runs {
        assert!(r["init"].is_string() && r["activation"].is_string() && r["verdict"].is_string());
        let layers = r["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 5);
        for l in layers {
            for k in [
                "layer",
                "mean",
                "std",
                "min",
                "max",
                "zero_fraction",
                "grad_rms",
                "weight_grad_rms",
            ] {
                assert!(l[k].is_number(), "{k}");
            }
            let h = &l["histogram"];
            assert_eq!(h["counts"].as_array().unwrap().len(), 30);
            let total: u64 = h["counts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap())
                .sum::<u64>()
                + h["below"].as_u64().unwrap()
                + h["above"].as_u64().unwrap();
            assert_eq!(total, 100_000);
        }
    }
    // A bare `weightinit` runs the same experiment, as text that prints the seed.
    let o = run(&["--init", "he_normal", "--activation", "relu"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && text.contains("seed 20250506") && text.contains("he_normal + relu"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_value() {
    fails_with(&["--init", "he_gaussian"], "he_gaussian");
    fails_with(&["--activation", "swish"], "swish");
    fails_with(&["--batch", "0"], "--batch");
    fails_with(&["--width", "0"], "--width");
    fails_with(&["--layers", "0"], "--layers");
    fails_with(&["--bins", "0"], "--bins");
    fails_with(&["--batch", "-5"], "must not be negative, got -5");
    fails_with(&["--layers=-1"], "must not be negative, got -1");
    fails_with(&["--lsuv-max-iter", "-2"], "-2");
    fails_with(&["--width", "1e3"], "1e3");
    fails_with(&["--lsuv-tol", "-0.5"], "got -0.5");
    fails_with(&["--seed", "-1"], "-1");
    fails_with(&["--lsuv-tol", "NaN"], "NaN");
    fails_with(&["--layers", "1000000000"], "1000000000");
    fails_with(&["--bins", "99999999999"], "99999999999");
    fails_with(&["--width", "100000"], "100000");
    fails_with(&["--init", "normal:nan"], "nan");
    fails_with(&["--init", "normal:-1"], "-1");
    fails_with(
        &sample_cmd("he_normal", "784x0", &[], "/tmp/x.npy"),
        "784x0",
    );
    fails_with(&sample_cmd("he_normal", "7a4x3", &[], "/tmp/x.npy"), "7a4");
    fails_with(&sample_cmd("he_normal", "10", &[], "/tmp/x.npy"), "10");
    fails_with(&sample_cmd("he_normal", "-3x5", &[], "/tmp/x.npy"), "`-3`");
    fails_with(
        &sample_cmd("he_normal", "4x4", &["--gain", "-1"], "/tmp/x.npy"),
        "bad gain `-1`",
    );
    fails_with(
        &sample_cmd("he_normal", "4x4", &["--gain", "NaN"], "/tmp/x.npy"),
        "NaN",
    );
    fails_with(
        &sample_cmd("he_normal", "4x4", &["--fan-mode", "fan_mid"], "/tmp/x.npy"),
        "fan_mid",
    );
    fails_with(
        &sample_cmd("he_normal", "4x4", &[], "/nonexistent-dir/w.npy"),
        "/nonexistent-dir/w.npy",
    );
    fails_with(
        &["report", "--criterion-dir", "/nonexistent-criterion"],
        "/nonexistent-criterion",
    );
}

#[test]
fn sample_writes_a_standard_npy() {
    let d = tmp("npy");
    for (init, shape, dims) in [
        ("he_normal", "784x256", vec![784, 256]),
        ("xavier_uniform", "3x3x16x32", vec![3, 3, 16, 32]),
        ("orthogonal", "64x32", vec![64, 32]),
    ] {
        let p = d.join("w.npy");
        let o = run(&sample_cmd(
            init,
            shape,
            &["--seed", "7"],
            p.to_str().unwrap(),
        ));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            out.contains("expected") && out.contains("G values/s"),
            "{out}"
        );
        let bytes = std::fs::read(&p).unwrap();
        // Header: magic, version 1.0, data aligned to 64 bytes, little-endian f4, C order.
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let (shape_read, vals) = weightinit::npy::read(&bytes).unwrap();
        assert_eq!(shape_read, dims);
        assert_eq!(vals.len(), dims.iter().product::<usize>());
    }
    // The same seed gives the same bytes, the naive path another stream of the same law.
    let (a, b, c) = (d.join("a.npy"), d.join("b.npy"), d.join("c.npy"));
    for (p, extra) in [
        (&a, &["--seed", "3"][..]),
        (&b, &["--seed", "3"]),
        (&c, &["--seed", "3", "--naive"]),
    ] {
        let o = run(&sample_cmd(
            "he_normal",
            "300x200",
            extra,
            p.to_str().unwrap(),
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
    // The naive backend draws the same values by the sampler's scalar twin.
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&c).unwrap());
}

#[test]
fn info_names_the_simd_path() {
    let o = run(&["info"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && s.contains("SIMD path compiled")
            && s.contains("rng lanes")
            && s.contains("rayon threads"),
        "{s}"
    );
}

#[test]
fn plots_are_svg_with_one_panel_per_layer() {
    let d = tmp("plots");
    let o = run(&[
        "experiment",
        "--init",
        "normal:1",
        "--init",
        "xavier_normal",
        "--activation",
        "sigmoid",
        "--layers",
        "4",
        "--plot",
        d.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hist = d.join("hist_normal_1_sigmoid.svg");
    let text = std::fs::read_to_string(&hist).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    let panels = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("text") && n.text().is_some_and(|t| t.trim().ends_with("-layer"))
        })
        .count();
    assert_eq!(panels, 4);
    let grad = std::fs::read_to_string(d.join("grad_sigmoid.svg")).unwrap();
    roxmltree::Document::parse(&grad).expect("valid XML");
    assert!(grad.contains("xavier_normal"));
}

// ---- report and compare on a fixture shaped like criterion's output ----

fn write_bench(
    root: &Path,
    group: &str,
    imp: &str,
    size: &str,
    ns: f64,
    half_ci: f64,
    tp: Option<u64>,
) {
    let dir = root.join(group).join(imp).join(size).join("new");
    std::fs::create_dir_all(&dir).unwrap();
    let est = |p: f64| serde_json::json!({"confidence_interval": {"confidence_level": 0.95, "lower_bound": p - half_ci, "upper_bound": p + half_ci}, "point_estimate": p, "standard_error": half_ci / 2.0});
    let estimates = serde_json::json!({"mean": est(ns * 1.01), "median": est(ns), "median_abs_dev": est(1.0), "slope": null, "std_dev": est(1.0)});
    std::fs::write(dir.join("estimates.json"), estimates.to_string()).unwrap();
    let throughput = tp
        .map(|e| serde_json::json!({"Elements": e}))
        .unwrap_or(Value::Null);
    let bench = serde_json::json!({"group_id": group, "function_id": imp, "value_str": size, "throughput": throughput, "full_id": format!("{group}/{imp}/{size}"), "directory_name": format!("{group}/{imp}/{size}"), "title": format!("{group}/{imp}/{size}")});
    std::fs::write(dir.join("benchmark.json"), bench.to_string()).unwrap();
    let (iters, times) = (vec![1.0; 100], vec![ns; 100]);
    std::fs::write(
        dir.join("sample.json"),
        serde_json::json!({"sampling_mode": "Linear", "iters": iters, "times": times}).to_string(),
    )
    .unwrap();
}

fn fixture(name: &str) -> PathBuf {
    let root = tmp(name).join("criterion");
    let flop = 2 * 64 * 64 * 64;
    write_bench(
        &root,
        "sgemm",
        "naive",
        "64x64x64",
        100_000.0,
        100.0,
        Some(flop),
    );
    write_bench(
        &root,
        "sgemm",
        "blocked",
        "64x64x64",
        10_000.0,
        50.0,
        Some(flop),
    );
    write_bench(
        &root,
        "sgemm",
        "matrixmultiply",
        "64x64x64",
        12_000.0,
        50.0,
        Some(flop),
    );
    write_bench(&root, "peak", "fma_f32", "1", 1_000.0, 5.0, Some(100_000));
    write_bench(
        &root,
        "normal_f32",
        "naive",
        "4096",
        9_600.0,
        20.0,
        Some(4096),
    );
    write_bench(
        &root,
        "normal_f32",
        "simd",
        "4096",
        1_200.0,
        10.0,
        Some(4096),
    );
    write_bench(&root, "fill_f32", "seq", "4096", 800.0, 5.0, Some(4096));
    let act = "activation_f32";
    write_bench(&root, act, "sigmoid_simd", "4096", 2_000.0, 5.0, Some(4096));
    write_bench(&root, act, "copy", "4096", 500.0, 5.0, Some(4096));
    write_bench(&root, "experiment", "fast", "1000x100x5", 2e6, 1e4, None);
    std::fs::create_dir_all(root.join("report")).unwrap();
    root
}

/// Copies every benchmark's `new/` run to a named baseline, its times × `k`.
fn save_baseline(root: &Path, name: &str, k: f64) {
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let p = entry.path();
        if !p.is_dir() {
            continue;
        }
        let new = p.join("new");
        if new.join("estimates.json").is_file() {
            let dst = p.join(name);
            std::fs::create_dir_all(&dst).unwrap();
            edit(
                &new.join("estimates.json"),
                &dst.join("estimates.json"),
                |v| {
                    for e in ["mean", "median"] {
                        let x = &mut v[e];
                        x["point_estimate"] = (x["point_estimate"].as_f64().unwrap() * k).into();
                        for b in ["lower_bound", "upper_bound"] {
                            let ci = &mut x["confidence_interval"][b];
                            *ci = (ci.as_f64().unwrap() * k).into();
                        }
                    }
                },
            );
            std::fs::copy(new.join("sample.json"), dst.join("sample.json")).unwrap();
        } else {
            save_baseline(&p, name, k);
        }
    }
}

fn report(root: &Path, out: &Path) -> Value {
    report_with(root, out, &[])
}

fn report_with(root: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "report",
        "--criterion-dir",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn report_reads_criterion_and_derives_figures() {
    let root = fixture("report");
    let v = report(&root, &root.with_file_name("r.json"));
    assert_eq!(v["schema"], 3);
    let m = &v["machine"];
    for k in [
        "cpu_brand",
        "vendor",
        "logical_cores",
        "compiled_path",
        "compiled_features",
        "detected_features",
        "rayon_threads",
        "os",
        "rustc",
        "crate_version",
        "date",
    ] {
        assert!(!m[k].is_null(), "machine.{k}");
    }
    assert!(
        v["machine_id"]
            .as_str()
            .unwrap()
            .contains(m["compiled_path"].as_str().unwrap())
    );
    let b = &v["benchmarks"];
    assert_eq!(b.as_object().unwrap().len(), 10);
    let blocked = &b["sgemm/blocked/64x64x64"];
    assert_eq!(blocked["samples"], 100);
    assert_eq!(blocked["throughput"]["unit"], "GFLOP/s");
    assert!((blocked["throughput"]["value"].as_f64().unwrap() - 524288.0 / 10_000.0).abs() < 1e-9);
    assert!((blocked["speedup_vs_naive"].as_f64().unwrap() - 10.0).abs() < 1e-12);
    assert!((blocked["speedup_vs_matrixmultiply"].as_f64().unwrap() - 1.2).abs() < 1e-12);
    // peak: 100 000 FLOP per µs = 100 GFLOP/s, so 52.4288 GFLOP/s is 52.4288% of it.
    assert!((blocked["fraction_of_ceiling"].as_f64().unwrap() - 0.524288).abs() < 1e-12);
    let normal = &b["normal_f32/simd/4096"];
    assert_eq!(normal["throughput"]["unit"], "G samples/s");
    assert!((normal["speedup_vs_naive"].as_f64().unwrap() - 8.0).abs() < 1e-12);
    assert!((normal["fraction_of_ceiling"].as_f64().unwrap() - 800.0 / 1200.0).abs() < 1e-12);
    assert_eq!(b["fill_f32/seq/4096"]["throughput"]["unit"], "GB/s");
    // An activation against the plain copy of the same size: 500 against 2000 ns.
    let sigmoid = &b["activation_f32/sigmoid_simd/4096"];
    assert_eq!(sigmoid["ceiling"], "activation_f32/copy/4096");
    assert!((sigmoid["fraction_of_ceiling"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    assert!(b["activation_f32/copy/4096"]["ceiling"].is_null());
    assert!(b["experiment/fast/1000x100x5"]["throughput"].is_null());
    assert!(
        (b["experiment/fast/1000x100x5"]["median_ns"]
            .as_f64()
            .unwrap()
            - 2e6)
            .abs()
            < 1e-6
    );
}

fn edit(src: &Path, dst: &Path, f: impl Fn(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(dst, v.to_string()).unwrap();
}

fn scale(b: &mut Value, k: f64, widen: f64) {
    let m = b["median_ns"].as_f64().unwrap() * k;
    b["median_ns"] = m.into();
    b["median_ci_ns"] = serde_json::json!([m - widen, m + widen]);
}

#[test]
fn compare_gates_regressions_and_lines_up_machines() {
    let root = fixture("compare");
    let dir = root.parent().unwrap().to_path_buf();
    let base = dir.join("base.json");
    report(&root, &base);
    let p = |x: &PathBuf| x.to_str().unwrap().to_string();
    // Unchanged: exit 0, everything `same`.
    let o = run(&["compare", &p(&base), &p(&base)]);
    stdout_with_status(&o, 0);
    // Single runs: a 20% change with disjoint intervals is within the
    // assumed between-run allowance (50%), and says so.
    let drift = dir.join("drift.json");
    edit(&base, &drift, |v| {
        scale(&mut v["benchmarks"]["sgemm/blocked/64x64x64"], 1.2, 50.0)
    });
    let o = run(&["compare", &p(&base), &p(&drift)]);
    let s = stdout_with_status(&o, 0);
    assert!(
        s.contains("+20.0%") && s.contains("assumed to be 50%"),
        "{s}"
    );
    // A planted 2× slowdown is beyond it: exit 1, `slower`.
    let slow = dir.join("slow.json");
    edit(&base, &slow, |v| {
        scale(&mut v["benchmarks"]["sgemm/blocked/64x64x64"], 2.0, 50.0)
    });
    let o = run(&["compare", &p(&base), &p(&slow)]);
    let s = stdout_with_status(&o, 1);
    assert!(s.contains("slower") && s.contains("+100.0%"), "{s}");
    // The same 20% with overlapping intervals: `same`, exit 0.
    let noisy = dir.join("noisy.json");
    edit(&base, &noisy, |v| {
        scale(&mut v["benchmarks"]["sgemm/blocked/64x64x64"], 1.2, 5000.0);
        v["benchmarks"]["sgemm/blocked/64x64x64"]["median_ci_ns"][0] = 5000.0.into();
    });
    let o = run(&["compare", &p(&base), &p(&noisy), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json_row(&o, "sgemm/blocked/64x64x64")["verdict"], "same");
    // Markdown, a benchmark only in one file, and a bar chart.
    let fewer = dir.join("fewer.json");
    edit(&slow, &fewer, |v| {
        v["benchmarks"]
            .as_object_mut()
            .unwrap()
            .remove("peak/fma_f32/1");
    });
    let svg = dir.join("cmp.svg");
    let o = run(&[
        "compare",
        &p(&base),
        &p(&fewer),
        "--format",
        "markdown",
        "--plot",
        &p(&svg),
    ]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("| benchmark |") && s.contains("only in") && s.contains("peak/fma_f32/1"),
        "{s}"
    );
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap()).unwrap();
    // Another machine: side by side, with the fingerprint fields that differ.
    let other = dir.join("other.json");
    edit(&base, &other, |v| {
        v["machine_id"] = "other-cpu-16c-avx512".into();
        v["machine"]["logical_cores"] = 16.into();
        // Another path than this build's, so that the field differs on any machine.
        let path = if v["machine"]["compiled_path"] == "avx512" {
            "avx2"
        } else {
            "avx512"
        };
        v["machine"]["compiled_path"] = path.into();
    });
    let o = run(&["compare", &p(&base), &p(&other)]);
    let s = stdout_with_status(&o, 0);
    assert!(
        s.contains("other-cpu-16c-avx512")
            && s.contains("compiled_path")
            && s.contains("logical_cores")
            && s.contains("GFLOP/s"),
        "{s}"
    );
    // Bad input: exit 2 naming the file.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    fails_with(&["compare", &p(&base), &p(&bad)], "bad.json");
    let v9 = dir.join("v9.json");
    edit(&base, &v9, |v| v["schema"] = 9.into());
    fails_with(&["compare", &p(&base), &p(&v9)], "v9.json");
    // A schema-1 file (no family, model, stepping, microarchitecture or
    // clock) still loads, and with the same machine id it is a regression
    // check against a schema-2 file.
    let v1 = dir.join("v1.json");
    edit(&base, &v1, |v| {
        v["schema"] = 1.into();
        let m = v["machine"].as_object_mut().unwrap();
        for k in [
            "cpu_family",
            "cpu_model",
            "cpu_stepping",
            "microarch",
            "clock_ghz",
        ] {
            m.remove(k);
        }
    });
    let o = run(&["compare", &p(&v1), &p(&base)]);
    let s = stdout_with_status(&o, 0);
    assert!(s.contains("regression check"), "{s}");
    // Same id, another CPU model: machines side by side, not a regression check.
    let stepping = dir.join("stepping.json");
    edit(&base, &stepping, |v| {
        v["machine"]["cpu_family"] = 25.into();
        v["machine"]["cpu_model"] = 1.into();
        v["machine"]["cpu_stepping"] = 1.into();
    });
    let moved = dir.join("moved.json");
    edit(&stepping, &moved, |v| v["machine"]["cpu_model"] = 17.into());
    let o = run(&["compare", &p(&stepping), &p(&moved)]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("side by side") && s.contains("family/model/stepping"),
        "{s}"
    );
    fails_with(
        &["compare", &p(&base), &p(&dir.join("missing.json"))],
        "missing.json",
    );
    let disjoint = dir.join("disjoint.json");
    edit(&base, &disjoint, |v| {
        v["benchmarks"] = serde_json::json!({})
    });
    fails_with(
        &["compare", &p(&base), &p(&disjoint)],
        "no benchmark in common",
    );
    fails_with(
        &["compare", &p(&base), &p(&base), "--threshold", "NaN"],
        "NaN",
    );
    fails_with(
        &[
            "report",
            "--criterion-dir",
            &p(&root),
            "--baseline",
            "nosuch",
        ],
        "nosuch",
    );
    fails_with(
        &["compare", &p(&base), &p(&base), "--threshold", "-1"],
        "got -1",
    );
}

#[test]
fn runs_merged_from_baselines_set_the_allowance() {
    let root = fixture("baselines");
    let dir = root.parent().unwrap().to_path_buf();
    let p = |x: &PathBuf| x.to_str().unwrap().to_string();
    // Three runs of the same code, 2% apart: the file keeps each run's median
    // and takes the run with the median time.
    save_baseline(&root, "r1", 1.0);
    save_baseline(&root, "r2", 1.02);
    save_baseline(&root, "r3", 0.99);
    let base = dir.join("three.json");
    let v = report_with(
        &root,
        &base,
        &["--baseline", "r1", "--baseline", "r2", "--baseline", "r3"],
    );
    let b = &v["benchmarks"]["sgemm/blocked/64x64x64"];
    assert_eq!(
        b["runs_median_ns"],
        serde_json::json!([10_000.0, 10_200.0, 9_900.0])
    );
    assert_eq!(b["median_ns"], 10_000.0);
    // Against it, a 20% slowdown is beyond the measured spread (3%) and the
    // threshold: slower, exit 1, and no assumed allowance.
    let slow = dir.join("slow3.json");
    edit(&base, &slow, |v| {
        let b = &mut v["benchmarks"]["sgemm/blocked/64x64x64"];
        scale(b, 1.2, 50.0);
        b["runs_median_ns"] = serde_json::json!([12_000.0, 12_100.0, 11_950.0]);
    });
    let o = run(&["compare", &p(&base), &p(&slow)]);
    let s = stdout_with_status(&o, 1);
    assert!(s.contains("slower") && !s.contains("assumed"), "{s}");
    // A file whose runs spread by 25% allows 25%: the same 20% is `same`.
    let wide = dir.join("wide3.json");
    edit(&slow, &wide, |v| {
        v["benchmarks"]["sgemm/blocked/64x64x64"]["runs_median_ns"] =
            serde_json::json!([12_000.0, 15_000.0, 12_500.0]);
    });
    let o = run(&["compare", &p(&base), &p(&wide), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let row = json_row(&o, "sgemm/blocked/64x64x64");
    assert_eq!(row["verdict"], "same");
    assert!((row["allowance_pct"].as_f64().unwrap() - 25.0).abs() < 1e-9);
    assert_eq!(row["allowance_measured"], true);
}

#[test]
fn exports_follow_the_trackers_formats_and_critcmp_reads_back() {
    let root = fixture("export");
    let dir = root.parent().unwrap().to_path_buf();
    let p = |x: &PathBuf| x.to_str().unwrap().to_string();
    let base = dir.join("base.json");
    report(&root, &base);
    let export = |format: &str| -> Value {
        let o = run(&["export", "--format", format, &p(&base)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("one JSON document")
    };
    let num = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("a number: {v}"));
    // Bencher Metric Format: {id: {measure: {value, lower_value, upper_value}}}.
    let bmf = export("bmf");
    let bmf = bmf.as_object().unwrap();
    assert_eq!(bmf.len(), 10);
    for (id, measures) in bmf {
        for (name, m) in measures.as_object().unwrap() {
            assert!(
                ["latency", "throughput"].contains(&name.as_str()),
                "{id}: {name}"
            );
            let (v, lo, hi) = (
                num(&m["value"]),
                num(&m["lower_value"]),
                num(&m["upper_value"]),
            );
            assert!(lo <= v && v <= hi, "{id} {name}: {lo} {v} {hi}");
        }
    }
    let blocked = &bmf["sgemm/blocked/64x64x64"];
    assert_eq!(blocked["latency"]["value"], 10_000.0);
    // 524 288 FLOP in 10 µs: 5.24288e10 operations per second.
    assert!((num(&blocked["throughput"]["value"]) - 5.24288e10).abs() < 1.0);
    assert!(
        bmf["experiment/fast/1000x100x5"]
            .get("throughput")
            .is_none()
    );
    // github-action-benchmark: [{name, unit, value, range, extra}].
    for (format, unit) in [("gab", "ns"), ("gab-throughput", "GFLOP/s")] {
        let rows = export(format);
        let rows = rows.as_array().unwrap();
        for r in rows {
            assert!(r["name"].is_string() && r["unit"].is_string() && r["value"].is_number());
            assert!(r["range"].is_string() && r["extra"].is_string());
        }
        let b = rows
            .iter()
            .find(|r| r["name"] == "sgemm/blocked/64x64x64")
            .unwrap();
        assert_eq!(b["unit"], unit);
    }
    assert_eq!(export("gab").as_array().unwrap().len(), 10);
    assert_eq!(export("gab-throughput").as_array().unwrap().len(), 9);
    // critcmp's BaseBenchmarks, every field it reads.
    let cc = export("critcmp");
    assert!(cc["name"].is_string());
    for (id, b) in cc["benchmarks"].as_object().unwrap() {
        assert_eq!(
            b["fullname"],
            format!("{}/{id}", cc["name"].as_str().unwrap())
        );
        assert!(b["baseline"].is_string());
        let info = &b["criterion_benchmark_v1"];
        for k in ["group_id", "full_id", "directory_name"] {
            assert!(info[k].is_string(), "{id}: {k}");
        }
        let e = &b["criterion_estimates_v1"];
        for k in ["mean", "median", "median_abs_dev", "std_dev"] {
            assert!(e[k]["point_estimate"].is_number(), "{id}: {k}");
            assert!(e[k]["standard_error"].is_number(), "{id}: {k}");
            assert!(
                e[k]["confidence_interval"]["lower_bound"].is_number(),
                "{id}: {k}"
            );
        }
        assert!(e["slope"].is_null());
    }
    // --out writes the same document whole.
    let cc_file = dir.join("cc.json");
    let o = run(&[
        "export",
        "--format",
        "critcmp",
        &p(&base),
        "--out",
        &p(&cc_file),
    ]);
    assert!(o.status.success());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&cc_file).unwrap()).unwrap();
    assert_eq!(written, cc);
    // Read back by compare: no fingerprint, so taken as one machine, and said so.
    let o = run(&["compare", &p(&base), &p(&cc_file)]);
    let s = stdout_with_status(&o, 0);
    assert!(
        s.contains("no fingerprint") && s.contains("0 slower"),
        "{s}"
    );
    let slow = dir.join("cc-slow.json");
    edit(&cc_file, &slow, |v| {
        let e = &mut v["benchmarks"]["sgemm/blocked/64x64x64"]["criterion_estimates_v1"]["median"];
        e["point_estimate"] = 20_000.0.into();
        e["confidence_interval"]["lower_bound"] = 19_900.0.into();
        e["confidence_interval"]["upper_bound"] = 20_100.0.into();
    });
    let o = run(&["compare", &p(&base), &p(&slow)]);
    stdout_with_status(&o, 1);
    // Bad input: a critcmp file without a field, an unknown format, a missing file.
    let broken = dir.join("cc-broken.json");
    edit(&cc_file, &broken, |v| {
        v["benchmarks"]["sgemm/blocked/64x64x64"]["criterion_estimates_v1"]
            .as_object_mut()
            .unwrap()
            .remove("median");
    });
    fails_with(&["compare", &p(&base), &p(&broken)], "cc-broken.json");
    fails_with(&["compare", &p(&base), &p(&broken)], "median");
    fails_with(&["export", "--format", "csv", &p(&base)], "csv");
    fails_with(
        &["export", "--format", "bmf", &p(&dir.join("none.json"))],
        "none.json",
    );
}

/// The temporary files (`.wi-HASH-PID-RANDOM.tmp`) left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wi-") && n.ends_with(".tmp"))
        .collect()
}

#[test]
fn results_files_are_written_whole() {
    let root = fixture("whole");
    let dir = root.parent().unwrap().to_path_buf();
    let leftovers = || temporaries(&dir);
    // A refused write: the target is a directory, so the rename onto it
    // fails after the temporary file was written. Exit 2 naming the path;
    // the directory and its contents are as they were, and no temporary
    // file is left behind.
    let taken = dir.join("taken.json");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("inside"), "old contents").unwrap();
    fails_with(
        &[
            "report",
            "--criterion-dir",
            root.to_str().unwrap(),
            "--out",
            taken.to_str().unwrap(),
        ],
        "taken.json",
    );
    assert_eq!(
        std::fs::read_to_string(taken.join("inside")).unwrap(),
        "old contents"
    );
    assert!(leftovers().is_empty(), "{:?}", leftovers());
    // A successful write replaces an old file whole.
    let out = dir.join("keep.json");
    std::fs::write(&out, "old contents").unwrap();
    report(&root, &out);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], 3);
    assert!(leftovers().is_empty(), "{:?}", leftovers());
}

#[test]
fn sample_writes_whole_files_or_none() {
    let dir = tmp("sample-whole");
    let p = |x: &Path| x.to_str().unwrap().to_string();
    let leftovers = || temporaries(&dir);
    // Refused before writing: 4 PB on any disk. The message names both sizes,
    // and an existing file at the target is kept.
    let keep = dir.join("keep.npy");
    std::fs::write(&keep, "old weights").unwrap();
    fails_with(
        &sample_cmd("he_normal", "100000x100000x100000", &[], &p(&keep)),
        "4000000000000128 bytes",
    );
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "old weights");
    // A failed write (no such directory): exit 2, nothing created.
    let missing = dir.join("no-such-dir").join("w.npy");
    fails_with(
        &sample_cmd("he_normal", "64x64", &[], &p(&missing)),
        "no-such-dir",
    );
    assert!(!missing.exists());
    assert!(leftovers().is_empty(), "{:?}", leftovers());
    // Interrupted: SIGINT once the first of four 16 MiB groups is written
    // (the WEIGHTINIT_TEST_SIGNAL hook raises it at a known point). The
    // process exits 130, the temporary file is removed, and the target never
    // appears.
    let big = dir.join("big.npy");
    let out = bin()
        .args(sample_cmd("he_normal", "4096x4096", &[], &p(&big)))
        .env("WEIGHTINIT_TEST_SIGNAL", "INT")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("big.npy"),
        "{err}"
    );
    assert!(!big.exists());
    assert!(leftovers().is_empty(), "{:?}", leftovers());
    // A whole write replaces the old file.
    let o = run(&sample_cmd("he_normal", "64x64", &[], &p(&keep)));
    assert!(o.status.success());
    let (shape, _) = weightinit::npy::read(&std::fs::read(&keep).unwrap()).unwrap();
    assert_eq!(shape, [64, 64]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn train_writes_its_json_and_figure() {
    let dir = tmp("train");
    let svg = dir.join("figs");
    let o = run(&[
        "train",
        "--steps",
        "150",
        "--init",
        "he_normal",
        "--init",
        "normal:0.01",
        "--json",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(j["schema"], 1);
    assert_eq!(j["config"]["steps"], 150);
    assert_eq!(j["config"]["batch"], 128);
    assert_eq!(j["config"]["data"], "digits");
    assert_eq!(
        j["config"]["sizes"],
        serde_json::json!([64, 100, 100, 100, 100, 10])
    );
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["init"], "he_normal");
    assert_eq!(runs[0]["activation"], "relu");
    assert_eq!(runs[0]["loss"].as_array().unwrap().len(), 150);
    for r in runs {
        let acc = r["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
    }
    let text = std::fs::read_to_string(svg.join("train_loss_digits.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG parses");
    assert!(text.contains("he_normal") && text.contains("normal:0.01"));
    assert!(
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count()
            >= 2
    );
    // Text: a row every 100 steps and one verdict per init.
    let o = run(&["train", "--steps", "150", "--init", "normal:0.01"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("   100") && out.contains("   150"), "{out}");
    assert!(out.contains("does not learn"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn train_refuses_bad_input_with_status_2() {
    let dir = tmp("train-bad");
    let missing = dir.join("nothing-here");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--steps", "0"], "--steps"),
        (vec!["--batch", "0"], "--batch"),
        (vec!["--steps", "-3"], "negative"),
        (vec!["--lr", "NaN"], "--lr"),
        (vec!["--lr", "-0.1"], "--lr"),
        (vec!["--init", "bogus_normal"], "bogus_normal"),
        (vec!["--activation", "swish"], "swish"),
        (
            vec!["--data", missing.to_str().unwrap()],
            "train-images-idx3-ubyte",
        ),
    ];
    for (args, want) in cases {
        let mut a = vec!["train"];
        a.extend(&args);
        let o = run(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // A malformed IDX file names itself.
    std::fs::create_dir_all(&missing).unwrap();
    for n in weightinit::data::idx::MNIST_FILES {
        std::fs::write(missing.join(n), b"\x00\x00\x08\x03\x00\x00").unwrap();
    }
    let o = run(&["train", "--data", missing.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("train-images-idx3-ubyte") && err.contains("truncated"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
