//! Lineage index, MDI and race views at scale and through the engine. Expected values come from
//! hand-worked cases or from brute-force set computations written here, independently of the
//! kernels (per focal model: build the sets C_F and C_P and intersect them).

use std::collections::{HashSet, VecDeque};

use hubecon::disruption::{self, MdiParams};
use hubecon::import::synthetic;
use hubecon::lineage::LineageIndex;
use hubecon::options::Options;
use hubecon::snapshot::{Relation, RelationSet, Snapshot, Strings};
use hubecon::time::NO_DATE;
use hubecon::Engine;

/// A chain 0 ← 1 ← 2 ← ... (model i derives from i − 1), one model a day.
fn chain(n: usize) -> Snapshot {
    let mut s = Snapshot {
        id: Strings::new(),
        base_offsets: vec![0],
        ..Default::default()
    };
    for i in 0..n {
        s.id.push(&format!("chain/m{i}"));
        s.created.push(18_000 + i as i32);
        if i > 0 {
            s.base_model.push(i as u32 - 1);
            s.base_relation.push(Relation::Finetune);
        }
        s.base_offsets.push(s.base_model.len() as u32);
    }
    s
}

#[test]
fn chain_of_100_000_models() {
    let n = 100_000;
    let s = chain(n);
    let ix = LineageIndex::build(&s);
    assert!(ix.repairs.is_clean());
    assert_eq!(ix.depth[n - 1], (n - 1) as u32);
    assert_eq!(ix.descendants[0], (n - 1) as u32);
    assert_eq!(ix.family_size_of(n / 2), n as u32);
    // Direct MDI: F = i has one derivative (i + 1) and its base's only other derivative is F
    // itself → n_i = 1, n_j = n_k = 0, MDI = 1; the last model has no derivative → null.
    let m = disruption::compute(&ix, &s.created, &MdiParams::default()).unwrap();
    assert_eq!(m.len(), n - 1);
    assert!(m.mdi[..n - 2].iter().all(|&x| x == 1.0));
    assert!(m.mdi[n - 2].is_nan());
}

#[test]
fn chain_closed_into_a_cycle_is_broken_once() {
    let n = 100_000;
    let mut s = chain(n);
    // Model 0 now derives from the last one: one cycle through every model.
    s.base_model.insert(0, (n - 1) as u32);
    s.base_relation.insert(0, Relation::Finetune);
    for o in s.base_offsets.iter_mut().skip(1) {
        *o += 1;
    }
    let ix = LineageIndex::build(&s);
    assert_eq!(ix.repairs.cycle_edges, 1);
    assert_eq!(ix.topo_order.len(), n);
    // The search starts at 0 and walks bases 0 → n−1 → n−2 → ... → 1, whose base 0 is on the
    // stack: the edge 1 → 0 is dropped, so 1 becomes the root and 0 the deepest model.
    assert!(ix.is_root(1));
    assert_eq!(ix.depth[0], (n - 1) as u32);
    assert_eq!(ix.repairs.notes().len(), 1);
}

/// Brute-force MDI of one model: the sets of the definition, straight from the snapshot columns.
fn brute_mdi(
    s: &Snapshot,
    f: usize,
    rel: RelationSet,
    window: Option<i32>,
    transitive: bool,
) -> (u32, u32, u32) {
    let n = s.models();
    let bases_of = |c: usize| -> Vec<usize> {
        let (a, b) = (s.base_offsets[c] as usize, s.base_offsets[c + 1] as usize);
        (a..b)
            .filter(|&e| rel.contains(s.base_relation[e]))
            .map(|e| s.base_model[e] as usize)
            .collect()
    };
    let t = s.created[f];
    let in_window = |c: usize| {
        let d = s.created[c];
        d != NO_DATE && d > t && window.is_none_or(|w| d <= t + w)
    };
    // derives(c, x, avoid): c lists x (direct) or has x as an ancestor by a chain avoiding `avoid`.
    let derives = |c: usize, x: usize, avoid: Option<usize>| -> bool {
        if !transitive {
            return bases_of(c).contains(&x);
        }
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([c]);
        while let Some(v) = queue.pop_front() {
            for p in bases_of(v) {
                if Some(p) == avoid {
                    continue;
                }
                if p == x {
                    return true;
                }
                if seen.insert(p) {
                    queue.push_back(p);
                }
            }
        }
        false
    };
    let parents = bases_of(f);
    let (mut n_i, mut n_j, mut n_k) = (0, 0, 0);
    for c in (0..n).filter(|&c| c != f && in_window(c)) {
        let in_f = derives(c, f, None);
        let in_p = parents.iter().any(|&p| derives(c, p, Some(f)));
        match (in_f, in_p) {
            (true, false) => n_i += 1,
            (true, true) => n_j += 1,
            (false, true) => n_k += 1,
            _ => {}
        }
    }
    (n_i, n_j, n_k)
}

#[test]
fn mdi_equals_brute_force_on_a_synthetic_snapshot() {
    let s = synthetic::generate(3000, 11).unwrap();
    let ix = LineageIndex::build(&s);
    let cases = [
        (RelationSet::ALL, Some(90), false),
        (RelationSet::ALL, None, false),
        (
            RelationSet::of(&[Relation::Finetune, Relation::Merge]),
            Some(30),
            false,
        ),
        (RelationSet::ALL, Some(180), true),
        (RelationSet::ALL, None, true),
        (
            RelationSet::of(&[Relation::Finetune, Relation::Adapter]),
            None,
            true,
        ),
    ];
    let mut overlapping = 0;
    for (rel, window, transitive) in cases {
        let params = MdiParams {
            relations: rel,
            window_days: window.map(|w| w as u32),
            transitive,
            score_roots: false,
        };
        let m = disruption::compute(&ix, &s.created, &params).unwrap();
        let mut nonzero = 0;
        for r in 0..m.len() {
            let f = m.model[r] as usize;
            let expected = brute_mdi(&s, f, rel, window, transitive);
            assert_eq!(
                (m.n_i[r], m.n_j[r], m.n_k[r]),
                expected,
                "model {f} relations {:?} window {window:?} transitive {transitive}",
                rel.names()
            );
            nonzero += (expected != (0, 0, 0)) as usize;
            overlapping += (expected.1 > 0) as usize;
        }
        assert!(
            nonzero >= 15,
            "case {window:?} {transitive}: only {nonzero} non-empty rows"
        );
        // Every dated model with a base under the filter is scored, and only those.
        let scored: usize = (0..s.models())
            .filter(|&i| {
                s.created[i] != NO_DATE
                    && (s.base_offsets[i]..s.base_offsets[i + 1])
                        .any(|e| rel.contains(s.base_relation[e as usize]))
            })
            .count();
        assert_eq!(m.len(), scored);
    }
    // The generator's consolidating links (a derivative listing F and F's base) give n_j > 0.
    assert!(overlapping > 0, "no row with n_j > 0");
}

#[test]
fn descendants_equal_brute_force_on_a_synthetic_snapshot() {
    // Distinct descendants by a search from every model along the children, straight from the
    // snapshot columns; the snapshot has merges and derivatives listing a base and its base.
    let s = synthetic::generate(20_000, 3).unwrap();
    let n = s.models();
    let mut children = vec![Vec::new(); n];
    for c in 0..n {
        for e in s.base_offsets[c] as usize..s.base_offsets[c + 1] as usize {
            children[s.base_model[e] as usize].push(c);
        }
    }
    let ix = LineageIndex::build(&s);
    assert!(ix.descendants_exact);
    let mut multi_path = 0;
    for v in 0..n {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([v]);
        let mut paths = 0usize;
        while let Some(x) = queue.pop_front() {
            for &c in &children[x] {
                paths += 1;
                if seen.insert(c) {
                    queue.push_back(c);
                }
            }
        }
        assert_eq!(ix.descendants[v] as usize, seen.len(), "model {v}");
        multi_path += (paths > seen.len()) as usize;
    }
    assert!(
        multi_path > 5,
        "only {multi_path} models reach a descendant twice"
    );
}

fn engine() -> Engine {
    Engine::new(synthetic::generate(20_000, 3).unwrap())
}

fn header(csv: &str) -> &str {
    csv.lines().next().unwrap_or("")
}

#[test]
fn views_have_the_issue_columns() {
    let e = engine();
    let o = Options::default();
    let mdi = e.report("mdi", &o).unwrap();
    assert_eq!(header(&mdi.main().to_csv()), "model,created,n_i,n_j,n_k,mdi");
    let w = Options::from_pairs([("weighted", "true")]).unwrap();
    assert_eq!(
        header(&e.report("mdi", &w).unwrap().main().to_csv()),
        "model,created,n_i,n_j,n_k,mdi,mcd"
    );
    let race = e.report("race", &o).unwrap();
    assert_eq!(
        header(&race.main().to_csv()),
        "spec,outcome,term,estimate,std_error,t,p,n,groups,r2"
    );
    assert!(race.table("scatter").is_some());
    let specs: HashSet<String> = race
        .main()
        .to_json_rows()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["spec"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(specs.len(), 3);
    let data = e.report("race-data", &o).unwrap();
    assert!(header(&data.main().to_csv())
        .starts_with("base,model,relation,created,order,percentile,days_since_base,crowding,siblings,"));
    // The race sample's first base has at least min_siblings rows.
    assert!(data.main().rows() >= 5);
}

#[test]
fn mdi_summary_is_consistent_with_mdi() {
    let e = engine();
    let o = Options::from_pairs([("top", "7")]).unwrap();
    let rows = e.report("mdi", &o).unwrap().main().to_json_rows();
    let rows = rows.as_array().unwrap();
    let values: Vec<f64> = rows.iter().filter_map(|r| r["mdi"].as_f64()).collect();
    let summary = e.report("mdi-summary", &o).unwrap();
    let main = summary.main().to_json_rows();
    let all = &main[0];
    assert_eq!(all["group"], "all");
    assert_eq!(all["models"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(all["with_index"].as_u64().unwrap() as usize, values.len());
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    assert!((all["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    let disruptive = values.iter().filter(|&&x| x > 0.0).count() as f64 / values.len() as f64;
    assert!((all["disruptive"].as_f64().unwrap() - disruptive).abs() < 1e-12);
    let shares: f64 = ["disruptive", "neutral", "consolidating"]
        .iter()
        .map(|k| all[k].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-12);
    // Each grouping partitions the scored models.
    for group in ["size", "relation", "pipeline_tag"] {
        let total: u64 = main
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["group"] == group)
            .map(|r| r["models"].as_u64().unwrap())
            .sum();
        assert_eq!(total as usize, rows.len(), "{group}");
    }
    let top = summary.table("top").unwrap().to_json_rows();
    let top = top.as_array().unwrap();
    assert_eq!(top.len(), 7);
    let best = values.iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(top[0]["mdi"].as_f64().unwrap(), best);
    assert!(top
        .windows(2)
        .all(|w| w[0]["mdi"].as_f64() >= w[1]["mdi"].as_f64()));
    let hist = summary.table("histogram").unwrap().to_json_rows();
    let counted: u64 = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["models"].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, values.len());
}

#[test]
fn options_reach_the_kernels() {
    let e = engine();
    let count = |pairs: &[(&str, &str)]| {
        let o = Options::from_pairs(pairs.iter().copied()).unwrap();
        e.report("mdi", &o).unwrap().main().rows()
    };
    let base = count(&[]);
    assert!(count(&[("score-roots", "true")]) > base);
    assert!(count(&[("relations", "merge")]) < base);
    let race_rows = |pairs: &[(&str, &str)]| {
        let o = Options::from_pairs(pairs.iter().copied()).unwrap();
        e.report("race-data", &o).unwrap().main().rows()
    };
    assert!(race_rows(&[("min-siblings", "20")]) < race_rows(&[]));
    assert!(race_rows(&[("relations", "finetune,adapter,merge,quantized")]) > race_rows(&[]));
    // An impossible sample is a clear error, not a panic.
    let o = Options::from_pairs([("min-siblings", "1000000")]).unwrap();
    let err = e.report("race", &o).unwrap_err().to_string();
    assert!(err.contains("1000000"), "{err}");
}

#[test]
fn empty_snapshot_views() {
    let e = Engine::new(synthetic::generate(0, 1).unwrap());
    let o = Options::default();
    assert_eq!(e.report("mdi", &o).unwrap().main().rows(), 0);
    let s = e.report("mdi-summary", &o).unwrap();
    assert_eq!(s.main().rows(), 0);
    assert_eq!(s.table("top").unwrap().rows(), 0);
    assert_eq!(e.report("race-data", &o).unwrap().main().rows(), 0);
    assert!(e.report("race", &o).is_err());
}

/// Real Hub lineage (25 base-model family trees with creation dates, downloads and likes) from
/// ../shared/data, when it is there: MDI equals the brute force, and race fits.
#[test]
fn real_family_trees_from_shared_data() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/hamidahoderinwale_model_metadata_analyses"
    );
    if !std::path::Path::new(dir).exists() {
        println!("skipped: {dir} is not on this machine");
        return;
    }
    let flags = vec![
        ("edges".to_string(), format!("{dir}/family_edges.csv")),
        ("nodes".to_string(), format!("{dir}/family_nodes.csv")),
    ];
    let s = hubecon::import::build("csv", &flags).unwrap();
    let ix = LineageIndex::build(&s);
    assert!(ix.repairs.is_clean(), "{:?}", ix.repairs);
    for window in [Some(90), None] {
        let params = MdiParams {
            window_days: window.map(|w| w as u32),
            ..Default::default()
        };
        let m = disruption::compute(&ix, &s.created, &params).unwrap();
        assert!(m.len() > 1000, "{} scored", m.len());
        // The brute force is quadratic: every 5th scored model.
        for r in (0..m.len()).step_by(5) {
            let f = m.model[r] as usize;
            assert_eq!(
                (m.n_i[r], m.n_j[r], m.n_k[r]),
                brute_mdi(&s, f, RelationSet::ALL, window, false),
                "{} window {window:?}",
                s.id.get(f)
            );
        }
    }
    let e = Engine::new(s);
    let race = e.report("race", &Options::default()).unwrap();
    assert!(race.main().rows() > 10);
}

#[test]
fn the_kept_mdi_serves_only_its_own_options() {
    // One engine reports the MDI under options A, B, then A again (the engine keeps the last
    // index); each report equals that of an engine that never computed another.
    let e = engine();
    let a = Options::from_pairs([("top", "3")]).unwrap();
    let b = Options::from_pairs([("top", "3"), ("window-days", "30"), ("relations", "finetune")]).unwrap();
    let top_changed = Options::from_pairs([("top", "5")]).unwrap();
    for o in [&a, &b, &a, &top_changed, &b] {
        for view in ["mdi", "mdi-summary"] {
            let got = e.report(view, o).unwrap().to_json();
            let want = engine().report(view, o).unwrap().to_json();
            assert_eq!(got, want, "{view}");
        }
    }
    assert_ne!(
        e.report("mdi", &a).unwrap().to_json(),
        e.report("mdi", &b).unwrap().to_json()
    );
}
