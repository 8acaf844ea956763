//! Files written whole or not at all.
//!
//! The bytes go into a temporary file beside the target, `.NAME.tmp-PID`,
//! which is synced and renamed over the target when complete. A rename
//! within one directory is atomic, so a reader sees the old file or the new
//! one, never half of it; on any failure the temporary file is removed and an
//! existing target is left as it was. Every file the tool writes goes
//! through here: results files and reports, `.npy` tensors, SVG figures.
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary file beside `path`.
pub fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `path` whole by `write`, which fills the temporary file.
pub fn write_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let tmp = temporary(path);
    let result = File::create(&tmp).and_then(|mut f| {
        write(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` whole.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |f| f.write_all(bytes))
}
