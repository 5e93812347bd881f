"""Joinpoint extensions of issue 17: jump model, weighted BIC, empirical quantile CIs, bad input.

References: closed-form truth on noise-free series; R ``lm`` at fixed joinpoints with a level-shift
dummy (tests/reference/trends_jp_jump.R, its printed output and CSV); hand computations of the
WBIC partial R^2 written here with numpy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import BreakError, InputError, UnknownVariableError
from drugtrends.trends import Break, joinpoint
from drugtrends.trends import columns as C
from drugtrends.trends.jp_select import partial_r2_max

REF = Path(__file__).parent / "reference"


def _jump_series(years=None, shift=1.25, at=2015, slope=0.05):
    yrs = np.asarray(np.arange(2005, 2021) if years is None else years, float)
    return pd.DataFrame({"year": yrs, "rate": np.exp(1 + slope * (yrs - yrs[0])) * np.where(yrs >= at, shift, 1.0)})


# ------------------------------------------------------------------ jump model
def test_jump_noise_free_recovers_apc_and_ratio():
    """ln-slope 0.05 a year is APC = 100 (e^0.05 - 1) = 5.1271 %; a 25 % shift is a ratio of 1.25."""
    d = _jump_series()
    for method in ("permutation", "bic", "wbic"):
        r = joinpoint(d, jump_at=[2015], method=method, n_permutations=99)
        assert r.n_joinpoints == 0, method
        assert r.segments["apc"].iloc[0] == pytest.approx(100 * math.expm1(0.05), abs=1e-9)
        assert round(r.segments["apc"].iloc[0], 3) == 5.127
        cr = r.comparability_ratio
        assert list(cr.columns) == list(C.COMPARABILITY_RATIO)
        assert cr["estimate"].iloc[0] == pytest.approx(1.25, abs=1e-6)
        assert cr["x"].iloc[0] == 2015 and cr["x_jump"].iloc[0] == 2014.5
        # the two ends of the drawn jump: old regime extended to 2014.5, times 1.25
        assert cr["fitted_before"].iloc[0] == pytest.approx(math.exp(1 + 0.05 * 9.5), rel=1e-9)
        assert cr["fitted_after"].iloc[0] == pytest.approx(1.25 * math.exp(1 + 0.05 * 9.5), rel=1e-9)
        assert r.fitted["regime"].tolist() == [0] * 10 + [1] * 6
        assert np.allclose(r.fitted["fitted"], d["rate"], rtol=1e-10)
    # without the jump term the same data need a joinpoint / bias the APC
    plain = joinpoint(d, max_joinpoints=0)
    assert plain.segments["apc"].iloc[0] > 6


def test_jump_with_a_joinpoint_and_noise_covers_truth():
    rng = np.random.default_rng(5)
    yrs = np.arange(1999, 2019).astype(float)
    ly = 1 + 0.10 * (yrs - 1999) - 0.08 * np.maximum(yrs - 2006, 0) + np.log(0.8) * (yrs >= 2012)
    d = pd.DataFrame({"year": yrs, "rate": np.exp(ly + rng.normal(0, 0.01, len(yrs)))})
    r = joinpoint(d, jump_at=2012, max_joinpoints=2, n_permutations=499, seed=2)
    assert r.n_joinpoints == 1 and r.joinpoints["x"].iloc[0] == 2006
    cr = r.comparability_ratio.iloc[0]
    assert cr["ci_low"] < 0.8 < cr["ci_high"] and abs(cr["estimate"] - 0.8) < 0.03
    seg = r.segments
    assert ((seg["apc_ci_low"] < [100 * math.expm1(0.10), 100 * math.expm1(0.02)])
            & ([100 * math.expm1(0.10), 100 * math.expm1(0.02)] < seg["apc_ci_high"])).all()


def test_jump_at_a_declared_break_is_not_refused():
    d = _jump_series()
    brk = [Break("demo", 2015, "ICD coding change", "redesign")]
    with pytest.raises(BreakError):
        joinpoint(d, breaks=brk, method="bic")
    r = joinpoint(d, breaks=brk, jump_at=2015, method="bic")
    assert r.breaks[0].at == 2015 and r.jumps == (2015.0,)
    assert r.summary().endswith("; level shift from 2015: comparability ratio 1.25 (95% CI 1.25 to 1.25)")


def _ref(model: str) -> dict:
    """{variable or variable+level: value} of one analysis of trends_jp_jump.csv."""
    raw = pd.read_csv(REF / "trends_jp_jump.csv", dtype={"level": str}, keep_default_na=False)
    raw = raw[raw["analysis"] == f"jump_{model}"]
    return {f"{v}{lv}": float(val) for v, lv, val in zip(raw["variable"], raw["level"], raw["value"])}


def _nchs_all_drugs() -> pd.DataFrame:
    import drugtrends as dt
    from drugtrends.errors import DrugtrendsError

    try:
        d = dt.load("nchs_overdose_rates")
    except DrugtrendsError as exc:  # pragma: no cover - no mirror
        from _data import no_data

        no_data(f"nchs_overdose_rates: {exc}")
    a = d[(d["drug"] == "all_drugs") & (d["rate_type"] == "age_adjusted") & (d["group"] == "All persons")]
    return a[["year", "rate"]].sort_values("year").reset_index(drop=True)


@pytest.mark.realdata
@pytest.mark.parametrize("model,taus", [("loglinear", [2006.0, 2013.0]), ("linear", [2007.0, 2013.0])])
def test_jump_model_matches_r_lm(model, taus):
    """Coefficients to 1e-9 and SEs to 1e-7 (relative) against R lm() with the same hinges and dummy."""
    ref = _ref(model)
    s = _nchs_all_drugs()
    assert len(s) == 20
    r = joinpoint(s, jump_at=[2011], max_joinpoints=2, method="bic", model=model)
    assert r.joinpoints["x"].tolist() == taus
    scale = math.sqrt(ref["df_lm"] / r.df_resid)  # NCI df n - (2k+2) - m vs lm's n - (k+2) - m
    assert r.df_resid == ref["df_lm"] - 2
    for i in range(3):
        assert r.segments["slope"].iloc[i] == pytest.approx(ref[f"slope{i + 1}"], rel=1e-9)
        assert r.segments["slope_se"].iloc[i] == pytest.approx(ref[f"slope_se{i + 1}"] * scale, rel=1e-7)
    cr = r.comparability_ratio.iloc[0]
    assert cr["jump"] == pytest.approx(ref["jump"], rel=1e-9)
    assert cr["jump_se"] == pytest.approx(ref["jump_se"] * scale, rel=1e-7)
    assert cr["estimate"] == pytest.approx(ref["ratio"], rel=1e-9)
    if model == "linear":
        from scipy import stats

        half = stats.t.ppf(0.975, r.df_resid) * ref["ratio_se_lm"] * scale
        assert cr["ci_high"] - cr["estimate"] == pytest.approx(half, rel=1e-7)
    assert float((np.log(s["rate"]) - np.log(r.fitted["fitted"])).pow(2).sum() if model == "loglinear"
                 else (s["rate"] - r.fitted["fitted"]).pow(2).sum()) == pytest.approx(ref["sse"], rel=1e-9)


def test_jump_plot_draws_the_shift():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = joinpoint(_jump_series(), jump_at=2015, method="bic")
    with pytest.warns(FutureWarning, match="joinpoint_plot"):
        fig = r.plot()
    ax = fig.axes[0]
    vertical = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1] == 2014.5]
    assert vertical and vertical[0].get_ydata()[1] / vertical[0].get_ydata()[0] == pytest.approx(1.25)
    assert any("jump (ratio 1.25)" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


# ------------------------------------------------------------------- WBIC
def test_wbic_partial_r2_by_hand_and_selection():
    rng = np.random.default_rng(3)
    yrs = np.arange(2000, 2020).astype(float)
    z = 1 + 0.06 * (yrs - 2000) - 0.09 * np.maximum(yrs - 2009, 0) + rng.normal(0, 0.02, len(yrs))
    d = pd.DataFrame({"year": yrs, "rate": np.exp(z)})
    r = joinpoint(d, method="wbic", max_joinpoints=2)
    sel = r.selection.set_index("k")
    n = len(yrs)
    # hand computation for the 1-joinpoint model: window = whole series, H0 = straight line
    f1 = joinpoint(d, method="bic", min_joinpoints=1, max_joinpoints=1, joinpoint_ci=False)
    tau = f1.joinpoints["x"].iloc[0]
    X0 = np.column_stack([np.ones(n), yrs])
    M = np.eye(n) - X0 @ np.linalg.pinv(X0)
    h = np.maximum(yrs - tau, 0)
    r2 = (z @ M @ h) ** 2 / ((z @ M @ z) * (h @ M @ h))
    assert sel.loc[1, "r2_max"] == pytest.approx(r2, rel=1e-10)
    sse1 = sel.loc[1, "sse"]
    assert sel.loc[1, "wbic"] == pytest.approx(math.log(sse1 / n) + ((2 + r2) * 1 + 2) * math.log(n) / n, rel=1e-12)
    # WBIC lies between BIC and BIC3 (weight R2_max in [0, 1]); k = 0 has no weight
    assert (sel["bic"] <= sel["wbic"] + 1e-15).all() and (sel["wbic"] <= sel["bic3"] + 1e-15).all()
    assert sel.loc[0, "wbic"] == sel.loc[0, "bic"]
    assert r.n_joinpoints == int(sel["wbic"].idxmin()) == 1


def test_partial_r2_windows_between_neighbouring_joinpoints():
    """Joinpoint 2 of 3: the window runs from after joinpoint 1 to joinpoint 3, by hand."""
    rng = np.random.default_rng(8)
    x = np.arange(30).astype(float)
    z = rng.normal(size=30)
    taus = np.array([7.0, 15.0, 22.0])
    got = partial_r2_max(x, z, np.ones(30), taus)
    want = []
    for lo, t, hi in [(-np.inf, 7, 15), (7, 15, 22), (15, 22, np.inf)]:
        m = (x > lo) & (x <= hi)
        X0 = np.column_stack([np.ones(m.sum()), x[m]])
        M = np.eye(m.sum()) - X0 @ np.linalg.pinv(X0)
        hh, zz = np.maximum(x[m] - t, 0), z[m]
        want.append((zz @ M @ hh) ** 2 / ((zz @ M @ zz) * (hh @ M @ hh)))
    assert got == pytest.approx(max(want), rel=1e-10)


# ------------------------------------------------------- empirical quantile CIs
def test_empirical_quantile_ci_reproducible_and_contains_apc():
    rng = np.random.default_rng(21)
    yrs = np.arange(2000, 2020).astype(float)
    z = 1 + 0.08 * (yrs - 2000) - 0.1 * np.maximum(yrs - 2011, 0) + rng.normal(0, 0.03, len(yrs))
    d = pd.DataFrame({"year": yrs, "rate": np.exp(z)})
    a = joinpoint(d, ci="empirical_quantile", n_resamples=400, seed=11, method="bic", aapc_range=[(2000, 2019), (2005, 2015)])
    b = joinpoint(d, ci="empirical_quantile", n_resamples=400, seed=11, method="bic", aapc_range=[(2000, 2019), (2005, 2015)])
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.aapc, b.aapc)
    c = joinpoint(d, ci="empirical_quantile", n_resamples=400, seed=12, method="bic")
    assert not np.allclose(a.segments["apc_ci_low"], c.segments["apc_ci_low"])
    seg = a.segments
    assert (seg["ci_method"] == "empirical_quantile").all() and (a.aapc["dist"] == "empirical").all()
    assert ((seg["apc_ci_low"] < seg["apc"]) & (seg["apc"] < seg["apc_ci_high"])).all()
    assert ((a.aapc["ci_low"] < a.aapc["aapc"]) & (a.aapc["aapc"] < a.aapc["ci_high"])).all()
    # same order of width as the parametric interval (the joinpoint location adds uncertainty)
    par = joinpoint(d, method="bic").segments
    ratio = (seg["apc_ci_high"] - seg["apc_ci_low"]) / (par["apc_ci_high"] - par["apc_ci_low"])
    assert ((ratio > 0.6) & (ratio < 3)).all()
    # aapc_over on the result uses the same resamples
    assert a.aapc_over(2005, 2015)["ci_low"] == pytest.approx(a.aapc["ci_low"].iloc[1])


def test_empirical_quantile_one_segment_matches_residual_bootstrap_by_hand():
    """k = 0: the interval is the quantile of OLS slopes refitted on fitted + resampled residuals."""
    rng = np.random.default_rng(4)
    x = np.arange(2000, 2015).astype(float)
    z = 0.5 + 0.03 * (x - 2000) + rng.normal(0, 0.05, len(x))
    r = joinpoint(pd.DataFrame({"year": x, "rate": np.exp(z)}), max_joinpoints=0, ci="empirical_quantile",
                  n_resamples=300, seed=5)
    n = len(x)
    b = np.polyfit(x, z, 1)
    fit = np.polyval(b, x)
    e = (z - fit) * math.sqrt(n / (n - 2))
    idx = np.random.default_rng([5, 1]).integers(0, n, size=(300, n))
    slopes = np.array([np.polyfit(x, fit + e[i], 1)[0] for i in idx])
    lo, hi = np.quantile(slopes, [0.025, 0.975])
    assert r.segments["slope_ci_low"].iloc[0] == pytest.approx(lo, rel=1e-9)
    assert r.segments["slope_ci_high"].iloc[0] == pytest.approx(hi, rel=1e-9)


# ------------------------------------------------------------- bad input (issue 16)
@pytest.mark.parametrize("kwargs,match", [
    ({"max_joinpoints": -1}, "max_joinpoints=-1 must be an integer"),
    ({"max_joinpoints": 1.5}, "max_joinpoints=1.5"),
    ({"method": "aic"}, "method='aic' is not one of"),
    ({"ci": "bootstrap"}, "ci='bootstrap'"),
    ({"level": 5}, "level=5"),
    ({"n_permutations": 0}, "n_permutations"),
    ({"model": "log"}, "model='log'"),
    ({"jump_at": [2003, 2003]}, "twice"),
    ({"jump_at": 2001}, "jump_at=2001 leaves 1 observation"),
    ({"jump_at": "x"}, "jump_at='x' is not a number"),
    ({"aapc_range": 5}, "aapc_range=5 must be \\(start, end\\)"),
    ({"aapc_range": [(2001,)]}, "aapc_range"),
    ({"aapc_range": (2005, 2001)}, "AAPC period \\[2005, 2001\\]"),
    ({"seed": "a"}, "seed='a' must be a non-negative integer"),
    ({"x": "rate"}, "must be different columns"),
])
def test_bad_settings_raise_input_error(kwargs, match):
    d = _jump_series(np.arange(2000, 2010))
    with pytest.raises(InputError, match=match):
        joinpoint(d, **kwargs)


def test_bad_values_raise_input_error_naming_the_rows():
    d = _jump_series(np.arange(2000, 2010))
    for val, match in [(np.inf, "infinite rate at year = \\[2004.0\\]"), (-np.inf, "infinite rate"),
                       (np.nan, "missing or non-numeric"), (0.0, "needs rate > 0; rate <= 0 at year = \\[2004.0\\]"),
                       (-1.0, "rate <= 0")]:
        bad = d.copy()
        bad.loc[4, "rate"] = val
        with pytest.raises(InputError, match=match):
            joinpoint(bad)
    with pytest.raises(InputError, match="at least 3"):
        joinpoint(d.head(2))
    with pytest.raises(InputError, match="duplicated year"):
        joinpoint(pd.concat([d, d.head(1)]))
    se = d.assign(se=0.1)
    se.loc[2, "se"] = 0
    with pytest.raises(InputError, match="standard errors in 'se'"):
        joinpoint(se, se="se")
    with pytest.raises(UnknownVariableError, match="Did you mean: 'rate'"):
        joinpoint(d, y="rte")
    with pytest.raises(InputError, match="DataFrame"):
        joinpoint(d.to_dict())
    with pytest.raises(InputError, match="dtype datetime64.*year \\+ \\(month - 1\\) / 12"):
        joinpoint(d.assign(year=pd.to_datetime(d["year"].astype(int).astype(str))))


def test_exact_fit_is_flagged_not_shown_as_reliable():
    """A constant (or exactly log-linear) series: SE 0, zero-width CI -> ReliabilityWarning and a note."""
    from drugtrends.errors import ReliabilityWarning

    d = pd.DataFrame({"year": np.arange(2000, 2010.0), "rate": 3.0})
    with pytest.warns(ReliabilityWarning, match="fits the data exactly"):
        r = joinpoint(d, method="bic")
    assert abs(r.segments["apc"].iloc[0]) < 1e-12 and r.segments["slope_se"].iloc[0] < 1e-12
    assert any("zero residual variance" in n for n in r.notes)


def test_grid_prefix_path_equals_blockwise_path(monkeypatch):
    """Small grids accumulate projections by prefix; large ones project block by block: same SSEs and sets."""
    from drugtrends.trends import jp_grid

    rng = np.random.default_rng(0)
    x = np.arange(1990, 2016).astype(float)
    base = np.column_stack([np.ones_like(x), x - x.mean()])
    y = rng.normal(size=(len(x), 700))
    res = {}
    for cached in (True, False):
        monkeypatch.setattr(jp_grid, "MAX_CACHED", 10**9 if cached else 0)
        monkeypatch.setattr(jp_grid, "MAX_CHUNK", 6_000_000 if cached else 5_000)  # many small blocks
        g = jp_grid.Grid(x, np.ones_like(x), base, x, jp_grid.candidates(x, 1), 2, 2)
        yr = g.reduce(y)
        res[cached] = [g.min_sse(k, yr) for k in (1, 2, 3)]
    for (a, ia), (b, ib) in zip(res[True], res[False]):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)
        assert (ia == ib).mean() > 0.999  # identical up to exact ties


def test_weighted_jump_model_matches_statsmodels_wls():
    """se= with a jump: WLS with weights y^2/se^2 on ln(y) at the selected joinpoint (statsmodels)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(12)
    yrs = np.arange(1999, 2019).astype(float)
    ly = 1 + 0.08 * (yrs - 1999) - 0.1 * np.maximum(yrs - 2009, 0) + 0.2 * (yrs >= 2014)
    se = np.exp(ly) * rng.uniform(0.01, 0.05, len(yrs))
    d = pd.DataFrame({"year": yrs, "rate": np.exp(ly + rng.normal(0, 0.02, len(yrs))), "se": se})
    r = joinpoint(d, se="se", jump_at=2014, max_joinpoints=1, min_joinpoints=1, method="bic")
    tau = r.joinpoints["x"].iloc[0]
    X = np.column_stack([np.ones_like(yrs), yrs - yrs.mean(), np.maximum(yrs - tau, 0), (yrs >= 2014) * 1.0])
    w = (d["rate"] / d["se"]) ** 2
    fit = sm.WLS(np.log(d["rate"]).to_numpy(), X, weights=w.to_numpy()).fit()
    scale = math.sqrt(fit.df_resid / r.df_resid)  # NCI counts the joinpoint as a parameter
    assert r.segments["slope"].tolist() == pytest.approx([fit.params[1], fit.params[1] + fit.params[2]], rel=1e-9)
    assert r.comparability_ratio["jump"].iloc[0] == pytest.approx(fit.params[3], rel=1e-9)
    assert r.comparability_ratio["jump_se"].iloc[0] == pytest.approx(fit.bse[3] * scale, rel=1e-8)
    assert r.segments["slope_se"].iloc[0] == pytest.approx(fit.bse[1] * scale, rel=1e-8)
