//! The generalized dihedral group Dih(A) = A ⋊ C₂ acting on the pairs of a group task.
//!
//! Every element is written `s^ε r^x` with `x ∈ A` and `ε ∈ {0, 1}`, and acts on pairs as the map
//! `s^ε ∘ r^x` (first the rotation, then the optional swap). For a task `a ⋆ b` (add, mul):
//!
//! - `r^x(a, b) = (a⋆x, b⋆x⁻¹)`, `s(a, b) = (b, a)`, so `s r^x(a, b) = (b⋆x⁻¹, a⋆x)`;
//!
//! and for a task `a ⋆ b⁻¹` (sub, div), the "inverse form":
//!
//! - `r^x(a, b) = (a⋆x, b⋆x)`, `s(a, b) = (b⁻¹, a⁻¹)`, so `s r^x(a, b) = ((b⋆x)⁻¹, (a⋆x)⁻¹)`.
//!
//! Both actions satisfy the same relations `r^x r^y = r^{x⋆y}`, `s² = id` and `r^x s = s r^{x⁻¹}`
//! (the inverse form is the plain one conjugated by `(a, b) ↦ (a, b⁻¹)`), so composition does not
//! depend on the task. Every element preserves labels.
//!
//! Names follow SCIENCE.md: `id`, `r^k`, `s`, `s r^k`, where `k` is the readable name of the group
//! element (`r^2` on Z_p^* multiplies by the residue 2; on a product group `r^(1,4)`).

use crate::error::{Error, Result};
use crate::group::{AbelianGroup, Task};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// An element `s^ε r^x` of Dih(A), acting on pairs as `s^ε ∘ r^x`.
///
/// `rotation` is an element index of the task's group A (it must be below the group order; the
/// methods of [`DihedralGroup`] panic otherwise). Elements are ordered as in
/// [`DihedralGroup::elements`]: rotations before reflections, each by element index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DihElement {
    /// The group element `x` of `r^x`.
    pub rotation: usize,
    /// Whether the element is a reflection `s r^x` (ε = 1).
    pub reflection: bool,
}

impl DihElement {
    /// The rotation `r^x`.
    pub fn new_rotation(x: usize) -> Self {
        DihElement {
            rotation: x,
            reflection: false,
        }
    }

    /// The reflection `s r^x`.
    pub fn new_reflection(x: usize) -> Self {
        DihElement {
            rotation: x,
            reflection: true,
        }
    }
}

impl Ord for DihElement {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.reflection, self.rotation).cmp(&(other.reflection, other.rotation))
    }
}

impl PartialOrd for DihElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Dih(A) for the group A of a task, with its action on the task's pairs.
///
/// Borrows the task; building it is free (no tables are copied).
#[derive(Clone, Copy, Debug)]
pub struct DihedralGroup<'a> {
    task: &'a Task,
    group: &'a AbelianGroup,
    inverse_form: bool,
}

impl<'a> DihedralGroup<'a> {
    /// The symmetry group of `task`. Errors (naming `--task`) when the task has no group structure:
    /// the polynomial controls and `mul` with the keep-zero convention.
    pub fn new(task: &'a Task) -> Result<Self> {
        let group = task.group().ok_or_else(|| {
            Error::param(
                "task.operation",
                task.describe(),
                "a task on an abelian group for the dihedral symmetry: add, sub, mul or div \
                 (mul without keeping 0); polynomial tasks have no dihedral symmetry",
            )
        })?;
        debug_assert_eq!(
            group.identity(),
            0,
            "element order assumes identity index 0"
        );
        Ok(DihedralGroup {
            task,
            group,
            inverse_form: task.spec().operation.is_inverse_form(),
        })
    }

    /// The task whose pairs the group acts on.
    pub fn task(&self) -> &'a Task {
        self.task
    }

    /// The abelian group A.
    pub fn group(&self) -> &'a AbelianGroup {
        self.group
    }

    /// Whether the task is `a ⋆ b⁻¹` (sub, div), which selects the inverse-form action.
    pub fn is_inverse_form(&self) -> bool {
        self.inverse_form
    }

    /// n = |A|, the number of symbols.
    pub fn n(&self) -> usize {
        self.group.order()
    }

    /// The order 2n of Dih(A).
    pub fn order(&self) -> usize {
        2 * self.n()
    }

    /// A readable name such as `Dih(Z_61)`.
    pub fn name(&self) -> String {
        format!("Dih({})", self.group.name())
    }

    /// The identity `id = r^e`.
    pub fn identity(&self) -> DihElement {
        DihElement::new_rotation(self.group.identity())
    }

    /// The position of `g` in [`elements`](Self::elements): `x` for `r^x`, `n + x` for `s r^x`.
    #[inline]
    pub fn index_of(&self, g: DihElement) -> usize {
        let n = self.n();
        assert!(g.rotation < n, "rotation {} outside 0..{n}", g.rotation);
        if g.reflection {
            n + g.rotation
        } else {
            g.rotation
        }
    }

    /// The element at position `index` (in `0..2n`) of [`elements`](Self::elements).
    #[inline]
    pub fn element(&self, index: usize) -> DihElement {
        let n = self.n();
        assert!(index < 2 * n, "element index {index} outside 0..{}", 2 * n);
        if index < n {
            DihElement::new_rotation(index)
        } else {
            DihElement::new_reflection(index - n)
        }
    }

    /// All 2n elements in a stable order: `id`, the other rotations by element index, then the
    /// reflections `s`, `s r^x` by element index.
    pub fn elements(&self) -> Vec<DihElement> {
        (0..self.order()).map(|i| self.element(i)).collect()
    }

    /// The n rotations `r^x`, starting with `id`.
    pub fn rotations(&self) -> impl Iterator<Item = DihElement> {
        (0..self.n()).map(DihElement::new_rotation)
    }

    /// The n reflections `s r^x`, starting with `s`.
    pub fn reflections(&self) -> impl Iterator<Item = DihElement> {
        (0..self.n()).map(DihElement::new_reflection)
    }

    /// The composition `g ∘ h` (apply `h` first), using `r^x s = s r^{x⁻¹}`.
    pub fn compose(&self, g: DihElement, h: DihElement) -> DihElement {
        let a = self.group;
        if h.reflection {
            // s^ε r^x s r^y = s^ε s r^{x⁻¹} r^y
            DihElement {
                rotation: a.op(a.inverse(g.rotation), h.rotation),
                reflection: !g.reflection,
            }
        } else {
            DihElement {
                rotation: a.op(g.rotation, h.rotation),
                reflection: g.reflection,
            }
        }
    }

    /// The inverse of `g`: `(r^x)⁻¹ = r^{x⁻¹}`, and every reflection is its own inverse.
    pub fn inverse(&self, g: DihElement) -> DihElement {
        if g.reflection {
            g
        } else {
            DihElement::new_rotation(self.group.inverse(g.rotation))
        }
    }

    /// The order of `g` in Dih(A) (1 for `id`, 2 for reflections).
    pub fn element_order(&self, g: DihElement) -> usize {
        let e = self.identity();
        let mut power = g;
        let mut k = 1;
        while power != e {
            power = self.compose(g, power);
            k += 1;
        }
        k
    }

    /// The image of the pair `(a, b)` under `g` (see the module docs for the two actions).
    #[inline]
    pub fn act(&self, g: DihElement, (a, b): (usize, usize)) -> (usize, usize) {
        let grp = self.group;
        let x = g.rotation;
        match (self.inverse_form, g.reflection) {
            (false, false) => (grp.op(a, x), grp.op(b, grp.inverse(x))),
            (false, true) => (grp.op(b, grp.inverse(x)), grp.op(a, x)),
            (true, false) => (grp.op(a, x), grp.op(b, x)),
            (true, true) => (grp.inverse(grp.op(b, x)), grp.inverse(grp.op(a, x))),
        }
    }

    /// The image of the pair index `a * n + b` under `g`, as a pair index.
    #[inline]
    pub fn act_index(&self, g: DihElement, pair_index: usize) -> usize {
        let n = self.n();
        let (a, b) = self.act(g, (pair_index / n, pair_index % n));
        a * n + b
    }

    /// The permutation σ of the 2n input coordinates with `Π(g) e_i = e_{σ(i)}`, so that
    /// `Π(g) x(a, b) = x(g(a, b))` for `x(a, b) = e_a + e_{n+b}`. Rotations keep each block,
    /// reflections swap the blocks.
    pub fn permutation(&self, g: DihElement) -> Vec<usize> {
        let n = self.n();
        let e = self.group.identity();
        let mut sigma = vec![0; 2 * n];
        // Each output operand depends on one input operand only, so pairing a coordinate with the
        // identity in the other operand reads off where that coordinate goes.
        for i in 0..n {
            let (a1, b1) = self.act(g, (i, e));
            let (a2, b2) = self.act(g, (e, i));
            if g.reflection {
                sigma[i] = n + b1;
                sigma[n + i] = a2;
            } else {
                sigma[i] = a1;
                sigma[n + i] = n + b2;
            }
        }
        sigma
    }

    /// The 2n×2n permutation matrix Π(g), with `Π[σ(i), i] = 1` for σ = [`permutation`](Self::permutation).
    pub fn permutation_matrix(&self, g: DihElement) -> Array2<f64> {
        let sigma = self.permutation(g);
        let mut m = Array2::zeros((sigma.len(), sigma.len()));
        for (i, &j) in sigma.iter().enumerate() {
            m[[j, i]] = 1.0;
        }
        m
    }

    /// The pair indices fixed by `g`, ascending. A reflection fixes exactly n pairs (and every pair
    /// is fixed by exactly one reflection); a rotation other than `id` fixes none.
    pub fn fixed_points(&self, g: DihElement) -> Vec<usize> {
        (0..self.n() * self.n())
            .filter(|&k| self.act_index(g, k) == k)
            .collect()
    }

    /// The readable name of `g`: `id`, `r^k`, `s` or `s r^k` with `k` the element's name in A.
    pub fn element_name(&self, g: DihElement) -> String {
        let e = self.group.identity();
        let k = self.group.element_name(g.rotation);
        match (g.reflection, g.rotation == e) {
            (false, true) => "id".to_string(),
            (false, false) => format!("r^{k}"),
            (true, true) => "s".to_string(),
            (true, false) => format!("s r^{k}"),
        }
    }

    /// Parses an element name. Accepted forms: `id` or `e`; `s`; `r^k`; `s r^k`, also written
    /// `sr^k` or `s*r^k`; `k` is an element name of A (`5`, `(1,4)`; whitespace is ignored, and
    /// braces `r^{k}` are allowed). On Z_n integers are reduced mod n (`r^-1`), on Z_p^* mod p,
    /// and on Z_n `r` and `s r` stand for the generator `r^1`.
    pub fn parse_element(&self, text: &str) -> Result<DihElement> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || Error::param("group element", text.trim(), self.allowed_forms());
        match compact.as_str() {
            "id" | "e" => return Ok(self.identity()),
            "s" => return Ok(DihElement::new_reflection(self.group.identity())),
            _ => {}
        }
        let (reflection, rest) = match compact.strip_prefix('s') {
            Some(rest) => {
                let rest = rest
                    .strip_prefix('*')
                    .or_else(|| rest.strip_prefix('·'))
                    .unwrap_or(rest);
                (true, rest)
            }
            None => (false, compact.as_str()),
        };
        let rotation = self.parse_rotation(rest).ok_or_else(bad)?;
        Ok(DihElement {
            rotation,
            reflection,
        })
    }

    /// `r` or `r^k` (without whitespace) to the element index of `k`.
    fn parse_rotation(&self, text: &str) -> Option<usize> {
        if text == "r" {
            return if self.is_additive_cyclic() {
                self.integer_element(1)
            } else {
                None
            };
        }
        let k = text.strip_prefix("r^")?;
        let k = k
            .strip_prefix('{')
            .and_then(|k| k.strip_suffix('}'))
            .unwrap_or(k);
        if let Some(x) = (0..self.n()).find(|&x| self.group.element_name(x) == k) {
            return Some(x);
        }
        self.integer_element(k.parse().ok()?)
    }

    /// The element named by an integer on Z_n (reduced mod n) or Z_p^* (reduced mod p, non-zero).
    fn integer_element(&self, v: i64) -> Option<usize> {
        let n = self.n() as i64;
        if self.is_additive_cyclic() {
            Some(v.rem_euclid(n) as usize)
        } else if self.group.discrete_log().is_some() {
            // Z_p^* with p = n + 1: residue r has element index r − 1.
            let r = v.rem_euclid(n + 1);
            (r != 0).then(|| (r - 1) as usize)
        } else {
            None
        }
    }

    fn is_additive_cyclic(&self) -> bool {
        self.group.factors().len() == 1 && self.group.discrete_log().is_none()
    }

    /// The accepted name forms, for error messages.
    fn allowed_forms(&self) -> String {
        let n = self.n();
        let last = self.group.element_name(n - 1);
        let ks = if self.is_additive_cyclic() {
            format!("an integer, reduced mod {n}")
        } else if self.group.discrete_log().is_some() {
            format!("a residue 1..{last} (integers are reduced mod {})", n + 1)
        } else {
            format!("a tuple from {} to {last}", self.group.element_name(0))
        };
        let generator = if self.is_additive_cyclic() {
            "; r and s r mean r^1 and s r^1"
        } else {
            ""
        };
        format!(
            "id (or e), s, r^k, s r^k (also sr^k, s*r^k) with k an element of {}: {ks}{generator}",
            self.group.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::numtheory::mod_inverse;
    use crate::group::{Operation, TaskSpec, ZeroConvention};
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn task(op: Operation, p: u64) -> Task {
        Task::new(TaskSpec::new(op, p)).unwrap()
    }

    fn product_task(op: Operation, factors: &[usize]) -> Task {
        let mut spec = TaskSpec::new(op, 0);
        spec.group = Some(factors.to_vec());
        Task::new(spec).unwrap()
    }

    /// Every group task the property tests range over: add/sub/mul/div on small primes and
    /// add/sub on product groups.
    fn all_task_specs() -> Vec<TaskSpec> {
        let mut specs = Vec::new();
        for p in [2u64, 3, 5, 7, 11, 13] {
            for op in [Operation::Add, Operation::Sub] {
                specs.push(TaskSpec::new(op, p));
            }
        }
        for p in [3u64, 5, 7, 11, 13] {
            for op in [Operation::Mul, Operation::Div] {
                specs.push(TaskSpec::new(op, p));
            }
        }
        for factors in [vec![2, 2], vec![2, 4], vec![3, 5], vec![2, 3]] {
            for op in [Operation::Add, Operation::Sub] {
                let mut spec = TaskSpec::new(op, 0);
                spec.group = Some(factors.clone());
                specs.push(spec);
            }
        }
        specs
    }

    fn task_strategy() -> impl Strategy<Value = Task> {
        prop::sample::select(all_task_specs()).prop_map(|s| Task::new(s).unwrap())
    }

    /// x(a, b) = e_a + e_{n+b} as a dense vector.
    fn input(n: usize, (a, b): (usize, usize)) -> ndarray::Array1<f64> {
        let mut x = ndarray::Array1::zeros(2 * n);
        x[a] = 1.0;
        x[n + b] = 1.0;
        x
    }

    proptest! {
        #[test]
        fn every_element_preserves_labels(t in task_strategy()) {
            let dih = DihedralGroup::new(&t).unwrap();
            let n = dih.n();
            for g in dih.elements() {
                for k in 0..n * n {
                    let (a, b) = t.pair(k);
                    let (c, d) = dih.act(g, (a, b));
                    prop_assert_eq!(t.label(c, d), t.label(a, b), "{} at ({},{})",
                        dih.element_name(g), a, b);
                }
            }
        }

        #[test]
        fn group_is_closed_with_inverses_and_acts(t in task_strategy(), i in 0usize..64, j in 0usize..64) {
            let dih = DihedralGroup::new(&t).unwrap();
            let elements = dih.elements();
            prop_assert_eq!(elements.len(), 2 * t.n_symbols());
            let set: HashSet<_> = elements.iter().copied().collect();
            prop_assert_eq!(set.len(), dih.order());
            let (g, h) = (elements[i % elements.len()], elements[j % elements.len()]);
            let gh = dih.compose(g, h);
            prop_assert!(set.contains(&gh));
            prop_assert_eq!(dih.compose(g, dih.inverse(g)), dih.identity());
            prop_assert_eq!(dih.compose(dih.inverse(g), g), dih.identity());
            prop_assert_eq!(dih.compose(g, dih.identity()), g);
            // composition agrees with the action: (g∘h)(x) = g(h(x))
            for k in 0..t.n_pairs() {
                prop_assert_eq!(dih.act_index(gh, k), dih.act_index(g, dih.act_index(h, k)));
            }
            // the action is faithful: distinct elements act differently (n ≥ 2)
            let images: HashSet<Vec<usize>> = elements
                .iter()
                .map(|&g| (0..t.n_pairs()).map(|k| dih.act_index(g, k)).collect())
                .collect();
            prop_assert_eq!(images.len(), dih.order());
        }

        #[test]
        fn permutation_representation_is_a_homomorphism(t in task_strategy(), i in 0usize..64, j in 0usize..64) {
            let dih = DihedralGroup::new(&t).unwrap();
            let n = dih.n();
            let elements = dih.elements();
            let (g, h) = (elements[i % elements.len()], elements[j % elements.len()]);
            let (sg, sh) = (dih.permutation(g), dih.permutation(h));
            let mut sorted = sg.clone();
            sorted.sort_unstable();
            prop_assert!(sorted.iter().enumerate().all(|(i, &v)| i == v), "not a permutation");
            // σ_{g∘h} = σ_g ∘ σ_h, i.e. Π(g∘h) = Π(g) Π(h)
            let sgh = dih.permutation(dih.compose(g, h));
            for c in 0..2 * n {
                prop_assert_eq!(sgh[c], sg[sh[c]]);
            }
            let (pg, ph, pgh) = (
                dih.permutation_matrix(g),
                dih.permutation_matrix(h),
                dih.permutation_matrix(dih.compose(g, h)),
            );
            prop_assert_eq!(pg.dot(&ph), pgh);
            // Π(g) x(a, b) = x(g(a, b))
            for k in 0..n * n {
                let pair = t.pair(k);
                prop_assert_eq!(pg.dot(&input(n, pair)), input(n, dih.act(g, pair)));
            }
            // rotations keep the blocks, reflections swap them
            prop_assert!((0..n).all(|c| (sg[c] >= n) == g.reflection));
        }

        #[test]
        fn reflections_fix_n_points_each_pair_exactly_once(t in task_strategy()) {
            let dih = DihedralGroup::new(&t).unwrap();
            let n = dih.n();
            let a = dih.group();
            // elements with x⋆x = e: the size of the kernel of doubling
            let two_torsion = (0..n).filter(|&x| a.op(x, x) == a.identity()).count();
            let mut times_fixed = vec![0usize; n * n];
            for g in dih.reflections() {
                let fix = dih.fixed_points(g);
                prop_assert_eq!(fix.len(), n, "{}", dih.element_name(g));
                for &k in &fix {
                    times_fixed[k] += 1;
                }
                // labels on Fix(g): each attained label |A[2]| times (once for n odd)
                let mut per_label = vec![0usize; n];
                for &k in &fix {
                    per_label[t.labels()[k] as usize] += 1;
                }
                prop_assert!(per_label.iter().all(|&c| c == 0 || c == two_torsion));
                if n % 2 == 1 {
                    prop_assert_eq!(two_torsion, 1);
                }
            }
            // Every pair is fixed by exactly one reflection, for every n: the reflection fixing
            // (a, b) is s r^{a⁻¹⋆b} (plain) or s r^{(a⋆b)⁻¹} (inverse form).
            prop_assert!(times_fixed.iter().all(|&c| c == 1));
            for g in dih.rotations().skip(1) {
                prop_assert!(dih.fixed_points(g).is_empty());
            }
        }

        #[test]
        fn names_round_trip(t in task_strategy()) {
            let dih = DihedralGroup::new(&t).unwrap();
            for g in dih.elements() {
                let name = dih.element_name(g);
                prop_assert_eq!(dih.parse_element(&name).unwrap(), g, "{}", name);
                let compact: String = name.chars().filter(|c| *c != ' ').collect();
                prop_assert_eq!(dih.parse_element(&compact).unwrap(), g);
                if g.reflection && g.rotation != 0 {
                    let star = name.replace(' ', "*");
                    prop_assert_eq!(dih.parse_element(&star).unwrap(), g);
                }
            }
        }
    }

    #[test]
    fn science_md_fixed_point_formulas() {
        // add: Fix(s r^k) = {(a, a+k)}; sub: {(a, −a−k)} (residues mod p).
        let p = 13usize;
        for op in [Operation::Add, Operation::Sub] {
            let t = task(op, p as u64);
            let dih = DihedralGroup::new(&t).unwrap();
            for k in 0..p {
                let mut expected: Vec<usize> = (0..p)
                    .map(|a| {
                        let b = match op {
                            Operation::Add => (a + k) % p,
                            _ => (2 * p - a - k) % p,
                        };
                        a * p + b
                    })
                    .collect();
                expected.sort_unstable();
                assert_eq!(dih.fixed_points(DihElement::new_reflection(k)), expected);
            }
        }
        // mul: {(a, a·k)}; div: {(a, (a·k)⁻¹)} on residues 1..p−1 (element index = residue − 1).
        let pm = p as u64;
        for op in [Operation::Mul, Operation::Div] {
            let t = task(op, pm);
            let dih = DihedralGroup::new(&t).unwrap();
            for k in 1..pm {
                let mut expected: Vec<usize> = (1..pm)
                    .map(|a| {
                        let b = if op == Operation::Mul {
                            a * k % pm
                        } else {
                            mod_inverse(a * k % pm, pm).unwrap()
                        };
                        (a as usize - 1) * (p - 1) + (b as usize - 1)
                    })
                    .collect();
                expected.sort_unstable();
                let g = dih.parse_element(&format!("s r^{k}")).unwrap();
                assert_eq!(dih.fixed_points(g), expected, "{} s r^{k}", op.name());
            }
        }
    }

    #[test]
    fn actions_match_science_md() {
        let p = 11;
        let add = task(Operation::Add, p as u64);
        let dih = DihedralGroup::new(&add).unwrap();
        let r3 = DihElement::new_rotation(3);
        let sr3 = DihElement::new_reflection(3);
        assert_eq!(dih.act(r3, (4, 9)), (7, 6));
        assert_eq!(dih.act(sr3, (4, 9)), (6, 7));
        assert_eq!(dih.act(DihElement::new_reflection(0), (4, 9)), (9, 4));
        let sub = task(Operation::Sub, p as u64);
        let dih = DihedralGroup::new(&sub).unwrap();
        assert_eq!(dih.act(r3, (4, 9)), (7, 1));
        // s r^3 (4, 9) = (−(9+3), −(4+3)) = (10, 4)
        assert_eq!(dih.act(sr3, (4, 9)), (10, 4));
        assert_eq!(dih.act(DihElement::new_reflection(0), (4, 9)), (2, 7));
        // mul on Z_11^*: r^2 multiplies a by 2 and b by 2⁻¹ = 6
        let mul = task(Operation::Mul, p as u64);
        let dih = DihedralGroup::new(&mul).unwrap();
        let r2 = dih.parse_element("r^2").unwrap();
        assert_eq!(r2, DihElement::new_rotation(1));
        // residues (4, 9) are indices (3, 8) → (8, 54 mod 11 = 10) → indices (7, 9)
        assert_eq!(dih.act(r2, (3, 8)), (7, 9));
    }

    #[test]
    fn element_order_and_listing() {
        let t = task(Operation::Add, 12);
        let dih = DihedralGroup::new(&t).unwrap();
        let e = dih.elements();
        assert_eq!(e[0], dih.identity());
        assert_eq!(dih.element_name(e[1]), "r^1");
        assert_eq!(dih.element_name(e[12]), "s");
        assert_eq!(dih.element_name(e[13]), "s r^1");
        let mut sorted = e.clone();
        sorted.sort();
        assert_eq!(sorted, e, "Ord agrees with the listing");
        for (i, &g) in e.iter().enumerate() {
            assert_eq!(dih.index_of(g), i);
            assert_eq!(dih.element(i), g);
        }
        assert_eq!(dih.element_order(dih.parse_element("r^4").unwrap()), 3);
        assert_eq!(dih.element_order(dih.parse_element("s r^5").unwrap()), 2);
        assert_eq!(dih.element_order(dih.identity()), 1);
        assert_eq!(dih.name(), "Dih(Z_12)");
    }

    #[test]
    fn parsing_accepts_variants_and_rejects_bad_names() {
        let t = task(Operation::Add, 61);
        let dih = DihedralGroup::new(&t).unwrap();
        let sr5 = DihElement::new_reflection(5);
        for text in [
            "s r^5",
            "sr^5",
            "s*r^5",
            " s * r ^ 5 ",
            "s r^{5}",
            "s r^66",
            "s·r^5",
        ] {
            assert_eq!(dih.parse_element(text).unwrap(), sr5, "{text}");
        }
        assert_eq!(dih.parse_element("r").unwrap(), DihElement::new_rotation(1));
        assert_eq!(
            dih.parse_element("s r").unwrap(),
            DihElement::new_reflection(1)
        );
        assert_eq!(
            dih.parse_element("r^-1").unwrap(),
            DihElement::new_rotation(60)
        );
        assert_eq!(dih.parse_element("e").unwrap(), dih.identity());
        assert_eq!(dih.parse_element("r^0").unwrap(), dih.identity());
        for bad in ["t", "r^x", "s r^", "rs", "s s", "", "r^1.5"] {
            let err = dih.parse_element(bad).unwrap_err();
            assert!(err.is_usage());
            let msg = err.to_string();
            assert!(msg.contains("group element"), "{msg}");
            assert!(msg.contains(bad.trim()), "{msg}");
            assert!(msg.contains("s r^k") && msg.contains("Z_61"), "{msg}");
        }

        let mul = task(Operation::Mul, 7);
        let dih = DihedralGroup::new(&mul).unwrap();
        assert_eq!(dih.parse_element("r^1").unwrap(), dih.identity());
        assert_eq!(
            dih.parse_element("r^-1").unwrap(),
            DihElement::new_rotation(5)
        );
        assert_eq!(
            dih.parse_element("s r^3").unwrap(),
            DihElement::new_reflection(2)
        );
        for bad in ["r", "r^0", "r^7"] {
            let msg = dih.parse_element(bad).unwrap_err().to_string();
            assert!(msg.contains("Z_7^*") && msg.contains("1..6"), "{msg}");
        }

        let prod = product_task(Operation::Add, &[5, 7]);
        let dih = DihedralGroup::new(&prod).unwrap();
        let g = dih.parse_element("s r^(1, 4)").unwrap();
        assert_eq!(g, DihElement::new_reflection(11));
        assert_eq!(dih.element_name(g), "s r^(1,4)");
        let msg = dih.parse_element("r^(5,0)").unwrap_err().to_string();
        assert!(msg.contains("(0,0)") && msg.contains("(4,6)"), "{msg}");
        assert!(dih.parse_element("r").is_err());
    }

    #[test]
    fn tasks_without_a_group_are_rejected_naming_the_task_flag() {
        let mut keep = TaskSpec::new(Operation::Mul, 7);
        keep.zero = ZeroConvention::Keep;
        for t in [
            Task::new(keep).unwrap(),
            task(Operation::SquareSum, 7),
            task(Operation::CubicPlusProduct, 5),
        ] {
            let err = DihedralGroup::new(&t).unwrap_err();
            assert!(err.is_usage());
            assert!(err.to_string().contains("task.operation"), "{err}");
        }
    }

    #[test]
    fn blocks_of_permutation_matrices() {
        let t = task(Operation::Sub, 7);
        let dih = DihedralGroup::new(&t).unwrap();
        for g in dih.elements() {
            let p = dih.permutation_matrix(g);
            let n = 7;
            let off =
                p.slice(ndarray::s![0..n, n..2 * n]).sum() + p.slice(ndarray::s![n.., ..n]).sum();
            assert_eq!(off, if g.reflection { 2.0 * n as f64 } else { 0.0 });
            assert_eq!(p.t().dot(&p), Array2::<f64>::eye(2 * n));
        }
    }
}
