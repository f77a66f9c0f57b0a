//! Recursive Model Attribution: whose downloads a unit is credited with.
//!
//! * **Roots.** Following only base edges whose relation is in the chosen set, a model's roots are
//!   the models without such bases that it descends from; a model without such bases is its own
//!   root. Computed iteratively in topological order (Kahn's algorithm), never recursively, so a
//!   chain of a million models needs no stack. A model with several roots splits its downloads
//!   **equally among its distinct roots** (1/k each, whatever the number of paths to each).
//! * **Depth** (the `flows` view): the **longest** path from the model up to a root along the chosen
//!   edges (a root has depth 0, its direct derivatives 1, ...). Longest rather than shortest because
//!   a merge of a base with a fine-tune of that base is a further generation of the line.
//! * Lineage is validated acyclic when a snapshot loads; should a cycle slip through anyway, the
//!   models Kahn's algorithm cannot order (those on or below a cycle) count as their own roots at
//!   depth 0, and [`Lineage::unordered`] counts them.
//! * **Credits.** At a level (model, developer, country, org type) a unit is credited with
//!   `weight × downloads` of each model in its list ([`Credits`]): with direct attribution the unit
//!   of the model itself with weight 1; with root attribution the unit of each root with weight
//!   1/k. A root whose unit is unknown (no country, no org type) credits nobody: that share of the
//!   downloads is left out of the level (the paper drops unknown countries from nation shares), and
//!   [`Credits::unknown_weight`] says how much.

use crate::snapshot::{RelationSet, Snapshot};

/// Roots and depths of every model under one relation set.
#[derive(Clone, Debug, Default)]
pub struct Lineage {
    /// Model `i`'s distinct roots are `root_data[root_start[i]..root_start[i] + root_len[i]]`, sorted.
    pub root_start: Vec<u32>,
    pub root_len: Vec<u32>,
    pub root_data: Vec<u32>,
    /// Longest path to a root along the chosen edges (0 for a root).
    pub depth: Vec<u32>,
    /// Models that could not be ordered (on or below a cycle): treated as roots.
    pub unordered: usize,
}

impl Lineage {
    /// The distinct roots of model `i` (empty when out of range).
    pub fn roots(&self, i: usize) -> &[u32] {
        match (self.root_start.get(i), self.root_len.get(i)) {
            (Some(&s), Some(&l)) => self
                .root_data
                .get(s as usize..s as usize + l as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The base edges of model `i` kept by `relations`, as base indexes (out-of-range bases and
/// self-loops skipped).
fn kept_bases<'a>(s: &'a Snapshot, relations: RelationSet, i: usize) -> impl Iterator<Item = usize> + 'a {
    let n = s.models();
    let (a, b) = match (s.base_offsets.get(i), s.base_offsets.get(i + 1)) {
        (Some(&a), Some(&b)) if a <= b => (a as usize, b as usize),
        _ => (0, 0),
    };
    let bases = s.base_model.get(a..b).unwrap_or(&[]);
    let rels = s.base_relation.get(a..b).unwrap_or(&[]);
    bases
        .iter()
        .zip(rels)
        .filter(move |(&base, &r)| relations.contains(r) && (base as usize) < n && base as usize != i)
        .map(|(&base, _)| base as usize)
}

/// Topological order of the models under the kept edges (bases before derivatives); models on or
/// below a cycle are appended at the end, unordered. Returns (order, number unordered).
pub fn topological_order(s: &Snapshot, relations: RelationSet) -> (Vec<u32>, usize) {
    let n = s.models();
    // Children CSR of the kept edges, and the number of kept bases of each model.
    let mut indegree = vec![0u32; n];
    let mut child_count = vec![0u32; n + 1];
    for (i, deg) in indegree.iter_mut().enumerate() {
        for base in kept_bases(s, relations, i) {
            *deg += 1;
            child_count[base + 1] += 1;
        }
    }
    for k in 1..=n {
        child_count[k] += child_count[k - 1];
    }
    let offsets = child_count;
    let mut fill = offsets.clone();
    let mut children = vec![0u32; offsets[n] as usize];
    for i in 0..n {
        for base in kept_bases(s, relations, i) {
            let slot = &mut fill[base];
            if let Some(c) = children.get_mut(*slot as usize) {
                *c = i as u32;
            }
            *slot += 1;
        }
    }
    let mut order: Vec<u32> = (0..n as u32).filter(|&i| indegree[i as usize] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let m = order[head] as usize;
        head += 1;
        let kids = children
            .get(offsets[m] as usize..offsets[m + 1] as usize)
            .unwrap_or(&[]);
        for &c in kids {
            let d = &mut indegree[c as usize];
            *d -= 1;
            if *d == 0 {
                order.push(c);
            }
        }
    }
    let ordered = order.len();
    if ordered < n {
        order.extend((0..n as u32).filter(|&i| indegree[i as usize] > 0));
    }
    (order, n - ordered)
}

/// Roots and depths of every model under `relations` (see the module documentation).
pub fn lineage(s: &Snapshot, relations: RelationSet) -> Lineage {
    let n = s.models();
    let (order, unordered) = topological_order(s, relations);
    let ordered_count = n - unordered;
    let mut out = Lineage {
        root_start: vec![0; n],
        root_len: vec![0; n],
        root_data: Vec::with_capacity(n + n / 8),
        depth: vec![0; n],
        unordered,
    };
    for (position, &m) in order.iter().enumerate() {
        let m = m as usize;
        let start = out.root_data.len();
        let mut depth = 0u32;
        if position < ordered_count {
            for base in kept_bases(s, relations, m) {
                let (bs, bl) = (out.root_start[base] as usize, out.root_len[base] as usize);
                // Bases come earlier in the order, so their roots are final; copy them to the tail.
                for k in bs..bs + bl {
                    if let Some(&r) = out.root_data.get(k) {
                        out.root_data.push(r);
                    }
                }
                depth = depth.max(out.depth[base].saturating_add(1));
            }
        }
        if out.root_data.len() == start {
            out.root_data.push(m as u32);
        } else if out.root_data.len() - start > 1 {
            let tail = &mut out.root_data[start..];
            tail.sort_unstable();
            let mut kept = 1;
            for k in 1..tail.len() {
                if tail[k] != tail[kept - 1] {
                    tail[kept] = tail[k];
                    kept += 1;
                }
            }
            out.root_data.truncate(start + kept);
        }
        out.root_start[m] = start as u32;
        out.root_len[m] = (out.root_data.len() - start) as u32;
        out.depth[m] = depth;
    }
    out
}

/// Which models each unit is credited with, grouped by unit (CSR).
#[derive(Clone, Debug, Default)]
pub struct Credits {
    /// Unit `u`'s entries are `model[unit_offsets[u]..unit_offsets[u+1]]` with `weight` alongside.
    pub unit_offsets: Vec<u32>,
    pub model: Vec<u32>,
    pub weight: Vec<f64>,
    /// Per model: the part of its downloads credited to no unit (a root with an unknown unit).
    pub unknown_weight: Vec<f64>,
    /// Whether any model has a part credited to no unit (never at the model level).
    pub any_unknown: bool,
    /// The same entries grouped by model (for passes in row order): model `m` credits
    /// `by_model_unit[by_model_offsets[m]..by_model_offsets[m+1]]` with `by_model_weight` alongside.
    pub by_model_offsets: Vec<u32>,
    pub by_model_unit: Vec<u32>,
    pub by_model_weight: Vec<f64>,
    /// How many runs of consecutive models the units' entries make (each unit's models listed
    /// in order, a run broken wherever the next model is not the previous one + 1). Few runs
    /// mean a unit-by-unit pass reads the rows front to back.
    pub model_runs: usize,
    /// The units that have entries, in the order of their first model: a unit-by-unit pass in
    /// this order meets the rows of a snapshot grouped by unit front to back.
    pub unit_order: Vec<u32>,
}

impl Credits {
    pub fn units(&self) -> usize {
        self.unit_offsets.len().saturating_sub(1)
    }
    /// Entries of unit `u`: (models, weights).
    pub fn of(&self, u: usize) -> (&[u32], &[f64]) {
        match (self.unit_offsets.get(u), self.unit_offsets.get(u + 1)) {
            (Some(&a), Some(&b)) => (
                self.model.get(a as usize..b as usize).unwrap_or(&[]),
                self.weight.get(a as usize..b as usize).unwrap_or(&[]),
            ),
            _ => (&[], &[]),
        }
    }
    /// Entries of model `m`: (units, weights).
    pub fn of_model(&self, m: usize) -> (&[u32], &[f64]) {
        match (self.by_model_offsets.get(m), self.by_model_offsets.get(m + 1)) {
            (Some(&a), Some(&b)) => (
                self.by_model_unit.get(a as usize..b as usize).unwrap_or(&[]),
                self.by_model_weight.get(a as usize..b as usize).unwrap_or(&[]),
            ),
            _ => (&[], &[]),
        }
    }
}

/// Builds the credits of `units` units over `n` models. `unit_of(model)` is the unit of a model
/// (`None` = unknown). With `lineage = None` each model credits its own unit (direct attribution);
/// otherwise each of its k roots' units gets 1/k (the same unit reached through several roots is
/// credited once with the summed weight).
pub fn credits(
    n: usize,
    units: usize,
    unit_of: impl Fn(usize) -> Option<u32>,
    lineage: Option<&Lineage>,
) -> Credits {
    let mut build = CreditsBuild::new(n, units);
    loop {
        if let Some(credits) = build.step(&unit_of, lineage, usize::MAX) {
            return credits;
        }
    }
}

/// [`credits`] a slice of models at a time ([`CreditsBuild::step`]), so that a page can build
/// them while idle (at 1 M models, 80–130 ms in wasm at once). Three passes: each model's (unit,
/// weight) pairs, in model order (its roots and their units are scattered reads, so worked out
/// once); then the units' lists filled from them; then the units' order and runs.
pub struct CreditsBuild {
    n: usize,
    units: usize,
    pass: CreditsPass,
    /// The next model of the pass.
    next: usize,
    pairs: Vec<(u32, f64)>,
    unknown_weight: Vec<f64>,
    /// Per unit: its entries counted (first pass), then its first entry (the prefix sums).
    offsets: Vec<u32>,
    by_model_offsets: Vec<u32>,
    by_model_unit: Vec<u32>,
    by_model_weight: Vec<f64>,
    /// Per unit, the next entry of its list to fill.
    fill: Vec<u32>,
    model: Vec<u32>,
    weight: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq)]
enum CreditsPass {
    ByModel,
    Fill,
    Order,
}

impl CreditsBuild {
    pub fn new(n: usize, units: usize) -> CreditsBuild {
        let mut by_model_offsets = Vec::with_capacity(n + 1);
        by_model_offsets.push(0u32);
        CreditsBuild {
            n,
            units,
            pass: CreditsPass::ByModel,
            next: 0,
            pairs: Vec::new(),
            unknown_weight: vec![0.0; n],
            offsets: vec![0u32; units + 1],
            by_model_offsets,
            by_model_unit: Vec::with_capacity(n),
            by_model_weight: Vec::with_capacity(n),
            fill: Vec::new(),
            model: Vec::new(),
            weight: Vec::new(),
        }
    }

    /// Does at most `budget` models of a pass (at least one; the last pass whole, a few ms at 1 M
    /// models). `Some` with the credits when done, `None` while work is left. Every call must
    /// pass the same `unit_of` and `lineage` (see [`credits`]).
    pub fn step(
        &mut self,
        unit_of: impl Fn(usize) -> Option<u32>,
        lineage: Option<&Lineage>,
        budget: usize,
    ) -> Option<Credits> {
        let end = self.next.saturating_add(budget.max(1)).min(self.n);
        match self.pass {
            CreditsPass::ByModel => {
                for m in self.next..end {
                    let mut unknown = 0.0;
                    model_pairs(m, self.units, &unit_of, lineage, &mut self.pairs, &mut unknown);
                    if let Some(w) = self.unknown_weight.get_mut(m) {
                        *w = unknown;
                    }
                    for &(u, w) in &self.pairs {
                        if let Some(x) = self.offsets.get_mut(u as usize + 1) {
                            *x += 1;
                        }
                        self.by_model_unit.push(u);
                        self.by_model_weight.push(w);
                    }
                    self.by_model_offsets.push(self.by_model_unit.len() as u32);
                }
                self.next = end;
                if end == self.n {
                    for u in 1..self.offsets.len() {
                        self.offsets[u] += self.offsets[u - 1];
                    }
                    let total = self.offsets.last().copied().unwrap_or(0) as usize;
                    self.fill = self.offsets.clone();
                    self.model = vec![0u32; total];
                    self.weight = vec![0.0; total];
                    (self.pass, self.next) = (CreditsPass::Fill, 0);
                }
                None
            }
            CreditsPass::Fill => {
                for m in self.next..end {
                    let (Some(&a), Some(&b)) =
                        (self.by_model_offsets.get(m), self.by_model_offsets.get(m + 1))
                    else {
                        continue;
                    };
                    let (a, b) = (a as usize, b as usize);
                    let (Some(us), Some(ws)) = (self.by_model_unit.get(a..b), self.by_model_weight.get(a..b))
                    else {
                        continue;
                    };
                    for (&u, &w) in us.iter().zip(ws) {
                        let Some(next) = self.fill.get_mut(u as usize) else {
                            continue;
                        };
                        let slot = *next as usize;
                        *next += 1;
                        if let (Some(ms), Some(wt)) = (self.model.get_mut(slot), self.weight.get_mut(slot)) {
                            *ms = m as u32;
                            *wt = w;
                        }
                    }
                }
                self.next = end;
                if end == self.n {
                    (self.pass, self.next) = (CreditsPass::Order, 0);
                    self.fill = Vec::new();
                }
                None
            }
            CreditsPass::Order => Some(self.finish()),
        }
    }

    /// The units' order of first model and the runs of consecutive models in their lists.
    fn finish(&mut self) -> Credits {
        let units = self.units;
        let mut seen = vec![false; units];
        let mut unit_order = Vec::new();
        for &u in &self.by_model_unit {
            if let Some(s) = seen.get_mut(u as usize) {
                if !*s {
                    *s = true;
                    unit_order.push(u);
                }
            }
        }
        let offsets = std::mem::take(&mut self.offsets);
        let model = std::mem::take(&mut self.model);
        let mut model_runs = 0;
        for bounds in offsets.windows(2) {
            let unit_models = model.get(bounds[0] as usize..bounds[1] as usize).unwrap_or(&[]);
            model_runs += unit_models.windows(2).filter(|w| w[1] != w[0] + 1).count()
                + usize::from(!unit_models.is_empty());
        }
        let unknown_weight = std::mem::take(&mut self.unknown_weight);
        Credits {
            model_runs,
            unit_order,
            any_unknown: unknown_weight.iter().any(|&w| w > 0.0),
            unit_offsets: offsets,
            model,
            weight: std::mem::take(&mut self.weight),
            unknown_weight,
            by_model_offsets: std::mem::take(&mut self.by_model_offsets),
            by_model_unit: std::mem::take(&mut self.by_model_unit),
            by_model_weight: std::mem::take(&mut self.by_model_weight),
        }
    }
}

/// Model `m`'s (unit, weight) pairs into `pairs` (sorted by unit, one per unit), the part of its
/// downloads credited to no unit into `unknown` (see [`credits`]).
fn model_pairs(
    m: usize,
    units: usize,
    unit_of: impl Fn(usize) -> Option<u32>,
    lineage: Option<&Lineage>,
    pairs: &mut Vec<(u32, f64)>,
    unknown: &mut f64,
) {
    pairs.clear();
    *unknown = 0.0;
    let roots = lineage.map(|l| l.roots(m)).unwrap_or(&[]);
    if roots.is_empty() {
        match unit_of(m).filter(|&u| (u as usize) < units) {
            Some(u) => pairs.push((u, 1.0)),
            None => *unknown = 1.0,
        }
        return;
    }
    let k = roots.len() as f64;
    for &r in roots {
        match unit_of(r as usize).filter(|&u| (u as usize) < units) {
            Some(u) => pairs.push((u, 1.0 / k)),
            None => *unknown += 1.0 / k,
        }
    }
    if pairs.len() > 1 {
        pairs.sort_unstable_by_key(|p| p.0);
        let mut kept = 1;
        for j in 1..pairs.len() {
            if pairs[j].0 == pairs[kept - 1].0 {
                pairs[kept - 1].1 += pairs[j].1;
            } else {
                pairs[kept] = pairs[j];
                kept += 1;
            }
        }
        pairs.truncate(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Relation;

    /// A snapshot with only the lineage filled in: `edges` are (model, base, relation).
    #[allow(clippy::field_reassign_with_default)]
    pub(crate) fn lineage_snapshot(n: usize, edges: &[(u32, u32, Relation)]) -> Snapshot {
        let mut s = Snapshot::default();
        s.id = (0..n).map(|i| format!("a/m{i}")).collect();
        let mut sorted = edges.to_vec();
        sorted.sort_by_key(|e| e.0);
        s.base_offsets = vec![0];
        let mut next = sorted.iter().peekable();
        for i in 0..n as u32 {
            while let Some(&(_, b, r)) = next.next_if(|e| e.0 == i) {
                s.base_model.push(b);
                s.base_relation.push(r);
            }
            s.base_offsets.push(s.base_model.len() as u32);
        }
        s
    }

    #[test]
    fn roots_and_depths_of_a_small_family() {
        use Relation::*;
        // 0 and 1 are roots; 2 = finetune of 0; 3 = quantized of 2; 4 = merge of 3 and 1;
        // 5 = merge of 2 and 3 (both descend from 0 only).
        let s = lineage_snapshot(
            6,
            &[
                (2, 0, Finetune),
                (3, 2, Quantized),
                (4, 3, Merge),
                (4, 1, Merge),
                (5, 2, Merge),
                (5, 3, Merge),
            ],
        );
        let l = lineage(&s, RelationSet::ALL);
        assert_eq!(l.roots(0), &[0]);
        assert_eq!(l.roots(3), &[0]);
        assert_eq!(l.roots(4), &[0, 1]);
        assert_eq!(l.roots(5), &[0]);
        assert_eq!(l.depth, vec![0, 0, 1, 2, 3, 3]);
        assert_eq!(l.unordered, 0);
        // Following only finetune and merge edges: 3 becomes a root, so 4 has roots 3 and 1.
        let l = lineage(&s, RelationSet::of(&[Finetune, Merge]));
        assert_eq!(l.roots(3), &[3]);
        assert_eq!(l.roots(4), &[1, 3]);
        assert_eq!(l.roots(5), &[0, 3]);
        assert_eq!(l.depth, vec![0, 0, 1, 0, 1, 2]);
    }

    #[test]
    fn long_chain_needs_no_recursion() {
        let n = 200_000u32;
        let edges: Vec<_> = (1..n).map(|i| (i, i - 1, Relation::Finetune)).collect();
        let s = lineage_snapshot(n as usize, &edges);
        let l = lineage(&s, RelationSet::ALL);
        assert_eq!(l.roots(n as usize - 1), &[0]);
        assert_eq!(l.depth[n as usize - 1], n - 1);
    }

    #[test]
    fn a_cycle_is_counted_not_followed() {
        // 1 ↔ 2 form a cycle (cannot happen after validation), 3 derives from 2.
        let s = lineage_snapshot(
            4,
            &[
                (1, 2, Relation::Finetune),
                (2, 1, Relation::Finetune),
                (3, 2, Relation::Adapter),
            ],
        );
        let l = lineage(&s, RelationSet::ALL);
        assert_eq!(l.unordered, 3);
        assert_eq!(l.roots(3), &[3]);
        assert_eq!(l.roots(0), &[0]);
    }

    #[test]
    fn credits_split_equally_among_roots() {
        use Relation::*;
        // Units: model 0 → unit 0, model 1 → unit 1, model 2 (merge of 0 and 1) → unit 0,
        // model 3 (root) → unknown.
        let s = lineage_snapshot(4, &[(2, 0, Merge), (2, 1, Merge)]);
        let l = lineage(&s, RelationSet::ALL);
        let unit = [Some(0u32), Some(1), Some(0), None];
        let c = credits(4, 2, |m| unit[m], Some(&l));
        assert_eq!(c.of(0), (&[0u32, 2][..], &[1.0, 0.5][..]));
        assert_eq!(c.of(1), (&[1u32, 2][..], &[1.0, 0.5][..]));
        assert_eq!(c.unknown_weight, vec![0.0, 0.0, 0.0, 1.0]);
        assert!(c.any_unknown);
        assert_eq!(c.of_model(2), (&[0u32, 1][..], &[0.5, 0.5][..]));
        assert_eq!(c.of_model(3), (&[][..], &[][..]));
        // Direct: each model to its own unit.
        let c = credits(4, 2, |m| unit[m], None);
        assert_eq!(c.of(0), (&[0u32, 2][..], &[1.0, 1.0][..]));
        assert_eq!(c.of(1), (&[1u32][..], &[1.0][..]));
        // Both roots in the same unit: one entry with weight 1.
        let c = credits(4, 2, |m| if m == 3 { None } else { Some(0) }, Some(&l));
        assert_eq!(c.of(0), (&[0u32, 1, 2][..], &[1.0, 1.0, 1.0][..]));
        // Every model with a unit: nothing unknown.
        let c = credits(4, 2, |m| Some((m % 2) as u32), None);
        assert!(!c.any_unknown);
    }

    #[test]
    fn credits_in_slices_are_those_made_at_once() {
        use Relation::*;
        // The hand example above, built a model at a time and three at a time: the same lists
        // (worked out there), after two passes of the four models and one last slice.
        let s = lineage_snapshot(4, &[(2, 0, Merge), (2, 1, Merge)]);
        let l = lineage(&s, RelationSet::ALL);
        let unit = [Some(0u32), Some(1), Some(0), None];
        for (budget, calls) in [(1, 9), (3, 5), (0, 9)] {
            let mut build = CreditsBuild::new(4, 2);
            let mut made = 0;
            let c = loop {
                made += 1;
                if let Some(c) = build.step(|m| unit[m], Some(&l), budget) {
                    break c;
                }
            };
            assert_eq!(made, calls, "budget {budget}");
            assert_eq!(c.of(0), (&[0u32, 2][..], &[1.0, 0.5][..]));
            assert_eq!(c.of(1), (&[1u32, 2][..], &[1.0, 0.5][..]));
            assert_eq!(c.of_model(2), (&[0u32, 1][..], &[0.5, 0.5][..]));
            assert_eq!(c.unknown_weight, vec![0.0, 0.0, 0.0, 1.0]);
            assert!(c.any_unknown);
            assert_eq!((c.unit_order.as_slice(), c.model_runs), (&[0u32, 1][..], 3));
        }
    }

    #[test]
    fn empty_snapshot_has_no_roots_or_credits() {
        let s = lineage_snapshot(0, &[]);
        let l = lineage(&s, RelationSet::ALL);
        assert!(l.depth.is_empty());
        let c = credits(0, 0, |_| None, Some(&l));
        assert_eq!(c.units(), 0);
        assert_eq!(c.of(0), (&[][..], &[][..]));
    }
}
