"""Designs whose rows stay in a database engine: DuckDB (pandas, Arrow, Parquet, relations).

As R ``survey``'s DBI designs: a :class:`RelationDesign` keeps one row per PSU
in Python, sends the grouped sufficient-statistics query of
:mod:`drugtrends.survey.sql` to the engine, and hands the sums to the same
kernel as every other design (:func:`drugtrends.survey.kernel.linearise`).
``mean``, ``proportion``, ``prop_ci``, ``total``, ``ratio`` and ``grid`` (with
``return_cov``) run in the engine; for the other analyses (quantiles, models,
tests, subsets) :meth:`RelationDesign.to_pandas` loads the columns needed into
a regular :class:`~drugtrends.survey.SurveyDesign`.
The Spark engine is :mod:`drugtrends.survey.spark`.

Constructors: :func:`from_parquet`, :func:`from_arrow`, :func:`from_duckdb`
(also reachable as ``SurveyDesign.from_parquet`` etc.).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0]})
>>> des = from_arrow(df, weight="w", strata="st", psu="psu")
>>> des
RelationDesign(engine=duckdb, strata=2, psu=4, df=2, lonely_psu='fail')
>>> round(float(des.mean("y").se[0]), 4)   # as SurveyDesign(df, ...).mean("y"): R 0.162
0.162
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, cast

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, DesignError, InputError, UnknownVariableError
from ..validate import as_list, check_choice, require_unique, suggest
from .base import RELIABILITY_RULES, DesignBase
from .design import SurveyDesign
from .kernel import DesignStructure, Outcome, ReplicateTotals, Totals
from .sql import OutSpec, aggregate_sql, quote, totals_from_result
from .structure import check_key_types, lonely_psu_error
from .variance import LONELY_PSU_RULES

__all__ = ["RelationDesign", "DuckDBEngine", "SQLOutcome", "from_parquet", "from_arrow", "from_duckdb"]

#: Analyses that need the rows in memory (``to_pandas()`` first).
IN_MEMORY_ONLY = ("subset", "quantile", "glm", "chisq", "contrast", "difference", "to_replicate")


@dataclass
class SQLOutcome(Outcome):
    """An outcome of a database design (``y`` is None: the rows stay in the engine).

    Parameters
    ----------
    variable, level, y, is_prop :
        As :class:`~drugtrends.survey.kernel.Outcome`.
    missing : bool
        The column has NULL values.
    expr : str, optional
        SQL expression of the value (a category's 0/1 indicator); default the column.

    Examples
    --------
    >>> o = SQLOutcome("y", None, None, True, missing=True)
    >>> o.variable, o.is_prop, o.missing, o.expr
    ('y', True, True, None)
    """
    missing: bool = False
    expr: str | None = None
    y: np.ndarray | None  # type: ignore[assignment]  # the rows stay in the engine: no values


def _observed(col: str) -> str:
    """The value of a numeric column with a float NaN read as missing (NULL), as in memory
    (a NaN stored as a value is missing like a null, on every engine; issue 24)."""
    return f"(CASE WHEN isnan(CAST({col} AS DOUBLE)) THEN NULL ELSE {col} END)"


def _literal(value: Any) -> str:
    """A SQL literal for a category value."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    return "'" + str(value).replace("'", "''") + "'"


class DuckDBEngine:
    """Runs SQL on a DuckDB connection; ``source`` is the FROM clause of the data.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection.
    source : str
        The FROM clause of the data (a table, view or ``read_parquet(...)``).
    describe : str
        What the data are, for messages.

    Examples
    --------
    >>> import pandas as pd
    >>> eng = DuckDBEngine.for_data(pd.DataFrame({"a": [1, 2]}))
    >>> eng.query(f"SELECT COUNT(*) AS n, MAX(a) AS s FROM {eng.source}").values.tolist()
    [[2, 2]]
    """
    dialect = "duckdb"

    def __init__(self, con: Any, source: str, describe: str) -> None:
        self.con, self.source, self.describe = con, source, describe

    @classmethod
    def for_data(cls, data: Any, connection: Any = None, threads: int | None = None) -> DuckDBEngine:
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
            return cls(con, quote(name, "duckdb"), "DuckDB relation")
        if isinstance(data, pd.DataFrame):
            con.register(name, data)
            return cls(con, quote(name, "duckdb"), f"DataFrame ({len(data)} rows)")
        import pyarrow as pa
        if isinstance(data, (pa.Table, pa.RecordBatchReader)) or type(data).__name__ == "Dataset":
            con.register(name, data)
            return cls(con, quote(name, "duckdb"), "Arrow table")
        if isinstance(data, (str, os.PathLike, list, tuple)):
            paths = [os.fspath(p) for p in (data if isinstance(data, (list, tuple)) else [data])]
            expanded = [_parquet_glob(p) for p in paths]
            lst = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in expanded) + "]"
            return cls(con, f"read_parquet({lst}, union_by_name = true)", ", ".join(expanded))
        raise DesignError(f"data of type {type(data).__name__} is not supported: give a pandas "
                          "DataFrame, a pyarrow Table, a Parquet path / glob / directory, or a "
                          "DuckDB relation (with connection=).")

    def columns(self) -> list[str]:
        """Column names of the source."""
        return [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {self.source}").fetchall()]

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql``; the result as a pandas DataFrame."""
        return self.con.sql(sql).to_arrow_table().to_pandas()


def _parquet_glob(p: str) -> str:
    pp = Path(p)
    if pp.is_dir():
        if not list(pp.rglob("*.parquet")):
            raise DataNotFoundError(f"directory {pp} holds no .parquet file.")
        return str(pp / "**" / "*.parquet")
    if any(ch in p for ch in "*?["):
        import glob
        if not glob.glob(p, recursive=True):
            raise DataNotFoundError(f"no Parquet file matches {p!r}.")
        return p
    if pp.is_file():
        return p
    raise DataNotFoundError(f"Parquet source {p} does not exist; check the path.")


def _psu_info(engine: Any, weight: str, strata: str | None, psu: str | None, fpc: str | None,
              psu_keys: list[str]) -> pd.DataFrame:
    """One row per PSU: keys, row counts, weight checks, FPC range."""
    def q(c: str) -> str:
        return quote(c, engine.dialect)

    keys = ", ".join(q(c) for c in psu_keys)
    w = q(weight)
    extra = f", MIN({q(fpc)}) AS __fmin, MAX({q(fpc)}) AS __fmax" if fpc else ""
    info = engine.query(
        f"SELECT {keys}, COUNT(*) AS __n, COUNT(CASE WHEN {w} > 0 THEN 1 END) AS __np, "
        f"COUNT(CASE WHEN {w} IS NULL THEN 1 END) AS __wna, "
        f"COUNT(CASE WHEN {w} < 0 THEN 1 END) AS __wneg, SUM({w}) AS __sw{extra}, "
        f"COUNT(CASE WHEN isnan(CAST({w} AS DOUBLE)) THEN 1 END) AS __wnan, "
        f"COUNT(CASE WHEN ABS(CAST({w} AS DOUBLE)) = CAST('Infinity' AS DOUBLE) THEN 1 END) AS __winf "
        f"FROM {engine.source} GROUP BY {keys}")
    for c in psu_keys:
        if info[c].isna().any():
            raise DesignError(f"{'strata' if c == strata else 'PSU'} column {c!r} has missing "
                              "values; every row needs a stratum and a PSU.")
    n_missing = int(info["__wna"].sum() + info["__wnan"].sum())
    if n_missing > 0:   # NULL or NaN: missing alike, as in memory (structure.check_weights)
        raise DesignError(f"weight column {weight!r} has {n_missing} missing values (NULL or NaN). "
                          "Drop those rows or give them a weight.")
    if info["__winf"].sum() > 0:
        raise DesignError(f"weight column {weight!r} has {int(info['__winf'].sum())} infinite values; "
                          "weights must be finite.")
    if info["__wneg"].sum() > 0:
        raise DesignError(f"weight column {weight!r} has {int(info['__wneg'].sum())} negative values; "
                          "weights must be >= 0.")
    if not info["__sw"].sum() > 0:
        raise DesignError(f"weight column {weight!r} sums to 0: no estimate can be formed.")
    return info.sort_values(psu_keys, kind="stable").reset_index(drop=True)


def _fpc_factor(info: pd.DataFrame, fpc: str | None, stratum_of_psu: np.ndarray, n_h: np.ndarray) -> np.ndarray:
    if fpc is None:
        return np.ones(len(n_h))
    per = info.groupby(stratum_of_psu).agg(lo=("__fmin", "min"), hi=("__fmax", "max"))
    if (per.lo != per.hi).any() or (per.lo <= 0).any() or per.lo.isna().any():
        raise DesignError(f"fpc column {fpc!r} must be positive and constant within each stratum.")
    val: np.ndarray = per.lo.to_numpy(dtype=float)
    if (val <= 1).all():
        return 1.0 - val
    if (val < n_h).any():
        raise DesignError(f"fpc column {fpc!r}: a stratum has more sampled PSUs than its "
                          "population count.")
    factor: np.ndarray = (val - n_h) / val
    return factor


class RelationDesign(DesignBase):
    """A stratified cluster design whose rows stay in a database engine.

    Built by :func:`from_parquet`, :func:`from_arrow`, :func:`from_duckdb` or
    :func:`drugtrends.survey.spark.from_spark`. Only the design (one row per
    PSU) and the grouped sums come back to Python.

    Parameters
    ----------
    engine : DuckDBEngine or drugtrends.survey.spark.SparkEngine
    weight, strata, psu, fpc, lonely_psu, reliability, level, adjust_domain_lonely :
        As :class:`~drugtrends.survey.SurveyDesign` (``psu`` is required).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0] * 4, "y": [0, 1, 1, 1]})
    >>> des = RelationDesign(DuckDBEngine.for_data(df), "w", psu="psu")
    >>> float(des.mean("y").estimate[0]), des.n
    (0.75, 4)
    """

    def __init__(self, engine: Any, weight: str, strata: str | None = None, psu: str | None = None,
                 fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
                 level: float = 0.95, adjust_domain_lonely: bool = False) -> None:
        check_choice(lonely_psu, "lonely_psu", LONELY_PSU_RULES, error=DesignError)
        if reliability not in RELIABILITY_RULES:
            raise DesignError(f"reliability={reliability!r}: use 'nchs', 'nsduh' or None")
        if weight is None:
            raise DesignError("weight is None: give the name of the sampling weight column.")
        if psu is None:
            raise DesignError("an out-of-core design needs a psu= column (one row per PSU would "
                              "bring every row back); for an unclustered sample load it with pandas.")
        self.engine = engine
        self.data = None
        self.weight, self.strata, self.psu, self.fpc = weight, strata, psu, fpc
        self.nest = True
        self.lonely_psu, self.reliability, self.level = lonely_psu, reliability, level
        self._columns = engine.columns()
        for c in [c for c in (weight, strata, psu, fpc) if c is not None]:
            if c not in self._columns:
                raise UnknownVariableError(f"design column {c!r} is not in {engine.describe}."
                                           + suggest(c, self._columns))
        self._psu_keys = [c for c in (strata, psu) if c is not None]
        info = _psu_info(engine, weight, strata, psu, fpc, self._psu_keys)
        self._psu_table = info
        if strata is not None:
            s_codes, s_uni = pd.factorize(info[strata], sort=True)
        else:
            s_codes, s_uni = np.zeros(len(info), dtype=np.int64), pd.Index(["(all)"])
        s_codes = np.asarray(s_codes, dtype=np.int64)
        n_h = np.bincount(s_codes, minlength=len(s_uni)).astype(float)
        f_h = _fpc_factor(info, fpc, s_codes, n_h)
        lonely = np.flatnonzero(n_h == 1)
        if lonely.size and lonely_psu == "fail":
            raise lonely_psu_error([s_uni[i] for i in lonely[:10]], strata)
        self._n_rows = int(info["__n"].sum())
        pos = info["__np"].to_numpy() > 0
        df = int(pos.sum() - len(np.unique(s_codes[pos])))
        self._structure = DesignStructure(s_codes, n_h, f_h, lonely_psu, float(df), s_uni,
                                          adjust_domain_lonely=bool(adjust_domain_lonely))

    # ------------------------------------------------------------------ basics
    @property
    def structure(self) -> DesignStructure:
        """The frozen design structure (no row-level arrays: the rows stay in the engine)."""
        return self._structure

    @property
    def df(self) -> int:
        """Design degrees of freedom (R ``degf()``)."""
        return int(self._structure.df)

    @property
    def n(self) -> int:
        """Rows of the design."""
        return self._n_rows

    def __repr__(self) -> str:
        s = self._structure
        return (f"RelationDesign(engine={self.engine.dialect}, strata={s.n_strata}, "
                f"psu={s.n_psu}, df={self.df}, lonely_psu={self.lonely_psu!r})")

    def __getattr__(self, name: str) -> NoReturn:
        if name in IN_MEMORY_ONLY:
            raise DesignError(f"{name}() needs the rows in memory; use design.to_pandas([columns]).{name}(...) "
                              "(out-of-core designs compute mean, proportion, prop_ci, total, ratio and grid).")
        raise AttributeError(name)

    # ------------------------------------------------------------------ the grouped pass, in SQL
    def outcome_list(self, variables: str | Sequence[str] | None, categorical: bool = False) -> list[Outcome]:
        """Probe the outcome columns in the engine (numeric; missing values; 0/1).

        Parameters
        ----------
        variables : str or list of str
        categorical : bool
            Not supported out of core (DesignError).

        Returns
        -------
        list of SQLOutcome

        Examples
        --------
        >>> import pandas as pd
        >>> des = from_arrow(pd.DataFrame({"p": [1, 2], "w": [1.0, 1.0], "y": [0, None]}), "w", psu="p")
        >>> [(o.variable, o.is_prop, o.missing) for o in des.outcome_list("y")]
        [('y', True, True)]
        """
        variables = require_unique(as_list(variables), "the outcome list")
        if categorical:
            return self._category_outcomes(variables)
        if not variables:
            raise DesignError("give at least one outcome variable")
        for v in variables:
            if v not in self._columns:
                raise UnknownVariableError(f"outcome {v!r} is not in {self.engine.describe}."
                                           + suggest(v, self._columns))
        def q(c: str) -> str:
            return quote(c, self.engine.dialect)

        exprs = [_observed(q(v)) for v in variables]
        parts = []
        for j, e in enumerate(exprs):
            parts.append(f"COUNT({e}) AS __c{j}")
            parts.append(f"COUNT(CASE WHEN CAST({e} AS DOUBLE) IN (0, 1) THEN 1 END) AS __b{j}")
            parts.append(f"COUNT(CASE WHEN ABS(CAST({e} AS DOUBLE)) = CAST('Infinity' AS DOUBLE) THEN 1 END) AS __i{j}")
        try:
            r = self.engine.query(f"SELECT COUNT(*) AS __n, {', '.join(parts)} FROM {self.engine.source}")
        except Exception as exc:  # the engine's own error types; the message says what to do
            raise DesignError(f"outcomes {variables} could not be read as numbers: {exc}. Out-of-core "
                              "designs take numeric (0/1 or continuous) outcomes; recode text "
                              "categories into 0/1 indicators.") from exc
        n = float(r["__n"].iloc[0])
        out: list[Outcome] = []
        for j, v in enumerate(variables):
            c, b = float(r[f"__c{j}"].iloc[0]), float(r[f"__b{j}"].iloc[0])
            if float(r[f"__i{j}"].iloc[0]) > 0:
                raise InputError(f"outcome {v!r} has {int(r[f'__i{j}'].iloc[0])} infinite values in "
                                 f"{self.engine.describe}: set them to NULL or fix them.")
            out.append(SQLOutcome(v, None, None, c > 0 and b == c, missing=c < n, expr=exprs[j]))
        return out

    def _category_outcomes(self, variables: Sequence[str]) -> list[Outcome]:
        """One 0/1 indicator per level of each column, levels in sorted order (as in memory
        for text columns; the engine does not know a pandas categorical's own order)."""
        def q(c: str) -> str:
            return quote(c, self.engine.dialect)

        out: list[Outcome] = []
        for v in variables:
            if v not in self._columns:
                raise UnknownVariableError(f"outcome {v!r} is not in {self.engine.describe}."
                                           + suggest(v, self._columns))
            lev = self.engine.query(f"SELECT DISTINCT {q(v)} AS v FROM {self.engine.source} "
                                    f"WHERE {q(v)} IS NOT NULL")["v"].tolist()
            try:
                levels = sorted(x.item() if isinstance(x, np.generic) else x for x in lev)
            except TypeError:
                raise InputError(f"outcome {v!r} has values of several types that cannot be ordered.") from None
            nulls = float(self.engine.query(f"SELECT COUNT(*) - COUNT({q(v)}) AS k FROM {self.engine.source}")
                          ["k"].iloc[0]) > 0
            for x in levels:
                expr = f"CASE WHEN {q(v)} IS NULL THEN NULL WHEN {q(v)} = {_literal(x)} THEN 1 ELSE 0 END"
                out.append(SQLOutcome(v, x, None, True, missing=nulls, expr=expr))
            if not levels:
                out.append(SQLOutcome(v, None, None, True, missing=True, expr="CAST(NULL AS DOUBLE)"))
        return out

    def grouped_totals(self, outcomes: list[Outcome], by_sets: Any, den: list[Outcome] | None = None,
                       engine: str = "auto") -> list[Totals] | list[ReplicateTotals]:
        """One ``GROUP BY GROUPING SETS`` query for every domain set.

        Parameters
        ----------
        outcomes : list of SQLOutcome
        by_sets : list of tuple of str
        den : list of SQLOutcome, optional
            Ratio denominators, one per outcome.
        engine : str
            Ignored (the design's engine runs the query).

        Returns
        -------
        list of Totals

        Examples
        --------
        >>> import pandas as pd
        >>> des = from_arrow(pd.DataFrame({"p": [1, 2], "w": [1.0, 1.0], "y": [0, 1]}), "w", psu="p")
        >>> des.grouped_totals(des.outcome_list("y"), [()])[0].A.ravel().tolist()
        [0.0, 1.0]
        """
        for s in by_sets:
            for c in s:
                if c not in self._columns:
                    raise UnknownVariableError(f"by variable {c!r} is not in {self.engine.describe}."
                                               + suggest(c, self._columns))
        def q(c: str) -> str:
            return quote(c, self.engine.dialect)

        sql_out = cast(list[SQLOutcome], outcomes)   # outcome_list made them
        sql_den = None if den is None else cast(list[SQLOutcome], den)
        specs = [OutSpec(o.variable, o.missing, o.is_prop, o.expr,
                         None if sql_den is None else (sql_den[j].expr or q(sql_den[j].variable)))
                 for j, o in enumerate(sql_out)]
        sql, by_union = aggregate_sql(self.engine.source, self.weight, self._psu_keys, specs, by_sets,
                                      self.engine.dialect)
        res = self.engine.query(sql)
        return totals_from_result(res, self._psu_table, self._psu_keys, specs, by_sets, by_union)

    def to_pandas(self, columns: str | Sequence[str] | None = None) -> SurveyDesign:
        """Load the design columns and ``columns`` into pandas: a regular :class:`SurveyDesign`.

        Parameters
        ----------
        columns : list of str, optional
            Columns to load besides the design's (default: all).

        Returns
        -------
        SurveyDesign

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": [1, 2], "w": [1.0, 1.0], "y": [0, 1]})
        >>> from_arrow(df, weight="w", psu="psu").to_pandas(["y"]).n
        2
        """
        cols = list(dict.fromkeys([c for c in (self.weight, self.strata, self.psu, self.fpc) if c]
                                  + (as_list(columns) if columns is not None else list(self._columns))))
        def q(c: str) -> str:
            return quote(c, self.engine.dialect)

        data = self.engine.query(f"SELECT {', '.join(q(c) for c in cols)} FROM {self.engine.source}")
        des: SurveyDesign = SurveyDesign(data, weight=self.weight, strata=self.strata, psu=self.psu, fpc=self.fpc,
                                         lonely_psu=self.lonely_psu, reliability=self.reliability, level=self.level)
        return des


# --------------------------------------------------------------------------- constructors
def from_parquet(path: str | os.PathLike[str], weight: str, strata: str | None = None, psu: str | None = None, *,
                 fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
                 level: float = 0.95, connection: Any = None) -> RelationDesign:
    """A design over Parquet file(s), computed by DuckDB without loading the rows.

    Parameters
    ----------
    path : str, Path, list of paths, glob or directory
        Parquet file(s); a directory is read recursively (``**/*.parquet``).
    weight, strata, psu, fpc, lonely_psu, reliability, level :
        As :class:`~drugtrends.survey.SurveyDesign` (``psu`` is required).
    connection : duckdb.DuckDBPyConnection, optional
        Connection to run on (a new in-memory one by default).

    Returns
    -------
    RelationDesign
        ``mean``, ``total``, ``prop_ci`` and ``grid`` run as one grouped query;
        ``to_pandas(columns)`` gives a regular design for the other analyses.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.parquet")
    >>> pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]}).to_parquet(p)
    >>> float(from_parquet(p, weight="w", psu="psu").mean("y").estimate[0])
    0.5
    """
    return RelationDesign(DuckDBEngine.for_data(path, connection), weight, strata, psu, fpc=fpc,
                          lonely_psu=lonely_psu, reliability=reliability, level=level)


def from_arrow(table: Any, weight: str, strata: str | None = None, psu: str | None = None, *,
               fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
               level: float = 0.95, connection: Any = None) -> RelationDesign:
    """A design over a pyarrow Table (or a pandas DataFrame scanned in place) via DuckDB.

    Parameters
    ----------
    table : pyarrow.Table, pyarrow.RecordBatchReader, pyarrow dataset or DataFrame
    weight, strata, psu, fpc, lonely_psu, reliability, level :
        As :class:`~drugtrends.survey.SurveyDesign` (``psu`` is required).
    connection : duckdb.DuckDBPyConnection, optional

    Returns
    -------
    RelationDesign

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
    >>> float(from_arrow(t, weight="w", psu="psu").mean("y").estimate[0])
    0.5
    """
    if isinstance(table, pd.DataFrame):   # the in-memory checks of the key columns, alike
        for c, what in ((strata, "strata"), (psu, "PSU")):
            if c is not None and c in table.columns:
                check_key_types(table, c, what)
    return RelationDesign(DuckDBEngine.for_data(table, connection), weight, strata, psu, fpc=fpc,
                          lonely_psu=lonely_psu, reliability=reliability, level=level)


def from_duckdb(relation: Any, weight: str, strata: str | None = None, psu: str | None = None, *,
                connection: Any, fpc: str | None = None, lonely_psu: str = "fail",
                reliability: str | None = None, level: float = 0.95) -> RelationDesign:
    """A design over a DuckDB relation (table, view or query) on ``connection``.

    Parameters
    ----------
    relation : duckdb.DuckDBPyRelation
    weight, strata, psu :
        As :class:`~drugtrends.survey.SurveyDesign` (``psu`` is required).
    connection : duckdb.DuckDBPyConnection
        The connection the relation belongs to (keyword-only, required).
    fpc, lonely_psu, reliability, level :
        As :class:`~drugtrends.survey.SurveyDesign`.

    Returns
    -------
    RelationDesign

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> rel = con.sql("SELECT i AS psu, 1.0 AS w, i % 2 AS y FROM range(1, 5) t(i)")
    >>> float(from_duckdb(rel, "w", psu="psu", connection=con).mean("y").estimate[0])
    0.5
    """
    return RelationDesign(DuckDBEngine.for_data(relation, connection), weight, strata, psu, fpc=fpc,
                          lonely_psu=lonely_psu, reliability=reliability, level=level)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
