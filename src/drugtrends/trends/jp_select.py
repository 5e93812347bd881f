"""Choice of the number of joinpoints: permutation tests, BIC, BIC3 and weighted BIC.

References
----------
* Kim HJ, Fay MP, Feuer EJ, Midthune DN (2000). Permutation tests for
  joinpoint regression with applications to cancer rates. *Statistics in
  Medicine* 19:335-351 (sequential tests, each at ``alpha / (Kmax - ka)``).
* Kim HJ, Chen HS, Midthune D, Wheeler B, Buckman DW, Green D, Byrne J,
  Luo J, Feuer EJ (2023). Data-driven choice of a model selection method in
  joinpoint regression. *Journal of Applied Statistics* 50(9):1992-2013
  (the weighted BIC).
* NCI Joinpoint Help, "Weighted BIC (WBIC)":
  https://surveillance.cancer.gov/help/joinpoint/setting-parameters/method-and-parameters-tab/model-selection-method/weighted-bic-wbic
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from drugtrends.trends.jp_fit import Fit
from drugtrends.trends.jp_grid import Grid

__all__ = ["PERMUTATION_COLUMNS", "information_select", "partial_r2_max", "permutation_select"]

_NO_JUMPS = np.zeros(0)  # the default of partial_r2_max(jumps=): one shared empty array, as before

#: Columns of the permutation-test table (``JoinpointResult.selection``).
PERMUTATION_COLUMNS = ["null", "alternative", "statistic", "p", "alpha_level", "reject"]


def permutation_select(grid: Grid, fits: dict[int, Fit], sw: np.ndarray, kmin: int, kmax: int, alpha: float,
                       n_permutations: int, rng: np.random.Generator, notes: list[str],
                       scale: float) -> tuple[int, pd.DataFrame]:
    """Kim et al. (2000) sequential permutation tests H0: k = ka vs H1: k = kb.

    The statistic is the relative SSE reduction ``(SSE_a - SSE_b) / SSE_b``;
    the null model's (weighted) residuals are permuted and added back to its
    fit; ``p = (1 + #{T* >= T}) / (N + 1)``; each test at level
    ``alpha / (kmax - ka)``. A null model fitting to rounding error is kept
    without a test (noted); ``scale`` is ``||z w||^2``.

    Parameters
    ----------
    grid : Grid
    fits : dict
        k -> best :class:`~drugtrends.trends.jp_fit.Fit` with k joinpoints.
    sw : ndarray
    kmin, kmax : int
    alpha : float
    n_permutations : int
    rng : numpy.random.Generator
    notes : list of str
        Appended to.
    scale : float

    Returns
    -------
    (int, DataFrame)
        Selected k and the table of tests (:data:`PERMUTATION_COLUMNS`).

    Examples
    --------
    >>> from drugtrends.trends import joinpoint
    >>> import pandas as pd
    >>> x = np.arange(2000, 2016.0)
    >>> z = 0.1 * (x - 2000) - 0.15 * np.maximum(x - 2008, 0) + np.tile([0.01, -0.01], 8)
    >>> joinpoint(pd.DataFrame({"year": x, "rate": np.exp(z)}), max_joinpoints=1,
    ...           n_permutations=99).selection[["null", "alternative", "reject"]].values.tolist()
    [[0, 1, True]]
    """
    n = len(sw)
    rows = []
    ka, kb = kmin, kmax
    while ka < kb:
        level = alpha / (kmax - ka)
        fa, fb = fits[ka], fits[kb]
        if fa.sse <= 1e-20 * scale:
            stat, pval = 0.0, 1.0
            notes.append(f"the {ka}-joinpoint model fits to rounding error: no test of {ka} vs {kb}.")
        else:
            stat = (fa.sse - fb.sse) / fb.sse if fb.sse > 0 else np.inf
            fit_w = fa.fitted_lin * sw
            perm = rng.permuted(np.broadcast_to(np.arange(n), (n_permutations, n)), axis=1)
            yred = grid.reduce(fit_w[:, None] + fa.resid_w[perm].T)  # (n, N)
            sa, _ = grid.min_sse(ka, yred, need_arg=False)
            sb, _ = grid.min_sse(kb, yred, need_arg=False)
            with np.errstate(divide="ignore", invalid="ignore"):
                tstar = np.where(sb > 0, (sa - sb) / sb, np.inf)
            pval = (1 + int(np.sum(tstar >= stat * (1 - 1e-10)))) / (n_permutations + 1)
        reject = pval < level
        rows.append({"null": ka, "alternative": kb, "statistic": stat, "p": pval,
                     "alpha_level": level, "reject": reject})
        if reject:
            ka += 1
        else:
            kb -= 1
    return ka, pd.DataFrame(rows, columns=PERMUTATION_COLUMNS)


def partial_r2_max(x: np.ndarray, z: np.ndarray, sw: np.ndarray, taus: np.ndarray,
                   jumps: np.ndarray = _NO_JUMPS) -> float:
    """``R2_max`` of the weighted BIC: the largest partial R^2 of a joinpoint's hinge.

    For joinpoint ``i`` the data run from just after the previous joinpoint
    (from the first observation for ``i = 1``) to the next joinpoint (to the
    last observation for ``i = k``); ``R2_{i,i+1} = {y'(I - H0) z}^2 /
    [{y'(I - H0) y} {z'(I - H0) z}]`` with ``H0`` the hat matrix of the
    straight line (plus any level shift inside that window) and ``z`` the
    hinge ``(x - tau_i)+`` (NCI Joinpoint help, "Weighted BIC"). Weighted
    fits use the weighted values.

    Parameters
    ----------
    x, z, sw : ndarray
        Data on the model scale and square roots of the weights.
    taus, jumps : ndarray
        Joinpoints and level shifts of the model.

    Returns
    -------
    float
        0 for a model without joinpoints.

    Examples
    --------
    >>> x = np.arange(12.0)
    >>> round(partial_r2_max(x, np.maximum(x - 5, 0), np.ones(12), np.array([5.0])), 12)
    1.0
    """
    k = len(taus)
    if k == 0:
        return 0.0
    bounds = np.concatenate([[-np.inf], taus, [np.inf]])
    best = 0.0
    for i in range(1, k + 1):
        rows = (x > bounds[i - 1]) & (x <= bounds[i + 1])
        xs, w = x[rows], sw[rows]
        cols = [np.ones_like(xs), xs] + [(xs >= j).astype(float) for j in jumps if 0 < np.sum(xs >= j) < len(xs)]
        q, _ = np.linalg.qr(np.column_stack(cols) * w[:, None])
        ry = z[rows] * w
        ry = ry - q @ (q.T @ ry)
        rz = np.maximum(xs - taus[i - 1], 0.0) * w
        rz = rz - q @ (q.T @ rz)
        den = float(ry @ ry) * float(rz @ rz)
        if den > 0:
            best = max(best, float(ry @ rz) ** 2 / den)
    return best


def information_select(fits: dict[int, Fit], x: np.ndarray, z: np.ndarray, sw: np.ndarray, kmin: int, kmax: int,
                       method: str, scale: float) -> tuple[int, pd.DataFrame]:
    """BIC, BIC3 and weighted BIC of every k; the selected k minimises the chosen one.

    ``BIC(k) = ln(SSE/n) + (2k + 2 + m) ln(n)/n``, ``BIC3(k)`` with
    ``3k + 2 + m``, and ``WBIC(k) = ln(SSE/n) + ((2 + R2_max) k + 2 + m)
    ln(n)/n`` (NCI; ``m`` level shifts of a jump model, 0 otherwise).

    Parameters
    ----------
    fits : dict
        k -> best Fit with k joinpoints.
    x, z, sw : ndarray
    kmin, kmax : int
    method : {"bic", "bic3", "wbic"}
    scale : float
        ``||z w||^2`` (SSEs below ``1e-20 scale`` count as 0).

    Returns
    -------
    (int, DataFrame)
        Selected k and the table ``k, sse, bic, bic3, r2_max, wbic, selected``.

    Examples
    --------
    >>> from drugtrends.trends import joinpoint
    >>> import pandas as pd
    >>> x = np.arange(2000, 2016.0)
    >>> z = 0.1 * (x - 2000) - 0.15 * np.maximum(x - 2008, 0) + np.tile([0.01, -0.01], 8)
    >>> joinpoint(pd.DataFrame({"year": x, "rate": np.exp(z)}), method="wbic",
    ...           max_joinpoints=2).selection["selected"].tolist()
    [False, True, False]
    """
    n = len(x)
    rows = []
    for k in range(kmin, kmax + 1):
        f = fits[k]
        m = len(f.jumps)
        # SSEs at rounding-error level are all "zero": floor them so the penalty decides
        ll = math.log(max(f.sse, 1e-20 * scale) / n)
        r2 = partial_r2_max(x, z, sw, f.taus, f.jumps)
        pen = math.log(n) / n
        rows.append({"k": k, "sse": f.sse, "bic": ll + (2 * k + 2 + m) * pen, "bic3": ll + (3 * k + 2 + m) * pen,
                     "r2_max": r2, "wbic": ll + ((2 + r2) * k + 2 + m) * pen})
    selection = pd.DataFrame(rows)
    k_sel = int(selection.loc[selection[method].idxmin(), "k"])
    selection["selected"] = selection["k"] == k_sel
    return k_sel, selection


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
