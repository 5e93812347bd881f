"""Teaching annex of the *Consumer profiles* report: NHANES 2009-2012 and the UCI survey.

Kept for teaching, with their limits said on the page: NHANES 2009-2012 is
more than ten years old and asked about drugs at ages 18-69 (marijuana 18-59);
the UCI drug consumption survey is an online convenience sample (unweighted).
Neither enters the report's key issues.

* NHANES: who reports ever using cocaine, heroin or methamphetamine (asked at
  18-69) or regular marijuana use (asked at 18-59), by survey cycle,
  survey-weighted with the complex design; profiles of users, their shift
  between cycles and adjusted odds ratios (used by the tests and tutorials);
* UCI: age and sex of past-year crack, ketamine and cocaine users.
"""

from __future__ import annotations

import warnings

import pandas as pd

from drugtrends import i18n, tables
from drugtrends_reports import common

__all__ = [
    "CYCLES", "OUTCOMES", "LEVEL_VARS", "UCI_SUBSTANCES", "TRAITS", "nhanes_frame", "age_column", "age_range",
    "nhanes_design", "prevalence_by_cycle", "cycle_change", "user_profile", "label_levels", "display_profile",
    "shift_frame", "shift_sentence", "adjusted_ors", "or_sentence", "prevalence_sentence", "nhanes_results",
    "uci_users", "uci_traits", "annex_section",
]

#: NHANES cycles: code -> label.
CYCLES = {"2009_10": "2009-2010", "2011_12": "2011-2012"}
#: Outcomes shown (analysis variables); their texts are ``profiles.<key>.<name>``.
OUTCOMES = ("hd", "regmj_all")
#: Profile characteristics -> ``levels:`` sub-section (labels and display order).
LEVEL_VARS = {"sex": "sex", "age_band": "age_band", "age_band_full": "age_band", "Race1": "race",
              "Education": "education"}
#: UCI usage items profiled (past-year users).
UCI_SUBSTANCES = ("Crack", "Ketamine", "Coke")
#: UCI personality scores (labels: ``profiles.trait.<name>``).
TRAITS = ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking")


# --------------------------------------------------------------------------- NHANES


def nhanes_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """NHANES analysis variables with a cycle label and ordered categories.

    Parameters
    ----------
    frame
        ``drugtrends.datasets.analysis_frame("nhanes_2009_2012")``.

    Returns
    -------
    pandas.DataFrame
        A copy plus ``cycle``, ``regmj_all`` (regular marijuana use among all
        respondents asked about marijuana: never-users, who are not asked
        RegularMarij, count as 0) and the profile characteristics as
        categoricals in display order.
    """
    a = frame.copy()
    a["cycle"] = a["SurveyYr"].astype(str).map(CYCLES)
    a["regmj_all"] = a["regmj"].where(a["mj"] != 0, 0.0).where(a["mj"].notna())
    for col, var in LEVEL_VARS.items():
        if col in a.columns:
            vals = a[col].astype("string").astype(object).where(a[col].notna())
            order = i18n.level_order(var, vals.dropna().unique())
            a[col] = pd.Categorical(vals, categories=order)
    return a


def age_column(a: pd.DataFrame, outcome: str) -> str:
    """The age-band column covering every age the outcome was asked at, and no other.

    ``age_band_full`` (18-29 ... 60-69) when the outcome was asked beyond 59,
    else ``age_band`` (18-29 ... 50-59): an empty 60-69 band would read as
    "no user aged 60-69" where nobody of that age was asked.

    Examples
    --------
    >>> f = pd.DataFrame({"Age": [20, 65], "hd": [1.0, 0.0], "mj": [1.0, None], "age_band": ["18-29", None],
    ...                   "age_band_full": ["18-29", "60-69"]})
    >>> age_column(f, "hd"), age_column(f, "mj")
    ('age_band_full', 'age_band')
    """
    if "age_band_full" in a.columns and age_range(a, outcome)[1] >= 60:
        return "age_band_full"
    return "age_band"


def age_range(a: pd.DataFrame, outcome: str, extra: tuple[str, ...] = ()) -> tuple[int, int]:
    """Youngest and oldest respondents with the outcome (and ``extra`` columns) known.

    Examples
    --------
    >>> age_range(pd.DataFrame({"Age": [17, 18, 59, 70], "hd": [None, 1.0, 0.0, None]}), "hd")
    (18, 59)
    """
    ok = a[outcome].notna()
    for c in extra:
        ok &= a[c].notna()
    ages = a.loc[ok, "Age"].astype(float)
    return int(ages.min()), int(ages.max())


def nhanes_design(a: pd.DataFrame):
    """The NHANES design the dataset declares (``datasets.design_spec``), with the NCHS reliability rule.

    Examples
    --------
    >>> f = pd.DataFrame({"wt": [1.0] * 4, "SDMVSTRA": [1, 1, 2, 2], "SDMVPSU": [1, 2, 1, 2]})
    >>> nhanes_design(f).df
    2
    """
    from drugtrends import datasets
    from drugtrends.survey import SurveyDesign

    return SurveyDesign.from_spec(a, datasets.design_spec("nhanes_2009_2012"), reliability="nchs")


def prevalence_by_cycle(des, outcome: str) -> pd.DataFrame:
    """Weighted prevalence of an outcome by cycle, overall (``group`` "total") and by sex.

    Returns
    -------
    pandas.DataFrame
        Survey result with ``cycle`` and ``group`` (``total``, ``male``, ``female``).
    """
    tot = des.mean(outcome, by="cycle", ci="korn_graubard").assign(group="total")
    sex = des.mean(outcome, by=["cycle", "sex"], ci="korn_graubard").rename(columns={"sex": "group"})
    out = pd.concat([tot, sex.assign(group=sex["group"].astype(str).str.lower())], ignore_index=True)
    order = {"total": 0, "male": 1, "female": 2}
    return (out.assign(_o=out["group"].map(order)).sort_values(["cycle", "_o"]).drop(columns="_o")
            .reset_index(drop=True))


def cycle_change(des, outcome: str) -> pd.Series:
    """Design-based difference between the two cycles (later minus earlier), with its p-value.

    Returns
    -------
    pandas.Series
        ``estimate_from``, ``estimate_to``, ``estimate`` (difference), ``p``, ...
    """
    a, b = CYCLES.values()
    return des.difference(outcome, between="cycle", levels=(a, b)).iloc[0]


def user_profile(des, outcome: str, variables: list[str]) -> pd.DataFrame:
    """Distribution of each characteristic among users (outcome == 1), by cycle (column shares).

    Korn-Graubard intervals on the domain's degrees of freedom, NCHS rule;
    users are a domain of the full design.
    """
    from drugtrends.profiles import profile_table

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no respondent.*")
        return profile_table(des, outcome, list(variables), by="cycle", group_values=[1], labels={1: "users"},
                             include_all=False, ci="korn_graubard", df="domain")


def label_levels(frame: pd.DataFrame, lang: str, variable: str = "characteristic",
                 level: str = "level") -> pd.DataFrame:
    """Catalogue labels for characteristics and levels, rows in display order (never a raw category).

    Examples
    --------
    >>> d = pd.DataFrame({"characteristic": ["Education", "Education"], "level": ["College Grad", "8th Grade"]})
    >>> label_levels(d, "fr")[["characteristic", "level"]].values.tolist()
    [["Niveau d'études", "Moins de 9 années d'études"], ["Niveau d'études", 'Diplôme universitaire']]
    """
    var_order = {v: i for i, v in enumerate(LEVEL_VARS)}
    out = frame.copy()
    out["_v"] = out[variable].map(var_order)
    out["_l"] = [list(i18n.levels(LEVEL_VARS[v])).index(i18n.slug(lv))
                 if i18n.slug(lv) in i18n.levels(LEVEL_VARS[v]) else 99
                 for v, lv in zip(out[variable], out[level])]
    out = out.sort_values(["_v", "_l"], kind="stable").drop(columns=["_v", "_l"])
    out[level] = [i18n.level(LEVEL_VARS[v], lv, lang) for v, lv in zip(out[variable], out[level])]
    out[variable] = [i18n.t(f"profiles.var.{v}", lang) for v in out[variable]]
    return out.reset_index(drop=True)


def display_profile(profile: pd.DataFrame, lang: str):
    """Labelled, ordered profile (:func:`user_profile`), as ``profile_table_gt`` input."""
    return label_levels(profile, lang)


def shift_frame(des, outcome: str, variables: list[str], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares among users in the two cycles (:func:`drugtrends.profiles.profile_shift`).

    Returns
    -------
    (DataFrame, DataFrame)
        The labelled dumbbell frame (``label``, one column per cycle) without
        levels suppressed in either cycle, and the raw shift rows.
    """
    from drugtrends.profiles import profile_shift

    a, b = CYCLES.values()
    s = profile_shift(des, outcome, list(variables), period="cycle", periods=(a, b), ci="korn_graubard",
                      df="domain")
    keep = s[~(s["suppressed_from"].astype(bool) | s["suppressed_to"].astype(bool))].dropna(subset=["difference"])
    lab = label_levels(keep, lang)
    sep = i18n.t("common.colon", lang)
    return pd.DataFrame({"label": [f"{v}{sep}{lv}" for v, lv in zip(lab["characteristic"], lab["level"])],
                         a: lab["estimate_from"].to_numpy(), b: lab["estimate_to"].to_numpy()}), s


def shift_sentence(shift: pd.DataFrame, age_col: str, lang: str) -> str:
    """Comment on the users' age profile between cycles: its direction and the significant changes.

    The direction (toward older or younger age groups) is the sign of the
    change in the mean band position, sum of (difference x band rank), from
    the design-based differences of :func:`drugtrends.profiles.profile_shift`;
    the changes significant at 5 % are listed with their p-values.

    Parameters
    ----------
    shift
        Raw rows of :func:`shift_frame` (``profile_shift`` output).
    age_col
        The age-band characteristic.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    s = shift[(shift["characteristic"] == age_col) & ~shift["suppressed_from"].astype(bool)
              & ~shift["suppressed_to"].astype(bool)].dropna(subset=["difference"])
    if s.empty:
        return ""
    a, b = CYCLES.values()
    rank = {lv: i for i, lv in enumerate(i18n.levels("age_band"))}
    score = sum(d * rank.get(i18n.slug(lv), 0) for d, lv in zip(s["difference"], s["level"]))
    sig = s[s["p_value"] < 0.05]
    if sig.empty:
        return i18n.t("profiles.shift_none", lang, start=a, end=b)
    parts = [i18n.t("profiles.shift_part_up" if r["difference"] > 0 else "profiles.shift_part_down", lang,
                    band=i18n.level("age_band", r["level"], lang),
                    from_=i18n.fmt_percent(r["estimate_from"], 1, lang, scale=100),
                    to=i18n.fmt_percent(r["estimate_to"], 1, lang, scale=100), p=i18n.fmt_number(r["p_value"], 3, lang))
             for _, r in sig.iterrows()]
    key = "profiles.shift_older" if score > 0 else "profiles.shift_younger"
    return i18n.t(key, lang, start=a, end=b, changes=i18n.join_words(parts, lang))


def adjusted_ors(des, outcome: str, variables: list[str], lang: str) -> pd.DataFrame:
    """Survey-weighted adjusted odds ratios (:func:`drugtrends.profiles.adjusted_profile`), labelled.

    Returns
    -------
    pandas.DataFrame
        ``adjusted_profile`` columns plus ``label`` ("Sex: Men"; reference levels marked "(ref.)").
    """
    from drugtrends.profiles import adjusted_profile

    r = adjusted_profile(des, outcome, list(variables), reference_rows=True)
    lab = label_levels(r.rename(columns={"covariate": "characteristic"}), lang)
    sep, ref = i18n.t("common.colon", lang), i18n.t("profiles.ref", lang)
    lab["label"] = [f"{c}{sep}{lv}" + (f" {ref}" if is_ref else "")
                    for c, lv, is_ref in zip(lab["characteristic"], lab["level"], lab["reference"])]
    return lab


def or_sentence(ors: pd.DataFrame, a: pd.DataFrame, outcome: str, variables: list[str], lang: str) -> str:
    """The OR model's population: complete cases, their age range and n (stated, never implied)."""
    lo, hi = age_range(a, outcome, tuple(variables))
    return i18n.t("profiles.or_model", lang, n=i18n.fmt_number(int(ors["n"].iloc[0]), lang=lang),
                  ages=i18n.t("common.age_range", lang, lo=lo, hi=hi))


def prevalence_sentence(prev: pd.DataFrame, outcome: str, lang: str, ages: tuple[int, int]) -> str:
    """Sentence with the weighted prevalence of each cycle and its 95% CI.

    Examples
    --------
    >>> p = pd.DataFrame({"cycle": ["2009-2010", "2011-2012"], "group": ["total"] * 2,
    ...                   "estimate": [0.15, 0.16], "ci_low": [0.13, 0.14], "ci_high": [0.17, 0.18],
    ...                   "suppressed": [False, False]})
    >>> s = prevalence_sentence(p, "hd", "en", (18, 69))
    >>> s.startswith("Among adults aged 18-69 (weighted), 15.0% (95% CI 13.0–17.0) ever used cocaine, heroin")
    True
    >>> s.endswith("in 2009-2010 and 16.0% (95% CI 14.0–18.0) in 2011-2012.")
    True
    """
    t = prev[prev["group"] == "total"].sort_values("cycle")
    vals = [i18n.t("profiles.suppressed_value", lang) if r.suppressed else
            i18n.fmt_estimate(r.estimate, r.ci_low, r.ci_high, 1, lang, scale=100) for r in t.itertuples()]
    return i18n.t(f"profiles.prev_sentence.{outcome}", lang, ages=i18n.t("common.age_range", lang, lo=ages[0],
                                                                         hi=ages[1]), first=vals[0],
                  last=vals[-1], start=t["cycle"].iloc[0], end=t["cycle"].iloc[-1])


# --------------------------------------------------------------------------- UCI


def _uci_profiles(uci: pd.DataFrame, substances, characteristics: list, continuous: list) -> pd.DataFrame:
    """Unweighted profiles of past-year users vs non-users (:func:`drugtrends.profiles.profile_table`)."""
    from drugtrends.profiles import profile_table

    out = [profile_table(uci, f"{s.lower()}_year", characteristics, continuous=continuous, weight=None,
                         group_values=[True, False], labels={True: "users", False: "non-users"}).assign(substance=s)
           for s in substances]
    return pd.concat(out, ignore_index=True)


def uci_users(uci: pd.DataFrame, substances=UCI_SUBSTANCES) -> pd.DataFrame:
    """Age and sex of past-year users of each substance, and of all respondents (unweighted shares).

    :func:`drugtrends.profiles.profile_table` without weights (Wilson intervals); ``substance``
    is ``"all"`` for all respondents.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no respondent.*")
        t = _uci_profiles(uci, substances, ["Age", "sex"], [])
    users = t[t["group_value"] == "users"]
    everyone = t[(t["group_value"] == "all") & (t["substance"] == substances[0])].assign(substance="all")
    return pd.concat([users, everyone], ignore_index=True)


def uci_traits(uci: pd.DataFrame, substances=UCI_SUBSTANCES) -> pd.DataFrame:
    """Mean personality scores of past-year users of each substance (unweighted; 0 = all respondents)."""
    t = _uci_profiles(uci, substances, [], list(TRAITS))
    # all respondents are the reference: their standardised mean is 0 by construction, not drawn
    return t[(t["level"] == "mean") & (t["group_value"] == "users")].reset_index(drop=True)


def nhanes_results(frame: pd.DataFrame) -> dict:
    """Prevalence by cycle and sex of each outcome, with the ages asked (the annex's numbers).

    Parameters
    ----------
    frame
        ``drugtrends.datasets.analysis_frame("nhanes_2009_2012")``.

    Returns
    -------
    dict
        ``outcome -> {"prev": DataFrame, "ages": (lo, hi)}``.
    """
    a = nhanes_frame(frame)
    des = nhanes_design(a)
    return {o: {"prev": prevalence_by_cycle(des, o), "ages": age_range(a, o)} for o in OUTCOMES}


def _nhanes_items(results: dict, lang: str) -> list:
    items: list = [common.heading(3, "profiles.annex.h_nhanes", lang), i18n.t("profiles.nhanes_method", lang)]
    src = common.source("nhanes", lang)
    for outcome, r in results.items():
        prev = r["prev"].assign(group=[i18n.level("sex_total", g, lang) for g in r["prev"]["group"]])
        lo, hi = r["ages"]
        note = (i18n.t(f"profiles.ages_note.{outcome}", lang, ages=i18n.t("common.age_range", lang, lo=lo, hi=hi))
                if outcome == "regmj_all" else "")  # the hard-drug note speaks of profile tables no longer shown
        items += [prevalence_sentence(r["prev"], outcome, lang, r["ages"]), note,
                  tables.estimate_table(prev, "group", group="cycle", source=src, lang=lang,
                                        title=i18n.t(f"profiles.t_prev.{outcome}", lang),
                                        column_labels={"group": i18n.t("tables.group", lang),
                                                       "cycle": i18n.t("profiles.cycle", lang)})]
    return items


def _uci_items(uci: pd.DataFrame, lang: str) -> list:
    u = uci_users(uci)
    n = u.groupby("substance")["n_total"].first()
    items: list = [common.heading(3, "profiles.annex.h_uci", lang), i18n.t(
        "profiles.uci_intro", lang, n=i18n.fmt_number(n["all"], lang=lang), crack=i18n.fmt_number(n["Crack"], lang=lang),
        ketamine=i18n.fmt_number(n["Ketamine"], lang=lang), cocaine=i18n.fmt_number(n["Coke"], lang=lang))]
    names = {s: i18n.t(f"profiles.uci_group.{s.lower()}", lang) for s in [*UCI_SUBSTANCES, "all"]}
    prof = u.assign(column=u["substance"].map(names),
                    level=[i18n.level("uci_age" if c == "Age" else "sex", lv, lang)
                           for c, lv in zip(u["characteristic"], u["level"])],
                    characteristic=[i18n.t(f"profiles.var.uci_{c.lower()}", lang) for c in u["characteristic"]])
    items.append(tables.profile_table_gt(
        prof, columns="column", source=common.source("uci", lang), lang=lang, variable="characteristic",
        rule="nchs", title=i18n.t("profiles.t_uci", lang), column_n={names[k]: int(v) for k, v in n.items()},
        notes=[i18n.t("profiles.uci_note", lang)]))
    return items


def annex_section(nhanes: dict | None, uci: pd.DataFrame | None, lang: str) -> list:
    """Items of the teaching annex (nothing for a source that is not here: the data-years table says so)."""
    if nhanes is None and uci is None:
        return []
    items: list = [common.heading(2, "profiles.annex.heading", lang), i18n.t("profiles.annex.intro", lang)]
    if nhanes is not None:
        items += _nhanes_items(nhanes, lang)
    if uci is not None:
        items += _uci_items(uci, lang)
    return items
