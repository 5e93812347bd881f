"""Packed grouped sums of 0/1 outcomes, with or without missing values (issue 27).

The everyday call (``des.mean(45 indicators, by=[...])``) spends its time in
one kind of work: for every (domain, PSU) pair and every 0/1 outcome, the sum
of the weights of the rows where the outcome is 1 (``A``), where it is
observed (``B``) and how many rows are observed (``N``). This module does that
work for many outcomes per pass over the rows:

* every 0/1 column, whatever its storage (numpy bool / int8..int64 as
  ``read_csv`` gives them, float64 with ``NaN``, pandas nullable ``Int`` /
  ``boolean`` / ``Float``, Arrow-backed), is reduced once to a ``uint8``
  *state* per row: 0, 1, or 2 = missing (:func:`binary_outcome`); a column
  that is not 0/1 (or has an infinite value) is left to the general path;
* outcomes without a missing value are packed 8 to a byte (bit ``j`` = outcome
  ``j``) and ONE weighted ``numpy.bincount`` over ``pair * 256 + code`` gives
  the weight sums of every bit pattern, hence of every outcome
  (:func:`clean_sums`);
* outcomes with missing values are packed 5 to a byte in base 3 (``3^5 = 243``
  patterns); one weighted and one unweighted ``bincount`` give, per outcome,
  the weight sums of the rows where it is 1 and where it is observed, and the
  count of rows where it is observed (:func:`missing_sums`). That is R's
  ``na.rm = TRUE`` for each variable separately: a row missing outcome ``k``
  leaves outcome ``k``'s domain only.

No float copy of an outcome column is made for numpy integer / bool columns;
float and extension columns cost one ``uint8`` array each. The sums are exact
(the same additions as a per-outcome ``bincount``, in another order).

Examples
--------
>>> import numpy as np, pandas as pd
>>> o = binary_outcome("y", pd.Series([1.0, np.nan, 0.0, 1.0]), np.ones(4, bool))
>>> o.state.tolist(), o.n_missing, o.y.tolist()
([1, 2, 0, 1], 1, [1.0, nan, 0.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._jit import count32, float01_state, int01_state, parallel_map, pattern_keys, scatter_sum, scatter_sum2
from .kernel import Outcome

__all__ = ["BinaryOutcome", "binary_outcome", "clean_sums", "missing_sums", "pack_width"]

#: state code of a missing value
MISSING = 2
#: frames of at least this many rows sum their blocks of outcomes two at a time
_THREADED_ROWS = 100_000
#: at most this many bins per bincount (16 MB of float64 accumulators)
_MAX_BINS = 1 << 21


class BinaryOutcome(Outcome):
    """A 0/1 outcome kept as one ``uint8`` state per row (0, 1, 2 = missing).

    ``y`` (float, NaN = missing) is made on demand for the estimators that need
    row values (quantiles, GLMs, the multi-set grid).
    """

    def __init__(self, variable: str, state: np.ndarray, n_missing: int) -> None:
        self.variable, self.level, self.is_prop = variable, None, True
        self.state, self.n_missing = state, int(n_missing)

    @property
    def y(self) -> np.ndarray:
        return self.take(slice(None))

    @y.setter
    def y(self, value: np.ndarray) -> None:  # dataclass compatibility (Outcome.__init__ is not called)
        raise AttributeError("a BinaryOutcome's values are read-only")

    def take(self, rows: np.ndarray | slice) -> np.ndarray:
        """Float values of ``rows`` (NaN where missing)."""
        s = self.state[rows]
        out = s.astype(float)
        if self.n_missing:
            out[s == MISSING] = np.nan
        return out


def _count(x: np.ndarray, mask: np.ndarray, all_rows: bool) -> int:
    return int(np.count_nonzero(x if all_rows else x & mask))


def _float_state(v: np.ndarray, mask: np.ndarray, all_rows: bool) -> tuple[np.ndarray, int] | None:
    """``(state, n_missing)`` of a float column, or None when an observed value of
    ``mask`` is neither 0 nor 1 (also +-inf: the general path refuses it)."""
    if all_rows:   # one compiled pass (numpy passes without numba)
        state, n_missing, n_bad = float01_state(v)
        return None if n_bad else (state, n_missing)
    isn = np.isnan(v)
    ne = np.not_equal(v, 0.0)           # NaN != 0: True
    ones = _count(np.equal(v, 1.0), mask, all_rows)
    n_missing = int(np.count_nonzero(isn))
    if _count(ne, mask, all_rows) - _count(isn, mask, False) != ones:
        return None
    state = ne.view(np.uint8)
    if n_missing:
        np.add(state, isn.view(np.uint8), out=state)   # NaN: 1 + 1 = 2
    return state, n_missing


def _int_outcome(variable: str, vals: np.ndarray, mask: np.ndarray, all_rows: bool) -> BinaryOutcome | None:
    """0/1 integers: when every value is 0 or 1 (the OR of the values viewed as
    unsigned is at most 1: negative values set high bits) the state is the value
    as ``uint8`` (a view for 1-byte integers; for wider ones the OR and the cast
    are one compiled pass, :func:`~drugtrends.survey._jit.int01_state`)."""
    u = vals.view(f"u{vals.dtype.itemsize}")
    if u.itemsize == 1:
        if int(np.bitwise_or.reduce(u)) <= 1 if len(u) else True:
            return BinaryOutcome(variable, u.view(np.uint8), 0)
    else:
        state, acc = int01_state(u)
        if acc <= 1:
            return BinaryOutcome(variable, state, 0)
    if all_rows or np.greater(u[mask], 1).any():
        return None
    return BinaryOutcome(variable, np.not_equal(vals, 0).view(np.uint8), 0)


def binary_outcome(variable: str, col: pd.Series, mask: np.ndarray) -> BinaryOutcome | None:
    """The column as a :class:`BinaryOutcome` when it is numeric and every observed
    value among ``mask`` rows is 0 or 1; None otherwise (text, categorical, other
    numbers: the general path handles them).

    Missing values: float ``NaN`` and ``None`` / ``pd.NA`` of nullable and
    Arrow-backed columns, alike.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> m = np.ones(3, bool)
    >>> binary_outcome("y", pd.Series([1, 0, 1]), m).state.tolist()
    [1, 0, 1]
    >>> binary_outcome("y", pd.Series([1, None, 0], dtype="Int64"), m).state.tolist()
    [1, 2, 0]
    >>> binary_outcome("y", pd.Series([2, 0, 1]), m) is None
    True
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    all_rows = bool(mask.all())
    if isinstance(dtype, np.dtype):
        vals = col.to_numpy()
        if dtype.kind == "b":
            return BinaryOutcome(variable, vals.view(np.uint8), 0)
        if dtype.kind in "iu":
            return _int_outcome(variable, vals, mask, all_rows)
        if dtype.kind == "f":
            res = _float_state(vals, mask, all_rows)
            return None if res is None else BinaryOutcome(variable, *res)
        return None
    if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        return None
    try:   # nullable / Arrow-backed: one float copy of this column, NA -> NaN
        vals = col.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        return None
    res = _float_state(vals, mask, all_rows)
    return None if res is None else BinaryOutcome(variable, *res)


def pack_width(n_keys: int, base: int) -> int:
    """Outcomes per byte code: ``base^b`` patterns per key, at most ``_MAX_BINS``
    bins in all, ``b`` at most 8 (base 2) or 5 (base 3)."""
    top = 8 if base == 2 else 5
    b = 1
    while b < top and (n_keys + 1) * base ** (b + 1) <= _MAX_BINS:
        b += 1
    return b


def _code_key(key: np.ndarray, size: int, states: list[np.ndarray], base: int, code: np.ndarray,
              tmp: np.ndarray, out: np.ndarray) -> int:
    """``out = code * (size + 1) + key`` with ``code = sum_j states[j] base^j`` (code-major
    bins: the rows of the most common pattern hit one dense run of ``size + 1`` bins,
    not bins a power of two apart, which share cache sets). Returns ``base^len(states)``."""
    if pattern_keys(key, states, base, size + 1, out):   # one compiled pass
        return int(base ** len(states))
    np.copyto(code, states[0])
    for j, s in enumerate(states[1:], start=1):
        np.multiply(s, np.uint8(base ** j), out=tmp)    # uint8 multiply-add: vectorised
        np.add(code, tmp, out=code)
    np.multiply(code, np.int64(size + 1), out=out)
    np.add(out, key, out=out)
    return int(base ** len(states))


def _pattern_sums(k: np.ndarray, size: int, nb: int, weights: np.ndarray | None, select: np.ndarray) -> np.ndarray:
    """``(size, c)``: per key, the sums of ``weights`` (``None``: row counts) over the
    patterns selected by each column of ``select`` (``(nb, c)`` 0/1)."""
    sw = scatter_sum(k, weights, nb * (size + 1))
    out: np.ndarray = (select.T @ sw.reshape(nb, size + 1))[:, :size].T
    return out


def clean_sums(key: np.ndarray, size: int, w: np.ndarray, states: list[np.ndarray]) -> np.ndarray:
    """Weighted sums ``(size, len(states))`` of 0/1 states (no missing value), up to 8
    outcomes per ``bincount``.

    Examples
    --------
    >>> import numpy as np
    >>> k, w = np.array([0, 0, 1]), np.array([1.0, 2.0, 4.0])
    >>> clean_sums(k, 2, w, [np.array([1, 0, 1], np.uint8), np.array([1, 1, 0], np.uint8)]).tolist()
    [[1.0, 3.0], [4.0, 0.0]]
    """
    out = np.empty((size, len(states)))
    b = pack_width(size, 2)

    def one_block(lo: int) -> None:
        block = states[lo:lo + b]
        code, tmp = np.empty(len(key), dtype=np.uint8), np.empty(len(key), dtype=np.uint8)
        k2 = np.empty(len(key), dtype=np.int64)
        nb = _code_key(key, size, block, 2, code, tmp, k2)
        bits = (np.arange(nb)[:, None] >> np.arange(len(block))[None, :]) & 1
        out[:, lo:lo + len(block)] = _pattern_sums(k2, size, nb, w, bits.astype(float))

    _blocks(one_block, range(0, len(states), b), len(key))
    return out


def _blocks(fn: Callable[[int], None], starts: range, n_rows: int) -> None:
    """``fn(lo)`` for every block; two blocks at a time on large frames (the compiled
    passes and the matrix products release the GIL; each block writes its own columns)."""
    if n_rows >= _THREADED_ROWS:
        parallel_map(fn, list(starts), min_items=2)
    else:
        for lo in starts:
            fn(lo)


def missing_sums(key: np.ndarray, size: int, w: np.ndarray, wpos: np.ndarray | None,
                 states: list[np.ndarray], nrow: np.ndarray | None = None, wsum: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(A, B, N, P)``, each ``(size, len(states))``, of 0/1/missing states.

    ``A``: weights of rows with state 1; ``B``: of rows observed (state 0 or 1);
    ``N``: rows observed; ``P``: rows observed with a positive weight (``wpos``;
    None when every weight is positive, then ``P = N``).

    Two ways. With every weight positive and the keys' row counts ``nrow`` and
    weight sums ``wsum`` given, 8 outcomes per pass: ``A`` from the bits
    ``state == 1`` (as :func:`clean_sums`), and the weights and rows of the
    *missing* values per (pattern of missing values, key), so ``B = wsum -
    missing weights`` and ``N = nrow - missing rows`` (exactly 0 where every
    row is missing); missing values are rare, so that second table is mostly
    one hot row. Otherwise 5 outcomes per pass in base 3 (0, 1, missing), the
    weights and row counts of every pattern.

    Examples
    --------
    >>> import numpy as np
    >>> k, w = np.array([0, 0, 1]), np.array([1.0, 2.0, 4.0])
    >>> A, B, N, P = missing_sums(k, 2, w, None, [np.array([1, 2, 0], np.uint8)])
    >>> A.ravel().tolist(), B.ravel().tolist(), N.ravel().tolist()
    ([1.0, 0.0], [1.0, 4.0], [1.0, 1.0])
    >>> fast = missing_sums(k, 2, w, None, [np.array([1, 2, 0], np.uint8)], nrow=np.array([2, 1]),
    ...                     wsum=np.array([3.0, 4.0]))
    >>> [x.ravel().tolist() for x in fast[:3]]
    [[1.0, 0.0], [1.0, 4.0], [1.0, 1.0]]
    """
    m = len(states)
    A, B, N = (np.empty((size, m)) for _ in range(3))
    P = N if wpos is None else np.empty((size, m))
    if wpos is None and nrow is not None and wsum is not None:
        b = pack_width(size, 2)
        nrow_, wsum_ = nrow, wsum

        def one_block(lo: int) -> None:
            block = states[lo:lo + b]
            nb = 1 << len(block)
            k1, km = np.empty(len(key), dtype=np.int64), np.empty(len(key), dtype=np.int64)
            if not pattern_keys(key, block, 2, size + 1, k1, km):
                code, tmp = np.empty(len(key), dtype=np.uint8), np.empty(len(key), dtype=np.uint8)
                _code_key(key, size, [np.equal(x, 1).view(np.uint8) for x in block], 2, code, tmp, k1)
                _code_key(key, size, [np.equal(x, MISSING).view(np.uint8) for x in block], 2, code, tmp, km)
            bits = ((np.arange(nb)[:, None] >> np.arange(len(block))[None, :]) & 1).astype(float)
            sl = slice(lo, lo + len(block))
            A[:, sl] = (bits.T @ scatter_sum(k1, w, nb * (size + 1)).reshape(nb, size + 1))[:, :size].T
            mw = (bits.T @ scatter_sum(km, w, nb * (size + 1)).reshape(nb, size + 1))[:, :size].T
            mn = (bits.astype(np.float32).T @ count32(km, nb * (size + 1)).reshape(nb, size + 1))[:, :size].T
            N[:, sl] = nrow_[:, None] - mn.astype(float)      # exact: integers below 2^24
            B[:, sl] = np.where(N[:, sl] > 0, wsum_[:, None] - mw, 0.0)

        _blocks(one_block, range(0, m, b), len(key))
        return A, B, N, P
    b = pack_width(size, 3)
    code, tmp = np.empty(len(key), dtype=np.uint8), np.empty(len(key), dtype=np.uint8)
    k3 = np.empty(len(key), dtype=np.int64)
    for lo in range(0, m, b):
        block = states[lo:lo + b]
        nb = _code_key(key, size, block, 3, code, tmp, k3)
        digit = (np.arange(nb)[:, None] // 3 ** np.arange(len(block))[None, :]) % 3
        one, obs = (digit == 1).astype(float), (digit != MISSING).astype(float)
        sl = slice(lo, lo + len(block))
        sw, sn = scatter_sum2(k3, w, nb * (size + 1))      # weights and row counts, one pass
        AB = (np.hstack([one, obs]).T @ sw.reshape(nb, size + 1))[:, :size].T
        A[:, sl], B[:, sl] = AB[:, :len(block)], AB[:, len(block):]
        N[:, sl] = (obs.T @ sn.reshape(nb, size + 1))[:, :size].T
        if wpos is not None:
            P[:, sl] = _pattern_sums(k3, size, nb, wpos, obs)
    return A, B, N, P
