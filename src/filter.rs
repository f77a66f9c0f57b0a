//! Which models and which download rows a view of the Economies engine counts.
//!
//! * **Download history.** A model's downloads are its weekly rows ([`Snapshot::weekly`]). A snapshot
//!   without any weekly row (for example the real sample built from 30-day counters) falls back to
//!   one observation per model: `downloads_30d` (else all-time, else 0) in the week of
//!   `meta.snapshot_date` (else of the latest creation day, else week 0). See [`fallback_rows`].
//! * **Population filter** (`min_downloads`): a model whose total downloads over its whole history,
//!   before any window or time filter, are below the minimum is left out. The total is the sum of
//!   its weekly rows; in the fallback it is all-time downloads when known, else the observation.
//! * **Rolling Window Filter** (`window_weeks = L`): a download in week `w` of a model created in week
//!   `c` counts only when `0 ≤ w − c < L`. A model with an unknown creation day uses its first
//!   download week as `c`. Weeks are sorted, so the window is a sub-range of the model's rows found
//!   by binary search ([`window_spans`]); nothing is copied. Not applied in the fallback.
//! * **Time range** (`from`/`to`): the week containing `from` through the week containing `to`, both
//!   inclusive, on download weeks.
//! * **Subsets**: `where` conditions `attribute=value` (any of [`crate::snapshot::ATTRIBUTES`];
//!   multi-label attributes match when any label equals the value; `relation=finetune` matches a
//!   model with a base edge of that relation, `relation=none` a model without base models) and the
//!   creation range `created_from`/`created_to` (models with an unknown creation day are left out
//!   when a creation range is given).

use crate::options::Options;
use crate::snapshot::{Attribute, Categorical, MultiLabel, Relation, Snapshot, NULL_CODE};
use crate::time::{parse_date, week_of_day, NO_DATE};
use crate::{Error, Result};

/// Week index standing for "no week" (a model without creation day and without downloads).
pub const NO_WEEK: i32 = i32::MIN;

/// Download rows in CSR form: model `i` owns `offsets[i]..offsets[i+1]` of `weeks`/`downloads`.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub offsets: &'a [u32],
    pub weeks: &'a [u16],
    pub downloads: &'a [u32],
}

impl<'a> Rows<'a> {
    /// The weekly history of a snapshot.
    pub fn weekly(s: &'a Snapshot) -> Rows<'a> {
        Rows {
            offsets: &s.weekly_offsets,
            weeks: &s.weekly_week,
            downloads: &s.weekly_downloads,
        }
    }

    pub fn models(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Row range of model `i` (empty when out of range or when the offsets are inconsistent).
    pub fn range(&self, i: usize) -> (usize, usize) {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) if a <= b && (b as usize) <= self.weeks.len().min(self.downloads.len()) => {
                (a as usize, b as usize)
            }
            _ => (0, 0),
        }
    }

    /// Weeks and downloads of rows `a..b` (empty slices when out of range).
    pub fn slice(&self, a: usize, b: usize) -> (&'a [u16], &'a [u32]) {
        (
            self.weeks.get(a..b).unwrap_or(&[]),
            self.downloads.get(a..b).unwrap_or(&[]),
        )
    }

    /// First and last week with a row; `None` without rows.
    pub fn week_bounds(&self) -> Option<(i32, i32)> {
        let lo = self.weeks.iter().min()?;
        let hi = self.weeks.iter().max()?;
        Some((*lo as i32, *hi as i32))
    }
}

/// Owned rows of the one-observation-per-model fallback.
#[derive(Clone, Debug, Default)]
pub struct FallbackRows {
    pub offsets: Vec<u32>,
    pub weeks: Vec<u16>,
    pub downloads: Vec<u32>,
    /// The week every observation sits in.
    pub week: i32,
    /// Observations above `u32::MAX` that were clamped.
    pub clamped: usize,
}

impl FallbackRows {
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            offsets: &self.offsets,
            weeks: &self.weeks,
            downloads: &self.downloads,
        }
    }
}

/// Whether the snapshot has no weekly history at all (then [`fallback_rows`] is used).
pub fn needs_fallback(s: &Snapshot) -> bool {
    s.weekly_week.is_empty()
}

/// One observation per model: `downloads_30d`, else all-time, else 0, in the week of
/// `snapshot_date` (else of the latest creation day, else week 0). Models whose observation is 0
/// get no row.
pub fn fallback_rows(s: &Snapshot) -> FallbackRows {
    let n = s.models();
    let day = parse_date(&s.meta.snapshot_date)
        .ok()
        .or_else(|| s.created.iter().copied().filter(|&d| d != NO_DATE).max())
        .unwrap_or(crate::time::WEEK_ORIGIN);
    let week = week_of_day(day).clamp(0, u16::MAX as i32);
    let mut out = FallbackRows {
        offsets: Vec::with_capacity(n + 1),
        week,
        ..Default::default()
    };
    out.offsets.push(0);
    for i in 0..n {
        let d30 = s.downloads_30d.get(i).copied().unwrap_or(f64::NAN);
        let all = s.downloads_all_time.get(i).copied().unwrap_or(f64::NAN);
        let value = if d30.is_finite() && d30 >= 0.0 {
            d30
        } else if all.is_finite() && all >= 0.0 {
            all
        } else {
            0.0
        };
        if value > u32::MAX as f64 {
            out.clamped += 1;
        }
        let v = value.round().min(u32::MAX as f64) as u32;
        if v > 0 {
            out.weeks.push(week as u16);
            out.downloads.push(v);
        }
        out.offsets.push(out.weeks.len() as u32);
    }
    out
}

/// Total downloads of every model over its whole history (the population filter's measure).
/// In the fallback (`all_time = Some`), all-time downloads where known, else the row sum.
pub fn history_totals(rows: &Rows, all_time: Option<&[f64]>) -> Vec<f64> {
    (0..rows.models())
        .map(|i| {
            if let Some(x) = all_time
                .and_then(|a| a.get(i))
                .filter(|x| x.is_finite() && **x >= 0.0)
            {
                return *x;
            }
            let (a, b) = rows.range(i);
            rows.slice(a, b).1.iter().map(|&d| d as f64).sum()
        })
        .collect()
}

/// Creation week of every model: the week of its creation day, else its first download week,
/// else [`NO_WEEK`].
pub fn created_weeks(created: &[i32], rows: &Rows) -> Vec<i32> {
    (0..rows.models())
        .map(|i| match created.get(i) {
            Some(&d) if d != NO_DATE => week_of_day(d),
            _ => {
                let (a, b) = rows.range(i);
                rows.slice(a, b).0.first().map(|&w| w as i32).unwrap_or(NO_WEEK)
            }
        })
        .collect()
}

/// Option-independent facts about each model's download rows: its first and last week and its
/// row total. A window that covers all of a model's rows (most of them) is recognised without
/// reading the rows, and its total taken as is. A window bound within 64 weeks of a model's first
/// week is placed by counting bits of its week mask, and one later on by arithmetic when the
/// model has one row a week without gaps: neither reads the rows.
#[derive(Clone, Debug, Default)]
pub struct RowIndex {
    /// Per model: first and last week with a row (0, 0 without rows).
    pub first_week: Vec<u16>,
    pub last_week: Vec<u16>,
    /// Per model: bit k is set when it has a row in week `first_week + k` (k < 64).
    pub week_bits: Vec<u64>,
    /// Per model: the sum of all its rows.
    pub row_total: Vec<u64>,
}

impl RowIndex {
    pub fn new(rows: &Rows) -> RowIndex {
        let n = rows.models();
        let (mut first_week, mut last_week, mut week_bits, mut row_total) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for m in 0..n {
            let (a, b) = rows.range(m);
            let (weeks, downloads) = rows.slice(a, b);
            let first = weeks.first().copied().unwrap_or(0);
            first_week.push(first);
            last_week.push(weeks.last().copied().unwrap_or(0));
            let bits = weeks
                .iter()
                .map(|&w| w.wrapping_sub(first) as u32)
                .take_while(|&k| k < 64)
                .fold(0u64, |bits, k| bits | 1 << k);
            week_bits.push(bits);
            row_total.push(downloads.iter().map(|&d| d as u64).sum());
        }
        RowIndex {
            first_week,
            last_week,
            week_bits,
            row_total,
        }
    }

    /// How many of model `m`'s rows come before week `week`, when the index alone tells: `week`
    /// at most 64 weeks after the first (its mask) or the model has a row every week.
    #[inline]
    fn rows_before(&self, m: usize, week: i64, len: usize) -> Option<usize> {
        let first = *self.first_week.get(m)? as i64;
        let k = week - first;
        if k <= 0 {
            return Some(0);
        }
        if k <= 64 {
            let bits = *self.week_bits.get(m)?;
            let below = if k == 64 { bits } else { bits & ((1u64 << k) - 1) };
            return Some(below.count_ones() as usize);
        }
        self.gap_free_first(m, len).map(|_| (k as usize).min(len))
    }

    /// Model `m`'s first week when its `len` rows are one a week without gaps (its row j is then
    /// week first + j); `None` otherwise or without rows.
    #[inline]
    pub fn gap_free_first(&self, m: usize, len: usize) -> Option<i64> {
        let first = *self.first_week.get(m)? as i64;
        let last = *self.last_week.get(m)? as i64;
        (len > 0 && last - first + 1 == len as i64).then_some(first)
    }
}

/// A model's downloads over `downloads` (its counted rows), summed as integers (exact) and then
/// converted.
pub fn rows_total(downloads: &[u32]) -> f64 {
    downloads.iter().map(|&d| d as u64).sum::<u64>() as f64
}

/// Notes model `m`'s sum of its counted rows in `totals` (from [`Windowed::totals_to_take`],
/// handed back with [`Windowed::offer_totals`]) for a pass that reads every kept model's rows
/// anyway; `sum` is called only when there are totals to take.
pub fn take_total(totals: &mut Option<Vec<f64>>, m: usize, sum: impl FnOnce() -> f64) {
    if let Some(t) = totals.as_mut().and_then(|t| t.get_mut(m)) {
        *t = sum();
    }
}

/// The rows each model counts after the window and time filters, and their sums.
#[derive(Clone, Debug, Default)]
pub struct Windowed {
    /// Model `i` counts rows `start[i]..end[i]`.
    pub start: Vec<u32>,
    pub end: Vec<u32>,
    /// Sum of downloads over those rows, summed on first use: views that read the rows
    /// themselves (shares, trends, incidence ...) never need it.
    totals: std::cell::OnceCell<Vec<f64>>,
}

impl Windowed {
    /// Whether the per-model totals are there (summed by [`Windowed::totals`] or offered).
    pub fn has_totals(&self) -> bool {
        self.totals.get().is_some()
    }

    /// Model `m`'s total when the per-model totals are there (0 past their end).
    pub fn made_total(&self, m: usize) -> Option<f64> {
        self.totals.get().map(|t| t.get(m).copied().unwrap_or(0.0))
    }

    /// A zeroed per-model vector for a pass that reads every kept model's counted rows anyway to
    /// fill with [`rows_total`] on the way and hand to [`Windowed::offer_totals`]; `None` when
    /// the totals are already there.
    pub fn totals_to_take(&self) -> Option<Vec<f64>> {
        (!self.has_totals()).then(|| vec![0.0; self.start.len()])
    }

    /// Takes the per-model totals of a pass ([`Windowed::totals_to_take`]): for each kept model
    /// [`rows_total`] of its counted rows (what [`Windowed::totals`] gives), 0 for the others.
    /// Ignored when the totals are already there.
    pub fn offer_totals(&self, totals: Option<Vec<f64>>) {
        if let Some(t) = totals.filter(|t| t.len() == self.start.len()) {
            let _ = self.totals.set(t);
        }
    }

    /// Sum of downloads over each model's counted rows of `rows` (the rows the spans were made
    /// from), summed on first use. `keep`: the models the spans were computed for (as given to
    /// [`window_spans`]; the others' spans are empty), `None` for all. With the [`RowIndex`] of
    /// those rows, a model whose rows all count takes its row total without reading them.
    pub fn totals(&self, rows: &Rows, keep: Option<&[u32]>, index: Option<&RowIndex>) -> &[f64] {
        self.totals_from(rows, keep, index, None)
    }

    /// [`Windowed::totals`], with the spans and totals of another window over the same rows,
    /// models and week range at hand (`donor`, used when its totals are there): a model whose span
    /// starts at the same row then takes the donor's total plus or minus the rows between the
    /// two ends, when those are fewer than its own. After a change of the window by a few weeks,
    /// that is a row or a few a model instead of all its counted rows (wasm has no vector adds:
    /// at 1 M models the sums took 16–19 ms in Chromium). The sums are whole numbers, added and
    /// taken away as integers, so the totals are the same, bit for bit.
    pub fn totals_from(
        &self,
        rows: &Rows,
        keep: Option<&[u32]>,
        index: Option<&RowIndex>,
        donor: Option<&Windowed>,
    ) -> &[f64] {
        self.totals.get_or_init(|| {
            let n = self.start.len();
            let donor = donor
                .and_then(|d| Some((d, d.totals.get()?)))
                .filter(|(d, t)| d.start.len() == n && d.end.len() == n && t.len() == n);
            let sum = |a: usize, b: usize| rows.slice(a, b).1.iter().map(|&d| d as u64).sum::<u64>();
            let total = |m: usize| {
                let (a, b) = match (self.start.get(m), self.end.get(m)) {
                    (Some(&a), Some(&b)) if a < b => (a as usize, b as usize),
                    _ => return 0.0,
                };
                if let Some(t) = index.and_then(|x| x.row_total.get(m)) {
                    if rows.range(m) == (a, b) {
                        return *t as f64;
                    }
                }
                if let Some((d, totals)) = donor {
                    if let (Some(&a0), Some(&b0), Some(&t0)) = (d.start.get(m), d.end.get(m), totals.get(m)) {
                        let (a0, b0) = (a0 as usize, b0 as usize);
                        if a0 == a && a0 < b0 && b.abs_diff(b0) < b - a {
                            // A donor total is a sum of whole downloads: exact as an integer.
                            let t0 = t0 as u64;
                            let t = if b >= b0 {
                                t0 + sum(b0, b)
                            } else {
                                t0.saturating_sub(sum(b, b0))
                            };
                            return t as f64;
                        }
                    }
                }
                rows_total(rows.slice(a, b).1)
            };
            match keep {
                Some(models) => {
                    let mut totals = vec![0.0; n];
                    for &m in models {
                        if let Some(t) = totals.get_mut(m as usize) {
                            *t = total(m as usize);
                        }
                    }
                    totals
                }
                None => (0..n).map(total).collect(),
            }
        })
    }
}

/// Applies the Rolling Window Filter (`window = Some(L)`) and the week range `from_week..=to_week`
/// to every model by binary search on its sorted weeks. `created_weeks` from [`created_weeks`].
/// With `keep = Some(models)` (ascending), only those models get their span; the others get an
/// empty one and their rows are neither searched nor summed (at 1 M models the population filter
/// leaves out most of them). With `index` (made from the same rows), a model's first and last
/// weeks come from it, so that a model whose rows all count, or one with a row every week, is
/// placed without reading its rows.
pub fn window_spans(
    rows: &Rows,
    created_weeks: &[i32],
    window: Option<u32>,
    from_week: i32,
    to_week: i32,
    keep: Option<&[u32]>,
    index: Option<&RowIndex>,
) -> Windowed {
    let n = rows.models();
    // Every model starts with an empty span (0..0); then the counted ones get theirs.
    let (mut start, mut end) = (vec![0u32; n], vec![0u32; n]);
    let all: Vec<u32>;
    let models = match keep {
        Some(k) => k,
        None => {
            all = (0..n as u32).collect();
            &all
        }
    };
    for &i in models {
        let i = i as usize;
        if let Some((a, b)) = model_span(rows, created_weeks, window, (from_week, to_week), index, i) {
            start[i] = a as u32;
            end[i] = b as u32;
        }
    }
    Windowed {
        start,
        end,
        totals: Default::default(),
    }
}

/// The counted rows of model `i` (row indexes `a..b` into `rows`) under `window` within the weeks
/// `from_week..=to_week`; `None` when none count (no rows, no creation week under a window, or
/// the window and the range do not meet). See [`window_spans`].
pub fn model_span(
    rows: &Rows,
    created_weeks: &[i32],
    window: Option<u32>,
    (from_week, to_week): (i32, i32),
    index: Option<&RowIndex>,
    i: usize,
) -> Option<(usize, usize)> {
    if i >= rows.models() {
        return None;
    }
    let (a, b) = rows.range(i);
    if a == b {
        return None;
    }
    let mut lo = from_week as i64;
    let mut hi = to_week as i64;
    if let Some(l) = window {
        let c = created_weeks.get(i).copied().unwrap_or(NO_WEEK);
        if c == NO_WEEK {
            return None;
        }
        lo = lo.max(c as i64);
        hi = hi.min(c as i64 + l as i64 - 1);
    }
    if lo > hi {
        return None;
    }
    // Usually every row is inside (the first download week is the creation week, the last is
    // before `to` and within the window): checked at the ends, from the index when there is
    // one (no read of the model's rows at all), before searching.
    let (first, last) = match index {
        Some(x) => (
            x.first_week.get(i).copied().unwrap_or(0),
            x.last_week.get(i).copied().unwrap_or(0),
        ),
        None => {
            let weeks = rows.slice(a, b).0;
            (
                weeks.first().copied().unwrap_or(0),
                weeks.last().copied().unwrap_or(0),
            )
        }
    };
    let (s, e) = if first as i64 >= lo && last as i64 <= hi {
        (0, b - a)
    } else {
        let len = b - a;
        // From the index when it tells (no read of the rows: those reads miss the cache),
        // else by binary search on the model's weeks.
        let placed = index.and_then(|x| Some((x.rows_before(i, lo, len)?, x.rows_before(i, hi + 1, len)?)));
        match placed {
            Some((s, e)) => (s, e.max(s)),
            None => {
                let weeks = rows.slice(a, b).0;
                let s = if first as i64 >= lo {
                    0
                } else {
                    weeks.partition_point(|&w| (w as i64) < lo)
                };
                let e = if last as i64 <= hi {
                    len
                } else {
                    weeks.partition_point(|&w| (w as i64) <= hi)
                };
                (s, e.max(s))
            }
        }
    };
    Some((a + s, a + e))
}

/// When model `i` starts to count within the weeks `from_week..=to_week`: `(age, any)`, where
/// `age` is the age in weeks (week − creation week) of its first row with downloads > 0 at an
/// age ≥ 0, so that it has downloads under a window of L weeks exactly when `age < L` (`None`:
/// under no window, e.g. without a creation week), and `any` says whether it has a row with
/// downloads > 0 at all (it has downloads without a window). A model without rows gives
/// `(None, false)`. What a leaderboard's count of models with downloads reads for any window,
/// without summing the models' rows.
pub fn first_counting_age(
    rows: &Rows,
    created_weeks: &[i32],
    (from_week, to_week): (i32, i32),
    i: usize,
) -> (Option<u32>, bool) {
    let (a, b) = rows.range(i);
    let (weeks, downloads) = rows.slice(a, b);
    // The first row with downloads in weeks `lo..=to_week`.
    let first_from = |lo: i64| {
        // Usually the first row (the creation week) is in.
        let start = match weeks.first() {
            Some(&w) if w as i64 >= lo => 0,
            _ => weeks.partition_point(|&w| (w as i64) < lo),
        };
        weeks
            .iter()
            .zip(downloads)
            .skip(start)
            .take_while(|(&w, _)| w as i64 <= to_week as i64)
            .find(|(_, &d)| d > 0)
            .map(|(&w, _)| w as i64)
    };
    let Some(first) = first_from(from_week as i64) else {
        return (None, false);
    };
    let created = created_weeks.get(i).copied().unwrap_or(NO_WEEK);
    if created == NO_WEEK {
        return (None, true);
    }
    // Usually that row is the creation week's; else search again from the creation week.
    let lo = (from_week as i64).max(created as i64);
    let counted = if first >= lo { Some(first) } else { first_from(lo) };
    (counted.and_then(|w| u32::try_from(w - created as i64).ok()), true)
}

/// The week range of `from`/`to` (`i32::MIN..=i32::MAX` when not given).
pub fn week_range(options: &Options) -> Result<(i32, i32)> {
    let from = match &options.from {
        Some(d) => week_of_day(parse_date(d).map_err(|e| Error::option("from", e.to_string()))?),
        None => i32::MIN,
    };
    let to = match &options.to {
        Some(d) => week_of_day(parse_date(d).map_err(|e| Error::option("to", e.to_string()))?),
        None => i32::MAX,
    };
    if from > to {
        return Err(Error::option("to", "must not be before 'from'"));
    }
    Ok((from, to))
}

/// One `attribute=value` condition, resolved to codes.
enum Condition<'a> {
    Single(&'a Categorical, u32),
    Multi(&'a MultiLabel, u32),
    /// A base edge of this relation; `None` = no base models at all.
    Relation(Option<Relation>),
}

fn parse_condition<'a>(s: &'a Snapshot, text: &str) -> Result<Condition<'a>> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| Error::option("where", format!("'{text}' is not attribute=value")))?;
    let (name, value) = (name.trim(), value.trim());
    if name == "relation" {
        if value == "none" || value == "root" {
            return Ok(Condition::Relation(None));
        }
        let r = Relation::parse(value).ok_or_else(|| {
            Error::option(
                "where",
                format!("relation '{value}' is not one of finetune, adapter, quantized, merge, other, none"),
            )
        })?;
        return Ok(Condition::Relation(Some(r)));
    }
    let attribute = s.attribute(name).map_err(|_| {
        Error::option(
            "where",
            format!(
                "unknown attribute '{name}'; known: {}",
                crate::snapshot::ATTRIBUTES.join(", ")
            ),
        )
    })?;
    let code = attribute
        .values()
        .iter()
        .position(|v| v == value)
        .ok_or_else(|| {
            Error::option(
                "where",
                format!("attribute '{name}' has no value '{value}' in this snapshot"),
            )
        })? as u32;
    Ok(match attribute {
        Attribute::Single(c) => Condition::Single(c, code),
        Attribute::Multi(m) => Condition::Multi(m, code),
    })
}

fn meets(s: &Snapshot, c: &Condition, i: usize) -> bool {
    match c {
        Condition::Single(cat, code) => cat.codes.get(i) == Some(code),
        Condition::Multi(ml, code) => ml.labels(i).contains(code),
        Condition::Relation(r) => {
            let (a, b) = match (s.base_offsets.get(i), s.base_offsets.get(i + 1)) {
                (Some(&a), Some(&b)) => (a as usize, b as usize),
                _ => (0, 0),
            };
            let rels = s.base_relation.get(a..b).unwrap_or(&[]);
            match r {
                None => rels.is_empty(),
                Some(r) => rels.contains(r),
            }
        }
    }
}

/// The models a view counts, and how many each filter left out (for the Report notes).
#[derive(Clone, Debug, Default)]
pub struct ModelMask {
    pub keep: Vec<bool>,
    /// The kept models in ascending order (the passes visit them without testing every model).
    pub kept_models: Vec<u32>,
    pub below_min_downloads: usize,
    pub outside_subset: usize,
    pub outside_created_range: usize,
}

/// Applies the population filter (`min_downloads` on `history_totals`), the `where` conditions and
/// the creation range. A model left out by several filters is counted under the first of them.
pub fn model_mask(s: &Snapshot, history_totals: &[f64], options: &Options) -> Result<ModelMask> {
    let conditions = options
        .where_
        .iter()
        .map(|w| parse_condition(s, w))
        .collect::<Result<Vec<_>>>()?;
    let created_from = match &options.created_from {
        Some(d) => Some(parse_date(d).map_err(|e| Error::option("created-from", e.to_string()))?),
        None => None,
    };
    let created_to = match &options.created_to {
        Some(d) => Some(parse_date(d).map_err(|e| Error::option("created-to", e.to_string()))?),
        None => None,
    };
    if let (Some(a), Some(b)) = (created_from, created_to) {
        if a > b {
            return Err(Error::option("created-to", "must not be before 'created-from'"));
        }
    }
    let n = s.models();
    let mut m = ModelMask {
        keep: Vec::with_capacity(n),
        ..Default::default()
    };
    for i in 0..n {
        let total = history_totals.get(i).copied().unwrap_or(0.0);
        let keep = if total < options.min_downloads {
            m.below_min_downloads += 1;
            false
        } else if !conditions.iter().all(|c| meets(s, c, i)) {
            m.outside_subset += 1;
            false
        } else {
            let day = s.created.get(i).copied().unwrap_or(NO_DATE);
            let outside = (created_from.is_some() || created_to.is_some())
                && (day == NO_DATE
                    || created_from.is_some_and(|f| day < f)
                    || created_to.is_some_and(|t| day > t));
            if outside {
                m.outside_created_range += 1;
            }
            !outside
        };
        m.keep.push(keep);
        if keep {
            m.kept_models.push(i as u32);
        }
    }
    Ok(m)
}

/// A categorical code, `None` for missing or out-of-dictionary codes.
pub fn code_of(c: &Categorical, i: usize) -> Option<u32> {
    c.codes
        .get(i)
        .copied()
        .filter(|&k| k != NULL_CODE && (k as usize) < c.values.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows<'a>(offsets: &'a [u32], weeks: &'a [u16], downloads: &'a [u32]) -> Rows<'a> {
        Rows {
            offsets,
            weeks,
            downloads,
        }
    }

    #[test]
    fn first_counting_age_by_hand() {
        // Model 0, created in week 10: rows in weeks 9 (before creation), 10 (no downloads),
        // 11, 12 and 20. Model 1: no creation week. Model 2: no rows. Model 3, created in week
        // 30: rows of 0 downloads only. Model 4, created in week 2: one row in week 5.
        let r = rows(
            &[0, 5, 7, 7, 9, 10],
            &[9, 10, 11, 12, 20, 3, 4, 30, 31, 5],
            &[7, 0, 3, 4, 5, 1, 1, 0, 0, 8],
        );
        let created = [10, NO_WEEK, 4, 30, 2];
        let all = (i32::MIN, i32::MAX);
        // Week 11 is the first counted row with downloads: age 1, so a window of 2 weeks or more.
        assert_eq!(first_counting_age(&r, &created, all, 0), (Some(1), true));
        // From week 12: age 2. Up to week 10: only the rows of week 9 (before creation) and
        // week 10 (0 downloads) are inside, so under no window, but without one it has week 9.
        assert_eq!(first_counting_age(&r, &created, (12, 30), 0), (Some(2), true));
        assert_eq!(first_counting_age(&r, &created, (0, 10), 0), (None, true));
        // Weeks 13..=19 hold no rows; 21.. neither.
        assert_eq!(first_counting_age(&r, &created, (13, 19), 0), (None, false));
        assert_eq!(first_counting_age(&r, &created, (21, 40), 0), (None, false));
        // Week 20 alone: age 10.
        assert_eq!(first_counting_age(&r, &created, (20, 20), 0), (Some(10), true));
        assert_eq!(first_counting_age(&r, &created, all, 1), (None, true));
        assert_eq!(first_counting_age(&r, &created, all, 2), (None, false));
        assert_eq!(first_counting_age(&r, &created, all, 3), (None, false));
        assert_eq!(first_counting_age(&r, &created, all, 4), (Some(3), true));
        // A model past the rows.
        assert_eq!(first_counting_age(&r, &created, all, 9), (None, false));
        // Against the window's own spans: a model counts under L exactly when its age < L.
        for range in [all, (12, 30), (0, 10), (20, 20), (11, 11)] {
            for l in 0..14 {
                let w = window_spans(&r, &created, Some(l), range.0, range.1, None, None);
                let totals = w.totals(&r, None, None);
                for (m, total) in totals.iter().enumerate() {
                    let (age, _) = first_counting_age(&r, &created, range, m);
                    assert_eq!(*total > 0.0, age.is_some_and(|a| a < l), "{range:?} L={l} m={m}");
                }
            }
            let w = window_spans(&r, &created, None, range.0, range.1, None, None);
            for (m, total) in w.totals(&r, None, None).iter().enumerate() {
                assert_eq!(
                    *total > 0.0,
                    first_counting_age(&r, &created, range, m).1,
                    "{range:?} m={m}"
                );
            }
        }
    }

    #[test]
    fn window_keeps_weeks_c_to_c_plus_l_minus_1() {
        // Model 0 created in week 10, rows in weeks 9 (before creation), 10, 11, 12, 20.
        // With L = 2 only weeks 10 and 11 count: 2 + 3 = 5.
        let r = rows(&[0, 5], &[9, 10, 11, 12, 20], &[1, 2, 3, 4, 5]);
        let w = window_spans(&r, &[10], Some(2), i32::MIN, i32::MAX, None, None);
        assert_eq!((w.start[0], w.end[0], w.totals(&r, None, None)[0]), (1, 3, 5.0));
        // Off: every row, 15.
        let w = window_spans(&r, &[10], None, i32::MIN, i32::MAX, None, None);
        assert_eq!(w.totals(&r, None, None)[0], 15.0);
        // Off, weeks 11..=12 only: 3 + 4.
        let w = window_spans(&r, &[10], None, 11, 12, None, None);
        assert_eq!(w.totals(&r, None, None)[0], 7.0);
        // L = 52 and week range 12..=30: weeks 12 and 20 → 9.
        let w = window_spans(&r, &[10], Some(52), 12, 30, None, None);
        assert_eq!(w.totals(&r, None, None)[0], 9.0);
    }

    #[test]
    fn row_index_by_hand() {
        // Model 0: weeks 1, 2 with 2³² − 1 and 2 downloads (a total above u32); model 1: weeks 1,
        // 3 (a gap); model 2: no rows.
        let big = u32::MAX;
        let downloads = [big, 2, 7, 8];
        let r = rows(&[0, 2, 4, 4], &[1, 2, 1, 3], &downloads);
        let x = RowIndex::new(&r);
        assert_eq!(x.first_week, [1, 1, 0]);
        assert_eq!(x.last_week, [2, 3, 0]);
        assert_eq!(x.row_total, [big as u64 + 2, 15, 0]);
        // All rows count: the row total; week 2 only: model 0's second row, model 1 none.
        let w = window_spans(&r, &[1, 1, 1], None, i32::MIN, i32::MAX, None, Some(&x));
        assert_eq!(w.totals(&r, None, Some(&x)), [big as f64 + 2.0, 15.0, 0.0]);
        let w = window_spans(&r, &[1, 1, 1], None, 2, 2, None, Some(&x));
        assert_eq!((w.start[1], w.end[1]), (3, 3));
        assert_eq!(w.totals(&r, None, Some(&x)), [2.0, 0.0, 0.0]);
    }

    #[test]
    fn models_outside_the_mask_get_empty_spans() {
        // Two models with rows in weeks 1, 2 (3 + 4) and 1 (5); only the second is kept.
        let r = rows(&[0, 2, 3], &[1, 2, 1], &[3, 4, 5]);
        let w = window_spans(&r, &[1, 1], Some(52), i32::MIN, i32::MAX, Some(&[1]), None);
        assert_eq!((w.start[0], w.end[0]), (0, 0));
        assert_eq!((w.start[1], w.end[1]), (2, 3));
        assert_eq!(w.totals(&r, Some(&[1]), None), [0.0, 5.0]);
    }

    #[test]
    fn indexed_spans_and_totals_equal_searched_ones() {
        // Rows in weeks 9, 10, 11, 12, 20 (model 0), none (model 1), 3 (model 2), 5, 6 (model 3),
        // 100, 101, 102, 140, 170, 171, 300 (model 4: gaps, beyond its 64-week mask) and every
        // week 200..=279 (model 5: no gap, beyond its mask).
        let mut weeks = vec![9, 10, 11, 12, 20, 3, 5, 6, 100, 101, 102, 140, 170, 171, 300];
        weeks.extend(200..280);
        let downloads: Vec<u32> = (1..=weeks.len() as u32).collect();
        let r = rows(&[0, 5, 5, 6, 8, 15, 95], &weeks, &downloads);
        let created = [10, 0, NO_WEEK, 5, 100, 200];
        let index = RowIndex::new(&r);
        // Model 0's mask by hand: weeks 9, 10, 11, 12 and 20 are bits 0, 1, 2, 3 and 11.
        assert_eq!(index.week_bits[0], 0b1000_0000_1111);
        assert_eq!(index.week_bits[4], 0b111 | 1 << 40);
        assert_eq!(index.week_bits[5], u64::MAX);
        let windows = [None, Some(1), Some(2), Some(52), Some(64), Some(65), Some(71)];
        let ranges = [
            (i32::MIN, i32::MAX),
            (11, 12),
            (4, 5),
            (21, 30),
            (101, 170),
            (140, 300),
            (230, 270),
        ];
        for window in windows {
            for (from, to) in ranges {
                for keep in [None, Some(&[0u32, 3, 4, 5][..])] {
                    let plain = window_spans(&r, &created, window, from, to, keep, None);
                    let indexed = window_spans(&r, &created, window, from, to, keep, Some(&index));
                    let case = format!("{window:?} {from}..={to} {keep:?}");
                    assert_eq!(
                        (&plain.start, &plain.end),
                        (&indexed.start, &indexed.end),
                        "{case}"
                    );
                    assert_eq!(
                        plain.totals(&r, None, None),
                        indexed.totals(&r, keep, Some(&index)),
                        "{case}"
                    );
                }
            }
        }
        // The totals of every window from those of every other (as a donor), against summing
        // them alone, bit for bit; by hand, model 0 (created in week 10: its rows of weeks 10, 11,
        // 12 and 20, of 2, 3, 4 and 5 downloads, count in a 52-week window) from a 1-week window
        // (week 10: 2), then a 3-week window from that (14 − 5).
        for keep in [None, Some(&[0u32, 3, 4, 5][..])] {
            for (from, to) in [(i32::MIN, i32::MAX), (21, 30), (101, 170)] {
                for donor_window in windows {
                    let donor = window_spans(&r, &created, donor_window, from, to, keep, Some(&index));
                    donor.totals(&r, keep, Some(&index));
                    for window in windows {
                        let alone = window_spans(&r, &created, window, from, to, keep, Some(&index));
                        let helped = window_spans(&r, &created, window, from, to, keep, Some(&index));
                        assert_eq!(
                            helped.totals_from(&r, keep, Some(&index), Some(&donor)),
                            alone.totals(&r, keep, Some(&index)),
                            "{window:?} from {donor_window:?}, {from}..={to} {keep:?}"
                        );
                    }
                }
            }
        }
        let one_week = window_spans(&r, &created, Some(1), i32::MIN, i32::MAX, None, None);
        assert_eq!(one_week.totals(&r, None, None)[0], 2.0);
        let year = window_spans(&r, &created, Some(52), i32::MIN, i32::MAX, None, None);
        assert_eq!(year.totals_from(&r, None, None, Some(&one_week))[0], 14.0);
        let three = window_spans(&r, &created, Some(3), i32::MIN, i32::MAX, None, None);
        assert_eq!(three.totals_from(&r, None, None, Some(&year))[0], 9.0);
        // A donor without totals is not used (and gives the same).
        let fresh = window_spans(&r, &created, Some(1), i32::MIN, i32::MAX, None, None);
        let year = window_spans(&r, &created, Some(52), i32::MIN, i32::MAX, None, None);
        assert_eq!(year.totals_from(&r, None, None, Some(&fresh))[0], 14.0);
        // By hand: model 4 with a 65-week window (weeks 100..=164) counts rows 100, 101, 102 and
        // 140 (rows 8..12); model 5 (rows from 15) within weeks 230..=270 counts rows 15 + 30 .. 15 + 71.
        let w = window_spans(&r, &created, Some(65), i32::MIN, i32::MAX, None, Some(&index));
        assert_eq!((w.start[4], w.end[4]), (8, 12));
        let w = window_spans(&r, &created, None, 230, 270, None, Some(&index));
        assert_eq!((w.start[5], w.end[5]), (45, 86));
    }

    #[test]
    fn window_of_a_model_without_week_counts_nothing() {
        let r = rows(&[0, 0, 1], &[3], &[7]);
        let w = window_spans(&r, &[NO_WEEK, 3], Some(1), i32::MIN, i32::MAX, None, None);
        assert_eq!(w.totals(&r, None, None), [0.0, 7.0]);
    }

    #[test]
    fn created_week_falls_back_to_first_download() {
        let r = rows(&[0, 2, 2], &[5, 6], &[1, 1]);
        let created = [NO_DATE, NO_DATE];
        assert_eq!(created_weeks(&created, &r), vec![5, NO_WEEK]);
        let day = crate::time::day_of_week_index(40) + 3;
        assert_eq!(created_weeks(&[day, NO_DATE], &r)[0], 40);
    }

    #[test]
    fn history_totals_sum_rows_or_take_all_time() {
        let r = rows(&[0, 2, 3, 3], &[1, 2, 1], &[10, 20, 5]);
        assert_eq!(history_totals(&r, None), vec![30.0, 5.0, 0.0]);
        assert_eq!(
            history_totals(&r, Some(&[100.0, f64::NAN, 0.0])),
            vec![100.0, 5.0, 0.0]
        );
    }

    #[test]
    fn empty_rows_give_empty_results() {
        let r = rows(&[0], &[], &[]);
        assert!(window_spans(&r, &[], Some(52), i32::MIN, i32::MAX, None, None)
            .totals(&r, None, None)
            .is_empty());
        assert!(RowIndex::new(&r).row_total.is_empty());
        assert_eq!(r.week_bounds(), None);
        // Inconsistent offsets read as empty, never panic.
        let r = rows(&[0, 9], &[1], &[1]);
        assert_eq!(r.range(0), (0, 0));
    }
}
