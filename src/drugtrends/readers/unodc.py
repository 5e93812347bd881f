"""UNODC World Drug Report 2025, statistical annex: tables 1.2, 1.4, 2.1, 7.1.

Each reader takes the path of the official ``.xlsx`` file and returns one tidy,
typed and checked :class:`pandas.DataFrame`.

* :func:`read_prevalence` -- table 1.2, prevalence of drug use in the general
  population (one sheet per substance; annual prevalence, % of the population
  aged 15-64 unless the ``age_group`` says otherwise; the NPS sheet gives
  lifetime, past-year and past-month prevalence);
* :func:`read_youth` -- table 1.4, prevalence among the youth population
  (lifetime / past year / past month columns; NPS sheet by sex);
* :func:`read_trend_perception` -- table 2.1, experts' perception of the
  change in use;
* :func:`read_seizures` -- table 7.1, quantities seized (kg).

Layouts are detected from the cells, never from fixed positions: the header row
is the first row naming a country column and a region or year column, so a sheet
whose header moved (a title row added) reads the same. Columns are found by
their header text (``Best`` or ``Total``; ``Life-time`` or ``Lifetime``; ...).

Conventions of the prevalence tables (1.2 and 1.4)
-------------------------------------------------
* one row per published estimate and prevalence ``period``
  (``lifetime`` / ``past_year`` / ``past_month``); 1.2 sheets other than NPS are
  annual prevalence (``past_year``); 1.4 and the NPS sheets are melted from
  their period columns, and a period without any value or marker is dropped;
* values are floats on the percent scale as published; blank cells, non-breaking
  spaces and markers become NaN; the marker ``@`` ("less than 0.005", as the
  sheets' notes define it) is kept in ``notes``; decimal commas are read;
* ``region`` and ``subregion`` are filled down (the sheets give them only on the
  first row of a block); ``country`` is stripped of stray spaces;
* ``year_label`` keeps the year as published; ``year`` is an integer: for a
  survey period such as ``2022/23`` or ``2015-16`` it is the **end** year (New
  Zealand's rows show UNODC itself dating "2021-22" data as 2022); an implausible
  year (``2106``, ``(blank)``) gives ``year`` NaN and a note;
* ``age_group`` keeps the age range / coverage as published (whitespace
  normalised) so the trends module can mark a comparability break when it
  changes (France cocaine: 15-64 until 2017, 18-64 in 2023); ``age_min`` and
  ``age_max`` are parsed integers (``15+`` gives 15 and NA; grade-based
  coverage such as "Grade 10" gives NA). One 1.4 cell that Excel turned into
  the date 2017-10-01 is read back as "10-17" with a note;
* ``method`` is the published method (HHS = household survey, SS = school
  survey, I = indirect, A = adjusted, R = registry); in 1.4, which has no method
  column, it is taken from the "(HHS)"/"(SS)" prefix of the coverage;
* ``adjustment`` holds the UNODC adjustment codes of 1.2 (a = adjusted for age,
  e = adjusted from lifetime/monthly prevalence, ...: see the sheet footnotes);
* ``drug_detail`` is the NPS type and substance of the NPS sheets
  ("Synthetic cannabinoids: Synthetic cannabinoids", "Ketamine: Ketamine");
  ``substance`` is the substance as published (NPS rows: ``ketamine``,
  ``synthetic_cannabinoids``, ``mephedrone``...; ``nps`` only for unspecified
  NPS) and ``substance_group`` the sheet (``nps``);
* ``indicator``, ``period`` corrected from the notes, ``method_class``,
  ``scope``, ``design_era``, ``comparability_group``, ``break_code`` and
  ``break_reason`` come from :func:`drugtrends.comparability.annotate_prevalence`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends import taxonomy
from drugtrends.errors import InputError, SchemaError, UnknownVariableError
from drugtrends.readers._checks import require_file, validate
from drugtrends.semantics import seizure_scope

__all__ = [
    "read_prevalence",
    "read_youth",
    "read_trend_perception",
    "read_seizures",
    "parse_age_group",
    "parse_year",
    "PREVALENCE_COLUMNS",
    "TREND_COLUMNS",
    "SEIZURE_COLUMNS",
    "PERCEPTION_LEVELS",
]

DATASET = "unodc_wdr2025"
_REFETCH = f"Re-fetch it with `drugtrends fetch {DATASET} --force`."

#: Columns of the tidy prevalence tables (1.2 and 1.4), in order.
PREVALENCE_COLUMNS = [
    "region", "subregion", "country", "substance", "substance_group", "substance_detail", "drug_detail", "indicator",
    "period",
    "year", "year_label", "age_group", "age_min", "age_max", "best", "low", "high", "male", "female",
    "source", "method", "method_class", "adjustment", "scope", "notes", "design_era", "comparability_group",
    "break_code", "break_reason", "sheet", "row", "definition", "method_basis", "source_break",
]
#: Columns of the tidy expert-perception table (2.1).
TREND_COLUMNS = [
    "region", "subregion", "country", "iso3", "year", "drug_group", "drug", "substance", "substance_group",
    "is_group", "age_group", "perception", "score", "row",
]
#: Columns of the tidy seizures table (7.1).
SEIZURE_COLUMNS = [
    "region", "subregion", "country", "iso3", "year", "drug_group", "drug_subgroup", "drug_name",
    "substance", "scope", "is_total", "kilograms", "tonnes", "row",
]
#: Ordered levels of the expert perception (2.1); "Not known" becomes NaN.
PERCEPTION_LEVELS = [
    "Large decrease (>10%)", "Small decrease (5-10%)", "Stable situation (+-5%)",
    "Small increase (5-10%)", "Large increase (>10%)",
]
_PERIODS = ["lifetime", "past_year", "past_month"]
_REGIONS = {"africa": "Africa", "americas": "Americas", "asia": "Asia", "europe": "Europe", "oceania": "Oceania"}
_MARKERS = {"@": "less than 0.005"}
_BLANKS = {"", "-", "..", "n/a", "na"}

# header text (normalised) -> canonical field
_HEADER_ALIASES = {
    "region": "region",
    "sub-region": "subregion", "subregion": "subregion",
    "country/territory": "country", "country": "country",
    "best": "best", "total": "best",
    "low": "low", "high": "high", "male": "male", "female": "female",
    "year": "year", "year of estimate": "year", "reference year": "year",
    "age": "age", "coverage (age/grade)": "age",
    "source": "source", "method": "method",
    "adjustment/notes": "adjustment",
    "specific notes": "notes", "notes": "notes",
    "nps type": "nps_type", "substance": "substance_detail",
    "lifetime": "lifetime", "past year": "past_year", "past month": "past_month",
    "druggroup": "drug_group", "drug": "drug", "drugsubgroup": "drug_subgroup", "drugname": "drug_name",
    "overall": "overall", "0-17": "0-17", "18-24": "18-24", "25+": "25+",
    "kilograms": "kilograms", "mscode": "iso3",
}


def _norm_header(v: object) -> str:
    if v is None:
        return ""
    s = str(v).replace("\xa0", " ").replace("\n", " ")
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"\s+", " ", s).strip().casefold()
    s = s.replace("life-time", "lifetime")
    return s


def _text(v: object) -> str | None:
    """Cell -> stripped text, or None when blank."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = re.sub(r"\s+", " ", str(v).replace("\xa0", " ")).strip()
    return s or None


# ---------------------------------------------------------------------------
# Cell parsers
# ---------------------------------------------------------------------------


def _number(v: object) -> tuple[float, str | None]:
    """Return (value, qualifier text) for a value cell."""
    if v is None or isinstance(v, bool):
        return np.nan, None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v), None
    s = str(v).replace("\xa0", " ").strip()
    if s.casefold() in _BLANKS:
        return np.nan, None
    if s in _MARKERS:
        return np.nan, f"'{s}' = {_MARKERS[s]}"
    t = s.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", s) else s
    try:
        return float(t), None
    except ValueError:
        return np.nan, f"published as {s!r}"


def parse_year(value: object) -> tuple[float, str | None, str | None]:
    """Parse a year cell of the annex.

    Parameters
    ----------
    value : int, str or None
        The cell as stored: ``2023``, ``"2022/23"``, ``"2015-16"``,
        ``"2013/2014"``, ``"(blank)"``...

    Returns
    -------
    tuple
        ``(year, year_label, note)``: ``year`` is the (end) year as a float
        (NaN when missing or implausible, i.e. outside 1980-2030), ``year_label``
        the text as published, ``note`` a remark or None.

    Examples
    --------
    >>> from drugtrends.readers.unodc import parse_year
    >>> parse_year(2023)
    (2023.0, '2023', None)
    >>> parse_year("2022/23")[:2]
    (2023.0, '2022/23')
    >>> parse_year("2106")
    (nan, '2106', "implausible year '2106' as published")
    """
    label = _text(value)
    if label is None:
        return np.nan, None, None
    m = re.fullmatch(r"(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?", label)
    if not m:
        return np.nan, label, f"year published as {label!r}"
    start = int(m.group(1))
    year = start
    if m.group(2):
        end = m.group(2)
        year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if year < start:
            year += 100
    if not 1980 <= year <= 2030:
        return np.nan, label, f"implausible year {label!r} as published"
    return float(year), label, None


def parse_age_group(value: object) -> tuple[str | None, float, float, str | None]:
    """Parse the age range / coverage of a prevalence estimate.

    Parameters
    ----------
    value : str, int or datetime
        The ``Age`` (1.2) or ``Coverage (age/grade)`` (1.4) cell.

    Returns
    -------
    tuple
        ``(age_group, age_min, age_max, note)``: the label as published
        (whitespace normalised), the lowest and highest age covered (NaN when
        open-ended or not given in years, e.g. school grades), and a note.

    Examples
    --------
    >>> from drugtrends.readers.unodc import parse_age_group
    >>> parse_age_group("18-64")
    ('18-64', 18.0, 64.0, None)
    >>> parse_age_group("15+")
    ('15+', 15.0, nan, None)
    >>> parse_age_group("(SS) 15 - 16")
    ('(SS) 15 - 16', 15.0, 16.0, None)
    >>> parse_age_group("(SS) Grade 10")
    ('(SS) Grade 10', nan, nan, None)
    """
    note = None
    label: str | None
    if isinstance(value, (_dt.datetime, _dt.date)):
        # Excel turned a range such as "10-17" into a date (month 10, year 2017)
        label = f"{value.month}-{value.year % 100:02d}"
        note = f"age range read back from an Excel date cell ({value:%Y-%m-%d})"
    else:
        label = _text(value)
    if label is None:
        return None, np.nan, np.nan, note
    low = label.casefold()
    core = re.sub(r"\([^)]*grade[^)]*\)", "", low)  # "15-16 (Grade 10)" -> ages
    if re.search(r"gra?de|garde|\d\s*(st|nd|rd|th)\b|year of", core):
        return label, np.nan, np.nan, note
    m = re.search(r"below\s+(\d+)", core)
    if m:
        return label, np.nan, float(int(m.group(1)) - 1), note
    nums = [int(n) for n in re.findall(r"\d+", core)]
    nums = [n for n in nums if n <= 110]
    if not nums:
        return label, np.nan, np.nan, note
    m = re.search(r"(\d+)\s*\+", core)
    if m:
        return label, float(int(m.group(1))), np.nan, note
    return label, float(min(nums)), float(max(nums)), note


def _method_from_coverage(age_group: str | None) -> str | None:
    if not age_group:
        return None
    low = age_group.casefold()
    if low.startswith("(hhs)"):
        return "HHS"
    if low.startswith("(ss)") or low in ("ss", "school survey"):
        return "SS"
    return None


# ---------------------------------------------------------------------------
# Workbook access
# ---------------------------------------------------------------------------


def _load_rows(path: str | os.PathLike[str]) -> tuple[Path, dict[str, list[tuple]]]:
    """Return {sheet title: rows (tuples of cell values)}; SchemaError on a bad file."""
    p = require_file(path, dataset=DATASET)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, TypeError) as exc:
        raise SchemaError(
            f"{p}: not a readable .xlsx workbook ({type(exc).__name__}: {exc}). The file is corrupt or "
            f"truncated. {_REFETCH}"
        ) from None
    except Exception as exc:  # openpyxl.utils.exceptions.InvalidFileException and others
        raise SchemaError(f"{p}: cannot open the workbook ({type(exc).__name__}: {exc}). {_REFETCH}") from None
    try:
        sheets = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    except Exception as exc:  # corrupt sheet XML inside a valid zip
        raise SchemaError(f"{p}: a sheet cannot be read ({type(exc).__name__}: {exc}). {_REFETCH}") from None
    finally:
        wb.close()
    return p, sheets


def _find_header(rows: list[tuple], path: Path, sheet: str, need: tuple[str, ...] = ("region", "year")) -> int:
    """Index of the header row: first row with a country column and one of ``need``."""
    for i, r in enumerate(rows[:40]):
        names = {_HEADER_ALIASES.get(_norm_header(v)) for v in r}
        if "country" in names and any(n in names for n in need):
            return i
    raise SchemaError(
        f"{path} (sheet {sheet!r}): no header row found in the first 40 rows (expected a row naming "
        f"'Country/Territory' and 'Region' or 'Year'). Is this the right file? {_REFETCH}"
    )


@dataclass
class _Layout:
    cols: dict[str, int]                      # canonical field -> column index
    groups: dict[str, dict[str, int]] = field(default_factory=dict)  # period -> {best/male/female: col}
    first_data: int = 0
    extra: list[int] = field(default_factory=list)  # unnamed columns holding notes


def _layout(rows: list[tuple], path: Path, sheet: str, required: tuple[str, ...]) -> _Layout:
    hi = _find_header(rows, path, sheet)
    header = rows[hi]
    cols: dict[str, int] = {}
    for j, v in enumerate(header):
        key = _HEADER_ALIASES.get(_norm_header(v))
        if key is not None and key not in cols:
            cols[key] = j
    lay = _Layout(cols=cols, first_data=hi + 1)
    # period groups spanning All/Total, Male, Female sub-columns (NPS sheets)
    sub = rows[hi + 1] if hi + 1 < len(rows) else ()
    subnames = [_norm_header(v) for v in sub]
    if any(s in ("all", "total") for s in subnames):
        lay.first_data = hi + 2
        for period in _PERIODS:
            if period in cols:
                j = cols[period]
                g: dict[str, int] = {}
                for k in range(j, min(j + 3, len(subnames))):
                    s = subnames[k]
                    if s in ("all", "total"):
                        g["best"] = k
                    elif s in ("male", "female"):
                        g[s] = k
                g.setdefault("best", j)
                lay.groups[period] = g
    elif any(p in cols for p in _PERIODS) and "best" not in cols:
        lay.groups = {p: {"best": cols[p]} for p in _PERIODS if p in cols}
    missing = [c for c in required if c not in cols]
    if lay.groups == {} and "best" not in cols:
        missing.append("best (or Total / Lifetime / Past year / Past month)")
    if missing:
        found = [_text(v) for v in header if _text(v)]
        raise SchemaError(
            f"{path} (sheet {sheet!r}, header on row {hi + 1}): missing column(s) {missing}. "
            f"Header found: {found}. Is this the right file and edition? {_REFETCH}"
        )
    used = set(cols.values()) | {k for g in lay.groups.values() for k in g.values()}
    width = max((len(r) for r in rows), default=0)
    lay.extra = [j for j in range(min(cols.values()), width) if j not in used and (j >= len(header) or header[j] is None)]
    return lay


def _cell(r: tuple, j: int | None) -> object:
    return r[j] if j is not None and j < len(r) else None


# ---------------------------------------------------------------------------
# Prevalence tables 1.2 and 1.4
# ---------------------------------------------------------------------------


def _prevalence_rows(rows: list[tuple], path: Path, sheet: str, default_period: str, youth: bool) -> list[dict]:
    try:
        substance = taxonomy.from_source("unodc", sheet)
    except UnknownVariableError:
        raise SchemaError(
            f"{path}: sheet {sheet!r} is not a known substance sheet of the annex (known: "
            f"Cannabis, Cocaine, Amphetamines, Ecstasy, Prescription Stimulants, Opioids, Opiates, "
            f"Prescription opioids, Tranquillizers and sedatives, NPS). Add it to drugtrends.taxonomy."
        ) from None
    lay = _layout(rows, path, sheet, required=("region", "subregion", "country", "year", "age", "source"))
    c = lay.cols
    out: list[dict] = []
    region = subregion = nps_type = None
    for i in range(lay.first_data, len(rows)):
        r = rows[i]
        notes: list[str] = []
        reg = _text(_cell(r, c["region"]))
        country = _text(_cell(r, c["country"]))
        if country is None or _HEADER_ALIASES.get(_norm_header(country)) == "country":
            continue  # blank, footnote or repeated header row
        if reg is not None:
            if reg.casefold() in _REGIONS:
                if _REGIONS[reg.casefold()] != region:
                    subregion = None
                region = _REGIONS[reg.casefold()]
            else:
                notes.append(f"region cell {reg!r} ignored")
        sub = _text(_cell(r, c["subregion"]))
        if sub is not None:
            subregion = sub
        if "nps_type" in c:
            t = _text(_cell(r, c["nps_type"]))
            if t is not None:
                nps_type = t
        detail, row_substance = None, substance
        if "substance_detail" in c:
            sd = _text(_cell(r, c["substance_detail"]))
            detail = ": ".join(x for x in (nps_type, sd) if x) or None
            row_substance = _nps_substance(detail, nps_type, sd, notes) if substance == "nps" else substance
        year, year_label, ynote = parse_year(_cell(r, c["year"]))
        age_group, age_min, age_max, anote = parse_age_group(_cell(r, c["age"]))
        notes += [n for n in (ynote, anote) if n]
        for key in ("notes",):
            t = _text(_cell(r, c.get(key)))
            if t:
                notes.insert(0, t)
        for j in lay.extra:
            t = _text(_cell(r, j))
            if t:
                notes.append(t)
        method = _text(_cell(r, c.get("method")))
        if method is None and youth:
            method = _method_from_coverage(age_group)
        base = {
            "region": region, "subregion": subregion, "country": country, "substance": row_substance,
            "substance_group": substance, "drug_detail": detail, "year": year, "year_label": year_label, "age_group": age_group,
            "age_min": age_min, "age_max": age_max, "source": _text(_cell(r, c["source"])),
            "method": method, "adjustment": _text(_cell(r, c.get("adjustment"))), "sheet": sheet, "row": i + 1,
        }
        if lay.groups:
            groups = lay.groups
        else:
            groups = {default_period: {k: c[k] for k in ("best", "low", "high", "male", "female") if k in c}}
        for period, g in groups.items():
            vals: dict[str, float] = {}
            quals: list[str] = []
            for k in ("best", "low", "high", "male", "female"):
                v, q = _number(_cell(r, g.get(k)))
                vals[k] = v
                if q:
                    quals.append(f"{period} {k} {q}" if lay.groups else f"{k} {q}")
            if all(np.isnan(v) for v in vals.values()) and not quals:
                continue
            if vals["low"] > vals["high"] or not vals["low"] <= vals["best"] <= vals["high"] and not (
                    np.isnan(vals["low"]) or np.isnan(vals["high"]) or np.isnan(vals["best"])):
                quals.append("best/low/high not ordered as published (kept as is)")
            out.append({**base, "period": period, **vals, "notes": "; ".join(notes + quals) or None})
    return out


def _nps_substance(detail: str | None, nps_type: str | None, name: str | None, notes: list[str]) -> str:
    """Taxonomy id of an NPS-sheet row from its 'NPS type: substance' (``nps`` when unmapped, with a note)."""
    for cand in (detail, (detail or "").split(". ")[0], name, nps_type):
        if cand:
            try:
                sub = taxonomy.from_source("unodc", cand)
            except UnknownVariableError:
                continue
            if sub is not None:
                return sub
    if detail:
        notes.append(f"NPS {detail!r} not in the taxonomy: filed as nps")
    return "nps"


def _prevalence_frame(records: list[dict]) -> pd.DataFrame:
    from drugtrends.comparability import annotate_prevalence

    df = pd.DataFrame.from_records(records, columns=[c for c in PREVALENCE_COLUMNS if c in records[0]])
    for col in ("best", "low", "high", "male", "female"):
        df[col] = df[col].astype("float64")
    for col in ("year", "age_min", "age_max", "row"):
        df[col] = df[col].astype("float64").astype("Int64")
    for col in ("year_label", "adjustment", "notes"):
        df[col] = df[col].astype("string")
    df["period"] = pd.Categorical(df["period"], categories=_PERIODS, ordered=True)
    for col in ("region", "subregion", "country", "drug_detail", "age_group", "source", "method", "sheet"):
        df[col] = df[col].astype("category")
    df = annotate_prevalence(df)
    for col in ("substance", "substance_group", "substance_detail"):
        df[col] = pd.Categorical(df[col].astype(object), categories=taxonomy.ids())
    df["indicator"] = pd.Categorical(df["indicator"].astype(object), categories=["prevalence", "high_risk_use"])
    return df[PREVALENCE_COLUMNS]


def _prevalence_schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    pct = pa.Check.in_range(0, 100)
    return pa.DataFrameSchema(
        {
            "region": pa.Column("category", pa.Check.isin(list(_REGIONS.values())), nullable=False),
            "country": pa.Column("category", nullable=False),
            "substance": pa.Column("category", nullable=False),
            "period": pa.Column("category", pa.Check.isin(_PERIODS), nullable=False),
            "year": pa.Column("Int64", pa.Check.in_range(1980, 2030), nullable=True),
            "age_min": pa.Column("Int64", pa.Check.in_range(0, 110), nullable=True),
            "age_max": pa.Column("Int64", pa.Check.in_range(0, 110), nullable=True),
            **{k: pa.Column("float64", pct, nullable=True) for k in ("best", "low", "high", "male", "female")},
            "row": pa.Column("Int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: ~(d["age_min"] > d["age_max"]).fillna(False), error="age_min <= age_max"),
        ],
        strict=False,
    )


def _read_prevalence_file(path: str | os.PathLike[str], default_period: str, youth: bool) -> pd.DataFrame:
    p, sheets = _load_rows(path)
    records: list[dict] = []
    for sheet, rows in sheets.items():
        if sheet.strip().casefold() == "lookup":
            continue
        records += _prevalence_rows(rows, p, sheet, default_period, youth)
    if not records:
        raise SchemaError(f"{p}: no prevalence rows found in sheets {list(sheets)}. {_REFETCH}")
    return validate(_prevalence_frame(records), _prevalence_schema(), p)


def read_prevalence(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read annex table 1.2, prevalence of drug use in the general population.

    Parameters
    ----------
    path : str or path-like
        ``1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx``.

    Returns
    -------
    pandas.DataFrame
        Long form, one row per published estimate and period, columns
        :data:`PREVALENCE_COLUMNS`: ``region``, ``subregion``, ``country``,
        ``substance`` (taxonomy id of the substance as published),
        ``substance_group`` (of the sheet), ``substance_detail`` (the most
        specific substance the notes name), ``drug_detail`` (NPS sheet),
        ``indicator`` (``prevalence``/``high_risk_use``), ``period``
        (``past_year``, or ``past_month`` when the notes say so; NPS sheet:
        ``lifetime``/``past_year``/``past_month``), ``year`` (Int64), ``year_label``, ``age_group``,
        ``age_min``, ``age_max`` (Int64), ``best``, ``low``, ``high``,
        ``male``, ``female`` (float, percent), ``source``, ``method``,
        ``method_class``, ``adjustment``, ``scope``, ``notes``, ``design_era``,
        ``comparability_group``, ``break_code``, ``break_reason``, ``sheet``,
        ``row`` (Excel row number). See the module docstring and
        :mod:`drugtrends.comparability` for the conventions.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    SchemaError
        The file is empty or corrupt, a sheet has no recognisable header, a
        required column is missing, or values fail the checks.

    Examples
    --------
    >>> import tempfile
    >>> from drugtrends.readers import unodc
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = unodc.read_prevalence(unodc._demo_file(d, "1.2"))
    >>> df[["country", "substance", "year", "age_group", "best", "male", "female"]]
      country substance  year age_group  best  male  female
    0  France   cocaine  2023     18-64   2.7   3.9     1.6
    """
    return _read_prevalence_file(path, "past_year", youth=False)


def read_youth(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read annex table 1.4, prevalence of drug use among the youth population.

    Parameters
    ----------
    path : str or path-like
        ``1.4_Prevalence_of_drug_use_in_the_youth_population_national_data_including_NPS.xlsx``.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`read_prevalence`; ``period`` comes from the
        Lifetime / Past Year / Past Month columns (one row per period with a
        value or marker); ``best`` is the all-sexes value, ``male``/``female``
        are given by the NPS sheet only; ``low``/``high``/``adjustment`` are
        empty; ``method`` is derived from the "(HHS)"/"(SS)" coverage prefix.

    Raises
    ------
    DataNotFoundError, SchemaError
        As :func:`read_prevalence`.

    Examples
    --------
    >>> import tempfile
    >>> from drugtrends.readers import unodc
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = unodc.read_youth(unodc._demo_file(d, "1.4"))
    >>> df[["country", "period", "best", "age_min", "age_max", "method"]]
      country      period  best  age_min  age_max method
    0   Kenya    lifetime   1.1       15       16     SS
    1   Kenya  past_month   0.2       15       16     SS
    """
    return _read_prevalence_file(path, "past_year", youth=True)


# ---------------------------------------------------------------------------
# 2.1 expert perception of trends
# ---------------------------------------------------------------------------


def _substance_of(*labels: object) -> str | None:
    """Taxonomy id of the most specific label that maps (labels from specific to general)."""
    for lab in labels:
        t = _text(lab)
        if t is None:
            continue
        try:
            return taxonomy.from_source("unodc", t)
        except UnknownVariableError:
            continue
    return None


def _single_sheet(path: str | os.PathLike[str], required: tuple[str, ...]) -> tuple[Path, str, list[tuple], _Layout]:
    p, sheets = _load_rows(path)
    last_err: SchemaError | None = None
    for sheet, rows in sheets.items():
        try:
            hi = _find_header(rows, p, sheet)
        except SchemaError as exc:
            last_err = exc
            continue
        header = rows[hi]
        cols: dict[str, int] = {}
        for j, v in enumerate(header):
            key = _HEADER_ALIASES.get(_norm_header(v))
            if key is not None and key not in cols:
                cols[key] = j
        missing = [c for c in required if c not in cols]
        if missing:
            raise SchemaError(
                f"{p} (sheet {sheet!r}, header on row {hi + 1}): missing column(s) {missing}. Header found: "
                f"{[_text(v) for v in header if _text(v)]}. Is this the right file and edition? {_REFETCH}"
            )
        return p, sheet, rows, _Layout(cols=cols, first_data=hi + 1)
    raise last_err or SchemaError(f"{p}: the workbook has no sheet. {_REFETCH}")


def read_trend_perception(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read annex table 2.1, expert perception of trend changes in drug use.

    Parameters
    ----------
    path : str or path-like
        ``2.1_Expert_perception_of_trend_changes_in_use_of_drugs_all_drugs.xlsx``.

    Returns
    -------
    pandas.DataFrame
        Long form over the age columns, one row per country, year, drug and
        ``age_group`` (``overall``, ``0-17``, ``18-24``, ``25+``) with a
        published answer; columns :data:`TREND_COLUMNS`. ``perception`` is an
        ordered categorical of :data:`PERCEPTION_LEVELS` (NaN when experts
        answered "Not known"); ``score`` is -2 (large decrease) .. +2 (large
        increase); ``drug`` is NaN or repeats the group for group-level
        answers, which ``is_group`` marks (never add them to the drug-level
        answers); ``substance`` is the taxonomy id of the drug, else of the
        drug group; ``substance_group`` that of the drug group.

    Raises
    ------
    DataNotFoundError, SchemaError
        Missing, empty or corrupt file; header or columns not found.

    Examples
    --------
    >>> import tempfile
    >>> from drugtrends.readers import unodc
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = unodc.read_trend_perception(unodc._demo_file(d, "2.1"))
    >>> df[["country", "drug", "substance", "age_group", "score"]]
      country  drug substance age_group  score
    0   Kenya  MDMA   ecstasy   overall      1
    1   Kenya  MDMA   ecstasy      0-17      0
    """
    p, sheet, rows, lay = _single_sheet(path, ("region", "subregion", "country", "year", "drug_group", "drug", "overall"))
    c = lay.cols
    ages = [a for a in ("overall", "0-17", "18-24", "25+") if a in c]
    score: dict[str | None, int] = {lvl: k - 2 for k, lvl in enumerate(PERCEPTION_LEVELS)}  # None: not known
    norm_levels = {_norm_header(lvl): lvl for lvl in PERCEPTION_LEVELS}
    recs = []
    for i in range(lay.first_data, len(rows)):
        r = rows[i]
        country = _text(_cell(r, c["country"]))
        if country is None:
            continue
        year, _label, _note = parse_year(_cell(r, c["year"]))
        group, drug = _text(_cell(r, c["drug_group"])), _text(_cell(r, c["drug"]))
        sub, sub_group = _substance_of(drug, group), _substance_of(group)
        is_group = drug is None or _norm_header(drug) == _norm_header(group)
        for a in ages:
            ans = _text(_cell(r, c[a]))
            if ans is None:
                continue
            lvl = norm_levels.get(_norm_header(ans))
            if lvl is None and _norm_header(ans) != "not known":
                raise SchemaError(
                    f"{p} (sheet {sheet!r}, row {i + 1}, column {a!r}): unknown answer {ans!r}; expected one of "
                    f"{PERCEPTION_LEVELS + ['Not known']}."
                )
            recs.append({
                "region": _text(_cell(r, c["region"])), "subregion": _text(_cell(r, c["subregion"])),
                "country": country, "iso3": _text(_cell(r, c.get("iso3"))), "year": year,
                "drug_group": group, "drug": drug, "substance": sub, "substance_group": sub_group,
                "is_group": is_group, "age_group": a,
                "perception": lvl, "score": score.get(lvl, np.nan), "row": i + 1,
            })
    df = pd.DataFrame.from_records(recs, columns=TREND_COLUMNS)
    df["year"] = df["year"].astype("float64").astype("Int64")
    df["score"] = df["score"].astype("float64").astype("Int64")
    df["row"] = df["row"].astype("Int64")
    df["perception"] = pd.Categorical(df["perception"], categories=PERCEPTION_LEVELS, ordered=True)
    df["age_group"] = pd.Categorical(df["age_group"], categories=["overall", "0-17", "18-24", "25+"])
    for col in ("substance", "substance_group"):
        df[col] = pd.Categorical(df[col], categories=taxonomy.ids())
    df["is_group"] = df["is_group"].astype(bool)
    for col in ("region", "subregion", "country", "iso3", "drug_group", "drug"):
        df[col] = df[col].astype("category")
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    schema = pa.DataFrameSchema({
        "country": pa.Column("category", nullable=False),
        "year": pa.Column("Int64", pa.Check.in_range(1980, 2030), nullable=False),
        "score": pa.Column("Int64", pa.Check.in_range(-2, 2), nullable=True),
        "drug_group": pa.Column("category", nullable=False),
    }, strict=False)
    return validate(df, schema, p)


# ---------------------------------------------------------------------------
# 7.1 seizures
# ---------------------------------------------------------------------------


def read_seizures(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read annex table 7.1, drug seizures (kilograms) by country, drug and year.

    Parameters
    ----------
    path : str or path-like
        ``7.1_Drug_seizures_2019-2023.xlsx``.

    Returns
    -------
    pandas.DataFrame
        One row per published row (the file repeats some rows: they are kept,
        as published); columns :data:`SEIZURE_COLUMNS`. ``kilograms`` is a float
        (NaN when blank; every 7.1 quantity is in kilograms), ``tonnes`` the
        same quantity / 1000; ``substance`` is the taxonomy id of the drug name,
        else sub-group, else group (NaN for precursors); ``is_total`` marks the
        "Reported total ..." and "Total ..." rows, which already include the
        other rows of their group: never add them to their components.
        ``scope`` is the category the row covers
        (:func:`drugtrends.semantics.seizure_scope`: ``amphetamine`` vs
        ``all_ats``, ``mdma`` vs ``all_ecstasy_type``, ``cocaine_hydrochloride``
        vs ``all_cocaine``...): a seizure series never mixes scopes
        (:func:`drugtrends.comparability.seizure_totals`).

    Raises
    ------
    DataNotFoundError, SchemaError
        Missing, empty or corrupt file; header or columns not found.

    Examples
    --------
    >>> import tempfile
    >>> from drugtrends.readers import unodc
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = unodc.read_seizures(unodc._demo_file(d, "7.1"))
    >>> df[["country", "drug_name", "substance", "year", "kilograms", "is_total"]]
       country                  drug_name substance  year  kilograms  is_total
    0  Comoros  Cannabis herb (marijuana)  cannabis  2023     2263.0     False
    """
    p, sheet, rows, lay = _single_sheet(
        path, ("region", "subregion", "country", "drug_group", "drug_subgroup", "drug_name", "year", "kilograms"))
    c = lay.cols
    recs = []
    for i in range(lay.first_data, len(rows)):
        r = rows[i]
        country = _text(_cell(r, c["country"]))
        if country is None:
            continue
        year, _label, _note = parse_year(_cell(r, c["year"]))
        kg, q = _number(_cell(r, c["kilograms"]))
        if q:
            raise SchemaError(f"{p} (sheet {sheet!r}, row {i + 1}, column 'Kilograms'): value {q}; expected a number.")
        g, sg, name = (_text(_cell(r, c[k])) for k in ("drug_group", "drug_subgroup", "drug_name"))
        is_total = any(t is not None and re.match(r"(reported )?total\b", t.casefold()) for t in (sg, name)) or bool(
            name and "(total of the above" in name.casefold())
        recs.append({
            "region": _text(_cell(r, c["region"])), "subregion": _text(_cell(r, c["subregion"])),
            "country": country, "iso3": _text(_cell(r, c.get("iso3"))), "year": year,
            "drug_group": g, "drug_subgroup": sg, "drug_name": name, "substance": _substance_of(name, sg, g),
            "scope": seizure_scope(name, is_total), "is_total": is_total, "kilograms": kg, "tonnes": np.nan, "row": i + 1,
        })
    df = pd.DataFrame.from_records(recs, columns=SEIZURE_COLUMNS)
    df["year"] = df["year"].astype("float64").astype("Int64")
    df["row"] = df["row"].astype("Int64")
    df["kilograms"] = df["kilograms"].astype("float64")
    df["tonnes"] = df["kilograms"] / 1000
    df["is_total"] = df["is_total"].astype(bool)
    df["substance"] = pd.Categorical(df["substance"], categories=taxonomy.ids())
    for col in ("region", "subregion", "country", "iso3", "drug_group", "drug_subgroup", "drug_name", "scope"):
        df[col] = df[col].astype("category")
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    schema = pa.DataFrameSchema({
        "country": pa.Column("category", nullable=False),
        "year": pa.Column("Int64", pa.Check.in_range(1980, 2030), nullable=False),
        "kilograms": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "drug_group": pa.Column("category", nullable=False),
    }, strict=False)
    return validate(df, schema, p)


# ---------------------------------------------------------------------------
# Tiny files in the official layouts (doctest examples)
# ---------------------------------------------------------------------------


def _demo_file(directory: str | os.PathLike[str], table: str) -> Path:
    """Write a two-row workbook in the layout of annex ``table`` and return its path."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if table == "1.2":
        ws.title = "Cocaine"
        ws.append([None, "COCAINE"])
        ws.append([None, "Annual Prevalence of Use as a percentage of the population aged 15-64"])
        ws.append([None, "Region", "Sub-region", "Country/Territory", "Best", "Low", "High", "Male", "Female",
                   "Year", "Age", "Source", "Method", "Adjustment/\n notes", "Specific notes"])
        ws.append([None, "Europe", "West & Central Europe", "France", 2.7, None, None, 3.9, 1.6, 2023, "18-64",
                   "ARQ", "HHS"])
        ws.append([None, "Method: HHS=Household survey"])
    elif table == "1.4":
        ws.title = "Cocaine"
        ws.append(["COCAINE USE"])
        ws.append(["among the youth population"])
        ws.append(["Prevalence (percentage)"])
        ws.append(["Region", "Subregion", "Country/ Territory", "Coverage (age/grade)", "Lifetime", "Past Year",
                   "Past Month", "Year of Estimate", "Source", "Notes"])
        ws.append(["AFRICA", "East Africa", "Kenya", "(SS) 15 - 16", 1.1, None, 0.2, 2016, "ARQ", "Cocaine salts"])
    elif table == "2.1":
        ws.title = "Trends"
        ws.append(["Expert perception of trend changes in use of drugs in 2023"])
        ws.append([None, None, None, None, None, None, None, "Age group"])
        ws.append(["Region", "SubRegion", "Country", "Year", "DrugGroup", "Drug", "Overall", "0-17", "18-24", "25+",
                   "msCode"])
        ws.append(["Africa", "East Africa", "Kenya", 2023, "“Ecstasy”-type substances", "MDMA",
                   "Small increase (5-10%)", "Stable situation (+-5%)", None, None, "KEN"])
    elif table == "7.1":
        ws.title = "Seizures"
        ws.append(["Drug seizures, 2019-2023"])
        ws.append(["Region", "SubRegion", "Country", "DrugGroup", "DrugSubGroup", "DrugName", "Reference year",
                   "Kilograms", "msCode"])
        ws.append(["Africa", "East Africa", "Comoros", "Cannabis-type drugs (excluding synthetic cannabinoids)",
                   "Cannabis herb (marijuana)", "Cannabis herb (marijuana)", 2023, 2263, "COM"])
    else:  # pragma: no cover
        raise InputError(f"_demo_file(): no demo layout for table {table!r}; use '1.2', '1.4', '2.1' or '7.1'.")
    out = Path(directory) / f"demo_{table}.xlsx"
    wb.save(out)
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
