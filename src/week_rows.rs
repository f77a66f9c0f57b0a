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
#[derive(Clone, Debug, Default)]
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
        let (first, last) = rows.week_bounds()?;
        let weeks = (last - first + 1) as usize;
        let created = |m: u32| created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
        // Ages run up to the last week minus the earliest creation week (read from the creation
        // weeks, not the rows: a read of every kept model's rows misses the cache).
        let mut entries = 0usize;
        let mut earliest = i64::MAX;
        for &m in kept {
            let (a, b) = rows.range(m as usize);
            entries += b - a;
            if let (true, c) = (a < b, created(m)) {
                if c != NO_WEEK {
                    earliest = earliest.min(c as i64);
                }
            }
        }
        let oldest = (last as i64 - earliest).max(0);
        let ages = usize::try_from(oldest).unwrap_or(usize::MAX).saturating_add(3);

        if entries == 0 || entries > MAX_ENTRIES || weeks.saturating_mul(ages) > MAX_BUCKETS {
            return None;
        }
        let bucket = |w: u16, c: i32| -> usize {
            let age = if c == NO_WEEK {
                ages - 1
            } else {
                (w as i64 - c as i64 + 1).clamp(0, ages as i64 - 2) as usize
            };
            (w as i32 - first) as usize * ages + age
        };
        let mut start = vec![0u32; weeks * ages + 1];
        for &m in kept {
            let (a, b) = rows.range(m as usize);
            let c = created(m);
            for &w in rows.slice(a, b).0 {
                start[bucket(w, c) + 1] += 1;
            }
        }
        for b in 1..start.len() {
            start[b] += start[b - 1];
        }
        let mut next = start.clone();
        let mut downloads = vec![0u32; entries];
        for &m in kept {
            let (a, b) = rows.range(m as usize);
            let c = created(m);
            let (ws, ds) = rows.slice(a, b);
            for (&w, &d) in ws.iter().zip(ds) {
                let k = bucket(w, c);
                if let Some(x) = downloads.get_mut(next[k] as usize) {
                    *x = d;
                }
                next[k] += 1;
            }
        }
        Some(WeekRows {
            first_week: first,
            weeks,
            ages,
            start,
            downloads,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(x: &[u32]) -> Vec<u32> {
        let mut v = x.to_vec();
        v.sort();
        v
    }

    #[test]
    fn weeks_hold_the_counted_rows_of_a_window() {
        // Four models, weeks 10..=13. Creation weeks: m0 10, m1 11, m2 none, m3 12; m1 also has
        // a row in week 10, before its creation.
        let offsets = [0u32, 4, 7, 9, 11];
        let weeks = [10u16, 11, 12, 13, 10, 11, 12, 10, 13, 12, 13];
        let downloads = [1u32, 2, 3, 4, 5, 10, 20, 100, 200, 1000, 2000];
        let rows = Rows {
            offsets: &offsets,
            weeks: &weeks,
            downloads: &downloads,
        };
        let created = [10, 11, NO_WEEK, 12];
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
    fn no_rows_give_no_layout() {
        let rows = Rows {
            offsets: &[0, 0],
            weeks: &[],
            downloads: &[],
        };
        assert!(WeekRows::build(&rows, &[0], &[0]).is_none());
    }
}
