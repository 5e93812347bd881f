"""Benchmark: survey-weighted Kaplan-Meier (``SurveyDesign.km``) on the whole NSDUH 2022 file, by sex.

Age at first marijuana use (``IRMJAGE``; 991 = never used) of the 59,069 NSDUH 2022 respondents,
``dt.load("nsduh", year=2022)``, design ``VESTR_C`` strata x ``VEREP`` PSUs (nested), weights ``ANALWT2_C``; never users censored
at the youngest age of their age group (``AGE3``: the file gives the group only). R's
``svykm(se = TRUE)`` could not run on this file (killed at 24 GB, issue 26).

Run: ``.venv/bin/python -m bench.km_nsduh`` (prints seconds and peak traced memory of the
``km`` call, and the process's peak resident memory).
"""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np

#: youngest age of each NSDUH AGE3 group (1 = 12-13, 2 = 14-15, 3 = 16-17, 4 = 18-20, 5 = 21-23,
#: 6 = 24-25, 7 = 26-29, 8 = 30-34, 9 = 35-49, 10 = 50-64, 11 = 65+)
AGE3_LOW = {1: 12, 2: 14, 3: 16, 4: 18, 5: 21, 6: 24, 7: 26, 8: 30, 9: 35, 10: 50, 11: 65}


def main() -> None:
    import drugtrends as dt
    d = dt.load("nsduh", year=2022)
    d["event"] = (d["IRMJAGE"] < 991).astype(float)
    d["time"] = np.where(d["event"] == 1, d["IRMJAGE"], d["AGE3"].astype(int).map(AGE3_LOW)).astype(float)
    from drugtrends.survey import SurveyDesign
    tracemalloc.start()
    t0 = time.perf_counter()
    des = SurveyDesign(d, weight="ANALWT2_C", strata="VESTR_C", psu="VEREP", nest=True)
    res = des.km("time", "event", by="sex")
    secs = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s18 = res[res["time"] <= 17].groupby("sex", observed=True).tail(1)
    print(f"NSDUH 2022: {len(d):,} rows, {int(d['event'].sum()):,} events; km by sex: {len(res)} rows")
    print(f"design + km: {secs:.2f} s, peak traced {peak / 1e6:.1f} MB, process peak RSS {rss:.0f} MB")
    print("share who had not used cannabis before 18, by sex:")
    print(s18[["sex", "time", "survival", "ci_low", "ci_high"]].to_string(index=False))


if __name__ == "__main__":
    main()
