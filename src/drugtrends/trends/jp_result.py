"""Result objects of :func:`drugtrends.trends.joinpoint` (frozen, with ``to_frame()``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import InputError
from drugtrends.trends import columns as C
from drugtrends.trends.breaks import Break

__all__ = ["JoinpointBatchResult", "JoinpointResult", "aapc_row", "empirical_aapc", "fmt_time"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_time(v: float) -> str:
    """Years as integers, ``year + (month-1)/12`` as "Mon YYYY", anything else to 2 decimals.

    Parameters
    ----------
    v : float

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_time(2016), fmt_time(2016 + 1 / 12), fmt_time(2016.3)
    ('2016', 'Feb 2016', '2016.30')
    """
    v = float(v)
    if v.is_integer():
        return str(int(v))
    m = (v - math.floor(v)) * 12
    if abs(m - round(m)) < 1e-6:
        return f"{_MONTHS[int(round(m))]} {int(math.floor(v))}"
    return f"{v:.2f}"


def _check_period(segments: pd.DataFrame, a: float, b: float) -> None:
    lo_all, hi_all = float(segments[C.X_START].min()), float(segments[C.X_END].max())
    if not (lo_all <= a < b <= hi_all):
        raise InputError(f"AAPC period [{a:g}, {b:g}] must satisfy {lo_all:g} <= start < end <= {hi_all:g} "
                         "(the range of the data).")


def _overlap(starts: np.ndarray, ends: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.clip(np.minimum(b, ends) - np.maximum(a, starts), 0.0, None)


def aapc_row(segments: pd.DataFrame, cov: np.ndarray, a: float, b: float, df: int, alpha: float,
             model: str) -> pd.Series:
    """AAPC over ``[a, b]`` with the parametric interval (t within one segment, else normal, as NCI).

    Parameters
    ----------
    segments : DataFrame
        Segments table (``x_start``, ``x_end``, ``slope``).
    cov : ndarray
        Covariance of the segment slopes.
    a, b : float
        Period.
    df : int
    alpha : float
    model : {"loglinear", "linear"}

    Returns
    -------
    pandas.Series
        Columns :data:`drugtrends.trends.columns.AAPC`.

    Examples
    --------
    >>> segs = pd.DataFrame({"x_start": [0.0, 4.0], "x_end": [4.0, 10.0], "slope": [0.1, 0.0]})
    >>> round(float(aapc_row(segs, np.eye(2) * 1e-4, 0, 10, 8, 0.05, "linear")["aapc"]), 12)
    0.04
    """
    _check_period(segments, a, b)
    w = _overlap(segments[C.X_START].to_numpy(float), segments[C.X_END].to_numpy(float), a, b)
    slopes = segments[C.SLOPE].to_numpy(float)
    sb = float(w @ slopes / w.sum())
    se = float(np.sqrt(w @ cov @ w) / w.sum())
    one_seg = int((w > 0).sum()) == 1
    tstat = abs(sb) / se if se > 0 else (0.0 if sb == 0 else np.inf)  # exact fit: zero variance
    if one_seg and df > 0:
        q, pval, dist = stats.t.ppf(1 - alpha / 2, df), 2 * stats.t.sf(tstat, df), "t"
    else:
        q, pval, dist = stats.norm.ppf(1 - alpha / 2), 2 * stats.norm.sf(tstat), "normal"
    tr = (lambda v: 100 * math.expm1(v)) if model == "loglinear" else (lambda v: v)
    return pd.Series({C.X_START: a, C.X_END: b, "aapc": tr(sb), C.CI_LOW: tr(sb - q * se),
                      C.CI_HIGH: tr(sb + q * se), "p": pval, C.SLOPE: sb, "slope_se": se, "dist": dist,
                      "ci_method": "parametric"})


def empirical_aapc(row: pd.Series, boot: Mapping[str, np.ndarray], alpha: float, model: str) -> pd.Series:
    """Replace the interval of an AAPC row by the empirical quantiles of the resampled AAPCs.

    ``boot`` holds ``bounds`` (B, k+2) segment bounds and ``slopes`` (B, k+1)
    of every resampled fit (Kim et al. 2017's empirical quantile method).

    Parameters
    ----------
    row : pandas.Series
        From :func:`aapc_row`.
    boot : mapping
        ``bounds`` and ``slopes`` from :func:`drugtrends.trends.jp_ci.resample_slopes`.
    alpha : float
    model : {"loglinear", "linear"}

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> segs = pd.DataFrame({"x_start": [0.0], "x_end": [10.0], "slope": [0.1]})
    >>> row = aapc_row(segs, np.eye(1) * 1e-4, 0, 10, 8, 0.05, "linear")
    >>> boot = {"bounds": np.tile([0.0, 10.0], (99, 1)), "slopes": np.linspace(0.08, 0.12, 99)[:, None]}
    >>> round(float(empirical_aapc(row, boot, 0.1, "linear")["ci_low"]), 6)
    0.082
    """
    a, b = float(row[C.X_START]), float(row[C.X_END])
    bounds, slopes = boot["bounds"], boot["slopes"]
    w = np.clip(np.minimum(b, bounds[:, 1:]) - np.maximum(a, bounds[:, :-1]), 0.0, None)
    sb = (w * slopes).sum(axis=1) / w.sum(axis=1)
    lo, hi = np.quantile(sb, [alpha / 2, 1 - alpha / 2])
    tr = (lambda v: 100 * math.expm1(v)) if model == "loglinear" else (lambda v: v)
    out = row.copy()
    out[C.CI_LOW], out[C.CI_HIGH] = tr(float(lo)), tr(float(hi))
    out["slope_se"] = float(np.std(sb, ddof=1))
    # two-sided resampling p-value of slope = 0 (share of resampled AAPCs on the other side of 0)
    side = np.mean(sb <= 0) if row[C.SLOPE] > 0 else np.mean(sb >= 0)
    out["p"] = float(min(1.0, 2 * (side * len(sb) + 1) / (len(sb) + 1)))
    out["dist"] = "empirical"
    out["ci_method"] = "empirical_quantile"
    return out


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class JoinpointResult:
    """Result of :func:`drugtrends.trends.joinpoint` (immutable).

    Column names are those of :mod:`drugtrends.trends.columns`.

    Attributes
    ----------
    segments : DataFrame
        One row per segment (:data:`~drugtrends.trends.columns.SEGMENTS`):
        ``segment``, ``x_start``, ``x_end``, ``apc``, ``apc_ci_low``,
        ``apc_ci_high``, ``apc_p``, ``slope``, ``slope_se``, ``slope_ci_low``,
        ``slope_ci_high``, ``ci_method`` (APC columns NaN for the linear
        model, whose slope is the change in ``y`` units per unit of ``x``).
    joinpoints : DataFrame
        ``joinpoint`` (1..k), ``x`` (location), ``ci_low``, ``ci_high``
        (Lerman grid-profile interval).
    aapc : DataFrame
        ``x_start``, ``x_end``, ``aapc``, ``ci_low``, ``ci_high``, ``p``,
        ``slope``, ``slope_se``, ``dist`` (``"t"`` when the period lies in one
        segment, else ``"normal"``, as NCI does; ``"empirical"`` for the
        empirical quantile interval), ``ci_method``.
    fitted : DataFrame
        ``x``, ``y``, ``fitted``, ``residual``, ``fitted_ci_low``,
        ``fitted_ci_high``, ``regime`` (0, 1, ... between level shifts).
    comparability_ratio : DataFrame
        Jump model only (else empty), one row per jump:
        :data:`~drugtrends.trends.columns.COMPARABILITY_RATIO` (``x``,
        ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``jump``, ``jump_se``,
        ``x_jump``, ``fitted_before``, ``fitted_after``).
    n_joinpoints : int
    selection : DataFrame
        The sequential permutation tests (``null``, ``alternative``,
        ``statistic``, ``p``, ``alpha_level``, ``reject``) or the information
        criteria (``k``, ``sse``, ``bic``, ``bic3``, ``r2_max``, ``wbic``,
        ``selected``).
    model, method, ci : str
    x_name, y_name : str
    alpha : float
    df_resid : int
    jumps : tuple of float
        Level-shift locations (first x of each new regime).
    breaks : tuple of Break
        Breaks declared for the series (plots mark them).
    notes : tuple of str
        Caveats met while fitting (capped maximum, perfect fit...).

    Examples
    --------
    A rate growing 20 % a year to 2013, then falling 2 % a year (with 1 % noise):

    >>> import numpy as np, pandas as pd
    >>> from drugtrends.trends import joinpoint
    >>> yrs = np.arange(2005, 2021)
    >>> rate = np.where(yrs <= 2013, 2 * 1.2 ** (yrs - 2005), 2 * 1.2 ** 8 * 0.98 ** (yrs - 2013))
    >>> rate = rate * (1 + 0.01 * np.sin(yrs))
    >>> r = joinpoint(pd.DataFrame({"year": yrs, "rate": rate}), x="year", y="rate", n_permutations=99)
    >>> type(r).__name__, r.n_joinpoints, r.model
    ('JoinpointResult', 1, 'loglinear')
    >>> r.segments[["x_start", "x_end", "apc"]].round(1).values.tolist()
    [[2005.0, 2013.0, 19.9], [2013.0, 2020.0, -1.9]]
    >>> r.aapc["aapc"].round(1).tolist()
    [9.2]
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
    comparability_ratio: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(C.COMPARABILITY_RATIO)))
    jumps: tuple[float, ...] = ()
    ci: str = "parametric"
    resamples: Mapping[str, np.ndarray] | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The segments table (a copy): one row per segment with APCs and CIs.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`drugtrends.trends.columns.SEGMENTS`.

        Examples
        --------
        >>> from drugtrends.trends import joinpoint
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> joinpoint(d, max_joinpoints=0).to_frame()[["x_start", "x_end", "apc"]].round(6)
           x_start   x_end  apc
        0   2000.0  2011.0  5.0
        """
        return self.segments.copy()

    # ---------------------------------------------------------------- AAPC
    def aapc_over(self, x_start: float, x_end: float) -> pd.Series:
        """AAPC (or average slope for the linear model) over ``[x_start, x_end]``.

        The segment slopes are averaged with weights equal to the length of
        each segment inside the period; the parametric interval uses the t
        distribution when the period lies in one segment, else the normal
        (as NCI does); with ``ci="empirical_quantile"`` the interval is the
        quantiles of the resampled AAPCs.

        Parameters
        ----------
        x_start, x_end : float
            Period, with ``min(x) <= x_start < x_end <= max(x)`` of the fitted
            data (else InputError).

        Returns
        -------
        pandas.Series
            ``x_start``, ``x_end``, ``aapc`` (percent a year for the loglinear
            model, average slope in ``y`` units for the linear one),
            ``ci_low``, ``ci_high``, ``p``, ``slope`` (average slope on the
            model scale), ``slope_se``, ``dist``, ``ci_method``.

        Examples
        --------
        >>> from drugtrends.trends import joinpoint
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> r = joinpoint(d, max_joinpoints=0)
        >>> round(float(r.aapc_over(2003, 2008)["aapc"]), 6)
        5.0
        """
        row = aapc_row(self.segments, self.slope_cov, float(x_start), float(x_end), self.df_resid,
                       self.alpha, self.model)
        if self.resamples is not None:
            row = empirical_aapc(row, self.resamples, self.alpha, self.model)
        return row

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
            ``(1 - alpha)`` CI, and the x range of the segment; for a jump
            model, then the comparability ratio of each level shift.

        Examples
        --------
        >>> from drugtrends.trends import joinpoint
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> joinpoint(d, max_joinpoints=0).summary()
        'rose 5.0% a year (95% CI 5.0 to 5.0) from 2000 to 2011'
        """
        fx = x_format or fmt_time
        conf = int(round(100 * (1 - self.alpha)))
        parts = []
        prev_sig = None
        segs = self.segments.reset_index(drop=True)
        for i, s in segs.iterrows():
            sig = bool(s[C.APC_P] < self.alpha) if not np.isnan(s[C.APC_P]) else False
            if self.model == "loglinear":
                val, lo, hi, unit = s[C.APC], s[C.APC_CI_LOW], s[C.APC_CI_HIGH], "%"
            else:
                val, lo, hi, unit = s[C.SLOPE], s["slope_ci_low"], s["slope_ci_high"], ""
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
                txt += f" from {fx(s[C.X_START])} to {fx(s[C.X_END])}"
            elif i == 0:
                txt += f" until {fx(s[C.X_END])}"
            elif i < len(segs) - 1:
                txt = f"then {txt} until {fx(s[C.X_END])}"
            else:
                txt = f"then {txt}"
            parts.append(txt)
            prev_sig = sig
        text = ", ".join(parts)
        for j in self.comparability_ratio.itertuples(index=False):
            text += (f"; level shift from {fx(j.x)}: comparability ratio {j.estimate:.{digits + 1}f} "
                     f"({conf}% CI {j.ci_low:.{digits + 1}f} to {j.ci_high:.{digits + 1}f})")
        return text

    def __str__(self) -> str:
        return f"Joinpoint ({self.model}, {self.n_joinpoints} joinpoint(s)): {self.summary()}"

    def __repr__(self) -> str:
        xs = self.fitted["x"] if "x" in self.fitted else pd.Series(dtype=float)
        span = f"{fmt_time(float(xs.min()))}-{fmt_time(float(xs.max()))}, n = {len(xs)}" if len(xs) else "no data"
        jps = ", ".join(fmt_time(float(v)) for v in self.joinpoints.get("x", []))
        head = (f"<JoinpointResult: {self.y_name} by {self.x_name} ({span}); {self.model} model, "
                f"{self.n_joinpoints} joinpoint(s){' at ' + jps if jps else ''} ({self.method})>")
        lines = [head, "  " + self.summary()]
        if len(self.aapc):
            a = self.aapc.iloc[0]
            lines.append(f"  AAPC {fmt_time(a['x_start'])}-{fmt_time(a['x_end'])}: {a['aapc']:.1f} "
                         f"({a['ci_low']:.1f} to {a['ci_high']:.1f})")
        if self.notes:
            lines.append(f"  {len(self.notes)} note(s): .notes")
        lines.append("  tables: .segments, .aapc, .joinpoints, .fitted; .to_frame(); figure: dt.plots.joinpoint_plot")
        return "\n".join(lines)

    # ---------------------------------------------------------------- plot
    def plot(self, ax: Any = None, *, title: str | None = None, ylabel: str | None = None,
             source: str | None = None) -> Any:
        """Deprecated quick look; draw the fit with :func:`drugtrends.plots.joinpoint_plot` instead.

        ``dt.plots.joinpoint_plot(result, title=..., ylabel=..., source=...)``
        is the one drawing of a joinpoint fit (house style, translated texts,
        alt text, APC labels). This method warns (FutureWarning) and still
        draws its former plain matplotlib figure (observed values, fitted
        segments with their CI band, joinpoints, jumps, declared breaks) for
        this minor version; it goes in the next one.

        Why not draw ``joinpoint_plot``'s figure here: the statistics layer
        never imports the presentation layer (tests/test_architecture.py, also
        inside functions). Reaching it anyway would need a hidden import
        (``importlib`` / ``sys.modules``), a copy of its drawing code (two
        drawings again, to keep in step by hand) or a hook that the
        presentation layer sets on this module at import (module state changed
        from outside, and a result that draws differently depending on what
        was imported). None is cleaner than one public drawing function and
        a deprecation.

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
        >>> from drugtrends.trends import joinpoint
        >>> d = pd.DataFrame({"year": range(2000, 2012), "rate": 10 * 1.05 ** np.arange(12)})
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     fig = joinpoint(d, max_joinpoints=0).plot(ylabel="Rate per 100,000")
        >>> type(fig).__name__, w[-1].category.__name__
        ('Figure', 'FutureWarning')
        >>> plt.close(fig)
        """
        import warnings

        import matplotlib.pyplot as plt

        warnings.warn("JoinpointResult.plot() is deprecated (since 0.3; it goes in the next minor version): draw "
                      "the fit with dt.plots.joinpoint_plot(result, title=..., ylabel=..., source=...), the one "
                      "drawing of a joinpoint fit.", FutureWarning, stacklevel=2)

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        f = self.fitted
        ax.plot(f[C.X], f[C.Y], "o", color="0.35", label="observed")
        conf = int(round(100 * (1 - self.alpha)))
        cr = self.comparability_ratio.reset_index(drop=True)
        for r, piece in f.groupby(C.REGIME, sort=True):
            first = r == f[C.REGIME].min()
            xs, ys = list(piece[C.X]), list(piece[C.FITTED])
            if 0 < r <= len(cr):  # the line starts at the jump it follows...
                xs, ys = [cr.loc[r - 1, "x_jump"]] + xs, [cr.loc[r - 1, "fitted_after"]] + ys
            if r < len(cr):  # ...and runs to the next jump
                xs, ys = xs + [cr.loc[r, "x_jump"]], ys + [cr.loc[r, "fitted_before"]]
            ax.plot(xs, ys, "-", color="C0", lw=2, label="joinpoint fit" if first else None)
            ax.fill_between(piece[C.X], piece[C.FITTED_CI_LOW], piece[C.FITTED_CI_HIGH], color="C0", alpha=0.2,
                            label=f"{conf}% CI of the fit" if first else None)
        for i, j in enumerate(self.comparability_ratio.itertuples(index=False)):
            ax.plot([j.x_jump] * 2, [j.fitted_before, j.fitted_after], "--", color="C1", lw=1.5,
                    label=f"jump (ratio {j.estimate:.2f})" if i == 0 else None)
        for _, j in self.joinpoints.iterrows():
            ax.axvline(j[C.X], color="C0", ls=":", lw=1)
        for b in self.breaks:
            if b.at is not None and float(b.at) not in self.jumps:
                ax.axvline(float(b.at), color="C3", ls="--", lw=1, label=f"break: {b.reason[:40]}")
        ax.set_xlabel(self.x_name)
        ax.set_ylabel(ylabel or self.y_name)
        ax.set_title(title or self.summary(), fontsize=8, loc="left", wrap=True)
        ax.annotate(source or f"Joinpoint regression ({self.model}, {self.method}), drugtrends", (0, -0.15),
                    xycoords="axes fraction", fontsize=7, va="top")
        ax.legend(fontsize=8)
        return ax.figure


# --------------------------------------------------------------------- batch result
@dataclass(frozen=True, eq=False)
class JoinpointBatchResult:
    """Result of :func:`drugtrends.trends.joinpoint` with ``by=`` (immutable).

    Every table is the concatenation of the per-group tables with the group
    columns first (column names of :mod:`drugtrends.trends.columns`).

    Attributes
    ----------
    by : tuple of str
        The group columns.
    segments, aapc, joinpoints, fitted, selection, comparability_ratio : DataFrame
        As in :class:`JoinpointResult`, with the group columns first, and
        ``n_joinpoints`` on the segments table.
    results : dict
        Group key (a tuple of the group values) -> :class:`JoinpointResult`.
    seconds : float
        Wall-clock time of the fits.

    Examples
    --------
    Two groups, +10 % a year then -5 % a year, turning in 2012 and 2015:

    >>> import numpy as np, pandas as pd
    >>> from drugtrends.trends import joinpoint
    >>> yrs = np.arange(2005, 2021)
    >>> d = pd.concat([pd.DataFrame({"sex": s, "year": yrs, "rate": np.where(yrs <= j, 1.1 ** (yrs - j), 0.95 ** (yrs - j))
    ...                              * (1 + 0.01 * np.sin(3 * yrs))}) for s, j in [("female", 2012), ("male", 2015)]])
    >>> b = joinpoint(d, x="year", y="rate", by="sex", n_permutations=99)
    >>> type(b).__name__, b.by, sorted(b.results)
    ('JoinpointBatchResult', ('sex',), [('female',), ('male',)])
    >>> b.joinpoints[["sex", "x"]].values.tolist()
    [['female', 2012.0], ['male', 2015.0]]
    >>> b.results[("male",)].segments["apc"].round(0).tolist()
    [10.0, -5.0]
    """

    by: tuple[str, ...]
    segments: pd.DataFrame
    aapc: pd.DataFrame
    joinpoints: pd.DataFrame
    fitted: pd.DataFrame
    selection: pd.DataFrame
    comparability_ratio: pd.DataFrame
    results: Mapping[tuple, JoinpointResult] = field(repr=False)
    seconds: float = 0.0
    #: One row per group: the group columns, ``status`` (``"fitted"`` / ``"not fitted"``) and ``reason``.
    status: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def __repr__(self) -> str:
        bad = self.status[self.status["status"] != "fitted"] if "status" in self.status else self.status.iloc[:0]
        lines = [f"<JoinpointBatchResult by {list(self.by)}: {len(self.results)} group(s) fitted, "
                 f"{len(bad)} not fitted ({self.seconds:.1f} s)>"]
        for _, r in bad.head(3).iterrows():
            key = ", ".join(f"{c}={r[c]!r}" for c in self.by)
            lines.append(f"  not fitted: {key}: {str(r['reason'])[:120]}")
        lines.append("  tables: .segments, .aapc, .joinpoints, .status; one group: res[key]; .to_frame()")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The segments table of every group (a copy).

        Returns
        -------
        pandas.DataFrame
            The group columns, :data:`drugtrends.trends.columns.SEGMENTS` and ``n_joinpoints``.

        Examples
        --------
        >>> from drugtrends.trends import joinpoint
        >>> yrs = np.arange(2000, 2012)
        >>> d = pd.DataFrame({"sex": np.repeat(["F", "M"], 12), "year": np.tile(yrs, 2),
        ...                   "rate": np.r_[1.05 ** (yrs - 2000), 2 * 1.10 ** (yrs - 2000)]})
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # exact fits are flagged
        ...     res = joinpoint(d, by="sex", max_joinpoints=0)
        >>> res.to_frame()[["sex", "x_start", "x_end", "apc"]].round(6)
          sex  x_start   x_end   apc
        0   F   2000.0  2011.0   5.0
        1   M   2000.0  2011.0  10.0
        >>> round(float(res["M"].segments["apc"].iloc[0]), 6)  # one group's JoinpointResult
        10.0
        """
        return self.segments.copy()

    def __getitem__(self, key: Any) -> JoinpointResult:
        """The result of one group: ``res["Male"]`` or ``res[("opioids", "Male")]``."""
        k = key if isinstance(key, tuple) else (key,)
        if k not in self.results:
            some = list(self.results)[:5]
            raise KeyError(f"no group {k!r} in this joinpoint result; groups look like {some}")
        return self.results[k]

    def __len__(self) -> int:
        return len(self.results)

    @classmethod
    def combine(cls, by: tuple[str, ...], results: Mapping[tuple, JoinpointResult],
                seconds: float = 0.0, failed: Mapping[tuple, str] | None = None) -> JoinpointBatchResult:
        """Stack the per-group tables, group columns first.

        Parameters
        ----------
        by : tuple of str
            Group column names.
        results : mapping
            Group key (tuple of values, in the order of ``by``) -> :class:`JoinpointResult`.
        seconds : float
            Wall-clock time to record.
        failed : mapping, optional
            Group key -> why it could not be fitted (the ``status`` table lists it).

        Returns
        -------
        JoinpointBatchResult

        Examples
        --------
        >>> from drugtrends.trends import joinpoint
        >>> d = pd.DataFrame({"year": range(2000, 2010), "rate": np.exp(0.1 * np.arange(10)) + [0, .01] * 5})
        >>> b = JoinpointBatchResult.combine(("area",), {("north",): joinpoint(d, max_joinpoints=0)})
        >>> b.segments[["area", "segment"]].values.tolist()
        [['north', 1]]
        """
        keys = list(results)
        index = pd.DataFrame(keys, columns=list(by))

        def stack(attr: str) -> pd.DataFrame:
            frames = [getattr(results[k], attr) for k in keys]
            if not frames:
                return pd.DataFrame(columns=list(by))
            sizes = np.array([len(f) for f in frames])
            body = pd.concat(frames, ignore_index=True)
            if attr == "segments":
                body["n_joinpoints"] = np.repeat([results[k].n_joinpoints for k in keys], sizes)
            groups = index.loc[np.repeat(np.arange(len(keys)), sizes)].reset_index(drop=True)
            return pd.concat([groups, body], axis=1)

        failed = dict(failed or {})
        status = pd.DataFrame([(*k, "fitted", "") for k in keys] + [(*k, "not fitted", v) for k, v in failed.items()],
                              columns=[*by, "status", "reason"])
        return cls(by=by, segments=stack("segments"), aapc=stack("aapc"), joinpoints=stack("joinpoints"),
                   fitted=stack("fitted"), selection=stack("selection"),
                   comparability_ratio=stack("comparability_ratio"), results=dict(results), seconds=seconds,
                   status=status)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
