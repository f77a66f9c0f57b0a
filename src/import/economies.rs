//! The Economies of Open Intelligence release (`all_downloads_with_annotations.parquet`, native
//! only): one row per (model, weekly snapshot time) with the cumulative `downloadsAllTime`.
//!
//! Weekly downloads are the differences of the cumulative count between a model's consecutive
//! snapshots, assigned to the week that holds the last day before the later snapshot:
//! - a gap (snapshots more than 7 days apart): the difference is spread evenly over the weeks the
//!   gap covers (the remainder goes to the last week);
//! - a reset (the count falls below half of its highest value so far): the counter restarted, so the
//!   new value itself is the downloads since the reset;
//! - a smaller decrease: the week gets 0 and later differences are taken from the highest value
//!   seen, so nothing is counted twice;
//! - the count at a model's first snapshot (downloads before the history starts) goes to the week
//!   before that snapshot when the model was created at most 7 days earlier; otherwise it is kept
//!   in all-time downloads only.
//!
//! Each correction is counted in `meta.repairs`. All-time downloads = the first count plus all
//! weekly downloads; 30-day downloads are read off the weekly history (see
//! [`crate::import::rows::downloads_in_30_days`]).

use crate::import::parquet_read::{days, numbers, ParquetInput, Strs};
use crate::import::rows::{downloads_in_30_days, split_list, Rows};
use crate::snapshot::{Relation, Snapshot, SnapshotMeta};
use crate::time::{format_date, week_of_day, NO_DATE};
use crate::{Error, Result};

const REQUIRED: [&str; 4] = ["model", "time", "created", "downloadsAllTime"];

/// Columns read when present, in this order after [`REQUIRED`].
const OPTIONAL: [&str; 9] = [
    "author",
    "org_type",
    "org_country_single",
    "org_country",
    "derived_org_country_single",
    "derived_org_country",
    "merged_derived_from",
    "merged_languages",
    "merged_modality",
];

/// Reads the release into a snapshot.
pub fn import(path: &str) -> Result<Snapshot> {
    let input = ParquetInput::open(path)?;
    input.require(&REQUIRED)?;
    let file = input.file.clone();
    let wanted: Vec<&str> = REQUIRED.iter().chain(OPTIONAL.iter()).copied().collect();
    let mut rows = Rows::new();
    // Per model: (day of the snapshot, cumulative downloads).
    let mut observations: Vec<Vec<(i32, f64)>> = Vec::new();
    let mut has_links: Vec<bool> = Vec::new();
    let mut first_row = 0usize;
    let mut null_counts = 0usize;
    let mut bad_counts = 0usize;
    let mut missing_time = 0usize;
    input.read(&wanted, |columns, len| {
        let col = |k: usize| columns.get(k).and_then(|c| c.as_ref());
        let (Some(model_a), Some(time_a), Some(created_a), Some(count_a)) = (col(0), col(1), col(2), col(3))
        else {
            return Err(Error::input(&file, "a required column is missing from a batch"));
        };
        let model = Strs::new(model_a.as_ref(), &file, "model")?;
        let time = days(time_a.as_ref(), &file, "time", first_row)?;
        let created = days(created_a.as_ref(), &file, "created", first_row)?;
        let counts = numbers(count_a.as_ref(), &file, "downloadsAllTime")?;
        let text = |k: usize, name: &str| -> Result<Option<Strs<'_>>> {
            match col(k) {
                Some(a) => Strs::new(a.as_ref(), &file, name).map(Some),
                None => Ok(None),
            }
        };
        let author = text(4, "author")?;
        let org_type = text(5, "org_type")?;
        let countries = [
            text(6, "org_country_single")?,
            text(7, "org_country")?,
            text(8, "derived_org_country_single")?,
            text(9, "derived_org_country")?,
        ];
        let derived_from = text(10, "merged_derived_from")?;
        let languages = text(11, "merged_languages")?;
        let modality = text(12, "merged_modality")?;
        for i in 0..len {
            let Some(id) = model.get(i) else { continue };
            let row = rows.get_or_add(id);
            let r = row as usize;
            if observations.len() <= r {
                observations.resize_with(r + 1, Vec::new);
                has_links.resize(r + 1, false);
            }
            let count = counts.get(i).copied().unwrap_or(f64::NAN);
            match time.get(i).copied().flatten() {
                None => missing_time += 1,
                Some(_) if count.is_nan() => null_counts += 1,
                Some(_) if count < 0.0 => bad_counts += 1,
                Some(day) => {
                    if let Some(obs) = observations.get_mut(r) {
                        obs.push((day, count));
                    }
                }
            }
            // Attributes: the first non-null value seen for the model wins.
            if let Some(slot) = rows.created.get_mut(r) {
                if *slot == NO_DATE {
                    if let Some(d) = created.get(i).copied().flatten() {
                        *slot = d;
                    }
                }
            }
            if let Some(a) = author.as_ref().and_then(|a| a.get(i)) {
                if let Some(slot) = rows.author.get_mut(r) {
                    if slot.is_none() {
                        *slot = Some(a.to_string());
                    }
                }
            }
            if let Some(v) = org_type.as_ref().and_then(|a| a.get(i)) {
                set_if_empty(&mut rows, "org_type", row, v);
            }
            if let Some(v) = countries.iter().flatten().find_map(|c| c.get(i)) {
                // A multi-country value ("USA, China") keeps its first country.
                let first = split_list(v).into_iter().next().unwrap_or_else(|| v.to_string());
                set_if_empty(&mut rows, "country", row, &first);
            }
            if let Some(v) = languages.as_ref().and_then(|a| a.get(i)) {
                if rows
                    .multi
                    .first()
                    .and_then(|c| c.get(r))
                    .is_some_and(|l| l.is_empty())
                {
                    rows.set_multi("languages", row, split_list(v));
                }
            }
            if let Some(v) = modality.as_ref().and_then(|a| a.get(i)) {
                let (ins, outs) = parse_modality(v);
                if rows
                    .multi
                    .get(1)
                    .and_then(|c| c.get(r))
                    .is_some_and(|l| l.is_empty())
                {
                    rows.set_multi("input_modalities", row, ins);
                    rows.set_multi("output_modalities", row, outs);
                }
            }
            if let Some(v) = derived_from.as_ref().and_then(|a| a.get(i)) {
                if !has_links.get(r).copied().unwrap_or(true) {
                    for parent in split_list(v) {
                        rows.link(row, &parent, Relation::Other);
                    }
                    if let Some(h) = has_links.get_mut(r) {
                        *h = true;
                    }
                }
            }
        }
        first_row += len;
        Ok(())
    })?;
    observations.resize_with(rows.len(), Vec::new);

    let snapshot_day = observations.iter().flatten().map(|o| o.0).max();
    let mut stats = HistoryRepairs::default();
    for (r, obs) in observations.iter_mut().enumerate() {
        let created = rows.created.get(r).copied().unwrap_or(NO_DATE);
        let (weeks, all_time) = weekly_from_cumulative(obs, created, &mut stats);
        if let Some(slot) = rows.downloads_all_time.get_mut(r) {
            *slot = if obs.is_empty() { f64::NAN } else { all_time };
        }
        if let (Some(slot), Some(day)) = (rows.downloads_30d.get_mut(r), snapshot_day) {
            let (w, d): (Vec<u16>, Vec<u32>) = weeks.iter().copied().unzip();
            *slot = if obs.is_empty() {
                f64::NAN
            } else {
                downloads_in_30_days(&w, &d, day)
            };
        }
        if let Some(slot) = rows.weekly.get_mut(r) {
            *slot = weeks;
        }
    }
    if missing_time > 0 {
        rows.repairs
            .push(format!("{missing_time} rows without a snapshot time skipped"));
    }
    if null_counts > 0 {
        rows.repairs
            .push(format!("{null_counts} rows without downloadsAllTime skipped"));
    }
    if bad_counts > 0 {
        rows.repairs.push(format!(
            "{bad_counts} rows with a negative downloadsAllTime skipped"
        ));
    }
    rows.repairs.extend(stats.lines());
    let models = rows.len();
    rows.finish(SnapshotMeta {
        snapshot_date: snapshot_day.map(format_date).unwrap_or_default(),
        source: "economies".to_string(),
        synthetic: false,
        description: format!(
            "Economies of Open Intelligence release ({path}): {first_row} rows, {models} models; weekly downloads \
             are differences of downloadsAllTime"
        ),
        ..Default::default()
    })
}

fn set_if_empty(rows: &mut Rows, column: &str, row: u32, value: &str) {
    let k = crate::import::rows::SINGLE.iter().position(|n| *n == column);
    let empty = k
        .and_then(|k| rows.single.get(k))
        .and_then(|c| c.get(row as usize))
        .is_some_and(|v| v.is_none());
    if empty {
        rows.set_single(column, row, Some(value.to_string()));
    }
}

/// "Text → Text", "Text, Image -> Text": input and output modalities, lower-cased.
pub fn parse_modality(text: &str) -> (Vec<String>, Vec<String>) {
    let normalized = text.replace("->", "→").replace("=>", "→");
    let mut sides = normalized.splitn(2, '→');
    let side = |s: Option<&str>| -> Vec<String> {
        s.map(|s| {
            s.split([',', '+', '&', '/', ';'])
                .map(|x| x.trim().to_ascii_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    let ins = side(sides.next());
    let outs = side(sides.next());
    (ins, outs)
}

/// What the history reconstruction corrected.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HistoryRepairs {
    pub gaps: usize,
    pub resets: usize,
    pub decreases: usize,
    pub repeated_times: usize,
    pub unassigned_first_counts: usize,
}

impl HistoryRepairs {
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.repeated_times > 0 {
            out.push(format!(
                "{} repeated (model, time) rows: the larger count kept",
                self.repeated_times
            ));
        }
        if self.gaps > 0 {
            out.push(format!(
                "{} gaps of missing weeks: each difference spread evenly over the weeks it covers",
                self.gaps
            ));
        }
        if self.resets > 0 {
            out.push(format!(
                "{} counter resets (downloadsAllTime fell below half its peak): the new count taken as downloads since the reset",
                self.resets
            ));
        }
        if self.decreases > 0 {
            out.push(format!(
                "{} decreases of downloadsAllTime: the week counted 0, later weeks measured from the peak",
                self.decreases
            ));
        }
        if self.unassigned_first_counts > 0 {
            out.push(format!(
                "{} models created more than a week before their first snapshot: downloads before it kept in all-time only",
                self.unassigned_first_counts
            ));
        }
        out
    }
}

/// Weekly downloads `(week, downloads)` and all-time downloads from one model's `(day, cumulative)`
/// observations (sorted here). Empty observations give no weeks and 0. See the module docs for
/// the rules.
pub fn weekly_from_cumulative(
    observations: &mut Vec<(i32, f64)>,
    created: i32,
    stats: &mut HistoryRepairs,
) -> (Vec<(u16, u32)>, f64) {
    observations.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let before = observations.len();
    observations.dedup_by_key(|o| o.0); // keeps the first of each day: the larger count
    stats.repeated_times += before - observations.len();
    let mut weeks: Vec<(u16, u32)> = Vec::new();
    let Some(&(first_day, first_count)) = observations.first() else {
        return (weeks, 0.0);
    };
    let mut push = |week: i32, downloads: f64| {
        if downloads >= 1.0 && (0..=u16::MAX as i32).contains(&week) {
            weeks.push((week as u16, downloads.min(u32::MAX as f64) as u32));
        }
    };
    let mut all_time = first_count;
    if created != NO_DATE && first_day - created <= 7 {
        push(week_of_day(first_day - 1), first_count);
    } else if first_count > 0.0 {
        stats.unassigned_first_counts += 1;
    }
    let mut peak = first_count;
    let mut previous_day = first_day;
    for &(day, count) in observations.iter().skip(1) {
        let gained = if count >= peak {
            count - peak
        } else if count < peak / 2.0 {
            stats.resets += 1;
            count
        } else {
            stats.decreases += 1;
            0.0
        };
        peak = if count < peak / 2.0 {
            count
        } else {
            peak.max(count)
        };
        all_time += gained;
        // The difference counts the days previous_day ..= day - 1.
        let first_week = week_of_day(previous_day);
        let last_week = week_of_day(day - 1);
        let covered = last_week - first_week + 1;
        if covered > 1 {
            stats.gaps += 1;
            let whole = gained.round();
            let share = (whole / covered as f64).floor();
            for k in 0..covered {
                let amount = if k == covered - 1 {
                    whole - share * (covered - 1) as f64
                } else {
                    share
                };
                push(first_week + k, amount);
            }
        } else {
            push(last_week, gained.round());
        }
        previous_day = day;
    }
    (weeks, all_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    #[test]
    fn modality_sides() {
        assert_eq!(
            parse_modality("Text → Text"),
            (vec!["text".to_string()], vec!["text".to_string()])
        );
        assert_eq!(
            parse_modality("Text, Image -> Text"),
            (vec!["text".into(), "image".into()], vec!["text".into()])
        );
        assert_eq!(parse_modality(""), (vec![], vec![]));
    }

    #[test]
    fn differences_gaps_resets_and_decreases() {
        // Mondays 2024-01-08, -15, -22, then a gap to 02-12 (3 weeks), then a decrease and a reset.
        let d = |m, day| days_from_civil(2024, m, day);
        let created = d(1, 3);
        let mut obs = vec![
            (d(1, 8), 100.0),
            (d(1, 15), 150.0),
            (d(1, 22), 150.0),
            (d(2, 12), 450.0),
            (d(2, 19), 440.0),
            (d(2, 26), 460.0),
            (d(3, 4), 30.0),
            (d(1, 15), 120.0), // repeated time: 150 kept
        ];
        let mut stats = HistoryRepairs::default();
        let (weeks, all_time) = weekly_from_cumulative(&mut obs, created, &mut stats);
        let w = |m, day| week_of_day(d(m, day)) as u16;
        assert_eq!(
            weeks,
            vec![
                (w(1, 1), 100),  // first count: created 5 days before the first snapshot
                (w(1, 8), 50),   // 150 - 100
                (w(1, 22), 100), // the gap 01-22 .. 02-12 covers 3 weeks: 300 spread
                (w(1, 29), 100),
                (w(2, 5), 100),
                (w(2, 19), 10), // 440 was a decrease (0, dropped), 460 - peak 450 = 10
                (w(2, 26), 30), // reset: 30 < 460 / 2
            ]
        );
        assert_eq!(all_time, 100.0 + 50.0 + 300.0 + 10.0 + 30.0);
        assert_eq!(
            stats,
            HistoryRepairs {
                gaps: 1,
                resets: 1,
                decreases: 1,
                repeated_times: 1,
                unassigned_first_counts: 0
            }
        );
    }
}
