"""Variance from PSU totals: stratified with-replacement PSUs, FPC, lonely PSUs,
and replicate-weight variance.

Taylor linearisation
--------------------
Every linearised estimator hands this module ``Z[u, j]``: the PSU total of the
influence values of estimate ``j`` (zeros for PSUs without domain members).
The variance is (R ``survey:::onestrat`` / ``svyrecvar``, one stage)::

    V_j = sum_h  f_h * n_h / (n_h - 1) * sum_{i in h} (Z_hi - mean_h Z)^2

with ``n_h`` the number of PSUs of stratum ``h`` in the *whole* design and
``f_h = 1 - n_h / N_h`` (1 without FPC). Strata with a single PSU follow the
``lonely_psu`` rule, as R's ``options(survey.lonely.psu=)``:

``"fail"``      refused when the design is built (:class:`~drugtrends.errors.DesignError`);
``"remove"`` / ``"certainty"``  the stratum contributes 0 (identical for one-stage designs);
``"adjust"``    the single PSU total is not centred (deviation from the overall
                mean of the influence values, which is 0), scaled by ``f_h``;
``"average"``   the stratum is left out and the sum is multiplied by
                ``n_strata / n_strata_not_lonely``; for a domain R counts only
                the strata that hold domain members (its subset design drops
                the others), which ``present`` reproduces.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LONELY_PSU_RULES", "stratified_variance", "grouped_variance", "replicate_variance", "segsum"]

#: What to do with a stratum of one PSU (``lonely_psu=``, as R ``survey.lonely.psu``).
LONELY_PSU_RULES = ("fail", "remove", "certainty", "adjust", "average")


def stratified_variance(Z: np.ndarray, stratum: np.ndarray, n_h: np.ndarray,
                        f_h: np.ndarray, lonely_psu: str = "fail",
                        present: np.ndarray | None = None,
                        full: bool = False, domain_lonely: np.ndarray | None = None) -> np.ndarray:
    """With-replacement stratified variance of PSU totals.

    Parameters
    ----------
    Z : ndarray (n_psu, m)
        PSU totals of the linearised values of ``m`` estimates.
    stratum : ndarray of int (n_psu,)
        Stratum code ``0..H-1`` of each PSU.
    n_h : ndarray (H,)
        Number of PSUs per stratum in the design.
    f_h : ndarray (H,)
        Finite population correction ``1 - n_h/N_h`` (ones without FPC).
    lonely_psu : str
        One of :data:`LONELY_PSU_RULES`.
    present : ndarray of bool (H, m), optional
        Strata holding members of the domain of each estimate (used by the
        ``"average"`` rule only); default all strata.
    full : bool
        Return the ``(m, m)`` covariance matrix instead of the ``m`` variances.
    domain_lonely : ndarray of bool (H, m), optional
        Strata with several PSUs in the design but one holding the domain of
        estimate ``j`` (R ``options(survey.adjust.domain.lonely=TRUE)``): with
        ``"adjust"`` that PSU total is not centred, with ``"average"`` the
        stratum is left out and replaced by the average of the others.

    Returns
    -------
    ndarray (m,) or (m, m)

    Examples
    --------
    Two strata of two PSUs; totals 1, 3 and 2, 2: variance 2 * (1 + 1) + 0 = 4.

    >>> import numpy as np
    >>> Z = np.array([[1.0], [3.0], [2.0], [2.0]])
    >>> stratified_variance(Z, np.array([0, 0, 1, 1]), np.array([2, 2]), np.ones(2))
    array([4.])
    """
    Z = np.asarray(Z, dtype=float)
    if Z.ndim == 1:
        Z = Z[:, None]
    H, m = len(n_h), Z.shape[1]
    n_h = np.asarray(n_h, dtype=float)
    stratum = np.asarray(stratum, dtype=np.int64)
    if full:
        return _stratified_cov(Z, stratum, n_h, np.asarray(f_h, dtype=float), lonely_psu, present,
                               domain_lonely)
    sums, zz = np.zeros((H, m)), np.zeros((H, m))
    np.add.at(sums, stratum, Z)
    np.add.at(zz, stratum, Z * Z)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n_h[:, None] > 0, sums / n_h[:, None], 0.0)
    centred = Z - mean[stratum]               # every PSU of the stratum is a row of Z
    ss = np.zeros((H, m))
    np.add.at(ss, stratum, centred * centred)
    var: np.ndarray = grouped_variance(ss, zz, n_h, np.asarray(f_h, dtype=float), lonely_psu,
                                       np.zeros(1, dtype=np.int64), 1, present, domain_lonely)[0]
    return var


def _scale(n_h: np.ndarray, f_h: np.ndarray) -> np.ndarray:
    """``f_h n_h / (n_h - 1)`` (``f_h`` for a lonely stratum, whose rule decides)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(n_h > 1, f_h * n_h / np.maximum(n_h - 1, 1), f_h)
    return out


def segsum(X: np.ndarray, starts: np.ndarray, n_seg: int, total: int) -> np.ndarray:
    """Sums of consecutive row segments beginning at ``starts`` (sorted, may repeat = empty).

    Parameters
    ----------
    X : ndarray (n, ...)
        Rows, sorted so that each segment is contiguous.
    starts : ndarray of int
        First row of each segment (sorted; equal starts make empty segments).
    n_seg : int
        Number of segments.
    total : int
        Number of rows (the end of the last segment).

    Examples
    --------
    >>> import numpy as np
    >>> segsum(np.array([1.0, 2.0, 4.0]), np.array([0, 2, 2]), 3, 3).tolist()
    [3.0, 0.0, 4.0]
    """
    out = np.zeros((n_seg,) + X.shape[1:])
    if total == 0:
        return out
    ends = np.append(starts[1:], total)
    nonempty = ends > starts
    if nonempty.all():
        return np.add.reduceat(X, starts, axis=0)
    if nonempty.any():
        out[nonempty] = np.add.reduceat(X, starts[nonempty], axis=0)
    return out


def grouped_variance(ss: np.ndarray, zz: np.ndarray, nh_g: np.ndarray, fh_g: np.ndarray, lonely_psu: str,
                     g_dstarts: np.ndarray, D: int, present: np.ndarray | None = None,
                     domain_lonely: np.ndarray | None = None) -> np.ndarray:
    """THE Taylor variance (one rule set for every estimator and engine): per domain,
    the sum over its strata of ``f_h n_h / (n_h - 1)`` times the centred sum of squares
    of the PSU totals, with the lonely-PSU rules.

    Parameters
    ----------
    ss : ndarray (G, m)
        Per (domain, stratum) group, sorted by domain: ``sum_u (Z_u - mean_h Z)^2`` over
        all ``n_h`` PSUs of the stratum (PSUs without domain members count with Z = 0).
    zz : ndarray (G, m)
        ``sum_u Z_u^2`` (the uncentred sum, used by ``"adjust"``).
    nh_g, fh_g : ndarray (G,)
        ``n_h`` and the FPC factor of each group's stratum.
    lonely_psu : str
        One of :data:`LONELY_PSU_RULES`.
    g_dstarts : ndarray of int (D,)
        First group of each domain.
    D : int
    present : ndarray of bool (G, m), optional
        Groups holding members of the domain (``"average"``; default all).
    domain_lonely : ndarray of bool (G, m), optional
        Groups where one PSU holds the domain of a stratum with several (R
        ``survey.adjust.domain.lonely``).

    Returns
    -------
    ndarray (D, m)

    Examples
    --------
    >>> import numpy as np
    >>> grouped_variance(np.array([[2.0], [0.0]]), np.array([[10.0], [8.0]]), np.array([2.0, 2.0]),
    ...                  np.ones(2), "fail", np.array([0]), 1)
    array([[4.]])
    """
    G = len(nh_g)
    lonely = np.broadcast_to((nh_g == 1)[:, None], ss.shape)
    if lonely.any():
        ss = np.where(lonely, zz if lonely_psu == "adjust" else 0.0, ss)
    bad = lonely
    if domain_lonely is not None and domain_lonely.any() and lonely_psu in ("adjust", "average"):
        ss = np.where(domain_lonely, zz if lonely_psu == "adjust" else 0.0, ss)
        if lonely_psu == "average":
            bad = bad | domain_lonely
    var = segsum(ss * _scale(nh_g, fh_g)[:, None], g_dstarts, D, G)
    if lonely_psu == "average" and bad.any():
        pres = np.ones(ss.shape, dtype=bool) if present is None else np.broadcast_to(present, ss.shape)
        nstrat = segsum(pres.astype(float), g_dstarts, D, G)
        nok = segsum((pres & ~bad).astype(float), g_dstarts, D, G)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = var * np.where(nok > 0, nstrat / nok, np.nan)
    return var


def _stratified_cov(Z: np.ndarray, stratum: np.ndarray, n_h: np.ndarray, f_h: np.ndarray, lonely_psu: str,
                    present: np.ndarray | None, domain_lonely: np.ndarray | None) -> np.ndarray:
    """The covariance form of :func:`grouped_variance` (same rules, cross products)."""
    H, m = len(n_h), Z.shape[1]
    sums = np.zeros((H, m))
    np.add.at(sums, stratum, Z)
    centred = Z - (sums / n_h[:, None])[stratum]
    lonely = n_h == 1
    if lonely.any():
        centred[lonely[stratum]] = Z[lonely[stratum]] if lonely_psu == "adjust" else 0.0
    bad = np.broadcast_to(lonely[:, None], (H, m))
    if domain_lonely is not None and domain_lonely.any() and lonely_psu in ("adjust", "average"):
        dl_u = domain_lonely[stratum]
        centred = np.where(dl_u, Z if lonely_psu == "adjust" else 0.0, centred)
        if lonely_psu == "average":
            bad = bad | domain_lonely
    S = centred * np.sqrt(_scale(n_h, f_h)[stratum])[:, None]
    V: np.ndarray = S.T @ S
    if lonely_psu == "average" and bad.any():
        pres = np.ones((H, m), dtype=bool) if present is None else present
        nstrat = pres.sum(axis=0).astype(float)
        nok = (pres & ~bad).sum(axis=0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(np.where(nok > 0, nstrat / nok, np.nan))
        V = V * np.outer(r, r)
    return V


def replicate_variance(theta_r: np.ndarray, theta: np.ndarray, scale: float,
                       rscales: np.ndarray, mse: bool = False,
                       full: bool = False) -> np.ndarray:
    """Replicate-weight variance, as R ``survey:::svrVar``.

    ``V = scale * sum_r rscales_r (theta_r - c)^2`` with ``c`` the full-sample
    estimate when ``mse=True``, else the mean of the replicates (R's default,
    ``options(survey.replicates.mse=FALSE)``).

    Parameters
    ----------
    theta_r : ndarray (R, m)
        Replicate estimates.
    theta : ndarray (m,)
        Full-sample estimates.
    scale : float
    rscales : ndarray (R,)
    mse : bool
    full : bool
        Return the covariance matrix.

    Examples
    --------
    >>> import numpy as np
    >>> replicate_variance(np.array([[1.0], [3.0]]), np.array([2.0]), 0.5, np.ones(2))
    array([1.])
    """
    theta_r = np.asarray(theta_r, dtype=float)
    if theta_r.ndim == 1:
        theta_r = theta_r[:, None]
    rscales = np.asarray(rscales, dtype=float)
    if mse:
        centre = np.asarray(theta, dtype=float)
    else:
        centre = theta_r[rscales > 0].mean(axis=0)
    D = theta_r - centre
    if full:
        S = D * np.sqrt(rscales)[:, None]
        cov: np.ndarray = scale * (S.T @ S)
        return cov
    var: np.ndarray = scale * (D * D * rscales[:, None]).sum(axis=0)
    return var


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
