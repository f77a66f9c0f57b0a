//! Times the lineage engine on a synthetic snapshot: index build, MDI for every model (kernel and
//! the whole `mdi` table), `mdi-summary`, the race sample and the three race specifications.
//!
//! cargo run --release --example bench_lineage -- --models 2500000 [--seed 1] [--transitive]

use std::time::Instant;

use hubecon::disruption::{self, MdiParams};
use hubecon::import::synthetic;
use hubecon::options::Options;
use hubecon::race;
use hubecon::views::lineage::{mdi_params, race_params};
use hubecon::Engine;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{label:<44} {:>9.1} ms", start.elapsed().as_secs_f64() * 1e3);
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let models: usize = arg(&args, "--models").map_or(Ok(1_000_000), |v| v.parse())?;
    let seed: u64 = arg(&args, "--seed").map_or(Ok(1), |v| v.parse())?;
    let snapshot = time("generate synthetic snapshot", || {
        synthetic::generate(models, seed)
    })?;
    println!(
        "models {}, base edges {}",
        snapshot.models(),
        snapshot.base_model.len()
    );
    let engine = Engine::new(snapshot);
    let index = time("lineage index (first use)", || engine.lineage());
    println!(
        "roots {}, max depth {}, families {}, repairs clean: {}",
        index.root_count(),
        index.depth.iter().max().copied().unwrap_or(0),
        index.family_size.len(),
        index.repairs.is_clean()
    );
    let options = Options::default();
    let params = mdi_params(&options);
    let mdi = time("MDI kernel, every model (W = 90 days)", || {
        disruption::compute(index, &engine.snapshot.created, &params)
    })?;
    println!("scored models {}", mdi.len());
    time("MDI kernel, unbounded window", || {
        disruption::compute(
            index,
            &engine.snapshot.created,
            &MdiParams {
                window_days: None,
                ..params
            },
        )
    })?;
    if args.iter().any(|a| a == "--transitive") {
        let r = time("MDI kernel, transitive (W = 90 days)", || {
            disruption::compute(
                index,
                &engine.snapshot.created,
                &MdiParams {
                    transitive: true,
                    ..params
                },
            )
        });
        if let Err(e) = r {
            println!("transitive: {e}");
        }
    }
    let table = time("view mdi (table with ids and dates)", || {
        engine.report("mdi", &options)
    })?;
    time("  mdi table as CSV", || table.main().to_csv().len());
    time("  mdi table as Arrow IPC", || {
        table.main().to_arrow_ipc().map(|b| b.len())
    })?;
    time("view mdi-summary", || engine.report("mdi-summary", &options))?;
    let rp = race_params(&options);
    let data = time("race sample (race-data kernel)", || {
        race::race_data(&engine.snapshot, index, &rp)
    });
    println!("race rows {}", data.len());
    time("race: three specifications x two outcomes", || {
        race::fit(&data, rp.relations)
    })?;
    time("view race (sample + fits + scatter)", || {
        engine.report("race", &options)
    })?;
    time("view race-data", || engine.report("race-data", &options))?;
    Ok(())
}
