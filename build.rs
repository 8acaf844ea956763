//! Records the compiler version and the git commit for `weightinit info` and results files.
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=WEIGHTINIT_RUSTC_VERSION={version}");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=WEIGHTINIT_GIT_COMMIT={commit}");
    // HEAD names a branch; a commit moves the branch's ref, not HEAD, so watch both.
    // A tree without `.git` (an export for `weightinit ab`) watches nothing:
    // a watched path that does not exist would rerun this script every build.
    if std::path::Path::new(".git/HEAD").is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
    }
    let head = std::fs::read_to_string(".git/HEAD").unwrap_or_default();
    if let Some(r) = head.trim().strip_prefix("ref: ") {
        println!("cargo:rerun-if-changed=.git/{r}");
    }
    if std::path::Path::new(".git/packed-refs").exists() {
        println!("cargo:rerun-if-changed=.git/packed-refs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
