//! The views of the lineage studies: Model Disruption Index (`mdi`, `mdi-summary`) and Racing to
//! Release (`race`, `race-data`) (issue 4). The kernels live in [`crate::disruption`],
//! [`crate::race`] and [`crate::stats`]; this module only shapes their columns into tables.

use crate::disruption::{Mdi, MdiParams};
use crate::engine::Engine;
use crate::options::Options;
use crate::race::{self, RaceData, RaceParams};
use crate::snapshot::{RelationSet, Snapshot};
use crate::time::format_date;
use crate::views::{Report, Table};
use crate::{Error, Result};

pub fn run(engine: &Engine, view: &str, options: &Options) -> Result<Report> {
    match view {
        "mdi" | "mdi-summary" => {
            let params = mdi_params(options);
            let index = engine.lineage();
            let mdi = engine.mdi(&params)?;
            let mut report = if view == "mdi" {
                Report::new(view, mdi_table(&engine.snapshot, &mdi, options.weighted))
            } else {
                mdi_summary(engine, &mdi, options)
            };
            report.notes.push(mdi_note(&params, mdi.len()));
            let undated = engine
                .snapshot
                .created
                .iter()
                .filter(|&&d| d == crate::time::NO_DATE)
                .count();
            if undated > 0 {
                report.notes.push(format!(
                    "{undated} models without a creation date are neither scored nor counted in any window"
                ));
            }
            report.notes.extend(index.repairs.notes());
            Ok(report)
        }
        "race" | "race-data" => {
            let params = race_params(options);
            let index = engine.lineage();
            let data = race::race_data(&engine.snapshot, index, &params);
            let mut report = if view == "race-data" {
                Report::new(view, race_data_table(&engine.snapshot, &data))
            } else {
                if data.is_empty() {
                    return Err(Error::Compute(format!(
                        "race: no base model has {} or more derivatives ({}) with a creation date",
                        params.min_siblings,
                        params.relations.names().join(", ")
                    )));
                }
                race_report(&data, &params)?
            };
            report.notes.extend(index.repairs.notes());
            Ok(report)
        }
        other => Err(Error::UnknownView(
            other.to_string(),
            crate::views::VIEWS.join(", "),
        )),
    }
}

/// The MDI options: relations default to all.
pub fn mdi_params(o: &Options) -> MdiParams {
    MdiParams {
        relations: o.relations_or(RelationSet::ALL),
        window_days: o.window_days,
        transitive: o.transitive,
        score_roots: o.score_roots,
    }
}

/// The race options: relations default to finetune, adapter, merge.
pub fn race_params(o: &Options) -> RaceParams {
    RaceParams {
        relations: o.relations_or(race::DEFAULT_RELATIONS),
        min_siblings: o.min_siblings,
        crowding_days: o.crowding_days,
    }
}

fn mdi_note(p: &MdiParams, scored: usize) -> String {
    format!(
        "MDI of {scored} models; window {}; relations {}; {}{}",
        p.window_days
            .map(|w| format!("{w} days"))
            .unwrap_or_else(|| "unbounded".into()),
        p.relations.names().join(", "),
        if p.transitive {
            "transitive"
        } else {
            "direct derivatives"
        },
        if p.score_roots {
            "; models without bases scored"
        } else {
            "; models without bases not scored"
        }
    )
}

fn opt_f64(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn id_of(s: &Snapshot, i: u32) -> Option<String> {
    Some(s.id.get(i as usize).to_string())
}

fn date_of(s: &Snapshot, i: u32) -> Option<String> {
    let d = s.created.get(i as usize).copied().unwrap_or(crate::time::NO_DATE);
    let text = format_date(d);
    (!text.is_empty()).then_some(text)
}

/// `model,created,n_i,n_j,n_k,mdi[,mcd]`, one row per scored model.
pub fn mdi_table(s: &Snapshot, m: &Mdi, weighted: bool) -> Table {
    let mut t = Table::new("mdi");
    t.push_str("model", m.model.iter().map(|&i| id_of(s, i)).collect());
    t.push_str("created", m.model.iter().map(|&i| date_of(s, i)).collect());
    t.push_i64("n_i", m.n_i.iter().map(|&x| Some(x as i64)).collect());
    t.push_i64("n_j", m.n_j.iter().map(|&x| Some(x as i64)).collect());
    t.push_i64("n_k", m.n_k.iter().map(|&x| Some(x as i64)).collect());
    t.push_f64("mdi", m.mdi.iter().map(|&x| opt_f64(x)).collect());
    if weighted {
        t.push_f64("mcd", (0..m.len()).map(|r| opt_f64(m.mcd(r))).collect());
    }
    t
}

/// Size classes of the summary, by parameter count.
pub const SIZE_CLASSES: [&str; 5] = ["<1B", "1B-7B", "7B-30B", "30B+", "unknown"];

fn size_class(params: f64) -> usize {
    if !params.is_finite() || params <= 0.0 {
        4
    } else if params < 1e9 {
        0
    } else if params < 7e9 {
        1
    } else if params < 30e9 {
        2
    } else {
        3
    }
}

/// Summary rows of one group: (models, with index, mean, median, shares > 0, = 0, < 0).
struct Summary {
    models: usize,
    values: Vec<f64>,
}

impl Summary {
    fn new() -> Self {
        Summary {
            models: 0,
            values: Vec::new(),
        }
    }
    fn add(&mut self, x: f64) {
        self.models += 1;
        if x.is_finite() {
            self.values.push(x);
        }
    }
}

#[derive(Default)]
struct SummaryTable {
    group: Vec<Option<String>>,
    value: Vec<Option<String>>,
    models: Vec<Option<i64>>,
    with_index: Vec<Option<i64>>,
    mean: Vec<Option<f64>>,
    median: Vec<Option<f64>>,
    disruptive: Vec<Option<f64>>,
    neutral: Vec<Option<f64>>,
    consolidating: Vec<Option<f64>>,
}

impl SummaryTable {
    /// Empty groups give no row; a group whose models all have a null index gives nulls.
    fn push(&mut self, group: &str, value: &str, mut s: Summary) {
        if s.models == 0 {
            return;
        }
        let k = s.values.len();
        self.group.push(Some(group.into()));
        self.value.push(Some(value.into()));
        self.models.push(Some(s.models as i64));
        self.with_index.push(Some(k as i64));
        if k == 0 {
            for v in [
                &mut self.mean,
                &mut self.median,
                &mut self.disruptive,
                &mut self.neutral,
                &mut self.consolidating,
            ] {
                v.push(None);
            }
            return;
        }
        s.values.sort_unstable_by(|a, b| a.total_cmp(b));
        let v = &s.values;
        let median = if k % 2 == 1 {
            v[k / 2]
        } else {
            (v[k / 2 - 1] + v[k / 2]) / 2.0
        };
        let share = |f: &dyn Fn(f64) -> bool| v.iter().filter(|&&x| f(x)).count() as f64 / k as f64;
        self.mean.push(Some(v.iter().sum::<f64>() / k as f64));
        self.median.push(Some(median));
        self.disruptive.push(Some(share(&|x| x > 0.0)));
        self.neutral.push(Some(share(&|x| x == 0.0)));
        self.consolidating.push(Some(share(&|x| x < 0.0)));
    }

    fn table(self) -> Table {
        let mut t = Table::new("mdi-summary");
        t.push_str("group", self.group);
        t.push_str("value", self.value);
        t.push_i64("models", self.models);
        t.push_i64("with_index", self.with_index);
        t.push_f64("mean", self.mean);
        t.push_f64("median", self.median);
        t.push_f64("disruptive", self.disruptive);
        t.push_f64("neutral", self.neutral);
        t.push_f64("consolidating", self.consolidating);
        t
    }
}

/// Distribution of the MDI: for all scored models, by size class, by relation to the bases (the
/// first base's relation under the filter; `none` for scored roots) and by pipeline tag (most
/// frequent first). Shares are among models with a non-null index. Tables `top` (the `top` most
/// disruptive: MDI, then derivatives n_i, descending) and `histogram` (20 bins over [−1, 1]).
pub fn mdi_summary(engine: &Engine, m: &Mdi, options: &Options) -> Report {
    let s = &engine.snapshot;
    let index = engine.lineage();
    let relations = options.relations_or(RelationSet::ALL);
    let mut out = SummaryTable::default();

    let mut all = Summary::new();
    let mut by_size: Vec<Summary> = SIZE_CLASSES.iter().map(|_| Summary::new()).collect();
    let mut by_relation: Vec<Summary> = (0..6).map(|_| Summary::new()).collect();
    let tags = s.pipeline_tag.values.len();
    let mut by_tag: Vec<Summary> = (0..=tags).map(|_| Summary::new()).collect();
    for (r, &f) in m.model.iter().enumerate() {
        let x = m.mdi.get(r).copied().unwrap_or(f64::NAN);
        let f = f as usize;
        all.add(x);
        by_size[size_class(s.params.get(f).copied().unwrap_or(f64::NAN))].add(x);
        let (_, rels) = index.parents(f);
        let rel = rels
            .iter()
            .find(|r| relations.contains(**r))
            .map(|r| *r as usize)
            .unwrap_or(5);
        by_relation[rel].add(x);
        let tag = s
            .pipeline_tag
            .codes
            .get(f)
            .map(|&c| c as usize)
            .filter(|&c| c < tags)
            .unwrap_or(tags);
        by_tag[tag].add(x);
    }
    out.push("all", "all", all);
    for (name, g) in SIZE_CLASSES.iter().zip(by_size) {
        out.push("size", name, g);
    }
    let relation_names = ["finetune", "adapter", "quantized", "merge", "other", "none"];
    for (name, g) in relation_names.iter().zip(by_relation) {
        out.push("relation", name, g);
    }
    let mut tag_order: Vec<usize> = (0..=tags).collect();
    tag_order.sort_by_key(|&t| (std::cmp::Reverse(by_tag[t].models), t));
    let mut by_tag: Vec<Option<Summary>> = by_tag.into_iter().map(Some).collect();
    for t in tag_order {
        let name = s
            .pipeline_tag
            .values
            .get(t)
            .map(|v| v.as_str())
            .unwrap_or("unknown");
        if let Some(g) = by_tag.get_mut(t).and_then(|g| g.take()) {
            out.push("pipeline_tag", name, g);
        }
    }

    Report::new("mdi-summary", out.table())
        .with(top_table(s, m, options.top))
        .with(histogram(m))
}

/// The `top` most disruptive models (non-null MDI, descending; ties by more derivatives, then by
/// model id, so that the row order of the snapshot does not pick among equals).
pub fn top_table(s: &Snapshot, m: &Mdi, top: usize) -> Table {
    let mut rows: Vec<usize> = (0..m.len()).filter(|&r| m.mdi[r].is_finite()).collect();
    let key = |&a: &usize, &b: &usize| {
        m.mdi[b]
            .total_cmp(&m.mdi[a])
            .then(m.n_i[b].cmp(&m.n_i[a]))
            .then_with(|| s.id.get(m.model[a] as usize).cmp(s.id.get(m.model[b] as usize)))
    };
    if rows.len() > top && top > 0 {
        rows.select_nth_unstable_by(top - 1, key);
        rows.truncate(top);
    }
    rows.sort_by(key);
    let mut t = Table::new("top");
    t.push_i64("rank", (1..=rows.len() as i64).map(Some).collect());
    t.push_str("model", rows.iter().map(|&r| id_of(s, m.model[r])).collect());
    t.push_str("created", rows.iter().map(|&r| date_of(s, m.model[r])).collect());
    t.push_i64("n_i", rows.iter().map(|&r| Some(m.n_i[r] as i64)).collect());
    t.push_i64("n_j", rows.iter().map(|&r| Some(m.n_j[r] as i64)).collect());
    t.push_i64("n_k", rows.iter().map(|&r| Some(m.n_k[r] as i64)).collect());
    t.push_f64("mdi", rows.iter().map(|&r| opt_f64(m.mdi[r])).collect());
    t.push_f64("mcd", rows.iter().map(|&r| opt_f64(m.mcd(r))).collect());
    t.push_str(
        "pipeline_tag",
        rows.iter()
            .map(|&r| s.pipeline_tag.get(m.model[r] as usize).map(|v| v.to_string()))
            .collect(),
    );
    t.push_f64(
        "params",
        rows.iter()
            .map(|&r| s.params.get(m.model[r] as usize).copied().and_then(opt_f64))
            .collect(),
    );
    t
}

/// 20 equal bins over [−1, 1] (the last one closed), counts of non-null MDI values.
pub fn histogram(m: &Mdi) -> Table {
    const BINS: usize = 20;
    let mut counts = [0i64; BINS];
    for &x in m.mdi.iter().filter(|x| x.is_finite()) {
        let b = (((x + 1.0) / 2.0 * BINS as f64).floor().max(0.0) as usize).min(BINS - 1);
        counts[b] += 1;
    }
    let edge = |b: usize| -1.0 + 2.0 * b as f64 / BINS as f64;
    let mut t = Table::new("histogram");
    t.push_f64("bin_start", (0..BINS).map(|b| Some(edge(b))).collect());
    t.push_f64("bin_end", (0..BINS).map(|b| Some(edge(b + 1))).collect());
    t.push_i64("models", counts.iter().map(|&c| Some(c)).collect());
    t
}

/// The race sample, one row per (base, derivative).
pub fn race_data_table(s: &Snapshot, d: &RaceData) -> Table {
    let f = |v: &[f64]| v.iter().map(|&x| opt_f64(x)).collect::<Vec<_>>();
    let mut t = Table::new("race-data");
    t.push_str("base", d.base.iter().map(|&i| id_of(s, i)).collect());
    t.push_str("model", d.model.iter().map(|&i| id_of(s, i)).collect());
    t.push_str(
        "relation",
        d.relation.iter().map(|r| Some(r.as_str().to_string())).collect(),
    );
    t.push_str("created", d.model.iter().map(|&i| date_of(s, i)).collect());
    t.push_i64("order", d.order.iter().map(|&x| Some(x as i64)).collect());
    t.push_f64("percentile", f(&d.percentile));
    t.push_f64("days_since_base", f(&d.days_since_base));
    t.push_i64("crowding", d.crowding.iter().map(|&x| Some(x as i64)).collect());
    t.push_i64("siblings", d.siblings.iter().map(|&x| Some(x as i64)).collect());
    t.push_f64("downloads", f(&d.downloads));
    t.push_f64("likes", f(&d.likes));
    t.push_f64("ln_downloads", f(&d.ln_downloads));
    t.push_f64("ln_likes", f(&d.ln_likes));
    t.push_f64("ln_params", f(&d.ln_params));
    t.push_f64("params_missing", f(&d.params_missing));
    t.push_f64("author_prior", f(&d.author_prior));
    t.push_f64("base_prominence", f(&d.base_prominence));
    t.push_i64(
        "release_month",
        d.release_month.iter().map(|&x| Some(x as i64)).collect(),
    );
    t
}

/// `spec,outcome,term,estimate,std_error,t,p,n,groups,r2` plus the `scatter` table.
fn race_report(d: &RaceData, params: &RaceParams) -> Result<Report> {
    let race::RaceFits { fits, failures } = race::fit(d, params.relations)?;
    let mut t = Table::new("race");
    let (mut spec, mut outcome, mut term) = (Vec::new(), Vec::new(), Vec::new());
    let (mut est, mut se, mut tv, mut p) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut n, mut groups, mut r2) = (Vec::new(), Vec::new(), Vec::new());
    let mut notes = Vec::new();
    for sf in &fits {
        let fit = &sf.fit;
        for k in 0..fit.terms.len() {
            spec.push(Some(sf.spec.to_string()));
            outcome.push(Some(sf.outcome.to_string()));
            term.push(Some(fit.terms[k].clone()));
            est.push(opt_f64(fit.estimate[k]));
            se.push(opt_f64(fit.std_error[k]));
            tv.push(opt_f64(fit.t[k]));
            p.push(opt_f64(fit.p[k]));
            n.push(Some(fit.n as i64));
            groups.push((fit.groups > 0).then_some(fit.groups as i64));
            r2.push(opt_f64(fit.r2));
        }
        let mut note = format!(
            "race {} ({}): n = {}, k = {}, t with {} df",
            sf.spec, sf.outcome, fit.n, fit.k, fit.df
        );
        if fit.clusters > 0 {
            note.push_str(&format!(", {} base clusters (CR1)", fit.clusters));
        } else {
            note.push_str(", HC1");
        }
        if sf.missing > 0 {
            note.push_str(&format!(", {} rows with a missing value left out", sf.missing));
        }
        if !fit.dropped.is_empty() {
            note.push_str(&format!(
                ", dropped as constant or collinear: {}",
                fit.dropped.join(", ")
            ));
        }
        notes.push(note);
    }
    t.push_str("spec", spec);
    t.push_str("outcome", outcome);
    t.push_str("term", term);
    t.push_f64("estimate", est);
    t.push_f64("std_error", se);
    t.push_f64("t", tv);
    t.push_f64("p", p);
    t.push_i64("n", n);
    t.push_i64("groups", groups);
    t.push_f64("r2", r2);
    let mut report = Report::new("race", t).with(scatter(d));
    report.notes = notes;
    report.notes.extend(failures);
    report.notes.push(format!(
        "race sample: {} derivatives of bases with at least {} derivatives ({}); crowding window {} days",
        d.len(),
        params.min_siblings,
        params.relations.names().join(", "),
        params.crowding_days
    ));
    Ok(report)
}

/// Recognition against release percentile: 20 bins of `percentile` ((0.00, 0.05], ...), with the
/// mean of each outcome over the rows where it is known.
pub fn scatter(d: &RaceData) -> Table {
    const BINS: usize = 20;
    let mut count = [0i64; BINS];
    let mut sums = [[0f64; 2]; BINS];
    let mut known = [[0i64; 2]; BINS];
    for r in 0..d.len() {
        let b = ((d.percentile[r] * BINS as f64).ceil() as usize).clamp(1, BINS) - 1;
        count[b] += 1;
        for (o, v) in [d.ln_downloads[r], d.ln_likes[r]].into_iter().enumerate() {
            if v.is_finite() {
                sums[b][o] += v;
                known[b][o] += 1;
            }
        }
    }
    let mean = |b: usize, o: usize| (known[b][o] > 0).then(|| sums[b][o] / known[b][o] as f64);
    let mut t = Table::new("scatter");
    t.push_f64(
        "percentile_start",
        (0..BINS).map(|b| Some(b as f64 / BINS as f64)).collect(),
    );
    t.push_f64(
        "percentile_end",
        (0..BINS).map(|b| Some((b + 1) as f64 / BINS as f64)).collect(),
    );
    t.push_i64("derivatives", count.iter().map(|&c| Some(c)).collect());
    t.push_f64("mean_ln_downloads", (0..BINS).map(|b| mean(b, 0)).collect());
    t.push_f64("mean_ln_likes", (0..BINS).map(|b| mean(b, 1)).collect());
    t
}
