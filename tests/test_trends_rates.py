"""Rate trends from counts and populations: Poisson / quasi-Poisson / negative binomial.

References: the Poisson MLE and its information-matrix SE computed here by
direct maximisation of the log-likelihood with scipy (independent of
statsmodels' IRLS), and closed-form results for exactly geometric counts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from drugtrends.trends import rate_trend


def _deaths():
    # 2015-2017: 12-month-ending US deaths involving synthetic opioids in December (VSRR file);
    # 2018-2019 and the populations are illustrative: the numbers only serve the arithmetic.
    return pd.DataFrame({"year": [2015, 2016, 2017, 2018, 2019],
                         "deaths": [9610, 19500, 28659, 31335, 36359],
                         "pop": [321.4e6, 323.1e6, 325.1e6, 326.8e6, 328.3e6]})


def test_poisson_matches_direct_likelihood_maximisation():
    d = _deaths()
    r = rate_trend(d, "year", "deaths", "pop")
    x = d.year.to_numpy(float) - d.year.mean()
    y, off = d.deaths.to_numpy(float), np.log(d["pop"].to_numpy(float))

    def nll(th):
        eta = th[0] + th[1] * x + off
        return -(y * eta - np.exp(eta)).sum()

    th = optimize.minimize(nll, [np.log(y.sum() / np.exp(off).sum()), 0.0], method="BFGS",
                           options={"gtol": 1e-10}).x
    mu = np.exp(th[0] + th[1] * x + off)
    info = np.array([[mu.sum(), (mu * x).sum()], [(mu * x).sum(), (mu * x * x).sum()]])
    se = math.sqrt(np.linalg.inv(info)[1, 1])
    row = r.table.iloc[0]
    assert row["slope"] == pytest.approx(th[1], rel=1e-6)
    assert row["slope_se"] == pytest.approx(se, rel=1e-6)
    assert row["rate_ratio"] == pytest.approx(math.exp(th[1]), rel=1e-6)
    assert row["apc_ci_low"] == pytest.approx(100 * math.expm1(th[1] - 1.959963984540054 * se), rel=1e-5)
    # these counts are grossly overdispersed around a log-linear trend (the 2016-17 surge)
    assert r.overdispersed and r.dispersion > 50
    assert "overdispersion" in r.notes[0]
    assert r.fitted["rate"].iloc[0] == pytest.approx(9610 / 321.4e6 * 1e5)


def test_quasipoisson_and_negbin_widen_the_interval():
    d = _deaths()
    p = rate_trend(d, "year", "deaths", "pop").table.iloc[0]
    q = rate_trend(d, "year", "deaths", "pop", family="quasipoisson")
    nb = rate_trend(d, "year", "deaths", "pop", family="negbin")
    qrow = q.table.iloc[0]
    # quasi-Poisson: same slope, SE scaled by sqrt(Pearson X2 / (n - 2)), t with n - 2 df
    assert qrow["slope"] == pytest.approx(p["slope"], rel=1e-10)
    assert qrow["slope_se"] == pytest.approx(p["slope_se"] * math.sqrt(q.dispersion), rel=1e-8)
    t = stats.t.ppf(0.975, 3)
    assert qrow["ci_high"] == pytest.approx(math.exp(qrow["slope"] + t * qrow["slope_se"]), rel=1e-10)
    assert nb.alpha_nb > 0
    assert nb.table["slope_se"].iloc[0] > 5 * p["slope_se"]


def test_exact_geometric_counts():
    d = pd.DataFrame({"year": range(2010, 2016), "n": 500 * 1.08 ** np.arange(6), "pop": 4e6})
    r = rate_trend(d, "year", "n", "pop", per=1e5)
    assert r.table["apc"].iloc[0] == pytest.approx(8.0, rel=1e-8)
    assert np.allclose(r.fitted["fitted_rate"], r.fitted["rate"], rtol=1e-8)
    assert not r.overdispersed
    assert r.summary().startswith("rose 8.0% a year")


def test_input_errors():
    d = pd.DataFrame({"year": [1, 2, 3], "n": [1, -2, 3], "pop": [10, 10, 10]})
    with pytest.raises(ValueError, match="'n' must be >= 0"):
        rate_trend(d, "year", "n", "pop")
    with pytest.raises(ValueError, match="family"):
        rate_trend(d, "year", "n", "pop", family="gamma")
