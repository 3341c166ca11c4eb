//! Elementary number theory on machine integers.

/// Whether `n` is prime (trial division; moduli here are small).
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n < 4 {
        return true;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3u64;
    while d.saturating_mul(d) <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// `base^exp mod m` (m ≥ 1).
pub fn mod_pow(base: u64, mut exp: u64, m: u64) -> u64 {
    let m128 = m as u128;
    let mut result: u128 = 1 % m128;
    let mut b = (base as u128) % m128;
    while exp > 0 {
        if exp & 1 == 1 {
            result = result * b % m128;
        }
        b = b * b % m128;
        exp >>= 1;
    }
    result as u64
}

/// The inverse of `a` modulo `m`, if `gcd(a, m) = 1`.
pub fn mod_inverse(a: u64, m: u64) -> Option<u64> {
    let (mut old_r, mut r) = (a as i128 % m as i128, m as i128);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    if old_r != 1 {
        return None;
    }
    Some(old_s.rem_euclid(m as i128) as u64)
}

/// Distinct prime factors of `n`, ascending.
pub fn prime_factors(mut n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut d = 2u64;
    while d.saturating_mul(d) <= n {
        if n.is_multiple_of(d) {
            out.push(d);
            while n.is_multiple_of(d) {
                n /= d;
            }
        }
        d += 1;
    }
    if n > 1 {
        out.push(n);
    }
    out
}

/// The smallest primitive root modulo the prime `p`, or `None` if `p` is not prime.
pub fn primitive_root(p: u64) -> Option<u64> {
    if !is_prime(p) {
        return None;
    }
    if p == 2 {
        return Some(1);
    }
    let phi = p - 1;
    let factors = prime_factors(phi);
    (2..p).find(|&g| factors.iter().all(|&q| mod_pow(g, phi / q, p) != 1))
}

/// Discrete logarithm table for the prime `p` with generator `g`: `table[x] = k` with `g^k = x` for
/// `x` in `1..p`; `table[0]` is unused and set to `u64::MAX`.
pub fn discrete_log_table(p: u64, g: u64) -> Vec<u64> {
    let mut table = vec![u64::MAX; p as usize];
    let mut x = 1u64;
    for k in 0..p.saturating_sub(1) {
        table[x as usize] = k;
        x = x * g % p;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_match_sieve() {
        let n = 500usize;
        let mut sieve = vec![true; n];
        sieve[0] = false;
        sieve[1] = false;
        for i in 2..n {
            if sieve[i] {
                let mut j = i * i;
                while j < n {
                    sieve[j] = false;
                    j += i;
                }
            }
        }
        for (i, &s) in sieve.iter().enumerate() {
            assert_eq!(is_prime(i as u64), s, "{i}");
        }
    }

    #[test]
    fn primitive_roots_generate_the_whole_group() {
        for p in [2u64, 3, 5, 7, 11, 13, 29, 31, 61, 97, 127] {
            let g = primitive_root(p).unwrap();
            let mut seen = std::collections::HashSet::new();
            let mut x = 1;
            for _ in 0..p - 1 {
                seen.insert(x);
                x = x * g % p;
            }
            assert_eq!(seen.len() as u64, p - 1, "p={p} g={g}");
            // smallest: every smaller candidate has order below p - 1
            for h in 2..g {
                let order = (1..p).find(|&k| mod_pow(h, k, p) == 1).unwrap();
                assert!(order < p - 1, "p={p}: {h} would be a smaller root");
            }
        }
        assert_eq!(primitive_root(61), Some(2));
        assert_eq!(primitive_root(7), Some(3));
        assert_eq!(primitive_root(15), None);
    }

    #[test]
    fn inverses_and_logs_round_trip() {
        for p in [5u64, 31, 61] {
            for a in 1..p {
                let inv = mod_inverse(a, p).unwrap();
                assert_eq!(a * inv % p, 1);
            }
            let g = primitive_root(p).unwrap();
            let table = discrete_log_table(p, g);
            for x in 1..p {
                assert_eq!(mod_pow(g, table[x as usize], p), x);
            }
        }
        assert_eq!(mod_inverse(4, 8), None);
    }
}
