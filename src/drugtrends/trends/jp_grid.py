"""Grid search of joinpoint locations (internal engine of :func:`drugtrends.trends.joinpoint`).

Every model shares some *base* columns (intercept and slope, plus group
intercepts or level-shift dummies in the comparison and jump models); they
are projected out once, so the sum of squared errors of a k-joinpoint model
for a (reduced) response ``Y`` is ``||Y||^2 - ||Q_h' Y||^2`` with ``Q_h`` an
orthonormal basis of the reduced hinge columns ``(x - tau)+``. One matrix
product per block of location sets then evaluates thousands of responses
(permuted or resampled data sets) at once.
"""

from __future__ import annotations

import numpy as np

from drugtrends.errors import InputError

__all__ = ["Grid", "candidates", "location_sets"]

MAX_CHUNK = 6_000_000    # doubles per block in the batched projections (~48 MB)
MAX_SETS = 3_000_000     # admissible joinpoint location sets per k (refused above: too slow)
MAX_CACHED = 4_000_000   # doubles of orthonormal bases kept per k (~32 MB)
COL_BLOCK = 256          # responses per block (keeps the projections in cache)


def candidates(x: np.ndarray, n_grid_between: int) -> np.ndarray:
    """Candidate joinpoint locations: the sorted unique x, plus points between them.

    Parameters
    ----------
    x : ndarray
        Sorted distinct x values.
    n_grid_between : int
        Points added between consecutive x values (0: the x values only).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> candidates(np.array([1.0, 2.0, 3.0]), 1).tolist()
    [1.0, 1.5, 2.0, 2.5, 3.0]
    """
    if n_grid_between <= 0:
        return x.copy()
    frac = np.arange(n_grid_between + 1) / (n_grid_between + 1)
    pts = x[:-1, None] + (x[1:] - x[:-1])[:, None] * frac
    return np.concatenate([pts.ravel(), x[-1:]])


def _too_many(k: int, n_cand: int) -> InputError:
    return InputError(
        f"joinpoint(): more than {MAX_SETS:,} candidate location sets for {k} joinpoints "
        f"({n_cand} candidate locations); lower max_joinpoints or n_grid_between.")


def location_sets(x: np.ndarray, cand: np.ndarray, k: int, min_end: int, min_between: int) -> np.ndarray:
    """All admissible sets of ``k`` candidate indices (rows of an (S, k) int array).

    A joinpoint at tau needs >= ``min_end`` observations strictly before the
    first and strictly after the last joinpoint, and >= ``min_between``
    observations strictly between consecutive joinpoints (NCI's rule: a
    joinpoint on an observation does not count that observation).

    Parameters
    ----------
    x : ndarray
        Sorted distinct x values.
    cand : ndarray
        Candidate locations (:func:`candidates`).
    k : int
        Number of joinpoints.
    min_end, min_between : int
        The minimum-observation rules.

    Returns
    -------
    ndarray of int, shape (S, k)
        Indices into ``cand``, one admissible set per row.

    Examples
    --------
    >>> x = np.arange(6.0)
    >>> location_sets(x, x, 1, 2, 2).ravel().tolist()  # 2 observations on each side
    [2, 3]
    """
    n = len(x)
    if k == 0:
        return np.zeros((1, 0), dtype=np.int64)
    n_lt = np.searchsorted(x, cand, side="left")   # #(x < tau)
    n_le = np.searchsorted(x, cand, side="right")  # #(x <= tau)
    idx = np.arange(len(cand))
    combos = idx[n_lt >= min_end][:, None]
    for _ in range(1, k):
        last = combos[:, -1]
        between = n_lt[None, :] - n_le[last][:, None]
        rows, cols = np.nonzero((between >= min_between) & (idx[None, :] > last[:, None]))
        if len(rows) > MAX_SETS:
            raise _too_many(k, len(cand))
        combos = np.column_stack([combos[rows], cols])
    combos = combos[(n - n_le)[combos[:, -1]] >= min_end]
    return combos.astype(np.int64)


class Grid:
    """Orthonormal bases of the reduced hinge columns for every admissible location set.

    Parameters
    ----------
    xrow : ndarray (n,)
        x of every row (rows of several groups may share x values).
    sw : ndarray (n,)
        Square roots of the relative weights.
    base : ndarray (n, q)
        Unweighted base columns shared by every model (e.g. ``[1, x]``).
    xu : ndarray
        Sorted distinct x values the minimum-observation rules count.
    cand : ndarray
        Candidate joinpoint locations.
    min_end, min_between : int
        NCI minimum-observation rules (see :func:`location_sets`).

    Examples
    --------
    The admissible single joinpoints (indices into ``cand``) and the best one for a hinge at x = 4:

    >>> x = np.arange(10.0)
    >>> g = Grid(x, np.ones(10), np.column_stack([np.ones(10), x]), x, x, 2, 2)
    >>> sse, arg = g.min_sse(1, g.reduce(np.maximum(x - 4, 0)[:, None]))
    >>> g.sets(1).ravel().tolist(), float(x[g.sets(1)[arg[0], 0]])
    ([2, 3, 4, 5, 6, 7], 4.0)
    """

    def __init__(self, xrow: np.ndarray, sw: np.ndarray, base: np.ndarray, xu: np.ndarray, cand: np.ndarray,
                 min_end: int, min_between: int):
        self.x, self.sw, self.xu, self.cand = xrow, sw, xu, cand
        self.min_end, self.min_between = min_end, min_between
        q0, _ = np.linalg.qr(base * sw[:, None])
        self.q0 = q0
        self._sets: dict[int, np.ndarray] = {}
        self._levels: dict[int, tuple[list, np.ndarray]] = {}

    def reduce(self, yw: np.ndarray) -> np.ndarray:
        """Project the base columns out of weighted responses.

        Parameters
        ----------
        yw : ndarray (n,) or (n, P)

        Returns
        -------
        ndarray
            Residuals of ``yw`` on the weighted base columns.

        Examples
        --------
        >>> x = np.arange(5.0)
        >>> g = Grid(x, np.ones(5), np.column_stack([np.ones(5), x]), x, x, 1, 1)
        >>> bool(np.allclose(g.reduce(3 + 2 * x), 0))
        True
        """
        return yw - self.q0 @ (self.q0.T @ yw)

    def sets(self, k: int) -> np.ndarray:
        """Admissible location sets for ``k`` joinpoints (cached), as candidate indices.

        Parameters
        ----------
        k : int

        Returns
        -------
        ndarray of int, shape (S, k)

        Examples
        --------
        >>> x = np.arange(6.0)
        >>> Grid(x, np.ones(6), np.ones((6, 1)), x, x, 2, 2).sets(1).ravel().tolist()
        [2, 3]
        """
        if k not in self._sets:
            combos = location_sets(self.xu, self.cand, k, self.min_end, self.min_between)
            if len(combos) > MAX_SETS:
                raise _too_many(k, len(self.cand))
            self._sets[k] = combos
        return self._sets[k]

    def _basis(self, k: int, combos: np.ndarray) -> np.ndarray:
        taus = self.cand[combos]  # (S, k)
        h = np.maximum(self.x[None, :, None] - taus[:, None, :], 0.0) * self.sw[None, :, None]
        h = h - np.einsum("nj,sjk->snk", self.q0, np.einsum("nj,snk->sjk", self.q0, h))
        q, _ = np.linalg.qr(h)  # (S, n, k)
        return q

    def _prefix_levels(self, k: int) -> tuple[list, np.ndarray] | None:
        """Orthonormal vectors shared by location sets with a common prefix (small grids only).

        The first j columns of the basis of ``(tau_1, ..., tau_k)`` span the
        first j hinges, so they depend only on the prefix ``(tau_1..tau_j)``:
        ``||Q'y||^2`` is accumulated level by level, each prefix projected once
        (about half the products of projecting every set on its k vectors).
        Returns ``(levels, order)``: per level the vectors ``V_j`` (U_j, n) and
        the parent index of each prefix; ``order`` maps sets to last-level rows.
        """
        if k in self._levels:
            return self._levels[k]
        combos = self.sets(k)
        if len(combos) * len(self.x) * k > MAX_CACHED:
            return None
        q = self._basis(k, combos)
        levels: list[tuple[np.ndarray, np.ndarray | None]] = []
        prev: np.ndarray | None = None
        for j in range(1, k + 1):
            _, first, inv = np.unique(combos[:, :j], axis=0, return_index=True, return_inverse=True)
            levels.append((np.ascontiguousarray(q[first, :, j - 1]), None if prev is None else prev[first]))
            prev = inv.ravel()
        assert prev is not None  # k >= 1: min_sse answers k == 0 without the grid
        self._levels[k] = (levels, prev)
        return self._levels[k]

    def _blocks(self, k: int, yred: np.ndarray):
        """Yield ``(s0, cols, ss)``: ``||Q_s' y||^2`` for a block of location sets and a block of columns."""
        p = yred.shape[1]
        lv = self._prefix_levels(k)
        if lv is not None:  # small grid: prefix vectors kept, columns taken in cache-sized blocks
            levels, order = lv
            for p0 in range(0, p, COL_BLOCK):
                ss: np.ndarray | None = None
                for v, parent in levels:
                    pr = v @ yred[:, p0:p0 + COL_BLOCK]
                    np.square(pr, out=pr)
                    if parent is None:
                        ss = pr
                    else:
                        assert ss is not None  # the first level (parent None) sets it
                        ss = ss[parent] + pr
                assert ss is not None  # k >= 1 levels
                yield 0, slice(p0, p0 + COL_BLOCK), ss[order]
            return
        n = len(self.x)
        combos = self.sets(k)
        chunk = max(1, min(MAX_CHUNK // max(1, k * COL_BLOCK), MAX_CHUNK // max(1, k * n)))
        for s0 in range(0, len(combos), chunk):  # large grid: each block of bases built once
            qb = self._basis(k, combos[s0:s0 + chunk])
            m = qb.shape[0]
            flat = qb.transpose(0, 2, 1).reshape(m * k, n)
            for p0 in range(0, p, COL_BLOCK):
                proj = flat @ yred[:, p0:p0 + COL_BLOCK]
                np.square(proj, out=proj)
                yield s0, slice(p0, p0 + COL_BLOCK), proj.reshape(m, k, -1).sum(axis=1)

    def min_sse(self, k: int, yred: np.ndarray, need_arg: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Minimum SSE over location sets for each column of ``yred`` (n, P), and its set index.

        Bases are built block by block (and kept, by prefix, when the grid is
        small), and responses are taken in blocks of columns that fit in cache,
        so memory stays bounded whatever the number of sets or permutations.
        Ties go to the first location set, as in a plain ``argmin``.

        Parameters
        ----------
        k : int
            Number of joinpoints.
        yred : ndarray (n, P)
            Responses already reduced by :meth:`reduce`.
        need_arg : bool
            Also return the index of the best set (skip it for permutations).

        Returns
        -------
        sse : ndarray (P,)
        arg : ndarray of int (P,)
            Row of :meth:`sets` achieving ``sse`` (zeros when not asked).

        Examples
        --------
        >>> x = np.arange(10.0)
        >>> g = Grid(x, np.ones(10), np.column_stack([np.ones(10), x]), x, x, 2, 2)
        >>> y = np.maximum(x - 4, 0)[:, None]  # a hinge at x = 4: exact with one joinpoint
        >>> sse, arg = g.min_sse(1, g.reduce(y))
        >>> float(sse[0]) < 1e-12, float(x[g.sets(1)[arg[0], 0]])
        (True, 4.0)
        """
        tot = np.einsum("np,np->p", yred, yred)
        if k == 0:
            return tot, np.zeros(yred.shape[1], dtype=np.int64)
        p = yred.shape[1]
        best = np.zeros(p)  # largest projected sum of squares: SSE = tot - best
        arg = np.zeros(p, dtype=np.int64)
        for s0, cols, ss in self._blocks(k, yred):
            if need_arg:
                j = np.argmax(ss, axis=0)
                v = ss[j, np.arange(ss.shape[1])]
                better = v > best[cols]
                best[cols] = np.where(better, v, best[cols])
                arg[cols] = np.where(better, j + s0, arg[cols])
            else:
                best[cols] = np.maximum(best[cols], ss.max(axis=0))
        return np.maximum(tot - best, 0.0), arg


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
