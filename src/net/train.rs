//! The training loop of a network: seeded minibatches (or full batch), epochs or steps,
//! evaluation every k steps, feature matrices every m steps, an observer that may stop the run.

use super::init::{rng, STREAM_SHUFFLE, STREAM_SYMMETRY};
use super::loss;
use super::mlp_step::{StepBatch, Stepper, ThreadChooser};
use super::optim::Optimizer;
use super::params::NetParams;
use super::real::NetReal;
use super::Network;
use crate::error::{Error, Result};
use crate::rfm::{Control, Precision};
use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Rows per evaluation work item (fixed: the sums do not depend on the threads).
pub const EVAL_CHUNK: usize = 256;

/// Pairs with their labels: symbols a and b in 0..n (not offset), labels in 0..c.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetData {
    /// First symbols.
    pub a: Vec<u32>,
    /// Second symbols.
    pub b: Vec<u32>,
    /// Labels.
    pub labels: Vec<u32>,
}

impl NetData {
    /// The pairs `indices` (`a·n + b`) of a task with `n` symbols and label table `labels`.
    pub fn from_pairs(n: usize, indices: &[usize], labels: &[u32]) -> Self {
        NetData {
            a: indices.iter().map(|&k| (k / n) as u32).collect(),
            b: indices.iter().map(|&k| (k % n) as u32).collect(),
            labels: indices.iter().map(|&k| labels[k]).collect(),
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }
}

/// Metrics of one evaluation (after `step` optimizer steps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Optimizer steps taken (0 = the initial weights).
    pub step: usize,
    /// Epochs completed, as a fraction (steps / steps per epoch).
    pub epoch: f64,
    /// Task loss of the last minibatch before its update (absent at step 0).
    pub batch_loss: Option<f64>,
    /// Task loss on the whole training set (MSE: mean over pairs × classes; CE: mean over pairs).
    pub train_loss: f64,
    /// Training accuracy (argmax, ties to the lowest class).
    pub train_acc: f64,
    /// Task loss on the test set.
    pub test_loss: f64,
    /// Test accuracy.
    pub test_acc: f64,
    /// Wall seconds since the start of training (not deterministic).
    pub seconds: f64,
}

/// The feature matrices and NFA correlations after `step` optimizer steps.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSnapshot {
    /// Optimizer steps taken.
    pub step: usize,
    /// NFM = W₁ᵀW₁.
    pub nfm: Array2<f64>,
    /// Uncentered AGOP over the training pairs (the reference's).
    pub agop: Array2<f64>,
    /// AGOP with the mean Jacobian subtracted (as RFM).
    pub agop_centered: Array2<f64>,
    /// Pearson correlation of vec √AGOP and vec NFM.
    pub nfa_corr: f64,
    /// The same with both diagonals zeroed.
    pub nfa_corr_no_diag: f64,
}

/// Wall seconds per stage (not deterministic).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetSeconds {
    /// Forward, backward and optimizer steps.
    pub train: f64,
    /// Evaluations on the training and test sets.
    pub eval: f64,
    /// Feature matrices (NFM, AGOP, NFA correlations).
    pub features: f64,
}

/// What the observer sees at each evaluation.
pub struct NetState<'a> {
    /// The metrics of this evaluation.
    pub record: &'a StepRecord,
    /// Total steps planned.
    pub total_steps: usize,
    /// The network now.
    pub net: &'a Network,
    /// Which test pairs the network classifies correctly now (test order; from this
    /// evaluation's test pass).
    pub test_hits: &'a [bool],
}

/// Where a continued run starts ([`train_from`]): the optimizer state after `step` steps and the
/// position of the symmetry-loss generator. The minibatch order is replayed from the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct NetStart {
    /// Optimizer steps already taken (≥ 1).
    pub step: usize,
    /// The optimizer state after them.
    pub optimizer: Optimizer,
    /// The word position of the symmetry-loss generator (stream 3) after them.
    pub symmetry_rng_word_pos: u128,
}

/// What training produced.
#[derive(Clone, Debug)]
pub struct NetOutput {
    /// One record per evaluation, ascending in step.
    pub steps: Vec<StepRecord>,
    /// Feature snapshots, ascending in step (the last is the final network's).
    pub features: Vec<FeatureSnapshot>,
    /// The trained network.
    pub net: Network,
    /// The optimizer state at the end.
    pub optimizer: Optimizer,
    /// Which test pairs the final network classifies correctly (test order).
    pub test_hits: Vec<bool>,
    /// False when the observer stopped the run early.
    pub complete: bool,
    /// Wall seconds per stage.
    pub seconds: NetSeconds,
    /// The word position of the symmetry-loss generator after the last step.
    pub symmetry_rng_word_pos: u128,
}

impl NetOutput {
    /// Where a continuation of this run starts ([`train_from`]).
    pub fn end(&self) -> NetStart {
        NetStart {
            step: self.optimizer.steps() as usize,
            optimizer: self.optimizer.clone(),
            symmetry_rng_word_pos: self.symmetry_rng_word_pos,
        }
    }
}

/// The minibatches of epoch `epoch_rng` draws: a Fisher–Yates shuffle of 0..n (from the top, as
/// `rand`'s `shuffle`) cut into consecutive batches of `batch` (the last may be smaller); full
/// batch (`batch ≥ n`) keeps the natural order.
pub fn epoch_batches(r: &mut ChaCha8Rng, n: usize, batch: usize) -> Vec<Vec<u32>> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    if batch < n {
        for i in (1..n).rev() {
            let j = r.random_range(0..=i);
            order.swap(i, j);
        }
    }
    order.chunks(batch.max(1)).map(|c| c.to_vec()).collect()
}

/// The minibatches of a run, one at a time: the epochs of [`epoch_batches`] in order, each drawn
/// when its first batch is needed.
struct BatchStream<'r> {
    rng: &'r mut ChaCha8Rng,
    n: usize,
    batch: usize,
    epoch: std::vec::IntoIter<Vec<u32>>,
}

impl<'r> BatchStream<'r> {
    fn new(rng: &'r mut ChaCha8Rng, n: usize, batch: usize) -> Self {
        BatchStream {
            rng,
            n,
            batch,
            epoch: Vec::new().into_iter(),
        }
    }

    fn next_batch(&mut self) -> Vec<u32> {
        loop {
            if let Some(b) = self.epoch.next() {
                return b;
            }
            self.epoch = epoch_batches(self.rng, self.n, self.batch).into_iter();
        }
    }
}

/// The minibatches of the first `steps` steps of a run with `params` on `n_train` pairs (indices
/// into the training data), exactly as [`train`] draws them: for exporting to other frameworks.
pub fn batch_schedule(params: &NetParams, n_train: usize, steps: usize) -> Vec<Vec<u32>> {
    let mut r = rng(params.seed, STREAM_SHUFFLE);
    let b = params.batch_size(n_train);
    let mut out = Vec::with_capacity(steps);
    while out.len() < steps {
        for batch in epoch_batches(&mut r, n_train, b) {
            if out.len() == steps {
                break;
            }
            out.push(batch);
        }
    }
    out
}

/// Loss (as reported) and hits of `net` on `data`, in fixed chunks reduced in order.
pub fn evaluate(
    net: &Network,
    params: &NetParams,
    data: &NetData,
    threads: usize,
) -> (f64, f64, Vec<bool>) {
    if data.is_empty() {
        return (0.0, 0.0, Vec::new());
    }
    let chunks = data.len().div_ceil(EVAL_CHUNK);
    let parts = crate::parallel::map_items(
        chunks,
        threads,
        || (),
        |ci, _| {
            let lo = ci * EVAL_CHUNK;
            let hi = (lo + EVAL_CHUNK).min(data.len());
            let cache = net.forward(&data.a[lo..hi], &data.b[lo..hi]);
            let labels = &data.labels[lo..hi];
            let (sum, _) = loss::loss_sum_and_hits(params.loss, cache.logits().view(), labels);
            let hits: Vec<bool> = cache
                .logits()
                .rows()
                .into_iter()
                .zip(labels)
                .map(|(row, &y)| crate::rfm::metrics::argmax(row.iter().copied()) == y as usize)
                .collect();
            (sum, hits)
        },
    );
    let mut total = 0.0;
    let mut hits = Vec::with_capacity(data.len());
    for (s, h) in parts {
        total += s;
        hits.extend(h);
    }
    let denom = match params.loss {
        super::params::LossKind::Mse => (data.len() * net.n_classes()) as f64,
        super::params::LossKind::Ce => data.len() as f64,
    };
    let acc = hits.iter().filter(|&&h| h).count() as f64 / data.len() as f64;
    (total / denom, acc, hits)
}

/// The feature snapshot of `net` over the training pairs.
pub fn snapshot(
    net: &Network,
    data: &NetData,
    step: usize,
    threads: usize,
) -> Result<FeatureSnapshot> {
    let nfm = net.nfm();
    let (agop, agop_centered) = net.agop(&data.a, &data.b, threads);
    let (nfa_corr, nfa_corr_no_diag) = super::features::nfa_correlations(agop.view(), nfm.view())?;
    Ok(FeatureSnapshot {
        step,
        nfm,
        agop,
        agop_centered,
        nfa_corr,
        nfa_corr_no_diag,
    })
}

/// The loss of one minibatch (task loss + regularizers) and its gradient added to `grad`.
/// Returns (task loss, total loss).
pub fn batch_loss_and_grad<T: NetReal>(
    net: &Network<T>,
    params: &NetParams,
    train: &NetData,
    batch: &[u32],
    symmetries: Option<&[Vec<usize>]>,
    sym_rng: &mut ChaCha8Rng,
    grad: &mut [T],
) -> (T, T) {
    let a: Vec<u32> = batch.iter().map(|&i| train.a[i as usize]).collect();
    let b: Vec<u32> = batch.iter().map(|&i| train.b[i as usize]).collect();
    let y: Vec<u32> = batch.iter().map(|&i| train.labels[i as usize]).collect();
    let cache = net.forward(&a, &b);
    let (task, dlogits) = loss::loss_and_grad(params.loss, cache.logits().view(), &y);
    net.backward(&cache, dlogits.view(), grad);
    let mut total = task;
    if params.agop_reg > 0.0 {
        if let Some(t) = net.agop_trace_and_grad(&train.a, &train.b, params.agop_reg, grad) {
            total += T::cast(params.agop_reg) * t;
        }
    }
    if params.symmetry_loss > 0.0 {
        if let Some(perms) = symmetries.filter(|p| !p.is_empty()) {
            let n = net.n_symbols();
            let (ga, gb) = transformed(n, &a, &b, perms, sym_rng);
            let moved = net.forward(&ga, &gb);
            let (skl, df, dg) = loss::symmetric_kl(
                cache.logits().view(),
                moved.logits().view(),
                params.symmetry_loss,
            );
            net.backward(&cache, df.view(), grad);
            net.backward(&moved, dg.view(), grad);
            total += skl;
        }
    }
    (task, total)
}

/// g·(a, b) for one g drawn uniformly from `perms` per pair (coordinate permutations of 0..2n).
fn transformed(
    n: usize,
    a: &[u32],
    b: &[u32],
    perms: &[Vec<usize>],
    r: &mut ChaCha8Rng,
) -> (Vec<u32>, Vec<u32>) {
    let mut ga = Vec::with_capacity(a.len());
    let mut gb = Vec::with_capacity(a.len());
    for (&x, &y) in a.iter().zip(b) {
        let sigma = &perms[r.random_range(0..perms.len())];
        let (u, v) = (sigma[x as usize], sigma[n + y as usize]);
        let (lo, hi) = if u < v { (u, v) } else { (v, u) };
        // A symmetry of the task keeps one coordinate in each half; otherwise keep the pair.
        if lo < n && hi >= n {
            ga.push(lo as u32);
            gb.push((hi - n) as u32);
        } else {
            ga.push(x);
            gb.push(y);
        }
    }
    (ga, gb)
}

/// Trains `net` with `params` on `train`, evaluating on `test`. `symmetries` (coordinate
/// permutations of Sym_f) feed the symmetry-prompting loss when `params.symmetry_loss > 0`.
pub fn train(
    net: Network,
    params: &NetParams,
    train: &NetData,
    test: &NetData,
    symmetries: Option<&[Vec<usize>]>,
    observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
) -> Result<NetOutput> {
    train_from(net, params, train, test, symmetries, None, observer)
}

/// [`train`], or with `start` its continuation: `net` holds the weights after `start.step`
/// steps, the minibatches of the steps done are replayed from the seed (not taken), and
/// training goes on at step `start.step + 1` with the next minibatch, exactly as an
/// uninterrupted run. The continuation records no step-`start.step` evaluation (the run being
/// continued has it).
///
/// Training runs in `params.precision`: with `f32` the weights (rounded from `net` once) and the
/// optimizer state are `f32` and every step computes in `f32`; at each evaluation and feature
/// snapshot, for the observer and in the output, the weights and state are widened to `f64`
/// exactly, so a continuation narrows them back to the same `f32` values.
pub fn train_from(
    net: Network,
    params: &NetParams,
    train: &NetData,
    test: &NetData,
    symmetries: Option<&[Vec<usize>]>,
    start: Option<NetStart>,
    observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
) -> Result<NetOutput> {
    params.validate()?;
    match params.precision {
        Precision::F64 => train_in::<f64>(net, params, train, test, symmetries, start, observer),
        Precision::F32 => {
            train_in::<f32>(net.cast(), params, train, test, symmetries, start, observer)
        }
    }
}

/// `x` as a `Y`: moved when it already is one (`T` = `f64`), else converted by `widen` (the
/// exact widening of a float32 network or optimizer to float64).
fn moved_or_widened<X: 'static, Y: 'static>(x: X, widen: impl FnOnce(X) -> Y) -> Y {
    let any: Box<dyn std::any::Any> = Box::new(x);
    match any.downcast::<Y>() {
        Ok(y) => *y,
        Err(any) => widen(*any.downcast::<X>().expect("the value just boxed")),
    }
}

/// The training loop of [`train_from`] in the float type `T`.
fn train_in<T: NetReal>(
    mut net: Network<T>,
    params: &NetParams,
    train: &NetData,
    test: &NetData,
    symmetries: Option<&[Vec<usize>]>,
    start: Option<NetStart>,
    observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
) -> Result<NetOutput> {
    if train.is_empty() {
        return Err(Error::param(
            "split",
            "an empty training set",
            "at least one training pair",
        ));
    }
    let threads = params.effective_threads();
    let n_train = train.len();
    let total = params.total_steps(n_train);
    let per_epoch = params.steps_per_epoch(n_train);
    let eval_period = params.eval_period(n_train);
    let agop_period = params.agop_period(n_train);
    let bsize = params.batch_size(n_train);
    let mut opt: Optimizer<T> = Optimizer::new(params, net.params().len()).cast();
    let mut shuffle = rng(params.seed, STREAM_SHUFFLE);
    let mut sym_rng = rng(params.seed, STREAM_SYMMETRY);
    // A continuation: the optimizer state, the generator's position, the epochs drawn so far.
    let mut skip = 0;
    let first_step = start.as_ref().map_or(0, |s| s.step);
    if let Some(start) = start {
        if start.step == 0 || start.step >= total || start.optimizer.steps() != start.step as u64 {
            return Err(Error::param(
                "net.steps",
                total,
                format!(
                    "a total number of steps above the {} done (with an optimizer that took them)",
                    start.step
                ),
            ));
        }
        opt = start.optimizer.cast();
        opt.set_threads(threads);
        sym_rng.set_word_pos(start.symmetry_rng_word_pos);
        for _ in 0..start.step / per_epoch {
            epoch_batches(&mut shuffle, n_train, bsize);
        }
        skip = start.step % per_epoch;
    }
    let mut grad = vec![T::zero(); net.params().len()];
    let mut seconds = NetSeconds::default();
    let started = Instant::now();
    let mut steps = Vec::new();
    let mut features_out = Vec::new();

    let record = |net: &Network,
                  step: usize,
                  batch_loss: Option<f64>,
                  seconds: &mut NetSeconds,
                  steps: &mut Vec<StepRecord>| {
        let t0 = Instant::now();
        let (train_loss, train_acc, _) = evaluate(net, params, train, threads);
        let (test_loss, test_acc, test_hits) = evaluate(net, params, test, threads);
        seconds.eval += t0.elapsed().as_secs_f64();
        steps.push(StepRecord {
            step,
            epoch: step as f64 / per_epoch as f64,
            batch_loss,
            train_loss,
            train_acc,
            test_loss,
            test_acc,
            seconds: started.elapsed().as_secs_f64(),
        });
        test_hits
    };
    let check = |x: f64, step: usize| {
        if x.is_finite() {
            Ok(())
        } else {
            Err(Error::Numerical {
                iteration: step,
                what: format!("the training loss is {x} at step {step} (try a smaller net.lr)"),
            })
        }
    };

    let mut complete = true;
    if first_step == 0 {
        let wide = T::widened(&net);
        let test_hits = record(&wide, 0, None, &mut seconds, &mut steps);
        let t0 = Instant::now();
        features_out.push(snapshot(&wide, train, 0, threads)?);
        seconds.features += t0.elapsed().as_secs_f64();
        let state = NetState {
            record: &steps[0],
            total_steps: total,
            net: &wide,
            test_hits: &test_hits,
        };
        if observer(&state) == Control::Stop {
            complete = false;
        }
    }
    let mut step = first_step;
    let mut stream = BatchStream::new(&mut shuffle, n_train, bsize);
    // A continuation: the batches of the current epoch already taken.
    for _ in 0..skip {
        stream.next_batch();
    }
    let mut chooser = ThreadChooser::default();
    let fast = net
        .as_fcn()
        .is_some_and(|m| Stepper::applies(m, params.agop_reg, params.symmetry_loss));
    while complete && step < total {
        // Steps up to the next evaluation or feature snapshot run without interruption.
        let next = [
            total,
            (step / agop_period + 1) * agop_period,
            (step / eval_period + 1) * eval_period,
        ]
        .into_iter()
        .min()
        .unwrap_or(total);
        let t0 = Instant::now();
        let task = if fast {
            let batches: Vec<StepBatch> = (step..next)
                .map(|_| {
                    let batch = stream.next_batch();
                    StepBatch {
                        a: batch.iter().map(|&i| train.a[i as usize]).collect(),
                        b: batch.iter().map(|&i| train.b[i as usize]).collect(),
                        y: batch.iter().map(|&i| train.labels[i as usize]).collect(),
                    }
                })
                .collect();
            let updates = opt.plan_steps(next - step);
            let Network::Fcn(mlp) = &mut net else {
                unreachable!("the fast step is for fully connected networks")
            };
            let mut stepper = Stepper::new(mlp, &opt, params.loss);
            let done = stepper.run_adaptive(&batches, &updates, threads, &mut chooser);
            stepper.finish(mlp, &mut opt);
            if let Some(failed) = done.failed {
                // Recompute the failing loss for the message (the weights are those before it).
                let b = &batches[failed];
                let cache = net.forward(&b.a, &b.b);
                let (task, _) = loss::loss_and_grad(params.loss, cache.logits().view(), &b.y);
                check(task.wide(), step + failed)?;
            }
            step = next;
            done.losses.last().map_or(f64::NAN, |x| x.wide())
        } else {
            let mut task = f64::NAN;
            while step < next {
                let batch = stream.next_batch();
                grad.iter_mut().for_each(|g| *g = T::zero());
                let (t, full) = batch_loss_and_grad(
                    &net,
                    params,
                    train,
                    &batch,
                    symmetries,
                    &mut sym_rng,
                    &mut grad,
                );
                check(full.wide(), step)?;
                opt.step(net.params_mut(), &grad);
                task = t.wide();
                step += 1;
            }
            task
        };
        seconds.train += t0.elapsed().as_secs_f64();
        let last = step == total;
        let feature_event = step.is_multiple_of(agop_period) || last;
        let eval_event = step.is_multiple_of(eval_period) || last;
        if !(feature_event || eval_event) {
            continue;
        }
        let wide = T::widened(&net);
        if feature_event {
            let t0 = Instant::now();
            features_out.push(snapshot(&wide, train, step, threads)?);
            seconds.features += t0.elapsed().as_secs_f64();
        }
        if eval_event {
            let test_hits = record(&wide, step, Some(task), &mut seconds, &mut steps);
            let state = NetState {
                record: steps.last().expect("just recorded"),
                total_steps: total,
                net: &wide,
                test_hits: &test_hits,
            };
            if observer(&state) == Control::Stop {
                if !last {
                    complete = false;
                    if features_out.last().map(|f| f.step) != Some(step) {
                        features_out.push(snapshot(&wide, train, step, threads)?);
                    }
                }
                break;
            }
        }
    }
    let net = moved_or_widened(net, |n: Network<T>| n.cast());
    let (_, _, test_hits) = evaluate(&net, params, test, threads);
    Ok(NetOutput {
        symmetry_rng_word_pos: sym_rng.get_word_pos(),
        steps,
        features: features_out,
        net,
        optimizer: moved_or_widened(opt, |o: Optimizer<T>| o.cast()),
        test_hits,
        complete,
        seconds,
    })
}
