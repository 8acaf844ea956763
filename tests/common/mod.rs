//! Fixtures shared by the integration tests that drive `ab` and `bisect` on
//! scratch git repositories: git as a fixed test user, and the skeleton of a
//! crate whose one bench target (`benches/fake.rs`, no harness) the test writes.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` as a fixed test user; its standard output, trimmed.
/// Panics when git fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@test.invalid"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {o:?}");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Writes the crate `name` into `dir`: its Cargo.toml with the bench target
/// `fake`, an empty library, `target/` ignored, and `bench` as benches/fake.rs.
pub fn fixture_crate(dir: &Path, name: &str, bench: &str) {
    std::fs::create_dir_all(dir.join("benches")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [[bench]]\nname = \"fake\"\nharness = false\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(dir.join("benches/fake.rs"), bench).unwrap();
}

/// A private scratch directory (mode 0700, random name), removed when dropped.
pub fn scratch(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}
