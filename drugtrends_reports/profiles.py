"""Analysis steps of the *Consumer profiles* report.

* NHANES 2009-2012: who reports ever using hard drugs (cocaine, heroin or
  methamphetamine) or regular marijuana use, by survey cycle, survey-weighted
  with the complex design (:class:`drugtrends.survey.SurveyDesign`);
* UCI drug consumption: personality scores of past-year users and non-users
  (convenience sample, unweighted);
* TEDS-A: who is admitted to treatment for crack/cocaine, heroin and
  methamphetamine (employment, living arrangement, education, referral,
  route, prior treatment), when the file is present.

Statistics come from the library (:mod:`drugtrends.profiles`,
:mod:`drugtrends.admissions`, the survey engine); this module only chooses the
domains and the variables, and hands tidy results to plots and tables.
"""

from __future__ import annotations

import pandas as pd

from drugtrends_reports.common import pct, say
from drugtrends import style

__all__ = [
    "NHANES_SOURCE", "UCI_SOURCE", "TEDS_SOURCE", "OUTCOMES", "PROFILE_VARS", "CYCLES",
    "nhanes_frame", "nhanes_design", "prevalence_by_cycle", "user_profile", "age_range",
    "prevalence_sentence", "shift_frame", "uci_traits", "adjusted_ors", "TEDS_CHARACTERISTICS",
    "TEDS_COLUMNS", "LEVEL_LABELS", "level_label", "display_levels", "teds_admissions_profile", "teds_profile_table", "bilingual", "trait_labels",
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
#: Display labels of characteristic levels that differ by language: (variable, level) -> (English, French).
LEVEL_LABELS = {("Gender", "female"): ("female", "femmes"), ("Gender", "male"): ("male", "hommes")}
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
    """The NHANES design with the NCHS reliability rule: :func:`drugtrends.profiles.nhanes_design`.

    Weight ``wt``, strata ``SDMVSTRA``, PSUs ``SDMVPSU`` (nested), NCHS presentation standard.

    Parameters
    ----------
    a
        Output of :func:`nhanes_frame`.

    Returns
    -------
    drugtrends.survey.SurveyDesign

    Examples
    --------
    >>> f = pd.DataFrame({"wt": [1.0] * 4, "SDMVSTRA": [1, 1, 2, 2], "SDMVPSU": [1, 2, 1, 2]})
    >>> nhanes_design(f).df
    2
    """
    from drugtrends.profiles import nhanes_design as _design

    return _design(a, reliability="nchs")


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

    :func:`drugtrends.profiles.profile_table` on the users' column only, with
    Korn-Graubard intervals on the domain's degrees of freedom and the NCHS
    rule. Users are a domain of the full design, so variances use every PSU.

    Parameters
    ----------
    des
        From :func:`nhanes_design`.
    outcome
        ``"hd"`` or ``"regmj_all"``.

    Returns
    -------
    pandas.DataFrame
        ``profile_table`` columns: ``cycle``, ``characteristic``, ``level``,
        ``estimate`` (column share among users), ``ci_low``, ``ci_high``,
        ``n`` (users in the cell), ``n_total`` (users with the characteristic
        known), ``suppressed``, ``flags``...
    """
    import warnings

    from drugtrends.profiles import profile_table

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no respondent.*")
        return profile_table(des, outcome, list(PROFILE_VARS), by="cycle", group_values=[1],
                             labels={1: "users"}, include_all=False, ci="korn_graubard", df="domain")


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


def shift_frame(des, outcome: str, variables: list[str], lang: str = "en") -> pd.DataFrame:
    """Shares among users in the two cycles, one row per characteristic level, for a dumbbell.

    From :func:`drugtrends.profiles.profile_shift` (design-based change between
    cycles); levels suppressed in either cycle are left out (both ends must be shown).

    Parameters
    ----------
    des
        From :func:`nhanes_design`.
    outcome
        ``"hd"`` or ``"regmj_all"``.
    variables
        Characteristics shown.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``2009-2010``, ``2011-2012``, ``difference``, ``p_value``.
    """
    from drugtrends.profiles import profile_shift

    a, b = CYCLES.values()
    s = profile_shift(des, outcome, list(variables), period="cycle", periods=(a, b), ci="korn_graubard",
                      df="domain")
    s = s[~(s["suppressed_from"].astype(bool) | s["suppressed_to"].astype(bool))].dropna(subset=["difference"])
    names = bilingual(PROFILE_VARS, lang)
    sep = say(": ", " : ", lang)
    return pd.DataFrame({
        "label": [f"{names.get(v, v)}{sep}{level_label(v, lv, lang)}" for v, lv in zip(s["characteristic"], s["level"])],
        a: s["estimate_from"].to_numpy(), b: s["estimate_to"].to_numpy(),
        "difference": s["difference"].to_numpy(), "p_value": s["p_value"].to_numpy()})


#: UCI personality columns -> (English, French) label.
TRAITS = {
    "Nscore": ("Neuroticism", "Névrosisme"), "Escore": ("Extraversion", "Extraversion"),
    "Oscore": ("Openness", "Ouverture"), "Ascore": ("Agreeableness", "Agréabilité"),
    "Cscore": ("Conscientiousness", "Conscienciosité"), "Impulsiveness": ("Impulsiveness", "Impulsivité"),
    "SensationSeeking": ("Sensation seeking", "Recherche de sensations"),
}


def uci_traits(uci: pd.DataFrame, substance: str = "Coke", recency: str = "year") -> pd.DataFrame:
    """Mean personality scores of users and non-users (unweighted): :func:`drugtrends.profiles.uci_profiles`.

    Parameters
    ----------
    uci
        ``drugtrends.datasets.load("uci_drug_consumption")``.
    substance
        UCI usage item (``"Coke"``: cocaine).
    recency
        ``"year"``: used in the last year (the flag ``coke_year``).

    Returns
    -------
    pandas.DataFrame
        ``user`` ("Users"/"Non-users"), ``variable`` (score), ``estimate``,
        ``ci_low``, ``ci_high``, ``n``, ``weighting``. Scores are standardised
        by the dataset's authors (mean 0, SD 1 over all respondents).
    """
    from drugtrends.profiles import uci_profiles

    t = uci_profiles(uci, [substance], recency=recency, characteristics=[], continuous=list(TRAITS))
    t = t[(t["level"] == "mean") & (t["group_value"] != "all")]
    return pd.DataFrame({
        "user": t["group_value"].map({"users": "Users", "non-users": "Non-users"}).to_numpy(),
        "variable": t["characteristic"].to_numpy(), "estimate": t["estimate"].to_numpy(),
        "ci_low": t["ci_low"].to_numpy(), "ci_high": t["ci_high"].to_numpy(), "n": t["n"].to_numpy(),
        "weighting": t["weighting"].to_numpy()})



def level_label(variable: str, level: str, lang: str = "en") -> str:
    """Display label of one level of a profile characteristic (:data:`LEVEL_LABELS`, else as coded).

    Examples
    --------
    >>> level_label("Gender", "female", "fr"), level_label("Race1", "White", "fr")
    ('femmes', 'White')
    """
    pair = LEVEL_LABELS.get((variable, str(level)))
    return str(level) if pair is None else pair[1 if lang == "fr" else 0]


def display_levels(profile: pd.DataFrame, lang: str = "en", variable: str = "characteristic") -> pd.DataFrame:
    """Copy of a profile with its ``level`` column in display labels (:func:`level_label`).

    Examples
    --------
    >>> d = pd.DataFrame({"characteristic": ["Gender"], "level": ["male"]})
    >>> display_levels(d, "fr")["level"].tolist()
    ['hommes']
    """
    return profile.assign(level=[level_label(v, lv, lang) for v, lv in zip(profile[variable], profile["level"])])


def bilingual(labels: dict[str, tuple[str, str]], lang: str = "en") -> dict[str, str]:
    """Pick the ``lang`` label of a ``key -> (English, French)`` mapping.

    Parameters
    ----------
    labels
        E.g. :data:`PROFILE_VARS`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict

    Examples
    --------
    >>> bilingual(PROFILE_VARS, "fr")["age_band"]
    "Tranche d'âge"
    """
    style.check_lang(lang)
    return {k: v[1] if lang == "fr" else v[0] for k, v in labels.items()}


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
    return bilingual(TRAITS, lang)


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
    from drugtrends.profiles import adjusted_profile

    r = adjusted_profile(des, outcome, list(PROFILE_VARS), reference_rows=True)
    names = bilingual(PROFILE_VARS, lang)
    ref = say(" (ref.)", " (réf.)", lang)
    sep = say(": ", " : ", lang)
    r["label"] = [f"{names.get(c, c)}{sep}{level_label(c, lv, lang)}" + (ref if is_ref else "")
                  for c, lv, is_ref in zip(r["covariate"], r["level"], r["reference"])]
    return r


# --------------------------------------------------------------------------- TEDS-A admissions

#: TEDS-A characteristics of the admissions profile: variable -> (English, French) label.
TEDS_CHARACTERISTICS = {
    "EMPLOY": ("Employment", "Emploi"),
    "LIVARAG": ("Living arrangement", "Logement"),
    "EDUC": ("Education", "Niveau d'études"),
    "PSOURCE": ("Referral source", "Origine de l'orientation"),
    "ROUTE1": ("Route of administration", "Voie d'administration"),
    "NOPRIOR": ("Prior treatment episodes", "Épisodes de traitement antérieurs"),
}
#: Columns read from the TEDS-A file for the profile.
TEDS_COLUMNS = ["ADMYR", "SUB1", *TEDS_CHARACTERISTICS]


def teds_admissions_profile(teds: pd.DataFrame, codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who is admitted for crack/cocaine, heroin and methamphetamine, by year (TEDS-A).

    Calls :func:`drugtrends.admissions.admissions_profile` with its primary
    substance groups (crack = cocaine smoked, other cocaine, heroin,
    methamphetamine) over :data:`TEDS_CHARACTERISTICS`. Shares are of
    admissions with a known value (a census of admissions: no sampling error).

    Parameters
    ----------
    teds
        TEDS-A integer codes (``datasets.load("teds_a", year=..., columns=TEDS_COLUMNS,
        labels=False)``), -9 or NA for missing.
    codebook
        ``datasets.load("teds_codebook")`` for the value labels (codes shown otherwise).

    Returns
    -------
    pandas.DataFrame
        Columns of ``admissions_profile``: ``ADMYR``, ``substance_group``,
        ``characteristic``, ``code``, ``label``, ``n``, ``n_valid``,
        ``n_missing``, ``estimate``...

    Examples
    --------
    >>> t = pd.DataFrame({"ADMYR": [2021] * 4, "SUB1": [5, 5, 10, 3], "ROUTE1": [4, 4, 2, 2],
    ...                   "EMPLOY": [1, 4, 4, -9], "LIVARAG": [1, 2, 3, 3], "EDUC": [1, 2, 3, 4],
    ...                   "PSOURCE": [1, 1, 2, 3], "NOPRIOR": [0, 1, 2, 3]})
    >>> r = teds_admissions_profile(t)
    >>> r[(r.characteristic == "EMPLOY") & (r.substance_group == "Heroin")][["code", "estimate"]].values.tolist()
    [[1, 0.5], [4, 0.5]]
    """
    from drugtrends.admissions import PRIMARY_SUBSTANCE_GROUPS, admissions_profile

    t = teds.copy()
    for c in TEDS_COLUMNS:
        if c in t.columns:
            t[c] = pd.to_numeric(t[c], errors="coerce").astype("Int64")
    return admissions_profile(t, by=["ADMYR", "substance_group"], characteristics=list(TEDS_CHARACTERISTICS),
                              codebook=codebook, groups=PRIMARY_SUBSTANCE_GROUPS)


def teds_profile_table(profile: pd.DataFrame, lang: str = "en", top: int = 4, width: int = 40) -> pd.DataFrame:
    """Wide display table: one row per characteristic level, one column per substance group (% of admissions).

    Only the ``top`` most frequent levels of each characteristic (over all
    groups) are shown, for the latest year; long codebook labels are cut at
    ``width`` characters. The number of admissions of each group is in
    ``DataFrame.attrs["n"]`` (for a table note).

    Parameters
    ----------
    profile
        Output of :func:`teds_admissions_profile`.
    lang
        ``"en"`` or ``"fr"``.
    top
        Levels shown per characteristic.
    width
        Longest level label shown.

    Returns
    -------
    pandas.DataFrame
        ``characteristic``, ``level``, then one column of shares (percent) per group.

    Examples
    --------
    >>> t = pd.DataFrame({"ADMYR": [2021] * 3, "SUB1": [5, 5, 10], "ROUTE1": [4, 4, 2],
    ...                   "EMPLOY": [1, 4, 4], "LIVARAG": [1, 2, 3], "EDUC": [1, 2, 3],
    ...                   "PSOURCE": [1, 1, 2], "NOPRIOR": [0, 1, 2]})
    >>> w = teds_profile_table(teds_admissions_profile(t), top=1)
    >>> w.columns.tolist(), w.attrs["n"]
    (['characteristic', 'level', 'Heroin', 'Methamphetamine'], {'Heroin': 2, 'Methamphetamine': 1})
    >>> w.iloc[0, :2].tolist(), w.iloc[0, 2:].astype(float).tolist()
    (['Employment', '4'], [50.0, 100.0])
    """
    year = profile["ADMYR"].max()
    p = profile[profile["ADMYR"] == year].copy()
    lab = p["label"].astype(object).where(p["label"].notna(), p["code"].astype(str))
    p["level"] = [x if len(x) <= width else x[: width - 1].rstrip(" ,") + "…" for x in map(str, lab)]
    keep = (p.groupby(["characteristic", "level"])["n"].sum().reset_index()
            .sort_values(["characteristic", "n"], ascending=[True, False], kind="stable")
            .groupby("characteristic").head(top))
    p = p.merge(keep[["characteristic", "level"]], on=["characteristic", "level"])
    n = {str(g): int(v) for g, v in p.groupby("substance_group")["n_total"].max().items()}
    # a level absent from a group that has known values is 0 admissions: a 0% share
    w = p.pivot_table(index=["characteristic", "level"], columns="substance_group", values="estimate",
                      sort=False).fillna(0.0) * 100
    w = w.reset_index()
    w.columns.name = None
    order = {k: i for i, k in enumerate(TEDS_CHARACTERISTICS)}
    w = w.assign(_o=w["characteristic"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    w["characteristic"] = w["characteristic"].map(bilingual(TEDS_CHARACTERISTICS, lang))
    w = w.reset_index(drop=True)
    w.attrs["n"] = n
    return w
