//! The views of "Economies of Open Intelligence" (issue 3). The semantics are documented in
//! `docs/economies.md`, in [`crate::filter`] (which models and rows count), [`crate::attribution`]
//! (roots, depths, credits) and [`crate::aggregate`] (periods, caches).
//!
//! The attribution option (direct / root) applies to the unit views: `leaderboard`, `shares`,
//! `concentration`, `org-by-country`. The attribute views (`incidence`, `sizes`, `flows`,
//! `modality`, `trends`) describe models by their own attributes and credit each model's downloads
//! to itself.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::aggregate::{
    add_rows, cut_days, cut_index, cut_labels, period_runs, period_segments, whole_credit, Context, Groups,
    PeriodMap, DENSE_CELLS, NO_SIZE,
};
use crate::attribution::Credits;
use crate::concentration::{measures, measures_of_counts, percentile_interval, Measures};
use crate::engine::Engine;
use crate::filter::{code_of, rows_total, take_total, NO_WEEK};
use crate::incidence::{add_by_sets, chi2_table, value_test, LabelSets};
use crate::options::{Attribution, Basis, Granularity, Level, Options};
use crate::rng::Rng;
use crate::sizes::{SizeGroup, SizePairs, WeightedSize};
use crate::snapshot::{Attribute, Categorical, MultiLabel, Relation, Snapshot, ATTRIBUTES};
use crate::time::{civil_from_days, parse_date, week_of_day, NO_DATE};
use crate::views::{Report, Table};
use crate::{Error, Result};

/// Most (period, value) cells the `trends` view accumulates (8 bytes each).
const MAX_TREND_CELLS: usize = 1 << 23;

/// The label of models without a value of an attribute.
pub const MISSING: &str = "(missing)";

pub fn run(engine: &Engine, view: &str, options: &Options) -> Result<Report> {
    let mut ctx = Context::new(engine, options)?;
    let mut report = match view {
        "leaderboard" => leaderboard(&mut ctx),
        "shares" => shares(&mut ctx)?,
        "concentration" => concentration(&mut ctx)?,
        "org-by-country" => org_by_country(&mut ctx),
        "incidence" => incidence(&mut ctx)?,
        "sizes" => sizes(&mut ctx)?,
        "flows" => flows(&mut ctx),
        "modality" => modality(&mut ctx),
        "trends" => trends(&mut ctx)?,
        other => {
            return Err(Error::UnknownView(
                other.to_string(),
                crate::views::VIEWS.join(", "),
            ))
        }
    };
    let mut notes = std::mem::take(&mut ctx.notes);
    notes.append(&mut report.notes);
    report.notes = notes;
    Ok(report)
}

fn direct_only_note(ctx: &mut Context) {
    if ctx.options.attribution == Attribution::Root {
        ctx.notes.push(
            "attribution: this view describes models by their own attributes; each model's downloads \
             count for itself"
                .to_string(),
        );
    }
}

fn share(x: f64, total: f64) -> Option<f64> {
    (total > 0.0).then(|| x / total)
}

/// Units with downloads > 0, the `k` largest first (ties: key ascending).
fn top_units(ctx: &Context, totals: &[f64], k: usize) -> Vec<usize> {
    let cmp = |a: &usize, b: &usize| {
        totals[*b]
            .total_cmp(&totals[*a])
            .then_with(|| ctx.unit_key(*a).cmp(ctx.unit_key(*b)))
    };
    if k <= 64 {
        // One pass keeping the best k in order: most units fail a single comparison with the
        // k-th best so far (at the model level there are a million of them).
        let mut best: Vec<usize> = Vec::with_capacity(k + 1);
        for (u, &t) in totals.iter().enumerate() {
            if t.is_nan() || t <= 0.0 {
                continue;
            }
            if best.len() == k {
                match best.last() {
                    Some(&last) if cmp(&u, &last).is_lt() => {}
                    _ => continue,
                }
            }
            let at = best.partition_point(|b| cmp(b, &u).is_lt());
            best.insert(at, u);
            best.truncate(k);
        }
        return best;
    }
    let mut units: Vec<usize> = (0..totals.len()).filter(|&u| totals[u] > 0.0).collect();
    if k < units.len() {
        units.select_nth_unstable_by(k, cmp);
        units.truncate(k);
    }
    units.sort_unstable_by(cmp);
    units
}

// ---------------------------------------------------------------- 1 leaderboard

fn leaderboard(ctx: &mut Context) -> Report {
    let credits = ctx.credits();
    let ranking =
        ranking_from_prepared(ctx, &credits).unwrap_or_else(|| ranking_of_every_model(ctx, &credits));
    let top = &ranking.top;
    let mut t = Table::new("leaderboard");
    t.push_i64("rank", (1..=top.len() as i64).map(Some).collect());
    t.push_str(
        "key",
        top.iter()
            .map(|&(u, ..)| Some(ctx.unit_key(u).to_string()))
            .collect(),
    );
    t.push_f64("downloads", top.iter().map(|&(_, x, _)| Some(x)).collect());
    t.push_f64(
        "share",
        top.iter().map(|&(_, x, _)| share(x, ranking.total)).collect(),
    );
    t.push_i64("models", top.iter().map(|&(.., k)| Some(k as i64)).collect());
    let mut r = Report::new("leaderboard", t);
    if let Some(n) = ctx.unknown_note(&credits) {
        r = r.note(n);
    }
    r.note(format!(
        "{} units with downloads; total {}",
        ranking.units, ranking.total
    ))
}

/// A leaderboard's numbers: the top units (unit, downloads, kept models with downloads), the
/// downloads of every unit and how many units have any.
struct Ranking {
    top: Vec<(usize, f64, u32)>,
    total: f64,
    units: usize,
}

/// The ranking from every kept model's total under the options: one pass over the models.
fn ranking_of_every_model(ctx: &Context, credits: &Credits) -> Ranking {
    let unit_totals = ctx.unit_totals(credits);
    let (totals, models) = (&unit_totals.totals, &unit_totals.models);
    Ranking {
        top: top_units(ctx, totals, ctx.options.top)
            .into_iter()
            .map(|u| (u, totals[u], models[u]))
            .collect(),
        total: totals.iter().fold(0.0, |a, x| a + x), // +0.0 when empty, not −0.0
        units: totals.iter().filter(|x| **x > 0.0).count(),
    }
}

/// The ranking without a pass over the models (direct attribution, after `prepare`): the
/// units' totals from their weekly sums when they are there (countries), else the top units
/// from the bounded search of [`Context::top_unit_totals`] and the total from the week rows'
/// weekly totals (models, developers: not when some models have no unit, nor for a top
/// of more than a quarter of the units). The model counts come from when each model starts to
/// count ([`Context::counting_ages`]). `None` when these are not there.
fn ranking_from_prepared(ctx: &Context, credits: &Credits) -> Option<Ranking> {
    if ctx.options.attribution != Attribution::Direct {
        return None;
    }
    let k = ctx.options.top;
    let (top, total) = match ctx.unit_week_sums().filter(|t| t.groups() == credits.units() + 1) {
        Some(_) => {
            let sums = ctx.unit_sums(credits);
            let top = top_units(ctx, &sums.totals, k)
                .into_iter()
                .map(|u| (u, sums.totals[u]))
                .collect();
            (top, sums.totals.iter().fold(0.0, |a, x| a + x))
        }
        // The bounded search pays off when the top units are a small part of them (it visits
        // the units by decreasing bound until none left can enter the top).
        None if !credits.any_unknown && k.saturating_mul(4) <= credits.units() => {
            let total = ctx.all_counted_from_week_rows()?;
            (ctx.top_unit_totals(credits, k)?, total)
        }
        None => return None,
    };
    let ages = ctx.counting_ages(credits)?;
    let window = ctx.window();
    Some(Ranking {
        top: top
            .into_iter()
            .map(|(u, x): (usize, f64)| (u, x, ages.models(u, window)))
            .collect(),
        total,
        units: ages.units(window),
    })
}

// ---------------------------------------------------------------- 2 shares

fn shares(ctx: &mut Context) -> Result<Report> {
    let credits = ctx.credits();
    let periods = ctx.periods()?;
    let np = periods.len();
    let few_units = credits.units().saturating_mul(np) <= DENSE_CELLS;
    // The pass over every kept model's rows comes first: it hands each model's sum to the unit
    // totals that pick the top units, which then need no pass of their own.
    let mut cells: Vec<(usize, usize, f64)> = Vec::new();
    let credited = if few_units {
        // Few units (countries, org types): one pass adds every row into a small block.
        ctx.for_each_unit_period(&credits, &periods, None, |u, p, v| cells.push((u, p, v)));
        None
    } else {
        Some(ctx.credited_period_totals(&credits, &periods))
    };
    // Many units: the top ones found without summing every unit, when the credits allow, or
    // (root attribution) when `Engine::prepare` ranked them under these options.
    let k = ctx.options.top;
    let ranked = (ctx.options.attribution == Attribution::Root)
        .then(|| ctx.root_developer_ranking())
        .flatten()
        .filter(|r| k <= r.len() || r.len() < ROOT_SUMS_DEVELOPERS);
    let top: Vec<usize> = match ranked.filter(|_| credited.is_some()) {
        Some(r) => r.iter().take(k).map(|&u| u as usize).collect(),
        None => match credited.as_ref().and_then(|_| ctx.top_unit_totals(&credits, k)) {
            Some(top) => top.into_iter().map(|(u, _)| u).collect(),
            None => top_units(ctx, &ctx.unit_sums(&credits).totals, k),
        },
    };
    let nk = top.len();
    let mut matrix = vec![0.0; np * nk];
    let (rest, period_total) = match credited {
        None => {
            let mut slot = vec![usize::MAX; credits.units()];
            for (k, &u) in top.iter().enumerate() {
                slot[u] = k;
            }
            let mut rest = vec![0.0; np];
            let mut period_total = vec![0.0; np];
            for (u, p, v) in cells {
                period_total[p] += v;
                match slot.get(u) {
                    Some(&k) if k != usize::MAX => matrix[p * nk + k] += v,
                    _ => rest[p] += v,
                }
            }
            (rest, period_total)
        }
        Some(period_total) => {
            // Many units (models, developers): only the top units' models are read, and `rest`
            // is the period's total minus theirs. No pass over all units × periods.
            let period_total = period_total.to_vec();
            let weekly = periods.is_weekly();
            let mut column = vec![0.0; np];
            // Root attribution: the top developers' columns from the prepared sums.
            let mut prepared = ctx
                .root_developer_columns(&credits, &periods, &top)
                .unwrap_or_default();
            for (k, &u) in top.iter().enumerate() {
                if let Some(Some(c)) = prepared.get_mut(k).map(Option::take) {
                    for (p, x) in c.into_iter().enumerate() {
                        matrix[p * nk + k] = x;
                    }
                    continue;
                }
                column.iter_mut().for_each(|x| *x = 0.0);
                let (models, weights) = credits.of(u);
                for (&m, &w) in models.iter().zip(weights) {
                    if ctx.kept(m as usize) {
                        let (weeks, downloads) = ctx.counted_rows(m as usize);
                        add_rows(&mut column, &periods, weekly, weeks, downloads, w);
                    }
                }
                for (p, &x) in column.iter().enumerate() {
                    matrix[p * nk + k] = x;
                }
            }
            let rest = (0..np)
                .map(|p| {
                    let top_sum: f64 = matrix[p * nk..(p + 1) * nk].iter().sum();
                    // Rounding may leave −1e-9 where the top units hold everything.
                    (period_total[p] - top_sum).max(0.0)
                })
                .collect();
            (rest, period_total)
        }
    };
    let keys: Vec<String> = top.iter().map(|&u| ctx.unit_key(u).to_string()).collect();
    let (mut pc, mut kc, mut dc, mut sc) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in 0..np {
        for k in 0..=nk {
            let (key, x) = if k < nk {
                (keys[k].clone(), matrix[p * nk + k])
            } else {
                ("rest".to_string(), rest[p])
            };
            pc.push(Some(periods.labels[p].clone()));
            kc.push(Some(key));
            dc.push(Some(x));
            sc.push(share(x, period_total[p]));
        }
    }
    let mut t = Table::new("shares");
    t.push_str("period", pc);
    t.push_str("key", kc);
    t.push_f64("downloads", dc);
    t.push_f64("share", sc);
    let mut r = Report::new("shares", t);
    if let Some(n) = ctx.unknown_note(&credits) {
        r = r.note(n);
    }
    Ok(r)
}

// ---------------------------------------------------------------- 3 concentration

fn concentration(ctx: &mut Context) -> Result<Report> {
    let credits = ctx.credits();
    let periods = ctx.periods()?;
    let np = periods.len();
    // Each unit's downloads in each period, gathered by period (the measures need no unit names).
    let weekly_direct = ctx.options.attribution == Attribution::Direct && periods.is_weekly();
    // Weekly: the measures of every window length that `Engine::prepare` made for the population
    // filter, level and attribution, when they are there; at the model level with direct
    // attribution, while they are being made, each week's counted values as one slice of the kept
    // rows in week and age order.
    // Coarser periods: those `prepare` made over the same periods, when it did.
    let table = match (periods.is_weekly(), ctx.options.level, ctx.options.attribution) {
        (false, level, _) => ctx.cache.period_measures(ctx.options, level, &periods),
        (true, Level::Model, Attribution::Direct) => ctx.week_measures(),
        (true, _, _) => ctx.unit_week_measures(),
    };
    let layout = match (weekly_direct, ctx.options.level) {
        (true, Level::Model) => ctx.week_rows(),
        _ => None,
    };
    let m: Vec<_> = if let Some(table) = table {
        let weekly = periods.is_weekly();
        (0..np)
            .map(|p| {
                let week = periods.first_week + p as i32;
                let window = ctx.options.window_weeks;
                let measures = if weekly {
                    table.get(week, window)
                } else {
                    table.get_period(p, window)
                };
                measures.unwrap_or_else(|| measures_of_counts(&mut []))
            })
            .collect()
    } else if let Some(rows) = layout {
        let mut values = Vec::new();
        (0..np)
            .map(|p| {
                values.clear();
                let week = periods.first_week + p as i32;
                values.extend_from_slice(rows.counted(week, ctx.options.window_weeks));
                measures_of_counts(&mut values)
            })
            .collect()
    } else if let Some(m) = (ctx.options.level == Level::Model && weekly_direct)
        .then(|| ctx.week_measures_of_lower_minimum(&periods))
        .flatten()
    {
        m
    } else if ctx.options.level == Level::Model && weekly_direct {
        // Each kept model's row is a value of its week.
        let mut m = Vec::with_capacity(np);
        ctx.for_each_week_of_model_values(&periods, |_, values| m.push(measures_of_counts(values)));
        m
    } else if let Some(m) = unit_week_measures_of_counts(ctx, &credits, &periods) {
        m
    } else {
        let mut values = ctx.cache.period_values(np);
        ctx.for_each_unit_period(&credits, &periods, None, |_, p, v| {
            if let Some(list) = values.get_mut(p) {
                list.push(v)
            }
        });
        let m = values.iter_mut().map(|v| measures(v)).collect();
        ctx.cache.return_period_values(values);
        m
    };
    let mut t = Table::new("concentration");
    t.push_str("period", periods.labels.iter().cloned().map(Some).collect());
    t.push_i64("units", m.iter().map(|x| Some(x.units as i64)).collect());
    t.push_f64("total", m.iter().map(|x| Some(x.total)).collect());
    t.push_f64("hhi", m.iter().map(|x| x.hhi).collect());
    t.push_f64("gini", m.iter().map(|x| x.gini).collect());
    t.push_f64("top1", m.iter().map(|x| x.top1).collect());
    t.push_f64("top10", m.iter().map(|x| x.top10).collect());
    t.push_f64("top100", m.iter().map(|x| x.top100).collect());
    let resamples = ctx.options.bootstrap as usize;
    let mut notes = Vec::new();
    if resamples > 0 {
        let kept = &ctx.mask.kept_models;
        let mut rng = Rng::new(ctx.options.seed);
        let mut hhi_samples: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); np];
        let mut gini_samples: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); np];
        let mut counts = vec![0u32; ctx.s.models()];
        for _ in 0..resamples {
            counts.iter_mut().for_each(|c| *c = 0);
            for _ in 0..kept.len() {
                let m = kept[rng.below(kept.len() as u64) as usize] as usize;
                counts[m] += 1;
            }
            let mut values: Vec<Vec<f64>> = vec![Vec::new(); np];
            ctx.for_each_unit_period(&credits, &periods, Some(&counts), |_, p, v| values[p].push(v));
            for p in 0..np {
                let x = measures(&mut values[p]);
                // A resample without downloads in a period has no measure; it is left out.
                if let Some(h) = x.hhi {
                    hhi_samples[p].push(h);
                }
                if let Some(g) = x.gini {
                    gini_samples[p].push(g);
                }
            }
        }
        let hhi_ci: Vec<_> = hhi_samples.iter_mut().map(percentile_interval).collect();
        let gini_ci: Vec<_> = gini_samples.iter_mut().map(percentile_interval).collect();
        t.push_f64("hhi_lo", hhi_ci.iter().map(|c| c.0).collect());
        t.push_f64("hhi_hi", hhi_ci.iter().map(|c| c.1).collect());
        t.push_f64("gini_lo", gini_ci.iter().map(|c| c.0).collect());
        t.push_f64("gini_hi", gini_ci.iter().map(|c| c.1).collect());
        notes.push(format!(
            "bootstrap: {resamples} resamples of the {} models with replacement (seed {}), 95 % percentile intervals",
            kept.len(),
            ctx.options.seed
        ));
    }
    let mut r = Report::new("concentration", t);
    if let Some(n) = ctx.unknown_note(&credits) {
        r = r.note(n);
    }
    r.notes.extend(notes);
    Ok(r)
}

/// The measures of each week of the units' whole sums, when
/// [`Context::for_each_week_of_unit_values`] gives them (a level of many units whose models sit
/// together, direct attribution, weekly).
fn unit_week_measures_of_counts(
    ctx: &Context,
    credits: &Credits,
    periods: &PeriodMap,
) -> Option<Vec<Measures>> {
    if let Some(m) = ctx.developer_week_measures_of_lower_minimum(periods) {
        return Some(m);
    }
    let mut m = Vec::with_capacity(periods.len());
    ctx.for_each_week_of_unit_values(credits, periods, |_, values| m.push(measures_of_counts(values)))
        .then_some(m)
}

// ---------------------------------------------------------------- 4 org-by-country

/// The groups of the prepared sums of `org_by_country` ([`Groups::CountryOrgType`]) of model
/// `m`: its (country, org type) pair, or the last group (`countries × org types`) without one.
fn country_org_group(s: &Snapshot, m: usize) -> u32 {
    let no = s.org_type.values.len() as u32;
    match (code_of(&s.country, m), code_of(&s.org_type, m)) {
        (Some(c), Some(o)) => c * no + o,
        _ => s.country.values.len() as u32 * no,
    }
}

/// Makes (a slice of `budget` kept models at a time) the sums per (country, org type) that
/// `org_by_country` reads after a window change, for the population filter of `options` (see
/// [`crate::engine::Engine::prepare`]). `None` while work is left, else whether they are there.
pub fn prepare_country_org_sums_step(
    engine: &Engine,
    options: &Options,
    budget: usize,
) -> Result<Option<bool>> {
    let s = &engine.snapshot;
    let count = s.country.values.len() * s.org_type.values.len() + 1;
    let groups_of = |m: u32, f: &mut dyn FnMut(u32)| f(country_org_group(s, m as usize));
    engine
        .economies()
        .prepare_label_sums_step(s, options, (Groups::CountryOrgType, count), groups_of, budget)
}

/// How many developers the root sums keep ([`prepare_root_unit_sums_step`]): the top ones by
/// their root-attributed downloads, more than the shares view shows by default.
pub const ROOT_SUMS_DEVELOPERS: usize = 64;

/// Makes (a slice of `budget` kept models at a time, the root credits first) the weekly sums
/// of root attribution per country and per top developer ([`Groups::RootUnits`]) for the
/// population filter and relation set of `options`, so that a switch to root attribution reads
/// no rows for the country boxes and the top developers' shares (see
/// [`crate::engine::Engine::prepare`]). `None` while work is left, else whether they are there.
pub fn prepare_root_unit_sums_step(
    engine: &Engine,
    options: &Options,
    budget: usize,
) -> Result<Option<bool>> {
    let s = &engine.snapshot;
    let cache = engine.economies();
    let relations = options.relations_or(crate::snapshot::RelationSet::ALL);
    let Some(countries) = cache.credits_step(s, Level::Country, Attribution::Root, relations, budget) else {
        return Ok(None);
    };
    let Some(developers) = cache.credits_step(s, Level::Developer, Attribution::Root, relations, budget)
    else {
        return Ok(None);
    };
    // The top developers under these options: the shares view's top under root attribution,
    // and the sums' developers when the sums are first made for this population filter (a new
    // window keeps the sums, whose age buckets serve every window, and ranks them again).
    let root = Options {
        level: Level::Developer,
        attribution: Attribution::Root,
        ..options.clone()
    };
    let ctx = Context::new(engine, &root)?;
    ctx.rank_root_developers(ROOT_SUMS_DEVELOPERS, |totals| {
        top_units(&ctx, totals, ROOT_SUMS_DEVELOPERS)
    });
    let chosen = match cache.root_unit_developers(options, relations) {
        Some(d) => d,
        None => {
            let mut top: Vec<u32> = ctx
                .root_developer_ranking()
                .map(|r| r.to_vec())
                .unwrap_or_default();
            top.sort_unstable();
            top
        }
    };
    let c = countries.units() as u32;
    let count = c as usize + 1 + chosen.len();
    let groups_of = |m: u32, f: &mut dyn FnMut(u32)| {
        if let Some(u) = whole_credit(&countries, m as usize) {
            f(u.unwrap_or(c));
        }
        if let Some(Some(d)) = whole_credit(&developers, m as usize) {
            if let Ok(i) = chosen.binary_search(&d) {
                f(c + 1 + i as u32);
            }
        }
    };
    let groups = Groups::RootUnits {
        relations: relations.0,
        developers: chosen.clone(),
    };
    cache.prepare_label_sums_step(s, options, (groups, count), groups_of, budget)
}

/// The downloads per (country, org type) pair (`acc[country × org types + org type]`), of the
/// models without a pair, and of all, from the prepared sums (direct attribution, every week):
/// no pass over the models. Whole numbers, so the same floats as the models' totals added up.
fn country_org_from_prepared(ctx: &Context) -> Option<(Vec<f64>, f64, f64)> {
    let o = ctx.options;
    if o.attribution != Attribution::Direct || o.from.is_some() || o.to.is_some() {
        return None;
    }
    let s = ctx.s;
    let cells = s.country.values.len() * s.org_type.values.len();
    let sums = ctx.cache.label_sums(o, &Groups::CountryOrgType)?;
    if sums.groups() != cells + 1 {
        return None;
    }
    let mut acc = vec![0u64; cells + 1];
    sums.add_slot(0, ctx.window(), &mut acc);
    let all = acc.iter().sum::<u64>() as f64;
    let unknown = acc.pop().unwrap_or(0) as f64;
    Some((acc.into_iter().map(|x| x as f64).collect(), unknown, all))
}

/// As [`country_org_from_prepared`], from every kept model's total (root attribution: a
/// derivative's downloads split among its roots' pairs).
fn country_org_of_every_model(ctx: &Context) -> (Vec<f64>, f64, f64) {
    let s = ctx.s;
    let lineage =
        (ctx.options.attribution == Attribution::Root).then(|| ctx.cache.lineage(s, ctx.relations()));
    let no = s.org_type.values.len();
    let mut acc = vec![0.0; s.country.values.len() * no];
    let (mut unknown, mut all) = (0.0, 0.0);
    for (m, t) in ctx.counted_totals() {
        if t <= 0.0 {
            continue;
        }
        all += t;
        let own = [m as u32];
        let roots = match &lineage {
            Some(l) if !l.roots(m).is_empty() => l.roots(m),
            _ => &own[..],
        };
        let w = t / roots.len() as f64;
        for &r in roots {
            match (code_of(&s.country, r as usize), code_of(&s.org_type, r as usize)) {
                (Some(c), Some(o)) => acc[c as usize * no + o as usize] += w,
                _ => unknown += w,
            }
        }
    }
    (acc, unknown, all)
}

fn org_by_country(ctx: &mut Context) -> Report {
    let s = ctx.s;
    let (nc, no) = (s.country.values.len(), s.org_type.values.len());
    let (acc, unknown, all) =
        country_org_from_prepared(ctx).unwrap_or_else(|| country_org_of_every_model(ctx));
    let country_total: Vec<f64> = (0..nc).map(|c| acc[c * no..(c + 1) * no].iter().sum()).collect();
    let mut countries: Vec<usize> = (0..nc).filter(|&c| country_total[c] > 0.0).collect();
    countries.sort_by(|&a, &b| {
        country_total[b]
            .total_cmp(&country_total[a])
            .then_with(|| s.country.values[a].cmp(&s.country.values[b]))
    });
    let (mut cc, mut oc, mut dc, mut sc, mut tc) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &c in &countries {
        let mut orgs: Vec<usize> = (0..no).filter(|&o| acc[c * no + o] > 0.0).collect();
        orgs.sort_by(|&a, &b| {
            acc[c * no + b]
                .total_cmp(&acc[c * no + a])
                .then_with(|| s.org_type.values[a].cmp(&s.org_type.values[b]))
        });
        for o in orgs {
            cc.push(Some(s.country.values[c].clone()));
            oc.push(Some(s.org_type.values[o].clone()));
            dc.push(Some(acc[c * no + o]));
            sc.push(share(acc[c * no + o], country_total[c]));
            tc.push(Some(country_total[c]));
        }
    }
    let mut t = Table::new("org-by-country");
    t.push_str("country", cc);
    t.push_str("org_type", oc);
    t.push_f64("downloads", dc);
    t.push_f64("share", sc);
    t.push_f64("country_downloads", tc);
    let mut r = Report::new("org-by-country", t);
    if unknown > 0.0 && all > 0.0 {
        r = r.note(format!(
            "{:.2} % of the downloads belong to models whose country or org type is unknown and are left out",
            100.0 * unknown / all
        ));
    }
    r
}

// ---------------------------------------------------------------- attribute labels

/// The labels of an attribute for every model: single-valued, multi-label, or the relations of the
/// model's base edges (`none` for a model without base models). Models without a value get the
/// label [`MISSING`] (not for `relation`).
enum Labels<'a> {
    Single(&'a Categorical),
    Multi(&'a MultiLabel),
    Relation(&'a Snapshot),
}

impl<'a> Labels<'a> {
    fn of(s: &'a Snapshot, name: &str) -> Result<Labels<'a>> {
        if name == "relation" {
            return Ok(Labels::Relation(s));
        }
        Ok(match s.attribute(name)? {
            Attribute::Single(c) => Labels::Single(c),
            Attribute::Multi(m) => Labels::Multi(m),
        })
    }

    /// Number of labels, [`MISSING`] (or `none`) being the last.
    fn count(&self) -> usize {
        match self {
            Labels::Single(c) => c.values.len() + 1,
            Labels::Multi(m) => m.values.len() + 1,
            Labels::Relation(_) => Relation::ALL.len() + 1,
        }
    }

    fn name(&self, k: usize) -> String {
        let missing = self.count() - 1;
        match self {
            Labels::Relation(_) if k == missing => "none".to_string(),
            Labels::Relation(_) => Relation::from_code(k as u8)
                .map(|r| r.as_str())
                .unwrap_or("")
                .to_string(),
            _ if k == missing => MISSING.to_string(),
            Labels::Single(c) => c.values.get(k).cloned().unwrap_or_default(),
            Labels::Multi(m) => m.values.get(k).cloned().unwrap_or_default(),
        }
    }

    /// Calls `f` once for every distinct label of model `m`.
    fn each(&self, m: usize, mut f: impl FnMut(usize)) {
        let missing = self.count() - 1;
        match self {
            Labels::Single(c) => f(code_of(c, m).map(|k| k as usize).unwrap_or(missing)),
            Labels::Multi(ml) => {
                let mut any = false;
                for &k in ml.labels(m) {
                    if (k as usize) < missing {
                        any = true;
                        f(k as usize);
                    }
                }
                if !any {
                    f(missing)
                }
            }
            Labels::Relation(s) => {
                let (a, b) = match (s.base_offsets.get(m), s.base_offsets.get(m + 1)) {
                    (Some(&a), Some(&b)) => (a as usize, b as usize),
                    _ => (0, 0),
                };
                let mut bits = 0u8;
                for r in s.base_relation.get(a..b).unwrap_or(&[]) {
                    bits |= r.bit();
                }
                if bits == 0 {
                    f(missing);
                }
                for r in Relation::ALL {
                    if bits & r.bit() != 0 {
                        f(r as usize);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- 5 incidence

/// The attributes the incidence view tests when none is chosen: every one but the developer (one
/// value per developer: a table of its own).
fn incidence_attributes() -> impl Iterator<Item = &'static str> {
    ATTRIBUTES.iter().copied().filter(|a| *a != "author")
}

/// The label sets of an attribute for the kept models of `ctx` (cached per population filter):
/// taken from those of every model when `prepare` has made them, else built.
fn kept_label_sets(ctx: &Context, name: &str, labels: &Labels) -> Rc<LabelSets> {
    let kept = &ctx.mask.kept_models;
    ctx.cache.label_sets(ctx.options, name, || {
        if let Some(all) = ctx.cache.made_all_label_sets(name) {
            return all.of_models(kept);
        }
        LabelSets::build(kept.len(), labels.count(), |i, out| {
            if let Some(&m) = kept.get(i) {
                labels.each(m as usize, |k| out.push(k as u32));
            }
        })
    })
}

/// Builds the label sets of one more of the incidence view's attributes for the population filter
/// of `options`, ahead of need (see [`crate::engine::Engine::prepare`]). Returns whether all of
/// them are there.
pub fn prepare_label_sets_step(engine: &Engine, options: &Options) -> Result<bool> {
    let cache = engine.economies();
    let Some(name) = incidence_attributes().find(|n| cache.cached_label_sets(options, n).is_none()) else {
        return Ok(true);
    };
    let ctx = Context::new(engine, options)?;
    let labels = Labels::of(ctx.s, name)?;
    kept_label_sets(&ctx, name, &labels);
    Ok(incidence_attributes().all(|n| cache.cached_label_sets(options, n).is_some()))
}

/// Makes a slice of 8 × `budget` models (see [`crate::sizes::SizePairsBuild`]) of the sizes
/// view's (download year, model) pairs of every model for the week range and seed of `options`,
/// from which the view then takes any population filter's. Whether they are made. (At 1 M models
/// in wasm under Node, a slice of 65 536 models' rows took about 5–12 ms, one placing their pairs
/// 3–9.)
pub fn prepare_all_size_pairs_step(engine: &Engine, options: &Options, budget: usize) -> Result<bool> {
    let ctx = Context::new(engine, options)?;
    let years = ctx.periods_of(Granularity::Year)?;
    let range = crate::filter::week_range(options)?;
    Ok(ctx
        .cache
        .prepare_all_size_pairs_step(ctx.s, options, range, &years, budget.saturating_mul(8)))
}

/// Builds a slice of 8 × `budget` models of the label sets of every model of the incidence view's
/// attributes, from which any population filter's are then taken (see
/// [`crate::engine::Engine::prepare`]). Returns whether all of them are there.
pub fn prepare_all_label_sets_step(engine: &Engine, budget: usize) -> Result<bool> {
    let cache = engine.economies();
    let Some(name) = incidence_attributes().find(|n| cache.made_all_label_sets(n).is_none()) else {
        return Ok(true);
    };
    let s = &engine.snapshot;
    let labels = Labels::of(s, name)?;
    let models = budget.saturating_mul(8);
    cache.all_label_sets_step(name, (labels.count(), s.models()), models, |m, out| {
        labels.each(m, |k| out.push(k as u32))
    });
    Ok(incidence_attributes().all(|n| cache.made_all_label_sets(n).is_some()))
}

/// The periods longer than a week and the levels whose concentration measures `prepare` makes
/// for every window length (direct attribution): the boxes of many units, which otherwise read
/// every kept model's rows after a change of granularity.
const PERIOD_MEASURES: [(Granularity, Level); 2] = [
    (Granularity::Month, Level::Model),
    (Granularity::Month, Level::Developer),
];

/// Makes a slice (`budget` kept models' worth) of the concentration measures over the periods
/// of [`PERIOD_MEASURES`] for the population filter and week range of `options` (see
/// [`crate::aggregate::EconomiesCache::prepare_period_measures_step`]). Whether all are made
/// (nothing to make with root attribution).
pub fn prepare_period_measures_step(engine: &Engine, options: &Options, budget: usize) -> Result<bool> {
    if options.attribution != Attribution::Direct {
        return Ok(true);
    }
    let ctx = Context::new(engine, options)?;
    for (granularity, level) in PERIOD_MEASURES {
        let periods = ctx.periods_of(granularity)?;
        let step = engine.economies().prepare_period_measures_step(
            &engine.snapshot,
            options,
            level,
            &periods,
            budget,
        )?;
        if step.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The levels of the dashboard's leaderboards (the map is the country one), for which `prepare`
/// makes what [`ranking_from_prepared`] reads.
const LEADERBOARD_LEVELS: [Level; 3] = [Level::Model, Level::Developer, Level::Country];

/// Makes what the leaderboards read after a window change instead of every kept model's rows
/// ([`ranking_from_prepared`]), for the population filter and week range of `options`: when
/// each kept model starts to count (`budget` models a call), then a call per level for when its
/// units' models start to count ([`Context::counting_ages`]) and a call per level of many units
/// for the bounds of the top-unit search. Whether all is made (nothing to make with root
/// attribution).
pub fn prepare_leaderboards_step(engine: &Engine, options: &Options, budget: usize) -> Result<bool> {
    if options.attribution != Attribution::Direct {
        return Ok(true);
    }
    if Context::new(engine, options)?
        .kept_counting_ages_step(budget)
        .is_none()
    {
        return Ok(false);
    }
    for level in LEADERBOARD_LEVELS {
        let options = Options {
            level,
            ..options.clone()
        };
        let ctx = Context::new(engine, &options)?;
        if !ctx.counting_ages_made() {
            ctx.counting_ages(&ctx.credits());
            return Ok(false);
        }
        if level != Level::Country && !ctx.unit_bounds_made() {
            ctx.unit_bounds(&ctx.credits());
            return Ok(false);
        }
    }
    Ok(true)
}

/// Makes (a slice of `budget` kept models at a time) the weekly sums per label of the attribute of
/// `options`, the one the trends view follows, for its population filter (see
/// [`crate::engine::Engine::prepare`]). `None` while work is left, else whether they are there
/// (not without an attribute, nor for an attribute the snapshot does not have).
pub fn prepare_label_week_sums_step(
    engine: &Engine,
    options: &Options,
    budget: usize,
) -> Result<Option<bool>> {
    let s = &engine.snapshot;
    let Some(labels) = options.attribute.as_deref().and_then(|n| Labels::of(s, n).ok()) else {
        return Ok(Some(false));
    };
    let name = options.attribute.as_deref().unwrap_or_default();
    let groups_of = |m: u32, f: &mut dyn FnMut(u32)| labels.each(m as usize, |k| f(k as u32));
    let groups = (Groups::Labels(name.to_string()), labels.count());
    engine
        .economies()
        .prepare_label_sums_step(s, options, groups, groups_of, budget)
}

/// The incidence view's cells (period × before/after, `p × 2 + g`) of the weeks with downloads
/// within the options' range, as a map from week to cell.
fn incidence_cells(ctx: &Context, cuts: &[i32], split: i32) -> PeriodMap {
    match ctx.weeks {
        Some((first, last)) => PeriodMap {
            first_week: first,
            period_of: (first..=last)
                .map(|w| {
                    let monday = crate::time::day_of_week_index(w);
                    (cut_index(cuts, monday) * 2 + (monday > split) as usize) as u32
                })
                .collect(),
            labels: Vec::new(),
        },
        None => PeriodMap::default(),
    }
}

/// The incidence view's sums from the rows: downloads (or models) per cell, `total[cell]`, and
/// per attribute and label, `acc[attribute][label × cells + cell]`.
fn incidence_sums_from_rows(
    ctx: &mut Context,
    names: &[&str],
    labels: &[Labels],
    cell_map: &PeriodMap,
    (cuts, split, cells): (&[i32], i32, usize),
) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let (s, options) = (ctx.s, ctx.options);
    let mut total = vec![0.0; cells];
    // Every (model, cell, downloads) with downloads, in model order, the model given by its rank
    // among the kept models; then one pass adds them up by label set for every attribute.
    let (mut entry_model, mut entry_cell, mut entry_value) = (Vec::new(), Vec::new(), Vec::new());
    match options.basis {
        Basis::Downloads => {
            // Cell (period × group) of every week, looked up instead of recomputed per row; cells
            // do not decrease with the week, so `period_segments` gives each cell of a model once.
            let ends = cell_map.run_ends();
            // Every kept model's counted rows are read here: their sums, taken on the way, spare a
            // later view of the same window a pass.
            let mut totals = ctx.windowed().totals_to_take();
            for (rank, m) in ctx.kept_models().enumerate() {
                let (weeks, downloads) = ctx.model_rows(m);
                take_total(&mut totals, m, || rows_total(downloads));
                period_segments(weeks, downloads, cell_map, &ends, |c, sum| {
                    if let Some(t) = total.get_mut(c) {
                        *t += sum as f64;
                        entry_model.push(rank as u32);
                        entry_cell.push(c as u32);
                        entry_value.push(sum as f64);
                    }
                });
            }
            ctx.windowed().offer_totals(totals);
        }
        Basis::Models => {
            let (from, to) = crate::filter::week_range(options)?;
            for (rank, m) in ctx.kept_models().enumerate() {
                let day = s.created.get(m).copied().unwrap_or(NO_DATE);
                if day == NO_DATE || !(from..=to).contains(&week_of_day(day)) {
                    continue;
                }
                let c = cut_index(cuts, day) * 2 + (day > split) as usize;
                if let Some(t) = total.get_mut(c) {
                    *t += 1.0;
                    entry_model.push(rank as u32);
                    entry_cell.push(c as u32);
                    entry_value.push(1.0);
                }
            }
            ctx.notes
                .push("basis models: each model counts once, in the period of its creation day".to_string());
        }
    }
    // Sums by label set (every attribute in one pass), then by label: the downloads are whole
    // numbers, so the order of the adds does not change the sums.
    let sets: Vec<Rc<LabelSets>> = names
        .iter()
        .zip(labels)
        .map(|(name, l)| kept_label_sets(ctx, name, l))
        .collect();
    let mut by_set: Vec<Vec<f64>> = sets.iter().map(|x| vec![0.0; x.sets() * cells]).collect();
    let set_refs: Vec<&LabelSets> = sets.iter().map(|x| x.as_ref()).collect();
    add_by_sets(
        &set_refs,
        (&entry_model, &entry_cell, &entry_value),
        cells,
        &mut by_set,
    );
    let acc: Vec<Vec<f64>> = labels
        .iter()
        .zip(&sets)
        .zip(&by_set)
        .map(|((l, x), sums)| {
            let mut acc = vec![0.0; l.count() * cells];
            x.expand(sums, cells, &mut acc);
            acc
        })
        .collect();
    Ok((total, acc))
}

/// The key of the incidence view's prepared sums: the labels of every attribute it tests by
/// default, one after another, per cell of `cell_map`.
fn incidence_groups(cell_map: &PeriodMap, cells: usize) -> Groups {
    Groups::CellLabels {
        names: incidence_attributes().map(str::to_string).collect(),
        first_week: cell_map.first_week,
        cell_of: cell_map.period_of.clone(),
        cells,
    }
}

/// Where the labels of each of `labels` (those of [`incidence_attributes`], in order) start
/// among the groups of the incidence view's prepared sums, one attribute after another; and the
/// groups in all.
fn incidence_label_offsets(labels: &[Labels]) -> (Vec<usize>, usize) {
    let mut offsets = Vec::with_capacity(labels.len());
    let mut count = 0;
    for l in labels {
        offsets.push(count);
        count += l.count();
    }
    (offsets, count)
}

/// [`incidence_sums_prepared`] for the cells of the options' periods and split.
fn prepared_cell_sums(ctx: &Context, names: &[&str], labels: &[Labels]) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let cuts = cut_days(ctx.options).ok()?;
    let split = parse_date(&ctx.options.before_until).ok()?;
    let cell_map = incidence_cells(ctx, &cuts, split);
    incidence_sums_prepared(ctx, names, labels, &cell_map, cut_labels(&cuts).len() * 2)
}

/// The incidence view's download sums (as [`incidence_sums_from_rows`]) from the sums per cell
/// and label that [`prepare_incidence_sums_step`] made, when they are there for these cells
/// and hold every attribute of `names`.
fn incidence_sums_prepared(
    ctx: &Context,
    names: &[&str],
    labels: &[Labels],
    cell_map: &PeriodMap,
    cells: usize,
) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let layout = ctx.week_rows()?;
    let sums = ctx
        .cache
        .label_sums(ctx.options, &incidence_groups(cell_map, cells))?;
    let all: Vec<Labels> = incidence_attributes()
        .map(|n| Labels::of(ctx.s, n))
        .collect::<Result<_>>()
        .ok()?;
    let (offsets, count) = incidence_label_offsets(&all);
    if count != sums.groups() {
        return None;
    }
    let window = ctx.options.window_weeks;
    let groups = sums.groups();
    let mut by_cell = vec![0u64; cells * groups];
    for (c, out) in by_cell.chunks_exact_mut(groups.max(1)).enumerate() {
        sums.add_slot(c, window, out);
    }
    let mut total = vec![0u64; cells];
    for (k, &c) in cell_map.period_of.iter().enumerate() {
        if let Some(t) = total.get_mut(c as usize) {
            *t += layout.counted_total(cell_map.first_week + k as i32, window);
        }
    }
    // Whole numbers below 2^53: the same floats as the rows' sums.
    let acc = names
        .iter()
        .zip(labels)
        .map(|(name, l)| {
            let from = incidence_attributes()
                .position(|n| n == *name)
                .and_then(|i| offsets.get(i))?;
            let mut acc = vec![0.0; l.count() * cells];
            for (c, row) in by_cell.chunks_exact(groups.max(1)).enumerate() {
                for v in 0..l.count() {
                    acc[v * cells + c] = *row.get(from + v)? as f64;
                }
            }
            Some(acc)
        })
        .collect::<Option<Vec<_>>>()?;
    Some((total.iter().map(|&t| t as f64).collect(), acc))
}

/// Makes (a slice of at most `budget` kept models at a time) the incidence view's sums per cell
/// and label of every attribute it tests by default, for the population filter, periods and
/// split of `options` (see [`crate::engine::Engine::prepare`]). `None` while work is left, else
/// whether they are there.
pub fn prepare_incidence_sums_step(
    engine: &Engine,
    options: &Options,
    budget: usize,
) -> Result<Option<bool>> {
    let ctx = Context::new(engine, options)?;
    let cuts = cut_days(options)?;
    let split =
        parse_date(&options.before_until).map_err(|e| Error::option("before-until", e.to_string()))?;
    let cells = cut_labels(&cuts).len() * 2;
    let cell_map = incidence_cells(&ctx, &cuts, split);
    let labels: Vec<Labels> = incidence_attributes()
        .map(|n| Labels::of(ctx.s, n))
        .collect::<Result<_>>()?;
    let (offsets, count) = incidence_label_offsets(&labels);
    let groups_of = |m: u32, f: &mut dyn FnMut(u32)| {
        for (l, &from) in labels.iter().zip(&offsets) {
            l.each(m as usize, |k| f((from + k) as u32));
        }
    };
    let groups = (incidence_groups(&cell_map, cells), count);
    // A model adds its rows to a dozen labels or more (one per attribute at least): fewer
    // models a slice keep the slice as short as the others.
    let budget = (budget / 8).max(1);
    engine
        .economies()
        .prepare_label_sums_step(ctx.s, options, groups, groups_of, budget)
}

struct IncidenceRow {
    attribute: String,
    value: String,
    test: crate::incidence::ValueTest,
    per_period: Vec<Option<f64>>,
    has_before: f64,
    has_after: f64,
}

fn incidence(ctx: &mut Context) -> Result<Report> {
    direct_only_note(ctx);
    let s = ctx.s;
    let options = ctx.options;
    let names: Vec<&str> = match &options.attribute {
        Some(a) => vec![a.as_str()],
        None => incidence_attributes().collect(),
    };
    let labels: Vec<Labels> = names.iter().map(|n| Labels::of(s, n)).collect::<Result<_>>()?;
    let cuts = cut_days(options)?;
    let period_labels = cut_labels(&cuts);
    let np = period_labels.len();
    let split =
        parse_date(&options.before_until).map_err(|e| Error::option("before-until", e.to_string()))?;
    // Cells per value: period p, group g (0 before, 1 after) at p * 2 + g.
    let cells = np * 2;
    let cell_map = incidence_cells(ctx, &cuts, split);
    let prepared = match options.basis {
        Basis::Downloads => incidence_sums_prepared(ctx, &names, &labels, &cell_map, cells),
        Basis::Models => None,
    };
    let (total, acc) = match prepared {
        Some(sums) => sums,
        None => incidence_sums_from_rows(ctx, &names, &labels, &cell_map, (&cuts, split, cells))?,
    };
    let group_total = |v: &[f64], g: usize| (0..np).map(|p| v[p * 2 + g]).sum::<f64>();
    let (tb, ta) = (group_total(&total, 0), group_total(&total, 1));
    let mut rows: Vec<IncidenceRow> = Vec::new();
    let mut overall = Table::new("overall");
    let (mut oa, mut ov, mut ox, mut od, mut op) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (a, l) in labels.iter().enumerate() {
        let acc = &acc[a];
        let k = l.count();
        let mut order: Vec<(usize, f64)> = (0..k)
            .map(|v| (v, acc[v * cells..(v + 1) * cells].iter().sum::<f64>()))
            .filter(|x| x.1 > 0.0)
            .collect();
        order.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let mut table = Vec::with_capacity(order.len() * 2);
        for &(v, _) in &order {
            let cellv = &acc[v * cells..(v + 1) * cells];
            let (hb, ha) = (group_total(cellv, 0), group_total(cellv, 1));
            table.push(hb);
            table.push(ha);
            let test = value_test(hb, tb, ha, ta);
            let per_period = (0..np)
                .map(|p| share(cellv[p * 2] + cellv[p * 2 + 1], total[p * 2] + total[p * 2 + 1]))
                .collect();
            rows.push(IncidenceRow {
                attribute: names[a].to_string(),
                value: l.name(v),
                test,
                per_period,
                has_before: hb,
                has_after: ha,
            });
        }
        let chi = chi2_table(&table, order.len(), 2);
        oa.push(Some(names[a].to_string()));
        ov.push(Some(order.len() as i64));
        ox.push(chi.map(|c| c.0));
        od.push(chi.map(|c| c.1 as i64));
        op.push(chi.map(|c| c.2));
    }
    if let Some(max_p) = options.max_p {
        rows.retain(|r| r.test.p.is_some_and(|p| p < max_p));
    }
    let mut t = Table::new("incidence");
    t.push_str(
        "attribute",
        rows.iter().map(|r| Some(r.attribute.clone())).collect(),
    );
    t.push_str("value", rows.iter().map(|r| Some(r.value.clone())).collect());
    t.push_f64("before", rows.iter().map(|r| r.test.before).collect());
    t.push_f64("after", rows.iter().map(|r| r.test.after).collect());
    t.push_f64("ratio", rows.iter().map(|r| r.test.ratio).collect());
    t.push_f64("chi2", rows.iter().map(|r| r.test.chi2).collect());
    t.push_f64("p", rows.iter().map(|r| r.test.p).collect());
    t.push_f64("has_before", rows.iter().map(|r| Some(r.has_before)).collect());
    t.push_f64("has_after", rows.iter().map(|r| Some(r.has_after)).collect());
    for (p, label) in period_labels.iter().enumerate() {
        t.push_f64(
            &format!("incidence_{label}"),
            rows.iter().map(|r| r.per_period[p]).collect(),
        );
    }
    overall.push_str("attribute", oa);
    overall.push_i64("values", ov);
    overall.push_f64("chi2", ox);
    overall.push_i64("df", od);
    overall.push_f64("p", op);
    let basis = match options.basis {
        Basis::Downloads => "downloads",
        Basis::Models => "models",
    };
    Ok(Report::new("incidence", t).with(overall).note(format!(
        "before = up to {} ({basis}: {tb}), after = later ({basis}: {ta}); chi-squared without continuity correction",
        options.before_until
    )))
}

// ---------------------------------------------------------------- 6 sizes

/// The summary and density of each group of weighted sizes in order of size (years left 0 for
/// the caller to set).
fn size_groups(by_group: &[Vec<WeightedSize>]) -> Vec<SizeGroup> {
    by_group
        .iter()
        .map(|sorted| {
            let (summary, density_x, density_y) = crate::sizes::summary_and_density(sorted);
            SizeGroup {
                year: 0,
                summary,
                density_x,
                density_y,
            }
        })
        .collect()
}

fn sizes(ctx: &mut Context) -> Result<Report> {
    direct_only_note(ctx);
    let s = ctx.s;
    let fit = ctx.cache.estimator(s, ctx.options.seed);
    let rank_of = |m: usize| fit.size_rank.get(m).copied().unwrap_or(NO_SIZE);
    let years = ctx.periods_of(Granularity::Year)?;
    let (from, to) = crate::filter::week_range(ctx.options)?;
    // Each download year's weighted sizes in order of size, from the (year, model) pairs of this
    // population filter (made on its first call): taken from those of every model when `prepare`
    // has made them, else from the kept models' rows.
    let pairs = ctx.cache.size_pairs(ctx.options, (from, to), &years, || {
        if let Some(all) = ctx.cache.all_size_pairs(ctx.options, (from, to), &years) {
            return SizePairs::of_kept(&all, |m| ctx.kept(m));
        }
        let created = ctx.cache.created_weeks(s);
        let models = ctx.kept_models().map(|m| crate::sizes::SizedModel {
            model: m,
            rank: Some(rank_of(m)).filter(|&r| r != NO_SIZE),
            created_week: created.get(m).copied().unwrap_or(NO_WEEK),
        });
        SizePairs::build(
            &ctx.rows,
            models,
            (&fit.size_by_rank, &fit.log_size_by_rank),
            (from, to),
            years.first_week,
            &years.period_of,
            years.len(),
        )
    });
    // One list per year (the models of unknown size are only counted).
    let mut by_group: Vec<Vec<WeightedSize>> = pairs
        .group_lengths()
        .take(years.len())
        .map(Vec::with_capacity)
        .collect();
    let (mut no_size_downloads, mut all_downloads) = (0u64, 0u64);
    let window = ctx.cache.window_of(s, ctx.options);
    pairs.for_each_count(&ctx.rows, window, |g, size, v| {
        all_downloads += v;
        match (size, by_group.get_mut(g)) {
            (Some((size, log_size)), Some(sorted)) => sorted.push(WeightedSize {
                size,
                log_size,
                weight: v as f64,
            }),
            _ => no_size_downloads += v,
        }
    });
    let downloaded: Vec<SizeGroup> = size_groups(&by_group)
        .into_iter()
        .enumerate()
        .map(|(p, mut g)| {
            g.year = years.labels.get(p).and_then(|l| l.parse().ok()).unwrap_or(0);
            g
        })
        .collect();
    // The creation years do not depend on the window: cached per population filter.
    let created = ctx.cache.created_sizes(ctx.options, from, to, || {
        let mut group_of_year: BTreeMap<i32, u32> = BTreeMap::new();
        let mut entries: Vec<(u32, u32)> = Vec::new();
        for m in ctx.kept_models() {
            let day = s.created.get(m).copied().unwrap_or(NO_DATE);
            let r = rank_of(m);
            if r == NO_SIZE || day == NO_DATE || !(from..=to).contains(&week_of_day(day)) {
                continue;
            }
            let next = group_of_year.len() as u32;
            let g = *group_of_year.entry(civil_from_days(day).0).or_insert(next);
            entries.push((g, r));
        }
        // In order of year group, then of size (each model once).
        entries.sort_unstable();
        let mut by_group: Vec<Vec<WeightedSize>> = vec![Vec::new(); group_of_year.len()];
        let at = |table: &[f64], r: u32| table.get(r as usize).copied().unwrap_or(f64::NAN);
        for (g, r) in entries {
            if let Some(sorted) = by_group.get_mut(g as usize) {
                sorted.push(WeightedSize {
                    size: at(&fit.size_by_rank, r),
                    log_size: at(&fit.log_size_by_rank, r),
                    weight: 1.0,
                });
            }
        }
        let mut groups = size_groups(&by_group);
        for (&year, &g) in &group_of_year {
            if let Some(x) = groups.get_mut(g as usize) {
                x.year = year as i64;
            }
        }
        groups.sort_by_key(|g| g.year);
        groups
    });
    // Table order: years ascending, "downloaded" before "created".
    let mut order: Vec<(&'static str, &SizeGroup)> = downloaded
        .iter()
        .map(|g| ("downloaded", g))
        .chain(created.iter().map(|g| ("created", g)))
        .collect();
    order.sort_by(|a, b| a.1.year.cmp(&b.1.year).then(b.0.cmp(a.0)));
    let mut t = Table::new("sizes");
    let mut d = Table::new("density");
    let (mut yc, mut bc, mut nc, mut mc, mut medc, mut q25c, mut q75c, mut wc) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut dy, mut db, mut dx, mut dv) = (vec![], vec![], vec![], vec![]);
    for (basis, g) in order {
        let (year, summary) = (g.year, g.summary);
        yc.push(Some(year));
        bc.push(Some(basis.to_string()));
        nc.push(Some(summary.n as i64));
        mc.push(summary.mean);
        medc.push(summary.median);
        q25c.push(summary.q25);
        q75c.push(summary.q75);
        wc.push(Some(summary.weight));
        for (&x, &y) in g.density_x.iter().zip(&g.density_y) {
            dy.push(Some(year));
            db.push(Some(basis.to_string()));
            dx.push(Some(x));
            dv.push(Some(y));
        }
    }
    t.push_i64("year", yc);
    t.push_str("basis", bc);
    t.push_i64("n", nc);
    t.push_f64("mean", mc);
    t.push_f64("median", medc);
    t.push_f64("q25", q25c);
    t.push_f64("q75", q75c);
    t.push_f64("weight", wc);
    d.push_i64("year", dy);
    d.push_str("basis", db);
    d.push_f64("x", dx);
    d.push_f64("y", dv);
    let mut e = Table::new("estimator");
    let est = fit.estimator;
    let coverage = |k: usize| share(k as f64, fit.models as f64);
    e.push_f64("intercept", vec![est.map(|e| e.intercept)]);
    e.push_f64("slope", vec![est.map(|e| e.slope)]);
    e.push_f64("validation_r2", vec![est.and_then(|e| e.validation_r2)]);
    e.push_i64("fitting_models", vec![Some(fit.fitting as i64)]);
    e.push_i64("train", vec![est.map(|e| e.train as i64)]);
    e.push_i64("validation", vec![est.map(|e| e.validation as i64)]);
    e.push_i64("inliers", vec![est.map(|e| e.inliers as i64)]);
    e.push_f64("coverage_before", vec![coverage(fit.known_before)]);
    e.push_f64("coverage_after", vec![coverage(fit.known_after)]);
    let mut r = Report::new("sizes", t).with(d).with(e);
    r = match est {
        Some(e) => r.note(format!(
            "parameters missing from metadata estimated from file bytes (RANSAC in log-log space on {} \
             safetensors models, seed {}): validation R² = {}, coverage {:.1} % → {:.1} %",
            fit.fitting,
            ctx.options.seed,
            e.validation_r2
                .map(|x| format!("{x:.3}"))
                .unwrap_or_else(|| "n/a".into()),
            100.0 * coverage(fit.known_before).unwrap_or(0.0),
            100.0 * coverage(fit.known_after).unwrap_or(0.0)
        )),
        None => r.note(format!(
            "no size estimator: fewer than {} models with safetensors parameters and file bytes",
            crate::sizes::MIN_FIT_MODELS
        )),
    };
    if no_size_downloads > 0 {
        r = r.note(format!(
            "{:.2} % of the downloads belong to models of unknown size and are left out",
            100.0 * no_size_downloads as f64 / all_downloads as f64
        ));
    }
    Ok(r)
}

// ---------------------------------------------------------------- 7 flows

fn flows(ctx: &mut Context) -> Report {
    direct_only_note(ctx);
    let s = ctx.s;
    let relations = ctx.relations();
    let lineage = ctx.cache.lineage(s, relations);
    let nr = Relation::ALL.len();
    let mut acc = [0.0; 3 * 5];
    // Only derivatives (depth ≥ 1) count: their totals alone, unless a box has made every kept
    // model's.
    let derivatives = ctx
        .kept_models()
        .filter(|&m| lineage.depth.get(m).is_some_and(|&d| d > 0));
    for (m, t) in ctx.counted_totals_of(derivatives) {
        let depth = lineage.depth.get(m).copied().unwrap_or(0) as usize;
        if t <= 0.0 {
            continue;
        }
        let bucket = depth.min(3).saturating_sub(1); // depth ≥ 1 here
        let (_, rels) = match (s.base_offsets.get(m), s.base_offsets.get(m + 1)) {
            (Some(&a), Some(&b)) if a <= b => (
                s.base_model.get(a as usize..b as usize).unwrap_or(&[]),
                s.base_relation.get(a as usize..b as usize).unwrap_or(&[]),
            ),
            _ => (&[][..], &[][..]),
        };
        let kept = rels.iter().filter(|r| relations.contains(**r)).count();
        if kept == 0 {
            continue;
        }
        for r in rels.iter().filter(|r| relations.contains(**r)) {
            acc[bucket * nr + *r as usize] += t / kept as f64;
        }
    }
    let depth_names = ["1", "2", "≥3"];
    let (mut dc, mut rc, mut vc, mut sc) = (vec![], vec![], vec![], vec![]);
    for (b, name) in depth_names.iter().enumerate() {
        let total: f64 = acc[b * nr..(b + 1) * nr].iter().sum();
        for r in Relation::ALL {
            if !relations.contains(r) {
                continue;
            }
            let x = acc[b * nr + r as usize];
            dc.push(Some(name.to_string()));
            rc.push(Some(r.as_str().to_string()));
            vc.push(Some(x));
            sc.push(share(x, total));
        }
    }
    let mut t = Table::new("flows");
    t.push_str("depth", dc);
    t.push_str("relation", rc);
    t.push_f64("downloads", vc);
    t.push_f64("share", sc);
    Report::new("flows", t).note(
        "depth = longest path to a root along the chosen relations; a model with several base edges \
         splits its downloads equally among them",
    )
}

// ---------------------------------------------------------------- 8 modality

fn modality(ctx: &mut Context) -> Report {
    direct_only_note(ctx);
    let s = ctx.s;
    // (side, attribute, labels)
    let sides = [
        ("input", "input_modalities", Labels::Multi(&s.input_modalities)),
        ("output", "output_modalities", Labels::Multi(&s.output_modalities)),
    ];
    // The incidence view's prepared sums per cell and label, when there, summed over the cells
    // (which cover every week): no pass over the models.
    let names = ["input_modalities", "output_modalities"];
    let labels = [
        Labels::Multi(&s.input_modalities),
        Labels::Multi(&s.output_modalities),
    ];
    if let Some((total, acc)) = prepared_cell_sums(ctx, &names, &labels) {
        let total = total.iter().sum();
        let cells = (2 * cut_days(ctx.options).map_or(0, |c| cut_labels(&c).len())).max(1);
        let acc: Vec<Vec<f64>> = acc
            .iter()
            .map(|a| a.chunks_exact(cells).map(|v| v.iter().sum()).collect())
            .collect();
        return modality_report(&sides, &acc, total);
    }
    // Each side's sums by label set of the kept models (dense columns, shared with incidence),
    // then by label: whole numbers, so the same sums.
    let sets: Vec<Rc<LabelSets>> = sides
        .iter()
        .map(|(_, attribute, l)| kept_label_sets(ctx, attribute, l))
        .collect();
    let mut by_set: Vec<Vec<f64>> = sets.iter().map(|x| vec![0.0; x.sets()]).collect();
    let mut total = 0.0;
    for (rank, (_, t)) in ctx.counted_totals().enumerate() {
        if t <= 0.0 {
            continue;
        }
        total += t;
        for (x, sums) in sets.iter().zip(by_set.iter_mut()) {
            if let Some(v) = x.set_of.get(rank).and_then(|&k| sums.get_mut(k as usize)) {
                *v += t;
            }
        }
    }
    let acc: Vec<Vec<f64>> = sides
        .iter()
        .zip(sets.iter().zip(&by_set))
        .map(|((_, _, l), (x, sums))| {
            let mut acc = vec![0.0; l.count()];
            x.expand(sums, 1, &mut acc);
            acc
        })
        .collect();
    modality_report(&sides, &acc, total)
}

/// The modality view's table from the downloads per side and label, `acc[side][label]`, and
/// of all the kept models, `total`.
fn modality_report(sides: &[(&str, &str, Labels); 2], acc: &[Vec<f64>], total: f64) -> Report {
    let (mut sc, mut mc, mut dc, mut shc) = (vec![], vec![], vec![], vec![]);
    for (k, (side, _, l)) in sides.iter().enumerate() {
        let mut order: Vec<usize> = (0..l.count()).filter(|&v| acc[k][v] > 0.0).collect();
        order.sort_by(|&a, &b| acc[k][b].total_cmp(&acc[k][a]).then(a.cmp(&b)));
        for v in order {
            sc.push(Some(side.to_string()));
            mc.push(Some(l.name(v)));
            dc.push(Some(acc[k][v]));
            shc.push(share(acc[k][v], total));
        }
    }
    let mut t = Table::new("modality");
    t.push_str("side", sc);
    t.push_str("modality", mc);
    t.push_f64("downloads", dc);
    t.push_f64("share", shc);
    Report::new("modality", t).note(
        "a model with several modalities on a side counts under each, so a side's shares may sum above 1",
    )
}

// ---------------------------------------------------------------- 9 trends

fn trends(ctx: &mut Context) -> Result<Report> {
    direct_only_note(ctx);
    let name = ctx
        .options
        .attribute
        .clone()
        .unwrap_or_else(|| "pipeline_tag".to_string());
    let labels = Labels::of(ctx.s, &name)?;
    let periods: PeriodMap = ctx.periods()?;
    let (np, nv) = (periods.len(), labels.count());
    if np.saturating_mul(nv) > MAX_TREND_CELLS {
        return Err(Error::option(
            "attribute",
            format!(
                "'{name}' has {nv} values: too many to follow over {np} periods; choose a coarser \
                 granularity or another attribute"
            ),
        ));
    }
    let window = ctx.options.window_weeks;
    let prepared = ctx
        .week_rows()
        .zip(ctx.cache.label_sums(ctx.options, &Groups::Labels(name.clone())))
        .filter(|(_, sums)| sums.groups() == nv);
    let (acc, total) = match prepared {
        Some((layout, sums)) => {
            // Prepared weekly sums per label: a few dozen additions a week and label; a period's
            // total is every counted download of its weeks (a model counts once however many
            // labels it has). Whole numbers below 2^53: the same floats as the rows' sums.
            let mut by_period = vec![0u64; np * nv];
            let mut total = vec![0u64; np];
            for (k, &p) in periods.period_of.iter().enumerate() {
                let (week, p) = (periods.first_week + k as i32, p as usize);
                if let (Some(cells), Some(t)) = (by_period.get_mut(p * nv..(p + 1) * nv), total.get_mut(p)) {
                    sums.add_week(week, window, cells);
                    *t += layout.counted_total(week, window);
                }
            }
            let mut acc = vec![0.0; np * nv];
            for (p, cells) in by_period.chunks_exact(nv.max(1)).enumerate() {
                for (k, &x) in cells.iter().enumerate() {
                    acc[k * np + p] = x as f64;
                }
            }
            (acc, total.iter().map(|&t| t as f64).collect())
        }
        None => trend_sums(ctx, &name, &labels, &periods),
    };
    let at = |p: usize, k: usize| acc.get(k * np + p).copied().unwrap_or(0.0);
    let mut order: Vec<(usize, f64)> = (0..nv)
        .map(|k| {
            (
                k,
                acc.get(k * np..(k + 1) * np)
                    .map_or(0.0, |r| r.iter().sum::<f64>()),
            )
        })
        .filter(|x| x.1 > 0.0)
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let names: Vec<String> = order.iter().map(|&(k, _)| labels.name(k)).collect();
    let (mut pc, mut vc, mut dc, mut sc) = (vec![], vec![], vec![], vec![]);
    for (p, (label, &period_total)) in periods.labels.iter().zip(&total).enumerate() {
        for (name, &(k, _)) in names.iter().zip(&order) {
            pc.push(Some(label.clone()));
            vc.push(Some(name.clone()));
            dc.push(Some(at(p, k)));
            sc.push(share(at(p, k), period_total));
        }
    }
    let mut t = Table::new("trends");
    t.push_str("period", pc);
    t.push_str("value", vc);
    t.push_f64("downloads", dc);
    t.push_f64("share", sc);
    let mut r = Report::new("trends", t).note(format!("attribute: {name}"));
    if matches!(labels, Labels::Multi(_)) {
        r = r.note("a model with several labels counts under each, so a period's shares may sum above 1");
    }
    Ok(r)
}

/// The trends view's sums from the rows: downloads of each label (`acc[label × periods +
/// period]`) and of all models (`total[period]`) in each period.
fn trend_sums(ctx: &Context, name: &str, labels: &Labels, periods: &PeriodMap) -> (Vec<f64>, Vec<f64>) {
    let (np, nv) = (periods.len(), labels.count());
    // A multi-label attribute's models are added up by their set of labels (one read of a
    // model's rows, not one per label; see `LabelSets`), and each set's sums go to its labels
    // afterwards. A single label is its own set. Too many sets to hold: by label.
    let sets = match labels {
        Labels::Single(_) => None,
        _ => Some(kept_label_sets(ctx, name, labels))
            .filter(|x| x.sets().saturating_mul(np) <= MAX_TREND_CELLS),
    };
    // Every model in exactly one row: the total is summed from the rows afterwards.
    let one_row_each = sets.is_some() || matches!(labels, Labels::Single(_));
    let row_of = |rank: usize, m: usize, f: &mut dyn FnMut(usize)| match &sets {
        Some(x) => {
            if let Some(&k) = x.set_of.get(rank) {
                f(k as usize)
            }
        }
        None => labels.each(m, f),
    };
    // acc[k * np + p]: downloads of row k (a set, or a value) in period p, a small block. Each
    // model's rows are summed by period once, then added to the total and to each of its rows.
    let mut acc = vec![0.0; np * sets.as_ref().map_or(nv, |x| x.sets())];
    let mut total = vec![0.0; np];
    let mut values: Vec<usize> = Vec::new();
    let mut runs: Vec<(usize, f64)> = Vec::new();
    let weekly = periods.is_weekly();
    // Every kept model's counted rows are read here: their sums, taken on the way, spare a later
    // view of the same window a pass.
    let mut totals = ctx.windowed().totals_to_take();
    for (rank, m) in ctx.kept_models().enumerate() {
        let (weeks, downloads) = ctx.model_rows(m);
        take_total(&mut totals, m, || rows_total(downloads));
        if weekly {
            // Each row is its own period: adding rows straight into place beats making runs.
            if !one_row_each {
                add_rows(&mut total, periods, true, weeks, downloads, 1.0);
            }
            row_of(rank, m, &mut |k| {
                if let Some(row) = acc.get_mut(k * np..(k + 1) * np) {
                    add_rows(row, periods, true, weeks, downloads, 1.0);
                }
            });
            continue;
        }
        runs.clear();
        period_runs(weeks, downloads, periods, |p, sum| runs.push((p, sum as f64)));
        values.clear();
        row_of(rank, m, &mut |k| values.push(k));
        for &(p, v) in &runs {
            if let Some(t) = total.get_mut(p) {
                *t += v;
            }
        }
        for &k in &values {
            if let Some(row) = acc.get_mut(k * np..(k + 1) * np) {
                for &(p, v) in &runs {
                    if let Some(x) = row.get_mut(p) {
                        *x += v;
                    }
                }
            }
        }
    }
    ctx.windowed().offer_totals(totals);
    if weekly && one_row_each {
        for row in acc.chunks_exact(np.max(1)) {
            for (t, x) in total.iter_mut().zip(row) {
                *t += x;
            }
        }
    }
    // The downloads are whole numbers: summed by set first, the sums are the same.
    if let Some(x) = &sets {
        let mut by_label = vec![0.0; np * nv];
        x.expand(&acc, np, &mut by_label);
        acc = by_label;
    }
    (acc, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::concentration::Measures;
    use crate::snapshot::{ParamSource, RelationSet, Strings};
    use crate::time::{day_of_week_index, days_from_civil};

    /// A tiny snapshot built by hand (weeks are week indexes of `crate::time`).
    /// Models: a/base (root, US, company), a/ft (finetune of a/base, US, company),
    ///         b/root (root, FR, academic), b/merge (merge of a/ft and b/root, FR, academic),
    ///         c/tiny (root, no country, 10 downloads in total).
    #[allow(clippy::field_reassign_with_default)]
    pub(crate) fn tiny() -> Snapshot {
        // Weeks w0..w0+3 have Mondays in December 2024; w0+4 is the week of Monday 2025-01-06.
        let w0 = week_of_day(days_from_civil(2024, 12, 9));
        let mut s = Snapshot::default();
        s.id = ["a/base", "a/ft", "b/root", "b/merge", "c/tiny"]
            .iter()
            .collect::<Strings>();
        s.author = Categorical::from_options(["a", "a", "b", "b", "c"].map(Some));
        s.country = Categorical::from_options([Some("US"), Some("US"), Some("FR"), Some("FR"), None]);
        s.org_type = Categorical::from_options([
            Some("company"),
            Some("company"),
            Some("academic"),
            Some("academic"),
            None,
        ]);
        let created_week = [w0, w0 + 1, w0, w0 + 4, w0];
        s.created = created_week.iter().map(|&w| day_of_week_index(w) + 2).collect();
        s.base_offsets = vec![0, 0, 1, 1, 3, 3];
        s.base_model = vec![0, 1, 2];
        s.base_relation = vec![Relation::Finetune, Relation::Merge, Relation::Merge];
        // Weekly rows: (model, week offset, downloads).
        let rows: [(usize, i32, u32); 10] = [
            (0, 0, 100),
            (0, 4, 300),
            (0, 60, 1000),
            (1, 1, 50),
            (1, 5, 150),
            (2, 0, 200),
            (2, 4, 200),
            (3, 4, 400),
            (3, 5, 100),
            (4, 0, 10),
        ];
        s.weekly_offsets = vec![0];
        for m in 0..5 {
            for &(_, dw, d) in rows.iter().filter(|r| r.0 == m) {
                s.weekly_week.push((w0 + dw) as u16);
                s.weekly_downloads.push(d);
            }
            s.weekly_offsets.push(s.weekly_week.len() as u32);
        }
        let n = 5;
        s.likes = vec![0.0; n];
        s.downloads_30d = vec![f64::NAN; n];
        s.downloads_all_time = vec![f64::NAN; n];
        s.params = vec![1e9, 1e9, 7e9, f64::NAN, 1e8];
        s.params_source = vec![ParamSource::Safetensors; n];
        s.file_bytes = vec![2e9, 2e9, 14e9, 14e9, 2e8];
        s.pipeline_tag = Categorical::from_options([
            Some("text-generation"),
            Some("text-generation"),
            Some("image"),
            Some("text-generation"),
            None,
        ]);
        s.library = Categorical::nulls(n);
        s.license = Categorical::from_options(["mit", "apache", "mit", "mit", "mit"].map(Some));
        s.gated = Categorical::from_options(["false"; 5].map(Some));
        s.languages =
            MultiLabel::from_lists(vec![vec!["en"], vec!["en", "fr"], vec!["fr"], vec![], vec!["en"]]);
        s.input_modalities = MultiLabel::from_lists(vec![
            vec!["text"],
            vec!["text"],
            vec!["image", "text"],
            vec!["text"],
            vec![],
        ]);
        s.output_modalities = MultiLabel::from_lists(vec![vec!["text"]; 5]);
        s.architecture = Categorical::nulls(n);
        s.training_methods = MultiLabel::empty(n);
        s.training_data = Categorical::nulls(n);
        s.meta.snapshot_date = "2025-03-01".into();
        s
    }

    fn report(view: &str, pairs: &[(&str, &str)]) -> Report {
        let engine = Engine::new(tiny());
        let options = Options::from_pairs(pairs.iter().copied()).unwrap();
        run(&engine, view, &options).unwrap()
    }

    fn f64s(r: &Report, table: &str, col: &str) -> Vec<Option<f64>> {
        match r.table(table).unwrap().column(col).unwrap() {
            crate::views::ColumnData::F64(v) => v.clone(),
            crate::views::ColumnData::I64(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
            _ => panic!("{col} is not numeric"),
        }
    }

    fn strs(r: &Report, table: &str, col: &str) -> Vec<String> {
        match r.table(table).unwrap().column(col).unwrap() {
            crate::views::ColumnData::Str(v) => v.iter().map(|x| x.clone().unwrap_or_default()).collect(),
            _ => panic!("{col} is not text"),
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn leaderboard_by_hand() {
        // No population filter, no window: developer a = 100+300+1000+50+150 = 1600,
        // b = 200+200+400+100 = 900, c = 10; total 2510.
        let r = report("leaderboard", &[("min-downloads", "0"), ("no-window", "")]);
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["a", "b", "c"]);
        assert_eq!(
            f64s(&r, "leaderboard", "downloads"),
            vec![Some(1600.0), Some(900.0), Some(10.0)]
        );
        assert!(close(f64s(&r, "leaderboard", "share")[0], 1600.0 / 2510.0));
        // Window L = 52 drops a/base's week-60 row: a = 600, b = 900, c = 10.
        // Population filter 200 (default) drops c/tiny (10 downloads).
        let r = report("leaderboard", &[]);
        assert_eq!(
            f64s(&r, "leaderboard", "downloads"),
            vec![Some(900.0), Some(600.0)]
        );
        assert!(close(f64s(&r, "leaderboard", "share")[1], 600.0 / 1500.0));
    }

    #[test]
    fn root_attribution_by_hand() {
        // Roots: a/ft → a/base; b/merge → {a/base, b/root}, split 1/2 each (b/merge has 500).
        // Model level, no window: a/base = 1400 + 200 + 250 = 1850, b/root = 400 + 250 = 650.
        let r = report(
            "leaderboard",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("attribution", "root"),
                ("level", "model"),
            ],
        );
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["a/base", "b/root", "c/tiny"]);
        assert_eq!(
            f64s(&r, "leaderboard", "downloads"),
            vec![Some(1850.0), Some(650.0), Some(10.0)]
        );
        // Following only finetune edges, b/merge is its own root.
        let r = report(
            "leaderboard",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("attribution", "root"),
                ("level", "model"),
                ("relations", "finetune"),
            ],
        );
        assert_eq!(f64s(&r, "leaderboard", "downloads")[0], Some(1600.0));
        assert_eq!(strs(&r, "leaderboard", "key")[1], "b/merge");
    }

    #[test]
    fn country_level_drops_unknown() {
        // c/tiny has no country: left out, with a note.
        let r = report(
            "leaderboard",
            &[("min-downloads", "0"), ("no-window", ""), ("level", "country")],
        );
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["US", "FR"]);
        assert!(close(f64s(&r, "leaderboard", "share")[0], 1600.0 / 2500.0));
        assert!(r.notes.iter().any(|n| n.contains("unknown")), "{:?}", r.notes);
    }

    #[test]
    fn concentration_by_hand_per_period() {
        // Paper periods, developer level, no window, no population filter.
        // ≤2024 (weeks w0..w0+3): a = 100 + 50 = 150, b = 200, c = 10 → total 360.
        // ≥2025: a = 300 + 150 + 1000 = 1450, b = 200 + 400 + 100 = 700 → total 2150.
        let r = report(
            "concentration",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("granularity", "periods"),
            ],
        );
        assert_eq!(strs(&r, "concentration", "period"), vec!["2024", "≥2025"]);
        let hhi = f64s(&r, "concentration", "hhi");
        let expect0 = (150f64 / 360.0).powi(2) + (200f64 / 360.0).powi(2) + (10f64 / 360.0).powi(2);
        let expect1 = (1450f64 / 2150.0).powi(2) + (700f64 / 2150.0).powi(2);
        assert!(close(hhi[0], expect0) && close(hhi[1], expect1), "{hhi:?}");
        // Gini ≥2025: sorted 700, 1450: 2(700 + 2900)/(2·2150) − 3/2.
        let gini = f64s(&r, "concentration", "gini");
        assert!(close(gini[1], 2.0 * 3600.0 / 4300.0 - 1.5));
        assert!(close(f64s(&r, "concentration", "top1")[0], 200.0 / 360.0));
        assert_eq!(f64s(&r, "concentration", "units"), vec![Some(3.0), Some(2.0)]);
    }

    #[test]
    fn empty_weeks_give_null_measures() {
        // Weekly granularity: the weeks between w0+5 and w0+60 have no downloads.
        let r = report("concentration", &[("min-downloads", "0"), ("no-window", "")]);
        let hhi = f64s(&r, "concentration", "hhi");
        assert_eq!(hhi.len(), 61);
        assert_eq!(hhi[30], None);
        assert_eq!(f64s(&r, "concentration", "units")[30], Some(0.0));
        // Everything filtered away: the snapshot's periods remain, every measure null, no error.
        let r = report("concentration", &[("min-downloads", "1e12")]);
        assert!(f64s(&r, "concentration", "hhi").iter().all(|x| x.is_none()));
        assert!(f64s(&r, "concentration", "gini").iter().all(|x| x.is_none()));
    }

    #[test]
    fn bootstrap_interval_brackets_and_repeats() {
        let pairs = [
            ("min-downloads", "0"),
            ("no-window", ""),
            ("granularity", "periods"),
            ("bootstrap", "50"),
            ("seed", "3"),
        ];
        let a = report("concentration", &pairs);
        let b = report("concentration", &pairs);
        assert_eq!(a.main(), b.main());
        let (lo, hi) = (
            f64s(&a, "concentration", "hhi_lo"),
            f64s(&a, "concentration", "hhi_hi"),
        );
        assert!(lo[1].unwrap() <= hi[1].unwrap());
        assert!(lo[1].unwrap() >= 0.0 && hi[1].unwrap() <= 1.0);
    }

    #[test]
    fn shares_sum_to_one_per_period() {
        let r = report(
            "shares",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("granularity", "periods"),
                ("top", "1"),
            ],
        );
        // Top unit over the range is a (1600); rows: a and rest per period.
        assert_eq!(strs(&r, "shares", "key"), vec!["a", "rest", "a", "rest"]);
        assert_eq!(
            f64s(&r, "shares", "downloads"),
            vec![Some(150.0), Some(210.0), Some(1450.0), Some(700.0)]
        );
        let s = f64s(&r, "shares", "share");
        assert!(close(Some(s[0].unwrap() + s[1].unwrap()), 1.0));
    }

    #[test]
    fn incidence_by_hand() {
        // License, paper split (before = up to 2024-12-31), downloads basis, no window/filter.
        // Before: total 360; mit = a/base 100 + b/root 200 + c/tiny 10 = 310; apache = a/ft 50.
        // After: total 2150; mit = 1300 + 200 + 500 = 2000; apache = 150.
        let r = report(
            "incidence",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("attribute", "license"),
            ],
        );
        assert_eq!(strs(&r, "incidence", "value"), vec!["mit", "apache"]);
        assert!(close(f64s(&r, "incidence", "before")[0], 310.0 / 360.0));
        assert!(close(f64s(&r, "incidence", "after")[0], 2000.0 / 2150.0));
        // 2×2 [[310, 2000], [50, 150]]: n 2510, margins 2310/200, 360/2150.
        let chi2 = 2510.0 * (310.0f64 * 150.0 - 2000.0 * 50.0).powi(2) / (2310.0 * 200.0 * 360.0 * 2150.0);
        let got = f64s(&r, "incidence", "chi2")[0].unwrap();
        assert!((got - chi2).abs() < 1e-9, "{got} vs {chi2}");
        // Per-period columns: `incidence_2024` = 310/360.
        assert!(close(f64s(&r, "incidence", "incidence_2024")[0], 310.0 / 360.0));
        assert_eq!(f64s(&r, "overall", "df"), vec![Some(1.0)]);
    }

    #[test]
    fn incidence_models_basis_and_filter() {
        // Models basis: created before 2025: a/base, a/ft, b/root, c/tiny (mit: 3 of 4);
        // after: b/merge (mit: 1 of 1).
        let r = report(
            "incidence",
            &[
                ("min-downloads", "0"),
                ("attribute", "license"),
                ("basis", "models"),
            ],
        );
        assert!(close(f64s(&r, "incidence", "before")[0], 0.75));
        assert!(close(f64s(&r, "incidence", "after")[0], 1.0));
        let r = report(
            "incidence",
            &[
                ("min-downloads", "0"),
                ("attribute", "license"),
                ("max-p", "1e-300"),
            ],
        );
        assert_eq!(r.main().rows(), 0);
    }

    #[test]
    fn flows_modality_trends_by_hand() {
        // Flows, no window: depth 1 = a/ft (finetune, 200); depth 2 = b/merge (merge, 500; longest
        // path b/merge → a/ft → a/base).
        let r = report("flows", &[("min-downloads", "0"), ("no-window", "")]);
        let d = f64s(&r, "flows", "downloads");
        let names = strs(&r, "flows", "relation");
        let depth = strs(&r, "flows", "depth");
        let at = |dp: &str, rel: &str| {
            (0..d.len())
                .find(|&i| depth[i] == dp && names[i] == rel)
                .map(|i| d[i])
        };
        assert_eq!(at("1", "finetune"), Some(Some(200.0)));
        assert_eq!(at("2", "merge"), Some(Some(500.0)));
        assert_eq!(f64s(&r, "flows", "share")[0], Some(1.0));
        // Modality: input text = 1400 + 200 + 400 + 500 = 2500 of 2510; image 400; missing 10.
        let r = report("modality", &[("min-downloads", "0"), ("no-window", "")]);
        assert_eq!(strs(&r, "modality", "modality")[0], "text");
        assert!(close(f64s(&r, "modality", "share")[0], 2500.0 / 2510.0));
        // Trends of pipeline_tag by paper period: ≤2024: text-generation = 150 of 360.
        let r = report(
            "trends",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("granularity", "periods"),
            ],
        );
        assert_eq!(strs(&r, "trends", "value")[0], "text-generation");
        assert!(close(f64s(&r, "trends", "share")[0], 150.0 / 360.0));
    }

    #[test]
    fn org_by_country_by_hand() {
        let r = report("org-by-country", &[("min-downloads", "0"), ("no-window", "")]);
        assert_eq!(strs(&r, "org-by-country", "country"), vec!["US", "FR"]);
        assert_eq!(f64s(&r, "org-by-country", "share"), vec![Some(1.0), Some(1.0)]);
        assert_eq!(
            f64s(&r, "org-by-country", "downloads"),
            vec![Some(1600.0), Some(900.0)]
        );
    }

    #[test]
    fn sizes_by_hand() {
        // Created basis, 2024: a/base 1e9, a/ft 1e9, b/root 7e9, c/tiny 1e8 (b/merge: 2025, its size
        // is estimated; too few fitting models → no estimator, so left out).
        let r = report("sizes", &[("min-downloads", "0"), ("no-window", "")]);
        let years = f64s(&r, "sizes", "year");
        let basis = strs(&r, "sizes", "basis");
        let i = (0..years.len())
            .find(|&i| years[i] == Some(2024.0) && basis[i] == "created")
            .unwrap();
        assert_eq!(f64s(&r, "sizes", "n")[i], Some(4.0));
        // Sorted 1e8, 1e9, 1e9, 7e9: median (inverted CDF) = 1e9, mean = 9.1e9 / 4.
        assert_eq!(f64s(&r, "sizes", "median")[i], Some(1e9));
        assert!(close(f64s(&r, "sizes", "mean")[i].map(|x| x / 1e9), 9.1 / 4.0));
        assert!(r.table("density").unwrap().rows() > 0);
        assert!(
            r.notes.iter().any(|n| n.contains("no size estimator")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn where_subsets_and_errors() {
        let r = report(
            "leaderboard",
            &[("min-downloads", "0"), ("no-window", ""), ("where", "country=FR")],
        );
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["b"]);
        let r = report(
            "leaderboard",
            &[
                ("min-downloads", "0"),
                ("no-window", ""),
                ("where", "relation=merge"),
                ("level", "model"),
            ],
        );
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["b/merge"]);
        let engine = Engine::new(tiny());
        let o = Options::from_pairs([("where", "country=Atlantis")]).unwrap();
        let e = run(&engine, "leaderboard", &o).unwrap_err().to_string();
        assert!(e.contains("where") && e.contains("Atlantis"), "{e}");
    }

    #[test]
    fn snapshot_without_history_uses_30_day_counts() {
        // No weekly rows: a/base 30 d = 500, a/ft unknown 30 d but 300 all-time, b/root 250,
        // b/merge 0, c/tiny 100 (all-time 150: below the population filter of 200).
        let mut s = tiny();
        s.weekly_offsets = vec![0; 6];
        s.weekly_week.clear();
        s.weekly_downloads.clear();
        s.downloads_30d = vec![500.0, f64::NAN, 250.0, 0.0, 100.0];
        s.downloads_all_time = vec![9000.0, 300.0, 250.0, 0.0, 150.0];
        let engine = Engine::new(s);
        let r = run(&engine, "leaderboard", &Options::default()).unwrap();
        // a = 500 + 300 = 800, b = 250; c/tiny and b/merge are left out by the population filter.
        assert_eq!(strs(&r, "leaderboard", "key"), vec!["a", "b"]);
        assert_eq!(
            f64s(&r, "leaderboard", "downloads"),
            vec![Some(800.0), Some(250.0)]
        );
        assert!(
            r.notes.iter().any(|n| n.contains("no weekly download history")),
            "{:?}",
            r.notes
        );
        // One period: the week of the snapshot date (2025-03-01, a Saturday → Monday 2025-02-24).
        let r = run(&engine, "concentration", &Options::default()).unwrap();
        assert_eq!(strs(&r, "concentration", "period"), vec!["2025-02-24"]);
        // No rows to lay out by week: `prepare` makes nothing and the model level still works.
        let model = Options::from_pairs([("level", "model")]).unwrap();
        assert!(!engine.prepare(&model).unwrap());
        let r = run(&engine, "concentration", &model).unwrap();
        assert_eq!(strs(&r, "concentration", "period"), vec!["2025-02-24"]);
    }

    #[test]
    fn row_order_and_unit_order_passes_agree() {
        // The dense block, and partitions and rounds of every size (3 developers, 6 cells) against the unit-by-unit pass, with
        // root attribution (b/merge credits a and b half each) and a bootstrap multiplicity.
        let engine = Engine::new(tiny());
        let options =
            Options::from_pairs([("min-downloads", "0"), ("no-window", ""), ("attribution", "root")])
                .unwrap();
        let ctx = Context::new(&engine, &options).unwrap();
        let credits = ctx.credits();
        let periods = ctx.periods().unwrap();
        let counts = [2u32, 0, 1, 3, 1];
        for multiplicity in [None, Some(&counts[..])] {
            let mut want = Vec::new();
            ctx.unit_major(&credits, &periods, multiplicity, |u, p, v| want.push((u, p, v)));
            want.sort_by_key(|a| (a.0, a.1));
            assert!(want.len() > 5);
            let mut got = Vec::new();
            ctx.dense_units(&credits, &periods, multiplicity, |u, p, v| got.push((u, p, v)));
            got.sort_by_key(|a| (a.0, a.1));
            assert_eq!(got, want, "dense block");
            // Partitions of 1 unit up to all of them; one round per period up to a single round.
            for cells in [1, 3, 6, 1 << 20] {
                for max_buffered in [1, 4, 1 << 20] {
                    let mut got = Vec::new();
                    ctx.partitioned(
                        &credits,
                        &periods,
                        multiplicity,
                        cells,
                        max_buffered,
                        |u, p, v| got.push((u, p, v)),
                    );
                    got.sort_by_key(|a| (a.0, a.1));
                    assert_eq!(got, want, "{cells} cells, {max_buffered} buffered");
                }
            }
        }
    }

    /// Windows (1, 13 and 52 weeks, none), week ranges, population filters, subsets and creation
    /// ranges, for the tests of the prepared layouts against the passes over the rows.
    const LAYOUT_OPTION_SETS: [&[(&str, &str)]; 8] = [
        &[],
        &[("window-weeks", "1")],
        &[("window-weeks", "13"), ("min-downloads", "0")],
        &[("no-window", "")],
        &[("no-window", ""), ("min-downloads", "50"), ("from", "2023-03-01")],
        &[("from", "2023-06-01"), ("to", "2024-10-31")],
        &[("where", "org_type=startup"), ("window-weeks", "26")],
        &[("created-from", "2023-01-01"), ("min-downloads", "1000")],
    ];

    #[test]
    fn week_order_layout_gives_the_model_by_model_measures() {
        // The weekly model-level measures read from the kept rows in week and age order
        // (`WeekRows`, after `Engine::prepare`) against the pass that reads the rows model by
        // model, bit for bit: on a synthetic ecosystem in its generated order and grouped by
        // developer, over windows (1, 13 and 52 weeks, none), week ranges, population filters,
        // subsets and creation ranges.
        let generated = crate::import::synthetic::generate(3000, 7).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot);
            let defaults = Options::default();
            assert!(
                Context::new(&engine, &defaults).unwrap().week_rows().is_none(),
                "made only when prepared"
            );
            for pairs in LAYOUT_OPTION_SETS {
                let mut all = pairs.to_vec();
                all.push(("level", "model"));
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                assert!(engine.prepare(&options).unwrap(), "{all:?}");
                let report = run(&engine, "concentration", &options).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                let rows = ctx.week_rows().expect("the layout");
                assert!(ctx.week_measures().is_some(), "{all:?}");
                let periods = ctx.periods().unwrap();
                let mut want: Vec<Measures> = Vec::new();
                ctx.for_each_week_of_model_values(&periods, |_, v| want.push(measures_of_counts(v)));
                // The layout's slices too (what the box reads while the measures are being made).
                let window = options.window_weeks;
                let sliced: Vec<Measures> = (0..periods.len())
                    .map(|p| {
                        measures_of_counts(&mut rows.counted(periods.first_week + p as i32, window).to_vec())
                    })
                    .collect();
                assert_eq!(sliced, want, "{all:?}");
                let got = |col: &str| f64s(&report, "concentration", col);
                let col = |f: fn(&Measures) -> Option<f64>| want.iter().map(f).collect::<Vec<_>>();
                assert_eq!(want.len(), periods.len());
                assert!(want.iter().any(|m| m.units > 1), "{all:?}");
                assert_eq!(got("units"), col(|m| Some(m.units as f64)), "{all:?}");
                assert_eq!(got("total"), col(|m| Some(m.total)), "{all:?}");
                assert_eq!(got("hhi"), col(|m| m.hhi), "{all:?}");
                assert_eq!(got("gini"), col(|m| m.gini), "{all:?}");
                assert_eq!(got("top1"), col(|m| m.top1), "{all:?}");
                assert_eq!(got("top10"), col(|m| m.top10), "{all:?}");
                assert_eq!(got("top100"), col(|m| m.top100), "{all:?}");
            }
        }
    }

    #[test]
    fn a_lower_minimum_after_a_round_trip_of_filters_reads_no_rows() {
        // Prepared for the default filter, then for another (a higher minimum), then for the
        // default again (whose developers' measures were kept): a lower minimum's model and
        // developer concentration still come from the counts of the current window, and equal
        // those of an engine that never prepared.
        let snapshot = crate::import::synthetic::generate(3000, 7).unwrap();
        let engine = Engine::new(snapshot.clone());
        let fresh = Engine::new(snapshot);
        let default = Options::default();
        let higher = Options::from_pairs([("min-downloads", "1000")]).unwrap();
        for options in [&default, &higher, &default] {
            assert!(engine.prepare(options).unwrap());
        }
        for level in ["model", "developer"] {
            let options = Options::from_pairs([("min-downloads", "120"), ("level", level)]).unwrap();
            let ctx = Context::new(&engine, &options).unwrap();
            let periods = ctx.periods().unwrap();
            let counted = match ctx.options.level {
                Level::Model => ctx.week_measures_of_lower_minimum(&periods),
                _ => ctx.developer_week_measures_of_lower_minimum(&periods),
            };
            assert!(counted.is_some(), "{level}");
            assert_eq!(
                run(&engine, "concentration", &options).unwrap(),
                run(&fresh, "concentration", &options).unwrap(),
                "{level}"
            );
        }
    }

    #[test]
    fn a_new_filter_takes_most_of_its_model_rows_from_the_last_layout() {
        // Prepared for the default filter, the model-level concentration of other filters (drawn
        // before `prepare` lays them out) takes the rows of the last layout that they keep
        // whole, and the country level the weekly sums per country: against an engine that never prepared, bit for bit, in the generated order and
        // grouped by developer.
        let generated = crate::import::synthetic::generate(3000, 7).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot.clone());
            let fresh = Engine::new(snapshot);
            assert!(engine.prepare(&Options::default()).unwrap());
            // Each filter, whether it takes rows from the layout, and whether the other models' rows
            // are in the layout's lower tier (a lower minimum, at least half the last).
            type Filter<'a> = (&'a [(&'a str, &'a str)], bool, bool);
            let filters: [Filter; 13] = [
                (&[("min-downloads", "100")], true, true),
                (&[("min-downloads", "150"), ("window-weeks", "26")], true, true),
                (&[("min-downloads", "180"), ("no-window", "")], true, true),
                (&[("min-downloads", "0"), ("window-weeks", "13")], true, false),
                (&[("min-downloads", "50"), ("no-window", "")], true, false),
                (
                    &[
                        ("min-downloads", "100"),
                        ("from", "2023-06-01"),
                        ("to", "2024-10-31"),
                    ],
                    true,
                    true,
                ),
                (&[("created-from", "2023-06-14")], true, false),
                (
                    &[("created-to", "2024-03-10"), ("window-weeks", "26")],
                    true,
                    false,
                ),
                (
                    &[
                        ("created-from", "2023-02-01"),
                        ("created-to", "2024-03-10"),
                        ("min-downloads", "100"),
                    ],
                    true,
                    false,
                ),
                // Part of some creation week's models in the layout: the rows are read.
                (&[("created-from", "2023-06-14"), ("no-window", "")], false, false),
                (&[("min-downloads", "1000")], false, false),
                (&[("where", "org_type=startup")], false, false),
                (&[("min-downloads", "200")], false, false),
            ];
            let (mut few_others, mut country_sums_taken, mut unknown_noted) = (false, false, false);
            let mut entries_without_tier = false;
            for (pairs, taken, tier) in filters {
                let mut all = pairs.to_vec();
                all.push(("level", "model"));
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                let from_layout = ctx.rows_of_last_layout();
                assert_eq!(from_layout.is_some(), taken, "{all:?}");
                let from_tier = from_layout.as_ref().and_then(|d| d.tier.clone());
                assert_eq!(from_tier.is_some(), tier, "{all:?}");
                if let Some(t) = &from_tier {
                    // The others are in the tier (and not listed).
                    assert!(!t.is_empty(), "{all:?}");
                    assert!(
                        ctx.mask.kept_models.len()
                            > engine
                                .economies()
                                .mask(&engine.snapshot, &Options::default())
                                .unwrap()
                                .kept_models
                                .len(),
                        "{all:?}"
                    );
                }
                // Under the window `prepare` was asked for, a lower minimum's weekly model
                // measures come from the last filter's counts of each week and the tier.
                let counted = ctx.week_measures_of_lower_minimum(&ctx.periods().unwrap());
                let window_prepared = options.window_weeks == Options::default().window_weeks;
                assert_eq!(counted.is_some(), tier && window_prepared, "{all:?}");
                if let Some(d) = &from_layout {
                    let kept = &ctx.mask.kept_models;
                    assert!(d.others.len() < kept.len(), "{all:?}");
                    assert!(d.others.iter().all(|&m| ctx.kept(m as usize)), "{all:?}");
                    few_others |= d.others.len() * 10 < kept.len();
                }
                assert_eq!(
                    run(&engine, "concentration", &options).unwrap(),
                    run(&fresh, "concentration", &options).unwrap(),
                    "{all:?}"
                );
                // Developer concentration: each week's sums per developer from the last
                // filter's entries, with their developers, and for a lower minimum the tier's,
                // else (at most a quarter of the kept models) the other models' rows.
                let developer = Options {
                    level: Level::Developer,
                    ..options.clone()
                };
                let ctx = Context::new(&engine, &developer).unwrap();
                let periods = ctx.periods().unwrap();
                let mut weeks = 0;
                let from_entries =
                    ctx.unit_week_values_of_last_layout(&ctx.credits(), &periods, &mut |_, _| weeks += 1);
                let mostly_laid_out = from_layout
                    .as_ref()
                    .is_some_and(|d| d.tier.is_some() || d.others.len() * 4 <= ctx.mask.kept_models.len());
                assert_eq!(from_entries, mostly_laid_out && !periods.is_empty(), "{all:?}");
                entries_without_tier |= from_entries && !tier;
                // Under the window `prepare` was asked for, from the developers' weekly sums.
                let counted = ctx.developer_week_measures_of_lower_minimum(&periods);
                assert_eq!(counted.is_some(), tier && window_prepared, "{all:?}");
                assert_eq!(weeks, if from_entries { periods.len() } else { 0 }, "{all:?}");
                assert_eq!(
                    run(&engine, "concentration", &developer).unwrap(),
                    run(&fresh, "concentration", &developer).unwrap(),
                    "developer {all:?}"
                );
                // The shares of many units: each period's total from the week rows' totals (and
                // for a lower minimum the tier's entries), the top units' models read.
                for level in [Level::Model, Level::Developer] {
                    for granularity in [Granularity::Week, Granularity::Quarter] {
                        let options = Options {
                            level,
                            granularity,
                            ..options.clone()
                        };
                        assert_eq!(
                            run(&engine, "shares", &options).unwrap(),
                            run(&fresh, "shares", &options).unwrap(),
                            "shares {level:?} {granularity:?} {all:?}"
                        );
                    }
                }
                // The countries' sums too: the last filter's weekly sums of the creation weeks
                // it keeps whole, and the other models' rows.
                let country = Options {
                    level: Level::Country,
                    ..options.clone()
                };
                let ctx = Context::new(&engine, &country).unwrap();
                let units = ctx.credits().units();
                let few = ctx
                    .rows_of_last_layout()
                    .is_some_and(|d| d.others.len() * 4 <= ctx.mask.kept_models.len() || d.tier.is_some());
                let taken = ctx.unit_sums_of_last_layout(units, None);
                assert_eq!(taken.is_some(), few, "{all:?}");
                // A lower minimum's other models from the lower tier, with their countries.
                assert_eq!(taken.is_some_and(|t| t.2.is_some()), tier, "{all:?}");
                country_sums_taken |= few;
                for granularity in [Granularity::Week, Granularity::Month] {
                    let options = Options {
                        granularity,
                        ..country.clone()
                    };
                    for view in ["concentration", "shares"] {
                        let report = run(&engine, view, &options).unwrap();
                        assert_eq!(
                            report,
                            run(&fresh, view, &options).unwrap(),
                            "{view} {granularity:?} {all:?}"
                        );
                        unknown_noted |= tier && report.notes.iter().any(|n| n.contains("is unknown"));
                    }
                }
            }
            assert!(few_others, "a creation range takes most rows");
            assert!(
                entries_without_tier,
                "a creation range's developers from the entries"
            );
            assert!(country_sums_taken);
            // The note on models of no country, from the sums that the lower tier completed.
            assert!(unknown_noted);
        }
    }

    #[test]
    fn month_measures_give_the_reports_of_a_fresh_engine() {
        // Prepared, the monthly concentration at the model and developer levels reads measures
        // made over months from the week-order layout: against an engine that never prepared,
        // bit for bit, for the layout tests' option sets (filters, week ranges) under four
        // windows, in the generated order and grouped by developer.
        let generated = crate::import::synthetic::generate(3000, 7).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot.clone());
            let fresh = Engine::new(snapshot);
            for pairs in LAYOUT_OPTION_SETS {
                let options = Options::from_pairs(pairs.iter().copied()).unwrap();
                assert!(engine.prepare(&options).unwrap(), "{pairs:?}");
                for level in [Level::Model, Level::Developer] {
                    for window in [Some(1), Some(5), None] {
                        let monthly = Options {
                            level,
                            granularity: Granularity::Month,
                            window_weeks: window,
                            ..options.clone()
                        };
                        let ctx = Context::new(&engine, &monthly).unwrap();
                        let periods = ctx.periods().unwrap();
                        assert!(!periods.is_weekly() && periods.len() > 3, "{pairs:?}");
                        assert!(ctx.cache.period_measures(&monthly, level, &periods).is_some());
                        let report = run(&engine, "concentration", &monthly).unwrap();
                        assert_eq!(
                            report,
                            run(&fresh, "concentration", &monthly).unwrap(),
                            "{pairs:?} {level:?} {window:?}"
                        );
                        let units = f64s(&report, "concentration", "units");
                        assert!(units.iter().any(|u| u.is_some_and(|u| u > 1.0)), "{pairs:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn unit_week_counts_equal_the_unit_sums() {
        // The developers' weekly sums added as whole numbers, unit by unit, against the pass of
        // `for_each_unit_period` (floats), as sorted lists per week and as measures, bit for bit:
        // in the generated order and grouped by developer, over the layout tests' option sets.
        let generated = crate::import::synthetic::generate(3000, 7).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot);
            for pairs in LAYOUT_OPTION_SETS {
                let mut all = pairs.to_vec();
                all.push(("level", "developer"));
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                let credits = ctx.credits();
                let periods = ctx.periods().unwrap();
                let mut want = vec![Vec::new(); periods.len()];
                ctx.for_each_unit_period(&credits, &periods, None, |_, p, v| want[p].push(v));
                let mut got = vec![Vec::new(); periods.len()];
                let mut measured = Vec::new();
                assert!(ctx.unit_by_unit_week_values(&credits, &periods, |p, v| {
                    got[p] = v.iter().map(|&x| x as f64).collect();
                    measured.push(measures_of_counts(v));
                }));
                let want_measures: Vec<Measures> = want.iter_mut().map(|v| measures(v)).collect();
                for (g, w) in got.iter_mut().zip(&mut want) {
                    g.sort_by(f64::total_cmp);
                    w.sort_by(f64::total_cmp);
                }
                assert!(want.iter().any(|v| v.len() > 1), "{all:?}");
                assert_eq!(got, want, "{all:?}");
                assert_eq!(measured, want_measures, "{all:?}");
            }
            // Root attribution splits some models' credit: not whole, so not counted this way.
            let root = Options::from_pairs([("level", "developer"), ("attribution", "root")]).unwrap();
            let ctx = Context::new(&engine, &root).unwrap();
            let credits = ctx.credits();
            if credits.weight.iter().any(|&w| w != 1.0) {
                assert!(!ctx.unit_by_unit_week_values(&credits, &ctx.periods().unwrap(), |_, _| panic!()));
            }
        }
    }

    #[test]
    fn a_unit_week_of_2_to_the_32_downloads_is_left_to_the_floats() {
        // Two models of developer "a" with 3 000 000 000 downloads each in one week: 6e9 does not
        // fit a u32, so the whole-number pass gives up (and calls nothing), and the report sums
        // the floats: 6e9 plus "b"'s 7 that week.
        let w = week_of_day(days_from_civil(2024, 12, 9));
        let engine = Engine::new(Snapshot {
            id: ["a/x", "a/y", "b/z"].iter().collect::<Strings>(),
            author: Categorical::from_options(["a", "a", "b"].map(Some)),
            created: vec![day_of_week_index(w); 3],
            base_offsets: vec![0; 4],
            weekly_offsets: vec![0, 1, 2, 4],
            weekly_week: vec![w as u16, w as u16, w as u16, w as u16 + 1],
            weekly_downloads: vec![3_000_000_000, 3_000_000_000, 7, 9],
            ..Default::default()
        });
        let options = Options::from_pairs([("level", "developer"), ("min-downloads", "0")]).unwrap();
        let ctx = Context::new(&engine, &options).unwrap();
        let periods = ctx.periods().unwrap();
        assert!(!ctx.unit_by_unit_week_values(&ctx.credits(), &periods, |_, _| panic!("called")));
        let r = run(&engine, "concentration", &options).unwrap();
        assert_eq!(
            f64s(&r, "concentration", "total"),
            vec![Some(6e9 + 7.0), Some(9.0)]
        );
        assert_eq!(f64s(&r, "concentration", "units"), vec![Some(2.0), Some(1.0)]);
    }

    /// Makes the weekly measures at the options' level under `attribution` in one go; whether
    /// they are there.
    /// Equal to 1e-12 of the larger (root attribution's fractions added in another order), or
    /// both missing.
    fn agree_to_1e12(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            (a, b) => a == b,
        }
    }

    fn unit_measures_made(engine: &Engine, options: &Options, attribution: Attribution) -> bool {
        loop {
            let step = engine.economies().prepare_unit_week_measures_step(
                &engine.snapshot,
                options,
                options.level,
                attribution,
                usize::MAX,
            );
            if let Some(made) = step.unwrap() {
                return made;
            }
        }
    }

    #[test]
    fn unit_week_measures_give_the_unit_by_unit_measures() {
        // The weekly developer- and country-level measures of every window length made over the
        // week rows (`UnitWeekMeasuresBuild`, after `Engine::prepare`; the country's made here) against an
        // engine that never prepared anything (its pass sums every counted row into its unit),
        // bit for bit, over the same option sets as the model-level test.
        let generated = crate::import::synthetic::generate(3000, 11).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot.clone());
            let fresh = Engine::new(snapshot);
            for pairs in LAYOUT_OPTION_SETS {
                for level in ["developer", "country"] {
                    let mut all = pairs.to_vec();
                    all.push(("level", level));
                    let options = Options::from_pairs(all.iter().copied()).unwrap();
                    assert!(engine.prepare(&options).unwrap(), "{all:?}");
                    assert!(
                        unit_measures_made(&engine, &options, Attribution::Direct),
                        "{all:?}"
                    );
                    assert!(Context::new(&engine, &options)
                        .unwrap()
                        .unit_week_measures()
                        .is_some());
                    let got = run(&engine, "concentration", &options).unwrap();
                    let want = run(&fresh, "concentration", &options).unwrap();
                    assert_eq!(got, want, "{all:?}");
                    let units = f64s(&got, "concentration", "units");
                    assert!(units.iter().any(|u| u.unwrap_or(0.0) > 1.0), "{all:?}");
                }
            }
        }
    }

    #[test]
    fn the_last_filters_prepared_tables_serve_the_way_back() {
        // Prepared for filter A, then B, then back to A: A's model and developer measures and
        // size pairs are still there (the week rows are B's), and A's reports equal those of a
        // fresh engine. A third filter C drops A's measures, keeps B's; its size pairs drop B's,
        // the least recently asked for.
        let generated = crate::import::synthetic::generate(3000, 13).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let filter = |m: &str, level: &str| {
            Options::from_pairs([("min-downloads", m), ("level", level), ("window-weeks", "26")]).unwrap()
        };
        let kept = |e: &Engine, m: &str| {
            let (model, developer) = (filter(m, "model"), filter(m, "developer"));
            let model_ctx = Context::new(e, &model).unwrap();
            let developer_ctx = Context::new(e, &developer).unwrap();
            (
                model_ctx.week_measures().is_some(),
                developer_ctx.unit_week_measures().is_some(),
            )
        };
        // Whether the size pairs of filter `m` had to be made (then they are empty ones).
        let pairs_made = |e: &Engine, m: &str| {
            let options = filter(m, "model");
            let years = Context::new(e, &options)
                .unwrap()
                .periods_of(Granularity::Year)
                .unwrap();
            let range = crate::filter::week_range(&options).unwrap();
            let made = std::cell::Cell::new(false);
            e.economies().size_pairs(&options, range, &years, || {
                made.set(true);
                SizePairs::default()
            });
            made.get()
        };
        for m in ["200", "50"] {
            assert!(engine.prepare(&filter(m, "model")).unwrap());
            run(&engine, "sizes", &filter(m, "model")).unwrap();
        }
        assert_eq!(kept(&engine, "200"), (true, true));
        assert!(!pairs_made(&engine, "200"));
        assert!(Context::new(&engine, &filter("200", "model"))
            .unwrap()
            .week_rows()
            .is_none());
        for (view, level) in [
            ("concentration", "model"),
            ("concentration", "developer"),
            ("sizes", "model"),
        ] {
            let options = filter("200", level);
            assert_eq!(
                run(&engine, view, &options).unwrap(),
                run(&fresh, view, &options).unwrap(),
                "{view} {level}"
            );
        }
        assert!(engine.prepare(&filter("1000", "model")).unwrap());
        assert_eq!(kept(&engine, "200"), (false, false));
        assert_eq!(kept(&engine, "50"), (true, true));
        assert_eq!(kept(&engine, "1000"), (true, true));
        // The size pairs: A's were the last asked for before C's, so B's are the ones dropped.
        run(&engine, "sizes", &filter("1000", "model")).unwrap();
        assert!(!pairs_made(&engine, "1000"));
        assert!(pairs_made(&engine, "50"));
    }

    #[test]
    fn a_new_filter_takes_its_size_pairs_and_label_sets_from_every_models() {
        // Prepared for one filter, the size pairs and label sets of every model are there: another
        // filter's are taken from them (the pairs are those `SizePairs::of_kept` gives, the sets
        // those built from the kept models' labels), and its reports equal those of a fresh
        // engine, which builds them from the kept models' rows and labels.
        let generated = crate::import::synthetic::generate(3000, 17).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let filter = |pairs: &[(&str, &str)]| {
            Options::from_pairs([("window-weeks", "26")].iter().chain(pairs).copied()).unwrap()
        };
        assert!(engine.prepare(&filter(&[("min-downloads", "200")])).unwrap());
        let mut fewer_sets = false;
        for pairs in [
            &[("min-downloads", "50")][..],
            &[("min-downloads", "1000")],
            &[("min-downloads", "100"), ("created-from", "2024-03-01")],
        ] {
            let options = filter(pairs);
            // The incidence view tests every attribute when none is chosen; trends follows one.
            let license = Options {
                attribute: Some("license".into()),
                ..options.clone()
            };
            for (view, options) in [
                ("sizes", &options),
                ("incidence", &options),
                ("trends", &license),
                ("modality", &options),
            ] {
                assert_eq!(
                    run(&engine, view, options).unwrap(),
                    run(&fresh, view, options).unwrap(),
                    "{view} {pairs:?}"
                );
            }
            let ctx = Context::new(&engine, &options).unwrap();
            let years = ctx.periods_of(Granularity::Year).unwrap();
            let range = crate::filter::week_range(&options).unwrap();
            let all = ctx.cache.all_size_pairs(&options, range, &years).unwrap();
            let cached = ctx
                .cache
                .size_pairs(&options, range, &years, || panic!("made again"));
            let taken = SizePairs::of_kept(&all, |m| ctx.kept(m));
            assert_eq!(format!("{cached:?}"), format!("{taken:?}"), "{pairs:?}");
            let kept = &ctx.mask.kept_models;
            assert!(kept.len() < engine.snapshot.models());
            // Every attribute the incidence view tests: the sets taken from every model's are
            // those built from the kept models' labels (with the combinations they have only).
            let mut asked = 0;
            for name in incidence_attributes() {
                let all = ctx.cache.made_all_label_sets(name).unwrap();
                if let Some(sets) = ctx.cache.cached_label_sets(&options, name) {
                    let labels = Labels::of(ctx.s, name).unwrap();
                    let built = LabelSets::build(kept.len(), labels.count(), |i, out| {
                        labels.each(kept[i] as usize, |k| out.push(k as u32))
                    });
                    assert!(*sets == built, "{name} {pairs:?}");
                    fewer_sets |= sets.sets() < all.sets();
                    asked += 1;
                }
            }
            assert_eq!(asked, incidence_attributes().count());
        }
        // Some filter's models miss some combinations of every model's.
        assert!(fewer_sets);
    }

    #[test]
    fn root_unit_week_measures_agree_with_the_row_pass() {
        // Under root attribution, the weekly measures of every window length made ahead
        // (`UnitWeekMeasuresBuild` over the roots, their developers and countries) against a fresh
        // engine's pass over the rows. Units, weeks and (where every model has one root) values
        // agree exactly; a model with several roots splits its downloads, whose fractions the two
        // add in another order, so the floats agree to 1e-12.
        let generated = crate::import::synthetic::generate(3000, 11).unwrap();
        let lineage = crate::attribution::lineage(&generated, RelationSet::ALL);
        let split = (0..generated.models())
            .filter(|&m| lineage.roots(m).len() > 1)
            .count();
        assert!(split > 0, "the fixture needs models with several roots");
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot.clone());
            let fresh = Engine::new(snapshot);
            for pairs in LAYOUT_OPTION_SETS {
                for relations in ["finetune,adapter,quantized,merge", "finetune,merge"] {
                    for level in ["model", "developer", "country"] {
                        let mut all = pairs.to_vec();
                        all.extend([
                            ("level", level),
                            ("attribution", "root"),
                            ("relations", relations),
                        ]);
                        let options = Options::from_pairs(all.iter().copied()).unwrap();
                        assert!(engine.prepare(&options).unwrap(), "{all:?}");
                        assert!(
                            unit_measures_made(&engine, &options, Attribution::Root),
                            "{all:?}"
                        );
                        let ctx = Context::new(&engine, &options).unwrap();
                        assert!(ctx.unit_week_measures().is_some(), "{all:?}");
                        let got = run(&engine, "concentration", &options).unwrap();
                        let want = run(&fresh, "concentration", &options).unwrap();
                        let table = "concentration";
                        assert_eq!(
                            strs(&got, table, "period"),
                            strs(&want, table, "period"),
                            "{all:?}"
                        );
                        assert_eq!(f64s(&got, table, "units"), f64s(&want, table, "units"), "{all:?}");
                        assert!(f64s(&got, table, "units").iter().any(|u| u.unwrap_or(0.0) > 1.0));
                        for col in ["total", "hhi", "gini", "top1", "top10", "top100"] {
                            let (g, w) = (f64s(&got, table, col), f64s(&want, table, col));
                            assert_eq!(g.len(), w.len());
                            for (i, (&a, &b)) in g.iter().zip(&w).enumerate() {
                                assert!(agree_to_1e12(a, b), "{all:?} {col} row {i}: {a:?} vs {b:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn root_shares_from_the_prepared_sums_agree_with_the_row_pass() {
        // Prepared under direct attribution (as the page is before a switch), root attribution's
        // country shares and concentration and developer shares read the prepared sums per
        // country and top developer (`Groups::RootUnits`) and the rows of the models that split
        // their credit; a fresh engine reads every row. Keys agree exactly, downloads and
        // shares to 1e-12 (the split models' fractions are added in another order).
        let generated = crate::import::synthetic::generate(3000, 11).unwrap();
        let (mut from_sums, mut top_outside, mut notes) = (0, 0, 0);
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            let engine = Engine::new(snapshot.clone());
            let fresh = Engine::new(snapshot);
            for pairs in LAYOUT_OPTION_SETS {
                for relations in ["finetune,adapter,quantized,merge", "finetune,merge"] {
                    let mut direct = pairs.to_vec();
                    direct.push(("relations", relations));
                    let direct_options = Options::from_pairs(direct.iter().copied()).unwrap();
                    assert!(engine.prepare(&direct_options).unwrap(), "{direct:?}");
                    for (view, level, more) in [
                        ("shares", "country", &[][..]),
                        ("concentration", "country", &[("granularity", "month")][..]),
                        ("concentration", "country", &[][..]),
                        ("shares", "developer", &[][..]),
                        ("shares", "developer", &[("granularity", "quarter")][..]),
                        ("shares", "developer", &[("top", "100")][..]),
                        // Not the week range ranked under: the developers' totals again.
                        ("shares", "developer", &[("from", "2024-02-01")][..]),
                    ] {
                        let mut all = direct.clone();
                        all.extend([("level", level), ("attribution", "root")]);
                        all.extend(more);
                        let options = Options::from_pairs(all.iter().copied()).unwrap();
                        let (sums, developers) = engine
                            .economies()
                            .root_unit_sums(&options)
                            .expect("prepared under direct attribution");
                        assert_eq!(
                            sums.groups(),
                            engine.snapshot.country.values.len() + 1 + developers.len()
                        );
                        if level == "developer" {
                            let ctx = Context::new(&engine, &options).unwrap();
                            let top = top_units(&ctx, &ctx.unit_sums(&ctx.credits()).totals, options.top);
                            from_sums += top
                                .iter()
                                .filter(|&&u| developers.binary_search(&(u as u32)).is_ok())
                                .count();
                            top_outside += top
                                .iter()
                                .filter(|&&u| developers.binary_search(&(u as u32)).is_err())
                                .count();
                        }
                        let got = run(&engine, view, &options).unwrap();
                        let want = run(&fresh, view, &options).unwrap();
                        // The note on unknown countries too (its unit sums come from the sums).
                        assert_eq!(got.notes, want.notes, "{all:?}");
                        notes += got.notes.iter().filter(|n| n.contains("unknown")).count();
                        let table = view;
                        for col in ["period", "key"]
                            .into_iter()
                            .filter(|c| view == "shares" || *c == "period")
                        {
                            assert_eq!(strs(&got, table, col), strs(&want, table, col), "{all:?} {col}");
                        }
                        let cols: &[&str] = if view == "shares" {
                            &["downloads", "share"]
                        } else {
                            &["units", "total", "hhi", "gini", "top1", "top10"]
                        };
                        for col in cols {
                            let (g, w) = (f64s(&got, table, col), f64s(&want, table, col));
                            assert_eq!(g.len(), w.len());
                            for (i, (&a, &b)) in g.iter().zip(&w).enumerate() {
                                assert!(
                                    agree_to_1e12(a, b),
                                    "{all:?} {view} {col} row {i}: {a:?} vs {b:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
        // Both ways met: the top developers in the sums, and (top 100) some beyond them.
        assert!(from_sums > 0 && top_outside > 0, "{from_sums} {top_outside}");
        assert!(notes > 0, "the fixture needs models of unknown countries");
    }

    #[test]
    fn prepared_period_totals_give_the_shares_of_a_fresh_engine() {
        // With the week rows prepared, the shares' period totals at a level where every model has
        // a unit come from the layout's sums per (week, age) instead of the rows: the report must
        // equal, bit for bit, that of an engine that never prepared (which sums the rows), over
        // the layout tests' option sets, weekly and monthly.
        let generated = crate::import::synthetic::generate(3000, 11).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        for pairs in LAYOUT_OPTION_SETS {
            for granularity in ["week", "month"] {
                let mut all = pairs.to_vec();
                all.extend([("level", "developer"), ("granularity", granularity)]);
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                assert!(engine.prepare(&options).unwrap(), "{all:?}");
                let ctx = Context::new(&engine, &options).unwrap();
                assert!(ctx.week_rows().is_some() && !ctx.credits().any_unknown, "{all:?}");
                let got = run(&engine, "shares", &options).unwrap();
                let want = run(&fresh, "shares", &options).unwrap();
                assert_eq!(got, want, "{all:?}");
                let downloads = f64s(&got, "shares", "downloads");
                assert!(downloads.iter().any(|x| x.unwrap_or(0.0) > 0.0), "{all:?}");
            }
        }
    }

    #[test]
    fn unit_week_sums_give_the_reports_of_a_fresh_engine() {
        // With the weekly sums per country prepared (`Engine::prepare`) and per organisation
        // type (made here), the shares and the concentration at those levels read them instead of
        // the rows: each report must equal, bit for bit, that of an engine that never prepared
        // (which sums every counted row into its unit), notes on unknown units included, over the
        // layout tests' option sets, by week, month and the paper's periods.
        let generated = crate::import::synthetic::generate(3000, 11).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let mut unknown_notes = 0;
        for pairs in LAYOUT_OPTION_SETS {
            for (level, granularity) in [("country", "week"), ("country", "month"), ("org_type", "periods")] {
                let mut all = pairs.to_vec();
                all.extend([("level", level), ("top", "3")]);
                if granularity == "periods" {
                    all.push(("periods", "2022-12-31,2023-12-31,2024-12-31"));
                } else {
                    all.push(("granularity", granularity));
                }
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                assert!(engine.prepare(&options).unwrap(), "{all:?}");
                let cache = engine.economies();
                while cache
                    .prepare_unit_week_sums_step(&engine.snapshot, &options, options.level, 100)
                    .unwrap()
                    .is_none()
                {}
                assert!(
                    Context::new(&engine, &options)
                        .unwrap()
                        .unit_week_sums()
                        .is_some(),
                    "{all:?}"
                );
                for view in ["shares", "concentration"] {
                    let got = run(&engine, view, &options).unwrap();
                    let want = run(&fresh, view, &options).unwrap();
                    assert_eq!(got, want, "{view} {all:?}");
                    unknown_notes += got.notes.iter().filter(|n| n.contains("unknown")).count();
                }
                let downloads = f64s(&run(&engine, "shares", &options).unwrap(), "shares", "downloads");
                assert!(downloads.iter().any(|x| x.unwrap_or(0.0) > 0.0), "{all:?}");
            }
        }
        assert!(unknown_notes > 0, "some models have no country or org type");
        // Root attribution and the bootstrap's resamples do not read them.
        let root = Options::from_pairs([("level", "country"), ("attribution", "root")]).unwrap();
        assert!(Context::new(&engine, &root).unwrap().unit_week_sums().is_none());
        let boot = Options::from_pairs([("level", "country"), ("bootstrap", "5")]).unwrap();
        assert_eq!(
            run(&engine, "concentration", &boot).unwrap(),
            run(&fresh, "concentration", &boot).unwrap()
        );
    }

    #[test]
    fn leaderboards_from_prepared_sums_equal_those_of_a_fresh_engine() {
        // After `Engine::prepare` a leaderboard with direct attribution reads the countries'
        // (or org types') weekly sums, or ranks the top units by the bounded search and takes
        // the total from the week rows' weekly totals, and counts models from when each
        // starts to count: no pass over the models. Each report must equal, bit for bit, that
        // of an engine that never prepared (every kept model's total summed into its unit),
        // over the layout tests' option sets, windows of 2 and 300 weeks, every level and top 1,
        // 3 and all.
        let generated = crate::import::synthetic::generate(3000, 13).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let extra: [&[(&str, &str)]; 2] = [
            &[("window-weeks", "2"), ("to", "2024-06-30")],
            &[("window-weeks", "300"), ("from", "2023-09-01")],
        ];
        let mut unknown_notes = 0;
        for pairs in LAYOUT_OPTION_SETS.iter().chain(&extra) {
            for level in ["model", "developer", "country", "org_type"] {
                for top in ["1", "3", "100000"] {
                    let mut all = pairs.to_vec();
                    all.extend([("level", level), ("top", top)]);
                    let options = Options::from_pairs(all.iter().copied()).unwrap();
                    assert!(engine.prepare(&options).unwrap(), "{all:?}");
                    if level == "org_type" {
                        let cache = engine.economies();
                        while cache
                            .prepare_unit_week_sums_step(
                                &engine.snapshot,
                                &options,
                                Level::OrgType,
                                usize::MAX,
                            )
                            .unwrap()
                            .is_none()
                        {}
                    }
                    let ctx = Context::new(&engine, &options).unwrap();
                    // Models and developers: every model has a unit, and a top of a few units
                    // is searched; countries and org types: sums.
                    let searched = level == "model" || level == "developer";
                    let prepared = !(searched && top == "100000");
                    assert_eq!(
                        ranking_from_prepared(&ctx, &ctx.credits()).is_some(),
                        prepared,
                        "{all:?}"
                    );
                    let got = run(&engine, "leaderboard", &options).unwrap();
                    let want = run(&fresh, "leaderboard", &options).unwrap();
                    assert_eq!(got, want, "{all:?}");
                    unknown_notes += got.notes.iter().filter(|n| n.contains("unknown")).count();
                    let models = f64s(&got, "leaderboard", "models");
                    if level != "model" && top != "1" {
                        assert!(models.iter().any(|k| k.unwrap_or(0.0) > 1.0), "{all:?}");
                    }
                }
            }
        }
        assert!(unknown_notes > 0, "some models have no country or org type");
        // Root attribution sums every model.
        let root = Options::from_pairs([("level", "developer"), ("attribution", "root")]).unwrap();
        assert!(engine.prepare(&root).unwrap());
        let ctx = Context::new(&engine, &root).unwrap();
        assert!(ranking_from_prepared(&ctx, &ctx.credits()).is_none());
        assert_eq!(
            run(&engine, "leaderboard", &root).unwrap(),
            run(&fresh, "leaderboard", &root).unwrap()
        );
    }

    #[test]
    fn org_by_country_from_prepared_sums_equals_a_fresh_engine() {
        // After `Engine::prepare` org-by-country with direct attribution over every week reads
        // the sums per (country, org type) instead of every kept model's total: its report must
        // equal, bit for bit, that of an engine that never prepared, notes on models without a
        // country or org type included, over the layout tests' option sets and a window of 300
        // weeks. Week ranges and root attribution sum the models.
        let generated = crate::import::synthetic::generate(3000, 17).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let extra: [&[(&str, &str)]; 3] = [
            &[("window-weeks", "300")],
            &[("to", "2024-06-30")],
            &[("attribution", "root")],
        ];
        let (mut prepared, mut notes) = (0, 0);
        for pairs in LAYOUT_OPTION_SETS.iter().chain(&extra) {
            let options = Options::from_pairs(pairs.iter().copied()).unwrap();
            assert!(engine.prepare(&options).unwrap(), "{pairs:?}");
            let ctx = Context::new(&engine, &options).unwrap();
            let direct = options.attribution == Attribution::Direct;
            let every_week = options.from.is_none() && options.to.is_none();
            let from_sums = country_org_from_prepared(&ctx).is_some();
            assert_eq!(from_sums, direct && every_week, "{pairs:?}");
            prepared += usize::from(from_sums);
            let got = run(&engine, "org-by-country", &options).unwrap();
            assert_eq!(got, run(&fresh, "org-by-country", &options).unwrap(), "{pairs:?}");
            assert!(got.tables[0].rows() > 3, "{pairs:?}");
            notes += got.notes.len();
        }
        assert!(prepared >= 6 && notes > 0, "{prepared} {notes}");
    }

    #[test]
    fn label_week_sums_give_the_trends_of_a_fresh_engine() {
        // With the weekly sums per label of the options' attribute prepared (`Engine::prepare`),
        // the trends view reads them and the layout's weekly totals instead of the rows: its
        // report must equal, bit for bit, that of an engine that never prepared, for a
        // single-valued attribute, multi-label ones (a model counts under each label) and the
        // relations, over the layout tests' option sets, by week and by quarter.
        let generated = crate::import::synthetic::generate(3000, 5).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        for pairs in LAYOUT_OPTION_SETS {
            for attribute in ["architecture", "languages", "training_methods", "relation"] {
                for granularity in ["week", "quarter"] {
                    let mut all = pairs.to_vec();
                    all.extend([("attribute", attribute), ("granularity", granularity)]);
                    let options = Options::from_pairs(all.iter().copied()).unwrap();
                    assert!(engine.prepare(&options).unwrap(), "{all:?}");
                    assert!(
                        engine
                            .economies()
                            .label_sums(&options, &Groups::Labels(attribute.to_string()))
                            .is_some(),
                        "{all:?}"
                    );
                    let got = run(&engine, "trends", &options).unwrap();
                    let want = run(&fresh, "trends", &options).unwrap();
                    assert_eq!(got, want, "{all:?}");
                    let downloads = f64s(&got, "trends", "downloads");
                    assert!(downloads.iter().any(|x| x.unwrap_or(0.0) > 0.0), "{all:?}");
                }
            }
        }
        // Another attribute's sums are not read for this one.
        let options = Options::from_pairs([("attribute", "license")]).unwrap();
        assert!(engine
            .economies()
            .label_sums(&options, &Groups::Labels("relation".to_string()))
            .is_none());
        assert_eq!(
            run(&engine, "trends", &options).unwrap(),
            run(&fresh, "trends", &options).unwrap()
        );
    }

    #[test]
    fn incidence_sums_give_the_incidence_of_a_fresh_engine() {
        // With the sums per cell (period × before/after) and label prepared (`Engine::prepare`),
        // the incidence and modality views read them and the layout's weekly totals instead of
        // the rows: their reports must equal, bit for bit, those of an engine that never
        // prepared, for every attribute and for one, over the layout tests' option sets, with
        // other periods and another split (prepared for them), and on the models' basis (which
        // reads no sums).
        let generated = crate::import::synthetic::generate(3000, 5).unwrap();
        let engine = Engine::new(generated.clone());
        let fresh = Engine::new(generated);
        let extras: [&[(&str, &str)]; 4] = [
            &[],
            &[("attribute", "languages")],
            &[
                ("periods", "2023-06-30,2024-06-30"),
                ("before-until", "2024-06-30"),
            ],
            &[("basis", "models")],
        ];
        for pairs in LAYOUT_OPTION_SETS {
            for extra in extras {
                let mut all = pairs.to_vec();
                all.extend_from_slice(extra);
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                assert!(engine.prepare(&options).unwrap(), "{all:?}");
                let ctx = Context::new(&engine, &options).unwrap();
                let cuts = cut_days(&options).unwrap();
                let split = parse_date(&options.before_until).unwrap();
                let groups =
                    incidence_groups(&incidence_cells(&ctx, &cuts, split), cut_labels(&cuts).len() * 2);
                assert!(
                    engine.economies().label_sums(&options, &groups).is_some(),
                    "{all:?}"
                );
                let got = run(&engine, "incidence", &options).unwrap();
                let want = run(&fresh, "incidence", &options).unwrap();
                assert_eq!(got, want, "{all:?}");
                assert!(!strs(&got, "incidence", "value").is_empty(), "{all:?}");
                // The modality view sums the same sums over the cells.
                let got = run(&engine, "modality", &options).unwrap();
                assert_eq!(got, run(&fresh, "modality", &options).unwrap(), "{all:?}");
                assert!(!strs(&got, "modality", "modality").is_empty(), "{all:?}");
            }
        }
    }

    #[test]
    fn top_unit_totals_equal_the_ranking_of_every_units_sum() {
        // The top units found by visiting units in order of their rows' sums against the
        // ranking of every unit's sum (`unit_totals`, then `top_units`): the same units in the
        // same order (ties: key ascending) with the same downloads, at the model and developer
        // levels, over the layout tests' option sets (windows of 1 and 13 weeks, none, week
        // ranges, subsets) and several lengths of list.
        let generated = crate::import::synthetic::generate(3000, 3).unwrap();
        let engine = Engine::new(generated);
        let mut ties = 0;
        for pairs in LAYOUT_OPTION_SETS {
            for level in ["model", "developer"] {
                let mut all = pairs.to_vec();
                all.push(("level", level));
                let options = Options::from_pairs(all.iter().copied()).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                let credits = ctx.credits();
                let totals = ctx.unit_totals(&credits);
                for k in [0, 1, 3, 10, 100, 100_000] {
                    let want: Vec<(usize, f64)> = top_units(&ctx, &totals.totals, k)
                        .into_iter()
                        .map(|u| (u, totals.totals[u]))
                        .collect();
                    let got = ctx.top_unit_totals(&credits, k).unwrap();
                    assert_eq!(got, want, "{all:?} top {k}");
                    ties += want.windows(2).filter(|w| w[0].1 == w[1].1).count();
                }
            }
        }
        assert!(ties > 0, "ties broken by key are exercised");
        let root = Options::from_pairs([("attribution", "root")]).unwrap();
        let ctx = Context::new(&engine, &root).unwrap();
        assert!(ctx.top_unit_totals(&ctx.credits(), 3).is_none());
    }

    #[test]
    fn incidence_from_cached_label_sets_equals_a_fresh_engine() {
        let snapshot = || crate::import::synthetic::generate(3000, 5).unwrap();
        let engine = Engine::new(snapshot());
        let csv = |e: &Engine, o: &Options| run(e, "incidence", o).unwrap();
        let filters = [
            Options::default(),
            Options::from_pairs([("min-downloads", "0")]).unwrap(),
            Options::from_pairs([("min-downloads", "0"), ("window-weeks", "13")]).unwrap(),
            Options::from_pairs([("where", "org_type=startup"), ("basis", "models")]).unwrap(),
            Options::from_pairs([("attribute", "languages"), ("min-downloads", "5000")]).unwrap(),
            Options::default(),
        ];
        // Prepared for one filter, then each view over another filter, or the same one again
        // with another window: each must equal an engine that never saw another filter.
        engine.prepare(&filters[1]).unwrap();
        for o in &filters {
            assert_eq!(csv(&engine, o), csv(&Engine::new(snapshot()), o), "{o:?}");
        }
        // The sets do hold models with several labels (the path that differs from one label).
        let cache = engine.economies();
        let sets = cache.cached_label_sets(&filters[0], "languages").unwrap();
        assert!(sets.sets() > Labels::of(&engine.snapshot, "languages").unwrap().count() + 1);
    }

    #[test]
    fn sizes_give_the_entries_of_the_models_rows_sorted_by_the_standard_library() {
        // The downloaded rows of the sizes view (weights summed pair by pair over the
        // (year, model) pairs, placed in order of size when made) against the entries of a pass
        // over the models' counted rows, sorted by size rank with the standard library's stable
        // sort and measured year by year, bit for bit, over the layout tests' option sets, twice
        // each. The note's share of downloads of unknown size is that of the same pass.
        let engine = Engine::new(crate::import::synthetic::generate(3000, 13).unwrap());
        for pairs in LAYOUT_OPTION_SETS {
            let options = Options::from_pairs(pairs.iter().copied()).unwrap();
            for _ in 0..2 {
                let report = run(&engine, "sizes", &options).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                let fit = ctx.cache.estimator(ctx.s, options.seed);
                let years = ctx.periods_of(Granularity::Year).unwrap();
                let mut entries: Vec<(u32, usize, f64)> = Vec::new();
                let (mut unknown, mut all) = (0.0, 0.0);
                ctx.for_each_model_period(&years, |m, p, v| {
                    all += v;
                    match fit.size_rank[m] {
                        NO_SIZE => unknown += v,
                        r => entries.push((r, p, v)),
                    }
                });
                entries.sort_by_key(|e| e.0);
                let note = format!(
                    "{:.2} % of the downloads belong to models of unknown size and are left out",
                    100.0 * unknown / all
                );
                assert_eq!(report.notes.contains(&note), unknown > 0.0, "{pairs:?}: {note}");
                let basis = strs(&report, "sizes", "basis");
                let column = |c: &str| f64s(&report, "sizes", c);
                let (n, mean, median, weight) =
                    (column("n"), column("mean"), column("median"), column("weight"));
                let (q25, q75) = (column("q25"), column("q75"));
                let mut compared = 0;
                for p in 0..years.len() {
                    let ranked: Vec<(u32, f64)> =
                        entries.iter().filter(|e| e.1 == p).map(|e| (e.0, e.2)).collect();
                    if ranked.is_empty() {
                        continue;
                    }
                    let sorted: Vec<WeightedSize> = ranked
                        .iter()
                        .map(|&(r, weight)| WeightedSize {
                            size: fit.size_by_rank[r as usize],
                            log_size: fit.log_size_by_rank[r as usize],
                            weight,
                        })
                        .collect();
                    let (want, want_x, want_y) = crate::sizes::summary_and_density(&sorted);
                    let year: f64 = years.labels[p].parse().unwrap();
                    let curve = |c: &str| {
                        let (y, b) = (
                            f64s(&report, "density", "year"),
                            strs(&report, "density", "basis"),
                        );
                        let v = f64s(&report, "density", c);
                        (0..v.len())
                            .filter(|&i| y[i] == Some(year) && b[i] == "downloaded")
                            .map(|i| v[i].map(f64::to_bits))
                            .collect::<Vec<_>>()
                    };
                    let want_bits = |v: &[f64]| v.iter().map(|x| Some(x.to_bits())).collect::<Vec<_>>();
                    assert_eq!(curve("x"), want_bits(&want_x), "{pairs:?} {year}");
                    assert_eq!(curve("y"), want_bits(&want_y), "{pairs:?} {year}");
                    let years_col = column("year");
                    let row = (0..basis.len())
                        .find(|&i| basis[i] == "downloaded" && years_col[i] == Some(year))
                        .unwrap();
                    let bits = |x: Option<f64>| x.map(f64::to_bits);
                    assert_eq!(n[row], Some(want.n as f64), "{pairs:?} {year}");
                    assert_eq!(bits(weight[row]), bits(Some(want.weight)), "{pairs:?} {year}");
                    assert_eq!(bits(mean[row]), bits(want.mean), "{pairs:?} {year}");
                    assert_eq!(bits(median[row]), bits(want.median), "{pairs:?} {year}");
                    assert_eq!(bits(q25[row]), bits(want.q25), "{pairs:?} {year}");
                    assert_eq!(bits(q75[row]), bits(want.q75), "{pairs:?} {year}");
                    compared += 1;
                }
                assert!(compared >= 2, "{pairs:?}");
                engine.clear_option_caches();
            }
        }
    }

    #[test]
    fn flows_from_the_derivatives_alone_equal_those_from_every_models_totals() {
        // Flows on a fresh engine (each derivative's counted rows summed on its own) against an
        // engine whose model leaderboard has made every kept model's totals for the same options
        // first, bit for bit, over the layout tests' option sets and a choice of relations.
        let generated = crate::import::synthetic::generate(3000, 19).unwrap();
        let relations: &[(&str, &str)] = &[("relations", "finetune,quantized")];
        for pairs in LAYOUT_OPTION_SETS.iter().copied().chain([relations]) {
            let options = Options::from_pairs(pairs.iter().copied()).unwrap();
            let (alone, made) = (Engine::new(generated.clone()), Engine::new(generated.clone()));
            let model_level = Options {
                level: Level::Model,
                ..options.clone()
            };
            run(&made, "leaderboard", &model_level).unwrap();
            let ctx = Context::new(&made, &options).unwrap();
            let (from, to) = crate::filter::week_range(&options).unwrap();
            assert!(
                made.economies()
                    .windowed_with_totals(ctx.s, &options, from, to)
                    .is_some(),
                "{pairs:?}"
            );
            let want = run(&made, "flows", &options).unwrap();
            assert_eq!(run(&alone, "flows", &options).unwrap(), want, "{pairs:?}");
            let downloads = f64s(&want, "flows", "downloads");
            assert!(downloads.iter().any(|x| x.unwrap_or(0.0) > 0.0), "{pairs:?}");
        }
    }

    #[test]
    fn totals_from_the_last_window_equal_those_summed_alone() {
        // Windows changed a week at a time, by jumps, and back, on one engine (each window's
        // per-model totals made from the last one's) against an engine whose caches are cleared
        // before each (summed alone): the same leaderboards and org shares, bit for bit.
        let generated = crate::import::synthetic::generate(3000, 17).unwrap();
        let (engine, alone) = (Engine::new(generated.clone()), Engine::new(generated));
        for window in ["52", "53", "51", "50", "13", "104", "1", "52"] {
            for (view, level) in [
                ("leaderboard", "model"),
                ("leaderboard", "developer"),
                ("org-by-country", "model"),
            ] {
                let options =
                    Options::from_pairs([("window-weeks", window), ("level", level), ("top", "200")])
                        .unwrap();
                alone.clear_option_caches();
                assert_eq!(
                    run(&engine, view, &options).unwrap(),
                    run(&alone, view, &options).unwrap(),
                    "{view} {level}, {window} weeks"
                );
            }
        }
    }

    #[test]
    fn prepare_in_slices_resumes_and_restarts_for_another_filter() {
        let engine = Engine::new(crate::import::synthetic::generate(2000, 3).unwrap());
        let defaults = Options::default();
        let other = Options::from_pairs([("min-downloads", "0")]).unwrap();
        // One slice of the default filter's build, then slices for another filter: the first is
        // dropped (its layout is never made), the second starts from the beginning.
        assert_eq!(engine.prepare_step(&defaults, 10).unwrap(), None);
        let mut slices = 1;
        let labelled =
            |e: &Engine| incidence_attributes().all(|n| e.economies().cached_label_sets(&other, n).is_some());
        while !labelled(&engine) {
            assert_eq!(engine.prepare_step(&other, 10).unwrap(), None);
            slices += 1;
        }
        let kept = engine
            .economies()
            .mask(&engine.snapshot, &other)
            .unwrap()
            .kept_models
            .len();
        // One slice of the default filter; three passes of `kept` models, 10 a slice; then the
        // label sets of incidence's 13 attributes, one a slice, the first in the last slice of
        // the passes.
        assert_eq!(incidence_attributes().count(), 13);
        assert_eq!(slices, 1 + 3 * kept.div_ceil(10) + 12, "{kept} kept models");
        // Then the developers' measures: their credits, a pass of the kept models, 10 a slice, and
        // the weeks, 10 × ENTRIES_PER_MODEL entries' worth a slice.
        let with_developers = Options::from_pairs([("min-downloads", "0"), ("level", "developer")]).unwrap();
        let developers_done = |e: &Engine| {
            Context::new(e, &with_developers)
                .unwrap()
                .unit_week_measures()
                .is_some()
        };
        let mut unit_slices = 0;
        while !developers_done(&engine) {
            assert_eq!(engine.prepare_step(&other, 10).unwrap(), None);
            unit_slices += 1;
        }
        let layout = Context::new(&engine, &other).unwrap().week_rows().unwrap();
        assert!(unit_slices >= kept.div_ceil(10), "{unit_slices}");
        // At most: the developers' credits (three passes of at most every model, 10 a slice),
        // the pass of the kept models, and slices of at least 10 × ENTRIES_PER_MODEL entries
        // each (a week may end in the next slice).
        let per_slice = 10 * crate::week_rows::ENTRIES_PER_MODEL;
        let credits = 3 * engine.snapshot.models().div_ceil(10);
        assert!(
            unit_slices <= credits + kept.div_ceil(10) + layout.len().div_ceil(per_slice),
            "{unit_slices} slices, {kept} kept models, {} entries",
            layout.len()
        );
        // Then the models' measures, at least a week a slice.
        let with_models = Options::from_pairs([("min-downloads", "0"), ("level", "model")]).unwrap();
        let mut model_slices = 0;
        while Context::new(&engine, &with_models)
            .unwrap()
            .week_measures()
            .is_none()
        {
            assert_eq!(engine.prepare_step(&other, 10).unwrap(), None);
            model_slices += 1;
        }
        assert!(
            model_slices >= 1,
            "the last slice of the developers did not start the models"
        );
        // Then the leaderboards': when each kept model starts to count, 10 a slice (the first
        // in the last slice of the measures, the last with the model level's counting ages),
        // then the developers' and the countries' counting ages and the bounds of the models
        // and the developers, one a slice.
        let leaderboards_done = |e: &Engine| {
            LEADERBOARD_LEVELS.into_iter().all(|level| {
                let options = Options {
                    level,
                    ..other.clone()
                };
                let ctx = Context::new(e, &options).unwrap();
                ctx.counting_ages_made() && ctx.unit_bounds_made() == (level != Level::Country)
            })
        };
        let mut leaderboard_slices = 0;
        while !leaderboards_done(&engine) {
            assert_eq!(engine.prepare_step(&other, 10).unwrap(), None);
            leaderboard_slices += 1;
        }
        assert_eq!(
            leaderboard_slices,
            kept.div_ceil(10) - 1 + 4,
            "{kept} kept models"
        );
        // Then the monthly measures of the models and the developers: the models' credits
        // (three passes of every model at most, 10 a slice), then for each a pass of the kept
        // models and slices of at least 10 × ENTRIES_PER_MODEL entries.
        let months_done = |e: &Engine| {
            [Level::Model, Level::Developer].into_iter().all(|level| {
                let options = Options {
                    level,
                    granularity: Granularity::Month,
                    ..other.clone()
                };
                let ctx = Context::new(e, &options).unwrap();
                let periods = ctx.periods().unwrap();
                ctx.cache.period_measures(&options, level, &periods).is_some()
            })
        };
        let mut month_slices = 0;
        while !months_done(&engine) {
            assert_eq!(engine.prepare_step(&other, 10).unwrap(), None);
            month_slices += 1;
        }
        assert!(month_slices >= 2 * kept.div_ceil(10), "{month_slices}");
        assert!(
            month_slices <= credits + 2 * (kept.div_ceil(10) + layout.len().div_ceil(per_slice)),
            "{month_slices}"
        );
        // Last, the roots' and their developers' measures for root attribution: for each, the
        // credits (two passes of every model, 10 a slice, then one slice with the first of the
        // next), then a pass of the kept models and the weeks, as the developers' above. Before
        // them, the size pairs and label sets of every model (80 models a slice: the pairs'
        // rows and places, 13 attributes' sets). After them, the countries' root credits (two
        // passes of every model), a slice ranking the developers, and the root sums per country
        // and top developer (a pass of the kept models).
        let root_done = |e: &Engine| {
            ["model", "developer"].into_iter().all(|level| {
                let options =
                    Options::from_pairs([("min-downloads", "0"), ("level", level), ("attribution", "root")]);
                Context::new(e, &options.unwrap())
                    .unwrap()
                    .unit_week_measures()
                    .is_some()
            })
        };
        let mut root_slices = 0;
        while engine.prepare_step(&other, 10).unwrap().is_none() {
            root_slices += 1;
        }
        assert!(root_done(&engine));
        let root_options = Options::from_pairs([("min-downloads", "0"), ("attribution", "root")]).unwrap();
        assert!(engine.economies().root_unit_sums(&root_options).is_some());
        let models = engine.snapshot.models().div_ceil(10);
        let every_model = 15 * engine.snapshot.models().div_ceil(80) + 2;
        assert!(
            root_slices + 1 >= 2 * (2 * models + kept.div_ceil(10)) + 2 * models + kept.div_ceil(10),
            "{root_slices}"
        );
        assert!(
            root_slices
                < every_model
                    + 2 * (2 * models + 1 + kept.div_ceil(10) + layout.len().div_ceil(per_slice))
                    + 2 * models
                    + 2
                    + kept.div_ceil(10)
                    + 1,
            "{root_slices}"
        );
        assert!(engine
            .economies()
            .cached_label_sets(&defaults, "license")
            .is_none());
        assert!(Context::new(&engine, &other).unwrap().week_rows().is_some());
        assert!(Context::new(&engine, &defaults).unwrap().week_rows().is_none());
        // Done: the next call answers at once; the views read the layout while it is building
        // for another filter only when it is done.
        assert_eq!(engine.prepare_step(&other, 1).unwrap(), Some(true));
        assert_eq!(engine.prepare_step(&defaults, 5).unwrap(), None);
        assert!(Context::new(&engine, &defaults).unwrap().week_rows().is_none());
        let report = run(
            &engine,
            "concentration",
            &Options::from_pairs([("level", "model")]).unwrap(),
        );
        assert!(report.is_ok(), "a view while the layout is half built");
        assert!(engine.prepare(&defaults).unwrap(), "the rest in one go");
        assert!(Context::new(&engine, &defaults).unwrap().week_rows().is_some());
    }

    #[test]
    fn per_model_sums_taken_during_a_pass_equal_those_summed_alone() {
        // The passes of the concentration, shares, trends and incidence views hand the per-model
        // sums of the window they read on the way to the views after them: every view computed
        // after them (or after the sizes view, which reads its own pairs) equals the same view
        // computed by an engine that sums them alone.
        let generated = crate::import::synthetic::generate(3000, 5).unwrap();
        for snapshot in [generated.clone(), generated.grouped_by_author()] {
            for (first, first_level) in [
                ("concentration", "country"),
                ("concentration", "developer"),
                ("shares", "developer"),
                ("shares", "country"),
                ("trends", "developer"),
                ("incidence", "developer"),
                ("sizes", "developer"),
            ] {
                let engine = Engine::new(snapshot.clone());
                let options = Options::from_pairs([("level", first_level), ("window-weeks", "17")]).unwrap();
                run(&engine, first, &options).unwrap();
                let ctx = Context::new(&engine, &options).unwrap();
                if first_level == "country" || ["shares", "trends", "incidence"].contains(&first) {
                    assert!(
                        ctx.windowed().has_totals(),
                        "{first} {first_level} reads every kept model"
                    );
                }
                let first = format!("{first} {first_level}");
                for (view, level) in [
                    ("shares", "developer"),
                    ("concentration", "country"),
                    ("leaderboard", "model"),
                    ("leaderboard", "developer"),
                    ("org-by-country", "developer"),
                    ("modality", "developer"),
                    ("flows", "developer"),
                ] {
                    let options = Options::from_pairs([("level", level), ("window-weeks", "17")]).unwrap();
                    let alone = Engine::new(snapshot.clone());
                    let (got, want) = (
                        run(&engine, view, &options).unwrap(),
                        run(&alone, view, &options).unwrap(),
                    );
                    assert_eq!(
                        got.main().to_csv(),
                        want.main().to_csv(),
                        "{first}, then {view} {level}"
                    );
                    assert_eq!(got.notes, want.notes, "{first}, then {view} {level}");
                }
            }
        }
    }

    #[test]
    fn week_values_equal_the_model_pass() {
        // The counted-then-placed values of each week against the model-by-model pass, with a
        // window (some rows fall out) and without.
        let engine = Engine::new(tiny());
        for window in [("window-weeks", "1"), ("no-window", "")] {
            let options = Options::from_pairs([("min-downloads", "0"), ("level", "model"), window]).unwrap();
            let ctx = Context::new(&engine, &options).unwrap();
            let periods = ctx.periods().unwrap();
            assert!(periods.is_weekly() && periods.len() > 1);
            let mut want = vec![Vec::new(); periods.len()];
            ctx.for_each_model_period(&periods, |_, p, v| want[p].push(v));
            let mut got = vec![Vec::new(); periods.len()];
            ctx.for_each_week_of_model_values(&periods, |p, v| {
                got[p] = v.iter().filter(|&&x| x > 0).map(|&x| x as f64).collect()
            });
            for (g, w) in got.iter_mut().zip(&mut want) {
                g.sort_by(f64::total_cmp);
                w.sort_by(f64::total_cmp);
            }
            assert!(want.iter().map(Vec::len).sum::<usize>() > 3, "{window:?}");
            assert_eq!(got, want, "{window:?}");
        }
    }

    #[test]
    fn empty_snapshot_gives_empty_tables() {
        let engine = Engine::new(Snapshot {
            weekly_offsets: vec![0],
            base_offsets: vec![0],
            ..Default::default()
        });
        for view in [
            "leaderboard",
            "shares",
            "concentration",
            "org-by-country",
            "incidence",
            "sizes",
            "flows",
            "modality",
            "trends",
        ] {
            let r = run(&engine, view, &Options::default()).unwrap_or_else(|e| panic!("{view}: {e}"));
            assert_eq!(r.main().rows(), if view == "flows" { 15 } else { 0 }, "{view}");
        }
    }
}
