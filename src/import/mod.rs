//! Getting data into a snapshot (issue 2: being written).

use crate::{Error, Result};

/// `hubecon build` with its `--flag value` pairs (native only: it reads Parquet).
#[cfg(not(target_arch = "wasm32"))]
pub fn cli_build(_flags: &[(String, String)]) -> Result<()> {
    Err(Error::Compute("hubecon build is not implemented yet".into()))
}
