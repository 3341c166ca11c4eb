//! Symmetry acquisition: how invariant is the predictor `f_t` under the task's symmetry group
//! (Dih(A) for the tasks on an abelian group, the computed Sym_f for every other task) on held-out
//! points?
//!
//! Every element g of the group preserves labels, so a predictor that has learned the task's symmetry
//! satisfies `f(g·x) = f(x)` (the whole output vector, not only its argmax). For each iteration the
//! [`InvarianceProbe`] evaluates `f_t = Σ_i α_i k_{M_t}(·, x_i)` (with [`crate::rfm::predict`]) on the
//! test points and their images and reports, over all test points x and all non-identity elements g
//! (2n − 1 of Dih(A)) with g·x ≠ x (a reflection fixing x compares f(x) with itself; for odd n each pair
//! is fixed by exactly one reflection) ([`SymmetryDiagnostic`]):
//!
//! - the mean agreement `[argmax f(g·x) = argmax f(x)]` and the mean `‖f(g·x) − f(x)‖₂`;
//! - the same restricted to the *held-out* pairs, where g·x is a test point too. When g·x is a
//!   training point, `f(g·x)` is its label (exact interpolation), so agreement there only says
//!   whether x is classified correctly; the held-out agreement is free of that echo of test
//!   accuracy and is the primary measure.
//!
//! Cost: one prediction per distinct point needed (at most all n² pairs; about twice the test
//! prediction the engine already does per iteration) plus |test| · (|G| − 1) · c operations. A seeded
//! subset of the test points can be used instead of all of them ([`InvarianceProbe::new`]).
//!
//! The probe works for any predictor ([`Predictor`]): the RFM predictor of an iteration
//! ([`InvarianceProbe::measure`]) and a network ([`crate::net::Network`], at every evaluation of a
//! network run, with `iter` = the optimizer step), or a closure giving f on a list of pairs
//! ([`InvarianceProbe::measure_with`]).
//!
//! [`acquisition_lead`] compares when the diagnostic and the test accuracy reach a threshold (and
//! their halfway points), to test whether symmetry is acquired before test accuracy rises.

use crate::data::Split;
use crate::error::{Error, Result};
use crate::kernel::onehot::Tokens;
use crate::rfm::metrics::argmax;
use crate::rfm::{predict, IterationState};
use crate::symmetry::{Subgroup, TaskSymmetry};
use ndarray::{Array2, ArrayView2};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Seed of the test-point subset (fixed, so that the subset depends only on the test set).
pub const SUBSET_SEED: u64 = 0x5eed;

/// The invariance of one iteration's predictor on held-out points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymmetryDiagnostic {
    /// Iteration t (the predictor uses M_t and that iteration's α).
    pub iter: usize,
    /// Test accuracy at t (copied from the iteration record, for reading the two side by side).
    pub test_acc: f64,
    /// Number of test points x probed.
    pub n_points: usize,
    /// Number of group elements g per point (every element but the identity: 2n − 1 for Dih(A)).
    pub n_elements: usize,
    /// Number of pairs (x, g) with g·x ≠ x over which the means are taken.
    pub pairs: usize,
    /// Mean over all (x, g) of `[argmax f(g·x) = argmax f(x)]`.
    pub agreement: f64,
    /// Mean over all (x, g) of `‖f(g·x) − f(x)‖₂`.
    pub mean_change: f64,
    /// `mean_change` divided by the mean `‖f(x)‖₂` over the probed points (0 if f vanishes).
    pub relative_change: f64,
    /// Number of held-out pairs (x, g): g·x ≠ x is a test point as well.
    pub heldout_pairs: usize,
    /// Agreement over the held-out pairs (`None` if there are none).
    pub heldout_agreement: Option<f64>,
    /// Mean change over the held-out pairs.
    pub heldout_mean_change: Option<f64>,
    /// Mean cosine similarity `⟨f(g·x), f(x)⟩ / (‖f(g·x)‖ ‖f(x)‖)` over the held-out pairs (a pair
    /// with a zero output counts as 0): a scale-free measure of output invariance.
    pub heldout_cosine: Option<f64>,
    /// No longer written (read from older files): the held-out agreement over the rotations
    /// only. It always equalled [`heldout_agreement`](Self::heldout_agreement): the rotations
    /// r^g, g ≠ 0, send a pair x to every other pair of its label class, and so do the reflections
    /// s r^g (one of them fixes x and is skipped), so both restrictions count the same pairs
    /// (x, y).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heldout_rotation_agreement: Option<f64>,
    /// No longer written (read from older files): the held-out agreement over the reflections
    /// only, equal to the rotations' for the same reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heldout_reflection_agreement: Option<f64>,
}

impl SymmetryDiagnostic {
    /// The held-out agreement, or the overall agreement if there are no held-out pairs.
    pub fn primary_agreement(&self) -> f64 {
        self.heldout_agreement.unwrap_or(self.agreement)
    }
}

/// A predictor f on pairs: the outputs at the pairs (a_i, b_i) (symbols 0..n, not offset), one
/// row of c scores per pair, in the order given.
pub trait Predictor {
    /// f at the pairs (a_i, b_i).
    fn predict_pairs(&self, a: &[u32], b: &[u32]) -> Array2<f64>;
}

impl<F: Fn(&[u32], &[u32]) -> Array2<f64>> Predictor for F {
    fn predict_pairs(&self, a: &[u32], b: &[u32]) -> Array2<f64> {
        self(a, b)
    }
}

impl Predictor for crate::net::Network {
    fn predict_pairs(&self, a: &[u32], b: &[u32]) -> Array2<f64> {
        self.outputs(a, b)
    }
}

/// Precomputed images of the probed test points under every non-identity element.
#[derive(Clone, Debug)]
pub struct InvarianceProbe {
    /// Probed test points (pair indices), ascending.
    points: Vec<usize>,
    /// For element e (0..n_elements) and point j: the pair index of g_e·x_j, at `e * points + j`.
    images: Vec<u32>,
    /// Number of non-identity elements probed.
    n_elements: usize,
    /// Whether each pair index is a test pair.
    in_test: Vec<bool>,
    /// The distinct pairs on which f is evaluated, ascending, and their token form.
    needed_first: Vec<u32>,
    needed_second: Vec<u32>,
    /// Row of each pair index in the prediction matrix (`u32::MAX` if not needed).
    row_of: Vec<u32>,
    /// Number of symbols n (the second token of a pair is offset by n).
    n: usize,
}

impl InvarianceProbe {
    /// A probe of the test points of `split` under the symmetry group Sym_f of the task (every
    /// listed element but the identity). With `max_points = Some(k)` and more than k test points,
    /// a subset of k of them is drawn with ChaCha8 seeded by [`SUBSET_SEED`] (deterministic for a
    /// given test set); otherwise every test point is probed. Errors when Sym_f's elements are not
    /// kept or the group is trivial.
    pub fn new(sym: &TaskSymmetry, split: &Split, max_points: Option<usize>) -> Result<Self> {
        let why = |allowed: String| Error::param("analysis.symmetry_diagnostic", "true", allowed);
        if sym.is_empty() {
            return Err(why(format!(
                "a task whose symmetry group lists its elements (Sym_f has order {}, above the bound)",
                sym.order_text()
            )));
        }
        if sym.len() == 1 {
            return Err(why(
                "a task with a non-trivial symmetry group (Sym_f is trivial)".into(),
            ));
        }
        // the identity, listed first, is skipped
        Self::from_action(sym.n(), split, max_points, sym.len() - 1, |e, k| {
            sym.act_index(e + 1, k)
        })
    }

    /// A probe under the non-identity elements of a subgroup `h` of Sym_f only (for example the
    /// subgroup a network was made invariant under). Errors as [`new`](Self::new), and when `h`
    /// is trivial.
    pub fn for_subgroup(
        sym: &TaskSymmetry,
        h: &Subgroup,
        split: &Split,
        max_points: Option<usize>,
    ) -> Result<Self> {
        let elements: Vec<usize> = h.elements().iter().copied().filter(|&g| g != 0).collect();
        if sym.is_empty() || elements.is_empty() || h.order() > sym.len() {
            return Err(Error::param(
                "analysis.symmetry_diagnostic",
                "a subgroup",
                "a non-trivial subgroup of a listed Sym_f",
            ));
        }
        Self::from_action(sym.n(), split, max_points, elements.len(), |e, k| {
            sym.act_index(elements[e], k)
        })
    }

    /// The probe for `n_elements` non-identity elements acting on pair indices by `act(e, k)`.
    fn from_action(
        n: usize,
        split: &Split,
        max_points: Option<usize>,
        n_elements: usize,
        act: impl Fn(usize, usize) -> usize,
    ) -> Result<Self> {
        let n_pairs = n * n;
        if split.test.is_empty() {
            return Err(Error::param(
                "split",
                "an empty test set",
                "at least one test pair for the symmetry diagnostic",
            ));
        }
        if max_points == Some(0) {
            return Err(Error::param(
                "analysis.symmetry_points",
                0,
                "an integer ≥ 1 (omit it to probe every test point)",
            ));
        }
        let points: Vec<usize> = match max_points {
            Some(k) if k < split.test.len() => {
                let mut rng = ChaCha8Rng::seed_from_u64(SUBSET_SEED);
                let mut chosen: Vec<usize> = sample(&mut rng, split.test.len(), k)
                    .into_iter()
                    .map(|i| split.test[i])
                    .collect();
                chosen.sort_unstable();
                chosen
            }
            _ => split.test.clone(),
        };
        let mut in_test = vec![false; n_pairs];
        for &k in &split.test {
            in_test[k] = true;
        }
        let mut needed = vec![false; n_pairs];
        for &k in &points {
            needed[k] = true;
        }
        let mut images = Vec::with_capacity(n_elements * points.len());
        for e in 0..n_elements {
            for &k in &points {
                let image = act(e, k);
                needed[image] = true;
                images.push(image as u32);
            }
        }
        let mut row_of = vec![u32::MAX; n_pairs];
        let (mut needed_first, mut needed_second) = (Vec::new(), Vec::new());
        for k in (0..n_pairs).filter(|&k| needed[k]) {
            row_of[k] = needed_first.len() as u32;
            needed_first.push((k / n) as u32);
            needed_second.push((n + k % n) as u32);
        }
        Ok(InvarianceProbe {
            points,
            images,
            n_elements,
            in_test,
            needed_first,
            needed_second,
            row_of,
            n,
        })
    }

    /// The distinct pairs (as inputs) on which the predictor must be evaluated, in the row order
    /// [`from_predictions`](Self::from_predictions) expects.
    pub fn query(&self) -> Tokens<'_> {
        Tokens {
            first: &self.needed_first,
            second: &self.needed_second,
        }
    }

    /// The diagnostic of one RFM iteration: evaluates `f_t` on [`query`](Self::query) with the
    /// state's M_t and α.
    pub fn measure(&self, state: &IterationState<'_>, par: faer::Par) -> SymmetryDiagnostic {
        let f = predict(
            state.kernel,
            state.m,
            state.train_tokens,
            state.alpha,
            self.query(),
            par,
        );
        self.from_predictions(state.record.iter, state.record.test_acc, f.view())
    }

    /// The diagnostic of any predictor (a network, a closure): evaluates `f` on the pairs of
    /// [`query`](Self::query) (as symbols 0..n) and reports it as iteration `iter` (for a network
    /// run: the optimizer step) with test accuracy `test_acc`.
    ///
    /// # Panics
    /// If the predictor does not return one row per pair.
    #[track_caller]
    pub fn measure_with(
        &self,
        iter: usize,
        test_acc: f64,
        predictor: &(impl Predictor + ?Sized),
    ) -> SymmetryDiagnostic {
        let b: Vec<u32> = self
            .needed_second
            .iter()
            .map(|&t| t - self.n as u32)
            .collect();
        let f = predictor.predict_pairs(&self.needed_first, &b);
        self.from_predictions(iter, test_acc, f.view())
    }

    /// The diagnostic from predictions `f` (one row per pair of [`query`](Self::query), one column
    /// per class).
    ///
    /// # Panics
    /// If `f` does not have one row per queried pair.
    #[track_caller]
    pub fn from_predictions(
        &self,
        iter: usize,
        test_acc: f64,
        f: ArrayView2<'_, f64>,
    ) -> SymmetryDiagnostic {
        assert_eq!(
            f.nrows(),
            self.needed_first.len(),
            "from_predictions: one row per queried pair"
        );
        let amax: Vec<usize> = f
            .rows()
            .into_iter()
            .map(|r| argmax(r.iter().copied()))
            .collect();
        let norms: Vec<f64> = f
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect();
        let row = |k: usize| self.row_of[k] as usize;
        let n_points = self.points.len();
        let n_elements = self.n_elements;
        let mut all = Tally::default();
        let mut heldout = Tally::default();
        for e in 0..n_elements {
            for (j, &x) in self.points.iter().enumerate() {
                let y = self.images[e * n_points + j] as usize;
                if y == x {
                    continue;
                }
                let (rx, ry) = (row(x), row(y));
                let agree = amax[rx] == amax[ry];
                let change = f
                    .row(rx)
                    .iter()
                    .zip(f.row(ry))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                all.add(agree, change);
                if self.in_test[y] {
                    heldout.add(agree, change);
                    let dot: f64 = f.row(rx).iter().zip(f.row(ry)).map(|(a, b)| a * b).sum();
                    let den = norms[rx] * norms[ry];
                    heldout.cosine += if den > 0.0 { dot / den } else { 0.0 };
                }
            }
        }
        let mean_norm = self.points.iter().map(|&x| norms[row(x)]).sum::<f64>() / n_points as f64;
        let mean_change = all.mean_change().unwrap_or(0.0);
        SymmetryDiagnostic {
            iter,
            test_acc,
            n_points,
            n_elements,
            pairs: all.count,
            agreement: all.agreement().unwrap_or(1.0),
            mean_change,
            relative_change: if mean_norm > 0.0 {
                mean_change / mean_norm
            } else {
                0.0
            },
            heldout_pairs: heldout.count,
            heldout_agreement: heldout.agreement(),
            heldout_mean_change: heldout.mean_change(),
            heldout_cosine: heldout.mean_cosine(),
            heldout_rotation_agreement: None,
            heldout_reflection_agreement: None,
        }
    }
}

#[derive(Default)]
struct Tally {
    count: usize,
    agree: usize,
    change: f64,
    cosine: f64,
}

impl Tally {
    fn add(&mut self, agree: bool, change: f64) {
        self.count += 1;
        self.agree += agree as usize;
        self.change += change;
    }
    fn agreement(&self) -> Option<f64> {
        (self.count > 0).then(|| self.agree as f64 / self.count as f64)
    }
    fn mean_change(&self) -> Option<f64> {
        (self.count > 0).then(|| self.change / self.count as f64)
    }
    fn mean_cosine(&self) -> Option<f64> {
        (self.count > 0).then(|| self.cosine / self.count as f64)
    }
}

/// The first iteration whose value is at least `threshold`.
pub fn first_at_least(series: &[(usize, f64)], threshold: f64) -> Option<usize> {
    series
        .iter()
        .find(|(_, v)| *v >= threshold)
        .map(|(t, _)| *t)
}

/// The first iteration whose value is at most `threshold`.
pub fn first_at_most(series: &[(usize, f64)], threshold: f64) -> Option<usize> {
    series
        .iter()
        .find(|(_, v)| *v <= threshold)
        .map(|(t, _)| *t)
}

/// The first iteration at which a series has covered half of its change from its first to its
/// last value: the first t with `v_t ≥ (v_first + v_last) / 2` for a rising series, `≤` for a
/// falling one. `None` if first and last are equal (or the series is empty).
pub fn half_way(series: &[(usize, f64)]) -> Option<usize> {
    let (&(_, first), &(_, last)) = (series.first()?, series.last()?);
    let mid = (first + last) / 2.0;
    if last > first {
        first_at_least(series, mid)
    } else if last < first {
        first_at_most(series, mid)
    } else {
        None
    }
}

/// When symmetry is acquired compared to when test accuracy rises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionLead {
    /// The threshold applied to both the (held-out) agreement and the test accuracy.
    pub threshold: f64,
    /// First iteration with held-out agreement ≥ threshold.
    pub symmetry_first: Option<usize>,
    /// First iteration with test accuracy ≥ threshold.
    pub accuracy_first: Option<usize>,
    /// `accuracy_first − symmetry_first`: positive when symmetry comes first.
    pub lead: Option<i64>,
    /// First iteration at which the held-out agreement has covered half of its rise ([`half_way`]).
    pub symmetry_half: Option<usize>,
    /// The same for the test accuracy.
    pub accuracy_half: Option<usize>,
    /// `accuracy_half − symmetry_half`.
    pub half_lead: Option<i64>,
}

/// The lead of symmetry acquisition (held-out agreement, [`SymmetryDiagnostic::primary_agreement`])
/// over test accuracy, at `threshold` and at the halfway points.
pub fn acquisition_lead(diagnostics: &[SymmetryDiagnostic], threshold: f64) -> AcquisitionLead {
    let sym: Vec<(usize, f64)> = diagnostics
        .iter()
        .map(|d| (d.iter, d.primary_agreement()))
        .collect();
    let acc: Vec<(usize, f64)> = diagnostics.iter().map(|d| (d.iter, d.test_acc)).collect();
    let diff = |a: Option<usize>, s: Option<usize>| Some(a? as i64 - s? as i64);
    let symmetry_first = first_at_least(&sym, threshold);
    let accuracy_first = first_at_least(&acc, threshold);
    let symmetry_half = half_way(&sym);
    let accuracy_half = half_way(&acc);
    AcquisitionLead {
        threshold,
        symmetry_first,
        accuracy_first,
        lead: diff(accuracy_first, symmetry_first),
        symmetry_half,
        accuracy_half,
        half_lead: diff(accuracy_half, symmetry_half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{random_matrix, rng};
    use crate::group::{Operation, Task, TaskSpec};
    use crate::rfm::{train, Control, RfmParams};
    use crate::symmetry::{orbit_split, Subgroup};
    use ndarray::Array2;

    /// Brute force: f evaluated separately at x and at g·x for every pair, from a dense table.
    fn brute_force(
        dih: &TaskSymmetry,
        points: &[usize],
        in_test: &[bool],
        f: &Array2<f64>,
    ) -> (f64, f64, Option<f64>, Option<f64>) {
        let (mut agree, mut change, mut count) = (0.0, 0.0, 0.0);
        let (mut h_agree, mut h_count, mut h_cos) = (0.0, 0.0, 0.0);
        for g in 1..dih.len() {
            for &x in points {
                let y = dih.act_index(g, x);
                if y == x {
                    continue;
                }
                let same = argmax(f.row(x).iter().copied()) == argmax(f.row(y).iter().copied());
                let d: f64 = (&f.row(x) - &f.row(y)).mapv(|v| v * v).sum().sqrt();
                agree += same as u8 as f64;
                change += d;
                count += 1.0;
                if in_test[y] {
                    h_agree += same as u8 as f64;
                    h_count += 1.0;
                    let (fx, fy) = (f.row(x), f.row(y));
                    h_cos += fx.dot(&fy) / (fx.dot(&fx).sqrt() * fy.dot(&fy).sqrt());
                }
            }
        }
        let h = (h_count > 0.0).then(|| h_agree / h_count);
        let c = (h_count > 0.0).then(|| h_cos / h_count);
        (agree / count, change / count, h, c)
    }

    #[test]
    fn matches_a_brute_force_evaluation() {
        let task = Task::new(TaskSpec::new(Operation::Sub, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let split = Split::random(49, 0.5, 3).unwrap();
        let mut rng = rng(31);
        // A random "predictor" on every pair.
        let f_all = random_matrix(&mut rng, 49, 7);
        for max_points in [None, Some(5)] {
            let probe = InvarianceProbe::new(&dih, &split, max_points).unwrap();
            let rows: Vec<usize> = (0..probe.query().len())
                .map(|r| probe.needed_first[r] as usize * 7 + probe.needed_second[r] as usize - 7)
                .collect();
            let f = Array2::from_shape_fn((rows.len(), 7), |(r, c)| f_all[[rows[r], c]]);
            let d = probe.from_predictions(4, 0.25, f.view());
            let mut in_test = vec![false; 49];
            split.test.iter().for_each(|&k| in_test[k] = true);
            let (agree, change, heldout, cosine) =
                brute_force(&dih, &probe.points, &in_test, &f_all);
            assert_eq!(d.n_elements, 13);
            assert_eq!(d.n_points, max_points.unwrap_or(split.test.len()));
            assert!((d.agreement - agree).abs() < 1e-12);
            assert!((d.mean_change - change).abs() < 1e-12);
            assert_eq!(d.heldout_agreement.is_some(), heldout.is_some());
            if let (Some(a), Some(b)) = (d.heldout_agreement, heldout) {
                assert!((a - b).abs() < 1e-12);
            }
            if let (Some(a), Some(b)) = (d.heldout_cosine, cosine) {
                assert!((a - b).abs() < 1e-12);
            }
            // Sub on Z_7: every pair is fixed by exactly one reflection, which is skipped.
            assert_eq!(d.pairs, d.n_points * (d.n_elements - 1));
            assert!(probe.points.iter().all(|k| split.test.contains(k)));
        }
        // The subset is deterministic.
        let a = InvarianceProbe::new(&dih, &split, Some(5)).unwrap();
        let b = InvarianceProbe::new(&dih, &split, Some(5)).unwrap();
        assert_eq!(a.points, b.points);
        assert!(InvarianceProbe::new(&dih, &split, Some(0)).is_err());
    }

    /// `measure_with` maps the queried pairs to symbols correctly: a network (and a closure over a
    /// dense table) measured through it gives the diagnostic of its outputs on every pair.
    #[test]
    fn measure_with_a_network_or_a_closure_matches_the_dense_table() {
        let task = Task::new(TaskSpec::new(Operation::Sub, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let split = Split::random(49, 0.5, 3).unwrap();
        let params = crate::net::NetParams {
            width: 8,
            ..Default::default()
        };
        let net = crate::net::Network::random(&params, 7, 7).unwrap();
        let all: Vec<usize> = (0..49).collect();
        let f_all = net.predict(&all).unwrap();
        let mut in_test = vec![false; 49];
        split.test.iter().for_each(|&k| in_test[k] = true);
        let probe = InvarianceProbe::new(&dih, &split, None).unwrap();
        let d = probe.measure_with(7, 0.5, &net);
        let (agree, change, heldout, cosine) = brute_force(&dih, &probe.points, &in_test, &f_all);
        assert_eq!((d.iter, d.test_acc), (7, 0.5));
        assert!((d.agreement - agree).abs() < 1e-12);
        assert!((d.mean_change - change).abs() < 1e-12);
        assert!((d.heldout_agreement.unwrap() - heldout.unwrap()).abs() < 1e-12);
        assert!((d.heldout_cosine.unwrap() - cosine.unwrap()).abs() < 1e-12);
        let table = |a: &[u32], b: &[u32]| {
            Array2::from_shape_fn((a.len(), 7), |(r, c)| {
                f_all[[a[r] as usize * 7 + b[r] as usize, c]]
            })
        };
        let e = probe.measure_with(7, 0.5, &table);
        assert!((e.mean_change - change).abs() < 1e-12 && e.agreement == d.agreement);
        // A predictor of the label alone is exactly invariant under Sym_f.
        let labels = task.labels().to_vec();
        let invariant = |a: &[u32], b: &[u32]| {
            Array2::from_shape_fn((a.len(), 7), |(r, c)| {
                let y = labels[a[r] as usize * 7 + b[r] as usize] as usize;
                if c == y {
                    1.0 + y as f64
                } else {
                    0.1 * c as f64
                }
            })
        };
        let d = probe.measure_with(0, 0.0, &invariant);
        assert_eq!((d.agreement, d.mean_change), (1.0, 0.0));
        // Under one reflection only: the pairs it moves.
        let s = Subgroup::parse(&dih, "s").unwrap();
        let probe = InvarianceProbe::for_subgroup(&dih, &s, &split, None).unwrap();
        let d = probe.measure_with(0, 0.0, &invariant);
        assert_eq!((d.n_elements, d.agreement), (1, 1.0));
        assert!(d.pairs <= split.test.len() && d.pairs > 0);
        assert!(
            InvarianceProbe::for_subgroup(&dih, &Subgroup::trivial(&dih), &split, None).is_err()
        );
    }

    /// On a non-abelian group task the probe sees |G| − 1 elements and, acting freely, skips no
    /// pair.
    #[test]
    fn the_probe_on_a_non_abelian_group() {
        let s3 = Task::new(TaskSpec::on_group(Operation::Mul, "S3")).unwrap();
        let sym = TaskSymmetry::of(&s3);
        let split = Split::random(36, 0.5, 0).unwrap();
        let probe = InvarianceProbe::new(&sym, &split, None).unwrap();
        let f = random_matrix(&mut rng(6), probe.needed_first.len(), 6);
        let d = probe.from_predictions(0, 0.0, f.view());
        assert_eq!(d.n_elements, 5);
        assert_eq!(d.pairs, split.test.len() * 5);
    }

    /// With M_0 = I (which commutes with every Π(g)) and a training set made of whole Dih(A)-orbits,
    /// the first predictor is exactly invariant: its outputs change at rounding level only. After
    /// M is learned the invariance stays (the AGOP of an invariant predictor commutes with Π(g)).
    /// (The argmax agreement is not 1 here: Dih(A)-orbits of add are whole label classes, so the
    /// test classes are never seen in training and f has exact ties among them that rounding
    /// breaks either way.)
    #[test]
    fn an_invariant_predictor_has_full_agreement() {
        let task = Task::new(TaskSpec::new(Operation::Add, 11)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let split = orbit_split(&dih, &Subgroup::full(&dih), 0.5, 1).unwrap();
        let probe = InvarianceProbe::new(&dih, &split, None).unwrap();
        let params = RfmParams {
            iters: 3,
            threads: 1,
            ..RfmParams::default()
        };
        let mut diags = Vec::new();
        train(&task, &split, &params, None, None, &mut |state| {
            diags.push(probe.measure(state, faer::Par::Seq));
            Control::Continue
        })
        .unwrap();
        assert_eq!(diags.len(), 3);
        for d in &diags {
            assert!(d.relative_change < 1e-8, "{d:?}");
            // The test set is a union of orbits too: every image of a test point is held out.
            assert_eq!(d.heldout_pairs, d.pairs);
        }
        // A random split breaks the invariance of f_0.
        let split = Split::random(121, 0.5, 0).unwrap();
        let probe = InvarianceProbe::new(&dih, &split, None).unwrap();
        let mut first = None;
        train(&task, &split, &params, None, None, &mut |state| {
            first.get_or_insert_with(|| probe.measure(state, faer::Par::Seq));
            Control::Stop
        })
        .unwrap();
        let d = first.unwrap();
        assert!(d.relative_change > 1e-3 && d.agreement < 1.0, "{d:?}");
    }

    /// Why the rotation-only and reflection-only agreements were dropped: for every pair x the
    /// images under the non-identity rotations and under the reflections (those not fixing x) are
    /// the same set, the other pairs of x's label class.
    #[test]
    fn rotations_and_reflections_reach_the_same_pairs() {
        for (op, p) in [
            (Operation::Add, 7),
            (Operation::Sub, 8),
            (Operation::Mul, 11),
        ] {
            let task = Task::new(TaskSpec::new(op, p)).unwrap();
            let dih = TaskSymmetry::of(&task);
            for x in 0..task.n_pairs() {
                let images = |reflection: bool| {
                    let mut v: Vec<usize> = (0..dih.len())
                        .filter(|&g| dih.is_swap_index(g) == reflection)
                        .map(|g| dih.act_index(g, x))
                        .filter(|&y| y != x)
                        .collect();
                    v.sort_unstable();
                    v
                };
                let (rot, refl) = (images(false), images(true));
                assert_eq!(rot, refl, "{op:?} {p}: pair {x}");
                let (a, b) = task.pair(x);
                assert!(rot.iter().all(|&y| {
                    let (c, d) = task.pair(y);
                    task.label(c, d) == task.label(a, b)
                }));
            }
        }
    }

    fn diag(iter: usize, agreement: f64, test_acc: f64) -> SymmetryDiagnostic {
        SymmetryDiagnostic {
            iter,
            test_acc,
            n_points: 1,
            n_elements: 1,
            pairs: 1,
            agreement,
            mean_change: 0.0,
            relative_change: 0.0,
            heldout_pairs: 1,
            heldout_agreement: Some(agreement),
            heldout_mean_change: Some(0.0),
            heldout_cosine: None,
            heldout_rotation_agreement: None,
            heldout_reflection_agreement: None,
        }
    }

    #[test]
    fn lead_counts_iterations_between_the_crossings() {
        let d: Vec<_> = [(0.1, 0.0), (0.5, 0.0), (0.95, 0.1), (1.0, 0.6), (1.0, 0.95)]
            .iter()
            .enumerate()
            .map(|(t, &(a, acc))| diag(t, a, acc))
            .collect();
        let lead = acquisition_lead(&d, 0.9);
        assert_eq!(
            (lead.symmetry_first, lead.accuracy_first),
            (Some(2), Some(4))
        );
        assert_eq!(lead.lead, Some(2));
        // Halfway: agreement ≥ 0.55 first at 2, accuracy ≥ 0.475 first at 3.
        assert_eq!((lead.symmetry_half, lead.accuracy_half), (Some(2), Some(3)));
        assert_eq!(lead.half_lead, Some(1));
        let falling = [(0, 1.0), (1, 0.9), (2, 0.4), (3, 0.0)];
        assert_eq!(half_way(&falling), Some(2));
        assert_eq!(first_at_most(&falling, 0.95), Some(1));
        let flat: Vec<_> = (0..3).map(|t| diag(t, 0.5, 0.0)).collect();
        let lead = acquisition_lead(&flat, 0.9);
        assert_eq!(
            (lead.lead, lead.half_lead, lead.symmetry_half),
            (None, None, None)
        );
    }
}
