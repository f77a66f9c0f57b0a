"""Independent reference numbers for the Economies views (issue 3).

Reads a hubecon snapshot with pyarrow and recomputes, with pandas / numpy / scipy and the
methodology written in docs/economies.md (not the Rust code), the main tables of several views
under several option sets. Writes one JSON file the Rust test `tests/economies_reference.rs` replays.

Command that produced tests/reference/economies/expected.json:

    cargo run -- build --source synthetic --models 3000 --seed 7 --out tests/fixtures/economies-3000.arrow
    python3 tests/reference/economies/reference.py tests/fixtures/economies-3000.arrow \
        > tests/reference/economies/expected.json

Needs numpy, pandas, scipy, pyarrow (scripts/requirements-dev.txt).
"""

import json
import sys
from graphlib import TopologicalSorter

import numpy as np
import pandas as pd
import pyarrow.ipc as ipc
from scipy.stats import chi2 as chi2_dist
from scipy.stats import chi2_contingency

WEEK_ORIGIN = 10959  # 2000-01-03, a Monday, as days since 1970-01-01
PAPER_CUTS = ["2022-12-31", "2023-12-31", "2024-12-31"]
PAPER_LABELS = ["≤2022", "2023", "2024", "≥2025"]


def day(text):
    return int((np.datetime64(text, "D") - np.datetime64("1970-01-01", "D")).astype(int))


def monday_of_week(week):
    return np.datetime64("1970-01-01", "D") + (WEEK_ORIGIN + 7 * np.asarray(week)).astype("timedelta64[D]")


class Snapshot:
    def __init__(self, path):
        table = ipc.open_file(open(path, "rb")).read_all()
        self.models = table.to_pandas()
        n = len(self.models)
        self.n = n
        self.models["created_day"] = [
            None if d is None or pd.isna(d) else (pd.Timestamp(d) - pd.Timestamp("1970-01-01")).days
            for d in self.models["created"]
        ]
        rows = []
        for i, weekly in enumerate(self.models["weekly_downloads"]):
            for item in weekly:
                rows.append((i, int(item["week"]), int(item["downloads"])))
        self.rows = pd.DataFrame(rows, columns=["model", "week", "downloads"])
        self.history_total = self.rows.groupby("model")["downloads"].sum().reindex(range(n), fill_value=0)
        first_week = self.rows.groupby("model")["week"].min()
        created_week = []
        for i, d in enumerate(self.models["created_day"]):
            if d is not None:
                created_week.append((d - WEEK_ORIGIN) // 7)
            elif i in first_week.index:
                created_week.append(int(first_week[i]))
            else:
                created_week.append(None)
        self.created_week = created_week
        # Base edges: (model, base, relation).
        self.edges = [
            (i, int(b["model"]), b["relation"]) for i, bases in enumerate(self.models["bases"]) for b in bases
        ]

    def counted_rows(self, window=52, min_downloads=200):
        """Rows after the population filter and the Rolling Window Filter."""
        keep = self.history_total >= min_downloads
        r = self.rows[self.rows["model"].map(keep)]
        if window is not None:
            c = r["model"].map(lambda m: self.created_week[m])
            age = r["week"] - c
            r = r[(age >= 0) & (age < window)]
        return r

    def roots(self, relations=None):
        """Distinct roots of every model, following only edges of the given relations."""
        parents = {i: [] for i in range(self.n)}
        for m, b, rel in self.edges:
            if relations is None or rel in relations:
                parents[m].append(b)
        roots = {}
        for m in TopologicalSorter(parents).static_order():
            if parents[m]:
                roots[m] = sorted(set().union(*(roots[b] for b in parents[m])))
            else:
                roots[m] = [m]
        return roots


def unit_column(s, level):
    return {
        "model": s.models["id"],
        "developer": s.models["author"],
        "country": s.models["country"],
        "org_type": s.models["org_type"],
    }[level]


def credited(s, rows, level, attribution):
    """Rows with a `unit` column and downloads scaled by the attribution weight; unknown units dropped."""
    units = unit_column(s, level)
    if attribution == "direct":
        out = rows.assign(unit=rows["model"].map(units), weight=1.0)
    else:
        roots = s.roots()
        pairs = [(m, r, 1.0 / len(roots[m])) for m in range(s.n) for r in roots[m]]
        credit = pd.DataFrame(pairs, columns=["model", "root", "weight"])
        credit["unit"] = credit["root"].map(units)
        # Several roots of one unit: one credit with the summed weight (the same sums either way).
        out = rows.merge(credit[["model", "unit", "weight"]], on="model")
    out = out[out["unit"].notna()].copy()
    out["value"] = out["downloads"] * out["weight"]
    return out


def period_labels(weeks, granularity):
    monday = monday_of_week(weeks)
    years = monday.astype("datetime64[Y]").astype(int) + 1970
    if granularity == "week":
        return pd.Series(monday.astype(str), index=weeks.index)
    if granularity == "year":
        return pd.Series(years.astype(str), index=weeks.index)
    if granularity == "periods":
        cuts = np.array([np.datetime64(c, "D") for c in PAPER_CUTS])
        idx = np.searchsorted(cuts, monday, side="left")
        return pd.Series(np.array(PAPER_LABELS)[idx], index=weeks.index)
    raise ValueError(granularity)


def all_periods(s, granularity):
    weeks = pd.Series(np.arange(s.rows["week"].min(), s.rows["week"].max() + 1))
    return list(dict.fromkeys(period_labels(weeks, granularity)))


def leaderboard(s, level, attribution="direct", window=52, min_downloads=200, top=10):
    c = credited(s, s.counted_rows(window, min_downloads), level, attribution)
    totals = c.groupby("unit")["value"].sum()
    totals = totals[totals > 0]
    total = totals.sum()
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [
        {"rank": i + 1, "key": k, "downloads": float(v), "share": float(v / total)}
        for i, (k, v) in enumerate(ranked)
    ]


def gini(x):
    x = np.sort(np.asarray([v for v in x if v > 0], dtype=float))
    n = len(x)
    if n == 0:
        return None
    # Mean absolute difference form, independent of the rank formula: G = Σ|xi − xj| / (2 n² mean).
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean()))


def concentration(s, level, granularity, attribution="direct", window=52, min_downloads=200):
    c = credited(s, s.counted_rows(window, min_downloads), level, attribution)
    c["period"] = period_labels(c["week"], granularity)
    per = c.groupby(["period", "unit"])["value"].sum()
    out = []
    for p in all_periods(s, granularity):
        x = per[p].values if p in per.index.get_level_values(0) else np.array([])
        x = x[x > 0]
        if len(x) == 0:
            out.append({"period": p, "units": 0, "total": 0.0, "hhi": None, "gini": None,
                        "top1": None, "top10": None, "top100": None})
            continue
        t = x.sum()
        desc = np.sort(x)[::-1]
        out.append({
            "period": p,
            "units": int(len(x)),
            "total": float(t),
            "hhi": float(((x / t) ** 2).sum()),
            "gini": gini(x),
            "top1": float(desc[:1].sum() / t),
            "top10": float(desc[:10].sum() / t),
            "top100": float(desc[:100].sum() / t),
        })
    return out


def shares(s, level, granularity, top, window=52, min_downloads=200):
    c = credited(s, s.counted_rows(window, min_downloads), level, "direct")
    totals = c.groupby("unit")["value"].sum()
    totals = totals[totals > 0]
    keys = [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    c["period"] = period_labels(c["week"], granularity)
    out = []
    for p in all_periods(s, granularity):
        cp = c[c["period"] == p]
        t = cp["value"].sum()
        for k in keys + ["rest"]:
            v = cp[~cp["unit"].isin(keys)]["value"].sum() if k == "rest" else cp[cp["unit"] == k]["value"].sum()
            out.append({"period": p, "key": k, "downloads": float(v), "share": float(v / t) if t > 0 else None})
    return out


def labels_of(s, attribute):
    """The labels of every model (a list per model; "(missing)" when none)."""
    col = s.models[attribute]
    out = []
    for v in col:
        if isinstance(v, (list, np.ndarray)):
            out.append(list(dict.fromkeys(v)) or ["(missing)"])
        elif v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(["(missing)"])
        else:
            out.append([str(v).lower() if isinstance(v, (bool, np.bool_)) else v])
    return out


def incidence(s, attribute, basis="downloads", window=52, min_downloads=200, before_until="2024-12-31"):
    split = np.datetime64(before_until, "D")
    labels = labels_of(s, attribute)
    if basis == "downloads":
        r = s.counted_rows(window, min_downloads)
        after = monday_of_week(r["week"]) > split
        freq = pd.DataFrame({"model": r["model"].values, "after": np.asarray(after).astype(int),
                             "w": r["downloads"].astype(float).values})
    else:
        keep = s.history_total >= min_downloads
        models = [i for i in range(s.n) if keep[i] and s.models["created_day"][i] is not None]
        created = np.array([np.datetime64("1970-01-01", "D") + int(s.models["created_day"][i]) for i in models])
        freq = pd.DataFrame({"model": models, "after": (created > split).astype(int), "w": 1.0})
    per_model = freq.groupby(["model", "after"])["w"].sum().unstack(fill_value=0.0)
    for col in (0, 1):
        if col not in per_model.columns:
            per_model[col] = 0.0
    tb, ta = per_model[0].sum(), per_model[1].sum()
    has = {}
    for m, (b, a) in zip(per_model.index, per_model[[0, 1]].values):
        for label in labels[m]:
            hb, ha = has.get(label, (0.0, 0.0))
            has[label] = (hb + b, ha + a)
    rows, table = [], []
    for value, (hb, ha) in has.items():
        if hb + ha <= 0:
            continue
        table.append([hb, ha])
        obs = np.array([[hb, ha], [tb - hb, ta - ha]])
        if (obs.sum(axis=0) > 0).all() and (obs.sum(axis=1) > 0).all():
            stat, p, dof, _ = chi2_contingency(obs, correction=False)
            stat, p = float(stat), float(p)
        else:
            stat, p = None, None
        before = hb / tb if tb > 0 else None
        after = ha / ta if ta > 0 else None
        rows.append({
            "attribute": attribute, "value": value, "before": before, "after": after,
            "ratio": after / before if before else None, "chi2": stat, "p": p,
        })
    table = np.array(table)
    table = table[:, table.sum(axis=0) > 0]
    stat, p, dof, _ = chi2_contingency(table, correction=False)
    overall = [{"attribute": attribute, "chi2": float(stat), "df": int(dof), "p": float(chi2_dist.sf(stat, dof))}]
    return rows, overall


def trends(s, attribute, granularity, window=52, min_downloads=200):
    r = s.counted_rows(window, min_downloads).copy()
    r["period"] = period_labels(r["week"], granularity)
    labels = labels_of(s, attribute)
    long = r.assign(value=r["model"].map(lambda m: labels[m])).explode("value")
    per = long.groupby(["period", "value"])["downloads"].sum()
    totals = r.groupby("period")["downloads"].sum()
    values = long.groupby("value")["downloads"].sum()
    values = values[values > 0].index
    out = []
    for p in all_periods(s, granularity):
        for v in values:
            x = float(per.get((p, v), 0.0))
            t = float(totals.get(p, 0.0))
            out.append({"period": p, "value": v, "downloads": x, "share": x / t if t > 0 else None})
    return out


def org_by_country(s, window=52, min_downloads=200):
    r = s.counted_rows(window, min_downloads)
    r = r.assign(country=r["model"].map(s.models["country"]), org_type=r["model"].map(s.models["org_type"]))
    r = r[r["country"].notna() & r["org_type"].notna()]
    per = r.groupby(["country", "org_type"])["downloads"].sum()
    per = per[per > 0]
    tot = per.groupby(level=0).sum()
    return [
        {"country": c, "org_type": o, "downloads": float(v), "share": float(v / tot[c])}
        for (c, o), v in per.items()
    ]


def case(view, options, rows, keys, table=None):
    return {"view": view, "options": options, "table": table, "keys": keys, "rows": rows}


def main(path):
    s = Snapshot(path)
    nowin = {"no-window": "true", "min-downloads": "0"}
    cases = [
        case("leaderboard", {"level": "developer"}, leaderboard(s, "developer"), ["rank"]),
        case("leaderboard", {"level": "country"}, leaderboard(s, "country"), ["rank"]),
        case("leaderboard", {"level": "model", "top": "20"}, leaderboard(s, "model", top=20), ["rank"]),
        case(
            "leaderboard",
            {**nowin, "level": "model", "attribution": "root"},
            leaderboard(s, "model", "root", window=None, min_downloads=0),
            ["rank"],
        ),
        case(
            "leaderboard",
            {"level": "developer", "attribution": "root", "top": "15"},
            leaderboard(s, "developer", "root", top=15),
            ["rank"],
        ),
        case(
            "concentration",
            {**nowin, "level": "developer", "granularity": "week"},
            concentration(s, "developer", "week", window=None, min_downloads=0),
            ["period"],
        ),
        case(
            "concentration",
            {"level": "developer", "granularity": "year"},
            concentration(s, "developer", "year"),
            ["period"],
        ),
        case(
            "concentration",
            {"level": "country", "granularity": "periods", "attribution": "root"},
            concentration(s, "country", "periods", attribution="root"),
            ["period"],
        ),
        case(
            "concentration",
            {"level": "model", "granularity": "year"},
            concentration(s, "model", "year"),
            ["period"],
        ),
        case(
            "shares",
            {"level": "developer", "granularity": "year", "top": "5"},
            shares(s, "developer", "year", 5),
            ["period", "key"],
        ),
        case(
            "shares",
            {"level": "country", "granularity": "periods", "top": "3"},
            shares(s, "country", "periods", 3),
            ["period", "key"],
        ),
        case(
            "trends",
            {**nowin, "attribute": "pipeline_tag", "granularity": "periods"},
            trends(s, "pipeline_tag", "periods", window=None, min_downloads=0),
            ["period", "value"],
        ),
        # Multi-label attributes: a model counts under each of its labels.
        case(
            "trends",
            {"attribute": "training_methods", "granularity": "week"},
            trends(s, "training_methods", "week"),
            ["period", "value"],
        ),
        case(
            "trends",
            {**nowin, "attribute": "languages", "granularity": "year"},
            trends(s, "languages", "year", window=None, min_downloads=0),
            ["period", "value"],
        ),
        case("org-by-country", {}, org_by_country(s), ["country", "org_type"]),
    ]
    for attribute, basis, extra in [
        ("pipeline_tag", "downloads", {}),
        ("license", "downloads", nowin),
        ("languages", "models", {}),
        ("training_methods", "downloads", {}),
    ]:
        window = None if extra else 52
        min_dl = 0 if extra else 200
        rows, overall = incidence(s, attribute, basis, window=window, min_downloads=min_dl)
        options = {**extra, "attribute": attribute, "basis": basis}
        cases.append(case("incidence", options, rows, ["attribute", "value"]))
        cases.append(case("incidence", options, overall, ["attribute"], table="overall"))
    json.dump({"snapshot": "tests/fixtures/economies-3000.arrow", "cases": cases}, sys.stdout, indent=1,
              ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
