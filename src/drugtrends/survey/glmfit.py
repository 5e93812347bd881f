"""Numerical core of :mod:`drugtrends.survey.glm`: IRLS as R ``glm.fit``, aliasing
(rank deficiency) as R's pivoted QR, and a separation check for logistic models.

Nothing here knows about survey designs: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from ..errors import DesignError

__all__ = ["FAMILIES", "family_functions", "deviance", "irls", "IRLSFit", "aliased_columns",
           "separation_columns"]

_F = NDArray[np.float64]   # float arrays (a type alias)

#: GLM families of ``svyglm`` (canonical links).
FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson")
_EPS = np.finfo(float).eps


def family_functions(name: str) -> tuple[Callable[[_F], _F], Callable[[_F], _F], Callable[[_F], _F]]:
    """``(linkinv, dmu/deta, variance)`` of a family (canonical link).

    Parameters
    ----------
    name : str
        A family of :data:`FAMILIES`.

    Examples
    --------
    >>> inv, dmu, var = family_functions("binomial")
    >>> float(inv(np.array(0.0))), float(var(np.array(0.5)))
    (0.5, 0.25)
    """
    if name == "gaussian":
        return (lambda e: e), (lambda e: np.ones_like(e)), (lambda mu: np.ones_like(mu))
    if name in ("binomial", "quasibinomial"):     # R's C logit_linkinv / logit_mu_eta
        def inv(e: _F) -> _F:
            x = np.where(e < -30, _EPS, np.where(e > 30, 1 / _EPS, np.exp(np.clip(e, -30, 30))))
            p: _F = x / (1 + x)
            return p

        def dmu(e: _F) -> _F:
            ex = np.exp(np.clip(e, -30, 30))
            return np.where(np.abs(e) > 30, _EPS, ex / (1 + ex) ** 2)
        return inv, dmu, (lambda mu: mu * (1 - mu))
    if name in ("poisson", "quasipoisson"):
        def pinv(e: _F) -> _F:
            return np.maximum(np.exp(e), _EPS)
        return pinv, pinv, (lambda mu: mu)
    raise DesignError(f"family={name!r} is not one of {FAMILIES}")


def deviance(y: _F, mu: _F, wt: _F, family: str) -> float:
    """Deviance with prior weights ``wt`` (R ``sum(family()$dev.resids(y, mu, wt))``).

    Parameters
    ----------
    y, mu : ndarray
        Response and fitted means.
    wt : ndarray
        Prior weights.
    family : {"gaussian", "binomial", "poisson", "quasibinomial", "quasipoisson"}
        The family (canonical link).

    Examples
    --------
    >>> round(deviance(np.array([0.0, 1.0]), np.array([0.5, 0.5]), np.ones(2), "binomial"), 6)   # 4 log 2
    2.772589
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if family in ("binomial", "quasibinomial"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
            return float(np.sum(2 * wt * (a + b)))
        if family in ("poisson", "quasipoisson"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            return float(np.sum(2 * wt * (a - (y - mu))))
        return float(np.sum(wt * (y - mu) ** 2))


@dataclass(frozen=True)
class IRLSFit:
    """Coefficients, last working weights, convergence of one IRLS run.

    Parameters
    ----------
    beta : ndarray
        Coefficients.
    w_last : ndarray
        Working weights of the last iteration.
    deviance : float
        Deviance at convergence.
    converged : bool
        Whether the deviance change fell below ``epsilon``.
    iterations : int
        Iterations run.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    >>> f = irls(X, np.array([0, 1, 0, 1, 1, 0.0]), np.ones(6), "binomial")
    >>> type(f).__name__, f.beta.round(4).tolist(), f.converged   # log odds 1/3 -> 2/3
    ('IRLSFit', [-0.6931, 1.3863], True)
    """

    beta: np.ndarray
    w_last: np.ndarray
    deviance: float
    converged: bool
    iterations: int


def irls(X: _F, y: _F, wn: _F, family: str, epsilon: float = 1e-8, maxit: int = 25,
         start: _F | None = None) -> IRLSFit:
    """IRLS as R ``glm.fit``: start from ``mustart`` (or ``start``), stop when
    ``|dev - dev_old| / (|dev| + 0.1) < epsilon``. Not converging in ``maxit``
    iterations is reported (``converged=False``), not raised, as R does.

    Parameters
    ----------
    X : ndarray (n, p)
        Model matrix.
    y : ndarray (n,)
        Response.
    wn : ndarray (n,)
        Weights (normalised survey weights).
    family : str
        A family of :data:`FAMILIES`.
    epsilon : float
        Convergence tolerance on the relative deviance change.
    maxit : int
        Maximum number of iterations.
    start : ndarray, optional
        Starting coefficients (default: R's ``mustart``).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1, 2, 3]])
    >>> f = irls(X, np.array([1.0, 3, 5, 7]), np.ones(4), "gaussian")
    >>> f.beta.round(6).tolist(), f.converged
    ([1.0, 2.0], True)
    """
    inv, dmu, varf = family_functions(family)
    if start is not None:
        eta = X @ start
        mu = inv(eta)
    elif family in ("binomial", "quasibinomial"):
        mu = (wn * y + 0.5) / (wn + 1)
        eta = np.log(mu / (1 - mu))
    elif family in ("poisson", "quasipoisson"):
        mu = y + 0.1
        eta = np.log(mu)
    else:
        mu = y.copy()
        eta = mu.copy()
    devold = deviance(y, mu, wn, family)
    beta = np.zeros(X.shape[1]) if start is None else np.asarray(start, dtype=float)
    W = wn
    dev = devold
    for it in range(1, maxit + 1):
        d = dmu(eta)
        z = eta + (y - mu) / d
        W = wn * d**2 / varf(mu)
        XtW = X.T * W
        try:
            beta = np.linalg.solve(XtW @ X, XtW @ z)
        except np.linalg.LinAlgError as exc:
            raise DesignError("the model matrix is singular in the IRLS step even after dropping "
                              "aliased terms; simplify the model.") from exc
        eta = X @ beta
        mu = inv(eta)
        dev = deviance(y, mu, wn, family)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            return IRLSFit(beta, W, dev, True, it)
        devold = dev
    return IRLSFit(beta, W, dev, False, maxit)


def aliased_columns(X: _F, w: _F, tol: float = 1e-7) -> list[int]:
    """Columns linearly dependent on earlier ones (R's pivoted QR: NA coefficients).

    A column is aliased when the part of it not explained by the previously
    kept columns has a norm below ``tol`` times its own norm (weighted rows).

    Parameters
    ----------
    X : ndarray (n, p)
        Model matrix.
    w : ndarray (n,)
        Weights.
    tol : float
        Pivoting tolerance (R's ``qr`` default).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1, 0, 1], [1.0, 0, 1, 0]])
    >>> aliased_columns(X, np.ones(4))
    [2]
    """
    Xw = X * np.sqrt(w)[:, None]
    kept: list[int] = []
    Q = np.zeros((X.shape[0], 0))
    out = []
    for j in range(X.shape[1]):
        v = Xw[:, j]
        nv = np.linalg.norm(v)
        r = v - Q @ (Q.T @ v) if kept else v
        r = r - Q @ (Q.T @ r) if kept else r          # re-orthogonalise once
        nr = np.linalg.norm(r)
        if nv == 0 or nr <= tol * nv:
            out.append(j)
            continue
        kept.append(j)
        Q = np.column_stack([Q, r / nr])
    return out


def separation_columns(X: _F, y: _F, w: _F) -> list[int]:
    """Columns involved in (quasi-)complete separation of a 0/1 response.

    Linear programme of Konis (2007, as R ``detectseparation``): find ``b``
    with ``(2y-1) x_i'b >= 0`` for every row (with ``w > 0``), ``-1 <= b <= 1``,
    maximising ``sum (2y-1) x_i'b``. The MLE is finite exactly when the only
    solution is ``b = 0``; otherwise the non-zero entries of ``b`` name the
    coefficients that go to infinity. Rows with a fractional response are left
    out of the check.

    Parameters
    ----------
    X : ndarray (n, p)
        Model matrix.
    y : ndarray (n,)
        0/1 response.
    w : ndarray (n,)
        Weights.

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [0.0, 0, 0, 1, 1, 1]])
    >>> separation_columns(X, np.array([0.0, 1, 0, 1, 1, 1]), np.ones(6))   # y = 1 whenever x = 1
    [1]
    >>> separation_columns(X, np.array([0.0, 1, 0, 1, 0, 1]), np.ones(6))
    []
    """
    keep = (w > 0) & ((y == 0) | (y == 1))
    s = np.where(y[keep] == 1, 1.0, -1.0)
    A = X[keep] * s[:, None]
    # scale columns so the box constraint is not dominated by their units
    sc = np.maximum(np.abs(A).max(axis=0), 1e-300)
    A = np.unique(A / sc, axis=0)          # identical constraint rows once
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(A.shape[0]),
                           bounds=[(-1, 1)] * A.shape[1], method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * A.shape[0]:
        return []
    return [int(j) for j in np.flatnonzero(np.abs(res.x) > 1e-6)]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
