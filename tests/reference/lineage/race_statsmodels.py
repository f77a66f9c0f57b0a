"""Reference estimates for the three Racing-to-Release specifications, from statsmodels.

Reads a `hubecon report race-data` CSV and fits, for ln_downloads and ln_likes:
  pooled         OLS with a constant, cov_type='HC1'
  base_fe        OLS with one dummy per base (no constant), cov_type='cluster' by base
  base_month_fe  OLS with one dummy per (base, release month) cell, cov_type='cluster' by base
all with use_t=True; statsmodels' cluster defaults apply: the CR1 factor
G/(G-1) * (N-1)/(N-K) with K counting the dummies, and t with G-1 degrees of freedom
(`df_resid_inference`). Regressors are built exactly as src/race.rs documents them.
Only the slope terms are written (the dummies are what hubecon absorbs).

Run from the repository root (pip install numpy pandas statsmodels):
    python3 tests/reference/lineage/race_statsmodels.py \
        tests/reference/lineage/race_data.csv tests/reference/lineage/race_statsmodels_expected.csv
"""
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm

SLOPES = ["release_percentile", "ln_crowding", "ln_params", "params_missing", "adapter", "merge", "author_prior"]


def main(data_path, out_path):
    d = pd.read_csv(data_path)
    d["release_percentile"] = d["percentile"]
    d["ln_crowding"] = np.log1p(d["crowding"].astype(float))
    d["adapter"] = (d["relation"] == "adapter").astype(float)
    d["merge"] = (d["relation"] == "merge").astype(float)
    base_code = pd.factorize(d["base"])[0]
    cell_code = pd.factorize(d["base"].astype(str) + "|" + d["release_month"].astype(str))[0]
    rows = []
    for outcome in ["ln_downloads", "ln_likes"]:
        y = d[outcome].to_numpy(float)
        specs = []
        x = d[SLOPES].copy()
        x.insert(0, "const", 1.0)
        x["base_prominence"] = d["base_prominence"]
        specs.append(("pooled", x, dict(cov_type="HC1"), None))
        for name, code in [("base_fe", base_code), ("base_month_fe", cell_code)]:
            dummies = pd.get_dummies(code, prefix="fe", dtype=float)
            xf = pd.concat([d[SLOPES].reset_index(drop=True), dummies], axis=1)
            specs.append((name, xf, dict(cov_type="cluster", cov_kwds={"groups": base_code}), len(dummies.columns)))
        for name, x, cov, groups in specs:
            assert np.linalg.matrix_rank(x.to_numpy()) == x.shape[1], f"{name}: collinear design"
            res = sm.OLS(y, x).fit(use_t=True, **cov)
            df = getattr(res, "df_resid_inference", None) or res.df_resid
            for term in x.columns:
                if term.startswith("fe_"):
                    continue
                num = lambda v: repr(float(v))
                rows.append(dict(spec=name, outcome=outcome, term=term,
                                 estimate=num(res.params[term]), std_error=num(res.bse[term]),
                                 t=num(res.tvalues[term]), p=num(res.pvalues[term]),
                                 n=int(res.nobs), groups="" if groups is None else groups,
                                 r2=num(res.rsquared), df=num(df)))
    pd.DataFrame(rows).to_csv(out_path, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
