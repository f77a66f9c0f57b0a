//! The CSV importer on hand-written fixtures (tests/fixtures/csv_*.csv); every expected value is
//! read off those files by hand.

use hubecon::import::csv::{import, CsvOptions};
use hubecon::snapshot::{ParamSource, Relation, Snapshot};
use hubecon::time::days_from_civil;

const EDGES: &str = include_str!("fixtures/csv_edges.csv");
const NODES: &str = include_str!("fixtures/csv_nodes.csv");

fn row(s: &Snapshot, id: &str) -> usize {
    s.id.iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn parents(s: &Snapshot, id: &str) -> Vec<(String, Relation)> {
    let (b, r) = s.bases(row(s, id));
    b.iter()
        .zip(r)
        .map(|(&p, &r)| (s.id.get(p as usize).to_string(), r))
        .collect()
}

#[test]
fn edges_and_nodes() {
    let s = import(
        (EDGES, "csv_edges.csv"),
        Some((NODES, "csv_nodes.csv")),
        &CsvOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Rows: 3 distinct node ids (org/base, org/ft-1, lonely/model) then, in order of appearance in
    // the edges, 'other/lora, "quoted"', thebloke/ft-1-GGUF, mixer/merge-1, other/side, legacy-model.
    assert_eq!(s.models(), 8);
    assert_eq!(s.id.get(3), "other/lora, \"quoted\"");
    assert_eq!(s.meta.source, "csv");
    assert!(!s.meta.synthetic);
    assert_eq!(s.meta.snapshot_date, "2024-03-01"); // the latest creation date
    assert!(s.meta.description.contains("notes"), "ignored columns are named");

    assert_eq!(
        parents(&s, "other/lora, \"quoted\""),
        vec![("org/base".to_string(), Relation::Adapter)]
    );
    let mut merge = parents(&s, "mixer/merge-1");
    merge.sort();
    assert_eq!(
        merge,
        vec![
            ("org/ft-1".to_string(), Relation::Merge),
            ("other/side".to_string(), Relation::Merge)
        ]
    );
    // legacy-model -> org/base with an unknown relation: kept as other.
    assert_eq!(
        parents(&s, "org/base"),
        vec![("legacy-model".to_string(), Relation::Other)]
    );
    // Rows: 0 org/base, 1 org/ft-1, 2 lonely/model, 3 other/lora, 4 GGUF, 5 merge-1, 6 other/side,
    // 7 legacy-model. ft-1 <-> GGUF is a 2-cycle. The walk from row 0 visits 7 and finishes both;
    // from row 1 it follows ft-1's parents in row order: 0 (done), then 4 (GGUF), whose link back
    // to row 1 (still on the path) closes the cycle and is dropped.
    assert_eq!(
        parents(&s, "org/ft-1"),
        vec![
            ("org/base".to_string(), Relation::Finetune),
            ("thebloke/ft-1-GGUF".to_string(), Relation::Quantized)
        ]
    );
    assert!(parents(&s, "thebloke/ft-1-GGUF").is_empty());

    let expected_repairs = [
        "1 rows with a repeated model id dropped (the first kept)",
        "1 rows with an empty model id skipped",
        "1 links with an unknown relation (e.g. 'weird-relation') read as other",
        "1 self-loops dropped",
        "1 duplicate lineage links merged",
        "1 lineage links dropped to break cycles",
    ];
    for e in expected_repairs {
        assert!(
            s.meta.repairs.iter().any(|r| r.starts_with(e)),
            "missing repair '{e}' in {:?}",
            s.meta.repairs
        );
    }
    assert_eq!(
        s.meta.repairs.len(),
        expected_repairs.len(),
        "{:?}",
        s.meta.repairs
    );

    let base = row(&s, "org/base");
    assert_eq!(s.author.get(base), Some("Org Inc"));
    assert_eq!(
        s.author.get(row(&s, "org/ft-1")),
        Some("org"),
        "author defaults to the id's namespace"
    );
    assert_eq!(
        s.author.get(row(&s, "legacy-model")),
        None,
        "no namespace, no author"
    );
    assert_eq!(s.created[base], days_from_civil(2024, 1, 15));
    assert_eq!(s.created[row(&s, "org/ft-1")], days_from_civil(2024, 3, 1));
    assert_eq!(s.downloads_30d[base], 1000.0);
    assert_eq!(s.likes[base], 50.0);
    assert!(
        s.downloads_30d[row(&s, "mixer/merge-1")].is_nan(),
        "edge-only models have unknowns"
    );
    assert_eq!(s.params[base], 7e9);
    assert_eq!(s.params_source[base], ParamSource::Estimated);
    assert_eq!(s.params_source[row(&s, "org/ft-1")], ParamSource::Unknown);
    assert_eq!(s.pipeline_tag.get(base), Some("text-generation"));
    assert_eq!(s.country.get(base), Some("United States"));
    let langs: Vec<&str> = s
        .languages
        .labels(base)
        .iter()
        .map(|&c| s.languages.values[c as usize].as_str())
        .collect();
    assert_eq!(langs, vec!["en", "fr"]);
    s.validate().unwrap();
}

#[test]
fn family_edges_header_and_options() {
    let edges = "family_file,parent,child,relation\nf.csv,a/base,b/child,adapter\n";
    let options = CsvOptions {
        source: Some("real sample: test".into()),
        snapshot_date: Some("2025-04-22".into()),
        description: None,
    };
    let s = import((edges, "e.csv"), None, &options).unwrap();
    assert_eq!(s.models(), 2);
    assert_eq!(s.meta.source, "real sample: test");
    assert_eq!(s.meta.snapshot_date, "2025-04-22");
    assert_eq!(
        parents(&s, "b/child"),
        vec![("a/base".to_string(), Relation::Adapter)]
    );
    assert!(s.meta.repairs.is_empty());
}

#[test]
fn bad_inputs_give_clear_errors() {
    let cases: [(&str, Option<&str>, &str); 6] = [
        ("", None, "is empty"),
        ("from,to\na,b\n", None, "missing column"),
        ("source,target\n\"a,b\n", None, "never closed"),
        ("source,target\na,b\n", Some("name\nx\n"), "missing column 'id'"),
        (
            "source,target\na,b\n",
            Some("id,created\nx,yesterday\n"),
            "line 2: created 'yesterday' is not a date",
        ),
        (
            "source,target\na,b\n",
            Some("id,downloads\nx,many\n"),
            "line 2: downloads 'many'",
        ),
    ];
    for (edges, nodes, expected) in cases {
        let err = import(
            (edges, "e.csv"),
            nodes.map(|n| (n, "n.csv")),
            &CsvOptions::default(),
        )
        .err()
        .unwrap_or_else(|| panic!("no error for {edges:?} {nodes:?}"))
        .to_string();
        assert!(err.contains(expected), "'{err}' should contain '{expected}'");
    }
}

#[test]
fn only_a_header_gives_an_empty_snapshot() {
    let s = import(("source,target,edge\n", "e.csv"), None, &CsvOptions::default()).unwrap();
    assert_eq!(s.models(), 0);
    assert_eq!(s.meta.snapshot_date, "");
}
