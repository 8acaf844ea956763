//! Labelled data sets for [`train`](crate::train): the embedded digits and MNIST's IDX files.
//!
//! Features are 8-bit pixels, row-major, read as `pixel / white` in [0, 1]
//! when a batch is gathered ([`Dataset`]); labels are class indices.
//!
//! [`open`] takes what the command line's `--data` takes: `digits`, a named
//! set in the IDX format (`fashion-mnist`, `mnist`), or a directory of the
//! four IDX files. A named set is looked for in `$WEIGHTINIT_DATA/NAME`, then
//! in `/usr/share/datasets/NAME`, where Debian's `dataset-fashion-mnist`
//! package puts Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017: 28×28 grey
//! images of clothing in 10 classes, 60 000 training and 10 000 test, in
//! MNIST's exact format and split). A directory given by path is named by
//! the set it holds where it is one of those places, else by its path.
//!
//! The embedded set is the UCI optical-recognition digits (Alpaydin & Kaynak,
//! 1998; CC BY 4.0) as scikit-learn ships it (`sklearn/datasets/data/digits.csv.gz`,
//! unchanged): 1797 rows of 64 pixels in 0..=16, then the label. Features are
//! pixel/16 in the file's order; the first 1437 rows train and the last 360
//! test. MNIST comes from its IDX files ([`idx`]), pixel/255; every size is
//! checked against the header before anything is allocated.
#![forbid(unsafe_code)]

pub mod idx;

use std::io::Read;
use std::num::NonZeroU8;
use std::path::{Path, PathBuf};

/// The digits file, as scikit-learn ships it.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("digits.csv.gz");
/// Rows of the digits file.
pub(crate) const DIGITS_ROWS: usize = 1797;
/// Training rows of the digits split (the rest test).
pub(crate) const DIGITS_TRAIN: usize = 1437;

/// Rows of 8-bit pixels with a label each; a feature is `pixel / white`.
///
/// The pixels stay bytes until a batch is gathered: a quarter of the memory
/// of `f32` features, and a quarter of the bytes each training step pulls
/// from memory for its randomly chosen rows, a latency-bound gather.
/// `p as f32 / white as f32` is the value the features had when they were
/// stored as floats, to the bit.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Row-major `len × features` pixels.
    pub pixels: Vec<u8>,
    /// The pixel read as 1.0: 255 for IDX images, 16 for the digits (never
    /// 0, so no feature is infinite or NaN).
    pub white: NonZeroU8,
    /// One label per row, `< classes`.
    pub y: Vec<u8>,
    /// Features per row.
    pub features: usize,
    /// Number of classes.
    pub classes: usize,
}

impl Dataset {
    /// Rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Row `i`'s features, `pixel / white`, into `out` (`features` long).
    pub fn row_into(&self, i: usize, out: &mut [f32]) {
        let white = f32::from(self.white.get());
        let row = &self.pixels[i * self.features..(i + 1) * self.features];
        for (o, &p) in out.iter_mut().zip(row) {
            *o = f32::from(p) / white;
        }
    }

    /// The features of the rows `range`, row-major, into `out` (resized to fit).
    pub fn rows_into(&self, range: std::ops::Range<usize>, out: &mut Vec<f32>) {
        out.resize(range.len() * self.features, 0.0);
        for (i, o) in range.zip(out.chunks_exact_mut(self.features.max(1))) {
            self.row_into(i, o);
        }
    }

    /// The features of the rows `range`, row-major.
    pub fn rows(&self, range: std::ops::Range<usize>) -> Vec<f32> {
        let mut out = Vec::new();
        self.rows_into(range, &mut out);
        out
    }

    /// The rows `range` as a new dataset.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Dataset {
        Dataset {
            pixels: self.pixels[range.start * self.features..range.end * self.features].to_vec(),
            white: self.white,
            y: self.y[range].to_vec(),
            features: self.features,
            classes: self.classes,
        }
    }
}

/// A named train/test split.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// `digits`, `fashion-mnist`, `mnist`, or the directory it was read from.
    pub name: String,
    /// Training rows.
    pub train: Dataset,
    /// Test rows.
    pub test: Dataset,
}

/// The named sets in MNIST's IDX format, and how to get each.
pub const NAMED: [(&str, &str); 2] = [
    (
        "fashion-mnist",
        "install Debian's package `dataset-fashion-mnist` (apt-get install dataset-fashion-mnist)",
    ),
    (
        "mnist",
        "download MNIST's four IDX files (train-images-idx3-ubyte.gz and the three others)",
    ),
];

/// The environment variable naming a directory of data sets.
pub const DATA_ENV: &str = "WEIGHTINIT_DATA";

/// Where Debian's `dataset-*` packages install.
pub const SYSTEM_DIR: &str = "/usr/share/datasets";

/// The directories a named set is looked for in, in order.
pub fn candidates(name: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(root) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(root).join(name));
    }
    dirs.push(Path::new(SYSTEM_DIR).join(name));
    dirs
}

/// A data set that could not be opened.
#[derive(Debug)]
pub enum DataError {
    /// A named set found in none of its places.
    NotFound {
        /// The set.
        name: &'static str,
        /// The directories looked in.
        searched: Vec<PathBuf>,
        /// How to get it.
        hint: &'static str,
    },
    /// The set's files are wrong.
    Idx(idx::IdxError),
}

impl core::fmt::Display for DataError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DataError::NotFound {
                name,
                searched,
                hint,
            } => {
                let places: Vec<String> = searched
                    .iter()
                    .map(|d| format!("`{}`", d.display()))
                    .collect();
                write!(
                    f,
                    "{name} is not in {}: {hint}, or put its four IDX files in ${DATA_ENV}/{name}",
                    places.join(" or ")
                )
            }
            DataError::Idx(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Idx(e) => Some(e),
            DataError::NotFound { .. } => None,
        }
    }
}

impl From<idx::IdxError> for DataError {
    fn from(e: idx::IdxError) -> Self {
        DataError::Idx(e)
    }
}

/// Opens what `--data` names: `digits`, `fashion-mnist`, `mnist` (see the
/// module doc for where they are looked for), or a directory of MNIST's four
/// IDX files. A name wins over a directory of the same name: write `./mnist`
/// for the directory.
pub fn open(what: &str) -> Result<Split, DataError> {
    if what == "digits" {
        return Ok(digits());
    }
    if let Some(&(name, hint)) = NAMED.iter().find(|(n, _)| *n == what) {
        let searched = candidates(name);
        return match searched.iter().find(|d| d.is_dir()) {
            Some(dir) => {
                let mut split = idx::load_mnist(dir)?;
                split.name = name.to_string();
                Ok(split)
            }
            None => Err(DataError::NotFound {
                name,
                searched,
                hint,
            }),
        };
    }
    let dir = Path::new(what);
    let mut split = idx::load_mnist(dir)?;
    split.name = name_of(dir);
    Ok(split)
}

/// A directory's data-set name: the named set it is one of the places of,
/// else the directory as given.
fn name_of(dir: &Path) -> String {
    let real = std::fs::canonicalize(dir).ok();
    NAMED
        .iter()
        .find(|(n, _)| {
            candidates(n)
                .iter()
                .any(|c| real.is_some() && std::fs::canonicalize(c).ok() == real)
        })
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| dir.display().to_string())
}

impl Split {
    /// The name as a file-name part: the set's name, or the directory's last
    /// component with anything but letters, digits, `-` and `_` replaced by `_`.
    pub fn slug(&self) -> String {
        let last = Path::new(&self.name)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let s: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if s.is_empty() { "data".into() } else { s }
    }
}

/// The embedded digits, split 1437 / 360 in the file's order.
pub fn digits() -> Split {
    let all = parse_digits(DIGITS_CSV_GZ).expect("the embedded digits file is well formed");
    Split {
        name: "digits".into(),
        train: all.slice(0..DIGITS_TRAIN),
        test: all.slice(DIGITS_TRAIN..all.len()),
    }
}

/// Parses a gzipped digits CSV: 64 pixels in 0..=16, then a label in 0..=9, per line.
pub(crate) fn parse_digits(gz: &[u8]) -> Result<Dataset, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|e| format!("digits: cannot decompress: {e}"))?;
    let mut pixels = Vec::with_capacity(DIGITS_ROWS * 64);
    let mut y = Vec::with_capacity(DIGITS_ROWS);
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 65 {
            return Err(format!(
                "digits line {}: {} fields, want 65",
                n + 1,
                fields.len()
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            let v: u8 = f
                .trim()
                .parse()
                .map_err(|_| format!("digits line {}: field {} is `{f}`", n + 1, j + 1))?;
            let max = if j < 64 { 16 } else { 9 };
            if v > max {
                return Err(format!(
                    "digits line {}: field {} = {v} > {max}",
                    n + 1,
                    j + 1
                ));
            }
            if j < 64 {
                pixels.push(v);
            } else {
                y.push(v);
            }
        }
    }
    Ok(Dataset {
        pixels,
        white: const { NonZeroU8::new(16).unwrap() },
        y,
        features: 64,
        classes: 10,
    })
}
