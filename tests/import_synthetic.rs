//! The synthetic generator: determinism, snapshot invariants, and the shape issue 2 asks for
//! (the targets below are the issue's numbers, not the generator's output).

use std::collections::{BTreeMap, BTreeSet};

use hubecon::import::synthetic::{generate, MAX_MODELS};
use hubecon::snapshot::{ParamSource, Relation};
use hubecon::time::{civil_from_days, day_of_week_index, days_from_civil, week_of_day};

fn depths(s: &hubecon::Snapshot) -> Vec<u32> {
    // Bases always come earlier in the generator's creation order, so one forward pass suffices.
    let mut depth = vec![0u32; s.models()];
    for i in 0..s.models() {
        let (bases, _) = s.bases(i);
        depth[i] = bases.iter().map(|&p| depth[p as usize] + 1).max().unwrap_or(0);
    }
    depth
}

#[test]
fn same_seed_same_snapshot_and_different_seed_differs() {
    let mut a = generate(3_000, 7).unwrap();
    let mut b = generate(3_000, 7).unwrap();
    // NaN != NaN, so compare the float columns with NaNs by their bits, then the rest as a whole.
    for (x, y) in [
        (&mut a.params, &mut b.params),
        (&mut a.file_bytes, &mut b.file_bytes),
    ] {
        let bits = |v: &Vec<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<u64>>();
        assert_eq!(bits(x), bits(y));
        x.clear();
        y.clear();
    }
    assert_eq!(a, b);
    let c = generate(3_000, 8).unwrap();
    assert_ne!(a.id, c.id);
    assert!(a.meta.description.contains("3000") && a.meta.description.contains("seed 7"));
}

#[test]
fn empty_and_too_large() {
    let s = generate(0, 1).unwrap();
    assert_eq!(s.models(), 0);
    assert_eq!(s.meta.models, 0);
    assert_eq!(s.base_offsets, vec![0]);
    assert_eq!(s.weekly_offsets, vec![0]);
    assert!(s.meta.first_week.is_empty());
    let err = generate(MAX_MODELS + 1, 1).unwrap_err().to_string();
    assert!(err.contains("models"), "{err}");
    // One model: a root with no bases.
    let one = generate(1, 1).unwrap();
    assert_eq!(one.models(), 1);
    assert!(one.bases(0).0.is_empty());
}

#[test]
fn invariants_hold() {
    let n = 20_000;
    let s = generate(n, 3).unwrap();
    s.validate().unwrap();
    assert_eq!(s.meta.source, "synthetic");
    assert!(s.meta.synthetic);
    assert_eq!(s.meta.snapshot_date, "2025-08-31");
    assert_eq!(s.meta.models, n);
    assert_eq!(s.meta.download_rows, s.weekly_week.len());
    for col in [
        s.created.len(),
        s.likes.len(),
        s.downloads_30d.len(),
        s.downloads_all_time.len(),
        s.params.len(),
        s.params_source.len(),
        s.file_bytes.len(),
        s.author.codes.len(),
        s.pipeline_tag.codes.len(),
        s.library.codes.len(),
        s.license.codes.len(),
        s.gated.codes.len(),
        s.architecture.codes.len(),
        s.training_data.codes.len(),
        s.org_type.codes.len(),
        s.country.codes.len(),
    ] {
        assert_eq!(col, n);
    }
    for m in [
        &s.languages,
        &s.input_modalities,
        &s.output_modalities,
        &s.training_methods,
    ] {
        assert_eq!(m.offsets.len(), n + 1);
        assert!(m.codes.iter().all(|&c| (c as usize) < m.values.len()));
    }
    let ids: BTreeSet<&str> = s.id.iter().collect();
    assert_eq!(ids.len(), n, "ids are unique");
    let (first, last) = (days_from_civil(2020, 6, 1), days_from_civil(2025, 8, 31));
    // Monday 2025-08-25 starts the last week (2025-08-31 is a Sunday).
    let last_week = week_of_day(days_from_civil(2025, 8, 25));
    let window_start = days_from_civil(2025, 8, 2); // the 30 days ending 2025-08-31
    for i in 0..n {
        let id = s.id.get(i);
        let author = s.author.get(i).unwrap();
        assert_eq!(id.split('/').next(), Some(author), "{id}");
        assert!((first..=last).contains(&s.created[i]));
        let (bases, relations) = s.bases(i);
        assert!(
            bases.iter().all(|&b| (b as usize) < i),
            "bases are earlier models"
        );
        assert!(bases.iter().all(|&b| s.created[b as usize] <= s.created[i]));
        let distinct: BTreeSet<u32> = bases.iter().copied().collect();
        assert_eq!(distinct.len(), bases.len());
        match relations.first() {
            Some(Relation::Merge) => assert!((2..=3).contains(&bases.len())),
            // A second base of a non-merge is its first base's own first base.
            Some(_) => match bases {
                [_] => {}
                [f, g] => assert_eq!(s.bases(*f as usize).0.first(), Some(g), "model {i}"),
                _ => panic!("model {i} has {} bases", bases.len()),
            },
            None => {}
        }
        assert!(
            relations.iter().all(|r| Some(r) == relations.first()),
            "one relation per model"
        );
        let (weeks, downloads) = s.weekly(i);
        assert!(weeks.windows(2).all(|w| w[0] < w[1]));
        assert!(weeks
            .iter()
            .all(|&w| w as i32 >= week_of_day(s.created[i]) && w as i32 <= last_week));
        assert!(downloads.iter().all(|&d| d > 0), "zero weeks are dropped");
        let total: u64 = downloads.iter().map(|&d| d as u64).sum();
        assert_eq!(s.downloads_all_time[i], total as f64);
        // 30 days = the four weeks from 2025-08-04 plus two days of the week of 2025-07-28.
        let inside: u64 = weeks
            .iter()
            .zip(downloads)
            .filter(|(&w, _)| day_of_week_index(w as i32) >= window_start)
            .map(|(_, &d)| d as u64)
            .sum();
        let with_partial: u64 = weeks
            .iter()
            .zip(downloads)
            .filter(|(&w, _)| day_of_week_index(w as i32) + 6 >= window_start)
            .map(|(_, &d)| d as u64)
            .sum();
        assert!(s.downloads_30d[i] >= inside as f64 && s.downloads_30d[i] <= with_partial as f64);
        assert!(s.likes[i] >= 0.0);
        match s.params_source[i] {
            ParamSource::Safetensors => assert!(s.params[i] > 0.0),
            _ => assert!(s.params[i].is_nan()),
        }
    }
    assert_eq!(s.meta.last_week, "2025-08-25");
}

#[test]
fn shape_follows_the_issue() {
    let n = 100_000;
    let s = generate(n, 1).unwrap();
    let authors: BTreeSet<u32> = s.author.codes.iter().copied().collect();
    let per_author = n as f64 / authors.len() as f64;
    assert!(
        (6.0..=11.0).contains(&per_author),
        "models per developer {per_author}"
    );

    let derivatives = (0..n).filter(|&i| !s.bases(i).0.is_empty()).count() as f64 / n as f64;
    assert!(
        (0.28..=0.40).contains(&derivatives),
        "derivative share {derivatives}"
    );
    let edges = s.base_relation.len() as f64;
    let share = |r: Relation| s.base_relation.iter().filter(|&&x| x == r).count() as f64 / edges;
    for (r, target) in [
        (Relation::Adapter, 0.42),
        (Relation::Finetune, 0.36),
        (Relation::Quantized, 0.19),
        (Relation::Merge, 0.02),
    ] {
        let got = share(r);
        assert!(
            (got - target).abs() < 0.03,
            "{} share {got}, issue says {target}",
            r.as_str()
        );
    }
    // Consolidating links (the generator's documented choice, near the real sample's habit): some
    // derivatives list a base together with that base's own base, so some models have n_j > 0.
    let co_listing = (0..n)
        .filter(|&i| {
            let bases = s.bases(i).0;
            bases
                .iter()
                .any(|&f| s.bases(f as usize).0.iter().any(|g| bases.contains(g)))
        })
        .count();
    assert!(
        co_listing > n / 2000 && co_listing < n / 50,
        "{co_listing} derivatives list a base and its base"
    );
    let depth = depths(&s);
    assert!(
        depth.iter().filter(|&&d| d >= 3).count() > 10,
        "chains several levels deep"
    );

    let rows = s.weekly_week.len() as f64 / n as f64;
    assert!((20.0..=35.0).contains(&rows), "weekly rows per model {rows}");

    // Creations grow every year.
    let mut per_year = BTreeMap::new();
    for &d in &s.created {
        *per_year.entry(civil_from_days(d).0).or_insert(0usize) += 1;
    }
    let counts: Vec<usize> = per_year.values().copied().collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{per_year:?}");

    // Heavy tail: the top 1 % of models hold most downloads.
    let mut totals = s.downloads_all_time.clone();
    totals.sort_by(|a, b| b.total_cmp(a));
    let all: f64 = totals.iter().sum();
    let top: f64 = totals.iter().take(n / 100).sum();
    assert!(top / all > 0.5, "top 1 % hold {}", top / all);

    // Likes follow downloads (Spearman-like check on log scale: Pearson of logs).
    let xs: Vec<f64> = s.downloads_all_time.iter().map(|d| (1.0 + d).ln()).collect();
    let ys: Vec<f64> = s.likes.iter().map(|l| (1.0 + l).ln()).collect();
    let r = pearson(&xs, &ys);
    assert!(r > 0.4, "likes-downloads correlation {r}");

    // Parameters: about a quarter from safetensors; file bytes for nearly all, tracking parameters.
    let known = s.params.iter().filter(|p| !p.is_nan()).count() as f64 / n as f64;
    assert!((0.20..=0.30).contains(&known), "params known {known}");
    let with_bytes = s.file_bytes.iter().filter(|b| !b.is_nan()).count() as f64 / n as f64;
    assert!(with_bytes > 0.95);
    let (lp, lb): (Vec<f64>, Vec<f64>) = (0..n)
        .filter(|&i| !s.params[i].is_nan() && !s.file_bytes[i].is_nan())
        .map(|i| (s.params[i].log10(), s.file_bytes[i].log10()))
        .unzip();
    assert!(pearson(&lp, &lb) > 0.9, "bytes track parameters");

    // Parameters grow: median known size of 2025 models above that of 2021 models.
    let median_in = |year: i32| {
        let mut v: Vec<f64> = (0..n)
            .filter(|&i| civil_from_days(s.created[i]).0 == year && !s.params[i].is_nan())
            .map(|i| s.params[i])
            .collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    assert!(median_in(2025) > 3.0 * median_in(2021));

    // Drift the incidence view can find: qwen2 absent in 2021, present in 2025.
    let share_in = |col: &hubecon::snapshot::Categorical, value: &str, year: i32| {
        let code = col.values.iter().position(|v| v == value).map(|c| c as u32);
        let models: Vec<usize> = (0..n)
            .filter(|&i| civil_from_days(s.created[i]).0 == year)
            .collect();
        models.iter().filter(|&&i| Some(col.codes[i]) == code).count() as f64 / models.len() as f64
    };
    assert!(share_in(&s.architecture, "qwen2", 2025) > share_in(&s.architecture, "qwen2", 2021) + 0.05);
    assert!(share_in(&s.country, "China", 2025) > share_in(&s.country, "China", 2021));
    for col in [
        &s.pipeline_tag,
        &s.library,
        &s.license,
        &s.gated,
        &s.org_type,
        &s.country,
        &s.training_data,
    ] {
        assert!(col.values.len() >= 2, "{:?}", col.values);
    }
    for m in [
        &s.languages,
        &s.input_modalities,
        &s.output_modalities,
        &s.training_methods,
    ] {
        assert!(m.values.len() >= 3, "{:?}", m.values);
    }
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

#[path = "import_common/digest.rs"]
mod digest;

/// The digest of `generate(5_000, 42)` as the native build computes it. This pins determinism
/// across platforms (tests/import_wasm.rs checks the wasm build gives the same), not correctness;
/// it changes only when the generator is deliberately changed.
pub const DIGEST_5000_SEED_42: u64 = 0xbadb_15fd_c8e9_184d;

#[test]
fn digest_is_pinned_for_the_wasm_comparison() {
    let d = digest::digest(&generate(5_000, 42).unwrap());
    println!("digest {d:#018x}");
    assert_eq!(
        d, DIGEST_5000_SEED_42,
        "generator output changed: update the constant here and in import_wasm.rs"
    );
}
