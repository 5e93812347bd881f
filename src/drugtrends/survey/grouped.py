"""The in-memory grouped pass: outcomes, domain codes and sufficient statistics.

For a pandas design every estimator runs through :func:`inmemory_totals`
(Taylor designs) or :func:`replicate_totals` (replicate weights): one grouped
pass over the rows yields the sums of :class:`drugtrends.survey.kernel.Totals`
per domain x PSU (the in-memory twin of the SQL ``GROUP BY`` of
:mod:`drugtrends.survey.sql`), and :func:`drugtrends.survey.kernel.linearise`
does the rest. Rows are never copied into an ``n x k`` matrix: each outcome
column is summed by ``numpy.bincount`` over one integer key (domain x PSU), or,
for several domain sets at once (:meth:`SurveyDesign.grid`), by one small
matrix product per PSU (:func:`drugtrends.survey.aggregate.grouped_psu_totals`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"g": ["b", "a", "b"], "y": [1.0, 0.0, np.nan]})
>>> outs = outcome_columns(df, ["y"], np.ones(3, bool))
>>> [(o.variable, o.is_prop) for o in outs]
[('y', True)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..validate import as_list, require_columns, require_unique
from . import aggregate as agg
from ._jit import combine_codes, int_combo, pair_keys, parallel_map, presence, scatter_sum, take
from ._packed import BinaryOutcome, binary_outcome, clean_sums, missing_sums
from .kernel import DesignStructure, Outcome, ReplicateTotals, Totals

__all__ = ["outcome_columns", "fast_domain_codes", "normalise_sets", "domain_keys",
           "inmemory_totals", "replicate_totals", "replicate_rank", "IntOutcome"]


# --------------------------------------------------------------------------- outcomes
class IntOutcome(Outcome):
    """A plain integer / bool outcome column: no missing values; ``y`` made on demand.

    Parameters
    ----------
    variable : str
        The column.
    values : ndarray of int or bool
        Its values (no missing value).
    is_prop : bool
        The values are 0/1 (a proportion).

    Examples
    --------
    >>> import numpy as np
    >>> o = IntOutcome("y", np.array([0, 1, 1]), True)
    >>> o.y.tolist(), o.level, o.is_prop
    ([0.0, 1.0, 1.0], None, True)
    """

    def __init__(self, variable: str, values: np.ndarray, is_prop: bool) -> None:
        self.variable, self.level, self.is_prop = variable, None, is_prop
        self.values = values

    @property
    def y(self) -> np.ndarray:
        return self.values.astype(float)

    @y.setter
    def y(self, value: np.ndarray) -> None:  # dataclass compatibility
        self.values = value


def _first_row(data: pd.DataFrame, bad: np.ndarray) -> tuple[int, Any]:
    pos = int(np.flatnonzero(bad)[0])
    lab = data.index[pos]
    return pos, lab.item() if isinstance(lab, np.generic) else lab


def _numeric_values(data: pd.DataFrame, v: str, mask: np.ndarray) -> np.ndarray:
    """Float values of a numeric outcome; infinite values are refused."""
    y: np.ndarray = data[v].to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(y) & mask
    if bad.any():
        pos, lab = _first_row(data, bad)
        raise InputError(f"outcome {v!r} has an infinite value ({y[pos]:g}) at row {lab!r} "
                         f"(position {pos}; {int(bad.sum())} in all): an estimate from it would be "
                         "infinite with a meaningless SE. Set those values to NaN (missing) or fix them.")
    return y


def _levels(col: pd.Series, mask: np.ndarray, v: str, data: pd.DataFrame) -> list[Any]:
    sub = col[mask]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(sub.dropna().unique())
        return [x for x in col.cat.categories if x in present]
    vals = sub.dropna().unique().tolist()
    kinds = {type(x).__name__ for x in vals if not isinstance(x, (bool, np.bool_))}
    texty = {k for k in kinds if k in ("str", "bytes")}
    if texty and len(kinds) > len(texty):
        is_text = np.array([isinstance(x, (str, bytes)) for x in col.to_numpy()]) & mask
        pos, lab = _first_row(data, is_text)
        raise InputError(f"outcome {v!r} mixes text and numbers (text {col.iloc[pos]!r} at row {lab!r}): "
                         "recode it to numbers (pd.to_numeric(..., errors='coerce')) or to text "
                         "categories before estimating.")
    try:
        return sorted(vals)
    except TypeError:
        raise InputError(f"outcome {v!r} has values of several types ({sorted(kinds)}) that cannot be "
                         "ordered: recode it to one type.") from None


def outcome_columns(data: pd.DataFrame, variables: str | Sequence[str] | None, mask: np.ndarray,
                    categorical: bool = False) -> list[Outcome]:
    """Row values of the outcomes: one :class:`Outcome` per numeric column or per level.

    Numeric columns give one outcome (``is_prop`` when every value in ``mask``
    is 0 or 1); text / categorical columns (or every column with
    ``categorical=True``) give one 0/1 outcome per level present in ``mask``.

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    variables : str or list of str
        Outcome columns.
    mask : ndarray of bool
        Rows in the (sub)population.
    categorical : bool
        One 0/1 outcome per level (proportions) instead of the numeric values.

    Raises
    ------
    UnknownVariableError, InputError
        Unknown, duplicated or empty outcome lists; infinite values; text mixed
        with numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"r": ["x", "y", None]})
    >>> [(o.variable, o.level) for o in outcome_columns(df, "r", np.ones(3, bool))]
    [('r', 'x'), ('r', 'y')]
    """
    variables = require_unique(as_list(variables), "the outcome list")
    if not variables:
        raise InputError("give at least one outcome variable")
    require_columns(data, variables, "outcome")
    out: list[Outcome] = []
    for v in variables:
        col = data[v]
        numeric = (pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype)) \
            or pd.api.types.is_bool_dtype(col)
        if numeric and not categorical:
            y = _numeric_values(data, v, mask)
            vals = y[mask & ~np.isnan(y)]
            out.append(Outcome(v, None, y, bool(np.all((vals == 0.0) | (vals == 1.0)))))
            continue
        levels = _levels(col, mask, v, data)
        miss = col.isna().to_numpy()
        for lev in levels:
            y = (col == lev).to_numpy(dtype=float, na_value=0.0)
            y[miss] = np.nan
            out.append(Outcome(v, lev, y, True))
        if not levels:
            out.append(Outcome(v, None, np.full(len(col), np.nan), True))
    return out


def fast_outcomes(data: pd.DataFrame, variables: str | Sequence[str] | None, mask: np.ndarray) -> list[Outcome]:
    """:func:`outcome_columns` with fast paths that copy no column to float: 0/1 columns
    (with or without missing values, any numeric storage) become
    :class:`~drugtrends.survey._packed.BinaryOutcome` (one ``uint8`` state per row),
    other plain integer / bool columns :class:`IntOutcome`."""
    variables = require_unique(as_list(variables), "the outcome list")
    if not variables:
        raise InputError("give at least one outcome variable")
    require_columns(data, variables, "outcome")
    out: list[Outcome] = []
    # the 0/1 conversions are compiled passes that release the GIL: two columns at a time
    # on large frames (a pure memory-bandwidth job, so more threads than two bring nothing)
    big = len(data) >= 100_000 and len(variables) >= 4
    bos = parallel_map(lambda v: binary_outcome(v, data[v], mask), variables) if big else None
    for i, v in enumerate(variables):
        col = data[v]
        bo = bos[i] if bos is not None else binary_outcome(v, col, mask)
        if bo is not None:
            out.append(bo)
        elif (pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col)) \
                and not pd.api.types.is_extension_array_dtype(col):
            vals = col.to_numpy()
            sub = vals if mask.all() else vals[mask]
            out.append(IntOutcome(v, vals, bool(sub.size == 0 or (sub.min() >= 0 and sub.max() <= 1))))
        else:
            out.extend(outcome_columns(data, [v], mask))
    return out


def _take(o: Outcome, rows: np.ndarray) -> np.ndarray:
    """Values of ``rows`` of an outcome (NaN = missing), without materialising the column."""
    if isinstance(o, BinaryOutcome):
        return o.take(rows)
    if isinstance(o, IntOutcome):
        v: np.ndarray = o.values[rows]
        return v
    y: np.ndarray = o.y[rows]
    return y


# --------------------------------------------------------------------------- domains
def normalise_sets(by_sets: Any) -> list[tuple[str, ...]]:
    """Domain sets as a list of distinct tuples (``None`` -> the whole population).

    Parameters
    ----------
    by_sets : None, str, or sequence of str / tuples
        The domain sets asked for.

    Examples
    --------
    >>> normalise_sets([(), "year", ["year", "sex"], ("year",)])
    [(), ('year',), ('year', 'sex')]
    """
    if by_sets is None:
        return [()]
    if isinstance(by_sets, str):
        return [(by_sets,)]
    out = []
    for s in by_sets:
        t = tuple(require_unique(as_list(s), "a domain set (by=)"))
        if t not in out:
            out.append(t)
    if not out:
        raise InputError("by_sets is empty: give at least one domain set (() = whole population).")
    return out


def _small_int(col: pd.Series) -> bool:
    if not (pd.api.types.is_integer_dtype(col) and not pd.api.types.is_extension_array_dtype(col)):
        return False
    if len(col) == 0:
        return True
    v = col.to_numpy()
    return int(v.max()) - int(v.min()) < 1_000_000


def _column_codes(col: pd.Series) -> tuple[np.ndarray, Any, Any, bool]:
    """``(codes, uniques, categorical dtype or None, has_missing)``; codes -1 = missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cd = np.asarray(col.cat.codes, dtype=np.int64)
        return cd, col.cat.categories, col.dtype, bool((cd < 0).any())
    if _small_int(col):   # integers of small range: presence table instead of hashing
        v = col.to_numpy()
        lo = int(v.min()) if len(v) else 0
        off = np.subtract(v, lo, dtype=np.int64)
        present = presence(off, int(off.max()) + 1) if len(v) else np.zeros(0, dtype=bool)
        uni = pd.Index(np.flatnonzero(present) + lo).astype(v.dtype)
        if present.all():     # every value of the range occurs: the offset is the code
            return off, uni, None, False
        return (np.cumsum(present) - 1)[off], uni, None, False
    try:
        cd, uni = pd.factorize(col, sort=True, use_na_sentinel=True)
    except TypeError:
        raise InputError(f"by column {col.name!r} mixes values that cannot be ordered (text and "
                         "numbers?): recode it to one type.") from None
    cd = cd.astype(np.int64)
    return cd, uni, None, bool((cd < 0).any())


def fast_domain_codes(data: pd.DataFrame, by: list[str], mask: np.ndarray,
                      cache: dict[str, Any] | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer domain code per row for the ``by`` columns, and the domain keys.

    Domains are the combinations observed among ``mask`` rows, in sorted order
    (categorical order for categoricals); rows with a missing ``by`` value or
    outside ``mask`` get ``-1`` (they stay in the design, as R ``svyby``). The
    number of ``mask`` rows with a missing ``by`` value is
    ``keys.attrs["n_missing_by"]`` (the estimators report it).
    ``cache`` keeps per-column codes across domain sets.

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    by : list of str
        Domain columns.
    mask : ndarray of bool
        Rows in the (sub)population.
    cache : dict, optional
        Codes already computed for this design, reused.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"g": ["b", "a", None, "b"], "h": [1, 2, 1, 1]})
    >>> codes, keys = fast_domain_codes(df, ["g", "h"], np.ones(4, bool))
    >>> codes.tolist(), keys.values.tolist(), keys.attrs["n_missing_by"]
    ([1, 0, -1, 1], [['a', 2], ['b', 1]], 1)
    """
    n = len(data)
    if not by:
        keys = pd.DataFrame(index=range(1))
        keys.attrs["n_missing_by"] = 0
        return np.where(mask, 0, -1).astype(np.int64), keys
    fast = _int_domain_codes(data, by) if mask.all() else None
    if fast is not None:
        return fast
    cache = {} if cache is None else cache
    parts_in = []
    for c in by:
        if c not in cache:
            cache[c] = _column_codes(data[c])
        parts_in.append(cache[c])
    missing_by = None
    combo: np.ndarray | None = None
    size = 1
    for cd, uni, _, has_missing in parts_in:
        if has_missing:
            missing_by = cd < 0 if missing_by is None else missing_by | (cd < 0)
            cd = np.where(cd >= 0, cd, 0)
        combo = cd.copy() if combo is None else combine_codes(combo, len(uni), cd)
        size *= max(len(uni), 1)
    assert combo is not None   # by is not empty
    all_in = bool(mask.all())
    ok = None if all_in else mask.copy()
    n_missing_by = 0
    if missing_by is not None:
        n_missing_by = int(np.count_nonzero(missing_by if all_in else missing_by & mask))
        ok = ~missing_by if ok is None else ok & ~missing_by
    inside = combo if ok is None else combo[ok]
    if size <= 50_000_000:
        present = presence(inside, size)
        observed = np.flatnonzero(present)
        codes = combo if present.all() else (np.cumsum(present) - 1)[combo]
        if ok is not None:
            codes = np.where(ok, codes, -1)
    else:
        observed, inv = np.unique(inside, return_inverse=True)
        codes = np.full(n, -1, dtype=np.int64)
        codes[ok if ok is not None else slice(None)] = inv
    rest, parts = observed, []
    for _, uni, _, _ in reversed(parts_in):
        k = max(len(uni), 1)
        parts.append(rest % k)
        rest = rest // k
    parts.reverse()
    key_cols: dict[str, Any] = {}
    for c, part, (_, uni, dtype, _) in zip(by, parts, parts_in):
        key_cols[c] = pd.Categorical.from_codes(part, dtype=dtype) if dtype is not None else uni.take(part)
    frame = pd.DataFrame(key_cols)
    frame.attrs["n_missing_by"] = n_missing_by
    return codes.astype(np.int64, copy=False), frame


def _int_domain_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame] | None:
    """:func:`fast_domain_codes` of 1 to 3 plain integer ``by`` columns of small range,
    every row in the design: one compiled pass (None when it does not apply)."""
    if not 1 <= len(by) <= 3:
        return None
    cols = [data[c] for c in by]
    if not all(pd.api.types.is_integer_dtype(c) and not pd.api.types.is_extension_array_dtype(c)
               for c in cols) or len(data) == 0:
        return None
    vals = [c.to_numpy() for c in cols]
    lows = [int(v.min()) for v in vals]
    sizes = [int(v.max()) - lo + 1 for v, lo in zip(vals, lows)]
    if int(np.prod([float(k) for k in sizes])) > 50_000_000:
        return None
    res = int_combo(vals, lows, sizes)
    if res is None:
        return None
    combo, present = res
    observed = np.flatnonzero(present)
    codes = combo if present.all() else take((np.cumsum(present) - 1).astype(np.int64), combo)
    key_cols: dict[str, Any] = {}
    rest = observed
    digits = []
    for k in reversed(sizes):
        digits.append(rest % k)
        rest = rest // k
    for c, v, lo, digit in zip(by, vals, lows, reversed(digits)):
        key_cols[c] = (digit + lo).astype(v.dtype)
    frame = pd.DataFrame(key_cols)
    frame.attrs["n_missing_by"] = 0
    return codes, frame


def domain_keys(data: pd.DataFrame, by: str | Sequence[str] | None, mask: np.ndarray,
                cache: dict[str, Any] | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Checked ``by`` columns -> ``(codes, keys)`` (see :func:`fast_domain_codes`).

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    by : str or list of str
        Domain columns.
    mask : ndarray of bool
        Rows in the (sub)population.
    cache : dict, optional
        Codes already computed for this design, reused.

    Raises
    ------
    UnknownVariableError, InputError
        An unknown or repeated ``by`` column.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> codes, keys = domain_keys(pd.DataFrame({"g": list("aabb")}), "g", np.ones(4, bool))
    >>> codes.tolist(), keys["g"].tolist()
    ([0, 0, 1, 1], ['a', 'b'])
    """
    by = require_unique(as_list(by), "by")
    require_columns(data, by, "by variable")
    return fast_domain_codes(data, by, mask, cache)


# --------------------------------------------------------------------------- Taylor designs
class _Columns:
    """Per outcome: the value column ``a`` and, when needed, ``b`` (observed / denominator)."""

    def __init__(self, outcomes: list[Outcome], den: list[Outcome] | None, mask: np.ndarray) -> None:
        self.outcomes, self.den, self.mask = outcomes, den, mask
        self.miss = np.array([den is not None or _has_missing(o, mask) for o in outcomes])

    def ab(self, j: int) -> tuple[np.ndarray, np.ndarray | None]:
        """``(a, ok)`` float arrays: ``a`` 0 where not observed; ``ok`` observed (None = all)."""
        o = self.outcomes[j]
        if isinstance(o, IntOutcome):
            return o.values, None
        y = o.y
        if not self.miss[j]:
            return y, None
        ok = ~np.isnan(y)
        if self.den is not None:
            ok &= ~np.isnan(self.den[j].y)
        return np.where(ok, y, 0.0), ok

    def b(self, j: int, ok: np.ndarray) -> np.ndarray:
        if self.den is not None:
            return np.where(ok, self.den[j].y, 0.0)
        return ok

    def binary(self, j: int) -> BinaryOutcome:
        """Outcome ``j``, one of the 0/1 outcomes listed by :meth:`packed`."""
        o = self.outcomes[j]
        assert isinstance(o, BinaryOutcome)
        return o

    def packed(self) -> tuple[list[int], list[int]]:
        """0/1 outcomes summed by the packed passes: ``(clean, with missing values)``."""
        if self.den is not None:
            return [], []
        bo = [j for j, o in enumerate(self.outcomes) if isinstance(o, BinaryOutcome)]
        return [j for j in bo if not self.miss[j]], [j for j in bo if self.miss[j]]


def _has_missing(o: Outcome, mask: np.ndarray) -> bool:
    if isinstance(o, BinaryOutcome):
        return o.n_missing > 0
    if isinstance(o, IntOutcome):
        return False
    return bool(np.isnan(o.y[mask]).any())


def _pair_key(codes: np.ndarray, psu: np.ndarray, U: int, D: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank of each row's (domain, PSU) pair among the pairs with rows (rows in no domain:
    one last bin), the pairs' domain and PSU codes and their row counts."""
    full, nrow = pair_keys(codes, psu, U, D)
    nrow = nrow[:D * U]
    pair = np.flatnonzero(nrow > 0)
    # compact key, so every bincount below writes to a small, cache-resident array
    rank = np.full(D * U + 1, len(pair), dtype=np.int64)
    rank[pair] = np.arange(len(pair))
    return take(rank, full), pair // U, pair % U, nrow[pair]


def _bincount_totals(cols: _Columns, w: np.ndarray, wpos: np.ndarray, psu: np.ndarray, U: int, codes: np.ndarray,
                     D: int, keys: pd.DataFrame) -> Totals:
    """One domain set: every sum by ``bincount`` over the key domain x PSU; 0/1 outcomes
    many at a time (:mod:`drugtrends.survey._packed`), others one at a time."""
    key, d, u, nrow = _pair_key(codes, psu, U, D)
    size, m = len(d), len(cols.outcomes)

    def bc(x: np.ndarray) -> np.ndarray:   # bincount, compiled when it can be (same additions, same order)
        return scatter_sum(key, np.asarray(x, dtype=float), size + 1)[:size]

    all_pos = bool(wpos.all())
    sw, cnt = bc(w), nrow.astype(float)
    cpos = cnt if all_pos else bc(wpos.astype(float))
    A = np.empty((size, m))
    miss = cols.miss.any()
    B = np.repeat(sw[:, None], m, axis=1) if miss else sw[:, None]
    N = np.repeat(cnt[:, None], m, axis=1) if miss else cnt[:, None]
    P = np.repeat(cpos[:, None], m, axis=1) if miss else cpos[:, None]
    nonbin = [j for j, o in enumerate(cols.outcomes) if not o.is_prop]
    Q = np.empty((size, m)) if nonbin and cols.den is None else None
    R2 = np.empty((size, 4, m)) if cols.den is not None else None
    clean, missing = cols.packed()
    if clean:
        A[:, clean] = clean_sums(key, size, w, [cols.binary(j).state for j in clean])
    if missing:
        A[:, missing], B[:, missing], N[:, missing], P[:, missing] = missing_sums(
            key, size, w, None if all_pos else wpos.astype(float),
            [cols.binary(j).state for j in missing], nrow if len(w) < 1 << 24 else None, sw)
    done = set(clean) | set(missing)
    buf = np.empty(len(w))
    for j in range(m):
        if j in done:
            if Q is not None:
                Q[:, j] = A[:, j]
            continue
        a, ok = cols.ab(j)
        np.multiply(w, a, out=buf)
        A[:, j] = bc(buf)
        if ok is not None:
            B[:, j] = bc(w * cols.b(j, ok))
            N[:, j] = bc(ok.astype(float))
            P[:, j] = N[:, j] if all_pos else bc((ok & wpos).astype(float))
        if Q is not None:
            Q[:, j] = bc(buf * a) if j in nonbin else A[:, j]
        if R2 is not None:   # ratio design effect: w, w a^2, w a b, w b^2 (rows with both observed)
            assert ok is not None   # a denominator: every outcome has its observed rows
            b = cols.b(j, ok)
            R2[:, :, j] = np.column_stack([bc(w * ok), bc(buf * a), bc(buf * b), bc(w * b * b)])
    return Totals(keys, d, u, A, B, N, P, Q, R2)


def _block_totals(cols: _Columns, w: np.ndarray, wpos: np.ndarray, psu: np.ndarray, U: int,
                  sets: list[tuple[np.ndarray, int, pd.DataFrame]]) -> list[Totals]:
    """Several domain sets: one dense product per PSU (``grouped_psu_totals``)."""
    m = len(cols.outcomes)
    miss_idx = np.flatnonzero(cols.miss)
    nonbin = [j for j, o in enumerate(cols.outcomes) if not o.is_prop]
    k = m + len(miss_idx) + len(nonbin) + 1
    bcol: dict[int, int] = {j: m + i for i, j in enumerate(miss_idx.tolist())}
    qcol = {j: m + len(miss_idx) + i for i, j in enumerate(nonbin)}

    def columns(rows: np.ndarray | slice) -> np.ndarray:
        rows = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows
        Xt = np.empty((k, len(rows)))
        for j in range(m):
            o = cols.outcomes[j]
            v = _take(o, rows)
            if cols.miss[j]:
                ok = ~np.isnan(v)
                if cols.den is not None:
                    ok &= ~np.isnan(cols.den[j].y[rows])
                Xt[bcol[j]] = np.where(ok, cols.den[j].y[rows], 0.0) if cols.den is not None else ok
                v = np.where(ok, v, 0.0)
            Xt[j] = v
            if j in qcol:
                Xt[qcol[j]] = v * v
        Xt[k - 1] = 1.0
        return Xt.T

    def unweighted(rows: np.ndarray | slice) -> np.ndarray:
        rows = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows
        Xu = np.empty((len(rows), 2 * len(miss_idx)))
        for i, j in enumerate(miss_idx):
            ok = ~np.isnan(_take(cols.outcomes[j], rows))
            if cols.den is not None:
                ok &= ~np.isnan(cols.den[j].y[rows])
            Xu[:, i] = ok
            Xu[:, len(miss_idx) + i] = ok & wpos[rows]
        return Xu

    dsets = [(c, D) for c, D, _ in sets]
    all_pos = bool(wpos.all())
    res = agg.grouped_psu_totals(columns, w, psu, U, dsets, unweighted if len(miss_idx) else None,
                                 dense=False)
    out = []
    for (codes, D, keys), (d, u, T, Tu) in zip(sets, res):
        keep = codes >= 0
        key = codes[keep] * U + psu[keep]
        pair = d * U + u
        n_shared = np.bincount(key, minlength=D * U)[pair].astype(float)
        p_shared = n_shared if all_pos else \
            np.bincount(key, weights=wpos[keep].astype(float), minlength=D * U)[pair]
        B, N, P = T[:, k - 1][:, None], n_shared[:, None], p_shared[:, None]
        if len(miss_idx):
            B, N, P = (np.repeat(x, m, axis=1) for x in (B, N, P))
        for i, j in enumerate(miss_idx.tolist()):
            B[:, j], N[:, j], P[:, j] = T[:, bcol[j]], Tu[:, i], Tu[:, len(miss_idx) + i]
        Q = None
        if qcol:
            Q = T[:, :m].copy()
            for j, c in qcol.items():
                Q[:, j] = T[:, c]
        out.append(Totals(keys, d, u, T[:, :m], B, N, P, Q))
    return out


def inmemory_totals(structure: DesignStructure, data: pd.DataFrame, mask: np.ndarray, outcomes: list[Outcome],
                    by_sets: list[tuple[str, ...]], den: list[Outcome] | None = None) -> list[Totals]:
    """Sufficient statistics of every domain set, one grouped pass over the rows.

    Parameters
    ----------
    structure : DesignStructure
        With row ``psu`` codes and ``weights``.
    data : DataFrame
        The design's rows (for the ``by`` columns).
    mask : ndarray of bool
        Rows of the (subset) design.
    outcomes : list of Outcome
    by_sets : list of tuple of str
        Domain sets (``()`` = whole (subset) design).
    den : list of Outcome, optional
        Ratio denominators, one per outcome (``B`` = weighted denominator).

    Returns
    -------
    list of Totals
        One per domain set.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from drugtrends.survey.kernel import DesignStructure
    >>> s = DesignStructure(np.array([0, 0]), np.array([2.0]), np.ones(1), "fail", 1.0,
    ...                     psu=np.array([0, 0, 1]), weights=np.ones(3))
    >>> df = pd.DataFrame({"y": [1.0, 0.0, 1.0]})
    >>> t = inmemory_totals(s, df, np.ones(3, bool), outcome_columns(df, "y", np.ones(3, bool)), [()])
    >>> t[0].A.ravel().tolist(), t[0].B.ravel().tolist()
    ([1.0, 1.0], [2.0, 1.0])
    """
    w, psu, U = structure.weights, structure.psu, structure.n_psu
    assert w is not None and psu is not None   # a structure of rows in memory
    wpos = w > 0
    cols = _Columns(outcomes, den, mask)
    cache: dict[str, Any] = {}
    sets: list[tuple[np.ndarray, int, pd.DataFrame]] = []
    for by in by_sets:
        codes, keys = domain_keys(data, list(by), mask, cache)
        sets.append((codes, len(keys), keys))
    if len(sets) == 1 or len(w) < 8 * max(U, 1):
        with agg.one_blas_thread():   # small products of pattern sums: no spin-waiting threads
            return [_bincount_totals(cols, w, wpos, psu, U, c, D, keys) for c, D, keys in sets]
    return _block_totals(cols, w, wpos, psu, U, sets)


# --------------------------------------------------------------------------- replicate designs
def replicate_totals(structure: DesignStructure, data: pd.DataFrame, mask: np.ndarray, outcomes: list[Outcome],
                     by: str | Sequence[str] | None, den: list[Outcome] | None = None, moments: bool = True,
                     domain_df: bool = True) -> ReplicateTotals:
    """Full-sample and replicate domain sums of a replicate design, one pass.

    The replicate weights are extra weight columns: rows sorted by domain once,
    then one product ``[w, W_1..W_R]^T X`` per domain. With ``domain_df``,
    each domain's df is R's ``degf()`` of the domain's subset design: the rank
    of its rows' replicate weights minus 1 (rows with the outcome observed).

    Parameters
    ----------
    structure : DesignStructure
        A replicate design's structure.
    data : DataFrame
        The survey rows.
    mask : ndarray of bool
        Rows in the (sub)population.
    outcomes : list of Outcome
        The numerators.
    by : sequence
        Domain sets.
    den : list of Outcome, optional
        Denominators (ratios).
    moments : bool
        Also the second moments (design effects).
    domain_df : optional
        Degrees-of-freedom rule per domain (see the function body).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from drugtrends.survey.kernel import DesignStructure
    >>> s = DesignStructure(np.zeros(0, int), np.zeros(0), np.zeros(0), "none", 1.0,
    ...                     weights=np.ones(2), rep_weights=np.array([[2.0, 0], [0, 2.0]]),
    ...                     rscales=np.ones(2))
    >>> df = pd.DataFrame({"y": [1.0, 3.0]})
    >>> t = replicate_totals(s, df, np.ones(2, bool), outcome_columns(df, "y", np.ones(2, bool)), None)
    >>> t.A.tolist(), t.Ar[:, 0, 0].tolist()
    ([[4.0]], [2.0, 6.0])
    """
    w, W = structure.weights, structure.rep_weights
    dom, keys = domain_keys(data, as_list(by), mask)
    if structure.rep_factors is not None:
        return _factor_totals(structure, outcomes, den, mask, dom, keys, moments, domain_df)
    assert w is not None and W is not None   # a replicate structure of rows in memory
    D, m, R = len(keys), len(outcomes), W.shape[1]
    cols = _Columns(outcomes, den, mask)
    idx = np.flatnonzero(dom >= 0)
    idx = idx[np.argsort(dom[idx], kind="stable")]
    bounds = np.searchsorted(dom[idx], np.arange(D + 1))
    A, B, N, P = (np.zeros((D, m)) for _ in range(4))
    Q = np.zeros((D, m)) if moments else None
    Ar, Br = np.zeros((R, D, m)), np.zeros((R, D, m))
    DF = np.zeros((D, m)) if domain_df else None
    with agg.one_blas_thread():
        _replicate_domains(cols, w, W, idx, bounds, m, (A, B, N, P, Q, Ar, Br, DF))
    return ReplicateTotals(keys, A, B, Ar, Br, N, P, Q, DF)


def _factor_totals(structure: DesignStructure, outcomes: list[Outcome], den: list[Outcome] | None, mask: np.ndarray,
                   dom: np.ndarray, keys: pd.DataFrame, moments: bool, domain_df: bool) -> ReplicateTotals:
    """Replicate sums as ONE grouped pass plus a product over cluster-level totals:
    the Taylor pass with the replicate clusters as PSUs gives per (domain, cluster)
    sums ``A_p``, then ``Ar[r, d] = sum_{p in d} F[c_p, r] A_p`` (no ``n x R`` matrix)."""
    w, F, cl = structure.weights, structure.rep_factors, structure.rep_cluster
    assert w is not None and F is not None and cl is not None   # replicate factors per cluster
    D, m, R = len(keys), len(outcomes), F.shape[1]
    cols = _Columns(outcomes, den, mask)
    with agg.one_blas_thread():
        t = _bincount_totals(cols, w, w > 0, cl, F.shape[0], dom, D, keys)
        npairs = len(t.d)
        starts = np.searchsorted(t.d, np.arange(D))
        ends = np.append(starts[1:], npairs)
        full = [np.broadcast_to(x, (npairs, m)) for x in (t.A, t.B, t.N, t.P)]
        A, B, N, P = (np.add.reduceat(x, starts, axis=0) if npairs else np.zeros((D, m)) for x in full)
        empty = ends == starts
        for x in (A, B, N, P):
            x[empty] = 0.0
        Q = None
        if moments:
            Q = A.copy() if t.Q is None else np.add.reduceat(t.Q, starts, axis=0)
            Q[empty] = 0.0
        Ar, Br = np.zeros((R, D, m)), np.zeros((R, D, m))
        DF = np.zeros((D, m)) if domain_df else None
        Bfull = full[1]
        for d in range(D):
            sl = slice(starts[d], ends[d])
            Fd = F[t.u[sl]]
            Ar[:, d] = Fd.T @ t.A[sl]
            Br[:, d] = Fd.T @ Bfull[sl]
            if DF is not None:
                DF[d] = _factor_df(Fd, full[3][sl] > 0)
    return ReplicateTotals(keys, A, B, Ar, Br, N, P, Q, DF)


def _factor_df(Fd: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Per outcome: rank of the factor rows of the clusters holding observed rows with a
    positive weight, - 1 (= the rank of those rows' replicate weights)."""
    out = np.empty(has.shape[1])
    seen: dict[bytes, int] = {}
    for j in range(has.shape[1]):
        pattern = has[:, j].tobytes()
        if pattern not in seen:
            seen[pattern] = replicate_rank(Fd[has[:, j]]) - 1
        out[j] = seen[pattern]
    return out


def replicate_rank(W: np.ndarray) -> int:
    """Rank of replicate weights (rows x R), as R ``qr(weights)$rank`` for ``degf()``.

    Rows that are proportional (the rows of one PSU: full weight times the
    PSU's replicate factors) are merged first, so the decomposition works on
    one row per distinct pattern, not on every respondent.

    Parameters
    ----------
    W : ndarray (rows, R)
        Replicate weights.

    Examples
    --------
    >>> import numpy as np
    >>> replicate_rank(np.array([[2.0, 0, 1], [4.0, 0, 2], [0, 2.0, 1]]))
    2
    """
    W = np.asarray(W, dtype=float)
    if W.size == 0:
        return 0
    # proportional rows have the same ratio of two random projections: one
    # representative row per ratio (rounding may keep a few apart: same rank)
    v = np.random.default_rng(20261130).random((W.shape[1], 2))
    p = W @ v
    keep = (p != 0).any(axis=1)              # all-zero rows add nothing to the rank
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(p[:, 1] != 0, p[:, 0] / p[:, 1], p[:, 0])
    _, first = np.unique(np.round(h[keep], 10), return_index=True)
    R = W[np.flatnonzero(keep)[first]]
    R = R / np.abs(R).max(axis=1)[:, None]
    sv = np.linalg.svd(R, compute_uv=False) if R.size else np.zeros(0)
    return int((sv > 1e-5 * sv.max(initial=0.0)).sum())   # R: qr(weights, tol = 1e-5)


def _domain_df(Wd: np.ndarray, ok_all: np.ndarray) -> np.ndarray:
    """Per outcome: rank of the replicate weights of the domain's rows with the outcome observed, - 1."""
    full = ok_all.all(axis=0)
    out = np.empty(ok_all.shape[1])
    if full.any():
        out[full] = replicate_rank(Wd) - 1
    for j in np.flatnonzero(~full):
        out[j] = replicate_rank(Wd[ok_all[:, j]]) - 1
    return out


def _replicate_domains(cols: _Columns, w: np.ndarray, W: np.ndarray, idx: np.ndarray, bounds: np.ndarray, m: int,
                       out: tuple[Any, ...]) -> None:
    A, B, N, P, Q, Ar, Br, DF = out
    for d in range(len(bounds) - 1):   # one domain's rows at a time: memory O(domain rows x outcomes)
        rows = idx[bounds[d]:bounds[d + 1]]
        X, ok_all, bmap = _domain_block(cols, rows, m)
        wd, Wd = w[rows], W[rows]
        S = wd @ X
        A[d], B[d] = S[:m], S[bmap]
        Sr = Wd.T @ X
        Ar[:, d], Br[:, d] = Sr[:, :m], Sr[:, bmap]
        N[d] = ok_all.sum(axis=0)
        P[d] = (ok_all & (wd > 0)[:, None]).sum(axis=0)
        if Q is not None:
            Q[d] = wd @ (X[:, :m] ** 2)
        if DF is not None:
            DF[d] = _domain_df(Wd, ok_all)


def _domain_block(cols: _Columns, rows: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, observed, bmap)`` for the rows of one domain: ``X`` holds ``a_1..a_m``, then
    the ``b`` columns of outcomes with missing values (or ratio denominators), then one
    column of ones shared by every complete outcome; ``X[:, bmap[j]]`` is ``b_j``."""
    own = [j for j in range(m) if cols.miss[j]]
    X = np.empty((len(rows), m + len(own) + 1))
    ok_all = np.ones((len(rows), m), dtype=bool)
    bmap = np.full(m, m + len(own), dtype=np.int64)
    X[:, -1] = 1.0
    for j in range(m):
        o = cols.outcomes[j]
        a = _take(o, rows)
        if not cols.miss[j]:
            X[:, j] = a
            continue
        ok = ~np.isnan(a)
        k = m + own.index(j)
        if cols.den is not None:
            dv = cols.den[j].y[rows]
            ok &= ~np.isnan(dv)
            X[:, k] = np.where(ok, dv, 0.0)
        else:
            X[:, k] = ok
        X[:, j] = np.where(ok, a, 0.0)
        ok_all[:, j] = ok
        bmap[j] = k
    return X, ok_all, bmap


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
