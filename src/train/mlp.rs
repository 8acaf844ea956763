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
//! A training step never stores `∂W_l`: `W_l ← −η·h_{l−1}ᵀ·δ_l + W_l` is
//! one GEMM with `α = −η`, `β = 1`, so the update rides on the product's
//! store of C and is spread over the threads with it (a separate SGD pass
//! over the first layer's 78 400 weights ran on one thread after the product).
//!
//! `W_l` is `fan_in × fan_out`, row-major. The GEMMs, activations and the
//! softmax's exponentials go through the run's [`Backend`]; everything else
//! (biases, the SGD step, the column sums) is the same code for both.
#![forbid(unsafe_code)]

use crate::activation::Activation;
use crate::backend::{Backend, PreparedB};
use crate::data::Dataset;
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

/// ∂loss/∂W_l and ∂loss/∂b_l (the gradient checks; a step never stores them).
#[cfg(test)]
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
    /// f′(z_l) of each hidden layer (and then δ_l).
    d: Vec<Vec<f32>>,
    /// δ·Wᵀ of the layer below.
    g: Vec<f32>,
    /// Per row: minus the label's shifted logit, and ln Σ exp (the loss's two sums).
    neg_z: Vec<f64>,
    ln_s: Vec<f64>,
    /// A gathered batch's rows and labels.
    x: Vec<f32>,
    y: Vec<u8>,
    /// ∂b_l of a step, per layer.
    db: Vec<Vec<f32>>,
    /// Each layer's weights readied for the row blocks' products.
    packs: Vec<LayerPacks>,
}

/// `W_l` and `W_lᵀ` readied once per step ([`Backend::prepare`]) for the
/// products of every row block: packing them in each block instead took 8%
/// of a two-thread run's cycles under perf.
#[derive(Debug, Default)]
struct LayerPacks {
    w: PreparedB,
    wt: PreparedB,
}

impl Workspace {
    fn fit(&mut self, sizes: &[usize], rows: usize, backward: bool) {
        let layers = sizes.len() - 1;
        self.h.resize_with(layers, Vec::new);
        self.d.resize_with(layers - 1, Vec::new);
        for (l, h) in self.h.iter_mut().enumerate() {
            h.resize(rows * sizes[l + 1], 0.0);
        }
        for (l, d) in self.d.iter_mut().enumerate() {
            d.resize(rows * sizes[l + 1], 0.0);
        }
        let g = if backward {
            rows * sizes[1..layers].iter().copied().max().unwrap_or(0)
        } else {
            0
        };
        self.g.resize(g, 0.0);
        self.neg_z.resize(rows, 0.0);
        self.ln_s.resize(rows, 0.0);
    }

    /// The buffers cut into row shards of at most `per` rows.
    fn shards(&mut self, sizes: &[usize], per: usize) -> Vec<Shard<'_>> {
        let layers = sizes.len() - 1;
        let rows = self.neg_z.len();
        let n = rows.div_ceil(per);
        let mut shards: Vec<Shard> = (0..n)
            .map(|i| Shard {
                r0: i * per,
                rows: per.min(rows - i * per),
                h: Vec::with_capacity(layers),
                d: Vec::with_capacity(layers),
                g: &mut [],
                neg_z: &mut [],
                ln_s: &mut [],
                x: &mut [],
                y: &mut [],
            })
            .collect();
        for (l, h) in self.h.iter_mut().enumerate() {
            for (s, c) in shards.iter_mut().zip(h.chunks_mut(per * sizes[l + 1])) {
                s.h.push(c);
            }
        }
        for (l, d) in self.d.iter_mut().enumerate() {
            for (s, c) in shards.iter_mut().zip(d.chunks_mut(per * sizes[l + 1])) {
                s.d.push(c);
            }
        }
        if !self.g.is_empty() {
            let g_width = self.g.len() / rows;
            for (s, c) in shards.iter_mut().zip(self.g.chunks_mut(per * g_width)) {
                s.g = c;
            }
        }
        for (s, (z, l)) in shards
            .iter_mut()
            .zip(self.neg_z.chunks_mut(per).zip(self.ln_s.chunks_mut(per)))
        {
            s.neg_z = z;
            s.ln_s = l;
        }
        shards
    }
}

/// One block of rows of a [`Workspace`]: rows are independent until ∂W sums
/// over them, so blocks run on separate threads.
struct Shard<'a> {
    r0: usize,
    rows: usize,
    h: Vec<&'a mut [f32]>,
    d: Vec<&'a mut [f32]>,
    g: &'a mut [f32],
    neg_z: &'a mut [f64],
    ln_s: &'a mut [f64],
    /// The shard's rows and labels of a gathered batch (empty otherwise).
    x: &'a mut [f32],
    y: &'a mut [u8],
}

/// The fewest rows a shard is given: below this, a thread's share of a
/// step is shorter than waking it.
const SHARD_MIN_ROWS: usize = 16;

/// Rows per shard for `rows` rows on the backend's threads.
fn shard_rows(rows: usize, k: Backend) -> usize {
    let threads = match k {
        Backend::Naive => 1,
        Backend::Fast => rayon::current_num_threads().max(1),
    };
    let shards = threads.min(rows / SHARD_MIN_ROWS).max(1);
    rows.div_ceil(shards).max(1)
}

/// Runs `f` on every item (row blocks, layers): over the rayon pool on the
/// fast backend, in order on the naive one.
fn each<T: Send>(items: impl IntoIterator<Item = T>, k: Backend, f: impl Fn(T) + Sync + Send) {
    use rayon::prelude::*;
    match k {
        Backend::Naive => items.into_iter().for_each(f),
        Backend::Fast => items
            .into_iter()
            .collect::<Vec<_>>()
            .into_par_iter()
            .for_each(f),
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

    /// Readies every `W_l` and, with `backward`, every `W_lᵀ` but the first
    /// (a layer's packs over the pool on the fast backend).
    fn prepare(&self, packs: &mut Vec<LayerPacks>, backward: bool, k: Backend) {
        packs.resize_with(self.layers(), LayerPacks::default);
        let one = |(l, p): (usize, &mut LayerPacks)| {
            let w =
                MatRef::row_major(&self.w[l], self.sizes[l], self.sizes[l + 1]).expect(SHAPES_OK);
            k.prepare(w, &mut p.w);
            if backward && l > 0 {
                k.prepare(w.t(), &mut p.wt);
            }
        };
        each(packs.iter_mut().enumerate(), k, one);
    }

    /// Forward pass of one shard's rows `x`, with the weights readied in
    /// `packs`; the logits are `sh.h[L−1]`.
    fn forward_rows(
        &self,
        x: &[f32],
        sh: &mut Shard<'_>,
        packs: &[LayerPacks],
        act: Activation,
        k: Backend,
    ) {
        let (rows, layers) = (sh.rows, self.layers());
        for l in 0..layers {
            let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
            let (below, here) = sh.h.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &*below[l - 1] };
            // z_l goes into d[l] on hidden layers (where it becomes f′(z_l)), into h on the last.
            let z: &mut [f32] = if l + 1 < layers {
                &mut *sh.d[l]
            } else {
                &mut *here[0]
            };
            for row in z.chunks_exact_mut(fan_out) {
                row.copy_from_slice(&self.b[l]);
            }
            k.matmul_prepared(
                1.0,
                MatRef::row_major(input, rows, fan_in).expect(SHAPES_OK),
                MatRef::row_major(&self.w[l], fan_in, fan_out).expect(SHAPES_OK),
                &packs[l].w,
                1.0,
                &mut MatMut::row_major(z, rows, fan_out).expect(SHAPES_OK),
            );
            if l + 1 < layers {
                k.activate(act, sh.d[l], here[0]);
            }
        }
    }

    /// Forward pass of `rows` inputs `x`, row shards in parallel; the logits are `ws.h[L−1]`.
    fn forward(&self, x: &[f32], rows: usize, act: Activation, k: Backend, ws: &mut Workspace) {
        ws.fit(&self.sizes, rows, false);
        let mut packs = std::mem::take(&mut ws.packs);
        self.prepare(&mut packs, false, k);
        let per = shard_rows(rows, k);
        let f = self.sizes[0];
        each(ws.shards(&self.sizes, per), k, |mut sh| {
            let xs = &x[sh.r0 * f..(sh.r0 + sh.rows) * f];
            self.forward_rows(xs, &mut sh, &packs, act, k);
        });
        ws.packs = packs;
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
    ///
    /// Two phases. Blocks of rows, one per thread, run the forward pass, the
    /// softmax and every `δ_l` (all row by row). Then each layer's `∂W_l` is
    /// one GEMM over the whole batch, and `∂b_l` one column sum. Every value
    /// is computed by the same operations in the same order as on one
    /// thread, so the gradients are the same bytes for any thread count.
    /// (Training runs [`Mlp::step`]; the gradient checks call this.)
    #[cfg(test)]
    pub fn gradients(
        &self,
        x: &[f32],
        y: &[u8],
        act: Activation,
        k: Backend,
        ws: &mut Workspace,
        grads: &mut Grads,
    ) -> f32 {
        let loss = self.backprop(Batch::Given { x, y }, act, k, ws);
        let rows = y.len();
        let work = grads.w.iter_mut().zip(grads.b.iter_mut()).enumerate();
        let layer = |(l, (gw, gb)): (usize, (&mut Vec<f32>, &mut Vec<f32>))| {
            weight_product(&self.sizes, l, x, rows, ws, k, (1.0, 0.0), gw, gb);
        };
        each(work, k, layer);
        loss
    }

    /// One SGD step on the training rows `rows` of `data`: the batch is
    /// gathered by the row blocks that use it, the gradients are those of
    /// [`Mlp::gradients`], and the layers are updated side by side,
    /// `θ ← θ − lr·∂θ`, `W_l` by the GEMM that computes `∂W_l` (see the
    /// module doc). So a step joins the threads three times: after packing the
    /// weights, after the row blocks, after the updates. Returns the batch loss
    /// before the update; a loss that is not finite updates nothing.
    pub fn step(
        &mut self,
        data: &Dataset,
        rows: &[u32],
        lr: f32,
        act: Activation,
        k: Backend,
        ws: &mut Workspace,
    ) -> f32 {
        let loss = self.backprop(Batch::Gather { data, rows }, act, k, ws);
        if !loss.is_finite() {
            return loss;
        }
        let n = rows.len();
        let x = std::mem::take(&mut ws.x);
        let mut db = std::mem::take(&mut ws.db);
        db.resize_with(self.layers(), Vec::new);
        let Mlp { sizes, w, b } = self;
        let work = w
            .iter_mut()
            .zip(b.iter_mut())
            .zip(db.iter_mut())
            .enumerate();
        let ws_ref = &*ws;
        let layer = |(l, ((w, b), db)): (usize, (LayerMut, &mut Vec<f32>))| {
            db.resize(sizes[l + 1], 0.0);
            weight_product(sizes, l, &x, n, ws_ref, k, (-lr, 1.0), w, db);
            sgd(b, db, lr);
        };
        each(work, k, layer);
        ws.x = x;
        ws.db = db;
        loss
    }

    /// The row-local half of a step: forward pass, softmax and every `δ_l`,
    /// in row blocks (over the pool on the fast backend). Returns the batch loss.
    fn backprop(&self, batch: Batch<'_>, act: Activation, k: Backend, ws: &mut Workspace) -> f32 {
        let layers = self.layers();
        let classes = self.sizes[layers];
        let f = self.sizes[0];
        let rows = batch.rows();
        ws.fit(&self.sizes, rows, true);
        if matches!(batch, Batch::Gather { .. }) {
            ws.x.resize(rows * f, 0.0);
            ws.y.resize(rows, 0);
        }
        let mut packs = std::mem::take(&mut ws.packs);
        self.prepare(&mut packs, true, k);
        let per = shard_rows(rows, k);
        let inv_rows = 1.0 / rows as f32;
        let (mut xs, mut ys) = (std::mem::take(&mut ws.x), std::mem::take(&mut ws.y));
        let mut shards = ws.shards(&self.sizes, per);
        for (sh, (bx, by)) in shards
            .iter_mut()
            .zip(xs.chunks_mut((per * f).max(1)).zip(ys.chunks_mut(per)))
        {
            sh.x = bx;
            sh.y = by;
        }
        let run = |mut sh: Shard<'_>| {
            let (r0, n) = (sh.r0, sh.rows);
            let x_own = std::mem::take(&mut sh.x);
            let y_own = std::mem::take(&mut sh.y);
            let (x, y): (&[f32], &[u8]) = match &batch {
                #[cfg(test)]
                Batch::Given { x, y } => (&x[r0 * f..(r0 + n) * f], &y[r0..r0 + n]),
                Batch::Gather { data, rows } => {
                    for ((dst, yi), &r) in x_own
                        .chunks_exact_mut(f)
                        .zip(y_own.iter_mut())
                        .zip(&rows[r0..r0 + n])
                    {
                        data.row_into(r as usize, dst);
                        *yi = data.y[r as usize];
                    }
                    (&*x_own, &*y_own)
                }
            };
            self.forward_rows(x, &mut sh, &packs, act, k);
            softmax_rows(
                &mut *sh.h[layers - 1],
                y,
                classes,
                inv_rows,
                sh.neg_z,
                sh.ln_s,
                k,
            );
            // δ_L is in h[L−1]; δ_{l−1} = (δ_l·W_lᵀ) ⊙ f′(z_{l−1}) replaces f′ in d[l−1].
            for l in (1..layers).rev() {
                let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
                let (lower, upper) = sh.d.split_at_mut(l);
                let delta: &[f32] = if l + 1 == layers {
                    &*sh.h[l]
                } else {
                    &*upper[0]
                };
                let g = &mut sh.g[..n * fan_in];
                k.matmul_prepared(
                    1.0,
                    MatRef::row_major(delta, n, fan_out).expect(SHAPES_OK),
                    MatRef::row_major(&self.w[l], fan_in, fan_out)
                        .expect(SHAPES_OK)
                        .t(),
                    &packs[l].wt,
                    0.0,
                    &mut MatMut::row_major(g, n, fan_in).expect(SHAPES_OK),
                );
                for (di, gi) in lower[l - 1].iter_mut().zip(g.iter()) {
                    *di *= gi;
                }
            }
        };
        each(shards, k, run);
        ws.x = xs;
        ws.y = ys;
        ws.packs = packs;
        // The loss's two sums, each in row order as on one thread.
        let mut log_p = 0f64;
        for v in &ws.neg_z[..rows] {
            log_p += v;
        }
        for v in &ws.ln_s[..rows] {
            log_p += v;
        }
        (log_p / rows as f64) as f32
    }

    /// Zero gradients of this network's shapes.
    #[cfg(test)]
    pub fn zero_grads(&self) -> Grads {
        let z = Mlp::zeros(&self.sizes);
        Grads { w: z.w, b: z.b }
    }

    /// The fraction of `data`'s rows whose largest logit is their label, in
    /// blocks of [`EVAL_ROWS`] rows, so that the workspace stays small
    /// whatever the data set (each row's logits are the same bytes at any
    /// block size: the GEMM sums every element in one order).
    pub fn accuracy(&self, data: &Dataset, act: Activation, k: Backend) -> f64 {
        if data.is_empty() {
            return 0.0;
        }
        let classes = *self.sizes.last().expect("sizes");
        let mut ws = Workspace::default();
        let mut x = Vec::new();
        let mut hits = 0;
        for r0 in (0..data.len()).step_by(EVAL_ROWS) {
            let rows = r0..data.len().min(r0 + EVAL_ROWS);
            data.rows_into(rows.clone(), &mut x);
            self.forward(&x, rows.len(), act, k, &mut ws);
            let z = &ws.h[self.layers() - 1];
            hits += z
                .chunks_exact(classes)
                .zip(&data.y[rows])
                .filter(|(row, label)| argmax(row) == **label as usize)
                .count();
        }
        hits as f64 / data.len() as f64
    }
}

/// Where a step's batch comes from.
enum Batch<'a> {
    /// Rows already in place (the gradient checks).
    #[cfg(test)]
    Given { x: &'a [f32], y: &'a [u8] },
    /// Training rows to gather, each row block its own.
    Gather { data: &'a Dataset, rows: &'a [u32] },
}

impl Batch<'_> {
    fn rows(&self) -> usize {
        match self {
            #[cfg(test)]
            Batch::Given { y, .. } => y.len(),
            Batch::Gather { rows, .. } => rows.len(),
        }
    }
}

/// A layer's weights and biases (or their gradients), mutably.
type LayerMut<'a> = (&'a mut Vec<f32>, &'a mut Vec<f32>);

/// `C ← α·h_{l−1}ᵀ·δ_l + β·C` over the whole batch (one GEMM) and `∂b_l =
/// Σ_rows δ_l` into `db`, after [`Mlp::backprop`] left `δ_l` in the
/// workspace; `x` is the batch's input. With `α = 1`, `β = 0` and C = `∂W_l`
/// it gives the gradient; with `α = −η`, `β = 1` and C = `W_l`, the update.
#[allow(clippy::too_many_arguments)]
fn weight_product(
    sizes: &[usize],
    l: usize,
    x: &[f32],
    rows: usize,
    ws: &Workspace,
    k: Backend,
    (alpha, beta): (f32, f32),
    c: &mut [f32],
    db: &mut [f32],
) {
    let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
    let last = l + 1 == sizes.len() - 1;
    // δ_L was left in the logits' buffer, the hidden layers' δ_l in d.
    let delta: &[f32] = if last { &ws.h[l] } else { &ws.d[l] };
    let input: &[f32] = if l == 0 { x } else { &ws.h[l - 1] };
    k.matmul(
        alpha,
        MatRef::row_major(input, rows, fan_in).expect(SHAPES_OK).t(),
        MatRef::row_major(delta, rows, fan_out).expect(SHAPES_OK),
        beta,
        &mut MatMut::row_major(c, fan_in, fan_out).expect(SHAPES_OK),
    );
    column_sums(delta, fan_out, db);
}

/// `θ ← θ − lr·∂θ`, element by element.
fn sgd(p: &mut [f32], g: &[f32], lr: f32) {
    for (pi, gi) in p.iter_mut().zip(g) {
        *pi -= lr * gi;
    }
}

/// Rows per block of [`Mlp::accuracy`].
pub const EVAL_ROWS: usize = 4096;

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
/// `y`; `z` becomes ∂loss/∂z = (softmax − onehot)/rows.
#[cfg(test)]
pub fn softmax_ce(z: &mut [f32], y: &[u8], classes: usize, k: Backend) -> f32 {
    let rows = y.len();
    let (mut neg_z, mut ln_s) = (vec![0f64; rows], vec![0f64; rows]);
    softmax_rows(z, y, classes, 1.0 / rows as f32, &mut neg_z, &mut ln_s, k);
    let log_p = neg_z.iter().chain(&ln_s).fold(0f64, |a, v| a + v);
    (log_p / rows as f64) as f32
}

/// The softmax cross-entropy of the logit rows `z` (of `classes`) against
/// `y`: `z` becomes (softmax − onehot)·`inv_rows`, and each row's loss is
/// `neg_z + ln_s`, minus its label's logit and ln Σ exp after the row is
/// shifted by its maximum (so that no exponential overflows).
fn softmax_rows(
    z: &mut [f32],
    y: &[u8],
    classes: usize,
    inv_rows: f32,
    neg_z: &mut [f64],
    ln_s: &mut [f64],
    k: Backend,
) {
    for ((row, &label), nz) in z.chunks_exact_mut(classes).zip(y).zip(neg_z.iter_mut()) {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        row.iter_mut().for_each(|v| *v -= m);
        *nz = -(row[label as usize] as f64);
    }
    k.exp_in_place(z);
    for ((row, &label), ls) in z.chunks_exact_mut(classes).zip(y).zip(ln_s.iter_mut()) {
        let s: f32 = row.iter().sum();
        *ls = (s as f64).ln();
        let scale = inv_rows / s;
        row.iter_mut().for_each(|v| *v *= scale);
        row[label as usize] -= inv_rows;
    }
}
