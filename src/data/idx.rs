//! MNIST's IDX files (LeCun, Cortes & Burges, "The MNIST database").
//!
//! ```text
//! 0x00 0x00  type (0x08: unsigned byte)  ndims
//! ndims × big-endian u32 dimension
//! the data, row-major, one byte per value
//! ```
//!
//! Images are 3-dimensional (`n × rows × cols`), labels 1-dimensional. A file
//! name ending in `.gz` (or a file that starts with gzip's magic) is
//! decompressed as it is read. The header is read first, and nothing larger
//! than [`MAX_BYTES`] is allocated: decompression stops at the size the header
//! declares, and data past it is an error. [`load_mnist`] looks in a directory for the four
//! standard names, plain or with `.gz`.
#![forbid(unsafe_code)]

use super::{Dataset, Split};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// The four files of MNIST: train images and labels, test images and labels.
pub const MNIST_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The most data bytes one IDX file may declare (1 GiB; MNIST's largest has 47 MB).
pub const MAX_BYTES: u64 = 1 << 30;

/// Something wrong with an IDX file, naming it.
#[derive(Debug)]
pub enum IdxError {
    /// Neither `NAME` nor `NAME.gz` is in the directory.
    Missing {
        /// The directory searched.
        dir: PathBuf,
        /// The base name.
        name: &'static str,
    },
    /// The file could not be read or decompressed.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The first four bytes are not `00 00 08 NDIMS` with the expected `NDIMS`.
    Magic {
        /// The file.
        path: PathBuf,
        /// The first four bytes.
        found: [u8; 4],
        /// The number of dimensions wanted.
        ndims: u8,
    },
    /// The file is shorter than its header says.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes the header implies.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// A dimension is zero, or image and label counts differ, or train and test images differ in size.
    Dims {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The file has no bytes at all.
    Empty(PathBuf),
    /// The header declares more than [`MAX_BYTES`] of data.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The bytes declared.
        declared: u64,
    },
    /// Data follow what the header declares.
    Trailing {
        /// The file.
        path: PathBuf,
        /// The bytes the header implies.
        expected: u64,
    },
    /// A label is not a digit.
    Label {
        /// The file.
        path: PathBuf,
        /// Its row.
        index: usize,
        /// Its value.
        value: u8,
    },
}

impl core::fmt::Display for IdxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IdxError::Missing { dir, name } => write!(
                f,
                "`{}` has no `{name}` (or `{name}.gz`): --data wants MNIST's four IDX files",
                dir.display()
            ),
            IdxError::Io { path, source } => {
                write!(f, "cannot read `{}`: {source}", path.display())
            }
            IdxError::Magic { path, found, ndims } => write!(
                f,
                "`{}` is not an IDX file of unsigned bytes with {ndims} dimension(s): \
                 it starts {:02x} {:02x} {:02x} {:02x}, want 00 00 08 {ndims:02x}",
                path.display(),
                found[0],
                found[1],
                found[2],
                found[3]
            ),
            IdxError::Truncated {
                path,
                expected,
                found,
            } => write!(
                f,
                "`{}` is truncated: its header implies {expected} bytes, it has {found}",
                path.display()
            ),
            IdxError::Dims { path, what } => write!(f, "`{}`: {what}", path.display()),
            IdxError::Empty(path) => write!(f, "`{}` is empty, not an IDX file", path.display()),
            IdxError::TooLarge { path, declared } => write!(
                f,
                "`{}` declares {declared} bytes of data; the limit is {MAX_BYTES}",
                path.display()
            ),
            IdxError::Trailing { path, expected } => write!(
                f,
                "`{}` has data past the {expected} bytes its header declares",
                path.display()
            ),
            IdxError::Label { path, index, value } => write!(
                f,
                "`{}`: label {index} is {value}, not a digit 0..=9",
                path.display()
            ),
        }
    }
}

impl std::error::Error for IdxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdxError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `path` opened for reading, gunzipped as it is read when it is gzip.
fn open(path: &Path) -> Result<Box<dyn Read>, IdxError> {
    let io = |source| IdxError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::whole_file::open_regular(path).map_err(io)?;
    let mut r = std::io::BufReader::new(file);
    let gz = r.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::bufread::GzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

/// Up to `n` bytes of `r`, fewer only at its end.
fn take(r: &mut dyn Read, n: u64, path: &Path) -> Result<Vec<u8>, IdxError> {
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    r.take(n)
        .read_to_end(&mut out)
        .map_err(|source| IdxError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(out)
}

/// Bytes decompressed and handed on at a time by [`read_into`].
const CHUNK: usize = 1 << 16;

/// An IDX array of unsigned bytes: its dimensions and its data.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IdxArray {
    /// The dimensions.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes with `ndims` dimensions.
pub(crate) fn read(path: &Path, ndims: u8) -> Result<IdxArray, IdxError> {
    let mut data = Vec::new();
    let dims = read_into(path, ndims, &mut data)?;
    Ok(IdxArray { dims, data })
}

/// Reads the header of an IDX file of unsigned bytes with `ndims`
/// dimensions, reserves `out` for the values it declares (at most
/// [`MAX_BYTES`]), then appends them as they are decompressed, [`CHUNK`]
/// bytes at a time; returns the dimensions. Exactly the declared bytes are
/// read, and one more is an error.
fn read_into(path: &Path, ndims: u8, out: &mut Vec<u8>) -> Result<Vec<usize>, IdxError> {
    let p = || path.to_path_buf();
    let mut r = open(path)?;
    let head = take(&mut r, 4, path)?;
    if head.is_empty() {
        return Err(IdxError::Empty(p()));
    }
    let mut magic = [0u8; 4];
    magic[..head.len()].copy_from_slice(&head);
    if head.len() < 4 || magic != [0, 0, 0x08, ndims] {
        return Err(IdxError::Magic {
            path: p(),
            found: magic,
            ndims,
        });
    }
    let header = 4 + 4 * ndims as u64;
    let raw = take(&mut r, header - 4, path)?;
    if (raw.len() as u64) < header - 4 {
        return Err(IdxError::Truncated {
            path: p(),
            expected: header,
            found: 4 + raw.len() as u64,
        });
    }
    let dims: Vec<usize> = raw
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    if let Some(i) = dims.iter().position(|&d| d == 0) {
        return Err(IdxError::Dims {
            path: p(),
            what: format!("dimension {} is 0", i + 1),
        });
    }
    let count = dims
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
        .unwrap_or(u64::MAX);
    if count > MAX_BYTES {
        return Err(IdxError::TooLarge {
            path: p(),
            declared: count,
        });
    }
    out.try_reserve_exact(count as usize)
        .map_err(|_| IdxError::TooLarge {
            path: p(),
            declared: count,
        })?;
    let expected = header + count;
    let io = |source| IdxError::Io { path: p(), source };
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0u64;
    while got < count {
        let want = (count - got).min(CHUNK as u64) as usize;
        let n = match r.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(IdxError::Truncated {
                    path: p(),
                    expected,
                    found: header + got,
                });
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        out.extend_from_slice(&buf[..n]);
        got += n as u64;
    }
    if !take(&mut r, 1, path)?.is_empty() {
        return Err(IdxError::Trailing {
            path: p(),
            expected,
        });
    }
    Ok(dims)
}

/// Images and labels as a dataset: features pixel/255, labels checked to be digits.
pub(crate) fn read_pair(images: &Path, labels: &Path) -> Result<Dataset, IdxError> {
    let IdxArray { dims, data } = read(images, 3)?;
    let lb = read(labels, 1)?;
    if dims[0] != lb.dims[0] {
        return Err(IdxError::Dims {
            path: labels.to_path_buf(),
            what: format!(
                "{} labels for {} images in `{}`",
                lb.dims[0],
                dims[0],
                images.display()
            ),
        });
    }
    if let Some((index, &value)) = lb.data.iter().enumerate().find(|(_, v)| **v > 9) {
        return Err(IdxError::Label {
            path: labels.to_path_buf(),
            index,
            value,
        });
    }
    Ok(Dataset {
        pixels: data,
        white: std::num::NonZeroU8::MAX,
        y: lb.data,
        features: dims[1] * dims[2],
        classes: 10,
    })
}

/// `dir/NAME`, or `dir/NAME.gz`.
fn find(dir: &Path, name: &'static str) -> Result<PathBuf, IdxError> {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if plain.is_file() {
        Ok(plain)
    } else if gz.is_file() {
        Ok(gz)
    } else {
        Err(IdxError::Missing {
            dir: dir.to_path_buf(),
            name,
        })
    }
}

/// MNIST's training and test sets from `dir`.
pub fn load_mnist(dir: &Path) -> Result<Split, IdxError> {
    let [ti, tl, vi, vl] = MNIST_FILES.map(|n| find(dir, n));
    let train = read_pair(&ti?, &tl?)?;
    let vi = vi?;
    let test = read_pair(&vi, &vl?)?;
    if test.features != train.features {
        return Err(IdxError::Dims {
            path: vi,
            what: format!(
                "test images have {} pixels, training images {}",
                test.features, train.features
            ),
        });
    }
    Ok(Split {
        name: dir.display().to_string(),
        train,
        test,
    })
}
