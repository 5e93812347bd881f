"""Single-source estimators ``truncated_count`` (issue 26): Chao, bias-corrected Chao, Zelterman.

References, independent of drugtrends:

* Rcapture's documented output (``tests/Examples/Rcapture-Ex.Rout.save``):
  ``closedpCI.0(ill, dtype = "nbcap", dfreq = TRUE, t = Inf, m = "Mh", h = "LB")`` on the
  illegal-immigrant counts of van der Heijden et al. (2003) prints N = 9273.5, se = 662.6
  (Chao's lower bound and Chao's 1987 variance), to the digits printed;
* the published formulas, computed by hand here (Chao 1987; Chiu et al. 2014; Zelterman 1988;
  Böhning 2008), to 1e-12 relative;
* known truth by simulation (seeded): homogeneous Poisson counts (both estimators consistent,
  95 % intervals cover 91-99 % of 400 replicates, the standard error within 15 % of the
  replicates' SD) and a gamma mixture (Chao's estimate a lower bound: below the truth on average).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import drugtrends as dt
from drugtrends.errors import InputError
from drugtrends.indirect import truncated_count

ILL = {1: 1645, 2: 183, 3: 37, 4: 13, 5: 1, 6: 1}


def test_chao_equals_rcapture_on_the_illegal_immigrant_data():
    r = truncated_count(ILL).set_index("model")
    assert round(r.loc["chao", "N"], 1) == 9273.5 and round(r.loc["chao", "se"], 1) == 662.6
    assert r.loc["chao", "n_observed"] == 1880
    assert list(truncated_count(ILL).columns[:8]) == ["model", "N", "n_observed", "n_unobserved", "se", "ci_low",
                                                      "ci_high", "ci_method"]


def test_every_estimator_equals_its_published_formula():
    f1, f2, n = 1645, 183, 1880
    r = truncated_count(ILL, methods=["chao", "chao_bc", "zelterman"]).set_index("model")
    assert r.loc["chao", "N"] == pytest.approx(n + f1 ** 2 / (2 * f2), rel=1e-12)
    assert r.loc["chao", "se"] ** 2 == pytest.approx(f1 ** 4 / (4 * f2 ** 3) + f1 ** 3 / f2 ** 2 + f1 ** 2 / (2 * f2),
                                                     rel=1e-12)
    f0 = f1 * (f1 - 1) / (2 * (f2 + 1))
    assert r.loc["chao_bc", "N"] == pytest.approx(n + f0, rel=1e-12)
    v = f0 + f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2) + f1 ** 2 * (f1 - 1) ** 2 * f2 / (4 * (f2 + 1) ** 4)
    assert r.loc["chao_bc", "se"] ** 2 == pytest.approx(v, rel=1e-12)
    lam = 2 * f2 / f1
    p0 = math.exp(-lam)
    assert r.loc["zelterman", "N"] == pytest.approx(n / (1 - p0), rel=1e-12)
    vz = n * p0 / (1 - p0) ** 2 + n ** 2 * p0 ** 2 * lam ** 2 * (1 / f1 + 1 / f2) / (1 - p0) ** 4
    assert r.loc["zelterman", "se"] ** 2 == pytest.approx(vz, rel=1e-12)
    z = 1.959963984540054
    for m in r.index:  # Chao's (1987) log-normal interval around the unobserved part
        f0m = r.loc[m, "N"] - n
        c = math.exp(z * math.sqrt(math.log(1 + r.loc[m, "se"] ** 2 / f0m ** 2)))
        assert (r.loc[m, "ci_low"], r.loc[m, "ci_high"]) == pytest.approx((n + f0m / c, n + f0m * c), rel=1e-12)


def _simulate(rng, big_n, draw):
    x = draw(rng, big_n)
    v, c = np.unique(x[x > 0], return_counts=True)
    return dict(zip(v.tolist(), c.tolist()))


def test_known_truth_homogeneous_poisson_consistent_and_covered():
    rng = np.random.default_rng(26)
    big_n, reps = 3000, 400
    res = pd.concat([truncated_count(_simulate(rng, big_n, lambda g, k: g.poisson(0.6, k)),
                                     methods=["chao", "chao_bc", "zelterman"]) for _ in range(reps)])
    for m, g in res.groupby("model"):
        assert g["N"].mean() == pytest.approx(big_n, rel=0.02), m
        cover = ((g["ci_low"] <= big_n) & (big_n <= g["ci_high"])).mean()
        assert 0.91 <= cover <= 0.99, (m, cover)
        assert g["se"].mean() == pytest.approx(g["N"].std(), rel=0.15), m


def test_known_truth_chao_is_a_lower_bound_under_heterogeneity():
    rng = np.random.default_rng(260)
    big_n = 3000
    ests = [truncated_count(_simulate(rng, big_n, lambda g, k: g.poisson(g.gamma(0.8, 1 / 0.8 * 0.6, k))),
                            methods="chao")["N"].iloc[0] for _ in range(100)]
    assert np.mean(ests) < 0.97 * big_n


def test_no_one_seen_twice_gives_no_chao_but_a_bias_corrected_estimate():
    r = truncated_count({1: 40, 3: 2}, methods=["chao", "chao_bc", "zelterman"]).set_index("model")
    assert math.isnan(r.loc["chao", "N"]) and not r.loc["chao", "reliable"] and "f2 = 0" in r.loc["chao", "notes"]
    assert math.isnan(r.loc["zelterman", "N"]) and not r.loc["zelterman", "reliable"]
    assert r.loc["chao_bc", "N"] == pytest.approx(42 + 40 * 39 / 2)
    assert not r.loc["chao_bc", "reliable"] and "fewer than 10" in r.loc["chao_bc", "notes"]


def test_list_and_series_inputs_equal_the_mapping():
    a = truncated_count(ILL)
    b = truncated_count([1645, 183, 37, 13, 1, 1])
    c = truncated_count(pd.Series(ILL))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert dt.indirect.truncated_count is truncated_count


@pytest.mark.parametrize("bad, match", [
    ({0: 5, 1: 3}, "whole number >= 1"),
    ({1: -3, 2: 1}, "whole number >= 0"),
    ({1: 2.5}, "whole number >= 0"),
    ({1: 0, 2: 0}, "nobody was seen"),
    ({}, "must be a mapping"),
    ("abc", "must be a mapping"),
])
def test_bad_frequencies_are_refused(bad, match):
    with pytest.raises(InputError, match=match):
        truncated_count(bad)


def test_unknown_method_is_refused():
    with pytest.raises(InputError, match="zelterman"):
        truncated_count(ILL, methods="zeltermann")
