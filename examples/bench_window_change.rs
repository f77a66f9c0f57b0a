//! Native timing of each dashboard box after a change of the rolling window (a new length each
//! time, so no cache holds the results), in the dashboard's box order and options.
//!
//! ```text
//! cargo run --release --example bench_window_change -- --snapshot FILE [--changes N] [--prepare] [--prepare-each] [--only BOX[,BOX...]] [--set NAME=VALUE[,NAME=VALUE...]]
//! ```
//! Prints, per box, the median engine time over N changes (default 7). With `--prepare` the engine
//! first runs `Engine::prepare` for the default options (and the trends box's attribute), as the
//! dashboard does when idle; with
//! `--only BOX[,BOX...]` only those boxes are timed, as the boxes of one screen are after a change
//! (the first pays what the others share), or one box for a profiler. `--set` times the boxes
//! under other options than the default ones (such as `attribution=root`; a box's own options
//! come after them), set after the warm-up and `--prepare`: the first change of such an option.
//! `--prepare-each` (with `--set`) times what a reader meets when changing an option a while
//! after a window change: before each change (untimed) the new window is drawn and prepared under
//! the default options, then the boxes are timed under `--set` with that window.

use std::time::Instant;

use hubecon::options::Options;
use hubecon::{Engine, Result};

/// A dashboard box: its name, its view and the options it sets besides the window.
type Box = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The dashboard's boxes of the Economies study, in page order.
const BOXES: [Box; 15] = [
    ("leaderboard-model", "leaderboard", &[("level", "model")]),
    ("leaderboard-developer", "leaderboard", &[("level", "developer")]),
    ("leaderboard-country", "leaderboard", &[("level", "country")]),
    ("map", "leaderboard", &[("level", "country"), ("top", "1000")]),
    ("shares-developer", "shares", &[("level", "developer")]),
    ("shares-country", "shares", &[("level", "country")]),
    ("concentration-model", "concentration", &[("level", "model")]),
    (
        "concentration-developer",
        "concentration",
        &[("level", "developer")],
    ),
    ("concentration-country", "concentration", &[("level", "country")]),
    ("org-by-country", "org-by-country", &[]),
    ("modality", "modality", &[]),
    ("incidence", "incidence", &[]),
    ("sizes", "sizes", &[]),
    ("flows", "flows", &[]),
    ("trends", "trends", &[("attribute", "architecture")]),
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let path =
        arg("--snapshot").ok_or_else(|| hubecon::Error::option("snapshot", "--snapshot FILE is required"))?;
    let only = arg("--only");
    let changes: u32 = arg("--changes").and_then(|v| v.parse().ok()).unwrap_or(7).max(1);
    let engine = Engine::new(hubecon::Snapshot::from_ipc(&std::fs::read(&path)?)?);
    let set = arg("--set").unwrap_or_default();
    let set: Vec<(&str, &str)> = set
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let options_for = |window: u32, set: &[(&str, &str)], extra: &[(&str, &str)]| {
        let w = window.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![("window-weeks", &w)];
        pairs.extend_from_slice(set);
        pairs.extend_from_slice(extra);
        Options::from_pairs(pairs.iter().map(|&(k, v)| (k, v)))
    };
    // Warm the caches the first drawing builds (the default window).
    for (_, view, extra) in BOXES {
        engine.report(view, &options_for(52, &[], extra)?)?;
    }
    if args.iter().any(|a| a == "--prepare") {
        let t = Instant::now();
        // As the dashboard does: the default options with the trends box's attribute.
        engine.prepare(&Options::from_pairs([("attribute", "architecture")])?)?;
        println!("prepare {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); BOXES.len()];
    let mut totals = Vec::new();
    let prepare_each = args.iter().any(|a| a == "--prepare-each");
    for change in 0..changes {
        let window = 20 + change;
        if prepare_each {
            for (_, view, extra) in BOXES {
                engine.report(view, &options_for(window, &[], extra)?)?;
            }
            let w = window.to_string();
            engine.prepare(&Options::from_pairs([
                ("attribute", "architecture"),
                ("window-weeks", &w),
            ])?)?;
        }
        let t0 = Instant::now();
        for (i, (name, view, extra)) in BOXES.iter().enumerate() {
            if only.as_deref().is_some_and(|o| !o.split(',').any(|b| b == *name)) {
                continue;
            }
            let t = Instant::now();
            engine.report(view, &options_for(window, &set, extra)?)?;
            times[i].push(t.elapsed().as_secs_f64() * 1e3);
        }
        totals.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("box (in dashboard order; each after a new window)   median ms over {changes} changes");
    for (i, (name, _, _)) in BOXES.iter().enumerate() {
        if times[i].is_empty() {
            continue;
        }
        println!("{name:<26} {:>8.1}", median(&mut times[i]));
    }
    println!("{:<26} {:>8.1}", "all boxes in order", median(&mut totals));
    Ok(())
}
