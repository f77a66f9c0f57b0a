//! Views: what the dashboard, the widgets and `hubecon report` show. A view turns an engine and an
//! option set into a [`Report`]: one main table (the CSV the issue names) and, where a chart needs
//! more (density curves, a scatter), further named tables.
//!
//! Every face goes through [`run`], so the CLI and the browser print the same numbers.

pub mod economies;
pub mod lineage;
mod table;

pub use table::{Column, ColumnData, Report, Table};

use crate::engine::Engine;
use crate::options::Options;
use crate::{Error, Result};

/// Every view name, in the order the dashboard shows them.
pub const VIEWS: [&str; 14] = [
    "info",
    "leaderboard",
    "shares",
    "concentration",
    "org-by-country",
    "incidence",
    "sizes",
    "flows",
    "modality",
    "trends",
    "mdi",
    "mdi-summary",
    "race",
    "race-data",
];

/// Computes one view.
pub fn run(engine: &Engine, view: &str, options: &Options) -> Result<Report> {
    match view {
        "info" => Ok(info(engine)),
        "leaderboard" | "shares" | "concentration" | "org-by-country" | "incidence" | "sizes" | "flows"
        | "modality" | "trends" => economies::run(engine, view, options),
        "mdi" | "mdi-summary" | "race" | "race-data" => lineage::run(engine, view, options),
        other => Err(Error::UnknownView(other.to_string(), VIEWS.join(", "))),
    }
}

/// The snapshot's metadata as a one-row table.
fn info(engine: &Engine) -> Report {
    let m = &engine.snapshot.meta;
    let mut t = Table::new("info");
    t.push_str("source", vec![Some(m.source.clone())]);
    t.push_str("synthetic", vec![Some(m.synthetic.to_string())]);
    t.push_i64("format_version", vec![Some(m.format_version as i64)]);
    t.push_i64("models", vec![Some(m.models as i64)]);
    t.push_i64("download_rows", vec![Some(m.download_rows as i64)]);
    t.push_str("first_week", vec![Some(m.first_week.clone())]);
    t.push_str("last_week", vec![Some(m.last_week.clone())]);
    t.push_str("snapshot_date", vec![Some(m.snapshot_date.clone())]);
    t.push_str("content_hash", vec![Some(m.content_hash.clone())]);
    Report::new("info", t)
}
