//! The rows of the kept models, week by week and by age: the layout the weekly model-level
//! concentration reads.
//!
//! The snapshot keeps each model's rows together (model-major). A weekly measure over models needs
//! every week's values together, and a window length picks a different part of every model's rows:
//! read model by model, each new window costs a jump to each kept model's rows and a scatter of each
//! row into its week (at 1 M models, ≈ 280 k jumps and 10 M scattered values, mostly waiting on
//! memory). [`WeekRows`] copies the kept models' downloads once per population filter into week
//! order and, within a week, into order of age (weeks since the model's creation week). The values
//! a window of L weeks counts in a week (ages 0 to L − 1) are then one slice, found by two lookups.

use crate::filter::{Rows, NO_WEEK};

/// The most entries the layout holds (4 bytes each: 64 MiB): with more kept rows (no population
/// filter on a large snapshot) the view keeps reading the rows model by model.
pub const MAX_ENTRIES: usize = 1 << 24;
/// The most (week, age) buckets: a snapshot whose ages span more is not laid out.
const MAX_BUCKETS: usize = 1 << 22;

/// The kept models' downloads in (week, age) order (see the module's comment).
///
/// Age buckets: 0 for a row before its model's creation week, `age + 1` for age 0 up to the
/// largest age, and the last bucket for models without a creation week (which a window never
/// counts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekRows {
    /// The week of slot 0.
    first_week: i32,
    /// Week slots.
    weeks: usize,
    /// Age buckets per week.
    ages: usize,
    /// Bucket `week slot × ages + age bucket` holds `downloads[start[b]..start[b + 1]]`.
    start: Vec<u32>,
    downloads: Vec<u32>,
}

impl WeekRows {
    /// The layout of the rows of `kept` (ascending) with creation weeks `created_weeks`. `None`
    /// when the kept models have no rows, more than [`MAX_ENTRIES`], or ages too far apart.
    pub fn build(rows: &Rows, created_weeks: &[i32], kept: &[u32]) -> Option<WeekRows> {
        let mut build = WeekRowsBuild::new(rows.week_bounds()?);
        loop {
            if let Some(done) = build.step(rows, created_weeks, kept, usize::MAX) {
                return done;
            }
        }
    }

    /// Entries held (one per kept row).
    pub fn len(&self) -> usize {
        self.downloads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.downloads.is_empty()
    }

    /// The downloads that count in `week` (one per kept model with a row that week, zeros
    /// included): all of them without a window (`None`), those of ages `0..window` with one. Empty
    /// for a week outside the layout.
    pub fn counted(&self, week: i32, window: Option<u32>) -> &[u32] {
        let Some(k) = usize::try_from(week as i64 - self.first_week as i64)
            .ok()
            .filter(|&k| k < self.weeks)
        else {
            return &[];
        };
        let base = k * self.ages;
        let (from, to) = match window {
            None => (base, base + self.ages),
            // Buckets 1..=L hold ages 0..L; the last bucket (no creation week) never counts.
            Some(l) => (base + 1, base + 1 + (l as usize).min(self.ages - 2)),
        };
        match (self.start.get(from), self.start.get(to)) {
            (Some(&a), Some(&b)) => self.downloads.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A [`WeekRows`] built a slice at a time ([`WeekRowsBuild::step`]), so that a page can build it
/// while idle without holding the main thread for the whole build (≈ 0.6 s in wasm at 1 M models).
/// Three passes over the kept models: their rows and earliest creation week, the size of every
/// (week, age) bucket, then the copy of each row into its bucket.
#[derive(Debug)]
pub struct WeekRowsBuild {
    phase: Phase,
    /// The next kept model (index into `kept`) of the current pass.
    next: usize,
    entries: usize,
    earliest: i64,
    first_week: i32,
    weeks: usize,
    ages: usize,
    /// Bucket sizes, then bucket starts.
    start: Vec<u32>,
    /// The next free slot of each bucket (copy pass).
    slot: Vec<u32>,
    downloads: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Count,
    Size,
    Copy,
}

impl WeekRowsBuild {
    /// A build for rows whose weeks run from `first` to `last` (`(first, last)`: the snapshot's
    /// week bounds, which the caller has at hand; finding them reads every row).
    pub fn new((first, last): (i32, i32)) -> WeekRowsBuild {
        WeekRowsBuild {
            phase: Phase::Count,
            next: 0,
            entries: 0,
            earliest: i64::MAX,
            first_week: first,
            weeks: usize::try_from(last as i64 - first as i64 + 1).unwrap_or(0),
            ages: 0,
            start: Vec::new(),
            slot: Vec::new(),
            downloads: Vec::new(),
        }
    }

    /// Visits at most `budget` kept models (at least one) of the current pass. `Some(layout)` when
    /// the build is over (`Some(None)`: no layout, as [`WeekRows::build`] says), `None` while work
    /// is left. Every call must pass the same `rows`, `created_weeks` and `kept`.
    pub fn step(
        &mut self,
        rows: &Rows,
        created_weeks: &[i32],
        kept: &[u32],
        budget: usize,
    ) -> Option<Option<WeekRows>> {
        let created = |m: u32| created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
        let end = self.next.saturating_add(budget.max(1)).min(kept.len());
        for &m in kept.get(self.next..end).unwrap_or(&[]) {
            let (a, b) = rows.range(m as usize);
            let c = created(m);
            let (weeks, downloads) = rows.slice(a, b);
            match self.phase {
                // Ages run up to the last week minus the earliest creation week (read from the
                // creation weeks, not the rows: a read of every kept model's rows misses the cache).
                Phase::Count => {
                    self.entries += b - a;
                    if a < b && c != NO_WEEK {
                        self.earliest = self.earliest.min(c as i64);
                    }
                }
                Phase::Size => {
                    for &w in weeks {
                        let k = self.bucket(w, c);
                        if let Some(x) = self.start.get_mut(k + 1) {
                            *x += 1;
                        }
                    }
                }
                Phase::Copy => {
                    for (&w, &d) in weeks.iter().zip(downloads) {
                        let k = self.bucket(w, c);
                        if let Some(slot) = self.slot.get_mut(k) {
                            if let Some(x) = self.downloads.get_mut(*slot as usize) {
                                *x = d;
                            }
                            *slot += 1;
                        }
                    }
                }
            }
        }
        self.next = end;
        if end < kept.len() {
            return None;
        }
        // The pass is over: set up the next one, or hand over the layout.
        self.next = 0;
        match self.phase {
            Phase::Count => {
                let last = self.first_week as i64 + self.weeks as i64 - 1;
                let oldest = (last - self.earliest).max(0);
                self.ages = usize::try_from(oldest).unwrap_or(usize::MAX).saturating_add(3);
                if self.entries == 0
                    || self.weeks == 0
                    || self.entries > MAX_ENTRIES
                    || self.weeks.saturating_mul(self.ages) > MAX_BUCKETS
                {
                    return Some(None);
                }
                self.start = vec![0u32; self.weeks * self.ages + 1];
                self.phase = Phase::Size;
                None
            }
            Phase::Size => {
                for b in 1..self.start.len() {
                    self.start[b] += self.start[b - 1];
                }
                self.slot = self.start.clone();
                self.downloads = vec![0u32; self.entries];
                self.phase = Phase::Copy;
                None
            }
            Phase::Copy => Some(Some(WeekRows {
                first_week: self.first_week,
                weeks: self.weeks,
                ages: self.ages,
                start: std::mem::take(&mut self.start),
                downloads: std::mem::take(&mut self.downloads),
            })),
        }
    }

    /// The bucket of a row in week `w` of a model created in week `c` (see [`WeekRows`]).
    fn bucket(&self, w: u16, c: i32) -> usize {
        let ages = self.ages;
        let age = if c == NO_WEEK {
            ages - 1
        } else {
            (w as i64 - c as i64 + 1).clamp(0, ages as i64 - 2) as usize
        };
        (w as i32 - self.first_week) as usize * ages + age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(x: &[u32]) -> Vec<u32> {
        let mut v = x.to_vec();
        v.sort();
        v
    }

    /// Four models, weeks 10..=13. Creation weeks: m0 10, m1 11, m2 none, m3 12; m1 also has a
    /// row in week 10, before its creation.
    fn hand_example() -> (Rows<'static>, [i32; 4]) {
        const OFFSETS: [u32; 5] = [0, 4, 7, 9, 11];
        const WEEKS: [u16; 11] = [10, 11, 12, 13, 10, 11, 12, 10, 13, 12, 13];
        const DOWNLOADS: [u32; 11] = [1, 2, 3, 4, 5, 10, 20, 100, 200, 1000, 2000];
        let rows = Rows {
            offsets: &OFFSETS,
            weeks: &WEEKS,
            downloads: &DOWNLOADS,
        };
        (rows, [10, 11, NO_WEEK, 12])
    }

    #[test]
    fn weeks_hold_the_counted_rows_of_a_window() {
        let (rows, created) = hand_example();
        let w = WeekRows::build(&rows, &created, &[0, 1, 2, 3]).unwrap();
        assert_eq!(w.len(), 11);
        // Week 12: m0 (age 2), m1 (age 1), m3 (age 0).
        assert_eq!(sorted(w.counted(12, None)), vec![3, 20, 1000]);
        assert_eq!(sorted(w.counted(12, Some(2))), vec![20, 1000]);
        assert_eq!(sorted(w.counted(12, Some(1))), vec![1000]);
        assert_eq!(sorted(w.counted(12, Some(500))), vec![3, 20, 1000]);
        // Week 10: m0 (age 0), m1 before creation, m2 without creation week.
        assert_eq!(sorted(w.counted(10, None)), vec![1, 5, 100]);
        assert_eq!(sorted(w.counted(10, Some(52))), vec![1]);
        // Week 13: m0 (age 3), m2 (no creation week), m3 (age 1).
        assert_eq!(sorted(w.counted(13, Some(2))), vec![2000]);
        assert_eq!(sorted(w.counted(13, Some(4))), vec![4, 2000]);
        assert_eq!(w.counted(9, None), &[] as &[u32]);
        assert_eq!(w.counted(14, Some(3)), &[] as &[u32]);
        // Only the kept models are laid out.
        let w = WeekRows::build(&rows, &created, &[1, 2]).unwrap();
        assert_eq!(w.len(), 5);
        assert_eq!(w.counted(13, None), &[200]);
        assert_eq!(w.counted(11, Some(1)), &[10]);
    }

    #[test]
    fn a_build_in_slices_gives_the_same_layout() {
        // The hand example, built one model per call and three per call, against the build in
        // one go; the calls resume across the three passes.
        let (rows, created) = hand_example();
        let kept = [0, 1, 2, 3];
        let whole = WeekRows::build(&rows, &created, &kept).unwrap();
        for budget in [0, 1, 3] {
            let mut build = WeekRowsBuild::new((10, 13));
            let mut calls = 0;
            let got = loop {
                calls += 1;
                assert!(calls < 100);
                if let Some(done) = build.step(&rows, &created, &kept, budget) {
                    break done;
                }
            };
            assert_eq!(got.as_ref(), Some(&whole), "budget {budget}");
            // Four models, three passes: one model a call (a budget of 0 counts as 1) is 12 calls.
            assert_eq!(calls, if budget == 3 { 6 } else { 12 }, "budget {budget}");
        }
        // Nothing kept: no layout, at the end of the first pass.
        let mut build = WeekRowsBuild::new((10, 13));
        assert_eq!(build.step(&rows, &created, &[], 1), Some(None));
    }

    #[test]
    fn no_rows_give_no_layout() {
        let rows = Rows {
            offsets: &[0, 0],
            weeks: &[],
            downloads: &[],
        };
        assert!(WeekRows::build(&rows, &[0], &[0]).is_none());
    }
}
