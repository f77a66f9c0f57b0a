//! hubecon: the metrics of the open-model economy, computed over a compressed Arrow snapshot.
//!
//! The core is plain Rust with no wasm types. Two thin faces sit on it: [`wasm`] (wasm-bindgen,
//! compiled only for `wasm32`) and the `hubecon` CLI (`src/bin/hubecon.rs`, native only).
//!
//! Layout: [`snapshot`] holds the data (schema, load, validate, write); [`import`] gets data into a
//! snapshot; one module per metric family ([`filter`], [`attribution`], [`concentration`],
//! [`incidence`], [`sizes`], [`lineage`], [`disruption`], [`race`], [`stats`]); [`views`] turns an
//! [`options::Options`] into the tables every view shows; [`week_rows`] lays the kept rows out by week and age
//! for the weekly model-level concentration; [`engine::Engine`] keeps a loaded snapshot
//! and the indexes derived from it.

pub mod aggregate;
pub mod attribution;
pub mod concentration;
pub mod disruption;
pub mod engine;
pub mod error;
pub mod filter;
pub mod import;
pub mod incidence;
pub mod lineage;
pub mod options;
pub mod race;
pub mod rng;
pub mod sizes;
pub mod snapshot;
pub mod snapshot_io;
pub mod stats;
pub mod time;
pub mod views;
pub mod week_rows;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::Engine;
pub use error::{Error, Result};
pub use options::Options;
pub use snapshot::Snapshot;
