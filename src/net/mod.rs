//! Neural networks on the same tasks as RFM (issue 22).

pub mod transformer;
