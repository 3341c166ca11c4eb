//! Datasets and splits.
//!
//! The dataset of a [`Task`] is all n² pairs `(a, b)`, indexed by `a * n + b`, with
//! input `x = e_a ‖ e_b ∈ R^{2n}` and target `e_{a∘b}`. Inputs are never stored densely: a pair is two
//! token indices, `a` and `n + b`, into the 2n coordinates.

pub mod shuffle;
pub mod split;

pub use split::{Split, SplitEdit, SplitSpec};

use crate::group::Task;

/// Token indices of the pairs `indices` (pair index `a * n + b`): `(a, n + b)` per pair.
pub fn tokens(task: &Task, indices: &[usize]) -> (Vec<u32>, Vec<u32>) {
    pair_tokens(task.n_symbols(), indices)
}

/// [`tokens`] for a task of `n` symbols given by its size alone.
pub fn pair_tokens(n: usize, indices: &[usize]) -> (Vec<u32>, Vec<u32>) {
    indices
        .iter()
        .map(|&k| ((k / n) as u32, (n + k % n) as u32))
        .unzip()
}

/// Labels of the pairs `indices`.
pub fn labels(task: &Task, indices: &[usize]) -> Vec<u32> {
    indices.iter().map(|&k| task.labels()[k]).collect()
}
