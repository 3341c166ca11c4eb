//! Any finite group, given by its Cayley table.
//!
//! [`FiniteGroup`] stores the multiplication table of a group on the element indices `0..order`,
//! the inverse of each element, the identity and a readable, stable name per element. The
//! constructors cover the groups of the grokking literature:
//!
//! | constructor | group | element names |
//! |---|---|---|
//! | [`cyclic`](FiniteGroup::cyclic), [`product_of_cyclic`](FiniteGroup::product_of_cyclic) | Z_n, Z_{n1} × … | `5`, `(1,4)` (as [`AbelianGroup`]) |
//! | [`multiplicative`](FiniteGroup::multiplicative) | Z_p^* | the residue, `1..p−1` |
//! | [`symmetric`](FiniteGroup::symmetric), [`alternating`](FiniteGroup::alternating), [`from_permutations`](FiniteGroup::from_permutations) | S_k, A_k, ⟨gens⟩ | cycle notation on `1..k`, `()` for the identity |
//! | [`dihedral`](FiniteGroup::dihedral) | D_m, the symmetries of the m-gon, order 2m | `e`, `r`, `r^k`, `s`, `s r`, `s r^k` |
//! | [`quaternion`](FiniteGroup::quaternion) | Q_8 | `1`, `-1`, `i`, `-i`, `j`, `-j`, `k`, `-k` |
//! | [`direct_product`](FiniteGroup::direct_product) | G_1 × … × G_k | tuples of the factors' names, `((1 2),3)` |
//!
//! Permutations compose as functions: `(a·b)(x) = a(b(x))`, apply `b` first.

use super::abelian::AbelianGroup;
use std::collections::HashMap;

/// Largest group order a constructor builds (the task layer accepts at most this many symbols).
pub const MAX_ORDER: usize = 4096;

/// A finite group as a Cayley table with inverses, identity and element names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiniteGroup {
    name: String,
    order: usize,
    table: Vec<u32>,
    inverse: Vec<u32>,
    identity: usize,
    element_names: Vec<String>,
    abelian: bool,
}

/// A permutation of `0..k` as its image list: `p[x]` is the image of `x`.
pub type Permutation = Vec<usize>;

impl FiniteGroup {
    /// Builds a group from a Cayley table (`table[a * order + b] = a·b`) and element names.
    /// Checks closure, the identity, inverses and associativity; returns the first violation.
    pub fn from_table(
        name: impl Into<String>,
        table: Vec<u32>,
        element_names: Vec<String>,
    ) -> Result<Self, String> {
        let order = element_names.len();
        if order == 0 {
            return Err("a group has at least one element".into());
        }
        if table.len() != order * order {
            return Err(format!(
                "the table has {} entries, expected {order}² = {}",
                table.len(),
                order * order
            ));
        }
        if let Some(&v) = table.iter().find(|&&v| v as usize >= order) {
            return Err(format!("not closed: the table holds {v} ≥ {order}"));
        }
        let identity = (0..order)
            .find(|&e| (0..order).all(|a| table[e * order + a] as usize == a))
            .ok_or("no identity element")?;
        let mut inverse = vec![0u32; order];
        for (a, inv) in inverse.iter_mut().enumerate() {
            *inv = (0..order)
                .find(|&b| table[a * order + b] as usize == identity)
                .ok_or_else(|| format!("element {} has no inverse", element_names[a]))?
                as u32;
        }
        let abelian =
            (0..order).all(|a| (0..a).all(|b| table[a * order + b] == table[b * order + a]));
        let group = FiniteGroup {
            name: name.into(),
            order,
            table,
            inverse,
            identity,
            element_names,
            abelian,
        };
        group.check_laws()?;
        Ok(group)
    }

    /// Builds without checking (for constructors whose laws hold by construction; tests check them).
    fn from_table_unchecked(name: String, table: Vec<u32>, element_names: Vec<String>) -> Self {
        let order = element_names.len();
        let identity = (0..order)
            .find(|&e| (0..order).all(|a| table[e * order + a] as usize == a))
            .unwrap_or(0);
        let inverse = (0..order)
            .map(|a| {
                (0..order)
                    .find(|&b| table[a * order + b] as usize == identity)
                    .unwrap_or(0) as u32
            })
            .collect();
        let abelian =
            (0..order).all(|a| (0..a).all(|b| table[a * order + b] == table[b * order + a]));
        FiniteGroup {
            name,
            order,
            table,
            inverse,
            identity,
            element_names,
            abelian,
        }
    }

    /// The same group as an abelian group of the older API (same indices, names and table).
    pub fn from_abelian(group: &AbelianGroup) -> Self {
        let n = group.order();
        let mut table = vec![0u32; n * n];
        for a in 0..n {
            for b in 0..n {
                table[a * n + b] = group.op(a, b) as u32;
            }
        }
        FiniteGroup {
            name: group.name().to_string(),
            order: n,
            table,
            inverse: (0..n).map(|a| group.inverse(a) as u32).collect(),
            identity: group.identity(),
            element_names: (0..n).map(|a| group.element_name(a).to_string()).collect(),
            abelian: true,
        }
    }

    /// The cyclic group Z_n (`n ≥ 1`), elements `0..n` named by their residue.
    pub fn cyclic(n: usize) -> Self {
        Self::from_abelian(&AbelianGroup::cyclic(n))
    }

    /// Z_{n1} × … × Z_{nk} with the element indices and names of [`AbelianGroup::product`].
    pub fn product_of_cyclic(factors: &[usize]) -> Self {
        Self::from_abelian(&AbelianGroup::product(factors))
    }

    /// Z_p^* for a prime `p` (element `i` is the residue `i + 1`); `None` unless `p` is prime.
    pub fn multiplicative(p: u64) -> Option<Self> {
        AbelianGroup::multiplicative(p).map(|g| Self::from_abelian(&g))
    }

    /// The symmetric group S_k (`1 ≤ k ≤ 6`), permutations in lexicographic order of their image
    /// lists (the identity first), named in cycle notation.
    pub fn symmetric(k: usize) -> Self {
        assert!((1..=6).contains(&k), "S_k is built for 1 ≤ k ≤ 6");
        let perms = all_permutations(k);
        Self::from_permutation_list(format!("S_{k}"), perms)
    }

    /// The alternating group A_k (`1 ≤ k ≤ 7`): the even permutations, ordered and named as in
    /// [`symmetric`](Self::symmetric).
    pub fn alternating(k: usize) -> Self {
        assert!((1..=7).contains(&k), "A_k is built for 1 ≤ k ≤ 7");
        let perms = all_permutations(k)
            .into_iter()
            .filter(|p| is_even(p))
            .collect();
        Self::from_permutation_list(format!("A_{k}"), perms)
    }

    /// The dihedral group D_m of the symmetries of the regular m-gon (`m ≥ 1`), order 2m:
    /// `r^k` (k = 0..m−1) then `s r^k`, with `s r s = r⁻¹`. Element `f·m + k` is `s^f r^k`;
    /// names `e`, `r`, `r^k`, `s`, `s r`, `s r^k`.
    pub fn dihedral(m: usize) -> Self {
        assert!(m >= 1, "D_m needs m ≥ 1");
        let order = 2 * m;
        let mut table = vec![0u32; order * order];
        for x in 0..order {
            let (f1, k1) = (x / m, x % m);
            for y in 0..order {
                let (f2, k2) = (y / m, y % m);
                // s^f1 r^k1 s^f2 r^k2 = s^{f1+f2} r^{(−1)^{f2} k1 + k2}
                let k1 = if f2 == 1 { (m - k1) % m } else { k1 };
                let f = (f1 + f2) % 2;
                table[x * order + y] = (f * m + (k1 + k2) % m) as u32;
            }
        }
        let names = (0..order)
            .map(|x| {
                let (f, k) = (x / m, x % m);
                let r = match k {
                    0 => String::new(),
                    1 => "r".to_string(),
                    _ => format!("r^{k}"),
                };
                match (f, k) {
                    (0, 0) => "e".to_string(),
                    (0, _) => r,
                    (_, 0) => "s".to_string(),
                    _ => format!("s {r}"),
                }
            })
            .collect();
        Self::from_table_unchecked(format!("D_{m}"), table, names)
    }

    /// The quaternion group Q_8: `1, -1, i, -i, j, -j, k, -k` (element `2u + σ` is `(−1)^σ · u` for
    /// the unit `u` of `1, i, j, k`).
    pub fn quaternion() -> Self {
        // unit products: (sign, unit) of u·v for u, v ∈ {1, i, j, k}
        const PROD: [[(u8, u8); 4]; 4] = [
            [(0, 0), (0, 1), (0, 2), (0, 3)],
            [(0, 1), (1, 0), (0, 3), (1, 2)],
            [(0, 2), (1, 3), (1, 0), (0, 1)],
            [(0, 3), (0, 2), (1, 1), (1, 0)],
        ];
        let mut table = vec![0u32; 64];
        for x in 0..8 {
            for y in 0..8 {
                let (s, u) = PROD[x / 2][y / 2];
                let sign = (x % 2 + y % 2 + s as usize) % 2;
                table[x * 8 + y] = (2 * u as usize + sign) as u32;
            }
        }
        let names = ["1", "-1", "i", "-i", "j", "-j", "k", "-k"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        Self::from_table_unchecked("Q_8".to_string(), table, names)
    }

    /// The direct product G_1 × … × G_k, indices mixed-radix with the last factor least
    /// significant, names `(g1,…,gk)` (so a product of cyclic groups matches
    /// [`AbelianGroup::product`]). `None` if the order would exceed [`MAX_ORDER`].
    pub fn direct_product(factors: &[FiniteGroup]) -> Option<Self> {
        assert!(!factors.is_empty(), "a direct product needs a factor");
        if factors.len() == 1 {
            return Some(factors[0].clone());
        }
        let order = factors
            .iter()
            .try_fold(1usize, |acc, g| acc.checked_mul(g.order))
            .filter(|&o| o <= MAX_ORDER)?;
        let digits = |mut x: usize| -> Vec<usize> {
            let mut d = vec![0; factors.len()];
            for (k, g) in factors.iter().enumerate().rev() {
                d[k] = x % g.order;
                x /= g.order;
            }
            d
        };
        let all: Vec<Vec<usize>> = (0..order).map(digits).collect();
        let mut table = vec![0u32; order * order];
        for a in 0..order {
            for b in 0..order {
                let c = all[a]
                    .iter()
                    .zip(&all[b])
                    .zip(factors)
                    .fold(0usize, |acc, ((&x, &y), g)| acc * g.order + g.op(x, y));
                table[a * order + b] = c as u32;
            }
        }
        let names = all
            .iter()
            .map(|d| {
                let parts: Vec<&str> = d
                    .iter()
                    .zip(factors)
                    .map(|(&x, g)| g.element_name(x))
                    .collect();
                format!("({})", parts.join(","))
            })
            .collect();
        let name = factors
            .iter()
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join(" x ");
        Some(Self::from_table_unchecked(name, table, names))
    }

    /// The group generated by permutations of `0..degree` (image lists of equal length), ordered
    /// lexicographically (identity first) and named in cycle notation on `1..degree`. Errors when
    /// a generator is not a bijection of `0..degree`, the lengths differ, or the closure exceeds
    /// [`MAX_ORDER`] elements.
    pub fn from_permutations(
        name: impl Into<String>,
        generators: &[Permutation],
    ) -> Result<Self, String> {
        let degree = generators.first().map_or(0, Vec::len);
        for (i, g) in generators.iter().enumerate() {
            if g.len() != degree {
                return Err(format!(
                    "generator {} has degree {} but generator 1 has degree {degree}",
                    i + 1,
                    g.len()
                ));
            }
            if !is_bijection(g) {
                return Err(format!(
                    "generator {} is not a bijection of 1..{degree}",
                    i + 1
                ));
            }
        }
        let identity: Permutation = (0..degree).collect();
        let mut seen: HashMap<Permutation, ()> = HashMap::new();
        seen.insert(identity.clone(), ());
        let mut queue = vec![identity];
        let mut head = 0;
        while head < queue.len() {
            let p = queue[head].clone();
            head += 1;
            for g in generators {
                let q = compose(g, &p);
                if seen.insert(q.clone(), ()).is_none() {
                    if queue.len() >= MAX_ORDER {
                        return Err(format!(
                            "the generated group has more than {MAX_ORDER} elements"
                        ));
                    }
                    queue.push(q);
                }
            }
        }
        queue.sort();
        Ok(Self::from_permutation_list(name.into(), queue))
    }

    /// A group from a closed list of permutations sorted lexicographically (identity first).
    fn from_permutation_list(name: String, perms: Vec<Permutation>) -> Self {
        let order = perms.len();
        let index: HashMap<&Permutation, u32> = perms
            .iter()
            .enumerate()
            .map(|(i, p)| (p, i as u32))
            .collect();
        let mut table = vec![0u32; order * order];
        for (a, p) in perms.iter().enumerate() {
            for (b, q) in perms.iter().enumerate() {
                table[a * order + b] = index[&compose(p, q)];
            }
        }
        let names = perms.iter().map(|p| cycle_notation(p)).collect();
        Self::from_table_unchecked(name, table, names)
    }

    /// Number of elements.
    pub fn order(&self) -> usize {
        self.order
    }
    /// A readable name of the group: `S_4`, `D_12`, `Q_8`, `S_3 x Z_4`, `Z_7^*`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Replaces the group's name (e.g. with the text the user typed for a generated group).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// The product `a·b` of element indices.
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
    /// The readable name of an element.
    pub fn element_name(&self, a: usize) -> &str {
        &self.element_names[a]
    }
    /// The element with this exact name, if any.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.element_names.iter().position(|n| n == name)
    }
    /// Whether `a·b = b·a` for all elements.
    pub fn is_abelian(&self) -> bool {
        self.abelian
    }
    /// The order of element `a` (smallest k ≥ 1 with a^k = e).
    pub fn element_order(&self, a: usize) -> usize {
        let mut x = a;
        let mut k = 1;
        while x != self.identity {
            x = self.op(x, a);
            k += 1;
        }
        k
    }

    /// Checks the group laws on the whole table: closure, identity, inverses, associativity
    /// (O(n³)). Returns a description of the first violation.
    pub fn check_laws(&self) -> Result<(), String> {
        let n = self.order;
        let e = self.identity;
        for a in 0..n {
            if self.op(a, e) != a || self.op(e, a) != a {
                return Err(format!("identity fails at {}", self.element_names[a]));
            }
            if self.op(a, self.inverse(a)) != e || self.op(self.inverse(a), a) != e {
                return Err(format!("inverse fails at {}", self.element_names[a]));
            }
            for b in 0..n {
                if self.op(a, b) >= n {
                    return Err(format!("not closed at ({a},{b})"));
                }
                let ab = self.op(a, b);
                for c in 0..n {
                    if self.op(ab, c) != self.op(a, self.op(b, c)) {
                        return Err(format!("not associative at ({a},{b},{c})"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether every row and every column of the Cayley table is a permutation of the elements.
    pub fn is_latin_square(&self) -> bool {
        let n = self.order;
        let mut seen = vec![usize::MAX; n];
        for a in 0..n {
            for b in 0..n {
                let v = self.op(a, b);
                if seen[v] == a {
                    return false;
                }
                seen[v] = a;
            }
        }
        let mut seen = vec![usize::MAX; n];
        for b in 0..n {
            for a in 0..n {
                let v = self.op(a, b);
                if seen[v] == b {
                    return false;
                }
                seen[v] = b;
            }
        }
        true
    }
}

/// `p ∘ q`: apply `q` first.
pub fn compose(p: &[usize], q: &[usize]) -> Permutation {
    q.iter().map(|&x| p[x]).collect()
}

/// Whether `p` is a bijection of `0..p.len()`.
pub fn is_bijection(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    for &x in p {
        if x >= p.len() || seen[x] {
            return false;
        }
        seen[x] = true;
    }
    true
}

/// Cycle notation on the points `1..=k` (`()` for the identity), cycles by smallest point, each
/// starting at its smallest point: `(1 2 3)(4 5)`.
pub fn cycle_notation(p: &[usize]) -> String {
    let mut out = String::new();
    let mut done = vec![false; p.len()];
    for start in 0..p.len() {
        if done[start] || p[start] == start {
            continue;
        }
        let mut cycle = Vec::new();
        let mut x = start;
        while !done[x] {
            done[x] = true;
            cycle.push((x + 1).to_string());
            x = p[x];
        }
        out.push('(');
        out.push_str(&cycle.join(" "));
        out.push(')');
    }
    if out.is_empty() {
        "()".to_string()
    } else {
        out
    }
}

fn is_even(p: &[usize]) -> bool {
    let mut done = vec![false; p.len()];
    let mut transpositions = 0;
    for start in 0..p.len() {
        let mut x = start;
        let mut len = 0;
        while !done[x] {
            done[x] = true;
            x = p[x];
            len += 1;
        }
        if len > 0 {
            transpositions += len - 1;
        }
    }
    transpositions % 2 == 0
}

/// All permutations of `0..k` in lexicographic order.
fn all_permutations(k: usize) -> Vec<Permutation> {
    let mut out = Vec::new();
    let mut p: Permutation = (0..k).collect();
    loop {
        out.push(p.clone());
        // next permutation in lexicographic order
        let Some(i) = (1..k).rev().find(|&i| p[i - 1] < p[i]) else {
            return out;
        };
        let j = (i..k).rev().find(|&j| p[j] > p[i - 1]).unwrap_or(i);
        p.swap(i - 1, j);
        p[i..].reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn builtins() -> Vec<FiniteGroup> {
        let mut v = vec![
            FiniteGroup::cyclic(1),
            FiniteGroup::cyclic(12),
            FiniteGroup::product_of_cyclic(&[5, 7]),
            FiniteGroup::product_of_cyclic(&[2, 2, 4]),
            FiniteGroup::multiplicative(13).unwrap(),
            FiniteGroup::quaternion(),
        ];
        for k in 1..=5 {
            v.push(FiniteGroup::symmetric(k));
            v.push(FiniteGroup::alternating(k));
        }
        for m in 1..=12 {
            v.push(FiniteGroup::dihedral(m));
        }
        v.push(
            FiniteGroup::direct_product(&[FiniteGroup::symmetric(3), FiniteGroup::cyclic(4)])
                .unwrap(),
        );
        v.push(
            FiniteGroup::direct_product(&[FiniteGroup::quaternion(), FiniteGroup::dihedral(3)])
                .unwrap(),
        );
        v
    }

    #[test]
    fn builtins_satisfy_the_group_laws_and_are_latin_squares() {
        for g in builtins() {
            g.check_laws()
                .unwrap_or_else(|e| panic!("{}: {e}", g.name()));
            assert!(g.is_latin_square(), "{}", g.name());
            // names are unique
            let mut names: Vec<&str> = (0..g.order()).map(|a| g.element_name(a)).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), g.order(), "{}", g.name());
        }
    }

    #[test]
    fn orders_and_commutativity_are_the_known_ones() {
        let cases = [
            (FiniteGroup::symmetric(3), 6, false),
            (FiniteGroup::symmetric(4), 24, false),
            (FiniteGroup::symmetric(5), 120, false),
            (FiniteGroup::alternating(4), 12, false),
            (FiniteGroup::alternating(5), 60, false),
            (FiniteGroup::dihedral(4), 8, false),
            (FiniteGroup::dihedral(12), 24, false),
            (FiniteGroup::dihedral(2), 4, true),
            (FiniteGroup::quaternion(), 8, false),
            (FiniteGroup::cyclic(24), 24, true),
        ];
        for (g, order, abelian) in cases {
            assert_eq!(g.order(), order, "{}", g.name());
            assert_eq!(g.is_abelian(), abelian, "{}", g.name());
        }
        // element-order statistics distinguish D_4 from Q_8: D_4 has 5 involutions, Q_8 one.
        let involutions =
            |g: &FiniteGroup| (0..g.order()).filter(|&a| g.element_order(a) == 2).count();
        assert_eq!(involutions(&FiniteGroup::dihedral(4)), 5);
        assert_eq!(involutions(&FiniteGroup::quaternion()), 1);
        // A_5 has 24 elements of order 5, 20 of order 3, 15 of order 2
        let a5 = FiniteGroup::alternating(5);
        let count = |k| (0..60).filter(|&a| a5.element_order(a) == k).count();
        assert_eq!((count(5), count(3), count(2)), (24, 20, 15));
    }

    #[test]
    fn names_are_readable_and_stable() {
        let s3 = FiniteGroup::symmetric(3);
        let names: Vec<&str> = (0..6).map(|a| s3.element_name(a)).collect();
        assert_eq!(
            names,
            ["()", "(2 3)", "(1 2)", "(1 2 3)", "(1 3 2)", "(1 3)"]
        );
        // (1 2)·(2 3) applies (2 3) first: 1→1→2, 2→3→3, 3→2→1 : (1 2 3)
        let (a, b) = (s3.find("(1 2)").unwrap(), s3.find("(2 3)").unwrap());
        assert_eq!(s3.element_name(s3.op(a, b)), "(1 2 3)");
        let d4 = FiniteGroup::dihedral(4);
        let names: Vec<&str> = (0..8).map(|a| d4.element_name(a)).collect();
        assert_eq!(
            names,
            ["e", "r", "r^2", "r^3", "s", "s r", "s r^2", "s r^3"]
        );
        let (r, s) = (d4.find("r").unwrap(), d4.find("s").unwrap());
        // s r s = r⁻¹ = r^3
        assert_eq!(d4.element_name(d4.op(d4.op(s, r), s)), "r^3");
        let q = FiniteGroup::quaternion();
        let n = |x: &str| q.find(x).unwrap();
        assert_eq!(q.op(n("i"), n("j")), n("k"));
        assert_eq!(q.op(n("j"), n("i")), n("-k"));
        assert_eq!(q.op(n("i"), n("i")), n("-1"));
        assert_eq!(q.op(n("-j"), n("k")), n("-i"));
        // products of cyclic groups keep the AbelianGroup names and indices
        let p =
            FiniteGroup::direct_product(&[FiniteGroup::cyclic(5), FiniteGroup::cyclic(7)]).unwrap();
        assert_eq!(
            p,
            FiniteGroup::product_of_cyclic(&[5, 7]).with_name("Z_5 x Z_7")
        );
        assert_eq!(p.element_name(11), "(1,4)");
    }

    #[test]
    fn generated_groups_are_closed_and_have_the_right_order() {
        // (1 2 3), (1 2) generate S_3
        let g = FiniteGroup::from_permutations("g", &[vec![1, 2, 0], vec![1, 0, 2]]).unwrap();
        assert_eq!(g, FiniteGroup::symmetric(3).with_name("g"));
        // a 4-cycle and a reflection of the square generate D_4 (order 8)
        let d = FiniteGroup::from_permutations("d", &[vec![1, 2, 3, 0], vec![0, 3, 2, 1]]).unwrap();
        assert_eq!(d.order(), 8);
        d.check_laws().unwrap();
        // no generators: the trivial group
        assert_eq!(
            FiniteGroup::from_permutations("t", &[vec![0, 1]])
                .unwrap()
                .order(),
            1
        );
        assert!(FiniteGroup::from_permutations("x", &[vec![0, 0]])
            .unwrap_err()
            .contains("not a bijection"));
        assert!(
            FiniteGroup::from_permutations("x", &[vec![1, 0], vec![1, 2, 0]])
                .unwrap_err()
                .contains("degree")
        );
    }

    #[test]
    fn from_table_rejects_non_groups() {
        let names = |n: usize| (0..n).map(|a| a.to_string()).collect::<Vec<_>>();
        assert!(FiniteGroup::from_table("x", vec![0, 1, 1, 1], names(2)).is_err());
        assert!(FiniteGroup::from_table("x", vec![0, 1, 1], names(2)).is_err());
        assert!(FiniteGroup::from_table("x", vec![0, 1, 1, 2], names(2)).is_err());
        let z2 = FiniteGroup::from_table("Z2", vec![0, 1, 1, 0], names(2)).unwrap();
        assert_eq!(z2, FiniteGroup::cyclic(2).with_name("Z2"));
    }

    proptest! {
        #[test]
        fn generated_groups_satisfy_the_laws(
            degree in 1usize..6,
            seeds in prop::collection::vec(any::<u64>(), 1..3),
        ) {
            let gens: Vec<Permutation> = seeds.iter().map(|&s| {
                // a pseudo-random permutation from the seed (Fisher–Yates on a small LCG)
                let mut p: Permutation = (0..degree).collect();
                let mut x = s;
                for i in (1..degree).rev() {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    p.swap(i, (x >> 33) as usize % (i + 1));
                }
                p
            }).collect();
            let g = FiniteGroup::from_permutations("g", &gens).unwrap();
            prop_assert!(g.check_laws().is_ok());
            prop_assert!(g.is_latin_square());
            // Lagrange: the order divides degree!
            let fact: usize = (1..=degree).product();
            prop_assert_eq!(fact % g.order(), 0);
            // every generator is an element
            for p in &gens {
                prop_assert!(g.find(&cycle_notation(p)).is_some());
            }
        }
    }
}
