//! Which flags of `run` and `compare` belong to which model family. A flag of RFM given to a
//! network run, or a network flag given to an RFM run, is refused in one line (exit 2) instead of
//! being silently ignored.

use symrfm::Error;

/// A flag given on the command line: its clap id, its name as typed (`--iters`) and its value
/// (the raw values joined by `,`; empty for a switch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    /// The clap id (`iters`, `no_centering`).
    pub id: String,
    /// The flag as the user types it (`--iters`).
    pub flag: String,
    /// The value(s) given.
    pub value: String,
}

/// Flags (clap ids and names) that only an RFM run reads, with what a network run takes instead.
const RFM_ONLY: &[(&str, &str, &str)] = &[
    ("kernel", "--kernel", "a network has no kernel"),
    ("bandwidth", "--bandwidth", "a network has no kernel"),
    ("ridge", "--ridge", "a network has no ridge; see --weight-decay"),
    ("iters", "--iters", "a network trains for --steps or --epochs"),
    ("agop_power", "--agop-power", "a network's feature matrix is its NFM"),
    ("no_centering", "--no-centering", "a network records its AGOP both uncentered and centered"),
    ("save_every", "--save-every", "a network records NFM and AGOP every --agop-every steps"),
    ("init_m", "--init-m", "a network's first layer: --net-init rfm:<run.json>"),
    ("init", "--init", "a network's first layer: --net-init"),
    ("init_seed", "--init-seed", "a network's weights and --perturb: --net-seed"),
    ("max_memory", "--max-memory", "a network run needs little memory and has no limit"),
    ("backend", "--backend", "a network's products are faer's"),
    ("structure", "--structure", "a network records its NFM every --agop-every steps (for `symrfm decompose`) and --symmetry-diagnostic"),
    ("project", "--project", "interventions act on RFM's M"),
    ("enforce_circulant", "--enforce-circulant", "interventions act on RFM's M"),
    ("project_strength", "--project-strength", "interventions act on RFM's M"),
    ("project_from", "--project-from", "interventions act on RFM's M"),
    ("project_every", "--project-every", "interventions act on RFM's M"),
    ("exact_symmetry", "--exact-symmetry", "interventions act on RFM's M"),
    ("save_predictions", "--save-predictions", "a network run file records its test accuracy at every evaluation"),
];

/// Flags (clap ids) that only a network run reads.
const NET_ONLY: &[&str] = &[
    "width",
    "act",
    "init_scale",
    "d_model",
    "heads",
    "d_head",
    "d_mlp",
    "net_init",
    "net_seed",
    "optimizer",
    "lr",
    "weight_decay",
    "momentum",
    "batch",
    "epochs",
    "steps",
    "eval_every",
    "agop_every",
    "loss",
    "agop_reg",
    "symmetry_loss",
];

/// Refuses the first given flag that the chosen model does not read: RFM flags for a network
/// (`model` is `--model`'s value), network flags for RFM.
pub fn check(given: &[Given], network: bool, model: &str) -> Result<(), Error> {
    for g in given {
        if network {
            if let Some((_, name, instead)) = RFM_ONLY.iter().find(|(id, ..)| *id == g.id) {
                return Err(Error::param(
                    name,
                    shown(g),
                    format!("RFM runs only (this run is --model {model}: {instead})"),
                ));
            }
        } else if NET_ONLY.contains(&g.id.as_str()) {
            return Err(Error::InvalidParameter {
                name: "--model",
                value: format!("rfm (the default) with {}", g.flag),
                allowed: format!(
                    "{} with --model mlp, mlp2 or transformer: it sets a network",
                    g.flag
                ),
            });
        }
    }
    Ok(())
}

/// The value as typed, or `given` for a switch.
fn shown(g: &Given) -> String {
    if g.value.is_empty() {
        "given".to_string()
    } else {
        g.value.clone()
    }
}

/// Every clap id this module lists, with the flag name it states (None: not stated).
#[cfg(test)]
pub fn listed() -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
    RFM_ONLY
        .iter()
        .map(|(id, name, _)| (*id, Some(*name)))
        .chain(NET_ONLY.iter().map(|id| (*id, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(id: &str, flag: &str, value: &str) -> Given {
        Given {
            id: id.into(),
            flag: flag.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_flag_of_the_other_family_is_refused_naming_it() {
        let ridge = [
            given("seed", "--seed", "2"),
            given("ridge", "--ridge", "0.1"),
        ];
        let e = check(&ridge, true, "mlp").unwrap_err().to_string();
        assert!(
            e.contains("--ridge") && e.contains("0.1") && e.contains("RFM runs only"),
            "{e}"
        );
        let e = check(&[given("structure", "--structure", "")], true, "mlp")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--structure: given"), "{e}");
        let e = check(&[given("width", "--width", "64")], false, "rfm")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--width") && e.contains("--model"), "{e}");
        // Shared flags pass both ways.
        let shared = [
            given("threads", "--threads", "1"),
            given("seed", "--seed", "3"),
        ];
        assert!(check(&shared, true, "mlp").is_ok());
        assert!(check(&shared, false, "rfm").is_ok());
    }
}
