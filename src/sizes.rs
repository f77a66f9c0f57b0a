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

/// [`summarize_sorted`] of the pairs `(sizes[r], w)` and [`density`] of the pairs
/// `(log_sizes[r], w)`, for `(r, w)` in `ranked` (sizes ascending along it): the same numbers,
/// digit for digit, as those two functions give, in four passes over `ranked` instead of about
/// fifteen. Each sum adds the same terms in the same order; a weighted quantile's place depends on
/// the weights only, so one walk finds the three quartiles for the sizes and their logarithms
/// alike. A rank outside `sizes` reads as NaN. Empty → n 0, nulls and an empty curve.
pub fn summary_and_density(
    ranked: &[(u32, f64)],
    sizes: &[f64],
    log_sizes: &[f64],
) -> (Summary, Vec<f64>, Vec<f64>) {
    let at = |table: &[f64], r: u32| table.get(r as usize).copied().unwrap_or(f64::NAN);
    // Pass 1: the sums.
    let (mut weight, mut positive, mut weighted_size, mut squares, mut weighted_log) =
        (0.0, -0.0, -0.0, -0.0, -0.0);
    for &(r, w) in ranked {
        weight += w;
        positive += w.max(0.0);
        weighted_size += at(sizes, r) * w;
        squares += w * w;
        weighted_log += at(log_sizes, r) * w;
    }
    // Pass 2: the places of the quartiles (inverted CDF, as `weighted_quantile_sorted`).
    let quartiles = quantile_places(ranked, positive, [0.25, 0.5, 0.75]);
    let value =
        |table: &[f64], place: Option<usize>| place.and_then(|i| ranked.get(i)).map(|&(r, _)| at(table, r));
    let summary = Summary {
        n: ranked.len(),
        weight,
        mean: (weight > 0.0).then(|| weighted_size / weight),
        median: value(sizes, quartiles[1]),
        q25: value(sizes, quartiles[0]),
        q75: value(sizes, quartiles[2]),
    };
    // The bandwidth, as `silverman_bandwidth` (whose total weight is the plain sum).
    let w = weight;
    let (Some(&(first, _)), Some(&(last, _))) = (ranked.first(), ranked.last()) else {
        return (summary, Vec::new(), Vec::new());
    };
    if w.is_nan() || w <= 0.0 {
        return (summary, Vec::new(), Vec::new());
    }
    let (Some(q25), Some(q75)) = (value(log_sizes, quartiles[0]), value(log_sizes, quartiles[2])) else {
        return (summary, Vec::new(), Vec::new());
    };
    let mean = weighted_log / w;
    // Pass 3: the variance about the mean.
    let mut spread_sum = -0.0;
    for &(r, wt) in ranked {
        let d = at(log_sizes, r) - mean;
        spread_sum += wt * d * d;
    }
    let h = silverman(spread_sum / w, q75 - q25, w * w / squares);
    // Pass 4: the binning, then the curve (as `density`).
    let (lo, hi) = (at(log_sizes, first) - 3.0 * h, at(log_sizes, last) + 3.0 * h);
    let step = (hi - lo) / (BINS - 1) as f64;
    let mut bins = vec![0.0; BINS];
    for &(r, wt) in ranked {
        bin_linearly(&mut bins, at(log_sizes, r), wt, lo, step);
    }
    let (xs, ys) = curve(&bins, lo, hi, step, h, w);
    (summary, xs, ys)
}

/// The places in `ranked` of the weighted quantiles `qs` (ascending) when the positive weights
/// add up to `total`: what [`weighted_quantile_sorted`] returns the value of, for each q in one
/// walk. `None` when `total` is not positive.
fn quantile_places<const N: usize>(ranked: &[(u32, f64)], total: f64, qs: [f64; N]) -> [Option<usize>; N] {
    let mut places = [None; N];
    if total.is_nan() || total <= 0.0 {
        return places;
    }
    let targets = qs.map(|q| q.clamp(0.0, 1.0) * total);
    let (mut cumulative, mut last, mut next) = (0.0, None, 0);
    for (i, &(_, w)) in ranked.iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            let (summary, x, y) = summary_and_density(&ranked, &sizes, &logs);
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
