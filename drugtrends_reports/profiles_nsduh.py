"""The NSDUH 2022 population profile: computations of the *Consumer profiles* report.

Everything is design-based on the NSDUH 2022 public-use extract
(``dt.load("nsduh", year=2022)``; person weight ``ANALWT2_C``, strata
``VESTR_C``, PSUs ``VEREP``, as ``datasets.design_spec("nsduh")`` declares):

* lifetime use (ever used) of cocaine, crack, heroin, methamphetamine,
  hallucinogens and cannabis, overall and by sex, SAMHSA age group
  (12-17, 18-25, 26+ and 50+), race/ethnicity, education (adults 18+), family
  income and county type: weighted percentage with its Korn-Graubard 95 % CI
  and weighted number of people (millions, t interval), NSDUH suppression
  rule;
* crack users against people who used cocaine but never crack (powder only):
  column shares with Rao-Scott tests (:func:`drugtrends.profiles.profile_table`);
* age at first use among lifetime users (Woodruff quartiles) and, by age
  group as a cohort, the share of *everyone* in the group who had used before
  18 (groups aged 18+) or before 25 (groups aged 26+): a cumulative incidence
  free of the right-censoring that biases ages at first use of young users;
* women and people aged 50+ among lifetime users (shares and millions).

The module returns plain DataFrames; :mod:`drugtrends_reports.profiles_pages`
turns them into the report's items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "YEAR", "SUBSTANCES", "CHARACTERISTICS", "FORM_CHARACTERISTICS", "COHORT_SUBSTANCES", "ONSET_BANDS",
    "band_names", "prepare", "design", "lifetime", "cocaine_forms", "onset_quantiles", "onset_distribution", "cohorts",
    "users_women_older", "difference", "KM_COHORTS", "onset_curves",
]

#: Survey year of the profile.
YEAR = 2022
#: Substances profiled (taxonomy ids; ``ever_<id>`` / ``age_first_<id>`` columns).
SUBSTANCES = ("cocaine", "crack", "heroin", "methamphetamine", "hallucinogens", "cannabis")
#: Characteristics of the lifetime-use tables, in display order (``age_50`` = aged 50 or older).
CHARACTERISTICS = ("sex", "age_samhsa", "age_50", "race_ethnicity", "education", "income", "county_type")
#: Characteristics compared between crack and powder-cocaine users.
FORM_CHARACTERISTICS = ("sex", "age_samhsa", "age_50", "race_ethnicity", "education", "income", "county_type")
#: Substances of the cohort table.
COHORT_SUBSTANCES = ("cannabis", "cocaine", "methamphetamine", "hallucinogens")
#: Age-at-first-use bands (lower bounds, years): <15, 15-17, 18-20, 21-25, 26-34, 35+.
ONSET_BANDS = (0, 15, 18, 21, 26, 35)
#: Cohorts of the survey Kaplan-Meier curves: label -> (AGE3 groups, youngest age in the cohort).
KM_COHORTS = {"18-25": (("18-20", "21-23", "24-25"), 18), "26-34": (("26-29", "30-34"), 26),
              "35-49": (("35-49",), 35), "50-64": (("50-64",), 50), "65+": (("65+",), 65)}
#: Age groups (AGE3) old enough for "before 18" and "before 25".
_AGE_18 = ("18-20", "21-23", "24-25", "26-29", "30-34", "35-49", "50-64", "65+")
_AGE_25 = ("26-29", "30-34", "35-49", "50-64", "65+")


def band_names() -> list[str]:
    """``lt15``, ``15_17``, ..., ``35plus`` (catalogue level slugs)."""
    b = list(ONSET_BANDS)
    out = []
    for lo, hi in zip(b, b[1:] + [None]):
        out.append(f"lt{hi}" if lo == 0 else f"{lo}plus" if hi is None else f"{lo}_{hi - 1}")
    return out


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Analysis columns added to the harmonised NSDUH frame.

    Parameters
    ----------
    frame
        ``dt.load("nsduh", year=2022)``: harmonised person columns and
        ``ever_<substance>`` / ``age_first_<substance>``.

    Returns
    -------
    pandas.DataFrame
        A copy plus ``age_50`` (``"50plus"`` for people aged 50 or older, else
        missing: a domain, not a partition), ``female`` and ``is_50plus`` (0/1),
        ``cocaine_form`` (``"crack"``: ever used crack; ``"powder"``: used
        cocaine, never crack; missing otherwise), ``before18_<s>`` /
        ``before25_<s>`` (first use at age 17 or younger / 24 or younger; 0 for
        never-users; missing for people too young to have completed the age),
        and ``onset_<band>_<s>`` (1 when the first use fell in the band; missing
        for never-users).

    Examples
    --------
    >>> f = pd.DataFrame({"sex": ["male", "female"], "age_group": ["18-20", "50-64"], "age_50plus": [0.0, 1.0],
    ...                   "ever_cocaine": [1.0, 0.0], "age_first_cocaine": [16.0, None], "ever_crack": [0.0, 0.0],
    ...                   "age_first_crack": [None, None]})
    >>> p = prepare(f)
    >>> p[["age_50", "female", "cocaine_form", "before18_cocaine", "before25_cocaine"]].values.tolist()
    [[None, 0.0, 'powder', 1.0, nan], ['50plus', 1.0, None, 0.0, 0.0]]
    """
    a = frame.copy()
    a["is_50plus"] = a["age_50plus"].astype(float)
    a["age_50"] = pd.Series(np.where(a["is_50plus"] == 1, "50plus", None), index=a.index, dtype=object)
    a["female"] = (a["sex"].astype(str) == "female").astype(float).where(a["sex"].notna())
    crack = a.get("ever_crack", pd.Series(0.0, index=a.index)) == 1
    a["cocaine_form"] = pd.Series(np.where(crack, "crack", np.where(a["ever_cocaine"] == 1, "powder", None)),
                                  index=a.index, dtype=object)
    age = a["age_group"].astype(str)
    bands, edges = band_names(), list(ONSET_BANDS) + [np.inf]
    for s in SUBSTANCES:
        if f"ever_{s}" not in a:
            continue
        first = a[f"age_first_{s}"].astype(float)
        ever = a[f"ever_{s}"].astype(float)
        for limit, groups in ((18, _AGE_18), (25, _AGE_25)):
            started = ((ever == 1) & (first < limit)).astype(float)
            a[f"before{limit}_{s}"] = started.where(age.isin(groups))
        for name, lo, hi in zip(bands, edges, edges[1:]):
            a[f"onset_{name}_{s}"] = ((first >= lo) & (first < hi)).astype(float).where(ever == 1)
    return a


def design(frame: pd.DataFrame):
    """The NSDUH design the dataset declares (``datasets.design_spec("nsduh")``), NSDUH suppression rule.

    Examples
    --------
    >>> f = pd.DataFrame({"weight": [1.0] * 4, "strata": [1, 1, 2, 2], "psu": [1, 2, 1, 2]})
    >>> design(f).df
    2
    """
    from drugtrends import datasets
    from drugtrends.survey import SurveyDesign

    return SurveyDesign.from_spec(frame, datasets.design_spec("nsduh"), reliability="nsduh")


def lifetime(des, substances=SUBSTANCES, characteristics=CHARACTERISTICS) -> pd.DataFrame:
    """Lifetime use: weighted % (Korn-Graubard CI, NSDUH rule) and number of people, overall and by group.

    Parameters
    ----------
    des
        :func:`design` of :func:`prepare`'s frame.
    substances, characteristics
        What to estimate.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``characteristic`` (``"total"`` for everyone aged 12+),
        ``level``, ``estimate``, ``ci_low``, ``ci_high`` (proportions), ``n``,
        ``suppressed``, ``people``, ``people_low``, ``people_high`` (weighted
        totals, persons).
    """
    variables = [f"ever_{s}" for s in substances]
    sets = [(), *[(c,) for c in characteristics]]
    import warnings

    with warnings.catch_warnings():  # by design: education is not asked at 12-17; age_50 is a subgroup, not a partition
        warnings.filterwarnings("ignore", message=".*have a missing value in by=.*")
        pct = des.grid(variables, sets, kind="mean", ci="korn_graubard", reliability="nsduh")
        tot = des.grid(variables, sets, kind="total", ci="t", reliability=None)
    rows = []
    for (_, p), (_, t) in zip(pct.iterrows(), tot.iterrows()):
        c = p["by_set"] or "total"
        rows.append({"substance": p["variable"][len("ever_"):], "characteristic": c,
                     "level": "total" if c == "total" else str(p[c]), "estimate": p["estimate"],
                     "ci_low": p["ci_low"], "ci_high": p["ci_high"], "n": int(p["n"]),
                     "suppressed": bool(p["suppressed"]), "people": t["estimate"],
                     "people_low": max(t["ci_low"], 0.0), "people_high": t["ci_high"]})
    return pd.DataFrame(rows)


def cocaine_forms(des, characteristics=FORM_CHARACTERISTICS) -> pd.DataFrame:
    """Profile of crack users against powder-only cocaine users (column shares, Rao-Scott test per row block).

    Returns
    -------
    pandas.DataFrame
        :func:`drugtrends.profiles.profile_table` output, groups ``crack`` and ``powder``.
    """
    import warnings

    from drugtrends.profiles import profile_table

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no respondent.*")
        return profile_table(des, "cocaine_form", [c for c in characteristics if c != "age_50"] + ["is_50plus"],
                             group_values=["crack", "powder"], include_all=False, ci="korn_graubard",
                             df="domain", reliability="nsduh")


def onset_quantiles(des, substances=SUBSTANCES) -> pd.DataFrame:
    """Quartiles of age at first use among lifetime users (Woodruff intervals).

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``q25``, ``median``, ``median_low``, ``median_high``, ``q75``, ``n`` (users).
    """
    rows = []
    for s in substances:
        q = des.quantile(f"age_first_{s}", q=(0.25, 0.5, 0.75))
        med = q[q["prob"] == 0.5].iloc[0]
        rows.append({"substance": s, "q25": float(q.loc[q["prob"] == 0.25, "estimate"].iloc[0]),
                     "median": float(med["estimate"]), "median_low": float(med["ci_low"]),
                     "median_high": float(med["ci_high"]),
                     "q75": float(q.loc[q["prob"] == 0.75, "estimate"].iloc[0]), "n": int(med["n"])})
    return pd.DataFrame(rows)


def onset_distribution(des, substances=SUBSTANCES) -> pd.DataFrame:
    """Distribution of age at first use among lifetime users, by band (weighted shares, KG CIs).

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``band`` (slug of :data:`ONSET_BANDS`), ``estimate``,
        ``ci_low``, ``ci_high``, ``suppressed``.
    """
    variables = [f"onset_{b}_{s}" for s in substances for b in band_names()]
    g = des.grid(variables, [()], kind="mean", ci="korn_graubard", reliability="nsduh")
    parts = g["variable"].str.extract(r"^onset_(.+)_(" + "|".join(substances) + ")$")
    return pd.DataFrame({"substance": parts[1], "band": parts[0], "estimate": g["estimate"],
                         "ci_low": g["ci_low"], "ci_high": g["ci_high"], "suppressed": g["suppressed"]})


def cohorts(des, substances=COHORT_SUBSTANCES) -> pd.DataFrame:
    """Share of each age group (as a cohort) who had used before 18 and before 25.

    The denominator is everyone in the age group (never-users count as 0),
    so the share is a cumulative incidence by that age; only groups old
    enough to have passed the age are estimated.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``limit`` (18 or 25), ``age_group``, ``estimate``,
        ``ci_low``, ``ci_high``, ``suppressed``.
    """
    rows = []
    for limit in (18, 25):
        variables = [f"before{limit}_{s}" for s in substances]
        g = des.grid(variables, [("age_group",)], kind="mean", ci="korn_graubard", reliability="nsduh")
        groups = _AGE_18 if limit == 18 else _AGE_25
        g = g[g["age_group"].astype(str).isin(groups)]
        for _, r in g.iterrows():
            rows.append({"substance": r["variable"].split("_", 1)[1], "limit": limit,
                         "age_group": str(r["age_group"]), "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "suppressed": bool(r["suppressed"])})
    return pd.DataFrame(rows)


def users_women_older(des, substances=SUBSTANCES) -> pd.DataFrame:
    """Share of women and of people aged 50+ among lifetime users of each substance.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``group`` (``female`` / ``is_50plus``), ``estimate``,
        ``ci_low``, ``ci_high``, ``suppressed``, ``people`` (weighted number of
        such users).
    """
    rows = []
    for s in substances:
        sub = des.subset(des.data[f"ever_{s}"] == 1)
        m = sub.mean(["female", "is_50plus"], ci="korn_graubard", reliability="nsduh")
        tot = sub.total(["female", "is_50plus"])
        for (_, r), people in zip(m.iterrows(), tot["estimate"]):
            rows.append({"substance": s, "group": r["variable"], "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "suppressed": bool(r["suppressed"]), "people": people})
    return pd.DataFrame(rows)


def difference(des, substance: str, between: str, levels: tuple) -> pd.Series:
    """Design-based difference in lifetime use between two groups (second minus first), with its p-value."""
    return des.difference(f"ever_{substance}", between=between, levels=levels).iloc[0]


def onset_curves(frame: pd.DataFrame, substance: str = "cocaine", first_age: int = 10) -> pd.DataFrame:
    """Share who had used the drug by each age, by cohort: survey Kaplan-Meier (``SurveyDesign.km``).

    The extract gives age groups, not exact ages, so every respondent of a
    cohort is followed up to the cohort's youngest age ``L`` (18 for people
    now aged 18-25, ..., 65 for 65+): a first use after ``L`` is censored at
    ``L``, never-users are censored at ``L``. Each curve thus stops at its
    cohort's youngest age and has no censoring before it (the curve is the
    cumulative incidence by each age), with design-based log-scale intervals.

    Parameters
    ----------
    frame
        :func:`prepare`'s frame (with ``weight``, ``strata``, ``psu``, ``age_group``).
    substance
        Taxonomy id (``ever_<id>``, ``age_first_<id>``).
    first_age
        First age shown (earlier starts count at this age).

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``age`` (every integer age from ``first_age`` to the
        cohort's youngest age), ``estimate``, ``ci_low``, ``ci_high``
        (proportions who had started by that age).
    """
    rows = []
    for cohort, (groups, youngest) in KM_COHORTS.items():
        a = frame.copy()
        inside = a["age_group"].astype(str).isin(groups)
        first = a[f"age_first_{substance}"].astype(float)
        started = (a[f"ever_{substance}"] == 1) & (first <= youngest)
        a["_time"] = np.where(started, first.clip(lower=first_age), youngest).astype(float)
        a["_event"] = started.astype(float)
        km = design(a).subset(inside.to_numpy()).km("_time", "_event", cumulative=True,
                                                     estimator="product_limit")
        km = km.set_index("time")[["cumulative", "cumulative_ci_low", "cumulative_ci_high"]]
        ages = pd.Index(np.arange(first_age, youngest + 1, dtype=float), name="time")
        km = km.reindex(km.index.union(ages)).sort_index().ffill().fillna(0.0).loc[ages]
        rows.append(pd.DataFrame({"cohort": cohort, "age": ages.astype(int), "estimate": km["cumulative"].to_numpy(),
                                  "ci_low": km["cumulative_ci_low"].to_numpy(),
                                  "ci_high": km["cumulative_ci_high"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)
