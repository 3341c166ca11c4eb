//! Property test: random flag combinations and random bytes as input files never make the binary
//! panic; the exit code is 0, 1 or 2; and a failed command leaves no output file behind.

use crate::common;
use common::scratch;
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs `symrfm` in `dir`; returns the exit code (None = killed by a signal).
fn run_in(dir: &Path, args: &[String]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("2".to_string()),
        Just("0.5".to_string()),
        Just("1e308".to_string()),
        Just("-1e-300".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("".to_string()),
        Just("abc".to_string()),
        Just("18446744073709551617".to_string()),
        // junk without digits: numeric values come only from the list above, so runs stay small
        "[a-z+^ ,x.-]{0,8}",
    ]
}

fn flag() -> impl Strategy<Value = Vec<String>> {
    let names = prop_oneof![
        Just("--task"),
        Just("--modulus"),
        Just("--group"),
        Just("--keep-zero"),
        Just("--train-frac"),
        Just("--seed"),
        Just("--kernel"),
        Just("--bandwidth"),
        Just("--ridge"),
        Just("--iters"),
        Just("--agop-power"),
        Just("--no-centering"),
        Just("--save-every"),
        Just("--threads"),
        Just("--max-memory"),
        Just("--quiet"),
        Just("--bogus"),
    ];
    (names, value(), any::<bool>()).prop_map(|(name, v, with_value)| {
        let switch = matches!(name, "--keep-zero" | "--no-centering" | "--quiet");
        if switch && !with_value {
            vec![name.to_string()]
        } else {
            vec![name.to_string(), v]
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_flags_never_panic(flags in proptest::collection::vec(flag(), 0..5)) {
        let dir = scratch("flags");
        // keep successful runs tiny: small modulus and few iterations come first, random flags may override
        let mut args: Vec<String> = ["run", "-q", "-p", "7", "--iters", "2", "--max-memory", "512", "--out", "o.json"]
            .iter().map(|s| s.to_string()).collect();
        for f in &flags {
            args.extend(f.iter().cloned());
        }
        // the modulus a random flag may set is bounded by --max-memory: large tasks are refused, not run
        let (code, stderr) = run_in(&dir, &args);
        prop_assert!(matches!(code, Some(0..=2)), "exit {code:?} for {args:?}: {stderr}");
        if code != Some(0) {
            prop_assert!(entries(&dir).is_empty(), "{args:?} failed but left {:?}", entries(&dir));
            prop_assert!(!stderr.contains("panicked"), "{stderr}");
        } else {
            prop_assert_eq!(entries(&dir), vec!["o.json".to_string()]);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn random_bytes_as_input_files_are_usage_errors(bytes in proptest::collection::vec(any::<u8>(), 0..600), kind in 0..4usize) {
        let dir = scratch("bytes");
        let (name, flag) = [("in.csv", "--split-file"), ("in.json", "--init-m"), ("in.npy", "--init-m"), ("in", "--init-m")][kind];
        std::fs::write(dir.join(name), &bytes).unwrap();
        let args: Vec<String> = ["run", "-q", "-p", "7", "--iters", "1", "--out", "o.json", flag, name]
            .iter().map(|s| s.to_string()).collect();
        let (code, stderr) = run_in(&dir, &args);
        prop_assert_eq!(code, Some(2), "{}: {}", name, stderr);
        prop_assert!(stderr.contains(name), "{stderr}");
        prop_assert_eq!(entries(&dir), vec![name.to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
