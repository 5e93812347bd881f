"""Generators of small (or, for bench/, full-size) files in official layouts.

Everything here is seeded and vectorised, parameterised by the number of rows:

* :func:`write_xport` writes a SAS transport (XPORT v5) file of numeric
  variables, the format of the CDC NHANES ``.XPT`` files (pandas can read
  XPORT but not write it). The layout follows the SAS "Record Layout of a SAS
  Version 5 or 6 Data Set in SAS Transport (XPORT) Format" (TS-140): 80-byte
  header records, 140-byte NAMESTR records, numbers as 8-byte IBM System/360
  floating point (base 16, excess-64 exponent), missing as ``.`` followed by
  zero bytes. It is read back in the tests by :func:`pandas.read_sas`, an
  independent implementation.
* :func:`nhanes_official_from_harmonised` inverts the NHANESraw harmonisation
  into DEMO/DUQ frames with the CDC codes (to test the official reader on real
  respondents).
* :func:`make_teds` draws TEDS-A/TEDS-D admissions with codes from the real
  codebook; :func:`make_nsduh` draws NSDUH-like respondents with the year's
  design variables, recency recodes and special codes.
"""

from __future__ import annotations

import datetime as _dt
import os
import struct
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------- SAS XPORT v5


def _ibm_float(values: np.ndarray) -> np.ndarray:
    """IEEE float64 -> big-endian IBM 8-byte floats (as uint64 bit patterns); NaN -> SAS missing '.'."""
    x = np.asarray(values, dtype="float64")
    out = np.zeros(x.shape, dtype=">u8")
    nan = np.isnan(x)
    nz = (~nan) & (x != 0)
    m, p = np.frexp(np.abs(x[nz]))  # |x| = m * 2**p, m in [0.5, 1)
    e16 = -((-p) // 4)  # ceil(p / 4): |x| = f * 16**e16 with f in [1/16, 1)
    f = np.ldexp(m, p - 4 * e16)
    mant = np.round(np.ldexp(f, 56)).astype(np.uint64)
    carry = mant >= np.uint64(1 << 56)  # rounding overflow: renormalise
    mant = np.where(carry, mant >> np.uint64(4), mant)
    e16 = np.where(carry, e16 + 1, e16)
    if np.any(e16 + 64 > 127) or np.any(e16 + 64 < 0):
        raise ValueError("value out of the IBM float range")
    sign = (x[nz] < 0).astype(np.uint64) << np.uint64(63)
    out[nz] = sign | ((e16 + 64).astype(np.uint64) << np.uint64(56)) | mant
    out[nan] = np.uint64(0x2E) << np.uint64(56)
    return out


def _rec(text: str) -> bytes:
    b = text.encode("ascii")
    if len(b) > 80:
        raise ValueError(text)
    return b.ljust(80, b" ")


def write_xport(df: pd.DataFrame, path: str | os.PathLike[str], name: str, label: str = "") -> Path:
    """Write ``df`` (numeric columns only) as a one-member SAS XPORT v5 file.

    Parameters
    ----------
    df
        Columns with names of at most 8 characters, numeric (NaN = missing).
    path
        Output file.
    name
        Member (data set) name, at most 8 characters, e.g. ``"DEMO_F"``.
    label
        Data set label (at most 40 characters).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "T.XPT"
    >>> _ = write_xport(pd.DataFrame({"A": [1.0, -2.5, None], "B": [0.1, 1e10, 3.0]}), p, "T")
    >>> pd.read_sas(p, format="xport").values.tolist()[:2]
    [[1.0, 0.1], [-2.5, 10000000000.0]]
    """
    path = Path(path)
    cols = [str(c) for c in df.columns]
    if any(len(c) > 8 for c in cols) or len(name) > 8:
        raise ValueError("SAS XPORT v5 names are at most 8 characters")
    now = _dt.datetime(2024, 1, 1).strftime("%d%b%y:%H:%M:%S").upper()
    head = [
        _rec("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + "0" * 30),
        _rec("SAS     SAS     SASLIB  9.4     Linux   " + " " * 24 + now),
        _rec(now),
        _rec("HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!" + "0" * 17 + "160" + "0" * 7 + "140"),
        _rec("HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!" + "0" * 30),
        _rec("SAS     " + name.ljust(8) + "SASDATA 9.4     Linux   " + " " * 24 + now),
        _rec(now + " " * 16 + label[:40].ljust(40) + " " * 8),
        _rec("HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000" + f"{len(cols):04d}" + "0" * 20),
    ]
    names = b""
    for i, c in enumerate(cols):
        names += struct.pack(
            ">hhhh8s40s8shhh2s8shhl52s",
            1, 0, 8, i + 1, c.ljust(8).encode(), b" " * 40, b" " * 8, 0, 0, 0, b"\0\0",
            b" " * 8, 0, 0, 8 * i, b"\0" * 52,
        )
    names += b" " * (-len(names) % 80)
    obs = _rec("HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" + "0" * 30)
    if cols:
        mat = np.column_stack([_ibm_float(pd.to_numeric(df[c], errors="raise").to_numpy(dtype="float64"))
                               for c in cols]) if len(df) else np.zeros((0, len(cols)), ">u8")
        data = mat.astype(">u8").tobytes()
    else:
        data = b""
    data += b" " * (-len(data) % 80)
    path.write_bytes(b"".join(head) + names + obs + data)
    return path


# --------------------------------------------------------------------------- NHANES official layout

_RACE_CODE = {"Mexican": 1, "Hispanic": 2, "White": 3, "Black": 4, "Other": 5}
_EDUC_CODE = {"8th Grade": 1, "9 - 11th Grade": 2, "High School": 3, "Some College": 4, "College Grad": 5}
_YN = {"Yes": 1.0, "No": 2.0, True: 1.0, False: 2.0}


def nhanes_official_from_harmonised(df: pd.DataFrame, seed: int = 0, refused_share: float = 0.02):
    """Turn NHANESraw rows into (DEMO, DUQ) frames with CDC variable names and codes.

    A share ``refused_share`` of answered DUQ200/DUQ240/DMDEDUC2 items is
    replaced by 7 (refused) or 9 (don't know); their positions are returned so
    tests can expect NaN there. DUQ250/DUQ290/DUQ330 (not in NHANESraw) are
    drawn at random for DUQ240 = 1 and left empty (skipped) for DUQ240 = 2.

    Returns
    -------
    demo, duq, refused
        ``refused`` maps a DUQ/DEMO variable to the SEQNs that got 7/9.
    """
    rng = np.random.default_rng(seed)
    n = len(df)
    sv = df["SurveyYr"].astype(object).map({"2009_10": 6.0, "2011_12": 7.0})
    demo = pd.DataFrame({
        "SEQN": df["ID"].astype("float64").to_numpy(),
        "SDDSRVYR": sv.to_numpy(dtype="float64"),
        "RIAGENDR": df["sex"].astype(object).map({"male": 1.0, "female": 2.0}).to_numpy(dtype="float64"),
        "RIDAGEYR": df["Age"].astype("float64").to_numpy(),
        "RIDRETH1": df["Race1"].astype(object).map(_RACE_CODE).to_numpy(dtype="float64"),
        "DMDEDUC2": df["Education"].astype(object).map(_EDUC_CODE).to_numpy(dtype="float64"),
        "INDFMPIR": df["Poverty"].astype("float64").to_numpy(),
        "WTINT2YR": df["WTINT2YR"].astype("float64").to_numpy(),
        "WTMEC2YR": df["WTMEC2YR"].astype("float64").to_numpy(),
        "SDMVPSU": df["SDMVPSU"].astype("float64").to_numpy(),
        "SDMVSTRA": df["SDMVSTRA"].astype("float64").to_numpy(),
    })

    def yn(col):
        return df[col].astype(object).map(_YN).to_numpy(dtype="float64")

    duq = pd.DataFrame({"SEQN": demo["SEQN"], "DUQ200": yn("Marijuana"), "DUQ211": yn("RegularMarij"),
                        "DUQ240": yn("HardDrugs")})
    hard = duq["DUQ240"].eq(1.0).to_numpy()
    for col in ("DUQ250", "DUQ290", "DUQ330"):
        duq[col] = np.where(hard, rng.choice([1.0, 2.0], size=n, p=[0.6, 0.4]), np.nan)
    in_universe = duq[["DUQ200", "DUQ240"]].notna().any(axis=1).to_numpy()
    duq = duq[in_universe].reset_index(drop=True)
    refused = {}
    for frame, col in ((duq, "DUQ200"), (duq, "DUQ240"), (demo, "DMDEDUC2")):
        answered = np.flatnonzero(frame[col].notna().to_numpy())
        k = max(1, int(refused_share * len(answered))) if len(answered) else 0
        pick = rng.choice(answered, size=k, replace=False) if k else np.array([], int)
        frame.loc[pick, col] = rng.choice([7.0, 9.0], size=k)
        refused[col] = set(frame.loc[pick, "SEQN"].astype("int64"))
    # a refused DUQ240 skips the drug-specific items
    duq.loc[duq["DUQ240"].isin([7.0, 9.0]), ["DUQ250", "DUQ290", "DUQ330"]] = np.nan
    return demo, duq, refused


# --------------------------------------------------------------------------- TEDS-A / TEDS-D

def _teds_codebook(codebook: pd.DataFrame | None) -> pd.DataFrame:
    if codebook is not None:
        return codebook
    from drugtrends import paths
    from drugtrends.readers.teds import read_teds_codebook

    mirror = paths.default_mirror() or Path("/nonexistent")
    for root in (paths.data_dir() / "teds_codebook", mirror / "teds_codebook"):
        a, d = root / "teds_a_value_labels.csv", root / "teds_d_value_labels_by_year.csv"
        if a.is_file() and d.is_file():
            return read_teds_codebook(a, d)
    raise FileNotFoundError("TEDS codebook not found in the data directory or the mirror")


def make_teds(path: str | os.PathLike[str], n: int, kind: str = "A", seed: int = 0, year: int = 2019,
              missing_share: float = 0.05, codebook: pd.DataFrame | None = None,
              variables: list[str] | None = None) -> Path:
    """Write ``n`` TEDS-A/TEDS-D records in the public-use CSV layout, codes from the real codebook.

    Columns: CASEID, the year column (ADMYR or DISYR = ``year``), then every
    codebook variable of ``kind`` (or ``variables``) in codebook order, each
    drawn uniformly from the codes the codebook lists for ``year``'s label
    group, with a share ``missing_share`` of -9 where the codebook has -9.
    Written with pyarrow (fast enough for millions of rows).
    """
    import pyarrow as pa

    from drugtrends.readers.teds import teds_label_group

    kind = kind.upper()
    cb = _teds_codebook(codebook)
    group = teds_label_group(kind, year)
    cb = cb[(cb["kind"] == kind) & (cb["years"] == group)]
    ycol = "ADMYR" if kind == "A" else "DISYR"
    skip = {"CASEID", "ADMYR", "DISYR"}
    names = variables or [v for v in dict.fromkeys(cb["variable"]) if v not in skip]
    rng = np.random.default_rng(seed)
    cols = {"CASEID": pa.array(np.arange(1, n + 1, dtype="int64") + 2_000_000_000 + (year % 100) * 10_000_000),
            ycol: pa.array(np.full(n, year, dtype="int32"))}
    for v in names:
        codes = np.sort(cb.loc[cb["variable"] == v, "code"].to_numpy())
        real = codes[codes != -9]
        x = rng.choice(real, size=n).astype("int32")
        if (codes == -9).any() and missing_share > 0:
            x[rng.random(n) < missing_share] = -9
        cols[v] = pa.array(x)
    return _write_delimited(pa.table(cols), Path(path), ",")


def _write_delimited(table, path: Path, delimiter: str) -> Path:
    """Header line unquoted (as SAMHSA writes it), then the rows, via pyarrow."""
    import pyarrow.csv as pv

    with open(path, "wb") as fh:
        fh.write((delimiter.join(table.column_names) + "\n").encode())
        pv.write_csv(table, fh, pv.WriteOptions(include_header=False, delimiter=delimiter, quoting_style="none"))
    return path


# --------------------------------------------------------------------------- NSDUH

def make_nsduh(path: str | os.PathLike[str], n: int, year: int = 2019, seed: int = 0,
               n_strata: int = 50, extra_columns: int = 0) -> Path:
    """Write ``n`` NSDUH-like respondents in the tab-delimited public-use layout.

    Columns: QUESTID2, FILEDATE, the year's design variables (weight,
    stratum, replicate 1/2; names from ``nsduh_design_variables.csv``),
    CATAG6 (1-6), IRSEX (1/2), NEWRACE2 (1-7), the twelve recency recodes
    (1/2/3/9; 2002-2014 names before 2015), MJDAY30A (days used marijuana in the past 30 days: 1-30, or
    91 never used, 93 did not use in the past 30 days, 94/97/98 don't know /
    refused / blank among past-month users), IRMJAGE (age at first use 1-60,
    991 never used), AGE3 (1-11), EDUHIGHCAT (5 for ages 12-17), INCOME (1-4),
    PDEN10 (1-3), IRCOCAGE (991 when IRCOCRC = 9), from 2015 IRPNRNMAGE (999
    never misused, 993 misused but not a past-year initiate, else an age) and ``extra_columns`` filler items XTRA0001... (to reach
    the real file's width for benchmarks).
    """
    import pyarrow as pa

    from drugtrends.readers.nsduh import design_variables

    rng = np.random.default_rng(seed)
    dv = design_variables(year)
    cols: dict[str, object] = {
        "QUESTID2": np.arange(10_000_001, 10_000_001 + n, dtype="int64"),
        "FILEDATE": np.full(n, "11/04/2024", dtype=object),
        dv["weight"]: np.round(rng.lognormal(mean=8.0, sigma=0.9, size=n), 6),
        dv["strata"]: rng.integers(1, n_strata + 1, size=n) + 40000,
        dv["psu"]: rng.integers(1, 3, size=n),
        "CATAG6": rng.integers(1, 7, size=n),
        "IRSEX": rng.integers(1, 3, size=n),
        "NEWRACE2": rng.integers(1, 8, size=n),
    }
    from drugtrends.readers.nsduh import RECENCY_RECODES

    probs = {"IRMJRC": [0.1, 0.07, 0.3, 0.53]}
    recodes = [names[0] if year >= 2015 else names[-1] for names in RECENCY_RECODES.values()]
    for name in recodes:
        p = probs.get(name, [0.01, 0.02, 0.07, 0.9])
        cols[name] = rng.choice([1, 2, 3, 9], size=n, p=p)
    mj = cols["IRMJRC"]
    days = rng.integers(1, 31, size=n)
    odd = rng.random(n)
    days = np.where(odd < 0.02, 94, np.where(odd < 0.03, 97, np.where(odd < 0.04, 98, days)))
    cols["MJDAY30A"] = np.where(mj == 9, 91, np.where(mj == 1, days, 93))
    cols["IRMJAGE"] = np.where(mj == 9, 991, rng.integers(10, 40, size=n))
    # person variables and more ages at first use (drawn after the above, which keep their values)
    cols["AGE3"] = rng.integers(1, 12, size=n)
    cols["EDUHIGHCAT"] = np.where(cols["AGE3"] <= 3, 5, rng.integers(1, 5, size=n))
    cols["INCOME"] = rng.integers(1, 5, size=n)
    cols["PDEN10"] = rng.integers(1, 4, size=n)
    coc = cols["IRCOCRC"]
    cols["IRCOCAGE"] = np.where(coc == 9, 991, rng.integers(14, 50, size=n))
    if year >= 2015:  # first misuse: age only for past-year initiates, 993 earlier initiates, 999 never
        pnr = cols["IRPNRNMREC"]
        initiate = (pnr != 9) & (pnr != 3) & (rng.random(n) < 0.3)
        cols["IRPNRNMAGE"] = np.where(pnr == 9, 999, np.where(initiate, rng.integers(12, 70, size=n), 993))
    for j in range(extra_columns):
        cols[f"XTRA{j + 1:04d}"] = rng.integers(1, 3, size=n)
    table = pa.table({k: pa.array(v) for k, v in cols.items()})
    return _write_delimited(table, Path(path), "\t")
