"""Compiled one-pass kernels for the everyday call (issue 27), with numpy fallbacks.

The grouped pass of ``des.mean(45 indicators, by=[...])`` reads every outcome
column once to turn it into a ``uint8`` state per row (0, 1, 2 = missing) and
to check that it is a 0/1 column. In numpy that takes several passes per
column (an OR-reduction and a cast for integers; ``isnan``, two comparisons and
three counts for floats). The kernels below do it in one branch-free pass per
column, compiled by `numba <https://numba.pydata.org>`_ (a well-kept JIT
compiler for numpy code; the machine code is cached on disk after the first
call, ``cache=True``). They release the GIL (``nogil=True``), so several
columns convert at once on several cores.

When numba cannot be imported (a Python version it does not support yet),
:data:`HAVE_NUMBA` is False and the callers keep their numpy paths; the
results are the same (tests/test_survey_jit.py compares both on every dtype).

Examples
--------
>>> import numpy as np
>>> state, acc = int01_state(np.array([0, 1, 1, 0]))
>>> state.tolist(), acc
([0, 1, 1, 0], 1)
>>> state, n_missing, n_bad = float01_state(np.array([0.0, 1.0, np.nan, 1.0]))
>>> state.tolist(), n_missing, n_bad
([0, 1, 2, 1], 1, 0)
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

__all__ = ["HAVE_NUMBA", "combine_codes", "count32", "int_combo", "float01_state", "int01_state", "pair_keys", "parallel_map",
           "pattern_keys", "presence", "scatter_sum", "scatter_sum2", "take"]

#: whether the compiled kernels are in use: numba is installed and not disabled by
#: the environment variable ``DRUGTRENDS_NO_NUMBA`` (numba itself is imported on the
#: first compiled call, so ``import drugtrends`` does not pay for it)
HAVE_NUMBA = importlib.util.find_spec("numba") is not None and not os.environ.get("DRUGTRENDS_NO_NUMBA")

T = TypeVar("T")
R = TypeVar("R")


def _int01_py(a: np.ndarray, out: np.ndarray) -> int:
    u = a.view(f"u{a.dtype.itemsize}")
    acc = int(np.bitwise_or.reduce(u)) if len(u) else 0
    np.copyto(out, u, casting="unsafe")
    return acc


def _float01_py(a: np.ndarray, out: np.ndarray) -> tuple[int, int]:
    isn = np.isnan(a)
    one = np.equal(a, 1.0)
    n_missing = int(np.count_nonzero(isn))
    n_bad = len(a) - n_missing - int(np.count_nonzero(one)) - int(np.count_nonzero(np.equal(a, 0.0)))
    np.add(one.view(np.uint8), isn.view(np.uint8) * np.uint8(2), out=out)
    return n_missing, n_bad


@functools.cache
def _compiled(fn: Callable[..., object]) -> Callable[..., Any]:
    import numba

    out: Callable[..., Any] = numba.njit(nogil=True, cache=True)(fn)
    return out


def _compile(fn: Callable[..., object]) -> Callable[..., Any]:
    """``numba.njit(nogil=True, cache=True)``, applied on the first call (numba is
    imported then); the machine code is cached on disk and the GIL is released
    while it runs."""
    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        return _compiled(fn)(*args)
    return call


if HAVE_NUMBA:
    @_compile
    def _int01_nb(a: np.ndarray, out: np.ndarray) -> Any:  # pragma: no cover - compiled
        acc = a.dtype.type(0)
        for r in range(a.shape[0]):
            v = a[r]
            acc |= v
            out[r] = v
        return acc

    @_compile
    def _float01_nb(a: np.ndarray, out: np.ndarray) -> tuple[int, int]:  # pragma: no cover - compiled
        n_missing = 0
        n_ok = 0
        for r in range(a.shape[0]):
            v = a[r]
            one = v == 1.0
            miss = v != v
            out[r] = one + 2 * miss
            n_missing += miss
            n_ok += one | miss | (v == 0.0)
        return n_missing, a.shape[0] - n_ok


    @_compile
    def _keys2(key: np.ndarray, s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray,
               s4: np.ndarray, s5: np.ndarray, s6: np.ndarray, s7: np.ndarray, stride: int,
               out: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(key.shape[0]):
            c = (np.int64(s0[r]) | (np.int64(s1[r]) << 1) | (np.int64(s2[r]) << 2) | (np.int64(s3[r]) << 3)
                 | (np.int64(s4[r]) << 4) | (np.int64(s5[r]) << 5) | (np.int64(s6[r]) << 6)
                 | (np.int64(s7[r]) << 7))
            out[r] = c * stride + key[r]

    @_compile
    def _keys3(key: np.ndarray, s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray,
               s4: np.ndarray, stride: int, out: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(key.shape[0]):
            c = (np.int64(s0[r]) + 3 * np.int64(s1[r]) + 9 * np.int64(s2[r]) + 27 * np.int64(s3[r])
                 + 81 * np.int64(s4[r]))
            out[r] = c * stride + key[r]


    @_compile
    def _keys2m(key: np.ndarray, s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray,
                s4: np.ndarray, s5: np.ndarray, s6: np.ndarray, s7: np.ndarray, stride: int,
                out: np.ndarray, outm: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(key.shape[0]):
            a0 = s0[r]
            a1 = s1[r]
            a2 = s2[r]
            a3 = s3[r]
            a4 = s4[r]
            a5 = s5[r]
            a6 = s6[r]
            a7 = s7[r]
            c = np.int64((a0 & 1) | ((a1 & 1) << 1) | ((a2 & 1) << 2) | ((a3 & 1) << 3) | ((a4 & 1) << 4)
                         | ((a5 & 1) << 5) | ((a6 & 1) << 6) | ((a7 & 1) << 7))
            mc = np.int64((a0 >> 1) | ((a1 >> 1) << 1) | ((a2 >> 1) << 2) | ((a3 >> 1) << 3) | ((a4 >> 1) << 4)
                          | ((a5 >> 1) << 5) | ((a6 >> 1) << 6) | ((a7 >> 1) << 7))
            k = key[r]
            out[r] = c * stride + k
            outm[r] = mc * stride + k

    @_compile
    def _scatter_w(k: np.ndarray, w: np.ndarray, out: np.ndarray) -> int:  # pragma: no cover - compiled
        nbins = out.shape[0]
        bad = 0
        for r in range(k.shape[0]):
            kk = k[r]
            if 0 <= kk < nbins:
                out[kk] += w[r]
            else:
                bad += 1
        return bad

    @_compile
    def _scatter_u(k: np.ndarray, out: np.ndarray) -> int:  # pragma: no cover - compiled
        # row counts into float64 or float32 bins (numba compiles one version per dtype)
        nbins = out.shape[0]
        bad = 0
        for r in range(k.shape[0]):
            kk = k[r]
            if 0 <= kk < nbins:
                out[kk] += 1.0
            else:
                bad += 1
        return bad

    @_compile
    def _scatter_wu(k: np.ndarray, w: np.ndarray, outw: np.ndarray, outu: np.ndarray) -> int:  # pragma: no cover
        nbins = outw.shape[0]
        bad = 0
        for r in range(k.shape[0]):
            kk = k[r]
            if 0 <= kk < nbins:
                outw[kk] += w[r]
                outu[kk] += 1.0
            else:
                bad += 1
        return bad

    @_compile
    def _combo1(a: np.ndarray, la: int, out: np.ndarray, present: np.ndarray) -> None:  # pragma: no cover
        for r in range(a.shape[0]):
            c = a[r] - la
            out[r] = c
            present[c] = True

    @_compile
    def _combo2(a: np.ndarray, b: np.ndarray, la: int, lb: int, kb: int, out: np.ndarray,
                present: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(a.shape[0]):
            c = (a[r] - la) * kb + (b[r] - lb)
            out[r] = c
            present[c] = True

    @_compile
    def _combo3(a: np.ndarray, b: np.ndarray, d: np.ndarray, la: int, lb: int, ld: int, kb: int, kd: int,
                out: np.ndarray, present: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(a.shape[0]):
            c = ((a[r] - la) * kb + (b[r] - lb)) * kd + (d[r] - ld)
            out[r] = c
            present[c] = True

    @_compile
    def _presence_nb(codes: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(codes.shape[0]):
            out[codes[r]] = True

    @_compile
    def _combine_nb(combo: np.ndarray, k: int, cd: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(combo.shape[0]):
            combo[r] = combo[r] * k + cd[r]

    @_compile
    def _pair_full_nb(codes: np.ndarray, psu: np.ndarray, U: int, outside: int, full: np.ndarray,
                      nrow: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(codes.shape[0]):
            c = codes[r]
            f = c * U + psu[r] if c >= 0 else outside
            full[r] = f
            nrow[f] += 1

    @_compile
    def _take_nb(table: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
        for r in range(idx.shape[0]):
            out[r] = table[idx[r]]


def scatter_sum(k: np.ndarray, weights: np.ndarray | None, nbins: int) -> np.ndarray:
    """``numpy.bincount(k, weights, minlength=nbins)`` as float64: one compiled pass
    (bincount also scans ``k`` for its minimum and maximum first; twice as slow).

    Parameters
    ----------
    k : ndarray of int64
        Bin of each row, ``0 <= k < nbins``.
    weights : ndarray of float64, optional
        None counts the rows.
    nbins : int

    Returns
    -------
    ndarray of float64, length ``nbins``

    Raises
    ------
    IndexError
        A bin outside ``[0, nbins)`` (never from the callers; checked, not trusted).

    Examples
    --------
    >>> import numpy as np
    >>> scatter_sum(np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), 4).tolist()
    [1.0, 0.0, 5.0, 0.0]
    >>> scatter_sum(np.array([0, 2, 2]), None, 3).tolist()
    [1.0, 0.0, 2.0]
    """
    if HAVE_NUMBA and k.dtype == np.int64 and k.flags.c_contiguous and (
            weights is None or (weights.dtype == np.float64 and weights.flags.c_contiguous)):
        out = np.zeros(nbins)
        bad = _scatter_u(k, out) if weights is None else _scatter_w(k, weights, out)
        if bad:
            raise IndexError(f"scatter_sum: {bad} bin(s) outside [0, {nbins})")
        return out
    res: np.ndarray = np.bincount(k, weights=weights, minlength=nbins).astype(float, copy=False)
    if len(res) > nbins:
        raise IndexError(f"scatter_sum: bin(s) outside [0, {nbins})")
    return res


def count32(k: np.ndarray, nbins: int) -> np.ndarray:
    """Row counts per bin as float32 (exact below 2^24 rows: half the memory of
    :func:`scatter_sum`, so small count tables stay in the L2 cache).

    Parameters
    ----------
    k : ndarray of int64
        Bin of each row, ``0 <= k < nbins``.
    nbins : int

    Returns
    -------
    ndarray of float32

    Examples
    --------
    >>> import numpy as np
    >>> count32(np.array([1, 1, 0]), 3).tolist()
    [1.0, 2.0, 0.0]
    """
    if len(k) >= 1 << 24:
        return scatter_sum(k, None, nbins)   # float32 would round such counts
    if HAVE_NUMBA and k.dtype == np.int64 and k.flags.c_contiguous:
        out = np.zeros(nbins, dtype=np.float32)
        if _scatter_u(k, out):
            raise IndexError(f"count32: bin(s) outside [0, {nbins})")
        return out
    return scatter_sum(k, None, nbins).astype(np.float32)


def scatter_sum2(k: np.ndarray, weights: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scatter_sum` with the weights and without (row counts), in one pass.

    Parameters
    ----------
    k : ndarray of int64
    weights : ndarray of float64
    nbins : int

    Returns
    -------
    (weighted, counts) : two float64 arrays of length ``nbins``

    Examples
    --------
    >>> import numpy as np
    >>> [a.tolist() for a in scatter_sum2(np.array([1, 1]), np.array([0.5, 2.0]), 2)]
    [[0.0, 2.5], [0.0, 2.0]]
    """
    if HAVE_NUMBA and k.dtype == np.int64 and k.flags.c_contiguous and weights.dtype == np.float64 \
            and weights.flags.c_contiguous:
        outw, outu = np.zeros(nbins), np.zeros(nbins)
        bad = _scatter_wu(k, weights, outw, outu)
        if bad:
            raise IndexError(f"scatter_sum2: {bad} bin(s) outside [0, {nbins})")
        return outw, outu
    return scatter_sum(k, weights, nbins), scatter_sum(k, None, nbins)


def int_combo(columns: Sequence[np.ndarray], lows: Sequence[int], sizes: Sequence[int]
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """Mixed-radix code of 1 to 3 small-range integer columns and which codes occur,
    in one pass: ``combo = sum_i (v_i - low_i) * prod(sizes[i+1:])``.

    Parameters
    ----------
    columns : sequence of ndarray of int (1 to 3, contiguous)
    lows : sequence of int
        Each column's minimum.
    sizes : sequence of int
        Each column's range (``max - min + 1``).

    Returns
    -------
    (combo, present) : int64 codes per row and a bool array over ``prod(sizes)``,
    or None (no compiled kernels, or not 1 to 3 contiguous integer columns).

    Examples
    --------
    >>> import numpy as np
    >>> r = int_combo([np.array([2020, 2021, 2021]), np.array([1, 2, 1])], [2020, 1], [2, 2])
    >>> [x.tolist() for x in r] if r else [[0, 3, 2], [True, False, True, True]]
    [[0, 3, 2], [True, False, True, True]]
    """
    if not HAVE_NUMBA or not 1 <= len(columns) <= 3 or not all(
            c.dtype.kind == "i" and c.flags.c_contiguous for c in columns):
        return None
    n = len(columns[0])
    out = np.empty(n, dtype=np.int64)
    present = np.zeros(int(np.prod(sizes)), dtype=bool)
    if len(columns) == 1:
        _combo1(columns[0], int(lows[0]), out, present)
    elif len(columns) == 2:
        _combo2(columns[0], columns[1], int(lows[0]), int(lows[1]), int(sizes[1]), out, present)
    else:
        _combo3(columns[0], columns[1], columns[2], int(lows[0]), int(lows[1]), int(lows[2]),
                int(sizes[1]), int(sizes[2]), out, present)
    return out, present


def presence(codes: np.ndarray, size: int) -> np.ndarray:
    """Which of ``0 .. size-1`` occur in ``codes`` (one pass; ``bincount(codes) > 0``).

    Parameters
    ----------
    codes : ndarray of int
        Values in ``[0, size)``.
    size : int

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> presence(np.array([0, 2, 2]), 4).tolist()
    [True, False, True, False]
    """
    if HAVE_NUMBA and codes.flags.c_contiguous and len(codes):
        out = np.zeros(size, dtype=bool)
        _presence_nb(codes, out)
        return out
    return np.bincount(codes, minlength=size)[:size] > 0


def combine_codes(combo: np.ndarray, k: int, cd: np.ndarray) -> np.ndarray:
    """``combo * k + cd``, in place when compiled (int64 codes of several columns).

    Parameters
    ----------
    combo : ndarray of int64
        Codes so far (overwritten).
    k : int
        Number of levels of the next column.
    cd : ndarray of int
        The next column's codes.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> combine_codes(np.array([0, 1, 1]), 3, np.array([2, 0, 1])).tolist()
    [2, 3, 4]
    """
    if HAVE_NUMBA and combo.dtype == np.int64 and combo.flags.c_contiguous and cd.flags.c_contiguous:
        _combine_nb(combo, int(k), cd)
        return combo
    out: np.ndarray = combo * k + cd
    return out


def pair_keys(codes: np.ndarray, psu: np.ndarray, U: int, D: int) -> tuple[np.ndarray, np.ndarray]:
    """``full = codes * U + psu`` (``D * U`` for rows in no domain, ``codes < 0``) and the
    row count of every value of ``full`` (``D * U + 1`` bins), in one pass.

    Parameters
    ----------
    codes : ndarray of int64
        Domain of each row, -1 for none.
    psu : ndarray of int
        PSU of each row, ``0 <= psu < U``.
    U, D : int
        Numbers of PSUs and domains.

    Returns
    -------
    full : ndarray of int64
    nrow : ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> f, n = pair_keys(np.array([0, 1, -1]), np.array([1, 0, 1]), 2, 2)
    >>> f.tolist(), n.tolist()
    ([1, 2, 4], [0, 1, 1, 0, 1])
    """
    if HAVE_NUMBA and codes.dtype == np.int64 and codes.flags.c_contiguous and psu.flags.c_contiguous:
        full = np.empty(len(codes), dtype=np.int64)
        nrow = np.zeros(D * U + 1, dtype=np.int64)
        _pair_full_nb(codes, psu, U, D * U, full, nrow)
        return full, nrow
    full = np.where(codes >= 0, codes * U + psu, D * U)
    return full, np.bincount(full, minlength=D * U + 1)


def take(table: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``table[idx]`` (a compiled gather when available).

    Parameters
    ----------
    table : ndarray of int64
    idx : ndarray of int64

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> import numpy as np
    >>> take(np.array([5, 6, 7]), np.array([2, 0])).tolist()
    [7, 5]
    """
    if HAVE_NUMBA and idx.flags.c_contiguous and table.dtype == np.int64:
        out = np.empty(len(idx), dtype=np.int64)
        _take_nb(table, idx, out)
        return out
    res: np.ndarray = table[idx]
    return res


def pattern_keys(key: np.ndarray, states: Sequence[np.ndarray], base: int, stride: int,
                 out: np.ndarray, out_missing: np.ndarray | None = None) -> bool:
    """``out = code * stride + key`` with ``code = sum_j states[j] base^j``, in one
    compiled pass (up to 8 states in base 2, 5 in base 3).

    Parameters
    ----------
    key : ndarray of int64
        Bin of each row (``0 <= key < stride``).
    states : sequence of ndarray of uint8
        Digits (0/1 in base 2; 0/1/2 in base 3), contiguous.
    base : {2, 3}
    stride : int
    out : ndarray of int64
        Written in place.
    out_missing : ndarray of int64, optional (base 2 only)
        Also written: ``mcode * stride + key``, ``mcode = sum_j [states[j] == 2] 2^j``
        (which of the outcomes are missing); the states are then 0, 1 or 2
        (missing) and ``out`` codes the bits ``states[j] == 1``.

    Returns
    -------
    bool
        False when the compiled kernels are not available (``out`` untouched:
        the caller computes it with numpy).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(2, dtype=np.int64)
    >>> s = [np.array([1, 0], np.uint8), np.array([1, 1], np.uint8)]
    >>> ok = pattern_keys(np.array([0, 1]), s, 2, 10, out)
    >>> out.tolist() if ok else [30, 21]
    [30, 21]
    """
    width = 8 if base == 2 else 5
    if not HAVE_NUMBA or len(states) > width or not all(x.flags.c_contiguous for x in states):
        return False
    pad = [np.zeros(len(key), dtype=np.uint8)] * (width - len(states)) if len(states) < width else []
    args = [np.ascontiguousarray(x, dtype=np.uint8) for x in states] + pad
    if base == 2 and out_missing is not None:
        _keys2m(key, *args, stride, out, out_missing)
    elif base == 2:
        _keys2(key, *args, stride, out)
    elif out_missing is not None:
        return False   # base 3 codes missing values as a digit already
    else:
        _keys3(key, *args, stride, out)
    return True


def int01_state(a: np.ndarray) -> tuple[np.ndarray, int]:
    """One pass over an integer column: its low byte as ``uint8`` and the OR of all
    its values (as unsigned), so ``acc <= 1`` means every value is 0 or 1.

    Parameters
    ----------
    a : ndarray of int or uint (1-D)

    Returns
    -------
    state : ndarray of uint8
        ``a`` cast to ``uint8`` (the state when ``acc <= 1``).
    acc : int
        Bitwise OR of the values viewed as unsigned (negative values set high bits).

    Examples
    --------
    >>> import numpy as np
    >>> int01_state(np.array([1, 0, 2]))[1]
    3
    >>> int01_state(np.array([0, -1]))[1] > 1
    True
    """
    out = np.empty(a.shape[0], dtype=np.uint8)
    u = a.view(f"u{a.dtype.itemsize}")
    if HAVE_NUMBA and u.flags.c_contiguous:
        return out, int(_int01_nb(u, out))
    return out, _int01_py(a, out)


def float01_state(a: np.ndarray) -> tuple[np.ndarray, int, int]:
    """One pass over a float column: state 0, 1 or 2 (NaN) per row, the number of
    missing values and the number of values that are neither 0, 1 nor NaN.

    Parameters
    ----------
    a : ndarray of float64 (1-D)

    Returns
    -------
    state : ndarray of uint8
        1 where the value is 1, 2 where it is NaN, 0 otherwise (meaningful when
        ``n_bad == 0``).
    n_missing : int
    n_bad : int
        Values other than 0, 1 and NaN (an infinite value included).

    Examples
    --------
    >>> import numpy as np
    >>> float01_state(np.array([0.5, np.inf, np.nan]))[1:]
    (1, 2)
    """
    a = np.asarray(a, dtype=np.float64)
    out = np.empty(a.shape[0], dtype=np.uint8)
    if HAVE_NUMBA and a.flags.c_contiguous:
        n_missing, n_bad = _float01_nb(a, out)
        return out, int(n_missing), int(n_bad)
    n_missing, n_bad = _float01_py(a, out)
    return out, n_missing, n_bad


@functools.cache
def _pool(workers: int) -> ThreadPoolExecutor:
    """The one thread pool of the kernels (made on first use, kept for the process)."""
    return ThreadPoolExecutor(workers, thread_name_prefix="drugtrends-jit")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], min_items: int = 4) -> list[R]:
    """``[fn(x) for x in items]``, on two threads when there are at least ``min_items``
    items and the compiled kernels (which release the GIL) are in use.

    Parameters
    ----------
    fn : callable
    items : sequence
    min_items : int, default 4

    Returns
    -------
    list
        In the order of ``items``.

    Examples
    --------
    >>> parallel_map(lambda x: x * 2, [1, 2, 3])
    [2, 4, 6]
    """
    workers = min(2, os.cpu_count() or 1)
    if not HAVE_NUMBA or workers < 2 or len(items) < min_items:
        return [fn(x) for x in items]
    return list(_pool(workers).map(fn, items))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)

