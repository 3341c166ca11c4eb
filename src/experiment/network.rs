//! Running a validated experiment with a network (`spec.net`): the initial weights, training,
//! the feature matrices through the same analysis as RFM, and the run report.

use super::run::RunOptions;
use super::spec::Experiment;
use crate::analysis::{analyze_matrix, AnalysisOptions, InvarianceProbe, SymmetryDiagnostic};
use crate::error::{Error, Result};
use crate::net::{
    self, init, NetData, NetInit, NetOutput, NetParams, NetSeconds, NetStart, NetState, Network,
    StepRecord,
};
use crate::report::network::{NetFeatureRecord, NetResumeRecord, NetworkRecord};
use crate::report::{
    MatrixRecord, RunReport, SplitInfo, Summary, TaskInfo, Timings, SCHEMA_VERSION,
};
use crate::rfm::intervention::{resolve_subgroup, Interventions};
use crate::rfm::{Control, RfmParams, TrapDynamics};
use crate::symmetry::{Subgroup, TaskSymmetry};
use std::time::Instant;

/// What a network run produced.
#[derive(Clone, Debug)]
pub struct NetOutcome {
    /// The run report (with its `network` section).
    pub report: RunReport,
    /// The trained network.
    pub net: Network,
    /// Everything the training loop returned.
    pub output: NetOutput,
    /// Non-fatal problems met along the way.
    pub warnings: Vec<String>,
}

impl Experiment {
    /// The network parameters (None for an RFM experiment).
    pub fn net_params(&self) -> Option<&NetParams> {
        self.spec.net.as_ref()
    }

    /// The training and test pairs as network data.
    pub fn net_data(&self) -> (NetData, NetData) {
        let n = self.task.n_symbols();
        (
            NetData::from_pairs(n, &self.split.train, self.task.labels()),
            NetData::from_pairs(n, &self.split.test, self.task.labels()),
        )
    }

    /// The initial network of `spec.net`: random, projected onto H-invariant first layers (the
    /// transformer: H-invariant embeddings), or drawn from an RFM feature matrix (fully connected
    /// nets), then perturbed.
    pub fn initial_network(&self) -> Result<Network> {
        let params = self.require_net()?;
        let mut network = Network::random(params, self.task.n_symbols(), self.task.n_classes())?;
        let symmetric = match &params.init {
            NetInit::Symmetric { subgroup } => Some(self.init_permutations(subgroup)?),
            _ => None,
        };
        match &mut network {
            Network::Fcn(mlp) => {
                if let Some(perms) = &symmetric {
                    init::symmetrize(mlp, perms)?;
                }
                if let NetInit::Rfm { path } = &params.init {
                    let m = crate::report::read::load_matrix(path, None)?;
                    init::from_feature_matrix(mlp, &m, params)?;
                }
                init::perturb(mlp, params.perturb, params.seed);
            }
            // `NetParams::validate` refuses an RFM-drawn transformer.
            Network::Transformer(t) => {
                if let Some(perms) = &symmetric {
                    init::symmetrize_transformer(t, perms)?;
                }
                init::perturb_transformer(t, params.perturb, params.seed)?;
            }
        }
        Ok(network)
    }

    /// The coordinate permutations of the subgroup a symmetric init names.
    fn init_permutations(&self, subgroup: &str) -> Result<Vec<Vec<usize>>> {
        let sym = TaskSymmetry::of(&self.task);
        if sym.is_empty() {
            return Err(Error::param(
                "net.init",
                self.task.describe(),
                "a task whose Sym_f lists its elements (a symmetric init projects onto a subgroup of it)",
            ));
        }
        let h = resolve_subgroup(&sym, &self.split.train, subgroup)
            .map_err(|e| e.renamed("net.init"))?;
        Ok(coordinate_permutations(&sym, &h))
    }

    fn require_net(&self) -> Result<&NetParams> {
        self.spec.net.as_ref().ok_or_else(|| {
            Error::param(
                "net",
                "absent",
                "network parameters (an experiment with `net` set)",
            )
        })
    }

    /// Trains the network of `spec.net` and reports: the same run file as RFM with a `network`
    /// section (see [`crate::report::network`]). `observer` sees every evaluation and may stop
    /// the run (the report is then marked incomplete).
    pub fn run_network(
        &self,
        options: &RunOptions,
        observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
    ) -> Result<NetOutcome> {
        let network = self.initial_network()?;
        self.run_network_from(options, network, observer)
    }

    /// [`run_network`](Self::run_network) from the given initial weights.
    pub fn run_network_from(
        &self,
        options: &RunOptions,
        network: Network,
        observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
    ) -> Result<NetOutcome> {
        self.run_network_joined(options, network, None, observer)
    }

    /// The run from `network`, or with `previous` the continuation of a run file: `network`
    /// holds its weights after `previous.start.step` steps and the report joins the file's
    /// records (those an uninterrupted run has) with the new ones.
    pub(crate) fn run_network_joined(
        &self,
        options: &RunOptions,
        network: Network,
        previous: Option<&NetPrevious>,
        observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
    ) -> Result<NetOutcome> {
        let params = self.require_net()?;
        let (task, split) = (&self.task, &self.split);
        let (train, test) = self.net_data();
        let sym = TaskSymmetry::of(task);
        let symmetries = if params.symmetry_loss > 0.0 {
            if sym.is_empty() {
                return Err(Error::param(
                    "net.symmetry_loss",
                    params.symmetry_loss,
                    "0 for a task whose Sym_f does not list its elements",
                ));
            }
            Some(coordinate_permutations(&sym, &Subgroup::full(&sym)))
        } else {
            None
        };
        // The trap record, as for RFM: the asymmetry of the NFM with respect to the stabilizer S
        // of the training set and the accuracy on the trapped pairs (test pairs outside
        // Orbit_S(train)), both at every evaluation (t = optimizer step).
        let interventions = Interventions::new(task, split, &RfmParams::default())?;
        let mut recorder = interventions.trap_recorder();
        // The symmetry-acquisition diagnostic of the network at every evaluation (iter = step).
        let analysis = self.spec.analysis.run_options(task);
        let probe = analysis
            .symmetry
            .then(|| InvarianceProbe::new(&sym, split, analysis.symmetry_points))
            .transpose()?;
        let mut diagnostics: Vec<SymmetryDiagnostic> = Vec::new();
        let mut observer = |state: &NetState<'_>| {
            if let Some(probe) = &probe {
                diagnostics.push(probe.measure_with(
                    state.record.step,
                    state.record.test_acc,
                    state.net,
                ));
            }
            if let Some(rec) = recorder.as_mut() {
                rec.push(&state.net.nfm());
                if rec.has_trapped_pairs() {
                    rec.observe(state.record.step, state.test_hits);
                }
            }
            observer(state)
        };
        let started = Instant::now();
        let go = || {
            net::train_from(
                network,
                params,
                &train,
                &test,
                symmetries.as_deref(),
                previous.map(|p| p.start.clone()),
                &mut observer,
            )
        };
        // The transformer works on the current rayon pool: its whole loop runs on a worker of a
        // pool of `net.threads` workers (all cores for 0), so that its two-way splits are cheap
        // joins inside the pool rather than jobs injected from outside at every step (measured
        // 15 % faster per step). The numbers do not depend on the workers; the fully connected
        // nets take the count directly.
        let output = if params.model == net::ModelKind::Transformer {
            let threads = params.effective_threads();
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::param("net.threads", threads, e.to_string()))?
                .install(go)?
        } else {
            go()?
        };
        let mut total_seconds = started.elapsed().as_secs_f64();
        // The records of the whole run: the file's (those on the schedule), then the new ones.
        let n_train = train.len();
        let mut steps: Vec<StepRecord> = Vec::new();
        let mut features: Vec<NetFeatureRecord> = Vec::new();
        let mut seconds = output.seconds.clone();
        if let Some(p) = previous {
            steps = p.steps.clone();
            features = p.features.clone();
            diagnostics = p.diagnostics.iter().cloned().chain(diagnostics).collect();
            seconds.train += p.seconds.train;
            seconds.eval += p.seconds.eval;
            seconds.features += p.seconds.features;
            total_seconds += p.total_seconds;
        }
        steps.extend(output.steps.iter().cloned());
        features.extend(output.features.iter().map(NetFeatureRecord::new));
        let test_correct: Vec<usize> = split
            .test
            .iter()
            .zip(&output.test_hits)
            .filter(|(_, &h)| h)
            .map(|(&k, _)| k)
            .collect();
        let first_099 = steps.iter().find(|r| r.test_acc >= 0.99).map(|r| r.step);
        let last = steps.last();
        let summary = Summary {
            first_iter_test_acc_ge_099: first_099,
            final_train_acc: last.map_or(0.0, |r| r.train_acc),
            final_test_acc: last.map_or(0.0, |r| r.test_acc),
            best_test_acc: steps.iter().map(|r| r.test_acc).fold(0.0, f64::max),
        };
        let mut symmetry = self.symmetry.clone();
        if let Some(sym) = symmetry.as_mut() {
            if self.theory.is_some() {
                sym.score(&test_correct);
            }
        }
        // A network starts with random predictions, so "left its first value" (RFM's escape) says
        // nothing: a network has escaped at the first evaluation where the accuracy on the trapped
        // pairs reaches 0.99, recorded as its optimizer step (the recorder counts evaluations).
        let trap = recorder.map(|r| {
            let mut t = r.finish();
            if let Some(old) = previous.and_then(|p| p.trap.as_ref()) {
                let mut joined = old.clone();
                joined.asymmetry.extend(t.asymmetry);
                joined.trapped_accuracy.extend(t.trapped_accuracy);
                joined.summarize(0);
                t = joined;
            }
            let escape = t
                .trapped_accuracy
                .iter()
                .position(|&a| a >= NET_ESCAPE_ACCURACY);
            t.escaped_at = escape.and_then(|i| steps.get(i).map(|r| r.step));
            t.escape_asymmetry = escape.and_then(|i| t.asymmetry.get(i).copied());
            t.broken_at = t.escaped_at;
            t
        });
        let mut warnings = Vec::new();
        let final_analysis = output.features.last().and_then(|f| {
            match analyze_matrix(task, f.nfm.view(), &AnalysisOptions::default()) {
                Ok(a) => Some(a),
                Err(e) => {
                    warnings.push(format!("analysis of the final NFM failed: {e}"));
                    None
                }
            }
        });
        let record = NetworkRecord {
            params: params.resolved(),
            n_weights: output.net.params().len(),
            total_steps: params.total_steps(n_train),
            steps_per_epoch: params.steps_per_epoch(n_train),
            steps,
            features,
            seconds,
            weights: options.save_model.then(|| output.net.params().to_vec()),
            resume: NetResumeRecord::new(&output),
        };
        let feature_matrices: Vec<MatrixRecord> =
            record.features.iter().map(|f| f.nfm.clone()).collect();
        let report = RunReport {
            schema_version: SCHEMA_VERSION,
            kind: "run".into(),
            symrfm_version: env!("CARGO_PKG_VERSION").into(),
            command_line: options.command_line.clone(),
            complete: output.complete,
            task: TaskInfo::new(task),
            params: RfmParams::default(),
            seed: self.spec.split.seed(),
            split: SplitInfo::new(&self.spec.split, split),
            init_m: init_name(&params.init),
            iterations: Vec::new(),
            feature_matrices,
            test_correct,
            summary,
            memory_estimate_bytes: 0,
            timings: Timings {
                total_seconds,
                stages: Default::default(),
                threads: params.effective_threads(),
                peak_memory_bytes: crate::solve::memory::peak_rss_bytes(),
            },
            symmetry,
            structure: Vec::new(),
            final_analysis,
            symmetry_diagnostic: diagnostics,
            analysis: self.spec.analysis.clone(),
            model: None,
            init: None,
            trap,
            predictions: None,
            network: Some(record),
        };
        Ok(NetOutcome {
            report,
            net: output.net.clone(),
            output,
            warnings,
        })
    }
}

/// The trained network stored in a run file written with `save_model` (`run --model mlp
/// --save-model`).
pub fn network_from_report(report: &RunReport) -> Result<Network> {
    let bad = |reason: &str| Error::param("network", "the run's network", reason.to_string());
    let net = report
        .network
        .as_ref()
        .ok_or_else(|| bad("a network run (`run --model mlp|mlp2`)"))?;
    let weights = net
        .weights
        .as_ref()
        .ok_or_else(|| bad("a network run written with its weights (`run --save-model`)"))?;
    Network::from_weights(
        &net.params,
        report.task.n_symbols,
        report.task.n_classes,
        weights,
    )
}

/// `random`, `symmetric:<H>` or `rfm:<path>`: the init as recorded in `init_m`.
fn init_name(init: &NetInit) -> String {
    match init {
        NetInit::Random => "network:random".into(),
        NetInit::Symmetric { subgroup } => format!("network:symmetric:{subgroup}"),
        NetInit::Rfm { path } => format!("network:rfm:{}", path.display()),
    }
}

/// The accuracy on the trapped pairs at which a network run counts as escaped from the trap.
pub const NET_ESCAPE_ACCURACY: f64 = 0.99;

/// The coordinate permutations (of the 2n inputs) of the elements of `h`.
fn coordinate_permutations(sym: &TaskSymmetry, h: &Subgroup) -> Vec<Vec<usize>> {
    h.permutations(sym)
        .into_iter()
        .map(|p| p.into_iter().map(|i| i as usize).collect())
        .collect()
}

/// What the continuation of a network run takes over from its run file: the records an
/// uninterrupted run has (evaluations and diagnostics on the evaluation schedule, feature
/// matrices on the feature schedule; a run stopped early or shorter has extra ones at its last
/// step), and where training goes on.
#[derive(Clone, Debug)]
pub(crate) struct NetPrevious {
    pub start: NetStart,
    pub steps: Vec<StepRecord>,
    pub features: Vec<NetFeatureRecord>,
    pub diagnostics: Vec<SymmetryDiagnostic>,
    pub trap: Option<TrapDynamics>,
    pub seconds: NetSeconds,
    pub total_seconds: f64,
}
