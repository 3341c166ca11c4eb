//! Seeded test data shared by the analysis tests.

use super::CoordinatePermutation;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded RNG.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A matrix with i.i.d. entries uniform in [−1, 1).
pub fn random_matrix(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

/// A random symmetric matrix `(X + Xᵀ)/2`.
pub fn random_symmetric(rng: &mut ChaCha8Rng, d: usize) -> Array2<f64> {
    let x = random_matrix(rng, d, d);
    (&x + &x.t()) / 2.0
}

/// The 2n elements of Dih(Z_n) acting on the 2n coordinates (SCIENCE.md §3): rotations first,
/// `r^k` at index k (σ(a) = a + k, σ(n + b) = n + (b − k)), then `s r^k` = s ∘ r^k at index n + k
/// with s(a) = n + a, s(n + b) = b.
pub fn dihedral_zn(n: usize) -> Vec<CoordinatePermutation> {
    let rotation = |k: usize| {
        let sigma = (0..n)
            .map(|a| (a + k) % n)
            .chain((0..n).map(|b| n + (b + n - k) % n))
            .collect();
        let name = if k == 0 {
            "id".to_string()
        } else {
            format!("r^{k}")
        };
        CoordinatePermutation::new(name, sigma)
    };
    let s = CoordinatePermutation::new("s", (n..2 * n).chain(0..n).collect());
    let rotations: Vec<_> = (0..n).map(rotation).collect();
    let reflections: Vec<_> = rotations
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut g = s.compose(r);
            g.name = if k == 0 {
                "s".to_string()
            } else {
                format!("s r^{k}")
            };
            g
        })
        .collect();
    rotations.into_iter().chain(reflections).collect()
}

/// Serializes `value` to JSON, reads it back as `T` and checks that nothing but the last bits of
/// floats changed (serde_json's default float parser may be off by one ulp).
pub fn assert_json_round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap();
    let again = serde_json::to_value(&back).unwrap();
    assert_close(&json, &again, "$");
}

fn assert_close(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
                "{path}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                assert_close(u, v, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: keys");
            for (k, u) in x {
                assert_close(u, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}
