//! The reference's one-hidden-layer network (`mlp`) computed in fixed blocks of hidden units, and
//! its fast training step.
//!
//! f(x) = W_out σ(W₁x) = Σ_k W_out[:, K_k] σ(W₁[K_k, :] x) over the blocks K_k of hidden units.
//! Each block's forward pass, backward pass and optimizer update touch only its own columns of
//! E = W₁ᵀ and W_out; the blocks meet once per step, when their partial outputs are added (in
//! block order, starting from zero) into f(x). [`Mlp::forward`] and [`Mlp::backward`] compute
//! exactly these block sums with the [`Block`] functions below, and so does the fast step
//! ([`Stepper`]): the general training loop and the fast step give the same numbers bit for bit.
//!
//! The blocks are fixed by the width ([`HIDDEN_BLOCKS`] of them), never by the number of threads,
//! so the numbers do not depend on `threads`. The fast step keeps each block's weights, optimizer
//! state and gradients contiguous for a run of steps (copied in and out around it), runs the
//! blocks on up to [`HIDDEN_BLOCKS`] threads that meet at one barrier per step, and neither
//! allocates nor zeroes anything per step: the gradient of E is a scatter-add into rows that the
//! optimizer update sets back to zero as it reads them.

use super::loss;
use super::mlp::Mlp;
use super::optim::{Optimizer, Update};
use super::params::{Activation, LossKind};
use super::real::{lit, NetReal};
use crate::linalg::matmul;
use faer::Par;
use ndarray::{s, Array2, ArrayView2, Axis};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Number of blocks of hidden units (fewer when the width is smaller).
pub const HIDDEN_BLOCKS: usize = 2;

/// The blocks of hidden units of a network of width `h`.
pub fn hidden_blocks(h: usize) -> Vec<Range<usize>> {
    crate::parallel::even_ranges(h, HIDDEN_BLOCKS)
}

/// Resizes `a` to `rows × cols` (reallocating only when the shape changes; contents unspecified).
fn ensure<T: NetReal>(a: &mut Array2<T>, rows: usize, cols: usize) {
    if a.dim() != (rows, cols) {
        *a = Array2::zeros((rows, cols));
    }
}

/// The weights of one block of hidden units, contiguous.
#[derive(Clone, Debug)]
pub(crate) struct Block<T = f64> {
    /// The hidden units of the block.
    pub cols: Range<usize>,
    /// E[:, cols] (2n × w).
    pub e: Array2<T>,
    /// W_out[:, cols] (c × w).
    pub out: Array2<T>,
}

impl<T: NetReal> Block<T> {
    /// The block `cols` of `mlp`'s weights.
    pub fn of(mlp: &Mlp<T>, cols: Range<usize>) -> Self {
        Block {
            e: mlp.embedding().slice(s![.., cols.clone()]).to_owned(),
            out: mlp.output().slice(s![.., cols.clone()]).to_owned(),
            cols,
        }
    }

    /// Pre-activations z = E[a] + E[n + b] and activations σ(z) (rows × w), and the block's part
    /// of the outputs l = σ(z) W_outᵀ (rows × c).
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        act: Activation,
        n: usize,
        a: &[u32],
        b: &[u32],
        z: &mut Array2<T>,
        sz: &mut Array2<T>,
        l: &mut Array2<T>,
    ) {
        let (rows, w, c) = (a.len(), self.e.ncols(), self.out.nrows());
        ensure(z, rows, w);
        ensure(sz, rows, w);
        ensure(l, rows, c);
        let e = self.e.as_slice().expect(CONTIGUOUS);
        let (zs, ss) = (
            z.as_slice_mut().expect(CONTIGUOUS),
            sz.as_slice_mut().expect(CONTIGUOUS),
        );
        // The activation is chosen once, outside the loop (the same arithmetic as `act.value`).
        match act {
            Activation::Quadratic => gather(e, w, n, a, b, zs, ss, |v| v * v),
            Activation::Relu => gather(e, w, n, a, b, zs, ss, |v| {
                if v > T::zero() {
                    v
                } else {
                    T::zero()
                }
            }),
            _ => gather(e, w, n, a, b, zs, ss, |v| act.value(v)),
        }
        matmul(
            l.view_mut(),
            sz.view(),
            self.out.t(),
            T::one(),
            false,
            Par::Seq,
        );
    }

    /// The gradient of `Σ dy ⊙ f` for this block: `g_out = dyᵀ σ(z)` (overwritten) and
    /// `dz = (dy W_out) ⊙ σ′(z)` (in `d`) added to the rows a_i and n + b_i of `g_e`, in row order.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        act: Activation,
        n: usize,
        a: &[u32],
        b: &[u32],
        z: &Array2<T>,
        sz: &Array2<T>,
        dy: ArrayView2<'_, T>,
        d: &mut Array2<T>,
        g_e: &mut Array2<T>,
        g_out: &mut Array2<T>,
    ) {
        let (rows, w) = z.dim();
        ensure(d, rows, w);
        ensure(g_out, self.out.nrows(), w);
        matmul(
            g_out.view_mut(),
            dy.t(),
            sz.view(),
            T::one(),
            false,
            Par::Seq,
        );
        matmul(d.view_mut(), dy, self.out.view(), T::one(), false, Par::Seq);
        let ds = d.as_slice_mut().expect(CONTIGUOUS);
        let zs = z.as_slice().expect(CONTIGUOUS);
        match act {
            Activation::Quadratic => scale_by(ds, zs, |v| lit::<T>(2.0) * v),
            Activation::Relu => {
                scale_by(ds, zs, |v| if v > T::zero() { T::one() } else { T::zero() })
            }
            _ => scale_by(ds, zs, |v| act.derivative(v)),
        }
        let g = g_e.as_slice_mut().expect(CONTIGUOUS);
        for (i, row) in ds.chunks_exact(w).enumerate() {
            for k in [a[i] as usize, n + b[i] as usize] {
                for (gk, &x) in g[k * w..(k + 1) * w].iter_mut().zip(row) {
                    *gk += x;
                }
            }
        }
    }
}

const CONTIGUOUS: &str = "owned arrays in standard layout";

/// z_i = E[a_i] + E[n + b_i] and σ(z_i) for every row i (E row-major with rows of `w`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gather<T: NetReal>(
    e: &[T],
    w: usize,
    n: usize,
    a: &[u32],
    b: &[u32],
    z: &mut [T],
    sz: &mut [T],
    sigma: impl Fn(T) -> T,
) {
    for (i, (zr, sr)) in z
        .chunks_exact_mut(w)
        .zip(sz.chunks_exact_mut(w))
        .enumerate()
    {
        let ea = &e[a[i] as usize * w..][..w];
        let eb = &e[(n + b[i] as usize) * w..][..w];
        for k in 0..w {
            let v = ea[k] + eb[k];
            zr[k] = v;
            sr[k] = sigma(v);
        }
    }
}

/// d ← d ⊙ σ′(z), elementwise.
#[inline(always)]
fn scale_by<T: NetReal>(d: &mut [T], z: &[T], sigma_prime: impl Fn(T) -> T) {
    for (x, &v) in d.iter_mut().zip(z) {
        *x *= sigma_prime(v);
    }
}

/// Adds the block outputs `parts` into `logits` in block order, starting from zero.
pub(crate) fn sum_blocks<'a, T: NetReal>(
    logits: &mut Array2<T>,
    parts: impl IntoIterator<Item = &'a Array2<T>>,
) {
    logits.fill(T::zero());
    for p in parts {
        logits.zip_mut_with(p, |x, &y| *x += y);
    }
}

/// One block in the fast step: weights, optimizer state and buffers, all contiguous.
struct BlockState<T> {
    block: Block<T>,
    m_e: Array2<T>,
    v_e: Array2<T>,
    m_out: Array2<T>,
    v_out: Array2<T>,
    /// Gradient of E[:, cols]; zero between steps.
    g_e: Array2<T>,
    g_out: Array2<T>,
    z: Array2<T>,
    sz: Array2<T>,
    d: Array2<T>,
}

/// The columns `cols` of the row-major `rows × h` block of `flat` starting at `off`.
fn columns<T: NetReal>(
    flat: &[T],
    off: usize,
    rows: usize,
    h: usize,
    cols: &Range<usize>,
) -> Array2<T> {
    if flat.is_empty() {
        return Array2::zeros((0, 0));
    }
    let full = ArrayView2::from_shape((rows, h), &flat[off..off + rows * h])
        .expect("the block lies inside the layout");
    full.slice(s![.., cols.clone()]).to_owned()
}

/// Writes `part` back into the columns `cols` of the row-major `rows × h` block at `off`.
fn put_columns<T: NetReal>(
    flat: &mut [T],
    off: usize,
    h: usize,
    cols: &Range<usize>,
    part: &Array2<T>,
) {
    for (r, row) in part.axis_iter(Axis(0)).enumerate() {
        let dst = &mut flat[off + r * h + cols.start..off + r * h + cols.end];
        dst.iter_mut().zip(row).for_each(|(x, &y)| *x = y);
    }
}

impl<T: NetReal> BlockState<T> {
    /// The optimizer update of the block's weights; then the rows of the E gradient that the
    /// batch (first symbols `a`, second symbols `b`) touched are set back to zero.
    fn update(&mut self, u: &Update<T>, n: usize, a: &[u32], b: &[u32]) {
        let contiguous = "owned arrays in standard layout";
        u.apply(
            self.block.e.as_slice_mut().expect(contiguous),
            self.g_e.as_slice().expect(contiguous),
            self.m_e.as_slice_mut().expect(contiguous),
            self.v_e.as_slice_mut().unwrap_or_default(),
        );
        u.apply(
            self.block.out.as_slice_mut().expect(contiguous),
            self.g_out.as_slice().expect(contiguous),
            self.m_out.as_slice_mut().expect(contiguous),
            self.v_out.as_slice_mut().unwrap_or_default(),
        );
        for (&x, &y) in a.iter().zip(b) {
            self.g_e.row_mut(x as usize).fill(T::zero());
            self.g_e.row_mut(n + y as usize).fill(T::zero());
        }
    }
}

/// One step's minibatch: first symbols, second symbols, labels.
pub(crate) struct StepBatch {
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    pub y: Vec<u32>,
}

/// The fast training step of a one-hidden-layer network with a plain task loss (no regularizer):
/// built from the network and the optimizer, run for a list of minibatches, written back.
pub(crate) struct Stepper<T> {
    act: Activation,
    loss: LossKind,
    n: usize,
    c: usize,
    blocks: Vec<BlockState<T>>,
}

/// A barrier for a fixed number of threads that spins briefly, then yields; it opens for good
/// (returning false) once any thread aborts.
struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    aborted: AtomicBool,
}

impl SpinBarrier {
    fn new(parties: usize) -> Self {
        SpinBarrier {
            parties,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            aborted: AtomicBool::new(false),
        }
    }

    /// Waits for every party; false when a party aborted.
    fn wait(&self) -> bool {
        let gen = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
        } else {
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == gen {
                if self.aborted.load(Ordering::Relaxed) {
                    return false;
                }
                if spins < 4096 {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
        !self.aborted.load(Ordering::Relaxed)
    }
}

/// Opens the barrier for good if its thread unwinds.
struct AbortOnUnwind<'a>(&'a SpinBarrier);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.aborted.store(true, Ordering::Relaxed);
        }
    }
}

/// What a run of steps produced: the task loss of each step taken, and the index of the step
/// whose loss was not finite (the run stops before updating with it).
pub(crate) struct StepsDone<T> {
    pub losses: Vec<T>,
    pub failed: Option<usize>,
}

/// Steps per chunk of [`Stepper::run_adaptive`]: the unit at which the number of threads is chosen.
const CHUNK_STEPS: usize = 64;
/// The mode not in use is timed again after this many chunks times how much slower it was (so a
/// mode that loses by far is probed rarely), at most [`REPROBE_MAX`] chunks apart.
const REPROBE_EVERY: f64 = 32.0;
const REPROBE_MAX: f64 = 4096.0;

/// Chooses, chunk by chunk, whether the blocks run on one thread or on several, by the measured
/// wall time per step of each (two threads that meet every step are fast on an idle machine and
/// slow on an oversubscribed one). Only speed depends on the choice: the numbers are the same.
#[derive(Clone, Debug, Default)]
pub(crate) struct ThreadChooser {
    /// Seconds per step with one thread and with several (moving averages), once measured.
    per_step: [Option<f64>; 2],
    /// Chunks since the mode not in use was last timed.
    since_probe: usize,
}

impl ThreadChooser {
    /// 0: one thread; 1: several.
    fn choose(&self, threads: usize) -> usize {
        if threads < 2 {
            return 0;
        }
        match self.per_step {
            [_, None] => 1,
            [None, _] => 0,
            [Some(one), Some(many)] => {
                let (best, ratio) = if many <= one {
                    (1, one / many)
                } else {
                    (0, many / one)
                };
                let period = (REPROBE_EVERY * ratio).min(REPROBE_MAX);
                if self.since_probe as f64 >= period {
                    1 - best
                } else {
                    best
                }
            }
        }
    }

    fn record(&mut self, mode: usize, seconds_per_step: f64) {
        let probe = match self.per_step {
            [Some(one), Some(many)] => (mode == 1) != (many <= one),
            _ => true,
        };
        self.since_probe = if probe { 0 } else { self.since_probe + 1 };
        let slot = &mut self.per_step[mode];
        *slot = Some(match *slot {
            Some(old) => 0.5 * old + 0.5 * seconds_per_step,
            None => seconds_per_step,
        });
    }
}

impl<T: NetReal> Stepper<T> {
    /// Whether the fast step applies: a one-hidden-layer network trained on the task loss only.
    pub fn applies(mlp: &Mlp<T>, agop_reg: f64, symmetry_loss: f64) -> bool {
        mlp.kind() == super::params::ModelKind::Mlp && agop_reg == 0.0 && symmetry_loss == 0.0
    }

    /// Copies the blocks of `mlp`'s weights and of the optimizer's state.
    pub fn new(mlp: &Mlp<T>, opt: &Optimizer<T>, loss: LossKind) -> Self {
        let (n2, h, c) = (2 * mlp.n_symbols(), mlp.width(), mlp.n_classes());
        let out_off = n2 * h;
        let (m, v) = opt.state();
        let blocks = hidden_blocks(h)
            .into_iter()
            .map(|cols| {
                let w = cols.len();
                BlockState {
                    m_e: columns(m, 0, n2, h, &cols),
                    v_e: columns(v, 0, n2, h, &cols),
                    m_out: columns(m, out_off, c, h, &cols),
                    v_out: columns(v, out_off, c, h, &cols),
                    g_e: Array2::zeros((n2, w)),
                    g_out: Array2::zeros((c, w)),
                    z: Array2::zeros((0, 0)),
                    sz: Array2::zeros((0, 0)),
                    d: Array2::zeros((0, 0)),
                    block: Block::of(mlp, cols),
                }
            })
            .collect();
        Stepper {
            act: mlp.activation(),
            loss,
            n: mlp.n_symbols(),
            c,
            blocks,
        }
    }

    /// Writes the blocks back into the network's weights and the optimizer's state.
    pub fn finish(self, mlp: &mut Mlp<T>, opt: &mut Optimizer<T>) {
        let (n2, h) = (2 * mlp.n_symbols(), mlp.width());
        let out_off = n2 * h;
        let params = mlp.params_mut();
        for bs in &self.blocks {
            put_columns(params, 0, h, &bs.block.cols, &bs.block.e);
            put_columns(params, out_off, h, &bs.block.cols, &bs.block.out);
        }
        let (m, v) = opt.state_mut();
        for bs in &self.blocks {
            put_columns(m, 0, h, &bs.block.cols, &bs.m_e);
            put_columns(m, out_off, h, &bs.block.cols, &bs.m_out);
            if !v.is_empty() {
                put_columns(v, 0, h, &bs.block.cols, &bs.v_e);
                put_columns(v, out_off, h, &bs.block.cols, &bs.v_out);
            }
        }
    }

    /// [`run`](Self::run) in chunks of [`CHUNK_STEPS`] steps, each on one thread or on up to
    /// `threads` as `chooser` finds faster on this machine now.
    pub fn run_adaptive(
        &mut self,
        batches: &[StepBatch],
        updates: &[Update<T>],
        threads: usize,
        chooser: &mut ThreadChooser,
    ) -> StepsDone<T> {
        let mut done = StepsDone {
            losses: Vec::with_capacity(batches.len()),
            failed: None,
        };
        for (lo, chunk) in batches.chunks(CHUNK_STEPS).enumerate() {
            let lo = lo * CHUNK_STEPS;
            let mode = chooser.choose(threads);
            let t0 = std::time::Instant::now();
            let part = self.run(
                chunk,
                &updates[lo..lo + chunk.len()],
                if mode == 1 { threads } else { 1 },
            );
            if chunk.len() == CHUNK_STEPS {
                chooser.record(mode, t0.elapsed().as_secs_f64() / chunk.len() as f64);
            }
            done.losses.extend(part.losses);
            if let Some(f) = part.failed {
                done.failed = Some(lo + f);
                break;
            }
        }
        done
    }

    /// Takes one optimizer step per batch (`updates[i]` for `batches[i]`) on up to `threads`
    /// threads (the numbers do not depend on it).
    pub fn run(
        &mut self,
        batches: &[StepBatch],
        updates: &[Update<T>],
        threads: usize,
    ) -> StepsDone<T> {
        let workers = threads.clamp(1, self.blocks.len().max(1));
        let (act, loss, n, c) = (self.act, self.loss, self.n, self.c);
        // Per block and step parity, the block's outputs of the step (read by every worker after
        // the step's barrier; the parity keeps a fast worker's next step from overwriting them).
        let slots: Vec<[Mutex<Array2<T>>; 2]> = (0..self.blocks.len())
            .map(|_| {
                [
                    Mutex::new(Array2::zeros((0, 0))),
                    Mutex::new(Array2::zeros((0, 0))),
                ]
            })
            .collect();
        let barrier = SpinBarrier::new(workers);
        let worker = |mine: &mut [BlockState<T>], first: usize, record: bool| -> StepsDone<T> {
            let _guard = AbortOnUnwind(&barrier);
            let mut logits = Array2::<T>::zeros((0, 0));
            let mut dy = Array2::<T>::zeros((0, 0));
            let mut losses = Vec::with_capacity(if record { batches.len() } else { 0 });
            for (step, (batch, u)) in batches.iter().zip(updates).enumerate() {
                let parity = step % 2;
                for (k, bs) in mine.iter_mut().enumerate() {
                    let mut l = slots[first + k][parity]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    bs.block
                        .forward(act, n, &batch.a, &batch.b, &mut bs.z, &mut bs.sz, &mut l);
                }
                if workers > 1 && !barrier.wait() {
                    return StepsDone {
                        losses,
                        failed: Some(step),
                    };
                }
                ensure(&mut logits, batch.a.len(), c);
                let parts: Vec<_> = slots
                    .iter()
                    .map(|s| s[parity].lock().unwrap_or_else(|e| e.into_inner()))
                    .collect();
                sum_blocks(&mut logits, parts.iter().map(|g| &**g));
                drop(parts);
                let task = loss::loss_and_grad_into(loss, logits.view(), &batch.y, &mut dy);
                if !task.is_finite() {
                    return StepsDone {
                        losses,
                        failed: Some(step),
                    };
                }
                if record {
                    losses.push(task);
                }
                for bs in mine.iter_mut() {
                    bs.block.backward(
                        act,
                        n,
                        &batch.a,
                        &batch.b,
                        &bs.z,
                        &bs.sz,
                        dy.view(),
                        &mut bs.d,
                        &mut bs.g_e,
                        &mut bs.g_out,
                    );
                    bs.update(u, n, &batch.a, &batch.b);
                }
            }
            StepsDone {
                losses,
                failed: None,
            }
        };
        if workers == 1 {
            return worker(&mut self.blocks, 0, true);
        }
        // One block per worker (HIDDEN_BLOCKS = workers here): the caller runs the first.
        let (head, tail) = self.blocks.split_at_mut(1);
        std::thread::scope(|sc| {
            let others: Vec<_> = tail
                .chunks_mut(1)
                .enumerate()
                .map(|(i, mine)| {
                    let worker = &worker;
                    sc.spawn(move || worker(mine, 1 + i, false))
                })
                .collect();
            let done = worker(head, 0, true);
            for h in others {
                if let Err(panic) = h.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            done
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the chooser a machine where one thread takes `one` and several take `many` seconds
    /// per step, and returns the modes it picks for `chunks` chunks.
    fn picks(one: f64, many: f64, chunks: usize) -> Vec<usize> {
        let mut c = ThreadChooser::default();
        (0..chunks)
            .map(|_| {
                let mode = c.choose(2);
                c.record(mode, if mode == 1 { many } else { one });
                mode
            })
            .collect()
    }

    #[test]
    fn the_chooser_tries_both_modes_then_keeps_the_faster_and_reprobes_rarely() {
        assert_eq!(ThreadChooser::default().choose(1), 0);
        // Idle machine: two threads twice as fast; one thread probed every ~64 chunks.
        let idle = picks(2.0, 1.0, 300);
        assert_eq!(&idle[..3], &[1, 0, 1]);
        let probes = idle[2..].iter().filter(|&&m| m == 0).count();
        assert!(
            (3..=6).contains(&probes),
            "{probes} probes of one thread in 298 chunks"
        );
        // Oversubscribed machine: two threads 30× slower, probed at most every 960 chunks.
        let loaded = picks(1.0, 30.0, 2000);
        assert_eq!(&loaded[..3], &[1, 0, 0]);
        let probes = loaded[2..].iter().filter(|&&m| m == 1).count();
        assert!(
            (1..=2).contains(&probes),
            "{probes} probes of two threads in 1998 chunks"
        );
    }
}
