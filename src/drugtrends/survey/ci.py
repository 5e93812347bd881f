"""Confidence intervals: t / normal intervals and proportion intervals.

Proportion methods (``method=``), all vectorised over arrays:

``"wald"``
    ``p -/+ t_df * SE`` (R ``svyciprop(method="mean")``).
``"logit"``
    R ``svyciprop(method="logit")``: a Wald interval on the logit scale,
    ``expit(logit(p) -/+ t_df * SE_logit)``, back-transformed. R fits
    ``svyglm(y ~ 1, family=quasibinomial)``; on a Taylor-linearisation design
    the sandwich variance of that intercept is exactly ``Var(p) / (p (1-p))^2``
    (the delta method, so ``"logit"`` and ``"xlogit"`` coincide there). On a
    replicate-weight design R refits the intercept on every replicate, so
    ``SE_logit`` is the replicate SE of ``logit(p_r)`` (pass it as
    ``se_logit=``, see :func:`logit_replicate_se`); the two methods then differ
    (e.g. relative 1e-4 on the NHANES II BRR design).
``"xlogit"``
    R ``svyciprop(method="xlogit")``: delta method on ``log(p/(1-p))``,
    ``SE_logit = SE / (p (1-p))``, for every design type.
``"beta"``
    R ``svyciprop(method="beta")`` (Korn and Graubard 1998, without capping):
    ``n* = p(1-p)/Var * (t_{n-1} / t_df)^2``,
    ``low = qbeta(a/2, n* p, n*(1-p) + 1)``, ``high = qbeta(1-a/2, n* p + 1, n*(1-p))``,
    with ``n`` the unweighted domain size. Convention: ``n`` counts rows
    with a non-missing outcome (R's ``nrow(design)`` is that only when the
    design was subset to non-missing rows first, as ``svyby`` / NCHS do;
    ``svyciprop`` on a design holding NA rows would count them too).
``"korn_graubard"``
    The NCHS version (Parker et al. 2017, Vital Health Stat 2(175); NCHS's R
    code ``svyciprop_adjusted()`` in CDCgov/surveytable and the SAS macro by
    C. Martin): ``n_eff = p(1-p)/Var``, ``n* = min(n, n_eff (t_{n-1}/t_df)^2)``
    for ``0 < p < 1``; Clopper-Pearson bounds with ``n*``. When p is 0 or 1
    (within 1e-12, i.e. no or every respondent has the attribute) or the SE is
    0, ``n* = n`` **without** the df factor, as NCHS's code does: at p = 0 the
    interval is ``[0, 1 - (a/2)^(1/n)]``, at p = 1 ``[(a/2)^(1/n), 1]``.
    Convention: ``n`` is the number of respondents with a non-missing outcome
    in the domain (R's ``nrow(design)`` after ``subset(design, !is.na(y))``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from ..errors import InputError
from ..validate import check_choice

__all__ = ["PROPORTION_METHODS", "t_quantile", "mean_ci", "proportion_ci", "effective_n",
           "logit_replicate_se", "is_boundary"]

#: Proportions closer than this to 0 or 1 are treated as 0 or 1 (no respondent /
#: every respondent has the attribute; rounding leaves 1 - 1e-16).
BOUNDARY_TOL = 1e-12

#: Confidence-interval methods for proportions (``ci=``).
PROPORTION_METHODS = ("wald", "logit", "xlogit", "beta", "korn_graubard")


def t_quantile(level: float, df: ArrayLike) -> NDArray[np.float64]:
    """Two-sided critical value ``t_{df, 1-(1-level)/2}`` (normal when df is inf).

    Non-positive df give NaN (no interval can be formed).

    Parameters
    ----------
    level : float
        Confidence level in (0, 1).
    df : float or array_like
        Degrees of freedom (``inf``: normal).

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
        out: NDArray[np.float64] = np.where(np.isinf(df), stats.norm.ppf(q),
                                            stats.t.ppf(q, np.where(df > 0, df, np.nan)))
    return out


def mean_ci(estimate: ArrayLike, se: ArrayLike, df: ArrayLike = np.inf, level: float = 0.95
            ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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


def is_boundary(p: ArrayLike) -> NDArray[np.bool_]:
    """True where a proportion is 0 or 1 (within :data:`BOUNDARY_TOL`).

    Parameters
    ----------
    p : array_like
        Proportions.

    Examples
    --------
    >>> is_boundary([0.0, 0.5, 1 - 1e-16]).tolist()
    [True, False, True]
    """
    p = np.asarray(p, dtype=float)
    edge: NDArray[np.bool_] = (np.abs(p) <= BOUNDARY_TOL) | (np.abs(1 - p) <= BOUNDARY_TOL)
    return edge


def effective_n(p: ArrayLike, se: ArrayLike, n: ArrayLike) -> NDArray[np.float64]:
    """NCHS effective sample size ``p(1-p)/SE^2`` (``n`` when p is 0 or 1 or SE is 0).

    Not capped here (the caller caps at ``n`` where a rule says so).

    Parameters
    ----------
    p : array_like
        Proportions.
    se : array_like
        Their standard errors.
    n : array_like
        Unweighted sample sizes.

    Examples
    --------
    >>> round(float(effective_n(0.5, 0.05, 200)), 6)
    100.0
    >>> float(effective_n(0.0, 0.0, 7))
    7.0
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ne = p * (1 - p) / se**2
    return np.where(is_boundary(p) | (se == 0), n, ne)


def logit_replicate_se(est_r: ArrayLike, est: ArrayLike, scale: float, rscales: ArrayLike, mse: bool = False
                       ) -> NDArray[np.float64]:
    """Replicate SE of ``logit(p)`` (R ``svyciprop(method="logit")`` on ``svrepdesign``).

    R refits ``svyglm(y ~ 1, quasibinomial)`` on every replicate; the intercept
    of replicate ``r`` is ``logit(p_r)``, and its variance is R ``svrVar``:
    ``scale * sum_r rscales_r (logit(p_r) - c)^2`` with ``c`` the mean of the
    replicate logits (``mse=False``) or ``logit(p)`` (``mse=True``).

    Parameters
    ----------
    est_r : array_like, shape (R, k)
        Replicate estimates of ``k`` proportions.
    est : array_like, shape (k,)
        Full-sample proportions.
    scale : float
    rscales : array_like, shape (R,)
    mse : bool

    Returns
    -------
    ndarray, shape (k,)
        NaN where a proportion (or a replicate) is 0 or 1.

    Examples
    --------
    >>> import numpy as np
    >>> p_r = np.array([[0.2], [0.3]])
    >>> se = logit_replicate_se(p_r, [0.25], scale=1.0, rscales=[1.0, 1.0])
    >>> round(float(se[0]), 6)   # sqrt(2) * (logit(.3) - logit(.2)) / 2
    0.381128
    """
    est_r = np.asarray(est_r, dtype=float)
    est = np.asarray(est, dtype=float)
    if est_r.ndim == 1:
        est_r = est_r[:, None]
    rscales = np.broadcast_to(np.asarray(rscales, dtype=float), (est_r.shape[0],))
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log(est_r / (1 - est_r))
        centre = np.log(est / (1 - est)) if mse else lr[rscales > 0].mean(axis=0)
        var = scale * np.sum(rscales[:, None] * (lr - centre) ** 2, axis=0)
    return np.where(np.isfinite(var), np.sqrt(var), np.nan)


def _beta_ppf(q: ArrayLike, a: ArrayLike, b: ArrayLike, at_zero: float) -> NDArray[np.float64]:
    """qbeta with R's conventions at a degenerate shape (a == 0 -> 0, b == 0 -> 1)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        out = stats.beta.ppf(q, np.where(a > 0, a, 1.0), np.where(b > 0, b, 1.0))
    out = np.where(a <= 0, 0.0, out)
    out = np.where((b <= 0) & (a > 0), 1.0, out)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, out)


def proportion_ci(p: ArrayLike, se: ArrayLike, df: ArrayLike = np.inf, n: ArrayLike | None = None,
                  method: str = "logit", level: float = 0.95, se_logit: ArrayLike | None = None
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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
    se_logit : array_like, optional
        SE on the logit scale for ``method="logit"`` (replicate designs:
        :func:`logit_replicate_se`); default the delta method ``se/(p(1-p))``.

    Returns
    -------
    (low, high) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = proportion_ci(0.2, 0.02, df=30, method="logit")
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1623, 0.244)
    >>> lo, hi = proportion_ci(0.0, 0.0, df=30, n=50, method="korn_graubard")
    >>> float(lo), round(float(hi), 4)   # NCHS: 1 - 0.025 ** (1 / 50), no df factor at p = 0
    (0.0, 0.0711)
    """
    check_choice(method, "method", PROPORTION_METHODS)
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
        if method == "logit" and se_logit is not None:
            sl = np.asarray(se_logit, dtype=float)
            se_eta = sl.reshape(p.shape) if sl.size == p.size else np.broadcast_to(sl, p.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lo = 1 / (1 + np.exp(-(eta - q * se_eta)))
            hi = 1 / (1 + np.exp(-(eta + q * se_eta)))
        bad = (p <= 0) | (p >= 1)
        return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
    if n is None:
        raise InputError(f"method={method!r} needs the unweighted sample size n")
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        tn = stats.t.ppf(alpha / 2, np.where(n > 1, n - 1, np.nan))
        td = np.where(np.isinf(df), stats.norm.ppf(alpha / 2),
                      stats.t.ppf(alpha / 2, np.where(df > 0, df, np.nan)))
        adj = (tn / td) ** 2
        if method == "beta":
            neff = p * (1 - p) / se**2 * adj
        else:   # NCHS: n without the df factor at p = 0 or 1 (or SE = 0)
            edge = is_boundary(p) | (se == 0)
            neff = np.where(edge, n, np.minimum(n, effective_n(p, se, n) * adj))
        lo = _beta_ppf(alpha / 2, neff * p, neff * (1 - p) + 1, 0.0)
        hi = _beta_ppf(1 - alpha / 2, neff * p + 1, neff * (1 - p), 1.0)
    if method == "korn_graubard":
        lo = np.where(p == 0, 0.0, lo)
        hi = np.where(p == 1, 1.0, hi)
    return lo, hi


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
