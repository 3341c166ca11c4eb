//! # symrfm
//!
//! Recursive Feature Machines (RFM) on algebraic tasks, built to study how the symmetry of the
//! training split decides whether the learned kernel generalizes.
//!
//! The tree mirrors the concepts: [`group`] (finite groups and tasks), [`data`] (dataset and splits),
//! [`kernel`] (kernel kinds and their gradients), [`solve`] (kernel ridge regression), [`rfm`]
//! (the iteration loop and the AGOP), [`naive`] (slow dense reference implementations used by tests),
//! [`report`] (the versioned JSON output) and [`linalg`] (the bridge between ndarray and faer).

pub mod analysis;
pub mod data;
pub mod error;
pub mod group;

pub use error::{Error, Result};
