"""The grouped sufficient-statistics query, one SQL text for DuckDB and Spark.

:func:`aggregate_sql` writes ``SELECT ... GROUP BY GROUPING SETS`` over the rows
for several domain sets at once; :func:`totals_from_result` turns its rows
into :class:`drugtrends.survey.kernel.Totals` for
:func:`drugtrends.survey.kernel.linearise`. Only one row per domain x PSU comes
back from the engine. Per domain ``d``, PSU ``u`` and outcome ``j``::

    A[d, u, j] = sum w * y_j          (rows with y_j observed)
    B[d, u, j] = sum w                (rows with y_j observed)
    N[d, u, j] = count                (rows with y_j observed)
    P[d, u, j] = count with w > 0     (rows with y_j observed)
    Q[d, u, j] = sum w * y_j ** 2     (design effects; = A for 0/1 outcomes)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError
from .kernel import DesignStructure, Outcome, Totals

__all__ = ["quote", "OutSpec", "aggregate_sql", "totals_from_result", "duckdb_totals"]


def quote(name: str, dialect: str) -> str:
    """Quote an identifier for ``dialect`` (``"duckdb"``: double quotes, ``"spark"``: backticks).

    Parameters
    ----------
    name : str
        A column name.
    dialect : {"duckdb", "spark"}
        The SQL dialect.

    Examples
    --------
    >>> quote('a"b', "duckdb"), quote("x", "spark")
    ('"a""b"', '`x`')
    """
    if dialect == "spark":
        return "`" + str(name).replace("`", "``") + "`"
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class OutSpec:
    """An outcome of a SQL design: ``name``, has ``missing`` values, is ``binary`` (0/1).

    ``expr``: SQL expression of the value (default: the quoted column ``name``),
    e.g. a ``CASE`` giving the 0/1 indicator of a category; ``den``: SQL
    expression of a ratio's denominator (rows where either is NULL leave the
    domain; ``B`` is then the weighted denominator).

    Attributes
    ----------
    name : str
        The column.
    missing : bool
        It has NULL values.
    binary : bool
        Its values are 0/1.
    expr : str, optional
        SQL expression of the value; default the quoted column.
    den : str, optional
        SQL expression of a ratio's denominator.

    Examples
    --------
    >>> OutSpec("y", missing=False, binary=True)
    OutSpec(name='y', missing=False, binary=True, expr=None, den=None)
    """
    name: str
    missing: bool
    binary: bool
    expr: str | None = None
    den: str | None = None


def aggregate_sql(source: str, weight: str, psu_keys: list[str], outcomes: list[OutSpec],
                  by_sets: list[tuple[str, ...]], dialect: str = "duckdb", kind: str = "mean") -> tuple[str, list[str]]:
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
    outcomes : list of OutSpec
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
    >>> sql, cols = aggregate_sql("t", "w", ["s", "p"], [OutSpec("y", False, True)], [(), ("sex",)])
    >>> "GROUPING SETS" in sql, cols
    (True, ['sex'])
    """
    def q(c: str) -> str:
        return quote(c, dialect)

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
        sel += _outcome_sums(j, o.expr if o.expr is not None else q(o.name), o, w)
    sets = ", ".join("(" + ", ".join(q(c) for c in (*psu_keys, *s)) + ")" for s in by_sets)
    sql = (f"SELECT {', '.join(sel)}\nFROM {source}\nGROUP BY GROUPING SETS ({sets})")
    return sql, by_union


def _outcome_sums(j: int, yraw: str, o: OutSpec, w: str) -> list[str]:
    """The SUM / COUNT columns of outcome ``j`` (value expression ``yraw``)."""
    y = f"CAST({yraw} AS DOUBLE)"
    if o.den is not None:   # ratio: rows with both values observed
        both = f"{yraw} IS NOT NULL AND {o.den} IS NOT NULL"
        x = f"CAST({o.den} AS DOUBLE)"
        return [f"SUM(CASE WHEN {both} THEN {w} * {y} ELSE 0 END) AS __a{j}",
                f"SUM(CASE WHEN {both} THEN {w} * {x} ELSE 0 END) AS __b{j}",
                f"COUNT(CASE WHEN {both} THEN 1 END) AS __c{j}",
                f"COUNT(CASE WHEN {both} AND {w} > 0 THEN 1 END) AS __p{j}",
                # design effect of the ratio: w, w y^2, w y x, w x^2 over the same rows
                f"SUM(CASE WHEN {both} THEN {w} ELSE 0 END) AS __rw{j}",
                f"SUM(CASE WHEN {both} THEN {w} * {y} * {y} ELSE 0 END) AS __raa{j}",
                f"SUM(CASE WHEN {both} THEN {w} * {y} * {x} ELSE 0 END) AS __rab{j}",
                f"SUM(CASE WHEN {both} THEN {w} * {x} * {x} ELSE 0 END) AS __rbb{j}"]
    out = [f"SUM({w} * {y}) AS __a{j}"]
    if o.missing:
        out += [f"SUM(CASE WHEN {yraw} IS NOT NULL THEN {w} ELSE 0 END) AS __b{j}",
                f"COUNT({yraw}) AS __c{j}",
                f"COUNT(CASE WHEN {yraw} IS NOT NULL AND {w} > 0 THEN 1 END) AS __p{j}"]
    if not o.binary:
        out.append(f"SUM({w} * {y} * {y}) AS __q{j}")
    return out


def _gid(by_union: list[str], s: tuple[str, ...]) -> int:
    k = len(by_union)
    return sum(1 << (k - 1 - i) for i, c in enumerate(by_union) if c not in s)


def _column(res: pd.DataFrame, name: str) -> np.ndarray:
    col = res[name]
    if isinstance(col, pd.Series):
        v: np.ndarray = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return v
    return np.asarray(col, dtype=float)


def _in_domains(res: pd.DataFrame, rows: np.ndarray, cols: list[str]) -> tuple[np.ndarray, int]:
    """Keep the result rows whose ``cols`` keys are all observed; count the design rows dropped.

    NULL and a float NaN stored as a value are missing alike (SQL makes them two groups).

    Parameters
    ----------
    res : DataFrame
        The rows of the :func:`aggregate_sql` query (with ``__n``).
    rows : ndarray of bool
        The result rows of the domain set.
    cols : list of str
        The set's ``by`` columns.

    Returns
    -------
    (ndarray of bool, int)
        ``rows`` without missing keys; design rows with a missing key.
    """
    if not cols:
        return rows, 0
    missing = rows & res[cols].isna().any(axis=1).to_numpy()
    return rows & ~missing, int(np.nansum(_column(res.loc[missing], "__n")))


def totals_from_result(res: pd.DataFrame, psu_table: pd.DataFrame, psu_keys: list[str],
                       outcomes: list[OutSpec], by_sets: list[tuple[str, ...]], by_union: list[str],
                       kind: str = "mean") -> list[Totals]:
    """Turn the rows of :func:`aggregate_sql` into :class:`Totals` (one per domain set).

    ``psu_table`` lists every PSU of the design (``psu_keys`` columns) in code
    order. Rows whose key of a grouped ``by`` column is missing (NULL, or a
    float NaN stored as a value) belong to no domain and are dropped (R
    ``svyby``); their number is ``keys.attrs["n_missing_by"]`` of the set's
    :class:`Totals` (the estimators warn with it, as in memory, issue 24).
    Domains are sorted by their keys.

    Parameters
    ----------
    res : DataFrame
        The rows of the :func:`aggregate_sql` query.
    psu_table : DataFrame
        Every PSU of the design (``psu_keys`` columns), in code order.
    psu_keys : list of str
        The PSU key columns.
    outcomes : list of OutSpec
        The outcomes of the query.
    by_sets : list of tuple
        The domain sets.
    by_union : list of str
        All ``by`` columns (the query's second return value).
    kind : {"mean", "total", "ratio"}
        The estimator.

    Examples
    --------
    >>> import duckdb, pandas as pd
    >>> d = pd.DataFrame({"p": [0, 0, 1, 1], "w": [1.0, 1, 2, 2], "y": [0.0, 1, 1, 1], "sex": ["f", "m", "f", "m"]})
    >>> out = [OutSpec("y", False, True)]
    >>> sql, by_union = aggregate_sql("d", "w", ["p"], out, [(), ("sex",)])
    >>> t = totals_from_result(duckdb.sql(sql).df(), pd.DataFrame({"p": [0, 1]}), ["p"], out, [(), ("sex",)], by_union)
    >>> t[0].A.ravel().tolist(), t[1].keys["sex"].tolist(), t[1].A.ravel().tolist()   # sum of w y per (domain, PSU)
    ([1.0, 4.0], ['f', 'm'], [0.0, 2.0, 1.0, 2.0])
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
        rows, n_missing_by = _in_domains(res, rows, cols)
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

        def arr(name: str, sub: pd.DataFrame = sub, srt: np.ndarray = srt) -> np.ndarray:
            a: np.ndarray = np.nan_to_num(_column(sub, name), nan=0.0)[srt]
            return a

        def block(get: Callable[[int], np.ndarray], u: np.ndarray = u) -> np.ndarray:
            return np.column_stack([get(j) for j in range(m)]) if m else np.zeros((len(u), 0))

        A = block(lambda j: arr(f"__a{j}"))
        sw, nn, npos = arr("__sw"), arr("__n"), arr("__np")
        own = [o.missing or o.den is not None for o in outcomes]
        if any(own):
            def own_or(prefix: str, shared: np.ndarray, own: list[bool] = own) -> np.ndarray:
                return block(lambda j: arr(f"{prefix}{j}") if own[j] else shared)
            B, N, P = own_or("__b", sw), own_or("__c", nn), own_or("__p", npos)
        else:
            B, N, P = sw[:, None], nn[:, None], npos[:, None]
        Q = None
        if any(not o.binary and o.den is None for o in outcomes):
            Q = block(lambda j: arr(f"__q{j}") if not outcomes[j].binary and outcomes[j].den is None
                      else arr(f"__a{j}"))
        R2 = None
        if m and all(o.den is not None for o in outcomes):
            def r_block(k: str) -> np.ndarray:
                return block(lambda j: arr(f"__r{k}{j}"))
            R2 = np.stack([r_block(k) for k in ("w", "aa", "ab", "bb")], axis=1)
        if D == 0:
            keys = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        keys = keys.reset_index(drop=True)
        keys.attrs["n_missing_by"] = n_missing_by   # the estimators warn, as in memory
        out.append(Totals(keys, dcode, u, A, B, N, P, Q, R2))
    return out


def duckdb_totals(structure: DesignStructure, data: pd.DataFrame, mask: np.ndarray, outcomes: list[Outcome],
                  by_sets: Sequence[Sequence[str]],
                  threads: int | None = None) -> list[Totals]:
    """The SQL grouped pass run by DuckDB on an in-memory design's rows (scanned as Arrow).

    Same result as :func:`drugtrends.survey.grouped.inmemory_totals` to
    floating-point rounding; used by ``SurveyDesign.grid(engine="duckdb")``.

    Parameters
    ----------
    structure : DesignStructure
        The design's structure.
    data : DataFrame
        The survey rows.
    mask : ndarray of bool
        Rows in the (sub)population.
    outcomes : list of Outcome
        The outcomes.
    by_sets : list of tuple
        Domain sets.
    threads : int, optional
        DuckDB threads.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from drugtrends.survey.kernel import DesignStructure, Outcome
    >>> s = DesignStructure(np.array([0, 0]), np.array([2.0]), np.ones(1), "fail", 1.0,
    ...                     psu=np.array([0, 0, 1]), weights=np.ones(3))
    >>> t = duckdb_totals(s, pd.DataFrame(index=range(3)), np.ones(3, bool),
    ...                   [Outcome("y", None, np.array([1.0, 0, 1]), True)], [()])
    >>> t[0].A.ravel().tolist()
    [1.0, 1.0]
    """
    import duckdb
    import pyarrow as pa

    from .grouped import domain_keys

    cache: dict[Any, Any] = {}
    cols = {"__psu": pa.array(structure.psu), "__w": pa.array(structure.weights)}
    keys_by_set: list[pd.DataFrame] = []
    sets_sql: list[tuple[str, ...]] = []
    for i, by in enumerate(by_sets):
        codes, keys = domain_keys(data, list(by), mask, cache)
        cols[f"__d{i}"] = pa.array(codes, mask=codes < 0)
        keys_by_set.append(keys)
        sets_sql.append((f"__d{i}",))
    specs = []
    for j, o in enumerate(outcomes):
        y = np.asarray(o.y, dtype=float)
        cols[f"__y{j}"] = pa.array(y, from_pandas=True)   # NaN -> NULL
        specs.append(OutSpec(f"__y{j}", bool(np.isnan(y[mask]).any()), o.is_prop))
    con = duckdb.connect()
    try:
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        con.register("__dt_rows", pa.table(cols))
        sql, by_union = aggregate_sql("__dt_rows", "__w", ["__psu"], specs, sets_sql, "duckdb")
        res = con.sql(sql).to_arrow_table().to_pandas()
    finally:
        con.close()
    psu_table = pd.DataFrame({"__psu": np.arange(structure.n_psu)})
    out = []
    for t, keys in zip(totals_from_result(res, psu_table, ["__psu"], specs, sets_sql, by_union), keys_by_set):
        # the grouped key is the domain code itself (0..D-1 in key order)
        codes = (t.keys.iloc[:, 0].to_numpy(dtype=np.int64) if t.keys.shape[1]
                 else np.array([0], dtype=np.int64))
        out.append(Totals(keys.reset_index(drop=True), codes[t.d], t.u, t.A, t.B, t.N, t.P, t.Q))
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
