"""Joinpoint regression in the manner of the NCI Joinpoint Regression Program.

The trend of an aggregate series (a rate, a count, a prevalence by year) is
modelled as connected straight lines, on the log scale by default:

    ln(y) = a + b1 x + d1 (x - tau1)+ + ... + dk (x - tauk)+

so the slope of segment ``i`` is ``b1 + d1 + ... + d(i-1)`` and the annual
percent change (APC) is ``100 (exp(slope) - 1)``. Joinpoint locations are found
by grid search minimising the (weighted) sum of squared errors; the number of
joinpoints by the sequential permutation test of Kim et al. (2000) or by BIC.

References
----------
* Kim HJ, Fay MP, Feuer EJ, Midthune DN (2000). Permutation tests for joinpoint
  regression with applications to cancer rates. *Statistics in Medicine*
  19:335-351.
* NCI Joinpoint Help: "Permutation Test Details" (sequential tests H0: k=ka vs
  H1: k=kb, each at level alpha/(Kmax - ka) since version 3.0), "How Joinpoint
  Conducts Permutation Testing" (ratio SSE_null/SSE_alt; permuted null
  residuals added to the null fit), "BIC" (ln(SSE/n) + p ln(n)/n with
  p = 2k+2), "Minimum Number of Observations Required" (observations from a
  joinpoint to either end, and between joinpoints, *excluding* a joinpoint
  that falls on an observation), "Average Annual Percent Change (AAPC)"
  (weighted mean of the segment slopes, weights = length of each segment
  inside the period), https://surveillance.cancer.gov/help/joinpoint/.
* Lerman PM (1980). Fitting segmented regression models by grid search.
  *Applied Statistics* 29:77-84 (joinpoint confidence intervals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import UnknownVariableError
from drugtrends.trends.breaks import Break, _as_breaks, check_no_breaks

__all__ = ["JoinpointResult", "joinpoint"]

_MAX_CHUNK = 6_000_000  # doubles per block in the batched projections (~48 MB)
_MAX_SETS = 3_000_000   # admissible joinpoint location sets per k (refused above: too slow)


# --------------------------------------------------------------------------- grid
def _candidates(x: np.ndarray, n_grid_between: int) -> np.ndarray:
    """Candidate joinpoint locations: observed x, plus points between them."""
    if n_grid_between <= 0:
        return x.copy()
    pts = [x[:-1, None] + (x[1:] - x[:-1])[:, None] * (np.arange(n_grid_between + 1) / (n_grid_between + 1))]
    return np.concatenate([np.concatenate(pts, axis=None), x[-1:]])


def _location_sets(x: np.ndarray, cand: np.ndarray, k: int, min_end: int, min_between: int) -> np.ndarray:
    """All admissible sets of k candidate indices (rows of an (S, k) int array).

    A joinpoint at tau needs >= ``min_end`` observations strictly before the
    first and strictly after the last joinpoint, and >= ``min_between``
    observations strictly between consecutive joinpoints (NCI's rule: a
    joinpoint on an observation does not count that observation).
    """
    n = len(x)
    n_lt = np.searchsorted(x, cand, side="left")   # #(x < tau)
    n_le = np.searchsorted(x, cand, side="right")  # #(x <= tau)
    n_gt = n - n_le
    idx = np.arange(len(cand))
    if k == 0:
        return np.zeros((1, 0), dtype=np.int64)
    ok_left = n_lt >= min_end
    ok_right = n_gt >= min_end
    combos = idx[ok_left][:, None]
    for _ in range(1, k):
        last = combos[:, -1]
        between = n_lt[None, :] - n_le[last][:, None]
        mask = (between >= min_between) & (idx[None, :] > last[:, None])
        rows, cols = np.nonzero(mask)
        if len(rows) > _MAX_SETS:
            raise ValueError(
                f"joinpoint(): more than {_MAX_SETS:,} candidate location sets for {k} joinpoints "
                f"({len(cand)} candidate locations); lower max_joinpoints or n_grid_between.")
        combos = np.column_stack([combos[rows], cols])
    combos = combos[ok_right[combos[:, -1]]]
    return combos.astype(np.int64)


class _Grid:
    """Pre-computed orthonormal bases of the hinge columns for every location set.

    All models share the columns (1, x); they are projected out once (``Q0``),
    so a k-joinpoint model's SSE for responses ``Y`` (already reduced) is
    ``||Y||^2 - ||Q_h' Y||^2`` with ``Q_h`` an orthonormal basis of the reduced
    hinge columns. One big GEMM per block of location sets evaluates thousands
    of permuted responses at once.
    """

    def __init__(self, x: np.ndarray, sw: np.ndarray, cand: np.ndarray, min_end: int, min_between: int):
        self.x, self.sw, self.cand = x, sw, cand
        self.min_end, self.min_between = min_end, min_between
        q0, _ = np.linalg.qr(np.column_stack([sw, sw * x]))
        self.q0 = q0
        self._cache: dict[int, np.ndarray] = {}

    def reduce(self, yw: np.ndarray) -> np.ndarray:
        return yw - self.q0 @ (self.q0.T @ yw)

    def sets(self, k: int) -> np.ndarray:
        """Admissible location sets for k joinpoints (cached), as candidate indices."""
        if k not in self._cache:
            combos = _location_sets(self.x, self.cand, k, self.min_end, self.min_between)
            if len(combos) > _MAX_SETS:
                raise ValueError(
                    f"joinpoint(): more than {_MAX_SETS:,} candidate location sets for {k} joinpoints "
                    f"({len(self.cand)} candidate locations); lower max_joinpoints or n_grid_between.")
            self._cache[k] = combos
        return self._cache[k]

    def _basis(self, k: int, combos: np.ndarray) -> np.ndarray:
        taus = self.cand[combos]  # (S, k)
        h = np.maximum(self.x[None, :, None] - taus[:, None, :], 0.0) * self.sw[None, :, None]
        h = h - np.einsum("nj,sjk->snk", self.q0, np.einsum("nj,snk->sjk", self.q0, h))
        q, _ = np.linalg.qr(h)  # (S, n, k)
        return q

    def min_sse(self, k: int, yred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minimum SSE over location sets for each column of ``yred`` (n, P).

        The orthonormal bases are built block by block, so memory stays
        bounded whatever the number of location sets.
        """
        combos = self.sets(k)
        tot = np.einsum("np,np->p", yred, yred)
        if k == 0:
            return tot, np.zeros(yred.shape[1], dtype=np.int64)
        s_all = len(combos)
        n, p = yred.shape
        chunk = max(1, min(_MAX_CHUNK // max(1, k * p), _MAX_CHUNK // max(1, k * n)))
        best = np.full(p, np.inf)
        arg = np.zeros(p, dtype=np.int64)
        for s0 in range(0, s_all, chunk):
            qb = self._basis(k, combos[s0:s0 + chunk])
            sb = qb.shape[0]
            proj = qb.transpose(0, 2, 1).reshape(sb * k, n) @ yred  # (sb*k, P)
            ss = (proj * proj).reshape(sb, k, p).sum(axis=1)
            sse = tot[None, :] - ss
            j = np.argmin(sse, axis=0)
            v = sse[j, np.arange(p)]
            better = v < best
            best[better] = v[better]
            arg[better] = j[better] + s0
        return np.maximum(best, 0.0), arg


# ------------------------------------------------------------------ exact fit
def _design(x: np.ndarray, taus: Sequence[float]) -> np.ndarray:
    cols = [np.ones_like(x), x] + [np.maximum(x - t, 0.0) for t in taus]
    return np.column_stack(cols)


@dataclass
class _Fit:
    taus: np.ndarray
    beta: np.ndarray
    cov: np.ndarray
    sse: float
    df: int
    fitted_lin: np.ndarray  # fitted values on the model (log or linear) scale
    resid_w: np.ndarray     # weighted residuals
    center: float = 0.0     # x is centred at this value in the design


def _exact_fit(x: np.ndarray, z: np.ndarray, sw: np.ndarray, taus: Sequence[float]) -> _Fit:
    # centre x (years ~ 2000 make X'X ill-conditioned); slopes are unchanged,
    # and the intercept is moved back to x = 0 below
    c = float(np.mean(x))
    X = _design(x - c, np.asarray(taus, float) - c)
    Xw = X * sw[:, None]
    zw = z * sw
    q, r = np.linalg.qr(Xw)
    beta = np.linalg.solve(r, q.T @ zw)
    rw = zw - Xw @ beta
    sse = float(rw @ rw)
    p = 2 * len(taus) + 2  # NCI counts the joinpoints as parameters (p = 2k + 2)
    df = len(x) - p
    sigma2 = sse / df if df > 0 else np.nan
    rinv = np.linalg.solve(r, np.eye(r.shape[0]))
    cov = sigma2 * (rinv @ rinv.T)
    # beta[0] (and row/column 0 of cov) refer to x = c; the slopes do not depend on c
    return _Fit(np.asarray(taus, float), beta, cov, sse, df, X @ beta, rw, c)


def _slope_matrix(k: int) -> np.ndarray:
    L = np.zeros((k + 1, k + 2))
    for i in range(k + 1):
        L[i, 1] = 1.0
        L[i, 2:2 + i] = 1.0
    return L


# -------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class JoinpointResult:
    """Result of :func:`joinpoint` (immutable).

    Attributes
    ----------
    segments : DataFrame
        One row per segment: ``segment``, ``x_start``, ``x_end``, ``apc``,
        ``apc_ci_low``, ``apc_ci_high``, ``apc_p``, ``slope``, ``slope_se``,
        ``slope_ci_low``, ``slope_ci_high`` (APC columns are NaN for the linear
        model, whose slope is the change in ``y`` units per unit of ``x``).
    joinpoints : DataFrame
        ``joinpoint`` (1..k), ``x`` (location), ``ci_low``, ``ci_high``
        (Lerman grid-profile interval).
    aapc : DataFrame
        ``x_start``, ``x_end``, ``aapc``, ``ci_low``, ``ci_high``, ``p``,
        ``slope``, ``slope_se``, ``dist`` (``"t"`` when the period lies in one
        segment, else ``"normal"``, as NCI does).
    fitted : DataFrame
        ``x``, ``y``, ``fitted``, ``residual`` (original scale).
    n_joinpoints : int
    selection : DataFrame
        The sequential permutation tests (``null``, ``alternative``,
        ``statistic``, ``p``, ``alpha_level``, ``reject``) or the BIC table
        (``k``, ``sse``, ``bic``, ``bic3``, ``selected``).
    model, method : str
    x_name, y_name : str
    alpha : float
    df_resid : int
    breaks : tuple of Break
        Breaks declared for the series (plots mark them).
    notes : tuple of str
        Caveats met while fitting (capped maximum, perfect fit...).
    """

    segments: pd.DataFrame
    joinpoints: pd.DataFrame
    aapc: pd.DataFrame
    fitted: pd.DataFrame
    n_joinpoints: int
    selection: pd.DataFrame
    model: str
    method: str
    x_name: str
    y_name: str
    alpha: float
    df_resid: int
    breaks: tuple[Break, ...] = ()
    notes: tuple[str, ...] = ()
    slope_cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    # ---------------------------------------------------------------- AAPC
    def aapc_over(self, x_start: float, x_end: float) -> pd.Series:
        """AAPC (or average slope for the linear model) over ``[x_start, x_end]``.

        The segment slopes are averaged with weights equal to the length of
        each segment inside the period; the interval uses the t distribution
        when the period lies in one segment, else the normal (as NCI does).

        Parameters
        ----------
        x_start, x_end : float
            Period, with ``min(x) <= x_start < x_end <= max(x)`` of the fitted
            data (else ValueError).

        Returns
        -------
        pandas.Series
            ``x_start``, ``x_end``, ``aapc`` (percent a year for the loglinear
            model, average slope in ``y`` units for the linear one),
            ``ci_low``, ``ci_high``, ``p``, ``slope`` (average slope on the
            model scale), ``slope_se``, ``dist`` (``"t"`` or ``"normal"``).

        Examples
        --------
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> r = joinpoint(d, max_joinpoints=0)
        >>> round(float(r.aapc_over(2003, 2008)["aapc"]), 6)
        5.0
        """
        return _aapc_row(self.segments, self.slope_cov, float(x_start), float(x_end), self.df_resid,
                         self.alpha, self.model)

    # ------------------------------------------------------------- summary
    def summary(self, digits: int = 1, x_format: Any = None) -> str:
        """One sentence describing the trend, with CIs, e.g. for a report.

        Segments whose slope is not significant at ``alpha`` are "stable"
        (or "then levelled off" after a significant segment). ``x_format``
        formats the x values (default: whole years as integers, monthly
        ``year + (month-1)/12`` values as "Feb 2016").

        Parameters
        ----------
        digits : int, default 1
            Decimals of the APCs (or slopes, linear model) and their CIs.
        x_format : callable, optional
            Function from an x value (float) to its text; default as above.

        Returns
        -------
        str
            One clause per segment joined by commas: direction and APC
            (``%`` a year; slope in ``y`` units for the linear model), its
            ``(1 - alpha)`` CI, and the x range of the segment.

        Examples
        --------
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> joinpoint(d, max_joinpoints=0).summary()
        'rose 5.0% a year (95% CI 5.0 to 5.0) from 2000 to 2011'
        """
        fx = x_format or _fmt_time
        conf = int(round(100 * (1 - self.alpha)))
        parts = []
        prev_sig = None
        segs = self.segments.reset_index(drop=True)
        for i, s in segs.iterrows():
            sig = bool(s["apc_p"] < self.alpha) if not np.isnan(s["apc_p"]) else False
            if self.model == "loglinear":
                val, lo, hi, unit = s["apc"], s["apc_ci_low"], s["apc_ci_high"], "%"
            else:
                val, lo, hi, unit = s["slope"], s["slope_ci_low"], s["slope_ci_high"], ""
            ci = f"{conf}% CI {lo:.{digits}f} to {hi:.{digits}f}"
            if sig:
                verb = "rose" if val > 0 else "fell"
                amount = f"{abs(val):.{digits}f}{unit}" if unit else f"by {abs(val):.{digits}f}"
                txt = f"{verb} {amount} a year ({ci})"
            elif i > 0 and prev_sig:
                txt = f"levelled off ({val:+.{digits}f}{unit} a year, {ci})"
            else:
                txt = f"was stable ({val:+.{digits}f}{unit} a year, {ci})"
            if len(segs) == 1:
                txt += f" from {fx(s['x_start'])} to {fx(s['x_end'])}"
            elif i == 0:
                txt += f" until {fx(s['x_end'])}"
            elif i < len(segs) - 1:
                txt = f"then {txt} until {fx(s['x_end'])}"
            else:
                txt = f"then {txt}"
            parts.append(txt)
            prev_sig = sig
        return ", ".join(parts)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return f"Joinpoint ({self.model}, {self.n_joinpoints} joinpoint(s)): {self.summary()}"

    # ---------------------------------------------------------------- plot
    def plot(self, ax: Any = None, *, title: str | None = None, ylabel: str | None = None,
             source: str | None = None) -> Any:
        """Quick look: observed values, fitted segments, joinpoints and comparability breaks.

        A plain matplotlib figure (title, axis labels, CI band of the fit,
        break markers, source line). The statistics layer never imports the
        presentation layer, so for the house-style figure used in reports call
        :func:`drugtrends.plots.joinpoint_plot` with this result.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        title : str, optional
            Default: :meth:`summary`.
        ylabel : str, optional
            Default: the y column name (give units, e.g. "Deaths per 100,000").
        source : str, optional
            Data source line; default names the method only.

        Returns
        -------
        matplotlib.figure.Figure
            The figure holding ``ax`` (a new one when ``ax`` is None).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> fig = joinpoint(d, max_joinpoints=0).plot(ylabel="Rate per 100,000")
        >>> type(fig).__name__
        'Figure'
        >>> plt.close(fig)
        """
        title = title or self.summary()
        ylabel = ylabel or self.y_name
        source = source or f"Joinpoint regression ({self.model}, {self.method}), drugtrends"
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        f = self.fitted
        ax.plot(f["x"], f["y"], "o", color="0.35", label="observed")
        ax.plot(f["x"], f["fitted"], "-", color="C0", lw=2, label="joinpoint fit")
        ax.fill_between(f["x"], f["fitted_ci_low"], f["fitted_ci_high"], color="C0", alpha=0.2,
                        label=f"{int(round(100 * (1 - self.alpha)))}% CI of the fit")
        for _, j in self.joinpoints.iterrows():
            ax.axvline(j["x"], color="C0", ls=":", lw=1)
        for b in self.breaks:
            if b.at is not None:
                ax.axvline(float(b.at), color="C3", ls="--", lw=1, label=f"break: {b.reason[:40]}")
        ax.set_xlabel(self.x_name)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=8, loc="left", wrap=True)
        ax.annotate(source, (0, -0.15), xycoords="axes fraction", fontsize=7, va="top")
        ax.legend(fontsize=8)
        return ax.figure


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _fmt_time(v: float) -> str:
    """Years as integers, ``year + (month-1)/12`` as "Mon YYYY", anything else to 2 decimals."""
    v = float(v)
    if v.is_integer():
        return str(int(v))
    m = (v - math.floor(v)) * 12
    if abs(m - round(m)) < 1e-6:
        return f"{_MONTHS[int(round(m))]} {int(math.floor(v))}"
    return f"{v:.2f}"


def _aapc_row(segments: pd.DataFrame, cov: np.ndarray, a: float, b: float, df: int, alpha: float,
              model: str) -> pd.Series:
    lo_all, hi_all = float(segments["x_start"].min()), float(segments["x_end"].max())
    if not (lo_all <= a < b <= hi_all):
        raise ValueError(f"AAPC period [{a:g}, {b:g}] must satisfy {lo_all:g} <= start < end <= {hi_all:g} "
                         "(the range of the data).")
    w = np.clip(np.minimum(b, segments["x_end"].to_numpy(float)) - np.maximum(a, segments["x_start"].to_numpy(float)),
                0.0, None)
    slopes = segments["slope"].to_numpy(float)
    sb = float(w @ slopes / w.sum())
    se = float(np.sqrt(w @ cov @ w) / w.sum())
    one_seg = int((w > 0).sum()) == 1
    if one_seg and df > 0:
        q, pval, dist = stats.t.ppf(1 - alpha / 2, df), 2 * stats.t.sf(abs(sb / se), df), "t"
    else:
        q, pval, dist = stats.norm.ppf(1 - alpha / 2), 2 * stats.norm.sf(abs(sb / se)), "normal"
    tr = (lambda v: 100 * math.expm1(v)) if model == "loglinear" else (lambda v: v)
    return pd.Series({"x_start": a, "x_end": b, "aapc": tr(sb), "ci_low": tr(sb - q * se),
                      "ci_high": tr(sb + q * se), "p": pval, "slope": sb, "slope_se": se, "dist": dist})


# ----------------------------------------------------------------- main entry
def joinpoint(df: pd.DataFrame, x: str = "year", y: str = "rate", se: str | None = None,
              model: str = "loglinear", max_joinpoints: int = 3, method: str = "permutation",
              n_permutations: int = 4499, alpha: float = 0.05, min_obs_end: int = 2,
              min_obs_between: int = 2, aapc_range: tuple[float, float] | Iterable[tuple[float, float]] | None = None,
              seed: int = 0, breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False,
              min_joinpoints: int = 0, n_grid_between: int = 0,
              joinpoint_ci: bool = True) -> JoinpointResult:
    """Fit a joinpoint regression (NCI Joinpoint style) to an aggregate series.

    Parameters
    ----------
    df : DataFrame
        One row per value of ``x``.
    x, y : str
        Columns: time (numeric, e.g. year, or ``year + (month-1)/12``) and the
        response (a rate, count or proportion; > 0 for the log-linear model).
    se : str, optional
        Column with the standard error of ``y``. When given, weighted least
        squares with weight ``1/var``: on the log scale ``var(ln y)`` is taken
        as ``(se/y)^2`` (delta method). The residual variance is still
        estimated from the data (weights are relative).
    model : {"loglinear", "linear"}
        ``ln(y)`` (APC reported) or ``y`` (slope in y units per unit x).
    max_joinpoints : int
        Largest number of joinpoints tried (capped, with a note, at the
        largest number the data and the ``min_obs_*`` rules allow).
    method : {"permutation", "bic", "bic3"}
        Model selection: Kim et al. sequential permutation tests (each at
        ``alpha/(max_joinpoints - k_null)``), BIC = ln(SSE/n) + (2k+2) ln(n)/n,
        or NCI's BIC3 with penalty 3k+2.
    n_permutations : int
        Permutations per test (NCI default 4499). Seeded by ``seed``.
    alpha : float
        Overall significance level of the selection, and 1 - confidence of
        the intervals.
    min_obs_end, min_obs_between : int
        Minimum observations from a joinpoint to either end of the data, and
        between two joinpoints, a joinpoint falling on an observation not
        counting it (definition: NCI help "Minimum Number of Observations
        Required"; defaults 2 and 2 as in NCI's command-line session options,
        mirrored by the R wrapper nih.joinpoint ``run_options()``).
        ``min_obs_end`` must be >= 1.
    aapc_range : (start, end) or list of them, optional
        Period(s) for the AAPC; default the whole range of ``x``.
    seed : int
        Seed of the permutation generator.
    breaks : iterable of Break or float, optional
        Comparability breaks of the series (:mod:`drugtrends.trends.breaks`).
    allow_breaks : bool
        If False (default), a break falling inside the data raises
        :class:`~drugtrends.errors.BreakError`; if True, fit across it (the
        result still carries the breaks so plots show them).
    min_joinpoints : int
        Smallest number of joinpoints (NCI "MIN"; default 0).
    n_grid_between : int
        Extra candidate locations between consecutive observations (NCI's
        "number of grid points between adjacent observations"); 0 = joinpoints
        only at observed x values.
    joinpoint_ci : bool
        Compute Lerman (1980) profile confidence intervals for the locations.

    Returns
    -------
    JoinpointResult

    Raises
    ------
    UnknownVariableError
        A named column is missing.
    BreakError
        The series crosses a break and ``allow_breaks`` is False.
    ValueError
        Missing / duplicated / non-positive values, or too few observations.

    Notes
    -----
    * Joinpoints are searched on a grid (observed x values, optionally with
      ``n_grid_between`` points between them), as NCI's grid-search method
      does. R ``segmented`` (Muggeo 2003) instead estimates breakpoints as
      continuous parameters by iterative linearisation, so its locations fall
      between observations and its slopes differ slightly from a grid fit; the
      two agree up to the grid resolution.
    * Standard errors treat the joinpoint locations as fixed; the residual
      variance uses ``n - (2k + 2)`` degrees of freedom (NCI counts each
      joinpoint as a parameter; ``segmented`` does the same), and APC CIs use
      the t distribution with those df. AAPC CIs use the full covariance of the
      segment slopes, with the t distribution if the period lies within one
      segment and the normal otherwise (NCI's rule).
    * Permutation p-values are ``(1 + #{T* >= T}) / (N + 1)`` with ``T`` the
      relative SSE reduction ``(SSE_null - SSE_alt) / SSE_alt``; in weighted
      fits the weighted residuals are permuted. If the null model already
      fits to rounding error (relative residual norm below 1e-10), no test is
      done and the null is kept.
    * WBIC and the Poisson / autocorrelated-error options of NCI are not
      implemented; for counts with a population offset use
      :func:`drugtrends.trends.rate_trend`.

    Examples
    --------
    >>> yrs = np.arange(2005, 2021)
    >>> rate = np.where(yrs <= 2013, 2 * 1.2 ** (yrs - 2005), 2 * 1.2 ** 8 * 0.98 ** (yrs - 2013))
    >>> r = joinpoint(pd.DataFrame({"year": yrs, "rate": rate}), n_permutations=199)
    >>> r.n_joinpoints, float(r.joinpoints["x"].iloc[0])
    (1, 2013.0)
    >>> r.segments["apc"].round(6).tolist()
    [20.0, -2.0]
    """
    if model not in ("loglinear", "linear"):
        raise ValueError(f"joinpoint(): model must be 'loglinear' or 'linear', not {model!r}.")
    if method not in ("permutation", "bic", "bic3"):
        raise ValueError(f"joinpoint(): method must be 'permutation', 'bic' or 'bic3', not {method!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"joinpoint(): alpha must be between 0 and 1, not {alpha!r}.")
    if method == "permutation" and n_permutations < 1:
        raise ValueError(f"joinpoint(): n_permutations must be >= 1 (NCI default 4499), not {n_permutations!r}.")
    if min_obs_end < 1 or min_obs_between < 0:
        raise ValueError("joinpoint(): min_obs_end must be >= 1 and min_obs_between >= 0.")
    cols = [x, y] + ([se] if se else [])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise UnknownVariableError(f"joinpoint(): column(s) {missing} not in the data; columns: {list(df.columns)}")
    d = df[cols].copy()
    for c in cols:
        d[c] = pd.to_numeric(d[c], errors="coerce")
    bad = d[d[cols].isna().any(axis=1)]
    if len(bad):
        raise ValueError(f"joinpoint(): missing or non-numeric values in {cols} at {x} = "
                         f"{bad[x].tolist()[:10]}; drop or fill those rows first.")
    d = d.sort_values(x, kind="stable").reset_index(drop=True)
    if d[x].duplicated().any():
        raise ValueError(f"joinpoint(): duplicated {x} values {d.loc[d[x].duplicated(), x].tolist()[:10]}; "
                         "one row per x value is needed (aggregate or filter by group first).")
    xv = d[x].to_numpy(float)
    yv = d[y].to_numpy(float)
    n = len(xv)
    if n < 3:
        raise ValueError(f"joinpoint(): {n} observations; at least 3 are needed.")
    blist = tuple(_as_breaks(breaks))
    check_no_breaks(xv, blist, what=f"joinpoint({y} by {x})", allow_breaks=allow_breaks)

    if model == "loglinear":
        if (yv <= 0).any():
            raise ValueError(f"joinpoint(): the log-linear model needs {y} > 0; {y} <= 0 at {x} = "
                             f"{xv[yv <= 0].tolist()[:10]}. Use model='linear' or drop those rows.")
        z = np.log(yv)
    else:
        z = yv.copy()
    if se:
        sev = d[se].to_numpy(float)
        if (sev <= 0).any():
            raise ValueError(f"joinpoint(): standard errors in {se!r} must be > 0 (found <= 0 at {x} = "
                             f"{xv[sev <= 0].tolist()[:10]}).")
        var = (sev / yv) ** 2 if model == "loglinear" else sev ** 2
        sw = 1.0 / np.sqrt(var)
        sw = sw / np.exp(np.mean(np.log(sw)))  # relative weights (scale is estimated)
    else:
        sw = np.ones(n)

    cand = _candidates(xv, n_grid_between)
    grid = _Grid(xv, sw, cand, min_obs_end, min_obs_between)
    notes: list[str] = []
    kmax = max_joinpoints
    while kmax > 0 and (n - (2 * kmax + 2) < 1 or len(grid.sets(kmax)) == 0):
        kmax -= 1
    if kmax < max_joinpoints:
        notes.append(f"max_joinpoints lowered from {max_joinpoints} to {kmax}: {n} observations with "
                     f"min_obs_end={min_obs_end}, min_obs_between={min_obs_between} allow no more.")
    kmin = min(min_joinpoints, kmax)

    zw = z * sw
    zred = grid.reduce(zw)[:, None]
    best: dict[int, tuple[float, np.ndarray]] = {}
    for k in range(kmin, kmax + 1):
        sse, arg = grid.min_sse(k, zred)
        combos = grid.sets(k)
        taus = cand[combos[arg[0]]] if k else np.zeros(0)
        best[k] = (float(sse[0]), taus)
    fits = {k: _exact_fit(xv, z, sw, best[k][1]) for k in best}
    scale = float(zw @ zw) or 1.0

    rng = np.random.default_rng(seed)
    if method == "permutation":
        rows = []
        ka, kb = kmin, kmax
        while ka < kb:
            level = alpha / (kmax - ka)
            fa, fb = fits[ka], fits[kb]
            if fa.sse <= 1e-20 * scale:
                stat, pval = 0.0, 1.0
                notes.append(f"the {ka}-joinpoint model fits to rounding error: no test of {ka} vs {kb}.")
            else:
                stat = (fa.sse - fb.sse) / fb.sse if fb.sse > 0 else np.inf
                fit_w = fa.fitted_lin * sw
                perm = rng.permuted(np.broadcast_to(np.arange(n), (n_permutations, n)), axis=1)
                ystar = fit_w[:, None] + fa.resid_w[perm].T  # (n, N)
                yred = grid.reduce(ystar)
                sa, _ = grid.min_sse(ka, yred)
                sb, _ = grid.min_sse(kb, yred)
                with np.errstate(divide="ignore", invalid="ignore"):
                    tstar = (sa - sb) / sb
                tstar = np.where(sb > 0, tstar, np.inf)
                pval = (1 + int(np.sum(tstar >= stat * (1 - 1e-10)))) / (n_permutations + 1)
            reject = pval < level
            rows.append({"null": ka, "alternative": kb, "statistic": stat, "p": pval,
                         "alpha_level": level, "reject": reject})
            if reject:
                ka += 1
            else:
                kb -= 1
        k_sel = ka
        selection = pd.DataFrame(rows, columns=["null", "alternative", "statistic", "p", "alpha_level", "reject"])
    else:
        rows = []
        for k in range(kmin, kmax + 1):
            sse = fits[k].sse
            # SSEs at rounding-error level are all "zero": floor them so the penalty decides
            ll = math.log(max(sse, 1e-20 * scale) / n)
            rows.append({"k": k, "sse": sse, "bic": ll + (2 * k + 2) * math.log(n) / n,
                         "bic3": ll + (3 * k + 2) * math.log(n) / n})
        selection = pd.DataFrame(rows)
        crit = "bic" if method == "bic" else "bic3"
        k_sel = int(selection.loc[selection[crit].idxmin(), "k"])
        selection["selected"] = selection["k"] == k_sel

    fit = fits[k_sel]
    k = k_sel
    L = _slope_matrix(k)
    slopes = L @ fit.beta
    scov = L @ fit.cov @ L.T
    sse_ = np.sqrt(np.clip(np.diag(scov), 0, None))
    df_res = fit.df
    tq = stats.t.ppf(1 - alpha / 2, df_res) if df_res > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = slopes / sse_
        pv = np.where(sse_ > 0, 2 * stats.t.sf(np.abs(tstat), df_res) if df_res > 0 else np.nan,
                      np.where(slopes == 0, 1.0, 0.0))
    bounds = np.concatenate([[xv[0]], fit.taus, [xv[-1]]])
    seg = pd.DataFrame({
        "segment": np.arange(1, k + 2),
        "x_start": bounds[:-1], "x_end": bounds[1:],
        "slope": slopes, "slope_se": sse_,
        "slope_ci_low": slopes - tq * sse_, "slope_ci_high": slopes + tq * sse_,
    })
    if model == "loglinear":
        seg["apc"] = 100 * np.expm1(slopes)
        seg["apc_ci_low"] = 100 * np.expm1(seg["slope_ci_low"])
        seg["apc_ci_high"] = 100 * np.expm1(seg["slope_ci_high"])
    else:
        seg["apc"] = np.nan
        seg["apc_ci_low"] = np.nan
        seg["apc_ci_high"] = np.nan
    seg["apc_p"] = pv
    seg = seg[["segment", "x_start", "x_end", "apc", "apc_ci_low", "apc_ci_high", "apc_p", "slope",
               "slope_se", "slope_ci_low", "slope_ci_high"]]

    # AAPC
    if aapc_range is None:
        ranges = [(xv[0], xv[-1])]
    elif len(aapc_range) == 2 and np.isscalar(aapc_range[0]):  # type: ignore[index]
        ranges = [tuple(aapc_range)]  # type: ignore[list-item]
    else:
        ranges = list(aapc_range)  # type: ignore[arg-type]
    aapc = pd.DataFrame([_aapc_row(seg, scov, float(a), float(b), df_res, alpha, model) for a, b in ranges])

    # fitted values with a pointwise CI of the fit
    X = _design(xv - fit.center, fit.taus - fit.center)
    se_fit = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", X, fit.cov, X), 0, None))
    lo_l, hi_l = fit.fitted_lin - tq * se_fit, fit.fitted_lin + tq * se_fit
    back = np.exp if model == "loglinear" else (lambda v: v)
    fitted = pd.DataFrame({"x": xv, "y": yv, "fitted": back(fit.fitted_lin),
                           "residual": yv - back(fit.fitted_lin),
                           "fitted_ci_low": back(lo_l), "fitted_ci_high": back(hi_l)})

    # joinpoint locations with Lerman profile intervals
    jrows = []
    for j, tau in enumerate(fit.taus):
        lo_b = fit.taus[j - 1] if j > 0 else xv[0]
        hi_b = fit.taus[j + 1] if j < k - 1 else xv[-1]
        ci = (np.nan, np.nan)
        if joinpoint_ci and df_res > 0:
            ci = _lerman_ci(xv, z, sw, fit.taus, j, lo_b, hi_b, df_res, alpha)
        jrows.append({"joinpoint": j + 1, "x": tau, "ci_low": ci[0], "ci_high": ci[1]})
    jp = pd.DataFrame(jrows, columns=["joinpoint", "x", "ci_low", "ci_high"])

    return JoinpointResult(segments=seg, joinpoints=jp, aapc=aapc, fitted=fitted, n_joinpoints=k,
                           selection=selection, model=model, method=method, x_name=x, y_name=y,
                           alpha=alpha, df_resid=df_res, breaks=blist, notes=tuple(notes), slope_cov=scov)


def _lerman_ci(x: np.ndarray, z: np.ndarray, sw: np.ndarray, taus: np.ndarray, j: int, lo: float, hi: float,
               df: int, alpha: float, n_grid: int = 400) -> tuple[float, float]:
    """Profile interval for joinpoint j: {tau : SSE(tau) <= SSE_min (1 + F(1, df) / df)}."""
    grid = np.linspace(lo, hi, n_grid + 2)[1:-1]
    grid = np.union1d(grid, [taus[j]])
    zw = z * sw
    sse = np.empty(len(grid))
    for i, t in enumerate(grid):
        tt = taus.copy()
        tt[j] = t
        Xw = _design(x, tt) * sw[:, None]
        beta, *_ = np.linalg.lstsq(Xw, zw, rcond=None)
        r = zw - Xw @ beta
        sse[i] = r @ r
    smin = sse.min()
    thr = smin * (1 + stats.f.ppf(1 - alpha, 1, df) / df)
    ok = grid[sse <= thr]
    return float(ok.min()), float(ok.max())
