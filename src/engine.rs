//! A loaded snapshot and the indexes derived from it, built once on first use and kept, so that a
//! change of one option recomputes views without rebuilding them.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use crate::disruption::{Mdi, MdiParams};
use crate::lineage::LineageIndex;
use crate::options::{Attribution, Level, Options};
use crate::snapshot::Snapshot;
use crate::views::{self, Report};
use crate::Result;

/// The unit-level weekly measures `Engine::prepare` makes for root attribution: the roots' and
/// their developers'.
const ROOT_MEASURES: [(Level, Attribution); 2] = [
    (Level::Model, Attribution::Root),
    (Level::Developer, Attribution::Root),
];

pub struct Engine {
    pub snapshot: Snapshot,
    lineage: OnceCell<LineageIndex>,
    economies: crate::aggregate::EconomiesCache,
    /// The last MDI computed, with its options: the `mdi-summary` box reads `top` too, and a
    /// change of it (or of the window, which the box ignores) would compute the index again.
    last_mdi: RefCell<Option<(MdiParams, Rc<Mdi>)>>,
}

impl Engine {
    pub fn new(snapshot: Snapshot) -> Self {
        Engine {
            snapshot,
            lineage: OnceCell::new(),
            economies: Default::default(),
            last_mdi: RefCell::new(None),
        }
    }

    pub fn from_ipc(bytes: &[u8]) -> Result<Self> {
        Ok(Engine::new(Snapshot::from_ipc(bytes)?))
    }

    /// Children and parents of every model (built on first use).
    pub fn lineage(&self) -> &LineageIndex {
        self.lineage.get_or_init(|| LineageIndex::build(&self.snapshot))
    }

    /// The Model Disruption Index of `params` ([`crate::disruption::compute`]); the last one is
    /// kept.
    pub fn mdi(&self, params: &MdiParams) -> Result<Rc<Mdi>> {
        if let Some((p, m)) = self.last_mdi.borrow().as_ref() {
            if p == params {
                return Ok(m.clone());
            }
        }
        let m = Rc::new(crate::disruption::compute(
            self.lineage(),
            &self.snapshot.created,
            params,
        )?);
        *self.last_mdi.borrow_mut() = Some((*params, m.clone()));
        Ok(m)
    }

    /// Indexes of the Economies views (roots, window ranges, credits ...), built on first use.
    pub fn economies(&self) -> &crate::aggregate::EconomiesCache {
        &self.economies
    }

    /// Forgets the results cached for particular option values (see
    /// [`crate::aggregate::EconomiesCache::clear_option_caches`]); the indexes stay.
    pub fn clear_option_caches(&self) {
        self.economies.clear_option_caches();
        self.last_mdi.borrow_mut().take();
    }

    /// Builds ahead of need what makes later changes of the window faster for the population
    /// filter of `options`: the kept rows in week and age order, which the weekly model-level
    /// concentration then reads ([`crate::week_rows`]), the kept models' label sets of every
    /// attribute the incidence view tests ([`crate::incidence::LabelSets`]), the weekly
    /// concentration measures of every window length of the developers
    /// ([`crate::week_rows::UnitWeekMeasuresBuild`]), which the weekly concentration at that
    /// level then reads instead of measuring each week again (and, with root attribution, those of
    /// the roots and of their developers: first when the options ask for root attribution, else
    /// last, ready for a switch to it), the weekly sums per country and
    /// per label of the options' attribute and per (country, org type)
    /// ([`crate::week_rows::WeekGroupSums`]), which the views at the country level, the trends
    /// of that attribute and org-by-country read instead of the rows,
    /// the models' measures ([`crate::week_rows::WeekMeasures`]), the rows of the models with
    /// half the minimum of downloads or more that the filter leaves out
    /// ([`crate::week_rows::LowerTier`], with each entry's country and developer; a lower
    /// minimum's model, developer and country levels read it with the last filter's rows, whose
    /// entries' developers the developers' measures build keeps), the values of each week under
    /// the window of `options` as counts, for the models and the developers
    /// ([`crate::week_rows::WeekCounts`], [`crate::week_rows::DeveloperWeekCounts`]: a lower
    /// minimum's concentration then reads no entry of the layout), and for the leaderboards of
    /// models, developers and countries when each unit's models start to count
    /// ([`crate::aggregate::CountingAges`]) and the bounds of the search of the top models and
    /// developers, which let a leaderboard skip every kept model's total; then, once for all
    /// population filters, the sizes view's (year, model) pairs of every model
    /// ([`crate::sizes::SizePairsBuild`]) and the label sets of every model
    /// ([`crate::incidence::LabelSetsBuild`]), from which a new filter's are taken; last, root
    /// attribution's weekly sums per country and per top developer, with the top developers
    /// ranked under `options` ([`crate::aggregate::Groups::RootUnits`]), which a switch to root
    /// attribution reads instead of the rows. For interactive use,
    /// when idle; a single report does not need it. Returns whether the week-order layout is there
    /// (not for a snapshot without weekly history, nor when the kept rows are too many).
    pub fn prepare(&self, options: &Options) -> Result<bool> {
        loop {
            if let Some(made) = self.prepare_step(options, usize::MAX)? {
                return Ok(made);
            }
        }
    }

    /// [`Engine::prepare`] a slice at a time, for a page that must stay responsive: each call does
    /// at most `budget` kept models' worth of the week-order build, or then the label sets of one
    /// attribute, or then as much of the developers' measures, the country sums, the label sums,
    /// the models' measures, or then of the leaderboards' (at 1 M
    /// models, slices of 8192 took at most 22–41 ms in Chromium), and resumes
    /// where the last call for the same population filter stopped. `None` while work is left,
    /// else what [`Engine::prepare`] returns.
    pub fn prepare_step(&self, options: &Options, budget: usize) -> Result<Option<bool>> {
        let Some(made) = self
            .economies
            .prepare_week_rows_step(&self.snapshot, options, budget)?
        else {
            return Ok(None);
        };
        if !crate::views::economies::prepare_label_sets_step(self, options)? {
            return Ok(None);
        }
        if !self.prepare_unit_measures_step(options, &[(Level::Developer, Attribution::Direct)], budget)? {
            return Ok(None);
        }
        let root = options.attribution == Attribution::Root;
        if root && !self.prepare_unit_measures_step(options, &ROOT_MEASURES, budget)? {
            return Ok(None);
        }
        if self
            .economies
            .prepare_unit_week_sums_step(&self.snapshot, options, Level::Country, budget)?
            .is_none()
        {
            return Ok(None);
        }
        if crate::views::economies::prepare_label_week_sums_step(self, options, budget)?.is_none() {
            return Ok(None);
        }
        if crate::views::economies::prepare_incidence_sums_step(self, options, budget)?.is_none() {
            return Ok(None);
        }
        if crate::views::economies::prepare_country_org_sums_step(self, options, budget)?.is_none() {
            return Ok(None);
        }
        if self
            .economies
            .prepare_week_measures_step(options, budget)
            .is_none()
        {
            return Ok(None);
        }
        if self
            .economies
            .prepare_lower_tier_step(&self.snapshot, options, budget)?
            .is_none()
        {
            return Ok(None);
        }
        if self.economies.prepare_week_counts_step(options, budget).is_none() {
            return Ok(None);
        }
        if self
            .economies
            .prepare_developer_week_counts_step(&self.snapshot, options, budget)
            .is_none()
        {
            return Ok(None);
        }
        if made && !crate::views::economies::prepare_leaderboards_step(self, options, budget)? {
            return Ok(None);
        }
        if !crate::views::economies::prepare_period_measures_step(self, options, budget)? {
            return Ok(None);
        }
        if !crate::views::economies::prepare_all_size_pairs_step(self, options, budget)? {
            return Ok(None);
        }
        if !crate::views::economies::prepare_all_label_sets_step(self, budget)? {
            return Ok(None);
        }
        // Last, with direct attribution: the roots' measures, ready for a switch to root
        // attribution (the study's Recursive Model Attribution).
        if !root && !self.prepare_unit_measures_step(options, &ROOT_MEASURES, budget)? {
            return Ok(None);
        }
        // And root attribution's weekly sums per country and top developer (their credits
        // first), which the shares and concentration screens' country and developer boxes read
        // after a switch to root attribution instead of the rows.
        if crate::views::economies::prepare_root_unit_sums_step(self, options, budget)?.is_none() {
            return Ok(None);
        }
        Ok(Some(made))
    }

    /// A slice of [`EconomiesCache::prepare_unit_week_measures_step`] for the first of `wanted`
    /// (level, attribution) not yet made; whether all are.
    fn prepare_unit_measures_step(
        &self,
        options: &Options,
        wanted: &[(Level, Attribution)],
        budget: usize,
    ) -> Result<bool> {
        for &(level, attribution) in wanted {
            if self
                .economies
                .prepare_unit_week_measures_step(&self.snapshot, options, level, attribution, budget)?
                .is_none()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Computes one view (see [`views::VIEWS`]).
    pub fn report(&self, view: &str, options: &Options) -> Result<Report> {
        views::run(self, view, options)
    }
}
