//! The one option set every view reads. Defaults follow the papers. The CLI flags, the wasm face
//! and the dashboard's URL all go through [`Options::set`], so an option has one name and one parser
//! everywhere (`window-weeks` and `window_weeks` are the same option).

use serde::{Deserialize, Serialize};

use crate::snapshot::RelationSet;
use crate::time::parse_date;
use crate::{Error, Result};

/// Whose downloads a unit is credited with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// A model's downloads count for itself.
    Direct,
    /// A model's downloads count for the root(s) of its lineage (Recursive Model Attribution); a
    /// model with several roots splits them equally.
    Root,
}

/// The unit of a leaderboard, share or concentration view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Model,
    Developer,
    Country,
    OrgType,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Model => "model",
            Level::Developer => "developer",
            Level::Country => "country",
            Level::OrgType => "org_type",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Week,
    Month,
    Quarter,
    Year,
    /// The explicit periods of [`Options::periods`].
    Periods,
}

/// Weight of a model in the incidence view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Downloads,
    Models,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    // --- time ---
    /// Download weeks from this day on (`YYYY-MM-DD`), inclusive.
    pub from: Option<String>,
    /// Download weeks up to this day, inclusive.
    pub to: Option<String>,
    pub granularity: Granularity,
    /// Cut days of the explicit periods: `2022-12-31,2023-12-31,2024-12-31` gives the paper's
    /// ≤ 2022, 2023, 2024, ≥ 2025 (each cut is the last day of a period).
    pub periods: Vec<String>,
    /// Only models created in this range (leaderboard of "new" models).
    pub created_from: Option<String>,
    pub created_to: Option<String>,

    // --- Economies methodology ---
    /// Rolling Window Filter: a download in week w of a model created in week c counts only when
    /// 0 ≤ w − c < L. `None` = off.
    pub window_weeks: Option<u32>,
    pub attribution: Attribution,
    /// Relations that count as derivation; `None` = the view's default (attribution and MDI: all;
    /// race: finetune, adapter, merge).
    pub relations: Option<RelationSet>,
    /// Population filter: models with fewer total downloads are left out (paper: 200).
    pub min_downloads: f64,
    pub level: Level,
    /// Subsets: `attribute=value` conditions, all of which a model must meet.
    #[serde(rename = "where")]
    pub where_: Vec<String>,
    /// Rows of a leaderboard; units named in `shares` (the rest are summed as `rest`).
    pub top: usize,
    /// The attribute of the `trends` and `incidence` views (`incidence` without it: every attribute).
    pub attribute: Option<String>,
    /// Incidence: the last day of the "before" group (default 2024-12-31: < 2025 vs ≥ 2025).
    pub before_until: String,
    pub basis: Basis,
    /// Incidence: keep rows with p below this (paper: 0.001); `None` keeps all.
    pub max_p: Option<f64>,
    /// Bootstrap resamples for the HHI and Gini intervals (0 = none), and the seed.
    pub bootstrap: u32,
    pub seed: u64,

    // --- Model Disruption Index ---
    /// Window after the focal model's creation, in days; `None` = unbounded.
    pub window_days: Option<u32>,
    /// "Derives from" means "has as an ancestor".
    pub transitive: bool,
    /// Score models without base models too.
    pub score_roots: bool,
    /// The magnitude-weighted index (times the number of the focal model's derivatives).
    pub weighted: bool,

    // --- Racing to Release ---
    pub min_siblings: u32,
    pub crowding_days: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            from: None,
            to: None,
            granularity: Granularity::Week,
            periods: PAPER_PERIODS.iter().map(|s| s.to_string()).collect(),
            created_from: None,
            created_to: None,
            window_weeks: Some(52),
            attribution: Attribution::Direct,
            relations: None,
            min_downloads: 200.0,
            level: Level::Developer,
            where_: Vec::new(),
            top: 10,
            attribute: None,
            before_until: "2024-12-31".to_string(),
            basis: Basis::Downloads,
            max_p: None,
            bootstrap: 0,
            seed: 1,
            window_days: Some(90),
            transitive: false,
            score_roots: false,
            weighted: false,
            min_siblings: 5,
            crowding_days: 30,
        }
    }
}

/// The paper's periods: ≤ 2022, 2023, 2024, ≥ 2025.
pub const PAPER_PERIODS: [&str; 3] = ["2022-12-31", "2023-12-31", "2024-12-31"];

/// Every option name [`Options::set`] takes, in kebab case (snake case works too).
pub const OPTION_NAMES: [&str; 29] = [
    "from",
    "to",
    "granularity",
    "periods",
    "created-from",
    "created-to",
    "window-weeks",
    "no-window",
    "attribution",
    "relations",
    "min-downloads",
    "level",
    "where",
    "top",
    "attribute",
    "before-until",
    "basis",
    "max-p",
    "bootstrap",
    "seed",
    "window-days",
    "unbounded",
    "transitive",
    "score-roots",
    "weighted",
    "min-siblings",
    "crowding-days",
    "format",
    "snapshot",
];

fn parse_num<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::option(name, format!("'{value}' is not a valid number")))
}

fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.trim() {
        "" | "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(Error::option(name, format!("'{other}' is not true or false"))),
    }
}

fn check_date(name: &str, value: &str) -> Result<String> {
    parse_date(value).map_err(|e| Error::option(name, e.to_string()))?;
    Ok(value.trim().to_string())
}

fn optional_date(name: &str, value: &str) -> Result<Option<String>> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        check_date(name, value).map(Some)
    }
}

impl Options {
    /// Sets one option from its text form, as given on the CLI (`--window-weeks 26`) or in a URL.
    /// Flags without a value (`--no-window`, `--transitive`) take `""` or `true`/`false`.
    /// `format` and `snapshot` are accepted and ignored (they belong to the face, not the view).
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let key = name.trim().trim_start_matches("--").replace('_', "-");
        let v = value.trim();
        match key.as_str() {
            "from" => self.from = optional_date("from", v)?,
            "to" => self.to = optional_date("to", v)?,
            "granularity" => {
                self.granularity = match v {
                    "week" => Granularity::Week,
                    "month" => Granularity::Month,
                    "quarter" => Granularity::Quarter,
                    "year" => Granularity::Year,
                    "periods" | "paper" => Granularity::Periods,
                    _ => {
                        return Err(Error::option(
                            "granularity",
                            format!("'{v}' is not one of week, month, quarter, year, periods"),
                        ))
                    }
                }
            }
            "periods" => {
                let cuts: Vec<String> = v
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| check_date("periods", s))
                    .collect::<Result<_>>()?;
                let days: Vec<i32> = cuts.iter().filter_map(|c| parse_date(c).ok()).collect();
                if days.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(Error::option("periods", "cut dates must increase"));
                }
                self.periods = cuts;
                self.granularity = Granularity::Periods;
            }
            "created-from" => self.created_from = optional_date("created-from", v)?,
            "created-to" => self.created_to = optional_date("created-to", v)?,
            "window-weeks" => {
                if v.is_empty() || v == "off" || v == "none" {
                    self.window_weeks = None;
                } else {
                    let l: u32 = parse_num("window-weeks", v)?;
                    if l == 0 {
                        return Err(Error::option(
                            "window-weeks",
                            "must be at least 1 (use --no-window to turn the filter off)",
                        ));
                    }
                    self.window_weeks = Some(l);
                }
            }
            "no-window" => {
                if parse_bool("no-window", v)? {
                    self.window_weeks = None
                }
            }
            "attribution" => {
                self.attribution = match v {
                    "direct" => Attribution::Direct,
                    "root" | "roots" | "recursive" => Attribution::Root,
                    _ => {
                        return Err(Error::option(
                            "attribution",
                            format!("'{v}' is not direct or root"),
                        ))
                    }
                }
            }
            "relations" => {
                self.relations = if v.is_empty() || v == "default" {
                    None
                } else {
                    Some(RelationSet::parse(v)?)
                }
            }
            "min-downloads" => {
                let m: f64 = parse_num("min-downloads", v)?;
                if !m.is_finite() || m < 0.0 {
                    return Err(Error::option("min-downloads", "must be a number ≥ 0"));
                }
                self.min_downloads = m;
            }
            "level" => {
                self.level = match v {
                    "model" => Level::Model,
                    "developer" | "author" => Level::Developer,
                    "country" | "nation" => Level::Country,
                    "org_type" | "org-type" | "orgtype" => Level::OrgType,
                    _ => {
                        return Err(Error::option(
                            "level",
                            format!("'{v}' is not one of model, developer, country, org_type"),
                        ))
                    }
                }
            }
            "where" => {
                for cond in v.split(';').filter(|c| !c.trim().is_empty()) {
                    if !cond.contains('=') {
                        return Err(Error::option("where", format!("'{cond}' is not attribute=value")));
                    }
                    self.where_.push(cond.trim().to_string());
                }
            }
            "top" => {
                self.top = parse_num("top", v)?;
                if self.top == 0 {
                    return Err(Error::option("top", "must be at least 1"));
                }
            }
            "attribute" => self.attribute = if v.is_empty() { None } else { Some(v.to_string()) },
            "before-until" => self.before_until = check_date("before-until", v)?,
            "basis" => {
                self.basis = match v {
                    "downloads" => Basis::Downloads,
                    "models" => Basis::Models,
                    _ => {
                        return Err(Error::option(
                            "basis",
                            format!("'{v}' is not downloads or models"),
                        ))
                    }
                }
            }
            "max-p" => {
                self.max_p = if v.is_empty() || v == "none" {
                    None
                } else {
                    let p: f64 = parse_num("max-p", v)?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(Error::option("max-p", "must be between 0 and 1"));
                    }
                    Some(p)
                }
            }
            "bootstrap" => self.bootstrap = parse_num("bootstrap", v)?,
            "seed" => self.seed = parse_num("seed", v)?,
            "window-days" => {
                if v == "unbounded" || v == "none" || v.is_empty() {
                    self.window_days = None
                } else {
                    self.window_days = Some(parse_num("window-days", v)?)
                }
            }
            "unbounded" => {
                if parse_bool("unbounded", v)? {
                    self.window_days = None
                }
            }
            "transitive" => self.transitive = parse_bool("transitive", v)?,
            "score-roots" => self.score_roots = parse_bool("score-roots", v)?,
            "weighted" => self.weighted = parse_bool("weighted", v)?,
            "min-siblings" => self.min_siblings = parse_num("min-siblings", v)?,
            "crowding-days" => {
                self.crowding_days = parse_num("crowding-days", v)?;
                if self.crowding_days == 0 {
                    return Err(Error::option("crowding-days", "must be at least 1"));
                }
            }
            "format" | "snapshot" => {}
            _ => {
                return Err(Error::option(
                    name,
                    format!("unknown option; known options: {}", OPTION_NAMES.join(", ")),
                ))
            }
        }
        Ok(())
    }

    /// Options from `(name, value)` pairs, in order, on top of the defaults.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Options> {
        let mut o = Options::default();
        for (k, v) in pairs {
            o.set(k, v)?;
        }
        Ok(o)
    }

    /// Whether an option takes no value on the CLI (`--no-window`).
    pub fn is_flag(name: &str) -> bool {
        matches!(
            name.trim_start_matches("--").replace('_', "-").as_str(),
            "no-window" | "unbounded" | "transitive" | "score-roots" | "weighted"
        )
    }

    /// The relation set of a view whose default is `default`.
    pub fn relations_or(&self, default: RelationSet) -> RelationSet {
        self.relations.unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Relation;

    #[test]
    fn defaults_follow_the_paper() {
        let o = Options::default();
        assert_eq!(o.window_weeks, Some(52));
        assert_eq!(o.min_downloads, 200.0);
        assert_eq!(o.window_days, Some(90));
        assert_eq!(o.min_siblings, 5);
        assert_eq!(o.periods.len(), 3);
    }

    #[test]
    fn cli_and_url_names_are_the_same_option() {
        let o = Options::from_pairs([
            ("--window-weeks", "26"),
            ("level", "country"),
            ("relations", "finetune,merged"),
        ])
        .unwrap();
        assert_eq!(o.window_weeks, Some(26));
        assert_eq!(o.level, Level::Country);
        let r = o.relations.unwrap();
        assert!(
            r.contains(Relation::Finetune) && r.contains(Relation::Merge) && !r.contains(Relation::Adapter)
        );
        let o = Options::from_pairs([("no_window", ""), ("unbounded", "true")]).unwrap();
        assert_eq!(o.window_weeks, None);
        assert_eq!(o.window_days, None);
    }

    #[test]
    fn bad_values_name_the_option() {
        let e = Options::from_pairs([("level", "planet")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("level") && e.contains("planet"), "{e}");
        let e = Options::from_pairs([("from", "2024-13-01")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("from"), "{e}");
        let e = Options::from_pairs([("colour", "red")]).unwrap_err().to_string();
        assert!(e.contains("colour") && e.contains("unknown option"), "{e}");
        assert!(Options::from_pairs([("relations", "fork")]).is_err());
        assert!(Options::from_pairs([("periods", "2024-01-01,2023-01-01")]).is_err());
    }
}
