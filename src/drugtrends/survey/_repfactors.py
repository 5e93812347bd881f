"""Replicate weights stored as factors: ``W[i, r] = w_i F[c_i, r]`` (issue 27).

Replicate weights built from a design (BRR, Fay, jackknife, bootstrap: R
``as.svrepdesign``, and most published files: NHANES, MEPS, NSDUH-style
half-samples) are the full-sample weight times a factor that depends only on
the row's PSU. Then every replicate sum is a matrix product over PSU-level
totals::

    sum_i W[i, r] x_i [i in d] = sum_c F[c, r] (sum_{i in c, d} w_i x_i)

so the replicate pass is the Taylor pass (sums per domain x cluster) followed
by ``F^T`` times those sums, and the design keeps ``F`` (clusters x R) instead
of an ``n x R`` float matrix. :func:`factor_table` finds the clusters from the
weights alone (rows whose replicate weights are proportional to the full-sample
weight with the same factors), reading one replicate column at a time; files
whose replicate weights are not of that form (calibrated replicate weights,
such as the ACS) keep the row-level matrix.

Examples
--------
>>> import numpy as np
>>> w = np.array([1.0, 2.0, 3.0, 4.0])
>>> W = np.array([[2.0, 0.0], [4.0, 0.0], [0.0, 6.0], [0.0, 8.0]])
>>> c, F = factor_table(w, [W[:, 0], W[:, 1]], max_share=1.0)
>>> c.tolist(), F.tolist()
([1, 1, 0, 0], [[0.0, 2.0], [2.0, 0.0]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["factor_table", "REL_TOL"]

#: largest relative difference between a replicate weight and ``w F`` to store factors
REL_TOL = 1e-13


def factor_table(w: np.ndarray, columns: Sequence[np.ndarray],
                 max_share: float = 0.25) -> tuple[np.ndarray, np.ndarray] | None:
    """``(cluster code per row, F)`` with ``W[:, r] = w * F[cluster, r]``, or None.

    Parameters
    ----------
    w : ndarray (n,)
        Full-sample weights (finite, >= 0).
    columns : sequence of ndarray (n,)
        The replicate weight columns (finite), read twice, one at a time.
    max_share : float
        Give up (None) when there are more than ``max_share * n`` clusters:
        factors would save nothing.

    Returns
    -------
    (ndarray of int (n,), ndarray (C, R)) or None
        Rows with a zero full-sample weight and zero replicate weights form one
        cluster of zero factors; None when a row has a zero weight and a
        non-zero replicate weight, or when the factors do not reproduce every
        replicate weight to :data:`REL_TOL`.
    """
    n, R = len(w), len(columns)
    if n == 0 or R == 0:
        return None
    pos = w > 0
    zero_rows = np.flatnonzero(~pos)
    safe = np.where(pos, w, 1.0)
    proj = np.random.default_rng(20261207).random((R, 2)) + 0.5
    h1, h2, ratio = np.zeros(n), np.zeros(n), np.empty(n)
    for r, col in enumerate(columns):
        if zero_rows.size and np.any(col[zero_rows] != 0):
            return None        # a zero weight with a non-zero replicate weight: not w x F
        np.divide(col, safe, out=ratio)
        h1 += ratio * proj[r, 0]
        h2 += ratio * proj[r, 1]
    # clusters: equal projections of the factor rows (rounded; checked exactly below)
    key = np.round(h1 / max(np.abs(h1).max(), 1e-300), 9) \
        + 1j * np.round(h2 / max(np.abs(h2).max(), 1e-300), 9)
    key[zero_rows] = -1.0              # zero-weight rows: one cluster of zero factors
    _, first, code = np.unique(key, return_index=True, return_inverse=True)
    code = code.ravel()
    if len(first) > max_share * n:
        return None
    F = np.empty((len(first), R))
    wf, fit = np.empty(n), np.empty(n)
    for r, col in enumerate(columns):
        f = col[first] / safe[first]
        f[~pos[first]] = 0.0
        np.multiply(w, f[code], out=fit)
        np.subtract(col, fit, out=wf)
        np.abs(wf, out=wf)
        if np.any(wf > REL_TOL * np.maximum(np.abs(col), np.abs(fit))):
            return None
        F[:, r] = f
    return code.astype(np.int64), F
