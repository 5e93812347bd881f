"""NSDUH (National Survey on Drug Use and Health) public-use file, tab-delimited.

:func:`read_nsduh` reads one year's public-use file (``NSDUH_2019_Tab.txt``
and the like: one row per respondent, about 56,000 rows and 2,700 columns)
and adds, under the same names every year:

* the design: ``weight`` (person-level analysis weight), ``strata``
  (variance-estimation stratum) and ``psu`` (variance-estimation replicate,
  nested in strata), whatever the year calls them (table
  ``data/codebooks/nsduh_design_variables.csv``):

  ========== ============== ============= =====
  years      weight         strata        psu
  ========== ============== ============= =====
  2002-2019  ANALWT_C       VESTR         VEREP
  2020       ANALWTQ1Q4_C   VESTRQ1Q4_C   VEREP
  2021+      ANALWT2_C      VESTR_C       VEREP
  ========== ============== ============= =====

* ``year`` and ``comparability_group``: ``2002-2014``, ``2015-2019``, ``2020``,
  ``2021+``. SAMHSA: the 2015 questionnaire redesign breaks several series
  (prescription drug misuse, hallucinogens, inhalants, methamphetamine);
  2020 (mode change during COVID-19, quarters 1 and 4 weights) is comparable
  with no other year; 2021 onward (web + in-person) is not comparable with
  2019 and earlier. Trend code must not cross group boundaries.
* for each substance whose imputation-revised recency recode is in the file,
  ``<substance>_lifetime``, ``<substance>_past_year``, ``<substance>_past_month``
  as 0/1 floats. The recodes (IRMJRC, IRCOCRC, IRCRKRC, IRHERRC, IRHALLUCREC,
  IRLSDRC, IRINHALREC, IRMETHAMREC, IRPNRNMREC, IRTRQNMREC, IRSTMNMREC,
  IRSEDNMREC; before 2015 IRHALRC, IRMTHRC, IRINHRC, IRANLRC, IRTRNRC,
  IRSTMRC, IRSEDRC) are coded 1 = within the past 30 days, 2 = more than 30 days
  ago but within the past 12 months, 3 = more than 12 months ago, 9 = never
  used; being imputation-revised they have no missing values, and any other
  code raises :class:`SchemaError`.

* the harmonised person columns ``sex``, ``age_group`` (AGE3), ``age_samhsa``
  (12-17 / 18-25 / 26+), ``age_50plus``, ``race_ethnicity``, ``education``,
  ``income``, ``county_type`` and, from the imputation-revised ages at first use
  (IRMJAGE, ...), ``ever_<substance>`` and ``age_first_<substance>``, whenever
  their sources are among the columns read (see
  :mod:`drugtrends.readers.nsduh_harmonise`); ``ever_<substance>`` also comes
  from the recency recode when the age variable is not read (it equals
  ``<substance>_lifetime``).

The 2022 public-use extract
---------------------------
:func:`read_nsduh_extract` reads ``NSDUH_2022_final_dataset.Rdata`` (an R save
file; ``read_nsduh`` dispatches to it for ``.Rdata``/``.rda`` paths): all 59,069
respondents of the 2022 public-use file but a **subset of its variables**, put
together by a third party (see :data:`EXTRACT_2022_NOTES`). It gives the same
design, person and first-use columns as the tab-delimited files, and
``<substance>_lifetime`` for the substances with a recency recode, but no
past-year or past-month use.

Special codes
-------------
Non-imputed items use reserved codes (``data/codebooks/nsduh_special_codes.csv``):
for a two-digit item 85 bad data, 91 never used, 93 did not use in the
period, 94 don't know, 97 refused, 98 blank, 99 legitimate skip (81/83/89 the
logically assigned versions); the same with 98x for three-digit items and
998x for four-digit items. The *width* of an item's special codes is that of
its largest value, so a day count 1-365 keeps its real 91-99 values. With
``special_codes="nan"`` (default) these codes become NaN, and
``df.attrs["special_codes"]`` records, per column, how many of each code were
replaced; :func:`special_code_kinds` recovers their meaning (e.g. "never used"
is a 0 for a day count but not an age). ``special_codes="keep"`` leaves
every value as published.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import InputError, SchemaError
from drugtrends.readers._checks import require_file, validate
from drugtrends.readers.nsduh_harmonise import first_use_columns, first_use_table, person_columns

__all__ = [
    "RECENCY_RECODES",
    "SUBSTANCES",
    "TAXONOMY_IDS",
    "design_variables",
    "comparability_group",
    "special_code_kinds",
    "read_nsduh",
    "read_nsduh_extract",
    "EXTRACT_2022_NOTES",
]

#: substance id -> imputation-revised recency recode names, 2015+ name first, then the
#: 2002-2014 name where it differs (e.g. IRANLRC "nonmedical use of pain relievers" before
#: the 2015 redesign's IRPNRNMREC "misuse"; names as in the 2002-2014 concatenated PUF).
RECENCY_RECODES: dict[str, tuple[str, ...]] = {
    "cannabis": ("IRMJRC",),
    "cocaine": ("IRCOCRC",),
    "crack": ("IRCRKRC",),
    "heroin": ("IRHERRC",),
    "hallucinogens": ("IRHALLUCREC", "IRHALRC"),
    "lsd": ("IRLSDRC",),
    "methamphetamine": ("IRMETHAMREC", "IRMTHRC"),
    "inhalants": ("IRINHALREC", "IRINHRC"),
    "pain_relievers_misuse": ("IRPNRNMREC", "IRANLRC"),
    "tranquillizers_misuse": ("IRTRQNMREC", "IRTRNRC"),
    "stimulants_misuse": ("IRSTMNMREC", "IRSTMRC"),
    "sedatives_misuse": ("IRSEDNMREC", "IRSEDRC"),
}
#: flag prefix -> :mod:`drugtrends.taxonomy` substance id (misuse of prescription drugs
#: maps to the drug class: pain relievers -> prescription_opioids, ...).
TAXONOMY_IDS: dict[str, str] = {
    **{k: k for k in RECENCY_RECODES},
    # prefixes of ever_/age_first_ columns without a recency recode here (nicotine vaping: tobacco products)
    "alcohol": "alcohol", "cigarettes": "tobacco", "daily_cigarettes": "tobacco", "nicotine_vaping": "tobacco",
    "pain_relievers_misuse": "prescription_opioids",
    "tranquillizers_misuse": "tranquillizers",
    "stimulants_misuse": "prescription_stimulants",
    "sedatives_misuse": "sedatives",
}
#: Substance ids with a recency recode, in taxonomy order.
SUBSTANCES = tuple(RECENCY_RECODES)
_RECENCY_CODES = (1, 2, 3, 9)


def _codebook_file(name: str) -> Path:
    from drugtrends import paths

    root = paths.project_root()
    candidates = ([root / "data" / "codebooks" / name] if root is not None else []) + [
        Path(__file__).resolve().parents[1] / "codebooks" / name
    ]
    for c in candidates:
        if c.is_file():
            return c
    raise FileNotFoundError(f"codebook {name!r} not found (looked in {[str(c) for c in candidates]})")


@lru_cache(maxsize=1)
def _design_table() -> pd.DataFrame:
    return pd.read_csv(_codebook_file("nsduh_design_variables.csv"), dtype={"comparability_group": str})


@lru_cache(maxsize=1)
def _special_table() -> pd.DataFrame:
    return pd.read_csv(_codebook_file("nsduh_special_codes.csv"))


def design_variables(year: int) -> dict[str, str]:
    """Return the design variable names of an NSDUH year.

    Parameters
    ----------
    year : int
        Survey year (2002 onwards).

    Examples
    --------
    >>> design_variables(2019)
    {'weight': 'ANALWT_C', 'strata': 'VESTR', 'psu': 'VEREP'}
    >>> design_variables(2020)["weight"], design_variables(2022)["strata"]
    ('ANALWTQ1Q4_C', 'VESTR_C')
    """
    row = _year_row(year)
    return {"weight": row["weight"], "strata": row["strata"], "psu": row["psu"]}


def comparability_group(year: int) -> str:
    """Return the year's comparability group (``2002-2014``, ``2015-2019``, ``2020``, ``2021+``).

    Parameters
    ----------
    year : int
        Survey year.

    Examples
    --------
    >>> [comparability_group(y) for y in (2014, 2015, 2020, 2023)]
    ['2002-2014', '2015-2019', '2020', '2021+']
    """
    return str(_year_row(year)["comparability_group"])


def _year_row(year: int) -> pd.Series:
    t = _design_table()
    y = int(year)
    hit = t[(t.first_year <= y) & (t.last_year >= y)]
    if hit.empty:
        raise InputError(f"NSDUH year {year} is not covered (supported: {t.first_year.min()}-{t.last_year.max()}).")
    return hit.iloc[0]


def special_code_kinds(series: pd.Series) -> pd.Series:
    """Classify the special codes of a raw NSDUH item (NaN for ordinary values).

    The width of the item's special codes is that of its largest value.

    Parameters
    ----------
    series : pandas.Series
        A raw NSDUH item (numeric codes).

    Returns
    -------
    pandas.Series
        Categorical with ``never_used``, ``not_in_period``, ``missing``,
        ``legitimate_skip`` (NaN for a real value).

    Examples
    --------
    >>> special_code_kinds(pd.Series([3, 30, 91, 93, 97, 99])).astype(object).tolist()
    [nan, nan, 'never_used', 'not_in_period', 'missing', 'legitimate_skip']
    """
    s = pd.to_numeric(series, errors="coerce")
    table = _special_table()
    kinds = ["never_used", "not_in_period", "missing", "legitimate_skip"]
    width = _special_width(s)
    out = pd.Series(pd.Categorical([None] * len(s), categories=kinds), index=series.index)
    if width is None:
        return out
    t = table[table.width == width]
    mapped = s.map(dict(zip(t.code, t.kind)))
    return pd.Series(pd.Categorical(mapped, categories=kinds), index=series.index)


def _special_width(s: pd.Series) -> int | None:
    v = s.dropna()
    if v.empty or not np.all(v == np.round(v)):
        return None
    mx = int(v.max())
    codes = set(_special_table().code)
    return len(str(mx)) if mx in codes else None


def _open_binary(p: Path):
    """Open the data file itself, or the single data member of SAMHSA's zip bundle."""
    if zipfile.is_zipfile(p):
        z = zipfile.ZipFile(p)
        members = [m for m in z.namelist() if m.lower().endswith((".txt", ".tsv", ".tab"))
                   and not m.startswith("__MACOSX") and "readme" not in m.lower()]
        if len(members) != 1:
            raise SchemaError(f"{p}: a zip bundle should hold one tab-delimited data file; found "
                              f"{members or 'none'}. Extract it and pass its path.")
        return z.open(members[0])
    return open(p, "rb")


def _read_table(p: Path, columns: Sequence[str] | None):
    import pyarrow as pa
    import pyarrow.csv as pv

    with _open_binary(p) as fh:
        head = fh.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not head.strip():
        raise SchemaError(f"{p}: no header line. Is this an NSDUH tab-delimited file?")
    header = [h.strip().strip('"') for h in head.split("\t")]
    if len(header) < 3:
        raise SchemaError(f"{p}: the header has {len(header)} field(s); NSDUH public-use files are tab-delimited. "
                          "Give the tab-delimited ('_Tab.txt') file.")
    upper = {h.upper(): h for h in header}
    include = None
    if columns is not None:
        include = [upper[c.upper()] for c in columns if c.upper() in upper]
    try:
        with _open_binary(p) as fh:
            tbl = pv.read_csv(
                fh,
                parse_options=pv.ParseOptions(delimiter="\t"),
                convert_options=pv.ConvertOptions(include_columns=include, null_values=["", "."],
                                                  strings_can_be_null=True),
            )
    except pa.ArrowInvalid as exc:
        raise SchemaError(f"{p}: cannot parse as a tab-delimited NSDUH file ({exc}). "
                          "A row with too few fields usually means a truncated download: fetch it again.") from None
    return tbl, upper


def _blank_special_codes(df: pd.DataFrame, protected: set[str]) -> dict[str, dict[int, int]]:
    """Set NSDUH special codes (985, 994, 997...) to NA in place; return {column: {code: count}}."""
    replaced: dict[str, dict[int, int]] = {}
    codes = _special_table()
    for c in df.columns:
        if c in protected or not pd.api.types.is_numeric_dtype(df[c]):
            continue
        width = _special_width(df[c])
        if width is None:
            continue
        sp = codes.code[codes.width == width].to_numpy()
        mask = df[c].isin(sp)
        if mask.any():
            vc = df.loc[mask, c].value_counts()
            replaced[c] = {int(k): int(v) for k, v in vc.items()}
            df[c] = df[c].astype("Int64").mask(mask)
    return replaced


def _design_columns(p, df: pd.DataFrame, dcols: dict[str, str]) -> dict[str, np.ndarray]:
    """``weight`` (float) and integer ``strata``/``psu`` arrays; SchemaError on a non-integer code."""
    out = {"weight": pd.to_numeric(df[dcols["weight"]], errors="coerce").astype("float64").to_numpy()}
    for k in ("strata", "psu"):
        s = pd.to_numeric(df[dcols[k]], errors="coerce")
        if s.isna().any() or not np.all(s == np.round(s)):
            i = int(np.flatnonzero((s.isna() | (s != np.round(s))).to_numpy())[0])
            raise SchemaError(f"{p}: column {dcols[k]!r}, line {i + 2}: {df[dcols[k]].iloc[i]} is not an "
                              f"integer {k} code.")
        out[k] = s.astype("int64").to_numpy()
    return out


def _recency_flags(p, df: pd.DataFrame, recodes: dict[str, str]) -> dict[str, np.ndarray]:
    """``<substance>_lifetime/_past_year/_past_month`` 0/1 floats from the recency recodes."""
    out: dict[str, np.ndarray] = {}
    for sub, name in recodes.items():
        r = pd.to_numeric(df[name], errors="coerce")
        bad = ~r.isin(_RECENCY_CODES)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(
                f"{p}: column {name!r}, line {i + 2}: recency code {df[name].iloc[i]} is not one of 1 (past 30 "
                "days), 2 (past 12 months), 3 (more than 12 months), 9 (never). Is the year right?"
            )
        r = r.to_numpy()
        out[f"{sub}_lifetime"] = (r != 9).astype("float64")
        out[f"{sub}_past_year"] = ((r == 1) | (r == 2)).astype("float64")
        out[f"{sub}_past_month"] = (r == 1).astype("float64")
    return out


def _check_columns(p, upper: dict[str, str], design: dict[str, str], columns: Sequence[str] | None, year: int,
                   group: str) -> None:
    """SchemaError for a missing design variable of the year, or a requested column not in the file."""
    missing = [v for v in design.values() if v.upper() not in upper]
    if missing:
        others = [v for v in ("ANALWT_C", "ANALWTQ1Q4_C", "ANALWT2_C", "VESTR", "VESTRQ1Q4_C", "VESTR_C")
                  if v in upper]
        raise SchemaError(
            f"{p}: missing design variable(s) {missing} expected for NSDUH {year} "
            f"(comparability group {group}). Found {others or 'none of the known ones'}: is the year right?"
        )
    if columns is not None:
        absent = [c for c in columns if c.upper() not in upper]
        if absent:
            raise SchemaError(f"{p}: column(s) {absent} not in this file ({len(upper)} columns).")


def read_nsduh(path: str | os.PathLike[str], year: int, columns: Sequence[str] | None = None,
               special_codes: str = "nan") -> pd.DataFrame:
    """Read an NSDUH public-use tab-delimited file with a harmonised design.

    Parameters
    ----------
    path
        The year's tab-delimited public-use file (``NSDUH_2019_Tab.txt``), or
        SAMHSA's zip bundle holding it (read without extracting).
    year
        Survey year (2002 onwards); decides the design variables and the
        comparability group.
    columns
        Columns to read (case-insensitive). The design variables and QUESTID2
        are always read; the substance flags are derived for the recency
        recodes among the columns read (all of them when ``columns`` is None,
        which loads the full ~2,700 columns: pass a list to save memory).
    special_codes
        ``"nan"`` (default): special codes become NaN (see the module notes;
        counts in ``df.attrs["special_codes"]``); ``"keep"``: values as published.

    Returns
    -------
    pandas.DataFrame
        The columns read (upper-case names; integers as Int64 when they hold
        NaN), the harmonised columns whose sources were read (``sex``,
        ``age_group``, ..., ``ever_<substance>``, ``age_first_<substance>``:
        :mod:`drugtrends.readers.nsduh_harmonise`), ``year``,
        ``comparability_group``, ``weight``, ``strata``, ``psu`` and the
        ``<substance>_lifetime/_past_year/_past_month`` 0/1 floats. A
        ``.Rdata`` path is the 2022 extract (:func:`read_nsduh_extract`).

    Raises
    ------
    SchemaError
        Missing design variable for the year, recency code outside 1/2/3/9
        (names column, line and value), non-positive weight, empty, truncated
        or non tab-delimited file.
    DataNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "NSDUH_2019_Tab.txt"
    >>> _ = p.write_text("QUESTID2\\tANALWT_C\\tVESTR\\tVEREP\\tIRMJRC\\tMJDAY30A\\n"
    ...                  "1\\t1500.5\\t40001\\t1\\t1\\t12\\n2\\t800.0\\t40001\\t2\\t9\\t91\\n")
    >>> df = read_nsduh(p, 2019)
    >>> df[["weight", "strata", "psu", "cannabis_lifetime", "cannabis_past_month"]].values.tolist()
    [[1500.5, 40001.0, 1.0, 1.0, 1.0], [800.0, 40001.0, 2.0, 0.0, 0.0]]
    >>> df["MJDAY30A"].tolist(), df["comparability_group"].iloc[0]
    ([12, <NA>], '2015-2019')
    """
    if special_codes not in ("nan", "keep"):
        raise InputError(f"special_codes={special_codes!r}: use 'nan' or 'keep'.")
    if Path(path).suffix.lower() in (".rdata", ".rda"):
        if columns is not None:
            raise InputError("columns= is for the tab-delimited files; the .Rdata extract is read whole.")
        return read_nsduh_extract(path, year)
    row = _year_row(year)
    design = {"weight": row["weight"], "strata": row["strata"], "psu": row["psu"]}
    p = require_file(path, "nsduh")
    want = None
    if columns is not None:
        want = list(dict.fromkeys([*design.values(), "QUESTID2", *columns]))
    tbl, upper = _read_table(p, want)
    _check_columns(p, upper, design, columns, year, str(row["comparability_group"]))
    if tbl.num_rows == 0:
        raise SchemaError(f"{p}: header but no data rows. Fetch the file again.")
    df = tbl.to_pandas()
    df.columns = [c.upper() for c in df.columns]

    dcols = {k: v.upper() for k, v in design.items()}
    recodes = {}
    for sub, names in RECENCY_RECODES.items():
        for name in names:
            if name in df.columns:
                recodes[sub] = name
                break
    protected = set(dcols.values()) | set(recodes.values()) | {"QUESTID2"}

    harmonised = pd.concat([person_columns(df, p), first_use_columns(df, p)], axis=1)
    replaced = _blank_special_codes(df, protected) if special_codes == "nan" else {}

    n = len(df)
    out = {
        "year": np.full(n, int(year), dtype="int64"),
        "comparability_group": pd.Categorical([str(row["comparability_group"])] * n),
    }
    out.update(_design_columns(p, df, dcols))
    out.update(_recency_flags(p, df, recodes))
    for sub in recodes:
        if f"ever_{sub}" not in harmonised.columns:
            out[f"ever_{sub}"] = out[f"{sub}_lifetime"]
    res = pd.concat([df, harmonised, pd.DataFrame(out, index=df.index)], axis=1)
    res.attrs["special_codes"] = replaced
    res.attrs["design"] = dcols
    res.attrs["recency_recodes"] = recodes
    return validate(res, _schema(list(recodes)), p)


def _schema(subs: list[str]):
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    flags = {f"{s}_{k}": pa.Column("float64", pa.Check.isin([0.0, 1.0]))
             for s in subs for k in ("lifetime", "past_year", "past_month")}
    return pa.DataFrameSchema(
        {
            "weight": pa.Column("float64", pa.Check.gt(0)),
            "strata": pa.Column("int64"),
            "psu": pa.Column("int64", pa.Check.ge(1)),
            "year": pa.Column("int64", pa.Check.in_range(2002, 2100)),
            **flags,
        },
        checks=[pa.Check(lambda d: (d[[c for c in d.columns if c.endswith("_past_month")]].to_numpy()
                                    <= d[[c.replace("_past_month", "_past_year") for c in d.columns
                                          if c.endswith("_past_month")]].to_numpy()).all(),
                         name="past_month_implies_past_year")],
        strict=False,
    )


# --------------------------------------------------------------------------- the 2022 public-use extract (issue 21)

#: What the 2022 extract (``nsduh_2022/NSDUH_2022_final_dataset.Rdata``) holds and lacks.
EXTRACT_2022_NOTES = (
    "NSDUH 2022 public-use file, all 59,069 respondents but a subset of its variables, saved as an R data frame "
    "by a third party (public repository sebaugh/nsduh-gateway-drugs) under short names, mapped back here to "
    "SAMHSA's: design ANALWT2_C, VESTR_C (50 strata), VEREP; IRSEX (GENDER), AGE3 (AGEPRC), INCOME (TOTINC), "
    "EDUHIGHCAT (EDUCAT), PDEN10 (POPDEN); NEWRACE2 only as the uploader's 4 groups (ETHNIC: White, Black, "
    "Hispanic, Other non-Hispanic); the imputation-revised ages at first use IRALCAGE (ALC), IRCIGAGE (FSM), "
    "IRCDUAGE (ESM, first daily smoking), IRNICVAPAGE (VAP), IRMJAGE (MRJ), IRCOCAGE (COC), IRCRKAGE (CRK), "
    "IRHERAGE (HER), IRHALLUCAGE (HAL), IRMETHAMAGE (MTH) and of first misuse IRPNRNMAGE (PNK), IRTRQNMAGE "
    "(TRQ), IRSTMNMAGE (STM), IRSEDNMAGE (SED). It holds lifetime use and ages at first use only: no past-year "
    "or past-month use, no recency recodes, no QUESTID2. The uploader's derived columns are left out of the "
    "frame: EVER_*, *_IMP (imputation flags recoded 0/1), MED/NMD/HDG (minimum ages over drug groups), "
    "*_przed_* (gateway-order flags) and RLGINF (religiosity, with missing values filled in by the uploader's "
    "random-forest imputation, missForest). The public-use file itself is a subsample of the 2022 respondents "
    "with perturbed values (SAMHSA's disclosure protection): weighted estimates differ slightly from SAMHSA's "
    "published ones, which use the full restricted file."
)
_EXTRACT_RENAME = {"GENDER": "IRSEX", "AGEPRC": "AGE3", "TOTINC": "INCOME", "EDUCAT": "EDUHIGHCAT",
                   "POPDEN": "PDEN10"}
_EXTRACT_YEAR = 2022


def _read_rdata(p: Path) -> pd.DataFrame:
    try:
        import pyreadr
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ImportError("reading the NSDUH .Rdata extract needs pyreadr (pip install pyreadr).") from exc
    try:
        frames = pyreadr.read_r(str(p))
    except Exception as exc:  # pyreadr raises its own LibrdataError and others
        raise SchemaError(f"{p}: cannot read it as an R data file ({type(exc).__name__}: {exc}). "
                          "Fetch it again: `drugtrends fetch nsduh_2022 --force`.") from None
    if len(frames) != 1:
        raise SchemaError(f"{p}: an R data file with one data frame was expected; found {list(frames) or 'none'}.")
    return next(iter(frames.values()))


def read_nsduh_extract(path: str | os.PathLike[str], year: int = _EXTRACT_YEAR) -> pd.DataFrame:
    """Read the NSDUH 2022 public-use extract (``.Rdata``) into the harmonised NSDUH columns.

    Parameters
    ----------
    path
        ``NSDUH_2022_final_dataset.Rdata`` (see :data:`EXTRACT_2022_NOTES`).
    year
        Must be 2022 (the extract's year; it decides the design variables).

    Returns
    -------
    pandas.DataFrame
        One row per respondent (59,069): the design variables as published
        (``ANALWT2_C``, ``VESTR_C``, ``VEREP``), the published codes under
        SAMHSA's names (``IRSEX``, ``AGE3``, ``INCOME``, ``EDUHIGHCAT``,
        ``PDEN10``, Int64; the ``IR*AGE`` ages with their 991/993/999 codes
        kept), then ``year``, ``comparability_group`` (``2021+``), ``weight``,
        ``strata``, ``psu``, the person columns of
        :func:`~drugtrends.readers.nsduh_harmonise.person_columns`,
        ``ever_<substance>`` / ``age_first_<substance>`` for alcohol,
        cigarettes, daily_cigarettes, nicotine_vaping, cannabis, cocaine,
        crack, heroin, hallucinogens, methamphetamine and the misuse of
        pain relievers, tranquillizers, stimulants and sedatives, and
        ``<substance>_lifetime`` (= ``ever_<substance>``) for the substances
        with a recency recode in other years. ``attrs["notes"]`` says what the
        extract holds and lacks.

    Raises
    ------
    SchemaError
        Not an R data file with one data frame, a missing column (names it),
        a code outside the codebook, a non-integer stratum or PSU.
    InputError
        ``year`` is not 2022.
    DataNotFoundError
        The file does not exist.

    Examples
    --------
    >>> df = read_nsduh_extract("NSDUH_2022_final_dataset.Rdata")  # doctest: +SKIP
    >>> round(100 * (df.weight * df.ever_cannabis).sum() / df.weight.sum(), 2)  # doctest: +SKIP
    46.94
    """
    if int(year) != _EXTRACT_YEAR:
        raise InputError(f"the NSDUH .Rdata extract is the 2022 file; year={year} was given. Pass year=2022.")
    p = require_file(path, "nsduh_2022")
    raw = _read_rdata(p)
    fu = first_use_table()
    dcols = design_variables(_EXTRACT_YEAR)
    need = [*dcols.values(), *_EXTRACT_RENAME, "ETHNIC", *fu.extract_name]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise SchemaError(f"{p}: column(s) {missing} missing; expected the NSDUH 2022 extract's columns "
                          f"({', '.join(need)}). Is this NSDUH_2022_final_dataset.Rdata?")
    if raw.empty:
        raise SchemaError(f"{p}: the data frame has no rows. Fetch it again.")
    rename = {**_EXTRACT_RENAME, **dict(zip(fu.extract_name, fu.variable))}
    df = raw[list(dcols.values()) + list(rename) + ["ETHNIC"]].rename(columns=rename).reset_index(drop=True)
    person = person_columns(df, p)
    first = first_use_columns(df, p)
    for c in [*_EXTRACT_RENAME.values(), *fu.variable]:
        df[c] = pd.to_numeric(df[c].astype(object), errors="coerce").astype("Int64")
    df = df.drop(columns="ETHNIC")
    n = len(df)
    out = {"year": np.full(n, _EXTRACT_YEAR, dtype="int64"),
           "comparability_group": pd.Categorical([comparability_group(_EXTRACT_YEAR)] * n)}
    out.update(_design_columns(p, df, dcols))
    lifetime = {f"{s}_lifetime": first[f"ever_{s}"].to_numpy() for s in SUBSTANCES if f"ever_{s}" in first}
    res = pd.concat([df, pd.DataFrame(out, index=df.index), person, first, pd.DataFrame(lifetime, index=df.index)],
                    axis=1)
    res.attrs.update(notes=EXTRACT_2022_NOTES, design=dcols, source="NSDUH 2022 public-use extract (.Rdata)")
    return validate(res, _extract_schema(list(first.columns)), p)


def _extract_schema(first: list[str]):
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    cols = {c: (pa.Column("float64", pa.Check.isin([0.0, 1.0])) if c.startswith("ever_")
                else pa.Column("float64", pa.Check.in_range(1, 120), nullable=True)) for c in first}
    return pa.DataFrameSchema(
        {"weight": pa.Column("float64", pa.Check.gt(0)), "strata": pa.Column("int64"),
         "psu": pa.Column("int64", pa.Check.isin([1, 2])), "year": pa.Column("int64", pa.Check.eq(_EXTRACT_YEAR)),
         "sex": pa.Column(None, nullable=False), "age_group": pa.Column(None, nullable=False), **cols},
        checks=[pa.Check(lambda d: ((d.filter(like="age_first_").notna().to_numpy())
                                    <= (d[[c.replace("age_first_", "ever_") for c in d.columns
                                           if c.startswith("age_first_")]].to_numpy() == 1)).all(),
                         name="age_first_only_for_users")],
        strict=False,
    )


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
