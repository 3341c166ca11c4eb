//! Grid files: a base configuration and axes whose Cartesian product is the list of jobs.
//!
//! ```json
//! {
//!   "description": "test accuracy vs training fraction",
//!   "kind": "run",
//!   "base": {"task": {"modulus": 61}, "params": {"iters": 30}},
//!   "axes": {
//!     "task.operation": ["add", "sub", "mul", "div"],
//!     "split.fraction": [0.1, 0.3, 0.5],
//!     "split.seed": [0, 1, 2, 3, 4]
//!   }
//! }
//! ```
//!
//! Each job starts from the kind's default configuration ([`JobKind::default_config`]: for `run`,
//! the defaults of `symrfm run`), merges `base` into it, then sets one value of every axis. An axis
//! is a dotted path into the configuration (`split.fraction`, `params.kernel`, `task`) with a list of
//! values, which can be whole objects (`"params.kernel": [{"kind": "quadratic"}, …]`). Merging is
//! recursive, except that an object whose `kind` differs from the one it lands on replaces it
//! (so a split or kernel of another kind does not inherit the old one's fields). The axis `"."`
//! takes whole objects merged at the root, for settings that vary together
//! (`".": [{"label": "symmetric", "split": {…}}, {"label": "broken", "split": {…}}]`). Axes are expanded
//! in file order with the last axis varying fastest; a job's position in that order is its index.

use super::job::{Job, JobKind};
use crate::error::{Error, Result};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// Largest number of jobs a grid may expand to.
pub const MAX_JOBS: usize = 1_000_000;

/// A grid file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// What the grid is for (free text).
    #[serde(default)]
    pub description: Option<String>,
    /// The kind of job (default `run`).
    #[serde(default)]
    pub kind: JobKind,
    /// Settings shared by all jobs, merged into the kind's defaults.
    #[serde(default = "empty_object")]
    pub base: Value,
    /// The axes, in file order.
    #[serde(default)]
    pub axes: Axes,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// One axis: a dotted path into the job configuration and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Dotted path, e.g. `split.fraction`.
    pub path: String,
    /// The values, in order.
    pub values: Vec<Value>,
}

/// The axes of a grid, in the order they appear in the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axes(pub Vec<Axis>);

impl<'de> Deserialize<'de> for Axes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Axes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping dotted paths to lists of values")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Axes, A::Error> {
                let mut axes = Vec::new();
                while let Some((path, values)) = map.next_entry::<String, Vec<Value>>()? {
                    axes.push(Axis { path, values });
                }
                Ok(Axes(axes))
            }
        }
        d.deserialize_map(V)
    }
}

impl Grid {
    /// Reads and checks a grid file: TOML if its name ends in `.toml`, JSON otherwise.
    pub fn load(path: &Path) -> Result<Grid> {
        let bad = |reason: String| Error::InvalidInput {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if toml {
            Grid::parse_toml(&text).map_err(bad)
        } else {
            Grid::parse(&text).map_err(bad)
        }
    }

    /// Parses and checks a grid from JSON text.
    pub fn parse(text: &str) -> std::result::Result<Grid, String> {
        let grid: Grid = serde_json::from_str(text).map_err(|e| format!("not a grid: {e}"))?;
        grid.checked()
    }

    /// Parses and checks a grid from TOML text (the same fields as JSON; axes in file order).
    pub fn parse_toml(text: &str) -> std::result::Result<Grid, String> {
        let grid: Grid = toml::from_str(text).map_err(|e| format!("not a TOML grid: {e}"))?;
        grid.checked()
    }

    fn checked(self) -> std::result::Result<Grid, String> {
        let grid = self;
        if !grid.base.is_object() {
            return Err("`base` must be an object".into());
        }
        let mut seen = HashMap::new();
        for (i, axis) in grid.axes.0.iter().enumerate() {
            check_path(&axis.path)?;
            if axis.path == "kind" {
                return Err("`kind` cannot be an axis: one grid has one kind of job".into());
            }
            if axis.path == ROOT && axis.values.iter().any(|v| !v.is_object()) {
                return Err(format!(
                    "axis `{ROOT}` (the whole configuration) takes objects such as \
                     {{\"label\": \"broken\", \"split\": {{…}}}}"
                ));
            }
            if axis.values.is_empty() {
                return Err(format!("axis `{}` has no values", axis.path));
            }
            if let Some(j) = seen.insert(axis.path.as_str(), i) {
                return Err(format!(
                    "axis `{}` appears twice (axes {j} and {i})",
                    axis.path
                ));
            }
        }
        let n = grid
            .axes
            .0
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()));
        if n.is_none_or(|n| n > MAX_JOBS) {
            return Err(format!("the grid expands to more than {MAX_JOBS} jobs"));
        }
        Ok(grid)
    }

    /// Number of jobs (the product of the axis lengths).
    pub fn n_jobs(&self) -> usize {
        self.axes.0.iter().map(|a| a.values.len()).product()
    }

    /// Expands the grid into its jobs, in index order. Errors name the first job whose
    /// configuration is malformed, and jobs that come out identical.
    pub fn jobs(&self) -> std::result::Result<Vec<Job>, String> {
        let axes = &self.axes.0;
        let n = self.n_jobs();
        let mut base = self.kind.default_config();
        merge(&mut base, &self.base);
        let mut jobs: Vec<Job> = Vec::with_capacity(n);
        let mut ids: HashMap<String, usize> = HashMap::with_capacity(n);
        let mut digits = vec![0usize; axes.len()];
        for index in 0..n {
            let mut config = base.clone();
            let mut chosen = Vec::with_capacity(axes.len());
            for (axis, &k) in axes.iter().zip(&digits) {
                let value = &axis.values[k];
                set_path(&mut config, &axis.path, value)?;
                chosen.push((axis.path.clone(), value.clone()));
            }
            let job_text = chosen
                .iter()
                .map(|(p, v)| format!("{p}={}", super::job::scalar_text(v)))
                .collect::<Vec<_>>()
                .join(", ");
            let canonical = self
                .kind
                .canonicalize(&config)
                .map_err(|e| format!("job {index} ({job_text}): {e}"))?;
            let job = Job::new(index, self.kind, canonical, chosen);
            if let Some(&first) = ids.get(&job.id) {
                return Err(format!(
                    "jobs {first} and {index} have the same parameters (job {index}: {}); \
                     remove the duplicated axis value",
                    job_text
                ));
            }
            ids.insert(job.id.clone(), index);
            jobs.push(job);
            // Odometer: the last axis varies fastest.
            for a in (0..axes.len()).rev() {
                digits[a] += 1;
                if digits[a] < axes[a].values.len() {
                    break;
                }
                digits[a] = 0;
            }
        }
        Ok(jobs)
    }

    /// [`Grid::jobs`] with the error attributed to the grid file.
    pub fn jobs_from(&self, path: &Path) -> Result<Vec<Job>> {
        self.jobs().map_err(|reason| Error::InvalidInput {
            path: path.to_path_buf(),
            reason,
        })
    }
}

/// The axis path that names the whole configuration: its values are objects merged at the root,
/// so that several settings vary together (e.g. a split and its label).
pub const ROOT: &str = ".";

fn check_path(path: &str) -> std::result::Result<(), String> {
    if path == ROOT {
        return Ok(());
    }
    if path.is_empty() || path.split('.').any(|s| s.trim().is_empty()) {
        return Err(format!(
            "axis `{path}` is not a dotted path such as `split.fraction`"
        ));
    }
    Ok(())
}

/// Merges `src` into `dst`: objects recursively, anything else replaced. An object whose `kind`
/// differs from `dst`'s replaces `dst` whole.
pub fn merge(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s))
            if s.get("kind")
                .is_none_or(|k| d.get("kind").is_none_or(|dk| dk == k)) =>
        {
            for (k, v) in s {
                match d.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

/// Merges `value` at the dotted `path` of `config`, creating objects on the way.
fn set_path(config: &mut Value, path: &str, value: &Value) -> std::result::Result<(), String> {
    if path == ROOT {
        if !value.is_object() {
            return Err(format!(
                "axis `{ROOT}` (the whole configuration) takes objects, not a {}",
                kind_of(value)
            ));
        }
        merge(config, value);
        return Ok(());
    }
    let mut node = config;
    for key in path.split('.') {
        let obj = match node {
            Value::Object(obj) => obj,
            other => {
                return Err(format!(
                    "axis `{path}`: `{key}` lies inside a {} value, not an object",
                    kind_of(other)
                ))
            }
        };
        node = obj.entry(key.to_string()).or_insert(Value::Null);
    }
    merge(node, value);
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::job::RunJob;

    const GRID: &str = r#"{
        "description": "test",
        "base": {"task": {"modulus": 7}, "params": {"iters": 3}},
        "axes": {
            "task.operation": ["add", "mul"],
            "split.fraction": [0.3, 0.5, 0.7],
            "split.seed": [0, 1]
        }
    }"#;

    #[test]
    fn axes_keep_file_order_and_expand_last_fastest() {
        let grid = Grid::parse(GRID).unwrap();
        let paths: Vec<&str> = grid.axes.0.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["task.operation", "split.fraction", "split.seed"]);
        let jobs = grid.jobs().unwrap();
        assert_eq!(jobs.len(), 12);
        assert_eq!(grid.n_jobs(), 12);
        let run = |i: usize| RunJob::from_config(&jobs[i].config).unwrap();
        assert_eq!(run(0).task.operation, crate::group::Operation::Add);
        assert_eq!(run(0).task.modulus, 7);
        assert_eq!(run(0).params.iters, 3);
        assert_eq!(
            run(1).split,
            crate::data::SplitSpec::Random {
                fraction: 0.3,
                seed: 1
            }
        );
        assert_eq!(
            run(2).split,
            crate::data::SplitSpec::Random {
                fraction: 0.5,
                seed: 0
            }
        );
        assert_eq!(run(6).task.operation, crate::group::Operation::Mul);
        assert_eq!(jobs[7].describe(), "operation=mul fraction=0.3 seed=1");
        for (i, j) in jobs.iter().enumerate() {
            assert_eq!(j.index, i);
        }
        // Ids are distinct and do not depend on how the grid was written.
        let mut ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 12);
        let same = Grid::parse(
            r#"{"axes": {"task.operation": ["add", "mul"], "split.fraction": [0.3, 0.5, 0.7],
                "split.seed": [0, 1]},
                "base": {"params": {"iters": 3, "ridge": 0}, "task": {"modulus": 7, "zero": "drop"}}}"#,
        )
        .unwrap();
        let same_ids: Vec<String> = same.jobs().unwrap().into_iter().map(|j| j.id).collect();
        let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
        assert_eq!(same_ids, ids);
    }

    #[test]
    fn a_toml_grid_is_the_same_grid_as_its_json() {
        // Axes deliberately not in alphabetical order, a root axis with a table, floats and ints.
        let toml = r#"
            description = "toml"

            [base]
            task = { modulus = 7 }
            params = { iters = 3 }

            [axes]
            "split.seed" = [1, 0]
            "task.operation" = ["mul", "add"]
            "." = [
                { label = "a", split = { kind = "random", fraction = 0.25 } },
                { label = "b", split = { kind = "random", fraction = 0.5 } },
            ]
        "#;
        let json = r#"{
            "description": "toml",
            "base": {"task": {"modulus": 7}, "params": {"iters": 3}},
            "axes": {
                "split.seed": [1, 0],
                "task.operation": ["mul", "add"],
                ".": [
                    {"label": "a", "split": {"kind": "random", "fraction": 0.25}},
                    {"label": "b", "split": {"kind": "random", "fraction": 0.5}}
                ]
            }
        }"#;
        let t = Grid::parse_toml(toml).unwrap();
        let j = Grid::parse(json).unwrap();
        assert_eq!(t, j);
        let paths: Vec<&str> = t.axes.0.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["split.seed", "task.operation", "."]);
        let ids =
            |g: &Grid| -> Vec<String> { g.jobs().unwrap().into_iter().map(|j| j.id).collect() };
        assert_eq!(ids(&t), ids(&j));
        // Errors say it is TOML.
        let e = Grid::parse_toml("axes = 3").unwrap_err();
        assert!(e.contains("not a TOML grid"), "{e}");
    }

    #[test]
    fn a_grid_without_axes_is_one_job_with_the_run_defaults() {
        let grid = Grid::parse("{}").unwrap();
        let jobs = grid.jobs().unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            RunJob::from_config(&jobs[0].config).unwrap(),
            RunJob::default()
        );
    }

    #[test]
    fn an_object_of_another_kind_replaces_the_old_one() {
        let grid = Grid::parse(
            r#"{"axes": {"params.kernel": [{"kind": "quadratic"}, {"kind": "laplace", "bandwidth": 1.5}],
                          "params.kernel.bandwidth": [2.5]}}"#,
        );
        // Setting a bandwidth on the quadratic kernel is an unknown key.
        let e = grid.unwrap().jobs().unwrap_err();
        assert!(e.contains("params.kernel.bandwidth"), "{e}");
        let grid = Grid::parse(
            r#"{"axes": {"params.kernel": [{"kind": "quadratic"}, {"kind": "laplace", "bandwidth": 1.5}]}}"#,
        )
        .unwrap();
        let jobs = grid.jobs().unwrap();
        let k: Vec<_> = jobs
            .iter()
            .map(|j| RunJob::from_config(&j.config).unwrap().params.kernel)
            .collect();
        assert_eq!(
            k,
            [
                crate::kernel::KernelKind::Quadratic,
                crate::kernel::KernelKind::Laplace { bandwidth: 1.5 }
            ]
        );
    }

    #[test]
    fn the_root_axis_varies_several_settings_together() {
        let grid = Grid::parse(
            r#"{"axes": {".": [{"label": "a", "split": {"fraction": 0.3}},
                               {"label": "b", "params": {"iters": 2}}],
                         "split.seed": [0, 1]}}"#,
        )
        .unwrap();
        let jobs = grid.jobs().unwrap();
        assert_eq!(jobs.len(), 4);
        let j = RunJob::from_config(&jobs[1].config).unwrap();
        assert_eq!(j.label.as_deref(), Some("a"));
        assert_eq!(
            j.split,
            crate::data::SplitSpec::Random {
                fraction: 0.3,
                seed: 1
            }
        );
        let j = RunJob::from_config(&jobs[2].config).unwrap();
        assert_eq!((j.label.as_deref(), j.params.iters), (Some("b"), 2));
        assert_eq!(jobs[2].describe(), "label=b seed=0");
        let e = Grid::parse(r#"{"axes": {".": [1]}}"#).unwrap_err();
        assert!(e.contains("takes objects"), "{e}");
    }

    #[test]
    fn malformed_grids_are_rejected_with_a_reason() {
        for (text, needle) in [
            (r#"{"axes": {"split.seed": []}}"#, "no values"),
            (r#"{"axes": {"split..seed": [1]}}"#, "dotted path"),
            (r#"{"axes": {"kind": ["run"]}}"#, "`kind` cannot"),
            (r#"{"axis": {}}"#, "unknown field"),
            (r#"{"kind": "train"}"#, "unknown variant"),
            (r#"{"base": []}"#, "`base` must be an object"),
            (
                r#"{"axes": {"split.seed": [0, 1], "split.seed": [2]}}"#,
                "appears twice",
            ),
        ] {
            let e = Grid::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        for (text, needle) in [
            (r#"{"axes": {"split.seed": [0, 0]}}"#, "same parameters"),
            (r#"{"axes": {"split.fraction.x": [1]}}"#, "inside a number"),
            (r#"{"axes": {"params.threads": [1]}}"#, "params.threads"),
            (
                r#"{"axes": {"task.operation": ["pow"]}}"#,
                "job 0 (task.operation=pow)",
            ),
            (
                r#"{"axes": {"split.fracton": [0.2]}}"#,
                "unknown key `split.fracton`",
            ),
        ] {
            let e = Grid::parse(text).unwrap().jobs().unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert_eq!(
            Grid::parse(r#"{"axes": {"split.seed": [0, 1], "task.modulus": [5, 7, 11]}}"#)
                .unwrap()
                .n_jobs(),
            6
        );
    }
}
