//! The row order of a snapshot changes no figure: every view computed on a synthetic snapshot and
//! on the same snapshot grouped by developer (the layout `hubecon build` writes, which takes the
//! engine's unit-by-unit path at the developer level) gives the same tables.
//!
//! Two things depend on the row order by design and are left out: seeded random draws go over the
//! models by row (the bootstrap of `concentration`, the RANSAC samples of the size estimator used
//! by `sizes`), so the same seed reproduces a result on the same file; and tables that list models
//! with equal sort keys list them in row order (compared here as sets of lines).

use hubecon::import::synthetic;
use hubecon::options::Options;
use hubecon::views::VIEWS;
use hubecon::{Engine, Snapshot};

const OPTION_SETS: [&[(&str, &str)]; 6] = [
    &[],
    &[("level", "developer"), ("granularity", "month")],
    &[
        ("level", "developer"),
        ("no-window", "true"),
        ("min-downloads", "0"),
    ],
    &[("level", "developer"), ("attribution", "root")],
    &[("level", "country"), ("window-weeks", "26")],
    &[
        ("level", "model"),
        ("granularity", "year"),
        ("relations", "finetune,merge"),
    ],
];

/// Same cells; numbers equal to 1e-9 (relative), since sums may be added in another order. With
/// `as_sets`, the lines are compared in sorted order.
fn same_csv(a: &str, b: &str, as_sets: bool) -> Result<(), String> {
    let (mut la, mut lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    if as_sets {
        la.sort_unstable();
        lb.sort_unstable();
    }
    if la.len() != lb.len() {
        return Err(format!("{} rows vs {}", la.len(), lb.len()));
    }
    for (k, (x, y)) in la.iter().zip(&lb).enumerate() {
        let (cx, cy): (Vec<&str>, Vec<&str>) = (x.split(',').collect(), y.split(',').collect());
        let same = cx.len() == cy.len()
            && cx
                .iter()
                .zip(&cy)
                .all(|(p, q)| match (p.parse::<f64>(), q.parse::<f64>()) {
                    (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                    _ => p == q,
                });
        if !same {
            return Err(format!("line {k}: {x}  vs  {y}"));
        }
    }
    Ok(())
}

#[test]
fn every_view_is_the_same_on_a_snapshot_grouped_by_developer() {
    let original: Snapshot = synthetic::generate(4000, 5).unwrap();
    assert!(
        !original.is_grouped_by_author(),
        "the generator writes models in creation order"
    );
    let grouped = original.clone().grouped_by_author();
    assert!(grouped.is_grouped_by_author());
    grouped.validate().unwrap();
    let (a, b) = (Engine::new(original), Engine::new(grouped));
    let mut failures = Vec::new();
    for options in OPTION_SETS {
        let o = Options::from_pairs(options.iter().copied()).unwrap();
        // Every view but `info` (the file's facts) and `sizes` (RANSAC draws by row, see above).
        for view in VIEWS.iter().filter(|v| !matches!(**v, "info" | "sizes")) {
            let (ra, rb) = (a.report(view, &o), b.report(view, &o));
            match (ra, rb) {
                (Ok(ra), Ok(rb)) => {
                    for (ta, tb) in ra.tables.iter().zip(&rb.tables) {
                        // Model lists ordered by scores with many ties.
                        let as_sets = matches!(ta.name.as_str(), "mdi" | "race-data");
                        if let Err(e) = same_csv(&ta.to_csv(), &tb.to_csv(), as_sets) {
                            failures.push(format!("{view} {options:?} table {}: {e}", ta.name));
                        }
                    }
                }
                (Err(ea), Err(eb)) => assert_eq!(ea.to_string(), eb.to_string()),
                (x, y) => failures.push(format!("{view} {options:?}: {:?} vs {:?}", x.err(), y.err())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
