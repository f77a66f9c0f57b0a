//! Hub Stats (`cfahlgren1/hub-stats`, `models.parquet`, native only): one row per model with `id,
//! author, createdAt, lastModified, downloads` (30 days), `downloadsAllTime, likes, tags, pipeline_tag,
//! library_name, baseModels` (`{models: [{_id, id}], relation}`) and `safetensors`
//! (`{parameters: {dtype: count}, total}`).
//!
//! From `tags`: `license:<name>` gives the license, `base_model:<relation>:<id>` gives base models
//! for rows whose `baseModels` is empty, two-letter language codes give languages, and a known model
//! type (`llama`, `qwen2`, ...) gives the architecture. Parameters come from `safetensors.total`
//! (or the sum of `safetensors.parameters`) with source safetensors. Input and output modalities
//! follow the pipeline tag.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, StructArray};

use crate::import::parquet_read::{days, numbers, string_lists, ParquetInput, Strs};
use crate::import::rows::{modalities_of_task, Rows};
use crate::snapshot::{ParamSource, Relation, Snapshot, SnapshotMeta};
use crate::time::format_date;
use crate::{Error, Result};

const REQUIRED: [&str; 1] = ["id"];
const OPTIONAL: [&str; 12] = [
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "tags",
    "pipeline_tag",
    "library_name",
    "baseModels",
    "safetensors",
    "gated",
];

/// Model types that appear as Hub tags and name an architecture.
const ARCHITECTURE_TAGS: [&str; 40] = [
    "llama",
    "mistral",
    "mixtral",
    "qwen2",
    "qwen3",
    "qwen2_moe",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3",
    "phi",
    "phi3",
    "gpt2",
    "gpt_neox",
    "gptj",
    "gpt_neo",
    "bloom",
    "opt",
    "falcon",
    "t5",
    "mt5",
    "bart",
    "bert",
    "roberta",
    "xlm-roberta",
    "distilbert",
    "deberta",
    "deberta-v2",
    "electra",
    "albert",
    "whisper",
    "wav2vec2",
    "vit",
    "clip",
    "swin",
    "convnext",
    "deepseek_v3",
    "deepseek_v2",
    "mamba",
    "stable-diffusion",
];

/// ISO 639-1 codes seen as Hub language tags.
const LANGUAGE_CODES: [&str; 48] = [
    "en", "zh", "fr", "de", "es", "ja", "ko", "ru", "ar", "hi", "pt", "it", "vi", "nl", "pl", "tr", "sv",
    "id", "th", "fa", "uk", "cs", "el", "he", "ro", "hu", "da", "fi", "no", "bn", "ta", "te", "ur", "ms",
    "ca", "bg", "hr", "sk", "sl", "lt", "lv", "et", "sr", "sw", "mr", "gu", "kn", "ml",
];

fn field<'a>(s: &'a StructArray, name: &str) -> Option<&'a ArrayRef> {
    s.column_by_name(name)
}

/// Reads Hub Stats into a snapshot.
pub fn import(path: &str) -> Result<Snapshot> {
    let input = ParquetInput::open(path)?;
    input.require(&REQUIRED)?;
    let file = input.file.clone();
    let wanted: Vec<&str> = REQUIRED.iter().chain(OPTIONAL.iter()).copied().collect();
    let mut rows = Rows::new();
    let mut latest: Option<i32> = None;
    let mut first_row = 0usize;
    let mut unknown_relations = 0usize;
    let mut unknown_example = String::new();
    input.read(&wanted, |columns, len| {
        let col = |k: usize| columns.get(k).and_then(|c| c.as_ref());
        let ids = Strs::new(
            col(0)
                .ok_or_else(|| Error::input(&file, "column 'id' missing from a batch"))?
                .as_ref(),
            &file,
            "id",
        )?;
        let text = |k: usize, name: &str| -> Result<Option<Strs<'_>>> {
            col(k).map(|a| Strs::new(a.as_ref(), &file, name)).transpose()
        };
        let num = |k: usize, name: &str| -> Result<Option<Vec<f64>>> {
            col(k).map(|a| numbers(a.as_ref(), &file, name)).transpose()
        };
        let author = text(1, "author")?;
        let created = col(2)
            .map(|a| days(a.as_ref(), &file, "createdAt", first_row))
            .transpose()?;
        let modified = col(3)
            .map(|a| days(a.as_ref(), &file, "lastModified", first_row))
            .transpose()?;
        let downloads = num(4, "downloads")?;
        let all_time = num(5, "downloadsAllTime")?;
        let likes = num(6, "likes")?;
        let tags = col(7)
            .map(|a| string_lists(a.as_ref(), &file, "tags"))
            .transpose()?;
        let pipeline = text(8, "pipeline_tag")?;
        let library = text(9, "library_name")?;
        let base_models = col(10).map(|a| read_base_models(a.as_ref(), &file)).transpose()?;
        let params = col(11).map(|a| read_safetensors(a.as_ref(), &file)).transpose()?;
        let gated = col(12).map(|a| read_gated(a.as_ref(), &file)).transpose()?;
        for i in 0..len {
            let Some(id) = ids.get(i) else {
                rows.repairs.push(format!(
                    "row {}: a model without an id skipped",
                    first_row + i + 1
                ));
                continue;
            };
            let Some(row) = rows.add(id) else { continue };
            let r = row as usize;
            if let (Some(a), Some(slot)) = (author.as_ref().and_then(|a| a.get(i)), rows.author.get_mut(r)) {
                *slot = Some(a.to_string());
            }
            if let (Some(d), Some(slot)) = (
                created.as_ref().and_then(|c| c.get(i).copied().flatten()),
                rows.created.get_mut(r),
            ) {
                *slot = d;
                latest = latest.max(Some(d));
            }
            if let Some(d) = modified.as_ref().and_then(|c| c.get(i).copied().flatten()) {
                latest = latest.max(Some(d));
            }
            for (values, target) in [
                (&downloads, &mut rows.downloads_30d),
                (&all_time, &mut rows.downloads_all_time),
                (&likes, &mut rows.likes),
            ] {
                if let (Some(v), Some(slot)) = (values.as_ref().and_then(|v| v.get(i)), target.get_mut(r)) {
                    *slot = *v;
                }
            }
            if let Some(Some(p)) = params.as_ref().and_then(|p| p.get(i)) {
                if let (Some(slot), Some(source)) = (rows.params.get_mut(r), rows.params_source.get_mut(r)) {
                    *slot = *p;
                    *source = ParamSource::Safetensors;
                }
            }
            let task = pipeline.as_ref().and_then(|p| p.get(i));
            rows.set_single("pipeline_tag", row, task.map(str::to_string));
            if let Some(task) = task {
                let (ins, outs) = modalities_of_task(task);
                rows.set_multi(
                    "input_modalities",
                    row,
                    ins.iter().map(|s| s.to_string()).collect(),
                );
                rows.set_multi(
                    "output_modalities",
                    row,
                    outs.iter().map(|s| s.to_string()).collect(),
                );
            }
            rows.set_single(
                "library",
                row,
                library.as_ref().and_then(|p| p.get(i)).map(str::to_string),
            );
            if let Some(Some(g)) = gated.as_ref().and_then(|g| g.get(i)) {
                rows.set_single("gated", row, Some(g.clone()));
            }
            let mut linked = false;
            if let Some(Some((parents, relation))) = base_models.as_ref().map(|b| b.get(i).cloned().flatten())
            {
                let rel = match Relation::parse(&relation) {
                    Some(r) => r,
                    None => {
                        unknown_relations += 1;
                        if unknown_example.is_empty() {
                            unknown_example = relation.clone();
                        }
                        Relation::Other
                    }
                };
                for p in parents {
                    rows.link(row, &p, rel);
                    linked = true;
                }
            }
            let mut languages = Vec::new();
            let mut architecture = None;
            let mut license = None;
            for tag in tags
                .as_ref()
                .and_then(|t| t.get(i))
                .map(|t| t.as_slice())
                .unwrap_or(&[])
            {
                if let Some(l) = tag.strip_prefix("license:") {
                    license.get_or_insert_with(|| l.to_string());
                } else if let Some(rest) = tag.strip_prefix("base_model:") {
                    // `base_model:<relation>:<id>`; a bare `base_model:<id>` is the parent of an unknown relation.
                    if linked {
                        continue;
                    }
                    let (rel, parent) = match rest.split_once(':') {
                        Some((rel, parent)) => match Relation::parse(rel) {
                            Some(r) => (r, parent),
                            None => (Relation::Other, rest),
                        },
                        None => (Relation::Other, rest),
                    };
                    rows.link(row, parent, rel);
                } else if LANGUAGE_CODES.contains(&tag.as_str()) {
                    languages.push(tag.clone());
                } else if architecture.is_none() && ARCHITECTURE_TAGS.contains(&tag.as_str()) {
                    architecture = Some(tag.clone());
                }
            }
            rows.set_single("license", row, license);
            rows.set_single("architecture", row, architecture);
            rows.set_multi("languages", row, languages);
        }
        first_row += len;
        Ok(())
    })?;
    if unknown_relations > 0 {
        rows.repairs.push(format!(
            "{unknown_relations} baseModels with an unknown relation (e.g. '{unknown_example}') read as other"
        ));
    }
    let models = rows.len();
    rows.finish(SnapshotMeta {
        snapshot_date: latest.map(format_date).unwrap_or_default(),
        source: "hub-stats".to_string(),
        synthetic: false,
        description: format!(
            "Hub Stats models table ({path}): {first_row} rows, {models} models; no weekly history"
        ),
        ..Default::default()
    })
}

/// `baseModels`: per row, the parent ids and the relation text (`None` for null or no models).
/// Parent ids and the relation text of one row's `baseModels`.
type BaseModels = Option<(Vec<String>, String)>;

fn read_base_models(array: &dyn Array, file: &str) -> Result<Vec<BaseModels>> {
    let bad = || {
        Error::input(
            file,
            format!(
                "column 'baseModels' has type {}, expected struct<models: list<struct<_id, id>>, relation>",
                array.data_type()
            ),
        )
    };
    if matches!(array.data_type(), arrow_schema::DataType::Null) {
        return Ok(vec![None; array.len()]);
    }
    let s = array.as_struct_opt().ok_or_else(bad)?;
    let relation = field(s, "relation")
        .map(|a| Strs::new(a.as_ref(), file, "baseModels.relation"))
        .transpose()?;
    let models = field(s, "models").ok_or_else(bad)?;
    let (offsets, items): (Vec<usize>, &ArrayRef) = if let Some(l) = models.as_list_opt::<i32>() {
        (
            l.value_offsets().iter().map(|&o| o.max(0) as usize).collect(),
            l.values(),
        )
    } else if let Some(l) = models.as_list_opt::<i64>() {
        (
            l.value_offsets().iter().map(|&o| o.max(0) as usize).collect(),
            l.values(),
        )
    } else {
        return Err(bad());
    };
    let item_struct = items.as_struct_opt().ok_or_else(bad)?;
    let ids = Strs::new(
        field(item_struct, "id").ok_or_else(bad)?.as_ref(),
        file,
        "baseModels.models.id",
    )?;
    Ok((0..array.len())
        .map(|i| {
            if !s.is_valid(i) || !models.is_valid(i) {
                return None;
            }
            let (a, b) = (
                offsets.get(i).copied().unwrap_or(0),
                offsets.get(i + 1).copied().unwrap_or(0),
            );
            let parents: Vec<String> = (a..b).filter_map(|k| ids.get(k).map(str::to_string)).collect();
            if parents.is_empty() {
                return None;
            }
            let rel = relation
                .as_ref()
                .and_then(|r| r.get(i))
                .unwrap_or("other")
                .to_string();
            Some((parents, rel))
        })
        .collect())
}

/// `safetensors`: per row, `total`, or else the sum of `parameters` (a struct or map of dtype →
/// count); `None` when absent.
fn read_safetensors(array: &dyn Array, file: &str) -> Result<Vec<Option<f64>>> {
    if matches!(array.data_type(), arrow_schema::DataType::Null) {
        return Ok(vec![None; array.len()]);
    }
    let s = array.as_struct_opt().ok_or_else(|| {
        Error::input(
            file,
            format!(
                "column 'safetensors' has type {}, expected struct<parameters, total>",
                array.data_type()
            ),
        )
    })?;
    let total = field(s, "total")
        .map(|a| numbers(a.as_ref(), file, "safetensors.total"))
        .transpose()?;
    // Sums of the dtype counts, for rows without a total.
    let mut sums: Vec<Option<f64>> = vec![None; array.len()];
    if let Some(p) = field(s, "parameters") {
        if let Some(ps) = p.as_struct_opt() {
            for c in ps.columns() {
                let v = numbers(c.as_ref(), file, "safetensors.parameters")?;
                for (sum, x) in sums.iter_mut().zip(v) {
                    if !x.is_nan() {
                        *sum = Some(sum.unwrap_or(0.0) + x);
                    }
                }
            }
        } else if let Some(m) = p.as_map_opt() {
            let values = numbers(m.values().as_ref(), file, "safetensors.parameters")?;
            let offsets = m.value_offsets();
            for (i, sum) in sums.iter_mut().enumerate() {
                if !m.is_valid(i) {
                    continue;
                }
                let (a, b) = (
                    offsets.get(i).copied().unwrap_or(0),
                    offsets.get(i + 1).copied().unwrap_or(0),
                );
                let total: f64 = (a.max(0) as usize..b.max(0) as usize)
                    .filter_map(|k| values.get(k).copied())
                    .filter(|x| !x.is_nan())
                    .sum();
                if b > a {
                    *sum = Some(total);
                }
            }
        }
    }
    Ok((0..array.len())
        .map(|i| {
            if !s.is_valid(i) {
                return None;
            }
            let t = total
                .as_ref()
                .and_then(|t| t.get(i).copied())
                .filter(|t| !t.is_nan() && *t > 0.0);
            t.or(sums.get(i).copied().flatten().filter(|x| *x > 0.0))
        })
        .collect())
}

/// `gated`: a boolean, or a string (`auto`/`manual` mean gated, `false` not).
fn read_gated(array: &dyn Array, file: &str) -> Result<Vec<Option<String>>> {
    if let Some(b) = array.as_boolean_opt() {
        return Ok((0..b.len())
            .map(|i| b.is_valid(i).then(|| b.value(i).to_string()))
            .collect());
    }
    let s = Strs::new(array, file, "gated")?;
    Ok((0..array.len())
        .map(|i| {
            s.get(i).map(|v| match v.to_ascii_lowercase().as_str() {
                "false" | "0" | "no" => "false".to_string(),
                _ => "true".to_string(),
            })
        })
        .collect())
}
