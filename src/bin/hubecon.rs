//! `hubecon`: the native face of the core. Subcommands: `build`, `info`, `report`.
//! On bad input it exits non-zero with one line on stderr.

use std::process::ExitCode;

use hubecon::options::Options;
use hubecon::{Engine, Error, Result};

const USAGE: &str = "usage:
  hubecon build --source synthetic --models N --seed S --out FILE.arrow
  hubecon build --source economies --input all_downloads_with_annotations.parquet --out FILE.arrow
  hubecon build --source hub-stats --input models.parquet --out FILE.arrow
  hubecon build --source csv --edges EDGES.csv [--nodes NODES.csv] --out FILE.arrow
      (every build takes --compression zstd|zstd:LEVEL|lz4|none; default zstd level 3)
  hubecon info FILE.arrow
  hubecon report VIEW --snapshot FILE [--option value ...] [--format csv|json] [--table NAME]
views: info leaderboard shares concentration org-by-country incidence sizes flows modality trends mdi mdi-summary race race-data";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hubecon: {}", e.to_string().replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

/// `--name value` pairs; flags that take no value get `""`.
pub fn parse_flags(args: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let Some(name) = a.strip_prefix("--") else {
            return Err(Error::option(a, "expected a --flag"));
        };
        if let Some((k, v)) = name.split_once('=') {
            out.push((k.to_string(), v.to_string()));
            i += 1;
        } else if Options::is_flag(name) {
            out.push((name.to_string(), String::new()));
            i += 1;
        } else {
            let v = args
                .get(i + 1)
                .ok_or_else(|| Error::option(name, "needs a value"))?;
            out.push((name.to_string(), v.clone()));
            i += 2;
        }
    }
    Ok(out)
}

fn flag<'a>(flags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn read_file(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::input(path, e.to_string()))
}

fn run(args: &[String]) -> Result<()> {
    let Some(cmd) = args.first() else {
        println!("{USAGE}");
        return Ok(());
    };
    match cmd.as_str() {
        // Native only (Parquet); the wasm32 test builds still compile this binary.
        #[cfg(not(target_arch = "wasm32"))]
        "build" => hubecon::import::cli_build(&parse_flags(&args[1..])?),
        "info" => {
            let path = args
                .get(1)
                .ok_or_else(|| Error::option("info", "name a snapshot file"))?;
            let engine = Engine::from_ipc(&read_file(path)?)?;
            println!(
                "{}",
                serde_json::to_string(&engine.snapshot.meta).map_err(|e| Error::Compute(e.to_string()))?
            );
            Ok(())
        }
        "report" => {
            let view = args
                .get(1)
                .ok_or_else(|| Error::option("report", "name a view"))?;
            let flags = parse_flags(&args[2..])?;
            let snapshot =
                flag(&flags, "snapshot").ok_or_else(|| Error::option("snapshot", "is required"))?;
            let format = flag(&flags, "format").unwrap_or("csv");
            let table_name = flag(&flags, "table");
            let mut options = Options::default();
            for (k, v) in &flags {
                if k != "table" {
                    options.set(k, v)?;
                }
            }
            let engine = Engine::from_ipc(&read_file(snapshot)?)?;
            let report = engine.report(view, &options)?;
            let table = match table_name {
                Some(t) => report
                    .table(t)
                    .ok_or_else(|| Error::option("table", format!("view {view} has no table '{t}'")))?,
                None => report.main(),
            };
            match format {
                "csv" => print!("{}", table.to_csv()),
                "json" => println!("{}", report.to_json()),
                other => return Err(Error::option("format", format!("'{other}' is not csv or json"))),
            }
            for n in &report.notes {
                eprintln!("note: {n}");
            }
            Ok(())
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Error::option(other, format!("unknown command\n{USAGE}"))),
    }
}
