//! The Economies views against independent numbers: `tests/reference/economies/reference.py`
//! (pandas / numpy / scipy, written from docs/economies.md) computed `expected.json` on the
//! committed fixture `tests/fixtures/economies-3000.arrow`; the command is in the script's header.
//! HHI, Gini, shares, chi-squared and p agree to 1e-9 (relative for values above 1).

use std::collections::HashMap;

use hubecon::options::Options;
use hubecon::views::ColumnData;
use hubecon::Engine;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/economies-3000.arrow";
const EXPECTED: &str = "tests/reference/economies/expected.json";

fn cell_text(data: &ColumnData, row: usize) -> String {
    match data {
        ColumnData::Str(v) => v[row].clone().unwrap_or_default(),
        ColumnData::I64(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        ColumnData::F64(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
    }
}

fn cell_number(data: &ColumnData, row: usize) -> Option<f64> {
    match data {
        ColumnData::Str(_) => None,
        ColumnData::I64(v) => v[row].map(|x| x as f64),
        ColumnData::F64(v) => v[row],
    }
}

fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn views_agree_with_the_python_reference() {
    let engine = Engine::from_ipc(&std::fs::read(FIXTURE).expect("fixture")).expect("fixture loads");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(EXPECTED).expect("expected.json")).unwrap();
    let mut compared = 0usize;
    for case in expected["cases"].as_array().unwrap() {
        let view = case["view"].as_str().unwrap();
        let pairs: Vec<(String, String)> = case["options"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let options = Options::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        let report = engine.report(view, &options).unwrap();
        let table = match case["table"].as_str() {
            Some(name) => report.table(name).unwrap(),
            None => report.main(),
        };
        let label = format!("{view} {:?} {:?}", case["options"], case["table"]);
        let keys: Vec<&str> = case["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        let rows = case["rows"].as_array().unwrap();
        assert_eq!(table.rows(), rows.len(), "{label}: row count");
        // Index the actual rows by their key columns.
        let mut index = HashMap::new();
        for r in 0..table.rows() {
            let k: Vec<String> = keys
                .iter()
                .map(|k| cell_text(table.column(k).unwrap(), r))
                .collect();
            index.insert(k, r);
        }
        for want in rows {
            let k: Vec<String> = keys.iter().map(|k| key_text(&want[*k])).collect();
            let r = *index.get(&k).unwrap_or_else(|| panic!("{label}: no row {k:?}"));
            for (name, value) in want.as_object().unwrap() {
                if keys.contains(&name.as_str()) {
                    continue;
                }
                let column = table
                    .column(name)
                    .unwrap_or_else(|| panic!("{label}: no column {name}"));
                match value {
                    Value::Null => assert_eq!(cell_number(column, r), None, "{label} {k:?} {name}"),
                    Value::Number(n) => {
                        let e = n.as_f64().unwrap();
                        let a =
                            cell_number(column, r).unwrap_or_else(|| panic!("{label} {k:?} {name}: null"));
                        assert!(
                            (a - e).abs() <= 1e-9 * e.abs().max(1.0),
                            "{label} {k:?} {name}: {a} vs reference {e}"
                        );
                        compared += 1;
                    }
                    Value::String(s) => assert_eq!(&cell_text(column, r), s, "{label} {k:?} {name}"),
                    other => panic!("{label}: unexpected {other}"),
                }
            }
        }
    }
    assert!(compared > 1000, "only {compared} numbers compared");
    println!("{compared} numbers agree with the reference");
}
