//! `symrfm report --matrix RUN.json --strip`: a strip of the saved M_t of a run.

use crate::common;
use common::ok;

#[test]
fn strip_of_saved_matrices_is_written_once_and_refused_without_force() {
    let dir = common::scratch("report-strip");
    let run = |extra: &[&str], out: &str| {
        let mut args = vec![
            "run",
            "--task",
            "add",
            "-p",
            "7",
            "--iters",
            "6",
            "--threads",
            "1",
            "-q",
            "--out",
            out,
        ];
        args.extend(extra);
        common::symrfm(&args, &dir)
    };
    ok(&run(&["--save-every", "2"], "run.json"));
    ok(&common::symrfm(
        &["report", "--matrix", "run.json", "--strip", "--out", "figs"],
        &dir,
    ));
    let png = std::fs::read(dir.join("figs/strip-run.png")).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("a valid PNG");
    let (w, h) = (reader.info().width, reader.info().height);
    assert!(w > 600 && h > 200, "{w}×{h}");
    let svg = std::fs::read_to_string(dir.join("figs/strip-run.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // the saved t = 2, 4, 6 (final), each captioned
    for t in ["t = 2", "t = 4", "t = 6 (final)"] {
        assert!(svg.contains(t), "{t}");
    }
    let index = std::fs::read_to_string(dir.join("figs/figures.md")).unwrap();
    assert!(index.contains("strip-run.png"));
    // again: refused, the files untouched; with --force: written
    let before = std::fs::metadata(dir.join("figs/strip-run.svg"))
        .unwrap()
        .modified()
        .unwrap();
    let again = common::symrfm(
        &["report", "--matrix", "run.json", "--strip", "--out", "figs"],
        &dir,
    );
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--force") && !err.contains("output.overwrite"),
        "{err}"
    );
    let after = std::fs::metadata(dir.join("figs/strip-run.svg"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
    ok(&common::symrfm(
        &[
            "report", "--matrix", "run.json", "--strip", "--out", "figs", "--force",
        ],
        &dir,
    ));
    // a run with only its final M: a usage error suggesting --save-every, nothing written
    ok(&run(&[], "one.json"));
    let one = common::symrfm(
        &["report", "--matrix", "one.json", "--strip", "--out", "figs"],
        &dir,
    );
    let err = String::from_utf8_lossy(&one.stderr);
    assert_eq!(one.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--save-every") && err.contains("only one"),
        "{err}"
    );
    assert!(!dir.join("figs/strip-one.png").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
