//! Jobs: one configuration of one kind of experiment, with a stable id.
//!
//! A job's configuration is a JSON object: `{"kind": "run", "task": …, "split": …, "params": …}`.
//! It is *canonical* once it has gone through the typed structs of its kind and back (so `2.5` and
//! `2.50`, or a field left out and the same field at its default, give the same configuration) and
//! its resource settings (threads) are removed. The job id is the first [`ID_HEX_LEN`] hex digits
//! of the SHA-256 of the canonical configuration written with sorted keys and no whitespace
//! ([`canonical_json`]). Ids therefore change only when the parameters change — or when a new
//! symrfm version adds a parameter to a kind's configuration.
//!
//! New kinds of job (e.g. `compare`) are added as a [`JobKind`] variant with its default
//! configuration, its typed parse ([`JobKind::canonicalize`]), its up-front check
//! ([`JobKind::validate`]) and its execution ([`super::exec`]).

use crate::error::{Error, Result};
use crate::experiment::ExperimentSpec;
use crate::group::Operation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Number of hex digits of a job id (64 bits of SHA-256).
pub const ID_HEX_LEN: usize = 16;

/// The kind of experiment a job runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    /// One RFM training run (what `symrfm run` does): [`RunJob`].
    #[default]
    Run,
}

/// The configuration of a `run` job: an [`ExperimentSpec`], the same parameters as `symrfm run`
/// (`params.threads` is not a job parameter: the sweep sets it).
pub type RunJob = ExperimentSpec;

impl JobKind {
    /// The kind's name in grids and result lines.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Run => "run",
        }
    }

    /// The configuration every job of this kind starts from; a grid's `base` and axes are merged
    /// into it.
    pub fn default_config(self) -> Value {
        match self {
            JobKind::Run => {
                let mut v = to_value(&RunJob::default());
                if let Some(p) = v.get_mut("params").and_then(Value::as_object_mut) {
                    p.remove("threads");
                }
                v
            }
        }
    }

    /// Parses a merged configuration (without `kind`) into the kind's typed form and returns the
    /// canonical configuration (with `kind`). Errors name keys the kind does not know.
    pub fn canonicalize(self, merged: &Value) -> std::result::Result<Value, String> {
        match self {
            JobKind::Run => {
                let mut input = merged.clone();
                let params = input
                    .get_mut("params")
                    .and_then(Value::as_object_mut)
                    .ok_or("`params` must be an object")?;
                if params.contains_key("threads") {
                    return Err(
                        "`params.threads` is not a job parameter: the threads of each job \
                                come from `symrfm sweep --jobs/--cores`"
                            .into(),
                    );
                }
                params.insert("threads".into(), Value::from(0));
                let typed: RunJob =
                    serde_json::from_value(input.clone()).map_err(|e| e.to_string())?;
                let mut out = to_value(&typed);
                // Keys of the grid that the typed round trip dropped: either unknown (ignored by
                // serde) or fields not serialized at their default value. A probe tells them
                // apart: a real field rejects an object it cannot be, an ignored key accepts it.
                let unknown = unknown_keys(merged, &out, "").into_iter().find(|path| {
                    let mut probe = input.clone();
                    set_dotted(&mut probe, path, serde_json::json!({"\u{1}probe": true}));
                    serde_json::from_value::<RunJob>(probe).is_ok()
                });
                if let Some(unknown) = unknown {
                    return Err(format!(
                        "unknown key `{unknown}` (to change a `kind`, give the whole object)"
                    ));
                }
                if let Some(p) = out.get_mut("params").and_then(Value::as_object_mut) {
                    p.remove("threads");
                }
                let mut obj = Map::new();
                obj.insert("kind".into(), Value::from(self.name()));
                if let Value::Object(fields) = out {
                    obj.extend(fields);
                }
                Ok(Value::Object(obj))
            }
        }
    }

    /// Checks, before any job runs, that a canonical configuration of this kind can run (the task
    /// exists, the parameters are in range, the split can be built).
    pub fn validate(self, config: &Value) -> Result<()> {
        match self {
            JobKind::Run => {
                RunJob::from_config(config)?.validate()?;
                Ok(())
            }
        }
    }
}

impl ExperimentSpec {
    /// The typed configuration of a canonical `run` configuration (threads = 0).
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut v = config.clone();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("kind");
            if let Some(p) = obj.get_mut("params").and_then(Value::as_object_mut) {
                p.entry("threads").or_insert(Value::from(0));
            }
        }
        serde_json::from_value(v).map_err(|e| Error::param("job configuration", e, "a `run` job"))
    }
}

fn to_value<T: Serialize>(t: &T) -> Value {
    // Serializing plain data structs into a Value cannot fail (no non-string map keys).
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// Replaces the value at a dotted path (which exists).
fn set_dotted(v: &mut Value, path: &str, value: Value) {
    let mut node = v;
    for key in path.split('.') {
        match node.get_mut(key) {
            Some(next) => node = next,
            None => return,
        }
    }
    *node = value;
}

/// Keys (dotted paths) present with a non-null value in `input` but absent from `typed`.
fn unknown_keys(input: &Value, typed: &Value, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let (Value::Object(a), Value::Object(b)) = (input, typed) {
        for (k, v) in a {
            if v.is_null() {
                continue;
            }
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match b.get(k) {
                None => out.push(path),
                Some(w) => out.extend(unknown_keys(v, w, &path)),
            }
        }
    }
    out
}

/// A job of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Position in the grid's expansion (last axis fastest).
    pub index: usize,
    /// Stable id: hex prefix of the SHA-256 of the canonical configuration.
    pub id: String,
    /// The kind of experiment.
    pub kind: JobKind,
    /// The canonical configuration (with `kind`).
    pub config: Value,
    /// The value this job takes on each axis of the grid, in the grid's order.
    pub axes: Vec<(String, Value)>,
}

impl Job {
    /// A job from a canonical configuration.
    pub fn new(index: usize, kind: JobKind, config: Value, axes: Vec<(String, Value)>) -> Self {
        Job {
            index,
            id: job_id(&config),
            kind,
            config,
            axes,
        }
    }

    /// A rough relative cost, for the progress bar's ETA only: for `run`, iterations ×
    /// n_train^1.2 (measured at p = 61: the time per iteration grows slightly faster than the
    /// training set), with n_train from the split's `fraction` when it has one, else all pairs.
    pub fn cost_hint(&self) -> f64 {
        match self.kind {
            JobKind::Run => {
                let Ok(job) = RunJob::from_config(&self.config) else {
                    return 1.0;
                };
                let spec = &job.task;
                let n = match &spec.group {
                    Some(factors) => factors.iter().product::<usize>() as f64,
                    None => {
                        let p = spec.modulus as f64;
                        let drop_zero = matches!(spec.operation, Operation::Mul | Operation::Div)
                            && spec.zero == crate::group::ZeroConvention::Drop;
                        if drop_zero {
                            p - 1.0
                        } else {
                            p
                        }
                    }
                };
                let fraction = self
                    .config
                    .pointer("/split/fraction")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0);
                (job.params.iters as f64 * (fraction * n * n).max(1.0).powf(1.2)).max(1.0)
            }
        }
    }

    /// A short human description from the axis values, e.g. `operation=add fraction=0.3 seed=2`.
    pub fn describe(&self) -> String {
        if self.axes.is_empty() {
            return format!("job {}", self.index);
        }
        self.axes
            .iter()
            .map(|(path, v)| {
                if path == super::grid::ROOT {
                    return match v.get("label") {
                        Some(label) => format!("label={}", scalar_text(label)),
                        None => canonical_json(v),
                    };
                }
                let name = path.rsplit('.').next().unwrap_or(path);
                format!("{name}={}", scalar_text(v))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A JSON value as short text: strings without quotes; an object with a `kind` as
/// `kind(field=value, …)`; everything else as compact JSON.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(map) if map.get("kind").is_some_and(Value::is_string) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| *k != "kind").collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}={}", scalar_text(&map[k.as_str()])))
                .collect();
            let kind = map["kind"].as_str().unwrap_or_default();
            if fields.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}({})", fields.join(", "))
            }
        }
        other => canonical_json(other),
    }
}

/// The id of a canonical configuration.
pub fn job_id(config: &Value) -> String {
    let digest = Sha256::digest(canonical_json(config).as_bytes());
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.truncate(ID_HEX_LEN);
    hex
}

/// JSON with object keys sorted (by bytes) at every level and no whitespace; numbers and strings
/// as serde_json writes them. Independent of the map type serde_json was built with.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": "s"}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":"s","y":[1,{"c":3,"d":2}]},"b":1}"#
        );
        let b: Value =
            serde_json::from_str(r#"{"a":{"y":[1,{"c":3,"d":2}],"x":"s"},"b":1}"#).unwrap();
        assert_eq!(job_id(&a), job_id(&b));
        assert_eq!(job_id(&a).len(), ID_HEX_LEN);
        assert_ne!(job_id(&a), job_id(&json!({"b": 2})));
    }

    #[test]
    fn canonical_run_config_normalizes_numbers_and_drops_threads() {
        let mut merged = JobKind::Run.default_config();
        merged["params"]["kernel"]["bandwidth"] = json!(2.50);
        let a = JobKind::Run.canonicalize(&merged).unwrap();
        let b = JobKind::Run
            .canonicalize(&JobKind::Run.default_config())
            .unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(a["kind"], "run");
        assert!(a["params"].get("threads").is_none());
        let job = RunJob::from_config(&a).unwrap();
        assert_eq!(job, RunJob::default());
    }

    #[test]
    fn unknown_keys_and_threads_are_rejected() {
        let mut merged = JobKind::Run.default_config();
        merged["split"]["fracton"] = json!(0.3);
        let e = JobKind::Run.canonicalize(&merged).unwrap_err();
        assert!(e.contains("split.fracton"), "{e}");
        let mut merged = JobKind::Run.default_config();
        merged["params"]["threads"] = json!(2);
        let e = JobKind::Run.canonicalize(&merged).unwrap_err();
        assert!(e.contains("params.threads"), "{e}");
        // A field given at a default that serialization leaves out is not unknown.
        let mut merged = JobKind::Run.default_config();
        merged["task"]["group"] = json!(null);
        merged["init_m"] = json!(null);
        assert!(JobKind::Run.canonicalize(&merged).is_ok());
        let mut merged = JobKind::Run.default_config();
        merged["params"]["kernel"] = json!({"kind": "quadratic", "bandwidth": 2.5});
        let e = JobKind::Run.canonicalize(&merged).unwrap_err();
        assert!(e.contains("params.kernel.bandwidth"), "{e}");
    }
}
