//! Concentration of downloads among units: HHI, Gini, top-k shares, and percentile intervals of a
//! bootstrap.
//!
//! All kernels take the downloads of the units of one period as a slice. Empty input (no unit with
//! downloads) gives `None` for every measure, never NaN and never a panic.
//!
//! * HHI = Σ sᵢ² with sᵢ = xᵢ / Σx, on 0–1 (units with 0 downloads add nothing).
//! * Gini over the n units with xᵢ > 0, sorted ascending: G = 2 Σᵢ i·x₍ᵢ₎ / (n Σx) − (n + 1)/n
//!   (0 for one unit).
//! * top-k = share of the k largest units (all of them when there are fewer than k).

/// The measures of one period.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measures {
    /// Units with downloads > 0.
    pub units: usize,
    pub total: f64,
    pub hhi: Option<f64>,
    pub gini: Option<f64>,
    pub top1: Option<f64>,
    pub top10: Option<f64>,
    pub top100: Option<f64>,
}

/// HHI of unit downloads; `None` when the total is not positive.
pub fn hhi(values: &[f64]) -> Option<f64> {
    let total: f64 = values.iter().filter(|x| **x > 0.0).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    Some(
        values
            .iter()
            .filter(|x| **x > 0.0)
            .map(|x| (x / total) * (x / total))
            .sum(),
    )
}

/// Gini of the positive values of a slice sorted **ascending**; `None` when none is positive.
pub fn gini_sorted_ascending(sorted: &[f64]) -> Option<f64> {
    let positive = &sorted[sorted.partition_point(|x| x.is_nan() || *x <= 0.0)..];
    let n = positive.len();
    if n == 0 {
        return None;
    }
    let total: f64 = positive.iter().sum();
    let weighted: f64 = positive.iter().enumerate().map(|(i, x)| (i + 1) as f64 * x).sum();
    let nf = n as f64;
    Some(2.0 * weighted / (nf * total) - (nf + 1.0) / nf)
}

/// Gini of unsorted values (sorts a copy).
pub fn gini(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    gini_sorted_ascending(&v)
}

/// Share of the k largest of values sorted **ascending**; `None` when the total is not positive.
pub fn top_share_sorted_ascending(sorted: &[f64], k: usize) -> Option<f64> {
    let total: f64 = sorted.iter().filter(|x| **x > 0.0).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let top: f64 = sorted.iter().rev().take(k).filter(|x| **x > 0.0).sum();
    Some(top / total)
}

/// Below this many values, [`measures`] sorts them all.
const COUNT_FROM: usize = 2048;
/// Whole numbers below this are counted in a histogram by [`measures`] instead of sorted.
const COUNTED_BELOW: usize = 1 << 14;
const _: () = assert!(COUNTED_BELOW <= 1 << 16);

/// Every measure of one period's unit downloads; reorders `values`. The formulas of [`hhi`],
/// [`gini_sorted_ascending`] and [`top_share_sorted_ascending`], computed in two passes over the
/// values in ascending order instead of one per measure.
///
/// Weekly downloads are mostly small whole numbers, so from [`COUNT_FROM`] values on, those below
/// [`COUNTED_BELOW`] are counted in a histogram and only the others are sorted; the `c` copies of a
/// value `v` at ranks `r+1 ..= r+c` add `v·(c·r + c(c+1)/2)` to the Gini's weighted sum at once.
/// (An LSD radix sort on the bit patterns was tried too: on 10 k–100 k heavy-tailed values a
/// period it was 2–3× slower than the standard library's sort.)
pub fn measures(values: &mut [f64]) -> Measures {
    if values.len() < COUNT_FROM {
        return measures_sorted(values);
    }
    with_histogram(|h| measures_counted(values, h))
}

/// [`measures`] of whole download counts (as the model level reads them from the rows: half the
/// bytes of floats to gather). Zeros are not units.
pub fn measures_of_counts(values: &mut [u32]) -> Measures {
    if values.len() < COUNT_FROM {
        let mut floats: Vec<f64> = values.iter().filter(|&&x| x > 0).map(|&x| x as f64).collect();
        return measures_sorted(&mut floats);
    }
    with_histogram(|h| measures_counted(values, h))
}

/// [`measures_of_counts`] of a list of whole counts that grows: [`GrowingCounts::measures`]
/// gives, bit for bit, what `measures_of_counts` gives for every value added since the last
/// [`GrowingCounts::clear`]. Both sum over the values in ascending order (the histogram of the
/// small ones, then the larger ones sorted), so the order the values came in does not matter,
/// and a value is counted once however many lists it ends up in. The weekly measures of every
/// window length come from it: a week's values added one age at a time (a unit's value replaced
/// by its larger sum), the measures taken after each (see [`crate::week_rows::WeekMeasures`]).
pub struct GrowingCounts {
    histogram: Histogram,
    /// The values not counted in the histogram, ascending: whole ones of [`COUNTED_BELOW`] and
    /// more, and those with a fraction ([`GrowingCounts::add_value`]).
    others: Vec<f64>,
    /// Values added, zeros included (as `measures_of_counts` compares its input's length with
    /// [`COUNT_FROM`]).
    len: usize,
    /// Values above zero, the sum of the whole ones (exact), and that of those with a fraction.
    units: usize,
    total: u64,
    fractional_total: f64,
}

impl Default for GrowingCounts {
    fn default() -> Self {
        GrowingCounts {
            histogram: Histogram {
                counts: vec![0; COUNTED_BELOW],
                occupied: vec![0; COUNTED_BELOW / 64],
            },
            others: Vec::new(),
            len: 0,
            units: 0,
            total: 0,
            fractional_total: 0.0,
        }
    }
}

impl GrowingCounts {
    /// Appends `values` to the list.
    pub fn add(&mut self, values: &[u32]) {
        self.len += values.len();
        for &x in values {
            self.insert_whole(x as u64);
        }
    }

    /// Appends one value, which may have a fraction (a unit credited part of a model's
    /// downloads). The measures are then those of [`measures`] up to the order of the total's
    /// additions.
    pub fn add_value(&mut self, x: f64) {
        self.len += 1;
        self.insert(x);
    }

    /// Replaces a value of the list, `old`, with `new` (a unit's sum that grew).
    pub fn replace(&mut self, old: f64, new: f64) {
        if old != new {
            self.remove(old);
            self.insert(new);
        }
    }

    /// For each pair `(old, new)` (`new` ≥ `old`, whole numbers), replaces a value `old` of the
    /// list with `new`, or adds `new` to the list when `old` is 0 (a value that was not there).
    /// The same as [`GrowingCounts::replace`] (or [`GrowingCounts::add`]) pair by pair (a value
    /// may be grown twice in one call), but the values above the histogram's limit are taken out
    /// and put in with one pass over them all, not one move of the larger ones per value.
    pub fn grow_whole(&mut self, changes: &[(u32, u32)]) {
        let (mut taken_out, mut put_in) = (Vec::new(), Vec::new());
        for &(old, new) in changes.iter() {
            if old == 0 {
                self.len += 1;
            } else {
                self.units = self.units.saturating_sub(1);
                self.total = self.total.saturating_sub(old as u64);
                match old.bin() {
                    Some(b) => {
                        if let Some(c) = self.histogram.counts.get_mut(b) {
                            *c = c.saturating_sub(1);
                            if *c == 0 {
                                if let Some(word) = self.histogram.occupied.get_mut(b / 64) {
                                    *word &= !(1 << (b % 64));
                                }
                            }
                        }
                    }
                    None => taken_out.push(old as f64),
                }
            }
            if new > 0 {
                self.units += 1;
                self.total += new as u64;
                match new.bin() {
                    Some(b) => {
                        self.histogram.count(b);
                        if let Some(word) = self.histogram.occupied.get_mut(b / 64) {
                            *word |= 1 << (b % 64);
                        }
                    }
                    None => put_in.push(new as f64),
                }
            }
        }
        if taken_out.is_empty() && put_in.is_empty() {
            return;
        }
        taken_out.sort_unstable_by(f64::total_cmp);
        put_in.sort_unstable_by(f64::total_cmp);
        // A value put in and taken out by the same call (grown twice) was never among the others.
        let (mut i, mut j, mut out_kept, mut in_kept) = (0, 0, Vec::new(), Vec::new());
        while i < taken_out.len() || j < put_in.len() {
            match (taken_out.get(i), put_in.get(j)) {
                (Some(&o), Some(&p)) if o == p => {
                    i += 1;
                    j += 1;
                }
                (Some(&o), Some(&p)) if o < p => {
                    out_kept.push(o);
                    i += 1;
                }
                (Some(&o), None) => {
                    out_kept.push(o);
                    i += 1;
                }
                (_, Some(&p)) => {
                    in_kept.push(p);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let (taken_out, put_in) = (out_kept, in_kept);
        // The others less those taken out (one copy each), merged with those put in.
        let mut merged = Vec::with_capacity(self.others.len() + put_in.len());
        let (mut out, mut put) = (taken_out.iter().peekable(), put_in.iter().peekable());
        for &x in &self.others {
            while out.next_if(|&&o| o < x).is_some() {}
            if out.next_if(|&&o| o == x).is_some() {
                continue;
            }
            while let Some(&y) = put.next_if(|&&y| y < x) {
                merged.push(y);
            }
            merged.push(x);
        }
        merged.extend(put);
        self.others = merged;
    }

    fn insert(&mut self, x: f64) {
        match whole(x) {
            Some(w) => self.insert_whole(w),
            None if x > 0.0 => {
                self.units += 1;
                self.fractional_total += x;
                self.insert_other(x);
            }
            None => {} // zero, negative or NaN: not a unit
        }
    }

    fn insert_whole(&mut self, x: u64) {
        if x == 0 {
            return;
        }
        self.units += 1;
        self.total += x;
        match usize::try_from(x).ok().filter(|&b| b < COUNTED_BELOW) {
            Some(b) => {
                self.histogram.count(b);
                if let Some(word) = self.histogram.occupied.get_mut(b / 64) {
                    *word |= 1 << (b % 64);
                }
            }
            None => self.insert_other(x as f64),
        }
    }

    fn insert_other(&mut self, x: f64) {
        let at = self.others.partition_point(|&o| o <= x);
        self.others.insert(at, x);
    }

    /// Takes out one copy of `x`, which must be in the list.
    fn remove(&mut self, x: f64) {
        if x.is_nan() || x <= 0.0 {
            return;
        }
        self.units = self.units.saturating_sub(1);
        let counted = match whole(x) {
            Some(w) => {
                self.total = self.total.saturating_sub(w);
                usize::try_from(w).ok().filter(|&b| b < COUNTED_BELOW)
            }
            None => {
                self.fractional_total -= x;
                None
            }
        };
        match counted {
            Some(b) => {
                if let Some(c) = self.histogram.counts.get_mut(b) {
                    *c = c.saturating_sub(1);
                    if *c == 0 {
                        if let Some(word) = self.histogram.occupied.get_mut(b / 64) {
                            *word &= !(1 << (b % 64));
                        }
                    }
                }
            }
            None => {
                let at = self.others.partition_point(|&o| o < x);
                if self.others.get(at) == Some(&x) {
                    self.others.remove(at);
                }
            }
        }
    }

    /// What [`measures_of_counts`] gives for the values added since the last clear.
    pub fn measures(&self) -> Measures {
        if self.len < COUNT_FROM {
            // As `measures_of_counts` below the threshold: the positive values sorted, as floats.
            let mut floats: Vec<f64> = self
                .histogram
                .ascending()
                .flat_map(|(v, c)| std::iter::repeat_n(v as f64, c as usize))
                .chain(self.others.iter().copied())
                .collect();
            return measures_sorted(&mut floats);
        }
        // Plus an exact zero when no value has a fraction: the whole values' sum, bit for bit.
        let total = self.total as f64 + self.fractional_total;
        if self.units == 0 {
            return Measures {
                units: 0,
                total: total + 0.0,
                ..Default::default()
            };
        }
        measures_of_histogram(self.units, total, &self.histogram, &self.others)
    }

    /// Replaces the list with list `i` of `lists` (with an empty list when `lists` has no list
    /// `i`): the same state, and so the same measures, as adding that list's values after a
    /// clear, in a pass over its distinct values instead of all of them.
    pub fn load(&mut self, lists: &CountedLists, i: usize) {
        self.clear();
        let Some(CountedList {
            bins,
            counts,
            others,
            len,
        }) = lists.get(i)
        else {
            return;
        };
        self.len = len;
        for (&b, &c) in bins.iter().zip(counts) {
            let b = b as usize;
            if let Some(x) = self.histogram.counts.get_mut(b) {
                *x = c;
            }
            if let Some(word) = self.histogram.occupied.get_mut(b / 64) {
                *word |= 1 << (b % 64);
            }
            self.units += c as usize;
            self.total += b as u64 * c as u64;
        }
        self.others.extend(others.iter().map(|&x| x as f64));
        self.units += others.len();
        self.total += others.iter().map(|&x| x as u64).sum::<u64>();
    }

    /// Forgets every value added.
    pub fn clear(&mut self) {
        self.histogram.clear();
        self.others.clear();
        (self.len, self.units, self.total, self.fractional_total) = (0, 0, 0, 0.0);
    }
}

/// Lists of whole counts kept as a [`GrowingCounts`] holds them once added: the bins of the
/// histogram that have counts, with their counts, and the larger values ascending. A few bytes
/// per distinct value instead of four per value (at 1 M models a week's 50 k model values hold
/// about 2 k distinct ones), and a list is loaded into a `GrowingCounts` ([`GrowingCounts::load`])
/// without going over its values again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountedLists {
    /// Where each list's bins start in `bins` and `counts`, and its larger values in `others`
    /// (one more than there are lists, once one is pushed).
    bin_starts: Vec<usize>,
    other_starts: Vec<usize>,
    /// Bins as 16-bit numbers: [`COUNTED_BELOW`] fits.
    bins: Vec<u16>,
    counts: Vec<u32>,
    others: Vec<u32>,
    /// Each list's length, zeros included.
    lens: Vec<usize>,
}

impl CountedLists {
    /// Lists pushed.
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Appends the list of `values` (in any order, zeros included).
    pub fn push(&mut self, values: &[u32]) {
        if self.bin_starts.is_empty() {
            self.bin_starts.push(0);
            self.other_starts.push(0);
        }
        let others_from = self.others.len();
        with_histogram(|h| {
            let mut highest = 0;
            for &x in values.iter().filter(|&&x| x > 0) {
                match x.bin() {
                    Some(b) => {
                        h.count(b);
                        highest = highest.max(b);
                    }
                    None => self.others.push(x),
                }
            }
            h.mark_occupied(highest);
            for (b, c) in h.ascending() {
                self.bins.push(b as u16);
                self.counts.push(c);
            }
            h.clear();
        });
        if let Some(others) = self.others.get_mut(others_from..) {
            others.sort_unstable();
        }
        self.bin_starts.push(self.bins.len());
        self.other_starts.push(self.others.len());
        self.lens.push(values.len());
    }

    /// List `i`.
    fn get(&self, i: usize) -> Option<CountedList<'_>> {
        let (b0, b1) = (*self.bin_starts.get(i)?, *self.bin_starts.get(i + 1)?);
        let (o0, o1) = (*self.other_starts.get(i)?, *self.other_starts.get(i + 1)?);
        Some(CountedList {
            bins: self.bins.get(b0..b1)?,
            counts: self.counts.get(b0..b1)?,
            others: self.others.get(o0..o1)?,
            len: *self.lens.get(i)?,
        })
    }
}

/// One list of [`CountedLists`]: its bins, their counts, its larger values and its length.
struct CountedList<'a> {
    bins: &'a [u16],
    counts: &'a [u32],
    others: &'a [u32],
    len: usize,
}

/// `x` as a whole number above zero, when it is one (below 2^53, where floats are exact).
fn whole(x: f64) -> Option<u64> {
    // `as` truncates and saturates: a whole number converts back to itself.
    (x > 0.0 && x < 9_007_199_254_740_992.0 && (x as u64) as f64 == x).then_some(x as u64)
}

/// Counts of whole numbers below [`COUNTED_BELOW`], and one bit per count that is not zero: a
/// period's values fill a few hundred of the 16 384 bins, and the bits let the walks in order of
/// value skip the empty ones 64 at a time.
#[derive(Default)]
struct Histogram {
    counts: Vec<u32>,
    occupied: Vec<u64>,
}

impl Histogram {
    /// Counts a value of bin `b`. The bins' bits are set once all are counted
    /// ([`Histogram::mark_occupied`]): set here, the bit of the smallest bins (most values) made a
    /// chain of loads and stores of one word, each waiting on the last. At 1 M models the weekly
    /// model-level box took 27–28 ms natively with them, 18–27 without (wasm in Node: 28–30 and
    /// 26–28). Four words set in turn instead of one did no better.
    fn count(&mut self, b: usize) {
        if let Some(c) = self.counts.get_mut(b) {
            *c += 1;
        }
    }

    /// Sets the bits of the bins with counts, all of them at or below bin `highest`.
    fn mark_occupied(&mut self, highest: usize) {
        let words = (highest / 64 + 1).min(self.occupied.len());
        for (w, block) in self.counts.chunks(64).take(words).enumerate() {
            let mut word = 0u64;
            for (bit, &c) in block.iter().enumerate() {
                word |= ((c != 0) as u64) << bit;
            }
            if let Some(x) = self.occupied.get_mut(w) {
                *x = word;
            }
        }
    }

    /// Bin `b` and its count.
    fn bin(&self, b: usize) -> (usize, u32) {
        (b, self.counts.get(b).copied().unwrap_or(0))
    }

    /// The bins with counts, ascending.
    fn ascending(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.occupied
            .iter()
            .enumerate()
            .flat_map(move |(w, &word)| BitsUp(word).map(move |bit| self.bin(w * 64 + bit)))
    }

    /// The bins with counts, descending.
    fn descending(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.occupied
            .iter()
            .enumerate()
            .rev()
            .flat_map(move |(w, &word)| BitsDown(word).map(move |bit| self.bin(w * 64 + bit)))
    }

    /// Zeroes the counts and bits set since the last call.
    fn clear(&mut self) {
        for (w, word) in self.occupied.iter_mut().enumerate() {
            for bit in BitsUp(*word) {
                if let Some(c) = self.counts.get_mut(w * 64 + bit) {
                    *c = 0;
                }
            }
            *word = 0;
        }
    }
}

/// The set bits of a word, lowest first.
struct BitsUp(u64);

impl Iterator for BitsUp {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let bit = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            bit
        })
    }
}

/// The set bits of a word, highest first.
struct BitsDown(u64);

impl Iterator for BitsDown {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let bit = 63 - self.0.leading_zeros() as usize;
            self.0 &= !(1 << bit);
            bit
        })
    }
}

/// Calls `f` with an empty [`Histogram`] of [`COUNTED_BELOW`] bins, which it must leave empty.
fn with_histogram<R>(f: impl FnOnce(&mut Histogram) -> R) -> R {
    // One histogram reused by every call (a view measures hundreds of periods).
    thread_local! {
        static HISTOGRAM: std::cell::RefCell<Histogram> = std::cell::RefCell::new(Histogram::default());
    }
    HISTOGRAM.with(|h| {
        let mut h = h.borrow_mut();
        h.counts.resize(COUNTED_BELOW, 0);
        h.occupied.resize(COUNTED_BELOW / 64, 0);
        f(&mut h)
    })
}

/// A unit's downloads as [`measures_counted`] reads them: a float or a whole count.
trait Downloads: Copy {
    /// Counts as a unit (> 0, not NaN).
    fn positive(self) -> bool;
    /// Its bin in the histogram when it is a whole number below [`COUNTED_BELOW`].
    fn bin(self) -> Option<usize>;
    fn to_f64(self) -> f64;
    fn sort(values: &mut [Self]);
    /// How many values are positive, and their sum (as floats added in order would give it).
    fn count_and_sum(values: &[Self]) -> (usize, f64);
}

impl Downloads for f64 {
    fn positive(self) -> bool {
        self > 0.0
    }
    fn bin(self) -> Option<usize> {
        // `as` truncates: a whole number below the limit converts back to itself (no `fract`,
        // which is a library call on some targets).
        (self < COUNTED_BELOW as f64 && (self as usize) as f64 == self).then_some(self as usize)
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn sort(values: &mut [f64]) {
        values.sort_unstable_by(f64::total_cmp)
    }
    fn count_and_sum(values: &[f64]) -> (usize, f64) {
        values
            .iter()
            .filter(|x| x.positive())
            .fold((0, 0.0), |(n, t), &x| (n + 1, t + x))
    }
}

impl Downloads for u32 {
    fn positive(self) -> bool {
        self > 0
    }
    fn bin(self) -> Option<usize> {
        ((self as usize) < COUNTED_BELOW).then_some(self as usize)
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn sort(values: &mut [u32]) {
        values.sort_unstable()
    }
    fn count_and_sum(values: &[u32]) -> (usize, f64) {
        // Whole numbers: the integer sum is exact, as the float sum is below 2^53.
        let (n, sum) = values.iter().fold((0usize, 0u64), |(n, sum), &x| {
            (n + (x > 0) as usize, sum + x as u64)
        });
        (n, sum as f64)
    }
}

/// [`measures`] with an empty histogram, left empty again on return.
fn measures_counted<T: Downloads>(values: &mut [T], histogram: &mut Histogram) -> Measures {
    let m = measures_counted_dirty(values, histogram);
    histogram.clear();
    m
}

fn measures_counted_dirty<T: Downloads>(values: &mut [T], histogram: &mut Histogram) -> Measures {
    // The count and sum first, in a loop of their own: folded into the histogram loop, the
    // running float sum was kept in memory and each value waited on the previous add.
    let (n, total) = T::count_and_sum(values);
    if n == 0 || total.is_nan() || total <= 0.0 {
        return Measures {
            units: n,
            total: total + 0.0,
            ..Default::default()
        };
    }
    let mut others = 0;
    let mut highest = 0;
    for i in 0..values.len() {
        let x = values[i];
        if !x.positive() {
            continue;
        }
        match x.bin().filter(|&b| b < COUNTED_BELOW) {
            Some(b) => {
                histogram.count(b);
                highest = highest.max(b);
            }
            None => {
                values[others] = x;
                others += 1;
            }
        }
    }
    histogram.mark_occupied(highest);
    let others = &mut values[..others];
    T::sort(others);
    measures_of_histogram(n, total, histogram, others)
}

/// The measures of `n` positive values adding up to `total` (> 0): those below [`COUNTED_BELOW`]
/// counted in `histogram` (its bits set), the others in `others`, ascending. The sums run over the
/// values in ascending order, so they depend on the values only, not on the order they came in.
fn measures_of_histogram<T: Downloads>(
    n: usize,
    total: f64,
    histogram: &Histogram,
    others: &[T],
) -> Measures {
    // Ascending: the sorted others below v, then the counted copies of v.
    let (mut squares, mut weighted, mut rank) = (0.0, 0.0, 0usize);
    let mut j = 0;
    for (v, c) in histogram.ascending() {
        let v = v as f64;
        while let Some(x) = others.get(j).map(|x| x.to_f64()).filter(|x| *x < v) {
            rank += 1;
            squares += (x / total) * (x / total);
            weighted += rank as f64 * x;
            j += 1;
        }
        let (c, r) = (c as f64, rank as f64);
        squares += c * (v / total) * (v / total);
        weighted += v * (c * r + c * (c + 1.0) / 2.0);
        rank += c as usize;
    }
    for x in others[j..].iter().map(|x| x.to_f64()) {
        rank += 1;
        squares += (x / total) * (x / total);
        weighted += rank as f64 * x;
    }
    // The 100 largest, descending: others from the top, merged with the counted values.
    let mut largest: Vec<f64> = Vec::with_capacity(100);
    let mut bins = histogram.descending();
    let mut counted = bins.next();
    let mut j = others.len();
    while largest.len() < 100 {
        let other = j.checked_sub(1).and_then(|k| others.get(k)).map(|x| x.to_f64());
        match (other, counted) {
            (Some(x), Some((v, _))) if x >= v as f64 => {
                largest.push(x);
                j -= 1;
            }
            (_, Some((v, left))) => {
                largest.push(v as f64);
                counted = if left > 1 {
                    Some((v, left - 1))
                } else {
                    bins.next()
                };
            }
            (Some(x), None) => {
                largest.push(x);
                j -= 1;
            }
            (None, None) => break,
        }
    }
    from_sums(n, total, squares, weighted, &largest)
}

/// [`measures`] by sorting every value.
fn measures_sorted(values: &mut [f64]) -> Measures {
    values.sort_unstable_by(f64::total_cmp);
    let first_positive = values.partition_point(|x| x.is_nan() || *x <= 0.0);
    let positive = &values[first_positive..];
    let n = positive.len();
    // Folded from +0.0: an empty `sum` of floats is −0.0, which would print as "-0".
    let total: f64 = positive.iter().fold(0.0, |a, x| a + x);
    if n == 0 || total.is_nan() || total <= 0.0 {
        return Measures {
            units: n,
            total,
            ..Default::default()
        };
    }
    let (mut squares, mut weighted) = (0.0, 0.0);
    for (i, x) in positive.iter().enumerate() {
        squares += (x / total) * (x / total);
        weighted += (i + 1) as f64 * x;
    }
    let largest: Vec<f64> = positive.iter().rev().take(100).copied().collect();
    from_sums(n, total, squares, weighted, &largest)
}

/// The measures of `n` positive values with sum `total`, Σ (x/total)², Σ rank·x over ascending
/// ranks, and the largest (up to 100) in descending order.
fn from_sums(n: usize, total: f64, squares: f64, weighted: f64, largest: &[f64]) -> Measures {
    let top = |k: usize| largest.iter().take(k).sum::<f64>() / total;
    let nf = n as f64;
    Measures {
        units: n,
        total,
        hhi: Some(squares),
        gini: Some(2.0 * weighted / (nf * total) - (nf + 1.0) / nf),
        top1: Some(top(1)),
        top10: Some(top(10)),
        top100: Some(top(100)),
    }
}

/// Quantile `q` of `samples` by linear interpolation between order statistics (numpy's default,
/// "linear"); ignores NaN; `None` when no sample is finite. Sorts `samples` in place.
pub fn quantile_linear(samples: &mut Vec<f64>, q: f64) -> Option<f64> {
    samples.retain(|x| x.is_finite());
    if samples.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    samples.sort_unstable_by(f64::total_cmp);
    let pos = q * (samples.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (samples.get(lo)?, samples.get(hi)?);
    Some(a + (b - a) * (pos - lo as f64))
}

/// The central 95 % percentile interval (2.5 % and 97.5 % linear quantiles) of bootstrap samples.
pub fn percentile_interval(samples: &mut Vec<f64>) -> (Option<f64>, Option<f64>) {
    (quantile_linear(samples, 0.025), quantile_linear(samples, 0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn hand_worked_four_units() {
        // Downloads 1, 2, 3, 4 (total 10): shares .1 .2 .3 .4.
        // HHI = .01 + .04 + .09 + .16 = 0.30.
        // Gini = 2(1·1 + 2·2 + 3·3 + 4·4)/(4·10) − 5/4 = 60/40 − 1.25 = 0.25.
        let mut v = vec![3.0, 1.0, 4.0, 2.0];
        let m = measures(&mut v);
        assert_eq!(m.units, 4);
        assert_eq!(m.total, 10.0);
        assert!(close(m.hhi, 0.30));
        assert!(close(m.gini, 0.25));
        assert!(close(m.top1, 0.4));
        assert!(close(m.top10, 1.0));
        assert!(close(m.top100, 1.0));
    }

    #[test]
    fn zeros_are_not_units() {
        // One unit with all downloads: HHI 1, Gini 0, zeros ignored.
        let mut v = vec![0.0, 5.0, 0.0];
        let m = measures(&mut v);
        assert_eq!(m.units, 1);
        assert!(close(m.hhi, 1.0));
        assert!(close(m.gini, 0.0));
        // Two equal units: HHI 0.5, Gini 0.
        assert!(close(hhi(&[2.0, 2.0]), 0.5));
        assert!(close(gini(&[2.0, 2.0]), 0.0));
        // (0, 10): Gini over units with downloads only → one unit → 0.
        assert!(close(gini(&[0.0, 10.0]), 0.0));
    }

    #[test]
    fn empty_period_gives_nulls() {
        let mut v: Vec<f64> = vec![];
        let m = measures(&mut v);
        assert_eq!(m.units, 0);
        assert_eq!(m.total, 0.0);
        assert_eq!(
            (m.hhi, m.gini, m.top1, m.top10, m.top100),
            (None, None, None, None, None)
        );
        let mut z = vec![0.0, 0.0];
        assert_eq!(measures(&mut z).hhi, None);
    }

    #[test]
    fn top_k_of_twelve_units() {
        // 1..=12, total 78; top 10 = 78 − 1 − 2 = 75.
        let mut v: Vec<f64> = (1..=12).map(|x| x as f64).collect();
        let m = measures(&mut v);
        assert!(close(m.top10, 75.0 / 78.0));
        assert!(close(m.top1, 12.0 / 78.0));
    }

    #[test]
    fn counted_and_sorted_measures_agree() {
        // Whole numbers below and above the histogram's limit, fractions (root attribution's
        // splits), ties, zeros: the counted path against sorting everything.
        let mut rng = crate::rng::Rng::new(7);
        for len in [COUNT_FROM, 5000, 40_000] {
            let v: Vec<f64> = (0..len)
                .map(|i| match i % 9 {
                    0 => 0.0,
                    1 => (rng.f64() * 50.0).floor() + 0.5,
                    2 => (rng.f64() * 1e7).floor(),
                    3 => COUNTED_BELOW as f64 - 1.0,
                    4 => COUNTED_BELOW as f64,
                    _ => (rng.f64() * rng.f64() * 3000.0).floor(),
                })
                .collect();
            let (mut a, mut b) = (v.clone(), v.clone());
            let (x, y) = (measures(&mut a), measures_sorted(&mut b));
            assert_eq!(x.units, y.units);
            let close = |p: Option<f64>, q: Option<f64>| {
                let (p, q) = (p.unwrap(), q.unwrap());
                (p - q).abs() <= 1e-12 * q.abs().max(1e-300)
            };
            assert!(close(Some(x.total), Some(y.total)), "{len}: total");
            assert!(close(x.hhi, y.hhi), "{len}: hhi {:?} {:?}", x.hhi, y.hhi);
            assert!(close(x.gini, y.gini), "{len}: gini {:?} {:?}", x.gini, y.gini);
            assert!(close(x.top1, y.top1) && close(x.top10, y.top10) && close(x.top100, y.top100));
        }
        // Fewer than 100 values above the histogram: the top 100 come mostly from its bins,
        // walked down from the largest, merged with the few sorted values.
        for big in [0, 5, 99] {
            let mut v: Vec<f64> = (0..3000)
                .map(|_| (rng.f64() * rng.f64() * COUNTED_BELOW as f64).floor())
                .collect();
            v.extend((0..big).map(|i| COUNTED_BELOW as f64 + (i * 7919 % 5000) as f64));
            let (x, y) = (measures(&mut v.clone()), measures_sorted(&mut v));
            assert_eq!(x.units, y.units);
            for (p, q) in [
                (x.top1, y.top1),
                (x.top10, y.top10),
                (x.top100, y.top100),
                (x.gini, y.gini),
            ] {
                let (p, q) = (p.unwrap(), q.unwrap());
                assert!((p - q).abs() <= 1e-12 * q.abs(), "{big} above: {p} against {q}");
            }
        }
        // Only zeros: nothing to measure.
        let mut z = vec![0.0; 3000];
        assert_eq!(measures(&mut z).hhi, None);
        assert_eq!(measures(&mut z).total.to_bits(), 0.0f64.to_bits());
    }

    /// `len` whole counts of every awkward kind, picked by `(i + shift) % kinds`: zeros, large
    /// ones, the histogram's limit and the count just below it, and many small ones (below
    /// `small`, heavy-tailed).
    fn awkward_counts(
        rng: &mut crate::rng::Rng,
        len: usize,
        kinds: usize,
        shift: usize,
        small: f64,
    ) -> Vec<u32> {
        (0..len)
            .map(|i| match (i + shift) % kinds {
                0 => 0,
                1 => (rng.f64() * 1e8) as u32,
                2 => COUNTED_BELOW as u32,
                3 => COUNTED_BELOW as u32 - 1,
                _ => (rng.f64() * rng.f64() * small) as u32,
            })
            .collect()
    }

    #[test]
    fn whole_counts_measure_as_their_floats() {
        // The u32 path (model level) against sorting the same values as floats, below and above
        // the histogram's limit and the sorting threshold, with zeros.
        let mut rng = crate::rng::Rng::new(11);
        for len in [4, COUNT_FROM - 1, COUNT_FROM, 30_000] {
            let v = awkward_counts(&mut rng, len, 7, 0, 4000.0);
            let mut floats: Vec<f64> = v.iter().map(|&x| x as f64).collect();
            let (x, y) = (measures_of_counts(&mut v.clone()), measures_sorted(&mut floats));
            assert_eq!(x.units, y.units, "{len}");
            let close = |p: Option<f64>, q: Option<f64>| {
                let (p, q) = (p.unwrap(), q.unwrap());
                (p - q).abs() <= 1e-12 * q.abs().max(1e-300)
            };
            assert!(close(Some(x.total), Some(y.total)), "{len}: total");
            assert!(close(x.hhi, y.hhi) && close(x.gini, y.gini), "{len}");
            assert!(close(x.top1, y.top1) && close(x.top10, y.top10) && close(x.top100, y.top100));
        }
        // By hand: 0, 1, 2, 3, 4 → four units, total 10, HHI 0.30, Gini 0.25 (as above).
        let m = measures_of_counts(&mut [0, 3, 1, 4, 2]);
        assert_eq!((m.units, m.total), (4, 10.0));
        assert!(close(m.hhi, 0.30) && close(m.gini, 0.25));
        assert_eq!(measures_of_counts(&mut vec![0; 3000]).hhi, None);
    }

    #[test]
    fn growing_counts_with_fractions_measure_as_the_whole_list() {
        // Values with fractions (parts of split credits) among whole ones, below and above the
        // histogram's limit, then grown by whole and fractional amounts: against `measures` of
        // the same list. The totals are added in another order, so to 1e-12.
        let near = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            (a, b) => a == b,
        };
        let same = |got: Measures, want: Measures| {
            got.units == want.units
                && near(Some(got.total), Some(want.total))
                && [(got.hhi, want.hhi), (got.gini, want.gini), (got.top1, want.top1)]
                    .into_iter()
                    .chain([(got.top10, want.top10), (got.top100, want.top100)])
                    .all(|(a, b)| near(a, b))
        };
        let mut rng = crate::rng::Rng::new(5);
        let mut list: Vec<f64> = (0..3000)
            .map(|i| match i % 4 {
                0 => (i % 40 + 1) as f64,
                1 => (i % 30) as f64 + 0.5,
                2 => (rng.f64() * 500.0).floor() + 1.0 / 3.0,
                _ => 20_000.0 + (i % 7) as f64 * 0.25,
            })
            .collect();
        let mut growing = GrowingCounts::default();
        for &x in &list {
            growing.add_value(x);
        }
        assert!(same(growing.measures(), measures(&mut list.clone())));
        for step in 0..2000usize {
            let i = (rng.f64() * list.len() as f64) as usize % list.len();
            let grown = list[i] + [1.0, 0.5, 2.0 / 3.0, 9000.0, 20_000.5][step % 5];
            growing.replace(list[i], grown);
            list[i] = grown;
            if step % 400 == 0 || step == 1999 {
                assert!(same(growing.measures(), measures(&mut list.clone())), "{step}");
            }
        }
        // By hand: 0.5, 1.5 and 2 → total 4, shares 1/8, 3/8, 1/2: HHI 13/32; Gini
        // 2·(1·0.5 + 2·1.5 + 3·2)/(3·4) − 4/3 = 1/4.
        growing.clear();
        for x in [0.5, 1.5, 2.0] {
            growing.add_value(x);
        }
        let m = growing.measures();
        assert_eq!((m.units, m.total), (3, 4.0));
        assert!(close(m.hhi, 13.0 / 32.0) && close(m.gini, 0.25) && close(m.top1, 0.5));
    }

    /// A measures' fields as bits, to compare them exactly.
    fn bits(m: Measures) -> (usize, u64, [Option<u64>; 5]) {
        (
            m.units,
            m.total.to_bits(),
            [m.hhi, m.gini, m.top1, m.top10, m.top100].map(|x| x.map(f64::to_bits)),
        )
    }

    #[test]
    fn growing_counts_measure_as_the_whole_list() {
        // Lists grown in chunks of uneven size (zeros, values at and above the histogram's limit,
        // across the sorting threshold, an empty chunk), each prefix against `measures_of_counts`
        // of the same values: equal bit for bit, as the weekly table of window lengths needs.
        let mut rng = crate::rng::Rng::new(5);
        let mut growing = GrowingCounts::default();
        for round in 0..2 {
            growing.clear();
            let mut all: Vec<u32> = Vec::new();
            assert_eq!(bits(growing.measures()), bits(measures_of_counts(&mut [])));
            for chunk in [1, 0, 700, 1300, 47, 5000, 20_000, 3] {
                let values = awkward_counts(&mut rng, chunk, 11, round, 3000.0);
                growing.add(&values);
                all.extend_from_slice(&values);
                let expected = measures_of_counts(&mut all.clone());
                assert_eq!(
                    bits(growing.measures()),
                    bits(expected),
                    "round {round}, {} values",
                    all.len()
                );
            }
        }
        // Values replaced by larger ones (a unit's sum growing), within the histogram, across its
        // limit and above it, and from zero: against the list with the same replacements.
        let mut rng = crate::rng::Rng::new(9);
        growing.clear();
        let mut list: Vec<u32> = (0..4000).map(|i| (i % 5) * (rng.f64() * 900.0) as u32).collect();
        growing.add(&list);
        for step in 0..3000usize {
            let i = (rng.f64() * list.len() as f64) as usize % list.len();
            let grown = list[i] + [1, 700, 9000, 20_000][step % 4];
            growing.replace(list[i] as f64, grown as f64);
            list[i] = grown;
            if step % 500 == 0 || step == 2999 {
                assert_eq!(
                    bits(growing.measures()),
                    bits(measures_of_counts(&mut list.clone())),
                    "{step}"
                );
            }
        }
        // Bins emptied by a replacement must not reach the top 100 (fifty single values moved
        // up, the next fifty largest from the many small ones).
        growing.clear();
        let mut list: Vec<u32> = (0..2500).map(|i| i % 40 + 1).chain(100..150).collect();
        growing.add(&list);
        for v in 100..150u32 {
            growing.replace(v as f64, (v + 1000) as f64);
        }
        list.iter_mut().filter(|x| **x >= 100).for_each(|x| *x += 1000);
        assert_eq!(bits(growing.measures()), bits(measures_of_counts(&mut list)));
        // By hand: 0, 3, 1 then 4, 2 → four units, total 10, HHI 0.30 (as above).
        growing.clear();
        growing.add(&[0, 3, 1]);
        assert_eq!((growing.measures().units, growing.measures().total), (2, 4.0));
        growing.add(&[4, 2]);
        let m = growing.measures();
        assert_eq!((m.units, m.total), (4, 10.0));
        assert!(close(m.hhi, 0.30) && close(m.gini, 0.25));
        // Only zeros, past the threshold: no units, no measures.
        growing.clear();
        growing.add(&[0; 3000]);
        assert_eq!((growing.measures().units, growing.measures().hhi), (0, None));
    }

    #[test]
    fn counted_lists_load_as_their_values_added() {
        // Lists pushed (empty, zeros only, below and across the sorting threshold, with values at
        // and above the histogram's limit), each loaded and then grown by more values: against
        // `measures_of_counts` of the same values, bit for bit.
        let mut rng = crate::rng::Rng::new(3);
        let lists: Vec<Vec<u32>> = [0, 5, 1500, 2047, 2048, 9000, 40_000]
            .into_iter()
            .enumerate()
            .map(|(k, len)| awkward_counts(&mut rng, len, 6, k, 2000.0))
            .chain([vec![0; 2500]])
            .collect();
        let mut counted = CountedLists::default();
        assert!(counted.is_empty());
        for list in &lists {
            counted.push(list);
        }
        assert_eq!(counted.len(), lists.len());
        let mut growing = GrowingCounts::default();
        for (i, list) in lists.iter().enumerate() {
            for extra in [0, 1, 600, 3000] {
                let more = awkward_counts(&mut rng, extra, 5, i, 150.0);
                growing.add(&[7, 7, 7]); // left over from another list: `load` forgets it
                growing.load(&counted, i);
                growing.add(&more);
                let mut all: Vec<u32> = list.iter().chain(&more).copied().collect();
                assert_eq!(
                    bits(growing.measures()),
                    bits(measures_of_counts(&mut all)),
                    "list {i}, {extra} more"
                );
            }
        }
        // No such list: an empty one. By hand: 3, 1, 0 then 4 → units 3, total 8.
        growing.load(&counted, lists.len());
        assert_eq!(bits(growing.measures()), bits(measures_of_counts(&mut [])));
        let mut small = CountedLists::default();
        small.push(&[3, 1, 0]);
        growing.load(&small, 0);
        growing.add(&[4]);
        let m = growing.measures();
        assert_eq!((m.units, m.total, m.top1), (3, 8.0, Some(0.5)));
    }

    #[test]
    fn grow_whole_as_the_list_with_its_values_grown() {
        // Values grown within the histogram, across its limit and above it, several copies of
        // one value, and new values (from 0, some of them zero), in rounds over one list:
        // against `measures_of_counts` of the list with the same changes, bit for bit.
        let mut rng = crate::rng::Rng::new(13);
        let limit = COUNTED_BELOW as u32;
        let mut list: Vec<u32> = (0..5000)
            .map(|i| match i % 5 {
                0 => 7,
                1 => limit + (i % 3),
                _ => (rng.f64() * 3000.0) as u32 + 1,
            })
            .collect();
        let mut growing = GrowingCounts::default();
        growing.add(&list);
        for round in 0..4u32 {
            let mut changes = Vec::new();
            for step in 0..700usize {
                let i = (rng.f64() * list.len() as f64) as usize % list.len();
                let grown = list[i] + [1, 900, limit, 5][step % 4] * (round + 1);
                changes.push((list[i], grown));
                list[i] = grown;
            }
            for x in [0, 3, limit + 7, 0] {
                changes.push((0, x));
                list.push(x);
            }
            growing.grow_whole(&changes);
            assert_eq!(
                bits(growing.measures()),
                bits(measures_of_counts(&mut list.clone())),
                "round {round}"
            );
        }
        // By hand: 1, 2, 20 000 with 2 → 5 and 20 000 → 20 001, 4 added: 1, 4, 5, 20 001.
        growing.clear();
        growing.add(&[1, 2, 20_000]);
        growing.grow_whole(&[(2, 5), (20_000, 20_001), (0, 4)]);
        let m = growing.measures();
        assert_eq!(
            (m.units, m.total, m.top1),
            (4, 20_011.0, Some(20_001.0 / 20_011.0))
        );
    }

    #[test]
    fn linear_quantiles() {
        // 0..=10: the 2.5 % quantile is at position 0.25 → 0.25; 97.5 % at 9.75 → 9.75.
        let mut s: Vec<f64> = (0..=10).map(|x| x as f64).collect();
        let (lo, hi) = percentile_interval(&mut s);
        assert!(close(lo, 0.25) && close(hi, 9.75));
        assert_eq!(quantile_linear(&mut vec![], 0.5), None);
        assert_eq!(quantile_linear(&mut vec![f64::NAN, 2.0], 0.5), Some(2.0));
    }
}
