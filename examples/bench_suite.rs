//! The native side of the wasm benchmark suite (`bench/suite.mjs`): the same list of views, option
//! change and peer queries (`bench/queries.json`), timed the same way, printed as the same JSON.
//!
//! ```text
//! cargo run --release --example bench_suite -- SNAPSHOT.arrow [RUNS] [bench/queries.json]
//! ```
//! Times in milliseconds: the median of RUNS calls after a first one (reported as `first_ms`,
//! which includes building the cached indexes).

use std::time::Instant;

use serde_json::{json, Map, Value};

use hubecon::options::Options;
use hubecon::{Engine, Error, Result};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => v.get(n / 2).copied(),
        _ => Some((v.get(n / 2 - 1)? + v.get(n / 2)?) / 2.0),
    }
}

/// `{name: value}` of the JSON file as the text the CLI would get.
fn options(value: &Value) -> Result<Options> {
    let mut o = Options::default();
    for (k, v) in value.as_object().into_iter().flatten() {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        o.set(k, &text)?;
    }
    Ok(o)
}

/// First call, then the median of `runs` calls.
fn time_runs<T>(runs: usize, f: impl FnMut() -> Result<T>) -> Result<(f64, Option<f64>, T)> {
    time_runs_after(runs, || {}, f)
}

/// [`time_runs`] with `before` run untimed before every call (e.g. clearing the engine's
/// per-option caches, so that a repeated query is computed again rather than looked up).
fn time_runs_after<T>(
    runs: usize,
    mut before: impl FnMut(),
    mut f: impl FnMut() -> Result<T>,
) -> Result<(f64, Option<f64>, T)> {
    before();
    let t = Instant::now();
    let mut value = f()?;
    let first = ms(t);
    let mut times = Vec::new();
    for _ in 0..runs {
        before();
        let t = Instant::now();
        value = f()?;
        times.push(ms(t));
    }
    Ok((first, median(times), value))
}

fn field<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name).unwrap_or(&Value::Null)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let snapshot_path = args.first().ok_or_else(|| {
        Error::option(
            "snapshot",
            "usage: bench_suite SNAPSHOT.arrow [RUNS] [QUERIES.json]",
        )
    })?;
    let runs: usize = args
        .get(1)
        .map_or(Ok(3), |r| r.parse())
        .map_err(|_| Error::option("runs", "not a number"))?;
    let queries_path = args.get(2).map_or("bench/queries.json", |s| s.as_str());
    let queries: Value = serde_json::from_str(&std::fs::read_to_string(queries_path)?)
        .map_err(|e| Error::input(queries_path, e.to_string()))?;
    let bytes = std::fs::read(snapshot_path)?;

    let mut out = Map::new();
    out.insert("runs".into(), json!(runs));
    out.insert("snapshot_bytes".into(), json!(bytes.len()));
    let mut loads = Vec::new();
    let mut engine = None;
    for _ in 0..runs.max(1) {
        drop(engine.take());
        let t = Instant::now();
        engine = Some(Engine::from_ipc(&bytes)?);
        loads.push(ms(t));
    }
    let engine = engine.ok_or_else(|| Error::Compute("no engine".into()))?;
    out.insert("load_ms".into(), json!(median(loads.clone())));
    out.insert("load_times_ms".into(), json!(loads));
    out.insert(
        "info".into(),
        serde_json::to_value(&engine.snapshot.meta).unwrap_or(Value::Null),
    );

    let mut views = Map::new();
    let mut errors = Map::new();
    let mut working = Vec::new();
    for case in field(&queries, "views").as_array().into_iter().flatten() {
        let name = field(case, "name").as_str().unwrap_or("?").to_string();
        let view = field(case, "view").as_str().unwrap_or("").to_string();
        let opts = options(field(case, "options"))?;
        match time_runs(runs, || engine.report(&view, &opts).map(|r| r.main().to_csv())) {
            Ok((first, med, csv)) => {
                eprintln!(
                    "  native: {name}: first {first:.1} ms, median {:.1} ms",
                    med.unwrap_or(f64::NAN)
                );
                views.insert(
                    name,
                    json!({"first_ms": first, "median_ms": med, "csv_bytes": csv.len()}),
                );
                working.push((view, field(case, "options").clone()));
            }
            Err(e) => {
                eprintln!("  native: {name}: {e}");
                errors.insert(name, json!(e.to_string()));
            }
        }
    }
    out.insert("views".into(), Value::Object(views));

    let parsed: Vec<(String, Options)> = working
        .iter()
        .map(|(v, o)| options(o).map(|o| (v.clone(), o)))
        .collect::<Result<_>>()?;
    let (_, all, _) = time_runs(runs, || {
        for (view, o) in &parsed {
            engine.report(view, o)?;
        }
        Ok(())
    })?;
    out.insert("all_views_ms".into(), json!(all));
    out.insert("all_views_count".into(), json!(parsed.len()));

    let change = field(&queries, "option_change");
    let changed = field(change, "name").as_str().unwrap_or("window-weeks");
    let values: Vec<String> = field(change, "values")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    // Every run starts without per-option caches, as after a reader's change.
    let mut flip = 0;
    let (_, change_ms, _) = time_runs_after(
        runs,
        || engine.clear_option_caches(),
        || {
            flip = 1 - flip;
            let value = values.get(flip).map_or("52", |s| s.as_str());
            for (view, o) in &parsed {
                let mut o = o.clone();
                o.set(changed, value)?;
                engine.report(view, &o)?;
            }
            Ok(())
        },
    )?;
    out.insert("option_change_ms".into(), json!(change_ms));
    eprintln!(
        "  native: all {} views {:.1} ms; one option change {:.1} ms",
        parsed.len(),
        all.unwrap_or(f64::NAN),
        change_ms.unwrap_or(f64::NAN)
    );

    let mut peer = Map::new();
    for (q, calls) in field(&queries, "peer_queries").as_object().into_iter().flatten() {
        let calls: Vec<(String, Options)> = calls
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                options(field(c, "options")).map(|o| (field(c, "view").as_str().unwrap_or("").to_string(), o))
            })
            .collect::<Result<_>>()?;
        let result = time_runs_after(
            runs,
            || engine.clear_option_caches(),
            || {
                calls
                    .iter()
                    .map(|(view, o)| {
                        engine
                            .report(view, o)
                            .map(|r| field(&r.to_json(), "rows").clone())
                    })
                    .collect::<Result<Vec<Value>>>()
            },
        );
        match result {
            Ok((first, med, answer)) => {
                eprintln!("  native: {q}: {:.1} ms", med.unwrap_or(f64::NAN));
                peer.insert(
                    q.clone(),
                    json!({"first_ms": first, "median_ms": med, "answer": answer}),
                );
            }
            Err(e) => {
                eprintln!("  native: {q}: {e}");
                errors.insert(q.clone(), json!(e.to_string()));
            }
        }
    }
    out.insert("peer_queries".into(), Value::Object(peer));
    out.insert("errors".into(), Value::Object(errors));
    out.insert("runtime".into(), json!("native (release)"));
    println!("{}", Value::Object(out));
    Ok(())
}
