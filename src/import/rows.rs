//! Row-wise collection of imported models, turned into a column-wise [`Snapshot`] at the end.
//! Every importer fills a [`Rows`]: it interns ids (duplicates: the first row wins, the rest are
//! counted), keeps lineage links by id until all rows are known (links to unknown ids are counted
//! as dangling), and [`Rows::finish`] runs the shared lineage repair and writes `meta.repairs`.

use std::collections::HashMap;

use crate::import::repair::{repair_lineage, Link};
use crate::snapshot::{
    Categorical, MultiLabel, ParamSource, Relation, Snapshot, SnapshotMeta, Strings, FORMAT_VERSION,
};
use crate::time::{day_of_week_index, format_date, NO_DATE};
use crate::Result;

/// Single-valued categorical columns an importer may fill, by their snapshot name.
pub const SINGLE: [&str; 8] = [
    "pipeline_tag",
    "library",
    "license",
    "gated",
    "architecture",
    "training_data",
    "org_type",
    "country",
];

/// Multi-label columns, by their snapshot name.
pub const MULTI: [&str; 4] = [
    "languages",
    "input_modalities",
    "output_modalities",
    "training_methods",
];

/// Models gathered row by row. Row `i` of every vector is model `i`.
#[derive(Debug, Default)]
pub struct Rows {
    index: HashMap<String, u32>,
    pub id: Vec<String>,
    pub author: Vec<Option<String>>,
    pub created: Vec<i32>,
    pub likes: Vec<f64>,
    pub downloads_30d: Vec<f64>,
    pub downloads_all_time: Vec<f64>,
    pub params: Vec<f64>,
    pub params_source: Vec<ParamSource>,
    pub file_bytes: Vec<f64>,
    /// Weekly downloads per model: (week index, downloads), any order; sorted and summed at the end.
    pub weekly: Vec<Vec<(u16, u32)>>,
    /// One column per name in [`SINGLE`].
    pub single: [Vec<Option<String>>; 8],
    /// One column per name in [`MULTI`].
    pub multi: [Vec<Vec<String>>; 4],
    /// Lineage links: (child row, parent id, relation).
    links: Vec<(u32, String, Relation)>,
    /// Rows whose id was already present (dropped), to report.
    pub duplicate_ids: usize,
    /// Importer-specific repair lines, reported before the lineage ones.
    pub repairs: Vec<String>,
}

impl Rows {
    pub fn new() -> Self {
        Rows::default()
    }

    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The row of `id`, if present.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Adds a model with unknown values everywhere; the author defaults to the part of the id
    /// before `/`. A repeated id returns `None` and is counted in `duplicate_ids`.
    pub fn add(&mut self, id: &str) -> Option<u32> {
        if self.index.contains_key(id) {
            self.duplicate_ids += 1;
            return None;
        }
        Some(self.push(id))
    }

    /// The row of `id`, adding a model with unknowns when it is new (no duplicate counting).
    pub fn get_or_add(&mut self, id: &str) -> u32 {
        match self.index.get(id) {
            Some(&r) => r,
            None => self.push(id),
        }
    }

    fn push(&mut self, id: &str) -> u32 {
        let row = self.id.len() as u32;
        self.index.insert(id.to_string(), row);
        self.id.push(id.to_string());
        self.author.push(id.split_once('/').map(|(a, _)| a.to_string()));
        self.created.push(NO_DATE);
        self.likes.push(f64::NAN);
        self.downloads_30d.push(f64::NAN);
        self.downloads_all_time.push(f64::NAN);
        self.params.push(f64::NAN);
        self.params_source.push(ParamSource::Unknown);
        self.file_bytes.push(f64::NAN);
        self.weekly.push(Vec::new());
        for c in self.single.iter_mut() {
            c.push(None);
        }
        for c in self.multi.iter_mut() {
            c.push(Vec::new());
        }
        row
    }

    /// Sets a single-valued column by snapshot name; `false` when the name is not one of [`SINGLE`].
    pub fn set_single(&mut self, name: &str, row: u32, value: Option<String>) -> bool {
        let Some(k) = SINGLE.iter().position(|n| *n == name) else {
            return false;
        };
        if let Some(slot) = self.single.get_mut(k).and_then(|c| c.get_mut(row as usize)) {
            *slot = value;
        }
        true
    }

    /// Sets a multi-label column by snapshot name; `false` when the name is not one of [`MULTI`].
    pub fn set_multi(&mut self, name: &str, row: u32, values: Vec<String>) -> bool {
        let Some(k) = MULTI.iter().position(|n| *n == name) else {
            return false;
        };
        if let Some(slot) = self.multi.get_mut(k).and_then(|c| c.get_mut(row as usize)) {
            *slot = values;
        }
        true
    }

    /// Records that model `child` derives from the model with id `parent` (resolved at the end).
    pub fn link(&mut self, child: u32, parent: &str, relation: Relation) {
        self.links.push((child, parent.to_string(), relation));
    }

    /// Builds the snapshot: resolves and repairs lineage, sorts weekly rows (repeated weeks of one
    /// model are summed), and fills the metadata. `meta` supplies source, synthetic, snapshot date
    /// and description; counts, weeks and repairs are filled here. Empty rows give an empty snapshot.
    pub fn finish(mut self, meta: SnapshotMeta) -> Result<Snapshot> {
        let n = self.id.len();
        let mut repairs = std::mem::take(&mut self.repairs);
        if self.duplicate_ids > 0 {
            repairs.push(format!(
                "{} rows with a repeated model id dropped (the first kept)",
                self.duplicate_ids
            ));
        }
        let mut links = Vec::with_capacity(self.links.len());
        let mut dangling = 0usize;
        let mut dangling_example = None;
        for (child, parent, relation) in std::mem::take(&mut self.links) {
            match self.index.get(&parent) {
                Some(&p) => links.push(Link {
                    child,
                    parent: p,
                    relation,
                }),
                None => {
                    dangling += 1;
                    if dangling_example.is_none() {
                        dangling_example = Some(parent);
                    }
                }
            }
        }
        if dangling > 0 {
            repairs.push(format!(
                "{dangling} lineage links to base models not in the data dropped (e.g. '{}')",
                dangling_example.unwrap_or_default()
            ));
        }
        let (lineage, lineage_repairs) = repair_lineage(n, links);
        repairs.extend(lineage_repairs.lines());

        let mut weekly_offsets = Vec::with_capacity(n + 1);
        weekly_offsets.push(0u32);
        let mut weekly_week = Vec::new();
        let mut weekly_downloads = Vec::new();
        let mut repeated_weeks = 0usize;
        for mut weeks in std::mem::take(&mut self.weekly) {
            weeks.sort_unstable_by_key(|w| w.0);
            let mut last: Option<u16> = None;
            for (w, d) in weeks {
                if d == 0 {
                    continue;
                }
                if last == Some(w) {
                    repeated_weeks += 1;
                    if let Some(x) = weekly_downloads.last_mut() {
                        *x = u32::saturating_add(*x, d);
                    }
                    continue;
                }
                weekly_week.push(w);
                weekly_downloads.push(d);
                last = Some(w);
            }
            weekly_offsets.push(weekly_week.len() as u32);
        }
        if repeated_weeks > 0 {
            repairs.push(format!("{repeated_weeks} repeated (model, week) rows summed"));
        }
        let first_week = weekly_week
            .iter()
            .min()
            .map(|&w| format_date(day_of_week_index(w as i32)));
        let last_week = weekly_week
            .iter()
            .max()
            .map(|&w| format_date(day_of_week_index(w as i32)));

        let mut ids = Strings::new();
        for id in &self.id {
            ids.push(id);
        }
        let [pipeline_tag, library, license, gated, architecture, training_data, org_type, country] =
            self.single.map(Categorical::from_options);
        let [languages, input_modalities, output_modalities, training_methods] =
            self.multi.map(MultiLabel::from_lists);
        let snapshot = Snapshot {
            meta: SnapshotMeta {
                format_version: FORMAT_VERSION,
                models: n,
                download_rows: weekly_week.len(),
                first_week: first_week.unwrap_or_default(),
                last_week: last_week.unwrap_or_default(),
                content_hash: String::new(),
                repairs,
                ..meta
            },
            id: ids,
            author: Categorical::from_options(self.author),
            created: self.created,
            base_offsets: lineage.offsets,
            base_model: lineage.parents,
            base_relation: lineage.relations,
            likes: self.likes,
            downloads_30d: self.downloads_30d,
            downloads_all_time: self.downloads_all_time,
            weekly_offsets,
            weekly_week,
            weekly_downloads,
            params: self.params,
            params_source: self.params_source,
            file_bytes: self.file_bytes,
            pipeline_tag,
            library,
            license,
            gated,
            languages,
            input_modalities,
            output_modalities,
            architecture,
            training_methods,
            training_data,
            org_type,
            country,
        };
        snapshot.validate()?;
        Ok(snapshot)
    }
}

/// Input and output modalities of a Hub pipeline tag (empty for tags without a clear reading,
/// such as reinforcement learning or tabular tasks).
pub fn modalities_of_task(task: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const T: &[&str] = &["text"];
    const I: &[&str] = &["image"];
    const A: &[&str] = &["audio"];
    const V: &[&str] = &["video"];
    const TI: &[&str] = &["text", "image"];
    const NONE: &[&str] = &[];
    match task {
        "text-generation"
        | "text2text-generation"
        | "fill-mask"
        | "text-classification"
        | "token-classification"
        | "question-answering"
        | "translation"
        | "summarization"
        | "feature-extraction"
        | "sentence-similarity"
        | "zero-shot-classification"
        | "table-question-answering"
        | "conversational"
        | "text-ranking" => (T, T),
        "text-to-image" => (T, I),
        "image-to-image" | "depth-estimation" | "image-segmentation" | "mask-generation" => (I, I),
        "image-classification"
        | "object-detection"
        | "image-to-text"
        | "zero-shot-image-classification"
        | "zero-shot-object-detection"
        | "image-feature-extraction" => (I, T),
        "image-text-to-text" | "visual-question-answering" | "document-question-answering" => (TI, T),
        "automatic-speech-recognition" | "audio-classification" => (A, T),
        "text-to-speech" | "text-to-audio" => (T, A),
        "audio-to-audio" => (A, A),
        "text-to-video" => (T, V),
        "image-to-video" => (I, V),
        "video-classification" | "video-text-to-text" => (V, T),
        _ => (NONE, NONE),
    }
}

/// Splits a list written as text: `a, b`, `a;b`, `a|b` or a Python-like `['a', 'b']`. Items are
/// trimmed of spaces, quotes and a trailing `/`; empty items dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', ';', '|'])
        .map(|s| {
            s.trim()
                .trim_matches(['\'', '"', ' '])
                .trim_end_matches('/')
                .trim()
        })
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect()
}

/// Downloads in the 30 days ending on `snapshot_day`, read off weekly rows: each week counts with
/// the share of its 7 days that fall in the window (so a week half inside counts half). Rounded.
pub fn downloads_in_30_days(weeks: &[u16], downloads: &[u32], snapshot_day: i32) -> f64 {
    let window_start = snapshot_day - 29;
    let mut total = 0.0;
    for (&w, &d) in weeks.iter().zip(downloads) {
        let monday = day_of_week_index(w as i32);
        let inside = ((monday + 7).min(snapshot_day + 1) - monday.max(window_start)).clamp(0, 7);
        total += d as f64 * inside as f64 / 7.0;
    }
    total.round()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_dangling_are_counted() {
        let mut rows = Rows::new();
        let a = rows.add("org/a").unwrap();
        let b = rows.add("org/b").unwrap();
        assert!(rows.add("org/a").is_none());
        rows.link(b, "org/a", Relation::Finetune);
        rows.link(b, "elsewhere/x", Relation::Adapter);
        rows.link(a, "org/a", Relation::Other);
        let s = rows.finish(SnapshotMeta::default()).unwrap();
        assert_eq!(s.models(), 2);
        assert_eq!(s.author.get(0), Some("org"));
        assert_eq!(s.bases(1), (&[0u32][..], &[Relation::Finetune][..]));
        assert_eq!(
            s.meta.repairs,
            vec![
                "1 rows with a repeated model id dropped (the first kept)".to_string(),
                "1 lineage links to base models not in the data dropped (e.g. 'elsewhere/x')".to_string(),
                "1 self-loops dropped".to_string(),
            ]
        );
    }
}
