//! The one writer: files written whole or not at all, never through a link.
//!
//! Every file the tool writes goes through here (results files and reports,
//! `.npy` tensors, SVG figures, exports):
//!
//! 1. The target is checked first. A target that does not exist is created;
//!    an existing regular file is replaced and keeps its permission bits.
//!    A symbolic link, a device, a FIFO, a socket or a directory is refused,
//!    and so is a read-only file: the tool never writes through a link nor
//!    replaces what the user protected.
//! 2. The bytes go into a temporary file beside the target, created new and
//!    exclusive (`O_EXCL`, mode 0600 while written) under a random name,
//!    `.wi-HASH-PID-RANDOM.tmp`, at most 36 bytes whatever the target's name.
//!    `HASH` is that of the target's name, `PID` the writer's.
//! 3. The file is synced and renamed over the target: a rename within one
//!    directory is atomic, so a reader sees the old file or the new one. On
//!    any failure the temporary file is removed and the target is untouched.
//!
//! A writer killed outright (SIGKILL, SIGXFSZ) cannot clean up; the next
//! write of the same target removes such leftovers: files of its `HASH` whose
//! `PID` no longer runs and that belong to the same user.
#![forbid(unsafe_code)]

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The temporary files' common prefix.
const PREFIX: &str = ".wi-";

/// A refusal, as an I/O error of kind `InvalidInput` with the reason.
fn refuse(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// What a file system object is, in words.
fn kind(m: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Checks that `path` may be written: absent, or a writable regular file (its
/// permissions are returned, for the new file to keep).
pub fn check_target(path: &Path) -> io::Result<Option<Permissions>> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_symlink() => Err(refuse(
            "it is a symbolic link, and weightinit does not write through links \
             (name the file it points to)"
                .into(),
        )),
        Ok(m) if !m.is_file() => Err(refuse(format!(
            "it is {}; only a regular file is replaced",
            kind(&m)
        ))),
        Ok(m) if m.mode() & 0o222 == 0 => Err(refuse(
            "it is read-only; weightinit does not replace a protected file".into(),
        )),
        Ok(m) => Ok(Some(m.permissions())),
    }
}

/// Opens an input that must be a regular file, without blocking on a FIFO
/// or a device planted in its place (`O_NONBLOCK` at open, then the type is
/// checked on the open file, so nothing can be swapped in between).
pub fn open_regular(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    let m = file.metadata()?;
    if !m.is_file() {
        return Err(refuse(format!("it is {}, not a regular file", kind(&m))));
    }
    Ok(file)
}

/// Whether `a` and `b` are the same existing file (device and inode, links followed).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Refuses an output that is one of the command's inputs.
pub fn check_not_input(out: &Path, inputs: &[&Path]) -> io::Result<()> {
    match inputs.iter().find(|i| same_file(out, i) || *i == &out) {
        Some(i) => Err(refuse(format!(
            "it is also the input `{}`; write the output elsewhere",
            i.display()
        ))),
        None => Ok(()),
    }
}

/// FNV-1a, 64 bits: a short, stable tag of a target's name.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether process `pid` runs, where the system can tell (`/proc`); `true`
/// where it cannot, so that nothing is removed on a guess.
pub fn pid_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
}

/// The prefix of `path`'s temporary files, `.wi-HASH-`.
fn tag(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default();
    format!("{PREFIX}{:08x}-", fnv1a(name.as_encoded_bytes()) as u32)
}

/// The directory that holds `path`.
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes the temporary files of `path` that dead writers of user `uid` left.
fn remove_stale(path: &Path, uid: u32) {
    let prefix = tag(path);
    let Ok(entries) = std::fs::read_dir(dir_of(path)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let ours = e
            .metadata()
            .is_ok_and(|m| m.is_file() && m.uid() == uid && m.nlink() == 1);
        if ours && pid != std::process::id() && !pid_alive(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Writes `path` whole by `write`, which fills the temporary file.
pub fn write_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let keep = check_target(path)?;
    let dir = dir_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{}{}-", tag(path), std::process::id()))
        .suffix(".tmp")
        .rand_bytes(6)
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(&dir)?;
    if let Ok(m) = tmp.as_file().metadata() {
        remove_stale(path, m.uid());
    }
    write(tmp.as_file_mut())?;
    let file = tmp.as_file();
    file.set_permissions(keep.unwrap_or_else(|| Permissions::from_mode(0o644)))?;
    file.sync_all()?;
    // Checked again just before the rename: a link or device put there since
    // is refused too (the rename would replace it, not write through it).
    check_target(path)?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes `bytes` to `path` whole.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |f| f.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("a scratch directory")
    }

    #[test]
    fn writes_new_and_replaces_keeping_the_mode() {
        let d = scratch();
        let p = d.path().join("f.json");
        write(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        std::fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!(m.mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_links_and_read_only_files() {
        let d = scratch();
        let victim = d.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = write(&link, b"x").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        std::fs::set_permissions(&victim, Permissions::from_mode(0o444)).unwrap();
        let e = write(&victim, b"x").unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        let e = write(d.path(), b"x").unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }

    #[test]
    fn a_long_name_fits() {
        let d = scratch();
        let p = d.path().join("n".repeat(250));
        write(&p, b"x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_the_target_as_it_was() {
        let d = scratch();
        let p = d.path().join("f");
        std::fs::write(&p, b"old").unwrap();
        let e = write_with(&p, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_files_of_dead_writers_go_and_live_ones_stay() {
        let d = scratch();
        let p = d.path().join("f");
        // PID 4194304 is above Linux's largest; no process has it.
        let dead = d.path().join(format!("{}4194304-abcdef.tmp", tag(&p)));
        let live = d.path().join(format!("{}1-abcdef.tmp", tag(&p)));
        let other = d
            .path()
            .join(format!("{PREFIX}00000000-4194304-abcdef.tmp"));
        for f in [&dead, &live, &other] {
            std::fs::write(f, b"x").unwrap();
        }
        write(&p, b"new").unwrap();
        assert!(!dead.exists() || !Path::new("/proc/self").exists());
        assert!(live.exists(), "PID 1 runs");
        assert!(
            other.exists(),
            "another target's file is not ours to remove"
        );
    }
}
