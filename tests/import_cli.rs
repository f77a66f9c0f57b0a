//! `hubecon build` through the binary: one summary line on success, one error line and a non-zero
//! exit on bad input (never a panic); and the committed real sample loads.

use std::process::Command;

fn hubecon(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hubecon"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("hubecon-import-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn synthetic_build_then_info() {
    let out = temp("syn.arrow");
    let (code, _, err) = hubecon(&[
        "build",
        "--source",
        "synthetic",
        "--models",
        "2000",
        "--seed",
        "5",
        "--out",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 1, "one summary line: {err}");
    assert!(err.contains("2000 models"), "{err}");
    let (code, info, err) = hubecon(&["info", &out]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(v["models"], 2000);
    assert_eq!(v["synthetic"], true);
    assert_eq!(v["source"], "synthetic");
    assert_eq!(v["last_week"], "2025-08-25");
}

#[test]
fn csv_build_through_the_cli() {
    let edges = temp("edges.csv");
    std::fs::write(
        &edges,
        "source,target,edge\na/base,b/ft,finetuned\nb/ft,b/ft,finetuned\n",
    )
    .unwrap();
    let out = temp("csv.arrow");
    let (code, _, err) = hubecon(&["build", "--source", "csv", "--edges", &edges, "--out", &out]);
    assert_eq!(code, 0, "{err}");
    let (_, info, _) = hubecon(&["info", &out]);
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(v["models"], 2);
    assert_eq!(v["synthetic"], false);
    assert_eq!(v["repairs"][0], "1 self-loops dropped");
}

#[test]
fn bad_input_gives_one_line_and_a_non_zero_exit() {
    let not_parquet = temp("bad.parquet");
    std::fs::write(&not_parquet, "not parquet").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["build", "--out", "x.arrow"], "source"),
        (
            vec!["build", "--source", "synthetic", "--out", "x.arrow"],
            "models",
        ),
        (
            vec![
                "build",
                "--source",
                "synthetic",
                "--models",
                "lots",
                "--out",
                "x.arrow",
            ],
            "'lots' is not a whole number",
        ),
        (
            vec![
                "build",
                "--source",
                "synthetic",
                "--models",
                "10",
                "--colour",
                "red",
                "--out",
                "x.arrow",
            ],
            "colour",
        ),
        (
            vec![
                "build",
                "--source",
                "synthetic",
                "--models",
                "9999999",
                "--out",
                "x.arrow",
            ],
            "more than",
        ),
        (
            vec![
                "build",
                "--source",
                "csv",
                "--edges",
                "/nonexistent/e.csv",
                "--out",
                "x.arrow",
            ],
            "/nonexistent/e.csv",
        ),
        (
            vec![
                "build",
                "--source",
                "economies",
                "--input",
                &not_parquet,
                "--out",
                "x.arrow",
            ],
            "not a readable Parquet",
        ),
        (
            vec!["build", "--source", "hub-stats", "--out", "x.arrow"],
            "input",
        ),
        (vec!["build", "--source", "bogus", "--out", "x.arrow"], "bogus"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = hubecon(&args);
        assert_ne!(code, 0, "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: '{err}' should name '{expected}'"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn committed_real_sample_loads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/sample-real.arrow");
    let bytes = std::fs::read(path).expect("www/data/sample-real.arrow is committed");
    assert!(bytes.len() <= 5 * 1024 * 1024, "{} bytes", bytes.len());
    let s = hubecon::Snapshot::from_ipc(&bytes).unwrap();
    assert!(!s.meta.synthetic);
    assert!(s.meta.source.starts_with("real sample: "), "{}", s.meta.source);
    assert!(s.models() > 100_000);
    assert!(s.base_model.len() > 50_000);
    assert_eq!(s.meta.snapshot_date, "2025-06-18");
}
