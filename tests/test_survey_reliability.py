"""Reliability rules and proportion intervals (hand computations, scipy's exact
binomial interval, and the thresholds of the published rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from drugtrends.survey import SurveyDesign, nchs_standard, nsduh_rule, proportion_ci


# --------------------------------------------------------------------------- intervals
@pytest.mark.parametrize("k,n", [(1, 40), (7, 50), (30, 120), (0, 60), (60, 60)])
def test_korn_graubard_reduces_to_clopper_pearson(k, n):
    """SRS variance p(1-p)/n and df = n - 1: n* = n, the exact binomial interval."""
    p = k / n
    se = np.sqrt(p * (1 - p) / n)
    lo, hi = proportion_ci(p, se, df=n - 1, n=n, method="korn_graubard")
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert float(lo) == pytest.approx(ci.low, abs=1e-12)
    assert float(hi) == pytest.approx(ci.high, abs=1e-12)
    if 0 < k < n:   # R's uncapped "beta" is the same here
        lo2, hi2 = proportion_ci(p, se, df=n - 1, n=n, method="beta")
        assert float(lo2) == pytest.approx(ci.low, rel=1e-10)
        assert float(hi2) == pytest.approx(ci.high, rel=1e-10)


def test_korn_graubard_caps_effective_n_beta_does_not():
    p, se, n, df = 0.2, 0.005, 100, 30          # n_eff = 6400 > n
    kg = proportion_ci(p, se, df, n, method="korn_graubard")
    beta = proportion_ci(p, se, df, n, method="beta")
    cp = stats.binomtest(20, 100).proportion_ci(0.95, method="exact")
    assert float(kg[0]) == pytest.approx(cp.low, rel=0.02)          # n* = 100
    assert float(beta[1]) - float(beta[0]) < 0.5 * (float(kg[1]) - float(kg[0]))


def test_logit_and_wald_by_hand():
    p, se, df = 0.3, 0.02, 15
    q = stats.t.ppf(0.975, df)
    lo, hi = proportion_ci(p, se, df, method="wald")
    assert (float(lo), float(hi)) == pytest.approx((p - q * se, p + q * se), rel=1e-12)
    eta, s = np.log(p / (1 - p)), se / (p * (1 - p))
    lo, hi = proportion_ci(p, se, df, method="logit")
    assert float(lo) == pytest.approx(1 / (1 + np.exp(-(eta - q * s))), rel=1e-12)
    assert float(hi) == pytest.approx(1 / (1 + np.exp(-(eta + q * s))), rel=1e-12)
    x = proportion_ci(p, se, df, method="xlogit")
    assert (float(x[0]), float(x[1])) == pytest.approx((float(lo), float(hi)), rel=1e-12)


# --------------------------------------------------------------------------- NCHS
def test_nchs_standard_each_criterion():
    p = [0.30, 0.50, 0.50, 0.02, 0.30, 0.0, 0.97]
    se = [0.01, 0.10, 0.08, 0.015, 0.01, 0.0, 0.02]
    n = [2000, 400, 400, 300, 2000, 1000, 2000]
    df = [30, 30, 30, 30, 5, 30, 30]
    s, f = nchs_standard(p, se, n, df)
    assert s.tolist() == [False, True, True, True, False, False, False]
    assert f[0] == []
    assert "n_eff < 30" in f[1]                       # 0.25 / 0.01 = 25
    assert f[2] == ["ci width >= 30 pts"]             # n_eff 39, KG width about 0.33
    assert f[3] == ["relative ci width > 130%"]
    assert f[4] == ["df < 8: review"]
    assert f[5] == ["p = 0 or 1: review"]
    assert f[6] == ["complement unreliable"]


# --------------------------------------------------------------------------- NSDUH
def test_nsduh_rse_threshold_and_symmetry():
    thr = 0.175 * 0.01 * -np.log(0.01)                # SE where RSE(-ln p) = .175
    s, f = nsduh_rule([0.01, 0.01], [thr * 0.99, thr * 1.01], [5000, 5000])
    assert s.tolist() == [False, True] and f[1] == ["RSE(-ln p) > .175"]
    s2, f2 = nsduh_rule([0.99, 0.99], [thr * 0.99, thr * 1.01], [5000, 5000])
    assert s2.tolist() == s.tolist() and f2 == f


def test_nsduh_sample_sizes_and_rounding():
    s, f = nsduh_rule([0.3, 0.3, 0.0004, 0.3], [0.056, 0.01, 0.0001, 0.0555], [5000, 99, 5000, 5000])
    assert f[0] == ["n_eff < 68"]                     # 0.21 / 0.056^2 = 66.96
    assert f[1] == ["n < 100"]
    assert f[2] == ["rounds to 0% or 100%"]
    assert f[3] == [] and s.tolist() == [True, True, True, False]


# --------------------------------------------------------------------------- on the design
def test_rule_on_design_and_per_call():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"psu": np.repeat(np.arange(40), 10), "st": np.repeat(np.arange(20), 20),
                       "w": rng.uniform(1, 2, n), "y": (rng.uniform(size=n) < 0.02).astype(float),
                       "x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})
    des = SurveyDesign(df, "w", "st", "psu", reliability="nchs")
    r = des.mean(["y", "x"], by="g")
    ry = r[r.variable == "y"]
    s, f = nchs_standard(ry.estimate, ry.se, ry.n, ry.df)
    assert ry.suppressed.tolist() == s.tolist()
    assert ry["flag"].tolist() == [";".join(x) for x in f]
    assert (r[r.variable == "x"]["flag"] == "rule applies to proportions only").all()
    none = des.mean(["y", "x"], by="g", reliability=None)
    assert not none.suppressed.any() and (none["flag"] == "").all()
    ns = des.mean("y", reliability="nsduh")
    assert ns.suppressed[0] == nsduh_rule(ns.estimate, ns.se, ns.n)[0][0]
