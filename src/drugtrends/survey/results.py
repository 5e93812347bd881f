"""The tidy estimate table: column names in one place, intervals, reliability flags.

Every estimator returns one row per domain x outcome with the columns of
:data:`ESTIMATE_COLUMNS` (after the ``by`` columns, ``variable`` and, for
categorical outcomes, ``level``). Presentation code reads these names and
never guesses.

Statistical edge cases are never shown as reliable (``suppressed`` is True and
``flag`` says why), whatever the reliability rule:

``"empty domain"``            no row with the outcome observed;
``"one row in domain"``       a single observation: no variance can be estimated;
``"zero weight total"``       every weight of the domain is 0;
``"zero denominator"``        a ratio whose denominator sums to 0;
``"non-finite estimate"``     the estimate is infinite or undefined;
``"zero variance"``           SE = 0 (to rounding): the design gives no measure of
                              uncertainty (with an NCHS / NSDUH rule, proportions
                              at 0 or 1 are left to the rule);
``"undefined variance"``      SE is not a number;
``"df < 1: no interval"``     no degrees of freedom for a t interval (flag only).

Examples
--------
>>> ESTIMATE_COLUMNS[:4]
('estimate', 'se', 'ci_low', 'ci_high')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ..errors import DesignError
from ..validate import check_choice, check_level
from .ci import PROPORTION_METHODS, is_boundary, mean_ci, proportion_ci
from .kernel import Estimates, Outcome
from .reliability import apply_rule

__all__ = ["ESTIMATE_COLUMNS", "BY_SET_COLUMN", "CI_CHOICES", "estimate_table", "check_ci",
           "edge_flags"]

_F = NDArray[np.float64]   # float arrays (a type alias)

#: Columns of every estimate table, after the ``by`` columns, ``variable`` (and ``level``).
ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "n_eff", "df",
                    "suppressed", "flag")
#: Column of :meth:`SurveyDesign.grid` results naming the domain set ("" = whole population).
BY_SET_COLUMN = "by_set"
#: Interval methods of the estimators.
CI_CHOICES = ("t", "normal", *PROPORTION_METHODS)


def check_ci(ci: str, kind: str) -> str:
    """Check an interval name for an estimator kind; totals and ratios take ``"t"``/``"normal"``.

    Parameters
    ----------
    ci : str
        An interval method (:data:`CI_CHOICES`).
    kind : {"mean", "total", "ratio"}
        The estimator.

    Examples
    --------
    >>> check_ci("logit", "mean")
    'logit'
    """
    check_choice(ci, "ci", CI_CHOICES, error=DesignError)
    if kind != "mean" and ci not in ("t", "normal"):
        raise DesignError(f"ci={ci!r}: a {kind} takes ci='t' or ci='normal' "
                          "(proportion intervals are for means of 0/1 outcomes).")
    return ci


def edge_flags(est: ArrayLike, se: ArrayLike, n: ArrayLike, df: ArrayLike, sw: ArrayLike | None, kind: str,
               is_prop: ArrayLike, rule: str | None) -> tuple[NDArray[np.bool_], list[list[str]], NDArray[np.bool_]]:
    """Suppression and reasons for the statistical edge cases listed in the module docstring.

    Parameters
    ----------
    est, se, n, df : array_like
        Estimates, standard errors, unweighted n and degrees of freedom, one per row.
    sw : array_like or None
        Domain sums of the weights (or of the ratio's denominator).
    kind : {"mean", "total", "ratio"}
        The estimator.
    is_prop : array_like of bool
        Rows that are proportions (means of 0/1 outcomes).
    rule : {None, "nchs", "nsduh"}
        The reliability rule applied on top.

    Returns
    -------
    (suppressed, flags, bad_estimate)
        bool array, list of lists of reasons, bool array of rows whose estimate
        is not a finite number (their SE and interval are set to NaN).

    Examples
    --------
    >>> s, f, bad = edge_flags([0.5, 1.0], [0.0, 1e-17], [10, 1], [5, 0], [3.0, 1.0], "mean",
    ...                        [True, True], None)
    >>> s.tolist(), f
    ([True, True], [['zero variance'], ['one row in domain', 'df < 1: no interval']])
    """
    est, se = np.asarray(est, dtype=float), np.asarray(se, dtype=float)
    n, df = np.asarray(n, dtype=float), np.asarray(df, dtype=float)
    sw = np.broadcast_to(np.asarray(sw, dtype=float), est.shape) if sw is not None else np.ones(est.shape)
    is_prop = np.broadcast_to(np.asarray(is_prop, dtype=bool), est.shape)
    live = n > 0
    bad = live & ~np.isfinite(est)
    with np.errstate(invalid="ignore"):
        tiny = live & ~bad & (se <= 1e-12 * np.maximum(np.abs(est), 1.0)) & (n > 1)
    if rule is not None and kind == "mean":   # proportions at 0 or 1: the rule decides
        tiny &= ~(is_prop & is_boundary(est))
    reasons = {
        "one row in domain": live & (n == 1),
        "zero denominator": bad & (sw == 0) & (kind == "ratio"),
        "zero weight total": bad & (sw == 0) & (kind != "ratio"),
        "non-finite estimate": bad & (sw != 0),
        "zero variance": tiny,
        "undefined variance": live & ~bad & ~tiny & np.isnan(se) & (n > 1),
    }
    sup = np.zeros(est.size, dtype=bool)
    for v in reasons.values():
        sup |= v
    noint = live & ~bad & (df < 1)
    flags: list[list[str]] = [[] for _ in range(est.size)]
    for i in np.flatnonzero(sup | noint):
        flags[i] = [r for r, v in reasons.items() if v[i]] + (["df < 1: no interval"] if noint[i] else [])
    return sup, flags, bad


def _intervals(est: _F, se: _F, df: _F, n: _F, ci: str, level: float, kind: str,
               outcomes: list[Outcome], se_logit: _F | None = None) -> tuple[_F, _F]:
    if ci in PROPORTION_METHODS:
        if kind != "mean" or not all(o.is_prop for o in outcomes):
            bad = [o.variable for o in outcomes if not o.is_prop]
            raise DesignError(
                f"ci={ci!r} is a proportion interval but outcome(s) {sorted(set(bad)) or '(ratio/total)'} "
                "are not 0/1 proportions; recode them to 0/1 or use ci='t'.")
        with np.errstate(invalid="ignore", divide="ignore"):
            return proportion_ci(est, se, df, n, method=ci, level=level,
                                 se_logit=se_logit if ci == "logit" else None)
    return mean_ci(est, se, np.inf if ci == "normal" else df, level)


def _merge_flags(rule_sup: NDArray[np.bool_], rule_flags: list[str], edge_sup: NDArray[np.bool_],
                 edge: list[list[str]], empty: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], list[str]]:
    out = list(rule_flags)
    for i in np.flatnonzero([bool(e) for e in edge] & ~np.asarray(empty, dtype=bool)):
        parts = [x for x in out[i].split(";") if x]
        out[i] = ";".join([x for x in edge[i] if x not in parts] + parts)
    return rule_sup | edge_sup, out


def estimate_table(est: Estimates, *, ci: str, level: float, reliability: str | None, by_cols: list[str],
                   kind: str) -> pd.DataFrame:
    """The tidy table of :class:`~drugtrends.survey.kernel.Estimates` (``outcomes`` set).

    Parameters
    ----------
    est : Estimates
    ci : str
        One of :data:`CI_CHOICES` (proportion methods for means of 0/1 outcomes only).
    level : float
        Confidence level in (0, 1).
    reliability : {None, "nchs", "nsduh"}
        Suppression rule (applies to proportions).
    by_cols : list of str
    kind : {"mean", "total", "ratio"}

    Returns
    -------
    DataFrame
        ``by`` columns, ``variable``, (``level``), then :data:`ESTIMATE_COLUMNS`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from drugtrends.survey.kernel import DesignStructure, Outcome, Totals, linearise
    >>> st = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    >>> A = np.array([[1.0], [0.0], [1.0], [1.0]]); B = np.ones((4, 1))
    >>> est = linearise(Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None), st)
    >>> import dataclasses
    >>> est = dataclasses.replace(est, outcomes=[Outcome("y", None, np.array([0.0, 1.0]), True)])
    >>> t = estimate_table(est, ci="wald", level=0.95, reliability=None, by_cols=[], kind="mean")
    >>> t[["variable", "estimate", "se", "n", "df"]].values.tolist()
    [['y', 0.75, 0.25, 4, 2.0]]
    """
    level = check_level(level)
    check_ci(ci, kind)
    D, m = est.est.shape
    outcomes = est.outcomes
    assert outcomes is not None, "estimate_table needs Estimates with outcomes set"
    e, se = est.est.ravel().copy(), np.sqrt(est.var).ravel()
    n, df = est.n.ravel(), est.df.ravel()
    is_prop = np.tile([o.is_prop for o in outcomes], D) & (kind == "mean")
    sw = None if est.sw is None else np.asarray(est.sw).ravel()
    edge_sup, edge, bad = edge_flags(e, se, n, df, sw, kind, is_prop, reliability)
    se[bad] = np.nan
    se_logit = None if est.se_logit is None else est.se_logit.ravel()
    lo, hi = _intervals(e, se, df, n, ci, level, kind, outcomes, se_logit)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / e
        s2 = np.where(is_prop, e * (1 - e), est.s2.ravel())
        n_eff = s2 / se**2
    empty = n == 0
    rule_sup, rule_flags = apply_rule(reliability, e, se, n, df, is_prop, empty, level)
    suppressed, flags = _merge_flags(rule_sup, rule_flags, edge_sup, edge, empty)
    keys = est.keys.loc[est.keys.index.repeat(m)].reset_index(drop=True) if by_cols else \
        pd.DataFrame(index=range(D * m))
    cols: dict[str, Any] = {c: keys[c] for c in keys.columns}   # one constructor, not a column at a time
    cols["variable"] = [o.variable for o in outcomes] * D
    if any(o.level is not None for o in outcomes):
        cols["level"] = [("" if o.level is None else o.level) for o in outcomes] * D
    for name, val in zip(ESTIMATE_COLUMNS, (e, se, lo, hi, cv, est.deff.ravel(), n.astype(np.int64),
                                            n_eff, df, suppressed, flags)):
        cols[name] = val
    out = pd.DataFrame(cols, index=keys.index)
    out.attrs = dict(keys.attrs)
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
