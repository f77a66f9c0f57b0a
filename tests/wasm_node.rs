//! wasm-bindgen tests in Node: the wasm face gives the native CLI's answers (see `wasm_shared`).
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test --target wasm32-unknown-unknown --test wasm_node` (scripts/test does).
#![cfg(target_arch = "wasm32")]

mod wasm_shared;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn api_functions() {
    wasm_shared::api_functions();
}

#[wasm_bindgen_test]
fn bad_bytes_are_errors_not_panics() {
    wasm_shared::bad_bytes_are_errors_not_panics();
}

#[wasm_bindgen_test]
fn bad_view_and_options_are_errors() {
    wasm_shared::bad_view_and_options_are_errors();
}

#[wasm_bindgen_test]
fn info_matches_metadata() {
    wasm_shared::info_matches_metadata();
}

#[wasm_bindgen_test]
fn views_match_native_cli() {
    wasm_shared::views_match_native_cli();
}
