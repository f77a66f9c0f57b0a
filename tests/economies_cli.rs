//! `hubecon report` prints the same numbers as the library, and bad options give one clear line.

use std::process::Command;

use hubecon::options::Options;
use hubecon::Engine;

const FIXTURE: &str = "tests/fixtures/economies-3000.arrow";

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hubecon"))
        .args(args)
        .output()
        .expect("hubecon runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_csv_equals_library_csv() {
    let engine = Engine::from_ipc(&std::fs::read(FIXTURE).unwrap()).unwrap();
    let cases: [(&str, &[(&str, &str)]); 4] = [
        ("leaderboard", &[("level", "country"), ("top", "5")]),
        (
            "concentration",
            &[
                ("granularity", "year"),
                ("attribution", "root"),
                ("bootstrap", "20"),
                ("seed", "9"),
            ],
        ),
        ("incidence", &[("attribute", "license"), ("max-p", "0.001")]),
        ("sizes", &[("window-weeks", "26")]),
    ];
    for (view, pairs) in cases {
        let options = Options::from_pairs(pairs.iter().copied()).unwrap();
        let want = engine.report(view, &options).unwrap().main().to_csv();
        let mut args = vec!["report", view, "--snapshot", FIXTURE];
        for (k, v) in pairs {
            args.push(Box::leak(format!("--{k}").into_boxed_str()));
            args.push(v);
        }
        let (ok, stdout, stderr) = cli(&args);
        assert!(ok, "{view}: {stderr}");
        assert_eq!(stdout, want, "{view}");
    }
}

#[test]
fn cli_names_the_bad_option() {
    let (ok, _, stderr) = cli(&[
        "report",
        "leaderboard",
        "--snapshot",
        FIXTURE,
        "--where",
        "country=Atlantis",
    ]);
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("where") && stderr.contains("Atlantis"),
        "{stderr}"
    );
    let (ok, _, stderr) = cli(&["report", "trends", "--snapshot", FIXTURE, "--attribute", "colour"]);
    assert!(!ok);
    assert!(
        stderr.contains("colour") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
