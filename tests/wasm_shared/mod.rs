//! The wasm-bindgen tests shared by `tests/wasm_node.rs` (Node) and `tests/wasm_browser.rs`
//! (headless Chromium): the JS-facing API of `src/wasm.rs` on the committed fixture snapshot must
//! print the CSV the native CLI printed (`tests/fixtures/expected/`, made by `make-expected`), and
//! bad input must come back as a JS `Error` carrying the core's message, never as a panic.

use hubecon::wasm::{format_version, version, views, Engine};
use wasm_bindgen::{JsCast, JsValue};

/// One native-vs-wasm comparison (see `tests/fixtures/expected/cases.tsv`).
pub struct Case {
    pub name: &'static str,
    pub view: &'static str,
    pub table: Option<&'static str>,
    /// A JSON object `{option: value}` with the CLI's option names.
    pub options: &'static str,
    pub expected: &'static str,
}

include!("../fixtures/expected/cases.rs");

fn js_options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("case options are valid JSON")
}

/// The message of the JS `Error` a `JsError` becomes on the JS side.
fn message(err: wasm_bindgen::JsError) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().expect("a JsError reaches JS as an Error");
    String::from(error.message())
}

fn load_fixture() -> Option<Engine> {
    let Some(bytes) = SNAPSHOT else {
        wasm_bindgen_test::console_log!(
            "no fixture snapshot yet (run tests/fixtures/expected/make-expected): skipped"
        );
        return None;
    };
    match Engine::load(bytes) {
        Ok(engine) => Some(engine),
        Err(e) => panic!("the fixture snapshot does not load: {}", message(e)),
    }
}

/// Whether two CSV texts agree: byte for byte, or cell by cell with numbers equal to a relative
/// 1e-12 (libm's `ln`/`exp` in wasm may differ from the platform's in the last bit).
fn csv_agrees(expected: &str, actual: &str) -> Result<bool, String> {
    if expected == actual {
        return Ok(true);
    }
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    if e.len() != a.len() {
        return Err(format!("{} lines expected, {} printed", e.len(), a.len()));
    }
    for (row, (le, la)) in e.iter().zip(&a).enumerate() {
        let ce: Vec<&str> = le.split(',').collect();
        let ca: Vec<&str> = la.split(',').collect();
        if ce.len() != ca.len() {
            return Err(format!("line {}: '{le}' expected, '{la}' printed", row + 1));
        }
        for (x, y) in ce.iter().zip(&ca) {
            if x == y {
                continue;
            }
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) if (p - q).abs() <= 1e-12 * p.abs().max(q.abs()) => {}
                _ => return Err(format!("line {}: '{le}' expected, '{la}' printed", row + 1)),
            }
        }
    }
    Ok(false)
}

pub fn api_functions() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
    assert_eq!(format_version(), hubecon::snapshot::FORMAT_VERSION);
    let names = views();
    assert_eq!(names.len(), hubecon::views::VIEWS.len());
    assert!(names.iter().any(|v| v == "info"));
}

pub fn bad_bytes_are_errors_not_panics() {
    let not_arrow = Engine::load(b"this is not an arrow file")
        .err()
        .expect("text is rejected");
    let text = message(not_arrow);
    assert!(text.contains("not a readable snapshot"), "message: {text}");
    let empty = Engine::load(&[]).err().expect("no bytes are rejected");
    assert!(!message(empty).is_empty());
    if let Some(bytes) = SNAPSHOT {
        // Cut anywhere, flip bytes anywhere: always an Err with a message.
        for cut in [
            8,
            64,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(11),
        ] {
            let r = Engine::load(bytes.get(..cut).unwrap_or(bytes));
            assert!(r.is_err(), "a snapshot cut at {cut} bytes loaded");
        }
        let mut wrong_magic = bytes.to_vec();
        wrong_magic[0] = b'X';
        assert!(message(Engine::load(&wrong_magic).err().expect("wrong magic rejected")).len() > 5);
    }
}

pub fn bad_view_and_options_are_errors() {
    let Some(engine) = load_fixture() else { return };
    let unknown = engine
        .report("no-such-view", JsValue::UNDEFINED)
        .expect_err("unknown view");
    assert!(message(unknown).contains("unknown view 'no-such-view'"));
    let bad = engine
        .report_csv("info", js_options(r#"{"top":"many"}"#), None)
        .expect_err("bad top");
    let text = message(bad);
    assert!(text.contains("option top"), "message: {text}");
    let unknown_option = engine
        .report_csv("info", js_options(r#"{"colour":"red"}"#), None)
        .expect_err("unknown option");
    assert!(message(unknown_option).contains("unknown option"));
    let not_object = engine
        .report_csv("info", JsValue::from(5), None)
        .expect_err("5 is no options object");
    assert!(message(not_object).contains("options must be an object"));
    // Arrays are joined with ',' as on the CLI: valid relations pass, an unknown one is named.
    assert!(engine
        .report_csv(
            "info",
            js_options(r#"{"relations":["finetune","adapter"]}"#),
            None
        )
        .is_ok());
    let bad_relation = engine
        .report_csv(
            "info",
            js_options(r#"{"relations":["finetune","sideways"]}"#),
            None,
        )
        .expect_err("unknown relation");
    let text = message(bad_relation);
    assert!(text.contains("sideways"), "message: {text}");
    let array = engine
        .report_csv("info", js_options("[1]"), None)
        .expect_err("an array is no options object");
    assert!(message(array).contains("options must be an object"));
    let no_table = engine
        .report_csv("info", JsValue::NULL, Some("no-such-table".into()))
        .expect_err("unknown table");
    assert!(message(no_table).contains("no table 'no-such-table'"));
}

pub fn info_matches_metadata() {
    let Some(engine) = load_fixture() else { return };
    let info = engine.info().expect("info");
    let models = js_sys::Reflect::get(&info, &"models".into()).expect("info.models");
    let csv = engine
        .report_csv("info", JsValue::UNDEFINED, None)
        .expect("info csv");
    let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap_or("").split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "models")
        .expect("info has a models column");
    assert_eq!(
        models.as_f64().map(|m| m.to_string()),
        row.get(at).map(|s| s.to_string())
    );
}

/// Every case: the wasm CSV equals the native CLI's; `report` and `reportArrow` agree with it.
pub fn views_match_native_cli() {
    let Some(engine) = load_fixture() else { return };
    let mut failures = Vec::new();
    let mut tolerant = Vec::new();
    for case in CASES {
        let csv = match engine.report_csv(case.view, js_options(case.options), case.table.map(String::from)) {
            Ok(csv) => csv,
            Err(e) => {
                failures.push(format!("{}: {}", case.name, message(e)));
                continue;
            }
        };
        match csv_agrees(case.expected, &csv) {
            Ok(true) => {}
            Ok(false) => tolerant.push(case.name),
            Err(diff) => failures.push(format!("{}: {diff}", case.name)),
        }
        if case.table.is_none() {
            let report = engine
                .report(case.view, js_options(case.options))
                .expect("report");
            let rows = js_sys::Reflect::get(&report, &"rows".into()).expect("report.rows");
            let rows: js_sys::Array = rows.dyn_into().expect("rows is an array");
            assert_eq!(
                rows.length() as usize,
                csv.lines().count() - 1,
                "{}: rows vs CSV lines",
                case.name
            );
            let arrow = engine
                .report_arrow(case.view, js_options(case.options), None)
                .expect("arrow");
            // An Arrow IPC stream starts with the continuation marker 0xFFFFFFFF.
            assert_eq!(
                arrow.get(..4),
                Some(&[0xff, 0xff, 0xff, 0xff][..]),
                "{}: Arrow stream",
                case.name
            );
        }
    }
    // Again with the week-order layout of the default population filter prepared in slices, as
    // the dashboard does when idle: the weekly model-level concentration then reads it.
    let mut slices = 0;
    let ready = loop {
        slices += 1;
        match engine.prepare(js_options("{}"), Some(7)) {
            Ok(Some(ready)) => break ready,
            Ok(None) => assert!(slices < 100_000, "prepare never finishes"),
            Err(e) => panic!("prepare: {}", message(e)),
        }
    };
    assert!(ready && slices > 3, "prepared in {slices} slices: {ready}");
    assert_eq!(
        engine.prepare(js_options("{}"), None).ok(),
        Some(Some(true)),
        "prepare again"
    );
    for case in CASES {
        match engine.report_csv(case.view, js_options(case.options), case.table.map(String::from)) {
            Ok(csv) => {
                if let Err(diff) = csv_agrees(case.expected, &csv) {
                    failures.push(format!("{} (prepared): {diff}", case.name));
                }
            }
            Err(e) => failures.push(format!("{} (prepared): {}", case.name, message(e))),
        }
    }
    wasm_bindgen_test::console_log!(
        "{} cases: {} byte-identical, {} equal within 1e-12 ({}), {} failed",
        CASES.len(),
        CASES.len() - tolerant.len() - failures.len(),
        tolerant.len(),
        tolerant.join(", "),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "wasm differs from the native CLI:\n{}",
        failures.join("\n")
    );
}
