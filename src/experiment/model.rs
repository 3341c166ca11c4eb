//! The fitted predictor of a run: `f(x) = Σ_i α_i k_M(x, x_i)` over the training inputs.

use crate::data::{self, Split};
use crate::error::{Error, Result};
use crate::group::Task;
use crate::kernel::onehot::{sq_norms, KernelEvaluator, Tokens};
use crate::kernel::KernelKind;
use crate::report::{ModelRecord, RunReport};
use crate::rfm::metrics::argmax;
use crate::rfm::train::predict_rows;
use crate::rfm::{Precision, RfmParams, TrainOutput};
use ndarray::Array2;

/// A fitted RFM predictor: the kernel, the feature matrix M_t it used, the training inputs and
/// the coefficients α_t of iteration t. Predictions are computed exactly as during training (same
/// kernel code, same precision), so predicting the test pairs reproduces the run's test accuracy
/// at iteration t to the last bit.
///
/// `t` is the last completed iteration: its M is M_t, the matrix *before* that iteration's update
/// (the run's final feature matrix M_{t+1} is in the report's `feature_matrices`).
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    kernel: KernelKind,
    precision: Precision,
    t: usize,
    m: Array2<f64>,
    alpha: Array2<f64>,
    n_symbols: usize,
    train_pairs: Vec<usize>,
    first: Vec<u32>,
    second: Vec<u32>,
}

impl Model {
    /// The predictor of the last completed iteration of `output` (None if no iteration ran).
    pub fn from_training(
        task: &Task,
        split: &Split,
        params: &RfmParams,
        output: &TrainOutput,
    ) -> Option<Self> {
        let last = output.last_solve.as_ref()?;
        Some(Self::assemble(
            params.kernel,
            params.precision,
            last.t,
            last.m.clone(),
            last.alpha.as_standard_layout().into_owned(),
            task.n_symbols(),
            split.train.clone(),
        ))
    }

    fn assemble(
        kernel: KernelKind,
        precision: Precision,
        t: usize,
        m: Array2<f64>,
        alpha: Array2<f64>,
        n_symbols: usize,
        train_pairs: Vec<usize>,
    ) -> Self {
        let (first, second) = data::pair_tokens(n_symbols, &train_pairs);
        Model {
            kernel,
            precision,
            t,
            m,
            alpha,
            n_symbols,
            train_pairs,
            first,
            second,
        }
    }

    /// The model stored in a run report (written with `save_model`).
    pub fn from_report(report: &RunReport) -> Result<Self> {
        let bad = |reason: String| Error::param("model", "the run's model", reason);
        let record = report.model.as_ref().ok_or_else(|| {
            bad("a run file written with the model saved (save_model / `run --save-model`)".into())
        })?;
        let m = record.m.to_array().map_err(bad)?;
        let n = report.task.n_symbols;
        let (n_train, c) = (report.split.train_indices.len(), report.task.n_classes);
        if m.nrows() != 2 * n {
            return Err(bad(format!("M of size {0}×{0} for {n} symbols", 2 * n)));
        }
        if record.alpha.len() != n_train || record.alpha.iter().any(|r| r.len() != c) {
            return Err(bad(format!(
                "α of shape {n_train}×{c} (training pairs × classes)"
            )));
        }
        if report.split.train_indices.iter().any(|&k| k >= n * n) {
            return Err(bad(format!("training pair indices below {}", n * n)));
        }
        let alpha = Array2::from_shape_fn((n_train, c), |(i, j)| record.alpha[i][j]);
        Ok(Self::assemble(
            report.params.kernel,
            report.params.precision,
            record.t,
            m,
            alpha,
            n,
            report.split.train_indices.clone(),
        ))
    }

    /// The record stored in a run report.
    pub fn record(&self) -> ModelRecord {
        ModelRecord {
            t: self.t,
            m: crate::report::MatrixRecord::new(self.t, &self.m),
            alpha: self.alpha.rows().into_iter().map(|r| r.to_vec()).collect(),
        }
    }

    /// The kernel.
    pub fn kernel(&self) -> KernelKind {
        self.kernel
    }

    /// The iteration t whose predictor this is.
    pub fn iteration(&self) -> usize {
        self.t
    }

    /// M_t (2n × 2n).
    pub fn m(&self) -> &Array2<f64> {
        &self.m
    }

    /// α_t (n_train × c).
    pub fn alpha(&self) -> &Array2<f64> {
        &self.alpha
    }

    /// The training pairs (pair indices `a * n + b`), in the order of α's rows.
    pub fn train_pairs(&self) -> &[usize] {
        &self.train_pairs
    }

    /// Raw outputs f(x) (one row of c class scores per pair) for pair indices `a * n + b`.
    pub fn predict(&self, pairs: &[usize]) -> Result<Array2<f64>> {
        let n2 = self.n_symbols * self.n_symbols;
        if let Some(&bad) = pairs.iter().find(|&&k| k >= n2) {
            return Err(Error::param(
                "pairs",
                bad,
                format!("pair indices a * n + b below {n2}"),
            ));
        }
        let (first, second) = data::pair_tokens(self.n_symbols, pairs);
        let query = Tokens {
            first: &first,
            second: &second,
        };
        let train = Tokens {
            first: &self.first,
            second: &self.second,
        };
        let eval = KernelEvaluator::new(self.kernel, self.m.view());
        let norms = sq_norms(self.m.view(), train);
        let par = crate::linalg::par(0);
        Ok(match self.precision {
            Precision::F64 => predict_rows(
                &eval,
                train,
                &norms,
                self.alpha.view(),
                query,
                par,
                &mut Vec::new(),
            ),
            Precision::F32 => {
                let alpha = self.alpha.mapv(|v| v as f32);
                predict_rows(
                    &eval,
                    train,
                    &norms,
                    alpha.view(),
                    query,
                    par,
                    &mut Vec::new(),
                )
            }
        })
    }

    /// Predicted labels (argmax of the outputs, ties to the lowest class) for pair indices.
    pub fn predict_labels(&self, pairs: &[usize]) -> Result<Vec<usize>> {
        let out = self.predict(pairs)?;
        Ok(out
            .rows()
            .into_iter()
            .map(|r| argmax(r.iter().copied()))
            .collect())
    }
}
