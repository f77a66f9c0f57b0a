"""Reference MDI values from Funk's `cdindex` package (the CD index's reference implementation).

Builds small random lineage graphs (seeded), writes them and the package's CD and mCD values for
every model at three windows, for tests/lineage_reference.rs to compare against hubecon's MDI.

Mapping: a lineage edge "child derives from base" is a citation "child cites base"; the focal
model's references are its bases, its citers its derivatives. cdindex counts citers in
(t, t + delta], like the issue's window (t_F, t_F + W]; "unbounded" is delta = 10**7 days.
Models without bases get CD = 1 when they have derivatives, which is hubecon's --score-roots.

mCD: this cdindex (1.0.20) multiplies by `iindex`, which counts every citer dated up to t + delta,
also those dated on or before the focal vertex (impossible for citations, common in Hub metadata).
hubecon multiplies by the derivatives inside the window (n_i + n_j). Column `early` counts the
derivatives dated on or before the focal model; the two mCDs coincide where it is 0.

Run from the repository root (pip install cdindex==1.0.20):
    python3 tests/reference/lineage/mdi_cdindex.py tests/reference/lineage
"""
import csv
import math
import random
import sys

import cdindex

WINDOWS = [("30", 30), ("90", 90), ("unbounded", 10**7)]


def make_graph(rng, n, max_parents, day_span):
    # Days mostly increase with the index (derivatives after their bases), with ties and a few
    # swapped pairs so that some derivatives predate their bases.
    days = sorted(rng.randrange(day_span) for _ in range(n))
    for _ in range(n // 10):
        a, b = rng.randrange(n), rng.randrange(n)
        days[a], days[b] = days[b], days[a]
    parents = []
    for i in range(n):
        k = min(rng.choice([0, 1, 1, 1, 2, 2, 3][: 1 + 2 * max_parents]), i)
        chosen = []
        while len(chosen) < k:
            # Preferential towards popular early models, so that windows overlap.
            p = int(rng.random() ** 2 * i)
            if p not in chosen:
                chosen.append(p)
            # Sometimes also the base's own base: a consolidating merge.
            if len(chosen) < k and parents[p] and rng.random() < 0.5:
                q = parents[p][0]
                if q not in chosen:
                    chosen.append(q)
        parents.append(chosen)
    return days, parents


def main(out_dir):
    rng = random.Random(20261123)
    graphs = []
    for g, (n, max_parents, span) in enumerate([(12, 1, 60), (40, 2, 200), (80, 3, 300), (150, 3, 500), (200, 1, 400)]):
        days, parents = make_graph(rng, n, max_parents, span)
        graphs.append((g, days, parents))
    with open(f"{out_dir}/mdi_graphs.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["graph", "model", "day", "bases"])
        for g, days, parents in graphs:
            for i, d in enumerate(days):
                w.writerow([g, i, d, ";".join(str(p) for p in parents[i])])
    with open(f"{out_dir}/mdi_cdindex_expected.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["graph", "model", "window", "cd", "mcd", "early"])
        for g, days, parents in graphs:
            vs = [{"name": str(i), "time": d} for i, d in enumerate(days)]
            es = [{"source": str(i), "target": str(p)} for i, ps in enumerate(parents) for p in ps]
            graph = cdindex.Graph(vertices=vs, edges=es)
            early = [0] * len(days)
            for i, ps in enumerate(parents):
                for p in ps:
                    if days[i] <= days[p]:
                        early[p] += 1
            for i in range(len(days)):
                for label, delta in WINDOWS:
                    cd = graph.cdindex(str(i), delta)
                    mcd = graph.mcdindex(str(i), delta)
                    fmt = lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))
                    w.writerow([g, i, label, fmt(cd), fmt(mcd), early[i]])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
