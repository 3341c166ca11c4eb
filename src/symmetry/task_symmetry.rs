//! The symmetry group Sym_f of any pairwise task (SCIENCE.md §3, §6): the one type every split,
//! report, intervention and analysis takes.
//!
//! Sym_f is the group of maps `(a, b) ↦ (σa, τb)` and `(a, b) ↦ (σb, τa)` (the *swaps*), σ, τ
//! permutations of the n symbols, that keep every label. An element is stored as the permutation
//! π of the 2n input coordinates with `Π(g) e_i = e_{π(i)}` (coordinates `0..n` hold the first
//! operand, `n..2n` the second), so `Π(g) x(a, b) = x(g(a, b))` and `Π(g∘h) = Π(g) Π(h)`, the
//! the convention of every permutation matrix in symrfm.
//!
//! [`TaskSymmetry::of`] builds it:
//! - **by construction** for group tasks: on the tasks on an abelian group A (add, sub, mul, div)
//!   it is the generalized dihedral group Dih(A) = A ⋊ C₂, elements `id`, `r^x` (x ∈ A), `s`,
//!   `s r^x` in that order, with the subgroup syntax `r^16,s` ([`TaskSymmetry::parse_element`]);
//!   for `mul` on any
//!   group G (`task.group`) the elements `r^g : (a, b) ↦ (a·g, g⁻¹·b)`, for `div` the elements
//!   `r^g : (a, b) ↦ (a·g, b·g)`, plus the swaps `s r^g` exactly when G is abelian (the actions of
//!   Dih(A));
//! - **by exact search** ([`search`](super::search)) for every other task.
//!
//! When |Sym_f| exceeds [`ELEMENT_BOUND`] (or the element list would hold more than
//! [`ELEMENT_ENTRY_BOUND`] coordinates), only the generators and the order are kept
//! ([`TaskSymmetry::elements`] is `None`); analyses that need the element list (decomposition
//! into group elements, fixed-point statistics over all elements, the subgroup lattice) are then
//! skipped and say so.

use super::search::{find_swap, symmetry_chain, Isotopism};
use crate::error::{Error, Result};
use crate::group::{AbelianGroup, FiniteGroup, Operation, Task};
use ndarray::Array2;
use std::collections::{HashMap, HashSet};

/// Most elements a [`TaskSymmetry`] lists; above it only generators and the order are kept.
pub const ELEMENT_BOUND: usize = 20_000;
/// Most coordinates (elements × 2n) a [`TaskSymmetry`] lists.
pub const ELEMENT_ENTRY_BOUND: usize = 1 << 24;

/// A permutation of the 2n input coordinates (see the module docs).
pub type CoordPerm = Vec<u32>;

/// How a [`TaskSymmetry`] was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// From the group structure of a group task.
    Construction,
    /// By exact search on the label table.
    Search,
}

impl Method {
    /// `construction` or `search`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Construction => "construction",
            Method::Search => "search",
        }
    }
}

/// The symmetry group Sym_f of a task.
#[derive(Clone, Debug)]
pub struct TaskSymmetry {
    n: usize,
    method: Method,
    order: Vec<u32>,
    generators: Vec<CoordPerm>,
    elements: Option<Vec<CoordPerm>>,
    names: Option<Vec<String>>,
    has_swaps: bool,
    /// Element → position in `elements`.
    index: HashMap<CoordPerm, usize>,
    /// The Dih(A) construction's element syntax (tasks on an abelian group), else `None`.
    dih: Option<DihSyntax>,
}

/// How the elements of Dih(A) are written: `r^k` with `k` an element name of A, integers reduced
/// mod n on Z_n and mod p on Z_p^*.
#[derive(Clone, Debug)]
struct DihSyntax {
    group_name: String,
    element_names: Vec<String>,
    kind: AbelianKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AbelianKind {
    /// Z_n, written additively.
    Cyclic,
    /// Z_p^* (residues 1..p−1; element index = residue − 1).
    Units,
    /// A product of cyclic groups (tuples).
    Product,
}

impl DihSyntax {
    fn new(a: &AbelianGroup) -> Self {
        let kind = if a.discrete_log().is_some() {
            AbelianKind::Units
        } else if a.factors().len() == 1 {
            AbelianKind::Cyclic
        } else {
            AbelianKind::Product
        };
        DihSyntax {
            group_name: a.name().to_string(),
            element_names: (0..a.order())
                .map(|x| a.element_name(x).to_string())
                .collect(),
            kind,
        }
    }
}

impl TaskSymmetry {
    /// Sym_f of `task`: by construction for group tasks, by search otherwise.
    pub fn of(task: &Task) -> Self {
        Self::constructed(task).unwrap_or_else(|| Self::searched(task))
    }

    /// Sym_f by construction, for the group tasks (today's abelian tasks; mul and div on a named
    /// group); `None` for the other tasks.
    pub fn constructed(task: &Task) -> Option<Self> {
        let op = task.spec().operation;
        let (group, legacy) = match (task.group(), task.finite_group()) {
            (Some(a), _) => (FiniteGroup::from_abelian(a), Some(DihSyntax::new(a))),
            (None, Some(g))
                if matches!(
                    op,
                    Operation::Mul | Operation::Div | Operation::Add | Operation::Sub
                ) =>
            {
                (g.clone(), None)
            }
            _ => return None,
        };
        let inverse_form = op.is_inverse_form();
        let n = group.order();
        let e = group.identity();
        let has_swaps = group.is_abelian();
        // r^x (a, b) = (a x, x⁻¹ b), or (a x, b x) in the inverse form; the reflections s r^x
        // (abelian only) as in Dih(A): (b x⁻¹, a x), or ((b x)⁻¹, (a x)⁻¹)
        let element = |x: usize, reflection: bool| -> CoordPerm {
            let mut pi = vec![0u32; 2 * n];
            for i in 0..n {
                let (first, second) = match (inverse_form, reflection) {
                    (false, false) => (group.op(i, x), n + group.op(group.inverse(x), i)),
                    (true, false) => (group.op(i, x), n + group.op(i, x)),
                    (false, true) => (n + group.op(i, x), group.op(i, group.inverse(x))),
                    (true, true) => {
                        let v = group.inverse(group.op(i, x));
                        (n + v, v)
                    }
                };
                pi[i] = first as u32;
                pi[n + i] = second as u32;
            }
            pi
        };
        let name = |x: usize, reflection: bool| -> String {
            let k = group.element_name(x);
            // a named group's own element names (`r`, `s r^2` on D_m, `(1 2 3)` on S_n) are
            // braced so that `r^{s r}` never reads as a word in Sym_f's own r and s; plain
            // integers and tuples (`r^5`, `r^(1,2)`) stay as on Dih(A)
            let plain = k.chars().all(|c| c.is_ascii_digit())
                || (k.starts_with('(')
                    && k.ends_with(')')
                    && k[1..k.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ','));
            let k = if legacy.is_none() && !plain {
                format!("{{{k}}}")
            } else {
                k.to_string()
            };
            match (reflection, x == e) {
                (false, true) => "id".to_string(),
                (false, false) => format!("r^{k}"),
                (true, true) => "s".to_string(),
                (true, false) => format!("s r^{k}"),
            }
        };
        let order = if has_swaps { 2 * n } else { n };
        // generators: a generating set of G, greedily by element index, then s
        let mut gen_idx: Vec<usize> = Vec::new();
        let mut span = vec![false; n];
        span[e] = true;
        let mut span_size = 1;
        for x in 0..n {
            if span_size == n {
                break;
            }
            if span[x] {
                continue;
            }
            gen_idx.push(x);
            let mut queue: Vec<usize> = (0..n).filter(|&y| span[y]).collect();
            let mut head = 0;
            while head < queue.len() {
                let y = queue[head];
                head += 1;
                for &g in &gen_idx {
                    let z = group.op(y, g);
                    if !span[z] {
                        span[z] = true;
                        span_size += 1;
                        queue.push(z);
                    }
                }
            }
        }
        let mut generators: Vec<CoordPerm> = gen_idx.iter().map(|&x| element(x, false)).collect();
        if has_swaps {
            generators.push(element(e, true));
        }
        let listed = order <= ELEMENT_BOUND && order * 2 * n <= ELEMENT_ENTRY_BOUND;
        let reflections = if has_swaps {
            vec![false, true]
        } else {
            vec![false]
        };
        let all = || {
            reflections
                .iter()
                .flat_map(|&r| (0..n).map(move |x| (x, r)))
                .collect::<Vec<_>>()
        };
        let elements = listed.then(|| all().into_iter().map(|(x, r)| element(x, r)).collect());
        let names = listed.then(|| all().into_iter().map(|(x, r)| name(x, r)).collect());
        Some(TaskSymmetry {
            n,
            method: Method::Construction,
            order: big_from(order as u64),
            generators,
            index: index_of(elements.as_deref()),
            elements,
            names,
            has_swaps,
            dih: legacy,
        })
    }

    /// Sym_f by exact search on the label table (any task).
    pub fn searched(task: &Task) -> Self {
        let n = task.n_symbols();
        let labels = task.labels();
        let chain = symmetry_chain(n, labels);
        let mut generators: Vec<CoordPerm> = chain
            .generators
            .iter()
            .map(|g| coord_perm(n, g, false))
            .collect();
        let mut order = big_from(1);
        for &len in &chain.orbit_lengths {
            order = big_mul(&order, len as u64);
        }
        let swap = find_swap(n, labels);
        let has_swaps = swap.is_some();
        if let Some(s) = &swap {
            generators.push(coord_perm(n, s, true));
            order = big_mul(&order, 2);
        }
        let small = big_to_u64(&order).filter(|&o| {
            o as usize <= ELEMENT_BOUND && (o as usize) * 2 * n <= ELEMENT_ENTRY_BOUND
        });
        let elements = small.map(|_| {
            let mut all = closure(&generators, 2 * n);
            all.sort_by(|a, b| (is_swap_perm(n, a), a).cmp(&(is_swap_perm(n, b), b)));
            all
        });
        let names = elements
            .as_ref()
            .map(|els| els.iter().map(|p| search_name(n, p)).collect());
        TaskSymmetry {
            n,
            method: Method::Search,
            order,
            generators,
            index: index_of(elements.as_deref()),
            elements,
            names,
            has_swaps,
            dih: None,
        }
    }

    /// The number of symbols n (elements permute 2n coordinates).
    pub fn n(&self) -> usize {
        self.n
    }
    /// How the group was obtained.
    pub fn method(&self) -> Method {
        self.method
    }
    /// |Sym_f| in decimal (exact, however large).
    pub fn order_text(&self) -> String {
        big_text(&self.order)
    }
    /// |Sym_f| when it fits in a u64.
    pub fn order(&self) -> Option<u64> {
        big_to_u64(&self.order)
    }
    /// Generators (empty for the trivial group).
    pub fn generators(&self) -> &[CoordPerm] {
        &self.generators
    }
    /// All elements (identity first) when |Sym_f| is within the bounds, else `None`.
    pub fn elements(&self) -> Option<&[CoordPerm]> {
        self.elements.as_deref()
    }
    /// Element names (parallel to [`elements`](Self::elements)).
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }
    /// Whether some element swaps the operands.
    pub fn has_swaps(&self) -> bool {
        self.has_swaps
    }
    /// A readable name of any element: its name in the list if listed, else its search name.
    pub fn name_of(&self, p: &[u32]) -> String {
        match (self.index_of(p), &self.names) {
            (Some(i), Some(names)) => names[i].clone(),
            _ => search_name(self.n, p),
        }
    }
    /// The position of `p` in [`elements`](Self::elements) (`None` if not listed).
    pub fn index_of(&self, p: &[u32]) -> Option<usize> {
        self.index.get(p).copied()
    }
    /// The number of listed elements (0 when they are not kept).
    pub fn len(&self) -> usize {
        self.elements.as_ref().map_or(0, Vec::len)
    }
    /// Whether the elements are not listed (see [`ELEMENT_BOUND`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Element `i` of the list. Panics when the list is not kept or `i` is out of range.
    pub fn element(&self, i: usize) -> &[u32] {
        &self.elements.as_ref().expect("listed Sym_f")[i]
    }
    /// The name of element `i` of the list.
    pub fn element_name(&self, i: usize) -> &str {
        &self.names.as_ref().expect("listed Sym_f")[i]
    }
    /// Whether this is the Dih(A) construction of a task on an abelian group A.
    pub fn is_dihedral(&self) -> bool {
        self.dih.is_some()
    }
    /// The name of the whole group: `Dih(Z_61)` for the Dih(A) construction, else `Sym_f`.
    pub fn name(&self) -> String {
        match &self.dih {
            Some(d) => format!("Dih({})", d.group_name),
            None => "Sym_f".to_string(),
        }
    }
    /// The index of `compose(element i, element j)` (apply j first).
    pub fn compose_index(&self, i: usize, j: usize) -> usize {
        let p = compose(self.element(i), self.element(j));
        self.index[&p]
    }
    /// The index of the inverse of element `i`.
    pub fn inverse_index(&self, i: usize) -> usize {
        self.index[&inverse(self.element(i))]
    }
    /// The order of element `i`.
    pub fn element_order(&self, i: usize) -> usize {
        element_order(self.element(i))
    }
    /// The image of the pair index `a * n + b` under element `i`.
    #[inline]
    pub fn act_index(&self, i: usize, k: usize) -> usize {
        let (a, b) = self.act(self.element(i), (k / self.n, k % self.n));
        a * self.n + b
    }
    /// Whether element `i` swaps the operands (a reflection `s r^x` of Dih(A)).
    pub fn is_swap_index(&self, i: usize) -> bool {
        self.is_swap(self.element(i))
    }
    /// Element `i` as a permutation of `0..2n` with `usize` images.
    pub fn permutation(&self, i: usize) -> Vec<usize> {
        self.element(i).iter().map(|&v| v as usize).collect()
    }

    /// Parses an element name to its index. On Dih(A): `id` (or `e`), `s`, `r^k`, `s r^k` (also
    /// `sr^k`, `s*r^k`; whitespace ignored, braces `r^{k}` allowed) with `k` an element name of A;
    /// on Z_n integers are reduced mod n (`r^-1`) and `r`, `s r` mean `r^1`; on Z_p^* residues are
    /// reduced mod p. On any other Sym_f: a name of [`names`](Self::names), or `#k` for element
    /// k. Errors name the parameter `group element`.
    pub fn parse_element(&self, text: &str) -> Result<usize> {
        let names = self.names.as_ref().ok_or_else(|| {
            Error::param(
                "group element",
                text.trim(),
                format!(
                    "an element of a Sym_f whose elements are listed; this one's are not kept \
                     (order {})",
                    self.order_text()
                ),
            )
        })?;
        match &self.dih {
            Some(d) => self.parse_dihedral(d, text),
            None => {
                let part = text.trim();
                // `r^x` also names `r^{x}` (the braces are optional when unambiguous)
                let braced = part
                    .strip_prefix("r^")
                    .filter(|k| !k.starts_with('{'))
                    .map(|k| format!("r^{{{k}}}"));
                part.strip_prefix('#')
                    .and_then(|k| k.parse::<usize>().ok())
                    .filter(|&k| k < names.len())
                    .or_else(|| names.iter().position(|n| n == part))
                    .or_else(|| {
                        let b = braced.as_deref()?;
                        names.iter().position(|n| n == b)
                    })
                    .ok_or_else(|| {
                        let examples: Vec<&str> =
                            names.iter().take(6).map(String::as_str).collect();
                        Error::param(
                            "group element",
                            part,
                            format!(
                                "element names of Sym_f separated by commas, e.g. {}; or #k for \
                                 element k of the list (0 to {})",
                                examples.join(", "),
                                names.len() - 1
                            ),
                        )
                    })
            }
        }
    }

    fn parse_dihedral(&self, d: &DihSyntax, text: &str) -> Result<usize> {
        let n = self.n;
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || Error::param("group element", text.trim(), dih_allowed_forms(d));
        match compact.as_str() {
            "id" | "e" => return Ok(0),
            "s" => return Ok(n),
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
        let integer = |v: i64| -> Option<usize> {
            let n = n as i64;
            match d.kind {
                AbelianKind::Cyclic => Some(v.rem_euclid(n) as usize),
                AbelianKind::Units => {
                    let r = v.rem_euclid(n + 1);
                    (r != 0).then(|| (r - 1) as usize)
                }
                AbelianKind::Product => None,
            }
        };
        let rotation = if rest == "r" {
            (d.kind == AbelianKind::Cyclic)
                .then(|| integer(1))
                .flatten()
        } else {
            rest.strip_prefix("r^").and_then(|k| {
                let k = k
                    .strip_prefix('{')
                    .and_then(|k| k.strip_suffix('}'))
                    .unwrap_or(k);
                d.element_names
                    .iter()
                    .position(|name| name == k)
                    .or_else(|| integer(k.parse().ok()?))
            })
        };
        let x = rotation.ok_or_else(bad)?;
        Ok(if reflection { n + x } else { x })
    }
    /// Whether `p` swaps the operand blocks.
    pub fn is_swap(&self, p: &[u32]) -> bool {
        is_swap_perm(self.n, p)
    }
    /// The image of the pair `(a, b)` under `p`.
    pub fn act(&self, p: &[u32], (a, b): (usize, usize)) -> (usize, usize) {
        let n = self.n;
        let (x, y) = (p[a] as usize, p[n + b] as usize);
        if x < n {
            (x, y - n)
        } else {
            (y, x - n)
        }
    }
    /// The pair indices (`a * n + b`) fixed by `p`, ascending.
    pub fn fixed_points(&self, p: &[u32]) -> Vec<usize> {
        let n = self.n;
        (0..n * n)
            .filter(|&k| self.act(p, (k / n, k % n)) == (k / n, k % n))
            .collect()
    }
    /// Whether `p` keeps every label of `task`.
    pub fn preserves_labels(&self, task: &Task, p: &[u32]) -> bool {
        let n = self.n;
        (0..n * n).all(|k| {
            let (a, b) = self.act(p, (k / n, k % n));
            task.label(a, b) == task.label(k / n, k % n)
        })
    }
    /// The 2n×2n permutation matrix Π(p), `Π[p(i), i] = 1`.
    pub fn permutation_matrix(&self, p: &[u32]) -> Array2<f64> {
        let mut m = Array2::zeros((p.len(), p.len()));
        for (i, &j) in p.iter().enumerate() {
            m[[j as usize, i]] = 1.0;
        }
        m
    }
}

/// The accepted element forms of Dih(A), for error messages.
fn dih_allowed_forms(d: &DihSyntax) -> String {
    let n = d.element_names.len();
    let last = &d.element_names[n - 1];
    let ks = match d.kind {
        AbelianKind::Cyclic => format!("an integer, reduced mod {n}"),
        AbelianKind::Units => format!("a residue 1..{last} (integers are reduced mod {})", n + 1),
        AbelianKind::Product => format!("a tuple from {} to {last}", d.element_names[0]),
    };
    let generator = if d.kind == AbelianKind::Cyclic {
        "; r and s r mean r^1 and s r^1"
    } else {
        ""
    };
    format!(
        "id (or e), s, r^k, s r^k (also sr^k, s*r^k) with k an element of {}: {ks}{generator}",
        d.group_name
    )
}

fn index_of(elements: Option<&[CoordPerm]>) -> HashMap<CoordPerm, usize> {
    elements
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), i))
        .collect()
}

/// `p ∘ q` (apply `q` first).
pub fn compose(p: &[u32], q: &[u32]) -> CoordPerm {
    q.iter().map(|&x| p[x as usize]).collect()
}

/// The inverse permutation.
pub fn inverse(p: &[u32]) -> CoordPerm {
    let mut inv = vec![0u32; p.len()];
    for (i, &j) in p.iter().enumerate() {
        inv[j as usize] = i as u32;
    }
    inv
}

/// The order of `p` (smallest k ≥ 1 with p^k = id).
pub fn element_order(p: &[u32]) -> usize {
    let mut x = p.to_vec();
    let mut k = 1;
    while x.iter().enumerate().any(|(i, &v)| v as usize != i) {
        x = compose(p, &x);
        k += 1;
    }
    k
}

fn is_swap_perm(n: usize, p: &[u32]) -> bool {
    (p[0] as usize) >= n
}

/// The coordinate permutation of `(σ, τ)`: non-swap `(a, b) ↦ (σa, τb)`, swap `(a, b) ↦ (σb, τa)`.
pub fn coord_perm(n: usize, (sigma, tau): &Isotopism, swap: bool) -> CoordPerm {
    let mut pi = vec![0u32; 2 * n];
    for i in 0..n {
        if swap {
            pi[i] = (n as u32) + tau[i];
            pi[n + i] = sigma[i];
        } else {
            pi[i] = sigma[i];
            pi[n + i] = n as u32 + tau[i];
        }
    }
    pi
}

/// The group generated by `gens` (permutations of `0..degree`), identity first.
pub fn closure(gens: &[CoordPerm], degree: usize) -> Vec<CoordPerm> {
    let id: CoordPerm = (0..degree as u32).collect();
    let mut seen: HashSet<CoordPerm> = HashSet::new();
    seen.insert(id.clone());
    let mut queue = vec![id];
    let mut head = 0;
    while head < queue.len() {
        let p = queue[head].clone();
        head += 1;
        for g in gens {
            let q = compose(g, &p);
            if seen.insert(q.clone()) {
                queue.push(q);
            }
        }
    }
    queue
}

/// `id`, or `σ=… τ=…` (with a leading `s ` for swaps): σ and τ in cycle notation on the symbol
/// indices `0..n−1` (`()` for the identity), where the element maps `(a, b)` to `(σa, τb)`, or
/// to `(σb, τa)` for a swap.
fn search_name(n: usize, p: &[u32]) -> String {
    let swap = is_swap_perm(n, p);
    let (sigma, tau): (Vec<usize>, Vec<usize>) = if swap {
        (
            (0..n).map(|i| p[n + i] as usize).collect(),
            (0..n).map(|i| p[i] as usize - n).collect(),
        )
    } else {
        (
            (0..n).map(|i| p[i] as usize).collect(),
            (0..n).map(|i| p[n + i] as usize - n).collect(),
        )
    };
    let cyc = |q: &[usize]| {
        let mut out = String::new();
        let mut done = vec![false; q.len()];
        for s in 0..q.len() {
            if done[s] || q[s] == s {
                continue;
            }
            let mut c = Vec::new();
            let mut x = s;
            while !done[x] {
                done[x] = true;
                c.push(x.to_string());
                x = q[x];
            }
            out.push_str(&format!("({})", c.join(" ")));
        }
        if out.is_empty() {
            "()".to_string()
        } else {
            out
        }
    };
    let (s, t) = (cyc(&sigma), cyc(&tau));
    match (swap, s == "()" && t == "()") {
        (false, true) => "id".to_string(),
        (true, true) => "s".to_string(),
        (false, false) => format!("σ={s} τ={t}"),
        (true, false) => format!("s σ={s} τ={t}"),
    }
}

/// Unsigned big integers in base 10⁹, least significant first (for |Sym_f| of large tasks).
fn big_from(v: u64) -> Vec<u32> {
    let mut out = Vec::new();
    let mut v = v;
    loop {
        out.push((v % 1_000_000_000) as u32);
        v /= 1_000_000_000;
        if v == 0 {
            return out;
        }
    }
}

fn big_mul(a: &[u32], k: u64) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + 2);
    let mut carry: u128 = 0;
    for &d in a {
        let v = d as u128 * k as u128 + carry;
        out.push((v % 1_000_000_000) as u32);
        carry = v / 1_000_000_000;
    }
    while carry > 0 {
        out.push((carry % 1_000_000_000) as u32);
        carry /= 1_000_000_000;
    }
    out
}

fn big_to_u64(a: &[u32]) -> Option<u64> {
    a.iter().rev().try_fold(0u64, |acc, &d| {
        acc.checked_mul(1_000_000_000)?.checked_add(d as u64)
    })
}

fn big_text(a: &[u32]) -> String {
    let mut s = a.last().map_or("0".to_string(), |d| d.to_string());
    for d in a.iter().rev().skip(1) {
        s.push_str(&format!("{d:09}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::TaskSpec;
    use proptest::prelude::*;

    fn named(op: Operation, group: &str) -> Task {
        Task::new(TaskSpec::on_group(op, group)).unwrap()
    }

    fn with(op: Operation, p: u64, f: impl FnOnce(&mut TaskSpec)) -> Task {
        let mut s = TaskSpec::new(op, p);
        f(&mut s);
        Task::new(s).unwrap()
    }

    fn sorted(els: &[CoordPerm]) -> Vec<CoordPerm> {
        let mut v = els.to_vec();
        v.sort();
        v
    }

    /// Group laws and label preservation of a listed Sym_f.
    fn check_group(task: &Task, sym: &TaskSymmetry) {
        let els = sym.elements().expect("listed");
        let set: HashSet<&CoordPerm> = els.iter().collect();
        assert_eq!(set.len(), els.len(), "distinct elements");
        assert_eq!(sym.order(), Some(els.len() as u64));
        assert!(
            els[0].iter().enumerate().all(|(i, &v)| v as usize == i),
            "identity first"
        );
        for g in els {
            assert!(sym.preserves_labels(task, g), "{}", sym.name_of(g));
            assert!(set.contains(&inverse(g)));
        }
        // closure and Π(gh) = Π(g)Π(h) on a sample of pairs
        let step = (els.len() / 12).max(1);
        for g in els.iter().step_by(step) {
            for h in els.iter().step_by(step) {
                let gh = compose(g, h);
                assert!(set.contains(&gh));
                let lhs = sym.permutation_matrix(&gh);
                let rhs = sym.permutation_matrix(g).dot(&sym.permutation_matrix(h));
                assert_eq!(lhs, rhs);
            }
        }
        // the generators generate it
        assert_eq!(sorted(&closure(sym.generators(), 2 * sym.n())), sorted(els));
    }

    #[test]
    fn searched_equals_constructed_on_every_group_task_up_to_order_60() {
        let names = [
            "Z2",
            "Z7",
            "Z12",
            "2x2",
            "2x6",
            "5x7",
            "Z7*",
            "Z13*",
            "S3",
            "S4",
            "A4",
            "A5",
            "D3",
            "D4",
            "D5",
            "D6",
            "D12",
            "D30",
            "Q8",
            "S3xZ4",
            "Q8xZ3",
            "2x2x2",
            "perm:(1 2 3 4),(1 3)",
        ];
        let mut tasks = Vec::new();
        for name in names {
            for op in [Operation::Mul, Operation::Div] {
                tasks.push(named(op, name));
            }
        }
        for p in [5u64, 12, 31] {
            tasks.push(with(Operation::Add, p, |_| {}));
            tasks.push(with(Operation::Sub, p, |_| {}));
        }
        tasks.push(with(Operation::Mul, 13, |_| {}));
        tasks.push(with(Operation::Div, 31, |_| {}));
        tasks.push(with(Operation::Add, 0, |s| s.group = Some(vec![2, 4])));
        tasks.push(with(Operation::Sub, 0, |s| s.group = Some(vec![3, 5])));
        for task in &tasks {
            let built = TaskSymmetry::constructed(task).expect("a group task");
            let found = TaskSymmetry::searched(task);
            let n = task.n_symbols();
            let abelian = task.finite_group().is_none_or(|g| g.is_abelian());
            let expect = if abelian { 2 * n } else { n };
            assert_eq!(built.order(), Some(expect as u64), "{}", task.describe());
            assert_eq!(found.order(), Some(expect as u64), "{}", task.describe());
            assert_eq!(found.has_swaps(), abelian, "{}", task.describe());
            assert_eq!(
                sorted(built.elements().unwrap()),
                sorted(found.elements().unwrap()),
                "{}",
                task.describe()
            );
            check_group(task, &built);
            // the action of a non-abelian group is free: only the identity fixes a pair
            if !abelian {
                for g in &built.elements().unwrap()[1..] {
                    assert!(built.fixed_points(g).is_empty());
                }
            }
        }
    }

    /// Dih(A) against its definition, computed here from the group table of A: element `x` is
    /// `r^x`, element `n + x` is `s r^x`, with `r^x(a, b) = (a x, x⁻¹ b)`, `s(a, b) = (b, a)` (or
    /// `r^x(a, b) = (a x, b x)`, `s(a, b) = (b⁻¹, a⁻¹)` for sub and div), names `id`, `r^k`, `s`,
    /// `s r^k`, and the relations `r^x r^y = r^{xy}`, `r^x s = s r^{x⁻¹}`.
    #[test]
    fn the_dihedral_construction_matches_its_definition() {
        let mut tasks = vec![];
        for op in [Operation::Add, Operation::Sub] {
            tasks.push(with(op, 13, |_| {}));
            tasks.push(with(op, 0, |s| s.group = Some(vec![2, 4])));
        }
        for op in [Operation::Mul, Operation::Div] {
            tasks.push(with(op, 11, |_| {}));
        }
        for task in &tasks {
            let a = task.group().unwrap();
            let n = a.order();
            let inv_form = task.spec().operation.is_inverse_form();
            let sym = TaskSymmetry::of(task);
            assert!(sym.is_dihedral());
            assert_eq!(sym.len(), 2 * n);
            assert_eq!(sym.name(), format!("Dih({})", a.name()));
            for i in 0..2 * n {
                let (x, refl) = (i % n, i >= n);
                for (p, q) in [(0, 1), (2, n - 1), (n - 1, 3 % n)] {
                    let rot = if inv_form {
                        (a.op(p, x), a.op(q, x))
                    } else {
                        (a.op(p, x), a.op(q, a.inverse(x)))
                    };
                    let expect = match (refl, inv_form) {
                        (false, _) => rot,
                        (true, false) => (rot.1, rot.0),
                        (true, true) => (a.inverse(rot.1), a.inverse(rot.0)),
                    };
                    assert_eq!(
                        sym.act(sym.element(i), (p, q)),
                        expect,
                        "{}",
                        task.describe()
                    );
                }
                let k = a.element_name(x);
                let name = match (refl, x == a.identity()) {
                    (false, true) => "id".to_string(),
                    (false, false) => format!("r^{k}"),
                    (true, true) => "s".to_string(),
                    (true, false) => format!("s r^{k}"),
                };
                assert_eq!(sym.element_name(i), name);
                assert_eq!(sym.parse_element(&name).unwrap(), i);
                // r^x ∘ r^y = r^{xy}; r^x ∘ s = s r^{x⁻¹}; s r^x is an involution
                for y in [1 % n, n - 1] {
                    if !refl {
                        assert_eq!(sym.compose_index(i, y), a.op(x, y));
                    }
                }
                if !refl {
                    assert_eq!(sym.compose_index(i, n), n + a.inverse(x));
                } else {
                    assert_eq!(sym.inverse_index(i), i);
                }
            }
        }
    }

    #[test]
    fn dihedral_element_syntax() {
        let z11 = TaskSymmetry::of(&with(Operation::Add, 11, |_| {}));
        let p = |t: &str| z11.parse_element(t).unwrap();
        assert_eq!(p("r^-1"), p("r^10"));
        assert_eq!(p("r"), 1);
        assert_eq!(p("r^12"), 1);
        assert_eq!(p("s*r^3"), p("s r^3"));
        assert_eq!(p("sr^{3}"), 11 + 3);
        assert_eq!((p("e"), p("id"), p("s")), (0, 0, 11));
        let e = z11.parse_element("q").unwrap_err().to_string();
        assert!(
            e.contains("group element") && e.contains("reduced mod 11"),
            "{e}"
        );
        let units = TaskSymmetry::of(&with(Operation::Mul, 13, |_| {}));
        // Z_13^*: residue r is element r − 1; integers reduce mod 13, 0 is not a unit
        assert_eq!(units.parse_element("r^14").unwrap(), 0);
        assert_eq!(units.parse_element("s r^2").unwrap(), 12 + 1);
        assert!(units.parse_element("r^13").is_err());
        assert!(units.parse_element("r").is_err());
        let prod = TaskSymmetry::of(&with(Operation::Add, 0, |s| s.group = Some(vec![2, 4])));
        assert_eq!(
            prod.element_name(prod.parse_element("r^(1,3)").unwrap()),
            "r^(1,3)"
        );
        assert!(prod.parse_element("r^1").is_err());
    }

    #[test]
    fn structural_and_relational_tasks_have_the_expected_symmetry() {
        let graph = |g: &str| with(Operation::GraphDistance, 0, |s| s.graph = Some(g.into()));
        // Aut(C_n) = D_n (order 2n), times the swap; every element has σ = τ
        for n in [5usize, 12] {
            let t = graph(&format!("cycle:{n}"));
            let sym = TaskSymmetry::of(&t);
            assert_eq!(sym.method(), Method::Search);
            assert_eq!(sym.order(), Some(4 * n as u64));
            assert!(sym.has_swaps());
            for g in sym.elements().unwrap() {
                let (s, tau) = if sym.is_swap(g) {
                    (
                        &g[n..],
                        g[..n].iter().map(|&v| v - n as u32).collect::<Vec<_>>(),
                    )
                } else {
                    (&g[..n], g[n..].iter().map(|&v| v - n as u32).collect())
                };
                assert_eq!(s, tau.as_slice());
            }
            check_group(&t, &sym);
        }
        for (g, aut) in [
            ("path:6", 2u64),
            ("hypercube:3", 48),
            ("petersen", 120),
            ("grid:2x3", 4),
        ] {
            let t = graph(g);
            assert_eq!(TaskSymmetry::of(&t).order(), Some(2 * aut), "{g}");
        }
        let cmp = |op| TaskSymmetry::of(&with(op, 9, |_| {}));
        // sign(a − b) is NOT rigid: (a, b) ↦ (n−1−b, n−1−a) keeps it (both the swap and the
        // reversal flip the sign), and nothing else does
        let sign = cmp(Operation::Sign);
        assert_eq!(sign.order(), Some(2));
        assert!(sign.has_swaps());
        let g = &sign.elements().unwrap()[1];
        assert_eq!(sign.act(g, (0, 3)), (5, 8));
        assert_eq!(
            sign.names().unwrap()[1],
            "s σ=(0 8)(1 7)(2 6)(3 5) τ=(0 8)(1 7)(2 6)(3 5)"
        );
        assert_eq!(cmp(Operation::Max).order(), Some(2));
        assert!(cmp(Operation::Max).has_swaps());
        // |a − b| is kept by the swap and by a ↦ n − 1 − a on both operands
        let abs = cmp(Operation::AbsDiff);
        assert_eq!(abs.order(), Some(4));
        check_group(&with(Operation::AbsDiff, 9, |_| {}), &abs);
        // conjugation and a·b·a on S_3 by search: a group whose elements keep the labels
        for op in [Operation::Conj, Operation::Aba] {
            let t = named(op, "S3");
            let sym = TaskSymmetry::of(&t);
            check_group(&t, &sym);
        }
    }

    #[test]
    fn large_groups_keep_generators_and_order_only() {
        // a constant table on 5 symbols: Sym_f = (S_5 × S_5) ⋊ C_2, order 28800
        let dir = std::env::temp_dir().join(format!("symrfm-sym-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("const.csv");
        std::fs::write(&path, "0,0,0,0,0\n".repeat(5)).unwrap();
        let t = with(Operation::Table, 0, |s| s.table = Some(path.clone()));
        let sym = TaskSymmetry::of(&t);
        assert_eq!(sym.order_text(), "28800");
        assert!(sym.elements().is_none());
        assert_eq!(closure(sym.generators(), 10).len(), 28800);
        // far beyond u64: 20!² · 2
        std::fs::write(&path, format!("{}\n", ["1"; 20].join(",")).repeat(20)).unwrap();
        let t = with(Operation::Table, 0, |s| s.table = Some(path.clone()));
        let sym = TaskSymmetry::of(&t);
        let f20: u128 = (1..=20u128).product();
        assert_eq!(sym.order(), None);
        assert_eq!(sym.order_text(), (f20 * f20 * 2).to_string());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// All (σ, τ) by brute force over S_n × S_n: the count for M = L and whether a swap exists.
    fn brute(n: usize, l: &[u32]) -> (usize, bool) {
        let perms = {
            let mut out = vec![];
            let mut p: Vec<usize> = (0..n).collect();
            loop {
                out.push(p.clone());
                let Some(i) = (1..n).rev().find(|&i| p[i - 1] < p[i]) else {
                    break;
                };
                let j = (i..n).rev().find(|&j| p[j] > p[i - 1]).unwrap();
                p.swap(i - 1, j);
                p[i..].reverse();
            }
            out
        };
        let (mut count, mut swap) = (0, false);
        for s in &perms {
            for t in &perms {
                let ok = (0..n).all(|x| (0..n).all(|y| l[s[x] * n + t[y]] == l[x * n + y]));
                count += ok as usize;
                swap |= (0..n).all(|x| (0..n).all(|y| l[s[x] * n + t[y]] == l[y * n + x]));
            }
        }
        (count, swap)
    }

    /// Each construction against brute force over S_n × S_n on small tasks: Dih(A) on abelian
    /// groups, `r^g` on named groups (abelian or not), and the search on the polynomial controls,
    /// `mul` keeping 0, comparisons and a graph: the order is the number of label-preserving
    /// (σ, τ), doubled when a swap keeps the labels, and every listed element keeps them.
    #[test]
    fn every_construction_matches_brute_force_on_small_tasks() {
        let mut tasks = vec![
            with(Operation::Add, 5, |_| {}),
            with(Operation::Sub, 6, |_| {}),
            with(Operation::Mul, 7, |_| {}),
            with(Operation::Div, 5, |_| {}),
            with(Operation::Add, 0, |s| s.group = Some(vec![2, 2])),
            named(Operation::Mul, "S3"),
            named(Operation::Div, "S3"),
            named(Operation::Mul, "Z6"),
            with(Operation::SquareSum, 5, |_| {}),
            with(Operation::Mul, 5, |s| {
                s.zero = crate::group::ZeroConvention::Keep
            }),
            with(Operation::AbsDiff, 5, |_| {}),
            with(Operation::Max, 6, |_| {}),
        ];
        tasks.push(with(Operation::GraphDistance, 0, |s| {
            s.graph = Some("path:5".into())
        }));
        for task in &tasks {
            let n = task.n_symbols();
            let (count, swap) = brute(n, task.labels());
            let sym = TaskSymmetry::of(task);
            let expect = count * if swap { 2 } else { 1 };
            assert_eq!(sym.order(), Some(expect as u64), "{}", task.describe());
            assert_eq!(sym.has_swaps(), swap, "{}", task.describe());
            check_group(task, &sym);
            // the method: construction exactly for the group tasks
            let group_task = task.group().is_some() || task.finite_group().is_some();
            assert_eq!(
                sym.method() == Method::Construction,
                group_task,
                "{}",
                task.describe()
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn search_counts_match_brute_force(
            n in 1usize..6,
            classes in 1u32..4,
            raw in prop::collection::vec(any::<u32>(), 25),
        ) {
            let l: Vec<u32> = raw[..n * n].iter().map(|v| v % classes).collect();
            let chain = symmetry_chain(n, &l);
            let order: usize = chain.orbit_lengths.iter().product();
            let (count, swap) = brute(n, &l);
            prop_assert_eq!(order, count);
            prop_assert_eq!(find_swap(n, &l).is_some(), swap);
            let gens: Vec<CoordPerm> = chain.generators.iter().map(|g| coord_perm(n, g, false)).collect();
            prop_assert_eq!(closure(&gens, 2 * n).len(), count);
        }
    }
}
