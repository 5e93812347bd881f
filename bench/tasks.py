"""Benchmark workers, each run in its own process by :mod:`bench.run`.

``python -m bench.tasks TASK '<json arguments>'`` runs one task and prints one
line ``RESULT {json}`` with the measured ``seconds`` and the process's peak
resident memory ``peak_rss_mb`` (``VmHWM``); results (estimates) are written to
the ``out`` path for the accuracy comparisons.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident set size of this process (MB), from /proc/self/status (VmHWM)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _key(frame, by):
    """``"year=2010&sex=1"`` per row (R script's key format)."""
    import pandas as pd
    if not by:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    out = None
    for b in by:
        part = f"{b}=" + frame[b].astype("int64").astype(str)
        out = part if out is None else out + "&" + part
    return out


def _tidy(g, sets):
    """drugtrends grid -> by_set, key, variable, estimate, se, deff."""
    import pandas as pd
    parts = []
    for s in sets:
        sub = g[g["by_set"] == "+".join(s)]
        parts.append(pd.DataFrame({"by_set": "+".join(s), "key": _key(sub, s).to_numpy(),
                                   "variable": sub["variable"].to_numpy(),
                                   "estimate": sub["estimate"].to_numpy(), "se": sub["se"].to_numpy(),
                                   "deff": sub["deff"].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def drugtrends_grid(data, sets, outcomes, out, repeats=3, weight="weight", strata="stratum", psu="psu"):
    import pandas as pd

    from drugtrends.survey import SurveyDesign
    df = pd.read_parquet(data)
    sets = [tuple(s) for s in sets]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        des = SurveyDesign(df, weight=weight, strata=strata, psu=psu)
        g = des.grid(outcomes, sets)
        times.append(time.perf_counter() - t0)
    _tidy(g, sets).to_parquet(out)
    return {"seconds": statistics.median(times), "seconds_all": times, "rows": len(g)}


def duckdb_parquet_grid(data, sets, outcomes, out, repeats=1):
    import duckdb

    from drugtrends.survey import SurveyDesign
    sets = [tuple(s) for s in sets]
    times = []
    for _ in range(repeats):
        con = duckdb.connect()
        con.execute("SET threads = 2")
        t0 = time.perf_counter()
        des = SurveyDesign.from_parquet(data, "weight", "stratum", "psu", connection=con)
        g = des.grid(outcomes, sets)
        times.append(time.perf_counter() - t0)
    _tidy(g, sets).to_parquet(out)
    return {"seconds": statistics.median(times), "seconds_all": times, "rows": len(g)}


def spark_grid(data, sets, outcomes, out):
    import logging

    from drugtrends.survey.spark import from_spark, local_session, spark_available
    ok, why = spark_available()
    if not ok:
        return {"skipped": why}
    logging.getLogger("py4j").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    spark = local_session(cores=2)
    spark.sparkContext.setLogLevel("ERROR")
    t_session = time.perf_counter() - t0
    sets = [tuple(s) for s in sets]
    times = []
    for _ in range(2):   # the first run includes JIT / code generation warm-up
        t0 = time.perf_counter()
        g = from_spark(str(data), "weight", "stratum", "psu", spark=spark).grid(outcomes, sets)
        times.append(time.perf_counter() - t0)
    _tidy(g, sets).to_parquet(out)
    import pyspark
    spark.stop()
    return {"seconds": times[-1], "seconds_all": times, "session_seconds": t_session,
            "version": pyspark.__version__, "rows": len(g)}


def svy_grid(data, sets, outcomes, out):
    try:
        import polars as pl
        import svy
    except ImportError as exc:
        return {"skipped": f"svy not installed ({exc}); pip install svy==0.35.0"}
    import pandas as pd
    df = pl.read_parquet(data)
    parts = []
    t0 = time.perf_counter()
    sample = svy.Sample(df, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
    for s in sets:
        res = sample.estimation.mean(y=list(outcomes), by=list(s), deff="wor")
        for v, e in zip(outcomes, res):
            parts.append((s, v, e.to_polars()))
    seconds = time.perf_counter() - t0
    rows = []
    for s, v, fr in parts:
        p = fr.to_pandas()
        rows.append(pd.DataFrame({"by_set": "+".join(s), "key": _key(p, s).to_numpy(), "variable": v,
                                  "estimate": p["est"].to_numpy(), "se": p["se"].to_numpy(),
                                  "deff": p["deff"].to_numpy()}))
    pd.concat(rows, ignore_index=True).to_parquet(out)
    return {"seconds": seconds, "version": svy.__version__}


def samplics_subset(data, sets, outcomes, out):
    warnings.filterwarnings("ignore")
    try:
        import samplics
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam
    except ImportError as exc:
        return {"skipped": f"samplics not installed ({exc}); pip install samplics==0.6.1"}
    import pandas as pd
    df = pd.read_parquet(data)
    rows = []
    doms = {tuple(s): _key(df, s).to_numpy() for s in sets}
    t0 = time.perf_counter()
    for s in sets:
        dom = doms[tuple(s)]
        for v in outcomes:
            est = TaylorEstimator(PopParam.mean)
            est.estimate(y=df[v].to_numpy(float), samp_weight=df["weight"].to_numpy(),
                         stratum=df["stratum"].to_numpy(), psu=df["psu"].to_numpy(), domain=dom,
                         deff=True, remove_nan=False)
            for k in est.point_est:
                rows.append({"by_set": "+".join(s), "key": k, "variable": v,
                             "estimate": float(est.point_est[k]), "se": float(est.stderror[k]),
                             "deff": float(est.deff[k]) if isinstance(est.deff, dict) and k in est.deff
                             else float("nan")})
    seconds = time.perf_counter() - t0
    pd.DataFrame(rows).to_parquet(out)
    return {"seconds": seconds, "version": getattr(samplics, "__version__", "?")}


def teds_profile(data, out, memory_limit="1GB", threads=2):
    import duckdb

    try:
        from drugtrends.admissions import DEFAULT_CHARACTERISTICS, admissions_profile
    except ImportError as exc:  # pragma: no cover - the module ships with drugtrends
        return {"skipped": f"drugtrends.admissions not available ({exc})"}
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    t0 = time.perf_counter()
    r = admissions_profile(data, by=("ADMYR", "SUB1"), characteristics=DEFAULT_CHARACTERISTICS,
                           connection=con)
    seconds = time.perf_counter() - t0
    n = con.execute(f"SELECT COUNT(*) FROM read_parquet('{Path(data) / '*.parquet'}')").fetchone()[0]
    total = int(r.groupby(["ADMYR", "SUB1", "characteristic"]).n_total.first()
                .groupby("characteristic").sum().min())
    r.to_parquet(out)
    return {"seconds": seconds, "rows": len(r), "admissions": int(n), "admissions_in_profile": total,
            "duckdb": duckdb.__version__}


def _tidy_mean(r, s, label):
    """One estimator result -> by_set, design, key, variable, estimate, se."""
    import pandas as pd
    return pd.DataFrame({"by_set": "+".join(s), "design": label, "key": _key(r, s).to_numpy(),
                         "variable": r["variable"].to_numpy(), "estimate": r["estimate"].to_numpy(),
                         "se": r["se"].to_numpy()})


def drugtrends_mean(data, sets, outcomes, out, repeats=3):
    """The everyday call ``des.mean(outcomes, by=set)``, one call per set (design built once,
    not timed, as in R); median of ``repeats`` runs per set."""
    import pandas as pd

    from drugtrends.survey import SurveyDesign
    df = pd.read_parquet(data)
    des = SurveyDesign(df, weight="weight", strata="stratum", psu="psu")
    res, parts = {}, []
    for s in sets:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = des.mean(outcomes, by=list(s))
            times.append(time.perf_counter() - t0)
        res["+".join(s)] = {"seconds": statistics.median(times), "seconds_all": times, "rows": len(r)}
        parts.append(_tidy_mean(r, s, "taylor"))
    pd.concat(parts, ignore_index=True).to_parquet(out)
    return {"by_set": res}


def drugtrends_replicate_mean(data, factors, sets, outcomes, out, repeats=3):
    """``des.mean(outcomes, by=set)`` on a BRR replicate design (weights x factors table)."""
    import numpy as np
    import pandas as pd

    from drugtrends.survey import SurveyDesign
    df = pd.read_parquet(data)
    fac = pd.read_csv(factors)
    reps = [c for c in fac.columns if c.startswith("r")]
    idx = pd.MultiIndex.from_frame(fac[["stratum", "psu"]]).get_indexer(
        pd.MultiIndex.from_frame(df[["stratum", "psu"]]))
    W = fac[reps].to_numpy(dtype=float)[idx] * df["weight"].to_numpy()[:, None]
    df = pd.concat([df, pd.DataFrame(W, columns=[f"rw{i}" for i in range(W.shape[1])])], axis=1)
    t0 = time.perf_counter()
    des = SurveyDesign.replicate(df, "weight", [f"rw{i}" for i in range(W.shape[1])], method="BRR")
    t_design = time.perf_counter() - t0
    res, parts = {}, []
    for s in sets:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = des.mean(outcomes, by=list(s))
            times.append(time.perf_counter() - t0)
        res["+".join(s)] = {"seconds": statistics.median(times), "seconds_all": times, "rows": len(r)}
        parts.append(_tidy_mean(r, s, "replicate"))
    pd.concat(parts, ignore_index=True).to_parquet(out)
    return {"by_set": res, "design_seconds": t_design, "replicates": int(W.shape[1]),
            "finite": bool(np.isfinite(pd.concat(parts).se).all())}


def drugtrends_realshaped(int_csv, nan_csv, factors, outcomes, out, repeats=7):
    """Issue 27: ``des.mean(outcomes, by=["year", "sex"])`` on the CSV files as ``read_csv``
    gives them (int64 outcomes; float64 with NaN), timed alternately in this one process
    (best and median of ``repeats``), the one-pass floor (summing every outcome value once),
    and the same call on an 80-replicate BRR design (weight x factor columns)."""
    import numpy as np
    import pandas as pd

    from drugtrends.survey import SurveyDesign
    d_int, d_nan = pd.read_csv(int_csv), pd.read_csv(nan_csv)
    dtypes = {"int": str(d_int[outcomes[0]].dtype), "nan": str(d_nan[outcomes[0]].dtype)}
    by = ["year", "sex"]
    des = {"int64": SurveyDesign(d_int, weight="weight", strata="stratum", psu="psu"),
           "nan": SurveyDesign(d_nan, weight="weight", strata="stratum", psu="psu")}
    cols = [d_int[c].to_numpy() for c in outcomes]

    def floor():
        for c in cols:
            np.add.reduce(c)
    times = {k: [] for k in ("int64", "nan", "floor")}
    for _ in range(repeats):      # alternate, so both see the same machine load
        for k, dz in des.items():
            t0 = time.perf_counter()
            dz.mean(outcomes, by=by)
            times[k].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        floor()
        times["floor"].append(time.perf_counter() - t0)
    parts = [_tidy_case(des[k].mean(outcomes, by=by), k) for k in des]
    fac = pd.read_csv(factors)
    reps = [c for c in fac.columns if c.startswith("r")]
    idx = pd.MultiIndex.from_frame(fac[["stratum", "psu"]]).get_indexer(
        pd.MultiIndex.from_frame(d_int[["stratum", "psu"]]))
    W = fac[reps].to_numpy(dtype=float)[idx] * d_int["weight"].to_numpy()[:, None]
    d_rep = pd.concat([d_int, pd.DataFrame(W, columns=[f"rw{i}" for i in range(W.shape[1])])], axis=1)
    del W
    t0 = time.perf_counter()
    rdes = SurveyDesign.replicate(d_rep, "weight", "rw", method="BRR")
    t_design = time.perf_counter() - t0
    times["brr80"] = []
    for _ in range(max(3, repeats // 2)):
        t0 = time.perf_counter()
        r = rdes.mean(outcomes, by=by)
        times["brr80"].append(time.perf_counter() - t0)
    parts.append(_tidy_case(r, "brr80"))
    pd.concat(parts, ignore_index=True).to_parquet(out)
    return {"best": {k: min(v) for k, v in times.items()},
            "median": {k: statistics.median(v) for k, v in times.items()}, "all": times,
            "dtypes": dtypes, "brr_design_seconds": t_design,
            "brr_storage": "factors" if rdes.structure.rep_factors is not None else "rows"}


def _tidy_case(r, case):
    import pandas as pd
    return pd.DataFrame({"case": case, "key": _key(r, ["year", "sex"]).to_numpy(),
                         "variable": r["variable"].to_numpy(), "estimate": r["estimate"].to_numpy(),
                         "se": r["se"].to_numpy()})


TASKS = {f.__name__: f for f in (drugtrends_grid, duckdb_parquet_grid, spark_grid, svy_grid,
                                  samplics_subset, teds_profile, drugtrends_mean,
                                  drugtrends_replicate_mean, drugtrends_realshaped)}

if __name__ == "__main__":
    task, args = sys.argv[1], json.loads(sys.argv[2])
    res = TASKS[task](**args)
    res["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(res), flush=True)
