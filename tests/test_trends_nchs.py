"""Joinpoint on the NCHS overdose death rates (issue 17 bar): published results, batch fits, comparisons.

References: NCHS Data Brief 329 (joinpoints and APCs published from the NCI Joinpoint program,
recorded in tests/reference/README.md); separate single-series fits (batch = loop); the
benchmark of a whole table in the slow-marked test.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import InputError
from drugtrends.trends import compare_joinpoint, joinpoint

GROUPS = ["drug", "group_type", "race_standard", "group"]


@pytest.fixture(scope="module")
def nchs() -> pd.DataFrame:
    import drugtrends as dt
    from drugtrends.errors import DrugtrendsError

    try:
        d = dt.load("nchs_overdose_rates")
    except DrugtrendsError as exc:  # pragma: no cover - no mirror
        from _data import no_data

        no_data(f"nchs_overdose_rates: {exc}")
    return d


def _age_adjusted(d: pd.DataFrame, min_years: int = 10) -> pd.DataFrame:
    a = d[d["rate_type"] == "age_adjusted"].dropna(subset=["rate"]).copy()
    a["race_standard"] = a["race_standard"].fillna("-")
    for c in GROUPS:
        a[c] = a[c].astype(str)
    n = a.groupby(GROUPS)["year"].transform("size")
    return a[n >= min_years]


@pytest.mark.realdata
def test_data_brief_329_all_drugs_1999_2017(nchs):
    """Segments start 1999, 2006, 2014; APCs round to 10, 3, 16 (NCHS Data Brief 329, Figure 1)."""
    s = nchs[(nchs["drug"] == "all_drugs") & (nchs["rate_type"] == "age_adjusted")
             & (nchs["group"] == "All persons") & (nchs["year"] <= 2017)]
    assert len(s) == 19 and s["rate"].iloc[0] == 6.1 and s.loc[s["year"] == 2017, "rate"].item() == 21.7
    r = joinpoint(s, x="year", y="rate")  # NCI defaults: permutation tests, 4499 permutations, max 3
    assert r.segments["x_start"].tolist() == [1999, 2006, 2014]
    assert r.segments["apc"].round(0).tolist() == [10, 3, 16]
    assert (r.segments["apc_p"] < 0.05).all()
    # the data-driven selection and the empirical quantile CIs agree on this series
    w = joinpoint(s, method="wbic", ci="empirical_quantile", n_resamples=500, seed=1)
    assert w.segments["x_start"].tolist() == [1999, 2006, 2014]
    seg = w.segments
    assert ((seg["apc_ci_low"] < seg["apc"]) & (seg["apc"] < seg["apc_ci_high"])).all()


@pytest.mark.realdata
def test_batch_equals_separate_fits_and_carries_group_columns(nchs):
    a = _age_adjusted(nchs)
    a = a[a["drug"].isin(["heroin", "synthetic_opioids"]) & a["group_type"].isin(["total", "sex"])]
    res = joinpoint(a, by=GROUPS, n_permutations=199, max_joinpoints=2)
    assert len(res) == 6
    assert list(res.segments.columns[:4]) == GROUPS and "n_joinpoints" in res.segments
    assert list(res.aapc.columns[:4]) == GROUPS
    for key, r in res.results.items():
        one = a[(a[GROUPS] == pd.Series(dict(zip(GROUPS, key)))).all(axis=1)]
        alone = joinpoint(one, n_permutations=199, max_joinpoints=2)
        pd.testing.assert_frame_equal(r.segments, alone.segments)
        pd.testing.assert_frame_equal(r.selection, alone.selection)
    r = res[("heroin", "sex", "-", "Male")]
    assert r.segments.equals(res.segments[(res.segments["drug"] == "heroin") & (res.segments["group"] == "Male")]
                             .drop(columns=[*GROUPS, "n_joinpoints"]).reset_index(drop=True))


def test_batch_reports_duplicated_x_naming_the_group():
    """A group that cannot be fitted no longer stops the batch (issue 24): it is reported with its reason."""
    yrs = np.arange(2000, 2010)
    d = pd.DataFrame({"sex": ["F"] * 10 + ["M"] * 11, "year": list(yrs) + list(yrs) + [2005],
                      "rate": np.exp(np.r_[0.1 * np.arange(10), 0.1 * np.arange(11)])})
    with pytest.warns(Warning, match="1 of 2 group"):
        res = joinpoint(d, by="sex", method="bic")
    st = res.status.set_index("sex")
    assert st.loc["F", "status"] == "fitted" and st.loc["M", "status"] == "not fitted"
    assert re.search("group sex='M'.*duplicated year values \\[2005\\]", st.loc["M", "reason"])
    with pytest.raises(InputError, match="no group could be fitted"):
        joinpoint(d[d.sex == "M"], by="sex", method="bic")
    with pytest.raises(InputError, match="lists 'sex' twice"):
        joinpoint(d, by=["sex", "sex"], method="bic")


@pytest.mark.realdata
@pytest.mark.slow
def test_whole_nchs_table_in_well_under_30_seconds(nchs):
    """Every age-adjusted NCHS series with >= 10 years (107 series), NCI defaults (4499 permutations, max 3).

    Measured on the 2-core project machine shared by 8 sessions (load average 7-8): 6.5-10 s
    (the bar is < 30 s); the same table took 32-90 s before the prefix-shared grid bases and
    single-threaded BLAS.
    """
    a = _age_adjusted(nchs)
    t0 = time.perf_counter()
    res = joinpoint(a, by=GROUPS)
    secs = time.perf_counter() - t0
    print(f"\n{len(res)} series, {len(res.segments)} segments in {secs:.1f} s")
    assert len(res) >= 100
    assert secs < 30


# ------------------------------------------------------------------ comparisons
def _pair(slope2: float, level2: float, seed: int, jp: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    yrs = np.arange(1999, 2019).astype(float)
    hinge = np.maximum(yrs - 2008, 0) if jp else 0
    z1 = 1 + 0.05 * (yrs - 1999) + 0.06 * hinge
    z2 = level2 + slope2 * (yrs - 1999) + (slope2 / 0.05) * 0.06 * hinge
    return pd.DataFrame({"year": np.tile(yrs, 2), "sex": np.repeat(["Female", "Male"], 20),
                         "rate": np.exp(np.r_[z1, z2] + rng.normal(0, 0.02, 40))})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parallel_series_with_different_levels(seed):
    c = compare_joinpoint(_pair(0.05, 1.4, seed, jp=True), group="sex", max_joinpoints=2, n_permutations=199)
    assert c.k >= 1  # the common joinpoint is found
    assert c.parallel_p > 0.05 and c.parallel
    assert c.coincident_p < 0.01 and not c.coincident
    row = c.to_frame().iloc[0]
    assert row["group_1"] == "Female" and row["parallel"] and not row["coincident"]
    # the common APCs of the parallel model: 100 (e^0.05 - 1) then 100 (e^0.11 - 1)
    seg = c.parallel_segments
    assert seg["apc"].iloc[0] == pytest.approx(5.13, abs=1.0) and seg["apc"].iloc[-1] == pytest.approx(11.6, abs=1.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_twice_as_steep_is_not_parallel(seed):
    c = compare_joinpoint(_pair(0.10, 1.0, seed), group="sex", max_joinpoints=2, n_permutations=199)
    assert c.parallel_p < 0.01 and not c.parallel
    assert c.coincident_p < 0.01


def test_identical_trends_are_coincident():
    c = compare_joinpoint(_pair(0.05, 1.0, 4), group="sex", max_joinpoints=1, n_permutations=199)
    assert c.coincident_p > 0.05 and c.parallel_p > 0.05


def test_compare_statistic_by_hand_and_permutation_lattice():
    """k = 0: T = (SSE_0 - SSE_1) / SSE_1 from numpy least squares; p on the 1/(N + 1) lattice."""
    d = _pair(0.07, 1.2, 9)
    c = compare_joinpoint(d, group="sex", k=0, n_permutations=99)
    x, z, g = d["year"].to_numpy(), np.log(d["rate"].to_numpy()), (d["sex"] == "Male").to_numpy()

    def sse(X):
        b, *_ = np.linalg.lstsq(X, z, rcond=None)
        return float(np.sum((z - X @ b) ** 2))

    one = np.ones_like(x)
    sep = sse(np.column_stack([~g, g, x * ~g, x * g]).astype(float))
    coin = sse(np.column_stack([one, x]))
    par = sse(np.column_stack([~g, g, x]).astype(float))
    assert c.coincident_stat == pytest.approx((coin - sep) / sep, rel=1e-9)
    assert c.parallel_stat == pytest.approx((par - sep) / sep, rel=1e-9)
    assert c.sse.set_index("model")["sse"].to_dict() == pytest.approx({"separate": sep, "coincident": coin,
                                                                        "parallel": par}, rel=1e-9)
    for p in (c.coincident_p, c.parallel_p):
        assert abs(p * 100 - round(p * 100)) < 1e-9
    again = compare_joinpoint(d, group="sex", k=0, n_permutations=99)
    assert again.to_frame().equals(c.to_frame())


def test_compare_bad_input():
    d = _pair(0.05, 1.0, 1)
    with pytest.raises(InputError, match="exactly two"):
        compare_joinpoint(pd.concat([d, d.assign(sex="Other")]), group="sex")
    with pytest.raises(InputError, match="\\['X'\\] not two distinct levels"):
        compare_joinpoint(d, group="sex", groups=("Female", "X"))
    with pytest.raises(InputError, match="max_joinpoints=-1"):
        compare_joinpoint(d, group="sex", max_joinpoints=-1)


@pytest.mark.realdata
def test_nchs_men_and_women_compared(nchs):
    """All drugs, age-adjusted, 1999-2017: similar AAPCs (7.5-7.6 %) but not parallel: since 2013-14 the
    male rate rose faster (APC 15.5 vs 9.6 %), before it the female rate (11.8 vs 8.9 % until 2006)."""
    s = nchs[(nchs["drug"] == "all_drugs") & (nchs["rate_type"] == "age_adjusted")
             & (nchs["group"].isin(["Male", "Female"])) & (nchs["group_type"] == "sex") & (nchs["year"] <= 2017)]
    s = s.assign(group=s["group"].astype(str))
    c = compare_joinpoint(s, group="group", groups=("Female", "Male"), n_permutations=999)
    assert not c.coincident and not c.parallel
    assert set(c.fits) == {"Female", "Male"}
    f, m = c.fits["Female"], c.fits["Male"]
    assert m.segments["apc"].iloc[-1] > f.segments["apc"].iloc[-1] + 3
    assert f.segments["apc"].iloc[0] > m.segments["apc"].iloc[0] + 1
    assert abs(m.aapc["aapc"].iloc[0] - f.aapc["aapc"].iloc[0]) < 0.5
    assert c.k == max(c.k_selected.values())


@pytest.mark.slow
def test_compare_type_one_error_near_nominal():
    """Under H0 (parallel; coincident) the permutation tests reject about 5 % of the time.

    Measured with 200 replicates: 6.5 % (parallelism) and 7.5 % (coincidence), K chosen from the data
    as NCI does (Kim et al. 2004 report similar small excesses). Here 100 replicates, bound 12 %.
    """
    yrs = np.arange(1999, 2019).astype(float)
    z1 = 1 + 0.05 * (yrs - 1999) + 0.06 * np.maximum(yrs - 2008, 0)
    rej_p = rej_c = 0
    for s in range(100):
        rng = np.random.default_rng(1000 + s)
        d = pd.DataFrame({"year": np.tile(yrs, 2), "g": np.repeat(["a", "b"], 20),
                          "rate": np.exp(np.r_[z1, z1 + 0.4] + rng.normal(0, 0.03, 40))})
        rej_p += compare_joinpoint(d, group="g", max_joinpoints=2, n_permutations=99, method="bic",
                                   seed=s).parallel_p < 0.05
        d.loc[d["g"] == "b", "rate"] = np.exp(z1 + rng.normal(0, 0.03, 20))
        rej_c += compare_joinpoint(d, group="g", max_joinpoints=2, n_permutations=99, method="bic",
                                   seed=s).coincident_p < 0.05
    assert rej_p <= 12 and rej_c <= 12
    assert rej_p + rej_c >= 2  # the tests do reject sometimes under H0 (not degenerate)


def test_compare_constant_weights_and_unequal_years():
    """se= with a constant relative SE changes nothing; series with different years still compare."""
    d = _pair(0.05, 1.4, 5, jp=True)
    a = compare_joinpoint(d, group="sex", max_joinpoints=1, n_permutations=99)
    b = compare_joinpoint(d.assign(se=0.02 * d["rate"]), group="sex", se="se", max_joinpoints=1, n_permutations=99)
    for col in ("coincident_stat", "parallel_stat", "coincident_p", "parallel_p", "k"):
        assert getattr(a, col) == pytest.approx(getattr(b, col), rel=1e-9)
    gap = d[~((d["sex"] == "Male") & d["year"].isin([2003, 2004, 2012]))]
    c = compare_joinpoint(gap, group="sex", max_joinpoints=1, n_permutations=99)
    assert c.parallel and not c.coincident
    assert c.sse.set_index("model").loc["separate", "df"] == 37 - 2 * (2 * c.k + 2)


@pytest.mark.realdata
def test_data_brief_329_against_r_segmented(nchs):
    """R segmented (continuous breakpoints) on the same series: 2006.0 and 2013.56.

    NCI's grid (observed years, as in the Data Brief) puts the second joinpoint at 2014; a fine
    grid (0.02 year) converges to segmented's optimum: locations within the grid step, SSE within
    1e-4 relative (never below the continuous optimum), slopes within 5e-4.
    """
    raw = pd.read_csv(Path(__file__).parent / "reference" / "trends_jp_nchs_segmented.csv",
                      dtype={"level": str}, keep_default_na=False)
    ref = {f"{v}{lv}": float(x) for v, lv, x in zip(raw["variable"], raw["level"], raw["value"])}
    s = nchs[(nchs["drug"] == "all_drugs") & (nchs["rate_type"] == "age_adjusted")
             & (nchs["group"] == "All persons") & (nchs["year"] <= 2017)]
    z = np.log(s["rate"].to_numpy())

    def fit(grid):
        r = joinpoint(s, method="bic", min_joinpoints=2, max_joinpoints=2, n_grid_between=grid, joinpoint_ci=False)
        return r, float(((z - np.log(r.fitted["fitted"].to_numpy())) ** 2).sum())

    coarse, sse0 = fit(0)
    fine, sse = fit(49)
    assert coarse.joinpoints["x"].tolist() == [2006, 2014] and sse0 > ref["rss"] * 1.1
    assert fine.joinpoints["x"].to_numpy() == pytest.approx([ref["psi1"], ref["psi2"]], abs=0.02)
    assert ref["rss"] * (1 - 1e-9) <= sse <= ref["rss"] * (1 + 1e-4)
    assert fine.segments["slope"].to_numpy() == pytest.approx([ref["slope1"], ref["slope2"], ref["slope3"]], abs=5e-4)
