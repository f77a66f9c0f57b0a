//! The lineage index: children and parents of every model as CSR (issue 4: being written).

use crate::snapshot::Snapshot;

#[derive(Clone, Debug, Default)]
pub struct LineageIndex {}

impl LineageIndex {
    pub fn build(_snapshot: &Snapshot) -> Self {
        LineageIndex {}
    }
}
