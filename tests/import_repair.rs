//! Lineage repair shared by every importer: expected results worked out by hand below.

use hubecon::import::repair::{repair_lineage, LineageRepairs, Link};
use hubecon::snapshot::Relation;

fn link(child: u32, parent: u32, relation: Relation) -> Link {
    Link {
        child,
        parent,
        relation,
    }
}

#[test]
fn chain_of_100_000_models_is_kept_whole() {
    let n = 100_000u32;
    // Model i derives from model i - 1; listed in reverse to show the input order does not matter.
    let links: Vec<Link> = (1..n).rev().map(|i| link(i, i - 1, Relation::Finetune)).collect();
    let (lineage, repairs) = repair_lineage(n as usize, links);
    assert_eq!(repairs, LineageRepairs::default());
    assert_eq!(lineage.parents.len(), n as usize - 1);
    assert_eq!(lineage.offsets[0..3], [0, 0, 1]);
    assert_eq!(lineage.parents[0], 0);
    assert_eq!(*lineage.parents.last().unwrap(), n - 2);
}

#[test]
fn chain_of_100_000_closed_into_a_cycle_loses_one_link() {
    let n = 100_000u32;
    let mut links: Vec<Link> = (1..n).map(|i| link(i, i - 1, Relation::Finetune)).collect();
    links.push(link(0, n - 1, Relation::Adapter)); // closes the ring
    let (lineage, repairs) = repair_lineage(n as usize, links);
    assert_eq!(repairs.cycle_links, 1);
    assert_eq!(lineage.parents.len(), n as usize - 1);
    // The walk starts at model 0 and follows 0 -> 99 999 -> 99 998 -> ... -> 1, whose link to 0
    // closes the cycle: model 1 loses its base, model 0 keeps 99 999.
    assert_eq!(lineage.offsets[1] - lineage.offsets[0], 1);
    assert_eq!(lineage.parents[0], n - 1);
    assert_eq!(lineage.offsets[2] - lineage.offsets[1], 0);
    assert!(repairs.lines()[0].starts_with("1 lineage links dropped to break cycles"));
}

#[test]
fn self_loops_duplicates_out_of_range_and_two_cycles() {
    // 5 models. Links (child <- parent):
    //   0 <- 0 self-loop (dropped)
    //   1 <- 0 twice, as other and as quantized (merged, quantized kept)
    //   2 <- 1, 1 <- 2 (cycle 1-2: walk from 0 has no parents; from 1: 1 -> 0 done, 1 -> 2, 2 -> 1
    //   closes it, so 2 <- 1 is dropped)
    //   3 <- 4, 4 <- 3 (walk from 3: 3 -> 4, 4 -> 3 closes it, so 4 <- 3 is dropped)
    //   3 <- 7 out of range (dropped)
    let links = vec![
        link(0, 0, Relation::Finetune),
        link(1, 0, Relation::Other),
        link(1, 0, Relation::Quantized),
        link(2, 1, Relation::Finetune),
        link(1, 2, Relation::Merge),
        link(3, 4, Relation::Adapter),
        link(4, 3, Relation::Adapter),
        link(3, 7, Relation::Finetune),
    ];
    let (lineage, repairs) = repair_lineage(5, links);
    assert_eq!(
        repairs,
        LineageRepairs {
            self_loops: 1,
            duplicates: 1,
            out_of_range: 1,
            cycle_links: 2
        }
    );
    assert_eq!(lineage.offsets, vec![0, 0, 2, 2, 3, 3]);
    assert_eq!(lineage.parents, vec![0, 2, 4]);
    assert_eq!(
        lineage.relations,
        vec![Relation::Quantized, Relation::Merge, Relation::Adapter]
    );
    assert_eq!(repairs.lines().len(), 4);
}

#[test]
fn result_is_acyclic_on_a_dense_random_graph() {
    // Every model links to three others chosen by a fixed LCG: many cycles; the result must admit a
    // topological order (Kahn's algorithm consumes every model).
    let n = 5_000usize;
    let mut x = 12345u64;
    let mut links = Vec::new();
    for child in 0..n as u32 {
        for _ in 0..3 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            links.push(link(child, ((x >> 33) % n as u64) as u32, Relation::Finetune));
        }
    }
    let (lineage, repairs) = repair_lineage(n, links);
    assert!(repairs.cycle_links > 0);
    let mut children_of = vec![Vec::new(); n];
    let mut pending = vec![0usize; n];
    for (c, window) in lineage.offsets.windows(2).enumerate() {
        for k in window[0]..window[1] {
            let p = lineage.parents[k as usize] as usize;
            assert_ne!(p, c);
            children_of[p].push(c);
            pending[c] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&c| pending[c] == 0).collect();
    let mut seen = 0;
    while let Some(p) = ready.pop() {
        seen += 1;
        for &c in &children_of[p] {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.push(c);
            }
        }
    }
    assert_eq!(seen, n, "no cycle left");
}
