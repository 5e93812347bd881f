"""NCHS drug overdose death rates by drug type, sex, age, race and Hispanic origin (US, 1999-2018).

Dataset ``95ax-ymtc`` on data.cdc.gov (Health, United States table): deaths
per 100,000 resident population, age-adjusted and crude, for all drug
overdose deaths and deaths involving any opioid, heroin, methadone, natural
and semisynthetic opioids and other synthetic opioids.

Conventions of :func:`read_overdose_rates`
------------------------------------------
* one row per series and year; a series is ``drug`` x ``rate_type`` x
  ``group_type`` x ``race_standard`` x ``group`` x ``age``, and that key plus
  ``year`` is unique (checked);
* ``drug`` is the taxonomy id of the ``PANEL`` (``all_drugs``, ``opioids``,
  ``heroin``, ``methadone``, ``natural_semisynthetic_opioids``,
  ``synthetic_opioids``);
* ``rate_type`` is ``age_adjusted`` or ``crude`` (from ``UNIT``);
* ``group_type`` is the ``STUB_NAME`` in snake case (``total``, ``sex``,
  ``age``, ``sex_age``, ``sex_race``, ``sex_race_hispanic``, and for the 2018
  single-race rows ``sex_race_single``, ``sex_race_hispanic_single``);
  ``race_standard`` is ``bridged`` or ``single`` for race groups and NA
  otherwise. 2018 is published under both race standards with the same
  labels: the rows are kept apart by ``group_type``/``race_standard``, never
  dropped, so ``(drug, rate_type, group_type, group, age, year)`` is unique;
* ``group`` is the ``STUB_LABEL`` as published (``All persons``, ``Male``,
  ``Female: 25-34 years``); ``sex`` is parsed from it (``All persons``,
  ``Male``, ``Female``);
* ``age`` is ``AGE`` as published (``All ages``, ``Under 15 years``,
  ``15-24 years``, ... ``85 years and over``);
* ``rate`` is a float (NaN where not published); ``flag`` is ``*``
  ("unreliable or suppressed") or NA; ``unit`` keeps the published unit;
* ``status`` is ``"final"`` (final NCHS mortality data, residents only):
  never join these rates with the provisional VSRR counts
  (:mod:`drugtrends.readers.vsrr`, ``status="provisional"``) as one series.
"""

from __future__ import annotations

import os

import pandas as pd

from drugtrends import taxonomy
from drugtrends.errors import SchemaError, UnknownVariableError
from drugtrends.readers._checks import check_codes, not_utf8, require_columns, require_file, validate

__all__ = ["read_overdose_rates", "COLUMNS", "GROUP_TYPES", "KEY", "STATUS"]

DATASET = "nchs_overdose_rates"

#: Columns of the tidy table, in order.
COLUMNS = ["drug", "rate_type", "group_type", "race_standard", "group", "sex", "age", "year", "rate", "flag",
           "unit", "panel", "status"]
#: Publication status of the rates (VSRR counts are ``"provisional"``).
STATUS = "final"
#: Series key (with ``year``: unique).
KEY = ["drug", "rate_type", "group_type", "race_standard", "group", "age", "year"]
#: Published STUB_NAME -> (group_type, race_standard).
GROUP_TYPES = {
    "Total": ("total", None),
    "Sex": ("sex", None),
    "Age": ("age", None),
    "Sex and age": ("sex_age", None),
    "Sex and race": ("sex_race", "bridged"),
    "Sex and race and Hispanic origin": ("sex_race_hispanic", "bridged"),
    "Sex and race (single race)": ("sex_race_single", "single"),
    "Sex and race and Hispanic origin (single race)": ("sex_race_hispanic_single", "single"),
}
_UNITS = {
    "Deaths per 100,000 resident population, age-adjusted": "age_adjusted",
    "Deaths per 100,000 resident population, crude": "crude",
}
_NEED = ["PANEL", "UNIT", "STUB_NAME", "STUB_LABEL", "YEAR", "AGE", "ESTIMATE", "FLAG"]
_REFETCH = f"Re-fetch it with `drugtrends fetch {DATASET} --force`."


def _read_csv(p) -> pd.DataFrame:
    try:
        return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, DATASET) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{p}: not a readable CSV ({exc}). {_REFETCH}") from None


def _drug(p, panel: pd.Series) -> pd.Series:
    ids = {}
    for lab in panel.unique():
        try:
            ids[lab] = taxonomy.from_source("nchs", lab)
        except UnknownVariableError:
            raise SchemaError(f"{p}: column 'PANEL' has the unknown drug type {lab!r}; known: "
                              f"{[c for c, *_ in taxonomy.mapping('nchs').itertuples(index=False)]}. "
                              "Is this the 1999-2018 NCHS table?") from None
    return panel.map(ids)


def _schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()
    return pa.DataFrameSchema({
        "drug": pa.Column("category", nullable=False),
        "rate_type": pa.Column("category", pa.Check.isin(["age_adjusted", "crude"]), nullable=False),
        "year": pa.Column("int64", pa.Check.in_range(1999, 2030)),
        "rate": pa.Column("float64", pa.Check.ge(0), nullable=True),
    }, strict=False)


def read_overdose_rates(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the NCHS drug overdose death-rate table (data.cdc.gov 95ax-ymtc).

    Parameters
    ----------
    path : str or path-like
        ``Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per series and year (see the module
        docstring); sorted by drug, rate type, group type, race standard,
        group, age and year.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    SchemaError
        Not UTF-8, not a CSV, a needed column missing, an unknown panel, unit
        or stub name, a non-numeric estimate, or a duplicated series-year.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = tempfile.mkdtemp()
    >>> p = pathlib.Path(d) / "rates.csv"
    >>> _ = p.write_text("INDICATOR,PANEL,PANEL_NUM,UNIT,UNIT_NUM,STUB_NAME,STUB_NAME_NUM,STUB_LABEL,"
    ...     "STUB_LABEL_NUM,YEAR,YEAR_NUM,AGE,AGE_NUM,ESTIMATE,FLAG\\n"
    ...     'Drug overdose death rates,All drug overdose deaths,0,"Deaths per 100,000 resident population, '
    ...     'age-adjusted",1,Total,0,All persons,0.1,1999,1,All ages,1.1,6.1,\\n')
    >>> read_overdose_rates(p)[["drug", "rate_type", "group_type", "group", "year", "rate"]]
            drug     rate_type group_type        group  year  rate
    0  all_drugs  age_adjusted      total  All persons  1999   6.1
    """
    p = require_file(path, dataset=DATASET)
    raw = _read_csv(p)
    if raw.empty:
        raise SchemaError(f"{p}: no data rows. {_REFETCH}")
    require_columns(raw, _NEED, p, "NCHS overdose death rates")
    check_codes(raw["UNIT"], _UNITS, p, "UNIT")
    check_codes(raw["STUB_NAME"], GROUP_TYPES, p, "STUB_NAME")
    out = pd.DataFrame({"drug": _drug(p, raw["PANEL"]), "rate_type": raw["UNIT"].map(_UNITS)})
    gt = raw["STUB_NAME"].map(GROUP_TYPES)
    out["group_type"] = [g for g, _ in gt]
    out["race_standard"] = pd.array([r for _, r in gt], dtype="string")
    out["group"] = raw["STUB_LABEL"].str.strip()
    out["sex"] = out["group"].str.split(":").str[0].where(lambda s: s.isin(["Male", "Female"]), "All persons")
    out["age"] = raw["AGE"].str.strip()
    year = pd.to_numeric(raw["YEAR"], errors="coerce")
    rate = pd.to_numeric(raw["ESTIMATE"].replace("", None), errors="coerce")
    bad = (year.isna()) | (rate.isna() & raw["ESTIMATE"].str.strip().ne(""))
    if bad.any():
        i = int(bad.idxmax())
        raise SchemaError(f"{p}, line {i + 2}: YEAR {raw.at[i, 'YEAR']!r} / ESTIMATE {raw.at[i, 'ESTIMATE']!r} "
                          f"is not a number. {_REFETCH}")
    out["year"] = year.astype("int64")
    out["rate"] = rate.astype("float64")
    out["flag"] = pd.array(raw["FLAG"].str.strip().replace("", None), dtype="string")
    out["unit"] = raw["UNIT"]
    out["panel"] = raw["PANEL"]
    out["status"] = STATUS
    dup = out.duplicated(KEY, keep=False)
    if dup.any():
        first = out.loc[dup, KEY].iloc[0].to_dict()
        raise SchemaError(f"{p}: {int(dup.sum())} rows repeat a series-year (e.g. {first}); the file is not the "
                          f"published table. {_REFETCH}")
    for col in ("drug", "rate_type", "group_type", "group", "sex", "age", "unit", "panel", "status"):
        out[col] = out[col].astype("category")
    out = out.sort_values(KEY, kind="stable").reset_index(drop=True)[COLUMNS]
    return validate(out, _schema(), p)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
