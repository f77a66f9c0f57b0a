//! Model sizes: estimating missing parameter counts from file bytes, weighted quantiles, and the
//! kernel-density curves of the size violins.
//!
//! * **Estimator.** log10(parameters) = a + b·log10(file bytes), fitted by RANSAC on the models
//!   whose count comes from safetensors metadata: the fitting models are shuffled with the seeded
//!   [`crate::rng::Rng`] and split 80 % training / 20 % validation; RANSAC draws 2-point lines from
//!   the training part ([`RANSAC_ITERATIONS`] times), keeps the line with most inliers (absolute
//!   residual ≤ [`RANSAC_THRESHOLD`] in log10 units, i.e. within a factor of 2), and refits it by
//!   least squares on those inliers. The validation R² is 1 − SS_res/SS_tot of the refitted line on
//!   the held-out 20 %. Fewer than [`MIN_FIT_MODELS`] fitting models: no estimator.
//! * **Weighted quantile** (inverse of the weighted empirical CDF, numpy's `inverted_cdf`): the
//!   smallest x whose cumulative weight reaches q·W. With unit weights this is the plain
//!   `inverted_cdf` quantile (the median of an even count is the lower middle value).
//! * **Density**: a Gaussian KDE of log10(parameters) with weights, bandwidth by Silverman's rule
//!   h = 0.9·min(σ, IQR/1.34)·n_eff^(−1/5), where σ and IQR are weighted and n_eff = (Σw)²/Σw²
//!   (Kish's effective size; n for unit weights); h falls back to 0.1 (a factor of 1.26) when the
//!   spread is 0. The curve is evaluated on [`DENSITY_POINTS`] points from min − 3h to max + 3h,
//!   after linear binning of the data onto a 512-point grid (exact to well under 1 % of the peak).

use std::rc::Rc;

use crate::filter::{Rows, NO_WEEK};
use crate::rng::Rng;

pub const RANSAC_ITERATIONS: usize = 200;
pub const RANSAC_THRESHOLD: f64 = std::f64::consts::LOG10_2;
pub const MIN_FIT_MODELS: usize = 10;
pub const DENSITY_POINTS: usize = 64;
const BINS: usize = 512;

/// A fitted size estimator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimator {
    pub intercept: f64,
    pub slope: f64,
    /// R² on the held-out models.
    pub validation_r2: Option<f64>,
    pub train: usize,
    pub validation: usize,
    pub inliers: usize,
}

impl Estimator {
    /// Estimated parameters for `file_bytes` (`None` when bytes are not positive).
    pub fn estimate(&self, file_bytes: f64) -> Option<f64> {
        if file_bytes.is_nan() || file_bytes <= 0.0 || !file_bytes.is_finite() {
            return None;
        }
        let p = 10f64.powf(self.intercept + self.slope * file_bytes.log10());
        p.is_finite().then_some(p)
    }
}

/// Least squares line through (x, y); `None` with fewer than 2 points or no spread in x.
pub fn least_squares(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mx = x.iter().take(n).sum::<f64>() / n as f64;
    let my = y.iter().take(n).sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y).take(n) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    if sxx.is_nan() || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((my - slope * mx, slope))
}

/// R² of the line on (x, y); `None` without points or without spread in y.
pub fn r_squared(x: &[f64], y: &[f64], intercept: f64, slope: f64) -> Option<f64> {
    let n = x.len().min(y.len());
    if n == 0 {
        return None;
    }
    let my = y.iter().take(n).sum::<f64>() / n as f64;
    let (mut res, mut tot) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y).take(n) {
        let e = b - (intercept + slope * a);
        res += e * e;
        tot += (b - my) * (b - my);
    }
    (tot > 0.0).then(|| 1.0 - res / tot)
}

/// Fits the estimator on log10(file bytes) `x` and log10(parameters) `y` of the fitting models
/// (see the module documentation). `None` with fewer than [`MIN_FIT_MODELS`] points.
pub fn fit_ransac(x: &[f64], y: &[f64], seed: u64) -> Option<Estimator> {
    let n = x.len().min(y.len());
    if n < MIN_FIT_MODELS {
        return None;
    }
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let n_train = n - n / 5;
    let (train, validation) = order.split_at(n_train);
    let tx: Vec<f64> = train.iter().map(|&i| x[i]).collect();
    let ty: Vec<f64> = train.iter().map(|&i| y[i]).collect();
    let mut best: Option<(usize, f64, f64)> = None;
    for _ in 0..RANSAC_ITERATIONS {
        let i = rng.below(n_train as u64) as usize;
        let j = rng.below(n_train as u64) as usize;
        let dx = tx[j] - tx[i];
        if i == j || dx.abs() < 1e-12 {
            continue;
        }
        let slope = (ty[j] - ty[i]) / dx;
        let intercept = ty[i] - slope * tx[i];
        let inliers = tx
            .iter()
            .zip(&ty)
            .filter(|(a, b)| (*b - (intercept + slope * *a)).abs() <= RANSAC_THRESHOLD)
            .count();
        if best.is_none_or(|b| inliers > b.0) {
            best = Some((inliers, intercept, slope));
        }
    }
    let (mut intercept, mut slope) = match best {
        Some((_, a, b)) => (a, b),
        None => least_squares(&tx, &ty)?,
    };
    let (ix, iy): (Vec<f64>, Vec<f64>) = tx
        .iter()
        .zip(&ty)
        .filter(|(a, b)| (*b - (intercept + slope * *a)).abs() <= RANSAC_THRESHOLD)
        .map(|(a, b)| (*a, *b))
        .unzip();
    if let Some((a, b)) = least_squares(&ix, &iy) {
        intercept = a;
        slope = b;
    }
    let vx: Vec<f64> = validation.iter().map(|&i| x[i]).collect();
    let vy: Vec<f64> = validation.iter().map(|&i| y[i]).collect();
    Some(Estimator {
        intercept,
        slope,
        validation_r2: r_squared(&vx, &vy, intercept, slope),
        train: n_train,
        validation: n - n_train,
        inliers: ix.len(),
    })
}

/// Weighted quantile (inverted CDF) of `(value, weight)` pairs sorted by value; positive weights
/// only count. `None` when the total weight is not positive.
pub fn weighted_quantile_sorted(pairs: &[(f64, f64)], q: f64) -> Option<f64> {
    let total: f64 = pairs.iter().map(|p| p.1.max(0.0)).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let target = q.clamp(0.0, 1.0) * total;
    let mut cumulative = 0.0;
    let mut last = None;
    for &(v, w) in pairs {
        if w <= 0.0 {
            continue;
        }
        cumulative += w;
        last = Some(v);
        if cumulative >= target {
            return Some(v);
        }
    }
    last
}

/// Summary of one distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub weight: f64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub q25: Option<f64>,
    pub q75: Option<f64>,
}

/// One group of the sizes view (a download year or a creation year): its summary and the
/// kernel-density curve on log10(parameters).
#[derive(Clone, Debug, Default)]
pub struct SizeGroup {
    pub year: i64,
    pub summary: Summary,
    pub density_x: Vec<f64>,
    pub density_y: Vec<f64>,
}

/// Weighted mean and quartiles of `(value, weight)` pairs; sorts them by value in place. Pairs
/// with a non-positive weight or a non-finite value are dropped first. Empty → n 0 and nulls.
pub fn summarize(pairs: &mut Vec<(f64, f64)>) -> Summary {
    pairs.retain(|p| p.0.is_finite() && p.1 > 0.0 && p.1.is_finite());
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    summarize_sorted(pairs)
}

/// [`summarize`] of pairs already sorted by value, with finite values and positive weights.
pub fn summarize_sorted(pairs: &[(f64, f64)]) -> Summary {
    let weight: f64 = pairs.iter().fold(0.0, |a, p| a + p.1); // +0.0 when empty, not −0.0
    let mean = (weight > 0.0).then(|| pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / weight);
    Summary {
        n: pairs.len(),
        weight,
        mean,
        median: weighted_quantile_sorted(pairs, 0.5),
        q25: weighted_quantile_sorted(pairs, 0.25),
        q75: weighted_quantile_sorted(pairs, 0.75),
    }
}

/// Silverman's bandwidth of weighted values sorted by value (see the module documentation).
pub fn silverman_bandwidth(sorted: &[(f64, f64)]) -> Option<f64> {
    let w: f64 = sorted.iter().map(|p| p.1).sum();
    let w2: f64 = sorted.iter().map(|p| p.1 * p.1).sum();
    if w.is_nan() || w <= 0.0 {
        return None;
    }
    let mean = sorted.iter().map(|p| p.0 * p.1).sum::<f64>() / w;
    let var = sorted
        .iter()
        .map(|p| p.1 * (p.0 - mean) * (p.0 - mean))
        .sum::<f64>()
        / w;
    let iqr = weighted_quantile_sorted(sorted, 0.75)? - weighted_quantile_sorted(sorted, 0.25)?;
    Some(silverman(var, iqr, w * w / w2))
}

/// Silverman's rule from the weighted variance, IQR and effective size; 0.1 when it gives no
/// positive finite bandwidth.
fn silverman(var: f64, iqr: f64, n_eff: f64) -> f64 {
    let spread = if iqr > 0.0 {
        var.sqrt().min(iqr / 1.34)
    } else {
        var.sqrt()
    };
    let h = 0.9 * spread * n_eff.powf(-0.2);
    if h > 0.0 && h.is_finite() {
        h
    } else {
        0.1
    }
}

/// Adds weight `wt` at `value` to the grid `bins` (point k at `lo + k·step`), split linearly
/// between the two nearest points.
fn bin_linearly(bins: &mut [f64], value: f64, wt: f64, lo: f64, step: f64) {
    let last = bins.len().saturating_sub(1);
    let pos = ((value - lo) / step).clamp(0.0, last as f64);
    let k = (pos.floor() as usize).min(last.saturating_sub(1));
    let frac = pos - k as f64;
    if let [a, b, ..] = &mut bins[k..] {
        *a += wt * (1.0 - frac);
        *b += wt * frac;
    }
}

/// Weighted Gaussian KDE of values sorted by value: ([`DENSITY_POINTS`] x, density y), the
/// density integrating to 1. Empty input → empty curve. (The sizes view computes this and
/// [`summarize_sorted`] together, in [`summary_and_density`]; these two are its reference.)
pub fn density(sorted: &[(f64, f64)]) -> (Vec<f64>, Vec<f64>) {
    let Some(h) = silverman_bandwidth(sorted) else {
        return (Vec::new(), Vec::new());
    };
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return (Vec::new(), Vec::new());
    };
    let (lo, hi) = (first.0 - 3.0 * h, last.0 + 3.0 * h);
    let w: f64 = sorted.iter().map(|p| p.1).sum();
    // Linear binning onto a fine grid, then the exact kernel sum over the bins.
    let step = (hi - lo) / (BINS - 1) as f64;
    let mut bins = vec![0.0; BINS];
    for &(v, wt) in sorted {
        bin_linearly(&mut bins, v, wt, lo, step);
    }
    curve(&bins, lo, hi, step, h, w)
}

/// The kernel-density curve from binned weights (`bins[k]` at `lo + k·step`), bandwidth `h`,
/// total weight `w`: [`DENSITY_POINTS`] points from `lo` to `hi`.
fn curve(bins: &[f64], lo: f64, hi: f64, step: f64, h: f64, w: f64) -> (Vec<f64>, Vec<f64>) {
    let norm = 1.0 / (w * h * (2.0 * std::f64::consts::PI).sqrt());
    let xs: Vec<f64> = (0..DENSITY_POINTS)
        .map(|i| lo + (hi - lo) * i as f64 / (DENSITY_POINTS - 1) as f64)
        .collect();
    let ys = xs
        .iter()
        .map(|&x| {
            let mut s = 0.0;
            for (k, &b) in bins.iter().enumerate() {
                if b != 0.0 {
                    let z = (x - (lo + k as f64 * step)) / h;
                    s += b * (-0.5 * z * z).exp();
                }
            }
            s * norm
        })
        .collect();
    (xs, ys)
}

/// One model's size in a group of the sizes view: parameters, their log10, and the model's weight
/// (its downloads, or 1 for a count).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WeightedSize {
    pub size: f64,
    pub log_size: f64,
    pub weight: f64,
}

/// [`summarize_sorted`] of the pairs `(size, weight)` and [`density`] of the pairs
/// `(log_size, weight)` of `sorted` (sizes ascending along it): the same numbers, digit for
/// digit, as those two functions give, in four passes over `sorted` instead of about fifteen.
/// Each sum adds the same terms in the same order; a weighted quantile's place depends on the
/// weights only, so one walk finds the three quartiles for the sizes and their logarithms alike.
/// Empty → n 0, nulls and an empty curve.
pub fn summary_and_density(sorted: &[WeightedSize]) -> (Summary, Vec<f64>, Vec<f64>) {
    // Pass 1: the sums.
    let (mut weight, mut positive, mut weighted_size, mut squares, mut weighted_log) =
        (0.0, -0.0, -0.0, -0.0, -0.0);
    for x in sorted {
        let w = x.weight;
        weight += w;
        positive += w.max(0.0);
        weighted_size += x.size * w;
        squares += w * w;
        weighted_log += x.log_size * w;
    }
    // Pass 2: the places of the quartiles (inverted CDF, as `weighted_quantile_sorted`).
    let quartiles = quantile_places(sorted, positive, [0.25, 0.5, 0.75]);
    let at = |place: Option<usize>| place.and_then(|i| sorted.get(i));
    let summary = Summary {
        n: sorted.len(),
        weight,
        mean: (weight > 0.0).then(|| weighted_size / weight),
        median: at(quartiles[1]).map(|x| x.size),
        q25: at(quartiles[0]).map(|x| x.size),
        q75: at(quartiles[2]).map(|x| x.size),
    };
    // The bandwidth, as `silverman_bandwidth` (whose total weight is the plain sum).
    let w = weight;
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return (summary, Vec::new(), Vec::new());
    };
    if w.is_nan() || w <= 0.0 {
        return (summary, Vec::new(), Vec::new());
    }
    let (Some(q25), Some(q75)) = (at(quartiles[0]), at(quartiles[2])) else {
        return (summary, Vec::new(), Vec::new());
    };
    let mean = weighted_log / w;
    // Pass 3: the variance about the mean.
    let mut spread_sum = -0.0;
    for x in sorted {
        let d = x.log_size - mean;
        spread_sum += x.weight * d * d;
    }
    let h = silverman(spread_sum / w, q75.log_size - q25.log_size, w * w / squares);
    // Pass 4: the binning, then the curve (as `density`).
    let (lo, hi) = (first.log_size - 3.0 * h, last.log_size + 3.0 * h);
    let step = (hi - lo) / (BINS - 1) as f64;
    let mut bins = vec![0.0; BINS];
    for x in sorted {
        bin_linearly(&mut bins, x.log_size, x.weight, lo, step);
    }
    let (xs, ys) = curve(&bins, lo, hi, step, h, w);
    (summary, xs, ys)
}

/// The places in `sorted` of the weighted quantiles `qs` (ascending) when the positive weights
/// add up to `total`: what [`weighted_quantile_sorted`] returns the value of, for each q in one
/// walk. `None` when `total` is not positive.
fn quantile_places<const N: usize>(sorted: &[WeightedSize], total: f64, qs: [f64; N]) -> [Option<usize>; N] {
    let mut places = [None; N];
    if total.is_nan() || total <= 0.0 {
        return places;
    }
    let targets = qs.map(|q| q.clamp(0.0, 1.0) * total);
    let (mut cumulative, mut last, mut next) = (0.0, None, 0);
    for (i, w) in sorted.iter().map(|x| x.weight).enumerate() {
        if w <= 0.0 {
            continue;
        }
        cumulative += w;
        last = Some(i);
        while next < N && cumulative >= targets[next] {
            places[next] = Some(i);
            next += 1;
        }
        if next == N {
            return places;
        }
    }
    // Rounding left a target out of reach: the last positive weight, as the single walk gives.
    for p in places.iter_mut().skip(next) {
        *p = last;
    }
    places
}

/// One (download year, model) pair of [`SizePairs`]: where the model's rows of that year are.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct SizePair {
    /// The pair's place in the order of year and size.
    slot: u32,
    /// The pair's first row: an index into the rows the pairs were made from.
    first_row: u32,
    /// The pair's rows.
    rows: u16,
    /// The week of the pair's last row minus that of its first (`rows − 1` when the weeks are
    /// consecutive).
    span: u16,
    /// The model's creation week minus the week of the pair's first row; [`NO_WEEK`] for a
    /// model without a creation week.
    creation_offset: i32,
    /// The downloads of all the pair's rows.
    total: u64,
}

/// The sum of `downloads`.
fn sum_of(downloads: &[u32]) -> u64 {
    downloads.iter().map(|&d| d as u64).sum()
}

/// The (download year, model) pairs of the sizes view, for one population filter and week range:
/// for every kept model and download year with downloads, where that model's rows of that year
/// are, and the pair's place in the order of year and then of size.
///
/// The view's downloaded summaries need, per year, each model's downloads that count in that year,
/// in the order of size. Summing them model by model and sorting the (model, year) weights by size
/// on every window change took most of the view's time (at 1 M models ≈ 280 k models' rows, then a
/// sort of ≈ 370 k weights). A window only drops rows from a pair, so the pairs with rows under no
/// window, placed once, hold those of every window. [`SizePairs::for_each_count`] sums each pair's
/// counted rows (a run found from the creation week, without reading the weeks when they are
/// consecutive) in the order of the rows, puts the sum in the pair's place, and reads the places
/// in order. Summing the pairs in order of size instead jumps to a new model's rows at every pair:
/// that pass alone took 31–33 ms at 1 M models natively, against about 40 for the row pass and the
/// sort it replaced. The counts are whole numbers, so the weights are the same, bit for bit, as
/// those summed model by model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SizePairs {
    /// The pairs in order of their rows.
    pairs: Vec<SizePair>,
    /// The places of group `g` are `group_starts[g]..group_starts[g + 1]`: one group per year,
    /// then one for the models of unknown size.
    group_starts: Vec<usize>,
    /// The size and its log10 of the model of each place (what the summaries read: looking them
    /// up by rank in tables of every model's would read far more memory). Shared by the pairs
    /// that [`SizePairs::of_kept`] takes from those of every model, which keep their places.
    sizes: Rc<Vec<(f64, f64)>>,
    /// The pairs (entries) in each group: an upper bound of the weights it gives.
    group_pairs: Vec<usize>,
}

/// One model for [`SizePairs::build`]: its index into the rows, its place in the order of size
/// (`None`: unknown size) and its creation week ([`NO_WEEK`] when unknown).
#[derive(Clone, Copy, Debug)]
pub struct SizedModel {
    pub model: usize,
    pub rank: Option<u32>,
    pub created_week: i32,
}

/// The year (period) of a week: `period_of[week − first_week]` when below `years`.
struct YearOf<'a> {
    first_week: i32,
    period_of: &'a [u32],
    years: usize,
}

impl YearOf<'_> {
    fn of(&self, w: u16) -> Option<usize> {
        usize::try_from(w as i64 - self.first_week as i64)
            .ok()
            .and_then(|k| self.period_of.get(k))
            .map(|&p| p as usize)
            .filter(|&p| p < self.years)
    }
}

/// Pushes onto `pairs` the pairs of `model`'s rows of the weeks `from..=to`, one per year with
/// downloads (entries of at most `u16::MAX` rows), each entry's `slot` the key that
/// `new_key(group)` returns for its pair (group: the year, or `years` for a model of unknown
/// size).
fn push_pairs_of_model(
    rows: &Rows,
    model: SizedModel,
    (from, to): (i32, i32),
    year_of: &YearOf,
    pairs: &mut Vec<SizePair>,
    mut new_key: impl FnMut(usize) -> u32,
) {
    let (a, b) = rows.range(model.model);
    let (weeks, downloads) = rows.slice(a, b);
    let start = weeks.partition_point(|&w| (w as i32) < from);
    let end = weeks.partition_point(|&w| (w as i32) <= to);
    let mut i = start;
    while i < end {
        let Some(year) = weeks.get(i).and_then(|&w| year_of.of(w)) else {
            i += 1; // a week outside the years
            continue;
        };
        let mut j = i + 1;
        while j < end && weeks.get(j).and_then(|&w| year_of.of(w)) == Some(year) {
            j += 1;
        }
        if downloads.get(i..j).map_or(0, sum_of) > 0 {
            let key = new_key(if model.rank.is_some() { year } else { year_of.years });
            // One entry per u16::MAX rows (a year's rows always fit in one, with one row per
            // week): the entries of a pair add up.
            let mut k = i;
            while k < j {
                let first = weeks.get(k).copied().unwrap_or(0);
                let run = (j - k).min(u16::MAX as usize);
                let last = weeks.get(k + run - 1).copied().unwrap_or(first);
                pairs.push(SizePair {
                    slot: key, // the pair, until placed
                    first_row: (a + k) as u32,
                    rows: run as u16,
                    span: last - first,
                    creation_offset: match model.created_week {
                        NO_WEEK => NO_WEEK,
                        c => c.saturating_sub(first as i32),
                    },
                    total: downloads.get(k..k + run).map_or(0, sum_of),
                });
                k += run;
            }
        }
        i = j;
    }
}

impl SizePairs {
    /// The pairs of `models` (ascending, each once): their rows of the weeks `from..=to`, by
    /// year (`period_of[week − first_week]`, `years` of them; rows of weeks outside it are left
    /// out). A pair whose rows add up to 0 is left out: no window gives it downloads. A model of
    /// rank r has `size_by_rank[r]` parameters, of log10 `log_size_by_rank[r]` (NaN past their
    /// ends).
    pub fn build(
        rows: &Rows,
        models: impl Iterator<Item = SizedModel>,
        (size_by_rank, log_size_by_rank): (&[f64], &[f64]),
        (from, to): (i32, i32),
        first_week: i32,
        period_of: &[u32],
        years: usize,
    ) -> SizePairs {
        let year_of = YearOf {
            first_week,
            period_of,
            years,
        };
        let mut pairs: Vec<SizePair> = Vec::new();
        // (group, rank, pair) of each pair, to place them.
        let mut keys: Vec<(u32, u32, u32)> = Vec::new();
        for model in models {
            let rank = model.rank.unwrap_or(u32::MAX);
            push_pairs_of_model(rows, model, (from, to), &year_of, &mut pairs, |group| {
                keys.push((group as u32, rank, keys.len() as u32));
                (keys.len() - 1) as u32
            });
        }
        // In order of group, then of rank: each model has one pair per group, so the order is
        // total but among the models of unknown size, whose order does not matter.
        keys.sort_unstable();
        let mut group_starts = vec![0; years + 2];
        let mut sizes = Vec::with_capacity(keys.len());
        let at = |table: &[f64], r: u32| table.get(r as usize).copied().unwrap_or(f64::NAN);
        let mut slot_of_pair = vec![0u32; keys.len()];
        for (slot, &(group, rank, pair)) in keys.iter().enumerate() {
            if let Some(x) = group_starts.get_mut(group as usize + 1) {
                *x += 1;
            }
            if let Some(s) = slot_of_pair.get_mut(pair as usize) {
                *s = slot as u32;
            }
            sizes.push((at(size_by_rank, rank), at(log_size_by_rank, rank)));
        }
        for p in &mut pairs {
            p.slot = slot_of_pair.get(p.slot as usize).copied().unwrap_or(0);
        }
        for g in 1..group_starts.len() {
            group_starts[g] += group_starts[g - 1];
        }
        SizePairs::new(pairs, group_starts, sizes)
    }

    /// Pairs with their places, the first place of each group (and the end of the last), and
    /// the sizes of the places.
    fn new(pairs: Vec<SizePair>, group_starts: Vec<usize>, sizes: Vec<(f64, f64)>) -> SizePairs {
        let mut pairs = SizePairs {
            pairs,
            group_starts,
            sizes: Rc::new(sizes),
            group_pairs: Vec::new(),
        };
        pairs.count_group_pairs();
        pairs
    }

    fn count_group_pairs(&mut self) {
        let mut group_pairs = vec![0; self.group_starts.len().saturating_sub(1)];
        for p in &self.pairs {
            // The last group whose first place is at or before the pair's.
            let g = self
                .group_starts
                .partition_point(|&start| start <= p.slot as usize);
            if let Some(n) = g.checked_sub(1).and_then(|g| group_pairs.get_mut(g)) {
                *n += 1;
            }
        }
        self.group_pairs = group_pairs;
    }

    /// The years, i.e. the groups of models of known size (the group after them holds those of
    /// unknown size).
    pub fn years(&self) -> usize {
        self.group_starts.len().saturating_sub(2)
    }

    /// The pairs of each group (an upper bound of the weights [`SizePairs::for_each_count`] gives it).
    pub fn group_lengths(&self) -> impl Iterator<Item = usize> + '_ {
        self.group_pairs.iter().copied()
    }

    /// Calls `emit(group, (size, log10 size), downloads)` for each pair whose counted downloads
    /// are positive, in order of group and then of size (the size `None` in the last group, of
    /// unknown size).
    /// `window` `None` counts all the pair's rows; a window of L weeks counts those of weeks c to
    /// c + L − 1 of a model created in week c, and none of a model without a creation week.
    /// `rows` must be the rows the pairs were made from. No pairs: no call.
    pub fn for_each_count(
        &self,
        rows: &Rows,
        window: Option<u32>,
        mut emit: impl FnMut(usize, Option<(f64, f64)>, u64),
    ) {
        let mut counts = vec![0u64; self.sizes.len()];
        for p in &self.pairs {
            let (n, span) = (p.rows as usize, p.span as i64);
            let first = p.first_row as usize;
            let (a, b) = match window {
                None => (0, n),
                Some(_) if p.creation_offset == NO_WEEK => continue,
                Some(l) => {
                    // A row counts when its week lies creation_offset .. creation_offset + L
                    // weeks after the first row's (row j's is j weeks after when they are
                    // consecutive).
                    let (lo, hi) = (p.creation_offset as i64, p.creation_offset as i64 + l as i64);
                    if hi <= 0 || lo > span {
                        continue;
                    } else if lo <= 0 && hi > span {
                        (0, n)
                    } else if span + 1 == n as i64 {
                        (lo.clamp(0, n as i64) as usize, hi.clamp(0, n as i64) as usize)
                    } else {
                        let weeks = rows.weeks.get(first..first + n).unwrap_or(&[]);
                        let base = weeks.first().map_or(0, |&w| w as i64);
                        let offset = |w: &u16| *w as i64 - base;
                        (
                            weeks.partition_point(|w| offset(w) < lo),
                            weeks.partition_point(|w| offset(w) < hi),
                        )
                    }
                }
            };
            if a < b {
                // Whichever is shorter: the counted rows, or those left out of the total.
                let (Some(d), Some(c)) = (
                    rows.downloads.get(first..first + n),
                    counts.get_mut(p.slot as usize),
                ) else {
                    continue;
                };
                *c += if b - a == n {
                    p.total
                } else if 2 * (b - a) <= n {
                    d.get(a..b).map_or(0, sum_of)
                } else {
                    p.total
                        .saturating_sub(d.get(..a).map_or(0, sum_of) + d.get(b..).map_or(0, sum_of))
                };
            }
        }
        let known = self.years();
        for (group, bounds) in self.group_starts.windows(2).enumerate() {
            let (Some(counts), Some(sizes)) = (
                counts.get(bounds[0]..bounds[1]),
                self.sizes.get(bounds[0]..bounds[1]),
            ) else {
                continue;
            };
            for (&count, &size) in counts.iter().zip(sizes) {
                if count > 0 {
                    emit(group, (group < known).then_some(size), count);
                }
            }
        }
    }
}

/// The pairs of every model ([`SizePairs`] of all of them), and where each model's are: what
/// [`SizePairs::of_kept`] takes any population filter's pairs from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllSizePairs {
    pairs: SizePairs,
    /// The pairs of model `m` are `pairs.pairs[first_pair[m]..first_pair[m + 1]]`.
    first_pair: Vec<u32>,
}

impl SizePairs {
    /// The pairs of the models `kept` keeps, from those of every model: a model's pairs as they
    /// are, so [`SizePairs::for_each_count`] gives what it gives for [`SizePairs::build`] of those
    /// models, without reading their rows or sorting. The places stay those of every model (the
    /// others' count nothing): numbering them afresh would visit them in an order unrelated to
    /// the models', which took 37 ms at 1 M models natively, against a few for this copy.
    pub fn of_kept(all: &AllSizePairs, kept: impl Fn(usize) -> bool) -> SizePairs {
        let mut pairs = Vec::new();
        for (m, bounds) in all.first_pair.windows(2).enumerate() {
            if kept(m) {
                if let Some(p) = all.pairs.pairs.get(bounds[0] as usize..bounds[1] as usize) {
                    pairs.extend_from_slice(p);
                }
            }
        }
        let mut kept_pairs = SizePairs {
            pairs,
            group_starts: all.pairs.group_starts.clone(),
            sizes: all.pairs.sizes.clone(),
            group_pairs: Vec::new(),
        };
        kept_pairs.count_group_pairs();
        kept_pairs
    }
}

/// Where [`SizePairsBuild`] is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PairsStage {
    /// Reading the rows of model `next`.
    Rows(usize),
    /// Placing the pairs of the model of size rank `next`.
    Sized(usize),
    /// Placing the pairs of the models of unknown size, from model `next`.
    Unsized(usize),
}

/// [`AllSizePairs`] made a slice at a time, for a page that must stay responsive (at 1 M models
/// the pairs of every model take a pass over all ≈ 27 M rows). The rows are read model by model,
/// as [`SizePairs::build`] does; the pairs are then placed in the order of year and size without
/// a sort: visiting the models in order of size, each takes the next place of each of its years.
pub struct SizePairsBuild {
    from: i32,
    to: i32,
    first_week: i32,
    period_of: Vec<u32>,
    years: usize,
    stage: PairsStage,
    pairs: Vec<SizePair>,
    /// The group of each key (pair), and the first key and first pair (entry) of each model read.
    key_groups: Vec<u32>,
    first_key: Vec<u32>,
    first_pair: Vec<u32>,
    /// The next place of each group, the place of each key, and the size of each place.
    next_slot: Vec<u32>,
    slot_of_key: Vec<u32>,
    sizes: Vec<(f64, f64)>,
}

/// Every model's size rank ([`NO_SIZE`]: unknown), the model of each
/// rank, the sizes and their log10 by rank, and each model's creation week ([`NO_WEEK`]).
pub struct SizeRanks<'a> {
    pub rank_of_model: &'a [u32],
    pub model_of_rank: &'a [u32],
    pub size_by_rank: &'a [f64],
    pub log_size_by_rank: &'a [f64],
    pub created_weeks: &'a [i32],
}

impl SizePairsBuild {
    /// A build of the pairs of the weeks `from..=to` by year (`period_of[week − first_week]`,
    /// `years` of them), as [`SizePairs::build`] takes them.
    pub fn new(range: (i32, i32), first_week: i32, period_of: Vec<u32>, years: usize) -> SizePairsBuild {
        SizePairsBuild {
            from: range.0,
            to: range.1,
            first_week,
            period_of,
            years,
            stage: PairsStage::Rows(0),
            pairs: Vec::new(),
            key_groups: Vec::new(),
            first_key: Vec::new(),
            first_pair: Vec::new(),
            next_slot: Vec::new(),
            slot_of_key: Vec::new(),
            sizes: Vec::new(),
        }
    }

    /// Reads the rows of `budget` models, or places their pairs (at least one model); the pairs
    /// of every model of `rows` once all is done, else `None`.
    pub fn step(&mut self, rows: &Rows, ranks: &SizeRanks, budget: usize) -> Option<AllSizePairs> {
        let n = rows.models();
        let budget = budget.max(1);
        match self.stage {
            PairsStage::Rows(next) => {
                let year_of = YearOf {
                    first_week: self.first_week,
                    period_of: &self.period_of,
                    years: self.years,
                };
                let end = next.saturating_add(budget).min(n);
                for m in next..end {
                    self.first_key.push(self.key_groups.len() as u32);
                    self.first_pair.push(self.pairs.len() as u32);
                    let rank = ranks.rank_of_model.get(m).copied().unwrap_or(NO_SIZE);
                    let model = SizedModel {
                        model: m,
                        rank: Some(rank).filter(|&r| r != NO_SIZE),
                        created_week: ranks.created_weeks.get(m).copied().unwrap_or(NO_WEEK),
                    };
                    let key_groups = &mut self.key_groups;
                    push_pairs_of_model(
                        rows,
                        model,
                        (self.from, self.to),
                        &year_of,
                        &mut self.pairs,
                        |g| {
                            key_groups.push(g as u32);
                            (key_groups.len() - 1) as u32
                        },
                    );
                }
                self.stage = PairsStage::Rows(end);
                if end == n {
                    self.first_key.push(self.key_groups.len() as u32);
                    self.first_pair.push(self.pairs.len() as u32);
                    // Each group's first place: the keys of the groups before it.
                    let mut counts = vec![0u32; self.years + 1];
                    for &g in &self.key_groups {
                        if let Some(c) = counts.get_mut(g as usize) {
                            *c += 1;
                        }
                    }
                    let mut start = 0;
                    self.next_slot = counts
                        .iter()
                        .map(|&c| {
                            start += c;
                            start - c
                        })
                        .collect();
                    let keys = self.key_groups.len();
                    self.slot_of_key = vec![0; keys];
                    self.sizes = vec![(f64::NAN, f64::NAN); keys];
                    self.stage = PairsStage::Sized(0);
                }
                None
            }
            PairsStage::Sized(next) => {
                let end = next.saturating_add(budget).min(ranks.model_of_rank.len());
                for r in next..end {
                    let m = ranks.model_of_rank.get(r).copied().unwrap_or(u32::MAX);
                    let size = (
                        ranks.size_by_rank.get(r).copied().unwrap_or(f64::NAN),
                        ranks.log_size_by_rank.get(r).copied().unwrap_or(f64::NAN),
                    );
                    self.place(m, size);
                }
                self.stage = if end == ranks.model_of_rank.len() {
                    PairsStage::Unsized(0)
                } else {
                    PairsStage::Sized(end)
                };
                None
            }
            PairsStage::Unsized(next) => {
                let end = next.saturating_add(budget).min(n);
                for m in next..end {
                    if ranks.rank_of_model.get(m).copied().unwrap_or(NO_SIZE) == NO_SIZE {
                        self.place(m as u32, (f64::NAN, f64::NAN));
                    }
                }
                self.stage = PairsStage::Unsized(end);
                if end < n {
                    return None;
                }
                let mut pairs = std::mem::take(&mut self.pairs);
                for p in &mut pairs {
                    p.slot = self.slot_of_key.get(p.slot as usize).copied().unwrap_or(0);
                }
                let mut group_starts = vec![0; self.years + 2];
                for (g, &next) in self.next_slot.iter().enumerate() {
                    // After placing, each group's next place is the next group's first.
                    if let Some(x) = group_starts.get_mut(g + 1) {
                        *x = next as usize;
                    }
                }
                Some(AllSizePairs {
                    pairs: SizePairs::new(pairs, group_starts, std::mem::take(&mut self.sizes)),
                    first_pair: std::mem::take(&mut self.first_pair),
                })
            }
        }
    }

    /// Gives each key of model `m` the next place of its group, of size `size`.
    fn place(&mut self, m: u32, size: (f64, f64)) {
        let (Some(&a), Some(&b)) = (self.first_key.get(m as usize), self.first_key.get(m as usize + 1))
        else {
            return;
        };
        for k in a as usize..b as usize {
            let g = self.key_groups.get(k).copied().unwrap_or(0) as usize;
            let Some(slot) = self.next_slot.get_mut(g) else {
                continue;
            };
            let s = *slot as usize;
            *slot += 1;
            if let Some(x) = self.slot_of_key.get_mut(k) {
                *x = s as u32;
            }
            if let Some(x) = self.sizes.get_mut(s) {
                *x = size;
            }
        }
    }
}

/// The size rank of a model of unknown size.
pub const NO_SIZE: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes by rank for the tests of [`SizePairs`]: the model of rank r has 100 + r parameters.
    const SIZE_BY_RANK: [f64; 4] = [100.0, 101.0, 102.0, 103.0];

    /// `(group, rank, downloads)` of every pair that counts under `window`, in the order given,
    /// the rank read back from the size (with [`SIZE_BY_RANK`]; its log10 checked).
    fn counts(pairs: &SizePairs, rows: &Rows, window: Option<u32>) -> Vec<(usize, Option<u32>, u64)> {
        let mut got = Vec::new();
        pairs.for_each_count(rows, window, |g, size, v| {
            let rank = size.map(|(x, log)| {
                assert_eq!(log, x.log10());
                (x - 100.0) as u32
            });
            got.push((g, rank, v))
        });
        got
    }

    /// The rows of the hand examples: six models (see `size_pairs_by_hand`).
    fn hand_rows() -> Rows<'static> {
        Rows {
            offsets: &[0, 5, 9, 11, 13, 15, 16],
            weeks: &[10, 11, 12, 20, 21, 8, 9, 13, 16, 12, 17, 6, 7, 3, 30, 10],
            downloads: &[1, 2, 3, 4, 5, 10, 0, 20, 40, 7, 8, 0, 0, 100, 200, 1000],
        }
    }

    /// Weeks 5–14 are year 0 and 15–29 year 1.
    fn hand_period_of() -> Vec<u32> {
        (5..30).map(|w| u32::from(w >= 15)).collect()
    }

    #[test]
    fn size_pairs_by_hand() {
        // Weeks 5–14 are year 0 and 15–29 year 1; the range is weeks 4–29.
        //   model 0 (rank 2, created week 10): weeks 10 11 12 | 20 21 with 1 2 3 | 4 5;
        //   model 1 (rank 0, created 9): weeks 8 9 13 | 16 with 10 0 20 | 40 (a row before
        //     creation, and a gap);
        //   model 2 (unknown size, no creation week): weeks 12 | 17 with 7 | 8;
        //   model 3 (rank 1, created 6): weeks 6 7 with 0 0 (no pair);
        //   model 4 (rank 3, created 3): weeks 3 and 30, outside the range and the years;
        //   model 5 is not kept.
        let (rows, period_of) = (hand_rows(), hand_period_of());
        let logs = SIZE_BY_RANK.map(f64::log10);
        let tables = (&SIZE_BY_RANK[..], &logs[..]);
        let model = |model, rank, created_week| SizedModel {
            model,
            rank,
            created_week,
        };
        let models = [
            model(0, Some(2), 10),
            model(1, Some(0), 9),
            model(2, None, NO_WEEK),
            model(3, Some(1), 6),
            model(4, Some(3), 3),
        ];
        let pairs = SizePairs::build(&rows, models.into_iter(), tables, (4, 29), 5, &period_of, 2);
        assert_eq!(pairs.years(), 2);
        assert_eq!(pairs.group_lengths().collect::<Vec<_>>(), [2, 2, 2]);
        // No window: every row; in order of year, then of rank; unknown sizes last.
        assert_eq!(
            counts(&pairs, &rows, None),
            [
                (0, Some(0), 30),
                (0, Some(2), 6),
                (1, Some(0), 40),
                (1, Some(2), 9),
                (2, None, 7),
                (2, None, 8)
            ]
        );
        // 2 weeks: model 0 weeks 10–11 (1 + 2); model 1 weeks 9–10, which only has a 0.
        assert_eq!(counts(&pairs, &rows, Some(2)), [(0, Some(2), 3)]);
        // 5 weeks: model 0 weeks 10–14 (6); model 1 weeks 9–13 (0 + 20, across the gap).
        assert_eq!(
            counts(&pairs, &rows, Some(5)),
            [(0, Some(0), 20), (0, Some(2), 6)]
        );
        // 11 weeks: model 0 weeks 10–20 (6 | 4); model 1 weeks 9–19 (20 | 40).
        assert_eq!(
            counts(&pairs, &rows, Some(11)),
            [
                (0, Some(0), 20),
                (0, Some(2), 6),
                (1, Some(0), 40),
                (1, Some(2), 4)
            ]
        );
        // 12 weeks: model 0 weeks 10–21, all its rows (6 | 9).
        assert_eq!(
            counts(&pairs, &rows, Some(12)),
            [
                (0, Some(0), 20),
                (0, Some(2), 6),
                (1, Some(0), 40),
                (1, Some(2), 9)
            ]
        );
        assert_eq!(counts(&pairs, &rows, Some(0)), []);
        // A range that leaves out weeks 4–9 and 21–29: model 1's first pair starts at week 13.
        let pairs = SizePairs::build(&rows, models.into_iter(), tables, (10, 20), 5, &period_of, 2);
        assert_eq!(
            counts(&pairs, &rows, None),
            [
                (0, Some(0), 20),
                (0, Some(2), 6),
                (1, Some(0), 40),
                (1, Some(2), 4),
                (2, None, 7),
                (2, None, 8)
            ]
        );
        assert_eq!(
            counts(&pairs, &rows, Some(5)),
            [(0, Some(0), 20), (0, Some(2), 6)]
        );
        // No models, or no years: no pairs.
        let none = SizePairs::build(&rows, std::iter::empty(), tables, (4, 29), 5, &period_of, 2);
        assert_eq!(counts(&none, &rows, None), []);
        let none = SizePairs::build(&rows, models.into_iter(), tables, (4, 29), 5, &[], 0);
        assert_eq!(counts(&none, &rows, None), []);
    }

    /// The pairs of every model of `rows`, made by [`SizePairsBuild`] `budget` models a slice;
    /// how many slices it took.
    fn all_pairs_in_slices(
        rows: &Rows,
        ranks: &SizeRanks,
        range: (i32, i32),
        period_of: &[u32],
        years: usize,
        budget: usize,
    ) -> (AllSizePairs, usize) {
        let mut build = SizePairsBuild::new(range, 5, period_of.to_vec(), years);
        for slices in 1.. {
            if let Some(all) = build.step(rows, ranks, budget) {
                return (all, slices);
            }
        }
        unreachable!()
    }

    /// `pairs` as text, where every float reads back to its bits and a NaN (an unknown
    /// size) equals a NaN, unlike `==`.
    fn text(pairs: &SizePairs) -> String {
        format!("{pairs:?}")
    }

    #[test]
    fn pairs_of_every_model_give_those_of_any_kept_models() {
        // The rows of `size_pairs_by_hand`, model 5 now of rank 4 (created in week 10).
        let (rows, period_of) = (hand_rows(), hand_period_of());
        let sizes = [100.0, 101.0, 102.0, 103.0, 104.0];
        let logs = sizes.map(f64::log10);
        let rank_of_model = [2, 0, NO_SIZE, 1, 3, 4];
        let created_weeks = [10, 9, NO_WEEK, 6, 3, 10];
        let ranks = SizeRanks {
            rank_of_model: &rank_of_model,
            model_of_rank: &[1, 3, 0, 4, 5],
            size_by_rank: &sizes,
            log_size_by_rank: &logs,
            created_weeks: &created_weeks,
        };
        let sized = |m: usize| SizedModel {
            model: m,
            rank: Some(rank_of_model[m]).filter(|&r| r != NO_SIZE),
            created_week: created_weeks[m],
        };
        let built = |kept: &dyn Fn(usize) -> bool, range| {
            let models = (0..6).filter(|&m| kept(m)).map(sized);
            SizePairs::build(&rows, models, (&sizes, &logs), range, 5, &period_of, 2)
        };
        for range in [(4, 29), (10, 20)] {
            // 1, 2 and 6 models a slice: the rows of the 6 models, the pairs of the 5 of known size,
            // then those of unknown size.
            let (all, slices) = all_pairs_in_slices(&rows, &ranks, range, &period_of, 2, 1);
            assert_eq!(slices, 6 + 5 + 6);
            assert_eq!(text(&all.pairs), text(&built(&|_| true, range)));
            assert_eq!(
                all_pairs_in_slices(&rows, &ranks, range, &period_of, 2, 2).1,
                3 + 3 + 3
            );
            let (at_once, slices) = all_pairs_in_slices(&rows, &ranks, range, &period_of, 2, 6);
            assert_eq!(
                (text(&at_once.pairs), &at_once.first_pair, slices),
                (text(&all.pairs), &all.first_pair, 3)
            );
            // Model 5 has one pair (1000 downloads in week 10, year 0), placed after model 0's,
            // its rank being higher; then the unknown size's (model 2).
            let counted: Vec<_> = {
                let mut got = Vec::new();
                all.pairs
                    .for_each_count(&rows, None, |g, size, v| got.push((g, size.map(|x| x.0), v)));
                got
            };
            assert_eq!(counted[2], (0, Some(104.0), 1000));
            // Every subset of the six models, under windows that count all, some or none of their
            // rows; an upper bound of the weights of each group.
            for subset in 0..64u32 {
                let kept = |m: usize| subset & (1 << m) != 0;
                let (taken, made) = (SizePairs::of_kept(&all, kept), built(&kept, range));
                for window in [None, Some(0), Some(1), Some(2), Some(5), Some(11), Some(12)] {
                    assert_eq!(
                        counts(&taken, &rows, window),
                        counts(&made, &rows, window),
                        "{subset:06b} {range:?}"
                    );
                }
                let weights = counts(&taken, &rows, None);
                for (g, bound) in taken.group_lengths().enumerate() {
                    assert!(weights.iter().filter(|w| w.0 == g).count() <= bound);
                }
            }
        }
        // No models: no pairs (a slice for the rows, then 5 placing the sizes of no model's pairs).
        let none = Rows {
            offsets: &[0],
            weeks: &[],
            downloads: &[],
        };
        let (all, slices) = all_pairs_in_slices(&none, &ranks, (4, 29), &period_of, 2, 1);
        assert_eq!(slices, 1 + 5 + 1);
        let built = SizePairs::build(
            &none,
            std::iter::empty(),
            (&sizes, &logs),
            (4, 29),
            5,
            &period_of,
            2,
        );
        assert_eq!(text(&all.pairs), text(&built));
    }

    #[test]
    fn a_pair_of_more_rows_than_its_fields_hold_counts_whole() {
        // One period over every week, and a model with a row in each: 65 536 rows, one more than
        // a u16 counts, held as two entries, whose counts add up. Its downloads: 1 in week 0, 2
        // in week 1, 4 in week 65 535, none in the others.
        let offsets = [0, 1 << 16];
        let weeks: Vec<u16> = (0..=u16::MAX).collect();
        let mut downloads = vec![0; 1 << 16];
        (downloads[0], downloads[1], downloads[65_535]) = (1, 2, 4);
        let rows = Rows {
            offsets: &offsets,
            weeks: &weeks,
            downloads: &downloads,
        };
        let period_of = vec![0; 1 << 16];
        let logs = SIZE_BY_RANK.map(f64::log10);
        let tables = (&SIZE_BY_RANK[..], &logs[..]);
        let model = SizedModel {
            model: 0,
            rank: Some(0),
            created_week: 0,
        };
        let pairs = SizePairs::build(
            &rows,
            std::iter::once(model),
            tables,
            (0, 1 << 16),
            0,
            &period_of,
            1,
        );
        assert_eq!(counts(&pairs, &rows, None), [(0, Some(0), 7)]);
        assert_eq!(counts(&pairs, &rows, Some(2)), [(0, Some(0), 3)]);
        assert_eq!(counts(&pairs, &rows, Some(1 << 16)), [(0, Some(0), 7)]);
    }

    #[test]
    fn weighted_quantiles_by_hand() {
        // Values 1, 2, 3, 4 with weights 1, 1, 1, 5 (total 8): cumulative 1, 2, 3, 8.
        // q25 → target 2 → value 2; median → 4 → value 4; weighted mean = (1+2+3+20)/8 = 3.25.
        let mut p = vec![(4.0, 5.0), (1.0, 1.0), (3.0, 1.0), (2.0, 1.0)];
        let s = summarize(&mut p);
        assert_eq!(s.n, 4);
        assert_eq!(s.q25, Some(2.0));
        assert_eq!(s.median, Some(4.0));
        assert_eq!(s.q75, Some(4.0));
        assert_eq!(s.mean, Some(3.25));
        // Unit weights, even count: lower middle (inverted CDF).
        let mut p = vec![(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)];
        assert_eq!(summarize(&mut p).median, Some(2.0));
        let mut empty = vec![(f64::NAN, 1.0), (2.0, 0.0)];
        let s = summarize(&mut empty);
        assert_eq!((s.n, s.mean, s.median), (0, None, None));
    }

    #[test]
    fn ransac_recovers_a_line_despite_outliers() {
        // y = 0.5 + 1.0·x exactly for 90 points; 10 gross outliers (+3). RANSAC must ignore them.
        let x: Vec<f64> = (0..100).map(|i| 6.0 + i as f64 * 0.05).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, a)| 0.5 + a + if i % 10 == 3 { 3.0 } else { 0.0 })
            .collect();
        let e = fit_ransac(&x, &y, 7).unwrap();
        assert!(
            (e.slope - 1.0).abs() < 1e-9 && (e.intercept - 0.5).abs() < 1e-9,
            "{e:?}"
        );
        assert_eq!((e.train, e.validation), (80, 20));
        // Every exact point of the training part is an inlier, no outlier is (they sit 3 above).
        assert!((70..=80).contains(&e.inliers), "{}", e.inliers);
        // 10^(0.5 + log10(1e9)) = 10^9.5.
        assert!((e.estimate(1e9).unwrap() / 10f64.powf(9.5) - 1.0).abs() < 1e-9);
        assert_eq!(e.estimate(0.0), None);
        assert!(fit_ransac(&x[..5], &y[..5], 7).is_none());
    }

    #[test]
    fn least_squares_and_r2_by_hand() {
        // (0,1), (1,3), (2,5): y = 1 + 2x exactly, R² = 1.
        let (a, b) = least_squares(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]).unwrap();
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
        assert_eq!(r_squared(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0], a, b), Some(1.0));
        // Line y = 3 on (0,1), (1,3), (2,5): SS_res = 4 + 0 + 4 = 8, SS_tot = 8 → R² = 0.
        assert_eq!(r_squared(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0], 3.0, 0.0), Some(0.0));
        assert_eq!(least_squares(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    /// The fused pass gives what the separate functions give, digit for digit: on generated
    /// groups (download-like weights, unit weights, ties of size, one pair, no pair) and on ranks
    /// outside the table.
    #[test]
    fn summary_and_density_equal_the_separate_functions() {
        let mut rng = Rng::new(11);
        let sizes: Vec<f64> = {
            let mut v: Vec<f64> = (0..500).map(|_| 10f64.powf(6.0 + 5.0 * rng.f64())).collect();
            v[100] = v[99]; // a tie
            v.sort_by(f64::total_cmp);
            v
        };
        let logs: Vec<f64> = sizes.iter().map(|x| x.log10()).collect();
        for case in 0..40 {
            let n = match case {
                0 => 0,
                1 => 1,
                _ => 1 + rng.below(400) as usize,
            };
            let mut ranks: Vec<u32> = (0..n)
                .map(|_| rng.below(if case == 2 { 520 } else { 500 }) as u32)
                .collect();
            ranks.sort_unstable();
            ranks.dedup();
            let ranked: Vec<(u32, f64)> = ranks
                .iter()
                .map(|&r| {
                    (
                        r,
                        if case % 3 == 0 {
                            1.0
                        } else {
                            (1.0 + rng.below(100_000) as f64).floor()
                        },
                    )
                })
                .collect();
            let at = |t: &[f64], r: u32| t.get(r as usize).copied().unwrap_or(f64::NAN);
            let pairs: Vec<(f64, f64)> = ranked.iter().map(|&(r, w)| (at(&sizes, r), w)).collect();
            let log_pairs: Vec<(f64, f64)> = ranked.iter().map(|&(r, w)| (at(&logs, r), w)).collect();
            let sorted: Vec<WeightedSize> = ranked
                .iter()
                .map(|&(r, weight)| WeightedSize {
                    size: at(&sizes, r),
                    log_size: at(&logs, r),
                    weight,
                })
                .collect();
            let (summary, x, y) = summary_and_density(&sorted);
            let expected = summarize_sorted(&pairs);
            let bits = |v: Option<f64>| v.map(f64::to_bits);
            assert_eq!(
                (summary.n, summary.weight.to_bits()),
                (expected.n, expected.weight.to_bits()),
                "case {case}"
            );
            for (a, b) in [
                (summary.mean, expected.mean),
                (summary.median, expected.median),
                (summary.q25, expected.q25),
                (summary.q75, expected.q75),
            ] {
                assert_eq!(bits(a), bits(b), "case {case}: {summary:?} vs {expected:?}");
            }
            let (ex, ey) = density(&log_pairs);
            let all_bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                (all_bits(&x), all_bits(&y)),
                (all_bits(&ex), all_bits(&ey)),
                "case {case}"
            );
        }
    }

    #[test]
    fn density_integrates_to_one_and_peaks_at_the_data() {
        let mut p: Vec<(f64, f64)> = (0..50).map(|i| (9.0 + (i % 5) as f64 * 0.1, 1.0)).collect();
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (x, y) = density(&p);
        assert_eq!(x.len(), DENSITY_POINTS);
        let dx = x[1] - x[0];
        let area: f64 = y.iter().sum::<f64>() * dx;
        assert!((area - 1.0).abs() < 0.02, "{area}");
        let peak = x[y.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0];
        assert!((peak - 9.2).abs() < 0.2, "{peak}");
        assert_eq!(density(&[]), (vec![], vec![]));
        // One value: bandwidth falls back to 0.1.
        assert_eq!(silverman_bandwidth(&[(5.0, 2.0)]), Some(0.1));
    }
}
