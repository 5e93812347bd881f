"""Analysis steps of the *Consumer profiles* report.

* NHANES 2009-2012: who reports ever using hard drugs (cocaine, heroin or
  methamphetamine; asked at ages 18-69) or regular marijuana use (asked at
  18-59), by survey cycle, survey-weighted with the complex design; how the
  users' profile shifted between cycles; adjusted odds ratios (complete cases);
* UCI drug consumption: past-year crack, ketamine and cocaine users (an
  online convenience sample, unweighted): age, sex and personality scores;
* TEDS-A: who is admitted to treatment for crack/cocaine, heroin and
  methamphetamine, when the file is present.

Statistics come from the library (:mod:`drugtrends.profiles`, the survey
engine, :mod:`drugtrends.admissions`); this module chooses domains and
variables, labels and orders categories from the message catalogue
(``levels:``), and returns report items (Markdown strings, figures, tables)
that :func:`drugtrends_reports.common.show` displays in order.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from drugtrends import i18n, plots, style, tables
from drugtrends.keyfigures import KeyFigure
from drugtrends_reports import common

__all__ = [
    "CYCLES", "OUTCOMES", "LEVEL_VARS", "UCI_SUBSTANCES", "TRAITS", "TEDS_CHARACTERISTICS", "TEDS_COLUMNS",
    "Context", "build", "nhanes_frame", "age_column", "age_range", "nhanes_design", "prevalence_by_cycle",
    "cycle_change", "user_profile", "label_levels", "display_profile", "shift_frame", "shift_sentence",
    "adjusted_ors", "or_sentence", "prevalence_sentence", "key_figures", "nhanes_section", "uci_users",
    "uci_traits", "uci_section", "teds_admissions_profile", "teds_profile_table", "teds_section",
]

#: NHANES cycles: code -> label.
CYCLES = {"2009_10": "2009-2010", "2011_12": "2011-2012"}
#: Outcomes profiled (analysis variables); their texts are ``profiles.outcome.<name>``.
OUTCOMES = ("hd", "regmj_all")
#: Profile characteristics -> ``levels:`` sub-section (labels and display order).
LEVEL_VARS = {"Gender": "sex", "age_band": "age_band", "age_band_full": "age_band", "Race1": "race",
              "Education": "education"}
#: UCI usage items profiled (past-year users).
UCI_SUBSTANCES = ("Crack", "Ketamine", "Coke")
#: UCI personality scores (labels: ``profiles.trait.<name>``).
TRAITS = ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking")
#: TEDS-A characteristics of the admissions profile (labels: ``profiles.teds.<name>``).
TEDS_CHARACTERISTICS = ("EMPLOY", "LIVARAG", "EDUC", "PSOURCE", "ROUTE1", "NOPRIOR")
#: Columns read from the TEDS-A file for the profile.
TEDS_COLUMNS = ["ADMYR", "SUB1", *TEDS_CHARACTERISTICS]


@dataclass
class Context:
    """Everything the report shows, computed once (``None`` where a dataset is missing)."""

    lang: str
    nhanes: pd.DataFrame | None = None
    nhanes_msg: str = ""
    design: Any = None
    results: dict = field(default_factory=dict)
    uci: pd.DataFrame | None = None
    uci_msg: str = ""
    teds_year: int = 2023


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
    sex = des.mean(outcome, by=["cycle", "Gender"], ci="korn_graubard").rename(columns={"Gender": "group"})
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
    >>> prevalence_sentence(p, "hd", "en", (18, 69))
    'Among adults aged 18-69 (weighted), 15.0% (95% CI 13.0–17.0) ever used cocaine, heroin or methamphetamine in 2009-2010 and 16.0% (95% CI 14.0–18.0) in 2011-2012.'
    """
    t = prev[prev["group"] == "total"].sort_values("cycle")
    vals = [i18n.t("profiles.suppressed_value", lang) if r.suppressed else
            i18n.fmt_estimate(r.estimate, r.ci_low, r.ci_high, 1, lang, scale=100) for r in t.itertuples()]
    return i18n.t(f"profiles.prev_sentence.{outcome}", lang, ages=i18n.t("common.age_range", lang, lo=ages[0],
                                                                         hi=ages[1]), first=vals[0],
                  last=vals[-1], start=t["cycle"].iloc[0], end=t["cycle"].iloc[-1])


# --------------------------------------------------------------------------- build and sections


def build(lang: str = "en", teds_year: int = 2023) -> Context:
    """Load the data and compute every NHANES result of the report (``None`` parts when data are missing).

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.
    teds_year
        TEDS-A year of the admissions section.

    Returns
    -------
    Context
    """
    from drugtrends import datasets

    ctx = Context(lang=lang, teds_year=teds_year)
    try:
        frame = datasets.analysis_frame("nhanes_2009_2012")
    except common.MISSING_ERRORS:
        frame, ctx.nhanes_msg = None, common.missing_dataset("nhanes_2009_2012", lang)
    if frame is not None:
        a = ctx.nhanes = nhanes_frame(frame)
        ctx.design = des = nhanes_design(a)
        for outcome in OUTCOMES:
            age = age_column(a, outcome)
            variables = ["Gender", age, "Race1", "Education"]
            prev = prevalence_by_cycle(des, outcome)
            shift_plot, shift = shift_frame(des, outcome, ["Gender", age], lang)
            ctx.results[outcome] = {
                "age_col": age, "variables": variables, "prev": prev, "change": cycle_change(des, outcome),
                "ages": age_range(a, outcome), "profile": user_profile(des, outcome, variables),
                "users": a[a[outcome] == 1].groupby("cycle").size().to_dict(),
                "shift_plot": shift_plot, "shift": shift,
            }
        r = ctx.results["hd"]
        r["ors"] = adjusted_ors(des, "hd", r["variables"], lang)
    ctx.uci, ctx.uci_msg = common.try_load("uci_drug_consumption", lang=lang)
    return ctx


def key_figures(ctx: Context) -> list[KeyFigure]:
    """The report's key figures: latest prevalences with CI and change since the previous cycle.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list of KeyFigure
    """
    lang, out = ctx.lang, []
    a, b = CYCLES.values()
    for outcome, res in ctx.results.items():
        p = res["prev"]
        last = p[(p["group"] == "total") & (p["cycle"] == b)].iloc[0]
        ch = res["change"]
        out.append(KeyFigure(
            i18n.t(f"profiles.kf.{outcome}", lang), 100 * last["estimate"], low=100 * last["ci_low"],
            high=100 * last["ci_high"], year=b, population=i18n.t("profiles.kf.adults", lang, ages=i18n.t(
                "common.age_range", lang, lo=res["ages"][0], hi=res["ages"][1])),
            previous=100 * ch["estimate_from"], previous_year=a, change=100 * ch["estimate"],
            direction="up" if ch["p"] < 0.05 and ch["estimate"] > 0 else
            "down" if ch["p"] < 0.05 and ch["estimate"] < 0 else "stable",
            significant=bool(ch["p"] < 0.05)))
    if "hd" in ctx.results:
        s = ctx.results["hd"]["shift"]
        old = s[(s["characteristic"] == ctx.results["hd"]["age_col"]) & (s["level"].astype(str) == "60-69")]
        if len(old) and not (old["suppressed_from"].iloc[0] or old["suppressed_to"].iloc[0]):
            r = old.iloc[0]
            out.append(KeyFigure(
                i18n.t("profiles.kf.share_60_69", lang), 100 * r["estimate_to"], low=100 * r["ci_low_to"],
                high=100 * r["ci_high_to"], year=b, population=i18n.t("profiles.kf.hd_users", lang),
                previous=100 * r["estimate_from"], previous_year=a, change=100 * r["difference"],
                direction="up" if r["difference"] > 0 else "down", significant=bool(r["p_value"] < 0.05)))
    return out


def nhanes_section(ctx: Context) -> list:
    """Report items of the NHANES section (headings, sentences, tables, figures)."""
    lang = ctx.lang
    items: list = [common.heading(2, "profiles.h_nhanes", lang)]
    if ctx.nhanes is None:
        return items + [common.note(ctx.nhanes_msg).data]
    items.append(i18n.t("profiles.nhanes_method", lang))
    src = common.source("nhanes", lang)
    a, b = CYCLES.values()
    for outcome, r in ctx.results.items():
        lo, hi = r["ages"]
        items += [common.heading(3, f"profiles.h_{outcome}", lang),
                  prevalence_sentence(r["prev"], outcome, lang, r["ages"]),
                  i18n.t(f"profiles.ages_note.{outcome}", lang, ages=i18n.t("common.age_range", lang, lo=lo, hi=hi))]
        prev = r["prev"].assign(group=[i18n.level("sex_total", g, lang) for g in r["prev"]["group"]])
        items.append(tables.estimate_table(
            prev, "group", group="cycle", source=src, lang=lang, title=i18n.t(f"profiles.t_prev.{outcome}", lang),
            column_labels={"group": i18n.t("tables.group", lang), "cycle": i18n.t("profiles.cycle", lang)}))
        items.append(tables.profile_table_gt(
            display_profile(r["profile"], lang), columns="cycle", source=src, lang=lang,
            title=i18n.t(f"profiles.t_profile.{outcome}", lang), variable="characteristic", column_n=r["users"],
            notes=[i18n.t("profiles.profile_note", lang)]))
        items.append(plots.dumbbell(
            r["shift_plot"], "label", a, b, start_label=a, end_label=b, scale=100, lang=lang, source=src,
            title=i18n.t(f"profiles.f_shift.{outcome}", lang), xlabel=i18n.t("profiles.share_users", lang)))
        items.append(shift_sentence(r["shift"], r["age_col"], lang))
        if outcome == "hd":
            ors = r["ors"]
            items += [or_sentence(ors, ctx.nhanes, outcome, r["variables"], lang),
                      plots.forest(ors, "label", "odds_ratio", "or_ci_low", "or_ci_high", lang=lang, source=src,
                                   title=i18n.t("profiles.f_or", lang))]
    return items


def _uci_profiles(uci: pd.DataFrame, substances, characteristics: list, continuous: list) -> pd.DataFrame:
    """Unweighted profiles of past-year users vs non-users (:func:`drugtrends.profiles.profile_table`)."""
    from drugtrends.profiles import profile_table

    out = [profile_table(uci, f"{s.lower()}_year", characteristics, continuous=continuous, weights=None,
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
        t = _uci_profiles(uci, substances, ["Age", "Gender"], [])
    users = t[t["group_value"] == "users"]
    everyone = t[(t["group_value"] == "all") & (t["substance"] == substances[0])].assign(substance="all")
    return pd.concat([users, everyone], ignore_index=True)


def uci_traits(uci: pd.DataFrame, substances=UCI_SUBSTANCES) -> pd.DataFrame:
    """Mean personality scores of past-year users of each substance (unweighted; 0 = all respondents)."""
    t = _uci_profiles(uci, substances, [], list(TRAITS))
    # all respondents are the reference: their standardised mean is 0 by construction, not drawn
    return t[(t["level"] == "mean") & (t["group_value"] == "users")].reset_index(drop=True)


def uci_section(ctx: Context) -> list:
    """Report items of the UCI section: crack, ketamine and cocaine users (convenience sample)."""
    lang = ctx.lang
    items: list = [common.heading(2, "profiles.h_uci", lang)]
    if ctx.uci is None:
        return items + [common.note(ctx.uci_msg).data]
    u = uci_users(ctx.uci)
    n = u.groupby("substance")["n_total"].first()
    items.append(i18n.t("profiles.uci_intro", lang, n=i18n.fmt_number(n["all"], lang=lang),
                        crack=i18n.fmt_number(n["Crack"], lang=lang), ketamine=i18n.fmt_number(n["Ketamine"], lang=lang),
                        cocaine=i18n.fmt_number(n["Coke"], lang=lang)))
    names = {s: i18n.t(f"profiles.uci_group.{s.lower()}", lang) for s in [*UCI_SUBSTANCES, "all"]}
    prof = u.assign(column=u["substance"].map(names),
                    level=[i18n.level("uci_age" if c == "Age" else "sex", lv, lang)
                           for c, lv in zip(u["characteristic"], u["level"])],
                    characteristic=[i18n.t(f"profiles.var.uci_{c.lower()}", lang) for c in u["characteristic"]])
    src = common.source("uci", lang)
    items.append(tables.profile_table_gt(
        prof, columns="column", source=src, lang=lang, variable="characteristic", rule="nchs",
        title=i18n.t("profiles.t_uci", lang), column_n={names[k]: int(v) for k, v in n.items()},
        notes=[i18n.t("profiles.uci_note", lang)]))
    tr = uci_traits(ctx.uci)
    items.append(plots.bar_ci(
        tr.assign(trait=[i18n.t(f"profiles.trait.{v}", lang) for v in tr["characteristic"]],
                  who=tr["substance"].map(names)),
        "trait", "estimate", "ci_low", "ci_high", group="who", lang=lang, source=src,
        title=i18n.t("profiles.f_uci_traits", lang), xlabel=i18n.t("profiles.score", lang)))
    items.append(i18n.t("profiles.uci_traits_note", lang))
    return items


# --------------------------------------------------------------------------- TEDS-A


def teds_admissions_profile(teds: pd.DataFrame, codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who is admitted for crack/cocaine, heroin and methamphetamine, by year (TEDS-A).

    :func:`drugtrends.admissions.admissions_profile` over
    :data:`TEDS_CHARACTERISTICS`; shares of admissions with a known value (a
    census of admissions: no sampling error).

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


def teds_profile_table(profile: pd.DataFrame, lang: str = "en", top: int = 4) -> pd.DataFrame:
    """Wide display table for the latest year: characteristic, level, one column of shares (%) per group.

    Levels are labelled from ``levels.teds_<characteristic>`` (codes), the
    ``top`` most frequent per characteristic; ``attrs["n"]`` holds the
    admissions of each group.

    Examples
    --------
    >>> t = pd.DataFrame({"ADMYR": [2021] * 3, "SUB1": [5, 5, 10], "ROUTE1": [4, 4, 2],
    ...                   "EMPLOY": [1, 4, 4], "LIVARAG": [1, 2, 3], "EDUC": [1, 2, 3],
    ...                   "PSOURCE": [1, 1, 2], "NOPRIOR": [0, 1, 2]})
    >>> w = teds_profile_table(teds_admissions_profile(t), "fr", top=1)
    >>> w.iloc[0, :2].tolist(), w.attrs["n"]
    (['Emploi', 'Inactif'], {'Heroin': 2, 'Methamphetamine': 1})
    """
    p = profile[profile["ADMYR"] == profile["ADMYR"].max()].copy()
    p["level"] = [i18n.level(f"teds_{c.lower()}", code, lang, default=str(code))
                  for c, code in zip(p["characteristic"], p["code"])]
    keep = (p.groupby(["characteristic", "level"])["n"].sum().reset_index()
            .sort_values(["characteristic", "n"], ascending=[True, False], kind="stable")
            .groupby("characteristic").head(top))
    p = p.merge(keep[["characteristic", "level"]], on=["characteristic", "level"])
    n = {str(g): int(v) for g, v in p.groupby("substance_group")["n_total"].max().items()}
    w = p.pivot_table(index=["characteristic", "level"], columns="substance_group", values="estimate",
                      sort=False).fillna(0.0) * 100
    w = w.reset_index()
    w.columns.name = None
    order = {k: i for i, k in enumerate(TEDS_CHARACTERISTICS)}
    w = w.assign(_o=w["characteristic"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    w["characteristic"] = [i18n.t(f"profiles.teds.{c}", lang) for c in w["characteristic"]]
    w = w.reset_index(drop=True)
    w.attrs["n"] = n
    return w


def teds_section(ctx: Context) -> list:
    """Report items of the TEDS-A section (one sentence when the file is not here)."""
    lang, year = ctx.lang, ctx.teds_year
    items: list = [common.heading(2, "profiles.h_teds", lang)]
    teds, msg = common.try_load("teds_a", lang=lang, year=year, columns=TEDS_COLUMNS, labels=False)
    if teds is None:
        return items + [common.note(i18n.t("profiles.teds_missing", lang, year=year) + " " + msg, "note").data]
    cb, _ = common.try_load("teds_codebook", lang=lang)
    prof = teds_admissions_profile(teds, cb)
    wide = teds_profile_table(prof, lang)
    groups = {g: i18n.level("teds_group", g, lang, default=g) for g in wide.attrs["n"]}
    items.append(i18n.t("profiles.teds_intro", lang, n=i18n.fmt_number(len(teds), lang=lang)))
    shown = wide.rename(columns=groups).rename(columns={"characteristic": i18n.t("tables.variable", lang),
                                                        "level": i18n.t("tables.level", lang)})
    for g in groups.values():
        shown[g] = [tables.fmt_num(v, 1, lang) for v in shown[g]]
    items.append(tables.simple_table(
        shown, group=i18n.t("tables.variable", lang), source=common.source("teds", lang, year=year), lang=lang,
        title=i18n.t("profiles.t_teds", lang), align_right=list(groups.values()),
        notes=[i18n.t("profiles.teds_n", lang, n=i18n.join_words(
            [f"{groups[g]} {i18n.fmt_number(v, lang=lang)}" for g, v in wide.attrs["n"].items()], lang))]))
    return items
