//! `symrfm decompose` on a non-abelian group: the irrep energies of M's blocks, and
//! `--eigen K --isotypic H` (the isotypic energies of the leading eigenvectors).

use crate::common;
use common::json;

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn decompose_reports_irrep_energies_and_isotypic_eigenvector_energies() {
    let dir = common::scratch("isotypic");
    let run = common::symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S3",
            "--iters",
            "3",
            "--threads",
            "1",
            "-q",
            "--out",
            "run.json",
        ],
        &dir,
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = common::symrfm(
        &[
            "decompose",
            "run.json",
            "--eigen",
            "4",
            "--isotypic",
            "full",
            "--out",
            "dec.json",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("irreducible representations of S_3"),
        "{stdout}"
    );
    assert!(stdout.contains("eigenvalue clusters"), "{stdout}");
    let v = json(&dir.join("dec.json"));
    let irr = &v["analysis"]["irrep_energy"];
    let dims: Vec<u64> = irr["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["dimension"].as_u64().unwrap())
        .collect();
    assert_eq!(dims, vec![1, 1, 4]);
    for block in ["m11", "m12", "m21", "m22"] {
        let b = &irr[block];
        let total: f64 =
            floats(&b["energy"]).iter().sum::<f64>() + b["remainder"].as_f64().unwrap();
        assert!((total - 1.0).abs() < 1e-9, "{block}: {total}");
    }
    let iso = &v["eigen"]["isotypic"];
    assert_eq!(iso["order"].as_u64(), Some(6));
    let rows = iso["energy"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for row in rows {
        assert!((floats(row).iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
    let covered: u64 = iso["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .sum();
    assert!(covered >= 4);

    // an unknown element name: exit 2 naming the flag
    let bad = common::symrfm(
        &[
            "decompose",
            "run.json",
            "--eigen",
            "2",
            "--isotypic",
            "q",
            "--out",
            "bad.json",
        ],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--isotypic"), "{err}");
    // --isotypic needs --eigen
    let lone = common::symrfm(
        &[
            "decompose",
            "run.json",
            "--isotypic",
            "full",
            "--out",
            "lone.json",
        ],
        &dir,
    );
    assert_eq!(lone.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
