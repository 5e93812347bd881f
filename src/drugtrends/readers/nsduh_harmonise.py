"""NSDUH person variables under the same names every year (sex, age, race, ..., ages at first use).

:func:`person_columns` and :func:`first_use_columns` turn NSDUH's official
variables (upper-case names as in the public-use files) into harmonised
columns, shared by the tab-delimited reader (:func:`drugtrends.readers.nsduh.read_nsduh`)
and the 2022 public-use extract (:func:`drugtrends.readers.nsduh.read_nsduh_extract`).
Only the sources present in a frame are used; the code tables are
``data/codebooks/nsduh_person_labels.csv`` and ``nsduh_age_first_use.csv``.

Person columns
--------------
========================= ================================ ===========================================
column                    source                           values
========================= ================================ ===========================================
``sex``                   IRSEX                            male, female
``age_group``             AGE3                             12-13, 14-15, 16-17, 18-20, 21-23, 24-25,
                                                           26-29, 30-34, 35-49, 50-64, 65+ (ordered)
``age_samhsa``            AGE3                             12-17, 18-25, 26+ (SAMHSA's report groups)
``age_50plus``            AGE3                             1.0 for 50-64 and 65+, else 0.0
``race_ethnicity``        NEWRACE2 (or the extract ETHNIC) White, Black, Hispanic, Other (non-Hispanic
                                                           White/Black; Other = the other non-Hispanic
                                                           groups, as the 2022 extract collapses them)
``education``             EDUHIGHCAT                       Less than high school < High school graduate
                                                           < Some college/associate degree < College
                                                           graduate; missing for ages 12-17 (code 5)
``income``                INCOME                           4 ordered total family income groups
``county_type``           PDEN10 (else COUTYP4)            Large metro, Small metro, Nonmetro
========================= ================================ ===========================================

Ages at first use
-----------------
For each imputation-revised age-at-first-use variable (IRALCAGE, IRCIGAGE,
IRCDUAGE, IRNICVAPAGE, IRMJAGE, IRCOCAGE, IRCRKAGE, IRHERAGE, IRHALLUCAGE,
IRMETHAMAGE; first *misuse* IRPNRNMAGE, IRTRQNMAGE, IRSTMNMAGE, IRSEDNMAGE)
present: ``ever_<substance>`` (0/1 float) and ``age_first_<substance>`` (years,
NaN for never-users). Codes (NSDUH codebook): 991 never used; IRCDUAGE 993
used cigarettes but never daily (``ever_daily_cigarettes`` = 0). The misuse
ages are asked only of respondents who first misused in the past 12 months:
993 = misused, first misuse more than 12 months ago (``ever`` = 1, age
unknown, NaN), 999 = never misused. Imputation-revised variables carry no
other code; any other value raises :class:`~drugtrends.errors.SchemaError`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError

__all__ = ["AGE_GROUPS", "AGE_SAMHSA", "PERSON_COLUMNS", "first_use_table", "first_use_columns", "person_columns"]

#: AGE3 groups, in code order (1 = 12-13 ... 11 = 65+).
AGE_GROUPS = ("12-13", "14-15", "16-17", "18-20", "21-23", "24-25", "26-29", "30-34", "35-49", "50-64", "65+")
#: SAMHSA's three report age groups.
AGE_SAMHSA = ("12-17", "18-25", "26+")
_SAMHSA_OF_AGE3 = {1: "12-17", 2: "12-17", 3: "12-17", 4: "18-25", 5: "18-25", 6: "18-25"}
#: Harmonised person columns, in output order.
PERSON_COLUMNS = ("sex", "age_group", "age_samhsa", "age_50plus", "race_ethnicity", "education", "income",
                  "county_type")
_ORDERED = {"age_group", "education", "income"}
#: harmonised column -> sources in order of preference
_SOURCES = {"sex": ("IRSEX",), "age_group": ("AGE3",), "race_ethnicity": ("NEWRACE2", "ETHNIC"),
            "education": ("EDUHIGHCAT",), "income": ("INCOME",), "county_type": ("PDEN10", "COUTYP4")}
_MAX_AGE = 120


def _codebook(name: str) -> pd.DataFrame:
    """Read a codebook we wrote: the checkout's ``data/codebooks``, else the wheel's copy."""
    here = Path(__file__).resolve()
    for folder in (here.parents[3] / "data" / "codebooks", here.parents[1] / "codebooks"):
        if (folder / name).is_file():
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    raise FileNotFoundError(f"codebook {name!r} not found in data/codebooks: reinstall drugtrends "
                            "(the wheel packages data/codebooks).")


@lru_cache(maxsize=1)
def _labels() -> pd.DataFrame:
    t = _codebook("nsduh_person_labels.csv")
    t["code"] = t["code"].astype(int)
    return t


@lru_cache(maxsize=1)
def first_use_table() -> pd.DataFrame:
    """The age-at-first-use variables: official name, 2022-extract name, substance, kind and codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``extract_name``, ``substance``, ``kind`` (``use``
        or ``misuse``), ``never_codes`` and ``ever_no_age_codes`` (tuples of
        int), ``note``.

    Examples
    --------
    >>> t = first_use_table().set_index("variable")
    >>> t.loc["IRMJAGE", ["extract_name", "substance", "never_codes"]].tolist()
    ['MRJ', 'cannabis', (991,)]
    >>> t.loc["IRPNRNMAGE", ["never_codes", "ever_no_age_codes"]].tolist()
    [(991, 999), (993,)]
    """
    t = _codebook("nsduh_age_first_use.csv")
    for c in ("never_codes", "ever_no_age_codes"):
        t[c] = [tuple(int(x) for x in v.split()) for v in t[c]]
    return t


def _bad(source, col: str, s: pd.Series, ok: pd.Series, expected: str) -> None:
    bad = ~ok.to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        v = s.iloc[i]
        v = v.item() if isinstance(v, np.generic) else v
        raise SchemaError(f"{source}: column {col!r}, row {i + 1}: value {v!r} is not {expected}. "
                          "Is this an NSDUH public-use file of the year given?")


def _codes(source, col: str, s: pd.Series) -> pd.Series:
    """Integer codes of a raw column (numbers, numeric strings or an R factor of them)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    v = pd.to_numeric(s, errors="coerce")
    _bad(source, col, s, v.notna() & (v == np.round(v)), "an integer code")
    return v.astype("int64")


def person_columns(df: pd.DataFrame, source: object = "NSDUH") -> pd.DataFrame:
    """The harmonised person columns of an NSDUH frame (only those whose source is present).

    Parameters
    ----------
    df : pandas.DataFrame
        Raw NSDUH columns, official upper-case names (IRSEX, AGE3, NEWRACE2 or
        the 2022 extract's ETHNIC, EDUHIGHCAT, INCOME, PDEN10 or COUTYP4).
    source : object
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Same index; categorical ``sex``, ``age_group`` (ordered), ``age_samhsa``
        (ordered), ``race_ethnicity``, ``education`` (ordered), ``income``
        (ordered), ``county_type``, and ``age_50plus`` (0/1 float).

    Raises
    ------
    SchemaError
        A code outside the NSDUH codebook (names column, row and value).

    Examples
    --------
    >>> raw = pd.DataFrame({"IRSEX": [1, 2], "AGE3": [3, 10], "NEWRACE2": [7, 5], "EDUHIGHCAT": [5, 4]})
    >>> h = person_columns(raw)
    >>> h[["sex", "age_group", "age_samhsa", "age_50plus", "race_ethnicity"]].values.tolist()
    [['male', '16-17', '12-17', 0.0, 'Hispanic'], ['female', '50-64', '26+', 1.0, 'Other']]
    >>> h["education"].isna().tolist()
    [True, False]
    """
    labels = _labels()
    out: dict[str, object] = {}
    for col in ("sex", "age_group", "race_ethnicity", "education", "income", "county_type"):
        src = next((s for s in _SOURCES[col] if s in df.columns), None)
        if src is None:
            continue
        t = labels[labels.source == src]
        codes = _codes(source, src, df[src])
        _bad(source, src, df[src], codes.isin(t.code), f"a {src} code ({', '.join(map(str, t.code))})")
        lab = codes.map(dict(zip(t.code, t.label))).replace("", np.nan)
        cats = list(dict.fromkeys(x for x in labels.loc[labels.column == col, "label"] if x))
        out[col] = pd.Categorical(lab, categories=cats, ordered=col in _ORDERED)
        if col == "age_group":
            out["age_samhsa"] = pd.Categorical(codes.map(_SAMHSA_OF_AGE3).fillna("26+"), categories=AGE_SAMHSA,
                                               ordered=True)
            out["age_50plus"] = (codes >= 10).astype("float64").to_numpy()
    cols = [c for c in PERSON_COLUMNS if c in out]
    return pd.DataFrame({c: out[c] for c in cols}, index=df.index)


def first_use_columns(df: pd.DataFrame, source: object = "NSDUH") -> pd.DataFrame:
    """``ever_<substance>`` and ``age_first_<substance>`` from the age-at-first-use variables present.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw NSDUH columns with the official names (IRMJAGE, IRCOCAGE, ...),
        codes as published (991, 993, 999 not yet blanked).
    source : object
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Same index; for each variable present (in :func:`first_use_table`
        order) ``ever_<substance>`` (0/1 float) then ``age_first_<substance>``
        (float, NaN for never-users and where the age was not asked).

    Raises
    ------
    SchemaError
        A value that is neither an age (1-120) nor one of the variable's codes.

    Examples
    --------
    >>> raw = pd.DataFrame({"IRMJAGE": [15, 991], "IRPNRNMAGE": [993, 999], "IRCDUAGE": [18, 993]})
    >>> first_use_columns(raw).values.tolist()
    [[1.0, 18.0, 1.0, 15.0, 1.0, nan], [0.0, nan, 0.0, nan, 0.0, nan]]
    >>> list(first_use_columns(raw).columns[:2])
    ['ever_daily_cigarettes', 'age_first_daily_cigarettes']
    """
    out: dict[str, np.ndarray] = {}
    for row in first_use_table().itertuples(index=False):
        if row.variable not in df.columns:
            continue
        raw = df[row.variable]
        v = pd.to_numeric(raw.astype(object) if isinstance(raw.dtype, pd.CategoricalDtype) else raw,
                          errors="coerce")
        never = v.isin(row.never_codes)
        no_age = v.isin(row.ever_no_age_codes)
        age = v.where((v >= 1) & (v <= _MAX_AGE) & (v == np.round(v)))
        codes = ", ".join(map(str, row.never_codes + row.ever_no_age_codes))
        _bad(source, row.variable, raw, never | no_age | age.notna(), f"an age (1-{_MAX_AGE}) or a code ({codes})")
        out[f"ever_{row.substance}"] = (~never).astype("float64").to_numpy()
        out[f"age_first_{row.substance}"] = age.astype("float64").to_numpy()
    return pd.DataFrame(out, index=df.index)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
