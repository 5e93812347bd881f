"""Analysis steps of the *Consumer profiles* report.

* NHANES 2009-2012: who reports ever using hard drugs (cocaine, heroin or
  methamphetamine) or regular marijuana use, by survey cycle, survey-weighted
  with the complex design (:class:`drugtrends.survey.SurveyDesign`);
* UCI drug consumption: personality scores of past-year users and non-users
  (convenience sample, unweighted);
* TEDS-A: primary substance at treatment admission, when the file is present.

Estimates come from the survey engine; this module only chooses the domains
and the variables, and hands tidy results to plots and tables.
"""

from __future__ import annotations

import pandas as pd

from analysis.common import has, pct, say
from drugtrends import style

__all__ = [
    "NHANES_SOURCE", "UCI_SOURCE", "TEDS_SOURCE", "OUTCOMES", "PROFILE_VARS", "CYCLES",
    "nhanes_frame", "nhanes_design", "prevalence_by_cycle", "user_profile", "age_range",
    "prevalence_sentence", "shift_frame", "uci_traits", "teds_primary_substance", "adjusted_ors",
]

NHANES_SOURCE = ("CDC/NCHS, National Health and Nutrition Examination Survey 2009-2010 and 2011-2012 "
                 "(as harmonised by the R package NHANES); survey-weighted (WTINT2YR/2, strata, PSUs)")
UCI_SOURCE = ("UCI Machine Learning Repository, Drug consumption (quantified), Fehrman et al. 2017 "
              "(online convenience sample; unweighted)")
TEDS_SOURCE = "SAMHSA, Treatment Episode Data Set: Admissions (TEDS-A), public-use file"

#: Outcomes profiled: analysis variable -> (English, French) label.
OUTCOMES = {
    "hd": ("ever used cocaine, heroin or methamphetamine", "ont déjà consommé cocaïne, héroïne ou méthamphétamine"),
    "regmj_all": ("ever used marijuana at least once a month for a year or more",
                  "ont déjà consommé du cannabis au moins une fois par mois pendant au moins un an"),
}
#: Characteristics of the profiles: column -> (English, French) label.
PROFILE_VARS = {
    "Gender": ("Sex", "Sexe"),
    "age_band": ("Age group", "Tranche d'âge"),
    "Race1": ("Race/ethnicity", "Origine"),
    "Education": ("Education", "Diplôme"),
}
#: NHANES cycles: code -> label.
CYCLES = {"2009_10": "2009-2010", "2011_12": "2011-2012"}


def nhanes_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """NHANES analysis variables (``drugtrends.readers.nhanes.analysis_frame``) with a cycle label.

    Parameters
    ----------
    raw
        ``drugtrends.datasets.load("nhanes_2009_2012")``.

    Returns
    -------
    pandas.DataFrame
        The analysis frame plus ``cycle`` ("2009-2010" / "2011-2012"),
        ``regmj_all`` (regular marijuana use among all respondents asked about
        marijuana: 0 for never-users, who are not asked RegularMarij) and text
        versions of the profile variables.
    """
    from drugtrends.readers.nhanes import analysis_frame

    a = analysis_frame(raw)
    a["cycle"] = a["SurveyYr"].astype(str).map(CYCLES)
    # RegularMarij is asked only of people who ever used marijuana: never-users are not regular
    # users, so the population prevalence of regular use sets them to 0 (missing stays missing)
    a["regmj_all"] = a["regmj"].where(a["mj"] != 0, 0.0).where(a["mj"].notna())
    for c in PROFILE_VARS:
        a[c] = a[c].astype("string").astype(object).where(a[c].notna())
    return a


def nhanes_design(a: pd.DataFrame):
    """The NHANES design: weight ``wt``, strata ``SDMVSTRA``, PSUs ``SDMVPSU``, NCHS reliability rule.

    Parameters
    ----------
    a
        Output of :func:`nhanes_frame`.

    Returns
    -------
    drugtrends.survey.SurveyDesign
    """
    from drugtrends.survey import SurveyDesign

    return SurveyDesign(a, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", reliability="nchs")


def prevalence_by_cycle(des, outcome: str) -> pd.DataFrame:
    """Weighted prevalence of an outcome by cycle and sex (and overall per cycle).

    Parameters
    ----------
    des
        From :func:`nhanes_design`.
    outcome
        ``"hd"`` or ``"regmj_all"``.

    Returns
    -------
    pandas.DataFrame
        Survey result with ``cycle`` and ``group`` ("Total", "female", "male").
    """
    tot = des.mean(outcome, by="cycle", ci="korn_graubard").assign(group="Total")
    sex = des.mean(outcome, by=["cycle", "Gender"], ci="korn_graubard").rename(columns={"Gender": "group"})
    out = pd.concat([tot, sex], ignore_index=True)
    order = {"Total": 0, "male": 1, "female": 2}
    return out.assign(_o=out["group"].map(order)).sort_values(["cycle", "_o"]).drop(columns="_o").reset_index(drop=True)


def user_profile(des, outcome: str) -> pd.DataFrame:
    """Distribution of each profile characteristic among users (outcome == 1), by cycle.

    Users are a domain of the full design (``des.subset``), so variances use
    every PSU.

    Parameters
    ----------
    des
        From :func:`nhanes_design`.
    outcome
        ``"hd"`` or ``"regmj_all"``.

    Returns
    -------
    pandas.DataFrame
        ``cycle``, ``variable``, ``level``, ``estimate`` (column share among
        users), ``ci_low``, ``ci_high``, ``n``, ``suppressed``, ``flags``...
    """
    users = des.subset(des.data[outcome] == 1)
    parts = [users.proportion(v, by="cycle", ci="korn_graubard") for v in PROFILE_VARS]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["cycle"], kind="stable").reset_index(drop=True)


def age_range(a: pd.DataFrame, outcome: str) -> str:
    """Ages of the respondents who answered the outcome's question (``"18-69"``), from the data.

    Parameters
    ----------
    a
        Output of :func:`nhanes_frame`.
    outcome
        ``"hd"`` or ``"regmj_all"``.

    Returns
    -------
    str

    Examples
    --------
    >>> age_range(pd.DataFrame({"Age": [17, 18, 59, 70], "hd": [None, 1.0, 0.0, None]}), "hd")
    '18-59'
    """
    ages = a.loc[a[outcome].notna(), "Age"].astype(float)
    return f"{int(ages.min())}-{int(ages.max())}"


def prevalence_sentence(prev: pd.DataFrame, outcome: str, lang: str = "en", ages: str = "") -> str:
    """Sentence with the weighted prevalence of each cycle and its 95% CI.

    Parameters
    ----------
    prev
        Output of :func:`prevalence_by_cycle`.
    outcome
        ``"hd"`` or ``"regmj_all"``.
    lang
        ``"en"`` or ``"fr"``.
    ages
        Age range of the respondents asked (:func:`age_range`).

    Returns
    -------
    str

    Examples
    --------
    >>> p = pd.DataFrame({"cycle": ["2009-2010", "2011-2012"], "group": ["Total"] * 2,
    ...                   "estimate": [0.15, 0.16], "ci_low": [0.13, 0.14], "ci_high": [0.17, 0.18],
    ...                   "suppressed": [False, False]})
    >>> prevalence_sentence(p, "hd", ages="18-69")
    'Among adults aged 18-69, 15.0% (95% CI 13.0%-17.0%) ever used cocaine, heroin or methamphetamine in 2009-2010 and 16.0% (95% CI 14.0%-18.0%) in 2011-2012 (weighted).'
    """
    t = prev[prev["group"] == "Total"]
    parts = []
    for r in t.itertuples():
        if r.suppressed:
            parts.append(say(f"a suppressed estimate in {r.cycle}", f"une estimation non diffusée en {r.cycle}", lang))
            continue
        ci = f"{pct(r.ci_low, 1, lang, 100)}-{pct(r.ci_high, 1, lang, 100)}"
        parts.append(say(f"{pct(r.estimate, 1, lang, 100)} (95% CI {ci}) in {r.cycle}",
                         f"{pct(r.estimate, 1, lang, 100)} (IC à 95 % {ci}) en {r.cycle}", lang))
    en, fr = OUTCOMES[outcome]
    if lang == "fr":
        return f"Parmi les adultes de {ages} ans, {fr} : " + " et ".join(parts) + " (pondéré)."
    first, *rest = parts
    return (f"Among adults aged {ages}, {first.split(' in ')[0]} {en} in {first.split(' in ')[1]}"
            + "".join(f" and {p}" for p in rest) + " (weighted).")


def shift_frame(profile: pd.DataFrame, variables: list[str] | None = None, lang: str = "en") -> pd.DataFrame:
    """Wide frame (one row per characteristic level) of the shares in the two cycles, for a dumbbell.

    Suppressed shares are left out (both cycles must be shown).

    Parameters
    ----------
    profile
        Output of :func:`user_profile`.
    variables
        Characteristics to keep (default all).
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``2009-2010``, ``2011-2012``.
    """
    p = profile[~profile["suppressed"].astype(bool)]
    if variables:
        p = p[p["variable"].isin(variables)]
    w = p.pivot_table(index=["variable", "level"], columns="cycle", values="estimate", sort=False).dropna()
    names = {k: (v[1] if lang == "fr" else v[0]) for k, v in PROFILE_VARS.items()}
    w = w.reset_index()
    w["label"] = [f"{names.get(v, v)}: {lv}" for v, lv in zip(w["variable"], w["level"])]
    return w[["label", *[c for c in CYCLES.values() if c in w.columns]]]


# --------------------------------------------------------------------------- UCI


#: UCI personality columns -> (English, French) label.
TRAITS = {
    "Nscore": ("Neuroticism", "Névrosisme"), "Escore": ("Extraversion", "Extraversion"),
    "Oscore": ("Openness", "Ouverture"), "Ascore": ("Agreeableness", "Agréabilité"),
    "Cscore": ("Conscientiousness", "Conscienciosité"), "Impulsiveness": ("Impulsiveness", "Impulsivité"),
    "SensationSeeking": ("Sensation seeking", "Recherche de sensations"),
}


def uci_traits(uci: pd.DataFrame, flag: str = "coke_year") -> pd.DataFrame:
    """Mean personality scores of users and non-users (unweighted, unit-weight design).

    Parameters
    ----------
    uci
        ``drugtrends.datasets.load("uci_drug_consumption")``.
    flag
        Boolean usage column (e.g. ``"coke_year"``: cocaine in the last year).

    Returns
    -------
    pandas.DataFrame
        Survey result (``user`` "Users"/"Non-users", ``variable``, ``estimate``,
        ``ci_low``, ``ci_high``, ``n``...). Scores are standardised by the
        dataset's authors (mean 0, SD 1 over all respondents).
    """
    from drugtrends.survey import SurveyDesign

    d = uci[list(TRAITS)].astype(float).copy()
    d["user"] = uci[flag].map({True: "Users", False: "Non-users"})
    d["w"] = 1.0
    return SurveyDesign(d, weight="w").mean(list(TRAITS), by="user", ci="t", reliability=None)


def teds_primary_substance(teds: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Share of admissions by primary substance (``SUB1``), largest first.

    Parameters
    ----------
    teds
        TEDS-A (``drugtrends.datasets.load("teds_a", year=...)``) with ``SUB1``.
    top
        Number of substances listed (the rest are summed as "Other").

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``admissions``, ``percent`` (of admissions with a known
        primary substance).

    Examples
    --------
    >>> t = pd.DataFrame({"SUB1": ["Alcohol", "Heroin", "Alcohol", None]})
    >>> teds_primary_substance(t).round(1).values.tolist()
    [['Alcohol', 2, 66.7], ['Heroin', 1, 33.3]]
    """
    from drugtrends.errors import SchemaError

    if "SUB1" not in teds.columns:
        raise SchemaError(f"TEDS-A table has no SUB1 column (columns: {list(teds.columns)[:20]}...)")
    vc = teds["SUB1"].astype(object).dropna().value_counts()
    total = vc.sum()
    head = vc.iloc[:top]
    rows = [{"substance": str(k), "admissions": int(v), "percent": 100 * v / total} for k, v in head.items()]
    if len(vc) > top:
        rest = int(vc.iloc[top:].sum())
        rows.append({"substance": "Other", "admissions": rest, "percent": 100 * rest / total})
    return pd.DataFrame(rows)


def available() -> bool:
    """True when the survey engine needed for the NHANES profiles is installed.

    Returns
    -------
    bool

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    return has("survey", "SurveyDesign")


def trait_labels(lang: str = "en") -> dict[str, str]:
    """Display names of the UCI personality scores.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict

    Examples
    --------
    >>> trait_labels("fr")["Oscore"]
    'Ouverture'
    """
    style.check_lang(lang)
    return {k: (v[1] if lang == "fr" else v[0]) for k, v in TRAITS.items()}


def adjusted_ors(des, outcome: str = "hd", lang: str = "en") -> pd.DataFrame | None:
    """Survey-weighted adjusted odds ratios of use by sex, age, race/ethnicity and education.

    Calls :func:`drugtrends.profiles.adjusted_profile` (svyglm, quasibinomial)
    and adds display labels; ``None`` when the profiles module is missing.

    Parameters
    ----------
    des
        From :func:`nhanes_design`.
    outcome
        ``"hd"`` or ``"regmj_all"``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    pandas.DataFrame or None
        ``adjusted_profile`` columns plus ``label`` ("Sex: male"; reference
        levels marked "(ref.)").
    """
    if not has("profiles", "adjusted_profile"):
        return None
    from drugtrends.profiles import adjusted_profile

    r = adjusted_profile(des, outcome, list(PROFILE_VARS), reference_rows=True)
    names = {k: (v[1] if lang == "fr" else v[0]) for k, v in PROFILE_VARS.items()}
    ref = say(" (ref.)", " (réf.)", lang)
    r["label"] = [f"{names.get(c, c)}: {lv}" + (ref if is_ref else "")
                  for c, lv, is_ref in zip(r["covariate"], r["level"], r["reference"])]
    return r
