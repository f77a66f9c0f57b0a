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
        match self.counted_range(week, window) {
            Some((from, to, _)) => match (self.start.get(from), self.start.get(to)) {
                (Some(&a), Some(&b)) => self.downloads.get(a as usize..b as usize).unwrap_or(&[]),
                _ => &[],
            },
            None => &[],
        }
    }

    /// The sum of [`WeekRows::counted`]: the downloads that count in `week` (0 outside the layout).
    pub fn counted_total(&self, week: i32, window: Option<u32>) -> u64 {
        match self.counted_range(week, window) {
            Some((from, to, _)) => match (self.before.get(from), self.before.get(to)) {
                (Some(&a), Some(&b)) => b.saturating_sub(a),
                _ => 0,
            },
            None => 0,
        }
    }

    /// The buckets `from..to` that count in `week`, and the highest chain rank they hold (see
    /// [`UnitWeekRows`]); `None` for a week outside the layout.
    fn counted_range(&self, week: i32, window: Option<u32>) -> Option<(usize, usize, usize)> {
        let k = usize::try_from(week as i64 - self.first_week as i64)
            .ok()
            .filter(|&k| k < self.weeks)?;
        let base = k * self.ages;
        Some(match window {
            None => (base, base + self.ages, self.ages),
            // Buckets 1..=L hold ages 0..L; the last bucket (no creation week) never counts.
            Some(l) => {
                let l = (l as usize).min(self.ages - 2);
                (base + 1, base + 1 + l, l)
            }
        })
    }
}

/// The bucket of a row in week `w` of a model created in week `c` in a layout whose slot 0 is
/// `first_week` with `ages` buckets a week (see [`WeekRows`]).
fn bucket(first_week: i32, ages: usize, w: u16, c: i32) -> usize {
    let age = if c == NO_WEEK {
        ages - 1
    } else {
        (w as i64 - c as i64 + 1).clamp(0, ages as i64 - 2) as usize
    };
    (w as i32 - first_week) as usize * ages + age
}

/// The copy pass of a layout for one model created in week `c` with rows `(weeks, values)`:
/// writes each value into the next free slot of its row's bucket (`slot`: per bucket, the next free
/// entry). [`WeekRowsBuild`] copies the downloads with it and [`UnitWeekRowsBuild`] the units, so
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

/// What a unit's chain link holds for an entry credited to no unit: a rank no window reaches.
const NEVER: u16 = 0;
/// The chain link of the last entry of a unit's chain in a week.
const LAST: u16 = 0x7fff;
/// The bit of a chain link that says the entry's value is a running sum of its unit ([`UnitWeekRows::sums`]).
const SUMMED: u16 = 0x8000;

/// The per-unit values of every week of a [`WeekRows`] layout, for any window, at a level where
/// each kept model counts for at most one unit (direct attribution: developers, countries, org
/// types), so that the weekly concentration at that level reads a slice too instead of summing
/// every counted row into its unit.
///
/// In a week, the entries of one unit form a chain, in order of *rank*: buckets 1 to the last
/// (ages 0 up, then no creation week) are ranks 1.., and bucket 0 (rows before their model's
/// creation) is the highest rank. Each entry holds its chain's running sum up to itself and the
/// rank of the next entry of its chain. A window of L weeks counts buckets (ranks) 1..=L, so a
/// unit's value in it is the running sum of its last entry of rank ≤ L: the entry whose next link
/// is beyond L. Without a window every bucket counts and the value is the chain's last sum. Each
/// value is read, not summed. An entry alone in its chain holds no sum (its value is its own
/// downloads), nor does one followed by an entry of the same rank (it never counts alone): at 1 M
/// models, 7.9 M sums for 13.6 M entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitWeekRows {
    /// Per entry of the layout: the rank of the next entry of its unit's chain ([`LAST`] for none,
    /// [`NEVER`] for an entry of no unit), with [`SUMMED`] set when its value is in `sums`.
    links: Vec<u16>,
    /// Per bucket (and one past the last): how many `sums` the entries before it hold.
    sums_start: Vec<u32>,
    /// The running sums of the entries with [`SUMMED`], in layout order.
    sums: Vec<u32>,
}

impl UnitWeekRows {
    /// Whether these chains were built over `layout` (its entries and buckets).
    pub fn fits(&self, layout: &WeekRows) -> bool {
        self.links.len() == layout.len() && self.sums_start.len() == layout.start.len()
    }

    /// Each unit's downloads in `week` (one value per unit with a counted row that week; zeros
    /// included) under `window` (as [`WeekRows::counted`]), appended to `out`. `layout` is the
    /// [`WeekRows`] these chains were built over; nothing for a week outside it.
    pub fn counted(&self, layout: &WeekRows, week: i32, window: Option<u32>, out: &mut Vec<u32>) {
        let Some((from, to, limit)) = layout.counted_range(week, window) else {
            return;
        };
        let (Some(&a), Some(&b), Some(&first_sum)) = (
            layout.start.get(from),
            layout.start.get(to),
            self.sums_start.get(from),
        ) else {
            return;
        };
        let (a, b) = (a as usize, b as usize);
        let (Some(links), Some(downloads)) = (self.links.get(a..b), layout.downloads.get(a..b)) else {
            return;
        };
        let sums = self.sums.get(first_sum as usize..).unwrap_or(&[]);
        // Without branches on the data (which way an entry goes is as good as random): every
        // entry's value is written at the end of `out`, which moves on only past the counted.
        let at = out.len();
        out.resize(at + links.len(), 0);
        let Some(slots) = out.get_mut(at..) else { return };
        let (mut next_sum, mut kept) = (0, 0);
        for (&link, &d) in links.iter().zip(downloads) {
            let summed = link & SUMMED != 0;
            let sum = sums.get(next_sum).copied().unwrap_or(0);
            if let Some(slot) = slots.get_mut(kept) {
                *slot = if summed { sum } else { d };
            }
            next_sum += summed as usize;
            kept += ((link & LAST) as usize > limit) as usize;
        }
        out.truncate(at + kept);
    }
}

/// A [`UnitWeekRows`] built a slice at a time (as [`WeekRowsBuild`]): a pass over the kept models
/// that finds each entry's unit (the copy pass of the layout again, so the same slots), then the
/// chains week by week.
#[derive(Debug)]
pub struct UnitWeekRowsBuild {
    placing: bool,
    /// The next kept model (placing) or week slot (chaining).
    next: usize,
    slot: Vec<u32>,
    /// Each entry's unit during the build (`u32::MAX`: none). The chain pass then writes the sums
    /// over it from the front (a week's sums are at most its entries, so they never overtake the
    /// units still to be read): the build needs no second buffer of that size.
    entry_unit: Vec<u32>,
    /// How many sums the front of `entry_unit` holds.
    sums_len: usize,
    links: Vec<u16>,
    sums_start: Vec<u32>,
    /// Per unit: the end of its chain in the current week.
    chains: Vec<Chain>,
    /// The running sums and "has an entry before" of the current week's entries.
    running: Vec<u64>,
    has_before: Vec<bool>,
}

/// The end of a unit's chain so far in the week being linked (one struct: one cache miss a row).
#[derive(Clone, Copy, Debug, Default)]
struct Chain {
    /// The week slot + 1 the chain belongs to (an older stamp: no chain yet this week).
    stamp: u32,
    /// Its last entry (index within the week) and that entry's rank.
    last: u32,
    rank: u16,
}

/// Entries of the chain pass per kept model of a slice's budget: a slice of 8192 models' worth
/// then links at least a week, and about 65 k entries (a week or two at 1 M models). The longest
/// slice of the dashboard's idle `prepare` in Chromium at 1 M models was then 23–33 ms (35–43 ms
/// with 32 a model; 7–10 ms without the chains).
pub const ENTRIES_PER_MODEL: usize = 8;

impl UnitWeekRowsBuild {
    /// A build over `layout` for `units` units.
    pub fn new(layout: &WeekRows, units: usize) -> UnitWeekRowsBuild {
        UnitWeekRowsBuild {
            placing: true,
            next: 0,
            slot: layout.start.clone(),
            entry_unit: vec![u32::MAX; layout.len()],
            links: Vec::new(),
            sums_start: Vec::new(),
            sums_len: 0,
            chains: vec![Chain::default(); units],
            running: Vec::new(),
            has_before: Vec::new(),
        }
    }

    /// Does at most `budget` kept models' worth of work (at least one model or week). `Some` when
    /// the build is over (`Some(None)`: no layout, when a unit's weekly sum passes `u32::MAX` or
    /// the ages are too many for a link), `None` while work is left. Every call must pass the
    /// same arguments, and the `rows`, `created_weeks` and `kept` that `layout` was built from;
    /// `unit_of(m)` is the unit of kept model `m`.
    pub fn step(
        &mut self,
        layout: &WeekRows,
        rows: &Rows,
        created_weeks: &[i32],
        kept: &[u32],
        unit_of: impl Fn(u32) -> Option<u32>,
        budget: usize,
    ) -> Option<Option<UnitWeekRows>> {
        if layout.ages >= LAST as usize {
            return Some(None);
        }
        if self.placing {
            let end = self.next.saturating_add(budget.max(1)).min(kept.len());
            for &m in kept.get(self.next..end).unwrap_or(&[]) {
                let (a, b) = rows.range(m as usize);
                let c = created_weeks.get(m as usize).copied().unwrap_or(NO_WEEK);
                let unit = unit_of(m).unwrap_or(u32::MAX);
                let weeks = rows.slice(a, b).0.iter().map(|&w| (w, unit));
                place(
                    (layout.first_week, layout.ages),
                    &mut self.slot,
                    &mut self.entry_unit,
                    c,
                    weeks,
                );
            }
            self.next = end;
            if end == kept.len() {
                self.placing = false;
                self.next = 0;
                self.slot = Vec::new();
                self.links = vec![NEVER; layout.len()];
                self.sums_start = vec![0; layout.start.len()];
            }
            return None;
        }
        let mut visited = 0;
        let quota = budget.max(1).saturating_mul(ENTRIES_PER_MODEL);
        while self.next < layout.weeks && visited < quota {
            match self.chain_week(layout, self.next) {
                Some(entries) => visited += entries,
                None => return Some(None),
            }
            self.next += 1;
        }
        if self.next < layout.weeks {
            return None;
        }
        if let Some(x) = self.sums_start.last_mut() {
            *x = self.sums_len as u32;
        }
        let mut sums = std::mem::take(&mut self.entry_unit);
        sums.truncate(self.sums_len);
        sums.shrink_to_fit();
        Some(Some(UnitWeekRows {
            links: std::mem::take(&mut self.links),
            sums_start: std::mem::take(&mut self.sums_start),
            sums,
        }))
    }

    /// Links the chains of week slot `k`; returns its entries, or `None` when a sum passes
    /// `u32::MAX` (the build is then over without a layout).
    fn chain_week(&mut self, layout: &WeekRows, k: usize) -> Option<usize> {
        let ages = layout.ages;
        let base = k * ages;
        let bounds = |b: usize| {
            let a = layout.start.get(base + b).copied().unwrap_or(0) as usize;
            let z = layout.start.get(base + b + 1).copied().unwrap_or(0) as usize;
            a..z
        };
        let week = bounds(0).start..bounds(ages - 1).end;
        let n = week.len();
        self.running.clear();
        self.running.resize(n, 0);
        self.has_before.clear();
        self.has_before.resize(n, false);
        let stamp = k as u32 + 1;
        let links = self.links.get_mut(week.clone()).unwrap_or(&mut []);
        let downloads = layout.downloads.get(week.clone()).unwrap_or(&[]);
        let entry_unit = self.entry_unit.get(week.clone()).unwrap_or(&[]);
        // In order of rank: buckets 1.. then bucket 0.
        for (rank, b) in (1..ages).map(|b| (b, b)).chain(std::iter::once((ages, 0))) {
            let rank = rank as u16;
            for e in bounds(b) {
                let i = e - week.start;
                let (Some(&u), Some(&d)) = (entry_unit.get(i), downloads.get(i)) else {
                    continue;
                };
                let Some(chain) = self.chains.get_mut(u as usize) else {
                    continue; // no unit: the link stays NEVER
                };
                let d = d as u64;
                if let Some(link) = links.get_mut(i) {
                    *link = LAST;
                }
                if chain.stamp == stamp {
                    let before = chain.last as usize;
                    // An entry followed by one of the same rank is never its unit's last counted
                    // one: it needs no sum and never counts.
                    if let Some(link) = links.get_mut(before) {
                        *link = if chain.rank == rank { NEVER } else { rank };
                    }
                    let sum = self.running.get(before).copied().unwrap_or(0) + d;
                    if let (Some(r), Some(h)) = (self.running.get_mut(i), self.has_before.get_mut(i)) {
                        *r = sum;
                        *h = true;
                    }
                } else if let Some(r) = self.running.get_mut(i) {
                    *r = d;
                }
                *chain = Chain {
                    stamp,
                    last: i as u32,
                    rank,
                };
            }
        }
        // In layout order: the sums of the entries with a chain of more than one, written over
        // the units of the entries already read. Without branches on the data, as in
        // `UnitWeekRows::counted`: every entry's sum is written at the end of the sums, which
        // move on only past those that keep theirs (the end is never past the entry).
        if self.running.iter().any(|&x| x > u32::MAX as u64) {
            return None;
        }
        let mut at = self.sums_len;
        for b in 0..ages {
            if let Some(x) = self.sums_start.get_mut(base + b) {
                *x = at as u32;
            }
            for e in bounds(b) {
                let i = e - week.start;
                let (Some(link), Some(&running), Some(&before)) =
                    (links.get_mut(i), self.running.get(i), self.has_before.get(i))
                else {
                    continue;
                };
                let summed = *link != NEVER && (before | (*link != LAST));
                if let Some(x) = self.entry_unit.get_mut(at) {
                    *x = running as u32;
                }
                *link |= SUMMED * summed as u16;
                at += summed as usize;
            }
        }
        self.sums_len = at;
        Some(n)
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

    /// The chains of `units` (per model) over the layout of all models of `rows`, built with
    /// `budget` per call.
    fn chains(
        rows: &Rows,
        created: &[i32],
        units: &[Option<u32>],
        budget: usize,
    ) -> (WeekRows, UnitWeekRows) {
        let kept: Vec<u32> = (0..units.len() as u32).collect();
        let layout = WeekRows::build(rows, created, &kept).unwrap();
        let mut build = UnitWeekRowsBuild::new(&layout, 2);
        let mut calls = 0;
        let chains = loop {
            calls += 1;
            assert!(calls < 100);
            if let Some(done) = build.step(&layout, rows, created, &kept, |m| units[m as usize], budget) {
                break done.unwrap();
            }
        };
        assert!(chains.fits(&layout));
        (layout, chains)
    }

    fn unit_values(layout: &WeekRows, chains: &UnitWeekRows, week: i32, window: Option<u32>) -> Vec<u32> {
        let mut out = vec![];
        chains.counted(layout, week, window, &mut out);
        out.sort();
        out
    }

    #[test]
    fn unit_chains_give_each_units_counted_sum() {
        // The hand example with models 0, 1 and 3 of unit 0 and model 2 (no creation week) of
        // unit 1; then model 3 of no unit. Sums worked out from the rows listed above.
        let (rows, created) = hand_example();
        for budget in [1, 1000] {
            let (layout, chains) = chains(&rows, &created, &[Some(0), Some(0), Some(1), Some(0)], budget);
            let values = |week, window| unit_values(&layout, &chains, week, window);
            // Week 12: m0 age 2 (3), m1 age 1 (20), m3 age 0 (1000), all unit 0.
            assert_eq!(values(12, None), vec![1023]);
            assert_eq!(values(12, Some(1)), vec![1000]);
            assert_eq!(values(12, Some(2)), vec![1020]);
            assert_eq!(values(12, Some(3)), vec![1023]);
            assert_eq!(values(12, Some(500)), vec![1023]);
            // Week 10: m0 age 0 (1), m1 before creation (5), m2 without creation week (100).
            assert_eq!(values(10, None), vec![6, 100]);
            assert_eq!(values(10, Some(52)), vec![1]);
            // Week 13: m0 age 3 (4), m2 (200), m3 age 1 (2000).
            assert_eq!(values(13, Some(1)), vec![] as Vec<u32>);
            assert_eq!(values(13, Some(2)), vec![2000]);
            assert_eq!(values(13, Some(4)), vec![2004]);
            assert_eq!(values(13, None), vec![200, 2004]);
            // Week 11: m0 age 1 (2), m1 age 0 (10).
            assert_eq!(values(11, Some(1)), vec![10]);
            assert_eq!(values(11, Some(2)), vec![12]);
            assert_eq!(values(9, None), vec![] as Vec<u32>);
            assert_eq!(values(14, Some(3)), vec![] as Vec<u32>);
        }
        let (layout, chains) = chains(&rows, &created, &[Some(0), Some(0), Some(1), None], 3);
        let values = |week, window| unit_values(&layout, &chains, week, window);
        assert_eq!(values(12, None), vec![23]);
        assert_eq!(values(12, Some(1)), vec![] as Vec<u32>);
        assert_eq!(values(13, None), vec![4, 200]);
        assert_eq!(values(13, Some(4)), vec![4]);
    }

    #[test]
    fn unit_chains_add_models_of_one_age() {
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
        let (layout, chains) = chains(&rows, &created, &[Some(0), Some(0), Some(0), Some(1)], 2);
        let values = |week, window| unit_values(&layout, &chains, week, window);
        assert_eq!(values(11, Some(1)), vec![100]);
        assert_eq!(values(11, Some(2)), vec![122, 2000]);
        assert_eq!(values(11, None), vec![122, 2000]);
        assert_eq!(values(10, Some(1)), vec![11, 1000]);
    }

    #[test]
    fn a_unit_sum_past_u32_gives_no_chains() {
        const OFFSETS: [u32; 3] = [0, 1, 2];
        const WEEKS: [u16; 2] = [10, 10];
        const DOWNLOADS: [u32; 2] = [u32::MAX, 1];
        let rows = Rows {
            offsets: &OFFSETS,
            weeks: &WEEKS,
            downloads: &DOWNLOADS,
        };
        let created = [10, 10];
        let layout = WeekRows::build(&rows, &created, &[0, 1]).unwrap();
        let mut build = UnitWeekRowsBuild::new(&layout, 1);
        let mut calls = 0;
        let done = loop {
            calls += 1;
            assert!(calls < 10);
            if let Some(done) = build.step(&layout, &rows, &created, &[0, 1], |_| Some(0), 10) {
                break done;
            }
        };
        assert_eq!(done, None);
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
