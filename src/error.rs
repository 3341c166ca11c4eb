//! The crate's error type.
//!
//! Every fallible library function returns [`Result`]. Variants carry the offending value so that the
//! message can name the parameter, the value and what is allowed. [`Error::is_usage`] tells the CLI
//! which errors are the user's to fix (exit code 2) and which are runtime failures (exit code 1).

use std::path::PathBuf;

/// Errors produced by the symrfm library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid value for {name}: {value} (allowed: {allowed})")]
    InvalidParameter {
        /// The parameter's name as the user wrote it (e.g. `--ridge`).
        name: &'static str,
        /// The rejected value.
        value: String,
        /// What would have been accepted.
        allowed: String,
    },
    /// An input file could not be used.
    #[error("invalid input file {path}: {reason}")]
    InvalidInput {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// An output location cannot be written.
    #[error("cannot write output {path}: {reason}")]
    Unwritable {
        /// The output path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The configuration would need more memory than allowed.
    #[error("estimated peak memory {needed_mib} MiB exceeds the limit of {limit_mib} MiB; {hint}")]
    TooMuchMemory {
        /// Estimated need.
        needed_mib: u64,
        /// The limit in force.
        limit_mib: u64,
        /// What to reduce.
        hint: String,
    },
    /// A numerical failure during training.
    #[error("numerical failure at iteration {iteration}: {what}")]
    Numerical {
        /// The RFM iteration (0-based) in which it happened.
        iteration: usize,
        /// What went wrong.
        what: String,
    },
    /// The run was interrupted by a signal.
    #[error("interrupted")]
    Interrupted,
    /// An I/O failure.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the user can fix this error by changing the command line or its inputs (exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::InvalidParameter { .. }
                | Error::InvalidInput { .. }
                | Error::Unwritable { .. }
                | Error::TooMuchMemory { .. }
        )
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: &'static str, value: impl ToString, allowed: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

impl Error {
    /// The same error naming the parameter `name` instead, if it names a parameter at all.
    pub fn renamed(self, name: &'static str) -> Self {
        match self {
            Error::InvalidParameter { value, allowed, .. } => Error::InvalidParameter {
                name,
                value,
                allowed,
            },
            other => other,
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
