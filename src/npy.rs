//! A streaming writer of NumPy `.npy` files, `<f4`, C order.
//!
//! Layout (NEP 1): the magic `\x93NUMPY`, version `1 0` and a little-endian
//! `u16` header length, or, where the header is longer than 65535 bytes (a
//! shape of many thousand dimensions), version `2 0` and a `u32` length;
//! then an ASCII dict `{'descr': '<f4', 'fortran_order': False,
//! 'shape': (…), }` padded with spaces and a final `\n` so that the data start
//! at a multiple of 64 bytes. The data follow as little-endian `f32`, written
//! in as many chunks as the caller likes: memory stays bounded for any size.
//!
//! `write_file` writes a whole file that way, whole or not at all: into a
//! temporary file beside the target, renamed over it at the end, after a
//! check of the free space; a failure, a refusal or a cancellation leaves no
//! file behind and an existing one untouched.
#![forbid(unsafe_code)]

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The header bytes for an `f32` array of `shape`.
pub(crate) fn header(shape: &[usize]) -> Vec<u8> {
    let dims = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}");
    // Version 1.0 where the padded header's length fits a u16, else 2.0.
    let padded = |preamble: usize| (preamble + dict.len() + 1).div_ceil(64) * 64 - preamble;
    let v1 = padded(10) <= u16::MAX as usize;
    let preamble = if v1 { 10 } else { 12 };
    let len = padded(preamble);
    dict.push_str(&" ".repeat(len - dict.len() - 1));
    dict.push('\n');
    let mut out = Vec::with_capacity(preamble + len);
    out.extend_from_slice(b"\x93NUMPY");
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes a `.npy` header, then `f32` chunks.
pub(crate) struct NpyWriter<W: Write> {
    out: W,
    remaining: u64,
}

impl<W: Write> NpyWriter<W> {
    /// Writes the header for `shape`.
    pub fn new(mut out: W, shape: &[usize]) -> io::Result<Self> {
        out.write_all(&header(shape))?;
        let remaining = shape.iter().map(|&d| d as u64).product();
        Ok(NpyWriter { out, remaining })
    }

    /// Appends values; more than the shape holds is an error.
    pub fn write(&mut self, xs: &[f32]) -> io::Result<()> {
        if xs.len() as u64 > self.remaining {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "more values than the .npy shape holds",
            ));
        }
        self.remaining -= xs.len() as u64;
        if cfg!(target_endian = "little") {
            self.out
                .write_all(wide::bytemuck::cast_slice::<f32, u8>(xs))
        } else {
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            self.out.write_all(&bytes)
        }
    }

    /// Checks that the shape is full and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if self.remaining != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} values missing from the .npy data", self.remaining),
            ));
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads an `<f4` C-order `.npy` (for tests and round trips): (shape, values).
pub fn read(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let head = std::str::from_utf8(bytes.get(start..start + hlen).ok_or("truncated header")?)
        .map_err(|e| e.to_string())?;
    if !head.contains("'descr': '<f4'") || !head.contains("'fortran_order': False") {
        return Err(format!("not a C-order <f4 array: {head}"));
    }
    let s = head
        .split("'shape': (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .ok_or("no shape")?;
    let shape: Vec<usize> = s
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<usize>().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let data = &bytes[start + hlen..];
    let n: usize = shape.iter().product();
    if data.len() != 4 * n {
        return Err(format!(
            "expected {} data bytes, found {}",
            4 * n,
            data.len()
        ));
    }
    Ok((
        shape,
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    ))
}

/// The size of a `.npy` file of `shape`, bytes (`None` if it overflows `u64`).
pub(crate) fn file_bytes(shape: &[usize]) -> Option<u64> {
    let n = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d as u64))?;
    n.checked_mul(4)?.checked_add(header(shape).len() as u64)
}

/// A `.npy` file could not be written.
#[derive(Debug)]
pub enum NpyError {
    /// Reading or writing `path` failed.
    Io(PathBuf, io::Error),
    /// The file would not fit the free space of its file system.
    NoSpace {
        /// The target.
        path: PathBuf,
        /// The file's size, bytes.
        need: u64,
        /// The free space, bytes.
        free: u64,
    },
    /// The shape's size overflows.
    TooLarge(Vec<usize>),
    /// The caller's cancel flag was raised (an interrupt).
    Cancelled(PathBuf),
}

impl core::fmt::Display for NpyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NpyError::Io(p, e) => write!(f, "cannot write `{}`: {e}", p.display()),
            NpyError::NoSpace { path, need, free } => write!(
                f,
                "`{}` would take {need} bytes ({:.2} GB), but its file system has {free} bytes free ({:.2} GB)",
                path.display(),
                *need as f64 / 1e9,
                *free as f64 / 1e9
            ),
            NpyError::TooLarge(shape) => write!(f, "shape {shape:?} has too many elements"),
            NpyError::Cancelled(p) => write!(f, "interrupted: `{}` was not written", p.display()),
        }
    }
}

impl std::error::Error for NpyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NpyError::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

/// Writes the `.npy` file of `shape` at `path`, whole or not at all (see the
/// module doc). The values come in groups of at most `group` floats: `fill(start,
/// buf)` writes elements `start ..` into `buf` on the calling thread while a
/// writer thread writes the group before, so memory stays at two groups;
/// `seen(buf)` sees every group in order. `cancel()` is asked between groups.
pub(crate) fn write_file(
    path: &Path,
    shape: &[usize],
    group: usize,
    mut fill: impl FnMut(usize, &mut [f32]),
    mut seen: impl FnMut(&[f32]),
    cancel: &(dyn Fn() -> bool + Sync),
) -> Result<(), NpyError> {
    let need = file_bytes(shape).ok_or_else(|| NpyError::TooLarge(shape.to_vec()))?;
    let n = usize::try_from((need - header(shape).len() as u64) / 4)
        .map_err(|_| NpyError::TooLarge(shape.to_vec()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |e| NpyError::Io(path.to_path_buf(), e);
    let free = fs4::available_space(&dir).map_err(io)?;
    // An existing file at `path` is replaced at the end, so its space does not count.
    if need > free {
        return Err(NpyError::NoSpace {
            path: path.to_path_buf(),
            need,
            free,
        });
    }
    crate::whole_file::write_with(path, |file| {
        let mut w = NpyWriter::new(BufWriter::with_capacity(1 << 20, file), shape)?;
        stream(&mut w, n, group.max(1), &mut fill, &mut seen, cancel)?;
        if cancel() {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        w.finish()?.flush()
    })
    .map_err(|e| match e.kind() {
        io::ErrorKind::Interrupted => NpyError::Cancelled(path.to_path_buf()),
        _ => io(e),
    })
}

/// The generator–writer pipeline of [`write_file`]; stops early when `cancel` is raised.
fn stream<W: Write + Send>(
    w: &mut NpyWriter<W>,
    n: usize,
    group: usize,
    fill: &mut impl FnMut(usize, &mut [f32]),
    seen: &mut impl FnMut(&[f32]),
    cancel: &(dyn Fn() -> bool + Sync),
) -> io::Result<()> {
    let (to_writer, from_gen) = std::sync::mpsc::sync_channel::<Vec<f32>>(1);
    let (to_gen, recycled) = std::sync::mpsc::channel::<Vec<f32>>();
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<()> {
            for buf in from_gen {
                w.write(&buf)?;
                let _ = to_gen.send(buf);
            }
            Ok(())
        });
        let mut spare: Vec<Vec<f32>> = (0..2).map(|_| Vec::with_capacity(group.min(n))).collect();
        let mut done = 0usize;
        while done < n && !cancel() {
            let len = group.min(n - done);
            let mut buf = spare
                .pop()
                .or_else(|| recycled.recv().ok())
                .unwrap_or_default();
            buf.resize(len, 0.0);
            fill(done, &mut buf);
            seen(&buf);
            done += len;
            if to_writer.send(buf).is_err() {
                break; // the writer failed; its error is returned below
            }
        }
        drop(to_writer);
        writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")))
    })
}
