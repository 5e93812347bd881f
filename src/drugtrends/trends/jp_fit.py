"""Least-squares fits of a joinpoint model at given joinpoint (and jump) locations.

The design is ``[1, x, (x - tau_1)+, ..., (x - tau_k)+, D_1, ..., D_m]`` with
``D_j = 1{x >= jump_j}`` the level shifts of the jump model (NCI Joinpoint's
"Jump Model", Chen et al. 2020, J Off Stat 36:49-62). Internal module of
:func:`drugtrends.trends.joinpoint`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

__all__ = ["Fit", "design", "exact_fit", "lerman_ci", "slope_matrix", "slopes_at"]

#: joinpoint or jump locations: a list of floats or a 1-d array
Locations = Sequence[float] | np.ndarray


def design(x: np.ndarray, taus: Locations, jumps: Locations = ()) -> np.ndarray:
    """Columns ``1, x, (x - tau)+ ..., 1{x >= jump} ...`` (x already centred if wanted).

    Parameters
    ----------
    x : ndarray
    taus : sequence of float
        Joinpoint locations.
    jumps : sequence of float
        Level-shift locations (first x of each new regime).

    Returns
    -------
    ndarray (n, 2 + k + m)

    Examples
    --------
    >>> design(np.array([0.0, 1.0, 2.0]), [1.0], [2.0]).tolist()
    [[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 2.0, 1.0, 1.0]]
    """
    cols = [np.ones_like(x), x] + [np.maximum(x - t, 0.0) for t in taus]
    cols += [(x >= j).astype(float) for j in jumps]
    return np.column_stack(cols)


@dataclass
class Fit:
    """One fitted model: locations, coefficients (x centred at ``center``), covariance, SSE.

    Attributes
    ----------
    taus, beta, cov : ndarray
        Joinpoints; coefficients of :func:`design` on ``x - center``; their covariance.
    sse : float
    df : int
        NCI's residual df ``n - (2k + 2) - m``.
    fitted_lin, resid_w : ndarray
        Fitted values on the model scale; weighted residuals.
    center : float
    jumps : ndarray

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> f = exact_fit(x, 1 + 0.5 * x - 0.3 * np.maximum(x - 4, 0), np.ones(10), [4.0])
    >>> type(f).__name__, f.taus.tolist(), f.df, bool(f.sse < 1e-20)
    ('Fit', [4.0], 6, True)
    """

    taus: np.ndarray
    beta: np.ndarray
    cov: np.ndarray
    sse: float
    df: int
    fitted_lin: np.ndarray  # fitted values on the model (log or linear) scale
    resid_w: np.ndarray     # weighted residuals
    center: float = 0.0     # x is centred at this value in the design
    jumps: np.ndarray = field(default_factory=lambda: np.zeros(0))


def exact_fit(x: np.ndarray, z: np.ndarray, sw: np.ndarray, taus: Locations,
              jumps: Locations = ()) -> Fit:
    """Weighted least squares at fixed joinpoints; NCI's df ``n - (2k + 2) - m``.

    Parameters
    ----------
    x, z, sw : ndarray
        x, response on the model scale, square roots of the relative weights.
    taus, jumps : sequence of float
        Joinpoints and level shifts.

    Returns
    -------
    Fit

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> f = exact_fit(x, 1 + 0.5 * x - 0.3 * np.maximum(x - 4, 0), np.ones(10), [4.0])
    >>> np.round(f.beta[1:3], 12).tolist(), f.df
    ([0.5, -0.3], 6)
    """
    # centre x (years ~ 2000 make X'X ill-conditioned); slopes and jumps do not depend on it
    c = float(np.mean(x))
    jumps_a = np.asarray(jumps, float)
    X = design(x - c, np.asarray(taus, float) - c, jumps_a - c)
    Xw = X * sw[:, None]
    zw = z * sw
    q, r = np.linalg.qr(Xw)
    beta = np.linalg.solve(r, q.T @ zw)
    rw = zw - Xw @ beta
    sse = float(rw @ rw)
    p = 2 * len(taus) + 2 + len(jumps_a)  # NCI counts each joinpoint as a parameter
    df = len(x) - p
    sigma2 = sse / df if df > 0 else np.nan
    rinv = np.linalg.solve(r, np.eye(r.shape[0]))
    cov = sigma2 * (rinv @ rinv.T)
    return Fit(np.asarray(taus, float), beta, cov, sse, df, X @ beta, rw, c, jumps_a)


def slope_matrix(k: int, m: int = 0) -> np.ndarray:
    """Rows map the coefficients to the k + 1 segment slopes (jump coefficients get 0).

    Parameters
    ----------
    k, m : int
        Joinpoints and level shifts.

    Returns
    -------
    ndarray (k + 1, k + 2 + m)

    Examples
    --------
    >>> slope_matrix(1).tolist()
    [[0.0, 1.0, 0.0], [0.0, 1.0, 1.0]]
    """
    L = np.zeros((k + 1, k + 2 + m))
    for i in range(k + 1):
        L[i, 1] = 1.0
        L[i, 2:2 + i] = 1.0
    return L


def slopes_at(x: np.ndarray, zw: np.ndarray, sw: np.ndarray, taus: np.ndarray,
              jumps: Locations = ()) -> np.ndarray:
    """Segment slopes for many weighted responses at one location set.

    Parameters
    ----------
    x, sw : ndarray
        x and square roots of the relative weights.
    zw : ndarray (n, P)
        Weighted responses.
    taus, jumps
        Joinpoints and level shifts.

    Returns
    -------
    ndarray (k + 1, P)

    Examples
    --------
    >>> x = np.arange(8.0)
    >>> z = np.column_stack([2 * x, -x])
    >>> slopes_at(x, z, np.ones(8), np.zeros(0)).round(12).tolist()
    [[2.0, -1.0]]
    """
    c = float(np.mean(x))
    X = design(x - c, np.asarray(taus, float) - c, np.asarray(jumps, float) - c) * sw[:, None]
    beta, *_ = np.linalg.lstsq(X, zw, rcond=None)
    return slope_matrix(len(taus), len(jumps)) @ beta


def lerman_ci(x: np.ndarray, z: np.ndarray, sw: np.ndarray, taus: np.ndarray, j: int, lo: float, hi: float,
              df: int, alpha: float, jumps: Locations = (), n_grid: int = 400) -> tuple[float, float]:
    """Lerman (1980) profile interval for joinpoint j: {tau : SSE(tau) <= SSE_min (1 + F(1, df) / df)}.

    Parameters
    ----------
    x, z, sw : ndarray
        Data on the model scale and square roots of the weights.
    taus : ndarray
        Fitted joinpoints; ``taus[j]`` is profiled over ``(lo, hi)``, the others fixed.
    j : int
    lo, hi : float
        Neighbouring joinpoints (or the data ends).
    df : int
    alpha : float
    jumps : sequence of float
    n_grid : int
        Grid points of the profile.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> x = np.arange(20.0)
    >>> z = 0.1 * x - 0.2 * np.maximum(x - 9, 0) + np.where(x % 2, 0.01, -0.01)
    >>> lo, hi = lerman_ci(x, z, np.ones(20), np.array([9.0]), 0, 0.0, 19.0, 16, 0.05)
    >>> lo < 9 < hi
    True
    """
    grid = np.linspace(lo, hi, n_grid + 2)[1:-1]
    grid = np.union1d(grid, [taus[j]])
    zw = z * sw
    tt = np.repeat(taus[None, :], len(grid), axis=0)
    tt[:, j] = grid
    cols = [np.ones((len(grid), len(x))), np.broadcast_to(x, (len(grid), len(x)))]
    cols += [np.maximum(x[None, :] - tt[:, i:i + 1], 0.0) for i in range(len(taus))]
    cols += [np.broadcast_to((x >= jp).astype(float), (len(grid), len(x))) for jp in jumps]
    Xw = np.stack(cols, axis=2) * sw[None, :, None]  # (G, n, p)
    q, _ = np.linalg.qr(Xw)
    res = zw[None, :] - np.einsum("gnp,gp->gn", q, np.einsum("gnp,n->gp", q, zw))
    sse = np.einsum("gn,gn->g", res, res)
    smin = sse.min()
    thr = smin * (1 + stats.f.ppf(1 - alpha, 1, df) / df)
    ok = grid[sse <= thr]
    return float(ok.min()), float(ok.max())


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
