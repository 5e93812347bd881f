"""Survey-based changes between years and trend tests (design-based).

Functions here take a :class:`drugtrends.survey.SurveyDesign` (Taylor
linearisation or replicate weights) built on data that pool several survey
years (one row per respondent, a year column), and return tidy DataFrames.

* :func:`change_between` -- difference and relative change between two years,
  with standard errors that include the covariance between the two years'
  estimates (zero when the years have disjoint strata, as in NHANES and NSDUH,
  but computed, not assumed).
* :func:`significance_vs_latest` -- each year compared with the latest year,
  marked as in NSDUH detailed tables ("a": difference significant at the .05
  level, "b": at the .01 level).
* :func:`change_from_estimates` -- the same from published estimates and SEs
  (two independent samples, or a given covariance).
* :func:`survey_trend_test` -- linear (and quadratic) trend across survey years
  by a design-based logistic regression on orthogonal polynomial scores of
  the year (R ``contr.poly``), per domain, as YRBS and NSDUH trend analyses do.

One variance engine
-------------------
Nothing here computes a variance. Estimates, their covariance matrix, domain
contrasts and the delta-method relative change come from
:mod:`drugtrends.survey` (``SurveyDesign.mean(..., return_cov=True)``,
``.difference()``, ``.subset()``, :func:`drugtrends.survey.svyglm`), exactly as
R ``survey``'s ``svyby(covmat=TRUE)`` + ``svycontrast`` and ``svyglm``; this
module only chooses the domains, the contrasts and the year scores.

Degrees of freedom
------------------
* :func:`change_between` and :func:`significance_vs_latest` test a contrast
  between two years on the df of the design restricted to those two years:
  ``design.subset(year in {a, b}).df``, i.e. R ``degf()`` (#PSU - #strata with
  positive weight) of the subset design -- the engine's ``df="design"`` rule on
  the two-year subset. It is what R users pair with ``svycontrast`` (the
  reference ``tests/reference/trends_nhanes.R`` uses ``degf(des)``), and it is
  the same for every ``by`` domain, as in R ``svyby`` + ``svycontrast``. It
  differs from the engine's ``df="domain"`` (PSUs among the domain's rows
  only) when a ``by`` domain is absent from some PSUs; for a domain taken with
  ``design.subset(...)`` it is R's ``degf(subset(design, ...))``. For
  replicate designs it is the rank of the replicate weights minus 1 (R).
* :func:`survey_trend_test` uses ``svyglm``'s residual df, ``degf + 1 - p``
  with ``degf`` counted on the complete-case rows of the domain (R
  ``svyglm(design = subset(des, ...))``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends._compat import arguments, renamed
from drugtrends.errors import BreakError, DesignError, InputError, InputTypeError, UnknownVariableError
from drugtrends.trends.breaks import Break, as_breaks, check_no_breaks
from drugtrends.validate import require_unique

if TYPE_CHECKING:
    from drugtrends.survey import ReplicateDesign, SurveyDesign  # noqa: F401

__all__ = [
    "change_between",
    "describe_change",
    "change_from_estimates",
    "orthogonal_poly",
    "significance_vs_latest",
    "survey_trend_test",
]

#: IRLS tolerance of the trend test's logistic regression: iterated to the MLE
#: (R ``glm.control(epsilon = 1e-8)`` stops ~1e-7 relative short of it).
_GLM_EPSILON = 1e-13


# ------------------------------------------------------------------ checks
def _survey():
    """drugtrends.survey, imported on first use (importing trends never pulls in the survey engine)."""
    import drugtrends.survey as survey

    return survey


def _check_design(design: Any, fn: str) -> SurveyDesign:
    if isinstance(design, pd.DataFrame):
        raise InputTypeError(f"{fn}(): pass a drugtrends.survey.SurveyDesign, e.g. SurveyDesign(df, "
                        "weight='wt', strata='SDMVSTRA', psu='SDMVPSU'), not a DataFrame.")
    if not isinstance(design, _survey().SurveyDesign):
        raise InputTypeError(f"{fn}(): design must be a drugtrends.survey.SurveyDesign (or ReplicateDesign); "
                        f"got {type(design).__name__}.")
    return design


def _check_columns(design: SurveyDesign, outcome: str, year_col: str, by: list[str], fn: str) -> None:
    data = design.data
    missing = [c for c in [outcome, year_col, *by] if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"{fn}(): column(s) {missing} not in the design's data; "
                                   f"columns: {list(data.columns)[:20]}")
    col = data[outcome]
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)) \
            or isinstance(col.dtype, pd.CategoricalDtype):
        raise DesignError(f"{fn}(): outcome {outcome!r} is {col.dtype}, not numeric; code it 0/1 "
                          "(NaN for missing) first.")


def _year_num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _years_present(design: SurveyDesign, year_col: str, outcome: str | None = None) -> list:
    keep = design.mask
    if outcome is not None:
        keep &= design.data[outcome].notna().to_numpy()
    return sorted(design.data.loc[keep, year_col].dropna().unique().tolist())


def _two_years(design: SurveyDesign, year_col: str, a: Any, b: Any) -> SurveyDesign:
    """The design restricted to years ``a`` and ``b`` (R ``subset(des, year %in% c(a, b))``)."""
    return design.subset(design.data[year_col].isin([a, b]).to_numpy())


def _check_recorded_groups(data: pd.DataFrame, year_col: str, a: Any, b: Any, what: str, allow_breaks: bool) -> None:
    """Refuse two years in different comparability groups recorded in the data (``comparability_group``)."""
    if allow_breaks or "comparability_group" not in data.columns:
        return
    ga = set(data.loc[data[year_col] == a, "comparability_group"].dropna().astype(str))
    gb = set(data.loc[data[year_col] == b, "comparability_group"].dropna().astype(str))
    if ga and gb and ga.isdisjoint(gb):
        raise BreakError(f"{what}: {a!r} and {b!r} are in different comparability groups recorded in the data "
                         f"(comparability_group {sorted(ga)[:2]} vs {sorted(gb)[:2]}): the estimates are not "
                         "comparable. Compare years within one group, or pass allow_breaks=True to override.")


def _tdist(df: float | None):
    return stats.norm if df is None or not np.isfinite(df) or df <= 0 else stats.t(df)


# ---------------------------------------------------------------- change_between
_CHANGE_COLS = ["variable", "year_from", "year_to", "estimate_from", "estimate_to", "se_from", "se_to",
                "cov", "difference", "se", "ci_low", "ci_high", "p", "relative_change", "relative_se",
                "relative_ci_low", "relative_ci_high", "df", "significant"]


@arguments(renamed("year_col", "x"), renamed("alpha", "level", lambda a: round(1 - a, 12)))
def change_between(design: SurveyDesign, outcome: str, x: str, years: tuple[Any, Any],
                   by: Sequence[str] | str | None = None, level: float = 0.95, df: float | None = None,
                   breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False) -> pd.DataFrame:
    """Change in a (weighted) mean or proportion between two survey years.

    A thin layer over the survey engine: ``design.subset(year in years)``,
    then ``.mean(outcome, by=by + [year_col], return_cov=True)`` (the two
    years' estimates, SEs and covariance) and ``.difference(...)`` (R
    ``svycontrast`` of ``svyby(covmat=TRUE)``: the difference and the
    delta-method relative change).

    Parameters
    ----------
    design : SurveyDesign
        Design over the pooled years (Taylor or replicate weights; a
        ``.subset()`` design restricts to a domain).
    outcome : str
        Numeric or 0/1 outcome column (NaN = missing, excluded from the domain).
    x : str
        Column identifying the survey year (numeric, or labels such as
        ``"2009_10"``).
    years : (from, to)
        The two years compared; ``difference = estimate(to) - estimate(from)``.
    by : str or list of str, optional
        Domain columns; one row per domain.
    level : float
        Confidence level (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).
    df : float, optional
        Degrees of freedom of the t reference distribution. Default: R
        ``degf()`` of the design restricted to the two years (see the module
        notes); pass ``numpy.inf`` for normal intervals (R
        ``confint(svycontrast(...))``).
    breaks, allow_breaks
        Comparability breaks (numeric years only); crossing one raises
        :class:`~drugtrends.errors.BreakError` unless ``allow_breaks=True``.

    Returns
    -------
    DataFrame
        ``by`` columns, ``variable``, ``year_from``, ``year_to``,
        ``estimate_from``, ``estimate_to``, ``se_from``, ``se_to``, ``cov``,
        ``difference``, ``se``, ``ci_low``, ``ci_high``, ``p``,
        ``relative_change`` (``to/from - 1``), ``relative_se`` (delta
        method), ``relative_ci_low``, ``relative_ci_high``, ``df``,
        ``significant``. A domain without respondents in one of the years has
        NaN statistics; the relative change from a zero estimate is NaN.

    Examples
    --------
    >>> d = pd.DataFrame({"yr": [1] * 4 + [2] * 4, "use": [0, 1, 0, 0, 1, 1, 0, 1],
    ...                   "wt": 1.0, "st": [1, 1, 2, 2, 3, 3, 4, 4], "psu": [1, 2] * 4})
    >>> from drugtrends.survey import SurveyDesign
    >>> des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    >>> r = change_between(des, "use", "yr", (1, 2))
    >>> r[["estimate_from", "estimate_to", "difference", "se", "df"]].round(3).iloc[0].tolist()
    [0.25, 0.75, 0.5, 0.354, 4.0]
    """
    year_col = x
    alpha = round(1 - level, 12)
    design = _check_design(design, "change_between")
    by = require_unique([] if by is None else by, "by")  # as_list(None) == []
    _check_columns(design, outcome, year_col, by, "change_between")
    a, b = years
    ya, yb = _year_num(a), _year_num(b)
    if ya is not None and yb is not None:
        check_no_breaks([ya, yb], breaks, what=f"change_between({outcome}, {a} vs {b})", allow_breaks=allow_breaks)
    _check_recorded_groups(design.data, year_col, a, b, f"change_between({outcome}, {a} vs {b})", allow_breaks)
    present = _years_present(design, year_col)
    for v in (a, b):
        if v not in present:
            raise InputError(f"change_between(): year {v!r} not found in {year_col!r}; years present: "
                             f"{sorted(map(str, present))}.")
    two = _two_years(design, year_col, a, b)
    level = 1 - alpha
    with np.errstate(divide="ignore", invalid="ignore"):  # relative change from a zero estimate
        dif = two.difference(outcome, between=year_col, by=by or None, levels=(a, b), level=level, ci_df=df)
    # per-year SEs and their covariance: a second engine pass (difference() does not return them)
    tab, cov = two.mean(outcome, by=[*by, year_col], return_cov=True, reliability=None)
    C = cov.to_numpy()
    pos = {key: i for i, key in enumerate(tab[[*by, year_col]].itertuples(index=False, name=None))}
    rows = []
    for _, r in dif.iterrows():
        key = tuple(r[c] for c in by)
        ia, ib = pos.get((*key, a)), pos.get((*key, b))
        ok = ia is not None and ib is not None and pd.notna(r.get("se", np.nan))
        rec = {c: r[c] for c in by}
        rec.update(variable=outcome, year_from=a, year_to=b)
        if not ok:
            rows.append(rec | {c: np.nan for c in _CHANGE_COLS[3:]} | {"significant": False})
            continue
        rel = {c: (r[c] if r["estimate_from"] != 0 else np.nan) for c in _CHANGE_COLS[13:17]}
        rec.update(estimate_from=r["estimate_from"], estimate_to=r["estimate_to"],
                   se_from=float(np.sqrt(C[ia, ia])), se_to=float(np.sqrt(C[ib, ib])), cov=float(C[ia, ib]),
                   difference=r["estimate"], se=r["se"], ci_low=r["ci_low"], ci_high=r["ci_high"], p=r["p"],
                   **rel, df=r["df"], significant=bool(r["p"] < alpha))
        rows.append(rec)
    return pd.DataFrame(rows, columns=[*by, *_CHANGE_COLS])


@arguments(renamed("alpha", "level", lambda a: round(1 - a, 12)))
def describe_change(row: pd.Series | dict, label: str, percent: bool = True, digits: int = 1,
                    level: float = 0.95) -> str:
    """Observatory sentence for one row of :func:`change_between` / :func:`change_from_estimates`.

    Parameters
    ----------
    row : Series or dict
        Needs ``estimate_from``, ``estimate_to``, ``difference``, ``ci_low``,
        ``ci_high``, ``p``; ``year_from`` / ``year_to`` if present.
    label : str
        What is measured, e.g. ``"past-year cocaine use"``.
    percent : bool
        Proportions on the 0-1 scale are shown as percentages (differences
        in percentage points).
    digits : int
    level : float
        Confidence level; the wording calls a change significant when ``p < 1 - level``
        (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).

    Returns
    -------
    str

    Examples
    --------
    >>> r = change_from_estimates(0.016, 0.0015, 0.027, 0.0018).iloc[0].to_dict()
    >>> describe_change(r | {"year_from": 2017, "year_to": 2023}, "Past-year cocaine use")
    'Past-year cocaine use rose significantly from 1.6% in 2017 to 2.7% in 2023 (+1.1 points, 95% CI 0.6 to 1.6)'
    """
    alpha = round(1 - level, 12)
    r = dict(row)
    k = 100.0 if percent else 1.0
    unit, dunit = ("%", " points") if percent else ("", "")
    conf = int(round(100 * (1 - alpha)))
    y0 = f" in {r['year_from']}" if "year_from" in r else ""
    y1 = f" in {r['year_to']}" if "year_to" in r else ""
    e0, e1 = k * r["estimate_from"], k * r["estimate_to"]
    dif = k * r["difference"]
    ci = f"{conf}% CI {k * r['ci_low']:.{digits}f} to {k * r['ci_high']:.{digits}f}"
    if r["p"] < alpha:
        verb = "rose significantly" if dif > 0 else "fell significantly"
    else:
        verb = "did not change significantly"
    return (f"{label} {verb} from {e0:.{digits}f}{unit}{y0} to {e1:.{digits}f}{unit}{y1} "
            f"({dif:+.{digits}f}{dunit}, {ci})")


# --------------------------------------------------------- significance_vs_latest
@arguments(renamed("year_col", "x"), renamed("alpha", "level", lambda a: round(1 - a, 12)))
def significance_vs_latest(design: SurveyDesign, outcome: str, x: str, by: Sequence[str] | str | None = None,
                           level: float = 0.95, latest: Any = None,
                           breaks: Iterable[Break | float] | None = None) -> pd.DataFrame:
    """Estimates by year, each tested against the latest year (NSDUH-table style).

    Estimates and SEs: ``design.mean(outcome, by=by + [year_col])``; each test:
    ``design.subset(year in {year, latest}).difference(...)``, as in
    :func:`change_between` (same df rule).

    Parameters
    ----------
    design : SurveyDesign
    outcome, x : str
        Outcome and time (survey year) columns (``year_col=`` is the former name of ``x``).
    by : str or list of str, optional
    level : float
        Confidence level; the main marker is ``p < 1 - level`` (default .05)
        (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).
    latest : year, optional
        Reference year (default: the largest year present).
    breaks : iterable of Break or float, optional
        Years on the other side of a break from ``latest`` are not tested
        (``comparable`` False, ``marker`` empty, ``p`` NaN).

    Returns
    -------
    DataFrame
        ``by`` columns, ``year``, ``variable``, ``estimate``, ``se``,
        ``difference`` (latest - year), ``p``, ``df``, ``comparable``,
        ``marker``: ``"b"`` if p < .01, ``"a"`` if p < ``alpha`` (NSDUH
        detailed tables: "a: difference between this estimate and the latest
        estimate is statistically significant at the .05 level; b: at the .01
        level"), else ``""``. Domain-years without respondents are left out.

    Examples
    --------
    >>> d = pd.DataFrame({"yr": [1] * 4 + [2] * 4, "use": [0, 1, 0, 0, 1, 1, 0, 1],
    ...                   "wt": 1.0, "st": [1, 1, 2, 2, 3, 3, 4, 4], "psu": [1, 2] * 4})
    >>> from drugtrends.survey import SurveyDesign
    >>> des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    >>> significance_vs_latest(des, "use", "yr")[["year", "estimate", "p", "marker"]].round(3).values.tolist()
    [[1, 0.25, 0.23, ''], [2, 0.75, nan, '']]
    """
    year_col = x
    alpha = round(1 - level, 12)
    design = _check_design(design, "significance_vs_latest")
    by = require_unique([] if by is None else by, "by")  # as_list(None) == []
    _check_columns(design, outcome, year_col, by, "significance_vs_latest")
    years = _years_present(design, year_col)
    latest = years[-1] if latest is None else latest
    if latest not in years:
        raise InputError(f"significance_vs_latest(): latest={latest!r} not in {year_col!r} ({years}).")
    tab = design.mean(outcome, by=[*by, year_col], reliability=None)
    tab = tab[tab["n"] > 0]
    bl = as_breaks(breaks)
    ln = _year_num(latest)
    tests = {}
    for yv in years:
        yn = _year_num(yv)
        comparable = True
        if bl and yn is not None and ln is not None:
            try:
                check_no_breaks([yn, ln], bl)
            except BreakError:
                comparable = False
        two = _two_years(design, year_col, yv, latest)
        res = None
        if yv != latest:
            with np.errstate(divide="ignore", invalid="ignore"):  # relative change from a zero estimate
                res = two.difference(outcome, between=year_col, by=by or None, levels=(yv, latest),
                                     level=1 - alpha)
            res = res.set_index(by) if by else res
        tests[yv] = (comparable, float(two.df), res)
    rows = []
    for _, r in tab.iterrows():
        yv = r[year_col]
        comparable, dfv, res = tests[yv]
        diff, p = (0.0 if yv == latest else np.nan), np.nan
        if res is not None:
            t = res.loc[tuple(r[c] for c in by) if len(by) > 1 else r[by[0]]] if by else res.iloc[0]
            diff = t.get("estimate", np.nan)
            if comparable and np.isfinite(t.get("se", np.nan)) and t["se"] > 0:
                p = float(t["p"])
        marker = "" if np.isnan(p) else ("b" if p < 0.01 else "a" if p < alpha else "")
        rows.append({**{c: r[c] for c in by}, "year": yv, "variable": outcome, "estimate": r["estimate"],
                     "se": r["se"], "difference": diff, "p": p, "df": dfv, "comparable": comparable,
                     "marker": marker})
    return pd.DataFrame(rows, columns=[*by, "year", "variable", "estimate", "se", "difference", "p", "df",
                                       "comparable", "marker"])


# ---------------------------------------------------------- change_from_estimates
@arguments(renamed("alpha", "level", lambda a: round(1 - a, 12)))
def change_from_estimates(est1: float | Sequence[float], se1: float | Sequence[float], est2: float | Sequence[float],
                          se2: float | Sequence[float], df: float | None = None, level: float = 0.95,
                          cov: float | Sequence[float] = 0.0) -> pd.DataFrame:
    """Difference and relative change from two published estimates and SEs.

    For independent samples (``cov=0``): ``se = sqrt(se1^2 + se2^2)``; the
    relative change ``est2/est1 - 1`` has delta-method SE
    ``sqrt(se2^2/est1^2 + est2^2 se1^2/est1^4)``.

    Parameters
    ----------
    est1, se1, est2, se2 : float or array-like
        Estimates (from, to) and their standard errors.
    df : float, optional
        t degrees of freedom (None = normal).
    level : float
        Confidence level (``alpha=`` is the former name: ``level = 1 - alpha``, FutureWarning).
    cov : float or array-like
        Covariance between the two estimates (0 for independent samples).

    Returns
    -------
    DataFrame
        ``estimate_from``, ``estimate_to``, ``difference``, ``se``, ``ci_low``,
        ``ci_high``, ``p``, ``relative_change``, ``relative_se``,
        ``relative_ci_low``, ``relative_ci_high``, ``significant``.

    See Also
    --------
    drugtrends.survey.independent_difference : the same for two
        ``SurveyDesign.mean`` results of separate designs (df ``df_a + df_b``).

    Examples
    --------
    >>> r = change_from_estimates(0.016, 0.002, 0.027, 0.003)
    >>> round(float(r["difference"].iloc[0]), 4), round(float(r["p"].iloc[0]), 4)
    (0.011, 0.0023)
    """
    alpha = round(1 - level, 12)
    e1, s1, e2, s2, c = (np.atleast_1d(np.asarray(v, float)) for v in (est1, se1, est2, se2, cov))
    e1, s1, e2, s2, c = np.broadcast_arrays(e1, s1, e2, s2, c)
    diff = e2 - e1
    se = np.sqrt(np.clip(s1 ** 2 + s2 ** 2 - 2 * c, 0, None))
    dist = _tdist(df)
    q = dist.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * dist.sf(np.abs(diff / se))
        rel = e2 / e1 - 1
        rse = np.sqrt(np.clip(s2 ** 2 / e1 ** 2 + e2 ** 2 * s1 ** 2 / e1 ** 4 - 2 * e2 * c / e1 ** 3, 0, None))
    return pd.DataFrame({"estimate_from": e1, "estimate_to": e2, "difference": diff, "se": se,
                         "ci_low": diff - q * se, "ci_high": diff + q * se, "p": p, "relative_change": rel,
                         "relative_se": rse, "relative_ci_low": rel - q * rse, "relative_ci_high": rel + q * rse,
                         "significant": p < alpha})


# ----------------------------------------------------------------- trend test
def orthogonal_poly(values: Sequence[Any], degree: int = 1, scores: Sequence[float] | None = None) -> pd.DataFrame:
    """Orthogonal polynomial contrasts of sorted distinct values, as R ``contr.poly``.

    Parameters
    ----------
    values : sequence
        The distinct levels (e.g. survey years), in order.
    degree : int
        Highest power (1 = linear, 2 = adds quadratic).
    scores : sequence of float, optional
        Spacing of the levels (default equally spaced 1..n, R's default).

    Returns
    -------
    DataFrame
        Index = levels, columns ``linear`` (``.L``), ``quadratic`` (``.Q``)...,
        each of unit length and orthogonal to the constant and lower powers.

    Examples
    --------
    >>> orthogonal_poly([2009, 2011, 2013], degree=2).round(6).values.tolist()
    [[-0.707107, 0.408248], [0.0, -0.816497], [0.707107, 0.408248]]
    """
    n = len(values)
    if degree >= n:
        raise InputError(f"orthogonal_poly(): degree {degree} needs at least {degree + 1} levels; got {n}.")
    s = np.arange(1, n + 1, dtype=float) if scores is None else np.asarray(scores, float)
    V = np.vander(s - s.mean(), degree + 1, increasing=True)
    q, r = np.linalg.qr(V)
    q = q * np.sign(np.diag(r))[None, :]
    q[np.abs(q) < 1e-14] = 0.0
    names = ["linear", "quadratic", "cubic", "quartic"][:degree] + [f"power{k}" for k in range(5, degree + 1)]
    return pd.DataFrame(q[:, 1:], index=list(values), columns=names[:degree])


def _with_scores(design: SurveyDesign, cols: dict[str, pd.Series]) -> SurveyDesign:
    """The same design (same rows, weights, strata, PSUs, subset) over a frame holding only
    the design columns plus ``cols``: how extra model columns reach the public ``glm`` API."""
    spec = [c for c in (design.weight, design.strata, design.psu, design.fpc) if c is not None]
    frame = pd.DataFrame({c: design.data[c].to_numpy() for c in dict.fromkeys(spec)})
    for name, col in cols.items():
        frame[name] = np.asarray(col, dtype=float)
    new = _survey().SurveyDesign(frame, weight=design.weight, strata=design.strata, psu=design.psu, fpc=design.fpc,
                       nest=design.nest, lonely_psu=design.lonely_psu, reliability=design.reliability,
                       level=design.level)
    return new.subset(design.mask)


def _domain_masks(design: SurveyDesign, by: list[str]) -> list[tuple[dict, np.ndarray | None]]:
    """(domain key, row mask) for each domain of ``by`` (one unmasked domain without ``by``)."""
    if not by:
        return [({}, None)]
    data = design.data
    idx = data.loc[design.mask, by].groupby(by, sort=True, dropna=True).indices
    pos = np.flatnonzero(design.mask)
    groups: list[tuple[dict, np.ndarray | None]] = []
    for key, ii in idx.items():
        m = np.zeros(len(data), bool)
        m[pos[ii]] = True
        groups.append((dict(zip(by, key if isinstance(key, tuple) else (key,))), m))
    return groups


def _trend_rows(scored: SurveyDesign, data: pd.DataFrame, m: np.ndarray | None, key: dict, inside: np.ndarray,
                Xp: pd.DataFrame, P: pd.DataFrame, names: dict, formula: str, outcome: str, year_col: str,
                degree: int) -> list[dict]:
    """Coefficient rows of the trend test in one domain (NaN rows when too few years)."""
    rows: list[dict] = []
    dom = scored if m is None else scored.subset(m)
    used = dom.mask & inside & ~Xp.isna().any(axis=1).to_numpy()
    n_years = int(data.loc[used, year_col].nunique())
    if n_years <= degree:  # the scores are collinear with the intercept: no test
        for term in ["(Intercept)", *P.columns]:
            rows.append({**key, "variable": outcome, "term": term, "coef": np.nan, "se": np.nan,
                         "t": np.nan, "df": np.nan, "p": np.nan, "n_years": n_years, "direction": ""})
        return rows
    why = ""
    try:
        fit = _survey().svyglm(dom, formula, family="binomial", epsilon=_GLM_EPSILON, maxiter=100)
        b = fit.coef["estimate"].to_numpy()
        eta = b[0] + P.loc[data.loc[used, year_col].unique()].to_numpy() @ b[1:]
        if np.abs(eta).max() > 20:  # fitted P < 2e-9 or > 1 - 2e-9: no finite MLE
            why = "fitted probabilities numerically 0 or 1"
    except (np.linalg.LinAlgError, DesignError) as exc:
        why = str(exc)
    if why:
        where = f" in domain {key}" if key else ""
        raise DesignError(
            f"survey_trend_test(): the logistic regression of {outcome!r} on the year scores{where} "
            f"has no finite estimate ({why}): {outcome!r} is 0 (or 1) for every respondent of some "
            "year (separation). Test that domain with change_between(), or pool years.")
    for _, c in fit.coef.iterrows():
        term = names.get(c["term"], c["term"])
        direction = ""
        if term == "linear" and c["p"] < 0.05:
            direction = "increase" if c["estimate"] > 0 else "decrease"
        rows.append({**key, "variable": outcome, "term": term, "coef": c["estimate"], "se": c["se"],
                     "t": c["t"], "df": fit.df_resid, "p": c["p"], "n_years": n_years,
                     "direction": direction})
    return rows


@arguments(renamed("year_col", "x"))
def survey_trend_test(design: SurveyDesign, outcome: str, x: str, by: Sequence[str] | str | None = None,
                      degree: int = 1, scores: Sequence[float] | str | None = None,
                      breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False) -> pd.DataFrame:
    """Linear (and quadratic) trend of a binary outcome across survey years.

    Fits, in each domain (``design.subset(...)``), the design-based logistic
    regression ``logit P(outcome) = b0 + b1 L(year) [+ b2 Q(year)]`` with
    :func:`drugtrends.survey.svyglm` (R ``svyglm``, binomial), where ``L``,
    ``Q`` are orthogonal polynomial scores of the distinct survey years (R
    ``contr.poly``, :func:`orthogonal_poly`) given as numeric columns, and
    tests each coefficient with the design-based t test on ``svyglm``'s
    residual df (``degf + 1 - p``). The IRLS is iterated to the maximum
    likelihood estimate (R's default ``epsilon = 1e-8`` stops ~1e-7 relative
    short of it). Taylor-linearisation designs only (as the GLM engine).

    Parameters
    ----------
    design : SurveyDesign
    outcome : str
        0/1 outcome (NaN = missing, excluded from the domain).
    x : str
    by : str or list of str, optional
        Domain columns (one set of tests per domain).
    degree : {1, 2, 3}
        1: linear; 2: linear and quadratic; 3: adds cubic.
    scores : sequence of float or "years", optional
        Spacing of the years: default equal spacing (``contr.poly``); "years"
        uses the numeric year values (unequally spaced surveys).
    breaks, allow_breaks
        Comparability breaks: a trend across one raises
        :class:`~drugtrends.errors.BreakError` unless ``allow_breaks=True``.

    Returns
    -------
    DataFrame
        ``by`` columns, ``variable``, ``term`` (``"(Intercept)"``, ``"linear"``,
        ``"quadratic"``), ``coef``, ``se``, ``t``, ``df``, ``p``,
        ``n_years``, ``direction`` (for ``linear``: "increase"/"decrease"/"").
        A domain with ``degree`` or fewer years of data gets NaN statistics.

    Raises
    ------
    DesignError
        For a replicate-weight design (the GLM engine is Taylor-only), an
        outcome that is not 0/1, or a model that cannot be fitted
        (separation: the outcome is 0 or 1 for everyone in some year).

    Examples
    --------
    >>> d = pd.DataFrame({"yr": np.repeat([1, 2, 3], 8), "use": [0, 0, 0, 1, 0, 0, 0, 0,
    ...                   0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1], "wt": 1.0,
    ...                   "st": np.repeat(np.arange(12), 2), "psu": [1, 2] * 12})
    >>> from drugtrends.survey import SurveyDesign
    >>> des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    >>> r = survey_trend_test(des, "use", "yr")
    >>> r.loc[r.term == "linear", ["coef", "p", "df"]].round(3).values.tolist()
    [[2.169, 0.065, 11.0]]
    """
    year_col = x
    design = _check_design(design, "survey_trend_test")
    if isinstance(design, _survey().ReplicateDesign):
        raise DesignError("survey_trend_test(): the survey GLM (svyglm) is implemented for Taylor-"
                          "linearisation designs only; build the design with strata and PSUs "
                          "(SurveyDesign(df, weight=, strata=, psu=)) rather than replicate weights.")
    by = require_unique([] if by is None else by, "by")  # as_list(None) == []
    if degree not in (1, 2, 3):
        raise InputError(f"survey_trend_test(): degree={degree!r} must be 1, 2 or 3.")
    _check_columns(design, outcome, year_col, by, "survey_trend_test")
    data = design.data
    y = data[outcome].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    inside = design.mask & ~np.isnan(y)
    if not np.all(np.isin(y[inside], [0.0, 1.0])):
        raise DesignError(f"survey_trend_test(): outcome {outcome!r} must be 0/1 (NaN for missing).")
    years = _years_present(design, year_col, outcome)
    nums = [_year_num(v) for v in years]
    known = [v for v in nums if v is not None]
    if len(known) == len(nums):  # all years numeric
        check_no_breaks(known, breaks, what=f"survey_trend_test({outcome})", allow_breaks=allow_breaks)
    if isinstance(scores, str):
        if scores != "years" or any(v is None for v in nums):
            raise InputError("survey_trend_test(): scores='years' needs numeric years.")
        scores = nums  # type: ignore[assignment]
    P = orthogonal_poly(years, degree=degree, scores=scores)  # type: ignore[arg-type]
    names = {f"_dt_{c}": c for c in P.columns}
    Xp = P.reindex(data[year_col].to_numpy())            # NaN for rows outside the years
    cols = {"_dt_y": y} | {k: Xp[c].to_numpy() for k, c in names.items()}
    scored = _with_scores(design, cols)
    formula = "_dt_y ~ " + " + ".join(names)
    rows = []
    for key, m in _domain_masks(design, by):
        rows += _trend_rows(scored, data, m, key, inside, Xp, P, names, formula, outcome, year_col, degree)
    return pd.DataFrame(rows, columns=[*by, "variable", "term", "coef", "se", "t", "df", "p", "n_years",
                                       "direction"])


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
