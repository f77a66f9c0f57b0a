//! The lineage index: parents and children of every model as CSR, with relations, built once per
//! snapshot in time linear in models plus edges (plus one sort of the models by creation day).
//!
//! - Parents of model `i`: `parents[parent_offsets[i]..parent_offsets[i+1]]`, in the snapshot's
//!   order, after the defensive clean-up below, with `parent_relation` alongside.
//! - Children of model `i`: `children[child_offsets[i]..child_offsets[i+1]]`, sorted by (creation day,
//!   index), with `child_created` and `child_relation` alongside, so that "children created in
//!   (a, b]" is two binary searches. Models with an unknown creation day ([`NO_DATE`]) sort first
//!   and therefore fall in no window that starts at a known day.
//! - `topo_order` lists every model after all of its parents; `depth` is the length of the longest
//!   chain of base models up to a root (0 for a root).
//! - Families are the weakly connected components of the lineage graph.
//! - `descendants[i]` counts the distinct models that have `i` as an ancestor through any of their
//!   bases: a merge counts once under each of its ancestors, and once only where two lines meet
//!   again (a diamond). Cost: linear, plus the distinct ancestors of every merge (a few each on the
//!   Hub); past [`DESCENDANT_BUDGET`] such visits (long chains of merges) the index keeps the
//!   primary-parent forest's count instead (each model under the first base it lists only, a lower
//!   bound) and says so in `descendants_exact`.
//!
//! Snapshots arrive validated (no self-loops, no cycles, indexes in range), but the index does not
//! rely on it: self-loops, out-of-range bases, repeated bases, malformed offsets and cycles are
//! detected, counted in [`LineageRepairs`] and dropped deterministically. Cycles are broken by
//! dropping the back edges of an iterative depth-first search over the models Kahn's algorithm
//! could not order, visited in index order. Nothing here recurses, so chains of any length work.

use crate::snapshot::{Relation, RelationSet, Snapshot};
use crate::time::NO_DATE;

/// What the index had to repair in the snapshot's lineage (all zero for a valid snapshot).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineageRepairs {
    /// Models whose base range in `base_offsets` was missing or out of bounds (read as no bases).
    pub malformed_offsets: usize,
    /// Base references to a row that does not exist.
    pub out_of_range: usize,
    /// Models listed as their own base.
    pub self_loops: usize,
    /// A base listed twice by the same model (kept once).
    pub duplicates: usize,
    /// Edges dropped to break cycles (one per cycle closed by a back edge).
    pub cycle_edges: usize,
}

impl LineageRepairs {
    pub fn is_clean(&self) -> bool {
        *self == LineageRepairs::default()
    }

    /// One line per kind of repair, for a view's notes.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |n: usize, what: &str| {
            if n > 0 {
                out.push(format!("lineage: {n} {what} dropped"));
            }
        };
        say(
            self.malformed_offsets,
            "model(s) with malformed base offsets had their bases",
        );
        say(self.out_of_range, "base reference(s) to missing rows");
        say(self.self_loops, "self-loop(s)");
        say(self.duplicates, "repeated base reference(s)");
        say(self.cycle_edges, "edge(s) closing a cycle");
        out
    }
}

/// Children lists restricted to a set of relations (see [`LineageIndex::children_with`]).
///
/// Same layout as the index's children: sorted by (creation day, index) per parent. `multi` holds,
/// per parent, only the children that have two or more parents under the same relation set (the
/// merges); MDI needs them to count overlaps without scanning every sibling.
#[derive(Clone, Debug, Default)]
pub struct ChildLists {
    pub offsets: Vec<u32>,
    pub children: Vec<u32>,
    pub created: Vec<i32>,
    pub multi_offsets: Vec<u32>,
    pub multi_children: Vec<u32>,
    pub multi_created: Vec<i32>,
}

/// Range `lo..hi` of a CSR; empty when out of bounds (never panics).
#[inline]
pub(crate) fn csr_range(offsets: &[u32], i: usize) -> std::ops::Range<usize> {
    match (offsets.get(i), offsets.get(i + 1)) {
        (Some(&a), Some(&b)) if a <= b => a as usize..b as usize,
        _ => 0..0,
    }
}

/// Number of entries of a sorted `created` slice in the day window (after, until]; `until = None`
/// is unbounded.
#[inline]
pub fn count_in_window(created: &[i32], after: i32, until: Option<i32>) -> usize {
    let lo = created.partition_point(|&d| d <= after);
    let hi = match until {
        Some(u) => created.partition_point(|&d| d <= u),
        None => created.len(),
    };
    hi.saturating_sub(lo)
}

impl ChildLists {
    pub fn children(&self, i: usize) -> (&[u32], &[i32]) {
        let r = csr_range(&self.offsets, i);
        (
            self.children.get(r.clone()).unwrap_or(&[]),
            self.created.get(r).unwrap_or(&[]),
        )
    }
    pub fn multi(&self, i: usize) -> (&[u32], &[i32]) {
        let r = csr_range(&self.multi_offsets, i);
        (
            self.multi_children.get(r.clone()).unwrap_or(&[]),
            self.multi_created.get(r).unwrap_or(&[]),
        )
    }
}

#[derive(Clone, Debug, Default)]
pub struct LineageIndex {
    pub models: usize,
    pub parent_offsets: Vec<u32>,
    pub parents: Vec<u32>,
    pub parent_relation: Vec<Relation>,
    pub child_offsets: Vec<u32>,
    pub children: Vec<u32>,
    pub child_created: Vec<i32>,
    pub child_relation: Vec<Relation>,
    /// Every model, parents before children (Kahn's order, ties by index).
    pub topo_order: Vec<u32>,
    /// Every model sorted by (creation day, index); unknown days first.
    pub by_created: Vec<u32>,
    /// Longest chain of bases up to a root; 0 for roots.
    pub depth: Vec<u32>,
    /// Family (weakly connected component) of each model, numbered by smallest member order.
    pub family: Vec<u32>,
    /// Number of models in each family (indexed by family number).
    pub family_size: Vec<u32>,
    /// Distinct descendants of each model through every base (see the module documentation).
    pub descendants: Vec<u32>,
    /// False when the merges' ancestor sets exceeded [`DESCENDANT_BUDGET`] and `descendants` holds
    /// the primary-parent forest's lower bound instead.
    pub descendants_exact: bool,
    pub repairs: LineageRepairs,
}

impl LineageIndex {
    /// Builds the index. Never panics, whatever the lineage columns hold; see [`LineageRepairs`].
    /// An empty snapshot gives an empty index.
    pub fn build(snapshot: &Snapshot) -> Self {
        let n = snapshot.models();
        let created = |i: usize| snapshot.created.get(i).copied().unwrap_or(NO_DATE);
        let mut repairs = LineageRepairs::default();

        // 1. Parents, cleaned of self-loops, out-of-range and repeated references.
        let mut parent_offsets = Vec::with_capacity(n + 1);
        let mut parents = Vec::with_capacity(snapshot.base_model.len());
        let mut parent_relation = Vec::with_capacity(snapshot.base_model.len());
        parent_offsets.push(0u32);
        for i in 0..n {
            let range = match (snapshot.base_offsets.get(i), snapshot.base_offsets.get(i + 1)) {
                (Some(&a), Some(&b)) if a <= b && (b as usize) <= snapshot.base_model.len() => {
                    a as usize..b as usize
                }
                _ => {
                    repairs.malformed_offsets += 1;
                    0..0
                }
            };
            let start = parents.len();
            for e in range {
                let p = snapshot.base_model.get(e).copied().unwrap_or(u32::MAX);
                let rel = snapshot.base_relation.get(e).copied().unwrap_or(Relation::Other);
                if p as usize >= n {
                    repairs.out_of_range += 1;
                } else if p as usize == i {
                    repairs.self_loops += 1;
                } else if parents.get(start..).is_some_and(|s: &[u32]| s.contains(&p)) {
                    repairs.duplicates += 1;
                } else {
                    parents.push(p);
                    parent_relation.push(rel);
                }
            }
            parent_offsets.push(parents.len() as u32);
        }

        // 2. Models by creation day, then children in that order.
        let by_created = sort_by_created(n, &snapshot.created);
        let mut kids = Children::build(
            n,
            &parent_offsets,
            &parents,
            &parent_relation,
            &by_created,
            created,
        );

        // 3. Topological order; break cycles if some models could not be ordered.
        let mut topo_order = kahn(n, &parent_offsets, &kids.offsets, &kids.children);
        if topo_order.len() < n {
            let drop = back_edges(n, &parent_offsets, &parents, &topo_order);
            repairs.cycle_edges = drop.iter().filter(|&&d| d).count();
            let (mut o, mut p, mut r) = (vec![0u32], Vec::new(), Vec::new());
            for i in 0..n {
                for e in csr_range(&parent_offsets, i) {
                    if !drop.get(e).copied().unwrap_or(false) {
                        p.push(parents.get(e).copied().unwrap_or(0));
                        r.push(parent_relation.get(e).copied().unwrap_or(Relation::Other));
                    }
                }
                o.push(p.len() as u32);
            }
            parent_offsets = o;
            parents = p;
            parent_relation = r;
            kids = Children::build(
                n,
                &parent_offsets,
                &parents,
                &parent_relation,
                &by_created,
                created,
            );
            topo_order = kahn(n, &parent_offsets, &kids.offsets, &kids.children);
        }
        let Children {
            offsets: child_offsets,
            children,
            created: child_created,
            relation: child_relation,
        } = kids;

        // 4. Depth along the topological order.
        let mut depth = vec![0u32; n];
        for &v in &topo_order {
            let v = v as usize;
            let d = csr_range(&parent_offsets, v)
                .filter_map(|e| parents.get(e))
                .map(|&p| depth.get(p as usize).copied().unwrap_or(0).saturating_add(1))
                .max()
                .unwrap_or(0);
            depth[v] = d;
        }

        // 5. Families: union-find with path halving (iterative).
        let mut uf: Vec<u32> = (0..n as u32).collect();
        fn find(uf: &mut [u32], mut x: u32) -> u32 {
            while uf[x as usize] != x {
                let grand = uf[uf[x as usize] as usize];
                uf[x as usize] = grand;
                x = grand;
            }
            x
        }
        for i in 0..n {
            for e in csr_range(&parent_offsets, i) {
                if let Some(&p) = parents.get(e) {
                    let (a, b) = (find(&mut uf, i as u32), find(&mut uf, p));
                    if a != b {
                        // The smaller index becomes the representative: deterministic.
                        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                        uf[hi as usize] = lo;
                    }
                }
            }
        }
        let mut family = vec![u32::MAX; n];
        let mut family_size: Vec<u32> = Vec::new();
        let mut number_of_rep = vec![u32::MAX; n];
        for (i, fam) in family.iter_mut().enumerate() {
            let r = find(&mut uf, i as u32) as usize;
            if number_of_rep[r] == u32::MAX {
                number_of_rep[r] = family_size.len() as u32;
                family_size.push(0);
            }
            let f = number_of_rep[r];
            *fam = f;
            family_size[f as usize] += 1;
        }

        // 6. Distinct descendants (see `distinct_descendants`), or the primary-parent forest's count
        //    when the merges' ancestor sets are too large to walk.
        let (descendants, descendants_exact) =
            match distinct_descendants(n, &parent_offsets, &parents, &topo_order, DESCENDANT_BUDGET) {
                Some(d) => (d, true),
                None => (
                    primary_forest_descendants(n, &parent_offsets, &parents, &topo_order),
                    false,
                ),
            };

        LineageIndex {
            models: n,
            parent_offsets,
            parents,
            parent_relation,
            child_offsets,
            children,
            child_created,
            child_relation,
            topo_order,
            by_created,
            depth,
            family,
            family_size,
            descendants,
            descendants_exact,
            repairs,
        }
    }

    /// Parents of model `i` and their relations (empty when out of range).
    pub fn parents(&self, i: usize) -> (&[u32], &[Relation]) {
        let r = csr_range(&self.parent_offsets, i);
        (
            self.parents.get(r.clone()).unwrap_or(&[]),
            self.parent_relation.get(r).unwrap_or(&[]),
        )
    }

    /// Children of model `i`, sorted by (creation day, index), with their days and relations.
    pub fn children(&self, i: usize) -> (&[u32], &[i32], &[Relation]) {
        let r = csr_range(&self.child_offsets, i);
        (
            self.children.get(r.clone()).unwrap_or(&[]),
            self.child_created.get(r.clone()).unwrap_or(&[]),
            self.child_relation.get(r).unwrap_or(&[]),
        )
    }

    pub fn is_root(&self, i: usize) -> bool {
        csr_range(&self.parent_offsets, i).is_empty()
    }

    /// Number of models without base models.
    pub fn root_count(&self) -> usize {
        (0..self.models).filter(|&i| self.is_root(i)).count()
    }

    /// Size of the family (weakly connected component) of model `i`; 0 when out of range.
    pub fn family_size_of(&self, i: usize) -> u32 {
        self.family
            .get(i)
            .and_then(|&f| self.family_size.get(f as usize))
            .copied()
            .unwrap_or(0)
    }

    /// Children lists keeping only edges whose relation is in `relations`, in the same order, with
    /// the multi-parent children (under `relations`) split out too. Linear in models plus edges.
    pub fn children_with(&self, relations: RelationSet) -> ChildLists {
        let n = self.models;
        // Parents of each child under the relation set, to find the multi-parent ones.
        let kept_parents: Vec<u8> = (0..n)
            .map(|i| {
                let (_, rels) = self.parents(i);
                rels.iter().filter(|r| relations.contains(**r)).count().min(2) as u8
            })
            .collect();
        let mut out = ChildLists {
            offsets: Vec::with_capacity(n + 1),
            multi_offsets: Vec::with_capacity(n + 1),
            ..Default::default()
        };
        out.offsets.push(0);
        out.multi_offsets.push(0);
        for i in 0..n {
            let (kids, days, rels) = self.children(i);
            for ((&c, &d), &r) in kids.iter().zip(days).zip(rels) {
                if relations.contains(r) {
                    out.children.push(c);
                    out.created.push(d);
                    if kept_parents.get(c as usize).copied().unwrap_or(0) >= 2 {
                        out.multi_children.push(c);
                        out.multi_created.push(d);
                    }
                }
            }
            out.offsets.push(out.children.len() as u32);
            out.multi_offsets.push(out.multi_children.len() as u32);
        }
        out
    }
}

/// Most ancestor visits [`distinct_descendants`] makes (summed over the merges) before the index
/// falls back to the primary-parent forest's count. Hub-like lineage needs a few per merge.
pub const DESCENDANT_BUDGET: u64 = 200_000_000;

/// Distinct descendants of every model through all of its children, without recursion.
///
/// Cut every multi-parent model (a merge) from its bases: what is left is a forest of "segments",
/// each hanging from a root or a merge, in which every model has one parent. `segment[v]` counts v
/// and the models below it in its segment (one pass children before parents). A descendant u of v
/// is either below v in v's segment, or below (or equal to) a merge w that has v among its ancestors:
/// each u lies in exactly one segment, so
///
///   descendants(v) = segment[v] − 1 + Σ segment[w] over the merges w with v ∈ ancestors(w),
///
/// every model counted once however many paths lead to it. The sum walks each merge's distinct
/// ancestors (a stamped upward search): cost models + edges + Σ |ancestors(merge)|, which is small
/// on Hub-like lineage (few merges, shallow) but quadratic for long chains of merges, hence the
/// `budget` on ancestor visits (`None` past it).
fn distinct_descendants(
    n: usize,
    parent_offsets: &[u32],
    parents: &[u32],
    topo_order: &[u32],
    budget: u64,
) -> Option<Vec<u32>> {
    let mut segment = vec![1u32; n];
    for &v in topo_order.iter().rev() {
        let range = csr_range(parent_offsets, v as usize);
        if range.len() == 1 {
            let add = segment.get(v as usize).copied().unwrap_or(0);
            if let Some(s) = parents
                .get(range.start)
                .and_then(|&p| segment.get_mut(p as usize))
            {
                *s = s.saturating_add(add);
            }
        }
    }
    let mut out: Vec<u32> = segment.iter().map(|s| s.saturating_sub(1)).collect();
    let mut stamp = vec![u32::MAX; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut visits = 0u64;
    for w in 0..n {
        let range = csr_range(parent_offsets, w);
        if range.len() < 2 {
            continue;
        }
        let add = segment.get(w).copied().unwrap_or(0);
        stack.clear();
        stack.push(w as u32);
        while let Some(v) = stack.pop() {
            for e in csr_range(parent_offsets, v as usize) {
                let Some(&p) = parents.get(e) else { continue };
                visits += 1;
                if let Some(mark) = stamp.get_mut(p as usize) {
                    if *mark != w as u32 {
                        *mark = w as u32;
                        if let Some(d) = out.get_mut(p as usize) {
                            *d = d.saturating_add(add);
                        }
                        stack.push(p);
                    }
                }
            }
            if visits > budget {
                return None;
            }
        }
    }
    Some(out)
}

/// Descendants along the primary-parent forest: every model hangs under the first base it lists
/// only, so a merge counts under one line (a lower bound of the distinct count; exact on a forest).
fn primary_forest_descendants(
    n: usize,
    parent_offsets: &[u32],
    parents: &[u32],
    topo_order: &[u32],
) -> Vec<u32> {
    let mut descendants = vec![0u32; n];
    for &v in topo_order.iter().rev() {
        let v = v as usize;
        if let Some(&p) = csr_range(parent_offsets, v).next().and_then(|e| parents.get(e)) {
            let add = descendants.get(v).copied().unwrap_or(0).saturating_add(1);
            if let Some(d) = descendants.get_mut(p as usize) {
                *d = d.saturating_add(add);
            }
        }
    }
    descendants
}

/// Kahn's algorithm, FIFO queue seeded in index order. Returns the models it could order; fewer
/// than `n` means cycles (or models downstream of one).
fn kahn(n: usize, parent_offsets: &[u32], child_offsets: &[u32], children: &[u32]) -> Vec<u32> {
    let mut indegree: Vec<u32> = (0..n)
        .map(|i| csr_range(parent_offsets, i).len() as u32)
        .collect();
    let mut order: Vec<u32> = (0..n as u32).filter(|&i| indegree[i as usize] == 0).collect();
    let mut head = 0;
    while let Some(&v) = order.get(head) {
        head += 1;
        for k in csr_range(child_offsets, v as usize) {
            if let Some(d) = children.get(k).and_then(|&c| indegree.get_mut(c as usize)) {
                *d = d.saturating_sub(1);
                if *d == 0 {
                    if let Some(&c) = children.get(k) {
                        order.push(c);
                    }
                }
            }
        }
    }
    order
}

/// Children CSR, each list sorted by (creation day, index) because children are appended in
/// `by_created` order.
struct Children {
    offsets: Vec<u32>,
    children: Vec<u32>,
    created: Vec<i32>,
    relation: Vec<Relation>,
}

impl Children {
    fn build(
        n: usize,
        parent_offsets: &[u32],
        parents: &[u32],
        parent_relation: &[Relation],
        by_created: &[u32],
        created: impl Fn(usize) -> i32,
    ) -> Children {
        let mut offsets = vec![0u32; n + 1];
        for &p in parents {
            if let Some(c) = offsets.get_mut(p as usize + 1) {
                *c += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill: Vec<u32> = offsets[..n].to_vec();
        let m = parents.len();
        let mut out = Children {
            offsets: Vec::new(),
            children: vec![0u32; m],
            created: vec![NO_DATE; m],
            relation: vec![Relation::Other; m],
        };
        for &c in by_created {
            let day = created(c as usize);
            for e in csr_range(parent_offsets, c as usize) {
                let (Some(&p), Some(&rel)) = (parents.get(e), parent_relation.get(e)) else {
                    continue;
                };
                if let Some(slot) = fill.get_mut(p as usize) {
                    let k = *slot as usize;
                    if k < m {
                        out.children[k] = c;
                        out.created[k] = day;
                        out.relation[k] = rel;
                    }
                    *slot += 1;
                }
            }
        }
        out.offsets = offsets;
        out
    }
}

/// Marks (by parent-edge position) the back edges of an iterative depth-first search over the
/// models not in `ordered`, following parent links, roots of the search in index order. Dropping
/// them leaves the graph acyclic.
fn back_edges(n: usize, parent_offsets: &[u32], parents: &[u32], ordered: &[u32]) -> Vec<bool> {
    const WHITE: u8 = 0;
    const GREY: u8 = 1;
    const BLACK: u8 = 2;
    let mut colour = vec![WHITE; n];
    // Ordered models cannot lie on a cycle.
    for &v in ordered {
        colour[v as usize] = BLACK;
    }
    let mut drop = vec![false; parents.len()];
    // (model, next parent-edge position)
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for start in 0..n {
        if colour[start] != WHITE {
            continue;
        }
        colour[start] = GREY;
        stack.push((start as u32, csr_range(parent_offsets, start).start));
        while let Some(top) = stack.last_mut() {
            let v = top.0 as usize;
            let end = csr_range(parent_offsets, v).end;
            if top.1 >= end {
                colour[v] = BLACK;
                stack.pop();
                continue;
            }
            let e = top.1;
            top.1 += 1;
            let Some(&p) = parents.get(e) else { continue };
            match colour.get(p as usize).copied() {
                Some(GREY) => drop[e] = true,
                Some(WHITE) => {
                    colour[p as usize] = GREY;
                    stack.push((p, csr_range(parent_offsets, p as usize).start));
                }
                _ => {}
            }
        }
    }
    drop
}

/// Models sorted by (creation day, index), unknown days first: a counting sort when the days span
/// a modest range (always, for real data), else a comparison sort.
fn sort_by_created(n: usize, created: &[i32]) -> Vec<u32> {
    let day = |i: usize| created.get(i).copied().unwrap_or(NO_DATE);
    let known = (0..n).map(day).filter(|&d| d != NO_DATE);
    let (lo, hi) = known.fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let span = if lo <= hi {
        (hi as i64 - lo as i64 + 1) as usize
    } else {
        0
    };
    if span <= 4 * n + 100_000 {
        // Bucket 0 holds unknown days; bucket k + 1 holds day lo + k.
        let bucket = |i: usize| match day(i) {
            NO_DATE => 0,
            d => (d as i64 - lo as i64 + 1) as usize,
        };
        let mut start = vec![0u32; span + 2];
        for i in 0..n {
            start[bucket(i) + 1] += 1;
        }
        for k in 0..span + 1 {
            start[k + 1] += start[k];
        }
        let mut out = vec![0u32; n];
        for i in 0..n {
            let b = bucket(i);
            out[start[b] as usize] = i as u32;
            start[b] += 1;
        }
        out
    } else {
        let mut out: Vec<u32> = (0..n as u32).collect();
        out.sort_unstable_by_key(|&i| (day(i as usize), i));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot with only the columns the index reads.
    pub(crate) fn lineage_snapshot(created: &[i32], bases: &[&[(u32, Relation)]]) -> Snapshot {
        let mut s = Snapshot {
            id: (0..created.len()).map(|i| format!("m/{i}")).collect(),
            created: created.to_vec(),
            base_offsets: vec![0],
            ..Default::default()
        };
        for b in bases {
            for &(p, r) in *b {
                s.base_model.push(p);
                s.base_relation.push(r);
            }
            s.base_offsets.push(s.base_model.len() as u32);
        }
        s
    }

    use Relation::*;

    #[test]
    fn empty_snapshot_gives_empty_index() {
        let ix = LineageIndex::build(&Snapshot::default());
        assert_eq!(ix.models, 0);
        assert!(ix.topo_order.is_empty() && ix.repairs.is_clean());
    }

    #[test]
    fn children_sorted_by_day_then_index() {
        // 0 is the base; 1..=4 derive from it, created on days 30, 10, 20, 10.
        let s = lineage_snapshot(
            &[0, 30, 10, 20, 10],
            &[
                &[],
                &[(0, Finetune)],
                &[(0, Adapter)],
                &[(0, Merge)],
                &[(0, Quantized)],
            ],
        );
        let ix = LineageIndex::build(&s);
        let (kids, days, rels) = ix.children(0);
        assert_eq!(kids, &[2, 4, 3, 1]);
        assert_eq!(days, &[10, 10, 20, 30]);
        assert_eq!(rels, &[Adapter, Quantized, Merge, Finetune]);
        // (10, 25]: only the model of day 20.
        assert_eq!(count_in_window(days, 10, Some(25)), 1);
        assert_eq!(count_in_window(days, 9, None), 4);
        assert_eq!(ix.depth, vec![0, 1, 1, 1, 1]);
        assert_eq!(ix.descendants[0], 4);
        assert_eq!(ix.family_size_of(3), 5);
        assert_eq!(ix.root_count(), 1);
    }

    #[test]
    fn depth_is_longest_chain_and_families_split() {
        // 0 → 1 → 2; 3 merges 0 and 2 (depth 3); 4 alone.
        let s = lineage_snapshot(
            &[0, 1, 2, 3, 4],
            &[
                &[],
                &[(0, Finetune)],
                &[(1, Finetune)],
                &[(0, Merge), (2, Merge)],
                &[],
            ],
        );
        let ix = LineageIndex::build(&s);
        assert_eq!(ix.depth, vec![0, 1, 2, 3, 0]);
        assert_eq!(ix.family_size_of(0), 4);
        assert_eq!(ix.family_size_of(4), 1);
        // Distinct descendants: 0 has 1, 2, 3 (3 reached twice, counted once); 1 has 2 and 3; 2 has 3.
        assert_eq!(ix.descendants, vec![3, 2, 1, 0, 0]);
        assert!(ix.descendants_exact);
        let topo: Vec<u32> = ix.topo_order.clone();
        let pos = |m: u32| topo.iter().position(|&x| x == m).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(2) && pos(2) < pos(3));
    }

    #[test]
    fn diamond_descendants_are_distinct() {
        // 1 and 2 fine-tune 0; 3 merges 1 and 2 (a diamond); 4 fine-tunes 3; 5 merges 3 and 0.
        let s = lineage_snapshot(
            &[0, 1, 2, 3, 4, 5],
            &[
                &[],
                &[(0, Finetune)],
                &[(0, Finetune)],
                &[(1, Merge), (2, Merge)],
                &[(3, Finetune)],
                &[(3, Merge), (0, Merge)],
            ],
        );
        let ix = LineageIndex::build(&s);
        // 0: {1, 2, 3, 4, 5} (3 by two paths, 5 by three); 1 and 2: {3, 4, 5}; 3: {4, 5}.
        assert_eq!(ix.descendants, vec![5, 3, 3, 2, 0, 0]);
        assert!(ix.descendants_exact);
        // Past the budget (2 ancestor visits): the primary-parent forest, where 3 hangs under 1 only
        // and 5 under 3 only, so 2 has no descendants.
        let fallback = distinct_descendants(6, &ix.parent_offsets, &ix.parents, &ix.topo_order, 2);
        assert_eq!(fallback, None);
        let primary = primary_forest_descendants(6, &ix.parent_offsets, &ix.parents, &ix.topo_order);
        assert_eq!(primary, vec![5, 3, 0, 2, 0, 0]);
    }

    #[test]
    fn bad_references_are_counted_and_dropped() {
        // 1 lists itself, a missing row 9, and 0 twice.
        let s = lineage_snapshot(
            &[0, 1],
            &[&[], &[(1, Finetune), (9, Adapter), (0, Merge), (0, Merge)]],
        );
        let ix = LineageIndex::build(&s);
        assert_eq!(ix.parents(1).0, &[0]);
        assert_eq!(ix.repairs.self_loops, 1);
        assert_eq!(ix.repairs.out_of_range, 1);
        assert_eq!(ix.repairs.duplicates, 1);
        assert_eq!(ix.repairs.notes().len(), 3);
    }

    #[test]
    fn cycles_are_broken_deterministically() {
        // 0 → 1 → 2 → 0 (each lists the previous as base), and 3 derives from 2.
        let s = lineage_snapshot(
            &[0, 1, 2, 3],
            &[
                &[(2, Finetune)],
                &[(0, Finetune)],
                &[(1, Finetune)],
                &[(2, Adapter)],
            ],
        );
        let ix = LineageIndex::build(&s);
        assert_eq!(ix.repairs.cycle_edges, 1);
        assert_eq!(ix.topo_order.len(), 4);
        // The search starts at 0, walks 0 → 2 → 1 and finds 1's base 0 grey: edge 1 → 0 drops.
        assert_eq!(ix.parents(1).0, &[] as &[u32]);
        assert_eq!(ix.parents(0).0, &[2]);
        assert_eq!(ix.depth, vec![2, 0, 1, 2]);
    }

    #[test]
    fn malformed_offsets_do_not_panic() {
        let mut s = lineage_snapshot(&[0, 1, 2], &[&[], &[(0, Finetune)], &[(1, Finetune)]]);
        s.base_offsets = vec![0, 5, 1];
        let ix = LineageIndex::build(&s);
        assert_eq!(ix.repairs.malformed_offsets, 3);
        assert_eq!(ix.parents.len(), 0);
    }

    #[test]
    fn filtered_children_split_out_merges() {
        // 0 and 1 are bases; 2 merges both; 3 finetunes 0; 4 is an adapter of 0.
        let s = lineage_snapshot(
            &[0, 0, 5, 6, 7],
            &[
                &[],
                &[],
                &[(0, Merge), (1, Merge)],
                &[(0, Finetune)],
                &[(0, Adapter)],
            ],
        );
        let ix = LineageIndex::build(&s);
        let all = ix.children_with(RelationSet::ALL);
        assert_eq!(all.children(0).0, &[2, 3, 4]);
        assert_eq!(all.multi(0).0, &[2]);
        assert_eq!(all.multi(1).0, &[2]);
        let ft = ix.children_with(RelationSet::of(&[Finetune, Adapter]));
        assert_eq!(ft.children(0).0, &[3, 4]);
        assert!(ft.multi(0).0.is_empty());
    }
}
