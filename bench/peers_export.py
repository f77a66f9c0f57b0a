#!/usr/bin/env python3
"""Writes a hubecon snapshot in the peers' input layout (../shared/peers/README.md), so that
DuckDB-WASM, Arquero and the numpy reference answer Q1-Q4 on the SAME data as hubecon.

    python3 bench/peers_export.py SNAPSHOT.arrow OUT_DIR

OUT_DIR gets models.arrow / models.lz4.arrow and downloads.arrow / downloads.lz4.arrow (Arrow IPC
files, 1 Mi-row batches) and meta.json. Mapping:
  model_id = row index; name = id; author, country, org_type, pipeline_tag, license as dictionaries;
  created_week = whole weeks from 2020-06-01 (a Monday, the peers' week 0) to the created date;
  base_model = the first base whose relation is not `merge`, else -1 (the peers have one parent;
  hubecon runs Q3 with relations finetune,adapter,quantized,other to match); relation of that link
  (`none` for roots); a missing category becomes `(missing)`, hubecon's label (hubecon leaves
  unknown countries out of the country level; compare_peers.py drops that key before comparing);
  downloads = the weekly_downloads lists flattened, week shifted to the same origin; weeks outside
  the peers' 0..264 are dropped (hubecon's peer queries stop at 2025-06-23 to match).
Needs pyarrow and numpy (scripts/requirements-dev.txt).
"""
import datetime as dt
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

PEER_ORIGIN = dt.date(2020, 6, 1)
PEER_WEEKS = 265
EPOCH = dt.date(1970, 1, 1)
HUBECON_WEEK_ORIGIN = dt.date(2000, 1, 3)  # src/time.rs WEEK_ORIGIN, also in the schema metadata


def as_dictionary(column, missing="(missing)"):
    """A dictionary column without nulls (the peers' scripts read the codes as plain numpy arrays);
    a missing value becomes `missing`, the label hubecon's views give it."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    column = pc.fill_null(column.cast(pa.string()), missing)
    return pc.dictionary_encode(column)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    with pa.memory_map(src) as f:
        table = ipc.open_file(f).read_all()
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    origin = HUBECON_WEEK_ORIGIN
    if meta.get("week_origin"):
        origin = dt.date.fromisoformat(meta["week_origin"][:10])
    shift = (PEER_ORIGIN - origin).days // 7
    n = table.num_rows

    created = table.column("created").combine_chunks()
    created_days = pc.cast(created, pa.int32()).to_numpy(zero_copy_only=False) if pa.types.is_date32(created.type) \
        else np.array([(d - EPOCH).days if d else 0 for d in created.to_pylist()], dtype=np.int32)
    created_week = np.floor_divide(created_days - (PEER_ORIGIN - EPOCH).days, 7).astype(np.int16)

    # First non-merge base of every model.
    bases = table.column("bases").combine_chunks()
    offsets = bases.offsets.to_numpy()
    flat = bases.flatten()
    base_idx = flat.field("model").cast(pa.int64()).to_numpy(zero_copy_only=False)
    rel = flat.field("relation")
    rel_text = np.array(rel.cast(pa.string()).to_pylist() if not pa.types.is_integer(rel.type)
                        else [["finetune", "adapter", "quantized", "merge", "other"][r] for r in rel.to_pylist()],
                        dtype=object)
    base_model = np.full(n, -1, dtype=np.int32)
    relation = np.full(n, "", dtype=object)
    for i in range(n):
        for j in range(offsets[i], offsets[i + 1]):
            if rel_text[j] != "merge":
                base_model[i] = base_idx[j]
                relation[i] = rel_text[j]
                break
    relation_arr = pc.dictionary_encode(pa.array([r if r else "none" for r in relation], pa.string()))

    def opt(name):
        if name in table.column_names:
            return as_dictionary(table.column(name))
        return as_dictionary(pa.nulls(n, pa.string()))

    params = table.column("params").combine_chunks().cast(pa.float64()) if "params" in table.column_names \
        else pa.nulls(n, pa.float64())
    likes = table.column("likes").combine_chunks() if "likes" in table.column_names else pa.nulls(n, pa.int64())
    likes = pc.cast(pc.fill_null(likes.cast(pa.float64()), 0), pa.int64())
    likes = pc.min_element_wise(likes, pa.scalar(2**31 - 1, pa.int64())).cast(pa.int32())
    models = pa.table({
        "model_id": pa.array(np.arange(n, dtype=np.int32)),
        "name": table.column("id").combine_chunks().cast(pa.string()),
        "author": as_dictionary(table.column("author")),
        "created_week": pa.array(created_week),
        "base_model": pa.array(base_model),
        "relation": relation_arr,
        "country": opt("country"),
        "org_type": opt("org_type"),
        "params": params,
        "likes": likes,
        "pipeline_tag": opt("pipeline_tag"),
        "license": opt("license"),
    })

    weekly = table.column("weekly_downloads").combine_chunks()
    w_off = weekly.offsets.to_numpy()
    w_flat = weekly.flatten()
    counts = np.diff(w_off)
    model_id = np.repeat(np.arange(n, dtype=np.int32), counts)
    week = (w_flat.field("week").cast(pa.int64()).to_numpy(zero_copy_only=False) - shift).astype(np.int16)
    dls = w_flat.field("downloads").cast(pa.int64()).to_numpy(zero_copy_only=False)
    # The peers' queries cover weeks 0..264 (2020-06-01 .. 2025-06-23); hubecon gets `to` = 2025-06-23.
    keep = (week >= 0) & (week < PEER_WEEKS)
    dropped = int((~keep).sum())
    downloads = pa.table({
        "model_id": pa.array(model_id[keep]),
        "week": pa.array(week[keep]),
        "downloads": pa.array(np.minimum(dls[keep], 2**31 - 1).astype(np.int32)),
    })

    os.makedirs(out, exist_ok=True)
    sizes = {}
    for name, tbl in (("models", models), ("downloads", downloads)):
        batches = tbl.to_batches(max_chunksize=1 << 20)
        for suffix, opts in ((".arrow", ipc.IpcWriteOptions()), (".lz4.arrow", ipc.IpcWriteOptions(compression="lz4"))):
            path = os.path.join(out, name + suffix)
            with ipc.new_file(path, tbl.schema, options=opts) as w:
                for b in batches:
                    w.write_batch(b)
            sizes[name + suffix] = os.path.getsize(path)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"n_models": n, "n_download_rows": downloads.num_rows, "source": f"hubecon snapshot {src}",
                   "content_hash": meta.get("content_hash", ""), "week_shift": shift, "rows_outside_weeks_0_264": dropped, "sizes": sizes}, f, indent=1)
    print(f"peers_export: {n} models, {downloads.num_rows} download rows -> {out}")


if __name__ == "__main__":
    main()
