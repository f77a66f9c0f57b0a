//! The wasm-bindgen face: converts at the boundary and delegates to the core. Errors become JS
//! `Error`s carrying the core's message.
//!
//! ```js
//! import init, { Engine } from './pkg/hubecon.js';
//! await init();
//! const engine = Engine.load(new Uint8Array(await (await fetch('snapshot.arrow')).arrayBuffer()));
//! engine.info();                                   // {format_version, models, ...}
//! engine.report('concentration', {level: 'developer', 'window-weeks': 52}); // {view, columns, rows, tables, notes}
//! engine.reportCsv('leaderboard', {top: 20});      // the CLI's CSV, byte for byte
//! engine.reportArrow('mdi', {});                   // Arrow IPC stream bytes of the main table
//! ```
//!
//! `reportArrow` exists only with the `ipc-write` feature (default); the widget's smaller build
//! (`--no-default-features`) leaves it out.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::options::Options;

type WasmResult<T> = Result<T, JsError>;

fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Options from a plain JS object `{name: value}`; values may be strings, numbers, booleans or arrays
/// of those (joined with `,`, as `relations: ['finetune', 'merge']`). Names are the CLI's
/// (`window-weeks`, `no-window`, ...); `null`/`undefined` values are skipped, as are options left out.
fn options_from_js(value: &JsValue) -> WasmResult<Options> {
    let mut options = Options::default();
    if value.is_undefined() || value.is_null() {
        return Ok(options);
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(JsError::new(
            "options must be an object like {level: 'developer', top: 10}",
        ));
    }
    let object: &js_sys::Object = value.unchecked_ref();
    for entry in js_sys::Object::entries(object).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let v = pair.get(1);
        if v.is_undefined() || v.is_null() {
            continue;
        }
        let text = if js_sys::Array::is_array(&v) {
            let items: js_sys::Array = v.unchecked_into();
            let mut parts = Vec::new();
            for item in items.iter() {
                parts.push(scalar_text(&key, &item)?);
            }
            parts.join(",")
        } else {
            scalar_text(&key, &v)?
        };
        options.set(&key, &text).map_err(js_err)?;
    }
    Ok(options)
}

/// The text form of one option value, as the CLI would receive it.
fn scalar_text(key: &str, v: &JsValue) -> WasmResult<String> {
    if let Some(s) = v.as_string() {
        Ok(s)
    } else if let Some(b) = v.as_bool() {
        Ok(b.to_string())
    } else if let Some(n) = v.as_f64() {
        // Whole numbers print without a fraction so that integer options parse (`top: 10`).
        if n.fract() == 0.0 && n.abs() < 1e15 {
            Ok(format!("{}", n as i64))
        } else {
            Ok(n.to_string())
        }
    } else {
        Err(JsError::new(&format!(
            "option {key}: value must be a string, number, boolean or an array of those"
        )))
    }
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> WasmResult<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A loaded snapshot with its derived indexes.
#[wasm_bindgen]
pub struct Engine(crate::Engine);

#[wasm_bindgen]
impl Engine {
    /// Reads and validates snapshot bytes (a fetched or user-picked `.arrow` file). Bytes that are
    /// not a valid snapshot throw an `Error` whose message names what is wrong.
    pub fn load(bytes: &[u8]) -> WasmResult<Engine> {
        crate::Engine::from_ipc(bytes).map(Engine).map_err(js_err)
    }

    /// The snapshot's metadata: `{format_version, snapshot_date, source, synthetic, models, ...}`.
    pub fn info(&self) -> WasmResult<JsValue> {
        to_js(&self.0.snapshot.meta)
    }

    /// One view as `{view, columns, rows: [{...}], tables: {name: [{...}]}, notes: [...]}`.
    pub fn report(&self, view: &str, options: JsValue) -> WasmResult<JsValue> {
        let options = options_from_js(&options)?;
        let report = self.0.report(view, &options).map_err(js_err)?;
        // One JSON text parsed by the browser, not an object built field by field across the
        // boundary: for a table of thousands of rows that is several times faster (and gives the
        // same plain objects).
        let text = serde_json::to_string(&report.to_json()).map_err(|e| JsError::new(&e.to_string()))?;
        js_sys::JSON::parse(&text).map_err(|_| JsError::new("the report could not be read as JSON"))
    }

    /// Builds ahead of need what makes later changes of the rolling window faster for the
    /// population filter of `options` (the kept rows in week order, then the incidence view's
    /// label sets, then the weekly concentration measures of every window length, developers'
    /// and models'); call it when idle. Returns whether the week-order layout is there. With
    /// `budget`, does at most that many models' worth of the layout or the measures per call
    /// (8192 took at most 22–41 ms in Chromium at 1 M models),
    /// or the label sets of one attribute, and returns `undefined` while work is left: call again
    /// (with the same population filter) to resume. Not in the widget's build (feature `prepare`).
    #[cfg(feature = "prepare")]
    pub fn prepare(&self, options: JsValue, budget: Option<u32>) -> WasmResult<Option<bool>> {
        let options = options_from_js(&options)?;
        match budget {
            Some(b) => self.0.prepare_step(&options, b as usize).map_err(js_err),
            None => self.0.prepare(&options).map(Some).map_err(js_err),
        }
    }

    /// Forgets the results cached for particular option values (window ranges, model masks, unit ×
    /// period sums); the snapshot's indexes stay. For benchmarks that time a repeated query.
    #[wasm_bindgen(js_name = clearOptionCaches)]
    pub fn clear_option_caches(&self) {
        self.0.clear_option_caches();
    }

    /// A table of a view as CSV (the main table unless `table` names another).
    #[wasm_bindgen(js_name = reportCsv)]
    pub fn report_csv(&self, view: &str, options: JsValue, table: Option<String>) -> WasmResult<String> {
        let options = options_from_js(&options)?;
        let report = self.0.report(view, &options).map_err(js_err)?;
        pick(&report, table.as_deref()).map(|t| t.to_csv())
    }

    /// A table of a view as Arrow IPC stream bytes. Absent from the widget build (no IPC writer):
    /// callers check `typeof engine.reportArrow === 'function'`.
    #[cfg(feature = "ipc-write")]
    #[wasm_bindgen(js_name = reportArrow)]
    pub fn report_arrow(&self, view: &str, options: JsValue, table: Option<String>) -> WasmResult<Vec<u8>> {
        let options = options_from_js(&options)?;
        let report = self.0.report(view, &options).map_err(js_err)?;
        pick(&report, table.as_deref())?.to_arrow_ipc().map_err(js_err)
    }
}

fn pick<'a>(report: &'a crate::views::Report, table: Option<&str>) -> WasmResult<&'a crate::views::Table> {
    match table {
        None => Ok(report.main()),
        Some(name) => report
            .table(name)
            .ok_or_else(|| JsError::new(&format!("view {} has no table '{name}'", report.view))),
    }
}

/// The names of every view.
#[wasm_bindgen]
pub fn views() -> Vec<String> {
    crate::views::VIEWS.iter().map(|s| s.to_string()).collect()
}

/// The snapshot format version this build reads.
#[wasm_bindgen(js_name = formatVersion)]
pub fn format_version() -> u32 {
    crate::snapshot::FORMAT_VERSION
}

/// Every option name `report` accepts (the CLI's flag names).
#[wasm_bindgen(js_name = optionNames)]
pub fn option_names() -> Vec<String> {
    crate::options::OPTION_NAMES
        .iter()
        .filter(|name| !matches!(**name, "format" | "snapshot"))
        .map(|s| s.to_string())
        .collect()
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
