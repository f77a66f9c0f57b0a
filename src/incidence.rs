//! Download-weighted incidence of attribute values, and Pearson's chi-squared tests of
//! independence between "has the value" and "before / after".
//!
//! * Incidence of a value in a period = the downloads (or, with basis `models`, the number of
//!   models) in that period that go to models having the value, divided by the period's total.
//!   Multi-label attributes count a model under each of its labels, so the incidences of one
//!   attribute may sum to more than 1.
//! * The 2×2 test: rows [has value, lacks value] × columns [before, after], the frequencies being
//!   downloads (basis `downloads`, as the paper does) or model counts; Pearson's statistic without
//!   continuity correction, df = 1, p = P(χ²₁ ≥ statistic) from statrs.
//! * The r×c test ([`chi2_table`]) of a whole attribute: values × [before, after], values whose
//!   row is all zero dropped, df = (rows − 1)(columns − 1).
//!
//! A table with an empty row or column margin has no statistic: `None`, never NaN.
//!
//! * [`LabelSets`]: the labels of an attribute for a list of models as one code per model, the
//!   code of its set of labels. Sums by set ([`add_by_sets`], every attribute in one pass over the
//!   entries), expanded to sums by label ([`LabelSets::expand`]), count a multi-label model under
//!   each of its labels in a loop as tight as a single-label attribute's.

use std::collections::HashMap;

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Upper tail P(χ²_df ≥ statistic); `None` for df = 0 or a non-finite statistic.
pub fn chi2_p(statistic: f64, df: f64) -> Option<f64> {
    if df.is_nan() || df <= 0.0 || !statistic.is_finite() || statistic < 0.0 {
        return None;
    }
    let d = ChiSquared::new(df).ok()?;
    Some(d.sf(statistic))
}

/// Pearson's chi-squared of the 2×2 table [[a, b], [c, d]] (no continuity correction) and its p
/// (df 1). `None` when a row or column margin is not positive.
pub fn chi2_2x2(a: f64, b: f64, c: f64, d: f64) -> Option<(f64, f64)> {
    chi2_table(&[a, b, c, d], 2, 2)
        .filter(|t| t.1 == 1.0)
        .map(|(statistic, _, p)| (statistic, p))
}

/// Pearson's chi-squared of an r×c table given row-major (`rows` rows of `cols` cells). Rows and
/// columns whose margin is 0 are dropped first. Returns (statistic, df, p); `None` when fewer
/// than 2 rows or 2 columns remain.
pub fn chi2_table(cells: &[f64], rows: usize, cols: usize) -> Option<(f64, f64, f64)> {
    if cells.len() != rows * cols {
        return None;
    }
    let row_sum: Vec<f64> = (0..rows)
        .map(|r| cells[r * cols..(r + 1) * cols].iter().sum())
        .collect();
    let col_sum: Vec<f64> = (0..cols)
        .map(|c| (0..rows).map(|r| cells[r * cols + c]).sum())
        .collect();
    let kept_rows: Vec<usize> = (0..rows).filter(|&r| row_sum[r] > 0.0).collect();
    let kept_cols: Vec<usize> = (0..cols).filter(|&c| col_sum[c] > 0.0).collect();
    if kept_rows.len() < 2 || kept_cols.len() < 2 {
        return None;
    }
    let n: f64 = row_sum.iter().sum();
    let mut statistic = 0.0;
    for &r in &kept_rows {
        for &c in &kept_cols {
            let expected = row_sum[r] * col_sum[c] / n;
            let diff = cells[r * cols + c] - expected;
            statistic += diff * diff / expected;
        }
    }
    let df = ((kept_rows.len() - 1) * (kept_cols.len() - 1)) as f64;
    chi2_p(statistic, df).map(|p| (statistic, df, p))
}

/// The incidence and test of one value: `has_before`/`has_after` of totals `before`/`after`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueTest {
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// after / before; `None` when before is 0 or unknown.
    pub ratio: Option<f64>,
    pub chi2: Option<f64>,
    pub p: Option<f64>,
}

/// Incidence before and after, their ratio and the 2×2 test for a value held by `has_before` of
/// `total_before` and `has_after` of `total_after`.
pub fn value_test(has_before: f64, total_before: f64, has_after: f64, total_after: f64) -> ValueTest {
    let share = |x: f64, t: f64| if t > 0.0 { Some(x / t) } else { None };
    let before = share(has_before, total_before);
    let after = share(has_after, total_after);
    let ratio = match (before, after) {
        (Some(b), Some(a)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    let test = chi2_2x2(
        has_before,
        has_after,
        (total_before - has_before).max(0.0),
        (total_after - has_after).max(0.0),
    );
    ValueTest {
        before,
        after,
        ratio,
        chi2: test.map(|t| t.0),
        p: test.map(|t| t.1),
    }
}

/// The labels of an attribute for a list of models (see the module's comment): model `i` of the
/// list is in set `set_of[i]`, set `s` holds labels `labels_of(s)` (distinct, in the order met).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSets {
    pub set_of: Vec<u32>,
    /// Set `s` holds `labels[offsets[s]..offsets[s + 1]]`.
    offsets: Vec<u32>,
    labels: Vec<u32>,
}

impl LabelSets {
    /// Sets of `count` labels (codes `0..count`) for models whose labels `labels_of(i, out)` pushes
    /// into `out` (model `i` of the list, in order). Set `k` is the set of label `k` alone, so that
    /// a model with one label costs no lookup; larger sets get codes from `count` on. A model
    /// without labels gets the empty set (code `count`). No models: no `set_of`, the
    /// `count + 1` sets still there.
    pub fn build(models: usize, count: usize, labels_of: impl FnMut(usize, &mut Vec<u32>)) -> LabelSets {
        let mut build = LabelSetsBuild::new(count);
        build.add(0..models, labels_of);
        build.finish()
    }

    /// The sets of the models `models` (indexes into the list these sets were built for): what
    /// [`LabelSets::build`] gives for them, without a lookup of each model's labels nor of each
    /// combination. The single labels and the empty set keep their codes; the combinations the
    /// models have are numbered afresh in the order met, so sets no model has take no room (the
    /// views hold a row of sums per set). A model out of range gets the empty set.
    pub fn of_models(&self, models: &[u32]) -> LabelSets {
        let empty = self.set_of_no_labels();
        let fixed = empty as usize + 1;
        let mut offsets: Vec<u32> = self.offsets.get(..=fixed).unwrap_or(&[]).to_vec();
        let fixed_labels = offsets.last().map_or(0, |&end| end as usize);
        let mut labels: Vec<u32> = self.labels.get(..fixed_labels).unwrap_or(&[]).to_vec();
        let look_up = |m: u32| self.set_of.get(m as usize).copied().unwrap_or(empty);
        if self.sets() <= fixed {
            // No combinations (a single-label attribute): nothing to number afresh.
            return LabelSets {
                set_of: models.iter().map(|&m| look_up(m)).collect(),
                offsets,
                labels,
            };
        }
        let mut new_code = vec![u32::MAX; self.sets().saturating_sub(fixed)];
        let set_of = models
            .iter()
            .map(|&m| {
                let code = look_up(m);
                let Some(slot) = (code as usize)
                    .checked_sub(fixed)
                    .and_then(|k| new_code.get_mut(k))
                else {
                    return code;
                };
                if *slot == u32::MAX {
                    *slot = offsets.len() as u32 - 1;
                    labels.extend_from_slice(self.labels_of(code as usize));
                    offsets.push(labels.len() as u32);
                }
                *slot
            })
            .collect();
        LabelSets {
            set_of,
            offsets,
            labels,
        }
    }

    /// The code of the empty set: the first set without labels (`count`, after the single labels).
    fn set_of_no_labels(&self) -> u32 {
        (0..self.sets())
            .find(|&s| self.labels_of(s).is_empty())
            .unwrap_or(0) as u32
    }

    /// Number of sets (at least `count + 1`).
    pub fn sets(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The labels of set `s` (empty for a set out of range).
    pub fn labels_of(&self, s: usize) -> &[u32] {
        match (self.offsets.get(s), self.offsets.get(s + 1)) {
            (Some(&a), Some(&b)) => self.labels.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Adds sums by set, `by_set[s * cells + c]`, into sums by label, `by_label[k * cells + c]`:
    /// each label gets the sums of every set holding it.
    pub fn expand(&self, by_set: &[f64], cells: usize, by_label: &mut [f64]) {
        for s in 0..self.sets() {
            let Some(row) = by_set.get(s * cells..(s + 1) * cells) else {
                break;
            };
            for &k in self.labels_of(s) {
                if let Some(out) = by_label.get_mut(k as usize * cells..(k as usize + 1) * cells) {
                    out.iter_mut().zip(row).for_each(|(o, x)| *o += x);
                }
            }
        }
    }
}

/// [`LabelSets::build`] a run of models at a time, for a page that must stay responsive (at 1 M
/// models, the sets of a multi-label attribute took up to 62 ms in one go in wasm).
#[derive(Debug)]
pub struct LabelSetsBuild {
    sets: LabelSets,
    count: usize,
    index: HashMap<Vec<u32>, u32>,
    current: Vec<u32>,
}

impl LabelSetsBuild {
    /// A build of sets of `count` labels, with no models yet.
    pub fn new(count: usize) -> LabelSetsBuild {
        let mut offsets: Vec<u32> = (0..=count as u32).collect();
        offsets.push(count as u32); // the empty set
        LabelSetsBuild {
            sets: LabelSets {
                set_of: Vec::new(),
                offsets,
                labels: (0..count as u32).collect(),
            },
            count,
            index: HashMap::new(),
            current: Vec::new(),
        }
    }

    /// The models built so far (the next one is this index).
    pub fn models(&self) -> usize {
        self.sets.set_of.len()
    }

    /// Adds the sets of models `models` (the next ones of the list, in order), whose labels
    /// `labels_of(i, out)` pushes into `out`.
    pub fn add(&mut self, models: std::ops::Range<usize>, mut labels_of: impl FnMut(usize, &mut Vec<u32>)) {
        let (count, sets) = (self.count, &mut self.sets);
        sets.set_of.reserve(models.len());
        for i in models {
            self.current.clear();
            labels_of(i, &mut self.current);
            let code = match self.current.as_slice() {
                [] => count as u32,
                &[k] if (k as usize) < count => k,
                _ => match self.index.get(&self.current) {
                    Some(&s) => s,
                    None => {
                        let s = sets.offsets.len() as u32 - 1;
                        sets.labels
                            .extend(self.current.iter().copied().filter(|&k| (k as usize) < count));
                        sets.offsets.push(sets.labels.len() as u32);
                        self.index.insert(self.current.clone(), s);
                        s
                    }
                },
            };
            sets.set_of.push(code);
        }
    }

    pub fn finish(self) -> LabelSets {
        self.sets
    }
}

/// For every entry `(i, cell, value)` (model `i` of the lists the sets were built for) and every
/// attribute `a`: `by_set[a][set_of(i) * cells + cell] += value`, in one pass over the entries (the
/// attributes' sums are independent, so their adds overlap). Entries whose model or cell is out
/// of range add nothing; no entries leave the sums as they are.
pub fn add_by_sets(
    sets: &[&LabelSets],
    entries: (&[u32], &[u32], &[f64]),
    cells: usize,
    by_set: &mut [Vec<f64>],
) {
    let (model, cell, value) = entries;
    let columns: Vec<&[u32]> = sets.iter().map(|s| s.set_of.as_slice()).collect();
    for ((&i, &c), &v) in model.iter().zip(cell).zip(value) {
        if c as usize >= cells {
            continue;
        }
        for (column, sums) in columns.iter().zip(by_set.iter_mut()) {
            if let Some(&s) = column.get(i as usize) {
                if let Some(x) = sums.get_mut(s as usize * cells + c as usize) {
                    *x += v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_worked_2x2() {
        // [[10, 20], [30, 40]]: n = 100, margins 30/70 and 40/60.
        // chi2 = n (ad − bc)² / (r1 r2 c1 c2) = 100 (400 − 600)² / (30·70·40·60) = 4e6 / 5.04e6.
        let (x, p) = chi2_2x2(10.0, 20.0, 30.0, 40.0).unwrap();
        assert!((x - 4.0e6 / 5.04e6).abs() < 1e-12, "{x}");
        // For df 1, P(χ² ≥ x) = erfc(sqrt(x / 2)); erfc(0.62994...) ≈ 0.37390 (tables).
        assert!((p - 0.373_9).abs() < 1e-3, "{p}");
        // The general table gives the same statistic.
        let (y, df, q) = chi2_table(&[10.0, 20.0, 30.0, 40.0], 2, 2).unwrap();
        assert!((y - x).abs() < 1e-12 && df == 1.0 && (q - p).abs() < 1e-15);
    }

    #[test]
    fn known_p_values() {
        // χ²₁ = 3.841458820694124 is the 95 % point; χ²₂ upper tail is exp(−x/2).
        assert!((chi2_p(3.841_458_820_694_124, 1.0).unwrap() - 0.05).abs() < 1e-12);
        assert!((chi2_p(4.0, 2.0).unwrap() - (-2.0f64).exp()).abs() < 1e-14);
        assert_eq!(chi2_p(1.0, 0.0), None);
        assert_eq!(chi2_p(f64::NAN, 1.0), None);
    }

    #[test]
    fn empty_margins_have_no_statistic() {
        assert_eq!(chi2_2x2(0.0, 0.0, 5.0, 5.0), None);
        assert_eq!(chi2_2x2(5.0, 0.0, 5.0, 0.0), None);
        assert_eq!(chi2_table(&[], 0, 2), None);
        // A 3×2 table with an all-zero row is a 2×2 table.
        let (x, df, _) = chi2_table(&[10.0, 20.0, 0.0, 0.0, 30.0, 40.0], 3, 2).unwrap();
        assert!((x - 4.0e6 / 5.04e6).abs() < 1e-12 && df == 1.0);
    }

    #[test]
    fn incidence_and_ratio() {
        // Before: 25 of 100 downloads have the value; after: 60 of 120.
        let t = value_test(25.0, 100.0, 60.0, 120.0);
        assert_eq!(t.before, Some(0.25));
        assert_eq!(t.after, Some(0.5));
        assert_eq!(t.ratio, Some(2.0));
        // 2×2: [[25, 60], [75, 60]], n 220, margins 85/135, 100/120:
        // 220 (25·60 − 60·75)² / (85·135·100·120) = 220·9e6 / 1.377e8.
        assert!((t.chi2.unwrap() - 220.0 * 9.0e6 / 1.377e8).abs() < 1e-9);
        let none = value_test(0.0, 0.0, 0.0, 0.0);
        assert_eq!((none.before, none.ratio, none.chi2), (None, None, None));
    }

    #[test]
    fn label_sets_by_hand() {
        // Three labels (0, 1, 2). Models: [1], [0, 2], [], [0, 2], [2, 0], [1].
        let lists: [&[u32]; 6] = [&[1], &[0, 2], &[], &[0, 2], &[2, 0], &[1]];
        let sets = LabelSets::build(lists.len(), 3, |i, out| out.extend_from_slice(lists[i]));
        // Singletons keep their label's code, the empty set is 3, then new sets in order met:
        // {0, 2} is 4, {2, 0} (another order) is 5.
        assert_eq!(sets.set_of, vec![1, 4, 3, 4, 5, 1]);
        assert_eq!(sets.sets(), 6);
        assert_eq!(
            (sets.labels_of(3), sets.labels_of(4), sets.labels_of(5)),
            (&[][..], &[0, 2][..], &[2, 0][..])
        );
        assert_eq!(sets.labels_of(9), &[] as &[u32]);
        // Made in runs of models (one empty): the same sets.
        let mut build = LabelSetsBuild::new(3);
        for run in [0..2, 2..2, 2..3, 3..6] {
            build.add(run, |i, out| out.extend_from_slice(lists[i]));
        }
        assert_eq!(build.models(), 6);
        assert_eq!(build.finish(), sets);

        // Entries (model, cell, value) over 2 cells; one with a cell out of range adds nothing.
        let (model, cell, value) = (
            vec![0, 1, 1, 2, 3, 4, 5, 0],
            vec![0, 0, 1, 1, 0, 1, 1, 2],
            vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 99.0],
        );
        let mut by_set = vec![vec![0.0; sets.sets() * 2]];
        add_by_sets(&[&sets], (&model, &cell, &value), 2, &mut by_set);
        // Set 1 (models 0, 5): cell 0 gets 1, cell 1 gets 64. Set 3 (model 2): cell 1 gets 8.
        // Set 4 (models 1, 3): cell 0 gets 2 + 16, cell 1 gets 4. Set 5 (model 4): cell 1 gets 32.
        assert_eq!(
            by_set[0],
            vec![0.0, 0.0, 1.0, 64.0, 0.0, 0.0, 0.0, 8.0, 18.0, 4.0, 0.0, 32.0]
        );
        let mut by_label = vec![0.0; 3 * 2];
        sets.expand(&by_set[0], 2, &mut by_label);
        // Label 0: sets 4 and 5; label 1: set 1; label 2: sets 4 and 5. The empty set counts under
        // no label.
        assert_eq!(by_label, vec![18.0, 36.0, 1.0, 64.0, 18.0, 36.0]);

        // Models 1, 2 and 4 of the list, and one out of range: their sets, which hold the same
        // labels; the one out of range gets the empty set (3). Their sums by label are those of
        // sets built for them alone (entries of models 0, 1 and 2 of the three).
        let some = sets.of_models(&[1, 2, 4, 9]);
        assert_eq!(some.set_of, vec![4, 3, 5, 3]);
        assert_eq!(
            (some.sets(), some.labels_of(4), some.labels_of(5)),
            (6, &[0, 2][..], &[2, 0][..])
        );
        let alone = LabelSets::build(3, 3, |i, out| out.extend_from_slice(lists[[1, 2, 4][i]]));
        let entries = (vec![0, 1, 2, 0], vec![0, 1, 1, 1], vec![2.0, 8.0, 32.0, 4.0]);
        let by_label_of = |sets: &LabelSets| {
            let mut by_set = vec![vec![0.0; sets.sets() * 2]];
            add_by_sets(&[sets], (&entries.0, &entries.1, &entries.2), 2, &mut by_set);
            let mut by_label = vec![0.0; 3 * 2];
            sets.expand(&by_set[0], 2, &mut by_label);
            by_label
        };
        assert_eq!(by_label_of(&some), vec![2.0, 36.0, 0.0, 0.0, 2.0, 36.0]);
        assert_eq!(by_label_of(&alone), by_label_of(&some));
        assert_eq!(some.set_of[..3], alone.set_of[..]);
        // Models 4, 1 and 0: their combinations numbered afresh in the order met ({2, 0} is 4
        // now), model 0's single label kept; model 2 alone: no combination, 4 sets.
        let reordered = sets.of_models(&[4, 1, 0]);
        assert_eq!(
            (reordered.set_of.clone(), reordered.labels_of(4)),
            (vec![4, 5, 1], &[2, 0][..])
        );
        let built = |models: &[usize]| {
            LabelSets::build(models.len(), 3, |i, out| out.extend_from_slice(lists[models[i]]))
        };
        assert_eq!(reordered, built(&[4, 1, 0]));
        assert_eq!((sets.of_models(&[2]), built(&[2]).sets()), (built(&[2]), 4));

        // No models and no entries.
        let none = LabelSets::build(0, 2, |_, _| {});
        assert!(none.of_models(&[]).set_of.is_empty());
        assert!(none.set_of.is_empty() && none.sets() == 3);
        let mut sums = vec![vec![0.0; 6]];
        add_by_sets(&[&none], (&[], &[], &[]), 2, &mut sums);
        assert_eq!(sums[0], vec![0.0; 6]);
    }
}
