//! The shared machinery of the Economies views: periods, the indexes cached in the engine, and the
//! passes over download rows.
//!
//! **Periods.** A download week belongs to the period of its Monday. Labels: week = the Monday
//! (`2024-01-01`), month `2024-01`, quarter `2024-Q1`, year `2024`; explicit periods (cut days
//! c₁ < c₂ < …, each the last day of a period) are `≤c₁`, `c₁+1..c₂`, …, `≥cₖ+1`, written with years
//! when the cuts are 31 December (the paper's `≤2022`, `2023`, `2024`, `≥2025`). A view lists every
//! period from the first to the last week with downloads (within `from`/`to`), empty ones included.
//!
//! **Cached indexes** ([`EconomiesCache`], kept in the [`Engine`]): the fallback rows, per-model
//! history totals and creation weeks, each model's first and last download week and row total,
//! roots and depths per relation set, unit credits per (level, attribution, relation set), and the size estimator per
//! seed. They are built on first use; a change of option reuses them. Per option set (a few
//! recent ones): the model mask, the window ranges and sums of the kept models, each unit's
//! total and each period's total.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use crate::attribution::{self, Credits, Lineage};
use crate::concentration::{GrowingCounts, Measures};
use crate::engine::Engine;
use crate::filter::{self, rows_total, take_total, FallbackRows, ModelMask, RowIndex, Rows, Windowed};
use crate::incidence::{LabelSets, LabelSetsBuild};
use crate::options::{Attribution, Granularity, Level, Options};
use crate::sizes::{AllSizePairs, Estimator, SizeGroup, SizePairs, SizePairsBuild, SizeRanks};
use crate::snapshot::{RelationSet, Snapshot};
use crate::time::{civil_from_days, day_of_week_index, format_date, parse_date, week_of_day};
use crate::week_rows::{
    take_positive_sums, DeveloperWeekCounts, DeveloperWeekCountsBuild, LowerTier, LowerTierBuild,
    UnitWeekMeasuresBuild, WeekCounts, WeekCountsBuild, WeekGroupSums, WeekGroupSumsBuild, WeekMeasures,
    WeekMeasuresBuild, WeekRows, WeekRowsBuild, NO_TIER_UNIT,
};
use crate::{Error, Result};

/// The week-order layout of one population filter: being built a slice at a time, or done
/// (`None` inside when it does not fit).
enum WeekRowsState {
    Building(Box<WeekRowsBuild>),
    Done(Option<Rc<WeekRows>>),
}

/// The [`WeekCounts`] of one population filter under one window: being made or made.
enum WeekCountsState {
    Building(Box<WeekCountsBuild>),
    Done(Rc<WeekCounts>),
}

/// The [`DeveloperWeekCounts`] of one population filter under one window: being made, made, or
/// not to be made (a developer's week of 2^32 downloads or more).
enum DeveloperWeekCountsState {
    Building(Box<DeveloperWeekCountsBuild>),
    Done(Option<Rc<DeveloperWeekCounts>>, Option<u32>),
}

/// The [`LowerTier`] of one population filter: being made (with its models, in decreasing
/// order of their totals), or made.
enum LowerTierState {
    Building(Box<LowerTierBuild>, Vec<u32>),
    Done(Option<Rc<LowerTier>>),
}

/// The weekly unit-level measures of every window length over the week-order layout of one
/// population filter, level and attribution (as [`WeekRowsState`]).
enum UnitWeekMeasuresState {
    Building(Box<UnitWeekMeasuresBuild>),
    Done(Option<Rc<WeekMeasures>>),
}

/// Weekly sums per group over the week-order layout of one population filter (as
/// [`WeekRowsState`]).
enum GroupSumsState {
    Building(Box<WeekGroupSumsBuild>),
    Done(Option<Rc<WeekGroupSums>>),
}

/// What the groups of a [`WeekGroupSums`] are: a level's units (direct attribution), or the
/// labels of an attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Groups {
    Units(Level),
    /// The labels of an attribute, a slot per week.
    Labels(String),
    /// The labels of the attributes `names` one after another, a slot per cell of weeks: week
    /// `first_week + k` in cell `cell_of[k]` among `cells`.
    CellLabels {
        names: Vec<String>,
        first_week: i32,
        cell_of: Vec<u32>,
        cells: usize,
    },
    /// The (country, org type) pairs of the models, group `country × org types + org type`,
    /// and a last group for the models without a country or an org type; one slot for every
    /// week.
    CountryOrgType,
    /// Root attribution's whole credits under the relation set `relations`: the countries, a
    /// group for the models credited to no country, then the developers `developers`
    /// (ascending), each model in its root country's group and in its root developer's when it
    /// credits all its downloads to one ([`whole_credit`]); a slot per week.
    RootUnits {
        relations: u8,
        developers: Vec<u32>,
    },
}

/// Where model `m` credits all its downloads: `Some(Some(u))` to unit `u`, `Some(None)` to
/// none (its roots' units unknown), `None` when it splits them (several roots in other units,
/// or some unknown).
pub fn whole_credit(credits: &Credits, m: usize) -> Option<Option<u32>> {
    match credits.of_model(m) {
        ([], _) => Some(None),
        ([u], [w]) if *w == 1.0 => Some(Some(*u)),
        _ => None,
    }
}

/// One kind of weekly group sums, as [`WeekRowsState`]: the population filter and groups they
/// are for, built or being built.
type GroupSumsSlot = RefCell<Option<((MaskKey, Groups), GroupSumsState)>>;

/// The sums of `slot` for `groups` over the week rows of the population filter of `options`,
/// when made (and made from `layout`).
fn group_sums(
    slot: &GroupSumsSlot,
    options: &Options,
    groups: Groups,
    layout: &WeekRows,
) -> Option<Rc<WeekGroupSums>> {
    match &*slot.borrow() {
        Some((k, GroupSumsState::Done(Some(u)))) if k.1 == groups && k.0 == mask_key(options) => {
            u.fits(layout).then(|| u.clone())
        }
        _ => None,
    }
}

/// One step of the build of the sums of `slot` for `groups` ([`WeekGroupSumsBuild::step`]),
/// resuming the build of the same key, else replacing the slot's sums (their memory first) by
/// the build `start` makes. `None` while work is left, else whether the sums are there.
fn group_sums_step(
    slot: &GroupSumsSlot,
    key: (MaskKey, Groups),
    layout: &WeekRows,
    start: impl FnOnce() -> WeekGroupSumsBuild,
    (rows, created_weeks, kept): (&Rows, &[i32], &[u32]),
    groups_of: impl Fn(u32, &mut dyn FnMut(u32)),
    budget: usize,
) -> Option<bool> {
    let mut cell = slot.borrow_mut();
    let mut build = match cell.take() {
        Some((k, GroupSumsState::Done(u))) if k == key => {
            let made = u.as_ref().is_some_and(|u| u.fits(layout));
            *cell = Some((k, GroupSumsState::Done(u)));
            return Some(made);
        }
        Some((k, GroupSumsState::Building(b))) if k == key => b,
        _ => Box::new(start()),
    };
    let (state, made) = match build.step(rows, created_weeks, kept, groups_of, budget) {
        Some(u) => {
            let made = u.is_some();
            (GroupSumsState::Done(u.map(Rc::new)), Some(made))
        }
        None => (GroupSumsState::Building(build), None),
    };
    *cell = Some((key, state));
    made
}

/// When each kept model starts to count ([`filter::first_counting_age`]), in the order of the
/// kept models.
type KeptAges = Vec<(Option<u32>, bool)>;

/// Population filter and week range of [`KeptAges`].
type KeptAgesKey = (MaskKey, i32, i32);

/// [`KeptAges`] made a slice of models at a time by `prepare`, or at once on demand.
enum KeptAgesState {
    Building(KeptAges),
    Done(Rc<KeptAges>),
}

/// The weekly model-level measures of every window length over the week-order layout of one
/// population filter (as [`WeekRowsState`]).
enum WeekMeasuresState {
    Building(Box<WeekMeasuresBuild>),
    Done(Rc<WeekMeasures>),
}

/// The largest change of the window (in weeks) after which the per-model totals are made from
/// the last window's ([`EconomiesCache::window_donor`]): a model then reads at most this many
/// rows, and its old span and total, instead of all its counted rows (about 48 a kept model at
/// 1 M models). After a longer jump the donor's reads cost more than they save: in Chromium at
/// 1 M models the totals took 24 ms from a donor 22 weeks away, 17 ms alone, and under 2 ms from
/// one a week away.
const DONOR_WEEKS: u32 = 8;

/// Most cells (units × periods, 8 bytes each) of one partition of [`Context::partitioned`]: at
/// most 16 MiB, so that a partition's sums stay in the CPU's last-level cache while the number of
/// partitions (the write streams of the first phase) stays small. Measured at 1 M models
/// (250 k developers × 265 weeks): 16–64 partitions beat 1 (a 280 MB block) and 1 000 (too many
/// streams) by about 2×.
pub const PARTITION_CELLS: usize = 1 << 21;

/// Most contributions [`Context::for_each_unit_period`] buffers at once (12 bytes each, so 96 MiB); beyond
/// it the periods are taken in several rounds.
pub const MAX_BUFFERED_ENTRIES: usize = 1 << 23;
/// Units × periods up to this many cells (1 MiB of sums) are summed in one dense block.
pub const DENSE_CELLS: usize = 1 << 17;
/// The unit-by-unit pass is taken when each unit's models are consecutive rows, but for at most one
/// break per this many entries (then it reads the rows nearly in order and needs no buffers).
pub const UNIT_MAJOR_BREAKS: usize = 16;

/// How many window-range entries the cache keeps (each is 16 bytes per model).
const WINDOW_CACHE_ENTRIES: usize = 4;
/// How many model masks the cache keeps (each is 1 byte per model).
const MASK_CACHE_ENTRIES: usize = 4;
/// How many per-option-set results (unit totals, period totals) the cache keeps.
const SUMS_CACHE_ENTRIES: usize = 4;
/// Unit totals over more units than this (the model level of a large snapshot) are kept one at a
/// time.
const LARGE_UNIT_TOTALS: usize = 1 << 18;

/// (level, attribution, relation-set bits; 0 for direct attribution).
type CreditsKey = (Level, Attribution, u8);
/// (window length, first week, last week, and the mask the spans were restricted to).
type WindowKey = (Option<u32>, i32, i32, MaskKey);
/// (minimum downloads as bits, `where` conditions, created from, created to).
type MaskKey = (u64, Vec<String>, Option<String>, Option<String>);

/// Population filter, level, attribution and (with root attribution) relations of a
/// [`UnitWeekMeasuresBuild`].
type UnitMeasuresKey = (MaskKey, Level, Attribution, u8);

/// A population filter, a level, and the periods (first week, period of each week) of measures
/// made over periods longer than a week (direct attribution).
type PeriodMeasuresKey = (MaskKey, Level, i32, Vec<u32>);

/// How many period measures are kept: the model and developer levels by month, quarter and
/// year, of the last population filter and one more.
const PERIOD_MEASURES_ENTRIES: usize = 6 * FILTERS_KEPT;

/// How many population filters' prepared measures ([`WeekMeasures`], a few MB each at 1 M models)
/// and size pairs ([`SizePairs`]) are kept: the way back to the last filter (a reader trying
/// another minimum of downloads or creation range, then going back) draws from them.
const FILTERS_KEPT: usize = 2;

/// How many [`UnitWeekMeasuresBuild`]s' measures are kept: per population filter kept
/// ([`FILTERS_KEPT`]) the developers' with direct attribution, and the roots' and their
/// developers' with root attribution, so a reader going back and forth between the two finds both.
const UNIT_WEEK_MEASURES_ENTRIES: usize = 3 * FILTERS_KEPT;

/// How many units `level` has in `s` (the models themselves at the model level).
fn units_at(s: &Snapshot, level: Level) -> usize {
    match level {
        Level::Model => s.models(),
        Level::Developer => s.author.values.len(),
        Level::Country => s.country.values.len(),
        Level::OrgType => s.org_type.values.len(),
    }
}

fn unit_measures_key(options: &Options, level: Level, attribution: Attribution) -> UnitMeasuresKey {
    let relations = match attribution {
        Attribution::Root => options.relations_or(RelationSet::ALL).0,
        Attribution::Direct => 0,
    };
    (mask_key(options), level, attribution, relations)
}

/// Units by decreasing sum of their kept models' rows: (sum, unit).
pub type UnitBounds = Rc<Vec<(u64, u32)>>;

/// Population filter, level and week range of a [`CountingAges`].
type CountingAgesKey = (MaskKey, Level, i32, i32);

/// How many [`CountingAges`] are kept: one per leaderboard level of the dashboard and one more.
const COUNTING_AGES_ENTRIES: usize = 4;

/// Label sets per attribute name.
type AttributeLabelSets = Vec<(String, Rc<LabelSets>)>;

type CreatedSizesKey = (MaskKey, i32, i32, u64);

/// The population filter, week range, seed and year labels of [`SizePairs`].
type SizePairsKey = (MaskKey, (i32, i32), u64, i32, Vec<String>);

/// The week range, seed and year labels of [`AllSizePairs`].
type AllSizePairsKey = ((i32, i32), u64, i32, Vec<String>);

enum AllSizePairsState {
    Building(Box<SizePairsBuild>),
    Made(Rc<AllSizePairs>),
}

/// Whether a population filter keeps a subset (`where` conditions).
fn is_subset(key: &MaskKey) -> bool {
    !key.1.is_empty()
}

/// Adds `entry` to a cache of at most `cap` entries. A full cache drops its oldest entry of a
/// subset (`subset`) first, else its oldest: the leaderboards' symbols ask once for a subset per
/// organisation type and modality, and would otherwise push out the dashboard's own filter and
/// window ranges, which every box reads next (at 1 M models 14 ms for a mask in Chromium, 30 ms
/// for the window ranges and sums).
fn push_keeping_the_base<K, V>(
    cache: &mut Vec<(K, V)>,
    entry: (K, V),
    cap: usize,
    subset: impl Fn(&K) -> bool,
) {
    if cache.len() >= cap.max(1) {
        let oldest = cache.iter().position(|(k, _)| subset(k)).unwrap_or(0);
        cache.remove(oldest);
    }
    cache.push(entry);
}

/// The lowest total of the models in the [`LowerTier`] of a filter with a minimum of `min`
/// downloads: half of it (for the paper's 200, the models of 100 to 199 downloads: at 1 M models
/// about 170 k models and 5.5 M rows, beside the filter's 280 k models and 13.6 M rows).
fn lowest_of_tier(min: f64) -> f64 {
    (min / 2.0).floor()
}

fn mask_key(options: &Options) -> MaskKey {
    (
        options.min_downloads.to_bits(),
        options.where_.clone(),
        options.created_from.clone(),
        options.created_to.clone(),
    )
}

/// Another population filter's week rows that hold most of a filter's counted rows
/// ([`Context::rows_of_last_layout`]).
pub struct RowsOfLastLayout {
    /// The population filter of the layout.
    filter: MaskKey,
    pub layout: Rc<WeekRows>,
    /// The creation weeks (each end included; `None`: unbounded) whose models in the layout
    /// are all kept.
    pub created: (Option<i32>, Option<i32>),
    /// The kept models whose rows are not taken from the layout (ascending).
    pub others: Vec<u32>,
    /// For a lower minimum of downloads, the last filter's lower tier, which holds the rows of
    /// all the other models (then `others` is left empty: nobody reads it).
    pub tier: Option<Rc<LowerTier>>,
}

/// Indexes derived from a snapshot for the Economies views, built on first use.
#[derive(Default)]
pub struct EconomiesCache {
    fallback: OnceCell<Option<FallbackRows>>,
    history_totals: OnceCell<Vec<f64>>,
    /// First and last weeks and row totals of every model ([`RowIndex`]).
    row_index: OnceCell<RowIndex>,
    created_weeks: OnceCell<Vec<i32>>,
    week_bounds: OnceCell<Option<(i32, i32)>>,
    lineages: RefCell<Vec<(u8, Rc<Lineage>)>>,
    credits: RefCell<Vec<(CreditsKey, Rc<Credits>)>>,
    /// Credits being made a slice at a time ([`EconomiesCache::credits_step`]).
    credits_build: RefCell<Option<(CreditsKey, Box<attribution::CreditsBuild>)>>,
    windowed: RefCell<Vec<(WindowKey, Rc<Windowed>)>>,
    masks: RefCell<Vec<(MaskKey, Rc<ModelMask>)>>,
    /// [`UnitTotals`] per option set (at most [`SUMS_CACHE_ENTRIES`]): a leaderboard, the shares
    /// and the concentration notes at one level share one pass over the models.
    unit_totals: RefCell<Vec<(String, Rc<UnitTotals>)>>,
    /// [`Context::credited_period_totals`] per option set.
    period_totals: RefCell<Vec<(String, Rc<Vec<f64>>)>>,
    /// The top developers by root-attributed downloads, in order
    /// ([`crate::views::economies::ROOT_SUMS_DEVELOPERS`] of them, fewer when fewer have
    /// downloads), for the option set (its key) `Engine::prepare` ranked them under.
    root_developer_ranking: RefCell<Option<(String, Rc<Vec<u32>>)>>,
    /// The units' sums of the last option set whose weekly sums per unit were taken from the
    /// last filter's and its lower tier ([`Context::dense_units`]), without model counts: what
    /// [`Context::unit_sums`] then gives without a pass over the models.
    derived_unit_sums: RefCell<Option<(String, Rc<UnitTotals>)>>,
    estimators: RefCell<Vec<(u64, Rc<EstimatorFit>)>>,
    /// The "created" groups of the sizes view, which the Rolling Window does not change: per
    /// population filter, week range and seed.
    created_sizes: RefCell<Vec<(CreatedSizesKey, Rc<Vec<SizeGroup>>)>>,
    /// The (download year, model) pairs of the sizes view ([`SizePairs`]) of the last
    /// [`FILTERS_KEPT`] population filters, week ranges and seeds that asked for them (the last
    /// first). Like the week rows, a new window reuses them, so
    /// [`EconomiesCache::clear_option_caches`] keeps them.
    size_pairs: RefCell<Vec<(SizePairsKey, Rc<SizePairs>)>>,
    /// The pairs of every model ([`AllSizePairs`]) of the last week range, seed and years that
    /// `prepare` made them for, made or being made: any population filter's pairs are then taken
    /// from them ([`SizePairs::of_kept`]). Kept like the week rows.
    all_size_pairs: RefCell<Option<(AllSizePairsKey, AllSizePairsState)>>,
    /// The dense block of [`Context::partitioned`], kept all zeros between uses, and its partition
    /// buffers: allocating them afresh on every call costs a page fault per 4 KiB.
    dense: RefCell<Vec<f64>>,
    partitions: RefCell<Vec<PartitionBuffer>>,
    /// Per-period value lists of the concentration view (millions of values at 1 M models), kept
    /// with their capacity between uses for the same reason.
    period_values: RefCell<Vec<Vec<f64>>>,
    /// The buffer of [`Context::for_each_week_of_model_values`], reused.
    week_values: RefCell<Vec<u32>>,
    /// The per-week lists of [`Context::for_each_week_of_unit_values`], reused.
    week_unit_values: RefCell<Vec<Vec<u32>>>,
    /// The kept rows in week and age order ([`WeekRows`]) of the last population filter that asked for
    /// them, built or being built. Like the row index, it is not dropped by
    /// [`EconomiesCache::clear_option_caches`]: a new window or week range reuses it.
    week_rows: RefCell<Option<(MaskKey, WeekRowsState)>>,
    /// The rows of the models just below that filter's minimum of downloads ([`LowerTier`]),
    /// made by `prepare` after the week rows and dropped with them.
    lower_tier: RefCell<Option<(MaskKey, LowerTierState)>>,
    /// The values of each week of those week rows under the window `prepare` was last asked for
    /// ([`WeekCounts`]), made after the lower tier for a lower minimum's model-level measures,
    /// dropped with the rows.
    week_counts: RefCell<Option<(MaskKey, WeekCountsState)>>,
    /// The developers' weekly sums of those rows under that window ([`DeveloperWeekCounts`]),
    /// made after the week counts, dropped with the rows.
    developer_week_counts: RefCell<Option<(MaskKey, DeveloperWeekCountsState)>>,
    /// The developer of each entry of those week rows (direct attribution), kept from the
    /// developers' weekly measures build (empty when a model splits its credit), dropped with
    /// the rows.
    layout_developers: RefCell<Option<(MaskKey, Rc<Vec<u32>>)>>,
    /// The label sets of the kept models ([`LabelSets`]) of the last population filter that asked
    /// for them, per attribute, for the incidence view. Like the week rows, a new window or week
    /// range reuses them, so [`EconomiesCache::clear_option_caches`] keeps them.
    label_sets: RefCell<Option<(MaskKey, AttributeLabelSets)>>,
    /// The label sets of every model per attribute, which `prepare` makes once: a new population
    /// filter's are then taken from them ([`LabelSets::of_models`]). Kept like the row index.
    all_label_sets: RefCell<AttributeLabelSets>,
    /// Those of one more attribute, being made a run of models at a time.
    all_label_sets_build: RefCell<Option<(String, Box<LabelSetsBuild>)>>,
    /// The weekly unit-level measures of every window length ([`UnitWeekMeasuresBuild`]) over the
    /// week rows of the last population filters, levels and attributions that asked for them
    /// (at most [`UNIT_WEEK_MEASURES_ENTRIES`], the last first), kept like the week rows.
    unit_week_measures: RefCell<Vec<(UnitMeasuresKey, UnitWeekMeasuresState)>>,
    /// The measures of every window length over periods longer than a week (months …) at the
    /// model and developer levels with direct attribution, made like the weekly ones
    /// ([`UnitWeekMeasuresBuild::over_periods`]; at most [`PERIOD_MEASURES_ENTRIES`], the last
    /// first), kept like the week rows.
    period_measures: RefCell<Vec<(PeriodMeasuresKey, UnitWeekMeasuresState)>>,
    /// The weekly model-level measures of every window length ([`WeekMeasures`]) over the week
    /// rows of the last [`FILTERS_KEPT`] population filters that asked for them (the last first),
    /// kept like the week rows.
    week_measures: RefCell<Vec<(MaskKey, WeekMeasuresState)>>,
    /// The weekly sums per unit ([`WeekGroupSums`]; the last group: no unit) over the week rows
    /// of the last population filter and level that asked for them (with direct attribution),
    /// kept like the week rows.
    unit_week_sums: GroupSumsSlot,
    /// The weekly sums per label of the last attribute and population filter that asked for
    /// them, kept like the week rows.
    label_week_sums: GroupSumsSlot,
    /// The sums per cell of weeks and label of the attributes the incidence view tests, kept
    /// like the week rows.
    cell_label_sums: GroupSumsSlot,
    /// The sums per (country, org type) of the org-by-country view, kept like the week rows.
    country_org_sums: GroupSumsSlot,
    /// The root attribution's sums per country and per top developer ([`Groups::RootUnits`]),
    /// kept like the week rows.
    root_unit_sums: GroupSumsSlot,
    /// Per population filter and level (direct attribution): the units with rows, by decreasing
    /// sum of all their kept models' rows ([`Context::top_unit_totals`]); two at a time.
    unit_bounds: RefCell<Vec<((MaskKey, Level), UnitBounds)>>,
    /// Per population filter, level and week range (direct attribution): when each unit's kept
    /// models start to count ([`CountingAges`]); a few at a time. Like the unit bounds, a new
    /// window reuses them.
    counting_ages: RefCell<Vec<(CountingAgesKey, Rc<CountingAges>)>>,
    /// What they are made from: when each kept model starts to count, for the last population
    /// filter and week range.
    kept_counting_ages: RefCell<Option<(KeptAgesKey, KeptAgesState)>>,
}

impl EconomiesCache {
    /// `periods` empty value lists, reusing the memory of the last call's lists; give them back
    /// with [`EconomiesCache::return_period_values`].
    pub fn period_values(&self, periods: usize) -> Vec<Vec<f64>> {
        let mut lists = std::mem::take(&mut *self.period_values.borrow_mut());
        lists.iter_mut().for_each(Vec::clear);
        lists.resize_with(periods, Vec::new);
        lists
    }

    pub fn return_period_values(&self, lists: Vec<Vec<f64>>) {
        *self.period_values.borrow_mut() = lists;
    }
}

/// The window-filtered downloads of every unit over the whole range ([`Context::unit_totals`]).
#[derive(Clone, Debug, Default)]
pub struct UnitTotals {
    /// Downloads credited to each unit.
    pub totals: Vec<f64>,
    /// Kept models with downloads credited to each unit; empty when made from the weekly sums
    /// per unit ([`Context::unit_sums`]), which do not count models.
    pub models: Vec<u32>,
    /// Downloads of kept models credited to no unit (unknown country / org type of the root).
    pub unknown: f64,
    /// Downloads of all kept models.
    pub all: f64,
}

/// When the kept models of each unit at a level (direct attribution) start to count within a
/// week range ([`filter::first_counting_age`]): how many of a unit's models have downloads, and
/// how many units have any, under every window, without summing the models' rows (at 1 M models
/// every kept model's total under a new window is 30–45 ms natively). Made once per population
/// filter, level and week range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountingAges {
    /// Unit `u`'s kept models' first counting ages, ascending, are
    /// `ages[offsets[u]..offsets[u + 1]]` (`u32::MAX`: under no window).
    offsets: Vec<u32>,
    ages: Vec<u32>,
    /// Per unit: its kept models with downloads without a window.
    any: Vec<u32>,
    /// Each unit's least age, ascending (units whose models count under no window left out).
    unit_ages: Vec<u32>,
    /// Units with downloads without a window.
    units_any: usize,
}

impl CountingAges {
    /// From each kept model's unit (models of no unit left out) and
    /// [`filter::first_counting_age`], over `units` units.
    pub fn build(units: usize, models: impl Iterator<Item = (usize, (Option<u32>, bool))>) -> CountingAges {
        let mut any = vec![0u32; units];
        let mut offsets = vec![0u32; units + 1];
        let mut placed: Vec<(u32, u32)> = Vec::new();
        for (u, (age, has)) in models {
            if let (Some(n), Some(k)) = (any.get_mut(u), offsets.get_mut(u + 1)) {
                *n += u32::from(has);
                *k += 1;
                placed.push((u as u32, age.unwrap_or(u32::MAX)));
            }
        }
        for u in 1..offsets.len() {
            offsets[u] += offsets[u - 1];
        }
        // By unit, then age: each unit's ages ascending at its place.
        placed.sort_unstable();
        let ages: Vec<u32> = placed.iter().map(|&(_, age)| age).collect();
        let mut unit_ages: Vec<u32> = offsets
            .windows(2)
            .filter_map(|w| ages.get(w[0] as usize..w[1] as usize)?.first().copied())
            .filter(|&least| least != u32::MAX)
            .collect();
        unit_ages.sort_unstable();
        let units_any = any.iter().filter(|&&n| n > 0).count();
        CountingAges {
            offsets,
            ages,
            any,
            unit_ages,
            units_any,
        }
    }

    /// Unit `u`'s kept models with downloads under `window` (0 outside the units).
    pub fn models(&self, u: usize, window: Option<u32>) -> u32 {
        let Some(l) = window else {
            return self.any.get(u).copied().unwrap_or(0);
        };
        let ages = match (self.offsets.get(u), self.offsets.get(u + 1)) {
            (Some(&a), Some(&b)) => self.ages.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        };
        ages.partition_point(|&a| a < l) as u32
    }

    /// Units with downloads under `window`.
    pub fn units(&self, window: Option<u32>) -> usize {
        match window {
            Some(l) => self.unit_ages.partition_point(|&a| a < l),
            None => self.units_any,
        }
    }
}

/// The contributions of one partition of units in [`Context::partitioned`]: cell = unit within the
/// partition × periods + period.
#[derive(Default)]
struct PartitionBuffer {
    cells: Vec<u32>,
    values: Vec<f64>,
}

/// The size estimator with its coverage figures.
#[derive(Clone, Debug, Default)]
pub struct EstimatorFit {
    pub estimator: Option<Estimator>,
    /// Models with a parameter count in the snapshot / with one after estimation.
    pub known_before: usize,
    pub known_after: usize,
    pub models: usize,
    /// Models the estimator was fitted on (safetensors counts with file bytes).
    pub fitting: usize,
    /// Per model: its place in the order of size (parameters, known or estimated);
    /// [`NO_SIZE`] when its size is unknown. The views sort by this instead of by size.
    pub size_rank: Vec<u32>,
    /// Parameters and their log10, by place in that order (ascending).
    pub size_by_rank: Vec<f64>,
    pub log_size_by_rank: Vec<f64>,
    /// The model of each place in that order.
    pub model_by_rank: Vec<u32>,
}

impl EconomiesCache {
    fn fallback(&self, s: &Snapshot) -> Option<&FallbackRows> {
        self.fallback
            .get_or_init(|| filter::needs_fallback(s).then(|| filter::fallback_rows(s)))
            .as_ref()
    }

    /// The download rows of the snapshot (weekly, or the fallback observations).
    pub fn rows<'a>(&'a self, s: &'a Snapshot) -> Rows<'a> {
        match self.fallback(s) {
            Some(f) => f.rows(),
            None => Rows::weekly(s),
        }
    }

    pub fn is_fallback(&self, s: &Snapshot) -> bool {
        self.fallback(s).is_some()
    }

    pub fn row_index(&self, s: &Snapshot) -> &RowIndex {
        self.row_index.get_or_init(|| RowIndex::new(&self.rows(s)))
    }

    pub fn history_totals(&self, s: &Snapshot) -> &[f64] {
        self.history_totals.get_or_init(|| {
            if self.is_fallback(s) {
                filter::history_totals(&self.rows(s), Some(&s.downloads_all_time))
            } else {
                // The sums of the weekly rows, already taken by the row index.
                let index = self.row_index(s);
                index.row_total.iter().map(|&t| t as f64).collect()
            }
        })
    }

    pub fn created_weeks(&self, s: &Snapshot) -> &[i32] {
        self.created_weeks
            .get_or_init(|| filter::created_weeks(&s.created, &self.rows(s)))
    }

    pub fn week_bounds(&self, s: &Snapshot) -> Option<(i32, i32)> {
        *self.week_bounds.get_or_init(|| self.rows(s).week_bounds())
    }

    pub fn lineage(&self, s: &Snapshot, relations: RelationSet) -> Rc<Lineage> {
        if let Some((_, l)) = self.lineages.borrow().iter().find(|(k, _)| *k == relations.0) {
            return l.clone();
        }
        let l = Rc::new(attribution::lineage(s, relations));
        self.lineages.borrow_mut().push((relations.0, l.clone()));
        l
    }

    /// Credits at a level; the relation set matters only with root attribution.
    pub fn credits(
        &self,
        s: &Snapshot,
        level: Level,
        attr: Attribution,
        relations: RelationSet,
    ) -> Rc<Credits> {
        loop {
            if let Some(c) = self.credits_step(s, level, attr, relations, usize::MAX) {
                return c;
            }
        }
    }

    /// [`EconomiesCache::credits`] a slice of at most `budget` models at a time
    /// ([`attribution::CreditsBuild`]), for `Engine::prepare`: `Some` once they are made. One
    /// build is kept between calls (a slice of other credits replaces it); a call for the same
    /// credits with an unlimited budget ([`EconomiesCache::credits`]) finishes it.
    pub fn credits_step(
        &self,
        s: &Snapshot,
        level: Level,
        attr: Attribution,
        relations: RelationSet,
        budget: usize,
    ) -> Option<Rc<Credits>> {
        let key = (
            level,
            attr,
            if attr == Attribution::Root { relations.0 } else { 0 },
        );
        if let Some((_, c)) = self.credits.borrow().iter().find(|(k, _)| *k == key) {
            return Some(c.clone());
        }
        let lineage = (attr == Attribution::Root).then(|| self.lineage(s, relations));
        let lineage = lineage.as_deref();
        let n = s.models();
        let resumed = {
            let mut slot = self.credits_build.borrow_mut();
            match &*slot {
                Some((k, _)) if *k == key => slot.take(),
                _ => None,
            }
        };
        let mut build = match resumed {
            Some((_, b)) => b,
            None => Box::new(attribution::CreditsBuild::new(n, units_at(s, level))),
        };
        let done = match level {
            Level::Model => build.step(|m| Some(m as u32), lineage, budget),
            Level::Developer => build.step(|m| filter::code_of(&s.author, m), lineage, budget),
            Level::Country => build.step(|m| filter::code_of(&s.country, m), lineage, budget),
            Level::OrgType => build.step(|m| filter::code_of(&s.org_type, m), lineage, budget),
        };
        let Some(c) = done else {
            *self.credits_build.borrow_mut() = Some((key, build));
            return None;
        };
        let c = Rc::new(c);
        self.credits.borrow_mut().push((key, c.clone()));
        Some(c)
    }

    /// The counted rows of every model kept by `mask` (the mask of `options`, from
    /// [`EconomiesCache::mask`]); models outside it get empty spans.
    pub fn windowed(
        &self,
        s: &Snapshot,
        options: &Options,
        mask: &ModelMask,
        from: i32,
        to: i32,
    ) -> Rc<Windowed> {
        let key = self.window_key(s, options, from, to);
        let window = key.0;
        if let Some((_, w)) = self.windowed.borrow().iter().find(|(k, _)| *k == key) {
            return w.clone();
        }
        let w = Rc::new(filter::window_spans(
            &self.rows(s),
            self.created_weeks(s),
            window,
            from,
            to,
            Some(&mask.kept_models),
            Some(self.row_index(s)),
        ));
        push_keeping_the_base(
            &mut self.windowed.borrow_mut(),
            (key, w.clone()),
            WINDOW_CACHE_ENTRIES,
            |k| is_subset(&k.3),
        );
        w
    }

    /// The rolling window of `options` over this snapshot's rows: none over the fallback rows
    /// (one observation a model, no weeks to window).
    pub fn window_of(&self, s: &Snapshot, options: &Options) -> Option<u32> {
        if self.is_fallback(s) {
            None
        } else {
            options.window_weeks
        }
    }

    /// The key of the window ranges of `options` over the weeks `from..=to`.
    fn window_key(&self, s: &Snapshot, options: &Options, from: i32, to: i32) -> WindowKey {
        (self.window_of(s, options), from, to, mask_key(options))
    }

    /// The window ranges of these options when they are made and hold their per-model totals.
    pub fn windowed_with_totals(
        &self,
        s: &Snapshot,
        options: &Options,
        from: i32,
        to: i32,
    ) -> Option<Rc<Windowed>> {
        let key = self.window_key(s, options, from, to);
        let cached = self.windowed.borrow();
        let (_, w) = cached.iter().find(|(k, w)| *k == key && w.has_totals())?;
        Some(w.clone())
    }

    /// The ranges of a window at most [`DONOR_WEEKS`] weeks longer or shorter than that of `w`
    /// (one of this cache's), over the same kept models and week range, whose per-model totals
    /// are there: what [`Windowed::totals_from`] starts from.
    pub fn window_donor(&self, w: &Rc<Windowed>) -> Option<Rc<Windowed>> {
        let cached = self.windowed.borrow();
        let (key, _) = cached.iter().find(|(_, x)| Rc::ptr_eq(x, w))?;
        let near = |window: Option<u32>| match (window, key.0) {
            (Some(a), Some(b)) => a != b && a.abs_diff(b) <= DONOR_WEEKS,
            _ => false,
        };
        cached
            .iter()
            .rev()
            .find(|(k, x)| (k.1, k.2, &k.3) == (key.1, key.2, &key.3) && near(k.0) && x.has_totals())
            .map(|(_, x)| x.clone())
    }

    /// Drops what was computed for particular option values (window ranges, model masks, unit and
    /// period totals, the sizes view's creation-year groups), keeping the indexes of the snapshot (roots, credits, totals). Benchmarks call
    /// it so that a repeated query is timed as computed, not as looked up.
    pub fn clear_option_caches(&self) {
        self.windowed.borrow_mut().clear();
        self.masks.borrow_mut().clear();
        self.unit_totals.borrow_mut().clear();
        self.period_totals.borrow_mut().clear();
        *self.derived_unit_sums.borrow_mut() = None;
        self.created_sizes.borrow_mut().clear();
    }

    /// The rows of the models the population filter of `options` keeps, in week and age order,
    /// when [`EconomiesCache::prepare_week_rows`] has made them for that filter (not while they
    /// are still being built).
    pub fn week_rows(&self, options: &Options) -> Option<Rc<WeekRows>> {
        match &*self.week_rows.borrow() {
            Some((k, WeekRowsState::Done(w))) if *k == mask_key(options) => w.clone(),
            _ => None,
        }
    }

    /// The weekly sums per unit of `level` made last ([`EconomiesCache::unit_week_sums`]),
    /// whichever population filter they are of, when made from `layout`, with that filter.
    fn last_unit_week_sums(&self, level: Level, layout: &WeekRows) -> Option<(MaskKey, Rc<WeekGroupSums>)> {
        match &*self.unit_week_sums.borrow() {
            Some(((k, Groups::Units(l)), GroupSumsState::Done(Some(u)))) if *l == level && u.fits(layout) => {
                Some((k.clone(), u.clone()))
            }
            _ => None,
        }
    }

    /// The week rows made last, whichever population filter they are of, with that filter's
    /// models: a new filter's first drawing can take most of its rows from them
    /// ([`Context::for_each_week_of_model_values`]) while `prepare` lays out its own.
    fn last_week_rows(&self, s: &Snapshot) -> Option<(MaskKey, Rc<ModelMask>, Rc<WeekRows>)> {
        let (key, rows) = match &*self.week_rows.borrow() {
            Some((k, WeekRowsState::Done(Some(w)))) => (k.clone(), w.clone()),
            _ => return None,
        };
        let (min, where_, created_from, created_to) = key.clone();
        let options = Options {
            min_downloads: f64::from_bits(min),
            where_,
            created_from,
            created_to,
            ..Options::default()
        };
        Some((key, self.mask(s, &options).ok()?, rows))
    }

    /// Makes the rows of the models the population filter of `options` keeps in week and age
    /// order ([`WeekRows`]), replacing those of another filter. Not done on demand: the build
    /// reads every kept row twice (≈ 250 ms natively at 1 M models), more than one view computed
    /// without it, so it pays off only over several window changes; the dashboard asks for it
    /// when idle (`Engine::prepare`). Returns whether the layout is there.
    pub fn prepare_week_rows(&self, s: &Snapshot, options: &Options) -> Result<bool> {
        loop {
            if let Some(made) = self.prepare_week_rows_step(s, options, usize::MAX)? {
                return Ok(made);
            }
        }
    }

    /// [`EconomiesCache::prepare_week_rows`] a slice at a time: visits at most `budget` kept models
    /// (each of the build's three passes visits every kept model once; a slice ends at the end of
    /// a pass), resuming the build of the same population filter where the last call stopped.
    /// `None` while work is left, else whether the layout is there.
    pub fn prepare_week_rows_step(
        &self,
        s: &Snapshot,
        options: &Options,
        budget: usize,
    ) -> Result<Option<bool>> {
        if self.is_fallback(s) {
            return Ok(Some(false));
        }
        let key = mask_key(options);
        let mut slot = self.week_rows.borrow_mut();
        let mut build = match slot.take() {
            Some((k, WeekRowsState::Done(w))) if k == key => {
                let made = w.is_some();
                *slot = Some((k, WeekRowsState::Done(w)));
                return Ok(Some(made));
            }
            Some((k, WeekRowsState::Building(b))) if k == key => b,
            // Another filter's layout is dropped first: two at once would double the memory.
            // Its lower tier goes with it.
            _ => {
                *self.lower_tier.borrow_mut() = None;
                *self.week_counts.borrow_mut() = None;
                *self.developer_week_counts.borrow_mut() = None;
                *self.layout_developers.borrow_mut() = None;
                match self.week_bounds(s) {
                    Some(bounds) => Box::new(WeekRowsBuild::new(bounds)),
                    None => {
                        *slot = Some((key, WeekRowsState::Done(None)));
                        return Ok(Some(false));
                    }
                }
            }
        };
        drop(slot);
        let mask = self.mask(s, options)?;
        let state = match build.step(&self.rows(s), self.created_weeks(s), &mask.kept_models, budget) {
            Some(w) => WeekRowsState::Done(w.map(Rc::new)),
            None => WeekRowsState::Building(build),
        };
        let made = match &state {
            WeekRowsState::Done(w) => Some(w.is_some()),
            WeekRowsState::Building(_) => None,
        };
        *self.week_rows.borrow_mut() = Some((key, state));
        Ok(made)
    }

    /// Makes a slice of the [`LowerTier`] of the population filter of `options` (after its week
    /// rows): the rows of the models it leaves out with totals of at least half its minimum,
    /// which pass its other conditions. Only for a filter without a creation range (a lower
    /// minimum then keeps the filter's models and some of the tier's) and a minimum of 2 to
    /// 2^32 downloads. At most `budget` models a call; `None` while work is left, else whether
    /// the tier is there.
    pub fn prepare_lower_tier_step(
        &self,
        s: &Snapshot,
        options: &Options,
        budget: usize,
    ) -> Result<Option<bool>> {
        if self.week_rows(options).is_none() {
            return Ok(Some(false));
        }
        let key = mask_key(options);
        let taken = self.lower_tier.borrow_mut().take();
        let (mut build, models) = match taken {
            Some((k, LowerTierState::Done(t))) if k == key => {
                let made = t.is_some();
                *self.lower_tier.borrow_mut() = Some((k, LowerTierState::Done(t)));
                return Ok(Some(made));
            }
            Some((k, LowerTierState::Building(b, models))) if k == key => (b, models),
            _ => {
                let min = options.min_downloads;
                let bounds = self.week_bounds(s);
                let ranged = options.created_from.is_some() || options.created_to.is_some();
                let (Some(bounds), false, true) = (bounds, ranged, (2.0..=u32::MAX as f64).contains(&min))
                else {
                    *self.lower_tier.borrow_mut() = Some((key, LowerTierState::Done(None)));
                    return Ok(Some(false));
                };
                let lowest = lowest_of_tier(min);
                let below = filter::model_mask(
                    s,
                    self.history_totals(s),
                    &Options {
                        min_downloads: lowest,
                        ..options.clone()
                    },
                )?;
                let totals = self.history_totals(s);
                let total = |m: u32| totals.get(m as usize).copied().unwrap_or(0.0);
                let mut models: Vec<u32> = below
                    .kept_models
                    .into_iter()
                    .filter(|&m| total(m) < min)
                    .collect();
                models.sort_by(|&a, &b| total(b).total_cmp(&total(a)).then(a.cmp(&b)));
                (Box::new(LowerTierBuild::new(bounds)), models)
            }
        };
        let totals = self.history_totals(s);
        // Each entry's country and developer, for their weekly sums under a lower minimum.
        let countries = self.credits(s, Level::Country, Attribution::Direct, RelationSet::ALL);
        let developers = self.credits(s, Level::Developer, Attribution::Direct, RelationSet::ALL);
        let whole = |credits: &Credits, m: u32| match credits.of_model(m as usize) {
            ([], _) => Some(NO_TIER_UNIT),
            (&[u], &[w]) if w == 1.0 && u != NO_TIER_UNIT => Some(u),
            _ => None,
        };
        let unit_of = |m: u32| Some((whole(&countries, m)?, whole(&developers, m)?));
        let state = match build.step(
            &self.rows(s),
            self.created_weeks(s),
            &models,
            totals,
            unit_of,
            budget,
        ) {
            Some(tier) => LowerTierState::Done(tier.map(Rc::new)),
            None => LowerTierState::Building(build, models),
        };
        let made = match &state {
            LowerTierState::Done(t) => Some(t.is_some()),
            LowerTierState::Building(..) => None,
        };
        *self.lower_tier.borrow_mut() = Some((key, state));
        Ok(made)
    }

    /// Makes the [`WeekCounts`] of the week rows of the population filter of `options` under its
    /// window, after the filter's lower tier (they serve only a lower minimum), replacing those
    /// of another window: at least `budget` values a call (one week at least). `None` while work
    /// is left, else whether the counts are there.
    pub fn prepare_week_counts_step(&self, options: &Options, budget: usize) -> Option<bool> {
        let key = mask_key(options);
        let has_tier =
            matches!(&*self.lower_tier.borrow(), Some((k, LowerTierState::Done(Some(_)))) if *k == key);
        let layout = match self.week_rows(options) {
            Some(layout) if has_tier => layout,
            _ => return Some(false),
        };
        let window = options.window_weeks;
        let mut slot = self.week_counts.borrow_mut();
        let mut build = match slot.take() {
            Some((k, WeekCountsState::Done(c))) if k == key && c.window() == window => {
                *slot = Some((k, WeekCountsState::Done(c)));
                return Some(true);
            }
            Some((k, WeekCountsState::Building(b))) if k == key && b.window() == window => b,
            _ => Box::new(WeekCountsBuild::new(window)),
        };
        let (state, made) = match build.step(&layout, budget) {
            Some(counts) => (WeekCountsState::Done(Rc::new(counts)), Some(true)),
            None => (WeekCountsState::Building(build), None),
        };
        *slot = Some((key, state));
        made
    }

    /// Makes the [`DeveloperWeekCounts`] of the week rows of the population filter of `options`
    /// under its window, after the week counts (with the rows' developers and the lower tier),
    /// replacing those of another window: at least `budget` values a call (one week at least).
    /// `None` while work is left, else whether the counts are there.
    pub fn prepare_developer_week_counts_step(
        &self,
        s: &Snapshot,
        options: &Options,
        budget: usize,
    ) -> Option<bool> {
        let key = mask_key(options);
        let tier = match &*self.lower_tier.borrow() {
            Some((k, LowerTierState::Done(Some(t)))) if *k == key => t.clone(),
            _ => return Some(false),
        };
        let developers = match &*self.layout_developers.borrow() {
            Some((k, d)) if *k == key => d.clone(),
            _ => return Some(false),
        };
        let Some(layout) = self.week_rows(options) else {
            return Some(false);
        };
        if developers.len() != layout.len() || !tier.has_units() {
            return Some(false);
        }
        let window = options.window_weeks;
        let taken = self.developer_week_counts.borrow_mut().take();
        let mut build = match taken {
            Some((k, DeveloperWeekCountsState::Done(c, w))) if k == key && w == window => {
                let made = c.is_some();
                *self.developer_week_counts.borrow_mut() = Some((k, DeveloperWeekCountsState::Done(c, w)));
                return Some(made);
            }
            Some((k, DeveloperWeekCountsState::Building(b))) if k == key && b.window() == window => b,
            _ => {
                let units = self
                    .credits(s, Level::Developer, Attribution::Direct, RelationSet::ALL)
                    .units();
                Box::new(DeveloperWeekCountsBuild::new(window, units))
            }
        };
        let (state, made) = match build.step(&layout, &developers, &tier, budget) {
            Some(counts) => {
                let made = counts.is_some();
                (
                    DeveloperWeekCountsState::Done(counts.map(Rc::new), window),
                    Some(made),
                )
            }
            None => (DeveloperWeekCountsState::Building(build), None),
        };
        *self.developer_week_counts.borrow_mut() = Some((key, state));
        made
    }

    /// The [`DeveloperWeekCounts`] of the population filter `filter` under `window`, when made.
    fn developer_week_counts_for(
        &self,
        filter: &MaskKey,
        window: Option<u32>,
    ) -> Option<Rc<DeveloperWeekCounts>> {
        match &*self.developer_week_counts.borrow() {
            Some((k, DeveloperWeekCountsState::Done(Some(c), _))) if k == filter && c.window() == window => {
                Some(c.clone())
            }
            _ => None,
        }
    }

    /// The [`WeekCounts`] of the population filter `filter` under `window`, when made.
    fn week_counts_for(&self, filter: &MaskKey, window: Option<u32>) -> Option<Rc<WeekCounts>> {
        match &*self.week_counts.borrow() {
            Some((k, WeekCountsState::Done(c))) if k == filter && c.window() == window => Some(c.clone()),
            _ => None,
        }
    }

    /// The [`LowerTier`] of the population filter `theirs`, when it holds the rows of every
    /// model that `options` keeps and `theirs` does not: `options` differs from `theirs` only by
    /// a lower minimum of downloads, at least the tier's lowest total ([`lowest_of_tier`]), and
    /// each entry's units are there.
    fn lower_tier_for(&self, theirs: &MaskKey, options: &Options) -> Option<Rc<LowerTier>> {
        let slot = self.lower_tier.borrow();
        let Some((key, LowerTierState::Done(Some(tier)))) = &*slot else {
            return None;
        };
        let (their_min, where_, from, to) = theirs;
        let their_min = f64::from_bits(*their_min);
        let same_conditions =
            (where_, from, to) == (&options.where_, &options.created_from, &options.created_to);
        let min = options.min_downloads;
        let within = min < their_min && min >= lowest_of_tier(their_min);
        (key == theirs && same_conditions && within && tier.has_units()).then(|| tier.clone())
    }

    /// The weekly model-level measures of every window length of the population filter of
    /// `options`, when [`EconomiesCache::prepare_week_measures_step`] has made them.
    pub fn week_measures(&self, options: &Options) -> Option<Rc<WeekMeasures>> {
        let key = mask_key(options);
        self.week_measures
            .borrow()
            .iter()
            .find_map(|(k, state)| match state {
                WeekMeasuresState::Done(m) if *k == key => Some(m.clone()),
                _ => None,
            })
    }

    /// Makes the weekly model-level measures of every window length ([`WeekMeasures`]) over the
    /// week rows of the population filter of `options`, at least `budget` values a call (one
    /// week at least). Keeps those of the last other filter (see [`FILTERS_KEPT`]). Needs the
    /// week rows done. `None` while work is left, else whether the measures are there.
    pub fn prepare_week_measures_step(&self, options: &Options, budget: usize) -> Option<bool> {
        let Some(layout) = self.week_rows(options) else {
            return Some(false);
        };
        let key = mask_key(options);
        let mut slots = self.week_measures.borrow_mut();
        let at = slots.iter().position(|(k, _)| *k == key);
        let mut build = match at.map(|i| slots.remove(i)) {
            Some((k, WeekMeasuresState::Done(m))) => {
                slots.insert(0, (k, WeekMeasuresState::Done(m)));
                return Some(true);
            }
            Some((_, WeekMeasuresState::Building(b))) => b,
            None => {
                // Another filter's unfinished build is dropped, as are the oldest measures.
                slots.retain(|(_, state)| matches!(state, WeekMeasuresState::Done(_)));
                slots.truncate(FILTERS_KEPT - 1);
                Box::default()
            }
        };
        let (state, made) = match build.step(&layout, budget) {
            Some(m) => (WeekMeasuresState::Done(Rc::new(m)), Some(true)),
            None => (WeekMeasuresState::Building(build), None),
        };
        slots.insert(0, (key, state));
        made
    }

    /// The weekly measures of every window length at the options' level and attribution, when
    /// [`EconomiesCache::prepare_unit_week_measures_step`] has made them over the week rows of the
    /// population filter of `options` (not at the model level with direct attribution: see
    /// [`EconomiesCache::week_measures`]).
    pub fn unit_week_measures(&self, options: &Options) -> Option<Rc<WeekMeasures>> {
        if options.attribution == Attribution::Direct && options.level == Level::Model {
            return None;
        }
        // No need for the filter's week rows: the key says which kept rows they were made of.
        let key = unit_measures_key(options, options.level, options.attribution);
        self.unit_week_measures
            .borrow()
            .iter()
            .find_map(|(k, state)| match state {
                UnitWeekMeasuresState::Done(Some(u)) if *k == key => Some(u.clone()),
                _ => None,
            })
    }

    /// Makes the weekly measures of every window length of `level`'s units under `attribution`
    /// (with the relations of `options` when it is root) over the week rows of the population
    /// filter of `options` ([`UnitWeekMeasuresBuild`]), a slice of at most `budget` kept models'
    /// worth at a time. Keeps those of the last other filters, levels and attributions (see
    /// [`UNIT_WEEK_MEASURES_ENTRIES`]). Needs the week rows done
    /// ([`EconomiesCache::prepare_week_rows_step`]). `None` while work is left, else whether the
    /// measures are there.
    pub fn prepare_unit_week_measures_step(
        &self,
        s: &Snapshot,
        options: &Options,
        level: Level,
        attribution: Attribution,
        budget: usize,
    ) -> Result<Option<bool>> {
        let Some(layout) = self.week_rows(options) else {
            return Ok(Some(false));
        };
        if attribution == Attribution::Direct && level == Level::Model {
            return Ok(Some(false)); // the models' own measures (`week_measures`)
        }
        let key = unit_measures_key(options, level, attribution);
        self.unit_measures_step(
            s,
            options,
            (&self.unit_week_measures, key, UNIT_WEEK_MEASURES_ENTRIES),
            (level, attribution, true),
            &layout,
            |u| u.fits(&layout),
            || UnitWeekMeasuresBuild::new(&layout, units_at(s, level), s.models()),
            budget,
        )
    }

    /// A slice of the build kept in `slots` (at most `cap` entries, the last first) under `key`:
    /// resumes that build, else starts `start()` (dropping another key's unfinished build and
    /// the oldest measures beyond `cap`), the credits of `level` and `attribution` first, in
    /// slices of their own (root attribution's take 80–130 ms in wasm at 1 M models at once).
    /// Measures already made count as there when `fit` says they were made from this layout.
    /// `weekly`: a weekly build, whose entries' developers (direct attribution) are kept for a
    /// lower minimum ([`EconomiesCache::layout_developers`]).
    #[allow(clippy::too_many_arguments)]
    fn unit_measures_step<K: PartialEq>(
        &self,
        s: &Snapshot,
        options: &Options,
        (slots, key, cap): (&RefCell<Vec<(K, UnitWeekMeasuresState)>>, K, usize),
        (level, attribution, weekly): (Level, Attribution, bool),
        layout: &WeekRows,
        fit: impl Fn(&WeekMeasures) -> bool,
        start: impl FnOnce() -> Option<UnitWeekMeasuresBuild>,
        budget: usize,
    ) -> Result<Option<bool>> {
        let developers_direct = weekly && (level, attribution) == (Level::Developer, Attribution::Direct);
        // The developers' measures of a filter met again (kept from before another filter's
        // layout) are made again, for the entries' developers that went with the other layout.
        let wants_entry_units = developers_direct
            && !matches!(&*self.layout_developers.borrow(), Some((k, _)) if *k == mask_key(options));
        let mut kept = slots.borrow_mut();
        let at = kept.iter().position(|(k, _)| *k == key);
        let mut build = match at.map(|i| kept.remove(i)) {
            Some((k, UnitWeekMeasuresState::Done(u))) if !wants_entry_units || u.is_none() => {
                let made = u.as_deref().is_some_and(&fit);
                kept.insert(0, (k, UnitWeekMeasuresState::Done(u)));
                return Ok(Some(made));
            }
            Some((_, UnitWeekMeasuresState::Building(b))) => b,
            _ => {
                kept.retain(|(_, state)| matches!(state, UnitWeekMeasuresState::Done(_)));
                kept.truncate(cap - 1);
                match start() {
                    Some(b) => Box::new(b),
                    None => {
                        kept.insert(0, (key, UnitWeekMeasuresState::Done(None)));
                        return Ok(Some(false));
                    }
                }
            }
        };
        drop(kept);
        let mask = self.mask(s, options)?;
        let relations = options.relations_or(RelationSet::ALL);
        let Some(credits) = self.credits_step(s, level, attribution, relations, budget) else {
            slots
                .borrow_mut()
                .insert(0, (key, UnitWeekMeasuresState::Building(build)));
            return Ok(None);
        };
        let step = build.step(
            layout,
            &self.rows(s),
            self.created_weeks(s),
            &mask.kept_models,
            &credits,
            budget,
        );
        if step.is_some() && developers_direct {
            // Each entry's developer, for a lower minimum's weekly sums per developer (none, an
            // empty list, when a model splits its credit).
            let units = build.take_entry_units().unwrap_or_default();
            *self.layout_developers.borrow_mut() = Some((mask_key(options), Rc::new(units)));
        }
        let (state, made) = match step {
            Some(u) => (UnitWeekMeasuresState::Done(Some(Rc::new(u))), Some(true)),
            None => (UnitWeekMeasuresState::Building(build), None),
        };
        let mut kept = slots.borrow_mut();
        kept.insert(0, (key, state));
        kept.truncate(cap);
        Ok(made)
    }

    /// The measures of every window length of `level`'s units over `periods` (not weekly), with
    /// direct attribution, when [`EconomiesCache::prepare_period_measures_step`] has made them
    /// for the population filter of `options`. Read with [`WeekMeasures::get_period`].
    pub fn period_measures(
        &self,
        options: &Options,
        level: Level,
        periods: &PeriodMap,
    ) -> Option<Rc<WeekMeasures>> {
        if options.attribution != Attribution::Direct {
            return None;
        }
        let key = (
            mask_key(options),
            level,
            periods.first_week,
            periods.period_of.clone(),
        );
        self.period_measures
            .borrow()
            .iter()
            .find_map(|(k, state)| match state {
                UnitWeekMeasuresState::Done(Some(u)) if *k == key => Some(u.clone()),
                _ => None,
            })
    }

    /// Makes the measures of every window length of `level`'s units over `periods` (longer than
    /// a week), with direct attribution, over the week rows of the population filter of `options`
    /// ([`UnitWeekMeasuresBuild::over_periods`]), a slice of at most `budget` kept models' worth
    /// at a time: after a change to months, the concentration box reads them instead of every
    /// kept model's rows. Needs the week rows done. `None` while work is left, else whether the
    /// measures are there.
    pub fn prepare_period_measures_step(
        &self,
        s: &Snapshot,
        options: &Options,
        level: Level,
        periods: &PeriodMap,
        budget: usize,
    ) -> Result<Option<bool>> {
        let Some(layout) = self.week_rows(options) else {
            return Ok(Some(false));
        };
        let key = (
            mask_key(options),
            level,
            periods.first_week,
            periods.period_of.clone(),
        );
        let start = || {
            let weeks = layout.period_slots(periods.first_week, &periods.period_of, periods.len());
            UnitWeekMeasuresBuild::over_periods(&layout, units_at(s, level), s.models(), weeks)
        };
        self.unit_measures_step(
            s,
            options,
            (&self.period_measures, key, PERIOD_MEASURES_ENTRIES),
            (level, Attribution::Direct, false),
            &layout,
            |_| true,
            start,
            budget,
        )
    }

    /// The weekly sums per unit at the options' level ([`WeekGroupSums`]: group `units` holds the
    /// models of no unit), when [`EconomiesCache::prepare_unit_week_sums_step`] has made them over
    /// the week rows of the population filter of `options` and the attribution is direct.
    pub fn unit_week_sums(&self, options: &Options) -> Option<Rc<WeekGroupSums>> {
        if options.attribution != Attribution::Direct || options.level == Level::Model {
            return None;
        }
        let layout = self.week_rows(options)?;
        group_sums(
            &self.unit_week_sums,
            options,
            Groups::Units(options.level),
            &layout,
        )
    }

    /// The sums per label `groups` name ([`Groups::Labels`], [`Groups::CellLabels`] or
    /// [`Groups::CountryOrgType`]; the labels in the order of the view that made them), when
    /// [`EconomiesCache::prepare_label_sums_step`] has made them over the week rows of the
    /// population filter of `options`.
    pub fn label_sums(&self, options: &Options, groups: &Groups) -> Option<Rc<WeekGroupSums>> {
        let layout = self.week_rows(options)?;
        group_sums(self.label_slot(groups)?, options, groups.clone(), &layout)
    }

    /// The sums [`Groups::RootUnits`] and their developers, when made over the week rows of
    /// the population filter of `options` under its relation set (root attribution).
    pub fn root_unit_sums(&self, options: &Options) -> Option<(Rc<WeekGroupSums>, Vec<u32>)> {
        if options.attribution != Attribution::Root {
            return None;
        }
        let layout = self.week_rows(options)?;
        let relations = options.relations_or(RelationSet::ALL).0;
        match &*self.root_unit_sums.borrow() {
            Some((
                (
                    k,
                    Groups::RootUnits {
                        relations: r,
                        developers,
                    },
                ),
                GroupSumsState::Done(Some(u)),
            )) if *k == mask_key(options) && *r == relations && u.fits(&layout) => {
                Some((u.clone(), developers.clone()))
            }
            _ => None,
        }
    }

    /// The developers of the root sums being made or made for the population filter of
    /// `options` under `relations`, so that the build's key is not chosen again at each slice.
    pub fn root_unit_developers(&self, options: &Options, relations: RelationSet) -> Option<Vec<u32>> {
        match &*self.root_unit_sums.borrow() {
            Some((
                (
                    k,
                    Groups::RootUnits {
                        relations: r,
                        developers,
                    },
                ),
                _,
            )) if *k == mask_key(options) && *r == relations.0 => Some(developers.clone()),
            _ => None,
        }
    }

    /// Where the sums of `groups` are kept: one of each kind at a time.
    fn label_slot(&self, groups: &Groups) -> Option<&GroupSumsSlot> {
        match groups {
            Groups::Units(_) => None,
            Groups::Labels(_) => Some(&self.label_week_sums),
            Groups::CellLabels { .. } => Some(&self.cell_label_sums),
            Groups::CountryOrgType => Some(&self.country_org_sums),
            Groups::RootUnits { .. } => Some(&self.root_unit_sums),
        }
    }

    /// Makes the weekly sums per unit of `level` (direct attribution) over the week rows of the
    /// population filter of `options` ([`WeekGroupSumsBuild`]), a slice of at most `budget` kept
    /// models at a time, replacing those of another filter or level. Needs the week rows done.
    /// `None` while work is left, else whether the sums are there (not for more units or weeks
    /// than [`crate::week_rows::MAX_GROUP_CELLS`] allows).
    pub fn prepare_unit_week_sums_step(
        &self,
        s: &Snapshot,
        options: &Options,
        level: Level,
        budget: usize,
    ) -> Result<Option<bool>> {
        let Some(layout) = self.week_rows(options) else {
            return Ok(Some(false));
        };
        if level == Level::Model {
            return Ok(Some(false));
        }
        let credits = self.credits(s, level, Attribution::Direct, RelationSet::ALL);
        let mask = self.mask(s, options)?;
        let unknown = credits.units() as u32;
        // Direct attribution credits a model whole to one unit, or to none (the last group).
        let groups_of = |m: u32, f: &mut dyn FnMut(u32)| match credits.of_model(m as usize).0 {
            [u] => f(*u),
            _ => f(unknown),
        };
        Ok(group_sums_step(
            &self.unit_week_sums,
            (mask_key(options), Groups::Units(level)),
            &layout,
            || WeekGroupSumsBuild::by_week(&layout, credits.units() + 1),
            (&self.rows(s), self.created_weeks(s), &mask.kept_models),
            groups_of,
            budget,
        ))
    }

    /// Makes the sums per label that `groups` names ([`Groups::Labels`]: a slot per week;
    /// [`Groups::CellLabels`]: a slot per cell; [`Groups::CountryOrgType`]: one slot) over the
    /// week rows of the population filter of
    /// `options` as [`EconomiesCache::prepare_unit_week_sums_step`] does per unit, replacing
    /// those of the same kind: `groups_of(m, f)` calls `f` with each of the `count` labels of
    /// model `m`, once each.
    pub fn prepare_label_sums_step(
        &self,
        s: &Snapshot,
        options: &Options,
        (groups, count): (Groups, usize),
        groups_of: impl Fn(u32, &mut dyn FnMut(u32)),
        budget: usize,
    ) -> Result<Option<bool>> {
        let (Some(layout), Some(slot)) = (self.week_rows(options), self.label_slot(&groups)) else {
            return Ok(Some(false));
        };
        let mask = self.mask(s, options)?;
        let start = || match &groups {
            Groups::CellLabels {
                first_week,
                cell_of,
                cells,
                ..
            } => WeekGroupSumsBuild::by_slot(&layout, count, *cells, |w| {
                let k = usize::try_from(w - first_week).ok()?;
                cell_of.get(k).map(|&c| c as usize)
            }),
            Groups::CountryOrgType => WeekGroupSumsBuild::by_slot(&layout, count, 1, |_| Some(0)),
            _ => WeekGroupSumsBuild::by_week(&layout, count),
        };
        Ok(group_sums_step(
            slot,
            (mask_key(options), groups.clone()),
            &layout,
            start,
            (&self.rows(s), self.created_weeks(s), &mask.kept_models),
            groups_of,
            budget,
        ))
    }

    /// The label sets of attribute `name` for the models the population filter of `options`
    /// keeps (in the order of [`ModelMask::kept_models`]), from `make` unless they are there.
    /// Those of another population filter are dropped first.
    pub fn label_sets(
        &self,
        options: &Options,
        name: &str,
        make: impl FnOnce() -> LabelSets,
    ) -> Rc<LabelSets> {
        let key = mask_key(options);
        if let Some(sets) = self.cached_label_sets(options, name) {
            return sets;
        }
        let sets = Rc::new(make());
        let mut slot = self.label_sets.borrow_mut();
        match &mut *slot {
            Some((k, list)) if *k == key => list.push((name.to_string(), sets.clone())),
            _ => *slot = Some((key, vec![(name.to_string(), sets.clone())])),
        }
        sets
    }

    /// Adds the next `models` models to the label sets of attribute `name` of every one of the
    /// snapshot's `total` models, whose labels `labels_of(m, out)` pushes into `out`, `count`
    /// labels in all; whether they are made.
    pub fn all_label_sets_step(
        &self,
        name: &str,
        (count, total): (usize, usize),
        models: usize,
        labels_of: impl FnMut(usize, &mut Vec<u32>),
    ) -> bool {
        if self.made_all_label_sets(name).is_some() {
            return true;
        }
        let mut slot = self.all_label_sets_build.borrow_mut();
        if !matches!(&*slot, Some((n, _)) if n == name) {
            *slot = Some((name.to_string(), Box::new(LabelSetsBuild::new(count))));
        }
        let Some((_, build)) = slot.as_mut() else {
            return false;
        };
        let next = build.models();
        build.add(next..next.saturating_add(models.max(1)).min(total), labels_of);
        if build.models() < total {
            return false;
        }
        if let Some((_, build)) = slot.take() {
            let sets = Rc::new(build.finish());
            self.all_label_sets.borrow_mut().push((name.to_string(), sets));
        }
        true
    }

    /// The label sets of attribute `name` of every model, when
    /// [`EconomiesCache::all_label_sets_step`] has made them.
    pub fn made_all_label_sets(&self, name: &str) -> Option<Rc<LabelSets>> {
        let list = self.all_label_sets.borrow();
        list.iter().find(|(n, _)| n == name).map(|(_, sets)| sets.clone())
    }

    /// The label sets of [`EconomiesCache::label_sets`] when they are there.
    pub fn cached_label_sets(&self, options: &Options, name: &str) -> Option<Rc<LabelSets>> {
        match &*self.label_sets.borrow() {
            Some((k, list)) if *k == mask_key(options) => {
                list.iter().find(|(n, _)| n == name).map(|(_, x)| x.clone())
            }
            _ => None,
        }
    }

    /// The models kept by the population filter, the subset and the creation range.
    pub fn mask(&self, s: &Snapshot, options: &Options) -> Result<Rc<ModelMask>> {
        let key = mask_key(options);
        if let Some((_, m)) = self.masks.borrow().iter().find(|(k, _)| *k == key) {
            return Ok(m.clone());
        }
        let m = Rc::new(filter::model_mask(s, self.history_totals(s), options)?);
        push_keeping_the_base(
            &mut self.masks.borrow_mut(),
            (key, m.clone()),
            MASK_CACHE_ENTRIES,
            is_subset,
        );
        Ok(m)
    }

    /// The sizes view's groups by creation year for this option set, made by `make` unless
    /// cached (they depend on the population filter, the week range and the seed only).
    pub fn created_sizes(
        &self,
        options: &Options,
        from: i32,
        to: i32,
        make: impl FnOnce() -> Vec<SizeGroup>,
    ) -> Rc<Vec<SizeGroup>> {
        let key = (mask_key(options), from, to, options.seed);
        if let Some((_, g)) = self.created_sizes.borrow().iter().find(|(k, _)| *k == key) {
            return g.clone();
        }
        let groups = Rc::new(make());
        let mut cache = self.created_sizes.borrow_mut();
        if cache.len() >= WINDOW_CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push((key, groups.clone()));
        groups
    }

    /// The sizes view's (download year, model) pairs for this option set's population filter,
    /// week range `range`, seed and `years`, made by `make` unless they are those of one of the
    /// last [`FILTERS_KEPT`] calls.
    pub fn size_pairs(
        &self,
        options: &Options,
        range: (i32, i32),
        years: &PeriodMap,
        make: impl FnOnce() -> SizePairs,
    ) -> Rc<SizePairs> {
        let key = (
            mask_key(options),
            range,
            options.seed,
            years.first_week,
            years.labels.clone(),
        );
        let mut cache = self.size_pairs.borrow_mut();
        if let Some(i) = cache.iter().position(|(k, _)| *k == key) {
            let entry = cache.remove(i);
            let pairs = entry.1.clone();
            cache.insert(0, entry);
            return pairs;
        }
        drop(cache);
        let pairs = Rc::new(make());
        let mut cache = self.size_pairs.borrow_mut();
        cache.insert(0, (key, pairs.clone()));
        cache.truncate(FILTERS_KEPT);
        pairs
    }

    /// The pairs of every model for the week range `range`, the seed of `options` and `years`,
    /// when [`EconomiesCache::prepare_all_size_pairs_step`] has made them.
    pub fn all_size_pairs(
        &self,
        options: &Options,
        range: (i32, i32),
        years: &PeriodMap,
    ) -> Option<Rc<AllSizePairs>> {
        let key = (range, options.seed, years.first_week, years.labels.clone());
        match &*self.all_size_pairs.borrow() {
            Some((k, AllSizePairsState::Made(all))) if *k == key => Some(all.clone()),
            _ => None,
        }
    }

    /// Makes a slice (see [`SizePairsBuild::step`]) of the pairs of every model for the week
    /// range `range`, the seed of `options` and `years`, starting afresh for another range, seed
    /// or years; whether they are made.
    pub fn prepare_all_size_pairs_step(
        &self,
        s: &Snapshot,
        options: &Options,
        range: (i32, i32),
        years: &PeriodMap,
        budget: usize,
    ) -> bool {
        let key = (range, options.seed, years.first_week, years.labels.clone());
        let mut slot = self.all_size_pairs.borrow_mut();
        let build = match &mut *slot {
            Some((k, AllSizePairsState::Made(_))) if *k == key => return true,
            Some((k, AllSizePairsState::Building(b))) if *k == key => b,
            _ => {
                let build =
                    SizePairsBuild::new(range, years.first_week, years.period_of.clone(), years.len());
                *slot = Some((key.clone(), AllSizePairsState::Building(Box::new(build))));
                match &mut *slot {
                    Some((_, AllSizePairsState::Building(b))) => b,
                    _ => return false,
                }
            }
        };
        let fit = self.estimator(s, options.seed);
        let ranks = SizeRanks {
            rank_of_model: &fit.size_rank,
            model_of_rank: &fit.model_by_rank,
            size_by_rank: &fit.size_by_rank,
            log_size_by_rank: &fit.log_size_by_rank,
            created_weeks: self.created_weeks(s),
        };
        match build.step(&self.rows(s), &ranks, budget) {
            Some(all) => {
                *slot = Some((key, AllSizePairsState::Made(Rc::new(all))));
                true
            }
            None => false,
        }
    }

    pub fn estimator(&self, s: &Snapshot, seed: u64) -> Rc<EstimatorFit> {
        if let Some((_, e)) = self.estimators.borrow().iter().find(|(k, _)| *k == seed) {
            return e.clone();
        }
        let e = Rc::new(fit_estimator(s, seed));
        self.estimators.borrow_mut().push((seed, e.clone()));
        e
    }
}

fn fit_estimator(s: &Snapshot, seed: u64) -> EstimatorFit {
    use crate::snapshot::ParamSource;
    let n = s.models();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut known_before = 0;
    for i in 0..n {
        let p = s.params.get(i).copied().unwrap_or(f64::NAN);
        let b = s.file_bytes.get(i).copied().unwrap_or(f64::NAN);
        let known = p.is_finite() && p > 0.0;
        known_before += known as usize;
        if known && b.is_finite() && b > 0.0 && s.params_source.get(i) == Some(&ParamSource::Safetensors) {
            x.push(b.log10());
            y.push(p.log10());
        }
    }
    let estimator = crate::sizes::fit_ransac(&x, &y, seed);
    let known_after = (0..n)
        .filter(|&i| {
            let p = s.params.get(i).copied().unwrap_or(f64::NAN);
            let b = s.file_bytes.get(i).copied().unwrap_or(f64::NAN);
            (p.is_finite() && p > 0.0) || (estimator.is_some() && b.is_finite() && b > 0.0)
        })
        .count();
    let size_of = |i: usize| {
        let p = s.params.get(i).copied().unwrap_or(f64::NAN);
        if p.is_finite() && p > 0.0 {
            return Some(p);
        }
        estimator.and_then(|e| e.estimate(s.file_bytes.get(i).copied().unwrap_or(f64::NAN)))
    };
    let mut sized: Vec<(f64, u32)> = (0..n).filter_map(|i| Some((size_of(i)?, i as u32))).collect();
    sized.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut size_rank = vec![NO_SIZE; n];
    for (r, &(_, i)) in sized.iter().enumerate() {
        if let Some(slot) = size_rank.get_mut(i as usize) {
            *slot = r as u32;
        }
    }
    EstimatorFit {
        estimator,
        known_before,
        known_after,
        models: n,
        fitting: x.len(),
        size_rank,
        size_by_rank: sized.iter().map(|p| p.0).collect(),
        log_size_by_rank: sized.iter().map(|p| p.0.log10()).collect(),
        model_by_rank: sized.iter().map(|p| p.1).collect(),
    }
}

/// [`EstimatorFit::size_rank`] of a model of unknown size.
pub use crate::sizes::NO_SIZE;

/// Download weeks grouped into labelled periods.
#[derive(Clone, Debug, Default)]
pub struct PeriodMap {
    pub first_week: i32,
    /// Period index of week `first_week + k`.
    pub period_of: Vec<u32>,
    pub labels: Vec<String>,
}

impl PeriodMap {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Whether each week of the map is its own period (period = week − first week; with a
    /// sub-range of weeks only, the map's weeks are still consecutive).
    pub fn is_weekly(&self) -> bool {
        self.period_of.len() == self.labels.len()
            && self.period_of.iter().enumerate().all(|(k, &p)| p as usize == k)
    }

    /// For each week of the map (by offset from `first_week`), the offset of the first later week
    /// in another period (or the map's end): where a run of rows in that week's period stops.
    pub fn run_ends(&self) -> Vec<u32> {
        let n = self.period_of.len();
        let mut ends = vec![n as u32; n];
        for k in (0..n.saturating_sub(1)).rev() {
            ends[k] = if self.period_of[k + 1] != self.period_of[k] {
                (k + 1) as u32
            } else {
                ends[k + 1]
            };
        }
        ends
    }

    /// The period of a week; `None` outside the map.
    #[inline]
    pub fn of_week(&self, week: i32) -> Option<usize> {
        let k = week.checked_sub(self.first_week)?;
        self.period_of.get(usize::try_from(k).ok()?).map(|&p| p as usize)
    }

    /// Groups the weeks `first..=last` by `key(monday)`: consecutive weeks with the same key form a
    /// period labelled `label(key)`. Keys must not decrease with the week.
    pub fn build(
        first: i32,
        last: i32,
        key: impl Fn(i32) -> i64,
        label: impl Fn(i64, i32) -> String,
    ) -> Self {
        let mut map = PeriodMap {
            first_week: first,
            ..Default::default()
        };
        let mut current: Option<i64> = None;
        for w in first..=last.max(first - 1) {
            let monday = day_of_week_index(w);
            let k = key(monday);
            if current != Some(k) {
                map.labels.push(label(k, monday));
                current = Some(k);
            }
            map.period_of.push(map.labels.len() as u32 - 1);
        }
        map
    }
}

/// Period index (0 = up to the first cut) of a day among increasing cut days.
pub fn cut_index(cuts: &[i32], day: i32) -> usize {
    cuts.partition_point(|&c| c < day)
}

/// Labels of explicit periods: `≤2022`, `2023`, `≥2025` for 31-December cuts, dates otherwise.
pub fn cut_labels(cuts: &[i32]) -> Vec<String> {
    let year_end = |d: i32| {
        let (y, m, dd) = civil_from_days(d);
        (m == 12 && dd == 31).then_some(y)
    };
    let mut labels = Vec::with_capacity(cuts.len() + 1);
    for (k, &cut) in cuts.iter().enumerate() {
        let start = if k == 0 {
            None
        } else {
            cuts.get(k - 1).map(|c| c + 1)
        };
        labels.push(match (start, year_end(cut)) {
            (None, Some(y)) => format!("≤{y}"),
            (None, None) => format!("≤{}", format_date(cut)),
            (Some(s), Some(y)) if year_end(s - 1) == Some(y - 1) => format!("{y}"),
            (Some(s), _) => format!("{}..{}", format_date(s), format_date(cut)),
        });
    }
    if let Some(&last) = cuts.last() {
        labels.push(match year_end(last) {
            Some(y) => format!("≥{}", y + 1),
            None => format!("≥{}", format_date(last + 1)),
        });
    } else {
        labels.push("all".to_string());
    }
    labels
}

/// The cut days of `options.periods`.
pub fn cut_days(options: &Options) -> Result<Vec<i32>> {
    let cuts = options
        .periods
        .iter()
        .map(|c| parse_date(c).map_err(|e| Error::option("periods", e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    if cuts.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::option("periods", "cut dates must increase"));
    }
    Ok(cuts)
}

/// The periods of a granularity over weeks `first..=last`.
pub fn period_map(granularity: Granularity, cuts: &[i32], first: i32, last: i32) -> PeriodMap {
    match granularity {
        Granularity::Week => PeriodMap::build(first, last, |d| d as i64, |_, d| format_date(d)),
        Granularity::Month => PeriodMap::build(
            first,
            last,
            |d| {
                let (y, m, _) = civil_from_days(d);
                y as i64 * 12 + m as i64
            },
            |_, d| {
                let (y, m, _) = civil_from_days(d);
                format!("{y:04}-{m:02}")
            },
        ),
        Granularity::Quarter => PeriodMap::build(
            first,
            last,
            |d| {
                let (y, m, _) = civil_from_days(d);
                y as i64 * 4 + (m as i64 - 1) / 3
            },
            |_, d| {
                let (y, m, _) = civil_from_days(d);
                format!("{y:04}-Q{}", (m - 1) / 3 + 1)
            },
        ),
        Granularity::Year => PeriodMap::build(
            first,
            last,
            |d| civil_from_days(d).0 as i64,
            |k, _| format!("{k:04}"),
        ),
        Granularity::Periods => {
            let labels = cut_labels(cuts);
            PeriodMap::build(
                first,
                last,
                |d| cut_index(cuts, d) as i64,
                |k, _| labels.get(k as usize).cloned().unwrap_or_default(),
            )
        }
    }
}

/// Everything a view needs for one option set: the rows, the kept models and their window ranges.
pub struct Context<'a> {
    pub s: &'a Snapshot,
    pub cache: &'a EconomiesCache,
    pub options: &'a Options,
    pub rows: Rows<'a>,
    pub fallback: bool,
    pub mask: Rc<ModelMask>,
    /// The window ranges of the kept models, made on first use ([`Context::windowed`]).
    windowed: OnceCell<Rc<Windowed>>,
    /// The options' week range.
    week_range: (i32, i32),
    /// Weeks with downloads within `from`/`to`; `None` when there are none.
    pub weeks: Option<(i32, i32)>,
    pub notes: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(engine: &'a Engine, options: &'a Options) -> Result<Context<'a>> {
        let s = &engine.snapshot;
        let cache = engine.economies();
        let (from, to) = filter::week_range(options)?;
        let rows = cache.rows(s);
        let fallback = cache.is_fallback(s);
        let mask = cache.mask(s, options)?;
        let weeks = cache
            .week_bounds(s)
            .map(|(a, b)| (a.max(from), b.min(to)))
            .filter(|(a, b)| a <= b);
        let mut notes = Vec::new();
        if fallback {
            notes.push(
                "this snapshot has no weekly download history: each model counts once, with its \
                 downloads of the last 30 days (else all-time) in the snapshot's week; the Rolling \
                 Window Filter does not apply"
                    .to_string(),
            );
        }
        let n = s.models();
        if mask.below_min_downloads > 0 {
            notes.push(format!(
                "population filter: {} of {n} models with fewer than {} total downloads left out",
                mask.below_min_downloads, options.min_downloads
            ));
        }
        if mask.outside_subset > 0 {
            notes.push(format!(
                "subset ({}): {} models left out",
                options.where_.join("; "),
                mask.outside_subset
            ));
        }
        if mask.outside_created_range > 0 {
            notes.push(format!(
                "creation range: {} models left out",
                mask.outside_created_range
            ));
        }
        Ok(Context {
            s,
            cache,
            options,
            rows,
            fallback,
            mask,
            windowed: OnceCell::new(),
            week_range: (from, to),
            weeks,
            notes,
        })
    }

    /// The counted rows of every kept model (its window range): made on first use, since a view
    /// that reads prepared sums needs none (at 1 M models 6–9 ms in Chromium).
    pub fn windowed(&self) -> &Rc<Windowed> {
        self.windowed.get_or_init(|| {
            let (from, to) = self.week_range;
            self.cache.windowed(self.s, self.options, &self.mask, from, to)
        })
    }

    /// The periods of the options' granularity over the weeks with downloads.
    pub fn periods(&self) -> Result<PeriodMap> {
        self.periods_of(self.options.granularity)
    }

    pub fn periods_of(&self, granularity: Granularity) -> Result<PeriodMap> {
        let cuts = cut_days(self.options)?;
        Ok(match self.weeks {
            Some((a, b)) => period_map(granularity, &cuts, a, b),
            None => PeriodMap::default(),
        })
    }

    #[inline]
    pub fn kept(&self, m: usize) -> bool {
        self.mask.keep.get(m).copied().unwrap_or(false)
    }

    /// Weeks and downloads of model `m` that count.
    #[inline]
    pub fn model_rows(&self, m: usize) -> (&'a [u16], &'a [u32]) {
        match (self.windowed().start.get(m), self.windowed().end.get(m)) {
            (Some(&a), Some(&b)) => self.rows.slice(a as usize, b as usize),
            _ => (&[], &[]),
        }
    }

    /// Weeks and downloads of model `m` that count, as [`Context::model_rows`], from the window
    /// ranges when they are made, else found for this model alone: for views that read a few
    /// models' rows, without the ranges of every kept model.
    pub fn counted_rows(&self, m: usize) -> (&'a [u16], &'a [u32]) {
        if self.windowed.get().is_some() {
            return self.model_rows(m);
        }
        let window = self.cache.window_of(self.s, self.options);
        let index = self.cache.row_index(self.s);
        let created = self.cache.created_weeks(self.s);
        match filter::model_span(&self.rows, created, window, self.week_range, Some(index), m) {
            Some((a, b)) => self.rows.slice(a, b),
            None => (&[], &[]),
        }
    }

    /// The kept rows in week and age order for this option set's population filter ([`WeekRows`]),
    /// when they have been prepared ([`EconomiesCache::prepare_week_rows`], which makes none for
    /// a snapshot without weekly history).
    pub fn week_rows(&self) -> Option<Rc<WeekRows>> {
        self.cache.week_rows(self.options)
    }

    /// The weekly model-level measures of every window length ([`WeekMeasures`]), when they have
    /// been prepared for this population filter.
    pub fn week_measures(&self) -> Option<Rc<WeekMeasures>> {
        self.cache.week_measures(self.options)
    }

    /// The weekly measures of every window length at the options' level
    /// ([`UnitWeekMeasuresBuild`]), when they have been prepared for this population filter and
    /// level, with direct attribution.
    pub fn unit_week_measures(&self) -> Option<Rc<WeekMeasures>> {
        self.cache.unit_week_measures(self.options)
    }

    /// The weekly sums per unit at the options' level ([`WeekGroupSums`]; the last group: no
    /// unit), when they have been prepared for this population filter and level, with direct
    /// attribution.
    pub fn unit_week_sums(&self) -> Option<Rc<WeekGroupSums>> {
        self.cache.unit_week_sums(self.options)
    }

    /// The relation set of attribution and flows (default: all).
    pub fn relations(&self) -> RelationSet {
        self.options.relations_or(RelationSet::ALL)
    }

    pub fn credits(&self) -> Rc<Credits> {
        self.cache.credits(
            self.s,
            self.options.level,
            self.options.attribution,
            self.relations(),
        )
    }

    /// The name of unit `u` at the options' level.
    pub fn unit_key(&self, u: usize) -> &'a str {
        let s = self.s;
        let value = |c: &'a crate::snapshot::Categorical| c.values.get(u).map(|v| v.as_str()).unwrap_or("");
        match self.options.level {
            Level::Model => s.id.get(u),
            Level::Developer => value(&s.author),
            Level::Country => value(&s.country),
            Level::OrgType => value(&s.org_type),
        }
    }

    /// The kept models, ascending.
    #[inline]
    pub fn kept_models(&self) -> impl Iterator<Item = usize> + '_ {
        self.mask.kept_models.iter().map(|&m| m as usize)
    }

    /// The window-filtered downloads of the kept models `models` (ascending; others give 0):
    /// from every kept model's totals when a box has made them for these options, else summed
    /// model by model ([`Context::counted_rows`]), without the window ranges of every kept
    /// model. For views that need a part of the models (the derivatives of `flows`).
    pub fn counted_totals_of<'b>(
        &'b self,
        models: impl Iterator<Item = usize> + 'b,
    ) -> impl Iterator<Item = (usize, f64)> + 'b {
        let (from, to) = self.week_range;
        let made = match self.windowed.get() {
            Some(w) if w.has_totals() => Some(w.clone()),
            _ => self.cache.windowed_with_totals(self.s, self.options, from, to),
        };
        models.map(move |m| {
            let total = if !self.kept(m) {
                0.0
            } else {
                match made.as_ref().and_then(|w| w.made_total(m)) {
                    Some(t) => t,
                    None => rows_total(self.counted_rows(m).1),
                }
            };
            (m, total)
        })
    }

    /// `(model, window-filtered downloads)` of every kept model, in model order.
    pub fn counted_totals(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        // A donor only matters when the totals are still to be made.
        let donor = (!self.windowed().has_totals())
            .then(|| self.cache.window_donor(self.windowed()))
            .flatten();
        let totals = self.windowed().totals_from(
            &self.rows,
            Some(&self.mask.kept_models),
            Some(self.cache.row_index(self.s)),
            donor.as_deref(),
        );
        self.kept_models()
            .map(move |m| (m, totals.get(m).copied().unwrap_or(0.0)))
    }

    /// Downloads of every unit over the whole range, the number of kept models credited, and the
    /// downloads credited to no unit: one pass over the models, cached per option set.
    pub fn unit_totals(&self, credits: &Credits) -> Rc<UnitTotals> {
        let key = self.option_set_key(false);
        if let Some((_, x)) = self.cache.unit_totals.borrow().iter().find(|(k, _)| *k == key) {
            return x.clone();
        }
        let units = credits.units();
        let mut out = UnitTotals {
            totals: vec![0.0; units],
            models: vec![0; units],
            unknown: 0.0,
            all: 0.0,
        };
        // In model order: the per-model arrays are read front to back.
        for (m, t) in self.counted_totals() {
            if t <= 0.0 {
                continue;
            }
            out.all += t;
            out.unknown += credits.unknown_weight.get(m).copied().unwrap_or(0.0) * t;
            let (us, ws) = credits.of_model(m);
            for (&u, &w) in us.iter().zip(ws) {
                if let (Some(x), Some(k)) = (out.totals.get_mut(u as usize), out.models.get_mut(u as usize)) {
                    *x += w * t;
                    *k += 1;
                }
            }
        }
        let out = Rc::new(out);
        let mut cache = self.cache.unit_totals.borrow_mut();
        // Model-level totals are 12 bytes a model: one of them is kept at a time.
        if units > LARGE_UNIT_TOTALS {
            cache.retain(|(_, t)| t.totals.len() <= LARGE_UNIT_TOTALS);
        }
        if cache.len() >= SUMS_CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push((key, out.clone()));
        out
    }

    /// The downloads of every unit over the whole range, of the models of no unit and of all,
    /// as [`Context::unit_totals`] but without the model counts (`models` empty) when the weekly
    /// sums per unit are there, or when [`Context::dense_units`] took this option set's from the
    /// last filter's and its lower tier: then no pass over the models.
    pub fn unit_sums(&self, credits: &Credits) -> Rc<UnitTotals> {
        let Some(sums) = self
            .unit_week_sums()
            .filter(|t| t.groups() == credits.units() + 1)
        else {
            let key = self.option_set_key(false);
            if let Some((k, t)) = &*self.cache.derived_unit_sums.borrow() {
                if *k == key && t.totals.len() == credits.units() {
                    return t.clone();
                }
            }
            return self.unit_totals(credits);
        };
        let mut all = vec![0u64; sums.groups()];
        if let Some((first, last)) = self.weeks {
            for week in first..=last {
                sums.add_week(week, self.options.window_weeks, &mut all);
            }
        }
        let (known, unknown) = all.split_at(credits.units());
        // Whole numbers below 2^53: the same floats as the models' sums added one by one.
        Rc::new(UnitTotals {
            totals: known.iter().map(|&x| x as f64).collect(),
            models: Vec::new(),
            unknown: unknown.iter().sum::<u64>() as f64,
            all: all.iter().sum::<u64>() as f64,
        })
    }

    /// The `k` units with the most downloads over the whole range, the most first (ties: key
    /// ascending) with their downloads, or `None` (root attribution: fractional credits) for
    /// the caller to rank every unit's sum. No unit counts more downloads under a window than
    /// all its kept models' rows hold, so the units are visited by decreasing sum of those
    /// rows (made once per population filter), each one's counted rows summed, until the next
    /// one's rows cannot pass the k-th largest sum found: at 1 M models a few thousand
    /// developers' rows instead of every kept model's. Units without downloads are left out.
    pub fn top_unit_totals(&self, credits: &Credits, k: usize) -> Option<Vec<(usize, f64)>> {
        if self.options.attribution != Attribution::Direct {
            return None;
        }
        if k == 0 {
            return Some(Vec::new());
        }
        let bounds = self.unit_bounds(credits);
        let cmp = |a: &(usize, u64), b: &(usize, u64)| {
            b.1.cmp(&a.1)
                .then_with(|| self.unit_key(a.0).cmp(self.unit_key(b.0)))
        };
        let mut best: Vec<(usize, u64)> = Vec::with_capacity(k + 1);
        for &(bound, u) in bounds.iter() {
            if best.len() == k && best.last().is_some_and(|&(_, kth)| bound < kth) {
                break;
            }
            let u = u as usize;
            let mut sum = 0u64;
            for &m in credits.of(u).0 {
                let m = m as usize;
                if !self.kept(m) {
                    continue;
                }
                sum += self.counted_rows(m).1.iter().map(|&d| d as u64).sum::<u64>();
            }
            if sum == 0 {
                continue;
            }
            let at = best.partition_point(|b| cmp(b, &(u, sum)).is_lt());
            if at < k {
                best.insert(at, (u, sum));
                best.truncate(k);
            }
        }
        // Whole numbers below 2^53: the same floats as the models' sums added one by one.
        Some(best.into_iter().map(|(u, t)| (u, t as f64)).collect())
    }

    /// When each unit's kept models start to count within the options' week range
    /// ([`CountingAges`]), with direct attribution (`None` otherwise), cached per population
    /// filter, level and week range.
    pub fn counting_ages(&self, credits: &Credits) -> Option<Rc<CountingAges>> {
        if self.options.attribution != Attribution::Direct {
            return None;
        }
        let key = self.counting_ages_key();
        if let Some((_, x)) = self.cache.counting_ages.borrow().iter().find(|(k, _)| *k == key) {
            return Some(x.clone());
        }
        let kept = self.kept_counting_ages();
        let ages = Rc::new(CountingAges::build(
            credits.units(),
            self.kept_models()
                .zip(kept.iter())
                .filter_map(|(m, &age)| Some((*credits.of_model(m).0.first()? as usize, age))),
        ));
        let mut cache = self.cache.counting_ages.borrow_mut();
        if cache.len() >= COUNTING_AGES_ENTRIES {
            cache.remove(0);
        }
        cache.push((key, ages.clone()));
        Some(ages)
    }

    /// [`filter::first_counting_age`] of every kept model in the options' week range, in the
    /// order of the kept models, for the [`CountingAges`] of every level; those of the last
    /// population filter and week range. Made at once here unless `prepare` made them.
    fn kept_counting_ages(&self) -> Rc<KeptAges> {
        loop {
            if let Some(ages) = self.kept_counting_ages_step(usize::MAX) {
                return ages;
            }
        }
    }

    /// [`Context::kept_counting_ages`] at most `budget` kept models at a time, resuming where
    /// the last call for the same population filter and week range stopped: `None` while work
    /// is left. One pass over the kept models' first rows, in row order (at 1 M models about 50
    /// ms in wasm, mostly waiting on memory: hence in slices).
    pub fn kept_counting_ages_step(&self, budget: usize) -> Option<Rc<KeptAges>> {
        let key: KeptAgesKey = (mask_key(self.options), self.week_range.0, self.week_range.1);
        let mut slot = self.cache.kept_counting_ages.borrow_mut();
        let mut ages = match slot.take() {
            Some((k, KeptAgesState::Done(x))) if k == key => {
                *slot = Some((k, KeptAgesState::Done(x.clone())));
                return Some(x);
            }
            Some((k, KeptAgesState::Building(x))) if k == key => x,
            _ => Vec::with_capacity(self.mask.kept_models.len()),
        };
        let created = self.cache.created_weeks(self.s);
        let left = self.mask.kept_models.get(ages.len()..).unwrap_or(&[]);
        ages.extend(
            left.iter()
                .take(budget.max(1))
                .map(|&m| filter::first_counting_age(&self.rows, created, self.week_range, m as usize)),
        );
        if ages.len() < self.mask.kept_models.len() {
            *slot = Some((key, KeptAgesState::Building(ages)));
            return None;
        }
        let ages = Rc::new(ages);
        *slot = Some((key, KeptAgesState::Done(ages.clone())));
        Some(ages)
    }

    fn counting_ages_key(&self) -> CountingAgesKey {
        let (from, to) = self.week_range;
        (mask_key(self.options), self.options.level, from, to)
    }

    /// Whether [`Context::counting_ages`] of the options' level are made.
    pub fn counting_ages_made(&self) -> bool {
        let key = self.counting_ages_key();
        self.cache.counting_ages.borrow().iter().any(|(k, _)| *k == key)
    }

    fn unit_bounds_key(&self) -> (MaskKey, Level) {
        (mask_key(self.options), self.options.level)
    }

    /// Whether the bounds of [`Context::top_unit_totals`] at the options' level are made.
    pub fn unit_bounds_made(&self) -> bool {
        let key = self.unit_bounds_key();
        self.cache.unit_bounds.borrow().iter().any(|(k, _)| *k == key)
    }

    /// The window of these options over this snapshot's rows (none over the fallback rows).
    pub fn window(&self) -> Option<u32> {
        self.cache.window_of(self.s, self.options)
    }

    /// The downloads of every kept model under the options, from the prepared week rows
    /// ([`WeekRows::counted_total`] of each week in the range) when they are there: no pass
    /// over the models. Whole numbers summed as integers, so the same float as the models'
    /// totals added in any order.
    pub fn all_counted_from_week_rows(&self) -> Option<f64> {
        let layout = self.week_rows()?;
        let window = self.window();
        let Some((first, last)) = self.weeks else {
            return Some(0.0);
        };
        Some(
            (first..=last)
                .map(|week| layout.counted_total(week, window))
                .sum::<u64>() as f64,
        )
    }

    /// The units with kept rows at the options' level (direct attribution), by decreasing sum
    /// of their kept models' rows (ties: unit ascending), cached per population filter.
    pub fn unit_bounds(&self, credits: &Credits) -> UnitBounds {
        let key = self.unit_bounds_key();
        if let Some((_, b)) = self.cache.unit_bounds.borrow().iter().find(|(k, _)| *k == key) {
            return b.clone();
        }
        let index = self.cache.row_index(self.s);
        let mut sums = vec![0u64; credits.units()];
        for m in self.kept_models() {
            let rows = index.row_total.get(m).copied().unwrap_or(0);
            for &u in credits.of_model(m).0 {
                if let Some(x) = sums.get_mut(u as usize) {
                    *x += rows;
                }
            }
        }
        let mut bounds: Vec<(u64, u32)> = (0..sums.len() as u32)
            .filter_map(|u| Some((*sums.get(u as usize).filter(|&&x| x > 0)?, u)))
            .collect();
        bounds.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let bounds = Rc::new(bounds);
        let mut cache = self.cache.unit_bounds.borrow_mut();
        if cache.len() >= 2 {
            cache.remove(0);
        }
        cache.push((key, bounds.clone()));
        bounds
    }

    /// A note when part of the downloads has no unit at this level.
    pub fn unknown_note(&self, credits: &Credits) -> Option<String> {
        if !credits.any_unknown {
            return None; // no pass over the models for a note that cannot be
        }
        let t = self.unit_sums(credits);
        let (unknown, all) = (t.unknown, t.all);
        (unknown > 0.0 && all > 0.0).then(|| {
            format!(
                "{:.2} % of the downloads belong to models whose {} is unknown and are left out of this level",
                100.0 * unknown / all,
                self.options.level.as_str()
            )
        })
    }

    /// One pass over the counted rows: calls `emit(unit, period, downloads)` once for every unit and
    /// period in which the unit has downloads > 0 (in no particular order). `multiplicity[m]` (a
    /// bootstrap draw) multiplies model `m`'s rows.
    ///
    /// At the model level with direct attribution the units are the models, so the pass goes unit
    /// by unit in row order. At the developer level of a snapshot grouped by developer
    /// ([`Snapshot::grouped_by_author`], the layout `hubecon build` writes) with direct
    /// attribution, each unit's models are consecutive rows too, and the same unit-by-unit pass
    /// reads the rows in order. Otherwise a unit's models are scattered over the rows (countries,
    /// root attribution at any level, snapshots in another order); visiting them unit by unit
    /// would jump around memory (at the model level with root attribution, natively, about a
    /// third of that pass's time went to loading each model's first row), so the pass goes in
    /// row order and partitions the sums by unit ([`Context::partitioned`]).
    pub fn for_each_unit_period(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        multiplicity: Option<&[u32]>,
        emit: impl FnMut(usize, usize, f64),
    ) {
        if self.options.level == Level::Model
            && self.options.attribution == Attribution::Direct
            && multiplicity.is_none()
        {
            // Each model is its own unit with weight 1: no per-unit scratch is needed.
            self.for_each_model_period(periods, emit)
        } else if credits.units().saturating_mul(periods.len()) <= DENSE_CELLS {
            // Few units (countries, org types): every row adds straight into one small block.
            self.dense_units(credits, periods, multiplicity, emit)
        } else if credits.model_runs <= credits.unit_order.len() + credits.model.len() / UNIT_MAJOR_BREAKS {
            // Each unit's models sit together (a snapshot grouped by developer, direct
            // attribution): unit by unit, the rows are read front to back.
            self.unit_major(credits, periods, multiplicity, emit)
        } else {
            self.partitioned(
                credits,
                periods,
                multiplicity,
                PARTITION_CELLS,
                MAX_BUFFERED_ENTRIES,
                emit,
            )
        }
    }

    fn factor(multiplicity: Option<&[u32]>, m: usize, w: f64) -> f64 {
        match multiplicity {
            Some(k) => w * k.get(m).copied().unwrap_or(0) as f64,
            None => w,
        }
    }

    /// The pass of [`Context::for_each_unit_period`] when units × periods fit in [`DENSE_CELLS`]:
    /// one read of the rows in order adds each into a dense unit × period block; then the block
    /// is emitted unit by unit, periods in order.
    pub fn dense_units(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        multiplicity: Option<&[u32]>,
        mut emit: impl FnMut(usize, usize, f64),
    ) {
        let (units, np) = (credits.units(), periods.len());
        if units == 0 || np == 0 {
            return;
        }
        let mut dense = std::mem::take(&mut *self.cache.dense.borrow_mut());
        dense.clear();
        dense.resize(units * np, 0.0);
        let sums = self
            .unit_week_sums()
            .filter(|t| multiplicity.is_none() && t.groups() == units + 1);
        if let Some(sums) = sums {
            // The weekly sums per unit: each week's are a few dozen additions per unit.
            let groups = sums.groups();
            let block = self.period_group_sums(&sums, periods);
            // Whole numbers below 2^53: the same floats as the rows added one by one.
            for (p, cells) in block.chunks_exact(groups).enumerate() {
                for (u, &x) in cells.iter().take(units).enumerate() {
                    dense[u * np + p] = x as f64;
                }
            }
        } else if let Some((from_layout, sums, tier)) = self.unit_sums_of_last_layout(units, multiplicity) {
            // A new filter: the last filter's weekly sums of the creation weeks it keeps whole,
            // and the rows of its other models (for a lower minimum, from the last filter's
            // lower tier, with each entry's unit).
            let groups = sums.groups();
            let mut block = vec![0u64; np * groups];
            let (window, min) = (self.options.window_weeks, self.options.min_downloads);
            for (k, &p) in periods.period_of.iter().enumerate() {
                let p = p as usize;
                if let Some(cells) = block.get_mut(p * groups..(p + 1) * groups) {
                    let week = periods.first_week + k as i32;
                    sums.add_week_created(week, window, from_layout.created, cells);
                    if let Some(t) = &tier {
                        t.counted_at_least(week, window, min, |values, keys| {
                            for (&d, k) in values.iter().zip(keys) {
                                // No unit (NO_TIER_UNIT): the last group.
                                if let Some(x) = cells.get_mut((k.country as usize).min(groups - 1)) {
                                    *x += d as u64;
                                }
                            }
                        });
                    }
                }
            }
            for (p, cells) in block.chunks_exact(groups).enumerate() {
                for (u, &x) in cells.iter().take(units).enumerate() {
                    dense[u * np + p] = x as f64;
                }
            }
            // Each group's sum of every period, for the notes on unknown units.
            let mut all = vec![0u64; groups];
            for cells in block.chunks_exact(groups) {
                all.iter_mut().zip(cells).for_each(|(a, &x)| *a += x);
            }
            let weekly = periods.is_weekly();
            let others: &[u32] = if tier.is_some() { &[] } else { &from_layout.others };
            for &m in others {
                let (weeks, downloads) = self.counted_rows(m as usize);
                // Direct attribution: a model's whole credit goes to one unit, or to none (the
                // last group).
                match credits.of_model(m as usize) {
                    (&[u], &[w]) => {
                        let base = u as usize * np;
                        if let (Some(row), Some(x)) =
                            (dense.get_mut(base..base + np), all.get_mut(u as usize))
                        {
                            *x += add_rows(row, periods, weekly, weeks, downloads, w);
                        }
                    }
                    _ => {
                        if let Some(x) = all.last_mut() {
                            *x += downloads.iter().map(|&d| d as u64).sum::<u64>();
                        }
                    }
                }
            }
            // Every kept model's counted rows are in the block or were just added (the periods
            // cover the options' weeks): the units' sums for the notes, without a pass over the
            // models. Whole numbers below 2^53: the same floats as the models' totals added.
            let (known, unknown) = all.split_at(units.min(groups));
            let sums = UnitTotals {
                totals: known.iter().map(|&x| x as f64).collect(),
                models: Vec::new(),
                unknown: unknown.iter().sum::<u64>() as f64,
                all: all.iter().sum::<u64>() as f64,
            };
            *self.cache.derived_unit_sums.borrow_mut() = Some((self.option_set_key(false), Rc::new(sums)));
        } else if multiplicity.is_some() || !self.add_root_country_sums(credits, periods, &mut dense) {
            self.add_dense_rows(credits, periods, multiplicity, &mut dense);
        }
        for (k, x) in dense.iter_mut().enumerate() {
            if *x > 0.0 {
                emit(k / np, k % np, *x);
            }
            *x = 0.0; // the partitioned pass expects a zeroed block
        }
        *self.cache.dense.borrow_mut() = dense;
    }

    /// Each period's sums per group of `sums` under the options' window: period `p`, group `g`
    /// at `p × groups + g`.
    fn period_group_sums(&self, sums: &WeekGroupSums, periods: &PeriodMap) -> Vec<u64> {
        let groups = sums.groups();
        let mut block = vec![0u64; periods.len() * groups];
        for (k, &p) in periods.period_of.iter().enumerate() {
            let p = p as usize;
            if let Some(cells) = block.get_mut(p * groups..(p + 1) * groups) {
                sums.add_week(periods.first_week + k as i32, self.options.window_weeks, cells);
            }
        }
        block
    }

    /// Root attribution at the country level from the prepared sums
    /// ([`EconomiesCache::root_unit_sums`]): adds into `dense` (unit `u`, period `p` at
    /// `u × periods + p`) each period's sums per country of the models credited whole to one,
    /// and the counted rows of the kept models that split their credit, with their weights.
    /// `false`, having added nothing, when the sums are not there.
    fn add_root_country_sums(&self, credits: &Credits, periods: &PeriodMap, dense: &mut [f64]) -> bool {
        if self.options.level != Level::Country {
            return false;
        }
        let Some((sums, developers)) = self.cache.root_unit_sums(self.options) else {
            return false;
        };
        let (units, np, groups) = (credits.units(), periods.len(), sums.groups());
        if groups != units + 1 + developers.len() || dense.len() != units * np {
            return false;
        }
        let block = self.period_group_sums(&sums, periods);
        for (p, cells) in block.chunks_exact(groups).enumerate() {
            for (u, &x) in cells.iter().take(units).enumerate() {
                dense[u * np + p] = x as f64;
            }
        }
        // The sums of the whole credits: every known country, the unknown one, and all.
        let mut whole = vec![0u64; units + 1];
        for cells in block.chunks_exact(groups) {
            whole.iter_mut().zip(cells).for_each(|(a, &x)| *a += x);
        }
        let mut unknown = whole.get(units).copied().unwrap_or(0) as f64;
        let mut all = whole.iter().sum::<u64>() as f64;
        let weekly = periods.is_weekly();
        for &m in &self.mask.kept_models {
            if whole_credit(credits, m as usize).is_some() {
                continue;
            }
            let (weeks, downloads) = self.counted_rows(m as usize);
            let (us, ws) = credits.of_model(m as usize);
            let mut sum = None;
            for (&u, &w) in us.iter().zip(ws) {
                let base = u as usize * np;
                if let Some(row) = dense.get_mut(base..base + np) {
                    sum = Some(add_rows(row, periods, weekly, weeks, downloads, w));
                }
            }
            let sum = sum.map_or_else(|| rows_total(downloads), |s| s as f64);
            unknown += credits.unknown_weight.get(m as usize).copied().unwrap_or(0.0) * sum;
            all += sum;
        }
        // Every kept model's counted rows are in `dense` (the periods cover the options'
        // weeks): the units' sums for the note on unknown countries, without a pass over the
        // models.
        let sums = UnitTotals {
            totals: dense
                .chunks_exact(np.max(1))
                .map(|row| row.iter().sum())
                .collect(),
            models: Vec::new(),
            unknown,
            all,
        };
        *self.cache.derived_unit_sums.borrow_mut() = Some((self.option_set_key(false), Rc::new(sums)));
        true
    }

    /// Each period's root-attributed downloads of the developers `wanted` from the prepared
    /// sums ([`EconomiesCache::root_unit_sums`]), a column of `periods` per developer (`None`
    /// for those the sums do not keep): the models credited whole to the developer from the
    /// sums, the kept models that split their credit from their counted rows, with their
    /// weights. `None` when the sums are not there.
    pub fn root_developer_columns(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        wanted: &[usize],
    ) -> Option<Vec<Option<Vec<f64>>>> {
        if self.options.level != Level::Developer {
            return None;
        }
        let (sums, developers) = self.cache.root_unit_sums(self.options)?;
        let (np, groups) = (periods.len(), sums.groups());
        let first = groups.checked_sub(developers.len())?;
        let block = self.period_group_sums(&sums, periods);
        let weekly = periods.is_weekly();
        let columns = wanted
            .iter()
            .map(|&u| {
                let i = developers.binary_search(&(u as u32)).ok()?;
                let mut column: Vec<f64> = (0..np)
                    .map(|p| block.get(p * groups + first + i).map_or(0.0, |&x| x as f64))
                    .collect();
                let (models, weights) = credits.of(u);
                for (&m, &w) in models.iter().zip(weights) {
                    // A model credited whole to the developer is in the sums.
                    if whole_credit(credits, m as usize).is_none() && self.kept(m as usize) {
                        let (weeks, downloads) = self.counted_rows(m as usize);
                        add_rows(&mut column, periods, weekly, weeks, downloads, w);
                    }
                }
                Some(column)
            })
            .collect();
        Some(columns)
    }

    /// The top developers by root-attributed downloads, in order, when `Engine::prepare` ranked
    /// them under these options (root attribution at the developer level).
    pub fn root_developer_ranking(&self) -> Option<Rc<Vec<u32>>> {
        let key = self.option_set_key(false);
        match &*self.cache.root_developer_ranking.borrow() {
            Some((k, r)) if *k == key => Some(r.clone()),
            _ => None,
        }
    }

    /// Ranks the top `count` developers by root-attributed downloads under these options (root
    /// attribution at the developer level), unless already ranked: a pass over the kept models'
    /// totals.
    pub fn rank_root_developers(&self, count: usize, rank: impl FnOnce(&[f64]) -> Vec<usize>) {
        if self.root_developer_ranking().is_some() {
            return;
        }
        let credits = self.credits();
        let ranking = rank(&self.unit_sums(&credits).totals);
        let ranking = ranking.into_iter().take(count).map(|u| u as u32).collect();
        *self.cache.root_developer_ranking.borrow_mut() =
            Some((self.option_set_key(false), Rc::new(ranking)));
    }

    /// The last population filter's weekly sums per unit of the options' level and its week rows
    /// ([`Context::rows_of_last_layout`]), when this filter can take most of its sums from them:
    /// direct attribution, no resampling, units `units`, and at most a quarter of the kept models
    /// outside them (a creation range; not a minimum of downloads much lower than the last), or
    /// (countries) all of them in the last filter's lower tier, which it then gives too.
    pub fn unit_sums_of_last_layout(
        &self,
        units: usize,
        multiplicity: Option<&[u32]>,
    ) -> Option<(RowsOfLastLayout, Rc<WeekGroupSums>, Option<Rc<LowerTier>>)> {
        if multiplicity.is_some() || self.options.attribution != Attribution::Direct {
            return None;
        }
        let from_layout = self.rows_of_last_layout()?;
        // For countries, a lower minimum's other models are in the last filter's lower tier
        // with their countries: no rows are read.
        let tier = match self.options.level {
            Level::Country => from_layout.tier.clone(),
            _ => None,
        };
        // The rows pass takes every kept model's total on the way, which the views' notes read
        // next: with many other models (a much lower minimum) it costs less than both passes.
        if tier.is_none() && from_layout.others.len() * 4 > self.mask.kept_models.len() {
            return None;
        }
        let (filter, sums) = self
            .cache
            .last_unit_week_sums(self.options.level, &from_layout.layout)?;
        (filter == from_layout.filter && sums.groups() == units + 1).then_some((from_layout, sums, tier))
    }

    /// The row pass of [`Context::dense_units`]: adds each counted row, times its model's weight,
    /// into `dense` (unit × period).
    fn add_dense_rows(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        multiplicity: Option<&[u32]>,
        dense: &mut [f64],
    ) {
        let np = periods.len();
        let weekly = periods.is_weekly();
        // Every kept model's counted rows are read here: their sums, taken on the way, spare a
        // later view of the same window (or this view's note on unknown units) a pass of its own.
        let mut totals = self.windowed().totals_to_take();
        for m in self.kept_models() {
            let (weeks, downloads) = self.model_rows(m);
            if weeks.is_empty() {
                continue;
            }
            let (us, ws) = credits.of_model(m);
            let mut sum = None;
            for (&u, &w) in us.iter().zip(ws) {
                let factor = Self::factor(multiplicity, m, w);
                let base = u as usize * np;
                if let (true, Some(row)) = (factor > 0.0, dense.get_mut(base..base + np)) {
                    sum = Some(add_rows(row, periods, weekly, weeks, downloads, factor));
                }
            }
            // A model credited to no unit is read for its sum alone.
            take_total(&mut totals, m, || {
                sum.map_or_else(|| rows_total(downloads), |s| s as f64)
            });
        }
        self.windowed().offer_totals(totals);
    }

    /// The unit-by-unit pass of [`Context::for_each_unit_period`]: a unit's sums build up in a
    /// dense row of periods, swept between the first and last period it touched (a model's
    /// periods are one range, so a unit's are mostly one too) and emitted in period order.
    pub fn unit_major(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        multiplicity: Option<&[u32]>,
        mut emit: impl FnMut(usize, usize, f64),
    ) {
        let mut scratch = vec![0.0; periods.len()];
        let weekly = periods.is_weekly();
        // With direct attribution and every model credited to a unit, each kept model is read
        // here once: its sum, taken on the way, spares a later view of the same window a pass.
        let mut totals = if multiplicity.is_none()
            && self.options.attribution == Attribution::Direct
            && !credits.any_unknown
        {
            self.windowed().totals_to_take()
        } else {
            None
        };
        for &u in &credits.unit_order {
            let u = u as usize;
            let (ms, ws) = credits.of(u);
            let (mut lo, mut hi) = (usize::MAX, 0);
            for (&m, &w) in ms.iter().zip(ws) {
                let m = m as usize;
                let factor = Self::factor(multiplicity, m, w);
                if !self.kept(m) || factor == 0.0 {
                    continue;
                }
                let (weeks, downloads) = self.model_rows(m);
                // Weeks increase, so the model's first and last rows bound its periods.
                if let (Some(&a), Some(&b)) = (weeks.first(), weeks.last()) {
                    let period = |w: u16| periods.of_week(w as i32);
                    let (first, last) = (period(a), period(b));
                    lo = lo.min(first.unwrap_or(0));
                    hi = hi.max(last.unwrap_or(periods.len().saturating_sub(1)));
                }
                let sum = add_rows(&mut scratch, periods, weekly, weeks, downloads, factor);
                take_total(&mut totals, m, || sum as f64);
            }
            if let Some(touched) = scratch.get_mut(lo..=hi) {
                for (k, x) in touched.iter_mut().enumerate() {
                    if *x > 0.0 {
                        emit(u, lo + k, *x);
                    }
                    *x = 0.0;
                }
            }
        }
        self.windowed().offer_totals(totals);
    }

    /// [`Context::for_each_week_of_model_values`] at a level of many units whose models sit
    /// together ([`Context::unit_major`]'s case), with direct attribution over weekly periods:
    /// `f(period, values)` for each period in order, `values` being the downloads of every unit
    /// with downloads in that week (in no particular order). The sums are whole numbers, added as
    /// integers and measured as counts: half the bytes of floats to gather, and no float adds.
    /// Returns `false`, having called nothing, when the units' models do not sit together, a
    /// model's credit is not whole, or a unit's week holds 2^32 downloads or more (then
    /// [`Context::for_each_unit_period`] gives them as floats).
    pub fn for_each_week_of_unit_values(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        mut f: impl FnMut(usize, &mut [u32]),
    ) -> bool {
        if self.unit_week_values_of_last_layout(credits, periods, &mut f) {
            return true;
        }
        let unit_major = credits.units().saturating_mul(periods.len()) > DENSE_CELLS
            && credits.model_runs <= credits.unit_order.len() + credits.model.len() / UNIT_MAJOR_BREAKS;
        periods.is_weekly()
            && self.options.attribution == Attribution::Direct
            && unit_major
            && self.unit_by_unit_week_values(credits, periods, f)
    }

    /// [`Context::for_each_week_of_unit_values`] at the developer level for a filter that takes
    /// most of its rows from the last layout ([`Context::rows_of_last_layout`]): each week's
    /// sums per developer of the last filter's counted entries that this filter keeps (with
    /// each entry's developer, kept by `prepare`; under a creation range, those of its creation
    /// weeks), and of the entries of its lower tier that this filter keeps (a lower minimum), or
    /// of the other kept models' rows (at most a quarter of the kept models). `false`, having
    /// called nothing, when those are not there or a developer's week holds 2^32 downloads or
    /// more.
    pub fn unit_week_values_of_last_layout(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        f: &mut impl FnMut(usize, &mut [u32]),
    ) -> bool {
        if !periods.is_weekly()
            || (self.options.level, self.options.attribution) != (Level::Developer, Attribution::Direct)
        {
            return false;
        }
        let Some(from_layout) = self.rows_of_last_layout() else {
            return false;
        };
        let tier = from_layout.tier.clone();
        if tier.is_none() && from_layout.others.len() * 4 > self.mask.kept_models.len() {
            return false;
        }
        let developers = match &*self.cache.layout_developers.borrow() {
            Some((k, d)) if *k == from_layout.filter && d.len() == from_layout.layout.len() => d.clone(),
            _ => return false,
        };
        let (first, np) = (periods.first_week, periods.len());
        let (window, min) = (self.options.window_weeks, self.options.min_downloads);
        // The other kept models' counted rows (week, developer, downloads) in week order; a
        // model of no developer counts in no unit.
        let mut other_rows: Vec<(u32, u32, u32)> = Vec::new();
        for &m in &from_layout.others {
            let [u] = credits.of_model(m as usize).0 else {
                continue;
            };
            let (weeks, downloads) = self.counted_rows(m as usize);
            for (&wk, &d) in weeks.iter().zip(downloads) {
                let p = (wk as i32).wrapping_sub(first) as u32;
                if (p as usize) < np && d > 0 {
                    other_rows.push((p, *u, d));
                }
            }
        }
        other_rows.sort_unstable_by_key(|&(p, _, _)| p);
        let mut next_other = 0;
        let mut sums = vec![0u64; credits.units()];
        let mut touched: Vec<u32> = Vec::new();
        let mut values: Vec<u32> = Vec::new();
        let mut starts = vec![0usize; np + 1];
        let mut too_large = false;
        for p in 0..np {
            let week = first + p as i32;
            let Some((at, counted)) =
                from_layout
                    .layout
                    .counted_created_from(week, window, from_layout.created)
            else {
                return false;
            };
            let rest = other_rows.get(next_other..).unwrap_or(&[]);
            let (others, _) = rest.split_at(rest.partition_point(|&(q, _, _)| q as usize == p));
            next_other += others.len();
            // A developer's first entry of the week is noted without a branch (which would be
            // mispredicted for about a quarter of the entries): each entry is written at the
            // end of `touched`, which only moves on when the developer's sum was zero.
            let tier_len = tier.as_ref().map_or(0, |t| t.counted_len(week, window));
            touched.resize(counted.len() + tier_len + others.len(), 0);
            let mut n = 0;
            let mut add = |u: u32, d: u32| {
                if let Some(x) = sums.get_mut(u as usize) {
                    if let Some(t) = touched.get_mut(n) {
                        *t = u;
                    }
                    n += (*x == 0) as usize;
                    *x += d as u64;
                }
            };
            let units = developers.get(at..at + counted.len()).unwrap_or(&[]);
            for (&u, &d) in units.iter().zip(counted) {
                add(u, d);
            }
            if let Some(t) = &tier {
                t.counted_at_least(week, window, min, |counted, keys| {
                    for (k, &d) in keys.iter().zip(counted) {
                        add(k.developer, d);
                    }
                });
            }
            for &(_, u, d) in others {
                add(u, d);
            }
            too_large |= take_positive_sums(touched.get(..n).unwrap_or(&[]), &mut sums, &mut values);
            starts[p + 1] = values.len();
        }
        if too_large {
            return false;
        }
        for p in 0..np {
            if let Some(v) = values.get_mut(starts[p]..starts[p + 1]) {
                f(p, v);
            }
        }
        true
    }

    /// The pass of [`Context::for_each_week_of_unit_values`], unit by unit in `credits`' order
    /// (any order gives the same lists; models that sit together are read front to back).
    /// `false`, having called nothing, for a credit that is not whole or a sum of 2^32 or more.
    pub fn unit_by_unit_week_values(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        mut f: impl FnMut(usize, &mut [u32]),
    ) -> bool {
        if !periods.is_weekly() || credits.weight.iter().any(|&w| w != 1.0) {
            return false;
        }
        let (first, np) = (periods.first_week, periods.len());
        if np == 0 {
            return true; // no period to measure
        }
        let mut lists = std::mem::take(&mut *self.cache.week_unit_values.borrow_mut());
        lists.iter_mut().for_each(Vec::clear);
        lists.resize_with(np, Vec::new);
        let mut scratch = vec![0u64; np];
        let mut too_large = false;
        // As in `unit_major`: each kept model is read here once, so its sum is taken on the way.
        let mut totals = if credits.any_unknown || self.options.attribution != Attribution::Direct {
            None
        } else {
            self.windowed().totals_to_take()
        };
        for &u in &credits.unit_order {
            let (mut lo, mut hi) = (usize::MAX, 0);
            for &m in credits.of(u as usize).0 {
                let m = m as usize;
                if !self.kept(m) {
                    continue;
                }
                let (weeks, downloads) = self.model_rows(m);
                let mut all = 0u64;
                for (&wk, &d) in weeks.iter().zip(downloads) {
                    let k = (wk as i32).wrapping_sub(first) as u32 as usize;
                    all += d as u64;
                    if let Some(x) = scratch.get_mut(k) {
                        *x += d as u64;
                    }
                }
                take_total(&mut totals, m, || all as f64);
                // Weeks increase, so the first and last rows bound the weeks touched.
                if let (Some(&a), Some(&b)) = (weeks.first(), weeks.last()) {
                    let k = |w: u16| (w as i64 - first as i64).clamp(0, np as i64 - 1) as usize;
                    lo = lo.min(k(a));
                    hi = hi.max(k(b));
                }
            }
            if let (Some(touched), Some(lists)) = (scratch.get_mut(lo..=hi), lists.get_mut(lo..=hi)) {
                for (x, list) in touched.iter_mut().zip(lists) {
                    if *x > 0 {
                        too_large |= *x > u32::MAX as u64;
                        list.push(*x as u32);
                    }
                    *x = 0;
                }
            }
        }
        self.windowed().offer_totals(totals);
        if !too_large {
            for (p, list) in lists.iter_mut().enumerate() {
                f(p, list);
            }
        }
        *self.cache.week_unit_values.borrow_mut() = lists;
        !too_large
    }

    /// The options a level's sums depend on, as a cache key; `with_periods` adds the periods.
    fn option_set_key(&self, with_periods: bool) -> String {
        let o = self.options;
        let base = (
            o.level,
            o.attribution,
            self.relations().0,
            o.window_weeks,
            &o.from,
            &o.to,
            o.min_downloads.to_bits(),
            &o.where_,
            &o.created_from,
            &o.created_to,
        );
        if with_periods {
            format!("{:?}", (base, o.granularity, &o.periods))
        } else {
            format!("{base:?}")
        }
    }

    /// Downloads credited to some unit, per period: what the units' sums of
    /// [`Context::for_each_unit_period`] add up to, in one pass over the rows (each model's rows
    /// times the weight it credits to units), or from the week rows' weekly totals (direct
    /// attribution, every model credited to a unit; for a lower minimum, the last filter's and
    /// its lower tier's). Cached per option set.
    pub fn credited_period_totals(&self, credits: &Credits, periods: &PeriodMap) -> Rc<Vec<f64>> {
        let key = self.option_set_key(true);
        if let Some((_, x)) = self.cache.period_totals.borrow().iter().find(|(k, _)| *k == key) {
            return x.clone();
        }
        let mut totals = vec![0.0; periods.len()];
        let layout = self.week_rows().filter(|_| !credits.any_unknown);
        if let Some(layout) = layout {
            // Every model credited whole to units: a period's total is every counted download of
            // its weeks, which the week rows hold summed per (week, age). Whole numbers, so the
            // same floats as the sums of the rows below under direct attribution (under root
            // attribution, the rows' fractions add up to the same within rounding).
            let window = self.options.window_weeks;
            for (k, &p) in periods.period_of.iter().enumerate() {
                if let Some(x) = totals.get_mut(p as usize) {
                    *x += layout.counted_total(periods.first_week + k as i32, window) as f64;
                }
            }
            return self.cache_period_totals(key, totals);
        }
        let from_tier = self
            .rows_of_last_layout()
            .filter(|_| self.options.attribution == Attribution::Direct && !credits.any_unknown)
            .and_then(|d| Some((d.tier?, d.layout)));
        if let Some((tier, layout)) = from_tier {
            // A lower minimum: the last filter's weekly totals (all its models are kept) and
            // the entries of its lower tier that this one keeps.
            let (window, min) = (self.options.window_weeks, self.options.min_downloads);
            for (k, &p) in periods.period_of.iter().enumerate() {
                let week = periods.first_week + k as i32;
                let mut sum = layout.counted_total(week, window);
                tier.counted_at_least(week, window, min, |values, _| {
                    sum += values.iter().map(|&d| d as u64).sum::<u64>();
                });
                if let Some(x) = totals.get_mut(p as usize) {
                    *x += sum as f64;
                }
            }
            return self.cache_period_totals(key, totals);
        }
        let weekly = periods.is_weekly();
        // Every kept model's counted rows are read here: their sums, taken on the way, spare the
        // unit totals a pass of their own.
        let mut model_sums = self.windowed().totals_to_take();
        for m in self.kept_models() {
            let credited: f64 = credits.of_model(m).1.iter().sum();
            let (weeks, downloads) = self.model_rows(m);
            let sum = if credited > 0.0 {
                add_rows(&mut totals, periods, weekly, weeks, downloads, credited) as f64
            } else if model_sums.is_some() {
                rows_total(downloads) // a model credited to no unit is read for its sum alone
            } else {
                continue;
            };
            take_total(&mut model_sums, m, || sum);
        }
        self.windowed().offer_totals(model_sums);
        self.cache_period_totals(key, totals)
    }

    fn cache_period_totals(&self, key: String, totals: Vec<f64>) -> Rc<Vec<f64>> {
        let totals = Rc::new(totals);
        let mut cache = self.cache.period_totals.borrow_mut();
        if cache.len() >= SUMS_CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push((key, totals.clone()));
        totals
    }

    /// The row-order pass of [`Context::for_each_unit_period`]: units are split into partitions of
    /// at most `partition_cells / periods` consecutive units. One sequential pass over the rows
    /// appends every (cell, downloads) contribution to its partition's buffer; then each
    /// partition is summed in a dense block of at most `partition_cells` cells, small enough to
    /// stay in cache. Rows are read once, in order, and no write lands far from the last one of
    /// its stream. When the buffers would hold more than `max_buffered` contributions,
    /// the periods are taken in consecutive ranges (rounds), each model's rows resuming where the
    /// previous round stopped, so that memory stays bounded whatever the snapshot's size.
    pub fn partitioned(
        &self,
        credits: &Credits,
        periods: &PeriodMap,
        multiplicity: Option<&[u32]>,
        partition_cells: usize,
        max_buffered: usize,
        mut emit: impl FnMut(usize, usize, f64),
    ) {
        let (units, np, n) = (credits.units(), periods.len(), self.s.models());
        if units == 0 || np == 0 {
            return;
        }
        // Each model's next row; its rows are consumed round by round.
        let mut cursor: Vec<u32> = Vec::with_capacity(n);
        let mut entries = 0usize;
        for m in 0..n {
            let start = self.windowed().start.get(m).copied().unwrap_or(0);
            cursor.push(start);
            if self.kept(m) {
                let end = self.windowed().end.get(m).copied().unwrap_or(0);
                entries += end.saturating_sub(start) as usize * credits.of_model(m).0.len();
            }
        }
        let rounds = (entries / max_buffered.max(1) + 1).min(np);
        let span = np.div_ceil(rounds);
        let mut buffers = std::mem::take(&mut *self.cache.partitions.borrow_mut());
        let mut dense = std::mem::take(&mut *self.cache.dense.borrow_mut());
        let mut touched: Vec<u32> = Vec::new();
        let first_week = periods.first_week as i64;
        // Per model: (partition, first cell of its unit, factor) of each unit it credits.
        let mut targets: Vec<(usize, usize, f64)> = Vec::new();
        // Week granularity: period = week − first week, for every week of the map.
        let weekly = multiplicity.is_none() && periods.is_weekly();
        let mut p0 = 0;
        while p0 < np {
            let p1 = (p0 + span).min(np);
            let block = p1 - p0;
            // A power of two, so that a unit's partition and place in it cost a shift and a mask.
            let shift = (partition_cells / block).max(1).ilog2();
            let per_partition = 1usize << shift;
            let partitions = units.div_ceil(per_partition);
            buffers.resize_with(partitions, PartitionBuffer::default);
            for b in buffers.iter_mut() {
                b.cells.clear();
                b.values.clear();
            }
            for (m, next) in cursor.iter_mut().enumerate() {
                let end = self.windowed().end.get(m).copied().unwrap_or(0);
                if *next >= end || !self.kept(m) {
                    continue;
                }
                let (us, ws) = credits.of_model(m);
                targets.clear();
                for (&u, &w) in us.iter().zip(ws) {
                    let factor = Self::factor(multiplicity, m, w);
                    if factor > 0.0 {
                        let u = u as usize;
                        targets.push((u >> shift, (u & (per_partition - 1)) * block, factor));
                    }
                }
                if targets.is_empty() {
                    *next = end;
                    continue;
                }
                let (weeks, downloads) = self.rows.slice(*next as usize, end as usize);
                if let (true, [(k, base, 1.0)]) = (weekly, targets.as_slice()) {
                    // Weekly periods, one unit at weight 1 (direct attribution): each row is
                    // its own cell, appended in bulk. Rows of 0 downloads add nothing later.
                    let stop = (first_week + p1 as i64).clamp(0, u16::MAX as i64 + 1);
                    let count = weeks.partition_point(|&w| (w as i64) < stop);
                    if let (Some(b), Some(ws), Some(ds)) =
                        (buffers.get_mut(*k), weeks.get(..count), downloads.get(..count))
                    {
                        let offset = *base as i64 - first_week - p0 as i64;
                        b.cells.extend(ws.iter().map(|&w| (w as i64 + offset) as u32));
                        b.values.extend(ds.iter().map(|&d| d as f64));
                    }
                    *next += count as u32;
                    continue;
                }
                let mut flush = |p: usize, sum: u64| {
                    for &(k, base, factor) in &targets {
                        if let Some(b) = buffers.get_mut(k) {
                            b.cells.push((base + p - p0) as u32);
                            b.values.push(factor * sum as f64);
                        }
                    }
                };
                *next += period_runs_before(weeks, downloads, periods, p1, &mut flush) as u32;
            }
            let cells = per_partition * block;
            if dense.len() < cells {
                dense.resize(cells, 0.0);
            }
            for (k, b) in buffers.iter().enumerate() {
                let u0 = k * per_partition;
                if b.cells.len() > cells / 4 {
                    for (&c, &v) in b.cells.iter().zip(&b.values) {
                        if let Some(x) = dense.get_mut(c as usize) {
                            *x += v;
                        }
                    }
                    // Many cells touched: one sequential sweep beats jumping to each of them.
                    for (c, x) in dense.iter_mut().take(cells).enumerate() {
                        if *x > 0.0 {
                            emit(u0 + c / block, p0 + c % block, *x);
                        }
                        *x = 0.0;
                    }
                } else {
                    for (&c, &v) in b.cells.iter().zip(&b.values) {
                        if let Some(x) = dense.get_mut(c as usize) {
                            if *x == 0.0 {
                                touched.push(c);
                            }
                            *x += v;
                        }
                    }
                    for &c in &touched {
                        let c = c as usize;
                        if let Some(x) = dense.get_mut(c) {
                            if *x > 0.0 {
                                emit(u0 + c / block, p0 + c % block, *x);
                            }
                            *x = 0.0;
                        }
                    }
                    touched.clear();
                }
            }
            p0 = p1;
        }
        *self.cache.dense.borrow_mut() = dense;
        *self.cache.partitions.borrow_mut() = buffers;
    }

    /// The model level with direct attribution over weekly periods: `f(period, values)` for each
    /// period in order, `values` being the downloads of every kept model with a counted row in that
    /// week (in no particular order, zeros included; `f` may reorder them). Each week's values are
    /// counted first, then placed in one buffer, which costs less than growing a list per week
    /// row by row. A model with a row every week (known from the row index) is counted without
    /// reading its rows, and placed without reading its weeks.
    ///
    /// A new population filter has no layout of its own until `prepare` makes it, but the last
    /// filter's ([`Context::rows_of_last_layout`]) may hold most of its models' counted rows:
    /// those are then copied a week at a time, and only the other models' rows are read. For a
    /// lower minimum of downloads those are copied too, from the last filter's lower tier
    /// ([`LowerTier`]) when it holds them.
    pub fn for_each_week_of_model_values(&self, periods: &PeriodMap, mut f: impl FnMut(usize, &mut [u32])) {
        let (first, np) = (periods.first_week, periods.len());
        let index = self.cache.row_index(self.s);
        // The week number (from the map's first week) of model m's row `row`, when it has a row
        // every week; `None` otherwise.
        let gap_free_start = |m: usize, start: usize| -> Option<i64> {
            let (a, b) = self.rows.range(m);
            let fw = index.gap_free_first(m, b - a)?;
            Some(fw + (start as i64 - a as i64) - first as i64)
        };
        let from_layout = self.rows_of_last_layout();
        // A lower minimum: the other models' rows from the last filter's lower tier, when it
        // holds them all.
        let tier = from_layout.as_ref().and_then(|d| d.tier.clone());
        let tier_part = |p: usize, f: &mut dyn FnMut(&[u32])| {
            if let Some(t) = &tier {
                let week = first + p as i32;
                t.counted_at_least(
                    week,
                    self.options.window_weeks,
                    self.options.min_downloads,
                    |v, _| f(v),
                );
            }
        };
        let layout_part = |p: usize| -> &[u32] {
            match &from_layout {
                Some(d) => {
                    let week = first + p as i32;
                    d.layout
                        .counted_created(week, self.options.window_weeks, d.created)
                        .unwrap_or(&[])
                }
                None => &[],
            }
        };
        let models: &[u32] = match (&from_layout, &tier) {
            (Some(_), Some(_)) => &[],
            (Some(d), None) => &d.others,
            (None, _) => &self.mask.kept_models,
        };
        let span = |m: usize| -> (usize, usize) {
            if from_layout.is_some() && self.windowed.get().is_none() {
                // A few models: their ranges alone, not those of every kept model.
                let window = self.cache.window_of(self.s, self.options);
                let created = self.cache.created_weeks(self.s);
                return filter::model_span(&self.rows, created, window, self.week_range, Some(index), m)
                    .unwrap_or((0, 0));
            }
            match (self.windowed().start.get(m), self.windowed().end.get(m)) {
                (Some(&a), Some(&b)) if a < b => (a as usize, b as usize),
                _ => (0, 0),
            }
        };
        // Counts per week: +1 at a run's first week and −1 after its last (gap-free models), plus
        // one per row for the others; running sums then give each week's count.
        let mut diff = vec![0i64; np + 1];
        let mut direct = vec![0usize; np];
        for m in models.iter().map(|&m| m as usize) {
            let (a, b) = span(m);
            if a == b {
                continue;
            }
            match gap_free_start(m, a) {
                Some(k0) => {
                    let lo = k0.clamp(0, np as i64) as usize;
                    let hi = (k0 + (b - a) as i64).clamp(0, np as i64) as usize;
                    if lo < hi {
                        diff[lo] += 1;
                        diff[hi] -= 1;
                    }
                }
                None => {
                    for &wk in self.rows.slice(a, b).0 {
                        if let Some(c) = direct.get_mut((wk as i32).wrapping_sub(first) as u32 as usize) {
                            *c += 1;
                        }
                    }
                }
            }
        }
        let mut starts = vec![0usize; np + 1];
        let mut running = 0i64;
        for p in 0..np {
            running += diff[p];
            let mut from_tier = 0;
            tier_part(p, &mut |v| from_tier += v.len());
            starts[p + 1] =
                starts[p] + running.max(0) as usize + direct[p] + layout_part(p).len() + from_tier;
        }
        let mut values = std::mem::take(&mut *self.cache.week_values.borrow_mut());
        values.clear();
        values.resize(starts[np], 0);
        let mut next = starts.clone();
        for (p, at) in next.iter_mut().enumerate().take(np) {
            let part = layout_part(p);
            if let Some(to) = values.get_mut(*at..*at + part.len()) {
                to.copy_from_slice(part);
            }
            *at += part.len();
            tier_part(p, &mut |v| {
                if let Some(to) = values.get_mut(*at..*at + v.len()) {
                    to.copy_from_slice(v);
                }
                *at += v.len();
            });
        }
        for m in models.iter().map(|&m| m as usize) {
            let (a, b) = span(m);
            if a == b {
                continue;
            }
            let (weeks, downloads) = self.rows.slice(a, b);
            match gap_free_start(m, a) {
                Some(k0) => {
                    // Row j is week k0 + j: only the weeks inside the map are placed.
                    let skip = (-k0).max(0) as usize;
                    let k0 = k0.max(0) as usize;
                    for (at, &d) in next.iter_mut().skip(k0).zip(downloads.iter().skip(skip)) {
                        if let Some(x) = values.get_mut(*at) {
                            *x = d;
                        }
                        *at += 1;
                    }
                }
                None => {
                    for (&wk, &d) in weeks.iter().zip(downloads) {
                        let k = (wk as i32).wrapping_sub(first) as u32 as usize;
                        if let (Some(at), true) = (next.get_mut(k), k < np) {
                            if let Some(x) = values.get_mut(*at) {
                                *x = d;
                            }
                            *at += 1;
                        }
                    }
                }
            }
        }
        for p in 0..np {
            if let Some(v) = values.get_mut(starts[p]..starts[p + 1]) {
                f(p, v);
            }
        }
        *self.cache.week_values.borrow_mut() = values;
    }

    /// The weekly model-level measures of a lower minimum of downloads, when `prepare` has made
    /// the last filter's [`WeekCounts`] under this window and its [`LowerTier`] holds the other
    /// models: each week's counts loaded, the tier's entries that reach the minimum added. What
    /// measuring each week of [`Context::for_each_week_of_model_values`] gives, bit for bit,
    /// without copying the week's values (13 M at 1 M models). `None` otherwise.
    pub fn week_measures_of_lower_minimum(&self, periods: &PeriodMap) -> Option<Vec<Measures>> {
        let last = self.rows_of_last_layout()?;
        let tier = last.tier?;
        let window = self.options.window_weeks;
        let counts = self.cache.week_counts_for(&last.filter, window)?;
        let mut growing = GrowingCounts::default();
        let measures = (0..periods.len())
            .map(|p| {
                let week = periods.first_week + p as i32;
                counts.load(week, &mut growing);
                tier.counted_at_least(week, window, self.options.min_downloads, |v, _| growing.add(v));
                growing.measures()
            })
            .collect();
        Some(measures)
    }

    /// The weekly developer-level measures of a lower minimum of downloads (direct attribution,
    /// weekly periods), when `prepare` has made the last filter's [`DeveloperWeekCounts`] under
    /// this window: each week's sums loaded, those of the developers of the tier's entries that
    /// reach the minimum replaced by their sums with these entries. What measuring each week of
    /// [`Context::unit_week_values_of_last_layout`] gives, bit for bit, without a pass over the
    /// layout's entries. `None` otherwise, or when a developer's week holds 2^32 downloads or
    /// more.
    pub fn developer_week_measures_of_lower_minimum(&self, periods: &PeriodMap) -> Option<Vec<Measures>> {
        if !periods.is_weekly()
            || (self.options.level, self.options.attribution) != (Level::Developer, Attribution::Direct)
        {
            return None;
        }
        let last = self.rows_of_last_layout()?;
        last.tier.as_ref()?;
        let (window, min) = (self.options.window_weeks, self.options.min_downloads);
        let counts = self.cache.developer_week_counts_for(&last.filter, window)?;
        let mut growing = GrowingCounts::default();
        // Per group of the week (a developer of its tier entries), the downloads of its entries
        // that reach the minimum.
        let mut extra: Vec<u64> = Vec::new();
        let mut changes: Vec<(u32, u32)> = Vec::new();
        let mut measures = Vec::with_capacity(periods.len());
        for p in 0..periods.len() {
            let week = periods.first_week + p as i32;
            counts.load(week, &mut growing);
            let tier = counts.tier_week(week);
            extra.clear();
            extra.resize(tier.group_sums.len(), 0);
            let reached = tier.totals.partition_point(|&t| t as f64 >= min);
            for (&d, &g) in tier.downloads.iter().zip(tier.groups).take(reached) {
                if let Some(x) = extra.get_mut(g as usize) {
                    *x += d as u64;
                }
            }
            changes.clear();
            for (&x, &sum) in extra.iter().zip(tier.group_sums) {
                if x > 0 {
                    changes.push((sum, u32::try_from(sum as u64 + x).ok()?));
                }
            }
            growing.grow_whole(&changes);
            measures.push(growing.measures());
        }
        Some(measures)
    }

    /// The last population filter's week rows ([`WeekRows`]), when this filter has none and
    /// the other's hold this one's counted rows of most models: the kept models of that filter
    /// created in the weeks `created` are all kept by this one (`created`: this filter's
    /// creation range less its first and last weeks, which take part of a week's models), and
    /// `others` are this filter's models that are not among them.
    ///
    /// For a lower minimum of downloads `created` is unbounded and `others` are the models
    /// between the two minimums; for a creation range, the models of its first and last
    /// weeks. `None` for a filter that keeps only part of the other's models of some creation
    /// week (a higher minimum, another subset), without a window when a creation range is set
    /// (the layout keeps the rows before a model's creation together), and before `prepare`
    /// made a layout.
    pub fn rows_of_last_layout(&self) -> Option<RowsOfLastLayout> {
        if self.week_rows().is_some() || self.fallback {
            return None;
        }
        let (filter, theirs, layout) = self.cache.last_week_rows(self.s)?;
        // A lower minimum with the same subset keeps every model of the last filter: no scan,
        // and the others are the tier's.
        if let Some(tier) = self.cache.lower_tier_for(&filter, self.options) {
            return Some(RowsOfLastLayout {
                filter,
                layout,
                created: (None, None),
                others: Vec::new(),
                tier: Some(tier),
            });
        }
        let day = |d: &Option<String>| d.as_deref().and_then(|d| parse_date(d).ok());
        let created = (
            day(&self.options.created_from).map(|d| week_of_day(d) + 1),
            day(&self.options.created_to).map(|d| week_of_day(d) - 1),
        );
        if created != (None, None) && self.options.window_weeks.is_none() {
            return None;
        }
        let weeks = self.cache.created_weeks(self.s);
        let in_range = |m: u32| match created {
            (None, None) => true,
            (a, z) => weeks.get(m as usize).is_some_and(|&c| {
                c != filter::NO_WEEK && a.is_none_or(|a| c >= a) && z.is_none_or(|z| c <= z)
            }),
        };
        let ours = &self.mask;
        if theirs
            .kept_models
            .iter()
            .any(|&m| in_range(m) && !self.kept(m as usize))
        {
            return None;
        }
        let theirs_kept = |m: u32| theirs.keep.get(m as usize).copied().unwrap_or(false);
        let others = ours
            .kept_models
            .iter()
            .copied()
            .filter(|&m| !(theirs_kept(m) && in_range(m)))
            .collect();
        Some(RowsOfLastLayout {
            filter,
            layout,
            created,
            others,
            tier: None,
        })
    }

    /// One pass over the counted rows, model by model: calls `emit(model, period, downloads)` for
    /// every kept model and period in which it has downloads > 0, periods in increasing order.
    /// Each kept model's sum, taken on the way, spares a later view of the same window a pass.
    pub fn for_each_model_period(&self, periods: &PeriodMap, mut emit: impl FnMut(usize, usize, f64)) {
        let mut totals = self.windowed().totals_to_take();
        let weekly = periods.is_weekly();
        let (first, np) = (periods.first_week, periods.len());
        let ends = if weekly { Vec::new() } else { periods.run_ends() };
        for m in self.kept_models() {
            let (weeks, downloads) = self.model_rows(m);
            take_total(&mut totals, m, || rows_total(downloads));
            if weekly {
                // Each week is its own period, numbered from the map's first week.
                for (&wk, &d) in weeks.iter().zip(downloads) {
                    let p = (wk as i32).wrapping_sub(first) as u32 as usize;
                    if p < np && d > 0 {
                        emit(m, p, d as f64);
                    }
                }
            } else {
                period_segments(weeks, downloads, periods, &ends, |p, sum| emit(m, p, sum as f64));
            }
        }
        self.windowed().offer_totals(totals);
    }
}

/// Adds `factor ×` each row's downloads to `sums[period of its week]` (rows of weeks outside the
/// map are skipped). `weekly` says that each week is its own period ([`PeriodMap::is_weekly`]):
/// then each row adds straight into its cell. Otherwise the rows of one period, which come
/// together since a model's weeks increase, are summed first (as integers): adding each row to
/// the same cell in memory would wait on the previous add.
///
/// Returns the sum of all of `downloads` (as integers, whether or not their weeks are in the
/// map): what [`crate::filter::Windowed::totals`] gives for these rows, taken on the way.
#[inline(never)]
pub fn add_rows(
    sums: &mut [f64],
    periods: &PeriodMap,
    weekly: bool,
    weeks: &[u16],
    downloads: &[u32],
    factor: f64,
) -> u64 {
    let (period_of, first_week) = (&periods.period_of[..], periods.first_week);
    let mut all = 0u64;
    if weekly {
        for (&wk, &d) in weeks.iter().zip(downloads) {
            let k = (wk as i32).wrapping_sub(first_week) as u32 as usize;
            all += d as u64;
            if let Some(x) = sums.get_mut(k) {
                *x += factor * d as f64;
            }
        }
        return all;
    }
    let mut current = usize::MAX;
    let mut run = 0u64;
    for (&wk, &d) in weeks.iter().zip(downloads) {
        let k = (wk as i32).wrapping_sub(first_week) as u32 as usize;
        all += d as u64;
        let Some(&p) = period_of.get(k) else {
            continue;
        };
        if p as usize != current {
            if let Some(x) = sums.get_mut(current) {
                *x += factor * run as f64;
            }
            current = p as usize;
            run = 0;
        }
        run += d as u64;
    }
    if let Some(x) = sums.get_mut(current) {
        *x += factor * run as f64;
    }
    all
}

/// [`period_runs`] for maps of periods longer than a week, with [`PeriodMap::run_ends`]: each run's
/// end is found by binary search on the weeks and its downloads summed in one go, instead of
/// looking up the period of every row.
pub fn period_segments(
    weeks: &[u16],
    downloads: &[u32],
    periods: &PeriodMap,
    ends: &[u32],
    mut f: impl FnMut(usize, u64),
) {
    let first_week = periods.first_week as i64;
    let mut i = 0;
    while let Some(&wk) = weeks.get(i) {
        let k = wk as i64 - first_week;
        let Ok(k) = usize::try_from(k) else {
            // Before the map: skip to its first week.
            i += weeks
                .get(i..)
                .map_or(0, |w| w.partition_point(|&w| (w as i64) < first_week).max(1));
            continue;
        };
        let (Some(&p), Some(&end)) = (periods.period_of.get(k), ends.get(k)) else {
            break; // after the map (weeks increase)
        };
        let stop = first_week + end as i64;
        let run = weeks
            .get(i..)
            .map_or(0, |w| w.partition_point(|&w| (w as i64) < stop))
            .max(1);
        let sum: u64 = downloads
            .get(i..i + run)
            .map_or(0, |d| d.iter().map(|&d| d as u64).sum());
        if sum > 0 {
            f(p as usize, sum);
        }
        i += run;
    }
}

/// Calls `f(period, downloads)` once per run of consecutive rows in the same period with positive
/// downloads. A model's weeks increase and periods do not decrease with the week, so each period
/// of a model is one run: no scratch space is needed.
#[inline]
pub fn period_runs(weeks: &[u16], downloads: &[u32], periods: &PeriodMap, f: impl FnMut(usize, u64)) {
    period_runs_before(weeks, downloads, periods, usize::MAX, f);
}

/// [`period_runs`] over the rows before the first one in period `stop` or later; returns how many
/// rows it read (rows of weeks outside the map are read and skipped).
#[inline]
pub fn period_runs_before(
    weeks: &[u16],
    downloads: &[u32],
    periods: &PeriodMap,
    stop: usize,
    mut f: impl FnMut(usize, u64),
) -> usize {
    let mut read = 0;
    let mut current = usize::MAX;
    let mut sum = 0u64;
    for (&wk, &d) in weeks.iter().zip(downloads) {
        let Some(p) = periods.of_week(wk as i32) else {
            read += 1;
            continue;
        };
        if p >= stop {
            break;
        }
        read += 1;
        if p != current {
            if sum > 0 {
                f(current, sum);
            }
            current = p;
            sum = 0;
        }
        sum += d as u64;
    }
    if sum > 0 {
        f(current, sum);
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{days_from_civil, week_of_day};

    fn week(y: i32, m: u32, d: u32) -> i32 {
        week_of_day(days_from_civil(y, m, d))
    }

    #[test]
    fn counting_ages_by_hand() {
        // Three units. Unit 0: models of ages 3 and 0, and one with no age but downloads
        // without a window. Unit 1: no kept model. Unit 2: a model of age 7 and one with nothing
        // at all. A model of no unit (99) and one past the units (5) are left out.
        let models = [
            (2, (Some(7), true)),
            (0, (None, true)),
            (0, (Some(3), true)),
            (99, (Some(0), true)),
            (2, (None, false)),
            (0, (Some(0), true)),
            (5, (Some(0), true)),
        ];
        let ages = CountingAges::build(3, models.into_iter());
        // Per window: unit 0 counts one model from 1 week, two from 4; unit 2 one from 8.
        let models_of = |u, w| ages.models(u, w);
        assert_eq!((models_of(0, Some(1)), models_of(0, Some(3))), (1, 1));
        assert_eq!((models_of(0, Some(4)), models_of(0, Some(1000))), (2, 2));
        assert_eq!(
            (models_of(0, None), models_of(1, None), models_of(2, None)),
            (3, 0, 1)
        );
        assert_eq!(
            (
                models_of(1, Some(1000)),
                models_of(2, Some(7)),
                models_of(2, Some(8))
            ),
            (0, 0, 1)
        );
        assert_eq!((models_of(3, Some(8)), models_of(3, None)), (0, 0));
        let units = [1, 4, 7, 8, 1000].map(|l| ages.units(Some(l)));
        assert_eq!((units, ages.units(None)), ([1, 1, 1, 2, 2], 2));
        // A unit whose models have downloads only before their creation week (no age) counts
        // without a window alone.
        let ages = CountingAges::build(2, [(0, (None, false)), (1, (None, true))].into_iter());
        assert_eq!(
            (ages.units(Some(1000)), ages.units(None), ages.models(1, None)),
            (0, 1, 1)
        );
        // Units whose least ages come in descending order.
        let ages = CountingAges::build(2, [(0, (Some(9), true)), (1, (Some(2), true))].into_iter());
        assert_eq!([3, 9, 10].map(|l| ages.units(Some(l))), [1, 1, 2]);
        let empty = CountingAges::build(0, std::iter::empty());
        assert_eq!(
            (empty.units(Some(52)), empty.units(None), empty.models(0, None)),
            (0, 0, 0)
        );
    }

    #[test]
    fn weekly_rows_add_into_their_weeks() {
        // A map of weeks 10..=14 (cells 0..5). By hand, factor 2:
        // gap-free rows in weeks 11, 12, 13 (1, 2, 3) → cells 1, 2, 3 get 2, 4, 6;
        // rows in weeks 10 and 14 (gap; 5, 7) → cells 0 and 4 get 10, 14;
        // gap-free rows in weeks 8..=11 (1, 1, 4, 8), partly before the map → cells 0, 1 get 8, 16;
        // gap-free rows in weeks 14, 15 (3, 9), partly after → cell 4 gets 6.
        let map = PeriodMap {
            first_week: 10,
            period_of: (0..5).collect(),
            labels: (0..5).map(|k| k.to_string()).collect(),
        };
        assert!(map.is_weekly());
        let cases: [(&[u16], &[u32], [f64; 5]); 4] = [
            (&[11, 12, 13], &[1, 2, 3], [0.0, 2.0, 4.0, 6.0, 0.0]),
            (&[10, 14], &[5, 7], [10.0, 0.0, 0.0, 0.0, 14.0]),
            (&[8, 9, 10, 11], &[1, 1, 4, 8], [8.0, 16.0, 0.0, 0.0, 0.0]),
            (&[14, 15], &[3, 9], [0.0, 0.0, 0.0, 0.0, 6.0]),
        ];
        for (weeks, downloads, want) in cases {
            let mut sums = [0.0; 5];
            add_rows(&mut sums, &map, true, weeks, downloads, 2.0);
            assert_eq!(sums, want, "{weeks:?}");
        }
    }

    #[test]
    fn paper_period_labels() {
        let cuts: Vec<i32> = ["2022-12-31", "2023-12-31", "2024-12-31"]
            .iter()
            .map(|c| parse_date(c).unwrap())
            .collect();
        assert_eq!(cut_labels(&cuts), vec!["≤2022", "2023", "2024", "≥2025"]);
        let odd = vec![days_from_civil(2024, 6, 30)];
        assert_eq!(cut_labels(&odd), vec!["≤2024-06-30", "≥2024-07-01"]);
        let two = vec![days_from_civil(2023, 3, 31), days_from_civil(2023, 12, 31)];
        assert_eq!(cut_labels(&two)[1], "2023-04-01..2023-12-31");
        // The week of Monday 2022-12-26 is ≤2022; Monday 2023-01-02 starts 2023.
        let map = period_map(Granularity::Periods, &cuts, week(2022, 12, 26), week(2025, 1, 6));
        assert_eq!(map.labels, vec!["≤2022", "2023", "2024", "≥2025"]);
        assert_eq!(map.of_week(week(2022, 12, 26)), Some(0));
        assert_eq!(map.of_week(week(2023, 1, 2)), Some(1));
        assert_eq!(map.of_week(week(2025, 1, 6)), Some(3));
        assert_eq!(map.of_week(week(2025, 1, 13)), None);
    }

    #[test]
    fn calendar_period_labels() {
        // Weeks of Mondays 2023-12-25 and 2024-01-01 .. 2024-04-01.
        let (a, b) = (week(2023, 12, 25), week(2024, 4, 1));
        let m = period_map(Granularity::Month, &[], a, b);
        assert_eq!(
            m.labels,
            vec!["2023-12", "2024-01", "2024-02", "2024-03", "2024-04"]
        );
        let q = period_map(Granularity::Quarter, &[], a, b);
        assert_eq!(q.labels, vec!["2023-Q4", "2024-Q1", "2024-Q2"]);
        let y = period_map(Granularity::Year, &[], a, b);
        assert_eq!(y.labels, vec!["2023", "2024"]);
        let w = period_map(Granularity::Week, &[], a, a + 1);
        assert_eq!(w.labels, vec!["2023-12-25", "2024-01-01"]);
        // The week of Monday 2024-01-29 (ending in February) is January's.
        assert_eq!(m.of_week(week(2024, 1, 29)), Some(1));
    }

    #[test]
    fn segments_equal_runs() {
        // Monthly periods over weeks 10..=30 (a week's period: (week − 10) / 4, a stand-in map),
        // and rows before, inside and after it, with zero-download rows among them.
        let periods = PeriodMap {
            first_week: 10,
            period_of: (0..21).map(|k| k / 4).collect(),
            labels: (0..6).map(|p| p.to_string()).collect(),
        };
        let ends = periods.run_ends();
        assert_eq!(&ends[..6], &[4, 4, 4, 4, 8, 8]);
        assert_eq!(ends[20], 21);
        let cases: [(&[u16], &[u32]); 5] = [
            (&[], &[]),
            (&[3, 5, 9], &[1, 2, 3]),
            (
                &[2, 10, 11, 13, 14, 19, 27, 30, 31, 40],
                &[5, 1, 2, 3, 0, 7, 0, 9, 4, 4],
            ),
            (&[12, 13, 14, 15], &[0, 0, 1, 0]),
            (&[31, 32], &[1, 1]),
        ];
        for (weeks, downloads) in cases {
            let (mut want, mut got) = (Vec::new(), Vec::new());
            period_runs(weeks, downloads, &periods, |p, s| want.push((p, s)));
            period_segments(weeks, downloads, &periods, &ends, |p, s| got.push((p, s)));
            assert_eq!(got, want, "{weeks:?}");
        }
        // Worked by hand for the third case: period 0 = weeks 10–13 (1+2+3), period 1 = 14–17
        // (0: no call), period 2 = 18–21 (7), period 4 = 26–29 (0), period 5 = 30 (9).
        let mut got = Vec::new();
        period_segments(cases[2].0, cases[2].1, &periods, &ends, |p, s| got.push((p, s)));
        assert_eq!(got, [(0, 6), (2, 7), (5, 9)]);
    }

    #[test]
    fn a_full_cache_drops_subsets_before_the_base() {
        // Keys ending in '?' stand for subsets.
        let subset = |k: &&str| k.ends_with('?');
        let mut cache: Vec<(&str, u8)> = Vec::new();
        for (k, v) in [("base", 0), ("x?", 1), ("y?", 2)] {
            push_keeping_the_base(&mut cache, (k, v), 3, subset);
        }
        push_keeping_the_base(&mut cache, ("z?", 3), 3, subset);
        assert_eq!(cache, vec![("base", 0), ("y?", 2), ("z?", 3)]);
        // No subset left to drop: the oldest goes.
        let mut cache = vec![("a", 0), ("b", 1)];
        push_keeping_the_base(&mut cache, ("c", 2), 2, subset);
        assert_eq!(cache, vec![("b", 1), ("c", 2)]);
    }

    #[test]
    fn empty_range_has_no_periods() {
        let m = period_map(Granularity::Week, &[], 10, 9);
        assert!(m.is_empty());
        assert_eq!(m.of_week(10), None);
    }
}
