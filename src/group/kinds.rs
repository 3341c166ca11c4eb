//! The task kinds beyond the abelian group tasks: group operations on any finite group, the rest
//! of the grokking benchmark mod p, comparisons, graph distances and label tables from files.
//!
//! Every kind is a label table on n symbols with c classes; [`build`] returns `None` for the
//! older specifications, which [`Task::new`] builds as before.

use super::finite::{FiniteGroup, MAX_ORDER};
use super::names::parse_group_name;
use super::task::{Operation, Task, TaskSpec, MAX_SYMBOLS};
use crate::error::{Error, Result};

/// Builds the task of `spec` when it uses a new kind (a named group, a graph, a table, or one of
/// the operations conj, aba, x3+xy2+y, parity-mul, parity-sub, sign, max, abs-diff); `None` for
/// the older kinds.
pub(crate) fn build(spec: &TaskSpec) -> Result<Option<Task>> {
    use Operation::*;
    let op = spec.operation;
    let new_op = matches!(
        op,
        Conj | Aba
            | CubicMixed
            | ParityMul
            | ParitySub
            | GraphDistance
            | Sign
            | Max
            | AbsDiff
            | Table
    );
    if !new_op && spec.group_name.is_none() && spec.graph.is_none() && spec.table.is_none() {
        return Ok(None);
    }
    if let Some(graph) = &spec.graph {
        if op != GraphDistance {
            return Err(Error::param(
                "task.graph",
                graph,
                format!("only with task graph-distance (the task is {})", op.name()),
            ));
        }
    }
    if let Some(path) = &spec.table {
        if op != Table {
            return Err(Error::param(
                "task.table",
                path.display(),
                format!("only with task table (the task is {})", op.name()),
            ));
        }
    }
    if let Some(name) = &spec.group_name {
        if !matches!(op, Add | Sub | Mul | Div | Conj | Aba) {
            return Err(Error::param(
                "task.group",
                name,
                format!(
                    "only with the group tasks add, sub, mul, div, conj, aba (the task is {})",
                    op.name()
                ),
            ));
        }
        if spec.group.is_some() {
            return Err(Error::param(
                "task.group",
                name,
                "either cyclic factors or a group name, not both",
            ));
        }
    }
    let task = match op {
        Add | Sub | Mul | Div | Conj | Aba => {
            let name = spec.group_name.as_deref().ok_or_else(|| {
                Error::param(
                    "task.group",
                    "(none)",
                    format!("a group name for task {}, e.g. S4", op.name()),
                )
            })?;
            let group = parse_group_name(name)?;
            if matches!(op, Add | Sub) && !group.is_abelian() {
                return Err(Error::param(
                    "task.group",
                    name,
                    format!(
                        "an abelian group for task {} (written additively); use mul or div on {}",
                        op.name(),
                        group.name()
                    ),
                ));
            }
            group_task(spec.clone(), group)
        }
        CubicMixed | ParityMul | ParitySub | Sign | Max | AbsDiff => modular_task(spec)?,
        GraphDistance => super::graph::distance_task(spec)?,
        Table => super::table::table_task(spec)?,
        SquareSum | QuadraticForm | CubicPlusProduct => unreachable!("older kinds return None"),
    };
    Ok(Some(task))
}

/// The label `f(a, b)` of a group operation on element indices.
pub fn group_label(group: &FiniteGroup, op: Operation, a: usize, b: usize) -> usize {
    match op {
        Operation::Sub | Operation::Div => group.op(a, group.inverse(b)),
        Operation::Conj => group.op(group.op(a, b), group.inverse(a)),
        Operation::Aba => group.op(group.op(a, b), a),
        _ => group.op(a, b),
    }
}

fn group_task(spec: TaskSpec, group: FiniteGroup) -> Task {
    let n = group.order();
    debug_assert!(n <= MAX_ORDER);
    let op = spec.operation;
    let mut labels = vec![0u32; n * n];
    for a in 0..n {
        for b in 0..n {
            labels[a * n + b] = group_label(&group, op, a, b) as u32;
        }
    }
    let names = (0..n).map(|a| group.element_name(a).to_string()).collect();
    Task::from_parts(spec, n, labels, names, Some(group))
}

fn modular_task(spec: &TaskSpec) -> Result<Task> {
    let p = spec.modulus;
    if !(2..=MAX_SYMBOLS).contains(&p) {
        return Err(Error::param(
            "task.modulus",
            p,
            format!("an integer from 2 to {MAX_SYMBOLS}"),
        ));
    }
    let n = p as usize;
    let (classes, f): (usize, Box<dyn Fn(u64, u64) -> u64>) = match spec.operation {
        Operation::CubicMixed => (
            n,
            Box::new(move |a, b| ((a * a % p) * a + a * (b * b % p) + b) % p),
        ),
        Operation::ParityMul => (
            n,
            Box::new(move |a, b| if a % 2 == 0 { (a + b) % p } else { a * b % p }),
        ),
        Operation::ParitySub => (
            n,
            Box::new(move |a, b| {
                if a % 2 == 0 {
                    (a + b) % p
                } else {
                    (a + p - b) % p
                }
            }),
        ),
        Operation::Sign => (3, Box::new(|a, b| (a.cmp(&b) as i64 + 1) as u64)),
        Operation::Max => (n, Box::new(|a: u64, b: u64| a.max(b))),
        Operation::AbsDiff => (n, Box::new(|a: u64, b: u64| a.abs_diff(b))),
        other => unreachable!("{} is not a modular task", other.name()),
    };
    let mut labels = vec![0u32; n * n];
    for a in 0..n {
        for b in 0..n {
            labels[a * n + b] = f(a as u64, b as u64) as u32;
        }
    }
    let names = (0..n).map(|a| a.to_string()).collect();
    Ok(Task::from_parts(spec.clone(), classes, labels, names, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(op: Operation, p: u64) -> TaskSpec {
        TaskSpec::new(op, p)
    }

    fn group_spec(op: Operation, group: &str) -> TaskSpec {
        TaskSpec::on_group(op, group)
    }

    #[test]
    fn modular_tasks_follow_their_formulas() {
        let p = 11u64;
        let t = |op| Task::new(spec(op, p)).unwrap();
        let (cm, pm, ps, sg, mx, ad) = (
            t(Operation::CubicMixed),
            t(Operation::ParityMul),
            t(Operation::ParitySub),
            t(Operation::Sign),
            t(Operation::Max),
            t(Operation::AbsDiff),
        );
        assert_eq!(sg.n_classes(), 3);
        for a in 0..p as i64 {
            for b in 0..p as i64 {
                let (ai, bi) = (a as usize, b as usize);
                let m = p as i64;
                assert_eq!(cm.label(ai, bi) as i64, (a * a * a + a * b * b + b) % m);
                let expect = if a % 2 == 0 { (a + b) % m } else { (a * b) % m };
                assert_eq!(pm.label(ai, bi) as i64, expect);
                let expect = if a % 2 == 0 {
                    (a + b) % m
                } else {
                    (a - b).rem_euclid(m)
                };
                assert_eq!(ps.label(ai, bi) as i64, expect);
                assert_eq!(sg.label(ai, bi) as i64, (a - b).signum() + 1);
                assert_eq!(mx.label(ai, bi) as i64, a.max(b));
                assert_eq!(ad.label(ai, bi) as i64, (a - b).abs());
            }
        }
    }

    #[test]
    fn group_operations_on_named_groups() {
        let s4 = Task::new(group_spec(Operation::Mul, "S4")).unwrap();
        assert_eq!((s4.n_symbols(), s4.n_classes()), (24, 24));
        assert_eq!(s4.describe(), "mul on S_4 (order 24)");
        let g = s4.finite_group().unwrap().clone();
        let div = Task::new(group_spec(Operation::Div, "S4")).unwrap();
        let conj = Task::new(group_spec(Operation::Conj, "S4")).unwrap();
        let aba = Task::new(group_spec(Operation::Aba, "S4")).unwrap();
        for a in 0..24 {
            for b in 0..24 {
                // the reference: compose the permutations named by the symbols
                assert_eq!(s4.label(a, b), g.op(a, b));
                assert_eq!(g.op(div.label(a, b), b), a, "(a b⁻¹) b = a");
                assert_eq!(g.op(conj.label(a, b), a), g.op(a, b), "(a b a⁻¹) a = a b");
                assert_eq!(aba.label(a, b), g.op(g.op(a, b), a));
            }
        }
        // the symbols are the permutations in cycle notation
        assert_eq!(s4.symbol_name(0), "()");
        // mul on a product of cyclic groups equals today's add on the same group
        let named = Task::new(group_spec(Operation::Mul, "5x7")).unwrap();
        let mut old = TaskSpec::new(Operation::Add, 0);
        old.group = Some(vec![5, 7]);
        let old = Task::new(old).unwrap();
        assert_eq!(named.labels(), old.labels());
        assert_eq!(named.symbol_name(11), old.symbol_name(11));
        // mul on Z_p^* by name equals today's mul mod p
        let named = Task::new(group_spec(Operation::Div, "Z13*")).unwrap();
        let old = Task::new(TaskSpec::new(Operation::Div, 13)).unwrap();
        assert_eq!(named.labels(), old.labels());
    }

    #[test]
    fn bad_specs_name_their_parameter() {
        let cases: Vec<(TaskSpec, &str)> = vec![
            (group_spec(Operation::Add, "S3"), "task.group"),
            (group_spec(Operation::Conj, "S9"), "task.group"),
            (spec(Operation::Conj, 7), "task.group"),
            (group_spec(Operation::SquareSum, "S3"), "task.group"),
            (spec(Operation::Sign, 1), "task.modulus"),
            (spec(Operation::Max, 5000), "task.modulus"),
            (spec(Operation::GraphDistance, 0), "task.graph"),
            (spec(Operation::Table, 0), "task.table"),
            (
                TaskSpec {
                    graph: Some("cycle:5".into()),
                    ..spec(Operation::Add, 5)
                },
                "task.graph",
            ),
            (
                TaskSpec {
                    table: Some("x.csv".into()),
                    ..spec(Operation::Add, 5)
                },
                "task.table",
            ),
        ];
        for (s, name) in cases {
            let err = Task::new(s.clone()).expect_err(&format!("{s:?}"));
            assert!(err.is_usage(), "{err}");
            assert!(err.to_string().contains(name), "{s:?}: {err}");
        }
    }

    #[test]
    fn older_specs_serialize_as_before() {
        let s = TaskSpec::new(Operation::Add, 61);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"operation":"add","modulus":61,"zero":"drop"}"#
        );
        let g = group_spec(Operation::Mul, "S4");
        let text = serde_json::to_string(&g).unwrap();
        assert_eq!(
            text,
            r#"{"operation":"mul","modulus":0,"zero":"drop","group_name":"S4"}"#
        );
        assert_eq!(serde_json::from_str::<TaskSpec>(&text).unwrap(), g);
    }
}
