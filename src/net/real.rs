//! The floating-point types a network trains in: `f64` (the default, the PyTorch-parity path)
//! and `f32` (`net.precision = "f32"`). Training code is generic over [`NetReal`] and
//! monomorphized per type, so the `f64` path is the same machine code as before the type
//! parameter existed. Weights are created in `f64` (the seeded inits) and rounded to `f32` once;
//! they are widened back to `f64` exactly wherever they leave the training loop (evaluation,
//! feature matrices, the observer, the run file and the resume record), so everything downstream
//! keeps its `f64` API.

use super::Network;
use crate::linalg::Real;
use std::borrow::Cow;
use std::cell::RefCell;

/// A float type networks train in (`f64` or `f32`).
pub trait NetReal:
    Real
    + num_traits::Float
    + std::fmt::Debug
    + std::fmt::Display
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + serde::Serialize
    + serde::de::DeserializeOwned
{
    /// The network with its weights widened to `f64` (exact): borrowed for `f64`, a copy for
    /// `f32`.
    fn widened(net: &Network<Self>) -> Cow<'_, Network<f64>>;

    /// Runs `f` on this thread's free list of buffers of this type (None while the thread's
    /// storage is being torn down): the transformer's buffer pool, one per type.
    #[doc(hidden)]
    fn with_free_list<R>(f: impl FnOnce(&RefCell<Vec<Vec<Self>>>) -> R) -> Option<R>;
}

thread_local! {
    static FREE_F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
    static FREE_F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

impl NetReal for f64 {
    #[inline]
    fn widened(net: &Network<f64>) -> Cow<'_, Network<f64>> {
        Cow::Borrowed(net)
    }

    #[inline]
    fn with_free_list<R>(f: impl FnOnce(&RefCell<Vec<Vec<f64>>>) -> R) -> Option<R> {
        FREE_F64.try_with(f).ok()
    }
}

impl NetReal for f32 {
    fn widened(net: &Network<f32>) -> Cow<'_, Network<f64>> {
        Cow::Owned(net.cast())
    }

    #[inline]
    fn with_free_list<R>(f: impl FnOnce(&RefCell<Vec<Vec<f32>>>) -> R) -> Option<R> {
        FREE_F32.try_with(f).ok()
    }
}

/// `x` as `T` (a literal or an `f64` parameter rounded to the training type; the identity for
/// `f64`).
#[inline(always)]
pub fn lit<T: NetReal>(x: f64) -> T {
    <T as Real>::cast(x)
}
