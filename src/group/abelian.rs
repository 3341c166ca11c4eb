//! Finite abelian groups given by their Cayley table.
//!
//! Elements are indices `0..order`. Each group also keeps a readable name per element (the residue for
//! Z_n and Z_p^*, a tuple for products) so that outputs can speak the user's language.

use super::numtheory::{mod_inverse, primitive_root};

/// A finite abelian group as a Cayley table, with inverses and identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbelianGroup {
    name: String,
    order: usize,
    table: Vec<u32>,
    inverse: Vec<u32>,
    identity: usize,
    element_names: Vec<String>,
    /// Orders of the cyclic factors as given (one entry for a cyclic group).
    factors: Vec<usize>,
    /// For Z_p^*: the generator used for discrete logs and `dlog[i]` of element `i`.
    generator: Option<(usize, Vec<usize>)>,
}

impl AbelianGroup {
    /// The cyclic group Z_n under addition: element `i` is the residue `i`.
    pub fn cyclic(n: usize) -> Self {
        Self::product(&[n])
    }

    /// The product C_{n1} × … × C_{nk} under componentwise addition. Element indices are mixed-radix
    /// with the last component least significant; names are tuples like `(1,4)`.
    pub fn product(factors: &[usize]) -> Self {
        assert!(
            !factors.is_empty() && factors.iter().all(|&f| f >= 1),
            "factors must be non-empty and positive"
        );
        let order: usize = factors.iter().product();
        let digits = |mut x: usize| -> Vec<usize> {
            let mut d = vec![0; factors.len()];
            for (k, &f) in factors.iter().enumerate().rev() {
                d[k] = x % f;
                x /= f;
            }
            d
        };
        let compose =
            |d: &[usize]| -> usize { d.iter().zip(factors).fold(0, |acc, (&x, &f)| acc * f + x) };
        let all: Vec<Vec<usize>> = (0..order).map(digits).collect();
        let mut table = vec![0u32; order * order];
        for a in 0..order {
            for b in 0..order {
                let s: Vec<usize> = all[a]
                    .iter()
                    .zip(&all[b])
                    .zip(factors)
                    .map(|((x, y), f)| (x + y) % f)
                    .collect();
                table[a * order + b] = compose(&s) as u32;
            }
        }
        let inverse = (0..order)
            .map(|a| {
                let s: Vec<usize> = all[a]
                    .iter()
                    .zip(factors)
                    .map(|(x, f)| (f - x) % f)
                    .collect();
                compose(&s) as u32
            })
            .collect();
        let element_names = if factors.len() == 1 {
            (0..order).map(|a| a.to_string()).collect()
        } else {
            all.iter()
                .map(|d| {
                    format!(
                        "({})",
                        d.iter()
                            .map(|x| x.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
                .collect()
        };
        let name = if factors.len() == 1 {
            format!("Z_{}", factors[0])
        } else {
            factors
                .iter()
                .map(|f| format!("Z_{f}"))
                .collect::<Vec<_>>()
                .join(" x ")
        };
        let generator = None;
        AbelianGroup {
            name,
            order,
            table,
            inverse,
            identity: 0,
            element_names,
            factors: factors.to_vec(),
            generator,
        }
    }

    /// The multiplicative group Z_p^* of a prime `p`: element index `i` is the residue `i + 1`.
    /// Returns `None` if `p` is not prime.
    pub fn multiplicative(p: u64) -> Option<Self> {
        let g = primitive_root(p)?;
        let order = (p - 1) as usize;
        let mut table = vec![0u32; order * order];
        for a in 0..order {
            for b in 0..order {
                let v = (a as u64 + 1) * (b as u64 + 1) % p;
                table[a * order + b] = (v - 1) as u32;
            }
        }
        let inverse = (0..order)
            .map(|a| (mod_inverse(a as u64 + 1, p).unwrap_or(1) - 1) as u32)
            .collect();
        let element_names = (1..p).map(|v| v.to_string()).collect();
        let log = super::numtheory::discrete_log_table(p, g);
        let dlog = (1..p).map(|v| log[v as usize] as usize).collect();
        Some(AbelianGroup {
            name: format!("Z_{p}^*"),
            order,
            table,
            inverse,
            identity: 0,
            element_names,
            factors: vec![order],
            generator: Some(((g - 1) as usize, dlog)),
        })
    }

    /// Number of elements.
    pub fn order(&self) -> usize {
        self.order
    }
    /// A readable name of the group, e.g. `Z_61` or `Z_61^*`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The group operation on element indices.
    #[inline]
    pub fn op(&self, a: usize, b: usize) -> usize {
        self.table[a * self.order + b] as usize
    }
    /// The inverse of an element.
    #[inline]
    pub fn inverse(&self, a: usize) -> usize {
        self.inverse[a] as usize
    }
    /// The identity element's index.
    pub fn identity(&self) -> usize {
        self.identity
    }
    /// A readable name for an element (`"5"`, `"(1,4)"`).
    pub fn element_name(&self, a: usize) -> &str {
        &self.element_names[a]
    }
    /// Orders of the cyclic factors the group was built from.
    pub fn factors(&self) -> &[usize] {
        &self.factors
    }
    /// For Z_p^*: the element index of the generator (smallest primitive root) and the discrete log of
    /// every element index. `None` for additive groups, whose elements are already in cyclic order.
    pub fn discrete_log(&self) -> Option<(usize, &[usize])> {
        self.generator.as_ref().map(|(g, d)| (*g, d.as_slice()))
    }

    /// Checks the group laws on the whole table: closure (by construction), identity, inverses,
    /// associativity and commutativity. Returns a description of the first violation.
    pub fn check_laws(&self) -> Result<(), String> {
        let n = self.order;
        let e = self.identity;
        for a in 0..n {
            if self.op(a, e) != a || self.op(e, a) != a {
                return Err(format!("identity fails at {a}"));
            }
            if self.op(a, self.inverse(a)) != e {
                return Err(format!("inverse fails at {a}"));
            }
            for b in 0..n {
                if self.op(a, b) >= n {
                    return Err(format!("not closed at ({a},{b})"));
                }
                if self.op(a, b) != self.op(b, a) {
                    return Err(format!("not commutative at ({a},{b})"));
                }
                for c in 0..n {
                    if self.op(self.op(a, b), c) != self.op(a, self.op(b, c)) {
                        return Err(format!("not associative at ({a},{b},{c})"));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_laws_hold() {
        for g in [
            AbelianGroup::cyclic(1),
            AbelianGroup::cyclic(12),
            AbelianGroup::cyclic(13),
            AbelianGroup::product(&[2, 3]),
            AbelianGroup::product(&[5, 7]),
            AbelianGroup::product(&[2, 2, 4]),
            AbelianGroup::multiplicative(13).unwrap(),
            AbelianGroup::multiplicative(31).unwrap(),
        ] {
            g.check_laws()
                .unwrap_or_else(|e| panic!("{}: {e}", g.name()));
        }
    }

    #[test]
    fn tables_agree_with_arithmetic() {
        let z = AbelianGroup::cyclic(61);
        for a in 0..61 {
            for b in 0..61 {
                assert_eq!(z.op(a, b), (a + b) % 61);
            }
            assert_eq!(z.inverse(a), (61 - a) % 61);
        }
        let m = AbelianGroup::multiplicative(61).unwrap();
        for a in 1..61usize {
            for b in 1..61usize {
                assert_eq!(m.op(a - 1, b - 1) + 1, a * b % 61);
            }
        }
        let (g, dlog) = m.discrete_log().unwrap();
        assert_eq!(m.element_name(g), "2");
        assert_eq!(dlog[m.identity()], 0);
        let p = AbelianGroup::product(&[5, 7]);
        // (1,4) + (4,5) = (0,2): index 1*7+4 = 11, 4*7+5 = 33, 0*7+2 = 2
        assert_eq!(p.op(11, 33), 2);
        assert_eq!(p.element_name(11), "(1,4)");
    }

    #[test]
    fn non_primes_have_no_multiplicative_group() {
        assert!(AbelianGroup::multiplicative(15).is_none());
        assert!(AbelianGroup::multiplicative(1).is_none());
    }
}
