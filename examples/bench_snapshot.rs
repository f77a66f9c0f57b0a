//! Size and speed of the snapshot file, next to the same table written as Parquet with zstd.
//!
//! ```text
//! cargo run --release --example bench_snapshot -- [--seed S] [--runs R] [--codecs] [--save DIR] [N ...]
//! ```
//! N defaults to 100000 and 1000000. For each N: build time of the synthetic snapshot, then for the
//! default codec (and, with `--codecs`, for zstd 1/3/9/14/19, lz4 and uncompressed) the file size,
//! bytes per model and per download row, write time and read+validate time (best of R runs,
//! default 3), and the Parquet sizes of the same columns (zstd level 1 = the crate's default, and
//! level 3 = our default), dictionary encoding on. `--save DIR` keeps the default-codec file as
//! `DIR/synthetic-N.arrow`.

use std::sync::Arc;
use std::time::Instant;

use arrow_ipc::reader::FileReader;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use hubecon::snapshot_io::{self, Codec, WriteOptions, DEFAULT_CODEC};
use hubecon::{Result, Snapshot};

fn seconds(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The same table as the IPC file, as Parquet with zstd at `level` (default encodings, dictionary on).
fn parquet_size(uncompressed_ipc: &[u8], level: i32) -> Result<usize> {
    let reader = FileReader::try_new(std::io::Cursor::new(uncompressed_ipc), None)?;
    let schema = reader.schema();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(level).map_err(|e| hubecon::Error::Compute(e.to_string()))?,
        ))
        .set_dictionary_enabled(true)
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, Arc::clone(&schema), Some(props))
        .map_err(|e| hubecon::Error::Compute(e.to_string()))?;
    for batch in reader {
        writer
            .write(&batch?)
            .map_err(|e| hubecon::Error::Compute(e.to_string()))?;
    }
    writer
        .close()
        .map_err(|e| hubecon::Error::Compute(e.to_string()))?;
    Ok(out.len())
}

fn codec_name(c: Codec) -> String {
    match c {
        Codec::Zstd(l) => format!("zstd({l})"),
        Codec::Lz4 => "lz4".into(),
        Codec::Uncompressed => "none".into(),
    }
}

fn run(models: usize, seed: u64, runs: usize, all_codecs: bool, save: Option<&str>) -> Result<()> {
    let t = Instant::now();
    // Grouped by developer, as `hubecon build` writes it.
    let snapshot = hubecon::import::synthetic::generate(models, seed)?.grouped_by_author();
    let build = seconds(t);
    let rows = snapshot.weekly_week.len();
    println!("N = {models} models, {rows} weekly download rows (synthetic, seed {seed})");
    println!("  build (generate, group by developer): {build:.2} s");

    let t = Instant::now();
    snapshot.validate()?;
    let validate = seconds(t);
    let t = Instant::now();
    let hash = snapshot_io::content_hash(&snapshot);
    let hash_time = seconds(t);
    println!("  validate alone: {validate:.3} s; content hash alone: {hash_time:.3} s ({hash})");

    let mut codecs: Vec<Codec> = if all_codecs {
        vec![
            Codec::Zstd(1),
            Codec::Zstd(3),
            Codec::Zstd(9),
            Codec::Zstd(14),
            Codec::Zstd(19),
            Codec::Lz4,
            Codec::Uncompressed,
        ]
    } else {
        vec![DEFAULT_CODEC]
    };
    // zstd 19 writes at about 0.5 MB/s: only at small N.
    if models > 200_000 {
        codecs.retain(|&c| c != Codec::Zstd(19));
    }
    println!(
        "  {:<10} {:>13} {:>9} {:>9} {:>9} {:>11}",
        "codec", "file bytes", "B/model", "B/row", "write s", "read+val s"
    );
    let mut default_size = 0;
    for codec in codecs {
        let mut write_best = f64::INFINITY;
        let mut read_best = f64::INFINITY;
        let mut bytes = Vec::new();
        // The slow levels: one run is enough to see it.
        let write_runs = if matches!(codec, Codec::Zstd(l) if l > 9) {
            1
        } else {
            runs
        };
        for _ in 0..write_runs {
            let t = Instant::now();
            bytes = snapshot_io::write_with(&snapshot, codec)?;
            write_best = write_best.min(seconds(t));
        }
        for _ in 0..runs {
            let t = Instant::now();
            let back = Snapshot::from_ipc(&bytes)?;
            read_best = read_best.min(seconds(t));
            if back.meta.content_hash != hash {
                return Err(hubecon::Error::Compute("round trip changed the data".into()));
            }
        }
        if codec == DEFAULT_CODEC {
            default_size = bytes.len();
            if let Some(dir) = save {
                std::fs::write(format!("{dir}/synthetic-{models}.arrow"), &bytes)?;
            }
        }
        println!(
            "  {:<10} {:>13} {:>9.2} {:>9.3} {:>9.3} {:>11.3}",
            codec_name(codec),
            bytes.len(),
            bytes.len() as f64 / models as f64,
            bytes.len() as f64 / rows.max(1) as f64,
            write_best,
            read_best
        );
    }

    let plain = snapshot_io::write_with_options(
        &snapshot,
        WriteOptions {
            codec: Codec::Uncompressed,
            ..WriteOptions::default()
        },
    )?;
    drop(snapshot);
    for level in [1, 3] {
        let size = parquet_size(&plain, level)?;
        println!(
            "  parquet zstd({level}): {size} bytes, {:.2} B/model, {:.3} B/row; ours/parquet = {:.3}",
            size as f64 / models as f64,
            size as f64 / rows.max(1) as f64,
            default_size as f64 / size as f64
        );
    }
    Ok(())
}

fn main() {
    let mut seed = 42u64;
    let mut runs = 3usize;
    let mut all_codecs = false;
    let mut save = None;
    let mut sizes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(runs).max(1),
            "--codecs" => all_codecs = true,
            "--save" => save = args.next(),
            n => match n.replace('_', "").parse() {
                Ok(n) => sizes.push(n),
                Err(_) => {
                    eprintln!("usage: bench_snapshot [--seed S] [--runs R] [--codecs] [--save DIR] [N ...]");
                    std::process::exit(2);
                }
            },
        }
    }
    if sizes.is_empty() {
        sizes = vec![100_000, 1_000_000];
    }
    for n in sizes {
        if let Err(e) = run(n, seed, runs, all_codecs, save.as_deref()) {
            eprintln!("bench_snapshot: {e}");
            std::process::exit(1);
        }
    }
}
