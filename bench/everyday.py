"""The everyday call against R ``svyby``, measured in the same run (issue 15).

    python -m bench.everyday            # 10 years x 60,000 respondents (about 5-10 minutes)
    python -m bench.everyday --quick    # a tenth of the rows, to check the machinery

What a user writes, not the whole-table grid: ``des.mean(45 outcomes,
by=["year", "sex"])`` and ``by=["year", "age"]`` on NSDUH-shaped data (600,000
rows, 1,000 PSUs in 500 strata, 45 binary outcomes; ``bench/generate.py``),
against R ``svyby(~45 outcomes, ~year + sex, design, svymean)`` on the same
CSV; then the same call on a replicate-weight design with 80 BRR replicate
weights (``SurveyDesign.replicate``) against R ``svrepdesign`` + ``svyby``.
Design construction is not timed on either side; drugtrends times are medians
of 3 runs, each tool in its own process with its peak resident memory
(``VmHWM``). Estimates and SEs are matched row by row (max relative
difference; targets 1e-9 and 1e-7). Bar (issue 15): the Taylor year x sex call
at least 50x faster than R.

Writes ``bench/latest.json`` (key ``everyday``, other keys kept) and appends a
dated section to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pandas as pd

from .generate import OUTCOMES, replicate_factors
from .run import OUT, _data, _poll_peak, machine, run_task

HERE = Path(__file__).resolve().parent
SETS = (("year", "sex"), ("year", "age"))
REP_SETS = (("year", "sex"),)
N_REP = 80
TARGET_RATIO = 50.0


def run_r_everyday(csv: Path, factors: Path, out: Path, timeout: float = 7200) -> dict:
    """R survey: svyby per set on the Taylor design, then on the replicate design."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"skipped": "R is not installed (Rscript not on PATH)."}
    cmd = [rscript, str(HERE / "r_everyday.R"), str(csv), str(factors), str(out),
           ";".join("+".join(s) for s in SETS), ",".join(OUTCOMES), ";".join("+".join(s) for s in REP_SETS)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    box: dict = {}
    th = threading.Thread(target=_poll_peak, args=(proc, box), daemon=True)
    th.start()
    stdout, stderr = proc.communicate(timeout=timeout)
    th.join()
    if proc.returncode != 0:
        return {"error": f"R failed: {stderr.strip()[-2000:]}"}
    times: dict = {}
    version = ""
    for line in stdout.splitlines():
        if line.startswith("TIME "):
            _, design, s, sec = line.split()
            times[f"{design}:{s}"] = float(sec)
        elif line.startswith("R"):
            version = line.strip()
    return {"seconds": times, "version": version, "peak_rss_mb": box.get("peak_rss_mb")}


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """Max relative difference of estimates and SEs, rows matched on (design, by_set, key, variable)."""
    on = ["design", "by_set", "key", "variable"]
    m = ours.merge(theirs, on=on, suffixes=("", "_r"), how="inner")
    out = {"rows_compared": int(len(m)), "rows_ours": int(len(ours))}
    for c in ("estimate", "se"):
        a, b = m[c].to_numpy(float), m[f"{c}_r"].to_numpy(float)
        rel = abs(a - b) / abs(b).clip(min=1e-300)
        out[f"max_rel_{c}"] = float(rel.max()) if len(rel) else float("nan")
    return out


def _print_row(label, ours_s, r_s, acc):
    ratio = r_s / ours_s if ours_s and r_s else float("nan")
    print(f"  {label:<38} drugtrends {ours_s:8.3f} s   R {r_s:8.2f} s   ratio {ratio:6.1f} x   "
          f"max rel est {acc.get('max_rel_estimate', float('nan')):.1e}, SE {acc.get('max_rel_se', float('nan')):.1e}")
    return ratio


def _record(results: dict, rows: list[str]):
    latest = HERE / "latest.json"
    old = json.loads(latest.read_text()) if latest.is_file() else {}
    old["everyday"] = results
    latest.write_text(json.dumps(old, indent=2, default=str) + "\n")
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write("\n" + "\n".join(rows) + "\n")


def _markdown(results, info) -> list[str]:
    rows = [f"## {results['date']} everyday call (`python -m bench.everyday`)", "",
            f"Machine: {info['cpu']}, {info['cores']} cores; load average at start "
            f"{info['load_average_1min_at_start']}. {results.get('r_version', '')}.", "",
            "| call | drugtrends | R survey | ratio | max rel est / SE | peak RSS ours / R |",
            "|---|---|---|---|---|---|"]
    for row in results["rows"]:
        rows.append(f"| {row['label']} | {row['ours_s']:.3f} s | {row['r_s']:.2f} s | {row['ratio']:.1f} x | "
                    f"{row['max_rel_estimate']:.0e} / {row['max_rel_se']:.0e} | "
                    f"{row['ours_peak_mb']:.0f} / {row['r_peak_mb']:.0f} MB |")
    rows.append("")
    rows.append(f"Bar: Taylor `des.mean(45 outcomes, by=[year, sex])` >= {TARGET_RATIO:.0f}x R svyby: "
                f"**{'met' if results['bar_met'] else 'NOT met'}** ({results['rows'][0]['ratio']:.1f}x).")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-history", action="store_true")
    a = ap.parse_args(argv)
    per_year = 6_000 if a.quick else 60_000
    info = machine()
    print(f"everyday-call benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load "
          f"{info['load_average_1min_at_start']}")
    pq, csv = _data(10, per_year, f"10x{per_year}")
    factors = OUT / f"repfactors_10x{per_year}.csv"
    if not factors.is_file():
        replicate_factors(pd.read_parquet(pq, columns=["stratum", "psu"]), N_REP).to_csv(factors, index=False)
    outcomes = list(OUTCOMES)
    ours = run_task("drugtrends_mean", data=pq, sets=[list(s) for s in SETS], outcomes=outcomes,
                    out=OUT / "ours_everyday.parquet")
    rep = run_task("drugtrends_replicate_mean", data=pq, factors=factors, sets=[list(s) for s in REP_SETS],
                   outcomes=outcomes, out=OUT / "ours_everyday_rep.parquet")
    for res in (ours, rep):
        if "error" in res:
            print(res["error"])
            return 1
    print(f"  drugtrends done (peak RSS Taylor {ours['peak_rss_mb']:.0f} MB, replicate {rep['peak_rss_mb']:.0f} MB);"
          " running R ...", flush=True)
    r = run_r_everyday(csv, factors, OUT / "r_everyday.csv")
    if "seconds" not in r:
        print(r)
        return 1
    mine = pd.concat([pd.read_parquet(OUT / "ours_everyday.parquet"),
                      pd.read_parquet(OUT / "ours_everyday_rep.parquet")], ignore_index=True)
    theirs = pd.read_csv(OUT / "r_everyday.csv", keep_default_na=False)
    results = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "quick": a.quick,
               "machine": info, "r_version": r["version"], "rows": [], "drugtrends": ours,
               "drugtrends_replicate": rep, "r": r}
    for design, sets, res in (("taylor", SETS, ours), ("replicate", REP_SETS, rep)):
        for s in sets:
            key = "+".join(s)
            acc = compare(mine[(mine.design == design) & (mine.by_set == key)],
                          theirs[(theirs.design == design) & (theirs.by_set == key)])
            label = f"{design} mean(45, by={key})" + (f", {N_REP} BRR replicates" if design == "replicate" else "")
            ours_s, r_s = res["by_set"][key]["seconds"], r["seconds"][f"{design}:{key}"]
            ratio = _print_row(label, ours_s, r_s, acc)
            results["rows"].append({"label": label, "ours_s": ours_s, "r_s": r_s, "ratio": ratio, **acc,
                                    "ours_peak_mb": res["peak_rss_mb"], "r_peak_mb": r.get("peak_rss_mb") or 0})
    results["bar_met"] = results["rows"][0]["ratio"] >= TARGET_RATIO and \
        results["rows"][0]["max_rel_estimate"] <= 1e-9
    print(f"  bar (Taylor year x sex >= {TARGET_RATIO:.0f}x, estimates to 1e-9): "
          f"{'met' if results['bar_met'] else 'NOT met'}")
    if not a.quick and not a.no_history:
        _record(results, _markdown(results, info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
