"""Survey-based changes between years and trend tests (design-based).

Functions here take a :class:`drugtrends.survey.SurveyDesign` built on data
that pool several survey years (one row per respondent, a year column), and
return tidy DataFrames.

* :func:`change_between` -- difference and relative change between two years,
  with design-based standard errors that include the covariance between the
  two years' estimates (zero when the years have disjoint strata, as in
  NHANES and NSDUH, but computed, not assumed).
* :func:`significance_vs_latest` -- each year compared with the latest year,
  marked as in NSDUH detailed tables ("a": difference significant at the .05
  level, "b": at the .01 level).
* :func:`change_from_estimates` -- the same from published estimates and SEs
  of two independent samples.
* :func:`survey_trend_test` -- linear (and quadratic) trend across survey years
  by a design-based logistic regression on orthogonal polynomial scores of
  the year (R ``contr.poly``), per domain, as YRBS and NSDUH trend analyses do.

Variance
--------
Taylor linearisation with the design's weights, strata and PSUs (PSUs
sampled with replacement within strata, as R ``survey`` with ``nest=TRUE``):
``V = sum_h n_h/(n_h - 1) sum_i (z_hi - zbar_h)(z_hi - zbar_h)'`` with ``z_hi``
PSU totals of the linearised values. Domains (years, ``by`` groups, non-missing
outcome) are handled by zeroing contributions outside the domain, never by
dropping rows. Logistic regression variances are the sandwich
``A^-1 V(scores) A^-1`` of R ``svyglm``; t tests use ``df = design df + 1 - p``
(R ``svyglm``), where the design df counts the PSUs and strata with data in
the domain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import BreakError, DesignError, UnknownVariableError
from drugtrends.trends.breaks import Break, _as_breaks, check_no_breaks

__all__ = [
    "change_between",
    "describe_change",
    "change_from_estimates",
    "orthogonal_poly",
    "significance_vs_latest",
    "survey_trend_test",
]


# ------------------------------------------------------------------ design pieces
@dataclass
class _Pieces:
    data: pd.DataFrame
    w: np.ndarray
    strata: np.ndarray   # integer codes
    psu: np.ndarray      # integer codes, unique across strata
    lonely: str = "fail"


def _get(obj: Any, names: Sequence[str]) -> Any:
    for n in names:
        v = getattr(obj, n, None)
        if v is not None:
            return v
    return None


def _column_or_array(data: pd.DataFrame, v: Any, what: str) -> np.ndarray | None:
    if v is None:
        return None
    if isinstance(v, str):
        if v not in data.columns:
            raise UnknownVariableError(f"design {what} column {v!r} not in the data")
        return data[v].to_numpy()
    arr = np.asarray(v)
    if arr.ndim == 1 and len(arr) == len(data):
        return arr
    return None


def _pieces(design: Any) -> _Pieces:
    """Weights, strata and PSUs of a SurveyDesign (through its public attributes)."""
    if isinstance(design, pd.DataFrame):
        raise TypeError("pass a drugtrends.survey.SurveyDesign, e.g. SurveyDesign(df, weight='wt', "
                        "strata='SDMVSTRA', psu='SDMVPSU'), not a DataFrame.")
    data = _get(design, ("data", "df", "frame"))
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{type(design).__name__}: cannot find the design's data (.data).")
    n = len(data)
    w = None
    for names in (("weights",), ("weight", "weight_col", "weights_col")):
        w = _column_or_array(data, _get(design, names), "weight")
        if w is not None:
            break
    if w is None:
        raise DesignError(f"{type(design).__name__}: cannot find the design weights.")
    st = None
    for names in (("strata_values", "strata_codes"), ("strata", "strata_col")):
        st = _column_or_array(data, _get(design, names), "strata")
        if st is not None:
            break
    ps = None
    for names in (("psu_values", "psu_codes", "cluster_values"), ("psu", "psu_col", "cluster", "ids")):
        ps = _column_or_array(data, _get(design, names), "psu")
        if ps is not None:
            break
    st = np.zeros(n) if st is None else st
    ps = np.arange(n) if ps is None else ps
    s_codes = pd.factorize(pd.Series(st), use_na_sentinel=False)[0]
    p_codes = pd.factorize(pd.Series(list(zip(s_codes, pd.Series(ps).astype(str)))), use_na_sentinel=False)[0]
    lonely = str(_get(design, ("lonely_psu", "lonely")) or "fail")
    if lonely not in ("fail", "error", "adjust", "certainty", "remove", "none"):
        raise DesignError(f"lonely_psu={lonely!r} is not supported by drugtrends.trends (use 'fail', "
                          "'adjust', 'certainty' or 'remove').")
    if _get(design, ("rep_weights",)) is not None:
        raise DesignError("replicate-weight designs are not supported by drugtrends.trends yet: build the "
                          "design with strata and PSUs (Taylor linearisation).")
    w = np.asarray(w, float)
    # a design restricted with .subset() keeps every row; rows outside get zero weight here
    mask = _get(design, ("mask", "domain_mask", "_mask"))
    if mask is not None and np.ndim(mask) == 1 and len(mask) == n:
        w = np.where(np.asarray(mask, bool), w, 0.0)
    return _Pieces(data=data, w=w, strata=s_codes, psu=p_codes, lonely=lonely)


def _vcov(pc: _Pieces, z: np.ndarray) -> np.ndarray:
    """Stratified with-replacement variance of the totals of linearised values ``z`` (n, m)."""
    z = np.asarray(z, float)
    if z.ndim == 1:
        z = z[:, None]
    m = z.shape[1]
    npsu = pc.psu.max() + 1
    tot = np.zeros((npsu, m))
    np.add.at(tot, pc.psu, z)
    psu_stratum = np.zeros(npsu, dtype=np.int64)
    psu_stratum[pc.psu] = pc.strata
    nh = np.bincount(psu_stratum, minlength=pc.strata.max() + 1)
    if (nh == 1).any():
        lonely = np.flatnonzero(nh == 1)
        if pc.lonely in ("fail", "error"):
            raise DesignError(f"stratum code(s) {lonely.tolist()[:5]} have a single PSU; set the design's "
                              "lonely-PSU rule (e.g. lonely_psu='adjust' or 'certainty').")
    mean_h = np.zeros((len(nh), m))
    np.add.at(mean_h, psu_stratum, tot)
    mean_h = mean_h / np.maximum(nh, 1)[:, None]
    dev = tot - mean_h[psu_stratum]
    scale = np.where(nh > 1, nh / np.maximum(nh - 1, 1), 0.0)
    if pc.lonely == "adjust":
        grand = tot.sum(axis=0) / npsu
        single = nh[psu_stratum] == 1
        dev[single] = tot[single] - grand
        scale = np.where(nh == 1, 1.0, scale)
    dev = dev * np.sqrt(scale[psu_stratum])[:, None]
    return dev.T @ dev


def _design_df(pc: _Pieces, mask: np.ndarray) -> int:
    """PSUs minus strata among rows in ``mask`` with positive weight (R degf on a subset)."""
    inset = mask & (pc.w > 0)
    return int(len(np.unique(pc.psu[inset])) - len(np.unique(pc.strata[inset])))


def _require(data: pd.DataFrame, cols: Iterable[str], fn: str) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"{fn}(): column(s) {missing} not in the design's data; "
                                   f"columns: {list(data.columns)[:20]}")


def _numeric_outcome(data: pd.DataFrame, outcome: str, fn: str) -> np.ndarray:
    y = data[outcome]
    if y.dtype == bool or str(y.dtype) == "boolean":
        y = y.astype("Float64")
    y = pd.to_numeric(y, errors="coerce")
    bad = data[outcome].notna() & y.isna()
    if bad.any():
        raise ValueError(f"{fn}(): outcome {outcome!r} has non-numeric values "
                         f"{data.loc[bad, outcome].unique()[:5].tolist()}; code it 0/1 (or numeric) first.")
    return y.to_numpy(float)


def _groups(data: pd.DataFrame, by: Sequence[str]) -> list[tuple[dict[str, Any], np.ndarray]]:
    if not by:
        return [({}, np.ones(len(data), bool))]
    out = []
    keys = data[list(by)]
    for key, idx in keys.groupby(list(by), sort=True, dropna=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        m = np.zeros(len(data), bool)
        m[idx] = True
        out.append((dict(zip(by, key)), m))
    return out


def _domain_means(pc: _Pieces, y: np.ndarray, masks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of y in each domain mask, and their joint covariance matrix."""
    ok = ~np.isnan(y)
    y0 = np.where(ok, y, 0.0)
    est = np.empty(len(masks))
    z = np.zeros((len(y), len(masks)))
    for j, m in enumerate(masks):
        d = m & ok
        wd = pc.w * d
        W = wd.sum()
        if W <= 0:
            raise ValueError("a domain has no respondents with a non-missing outcome and positive weight.")
        est[j] = (wd @ y0) / W
        z[:, j] = wd * (y0 - est[j]) / W
    return est, _vcov(pc, z)


def _tdist(df: float | None):
    return stats.norm if df is None or not np.isfinite(df) or df <= 0 else stats.t(df)


def _year_values(data: pd.DataFrame, year_col: str) -> pd.Series:
    return data[year_col]


def _year_num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- change_between
def change_between(design: Any, outcome: str, year_col: str, years: tuple[Any, Any],
                   by: Sequence[str] | str | None = None, alpha: float = 0.05, df: float | None = None,
                   breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False) -> pd.DataFrame:
    """Change in a (weighted) mean or proportion between two survey years.

    Parameters
    ----------
    design : SurveyDesign
        Design over the pooled years.
    outcome : str
        Numeric or 0/1 outcome column (NaN = missing, excluded from the domain).
    year_col : str
        Column identifying the survey year (numeric, or labels such as
        ``"2009_10"``).
    years : (from, to)
        The two years compared; ``difference = estimate(to) - estimate(from)``.
    by : str or list of str, optional
        Domain columns; one row per domain.
    alpha : float
        1 - confidence level.
    df : float, optional
        Degrees of freedom of the t reference distribution. Default: the
        design df among respondents of the domain in the two years; pass
        ``numpy.inf`` for normal intervals (R ``confint(svycontrast(...))``).
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
        ``significant``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = pd.DataFrame({"yr": [1] * 4 + [2] * 4, "use": [0, 1, 0, 0, 1, 1, 0, 1],
    ...                   "wt": 1.0, "st": [1, 1, 2, 2, 3, 3, 4, 4], "psu": [1, 2] * 4})
    >>> des = SimpleNamespace(data=d, weight="wt", strata="st", psu="psu")
    >>> r = change_between(des, "use", "yr", (1, 2))
    >>> r[["estimate_from", "estimate_to", "difference"]].round(3).iloc[0].tolist()
    [0.25, 0.75, 0.5]
    """
    by = [by] if isinstance(by, str) else list(by or [])
    pc = _pieces(design)
    data = pc.data
    _require(data, [outcome, year_col, *by], "change_between")
    a, b = years
    ya, yb = _year_num(a), _year_num(b)
    if ya is not None and yb is not None:
        check_no_breaks([ya, yb], breaks, what=f"change_between({outcome}, {a} vs {b})", allow_breaks=allow_breaks)
    y = _numeric_outcome(data, outcome, "change_between")
    yrs = data[year_col]
    present = set(yrs.dropna().unique().tolist())
    for v in (a, b):
        if v not in present:
            raise ValueError(f"change_between(): year {v!r} not found in {year_col!r}; years present: "
                             f"{sorted(map(str, present))}.")
    ma, mb = (yrs == a).to_numpy(), (yrs == b).to_numpy()
    rows = []
    for key, m in _groups(data, by):
        est, cov = _domain_means(pc, y, [m & ma, m & mb])
        e1, e2 = est
        v1, v2, c = cov[0, 0], cov[1, 1], cov[0, 1]
        diff = e2 - e1
        se = math.sqrt(max(v1 + v2 - 2 * c, 0.0))
        dfv = df if df is not None else _design_df(pc, m & (ma | mb) & ~np.isnan(y))
        dist = _tdist(dfv)
        q = dist.ppf(1 - alpha / 2)
        p = 2 * dist.sf(abs(diff / se)) if se > 0 else (1.0 if diff == 0 else 0.0)
        rel = e2 / e1 - 1 if e1 != 0 else np.nan
        rvar = (v2 / e1 ** 2 + e2 ** 2 * v1 / e1 ** 4 - 2 * e2 * c / e1 ** 3) if e1 != 0 else np.nan
        rse = math.sqrt(max(rvar, 0.0)) if e1 != 0 else np.nan
        rows.append({**key, "variable": outcome, "year_from": a, "year_to": b, "estimate_from": e1,
                     "estimate_to": e2, "se_from": math.sqrt(v1), "se_to": math.sqrt(v2), "cov": c,
                     "difference": diff, "se": se, "ci_low": diff - q * se, "ci_high": diff + q * se, "p": p,
                     "relative_change": rel, "relative_se": rse, "relative_ci_low": rel - q * rse,
                     "relative_ci_high": rel + q * rse, "df": dfv, "significant": bool(p < alpha)})
    return pd.DataFrame(rows)


def describe_change(row: pd.Series | dict, label: str, percent: bool = True, digits: int = 1,
                    alpha: float = 0.05) -> str:
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
    alpha : float
        Significance level of the wording.

    Returns
    -------
    str

    Examples
    --------
    >>> r = change_from_estimates(0.016, 0.0015, 0.027, 0.0018).iloc[0].to_dict()
    >>> describe_change(r | {"year_from": 2017, "year_to": 2023}, "Past-year cocaine use")
    'Past-year cocaine use rose significantly from 1.6% in 2017 to 2.7% in 2023 (+1.1 points, 95% CI 0.6 to 1.6)'
    """
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
def significance_vs_latest(design: Any, outcome: str, year_col: str, by: Sequence[str] | str | None = None,
                           alpha: float = 0.05, latest: Any = None,
                           breaks: Iterable[Break | float] | None = None) -> pd.DataFrame:
    """Estimates by year, each tested against the latest year (NSDUH-table style).

    Parameters
    ----------
    design : SurveyDesign
    outcome, year_col : str
    by : str or list of str, optional
    alpha : float
        Level of the main marker (default .05).
    latest : year, optional
        Reference year (default: the largest year present).
    breaks : iterable of Break or float, optional
        Years on the other side of a break from ``latest`` are not tested
        (``comparable`` False, ``marker`` empty, ``p`` NaN).

    Returns
    -------
    DataFrame
        ``by`` columns, ``year``, ``variable``, ``estimate``, ``se``,
        ``difference`` (latest - year), ``p``, ``comparable``, ``marker``:
        ``"b"`` if p < .01, ``"a"`` if p < ``alpha`` (NSDUH detailed tables:
        "a: difference between this estimate and the latest estimate is
        statistically significant at the .05 level; b: at the .01 level"),
        else ``""``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = pd.DataFrame({"yr": [1] * 4 + [2] * 4, "use": [0, 1, 0, 0, 1, 1, 0, 1],
    ...                   "wt": 1.0, "st": [1, 1, 2, 2, 3, 3, 4, 4], "psu": [1, 2] * 4})
    >>> des = SimpleNamespace(data=d, weight="wt", strata="st", psu="psu")
    >>> significance_vs_latest(des, "use", "yr")[["year", "estimate", "marker"]].values.tolist()
    [[1, 0.25, ''], [2, 0.75, '']]
    """
    by = [by] if isinstance(by, str) else list(by or [])
    pc = _pieces(design)
    data = pc.data
    _require(data, [outcome, year_col, *by], "significance_vs_latest")
    y = _numeric_outcome(data, outcome, "significance_vs_latest")
    years = sorted(data[year_col].dropna().unique().tolist())
    latest = years[-1] if latest is None else latest
    if latest not in years:
        raise ValueError(f"significance_vs_latest(): latest={latest!r} not in {year_col!r} ({years}).")
    bl = _as_breaks(breaks)
    rows = []
    for key, m in _groups(data, by):
        masks = [m & (data[year_col] == yv).to_numpy() & ~np.isnan(y) for yv in years]
        keep = [i for i, mk in enumerate(masks) if (pc.w * mk).sum() > 0]
        if not keep:
            continue
        est, cov = _domain_means(pc, y, [masks[i] for i in keep])
        li = keep.index(years.index(latest)) if years.index(latest) in keep else None
        for j, i in enumerate(keep):
            yv = years[i]
            comparable = True
            yn, ln = _year_num(yv), _year_num(latest)
            if bl and yn is not None and ln is not None:
                try:
                    check_no_breaks([yn, ln], bl)
                except BreakError:
                    comparable = False
            if li is None:  # the latest year has no data in this domain
                diff, se = np.nan, 0.0
            else:
                diff = est[li] - est[j]
                se = math.sqrt(max(cov[li, li] + cov[j, j] - 2 * cov[li, j], 0.0))
            dfv = _design_df(pc, masks[i] | masks[years.index(latest)])
            if yv == latest or not comparable or se == 0:
                p = np.nan
            else:
                p = 2 * _tdist(dfv).sf(abs(diff / se))
            marker = "" if np.isnan(p) else ("b" if p < 0.01 else "a" if p < alpha else "")
            rows.append({**key, "year": yv, "variable": outcome, "estimate": est[j], "se": math.sqrt(cov[j, j]),
                         "difference": diff if yv != latest else 0.0, "p": p, "df": dfv,
                         "comparable": comparable, "marker": marker})
    return pd.DataFrame(rows)


# ---------------------------------------------------------- change_from_estimates
def change_from_estimates(est1: float | Sequence[float], se1: float | Sequence[float], est2: float | Sequence[float],
                          se2: float | Sequence[float], df: float | None = None, alpha: float = 0.05,
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
    alpha : float
    cov : float or array-like
        Covariance between the two estimates (0 for independent samples).

    Returns
    -------
    DataFrame
        ``estimate_from``, ``estimate_to``, ``difference``, ``se``, ``ci_low``,
        ``ci_high``, ``p``, ``relative_change``, ``relative_se``,
        ``relative_ci_low``, ``relative_ci_high``, ``significant``.

    Examples
    --------
    >>> r = change_from_estimates(0.016, 0.002, 0.027, 0.003)
    >>> round(float(r["difference"].iloc[0]), 4), round(float(r["p"].iloc[0]), 4)
    (0.011, 0.0023)
    """
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
        raise ValueError(f"orthogonal_poly(): degree {degree} needs at least {degree + 1} levels; got {n}.")
    s = np.arange(1, n + 1, dtype=float) if scores is None else np.asarray(scores, float)
    V = np.vander(s - s.mean(), degree + 1, increasing=True)
    q, r = np.linalg.qr(V)
    q = q * np.sign(np.diag(r))[None, :]
    q[np.abs(q) < 1e-14] = 0.0
    names = ["linear", "quadratic", "cubic", "quartic"][:degree] + [f"power{k}" for k in range(5, degree + 1)]
    return pd.DataFrame(q[:, 1:], index=list(values), columns=names[:degree])


def _svy_logistic(pc: _Pieces, X: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Design-based logistic regression in the domain ``mask`` (R svyglm, binomial)."""
    w = pc.w * mask
    beta = np.zeros(X.shape[1])
    yy = np.where(mask, y, 0.0)
    for _ in range(100):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        W = w * mu * (1 - mu)
        A = X.T @ (X * W[:, None])
        step = np.linalg.solve(A, X.T @ (w * (yy - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            break
    eta = X @ beta
    mu = 1 / (1 + np.exp(-eta))
    A = X.T @ (X * (w * mu * (1 - mu))[:, None])
    Ainv = np.linalg.inv(A)
    scores = X * (w * (yy - mu))[:, None]
    V = Ainv @ _vcov(pc, scores) @ Ainv
    return beta, V


def survey_trend_test(design: Any, outcome: str, year_col: str, by: Sequence[str] | str | None = None,
                      degree: int = 1, scores: Sequence[float] | str | None = None,
                      breaks: Iterable[Break | float] | None = None, allow_breaks: bool = False) -> pd.DataFrame:
    """Linear (and quadratic) trend of a binary outcome across survey years.

    Fits, in each domain, the design-based logistic regression
    ``logit P(outcome) = b0 + b1 L(year) [+ b2 Q(year)]`` where ``L``, ``Q``
    are orthogonal polynomial scores of the distinct survey years (R
    ``contr.poly``), and tests each coefficient with a design-based t test.

    Parameters
    ----------
    design : SurveyDesign
    outcome : str
        0/1 outcome (NaN = missing, excluded from the domain).
    year_col : str
    by : str or list of str, optional
        Domain columns (one set of tests per domain).
    degree : {1, 2}
        1: linear; 2: linear and quadratic.
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

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = pd.DataFrame({"yr": np.repeat([1, 2, 3], 8), "use": [0, 0, 0, 1, 0, 0, 0, 0,
    ...                   0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1], "wt": 1.0,
    ...                   "st": np.repeat(np.arange(12), 2), "psu": [1, 2] * 12})
    >>> des = SimpleNamespace(data=d, weight="wt", strata="st", psu="psu")
    >>> r = survey_trend_test(des, "use", "yr")
    >>> r.loc[r.term == "linear", ["coef", "p"]].round(3).values.tolist()
    [[2.169, 0.065]]
    """
    by = [by] if isinstance(by, str) else list(by or [])
    if degree not in (1, 2, 3):
        raise ValueError("survey_trend_test(): degree must be 1 or 2 (or 3).")
    pc = _pieces(design)
    data = pc.data
    _require(data, [outcome, year_col, *by], "survey_trend_test")
    y = _numeric_outcome(data, outcome, "survey_trend_test")
    ok = ~np.isnan(y)
    if not np.all(np.isin(y[ok], [0.0, 1.0])):
        raise ValueError(f"survey_trend_test(): outcome {outcome!r} must be 0/1 (NaN for missing).")
    years = sorted(data.loc[ok, year_col].dropna().unique().tolist())
    nums = [_year_num(v) for v in years]
    if all(v is not None for v in nums):
        check_no_breaks(nums, breaks, what=f"survey_trend_test({outcome})", allow_breaks=allow_breaks)
    if isinstance(scores, str):
        if scores != "years" or any(v is None for v in nums):
            raise ValueError("survey_trend_test(): scores='years' needs numeric years.")
        scores = nums  # type: ignore[assignment]
    P = orthogonal_poly(years, degree=degree, scores=scores)  # type: ignore[arg-type]
    yrs = data[year_col]
    Xp = P.reindex(yrs.to_numpy()).to_numpy(float)
    has_year = ~np.isnan(Xp).any(axis=1)
    X = np.column_stack([np.ones(len(data)), np.nan_to_num(Xp)])
    rows = []
    for key, m in _groups(data, by):
        mask = m & ok & has_year
        beta, V = _svy_logistic(pc, X, np.nan_to_num(y), mask)
        dfd = _design_df(pc, mask) + 1 - X.shape[1]
        dist = _tdist(dfd)
        n_years = int(len(np.unique(yrs[mask])))
        for j, term in enumerate(["(Intercept)", *P.columns]):
            se = math.sqrt(V[j, j])
            t = beta[j] / se
            p = 2 * dist.sf(abs(t))
            direction = ""
            if term == "linear" and p < 0.05:
                direction = "increase" if beta[j] > 0 else "decrease"
            rows.append({**key, "variable": outcome, "term": term, "coef": beta[j], "se": se, "t": t,
                         "df": dfd, "p": p, "n_years": n_years, "direction": direction})
    return pd.DataFrame(rows)
