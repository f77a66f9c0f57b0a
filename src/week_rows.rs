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

use crate::attribution::Credits;
use crate::concentration::{CountedLists, GrowingCounts, Measures};
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
    /// The downloads of the buckets before bucket `b` (as `start`): the sum of the buckets
    /// `from..to` is `before[to] − before[from]`.
    before: Vec<u64>,
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
        self.counted_from(week, window).1
    }

    /// [`WeekRows::counted`] with the index of its first entry (entries are numbered in the
    /// layout's order, as [`UnitWeekMeasuresBuild::take_entry_units`] gives their units).
    pub fn counted_from(&self, week: i32, window: Option<u32>) -> (usize, &[u32]) {
        let Some((from, to)) = self.counted_range(week, window) else {
            return (0, &[]);
        };
        match (self.start.get(from), self.start.get(to)) {
            (Some(&a), Some(&b)) => (
                a as usize,
                self.downloads.get(a as usize..b as usize).unwrap_or(&[]),
            ),
            _ => (0, &[]),
        }
    }

    /// The sum of [`WeekRows::counted`]: the downloads that count in `week` (0 outside the layout).
    pub fn counted_total(&self, week: i32, window: Option<u32>) -> u64 {
        match self.counted_range(week, window) {
            Some((from, to)) => match (self.before.get(from), self.before.get(to)) {
                (Some(&a), Some(&b)) => b.saturating_sub(a),
                _ => 0,
            },
            None => 0,
        }
    }

    /// [`WeekRows::counted`] of the models created in the weeks `created` (each end included;
    /// `None`: no bound on that side): the buckets of a week are in order of age, so these are one
    /// slice. Both ends open is `counted`. `None` when the layout cannot tell: without a window
    /// and with a bound, since bucket 0 (rows before the creation week) holds every creation week.
    pub fn counted_created(
        &self,
        week: i32,
        window: Option<u32>,
        created: (Option<i32>, Option<i32>),
    ) -> Option<&[u32]> {
        self.counted_created_from(week, window, created).map(|(_, d)| d)
    }

    /// [`WeekRows::counted_created`] with the index of its first entry, as
    /// [`WeekRows::counted_from`].
    pub fn counted_created_from(
        &self,
        week: i32,
        window: Option<u32>,
        created: (Option<i32>, Option<i32>),
    ) -> Option<(usize, &[u32])> {
        let l = match (window, created) {
            (_, (None, None)) => return Some(self.counted_from(week, window)),
            (None, _) => return None,
            (Some(l), _) => l as i64,
        };
        let Some((from, _)) = self.counted_range(week, window) else {
            return Some((0, &[]));
        };
        let (youngest, oldest) = created_ages(week, l, created);
        let oldest = oldest.min(self.ages as i64 - 3); // the largest age
        if youngest > oldest {
            return Some((0, &[]));
        }
        let (a, z) = (from + youngest as usize, from + oldest as usize + 1);
        match (self.start.get(a), self.start.get(z)) {
            (Some(&a), Some(&z)) => Some((
                a as usize,
                self.downloads.get(a as usize..z as usize).unwrap_or(&[]),
            )),
            _ => Some((0, &[])),
        }
    }

    /// The week slots of each of `periods` periods, where week `first_week + k` is in period
    /// `period_of[k]` (weeks of the layout outside the map are in none): what
    /// [`UnitWeekMeasuresBuild::over_periods`] measures. A period's weeks are consecutive.
    pub fn period_slots(
        &self,
        first_week: i32,
        period_of: &[u32],
        periods: usize,
    ) -> Vec<std::ops::Range<usize>> {
        let mut slots = vec![0..0; periods];
        for k in 0..self.weeks {
            let at = (self.first_week as i64 + k as i64 - first_week as i64)
                .try_into()
                .ok();
            let p = at.and_then(|at: usize| period_of.get(at)).map(|&p| p as usize);
            if let Some(range) = p.and_then(|p| slots.get_mut(p)) {
                *range = if range.start == range.end {
                    k..k + 1
                } else {
                    range.start..k + 1
                };
            }
        }
        slots
    }

    /// The entries of bucket `b` (empty outside the layout).
    fn bucket_entries(&self, b: usize) -> std::ops::Range<usize> {
        match (self.start.get(b), self.start.get(b + 1)) {
            (Some(&a), Some(&z)) => a as usize..z as usize,
            _ => 0..0,
        }
    }

    /// The bucket of the oldest age with entries in week slot `k` (0 when none): buckets 1 to
    /// `ages − 2` hold ages 0 up, and a longer window counts the same entries.
    fn last_age_bucket(&self, k: usize) -> usize {
        let base = k * self.ages;
        (1..self.ages.saturating_sub(1))
            .rev()
            .find(|&j| !self.bucket_entries(base + j).is_empty())
            .unwrap_or(0)
    }

    /// The buckets `from..to` that count in `week`; `None` for a week outside the layout.
    fn counted_range(&self, week: i32, window: Option<u32>) -> Option<(usize, usize)> {
        let k = usize::try_from(week as i64 - self.first_week as i64)
            .ok()
            .filter(|&k| k < self.weeks)?;
        let base = k * self.ages;
        Some(match window {
            None => (base, base + self.ages),
            // Buckets 1..=L hold ages 0..L; the last bucket (no creation week) never counts.
            Some(l) => {
                let l = (l as usize).min(self.ages - 2);
                (base + 1, base + 1 + l)
            }
        })
    }
}

/// The ages (youngest, oldest; none when youngest > oldest) that a window of `l` weeks counts in
/// `week` of the models created in the weeks `created` (each end included; `None`: unbounded):
/// age = week − creation week, within 0 to l − 1.
fn created_ages(week: i32, l: i64, created: (Option<i32>, Option<i32>)) -> (i64, i64) {
    let age = |c: i32| week as i64 - c as i64;
    let youngest = created.1.map_or(0, |c| age(c).max(0));
    let oldest = created.0.map_or(l - 1, |c| age(c).min(l - 1));
    (youngest, oldest)
}

/// The bucket of a row in week `w` of a model created in week `c` in a layout whose slot 0 is
/// `first_week` with `ages` buckets a week (see [`WeekRows`]).
fn bucket(first_week: i32, ages: usize, w: u16, c: i32) -> usize {
    (w as i32 - first_week) as usize * ages + age_bucket(ages, w, c)
}

/// The age bucket (within its week) of a row in week `w` of a model created in week `c`.
fn age_bucket(ages: usize, w: u16, c: i32) -> usize {
    if c == NO_WEEK {
        ages - 1
    } else {
        (w as i64 - c as i64 + 1).clamp(0, ages as i64 - 2) as usize
    }
}

/// The copy pass of a layout for one model created in week `c` with rows `(weeks, values)`:
/// writes each value into the next free slot of its row's bucket (`slot`: per bucket, the next free
/// entry). [`WeekRowsBuild`] copies the downloads with it and [`UnitWeekMeasuresBuild`] the units, so
/// that both put every row in the same entry.
fn place<T: Copy>(
    (first_week, ages): (i32, usize),
    slot: &mut [u32],
    out: &mut [T],
    c: i32,
    rows: impl Iterator<Item = (u16, T)>,
) {
    for (w, value) in rows {
        if let Some(next) = slot.get_mut(bucket(first_week, ages, w, c)) {
            if let Some(x) = out.get_mut(*next as usize) {
                *x = value;
            }
            *next += 1;
        }
    }
}

/// The weekly concentration measures of every window length ([`WeekMeasures`]) at a level of
/// units other than the models themselves under direct attribution (developers, countries, org
/// types; or, with root attribution, the roots or their units), made from a [`WeekRows`] layout a
/// slice at a time ([`UnitWeekMeasuresBuild::step`]): a pass over the kept models that finds each
/// entry's credit (the copy pass of the layout again, so the same slots), then the weeks one by one.
///
/// In a week, the entries are visited in order of *rank*: buckets 1 to the last (ages 0 up, then
/// no creation week) are ranks 1.., and bucket 0 (rows before their model's creation) is the
/// highest rank. A window of L weeks counts ranks 1..=L, so after rank L each unit's value is its
/// downloads in that window: a unit's first entry adds a value to a [`GrowingCounts`], each later
/// one replaces the unit's value with the larger sum, and the measures are taken after each rank.
/// When every model is credited whole to one unit (direct attribution, and models with one root),
/// they are, bit for bit, those of measuring the units' sums of the rows the window counts. A
/// model with several roots splits its downloads: those units' sums then have fractions, added in
/// another order than the rows' pass adds them, so the measures agree to rounding.
pub struct UnitWeekMeasuresBuild {
    placing: bool,
    /// The next kept model (placing) or week slot (measuring).
    next: usize,
    slot: Vec<u32>,
    /// Each entry's credit: a unit credited whole, [`SPLIT`] | a model whose credits are read from
    /// the [`Credits`], or [`NO_UNIT`].
    entry_credit: Vec<u32>,
    /// Per unit: the week slot + 1 of its value in `value` (an older stamp: no entry yet that
    /// week), and that value.
    stamp: Vec<u32>,
    value: Vec<f64>,
    growing: GrowingCounts,
    by_window: Vec<Vec<Measures>>,
    all: Vec<Measures>,
    /// The week slots of each period measured (`None`: each week its own period).
    periods: Option<Vec<std::ops::Range<usize>>>,
    /// The next rank of the period being measured (a period may take several slices: a month
    /// of a large snapshot is too long for one), and its measures so far.
    rank: usize,
    window_measures: Vec<Measures>,
}

/// The flag of an entry whose model splits its credit (see [`UnitWeekMeasuresBuild`]).
const SPLIT: u32 = 1 << 31;
/// An entry credited to no unit.
const NO_UNIT: u32 = u32::MAX;

/// Entries of the measuring pass per kept model of a slice's budget: a slice of 8192 models' worth
/// then measures at least a week, and about 65 k entries (a week or two at 1 M models).
pub const ENTRIES_PER_MODEL: usize = 8;

impl UnitWeekMeasuresBuild {
    /// A build over `layout` for `units` units; `None` when the units or the snapshot's models are
    /// too many to mark an entry's credit in 31 bits.
    pub fn new(layout: &WeekRows, units: usize, models: usize) -> Option<UnitWeekMeasuresBuild> {
        if units >= SPLIT as usize || models >= SPLIT as usize - 1 {
            return None;
        }
        Some(UnitWeekMeasuresBuild {
            placing: true,
            next: 0,
            slot: layout.start.clone(),
            entry_credit: vec![NO_UNIT; layout.len()],
            stamp: vec![0; units],
            value: vec![0.0; units],
            growing: GrowingCounts::default(),
            by_window: Vec::new(),
            all: Vec::new(),
            periods: None,
            rank: 0,
            window_measures: Vec::new(),
        })
    }

    /// [`UnitWeekMeasuresBuild::new`] measuring periods of weeks (months, quarters …) instead of
    /// weeks: `periods` gives each period's week slots of `layout` (week `first_week + k` is slot
    /// `k`; consecutive). A window of L weeks counts, in every week of a period, the rows of ages
    /// 0 to L − 1: after rank L of all its weeks, each unit's value is its downloads in the
    /// period under that window. Read with [`WeekMeasures::get_period`].
    pub fn over_periods(
        layout: &WeekRows,
        units: usize,
        models: usize,
        periods: Vec<std::ops::Range<usize>>,
    ) -> Option<UnitWeekMeasuresBuild> {
        let mut build = UnitWeekMeasuresBuild::new(layout, units, models)?;
        build.periods = Some(periods);
        Some(build)
    }

    /// Each entry's unit, once a weekly build is over, when every model is credited whole to one
    /// unit or none ([`NO_TIER_UNIT`]: none); `None` for a build over periods, or with a model
    /// that splits its credit. Takes them out of the build.
    pub fn take_entry_units(&mut self) -> Option<Vec<u32>> {
        if self.periods.is_some()
            || self.placing
            || self.entry_credit.iter().any(|&c| c != NO_UNIT && c & SPLIT != 0)
        {
            return None;
        }
        Some(std::mem::take(&mut self.entry_credit))
    }

    /// Does at most `budget` kept models' worth of work (at least one model or week). `Some` with
    /// the measures when the build is over, `None` while work is left. Every call must pass the
    /// same arguments, and the `rows`, `created_weeks` and `kept` that `layout` was built from;
    /// `credits` says which units each model is credited to, with what part of its downloads.
    pub fn step(
        &mut self,
        layout: &WeekRows,
        rows: &Rows,
        created_weeks: &[i32],
        kept: &[u32],
        credits: &Credits,
        budget: usize,
    ) -> Option<WeekMeasures> {
        if self.placing {
            let end = self.next.saturating_add(budget.max(1)).min(kept.len());
            for &m in kept.get(self.next..end).unwrap_or(&[]) {
                let (a, b) = rows.range(m as usize);
                let c = created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
                let credit = match credits.of_model(m as usize) {
                    ([], _) => NO_UNIT,
                    (&[u], &[w]) if w == 1.0 && u < SPLIT => u,
                    _ => SPLIT | m,
                };
                let weeks = rows.slice(a, b).0.iter().map(|&w| (w, credit));
                place(
                    (layout.first_week, layout.ages),
                    &mut self.slot,
                    &mut self.entry_credit,
                    c,
                    weeks,
                );
            }
            self.next = end;
            if end == kept.len() {
                self.placing = false;
                self.next = 0;
                self.slot = Vec::new();
            }
            return None;
        }
        let mut visited = 0;
        let quota = budget.max(1).saturating_mul(ENTRIES_PER_MODEL);
        let count = self.periods.as_ref().map_or(layout.weeks, Vec::len);
        while self.next < count && visited < quota {
            let weeks = match &self.periods {
                Some(p) => p.get(self.next).cloned().unwrap_or(0..0),
                None => self.next..self.next + 1,
            };
            let (entries, done) = self.measure_weeks(layout, credits, self.next, weeks, quota - visited);
            visited += entries;
            if done {
                self.next += 1;
            }
        }
        if self.next < count {
            return None;
        }
        let (by_window, all) = (std::mem::take(&mut self.by_window), std::mem::take(&mut self.all));
        Some(WeekMeasures::of(layout, by_window, all))
    }

    /// Measures period `p` (its week slots `weeks`; a week slot when each week is its own
    /// period) for every window, from rank `self.rank` on, until it is done or `quota` entries
    /// are visited (then it resumes at the next call); returns the entries visited and whether
    /// the period is done.
    fn measure_weeks(
        &mut self,
        layout: &WeekRows,
        credits: &Credits,
        p: usize,
        weeks: std::ops::Range<usize>,
        quota: usize,
    ) -> (usize, bool) {
        let ages = layout.ages;
        let bounds = |k: usize, b: usize| layout.bucket_entries(k * ages + b);
        let last_age = weeks
            .clone()
            .map(|k| layout.last_age_bucket(k))
            .max()
            .unwrap_or(0);
        let stamp = p as u32 + 1;
        if self.rank == 0 {
            self.growing.clear();
            self.window_measures = Vec::with_capacity(last_age + 1);
            self.window_measures.push(self.growing.measures());
        }
        // In order of rank: buckets 1.. then bucket 0, of every week of the period.
        let mut entries = 0;
        while self.rank < ages {
            let b = if self.rank + 1 < ages { self.rank + 1 } else { 0 };
            for e in weeks.clone().flat_map(|k| bounds(k, b)) {
                entries += 1;
                let (Some(&credit), Some(&d)) = (self.entry_credit.get(e), layout.downloads.get(e)) else {
                    continue;
                };
                if credit == NO_UNIT {
                    continue;
                }
                if credit & SPLIT == 0 {
                    self.credit(credit, d as f64, stamp);
                    continue;
                }
                let (units, weights) = credits.of_model((credit & !SPLIT) as usize);
                for (&u, &w) in units.iter().zip(weights) {
                    self.credit(u, d as f64 * w, stamp);
                }
            }
            if (1..=last_age).contains(&b) {
                self.window_measures.push(self.growing.measures());
            }
            self.rank += 1;
            if entries >= quota && self.rank < ages {
                return (entries, false);
            }
        }
        self.rank = 0;
        self.all.push(self.growing.measures());
        self.by_window.push(std::mem::take(&mut self.window_measures));
        (entries, true)
    }

    /// Adds `x` to unit `u`'s value of the week stamped `stamp`.
    fn credit(&mut self, u: u32, x: f64, stamp: u32) {
        let (Some(seen), Some(value)) = (self.stamp.get_mut(u as usize), self.value.get_mut(u as usize))
        else {
            return; // not a unit
        };
        if *seen == stamp {
            let before = *value;
            *value += x;
            self.growing.replace(before, *value);
        } else {
            (*seen, *value) = (stamp, x);
            self.growing.add_value(x);
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
    /// Bucket sums, then the sums before each bucket ([`WeekRows::before`]).
    before: Vec<u64>,
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
            before: Vec::new(),
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
                    for (&w, &d) in weeks.iter().zip(downloads) {
                        let k = self.bucket(w, c);
                        if let (Some(x), Some(sum)) = (self.start.get_mut(k + 1), self.before.get_mut(k + 1))
                        {
                            *x += 1;
                            *sum += d as u64;
                        }
                    }
                }
                Phase::Copy => {
                    let rows = weeks.iter().copied().zip(downloads.iter().copied());
                    place(
                        (self.first_week, self.ages),
                        &mut self.slot,
                        &mut self.downloads,
                        c,
                        rows,
                    );
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
                self.before = vec![0u64; self.weeks * self.ages + 1];
                self.phase = Phase::Size;
                None
            }
            Phase::Size => {
                for b in 1..self.start.len() {
                    self.start[b] += self.start[b - 1];
                    // At most MAX_ENTRIES (2^24) values below 2^32: no sum reaches 2^56.
                    self.before[b] = self.before[b].saturating_add(self.before[b - 1]);
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
                before: std::mem::take(&mut self.before),
            })),
        }
    }

    /// The bucket of a row in week `w` of a model created in week `c` (see [`WeekRows`]).
    fn bucket(&self, w: u16, c: i32) -> usize {
        bucket(self.first_week, self.ages, w, c)
    }
}

/// The rows of the models just below a population filter's minimum of downloads, in week and
/// age order like [`WeekRows`] and, within a bucket, in decreasing order of the model's total.
/// A lower minimum keeps the last filter's models and those of this tier whose totals reach it:
/// in each bucket a first run of entries, found by a binary search on their totals
/// ([`LowerTier::counted_at_least`]). Without it those models' rows are read model by model
/// (at 1 M models, about 160 k models between minimums of 106 and 200: 40 ms natively, the
/// model-level box's largest part).
///
/// Each entry also has its model's country and developer (for their weekly sums), when every
/// model of the tier is credited whole to one unit or to none at both levels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LowerTier {
    layout: WeekRows,
    /// Per entry, its model's total and units.
    keys: Vec<TierKey>,
    /// Whether the entries' units were given.
    has_units: bool,
}

/// The unit of an entry of a [`LowerTier`] whose model is credited to no unit.
pub const NO_TIER_UNIT: u32 = u32::MAX;

/// What a [`LowerTier`] keeps of an entry's model.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TierKey {
    /// The model's total downloads (below 2^32: the tier's models are below a minimum that is).
    pub total: u32,
    /// Its country and developer ([`NO_TIER_UNIT`]: none).
    pub country: u32,
    pub developer: u32,
}

impl LowerTier {
    /// Entries held (one per row of the tier's models).
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }

    /// Whether each entry's unit is there (see [`LowerTier`]).
    pub fn has_units(&self) -> bool {
        self.has_units
    }

    /// The entries that count in `week` under `window` whatever the minimum: at least those of
    /// [`LowerTier::counted_at_least`].
    pub fn counted_len(&self, week: i32, window: Option<u32>) -> usize {
        self.layout.counted(week, window).len()
    }

    /// Calls `f(downloads, keys)` with the downloads that count in `week` under `window` (as
    /// [`WeekRows::counted`]) of the tier's models whose totals are at least `min`, and their
    /// (total, unit): one call per age bucket. Nothing for a week outside the tier.
    pub fn counted_at_least(
        &self,
        week: i32,
        window: Option<u32>,
        min: f64,
        mut f: impl FnMut(&[u32], &[TierKey]),
    ) {
        let Some((from, to)) = self.layout.counted_range(week, window) else {
            return;
        };
        for b in from..to {
            let entries = self.layout.bucket_entries(b);
            let Some(keys) = self.keys.get(entries.clone()) else {
                continue;
            };
            let reached = keys.partition_point(|k| k.total as f64 >= min);
            if let (Some(values), Some(keys)) = (
                self.layout.downloads.get(entries.start..entries.start + reached),
                keys.get(..reached),
            ) {
                f(values, keys);
            }
        }
    }
}

/// Makes a [`LowerTier`] a slice at a time: the three passes of [`WeekRowsBuild`] over the
/// tier's models, then one that places each entry's model total and unit.
pub struct LowerTierBuild {
    rows: WeekRowsBuild,
    /// Once the rows are laid out, the placing of the keys.
    placing: Option<TierPlacing>,
    has_units: bool,
}

/// The last pass of a [`LowerTierBuild`]: the layout, each bucket's next free slot, the keys
/// placed so far and the next model.
struct TierPlacing {
    layout: WeekRows,
    slot: Vec<u32>,
    keys: Vec<TierKey>,
    next: usize,
}

impl LowerTierBuild {
    /// A build for rows whose weeks run from `first` to `last` (as [`WeekRowsBuild::new`]).
    pub fn new(bounds: (i32, i32)) -> LowerTierBuild {
        LowerTierBuild {
            rows: WeekRowsBuild::new(bounds),
            placing: None,
            has_units: true,
        }
    }

    /// Visits at most `budget` models (at least one) of the current pass: `models` in decreasing
    /// order of `totals` (each below 2^32), the same at every call. `unit_of(m)` is the country
    /// and the developer model `m` is credited to whole ([`NO_TIER_UNIT`]: none), `None` when it
    /// cannot be said (then the tier has no units). `Some` when the build is over (`Some(None)`: no tier, as
    /// [`WeekRows::build`] says), `None` while work is left.
    pub fn step(
        &mut self,
        rows: &Rows,
        created_weeks: &[i32],
        models: &[u32],
        totals: &[f64],
        unit_of: impl Fn(u32) -> Option<(u32, u32)>,
        budget: usize,
    ) -> Option<Option<LowerTier>> {
        let Some(TierPlacing {
            layout,
            slot,
            keys,
            next,
        }) = &mut self.placing
        else {
            match self.rows.step(rows, created_weeks, models, budget)? {
                None => return Some(None),
                Some(layout) => {
                    self.placing = Some(TierPlacing {
                        slot: layout.start.clone(),
                        keys: vec![TierKey::default(); layout.len()],
                        layout,
                        next: 0,
                    });
                    return None;
                }
            }
        };
        let end = next.saturating_add(budget.max(1)).min(models.len());
        for &m in models.get(*next..end).unwrap_or(&[]) {
            let (a, b) = rows.range(m as usize);
            let c = created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
            let total = totals.get(m as usize).map_or(0, |&t| t as u32);
            let (country, developer) = unit_of(m).unwrap_or_else(|| {
                self.has_units = false;
                (NO_TIER_UNIT, NO_TIER_UNIT)
            });
            let key = TierKey {
                total,
                country,
                developer,
            };
            let weeks = rows.slice(a, b).0.iter().map(|&w| (w, key));
            place((layout.first_week, layout.ages), slot, keys, c, weeks);
        }
        *next = end;
        if end < models.len() {
            return None;
        }
        let TierPlacing { layout, keys, .. } = self.placing.take()?;
        Some(Some(LowerTier {
            layout,
            keys,
            has_units: self.has_units,
        }))
    }
}

/// The weekly model-level concentration measures of every window length, made once per
/// population filter from its [`WeekRows`] (by [`WeekMeasuresBuild`]): after a window change the
/// model-level box reads them instead of measuring each week's values again (at 1 M models about
/// 5 M values a window, 45–60 ms in Chromium).
///
/// A week's values are added to a [`GrowingCounts`] one age bucket at a time, the measures taken
/// after each: those of a window of L weeks after ages 0 to L − 1. `GrowingCounts` measures a list
/// as [`crate::concentration::measures_of_counts`] does, in an order that does not depend on how
/// the list was made, so the numbers are the same, bit for bit, as measuring
/// [`WeekRows::counted`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekMeasures {
    first_week: i32,
    /// Age buckets per week of the layout.
    ages: usize,
    /// Per week slot: the measures of windows of 0, 1, 2 … weeks, up to the last age with values
    /// that week (a longer window counts the same values).
    by_window: Vec<Vec<Measures>>,
    /// Per week slot: the measures without a window (every bucket).
    all: Vec<Measures>,
}

impl WeekMeasures {
    /// The measures made from `layout`, per week slot.
    fn of(layout: &WeekRows, by_window: Vec<Vec<Measures>>, all: Vec<Measures>) -> WeekMeasures {
        WeekMeasures {
            first_week: layout.first_week,
            ages: layout.ages,
            by_window,
            all,
        }
    }

    /// Whether these were made from `layout` (its weeks and ages).
    pub fn fits(&self, layout: &WeekRows) -> bool {
        (self.first_week, self.ages, self.all.len()) == (layout.first_week, layout.ages, layout.weeks)
    }

    /// The measures of period `p` under `window`, of measures made over periods
    /// ([`UnitWeekMeasuresBuild::over_periods`]); `None` for a period beyond them.
    pub fn get_period(&self, p: usize, window: Option<u32>) -> Option<Measures> {
        self.get(self.first_week.checked_add(i32::try_from(p).ok()?)?, window)
    }

    /// The measures of `week` under `window`: at the model level what
    /// `measures_of_counts(layout.counted(week, window))` gives for the layout these were made
    /// from, at a unit level those of the units' sums of the same rows; `None` for a week outside
    /// the layout.
    pub fn get(&self, week: i32, window: Option<u32>) -> Option<Measures> {
        let k = usize::try_from(week as i64 - self.first_week as i64).ok()?;
        match window {
            None => self.all.get(k).copied(),
            Some(l) => {
                let l = (l as usize).min(self.ages.saturating_sub(2));
                let by_window = self.by_window.get(k)?;
                by_window.get(l).or(by_window.last()).copied()
            }
        }
    }
}

/// A [`WeekMeasures`] made a few weeks at a time ([`WeekMeasuresBuild::step`]), like the layout.
#[derive(Default)]
pub struct WeekMeasuresBuild {
    /// The next week slot.
    next: usize,
    growing: GrowingCounts,
    by_window: Vec<Vec<Measures>>,
    all: Vec<Measures>,
}

impl WeekMeasuresBuild {
    /// Measures the weeks of `layout` (the same at every call) until their entries reach
    /// `budget` (at least one week a call). `Some` when every week is done, `None` while work is left.
    pub fn step(&mut self, layout: &WeekRows, budget: usize) -> Option<WeekMeasures> {
        let (ages, mut added) = (layout.ages, 0);
        let values = |b: usize| layout.downloads.get(layout.bucket_entries(b)).unwrap_or(&[]);
        while self.next < layout.weeks {
            let base = self.next * ages;
            let last_age = layout.last_age_bucket(self.next);
            self.growing.clear();
            let mut by_window = Vec::with_capacity(last_age + 1);
            by_window.push(self.growing.measures());
            for j in 1..=last_age {
                self.growing.add(values(base + j));
                by_window.push(self.growing.measures());
            }
            // Without a window: the rows before their model's creation week (bucket 0) and those
            // of models without one (the last bucket) count too.
            for b in [base].into_iter().chain(base + last_age + 1..base + ages) {
                self.growing.add(values(b));
            }
            self.all.push(self.growing.measures());
            self.by_window.push(by_window);
            self.next += 1;
            added += layout
                .bucket_entries(base)
                .start
                .abs_diff(layout.bucket_entries(base + ages - 1).end);
            if added >= budget {
                break;
            }
        }
        (self.next >= layout.weeks).then(|| {
            let (by_window, all) = (std::mem::take(&mut self.by_window), std::mem::take(&mut self.all));
            WeekMeasures::of(layout, by_window, all)
        })
    }
}

/// The values that count in each week of a [`WeekRows`] under one window, as [`CountedLists`]
/// (their distinct values with counts). Under a lower minimum of downloads a week's model-level
/// measures are those of this week's values plus the [`LowerTier`]'s entries that reach the
/// minimum: loaded, added to and measured, instead of copying the week's values and counting
/// them again (at 1 M models 13 M values, 45–65 ms in Chromium).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekCounts {
    first_week: i32,
    window: Option<u32>,
    /// One list per week slot of the layout.
    lists: CountedLists,
}

impl WeekCounts {
    /// The window these count under.
    pub fn window(&self) -> Option<u32> {
        self.window
    }

    /// Replaces the values of `growing` with those that count in `week` (none for a week outside
    /// the layout): what adding `layout.counted(week, window)` after a clear gives.
    pub fn load(&self, week: i32, growing: &mut GrowingCounts) {
        growing.load(&self.lists, week_slot(self.first_week, week));
    }
}

/// The slot of `week` in weeks from `first_week` (out of range before it).
fn week_slot(first_week: i32, week: i32) -> usize {
    usize::try_from(week as i64 - first_week as i64).unwrap_or(usize::MAX)
}

/// A [`WeekCounts`] made a few weeks at a time, like [`WeekMeasuresBuild`].
pub struct WeekCountsBuild {
    window: Option<u32>,
    /// The next week slot.
    next: usize,
    lists: CountedLists,
}

impl WeekCountsBuild {
    pub fn new(window: Option<u32>) -> WeekCountsBuild {
        WeekCountsBuild {
            window,
            next: 0,
            lists: CountedLists::default(),
        }
    }

    /// The window being counted under.
    pub fn window(&self) -> Option<u32> {
        self.window
    }

    /// Counts the weeks of `layout` (the same at every call) until their values reach `budget`
    /// (at least one week a call). `Some` when every week is done, `None` while work is left.
    pub fn step(&mut self, layout: &WeekRows, budget: usize) -> Option<WeekCounts> {
        let mut added = 0;
        while self.next < layout.weeks {
            let values = layout.counted(layout.first_week + self.next as i32, self.window);
            self.lists.push(values);
            self.next += 1;
            added += values.len();
            if added >= budget {
                break;
            }
        }
        (self.next >= layout.weeks).then(|| WeekCounts {
            first_week: layout.first_week,
            window: self.window,
            lists: std::mem::take(&mut self.lists),
        })
    }
}

/// The developers' weekly sums of a [`WeekRows`] under one window, for a lower minimum of
/// downloads (with the [`LowerTier`] of the same population filter): per week, the developers'
/// sums above zero as [`CountedLists`], and the tier's entries that the window counts that week,
/// in decreasing order of their models' totals, each with its downloads and its developer's
/// group: the developers of the week's tier entries, numbered from 0 each week, with their sums
/// in the layout. A lower minimum's weekly developer measures are then each week's list loaded,
/// the first run of tier entries (those whose totals reach the minimum) added up per group in a
/// block of a few thousand sums, and those developers' sums grown: no pass over the layout's
/// entries (13.6 M at 1 M models) and no jump to a developer's sum per entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeveloperWeekCounts {
    first_week: i32,
    window: Option<u32>,
    lists: CountedLists,
    /// Per week slot, where its tier entries and its groups start (one more than the weeks).
    entry_starts: Vec<usize>,
    group_starts: Vec<usize>,
    /// Per tier entry of a week: its model's total, its downloads that week and its group.
    totals: Vec<u32>,
    downloads: Vec<u32>,
    groups: Vec<u32>,
    /// Per group of a week: its developer's sum in the layout's entries that week (0: none).
    group_sums: Vec<u32>,
}

/// The tier's entries of one week of a [`DeveloperWeekCounts`].
pub struct TierWeek<'a> {
    /// Models' totals, decreasing.
    pub totals: &'a [u32],
    pub downloads: &'a [u32],
    /// Each entry's group, an index into `group_sums`.
    pub groups: &'a [u32],
    /// Each group's developer's sum in the layout (0: none).
    pub group_sums: &'a [u32],
}

impl DeveloperWeekCounts {
    /// The window these count under.
    pub fn window(&self) -> Option<u32> {
        self.window
    }

    /// Replaces the values of `growing` with the developers' sums above zero in `week` (none for
    /// a week outside the layout).
    pub fn load(&self, week: i32, growing: &mut GrowingCounts) {
        growing.load(&self.lists, week_slot(self.first_week, week));
    }

    /// The tier's entries that the window counts in `week` (none outside the layout).
    pub fn tier_week(&self, week: i32) -> TierWeek<'_> {
        let k = week_slot(self.first_week, week);
        let range = |starts: &[usize]| match (starts.get(k), k.checked_add(1).and_then(|j| starts.get(j))) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        let (entries, groups) = (range(&self.entry_starts), range(&self.group_starts));
        TierWeek {
            totals: self.totals.get(entries.clone()).unwrap_or(&[]),
            downloads: self.downloads.get(entries.clone()).unwrap_or(&[]),
            groups: self.groups.get(entries).unwrap_or(&[]),
            group_sums: self.group_sums.get(groups).unwrap_or(&[]),
        }
    }
}

/// Appends to `values` the sums above zero of the units in `touched` and zeroes them (a unit
/// whose first entries were zero is listed more than once: its sum is taken once); whether one
/// of them was 2^32 or more (then cut to 32 bits).
pub fn take_positive_sums(touched: &[u32], sums: &mut [u64], values: &mut Vec<u32>) -> bool {
    let mut too_large = false;
    for &u in touched {
        if let Some(x) = sums.get_mut(u as usize) {
            if *x > 0 {
                too_large |= *x > u32::MAX as u64;
                values.push(*x as u32);
                *x = 0;
            }
        }
    }
    too_large
}

/// A [`DeveloperWeekCounts`] made a few weeks at a time, like [`WeekMeasuresBuild`].
pub struct DeveloperWeekCountsBuild {
    window: Option<u32>,
    next: usize,
    counts: DeveloperWeekCounts,
    /// Per developer, its sum in the week being counted and its group that week (zero and
    /// [`NO_GROUP`] between weeks), and the developers with entries or a group that week.
    sums: Vec<u64>,
    group_of: Vec<u32>,
    touched: Vec<u32>,
    grouped: Vec<u32>,
    values: Vec<u32>,
    week_entries: Vec<(u32, u32, u32)>,
}

/// No group (see [`DeveloperWeekCountsBuild`]).
const NO_GROUP: u32 = u32::MAX;

impl DeveloperWeekCountsBuild {
    /// A build under `window` for `developers` developers.
    pub fn new(window: Option<u32>, developers: usize) -> DeveloperWeekCountsBuild {
        DeveloperWeekCountsBuild {
            window,
            next: 0,
            counts: DeveloperWeekCounts::default(),
            sums: vec![0; developers],
            group_of: vec![NO_GROUP; developers],
            touched: Vec::new(),
            grouped: Vec::new(),
            values: Vec::new(),
            week_entries: Vec::new(),
        }
    }

    /// The window being counted under.
    pub fn window(&self) -> Option<u32> {
        self.window
    }

    /// Counts the weeks of `layout` (whose entries have the developers `developers`, numbered
    /// below the build's count; others are left out) and of `tier`, the same at every call, until
    /// the layout's values reach `budget` (at least one week a call). `None` while work is left;
    /// `Some(None)` when a developer's week holds 2^32 downloads or more.
    pub fn step(
        &mut self,
        layout: &WeekRows,
        developers: &[u32],
        tier: &LowerTier,
        budget: usize,
    ) -> Option<Option<DeveloperWeekCounts>> {
        if self.counts.entry_starts.is_empty() {
            self.counts.entry_starts.push(0);
            self.counts.group_starts.push(0);
            // Reserved at once: grown by doubling, the blocks left behind would stay in a
            // wasm module's memory (tens of MB at 1 M models).
            let entries: usize = (0..layout.weeks)
                .map(|k| tier.counted_len(layout.first_week + k as i32, self.window))
                .sum();
            self.counts.totals.reserve_exact(entries);
            self.counts.downloads.reserve_exact(entries);
            self.counts.groups.reserve_exact(entries);
        }
        let mut added = 0;
        while self.next < layout.weeks {
            let week = layout.first_week + self.next as i32;
            let (at, counted) = layout.counted_from(week, self.window);
            let units = developers.get(at..at + counted.len()).unwrap_or(&[]);
            for (&u, &d) in units.iter().zip(counted) {
                if let Some(x) = self.sums.get_mut(u as usize) {
                    if *x == 0 {
                        self.touched.push(u);
                    }
                    *x += d as u64;
                }
            }
            // The tier's entries of the week, grouped by developer, with the groups' sums.
            let (start, entries) = tier.layout.counted_from(week, self.window);
            let keys = tier.keys.get(start..start + entries.len()).unwrap_or(&[]);
            self.week_entries.clear();
            let groups_before = self.counts.group_sums.len();
            for (k, &d) in keys.iter().zip(entries) {
                let Some(g) = self.group_of.get_mut(k.developer as usize) else {
                    continue; // no developer
                };
                if *g == NO_GROUP {
                    *g = (self.counts.group_sums.len() - groups_before) as u32;
                    let sum = self.sums.get(k.developer as usize).copied().unwrap_or(0);
                    self.counts
                        .group_sums
                        .push(u32::try_from(sum).unwrap_or(u32::MAX));
                    self.grouped.push(k.developer);
                }
                self.week_entries.push((k.total, d, *g));
            }
            for &u in &self.grouped {
                if let Some(g) = self.group_of.get_mut(u as usize) {
                    *g = NO_GROUP;
                }
            }
            self.grouped.clear();
            self.week_entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.0));
            for &(total, d, g) in &self.week_entries {
                self.counts.totals.push(total);
                self.counts.downloads.push(d);
                self.counts.groups.push(g);
            }
            self.counts.entry_starts.push(self.counts.totals.len());
            self.counts.group_starts.push(self.counts.group_sums.len());
            self.values.clear();
            let too_large = take_positive_sums(&self.touched, &mut self.sums, &mut self.values);
            self.touched.clear();
            if too_large {
                return Some(None);
            }
            self.counts.lists.push(&self.values);
            self.next += 1;
            added += counted.len() + entries.len();
            if added >= budget {
                break;
            }
        }
        (self.next >= layout.weeks).then(|| {
            let mut counts = std::mem::take(&mut self.counts);
            (counts.first_week, counts.window) = (layout.first_week, self.window);
            Some(counts)
        })
    }
}

/// The most cells (8 bytes each: 32 MiB) of a [`WeekGroupSums`]: more groups or weeks than that
/// (hundreds of countries over a long history) are not summed ahead.
pub const MAX_GROUP_CELLS: usize = 1 << 22;

/// The kept rows' downloads summed per slot of weeks (a week, or a coarser period), age and group
/// (a country, a label…): the sums a view reads after a window change instead of every kept
/// model's rows (at 1 M models 10 M rows, 45 ms in Chromium, for 21 countries × 265 weeks).
///
/// A slot's sums per group under a window of L weeks are those of its age buckets 1 to L (see
/// [`WeekRows`]): L × groups additions a slot. Whole numbers summed as integers, so the same as
/// the rows' sums, bit for bit, once turned into floats. Only the buckets up to the oldest age
/// with rows in the slot are kept (by week, about half of weeks × ages), and that of models
/// without a creation week.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekGroupSums {
    first_week: i32,
    /// Age buckets per week of the layout.
    ages: usize,
    groups: usize,
    /// The slot of each week of the layout (`u32::MAX`: none).
    slot_of: Vec<u32>,
    /// Slot `s` keeps the bucket rows `slot_start[s]..slot_start[s + 1]`: buckets 0 up to the
    /// last age bucket with rows in its weeks ([`WeekRows::last_age_bucket`]), then the last
    /// bucket (no creation week).
    slot_start: Vec<u32>,
    /// Bucket row `r`, group `g` at `r × groups + g`.
    sums: Vec<u64>,
}

impl WeekGroupSums {
    /// Empty sums of `groups` groups shaped for `layout`, with `slot_of[k]` the slot of the
    /// layout's week `k` (`u32::MAX`: none) among `slots`; `None` past [`MAX_GROUP_CELLS`].
    fn shaped(layout: &WeekRows, groups: usize, slot_of: Vec<u32>, slots: usize) -> Option<WeekGroupSums> {
        let mut last = vec![0usize; slots];
        for (k, &s) in slot_of.iter().enumerate().take(layout.weeks) {
            if let Some(x) = last.get_mut(s as usize) {
                *x = (*x).max(layout.last_age_bucket(k));
            }
        }
        let mut slot_start = Vec::with_capacity(slots + 1);
        let mut rows = 0usize;
        for l in last {
            slot_start.push(u32::try_from(rows).ok()?);
            rows += l + 2;
        }
        slot_start.push(u32::try_from(rows).ok()?);
        let cells = rows.checked_mul(groups).filter(|&c| c <= MAX_GROUP_CELLS)?;
        Some(WeekGroupSums {
            first_week: layout.first_week,
            ages: layout.ages,
            groups,
            slot_of,
            slot_start,
            sums: vec![0; cells],
        })
    }

    /// Groups summed.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Whether these were made from `layout` (its weeks and ages).
    pub fn fits(&self, layout: &WeekRows) -> bool {
        (self.first_week, self.ages, self.slot_of.len()) == (layout.first_week, layout.ages, layout.weeks)
    }

    /// The bucket rows of slot `s` (an empty range outside the sums).
    fn slot_rows(&self, s: usize) -> std::ops::Range<usize> {
        // `s` may be `usize::MAX` (no slot).
        match (
            self.slot_start.get(s),
            s.checked_add(1).and_then(|t| self.slot_start.get(t)),
        ) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The slot of `week` (`usize::MAX` outside the sums).
    fn slot_of_week(&self, week: i64) -> usize {
        usize::try_from(week - self.first_week as i64)
            .ok()
            .and_then(|k| self.slot_of.get(k))
            .map_or(usize::MAX, |&s| s as usize)
    }

    /// Adds to `out[g]` (one per group) group `g`'s downloads that count in `week` (sums made
    /// with a slot per week: [`WeekGroupSumsBuild::by_week`]). See [`WeekGroupSums::add_slot`].
    pub fn add_week(&self, week: i32, window: Option<u32>, out: &mut [u64]) {
        self.add_slot(self.slot_of_week(week as i64), window, out)
    }

    /// [`WeekGroupSums::add_week`] of the models created in the weeks `created` (each end
    /// included; `None`: no bound on that side), as [`WeekRows::counted_created`]. `false`, having
    /// added nothing, without a window and with a bound.
    pub fn add_week_created(
        &self,
        week: i32,
        window: Option<u32>,
        created: (Option<i32>, Option<i32>),
        out: &mut [u64],
    ) -> bool {
        let l = match (window, created) {
            (_, (None, None)) => {
                self.add_week(week, window, out);
                return true;
            }
            (None, _) => return false,
            (Some(l), _) => l as i64,
        };
        let rows = self.slot_rows(self.slot_of_week(week as i64));
        // Rows 1.. of the slot hold ages 0 up to its oldest with rows; the last, no creation week.
        let (youngest, oldest) = created_ages(week, l, created);
        let from = rows.start as i64 + 1 + youngest;
        let to = (rows.start as i64 + 2 + oldest).min(rows.end as i64 - 1);
        let g = self.groups;
        if from < to {
            let cells = self.sums.get(from as usize * g..to as usize * g).unwrap_or(&[]);
            for row in cells.chunks_exact(g.max(1)) {
                for (x, &v) in out.iter_mut().zip(row) {
                    *x += v;
                }
            }
        }
        true
    }

    /// Adds to `out[g]` (one per group) group `g`'s downloads that count in slot `s`: every row
    /// without a window (`None`), those of ages `0..window` with one. Nothing outside the sums.
    pub fn add_slot(&self, s: usize, window: Option<u32>, out: &mut [u64]) {
        let rows = self.slot_rows(s);
        let counted = match window {
            None => rows,
            // Rows 1..=L hold ages 0..L; the last row (no creation week) never counts.
            Some(l) => {
                let from = rows.start + 1;
                from..from
                    .saturating_add(l as usize)
                    .min(rows.end.saturating_sub(1))
                    .max(from)
            }
        };
        let g = self.groups;
        let Some(cells) = self.sums.get(counted.start * g..counted.end * g) else {
            return;
        };
        for row in cells.chunks_exact(g.max(1)) {
            for (x, &v) in out.iter_mut().zip(row) {
                *x += v;
            }
        }
    }
}

/// A [`WeekGroupSums`] made a slice of kept models at a time ([`WeekGroupSumsBuild::step`]).
pub struct WeekGroupSumsBuild {
    /// The next kept model (index into `kept`).
    next: usize,
    sums: Option<WeekGroupSums>,
    /// A model's rows' bucket rows and its groups (scratch).
    row_of: Vec<usize>,
    model_groups: Vec<usize>,
}

impl WeekGroupSumsBuild {
    /// A build over `layout` for `groups` groups, a slot per week.
    pub fn by_week(layout: &WeekRows, groups: usize) -> WeekGroupSumsBuild {
        let first = layout.first_week;
        WeekGroupSumsBuild::by_slot(layout, groups, layout.weeks, |w| usize::try_from(w - first).ok())
    }

    /// A build over `layout` for `groups` groups, each week `w` of the layout in slot
    /// `slot_of_week(w)` among `slots` (`None`, or a slot past them: left out).
    pub fn by_slot(
        layout: &WeekRows,
        groups: usize,
        slots: usize,
        slot_of_week: impl Fn(i32) -> Option<usize>,
    ) -> WeekGroupSumsBuild {
        let slot_of = (0..layout.weeks)
            .map(|k| {
                let slot = slot_of_week(layout.first_week + k as i32).filter(|&s| s < slots);
                slot.and_then(|s| u32::try_from(s).ok()).unwrap_or(u32::MAX)
            })
            .collect();
        WeekGroupSumsBuild {
            next: 0,
            sums: WeekGroupSums::shaped(layout, groups, slot_of, slots),
            row_of: Vec::new(),
            model_groups: Vec::new(),
        }
    }

    /// Adds the rows of at most `budget` kept models (at least one). `Some` when the build is
    /// over (`Some(None)`: no sums, past [`MAX_GROUP_CELLS`]), `None` while work is left. Every call
    /// must pass the same arguments, and the `rows`, `created_weeks` and `kept` that the layout
    /// was built from; `groups_of(m, f)` calls `f` with each group of kept model `m` (a model
    /// in several groups counts whole in each).
    pub fn step(
        &mut self,
        rows: &Rows,
        created_weeks: &[i32],
        kept: &[u32],
        groups_of: impl Fn(u32, &mut dyn FnMut(u32)),
        budget: usize,
    ) -> Option<Option<WeekGroupSums>> {
        let Some(t) = self.sums.as_mut() else {
            return Some(None);
        };
        let g = t.groups;
        let end = self.next.saturating_add(budget.max(1)).min(kept.len());
        for &m in kept.get(self.next..end).unwrap_or(&[]) {
            let (a, b) = rows.range(m as usize);
            let c = created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
            let (weeks, downloads) = rows.slice(a, b);
            // Each row's bucket row, found once for all the model's groups (`usize::MAX`: none).
            self.row_of.clear();
            self.row_of.extend(weeks.iter().map(|&w| {
                let rows = t.slot_rows(t.slot_of_week(w as i64));
                let b = age_bucket(t.ages, w, c);
                // The last bucket (no creation week) is the slot's last row; the others are
                // kept up to the slot's last age with rows, which no row passes.
                let row = if b + 1 == t.ages {
                    rows.end.saturating_sub(1)
                } else {
                    rows.start + b
                };
                if row < rows.end {
                    row
                } else {
                    usize::MAX
                }
            }));
            let model_groups = &mut self.model_groups;
            model_groups.clear();
            groups_of(m, &mut |group| {
                if (group as usize) < g {
                    model_groups.push(group as usize);
                }
            });
            // Row by row: a row's groups are all in one block of the sums.
            for (&row, &d) in self.row_of.iter().zip(downloads) {
                let Some(block) = row.checked_mul(g).and_then(|r| t.sums.get_mut(r..r + g)) else {
                    continue;
                };
                for &group in model_groups.iter() {
                    if let Some(x) = block.get_mut(group) {
                        *x += d as u64;
                    }
                }
            }
        }
        self.next = end;
        (end == kept.len()).then(|| self.sums.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::concentration::measures_of_counts;

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
    fn week_group_sums_by_hand() {
        // The hand example with groups m0 → 0, m1 → 1, m2 → 1, m3 → 0 and 2 (counted whole in
        // both); group 3 is out of range and left out. Sums worked out from the rows:
        // week 10: m0 1 (age 0), m1 5 (before creation), m2 100 (no creation week);
        // week 11: m0 2 (age 1), m1 10 (age 0);
        // week 12: m0 3 (age 2), m1 20 (age 1), m3 1000 (age 0);
        // week 13: m0 4 (age 3), m2 200 (no creation week), m3 2000 (age 1).
        let (rows, created) = hand_example();
        let kept = [0, 1, 2, 3];
        let layout = WeekRows::build(&rows, &created, &kept).unwrap();
        let groups_of = |m: u32, f: &mut dyn FnMut(u32)| match m {
            0 => f(0),
            1 | 2 => f(1),
            _ => [0, 2, 3].into_iter().for_each(f),
        };
        let whole = WeekGroupSumsBuild::by_week(&layout, 3)
            .step(&rows, &created, &kept, groups_of, usize::MAX)
            .unwrap()
            .unwrap();
        let mut sliced = WeekGroupSumsBuild::by_week(&layout, 3);
        let mut calls = 1;
        let by_one = loop {
            match sliced.step(&rows, &created, &kept, groups_of, 1) {
                Some(done) => break done.unwrap(),
                None => calls += 1,
            }
        };
        assert_eq!(calls, 4, "one kept model a call");
        assert_eq!(by_one, whole);
        assert!(whole.fits(&layout));
        let sums = |week, window| {
            let mut out = [7u64; 3];
            whole.add_week(week, window, &mut out);
            out.map(|x| x - 7)
        };
        assert_eq!(sums(10, None), [1, 105, 0]);
        assert_eq!(sums(10, Some(52)), [1, 0, 0]);
        assert_eq!(sums(11, Some(1)), [0, 10, 0]);
        assert_eq!(sums(11, Some(2)), [2, 10, 0]);
        assert_eq!(sums(12, Some(1)), [1000, 0, 1000]);
        assert_eq!(sums(12, Some(2)), [1000, 20, 1000]);
        assert_eq!(sums(12, None), [1003, 20, 1000]);
        assert_eq!(sums(13, Some(2)), [2000, 0, 2000]);
        assert_eq!(sums(13, Some(4)), [2004, 0, 2000]);
        assert_eq!(sums(13, Some(500)), [2004, 0, 2000]);
        assert_eq!(sums(13, None), [2004, 200, 2000]);
        assert_eq!(sums(13, Some(0)), [0, 0, 0]);
        assert_eq!(sums(9, None), [0, 0, 0]);
        assert_eq!(sums(14, Some(3)), [0, 0, 0]);
        // More cells than allowed: no sums.
        let mut too_many = WeekGroupSumsBuild::by_week(&layout, MAX_GROUP_CELLS);
        assert_eq!(
            too_many.step(&rows, &created, &kept, groups_of, usize::MAX),
            Some(None)
        );
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
        // The counted downloads' sums, worked out from the same rows.
        assert_eq!(w.counted_total(12, None), 3 + 20 + 1000);
        assert_eq!(w.counted_total(12, Some(2)), 20 + 1000);
        assert_eq!(w.counted_total(10, None), 1 + 5 + 100);
        assert_eq!(w.counted_total(10, Some(52)), 1);
        assert_eq!(w.counted_total(13, Some(4)), 4 + 2000);
        assert_eq!(w.counted_total(11, Some(1)), 10);
        assert_eq!(w.counted_total(9, None), 0);
        assert_eq!(w.counted_total(14, Some(3)), 0);
        // Only the kept models are laid out.
        let w = WeekRows::build(&rows, &created, &[1, 2]).unwrap();
        assert_eq!(w.len(), 5);
        assert_eq!(w.counted(13, None), &[200]);
        assert_eq!(w.counted(11, Some(1)), &[10]);
        assert_eq!(w.counted_total(13, None), 200);
        assert_eq!(w.counted_total(10, None), 5 + 100);
    }

    const TIER_OFFSETS: [u32; 5] = [0, 2, 3, 5, 6];
    const TIER_DOWNLOADS: [u32; 6] = [7, 8, 50, 1, 2, 30];

    /// Four models created in week 5 (A, B, C) and 6 (D): A 7 and 8 downloads in weeks 5 and 6,
    /// B 50 in week 5, C 1 and 2, D 30 in week 6.
    fn tier_example() -> (Rows<'static>, [i32; 4]) {
        const WEEKS: [u16; 6] = [5, 6, 5, 5, 6, 6];
        let rows = Rows {
            offsets: &TIER_OFFSETS,
            weeks: &WEEKS,
            downloads: &TIER_DOWNLOADS,
        };
        (rows, [5, 5, 5, 6])
    }

    #[test]
    fn lower_tier_by_hand() {
        // Four models created in week 5 (A, B, C) and 6 (D); totals A 15, B 50, C 3, D 30, so
        // the tier's order is B, D, A, C. Week 5, age 0: B 50, A 7, C 1. Week 6: age 0 D 30;
        // age 1 A 8, C 2. A minimum keeps the models whose totals reach it.
        let (rows, created) = tier_example();
        let totals = [15.0, 50.0, 3.0, 30.0];
        let order = [1, 3, 0, 2];
        // Units: A and C in unit 7, B in none, D in unit 2.
        let unit_of = |m: u32| Some(([7, NO_TIER_UNIT, 7, 2][m as usize], [1, 0, 2, 1][m as usize]));
        for budget in [1, 2, usize::MAX] {
            let mut build = LowerTierBuild::new((5, 6));
            let mut calls = 0;
            let tier = loop {
                calls += 1;
                assert!(calls < 100);
                if let Some(done) = build.step(&rows, &created, &order, &totals, unit_of, budget) {
                    break done.unwrap();
                }
            };
            assert_eq!(tier.len(), 6);
            assert!(tier.has_units());
            let at_least = |week, window, min| {
                let mut v = Vec::new();
                tier.counted_at_least(week, window, min, |x, keys| {
                    assert_eq!(x.len(), keys.len());
                    for (&d, k) in x.iter().zip(keys) {
                        // Each entry's key is its model's.
                        let m = TIER_DOWNLOADS.iter().position(|&y| y == d).unwrap();
                        let model = TIER_OFFSETS.iter().rposition(|&o| o as usize <= m).unwrap();
                        let key = (k.total as f64, (k.country, k.developer));
                        assert_eq!(key, (totals[model], unit_of(model as u32).unwrap()));
                    }
                    v.extend_from_slice(x)
                });
                sorted(&v)
            };
            assert_eq!(at_least(5, Some(52), 0.0), vec![1, 7, 50]);
            assert_eq!(at_least(5, Some(52), 10.0), vec![7, 50]);
            assert_eq!(at_least(5, Some(52), 15.0), vec![7, 50]);
            assert_eq!(at_least(5, Some(52), 15.5), vec![50]);
            assert_eq!(at_least(5, Some(52), 51.0), Vec::<u32>::new());
            assert_eq!(at_least(6, Some(52), 0.0), vec![2, 8, 30]);
            assert_eq!(at_least(6, Some(52), 10.0), vec![8, 30]);
            assert_eq!(at_least(6, Some(52), 16.0), vec![30]);
            assert_eq!(at_least(6, None, 3.0), vec![2, 8, 30]);
            // A window of one week counts age 0 only (D in week 6).
            assert_eq!(at_least(6, Some(1), 0.0), vec![30]);
            assert_eq!(at_least(6, Some(0), 0.0), Vec::<u32>::new());
            assert_eq!(at_least(7, Some(52), 0.0), Vec::<u32>::new());
            assert_eq!(at_least(4, None, 0.0), Vec::<u32>::new());
        }
        // A model whose unit cannot be said: no units. No models: no tier.
        let mut build = LowerTierBuild::new((5, 6));
        let split_d = |m: u32| (m != 3).then_some((7, 1));
        let tier = loop {
            if let Some(done) = build.step(&rows, &created, &order, &totals, split_d, usize::MAX) {
                break done.unwrap();
            }
        };
        assert!(!tier.has_units());
        assert_eq!(
            LowerTierBuild::new((5, 6)).step(&rows, &created, &[], &totals, unit_of, 1),
            Some(None)
        );
    }

    #[test]
    fn developer_week_counts_by_hand() {
        // The models of `lower_tier_by_hand`: B (50, week 5) and D (30, week 6) laid out, of
        // developers 7 and 2; the tier holds A (15: 7 in week 5, 8 in week 6) and C (3: 1, 2), of
        // developer 7. Under 52 weeks: week 5 developer 7 has 50 (its tier entries see 50), week
        // 6 developer 2 has 30 (the tier's entries of developer 7 see 0). Under one week, the
        // tier's week-6 entries (age 1) are not counted.
        let (rows, created) = tier_example();
        let layout = WeekRows::build(&rows, &created, &[1, 3]).unwrap();
        let developers = [7, 2]; // the layout's entries: B's (week 5), then D's (week 6)
        let tier_of = |models: &[u32]| {
            let mut build = LowerTierBuild::new((5, 6));
            loop {
                let totals = [15.0, 50.0, 3.0, 30.0];
                if let Some(done) = build.step(&rows, &created, models, &totals, |_| Some((0, 7)), usize::MAX)
                {
                    break done.unwrap();
                }
            }
        };
        let tier = tier_of(&[0, 2]);
        let mut growing = GrowingCounts::default();
        for budget in [0, usize::MAX] {
            let mut build = DeveloperWeekCountsBuild::new(Some(52), 8);
            let counts = loop {
                if let Some(done) = build.step(&layout, &developers, &tier, budget) {
                    break done.unwrap();
                }
            };
            assert_eq!(counts.window(), Some(52));
            // Week 5: A 7 and C 1 (totals 15 and 3), one group (developer 7, 50 in the layout);
            // week 6: A 8 and C 2, developer 7 with nothing in the layout.
            let seen = |week| {
                let t = counts.tier_week(week);
                (
                    t.totals.to_vec(),
                    t.downloads.to_vec(),
                    t.groups.to_vec(),
                    t.group_sums.to_vec(),
                )
            };
            assert_eq!(seen(5), (vec![15, 3], vec![7, 1], vec![0, 0], vec![50]));
            assert_eq!(seen(6), (vec![15, 3], vec![8, 2], vec![0, 0], vec![0]));
            assert_eq!(seen(7), (vec![], vec![], vec![], vec![]));
            for (week, list) in [(5, vec![50]), (6, vec![30]), (7, vec![])] {
                counts.load(week, &mut growing);
                assert_eq!(
                    growing.measures(),
                    measures_of_counts(&mut list.clone()),
                    "week {week}"
                );
            }
        }
        let one_week = DeveloperWeekCountsBuild::new(Some(1), 8)
            .step(&layout, &developers, &tier, usize::MAX)
            .unwrap()
            .unwrap();
        assert_eq!(one_week.tier_week(5).group_sums, &[50]);
        assert_eq!(one_week.tier_week(6).totals, &[] as &[u32]);
        one_week.load(6, &mut growing);
        assert_eq!(growing.measures(), measures_of_counts(&mut [30]));
        // A developer's week of 2^32 downloads or more: no counts.
        const BIG: [u32; 2] = [u32::MAX, 1];
        let big = Rows {
            offsets: &[0, 1, 2],
            weeks: &[5, 5],
            downloads: &BIG,
        };
        let layout = WeekRows::build(&big, &[5, 5], &[0, 1]).unwrap();
        let mut build = DeveloperWeekCountsBuild::new(None, 8);
        assert_eq!(
            build.step(&layout, &[7, 7], &tier_of(&[2]), usize::MAX),
            Some(None)
        );
    }

    #[test]
    fn counted_rows_of_creation_weeks_by_hand() {
        // The hand example. Week 12: m0 (created in week 10) 3, m1 (11) 20, m3 (12) 1000.
        let (rows, created) = hand_example();
        let w = WeekRows::build(&rows, &created, &[0, 1, 2, 3]).unwrap();
        let of = |week, window, from, to| w.counted_created(week, window, (from, to)).map(sorted);
        assert_eq!(of(12, Some(52), Some(11), None), Some(vec![20, 1000]));
        assert_eq!(of(12, Some(52), None, Some(11)), Some(vec![3, 20]));
        assert_eq!(of(12, Some(52), Some(11), Some(11)), Some(vec![20]));
        assert_eq!(of(12, Some(52), Some(13), None), Some(vec![]));
        assert_eq!(of(12, Some(52), Some(-100), None), Some(vec![3, 20, 1000]));
        // The window counts ages 0 (m3) and 1 (m1) only.
        assert_eq!(of(12, Some(1), Some(11), None), Some(vec![1000]));
        assert_eq!(of(12, Some(2), Some(11), None), Some(vec![20, 1000]));
        assert_eq!(of(12, Some(2), None, Some(11)), Some(vec![20]));
        // Week 13: m0 4, m3 2000 (m2 has no creation week: a window never counts it).
        assert_eq!(of(13, Some(52), Some(10), Some(12)), Some(vec![4, 2000]));
        assert_eq!(of(13, Some(52), Some(11), Some(12)), Some(vec![2000]));
        assert_eq!(of(10, Some(52), Some(10), None), Some(vec![1]));
        assert_eq!(of(9, Some(52), Some(10), None), Some(vec![]));
        assert_eq!(of(14, Some(52), None, Some(12)), Some(vec![]));
        // Unbounded: `counted`, with a window or without. A bound without a window: no answer
        // (week 10 holds m1's row before its creation in the same bucket as any other's).
        assert_eq!(of(12, None, None, None), Some(vec![3, 20, 1000]));
        assert_eq!(of(10, None, None, None), Some(vec![1, 5, 100]));
        assert_eq!(of(12, None, Some(11), None), None);
    }

    #[test]
    fn week_measures_of_every_window_by_hand() {
        // The hand example's measures per week and window, worked out from its rows, then every
        // week (and weeks outside) and window against measuring `counted` (bit for bit), built in
        // one go and a week per call.
        let (rows, created) = hand_example();
        let w = WeekRows::build(&rows, &created, &[0, 1, 2, 3]).unwrap();
        let whole = {
            let mut b = WeekMeasuresBuild::default();
            b.step(&w, usize::MAX).unwrap()
        };
        let m = |week, window| whole.get(week, window).unwrap();
        // Week 12, no window: 3, 20, 1000 (total 1023); top1 = 1000/1023.
        assert_eq!((m(12, None).units, m(12, None).total), (3, 1023.0));
        assert_eq!(m(12, None).top1, Some(1000.0 / 1023.0));
        // A window of 2 weeks: 20 and 1000; of 1 week: 1000 alone (HHI 1, Gini 0).
        assert_eq!((m(12, Some(2)).units, m(12, Some(2)).total), (2, 1020.0));
        assert_eq!((m(12, Some(1)).hhi, m(12, Some(1)).gini), (Some(1.0), Some(0.0)));
        // Week 10 under a window: m0 alone (m1 before its creation, m2 without a creation week).
        assert_eq!((m(10, Some(52)).units, m(10, Some(52)).total), (1, 1.0));
        assert_eq!((m(10, None).units, m(10, None).total), (3, 106.0));
        // A window of 0 weeks counts nothing.
        assert_eq!((m(13, Some(0)).units, m(13, Some(0)).hhi), (0, None));
        assert_eq!(whole.get(9, None), None);
        assert_eq!(whole.get(14, Some(3)), None);
        for budget in [0, 1, usize::MAX] {
            let mut b = WeekMeasuresBuild::default();
            let mut calls = 0;
            let got = loop {
                calls += 1;
                assert!(calls < 100);
                if let Some(done) = b.step(&w, budget) {
                    break done;
                }
            };
            assert_eq!(got, whole, "budget {budget}");
        }
        assert!(
            {
                let mut b = WeekMeasuresBuild::default();
                b.step(&w, 0).is_none()
            },
            "one week a call"
        );
        for week in 10..=13 {
            for window in [
                None,
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(52),
            ] {
                let want = measures_of_counts(&mut w.counted(week, window).to_vec());
                assert_eq!(whole.get(week, window), Some(want), "week {week}, {window:?}");
            }
        }
    }

    #[test]
    fn week_counts_load_each_weeks_counted_values() {
        // The hand example's weeks under several windows, built in one go and a week per call:
        // each week (and weeks outside) loaded, then grown by two values, against measuring
        // `counted` plus the same values (bit for bit); week 12 under 2 weeks by hand.
        let (rows, created) = hand_example();
        let w = WeekRows::build(&rows, &created, &[0, 1, 2, 3]).unwrap();
        let mut growing = GrowingCounts::default();
        for window in [None, Some(0), Some(1), Some(2), Some(4), Some(52)] {
            let whole = WeekCountsBuild::new(window).step(&w, usize::MAX).unwrap();
            assert_eq!(whole.window(), window);
            let mut b = WeekCountsBuild::new(window);
            let mut calls = 0;
            let sliced = loop {
                calls += 1;
                if let Some(done) = b.step(&w, 0) {
                    break done;
                }
            };
            assert_eq!((sliced, calls), (whole.clone(), 4), "{window:?}: one week a call");
            for week in 8..=15 {
                whole.load(week, &mut growing);
                growing.add(&[7, 0]);
                let mut want = w.counted(week, window).to_vec();
                want.extend([7, 0]);
                assert_eq!(
                    growing.measures(),
                    measures_of_counts(&mut want),
                    "week {week}, {window:?}"
                );
            }
        }
        // Week 12 under 2 weeks holds 20 and 1000; with 7 added: total 1027, top1 1000/1027.
        let counts = WeekCountsBuild::new(Some(2)).step(&w, usize::MAX).unwrap();
        counts.load(12, &mut growing);
        growing.add(&[7]);
        let m = growing.measures();
        assert_eq!((m.units, m.total, m.top1), (3, 1027.0, Some(1000.0 / 1027.0)));
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

    /// The measures of `units` (per model) over the layout of all models of `rows`, built with
    /// `budget` per call.
    fn unit_measures(
        rows: &Rows,
        created: &[i32],
        units: &[Option<u32>],
        budget: usize,
    ) -> (WeekRows, WeekMeasures) {
        let credits: Vec<Vec<(u32, f64)>> = units
            .iter()
            .map(|u| u.map(|u| (u, 1.0)).into_iter().collect())
            .collect();
        split_measures(rows, created, &credits, budget)
    }

    /// The measures of units credited `credits[m]` (unit, part of the downloads) of each model `m`
    /// of `rows`, built with `budget` per call.
    fn split_measures(
        rows: &Rows,
        created: &[i32],
        credits: &[Vec<(u32, f64)>],
        budget: usize,
    ) -> (WeekRows, WeekMeasures) {
        let mut by_model = Credits {
            by_model_offsets: vec![0],
            ..Default::default()
        };
        for pairs in credits {
            for &(u, w) in pairs {
                by_model.by_model_unit.push(u);
                by_model.by_model_weight.push(w);
            }
            by_model
                .by_model_offsets
                .push(by_model.by_model_unit.len() as u32);
        }
        let kept: Vec<u32> = (0..credits.len() as u32).collect();
        let layout = WeekRows::build(rows, created, &kept).unwrap();
        let mut build = UnitWeekMeasuresBuild::new(&layout, 2, credits.len()).unwrap();
        let mut calls = 0;
        let measures = loop {
            calls += 1;
            assert!(calls < 100);
            if let Some(done) = build.step(&layout, rows, created, &kept, &by_model, budget) {
                break done;
            }
        };
        assert!(measures.fits(&layout));
        (layout, measures)
    }

    /// The measures of the units' values `values` (worked out by hand in the tests).
    fn of(values: &[u32]) -> Option<Measures> {
        Some(measures_of_counts(&mut values.to_vec()))
    }

    #[test]
    fn unit_measures_of_each_units_counted_sum() {
        // The hand example with models 0, 1 and 3 of unit 0 and model 2 (no creation week) of
        // unit 1; then model 3 of no unit. Sums worked out from the rows listed above.
        let (rows, created) = hand_example();
        for budget in [1, 1000] {
            let (_, measures) = unit_measures(&rows, &created, &[Some(0), Some(0), Some(1), Some(0)], budget);
            let values = |week, window| measures.get(week, window);
            // Week 12: m0 age 2 (3), m1 age 1 (20), m3 age 0 (1000), all unit 0.
            assert_eq!(values(12, None), of(&[1023]));
            assert_eq!(values(12, Some(1)), of(&[1000]));
            assert_eq!(values(12, Some(2)), of(&[1020]));
            assert_eq!(values(12, Some(3)), of(&[1023]));
            assert_eq!(values(12, Some(500)), of(&[1023]));
            // Week 10: m0 age 0 (1), m1 before creation (5), m2 without creation week (100).
            assert_eq!(values(10, None), of(&[6, 100]));
            assert_eq!(values(10, Some(52)), of(&[1]));
            // Week 13: m0 age 3 (4), m2 (200), m3 age 1 (2000).
            assert_eq!(values(13, Some(1)), of(&[]));
            assert_eq!(values(13, Some(2)), of(&[2000]));
            assert_eq!(values(13, Some(4)), of(&[2004]));
            assert_eq!(values(13, None), of(&[200, 2004]));
            // Week 11: m0 age 1 (2), m1 age 0 (10).
            assert_eq!(values(11, Some(1)), of(&[10]));
            assert_eq!(values(11, Some(2)), of(&[12]));
            assert_eq!(values(9, None), None);
            assert_eq!(values(14, Some(3)), None);
        }
        let (_, measures) = unit_measures(&rows, &created, &[Some(0), Some(0), Some(1), None], 3);
        let values = |week, window| measures.get(week, window);
        assert_eq!(values(12, None), of(&[23]));
        assert_eq!(values(12, Some(1)), of(&[]));
        assert_eq!(values(13, None), of(&[4, 200]));
        assert_eq!(values(13, Some(4)), of(&[4]));
    }

    #[test]
    fn period_measures_by_hand() {
        // The hand example measured over two periods, weeks 10–11 and 12–13, of a map that starts
        // at week 9 (outside the layout) and has a third period (week 14) without rows. Each
        // model its own unit, then m0, m1 and m3 of unit 0 and m2 of unit 1. Sums from the rows
        // listed above.
        let (rows, created) = hand_example();
        let kept = [0, 1, 2, 3];
        let layout = WeekRows::build(&rows, &created, &kept).unwrap();
        let slots = layout.period_slots(9, &[0, 0, 0, 1, 1, 2], 3);
        assert_eq!(slots, vec![0..2, 2..4, 0..0]);
        for (units, budget) in [([0, 1, 2, 3], 1), ([0, 1, 2, 3], 1000), ([0, 0, 1, 0], 2)] {
            let mut credits = Credits {
                by_model_offsets: vec![0],
                ..Default::default()
            };
            for u in units {
                credits.by_model_unit.push(u);
                credits.by_model_weight.push(1.0);
                credits.by_model_offsets.push(credits.by_model_unit.len() as u32);
            }
            let mut build = UnitWeekMeasuresBuild::over_periods(&layout, 4, 4, slots.clone()).unwrap();
            let measures = loop {
                if let Some(done) = build.step(&layout, &rows, &created, &kept, &credits, budget) {
                    break done;
                }
            };
            let values = |p, window| measures.get_period(p, window);
            if units == [0, 1, 2, 3] {
                // Weeks 10–11: m0 1 (age 0) + 2 (age 1), m1 5 (before creation) + 10 (age 0),
                // m2 100 (no creation week).
                assert_eq!(values(0, Some(1)), of(&[1, 10]));
                assert_eq!(values(0, Some(2)), of(&[3, 10]));
                assert_eq!(values(0, None), of(&[3, 15, 100]));
                // Weeks 12–13: m0 3 (age 2) + 4 (age 3), m1 20 (age 1), m2 200, m3 1000 + 2000
                // (ages 0 and 1).
                assert_eq!(values(1, Some(1)), of(&[1000]));
                assert_eq!(values(1, Some(2)), of(&[20, 3000]));
                assert_eq!(values(1, Some(3)), of(&[3, 20, 3000]));
                assert_eq!(values(1, Some(4)), of(&[7, 20, 3000]));
                assert_eq!(values(1, Some(500)), of(&[7, 20, 3000]));
                assert_eq!(values(1, None), of(&[7, 20, 200, 3000]));
            } else {
                assert_eq!(values(0, Some(2)), of(&[13]));
                assert_eq!(values(0, None), of(&[18, 100]));
                assert_eq!(values(1, Some(2)), of(&[3020]));
                assert_eq!(values(1, None), of(&[200, 3027]));
            }
            assert_eq!(values(2, Some(52)), of(&[]));
            assert_eq!(values(2, None), of(&[]));
            assert_eq!(values(3, None), None);
        }
        // The four weeks as one period (11 entries): a budget of one model (8 entries) stops in
        // the middle of it, after age 3, and the next call goes on. Each model its own unit.
        let credits = Credits {
            by_model_offsets: vec![0, 1, 2, 3, 4],
            by_model_unit: vec![0, 1, 2, 3],
            by_model_weight: vec![1.0; 4],
            ..Default::default()
        };
        let mut build =
            UnitWeekMeasuresBuild::over_periods(&layout, 4, 4, std::iter::once(0..4).collect()).unwrap();
        let mut calls = 0;
        let measures = loop {
            calls += 1;
            if let Some(done) = build.step(&layout, &rows, &created, &kept, &credits, 1) {
                break done;
            }
        };
        // Four calls place the models, then two measure the period.
        assert_eq!(calls, 6);
        let values = |window| measures.get_period(0, window);
        assert_eq!(values(Some(2)), of(&[3, 30, 3000]));
        assert_eq!(values(Some(3)), of(&[6, 30, 3000]));
        assert_eq!(values(Some(4)), of(&[10, 30, 3000]));
        assert_eq!(values(None), of(&[10, 35, 300, 3000]));
    }

    #[test]
    fn unit_measures_add_models_of_one_age() {
        // Models 0 and 1 of unit 0 created in week 10, model 2 of unit 0 in week 11, model 3 of
        // unit 1 in week 10: in week 11 models 0 and 1 share an age (1), so a window counts
        // both or neither.
        const OFFSETS: [u32; 5] = [0, 2, 4, 5, 7];
        const WEEKS: [u16; 7] = [10, 11, 10, 11, 11, 10, 11];
        const DOWNLOADS: [u32; 7] = [1, 2, 10, 20, 100, 1000, 2000];
        let rows = Rows {
            offsets: &OFFSETS,
            weeks: &WEEKS,
            downloads: &DOWNLOADS,
        };
        let created = [10, 10, 11, 10];
        let (_, measures) = unit_measures(&rows, &created, &[Some(0), Some(0), Some(0), Some(1)], 2);
        let values = |week, window| measures.get(week, window);
        assert_eq!(values(11, Some(1)), of(&[100]));
        assert_eq!(values(11, Some(2)), of(&[122, 2000]));
        assert_eq!(values(11, None), of(&[122, 2000]));
        assert_eq!(values(10, Some(1)), of(&[11, 1000]));
    }

    #[test]
    fn a_unit_sum_past_u32_is_measured() {
        // 4 294 967 295 + 1 in one unit: the sum of whole numbers past u32 is still exact.
        const OFFSETS: [u32; 3] = [0, 1, 2];
        const WEEKS: [u16; 2] = [10, 10];
        const DOWNLOADS: [u32; 2] = [u32::MAX, 1];
        let rows = Rows {
            offsets: &OFFSETS,
            weeks: &WEEKS,
            downloads: &DOWNLOADS,
        };
        let (_, measures) = unit_measures(&rows, &[10, 10], &[Some(0), Some(0)], 10);
        let m = measures.get(10, None).unwrap();
        assert_eq!(
            (m.units, m.total, m.hhi, m.top1),
            (1, 4_294_967_296.0, Some(1.0), Some(1.0))
        );
    }

    #[test]
    fn split_credits_give_each_unit_its_part() {
        // The hand example with model 1 split between units 0 and 1 (half each), model 2 (no
        // creation week) three quarters to unit 0 and a quarter to unit 1, and models 0 and 3
        // whole to unit 0. The parts are exact in binary, so the measures equal those of the
        // unit values worked out here.
        let (rows, created) = hand_example();
        let credits = vec![
            vec![(0, 1.0)],
            vec![(0, 0.5), (1, 0.5)],
            vec![(0, 0.75), (1, 0.25)],
            vec![(0, 1.0)],
        ];
        for budget in [1, 1000] {
            let (_, measures) = split_measures(&rows, &created, &credits, budget);
            let values = |week, window| measures.get(week, window);
            let of = |values: &[f64]| Some(crate::concentration::measures(&mut values.to_vec()));
            // Week 12: m0 age 2 (3), m1 age 1 (20: 10 and 10), m3 age 0 (1000).
            assert_eq!(values(12, None), of(&[1013.0, 10.0]));
            assert_eq!(values(12, Some(1)), of(&[1000.0]));
            assert_eq!(values(12, Some(2)), of(&[1010.0, 10.0]));
            // Week 10: m0 age 0 (1), m1 before creation (5: 2.5 each), m2 without creation week
            // (100: 75 and 25).
            assert_eq!(values(10, Some(52)), of(&[1.0]));
            assert_eq!(values(10, None), of(&[78.5, 27.5]));
            // Week 11: m0 age 1 (2), m1 age 0 (10: 5 each).
            assert_eq!(values(11, Some(1)), of(&[5.0, 5.0]));
            assert_eq!(values(11, Some(2)), of(&[7.0, 5.0]));
            // Week 13: m0 age 3 (4), m2 (200: 150 and 50), m3 age 1 (2000).
            assert_eq!(values(13, None), of(&[2154.0, 50.0]));
        }
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
