//! Finite groups and binary operations: the algebraic tasks RFM learns.
//!
//! - [`numtheory`]: primality, modular powers and inverses, primitive roots, discrete logarithms.
//! - [`abelian`]: a finite abelian group given by its Cayley table (cyclic, products, Z_p^*).
//! - [`task`]: a binary operation on a finite alphabet with its label table ([`Task`]).

pub mod abelian;
pub mod numtheory;
pub mod task;

pub use abelian::AbelianGroup;
pub use task::{Operation, Task, TaskSpec, ZeroConvention};
