"""Every interval the indirect estimators return contains its estimate, or the call is refused (issue 24).

Property tests (Hypothesis) over random valid inputs, and the cases issue 24 found: a
multiplier interval not around its proportion or benchmark, a negative count or a reversed
interval given to ``prevalence_per_1000``, ``chapman`` with nobody on a list or nobody on both.
"""

from __future__ import annotations

import itertools
import math
import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drugtrends.errors import EmptyDomainError, InputError, ModelWarning
from drugtrends.indirect import (
    capture_recapture,
    chapman,
    lincoln_petersen,
    multiplier,
    prevalence_per_1000,
    truncated_count,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def contains(r: pd.DataFrame, est: str = "N") -> bool:
    ok = r[["ci_low", est, "ci_high"]].notna().all(axis=1)
    return bool(((r.loc[ok, "ci_low"] <= r.loc[ok, est] * (1 + 1e-12) + 1e-9)
                 & (r.loc[ok, est] <= r.loc[ok, "ci_high"] * (1 + 1e-12) + 1e-9)).all())


# --------------------------------------------------------------------------- issue 24 cases


def test_multiplier_refuses_a_proportion_interval_not_around_the_proportion():
    with pytest.raises(InputError, match=r"does not contain the proportion 0\.25"):
        multiplier(12_000, 0.25, proportion_ci=(0.3, 0.4))


def test_multiplier_refuses_a_benchmark_interval_not_around_the_benchmark():
    with pytest.raises(InputError, match=r"does not contain the benchmark 12000"):
        multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3), benchmark_ci=(2_000, 3_000))


def test_prevalence_refuses_negative_counts_and_reversed_intervals():
    with pytest.raises(InputError, match="negative"):
        prevalence_per_1000(-5, 1_000)
    with pytest.raises(InputError, match="negative"):
        prevalence_per_1000(5, 1_000, -1, 10)
    with pytest.raises(InputError, match="does not contain"):
        prevalence_per_1000(50, 1_000, 60, 40)
    with pytest.raises(InputError, match="does not contain"):
        prevalence_per_1000(50, 1_000, 60, 70)


def test_chapman_with_an_empty_list_is_refused_never_n_0_with_ci_0_0():
    for args in ((0, 0, 0), (0, 10, 0), (10, 0, 0)):
        with pytest.raises(InputError, match="nobody on it"):
            chapman(*args)


def test_chapman_without_recapture_is_flagged():
    r = chapman(30, 25, 0).iloc[0]
    assert not r["reliable"] and "no recapture" in r["notes"]
    assert r["ci_low"] <= r["N"] <= r["ci_high"]


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(n1=st.integers(1, 5_000), n2=st.integers(1, 5_000), frac=st.floats(0, 1), level=st.floats(0.5, 0.99),
       ci=st.sampled_from(["lognormal", "normal"]))
def test_two_list_intervals_contain_the_estimate(n1, n2, frac, level, ci):
    m = int(round(frac * min(n1, n2)))
    r = chapman(n1, n2, m, level=level, ci=ci)
    assert contains(r)
    if m > 0:
        assert contains(lincoln_petersen(n1, n2, m, level=level, ci=ci))


@SETTINGS
@given(b=st.floats(1, 1e6), p=st.floats(0.001, 0.99), lo=st.floats(0.01, 0.99), hi=st.floats(1.0, 3.0),
       blo=st.floats(0.5, 1.0), bhi=st.floats(1.0, 2.0), method=st.sampled_from(["auto", "delta", "endpoints"]))
def test_multiplier_intervals_contain_the_estimate(b, p, lo, hi, blo, bhi, method):
    pci = (p * lo, min(p * hi, 1.0))
    r = multiplier([b, b * 2], [p, p], proportion_ci=[pci, pci], benchmark_ci=[(b * blo, b * bhi), (2 * b * blo, 2 * b * bhi)],
                   method=method)
    assert contains(r)
    rate = prevalence_per_1000(r.iloc[:2], population=max(r["ci_high"].max(), r["N"].max()) * 10)
    assert contains(rate.rename(columns={"per_1000": "x", "per_1000_ci_low": "lo", "per_1000_ci_high": "hi"})
                    .drop(columns=["ci_low", "ci_high"]).rename(columns={"lo": "ci_low", "hi": "ci_high"}), "x")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=st.lists(st.integers(0, 400), min_size=7, max_size=7),
       model=st.sampled_from(["independence", "A:B", "Mh Chao (LB)", "Mth Poisson2", "Mth Darroch", "M0"]))
def test_capture_recapture_intervals_contain_the_estimate(counts, model):
    h = pd.DataFrame(list(itertools.product([1, 0], repeat=3))[:-1], columns=["A", "B", "C"]).assign(n=counts)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelWarning)
            r = capture_recapture(h, ["A", "B", "C"], models=model)
    except (InputError, EmptyDomainError):
        return  # an empty list or no observation: refused, with a message
    ok = r["identifiable"] & ~r["boundary"] & r["ci_high"].apply(math.isfinite)
    assert contains(r[ok])


@SETTINGS
@given(freqs=st.lists(st.integers(0, 3_000), min_size=1, max_size=8), level=st.floats(0.5, 0.99))
def test_truncated_count_intervals_contain_the_estimate(freqs, level):
    if sum(freqs) == 0:
        with pytest.raises(InputError):
            truncated_count(freqs)
        return
    r = truncated_count(freqs, methods=["chao", "chao_bc", "zelterman"], level=level)
    assert contains(r)
    assert (r["N"].dropna() >= r.loc[r["N"].notna(), "n_observed"]).all()
