//! The Model Disruption Index (MDI): Funk & Owen-Smith's CD index on the lineage graph (issue 4).
//!
//! For a focal model F created on day t_F, P(F) are its direct base models (relations in the chosen
//! set). Within the window (t_F, t_F + W] (W = `window_days`, `None` = unbounded), C_F are the
//! models deriving from F and C_P those deriving from any p in P(F), F itself excluded:
//! n_i = |C_F \ C_P|, n_j = |C_F ∩ C_P|, n_k = |C_P \ C_F|, MDI = (n_i − n_j) / (n_i + n_j + n_k),
//! null (NaN here) when the denominator is 0. The weighted variant (mCD) is MDI × (n_i + n_j), the
//! number of F's derivatives in the window, as `cdindex.mcdindex` computes it.
//!
//! Choices, documented here once:
//! - Days are whole UTC days: a derivative created on F's own day is not in the window.
//! - Models with an unknown creation day are never scored and never counted in any window (their
//!   place in time is unknown).
//! - Models without bases (under the relation set) are scored only with `score_roots`; then
//!   P(F) is empty, n_j = n_k = 0 and MDI = 1 when F has derivatives in the window.
//! - Transitive mode: "derives from" means "has as an ancestor" (through relations in the set).
//!   C_P then counts descendants of P(F) reached by a chain that does *not* pass through F:
//!   otherwise every descendant of F would also descend from F's bases and n_i would always be 0.
//!   Focal models with one base (nearly all) are done base by base: each base's descendants are
//!   walked once for all its derivatives, then each derivative's own descendants (see
//!   `Walk::single_base_pass`). Focal models with two or more bases, and roots, walk their
//!   descendants and their bases' descendants each. The cost is therefore the number of
//!   (ancestor, descendant) pairs, Σ over bases and focal models of their descendants (about
//!   models × mean depth on Hub-like lineage; quadratic only for long chains), plus the merges'
//!   bases' descendants, plus a sort of F's descendants when merges lie below F. It stops with an
//!   error past [`TRANSITIVE_BUDGET`] edge visits. (The previous per-focal-model walk of the base's
//!   descendants cost Σ_F |descendants of F's base|: quadratic in the size of a popular base's
//!   family.)
//!
//! The direct mode is linear in models plus edges: per model a few binary searches on the sorted
//! children lists, and a scan of merge children only (models with two or more bases), which are
//! the only ones that can be both in C_F and C_P or counted under two bases.

use crate::lineage::{count_in_window, ChildLists, LineageIndex};
use crate::snapshot::RelationSet;
use crate::time::NO_DATE;
use crate::{Error, Result};

/// Most descendant visits the transitive mode makes before giving up with an error.
pub const TRANSITIVE_BUDGET: u64 = 400_000_000;

/// What to compute (the MDI options of [`crate::options::Options`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MdiParams {
    pub relations: RelationSet,
    pub window_days: Option<u32>,
    pub transitive: bool,
    pub score_roots: bool,
}

impl Default for MdiParams {
    fn default() -> Self {
        MdiParams {
            relations: RelationSet::ALL,
            window_days: Some(90),
            transitive: false,
            score_roots: false,
        }
    }
}

/// One row per scored model, in model order, column by column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mdi {
    pub model: Vec<u32>,
    pub n_i: Vec<u32>,
    pub n_j: Vec<u32>,
    pub n_k: Vec<u32>,
    /// NaN where n_i + n_j + n_k = 0.
    pub mdi: Vec<f64>,
}

impl Mdi {
    pub fn len(&self) -> usize {
        self.model.len()
    }
    pub fn is_empty(&self) -> bool {
        self.model.is_empty()
    }
    /// The magnitude-weighted index of row `r`: MDI × (n_i + n_j); NaN where MDI is null.
    pub fn mcd(&self, r: usize) -> f64 {
        match (self.mdi.get(r), self.n_i.get(r), self.n_j.get(r)) {
            (Some(&m), Some(&i), Some(&j)) => m * (i as f64 + j as f64),
            _ => f64::NAN,
        }
    }
}

fn index_of(n_i: u32, n_j: u32, n_k: u32) -> f64 {
    let d = n_i as f64 + n_j as f64 + n_k as f64;
    if d == 0.0 {
        f64::NAN
    } else {
        (n_i as f64 - n_j as f64) / d
    }
}

/// Computes the MDI of every scored model (see the module documentation). `created` is the
/// snapshot's creation-day column. An empty index gives an empty result.
pub fn compute(index: &LineageIndex, created: &[i32], params: &MdiParams) -> Result<Mdi> {
    compute_with_budget(index, created, params, TRANSITIVE_BUDGET)
}

/// [`compute`] with another limit on the transitive mode's descendant visits.
pub fn compute_with_budget(
    index: &LineageIndex,
    created: &[i32],
    params: &MdiParams,
    budget: u64,
) -> Result<Mdi> {
    let kids = index.children_with(params.relations);
    let n = index.models;
    let mut out = Mdi::default();
    let mut bases: Vec<u32> = Vec::new();
    let mut walk = if params.transitive {
        let mut w = Walk::new(index, params.relations, budget);
        w.single_base_pass(index, &kids, params, created)?;
        Some(w)
    } else {
        None
    };
    for f in 0..n {
        let t_f = created.get(f).copied().unwrap_or(NO_DATE);
        if t_f == NO_DATE {
            continue;
        }
        bases.clear();
        let (ps, rels) = index.parents(f);
        bases.extend(
            ps.iter()
                .zip(rels)
                .filter(|(_, r)| params.relations.contains(**r))
                .map(|(p, _)| *p),
        );
        if bases.is_empty() && !params.score_roots {
            continue;
        }
        let until = window_end(t_f, params.window_days);
        let (n_i, n_j, n_k) = match walk.as_mut() {
            None => direct_counts(index, &kids, params.relations, f, &bases, t_f, until),
            Some(w) => match w.precomputed(f) {
                Some(counts) => counts,
                None => w.counts(&kids, f as u32, &bases, created, t_f, until)?,
            },
        };
        out.model.push(f as u32);
        out.n_i.push(n_i);
        out.n_j.push(n_j);
        out.n_k.push(n_k);
        out.mdi.push(index_of(n_i, n_j, n_k));
    }
    Ok(out)
}

/// Last day of the window of a model created on `t_f` (`None`: unbounded).
fn window_end(t_f: i32, window_days: Option<u32>) -> Option<i32> {
    window_days.map(|w| (t_f as i64 + w as i64).min(i32::MAX as i64) as i32)
}

/// Whether `c` lists, under `relations`, a base in `bases[..limit]`.
fn has_base_among(index: &LineageIndex, relations: RelationSet, c: u32, bases: &[u32]) -> bool {
    let (ps, rels) = index.parents(c as usize);
    ps.iter()
        .zip(rels)
        .any(|(p, r)| relations.contains(*r) && bases.contains(p))
}

fn window_slice<'a>(children: &'a [u32], days: &[i32], after: i32, until: Option<i32>) -> &'a [u32] {
    let lo = days.partition_point(|&d| d <= after);
    let hi = match until {
        Some(u) => days.partition_point(|&d| d <= u),
        None => days.len(),
    };
    children.get(lo..hi.max(lo)).unwrap_or(&[])
}

fn direct_counts(
    index: &LineageIndex,
    kids: &ChildLists,
    relations: RelationSet,
    f: usize,
    bases: &[u32],
    t_f: i32,
    until: Option<i32>,
) -> (u32, u32, u32) {
    let (_, f_days) = kids.children(f);
    let c_f = count_in_window(f_days, t_f, until);
    // |C_F ∩ C_P|: such a model lists F and a base of F, so it is one of F's merge children.
    let (m_kids, m_days) = kids.multi(f);
    let n_j = window_slice(m_kids, m_days, t_f, until)
        .iter()
        .filter(|&&c| has_base_among(index, relations, c, bases))
        .count();
    // |C_P|: the windows of every base, less the models counted under an earlier base too.
    let mut c_p = 0usize;
    for (a, &p) in bases.iter().enumerate() {
        let (_, p_days) = kids.children(p as usize);
        c_p += count_in_window(p_days, t_f, until);
        if a > 0 {
            let (m_kids, m_days) = kids.multi(p as usize);
            let earlier = bases.get(..a).unwrap_or(&[]);
            c_p -= window_slice(m_kids, m_days, t_f, until)
                .iter()
                .filter(|&&c| has_base_among(index, relations, c, earlier))
                .count();
        }
    }
    let n_i = c_f.saturating_sub(n_j);
    let n_k = c_p.saturating_sub(n_j);
    (n_i as u32, n_j as u32, n_k as u32)
}

fn over_budget(budget: u64) -> Error {
    Error::Compute(format!(
        "transitive MDI would visit more than {budget} lineage edges on this snapshot; \
         turn transitive off, or narrow the relations"
    ))
}

/// Scratch space of the transitive mode: visit stamps and a queue, allocated once per run, and the
/// counts of the focal models with exactly one base, computed base by base beforehand.
struct Walk {
    relations: RelationSet,
    from_focal: Vec<u32>,
    from_bases: Vec<u32>,
    /// Stamp F on the descendants of F reached from F's base by a chain avoiding F.
    reached: Vec<u32>,
    /// Position of each model in the index's topological order.
    topo_rank: Vec<u32>,
    queue: Vec<u32>,
    /// Days of the current base's descendants, sorted.
    base_days: Vec<i32>,
    /// The current focal model's descendants, in topological order when it has merges below it.
    focal_members: Vec<u32>,
    /// (n_i, n_j, n_k) of focal models with one base, from [`Walk::single_base_pass`].
    single: Vec<Option<(u32, u32, u32)>>,
    visits: u64,
    budget: u64,
}

impl Walk {
    fn new(index: &LineageIndex, relations: RelationSet, budget: u64) -> Self {
        let n = index.models;
        let mut topo_rank = vec![0u32; n];
        for (k, &v) in index.topo_order.iter().enumerate() {
            if let Some(r) = topo_rank.get_mut(v as usize) {
                *r = k as u32;
            }
        }
        Walk {
            relations,
            from_focal: vec![u32::MAX; n],
            from_bases: vec![u32::MAX; n],
            reached: vec![u32::MAX; n],
            topo_rank,
            queue: Vec::new(),
            base_days: Vec::new(),
            focal_members: Vec::new(),
            single: vec![None; n],
            visits: 0,
            budget,
        }
    }

    fn precomputed(&self, f: usize) -> Option<(u32, u32, u32)> {
        self.single.get(f).copied().flatten()
    }

    /// Counts of every dated focal model F with exactly one base p (under the relations), base by
    /// base: p's descendants are walked once for all its derivatives. With D(x) the descendants of
    /// x and W F's window: C_F = D(F) ∩ W; a model outside D(F) ∪ {F} descends from p avoiding F
    /// exactly when it descends from p, so |C_P \ C_F| = |D(p) ∩ W| − |D(F) ∩ W|; and a model u of
    /// D(F) descends from p avoiding F when one of its bases is p, a descendant of p outside
    /// D(F) ∪ {F}, or such a model of D(F) (decided in topological order, only when D(F) holds a
    /// model with two or more bases; otherwise n_j = 0).
    fn single_base_pass(
        &mut self,
        index: &LineageIndex,
        kids: &ChildLists,
        params: &MdiParams,
        created: &[i32],
    ) -> Result<()> {
        let relations = self.relations;
        let day = |c: u32| created.get(c as usize).copied().unwrap_or(NO_DATE);
        let sole_base = |f: u32| {
            let (ps, rels) = index.parents(f as usize);
            let mut kept = ps.iter().zip(rels).filter(|(_, r)| relations.contains(**r));
            match (kept.next(), kept.next()) {
                (Some((&p, _)), None) => Some(p),
                _ => None,
            }
        };
        for p in 0..index.models as u32 {
            let focal_count = kids
                .children(p as usize)
                .0
                .iter()
                .filter(|&&f| day(f) != NO_DATE && sole_base(f) == Some(p))
                .count();
            if focal_count == 0 {
                continue;
            }
            // D(p), marked with stamp p, and its days sorted.
            self.descend(kids, true, &[p], u32::MAX, p)?;
            self.base_days.clear();
            let queue = std::mem::take(&mut self.queue);
            self.base_days
                .extend(queue.iter().skip(1).map(|&c| day(c)).filter(|&d| d != NO_DATE));
            self.queue = queue;
            self.base_days.sort_unstable();
            for &f in kids.children(p as usize).0 {
                let t_f = day(f);
                if t_f == NO_DATE || sole_base(f) != Some(p) {
                    continue;
                }
                let until = window_end(t_f, params.window_days);
                let in_window = |c: u32| {
                    let d = day(c);
                    d != NO_DATE && d > t_f && until.is_none_or(|u| d <= u)
                };
                self.descend(kids, false, &[f], u32::MAX, f)?;
                let mut c_f = 0u32;
                let mut merges_below = false;
                for &c in self.queue.iter().skip(1) {
                    c_f += in_window(c) as u32;
                    merges_below |= self.kept_bases(index, c) >= 2;
                }
                let n_j = if merges_below {
                    self.reached_from_base(index, f, p, &in_window)
                } else {
                    0
                };
                let c_p = count_in_window(&self.base_days, t_f, until) as u32;
                let n_k = c_p.saturating_sub(c_f);
                if let Some(slot) = self.single.get_mut(f as usize) {
                    *slot = Some((c_f.saturating_sub(n_j), n_j, n_k));
                }
            }
        }
        // The stamps here are base ids, those of `counts` focal ids: start the latter afresh.
        self.from_bases.fill(u32::MAX);
        Ok(())
    }

    /// Number of bases of `c` under the relations (0, 1 or 2 meaning "two or more").
    fn kept_bases(&self, index: &LineageIndex, c: u32) -> usize {
        let (_, rels) = index.parents(c as usize);
        rels.iter()
            .filter(|r| self.relations.contains(**r))
            .take(2)
            .count()
    }

    /// Among F's descendants (in `queue` after F's walk, `from_focal` stamped F; p's descendants
    /// stamped p in `from_bases`), how many in the window descend from p by a chain avoiding F.
    fn reached_from_base(
        &mut self,
        index: &LineageIndex,
        f: u32,
        p: u32,
        in_window: &impl Fn(u32) -> bool,
    ) -> u32 {
        self.focal_members.clear();
        self.focal_members.extend(self.queue.iter().skip(1));
        let rank = &self.topo_rank;
        self.focal_members
            .sort_unstable_by_key(|&c| rank.get(c as usize).copied().unwrap_or(0));
        let mut n_j = 0u32;
        for &u in &self.focal_members {
            let (ps, rels) = index.parents(u as usize);
            let reached = ps.iter().zip(rels).any(|(&q, r)| {
                if !self.relations.contains(*r) || q == f {
                    return false;
                }
                if q == p {
                    return true;
                }
                if self.from_focal.get(q as usize) == Some(&f) {
                    self.reached.get(q as usize) == Some(&f)
                } else {
                    self.from_bases.get(q as usize) == Some(&p)
                }
            });
            if reached {
                if let Some(m) = self.reached.get_mut(u as usize) {
                    *m = f;
                }
                n_j += in_window(u) as u32;
            }
        }
        n_j
    }

    /// Marks with `stamp` every descendant of `starts` (in `from_bases` or `from_focal`), never
    /// expanding `skip`; leaves the starts and the marked models in `queue`.
    fn descend(
        &mut self,
        kids: &ChildLists,
        into_bases: bool,
        starts: &[u32],
        skip: u32,
        stamp: u32,
    ) -> Result<()> {
        let mark = if into_bases {
            &mut self.from_bases
        } else {
            &mut self.from_focal
        };
        self.queue.clear();
        self.queue.extend_from_slice(starts);
        let mut head = 0;
        while let Some(&v) = self.queue.get(head) {
            head += 1;
            for &c in kids.children(v as usize).0 {
                self.visits += 1;
                if let Some(m) = mark.get_mut(c as usize) {
                    if *m != stamp && c != skip {
                        *m = stamp;
                        self.queue.push(c);
                    }
                }
            }
            if self.visits > self.budget {
                return Err(over_budget(self.budget));
            }
        }
        Ok(())
    }

    fn counts(
        &mut self,
        kids: &ChildLists,
        f: u32,
        bases: &[u32],
        created: &[i32],
        t_f: i32,
        until: Option<i32>,
    ) -> Result<(u32, u32, u32)> {
        let in_window = |c: u32| {
            let d = created.get(c as usize).copied().unwrap_or(NO_DATE);
            d != NO_DATE && d > t_f && until.is_none_or(|u| d <= u)
        };
        let stamp = f;
        // Descendants of F (F itself is never marked: it is the start).
        self.descend(kids, false, &[f], u32::MAX, stamp)?;
        let mut c_f = 0u32;
        for &c in &self.queue {
            if c != f && in_window(c) {
                c_f += 1;
            }
        }
        // Descendants of the bases by chains avoiding F.
        self.descend(kids, true, bases, f, stamp)?;
        let (mut n_j, mut n_k) = (0u32, 0u32);
        for (q, &c) in self.queue.iter().enumerate() {
            // The starting bases are not their own descendants; a base reached again from another
            // base was queued a second time, further on, and counts there.
            if q < bases.len() {
                continue;
            }
            if c == f || !in_window(c) {
                continue;
            }
            if self.from_focal.get(c as usize) == Some(&stamp) {
                n_j += 1;
            } else {
                n_k += 1;
            }
        }
        Ok((c_f.saturating_sub(n_j), n_j, n_k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Relation, Relation::*, Snapshot};

    fn snap(created: &[i32], bases: &[&[(u32, Relation)]]) -> Snapshot {
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

    fn row(m: &Mdi, model: u32) -> (u32, u32, u32, f64) {
        let r = m.model.iter().position(|&x| x == model).expect("model scored");
        (m.n_i[r], m.n_j[r], m.n_k[r], m.mdi[r])
    }

    /// p (0, day 0) has derivatives F (1, day 10), s1 (2, day 20), s2 (3, day 200);
    /// F has derivatives a (4, day 30), b (5, day 40, a merge of F and p), c (6, day 500).
    fn family() -> Snapshot {
        snap(
            &[0, 10, 20, 200, 30, 40, 500],
            &[
                &[],
                &[(0, Finetune)],
                &[(0, Adapter)],
                &[(0, Finetune)],
                &[(1, Finetune)],
                &[(1, Merge), (0, Merge)],
                &[(1, Quantized)],
            ],
        )
    }

    #[test]
    fn hand_worked_window_of_90_days() {
        let s = family();
        let ix = LineageIndex::build(&s);
        let m = compute(&ix, &s.created, &MdiParams::default()).unwrap();
        // F = 1, window (10, 100]: C_F = {a, b}; C_P = children of p in window = {s1, b}.
        // n_i = |{a}| = 1, n_j = |{b}| = 1, n_k = |{s1}| = 1 → (1 − 1) / 3 = 0.
        assert_eq!(row(&m, 1), (1, 1, 1, 0.0));
        // The root 0 is not scored by default.
        assert!(!m.model.contains(&0));
        // b = 5 (day 40), bases F and p: window (40, 130] holds nothing → null.
        let (i, j, k, x) = row(&m, 5);
        assert_eq!((i, j, k), (0, 0, 0));
        assert!(x.is_nan());
        // a = 4 (day 30), base F: C_P = children of F in (30, 120] = {b} → n_k = 1, MDI = 0/1 = 0.
        assert_eq!(row(&m, 4), (0, 0, 1, 0.0));
    }

    #[test]
    fn unbounded_relations_and_roots() {
        let s = family();
        let ix = LineageIndex::build(&s);
        let p = MdiParams {
            window_days: None,
            score_roots: true,
            ..Default::default()
        };
        let m = compute(&ix, &s.created, &p).unwrap();
        // F: C_F = {a, b, c}, C_P = {s1, s2, b} → n_i = 2, n_j = 1, n_k = 2 → 1/5.
        assert_eq!(row(&m, 1), (2, 1, 2, 0.2));
        // The root p: C_F = its 4 children, no bases → MDI 1; weighted = 1 × 4.
        assert_eq!(row(&m, 0), (4, 0, 0, 1.0));
        let r = m.model.iter().position(|&x| x == 0).unwrap();
        assert_eq!(m.mcd(r), 4.0);
        // Without merges b no longer derives from p and F: C_F = {a, c}, C_P = {s1, s2}
        // under finetune + quantized + adapter → (2 − 0) / 4 = 0.5.
        let p = MdiParams {
            window_days: None,
            relations: RelationSet::of(&[Finetune, Quantized, Adapter]),
            ..Default::default()
        };
        let m = compute(&ix, &s.created, &p).unwrap();
        assert_eq!(row(&m, 1), (2, 0, 2, 0.5));
        // b has no base under this filter and is not scored.
        assert!(!m.model.contains(&5));
    }

    #[test]
    fn merge_with_two_bases_counts_shared_siblings_once() {
        // Bases 0 and 1; F = 2 merges both (day 10); 3 merges 0 and 1 too (day 20); 4 derives
        // from 0 (day 30); 5 derives from F and from 1 (day 40).
        let s = snap(
            &[0, 0, 10, 20, 30, 40],
            &[
                &[],
                &[],
                &[(0, Merge), (1, Merge)],
                &[(0, Merge), (1, Merge)],
                &[(0, Finetune)],
                &[(2, Merge), (1, Merge)],
            ],
        );
        let ix = LineageIndex::build(&s);
        let m = compute(
            &ix,
            &s.created,
            &MdiParams {
                window_days: None,
                ..Default::default()
            },
        )
        .unwrap();
        // C_F = {5}; C_P = children of 0 {3, 4} ∪ children of 1 {3, 5} = {3, 4, 5}.
        // n_i = 0, n_j = 1 (5), n_k = 2 (3, 4) → −1/3.
        let (i, j, k, x) = row(&m, 2);
        assert_eq!((i, j, k), (0, 1, 2));
        assert!((x + 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn transitive_mode_follows_ancestors_avoiding_the_focal_model() {
        let s = family();
        let ix = LineageIndex::build(&s);
        // Add a grandchild of F: extend the family with 7 (day 50) deriving from a (4).
        let mut s2 = s.clone();
        s2.id.push("m/7");
        s2.created.push(50);
        s2.base_model.push(4);
        s2.base_relation.push(Finetune);
        s2.base_offsets.push(s2.base_model.len() as u32);
        let ix2 = LineageIndex::build(&s2);
        let p = MdiParams {
            transitive: true,
            ..Default::default()
        };
        let m = compute(&ix2, &s2.created, &p).unwrap();
        // F = 1, window (10, 100]: descendants of F: a, b, 7 (c is day 500).
        // Descendants of p avoiding F: s1 (20), b (40, lists p directly); s2 is day 200.
        // n_i = |{a, 7}| = 2, n_j = |{b}| = 1, n_k = |{s1}| = 1 → 1/4.
        assert_eq!(row(&m, 1), (2, 1, 1, 0.25));
        // s1 = 2 (day 20), base p: directly C_P = {b}; transitively p's descendants avoiding s1
        // in (20, 110] are b and a (a grandchild of p through F) → n_k = 2.
        let d = compute(&ix, &s.created, &MdiParams::default()).unwrap();
        let t = compute(&ix, &s.created, &p).unwrap();
        assert_eq!(row(&d, 2), (0, 0, 1, 0.0));
        assert_eq!(row(&t, 2), (0, 0, 2, 0.0));
    }

    #[test]
    fn transitive_mode_with_merges_below_the_focal_model() {
        // p = 0; F = 1 and s1 = 2 fine-tune p; a = 3 fine-tunes F; m = 4 merges a and s1;
        // z = 5 is an unrelated root; x = 6 merges F and z; y = 7 fine-tunes m.
        let s = snap(
            &[0, 10, 20, 30, 40, 0, 50, 60],
            &[
                &[],
                &[(0, Finetune)],
                &[(0, Finetune)],
                &[(1, Finetune)],
                &[(3, Merge), (2, Merge)],
                &[],
                &[(1, Merge), (5, Merge)],
                &[(4, Finetune)],
            ],
        );
        let ix = LineageIndex::build(&s);
        let p = MdiParams {
            transitive: true,
            window_days: None,
            ..Default::default()
        };
        let m = compute(&ix, &s.created, &p).unwrap();
        // F: C_F = {a, m, x, y}; from p avoiding F: s1, m (via s1), y (via m); x's other base z
        // does not descend from p. n_i = |{a, x}|, n_j = |{m, y}|, n_k = |{s1}| → 0.
        assert_eq!(row(&m, 1), (2, 2, 1, 0.0));
        // s1 (day 20): C_F = {m, y}; from p avoiding s1 after day 20: a, m (via a), x, y.
        // n_i = 0, n_j = 2, n_k = |{a, x}| = 2 → −2/4.
        assert_eq!(row(&m, 2), (0, 2, 2, -0.5));
        // a (day 30), base F: C_F = {m, y}; from F avoiding a: x only (s1 is not F's
        // descendant, so m is not reached) → (2, 0, 1) → 2/3.
        let (i, j, k, x) = row(&m, 3);
        assert_eq!((i, j, k), (2, 0, 1));
        assert!((x - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn transitive_mode_stops_at_its_budget() {
        // A chain of 2 000 models: the walks visit about 2 000² / 2 × 2 edges in all.
        let n = 2000u32;
        let created: Vec<i32> = (0..n as i32).collect();
        let bases: Vec<Vec<(u32, Relation)>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![(i - 1, Finetune)] })
            .collect();
        let refs: Vec<&[(u32, Relation)]> = bases.iter().map(|b| b.as_slice()).collect();
        let s = snap(&created, &refs);
        let ix = LineageIndex::build(&s);
        let p = MdiParams {
            transitive: true,
            window_days: None,
            ..Default::default()
        };
        let e = compute_with_budget(&ix, &s.created, &p, 100_000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("transitive") && e.contains("100000"), "{e}");
        // Within budget: F = i has n − 1 − i descendants, its base's other descendants are none.
        let m = compute_with_budget(&ix, &s.created, &p, 10_000_000).unwrap();
        assert_eq!((m.n_i[0], m.n_j[0], m.n_k[0]), (n - 2, 0, 0));
    }

    #[test]
    fn unknown_days_are_neither_scored_nor_counted() {
        let s = snap(
            &[0, 10, NO_DATE, 20],
            &[&[], &[(0, Finetune)], &[(0, Finetune)], &[(0, Finetune)]],
        );
        let ix = LineageIndex::build(&s);
        let m = compute(&ix, &s.created, &MdiParams::default()).unwrap();
        assert_eq!(m.model, vec![1, 3]);
        // F = 1: C_P = {3} only (2 has no day).
        assert_eq!(row(&m, 1), (0, 0, 1, 0.0));
    }

    #[test]
    fn empty_and_rootless() {
        let ix = LineageIndex::build(&Snapshot::default());
        assert!(compute(&ix, &[], &MdiParams::default()).unwrap().is_empty());
    }
}
