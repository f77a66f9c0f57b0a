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

/// Sorts ascending by `f64::total_cmp`. Non-negative floats order like their bit patterns, so
/// long slices of them go through an LSD radix sort (4 passes of 16 bits); anything else, and
/// short slices, through `sort_unstable_by`.
pub fn sort_ascending(values: &mut [f64]) {
    const RADIX_FROM: usize = 4096;
    if values.len() < RADIX_FROM || values.iter().any(|x| x.is_sign_negative() || x.is_nan()) {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values.iter().map(|x| x.to_bits()).collect();
    let mut buffer = vec![0u64; keys.len()];
    for pass in 0..4 {
        let shift = pass * 16;
        let mut counts = vec![0usize; 1 << 16];
        for &k in &keys {
            counts[((k >> shift) & 0xFFFF) as usize] += 1;
        }
        if counts.contains(&keys.len()) {
            continue; // every key has the same digit: nothing to move
        }
        let mut start = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = start;
            start += n;
        }
        for &k in &keys {
            let digit = ((k >> shift) & 0xFFFF) as usize;
            buffer[counts[digit]] = k;
            counts[digit] += 1;
        }
        std::mem::swap(&mut keys, &mut buffer);
    }
    for (v, k) in values.iter_mut().zip(keys) {
        *v = f64::from_bits(k);
    }
}

/// Every measure of one period's unit downloads; sorts `values` ascending in place.
pub fn measures(values: &mut [f64]) -> Measures {
    sort_ascending(values);
    let first_positive = values.partition_point(|x| x.is_nan() || *x <= 0.0);
    let positive = &values[first_positive..];
    // Folded from +0.0: an empty `sum` of floats is −0.0, which would print as "-0".
    let total: f64 = positive.iter().fold(0.0, |a, x| a + x);
    Measures {
        units: positive.len(),
        total,
        hhi: hhi(positive),
        gini: gini_sorted_ascending(positive),
        top1: top_share_sorted_ascending(positive, 1),
        top10: top_share_sorted_ascending(positive, 10),
        top100: top_share_sorted_ascending(positive, 100),
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
    fn radix_sort_matches_comparison_sort() {
        // Pseudo-random non-negative values with ties, zeros and fractions, long enough for radix.
        let mut rng = crate::rng::Rng::new(5);
        let mut v: Vec<f64> = (0..20_000)
            .map(|i| {
                if i % 7 == 0 {
                    0.0
                } else {
                    (rng.f64() * 1e6).floor() / (1 + i % 3) as f64
                }
            })
            .collect();
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort_ascending(&mut v);
        assert_eq!(v, want);
        // A negative value falls back to the comparison sort.
        let mut w: Vec<f64> = (0..5000).map(|i| (i % 100) as f64 - 1.0).collect();
        let mut want = w.clone();
        want.sort_by(f64::total_cmp);
        sort_ascending(&mut w);
        assert_eq!(w, want);
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
