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

__all__ = ["LONELY_PSU_RULES", "stratified_variance", "replicate_variance"]

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
    H = len(n_h)
    n_h = np.asarray(n_h, dtype=float)
    lonely = n_h == 1
    sums = np.zeros((H, Z.shape[1]))
    np.add.at(sums, stratum, Z)
    means = sums / n_h[:, None]
    centred = Z - means[stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = np.where(n_h > 1, f_h * n_h / np.maximum(n_h - 1, 1), f_h)
    if lonely.any():
        lonely_u = lonely[stratum]
        if lonely_psu == "adjust":
            centred[lonely_u] = Z[lonely_u]
        elif lonely_psu in ("remove", "certainty", "average", "fail"):
            # centred at its own mean: exactly 0 (R); "average" drops it below
            centred[lonely_u] = 0.0
    bad = np.broadcast_to(lonely[:, None], (H, Z.shape[1]))
    if domain_lonely is not None and domain_lonely.any() and lonely_psu in ("adjust", "average"):
        dl_u = domain_lonely[stratum]                     # (n_psu, m)
        centred = np.where(dl_u, Z if lonely_psu == "adjust" else 0.0, centred)
        if lonely_psu == "average":
            bad = bad | domain_lonely
    scale_u = scale_h[stratum]
    if full:
        S = centred * np.sqrt(scale_u)[:, None]
        V = S.T @ S
    else:
        V = (centred * centred * scale_u[:, None]).sum(axis=0)
    if lonely_psu == "average" and bad.any():
        if present is None:
            present = np.ones((H, Z.shape[1]), dtype=bool)
        nstrat = present.sum(axis=0).astype(float)
        nok = (present & ~bad).sum(axis=0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(nok > 0, nstrat / nok, np.nan)
        if full:
            r = np.sqrt(factor)
            V = V * np.outer(r, r)
        else:
            V = V * factor
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
        return scale * (S.T @ S)
    return scale * (D * D * rscales[:, None]).sum(axis=0)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
