//! Times the lineage engine on a synthetic snapshot: index build, MDI for every model (kernel and
//! the whole `mdi` table), `mdi-summary`, the race sample and the three race specifications.
//! Each step runs `--repeat` times (default 3); the fastest and the slowest run are printed, since
//! a shared machine adds noise to single runs.
//!
//! cargo run --release --example bench_lineage -- --models 2500000 [--seed 1] [--repeat 3] [--transitive]

use std::time::Instant;

use hubecon::disruption::{self, MdiParams};
use hubecon::import::synthetic;
use hubecon::lineage::LineageIndex;
use hubecon::options::Options;
use hubecon::race;
use hubecon::views::lineage::{mdi_params, race_params};
use hubecon::Engine;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Runs `f` `repeat` times, prints the fastest and slowest run, returns the last result.
fn time<T>(label: &str, repeat: usize, mut f: impl FnMut() -> T) -> T {
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        out = Some(f());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let min = times.iter().cloned().fold(f64::MAX, f64::min);
    let max = times.iter().cloned().fold(0.0, f64::max);
    println!("{label:<46} {min:>9.1} ms  (slowest {max:.1})");
    out.expect("ran at least once")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let models: usize = arg(&args, "--models").map_or(Ok(1_000_000), |v| v.parse())?;
    let seed: u64 = arg(&args, "--seed").map_or(Ok(1), |v| v.parse())?;
    let repeat: usize = arg(&args, "--repeat").map_or(Ok(3), |v| v.parse())?;
    let snapshot = time("generate synthetic snapshot", 1, || {
        synthetic::generate(models, seed)
    })?;
    println!(
        "models {}, base edges {}",
        snapshot.models(),
        snapshot.base_model.len()
    );
    time("lineage index build", repeat, || LineageIndex::build(&snapshot));
    let engine = Engine::new(snapshot);
    let index = engine.lineage();
    println!(
        "roots {}, max depth {}, families {}, repairs clean: {}",
        index.root_count(),
        index.depth.iter().max().copied().unwrap_or(0),
        index.family_size.len(),
        index.repairs.is_clean()
    );
    let options = Options::default();
    let params = mdi_params(&options);
    let created = &engine.snapshot.created;
    let mdi = time("MDI kernel, every model (W = 90 days)", repeat, || {
        disruption::compute(index, created, &params)
    })?;
    println!("scored models {}", mdi.len());
    let unbounded = MdiParams {
        window_days: None,
        ..params
    };
    time("MDI kernel, unbounded window", repeat, || {
        disruption::compute(index, created, &unbounded)
    })?;
    if args.iter().any(|a| a == "--transitive") {
        let transitive = MdiParams {
            transitive: true,
            ..params
        };
        let r = time("MDI kernel, transitive (W = 90 days)", repeat, || {
            disruption::compute(index, created, &transitive)
        });
        if let Err(e) = r {
            println!("transitive: {e}");
        }
    }
    let table = time("view mdi (kernel + table with ids, dates)", repeat, || {
        engine.report("mdi", &options)
    })?;
    time("  mdi table as CSV", repeat, || table.main().to_csv().len());
    time("  mdi table as Arrow IPC", repeat, || {
        table.main().to_arrow_ipc().map(|b| b.len())
    })?;
    time("view mdi-summary", repeat, || {
        engine.report("mdi-summary", &options)
    })?;
    let rp = race_params(&options);
    let data = time("race sample (race-data kernel)", repeat, || {
        race::race_data(&engine.snapshot, index, &rp)
    });
    println!("race rows {}", data.len());
    time("race: three specifications x two outcomes", repeat, || {
        race::fit(&data, rp.relations)
    })?;
    time("view race (sample + fits + scatter)", repeat, || {
        engine.report("race", &options)
    })?;
    time("view race-data", repeat, || engine.report("race-data", &options))?;
    Ok(())
}
