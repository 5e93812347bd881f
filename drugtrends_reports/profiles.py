"""The *Consumer profiles* report: the page protocol (``build`` / ``sections``) and TEDS-A.

The page (issue 23): "Key issues" first, then the data-years table, then the
NSDUH 2022 population profile (:mod:`drugtrends_reports.profiles_nsduh`
computes, :mod:`drugtrends_reports.profiles_pages` lays out), the TEDS-A
admissions profile when the file is here, and the teaching annex (NHANES
2009-2012, UCI; :mod:`drugtrends_reports.profiles_annex`). A source that is
not available appears only in the data-years table (its fetch command is in
the methods appendix).

Statistics come from the library; this module loads the data, calls the
computations once, and returns report items for
:func:`drugtrends_reports.common.emit`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from drugtrends import i18n, tables
from drugtrends_reports import common

__all__ = ["TEDS_CHARACTERISTICS", "TEDS_COLUMNS", "Context", "build", "sections", "nsduh_results",
           "teds_admissions_profile", "teds_profile_table", "teds_section"]

#: TEDS-A characteristics of the admissions profile (labels: ``profiles.teds.<name>``).
TEDS_CHARACTERISTICS = ("EMPLOY", "LIVARAG", "EDUC", "PSOURCE", "ROUTE1", "NOPRIOR")
#: Columns read from the TEDS-A file for the profile.
TEDS_COLUMNS = ["ADMYR", "SUB1", *TEDS_CHARACTERISTICS]


@dataclass(frozen=True)
class Context:
    """Everything the page shows, computed once (``None`` where a dataset is missing)."""

    lang: str
    nsduh: dict | None
    nhanes: dict | None
    uci: pd.DataFrame | None
    teds: pd.DataFrame | None
    teds_codebook: pd.DataFrame | None
    teds_year: int
    available: dict


def nsduh_results(frame: pd.DataFrame) -> dict:
    """Every NSDUH 2022 result of the page, from the harmonised frame (``dt.load("nsduh", year=2022)``)."""
    from drugtrends_reports import profiles_nsduh as N

    a = N.prepare(frame)
    des = N.design(a)
    return {"km_cocaine": N.onset_curves(a, "cocaine"), "lifetime": N.lifetime(des),
            "forms": N.cocaine_forms(des), "onset": N.onset_quantiles(des),
            "onset_dist": N.onset_distribution(des), "cohorts": N.cohorts(des),
            "women_older": N.users_women_older(des),
            "sex_difference": N.difference(des, "cocaine", "sex", ("female", "male"))}


def _load(dataset_id: str, data: dict, lang: str, **kw: Any):
    if dataset_id in data:
        return data[dataset_id]
    return common.try_load(dataset_id, lang=lang, **kw)[0]


def build(params: Any = None, data: dict | None = None) -> Context:
    """Load the data (or take ``data``, preloaded frames by load id) and compute every result once.

    Parameters
    ----------
    params
        The report's parameters (``lang``, ``teds_year``) or the language.
    data
        Optional preloaded frames: ``{"nsduh": ..., "nhanes": analysis frame, "uci": ..., "teds_a": ...}``.

    Returns
    -------
    Context
    """
    from drugtrends import datasets
    from drugtrends_reports import profiles_annex as A

    lang = common.lang_of(params)
    p = {} if isinstance(params, str) or params is None else dict(params)
    teds_year = int(p.get("teds_year", 2023))
    data = dict(data or {})
    nsduh = _load("nsduh", data, lang, year=2022)
    if "nhanes" in data:
        nh = data["nhanes"]
    else:
        try:
            nh = datasets.analysis_frame("nhanes_2009_2012")
        except common.MISSING_ERRORS:
            nh = None
    uci = _load("uci_drug_consumption", data, lang) if "uci" not in data else data["uci"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        teds = data.get("teds_a") if "teds_a" in data else common.try_load(
            "teds_a", lang=lang, year=teds_year, columns=TEDS_COLUMNS, labels=False)[0]
    cb = common.try_load("teds_codebook", lang=lang)[0] if teds is not None else None
    available = {"nsduh": nsduh is not None, "teds": teds is not None, "nhanes": nh is not None,
                 "uci": uci is not None}
    return Context(lang=lang, nsduh=None if nsduh is None else nsduh_results(nsduh),
                   nhanes=None if nh is None else A.nhanes_results(nh), uci=uci, teds=teds, teds_codebook=cb,
                   teds_year=teds_year, available=available)


def sections(ctx: Context) -> list:
    """The page's items in order: title, key issues, data years, NSDUH profile, TEDS-A, teaching annex."""
    from drugtrends_reports import profiles_annex as A
    from drugtrends_reports import profiles_pages as G

    lang = ctx.lang
    items: list = [common.Title(i18n.t("profiles.nsduh.title", lang))]
    if ctx.nsduh is not None:
        items += [common.heading(2, "common.key_figures", lang), G.key_figures(ctx),
                  common.heading(2, "profiles.nsduh.h_key", lang), G.key_issues(ctx)]
    items += [common.heading(2, "profiles.nsduh.h_data", lang), i18n.t("profiles.nsduh.data_intro", lang),
              G.data_years_table(ctx)]
    items += G.nsduh_section(ctx)
    items += teds_section(ctx)
    items += A.annex_section(ctx.nhanes, ctx.uci, lang)
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
    """Items of the TEDS-A section; nothing when the file is not here (the data-years table says so)."""
    lang, year, teds = ctx.lang, ctx.teds_year, ctx.teds
    if teds is None:
        return []
    prof = teds_admissions_profile(teds, ctx.teds_codebook)
    wide = teds_profile_table(prof, lang)
    groups = {g: i18n.level("teds_group", g, lang, default=g) for g in wide.attrs["n"]}
    items: list = [common.heading(2, "profiles.h_teds", lang),
                   i18n.t("profiles.teds_intro", lang, n=i18n.fmt_number(len(teds), lang=lang))]
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
