//! MDI and race regressions against independent references, from committed fixtures (no Python
//! at test time). The scripts and the commands that made the fixtures are in
//! tests/reference/lineage/README.md.

use std::collections::HashMap;

use hubecon::disruption::{self, MdiParams};
use hubecon::lineage::LineageIndex;
use hubecon::race::{self, RaceData};
use hubecon::snapshot::{Relation, RelationSet, Snapshot};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lineage");

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).expect("fixture present");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    // The fixtures hold no quoted fields (ids without commas).
    let rows = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name}"))
}

/// Graph number → snapshot with only ids, days and bases.
fn graphs() -> HashMap<u32, Snapshot> {
    let (h, rows) = read_csv("mdi_graphs.csv");
    let (g, m, d, b) = (
        col(&h, "graph"),
        col(&h, "model"),
        col(&h, "day"),
        col(&h, "bases"),
    );
    let mut out: HashMap<u32, Snapshot> = HashMap::new();
    for r in &rows {
        let s = out.entry(r[g].parse().unwrap()).or_insert_with(|| Snapshot {
            id: hubecon::snapshot::Strings::new(),
            base_offsets: vec![0],
            ..Default::default()
        });
        let model: usize = r[m].parse().unwrap();
        assert_eq!(model, s.id.len(), "models in order");
        s.id.push(&format!("g/{model}"));
        s.created.push(r[d].parse().unwrap());
        let bases: Vec<u32> = r[b]
            .split(';')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect();
        let rel = if bases.len() > 1 {
            Relation::Merge
        } else {
            Relation::Finetune
        };
        for p in bases {
            s.base_model.push(p);
            s.base_relation.push(rel);
        }
        s.base_offsets.push(s.base_model.len() as u32);
    }
    out
}

#[test]
fn mdi_matches_cdindex() {
    let graphs = graphs();
    let (h, rows) = read_csv("mdi_cdindex_expected.csv");
    let (g, m, w, cd, mcd) = (
        col(&h, "graph"),
        col(&h, "model"),
        col(&h, "window"),
        col(&h, "cd"),
        col(&h, "mcd"),
    );
    let mut cache: HashMap<(u32, String), disruption::Mdi> = HashMap::new();
    let early = col(&h, "early");
    let (mut compared, mut nulls, mut negative, mut mcd_compared) = (0, 0, 0, 0);
    for r in &rows {
        let graph: u32 = r[g].parse().unwrap();
        let s = &graphs[&graph];
        let result = cache.entry((graph, r[w].clone())).or_insert_with(|| {
            let params = MdiParams {
                relations: RelationSet::ALL,
                window_days: if r[w] == "unbounded" {
                    None
                } else {
                    Some(r[w].parse().unwrap())
                },
                transitive: false,
                score_roots: true,
            };
            disruption::compute(&LineageIndex::build(s), &s.created, &params).unwrap()
        });
        let model: u32 = r[m].parse().unwrap();
        let row = result
            .model
            .iter()
            .position(|&x| x == model)
            .expect("every model is scored");
        let ours = result.mdi[row];
        if r[cd].is_empty() {
            assert!(
                ours.is_nan(),
                "graph {graph} model {model} window {}: {ours} vs null",
                r[w]
            );
            nulls += 1;
        } else {
            let expected: f64 = r[cd].parse().unwrap();
            assert!(
                (ours - expected).abs() < 1e-12,
                "graph {graph} model {model} window {}: {ours} vs {expected}",
                r[w]
            );
            // cdindex's mCD also counts derivatives dated on or before F (see the script).
            if r[early] == "0" {
                let expected_mcd: f64 = r[mcd].parse().unwrap();
                mcd_compared += 1;
                assert!(
                    (result.mcd(row) - expected_mcd).abs() < 1e-12,
                    "mcd graph {graph} model {model} window {}: {} vs {expected_mcd} (n_i {} n_j {} n_k {})",
                    r[w],
                    result.mcd(row),
                    result.n_i[row],
                    result.n_j[row],
                    result.n_k[row]
                );
            }
            if expected < 0.0 {
                negative += 1;
            }
        }
        compared += 1;
    }
    // The fixture exercises nulls and consolidating models, not only trees.
    assert!(
        compared > 1000 && nulls > 100 && negative > 10 && mcd_compared > 300,
        "{compared} {nulls} {negative} {mcd_compared}"
    );
}

/// The race-data fixture back into columns (the CSV carries every regressor).
fn race_fixture() -> RaceData {
    let (h, rows) = read_csv("race_data.csv");
    let f = |r: &Vec<String>, name: &str| -> f64 {
        let v = &r[col(&h, name)];
        if v.is_empty() {
            f64::NAN
        } else {
            v.parse().unwrap()
        }
    };
    let mut bases: HashMap<String, u32> = HashMap::new();
    let mut d = RaceData::default();
    for (i, r) in rows.iter().enumerate() {
        let next = bases.len() as u32;
        d.base
            .push(*bases.entry(r[col(&h, "base")].clone()).or_insert(next));
        d.model.push(i as u32);
        d.relation.push(Relation::parse(&r[col(&h, "relation")]).unwrap());
        d.percentile.push(f(r, "percentile"));
        d.crowding.push(f(r, "crowding") as u32);
        d.ln_downloads.push(f(r, "ln_downloads"));
        d.ln_likes.push(f(r, "ln_likes"));
        d.ln_params.push(f(r, "ln_params"));
        d.params_missing.push(f(r, "params_missing"));
        d.author_prior.push(f(r, "author_prior"));
        d.base_prominence.push(f(r, "base_prominence"));
        d.release_month.push(f(r, "release_month") as i32);
    }
    d
}

#[test]
fn race_matches_statsmodels() {
    let data = race_fixture();
    assert!(data.len() > 300, "fixture has {} rows", data.len());
    let fitted = race::fit(&data, race::DEFAULT_RELATIONS).unwrap();
    assert!(fitted.failures.is_empty(), "{:?}", fitted.failures);
    let fits = fitted.fits;
    let (h, rows) = read_csv("race_statsmodels_expected.csv");
    let c = |n: &str| col(&h, n);
    let mut compared = 0;
    for r in &rows {
        let sf = fits
            .iter()
            .find(|f| f.spec == r[c("spec")] && f.outcome == r[c("outcome")])
            .unwrap_or_else(|| panic!("spec {} {}", r[c("spec")], r[c("outcome")]));
        let fit = &sf.fit;
        let k = fit
            .terms
            .iter()
            .position(|t| *t == r[c("term")])
            .unwrap_or_else(|| panic!("term {} in {}", r[c("term")], sf.spec));
        let close = |ours: f64, name: &str| {
            let expected: f64 = r[c(name)].parse().unwrap();
            assert!(
                (ours - expected).abs() <= 1e-8 * expected.abs().max(1.0),
                "{} {} {} {name}: {ours} vs {expected}",
                sf.spec,
                sf.outcome,
                fit.terms[k]
            );
        };
        close(fit.estimate[k], "estimate");
        close(fit.std_error[k], "std_error");
        close(fit.t[k], "t");
        close(fit.p[k], "p");
        close(fit.r2, "r2");
        close(fit.df, "df");
        assert_eq!(fit.n.to_string(), r[c("n")]);
        compared += 1;
    }
    // Every term we report is in the reference, and the reverse.
    let ours: usize = fits.iter().map(|f| f.fit.terms.len()).sum();
    assert_eq!(compared, ours);
}
