//! The seeded shuffle behind every random split: our own, documented algorithm, so that a split
//! is a function of its seed alone and not of a library version.
//!
//! Every random choice of a split (the random split's order, the order of orbits in an orbit
//! split, the pairs or orbits moved to break a symmetry) is [`shuffle`] of a list with a `u64`
//! seed. `rand`'s `SliceRandom::shuffle` is not promised stable across releases; this module
//! reproduces, bit for bit, what `rand` 0.9 produced for the same seed, so that every split
//! committed under `results/` stays what it was. The algorithm, in full:
//!
//! 1. **Seed expansion.** The 32-byte ChaCha key is eight little-endian `u32` words drawn from a
//!    PCG32 generator: `state ← state · 6364136223846793005 + 11634580027462260723` (wrapping),
//!    then output `((state >> 18) ^ state) >> 27` (as `u32`) rotated right by `state >> 59`,
//!    starting from `state = seed`.
//! 2. **Bit source.** ChaCha with 8 rounds (`rand_chacha::ChaCha8Rng::from_seed`, stream 0,
//!    counter 0), read as consecutive `u32` words.
//! 3. **Bounded integers** ([`Words::below`]): a uniform integer in `[0, range)` is the high
//!    word of the 64-bit product `x · range` of one word `x` (Lemire's multiply-shift), with one
//!    correction: if the low word `lo` of that product exceeds `2³² − range`, a second word `y`
//!    is drawn and the result is incremented when `lo + hi(y · range)` overflows 32 bits (Canon's
//!    method, bias below 2⁻³²·range).
//! 4. **Shuffle** (Durstenfeld's Fisher–Yates, forward): for `i = 0, 1, …, len − 1`, swap item `i`
//!    with item `j`, `j` uniform in `[0, i]`. The draws are batched: for the next `k` values of
//!    `i` (`i + 1 = m, m + 1, …, m + k − 1`, `k` as large as keeps the product
//!    `B = m (m + 1) ⋯ (m + k − 1)` below 2³²) one bounded integer `c` in `[0, B)` is drawn, and
//!    the successive `j` are its mixed-radix digits: `j = c mod (i + 1)`, `c ← c div (i + 1)`,
//!    the last one of the batch being `c` itself. `i = 0` draws nothing (`j = 0`); a list of at
//!    most one item is left as it is and draws nothing.
//!
//! Lists of 2³² − 1 items or more are refused (a panic: no split comes near that size).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The stream of `u32` words of a seed (steps 1 and 2 of the module documentation).
pub struct Words {
    chacha: ChaCha8Rng,
}

impl Words {
    /// The words of `seed`: ChaCha8 keyed by the PCG32 expansion of `seed`.
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(4) {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(11634580027462260723);
            let xorshifted = (((state >> 18) ^ state) >> 27) as u32;
            let rot = (state >> 59) as u32;
            chunk.copy_from_slice(&xorshifted.rotate_right(rot).to_le_bytes());
        }
        Self {
            chacha: ChaCha8Rng::from_seed(key),
        }
    }

    /// The next word.
    pub fn next_word(&mut self) -> u32 {
        self.chacha.next_u32()
    }

    /// A uniform integer in `[0, range)` (step 3); `range` ≥ 1.
    pub fn below(&mut self, range: u32) -> u32 {
        assert!(range >= 1, "an empty range");
        let (hi, lo) = wide_mul(self.next_word(), range);
        if lo > range.wrapping_neg() {
            let (next_hi, _) = wide_mul(self.next_word(), range);
            if lo.checked_add(next_hi).is_none() {
                return hi + 1;
            }
        }
        hi
    }
}

/// The high and low words of the 64-bit product `a · b`.
fn wide_mul(a: u32, b: u32) -> (u32, u32) {
    let product = u64::from(a) * u64::from(b);
    ((product >> 32) as u32, product as u32)
}

/// The largest `k` with `m (m + 1) ⋯ (m + k − 1) < 2³²` (at least 1), and that product; `m` ≥ 2.
fn batch(m: u32) -> (u32, u32) {
    let mut product = m;
    let mut next = m + 1;
    while let Some(p) = product.checked_mul(next) {
        product = p;
        next += 1;
    }
    (product, next - m)
}

/// Shuffles `items` in place with the words of `seed` (step 4 of the module documentation).
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    shuffle_with(items, &mut Words::new(seed));
}

/// [`shuffle`] drawing from an existing stream of words.
pub fn shuffle_with<T>(items: &mut [T], words: &mut Words) {
    let len = items.len();
    if len <= 1 {
        return;
    }
    assert!(
        len < u32::MAX as usize,
        "cannot shuffle {len} items (at most 2^32 - 2)"
    );
    // Item 0 swaps with itself and draws nothing.
    let (mut chunk, mut left) = (0u32, 0u32);
    for i in 1..len {
        let radix = i as u32 + 1;
        let j = if left == 0 {
            let (bound, k) = batch(radix);
            chunk = words.below(bound);
            left = k - 1;
            if left == 0 {
                chunk
            } else {
                let j = chunk % radix;
                chunk /= radix;
                j
            }
        } else {
            left -= 1;
            if left == 0 {
                chunk
            } else {
                let j = chunk % radix;
                chunk /= radix;
                j
            }
        };
        items.swap(i, j as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;

    /// What `rand` 0.9's `SliceRandom::shuffle` on `ChaCha8Rng::seed_from_u64` gave. The pinned
    /// orders of `tests/all/pinned.rs` do not depend on `rand` at all; this test says where a
    /// future `rand` diverges (and is deleted with the `rand` dependency).
    #[test]
    fn equals_rand_0_9_shuffle_for_many_lengths_and_seeds() {
        for len in (0..300).chain([1000, 1860, 3721, 9409, 20000]) {
            for seed in [0u64, 1, 2, 7, 42, 12345, u64::MAX] {
                let mut ours: Vec<usize> = (0..len).collect();
                let mut theirs = ours.clone();
                shuffle(&mut ours, seed);
                theirs.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
                assert_eq!(ours, theirs, "len {len}, seed {seed}");
            }
        }
    }

    #[test]
    fn bounded_integers_equal_rand_0_9_random_range() {
        use rand::Rng;
        for seed in [0u64, 3, 99] {
            let mut words = Words::new(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for range in [1u32, 2, 3, 7, 1000, 1 << 31, u32::MAX - 5, u32::MAX] {
                for _ in 0..200 {
                    assert_eq!(
                        words.below(range),
                        rng.random_range(..range),
                        "range {range}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_seed_expansion_is_rand_cores() {
        for seed in [0u64, 1, u64::MAX] {
            let mut words = Words::new(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..100 {
                assert_eq!(words.next_word(), rng.next_u32());
            }
        }
    }

    #[test]
    fn shuffles_are_permutations_and_roughly_uniform() {
        // Each of the 6 orders of 3 items, over 6000 seeds: within 5 standard deviations of 1000.
        let mut counts = std::collections::BTreeMap::new();
        for seed in 0..6000 {
            let mut v = [0, 1, 2];
            shuffle(&mut v, seed);
            *counts.entry(v).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 6);
        for (order, c) in counts {
            assert!(
                (c as f64 - 1000.0).abs() < 5.0 * 1000f64.sqrt(),
                "{order:?}: {c}"
            );
        }
        let mut v: Vec<usize> = (0..1000).collect();
        shuffle(&mut v, 5);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
