"""NHANES 2009-2012: the harmonised file and the official CDC per-cycle layout.

Two entry points give the same *harmonised variables*:

* :func:`read_nhanes_harmonised` reads ``NHANESraw.csv`` (the ``NHANESraw``
  data of the R package NHANES, ProjectMOSAIC: 20,293 respondents of the
  2009-10 and 2011-12 cycles, 79 columns, with the complex design);
* :func:`read_nhanes_official` reads the official CDC files ``DEMO_F``/``DEMO_G``
  (demographics, design) and ``DUQ_F``/``DUQ_G`` (drug use questionnaire),
  SAS transport (``.XPT``), joined on ``SEQN``.

Harmonised variables (both readers)
-----------------------------------
``cycle`` ("2009_10", "2011_12"), ``strata`` (SDMVSTRA), ``psu`` (SDMVPSU,
nested in strata), ``wt_int`` (WTINT2YR, interview weight), ``wt_mec``
(WTMEC2YR), ``sex`` (categorical, levels ``["male", "female"]`` in that order:
the RIAGENDR code order 1 male, 2 female, and the order and spelling of NSDUH's
harmonised ``sex``, so the two surveys' tables agree), ``age`` (years, top-coded at 80),
``race_ethnicity`` (Mexican, Hispanic = other Hispanic, White, Black, Other;
from RIDRETH1), ``education`` (ordered: 8th Grade < 9 - 11th Grade < High
School < Some College < College Grad; DMDEDUC2, adults 20+),
``income_to_poverty`` (INDFMPIR, family income / poverty threshold, capped
at 5), and the drug-use outcomes as **0/1 floats with NaN for missing** (the
form the survey engine wants): ``ever_marijuana`` (DUQ200), ``regular_marijuana``
(DUQ211: at least once a month for more than a year; asked of ever users only,
NaN for never users), ``ever_hard_drugs`` (DUQ240: ever cocaine, crack,
heroin or methamphetamine).

Who was asked
-------------
The DUQ is self-administered (ACASI) at the mobile examination centre. In
NHANESraw the marijuana items (Marijuana, RegularMarij) are present for ages
18-59 and the hard-drug item (HardDrugs) for ages 18-69 in both cycles; all
other respondents are NaN (not in universe, not "No"). Earlier and later cycles
differ (e.g. DUQ_I 2015-16 targets 18-59 for DUQ200 and 18-69 for DUQ240);
always restrict estimates to the eligible ages. When pooling the two cycles,
divide the two-year weights by 2 (``wt = WTINT2YR / 2``; see
:func:`analysis_frame`).

One sex column
--------------
``NHANESraw.csv`` publishes sex twice, as ``Sex`` and ``Gender`` (the same
lower-case ``female``/``male`` values). :func:`read_nhanes_harmonised` checks
that they agree row by row (else :class:`~drugtrends.errors.SchemaError`
naming the file, the columns and the first row that differs), then drops both:
``sex`` is the one sex column of every frame of this module, including
:func:`analysis_frame`. Display labels (Female/Male, Femmes/Hommes) come from
the ``levels.sex`` labels of :mod:`drugtrends.i18n` (``i18n.level("sex", v)``).

Missing values
--------------
``NHANESraw.csv`` marks missing with an empty field only. The literal level
``"None"`` (Depressed, LittleInterest: "no days") is a *value*, so the file is
read with ``keep_default_na=False``; ``pandas.read_csv`` defaults would turn
7,926 "None" answers into NaN. In the official files, codes 7 (refused) and 9
(don't know) of DMDEDUC2, DUQ200, DUQ211, DUQ240, DUQ250, DUQ290 and DUQ330
become NaN explicitly; any other code outside the codebook is an error.
``pandas.read_sas`` decodes a SAS zero as 16**-65; the reader maps it back
to 0 (INDFMPIR has real zeros).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import not_utf8, require_file, validate

__all__ = [
    "EDUCATION_LEVELS",
    "RACE_LEVELS",
    "AGE_BANDS",
    "AGE_BANDS_FULL",
    "SEX_LEVELS",
    "read_nhanes_harmonised",
    "read_nhanes_official",
    "analysis_frame",
]

#: Ordered education levels (DMDEDUC2 1-5, adults 20+), as labelled in NHANESraw.
EDUCATION_LEVELS = ["8th Grade", "9 - 11th Grade", "High School", "Some College", "College Grad"]
#: race_ethnicity levels, in RIDRETH1 code order (1 Mexican American, 2 Other Hispanic,
#: 3 Non-Hispanic White, 4 Non-Hispanic Black, 5 Other race incl. multi-racial).
RACE_LEVELS = ["Mexican", "Hispanic", "White", "Black", "Other"]
#: Age bands of :func:`analysis_frame` (ages eligible for the marijuana items).
AGE_BANDS = ["18-29", "30-39", "40-49", "50-59"]
#: Age bands covering every age a drug question was asked (HardDrugs: 18-69).
AGE_BANDS_FULL = [*AGE_BANDS, "60-69"]
#: Levels of the harmonised ``sex``, in this order: RIAGENDR's code order (1 male, 2 female) and NSDUH's
#: harmonised ``sex`` (``readers.nsduh_harmonise``), so NHANES and NSDUH tables list sexes alike.
SEX_LEVELS = ["male", "female"]
#: The two published NHANESraw columns holding sex; the reader checks they agree, then drops both for ``sex``.
_PUBLISHED_SEX = ("Sex", "Gender")

_YESNO = [
    "Diabetes", "SleepTrouble", "PhysActive", "Alcohol12PlusYr", "SmokeNow", "Smoke100",
    "Marijuana", "RegularMarij", "HardDrugs", "SexEver", "SameSex",
]
_ORDERED = {
    "Education": EDUCATION_LEVELS,
    "HHIncome": [
        "0-4999", "5000-9999", "10000-14999", "15000-19999", "20000-24999", "25000-34999",
        "35000-44999", "45000-54999", "55000-64999", "65000-74999", "75000-99999", "more 99999",
    ],
    "HealthGen": ["Excellent", "Vgood", "Good", "Fair", "Poor"],
    "Depressed": ["None", "Several", "Most"],
    "LittleInterest": ["None", "Several", "Most"],
    "BMI_WHO": ["12.0_18.5", "18.5_to_24.9", "25.0_to_29.9", "30.0_plus"],
    "BMICatUnder20yrs": ["UnderWeight", "NormWeight", "OverWeight", "Obese"],
    "TVHrsDay": ["0_hrs", "0_to_1_hr", "1_hr", "2_hr", "3_hr", "4_hr", "More_4_hr"],
    "CompHrsDay": ["0_hrs", "0_to_1_hr", "1_hr", "2_hr", "3_hr", "4_hr", "More_4_hr"],
}
_UNORDERED = {
    "SurveyYr": ["2009_10", "2011_12"],
    "Sex": ["female", "male"],
    "Gender": ["female", "male"],
    "Race1": ["Black", "Hispanic", "Mexican", "White", "Other"],
    "Race3": ["Asian", "Black", "Hispanic", "Mexican", "White", "Other"],
    "MaritalStatus": ["Married", "Widowed", "Divorced", "Separated", "NeverMarried", "LivePartner"],
    "HomeOwn": ["Own", "Rent", "Other"],
    "Work": ["Looking", "NotWorking", "Working"],
    "SexOrientation": ["Bisexual", "Heterosexual", "Homosexual"],
    "PregnantNow": ["Yes", "No", "Unknown"],
}
_INTS = ["ID", "Age", "SDMVPSU", "SDMVSTRA"]
_REQUIRED = ["ID", "SurveyYr", "Gender", "Age", "Race1", "Education", "Poverty", "WTINT2YR", "WTMEC2YR",
             "SDMVPSU", "SDMVSTRA", "Marijuana", "RegularMarij", "HardDrugs"]
_HARMONISED = ["cycle", "strata", "psu", "wt_int", "wt_mec", "sex", "age", "race_ethnicity", "education",
               "income_to_poverty", "ever_marijuana", "regular_marijuana", "ever_hard_drugs"]


def _bad_value(p, col: str, series: pd.Series, allowed: Iterable[str], row_offset: int = 2) -> None:
    allowed = list(allowed)
    bad = series.notna() & ~series.isin(allowed)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{p}: column {col!r}, line {i + row_offset}: value {series.iloc[i]!r} is not a known level "
            f"{allowed}. Is this NHANESraw.csv from the R package NHANES (2009-2012)?"
        )


def _yesno_float(s: pd.Series) -> pd.Series:
    """Yes/No (str, bool or 0/1) -> 1.0/0.0 with NaN for missing."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        out = s.astype("Float64").astype("float64")
    else:
        out = s.astype(object).map({"Yes": 1.0, "No": 0.0, True: 1.0, False: 0.0})
        out = pd.to_numeric(out, errors="coerce")
    return out.astype("float64")


def _typed(p, col: str, s: pd.Series):
    """One NHANESraw column, typed: Yes/No -> boolean, levels -> categorical, else numbers (checked)."""
    if col in _YESNO:
        _bad_value(p, col, s, ["Yes", "No"])
        return s.map({"Yes": True, "No": False}).astype("boolean")
    if col in _ORDERED or col in _UNORDERED:
        levels = _ORDERED.get(col) or _UNORDERED[col]
        _bad_value(p, col, s, levels)
        return pd.Categorical(s, categories=levels, ordered=col in _ORDERED)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"{p}: column {col!r}, line {i + 2}: {s.iloc[i]!r} is not a number.")
    if col not in _INTS:
        return num.astype("float64")
    if num.isna().any():
        i = int(np.flatnonzero(num.isna().to_numpy())[0])
        raise SchemaError(
            f"{p}: column {col!r}, line {i + 2}: empty, but every respondent has one. "
            "Is the file truncated? Fetch it again."
        )
    return num.astype("int64")


def read_nhanes_harmonised(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``NHANESraw.csv`` with typed columns and the harmonised variables.

    Parameters
    ----------
    path
        ``NHANESraw.csv`` (20,293 rows x 79 columns; 10,537 respondents in
        2009_10 and 9,756 in 2011_12).

    Returns
    -------
    pandas.DataFrame
        All 79 original columns but the two published sex columns ``Sex`` and
        ``Gender`` (77 in the full file), typed:

        * Yes/No columns (Marijuana, RegularMarij, HardDrugs, Smoke100, ...)
          as pandas nullable ``boolean`` (``<NA>`` = missing);
        * ordered categoricals for Education, HHIncome, HealthGen, Depressed,
          LittleInterest, BMI_WHO, BMICatUnder20yrs, TVHrsDay, CompHrsDay;
          unordered categoricals for SurveyYr, Race1, Race3, MaritalStatus,
          HomeOwn, Work, SexOrientation, PregnantNow;
        * ID, Age, SDMVPSU, SDMVSTRA as int64, every other column float64;

        followed by the harmonised variables listed in the module docstring
        (``cycle`` ... ``ever_hard_drugs``; drug outcomes as 0/1 float with NaN).
        ``sex`` (levels :data:`SEX_LEVELS`: male, female) is the one sex
        column: ``Sex`` and ``Gender`` are checked to agree, then dropped.

    Raises
    ------
    SchemaError
        Missing column, unknown level (names column, line and value),
        ``Sex`` and ``Gender`` disagreeing (names file, columns and the first
        line that differs), out-of-range design variables, empty or
        truncated file.
    DataNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "NHANESraw.csv"
    >>> _ = p.write_text(
    ...     "ID,SurveyYr,Gender,Age,Race1,Education,Poverty,WTINT2YR,WTMEC2YR,SDMVPSU,SDMVSTRA,"
    ...     "Marijuana,RegularMarij,HardDrugs,Depressed\\n"
    ...     "1,2009_10,female,34,White,College Grad,3.1,80100.5,81528.7,1,83,Yes,No,No,None\\n")
    >>> df = read_nhanes_harmonised(p)
    >>> df.loc[0, ["cycle", "sex", "education"]].tolist()
    ['2009_10', 'female', 'College Grad']
    >>> [float(df.loc[0, c]) for c in ("ever_marijuana", "regular_marijuana")]
    [1.0, 0.0]
    >>> df.loc[0, "Depressed"]
    'None'
    >>> [c for c in df.columns if c.lower() in ("sex", "gender")], list(df["sex"].cat.categories)
    (['sex'], ['male', 'female'])
    """
    p = require_file(path, "nhanes_2009_2012")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, "nhanes_2009_2012") from None
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{p}: cannot parse as CSV ({exc}). Is the file truncated? Fetch it again.") from None
    except pd.errors.EmptyDataError:
        raise SchemaError(f"{p}: no header or data. Fetch it again with `drugtrends fetch --force`.") from None
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SchemaError(
            f"{p}: missing column(s) {missing}. Columns found: {list(raw.columns)[:15]} ... "
            "Is this NHANESraw.csv from the R package NHANES?"
        )
    if raw.empty:
        raise SchemaError(f"{p}: header but no data rows. Fetch it again with `drugtrends fetch --force`.")

    df = pd.DataFrame({col: _typed(p, col, raw[col]) for col in raw.columns}, index=raw.index)
    sex = _one_sex(p, df)
    df = df.drop(columns=[c for c in _PUBLISHED_SEX if c in df.columns])

    h = pd.DataFrame(index=df.index)
    h["cycle"] = df["SurveyYr"]
    h["strata"] = df["SDMVSTRA"]
    h["psu"] = df["SDMVPSU"]
    h["wt_int"] = df["WTINT2YR"]
    h["wt_mec"] = df["WTMEC2YR"]
    h["sex"] = pd.Categorical(sex.astype(object), categories=SEX_LEVELS)
    h["age"] = df["Age"]
    h["race_ethnicity"] = pd.Categorical(df["Race1"].astype(object), categories=RACE_LEVELS)
    h["education"] = pd.Categorical(df["Education"].astype(object), categories=EDUCATION_LEVELS, ordered=True)
    h["income_to_poverty"] = df["Poverty"]
    h["ever_marijuana"] = _yesno_float(df["Marijuana"])
    h["regular_marijuana"] = _yesno_float(df["RegularMarij"])
    h["ever_hard_drugs"] = _yesno_float(df["HardDrugs"])
    df = pd.concat([df, h], axis=1)
    return validate(df, _harmonised_schema(), p)


def _one_sex(p, df: pd.DataFrame, row_offset: int = 2, unit: str = "line") -> pd.Series:
    """The published sex (``Gender``), after checking ``Sex`` (when present) agrees with it row by row.

    ``row_offset`` turns a 0-based row position into the file's line (2: header on line 1); a frame
    passes ``row_offset=0, unit="row"``.
    """
    gender = df["Gender"].astype(object)
    if "Sex" in df.columns:
        other = df["Sex"].astype(object)
        differ = ~((gender == other) | (gender.isna() & other.isna()))
        if differ.any():
            i = int(np.flatnonzero(differ.to_numpy())[0])
            raise SchemaError(
                f"{p}: columns 'Sex' and 'Gender' disagree, first at {unit} {i + row_offset} "
                f"(Sex {other.iloc[i]!r}, Gender {gender.iloc[i]!r}); NHANESraw.csv publishes the same value "
                "in both. Fetch the file again with `drugtrends fetch --force`."
            )
    return gender


def _harmonised_schema():
    from drugtrends.readers._checks import import_pandera
    pa = import_pandera()

    def flag():
        return pa.Column("float64", pa.Check.isin([0.0, 1.0]), nullable=True)

    return pa.DataFrameSchema(
        {
            "cycle": pa.Column(None, nullable=False),
            "strata": pa.Column("int64", pa.Check.ge(1)),
            "psu": pa.Column("int64", pa.Check.in_range(1, 4)),
            "wt_int": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "wt_mec": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "sex": pa.Column(None, nullable=False),
            "age": pa.Column("int64", pa.Check.in_range(0, 85)),
            "race_ethnicity": pa.Column(None, nullable=True),
            "education": pa.Column(None, nullable=True),
            "income_to_poverty": pa.Column("float64", pa.Check.in_range(0, 5), nullable=True),
            "ever_marijuana": flag(),
            "regular_marijuana": flag(),
            "ever_hard_drugs": flag(),
        },
        strict=False,
    )


# --------------------------------------------------------------------------- official layout

def _cycle_label(k: float) -> str:
    """Two-year cycle label of SDDSRVYR (data release cycle number; 1 = 1999-2000, 6 = 2009-2010)."""
    y = 1999 + 2 * (int(k) - 1)
    return f"{y}_{(y + 1) % 100:02d}"


_DEMO_COLUMNS = ["SEQN", "SDDSRVYR", "RIAGENDR", "RIDAGEYR", "RIDRETH1", "DMDEDUC2", "INDFMPIR",
                 "WTINT2YR", "WTMEC2YR", "SDMVPSU", "SDMVSTRA"]
_DUQ_COLUMNS = ["SEQN", "DUQ200", "DUQ240"]
_DUQ_OPTIONAL = ["DUQ211", "DUQ250", "DUQ290", "DUQ330"]  # DUQ211 is absent before 2009-10
# codebook codes -> meaning; 7 refused / 9 don't know become NaN explicitly
_YN_CODES = {1: 1.0, 2: 0.0, 7: np.nan, 9: np.nan}
_EDUC_CODES = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 7: -1, 9: -1}  # -> EDUCATION_LEVELS position, -1 NaN


_IBM_ZERO_ARTEFACT = 16.0 ** -65


def _as_list(paths) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    return [Path(x) for x in paths]


def _read_xpt(p: Path, dataset: str) -> pd.DataFrame:
    require_file(p, dataset)
    try:
        df = pd.read_sas(p, format="xport")
    except Exception as exc:  # pandas raises ValueError/KeyError/struct.error on damaged files
        raise SchemaError(
            f"{p}: cannot read as a SAS transport (XPORT v5) file ({type(exc).__name__}: {exc}). "
            "Download it again from the CDC NHANES site."
        ) from None
    df.columns = [str(c).upper() for c in df.columns]
    # pandas decodes the IBM zero (all bytes 0) as 16**-65 = 5.397605346934028e-79, the smallest
    # IBM magnitude; no NHANES variable holds that value, so map it back to 0.
    num = df.select_dtypes("number").columns
    df[num] = df[num].mask(df[num].abs() == _IBM_ZERO_ARTEFACT, 0.0)
    return df


def _codes(p: Path, df: pd.DataFrame, col: str, mapping: dict, what: str) -> pd.Series:
    s = df[col]
    bad = s.notna() & ~s.isin(list(mapping))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        if "_file" in df.columns:  # concatenated DEMO files: name the file and its record
            p, rec = df["_file"].iloc[i], int(df["_rec"].iloc[i])
        else:
            rec = i + 1
        raise SchemaError(
            f"{p}: column {col!r}, record {rec} (SEQN {df['SEQN'].iloc[i]:.0f}): code {s.iloc[i]:g} is not in "
            f"the {what} codebook {sorted(mapping)}. Check the file's cycle against the CDC codebook."
        )
    return s.map(mapping)


def _demo_harmonised(demo: pd.DataFrame, first) -> pd.DataFrame:
    """Harmonised design and demographic variables of the stacked DEMO files."""
    h = pd.DataFrame({"SEQN": demo["SEQN"].astype("int64")})
    bad_cycle = ~demo["SDDSRVYR"].between(1, 50)
    if bad_cycle.any():
        raise SchemaError(f"{first}: SDDSRVYR {demo['SDDSRVYR'][bad_cycle].iloc[0]} is not a release cycle number.")
    h["cycle"] = pd.Categorical(demo["SDDSRVYR"].map(_cycle_label))
    for col, name in (("SDMVSTRA", "strata"), ("SDMVPSU", "psu"), ("RIDAGEYR", "age")):
        if demo[col].isna().any():
            i = int(np.flatnonzero(demo[col].isna().to_numpy())[0])
            raise SchemaError(f"{demo['_file'].iloc[i]}: {col} is missing for SEQN {demo['SEQN'].iloc[i]:.0f}.")
        h[name] = demo[col].astype("int64")
    h["wt_int"] = demo["WTINT2YR"].astype("float64")
    h["wt_mec"] = demo["WTMEC2YR"].astype("float64")
    sex = _codes(first, demo, "RIAGENDR", {1: 0, 2: 1}, "RIAGENDR (1 male, 2 female)")
    h["sex"] = pd.Categorical.from_codes(sex.fillna(-1).astype(int), categories=SEX_LEVELS)
    race = _codes(first, demo, "RIDRETH1", {k: k - 1 for k in range(1, 6)}, "RIDRETH1")
    h["race_ethnicity"] = pd.Categorical.from_codes(race.fillna(-1).astype(int), categories=RACE_LEVELS)
    educ = _codes(first, demo, "DMDEDUC2", _EDUC_CODES, "DMDEDUC2 (1-5, 7 refused, 9 don't know)")
    h["education"] = pd.Categorical.from_codes(educ.fillna(-1).astype(int), categories=EDUCATION_LEVELS,
                                               ordered=True)
    h["income_to_poverty"] = demo["INDFMPIR"].astype("float64")
    return h


def _duq_outcomes(p, d: pd.DataFrame) -> pd.DataFrame:
    """Drug-use outcomes (0/1 floats, NaN missing) of one DUQ file, with its skip pattern applied."""
    r = pd.DataFrame({"SEQN": d["SEQN"].astype("int64")})
    r["ever_marijuana"] = _codes(p, d, "DUQ200", _YN_CODES, "DUQ200 (1 yes, 2 no, 7, 9)")
    r["regular_marijuana"] = (_codes(p, d, "DUQ211", _YN_CODES, "DUQ211 (1 yes, 2 no, 7, 9)")
                              if "DUQ211" in d.columns else np.nan)
    r["ever_hard_drugs"] = _codes(p, d, "DUQ240", _YN_CODES, "DUQ240 (1 yes, 2 no, 7, 9)")
    for col, name in (("DUQ250", "ever_cocaine"), ("DUQ290", "ever_heroin"), ("DUQ330", "ever_methamphetamine")):
        if col in d.columns:
            v = _codes(p, d, col, _YN_CODES, f"{col} (1 yes, 2 no, 7, 9)")
            # skip pattern: DUQ240 = 2 (no hard drug ever) skips the drug-specific items
            r[name] = v.mask(d["DUQ240"].eq(2) & v.isna(), 0.0)
    return r


def read_nhanes_official(demo_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
                         duq_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """Read official CDC DEMO + DUQ transport files into the harmonised variables.

    Parameters
    ----------
    demo_paths
        One or more demographics files (``DEMO_F.XPT`` for 2009-10,
        ``DEMO_G.XPT`` for 2011-12). Needs SEQN, SDDSRVYR, RIAGENDR, RIDAGEYR,
        RIDRETH1, DMDEDUC2, INDFMPIR, WTINT2YR, WTMEC2YR, SDMVPSU, SDMVSTRA.
    duq_paths
        The matching drug-use files (``DUQ_F.XPT``, ``DUQ_G.XPT``) with SEQN,
        DUQ200 (ever marijuana/hashish), DUQ240 (ever cocaine/crack/heroin/
        methamphetamine) and, if present, DUQ211 (marijuana at least once a
        month for more than a year; from 2009-10, else ``regular_marijuana``
        is NaN), DUQ250 (cocaine), DUQ290 (heroin), DUQ330 (methamphetamine).

    Returns
    -------
    pandas.DataFrame
        One row per DEMO respondent (left join: respondents outside the DUQ
        universe have NaN outcomes), columns ``SEQN`` then the harmonised
        variables of :func:`read_nhanes_harmonised` and, when the files have
        them, ``ever_cocaine``, ``ever_heroin``, ``ever_methamphetamine``
        (0 when DUQ240 = No, the questionnaire's skip). Codes 7 (refused)
        and 9 (don't know) become NaN.

    Raises
    ------
    SchemaError
        Not a transport file, missing variable, code outside the codebook
        (names file, column, record, SEQN and code), duplicated SEQN.
    DataNotFoundError
        A file does not exist.

    Examples
    --------
    >>> import importlib.util, tempfile, pathlib
    >>> from drugtrends import paths
    >>> spec = importlib.util.spec_from_file_location("_generate", paths.project_root() / "tests" / "_generate.py")
    >>> gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> demo = pd.DataFrame({"SEQN": [1.0, 2.0], "SDDSRVYR": [6.0, 6.0], "RIAGENDR": [1.0, 2.0],
    ...     "RIDAGEYR": [30.0, 45.0], "RIDRETH1": [3.0, 1.0], "DMDEDUC2": [5.0, 9.0],
    ...     "INDFMPIR": [2.5, None], "WTINT2YR": [1000.0, 2000.0], "WTMEC2YR": [1100.0, 2100.0],
    ...     "SDMVPSU": [1.0, 2.0], "SDMVSTRA": [80.0, 81.0]})
    >>> duq = pd.DataFrame({"SEQN": [1.0, 2.0], "DUQ200": [1.0, 7.0], "DUQ211": [2.0, None],
    ...     "DUQ240": [2.0, 1.0]})
    >>> _ = gen.write_xport(demo, d / "DEMO_F.XPT", "DEMO_F"); _ = gen.write_xport(duq, d / "DUQ_F.XPT", "DUQ_F")
    >>> df = read_nhanes_official(d / "DEMO_F.XPT", d / "DUQ_F.XPT")
    >>> df[["cycle", "sex", "education", "ever_marijuana", "ever_hard_drugs"]].values.tolist()
    [['2009_10', 'male', 'College Grad', 1.0, 0.0], ['2009_10', 'female', nan, nan, 1.0]]
    """
    demos, duqs = _as_list(demo_paths), _as_list(duq_paths)
    if not demos or not duqs:
        raise SchemaError("read_nhanes_official needs at least one DEMO file and one DUQ file.")
    demo_frames = []
    for p in demos:
        d = _read_xpt(p, "nhanes_official")
        missing = [c for c in _DEMO_COLUMNS if c not in d.columns]
        if missing:
            raise SchemaError(f"{p}: missing variable(s) {missing} expected in a DEMO file. Is it DEMO_F/DEMO_G?")
        d = d[_DEMO_COLUMNS].copy()
        d["_file"] = str(p)
        d["_rec"] = np.arange(1, len(d) + 1)
        demo_frames.append(d)
    duq_frames = []
    for p in duqs:
        d = _read_xpt(p, "nhanes_official")
        missing = [c for c in _DUQ_COLUMNS if c not in d.columns]
        if missing:
            raise SchemaError(f"{p}: missing variable(s) {missing} expected in a DUQ file. Is it DUQ_F/DUQ_G?")
        keep = _DUQ_COLUMNS + [c for c in _DUQ_OPTIONAL if c in d.columns]
        duq_frames.append((p, d[keep].copy()))
    demo = pd.concat(demo_frames, ignore_index=True)
    if demo["SEQN"].duplicated().any():
        s = demo.loc[demo["SEQN"].duplicated(), "SEQN"].iloc[0]
        raise SchemaError(f"{demos}: SEQN {s:.0f} appears twice across the DEMO files. Was a cycle given twice?")

    h = _demo_harmonised(demo, demos[0])

    duq = pd.concat([_duq_outcomes(p, d) for p, d in duq_frames], ignore_index=True)
    if duq["SEQN"].duplicated().any():
        s = duq.loc[duq["SEQN"].duplicated(), "SEQN"].iloc[0]
        raise SchemaError(f"{duqs}: SEQN {s} appears twice across the DUQ files.")
    orphans = ~duq["SEQN"].isin(h["SEQN"])
    if orphans.any():
        raise SchemaError(
            f"{duqs}: SEQN {duq['SEQN'][orphans].iloc[0]} is in a DUQ file but in no DEMO file. "
            "Give the DEMO files of the same cycles."
        )
    out = h.merge(duq, on="SEQN", how="left", validate="one_to_one")
    for c in ("ever_marijuana", "regular_marijuana", "ever_hard_drugs"):
        out[c] = out[c].astype("float64")
    cols = ["SEQN"] + _HARMONISED + [c for c in ("ever_cocaine", "ever_heroin", "ever_methamphetamine")
                                     if c in out.columns]
    out = out[cols]
    return validate(out, _harmonised_schema(), ", ".join(map(str, demos + duqs)))


# --------------------------------------------------------------------------- analysis frame

def analysis_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Derive the shared NHANES analysis variables (contract of docs/ARCHITECTURE.md).

    Works on the frame of :func:`read_nhanes_harmonised` and on ``NHANESraw.csv``
    read with plain :func:`pandas.read_csv` (Yes/No as strings, sex published
    as ``Gender`` and ``Sex``).

    Parameters
    ----------
    df
        Needs WTINT2YR, SDMVSTRA, SDMVPSU, SurveyYr, Age, Race1, Education,
        Marijuana, RegularMarij, HardDrugs, and sex: the harmonised ``sex``
        or, in the published file, ``Gender`` (with ``Sex``, which must agree).

    Returns
    -------
    pandas.DataFrame
        ``SDMVSTRA``, ``SDMVPSU``, ``SurveyYr``, ``sex`` (the one sex column:
        categorical ``male``, ``female``, :data:`SEX_LEVELS`; display labels
        from ``drugtrends.i18n.level("sex", value, lang)``), ``Age``,
        ``Race1`` (as published, categorical), ``Education`` (ordered
        categorical :data:`EDUCATION_LEVELS`: 8th Grade < 9 - 11th Grade <
        High School < Some College < College Grad) and

        * ``wt`` = WTINT2YR / 2 (two pooled two-year cycles): the one weight
          name of the design (``drugtrends.datasets.design_spec``);
        * ``mj``, ``regmj``, ``hd`` = Marijuana, RegularMarij, HardDrugs as
          Yes -> 1.0, No -> 0.0, missing -> NaN;
        * ``age_band``: ordered categorical 18-29, 30-39, 40-49, 50-59, NaN
          outside 18-59 (the marijuana items' ages; R references use it);
        * ``age_band_full``: the same plus 60-69, NaN outside 18-69: every
          age a drug question was asked (HardDrugs is asked to 69);
        * ``female`` = (sex == "female") as float;
        * ``age50`` = (Age >= 50) as float;
        * ``college`` = (Education == "College Grad") as float, NaN where
          Education is missing.

    Raises
    ------
    SchemaError
        A needed column is missing; ``Sex`` and ``Gender`` disagree.

    Examples
    --------
    >>> raw = pd.DataFrame({"WTINT2YR": [100.0, 50.0], "SDMVSTRA": [83, 84], "SDMVPSU": [1, 2],
    ...     "SurveyYr": ["2009_10", "2011_12"], "Gender": ["female", "male"], "Age": [52, 17],
    ...     "Race1": ["White", "Black"], "Education": ["College Grad", None],
    ...     "Marijuana": ["Yes", None], "RegularMarij": ["No", None], "HardDrugs": ["No", None]})
    >>> a = analysis_frame(raw)
    >>> a[["wt", "mj", "female", "age50", "college"]].values.tolist()
    [[50.0, 1.0, 1.0, 1.0, 1.0], [25.0, nan, 0.0, 0.0, nan]]
    >>> a["age_band"].astype(object).tolist()
    ['50-59', nan]
    >>> a["sex"].astype(object).tolist(), list(a["sex"].cat.categories), list(a["Education"].cat.categories[:2])
    (['female', 'male'], ['male', 'female'], ['8th Grade', '9 - 11th Grade'])
    >>> [c for c in a.columns if c.lower() in ("sex", "gender")]
    ['sex']
    """
    need = ["WTINT2YR", "SDMVSTRA", "SDMVPSU", "SurveyYr", "Age", "Race1", "Education",
            "Marijuana", "RegularMarij", "HardDrugs"]
    missing = [c for c in need if c not in df.columns]
    if "sex" not in df.columns and "Gender" not in df.columns:
        missing.insert(4, "sex")
    if missing:
        raise SchemaError(f"analysis_frame: missing column(s) {missing}; pass NHANESraw (read_nhanes_harmonised).")
    sex = df["sex"] if "sex" in df.columns else _one_sex("analysis_frame", df, row_offset=0, unit="row")
    out = df[["SDMVSTRA", "SDMVPSU", "SurveyYr"]].copy()
    out["sex"] = pd.Categorical(sex.astype(object), categories=SEX_LEVELS)
    out[["Age", "Race1"]] = df[["Age", "Race1"]]
    out["Education"] = pd.Categorical(df["Education"].astype(object), categories=EDUCATION_LEVELS, ordered=True)
    out["Race1"] = df["Race1"].astype("category")
    out["wt"] = pd.to_numeric(df["WTINT2YR"], errors="coerce").astype("float64") / 2
    out["mj"] = _yesno_float(df["Marijuana"])
    out["regmj"] = _yesno_float(df["RegularMarij"])
    out["hd"] = _yesno_float(df["HardDrugs"])
    age = pd.to_numeric(df["Age"], errors="coerce")
    out["age_band"] = pd.cut(age, bins=[17, 29, 39, 49, 59], labels=AGE_BANDS, ordered=True)
    out["age_band_full"] = pd.cut(age, bins=[17, 29, 39, 49, 59, 69], labels=AGE_BANDS_FULL, ordered=True)
    out["female"] = (out["sex"].astype(object) == "female").astype("float64").where(out["sex"].notna())
    out["age50"] = (age >= 50).astype("float64").where(age.notna())
    edu = df["Education"].astype(object)
    out["college"] = (edu == "College Grad").astype("float64").where(edu.notna())
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
