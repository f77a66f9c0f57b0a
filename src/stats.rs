//! Least squares with the covariance estimators the race study needs: heteroskedasticity-robust
//! (HC1) and cluster-robust (CR1) errors, and fixed effects absorbed by the within transformation.
//! p-values come from statrs' Student t.
//!
//! The conventions are statsmodels' (`OLS(...).fit(cov_type=..., use_t=True)`), so that its numbers
//! are a reference (tests/reference/lineage):
//! - HC1: V = (X'X)⁻¹ [Σ u_i² x_i x_i'] (X'X)⁻¹ · n / (n − k), t with n − k degrees of freedom.
//! - CR1: V = (X'X)⁻¹ [Σ_g s_g s_g'] (X'X)⁻¹ · G / (G − 1) · (n − 1) / (n − k), s_g = Σ_{i∈g} x_i u_i,
//!   t with G − 1 degrees of freedom (statsmodels' `df_resid_inference` for clusters).
//! - Fixed effects: the within estimator equals OLS with one dummy per group (Frisch–Waugh–Lovell),
//!   and k counts those dummies the way statsmodels counts them when the dummies are regressors:
//!   k = slopes + groups (the constant plus G − 1 dummies). When groups are nested in clusters the
//!   cluster-robust slope covariance is the same in both forms. Stata's `xtreg, fe vce(cluster)`
//!   leaves the absorbed groups out of k and gives slightly smaller errors.
//! - R² is that of the dummy regression (statsmodels' `rsquared`): 1 − SSR / Σ(y − ȳ)².
//!
//! Regressors that are constant (after absorbing fixed effects) or exact linear combinations of
//! earlier ones are dropped in order, by an incremental Cholesky factorisation, and reported in
//! [`Fit::dropped`]: a dashboard must not fail because a relation dummy is all zeros.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::{Error, Result};

/// How the coefficient covariance is estimated.
#[derive(Clone, Copy, Debug)]
pub enum Covariance<'a> {
    /// Heteroskedasticity-robust, with the n / (n − k) factor.
    Hc1,
    /// Cluster-robust: `clusters[i]` is the cluster of row `i` (any u32 labels).
    Cluster(&'a [u32]),
}

/// A fitted regression: one entry per kept term, in the order given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fit {
    pub terms: Vec<String>,
    pub estimate: Vec<f64>,
    pub std_error: Vec<f64>,
    pub t: Vec<f64>,
    pub p: Vec<f64>,
    pub n: usize,
    /// Parameters counted in the small-sample factor (kept regressors + absorbed groups).
    pub k: usize,
    /// Number of absorbed fixed-effect groups (0 without fixed effects).
    pub groups: usize,
    /// Number of clusters (0 for HC1).
    pub clusters: usize,
    /// Degrees of freedom of the t distribution used for p.
    pub df: f64,
    pub r2: f64,
    /// Terms left out as constant or collinear.
    pub dropped: Vec<String>,
}

/// Ordinary least squares of `y` on the columns `x` (named `names`; add a column of ones for a
/// constant), optionally absorbing fixed effects `absorb[i]` (group label of row `i`, any u32).
///
/// Errors (never panics): mismatched lengths, non-finite values, no regressor left, fewer rows
/// than parameters, fewer than two clusters.
pub fn ols(
    y: &[f64],
    x: &[Vec<f64>],
    names: &[&str],
    absorb: Option<&[u32]>,
    covariance: Covariance<'_>,
) -> Result<Fit> {
    let n = y.len();
    if x.len() != names.len() || x.iter().any(|c| c.len() != n) {
        return Err(Error::Compute(
            "regression: columns and names differ in length".into(),
        ));
    }
    if let Some(a) = absorb {
        if a.len() != n {
            return Err(Error::Compute(
                "regression: fixed-effect labels differ in length".into(),
            ));
        }
    }
    if let Covariance::Cluster(c) = covariance {
        if c.len() != n {
            return Err(Error::Compute(
                "regression: cluster labels differ in length".into(),
            ));
        }
    }
    if y.iter().chain(x.iter().flatten()).any(|v| !v.is_finite()) {
        return Err(Error::Compute(
            "regression: a value is missing or not finite".into(),
        ));
    }
    if n == 0 {
        return Err(Error::Compute("regression: no rows".into()));
    }

    // Within transformation.
    let (y_t, x_t, groups): (Vec<f64>, Vec<Vec<f64>>, usize) = match absorb {
        None => (y.to_vec(), x.to_vec(), 0),
        Some(labels) => {
            let (dense, g) = densify(labels);
            let mut count = vec![0f64; g];
            for &d in &dense {
                count[d as usize] += 1.0;
            }
            let demean = |v: &[f64]| {
                let mut sum = vec![0f64; g];
                for (&d, &x) in dense.iter().zip(v) {
                    sum[d as usize] += x;
                }
                dense
                    .iter()
                    .zip(v)
                    .map(|(&d, &x)| x - sum[d as usize] / count[d as usize])
                    .collect::<Vec<f64>>()
            };
            (demean(y), x.iter().map(|c| demean(c)).collect(), g)
        }
    };

    // Incremental Cholesky of X'X, dropping columns that add no rank.
    let mut kept: Vec<usize> = Vec::new();
    let mut dropped = Vec::new();
    // Lower-triangular factor rows for the kept columns.
    let mut l: Vec<Vec<f64>> = Vec::new();
    for (j, col) in x_t.iter().enumerate() {
        let diag = dot(col, col);
        let cross: Vec<f64> = kept.iter().map(|&k| dot(&x_t[k], col)).collect();
        let mut row = vec![0f64; kept.len() + 1];
        for a in 0..kept.len() {
            let s: f64 = (0..a).map(|b| row[b] * l[a][b]).sum();
            row[a] = (cross[a] - s) / l[a][a];
        }
        let rest = diag - row[..kept.len()].iter().map(|v| v * v).sum::<f64>();
        let scale = dot(&x[j], &x[j]).max(f64::MIN_POSITIVE);
        if diag <= 0.0 || rest <= 1e-10 * scale || rest <= 1e-12 * diag {
            dropped.push(names[j].to_string());
            continue;
        }
        row[kept.len()] = rest.sqrt();
        l.push(row);
        kept.push(j);
    }
    let p = kept.len();
    if p == 0 {
        return Err(Error::Compute(
            "regression: every regressor is constant or collinear".into(),
        ));
    }
    let k = p + groups;
    if n <= k {
        return Err(Error::Compute(format!(
            "regression: {n} rows are too few for {k} parameters"
        )));
    }

    // β from L L' β = X'y.
    let xty: Vec<f64> = kept.iter().map(|&j| dot(&x_t[j], &y_t)).collect();
    let beta = chol_solve(&l, &xty);
    let mut u = y_t.clone();
    for (b, &j) in beta.iter().zip(&kept) {
        for (ui, xi) in u.iter_mut().zip(&x_t[j]) {
            *ui -= b * xi;
        }
    }
    let ssr = dot(&u, &u);
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let tss: f64 = y.iter().map(|v| (v - mean_y) * (v - mean_y)).sum();
    let r2 = if tss > 0.0 { 1.0 - ssr / tss } else { f64::NAN };

    // (X'X)⁻¹ column by column.
    let inv: Vec<Vec<f64>> = (0..p)
        .map(|c| {
            let mut e = vec![0f64; p];
            e[c] = 1.0;
            chol_solve(&l, &e)
        })
        .collect();

    // Meat.
    let mut meat = vec![vec![0f64; p]; p];
    let (factor, df, clusters) = match covariance {
        Covariance::Hc1 => {
            for i in 0..n {
                let w = u[i] * u[i];
                for a in 0..p {
                    let xa = x_t[kept[a]][i] * w;
                    for b in 0..=a {
                        meat[a][b] += xa * x_t[kept[b]][i];
                    }
                }
            }
            (n as f64 / (n - k) as f64, (n - k) as f64, 0)
        }
        Covariance::Cluster(labels) => {
            let (dense, g) = densify(labels);
            if g < 2 {
                return Err(Error::Compute(
                    "regression: clustered errors need at least two clusters".into(),
                ));
            }
            let mut score = vec![vec![0f64; p]; g];
            for i in 0..n {
                let s = &mut score[dense[i] as usize];
                for a in 0..p {
                    s[a] += x_t[kept[a]][i] * u[i];
                }
            }
            for s in &score {
                for a in 0..p {
                    for b in 0..=a {
                        meat[a][b] += s[a] * s[b];
                    }
                }
            }
            let gf = g as f64;
            (gf / (gf - 1.0) * (n as f64 - 1.0) / (n - k) as f64, gf - 1.0, g)
        }
    };
    #[allow(clippy::needless_range_loop)] // a symmetric fill reads best with both indexes
    for a in 0..p {
        for b in 0..a {
            meat[b][a] = meat[a][b];
        }
    }
    // V = inv · meat · inv (inv is symmetric).
    let mut tmp = vec![vec![0f64; p]; p];
    for a in 0..p {
        for b in 0..p {
            tmp[a][b] = (0..p).map(|c| inv[a][c] * meat[c][b]).sum();
        }
    }
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| Error::Compute(format!("regression: t distribution with {df} df: {e}")))?;
    let mut fit = Fit {
        n,
        k,
        groups,
        clusters,
        df,
        r2,
        dropped,
        ..Default::default()
    };
    for (a, &j) in kept.iter().enumerate() {
        let var: f64 = (0..p).map(|c| tmp[a][c] * inv[c][a]).sum::<f64>() * factor;
        let se = var.max(0.0).sqrt();
        let t = beta[a] / se;
        fit.terms.push(names[j].to_string());
        fit.estimate.push(beta[a]);
        fit.std_error.push(se);
        fit.t.push(t);
        fit.p.push(if t.is_finite() {
            2.0 * dist.sf(t.abs())
        } else {
            f64::NAN
        });
    }
    Ok(fit)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Labels renumbered 0..g in order of first appearance.
fn densify(labels: &[u32]) -> (Vec<u32>, usize) {
    let mut map = std::collections::HashMap::<u32, u32>::new();
    let dense = labels
        .iter()
        .map(|&l| {
            let next = map.len() as u32;
            *map.entry(l).or_insert(next)
        })
        .collect();
    (dense, map.len())
}

/// Solves L L' x = b for a lower-triangular `l` given by rows.
fn chol_solve(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let p = l.len();
    let mut z = vec![0f64; p];
    for a in 0..p {
        let s: f64 = (0..a).map(|c| l[a][c] * z[c]).sum();
        z[a] = (b[a] - s) / l[a][a];
    }
    let mut x = vec![0f64; p];
    for a in (0..p).rev() {
        let s: f64 = (a + 1..p).map(|c| l[c][a] * x[c]).sum();
        x[a] = (z[a] - s) / l[a][a];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line_recovers_coefficients() {
        // y = 1 + 2x exactly: estimates 1 and 2, zero residuals, R² = 1.
        let x1 = vec![0.0, 1.0, 2.0, 3.0, 4.0];
        let y: Vec<f64> = x1.iter().map(|v| 1.0 + 2.0 * v).collect();
        let fit = ols(&y, &[vec![1.0; 5], x1], &["const", "x"], None, Covariance::Hc1).unwrap();
        assert!((fit.estimate[0] - 1.0).abs() < 1e-12 && (fit.estimate[1] - 2.0).abs() < 1e-12);
        assert!((fit.r2 - 1.0).abs() < 1e-12);
        assert!(fit.std_error[1].abs() < 1e-6);
    }

    #[test]
    fn hand_worked_hc1() {
        // x = (0, 0, 1, 1), y = (0, 2, 1, 5): means by x are 1 and 3 → const 1, slope 2.
        // Residuals (−1, 1, −2, 2). X'X = [[4, 2], [2, 2]], inverse [[.5, −.5], [−.5, 1]].
        // Meat = Σ u² x x' = [[10, 8], [8, 8]]. Sandwich slope variance:
        // row (−.5, 1) · meat · (−.5, 1)' = .25·10 − 8 + 8 = 2.5; × n/(n−k) = 4/2 → 5.
        let y = vec![0.0, 2.0, 1.0, 5.0];
        let x = vec![vec![1.0; 4], vec![0.0, 0.0, 1.0, 1.0]];
        let fit = ols(&y, &x, &["const", "x"], None, Covariance::Hc1).unwrap();
        assert!((fit.estimate[1] - 2.0).abs() < 1e-12);
        assert!((fit.std_error[1] - 5f64.sqrt()).abs() < 1e-12);
        assert_eq!(fit.df, 2.0);
        // t = 2/√5 with 2 df: p = 1 − t/√(t² + 2) (closed form for 2 df) = 1 − √(4/5)/√(14/5).
        let t = 2.0 / 5f64.sqrt();
        let p = 1.0 - t / (t * t + 2.0).sqrt();
        assert!((fit.p[1] - p).abs() < 1e-12, "{} vs {p}", fit.p[1]);
    }

    #[test]
    fn constant_and_collinear_columns_are_dropped() {
        let y = vec![1.0, 2.0, 4.0, 3.0];
        let x1 = vec![1.0, 2.0, 3.0, 4.0];
        let twice: Vec<f64> = x1.iter().map(|v| 2.0 * v).collect();
        let x = vec![vec![1.0; 4], x1, vec![0.0; 4], twice];
        let fit = ols(&y, &x, &["const", "x", "zero", "twice"], None, Covariance::Hc1).unwrap();
        assert_eq!(fit.terms, vec!["const", "x"]);
        assert_eq!(fit.dropped, vec!["zero", "twice"]);
    }

    #[test]
    fn fixed_effects_absorb_group_means() {
        // Two groups with different intercepts, same slope 3; the constant is absorbed.
        let g = vec![7, 7, 7, 9, 9, 9];
        let x1 = vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let y: Vec<f64> = x1
            .iter()
            .zip(&g)
            .map(|(x, &g)| 3.0 * x + if g == 7 { 10.0 } else { -4.0 })
            .collect();
        let x = vec![vec![1.0; 6], x1];
        let fit = ols(&y, &x, &["const", "x"], Some(&g), Covariance::Cluster(&g)).unwrap();
        assert_eq!(fit.terms, vec!["x"]);
        assert_eq!(fit.dropped, vec!["const"]);
        assert!((fit.estimate[0] - 3.0).abs() < 1e-12);
        assert_eq!((fit.groups, fit.clusters, fit.k, fit.df), (2, 2, 3, 1.0));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(ols(&[], &[], &[], None, Covariance::Hc1).is_err());
        assert!(ols(&[1.0, f64::NAN], &[vec![1.0, 1.0]], &["c"], None, Covariance::Hc1).is_err());
        assert!(ols(&[1.0, 2.0], &[vec![1.0]], &["c"], None, Covariance::Hc1).is_err());
        let one = [0u32, 0];
        assert!(ols(
            &[1.0, 2.0, 3.0],
            &[vec![1.0; 3]],
            &["c"],
            None,
            Covariance::Cluster(&one)
        )
        .is_err());
        let same = [1u32, 1, 1];
        assert!(ols(
            &[1.0, 2.0, 3.0],
            &[vec![1.0; 3]],
            &["c"],
            None,
            Covariance::Cluster(&same)
        )
        .is_err());
    }
}
