"""Run the drugtrends benchmarks and print ratios measured in the same run.

    python -m bench.run            # everything (make bench), about 10 minutes on 2 cores
    python -m bench.run --quick    # a tenth of the sizes, to check the machinery
    python -m bench.run --skip r,svy,samplics,spark,teds

Benchmarks (data are seeded, written to ``bench/out/`` and reused):

1. ``grid``: the full NSDUH-shaped prevalence grid, 45 outcomes x {year, year x
   sex, year x 5 age groups, year x 7 race groups, year x 4 education levels}
   on 10 years x 60,000 respondents, with SE, CI and design effect, by
   drugtrends (in memory; median of 3 runs, design construction included) and
   by R ``survey::svyby(..., svymean, deff = TRUE)`` and svy (same grid), and
   samplics on 5 outcomes by year x sex (its cost grows with outcomes x sets;
   the ratio is the same-work ratio: drugtrends on the same 5 outcomes x 1 set).
   Each baseline runs in its own process; its estimates, SEs and design effects
   are compared with drugtrends' (max relative difference).
2. ``grid_parquet``: the same grid out of core, from the Parquet file via DuckDB.
3. ``pooled``: 20 years x 60,000 respondents, full grid (target < 2 s).
4. ``teds``: 40 million TEDS-A-shaped admissions in Parquet, admissions profile
   (year x primary substance x 6 characteristics) by DuckDB through
   ``drugtrends.admissions.admissions_profile``; time and peak resident memory
   (target < 1.5 GB).
5. ``spark``: the grid of 1. on Spark local mode from the Parquet file; time
   and max relative difference to the in-memory results.

Writes ``bench/latest.json`` and appends a dated section to ``bench/RESULTS.md``.
The everyday call (``des.mean(45 outcomes, by=...)``) and an 80-replicate design
against R are in :mod:`bench.everyday` (``python -m bench.everyday``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .generate import GRID_SETS, OUTCOMES, nsduh_like, teds_like_parquet

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TARGETS = {"r": 50.0, "svy": 150.0, "samplics": 500.0, "pooled_seconds": 2.0, "teds_peak_mb": 1536.0,
           "est_rel": 1e-9, "se_rel": 1e-7}


# --------------------------------------------------------------------------- helpers
def _poll_peak(proc: subprocess.Popen, box: dict):
    """Poll VmHWM of a child process (and its children) until it exits: peak RSS in MB."""
    peak = 0.0
    while proc.poll() is None:
        total = 0.0
        pids = [proc.pid]
        try:
            kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            pids += [int(k) for k in kids]
        except OSError:
            pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        peak = max(peak, total)
        time.sleep(0.05)
    box["peak_rss_mb"] = peak


def run_task(task: str, timeout: float = 1800, **args) -> dict:
    """Run ``python -m bench.tasks task args`` in a fresh process; parse its RESULT line."""
    cmd = [sys.executable, "-m", "bench.tasks", task, json.dumps(args, default=str)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - t0
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["wall_seconds"] = wall
            return res
    return {"error": f"{task} failed (exit {proc.returncode}): {err.strip()[-2000:]}"}


def run_r(csv: Path, out: Path, sets, outcomes, timeout: float = 3600) -> dict:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"skipped": "R is not installed (Rscript not on PATH): no R survey baseline in this run."}
    chk = subprocess.run([rscript, "-e", "cat(requireNamespace('survey', quietly=TRUE) && "
                          "requireNamespace('data.table', quietly=TRUE))"], capture_output=True, text=True)
    if chk.stdout.strip() != "TRUE":
        return {"skipped": "R packages survey and data.table are not installed: "
                           "install.packages(c('survey', 'data.table'))."}
    cmd = [rscript, str(HERE / "r_svyby.R"), str(csv), str(out), ";".join("+".join(s) for s in sets),
           ",".join(outcomes)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    box: dict = {}
    th = threading.Thread(target=_poll_peak, args=(proc, box), daemon=True)
    th.start()
    stdout, stderr = proc.communicate(timeout=timeout)
    th.join()
    if proc.returncode != 0:
        return {"error": f"R failed: {stderr.strip()[-2000:]}"}
    times = {}
    version = ""
    for line in stdout.splitlines():
        if line.startswith("TIME "):
            _, s, sec = line.split()
            times[s] = float(sec)
        elif line.startswith("R"):
            version = line.strip()
    return {"seconds": sum(times.values()), "by_set_seconds": times, "version": version,
            "peak_rss_mb": box.get("peak_rss_mb")}


def max_rel(ours: pd.DataFrame, theirs: pd.DataFrame, cols=("estimate", "se", "deff")) -> dict:
    """Max relative difference per column, rows matched on (by_set, key, variable)."""
    on = ["by_set", "key", "variable"]
    m = ours.merge(theirs, on=on, suffixes=("", "_b"), how="inner")
    out = {"rows_compared": int(len(m)), "rows_ours": int(len(ours)), "rows_theirs": int(len(theirs))}
    for c in cols:
        if f"{c}_b" not in m or m[f"{c}_b"].isna().all():
            continue
        a, b = m[c].to_numpy(float), m[f"{c}_b"].to_numpy(float)
        ok = np.isfinite(a) & np.isfinite(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300)
        out[f"max_rel_{c}"] = float(rel.max()) if rel.size else float("nan")
    return out


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import duckdb

    vers = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
            "duckdb": duckdb.__version__}
    import warnings
    warnings.filterwarnings("ignore", category=FutureWarning)
    for mod in ("pyarrow", "pyspark", "svy", "samplics", "polars"):
        try:
            vers[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - optional
            vers[mod] = "not installed"
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "os": platform.platform(),
            "load_average_1min_at_start": load, "versions": vers}


def _data(n_years: int, n_per_year: int, tag: str) -> tuple[Path, Path]:
    """NSDUH-shaped data as Parquet (Python) and CSV (R), reused when present."""
    OUT.mkdir(parents=True, exist_ok=True)
    pq, csv = OUT / f"nsduh_{tag}.parquet", OUT / f"nsduh_{tag}.csv"
    if not (pq.is_file() and csv.is_file()):
        df = nsduh_like(n_years=n_years, n_per_year=n_per_year)
        df.to_parquet(pq)
        import pyarrow as pa
        import pyarrow.csv as pcsv
        pcsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), csv)
    return pq, csv


def _fmt(x, unit=""):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:,.3g}{unit}" if abs(x) < 1000 else f"{x:,.0f}{unit}"
    return f"{x}{unit}"


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes (checks the machinery)")
    ap.add_argument("--skip", default="", help="comma list among r,svy,samplics,spark,teds,pooled,parquet")
    ap.add_argument("--no-history", action="store_true", help="do not append to bench/RESULTS.md")
    a = ap.parse_args(argv)
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    scale = 10 if a.quick else 1
    per_year = 60_000 // scale
    teds_n = 40_000_000 // scale
    sets = [list(s) for s in GRID_SETS]
    outcomes = list(OUTCOMES)
    sub_outcomes, sub_sets = outcomes[:5], [["year", "sex"]]
    info = machine()
    tag = f"{10}x{per_year}"
    print(f"drugtrends benchmarks  {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; "
          f"load average {info['load_average_1min_at_start']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    results: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "quick": a.quick, "machine": info, "targets": TARGETS, "benchmarks": {}}
    B = results["benchmarks"]

    print(f"\n[data] NSDUH-shaped: 10 years x {per_year:,} respondents, 50 strata x 2 PSUs a year, "
          f"{len(outcomes)} outcomes")
    pq, csv = _data(10, per_year, tag)
    n_dom = 10 * (1 + 2 + 5 + 7 + 4)
    print(f"[grid] {len(outcomes)} outcomes x {n_dom} domains = {len(outcomes) * n_dom:,} estimates "
          "with SE, CI, deff")
    ours = run_task("drugtrends_grid", data=pq, sets=sets, outcomes=outcomes, out=OUT / "ours_grid.parquet")
    if "error" in ours:
        print(ours["error"])
        return 1
    B["grid_drugtrends"] = ours
    print(f"  drugtrends (pandas, in memory): {ours['seconds']:.3f} s (median of "
          f"{len(ours['seconds_all'])}; runs {', '.join(f'{t:.3f}' for t in ours['seconds_all'])}), "
          f"peak RSS {ours['peak_rss_mb']:.0f} MB")
    ours_tab = pd.read_parquet(OUT / "ours_grid.parquet")
    sub = run_task("drugtrends_grid", data=pq, sets=sub_sets, outcomes=sub_outcomes,
                   out=OUT / "ours_sub.parquet")
    B["subset_drugtrends"] = sub
    ours_sub = pd.read_parquet(OUT / "ours_sub.parquet")

    _grid_baselines(B, skip, pq, csv, sets, outcomes, sub_sets, sub_outcomes, ours, ours_tab, sub, ours_sub)

    _extras(B, skip, pq, per_year, sets, outcomes, teds_n, ours_tab)

    rows = _summary_rows(B, teds_n)
    head = ("benchmark", "time", "ratio / memory", "target", "status", "max rel est / SE")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(f"\nSummary (drugtrends full grid: {ours['seconds']:.3f} s)\n" + line + "\n" + "-" * len(line))
    for x in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(x, widths)))
    results["summary"] = [dict(zip(head, x)) for x in rows]
    results["all_targets_met"] = all(x[4] == "met" for x in rows)
    latest = HERE / "latest.json"
    if latest.is_file():   # keep the everyday-call results of bench/everyday.py
        old = json.loads(latest.read_text())
        if "everyday" in old:
            results["everyday"] = old["everyday"]
    latest.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {HERE / 'latest.json'}")
    if not a.no_history and not a.quick:
        _history(results, rows, head)
        print(f"appended to {HERE / 'RESULTS.md'}")
    return 0


def _grid_baselines(B, skip, pq, csv, sets, outcomes, sub_sets, sub_outcomes, ours, ours_tab, sub, ours_sub):
    """The full grid out of core (Parquet), then R survey, svy and samplics against drugtrends."""
    if "parquet" not in skip:
        r = run_task("duckdb_parquet_grid", data=pq, sets=sets, outcomes=outcomes, out=OUT / "pq_grid.parquet")
        if "error" not in r:
            r.update(max_rel(pd.read_parquet(OUT / "pq_grid.parquet"), ours_tab))
        B["grid_parquet_duckdb"] = r
        print(f"  drugtrends (Parquet via DuckDB, out of core): {_fmt(r.get('seconds'))} s, "
              f"peak RSS {_fmt(r.get('peak_rss_mb'))} MB, max rel. diff. to in-memory: "
              f"est {_fmt(r.get('max_rel_estimate'))}, SE {_fmt(r.get('max_rel_se'))}"
              if "error" not in r else "  parquet: " + r["error"])

    # --- R survey
    if "r" in skip:
        B["grid_r_survey"] = {"skipped": "--skip r"}
    else:
        print("  R survey svyby(~45 outcomes, ~by, design, svymean), same grid (design built once and not "
              "timed; no design effects: R computes less) ...",
              flush=True)
        r = run_r(csv, OUT / "r_grid.csv", sets, outcomes)
        if "seconds" in r:
            r.update(max_rel(ours_tab, pd.read_csv(OUT / "r_grid.csv", keep_default_na=False)
                             .assign(key=lambda d: d.key.astype(str))))
            r["ratio"] = r["seconds"] / ours["seconds"]
            print(f"    {r['version']}: {r['seconds']:.1f} s (" + ", ".join(
                f"{k} {v:.1f}" for k, v in r["by_set_seconds"].items()) + f"), peak RSS "
                f"{_fmt(r.get('peak_rss_mb'))} MB -> drugtrends is {r['ratio']:.0f} x faster; max rel. "
                f"diff. est {r['max_rel_estimate']:.1e}, SE {r['max_rel_se']:.1e} over {r['rows_compared']:,} rows")
        else:
            print("    " + r.get("skipped", r.get("error", "")))
        B["grid_r_survey"] = r

    # --- svy
    if "svy" in skip:
        B["grid_svy"] = {"skipped": "--skip svy"}
    else:
        print("  svy (polars), same grid ...", flush=True)
        r = run_task("svy_grid", data=pq, sets=sets, outcomes=outcomes, out=OUT / "svy_grid.parquet")
        if "seconds" in r:
            r.update(max_rel(ours_tab, pd.read_parquet(OUT / "svy_grid.parquet")))
            r["ratio"] = r["seconds"] / ours["seconds"]
            print(f"    svy {r['version']}: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB -> "
                  f"drugtrends is {r['ratio']:.0f} x faster; max rel. diff. est {r['max_rel_estimate']:.1e}, "
                  f"SE {r['max_rel_se']:.1e}, deff {r.get('max_rel_deff', float('nan')):.1e} over {r['rows_compared']:,} rows")
        else:
            print("    " + r.get("skipped", r.get("error", "")))
        B["grid_svy"] = r

    # --- samplics
    if "samplics" in skip:
        B["subset_samplics"] = {"skipped": "--skip samplics"}
    else:
        print(f"  samplics: {len(sub_outcomes)} outcomes by year x sex only (the full grid would take "
              "about an hour) ...", flush=True)
        r = run_task("samplics_subset", data=pq, sets=sub_sets, outcomes=sub_outcomes,
                     out=OUT / "samplics_sub.parquet")
        if "seconds" in r:
            r.update(max_rel(ours_sub, pd.read_parquet(OUT / "samplics_sub.parquet")))
            r["ratio"] = r["seconds"] / sub["seconds"]
            per = r["seconds"] / len(sub_outcomes)
            r["extrapolated_full_grid_seconds"] = per * len(outcomes) * len(sets)
            r["ratio_extrapolated_full_grid"] = r["extrapolated_full_grid_seconds"] / ours["seconds"]
            print(f"    samplics {r['version']}: {r['seconds']:.1f} s vs drugtrends {sub['seconds']:.3f} s on "
                  f"the same {len(sub_outcomes)} outcomes x year x sex -> {r['ratio']:.0f} x faster "
                  f"(same work). Per-outcome equivalent: {per:.1f} s per outcome and domain set, so the "
                  f"full grid would take ~{r['extrapolated_full_grid_seconds']:.0f} s "
                  f"(extrapolated, {r['ratio_extrapolated_full_grid']:.0f} x drugtrends' full grid); "
                  f"max rel. diff. est {r['max_rel_estimate']:.1e}, SE {r['max_rel_se']:.1e}")
        else:
            print("    " + r.get("skipped", r.get("error", "")))
        B["subset_samplics"] = r


def _extras(B, skip, pq, per_year, sets, outcomes, teds_n, ours_tab):
    """Pooled years, TEDS out of core, Spark."""
    # --- pooled
    if "pooled" not in skip:
        print(f"\n[pooled] 20 years x {per_year:,} respondents, full grid ...", flush=True)
        pq20, _ = _data(20, per_year, f"20x{per_year}")
        sets20 = sets
        r = run_task("drugtrends_grid", data=pq20, sets=sets20, outcomes=outcomes, out=OUT / "ours_pooled.parquet")
        B["pooled_drugtrends"] = r
        print(f"  drugtrends: {_fmt(r.get('seconds'))} s (target < {TARGETS['pooled_seconds']} s), "
              f"peak RSS {_fmt(r.get('peak_rss_mb'))} MB" if "error" not in r else r["error"])

    # --- TEDS
    if "teds" not in skip:
        print(f"\n[teds] {teds_n:,} TEDS-A-shaped admissions in Parquet (bench/out, reused) ...", flush=True)
        t0 = time.perf_counter()
        d = teds_like_parquet(OUT / f"teds_{teds_n}", n=teds_n, quiet=True)
        gen = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in d.glob("*.parquet")) / 1e6
        r = run_task("teds_profile", data=d, out=OUT / "teds_profile.parquet")
        r["generate_seconds"] = gen
        r["parquet_mb"] = size
        B["teds_profile"] = r
        if "error" in r or "skipped" in r:
            print("  " + r.get("error", r.get("skipped", "")))
        else:
            print(f"  data {size:,.0f} MB on disk (generated/reused in {gen:.0f} s); admissions profile "
                  f"(year x primary substance x 6 characteristics, {r['rows']:,} rows): {r['seconds']:.1f} s, "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB (target < {TARGETS['teds_peak_mb']:.0f} MB); "
                  f"{r['admissions_in_profile']:,} of {r['admissions']:,} admissions counted")

    # --- Spark
    if "spark" not in skip:
        print("\n[spark] same grid on Spark local mode (local[2]) from the Parquet file ...", flush=True)
        r = run_task("spark_grid", data=pq, sets=sets, outcomes=outcomes, out=OUT / "spark_grid.parquet")
        if "seconds" in r:
            r.update(max_rel(pd.read_parquet(OUT / "spark_grid.parquet"), ours_tab))
            print(f"  pyspark {r['version']}: {r['seconds']:.1f} s (session start {r['session_seconds']:.1f} s, "
                  f"first run {r['seconds_all'][0]:.1f} s); max rel. diff. to in-memory est "
                  f"{r['max_rel_estimate']:.1e}, SE {r['max_rel_se']:.1e} over {r['rows_compared']:,} rows")
        else:
            print("  " + r.get("skipped", r.get("error", "")))
        B["grid_spark"] = r


def _summary_rows(B, teds_n) -> list[tuple]:
    """One row per benchmark: label, time, ratio or memory, target, status, accuracy."""
    rows = []

    def target_ok(name, ok):
        return "met" if ok else "NOT MET"

    def acc_ok(r):
        return (r.get("max_rel_estimate", 1) <= TARGETS["est_rel"] and r.get("max_rel_se", 1) <= TARGETS["se_rel"])

    for key, label, tgt in (("grid_r_survey", "R survey svyby", "r"), ("grid_svy", "svy", "svy"),
                            ("subset_samplics", "samplics (5 outcomes, year x sex)", "samplics")):
        r = B.get(key, {})
        if "ratio" in r:
            rows.append((label, f"{r['seconds']:.1f} s", f"{r['ratio']:.0f} x", f">= {TARGETS[tgt]:.0f} x",
                         target_ok(tgt, r["ratio"] >= TARGETS[tgt] and acc_ok(r)),
                         f"{r['max_rel_estimate']:.0e} / {r['max_rel_se']:.0e}"))
        else:
            rows.append((label, "-", "-", f">= {TARGETS[tgt]:.0f} x", r.get("skipped", r.get("error", "?"))[:60], "-"))
    r = B.get("pooled_drugtrends", {})
    if "seconds" in r:
        rows.append(("pooled 20 x 60k full grid", f"{r['seconds']:.2f} s", "-", "< 2 s",
                     target_ok("pooled", r["seconds"] < TARGETS["pooled_seconds"]), "-"))
    r = B.get("teds_profile", {})
    if "seconds" in r:
        rows.append((f"TEDS {teds_n / 1e6:.0f}M profile", f"{r['seconds']:.1f} s", f"{r['peak_rss_mb']:.0f} MB",
                     "< 1536 MB", target_ok("teds", r["peak_rss_mb"] < TARGETS["teds_peak_mb"]), "-"))
    r = B.get("grid_spark", {})
    if "seconds" in r:
        rows.append(("Spark local grid", f"{r['seconds']:.1f} s", "-", "identical",
                     target_ok("spark", r["max_rel_estimate"] <= TARGETS["est_rel"]
                               and r["max_rel_se"] <= TARGETS["se_rel"]),
                     f"{r['max_rel_estimate']:.0e} / {r['max_rel_se']:.0e}"))
    r = B.get("grid_parquet_duckdb", {})
    if "seconds" in r:
        rows.append(("Parquet via DuckDB grid", f"{r['seconds']:.2f} s", "-", "identical",
                     target_ok("pq", r["max_rel_estimate"] <= TARGETS["est_rel"]
                               and r["max_rel_se"] <= TARGETS["se_rel"]),
                     f"{r['max_rel_estimate']:.0e} / {r['max_rel_se']:.0e}"))
    return rows


def _history(results, rows, head):
    path = HERE / "RESULTS.md"
    m = results["machine"]
    text = path.read_text() if path.is_file() else "# Benchmark results\n"
    sec = [f"\n## {results['date']}\n",
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}; load average at "
           f"start {m['load_average_1min_at_start']}.  ",
           "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".\n",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sec += ["| " + " | ".join(str(v) for v in x) + " |" for x in rows]
    g = results["benchmarks"].get("grid_drugtrends", {})
    sec.append(f"\ndrugtrends full grid (8,550 estimates): {g.get('seconds', float('nan')):.3f} s, "
               f"peak RSS {g.get('peak_rss_mb', float('nan')):.0f} MB.\n")
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(sec))


if __name__ == "__main__":
    sys.exit(main())
