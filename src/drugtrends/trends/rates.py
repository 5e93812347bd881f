"""Trends in counts with a population offset (rates per 100,000).

Deaths or treatment admissions ``count`` in a population ``population`` are
modelled as ``log E[count] = log(population) + a + b x``; ``exp(b)`` is the
rate ratio per unit of ``x`` and ``100 (exp(b) - 1)`` the annual percent change,
the same quantity a log-linear joinpoint segment reports.

Families: Poisson (variance = mean), quasi-Poisson (variance = phi * mean,
phi from the Pearson statistic) and negative binomial NB2 (variance =
mean + alpha mean^2, alpha by maximum likelihood). Overdispersion is checked on
the Poisson fit with the Pearson statistic: ``X^2 / (n - 2)`` and its
chi-square p-value; a Poisson fit on overdispersed counts has CIs that are too
narrow, and the result says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.trends.breaks import Break, as_breaks, check_no_breaks, fmt_x
from drugtrends.validate import check_choice, check_in_range, check_level, require_columns

__all__ = ["RateTrendResult", "rate_trend"]


@dataclass(frozen=True, eq=False)
class RateTrendResult:
    """Result of :func:`rate_trend`.

    Attributes
    ----------
    table : DataFrame
        One row: ``rate_ratio``, ``ci_low``, ``ci_high`` (per unit of ``x``),
        ``apc``, ``apc_ci_low``, ``apc_ci_high`` (percent), ``p``, ``slope``,
        ``slope_se``, ``x_start``, ``x_end``.
    fitted : DataFrame
        ``x``, ``count``, ``population``, ``rate`` (observed, per ``per``),
        ``fitted_rate``, ``fitted_ci_low``, ``fitted_ci_high``.
    family : str
    per : float
    dispersion : float
        Pearson X^2 / (n - 2) of the Poisson fit (1 if no overdispersion).
    dispersion_p : float
        P(chi2(n - 2) >= X^2): small values mean overdispersion.
    alpha_nb : float
        NB2 dispersion parameter (NaN unless ``family="negbin"``).
    overdispersed : bool
        ``dispersion_p < 0.05`` and ``dispersion > 1``.
    breaks, notes : tuple

    Examples
    --------
    Deaths growing 10 % a year in a constant population of 2 million:

    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": range(2010, 2016), "deaths": [200, 220, 242, 266, 293, 322],
    ...                   "pop": [2e6] * 6})
    >>> r = rate_trend(d, "year", "deaths", "pop")
    >>> type(r).__name__, r.family, r.per
    ('RateTrendResult', 'poisson', 100000)
    >>> r.table[["rate_ratio", "apc"]].round(1).values.tolist()
    [[1.1, 10.0]]
    >>> r.fitted[["x", "rate"]].iloc[0].tolist()
    [2010.0, 10.0]
    """

    table: pd.DataFrame
    fitted: pd.DataFrame
    family: str
    per: float
    dispersion: float
    dispersion_p: float
    alpha_nb: float
    overdispersed: bool
    x_name: str
    alpha: float
    breaks: tuple[Break, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self, digits: int = 1) -> str:
        """One sentence, e.g. "rose 12.3% a year (95% CI 10.1 to 14.5) from 2015 to 2018".

        A trend with ``p >= alpha`` "did not change significantly" (the APC,
        its CI and p are still given).

        Parameters
        ----------
        digits : int, default 1
            Decimals of the annual percent change and its CI.

        Returns
        -------
        str
            ``"rose|fell <APC>% a year (<conf>% CI <low> to <high>) from <x_start>
            to <x_end>"``, or ``"did not change significantly (<+APC>% a year,
            <conf>% CI <low> to <high>, p = <p>) from ... to ..."``.

        Examples
        --------
        >>> d = pd.DataFrame({"year": [2015, 2016, 2017], "deaths": [100, 108, 121],
        ...                   "pop": [1e6, 1e6, 1e6]})
        >>> rate_trend(d, "year", "deaths", "pop").summary()
        'did not change significantly (+10.1% a year, 95% CI -3.6 to 25.7, p = 0.16) from 2015 to 2017'
        """
        r = self.table.iloc[0]
        conf = int(round(100 * (1 - self.alpha)))
        sig = r["p"] < self.alpha
        ci = f"{conf}% CI {r['apc_ci_low']:.{digits}f} to {r['apc_ci_high']:.{digits}f}"
        span = f"from {fmt_x(r['x_start'])} to {fmt_x(r['x_end'])}"
        if sig:
            verb = "rose" if r["apc"] > 0 else "fell"
            return f"{verb} {abs(r['apc']):.{digits}f}% a year ({ci}) {span}"
        pv = f"p = {r['p']:.2g}"
        return f"did not change significantly ({r['apc']:+.{digits}f}% a year, {ci}, {pv}) {span}"

    def __repr__(self) -> str:
        head = (f"<RateTrendResult: {self.family} trend of a rate per {self.per:,g} by {self.x_name}, "
                f"n = {len(self.fitted)}{', overdispersed' if self.overdispersed else ''}>")
        lines = [head, "  " + self.summary()]
        if self.notes:
            lines.append(f"  {len(self.notes)} note(s): .notes")
        lines.append("  tables: .table, .fitted")
        return "\n".join(lines)


def _rate_inputs(df: pd.DataFrame, x: str, count: str, population: str) -> tuple[np.ndarray, ...]:
    """Sorted x, counts, populations; bad values raise InputError naming the x values."""
    cols = [x, count, population]
    require_columns(df, cols)
    d = df[cols].apply(pd.to_numeric, errors="coerce")
    bad = d[d.isna().any(axis=1)]
    if len(bad):
        raise InputError(f"rate_trend(): missing or non-numeric values in {cols} at {x} = {bad[x].tolist()[:10]}.")
    d = d.sort_values(x).reset_index(drop=True)
    if not np.isfinite(d.to_numpy(float)).all():
        raise InputError(f"rate_trend(): infinite values in {cols}; drop those rows.")
    if (d[count] < 0).any() or (d[population] <= 0).any():
        raise InputError(f"rate_trend(): {count!r} must be >= 0 and {population!r} > 0.")
    if d[x].duplicated().any():
        raise InputError(f"rate_trend(): duplicated {x} values {d.loc[d[x].duplicated(), x].tolist()[:10]}; "
                         "one row per x value is needed.")
    if len(d) < 3:
        raise InputError(f"rate_trend(): {len(d)} rows; at least 3 are needed.")
    pos = d.loc[d[count] > 0, x]
    if pos.nunique() < 2:
        where = "every year" if pos.empty else f"every year but {x} = {fmt_x(pos.iloc[0])}"
        raise InputError(f"rate_trend(): {count!r} is 0 in {where}: the log-linear slope has no finite "
                         "estimate (its APC would be infinite and its test meaningless). Report the counts "
                         "instead, or pool years until at least two have events.")
    return d[x].to_numpy(float), d[count].to_numpy(float), d[population].to_numpy(float)


def _fit_family(yv: np.ndarray, X: np.ndarray, off: np.ndarray, family: str) -> tuple:
    """Coefficients, covariance, t df (None: normal), NB alpha, dispersion check and notes."""
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    n = len(yv)
    with warnings.catch_warnings():
        # an exactly log-linear series is a perfect fit, not a separation problem
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        pois = sm.GLM(yv, X, family=sm.families.Poisson(), offset=off).fit()
    mu = pois.fittedvalues
    pearson = float(np.sum((yv - mu) ** 2 / mu))
    disp = pearson / (n - 2)
    disp_p = float(stats.chi2.sf(pearson, n - 2))
    over = bool(disp > 1 and disp_p < 0.05)
    notes = []
    alpha_nb = float("nan")
    dist_df = None
    if family == "poisson":
        params, cov = np.asarray(pois.params), np.asarray(pois.cov_params())
        if over:
            notes.append(f"overdispersion: Pearson X2/df = {disp:.2f} (p = {disp_p:.2g}); Poisson CIs are too "
                         "narrow, use family='negbin' or 'quasipoisson'.")
    elif family == "quasipoisson":
        res = sm.GLM(yv, X, family=sm.families.Poisson(), offset=off).fit(scale="X2")
        params, cov = np.asarray(res.params), np.asarray(res.cov_params())
        dist_df = n - 2
    else:
        from statsmodels.discrete.discrete_model import NegativeBinomial

        res = NegativeBinomial(yv, X, loglike_method="nb2", offset=off).fit(disp=0, maxiter=200)
        params_all, cov_all = np.asarray(res.params), np.asarray(res.cov_params())
        params, cov = params_all[:2], cov_all[:2, :2]
        alpha_nb = float(params_all[2])
        if not res.mle_retvals.get("converged", True):
            notes.append("negative binomial fit did not converge; check the counts.")
    return params, cov, dist_df, alpha_nb, disp, disp_p, over, notes


@arguments(renamed("df", "data"), renamed("alpha", "level", lambda a: round(1 - a, 12)))
def rate_trend(data: pd.DataFrame, x: str, count: str, population: str, family: str = "poisson",
               per: float = 100_000, level: float = 0.95, breaks: Iterable[Break | float] | None = None,
               allow_breaks: bool = False) -> RateTrendResult:
    """Log-linear trend of a rate from counts and populations (GLM with offset).

    Parameters
    ----------
    data : DataFrame
        One row per ``x`` value.
    x : str
        Time column (e.g. year).
    count : str
        Event counts (non-negative).
    population : str
        Population at risk (> 0); ``log(population)`` is the offset.
    family : {"poisson", "quasipoisson", "negbin"}
        Error model (see module notes).
    per : float
        Rates are reported per ``per`` people (default 100,000).
    level : float
        Confidence level (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).
    breaks, allow_breaks
        Comparability breaks; crossing one raises
        :class:`~drugtrends.errors.BreakError` unless ``allow_breaks=True``.

    Returns
    -------
    RateTrendResult

    Notes
    -----
    CIs are Wald intervals on the log scale, ``exp(b +/- z se)``, with ``z``
    the normal quantile (t with n - 2 df for quasi-Poisson). The Poisson
    overdispersion check uses Pearson's X^2 with n - 2 df.

    Examples
    --------
    >>> d = pd.DataFrame({"year": range(2010, 2016), "deaths": [200, 220, 242, 266, 293, 322],
    ...                   "pop": [2e6] * 6})
    >>> r = rate_trend(d, "year", "deaths", "pop")
    >>> round(float(r.table["rate_ratio"].iloc[0]), 3), r.overdispersed
    (1.1, False)
    >>> r.fitted["rate"].iloc[0]
    np.float64(10.0)
    """
    df = data


    alpha = round(1 - check_level(level), 12)
    check_choice(family, "family", ("poisson", "quasipoisson", "negbin"))
    alpha = check_in_range(alpha, "alpha", 0, 1, low_open=True, high_open=True)
    xv, yv, pop = _rate_inputs(df, x, count, population)
    blist = tuple(as_breaks(breaks))
    check_no_breaks(xv, blist, what=f"rate_trend({count}/{population} by {x})", allow_breaks=allow_breaks)
    xc = xv - xv.mean()
    X = np.column_stack([np.ones_like(xc), xc])
    params, cov, dist_df, alpha_nb, disp, disp_p, over, notes = _fit_family(yv, X, np.log(pop), family)
    q = stats.t.ppf(1 - alpha / 2, dist_df) if dist_df else stats.norm.ppf(1 - alpha / 2)
    b, se = float(params[1]), float(math.sqrt(cov[1, 1]))
    p = 2 * (stats.t.sf(abs(b / se), dist_df) if dist_df else stats.norm.sf(abs(b / se)))
    tab = pd.DataFrame([{
        "rate_ratio": math.exp(b), "ci_low": math.exp(b - q * se), "ci_high": math.exp(b + q * se),
        "apc": 100 * math.expm1(b), "apc_ci_low": 100 * math.expm1(b - q * se),
        "apc_ci_high": 100 * math.expm1(b + q * se), "p": p, "slope": b, "slope_se": se,
        "x_start": xv[0], "x_end": xv[-1],
    }])
    eta = X @ params
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
    fitted = pd.DataFrame({
        "x": xv, "count": yv, "population": pop, "rate": per * yv / pop,
        "fitted_rate": per * np.exp(eta), "fitted_ci_low": per * np.exp(eta - q * se_eta),
        "fitted_ci_high": per * np.exp(eta + q * se_eta),
    })
    return RateTrendResult(table=tab, fitted=fitted, family=family, per=per, dispersion=disp,
                           dispersion_p=disp_p, alpha_nb=alpha_nb, overdispersed=over, x_name=x, alpha=alpha,
                           breaks=blist, notes=tuple(notes))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
