//! The private build cache of `ab`, and `weightinit cache` to list and clean it.
//!
//! Layout, under `$XDG_CACHE_HOME/weightinit/ab` (else `~/.cache/weightinit/ab`):
//!
//! ```text
//! trees/<commit>/            git archive of the commit, stamped when whole
//! trees/<commit>/.weightinit-stamp
//! targets/<commit>/          its CARGO_TARGET_DIR
//! locks/<commit>.lock        held while the commit is exported and built
//! ```
//!
//! Trust: `weightinit/` and `ab/` are created mode 0700 and checked on every
//! run: a symbolic link or a directory of another user is refused, so no
//! other local user can plant a tree whose build script would run as us. A
//! tree is exported into a fresh directory of a random name and renamed into
//! place only after its stamp (the commit, the file count and an FNV-1a
//! digest of every path, mode and content) is written; a tree whose stamp is
//! missing or does not match its files is exported again. Temporary trees of
//! runs that died are removed by the next run.
use super::CliError;
use super::signals;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;
use weightinit::whole_file::{fnv1a, pid_alive};

/// The stamp's file name inside a tree.
const STAMP: &str = ".weightinit-stamp";
/// The file that lists a revision's kept bench executables.
const BINS_MANIFEST: &str = "benches";

/// The stamp's first line (its format version).
const STAMP_HEAD: &str = "weightinit-ab-stamp 1";

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::usage(msg)
}

/// The cache's root, checked or made private.
pub struct Cache {
    root: PathBuf,
}

/// This process's effective user id.
fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Makes `dir` (mode 0700) or checks it: a directory of ours, not a link;
/// group and other permissions are taken away.
fn ensure_private(dir: &Path) -> Result<(), CliError> {
    let refuse = |why: String| {
        usage(format!(
            "the ab cache `{}` {why}; refusing to use it (remove it, or set XDG_CACHE_HOME)",
            dir.display()
        ))
    };
    if let Err(e) = fs::DirBuilder::new().mode(0o700).create(dir) {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(usage(format!("cannot create `{}`: {e}", dir.display())));
        }
    }
    let m = fs::symlink_metadata(dir)
        .map_err(|e| usage(format!("cannot read `{}`: {e}", dir.display())))?;
    if m.file_type().is_symlink() {
        return Err(refuse("is a symbolic link".into()));
    }
    if !m.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    if m.uid() != euid() {
        return Err(refuse(format!(
            "belongs to user {}, not to this user ({})",
            m.uid(),
            euid()
        )));
    }
    if m.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| usage(format!("cannot restrict `{}`: {e}", dir.display())))?;
    }
    Ok(())
}

/// The size of everything under `p`, bytes (links not followed).
pub fn size_of(p: &Path) -> u64 {
    let Ok(m) = fs::symlink_metadata(p) else {
        return 0;
    };
    if !m.is_dir() {
        return m.len();
    }
    fs::read_dir(p)
        .map(|es| es.flatten().map(|e| size_of(&e.path())).sum())
        .unwrap_or(0)
}

/// A size for people.
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.0} KiB", b as f64 / 1024.0),
    }
}

/// Every file under `dir` as (relative path, is a link or executable, bytes),
/// sorted, the stamp left out; links are read, not followed.
fn files(dir: &Path) -> std::io::Result<Vec<(PathBuf, u32, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in fs::read_dir(dir.join(&rel))? {
            let e = e?;
            let r = rel.join(e.file_name());
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(r);
            } else if t.is_symlink() {
                let target = fs::read_link(e.path())?;
                out.push((r, 2, target.into_os_string().into_encoded_bytes()));
            } else if r.as_os_str() != STAMP && r.as_os_str() != "Cargo.lock" {
                // Cargo.lock is left out: cargo writes one into a tree that
                // had none; it keys the build directory instead.
                let exec = e.metadata()?.mode() & 0o100 != 0;
                out.push((r, exec as u32, fs::read(e.path())?));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The stamp of a tree: its format, the commit, the file count and the digest.
fn stamp_of(dir: &Path, sha: &str) -> std::io::Result<String> {
    let fs = files(dir)?;
    let mut bytes = Vec::new();
    for (p, kind, content) in &fs {
        bytes.extend_from_slice(p.as_os_str().as_encoded_bytes());
        bytes.push(0);
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
        bytes.extend_from_slice(content);
    }
    Ok(format!(
        "{STAMP_HEAD}\ncommit {sha}\nfiles {}\ndigest {:016x}\n",
        fs.len(),
        fnv1a(&bytes)
    ))
}

/// The bench executables kept in `bins` by [`keep_bins`], if whole.
pub fn read_bins(bins: &Path) -> Option<BTreeMap<String, PathBuf>> {
    let text = fs::read_to_string(bins.join(BINS_MANIFEST)).ok()?;
    let map: BTreeMap<String, PathBuf> = text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, file)| (name.to_string(), bins.join(file)))
        .collect();
    map.values().all(|p| p.is_file()).then_some(map)
}

/// Copies a build's bench executables into `bins` (each whole), then writes
/// the manifest that marks the set as complete; returns the copies.
pub fn keep_bins(
    bins: &Path,
    benches: &BTreeMap<String, PathBuf>,
) -> std::io::Result<BTreeMap<String, PathBuf>> {
    fs::create_dir_all(bins)?;
    let mut manifest = String::new();
    let mut kept = BTreeMap::new();
    for (name, exe) in benches {
        let dst = bins.join(name);
        let tmp = tempfile::Builder::new()
            .prefix(".copy-")
            .tempfile_in(bins)?;
        fs::copy(exe, tmp.path())?;
        tmp.persist(&dst).map_err(|e| e.error)?;
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o700))?;
        manifest.push_str(&format!("{name}\t{name}\n"));
        kept.insert(name.clone(), dst);
    }
    weightinit::whole_file::write(&bins.join(BINS_MANIFEST), manifest.as_bytes())?;
    Ok(kept)
}

/// Sets every file of `dir` to the current time, so that cargo rebuilds
/// the crate from this tree in a build directory another tree used.
pub fn touch_tree(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let e = e?;
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                fs::File::options()
                    .write(true)
                    .open(e.path())?
                    .set_modified(now)?;
            }
        }
    }
    Ok(())
}

/// Starts `cmd` in a process group of its own, so that it and everything it
/// starts can be ended together.
pub fn spawn(cmd: &mut Command, what: &str) -> Result<Child, CliError> {
    cmd.process_group(0)
        .spawn()
        .map_err(|e| usage(format!("cannot run {what}: {e}")))
}

/// Ends `child`'s process group.
fn kill_group(child: &mut Child) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits for `children` (all of them), ending them all when a signal is
/// caught: then `Err` with exit status 128 + the signal, naming `what`.
pub fn wait_all(children: &mut [Child], what: &str) -> Result<Vec<ExitStatus>, CliError> {
    let mut done: Vec<Option<ExitStatus>> = vec![None; children.len()];
    loop {
        for (c, d) in children.iter_mut().zip(done.iter_mut()) {
            if d.is_none() {
                *d = c.try_wait().map_err(|e| usage(format!("{what}: {e}")))?;
            }
        }
        if done.iter().all(Option::is_some) {
            return Ok(done.into_iter().flatten().collect());
        }
        if let Some(sig) = signals::caught() {
            children.iter_mut().for_each(kill_group);
            return Err(signals::stopped(sig, format!("{what} was stopped")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `cmd` to its end, its standard output captured (standard error as
/// the caller set it); ended with its children on a signal.
pub fn output(cmd: &mut Command, what: &str) -> Result<(ExitStatus, Vec<u8>), CliError> {
    let mut child = spawn(cmd.stdout(Stdio::piped()).stdin(Stdio::null()), what)?;
    let mut out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let status = wait_all(std::slice::from_mut(&mut child), what)?;
    let stdout = reader.join().unwrap_or_default();
    Ok((status[0], stdout))
}

impl Cache {
    /// Opens the cache, making or checking its private directories.
    pub fn open() -> Result<Cache, CliError> {
        let base = match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
            Some(p) if p.is_absolute() => p,
            _ => match std::env::var_os("HOME").map(PathBuf::from) {
                Some(h) if h.is_absolute() => h.join(".cache"),
                _ => {
                    return Err(usage(
                        "neither XDG_CACHE_HOME nor HOME is an absolute path: \
                         set one for ab's build cache",
                    ));
                }
            },
        };
        fs::create_dir_all(&base)
            .map_err(|e| usage(format!("cannot create `{}`: {e}", base.display())))?;
        let root = base.join("weightinit").join("ab");
        ensure_private(root.parent().expect("has a parent"))?;
        ensure_private(&root)?;
        for d in ["trees", "targets", "locks"] {
            ensure_private(&root.join(d))?;
        }
        Ok(Cache { root })
    }

    /// The cache's root (git looks for no repository above it).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The build directory of the tree `dir`: one per `Cargo.lock`, rustc
    /// and `RUSTFLAGS`, so that revisions that agree on them share their
    /// compiled dependencies and each pays one build of this crate alone
    /// (cargo names each tree's own artifacts by its path, so they never
    /// clash).
    pub fn target_for(&self, dir: &Path) -> PathBuf {
        let mut key = fs::read(dir.join("Cargo.lock")).unwrap_or_default();
        for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC"] {
            key.extend_from_slice(var.as_bytes());
            key.extend_from_slice(std::env::var_os(var).unwrap_or_default().as_encoded_bytes());
        }
        self.root
            .join("targets")
            .join(format!("{:016x}", fnv1a(&key)))
    }

    /// Takes `sha`'s lock, waiting for another run that holds it.
    pub fn lock(&self, sha: &str) -> Result<File, CliError> {
        let p = self.root.join("locks").join(format!("{sha}.lock"));
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&p)
            .map_err(|e| usage(format!("cannot open the lock `{}`: {e}", p.display())))?;
        if fs4::FileExt::try_lock(&lock_file).is_err() {
            eprintln!("ab: waiting for another run that builds {}", &sha[..12]);
            fs4::FileExt::lock(&lock_file)
                .map_err(|e| usage(format!("cannot lock `{}`: {e}", p.display())))?;
        }
        Ok(lock_file)
    }

    /// Takes the lock of a shared build directory, waiting for another run.
    pub fn lock_target(&self, target: &Path) -> Result<File, CliError> {
        let key = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("target");
        self.lock(&format!("target-{key}"))
    }

    /// The tree of commit `sha` of the repository at `repo`: the kept one if
    /// its stamp holds, else a new export. Call with `sha`'s lock held.
    pub fn tree(&self, repo: &Path, sha: &str) -> Result<PathBuf, CliError> {
        let trees = self.root.join("trees");
        let tree = trees.join(sha);
        let kept = fs::read_to_string(tree.join(STAMP)).ok();
        if let Some(stamp) = kept {
            if stamp_of(&tree, sha).is_ok_and(|s| s == stamp) {
                return Ok(tree);
            }
            eprintln!(
                "ab: the kept tree of {} does not match its stamp; exporting it again",
                &sha[..12]
            );
        }
        self.remove_dead_temporaries();
        if fs::symlink_metadata(&tree).is_ok() {
            fs::remove_dir_all(&tree)
                .map_err(|e| usage(format!("cannot remove `{}`: {e}", tree.display())))?;
        }
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".tmp-{}-", std::process::id()))
            .tempdir_in(&trees)
            .map_err(|e| {
                usage(format!(
                    "cannot create a directory in `{}`: {e}",
                    trees.display()
                ))
            })?;
        let mut archive = Command::new("git");
        archive
            .args(["archive", "--format=tar", sha])
            .current_dir(repo)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut git = spawn(&mut archive, "git archive")?;
        let pipe = git.stdout.take().expect("piped");
        let mut untar = Command::new("tar");
        untar.arg("-x").arg("-C").arg(tmp.path()).stdin(pipe);
        let tar = match spawn(&mut untar, "tar") {
            Ok(t) => t,
            Err(e) => {
                kill_group(&mut git);
                return Err(e);
            }
        };
        let mut both = [git, tar];
        let st = wait_all(&mut both, &format!("the export of {}", &sha[..12]))?;
        if !st.iter().all(ExitStatus::success) {
            return Err(usage(format!(
                "cannot export commit {sha} (git archive | tar failed)"
            )));
        }
        let stamp = stamp_of(tmp.path(), sha)
            .map_err(|e| usage(format!("cannot read the export of {sha}: {e}")))?;
        weightinit::whole_file::write(&tmp.path().join(STAMP), stamp.as_bytes())
            .map_err(|e| usage(format!("cannot stamp the export of {sha}: {e}")))?;
        let dir = tmp.keep();
        fs::rename(&dir, &tree).map_err(|e| {
            let _ = fs::remove_dir_all(&dir);
            usage(format!("cannot create `{}`: {e}", tree.display()))
        })?;
        Ok(tree)
    }

    /// Removes the temporary trees of runs that no longer run.
    fn remove_dead_temporaries(&self) {
        let Ok(es) = fs::read_dir(self.root.join("trees")) else {
            return;
        };
        for e in es.flatten() {
            let name = e.file_name();
            let pid = name
                .to_str()
                .and_then(|n| n.strip_prefix(".tmp-"))
                .and_then(|r| r.split('-').next())
                .and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| p != std::process::id() && !pid_alive(p)) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }

    /// The names under `trees/` (commits) or `targets/` (build keys).
    fn kept(&self, dir: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.root.join(dir))
            .map(|es| {
                es.flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// `weightinit cache [list | clean [--all | COMMIT…]]`.
pub fn run(a: super::args::CacheArgs) -> Result<u8, CliError> {
    use super::args::CacheAction;
    let cache = Cache::open()?;
    let trees = cache.kept("trees");
    let builds = cache.kept("targets");
    match a.action.unwrap_or(CacheAction::List) {
        CacheAction::List => {
            println!("ab cache: {}", cache.root.display());
            let head = ["commit", "subject", "size"].map(String::from);
            let mut total = 0;
            let rows: Vec<Vec<String>> = trees
                .iter()
                .map(|sha| {
                    let size = size_of(&cache.root.join("trees").join(sha));
                    total += size;
                    let subject = Command::new("git")
                        .args(["log", "-1", "--format=%s", sha])
                        .stderr(Stdio::null())
                        .output()
                        .ok()
                        .filter(|o| o.status.success())
                        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                        .unwrap_or_else(|| "?".into());
                    let subject: String = subject.chars().take(50).collect();
                    vec![sha.chars().take(12).collect(), subject, human(size)]
                })
                .collect();
            print!(
                "{}",
                super::table::printable(&super::table::table(false, &head, &rows))
            );
            let build_size: u64 = builds
                .iter()
                .map(|k| size_of(&cache.root.join("targets").join(k)))
                .sum();
            total += build_size;
            println!(
                "{} revisions; {} builds (one per Cargo.lock and flags) take {}; {} in all",
                trees.len(),
                builds.len(),
                human(build_size),
                human(total)
            );
        }
        CacheAction::Clean { commits, all } => {
            if !all && commits.is_empty() {
                return Err(usage("cache clean: name commits, or --all"));
            }
            let mut chosen = Vec::new();
            for c in &commits {
                if c.len() < 4 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(usage(format!(
                        "cache clean: `{c}` is not a commit (4 to 40 hex digits)"
                    )));
                }
                let found: Vec<&String> =
                    trees.iter().filter(|k| k.starts_with(c.as_str())).collect();
                if found.is_empty() {
                    return Err(usage(format!("cache clean: no kept revision `{c}`")));
                }
                chosen.extend(found);
            }
            if all {
                chosen = trees.iter().collect();
            }
            let mut freed = 0;
            let remove = |d: &Path| -> Result<u64, CliError> {
                let size = size_of(d);
                if fs::symlink_metadata(d).is_ok() {
                    fs::remove_dir_all(d)
                        .map_err(|e| usage(format!("cannot remove `{}`: {e}", d.display())))?;
                }
                Ok(size)
            };
            for sha in chosen {
                let lock = cache.lock(sha)?;
                freed += remove(&cache.root.join("trees").join(sha))?;
                let _ = fs::remove_file(cache.root.join("locks").join(format!("{sha}.lock")));
                drop(lock);
                println!("removed {}", &sha[..sha.len().min(12)]);
            }
            // The builds go with --all (they serve every revision of their key).
            if all {
                for key in &builds {
                    freed += remove(&cache.root.join("targets").join(key))?;
                }
            }
            println!("freed {}", human(freed));
        }
    }
    Ok(0)
}
