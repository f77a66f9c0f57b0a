//! Getting data into a snapshot (issue 2): the synthetic generator, and importers of the public
//! sources (Economies of Open Intelligence release, Hub Stats, plain CSV). Every importer gathers
//! raw rows, then [`repair`] cleans ids and lineage the same way and records what it changed in
//! `meta.repairs`.

pub mod csv;
#[cfg(not(target_arch = "wasm32"))]
pub mod economies;
#[cfg(not(target_arch = "wasm32"))]
pub mod hubstats;
#[cfg(not(target_arch = "wasm32"))]
mod parquet_read;
pub mod repair;
pub mod rows;
pub mod synthetic;

#[cfg(not(target_arch = "wasm32"))]
use crate::snapshot::Snapshot;
#[cfg(not(target_arch = "wasm32"))]
use crate::{Error, Result};

#[cfg(not(target_arch = "wasm32"))]
fn flag<'a>(flags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(not(target_arch = "wasm32"))]
fn required<'a>(flags: &'a [(String, String)], name: &str, source: &str) -> Result<&'a str> {
    flag(flags, name).ok_or_else(|| Error::option(name, format!("is required with --source {source}")))
}

/// `hubecon build` with its `--flag value` pairs (native only: it reads Parquet). Writes the
/// snapshot to `--out` and prints a one-line summary to stderr.
#[cfg(not(target_arch = "wasm32"))]
pub fn cli_build(flags: &[(String, String)]) -> Result<()> {
    let known = [
        "source",
        "models",
        "seed",
        "out",
        "input",
        "edges",
        "nodes",
        "source-name",
        "snapshot-date",
        "description",
        "compression",
    ];
    if let Some((k, _)) = flags.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return Err(Error::option(
            k,
            format!("unknown flag for build; known: --{}", known.join(", --")),
        ));
    }
    let source = flag(flags, "source")
        .ok_or_else(|| Error::option("source", "is required: synthetic, economies, hub-stats or csv"))?;
    let out =
        flag(flags, "out").ok_or_else(|| Error::option("out", "is required (the .arrow file to write)"))?;
    let codec = match flag(flags, "compression") {
        Some(text) => parse_codec(text)?,
        None => crate::snapshot_io::DEFAULT_CODEC,
    };
    let started = std::time::Instant::now();
    // The layout of every written snapshot: a developer's models in consecutive rows.
    let snapshot = build(source, flags)?.grouped_by_author();
    let built = started.elapsed();
    let bytes = crate::snapshot_io::write_with(&snapshot, codec)?;
    std::fs::write(out, &bytes).map_err(|e| Error::input(out, e.to_string()))?;
    let m = &snapshot.meta;
    eprintln!(
        "hubecon build: {} models, {} base edges, {} weekly rows, {} repairs -> {out} ({} bytes; built in {:.2} s, total {:.2} s)",
        snapshot.models(),
        snapshot.base_model.len(),
        snapshot.weekly_week.len(),
        m.repairs.len(),
        bytes.len(),
        built.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `zstd` (the default level), `zstd:LEVEL` (1–22; 19 makes the smallest files, slowly), `lz4` or `none`.
#[cfg(not(target_arch = "wasm32"))]
fn parse_codec(text: &str) -> Result<crate::snapshot_io::Codec> {
    use crate::snapshot_io::{Codec, DEFAULT_CODEC};
    let bad = || {
        Error::option(
            "compression",
            format!("'{text}' is not zstd, zstd:LEVEL (1-22), lz4 or none"),
        )
    };
    match text.trim() {
        "zstd" => Ok(DEFAULT_CODEC),
        "lz4" => Ok(Codec::Lz4),
        "none" | "uncompressed" => Ok(Codec::Uncompressed),
        other => {
            let level: i32 = other
                .strip_prefix("zstd:")
                .and_then(|l| l.parse().ok())
                .ok_or_else(bad)?;
            if (1..=22).contains(&level) {
                Ok(Codec::Zstd(level))
            } else {
                Err(bad())
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn read_text(path: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::input(path, e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::input(
            path,
            format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Builds a snapshot from the flags of `hubecon build` (without writing it).
#[cfg(not(target_arch = "wasm32"))]
pub fn build(source: &str, flags: &[(String, String)]) -> Result<Snapshot> {
    match source {
        "synthetic" => {
            let models = required(flags, "models", source)?;
            let models: usize = models
                .trim()
                .replace('_', "")
                .parse()
                .map_err(|_| Error::option("models", format!("'{models}' is not a whole number")))?;
            let seed = match flag(flags, "seed") {
                Some(s) => s
                    .trim()
                    .parse()
                    .map_err(|_| Error::option("seed", format!("'{s}' is not a whole number")))?,
                None => 1,
            };
            let snapshot = synthetic::generate(models, seed)?;
            snapshot.validate()?;
            Ok(snapshot)
        }
        "economies" => economies::import(required(flags, "input", source)?),
        "hub-stats" => hubstats::import(required(flags, "input", source)?),
        "csv" => {
            let edges_path = required(flags, "edges", source)?;
            let edges = read_text(edges_path)?;
            let nodes = match flag(flags, "nodes") {
                Some(p) => Some((read_text(p)?, p)),
                None => None,
            };
            let options = csv::CsvOptions {
                source: flag(flags, "source-name").map(str::to_string),
                snapshot_date: flag(flags, "snapshot-date").map(str::to_string),
                description: flag(flags, "description").map(str::to_string),
            };
            csv::import(
                (&edges, edges_path),
                nodes.as_ref().map(|(t, p)| (t.as_str(), *p)),
                &options,
            )
        }
        other => Err(Error::option(
            "source",
            format!("'{other}' is not a known source; use synthetic, economies, hub-stats or csv"),
        )),
    }
}
