"""Confidence intervals: t / normal intervals and proportion intervals.

Proportion methods (``method=``), all vectorised over arrays:

``"wald"``
    ``p -/+ t_df * SE`` (R ``svyciprop(method="mean")``).
``"logit"``
    ``expit(logit(p) -/+ t_df * SE / (p (1 - p)))``. R ``svyciprop(method="logit")``
    fits ``svyglm(y ~ 1, family=quasibinomial)``; for an intercept-only model
    the sandwich variance of the logit is exactly ``Var(p) / (p(1-p))^2``, so
    the two coincide.
``"xlogit"``
    R ``svyciprop(method="xlogit")``: delta method on ``log(p/(1-p))``;
    numerically the same interval as ``"logit"``.
``"beta"``
    R ``svyciprop(method="beta")`` (Korn and Graubard 1998, without capping):
    ``n* = p(1-p)/Var * (t_{n-1} / t_df)^2``,
    ``low = qbeta(a/2, n* p, n*(1-p) + 1)``, ``high = qbeta(1-a/2, n* p + 1, n*(1-p))``,
    with ``n`` the unweighted domain size.
``"korn_graubard"``
    The NCHS version (Parker et al. 2017, Vital Health Stat 2(175); NCHS SAS
    macro by C. Martin): ``n_eff = p(1-p)/Var`` (``n`` when p is 0 or 1),
    ``n* = min(n, n_eff (t_{n-1}/t_df)^2)``; Clopper-Pearson bounds with ``n*``
    (``low = 0`` when p = 0, ``high = 1`` when p = 1).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["PROPORTION_METHODS", "t_quantile", "mean_ci", "proportion_ci", "effective_n"]

PROPORTION_METHODS = ("wald", "logit", "xlogit", "beta", "korn_graubard")


def t_quantile(level: float, df) -> np.ndarray:
    """Two-sided critical value ``t_{df, 1-(1-level)/2}`` (normal when df is inf).

    Non-positive df give NaN (no interval can be formed).

    Examples
    --------
    >>> round(float(t_quantile(0.95, np.inf)), 6)
    1.959964
    >>> round(float(t_quantile(0.95, 10)), 6)
    2.228139
    """
    df = np.asarray(df, dtype=float)
    q = 1 - (1 - level) / 2
    with np.errstate(invalid="ignore"):
        out = np.where(np.isinf(df), stats.norm.ppf(q),
                       stats.t.ppf(q, np.where(df > 0, df, np.nan)))
    return out


def mean_ci(estimate, se, df=np.inf, level: float = 0.95):
    """Symmetric interval ``estimate -/+ t_df * se``.

    Parameters
    ----------
    estimate, se : array_like
    df : array_like
        Degrees of freedom (``np.inf`` for a normal interval).
    level : float

    Returns
    -------
    (low, high) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = mean_ci(0.5, 0.1, np.inf)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.304, 0.696)
    """
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    q = t_quantile(level, df)
    return est - q * se, est + q * se


def effective_n(p, se, n):
    """NCHS effective sample size ``p(1-p)/SE^2`` (``n`` when p is 0 or 1).

    Not capped here (the caller caps at ``n`` where a rule says so).

    Examples
    --------
    >>> round(float(effective_n(0.5, 0.05, 200)), 6)
    100.0
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ne = p * (1 - p) / se**2
    return np.where((p == 0) | (p == 1) | (se == 0), n, ne)


def _beta_ppf(q, a, b, at_zero):
    """qbeta with R's conventions at a degenerate shape (a == 0 -> 0, b == 0 -> 1)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        out = stats.beta.ppf(q, np.where(a > 0, a, 1.0), np.where(b > 0, b, 1.0))
    out = np.where(a <= 0, 0.0, out)
    out = np.where((b <= 0) & (a > 0), 1.0, out)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, out)


def proportion_ci(p, se, df=np.inf, n=None, method: str = "logit", level: float = 0.95):
    """Confidence interval for a proportion estimated from a complex sample.

    Parameters
    ----------
    p, se : array_like
        Estimated proportion(s) (0-1 scale) and standard error(s).
    df : array_like
        Design degrees of freedom (``np.inf`` for normal quantiles).
    n : array_like, optional
        Unweighted sample size (needed by ``"beta"`` and ``"korn_graubard"``).
    method : str
        One of :data:`PROPORTION_METHODS` (see the module docstring).
    level : float

    Returns
    -------
    (low, high) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = proportion_ci(0.2, 0.02, df=30, method="logit")
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1623, 0.244)
    >>> lo, hi = proportion_ci(0.0, 0.0, df=30, n=50, method="korn_graubard")
    >>> float(lo), round(float(hi), 4)   # 1 - 0.025 ** (1 / (50 * (t_49 / t_30) ** 2))
    (0.0, 0.0734)
    """
    if method not in PROPORTION_METHODS:
        raise ValueError(f"unknown proportion CI method {method!r}; use one of {PROPORTION_METHODS}")
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    alpha = 1 - level
    if method == "wald":
        return mean_ci(p, se, df, level)
    if method in ("logit", "xlogit"):
        q = t_quantile(level, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.log(p / (1 - p))
            se_eta = se / (p * (1 - p))
            lo = 1 / (1 + np.exp(-(eta - q * se_eta)))
            hi = 1 / (1 + np.exp(-(eta + q * se_eta)))
        bad = (p <= 0) | (p >= 1)
        return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
    if n is None:
        raise ValueError(f"method={method!r} needs the unweighted sample size n")
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        tn = stats.t.ppf(alpha / 2, np.where(n > 1, n - 1, np.nan))
        td = np.where(np.isinf(df), stats.norm.ppf(alpha / 2),
                      stats.t.ppf(alpha / 2, np.where(df > 0, df, np.nan)))
        adj = (tn / td) ** 2
        if method == "beta":
            neff = p * (1 - p) / se**2 * adj
        else:
            neff = np.minimum(n, effective_n(p, se, n) * adj)
        lo = _beta_ppf(alpha / 2, neff * p, neff * (1 - p) + 1, 0.0)
        hi = _beta_ppf(1 - alpha / 2, neff * p + 1, neff * (1 - p), 1.0)
    if method == "korn_graubard":
        lo = np.where(p == 0, 0.0, lo)
        hi = np.where(p == 1, 1.0, hi)
    return lo, hi
