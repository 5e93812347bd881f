"""TEDS-A / TEDS-D (SAMHSA Treatment Episode Data Set) public-use files.

* :func:`read_teds_codebook` turns the two mirrored codebook tables into one
  tidy table of value labels (``kind``, ``variable``, ``code``, ``label``,
  ``years``).
* :func:`read_teds` reads a TEDS-A (admissions) or TEDS-D (discharges)
  public-use CSV with its official column names (CASEID, ADMYR, AGE, GENDER,
  RACE, ETHNIC, EDUC, EMPLOY, LIVARAG, PSOURCE, SUB1, ROUTE1, FREQ1, FRSTUSE1,
  NOPRIOR, STFIPS, SERVICES, ...) with ``pyarrow.csv``'s streaming reader,
  batch by batch, so memory stays bounded by the (1 byte per cell) categorical
  result, or by one chunk when ``chunksize`` is given. Coded variables become
  categoricals labelled with the codebook of the row's year (GENDER is
  returned as ``sex``, the package's one sex column); ``-9``
  (missing/unknown/not collected/invalid) becomes NaN; a code that the
  codebook does not list for that year raises :class:`SchemaError` naming the
  column, the line and the value. Codes written as floats (``2.0``, as pandas
  writes them) decode like integers (a non-whole value is an error). Reading
  all columns, names that are not TEDS variables (:func:`teds_variables`:
  e.g. Census columns a user merged in) are ignored, and lines with every
  TEDS column empty are dropped; both are recorded in ``df.attrs``
  (``ignored_columns``, ``blank_rows_dropped``, ``notes``) and announced
  with a ``UserWarning``. The real-format fixture is ``teds_a_2017_sample``
  (425 lines of the 2017 file, float codes, Census columns, 9 empty lines).
* :func:`teds_to_parquet` converts a CSV to Parquet (codes kept as integers)
  in one streaming pass and writes it atomically: the out-of-core path for
  DuckDB/Arrow queries over many years.

Codebook notes (``teds_codebook`` mirror; upstream HI-OD2A-P2P/TEDS-Processing)
---------------------------------------------------------------------------
* TEDS-A labels come in two groups, ``2000-2021`` and ``2022``; a label empty
  in one group means the code is not used that year (e.g. STFIPS 10 Delaware
  in 2022). Rows with a code but *no* label in either group are the codebook's
  ``None`` level (SUB1/SUB2/SUB3 = 1, ALCDRUG = 0, ARRESTS = 0, HLTHINS = 4,
  PRIMINC = 5): the upstream conversion read the word "None" as missing. We
  restore it as ``"None"``.
* TEDS-D labels come by year: ``2006-2014`` (concatenated file), 2015 ... 2019.
  DISYR and NUMSUBS have no labels (their code is their value). A few codes
  without any label (code 9 of FREQ*, LIVARAG, DETNLF*) and three placeholder
  rows with code ``X`` (CBSA, PMSA, DAYWAIT) are dropped: they are undocumented.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import InputError, SchemaError
from drugtrends.readers._checks import not_utf8, require_file, validate

__all__ = ["read_teds_codebook", "read_teds", "teds_to_parquet", "teds_label_group", "teds_variables", "MISSING_CODE"]

#: TEDS code for missing / unknown / not collected / invalid.
MISSING_CODE = -9
_A_GROUPS = ("2000-2021", "2022")
_D_GROUPS = ("2006-2014", "2015", "2016", "2017", "2018", "2019")
_YEAR_COLUMN = {"A": "ADMYR", "D": "DISYR"}
_UNLABELLED = {"ADMYR", "DISYR", "NUMSUBS"}  # label = the code itself
_IDENTIFIERS = {"CASEID"}
# Ordinal variables: ordered categoricals when their labels agree across the years read
_ORDINAL = {"AGE", "EDUC", "FRSTUSE1", "FRSTUSE2", "FRSTUSE3", "FREQ1", "FREQ2", "FREQ3", "FREQ1_D", "FREQ2_D",
            "FREQ3_D", "NOPRIOR", "DAYWAIT", "ARRESTS", "ARRESTS_D", "LOS", "FREQ_ATND_SELF_HELP",
            "FREQ_ATND_SELF_HELP_D"}
# Official TEDS-D PUF spelling -> spelling used by the mirrored TEDS-D codebook
_D_ALIASES = {"ETHNIC": "ETHNICITY"}
# TEDS variables without value labels in the codebook (geographic codes), besides CASEID, the year and NUMSUBS
_OTHER_TEDS = {"A": {"CBSA2000", "CBSA2010", "CBSA2020", "PMSA"}, "D": {"CBSA", "CBSA2010", "CBSA2020", "PMSA", "LOS"}}
# Official name -> the package's one spelling of the concept in read_teds' frames (issue 25: one sex column,
# ``sex``; TEDS has no other sex column, so GENDER is renamed). Files, codebook and messages keep GENDER.
_RENAMED = {"GENDER": "sex"}
_OFFICIAL = {new: old for old, new in _RENAMED.items()}


def _kind(kind: str) -> str:
    k = str(kind).upper()
    if k not in ("A", "D"):
        raise InputError(f"kind must be 'A' (admissions) or 'D' (discharges), not {kind!r}")
    return k


def teds_label_group(kind: str, year: int) -> str:
    """Return the codebook label group used for a TEDS year.

    Parameters
    ----------
    kind : {"A", "D"}
        TEDS-A (admissions) or TEDS-D (discharges).
    year : int
        Data year.

    Examples
    --------
    >>> teds_label_group("A", 2019), teds_label_group("A", 2022), teds_label_group("D", 2010)
    ('2000-2021', '2022', '2006-2014')
    """
    k, y = _kind(kind), int(year)
    if k == "A":
        return "2022" if y >= 2022 else "2000-2021"
    if y <= 2014:
        return "2006-2014"
    return str(min(y, 2019))


def read_teds_codebook(path_a: str | os.PathLike[str] | None = None,
                       path_d: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the TEDS-A and/or TEDS-D value-label tables into one tidy table.

    Parameters
    ----------
    path_a
        ``teds_a_value_labels.csv`` (columns ``code`` = variable, ``Value`` =
        code, ``2000-2021``, ``2022`` = labels).
    path_d
        ``teds_d_value_labels_by_year.csv`` (columns ``id``, one label column
        per year group ``2019`` ... ``2015``, ``2006-2014``, ``code``, ``field``).

    Returns
    -------
    pandas.DataFrame
        ``kind`` ("A"/"D"), ``variable``, ``code`` (int), ``label``, ``years``
        (label group), one row per (kind, variable, code, years); -9 rows kept
        (label "Missing/Unknown/...") so the table documents every code.

    Raises
    ------
    SchemaError
        Missing columns, non-integer code, empty or truncated file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("code,Value,2000-2021,2022\\nGENDER,1,Male,Male\\nSUB1,1,,\\nSTFIPS,10,Delaware,\\n")
    >>> cb = read_teds_codebook(p)
    >>> for row in cb[["variable", "code", "label", "years"]].values.tolist():
    ...     print(row)
    ['GENDER', 1, 'Male', '2000-2021']
    ['GENDER', 1, 'Male', '2022']
    ['STFIPS', 10, 'Delaware', '2000-2021']
    ['SUB1', 1, 'None', '2000-2021']
    ['SUB1', 1, 'None', '2022']
    """
    if path_a is None and path_d is None:
        raise InputError("give path_a (TEDS-A labels) and/or path_d (TEDS-D labels)")
    parts = []
    if path_a is not None:
        parts.append(_codebook_a(require_file(path_a, "teds_codebook")))
    if path_d is not None:
        parts.append(_codebook_d(require_file(path_d, "teds_codebook")))
    cb = pd.concat(parts, ignore_index=True)
    cb = cb.drop_duplicates(["kind", "variable", "code", "years"]).sort_values(
        ["kind", "variable", "code", "years"], kind="stable").reset_index(drop=True)
    cb = cb[["kind", "variable", "code", "label", "years"]]
    return validate(cb, _codebook_schema(), f"{path_a or ''} {path_d or ''}".strip())


def _read_labels_csv(p: Path, needed: Sequence[str]) -> pd.DataFrame:
    try:
        t = pd.read_csv(p, dtype=str, keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, "teds_codebook") from None
    except pd.errors.EmptyDataError:
        raise SchemaError(f"{p}: no header or rows. Fetch it again with `drugtrends fetch --force`.") from None
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{p}: cannot parse as CSV ({exc}). Is the file truncated?") from None
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise SchemaError(f"{p}: missing column(s) {missing}. Columns found: {list(t.columns)}.")
    if t.empty:
        raise SchemaError(f"{p}: header but no rows. Fetch it again with `drugtrends fetch --force`.")
    return t


def _int_codes(p: Path, t: pd.DataFrame, col: str) -> pd.Series:
    s = pd.to_numeric(t[col].str.strip(), errors="coerce")
    bad = s.isna() | (s != s.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"{p}: column {col!r}, line {i + 2}: code {t[col].iloc[i]!r} is not an integer.")
    return s.astype("int64")


def _codebook_a(p: Path) -> pd.DataFrame:
    t = _read_labels_csv(p, ["code", "Value", *_A_GROUPS])
    t = t[~t["code"].isin(list(_IDENTIFIERS)) & (t["Value"].str.strip() != "")].reset_index(drop=True)
    codes = _int_codes(p, t, "Value")
    none_level = (t[list(_A_GROUPS)] == "").all(axis=1) & ~t["code"].isin(list(_UNLABELLED))
    rows = []
    for g in _A_GROUPS:
        lab = t[g].where(~none_level, "None")
        keep = lab != ""
        rows.append(pd.DataFrame({"kind": "A", "variable": t["code"][keep].str.strip(), "code": codes[keep],
                                  "label": lab[keep], "years": g}))
    return pd.concat(rows, ignore_index=True)


def _codebook_d(p: Path) -> pd.DataFrame:
    t = _read_labels_csv(p, ["code", "field", *_D_GROUPS])
    # three harmonisation placeholders have code "X" (CBSA, PMSA, DAYWAIT): not codes, dropped
    t = t[t["code"].str.strip() != "X"].reset_index(drop=True)
    codes = _int_codes(p, t, "code")
    unlabelled = t["field"].isin(list(_UNLABELLED))
    rows = []
    for g in _D_GROUPS:
        lab = t[g].where(~unlabelled, codes.astype(str))
        keep = lab != ""
        rows.append(pd.DataFrame({"kind": "D", "variable": t["field"][keep].str.strip(), "code": codes[keep],
                                  "label": lab[keep], "years": g}))
    return pd.concat(rows, ignore_index=True)


def _codebook_schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    return pa.DataFrameSchema({
        "kind": pa.Column(str, pa.Check.isin(["A", "D"])),
        "variable": pa.Column(str, pa.Check.str_matches(r"^[A-Z0-9_]+$")),
        "code": pa.Column("int64", pa.Check.ge(-9)),
        "label": pa.Column(str, pa.Check.str_length(min_value=1)),
        "years": pa.Column(str, pa.Check.isin(list(_A_GROUPS + _D_GROUPS))),
    })


@lru_cache(maxsize=4)
def _default_codebook() -> pd.DataFrame:
    from drugtrends import fetch

    files = [Path(f) for f in fetch.ensure("teds_codebook")]
    a = next(f for f in files if "teds_a" in f.name)
    d = next(f for f in files if "teds_d" in f.name)
    return read_teds_codebook(a, d)


# --------------------------------------------------------------------------- microdata


class _Labeller:
    """Per-variable code -> label lookups for one kind, by label group."""

    def __init__(self, codebook: pd.DataFrame, kind: str):
        cb = codebook[codebook["kind"] == kind]
        if cb.empty:
            raise SchemaError(f"the codebook has no TEDS-{kind} labels; pass one read from both tables.")
        self.kind = kind
        self.groups = _A_GROUPS if kind == "A" else _D_GROUPS
        self.tables: dict[str, dict[str, dict[int, str]]] = {}
        self.categories: dict[str, list[str]] = {}
        self.ordered: dict[str, bool] = {}
        for var, sub in cb.groupby("variable", sort=False):
            per = {g: dict(zip(s["code"], s["label"])) for g, s in sub.groupby("years", sort=False)}
            self.tables[var] = per
            cats: list[str] = []
            codes = sorted({c for g in per.values() for c in g if c != MISSING_CODE})
            for code in codes:  # by code; newest group's label first
                for g in reversed(self.groups):
                    lab = per.get(g, {}).get(code)
                    if lab is not None and lab not in cats:
                        cats.append(lab)
            consistent = len(cats) == len(codes)
            self.ordered[var] = var in _ORDINAL and consistent
            self.categories[var] = cats

    def lookup_name(self, column: str) -> str | None:
        if column in self.tables:
            return column
        alias = _D_ALIASES.get(column) if self.kind == "D" else None
        return alias if alias in self.tables else None

    def label(self, column: str, codes: np.ndarray, groups: tuple[np.ndarray, list[str]], path,
              first_line: int) -> pd.Categorical:
        """Codes -> categorical; ``groups`` = (per-row index into names, label-group names)."""
        name = self.lookup_name(column)
        assert name is not None  # callers label only columns whose lookup_name() is set
        dtype = pd.CategoricalDtype(self.categories[name], ordered=self.ordered[name])
        cat_index = {lab: i for i, lab in enumerate(dtype.categories)}
        gidx, gnames = groups
        out = np.full(len(codes), -1, dtype="int16")
        for k, g in enumerate(gnames):
            table = self.tables[name].get(g)
            rows = None if len(gnames) == 1 else np.flatnonzero(gidx == k)
            c = codes if rows is None else codes[rows]
            if table is None:
                raise SchemaError(f"{path}: the codebook has no {name} labels for years {g}; column {column!r} "
                                  "cannot be labelled. Read it with labels=False.")
            known = np.array(sorted(table), dtype="int64")
            lab_pos = np.array([cat_index.get(table[x], -1) for x in known], dtype="int16")
            pos = np.clip(np.searchsorted(known, c), 0, len(known) - 1)
            hit = known[pos] == c
            miss = c == MISSING_CODE
            ok = hit | miss
            if not ok.all():
                j = int(np.flatnonzero(~ok)[0])
                line = (j if rows is None else rows[j]) + first_line
                raise SchemaError(
                    f"{path}: column {column!r}, line {line}: code {int(c[j])} is not in the TEDS-"
                    f"{self.kind} codebook for {g} (known: {known.tolist()[:25]}). "
                    "Check the file's kind (A/D) and year, or pass labels=False."
                )
            vals = np.where(miss, -1, lab_pos[pos])
            if rows is None:
                out = vals.astype("int16")
            else:
                out[rows] = vals
        return pd.Categorical.from_codes(out, dtype=dtype)


def _open_binary(p: Path):
    """Open the CSV itself, or the single .csv member of SAMHSA's zip bundle."""
    if zipfile.is_zipfile(p):
        z = zipfile.ZipFile(p)
        members = [m for m in z.namelist() if m.lower().endswith(".csv") and not m.startswith("__MACOSX")]
        if len(members) != 1:
            raise SchemaError(f"{p}: a zip bundle should hold one .csv data file; found {members or 'none'}. "
                              "Extract the public-use CSV and pass its path.")
        return z.open(members[0])
    return open(p, "rb")


def _open_stream(p: Path, columns: Sequence[str] | None, block_size: int, teds_names: set[str] | None = None):
    """pyarrow streaming reader over the wanted columns -> (reader, columns read, columns ignored).

    With ``teds_names`` and no ``columns``, header names that are not TEDS variables are ignored. Codes
    written as floats (``2.0``: a file that went through pandas) are read as float64 and checked to be
    whole numbers later (:func:`_as_codes`); otherwise as integers.
    """
    import pyarrow as pa  # noqa: F401
    import pyarrow.csv as pv

    try:
        with _open_binary(p) as fh:
            header = fh.readline().decode("utf-8-sig", errors="replace").strip().split(",")
            first = fh.readline().decode("utf-8", errors="replace")
    except OSError as exc:  # pragma: no cover
        raise SchemaError(f"{p}: cannot read ({exc})") from None
    header = [h.strip().strip('"') for h in header]
    if len(header) < 2:
        raise SchemaError(f"{p}: the header has {len(header)} field(s); TEDS public-use files are comma-separated.")
    if columns is not None:
        missing = [c for c in columns if c not in header]
        if missing:
            raise SchemaError(f"{p}: missing column(s) {missing}. Columns found: {header[:20]}. "
                              "Is this a TEDS-A/TEDS-D public-use CSV?")
    ignored: list[str] = []
    if columns is not None:
        include = list(columns)
    elif teds_names is not None:
        include = [h for h in dict.fromkeys(header) if h in teds_names]
        ignored = [h for h in header if h not in teds_names]
    else:
        include = header
    floats = "." in first
    types = {c: (pa.float64() if floats else pa.int64() if c == "CASEID" else pa.int32()) for c in include}
    reader, include = _stream(p, pv, include, types, block_size)
    return reader, include, ignored


def _stream(p: Path, pv, include: list[str], types: dict, block_size: int):
    try:
        return pv.open_csv(
            _open_binary(p),
            read_options=pv.ReadOptions(block_size=block_size),
            convert_options=pv.ConvertOptions(include_columns=include, column_types=types,
                                              null_values=[""], strings_can_be_null=True),
        ), include
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise SchemaError(f"{p}: cannot parse as a TEDS CSV ({exc}). TEDS fields are integer codes; a row with "
                          "too few fields usually means a truncated download: fetch it again.") from None


def _batches(reader, p: Path):
    import pyarrow as pa

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise SchemaError(
                f"{p}: unreadable row ({exc}). TEDS columns hold integer codes only; "
                "the file may be truncated or not a TEDS public-use CSV."
            ) from None
        yield batch


def _groups(kind: str, years: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Label group of each row as (index array, group names), vectorised over the few distinct years."""
    y = np.asarray(years).astype("int64")
    uniq, inv = np.unique(y, return_inverse=True)
    names = [teds_label_group(kind, int(u)) for u in uniq]
    gnames = list(dict.fromkeys(names))
    remap = np.array([gnames.index(n) for n in names], dtype="int8")
    return remap[inv], gnames


def teds_variables(kind: str, codebook: pd.DataFrame | None = None) -> set[str]:
    """Names of the TEDS-A or TEDS-D public-use variables (codebook variables, CASEID, the year, geography).

    Parameters
    ----------
    kind : {"A", "D"}
        TEDS-A (admissions) or TEDS-D (discharges).
    codebook : DataFrame, optional
        A codebook read by :func:`read_teds_codebook`; default the packaged one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("code,Value,2000-2021,2022\\nGENDER,1,Male,Male\\n")
    >>> sorted(teds_variables("A", read_teds_codebook(d / "a.csv")))
    ['ADMYR', 'CASEID', 'CBSA2000', 'CBSA2010', 'CBSA2020', 'GENDER', 'NUMSUBS', 'PMSA']
    """
    k = _kind(kind)
    cb = codebook if codebook is not None else _default_codebook()
    names = set(cb.loc[cb["kind"] == k, "variable"])
    if k == "D":
        names |= {official for official, alias in _D_ALIASES.items() if alias in names}
    return names | _IDENTIFIERS | {_YEAR_COLUMN[k], "NUMSUBS"} | _OTHER_TEDS[k]


def _as_codes(p: Path, c: str, v: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """int64 codes; float codes must be whole numbers (2.0 -> 2), else SchemaError naming column, line, value."""
    if np.issubdtype(v.dtype, np.floating):
        bad = v != np.round(v)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise SchemaError(f"{p}: column {c!r}, line {lines[j]}: {float(v[j])!r} is not a whole-number TEDS "
                              "code.")
    return v.astype("int64")


def _blank_rows(data: dict[str, np.ndarray], keep: list[str]) -> np.ndarray:
    """Rows where every TEDS column read is empty (not an admission: e.g. rows an outer merge added)."""
    blank = None
    for c in keep:
        v = data[c]
        na = pd.isna(v) if (v.dtype == object or np.issubdtype(v.dtype, np.floating)) else np.zeros(len(v), bool)
        blank = na if blank is None else blank & na
    return blank if blank is not None else np.zeros(0, bool)


def _iter_labelled(p: Path, kind: str, columns, year, labels: bool, codebook, block_size: int, info: dict):
    ycol = _YEAR_COLUMN[kind]
    want = [_OFFICIAL.get(c, c) for c in columns] if columns is not None else None
    read_cols = None
    if want is not None:
        read_cols = list(dict.fromkeys(want + ([ycol] if year is None else [])))
    cb = codebook if codebook is not None else _default_codebook() if (labels or want is None) else None
    reader, include, info["ignored_columns"] = _open_stream(p, read_cols, block_size,
                                                            teds_variables(kind, cb) if want is None else None)
    if year is None and ycol not in include:
        raise SchemaError(f"{p}: no {ycol} column to tell the year's codebook; pass year=.")
    keep = want if want is not None else include
    lab = _Labeller(cb, kind) if labels else None
    line = 2
    seen = False
    info["blank_rows"] = 0
    for batch in _batches(reader, p):
        seen = True
        n = batch.num_rows
        data = {name: batch.column(i).to_numpy(zero_copy_only=False) for i, name in enumerate(batch.schema.names)}
        blank = _blank_rows(data, keep)
        if blank.any():
            info["blank_rows"] += int(blank.sum())
            data = {k: v[~blank] for k, v in data.items()}
        index = np.arange(line - 2, line - 2 + n)[~blank] if blank.any() else pd.RangeIndex(line - 2, line - 2 + n)
        n = len(index)
        lines = np.asarray(index) + 2  # file line of each row kept
        if year is not None:
            groups = (np.zeros(n, dtype="int8"), [teds_label_group(kind, year)])
        else:
            yv = data[ycol]
            if pd.isna(yv).any():
                j = int(np.flatnonzero(pd.isna(yv))[0])
                raise SchemaError(f"{p}: column {ycol!r}, line {lines[j]}: empty year.")
            groups = _groups(kind, yv)
        out = {}
        for c in keep:
            v = data[c]
            has_null = v.dtype == object or np.issubdtype(v.dtype, np.floating)
            if has_null and pd.isna(v).any():
                j = int(np.flatnonzero(pd.isna(v))[0])
                raise SchemaError(f"{p}: column {c!r}, line {lines[j]}: empty value (TEDS codes missing as -9). "
                                  "Is the file truncated?")
            v = _as_codes(p, c, v, lines)
            if lab is not None and c not in _IDENTIFIERS and c not in _UNLABELLED and lab.lookup_name(c):
                out[c] = lab.label(c, v, groups, p, line)
            elif c in _IDENTIFIERS or c in _UNLABELLED:
                out[c] = v
            else:
                arr = pd.array(v, dtype="Int32")
                arr[v == MISSING_CODE] = pd.NA
                out[c] = arr
        yield pd.DataFrame(out, index=index).rename(columns=_RENAMED)
        line += batch.num_rows
    if not seen:
        raise SchemaError(f"{p}: header but no data rows. Fetch the file again.")


def read_teds(path: str | os.PathLike[str], kind: str = "A", columns: Sequence[str] | None = None,
              chunksize: int | None = None, *, year: int | None = None, labels: bool = True,
              codebook: pd.DataFrame | None = None,
              block_size: int = 16 << 20) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Read a TEDS-A or TEDS-D public-use CSV with labelled categoricals.

    Parameters
    ----------
    path
        The public-use CSV (e.g. ``tedsa_puf_2019.csv``), official column names,
        or SAMHSA's zip bundle holding it (read without extracting).
    kind
        ``"A"`` (admissions, year column ADMYR) or ``"D"`` (discharges, DISYR).
    columns
        Columns to read (all when ``None``), official names (``sex`` is
        accepted for GENDER); reading fewer saves memory.
    chunksize
        When given, return an iterator of DataFrames of at most this many rows
        (bounded memory for any file size) instead of one DataFrame.
    year
        Year whose codebook to use for every row; by default each row's
        ADMYR/DISYR decides.
    labels
        ``False`` keeps integer codes (-9 as ``<NA>``) instead of categoricals.
    codebook
        A :func:`read_teds_codebook` table; by default the ``teds_codebook``
        dataset (fetched if missing).
    block_size
        Bytes per pyarrow read block (memory per batch).

    Returns
    -------
    pandas.DataFrame or iterator of DataFrames
        CASEID, ADMYR/DISYR and NUMSUBS as int64; every codebook variable as
        a categorical of its labels (-9 -> NaN); other columns as ``Int32``
        (-9 -> ``<NA>``). The index is the 0-based row number in the file.
        Columns keep their official names but GENDER, returned as ``sex``
        (the one sex column of every dataset; errors still name the file's
        ``GENDER``).

    Raises
    ------
    SchemaError
        Missing column, code outside the codebook for the row's year (names
        column, line, value), empty value, non-integer field, empty or
        truncated file.
    DataNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("code,Value,2000-2021,2022\\nGENDER,1,Male,Male\\nGENDER,2,Female,Female\\n"
    ...     "GENDER,-9,Missing,Missing\\nSUB1,4,Marijuana/Hashish,Marijuana/Hashish\\nSUB1,5,Heroin,Heroin\\n")
    >>> cb = read_teds_codebook(d / "a.csv")
    >>> _ = (d / "teds.csv").write_text("CASEID,ADMYR,GENDER,SUB1\\n1,2019,2,5\\n2,2019,-9,4\\n")
    >>> df = read_teds(d / "teds.csv", "A", codebook=cb)
    >>> df["sex"].tolist(), df["SUB1"].tolist()
    (['Female', nan], ['Heroin', 'Marijuana/Hashish'])
    """
    k = _kind(kind)
    p = require_file(path, f"teds_{k.lower()}")
    info: dict = {}
    it = _iter_labelled(p, k, columns, year, labels, codebook, block_size, info)
    if chunksize is None:
        frames = list(it)
        df = pd.concat(frames) if len(frames) > 1 else frames[0]
        _note(df, info, p)
        return validate(df, _teds_schema(k, df.columns), p)

    def chunks() -> Iterator[pd.DataFrame]:
        buf: list[pd.DataFrame] = []
        size = 0
        for f in it:
            buf.append(f)
            size += len(f)
            while size >= chunksize:
                whole = pd.concat(buf) if len(buf) > 1 else buf[0]
                yield validate(whole.iloc[:chunksize], _teds_schema(k, whole.columns), p)
                rest = whole.iloc[chunksize:]
                buf, size = ([rest] if len(rest) else []), len(rest)
        if size:
            whole = pd.concat(buf) if len(buf) > 1 else buf[0]
            yield validate(whole, _teds_schema(k, whole.columns), p)

    if chunksize < 1:
        raise InputError("chunksize must be a positive number of rows")
    return chunks()


def _note(df: pd.DataFrame, info: dict, p: Path) -> None:
    """Record (attrs) and announce (UserWarning) the non-TEDS columns ignored and the blank rows dropped."""
    import warnings

    df.attrs["ignored_columns"] = list(info.get("ignored_columns") or [])
    df.attrs["blank_rows_dropped"] = int(info.get("blank_rows", 0))
    notes = []
    if df.attrs["ignored_columns"]:
        shown = ", ".join(repr(c) for c in df.attrs["ignored_columns"][:8])
        more = len(df.attrs["ignored_columns"]) - 8
        notes.append(f"{len(df.attrs['ignored_columns'])} column(s) that are not TEDS variables were ignored "
                     f"({shown}{f' and {more} more' if more > 0 else ''})")
    if df.attrs["blank_rows_dropped"]:
        notes.append(f"{df.attrs['blank_rows_dropped']} row(s) with every TEDS column empty (not admission "
                     "records) were dropped")
    if notes:
        df.attrs["notes"] = f"{p.name}: " + "; ".join(notes) + "."
        warnings.warn(df.attrs["notes"], UserWarning, stacklevel=3)


def _teds_schema(kind: str, columns):
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    cols = {}
    if "CASEID" in columns:
        cols["CASEID"] = pa.Column("int64", pa.Check.ge(0))
    y = _YEAR_COLUMN[kind]
    if y in columns:
        cols[y] = pa.Column("int64", pa.Check.in_range(1990, 2100))
    return pa.DataFrameSchema(cols, strict=False)


def teds_to_parquet(csv_path: str | os.PathLike[str], parquet_path: str | os.PathLike[str],
                    kind: str = "A", columns: Sequence[str] | None = None, *, check_codes: bool = True,
                    codebook: pd.DataFrame | None = None, block_size: int = 16 << 20,
                    compression: str = "zstd") -> Path:
    """Convert a TEDS CSV to Parquet in one streaming pass (atomic write).

    Codes stay integers (int32; CASEID int64; -9 kept as in the file), so the
    Parquet file is the official data in a columnar layout for DuckDB/Arrow;
    label it later with :func:`read_teds` conventions or the codebook table.

    Parameters
    ----------
    csv_path, parquet_path
        Input CSV and output Parquet path (written to a temporary file beside
        it, renamed on success: no half-written file is ever left).
    kind
        ``"A"`` or ``"D"``.
    columns
        Subset of columns (all by default).
    check_codes
        Check every batch's codes against the codebook (SchemaError on an
        unknown code, as :func:`read_teds`).
    codebook, block_size
        As in :func:`read_teds`.
    compression
        Parquet codec.

    Returns
    -------
    pathlib.Path
        ``parquet_path``.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow.parquet as pq
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.csv").write_text("CASEID,ADMYR,GENDER\\n1,2019,2\\n2,2019,-9\\n")
    >>> out = teds_to_parquet(d / "t.csv", d / "t.parquet", check_codes=False)
    >>> pq.read_table(out).to_pydict()
    {'CASEID': [1, 2], 'ADMYR': [2019, 2019], 'GENDER': [2, -9]}
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from drugtrends._io import atomic_path

    k = _kind(kind)
    p = require_file(csv_path, f"teds_{k.lower()}")
    reader, include, _ = _open_stream(p, columns, block_size)
    lab = None
    if check_codes:
        lab = _Labeller(codebook if codebook is not None else _default_codebook(), k)
    ycol = _YEAR_COLUMN[k]
    line = 2
    rows = 0
    with atomic_path(parquet_path) as tmp:
        writer = None
        try:
            for batch in _batches(reader, p):
                if lab is not None:
                    data = {n: batch.column(i).to_numpy(zero_copy_only=False)
                            for i, n in enumerate(batch.schema.names)}
                    if ycol in data:
                        groups = _groups(k, data[ycol])
                    else:
                        raise SchemaError(f"{p}: no {ycol} column; cannot check codes (pass check_codes=False).")
                    for c, v in data.items():
                        if c not in _IDENTIFIERS and c not in _UNLABELLED and lab.lookup_name(c):
                            lab.label(c, v.astype("int64"), groups, p, line)
                table = pa.Table.from_batches([batch])
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, compression=compression)
                writer.write_table(table)
                line += batch.num_rows
                rows += batch.num_rows
        finally:
            if writer is not None:
                writer.close()
        if rows == 0:
            raise SchemaError(f"{p}: header but no data rows; nothing written.")
    return Path(parquet_path)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
