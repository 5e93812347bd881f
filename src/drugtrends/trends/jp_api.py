"""Joinpoint regression in the manner of the NCI Joinpoint Regression Program.

The trend of an aggregate series (a rate, a count, a prevalence by year) is
modelled as connected straight lines, on the log scale by default:

    ln(y) = a + b1 x + d1 (x - tau1)+ + ... + dk (x - tauk)+ [+ g1 D1 + ... + gm Dm]

so the slope of segment ``i`` is ``b1 + d1 + ... + d(i-1)`` and the annual
percent change (APC) is ``100 (exp(slope) - 1)``. The optional level shifts
``Dj = 1{x >= jump_j}`` make the *jump model* (one trend across a known
definition change; ``exp(gj)`` is the comparability ratio). Joinpoint
locations are found by grid search minimising the (weighted) sum of squared
errors; the number of joinpoints by the sequential permutation test of Kim et
al. (2000), BIC, BIC3 or the weighted BIC.

Engine modules: :mod:`~drugtrends.trends.jp_grid` (grid search),
:mod:`~drugtrends.trends.jp_fit` (fits at fixed locations),
:mod:`~drugtrends.trends.jp_select` (number of joinpoints),
:mod:`~drugtrends.trends.jp_ci` (empirical quantile intervals),
:mod:`~drugtrends.trends.jp_result` (result objects),
:mod:`~drugtrends.trends.jp_compare` (comparison of two series).

Details
-------
* Joinpoints are searched on a grid (observed x values, optionally with
  ``n_grid_between`` points between them), as NCI's grid search does. R
  ``segmented`` estimates breakpoints as continuous parameters, so the two
  agree up to the grid resolution. A joinpoint needs ``min_obs_end``
  observations strictly before the first and after the last joinpoint and
  ``min_obs_between`` strictly between two, a joinpoint on an observation not
  counting it (defaults 2 and 2, NCI's command-line session options).
* Weighted fits (``se=``): weight ``1/var`` with ``var(ln y) = (se/y)^2``
  (delta method) on the log scale; the residual variance is still estimated
  (weights are relative).
* Selection: sequential permutation tests H0: k = ka vs H1: k = kb, each at
  ``alpha / (max_joinpoints - ka)``, statistic the relative SSE reduction,
  ``p = (1 + #{T* >= T}) / (N + 1)``, the null model's (weighted) residuals
  permuted (a null fitting to rounding error is kept without a test);
  ``BIC = ln(SSE/n) + (2k + 2) ln(n)/n``; ``BIC3`` with ``3k + 2``; the
  weighted BIC ``WBIC(k) = ln(SSE(k)/n) + ((2 + R2_max) k + 2) ln(n)/n``
  with ``R2_max`` the largest partial R^2 of a joinpoint's hinge over the
  data between its neighbouring joinpoints (Kim et al. 2023, J Appl Stat
  50:1992-2013; NCI help "Weighted BIC (WBIC)"). A jump model adds its ``m``
  level shifts to every penalty.
* Parametric SEs treat the joinpoints as fixed; the residual variance uses
  ``n - (2k + 2) - m`` df (NCI counts each joinpoint as a parameter); APC
  CIs use the t distribution, AAPC CIs the full slope covariance with t if
  the period lies in one segment, else normal (NCI).
* Empirical quantile intervals (``ci="empirical_quantile"``, Joinpoint 4.8+
  default; Kim et al. 2017, Stat Med 36:3059-3074): see
  :mod:`~drugtrends.trends.jp_ci`.
* Jump model (``jump_at``, Chen et al. 2020): one level shift per value,
  ``D = 1{x >= jump}``; ``comparability_ratio`` is ``exp(jump)`` with a t
  interval on the log scale, and on the linear scale the ratio of the new to
  the old regime at the drawn jump location (half-way from the last x
  before, as NCI places it), with a delta-method interval.
* Batch fits (``by=``) share the grid bases between series with equal x.
* The Poisson / autocorrelated-error options of NCI are not implemented;
  for counts with a population offset use :func:`drugtrends.trends.rate_trend`.

References
----------
* Kim HJ, Fay MP, Feuer EJ, Midthune DN (2000). Permutation tests for joinpoint
  regression with applications to cancer rates. *Statistics in Medicine*
  19:335-351.
* NCI Joinpoint Help, https://surveillance.cancer.gov/help/joinpoint/:
  "Permutation Test Details", "How Joinpoint Conducts Permutation Testing",
  "BIC", "BIC3", "Weighted BIC (WBIC)", "Minimum Number of Observations
  Required", "Average Annual Percent Change (AAPC)", "Jump Model and
  Comparability Ratio Model".
* Chen HS, Zeichner S, Anderson RN, Espey DK, Kim HJ, Feuer EJ (2020). The
  Joinpoint-Jump and Joinpoint-Comparability Ratio Model for trend analysis
  with applications to coding changes in health statistics. *Journal of
  Official Statistics* 36(1):49-62.
* Lerman PM (1980). Fitting segmented regression models by grid search.
  *Applied Statistics* 29:77-84 (joinpoint confidence intervals).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends._compat import arguments, renamed
from drugtrends.errors import BreakError, DrugtrendsError, InputError, ModelWarning, ReliabilityWarning
from drugtrends.trends import columns as C
from drugtrends.trends.breaks import Break, as_breaks, check_no_breaks, group_breaks
from drugtrends.trends.jp_ci import quantile_ci, resample_slopes
from drugtrends.trends.jp_fit import Fit, design, exact_fit, lerman_ci, slope_matrix
from drugtrends.trends.jp_grid import Grid, candidates
from drugtrends.trends.jp_result import JoinpointBatchResult, JoinpointResult, aapc_row, empirical_aapc
from drugtrends.trends.jp_select import information_select, permutation_select
from drugtrends.validate import as_list, check_choice, check_in_range, check_level, require_columns, require_unique

__all__ = ["JoinpointBatchResult", "JoinpointResult", "joinpoint"]
# engine entry points shared with jp_compare (not part of drugtrends.trends' public API):
# Options, Series, make_options, prepare_series, fit_series, one_blas_thread

MODELS = ("loglinear", "linear")
METHODS = ("permutation", "bic", "bic3", "wbic")
CIS = ("parametric", "empirical_quantile")


@dataclass(frozen=True)
class Options:
    model: str
    max_joinpoints: int
    min_joinpoints: int
    method: str
    n_permutations: int
    alpha: float
    min_obs_end: int
    min_obs_between: int
    aapc_range: Any
    seed: int
    breaks: tuple[Break, ...]
    allow_breaks: bool
    n_grid_between: int
    joinpoint_ci: bool
    jumps: tuple[float, ...]
    ci: str
    n_resamples: int


@dataclass
class Series:
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    sw: np.ndarray
    x_name: str
    y_name: str
    label: str
    sw_scale: float = 1.0  # sw * sw_scale = 1 / sd (weights before normalising)


def one_blas_thread():
    """Context keeping BLAS on one thread: the grid's many small products run 2-5x faster
    on a shared 2-core machine than with BLAS threads competing (measured on the NCHS table)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def make_options(model, max_joinpoints, min_joinpoints, method, n_permutations, alpha, min_obs_end, min_obs_between,
             aapc_range, seed, breaks, allow_breaks, n_grid_between, joinpoint_ci, jump_at, ci,
             n_resamples) -> Options:
    """Validate the settings once (a batch fit shares them)."""
    check_choice(model, "model", MODELS)
    check_choice(method, "method", METHODS)
    check_choice(ci, "ci", CIS)
    # check_in_range(..., integer=True) returns an int: int() only tells mypy so
    kmax = int(check_in_range(max_joinpoints, "max_joinpoints", 0, 20, integer=True))
    kmin = int(check_in_range(min_joinpoints, "min_joinpoints", 0, kmax, integer=True))
    alpha = check_in_range(alpha, "alpha", 0, 1, low_open=True, high_open=True)
    if method == "permutation":
        n_permutations = check_in_range(n_permutations, "n_permutations (NCI default 4499)", 1, 10**7, integer=True)
    if ci == "empirical_quantile":
        n_resamples = check_in_range(n_resamples, "n_resamples", 20, 10**7, integer=True)
    me = int(check_in_range(min_obs_end, "min_obs_end", 1, 10**6, integer=True))
    mb = int(check_in_range(min_obs_between, "min_obs_between", 0, 10**6, integer=True))
    ng = int(check_in_range(n_grid_between, "n_grid_between", 0, 1000, integer=True))
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed={seed!r} must be a non-negative integer.")
    jumps = []
    for j in as_list(jump_at):
        jumps.append(check_in_range(j, "jump_at", -np.inf, np.inf))
    if len(set(jumps)) != len(jumps):
        raise InputError(f"jump_at lists a location twice ({jumps}): give each level shift once.")
    return Options(model, kmax, kmin, method, int(n_permutations), alpha, me, mb, _aapc_ranges(aapc_range), int(seed),
                    tuple(as_breaks(breaks)), bool(allow_breaks), ng, bool(joinpoint_ci), tuple(sorted(jumps)), ci,
                    int(n_resamples))


def _aapc_ranges(r: Any) -> tuple[tuple[float, float], ...] | None:
    """``None``, one ``(start, end)`` or a list of them, as float pairs (InputError otherwise)."""
    if r is None:
        return None
    try:
        pairs = [r] if len(r) == 2 and np.isscalar(r[0]) else list(r)
        out = tuple((float(a), float(b)) for a, b in pairs)
    except (TypeError, ValueError):
        raise InputError(f"aapc_range={r!r} must be (start, end) or a list of (start, end) pairs of x values, "
                         "e.g. (2010, 2018).") from None
    return out


def _bad_rows(mask: np.ndarray, x: np.ndarray) -> list:
    return x[mask].tolist()[:10]


def prepare_series(d: pd.DataFrame, x: str, y: str, se: str | None, model: str, label: str) -> Series:
    """Checked, sorted arrays of one series; every bad value gets an InputError naming the x values."""
    where = f" ({label})" if label else ""
    cols = [x, y] + ([se] if se else [])
    if len(set(cols)) < len(cols):
        raise InputError(f"joinpoint(){where}: x, y (and se) must be different columns, got {cols}.")
    if not (pd.api.types.is_numeric_dtype(d[x]) or d[x].dtype == object) or pd.api.types.is_bool_dtype(d[x]):
        raise InputError(f"joinpoint(){where}: {x!r} has dtype {d[x].dtype}; x must be numbers such as years "
                         "(dates: use year + (month - 1) / 12).")
    d = d[cols].copy()
    for c in cols:
        d[c] = pd.to_numeric(d[c], errors="coerce")
    bad = d[d[cols].isna().any(axis=1)]
    if len(bad):
        raise InputError(f"joinpoint(){where}: missing or non-numeric values in {cols} at {x} = "
                         f"{bad[x].tolist()[:10]}; drop or fill those rows first.")
    d = d.sort_values(x, kind="stable").reset_index(drop=True)
    xv, yv = d[x].to_numpy(float), d[y].to_numpy(float)
    for name, v in ((x, xv), (y, yv)):
        if not np.isfinite(v).all():
            raise InputError(f"joinpoint(){where}: infinite {name} at {x} = {_bad_rows(~np.isfinite(v), xv)}; "
                             "drop those rows (a rate with a zero denominator?).")
    if d[x].duplicated().any():
        raise InputError(f"joinpoint(){where}: duplicated {x} values {d.loc[d[x].duplicated(), x].tolist()[:10]}; "
                         "one row per x value is needed (aggregate, or fit each series with by=[...]).")
    if len(xv) < 3:
        raise InputError(f"joinpoint(){where}: {len(xv)} observation(s); at least 3 are needed.")
    if model == "loglinear":
        if (yv <= 0).any():
            raise InputError(f"joinpoint(){where}: the log-linear model needs {y} > 0; {y} <= 0 at {x} = "
                             f"{_bad_rows(yv <= 0, xv)}. Use model='linear' or drop those rows.")
        z = np.log(yv)
    else:
        z = yv.copy()
    sw, sc = np.ones(len(xv)), 1.0
    if se:
        sev = d[se].to_numpy(float)
        if not (np.isfinite(sev) & (sev > 0)).all():
            raise InputError(f"joinpoint(){where}: standard errors in {se!r} must be finite and > 0 (not at "
                             f"{x} = {_bad_rows(~(np.isfinite(sev) & (sev > 0)), xv)}).")
        var = (sev / yv) ** 2 if model == "loglinear" else sev ** 2
        sw = 1.0 / np.sqrt(var)
        sc = float(np.exp(np.mean(np.log(sw))))
        sw = sw / sc  # relative weights (scale is estimated)
    return Series(xv, yv, z, sw, x, y, label, sc)


def _check_jumps(s: Series, o: Options) -> None:
    for j in o.jumps:
        before, after = int(np.sum(s.x < j)), int(np.sum(s.x >= j))
        if before < 2 or after < 2:
            raise InputError(f"joinpoint(){' (' + s.label + ')' if s.label else ''}: jump_at={j:g} leaves "
                             f"{before} observation(s) before and {after} from it on; a level shift needs at "
                             f"least 2 on each side (NCI rule). Check jump_at against {s.x_name}.")


def _grid(s: Series, o: Options, cache: dict | None) -> Grid:
    key = (s.x.tobytes(), s.sw.tobytes(), o.jumps, o.n_grid_between, o.min_obs_end, o.min_obs_between)
    if cache is not None and key in cache:
        return cache[key]
    c = float(np.mean(s.x))
    base = design(s.x - c, [], np.asarray(o.jumps, float) - c)
    g = Grid(s.x, s.sw, base, s.x, candidates(s.x, o.n_grid_between), o.min_obs_end, o.min_obs_between)
    if cache is not None:
        cache[key] = g
    return g


def _best_fits(s: Series, o: Options, grid: Grid, notes: list[str]) -> tuple[dict[int, Fit], int, int]:
    n, m = len(s.x), len(o.jumps)
    kmax = o.max_joinpoints
    while kmax > 0 and (n - (2 * kmax + 2 + m) < 1 or len(grid.sets(kmax)) == 0):
        kmax -= 1
    if kmax < o.max_joinpoints:
        notes.append(f"max_joinpoints lowered from {o.max_joinpoints} to {kmax}: {n} observations with "
                     f"min_obs_end={o.min_obs_end}, min_obs_between={o.min_obs_between} allow no more.")
    if n - (2 + m) < 1:
        raise InputError(f"joinpoint(){' (' + s.label + ')' if s.label else ''}: {n} observations cannot fit a "
                         f"line with {m} level shift(s); give more data or fewer jump_at values.")
    kmin = min(o.min_joinpoints, kmax)
    zred = grid.reduce(s.z * s.sw)[:, None]
    fits = {}
    for k in range(kmin, kmax + 1):
        _, arg = grid.min_sse(k, zred)
        taus = grid.cand[grid.sets(k)[arg[0]]] if k else np.zeros(0)
        fits[k] = exact_fit(s.x, s.z, s.sw, taus, o.jumps)
    return fits, kmin, kmax


def _segments(fit: Fit, s: Series, o: Options, boot: dict | None) -> tuple[pd.DataFrame, np.ndarray]:
    k, m = len(fit.taus), len(fit.jumps)
    L = slope_matrix(k, m)
    slopes = L @ fit.beta
    scov = L @ fit.cov @ L.T
    se_ = np.sqrt(np.clip(np.diag(scov), 0, None))
    df_res = fit.df
    tq = stats.t.ppf(1 - o.alpha / 2, df_res) if df_res > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = slopes / se_
        pv = np.where(se_ > 0, 2 * stats.t.sf(np.abs(tstat), df_res) if df_res > 0 else np.nan,
                      np.where(slopes == 0, 1.0, 0.0))
    lo, hi = slopes - tq * se_, slopes + tq * se_
    if boot is not None:
        lo, hi, pv = quantile_ci(boot["slopes"], slopes, o.alpha)
    bounds = np.concatenate([[s.x[0]], fit.taus, [s.x[-1]]])
    seg = pd.DataFrame({C.SEGMENT: np.arange(1, k + 2), C.X_START: bounds[:-1], C.X_END: bounds[1:],
                        C.SLOPE: slopes, "slope_se": se_, "slope_ci_low": lo, "slope_ci_high": hi})
    loglin = o.model == "loglinear"
    seg[C.APC] = 100 * np.expm1(slopes) if loglin else np.nan
    seg[C.APC_CI_LOW] = 100 * np.expm1(seg["slope_ci_low"]) if loglin else np.nan
    seg[C.APC_CI_HIGH] = 100 * np.expm1(seg["slope_ci_high"]) if loglin else np.nan
    seg[C.APC_P] = pv
    seg["ci_method"] = o.ci
    return seg[list(C.SEGMENTS)], scov


def _aapc(seg: pd.DataFrame, scov: np.ndarray, s: Series, o: Options, df_res: int,
          boot: dict | None) -> pd.DataFrame:
    rows = []
    for a, b in o.aapc_range or [(s.x[0], s.x[-1])]:
        row = aapc_row(seg, scov, float(a), float(b), df_res, o.alpha, o.model)
        rows.append(empirical_aapc(row, boot, o.alpha, o.model) if boot is not None else row)
    return pd.DataFrame(rows, columns=list(C.AAPC))


def _back(model: str):
    return np.exp if model == "loglinear" else (lambda v: v)


def _fitted(fit: Fit, s: Series, o: Options) -> pd.DataFrame:
    X = design(s.x - fit.center, fit.taus - fit.center, fit.jumps - fit.center)
    se_fit = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", X, fit.cov, X), 0, None))
    tq = stats.t.ppf(1 - o.alpha / 2, fit.df) if fit.df > 0 else np.nan
    back = _back(o.model)
    regime = (s.x[:, None] >= fit.jumps[None, :]).sum(axis=1) if len(fit.jumps) else np.zeros(len(s.x), int)
    return pd.DataFrame({C.X: s.x, C.Y: s.y, C.FITTED: back(fit.fitted_lin),
                         "residual": s.y - back(fit.fitted_lin),
                         C.FITTED_CI_LOW: back(fit.fitted_lin - tq * se_fit),
                         C.FITTED_CI_HIGH: back(fit.fitted_lin + tq * se_fit), C.REGIME: regime})


def _comparability(fit: Fit, s: Series, o: Options) -> pd.DataFrame:
    """One row per jump: ratio new/old (exp(jump) on the log scale) with its CI (Chen et al. 2020)."""
    k = len(fit.taus)
    tq = stats.t.ppf(1 - o.alpha / 2, fit.df) if fit.df > 0 else np.nan
    back = _back(o.model)
    rows = []
    for i, j in enumerate(fit.jumps):
        col = 2 + k + i
        g, gse = float(fit.beta[col]), float(np.sqrt(max(fit.cov[col, col], 0.0)))
        xj = (float(s.x[s.x < j].max()) + float(s.x[s.x >= j].min())) / 2
        a = design(np.array([xj - fit.center]), fit.taus - fit.center, fit.jumps - fit.center)[0]
        before = float(a @ fit.beta)  # D_j(xj) = 0: the old regime extended to the jump
        with np.errstate(divide="ignore", invalid="ignore"):
            p = float(2 * stats.t.sf(abs(g / gse), fit.df)) if fit.df > 0 and gse > 0 else np.nan
            if o.model == "loglinear":
                est, lo, hi = np.exp(g), np.exp(g - tq * gse), np.exp(g + tq * gse)
            else:  # ratio of the new to the old regime at the jump, delta method
                est = (before + g) / before
                grad = -g / before ** 2 * a
                grad[col] = 1.0 / before
                rse = float(np.sqrt(max(grad @ fit.cov @ grad, 0.0)))
                lo, hi = est - tq * rse, est + tq * rse
        rows.append({C.X: float(j), C.ESTIMATE: float(est), C.CI_LOW: float(lo), C.CI_HIGH: float(hi), "p": p,
                     "jump": g, "jump_se": gse, "x_jump": xj, "fitted_before": float(back(before)),
                     "fitted_after": float(back(before + g))})
    return pd.DataFrame(rows, columns=list(C.COMPARABILITY_RATIO))


def _joinpoint_table(fit: Fit, s: Series, o: Options) -> pd.DataFrame:
    k = len(fit.taus)
    rows = []
    for j, tau in enumerate(fit.taus):
        lo_b = fit.taus[j - 1] if j > 0 else s.x[0]
        hi_b = fit.taus[j + 1] if j < k - 1 else s.x[-1]
        ci = (np.nan, np.nan)
        if o.joinpoint_ci and fit.df > 0:
            ci = lerman_ci(s.x, s.z, s.sw, fit.taus, j, lo_b, hi_b, fit.df, o.alpha, fit.jumps)
        rows.append({"joinpoint": j + 1, C.X: tau, C.CI_LOW: ci[0], C.CI_HIGH: ci[1]})
    return pd.DataFrame(rows, columns=list(C.JOINPOINTS))


def fit_series(s: Series, o: Options, cache: dict | None = None) -> JoinpointResult:
    """Fit one checked series with checked options."""
    _check_jumps(s, o)
    handled = [b for b in o.breaks if b.at is None or float(b.at) not in o.jumps]
    try:
        check_no_breaks(s.x, handled, what=f"joinpoint({s.y_name} by {s.x_name}{', ' + s.label if s.label else ''})",
                        allow_breaks=o.allow_breaks)
    except BreakError as exc:
        ats = sorted({b.at for b in handled if b.at is not None and s.x.min() < float(b.at) <= s.x.max()})
        raise BreakError(f"{exc} Or fit one trend with a level shift at the break: jump_at={ats}.") from None
    grid = _grid(s, o, cache)
    notes: list[str] = []
    fits, kmin, kmax = _best_fits(s, o, grid, notes)
    zw = s.z * s.sw
    scale = float(zw @ zw) or 1.0
    rng = np.random.default_rng(o.seed)
    if o.method == "permutation":
        k, selection = permutation_select(grid, fits, s.sw, kmin, kmax, o.alpha, o.n_permutations, rng, notes,
                                          scale)
    else:
        k, selection = information_select(fits, s.x, s.z, s.sw, kmin, kmax, o.method, scale)
    fit = fits[k]
    if fit.sse <= 1e-20 * scale:
        notes.append("the model fits the data exactly (zero residual variance): standard errors are 0 and "
                     "intervals have no width; they are not a measure of uncertainty.")
        warnings.warn(f"joinpoint({s.y_name}{', ' + s.label if s.label else ''}): {notes[-1]}", ReliabilityWarning,
                      stacklevel=3)
    boot = None
    if o.ci == "empirical_quantile":
        boot = resample_slopes(grid, fit, s.x, s.sw, o.n_resamples, np.random.default_rng([o.seed, 1]))
    seg, scov = _segments(fit, s, o, boot)
    return JoinpointResult(
        segments=seg, joinpoints=_joinpoint_table(fit, s, o), aapc=_aapc(seg, scov, s, o, fit.df, boot),
        fitted=_fitted(fit, s, o), n_joinpoints=k, selection=selection, model=o.model, method=o.method,
        x_name=s.x_name, y_name=s.y_name, alpha=o.alpha, df_resid=fit.df, breaks=o.breaks, notes=tuple(notes),
        slope_cov=scov, comparability_ratio=_comparability(fit, s, o), jumps=o.jumps, ci=o.ci, resamples=boot)


#: Columns by which the data layer records comparability (``dt.load("unodc_prevalence")``...).
FRAME_BREAK_COLUMNS = ("comparability_group", "break_code")


def frame_breaks(d: pd.DataFrame, x: str, label: str = "") -> tuple[Break, ...]:
    """Breaks recorded in the frame itself: a change of ``comparability_group`` or a ``break_code`` row.

    Parameters
    ----------
    d : DataFrame
        The rows of one series.
    x : str
        Time column.
    label : str
        Series label written into each break.

    Returns
    -------
    tuple of Break
        One per x value where a new comparability regime starts (after the first x of the series).

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2005, 2010, 2017, 2023], "comparability_group": list("aabb"),
    ...                   "break_reason": [None, None, "age range changed", None]})
    >>> [(b.at, b.reason) for b in frame_breaks(d, "year")]
    [(2017, 'age range changed (recorded in the data: comparability_group)')]
    """
    out: dict[float, Break] = {}
    xs = pd.to_numeric(d[x], errors="coerce")
    if "comparability_group" in d.columns and d["comparability_group"].nunique(dropna=True) > 1:
        for b in group_breaks(d, x, series=label or "data"):
            assert b.at is not None  # group_breaks always sets the first x of the new group
            out[float(b.at)] = replace(b, reason=f"{b.reason} (recorded in the data: comparability_group)")
    if "break_code" in d.columns and xs.notna().any():
        first = float(xs.min())
        for xv, code, why in zip(xs, d["break_code"], d.get("break_reason", d["break_code"])):
            if pd.notna(code) and pd.notna(xv) and float(xv) > first and float(xv) not in out:
                at = int(xv) if float(xv).is_integer() else float(xv)
                out[float(xv)] = Break(label or "data", at, f"{why if pd.notna(why) else code} "
                                       "(recorded in the data: break_code)", "definition")
    return tuple(out[k] for k in sorted(out))


def _with_frame_breaks(o: Options, d: pd.DataFrame, x: str, label: str) -> Options:
    found = frame_breaks(d, x, label)
    return replace(o, breaks=o.breaks + found) if found else o


def _fit_by(df: pd.DataFrame, by: Sequence[str], x: str, y: str, se: str | None, o: Options) -> JoinpointBatchResult:
    """Fit every group with the same settings; bases of the grid are shared by series with equal x.

    A group that cannot be fitted (too few points, a break, bad values) does not stop the others:
    it is reported in the result's ``status`` table with the reason, and a ModelWarning names it.
    """
    by = tuple(require_unique(by, "by"))
    require_columns(df, by, what="by column")
    for c in by:
        if c in (x, y, se):
            raise InputError(f"joinpoint(): by column {c!r} is also x, y or se; group by other columns.")
    t0 = time.perf_counter()
    cache: dict = {}
    results, failed = {}, {}
    for key, g in df.groupby(list(by), sort=True, dropna=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        label = "group " + ", ".join(f"{c}={v!r}" for c, v in zip(by, key))
        try:
            results[key] = fit_series(prepare_series(g, x, y, se, o.model, label),
                                      _with_frame_breaks(o, g, x, label), cache)
        except DrugtrendsError as exc:
            failed[key] = f"{type(exc).__name__}: {exc}"
    if not results and not failed:
        raise InputError("joinpoint(): the data have no rows to group.")
    if not results:
        first = next(iter(failed.items()))
        raise InputError(f"joinpoint(by={list(by)}): no group could be fitted; the first, {first[0]!r}: {first[1]}")
    if failed:
        warnings.warn(f"joinpoint(by={list(by)}): {len(failed)} of {len(failed) + len(results)} group(s) not fitted "
                      f"(see .status): " + "; ".join(f"{k!r}: {v[:160]}" for k, v in list(failed.items())[:3]),
                      ModelWarning, stacklevel=3)
    return JoinpointBatchResult.combine(by, results, time.perf_counter() - t0, failed=failed)


# ----------------------------------------------------------------- main entry
@arguments(renamed("df", "data"), renamed("alpha", "level", lambda a: round(1 - a, 12)))
def joinpoint(data: pd.DataFrame, x: str = "year", y: str = "rate", se: str | None = None,
              model: str = "loglinear", max_joinpoints: int = 3, method: str = "permutation",
              n_permutations: int = 4499, level: float = 0.95, min_obs_end: int = 2,
              min_obs_between: int = 2, aapc_range: tuple[float, float] | Iterable[tuple[float, float]] | None = None,
              seed: int = 0, breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False,
              min_joinpoints: int = 0, n_grid_between: int = 0, joinpoint_ci: bool = True,
              jump_at: float | Sequence[float] | None = None, ci: str = "parametric", n_resamples: int = 1000,
              by: str | Sequence[str] | None = None) -> JoinpointResult | JoinpointBatchResult:
    """Fit a joinpoint regression (NCI Joinpoint style) to an aggregate series, or to each of many.

    Methods, formulas and references: see the module docstring.

    Parameters
    ----------
    data : DataFrame
        One row per value of ``x`` (per group when ``by`` is given).
    x, y : str
        Time (numeric: year, or ``year + (month-1)/12``) and response (> 0 for the log-linear model).
    se : str, optional
        Standard error of ``y``: weighted least squares, weight ``1/var`` (``var(ln y) = (se/y)^2``).
    model : {"loglinear", "linear"}
        ``ln(y)`` (APC reported) or ``y`` (slope in y units per unit x).
    max_joinpoints, min_joinpoints : int
        Range of the number of joinpoints (the maximum is lowered, with a note, to what the data allow).
    method : {"permutation", "bic", "bic3", "wbic"}
        Kim et al. sequential permutation tests, BIC, BIC3, or NCI's weighted BIC (Joinpoint 5 default).
    n_permutations : int
        Permutations per test (NCI default 4499).
    level : float
        Confidence level of the intervals; the selection tests run at ``1 - level`` overall
        (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).
    min_obs_end, min_obs_between : int
        NCI's minimum observations from a joinpoint to either end, and between joinpoints.
    aapc_range : (start, end) or list of them, optional
        Period(s) of the AAPC; default the whole range of ``x``.
    seed : int
        Seed of the permutations and of the resampling.
    breaks, allow_breaks
        Comparability breaks (:mod:`drugtrends.trends.breaks`): a break inside the data raises
        :class:`~drugtrends.errors.BreakError` unless ``allow_breaks`` or a jump is fitted there.
        Breaks recorded in the frame itself (a change of ``comparability_group``, a ``break_code``
        row, as ``dt.load("unodc_prevalence")`` gives them) count too (:func:`frame_breaks`).
    n_grid_between : int
        Extra candidate locations between consecutive observations (0: observed x only).
    joinpoint_ci : bool
        Lerman (1980) profile intervals for the joinpoint locations.
    jump_at : float or list of float, optional
        Jump model: a level shift from each value on (first ``x`` of the new regime; at least 2
        observations on each side); the APCs are estimated across it and the shift is reported in
        ``comparability_ratio`` (``exp(jump)`` on the log scale).
    ci : {"parametric", "empirical_quantile"}
        APC / AAPC intervals: t / normal from the slope covariance, or NCI's empirical quantile method
        (``n_resamples`` residual-resampled refits, joinpoint locations included).
    n_resamples : int
        Resampled data sets of the empirical quantile method (default 1000).
    by : str or list of str, optional
        Fit every group with the same settings (NCI batch mode); tables carry the group columns first.
        Groups that cannot be fitted are skipped with a ``ModelWarning`` and listed, with the reason,
        in the result's ``status`` table.

    Returns
    -------
    JoinpointResult or JoinpointBatchResult
        Frozen results; column names in :mod:`drugtrends.trends.columns`.

    Raises
    ------
    UnknownVariableError
        A named column is missing.
    BreakError
        The series crosses a break (see ``breaks``).
    InputError
        Settings out of range (``max_joinpoints=-1``...), missing, infinite, duplicated or
        non-positive values (naming the x values and, with ``by``, the group), too few observations.

    Examples
    --------
    >>> yrs = np.arange(2005, 2021)
    >>> rate = np.where(yrs <= 2013, 2 * 1.2 ** (yrs - 2005), 2 * 1.2 ** 8 * 0.98 ** (yrs - 2013))
    >>> r = joinpoint(pd.DataFrame({"year": yrs, "rate": rate}), n_permutations=199)
    >>> r.n_joinpoints, float(r.joinpoints["x"].iloc[0]), r.segments["apc"].round(6).tolist()
    (1, 2013.0, [20.0, -2.0])

    A level shift of 25 % in 2015 on a series growing 5 % a year:

    >>> rate = 3 * 1.05 ** (yrs - 2005) * np.where(yrs >= 2015, 1.25, 1.0)
    >>> j = joinpoint(pd.DataFrame({"year": yrs, "rate": rate}), jump_at=2015, method="bic")
    >>> round(float(j.segments["apc"].iloc[0]), 6), round(float(j.comparability_ratio["estimate"].iloc[0]), 6)
    (5.0, 1.25)
    """
    df, alpha = data, round(1 - check_level(level), 12)
    o = make_options(model, max_joinpoints, min_joinpoints, method, n_permutations, alpha, min_obs_end, min_obs_between,
                 aapc_range, seed, breaks, allow_breaks, n_grid_between, joinpoint_ci, jump_at, ci, n_resamples)
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"joinpoint(): df must be a pandas DataFrame, not {type(df).__name__}.")
    require_columns(df, [x, y] + ([se] if se else []), what="column")
    with one_blas_thread():
        if by is not None and as_list(by):
            return _fit_by(df, as_list(by), x, y, se, o)
        return fit_series(prepare_series(df, x, y, se, o.model, ""), _with_frame_breaks(o, df, x, ""))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
