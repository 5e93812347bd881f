"""Access to the reference numbers computed in R (``tests/reference/*.csv``).

The CSV files are written by the R scripts beside this module (see
``tests/reference/README.md``). Each row holds one number identified by
``analysis``, ``variable``, ``domain``, ``level`` and ``statistic``.

Import from a test module as ``from reference.reference import load_reference,
ref_value`` (``tests/`` is on ``sys.path`` under pytest's default rootdir
insertion, since ``tests/reference`` has an ``__init__.py``) or, equivalently,
``sys.path.insert(0, str(Path(__file__).parent))`` first.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent
KEY_COLUMNS = ("analysis", "variable", "domain", "level", "statistic")
COLUMNS = (*KEY_COLUMNS, "value")


def available() -> list[str]:
    """Names of the reference tables present (CSV stems).

    Returns
    -------
    list of str
        Sorted names, e.g. ``["survey_nhanes", ...]``.

    Examples
    --------
    >>> "survey_nhanes" in available()
    True
    """
    return sorted(p.stem for p in REFERENCE_DIR.glob("*.csv"))


@cache
def _load(name: str) -> pd.DataFrame:
    path = REFERENCE_DIR / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"reference table {path} not found; available: {available()}. "
            f"Regenerate it with: Rscript tests/reference/{name}.R (from the repository root)"
        )
    df = pd.read_csv(
        path,
        dtype={c: str for c in KEY_COLUMNS} | {"value": float},
        keep_default_na=False,
        na_values={"value": ["NA", "NaN", ""]},
    )
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
    return df


def load_reference(name: str) -> pd.DataFrame:
    """Load one reference table.

    Parameters
    ----------
    name : str
        CSV stem, e.g. ``"survey_nhanes"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``analysis, variable, domain, level, statistic`` (str, empty
        string when not applicable) and ``value`` (float).

    Examples
    --------
    >>> df = load_reference("survey_nhanes")
    >>> list(df.columns)
    ['analysis', 'variable', 'domain', 'level', 'statistic', 'value']
    """
    return _load(name).copy()


def ref_value(
    df: pd.DataFrame,
    analysis: str,
    statistic: str,
    variable: str | None = None,
    domain: str = "",
    level: str = "",
) -> float:
    """One number from a reference table.

    Parameters
    ----------
    df : pandas.DataFrame
        A table from :func:`load_reference`.
    analysis, statistic : str
        Analysis id and statistic (``estimate``, ``se``, ``deff``, ...).
    variable : str, optional
        Outcome or model term; ``None`` accepts any variable (must then be unique).
    domain : str, default ""
        ``key=value`` pairs joined by ``&`` in the order of the ``by`` variables.
    level : str, default ""
        Category level for categorical outcomes.

    Returns
    -------
    float

    Raises
    ------
    KeyError
        When no row (or more than one row) matches; the message lists close keys.

    Examples
    --------
    >>> df = load_reference("survey_nhanes")
    >>> ref_value(df, "design", "df")
    33.0
    >>> round(ref_value(df, "mean_by_cycle", "estimate", "hd", "SurveyYr=2009_10"), 4)
    0.1755
    """
    m = (df["analysis"] == analysis) & (df["statistic"] == statistic)
    m &= (df["domain"] == domain) & (df["level"] == level)
    if variable is not None:
        m &= df["variable"] == variable
    hits = df.loc[m, "value"]
    if len(hits) == 1:
        return float(hits.iloc[0])
    wanted = "|".join([analysis, variable or "*", domain, level, statistic])
    keys = (df[list(KEY_COLUMNS)].astype(str).agg("|".join, axis=1)).unique().tolist()
    close = difflib.get_close_matches(wanted, keys, n=8, cutoff=0.5)
    what = "no row" if len(hits) == 0 else f"{len(hits)} rows"
    raise KeyError(
        f"{what} for analysis|variable|domain|level|statistic = {wanted!r}; "
        f"close keys: {close}"
    )
