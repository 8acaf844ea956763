//! The training network: affine layers with biases, an activation on the
//! hidden layers, softmax with mean cross-entropy, plain SGD.
//!
//! ```text
//! h₀ = X (rows × n₀),   z_l = h_{l−1}·W_l + b_l,   h_l = f(z_l) (l < L),   p = softmax(z_L)
//! loss = −(1/rows)·Σ ln p[y]               ∂loss/∂z_L = (p − onehot(y))/rows
//! ∂W_l = h_{l−1}ᵀ·δ_l,  ∂b_l = Σ_rows δ_l,  δ_{l−1} = (δ_l·W_lᵀ) ⊙ f′(z_{l−1})
//! W_l ← W_l − η·∂W_l,   b_l ← b_l − η·∂b_l
//! ```
//!
//! `W_l` is `fan_in × fan_out`, row-major. The GEMMs, activations and the
//! softmax's exponentials go through the run's [`Backend`]; everything else
//! (biases, the SGD step, the column sums) is the same code for both.
#![forbid(unsafe_code)]

use crate::activation::Activation;
use crate::backend::Backend;
use crate::gemm::{MatMut, MatRef};

const SHAPES_OK: &str = "shapes are set by the network";

/// The parameters: `W_l` (`sizes[l] × sizes[l+1]`) and `b_l` for each layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Units per layer, input first, classes last.
    pub sizes: Vec<usize>,
    /// Weights, row-major `fan_in × fan_out`.
    pub w: Vec<Vec<f32>>,
    /// Biases.
    pub b: Vec<Vec<f32>>,
}

/// ∂loss/∂W_l and ∂loss/∂b_l.
#[derive(Clone, Debug, PartialEq)]
pub struct Grads {
    /// Same shapes as [`Mlp::w`].
    pub w: Vec<Vec<f32>>,
    /// Same shapes as [`Mlp::b`].
    pub b: Vec<Vec<f32>>,
}

/// Buffers of one batch size, reused across steps.
#[derive(Debug, Default)]
pub struct Workspace {
    /// h_1 … h_{L−1}, then the logits (and then δ_L).
    h: Vec<Vec<f32>>,
    /// f′(z_l) of each hidden layer.
    d: Vec<Vec<f32>>,
    /// δ·Wᵀ of the layer below.
    g: Vec<f32>,
}

impl Workspace {
    fn fit(&mut self, sizes: &[usize], rows: usize) {
        let layers = sizes.len() - 1;
        self.h.resize_with(layers, Vec::new);
        self.d.resize_with(layers - 1, Vec::new);
        for (l, h) in self.h.iter_mut().enumerate() {
            h.resize(rows * sizes[l + 1], 0.0);
        }
        for (l, d) in self.d.iter_mut().enumerate() {
            d.resize(rows * sizes[l + 1], 0.0);
        }
        self.g
            .resize(rows * sizes.iter().copied().max().unwrap_or(0), 0.0);
    }
}

impl Mlp {
    /// Zero weights and biases of these sizes (at least two).
    pub fn zeros(sizes: &[usize]) -> Mlp {
        assert!(sizes.len() >= 2, "a network has an input and an output");
        Mlp {
            sizes: sizes.to_vec(),
            w: sizes.windows(2).map(|s| vec![0.0; s[0] * s[1]]).collect(),
            b: sizes[1..].iter().map(|&n| vec![0.0; n]).collect(),
        }
    }

    /// Affine layers.
    pub fn layers(&self) -> usize {
        self.sizes.len() - 1
    }

    /// Forward pass of `rows` inputs `x`; the logits are `ws.h[L−1]`.
    fn forward(&self, x: &[f32], rows: usize, act: Activation, k: Backend, ws: &mut Workspace) {
        ws.fit(&self.sizes, rows);
        let layers = self.layers();
        for l in 0..layers {
            let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
            let (below, here) = ws.h.split_at_mut(l);
            let input = if l == 0 { x } else { &below[l - 1][..] };
            let z = &mut here[0];
            for row in z.chunks_exact_mut(fan_out) {
                row.copy_from_slice(&self.b[l]);
            }
            k.matmul(
                1.0,
                MatRef::row_major(input, rows, fan_in).expect(SHAPES_OK),
                MatRef::row_major(&self.w[l], fan_in, fan_out).expect(SHAPES_OK),
                1.0,
                &mut MatMut::row_major(z, rows, fan_out).expect(SHAPES_OK),
            );
            if l + 1 < layers {
                // z_l becomes f′(z_l) in d, h_l = f(z_l) in h.
                std::mem::swap(&mut ws.d[l], &mut here[0]);
                k.activate(act, &mut ws.d[l], &mut here[0]);
            }
        }
    }

    /// The logits of `rows` inputs (row-major `rows × classes`).
    pub fn logits(&self, x: &[f32], rows: usize, act: Activation, k: Backend) -> Vec<f32> {
        let mut ws = Workspace::default();
        self.forward(x, rows, act, k, &mut ws);
        ws.h.pop().expect("at least one layer")
    }

    /// The mean cross-entropy of `rows` inputs with labels `y`.
    #[cfg(test)]
    pub fn loss(&self, x: &[f32], y: &[u8], act: Activation, k: Backend) -> f32 {
        let mut z = self.logits(x, y.len(), act, k);
        softmax_ce(&mut z, y, *self.sizes.last().expect("sizes"), k)
    }

    /// Loss and gradients on the batch `x`, `y` (`y.len()` rows).
    pub fn gradients(
        &self,
        x: &[f32],
        y: &[u8],
        act: Activation,
        k: Backend,
        ws: &mut Workspace,
        grads: &mut Grads,
    ) -> f32 {
        let rows = y.len();
        self.forward(x, rows, act, k, ws);
        let layers = self.layers();
        let classes = self.sizes[layers];
        let loss = softmax_ce(&mut ws.h[layers - 1], y, classes, k);
        // δ_L is in h[L−1]; each step down leaves δ_l in h[l−1].
        for l in (0..layers).rev() {
            let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
            let (below, here) = ws.h.split_at_mut(l);
            let delta = &here[0][..rows * fan_out];
            let input = if l == 0 { x } else { &below[l - 1][..] };
            let dv = MatRef::row_major(delta, rows, fan_out).expect(SHAPES_OK);
            k.matmul(
                1.0,
                MatRef::row_major(input, rows, fan_in).expect(SHAPES_OK).t(),
                dv,
                0.0,
                &mut MatMut::row_major(&mut grads.w[l], fan_in, fan_out).expect(SHAPES_OK),
            );
            column_sums(delta, fan_out, &mut grads.b[l]);
            if l > 0 {
                let g = &mut ws.g[..rows * fan_in];
                k.matmul(
                    1.0,
                    dv,
                    MatRef::row_major(&self.w[l], fan_in, fan_out)
                        .expect(SHAPES_OK)
                        .t(),
                    0.0,
                    &mut MatMut::row_major(g, rows, fan_in).expect(SHAPES_OK),
                );
                for ((o, gi), di) in below[l - 1].iter_mut().zip(g.iter()).zip(&ws.d[l - 1]) {
                    *o = gi * di;
                }
            }
        }
        loss
    }

    /// One SGD step: `θ ← θ − lr·∂θ`.
    pub fn sgd(&mut self, grads: &Grads, lr: f32) {
        let params = self.w.iter_mut().chain(self.b.iter_mut());
        let gs = grads.w.iter().chain(grads.b.iter());
        for (p, g) in params.zip(gs) {
            for (pi, gi) in p.iter_mut().zip(g) {
                *pi -= lr * gi;
            }
        }
    }

    /// Zero gradients of this network's shapes.
    pub fn zero_grads(&self) -> Grads {
        let z = Mlp::zeros(&self.sizes);
        Grads { w: z.w, b: z.b }
    }

    /// The fraction of rows whose largest logit is their label.
    pub fn accuracy(&self, x: &[f32], y: &[u8], act: Activation, k: Backend) -> f64 {
        if y.is_empty() {
            return 0.0;
        }
        let classes = *self.sizes.last().expect("sizes");
        let z = self.logits(x, y.len(), act, k);
        let hits = z
            .chunks_exact(classes)
            .zip(y)
            .filter(|(row, label)| argmax(row) == **label as usize)
            .count();
        hits as f64 / y.len() as f64
    }
}

/// The index of the largest value (the first of equals).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// `out[j] = Σ_i m[i][j]` of the row-major `m` with `cols` columns.
fn column_sums(m: &[f32], cols: usize, out: &mut [f32]) {
    out.fill(0.0);
    for row in m.chunks_exact(cols) {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// Mean softmax cross-entropy of the logits `z` (rows of `classes`) against
/// `y`; `z` becomes ∂loss/∂z = (softmax − onehot)/rows. Each row is shifted by
/// its maximum first, so no exponential overflows.
pub fn softmax_ce(z: &mut [f32], y: &[u8], classes: usize, k: Backend) -> f32 {
    let rows = y.len();
    let mut log_p = 0f64;
    for (row, &label) in z.chunks_exact_mut(classes).zip(y) {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        row.iter_mut().for_each(|v| *v -= m);
        log_p -= row[label as usize] as f64;
    }
    k.exp_in_place(z);
    let inv_rows = 1.0 / rows as f32;
    for (row, &label) in z.chunks_exact_mut(classes).zip(y) {
        let s: f32 = row.iter().sum();
        log_p += (s as f64).ln();
        let scale = inv_rows / s;
        row.iter_mut().for_each(|v| *v *= scale);
        row[label as usize] -= inv_rows;
    }
    (log_p / rows as f64) as f32
}
