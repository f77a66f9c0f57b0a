//! `Snapshot::from_ipc` on arbitrary bytes: it must return `Ok` or `Err`, never panic or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(snapshot) = hubecon::Snapshot::from_ipc(data) {
        // Whatever loads must satisfy the invariants and write back.
        assert!(snapshot.validate().is_ok());
        let _ = snapshot.to_ipc();
    }
});
