//! A streaming writer of NumPy `.npy` files (format version 1.0), `<f4`, C order.
//!
//! Layout: the magic `\x93NUMPY`, version `1 0`, a little-endian `u16` header
//! length, then an ASCII dict `{'descr': '<f4', 'fortran_order': False,
//! 'shape': (…), }` padded with spaces and a final `\n` so that the data start
//! at a multiple of 64 bytes. The data follow as little-endian `f32`, written
//! in as many chunks as the caller likes: memory stays bounded for any size.
#![forbid(unsafe_code)]

use std::io::{self, Write};

/// The header bytes for an `f32` array of `shape`.
pub fn header(shape: &[usize]) -> Vec<u8> {
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
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.div_ceil(64) * 64 - unpadded));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes a `.npy` header, then `f32` chunks.
pub struct NpyWriter<W: Write> {
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
