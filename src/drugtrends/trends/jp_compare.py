"""Comparison of two joinpoint trends: tests of coincidence and parallelism.

NCI Joinpoint's "Pairwise Comparison" (Kim HJ, Fay MP, Yu B, Barrett MJ,
Feuer EJ (2004). Comparability of segmented line regression models.
*Biometrics* 60:1005-1014; NCI Joinpoint help "Pairwise Comparison" and
"Parallel Pairwise Comparison and Number of Joinpoints"):

* both series are modelled with ``K`` joinpoints, ``K`` the largest of the
  numbers selected for each series alone and for the two together under
  parallelism (or given);
* the alternative fits each series separately (own joinpoints, intercepts and
  slopes; ``SSE_1 = SSE_g1 + SSE_g2``); the null of *coincidence* fits one
  joinpoint function to the pooled data; the null of *parallelism* fits
  common joinpoints and slopes with a separate intercept per series;
* statistic ``T = (SSE_0 - SSE_1) / SSE_1``; p-value by permutation: the
  null model's (weighted) residuals are permuted over all observations and
  added back to its fit, and every model is refitted (grid search included)
  on each permuted data set; ``p = (1 + #{T* >= T}) / (N + 1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.trends import columns as C
from drugtrends.trends.breaks import check_no_breaks
from drugtrends.trends.jp_api import Series, fit_series, frame_breaks, make_options, one_blas_thread, prepare_series
from drugtrends.trends.jp_grid import Grid, candidates
from drugtrends.trends.jp_result import JoinpointResult
from drugtrends.validate import check_in_range, check_level, require_columns

__all__ = ["JoinpointComparison", "compare_joinpoint"]


@dataclass(frozen=True, eq=False)
class JoinpointComparison:
    """Result of :func:`compare_joinpoint` (immutable).

    Attributes
    ----------
    group_1, group_2 : object
        The two levels of the group column, in the order tested.
    k : int
        Number of joinpoints of every model of the tests.
    coincident_stat, coincident_p : float
        Test of coincidence (H0: one joinpoint function for both series).
    parallel_stat, parallel_p : float
        Test of parallelism (H0: common joinpoints and slopes, separate levels).
    n_permutations : int
    alpha : float
    fits : dict
        Group level -> :class:`JoinpointResult` of the series fitted alone
        (number of joinpoints selected as in :func:`joinpoint`).
    k_selected : dict
        Numbers of joinpoints selected: each series alone, and ``"parallel"``
        (both together under parallelism, by BIC).
    parallel_segments : DataFrame
        The common segments of the parallel model with ``k`` joinpoints:
        ``segment``, ``x_start``, ``x_end``, ``apc``, ``apc_ci_low``,
        ``apc_ci_high``, ``slope``, ``slope_se`` (APC NaN for the linear model).
    sse : DataFrame
        ``model`` (separate, coincident, parallel), ``sse``, ``df``.

    Examples
    --------
    Two series rising 5 % a year, one at a higher level: not coincident, but parallel.

    >>> import numpy as np, pandas as pd
    >>> yrs = np.arange(2000, 2016)
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"year": np.tile(yrs, 2), "sex": np.repeat(["F", "M"], 16),
    ...                   "rate": np.exp(np.r_[0.05 * (yrs - 2000), 1 + 0.05 * (yrs - 2000)]
    ...                                  + rng.normal(0, 0.01, 32))})
    >>> c = compare_joinpoint(d, x="year", y="rate", group="sex", max_joinpoints=1, n_permutations=99)
    >>> type(c).__name__, c.group_1, c.group_2, c.k
    ('JoinpointComparison', 'F', 'M', 0)
    >>> bool(c.coincident_p < 0.05), bool(c.parallel_p < 0.05)
    (True, False)
    >>> sorted(c.fits), c.sse["model"].tolist()
    (['F', 'M'], ['separate', 'coincident', 'parallel'])
    """

    group_1: object
    group_2: object
    k: int
    coincident_stat: float
    coincident_p: float
    parallel_stat: float
    parallel_p: float
    n_permutations: int
    alpha: float
    fits: Mapping[object, JoinpointResult] = field(repr=False)
    k_selected: Mapping[object, int] = field(repr=False)
    parallel_segments: pd.DataFrame = field(repr=False)
    sse: pd.DataFrame = field(repr=False)

    @property
    def coincident(self) -> bool:
        """True when coincidence is not rejected at ``alpha``."""
        return bool(self.coincident_p >= self.alpha)

    @property
    def parallel(self) -> bool:
        """True when parallelism is not rejected at ``alpha``."""
        return bool(self.parallel_p >= self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row: :data:`drugtrends.trends.columns.COMPARISON` plus ``alpha``, ``coincident``, ``parallel``.

        Returns
        -------
        pandas.DataFrame
            One row per comparison (here one).

        Examples
        --------
        >>> yrs = np.arange(2000, 2016)
        >>> rng = np.random.default_rng(1)
        >>> d = pd.DataFrame({"year": np.tile(yrs, 2), "sex": np.repeat(["F", "M"], 16),
        ...                   "rate": np.exp(np.r_[0.05 * (yrs - 2000), 1 + 0.05 * (yrs - 2000)]
        ...                                  + rng.normal(0, 0.01, 32))})
        >>> c = compare_joinpoint(d, group="sex", max_joinpoints=1, n_permutations=99)
        >>> c.to_frame()[["group_1", "group_2", "k", "coincident", "parallel"]]
          group_1 group_2  k  coincident  parallel
        0       F       M  0       False      True
        """
        row = {c: getattr(self, c) for c in C.COMPARISON}
        row.update(alpha=self.alpha, coincident=self.coincident, parallel=self.parallel)
        return pd.DataFrame([row])


@dataclass
class _Pair:
    s1: Series
    s2: Series
    x: np.ndarray      # stacked rows: group 1 then group 2
    zw: np.ndarray     # weighted responses
    sw: np.ndarray
    g: np.ndarray      # 0 / 1 group of each row
    xu: np.ndarray     # distinct x values


def _pair(df: pd.DataFrame, x: str, y: str, group: str, se: str | None, model: str,
          groups: tuple | None) -> tuple[object, object, _Pair]:
    require_columns(df, [x, y, group] + ([se] if se else []))
    levels = list(pd.unique(df[group].dropna()))
    if groups is not None:
        missing = [g for g in groups if g not in levels]
        if len(groups) != 2 or missing or groups[0] == groups[1]:
            raise InputError(f"compare_joinpoint(): groups must be two levels of {group!r}; "
                             f"{missing or groups} not two distinct levels among {levels[:10]}.")
        levels = list(groups)
    if len(levels) != 2:
        raise InputError(f"compare_joinpoint(): {group!r} has {len(levels)} level(s) {levels[:10]}; exactly two "
                         "are compared (pass groups=(a, b) to pick two).")
    ser = [prepare_series(df[df[group] == lv], x, y, se, model, f"{group}={lv!r}") for lv in levels]
    raw = np.concatenate([s.sw * s.sw_scale for s in ser])
    sw = raw / np.exp(np.mean(np.log(raw)))
    xs = np.concatenate([s.x for s in ser])
    zs = np.concatenate([s.z for s in ser])
    g = np.repeat([0, 1], [len(ser[0].x), len(ser[1].x)])
    return levels[0], levels[1], _Pair(ser[0], ser[1], xs, zs * sw, sw, g, np.unique(xs))


class _Models:
    """Grids of the separate, coincident and parallel models with K joinpoints, sharing one data layout."""

    def __init__(self, p: _Pair, me: int, mb: int, ng: int):
        c = float(np.mean(p.x))
        xc = p.x - c
        self.p = p
        self.rows = [np.nonzero(p.g == i)[0] for i in (0, 1)]
        self.sep = [Grid(p.x[r], p.sw[r], np.column_stack([np.ones(len(r)), xc[r]]), p.x[r],
                         candidates(p.x[r], ng), me, mb) for r in self.rows]
        cand = candidates(p.xu, ng)
        self.coin = Grid(p.x, p.sw, np.column_stack([np.ones_like(xc), xc]), p.xu, cand, me, mb)
        self.par = Grid(p.x, p.sw, np.column_stack([(p.g == 0) * 1.0, (p.g == 1) * 1.0, xc]), p.xu, cand, me, mb)

    def k_allowed(self) -> int:
        k = 0
        while all(len(g.sets(k + 1)) for g in (*self.sep, self.par)) and \
                min(len(r) for r in self.rows) - (2 * (k + 1) + 2) >= 1:
            k += 1
        return k

    def sse_separate(self, yw: np.ndarray, k: int) -> np.ndarray:
        # two groups, so the sum is an array, never sum()'s start value 0
        return cast(np.ndarray, sum(g.min_sse(k, g.reduce(yw[r]), need_arg=False)[0]
                                    for g, r in zip(self.sep, self.rows)))

    def null_fit(self, grid: Grid, k: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Fitted weighted values and weighted residuals of a null model, and its SSE."""
        sse, arg = grid.min_sse(k, grid.reduce(self.p.zw[:, None]))
        taus = grid.cand[grid.sets(k)[arg[0]]] if k else np.zeros(0)
        X = np.column_stack([grid.q0] + [np.maximum(self.p.x - t, 0.0) * self.p.sw for t in taus])
        beta, *_ = np.linalg.lstsq(X, self.p.zw, rcond=None)
        fit = X @ beta
        return fit, self.p.zw - fit, float(sse[0])


def _perm_test(m: _Models, grid: Grid, k: int, n_perm: int, rng: np.random.Generator) -> tuple[float, float, float]:
    fit0, res0, sse0 = m.null_fit(grid, k)
    sse1 = float(m.sse_separate(m.p.zw[:, None], k)[0])
    if sse1 <= 1e-20 * float(m.p.zw @ m.p.zw):
        return (np.inf if sse0 > sse1 else 0.0), (1.0 / (n_perm + 1) if sse0 > sse1 else 1.0), sse0
    stat = (sse0 - sse1) / sse1
    n = len(res0)
    perm = rng.permuted(np.broadcast_to(np.arange(n), (n_perm, n)), axis=1)
    yw = fit0[:, None] + res0[perm].T
    s0, _ = grid.min_sse(k, grid.reduce(yw), need_arg=False)
    s1 = m.sse_separate(yw, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstar = np.where(s1 > 0, (s0 - s1) / s1, np.inf)
    return stat, (1 + int(np.sum(tstar >= stat * (1 - 1e-10)))) / (n_perm + 1), sse0


def _parallel_segments(m: _Models, k: int, alpha: float, model: str) -> tuple[pd.DataFrame, int]:
    """Common slopes of the parallel model with k joinpoints (joinpoints treated as fixed)."""
    p = m.p
    _, arg = m.par.min_sse(k, m.par.reduce(p.zw[:, None]))
    taus = m.par.cand[m.par.sets(k)[arg[0]]] if k else np.zeros(0)
    c = float(np.mean(p.x))
    X = np.column_stack([(p.g == 0) * 1.0, (p.g == 1) * 1.0, p.x - c] + [np.maximum(p.x - t, 0.0) for t in taus])
    Xw = X * p.sw[:, None]
    beta, *_ = np.linalg.lstsq(Xw, p.zw, rcond=None)
    r = p.zw - Xw @ beta
    df = len(p.x) - (2 * k + 3)
    cov = (r @ r / df if df > 0 else np.nan) * np.linalg.inv(Xw.T @ Xw)
    L = np.zeros((k + 1, k + 3))
    for i in range(k + 1):
        L[i, 2:3 + i] = 1.0
    sl = L @ beta
    se = np.sqrt(np.clip(np.diag(L @ cov @ L.T), 0, None))
    tq = stats.t.ppf(1 - alpha / 2, df) if df > 0 else np.nan
    bounds = np.concatenate([[p.xu[0]], taus, [p.xu[-1]]])
    tr = (lambda v: 100 * np.expm1(v)) if model == "loglinear" else (lambda v: np.full_like(v, np.nan))
    seg = pd.DataFrame({C.SEGMENT: np.arange(1, k + 2), C.X_START: bounds[:-1], C.X_END: bounds[1:],
                        C.APC: tr(sl), C.APC_CI_LOW: tr(sl - tq * se), C.APC_CI_HIGH: tr(sl + tq * se),
                        C.SLOPE: sl, "slope_se": se})
    return seg, df


def _k_parallel(m: _Models, kmax: int) -> int:
    """Number of joinpoints of the parallel model by BIC (penalty 2k + 3 parameters)."""
    n = len(m.p.x)
    best, kbest = np.inf, 0
    for k in range(kmax + 1):
        sse = float(m.par.min_sse(k, m.par.reduce(m.p.zw[:, None]), need_arg=False)[0][0])
        bic = np.log(max(sse, 1e-300) / n) + (2 * k + 3) * np.log(n) / n
        if bic < best - 1e-12:
            best, kbest = bic, k
    return kbest


@arguments(renamed("df", "data"), renamed("alpha", "level", lambda a: round(1 - a, 12)))
def compare_joinpoint(data: pd.DataFrame, x: str = "year", y: str = "rate", group: str = "group",
                      se: str | None = None, model: str = "loglinear", max_joinpoints: int = 3,
                      k: int | None = None, method: str = "permutation", n_permutations: int = 4499,
                      level: float = 0.95, min_obs_end: int = 2, min_obs_between: int = 2, seed: int = 0,
                      n_grid_between: int = 0, groups: tuple | None = None,
                      allow_breaks: bool = False) -> JoinpointComparison:
    """Pairwise comparison of two joinpoint trends: are they coincident, or parallel?

    Kim, Fay, Yu, Barrett and Feuer (2004), *Biometrics* 60:1005-1014, as in
    NCI Joinpoint's "Pairwise Comparison" (see the module docstring for the
    models, statistic and permutation scheme).

    Parameters
    ----------
    data : DataFrame
        Both series, one row per ``x`` and group.
    x, y, se, model
        As in :func:`drugtrends.trends.joinpoint`.
    group : str
        Column telling the two series apart (exactly two levels, or pick two
        with ``groups``).
    max_joinpoints : int
        Largest number of joinpoints when each series is fitted alone.
    k : int, optional
        Number of joinpoints of the tests; default ``max(k_1, k_2,
        k_parallel)``: the numbers selected for each series alone (with
        ``method``) and for both under parallelism (by BIC), capped at what
        the data allow (NCI's rule for Kmax).
    method : {"permutation", "bic", "bic3", "wbic"}
        Selection of the number of joinpoints of each series alone.
    n_permutations : int
        Permutations of each of the two tests (and of the selection), NCI
        default 4499.
    level : float
        Confidence level; ``1 - level`` is the test level used by :attr:`JoinpointComparison.coincident` / ``parallel``
        and by the selection.
    min_obs_end, min_obs_between, n_grid_between, seed
        As in :func:`drugtrends.trends.joinpoint`.
    groups : (a, b), optional
    allow_breaks : bool
        Compare even when a group's rows cross a break recorded in the frame
        (``comparability_group`` / ``break_code``, see
        :func:`~drugtrends.trends.jp_api.frame_breaks`); refused by default.
        The two levels of ``group`` to compare, in this order.

    Returns
    -------
    JoinpointComparison
        ``coincident_p``, ``parallel_p``, the fitted models and ``to_frame()``.

    Raises
    ------
    InputError
        Not exactly two groups, bad settings, or a series with bad values.

    Examples
    --------
    >>> yrs = np.arange(2000, 2016)
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"year": np.tile(yrs, 2), "sex": np.repeat(["F", "M"], 16),
    ...                   "rate": np.exp(np.r_[0.05 * (yrs - 2000), 0.10 * (yrs - 2000)]
    ...                                  + rng.normal(0, 0.01, 32))})
    >>> c = compare_joinpoint(d, group="sex", max_joinpoints=1, n_permutations=99)
    >>> c.parallel_p < 0.05
    True
    """
    df = data


    alpha = round(1 - check_level(level), 12)
    with one_blas_thread():
        return _compare(df, x, y, group, se, model, max_joinpoints, k, method, n_permutations, alpha, min_obs_end,
                        min_obs_between, seed, n_grid_between, groups, allow_breaks)


def _compare(df, x, y, group, se, model, max_joinpoints, k, method, n_permutations, alpha, min_obs_end,
             min_obs_between, seed, n_grid_between, groups, allow_breaks=False) -> JoinpointComparison:
    o = make_options(model, max_joinpoints, 0, method, n_permutations, alpha, min_obs_end, min_obs_between,
                     None, seed, None, True, n_grid_between, False, None, "parametric", 1000)
    g1, g2, p = _pair(df, x, y, group, se, model, groups)
    for lv in (g1, g2):
        rows = df[df[group] == lv]
        check_no_breaks(rows[x], frame_breaks(rows, x, f"{group}={lv!r}"),
                        what=f"compare_joinpoint({y}, {group}={lv!r})", allow_breaks=allow_breaks)
    m = _Models(p, o.min_obs_end, o.min_obs_between, o.n_grid_between)
    kcap = m.k_allowed()
    fits = {g1: fit_series(p.s1, o), g2: fit_series(p.s2, o)}
    ksel = {g1: fits[g1].n_joinpoints, g2: fits[g2].n_joinpoints,
            "parallel": _k_parallel(m, min(kcap, o.max_joinpoints))}
    if k is None:
        kk = min(max(ksel.values()), kcap)
    else:
        kk = int(check_in_range(k, "k", 0, kcap, integer=True))  # already an int (integer=True)
    rng = np.random.default_rng([o.seed, 2])
    c_stat, c_p, c_sse = _perm_test(m, m.coin, kk, o.n_permutations, rng)
    p_stat, p_p, p_sse = _perm_test(m, m.par, kk, o.n_permutations, rng)
    sep = float(m.sse_separate(p.zw[:, None], kk)[0])
    n = len(p.x)
    sse = pd.DataFrame({"model": ["separate", "coincident", "parallel"], "sse": [sep, c_sse, p_sse],
                        "df": [n - 2 * (2 * kk + 2), n - (2 * kk + 2), n - (2 * kk + 3)]})
    seg, _ = _parallel_segments(m, kk, o.alpha, model)
    return JoinpointComparison(group_1=g1, group_2=g2, k=kk, coincident_stat=float(c_stat), coincident_p=float(c_p),
                               parallel_stat=float(p_stat), parallel_p=float(p_p), n_permutations=o.n_permutations,
                               alpha=o.alpha, fits=fits, k_selected=ksel, parallel_segments=seg, sse=sse)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
