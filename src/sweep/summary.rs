//! Aggregating result lines over seeds: groups, mean ± std, markdown and CSV tables.
//!
//! A line's configuration is flattened into dotted paths (`split.fraction = 0.3`). Paths whose last
//! segment is `seed` are the replicates; lines that agree on every other path form a group, and
//! each group's numbers are the mean and the sample standard deviation (n − 1; 0 for one seed) over
//! its lines. Paths that take more than one value among the lines are the *varying* parameters:
//! they label the rows of the tables and the curves of the figures; a `label` field in the
//! configuration (e.g. `symmetric`/`broken`) is a parameter like any other.

use super::job::scalar_text;
use super::line::ResultLine;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Mean, sample standard deviation and count.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stat {
    /// Mean (NaN when n = 0).
    pub mean: f64,
    /// Sample standard deviation (0 when n ≤ 1).
    pub std: f64,
    /// Number of values.
    pub n: usize,
}

impl Stat {
    /// The statistics of `values`.
    pub fn of(values: &[f64]) -> Stat {
        let n = values.len();
        if n == 0 {
            return Stat {
                mean: f64::NAN,
                std: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Stat { mean, std, n }
    }

    /// `mean ± std` with `digits` decimals (`—` when empty).
    pub fn text(&self, digits: usize) -> String {
        if self.n == 0 {
            "—".into()
        } else if self.n == 1 {
            format!("{:.*}", digits, self.mean)
        } else {
            format!("{:.*} ± {:.*}", digits, self.mean, digits, self.std)
        }
    }
}

/// Whether a dotted path names a replicate seed.
pub fn is_seed_path(path: &str) -> bool {
    path == "seed" || path.ends_with(".seed")
}

/// A configuration as (dotted path, value text), sorted by path. An array of objects (such as the
/// edits of a split) is entered with the index as a path segment (`split.edits.0.seed`), so that
/// the seeds inside it count as replicate seeds; other arrays are leaves.
pub fn flatten(config: &Value) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    walk(config, "", &mut out);
    out.into_iter().collect()
}

fn walk(v: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(child, &path, out);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{prefix}.{i}"), out);
            }
        }
        other => {
            out.insert(prefix.to_string(), scalar_text(other));
        }
    }
}

/// A short display name of a parameter path for legends and titles: `task` (task.operation),
/// `p` (task.modulus), `split` (split.kind), `kernel` (params.kernel.kind), `L` (bandwidth), `s`
/// (agop_power); otherwise the last segment.
pub fn display_name(path: &str) -> String {
    match path {
        "task.operation" => "task",
        "task.modulus" => "p",
        "split.kind" => "split",
        "params.kernel.kind" | "params.kernel" => "kernel",
        "params.kernel.bandwidth" => "L",
        "params.agop_power" => "s",
        other => other.rsplit('.').next().unwrap_or(other),
    }
    .to_string()
}

/// Order in which parameters are shown: label, task, split, params, the rest.
fn path_rank(path: &str) -> (usize, String) {
    let head = path.split('.').next().unwrap_or(path);
    let rank = match head {
        "label" => 0,
        "task" => 1,
        "split" => 2,
        "params" => 3,
        "kind" => 5,
        _ => 4,
    };
    // A `kind` comes before its siblings (the kernel kind before its bandwidth).
    let key = match path.strip_suffix("kind") {
        Some(parent) if parent.is_empty() || parent.ends_with('.') => format!("{parent}\u{0}"),
        _ => path.to_string(),
    };
    (rank, key)
}

/// Whether a path names a variant (a `label`, or a `kind`): the paths it determines say nothing new.
fn names_variant(path: &str) -> bool {
    path == "label" || path == "kind" || path.ends_with(".kind")
}

/// Lines of one setting (all paths but seeds equal), with their statistics.
#[derive(Clone, Debug)]
pub struct Group {
    /// Every non-seed path and its value.
    pub key: Vec<(String, String)>,
    /// The seed values of the lines (all seed paths joined by `/`), in line order.
    pub seeds: Vec<String>,
    /// The lines' indices into the aggregated slice.
    pub members: Vec<usize>,
    /// Smallest job index among the lines (groups are ordered by it).
    pub first_index: usize,
    /// Final test accuracy.
    pub final_test_acc: Stat,
    /// Best test accuracy over iterations.
    pub best_test_acc: Stat,
    /// Final training accuracy.
    pub final_train_acc: Stat,
    /// Final test MSE.
    pub final_test_mse: Stat,
    /// First iteration with test accuracy ≥ 0.99, over the lines that reach it.
    pub first_iter_099: Stat,
    /// Wall time per job.
    pub seconds: Stat,
    /// Test accuracy per iteration.
    pub test_acc: Vec<Stat>,
    /// Training accuracy per iteration.
    pub train_acc: Vec<Stat>,
}

impl Group {
    /// The value of `path` in this group.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.key
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    /// Whether its jobs train a network (`net.model` set), whose curves have one point per
    /// evaluation and whose "first iteration" is an optimizer step.
    pub fn is_network(&self) -> bool {
        self.get("net.model").is_some()
    }

    /// `name=value` for the given paths ([`display_name`]), joined by `, `.
    pub fn label(&self, paths: &[String]) -> String {
        paths
            .iter()
            .map(|p| format!("{}={}", display_name(p), self.get(p).unwrap_or("—")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The aggregated results.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Non-seed paths with more than one value, in display order.
    pub varying: Vec<String>,
    /// The varying paths worth showing in tables and legends: a path whose value is determined by
    /// an earlier shown `label` or `kind` path (e.g. the split spec of a labelled variant, the
    /// bandwidth of a kernel kind) is left out. The CSV keeps all of [`Table::varying`].
    pub shown: Vec<String>,
    /// Non-seed paths with one value, and that value.
    pub constant: Vec<(String, String)>,
    /// Seed paths.
    pub seed_paths: Vec<String>,
    /// The groups, ordered by their first job index.
    pub groups: Vec<Group>,
    /// Successful lines aggregated (duplicates of a job id are counted once).
    pub n_ok: usize,
    /// Failed lines (not aggregated).
    pub n_failed: usize,
}

/// Aggregates the successful lines over seeds.
pub fn aggregate(lines: &[ResultLine]) -> Table {
    let mut seen_ids = HashSet::new();
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].job_index);
    let mut used = Vec::new();
    let mut n_failed = 0;
    for i in order {
        let line = &lines[i];
        if !line.is_ok() {
            n_failed += 1;
            continue;
        }
        if seen_ids.insert(line.job_id.as_str()) {
            used.push(i);
        }
    }
    let flat: HashMap<usize, Vec<(String, String)>> = used
        .iter()
        .map(|&i| (i, flatten(&lines[i].config)))
        .collect();
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for &i in &used {
        for (p, v) in &flat[&i] {
            let vs = values.entry(p.clone()).or_default();
            if !vs.contains(v) {
                vs.push(v.clone());
            }
        }
    }
    // A path absent from some lines varies too.
    let mut varying = Vec::new();
    let mut constant = Vec::new();
    let mut seed_paths = Vec::new();
    for (p, vs) in &values {
        if is_seed_path(p) {
            seed_paths.push(p.clone());
            continue;
        }
        let everywhere = used.iter().all(|i| flat[i].iter().any(|(q, _)| q == p));
        if vs.len() > 1 || !everywhere {
            varying.push(p.clone());
        } else {
            constant.push((p.clone(), vs[0].clone()));
        }
    }
    varying.sort_by_key(|p| path_rank(p));
    constant.sort_by_key(|(p, _)| path_rank(p));

    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<Vec<(String, String)>, usize> = HashMap::new();
    for &i in &used {
        let key: Vec<(String, String)> = flat[&i]
            .iter()
            .filter(|(p, _)| !is_seed_path(p))
            .cloned()
            .collect();
        let seed = flat[&i]
            .iter()
            .filter(|(p, _)| is_seed_path(p))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("/");
        let g = *by_key.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                key,
                seeds: Vec::new(),
                members: Vec::new(),
                first_index: lines[i].job_index,
                final_test_acc: Stat::default(),
                best_test_acc: Stat::default(),
                final_train_acc: Stat::default(),
                final_test_mse: Stat::default(),
                first_iter_099: Stat::default(),
                seconds: Stat::default(),
                test_acc: Vec::new(),
                train_acc: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].seeds.push(seed);
        groups[g].members.push(i);
    }
    for g in &mut groups {
        let outs: Vec<_> = g
            .members
            .iter()
            .filter_map(|&i| lines[i].outcome.as_ref())
            .collect();
        let col = |f: &dyn Fn(&super::line::Outcome) -> Option<f64>| -> Stat {
            Stat::of(&outs.iter().filter_map(|o| f(o)).collect::<Vec<_>>())
        };
        g.final_test_acc = col(&|o| Some(o.summary.final_test_acc));
        g.best_test_acc = col(&|o| Some(o.summary.best_test_acc));
        g.final_train_acc = col(&|o| Some(o.summary.final_train_acc));
        g.final_test_mse = col(&|o| o.curves.test_mse.last().copied());
        g.first_iter_099 = col(&|o| o.summary.first_iter_test_acc_ge_099.map(|t| t as f64));
        g.seconds = Stat::of(
            &g.members
                .iter()
                .map(|&i| lines[i].execution.seconds)
                .collect::<Vec<_>>(),
        );
        let per_iter = |get: &dyn Fn(&super::line::Outcome) -> &Vec<f64>| -> Vec<Stat> {
            let len = outs.iter().map(|o| get(o).len()).max().unwrap_or(0);
            (0..len)
                .map(|t| {
                    Stat::of(
                        &outs
                            .iter()
                            .filter_map(|o| get(o).get(t).copied())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect()
        };
        g.test_acc = per_iter(&|o| &o.curves.test_acc);
        g.train_acc = per_iter(&|o| &o.curves.train_acc);
    }
    groups.sort_by_key(|g| g.first_index);
    let mut shown: Vec<String> = Vec::new();
    for q in &varying {
        let determined = shown
            .iter()
            .filter(|p| names_variant(p))
            .any(|p| is_function_of(&groups, p, q));
        if !determined {
            shown.push(q.clone());
        }
    }
    Table {
        shown,
        varying,
        constant,
        seed_paths,
        groups,
        n_ok: used.len(),
        n_failed,
    }
}

/// A varying parameter path not shown as a column because a shown `kind` path determines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeterminedPath {
    /// The hidden path, e.g. `params.ridge`.
    pub path: String,
    /// The shown path that determines it, e.g. `params.kernel.kind`.
    pub by: String,
    /// (value of `by`, value of `path`), in group order, without repeats.
    pub values: Vec<(String, String)>,
}

impl Table {
    /// The varying paths left out of [`Table::shown`] because a `kind` path determines them
    /// (e.g. the ridge that goes with each kernel kind), each with that path and the value pairs
    /// (its value → the hidden path's value), in group order. Paths determined by a `label` are not
    /// listed: the label names that variant, whose settings are in the grid file.
    pub fn determined_paths(&self) -> Vec<DeterminedPath> {
        let mut out = Vec::new();
        for q in self.varying.iter().filter(|q| !self.shown.contains(q)) {
            let variant_paths = || self.shown.iter().filter(|p| names_variant(p));
            if variant_paths()
                .filter(|p| p.as_str() == "label")
                .any(|p| is_function_of(&self.groups, p, q))
            {
                continue;
            }
            let Some(p) = variant_paths().find(|p| is_function_of(&self.groups, p, q)) else {
                continue;
            };
            let mut pairs: Vec<(String, String)> = Vec::new();
            for g in &self.groups {
                let pair = (
                    g.get(p).unwrap_or("—").to_string(),
                    g.get(q).unwrap_or("—").to_string(),
                );
                if !pairs.contains(&pair) {
                    pairs.push(pair);
                }
            }
            out.push(DeterminedPath {
                path: q.clone(),
                by: p.clone(),
                values: pairs,
            });
        }
        out
    }
}

/// Whether each value of `p` among the groups goes with a single value of `q`.
fn is_function_of(groups: &[Group], p: &str, q: &str) -> bool {
    let mut map: HashMap<Option<&str>, Option<&str>> = HashMap::new();
    groups
        .iter()
        .all(|g| *map.entry(g.get(p)).or_insert(g.get(q)) == g.get(q))
}

impl Table {
    /// The table as markdown: fixed parameters as a list, one row per group.
    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!("# {title}\n\n");
        s.push_str(&format!(
            "{} successful jobs in {} settings (mean ± sample std over seeds{}){}.\n\n",
            self.n_ok,
            self.groups.len(),
            if self.seed_paths.is_empty() {
                String::new()
            } else {
                format!(": {}", self.seed_paths.join(", "))
            },
            if self.n_failed > 0 {
                format!("; {} failed jobs are not included", self.n_failed)
            } else {
                String::new()
            }
        ));
        if !self.constant.is_empty() {
            s.push_str("Fixed parameters:\n\n");
            for (p, v) in &self.constant {
                s.push_str(&format!("- `{p}` = {v}\n"));
            }
            s.push('\n');
        }
        let hidden = self.determined_paths();
        if !hidden.is_empty() {
            s.push_str("Set by a column (not shown as their own columns):\n\n");
            for h in &hidden {
                let values: Vec<String> = h
                    .values
                    .iter()
                    .map(|(pv, qv)| format!("{pv} → {qv}"))
                    .collect();
                s.push_str(&format!(
                    "- `{}` by `{}`: {}\n",
                    h.path,
                    h.by,
                    values.join(", ")
                ));
            }
            s.push('\n');
        }
        if self.groups.iter().any(Group::is_network) {
            s.push_str(
                "For network jobs (`net.model` set) \"first iter ≥ 0.99\" is the optimizer step \
                 of the first evaluation with test accuracy ≥ 0.99.\n\n",
            );
        }
        let mut header: Vec<String> = self.shown.iter().map(|p| format!("`{p}`")).collect();
        header.extend(
            [
                "seeds",
                "final test acc",
                "best test acc",
                "final train acc",
                "first iter ≥ 0.99",
                "reached 0.99",
                "final test MSE",
                "seconds/job",
            ]
            .map(String::from),
        );
        s.push_str(&format!("| {} |\n", header.join(" | ")));
        s.push_str(&format!("|{}\n", "---|".repeat(header.len())));
        for g in &self.groups {
            let mut row: Vec<String> = self
                .shown
                .iter()
                .map(|p| g.get(p).unwrap_or("—").to_string())
                .collect();
            row.push(g.seeds.len().to_string());
            row.push(g.final_test_acc.text(4));
            row.push(g.best_test_acc.text(4));
            row.push(g.final_train_acc.text(4));
            row.push(g.first_iter_099.text(1));
            row.push(format!("{}/{}", g.first_iter_099.n, g.seeds.len()));
            row.push(if g.final_test_mse.n == 0 {
                "—".into()
            } else {
                format!("{:.3e}", g.final_test_mse.mean)
            });
            row.push(format!("{:.2}", g.seconds.mean));
            s.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        s
    }

    /// The table as CSV: every non-seed parameter as a column, then the statistics.
    pub fn csv(&self) -> String {
        let params: Vec<String> = self
            .varying
            .iter()
            .cloned()
            .chain(self.constant.iter().map(|(p, _)| p.clone()))
            .collect();
        let mut header: Vec<String> = params.clone();
        header.push("n_seeds".into());
        header.push("seeds".into());
        for name in [
            "final_test_acc",
            "best_test_acc",
            "final_train_acc",
            "final_test_mse",
            "first_iter_ge_099",
        ] {
            header.push(format!("{name}_mean"));
            header.push(format!("{name}_std"));
        }
        header.push("n_reached_099".into());
        header.push("seconds_mean".into());
        let mut s = header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(",");
        s.push('\n');
        let num = |v: f64| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        };
        for g in &self.groups {
            let mut row: Vec<String> = params
                .iter()
                .map(|p| csv_field(g.get(p).unwrap_or("")))
                .collect();
            row.push(g.seeds.len().to_string());
            row.push(csv_field(&g.seeds.join(";")));
            for st in [
                g.final_test_acc,
                g.best_test_acc,
                g.final_train_acc,
                g.final_test_mse,
                g.first_iter_099,
            ] {
                row.push(num(st.mean));
                row.push(num(st.std));
            }
            row.push(g.first_iter_099.n.to_string());
            row.push(num(g.seconds.mean));
            s.push_str(&row.join(","));
            s.push('\n');
        }
        s
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Summary;
    use crate::sweep::line::{Curves, Execution, JobStatus, Outcome};
    use serde_json::json;

    fn line(index: usize, frac: f64, seed: u64, accs: &[f64]) -> ResultLine {
        ResultLine {
            schema_version: 1,
            job_id: format!("id{index}"),
            job_index: index,
            config: json!({"kind": "run", "split": {"kind": "random", "fraction": frac, "seed": seed},
                           "task": {"operation": "add", "modulus": 7}}),
            status: JobStatus::Ok,
            error: None,
            outcome: Some(Outcome {
                n_train: 10,
                n_test: 39,
                summary: Summary {
                    first_iter_test_acc_ge_099: accs.iter().position(|&a| a >= 0.99),
                    final_train_acc: 1.0,
                    final_test_acc: *accs.last().unwrap(),
                    best_test_acc: accs.iter().copied().fold(0.0, f64::max),
                },
                curves: Curves {
                    test_acc: accs.to_vec(),
                    train_acc: vec![1.0; accs.len()],
                    test_mse: vec![0.1; accs.len()],
                    train_mse: vec![0.0; accs.len()],
                },
            }),
            execution: Execution::default(),
        }
    }

    #[test]
    fn groups_average_over_seeds_only() {
        let lines = vec![
            line(0, 0.3, 0, &[0.0, 0.2]),
            line(1, 0.3, 1, &[0.0, 0.4]),
            line(2, 0.5, 0, &[0.5, 1.0]),
            line(3, 0.5, 1, &[0.7, 1.0]),
        ];
        let t = aggregate(&lines);
        assert_eq!(t.varying, vec!["split.fraction".to_string()]);
        assert_eq!(t.seed_paths, vec!["split.seed".to_string()]);
        assert_eq!(t.groups.len(), 2);
        let g = &t.groups[0];
        assert_eq!(g.get("split.fraction"), Some("0.3"));
        assert_eq!(g.seeds, vec!["0", "1"]);
        assert!((g.final_test_acc.mean - 0.3).abs() < 1e-12);
        // Sample std of {0.2, 0.4}: sqrt(((0.1)² + (0.1)²) / 1).
        assert!((g.final_test_acc.std - (0.02f64).sqrt()).abs() < 1e-12);
        assert_eq!(g.first_iter_099.n, 0);
        assert_eq!(t.groups[1].first_iter_099.mean, 1.0);
        assert!((t.groups[1].test_acc[0].mean - 0.6).abs() < 1e-12);
        let md = t.markdown("x");
        assert!(md.contains("| 0.3 | 2 | 0.3000 ± 0.1414 |"), "{md}");
        assert!(md.contains("- `task.operation` = add"), "{md}");
        let csv = t.csv();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].starts_with("split.fraction,"), "{csv}");
        assert!(rows[2].starts_with("0.5,"), "{csv}");
    }

    #[test]
    fn paths_determined_by_a_label_or_kind_are_not_shown() {
        let mut lines = Vec::new();
        for (i, (label, frac, bw)) in [("a", 0.3, 1.0), ("b", 0.5, 1.0), ("a", 0.3, 2.0)]
            .into_iter()
            .enumerate()
        {
            let mut l = line(i, frac, 0, &[0.5]);
            l.config["label"] = json!(label);
            l.config["params"] = json!({"kernel": {"kind": "gaussian", "bandwidth": bw}});
            lines.push(l);
        }
        let t = aggregate(&lines);
        assert_eq!(
            t.varying,
            ["label", "split.fraction", "params.kernel.bandwidth"]
        );
        // The fraction goes with the label; the bandwidth does not.
        assert_eq!(t.shown, ["label", "params.kernel.bandwidth"]);
        assert!(t
            .markdown("x")
            .contains("| `label` | `params.kernel.bandwidth` | seeds |"));
        assert!(t
            .csv()
            .starts_with("label,split.fraction,params.kernel.bandwidth,"));
        // A path set by the label is not listed again (the label names the variant).
        assert!(t.determined_paths().is_empty());
        assert!(!t.markdown("x").contains("Set by a column"));
        // One set by a kind is, with its values per kind.
        let mut lines = Vec::new();
        for (i, (kind, ridge)) in [("gaussian", 0.0), ("quadratic", 1e-6)]
            .into_iter()
            .enumerate()
        {
            let mut l = line(i, 0.5, 0, &[0.5]);
            l.config["params"] = json!({"kernel": {"kind": kind}, "ridge": ridge});
            lines.push(l);
        }
        let t = aggregate(&lines);
        assert_eq!(t.shown, ["params.kernel.kind"]);
        assert_eq!(
            t.determined_paths(),
            vec![DeterminedPath {
                path: "params.ridge".into(),
                by: "params.kernel.kind".into(),
                values: vec![
                    ("gaussian".into(), "0.0".into()),
                    ("quadratic".into(), "1e-6".into())
                ]
            }]
        );
        assert!(t.markdown("x").contains(
            "- `params.ridge` by `params.kernel.kind`: gaussian → 0.0, quadratic → 1e-6"
        ));
    }

    #[test]
    fn seeds_inside_a_list_of_edits_are_replicate_seeds() {
        let config = json!({
            "label": "random 1",
            "split": {"kind": "edited", "edits": [
                {"kind": "move-random", "count": 1, "seed": 3, "moved": []},
                {"kind": "hold-out", "pairs": [[1, 2]]}
            ]}
        });
        let flat = flatten(&config);
        let paths: Vec<&str> = flat.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "label",
                "split.edits.0.count",
                "split.edits.0.kind",
                "split.edits.0.moved",
                "split.edits.0.seed",
                "split.edits.1.kind",
                "split.edits.1.pairs",
                "split.kind"
            ]
        );
        assert!(is_seed_path("split.edits.0.seed"));
        // Two replicates of one labelled variant form one group of two seeds.
        let lines: Vec<_> = (0..2u64)
            .map(|seed| {
                let mut l = line(seed as usize, 0.5, 0, &[0.5]);
                l.config = json!({"label": "random 1", "split": {"kind": "edited", "edits": [
                    {"kind": "move-random", "count": 1, "seed": seed}]}});
                l
            })
            .collect();
        let t = aggregate(&lines);
        assert_eq!(t.groups.len(), 1);
        assert_eq!(t.groups[0].seeds.len(), 2);
    }

    #[test]
    fn stat_of_one_value_has_zero_std() {
        let s = Stat::of(&[0.25]);
        assert_eq!((s.mean, s.std, s.n), (0.25, 0.0, 1));
        assert_eq!(Stat::of(&[]).text(2), "—");
    }
}
