//! Binary operations as learning tasks: the label table of `a ∘ b` for every pair of symbols.

use super::abelian::AbelianGroup;
use super::finite::FiniteGroup;
use super::numtheory::is_prime;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The binary operation of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// a + b in Z_n (or componentwise in a product of cyclic groups).
    Add,
    /// a − b in Z_n (or componentwise).
    Sub,
    /// a · b in Z_p^* (p prime; or in Z_p keeping 0).
    Mul,
    /// a · b⁻¹ in Z_p^* (p prime).
    Div,
    /// a² + b² mod p (a control with no dihedral symmetry).
    #[serde(rename = "x2+y2")]
    SquareSum,
    /// a² + ab + b² mod p.
    #[serde(rename = "x2+xy+y2")]
    QuadraticForm,
    /// a³ + ab mod p.
    #[serde(rename = "x3+xy")]
    CubicPlusProduct,
    /// a·b·a⁻¹ in the group `task.group` (conjugation).
    Conj,
    /// a·b·a in the group `task.group`.
    Aba,
    /// a³ + ab² + b mod p.
    #[serde(rename = "x3+xy2+y")]
    CubicMixed,
    /// a + b mod p if a is even, else a·b mod p.
    ParityMul,
    /// a + b mod p if a is even, else a − b mod p.
    ParitySub,
    /// The distance d(a, b) between vertices of the connected graph `task.graph`.
    GraphDistance,
    /// sign(a − b) on 0..p−1 as three classes: 0 (a < b), 1 (a = b), 2 (a > b).
    Sign,
    /// max(a, b) on 0..p−1.
    Max,
    /// |a − b| on 0..p−1.
    AbsDiff,
    /// Labels read from the n × n CSV table `task.table`.
    Table,
}

impl Operation {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Add => "add",
            Operation::Sub => "sub",
            Operation::Mul => "mul",
            Operation::Div => "div",
            Operation::SquareSum => "x2+y2",
            Operation::QuadraticForm => "x2+xy+y2",
            Operation::CubicPlusProduct => "x3+xy",
            Operation::Conj => "conj",
            Operation::Aba => "aba",
            Operation::CubicMixed => "x3+xy2+y",
            Operation::ParityMul => "parity-mul",
            Operation::ParitySub => "parity-sub",
            Operation::GraphDistance => "graph-distance",
            Operation::Sign => "sign",
            Operation::Max => "max",
            Operation::AbsDiff => "abs-diff",
            Operation::Table => "table",
        }
    }
    /// Whether the task is `a ⋆ b⁻¹` (sub, div) rather than `a ⋆ b`.
    pub fn is_inverse_form(self) -> bool {
        matches!(self, Operation::Sub | Operation::Div)
    }
}

/// Whether the multiplicative tasks keep the residue 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroConvention {
    /// Drop 0: symbols are 1..p−1, the group Z_p^* (default).
    #[default]
    Drop,
    /// Keep 0 (older convention, `mul` only): symbols 0..p−1; no group structure.
    Keep,
}

/// What the user asked for; validated into a [`Task`] by [`Task::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The operation.
    pub operation: Operation,
    /// The modulus p (ignored when `group` is given; 0 then, and absent from run files).
    #[serde(default)]
    pub modulus: u64,
    /// Orders of cyclic factors for `add`/`sub` on a product group (e.g. `[5, 7]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<usize>>,
    /// Zero convention for `mul`/`div`.
    #[serde(default)]
    pub zero: ZeroConvention,
    /// Spec name `task.group` for a group by name (`S4`, `D12`, `Q8`, `S3xZ4`,
    /// `perm:(1 2 3),(1 2)`; see [`parse_group_name`](super::names::parse_group_name)) for the
    /// group operations add, sub, mul, div, conj, aba. Absent for the older tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Spec name `task.graph`: the graph of `graph-distance` (`cycle:12`, `path:8`, `grid:3x4`,
    /// `hypercube:4`, `bipartite:3x4`, `petersen`, or `file:PATH` for an edge list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<String>,
    /// Spec name `task.table`: the n × n CSV label table of the task `table`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<std::path::PathBuf>,
}

impl TaskSpec {
    /// `operation` modulo `modulus` with the default conventions.
    pub fn new(operation: Operation, modulus: u64) -> Self {
        TaskSpec {
            operation,
            modulus,
            group: None,
            zero: ZeroConvention::Drop,
            group_name: None,
            graph: None,
            table: None,
        }
    }

    /// `operation` on the named finite group `group` (`S4`, `D12`, `Q8`, `S3xZ4`, `perm:…`), as
    /// `--task OP --group NAME`.
    pub fn on_group(operation: Operation, group: &str) -> Self {
        TaskSpec {
            group_name: Some(group.to_string()),
            ..TaskSpec::new(operation, 0)
        }
    }

    /// Graph distance on the named graph (`cycle:12`, `hypercube:4`, …), as `--graph`.
    pub fn on_graph(graph: &str) -> Self {
        TaskSpec {
            graph: Some(graph.to_string()),
            ..TaskSpec::new(Operation::GraphDistance, 0)
        }
    }
}

/// Largest number of symbols accepted (the dataset has n² pairs).
pub const MAX_SYMBOLS: u64 = 4096;

/// A validated task: `n` input symbols, `n_classes` labels and the label of every pair.
#[derive(Clone, Debug)]
pub struct Task {
    spec: TaskSpec,
    n: usize,
    n_classes: usize,
    labels: Vec<u32>,
    symbol_names: Vec<String>,
    group: Option<AbelianGroup>,
    finite: Option<FiniteGroup>,
}

impl Task {
    /// Validates `spec` and builds the label table.
    pub fn new(spec: TaskSpec) -> Result<Self> {
        if let Some(task) = super::kinds::build(&spec)? {
            return Ok(task);
        }
        let op = spec.operation;
        if let Some(factors) = &spec.group {
            if !matches!(op, Operation::Add | Operation::Sub) {
                return Err(Error::param(
                    "task.group",
                    format!("{factors:?} with task {}", op.name()),
                    "product groups are supported for tasks add and sub only",
                ));
            }
            if factors.is_empty() || factors.iter().any(|&f| f < 2) {
                return Err(Error::param(
                    "task.group",
                    format!("{factors:?}"),
                    "factors ≥ 2, e.g. 5x7",
                ));
            }
            let order = factors
                .iter()
                .try_fold(1u64, |acc, &f| acc.checked_mul(f as u64));
            if order.is_none_or(|o| o > MAX_SYMBOLS) {
                return Err(Error::param(
                    "task.group",
                    format!("{factors:?}"),
                    format!("a group order of at most {MAX_SYMBOLS}"),
                ));
            }
            let group = AbelianGroup::product(factors);
            return Ok(Self::from_group(spec.clone(), group));
        }
        let p = spec.modulus;
        if !(2..=MAX_SYMBOLS).contains(&p) {
            return Err(Error::param(
                "task.modulus",
                p,
                format!("an integer from 2 to {MAX_SYMBOLS}"),
            ));
        }
        match op {
            Operation::Add | Operation::Sub => Ok(Self::from_group(
                spec.clone(),
                AbelianGroup::cyclic(p as usize),
            )),
            Operation::Mul | Operation::Div => {
                if !is_prime(p) {
                    return Err(Error::param(
                        "task.modulus",
                        p,
                        format!(
                            "a prime for task {} (Z_p^* is a group only for prime p)",
                            op.name()
                        ),
                    ));
                }
                match spec.zero {
                    ZeroConvention::Drop => {
                        let group = AbelianGroup::multiplicative(p)
                            .ok_or_else(|| Error::param("task.modulus", p, "a prime"))?;
                        if group.order() < 2 {
                            return Err(Error::param(
                                "task.modulus",
                                p,
                                format!(
                                    "a prime ≥ 3 for task {} (Z_2^* has one element)",
                                    op.name()
                                ),
                            ));
                        }
                        Ok(Self::from_group(spec.clone(), group))
                    }
                    ZeroConvention::Keep => {
                        if op == Operation::Div {
                            return Err(Error::param(
                                "task.zero",
                                "set",
                                "only with task mul (division by 0 is undefined)",
                            ));
                        }
                        Ok(Self::from_fn(
                            spec.clone(),
                            p as usize,
                            p as usize,
                            |a, b| (a * b % p) as u32,
                            None,
                        ))
                    }
                }
            }
            Operation::SquareSum => Ok(Self::from_fn(
                spec.clone(),
                p as usize,
                p as usize,
                |a, b| ((a * a + b * b) % p) as u32,
                None,
            )),
            Operation::QuadraticForm => Ok(Self::from_fn(
                spec.clone(),
                p as usize,
                p as usize,
                |a, b| ((a * a + a * b + b * b) % p) as u32,
                None,
            )),
            Operation::CubicPlusProduct => Ok(Self::from_fn(
                spec.clone(),
                p as usize,
                p as usize,
                |a, b| (((a * a % p) * a + a * b) % p) as u32,
                None,
            )),
            // built by `kinds::build` above
            _ => unreachable!("task kind {} is built by group::kinds", op.name()),
        }
    }

    fn from_group(spec: TaskSpec, group: AbelianGroup) -> Self {
        let n = group.order();
        let inverse = spec.operation.is_inverse_form();
        let mut labels = vec![0u32; n * n];
        for a in 0..n {
            for b in 0..n {
                let rhs = if inverse { group.inverse(b) } else { b };
                labels[a * n + b] = group.op(a, rhs) as u32;
            }
        }
        let symbol_names = (0..n).map(|a| group.element_name(a).to_string()).collect();
        Task {
            spec,
            n,
            n_classes: n,
            labels,
            symbol_names,
            group: Some(group),
            finite: None,
        }
    }

    fn from_fn(
        spec: TaskSpec,
        n: usize,
        n_classes: usize,
        f: impl Fn(u64, u64) -> u32,
        group: Option<AbelianGroup>,
    ) -> Self {
        let mut labels = vec![0u32; n * n];
        for a in 0..n {
            for b in 0..n {
                labels[a * n + b] = f(a as u64, b as u64);
            }
        }
        let symbol_names = (0..n).map(|a| a.to_string()).collect();
        Task {
            spec,
            n,
            n_classes,
            labels,
            symbol_names,
            group,
            finite: None,
        }
    }

    /// A task from its label table (`labels[a * n + b]` in `0..n_classes`, checked by the caller)
    /// and symbol names; `finite` is the group of a group task.
    pub(crate) fn from_parts(
        spec: TaskSpec,
        n_classes: usize,
        labels: Vec<u32>,
        symbol_names: Vec<String>,
        finite: Option<FiniteGroup>,
    ) -> Self {
        let n = symbol_names.len();
        debug_assert_eq!(labels.len(), n * n);
        debug_assert!(labels.iter().all(|&l| (l as usize) < n_classes));
        Task {
            spec,
            n,
            n_classes,
            labels,
            symbol_names,
            group: None,
            finite,
        }
    }

    /// The specification this task was built from.
    pub fn spec(&self) -> &TaskSpec {
        &self.spec
    }
    /// Number of input symbols n (inputs live in R^{2n}).
    pub fn n_symbols(&self) -> usize {
        self.n
    }
    /// Number of classes (output dimension).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    /// Number of pairs n².
    pub fn n_pairs(&self) -> usize {
        self.n * self.n
    }
    /// Input dimension 2n.
    pub fn input_dim(&self) -> usize {
        2 * self.n
    }
    /// Label of the pair `(a, b)`.
    #[inline]
    pub fn label(&self, a: usize, b: usize) -> usize {
        self.labels[a * self.n + b] as usize
    }
    /// Labels of all pairs, indexed by `a * n + b`.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }
    /// The pair `(a, b)` of a pair index `a * n + b`.
    #[inline]
    pub fn pair(&self, index: usize) -> (usize, usize) {
        (index / self.n, index % self.n)
    }
    /// The readable value of a symbol (`"5"` for the residue 5, `"(1,4)"` in a product group).
    pub fn symbol_name(&self, a: usize) -> &str {
        &self.symbol_names[a]
    }
    /// The abelian group behind the task, when there is one.
    pub fn group(&self) -> Option<&AbelianGroup> {
        self.group.as_ref()
    }
    /// The finite group of a task given by `task.group` (mul, div, conj, aba on any group).
    pub fn finite_group(&self) -> Option<&FiniteGroup> {
        self.finite.as_ref()
    }
    /// A short description like `add on Z_61`, `mul on S_4 (order 24)`.
    pub fn describe(&self) -> String {
        if let Some(g) = &self.finite {
            return format!(
                "{} on {} (order {})",
                self.spec.operation.name(),
                g.name(),
                g.order()
            );
        }
        if let Some(graph) = &self.spec.graph {
            return format!(
                "{} on {graph} ({} vertices)",
                self.spec.operation.name(),
                self.n
            );
        }
        if let Some(path) = &self.spec.table {
            return format!(
                "table {} ({} symbols, {} classes)",
                path.display(),
                self.n,
                self.n_classes
            );
        }
        match &self.group {
            Some(g) => format!("{} on {}", self.spec.operation.name(), g.name()),
            None => format!("{} mod {}", self.spec.operation.name(), self.spec.modulus),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(op: Operation, p: u64) -> Result<Task> {
        Task::new(TaskSpec::new(op, p))
    }

    #[test]
    fn labels_follow_formulas() {
        let p = 13u64;
        let add = task(Operation::Add, p).unwrap();
        let sub = task(Operation::Sub, p).unwrap();
        let sq = task(Operation::SquareSum, p).unwrap();
        let qf = task(Operation::QuadraticForm, p).unwrap();
        let cu = task(Operation::CubicPlusProduct, p).unwrap();
        for a in 0..p {
            for b in 0..p {
                let (ai, bi) = (a as usize, b as usize);
                assert_eq!(add.label(ai, bi) as u64, (a + b) % p);
                assert_eq!(sub.label(ai, bi) as u64, (a + p - b) % p);
                assert_eq!(sq.label(ai, bi) as u64, (a * a + b * b) % p);
                assert_eq!(qf.label(ai, bi) as u64, (a * a + a * b + b * b) % p);
                assert_eq!(cu.label(ai, bi) as u64, (a * a * a + a * b) % p);
            }
        }
        let mul = task(Operation::Mul, p).unwrap();
        let div = task(Operation::Div, p).unwrap();
        assert_eq!(mul.n_symbols(), 12);
        for a in 1..p {
            for b in 1..p {
                let m = mul.label(a as usize - 1, b as usize - 1) as u64 + 1;
                assert_eq!(m, a * b % p);
                let d = div.label(a as usize - 1, b as usize - 1) as u64 + 1;
                assert_eq!(d * b % p, a, "a/b*b = a");
            }
        }
        let mut keep = TaskSpec::new(Operation::Mul, p);
        keep.zero = ZeroConvention::Keep;
        let k = Task::new(keep).unwrap();
        assert_eq!(k.n_symbols(), 13);
        assert_eq!(k.label(0, 5), 0);
        assert_eq!(k.label(3, 5) as u64, 15 % p);
    }

    #[test]
    fn product_groups_add_componentwise() {
        let mut spec = TaskSpec::new(Operation::Sub, 0);
        spec.group = Some(vec![5, 7]);
        let t = Task::new(spec).unwrap();
        assert_eq!(t.n_symbols(), 35);
        for a in 0..35 {
            for b in 0..35 {
                let (a1, a2, b1, b2) = (a / 7, a % 7, b / 7, b % 7);
                let expected = ((a1 + 5 - b1) % 5) * 7 + (a2 + 7 - b2) % 7;
                assert_eq!(t.label(a, b), expected);
            }
        }
    }

    #[test]
    fn bad_moduli_are_errors_naming_the_parameter() {
        for (op, p) in [
            (Operation::Div, 15),
            (Operation::Mul, 1),
            (Operation::Add, 1),
            (Operation::Add, 0),
            (Operation::Div, 2),
        ] {
            let err = task(op, p).unwrap_err();
            assert!(err.is_usage());
            assert!(err.to_string().contains("task.modulus"), "{err}");
        }
        let mut keep = TaskSpec::new(Operation::Div, 7);
        keep.zero = ZeroConvention::Keep;
        assert!(Task::new(keep)
            .unwrap_err()
            .to_string()
            .contains("task.zero"));
        let mut g = TaskSpec::new(Operation::Mul, 7);
        g.group = Some(vec![3, 3]);
        assert!(Task::new(g).unwrap_err().to_string().contains("task.group"));
    }
}
