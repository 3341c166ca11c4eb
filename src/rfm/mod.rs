//! The Recursive Feature Machine: parameters, the iteration loop, the AGOP and per-iteration metrics.
//!
//! ```text
//! M_0 = I (or a given matrix)
//! for t in 0..T:
//!     K = k_{M_t}(X_tr, X_tr);  α = (K + λI)⁻¹ Y
//!     metrics at t use M_t
//!     M_{t+1} = AGOP(f_t)^s          (eigendecomposition, negative eigenvalues clamped)
//! ```

pub mod agop;
pub mod checks;
pub mod circulant;
pub mod circulant_average;
pub mod init;
pub mod intervention;
pub mod memory;
pub mod metrics;
pub mod params;
pub mod projection;
pub mod train;

pub use circulant_average::CirculantGenerator;
pub use init::{InitKind, InitSpec};
pub use intervention::{Intervention, InterventionKind, Interventions, TrapDynamics};
pub use metrics::{IterationRecord, StageSeconds};
pub use params::{Precision, RfmParams};
pub use projection::PermutationGroup;
pub use train::{
    predict, train, train_from, Control, IterationState, LastSolve, SavedMatrix, TrainOutput,
};
