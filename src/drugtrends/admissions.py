"""Profiles of treatment admissions (TEDS-A) by primary substance, out of core with DuckDB.

TEDS-A is a census of *reported admissions* to publicly funded substance-use
treatment (not of people: one person can be admitted several times a year, and
states differ in what they report). Shares computed here describe admissions,
have no sampling error, and carry the ``basis`` column saying so.

:func:`admissions_profile` runs one DuckDB query (``UNPIVOT`` of the
characteristics, then one ``GROUP BY``) over a Parquet file / glob / directory,
a CSV file, or a pandas DataFrame, so a multi-gigabyte TEDS-A extract is never
loaded into pandas: only the small table of counts comes back.

Missing values: the TEDS code ``-9`` (Missing/Unknown/Not collected/Invalid) and
SQL NULL are counted as missing, excluded from the denominators of the shares
and reported as ``n_missing`` on every row of the characteristic.

Crack: TEDS has one primary-substance code for cocaine and crack (``SUB1 = 3``
"Cocaine/Crack"). :data:`PRIMARY_SUBSTANCE_GROUPS` separates smoked cocaine
(``ROUTE1 = 2``, the usual proxy for crack in SAMHSA reports) from other routes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends._compat import arguments, renamed
from drugtrends.errors import DataNotFoundError, InputError, SchemaError, UnknownVariableError
from drugtrends.validate import as_list

__all__ = ["admissions_profile", "DEFAULT_CHARACTERISTICS", "PRIMARY_SUBSTANCE_GROUPS", "MISSING_CODES",
           "BASIS"]

#: Characteristics profiled by default (TEDS-A variable names).
DEFAULT_CHARACTERISTICS = ("EMPLOY", "LIVARAG", "EDUC", "PSOURCE", "ROUTE1", "NOPRIOR")
#: Codes treated as missing.
MISSING_CODES = (-9,)
#: Primary-substance groups (label -> SQL condition; the first matching group wins).
PRIMARY_SUBSTANCE_GROUPS = {
    "Crack (cocaine, smoked)": "SUB1 = 3 AND ROUTE1 = 2",
    "Cocaine (other routes)": "SUB1 = 3 AND ROUTE1 IN (1, 3, 4, 5)",
    "Cocaine (route unknown)": "SUB1 = 3",
    "Heroin": "SUB1 = 5",
    "Methamphetamine": "SUB1 = 10",
}
#: Value of the ``basis`` column.
BASIS = "census of reported admissions (TEDS-A): shares of admissions, no sampling error"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quote_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _quote_str(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _source_sql(con, source) -> tuple[str, str]:
    """(FROM clause, description) for a DataFrame, Parquet path/glob/directory or CSV."""
    if isinstance(source, pd.DataFrame):
        con.register("teds_source_df", source)
        return "teds_source_df", "DataFrame"
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"source must be a Parquet/CSV path or glob, or a pandas DataFrame; got "
                         f"{type(source).__name__}")
    s = os.fspath(source)
    p = Path(s)
    if p.is_dir():
        s = str(p / "**" / "*.parquet")
        if not list(p.rglob("*.parquet")):
            raise DataNotFoundError(f"directory {p} holds no .parquet file; convert the TEDS-A CSV first "
                                    "(drugtrends.readers.teds.teds_to_parquet).")
        return f"read_parquet({_quote_str(s)}, union_by_name = true)", s
    has_glob = any(ch in s for ch in "*?[")
    if not has_glob and not p.is_file():
        raise DataNotFoundError(f"TEDS-A source {s} does not exist. Fetch it (drugtrends fetch teds_a) or "
                                "check the path.")
    if has_glob:
        import glob as _glob
        if not _glob.glob(s, recursive=True):
            raise DataNotFoundError(f"no file matches {s!r}.")
    low = s.lower()
    if low.endswith(".csv") or low.endswith(".csv.gz"):
        return f"read_csv({_quote_str(s)}, header = true)", s
    return f"read_parquet({_quote_str(s)}, union_by_name = true)", s


def _year_groups(codebook: pd.DataFrame) -> dict[str, tuple[int, int]]:
    out = {}
    for g in codebook["years"].astype(str).unique():
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", g)
        if m:
            out[g] = (int(m.group(1)), int(m.group(2) or m.group(1)))
    return out


def _labels(result: pd.DataFrame, codebook: pd.DataFrame | None, var_col: str, code_col: str,
            year_col: str | None) -> pd.Series:
    """Label of each (variable, code) row of ``result``, from the year's label group when known."""
    if codebook is None or result.empty:
        return pd.Series(pd.NA, index=result.index, dtype=object)
    cb = codebook
    need = {"variable", "code", "label"}
    if not need <= set(cb.columns):
        raise SchemaError(f"codebook needs columns {sorted(need)} (drugtrends.readers.teds.read_teds_codebook); "
                          f"got {list(cb.columns)}")
    if "kind" in cb.columns:
        cb = cb[cb["kind"] == "A"]
    cb = cb.assign(code=pd.to_numeric(cb["code"], errors="coerce"))
    key = result[[var_col, code_col]].rename(columns={var_col: "variable", code_col: "code"}).copy()
    key["code"] = pd.to_numeric(key["code"], errors="coerce")
    if "years" in cb.columns:
        groups = _year_groups(cb)
        newest = max(groups, key=lambda g: groups[g][1]) if groups else None
        if year_col is not None and groups:
            yrs = pd.to_numeric(result[year_col], errors="coerce")

            def grp(y):
                for g, (a, b) in groups.items():
                    if a <= y <= b:
                        return g
                return newest
            key["years"] = yrs.map(lambda y: grp(y) if pd.notna(y) else newest).to_numpy()
        else:
            key["years"] = newest
        cb = cb[["variable", "code", "label", "years"]].drop_duplicates(["variable", "code", "years"])
        lab = key.merge(cb, on=["variable", "code", "years"], how="left")["label"]
        # a code missing from the year's group: fall back to any group's label (newest first)
        fb = (cb.assign(_end=cb["years"].map(lambda g: groups.get(g, (0, 0))[1]))
              .sort_values("_end", ascending=False).drop_duplicates(["variable", "code"]))
        lab2 = key[["variable", "code"]].merge(fb[["variable", "code", "label"]], on=["variable", "code"],
                                               how="left")["label"]
        lab = lab.where(lab.notna(), lab2)
    else:
        cb = cb[["variable", "code", "label"]].drop_duplicates(["variable", "code"])
        lab = key.merge(cb, on=["variable", "code"], how="left")["label"]
    return pd.Series(lab.to_numpy(dtype=object), index=result.index)


@arguments(renamed("year_column", "x"))
def admissions_profile(source, by=("ADMYR", "SUB1"), characteristics=DEFAULT_CHARACTERISTICS, *,
                       codebook: pd.DataFrame | None = None, groups: Mapping[str, str] | None = None,
                       group_column: str = "substance_group", where: str | None = None,
                       missing_codes=MISSING_CODES, x: str = "ADMYR",
                       connection=None) -> pd.DataFrame:
    """Composition of treatment admissions by primary substance and year (TEDS-A).

    For each ``by`` cell (e.g. admission year x primary substance) and each
    characteristic (employment, living arrangement, education, referral
    source, route, prior treatment), the number of admissions in each code, the
    share among admissions with a known value, and the number with a missing
    value. Computed by DuckDB in one ``UNPIVOT`` + ``GROUP BY`` query.

    Parameters
    ----------
    source : str, Path or DataFrame
        Parquet file, glob (``"teds/*.parquet"``) or directory of Parquet files;
        a CSV file (public-use layout); or a pandas DataFrame (scanned in place).
        Characteristic columns hold TEDS integer codes.
    by : list of str
        Grouping columns (may include ``group_column`` when ``groups`` is given).
    characteristics : list of str
        Coded columns to profile.
    codebook : DataFrame, optional
        Value labels (``drugtrends.readers.teds.read_teds_codebook``: ``kind``,
        ``variable``, ``code``, ``label``, ``years``); labels are taken from the
        label group of the row's ``year_column`` when it is a ``by`` column
        (e.g. LIVARAG 1 is "Homeless" up to 2021, "Experiencing Homelessness" in 2022).
    groups : dict, optional
        Derived grouping ``label -> SQL condition`` (first match wins; rows
        matching none are left out), stored in ``group_column``; e.g.
        :data:`PRIMARY_SUBSTANCE_GROUPS`.
    group_column : str
        Name of the derived column.
    where : str, optional
        Extra SQL filter on the source rows (e.g. ``"ADMYR >= 2015"``).
    missing_codes : tuple of int
        Codes counted as missing (default ``(-9,)``); NULL is always missing.
    x : str
        Year column used to choose the codebook label group.
    connection : duckdb.DuckDBPyConnection, optional
        Connection to use (default: a new in-memory one).

    Returns
    -------
    DataFrame
        ``by`` columns (and ``<col>_label`` for coded ``by`` columns found in the
        codebook), ``characteristic``, ``code``, ``label``, ``n`` (admissions),
        ``n_valid`` (admissions with a known value: the denominator),
        ``n_missing``, ``n_total``, ``estimate`` (share ``n / n_valid``),
        ``basis``. One row per observed non-missing code; a cell where every
        value is missing gets one row with ``code`` NA and ``estimate`` NaN.

    Raises
    ------
    DataNotFoundError
        The source path does not exist.
    UnknownVariableError
        A ``by`` or characteristic column is not in the source.
    SchemaError
        A characteristic is not integer-coded, or the SQL of ``groups``/``where`` fails.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ADMYR": [2020] * 5, "SUB1": [5, 5, 5, 10, 10],
    ...                    "EMPLOY": [1, 3, -9, 4, 4]})
    >>> r = admissions_profile(df, by=["ADMYR", "SUB1"], characteristics=["EMPLOY"])
    >>> r[["SUB1", "code", "n", "n_valid", "n_missing", "estimate"]].values.tolist()
    [[5, 1, 1, 2, 1, 0.5], [5, 3, 1, 2, 1, 0.5], [10, 4, 2, 2, 0, 1.0]]
    """
    year_column = x
    by, chars = _check_args(by, characteristics, group_column)
    counts = _count(source, by, chars, groups, group_column, where, missing_codes, connection)
    keys = by + ["characteristic"]
    out = _shares(counts, keys)
    _add_labels(out, codebook, by, year_column)
    out["basis"] = BASIS
    lab_cols = [f"{c}_label" for c in by if f"{c}_label" in out.columns]
    order = by + lab_cols + ["characteristic", "code", "label", "n", "n_valid", "n_missing", "n_total",
                             "estimate", "basis"]
    return out[order]


def _check_args(by, characteristics, group_column: str) -> tuple[list[str], list[str]]:
    by, chars = as_list(by), as_list(characteristics)
    if not chars:
        raise InputError("give at least one characteristic")
    for c in by + chars + [group_column]:
        if not _IDENT.match(str(c)):
            raise InputError(f"column name {c!r} is not a plain identifier")
    overlap = set(by) & set(chars)
    if overlap:
        raise InputError(f"{sorted(overlap)} are both by columns and characteristics")
    return by, chars


def _count_sql(src: str, cols: list[str], desc: str, by: list[str], chars: list[str], groups, group_column: str,
               where: str | None, missing_codes) -> str:
    """One UNPIVOT + GROUP BY query: admissions per by cell x characteristic x code (NULL = missing)."""
    derived = [group_column] if groups else []
    need = [c for c in by if c not in derived] + chars
    missing = [c for c in need if c not in cols]
    if missing:
        raise UnknownVariableError(f"TEDS-A source {desc} has no column(s) {missing}; columns: {cols[:40]}"
                                   + (" ..." if len(cols) > 40 else ""))
    if group_column in by and not groups and group_column not in cols:
        raise UnknownVariableError(f"by names {group_column!r}: pass groups= to derive it")
    sel = [_quote_ident(c) for c in by if c not in derived]
    if groups:
        case = " ".join(f"WHEN ({cond}) THEN {_quote_str(lab)}" for lab, cond in groups.items())
        sel.append(f"CASE {case} END AS {_quote_ident(group_column)}")
    miss = ", ".join(str(int(m)) for m in missing_codes) or "NULL"
    for c in chars:
        q = _quote_ident(c)
        sel.append(f"CASE WHEN {q} IN ({miss}) THEN NULL ELSE CAST({q} AS BIGINT) END AS {q}")
    filt = [f"({where})"] if where else []
    if groups:
        filt.append(f"{_quote_ident(group_column)} IS NOT NULL")
    inner = f"SELECT {', '.join(sel)} FROM {src}" + (f" WHERE {' AND '.join(filt)}" if filt else "")
    by_sql = ", ".join(_quote_ident(c) for c in by)
    in_list = ", ".join(_quote_ident(c) for c in chars)
    return (f"WITH teds_rows AS ({inner}) "
            f"SELECT {by_sql + ', ' if by else ''}characteristic, code, count(*) AS n "
            f"FROM teds_rows UNPIVOT INCLUDE NULLS (code FOR characteristic IN ({in_list})) "
            f"GROUP BY ALL")


def _count(source, by, chars, groups, group_column, where, missing_codes, connection) -> pd.DataFrame:
    """Run the counting query in DuckDB; only the small table of counts comes back."""
    import duckdb

    # no extension is ever installed or loaded on the fly: a bad where= (e.g. an inet function) must not reach
    # the network (only `drugtrends fetch` does)
    con = connection or duckdb.connect(config={"autoinstall_known_extensions": False,
                                               "autoload_known_extensions": False})
    try:
        src, desc = _source_sql(con, source)
        try:
            cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        except duckdb.Error as exc:
            raise SchemaError(f"could not read TEDS-A source {desc}: {exc}") from exc
        sql = _count_sql(src, cols, desc, by, chars, groups, group_column, where, missing_codes)
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise SchemaError(f"TEDS-A profile query failed on {desc} (are the characteristics integer "
                              f"codes? is the groups/where SQL valid?): {exc}") from exc
    finally:
        if connection is None:
            con.close()


def _shares(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Totals, missing and valid counts per cell; shares among valid values."""
    counts["n"] = counts["n"].astype("int64")
    isna = counts["code"].isna()
    tot = counts.groupby(keys, dropna=False, sort=False)["n"].transform("sum")
    nmiss = counts["n"].where(isna, 0).groupby([counts[k] for k in keys], dropna=False, sort=False) \
        .transform("sum")
    counts["n_total"] = tot.astype("int64")
    counts["n_missing"] = nmiss.astype("int64")
    counts["n_valid"] = counts["n_total"] - counts["n_missing"]
    # keep non-missing codes; a cell with only missing values keeps one row (code NA)
    all_missing = counts["n_valid"] == 0
    out = counts[~isna | all_missing].copy()
    out.loc[out["code"].isna(), "n"] = 0
    out["code"] = out["code"].astype("Int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["estimate"] = np.where(out["n_valid"] > 0, out["n"] / out["n_valid"].where(out["n_valid"] > 0), np.nan)
    return out.sort_values(keys + ["code"], kind="stable", na_position="last").reset_index(drop=True)


def _add_labels(out: pd.DataFrame, codebook: pd.DataFrame | None, by: list[str], year_column: str) -> None:
    """Code labels (from the row's year label group) for the characteristics and coded by columns."""
    ycol = year_column if year_column in by else None
    out["label"] = _labels(out, codebook, "characteristic", "code", ycol)
    if codebook is not None:
        for c in by:
            if c in set(codebook["variable"]) and c != year_column:
                tmp = out[[c] + ([ycol] if ycol else [])].assign(_v=c)
                out[f"{c}_label"] = _labels(tmp, codebook, "_v", c, ycol).to_numpy()


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
