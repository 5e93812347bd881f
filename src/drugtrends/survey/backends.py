"""One estimator, several engines: pandas in memory, Arrow / Parquet / DuckDB, (Spark).

Every Taylor-linearised mean or total of the survey engine needs, per domain
``d``, PSU ``u`` and outcome ``j``, five sufficient statistics::

    A[d, u, j] = sum w * y_j          (rows with y_j observed)
    B[d, u, j] = sum w                (rows with y_j observed)
    N[d, u, j] = count                (rows with y_j observed)
    P[d, u, j] = count with w > 0     (rows with y_j observed)
    Q[d, u, j] = sum w * y_j ** 2     (design effects; = A for 0/1 outcomes)

This module obtains them for *many domain sets at once* (year, year x sex,
year x age group, ...) in one grouped pass over the rows, then runs the small
linearisation step in numpy (:func:`linearise_totals`), whatever produced the
sums:

* ``engine="numpy"`` (pandas designs, the default): rows visited PSU by PSU,
  one dense matrix product per PSU for every domain set and outcome
  (:func:`drugtrends.survey._aggregate.grouped_psu_totals`);
* ``engine="duckdb"``: one SQL ``GROUP BY GROUPING SETS`` query
  (:func:`aggregate_sql`) over the pandas data (scanned in place through
  Arrow), an Arrow table, Parquet files or any DuckDB relation, so data larger
  than memory never enter pandas (:meth:`SurveyDesign.from_parquet`,
  :meth:`SurveyDesign.from_arrow`, :meth:`SurveyDesign.from_duckdb`);
* Apache Spark runs the very same SQL text (:mod:`drugtrends.survey.spark`).

Results are tidy DataFrames with the columns of every estimator (see
``docs/ARCHITECTURE.md``), equal across engines to rounding (about 1e-14
relative: only the order of floating-point additions differs).

Out-of-core designs (:class:`RelationDesign`) support ``mean``, ``total``,
``prop_ci`` and ``grid``; load the columns you need with ``to_pandas()`` for
the other analyses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, DesignError, UnknownVariableError
from . import _aggregate as agg
from ._variance import LONELY_PSU_RULES
from .design import SurveyDesign, _as_list, _Linear, _Outcome

__all__ = ["grid", "linearise_totals", "aggregate_sql", "RelationDesign", "DuckDBEngine",
           "Totals", "BY_SET_COLUMN"]

#: Column of :func:`grid` results naming the domain set of each row ("" = whole population).
BY_SET_COLUMN = "by_set"


# --------------------------------------------------------------------------- sufficient statistics
@dataclass
class Totals:
    """Sufficient statistics of one domain set, one row per (domain, PSU) pair holding
    members of the domain, sorted by domain then PSU.

    ``d``, ``u``: domain and PSU codes of the pairs; ``A``, ``B``, ``N``, ``P``, ``Q``:
    ``(n_pairs, m)`` arrays (``B``, ``N``, ``P`` may be ``(n_pairs, 1)``, shared by every
    outcome; ``Q`` None for 0/1 outcomes). PSUs of a domain's strata that hold no
    member are implicit zeros (they still count in ``n_h``).
    """
    keys: pd.DataFrame
    d: np.ndarray
    u: np.ndarray
    A: np.ndarray
    B: np.ndarray
    N: np.ndarray
    P: np.ndarray
    Q: np.ndarray | None

    @classmethod
    def from_dense(cls, keys, A, B, N, P, Q=None, members=None) -> "Totals":
        """From ``(D, U, m)`` arrays; pairs are those with ``members[d, u]`` (default ``N > 0``)."""
        if members is None:
            members = (N > 0).any(axis=2)
        d, u = np.nonzero(members)
        return cls(keys, d, u, A[d, u], B[d, u], N[d, u], P[d, u], None if Q is None else Q[d, u])


@dataclass
class _Meta:
    """What the linearisation needs to know about the design."""
    stratum_of_psu: np.ndarray
    n_h: np.ndarray
    f_h: np.ndarray
    lonely_psu: str
    df_design: float

    @property
    def n_psu(self) -> int:
        return len(self.stratum_of_psu)


def _meta(design, df_rule="domain") -> _Meta:
    # the design df (two np.unique over the rows) only when the df rule asks for it
    df_design = float(design.df) if df_rule == "design" else float("nan")
    return _Meta(design._stratum_of_psu, design._n_h, design._f_h, design.lonely_psu, df_design)


def _segsum(X: np.ndarray, starts: np.ndarray, n_seg: int, total: int) -> np.ndarray:
    """Sums of consecutive row segments beginning at ``starts`` (sorted, may repeat = empty)."""
    out = np.zeros((n_seg,) + X.shape[1:])
    if total == 0:
        return out
    ends = np.append(starts[1:], total)
    nonempty = ends > starts
    if nonempty.all():
        return np.add.reduceat(X, starts, axis=0)
    if nonempty.any():
        out[nonempty] = np.add.reduceat(X, starts[nonempty], axis=0)
    return out


def linearise_totals(tot: Totals, meta: _Meta, kind: str = "mean", df_rule="domain") -> _Linear:
    """Estimates, variances, df and design effects from sufficient statistics.

    The numpy step shared by every engine; the formulas of ``SurveyDesign.mean``
    / ``total`` (Taylor linearisation, stratified with-replacement PSU variance,
    lonely-PSU rules, FPC, R ``svyby`` conventions), computed on the (domain,
    PSU) pairs that hold domain members only. For a stratum ``h`` with ``n_h``
    PSUs of which ``k`` hold members, the ``n_h - k`` others have influence
    total 0, so ``sum_u (Z_u - mean)^2 = sum_members (Z_u - mean)^2 + (n_h - k) mean^2``
    with ``mean = sum_members Z_u / n_h``; strata without members add 0.

    Parameters
    ----------
    tot : Totals
    meta : design information (strata of the PSUs, ``n_h``, FPC, lonely-PSU rule, design df)
    kind : {"mean", "total"}
    df_rule : {"domain", "design"} or float

    Returns
    -------
    _Linear (``keys`` set, ``outcomes`` left for the caller)

    Examples
    --------
    One domain, two strata of two PSUs, one 0/1 outcome (every weight 1):

    >>> import numpy as np, pandas as pd
    >>> A = np.array([[1.0], [0.0], [1.0], [1.0]]); B = np.ones((4, 1))
    >>> tot = Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None)
    >>> meta = _Meta(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    >>> lin = linearise_totals(tot, meta)
    >>> float(lin.est[0, 0]), round(float(np.sqrt(lin.var[0, 0])), 6)
    (0.75, 0.25)
    """
    D = len(tot.keys)
    m = tot.A.shape[1]
    stratum = meta.stratum_of_psu
    H = len(meta.n_h)
    n_h = np.asarray(meta.n_h, dtype=float)
    d, u = np.asarray(tot.d, dtype=np.int64), np.asarray(tot.u, dtype=np.int64)
    h = stratum[u]
    order = np.lexsort((u, h, d))
    if not np.array_equal(order, np.arange(len(d))):
        d, u, h = d[order], u[order], h[order]
        A, B, N, P = tot.A[order], tot.B[order], tot.N[order], tot.P[order]
        Q = None if tot.Q is None else tot.Q[order]
    else:
        A, B, N, P, Q = tot.A, tot.B, tot.N, tot.P, tot.Q
    npairs = len(d)
    dstarts = np.searchsorted(d, np.arange(D))
    Sa = _segsum(A, dstarts, D, npairs)
    Sb = np.broadcast_to(_segsum(B, dstarts, D, npairs), (D, m))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "total":
            est = Sa.copy()
            Z = np.array(A, dtype=float, copy=True)
        else:
            est = Sa / Sb
            ga, gb = 1.0 / Sb, -Sa / Sb**2                   # as SurveyDesign._linearise
            Z = ga[d] * A + gb[d] * B
    if not np.isfinite(Z).all():
        Z = np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0)
    # (domain, stratum) groups of consecutive pairs
    gkey = d * H + h
    first = np.ones(npairs, dtype=bool)
    first[1:] = gkey[1:] != gkey[:-1]
    gstarts = np.flatnonzero(first)
    G = len(gstarts)
    g_of_pair = np.cumsum(first) - 1
    g_d, g_h = d[gstarts], h[gstarts]
    k_g = np.diff(np.append(gstarts, npairs)).astype(float)
    nh_g = n_h[g_h]
    Sg = _segsum(Z, gstarts, G, npairs)
    mu = Sg / nh_g[:, None]
    c = Z - mu[g_of_pair]
    ss = _segsum(c * c, gstarts, G, npairs) + (nh_g - k_g)[:, None] * mu**2
    lonely_g = nh_g == 1
    if lonely_g.any():
        if meta.lonely_psu == "adjust":
            ss[lonely_g] = _segsum(Z * Z, gstarts, G, npairs)[lonely_g]
        else:
            ss[lonely_g] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = np.where(n_h > 1, meta.f_h * n_h / np.maximum(n_h - 1, 1), meta.f_h)
    g_dstarts = np.searchsorted(g_d, np.arange(D))
    var = _segsum(ss * scale_h[g_h][:, None], g_dstarts, D, G)
    if meta.lonely_psu == "average" and (n_h == 1).any():
        present = np.broadcast_to(_segsum(N, gstarts, G, npairs) > 0, (G, m))
        nstrat = _segsum(present.astype(float), g_dstarts, D, G)
        nok = _segsum((present & ~lonely_g[:, None]).astype(float), g_dstarts, D, G)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = var * np.where(nok > 0, nstrat / nok, np.nan)
    n = np.broadcast_to(_segsum(N, dstarts, D, npairs), (D, m))
    npos = np.broadcast_to(_segsum(P, dstarts, D, npairs), (D, m))
    if df_rule == "domain":
        psu_has = (P > 0).astype(float)
        n_psu = _segsum(psu_has, dstarts, D, npairs)
        st_has = (_segsum(psu_has, gstarts, G, npairs) > 0).astype(float)
        df = np.broadcast_to(n_psu - _segsum(st_has, g_dstarts, D, G), (D, m)).astype(float)
    elif df_rule == "design":
        df = np.full((D, m), float(meta.df_design))
    else:
        df = np.full((D, m), float(df_rule))
    var = np.where(n > 0, var, np.nan)
    est = np.where(n > 0, est, np.nan)
    Syy = Sa if Q is None else _segsum(Q, dstarts, D, npairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu_y = Sa / Sb
        s2 = (Syy / Sb - mu_y**2) * npos / (npos - 1)
        if kind == "total":
            vsrs = s2 * Sb**2 * (Sb - npos) / (Sb * npos)
            s2 = s2 * Sb**2
        else:
            vsrs = s2 * (Sb - npos) / (Sb * npos)
        deff = var / vsrs
    return _Linear(tot.keys, None, est, var, None, np.array(n), np.array(npos), np.array(df), deff, s2)


# --------------------------------------------------------------------------- domain codes
def _small_int(col) -> bool:
    if not (pd.api.types.is_integer_dtype(col) and not pd.api.types.is_extension_array_dtype(col)):
        return False
    if len(col) == 0:
        return True
    v = col.to_numpy()
    return int(v.max()) - int(v.min()) < 1_000_000


def fast_domain_codes(data: pd.DataFrame, by: list[str], mask: np.ndarray, cache: dict | None = None):
    """Same result as :func:`drugtrends.survey._aggregate.domain_codes`, from per-column codes.

    Each ``by`` column is factorised once (categorical order for categoricals,
    sorted values otherwise; ``cache`` keeps them across domain sets) and the
    combinations observed among ``mask`` rows are numbered in lexicographic
    order.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"g": ["b", "a", None, "b"], "h": [1, 2, 1, 1]})
    >>> codes, keys = fast_domain_codes(df, ["g", "h"], np.ones(4, bool))
    >>> codes.tolist(), keys.values.tolist()
    ([1, 0, -1, 1], [['a', 2], ['b', 1]])
    """
    n = len(data)
    if not by:
        return np.where(mask, 0, -1).astype(np.int64), pd.DataFrame(index=range(1))
    cache = {} if cache is None else cache
    codes_list, uniques = [], []
    for c in by:
        if c not in cache:
            col = data[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                cache[c] = (np.asarray(col.cat.codes, dtype=np.int64), col.cat.categories, col.dtype)
            elif _small_int(col):
                # integers of small range: presence table instead of hashing
                v = col.to_numpy()
                lo = int(v.min()) if len(v) else 0
                off = v.astype(np.int64) - lo
                present = np.bincount(off) > 0 if len(v) else np.zeros(0, dtype=bool)
                rank = np.cumsum(present) - 1
                cache[c] = (rank[off], pd.Index(np.flatnonzero(present) + lo).astype(v.dtype), None)
            else:
                cd, uni = pd.factorize(col, sort=True, use_na_sentinel=True)
                cache[c] = (cd.astype(np.int64), uni, None)
        codes_list.append(cache[c][0])
        uniques.append(cache[c])
    ok = mask.copy()
    combo = np.zeros(n, dtype=np.int64)
    size = 1
    for cd, (_, uni, _) in zip(codes_list, uniques):
        ok &= cd >= 0
        combo = combo * len(uni) + np.where(cd >= 0, cd, 0)
        size *= max(len(uni), 1)
    if size <= 50_000_000:
        present = np.bincount(combo[ok], minlength=size) > 0
        observed = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        codes = np.where(ok, rank[combo], -1).astype(np.int64)
    else:
        observed, inv = np.unique(combo[ok], return_inverse=True)
        codes = np.full(n, -1, dtype=np.int64)
        codes[ok] = inv
    keys = {}
    rest = observed
    parts = []
    for cd, (_, uni, _) in reversed(list(zip(codes_list, uniques))):
        k = max(len(uni), 1)
        parts.append(rest % k)
        rest = rest // k
    parts.reverse()
    for c, part, (_, uni, dtype) in zip(by, parts, uniques):
        if dtype is not None:
            keys[c] = pd.Categorical.from_codes(part, dtype=dtype)
        else:
            keys[c] = uni.take(part)
    return codes, pd.DataFrame(keys)


# --------------------------------------------------------------------------- in-memory engine
def _inmemory_totals(design: SurveyDesign, outcomes: list[_Outcome], by_sets) -> list[Totals]:
    w = design._w
    U = design._n_psu
    psu = design._psu
    mask = design._mask
    m = len(outcomes)
    cache: dict = {}
    sets = []
    for by in by_sets:
        _check_by(design.data, by)
        codes, keys = fast_domain_codes(design.data, list(by), mask, cache)
        sets.append((codes, len(keys), keys))
    miss = np.array([False if isinstance(o, _IntOutcome) else bool(np.isnan(o.y[mask]).any())
                     for o in outcomes])
    binary = np.array([o.is_prop for o in outcomes])
    bcol, qcol = {}, {}
    k = m
    for j in range(m):
        if miss[j]:
            bcol[j] = k
            k += 1
    for j in range(m):
        if not binary[j]:
            qcol[j] = k
            k += 1
    ones = k
    k += 1
    miss_idx = np.flatnonzero(miss)
    wpos = w > 0

    # 0/1 integer columns without missing values are gathered in their own small dtype
    raw = [o._values if isinstance(o, _IntOutcome) else None for o in outcomes]

    def columns(rows):
        # filled column by column (contiguous writes), handed over as its (rows x k) transpose
        nr = len(rows) if not isinstance(rows, slice) else rows.stop - rows.start
        Xt = np.empty((k, nr))
        for j, o in enumerate(outcomes):
            if raw[j] is not None:
                Xt[j] = raw[j][rows]
                if not binary[j]:
                    np.multiply(Xt[j], Xt[j], out=Xt[qcol[j]])
                continue
            v = o.y[rows]
            if miss[j]:
                ok = ~np.isnan(v)
                v = np.where(ok, v, 0.0)
                Xt[bcol[j]] = ok
            Xt[j] = v
            if not binary[j]:
                Xt[qcol[j]] = v * v
        Xt[ones] = 1.0
        return Xt.T

    def unweighted(rows):
        if isinstance(rows, slice):
            rows = np.arange(rows.start, rows.stop)
        Xu = np.empty((len(rows), 2 * len(miss_idx)))
        wp = wpos[rows]
        for i, j in enumerate(miss_idx):
            ok = ~np.isnan(outcomes[j].y[rows])
            Xu[:, i] = ok
            Xu[:, len(miss_idx) + i] = ok & wp
        return Xu

    mean_psu_size = len(w) / max(U, 1)
    dsets = [(c, D) for c, D, _ in sets]
    if mean_psu_size >= 8:
        res = agg.grouped_psu_totals(columns, w, psu, U, dsets,
                                     unweighted if len(miss_idx) else None, dense=False)
    else:  # tiny PSUs (e.g. one row each): weighted bincounts, one column at a time
        allrows = np.arange(len(w))
        X = columns(allrows) * w[:, None]
        Xu = unweighted(allrows) if len(miss_idx) else None
        res = []
        for c, D in dsets:
            keep = c >= 0
            members = (np.bincount(c[keep] * U + psu[keep], minlength=D * U) > 0).reshape(D, U)
            dd, uu = np.nonzero(members)
            T = agg.psu_totals(X, c, D, psu, U)[dd, uu]
            Tu = agg.psu_totals(Xu, c, D, psu, U)[dd, uu] if Xu is not None else None
            res.append((dd, uu, T, Tu))
    all_pos = bool(wpos.all())
    out = []
    for (codes, D, keys), (d, u, T, Tu) in zip(sets, res):
        keep = codes >= 0
        key = codes[keep] * U + psu[keep]
        pair = d * U + u
        n_shared = np.bincount(key, minlength=D * U)[pair].astype(float)
        p_shared = n_shared if all_pos else \
            np.bincount(key, weights=wpos[keep].astype(float), minlength=D * U)[pair]
        A = T[:, :m]
        B = T[:, ones][:, None]
        N = n_shared[:, None]
        P = p_shared[:, None]
        if len(miss_idx):
            B, N, P = (np.repeat(x, m, axis=1) for x in (B, N, P))
        for i, j in enumerate(miss_idx):
            B[:, j] = T[:, bcol[j]]
            N[:, j] = Tu[:, i]
            P[:, j] = Tu[:, len(miss_idx) + i]
        Q = None
        if qcol:
            Q = A.copy()
            for j, c in qcol.items():
                Q[:, j] = T[:, c]
        out.append(Totals(keys, d, u, A, B, N, P, Q))
    return out


class _IntOutcome(_Outcome):
    """A plain integer / bool outcome column: no missing values; ``y`` made on demand."""

    def __init__(self, variable, values, is_prop):
        self.variable, self.level, self.is_prop = variable, None, is_prop
        self._values = values

    @property
    def y(self):
        return self._values.astype(float)

    @y.setter
    def y(self, value):  # dataclass compatibility
        self._values = value


def _grid_outcomes(design, variables) -> list[_Outcome]:
    """``design._outcomes`` with a fast path for integer / bool columns (no float copy)."""
    variables = _as_list(variables)
    if not variables:
        raise DesignError("give at least one outcome variable")
    out = []
    for v in variables:
        col = design.data[v] if v in design.data.columns else None
        if col is not None and (pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col)) \
                and not pd.api.types.is_extension_array_dtype(col):
            vals = col.to_numpy()
            sub = vals if design._mask.all() else vals[design._mask]
            is_prop = bool(sub.size == 0 or (sub.min() >= 0 and sub.max() <= 1))
            out.append(_IntOutcome(v, vals, is_prop))
        else:
            out.extend(design._outcomes([v]))
    return out


def _check_by(data_or_columns, by):
    cols = data_or_columns.columns if hasattr(data_or_columns, "columns") else data_or_columns
    for c in by:
        if c not in cols:
            raise UnknownVariableError(f"by variable {c!r} is not in the data; columns are "
                                       f"{list(cols)[:20]}{' ...' if len(cols) > 20 else ''}.")


def _normalise_sets(by_sets) -> list[tuple]:
    if by_sets is None:
        return [()]
    if isinstance(by_sets, str):
        return [(by_sets,)]
    out = []
    for s in by_sets:
        t = tuple(_as_list(s))
        if t not in out:
            out.append(t)
    if not out:
        raise DesignError("by_sets is empty: give at least one domain set (() = whole population).")
    return out


# --------------------------------------------------------------------------- SQL engine
def _q(name: str, dialect: str) -> str:
    if dialect == "spark":
        return "`" + str(name).replace("`", "``") + "`"
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class _OutSpec:
    name: str
    missing: bool
    binary: bool


def aggregate_sql(source: str, weight: str, psu_keys: list[str], outcomes: list[_OutSpec],
                  by_sets: list[tuple], dialect: str = "duckdb", kind: str = "mean") -> tuple[str, list[str]]:
    """The grouped sufficient-statistics query for several domain sets at once.

    ``SELECT GROUPING_ID(by columns), by columns, psu keys, SUM(w * y_j), ...
    FROM source GROUP BY GROUPING SETS ((psu keys, set 1), (psu keys, set 2), ...)``.
    Columns shared by all outcomes (when an outcome has no missing value its
    ``B``, ``N``, ``P`` are the domain's weight sum and counts) are computed
    once; ``Q`` only for outcomes that are not 0/1.

    Parameters
    ----------
    source : str
        Table / view name (already quoted if needed) or a table function.
    weight : str
    psu_keys : list of str
        Columns identifying a PSU (stratum and PSU).
    outcomes : list of _OutSpec
    by_sets : list of tuple of str
    dialect : {"duckdb", "spark"}
        Identifier quoting (the SQL is otherwise the same).

    Returns
    -------
    sql : str
    by_union : list of str
        Union of the ``by`` columns, in the order of the ``GROUPING_ID`` bits.

    Examples
    --------
    >>> sql, cols = aggregate_sql("t", "w", ["s", "p"], [_OutSpec("y", False, True)], [(), ("sex",)])
    >>> "GROUPING SETS" in sql, cols
    (True, ['sex'])
    """
    q = lambda c: _q(c, dialect)  # noqa: E731
    by_union: list[str] = []
    for s in by_sets:
        for c in s:
            if c not in by_union:
                by_union.append(c)
    w = f"CAST({q(weight)} AS DOUBLE)"
    sel = []
    if by_union:
        # every grouping column, in order of appearance (Spark requires it); PSU bits are 0
        sel.append(f"GROUPING_ID({', '.join(q(c) for c in (*psu_keys, *by_union))}) AS __gid")
        sel += [q(c) for c in by_union]
    sel += [q(c) for c in psu_keys]
    sel += [f"SUM({w}) AS __sw", "COUNT(*) AS __n", f"COUNT(CASE WHEN {w} > 0 THEN 1 END) AS __np"]
    for j, o in enumerate(outcomes):
        y = f"CAST({q(o.name)} AS DOUBLE)"
        sel.append(f"SUM({w} * {y}) AS __a{j}")
        if o.missing:
            sel.append(f"SUM(CASE WHEN {q(o.name)} IS NOT NULL THEN {w} ELSE 0 END) AS __b{j}")
            sel.append(f"COUNT({q(o.name)}) AS __c{j}")
            sel.append(f"COUNT(CASE WHEN {q(o.name)} IS NOT NULL AND {w} > 0 THEN 1 END) AS __p{j}")
        if not o.binary:
            sel.append(f"SUM({w} * {y} * {y}) AS __q{j}")
    sets = ", ".join("(" + ", ".join(q(c) for c in (*psu_keys, *s)) + ")" for s in by_sets)
    sql = (f"SELECT {', '.join(sel)}\nFROM {source}\nGROUP BY GROUPING SETS ({sets})")
    return sql, by_union


def _gid(by_union: list[str], s: tuple) -> int:
    k = len(by_union)
    return sum(1 << (k - 1 - i) for i, c in enumerate(by_union) if c not in s)


def _column(res, name) -> np.ndarray:
    col = res[name]
    if isinstance(col, pd.Series):
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(col, dtype=float)


def totals_from_result(res: pd.DataFrame, psu_table: pd.DataFrame, psu_keys: list[str],
                       outcomes: list[_OutSpec], by_sets: list[tuple], by_union: list[str],
                       kind: str = "mean") -> list[Totals]:
    """Turn the rows of :func:`aggregate_sql` into :class:`Totals` (one per domain set).

    ``psu_table`` lists every PSU of the design (``psu_keys`` columns) in code
    order. Rows whose key of a grouped ``by`` column is missing (NULL) belong to
    no domain and are dropped (R ``svyby``); domains are sorted by their keys.
    """
    U = len(psu_table)
    m = len(outcomes)
    lookup = psu_table[psu_keys].copy()
    lookup["__u"] = np.arange(U)
    res = res.reset_index(drop=True)
    merged = res[psu_keys].merge(lookup, on=psu_keys, how="left", sort=False)
    if merged["__u"].isna().any():
        raise DesignError("the grouped query returned a PSU that the design query did not see; "
                          "was the data modified in between?")
    ucode = merged["__u"].to_numpy(dtype=np.int64)
    gid = res["__gid"].to_numpy(dtype=np.int64) if by_union else np.zeros(len(res), dtype=np.int64)
    out = []
    for s in by_sets:
        rows = gid == _gid(by_union, s)
        cols = list(s)
        if cols:
            rows &= ~res[cols].isna().any(axis=1).to_numpy()
        sub = res.loc[rows]
        if cols:
            keyframe = sub[cols]
            grouped = keyframe.groupby(cols, sort=True, dropna=True, observed=True)
            dcode = grouped.ngroup().to_numpy(dtype=np.int64)
            keys = grouped.size().index.to_frame(index=False)[cols]
        else:
            dcode = np.zeros(len(sub), dtype=np.int64)
            keys = pd.DataFrame(index=range(1))
        D = len(keys)
        u = ucode[rows]
        srt = np.lexsort((u, dcode))
        dcode, u = dcode[srt], u[srt]

        def arr(name):
            return np.nan_to_num(_column(sub, name), nan=0.0)[srt]

        def block(get):
            return np.column_stack([get(j) for j in range(m)]) if m else np.zeros((len(u), 0))

        A = block(lambda j: arr(f"__a{j}"))
        sw, nn, npos = arr("__sw"), arr("__n"), arr("__np")
        if any(o.missing for o in outcomes):
            B = block(lambda j: arr(f"__b{j}") if outcomes[j].missing else sw)
            N = block(lambda j: arr(f"__c{j}") if outcomes[j].missing else nn)
            P = block(lambda j: arr(f"__p{j}") if outcomes[j].missing else npos)
        else:
            B, N, P = sw[:, None], nn[:, None], npos[:, None]
        Q = None
        if any(not o.binary for o in outcomes):
            Q = block(lambda j: arr(f"__q{j}") if not outcomes[j].binary else arr(f"__a{j}"))
        if D == 0:
            keys = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        out.append(Totals(keys.reset_index(drop=True), dcode, u, A, B, N, P, Q))
    return out


class DuckDBEngine:
    """Runs SQL on a DuckDB connection; ``source`` is the FROM clause of the data.

    Examples
    --------
    >>> import pandas as pd
    >>> eng = DuckDBEngine.for_data(pd.DataFrame({"a": [1, 2]}))
    >>> eng.query(f"SELECT COUNT(*) AS n, MAX(a) AS s FROM {eng.source}").values.tolist()
    [[2, 2]]
    """
    dialect = "duckdb"

    def __init__(self, con, source: str, describe: str):
        self.con, self.source, self.describe = con, source, describe

    @classmethod
    def for_data(cls, data, connection=None, threads: int | None = None) -> "DuckDBEngine":
        """Engine over a DataFrame, Arrow table, Parquet path / glob / directory or DuckDB relation."""
        import duckdb

        con = connection if connection is not None else duckdb.connect()
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        name = f"__drugtrends_src_{id(data):x}"
        if isinstance(data, duckdb.DuckDBPyRelation):
            if connection is None:
                raise DesignError("give connection= (the connection the relation belongs to) with a "
                                  "DuckDB relation.")
            data.create_view(name, replace=True)
            return cls(con, _q(name, "duckdb"), "DuckDB relation")
        if isinstance(data, pd.DataFrame):
            con.register(name, data)
            return cls(con, _q(name, "duckdb"), f"DataFrame ({len(data)} rows)")
        try:
            import pyarrow as pa
            if isinstance(data, (pa.Table, pa.RecordBatchReader)) or type(data).__name__ == "Dataset":
                con.register(name, data)
                return cls(con, _q(name, "duckdb"), "Arrow table")
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            pass
        if isinstance(data, (str, os.PathLike, list, tuple)):
            paths = [os.fspath(p) for p in (data if isinstance(data, (list, tuple)) else [data])]
            expanded = []
            for p in paths:
                pp = Path(p)
                if pp.is_dir():
                    if not list(pp.rglob("*.parquet")):
                        raise DataNotFoundError(f"directory {pp} holds no .parquet file.")
                    expanded.append(str(pp / "**" / "*.parquet"))
                elif any(ch in p for ch in "*?["):
                    import glob
                    if not glob.glob(p, recursive=True):
                        raise DataNotFoundError(f"no Parquet file matches {p!r}.")
                    expanded.append(p)
                elif pp.is_file():
                    expanded.append(p)
                else:
                    raise DataNotFoundError(f"Parquet source {p} does not exist; check the path.")
            lst = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in expanded) + "]"
            return cls(con, f"read_parquet({lst}, union_by_name = true)", ", ".join(expanded))
        raise DesignError(f"data of type {type(data).__name__} is not supported: give a pandas "
                          "DataFrame, a pyarrow Table, a Parquet path / glob / directory, or a "
                          "DuckDB relation (with connection=).")

    def columns(self) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {self.source}").fetchall()]

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).to_arrow_table().to_pandas()


# --------------------------------------------------------------------------- out-of-core design
class RelationDesign(SurveyDesign):
    """A stratified cluster design whose rows stay in a database engine.

    Built by :meth:`SurveyDesign.from_parquet`, :meth:`SurveyDesign.from_arrow`,
    :meth:`SurveyDesign.from_duckdb` or :func:`drugtrends.survey.spark.from_spark`.
    Only the design (one row per PSU) and the grouped sums come back to Python.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
    ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> des = SurveyDesign.from_arrow(df, weight="w", strata="st", psu="psu")
    >>> des
    RelationDesign(engine=duckdb, strata=2, psu=4, df=2, lonely_psu='fail')
    >>> round(float(des.mean("y").se[0]), 4)   # as SurveyDesign(df, ...).mean("y"): R 0.162
    0.162
    """

    def __init__(self, engine, weight: str, strata: str | None = None, psu: str | None = None,
                 fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
                 level: float = 0.95):
        if lonely_psu not in LONELY_PSU_RULES:
            raise DesignError(f"lonely_psu={lonely_psu!r} is not one of {LONELY_PSU_RULES}")
        if reliability not in (None, "nchs", "nsduh"):
            raise DesignError(f"reliability={reliability!r}: use 'nchs', 'nsduh' or None")
        if psu is None:
            raise DesignError("an out-of-core design needs a psu= column (one row per PSU would "
                              "bring every row back); for an unclustered sample load it with pandas.")
        self.engine = engine
        self.data = None
        self.weight, self.strata, self.psu, self.fpc = weight, strata, psu, fpc
        self.nest = True
        self.lonely_psu, self.reliability, self.level = lonely_psu, reliability, level
        cols = engine.columns()
        self._columns = cols
        need = [c for c in (weight, strata, psu, fpc) if c is not None]
        for c in need:
            if c not in cols:
                import difflib
                close = difflib.get_close_matches(c, cols, n=5, cutoff=0.5)
                raise UnknownVariableError(f"design column {c!r} is not in {engine.describe}."
                                           + (f" Did you mean: {close}?" if close else ""))
        q = lambda c: _q(c, engine.dialect)  # noqa: E731
        self._psu_keys = [c for c in (strata, psu) if c is not None]
        keys = ", ".join(q(c) for c in self._psu_keys)
        w = q(weight)
        extra = f", MIN({q(fpc)}) AS __fmin, MAX({q(fpc)}) AS __fmax" if fpc else ""
        info = engine.query(
            f"SELECT {keys}, COUNT(*) AS __n, COUNT(CASE WHEN {w} > 0 THEN 1 END) AS __np, "
            f"COUNT(CASE WHEN {w} IS NULL THEN 1 END) AS __wna, "
            f"COUNT(CASE WHEN {w} < 0 THEN 1 END) AS __wneg{extra} "
            f"FROM {engine.source} GROUP BY {keys}")
        for c in self._psu_keys:
            if info[c].isna().any():
                raise DesignError(f"{'strata' if c == strata else 'PSU'} column {c!r} has missing "
                                  "values; every row needs a stratum and a PSU.")
        if info["__wna"].sum() > 0:
            raise DesignError(f"weight column {weight!r} has {int(info['__wna'].sum())} missing values. "
                              "Drop those rows or give them a weight.")
        if info["__wneg"].sum() > 0:
            raise DesignError(f"weight column {weight!r} has {int(info['__wneg'].sum())} negative values; "
                              "weights must be >= 0.")
        info = info.sort_values(self._psu_keys, kind="stable").reset_index(drop=True)
        self._psu_table = info
        if strata is not None:
            s_codes, s_uni = pd.factorize(info[strata], sort=True)
        else:
            s_codes, s_uni = np.zeros(len(info), dtype=np.int64), pd.Index(["(all)"])
        self._stratum_of_psu = np.asarray(s_codes, dtype=np.int64)
        self._strata_labels = s_uni
        self._n_strata = len(s_uni)
        self._n_psu = len(info)
        self._n_h = np.bincount(self._stratum_of_psu, minlength=self._n_strata).astype(float)
        self._n_rows = int(info["__n"].sum())
        if fpc is not None:
            per = info.groupby(self._stratum_of_psu).agg(lo=("__fmin", "min"), hi=("__fmax", "max"))
            if (per.lo != per.hi).any() or (per.lo <= 0).any() or per.lo.isna().any():
                raise DesignError(f"fpc column {fpc!r} must be positive and constant within each stratum.")
            val = per.lo.to_numpy(dtype=float)
            if (val <= 1).all():
                self._f_h = 1.0 - val
            else:
                if (val < self._n_h).any():
                    raise DesignError(f"fpc column {fpc!r}: a stratum has more sampled PSUs than its "
                                      "population count.")
                self._f_h = (val - self._n_h) / val
        else:
            self._f_h = np.ones(self._n_strata)
        lonely = np.flatnonzero(self._n_h == 1)
        if lonely.size and lonely_psu == "fail":
            labs = [s_uni[i] for i in lonely[:10]]
            raise DesignError(
                f"stratum {labs[0]!r} of column {strata!r} has only one PSU: its variance cannot be "
                "estimated. Choose a rule with lonely_psu='remove', 'certainty', 'adjust' or 'average'.")
        pos = info["__np"].to_numpy() > 0
        self._df_design = int(pos.sum() - len(np.unique(self._stratum_of_psu[pos])))
        self._mask = None

    # basic properties -------------------------------------------------
    @property
    def df(self) -> int:
        return self._df_design

    @property
    def n(self) -> int:
        return self._n_rows

    def __repr__(self) -> str:
        return (f"RelationDesign(engine={self.engine.dialect}, strata={self._n_strata}, "
                f"psu={self._n_psu}, df={self.df}, lonely_psu={self.lonely_psu!r})")

    def _outspecs(self, variables) -> list[_OutSpec]:
        variables = _as_list(variables)
        if not variables:
            raise DesignError("give at least one outcome variable")
        for v in variables:
            if v not in self._columns:
                raise UnknownVariableError(f"outcome {v!r} is not in {self.engine.describe}.")
        q = lambda c: _q(c, self.engine.dialect)  # noqa: E731
        parts = []
        for j, v in enumerate(variables):
            parts.append(f"COUNT({q(v)}) AS __c{j}")
            parts.append(f"COUNT(CASE WHEN CAST({q(v)} AS DOUBLE) IN (0, 1) THEN 1 END) AS __b{j}")
        try:
            r = self.engine.query(f"SELECT COUNT(*) AS __n, {', '.join(parts)} FROM {self.engine.source}")
        except Exception as exc:
            raise DesignError(f"outcomes {variables} could not be read as numbers: {exc}. Out-of-core "
                              "designs take numeric (0/1 or continuous) outcomes; recode text "
                              "categories into 0/1 indicators.") from exc
        n = float(r["__n"].iloc[0])
        out = []
        for j, v in enumerate(variables):
            c, b = float(r[f"__c{j}"].iloc[0]), float(r[f"__b{j}"].iloc[0])
            out.append(_OutSpec(v, c < n, c > 0 and b == c))
        return out

    def _sql_totals(self, specs, sets, kind):
        for s in sets:
            for c in s:
                if c not in self._columns:
                    raise UnknownVariableError(f"by variable {c!r} is not in {self.engine.describe}.")
        sql, by_union = aggregate_sql(self.engine.source, self.weight, self._psu_keys, specs, sets,
                                      self.engine.dialect, kind)
        res = self.engine.query(sql)
        return totals_from_result(res, self._psu_table, self._psu_keys, specs, sets, by_union, kind)

    def grid(self, variables, by_sets=None, *, kind: str = "mean", ci: str = "t",
             level: float | None = None, df="domain", reliability="design") -> pd.DataFrame:
        """Means (or totals) for many domain sets in one grouped query; see :func:`grid`."""
        return grid(self, variables, by_sets, kind=kind, ci=ci, level=level, df=df,
                    reliability=reliability)

    def mean(self, variables, by=None, *, ci: str = "t", level: float | None = None, df="domain",
             reliability="design", return_cov: bool = False):
        """Weighted means of numeric outcomes by domain (see :meth:`SurveyDesign.mean`).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0] * 4, "y": [0, 1, 1, 1]})
        >>> float(SurveyDesign.from_arrow(df, weight="w", psu="psu").mean("y").estimate[0])
        0.75
        """
        if return_cov:
            raise DesignError("return_cov=True needs the rows in memory: use design.to_pandas().")
        out = grid(self, variables, [tuple(_as_list(by))], kind="mean", ci=ci, level=level, df=df,
                   reliability=reliability)
        return out.drop(columns=[BY_SET_COLUMN])

    def total(self, variables, by=None, *, ci: str = "t", level: float | None = None, df="domain",
              reliability=None, return_cov: bool = False):
        """Weighted totals by domain (see :meth:`SurveyDesign.total`).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(4), "w": [10.0] * 4, "y": [0, 1, 1, 0]})
        >>> float(SurveyDesign.from_arrow(df, weight="w", psu="psu").total("y").estimate[0])
        20.0
        """
        if return_cov:
            raise DesignError("return_cov=True needs the rows in memory: use design.to_pandas().")
        out = grid(self, variables, [tuple(_as_list(by))], kind="total", ci=ci, level=level, df=df,
                   reliability=reliability)
        return out.drop(columns=[BY_SET_COLUMN])

    def to_pandas(self, columns=None) -> SurveyDesign:
        """Load the design columns and ``columns`` into pandas: a regular :class:`SurveyDesign`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": [1, 2], "w": [1.0, 1.0], "y": [0, 1]})
        >>> SurveyDesign.from_arrow(df, weight="w", psu="psu").to_pandas(["y"]).n
        2
        """
        cols = list(dict.fromkeys([c for c in (self.weight, self.strata, self.psu, self.fpc) if c]
                                  + (_as_list(columns) if columns is not None else
                                     [c for c in self._columns])))
        q = lambda c: _q(c, self.engine.dialect)  # noqa: E731
        data = self.engine.query(f"SELECT {', '.join(q(c) for c in cols)} FROM {self.engine.source}")
        return SurveyDesign(data, weight=self.weight, strata=self.strata, psu=self.psu, fpc=self.fpc,
                            lonely_psu=self.lonely_psu, reliability=self.reliability, level=self.level)

    def _unsupported(self, name):
        raise DesignError(f"{name}() needs the rows in memory; use design.to_pandas([columns]).{name}(...) "
                          "(out-of-core designs compute mean, total, prop_ci and grid).")

    def subset(self, *a, **k):
        self._unsupported("subset")

    def ratio(self, *a, **k):
        self._unsupported("ratio")

    def proportion(self, *a, **k):
        self._unsupported("proportion")

    def quantile(self, *a, **k):
        self._unsupported("quantile")

    def glm(self, *a, **k):
        self._unsupported("glm")

    def chisq(self, *a, **k):
        self._unsupported("chisq")

    def contrast(self, *a, **k):
        self._unsupported("contrast")

    def difference(self, *a, **k):
        self._unsupported("difference")

    def to_replicate(self, *a, **k):
        self._unsupported("to_replicate")


# --------------------------------------------------------------------------- pandas via SQL
def _duckdb_totals_for_pandas(design: SurveyDesign, outcomes: list[_Outcome], by_sets, threads=None):
    """The SQL engine on a pandas design: PSU codes, per-set domain codes and outcomes as Arrow."""
    import duckdb
    import pyarrow as pa

    cache: dict = {}
    cols = {"__psu": pa.array(design._psu), "__w": pa.array(design._w)}
    keys_by_set = []
    sets_sql = []
    for i, by in enumerate(by_sets):
        _check_by(design.data, by)
        codes, keys = fast_domain_codes(design.data, list(by), design._mask, cache)
        cols[f"__d{i}"] = pa.array(codes, mask=codes < 0)
        keys_by_set.append(keys)
        sets_sql.append((f"__d{i}",))
    specs = []
    for j, o in enumerate(outcomes):
        name = f"__y{j}"
        cols[name] = pa.array(o.y, from_pandas=True)   # NaN -> NULL
        miss = bool(np.isnan(o.y[design._mask]).any())
        specs.append(_OutSpec(name, miss, o.is_prop))
    table = pa.table(cols)
    con = duckdb.connect()
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    con.register("__dt_rows", table)
    sql, by_union = aggregate_sql("__dt_rows", "__w", ["__psu"], specs, sets_sql, "duckdb")
    res = con.sql(sql).to_arrow_table().to_pandas()
    psu_table = pd.DataFrame({"__psu": np.arange(design._n_psu)})
    tots = totals_from_result(res, psu_table, ["__psu"], specs, sets_sql, by_union)
    out = []
    for t, keys in zip(tots, keys_by_set):
        # the grouped key is the domain code itself (0..D-1 in key order)
        codes = (t.keys.iloc[:, 0].to_numpy(dtype=np.int64) if t.keys.shape[1]
                 else np.array([0], dtype=np.int64))
        out.append(Totals(keys.reset_index(drop=True), codes[t.d], t.u, t.A, t.B, t.N, t.P, t.Q))
    con.close()
    return out


# --------------------------------------------------------------------------- public entry point
def grid(design, variables, by_sets=None, *, kind: str = "mean", ci: str = "t",
         level: float | None = None, df="domain", reliability="design",
         engine: str = "auto") -> pd.DataFrame:
    """Means or totals of many outcomes for many domain sets, in one grouped pass.

    Parameters
    ----------
    design : SurveyDesign or RelationDesign
    variables : str or list of str
        Outcome columns (numeric: 0/1 proportions or continuous).
    by_sets : list of (str or list of str)
        Domain sets, e.g. ``[("year",), ("year", "sex"), ("year", "age")]``;
        ``()`` is the whole population. Default: the whole population only.
    kind : {"mean", "total"}
    ci, level, df, reliability :
        As :meth:`SurveyDesign.mean`.
    engine : {"auto", "numpy", "duckdb"}
        For a pandas design: ``"numpy"`` (default, fastest) or ``"duckdb"``
        (the SQL engine over the same rows). Ignored for out-of-core designs.

    Returns
    -------
    DataFrame
        ``by_set`` (the domain set, ``"year+sex"``; ``""`` for the whole
        population), the union of the ``by`` columns (missing where a column is
        not in the row's set), then the columns of :meth:`SurveyDesign.mean`.
        Within each set, rows are identical to ``design.mean(variables, by=set)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
    ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
    ...                    "g": list("abababab")})
    >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
    >>> r = grid(des, "y", [(), ("g",)])
    >>> r[["by_set", "g", "estimate", "se"]].round(4)   # R svymean / svyby: SE 0.162, 0.3239, 0
      by_set    g  estimate      se
    0         NaN    0.6667  0.1620
    1      g    a    0.6667  0.3239
    2      g    b    0.6667  0.0000
    """
    if kind not in ("mean", "total"):
        raise DesignError(f"kind={kind!r}: grid computes 'mean' or 'total'.")
    if getattr(design, "_is_replicate", False):
        raise DesignError("grid() is for Taylor-linearisation designs; for replicate weights call "
                          "design.mean(variables, by=...) for each domain set.")
    sets = _normalise_sets(by_sets)
    if isinstance(design, RelationDesign):
        specs = design._outspecs(variables)
        tots = design._sql_totals(specs, sets, kind)
        outcomes = [_Outcome(s.name, None, None, s.binary) for s in specs]
    else:
        outcomes = _grid_outcomes(design, variables)
        if engine in ("auto", "numpy"):
            tots = _inmemory_totals(design, outcomes, sets)
        elif engine == "duckdb":
            tots = _duckdb_totals_for_pandas(design, outcomes, sets)
        else:
            raise DesignError(f"engine={engine!r}: use 'numpy' or 'duckdb' (Spark: "
                              "drugtrends.survey.spark.from_spark).")
    meta = _meta(design, df)
    frames = []
    for s, tot in zip(sets, tots):
        lin = linearise_totals(tot, meta, kind, df)
        lin.outcomes = outcomes
        table = design._table(lin, ci if kind == "mean" else _t_or_normal(ci), level,
                              reliability if kind == "mean" else
                              (None if reliability == "design" else reliability), list(s), kind)
        table.insert(0, BY_SET_COLUMN, "+".join(s))
        if len(sets) > 1:   # integer keys stay integers where other sets leave them missing
            for c in s:
                if pd.api.types.is_integer_dtype(table[c]) and not pd.api.types.is_extension_array_dtype(table[c]):
                    table[c] = table[c].astype("Int64")
        frames.append(table)
    by_union = list(dict.fromkeys(c for s in sets for c in s))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[BY_SET_COLUMN, *by_union])
    out = pd.concat(frames, ignore_index=True, sort=False)
    lead = [BY_SET_COLUMN, *by_union]
    return out[lead + [c for c in out.columns if c not in lead]]


def _t_or_normal(ci):
    if ci not in ("t", "normal"):
        raise DesignError(f"ci={ci!r}: totals take ci='t' or ci='normal'.")
    return ci
