"""UCI "Drug consumption (quantified)" (dataset 373): decoded, typed, checked.

The published file stores the five demographic variables as *quantified
scores* (real numbers chosen by the authors' nonlinear CatPCA), not as
categories. The documented score -> category tables (UCI dataset page;
Fehrman et al. 2017, arXiv:1506.06297) are committed in
``data/codebooks/uci_quantified_scores.csv`` with the counts the authors
published; :func:`read_uci` decodes every score against them with an absolute
tolerance of ``1e-4`` and fails loudly on any score it does not know.

Substance use is recorded as seven classes, ``CL0`` (never used) ... ``CL6``
(used in last day). They become an ordered categorical, and four nested flags
are derived for each substance:

* ``<sub>_ever``   CL1 or more (ever used),
* ``<sub>_decade`` CL2 or more (used in the last decade),
* ``<sub>_year``   CL3 or more (used in the last year),
* ``<sub>_month``  CL4 or more (used in the last month).

Source: Fehrman E, Egan V, Gorban AN, Levesley J, Mirkes EM, Muhammad AK (2017),
"The Five Factor Model of personality and evaluation of drug consumption risk",
arXiv:1506.06297; UCI Machine Learning Repository, doi:10.24432/C5TC7S (CC BY 4.0).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import not_utf8, require_file, validate

__all__ = [
    "DEMOGRAPHICS",
    "PERSONALITY",
    "SUBSTANCES",
    "USAGE_LABELS",
    "read_uci",
    "usage_scale",
    "quantified_scores",
]

#: Demographic columns stored as quantified scores (decoded by :func:`read_uci`), as the file and the
#: score table name them; :func:`read_uci` returns ``Gender`` as ``sex`` (see ``_RENAMED``).
DEMOGRAPHICS = ("Age", "Gender", "Education", "Country", "Ethnicity")
# Published name -> the package's one spelling of the concept (issue 25: one sex column, ``sex``; the file
# has no other sex column, so its ``Gender`` is renamed, not dropped).
_RENAMED = {"Gender": "sex"}
#: Personality scores, kept as floats (NEO-FFI-R N/E/O/A/C, BIS-11, ImpSS).
PERSONALITY = ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking")
#: The 19 usage columns, in file order (``Semer`` is the fictitious control drug).
SUBSTANCES = (
    "Alcohol", "Amphet", "Amyl", "Benzos", "Caff", "Cannabis", "Chocolate", "Coke", "Crack",
    "Ecstasy", "Heroin", "Ketamine", "LegalHigh", "LSD", "Meth", "Mushrooms", "Nicotine",
    "Semer", "VSA",
)
#: Usage class -> label, as documented with the dataset.
USAGE_LABELS = {
    "CL0": "Never Used",
    "CL1": "Used over a Decade Ago",
    "CL2": "Used in Last Decade",
    "CL3": "Used in Last Year",
    "CL4": "Used in Last Month",
    "CL5": "Used in Last Week",
    "CL6": "Used in Last Day",
}
_COLUMNS = ("ID", *DEMOGRAPHICS, *PERSONALITY, *SUBSTANCES)
# Spellings found in circulating copies of the file -> our names.
_ALIASES = {"Ethinicity": "Ethnicity", "Ecstacy": "Ecstasy", "Impulsive": "Impulsiveness", "SS": "SensationSeeking"}
_TOLERANCE = 1e-4
_FLAGS = {"ever": 1, "decade": 2, "year": 3, "month": 4}


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
def quantified_scores() -> pd.DataFrame:
    """Return the documented score -> category table (``data/codebooks/uci_quantified_scores.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``score``, ``category``, ``order`` and
        ``n_documented`` (the count the dataset's authors published).

    Examples
    --------
    >>> t = quantified_scores()
    >>> t.loc[t.variable == "Gender", ["score", "category"]].to_dict("records")
    [{'score': 0.48246, 'category': 'Female'}, {'score': -0.48246, 'category': 'Male'}]
    """
    t = pd.read_csv(_codebook_file("uci_quantified_scores.csv"), dtype={"category": object})
    return t[["variable", "score", "category", "order", "n_documented"]]


def usage_scale() -> pd.CategoricalDtype:
    """Return the ordered categorical type of the usage labels (never ... last day).

    Examples
    --------
    >>> list(usage_scale().categories[:2])
    ['Never Used', 'Used over a Decade Ago']
    """
    return pd.CategoricalDtype(list(USAGE_LABELS.values()), ordered=True)


def _read_raw(p: Path) -> pd.DataFrame:
    try:
        return _read_raw_text(p)
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, "uci_drug_consumption") from None


def _read_raw_text(p: Path) -> pd.DataFrame:
    with open(p, newline="", encoding="utf-8") as fh:
        first = fh.readline()
    has_header = first[:1].isalpha()
    try:
        if has_header:
            raw = pd.read_csv(p, dtype=str, keep_default_na=False)
            raw = raw.rename(columns={c: _ALIASES.get(c.strip(), c.strip()) for c in raw.columns})
        else:  # the UCI original has no header row
            raw = pd.read_csv(p, header=None, dtype=str, keep_default_na=False)
            if raw.shape[1] != len(_COLUMNS):
                raise SchemaError(
                    f"{p}: {raw.shape[1]} columns without a header; the UCI file has {len(_COLUMNS)} "
                    f"({', '.join(_COLUMNS)}). Is this the 'drug_consumption.data' file?"
                )
            raw.columns = list(_COLUMNS)
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{p}: cannot parse as comma-separated values ({exc}). Is the file truncated?") from None
    except pd.errors.EmptyDataError:
        raise SchemaError(f"{p}: no data rows. Fetch the file again with `drugtrends fetch --force`.") from None
    return raw


def _to_float(raw: pd.Series, p: Path, col: str, line0: int) -> pd.Series:
    s = raw.str.strip()
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{p}: column {col!r}, line {i + line0}: value {raw.iloc[i]!r} is not a number "
            "(empty or truncated row?). Fetch the file again with `drugtrends fetch --force`."
        )
    return out.astype("float64")


def _demographics(raw: pd.DataFrame, p: Path, line0: int) -> dict[str, pd.Series]:
    """Demographic categories decoded from their quantified scores (and the scores themselves)."""
    out: dict[str, pd.Series] = {}
    table = quantified_scores()
    for col in DEMOGRAPHICS:
        score = _to_float(raw[col], p, col, line0)
        t = table[table.variable == col].sort_values("order")
        ref = t["score"].to_numpy()
        dist = np.abs(score.to_numpy()[:, None] - ref[None, :])
        idx = dist.argmin(axis=1)
        ok = dist[np.arange(len(idx)), idx] <= _TOLERANCE
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise SchemaError(
                f"{p}: column {col!r}, line {i + line0}: score {raw[col].iloc[i]!r} is not in the documented "
                f"table ({', '.join(f'{s:g}' for s in ref)}; tolerance {_TOLERANCE:g}). "
                "The file may be corrupted or a different version: fetch it again."
            )
        cats = t["category"].tolist()
        dtype = pd.CategoricalDtype(cats, ordered=col in ("Age", "Education"))
        name = _RENAMED.get(col, col)
        out[name] = pd.Series(pd.Categorical.from_codes(idx, dtype=dtype), index=raw.index)
        out[f"{name}_score"] = score
    return out


def read_uci(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the UCI drug consumption file, decode its scores and derive use flags.

    Parameters
    ----------
    path
        ``drug_consumption.data`` as published by UCI (no header) or with the
        header row some copies carry (``ID,Age,Gender,...``; the misspellings
        ``Ethinicity``/``Ecstacy`` are accepted).

    Returns
    -------
    pandas.DataFrame
        One row per respondent (1,885 in the published file):

        * ``ID`` (int);
        * ``Age``, ``Education`` (ordered categoricals), ``sex`` (the file's
          ``Gender``, renamed: the one sex column, levels ``Female``,
          ``Male``), ``Country``, ``Ethnicity`` (categoricals), decoded from
          the quantified scores, plus the raw scores as ``<name>_score``
          (float; ``sex_score`` for Gender);
        * ``Nscore`` ... ``SensationSeeking`` (float, the published scores);
        * each substance (``Alcohol`` ... ``VSA``) as an ordered categorical of
          :data:`USAGE_LABELS` labels and its class number as ``<sub>_class``
          (int 0-6);
        * ``<sub>_ever``, ``<sub>_decade``, ``<sub>_year``, ``<sub>_month`` (bool),
          with substance names in lower case (``cannabis_year``).

    Raises
    ------
    SchemaError
        Missing column, a demographic score not in the documented table
        (names column, line and value), a usage value other than CL0..CL6,
        a non-numeric personality score, empty or truncated file.
    DataNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "uci.data"
    >>> use = ["CL0"] * 5 + ["CL3"] + ["CL0"] * 13  # Cannabis is the 6th substance
    >>> row = "1,0.49788,0.48246,-0.05921,0.96082,0.12600," + ",".join(["0.1"] * 7) + "," + ",".join(use)
    >>> _ = p.write_text(row + "\\n")
    >>> df = read_uci(p)
    >>> df.loc[0, ["Age", "sex", "Country", "Cannabis"]].tolist()
    ['35-44', 'Female', 'UK', 'Used in Last Year']
    >>> bool(df.loc[0, "cannabis_year"]), bool(df.loc[0, "cannabis_month"])
    (True, False)
    """
    p = require_file(path, "uci_drug_consumption")
    raw = _read_raw(p)
    line0 = 2 if _has_header(p) else 1
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{p}: missing column(s) {missing}. Columns found: {list(raw.columns)}. "
            "Is this the UCI 'Drug consumption (quantified)' file?"
        )
    if raw.empty:
        raise SchemaError(f"{p}: no data rows. Fetch the file again with `drugtrends fetch --force`.")

    out: dict[str, pd.Series] = {}
    ids = _to_float(raw["ID"], p, "ID", line0)
    out["ID"] = ids.astype("int64")

    out.update(_demographics(raw, p, line0))

    for col in PERSONALITY:
        out[col] = _to_float(raw[col], p, col, line0)

    scale = usage_scale()
    flags: dict[str, pd.Series] = {}
    for col in SUBSTANCES:
        s = raw[col].str.strip()
        bad = ~s.isin(list(USAGE_LABELS))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(
                f"{p}: column {col!r}, line {i + line0}: usage class {raw[col].iloc[i]!r} is not one of "
                "CL0..CL6. Fetch the file again with `drugtrends fetch --force`."
            )
        k = s.str[2:].astype("int64")
        out[col] = pd.Series(pd.Categorical.from_codes(k.to_numpy(), dtype=scale), index=raw.index)
        out[f"{col}_class"] = k
        low = col.lower()
        for name, threshold in _FLAGS.items():
            flags[f"{low}_{name}"] = k >= threshold
    df = pd.DataFrame({**out, **flags})
    return validate(df, _schema(), p)


def _has_header(p: Path) -> bool:
    with open(p, encoding="utf-8") as fh:
        return fh.readline()[:1].isalpha()


def _schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    cols = {
        "ID": pa.Column("int64", pa.Check.ge(1), unique=True),
        **{c: pa.Column("float64", pa.Check.in_range(-5, 5)) for c in PERSONALITY},
        **{_RENAMED.get(c, c): pa.Column(None, nullable=False) for c in DEMOGRAPHICS},
        **{f"{s}_class": pa.Column("int64", pa.Check.in_range(0, 6)) for s in SUBSTANCES},
    }
    return pa.DataFrameSchema(cols, strict=False)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
