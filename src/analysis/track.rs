//! Structure of the feature matrix along a run: one [`IterationStructure`] per M_t.
//!
//! [`StructureTracker`] is fed M_0, M_1, …, M_T (e.g. from an RFM observer and the final matrix of the
//! run). It measures each block's circulant and Hankel deviation (also in discrete-log order for
//! `mul`/`div`), the fraction of each block's Fourier energy in its top k frequencies and the
//! effective rank as the matrices arrive, and keeps the matrices so that
//! [`finish`](StructureTracker::finish) can add the alignment `cos(M_t, M_T)` with the last one.
//! Memory: (T + 1) · (2n)² doubles, e.g. 51 · 122² · 8 B ≈ 6 MB for p = 61 and 50 iterations.

use super::check_feature_matrix;
use super::matrix::dlog_order;
use super::structure::{
    alignment, circulance, effective_rank, reindex_symbols, split_blocks, top_k_energy_fraction,
    Circulance, EffectiveRank,
};
use crate::error::{Error, Result};
use crate::group::Task;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A value per n×n block.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerBlock<T> {
    /// Left-left block.
    pub m11: T,
    /// Left-right (off-diagonal) block.
    pub m12: T,
    /// Right-left (off-diagonal) block.
    pub m21: T,
    /// Right-right block.
    pub m22: T,
}

impl<T> PerBlock<T> {
    fn try_of(
        m: ArrayView2<'_, f64>,
        f: impl Fn(ArrayView2<'_, f64>) -> Result<T>,
    ) -> Result<Self> {
        let b = split_blocks(m)?;
        Ok(PerBlock {
            m11: f(b.m11)?,
            m12: f(b.m12)?,
            m21: f(b.m21)?,
            m22: f(b.m22)?,
        })
    }
}

/// Structure measures of one M_t.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationStructure {
    /// Number of updates applied: this is M_t (M_0 is the initial matrix).
    pub t: usize,
    /// Circulant and Hankel deviation of each block in the task's symbol order.
    pub circulance: PerBlock<Circulance>,
    /// The same with the symbols in discrete-log order (`mul`/`div` only).
    pub circulance_dlog: Option<PerBlock<Circulance>>,
    /// Fraction of each block's 2-D Fourier energy in its `top_k` largest frequencies.
    pub top_k_energy: PerBlock<f64>,
    /// The same in discrete-log order (`mul`/`div` only).
    pub top_k_energy_dlog: Option<PerBlock<f64>>,
    /// Effective rank of M_t.
    pub effective_rank: EffectiveRank,
    /// `cos(vec M_t, vec M_T)` with the last matrix of the run (`None` if either is zero).
    pub alignment_to_final: Option<f64>,
}

/// Collects [`IterationStructure`]s along a run.
#[derive(Clone, Debug)]
pub struct StructureTracker {
    n: usize,
    top_k: usize,
    order: Option<Vec<usize>>,
    records: Vec<IterationStructure>,
    matrices: Vec<Array2<f64>>,
}

impl StructureTracker {
    /// A tracker for feature matrices of `task`; `top_k` frequencies per block in the energy
    /// fraction (default n).
    pub fn new(task: &Task, top_k: Option<usize>) -> Result<Self> {
        let n = task.n_symbols();
        let top_k = top_k.unwrap_or(n);
        if top_k == 0 || top_k > n * n {
            return Err(Error::param(
                "analysis.fourier_top_k",
                top_k,
                format!("1..={} (n² for blocks of size n = {n})", n * n),
            ));
        }
        Ok(StructureTracker {
            n,
            top_k,
            order: dlog_order(task)?.map(|(order, _)| order),
            records: Vec::new(),
            matrices: Vec::new(),
        })
    }

    /// The number of frequencies in the energy fraction.
    pub fn top_k(&self) -> usize {
        self.top_k
    }

    /// Measures M_t. Matrices must arrive in increasing `t`; a repeated `t` is ignored (so that
    /// the final matrix may be offered even if the observer already saw it).
    pub fn record(&mut self, t: usize, m: ArrayView2<'_, f64>) -> Result<()> {
        if self.records.last().is_some_and(|r| r.t >= t) {
            return Ok(());
        }
        let n = check_feature_matrix(m)?;
        if n != self.n {
            return Err(Error::param(
                "feature matrix",
                format!("a {}×{} matrix", m.nrows(), m.ncols()),
                format!("{0}×{0} (2n for n = {1} symbols)", 2 * self.n, self.n),
            ));
        }
        let k = self.top_k;
        let reindexed = self
            .order
            .as_ref()
            .map(|o| reindex_symbols(m, o))
            .transpose()?;
        let (circulance_dlog, top_k_energy_dlog) = match &reindexed {
            Some(r) => (
                Some(PerBlock::try_of(r.view(), circulance)?),
                Some(PerBlock::try_of(r.view(), |b| top_k_energy_fraction(b, k))?),
            ),
            None => (None, None),
        };
        self.records.push(IterationStructure {
            t,
            circulance: PerBlock::try_of(m, circulance)?,
            circulance_dlog,
            top_k_energy: PerBlock::try_of(m, |b| top_k_energy_fraction(b, k))?,
            top_k_energy_dlog,
            effective_rank: effective_rank(m)?,
            alignment_to_final: None,
        });
        self.matrices.push(m.to_owned());
        Ok(())
    }

    /// The records, with the alignment of every M_t to the last recorded matrix filled in.
    pub fn finish(mut self) -> Vec<IterationStructure> {
        if let Some(last) = self.matrices.last() {
            for (r, m) in self.records.iter_mut().zip(&self.matrices) {
                r.alignment_to_final = alignment(m.view(), last.view()).ok();
            }
        }
        self.records
    }
}

/// The off-diagonal circulance used for "how circulant did M become": the mean of the two
/// off-diagonal blocks' `min(circulant, Hankel)` deviation, in discrete-log order when available
/// and `dlog` is asked for.
pub fn off_diagonal_deviation(s: &IterationStructure, dlog: bool) -> f64 {
    let c = match (&s.circulance_dlog, dlog) {
        (Some(c), true) => c,
        _ => &s.circulance,
    };
    (c.m12.min + c.m21.min) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{assert_json_round_trip, random_symmetric, rng};
    use crate::group::{Operation, TaskSpec};

    #[test]
    fn records_every_matrix_and_aligns_to_the_last() {
        let task = Task::new(TaskSpec::new(Operation::Div, 11)).unwrap();
        let mut tracker = StructureTracker::new(&task, None).unwrap();
        assert_eq!(tracker.top_k(), 10);
        let mut rng = rng(21);
        let ms: Vec<_> = (0..3).map(|_| random_symmetric(&mut rng, 20)).collect();
        for (t, m) in ms.iter().enumerate() {
            tracker.record(t, m.view()).unwrap();
        }
        tracker.record(2, ms[0].view()).unwrap(); // ignored: t already seen
        let records = tracker.finish();
        assert_eq!(records.iter().map(|r| r.t).collect::<Vec<_>>(), [0, 1, 2]);
        assert!((records[2].alignment_to_final.unwrap() - 1.0).abs() < 1e-15);
        let expected = alignment(ms[0].view(), ms[2].view()).unwrap();
        assert_eq!(records[0].alignment_to_final, Some(expected));
        assert!(records[0].circulance_dlog.is_some() && records[0].top_k_energy_dlog.is_some());
        let direct = circulance(ms[1].slice(ndarray::s![..10, 10..])).unwrap();
        assert_eq!(records[1].circulance.m12, direct);
        assert_json_round_trip(&records[1]);
    }

    #[test]
    fn identity_has_zero_off_diagonal_deviation() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let mut tracker = StructureTracker::new(&task, Some(3)).unwrap();
        tracker.record(0, Array2::<f64>::eye(14).view()).unwrap();
        let r = &tracker.finish()[0];
        assert!(r.circulance_dlog.is_none());
        // The off-diagonal blocks of I are zero: circulant and Hankel alike, so undefined.
        assert!(off_diagonal_deviation(r, true).is_nan());
        assert!(r.circulance.m12.min.is_nan());
        assert_eq!(r.circulance.m11.circulant, 0.0);
        let text = serde_json::to_string(&r.circulance.m12).unwrap();
        assert_eq!(text, r#"{"circulant":null,"hankel":null,"min":null}"#);
        let back: crate::analysis::Circulance = serde_json::from_str(&text).unwrap();
        assert!(back.min.is_nan());
        assert!(StructureTracker::new(&task, Some(50)).is_err());
        let mut t = StructureTracker::new(&task, None).unwrap();
        assert!(t.record(0, Array2::<f64>::eye(12).view()).is_err());
    }
}
