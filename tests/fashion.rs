//! Training on real 28×28 images (Saito's exact setting) and the same
//! curves on any thread count.
//!
//! Fashion-MNIST comes from Debian's `dataset-fashion-mnist` (`.ci/run`
//! installs it where it can); the tests that need it say they skip where it
//! is not installed.
use serde_json::Value;
use std::process::Command;

fn train(args: &[&str], threads: Option<usize>) -> Value {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weightinit"));
    c.arg("train").args(args).arg("--json");
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t.to_string());
    }
    let o = c.output().expect("the binary runs");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

/// Whether Fashion-MNIST can be opened the way `--data fashion-mnist` looks for it.
fn fashion_installed() -> bool {
    match weightinit::data::candidates("fashion-mnist")
        .iter()
        .find(|d| d.is_dir())
    {
        Some(_) => true,
        None => {
            eprintln!(
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
            );
            false
        }
    }
}

fn losses(run: &Value) -> Vec<f64> {
    run["loss"]
        .as_array()
        .expect("loss")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Mean of `xs[range]`.
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// 50 steps of He and of std 0.01 on Fashion-MNIST (784-100-100-100-100-10,
/// batch 128, seed fixed): He's mean batch loss over steps 41-50 is below
/// 85% of its first ten steps' mean; std 0.01's stays within 1% of ln 10
/// (its gradients vanish: Saito's fig. 6-15).
#[test]
fn fashion_mnist_he_learns_and_std_001_does_not() {
    if !fashion_installed() {
        return;
    }
    let j = train(
        &[
            "--data",
            "fashion-mnist",
            "--steps",
            "50",
            "--init",
            "he_normal",
            "--init",
            "normal:0.01",
        ],
        None,
    );
    assert_eq!(j["config"]["data"], "fashion-mnist");
    assert_eq!(j["config"]["train_rows"], 60000);
    assert_eq!(j["config"]["test_rows"], 10000);
    assert_eq!(
        j["config"]["sizes"],
        serde_json::json!([784, 100, 100, 100, 100, 10])
    );
    assert!(j["gflops"].as_f64().unwrap() > 0.0);
    let runs = j["runs"].as_array().unwrap();
    let he = losses(&runs[0]);
    let (first, last) = (mean(&he[..10]), mean(&he[40..]));
    assert!(last < 0.85 * first, "He: {first:.4} → {last:.4}");
    let small = losses(&runs[1]);
    let ln10 = 10f64.ln();
    assert!(
        (mean(&small[40..]) - ln10).abs() < 0.01 * ln10,
        "std 0.01: {:.4}",
        mean(&small[40..])
    );
}

/// The curves and accuracies are the same bytes on 1, 2 and 3 threads, on
/// the digits and (where installed) on Fashion-MNIST.
#[test]
fn curves_are_the_same_on_any_thread_count() {
    let mut sets = vec![vec!["--steps", "60"]];
    if fashion_installed() {
        sets.push(vec!["--data", "fashion-mnist", "--steps", "20"]);
    }
    for args in sets {
        let mut a = args.clone();
        a.extend(["--init", "he_normal", "--init", "lsuv"]);
        let runs: Vec<Value> = [1, 2, 3]
            .iter()
            .map(|&t| train(&a, Some(t))["runs"].clone())
            .collect();
        assert_eq!(runs[0], runs[1], "{a:?}: 1 and 2 threads");
        assert_eq!(runs[0], runs[2], "{a:?}: 1 and 3 threads");
    }
}
