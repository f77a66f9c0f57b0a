//! The CSV importer on the real hakanotal edge list in ../shared (skipped when ../shared is absent).
//!
//! Expected numbers were read off the file independently with pandas and networkx:
//! ```text
//! python3 -c "import pandas as pd, networkx as nx
//! e = pd.read_csv('edges_c952a70.csv', dtype=str, keep_default_na=False)
//! print(len(e), len(set(e.source) | set(e.target)), (e.source == e.target).sum(),
//!       e.duplicated(['source', 'target']).sum())
//! k = e[e.source != e.target]; print(k.edge.value_counts().to_dict(), k.target.nunique())
//! g = nx.DiGraph(); g.add_edges_from(zip(k.source, k.target)); print(nx.is_directed_acyclic_graph(g))"
//! ```
//! gives 28155 rows, 29075 models, 45 self-loops, 0 repeated pairs; after the self-loops:
//! finetuned 13049, quantized 11318, merged 3490, adapter 253, 25416 models with a base; acyclic.
//! (`wc -l edges_c952a70.csv` = 28156 lines with the header.)

use std::path::Path;

use hubecon::import::csv::{import, CsvOptions};
use hubecon::snapshot::Relation;

#[test]
fn hakanotal_edges_import_with_the_counts_read_off_the_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/hakanotal_hf-dep-network-analysis/edges_c952a70.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "skipped: {} is not there (../shared is absent on this machine)",
            path.display()
        );
        return;
    };
    let s = import((&text, "edges_c952a70.csv"), None, &CsvOptions::default()).unwrap();
    assert_eq!(s.models(), 29_075);
    assert_eq!(s.base_model.len(), 13_049 + 11_318 + 3_490 + 253);
    let count = |r: Relation| s.base_relation.iter().filter(|&&x| x == r).count();
    assert_eq!(count(Relation::Finetune), 13_049);
    assert_eq!(count(Relation::Quantized), 11_318);
    assert_eq!(count(Relation::Merge), 3_490);
    assert_eq!(count(Relation::Adapter), 253);
    let with_base = (0..s.models()).filter(|&i| !s.bases(i).0.is_empty()).count();
    assert_eq!(with_base, 25_416);
    assert_eq!(s.meta.repairs, vec!["45 self-loops dropped".to_string()]);
    s.validate().unwrap();
}
