//! Native timing of every Economies view, and of "all views for one option set".
//!
//! ```text
//! cargo run --release --example bench_views -- [--models N] [--seed S] [--snapshot FILE] [--runs R]
//! ```
//! Without `--snapshot` the synthetic ecosystem of N models (default 1 000 000, seed 42) is generated
//! in memory. For each view: the first call (which builds the cached indexes it needs: window
//! ranges, roots, credits, size estimator) and the median of R warm calls (default 5). Then the
//! latency of one option change: every view recomputed after changing the window length, the
//! level, the attribution, the population filter, a subset, and the granularity.

use std::time::Instant;

use hubecon::options::Options;
use hubecon::{Engine, Result};

const VIEWS: [&str; 9] = [
    "leaderboard",
    "shares",
    "concentration",
    "org-by-country",
    "incidence",
    "sizes",
    "flows",
    "modality",
    "trends",
];

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn all_views(engine: &Engine, options: &Options) -> Result<f64> {
    let t = Instant::now();
    for v in VIEWS {
        engine.report(v, options)?;
    }
    Ok(ms(t))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let models: usize = arg("--models").and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = arg("--seed").and_then(|v| v.parse().ok()).unwrap_or(42);
    let runs: usize = arg("--runs").and_then(|v| v.parse().ok()).unwrap_or(5).max(1);

    let t = Instant::now();
    let snapshot = match arg("--snapshot") {
        Some(path) => hubecon::Snapshot::from_ipc(&std::fs::read(&path)?)?,
        None => hubecon::import::synthetic::generate(models, seed)?.grouped_by_author(),
    };
    println!(
        "snapshot: {} models, {} weekly rows, {} base edges (ready in {:.0} ms)",
        snapshot.models(),
        snapshot.weekly_week.len(),
        snapshot.base_model.len(),
        ms(t)
    );
    let engine = Engine::new(snapshot);
    let defaults = Options::default();

    println!(
        "\n{:<16} {:>12} {:>12}   (default options: developer, window 52, min 200, weekly)",
        "view", "first ms", "warm ms"
    );
    for v in VIEWS {
        let t = Instant::now();
        let r = engine.report(v, &defaults)?;
        let first = ms(t);
        let warm: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let _ = engine.report(v, &defaults);
                ms(t)
            })
            .collect();
        println!(
            "{v:<16} {first:>12.1} {:>12.1}   ({} rows)",
            median(warm),
            r.main().rows()
        );
    }
    println!(
        "{:<16} {:>12} {:>12.1}",
        "all 9 views",
        "",
        all_views(&engine, &defaults)?
    );

    println!("\none option change, then all 9 views (first = cold caches for that option, warm = again):");
    let changes: [(&str, &[(&str, &str)]); 8] = [
        ("window-weeks 26", &[("window-weeks", "26")]),
        ("no-window", &[("no-window", "")]),
        ("level country", &[("level", "country")]),
        ("level model", &[("level", "model")]),
        ("attribution root", &[("attribution", "root")]),
        ("min-downloads 1000", &[("min-downloads", "1000")]),
        ("where country=China", &[("where", "country=China")]),
        ("granularity month", &[("granularity", "month")]),
    ];
    for (name, pairs) in changes {
        let options = Options::from_pairs(pairs.iter().copied())?;
        let first = all_views(&engine, &options)?;
        let warm = median(
            (0..runs.min(3))
                .map(|_| all_views(&engine, &options).unwrap_or(f64::NAN))
                .collect(),
        );
        println!("{name:<22} first {first:>8.1} ms   warm {warm:>8.1} ms");
    }

    println!("\nmodel-level weekly concentration after a change of the window (a new length each time):");
    let window_changes = |engine: &Engine, from: u32| -> Result<f64> {
        let times = (from..from + 9)
            .map(|l| {
                let options = Options::from_pairs([("level", "model"), ("window-weeks", &l.to_string())])?;
                let t = Instant::now();
                engine.report("concentration", &options)?;
                Ok(ms(t))
            })
            .collect::<Result<Vec<f64>>>()?;
        Ok(median(times))
    };
    println!(
        "without Engine::prepare  median {:>8.1} ms",
        window_changes(&engine, 20)?
    );
    let t = Instant::now();
    let ready = engine.prepare(&defaults)?;
    println!("Engine::prepare (week-order layout: {ready}) {:>8.1} ms", ms(t));
    println!(
        "after Engine::prepare    median {:>8.1} ms",
        window_changes(&engine, 30)?
    );

    println!("\npeers benchmark queries (see docs/economies.md):");
    type Query<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let queries: [Query; 4] = [
        (
            "Q1 top-10 models",
            "leaderboard",
            &[("min-downloads", "0"), ("level", "model")],
        ),
        (
            "Q2 weekly author HHI/Gini",
            "concentration",
            &[("min-downloads", "0"), ("no-window", "")],
        ),
        (
            "Q3 roots all-time",
            "leaderboard",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("attribution", "root"),
                ("level", "model"),
            ],
        ),
        (
            "Q4 pipeline_tag by period",
            "trends",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("attribute", "pipeline_tag"),
                ("granularity", "periods"),
            ],
        ),
    ];
    for (name, view, pairs) in queries {
        let options = Options::from_pairs(pairs.iter().copied())?;
        let t = Instant::now();
        engine.report(view, &options)?;
        let first = ms(t);
        let warm = median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    let _ = engine.report(view, &options);
                    ms(t)
                })
                .collect(),
        );
        println!("{name:<28} first {first:>8.1} ms   warm {warm:>8.1} ms");
    }
    Ok(())
}
