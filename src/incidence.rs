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
}
