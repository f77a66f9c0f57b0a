//! Plain CSV lineage and metadata (`hubecon build --source csv --edges EDGES.csv [--nodes NODES.csv]`).
//!
//! Edges: a header with `source,target[,edge]` (parent → child, as in hakanotal's edge lists) or
//! `parent,child[,relation]` (as in family_edges.csv); a missing relation reads as `other`.
//! Nodes: a header with `id` and any of `author, created, downloads, likes` plus any snapshot column
//! by name (`pipeline_tag, library, license, gated, architecture, training_data, org_type, country,
//! params, params_source, file_bytes, downloads_all_time`, and the multi-label `languages,
//! input_modalities, output_modalities, training_methods` with labels separated by `|`). Other
//! columns are ignored and named in the description. Models that appear only in edges become rows
//! with unknowns; the author defaults to the part of the id before `/`.

use crate::import::rows::{Rows, MULTI, SINGLE};
use crate::snapshot::{ParamSource, Relation, Snapshot, SnapshotMeta};
use crate::time::{format_date, parse_date, NO_DATE};
use crate::{Error, Result};

/// Parses CSV text (RFC 4180: quoted fields may hold commas, newlines and doubled quotes; `\r\n`
/// or `\n` line ends; a leading byte-order mark is skipped). Returns records with the 1-based line
/// each starts on. Empty text gives no records; blank lines are skipped.
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut field_started = false; // the current record has content (to skip blank lines)
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                in_quotes = true;
                quote_line = line;
                field_started = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if field_started || !field.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push((record_line, std::mem::take(&mut record)));
                }
                field_started = false;
                line += 1;
                record_line = line;
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if in_quotes {
        return Err(Error::input(
            file,
            format!("line {quote_line}: a quoted field is never closed"),
        ));
    }
    if field_started || !field.is_empty() {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

/// Position of the first header name in `names` (case-insensitive, trimmed).
fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

fn number(file: &str, line: usize, name: &str, text: &str) -> Result<f64> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.eq_ignore_ascii_case("null") {
        return Ok(f64::NAN);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(Error::input(
            file,
            format!("line {line}: {name} '{t}' is not a non-negative number"),
        )),
    }
}

/// Options of the CSV importer beyond the two files.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// `meta.source` (default `csv`).
    pub source: Option<String>,
    /// `meta.snapshot_date` (default: the latest creation date in the nodes, else empty).
    pub snapshot_date: Option<String>,
    /// Appended to the description.
    pub description: Option<String>,
}

/// Imports an edge list and an optional node table, each given as `(text, file name)` (the name is
/// for messages). A file with only a header gives an empty snapshot.
pub fn import(edges: (&str, &str), nodes: Option<(&str, &str)>, options: &CsvOptions) -> Result<Snapshot> {
    let mut rows = Rows::new();
    let mut ignored: Vec<String> = Vec::new();
    let mut empty_ids = 0usize;
    if let Some((text, file)) = nodes {
        read_nodes(&mut rows, text, file, &mut ignored, &mut empty_ids)?;
    }
    let (text, file) = edges;
    let records = parse_csv(text, file)?;
    let mut records = records.into_iter();
    let (_, header) = records
        .next()
        .ok_or_else(|| Error::input(file, "is empty (expected a header source,target,edge)"))?;
    let parent_col = column(&header, &["source", "parent"]);
    let child_col = column(&header, &["target", "child"]);
    let (Some(parent_col), Some(child_col)) = (parent_col, child_col) else {
        return Err(Error::input(
            file,
            format!(
                "missing column: expected source,target[,edge] or parent,child[,relation]; the header is '{}'",
                header.join(",")
            ),
        ));
    };
    let relation_col = column(&header, &["edge", "relation", "relation_type"]);
    let mut unknown_relations = 0usize;
    let mut unknown_example = String::new();
    let mut edge_count = 0usize;
    for (_, record) in records {
        let parent = record.get(parent_col).map(|s| s.trim()).unwrap_or("");
        let child = record.get(child_col).map(|s| s.trim()).unwrap_or("");
        if parent.is_empty() || child.is_empty() {
            empty_ids += 1;
            continue;
        }
        let relation_text = relation_col
            .and_then(|c| record.get(c))
            .map(|s| s.as_str())
            .unwrap_or("");
        let relation = match Relation::parse(relation_text) {
            Some(r) => r,
            None => {
                unknown_relations += 1;
                if unknown_example.is_empty() {
                    unknown_example = relation_text.trim().to_string();
                }
                Relation::Other
            }
        };
        // The parent first: rows appear in the order the file names them.
        rows.get_or_add(parent);
        let c = rows.get_or_add(child);
        rows.link(c, parent, relation);
        edge_count += 1;
    }
    if empty_ids > 0 {
        rows.repairs
            .push(format!("{empty_ids} rows with an empty model id skipped"));
    }
    if unknown_relations > 0 {
        rows.repairs.push(format!(
            "{unknown_relations} links with an unknown relation (e.g. '{unknown_example}') read as other"
        ));
    }
    let latest = rows.created.iter().copied().filter(|&d| d != NO_DATE).max();
    // File names without their directories: the snapshot should not depend on where it was built.
    let base_name = |f: &str| f.rsplit(['/', '\\']).next().unwrap_or(f).to_string();
    let mut description = format!(
        "CSV import: {edge_count} edges from {}{}",
        base_name(file),
        nodes
            .map(|(_, f)| format!(", nodes from {}", base_name(f)))
            .unwrap_or_default()
    );
    if !ignored.is_empty() {
        description.push_str(&format!("; node columns ignored: {}", ignored.join(", ")));
    }
    if let Some(d) = &options.description {
        description.push_str("; ");
        description.push_str(d);
    }
    let snapshot_date = match &options.snapshot_date {
        Some(d) => format_date(
            parse_date(d).map_err(|_| Error::option("snapshot-date", format!("'{d}' is not a date")))?,
        ),
        None => latest.map(format_date).unwrap_or_default(),
    };
    rows.finish(SnapshotMeta {
        snapshot_date,
        source: options.source.clone().unwrap_or_else(|| "csv".to_string()),
        synthetic: false,
        description,
        ..Default::default()
    })
}

fn read_nodes(
    rows: &mut Rows,
    text: &str,
    file: &str,
    ignored: &mut Vec<String>,
    empty_ids: &mut usize,
) -> Result<()> {
    let records = parse_csv(text, file)?;
    let mut records = records.into_iter();
    let (_, header) = records
        .next()
        .ok_or_else(|| Error::input(file, "is empty (expected a header with id)"))?;
    let id_col = column(&header, &["id", "model_id", "modelId", "model"]).ok_or_else(|| {
        Error::input(
            file,
            format!("missing column 'id'; the header is '{}'", header.join(",")),
        )
    })?;
    #[derive(Clone, Copy)]
    enum Target {
        Author,
        Created,
        Likes,
        Downloads30d,
        DownloadsAllTime,
        Params,
        ParamsSource,
        FileBytes,
        Single(&'static str),
        Multi(&'static str),
    }
    let mut targets: Vec<(usize, Target, String)> = Vec::new();
    for (k, name) in header.iter().enumerate() {
        if k == id_col {
            continue;
        }
        let lower = name.trim().to_ascii_lowercase();
        let target = match lower.as_str() {
            "author" | "owner" => Target::Author,
            "created" | "created_at" | "createdat" | "creation_time" => Target::Created,
            "likes" => Target::Likes,
            "downloads" | "downloads_30d" => Target::Downloads30d,
            "downloads_all_time" | "downloadsalltime" => Target::DownloadsAllTime,
            "params" | "parameters" => Target::Params,
            "params_source" => Target::ParamsSource,
            "file_bytes" => Target::FileBytes,
            "library_name" => Target::Single("library"),
            other => match (
                SINGLE.iter().find(|n| **n == other),
                MULTI.iter().find(|n| **n == other),
            ) {
                (Some(n), _) => Target::Single(n),
                (_, Some(n)) => Target::Multi(n),
                _ => {
                    ignored.push(name.trim().to_string());
                    continue;
                }
            },
        };
        targets.push((k, target, name.trim().to_string()));
    }
    let has_params_source = targets.iter().any(|t| matches!(t.1, Target::ParamsSource));
    for (line, record) in records {
        let id = record.get(id_col).map(|s| s.trim()).unwrap_or("");
        if id.is_empty() {
            *empty_ids += 1;
            continue;
        }
        let Some(row) = rows.add(id) else { continue };
        let r = row as usize;
        for (k, target, name) in &targets {
            let value = record.get(*k).map(|s| s.trim()).unwrap_or("");
            match *target {
                Target::Author => {
                    if !value.is_empty() {
                        if let Some(a) = rows.author.get_mut(r) {
                            *a = Some(value.to_string());
                        }
                    }
                }
                Target::Created => {
                    if !value.is_empty() {
                        let day = parse_date(value).map_err(|_| {
                            Error::input(file, format!("line {line}: {name} '{value}' is not a date"))
                        })?;
                        if let Some(c) = rows.created.get_mut(r) {
                            *c = day;
                        }
                    }
                }
                Target::Likes => set(&mut rows.likes, r, number(file, line, name, value)?),
                Target::Downloads30d => set(&mut rows.downloads_30d, r, number(file, line, name, value)?),
                Target::DownloadsAllTime => {
                    set(&mut rows.downloads_all_time, r, number(file, line, name, value)?)
                }
                Target::FileBytes => set(&mut rows.file_bytes, r, number(file, line, name, value)?),
                Target::Params => {
                    let v = number(file, line, name, value)?;
                    set(&mut rows.params, r, v);
                    if !has_params_source && !v.is_nan() {
                        if let Some(s) = rows.params_source.get_mut(r) {
                            *s = ParamSource::Estimated;
                        }
                    }
                }
                Target::ParamsSource => {
                    let s = ParamSource::parse(value).ok_or_else(|| {
                        Error::input(
                            file,
                            format!("line {line}: params_source '{value}' is not safetensors, estimated or unknown"),
                        )
                    })?;
                    if let Some(slot) = rows.params_source.get_mut(r) {
                        *slot = s;
                    }
                }
                Target::Single(col) => {
                    let v = (!value.is_empty()).then(|| value.to_string());
                    rows.set_single(col, row, v);
                }
                Target::Multi(col) => {
                    let labels: Vec<String> = value
                        .split('|')
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .map(|s| s.to_string())
                        .collect();
                    rows.set_multi(col, row, labels);
                }
            }
        }
    }
    // A params_source of safetensors/estimated without a count says nothing: keep them consistent.
    for (p, s) in rows.params.iter().zip(rows.params_source.iter_mut()) {
        if p.is_nan() {
            *s = ParamSource::Unknown;
        }
    }
    Ok(())
}

fn set(column: &mut [f64], row: usize, value: f64) {
    if let Some(slot) = column.get_mut(row) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields() {
        let text = "a,b,c\r\n\"x, y\",\"line\nbreak\",\"say \"\"hi\"\"\"\n\n1,,3";
        let r = parse_csv(text, "t.csv").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].0, 2);
        assert_eq!(r[1].1, vec!["x, y", "line\nbreak", "say \"hi\""]);
        assert_eq!(r[2].0, 5);
        assert_eq!(r[2].1, vec!["1", "", "3"]);
        assert!(parse_csv("", "t.csv").unwrap().is_empty());
        let err = parse_csv("a\n\"open", "t.csv").unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("line 2"), "{err}");
    }
}
