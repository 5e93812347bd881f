"""Reliability (suppression) rules for survey proportions.

Two published rules, selectable on the design (``SurveyDesign(...,
reliability=...)``) or per call (``des.mean(..., reliability=...)``); the result
gets ``suppressed`` (bool) and ``flag`` (``;``-separated reasons).

``"nchs"`` -- NCHS Data Presentation Standards for Proportions
    Parker JD, Talih M, Malec DJ, et al. *National Center for Health Statistics
    data presentation standards for proportions.* Vital Health Stat 2(175), 2017.
    With ``n_eff = p(1-p)/SE^2`` (``n`` when p is 0 or 1) and the Korn-Graubard
    interval of width ``w`` computed with ``n* = min(n, n_eff (t_{n-1}/t_df)^2)``:

    * suppress if ``min(n_eff, n) < 30`` (flag ``"n_eff < 30"``);
    * suppress if ``w >= 0.30`` (``"ci width >= 30 pts"``);
    * suppress if ``w > 0.05`` and ``w / p > 1.30`` (``"relative ci width > 130%"``);
    * otherwise present, with a statistical-review flag if ``df < 8``
      (``"df < 8: review"``) or p is 0 or 1 (``"p = 0 or 1: review"``), and a
      complement footnote flag if ``w > 0.05`` and ``w/(1-p) > 1.30``
      (``"complement unreliable"``).
    * **p = 0 or 1** (no respondent, or every respondent, has the attribute) is
      handled as NCHS's own R code does (CDCgov/surveytable ``.lpe_percents()``
      and ``svyciprop_adjusted()``): ``n_eff = n``, the width criteria are set
      aside (the width counts as 0), so the estimate is suppressed only when
      ``n < 30`` and is otherwise shown with the review flag
      ``"p = 0 or 1: review"``; its interval is Korn-Graubard with ``n``
      and no df factor (``[0, 1 - (a/2)^(1/n)]`` at p = 0).

    Widths are compared unrounded (the NCHS SAS macro compares widths rounded to
    0.1 percentage point; differences arise only at the boundaries).

``"nsduh"`` -- NSDUH suppression rule for prevalence estimates
    SAMHSA, NSDUH Statistical Inference Report (section "Suppression of
    estimates with low precision"), and the NSDUH results appendix
    "computational forms of the suppression rule" (samhsa.gov 2k4 results):

    * suppress if ``RSE(-ln p) = (SE/p)/(-ln p) > 0.175`` for ``p <= 0.5``, or
      ``(SE/(1-p))/(-ln(1-p)) > 0.175`` for ``p > 0.5`` (flag ``"RSE(-ln p) > .175"``);
      the 0.175 threshold and both computational forms are confirmed in the
      SAMHSA text;
    * suppress if effective sample size ``n/deff = p(1-p)/SE^2 < 68``
      (``"n_eff < 68"``) or nominal sample size ``n < 100`` (``"n < 100"``), the
      thresholds of the 2013+ Statistical Inference Reports (as summarised in
      the project's ANCHORS; the retrieved SAMHSA excerpts did not show these
      two numbers, so check them against the report of the year you publish);
    * suppress if the estimate rounds to 0.0 % or 100.0 % at one decimal
      (``"rounds to 0% or 100%"``).

Both rules are rules for *proportions*. For non-binary outcomes the row gets the
flag ``"rule applies to proportions only"`` and is not suppressed.
Empty domains are always suppressed with flag ``"empty domain"``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .ci import effective_n, is_boundary, proportion_ci

__all__ = ["RULES", "nchs_standard", "nsduh_rule", "apply_rule"]

#: Presentation (suppression) rules: ``reliability=``.
RULES = ("nchs", "nsduh")


def _join(parts: list[list[str]]) -> list[str]:
    return [";".join(p) for p in parts]


def nchs_standard(p: ArrayLike, se: ArrayLike, n: ArrayLike, df: ArrayLike, level: float = 0.95
                  ) -> tuple[NDArray[np.bool_], list[list[str]]]:
    """NCHS Data Presentation Standards for Proportions (Parker et al. 2017).

    Parameters
    ----------
    p, se, n, df : array_like
        Proportion (0-1), its SE, unweighted n and design df of each estimate.

    Returns
    -------
    suppressed : ndarray of bool
    flags : list of list of str

    Examples
    --------
    >>> s, f = nchs_standard([0.30, 0.02], [0.01, 0.015], [2000, 300], [30, 30])
    >>> s.tolist(), f
    ([False, True], [[], ['relative ci width > 130%']])
    >>> nchs_standard([0.0, 0.0], [0.0, 0.0], [40, 7], [20, 20])   # p = 0: shown when n >= 30
    (array([False,  True]), [['p = 0 or 1: review'], ['n_eff < 30']])
    """
    p = np.atleast_1d(np.asarray(p, dtype=float))
    se = np.atleast_1d(np.asarray(se, dtype=float))
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    df = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    neff = effective_n(p, se, n)
    lo, hi = proportion_ci(p, se, df, n, method="korn_graubard", level=level)
    edge = is_boundary(p)
    w = np.where(edge, 0.0, hi - lo)        # NCHS: width rule set aside at p = 0 or 1
    suppressed = np.zeros(p.shape, dtype=bool)
    flags: list[list[str]] = [[] for _ in range(p.size)]
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.minimum(neff, n) < 30
        wide = w >= 0.30
        rel = (w > 0.05) & (w / p > 1.30)
        comp = (w > 0.05) & (w / (1 - p) > 1.30)
    for i in range(p.size):
        if not np.isfinite(p[i]) or not np.isfinite(se[i]):
            suppressed[i] = True
            flags[i].append("no estimate or se")
            continue
        if small[i]:
            flags[i].append("n_eff < 30")
        if wide[i]:
            flags[i].append("ci width >= 30 pts")
        if rel[i] and not small[i]:
            flags[i].append("relative ci width > 130%")
        suppressed[i] = bool(small[i] or wide[i] or rel[i])
        if not suppressed[i]:
            if df[i] < 8:
                flags[i].append("df < 8: review")
            if edge[i]:
                flags[i].append("p = 0 or 1: review")
            if comp[i]:
                flags[i].append("complement unreliable")
    return suppressed, flags


def nsduh_rule(p: ArrayLike, se: ArrayLike, n: ArrayLike) -> tuple[NDArray[np.bool_], list[list[str]]]:
    """NSDUH suppression rule for prevalence estimates.

    Parameters
    ----------
    p, se, n : array_like
        Proportion (0-1), SE and unweighted sample size.

    Returns
    -------
    suppressed : ndarray of bool
    flags : list of list of str

    Examples
    --------
    >>> s, f = nsduh_rule([0.20, 0.01], [0.01, 0.009], [1500, 1500])
    >>> s.tolist(), f
    ([False, True], [[], ['RSE(-ln p) > .175']])
    """
    p = np.atleast_1d(np.asarray(p, dtype=float))
    se = np.atleast_1d(np.asarray(se, dtype=float))
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    q = np.where(p <= 0.5, p, 1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        rse_ln = (se / q) / (-np.log(q))
        neff = p * (1 - p) / se**2
    suppressed = np.zeros(p.shape, dtype=bool)
    flags: list[list[str]] = [[] for _ in range(p.size)]
    for i in range(p.size):
        if not np.isfinite(p[i]) or not np.isfinite(se[i]):
            suppressed[i] = True
            flags[i].append("no estimate or se")
            continue
        if round(p[i] * 100, 1) in (0.0, 100.0):
            flags[i].append("rounds to 0% or 100%")
        elif rse_ln[i] > 0.175:
            flags[i].append("RSE(-ln p) > .175")
        if np.isfinite(neff[i]) and neff[i] < 68:
            flags[i].append("n_eff < 68")
        if n[i] < 100:
            flags[i].append("n < 100")
        suppressed[i] = bool(flags[i])
    return suppressed, flags


def apply_rule(rule: str | None, p: ArrayLike, se: ArrayLike, n: ArrayLike, df: ArrayLike, is_proportion: ArrayLike,
               empty: ArrayLike, level: float = 0.95) -> tuple[NDArray[np.bool_], list[str]]:
    """Apply a reliability rule to a batch of estimates.

    Parameters
    ----------
    rule : {"nchs", "nsduh", None}
    p, se, n, df : array_like
    is_proportion : array_like of bool
        Which estimates are proportions (0/1 outcomes or category levels).
    empty : array_like of bool
        Empty domains (no respondent with a non-missing outcome).

    Returns
    -------
    suppressed : ndarray of bool
    flags : list of str (``;``-joined, ``""`` when none)

    Examples
    --------
    >>> s, f = apply_rule("nchs", [0.3, np.nan], [0.01, np.nan], [2000, 0], [30, 0],
    ...                   [True, True], [False, True])
    >>> s.tolist(), f
    ([False, True], ['', 'empty domain'])
    """
    p = np.atleast_1d(np.asarray(p, dtype=float))
    m = p.size
    se = np.atleast_1d(np.asarray(se, dtype=float))
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    df = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    is_prop = np.broadcast_to(np.asarray(is_proportion, dtype=bool), p.shape)
    empty = np.broadcast_to(np.asarray(empty, dtype=bool), p.shape)
    suppressed = np.zeros(m, dtype=bool)
    flags: list[list[str]] = [[] for _ in range(m)]
    if rule not in (None, *RULES):
        raise InputError(f"unknown reliability rule {rule!r}; use one of {RULES} or None")
    if rule is not None:
        idx = np.flatnonzero(is_prop & ~empty)
        if idx.size:
            if rule == "nchs":
                s, f = nchs_standard(p[idx], se[idx], n[idx], df[idx], level)
            else:
                s, f = nsduh_rule(p[idx], se[idx], n[idx])
            for j, i in enumerate(idx):
                suppressed[i] = s[j]
                flags[i] = f[j]
        for i in np.flatnonzero(~is_prop & ~empty):
            flags[i].append("rule applies to proportions only")
    for i in np.flatnonzero(empty):
        suppressed[i] = True
        flags[i] = ["empty domain"]
    return suppressed, _join(flags)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
