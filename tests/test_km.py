"""Survey-weighted Kaplan-Meier curves, ``SurveyDesign.km`` (issue 26).

References, each independent of drugtrends:

* R ``survey::svykm(Surv(time, event) ~ 1, design, se = TRUE)`` + ``confint`` on NHANES 2011-2012
  (age at first marijuana use, respondents aged 20-29, strata SDMVSTRA, PSUs SDMVPSU nested,
  weights WTINT2YR), overall and by sex (``tests/reference/survey_km_nhanes.R``, its ``.Rout``
  and ``.csv``): survival, standard error of log S, CI bounds at every event time, to 1e-6
  absolute (observed ~1e-12); the product-limit curve of ``svykm(se = FALSE)`` likewise;
* known truth by simulation: exponential times with censoring (the curve within 0.02 of
  exp(-rate t), the design SE within 15 % of the replicates' SD, coverage 90-99 %);
* without design (every row its own PSU, equal weights), the variance equals the closed-form
  Greenwood-type Nelson-Aalen variance of the linearisation, computed here by brute force.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import EmptyDomainError, InputError
from drugtrends.survey import SurveyDesign
from drugtrends.survey.km import KM_COLUMNS

sys.path.insert(0, str(Path(__file__).parent))
from _data import real_file  # noqa: E402
from reference.reference import load_reference, ref_value  # noqa: E402


@pytest.fixture(scope="module")
def nhanes_km():
    d = pd.read_csv(real_file("nhanes_2009_2012", "NHANESraw.csv"), low_memory=False)
    d = d[d["SurveyYr"] == "2011_12"].copy()
    d = d.drop(columns="Sex").rename(columns={"Gender": "sex"})  # the package's one sex column (issue 25)
    d["event"] = d["Marijuana"].map({"Yes": 1.0, "No": 0.0})
    d["time"] = np.where(d["event"] == 1, d["AgeFirstMarij"], d["Age"])
    d = d[d["time"].notna() & d["event"].notna() & d["Age"].between(20, 29)]
    return SurveyDesign(d, weight="WTINT2YR", strata="SDMVSTRA", psu="SDMVPSU", nest=True)


@pytest.fixture(scope="module")
def ref():
    return load_reference("survey_km_nhanes")


def _compare(res: pd.DataFrame, ref, an: str, domain: str = "") -> int:
    levels = ref[(ref.analysis == an) & (ref.domain == domain)]["level"].unique()
    assert len(levels) == len(res), (an, domain, len(levels), len(res))
    for _, row in res.iterrows():
        lv = f"{row['time']:g}"
        for stat in ("survival", "se_log", "ci_low", "ci_high"):
            assert row[stat] == pytest.approx(ref_value(ref, an, stat, domain=domain, level=lv), abs=1e-6), (lv, stat)
    return len(res)


def test_km_equals_r_svykm_overall(nhanes_km, ref):
    res = nhanes_km.km("time", "event")
    assert list(res.columns) == list(KM_COLUMNS)
    assert _compare(res, ref, "km_mj") >= 15


def test_km_equals_r_svykm_by_sex(nhanes_km, ref):
    res = nhanes_km.km("time", "event", by="sex")
    assert list(res.columns) == ["sex", *KM_COLUMNS]
    for g, sub in res.groupby("sex"):
        _compare(sub, ref, "km_mj_sex", f"Gender={g}")  # keyed by level; R's script names the column Gender


def test_product_limit_equals_r_svykm_without_se(nhanes_km, ref):
    res = nhanes_km.km("time", "event", estimator="product_limit").set_index("time")
    for t in (12, 15, 18, 21, 25):
        s = res.loc[res.index <= t, "survival"].iloc[-1]
        assert s == pytest.approx(ref_value(ref, "km_mj_pl", "survival", level=str(t)), abs=1e-9)


def test_cumulative_is_the_complement_and_every_interval_contains_its_estimate(nhanes_km):
    res = nhanes_km.km("time", "event", by="sex", cumulative=True, level=0.9)
    assert np.allclose(res["cumulative"], 1 - res["survival"])
    assert (res["ci_low"] <= res["survival"]).all() and (res["survival"] <= res["ci_high"]).all()
    assert (res["cumulative_ci_low"] <= res["cumulative"]).all() and (res["cumulative"] <= res["cumulative_ci_high"]).all()
    assert (res["ci_high"] <= 1).all()


def test_known_truth_by_simulation():
    rng = np.random.default_rng(26)
    rate, n, reps, t_eval = 0.1, 1500, 150, 5.0
    est, ses = [], []
    for _ in range(reps):
        t_ev = rng.exponential(1 / rate, n)
        cens = rng.uniform(0, 25, n)
        d = pd.DataFrame({"t": np.round(np.minimum(t_ev, cens), 1), "e": (t_ev <= cens).astype(float),
                          "w": rng.uniform(0.5, 2, n), "psu": np.arange(n) % 60, "st": np.arange(n) % 60 // 2})
        r = SurveyDesign(d, weight="w", strata="st", psu="psu").km("t", "e")
        row = r[r["time"] <= t_eval].iloc[-1]
        est.append(row["survival"])
        ses.append(row["se"])
    est, ses = np.array(est), np.array(ses)
    truth = np.exp(-rate * t_eval)
    assert abs(est.mean() - truth) < 0.02
    assert ses.mean() == pytest.approx(est.std(ddof=1), rel=0.15)
    z = 1.959963984540054
    cover = np.mean((est * np.exp(-z * ses / est) <= truth) & (truth <= est * np.exp(z * ses / est)))
    assert 0.90 <= cover <= 0.99


def test_simple_random_sample_matches_brute_force_linearisation():
    """Every row its own PSU: variance = n/(n-1) sum_i z_i^2 (z centred), z from the n x K definition."""
    rng = np.random.default_rng(3)
    n = 300
    d = pd.DataFrame({"t": rng.integers(10, 30, n).astype(float), "e": rng.integers(0, 2, n).astype(float),
                      "w": rng.uniform(1, 3, n), "id": np.arange(n)})
    r = SurveyDesign(d, weight="w", psu="id").km("t", "e")
    t, e, w = d["t"].to_numpy(), d["e"].to_numpy(), d["w"].to_numpy()
    tk = np.unique(t[e == 1])
    Y = np.array([(w * (t >= s)).sum() for s in tk])
    dd = np.array([(w * (t == s) * e).sum() for s in tk])
    zi = np.zeros((n, len(tk)))
    for k in range(len(tk)):
        for j in range(k + 1):
            zi[:, k] += w * ((t == tk[j]) * e / Y[j] - dd[j] / Y[j] ** 2 * (t >= tk[j]))
    zc = zi - zi.mean(axis=0)
    var = n / (n - 1) * (zc ** 2).sum(axis=0)
    assert np.allclose(r["se_log"] ** 2, var, rtol=1e-10)
    assert np.allclose(r["survival"], np.exp(-np.cumsum(dd / Y)), rtol=1e-12)


def test_bad_inputs_are_refused():
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 2, 1], "s": ["a", "b", "c", "d"], "w": 1.0, "p": [1, 2, 3, 4]})
    des = SurveyDesign(d, weight="w", psu="p")
    with pytest.raises(InputError, match="0 .censored. or 1"):
        des.km("t", "e")
    with pytest.raises(InputError, match="must be numeric"):
        des.km("s", "e")
    with pytest.raises(EmptyDomainError):
        SurveyDesign(d.assign(e=0), weight="w", psu="p").km("t", "e")
    with pytest.raises(InputError, match="negative"):
        SurveyDesign(d.assign(t=[-1.0, 2, 3, 4], e=1), weight="w", psu="p").km("t", "e")


def test_full_survey_size_is_fast_and_lean():
    """59,069 rows x 50 strata x 2 PSUs by sex (the NSDUH 2022 shape): < 5 s and < 300 MB traced."""
    rng = np.random.default_rng(2022)
    n = 59_069
    d = pd.DataFrame({"age_first": np.where(rng.random(n) < 0.47, rng.integers(5, 60, n), 991).astype(float),
                      "sex": rng.integers(1, 3, n), "st": rng.integers(0, 50, n), "psu": rng.integers(1, 3, n),
                      "w": rng.lognormal(8, 1, n)})
    d["event"] = (d["age_first"] < 991).astype(float)
    d["time"] = np.where(d["event"] == 1, d["age_first"], rng.integers(12, 80, n)).astype(float)
    des = SurveyDesign(d, weight="w", strata="st", psu="psu")
    tracemalloc.start()
    t0 = time.perf_counter()
    res = des.km("time", "event", by="sex")
    secs = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(res) > 50 and secs < 5 and peak < 300e6, (secs, peak)


def test_km_plot_draws_steps_bands_and_texts(nhanes_km):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from drugtrends.plots import alt_text, km_plot

    res = nhanes_km.km("time", "event", by="sex", cumulative=True)
    fig = km_plot(res, "sex", title="Age at first use", source="NHANES 2011-2012", cumulative=True,
                  marks=(18, 25), lang="fr")
    ax = fig.axes[0]
    assert len([c for c in ax.collections if c.get_gid() == "ci_band"]) == 2
    assert len([ln for ln in ax.lines if ln.get_gid() == "mark"]) == 2
    assert ax.get_ylabel() == "Ont déjà consommé (%)" and "2 courbe(s)" in alt_text(fig)
    ys = ax.lines[0].get_ydata()
    assert ys[0] == 0 and np.all(np.diff(ys) >= 0)  # cumulative share starts at 0 and never falls
    plt.close(fig)
    with pytest.raises(InputError, match="title"):
        km_plot(res, "sex", title="", source="x")
