#!/usr/bin/env python3
"""bench/results/SUMMARY.md from the raw results of scripts/bench.

    python3 bench/summarize.py bench/results [N ...] > bench/results/SUMMARY.md

Without N: every N with results in the folder.
"""
import json
import os
import platform
import subprocess
import sys

RUNTIMES = [("hubecon-native", "native"), ("hubecon-node", "wasm, Node"), ("hubecon-chromium", "wasm, Chromium")]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def text(path):
    try:
        with open(path) as f:
            return f.read().rstrip()
    except OSError:
        return None


def ms(x):
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def mib(x):
    return "–" if x is None else f"{x / 2**20:,.0f} MiB"


def main():
    results, ns = sys.argv[1], sys.argv[2:]
    if not ns:
        import re
        found = {int(m.group(1)) for f in os.listdir(results)
                 if (m := re.match(r"(?:hubecon-\w+|snapshot|views|peers)_N(\d+)\.", f))}
        ns = [str(n) for n in sorted(found)]
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    out = ["# hubecon benchmark results", "",
           f"Machine: {platform.machine()}, {cpu} cores (shared), {platform.system()} {platform.release()}. "
           "Command: `scripts/bench` (raw files beside this one). Times are medians in milliseconds "
           "after one warm-up call; `first` is the first call, which builds the cached indexes.", ""]
    for n in ns:
        runs = {k: load(os.path.join(results, f"{k}_N{n}.json")) for k, _ in RUNTIMES}
        present = [(k, label) for k, label in RUNTIMES if runs[k]]
        out += [f"## N = {int(n):,} models", ""]
        if present:
            any_run = next(runs[k] for k, _ in present)
            info = any_run.get("info") or {}
            out.append(f"Snapshot: {any_run.get('snapshot_bytes', 0):,} bytes, {info.get('models', '?'):,} models, "
                       f"{info.get('download_rows', '?'):,} weekly download rows, {info.get('first_week', '')} … "
                       f"{info.get('last_week', '')} ({'synthetic' if info.get('synthetic') else 'real'}).")
            out += ["", "| | " + " | ".join(label for _, label in present) + " |", "|---|" + "---:|" * len(present)]
            out.append("| Engine.load (parse + validate) | " + " | ".join(ms(runs[k].get("load_ms")) for k, _ in present) + " |")
            views = []
            for k, _ in present:
                for v in runs[k].get("views", {}):
                    if v not in views:
                        views.append(v)
            for v in views:
                cells = []
                for k, _ in present:
                    r = runs[k].get("views", {}).get(v)
                    cells.append("–" if not r else f"{ms(r.get('median_ms'))} (first {ms(r.get('first_ms'))})")
                out.append(f"| {v} | " + " | ".join(cells) + " |")
            out.append("| all views, one option set (wasm: `report`, rows as JS objects) | " + " | ".join(
                f"{ms(runs[k].get('all_views_ms'))} ({runs[k].get('all_views_count')} views)" for k, _ in present) + " |")
            out.append("| all views as CSV text (no JS objects) | " + " | ".join(
                ms(runs[k].get("all_views_csv_ms")) for k, _ in present) + " |")
            out.append("| one option change, every view again | " + " | ".join(
                ms(runs[k].get("option_change_ms")) for k, _ in present) + " |")
            out.append("| wasm memory after load / peak | " + " | ".join(
                "–" if k == "hubecon-native" else f"{mib(runs[k].get('memory_after_load_bytes'))} / "
                f"{mib(runs[k].get('memory_peak_bytes'))}" for k, _ in present) + " |")
            errors = {}
            for k, label in present:
                for name, e in (runs[k].get("errors") or {}).items():
                    errors.setdefault(name, []).append(f"{label}: {e}")
            if errors:
                out += ["", "Not measured (the view failed):", ""]
                out += [f"- {name}: {'; '.join(es)}" for name, es in errors.items()]
        for title, name in (("Snapshot build, size and native load (examples/bench_snapshot.rs)", f"snapshot_N{n}.txt"),
                            ("Economies views, native (examples/bench_views.rs)", f"views_N{n}.txt"),
                            ("Lineage, native (examples/bench_lineage.rs)", f"lineage_N{n}.txt")):
            t = text(os.path.join(results, name))
            if t:
                out += ["", f"### {title}", "", "```", t, "```"]
        peers = text(os.path.join(results, f"peers_N{n}.md"))
        if peers:
            out += ["", "### Side by side with the peers", "", peers]
        out.append("")
    lineage_ns = sorted({int(f[len("lineage-chromium_N"):-5]) for f in os.listdir(results)
                         if f.startswith("lineage-chromium_N") and f.endswith(".json")})
    if lineage_ns:
        out += ["## Lineage views in wasm (bench/queries-lineage.json)", "",
                "| N | runtime | load | mdi | mdi-summary | race-data | race | all four | MDI window change (all four via `report`, JS objects) | peak memory |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n in lineage_ns:
            for key, label in (("lineage-node", "wasm, Node"), ("lineage-chromium", "wasm, Chromium")):
                r = load(os.path.join(results, f"{key}_N{n}.json"))
                if not r:
                    continue
                v = r.get("views", {})
                out.append(f"| {n:,} | {label} | {ms(r.get('load_ms'))} | " + " | ".join(
                    ms((v.get(name) or {}).get("median_ms")) for name in ("mdi", "mdi-summary", "race-data", "race"))
                    + f" | {ms(r.get('all_views_csv_ms'))} (CSV) | {ms(r.get('option_change_ms'))} | "
                    f"{mib(r.get('memory_peak_bytes'))} |")
        out.append("")
    for extra in sorted(os.listdir(results)):
        if extra.startswith("lineage_N") and extra.endswith(".txt") and extra[9:-4] not in ns:
            out += [f"## Lineage, N = {int(extra[9:-4]):,} (native, examples/bench_lineage.rs)", "", "```",
                    text(os.path.join(results, extra)), "```", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
