//! Exact search for the symmetries of a label table (SCIENCE.md §6).
//!
//! A symmetry of a task with label table L on n symbols is a pair of permutations (σ, τ) with
//! `L[σx][τy] = M[x][y]` for all x, y, where M = L (maps `(a, b) ↦ (σa, τb)`) or M = Lᵀ (maps
//! `(a, b) ↦ (σb, τa)`, the swaps). [`find_isotopism`] finds one such pair under extra
//! constraints by partition refinement (candidate sets for every row and column image, pruned by
//! label-multiset invariants and by every fixed row/column) and backtracking on the smallest
//! candidate set. [`symmetry_chain`] builds a stabilizer chain of the swap-free part K from it:
//! for each base point β_k, the orbit of β_k under the pointwise stabilizer of β_1 … β_{k−1},
//! each orbit point either reached by elements already found or proven (un)reachable by a search;
//! |K| is the product of the orbit lengths and the elements found generate K (Sims' method).

/// A solution `(σ, τ)`: `σ[x]` is the image of row x, `τ[y]` of column y.
pub type Isotopism = (Vec<u32>, Vec<u32>);

/// A point of the search: row `x` (`0..n`) or column `y` (`n + y`).
type Point = usize;

/// The search problem `L[σx][τy] = M[x][y]`.
pub struct Problem<'a> {
    n: usize,
    l: &'a [u32],
    m: Vec<u32>,
}

#[derive(Clone)]
struct State {
    /// Candidate images of each point (rows map to rows, columns to columns, as indices 0..n).
    cand: Vec<Vec<u32>>,
    /// Image of each point once fixed.
    image: Vec<Option<u32>>,
}

impl<'a> Problem<'a> {
    /// The problem for `L` (row-major `n × n`) and the target `M = L` (`transpose = false`) or
    /// `M = Lᵀ` (`transpose = true`).
    pub fn new(n: usize, l: &'a [u32], transpose: bool) -> Self {
        let m = if transpose {
            (0..n * n).map(|k| l[(k % n) * n + k / n]).collect()
        } else {
            l.to_vec()
        };
        Problem { n, l, m }
    }

    /// The initial state: candidate images share the multiset of labels of their row/column.
    fn initial(&self) -> State {
        let n = self.n;
        let sig = |t: &[u32], row: bool, i: usize| -> Vec<u32> {
            let mut v: Vec<u32> = (0..n)
                .map(|j| if row { t[i * n + j] } else { t[j * n + i] })
                .collect();
            v.sort_unstable();
            v
        };
        let mut cand = Vec::with_capacity(2 * n);
        for row in [true, false] {
            let ls: Vec<Vec<u32>> = (0..n).map(|i| sig(self.l, row, i)).collect();
            for i in 0..n {
                let ms = sig(&self.m, row, i);
                cand.push((0..n as u32).filter(|&j| ls[j as usize] == ms).collect());
            }
        }
        State {
            cand,
            image: vec![None; 2 * n],
        }
    }

    /// Fixes `p ↦ v` and propagates; `false` if a contradiction appears.
    fn fix(&self, s: &mut State, p: Point, v: u32) -> bool {
        let n = self.n;
        let mut stack = vec![(p, v)];
        while let Some((p, v)) = stack.pop() {
            match s.image[p] {
                Some(w) if w == v => continue,
                Some(_) => return false,
                None => {}
            }
            if !s.cand[p].contains(&v) {
                return false;
            }
            s.image[p] = Some(v);
            s.cand[p] = vec![v];
            let (is_row, i) = (p < n, p % n);
            // injectivity within the same kind
            let same = if is_row { 0..n } else { n..2 * n };
            for q in same {
                if q != p && s.image[q].is_none() {
                    s.cand[q].retain(|&w| w != v);
                    match s.cand[q].len() {
                        0 => return false,
                        1 => stack.push((q, s.cand[q][0])),
                        _ => {}
                    }
                }
            }
            // the other kind: L[v][c] = M[i][y] (row fixed) or L[r][v] = M[x][i] (column fixed)
            let other = if is_row { n..2 * n } else { 0..n };
            for q in other {
                if s.image[q].is_some() {
                    let w = s.image[q].unwrap_or(0) as usize;
                    let ok = if is_row {
                        self.l[v as usize * n + w] == self.m[i * n + (q - n)]
                    } else {
                        self.l[w * n + v as usize] == self.m[q * n + i]
                    };
                    if !ok {
                        return false;
                    }
                    continue;
                }
                let j = q % n;
                if is_row {
                    let want = self.m[i * n + j];
                    let row = &self.l[v as usize * n..(v as usize + 1) * n];
                    s.cand[q].retain(|&c| row[c as usize] == want);
                } else {
                    let want = self.m[j * n + i];
                    s.cand[q].retain(|&r| self.l[r as usize * n + v as usize] == want);
                }
                match s.cand[q].len() {
                    0 => return false,
                    1 => stack.push((q, s.cand[q][0])),
                    _ => {}
                }
            }
        }
        true
    }

    /// Depth-first search for one complete solution from `s`.
    fn dfs(&self, s: State) -> Option<Isotopism> {
        let pick = (0..2 * self.n)
            .filter(|&p| s.image[p].is_none())
            .min_by_key(|&p| s.cand[p].len());
        let Some(p) = pick else {
            let n = self.n;
            let img: Vec<u32> = s.image.iter().map(|v| v.unwrap_or(0)).collect();
            return Some((img[..n].to_vec(), img[n..].to_vec()));
        };
        for &v in &s.cand[p] {
            let mut t = s.clone();
            if self.fix(&mut t, p, v) {
                if let Some(sol) = self.dfs(t) {
                    return Some(sol);
                }
            }
        }
        None
    }

    /// The state with `constraints` (point ↦ image) fixed, or `None` if contradictory.
    fn constrained(&self, constraints: &[(Point, u32)]) -> Option<State> {
        let mut s = self.initial();
        for &(p, v) in constraints {
            if !self.fix(&mut s, p, v) {
                return None;
            }
        }
        Some(s)
    }
}

/// One solution of `L[σx][τy] = M[x][y]` respecting `constraints` (point ↦ image, rows `0..n`,
/// columns `n..2n`), if any.
pub fn find_isotopism(problem: &Problem, constraints: &[(usize, u32)]) -> Option<Isotopism> {
    let s = problem.constrained(constraints)?;
    problem.dfs(s)
}

/// The result of [`symmetry_chain`]: generators of the swap-free symmetries K and the orbit
/// lengths of its stabilizer chain (|K| is their product).
pub struct Chain {
    /// Generators of K (non-identity), each `(σ, τ)`.
    pub generators: Vec<Isotopism>,
    /// Orbit lengths |β_k^{K_{k−1}}| > 1 along the chain.
    pub orbit_lengths: Vec<usize>,
}

/// The stabilizer chain of K = {(σ, τ) : L[σx][τy] = L[x][y]} (see the module docs).
pub fn symmetry_chain(n: usize, labels: &[u32]) -> Chain {
    let problem = Problem::new(n, labels, false);
    let mut state = problem.initial();
    let mut generators = Vec::new();
    let mut orbit_lengths = Vec::new();
    for beta in 0..2 * n {
        if state.image.iter().all(Option::is_some) {
            break; // the pointwise stabilizer is trivial
        }
        let cand = state.cand[beta].clone();
        if cand.len() > 1 {
            let point_image = |g: &Isotopism, x: u32| -> u32 {
                if beta < n {
                    g.0[x as usize]
                } else {
                    g.1[x as usize]
                }
            };
            let b = (beta % n) as u32;
            let mut level: Vec<Isotopism> = Vec::new();
            let mut orbit = vec![b];
            for &gamma in &cand {
                if orbit.contains(&gamma) {
                    continue;
                }
                let mut s = state.clone();
                if !problem.fix(&mut s, beta, gamma) {
                    continue;
                }
                if let Some(g) = problem.dfs(s) {
                    level.push(g);
                    // the orbit of b under the elements found at this level
                    orbit = vec![b];
                    let mut head = 0;
                    while head < orbit.len() {
                        let x = orbit[head];
                        head += 1;
                        for g in &level {
                            let y = point_image(g, x);
                            if !orbit.contains(&y) {
                                orbit.push(y);
                            }
                        }
                    }
                }
            }
            if orbit.len() > 1 {
                orbit_lengths.push(orbit.len());
                generators.extend(level);
            }
        }
        // the next level fixes β pointwise (the identity satisfies every such prefix)
        if !problem.fix(&mut state, beta, (beta % n) as u32) {
            break;
        }
    }
    Chain {
        generators,
        orbit_lengths,
    }
}

/// One swap `(σ, τ)` with `L[σx][τy] = L[y][x]` (the map `(a, b) ↦ (σb, τa)`), if any.
pub fn find_swap(n: usize, labels: &[u32]) -> Option<Isotopism> {
    find_isotopism(&Problem::new(n, labels, true), &[])
}

/// All solutions of the problem (up to `limit`; `None` if there are more). For tests and small
/// groups: it enumerates the search tree.
pub fn all_isotopisms(problem: &Problem, limit: usize) -> Option<Vec<Isotopism>> {
    fn rec(p: &Problem, s: State, out: &mut Vec<Isotopism>, limit: usize) -> bool {
        let pick = (0..2 * p.n)
            .filter(|&q| s.image[q].is_none())
            .min_by_key(|&q| s.cand[q].len());
        let Some(q) = pick else {
            let img: Vec<u32> = s.image.iter().map(|v| v.unwrap_or(0)).collect();
            out.push((img[..p.n].to_vec(), img[p.n..].to_vec()));
            return out.len() <= limit;
        };
        for &v in &s.cand[q] {
            let mut t = s.clone();
            if p.fix(&mut t, q, v) && !rec(p, t, out, limit) {
                return false;
            }
        }
        true
    }
    let mut out = Vec::new();
    let s = problem.initial();
    rec(problem, s, &mut out, limit).then_some(out)
}
