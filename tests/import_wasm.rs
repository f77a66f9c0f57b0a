//! The synthetic generator gives the same snapshot in wasm as natively (the digest the native test
//! in import_synthetic.rs pins). Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test --target wasm32-unknown-unknown --test import_wasm` (Node).
#![cfg(target_arch = "wasm32")]

#[path = "import_common/digest.rs"]
mod digest;

use wasm_bindgen_test::wasm_bindgen_test;

/// Keep equal to `DIGEST_5000_SEED_42` in tests/import_synthetic.rs.
const NATIVE_DIGEST_5000_SEED_42: u64 = 0xbadb_15fd_c8e9_184d;

#[wasm_bindgen_test]
fn synthetic_snapshot_is_the_same_as_native() {
    let s = hubecon::import::synthetic::generate(5_000, 42).unwrap();
    assert_eq!(digest::digest(&s), NATIVE_DIGEST_5000_SEED_42);
}

#[wasm_bindgen_test]
fn csv_import_works_in_wasm() {
    let s = hubecon::import::csv::import(
        ("source,target,edge\na/x,b/y,finetuned\n", "e.csv"),
        None,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(s.models(), 2);
}
