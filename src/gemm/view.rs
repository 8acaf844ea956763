//! Matrix views: a shape and element strides over a slice, validated once.
//!
//! Element (i, j) of a view lives at `data[i·rs + j·cs]`. A transposed view is
//! the same slice with the strides swapped ([`MatRef::t`]), so `hᵀ·δ` and
//! `δ·Wᵀ` cost no copy. Construction checks that every element is inside the
//! slice; a mutable view also checks that no two elements share a slot, so the
//! kernels may write it from several threads.
#![forbid(unsafe_code)]

use super::GemmError;

/// A read-only strided matrix.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    pub(crate) data: &'a [f32],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

/// A mutable strided matrix whose elements are distinct slots.
#[derive(Debug)]
pub struct MatMut<'a> {
    pub(crate) data: &'a mut [f32],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

/// The largest index a view touches, or an error if it overflows or overruns `len`.
fn check_bounds(
    len: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
) -> Result<(), GemmError> {
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)));
    match last {
        Some(last) if last < len => Ok(()),
        _ => Err(GemmError::OutOfBounds {
            rows,
            cols,
            rs,
            cs,
            len,
        }),
    }
}

impl<'a> MatRef<'a> {
    /// A view of `rows × cols` with row stride `rs` and column stride `cs`.
    pub fn new(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        rs: usize,
        cs: usize,
    ) -> Result<Self, GemmError> {
        check_bounds(data.len(), rows, cols, rs, cs)?;
        Ok(MatRef {
            data,
            rows,
            cols,
            rs,
            cs,
        })
    }

    /// A dense row-major view (`rs = cols`, `cs = 1`).
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Result<Self, GemmError> {
        MatRef::new(data, rows, cols, cols, 1)
    }

    /// The transpose: the same elements, strides swapped.
    pub fn t(self) -> MatRef<'a> {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The underlying slice; element (i, j) is at `i·rs + j·cs`.
    pub fn as_slice(&self) -> &'a [f32] {
        self.data
    }

    /// The row and column strides `(rs, cs)`.
    pub fn strides(&self) -> (usize, usize) {
        (self.rs, self.cs)
    }

    /// Element (i, j); panics outside the shape (a programming error, not user input).
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f32 {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) outside {}x{}",
            self.rows,
            self.cols
        );
        self.data[i * self.rs + j * self.cs]
    }
}

impl<'a> MatMut<'a> {
    /// A mutable view; also rejects strides under which two elements share a slot.
    pub fn new(
        data: &'a mut [f32],
        rows: usize,
        cols: usize,
        rs: usize,
        cs: usize,
    ) -> Result<Self, GemmError> {
        check_bounds(data.len(), rows, cols, rs, cs)?;
        // Rows as disjoint intervals (row-major-like), or columns (column-major-like).
        let distinct = rows == 0
            || cols == 0
            || (rows == 1 && (cols == 1 || cs >= 1))
            || (cols == 1 && rs >= 1)
            || (cs >= 1 && rs > (cols - 1) * cs)
            || (rs >= 1 && cs > (rows - 1) * rs);
        if !distinct {
            return Err(GemmError::Aliasing { rows, cols, rs, cs });
        }
        Ok(MatMut {
            data,
            rows,
            cols,
            rs,
            cs,
        })
    }

    /// A dense row-major view.
    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Result<Self, GemmError> {
        MatMut::new(data, rows, cols, cols, 1)
    }

    /// A read-only view of the same elements.
    pub fn as_ref(&self) -> MatRef<'_> {
        MatRef {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
        }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The underlying slice; element (i, j) is at `i·rs + j·cs`.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.data
    }

    /// The row and column strides `(rs, cs)`.
    pub fn strides(&self) -> (usize, usize) {
        (self.rs, self.cs)
    }

    /// Element (i, j) for writing; panics outside the shape.
    #[inline]
    pub fn at_mut(&mut self, i: usize, j: usize) -> &mut f32 {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) outside {}x{}",
            self.rows,
            self.cols
        );
        &mut self.data[i * self.rs + j * self.cs]
    }
}
