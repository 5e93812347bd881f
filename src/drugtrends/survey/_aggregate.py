"""Grouped sufficient statistics: sums per domain x PSU, all outcomes at once.

This is the only place where the engine touches row-level data for the
Taylor-linearisation estimators. Everything after it (means, totals, ratios,
proportions, their variances, covariances and design effects) works on the
small ``(n_domains, n_psu, n_columns)`` array it returns. A DuckDB, Arrow or
Spark backend replaces :func:`psu_totals` by
``SELECT domain, psu, SUM(col_1), ..., SUM(col_k) GROUP BY domain, psu``
and hands the same array to the variance step.

Interface
---------
``psu_totals(X, domain, n_domains, psu, n_psu)``
    ``X`` is an ``(n_rows, k)`` float array of row contributions (already
    multiplied by the weight and by the domain/non-missing indicator, so rows
    outside a domain or with a missing outcome hold 0, never NaN);
    ``domain`` integer codes ``0..n_domains-1`` (``-1`` = in no domain, the row
    is skipped); ``psu`` integer codes ``0..n_psu-1`` over *all* PSUs of the
    design. Returns ``T[d, u, j] = sum of X[i, j] over rows i with domain d and
    PSU u``. PSUs with no member of a domain get an explicit 0: they still
    count in the stratum's number of PSUs and in its mean of PSU totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["psu_totals", "domain_codes", "domain_sums"]


def psu_totals(X, domain: np.ndarray, n_domains: int,
               psu: np.ndarray, n_psu: int, k: int | None = None) -> np.ndarray:
    """Sum row contributions per domain x PSU (one pass per column).

    Parameters
    ----------
    X : ndarray of shape (n_rows, k), or an iterable of k arrays of shape (n_rows,)
        Row contributions, finite (0 for rows that do not contribute). An
        iterable (with ``k`` given) is consumed one column at a time, so the
        caller never holds an ``n_rows x k`` matrix.
    domain : ndarray of int, shape (n_rows,)
        Domain code per row, ``-1`` for rows in no domain.
    n_domains : int
        Number of domains.
    psu : ndarray of int, shape (n_rows,)
        PSU code per row in ``0..n_psu-1``.
    n_psu : int
        Number of PSUs in the whole design.
    k : int, optional
        Number of columns when ``X`` is an iterable.

    Returns
    -------
    ndarray of shape (n_domains, n_psu, k)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> psu_totals(X, np.array([0, 0, 1, -1]), 2, np.array([0, 1, 1, 0]), 2)[:, :, 0]
    array([[1., 2.],
           [0., 3.]])
    """
    if isinstance(X, np.ndarray):
        X = X.astype(float, copy=False)
        if X.ndim == 1:
            X = X[:, None]
        k = X.shape[1]
        columns = (X[:, j] for j in range(k))
    else:
        if k is None:
            raise ValueError("give k (number of columns) when X is an iterable")
        columns = X
    keep = domain >= 0
    all_rows = bool(keep.all())
    if all_rows:
        key = domain.astype(np.int64) * n_psu + psu
    else:
        key = domain[keep].astype(np.int64) * n_psu + psu[keep]
    size = n_domains * n_psu
    out = np.empty((size, k))
    for j, col in enumerate(columns):
        col = np.asarray(col, dtype=float)
        out[:, j] = np.bincount(key, weights=col if all_rows else col[keep], minlength=size)
    return out.reshape(n_domains, n_psu, k)


def domain_sums(X: np.ndarray, domain: np.ndarray, n_domains: int) -> np.ndarray:
    """Sum row contributions per domain (``(n_domains, k)``).

    Examples
    --------
    >>> import numpy as np
    >>> domain_sums(np.array([[1.0], [2.0], [5.0]]), np.array([0, 1, 1]), 2)
    array([[1.],
           [7.]])
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    keep = domain >= 0
    key = domain[keep]
    Xk = X[keep]
    out = np.empty((n_domains, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(key, weights=Xk[:, j], minlength=n_domains)
    return out


def domain_codes(data: pd.DataFrame, by: list[str], mask: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer domain code per row for the ``by`` columns.

    Domains are the combinations observed among rows where ``mask`` is True
    (rows of a subset design), in sorted order (categorical order for
    categorical columns). Rows with a missing ``by`` value or outside
    ``mask`` get ``-1``: they stay in the design but belong to no domain
    (R ``svyby`` does the same).

    Parameters
    ----------
    data : DataFrame
    by : list of str
        Grouping columns (may be empty: one domain, the whole (subset) design).
    mask : ndarray of bool
        Rows of the (subset) design.

    Returns
    -------
    codes : ndarray of int64
    keys : DataFrame
        One row per domain with the ``by`` columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"g": ["b", "a", None, "b"]})
    >>> codes, keys = domain_codes(df, ["g"], np.ones(4, bool))
    >>> codes.tolist(), keys["g"].tolist()
    ([1, 0, -1, 1], ['a', 'b'])
    """
    n = len(data)
    if not by:
        codes = np.where(mask, 0, -1).astype(np.int64)
        return codes, pd.DataFrame(index=range(1))
    sub = data.loc[mask, by] if not mask.all() else data[by]
    grouped = sub.groupby(by, sort=True, dropna=True, observed=True)
    g = grouped.ngroup()
    codes = np.full(n, -1, dtype=np.int64)
    gv = g.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(gv)
    idx = np.flatnonzero(mask)
    codes[idx[ok]] = gv[ok].astype(np.int64)
    keys = grouped.size().index.to_frame(index=False)
    keys = keys[by]
    return codes, keys
