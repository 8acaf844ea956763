//! Labelled data sets for [`train`](crate::train): the embedded digits and MNIST's IDX files.
//!
//! Features are row-major `f32` in [0, 1]; labels are class indices.
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

/// The digits file, as scikit-learn ships it.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("digits.csv.gz");
/// Rows of the digits file.
pub(crate) const DIGITS_ROWS: usize = 1797;
/// Training rows of the digits split (the rest test).
pub(crate) const DIGITS_TRAIN: usize = 1437;

/// Rows of features with a label each.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Row-major `len × features`.
    pub x: Vec<f32>,
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

    /// Row `i`'s features.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    /// The rows `range` as a new dataset.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Dataset {
        Dataset {
            x: self.x[range.start * self.features..range.end * self.features].to_vec(),
            y: self.y[range].to_vec(),
            features: self.features,
            classes: self.classes,
        }
    }
}

/// A named train/test split.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// `digits` or `mnist`.
    pub name: String,
    /// Training rows.
    pub train: Dataset,
    /// Test rows.
    pub test: Dataset,
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
    let mut x = Vec::with_capacity(DIGITS_ROWS * 64);
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
                x.push(v as f32 / 16.0);
            } else {
                y.push(v);
            }
        }
    }
    Ok(Dataset {
        x,
        y,
        features: 64,
        classes: 10,
    })
}
