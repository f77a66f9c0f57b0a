#!/usr/bin/env python3
"""The side-by-side of hubecon and its peers on the same data, with an agreement check.

    python3 bench/compare_peers.py --data DIR --results DIR --n N [--out FILE.md]

Reads, from --results: hubecon's suite outputs (hubecon-native_N<N>.json, hubecon-node_N<N>.json,
hubecon-chromium_N<N>.json: bench/suite.mjs / examples/bench_suite.rs), the peers' timings and
answers (duckdb-wasm_N<N>[_timings].json, arquero_N<N>[_timings].json) and the numpy reference
(reference_N<N>.json, ../shared/peers/reference.py on the same exported data). hubecon's answers
are put into the peers' shape (model ids through --data/models.arrow) and every runtime is compared
with the reference. Prints one markdown table of median times and one of agreement.
"""
import argparse
import datetime as dt
import json
import math
import os

import pyarrow.ipc as ipc

PEER_ORIGIN = dt.date(2020, 6, 1)
PERIODS = ["<=2022", "2023", "2024", ">=2025"]
HUBECON = [("hubecon-native", "hubecon native"), ("hubecon-node", "hubecon wasm (Node)"),
           ("hubecon-chromium", "hubecon wasm (Chromium)")]
PEERS = [("duckdb-wasm", "DuckDB-WASM"), ("arquero", "Arquero")]
QUERIES = ["q1", "q2", "q3", "q4"]


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def col(row, *names):
    for n in names:
        if n in row:
            return row[n]
    return None


def week_of(label):
    try:
        return (dt.date.fromisoformat(str(label)[:10]) - PEER_ORIGIN).days // 7
    except ValueError:
        return None


def period_of(label):
    s = str(label)
    for year, name in (("2022", "<=2022"), ("2023", "2023"), ("2024", "2024"), ("2025", ">=2025")):
        if year in s:
            return name
    return s


def to_peer_shape(answer, model_ids):
    """hubecon's rows of the peer queries (bench/queries.json) in the peers' result shape."""
    out = {}
    q1 = answer.get("q1", {}).get("answer")
    if q1 and len(q1) == 3:
        def top(rows, as_model):
            keys = [col(r, "key") for r in rows]
            return [[model_ids.get(k, k) if as_model else k, col(r, "downloads")] for k, r in zip(keys, rows)]
        out["q1"] = {"models": top(q1[0], True), "authors": top(q1[1], False), "countries": top(q1[2], False)}
    q2 = answer.get("q2", {}).get("answer")
    if q2:
        rows = []
        for r in q2[0]:
            w = week_of(col(r, "period"))
            if w is not None:
                rows.append([w, col(r, "total"), col(r, "units"), col(r, "hhi"), col(r, "top10"), col(r, "gini")])
        out["q2"] = rows
    q3 = answer.get("q3", {}).get("answer")
    if q3:
        rows = q3[0]
        roots = [[model_ids.get(col(r, "key"), col(r, "key")), col(r, "downloads"), col(r, "share")] for r in rows]
        total = roots[0][1] / roots[0][2] if roots and roots[0][2] else None
        out["q3"] = {"total": total, "roots": roots}
    q4 = answer.get("q4", {}).get("answer")
    if q4:
        shares = {p: {} for p in PERIODS}
        for r in q4[0]:
            value = col(r, "value", "key", "pipeline_tag", "label")
            share = col(r, "share")
            if share:
                shares.setdefault(period_of(col(r, "period")), {})[value] = share
        out["q4"] = {"shares": shares}
    return out


def max_diff_top(ref, got, rel_value=True):
    """(keys in the same order, max relative difference of the values)."""
    if got is None:
        return None
    keys_ok = [r[0] for r in ref] == [g[0] for g in got]
    by_key = {g[0]: g for g in got}
    d = 0.0
    for r in ref:
        g = by_key.get(r[0])
        if g is None:
            return keys_ok, math.inf
        for a, b in zip(r[1:], g[1:]):
            if a is None or b is None:
                d = max(d, 0.0 if a == b else math.inf)
            else:
                d = max(d, abs(a - b) / max(abs(a), 1e-300) if rel_value else abs(a - b))
    return keys_ok, d


def agreement(ref, got):
    """One short text per query: 'ok' or what differs (relative differences; 1e-9 counts as equal)."""
    res = {}
    if "q1" in got:
        parts = []
        for k in ("models", "authors", "countries"):
            # hubecon leaves unknown countries out of the country level (docs/economies.md).
            want = [r for r in ref["q1"][k] if r[0] != "(missing)"]
            have = [g for g in got["q1"][k] if g[0] != "(missing)"]
            keys_ok, d = max_diff_top(want, have[:len(want)])
            parts.append(f"{k}: {'same' if keys_ok else 'DIFFERENT'} keys, max rel diff {d:.1e}")
        res["q1"] = "; ".join(parts)
    if "q2" in got:
        by_week = {r[0]: r for r in got["q2"]}
        worst = {name: 0.0 for name in ("total", "n", "hhi", "top10", "gini")}
        compared = 0
        for r in ref["q2"]:
            g = by_week.get(r[0])
            if r[1] in (None, 0) or g is None:
                continue
            compared += 1
            for i, name in enumerate(worst, start=1):
                a, b = r[i], g[i]
                worst[name] = max(worst[name], math.inf if b is None else abs(a - b) / max(abs(a), 1e-300))
        res["q2"] = f"{compared} weeks; max rel diff " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    if "q3" in got:
        keys_ok, d = max_diff_top(ref["q3"]["roots"], got["q3"]["roots"])
        res["q3"] = f"{'same' if keys_ok else 'DIFFERENT'} roots, max rel diff {d:.1e}"
    if "q4" in got:
        d = 0.0
        for p, shares in ref["q4"]["shares"].items():
            g = got["q4"]["shares"].get(p, {})
            for tag, s in shares.items():
                d = max(d, abs(s - g.get(tag, 0.0)))
        res["q4"] = f"shares max abs diff {d:.1e}"
    return res


def fmt_ms(x):
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--n", required=True)
    ap.add_argument("--out")
    a = ap.parse_args()
    models = ipc.open_file(os.path.join(a.data, "models.arrow")).read_all()
    model_ids = {name: i for i, name in enumerate(models.column("name").to_pylist())}
    ref = load_json(os.path.join(a.results, f"reference_N{a.n}.json"))

    times = {}   # runtime -> {load, q1..q4} in ms
    answers = {}
    for key, _ in HUBECON:
        r = load_json(os.path.join(a.results, f"{key}_N{a.n}.json"))
        if r:
            times[key] = {"load": r.get("load_ms"), **{q: r.get("peer_queries", {}).get(q, {}).get("median_ms")
                                                      for q in QUERIES}}
            answers[key] = to_peer_shape(r.get("peer_queries", {}), model_ids)
    for key, _ in PEERS:
        t = load_json(os.path.join(a.results, f"{key}_N{a.n}_timings.json"))
        if t:
            med = t.get("median_s", {})
            times[key] = {k: (med.get(src) * 1e3 if med.get(src) is not None else None)
                          for k, src in (("load", "load_ipc"), ("q1", "q1"), ("q2", "q2"), ("q3", "q3"), ("q4", "q4"))}
            got = load_json(os.path.join(a.results, f"{key}_N{a.n}.json"))
            if got:
                answers[key] = got

    names = HUBECON + PEERS
    lines = [f"### N = {int(a.n):,} models: median milliseconds (same data, same run)", "",
             "| query | " + " | ".join(label for _, label in names) + " |",
             "|---|" + "---:|" * len(names)]
    labels = {"load": "load (IPC bytes → ready)", "q1": "Q1 leaderboards (window 52)",
              "q2": "Q2 weekly concentration", "q3": "Q3 root attribution", "q4": "Q4 pipeline-tag shares (+χ² for peers)"}
    for q in ["load"] + QUERIES:
        lines.append(f"| {labels[q]} | " + " | ".join(fmt_ms(times.get(k, {}).get(q)) for k, _ in names) + " |")
    lines.append("")
    if ref:
        lines += ["Agreement with the numpy reference (../shared/peers/reference.py on the same data):", ""]
        for key, label in names:
            if key in answers:
                for q, text in agreement(ref, answers[key]).items():
                    lines.append(f"- {label} {q.upper()}: {text}")
    else:
        lines.append("(no reference answers: agreement not checked)")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
