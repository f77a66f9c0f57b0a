//! The Parquet importers (Economies release, Hub Stats) on small files written here with the
//! parquet crate's ArrowWriter in the sources' schemas. Expected values are worked out by hand in
//! the comments.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Date32Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray, TimestampMillisecondArray, TimestampSecondArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema};
use hubecon::snapshot::{ParamSource, Relation, Snapshot};
use hubecon::time::{days_from_civil, week_of_day};
use parquet::arrow::ArrowWriter;

fn temp_path(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("hubecon-import-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

fn write(name: &str, columns: Vec<(&str, ArrayRef)>) -> String {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|c| c.1).collect(),
    )
    .unwrap();
    let path = temp_path(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

fn strs(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn day(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

fn row(s: &Snapshot, id: &str) -> usize {
    s.id.iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn weekly(s: &Snapshot, id: &str) -> Vec<(i32, u32)> {
    let (w, d) = s.weekly(row(s, id));
    w.iter().map(|&w| w as i32).zip(d.iter().copied()).collect()
}

fn week(y: i32, m: u32, d: u32) -> i32 {
    week_of_day(day(y, m, d))
}

fn economies_import(path: &str) -> hubecon::Result<Snapshot> {
    hubecon::import::build("economies", &[("input".into(), path.into())])
}

// --- Economies ------------------------------------------------------------------------------

/// Rows of the Economies fixture: (model, time, created, downloadsAllTime, derived_from).
type EconomiesRow = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    Option<&'static str>,
);
const ECONOMIES: [EconomiesRow; 11] = [
    ("a/base", "2024-01-08", "2024-01-03", 100, None),
    ("a/base", "2024-01-15", "2024-01-03", 150, None),
    ("a/base", "2024-01-15", "2024-01-03", 140, None), // repeated time: 150 kept
    ("a/base", "2024-01-22", "2024-01-03", 150, None),
    ("a/base", "2024-02-12", "2024-01-03", 450, None), // 3-week gap
    ("b/ft", "2024-01-15", "2024-01-10", 20, Some("a/base")),
    ("b/ft", "2024-01-22", "2024-01-10", 70, Some("a/base")),
    ("b/ft", "2024-01-29", "2024-01-10", 10, Some("a/base")), // reset: 10 < 70 / 2
    (
        "c/orphan",
        "2024-01-08",
        "2023-06-01",
        5000,
        Some("['gone/model']"),
    ), // dangling base
    (
        "c/orphan",
        "2024-01-15",
        "2023-06-01",
        5100,
        Some("['gone/model']"),
    ),
    (
        "c/orphan",
        "2024-01-22",
        "2023-06-01",
        5050,
        Some("['gone/model']"),
    ), // decrease
];

fn economies_columns(time_as_timestamp: bool) -> Vec<(&'static str, ArrayRef)> {
    let col = |f: &dyn Fn(&EconomiesRow) -> Option<&'static str>| -> ArrayRef {
        strs(&ECONOMIES.iter().map(f).collect::<Vec<_>>())
    };
    let to_day = |s: &str| hubecon::time::parse_date(s).unwrap();
    let time: ArrayRef = if time_as_timestamp {
        Arc::new(TimestampSecondArray::from(
            ECONOMIES
                .iter()
                .map(|r| to_day(r.1) as i64 * 86_400 + 3_600)
                .collect::<Vec<_>>(),
        ))
    } else {
        col(&|r| Some(r.1))
    };
    let created: ArrayRef = if time_as_timestamp {
        Arc::new(Date32Array::from(
            ECONOMIES.iter().map(|r| to_day(r.2)).collect::<Vec<_>>(),
        ))
    } else {
        Arc::new(
            TimestampMicrosecondArray::from(
                ECONOMIES
                    .iter()
                    .map(|r| to_day(r.2) as i64 * 86_400_000_000 + 1)
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        )
    };
    vec![
        ("_id", col(&|_| Some("0123abcd"))),
        ("model", col(&|r| Some(r.0))),
        ("author", col(&|r| r.0.split('/').next())),
        ("time", time),
        ("created", created),
        (
            "downloadsAllTime",
            Arc::new(Int64Array::from(
                ECONOMIES.iter().map(|r| r.3).collect::<Vec<_>>(),
            )),
        ),
        (
            "org_type",
            col(&|r| if r.0 == "a/base" { Some("Big Tech") } else { None }),
        ),
        (
            "org_country_single",
            col(&|r| if r.0 == "a/base" { Some("USA") } else { None }),
        ),
        ("merged_derived_from", col(&|r| r.4)),
        (
            "merged_languages",
            col(&|r| if r.0 == "a/base" { Some("en, zh") } else { None }),
        ),
        (
            "merged_modality",
            col(&|r| {
                if r.0 == "a/base" {
                    Some("Text → Text")
                } else {
                    None
                }
            }),
        ),
    ]
}

#[test]
fn economies_weekly_history_from_cumulative_counts() {
    for (k, as_timestamp) in [false, true].into_iter().enumerate() {
        let path = write(&format!("economies-{k}.parquet"), economies_columns(as_timestamp));
        let s = economies_import(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.models(), 3);
        assert_eq!(s.meta.source, "economies");
        assert!(!s.meta.synthetic);
        assert_eq!(s.meta.snapshot_date, "2024-02-12");
        assert_eq!(s.meta.first_week, "2024-01-01");
        assert_eq!(s.meta.last_week, "2024-02-05");
        // a/base: first count 100 (created 5 days before 01-08) in the week of 01-01; +50 in the
        // week of 01-08; +0; then +300 over the 3 weeks 01-22, 01-29, 02-05.
        assert_eq!(
            weekly(&s, "a/base"),
            vec![
                (week(2024, 1, 1), 100),
                (week(2024, 1, 8), 50),
                (week(2024, 1, 22), 100),
                (week(2024, 1, 29), 100),
                (week(2024, 2, 5), 100)
            ]
        );
        // b/ft: 20 (created 01-10) in the week of 01-08; +50 in the week of 01-15; reset: 10.
        assert_eq!(
            weekly(&s, "b/ft"),
            vec![
                (week(2024, 1, 8), 20),
                (week(2024, 1, 15), 50),
                (week(2024, 1, 22), 10)
            ]
        );
        // c/orphan: created long before its first snapshot: 5000 not in weeks; +100; decrease: 0.
        assert_eq!(weekly(&s, "c/orphan"), vec![(week(2024, 1, 8), 100)]);
        let (a, b, c) = (row(&s, "a/base"), row(&s, "b/ft"), row(&s, "c/orphan"));
        assert_eq!(s.downloads_all_time[a], 450.0);
        assert_eq!(s.downloads_all_time[b], 80.0);
        assert_eq!(s.downloads_all_time[c], 5100.0);
        // 30 days ending 02-12 start on 01-14: one day of the week of 01-08 counts (1/7).
        assert_eq!(s.downloads_30d[a], (50.0f64 / 7.0 + 300.0).round()); // 307
        assert_eq!(s.downloads_30d[b], (20.0f64 / 7.0 + 60.0).round()); // 63
        assert_eq!(s.downloads_30d[c], (100.0f64 / 7.0).round()); // 14
        assert_eq!(s.created[a], day(2024, 1, 3));
        assert_eq!(s.author.get(b), Some("b"));
        assert_eq!(s.org_type.get(a), Some("Big Tech"));
        assert_eq!(s.country.get(a), Some("USA"));
        assert_eq!(s.country.get(b), None);
        let labels = |m: &hubecon::snapshot::MultiLabel, i: usize| -> Vec<String> {
            m.labels(i)
                .iter()
                .map(|&c| m.values[c as usize].clone())
                .collect()
        };
        assert_eq!(labels(&s.languages, a), vec!["en", "zh"]);
        assert_eq!(labels(&s.input_modalities, a), vec!["text"]);
        assert_eq!(labels(&s.output_modalities, a), vec!["text"]);
        assert_eq!(s.bases(b), (&[a as u32][..], &[Relation::Other][..]));
        assert!(s.bases(c).0.is_empty());
        let expected = [
            "1 repeated (model, time) rows",
            "1 gaps of missing weeks",
            "1 counter resets",
            "1 decreases of downloadsAllTime",
            "1 models created more than a week before their first snapshot",
            "1 lineage links to base models not in the data dropped (e.g. 'gone/model')",
        ];
        for e in expected {
            assert!(
                s.meta.repairs.iter().any(|r| r.starts_with(e)),
                "missing '{e}' in {:?}",
                s.meta.repairs
            );
        }
        assert_eq!(s.meta.repairs.len(), expected.len(), "{:?}", s.meta.repairs);
        // It survives the snapshot file.
        let back = Snapshot::from_ipc(&s.to_ipc().unwrap()).unwrap();
        assert_eq!(back.weekly_downloads, s.weekly_downloads);
    }
}

#[test]
fn economies_bad_inputs() {
    let mut cols = economies_columns(false);
    cols.retain(|c| c.0 != "downloadsAllTime");
    let err = economies_import(&write("eco-missing.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing column 'downloadsAllTime'"), "{err}");

    let mut cols = economies_columns(false);
    for c in cols.iter_mut().filter(|c| c.0 == "downloadsAllTime") {
        c.1 = strs(&vec![Some("many"); ECONOMIES.len()]);
    }
    let err = economies_import(&write("eco-type.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column 'downloadsAllTime' has type Utf8, expected a number"),
        "{err}"
    );

    let mut cols = economies_columns(false);
    for c in cols.iter_mut().filter(|c| c.0 == "time") {
        let mut times: Vec<Option<&str>> = ECONOMIES.iter().map(|r| Some(r.1)).collect();
        times[1] = Some("next tuesday");
        c.1 = strs(&times);
    }
    let err = economies_import(&write("eco-date.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(err.contains("row 2: time 'next tuesday' is not a date"), "{err}");

    // a/base derives from b/ft and b/ft from a/base: a cycle, broken and reported.
    let mut cols = economies_columns(false);
    for c in cols.iter_mut().filter(|c| c.0 == "merged_derived_from") {
        c.1 = strs(
            &ECONOMIES
                .iter()
                .map(|r| match r.0 {
                    "a/base" => Some("b/ft"),
                    "b/ft" => Some("a/base"),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        );
    }
    let s = economies_import(&write("eco-cycle.parquet", cols)).unwrap();
    assert!(
        s.meta
            .repairs
            .iter()
            .any(|r| r.starts_with("1 lineage links dropped to break cycles")),
        "{:?}",
        s.meta.repairs
    );
    assert_eq!(s.base_model.len(), 1);

    let not_parquet = temp_path("not.parquet");
    std::fs::write(&not_parquet, b"model,time\n").unwrap();
    let err = economies_import(&not_parquet).unwrap_err().to_string();
    assert!(err.contains("not a readable Parquet file"), "{err}");
    let err = economies_import(&temp_path("absent.parquet"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("absent.parquet"), "{err}");
}

// --- Hub Stats ------------------------------------------------------------------------------

fn tags(rows: &[&[&str]]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for t in *r {
            b.values().append_value(t);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// `baseModels`: struct<models: list<struct<_id, id>>, relation>; `None` rows are null.
fn base_models(rows: &[Option<(&[&str], &str)>]) -> ArrayRef {
    let item_fields = Fields::from(vec![
        Field::new("_id", DataType::Utf8, true),
        Field::new("id", DataType::Utf8, true),
    ]);
    let mut offsets = vec![0i32];
    let mut ids = Vec::new();
    for r in rows {
        if let Some((models, _)) = r {
            ids.extend(models.iter().copied());
        }
        offsets.push(ids.len() as i32);
    }
    let items = StructArray::new(
        item_fields.clone(),
        vec![
            strs(&ids.iter().map(|_| Some("65f0")).collect::<Vec<_>>()),
            strs(&ids.iter().map(|&i| Some(i)).collect::<Vec<_>>()),
        ],
        None,
    );
    let item_field = Arc::new(Field::new("item", DataType::Struct(item_fields), true));
    let nulls = NullBuffer::from(rows.iter().map(|r| r.is_some()).collect::<Vec<_>>());
    let list = ListArray::new(
        item_field,
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Arc::new(items),
        Some(nulls.clone()),
    );
    let relation = strs(&rows.iter().map(|r| r.map(|r| r.1)).collect::<Vec<_>>());
    let fields = Fields::from(vec![
        Field::new("models", list.data_type().clone(), true),
        Field::new("relation", DataType::Utf8, true),
    ]);
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(list), relation],
        Some(nulls),
    ))
}

/// `safetensors`: struct<parameters: struct<BF16, F32>, total>; `None` rows are null.
/// (BF16 count, F32 count, total) of one row.
type SafetensorsRow = Option<(Option<i64>, Option<i64>, Option<i64>)>;

fn safetensors(rows: &[SafetensorsRow]) -> ArrayRef {
    let bf16 = Int64Array::from(rows.iter().map(|r| r.and_then(|r| r.0)).collect::<Vec<_>>());
    let f32 = Int64Array::from(rows.iter().map(|r| r.and_then(|r| r.1)).collect::<Vec<_>>());
    let total = Int64Array::from(rows.iter().map(|r| r.and_then(|r| r.2)).collect::<Vec<_>>());
    let pfields = Fields::from(vec![
        Field::new("BF16", DataType::Int64, true),
        Field::new("F32", DataType::Int64, true),
    ]);
    let parameters = StructArray::new(pfields.clone(), vec![Arc::new(bf16), Arc::new(f32)], None);
    let fields = Fields::from(vec![
        Field::new("parameters", DataType::Struct(pfields), true),
        Field::new("total", DataType::Int64, true),
    ]);
    let nulls = NullBuffer::from(rows.iter().map(|r| r.is_some()).collect::<Vec<_>>());
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(parameters), Arc::new(total)],
        Some(nulls),
    ))
}

fn hub_stats_columns() -> Vec<(&'static str, ArrayRef)> {
    let ids = [
        "meta-llama/Llama-3-8B",
        "someone/ft",
        "q/gguf",
        "m/merge",
        "someone/ft", // duplicate id: dropped
        "cyc/a",
        "cyc/b",
    ];
    let ms = |y, m, d| day(y, m, d) as i64 * 86_400_000;
    vec![
        ("id", strs(&ids.iter().map(|&i| Some(i)).collect::<Vec<_>>())),
        (
            "author",
            strs(&ids.iter().map(|i| i.split('/').next()).collect::<Vec<_>>()),
        ),
        (
            "createdAt",
            Arc::new(
                TimestampMillisecondArray::from(vec![
                    Some(ms(2024, 4, 17)),
                    Some(ms(2024, 5, 1)),
                    Some(ms(2024, 5, 2)),
                    Some(ms(2024, 6, 1)),
                    Some(ms(2020, 1, 1)),
                    None,
                    Some(ms(2024, 7, 1)),
                ])
                .with_timezone("UTC"),
            ),
        ),
        (
            "lastModified",
            Arc::new(TimestampMillisecondArray::from(vec![Some(ms(2025, 3, 9)); 7]).with_timezone("UTC")),
        ),
        (
            "downloads",
            Arc::new(Int64Array::from(vec![
                Some(1000),
                Some(10),
                Some(5),
                None,
                Some(1),
                Some(0),
                Some(0),
            ])),
        ),
        (
            "downloadsAllTime",
            Arc::new(Int64Array::from(vec![
                Some(50_000),
                Some(20),
                Some(9),
                None,
                Some(1),
                Some(0),
                Some(0),
            ])),
        ),
        ("likes", Arc::new(Int64Array::from(vec![300, 2, 0, 1, 0, 0, 0]))),
        (
            "trendingScore",
            Arc::new(Int64Array::from(vec![5, 0, 0, 0, 0, 0, 0])),
        ),
        (
            "tags",
            tags(&[
                &[
                    "transformers",
                    "llama",
                    "en",
                    "license:llama3",
                    "text-generation",
                    "region:us",
                ],
                &[
                    "base_model:finetune:meta-llama/Llama-3-8B",
                    "license:apache-2.0",
                    "de",
                ],
                &["base_model:quantized:meta-llama/Llama-3-8B", "gguf"],
                &[],
                &[],
                &[],
                &[],
            ]),
        ),
        (
            "pipeline_tag",
            strs(&[
                Some("text-generation"),
                Some("text-generation"),
                None,
                Some("text-generation"),
                None,
                None,
                None,
            ]),
        ),
        (
            "library_name",
            strs(&[
                Some("transformers"),
                Some("peft"),
                Some("gguf"),
                None,
                None,
                None,
                None,
            ]),
        ),
        (
            "baseModels",
            base_models(&[
                None,
                Some((&["meta-llama/Llama-3-8B"], "finetune")),
                None,
                Some((&["meta-llama/Llama-3-8B", "someone/ft", "missing/model"], "merge")),
                Some((&["q/gguf"], "adapter")),
                Some((&["cyc/b"], "finetune")),
                Some((&["cyc/a"], "finetune")),
            ]),
        ),
        (
            "safetensors",
            safetensors(&[
                Some((Some(8_030_261_248), None, Some(8_030_261_248))),
                None,
                Some((Some(100), Some(20), None)),
                None,
                None,
                None,
                None,
            ]),
        ),
    ]
}

fn hub_stats_import(path: &str) -> hubecon::Result<Snapshot> {
    hubecon::import::build("hub-stats", &[("input".into(), path.into())])
}

#[test]
fn hub_stats_models_table() {
    let s =
        hub_stats_import(&write("hub-stats.parquet", hub_stats_columns())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.models(), 6);
    assert_eq!(s.meta.source, "hub-stats");
    assert_eq!(s.meta.snapshot_date, "2025-03-09"); // the latest lastModified
    assert!(s.weekly_week.is_empty());
    let (llama, ft, gguf, merge) = (
        row(&s, "meta-llama/Llama-3-8B"),
        row(&s, "someone/ft"),
        row(&s, "q/gguf"),
        row(&s, "m/merge"),
    );
    assert_eq!(s.created[llama], day(2024, 4, 17));
    assert_eq!(s.created[row(&s, "cyc/a")], hubecon::time::NO_DATE);
    assert_eq!(s.downloads_30d[llama], 1000.0);
    assert_eq!(s.downloads_all_time[llama], 50_000.0);
    assert!(s.downloads_30d[merge].is_nan());
    assert_eq!(s.likes[llama], 300.0);
    assert_eq!(
        (s.params[llama], s.params_source[llama]),
        (8_030_261_248.0, ParamSource::Safetensors)
    );
    assert_eq!(
        (s.params[gguf], s.params_source[gguf]),
        (120.0, ParamSource::Safetensors)
    ); // BF16 100 + F32 20
    assert!(s.params[ft].is_nan());
    assert_eq!(s.params_source[ft], ParamSource::Unknown);
    assert_eq!(s.license.get(llama), Some("llama3"));
    assert_eq!(s.license.get(ft), Some("apache-2.0"));
    assert_eq!(s.architecture.get(llama), Some("llama"));
    assert_eq!(s.architecture.get(gguf), None);
    assert_eq!(s.library.get(ft), Some("peft"));
    assert_eq!(s.pipeline_tag.get(llama), Some("text-generation"));
    let label = |m: &hubecon::snapshot::MultiLabel, i: usize| -> Vec<String> {
        m.labels(i)
            .iter()
            .map(|&c| m.values[c as usize].clone())
            .collect()
    };
    assert_eq!(label(&s.languages, llama), vec!["en"]);
    assert_eq!(label(&s.languages, ft), vec!["de"]);
    assert_eq!(label(&s.input_modalities, llama), vec!["text"]);
    assert!(label(&s.input_modalities, gguf).is_empty());
    // Lineage: ft from baseModels (the tag repeats it; baseModels wins), gguf from its tag.
    assert_eq!(s.bases(ft), (&[llama as u32][..], &[Relation::Finetune][..]));
    assert_eq!(s.bases(gguf), (&[llama as u32][..], &[Relation::Quantized][..]));
    let mut merge_bases = s.bases(merge).0.to_vec();
    merge_bases.sort();
    assert_eq!(merge_bases, vec![llama as u32, ft as u32]);
    assert!(s.bases(merge).1.iter().all(|&r| r == Relation::Merge));
    let expected = [
        "1 rows with a repeated model id dropped",
        "1 lineage links to base models not in the data dropped (e.g. 'missing/model')",
        "1 lineage links dropped to break cycles",
    ];
    for e in expected {
        assert!(
            s.meta.repairs.iter().any(|r| r.starts_with(e)),
            "missing '{e}' in {:?}",
            s.meta.repairs
        );
    }
    assert_eq!(s.meta.repairs.len(), expected.len(), "{:?}", s.meta.repairs);
    // cyc/a (row 4) -> cyc/b (row 5) -> cyc/a closes the cycle: cyc/b loses its base.
    assert_eq!(s.bases(row(&s, "cyc/a")).0.len(), 1);
    assert!(s.bases(row(&s, "cyc/b")).0.is_empty());
}

#[test]
fn hub_stats_bad_inputs() {
    let mut cols = hub_stats_columns();
    cols.retain(|c| c.0 != "id");
    let err = hub_stats_import(&write("hs-missing.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing column 'id'"), "{err}");

    let mut cols = hub_stats_columns();
    for c in cols.iter_mut().filter(|c| c.0 == "likes") {
        c.1 = strs(&[Some("lots"); 7]);
    }
    let err = hub_stats_import(&write("hs-type.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column 'likes' has type Utf8, expected a number"),
        "{err}"
    );

    let mut cols = hub_stats_columns();
    for c in cols.iter_mut().filter(|c| c.0 == "createdAt") {
        c.1 = strs(&[
            Some("2024-04-17"),
            Some("2024-13-01"),
            None,
            None,
            None,
            None,
            None,
        ]);
    }
    let err = hub_stats_import(&write("hs-date.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 2: createdAt '2024-13-01' is not a date"),
        "{err}"
    );

    let mut cols = hub_stats_columns();
    for c in cols.iter_mut().filter(|c| c.0 == "baseModels") {
        c.1 = strs(&[Some("meta-llama/Llama-3-8B"); 7]);
    }
    let err = hub_stats_import(&write("hs-base.parquet", cols))
        .unwrap_err()
        .to_string();
    assert!(err.contains("column 'baseModels' has type Utf8"), "{err}");
}

// --- Round trip: synthetic weekly history -> Economies format -> importer ---------------------

/// Writes a synthetic ecosystem in the Economies release's shape: one row per model and Monday
/// from the one after its creation week to the one after the last week, with the cumulative count.
fn synthetic_as_economies(models: usize, seed: u64, name: &str) -> (Snapshot, String) {
    use hubecon::time::day_of_week_index;
    let s = hubecon::import::synthetic::generate(models, seed).unwrap();
    let last_week = week(2025, 8, 25);
    let (mut model, mut time, mut created, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..s.models() {
        let (weeks, downloads) = s.weekly(i);
        let mut cumulative = 0i64;
        let mut k = 0;
        for w in week_of_day(s.created[i])..=last_week {
            if weeks.get(k).map(|&x| x as i32) == Some(w) {
                cumulative += downloads[k] as i64;
                k += 1;
            }
            model.push(s.id.get(i).to_string());
            time.push(day_of_week_index(w + 1)); // the snapshot on the Monday after week w
            created.push(s.created[i]);
            count.push(cumulative);
        }
    }
    let path = write(
        name,
        vec![
            ("model", Arc::new(StringArray::from(model)) as ArrayRef),
            ("time", Arc::new(Date32Array::from(time))),
            ("created", Arc::new(Date32Array::from(created))),
            ("downloadsAllTime", Arc::new(Int64Array::from(count))),
        ],
    );
    (s, path)
}

#[test]
fn economies_round_trip_of_a_synthetic_history() {
    let (original, path) = synthetic_as_economies(3_000, 11, "roundtrip.parquet");
    let s = economies_import(&path).unwrap();
    assert_eq!(s.models(), original.models());
    assert_eq!(s.id, original.id);
    assert_eq!(s.weekly_offsets, original.weekly_offsets);
    assert_eq!(s.weekly_week, original.weekly_week);
    assert_eq!(s.weekly_downloads, original.weekly_downloads);
    assert_eq!(s.downloads_all_time, original.downloads_all_time);
    // (30-day downloads differ by design: this file's last snapshot is a day after the generator's.)
    assert_eq!(s.meta.snapshot_date, "2025-09-01"); // the Monday after the last week
    assert!(s.meta.repairs.is_empty(), "{:?}", s.meta.repairs);
}

/// `N=100000 cargo test --release --test import_parquet -- --ignored --nocapture` prints the
/// importer's speed on an Economies-shaped file (a benchmark, not a timed assertion).
#[test]
#[ignore]
fn economies_import_speed() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (_, path) = synthetic_as_economies(n, 1, "speed.parquet");
    let bytes = std::fs::metadata(&path).unwrap().len();
    let t = std::time::Instant::now();
    let s = economies_import(&path).unwrap();
    println!(
        "economies import: {n} models, {} weekly rows from a {bytes}-byte file in {:.2} s",
        s.weekly_week.len(),
        t.elapsed().as_secs_f64()
    );
}

#[test]
fn hub_stats_safetensors_parameters_as_a_map() {
    use arrow_array::builder::{Int64Builder, MapBuilder};
    // Two rows: {BF16: 7, F32: 3} without a total (params 10), and a null safetensors.
    let mut map = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
    map.keys().append_value("BF16");
    map.values().append_value(7);
    map.keys().append_value("F32");
    map.values().append_value(3);
    map.append(true).unwrap();
    map.append(false).unwrap();
    let parameters: ArrayRef = Arc::new(map.finish());
    let total: ArrayRef = Arc::new(Int64Array::from(vec![None::<i64>, None]));
    let fields = Fields::from(vec![
        Field::new("parameters", parameters.data_type().clone(), true),
        Field::new("total", DataType::Int64, true),
    ]);
    let safetensors: ArrayRef = Arc::new(StructArray::new(
        fields,
        vec![parameters, total],
        Some(NullBuffer::from(vec![true, false])),
    ));
    let path = write(
        "hs-map.parquet",
        vec![
            ("id", strs(&[Some("a/x"), Some("b/y")])),
            ("safetensors", safetensors),
        ],
    );
    let s = hub_stats_import(&path).unwrap();
    assert_eq!(
        (s.params[0], s.params_source[0]),
        (10.0, ParamSource::Safetensors)
    );
    assert!(s.params[1].is_nan());
    assert_eq!(s.params_source[1], ParamSource::Unknown);
}
