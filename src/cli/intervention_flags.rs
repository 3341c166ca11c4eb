//! `symrfm run` flags for interventions on M and for the initial matrix.
//!
//! Spec names (library) ← flags:
//! `params.interventions[].kind/subgroup` ← `--project KIND:H` (repeatable) and
//! `--enforce-circulant`; `params.interventions[].generator` ← `--enforce-circulant GENERATOR`
//! (`first-column`, the default when the flag has no value, or `average`);
//! `params.interventions[].strength` ← `--project-strength`;
//! `params.interventions[].from` ← `--project-from`; `params.interventions[].every` ←
//! `--project-every`; `params.exact_symmetry` ← `--exact-symmetry`; `init.kind` ← `--init`;
//! `init.seed` ← `--init-seed`; `init.perturb` ← `--perturb`.

use super::flags::{to_flags, AnalysisArgs, RfmArgs, TaskArgs};
use super::split_flags::SplitChoice;
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use symrfm::experiment::{Experiment, ExperimentSpec};
use symrfm::report::RunReport;
use symrfm::rfm::{CirculantGenerator, InitKind, InitSpec, Intervention, InterventionKind};

/// Interventions on the feature matrix and the choice of M_0.
#[derive(Args, Debug, Clone, Default)]
pub struct InterventionArgs {
    /// After each update, project M onto `commutant:H` (matrices commuting with Π(h), h ∈ H) or
    /// `group-algebra:H` (span of the Π(h)); H is a subgroup of the task's symmetry group: on Dih(A)
    /// generators such as `r`, `s r^3`, `r^16,s`; on any other task's Sym_f its element names or
    /// `#k` (see `symrfm symmetry`); or `full`, `rotations` (group tasks), `stabilizer` (of the
    /// training set). Repeatable; applied in order.
    #[arg(long, value_name = "KIND:H")]
    pub project: Vec<String>,
    /// After each update, enforce block-circulant structure as in arXiv 2407.20199 (cyclic groups).
    /// Alone or `first-column`: the off-diagonal generator is the block's first column (the
    /// paper); `average`: the mean of each wrapped diagonal (orthogonal projection onto circulants).
    #[arg(
        long,
        value_enum,
        value_name = "GENERATOR",
        num_args = 0..=1,
        default_missing_value = "first-column"
    )]
    pub enforce_circulant: Option<GeneratorArg>,
    /// Strength β ∈ (0, 1] of every intervention: M ← (1 − β) M + β T(M).
    #[arg(
        long,
        value_name = "BETA",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub project_strength: f64,
    /// First iteration t whose update is followed by the interventions.
    #[arg(long, value_name = "T", default_value_t = 0)]
    pub project_from: usize,
    /// Apply the interventions after every K-th update only (t = from, from + K, …).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub project_every: usize,
    /// Project M onto the commutant of the training set's stabilizer after every update.
    #[arg(long)]
    pub exact_symmetry: bool,
    /// The base of M_0: `identity` (or the `--init-m` file) or a seeded `random-circulant`.
    #[arg(long, value_enum, default_value = "identity")]
    pub init: InitArg,
    /// Seed of `--init random-circulant` and of `--perturb`.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub init_seed: u64,
    /// Perturb M_0 by ε·E, E symmetric Gaussian with ‖E‖_F = ‖M_0‖_F (a network: its first layer,
    /// the transformer's embeddings, by a Gaussian of relative size ε, seeded by --net-seed).
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub perturb: Option<f64>,
}

/// How `--enforce-circulant` reads the off-diagonal generator.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratorArg {
    /// The first column of the block (arXiv 2407.20199).
    FirstColumn,
    /// The mean of each wrapped diagonal (the orthogonal projection onto circulants).
    Average,
}

impl GeneratorArg {
    fn spec(self) -> CirculantGenerator {
        match self {
            GeneratorArg::FirstColumn => CirculantGenerator::FirstColumn,
            GeneratorArg::Average => CirculantGenerator::Average,
        }
    }
}

/// The base of M_0.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitArg {
    /// The identity, or the `--init-m` file.
    #[default]
    Identity,
    /// A random block-circulant matrix (arXiv 2407.20199).
    RandomCirculant,
}

fn parse_project(text: &str) -> Result<InterventionKind> {
    let Some((kind, h)) = text.split_once(':') else {
        bail!("invalid value for --project: `{text}` (expected KIND:H with KIND commutant or group-algebra, e.g. commutant:r)");
    };
    let subgroup = h.trim().to_string();
    match kind.trim() {
        "commutant" => Ok(InterventionKind::Commutant { subgroup }),
        "group-algebra" | "algebra" => Ok(InterventionKind::GroupAlgebra { subgroup }),
        other => bail!(
            "invalid value for --project: kind `{other}` (expected commutant or group-algebra)"
        ),
    }
}

impl InterventionArgs {
    /// The interventions of the command line, in order (projections, then enforce-circulant).
    pub fn interventions(&self) -> Result<Vec<Intervention>> {
        let mut kinds = self
            .project
            .iter()
            .map(|p| parse_project(p))
            .collect::<Result<Vec<_>>>()?;
        if self.enforce_circulant.is_some() {
            kinds.push(InterventionKind::EnforceCirculant);
        }
        let generator = self
            .enforce_circulant
            .map_or(CirculantGenerator::FirstColumn, GeneratorArg::spec);
        Ok(kinds
            .into_iter()
            .map(|kind| Intervention {
                generator: if kind == InterventionKind::EnforceCirculant {
                    generator
                } else {
                    CirculantGenerator::FirstColumn
                },
                kind,
                strength: self.project_strength,
                from: self.project_from,
                every: self.project_every,
            })
            .collect())
    }

    /// The M_0 spec of the command line.
    pub fn init_spec(&self) -> InitSpec {
        InitSpec {
            kind: match self.init {
                InitArg::Identity => InitKind::Given,
                InitArg::RandomCirculant => InitKind::RandomCirculant,
            },
            seed: self.init_seed,
            perturb: self.perturb,
        }
    }

    /// The experiment of `symrfm run` with these flags: [`super::run::experiment`] plus the
    /// interventions in `params` and the M_0 spec in `init`. Errors name the flags.
    pub fn experiment(
        &self,
        task: &TaskArgs,
        split: &SplitChoice,
        rfm: &RfmArgs,
        analysis: &AnalysisArgs,
    ) -> Result<Experiment> {
        let mut params = rfm.params()?;
        params.interventions = self.interventions()?;
        params.exact_symmetry = self.exact_symmetry;
        let spec = ExperimentSpec {
            task: task.spec()?,
            split: split.spec.clone(),
            params,
            init_m: rfm.init_m.clone(),
            label: None,
            analysis: analysis.spec(split.theory_subgroup.clone()),
            init: self.init_spec(),
            net: None,
        };
        Ok(spec
            .validate()
            .map_err(|e| to_flags(e, &[("split.subgroup", split.h_flag)]))?)
    }
}

/// A one-line summary of the trap dynamics, for runs with a non-trivial stabilizer.
pub fn trap_line(report: &RunReport) -> Option<String> {
    let trap = report.trap.as_ref()?;
    if trap.stabilizer_order <= 1 {
        return None;
    }
    let max = trap.asymmetry.iter().fold(0.0f64, |a, &b| a.max(b));
    let last = trap.asymmetry.last().copied().unwrap_or(0.0);
    // A network run's trap record counts evaluations and steps, and escapes at accuracy 0.99.
    let network = report.network.is_some();
    let (matrix, per, rule, stuck) = if network {
        (
            "the NFM",
            "per evaluation",
            "reached 0.99",
            "stayed below 0.99",
        )
    } else {
        ("M_t", "per iteration", "left its first value", "unchanged")
    };
    let when = if network { "step" } else { "t" };
    Some(format!(
        "trap: asymmetry of {matrix} w.r.t. the stabilizer {} (order {}): final {last:.3e}, max {max:.3e}, growth rate {}; {}",
        trap.stabilizer,
        trap.stabilizer_order,
        trap.growth_rate
            .map_or("n/a".to_string(), |r| format!("{r:.3} {per} (×{:.3})", r.exp())),
        match (trap.escaped_at, trap.escape_asymmetry) {
            (Some(t), Some(a)) => format!(
                "escaped at {when} = {t} (accuracy on the {} trapped pairs {rule}; asymmetry {a:.3e})",
                trap.trapped_pairs
            ),
            _ if trap.trapped_pairs == 0 => "no trapped pairs".to_string(),
            _ => format!("never escaped (accuracy on the {} trapped pairs {stuck})", trap.trapped_pairs),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_values_parse() {
        assert_eq!(
            parse_project("commutant:r^3, s").unwrap(),
            InterventionKind::Commutant {
                subgroup: "r^3, s".into()
            }
        );
        assert_eq!(
            parse_project("group-algebra:rotations").unwrap(),
            InterventionKind::GroupAlgebra {
                subgroup: "rotations".into()
            }
        );
        assert!(parse_project("r").is_err());
        assert!(parse_project("centre:r").is_err());
    }

    #[derive(clap::Parser, Debug)]
    struct Wrapper {
        #[command(flatten)]
        args: InterventionArgs,
        #[arg(long)]
        other: bool,
    }

    fn parse(argv: &[&str]) -> InterventionArgs {
        use clap::Parser;
        Wrapper::try_parse_from(std::iter::once("x").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn enforce_circulant_takes_an_optional_generator() {
        assert_eq!(parse(&[]).enforce_circulant, None);
        for (argv, want) in [
            (&["--enforce-circulant"][..], GeneratorArg::FirstColumn),
            (
                &["--enforce-circulant", "--other"][..],
                GeneratorArg::FirstColumn,
            ),
            (
                &["--enforce-circulant", "average"][..],
                GeneratorArg::Average,
            ),
            (
                &["--enforce-circulant=first-column"][..],
                GeneratorArg::FirstColumn,
            ),
        ] {
            let args = parse(argv);
            assert_eq!(args.enforce_circulant, Some(want), "{argv:?}");
            let ivs = args.interventions().unwrap();
            assert_eq!(ivs[0].generator, want.spec());
        }
        let args = parse(&["--project", "commutant:r", "--enforce-circulant", "average"]);
        let ivs = args.interventions().unwrap();
        assert_eq!(ivs[0].generator, CirculantGenerator::FirstColumn);
        assert_eq!(ivs[1].generator, CirculantGenerator::Average);
        use clap::Parser;
        assert!(Wrapper::try_parse_from(["x", "--enforce-circulant", "median"]).is_err());
    }

    #[test]
    fn flags_fill_the_spec() {
        let args = InterventionArgs {
            project: vec!["commutant:s".into()],
            enforce_circulant: Some(GeneratorArg::FirstColumn),
            project_strength: 0.5,
            project_from: 2,
            project_every: 3,
            ..Default::default()
        };
        let ivs = args.interventions().unwrap();
        assert_eq!(ivs.len(), 2);
        assert_eq!(ivs[1].kind, InterventionKind::EnforceCirculant);
        assert!(ivs
            .iter()
            .all(|i| i.strength == 0.5 && i.from == 2 && i.every == 3));
        assert!(args.init_spec().is_default());
    }
}
