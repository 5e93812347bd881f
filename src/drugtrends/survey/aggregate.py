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

``grouped_psu_totals(columns, w, psu, n_psu, domain_sets)``
    The same sums for several domain sets at once (the in-memory equivalent of
    ``GROUP BY GROUPING SETS``): rows visited PSU by PSU, one small dense
    matrix product per PSU covers every domain set and every column. Used by
    :meth:`SurveyDesign.grid` (:mod:`drugtrends.survey.grouped`; the SQL version
    for DuckDB and Spark is :mod:`drugtrends.survey.sql`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError

#: a column source: rows (index array or slice) -> their ``(n, k)`` values
Columns = Callable[[Any], ArrayLike]

__all__ = ["psu_totals", "domain_slots", "grouped_psu_totals", "one_blas_thread"]


def psu_totals(X: Any, domain: np.ndarray, n_domains: int,
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
            raise InputError("give k (number of columns) when X is an iterable")
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


# --------------------------------------------------------------------------- many domain sets at once
def domain_slots(psu: np.ndarray, n_psu: int, domain: np.ndarray, n_domains: int) -> tuple[np.ndarray, np.ndarray]:
    """Local slot of each row's domain within its PSU.

    Within PSU ``u`` the domains present are numbered ``0..L_u-1`` in domain
    order; ``slot[i]`` is that number for row ``i`` (``-1`` when the row is in
    no domain) and ``dom_of_slot[u, l]`` maps it back (``-1`` = unused).

    Parameters
    ----------
    psu : ndarray of int
        PSU code of every row.
    n_psu : int
        Number of PSUs.
    domain : ndarray of int
        Domain code of every row.
    n_domains : int
        Number of domains.

    Returns
    -------
    slot : ndarray of int64 (n_rows,)
    dom_of_slot : ndarray of int64 (n_psu, L) with ``L = max_u L_u``

    Examples
    --------
    >>> import numpy as np
    >>> slot, back = domain_slots(np.array([0, 0, 1, 1]), 2, np.array([2, 0, 2, -1]), 3)
    >>> slot.tolist(), back.tolist()
    ([1, 0, 0, -1], [[0, 2], [2, -1]])
    """
    keep = domain >= 0
    all_rows = bool(keep.all())
    key = psu.astype(np.int64) * n_domains + domain
    if not all_rows:
        key = key[keep]
    present = np.bincount(key, minlength=n_psu * n_domains).reshape(n_psu, n_domains) > 0
    rank = np.cumsum(present, axis=1) - 1                        # (U, D)
    L = int(present.sum(axis=1).max()) if present.size else 0
    if all_rows:
        slot = rank.ravel()[key]
    else:
        slot = np.full(len(domain), -1, dtype=np.int64)
        slot[keep] = rank.ravel()[key]
    dom_of_slot = np.full((n_psu, max(L, 1)), -1, dtype=np.int64)
    u_idx, d_idx = np.nonzero(present)
    dom_of_slot[u_idx, rank[u_idx, d_idx]] = d_idx
    return slot, dom_of_slot


def grouped_psu_totals(columns: Columns, w: np.ndarray, psu: np.ndarray, n_psu: int,
                       domain_sets: Sequence[tuple[ArrayLike, int]], unweighted: Columns | None = None,
                       max_block: int = 4_000_000, dense: bool = True) -> list[tuple[Any, ...]]:
    """Weighted sums per domain x PSU for several domain sets, all columns, one pass.

    The in-memory equivalent of ``GROUP BY GROUPING SETS ((psu, by_1), (psu, by_2), ...)``.
    Rows are visited PSU by PSU; inside a PSU, the rows' domain indicators of
    every domain set (a small ``L x b`` matrix holding the weights) multiply the
    ``b x k`` block of row values in one dense matrix product, so the cost is
    one BLAS call per PSU whatever the number of outcomes and domain sets.

    Parameters
    ----------
    columns : callable
        ``columns(rows) -> ndarray (len(rows), k)``: the row values (finite, 0
        where a row does not contribute) for the given row indices (an index
        array, or a ``slice`` when the rows are already grouped by PSU).
    w : ndarray (n_rows,)
        Weights (multiply every column).
    psu : ndarray of int (n_rows,)
        PSU codes ``0..n_psu-1``.
    n_psu : int
    domain_sets : list of (codes, n_domains)
        For each domain set, the domain code of each row (``-1`` = none).
    unweighted : callable, optional
        ``unweighted(rows) -> ndarray (len(rows), k_u)``: columns summed without
        the weight (counts); ``rows`` as for ``columns``.
    max_block : int
        Rows x slots held at once (memory bound of the indicator block).
    dense : bool
        Return dense ``(n_domains, n_psu, k)`` arrays (default) or, with
        ``False``, only the (domain, PSU) pairs holding members of the domain.

    Returns
    -------
    list of (T, Tu), or of (d, u, T, Tu) with ``dense=False``
        Per domain set, ``T`` of shape ``(n_domains, n_psu, k)`` and ``Tu``
        ``(n_domains, n_psu, k_u)`` (None without ``unweighted``); PSUs without
        members of a domain hold 0. With ``dense=False``: domain and PSU codes
        ``d``, ``u`` of the pairs (sorted by domain, then PSU) and ``T``
        ``(n_pairs, k)``, ``Tu`` ``(n_pairs, k_u)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> sets = [(np.array([0, 0, 1, -1]), 2), (np.zeros(4, dtype=int), 1)]
    >>> res = grouped_psu_totals(lambda r: X[r], np.ones(4), np.array([0, 1, 1, 0]), 2, sets)
    >>> res[0][0][:, :, 0].tolist(), res[1][0][:, :, 0].tolist()
    ([[1.0, 2.0], [0.0, 3.0]], [[5.0, 5.0]])
    """
    n = len(w)
    psu = np.asarray(psu, dtype=np.int64)
    in_order = bool(np.all(psu[1:] >= psu[:-1]))      # rows already grouped by PSU: no gather
    if in_order:
        order = np.arange(n)
    else:   # small integer keys: numpy's stable sort is a radix sort
        key = psu.astype(np.int16) if n_psu < 2**15 else psu
        order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(psu[order], np.arange(n_psu + 1))
    slots: list[np.ndarray] = []
    backs: list[np.ndarray] = []
    offsets: list[int] = []
    off = 0
    for codes, D in domain_sets:
        s, back = domain_slots(psu, n_psu, np.asarray(codes, dtype=np.int64), D)
        slots.append(s[order])
        backs.append(back)
        offsets.append(off)
        off += back.shape[1]
    L = off
    ws = w[order]
    step = max(1, max_block // max(L, 1))
    with one_blas_thread():
        R, Ru, k, ku = _block_products(columns, unweighted, ws, order, bounds, in_order, slots, offsets,
                                       L, n_psu, step)
    return _scatter(R, Ru, k, ku, domain_sets, backs, offsets, n_psu, dense)


@functools.cache
def _controller() -> Any:
    """The thread-pool controller, built once (finding the BLAS libraries takes milliseconds)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Small matrix products run best on one BLAS thread (no spin-waiting on a busy machine);
    each use only sets and restores the limit.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float((np.ones((3, 3)) @ np.ones(3)).sum())
    9.0
    """
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:  # optional: without it BLAS keeps its default threads
        import contextlib
        return contextlib.nullcontext()
    limiter: AbstractContextManager[Any] = _controller().limit(limits=1, user_api="blas")
    return limiter


def _block_products(columns: Columns, unweighted: Columns | None, ws: np.ndarray, order: np.ndarray,
                    bounds: np.ndarray, in_order: bool, slots: list[np.ndarray], offsets: list[int], L: int,
                    n_psu: int, step: int) -> tuple[np.ndarray, np.ndarray | None, int, int | None]:
    """``R[u] = A_u @ X_u`` for every PSU, chunks of whole PSUs spread over (at most 2) threads
    (the gathers and BLAS calls release the GIL)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    n = int(bounds[-1])
    k = np.asarray(columns(np.arange(0) if not in_order else slice(0, 0))).shape[1]
    ku = np.asarray(unweighted(np.arange(0) if not in_order else slice(0, 0))).shape[1] \
        if unweighted is not None else None
    R = np.zeros((n_psu, L, k))
    Ru = np.zeros((n_psu, L, ku)) if ku is not None else None
    threads = max(1, min(2, os.cpu_count() or 1))
    step = max(1, min(step, -(-n // (2 * threads)) if n >= 100_000 else n))
    chunks = []
    u0 = 0
    while u0 < n_psu:
        u1 = int(np.searchsorted(bounds, bounds[u0] + step, side="right")) - 1
        u1 = min(max(u1, u0 + 1), n_psu)
        chunks.append((u0, u1))
        u0 = u1

    def work(chunk: tuple[int, int]) -> None:
        u0, u1 = chunk
        a, b = bounds[u0], bounds[u1]
        if b == a:
            return
        rows = slice(int(a), int(b)) if in_order else order[a:b]
        X = np.asarray(columns(rows), dtype=float)
        Xu = np.asarray(unweighted(rows), dtype=float) if unweighted is not None else None
        nb = b - a
        A = np.zeros((L, nb))
        Ai = np.zeros((L, nb)) if Xu is not None else None
        cols = np.arange(nb)
        for s, o in zip(slots, offsets):
            sl = s[a:b]
            ok = sl >= 0
            A[o + sl[ok], cols[ok]] = ws[a:b][ok]
            if Ai is not None:
                Ai[o + sl[ok], cols[ok]] = 1.0
        for u in range(u0, u1):
            lo, hi = bounds[u] - a, bounds[u + 1] - a
            if hi > lo:
                R[u] = A[:, lo:hi] @ X[lo:hi]
                if Ai is not None and Ru is not None and Xu is not None:
                    Ru[u] = Ai[:, lo:hi] @ Xu[lo:hi]

    if threads > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, chunks))
    else:
        for c in chunks:
            work(c)
    return R, Ru, k, ku


def _scatter(R: np.ndarray, Ru: np.ndarray | None, k: int, ku: int | None,
             domain_sets: Sequence[tuple[ArrayLike, int]], backs: list[np.ndarray], offsets: list[int], n_psu: int,
             dense: bool) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for (_codes, D), back, o in zip(domain_sets, backs, offsets):
        u_idx, l_idx = np.nonzero(back >= 0)
        if not dense:
            d_idx = back[u_idx, l_idx]
            srt = np.lexsort((u_idx, d_idx))
            u_s, l_s = u_idx[srt], l_idx[srt]
            out.append((d_idx[srt], u_s, R[u_s, o + l_s],
                        Ru[u_s, o + l_s] if Ru is not None else None))
            continue
        T = np.zeros((D, n_psu, k))
        T[back[u_idx, l_idx], u_idx] = R[u_idx, o + l_idx]
        Tu = None
        if Ru is not None and ku is not None:
            Tu = np.zeros((D, n_psu, ku))
            Tu[back[u_idx, l_idx], u_idx] = Ru[u_idx, o + l_idx]
        out.append((T, Tu))
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
