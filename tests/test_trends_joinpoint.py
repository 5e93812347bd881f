"""Joinpoint regression: exact recoveries, brute-force checks, hand-computed AAPC, breaks.

Independent references used here: exact exponential / piecewise series whose
APCs are known in closed form; a brute-force grid search (``itertools`` over
every admissible location set, ``numpy.linalg.lstsq`` per set) written in this
file; ``statsmodels`` WLS fitted on the hinge design at the selected
locations; and, when ``tests/reference/trends_vsrr_segmented.csv`` exists,
R ``segmented`` on the VSRR synthetic-opioid series.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _data import real_file
from scipy import stats

from drugtrends.errors import BreakError, UnknownVariableError
from drugtrends.trends import Break, breaks_for, joinpoint
from drugtrends.trends.jp_grid import location_sets as _location_sets

HERE = Path(__file__).parent


def _series(years, log_y):
    return pd.DataFrame({"year": np.asarray(years, float), "rate": np.exp(log_y)})


# --------------------------------------------------------------- exact cases
def test_exact_exponential_recovers_apc_and_zero_joinpoints():
    yrs = np.arange(1999, 2021)
    d = _series(yrs, math.log(3.7) + math.log(1.063) * (yrs - 1999))
    for method in ("permutation", "bic"):
        r = joinpoint(d, method=method, n_permutations=199)
        assert r.n_joinpoints == 0, method
        assert abs(r.segments["apc"].iloc[0] - 6.3) < 1e-10
        assert abs(r.aapc["aapc"].iloc[0] - 6.3) < 1e-10
        assert np.allclose(r.fitted["fitted"], d["rate"], rtol=1e-12)


def test_exact_piecewise_linear_model_recovers_slopes():
    x = np.arange(2000, 2016, dtype=float)
    y = np.where(x <= 2007, 3 + 2 * (x - 2000), 3 + 14 - 1.5 * (x - 2007))
    r = joinpoint(pd.DataFrame({"year": x, "rate": y}), model="linear", method="bic", max_joinpoints=2)
    assert r.n_joinpoints == 1
    assert r.joinpoints["x"].iloc[0] == 2007
    assert np.allclose(r.segments["slope"], [2.0, -1.5], atol=1e-10)
    assert r.segments["apc"].isna().all()  # no APC on the linear scale


def test_known_joinpoints_recovered_with_noise():
    """Two true joinpoints (2010, 2017), APCs +10, -5, +2, log-scale noise sd 0.01."""
    rng = np.random.default_rng(20240611)
    yrs = np.arange(2003, 2025).astype(float)
    b = np.log(np.array([1.10, 0.95, 1.02]))
    ly = (math.log(5) + b[0] * (yrs - 2003) + (b[1] - b[0]) * np.maximum(yrs - 2010, 0)
          + (b[2] - b[1]) * np.maximum(yrs - 2017, 0))
    d = _series(yrs, ly + rng.normal(0, 0.01, len(yrs)))
    r = joinpoint(d, n_permutations=999, seed=1)
    assert r.n_joinpoints == 2
    assert r.joinpoints["x"].tolist() == [2010.0, 2017.0]
    # tolerance: slope SEs here are ~0.002-0.003 on the log scale -> 1 percentage point is > 3 SE
    assert np.allclose(r.segments["apc"], [10, -5, 2], atol=1.0)
    # each true APC inside its 95% CI
    assert ((r.segments["apc_ci_low"] < [10, -5, 2]) & ([10, -5, 2] < r.segments["apc_ci_high"])).all()
    # Lerman intervals for the locations cover the truth and are not degenerate
    assert ((r.joinpoints["ci_low"] <= [2010, 2017]) & ([2010, 2017] <= r.joinpoints["ci_high"])).all()
    # sequential tests: 0 vs 3 rejected first, at level alpha/3
    first = r.selection.iloc[0]
    assert (first["null"], first["alternative"]) == (0, 3) and first["reject"]
    assert first["alpha_level"] == pytest.approx(0.05 / 3)
    assert "rose 10" in r.summary() and "until 2010" in r.summary()


def test_no_trend_change_keeps_zero_joinpoints():
    rng = np.random.default_rng(7)
    yrs = np.arange(2000, 2020).astype(float)
    d = _series(yrs, 1 + 0.03 * (yrs - 2000) + rng.normal(0, 0.02, len(yrs)))
    r = joinpoint(d, n_permutations=499, seed=3)
    assert r.n_joinpoints == 0
    assert r.selection["p"].iloc[-1] > 0.05


# ------------------------------------------------- grid search vs brute force
def _brute_force(x, z, w, k, min_end, min_between):
    best = (np.inf, None)
    n = len(x)
    for idx in itertools.combinations(range(n), k):
        if idx and (idx[0] < min_end or n - 1 - idx[-1] < min_end):
            continue
        if any(b - a - 1 < min_between for a, b in zip(idx[:-1], idx[1:])):
            continue
        X = np.column_stack([np.ones(n), x] + [np.maximum(x - x[i], 0) for i in idx])
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
        sse = float(np.sum(w * (z - X @ beta) ** 2))
        if sse < best[0]:
            best = (sse, [x[i] for i in idx])
    return best


@pytest.mark.parametrize("k", [1, 2, 3])
def test_grid_search_matches_brute_force(k):
    rng = np.random.default_rng(k)
    x = np.arange(1990, 2012).astype(float)
    z = np.cumsum(rng.normal(0, 0.05, len(x))) + 2
    d = pd.DataFrame({"year": x, "rate": np.exp(z)})
    r = joinpoint(d, method="bic", max_joinpoints=k, min_joinpoints=k, joinpoint_ci=False)
    sse, taus = _brute_force(x, z, np.ones_like(x), k, 2, 2)
    assert r.joinpoints["x"].tolist() == taus
    assert np.isclose(np.sum(np.log(d["rate"] / r.fitted["fitted"]) ** 2), sse, rtol=1e-10)


def test_location_sets_follow_nci_minimum_observation_rule():
    x = np.arange(12).astype(float)
    for k, me, mb in [(1, 2, 2), (2, 2, 2), (3, 2, 2), (2, 3, 1), (2, 1, 0)]:
        got = {tuple(r) for r in _location_sets(x, x, k, me, mb)}
        want = {c for c in itertools.combinations(range(12), k)
                if c[0] >= me and 11 - c[-1] >= me and all(b - a - 1 >= mb for a, b in zip(c[:-1], c[1:]))}
        assert got == want, (k, me, mb)


def test_max_joinpoints_capped_for_short_series():
    """France-style 5-point series: NCI's formula 2*2 + 0*2 + 1 = 5 obs allows 1 joinpoint."""
    d = _series([2005, 2010, 2014, 2017, 2023], np.log([0.6, 0.9, 1.1, 1.6, 2.7]))
    r = joinpoint(d, method="bic")
    assert "lowered from 3 to 1" in r.notes[0]
    assert r.selection["k"].tolist() == [0, 1]


# ------------------------------------------------------------- weights, SEs
def test_weighted_fit_matches_statsmodels_wls():
    rng = np.random.default_rng(11)
    yrs = np.arange(2000, 2018).astype(float)
    ly = 2 + 0.12 * (yrs - 2000) - 0.2 * np.maximum(yrs - 2009, 0)
    y = np.exp(ly + rng.normal(0, 0.02, len(yrs)))
    se = y * rng.uniform(0.01, 0.05, len(yrs))
    d = pd.DataFrame({"year": yrs, "rate": y, "se": se})
    r = joinpoint(d, se="se", method="bic", max_joinpoints=1, min_joinpoints=1)
    tau = r.joinpoints["x"].iloc[0]
    X = np.column_stack([np.ones_like(yrs), yrs, np.maximum(yrs - tau, 0)])
    m = sm.WLS(np.log(y), X, weights=(y / se) ** 2).fit()
    # statsmodels' df_resid is n - 3; NCI / segmented count the joinpoint too: n - 4
    scale = m.ssr / (len(yrs) - 4)
    cov = m.normalized_cov_params * scale
    L = np.array([[0, 1, 0], [0, 1, 1]])
    slopes = L @ m.params
    ses = np.sqrt(np.diag(L @ cov @ L.T))
    assert np.allclose(r.segments["slope"], slopes, rtol=1e-10)
    assert np.allclose(r.segments["slope_se"], ses, rtol=1e-8)
    t = stats.t.ppf(0.975, len(yrs) - 4)
    assert np.allclose(r.segments["apc_ci_low"], 100 * np.expm1(slopes - t * ses), rtol=1e-8)
    # the permutation selection runs on the weighted fit too and finds the change
    rp = joinpoint(d, se="se", max_joinpoints=2, n_permutations=199, seed=2)
    assert rp.n_joinpoints == 1 and rp.joinpoints["x"].iloc[0] == tau
    # the unweighted fit differs (weights matter)
    r0 = joinpoint(d, method="bic", max_joinpoints=1, min_joinpoints=1)
    assert not np.allclose(r0.segments["slope"], r.segments["slope"], rtol=1e-6)


def test_aapc_hand_computation():
    rng = np.random.default_rng(5)
    yrs = np.arange(2000, 2020).astype(float)
    ly = 1 + 0.08 * (yrs - 2000) - 0.10 * np.maximum(yrs - 2012, 0)
    d = _series(yrs, ly + rng.normal(0, 0.01, len(yrs)))
    r = joinpoint(d, method="bic", max_joinpoints=1, aapc_range=[(2000, 2019), (2014, 2019), (2010, 2016)])
    assert r.n_joinpoints == 1
    tau = r.joinpoints["x"].iloc[0]
    s = r.segments["slope"].to_numpy()
    cov = r.slope_cov
    # whole period: weights (tau - 2000, 2019 - tau)
    w = np.array([tau - 2000, 2019 - tau])
    b = w @ s / w.sum()
    se = math.sqrt(w @ cov @ w) / w.sum()
    row = r.aapc.iloc[0]
    assert row["aapc"] == pytest.approx(100 * math.expm1(b), rel=1e-12)
    assert row["ci_low"] == pytest.approx(100 * math.expm1(b - 1.959963984540054 * se), rel=1e-9)
    assert row["dist"] == "normal"
    # period inside the last segment: AAPC equals that segment's APC and t-based CI
    row = r.aapc.iloc[1]
    seg = r.segments.iloc[1]
    assert row["dist"] == "t"
    assert row["aapc"] == pytest.approx(seg["apc"], rel=1e-12)
    assert row["ci_low"] == pytest.approx(seg["apc_ci_low"], rel=1e-9)
    assert row["ci_high"] == pytest.approx(seg["apc_ci_high"], rel=1e-9)
    # a period straddling the joinpoint
    row = r.aapc.iloc[2]
    w = np.array([tau - 2010, 2016 - tau])
    assert row["slope"] == pytest.approx(w @ s / w.sum(), rel=1e-12)
    with pytest.raises(ValueError, match="AAPC period"):
        r.aapc_over(1995, 2005)


def test_permutation_is_seeded_and_reproducible():
    rng = np.random.default_rng(2)
    yrs = np.arange(2000, 2016).astype(float)
    d = _series(yrs, 0.05 * yrs - 0.04 * np.maximum(yrs - 2008, 0) + rng.normal(0, 0.02, len(yrs)))
    a = joinpoint(d, n_permutations=299, seed=9)
    b = joinpoint(d, n_permutations=299, seed=9)
    pd.testing.assert_frame_equal(a.selection, b.selection)
    # p-values live on the (1 + m)/(N + 1) lattice
    m = a.selection["p"] * 300 - 1
    assert np.allclose(m, np.round(m))


# ------------------------------------------------------------------ inputs
def test_bad_inputs_raise_clear_errors():
    d = _series(np.arange(2000, 2010), np.zeros(10))
    with pytest.raises(UnknownVariableError, match="deaths"):
        joinpoint(d, y="deaths")
    bad = d.copy()
    bad.loc[3, "rate"] = 0.0
    with pytest.raises(ValueError, match="year = \\[2003.0\\]"):
        joinpoint(bad)
    dup = pd.concat([d, d.iloc[[0]]])
    with pytest.raises(ValueError, match="duplicated year"):
        joinpoint(dup)


# ------------------------------------------------------------------ breaks
def test_break_raises_by_default_and_can_be_overridden():
    yrs = np.arange(2010, 2020).astype(float)
    d = _series(yrs, 0.02 * yrs)
    with pytest.raises(BreakError, match="2015 NSDUH questionnaire redesign.*allow_breaks=True"):
        joinpoint(d, breaks=breaks_for("nsduh"))
    r = joinpoint(d, breaks=breaks_for("nsduh"), allow_breaks=True, method="bic")
    assert [b.at for b in r.breaks] == [2015, 2020, 2021]
    # a break outside the data range is fine
    joinpoint(d[d.year < 2015], breaks=breaks_for("nsduh"), method="bic")
    # a numeric break is a user-declared one
    with pytest.raises(BreakError, match="user-declared"):
        joinpoint(d, breaks=[2013])
    assert isinstance(r.breaks[0], Break)


# ------------------------------------------------------- real data: VSRR
def _vsrr_path() -> Path:
    return real_file("cdc_vsrr", "VSRR_Provisional_Drug_Overdose_Death_Counts.csv")


def _vsrr_t404() -> pd.DataFrame:
    """US synthetic-opioid series: the official reader if present, else pandas on the CSV."""
    path = _vsrr_path()
    ind = "Synthetic opioids, excl. methadone (T40.4)"
    try:
        from drugtrends.readers.vsrr import read_vsrr
    except ImportError:
        read_vsrr = None
    if read_vsrr is not None:
        v = read_vsrr(path)
        v = v[(v["state"] == "US") & (v["indicator"] == ind) & (v["period"] == "12 month-ending")]
        out = pd.DataFrame({"x": v["year"] + (v["month"] - 1) / 12, "deaths": v["reported"].astype(float),
                            "Footnote Symbol": v["footnote_symbol"].astype(str)})
        return out.sort_values("x").reset_index(drop=True)
    d = pd.read_csv(path)
    d = d[(d["State"] == "US") & (d["Indicator"] == ind)].copy()
    months = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"], 1)}
    d["x"] = d["Year"] + (d["Month"].map(months) - 1) / 12
    d["deaths"] = pd.to_numeric(d["Data Value"])
    return d[["x", "deaths", "Footnote Symbol"]].sort_values("x").reset_index(drop=True)


@pytest.mark.realdata
def test_vsrr_synthetic_opioids_joinpoint():
    """US 12-month-ending deaths involving synthetic opioids (T40.4), Jan 2015 - Sep 2018.

    The counts rose steeply (fentanyl) and slowed from late 2017. Numbers
    checked by hand on the file: 5,766 (Jan 2015) -> 28,659 (Dec 2017),
    i.e. ln(28659/5766)/(35/12) = 0.550 a year on average = +73% a year.
    """
    d = _vsrr_t404()
    assert len(d) == 45 and d["deaths"].iloc[0] == 5766
    r = joinpoint(d, x="x", y="deaths", method="bic", max_joinpoints=3)
    assert r.n_joinpoints >= 1
    # the last segment is much flatter than the average 2015-2017 growth
    seg = r.segments
    assert seg["apc"].iloc[-1] < 20 < 60 < seg["apc"].max()
    whole = r.aapc_over(2015.0, 2017 + 11 / 12)
    assert whole["aapc"] == pytest.approx(100 * math.expm1(math.log(28659 / 5766) / (35 / 12)), abs=8)


@pytest.mark.realdata
def test_vsrr_status_break_detected_from_footnotes():
    from drugtrends.trends import detect_definition_breaks

    d = _vsrr_t404()
    br = detect_definition_breaks(d, x="x", definition="Footnote Symbol", series="cdc_vsrr")
    assert [b.at for b in br] == [2018]
    with pytest.raises(BreakError, match="Footnote Symbol changed from \\*\\* to \\*"):
        joinpoint(d, x="x", y="deaths", breaks=br, method="bic")


T404 = "Synthetic opioids, excl. methadone (T40.4)"


@pytest.fixture(scope="module")
def seg_ref():
    ref_csv = HERE / "reference" / "trends_vsrr_segmented.csv"
    if not ref_csv.is_file():
        pytest.skip("tests/reference/trends_vsrr_segmented.csv not written yet (R reference helper)")
    sys.path.insert(0, str(HERE))
    from reference.reference import load_reference

    ref = load_reference("trends_vsrr_segmented")
    return ref[ref["variable"] == T404]


def _rv(ref, analysis, statistic, level=""):
    from reference.reference import ref_value

    return ref_value(ref, analysis, statistic, variable=T404, level=level)


@pytest.mark.realdata
def test_vsrr_no_joinpoint_matches_r_lm(seg_ref):
    """0 joinpoints = ordinary least squares of log(deaths) on x: identical to R lm."""
    d = _vsrr_t404()
    assert len(d) == _rv(seg_ref, "vsrr_series", "n")
    r = joinpoint(d, x="x", y="deaths", max_joinpoints=0)
    assert r.segments["slope"].iloc[0] == pytest.approx(_rv(seg_ref, "vsrr_lin", "slope"), rel=1e-10)
    assert r.segments["slope_se"].iloc[0] == pytest.approx(_rv(seg_ref, "vsrr_lin", "slope_se"), rel=1e-8)
    assert r.segments["apc"].iloc[0] == pytest.approx(_rv(seg_ref, "vsrr_lin", "apc"), rel=1e-10)
    rss = float(np.sum(np.log(r.fitted["y"] / r.fitted["fitted"]) ** 2))
    assert rss == pytest.approx(_rv(seg_ref, "vsrr_lin", "rss"), rel=1e-9)


@pytest.mark.realdata
def test_vsrr_against_r_segmented(seg_ref):
    """Cross-check with R ``segmented`` and R's exact least-squares profile, 1 and 2 breakpoints.

    Method difference: ``segmented`` estimates breakpoints as continuous
    parameters (Muggeo's iterative linearisation), so they fall between
    months; our NCI-style grid search puts joinpoints on observed months, or on
    ``n_grid_between`` points between them. With 99 points between months
    (grid step 1/1200 year) the single joinpoint must match R's exact profile
    minimum (``vsrr_grid1``) and segmented's psi within one step, and the RSS
    within 1e-6 relative; with 5 points (step 1/72 year) two joinpoints must
    be within one step of R's two-breakpoint optimum (``vsrr_grid2``), slopes
    within 2e-3 (log scale; ~0.3 APC points), and RSS within 0.1 %.

    Standard errors differ by design: ours (like NCI's parametric intervals)
    are conditional on the joinpoint locations, while ``segmented`` keeps the
    breakpoint's linearisation column (V) in the model when computing slope
    SEs, which makes them larger. We therefore only check ours are smaller,
    but of the same order (ratio 0.5 to 1).
    """
    d = _vsrr_t404()
    r1 = joinpoint(d, x="x", y="deaths", method="bic", max_joinpoints=1, min_joinpoints=1,
                   n_grid_between=99, joinpoint_ci=False)
    psi = _rv(seg_ref, "vsrr_grid1", "psi", "1")
    assert abs(r1.joinpoints["x"].iloc[0] - psi) <= 1 / 1200 + 1e-9
    assert abs(r1.joinpoints["x"].iloc[0] - _rv(seg_ref, "vsrr_seg1", "psi", "1")) <= 1 / 1200 + 1e-9
    rss1 = float(np.sum(np.log(r1.fitted["y"] / r1.fitted["fitted"]) ** 2))
    assert rss1 == pytest.approx(_rv(seg_ref, "vsrr_grid1", "rss"), rel=1e-6)
    for j in (1, 2):
        seg = r1.segments.iloc[j - 1]
        assert seg["slope"] == pytest.approx(_rv(seg_ref, "vsrr_seg1", "slope", str(j)), abs=1e-4)
        assert seg["apc"] == pytest.approx(_rv(seg_ref, "vsrr_seg1", "apc", str(j)), abs=0.02)
        ratio = seg["slope_se"] / _rv(seg_ref, "vsrr_seg1", "slope_se", str(j))
        assert 0.5 < ratio <= 1.0
    # AAPC over the whole range, slope scale: same weighted mean as segmented::aapc
    assert r1.aapc["slope"].iloc[0] == pytest.approx(_rv(seg_ref, "vsrr_seg1", "aapc"), abs=1e-5)
    assert r1.aapc["aapc"].iloc[0] == pytest.approx(_rv(seg_ref, "vsrr_seg1", "aapc_pct"), abs=0.01)

    r2 = joinpoint(d, x="x", y="deaths", method="bic", max_joinpoints=2, min_joinpoints=2,
                   n_grid_between=5, joinpoint_ci=False)
    for j in (1, 2):
        assert abs(r2.joinpoints["x"].iloc[j - 1] - _rv(seg_ref, "vsrr_grid2", "psi", str(j))) <= 1 / 72 + 1e-9
    for j in (1, 2, 3):
        assert r2.segments["slope"].iloc[j - 1] == pytest.approx(_rv(seg_ref, "vsrr_seg2", "slope", str(j)), abs=2e-3)
    rss2 = float(np.sum(np.log(r2.fitted["y"] / r2.fitted["fitted"]) ** 2))
    assert rss2 == pytest.approx(_rv(seg_ref, "vsrr_grid2", "rss"), rel=1e-3)
    assert rss2 >= _rv(seg_ref, "vsrr_grid2", "rss") * (1 - 1e-9)  # a grid cannot beat the exact optimum


# -------------------------------------------------------------------- plot
def test_plot_draws_its_own_figure(monkeypatch):
    """The statistics layer never imports drugtrends.plots: .plot() is a plain matplotlib quick look, deprecated
    (FutureWarning naming dt.plots.joinpoint_plot, the one drawing of a fit) for one minor version."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yrs = np.arange(2008, 2020).astype(float)
    d = _series(yrs, 0.1 * (yrs - 2008) - 0.15 * np.maximum(yrs - 2014, 0))
    r = joinpoint(d, method="bic", breaks=[Break("demo", 2012, "survey redesign", "redesign")], allow_breaks=True)
    with pytest.warns(FutureWarning, match=r"dt\.plots\.joinpoint_plot\(result"):
        fig = r.plot(ylabel="Deaths per 100,000", source="Synthetic data")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Deaths per 100,000"
    assert "rose" in ax.get_title(loc="left")
    plt.close(fig)
    # the same figure whatever the presentation layer holds: CI band and break marker
    try:
        import drugtrends.plots as plots
    except ImportError:
        plots = None
    if plots is not None:
        monkeypatch.delattr(plots, "joinpoint_plot", raising=False)
    with pytest.warns(FutureWarning):
        fig = r.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "year" and ax.get_ylabel() == "rate"
    assert len(ax.collections) >= 1  # CI band
    assert any("break: survey redesign" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_permutation_p_value_matches_brute_force():
    """0 vs 1 joinpoint: p-value recomputed with a slow loop (polyfit + brute-force grid per permutation).

    The permutations are drawn exactly as joinpoint() draws them (same generator and seed);
    everything else (fits, statistic, counting) is independent.
    """
    rng0 = np.random.default_rng(17)
    x = np.arange(2000, 2014).astype(float)
    z = 1 + 0.04 * (x - 2000) - 0.03 * np.maximum(x - 2007, 0) + rng0.normal(0, 0.02, len(x))
    d = pd.DataFrame({"year": x, "rate": np.exp(z)})
    N = 199
    r = joinpoint(d, max_joinpoints=1, n_permutations=N, seed=4, joinpoint_ci=False)
    n = len(x)
    b = np.polyfit(x - x.mean(), z, 1)
    fit0 = np.polyval(b, x - x.mean())
    res0 = z - fit0
    sse0 = float(res0 @ res0)
    sse1, _ = _brute_force(x, z, np.ones(n), 1, 2, 2)
    t_obs = (sse0 - sse1) / sse1
    perms = np.random.default_rng(4).permuted(np.broadcast_to(np.arange(n), (N, n)), axis=1)
    count = 0
    for p in perms:
        zs = fit0 + res0[p]
        bs = np.polyfit(x - x.mean(), zs, 1)
        s0 = float(np.sum((zs - np.polyval(bs, x - x.mean())) ** 2))
        s1, _ = _brute_force(x, zs, np.ones(n), 1, 2, 2)
        count += (s0 - s1) / s1 >= t_obs * (1 - 1e-10)
    assert r.selection["statistic"].iloc[0] == pytest.approx(t_obs, rel=1e-8)
    assert r.selection["p"].iloc[0] == (1 + count) / (N + 1)


def test_summary_formats_monthly_x():
    x = 2015 + np.arange(24) / 12
    ly = np.where(x < 2016.0833, 0.5 * (x - 2015), 0.5 * 13 / 12 + 0.05 * (x - 2015 - 13 / 12))
    r = joinpoint(pd.DataFrame({"x": x, "deaths": np.exp(8 + ly)}), x="x", y="deaths", method="bic",
                  max_joinpoints=1)
    assert "until Feb 2016" in r.summary()
