"""NHANES II (1976-80) validation extracts used to check the survey engine.

These are the extracts of the Stata survey manuals (``webuse nhanes2``,
``nhanes2brr``, ``nhanes2jknife``) as shipped in the samplics package: a full
design file and two subsets with replicate weights. They are not drug data;
the tests compare our estimators with the published Stata/R results on them.

Codes (Stata value labels): ``race`` 1 White, 2 Black, 3 Other; ``region``
1 NE, 2 MW, 3 S, 4 W; ``highbp``, ``highlead``, ``diabetes`` 0/1.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import not_utf8, require_columns, require_file, validate
from drugtrends.validate import check_choice

__all__ = ["read_nhanes2", "read_nhanes2_replicates"]

_RACE = {1: "White", 2: "Black", 3: "Other"}
_REGION = {1: "NE", 2: "MW", 3: "S", 4: "W"}
_NHANES2 = ["stratid", "psuid", "region", "race", "diabetes", "finalwgt", "zinc", "highbp", "highlead"]
_PREFIX = {"brr": "brr_", "jk": "jkw_"}


def _read(p, dataset: str) -> pd.DataFrame:
    try:
        return pd.read_csv(p)
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, dataset) from None
    except pd.errors.EmptyDataError:
        raise SchemaError(f"{p}: no header or rows. Fetch it again with `drugtrends fetch --force`.") from None
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{p}: cannot parse as CSV ({exc}). Is the file truncated?") from None


def read_nhanes2(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the NHANES II extract (``nhanes2.csv``) with its design.

    Parameters
    ----------
    path
        ``nhanes2.csv`` (columns stratid, psuid, region, race, diabetes,
        finalwgt, zinc, highbp, highlead).

    Returns
    -------
    pandas.DataFrame
        ``stratid``, ``psuid``, ``region``, ``race`` as int64 codes;
        ``finalwgt``, ``zinc`` and the 0/1 outcomes ``highbp``, ``highlead``,
        ``diabetes`` as float64 (NaN = missing); plus ``race_label`` and
        ``region_label`` categoricals.

    Raises
    ------
    SchemaError
        Missing column, code out of range, empty or truncated file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "nhanes2.csv"
    >>> _ = p.write_text("stratid,psuid,region,race,diabetes,finalwgt,zinc,highbp,highlead\\n"
    ...                  "1,1,3,1,0,8995,104,0,\\n")
    >>> df = read_nhanes2(p)
    >>> df.loc[0, ["race_label", "region_label"]].tolist(), float(df.loc[0, "finalwgt"])
    (['White', 'S'], 8995.0)
    """
    p = require_file(path, "validation")
    raw = _read(p, "nhanes2_validation")
    require_columns(raw, _NHANES2, p, "NHANES II extract")
    if raw.empty:
        raise SchemaError(f"{p}: header but no rows.")
    df = raw[_NHANES2].copy()
    for c in ("stratid", "psuid", "region", "race"):
        if df[c].isna().any():
            i = int(np.flatnonzero(df[c].isna().to_numpy())[0])
            raise SchemaError(f"{p}: column {c!r}, line {i + 2}: empty; the design needs it. Is the file truncated?")
        df[c] = df[c].astype("int64")
    for c in ("finalwgt", "zinc", "highbp", "highlead", "diabetes"):
        df[c] = df[c].astype("float64")
    df["race_label"] = pd.Categorical(df["race"].map(_RACE), categories=list(_RACE.values()))
    df["region_label"] = pd.Categorical(df["region"].map(_REGION), categories=list(_REGION.values()))
    return validate(df, _schema_nhanes2(), p)


def _schema_nhanes2():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    def flag():
        return pa.Column("float64", pa.Check.isin([0.0, 1.0]), nullable=True)

    return pa.DataFrameSchema({
        "stratid": pa.Column("int64", pa.Check.in_range(1, 100)),
        "psuid": pa.Column("int64", pa.Check.isin([1, 2])),
        "region": pa.Column("int64", pa.Check.isin(list(_REGION))),
        "race": pa.Column("int64", pa.Check.isin(list(_RACE))),
        "finalwgt": pa.Column("float64", pa.Check.gt(0)),
        "zinc": pa.Column("float64", pa.Check.gt(0), nullable=True),
        "highbp": flag(), "highlead": flag(), "diabetes": flag(),
    }, strict=False)


def read_nhanes2_replicates(path: str | os.PathLike[str], kind: str = "brr") -> pd.DataFrame:
    """Read an NHANES II subset with replicate weights (BRR or jackknife).

    Parameters
    ----------
    path
        ``nhanes2brr_subset.csv`` (``brr_1`` ... ``brr_32``) or
        ``nhanes2jk_subset.csv`` (``jkw_1`` ... ``jkw_62``), each with
        ``height``, ``weight``, ``finalwgt``.
    kind
        ``"brr"`` or ``"jk"``.

    Returns
    -------
    pandas.DataFrame
        ``height``, ``weight``, ``finalwgt`` and the replicate weights, all
        float64, replicate columns in numeric order;
        ``df.attrs["replicate_weights"]`` lists them and
        ``df.attrs["replicate_kind"]`` is ``kind``.

    Raises
    ------
    SchemaError
        No replicate columns of that kind, a gap in their numbering,
        missing or negative weights, empty or truncated file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "brr.csv"
    >>> _ = p.write_text("height,weight,finalwgt,brr_1,brr_2\\n174.6,62.5,8995,0,17990\\n")
    >>> df = read_nhanes2_replicates(p, "brr")
    >>> df.attrs["replicate_weights"]
    ['brr_1', 'brr_2']
    """
    k = str(check_choice(str(kind).lower(), "kind", tuple(_PREFIX)))
    p = require_file(path, "validation")
    raw = _read(p, "nhanes2_validation")
    require_columns(raw, ["height", "weight", "finalwgt"], p, f"NHANES II {k} subset")
    pat = re.compile(rf"^{_PREFIX[k]}(\d+)$")
    reps = sorted((int(m.group(1)), c) for c in raw.columns if (m := pat.match(c)))
    if not reps:
        raise SchemaError(f"{p}: no {_PREFIX[k]}<n> replicate-weight columns; is this the {k} subset "
                          f"(columns found: {list(raw.columns)[:8]} ...)?")
    nums = [n for n, _ in reps]
    if nums != list(range(1, len(nums) + 1)):
        gap = sorted(set(range(1, max(nums) + 1)) - set(nums))
        raise SchemaError(f"{p}: replicate weights {_PREFIX[k]}{gap[:5]} are missing (found {len(nums)}).")
    if raw.empty:
        raise SchemaError(f"{p}: header but no rows.")
    cols = ["height", "weight", "finalwgt"] + [c for _, c in reps]
    df = raw[cols].astype("float64")
    df.attrs["replicate_weights"] = [c for _, c in reps]
    df.attrs["replicate_kind"] = k
    return validate(df, _schema_reps(cols[2:]), p)


def _schema_reps(weights):
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    return pa.DataFrameSchema(
        {"height": pa.Column("float64", pa.Check.gt(0)), "weight": pa.Column("float64", pa.Check.gt(0)),
         **{w: pa.Column("float64", pa.Check.ge(0)) for w in weights}},
        strict=False,
    )


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
