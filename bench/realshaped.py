"""Speed on real-shaped data (issue 27): the everyday call from CSV, with missing values,
and on an 80-replicate BRR design, against R ``survey`` in the same run.

    python -m bench.realshaped              # 600,000 rows (R takes several minutes)
    python -m bench.realshaped --skip-r-nan # leave out R's 45 per-outcome calls (the slow part)
    python -m bench.realshaped --quick      # a tenth of the rows, to check the machinery

Data: NSDUH-shaped (``bench/generate.py``, seed 27, not the seed the engine was
tuned on): 10 years x 60,000 respondents, 1,000 PSUs in 500 strata, 45 binary
outcomes, written to CSV and read back as a user would: ``pd.read_csv`` gives
int64 outcomes; a second file has 5 % of each outcome missing (float64 with NaN
in pandas, NA in R). The BRR design multiplies the weight by a Walsh-Hadamard
half-sample factor per PSU (the same factor table read by both).

Measured (drugtrends in one process, calls alternated so both cases see the same
load, best and median of 7; R in its own process, design construction not timed):

* ``des.mean(45 outcomes, by=["year", "sex"])`` on int64 outcomes vs R
  ``svyby(~45 outcomes, ~year + sex, des, svymean)``; bar >= 100x;
* the same on the file with missing values vs R one ``svyby(~y, ..., na.rm = TRUE)``
  per outcome, and vs drugtrends on int64 (bar: at most 1.5x);
* the 80-replicate BRR design vs R ``svrepdesign`` + ``svyby``; bar >= 50x;
* the floor: one pass summing every outcome value (27 million int64), the time
  no grouped pass can beat (memory bandwidth);
* estimates and SEs matched row by row with R (bar: estimates to 1e-9).

Writes ``bench/latest.json`` (key ``realshaped``) and appends to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from .generate import OUTCOMES, nsduh_like, replicate_factors
from .run import OUT, _poll_peak, machine, run_task

HERE = Path(__file__).resolve().parent
BARS = {"int64": 100.0, "nan_vs_int": 1.5, "brr80": 50.0, "est_rel": 1e-9}


def make_data(per_year: int, seed: int = 27, share: float = 0.05) -> tuple[Path, Path, Path]:
    """The int64 CSV, the CSV with ``share`` of each outcome missing, the factor table."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    OUT.mkdir(parents=True, exist_ok=True)
    tag = f"10x{per_year}_s{seed}"
    paths = OUT / f"real_int_{tag}.csv", OUT / f"real_nan_{tag}.csv", OUT / f"real_fac_{tag}.csv"
    if all(p.is_file() for p in paths):
        return paths
    df = nsduh_like(n_years=10, n_per_year=per_year, seed=seed)
    pcsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), paths[0])
    rng = np.random.default_rng(seed + 1)
    nan = df.copy()
    for c in OUTCOMES:
        v = nan[c].to_numpy(dtype=float)
        v[rng.random(len(v)) < share] = np.nan
        nan[c] = v
    pcsv.write_csv(pa.Table.from_pandas(nan, preserve_index=False), paths[1])
    replicate_factors(df[["stratum", "psu"]], 80).to_csv(paths[2], index=False)
    return paths


def run_r(paths, out: Path, skip_nan: bool, timeout: float = 7200) -> dict:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"skipped": "R is not installed (Rscript not on PATH)."}
    cmd = [rscript, str(HERE / "r_realshaped.R"), *map(str, paths), str(out), ",".join(OUTCOMES)]
    if skip_nan:
        cmd.append("skip_nan")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    box: dict = {}
    th = threading.Thread(target=_poll_peak, args=(proc, box), daemon=True)
    th.start()
    stdout, stderr = proc.communicate(timeout=timeout)
    th.join()
    if proc.returncode != 0:
        return {"error": f"R failed: {stderr.strip()[-2000:]}"}
    times, version = {}, ""
    for line in stdout.splitlines():
        if line.startswith("TIME "):
            _, case, sec = line.split()
            times[case] = float(sec)
        elif line.startswith("R"):
            version = line.strip()
    return {"seconds": times, "version": version, "peak_rss_mb": box.get("peak_rss_mb")}


def compare(ours: pd.DataFrame, theirs: pd.DataFrame, case: str) -> dict:
    """Max relative difference of estimates and SEs, rows matched on (key, variable)."""
    a = ours[ours.case == case]
    b = theirs[theirs.case == case]
    m = a.merge(b, on=["key", "variable"], suffixes=("", "_r"))
    res = {"rows": int(len(m)), "rows_ours": int(len(a))}
    for c in ("estimate", "se"):
        x, y = m[c].to_numpy(float), m[f"{c}_r"].to_numpy(float)
        res[f"max_rel_{c}"] = float((abs(x - y) / abs(y).clip(min=1e-300)).max()) if len(m) else float("nan")
    return res


def summarise(ours: dict, r: dict, acc: dict) -> dict:
    best, rs = ours["best"], r.get("seconds", {})
    res = {"ours_best_s": best, "ours_median_s": ours["median"], "r_s": rs, "accuracy": acc,
           "nan_vs_int": best["nan"] / best["int64"], "nan_vs_int_median":
           ours["median"]["nan"] / ours["median"]["int64"],
           "int64_vs_floor": best["int64"] / best["floor"], "nan_vs_floor": best["nan"] / best["floor"]}
    for case in ("int64", "nan", "brr80"):
        if case in rs:
            res[f"ratio_{case}"] = rs[case] / best[case]
    bars = {"int64": res.get("ratio_int64", 0) >= BARS["int64"],
            "nan_vs_int": res["nan_vs_int"] <= BARS["nan_vs_int"],
            "brr80": res.get("ratio_brr80", 0) >= BARS["brr80"],
            "est_1e-9": all(v.get("max_rel_estimate", 1) <= BARS["est_rel"] for v in acc.values())}
    res["bars"] = bars
    return res


def _print(res: dict, info: dict):
    b, rs = res["ours_best_s"], res["r_s"]
    print(f"  load average at start {info['load_average_1min_at_start']}")
    for case, label in (("int64", "mean(45, by=year+sex), int64 outcomes"),
                        ("nan", "same, 5 % missing (R: 45 calls na.rm=TRUE)"),
                        ("brr80", "same, 80 BRR replicates")):
        acc = res["accuracy"].get(case, {})
        r = rs.get(case)
        print(f"  {label:<46} drugtrends {b[case]:.4f} s (median {res['ours_median_s'][case]:.4f})   "
              f"R {r if r is None else f'{r:.2f}'} s   ratio "
              f"{res.get(f'ratio_{case}', float('nan')):.0f}x   max rel est "
              f"{acc.get('max_rel_estimate', float('nan')):.1e} SE {acc.get('max_rel_se', float('nan')):.1e}")
    print(f"  missing / int64: {res['nan_vs_int']:.2f}x (median {res['nan_vs_int_median']:.2f}x); "
          f"floor (one pass over 27M values) {b['floor'] * 1e3:.1f} ms: int64 call {res['int64_vs_floor']:.1f}x, "
          f"missing {res['nan_vs_floor']:.1f}x the floor")
    print("  bars: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in res["bars"].items()))


def _record(res: dict, info: dict, ours: dict, r: dict):
    latest = HERE / "latest.json"
    old = json.loads(latest.read_text()) if latest.is_file() else {}
    old["realshaped"] = {**res, "machine": info, "drugtrends": ours, "r": r}
    latest.write_text(json.dumps(old, indent=2, default=str) + "\n")
    b, rs = res["ours_best_s"], res["r_s"]
    rows = [f"## {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} real-shaped data "
            "(`python -m bench.realshaped`, issue 27)", "",
            f"Machine: {info['cpu']}, {info['cores']} cores; load average at start "
            f"{info['load_average_1min_at_start']} (other jobs running: ratios are same-run). "
            f"{r.get('version', '')}. Peak RSS drugtrends {ours.get('peak_rss_mb', 0):.0f} MB, "
            f"R {r.get('peak_rss_mb') or 0:.0f} MB.", "",
            "| call | drugtrends (best / median) | R | ratio | max rel est / SE |", "|---|---|---|---|---|"]
    for case in ("int64", "nan", "brr80"):
        acc = res["accuracy"].get(case, {})
        rows.append(f"| {case} | {b[case]:.4f} / {res['ours_median_s'][case]:.4f} s | "
                    f"{rs.get(case, float('nan')):.2f} s | {res.get(f'ratio_{case}', float('nan')):.0f}x | "
                    f"{acc.get('max_rel_estimate', float('nan')):.0e} / {acc.get('max_rel_se', float('nan')):.0e} |")
    rows += ["", f"Missing / int64: {res['nan_vs_int']:.2f}x (median {res['nan_vs_int_median']:.2f}x). "
             f"Floor (sum of the 27M outcome values once): {b['floor'] * 1e3:.1f} ms; int64 call "
             f"{res['int64_vs_floor']:.1f}x it. Bars: "
             + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in res["bars"].items()) + "."]
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write("\n" + "\n".join(rows) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-r-nan", action="store_true", help="no R per-outcome calls (minutes)")
    ap.add_argument("--no-history", action="store_true")
    a = ap.parse_args(argv)
    info = machine()
    print(f"real-shaped benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    paths = make_data(6_000 if a.quick else 60_000)
    ours = run_task("drugtrends_realshaped", int_csv=paths[0], nan_csv=paths[1], factors=paths[2],
                    outcomes=list(OUTCOMES), out=OUT / "ours_realshaped.parquet")
    if "error" in ours:
        print(ours["error"])
        return 1
    print(f"  drugtrends done ({ours['dtypes']}, BRR stored as {ours['brr_storage']}); running R ...",
          flush=True)
    r = run_r(paths, OUT / "r_realshaped.csv", a.skip_r_nan)
    mine = pd.read_parquet(OUT / "ours_realshaped.parquet")
    acc = {}
    if "seconds" in r:
        theirs = pd.read_csv(OUT / "r_realshaped.csv", keep_default_na=False)
        acc = {case: compare(mine, theirs, case) for case in r["seconds"]}
    else:
        print(r)
    res = summarise(ours, r, acc)
    _print(res, info)
    if not a.quick and not a.no_history:
        _record(res, info, ours, r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
