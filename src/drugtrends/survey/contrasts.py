"""Contrasts between domain estimates.

Within one design the covariance between domain estimates is used (R
``svycontrast`` on ``svyby(..., covmat=TRUE)``): domains share PSUs, so their
estimates are correlated. For two independent samples (separate designs,
e.g. survey years drawn independently) :func:`independent_difference` adds the
variances.

Tests are t tests on the design df: the df of the whole (subset) design for
contrasts within a design (``#PSU - #strata``), and ``df_a + df_b`` for
independent designs (the df of the pooled design). Relative change
``b/a - 1`` uses the delta method: ``Var = (b/a)^2 (Va/a^2 + Vb/b^2 - 2 Cab/(a b))``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .._compat import arguments
from ..errors import DesignError, InputError, ReliabilityWarning
from ..validate import check_level
from .ci import t_quantile

__all__ = ["contrast", "difference", "independent_difference"]


def _ttest(est: Any, se: Any, df: ArrayLike, level: float) -> tuple[Any, Any, Any, Any]:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    df = np.asarray(df, dtype=float)
    p = np.where(np.isinf(df), 2 * stats.norm.sf(np.abs(t)), 2 * stats.t.sf(np.abs(t), df))
    q = t_quantile(level, df)
    return t, p, est - q * se, est + q * se


@arguments()
def contrast(design: Any, variable: str, by: str | list[str], coef: Any, *, level: float | None = None,
             ci_df: float | None = None) -> pd.DataFrame:
    """Linear combination ``sum_d c_d * mean_d`` of domain means of one outcome.

    Parameters
    ----------
    design : SurveyDesign
    variable : str
        Outcome (numeric; 0/1 for a proportion).
    by : str or list of str
        Domain columns.
    coef : dict or sequence
        Coefficients by domain: a dict keyed by the domain value (or tuple of
        values for several ``by`` columns), or a sequence in domain order.
    level : float, optional
    ci_df : float, optional
        df for the test and interval (default: the design's df).

    Returns
    -------
    DataFrame with ``variable``, ``estimate``, ``se``, ``t``, ``df``, ``p``,
    ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [1, 0, 0, 1, 1, 1],
    ...                    "g": list("aaabbb")})
    >>> r = contrast(SurveyDesign(df, weight="w", psu="psu"), "y", "g", [-1, 1])
    >>> round(float(r.estimate[0]), 4)
    0.6667
    """
    level = check_level(design.level if level is None else level)
    tab, cov = design.mean(variable, by, return_cov=True, reliability=None)
    by_cols = [by] if isinstance(by, str) else list(by)
    if isinstance(coef, dict):
        keys = [tuple(r) if len(by_cols) > 1 else r[0] for r in tab[by_cols].itertuples(index=False)]
        unknown = set(coef) - set(keys)
        if unknown:
            raise DesignError(f"contrast names unknown domain(s) {sorted(map(str, unknown))}; "
                              f"domains are {keys}")
        c = np.array([coef.get(k, 0.0) for k in keys], dtype=float)
    else:
        c = np.asarray(coef, dtype=float)
        if c.size != len(tab):
            raise DesignError(f"{c.size} coefficients for {len(tab)} domains")
    est = float(c @ tab["estimate"].to_numpy())
    se = float(np.sqrt(c @ cov.to_numpy() @ c))
    df = float(design.df if ci_df is None else ci_df)
    t, p, lo, hi = _ttest(est, se, df, level)
    return pd.DataFrame({"variable": [variable], "estimate": [est], "se": [se], "t": [float(t)],
                         "df": [df], "p": [float(p)], "ci_low": [float(lo)], "ci_high": [float(hi)]})


@arguments()
def difference(design: Any, variable: str, between: str, by: str | list[str] | None = None, *, levels: Any = None,
               level: float | None = None, ci_df: float | None = None) -> pd.DataFrame:
    """Difference ``b - a`` between two levels of ``between`` (e.g. survey years),
    within each ``by`` group, with SE from the covariance of the two estimates,
    t test, and relative change ``b/a - 1`` (delta method).

    Parameters
    ----------
    design : SurveyDesign
    variable : str
    between : str
        Column whose two levels are compared.
    by : str or list of str, optional
        Further grouping (one difference per group).
    levels : (a, b) or "pairs", optional
        Levels to compare; required when ``between`` has more than two levels
        (default: the two levels present). ``"pairs"``: every pair, in the
        order of the levels, with Holm-adjusted p-values (``p_holm``, within
        each ``by`` group).
    level : float, optional
    ci_df : float, optional
        df for tests and intervals (default: the design's df).

    Returns
    -------
    DataFrame: ``by`` columns, ``variable``, ``from``, ``to``, ``estimate_from``,
    ``estimate_to``, ``estimate`` (difference), ``se``, ``t``, ``df``, ``p``,
    ``ci_low``, ``ci_high``, ``relative_change``, ``relative_se``,
    ``relative_ci_low``, ``relative_ci_high``, ``suppressed`` (either estimate
    is suppressed, see :mod:`drugtrends.survey.results`), ``flag`` (the
    reasons, prefixed ``from (level):`` / ``to (level):``).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "y": [1, 0, 0, 0, 1, 1, 0, 1],
    ...                    "yr": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> r = difference(SurveyDesign(df, weight="w", psu="psu"), "y", "yr")
    >>> float(r.estimate[0]), float(r.relative_change[0])
    (0.5, 2.0)
    """
    level = check_level(design.level if level is None else level)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    tab, cov = design.mean(variable, by_cols + [between], return_cov=True, reliability=None)
    C = cov.to_numpy()
    present = tab[between].drop_duplicates().tolist()
    if isinstance(levels, str) and levels == "pairs":
        return _all_pairs(design, variable, between, by, present, level, ci_df)
    a_lev, b_lev = _two_levels(between, present, levels)
    df = float(design.df if ci_df is None else ci_df)
    rows = []
    if by_cols:
        combos = tab[by_cols].drop_duplicates()
        groups = [(tuple(r), (tab[by_cols] == pd.Series(dict(zip(by_cols, r)))).all(axis=1))
                  for r in combos.itertuples(index=False)]
    else:
        groups = [((), pd.Series(True, index=tab.index))]
    for key, sel in groups:
        sub = tab[sel.to_numpy()]
        ia = sub.index[sub[between] == a_lev]
        ib = sub.index[sub[between] == b_lev]
        rec = dict(zip(by_cols, key))
        rec.update(variable=variable, **{"from": a_lev, "to": b_lev})
        if len(ia) != 1 or len(ib) != 1:
            miss = a_lev if len(ia) != 1 else b_lev
            rec.update(estimate=np.nan, se=np.nan, suppressed=True,
                       flag=f"no estimate for {between}={miss!r} in this group")
            rows.append(rec)
            continue
        i, j = tab.index.get_loc(ia[0]), tab.index.get_loc(ib[0])
        ea, eb = tab.estimate.iloc[i], tab.estimate.iloc[j]
        va, vb, cab = C[i, i], C[j, j], C[i, j]
        est = eb - ea
        se = np.sqrt(va + vb - 2 * cab)
        t, p, lo, hi = _ttest(est, se, df, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = eb / ea
            rse = abs(r) * np.sqrt(va / ea**2 + vb / eb**2 - 2 * cab / (ea * eb))
        q = float(t_quantile(level, df))
        rec.update(estimate_from=ea, estimate_to=eb, estimate=est, se=se, t=float(t), df=df,
                   p=float(p), ci_low=float(lo), ci_high=float(hi), relative_change=r - 1,
                   relative_se=rse, relative_ci_low=r - 1 - q * rse, relative_ci_high=r - 1 + q * rse,
                   **_pair_flags(tab, i, j, a_lev, b_lev, ea))
        rows.append(rec)
    return pd.DataFrame(rows)


def _all_pairs(design: Any, variable: str, between: str, by: str | list[str] | None, present: list[Any],
               level: float | None, ci_df: float | None) -> pd.DataFrame:
    """Every pair of levels of ``between``, with Holm (1979) adjusted p-values within each ``by`` group."""
    if len(present) < 2:
        raise InputError(f"difference(between={between!r}, levels='pairs') needs two levels; it has {present}.")
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1:]]
    parts = [difference(design, variable, between, by, levels=pairs[0], level=level, ci_df=ci_df)]
    with warnings.catch_warnings():   # the same table again: its warnings were given once above
        warnings.simplefilter("ignore", ReliabilityWarning)
        parts += [difference(design, variable, between, by, levels=pr, level=level, ci_df=ci_df)
                  for pr in pairs[1:]]
    out = pd.concat(parts, ignore_index=True)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    out["p_holm"] = np.nan
    groups = out.groupby(by_cols, sort=False, dropna=False).groups.values() if by_cols else [out.index]
    for idx in groups:
        p = out.loc[idx, "p"].to_numpy(dtype=float)
        ok = np.isfinite(p)
        order = np.argsort(p[ok])
        m = int(ok.sum())
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[ok][order]))
        vals = np.full(len(p), np.nan)
        vals[np.flatnonzero(ok)[order]] = adj
        out.loc[idx, "p_holm"] = vals
    return out


def _pair_flags(tab: pd.DataFrame, i: int, j: int, a_lev: Any, b_lev: Any, ea: float) -> dict[str, Any]:
    """A difference is unreliable when either estimate is; the reasons say which side."""
    flags = [f"{side} ({lev}): {f}" for side, k, lev in (("from", i, a_lev), ("to", j, b_lev))
             for f in str(tab["flag"].iloc[k]).split(";") if f]
    sup = bool(tab.suppressed.iloc[i] or tab.suppressed.iloc[j])
    if ea == 0:
        flags.append("relative change undefined (from = 0)")
    return {"suppressed": sup, "flag": ";".join(flags)}


def _two_levels(between: str, present: list[Any], levels: Any) -> tuple[Any, Any]:
    """The two levels compared: given ones must be present; by default first and last."""
    if levels is None:
        if len(present) < 2:
            raise InputError(f"difference(between={between!r}) needs two levels of {between!r} in the "
                             f"(subset) design; it has {present}. Choose another column or widen the subset.")
        if len(present) > 2:
            raise InputError(f"difference(between={between!r}): {between!r} has {len(present)} levels {present}; "
                             f"say which two to compare, e.g. levels=({present[0]!r}, {present[-1]!r}) "
                             "or levels='pairs' for every pair with Holm-adjusted p-values.")
        return present[0], present[-1]
    levels = list(levels) if not isinstance(levels, str) else [levels]
    if len(levels) != 2 or levels[0] == levels[1]:
        raise InputError(f"levels={levels!r}: give two different levels of {between!r} (from, to).")
    absent = [lv for lv in levels if lv not in present]
    if absent:
        raise InputError(f"level(s) {absent} of {between!r} are not in the (subset) design with a value "
                         f"of the outcome; levels present: {present}.")
    return levels[0], levels[1]


@arguments()
def independent_difference(a: pd.DataFrame, b: pd.DataFrame, on: str | list[str] | None = None, *,
                           level: float = 0.95, df: float | None = None) -> pd.DataFrame:
    """Difference ``b - a`` between estimates from two independent samples.

    ``se = sqrt(se_a^2 + se_b^2)``; df ``df_a + df_b`` (pooled design) unless
    given.

    Parameters
    ----------
    a, b : DataFrame
        Results of :meth:`SurveyDesign.mean` on two designs.
    on : list of str, optional
        Columns identifying matching rows (default: ``by`` columns shared by
        both, plus ``variable`` and ``level`` when present).
    level : float
    df : float, optional

    Returns
    -------
    DataFrame with the ``on`` columns, ``estimate_a``, ``estimate_b``,
    ``estimate``, ``se``, ``t``, ``df``, ``p``, ``ci_low``, ``ci_high``,
    ``relative_change``, ``relative_se``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"variable": ["y"], "estimate": [0.2], "se": [0.03], "df": [15.0]})
    >>> b = pd.DataFrame({"variable": ["y"], "estimate": [0.3], "se": [0.04], "df": [15.0]})
    >>> r = independent_difference(a, b)
    >>> round(float(r.estimate[0]), 3), round(float(r.se[0]), 3), float(r.df[0])
    (0.1, 0.05, 30.0)
    """
    stat_cols = {"estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "n_eff", "df",
                 "suppressed", "flag"}
    if on is None:
        on = [c for c in a.columns if c in b.columns and c not in stat_cols]
    m = a.merge(b, on=on, suffixes=("_a", "_b"), how="inner")
    est = m.estimate_b - m.estimate_a
    se = np.sqrt(m.se_a**2 + m.se_b**2)
    dfv = (m.df_a + m.df_b).to_numpy(dtype=float) if df is None else np.full(len(m), float(df))
    t, p, lo, hi = _ttest(est.to_numpy(), se.to_numpy(), dfv, level)
    r = m.estimate_b / m.estimate_a
    rse = np.abs(r) * np.sqrt(m.se_a**2 / m.estimate_a**2 + m.se_b**2 / m.estimate_b**2)
    out = m[on].copy()
    out["estimate_a"], out["estimate_b"] = m.estimate_a, m.estimate_b
    out["estimate"], out["se"], out["t"], out["df"], out["p"] = est, se, t, dfv, p
    out["ci_low"], out["ci_high"] = lo, hi
    out["relative_change"], out["relative_se"] = r - 1, rse
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
