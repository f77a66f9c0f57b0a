//! The snapshot: one row per model, held column by column.
//!
//! On disk a snapshot is a standard Arrow IPC file (see `docs/snapshot-format.md`); in memory it is
//! this struct of plain vectors, which every kernel reads as slices. Row `i` of every per-model
//! column is model `i`. One-to-many parts (base models, weekly downloads) are CSR: an `offsets`
//! vector of length `models + 1` and flat value vectors, so model `i` owns `offsets[i]..offsets[i+1]`.
//!
//! Missing values: dates use [`crate::time::NO_DATE`]; counts and sizes are `f64` with `NaN` for
//! unknown; categorical codes use [`NULL_CODE`].

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The snapshot format this hubecon writes; it reads this and every older version.
pub const FORMAT_VERSION: u32 = 1;

/// Code of a missing value in a [`Categorical`].
pub const NULL_CODE: u32 = u32::MAX;

/// How a derivative relates to one of its base models (the Hub's `base_model:<relation>:<id>` tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Relation {
    Finetune = 0,
    Adapter = 1,
    Quantized = 2,
    Merge = 3,
    Other = 4,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Finetune,
        Relation::Adapter,
        Relation::Quantized,
        Relation::Merge,
        Relation::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Finetune => "finetune",
            Relation::Adapter => "adapter",
            Relation::Quantized => "quantized",
            Relation::Merge => "merge",
            Relation::Other => "other",
        }
    }

    /// Reads the spellings found in the sources (`finetune`, `finetuned`, `fine-tune`, `merged`, ...).
    pub fn parse(text: &str) -> Option<Relation> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "finetune" | "finetuned" | "finetuning" => Some(Relation::Finetune),
            "adapter" | "adapters" | "lora" => Some(Relation::Adapter),
            "quantized" | "quantization" | "quantised" => Some(Relation::Quantized),
            "merge" | "merged" | "merges" => Some(Relation::Merge),
            "other" | "unknown" | "" => Some(Relation::Other),
            _ => None,
        }
    }

    pub fn from_code(code: u8) -> Option<Relation> {
        Relation::ALL.get(code as usize).copied()
    }

    /// This relation's bit in a [`RelationSet`].
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of relations as a bit mask (bit `r as u8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RelationSet(pub u8);

impl RelationSet {
    pub const ALL: RelationSet = RelationSet(0b1_1111);

    pub fn contains(self, r: Relation) -> bool {
        self.0 & r.bit() != 0
    }

    pub fn of(relations: &[Relation]) -> RelationSet {
        RelationSet(relations.iter().fold(0, |m, r| m | r.bit()))
    }

    /// `finetune,adapter` (comma-separated relation names); `all` for every relation.
    pub fn parse(text: &str) -> Result<RelationSet> {
        if text.trim() == "all" {
            return Ok(RelationSet::ALL);
        }
        let mut set = 0u8;
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let r = Relation::parse(part).ok_or_else(|| {
                Error::option(
                    "relations",
                    format!(
                        "unknown relation '{}'; use finetune, adapter, quantized, merge, other",
                        part.trim()
                    ),
                )
            })?;
            set |= r.bit();
        }
        if set == 0 {
            return Err(Error::option("relations", "name at least one relation"));
        }
        Ok(RelationSet(set))
    }

    pub fn names(self) -> Vec<&'static str> {
        Relation::ALL
            .iter()
            .filter(|r| self.contains(**r))
            .map(|r| r.as_str())
            .collect()
    }
}

/// Where a parameter count comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum ParamSource {
    /// Counted from the safetensors metadata of the repository.
    Safetensors = 0,
    /// Estimated from the repository's file bytes (see [`crate::sizes`]) or given by a source
    /// without a count of its own.
    Estimated = 1,
    Unknown = 2,
}

impl ParamSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamSource::Safetensors => "safetensors",
            ParamSource::Estimated => "estimated",
            ParamSource::Unknown => "unknown",
        }
    }
    pub fn parse(text: &str) -> Option<ParamSource> {
        match text {
            "safetensors" => Some(ParamSource::Safetensors),
            "estimated" => Some(ParamSource::Estimated),
            "unknown" | "" => Some(ParamSource::Unknown),
            _ => None,
        }
    }
}

/// Many strings in two buffers (like Arrow's Utf8): string `i` is `data[offsets[i]..offsets[i+1]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Strings {
    pub offsets: Vec<u32>,
    pub data: String,
}

impl Default for Strings {
    /// No strings (offsets `[0]`), ready to push onto.
    fn default() -> Self {
        Strings::new()
    }
}

impl Strings {
    pub fn new() -> Self {
        Strings {
            offsets: vec![0],
            data: String::new(),
        }
    }
    pub fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.offsets.push(self.data.len() as u32);
    }
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`-th string; `""` when `i` is out of range.
    pub fn get(&self, i: usize) -> &str {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.data.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Strings {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut s = Strings::new();
        for x in iter {
            s.push(x.as_ref());
        }
        s
    }
}

/// A dictionary-encoded column: one code per model into `values`; [`NULL_CODE`] for missing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Categorical {
    pub codes: Vec<u32>,
    pub values: Vec<String>,
}

impl Categorical {
    /// The value of model `i`, `None` when missing.
    pub fn get(&self, i: usize) -> Option<&str> {
        let code = *self.codes.get(i)?;
        self.values.get(code as usize).map(|s| s.as_str())
    }
    /// A column of `n` missing values.
    pub fn nulls(n: usize) -> Self {
        Categorical {
            codes: vec![NULL_CODE; n],
            values: Vec::new(),
        }
    }
    /// Builds the dictionary in order of first appearance.
    pub fn from_options<S: AsRef<str>>(items: impl IntoIterator<Item = Option<S>>) -> Self {
        let mut index = std::collections::HashMap::<String, u32>::new();
        let mut c = Categorical::default();
        for item in items {
            let code = match item {
                None => NULL_CODE,
                Some(s) => {
                    let s = s.as_ref();
                    match index.get(s) {
                        Some(&k) => k,
                        None => {
                            let k = c.values.len() as u32;
                            c.values.push(s.to_string());
                            index.insert(s.to_string(), k);
                            k
                        }
                    }
                }
            };
            c.codes.push(code);
        }
        c
    }
}

/// A multi-label column (languages, modalities, training methods): model `i` has the labels
/// `codes[offsets[i]..offsets[i+1]]`, each an index into `values`. No labels = unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiLabel {
    pub offsets: Vec<u32>,
    pub codes: Vec<u32>,
    pub values: Vec<String>,
}

impl MultiLabel {
    pub fn empty(n: usize) -> Self {
        MultiLabel {
            offsets: vec![0; n + 1],
            codes: Vec::new(),
            values: Vec::new(),
        }
    }
    /// The label codes of model `i` (empty when out of range).
    pub fn labels(&self, i: usize) -> &[u32] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.codes.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
    /// Builds the dictionary in order of first appearance; repeated labels of one model kept once.
    pub fn from_lists<S: AsRef<str>>(lists: impl IntoIterator<Item = Vec<S>>) -> Self {
        let mut index = std::collections::HashMap::<String, u32>::new();
        let mut m = MultiLabel {
            offsets: vec![0],
            ..Default::default()
        };
        for list in lists {
            let start = m.codes.len();
            for s in list {
                let s = s.as_ref();
                let k = match index.get(s) {
                    Some(&k) => k,
                    None => {
                        let k = m.values.len() as u32;
                        m.values.push(s.to_string());
                        index.insert(s.to_string(), k);
                        k
                    }
                };
                if !m.codes[start..].contains(&k) {
                    m.codes.push(k);
                }
            }
            m.offsets.push(m.codes.len() as u32);
        }
        m
    }
}

/// What the schema metadata says about a snapshot (`hubecon info` prints it as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub format_version: u32,
    /// The day the source data was taken (`YYYY-MM-DD`), empty when unknown.
    pub snapshot_date: String,
    /// `synthetic`, `economies`, `hub-stats`, `csv`, or a free text naming the source.
    pub source: String,
    pub synthetic: bool,
    pub models: usize,
    pub download_rows: usize,
    /// First and last week with downloads (`YYYY-MM-DD` of the Monday), empty without a history.
    pub first_week: String,
    pub last_week: String,
    /// Hex digest of the column data (not of the file), the same however the file was compressed.
    pub content_hash: String,
    /// What the importer repaired or dropped, one line each (counts included).
    #[serde(default)]
    pub repairs: Vec<String>,
    /// Free-form provenance (seed, input files, ...).
    #[serde(default)]
    pub description: String,
}

/// One row per model, column by column. See the module documentation for the conventions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    /// `author/name` (legacy un-namespaced ids appear in real data).
    pub id: Strings,
    pub author: Categorical,
    /// Creation day (days since 1970-01-01), [`crate::time::NO_DATE`] when unknown.
    pub created: Vec<i32>,
    /// CSR of base models: model `i`'s bases are `base_model[base_offsets[i]..base_offsets[i+1]]`,
    /// each a row index of this snapshot, with `base_relation` alongside. Acyclic, no self-loops.
    pub base_offsets: Vec<u32>,
    pub base_model: Vec<u32>,
    pub base_relation: Vec<Relation>,
    pub likes: Vec<f64>,
    /// Downloads over the last 30 days before `snapshot_date`.
    pub downloads_30d: Vec<f64>,
    /// All-time downloads (cumulative) where the source knows them.
    pub downloads_all_time: Vec<f64>,
    /// CSR of weekly downloads: model `i`'s weeks are `weekly_week[weekly_offsets[i]..weekly_offsets[i+1]]`,
    /// strictly increasing week indexes ([`crate::time::week_of_day`]), with `weekly_downloads` alongside.
    pub weekly_offsets: Vec<u32>,
    pub weekly_week: Vec<u16>,
    pub weekly_downloads: Vec<u32>,
    /// Parameter count; `NaN` when unknown. `params_source` says where it came from.
    pub params: Vec<f64>,
    pub params_source: Vec<ParamSource>,
    /// Total bytes of the repository's files; `NaN` when unknown.
    pub file_bytes: Vec<f64>,
    pub pipeline_tag: Categorical,
    pub library: Categorical,
    pub license: Categorical,
    /// `true` / `false` as a categorical, so that it serves the incidence view like any attribute.
    pub gated: Categorical,
    pub languages: MultiLabel,
    pub input_modalities: MultiLabel,
    pub output_modalities: MultiLabel,
    pub architecture: Categorical,
    pub training_methods: MultiLabel,
    /// Training-data availability (`open`, `partial`, `closed`, ...).
    pub training_data: Categorical,
    /// Developer organisation type (`big tech`, `academic`, `startup`, `individual`, ...).
    pub org_type: Categorical,
    /// Developer country.
    pub country: Categorical,
}

/// A categorical attribute, single- or multi-valued, looked up by name.
#[derive(Clone, Copy, Debug)]
pub enum Attribute<'a> {
    Single(&'a Categorical),
    Multi(&'a MultiLabel),
}

impl<'a> Attribute<'a> {
    pub fn values(&self) -> &'a [String] {
        match self {
            Attribute::Single(c) => &c.values,
            Attribute::Multi(m) => &m.values,
        }
    }
}

/// The attributes a view may group or filter by (names as in the file and on the CLI).
pub const ATTRIBUTES: [&str; 14] = [
    "author",
    "pipeline_tag",
    "library",
    "license",
    "gated",
    "languages",
    "input_modalities",
    "output_modalities",
    "architecture",
    "training_methods",
    "training_data",
    "org_type",
    "country",
    "relation",
];

impl Snapshot {
    pub fn models(&self) -> usize {
        self.id.len()
    }

    /// Base models of model `i` with their relations.
    pub fn bases(&self, i: usize) -> (&[u32], &[Relation]) {
        let (a, b) = (self.base_offsets[i] as usize, self.base_offsets[i + 1] as usize);
        (&self.base_model[a..b], &self.base_relation[a..b])
    }

    /// Weekly downloads of model `i`: (weeks, downloads).
    pub fn weekly(&self, i: usize) -> (&[u16], &[u32]) {
        let (a, b) = (
            self.weekly_offsets[i] as usize,
            self.weekly_offsets[i + 1] as usize,
        );
        (&self.weekly_week[a..b], &self.weekly_downloads[a..b])
    }

    /// A categorical attribute by name (see [`ATTRIBUTES`]); `relation` is not a stored column and
    /// is answered by the views themselves.
    pub fn attribute(&self, name: &str) -> Result<Attribute<'_>> {
        Ok(match name {
            "author" | "developer" => Attribute::Single(&self.author),
            "pipeline_tag" => Attribute::Single(&self.pipeline_tag),
            "library" => Attribute::Single(&self.library),
            "license" => Attribute::Single(&self.license),
            "gated" => Attribute::Single(&self.gated),
            "architecture" => Attribute::Single(&self.architecture),
            "training_data" => Attribute::Single(&self.training_data),
            "org_type" => Attribute::Single(&self.org_type),
            "country" | "nation" => Attribute::Single(&self.country),
            "languages" => Attribute::Multi(&self.languages),
            "input_modalities" => Attribute::Multi(&self.input_modalities),
            "output_modalities" => Attribute::Multi(&self.output_modalities),
            "training_methods" => Attribute::Multi(&self.training_methods),
            other => {
                return Err(Error::option(
                    "attribute",
                    format!("unknown attribute '{other}'; known: {}", ATTRIBUTES.join(", ")),
                ))
            }
        })
    }

    /// Reads and validates a snapshot file's bytes. Never panics: any other bytes give an error
    /// naming what is wrong.
    pub fn from_ipc(bytes: &[u8]) -> Result<Snapshot> {
        crate::snapshot_io::read(bytes)
    }

    /// Writes the snapshot as an Arrow IPC file (compressed buffers), filling in the metadata
    /// counts and the content hash.
    pub fn to_ipc(&self) -> Result<Vec<u8>> {
        crate::snapshot_io::write(self)
    }

    /// Checks every invariant the kernels rely on (lengths, offsets, index bounds, acyclic lineage,
    /// sorted weeks). `from_ipc` calls it; importers call it before writing.
    pub fn validate(&self) -> Result<()> {
        crate::snapshot_io::validate(self)
    }
}

/// The layout `hubecon build` writes: each developer's models in consecutive rows.
///
/// Rows (models) may come in any order; the order changes no figure. Grouping a developer's models
/// lets the developer-level passes of the Economies engine read the weekly rows front to back
/// (one unit after the other) instead of scattering every row over all developers.
impl Snapshot {
    /// Whether every developer's models sit in consecutive rows (models without a developer too).
    /// An empty snapshot is grouped.
    pub fn is_grouped_by_author(&self) -> bool {
        let mut seen = vec![false; self.author.values.len() + 1];
        let mut previous = None;
        for &code in &self.author.codes {
            if previous == Some(code) {
                continue;
            }
            let slot = (code as usize).min(self.author.values.len());
            if seen.get(slot).copied().unwrap_or(true) {
                return false;
            }
            seen[slot] = true;
            previous = Some(code);
        }
        true
    }

    /// The same snapshot with its models reordered so that each developer's models are
    /// consecutive: developers in the order of their first model, each one's models in their
    /// previous order, models without a developer last. Base-model links follow their models.
    ///
    /// Developer codes are renumbered in the order of their first model (developers without a
    /// model after those), so that a pass over the developers in code order also goes front to
    /// back.
    pub fn grouped_by_author(self) -> Snapshot {
        let mut s = if self.is_grouped_by_author() {
            self
        } else {
            self.group_rows_by_author()
        };
        s.author = codes_in_row_order(s.author);
        s
    }

    fn group_rows_by_author(self) -> Snapshot {
        let n = self.models();
        let mut first_row = vec![u32::MAX; self.author.values.len()];
        for (m, &code) in self.author.codes.iter().enumerate() {
            if let Some(f) = first_row.get_mut(code as usize) {
                if *f == u32::MAX {
                    *f = m as u32;
                }
            }
        }
        let group = |m: usize| {
            let code = self.author.codes.get(m).copied().unwrap_or(NULL_CODE);
            first_row.get(code as usize).copied().unwrap_or(u32::MAX)
        };
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&m| (group(m as usize), m)); // stable within a developer
        self.permuted(&order)
    }

    /// The models in the order `order` (new row `i` is old row `order[i]`); `order` must be a
    /// permutation of `0..models()`, else the snapshot comes back unchanged.
    pub fn permuted(self, order: &[u32]) -> Snapshot {
        let n = self.models();
        let mut new_row = vec![u32::MAX; n];
        for (i, &old) in order.iter().enumerate() {
            match new_row.get_mut(old as usize) {
                Some(slot) if *slot == u32::MAX => *slot = i as u32,
                _ => return self,
            }
        }
        if order.len() != n {
            return self;
        }
        fn take<T: Copy>(v: &[T], order: &[u32]) -> Vec<T> {
            if v.len() != order.len() {
                return v.to_vec(); // an absent (empty) column stays absent
            }
            order.iter().map(|&m| v[m as usize]).collect()
        }
        fn take_csr<T: Copy>(offsets: &[u32], values: &[T], order: &[u32]) -> (Vec<u32>, Vec<T>) {
            if offsets.len() != order.len() + 1 {
                return (offsets.to_vec(), values.to_vec());
            }
            let mut out_offsets = Vec::with_capacity(offsets.len());
            let mut out_values = Vec::with_capacity(values.len());
            out_offsets.push(0);
            for &m in order {
                let (a, b) = (offsets[m as usize] as usize, offsets[m as usize + 1] as usize);
                out_values.extend_from_slice(values.get(a..b).unwrap_or(&[]));
                out_offsets.push(out_values.len() as u32);
            }
            (out_offsets, out_values)
        }
        let categorical = |c: Categorical| Categorical {
            codes: take(&c.codes, order),
            values: c.values,
        };
        let multi = |c: MultiLabel| {
            let (offsets, codes) = take_csr(&c.offsets, &c.codes, order);
            MultiLabel {
                offsets,
                codes,
                values: c.values,
            }
        };
        let (base_offsets, base_model) = take_csr(&self.base_offsets, &self.base_model, order);
        let base_model = base_model
            .into_iter()
            .map(|b| new_row.get(b as usize).copied().unwrap_or(b))
            .collect();
        let (_, base_relation) = take_csr(&self.base_offsets, &self.base_relation, order);
        let (weekly_offsets, weekly_week) = take_csr(&self.weekly_offsets, &self.weekly_week, order);
        let (_, weekly_downloads) = take_csr(&self.weekly_offsets, &self.weekly_downloads, order);
        Snapshot {
            meta: self.meta,
            id: order.iter().map(|&m| self.id.get(m as usize)).collect(),
            author: categorical(self.author),
            created: take(&self.created, order),
            base_offsets,
            base_model,
            base_relation,
            likes: take(&self.likes, order),
            downloads_30d: take(&self.downloads_30d, order),
            downloads_all_time: take(&self.downloads_all_time, order),
            weekly_offsets,
            weekly_week,
            weekly_downloads,
            params: take(&self.params, order),
            params_source: take(&self.params_source, order),
            file_bytes: take(&self.file_bytes, order),
            pipeline_tag: categorical(self.pipeline_tag),
            library: categorical(self.library),
            license: categorical(self.license),
            gated: categorical(self.gated),
            languages: multi(self.languages),
            input_modalities: multi(self.input_modalities),
            output_modalities: multi(self.output_modalities),
            architecture: categorical(self.architecture),
            training_methods: multi(self.training_methods),
            training_data: categorical(self.training_data),
            org_type: categorical(self.org_type),
            country: categorical(self.country),
        }
    }
}

/// The same column with codes renumbered in the order of their first row; values without a row
/// keep their relative order after those. Unchanged when already in that order.
fn codes_in_row_order(c: Categorical) -> Categorical {
    let k = c.values.len();
    let mut new_code = vec![NULL_CODE; k];
    let mut next = 0u32;
    for &code in &c.codes {
        if let Some(slot) = new_code.get_mut(code as usize) {
            if *slot == NULL_CODE {
                *slot = next;
                next += 1;
            }
        }
    }
    for slot in new_code.iter_mut().filter(|x| **x == NULL_CODE) {
        *slot = next;
        next += 1;
    }
    if new_code.iter().enumerate().all(|(i, &x)| x as usize == i) {
        return c;
    }
    let mut values = vec![String::new(); k];
    for (old, value) in c.values.into_iter().enumerate() {
        if let Some(v) = new_code.get(old).and_then(|&x| values.get_mut(x as usize)) {
            *v = value;
        }
    }
    let codes = c
        .codes
        .iter()
        .map(|&code| new_code.get(code as usize).copied().unwrap_or(NULL_CODE))
        .collect();
    Categorical { codes, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four models: a (dev x), b (dev y) derived from a, c (dev x) derived from b, d (no dev).
    fn tiny() -> Snapshot {
        let mut s = Snapshot {
            id: ["x/a", "y/b", "x/c", "d"].into_iter().collect(),
            author: Categorical {
                codes: vec![0, 1, 0, NULL_CODE],
                values: vec!["x".into(), "y".into()],
            },
            created: vec![10, 20, 30, 40],
            base_offsets: vec![0, 0, 1, 2, 2],
            base_model: vec![0, 1],
            base_relation: vec![Relation::Finetune, Relation::Quantized],
            weekly_offsets: vec![0, 2, 2, 3, 4],
            weekly_week: vec![1, 2, 5, 7],
            weekly_downloads: vec![100, 200, 50, 9],
            likes: vec![1.0, 2.0, 3.0, 4.0],
            ..Default::default()
        };
        s.languages = MultiLabel {
            offsets: vec![0, 1, 1, 3, 3],
            codes: vec![0, 0, 1],
            values: vec!["en".into(), "fr".into()],
        };
        s
    }

    #[test]
    fn grouping_by_author_moves_every_column_and_remaps_links() {
        let s = tiny();
        assert!(!s.is_grouped_by_author()); // x, y, x
        let g = s.grouped_by_author();
        assert!(g.is_grouped_by_author());
        // x's models first (a, c), then y's (b), then the model without a developer (d).
        assert_eq!(g.id.iter().collect::<Vec<_>>(), ["x/a", "x/c", "y/b", "d"]);
        assert_eq!(g.author.codes, [0, 0, 1, NULL_CODE]);
        assert_eq!(g.created, [10, 30, 20, 40]);
        assert_eq!(g.likes, [1.0, 3.0, 2.0, 4.0]);
        // c (now row 1) derives from b (now row 2) by quantization; b (row 2) from a (row 0).
        assert_eq!(g.bases(1), (&[2u32][..], &[Relation::Quantized][..]));
        assert_eq!(g.bases(2), (&[0u32][..], &[Relation::Finetune][..]));
        assert_eq!(g.bases(0).0.len(), 0);
        assert_eq!(g.weekly(0), (&[1u16, 2][..], &[100u32, 200][..]));
        assert_eq!(g.weekly(1), (&[5u16][..], &[50u32][..]));
        assert_eq!(g.weekly(2).0.len(), 0);
        assert_eq!(g.weekly(3), (&[7u16][..], &[9u32][..]));
        assert_eq!(g.languages.offsets, [0, 1, 3, 3, 3]);
        assert_eq!(g.languages.codes, [0, 0, 1]);
        // Absent columns stay absent.
        assert!(g.params.is_empty());
    }

    #[test]
    fn developer_codes_follow_the_rows() {
        let mut s = tiny();
        // y's code first in the dictionary, an unused developer z in the middle.
        s.author = Categorical {
            codes: vec![2, 0, 2, NULL_CODE],
            values: vec!["y".into(), "z".into(), "x".into()],
        };
        let g = s.grouped_by_author();
        assert_eq!(g.id.iter().collect::<Vec<_>>(), ["x/a", "x/c", "y/b", "d"]);
        assert_eq!(g.author.values, ["x", "y", "z"]);
        assert_eq!(g.author.codes, [0, 0, 1, NULL_CODE]);
    }

    #[test]
    fn a_grouped_snapshot_and_a_bad_order_are_left_alone() {
        let g = tiny().grouped_by_author();
        let again = g.clone().grouped_by_author();
        assert_eq!(again, g);
        assert_eq!(g.clone().permuted(&[0, 0, 1, 2]), g); // not a permutation
        assert_eq!(g.clone().permuted(&[0, 1]), g); // too short
        assert!(Snapshot::default().is_grouped_by_author());
    }
}
