//! Snapshot <-> Arrow IPC file (format spec: `docs/snapshot-format.md`).
//!
//! [`write`] turns a [`Snapshot`] into one Arrow table (one row per model) in an IPC *file* with
//! compressed buffers, written in record batches of at most [`DEFAULT_BATCH_MODELS`] models so that
//! the writer never holds more than one batch of Arrow arrays. [`read`] checks the file structure
//! itself before handing any part of it to arrow (arrow's IPC reader can panic or try huge
//! allocations on hostile bytes), checks the schema, decodes batch by batch with arrow's validation
//! on, and ends with [`validate`] and the content hash. Nothing here panics on any input.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type,
    UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, ListArray, PrimitiveArray,
    RecordBatch, StringArray, StructArray, UInt16Array, UInt32Array,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
use arrow_ipc::CompressionType;
use arrow_schema::{ArrowError, DataType, Field, Fields, Metadata, Schema, SchemaRef};

use crate::snapshot::{
    Categorical, MultiLabel, ParamSource, Relation, Snapshot, SnapshotMeta, Strings, FORMAT_VERSION,
    NULL_CODE,
};
use crate::time::{day_of_week_index, format_date, NO_DATE, WEEK_ORIGIN};
use crate::{Error, Result};

/// Models per record batch: bounds the writer's memory (one batch of arrays at a time) while
/// keeping each compressed buffer large enough to compress well (measured in the format doc).
pub const DEFAULT_BATCH_MODELS: usize = 262_144;

/// Buffer compression of the IPC file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// zstd at the given level (1..=22).
    Zstd(i32),
    /// LZ4 frame.
    Lz4,
    /// Uncompressed buffers.
    Uncompressed,
}

/// The codec [`write`] uses: zstd level 3 (the figures behind the choice are in the format doc).
pub const DEFAULT_CODEC: Codec = Codec::Zstd(3);

/// How to write a snapshot file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    pub codec: Codec,
    /// Models per record batch (at least 1).
    pub batch_models: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            codec: DEFAULT_CODEC,
            batch_models: DEFAULT_BATCH_MODELS,
        }
    }
}

// Column names, in file order.
const COL_ID: &str = "id";
const COL_AUTHOR: &str = "author";
const COL_CREATED: &str = "created";
const COL_BASES: &str = "bases";
const COL_LIKES: &str = "likes";
const COL_DOWNLOADS_30D: &str = "downloads_30d";
const COL_DOWNLOADS_ALL_TIME: &str = "downloads_all_time";
const COL_WEEKLY: &str = "weekly_downloads";
const COL_PARAMS: &str = "params";
const COL_PARAMS_SOURCE: &str = "params_source";
const COL_FILE_BYTES: &str = "file_bytes";
const COL_PIPELINE_TAG: &str = "pipeline_tag";
const COL_LIBRARY: &str = "library";
const COL_LICENSE: &str = "license";
const COL_GATED: &str = "gated";
const COL_LANGUAGES: &str = "languages";
const COL_INPUT_MODALITIES: &str = "input_modalities";
const COL_OUTPUT_MODALITIES: &str = "output_modalities";
const COL_ARCHITECTURE: &str = "architecture";
const COL_TRAINING_METHODS: &str = "training_methods";
const COL_TRAINING_DATA: &str = "training_data";
const COL_ORG_TYPE: &str = "org_type";
const COL_COUNTRY: &str = "country";

/// The single-valued categorical columns (dictionary<int, utf8>), in file order.
const CATEGORICAL_COLUMNS: [&str; 9] = [
    COL_AUTHOR,
    COL_PIPELINE_TAG,
    COL_LIBRARY,
    COL_LICENSE,
    COL_ARCHITECTURE,
    COL_TRAINING_DATA,
    COL_ORG_TYPE,
    COL_COUNTRY,
    // params_source is a categorical on disk too, but an enum in memory.
    COL_PARAMS_SOURCE,
];

const MULTI_LABEL_COLUMNS: [&str; 4] = [
    COL_LANGUAGES,
    COL_INPUT_MODALITIES,
    COL_OUTPUT_MODALITIES,
    COL_TRAINING_METHODS,
];

const COUNT_COLUMNS: [&str; 4] = [
    COL_LIKES,
    COL_DOWNLOADS_30D,
    COL_DOWNLOADS_ALL_TIME,
    COL_FILE_BYTES,
];

// Names inside the nested columns.
const ITEM: &str = "item";
const BASE_MODEL: &str = "model";
const BASE_RELATION: &str = "relation";
const WEEK: &str = "week";
const WEEK_DOWNLOADS: &str = "downloads";

// Schema metadata keys.
const META_FORMAT_VERSION: &str = "format_version";
const META_SNAPSHOT_DATE: &str = "snapshot_date";
const META_SOURCE: &str = "source";
const META_SYNTHETIC: &str = "synthetic";
const META_MODELS: &str = "models";
const META_DOWNLOAD_ROWS: &str = "download_rows";
const META_FIRST_WEEK: &str = "first_week";
const META_LAST_WEEK: &str = "last_week";
const META_CONTENT_HASH: &str = "content_hash";
const META_REPAIRS: &str = "repairs";
const META_DESCRIPTION: &str = "description";
const META_WEEK_ORIGIN: &str = "week_origin";

/// Counts and sizes are whole numbers up to 2^53 (exact in the in-memory `f64`).
const MAX_EXACT_COUNT: f64 = 9_007_199_254_740_992.0;

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Writes `snapshot` with the default codec and batch size. See [`write_with_options`].
pub fn write(snapshot: &Snapshot) -> Result<Vec<u8>> {
    write_with_options(snapshot, WriteOptions::default())
}

/// Writes `snapshot` with the given codec and the default batch size.
pub fn write_with(snapshot: &Snapshot, codec: Codec) -> Result<Vec<u8>> {
    write_with_options(
        snapshot,
        WriteOptions {
            codec,
            ..WriteOptions::default()
        },
    )
}

/// Validates `snapshot`, then writes it as an Arrow IPC file. The metadata written is
/// [`completed_meta`]: the counts, week range, format version and content hash come from the data,
/// whatever `snapshot.meta` says about them. An empty snapshot gives a valid file with no models.
pub fn write_with_options(snapshot: &Snapshot, options: WriteOptions) -> Result<Vec<u8>> {
    validate(snapshot)?;
    let meta = completed_meta(snapshot);
    let layout = Layout::of(snapshot);
    let schema = Arc::new(layout.schema(&meta)?);
    let dictionaries = Dictionaries::of(snapshot);

    // 8-byte buffer alignment (the format's minimum) instead of 64: less padding between the many
    // small buffers, and decompressed buffers are fresh allocations anyway.
    let base = IpcWriteOptions::try_new(8, false, arrow_ipc::MetadataVersion::V5)?;
    let ipc_options = match options.codec {
        Codec::Zstd(level) => base
            .try_with_compression(Some(CompressionType::ZSTD))?
            .try_with_compression_level(Some(level))?,
        Codec::Lz4 => base.try_with_compression(Some(CompressionType::LZ4_FRAME))?,
        Codec::Uncompressed => base,
    };
    let mut out = Vec::new();
    let mut writer = FileWriter::try_new_with_options(&mut out, &schema, ipc_options)?;
    let models = snapshot.models();
    let step = options.batch_models.max(1);
    let mut start = 0usize;
    // An empty snapshot still gets one (empty) batch, so that readers see the dictionaries.
    loop {
        let end = models.min(start.saturating_add(step));
        let batch = build_batch(snapshot, &layout, &dictionaries, &schema, start, end)?;
        writer.write(&batch)?;
        start = end;
        if start >= models {
            break;
        }
    }
    writer.finish()?;
    drop(writer);
    Ok(out)
}

/// `snapshot.meta` with everything that follows from the data filled in: format version, model and
/// download-row counts, first and last week, content hash. This is the metadata [`write`] stores,
/// and what [`read`] gives back.
pub fn completed_meta(snapshot: &Snapshot) -> SnapshotMeta {
    let mut meta = snapshot.meta.clone();
    meta.format_version = FORMAT_VERSION;
    meta.models = snapshot.models();
    meta.download_rows = snapshot.weekly_week.len();
    let (first, last) = week_range(&snapshot.weekly_week);
    meta.first_week = first;
    meta.last_week = last;
    meta.content_hash = content_hash(snapshot);
    meta
}

/// `YYYY-MM-DD` of the Mondays of the smallest and largest week index; empty without weeks.
fn week_range(weeks: &[u16]) -> (String, String) {
    match (weeks.iter().min(), weeks.iter().max()) {
        (Some(&a), Some(&b)) => (
            format_date(day_of_week_index(a as i32)),
            format_date(day_of_week_index(b as i32)),
        ),
        _ => (String::new(), String::new()),
    }
}

/// Integer type of a dictionary's keys: the narrowest signed type that indexes every value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyWidth {
    I8,
    I16,
    I32,
}

impl KeyWidth {
    fn for_values(count: usize) -> KeyWidth {
        if count <= 128 {
            KeyWidth::I8
        } else if count <= 32_768 {
            KeyWidth::I16
        } else {
            KeyWidth::I32
        }
    }
    fn data_type(self) -> DataType {
        match self {
            KeyWidth::I8 => DataType::Int8,
            KeyWidth::I16 => DataType::Int16,
            KeyWidth::I32 => DataType::Int32,
        }
    }
}

/// Unsigned integer width of a count column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UWidth {
    U8,
    U16,
    U32,
    U64,
}

impl UWidth {
    fn for_max(max: u64) -> UWidth {
        if max <= u8::MAX as u64 {
            UWidth::U8
        } else if max <= u16::MAX as u64 {
            UWidth::U16
        } else if max <= u32::MAX as u64 {
            UWidth::U32
        } else {
            UWidth::U64
        }
    }
    fn data_type(self) -> DataType {
        match self {
            UWidth::U8 => DataType::UInt8,
            UWidth::U16 => DataType::UInt16,
            UWidth::U32 => DataType::UInt32,
            UWidth::U64 => DataType::UInt64,
        }
    }
}

fn max_count(values: &[f64]) -> u64 {
    values
        .iter()
        .filter(|v| !v.is_nan())
        .fold(0u64, |m, &v| m.max(v as u64))
}

/// The column types chosen for one snapshot (the narrowest that fit its data).
struct Layout {
    author: KeyWidth,
    pipeline_tag: KeyWidth,
    library: KeyWidth,
    license: KeyWidth,
    architecture: KeyWidth,
    training_data: KeyWidth,
    org_type: KeyWidth,
    country: KeyWidth,
    languages: KeyWidth,
    input_modalities: KeyWidth,
    output_modalities: KeyWidth,
    training_methods: KeyWidth,
    likes: UWidth,
    downloads_30d: UWidth,
    downloads_all_time: UWidth,
    file_bytes: UWidth,
    weekly_downloads: UWidth,
}

impl Layout {
    fn of(s: &Snapshot) -> Layout {
        let k = |c: &Categorical| KeyWidth::for_values(c.values.len());
        let m = |c: &MultiLabel| KeyWidth::for_values(c.values.len());
        Layout {
            author: k(&s.author),
            pipeline_tag: k(&s.pipeline_tag),
            library: k(&s.library),
            license: k(&s.license),
            architecture: k(&s.architecture),
            training_data: k(&s.training_data),
            org_type: k(&s.org_type),
            country: k(&s.country),
            languages: m(&s.languages),
            input_modalities: m(&s.input_modalities),
            output_modalities: m(&s.output_modalities),
            training_methods: m(&s.training_methods),
            likes: UWidth::for_max(max_count(&s.likes)),
            downloads_30d: UWidth::for_max(max_count(&s.downloads_30d)),
            downloads_all_time: UWidth::for_max(max_count(&s.downloads_all_time)),
            file_bytes: UWidth::for_max(max_count(&s.file_bytes)),
            weekly_downloads: UWidth::for_max(s.weekly_downloads.iter().copied().max().unwrap_or(0) as u64),
        }
    }

    fn schema(&self, meta: &SnapshotMeta) -> Result<Schema> {
        let dict = |key: KeyWidth| DataType::Dictionary(Box::new(key.data_type()), Box::new(DataType::Utf8));
        let multi = |key: KeyWidth| DataType::List(Arc::new(Field::new(ITEM, dict(key), false)));
        let fields = vec![
            Field::new(COL_ID, DataType::Utf8, false),
            Field::new(COL_AUTHOR, dict(self.author), true),
            Field::new(COL_CREATED, DataType::Date32, true),
            Field::new(COL_BASES, DataType::List(Arc::new(base_item_field())), false),
            Field::new(COL_LIKES, self.likes.data_type(), true),
            Field::new(COL_DOWNLOADS_30D, self.downloads_30d.data_type(), true),
            Field::new(COL_DOWNLOADS_ALL_TIME, self.downloads_all_time.data_type(), true),
            Field::new(
                COL_WEEKLY,
                DataType::List(Arc::new(weekly_item_field(self.weekly_downloads))),
                false,
            ),
            Field::new(COL_PARAMS, DataType::Float64, true),
            Field::new(COL_PARAMS_SOURCE, dict(KeyWidth::I8), false),
            Field::new(COL_FILE_BYTES, self.file_bytes.data_type(), true),
            Field::new(COL_PIPELINE_TAG, dict(self.pipeline_tag), true),
            Field::new(COL_LIBRARY, dict(self.library), true),
            Field::new(COL_LICENSE, dict(self.license), true),
            Field::new(COL_GATED, DataType::Boolean, true),
            Field::new(COL_LANGUAGES, multi(self.languages), false),
            Field::new(COL_INPUT_MODALITIES, multi(self.input_modalities), false),
            Field::new(COL_OUTPUT_MODALITIES, multi(self.output_modalities), false),
            Field::new(COL_ARCHITECTURE, dict(self.architecture), true),
            Field::new(COL_TRAINING_METHODS, multi(self.training_methods), false),
            Field::new(COL_TRAINING_DATA, dict(self.training_data), true),
            Field::new(COL_ORG_TYPE, dict(self.org_type), true),
            Field::new(COL_COUNTRY, dict(self.country), true),
        ];
        let repairs = serde_json::to_string(&meta.repairs)
            .map_err(|e| Error::Compute(format!("cannot encode the repairs list: {e}")))?;
        let metadata: HashMap<String, String> = [
            (META_FORMAT_VERSION, meta.format_version.to_string()),
            (META_SNAPSHOT_DATE, meta.snapshot_date.clone()),
            (META_SOURCE, meta.source.clone()),
            (META_SYNTHETIC, meta.synthetic.to_string()),
            (META_MODELS, meta.models.to_string()),
            (META_DOWNLOAD_ROWS, meta.download_rows.to_string()),
            (META_FIRST_WEEK, meta.first_week.clone()),
            (META_LAST_WEEK, meta.last_week.clone()),
            (META_CONTENT_HASH, meta.content_hash.clone()),
            (META_REPAIRS, repairs),
            (META_DESCRIPTION, meta.description.clone()),
            (META_WEEK_ORIGIN, format_date(WEEK_ORIGIN)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Schema::new_with_metadata(fields, metadata))
    }
}

fn base_struct_fields() -> Fields {
    Fields::from(vec![
        Field::new(BASE_MODEL, DataType::UInt32, false),
        Field::new(
            BASE_RELATION,
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            false,
        ),
    ])
}

fn base_item_field() -> Field {
    Field::new(ITEM, DataType::Struct(base_struct_fields()), false)
}

fn weekly_struct_fields(downloads: UWidth) -> Fields {
    Fields::from(vec![
        Field::new(WEEK, DataType::UInt16, false),
        Field::new(WEEK_DOWNLOADS, downloads.data_type(), false),
    ])
}

fn weekly_item_field(downloads: UWidth) -> Field {
    Field::new(ITEM, DataType::Struct(weekly_struct_fields(downloads)), false)
}

/// Dictionary value arrays, built once and shared by every batch (the IPC file format allows one
/// dictionary per column for the whole file).
struct Dictionaries {
    author: ArrayRef,
    pipeline_tag: ArrayRef,
    library: ArrayRef,
    license: ArrayRef,
    architecture: ArrayRef,
    training_data: ArrayRef,
    org_type: ArrayRef,
    country: ArrayRef,
    languages: ArrayRef,
    input_modalities: ArrayRef,
    output_modalities: ArrayRef,
    training_methods: ArrayRef,
    relation: ArrayRef,
    params_source: ArrayRef,
}

impl Dictionaries {
    fn of(s: &Snapshot) -> Dictionaries {
        let strings = |v: &[String]| -> ArrayRef { Arc::new(StringArray::from_iter_values(v.iter())) };
        Dictionaries {
            author: strings(&s.author.values),
            pipeline_tag: strings(&s.pipeline_tag.values),
            library: strings(&s.library.values),
            license: strings(&s.license.values),
            architecture: strings(&s.architecture.values),
            training_data: strings(&s.training_data.values),
            org_type: strings(&s.org_type.values),
            country: strings(&s.country.values),
            languages: strings(&s.languages.values),
            input_modalities: strings(&s.input_modalities.values),
            output_modalities: strings(&s.output_modalities.values),
            training_methods: strings(&s.training_methods.values),
            relation: Arc::new(StringArray::from_iter_values(
                Relation::ALL.iter().map(|r| r.as_str()),
            )),
            params_source: Arc::new(StringArray::from_iter_values(
                [
                    ParamSource::Safetensors,
                    ParamSource::Estimated,
                    ParamSource::Unknown,
                ]
                .iter()
                .map(|p| p.as_str()),
            )),
        }
    }
}

/// Rebased `i32` offsets of models `start..end` of a CSR offsets vector.
fn rebased_offsets(
    offsets: &[u32],
    start: usize,
    end: usize,
    column: &str,
) -> Result<(OffsetBuffer<i32>, usize, usize)> {
    let part = offsets
        .get(start..=end)
        .ok_or_else(|| Error::Invalid(format!("{column}: offsets shorter than the model count")))?;
    let first = part.first().copied().unwrap_or(0);
    let last = part.last().copied().unwrap_or(0);
    if last.checked_sub(first).is_none_or(|n| n > i32::MAX as u32) {
        return Err(Error::Invalid(format!(
            "{column}: more than 2^31 values in one batch of models; write with a smaller batch size"
        )));
    }
    let rebased: Vec<i32> = part.iter().map(|&o| o.saturating_sub(first) as i32).collect();
    Ok((
        OffsetBuffer::new(ScalarBuffer::from(rebased)),
        first as usize,
        last as usize,
    ))
}

fn keys_array<K: ArrowDictionaryKeyType>(codes: &[u32], column: &str) -> Result<PrimitiveArray<K>>
where
    K::Native: TryFrom<u32>,
{
    let mut keys = Vec::with_capacity(codes.len());
    let mut valid = Vec::with_capacity(codes.len());
    for &code in codes {
        if code == NULL_CODE {
            keys.push(K::Native::default());
            valid.push(false);
        } else {
            let key = K::Native::try_from(code).map_err(|_| {
                Error::Invalid(format!(
                    "{column}: code {code} does not fit the dictionary key type"
                ))
            })?;
            keys.push(key);
            valid.push(true);
        }
    }
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(PrimitiveArray::<K>::new(ScalarBuffer::from(keys), nulls))
}

fn dictionary_array(codes: &[u32], values: &ArrayRef, key: KeyWidth, column: &str) -> Result<ArrayRef> {
    Ok(match key {
        KeyWidth::I8 => Arc::new(DictionaryArray::<Int8Type>::try_new(
            keys_array::<Int8Type>(codes, column)?,
            values.clone(),
        )?),
        KeyWidth::I16 => Arc::new(DictionaryArray::<Int16Type>::try_new(
            keys_array::<Int16Type>(codes, column)?,
            values.clone(),
        )?),
        KeyWidth::I32 => Arc::new(DictionaryArray::<Int32Type>::try_new(
            keys_array::<Int32Type>(codes, column)?,
            values.clone(),
        )?),
    })
}

fn count_array(values: &[f64], width: UWidth) -> ArrayRef {
    let nulls = NullBuffer::from(values.iter().map(|v| !v.is_nan()).collect::<Vec<bool>>());
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    // NaN becomes 0 under the null bit; validate() guarantees whole numbers in range.
    macro_rules! build {
        ($t:ty, $native:ty) => {
            Arc::new(PrimitiveArray::<$t>::new(
                values
                    .iter()
                    .map(|&v| if v.is_nan() { 0 } else { v as $native })
                    .collect::<Vec<$native>>()
                    .into(),
                nulls,
            )) as ArrayRef
        };
    }
    match width {
        UWidth::U8 => build!(UInt8Type, u8),
        UWidth::U16 => build!(UInt16Type, u16),
        UWidth::U32 => build!(UInt32Type, u32),
        UWidth::U64 => build!(UInt64Type, u64),
    }
}

fn unsigned_array_u32(values: &[u32], width: UWidth) -> ArrayRef {
    macro_rules! build {
        ($t:ty, $native:ty) => {
            Arc::new(PrimitiveArray::<$t>::new(
                values
                    .iter()
                    .map(|&v| v as $native)
                    .collect::<Vec<$native>>()
                    .into(),
                None,
            )) as ArrayRef
        };
    }
    match width {
        UWidth::U8 => build!(UInt8Type, u8),
        UWidth::U16 => build!(UInt16Type, u16),
        UWidth::U32 => build!(UInt32Type, u32),
        UWidth::U64 => build!(UInt64Type, u64),
    }
}

fn multi_label_array(
    m: &MultiLabel,
    values: &ArrayRef,
    key: KeyWidth,
    start: usize,
    end: usize,
    column: &str,
) -> Result<ArrayRef> {
    let (offsets, a, b) = rebased_offsets(&m.offsets, start, end, column)?;
    let codes = m
        .codes
        .get(a..b)
        .ok_or_else(|| Error::Invalid(format!("{column}: offsets beyond the label codes")))?;
    let labels = dictionary_array(codes, values, key, column)?;
    let field = Arc::new(Field::new(ITEM, labels.data_type().clone(), false));
    Ok(Arc::new(ListArray::try_new(field, offsets, labels, None)?))
}

fn build_batch(
    s: &Snapshot,
    layout: &Layout,
    dicts: &Dictionaries,
    schema: &SchemaRef,
    start: usize,
    end: usize,
) -> Result<RecordBatch> {
    let range = start..end;
    let slice_err = |column: &str| Error::Invalid(format!("{column}: shorter than the model count"));

    // id
    let (id_offsets, a, b) = rebased_offsets(&s.id.offsets, start, end, COL_ID)?;
    let id_bytes =
        s.id.data
            .as_bytes()
            .get(a..b)
            .ok_or_else(|| Error::Invalid("id: offsets beyond the string data".into()))?;
    let id: ArrayRef = Arc::new(StringArray::try_new(
        id_offsets,
        Buffer::from_slice_ref(id_bytes),
        None,
    )?);

    let cat = |c: &Categorical, values: &ArrayRef, key: KeyWidth, column: &str| -> Result<ArrayRef> {
        let codes = c.codes.get(range.clone()).ok_or_else(|| slice_err(column))?;
        dictionary_array(codes, values, key, column)
    };

    // created
    let created = s
        .created
        .get(range.clone())
        .ok_or_else(|| slice_err(COL_CREATED))?;
    let created: ArrayRef = Arc::new(Date32Array::from_iter(
        created.iter().map(|&d| (d != NO_DATE).then_some(d)),
    ));

    // bases
    let (base_offsets, a, b) = rebased_offsets(&s.base_offsets, start, end, COL_BASES)?;
    let base_model = s.base_model.get(a..b).ok_or_else(|| slice_err(COL_BASES))?;
    let base_relation = s.base_relation.get(a..b).ok_or_else(|| slice_err(COL_BASES))?;
    let relation_codes: Vec<u32> = base_relation.iter().map(|&r| r as u32).collect();
    let bases_struct = StructArray::try_new(
        base_struct_fields(),
        vec![
            Arc::new(UInt32Array::from(base_model.to_vec())) as ArrayRef,
            dictionary_array(&relation_codes, &dicts.relation, KeyWidth::I8, COL_BASES)?,
        ],
        None,
    )?;
    let bases: ArrayRef = Arc::new(ListArray::try_new(
        Arc::new(base_item_field()),
        base_offsets,
        Arc::new(bases_struct),
        None,
    )?);

    // weekly downloads
    let (weekly_offsets, a, b) = rebased_offsets(&s.weekly_offsets, start, end, COL_WEEKLY)?;
    let weeks = s.weekly_week.get(a..b).ok_or_else(|| slice_err(COL_WEEKLY))?;
    let downloads = s
        .weekly_downloads
        .get(a..b)
        .ok_or_else(|| slice_err(COL_WEEKLY))?;
    let weekly_struct = StructArray::try_new(
        weekly_struct_fields(layout.weekly_downloads),
        vec![
            Arc::new(UInt16Array::from(weeks.to_vec())) as ArrayRef,
            unsigned_array_u32(downloads, layout.weekly_downloads),
        ],
        None,
    )?;
    let weekly: ArrayRef = Arc::new(ListArray::try_new(
        Arc::new(weekly_item_field(layout.weekly_downloads)),
        weekly_offsets,
        Arc::new(weekly_struct),
        None,
    )?);

    let counts = |v: &[f64], width: UWidth, column: &str| -> Result<ArrayRef> {
        Ok(count_array(
            v.get(range.clone()).ok_or_else(|| slice_err(column))?,
            width,
        ))
    };

    let params = s.params.get(range.clone()).ok_or_else(|| slice_err(COL_PARAMS))?;
    let params: ArrayRef = Arc::new(Float64Array::from_iter(
        params.iter().map(|&p| (!p.is_nan()).then_some(p)),
    ));
    let params_source_codes: Vec<u32> = s
        .params_source
        .get(range.clone())
        .ok_or_else(|| slice_err(COL_PARAMS_SOURCE))?
        .iter()
        .map(|&p| p as u32)
        .collect();
    let params_source = dictionary_array(
        &params_source_codes,
        &dicts.params_source,
        KeyWidth::I8,
        COL_PARAMS_SOURCE,
    )?;

    let gated = gated_array(&s.gated, start, end)?;

    let columns: Vec<ArrayRef> = vec![
        id,
        cat(&s.author, &dicts.author, layout.author, COL_AUTHOR)?,
        created,
        bases,
        counts(&s.likes, layout.likes, COL_LIKES)?,
        counts(&s.downloads_30d, layout.downloads_30d, COL_DOWNLOADS_30D)?,
        counts(
            &s.downloads_all_time,
            layout.downloads_all_time,
            COL_DOWNLOADS_ALL_TIME,
        )?,
        weekly,
        params,
        params_source,
        counts(&s.file_bytes, layout.file_bytes, COL_FILE_BYTES)?,
        cat(
            &s.pipeline_tag,
            &dicts.pipeline_tag,
            layout.pipeline_tag,
            COL_PIPELINE_TAG,
        )?,
        cat(&s.library, &dicts.library, layout.library, COL_LIBRARY)?,
        cat(&s.license, &dicts.license, layout.license, COL_LICENSE)?,
        gated,
        multi_label_array(
            &s.languages,
            &dicts.languages,
            layout.languages,
            start,
            end,
            COL_LANGUAGES,
        )?,
        multi_label_array(
            &s.input_modalities,
            &dicts.input_modalities,
            layout.input_modalities,
            start,
            end,
            COL_INPUT_MODALITIES,
        )?,
        multi_label_array(
            &s.output_modalities,
            &dicts.output_modalities,
            layout.output_modalities,
            start,
            end,
            COL_OUTPUT_MODALITIES,
        )?,
        cat(
            &s.architecture,
            &dicts.architecture,
            layout.architecture,
            COL_ARCHITECTURE,
        )?,
        multi_label_array(
            &s.training_methods,
            &dicts.training_methods,
            layout.training_methods,
            start,
            end,
            COL_TRAINING_METHODS,
        )?,
        cat(
            &s.training_data,
            &dicts.training_data,
            layout.training_data,
            COL_TRAINING_DATA,
        )?,
        cat(&s.org_type, &dicts.org_type, layout.org_type, COL_ORG_TYPE)?,
        cat(&s.country, &dicts.country, layout.country, COL_COUNTRY)?,
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The boolean value of each gated code: `Some(true)` for "true", `Some(false)` for "false".
fn gated_truth(values: &[String]) -> Result<Vec<bool>> {
    values
        .iter()
        .map(|v| match v.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(Error::Invalid(format!(
                "gated: value '{other}' is not 'true' or 'false' (the file stores gated as a boolean)"
            ))),
        })
        .collect()
}

fn gated_array(g: &Categorical, start: usize, end: usize) -> Result<ArrayRef> {
    let truth = gated_truth(&g.values)?;
    let codes = g
        .codes
        .get(start..end)
        .ok_or_else(|| Error::Invalid("gated: shorter than the model count".into()))?;
    let mut values = Vec::with_capacity(codes.len());
    let mut valid = Vec::with_capacity(codes.len());
    for &code in codes {
        match truth.get(code as usize) {
            Some(&t) => {
                values.push(t);
                valid.push(true);
            }
            None => {
                values.push(false);
                valid.push(false);
            }
        }
    }
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(Arc::new(BooleanArray::new(BooleanBuffer::from(values), nulls)))
}

// ---------------------------------------------------------------------------------------------
// Content hash
// ---------------------------------------------------------------------------------------------

/// FNV-1a-64 applied to 64-bit little-endian words instead of bytes, then the SplitMix64
/// finaliser: every step is a bijection, so a change in a single word always changes the result.
struct WordHasher(u64);

impl WordHasher {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        WordHasher(Self::OFFSET)
    }
    #[inline]
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(Self::PRIME);
    }
    /// The length in bytes, then the bytes in 8-byte little-endian words (the last zero-padded).
    fn bytes(&mut self, b: &[u8]) {
        self.word(b.len() as u64);
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(w));
        }
    }
    fn words<T: Copy>(&mut self, values: &[T], f: impl Fn(T) -> u64) {
        self.word(values.len() as u64);
        for &v in values {
            self.word(f(v));
        }
    }
    fn strings<'a>(&mut self, values: impl ExactSizeIterator<Item = &'a str>) {
        self.word(values.len() as u64);
        for v in values {
            self.bytes(v.as_bytes());
        }
    }
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Deterministic 64-bit hash of the column data (16 lowercase hex digits): the same for every
/// codec, batch size and key width, since it reads the in-memory columns, never the file bytes.
/// The exact byte sequence hashed is specified in `docs/snapshot-format.md`. Empty snapshot: the
/// hash of every column with length 0 (still a fixed value).
pub fn content_hash(s: &Snapshot) -> String {
    let mut h = WordHasher::new();
    let count = |v: f64| if v.is_nan() { u64::MAX } else { v as u64 };
    let categorical = |h: &mut WordHasher, name: &str, c: &Categorical| {
        h.bytes(name.as_bytes());
        h.strings(c.values.iter().map(|v| v.as_str()));
        h.words(&c.codes, |c| c as u64);
    };
    let multi = |h: &mut WordHasher, name: &str, m: &MultiLabel| {
        h.bytes(name.as_bytes());
        h.strings(m.values.iter().map(|v| v.as_str()));
        h.words(&m.offsets, |o| o as u64);
        h.words(&m.codes, |c| c as u64);
    };

    h.bytes(COL_ID.as_bytes());
    h.word(s.id.len() as u64);
    for v in s.id.iter() {
        h.bytes(v.as_bytes());
    }
    categorical(&mut h, COL_AUTHOR, &s.author);
    h.bytes(COL_CREATED.as_bytes());
    h.words(&s.created, |d| d as i64 as u64);
    h.bytes(COL_BASES.as_bytes());
    h.words(&s.base_offsets, |o| o as u64);
    h.words(&s.base_model, |m| m as u64);
    h.words(&s.base_relation, |r| r as u64);
    h.bytes(COL_LIKES.as_bytes());
    h.words(&s.likes, count);
    h.bytes(COL_DOWNLOADS_30D.as_bytes());
    h.words(&s.downloads_30d, count);
    h.bytes(COL_DOWNLOADS_ALL_TIME.as_bytes());
    h.words(&s.downloads_all_time, count);
    h.bytes(COL_WEEKLY.as_bytes());
    h.words(&s.weekly_offsets, |o| o as u64);
    h.words(&s.weekly_week, |w| w as u64);
    h.words(&s.weekly_downloads, |d| d as u64);
    h.bytes(COL_PARAMS.as_bytes());
    h.words(&s.params, |p| if p.is_nan() { u64::MAX } else { p.to_bits() });
    h.bytes(COL_PARAMS_SOURCE.as_bytes());
    h.words(&s.params_source, |p| p as u64);
    h.bytes(COL_FILE_BYTES.as_bytes());
    h.words(&s.file_bytes, count);
    categorical(&mut h, COL_PIPELINE_TAG, &s.pipeline_tag);
    categorical(&mut h, COL_LIBRARY, &s.library);
    categorical(&mut h, COL_LICENSE, &s.license);
    // Gated is a boolean on disk: hash the truth value (0 false, 1 true, 2 missing), not the codes.
    h.bytes(COL_GATED.as_bytes());
    h.words(&s.gated.codes, |c| {
        match s.gated.values.get(c as usize).map(|v| v.as_str()) {
            Some("false") => 0,
            Some("true") => 1,
            _ => 2,
        }
    });
    multi(&mut h, COL_LANGUAGES, &s.languages);
    multi(&mut h, COL_INPUT_MODALITIES, &s.input_modalities);
    multi(&mut h, COL_OUTPUT_MODALITIES, &s.output_modalities);
    categorical(&mut h, COL_ARCHITECTURE, &s.architecture);
    multi(&mut h, COL_TRAINING_METHODS, &s.training_methods);
    categorical(&mut h, COL_TRAINING_DATA, &s.training_data);
    categorical(&mut h, COL_ORG_TYPE, &s.org_type);
    categorical(&mut h, COL_COUNTRY, &s.country);
    format!("{:016x}", h.finish())
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Names model `row` in messages: its id and row.
fn model_name(s: &Snapshot, row: usize) -> String {
    format!("model '{}' (row {row})", s.id.get(row))
}

fn check_len(column: &str, len: usize, expected: usize) -> Result<()> {
    if len != expected {
        return Err(Error::Invalid(format!(
            "{column}: {len} values for {expected} models"
        )));
    }
    Ok(())
}

/// Offsets of a CSR column: `models + 1` of them, starting at 0, never decreasing, ending at
/// `values` (the length of the value vectors).
fn check_offsets(s: &Snapshot, column: &str, offsets: &[u32], values: usize) -> Result<()> {
    let n = s.models();
    check_len(&format!("{column} offsets"), offsets.len(), n + 1)?;
    if offsets.first().copied().unwrap_or(0) != 0 {
        return Err(Error::Invalid(format!("{column}: offsets do not start at 0")));
    }
    for (row, pair) in offsets.windows(2).enumerate() {
        if pair[1] < pair[0] {
            return Err(Error::Invalid(format!(
                "{column}: offsets decrease at {}",
                model_name(s, row)
            )));
        }
    }
    let last = offsets.last().copied().unwrap_or(0) as usize;
    if last != values {
        return Err(Error::Invalid(format!(
            "{column}: offsets end at {last} but there are {values} values"
        )));
    }
    Ok(())
}

fn check_categorical(s: &Snapshot, column: &str, c: &Categorical) -> Result<()> {
    check_len(column, c.codes.len(), s.models())?;
    let values = c.values.len();
    if let Some(row) = c
        .codes
        .iter()
        .position(|&k| k != NULL_CODE && k as usize >= values)
    {
        return Err(Error::Invalid(format!(
            "{column}: code {} of {} is out of range ({values} values)",
            c.codes.get(row).copied().unwrap_or(0),
            model_name(s, row)
        )));
    }
    Ok(())
}

fn check_multi_label(s: &Snapshot, column: &str, m: &MultiLabel) -> Result<()> {
    check_offsets(s, column, &m.offsets, m.codes.len())?;
    let values = m.values.len();
    if let Some(at) = m.codes.iter().position(|&k| k as usize >= values) {
        let row = m.offsets.partition_point(|&o| o as usize <= at).saturating_sub(1);
        return Err(Error::Invalid(format!(
            "{column}: label code {} of {} is out of range ({values} values)",
            m.codes.get(at).copied().unwrap_or(0),
            model_name(s, row)
        )));
    }
    Ok(())
}

fn check_counts(s: &Snapshot, column: &str, values: &[f64]) -> Result<()> {
    check_len(column, values.len(), s.models())?;
    if let Some(row) = values
        .iter()
        .position(|&v| !(v.is_nan() || (0.0..=MAX_EXACT_COUNT).contains(&v) && v.fract() == 0.0))
    {
        return Err(Error::Invalid(format!(
            "{column}: {} of {} is not a whole number between 0 and 2^53 (NaN marks unknown)",
            values.get(row).copied().unwrap_or(f64::NAN),
            model_name(s, row)
        )));
    }
    Ok(())
}

/// Checks every invariant the kernels rely on. Empty snapshot: valid. The first problem found is
/// reported, naming the column and the model.
pub fn validate(s: &Snapshot) -> Result<()> {
    let n = s.models();
    if n > u32::MAX as usize - 1 {
        return Err(Error::Invalid(format!(
            "{n} models: more than a snapshot can index"
        )));
    }
    // id
    let offsets = &s.id.offsets;
    check_len("id offsets", offsets.len(), n + 1)?;
    if offsets.first().copied().unwrap_or(0) != 0 {
        return Err(Error::Invalid("id: offsets do not start at 0".into()));
    }
    for (row, pair) in offsets.windows(2).enumerate() {
        if pair[1] < pair[0] || !s.id.data.is_char_boundary(pair[1] as usize) {
            return Err(Error::Invalid(format!(
                "id: offsets of row {row} decrease or split a character"
            )));
        }
    }
    if offsets.last().copied().unwrap_or(0) as usize != s.id.data.len() {
        return Err(Error::Invalid(
            "id: offsets do not end at the end of the string data".into(),
        ));
    }

    check_categorical(s, COL_AUTHOR, &s.author)?;
    check_len(COL_CREATED, s.created.len(), n)?;

    // Base models: CSR shape, bounds, self-loops, then cycles.
    check_offsets(s, COL_BASES, &s.base_offsets, s.base_model.len())?;
    check_len("bases relation", s.base_relation.len(), s.base_model.len())?;
    for (row, pair) in s.base_offsets.windows(2).enumerate() {
        let bases = s
            .base_model
            .get(pair[0] as usize..pair[1] as usize)
            .unwrap_or(&[]);
        for &b in bases {
            if b as usize >= n {
                return Err(Error::Invalid(format!(
                    "bases: base index {b} of {} is out of range ({n} models)",
                    model_name(s, row)
                )));
            }
            if b as usize == row {
                return Err(Error::Invalid(format!(
                    "bases: {} is its own base",
                    model_name(s, row)
                )));
            }
        }
    }
    check_acyclic(s)?;

    check_counts(s, COL_LIKES, &s.likes)?;
    check_counts(s, COL_DOWNLOADS_30D, &s.downloads_30d)?;
    check_counts(s, COL_DOWNLOADS_ALL_TIME, &s.downloads_all_time)?;
    check_counts(s, COL_FILE_BYTES, &s.file_bytes)?;

    // Weekly downloads: CSR shape, weeks strictly increasing within each model.
    check_offsets(s, COL_WEEKLY, &s.weekly_offsets, s.weekly_week.len())?;
    check_len("weekly downloads", s.weekly_downloads.len(), s.weekly_week.len())?;
    for (row, pair) in s.weekly_offsets.windows(2).enumerate() {
        let weeks = s
            .weekly_week
            .get(pair[0] as usize..pair[1] as usize)
            .unwrap_or(&[]);
        if let Some(w) = weeks.windows(2).find(|w| w[1] <= w[0]) {
            return Err(Error::Invalid(format!(
                "weekly_downloads: weeks of {} are not strictly increasing (week {} then {})",
                model_name(s, row),
                w[0],
                w[1]
            )));
        }
    }

    check_len(COL_PARAMS, s.params.len(), n)?;
    if let Some(row) = s
        .params
        .iter()
        .position(|&p| !(p.is_nan() || p.is_finite() && p >= 0.0))
    {
        return Err(Error::Invalid(format!(
            "params: {} of {} is not a finite non-negative number (NaN marks unknown)",
            s.params.get(row).copied().unwrap_or(f64::NAN),
            model_name(s, row)
        )));
    }
    check_len(COL_PARAMS_SOURCE, s.params_source.len(), n)?;

    check_categorical(s, COL_PIPELINE_TAG, &s.pipeline_tag)?;
    check_categorical(s, COL_LIBRARY, &s.library)?;
    check_categorical(s, COL_LICENSE, &s.license)?;
    check_categorical(s, COL_GATED, &s.gated)?;
    gated_truth(&s.gated.values)?;
    check_categorical(s, COL_ARCHITECTURE, &s.architecture)?;
    check_categorical(s, COL_TRAINING_DATA, &s.training_data)?;
    check_categorical(s, COL_ORG_TYPE, &s.org_type)?;
    check_categorical(s, COL_COUNTRY, &s.country)?;
    check_multi_label(s, COL_LANGUAGES, &s.languages)?;
    check_multi_label(s, COL_INPUT_MODALITIES, &s.input_modalities)?;
    check_multi_label(s, COL_OUTPUT_MODALITIES, &s.output_modalities)?;
    check_multi_label(s, COL_TRAINING_METHODS, &s.training_methods)?;
    Ok(())
}

/// Kahn's algorithm on the lineage (iterative: no recursion, whatever the depth). Requires the base
/// indexes to be in range (checked before). On a cycle, names the models on it.
fn check_acyclic(s: &Snapshot) -> Result<()> {
    let n = s.models();
    // Children CSR: counting sort of the (base -> child) edges.
    let mut child_start = vec![0u32; n + 1];
    for &b in &s.base_model {
        if let Some(c) = child_start.get_mut(b as usize + 1) {
            *c += 1;
        }
    }
    for i in 0..n {
        child_start[i + 1] += child_start[i];
    }
    let mut fill = child_start.clone();
    let mut children = vec![0u32; s.base_model.len()];
    for (child, pair) in s.base_offsets.windows(2).enumerate() {
        for &b in s
            .base_model
            .get(pair[0] as usize..pair[1] as usize)
            .unwrap_or(&[])
        {
            if let Some(slot) = fill.get_mut(b as usize) {
                if let Some(c) = children.get_mut(*slot as usize) {
                    *c = child as u32;
                }
                *slot += 1;
            }
        }
    }
    // Pending bases per model; models without pending bases are done.
    let mut pending: Vec<u32> = s.base_offsets.windows(2).map(|p| p[1] - p[0]).collect();
    let mut queue: Vec<u32> = (0..n as u32).filter(|&i| pending[i as usize] == 0).collect();
    let mut done = 0usize;
    while let Some(m) = queue.pop() {
        done += 1;
        let (a, b) = (
            child_start[m as usize] as usize,
            child_start[m as usize + 1] as usize,
        );
        for &c in children.get(a..b).unwrap_or(&[]) {
            if let Some(p) = pending.get_mut(c as usize) {
                *p -= 1;
                if *p == 0 {
                    queue.push(c);
                }
            }
        }
    }
    if done == n {
        return Ok(());
    }
    // Some model is left: follow left-over bases from it until a model repeats; that model is on a
    // cycle (every left-over model has a left-over base).
    let start = pending.iter().position(|&p| p > 0).unwrap_or(0);
    let mut seen_at = vec![u32::MAX; n];
    let mut path: Vec<usize> = Vec::new();
    let mut m = start;
    while seen_at.get(m).copied() == Some(u32::MAX) {
        seen_at[m] = path.len() as u32;
        path.push(m);
        let (bases, _) = s.bases(m);
        match bases
            .iter()
            .find(|&&b| pending.get(b as usize).copied().unwrap_or(0) > 0)
        {
            Some(&b) => m = b as usize,
            None => break,
        }
    }
    let from = seen_at.get(m).copied().unwrap_or(0) as usize;
    let cycle: Vec<String> = path
        .get(from..)
        .unwrap_or(&[])
        .iter()
        .take(8)
        .map(|&i| format!("'{}'", s.id.get(i)))
        .collect();
    Err(Error::Invalid(format!(
        "bases: the lineage has a cycle ({} models are on or below cycles), through {}{}",
        n - done,
        cycle.join(" -> "),
        if path.len() - from > 8 { " -> ..." } else { "" }
    )))
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

const ARROW_MAGIC: &[u8; 6] = b"ARROW1";
/// The IPC continuation marker that precedes each message's length.
const CONTINUATION: [u8; 4] = [0xff; 4];
/// Declared decompressed bytes may exceed the file size by this factor at most (plus a floor):
/// our own files stay far below it, a "compression bomb" does not.
const MAX_EXPANSION: u64 = 64;
const MIN_DECOMPRESSED_ALLOWANCE: u64 = 64 << 20;
/// Row counts above this are refused before arrow sees them (a snapshot indexes models by u32).
const MAX_ROWS: i64 = i32::MAX as i64;

fn not_arrow(message: impl Into<String>) -> Error {
    Error::NotArrow(message.into())
}

/// Reads and validates a snapshot file. Never panics: other bytes give [`Error::NotArrow`] (not an
/// Arrow IPC file, truncated, corrupt structure), [`Error::NewerFormat`], [`Error::Schema`]
/// (missing column or wrong type) or [`Error::Invalid`] (bad values), each naming what is wrong.
pub fn read(bytes: &[u8]) -> Result<Snapshot> {
    let file = FileLayout::check(bytes)?;
    let footer = arrow_ipc::root_as_footer(file.footer)
        .map_err(|e| not_arrow(format!("the file footer is corrupt ({e})")))?;
    let fb_schema = footer
        .schema()
        .ok_or_else(|| not_arrow("the file footer has no schema"))?;
    let schema = arrow_ipc::convert::try_fb_to_schema(fb_schema)
        .map_err(|e| not_arrow(format!("the schema in the footer cannot be read ({e})")))?;
    let meta = read_meta(schema.metadata())?;
    let columns = ColumnIndex::check(&schema)?;

    let dictionary_blocks: Vec<arrow_ipc::Block> = footer
        .dictionaries()
        .map(|d| d.iter().copied().collect())
        .unwrap_or_default();
    let batch_blocks: Vec<arrow_ipc::Block> = footer
        .recordBatches()
        .map(|d| d.iter().copied().collect())
        .unwrap_or_default();
    let mut decompressed_total = 0u64;
    for block in dictionary_blocks.iter().chain(batch_blocks.iter()) {
        decompressed_total = decompressed_total.saturating_add(file.check_block(block, &schema)?);
    }
    let allowance = (bytes.len() as u64)
        .saturating_mul(MAX_EXPANSION)
        .max(MIN_DECOMPRESSED_ALLOWANCE);
    if decompressed_total > allowance {
        return Err(not_arrow(format!(
            "the buffers claim {decompressed_total} bytes once decompressed, implausible for a file of {} bytes",
            bytes.len()
        )));
    }

    let schema = Arc::new(schema);
    let version = footer.version();
    let projection = columns.projection();
    let mut dictionaries: HashMap<i64, ArrayRef> = HashMap::new();
    for block in &dictionary_blocks {
        let data = file.block_buffer(block)?;
        let (id, values) = decode_dictionary(block, &data, &schema, &dictionaries, version)
            .map_err(|e| not_arrow(format!("a dictionary cannot be decoded ({e})")))?;
        dictionaries.insert(id, values);
    }
    let mut builder = SnapshotBuilder::new(&meta, decompressed_total.max(bytes.len() as u64));
    for block in &batch_blocks {
        let data = file.block_buffer(block)?;
        let batch = decode_record_batch(block, &data, &schema, &dictionaries, &projection, version)
            .map_err(|e| not_arrow(format!("a record batch cannot be decoded ({e})")))?;
        if let Some(batch) = batch {
            builder.append(&batch)?;
        }
    }
    // finish() runs validate() before hashing.
    let snapshot = builder.finish(meta)?;
    check_meta_against_data(&snapshot, schema.metadata())?;
    Ok(snapshot)
}

// The blocks are decoded here rather than by arrow's `FileDecoder`, which does the same except that
// it concatenates delta dictionaries: that one call links arrow-select's concat and interleave, a
// quarter of the wasm module. Snapshots never hold delta dictionaries; they are refused.

/// The flatbuffer message at the start of a block (encapsulated: [continuation] length, message),
/// of the file's metadata version.
fn block_message(
    data: &[u8],
    version: arrow_ipc::MetadataVersion,
) -> std::result::Result<arrow_ipc::Message<'_>, ArrowError> {
    let at = if data.starts_with(&CONTINUATION) { 8 } else { 4 };
    let message = arrow_ipc::root_as_message(data.get(at..).unwrap_or(&[]))
        .map_err(|e| ArrowError::ParseError(format!("Unable to get root as message: {e:?}")))?;
    // Footers of very old files carry V1 whatever their messages say (as arrow's reader allows).
    if version != arrow_ipc::MetadataVersion::V1 && message.version() != version {
        return Err(ArrowError::IpcError(
            "Could not read IPC message as metadata versions mismatch".to_string(),
        ));
    }
    Ok(message)
}

/// One dictionary block: its id and values.
fn decode_dictionary(
    block: &arrow_ipc::Block,
    data: &Buffer,
    schema: &Schema,
    dictionaries: &HashMap<i64, ArrayRef>,
    version: arrow_ipc::MetadataVersion,
) -> std::result::Result<(i64, ArrayRef), ArrowError> {
    let message = block_message(data, version)?;
    let dictionary = message.header_as_dictionary_batch().ok_or_else(|| {
        ArrowError::ParseError(format!(
            "Expecting DictionaryBatch in dictionary blocks, found {:?}.",
            message.header_type()
        ))
    })?;
    let id = dictionary.id();
    if dictionary.isDelta() {
        return Err(ArrowError::InvalidArgumentError(format!(
            "dictionary id {id} is a delta dictionary, which snapshots never use"
        )));
    }
    #[allow(deprecated)] // arrow's decoder finds dictionaries the same way
    let value_type = schema
        .fields_with_dict_id(id)
        .first()
        .and_then(|f| match f.data_type() {
            DataType::Dictionary(_, v) => Some(v.as_ref().clone()),
            _ => None,
        })
        .ok_or_else(|| ArrowError::InvalidArgumentError(format!("dictionary id {id} not found in schema")))?;
    let batch = dictionary
        .data()
        .ok_or_else(|| ArrowError::ParseError("Dictionary batch is missing its data".to_string()))?;
    let body = data.slice(block.metaDataLength() as usize);
    let message_version = message.version();
    // The values are a one-column batch of the value type.
    let values_schema = Arc::new(Schema::new(vec![Field::new("", value_type, true)]));
    let values = arrow_ipc::reader::RecordBatchDecoder::try_new(
        &body,
        batch,
        values_schema,
        dictionaries,
        &message_version,
    )?
    .read_record_batch()?;
    Ok((id, values.column(0).clone()))
}

/// One record batch block (`None` for an empty message), with the snapshot's columns only.
fn decode_record_batch(
    block: &arrow_ipc::Block,
    data: &Buffer,
    schema: &SchemaRef,
    dictionaries: &HashMap<i64, ArrayRef>,
    projection: &[usize],
    version: arrow_ipc::MetadataVersion,
) -> std::result::Result<Option<RecordBatch>, ArrowError> {
    let message = block_message(data, version)?;
    let batch = match message.header_type() {
        arrow_ipc::MessageHeader::RecordBatch => message
            .header_as_record_batch()
            .ok_or_else(|| ArrowError::IpcError("Unable to read IPC message as record batch".to_string()))?,
        arrow_ipc::MessageHeader::NONE => return Ok(None),
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "Reading types other than record batches not yet supported, unable to read {other:?}"
            )))
        }
    };
    let body = data.slice(block.metaDataLength() as usize);
    let message_version = message.version();
    arrow_ipc::reader::RecordBatchDecoder::try_new(
        &body,
        batch,
        schema.clone(),
        dictionaries,
        &message_version,
    )?
    .with_projection(Some(projection))
    .read_record_batch()
    .map(Some)
}

/// Where the parts of an IPC file are, after checking the magic and the footer length.
struct FileLayout<'a> {
    bytes: &'a [u8],
    footer: &'a [u8],
    /// End of the region blocks may occupy (the footer starts here).
    blocks_end: u64,
}

impl<'a> FileLayout<'a> {
    fn check(bytes: &'a [u8]) -> Result<FileLayout<'a>> {
        // Magic + padding (8), footer length (4), magic (6).
        if bytes.len() < 18 {
            return Err(not_arrow(format!(
                "{} bytes is too short for an Arrow IPC file",
                bytes.len()
            )));
        }
        if !bytes.starts_with(ARROW_MAGIC) {
            let hint = if bytes.starts_with(b"PAR1") {
                " (this is a Parquet file; build a snapshot from it with `hubecon build`)"
            } else if bytes.starts_with(&CONTINUATION) {
                " (this looks like an Arrow IPC stream, not a file)"
            } else {
                ""
            };
            return Err(not_arrow(format!(
                "the file does not start with the Arrow magic ARROW1{hint}"
            )));
        }
        let len = bytes.len();
        if !bytes.ends_with(ARROW_MAGIC) {
            return Err(not_arrow(
                "the file does not end with the Arrow magic ARROW1: it is truncated or not an Arrow IPC file",
            ));
        }
        let footer_len_bytes: [u8; 4] = bytes
            .get(len - 10..len - 6)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| not_arrow("truncated file"))?;
        let footer_len = i32::from_le_bytes(footer_len_bytes);
        let footer_start = (len as i64 - 10) - footer_len as i64;
        if footer_len <= 0 || footer_start < 8 {
            return Err(not_arrow(format!(
                "footer length {footer_len} does not fit in a file of {len} bytes (truncated file?)"
            )));
        }
        let footer = bytes
            .get(footer_start as usize..len - 10)
            .ok_or_else(|| not_arrow("truncated file"))?;
        Ok(FileLayout {
            bytes,
            footer,
            blocks_end: footer_start as u64,
        })
    }

    /// Checks that a block and every buffer its message names lie inside the file, that its row
    /// counts are sane, and returns the bytes its compressed buffers claim once decompressed.
    fn check_block(&self, block: &arrow_ipc::Block, schema: &Schema) -> Result<u64> {
        let bad = |what: &str| {
            not_arrow(format!(
                "a block in the footer {what} (corrupt or truncated file)"
            ))
        };
        let (offset, meta_len, body_len) =
            (block.offset(), block.metaDataLength() as i64, block.bodyLength());
        if offset < 8 || meta_len < 8 || body_len < 0 {
            return Err(bad("has a negative or too small offset or length"));
        }
        let end = offset
            .checked_add(meta_len)
            .and_then(|e| e.checked_add(body_len))
            .ok_or_else(|| bad("overflows"))?;
        if end as u64 > self.blocks_end {
            return Err(bad("points beyond the data"));
        }
        let (offset, meta_len, body_len) = (offset as usize, meta_len as usize, body_len as usize);
        let meta = self
            .bytes
            .get(offset..offset + meta_len)
            .ok_or_else(|| bad("points beyond the data"))?;
        // Encapsulated message: [continuation] length, flatbuffer.
        let (len_at, fb_at) = if meta.starts_with(&CONTINUATION) {
            (4, 8)
        } else {
            (0, 4)
        };
        let msg_len = meta
            .get(len_at..len_at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(i32::from_le_bytes)
            .ok_or_else(|| bad("has a truncated message header"))?;
        if msg_len <= 0 || fb_at + msg_len as usize > meta_len {
            return Err(bad("has a message longer than its block"));
        }
        let message = arrow_ipc::root_as_message(meta.get(fb_at..).unwrap_or(&[]))
            .map_err(|e| not_arrow(format!("a message is corrupt ({e})")))?;
        // The width each buffer's length must be a multiple of, in message order: arrow's
        // decoder panics on an offsets or values buffer whose length is not.
        let mut widths = Vec::new();
        let (batch, compressed) = match message.header_type() {
            arrow_ipc::MessageHeader::RecordBatch => {
                let b = message
                    .header_as_record_batch()
                    .ok_or_else(|| bad("has an unreadable record batch"))?;
                for field in schema.fields() {
                    buffer_widths(field.data_type(), &mut widths)?;
                }
                (b, b.compression().is_some())
            }
            arrow_ipc::MessageHeader::DictionaryBatch => {
                let d = message
                    .header_as_dictionary_batch()
                    .ok_or_else(|| bad("has an unreadable dictionary batch"))?;
                let b = d
                    .data()
                    .ok_or_else(|| bad("has a dictionary batch without data"))?;
                #[allow(deprecated)] // arrow's decoder finds dictionaries the same way
                let value_type = schema
                    .fields_with_dict_id(d.id())
                    .first()
                    .and_then(|f| match f.data_type() {
                        DataType::Dictionary(_, v) => Some(v.as_ref().clone()),
                        _ => None,
                    })
                    .ok_or_else(|| bad("has a dictionary that no column uses"))?;
                buffer_widths(&value_type, &mut widths)?;
                (b, b.compression().is_some())
            }
            other => return Err(not_arrow(format!("unexpected message type {other:?} in a block"))),
        };
        if !(0..=MAX_ROWS).contains(&batch.length()) {
            return Err(bad(&format!("declares {} rows", batch.length())));
        }
        if let Some(nodes) = batch.nodes() {
            for node in nodes.iter() {
                if !(0..=MAX_ROWS).contains(&node.length())
                    || !(0..=node.length()).contains(&node.null_count())
                {
                    return Err(bad("declares an array with an impossible length or null count"));
                }
            }
        }
        let body = self
            .bytes
            .get(offset + meta_len..offset + meta_len + body_len)
            .ok_or_else(|| bad("points beyond the data"))?;
        let mut declared = 0u64;
        let buffers: Vec<arrow_ipc::Buffer> = batch
            .buffers()
            .map(|b| b.iter().copied().collect())
            .unwrap_or_default();
        if buffers.len() != widths.len() {
            return Err(bad(&format!(
                "has {} buffers where the schema needs {}",
                buffers.len(),
                widths.len()
            )));
        }
        for (buf, &width) in buffers.iter().zip(&widths) {
            let (o, l) = (buf.offset(), buf.length());
            if o < 0 || l < 0 || o.checked_add(l).is_none_or(|e| e > body_len as i64) {
                return Err(bad("names a buffer outside its body"));
            }
            // The length of the buffer once decompressed.
            let mut data_len = l as u64;
            if compressed && l > 0 {
                if l < 8 {
                    return Err(bad("has a compressed buffer shorter than its length prefix"));
                }
                let prefix = body
                    .get(o as usize..o as usize + 8)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(i64::from_le_bytes)
                    .ok_or_else(|| bad("has a compressed buffer shorter than its length prefix"))?;
                data_len = match prefix {
                    -1 => l as u64 - 8,
                    p if p >= 0 => p as u64,
                    _ => return Err(bad("has a compressed buffer with a negative length")),
                };
                declared = declared.saturating_add(prefix.max(0) as u64);
            }
            if !data_len.is_multiple_of(width as u64) {
                return Err(bad(&format!(
                    "has a buffer of {data_len} bytes for values of {width} bytes"
                )));
            }
        }
        Ok(declared)
    }

    /// A copy of one block (aligned for arrow). Copying block by block rather than the whole file
    /// keeps the reader's extra memory to one batch.
    fn block_buffer(&self, block: &arrow_ipc::Block) -> Result<Buffer> {
        // check_block has verified the range; checked again rather than trusted.
        let start = block.offset() as usize;
        let len = block.metaDataLength() as usize + block.bodyLength() as usize;
        let bytes = start
            .checked_add(len)
            .and_then(|end| self.bytes.get(start..end))
            .ok_or_else(|| not_arrow("a block points beyond the data"))?;
        Ok(Buffer::from_slice_ref(bytes))
    }
}

/// Appends, for each buffer arrow's IPC decoder reads for a column of type `t` (depth first, as
/// in the message), the width its length must be a multiple of (1: any length). Other types are
/// refused: the reader does not need them and cannot vouch for how they decode.
fn buffer_widths(t: &DataType, out: &mut Vec<usize>) -> Result<()> {
    let unsupported = || {
        Error::Schema(format!(
            "the file has a column of type {t}, which hubecon does not read"
        ))
    };
    match t {
        DataType::Null => {}
        DataType::Boolean => out.extend([1, 1]),
        DataType::Utf8 | DataType::Binary => out.extend([1, 4, 1]),
        DataType::LargeUtf8 | DataType::LargeBinary => out.extend([1, 8, 1]),
        DataType::List(f) => {
            out.extend([1, 4]);
            buffer_widths(f.data_type(), out)?;
        }
        DataType::LargeList(f) => {
            out.extend([1, 8]);
            buffer_widths(f.data_type(), out)?;
        }
        DataType::Struct(fields) => {
            out.push(1);
            for f in fields {
                buffer_widths(f.data_type(), out)?;
            }
        }
        DataType::Dictionary(key, _) if is_integer(key) => {
            out.extend([1, key.primitive_width().ok_or_else(unsupported)?]);
        }
        t if t.is_primitive() => out.extend([1, t.primitive_width().ok_or_else(unsupported)?]),
        _ => return Err(unsupported()),
    }
    Ok(())
}

fn meta_value<'a>(metadata: &'a Metadata, key: &str) -> &'a str {
    metadata.get(key).map(|s| s.as_str()).unwrap_or("")
}

/// Reads [`SnapshotMeta`] from the schema metadata; checks the format version first.
fn read_meta(metadata: &Metadata) -> Result<SnapshotMeta> {
    let version_text = metadata.get(META_FORMAT_VERSION).ok_or_else(|| {
        Error::Schema(
            "the schema metadata has no format_version: this Arrow file is not a hubecon snapshot".into(),
        )
    })?;
    let format_version: u32 = version_text
        .trim()
        .parse()
        .map_err(|_| Error::Schema(format!("format_version '{version_text}' is not a whole number")))?;
    if format_version > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            found: format_version,
            supported: FORMAT_VERSION,
        });
    }
    if format_version == 0 {
        return Err(Error::Schema(
            "format_version 0 does not exist (versions start at 1)".into(),
        ));
    }
    let synthetic = match meta_value(metadata, META_SYNTHETIC) {
        "true" => true,
        "false" | "" => false,
        other => {
            return Err(Error::Schema(format!(
                "metadata synthetic is '{other}', not true or false"
            )))
        }
    };
    let repairs = match metadata.get(META_REPAIRS).map(|s| s.trim()) {
        None | Some("") => Vec::new(),
        Some(text) => serde_json::from_str::<Vec<String>>(text)
            .map_err(|e| Error::Schema(format!("metadata repairs is not a JSON array of strings ({e})")))?,
    };
    let count = |key: &str| -> Result<Option<usize>> {
        match metadata.get(key).map(|s| s.trim()) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| Error::Schema(format!("metadata {key} '{text}' is not a whole number"))),
        }
    };
    Ok(SnapshotMeta {
        format_version,
        snapshot_date: meta_value(metadata, META_SNAPSHOT_DATE).to_string(),
        source: meta_value(metadata, META_SOURCE).to_string(),
        synthetic,
        models: count(META_MODELS)?.unwrap_or(0),
        download_rows: count(META_DOWNLOAD_ROWS)?.unwrap_or(0),
        first_week: meta_value(metadata, META_FIRST_WEEK).to_string(),
        last_week: meta_value(metadata, META_LAST_WEEK).to_string(),
        content_hash: meta_value(metadata, META_CONTENT_HASH).to_string(),
        repairs,
        description: meta_value(metadata, META_DESCRIPTION).to_string(),
    })
}

/// After decoding: the counts, week range and hash the metadata states must match the data (when
/// stated); an older or foreign file without them gets them computed.
fn check_meta_against_data(s: &Snapshot, metadata: &Metadata) -> Result<()> {
    let stated = |key: &str| metadata.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(models) = stated(META_MODELS) {
        if models != s.models().to_string() {
            return Err(Error::Invalid(format!(
                "the metadata says {models} models but the file holds {}",
                s.models()
            )));
        }
    }
    if let Some(rows) = stated(META_DOWNLOAD_ROWS) {
        if rows != s.weekly_week.len().to_string() {
            return Err(Error::Invalid(format!(
                "the metadata says {rows} download rows but the file holds {}",
                s.weekly_week.len()
            )));
        }
    }
    if let Some(hash) = stated(META_CONTENT_HASH) {
        if hash != s.meta.content_hash {
            return Err(Error::Invalid(format!(
                "content hash mismatch: the metadata says {hash}, the data gives {} (the file was changed after writing)",
                s.meta.content_hash
            )));
        }
    }
    Ok(())
}

/// Positions of the required columns in the file's schema, after checking their types.
struct ColumnIndex {
    positions: Vec<usize>,
}

fn is_unsigned(t: &DataType) -> bool {
    matches!(
        t,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64
    )
}

fn is_integer(t: &DataType) -> bool {
    is_unsigned(t)
        || matches!(
            t,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
        )
}

fn is_string_dictionary(t: &DataType) -> bool {
    matches!(t, DataType::Dictionary(k, v) if is_integer(k) && matches!(v.as_ref(), DataType::Utf8 | DataType::LargeUtf8))
}

fn list_item(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) => Some(f.data_type()),
        _ => None,
    }
}

fn struct_child<'a>(t: &'a DataType, name: &str) -> Option<&'a DataType> {
    match t {
        DataType::Struct(fields) => fields.iter().find(|f| f.name() == name).map(|f| f.data_type()),
        _ => None,
    }
}

/// The file order of the required columns (the projection handed to the decoder).
const REQUIRED: [&str; 23] = [
    COL_ID,
    COL_AUTHOR,
    COL_CREATED,
    COL_BASES,
    COL_LIKES,
    COL_DOWNLOADS_30D,
    COL_DOWNLOADS_ALL_TIME,
    COL_WEEKLY,
    COL_PARAMS,
    COL_PARAMS_SOURCE,
    COL_FILE_BYTES,
    COL_PIPELINE_TAG,
    COL_LIBRARY,
    COL_LICENSE,
    COL_GATED,
    COL_LANGUAGES,
    COL_INPUT_MODALITIES,
    COL_OUTPUT_MODALITIES,
    COL_ARCHITECTURE,
    COL_TRAINING_METHODS,
    COL_TRAINING_DATA,
    COL_ORG_TYPE,
    COL_COUNTRY,
];

impl ColumnIndex {
    fn check(schema: &Schema) -> Result<ColumnIndex> {
        let mut positions = Vec::with_capacity(REQUIRED.len());
        for name in REQUIRED {
            let (pos, field) = schema.column_with_name(name).ok_or_else(|| {
                Error::Schema(format!(
                    "column '{name}' is missing (expected {})",
                    expected_type(name)
                ))
            })?;
            let t = field.data_type();
            let ok = match name {
                COL_ID => matches!(t, DataType::Utf8 | DataType::LargeUtf8),
                COL_CREATED => matches!(t, DataType::Date32),
                COL_PARAMS => matches!(t, DataType::Float64),
                COL_GATED => matches!(t, DataType::Boolean),
                COL_BASES => list_item(t).is_some_and(|item| {
                    struct_child(item, BASE_MODEL).is_some_and(is_unsigned)
                        && struct_child(item, BASE_RELATION).is_some_and(is_string_dictionary)
                }),
                COL_WEEKLY => list_item(t).is_some_and(|item| {
                    struct_child(item, WEEK).is_some_and(|w| matches!(w, DataType::UInt16))
                        && struct_child(item, WEEK_DOWNLOADS).is_some_and(is_unsigned)
                }),
                n if COUNT_COLUMNS.contains(&n) => is_unsigned(t),
                n if CATEGORICAL_COLUMNS.contains(&n) => is_string_dictionary(t),
                n if MULTI_LABEL_COLUMNS.contains(&n) => list_item(t).is_some_and(is_string_dictionary),
                _ => false,
            };
            if !ok {
                return Err(Error::Schema(format!(
                    "column '{name}' has type {t}; expected {}",
                    expected_type(name)
                )));
            }
            positions.push(pos);
        }
        Ok(ColumnIndex { positions })
    }

    fn projection(&self) -> Vec<usize> {
        self.positions.clone()
    }
}

fn expected_type(name: &str) -> &'static str {
    match name {
        COL_ID => "Utf8",
        COL_CREATED => "Date32",
        COL_PARAMS => "Float64",
        COL_GATED => "Boolean",
        COL_BASES => "List<Struct<model: unsigned integer, relation: Dictionary<integer, Utf8>>>",
        COL_WEEKLY => "List<Struct<week: UInt16, downloads: unsigned integer>>",
        n if COUNT_COLUMNS.contains(&n) => "an unsigned integer (UInt8, UInt16, UInt32 or UInt64)",
        n if CATEGORICAL_COLUMNS.contains(&n) => "Dictionary<integer, Utf8>",
        n if MULTI_LABEL_COLUMNS.contains(&n) => "List<Dictionary<integer, Utf8>>",
        _ => "?",
    }
}

/// The keys of a dictionary array as codes into its values; null keys give `None`.
fn dictionary_keys(array: &dyn Array, column: &str) -> Result<(Vec<Option<u32>>, ArrayRef)> {
    let dict = array
        .as_any_dictionary_opt()
        .ok_or_else(|| Error::Schema(format!("column '{column}' is not dictionary-encoded")))?;
    let values = dict.values().clone();
    let count = values.len();
    let keys = dict.keys();
    macro_rules! keys_of {
        ($t:ty) => {{
            let k = keys.as_primitive::<$t>();
            let mut out = Vec::with_capacity(k.len());
            for (i, key) in k.iter().enumerate() {
                out.push(match key {
                    None => None,
                    Some(key) => {
                        let code = i64::try_from(key)
                            .ok()
                            .filter(|&c| c >= 0 && (c as u64) < count as u64);
                        Some(code.ok_or_else(|| {
                            Error::Invalid(format!("{column}: key at row {i} is outside its dictionary"))
                        })? as u32)
                    }
                });
            }
            out
        }};
    }
    let codes = match keys.data_type() {
        DataType::Int8 => keys_of!(Int8Type),
        DataType::Int16 => keys_of!(Int16Type),
        DataType::Int32 => keys_of!(Int32Type),
        DataType::Int64 => keys_of!(Int64Type),
        DataType::UInt8 => keys_of!(UInt8Type),
        DataType::UInt16 => keys_of!(UInt16Type),
        DataType::UInt32 => keys_of!(UInt32Type),
        DataType::UInt64 => keys_of!(UInt64Type),
        other => {
            return Err(Error::Schema(format!(
                "column '{column}' has dictionary keys of type {other}"
            )))
        }
    };
    Ok((codes, values))
}

/// The strings of a dictionary's values (Utf8 or LargeUtf8, no nulls).
fn dictionary_strings(values: &ArrayRef, column: &str) -> Result<Vec<String>> {
    if values.null_count() > 0 {
        return Err(Error::Invalid(format!(
            "{column}: the dictionary holds a null value"
        )));
    }
    if let Some(s) = values.as_string_opt::<i32>() {
        Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
    } else if let Some(s) = values.as_string_opt::<i64>() {
        Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
    } else {
        Err(Error::Schema(format!(
            "column '{column}': dictionary values are not strings"
        )))
    }
}

/// Collects a dictionary-encoded column over batches. The dictionary of the first batch is kept as
/// it is (unused and repeated values included, so that a snapshot round-trips exactly); a later
/// batch with a different dictionary is merged by value.
#[derive(Default)]
struct DictionaryCollector {
    values: Vec<String>,
    first: Option<ArrayRef>,
    index: Option<HashMap<String, u32>>,
}

impl DictionaryCollector {
    /// Codes (into the collected values) of one batch's dictionary values.
    fn map_batch(&mut self, values: &ArrayRef, column: &str) -> Result<Option<Vec<u32>>> {
        match &self.first {
            None => {
                self.values = dictionary_strings(values, column)?;
                self.first = Some(values.clone());
                Ok(None)
            }
            Some(first) if Arc::ptr_eq(first, values) || first.to_data() == values.to_data() => Ok(None),
            Some(_) => {
                let index = self.index.get_or_insert_with(|| {
                    let mut m = HashMap::new();
                    for (i, v) in self.values.iter().enumerate() {
                        m.entry(v.clone()).or_insert(i as u32);
                    }
                    m
                });
                let mut map = Vec::with_capacity(values.len());
                for v in dictionary_strings(values, column)? {
                    let code = match index.get(&v) {
                        Some(&c) => c,
                        None => {
                            let c = self.values.len() as u32;
                            index.insert(v.clone(), c);
                            self.values.push(v);
                            c
                        }
                    };
                    map.push(code);
                }
                Ok(Some(map))
            }
        }
    }

    /// Appends the codes of a dictionary array (nulls as [`NULL_CODE`]).
    fn append(&mut self, array: &dyn Array, column: &str, out: &mut Vec<u32>) -> Result<()> {
        let (keys, values) = dictionary_keys(array, column)?;
        let map = self.map_batch(&values, column)?;
        for key in keys {
            out.push(match key {
                None => NULL_CODE,
                Some(k) => match &map {
                    None => k,
                    Some(m) => m.get(k as usize).copied().unwrap_or(NULL_CODE),
                },
            });
        }
        Ok(())
    }
}

/// An unsigned integer column as `f64` (null -> NaN).
fn append_unsigned_f64(array: &dyn Array, out: &mut Vec<f64>) {
    macro_rules! push {
        ($t:ty) => {{
            let a = array.as_primitive::<$t>();
            out.extend(a.iter().map(|v| v.map_or(f64::NAN, |v| v as f64)));
        }};
    }
    match array.data_type() {
        DataType::UInt8 => push!(UInt8Type),
        DataType::UInt16 => push!(UInt16Type),
        DataType::UInt32 => push!(UInt32Type),
        DataType::UInt64 => push!(UInt64Type),
        // ColumnIndex::check admits only the four above.
        _ => out.extend(std::iter::repeat_n(f64::NAN, array.len())),
    }
}

/// An unsigned integer array (no nulls) as `u32`, refusing values above `u32::MAX`.
fn append_unsigned_u32(array: &dyn Array, column: &str, out: &mut Vec<u32>) -> Result<()> {
    if array.null_count() > 0 {
        return Err(Error::Invalid(format!("{column}: null values")));
    }
    macro_rules! push {
        ($t:ty) => {{
            let a = array.as_primitive::<$t>();
            for &v in a.values().iter() {
                out.push(
                    u32::try_from(v).map_err(|_| {
                        Error::Invalid(format!("{column}: value {v} is larger than 2^32 - 1"))
                    })?,
                );
            }
        }};
    }
    match array.data_type() {
        DataType::UInt8 => push!(UInt8Type),
        DataType::UInt16 => push!(UInt16Type),
        DataType::UInt32 => push!(UInt32Type),
        DataType::UInt64 => push!(UInt64Type),
        other => {
            return Err(Error::Schema(format!(
                "{column}: type {other} is not an unsigned integer"
            )))
        }
    }
    Ok(())
}

/// A list column's offsets relative to its values array, with nulls read as empty lists.
fn list_ranges(list: &ListArray) -> Vec<(usize, usize)> {
    let offsets = list.value_offsets();
    (0..list.len())
        .map(|i| {
            if list.is_null(i) {
                (0, 0)
            } else {
                let a = offsets.get(i).copied().unwrap_or(0).max(0) as usize;
                let b = offsets.get(i + 1).copied().unwrap_or(0).max(0) as usize;
                (a, b.max(a))
            }
        })
        .collect()
}

fn as_list<'a>(array: &'a dyn Array, column: &str) -> Result<&'a ListArray> {
    array
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::Schema(format!("column '{column}' is not a list")))
}

fn as_struct_child<'a>(s: &'a StructArray, name: &str, column: &str) -> Result<&'a ArrayRef> {
    s.column_by_name(name)
        .ok_or_else(|| Error::Schema(format!("column '{column}' lacks the struct field '{name}'")))
}

struct MultiCollector {
    dict: DictionaryCollector,
    offsets: Vec<u32>,
    codes: Vec<u32>,
}

impl MultiCollector {
    fn new() -> Self {
        MultiCollector {
            dict: DictionaryCollector::default(),
            offsets: vec![0],
            codes: Vec::new(),
        }
    }

    fn append(&mut self, array: &dyn Array, column: &str) -> Result<()> {
        let list = as_list(array, column)?;
        let mut labels = Vec::new();
        self.dict.append(list.values().as_ref(), column, &mut labels)?;
        for (a, b) in list_ranges(list) {
            let part = labels
                .get(a..b)
                .ok_or_else(|| Error::Invalid(format!("{column}: list offsets beyond the labels")))?;
            if part.contains(&NULL_CODE) {
                return Err(Error::Invalid(format!("{column}: a null label in a list")));
            }
            self.codes.extend_from_slice(part);
            self.offsets.push(offset_u32(self.codes.len(), column)?);
        }
        Ok(())
    }

    fn finish(self) -> MultiLabel {
        MultiLabel {
            offsets: self.offsets,
            codes: self.codes,
            values: self.dict.values,
        }
    }
}

fn offset_u32(len: usize, column: &str) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::Invalid(format!("{column}: more than 2^32 - 1 values in all")))
}

/// Accumulates decoded batches into the columns of a [`Snapshot`].
struct SnapshotBuilder {
    s: Snapshot,
    dicts: Vec<DictionaryCollector>,
    multis: Vec<MultiCollector>,
    relation: DictionaryCollector,
    params_source: DictionaryCollector,
    relation_codes: Vec<u32>,
    params_source_codes: Vec<u32>,
    gated: Vec<Option<bool>>,
}

impl SnapshotBuilder {
    /// Reserves from the metadata counts, but never beyond what the buffers can hold (the
    /// counts come from the file and are not trusted).
    fn new(meta: &SnapshotMeta, decompressed_total: u64) -> Self {
        let limit = (decompressed_total / 4) as usize;
        let models = meta.models.min(limit);
        let rows = meta.download_rows.min(limit);
        let mut s = Snapshot {
            id: Strings::new(),
            base_offsets: vec![0],
            weekly_offsets: vec![0],
            ..Default::default()
        };
        s.id.offsets.reserve(models);
        s.created.reserve(models);
        s.weekly_offsets.reserve(models);
        s.weekly_week.reserve(rows);
        s.weekly_downloads.reserve(rows);
        SnapshotBuilder {
            s,
            dicts: (0..8).map(|_| DictionaryCollector::default()).collect(),
            multis: (0..4).map(|_| MultiCollector::new()).collect(),
            relation: DictionaryCollector::default(),
            params_source: DictionaryCollector::default(),
            relation_codes: Vec::new(),
            params_source_codes: Vec::new(),
            gated: Vec::new(),
        }
    }

    fn append(&mut self, batch: &RecordBatch) -> Result<()> {
        // The decoder's projection puts the columns in REQUIRED order.
        let col = |i: usize| -> Result<&ArrayRef> {
            batch.columns().get(i).ok_or_else(|| {
                Error::Schema(format!(
                    "column '{}' is missing in a batch",
                    REQUIRED.get(i).unwrap_or(&"?")
                ))
            })
        };
        let s = &mut self.s;
        let base_row = s.id.len();

        // id
        let ids = col(0)?;
        if ids.null_count() > 0 {
            return Err(Error::Invalid(format!("id: null id near row {base_row}")));
        }
        if let Some(a) = ids.as_string_opt::<i32>() {
            a.iter().for_each(|v| s.id.push(v.unwrap_or("")));
        } else if let Some(a) = ids.as_string_opt::<i64>() {
            a.iter().for_each(|v| s.id.push(v.unwrap_or("")));
        }
        if s.id.data.len() > u32::MAX as usize {
            return Err(Error::Invalid("id: more than 4 GiB of ids".into()));
        }

        // created
        let created = col(2)?
            .as_primitive_opt::<arrow_array::types::Date32Type>()
            .ok_or_else(|| Error::Schema("column 'created' is not Date32".into()))?;
        s.created.extend(created.iter().map(|d| d.unwrap_or(NO_DATE)));

        // bases
        let bases = as_list(col(3)?.as_ref(), COL_BASES)?;
        let items = bases
            .values()
            .as_struct_opt()
            .ok_or_else(|| Error::Schema("bases: list items are not structs".into()))?;
        if items.null_count() > 0 {
            return Err(Error::Invalid("bases: a null base entry".into()));
        }
        let mut models = Vec::new();
        append_unsigned_u32(
            as_struct_child(items, BASE_MODEL, COL_BASES)?.as_ref(),
            "bases.model",
            &mut models,
        )?;
        let mut relation_codes = Vec::new();
        self.relation.append(
            as_struct_child(items, BASE_RELATION, COL_BASES)?.as_ref(),
            "bases.relation",
            &mut relation_codes,
        )?;
        for (a, b) in list_ranges(bases) {
            let m = models
                .get(a..b)
                .ok_or_else(|| Error::Invalid("bases: list offsets beyond the values".into()))?;
            let r = relation_codes
                .get(a..b)
                .ok_or_else(|| Error::Invalid("bases: list offsets beyond the values".into()))?;
            if r.contains(&NULL_CODE) {
                return Err(Error::Invalid("bases.relation: a null relation".into()));
            }
            s.base_model.extend_from_slice(m);
            self.relation_codes.extend_from_slice(r);
            s.base_offsets.push(offset_u32(s.base_model.len(), COL_BASES)?);
        }

        append_unsigned_f64(col(4)?.as_ref(), &mut s.likes);
        append_unsigned_f64(col(5)?.as_ref(), &mut s.downloads_30d);
        append_unsigned_f64(col(6)?.as_ref(), &mut s.downloads_all_time);

        // weekly downloads
        let weekly = as_list(col(7)?.as_ref(), COL_WEEKLY)?;
        let items = weekly
            .values()
            .as_struct_opt()
            .ok_or_else(|| Error::Schema("weekly_downloads: list items are not structs".into()))?;
        let weeks_array = as_struct_child(items, WEEK, COL_WEEKLY)?;
        let weeks = weeks_array
            .as_primitive_opt::<UInt16Type>()
            .ok_or_else(|| Error::Schema("weekly_downloads.week is not UInt16".into()))?;
        if items.null_count() > 0 || weeks.null_count() > 0 {
            return Err(Error::Invalid("weekly_downloads: a null entry or week".into()));
        }
        let mut downloads = Vec::new();
        append_unsigned_u32(
            as_struct_child(items, WEEK_DOWNLOADS, COL_WEEKLY)?.as_ref(),
            "weekly_downloads.downloads",
            &mut downloads,
        )?;
        let weeks = weeks.values();
        for (a, b) in list_ranges(weekly) {
            let w = weeks
                .get(a..b)
                .ok_or_else(|| Error::Invalid("weekly_downloads: list offsets beyond the values".into()))?;
            let d = downloads
                .get(a..b)
                .ok_or_else(|| Error::Invalid("weekly_downloads: list offsets beyond the values".into()))?;
            s.weekly_week.extend_from_slice(w);
            s.weekly_downloads.extend_from_slice(d);
            s.weekly_offsets
                .push(offset_u32(s.weekly_week.len(), COL_WEEKLY)?);
        }

        // params
        let params = col(8)?
            .as_primitive_opt::<arrow_array::types::Float64Type>()
            .ok_or_else(|| Error::Schema("column 'params' is not Float64".into()))?;
        s.params.extend(params.iter().map(|p| p.unwrap_or(f64::NAN)));
        self.params_source
            .append(col(9)?.as_ref(), COL_PARAMS_SOURCE, &mut self.params_source_codes)?;
        append_unsigned_f64(col(10)?.as_ref(), &mut s.file_bytes);

        // gated
        let gated = col(14)?
            .as_boolean_opt()
            .ok_or_else(|| Error::Schema("column 'gated' is not Boolean".into()))?;
        self.gated.extend(gated.iter());

        // Single-valued categoricals, in the order of self.dicts.
        let targets: [(usize, &str, &mut Categorical); 8] = [
            (1, COL_AUTHOR, &mut s.author),
            (11, COL_PIPELINE_TAG, &mut s.pipeline_tag),
            (12, COL_LIBRARY, &mut s.library),
            (13, COL_LICENSE, &mut s.license),
            (18, COL_ARCHITECTURE, &mut s.architecture),
            (20, COL_TRAINING_DATA, &mut s.training_data),
            (21, COL_ORG_TYPE, &mut s.org_type),
            (22, COL_COUNTRY, &mut s.country),
        ];
        for ((i, name, target), collector) in targets.into_iter().zip(self.dicts.iter_mut()) {
            let array = batch
                .columns()
                .get(i)
                .ok_or_else(|| Error::Schema(format!("column '{name}' is missing in a batch")))?;
            collector.append(array.as_ref(), name, &mut target.codes)?;
        }
        for ((i, name), collector) in [
            (15, COL_LANGUAGES),
            (16, COL_INPUT_MODALITIES),
            (17, COL_OUTPUT_MODALITIES),
            (19, COL_TRAINING_METHODS),
        ]
        .into_iter()
        .zip(self.multis.iter_mut())
        {
            let array = batch
                .columns()
                .get(i)
                .ok_or_else(|| Error::Schema(format!("column '{name}' is missing in a batch")))?;
            collector.append(array.as_ref(), name)?;
        }
        Ok(())
    }

    fn finish(self, mut meta: SnapshotMeta) -> Result<Snapshot> {
        let mut s = self.s;
        // Relations and parameter sources: dictionary strings -> enums.
        let relations: Vec<Relation> = self
            .relation
            .values
            .iter()
            .map(|v| {
                Relation::parse(v)
                    .ok_or_else(|| Error::Invalid(format!("bases.relation: unknown relation '{v}'")))
            })
            .collect::<Result<_>>()?;
        s.base_relation = self
            .relation_codes
            .iter()
            .map(|&c| {
                relations
                    .get(c as usize)
                    .copied()
                    .ok_or_else(|| Error::Invalid("bases.relation: a null relation".into()))
            })
            .collect::<Result<_>>()?;
        let sources: Vec<ParamSource> = self
            .params_source
            .values
            .iter()
            .map(|v| {
                ParamSource::parse(v)
                    .ok_or_else(|| Error::Invalid(format!("params_source: unknown source '{v}'")))
            })
            .collect::<Result<_>>()?;
        s.params_source = self
            .params_source_codes
            .iter()
            .map(|&c| sources.get(c as usize).copied().unwrap_or(ParamSource::Unknown))
            .collect();
        s.gated = Categorical::from_options(
            self.gated
                .iter()
                .map(|g| g.map(|t| if t { "true" } else { "false" })),
        );

        let mut dicts = self.dicts.into_iter();
        for target in [
            &mut s.author,
            &mut s.pipeline_tag,
            &mut s.library,
            &mut s.license,
            &mut s.architecture,
            &mut s.training_data,
            &mut s.org_type,
            &mut s.country,
        ] {
            if let Some(d) = dicts.next() {
                target.values = d.values;
            }
        }
        let mut multis = self.multis.into_iter();
        for target in [
            &mut s.languages,
            &mut s.input_modalities,
            &mut s.output_modalities,
            &mut s.training_methods,
        ] {
            if let Some(m) = multis.next() {
                *target = m.finish();
            }
        }
        // What follows from the data is recomputed (and compared with the file by the caller).
        meta.models = s.models();
        meta.download_rows = s.weekly_week.len();
        if meta.first_week.is_empty() && meta.last_week.is_empty() {
            let (first, last) = week_range(&s.weekly_week);
            meta.first_week = first;
            meta.last_week = last;
        }
        s.meta = meta;
        // Lengths must agree before the hash reads the columns.
        validate(&s)?;
        s.meta.content_hash = content_hash(&s);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_width_follows_cardinality() {
        assert_eq!(KeyWidth::for_values(0), KeyWidth::I8);
        assert_eq!(KeyWidth::for_values(128), KeyWidth::I8);
        assert_eq!(KeyWidth::for_values(129), KeyWidth::I16);
        assert_eq!(KeyWidth::for_values(32_768), KeyWidth::I16);
        assert_eq!(KeyWidth::for_values(32_769), KeyWidth::I32);
    }

    #[test]
    fn unsigned_width_follows_maximum() {
        assert_eq!(UWidth::for_max(255), UWidth::U8);
        assert_eq!(UWidth::for_max(256), UWidth::U16);
        assert_eq!(UWidth::for_max(65_536), UWidth::U32);
        assert_eq!(UWidth::for_max(1 << 32), UWidth::U64);
    }

    #[test]
    fn word_hasher_matches_hand_computation() {
        // One word 0: (offset ^ 0) * prime mod 2^64, then the finaliser, done by hand with Python
        // integers: hex((0xcbf29ce484222325 * 0x100000001b3) % 2**64) = 0xaf63bd4c8601b7df.
        let mut h = WordHasher::new();
        h.word(0);
        assert_eq!(h.0, 0xaf63_bd4c_8601_b7df);
    }

    #[test]
    fn empty_snapshot_round_trips() {
        let s = Snapshot {
            id: Strings::new(),
            base_offsets: vec![0],
            weekly_offsets: vec![0],
            languages: MultiLabel::empty(0),
            input_modalities: MultiLabel::empty(0),
            output_modalities: MultiLabel::empty(0),
            training_methods: MultiLabel::empty(0),
            ..Default::default()
        };
        let bytes = write(&s).expect("write");
        let back = read(&bytes).expect("read");
        assert_eq!(back.models(), 0);
        assert_eq!(back.meta.content_hash, content_hash(&s));
    }
}
