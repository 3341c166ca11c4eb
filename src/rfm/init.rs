//! Initial feature matrices M_0: the identity (default), a given matrix, a random block-circulant
//! matrix (arXiv 2407.20199, see [`circulant`](super::circulant)), each optionally perturbed by a
//! seeded symmetric Gaussian matrix.
//!
//! The perturbation is `M_0 + ε·E` with `E` symmetric, its entries on and above the diagonal
//! i.i.d. standard normal (ChaCha8 from `init.seed`, Box–Muller), scaled so that
//! `‖E‖_F = ‖M_0‖_F`: ε is the relative size of the perturbation.

use super::circulant::random_block_circulant;
use crate::error::{Error, Result};
use crate::group::Task;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The base of M_0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitKind {
    /// The identity, or the matrix given by the caller (a file on the command line).
    #[default]
    Given,
    /// A random block-circulant matrix from `init.seed` (cyclic groups only).
    RandomCirculant,
}

/// How M_0 is built, recorded in the run JSON (`init`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InitSpec {
    /// The base matrix.
    #[serde(default)]
    pub kind: InitKind,
    /// Seed of the random choices (the circulant column and the perturbation use separate ChaCha8
    /// streams of this seed).
    #[serde(default)]
    pub seed: u64,
    /// Relative size ε ≥ 0 of the symmetric Gaussian perturbation (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perturb: Option<f64>,
}

impl InitSpec {
    /// Whether this is the default (M_0 as given, no perturbation): nothing to build or record.
    pub fn is_default(&self) -> bool {
        self.kind == InitKind::Given && self.perturb.is_none()
    }

    /// Checks the spec (`init.perturb` finite and ≥ 0).
    pub fn validate(&self) -> Result<()> {
        if let Some(eps) = self.perturb {
            if !(eps.is_finite() && eps >= 0.0) {
                return Err(Error::param("init.perturb", eps, "a finite number ≥ 0"));
            }
        }
        Ok(())
    }

    /// Builds M_0 for `task` from `given` (the identity when `None`). Returns `given` unchanged
    /// for the default spec. A random-circulant base replaces `given`; it is an error to ask for
    /// both (`init.kind`).
    pub fn build(&self, task: &Task, given: Option<Array2<f64>>) -> Result<Option<Array2<f64>>> {
        self.validate()?;
        if self.is_default() {
            return Ok(given);
        }
        let base = match self.kind {
            InitKind::Given => given.unwrap_or_else(|| Array2::eye(task.input_dim())),
            InitKind::RandomCirculant => {
                if given.is_some() {
                    return Err(Error::param(
                        "init.kind",
                        "random-circulant with a given matrix",
                        "either a given M_0 or a random block-circulant one, not both",
                    ));
                }
                random_block_circulant(task, self.seed, "init.kind")?
            }
        };
        Ok(Some(match self.perturb {
            Some(eps) => perturb(&base, eps, self.seed),
            None => base,
        }))
    }
}

/// A standard normal draw (Box–Muller; `1 − u` keeps the logarithm finite).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `m + ε·E` with `E` symmetric Gaussian (stream 1 of ChaCha8 seeded by `seed`) scaled to
/// `‖E‖_F = ‖m‖_F`. `ε = 0` returns `m` exactly.
pub fn perturb(m: &Array2<f64>, epsilon: f64, seed: u64) -> Array2<f64> {
    let d = m.nrows();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    let mut e = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        for j in i..d {
            let v = standard_normal(&mut rng);
            e[[i, j]] = v;
            e[[j, i]] = v;
        }
    }
    let norm_m = m.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norm_e = e.iter().map(|v| v * v).sum::<f64>().sqrt();
    let k = if norm_e > 0.0 {
        epsilon * norm_m / norm_e
    } else {
        0.0
    };
    let mut out = m.clone();
    out.zip_mut_with(&e, |a, &b| *a += k * b);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};

    fn frob(a: &Array2<f64>) -> f64 {
        a.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    #[test]
    fn perturbation_has_the_asked_relative_size_and_is_seeded() {
        let m = Array2::<f64>::eye(20) * 3.0;
        for eps in [1e-12, 1e-4, 0.5] {
            let p = perturb(&m, eps, 4);
            let rel = frob(&(&p - &m)) / frob(&m);
            // subtracting m back loses ~1e-16 absolute per entry
            assert!((rel - eps).abs() <= 1e-9 * eps + 1e-15, "{rel} vs {eps}");
            assert_eq!(p, p.t());
            assert_eq!(p, perturb(&m, eps, 4));
            assert_ne!(p, perturb(&m, eps, 5));
        }
        assert_eq!(perturb(&m, 0.0, 1), m);
    }

    #[test]
    fn gaussian_draws_have_unit_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let xs: Vec<f64> = (0..20000).map(|_| standard_normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn build_dispatches_and_names_its_parameters() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        assert_eq!(InitSpec::default().build(&task, None).unwrap(), None);
        let rc = InitSpec {
            kind: InitKind::RandomCirculant,
            seed: 3,
            perturb: None,
        };
        let m = rc.build(&task, None).unwrap().unwrap();
        assert_eq!(m.dim(), (14, 14));
        let e = rc.build(&task, Some(Array2::eye(14))).unwrap_err();
        assert!(e.to_string().contains("init.kind"), "{e}");
        let bad = InitSpec {
            perturb: Some(-1.0),
            ..InitSpec::default()
        };
        assert!(bad
            .build(&task, None)
            .unwrap_err()
            .to_string()
            .contains("init.perturb"));
        let pert = InitSpec {
            perturb: Some(1e-3),
            ..InitSpec::default()
        };
        let p = pert.build(&task, None).unwrap().unwrap();
        let eye = Array2::<f64>::eye(14);
        assert!((frob(&(&p - &eye)) / frob(&eye) - 1e-3).abs() < 1e-12);
        // polynomial tasks have no circulant layout
        let poly = Task::new(TaskSpec::new(Operation::SquareSum, 7)).unwrap();
        assert!(rc
            .build(&poly, None)
            .unwrap_err()
            .to_string()
            .contains("init.kind"));
    }
}
