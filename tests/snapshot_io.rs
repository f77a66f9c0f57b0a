//! The snapshot file: round trips, every kind of bad bytes, and readability by pyarrow.
//!
//! Expected values are written out by hand here; the content hash of the tiny snapshot comes from
//! an independent Python implementation of the spec (tests/reference/content_hash.py).

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, ListArray, RecordBatch, StructArray, UInt32Array};
use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};

use hubecon::snapshot::{
    Categorical, MultiLabel, ParamSource, Relation, Snapshot, SnapshotMeta, Strings, NULL_CODE,
};
use hubecon::snapshot_io::{self, Codec, WriteOptions};
use hubecon::time::{days_from_civil, NO_DATE};
use hubecon::Error;

/// Four models with every field set, nulls where a field can be null:
/// 0 `org/base` (no base), 1 `org/ft` (finetune of 0), 2 `alice/quant` (quantized of 1),
/// 3 `bob/merge` (merge of 0 and 1).
fn tiny() -> Snapshot {
    let nan = f64::NAN;
    Snapshot {
        meta: SnapshotMeta {
            format_version: 1,
            snapshot_date: "2023-03-01".into(),
            source: "test".into(),
            synthetic: false,
            repairs: vec![
                "2 weekly decreases set to 0".into(),
                "1 dangling base dropped".into(),
            ],
            description: "hand-built test snapshot".into(),
            ..Default::default()
        },
        id: ["org/base", "org/ft", "alice/quant", "bob/merge"]
            .into_iter()
            .collect::<Strings>(),
        author: Categorical::from_options([Some("org"), Some("org"), Some("alice"), None]),
        created: vec![
            days_from_civil(2021, 11, 2),
            days_from_civil(2023, 5, 17),
            NO_DATE,
            19_500,
        ],
        base_offsets: vec![0, 0, 1, 2, 4],
        base_model: vec![0, 1, 0, 1],
        base_relation: vec![
            Relation::Finetune,
            Relation::Quantized,
            Relation::Merge,
            Relation::Merge,
        ],
        likes: vec![10.0, nan, 0.0, 300.0],
        downloads_30d: vec![5_000_000_000.0, 3.0, nan, 0.0],
        downloads_all_time: vec![nan, nan, nan, 65_535.0],
        weekly_offsets: vec![0, 3, 3, 4, 4],
        weekly_week: vec![1200, 1201, 1205, 1203],
        weekly_downloads: vec![5, 70_000, 0, 1],
        params: vec![7.0e9, nan, 7.0e9, 1.5],
        params_source: vec![
            ParamSource::Safetensors,
            ParamSource::Unknown,
            ParamSource::Estimated,
            ParamSource::Safetensors,
        ],
        file_bytes: vec![14_000_000_000.0, nan, 4_000_000_000.0, 3.0],
        pipeline_tag: Categorical::from_options([
            Some("text-generation"),
            None,
            Some("text-generation"),
            None,
        ]),
        library: Categorical::from_options([Some("transformers"), Some("peft"), Some("gguf"), None]),
        license: Categorical::from_options([Some("apache-2.0"), Some("mit"), None, Some("apache-2.0")]),
        gated: Categorical::from_options([Some("false"), Some("true"), None, Some("false")]),
        languages: MultiLabel::from_lists([vec!["en", "fr"], vec![], vec!["en"], vec!["de"]]),
        input_modalities: MultiLabel::from_lists([vec!["text"], vec!["text", "image"], vec![], vec!["text"]]),
        output_modalities: MultiLabel::from_lists([vec!["text"], vec!["text"], vec![], vec![]]),
        architecture: Categorical::from_options([Some("llama"), Some("llama"), None, Some("mistral")]),
        training_methods: MultiLabel::from_lists([vec!["pretraining"], vec!["sft", "dpo"], vec![], vec![]]),
        training_data: Categorical::from_options([Some("open"), None, None, Some("closed")]),
        org_type: Categorical::from_options([Some("big tech"), Some("big tech"), Some("individual"), None]),
        country: Categorical {
            // An unused value and a value order that is not first-appearance: both must survive.
            codes: vec![1, 1, NULL_CODE, 0],
            values: vec!["France".into(), "United States".into(), "Unused".into()],
        },
    }
}

fn expected_after_write(s: &Snapshot) -> Snapshot {
    let mut e = s.clone();
    e.meta = snapshot_io::completed_meta(s);
    e
}

#[test]
fn tiny_snapshot_round_trips_exactly() {
    let s = tiny();
    s.validate().expect("the tiny snapshot is valid");
    let bytes = s.to_ipc().expect("write");
    let back = Snapshot::from_ipc(&bytes).expect("read");
    // NaN != NaN, so compare the NaN pattern and the rest separately.
    let mut expected = expected_after_write(&s);
    assert_nan_equal(&back.likes, &expected.likes);
    assert_nan_equal(&back.downloads_30d, &expected.downloads_30d);
    assert_nan_equal(&back.downloads_all_time, &expected.downloads_all_time);
    assert_nan_equal(&back.params, &expected.params);
    assert_nan_equal(&back.file_bytes, &expected.file_bytes);
    let mut back_cmp = back.clone();
    for v in [
        &mut back_cmp.likes,
        &mut back_cmp.downloads_30d,
        &mut back_cmp.downloads_all_time,
        &mut back_cmp.params,
        &mut back_cmp.file_bytes,
        &mut expected.likes,
        &mut expected.downloads_30d,
        &mut expected.downloads_all_time,
        &mut expected.params,
        &mut expected.file_bytes,
    ] {
        v.iter_mut().filter(|x| x.is_nan()).for_each(|x| *x = -1.0);
    }
    assert_eq!(back_cmp, expected);

    // The metadata, worked out by hand: week 1200 is Monday 2023-01-02, week 1205 is 2023-02-06.
    let m = &back.meta;
    assert_eq!(m.format_version, 1);
    assert_eq!(m.models, 4);
    assert_eq!(m.download_rows, 4);
    assert_eq!(m.first_week, "2023-01-02");
    assert_eq!(m.last_week, "2023-02-06");
    assert_eq!(m.source, "test");
    assert_eq!(m.snapshot_date, "2023-03-01");
    assert!(!m.synthetic);
    assert_eq!(
        m.repairs,
        vec!["2 weekly decreases set to 0", "1 dangling base dropped"]
    );
    assert_eq!(m.description, "hand-built test snapshot");
}

fn assert_nan_equal(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            x.is_nan() == y.is_nan() && (x.is_nan() || x.to_bits() == y.to_bits()),
            "{x} vs {y}"
        );
    }
}

/// From tests/reference/content_hash.py (an independent implementation of the hash in
/// docs/snapshot-format.md), run as `python3 tests/reference/content_hash.py`.
const TINY_CONTENT_HASH: &str = include_str!("reference/tiny_content_hash.txt");

#[test]
fn content_hash_matches_the_python_reference() {
    assert_eq!(snapshot_io::content_hash(&tiny()), TINY_CONTENT_HASH.trim());
}

#[test]
fn content_hash_changes_with_any_value() {
    let base = snapshot_io::content_hash(&tiny());
    let mut s = tiny();
    s.weekly_downloads[1] += 1;
    assert_ne!(snapshot_io::content_hash(&s), base);
    let mut s = tiny();
    s.likes[1] = 0.0; // null -> 0
    assert_ne!(snapshot_io::content_hash(&s), base);
    let mut s = tiny();
    s.country.values[2] = "Unused!".into();
    assert_ne!(snapshot_io::content_hash(&s), base);
}

#[test]
fn same_data_and_hash_whatever_the_codec_and_batch_size() {
    let s = tiny();
    let reference = snapshot_io::content_hash(&s);
    let mut sizes = Vec::new();
    for codec in [Codec::Zstd(3), Codec::Zstd(19), Codec::Lz4, Codec::Uncompressed] {
        for batch_models in [1, 3, 1000] {
            let bytes =
                snapshot_io::write_with_options(&s, WriteOptions { codec, batch_models }).expect("write");
            let back = Snapshot::from_ipc(&bytes).expect("read");
            assert_eq!(
                back.meta.content_hash, reference,
                "{codec:?} batch {batch_models}"
            );
            assert_eq!(back.id, s.id);
            assert_eq!(back.country, s.country);
            assert_eq!(back.weekly_week, s.weekly_week);
            assert_eq!(back.base_model, s.base_model);
            assert_eq!(back.languages, s.languages);
            sizes.push(bytes.len());
        }
    }
    // The files do differ (so the loop above did exercise different encodings).
    sizes.dedup();
    assert!(sizes.len() > 1);
}

#[test]
fn synthetic_snapshot_round_trips() {
    let s = hubecon::import::synthetic::generate(3_000, 11).expect("generate");
    let bytes = snapshot_io::write_with_options(
        &s,
        WriteOptions {
            codec: Codec::Zstd(3),
            batch_models: 1_000,
        },
    )
    .expect("write");
    let back = Snapshot::from_ipc(&bytes).expect("read");
    assert_eq!(back.meta.content_hash, snapshot_io::content_hash(&s));
    assert_eq!(back.id, s.id);
    assert_eq!(back.weekly_offsets, s.weekly_offsets);
    assert_eq!(back.weekly_downloads, s.weekly_downloads);
    assert_eq!(back.author, s.author);
    assert_eq!(back.base_relation, s.base_relation);
}

// ----- bad bytes -------------------------------------------------------------------------------

fn not_arrow(bytes: &[u8]) -> String {
    match Snapshot::from_ipc(bytes) {
        Err(Error::NotArrow(m)) => m,
        other => panic!("expected NotArrow, got {other:?}"),
    }
}

#[test]
fn empty_and_tiny_inputs_are_not_arrow() {
    assert!(not_arrow(&[]).contains("too short"));
    assert!(not_arrow(b"ARROW1").contains("too short"));
    assert!(not_arrow(b"hello, this is not a snapshot at all").contains("magic"));
}

#[test]
fn truncated_files_are_not_arrow() {
    let bytes = tiny().to_ipc().expect("write");
    for cut in [
        1,
        8,
        20,
        bytes.len() / 4,
        bytes.len() / 2,
        bytes.len() - 11,
        bytes.len() - 1,
    ] {
        let m = not_arrow(&bytes[..cut]);
        assert!(
            m.contains("too short") || m.contains("truncated"),
            "cut at {cut}: {m}"
        );
    }
}

#[test]
fn wrong_magic_is_not_arrow() {
    let mut bytes = tiny().to_ipc().expect("write");
    bytes[0] = b'X';
    assert!(not_arrow(&bytes).contains("start with the Arrow magic"));
    let mut bytes = tiny().to_ipc().expect("write");
    let n = bytes.len();
    bytes[n - 1] = b'X';
    assert!(not_arrow(&bytes).contains("end with the Arrow magic"));
    let mut parquet = b"PAR1".to_vec();
    parquet.extend_from_slice(&[0u8; 40]);
    parquet.extend_from_slice(b"PAR1");
    assert!(not_arrow(&parquet).contains("Parquet"));
}

#[test]
fn corrupt_footer_length_is_not_arrow() {
    let mut bytes = tiny().to_ipc().expect("write");
    let n = bytes.len();
    bytes[n - 10..n - 6].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(not_arrow(&bytes).contains("footer length"));
    bytes[n - 10..n - 6].copy_from_slice(&(-5i32).to_le_bytes());
    assert!(not_arrow(&bytes).contains("footer length"));
}

/// Reads a snapshot file with arrow, lets `edit` change the schema and the columns of every batch,
/// and writes the result with arrow (uncompressed).
fn rewrite(bytes: &[u8], edit: impl Fn(&Schema, Vec<ArrayRef>) -> (Schema, Vec<ArrayRef>)) -> Vec<u8> {
    let reader = FileReader::try_new(std::io::Cursor::new(bytes.to_vec()), None).expect("arrow reads it");
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
    let mut out = Vec::new();
    let mut writer: Option<FileWriter<&mut Vec<u8>>> = None;
    let mut edited = Vec::new();
    for batch in batches {
        let (new_schema, columns) = edit(&schema, batch.columns().to_vec());
        let new_schema = Arc::new(new_schema);
        edited.push(RecordBatch::try_new(new_schema, columns).expect("edited batch"));
    }
    {
        let first_schema = edited.first().map(|b| b.schema()).expect("one batch");
        let w = writer.get_or_insert(FileWriter::try_new(&mut out, &first_schema).expect("writer"));
        for b in &edited {
            w.write(b).expect("write batch");
        }
        w.finish().expect("finish");
    }
    drop(writer);
    out
}

fn replace_column(
    schema: &Schema,
    columns: Vec<ArrayRef>,
    name: &str,
    array: ArrayRef,
) -> (Schema, Vec<ArrayRef>) {
    let i = schema.index_of(name).expect("column exists");
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = Field::new(name, array.data_type().clone(), true);
    let mut columns = columns;
    columns[i] = array;
    (
        Schema::new_with_metadata(fields, schema.metadata().clone()),
        columns,
    )
}

fn schema_error(bytes: &[u8]) -> String {
    match Snapshot::from_ipc(bytes) {
        Err(Error::Schema(m)) => m,
        other => panic!("expected Schema, got {other:?}"),
    }
}

fn invalid_error(bytes: &[u8]) -> String {
    match Snapshot::from_ipc(bytes) {
        Err(Error::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_column_of_the_wrong_type_is_a_schema_error() {
    let bytes = tiny().to_ipc().expect("write");
    let bad = rewrite(&bytes, |schema, columns| {
        let n = columns[0].len();
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0; n]));
        replace_column(schema, columns, "likes", floats)
    });
    let m = schema_error(&bad);
    assert!(
        m.contains("'likes'") && m.contains("Float64") && m.contains("unsigned integer"),
        "{m}"
    );
}

#[test]
fn a_missing_column_is_a_schema_error() {
    let bytes = tiny().to_ipc().expect("write");
    let bad = rewrite(&bytes, |schema, mut columns| {
        let i = schema.index_of("country").expect("country");
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.remove(i);
        columns.remove(i);
        (
            Schema::new_with_metadata(fields, schema.metadata().clone()),
            columns,
        )
    });
    let m = schema_error(&bad);
    assert!(m.contains("'country'") && m.contains("missing"), "{m}");
}

#[test]
fn a_plain_arrow_file_is_not_a_snapshot() {
    let batch =
        RecordBatch::try_from_iter([("x", Arc::new(UInt32Array::from(vec![1, 2])) as ArrayRef)]).unwrap();
    let mut out = Vec::new();
    let mut w = FileWriter::try_new(&mut out, &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    drop(w);
    assert!(schema_error(&out).contains("format_version"));
}

#[test]
fn a_newer_format_version_is_refused() {
    let bytes = tiny().to_ipc().expect("write");
    let newer = rewrite(&bytes, |schema, columns| {
        let mut metadata = schema.metadata().clone();
        metadata.insert("format_version", "2");
        (
            Schema::new_with_metadata(schema.fields().clone(), metadata),
            columns,
        )
    });
    match Snapshot::from_ipc(&newer) {
        Err(Error::NewerFormat { found, supported }) => {
            assert_eq!((found, supported), (2, 1));
        }
        other => panic!("expected NewerFormat, got {other:?}"),
    }
}

/// Replaces the base model indexes (in file order) of the tiny snapshot, keeping the lists.
fn with_base_models(bytes: &[u8], models: Vec<u32>) -> Vec<u8> {
    rewrite(bytes, move |schema, columns| {
        let i = schema.index_of("bases").expect("bases");
        let list = columns[i].as_any().downcast_ref::<ListArray>().expect("list");
        let items = list
            .values()
            .as_any()
            .downcast_ref::<StructArray>()
            .expect("struct");
        let (fields, mut children, nulls) = items.clone().into_parts();
        children[0] = Arc::new(UInt32Array::from(models.clone()));
        let items = StructArray::try_new(fields, children, nulls).expect("struct");
        let DataType::List(item_field) = list.data_type().clone() else {
            panic!("bases is a list")
        };
        let new =
            ListArray::try_new(item_field, list.offsets().clone(), Arc::new(items), None).expect("list");
        replace_column(schema, columns, "bases", Arc::new(new))
    })
}

#[test]
fn an_out_of_range_base_index_is_invalid() {
    let bytes = tiny().to_ipc().expect("write");
    let bad = with_base_models(&bytes, vec![0, 1, 0, 99]);
    let m = invalid_error(&bad);
    assert!(
        m.contains("99") && m.contains("out of range") && m.contains("bob/merge"),
        "{m}"
    );
}

#[test]
fn a_lineage_cycle_is_invalid() {
    // Model 1 (org/ft) gets base 2 (alice/quant), whose base is 1: a two-model cycle.
    let bytes = tiny().to_ipc().expect("write");
    let bad = with_base_models(&bytes, vec![2, 1, 0, 1]);
    let m = invalid_error(&bad);
    assert!(
        m.contains("cycle") && m.contains("org/ft") && m.contains("alice/quant"),
        "{m}"
    );
}

#[test]
fn changed_values_break_the_content_hash() {
    let bytes = tiny().to_ipc().expect("write");
    // Same structure, one finetune edge re-pointed to a valid, acyclic base: only the hash can tell.
    let bad = with_base_models(&bytes, vec![0, 0, 0, 1]);
    let m = invalid_error(&bad);
    assert!(m.contains("content hash"), "{m}");
}

// ----- validate() on in-memory snapshots --------------------------------------------------------

fn invalid(s: &Snapshot) -> String {
    match s.validate() {
        Err(Error::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn validate_names_the_column_and_the_model() {
    let mut s = tiny();
    s.base_model[0] = 1; // org/ft becomes its own base
    let m = invalid(&s);
    assert!(m.contains("org/ft") && m.contains("own base"), "{m}");

    let mut s = tiny();
    s.weekly_week[2] = 1201; // 1200, 1201, 1201
    let m = invalid(&s);
    assert!(m.contains("weekly_downloads") && m.contains("org/base"), "{m}");

    let mut s = tiny();
    s.license.codes[2] = 7;
    let m = invalid(&s);
    assert!(m.contains("license") && m.contains("alice/quant"), "{m}");

    let mut s = tiny();
    s.base_offsets[2] = 0;
    s.base_offsets[1] = 1;
    let m = invalid(&s);
    assert!(m.contains("bases") && m.contains("decrease"), "{m}");

    let mut s = tiny();
    s.likes[3] = 2.5;
    let m = invalid(&s);
    assert!(m.contains("likes") && m.contains("bob/merge"), "{m}");

    let mut s = tiny();
    s.created.pop();
    assert!(invalid(&s).contains("created"));

    let mut s = tiny();
    s.gated = Categorical::from_options([Some("auto"), None, None, None]);
    assert!(invalid(&s).contains("gated"));

    // And the writer refuses what validate refuses.
    assert!(matches!(s.to_ipc(), Err(Error::Invalid(_))));
}

#[test]
fn a_long_chain_is_checked_without_recursion() {
    let n = 200_000;
    let mut s = Snapshot {
        id: (0..n).map(|i| format!("u/m{i}")).collect(),
        author: Categorical::nulls(n),
        created: vec![NO_DATE; n],
        base_offsets: (0..=n as u32).map(|i| i.saturating_sub(1)).collect(),
        base_model: (0..n as u32 - 1).collect(),
        base_relation: vec![Relation::Finetune; n - 1],
        likes: vec![f64::NAN; n],
        downloads_30d: vec![f64::NAN; n],
        downloads_all_time: vec![f64::NAN; n],
        weekly_offsets: vec![0; n + 1],
        params: vec![f64::NAN; n],
        params_source: vec![ParamSource::Unknown; n],
        file_bytes: vec![f64::NAN; n],
        pipeline_tag: Categorical::nulls(n),
        library: Categorical::nulls(n),
        license: Categorical::nulls(n),
        gated: Categorical::nulls(n),
        languages: MultiLabel::empty(n),
        input_modalities: MultiLabel::empty(n),
        output_modalities: MultiLabel::empty(n),
        architecture: Categorical::nulls(n),
        training_methods: MultiLabel::empty(n),
        training_data: Categorical::nulls(n),
        org_type: Categorical::nulls(n),
        country: Categorical::nulls(n),
        ..Default::default()
    };
    s.validate().expect("a chain is acyclic");
    // Closing the chain into one big cycle: model 0 gets base n-1.
    s.base_offsets = (0..=n as u32).collect();
    s.base_model = std::iter::once(n as u32 - 1).chain(0..n as u32 - 1).collect();
    s.base_relation = vec![Relation::Finetune; n];
    let m = invalid(&s);
    assert!(m.contains("cycle") && m.contains("200000 models"), "{m}");
}

// ----- other Arrow implementations --------------------------------------------------------------

#[test]
fn pyarrow_reads_the_file() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pyarrow"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("skipped: python3 with pyarrow is not available");
        return;
    }
    let dir = std::env::temp_dir().join(format!("hubecon-pyarrow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("tiny.arrow");
    std::fs::write(&path, tiny().to_ipc().expect("write")).expect("write file");
    let rewritten = dir.join("tiny-pyarrow-lz4.arrow");
    let script = "import sys, pyarrow as pa\n\
t = pa.ipc.open_file(sys.argv[1]).read_all()\n\
m = t.schema.metadata\n\
print(t.num_rows, m[b'models'].decode(), m[b'format_version'].decode())\n\
print(t.column('id').to_pylist())\n\
print(t.column('bases').to_pylist()[3])\n\
print(t.column('weekly_downloads').to_pylist()[0])\n\
print(t.column('likes').to_pylist(), t.column('gated').to_pylist())\n\
print(t.column('country').to_pylist(), t.column('languages').to_pylist()[0])\n\
opts = pa.ipc.IpcWriteOptions(compression='lz4')\n\
with pa.ipc.new_file(sys.argv[2], t.schema, options=opts) as w:\n    w.write_table(t, max_chunksize=3)\n";
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            path.to_str().expect("utf-8 path"),
            rewritten.to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("run python3");
    let from_pyarrow = std::fs::read(&rewritten);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // And the file pyarrow wrote back (lz4, batches of 3 rows) reads as the same data.
    let back = Snapshot::from_ipc(&from_pyarrow.expect("pyarrow wrote a file")).expect("read pyarrow's file");
    assert_eq!(back.meta.content_hash, TINY_CONTENT_HASH.trim());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "4 4 1");
    assert_eq!(lines[1], "['org/base', 'org/ft', 'alice/quant', 'bob/merge']");
    assert_eq!(
        lines[2],
        "[{'model': 0, 'relation': 'merge'}, {'model': 1, 'relation': 'merge'}]"
    );
    assert_eq!(
        lines[3],
        "[{'week': 1200, 'downloads': 5}, {'week': 1201, 'downloads': 70000}, {'week': 1205, 'downloads': 0}]"
    );
    assert_eq!(lines[4], "[10, None, 0, 300] [False, True, None, False]");
    assert_eq!(
        lines[5],
        "['United States', 'United States', None, 'France'] ['en', 'fr']"
    );
}

/// Writes the seed corpus of the fuzz target (not a test):
/// `HUBECON_FUZZ_SEEDS=fuzz/corpus/from_ipc cargo test --test snapshot_io write_fuzz_seeds -- --ignored`
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("HUBECON_FUZZ_SEEDS") else {
        eprintln!("set HUBECON_FUZZ_SEEDS to a directory");
        return;
    };
    let tiny = tiny();
    let synthetic = hubecon::import::synthetic::generate(40, 3).expect("generate");
    let seeds = [
        ("tiny-zstd", &tiny, Codec::Zstd(3), 1000),
        ("tiny-lz4-batch1", &tiny, Codec::Lz4, 1),
        ("tiny-plain", &tiny, Codec::Uncompressed, 2),
        ("synthetic40-zstd", &synthetic, Codec::Zstd(3), 16),
        ("synthetic40-plain", &synthetic, Codec::Uncompressed, 1000),
    ];
    for (name, s, codec, batch_models) in seeds {
        let bytes = snapshot_io::write_with_options(s, WriteOptions { codec, batch_models }).expect("write");
        std::fs::write(
            std::path::Path::new(&dir).join(format!("seed-{name}.arrow")),
            bytes,
        )
        .expect("write seed");
    }
}

/// Inputs that once made arrow panic inside `from_ipc` (found by the fuzz target); each must now be
/// an error.
#[test]
fn fuzz_regressions_are_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(Snapshot::from_ipc(&bytes).is_err(), "{} loads", path.display());
        seen += 1;
    }
    assert!(seen > 0);
}
