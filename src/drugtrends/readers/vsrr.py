"""CDC NCHS Vital Statistics Rapid Release: provisional drug overdose death counts.

Dataset ``xkb8-kh2a`` on data.cdc.gov (file
``VSRR_Provisional_Drug_Overdose_Death_Counts.csv``): for each jurisdiction
(50 states, DC, New York City ``YC`` and the United States ``US``), each month
and each indicator, the number of deaths in the **12 months ending** with that
month, as reported and (for some jurisdictions) as predicted after adjusting
for reporting delays.

Conventions of :func:`read_vsrr`
--------------------------------
* ``date`` is the **end** of the 12-month period: the last day of the ending
  month (``2017-12-31`` holds deaths from January to December 2017);
* ``indicator`` is kept as published; ``substance`` is its taxonomy id
  (``all_drugs`` for "Number of Drug Overdose Deaths", ``opioids`` for
  "Opioids (T40.0-T40.4,T40.6)", ``synthetic_opioids`` for T40.4, ...) and is
  missing for the two indicators that are not drug classes;
* ``measure`` says what the value is: ``deaths`` (drug overdose deaths of the
  indicator's drug class), ``deaths_all_causes`` ("Number of Deaths", deaths
  from all causes) or ``percent_specified`` ("Percent with drugs specified":
  share of overdose death records naming at least one drug, a data-quality
  measure that drives under-counting of drug-specific indicators);
* ``icd10`` lists the ICD-10 T-codes of the indicator (``"T40.2, T40.3"``);
* ``reported`` (``Data Value``) and ``predicted`` (``Predicted Value``) are
  floats; thousands separators are removed; empty cells are NaN and
  ``suppressed`` is True when ``Data Value`` is empty;
* ``percent_complete`` is a float (the published ``"99.5+"`` becomes 99.5,
  meaning *at least* 99.5 %); ``percent_pending`` is "Percent Pending
  Investigation";
* footnote symbols, as defined by the file itself:

  ``*``  "Underreported due to incomplete data." -> ``underreported`` True
  (jurisdictions whose drug specificity is too low for drug-specific counts);
  ``**`` "Numbers may differ from published reports using final data. See
  Technical Notes." (every provisional number);
* ``edition`` names the release the row comes from (``"2018"``: the older
  snapshot, all states, January 2015 - September 2018; ``"2025"``: the 2025
  edition, United States rows only, January 2015 - April 2025);
  :func:`combine_editions` keeps, for each place and month, the rows of the
  newest edition only, so one place's month never mixes editions;
* ``status`` is ``"provisional"`` on every row and ``comparability_group`` is
  ``"cdc_vsrr:provisional:<indicator>"``: provisional 12-month-ending counts
  (which include deaths of non-residents and are revised until final data
  close) are a different series from NCHS final rates (``status="final"`` in
  :mod:`drugtrends.readers.nchs`) and must never be joined with them as one.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from drugtrends import taxonomy
from drugtrends.errors import SchemaError, UnknownVariableError
from drugtrends.readers._checks import check_codes, require_columns, require_file, validate

__all__ = ["read_vsrr", "read_vsrr_editions", "combine_editions", "us_series", "COLUMNS", "FOOTNOTE_SYMBOLS",
           "MEASURES", "STATUS"]

DATASET = "cdc_vsrr"

#: Columns of the tidy table, in order.
COLUMNS = [
    "state", "state_name", "year", "month", "date", "period", "indicator", "substance", "measure", "icd10",
    "reported", "predicted", "percent_complete", "percent_pending", "footnote", "footnote_symbol",
    "underreported", "suppressed", "edition", "status", "comparability_group",
]
#: Columns stored as pandas categoricals.
CATEGORICAL = ("state", "state_name", "period", "indicator", "measure", "footnote", "footnote_symbol", "edition",
               "status", "comparability_group")
#: Publication status of every VSRR count (NCHS final rates are ``"final"``).
STATUS = "provisional"
#: Meaning of the footnote symbols, as written in the file's ``Footnote`` column.
FOOTNOTE_SYMBOLS = {
    "*": "Underreported due to incomplete data.",
    "**": "Numbers may differ from published reports using final data. See Technical Notes.",
}
#: Indicators that are measures rather than drug classes.
MEASURES = {
    "Number of Deaths": "deaths_all_causes",
    "Percent with drugs specified": "percent_specified",
}
_RAW = ["State", "Year", "Month", "Period", "Indicator", "Data Value", "Percent Complete",
        "Percent Pending Investigation", "State Name", "Footnote", "Footnote Symbol", "Predicted Value"]
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def _to_float(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip().str.replace(",", "", regex=False).str.rstrip("+")
    t = t.mask(t == "")
    out = pd.to_numeric(t, errors="coerce")
    bad = t.notna() & out.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"column {s.name!r}: value {s.iloc[i]!r} (line {i + 2}) is not a number.")
    return out.astype("float64")


def _indicator_lookup(p, indicators: pd.Series) -> dict[str, tuple[object, str, object]]:
    """{indicator: (substance id or NA, measure, ICD-10 codes or NA)}; SchemaError on an unknown one."""
    lookup: dict[str, tuple[object, str, object]] = {}
    for ind in indicators.unique():
        try:
            sub = taxonomy.from_source("vsrr", ind)
        except UnknownVariableError:
            raise SchemaError(
                f"{p}: column 'Indicator' has the unknown indicator {ind!r}. Known: "
                f"{taxonomy.mapping('vsrr')['code'].tolist()}. Add it to drugtrends.taxonomy."
            ) from None
        measure = MEASURES.get(ind, "deaths")
        lookup[ind] = (sub if sub is not None else pd.NA, measure, ", ".join(taxonomy.icd10_codes(ind)) or pd.NA)
    return lookup


def _values(p, raw: pd.DataFrame) -> list[pd.Series]:
    """Data Value, Predicted Value, Percent Complete and Percent Pending Investigation as floats."""
    try:
        return [_to_float(raw[c]) for c in ("Data Value", "Predicted Value", "Percent Complete",
                                             "Percent Pending Investigation")]
    except SchemaError as exc:
        raise SchemaError(f"{p}: {exc}") from None


def _refuse_duplicates(p, df: pd.DataFrame) -> None:
    dup = df.duplicated(["state", "date", "indicator"], keep=False)
    if dup.any():
        lines = (np.flatnonzero(dup.to_numpy())[:4] + 2).tolist()
        r = df[dup].iloc[0]
        raise SchemaError(
            f"{p}: {int(dup.sum())} rows repeat the same (state, month, indicator), e.g. "
            f"({r['state']}, {r['date']:%Y-%m}, {r['indicator']!r}) at lines {lines}. "
            f"Re-fetch the file with `drugtrends fetch {DATASET} --force`."
        )


def read_vsrr(path: str | os.PathLike[str], edition: str = "") -> pd.DataFrame:
    """Read the VSRR provisional drug overdose death counts into a tidy table.

    Parameters
    ----------
    path : str or path-like
        ``VSRR_Provisional_Drug_Overdose_Death_Counts.csv`` as downloaded (or
        the US rows of an edition, same layout).
    edition : str, default ""
        Label written in the ``edition`` column (e.g. ``"2025"``); empty when
        not given.

    Returns
    -------
    pandas.DataFrame
        One row per file row, columns :data:`COLUMNS`: ``state`` (code, ``US``
        for the nation, ``YC`` for New York City), ``state_name``, ``year``,
        ``month`` (1-12), ``date`` (end of the 12-month period: last day of the
        month), ``period``, ``indicator`` (as published), ``substance``
        (taxonomy id, NaN for measures), ``measure``, ``icd10``, ``reported``,
        ``predicted``, ``percent_complete``, ``percent_pending``,
        ``footnote``, ``footnote_symbol``, ``underreported``, ``suppressed``,
        ``edition``, ``status`` (``"provisional"``), ``comparability_group``.
        See the module docstring for the conventions.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    SchemaError
        Empty file, missing column, unknown month or indicator, a
        non-numeric value, or duplicated (state, date, indicator).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from drugtrends.readers.vsrr import read_vsrr
    >>> text = ("State,Year,Month,Period,Indicator,Data Value,Percent Complete,Percent Pending Investigation,"
    ...         "State Name,Footnote,Footnote Symbol,Predicted Value\\n"
    ...         'US,2017,December,12 month-ending,"Synthetic opioids, excl. methadone (T40.4)","28,659",100,0.14,'
    ...         "United States,Numbers may differ from published reports using final data. See Technical Notes.,**,29461\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "vsrr.csv"
    ...     _ = p.write_text(text)
    ...     df = read_vsrr(p)
    >>> df[["state", "date", "substance", "icd10", "reported", "predicted"]]
      state       date          substance  icd10  reported  predicted
    0    US 2017-12-31  synthetic_opioids  T40.4   28659.0    29461.0
    """
    p = require_file(path, dataset=DATASET)
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{p}: not a readable CSV ({exc}). Re-fetch it with `drugtrends fetch {DATASET} --force`.") from None
    require_columns(raw, _RAW, p, "CDC VSRR provisional drug overdose death counts")

    month = raw["Month"].str.strip().str.casefold().map(_MONTHS)
    if month.isna().any():
        check_codes(raw["Month"].str.strip(), [m.capitalize() for m in _MONTHS], p, "Month")
    year = pd.to_numeric(raw["Year"].str.strip(), errors="coerce")
    if year.isna().any():
        i = int(np.flatnonzero(year.isna().to_numpy())[0])
        raise SchemaError(f"{p}: column 'Year' has a non-numeric value {raw['Year'].iloc[i]!r} at line {i + 2}.")

    indicators = raw["Indicator"].str.strip()
    lookup = _indicator_lookup(p, indicators)

    reported, predicted, pct_complete, pct_pending = _values(p, raw)

    y = year.astype("int64")
    m = month.astype("int64")
    date = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": 1})) + pd.offsets.MonthEnd(0)
    symbol = raw["Footnote Symbol"].str.strip()
    footnote = raw["Footnote"].str.strip()
    df = pd.DataFrame({
        "state": raw["State"].str.strip(),
        "state_name": raw["State Name"].str.strip(),
        "year": y,
        "month": m,
        "date": date,
        "period": raw["Period"].str.strip(),
        "indicator": indicators,
        "substance": indicators.map(lambda s: lookup[s][0]),
        "measure": indicators.map(lambda s: lookup[s][1]),
        "icd10": indicators.map(lambda s: lookup[s][2]),
        "reported": reported,
        "predicted": predicted,
        "percent_complete": pct_complete,
        "percent_pending": pct_pending,
        "footnote": footnote.mask(footnote == ""),
        "footnote_symbol": symbol.mask(symbol == ""),
        "underreported": (symbol == "*") | footnote.str.casefold().str.contains("underreported", regex=False),
        "suppressed": reported.isna(),
        "edition": str(edition),
        "status": STATUS,
        "comparability_group": "cdc_vsrr:" + STATUS + ":" + indicators,
    }, columns=COLUMNS)
    _refuse_duplicates(p, df)
    return validate(_typed(df), _schema(), p)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df["substance"] = pd.Categorical(df["substance"], categories=taxonomy.ids())
    df["icd10"] = df["icd10"].astype("string")
    for col in CATEGORICAL:
        df[col] = df[col].astype("category")
    return df


def _schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    return pa.DataFrameSchema(
        {
            "state": pa.Column("category", pa.Check.str_matches(r"^[A-Z]{2}$"), nullable=False),
            "year": pa.Column("int64", pa.Check.in_range(1999, 2100)),
            "month": pa.Column("int64", pa.Check.in_range(1, 12)),
            "reported": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "predicted": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "percent_complete": pa.Column("float64", pa.Check.in_range(0, 100), nullable=True),
            "percent_pending": pa.Column("float64", pa.Check.in_range(0, 100), nullable=True),
            "measure": pa.Column("category", pa.Check.isin(["deaths", "deaths_all_causes", "percent_specified"])),
            "status": pa.Column("category", pa.Check.isin([STATUS])),
        },
        checks=[
            pa.Check(lambda d: ~(d["measure"].eq("percent_specified") & (d["reported"] > 100)).fillna(False),
                     error="percent with drugs specified <= 100"),
        ],
        unique=["state", "date", "indicator"],
        strict=False,
    )


def combine_editions(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack editions of the VSRR table; for each place and month keep the newest edition only.

    Parameters
    ----------
    frames : list of pandas.DataFrame
        Outputs of :func:`read_vsrr`, each with a non-empty ``edition`` label;
        labels compare as strings (``"2025" > "2018"``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, sorted by state, indicator and date. A
        (state, date) present in several editions comes wholly from the newest
        (all its indicators), so one place's month never mixes editions.

    Raises
    ------
    SchemaError
        A frame without an edition label, or two frames with the same label.

    Examples
    --------
    >>> import pandas as pd
    >>> old = pd.DataFrame({"state": ["US", "US", "NY"], "date": pd.to_datetime(["2018-01-31"] * 3),
    ...                     "indicator": ["a", "b", "a"], "reported": [1.0, 2.0, 3.0], "edition": "2018"})
    >>> new = pd.DataFrame({"state": ["US"], "date": pd.to_datetime(["2018-01-31"]), "indicator": ["a"],
    ...                     "reported": [10.0], "edition": "2025"})
    >>> combine_editions([old, new])[["state", "indicator", "reported", "edition"]].values.tolist()
    [['NY', 'a', 3.0, '2018'], ['US', 'a', 10.0, '2025']]
    """
    labels = [str(f["edition"].iloc[0]) if len(f) else "" for f in frames]
    if any(not lab for lab in labels) or len(set(labels)) != len(labels):
        raise SchemaError(f"combine_editions(): every frame needs its own non-empty edition label, got {labels}.")
    def key(f: pd.DataFrame) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([f["state"].astype(str).to_numpy(), f["date"].to_numpy()])

    newest: dict[tuple[str, object], str] = {}
    for f, lab in zip(frames, labels, strict=True):
        for k in key(f).unique():
            if newest.get(k, "") < lab:
                newest[k] = lab
    parts = [f[[newest[k] == lab for k in key(f)]] for f, lab in zip(frames, labels, strict=True)]
    out = pd.concat([p.astype({c: object for c in p.columns if isinstance(p[c].dtype, pd.CategoricalDtype)
                               and c != "substance"}) for p in parts], ignore_index=True)
    for col in out.columns:
        if out[col].dtype == object and col in CATEGORICAL:
            out[col] = out[col].astype("category")
    return out.sort_values(["state", "indicator", "date"], kind="stable").reset_index(drop=True)


def read_vsrr_editions(editions: dict[str, str | os.PathLike[str]]) -> pd.DataFrame:
    """Read several VSRR editions and combine them (newest edition wins per place and month).

    Parameters
    ----------
    editions : dict
        ``{edition label: path}``, e.g. ``{"2018": older_file, "2025": us_rows_2025}``.

    Returns
    -------
    pandas.DataFrame
        :func:`combine_editions` of the :func:`read_vsrr` tables.

    Examples
    --------
    >>> read_vsrr_editions({"2018": "old.csv"})  # doctest: +SKIP
    """
    return combine_editions([read_vsrr(p, edition=lab) for lab, p in editions.items()])


def us_series(df: pd.DataFrame, substance: str) -> pd.DataFrame:
    """Return the national (``US``) monthly series of one indicator, sorted by date.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`read_vsrr`.
    substance : str
        A taxonomy id (``"synthetic_opioids"``, ``"all_drugs"``), a measure
        (``"deaths_all_causes"``, ``"percent_specified"``) or an indicator
        label as published.

    Returns
    -------
    pandas.DataFrame
        The ``US`` rows of that indicator, one per month, sorted by ``date``,
        index reset.

    Raises
    ------
    UnknownVariableError
        No US indicator matches (the message lists those available).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.readers.vsrr import us_series
    >>> df = pd.DataFrame({"state": ["US", "US", "NY"], "date": pd.to_datetime(["2017-02-28", "2017-01-31", "2017-01-31"]),
    ...                    "indicator": ["Heroin (T40.1)"] * 3, "substance": ["heroin"] * 3,
    ...                    "measure": ["deaths"] * 3, "reported": [3.0, 2.0, 1.0]})
    >>> us_series(df, "heroin")[["date", "reported"]]
            date  reported
    0 2017-01-31       2.0
    1 2017-02-28       3.0
    """
    us = df[df["state"].astype(str) == "US"]
    sel = us["substance"].astype(object).eq(substance) & us["measure"].astype(str).eq("deaths")
    if not sel.any():
        sel = us["measure"].astype(str).eq(substance) | us["indicator"].astype(str).eq(substance)
    if not sel.any():
        avail = sorted(set(us["substance"].dropna().astype(str)) | set(us["measure"].astype(str)))
        raise UnknownVariableError(
            f"No US series for {substance!r}. Available: {', '.join(avail)} (or an indicator label as published)."
        )
    out = us[sel].sort_values("date", kind="stable").reset_index(drop=True)
    if out["date"].duplicated().any():
        raise SchemaError(f"{substance!r} matches several US indicators: {sorted(out['indicator'].astype(str).unique())}.")
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
