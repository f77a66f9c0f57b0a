//! Lineage repair, shared by every importer: real metadata has self-loops, repeated links, links to
//! models that are not in the table, and cycles. Each repair is counted and reported as one line
//! of `meta.repairs` ("2 self-loops dropped", ...); nothing is dropped silently.
//!
//! Cycle rule (deterministic): a depth-first walk over child → parent links, starting from models in
//! ascending row order and following each model's parents in ascending row order, drops every link
//! that points back to a model still on the walk's path (the link that closes a cycle). The walk is
//! iterative (an explicit stack), so a chain of any length cannot overflow the call stack.

use crate::snapshot::Relation;

/// One raw lineage link by row index: `child` derives from `parent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub child: u32,
    pub parent: u32,
    pub relation: Relation,
}

/// Base models as CSR (the snapshot's `base_offsets`, `base_model`, `base_relation`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lineage {
    pub offsets: Vec<u32>,
    pub parents: Vec<u32>,
    pub relations: Vec<Relation>,
}

/// What the repair changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineageRepairs {
    pub self_loops: usize,
    pub duplicates: usize,
    pub out_of_range: usize,
    pub cycle_links: usize,
}

impl LineageRepairs {
    /// One line per non-zero count, for `meta.repairs`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.self_loops > 0 {
            out.push(format!("{} self-loops dropped", self.self_loops));
        }
        if self.duplicates > 0 {
            out.push(format!(
                "{} duplicate lineage links merged (the first non-'other' relation kept)",
                self.duplicates
            ));
        }
        if self.out_of_range > 0 {
            out.push(format!(
                "{} lineage links to rows out of range dropped",
                self.out_of_range
            ));
        }
        if self.cycle_links > 0 {
            out.push(format!(
                "{} lineage links dropped to break cycles (depth-first from the lowest row, the link closing each cycle)",
                self.cycle_links
            ));
        }
        out
    }
}

/// Cleans raw links of `models` rows into an acyclic CSR without self-loops or repeated links.
///
/// Empty input gives `models + 1` zero offsets. A repeated (child, parent) pair keeps one link with
/// the smallest relation other than `other` (finetune < adapter < quantized < merge), or `other`.
pub fn repair_lineage(models: usize, mut links: Vec<Link>) -> (Lineage, LineageRepairs) {
    let mut repairs = LineageRepairs::default();
    let before = links.len();
    links.retain(|l| (l.child as usize) < models && (l.parent as usize) < models);
    repairs.out_of_range = before - links.len();
    let before = links.len();
    links.retain(|l| l.child != l.parent);
    repairs.self_loops = before - links.len();

    // Sort by (child, parent, relation): `other` sorts last, so the first of a run is the one kept.
    links.sort_unstable_by_key(|l| (l.child, l.parent, l.relation as u8));
    let before = links.len();
    links.dedup_by_key(|l| (l.child, l.parent));
    repairs.duplicates = before - links.len();

    // CSR by child (links are sorted by child, then parent).
    let mut offsets = vec![0u32; models + 1];
    for l in &links {
        if let Some(o) = offsets.get_mut(l.child as usize + 1) {
            *o += 1;
        }
    }
    for i in 0..models {
        let prev = offsets.get(i).copied().unwrap_or(0);
        if let Some(o) = offsets.get_mut(i + 1) {
            *o += prev;
        }
    }
    let parents: Vec<u32> = links.iter().map(|l| l.parent).collect();
    let relations: Vec<Relation> = links.iter().map(|l| l.relation).collect();

    // Cycle breaking: iterative DFS, colours 0 = new, 1 = on the path, 2 = done.
    let mut keep = vec![true; parents.len()];
    let mut colour = vec![0u8; models];
    let mut stack: Vec<(u32, u32)> = Vec::new(); // (model, next link position)
    for root in 0..models {
        if colour.get(root).copied() != Some(0) {
            continue;
        }
        if let Some(c) = colour.get_mut(root) {
            *c = 1;
        }
        stack.push((root as u32, offsets.get(root).copied().unwrap_or(0)));
        while let Some(top) = stack.last_mut() {
            let (model, next) = *top;
            let end = offsets.get(model as usize + 1).copied().unwrap_or(0);
            if next >= end {
                if let Some(c) = colour.get_mut(model as usize) {
                    *c = 2;
                }
                stack.pop();
                continue;
            }
            top.1 = next + 1;
            let Some(&parent) = parents.get(next as usize) else {
                continue;
            };
            match colour.get(parent as usize).copied() {
                Some(0) => {
                    if let Some(c) = colour.get_mut(parent as usize) {
                        *c = 1;
                    }
                    stack.push((parent, offsets.get(parent as usize).copied().unwrap_or(0)));
                }
                Some(1) => {
                    if let Some(k) = keep.get_mut(next as usize) {
                        *k = false;
                    }
                    repairs.cycle_links += 1;
                }
                _ => {}
            }
        }
    }

    if repairs.cycle_links == 0 {
        return (
            Lineage {
                offsets,
                parents,
                relations,
            },
            repairs,
        );
    }
    let mut lineage = Lineage {
        offsets: Vec::with_capacity(models + 1),
        parents: Vec::with_capacity(parents.len()),
        relations: Vec::with_capacity(parents.len()),
    };
    lineage.offsets.push(0);
    for i in 0..models {
        let (a, b) = (
            offsets.get(i).copied().unwrap_or(0) as usize,
            offsets.get(i + 1).copied().unwrap_or(0) as usize,
        );
        for k in a..b {
            if keep.get(k).copied().unwrap_or(false) {
                if let (Some(&p), Some(&r)) = (parents.get(k), relations.get(k)) {
                    lineage.parents.push(p);
                    lineage.relations.push(r);
                }
            }
        }
        lineage.offsets.push(lineage.parents.len() as u32);
    }
    (lineage, repairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(child: u32, parent: u32) -> Link {
        Link {
            child,
            parent,
            relation: Relation::Finetune,
        }
    }

    #[test]
    fn empty_input() {
        let (l, r) = repair_lineage(3, Vec::new());
        assert_eq!(l.offsets, vec![0, 0, 0, 0]);
        assert!(l.parents.is_empty());
        assert_eq!(r, LineageRepairs::default());
        assert!(r.lines().is_empty());
        let (l, _) = repair_lineage(0, vec![link(0, 1)]);
        assert_eq!(l.offsets, vec![0]);
    }

    #[test]
    fn two_cycle_drops_the_closing_link() {
        // 0 -> 1 -> 0: the walk starts at 0, goes to 1, and 1's link back to 0 closes the cycle.
        let (l, r) = repair_lineage(2, vec![link(0, 1), link(1, 0)]);
        assert_eq!(r.cycle_links, 1);
        assert_eq!(l.offsets, vec![0, 1, 1]);
        assert_eq!(l.parents, vec![1]);
    }
}
