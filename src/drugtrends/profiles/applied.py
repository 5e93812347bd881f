"""Deprecated NHANES and UCI helpers, kept while callers move to the neutral API.

They hard-code dataset columns, which the statistics layer must not know
(issue 12). Use instead:

* ``nhanes_design(frame)`` -> ``SurveyDesign.from_spec(frame, dt.datasets.design_spec("nhanes_2009_2012"))``;
* ``nhanes_profiles`` / ``nhanes_composition_shift`` / ``uci_profiles`` ->
  :func:`~drugtrends.profiles.profile_table` / :func:`~drugtrends.profiles.profile_shift`
  with the columns named (``drugtrends_reports.profiles`` does this for the reports).

Each call warns with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings

import pandas as pd

from drugtrends.errors import DesignError
from drugtrends.profiles.shift import profile_shift
from drugtrends.profiles.table import profile_table
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, require_columns

__all__ = ["nhanes_design", "nhanes_profiles", "nhanes_composition_shift", "uci_profiles"]


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(f"drugtrends.profiles.{name} is deprecated: {instead}", DeprecationWarning, stacklevel=3)


def nhanes_design(frame: pd.DataFrame, **kw) -> SurveyDesign:
    """The NHANES 2009-2012 design on an analysis frame (``readers.nhanes.analysis_frame``).

    ``SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True)``;
    extra keywords go to :class:`~drugtrends.survey.SurveyDesign`.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame with the columns ``wt`` (combined weight),
        ``SDMVSTRA`` (masked variance stratum) and ``SDMVPSU`` (masked PSU);
        a missing one raises an error naming it.
    **kw
        Further :class:`~drugtrends.survey.SurveyDesign` arguments
        (``lonely_psu``, ``reliability``, ``level``, ...).

    Returns
    -------
    SurveyDesign
        Stratified cluster design with PSUs nested in strata.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 4, "SDMVSTRA": [1, 1, 2, 2], "SDMVPSU": [1, 2, 1, 2]})
    >>> nhanes_design(f).df
    2
    """
    _deprecated("nhanes_design", 'use SurveyDesign.from_spec(frame, dt.datasets.design_spec("nhanes_2009_2012"))')
    require_columns(frame, ["wt", "SDMVSTRA", "SDMVPSU"], "NHANES design column")
    return SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True, **kw)


def nhanes_profiles(frame: pd.DataFrame, groups=("hd", "regmj"),
                    characteristics=("Gender", "age_band", "Race1", "Education"),
                    continuous=("Age",), by="SurveyYr", **kw) -> pd.DataFrame:
    """Profiles of ever hard-drug users and regular marijuana users, by NHANES cycle.

    One :func:`profile_table` per group (``group_value`` "users" / "non-users" /
    "all"), stacked.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame (``drugtrends.readers.nhanes.analysis_frame``).
    groups : list of str
        0/1 user columns.
    characteristics, continuous, by :
        As :func:`profile_table`.
    **kw :
        Passed to :func:`profile_table`.

    Returns
    -------
    DataFrame (columns of :func:`profile_table`)

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 8, "SDMVSTRA": [1] * 4 + [2] * 4, "SDMVPSU": [1, 2] * 4,
    ...                   "hd": [1, 0, 1, 0, 0, 1, 0, 0], "Gender": list("mfmfmfmf"),
    ...                   "Age": [20, 30, 40, 50, 25, 35, 45, 55]})
    >>> t = nhanes_profiles(f, ["hd"], ["Gender"], continuous=["Age"], by=None)
    >>> sorted(t.group_value.unique())
    ['all', 'non-users', 'users']
    """
    _deprecated("nhanes_profiles", "call profile_table with the columns named")
    des = SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True)
    out = [profile_table(des, g, list(characteristics), by=by, continuous=list(continuous or []),
                         group_values=[1, 0], labels={1: "users", 0: "non-users"}, **kw)
           for g in groups]
    return pd.concat(out, ignore_index=True)


def nhanes_composition_shift(frame: pd.DataFrame, groups=("hd", "regmj"),
                             characteristics=("female", "age50", "college"),
                             periods=("2009_10", "2011_12"), **kw) -> pd.DataFrame:
    """Change in the composition of NHANES user groups between the two cycles.

    Shares of women, people aged 50+ and college graduates among users (level
    ``"1"`` of the 0/1 indicators), 2011-12 minus 2009-10, via
    :func:`profile_shift` (design df for tests). Only level ``"1"`` rows are returned.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame (``drugtrends.readers.nhanes.analysis_frame``)
        with the design columns of :func:`nhanes_design` and ``SurveyYr``.
    groups : sequence of str, default ("hd", "regmj")
        0/1 user-group columns (ever hard drugs, regular marijuana); users are
        the rows equal to 1.
    characteristics : sequence of str, default ("female", "age50", "college")
        0/1 indicator columns whose share among users is compared.
    periods : (str, str), default ("2009_10", "2011_12")
        The two ``SurveyYr`` values compared (difference = second - first).
    **kw
        Passed to :func:`profile_shift` (``ci``, ``df``, ``level``,
        ``reliability``, ``by``...).

    Returns
    -------
    DataFrame
        The columns of :func:`profile_shift` (``group``, ``characteristic``,
        ``level`` = ``"1"``, ``period_from``, ``period_to``,
        ``estimate_from``, ``estimate_to``, ``difference``, ``se``, ``t``,
        ``df``, ``p_value``, ``ci_low``, ``ci_high``, ...), one row per group
        and characteristic.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 8, "SDMVSTRA": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "SDMVPSU": [1, 2] * 4, "hd": [1] * 8, "female": [1, 0, 0, 0, 1, 1, 0, 1],
    ...                   "SurveyYr": ["2009_10"] * 4 + ["2011_12"] * 4})
    >>> nhanes_composition_shift(f, ["hd"], ["female"]).difference.tolist()
    [0.5]
    """
    _deprecated("nhanes_composition_shift", "call profile_shift with the columns named")
    des = SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True)
    out = [profile_shift(des, g, list(characteristics), "SurveyYr", periods, **kw) for g in groups]
    out = pd.concat(out, ignore_index=True)
    return out[out.level == "1"].reset_index(drop=True)


#: UCI substances profiled by default (column names of ``readers.uci.read_uci``).
UCI_SUBSTANCES = ("Crack", "Heroin", "Coke", "Ketamine", "LegalHigh")
#: Personality scores of the UCI file.
UCI_PERSONALITY = ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking")


def uci_profiles(df: pd.DataFrame, substances=UCI_SUBSTANCES, recency: str = "decade",
                 characteristics=("Age", "Gender", "Education"), continuous=UCI_PERSONALITY,
                 **kw) -> pd.DataFrame:
    """Profiles of users vs non-users of each substance in the UCI drug consumption survey.

    An online convenience sample (Fehrman et al. 2017): every output row has
    ``weighting == "unweighted (convenience sample)"``; shares describe the
    respondents, not a population. Users of a substance: the
    ``<substance>_<recency>`` flag of ``readers.uci.read_uci`` (default
    ``decade``: used in the last decade, the authors' user definition).

    Parameters
    ----------
    df : DataFrame
        Output of ``drugtrends.readers.uci.read_uci``.
    substances : list of str
        Usage columns (``"Crack"``, ``"Heroin"``, ``"Coke"``, ...).
    recency : {"ever", "decade", "year", "month"}
    characteristics, continuous :
        As :func:`profile_table`.
    **kw :
        Passed to :func:`profile_table`.

    Returns
    -------
    DataFrame: a ``substance`` column, then the columns of :func:`profile_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"crack_decade": [True, False, False, True], "Gender": list("MFFM"),
    ...                    "Nscore": [0.5, -0.1, 0.2, 1.0]})
    >>> t = uci_profiles(df, ["Crack"], characteristics=["Gender"], continuous=["Nscore"])
    >>> t.weighting.unique().tolist(), sorted(t.group_value.unique())
    (['unweighted (convenience sample)'], ['all', 'non-users', 'users'])
    """
    _deprecated("uci_profiles", "call profile_table(df, f'{substance}_{recency}', ...) with weights=None")
    if recency not in ("ever", "decade", "year", "month"):
        raise DesignError(f"recency={recency!r}: use 'ever', 'decade', 'year' or 'month'")
    out = []
    for s in as_list(substances):
        col = f"{str(s).lower()}_{recency}"
        require_columns(df, [col], "use flag")
        t = profile_table(df, col, list(characteristics), continuous=list(continuous or []), weights=None,
                          group_values=[True, False], labels={True: "users", False: "non-users"}, **kw)
        t.insert(0, "substance", s)
        out.append(t)
    return pd.concat(out, ignore_index=True)
