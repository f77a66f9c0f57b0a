//! Racing to Release (Liu, Kang, Yang): among the derivatives of one base model, do later releases
//! and more crowded moments get less recognition? (issue 4)
//!
//! Sample: the direct derivatives (relations in the set; default finetune, adapter, merge) of base
//! models that have at least `min_siblings` such derivatives with a known creation day. A merge of
//! two qualifying bases is one row under each base (rows are (base, derivative) pairs; clustering
//! by base keeps its errors honest). Derivatives without a creation day cannot be ordered and are
//! left out before counting.
//!
//! Per row ([`RaceData`]):
//! - `order`: release order among the base's derivatives, 1 = first, ties on the same day by id;
//!   `percentile` = order / siblings (in (0, 1]); `siblings` = the base's derivatives;
//! - `days_since_base`: derivative day − base day (missing when the base has no day);
//! - `crowding`: other derivatives of the same base created in (t − D, t], D = `crowding_days`
//!   (the D days up to and including the release day);
//! - recognition: `ln_downloads` = ln(1 + downloads), downloads being all-time downloads where the
//!   snapshot knows them and else the last 30 days; `ln_likes` = ln(1 + likes);
//! - controls: `ln_params` (0 when unknown) with `params_missing`, relation dummies (the first
//!   relation of the set is the reference), `author_prior` = ln(1 + models the same author created
//!   on earlier days), `base_prominence` = ln(1 + the base's downloads).
//!
//! Specifications ([`fit`]), for each outcome, with regressors `release_percentile`,
//! `ln_crowding` = ln(1 + crowding) and the controls:
//! 1. `pooled`: OLS with a constant, HC1 errors, t with n − k df;
//! 2. `base_fe`: base fixed effects (within), errors clustered by base (CR1), t with G − 1 df;
//! 3. `base_month_fe`: base × release-month fixed effects, errors clustered by base, t with G − 1 df.
//!
//! In 2 and 3 the constant and `base_prominence` are absorbed by the fixed effects and left out.
//! Rows with a missing outcome or control are left out of that regression (counted in the notes).

use crate::lineage::LineageIndex;
use crate::snapshot::{Relation, RelationSet, Snapshot, NULL_CODE};
use crate::stats::{ols, Covariance, Fit};
use crate::time::{month_index, NO_DATE};
use crate::Result;

/// The race sample's default relations: quantized re-packagings are not competing releases.
pub const DEFAULT_RELATIONS: RelationSet = RelationSet(0b1011);

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RaceParams {
    pub relations: RelationSet,
    pub min_siblings: u32,
    pub crowding_days: u32,
}

impl Default for RaceParams {
    fn default() -> Self {
        RaceParams {
            relations: DEFAULT_RELATIONS,
            min_siblings: 5,
            crowding_days: 30,
        }
    }
}

/// One row per (base, derivative), bases in model order, derivatives in release order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RaceData {
    pub base: Vec<u32>,
    pub model: Vec<u32>,
    pub relation: Vec<Relation>,
    pub created: Vec<i32>,
    pub order: Vec<u32>,
    pub siblings: Vec<u32>,
    pub percentile: Vec<f64>,
    /// NaN when the base's day is unknown.
    pub days_since_base: Vec<f64>,
    pub crowding: Vec<u32>,
    pub downloads: Vec<f64>,
    pub likes: Vec<f64>,
    pub ln_downloads: Vec<f64>,
    pub ln_likes: Vec<f64>,
    pub ln_params: Vec<f64>,
    pub params_missing: Vec<f64>,
    pub author_prior: Vec<f64>,
    pub base_prominence: Vec<f64>,
    /// Months since 1970-01 of the derivative's creation.
    pub release_month: Vec<i32>,
}

impl RaceData {
    pub fn len(&self) -> usize {
        self.model.len()
    }
    pub fn is_empty(&self) -> bool {
        self.model.is_empty()
    }
}

fn downloads_of(s: &Snapshot, i: usize) -> f64 {
    match s.downloads_all_time.get(i) {
        Some(&d) if d.is_finite() => d,
        _ => s.downloads_30d.get(i).copied().unwrap_or(f64::NAN),
    }
}

/// ln(1 + x) for counts; NaN stays NaN (unknown), negatives are read as 0.
///
/// The logarithms here are the `libm` crate's (pure Rust), not the platform's: glibc natively and
/// the wasm build's may differ in the last bit, and race-data should match bit for bit.
fn ln1p_count(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else {
        libm::log1p(x.max(0.0))
    }
}

/// Models the same author created on strictly earlier days, for every model (0 without author
/// or day). Linear, over the index's creation order.
pub fn author_prior_counts(s: &Snapshot, index: &LineageIndex) -> Vec<u32> {
    let n = s.models();
    let authors = s.author.values.len();
    let mut out = vec![0u32; n];
    let mut last_day = vec![NO_DATE; authors];
    let mut before_last_day = vec![0u32; authors];
    let mut total = vec![0u32; authors];
    for &m in &index.by_created {
        let m = m as usize;
        let day = s.created.get(m).copied().unwrap_or(NO_DATE);
        let a = s.author.codes.get(m).copied().unwrap_or(NULL_CODE) as usize;
        if day == NO_DATE || a >= authors {
            continue;
        }
        if last_day[a] != day {
            last_day[a] = day;
            before_last_day[a] = total[a];
        }
        out[m] = before_last_day[a];
        total[a] += 1;
    }
    out
}

/// Builds the race sample (see the module documentation). An empty snapshot or one without any
/// qualifying base gives empty data.
pub fn race_data(s: &Snapshot, index: &LineageIndex, params: &RaceParams) -> RaceData {
    let kids = index.children_with(params.relations);
    let prior = author_prior_counts(s, index);
    let min = params.min_siblings.max(1) as usize;
    let crowd = params.crowding_days as i64;
    let mut d = RaceData::default();
    let mut buf: Vec<u32> = Vec::new();
    for b in 0..index.models {
        let (children, days) = kids.children(b);
        // Children without a day sort first: skip them.
        let first_dated = days.partition_point(|&t| t == NO_DATE);
        let (children, days) = match (children.get(first_dated..), days.get(first_dated..)) {
            (Some(c), Some(t)) => (c, t),
            _ => continue,
        };
        let siblings = children.len();
        if siblings < min {
            continue;
        }
        buf.clear();
        buf.extend_from_slice(children);
        // Ties on one day are broken by id.
        let mut start = 0;
        while start < days.len() {
            let day = days[start];
            let end = start + days[start..].partition_point(|&t| t == day);
            if end - start > 1 {
                if let Some(run) = buf.get_mut(start..end) {
                    run.sort_by(|&x, &y| s.id.get(x as usize).cmp(s.id.get(y as usize)).then(x.cmp(&y)));
                }
            }
            start = end;
        }
        let base_day = s.created.get(b).copied().unwrap_or(NO_DATE);
        let base_prominence = ln1p_count(downloads_of(s, b));
        let (parents, rels) = (index.parents.as_slice(), index.parent_relation.as_slice());
        for (q, (&c, &t)) in buf.iter().zip(days).enumerate() {
            let ci = c as usize;
            // The relation of this edge (c lists b once after the index's clean-up).
            let rel = crate::lineage::csr_range(&index.parent_offsets, ci)
                .find(|&e| parents.get(e) == Some(&(b as u32)))
                .and_then(|e| rels.get(e).copied())
                .unwrap_or(Relation::Other);
            let upto = days.partition_point(|&x| x <= t);
            let from = days.partition_point(|&x| (x as i64) <= t as i64 - crowd);
            let crowding = upto.saturating_sub(from).saturating_sub(1);
            let downloads = downloads_of(s, ci);
            let likes = s.likes.get(ci).copied().unwrap_or(f64::NAN);
            let params_count = s.params.get(ci).copied().unwrap_or(f64::NAN);
            let known = params_count.is_finite() && params_count > 0.0;
            d.base.push(b as u32);
            d.model.push(c);
            d.relation.push(rel);
            d.created.push(t);
            d.order.push(q as u32 + 1);
            d.siblings.push(siblings as u32);
            d.percentile.push((q + 1) as f64 / siblings as f64);
            d.days_since_base.push(if base_day == NO_DATE {
                f64::NAN
            } else {
                (t as i64 - base_day as i64) as f64
            });
            d.crowding.push(crowding as u32);
            d.downloads.push(downloads);
            d.likes.push(likes);
            d.ln_downloads.push(ln1p_count(downloads));
            d.ln_likes.push(ln1p_count(likes));
            d.ln_params
                .push(if known { libm::log(params_count) } else { 0.0 });
            d.params_missing.push(if known { 0.0 } else { 1.0 });
            d.author_prior
                .push(libm::log1p(prior.get(ci).copied().unwrap_or(0) as f64));
            d.base_prominence.push(base_prominence);
            d.release_month.push(month_index(t));
        }
    }
    d
}

/// The three specifications, in output order.
pub const SPECS: [&str; 3] = ["pooled", "base_fe", "base_month_fe"];
/// The two outcomes, in output order.
pub const OUTCOMES: [&str; 2] = ["ln_downloads", "ln_likes"];

/// One fitted specification.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecFit {
    pub spec: &'static str,
    pub outcome: &'static str,
    pub fit: Fit,
    /// Rows left out for a missing outcome or control.
    pub missing: usize,
}

/// Regressor names and columns of one specification (the relation dummies depend on the set).
fn design(d: &RaceData, relations: RelationSet, with_base_level: bool) -> (Vec<String>, Vec<Vec<f64>>) {
    let n = d.len();
    let mut names: Vec<String> = Vec::new();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    if with_base_level {
        names.push("const".into());
        cols.push(vec![1.0; n]);
    }
    names.push("release_percentile".into());
    cols.push(d.percentile.clone());
    names.push("ln_crowding".into());
    cols.push(d.crowding.iter().map(|&c| libm::log1p(c as f64)).collect());
    names.push("ln_params".into());
    cols.push(d.ln_params.clone());
    names.push("params_missing".into());
    cols.push(d.params_missing.clone());
    // Dummies for every relation of the set but the first (the reference).
    for r in Relation::ALL.iter().filter(|r| relations.contains(**r)).skip(1) {
        names.push(r.as_str().to_string());
        cols.push(
            d.relation
                .iter()
                .map(|x| if x == r { 1.0 } else { 0.0 })
                .collect(),
        );
    }
    names.push("author_prior".into());
    cols.push(d.author_prior.clone());
    if with_base_level {
        names.push("base_prominence".into());
        cols.push(d.base_prominence.clone());
    }
    (names, cols)
}

/// The fitted specifications, and one message per specification that could not be fitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RaceFits {
    pub fits: Vec<SpecFit>,
    pub failures: Vec<String>,
}

/// Fits the three specifications for both outcomes. A specification that cannot be fitted (too
/// few rows for its fixed effects, a single base) is left out with a message in `failures`; when
/// none can be fitted the result is an error carrying those messages.
pub fn fit(d: &RaceData, relations: RelationSet) -> Result<RaceFits> {
    let n = d.len();
    let lengths = [
        d.base.len(),
        d.relation.len(),
        d.percentile.len(),
        d.crowding.len(),
        d.ln_downloads.len(),
        d.ln_likes.len(),
        d.ln_params.len(),
        d.params_missing.len(),
        d.author_prior.len(),
        d.base_prominence.len(),
        d.release_month.len(),
    ];
    if lengths.iter().any(|&l| l != n) {
        return Err(crate::Error::Compute(
            "race: the sample's columns differ in length".into(),
        ));
    }
    // Base × month cells: rows come base by base in release order, so months never decrease
    // within a base and a new cell starts whenever the base or the month changes.
    let mut cells = Vec::with_capacity(d.len());
    let mut cell = 0u32;
    for r in 0..d.len() {
        if r > 0 && (d.base[r] != d.base[r - 1] || d.release_month[r] != d.release_month[r - 1]) {
            cell += 1;
        }
        cells.push(cell);
    }
    let mut out = RaceFits::default();
    for spec in SPECS {
        let pooled = spec == "pooled";
        let (names, cols) = design(d, relations, pooled);
        for outcome in OUTCOMES {
            let y_all = if outcome == "ln_downloads" {
                &d.ln_downloads
            } else {
                &d.ln_likes
            };
            let keep: Vec<usize> = (0..d.len())
                .filter(|&r| y_all[r].is_finite() && cols.iter().all(|c| c[r].is_finite()))
                .collect();
            let missing = d.len() - keep.len();
            let y: Vec<f64> = keep.iter().map(|&r| y_all[r]).collect();
            let x: Vec<Vec<f64>> = cols
                .iter()
                .map(|c| keep.iter().map(|&r| c[r]).collect())
                .collect();
            let bases: Vec<u32> = keep.iter().map(|&r| d.base[r]).collect();
            let names_ref: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let fit = match spec {
                "pooled" => ols(&y, &x, &names_ref, None, Covariance::Hc1),
                "base_fe" => ols(&y, &x, &names_ref, Some(&bases), Covariance::Cluster(&bases)),
                _ => {
                    let c: Vec<u32> = keep.iter().map(|&r| cells[r]).collect();
                    ols(&y, &x, &names_ref, Some(&c), Covariance::Cluster(&bases))
                }
            };
            match fit {
                Ok(fit) => out.fits.push(SpecFit {
                    spec,
                    outcome,
                    fit,
                    missing,
                }),
                Err(e) => out.failures.push(format!("race {spec} ({outcome}): {e}")),
            }
        }
    }
    if out.fits.is_empty() {
        return Err(crate::Error::Compute(out.failures.join("; ")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Categorical, Relation::*, Strings};

    /// Base 0 (day 0) with derivatives 1..=5 on days 10, 10, 25, 50, 51 (ids chosen so that the
    /// day-10 tie goes to model 2), plus a quantized copy 6 and an undated derivative 7; base 8
    /// with two derivatives only (9, 10).
    fn sample() -> Snapshot {
        let mut s = Snapshot::default();
        let ids = [
            "org/base",
            "z/late-name",
            "a/early-name",
            "x/c",
            "x/d",
            "y/e",
            "q/gguf",
            "u/nodate",
            "o/small",
            "o/s1",
            "o/s2",
        ];
        s.id = ids.iter().collect();
        s.created = vec![0, 10, 10, 25, 50, 51, 12, NO_DATE, 0, 5, 6];
        let bases: [&[(u32, Relation)]; 11] = [
            &[],
            &[(0, Finetune)],
            &[(0, Adapter)],
            &[(0, Merge)],
            &[(0, Finetune)],
            &[(0, Finetune)],
            &[(0, Quantized)],
            &[(0, Finetune)],
            &[],
            &[(8, Finetune)],
            &[(8, Finetune)],
        ];
        s.base_offsets = vec![0];
        for b in bases {
            for &(p, r) in b {
                s.base_model.push(p);
                s.base_relation.push(r);
            }
            s.base_offsets.push(s.base_model.len() as u32);
        }
        s.downloads_all_time = vec![999.0, 9.0, 99.0, 0.0, 4.0, f64::NAN, 1.0, 1.0, 1.0, 1.0, 1.0];
        s.downloads_30d = vec![0.0, 0.0, 0.0, 0.0, 0.0, 19.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        s.likes = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        s.params = vec![f64::NAN, 7e9, f64::NAN, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9];
        // Author "x" made c (day 25) and d (day 50); "y/e" is by x too (day 51).
        s.author = Categorical::from_options(
            ["org", "z", "a", "x", "x", "x", "q", "u", "o", "o", "o"]
                .iter()
                .map(Some),
        );
        s
    }

    #[test]
    fn hand_worked_race_data() {
        let s = sample();
        let ix = LineageIndex::build(&s);
        let d = race_data(&s, &ix, &RaceParams::default());
        // Only base 0 qualifies (5 dated finetune/adapter/merge derivatives; 6 is quantized).
        assert_eq!(d.model, vec![2, 1, 3, 4, 5]);
        assert_eq!(d.order, vec![1, 2, 3, 4, 5]);
        assert_eq!(d.siblings, vec![5; 5]);
        assert_eq!(d.percentile, vec![0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(d.days_since_base, vec![10.0, 10.0, 25.0, 50.0, 51.0]);
        // (t − 30, t]: day 10 → the other day-10 model; day 25 → both day-10 ones; day 50 → 25;
        // day 51 → 25 and 50.
        assert_eq!(d.crowding, vec![1, 1, 2, 1, 2]);
        assert_eq!(d.relation, vec![Adapter, Finetune, Merge, Finetune, Finetune]);
        // e has no all-time downloads: 30-day downloads (19) instead.
        assert_eq!(d.downloads, vec![99.0, 9.0, 0.0, 4.0, 19.0]);
        assert!((d.ln_downloads[4] - 20f64.ln()).abs() < 1e-15);
        assert_eq!(d.params_missing, vec![1.0, 0.0, 0.0, 0.0, 0.0]);
        assert!((d.ln_params[1] - 7e9f64.ln()).abs() < 1e-12);
        // x made c (day 25) then d (day 50) then e (day 51): 0, 1, 2 earlier models.
        let ln = |k: f64| k.ln_1p();
        assert_eq!(d.author_prior, vec![0.0, 0.0, ln(0.0), ln(1.0), ln(2.0)]);
        assert!(d
            .base_prominence
            .iter()
            .all(|&b| (b - 1000f64.ln()).abs() < 1e-12));
        // With K = 2, base 8 joins with its two derivatives.
        let d2 = race_data(
            &s,
            &ix,
            &RaceParams {
                min_siblings: 2,
                ..Default::default()
            },
        );
        assert_eq!(d2.len(), 7);
        assert_eq!(&d2.base[5..], &[8, 8]);
        // Quantized included: 6 (day 12) is third.
        let d3 = race_data(
            &s,
            &ix,
            &RaceParams {
                relations: RelationSet::ALL,
                ..Default::default()
            },
        );
        assert_eq!(d3.model, vec![2, 1, 6, 3, 4, 5]);
    }

    #[test]
    fn a_specification_that_cannot_be_fitted_is_left_out() {
        // Base 0 has derivatives 1..=5 in five different months; base 6 has 7..=11 likewise:
        // every base × month cell is a singleton, so the third specification has more
        // parameters (cells + slopes) than rows, while the first two fit.
        let mut s = Snapshot {
            id: Strings::new(),
            base_offsets: vec![0],
            ..Default::default()
        };
        for i in 0..12u32 {
            s.id.push(&format!("m/{i:02}"));
            s.created.push(if i % 6 == 0 {
                0
            } else {
                40 * (i % 6) as i32 + (i / 6) as i32
            });
            if i % 6 != 0 {
                s.base_model.push(i - i % 6);
                s.base_relation.push(Finetune);
            }
            s.base_offsets.push(s.base_model.len() as u32);
            s.downloads_all_time.push((i * i) as f64);
            s.likes.push((i % 3) as f64);
            s.params.push(1e9 * (1 + i % 4) as f64);
        }
        s.author = Categorical::from_options((0..12).map(|i| Some(format!("a{}", i % 5))));
        let ix = LineageIndex::build(&s);
        let d = race_data(&s, &ix, &RaceParams::default());
        assert_eq!(d.len(), 10);
        let f = fit(&d, DEFAULT_RELATIONS).unwrap();
        assert_eq!(f.fits.iter().filter(|x| x.spec == "base_month_fe").count(), 0);
        assert_eq!(f.fits.len(), 4);
        assert_eq!(f.failures.len(), 2);
        assert!(f.failures[0].contains("base_month_fe"), "{:?}", f.failures);
    }

    #[test]
    fn empty_sample_gives_empty_data_and_fit_error() {
        let s = Snapshot::default();
        let ix = LineageIndex::build(&s);
        let d = race_data(&s, &ix, &RaceParams::default());
        assert!(d.is_empty());
        let e = fit(&d, DEFAULT_RELATIONS).unwrap_err().to_string();
        assert!(e.contains("race pooled"), "{e}");
    }
}
