"""The *Substance trends* report, section by section, as display items (the page protocol).

:func:`build` computes a frozen :class:`Context`; :func:`sections` returns
the page's items in display order (Markdown strings, :class:`~drugtrends_reports.common.Fig`,
publication tables), which :func:`drugtrends_reports.common.emit` displays;
``reports/trends.qmd`` only calls these.
Returning items (rather than printing) lets the tests check what a page will
say, e.g. that France's 2022 cocaine seizures (27.7 t) are in it.

A section whose dataset is missing is left out: the data-years table says
which source is not available (the fetch command is in the methods appendix).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from drugtrends import i18n
from drugtrends_reports import common, france, overdose, provisional, summary, supply, wastewater
from drugtrends_reports import trends as T
from drugtrends_reports.common import Fig

__all__ = ["DATASETS", "Context", "build", "sections", "key_figures", "prevalence_section",
           "youth_section", "high_risk_section", "supply_section", "overdose_section", "comparability_section",
           "sources_section"]

#: ``dt.load`` ids the report reads (also declared in the report's front matter).
DATASETS: tuple[str, ...] = ("unodc_prevalence", "unodc_youth", "unodc_seizures", "unodc_trend_perception",
                             "nchs_overdose_rates", "cdc_vsrr", "fr_drug_offences", "fr_departements",
                             "euda_wastewater")


@dataclass(frozen=True)
class Context:
    """Everything the report computes once (frozen): language, data, selections and model fits."""

    lang: str
    data: Mapping[str, Any]
    sel: pd.DataFrame | None = None
    brks: pd.DataFrame | None = None
    nchs: pd.DataFrame | None = None
    jp: Any = None
    sexes: tuple = field(default_factory=tuple)
    seizures: pd.DataFrame | None = None
    perception: pd.DataFrame | None = None
    vsrr: pd.DataFrame | None = None


def load_all(lang: str, data: Mapping[str, Any] | None, ids: tuple[str, ...]) -> dict[str, Any]:
    """The datasets ``ids`` by load id: preloaded ones from ``data``, the others loaded (``None`` when missing)."""
    out = dict(data or {})
    for ds in ids:
        if ds not in out:
            out[ds] = common.try_load(ds, lang=lang)[0]
    return out


def build(params: Any = None, data: Mapping[str, Any] | None = None, fit: bool = True) -> Context:
    """Load the report's datasets (``None`` when missing) and compute what several sections share.

    Parameters
    ----------
    params
        The report's parameters (``{"lang": "fr"}``) or the language.
    data
        Preloaded datasets by load id (tests); the others are loaded.
    fit
        Fit the NCHS joinpoint models and the men/women comparisons (slow part).

    Returns
    -------
    Context
    """
    lang = common.lang_of(params)
    data = load_all(lang, data, DATASETS)
    kw: dict[str, Any] = {}
    if data["unodc_prevalence"] is not None:
        kw["sel"] = T.select_prevalence(data["unodc_prevalence"])
        kw["brks"] = T.comparability_breaks(kw["sel"], lang)
    if data["nchs_overdose_rates"] is not None:
        kw["nchs"] = overdose.nchs_series(data["nchs_overdose_rates"])
        if fit:
            kw["jp"] = overdose.nchs_joinpoint(kw["nchs"])
            kw["sexes"] = tuple(overdose.nchs_compare_sexes(kw["nchs"], d) for d in ("all_drugs", "synthetic_opioids"))
    if data["unodc_seizures"] is not None:
        kw["seizures"] = supply.seizure_frame(data["unodc_seizures"])
    if data["unodc_trend_perception"] is not None:
        kw["perception"] = supply.perception_frame(data["unodc_trend_perception"])
    if data["cdc_vsrr"] is not None:
        kw["vsrr"] = overdose.vsrr_us_series(data["cdc_vsrr"])
    return Context(lang, MappingProxyType(data), **kw)


def sections(ctx: Context) -> list:
    """The whole report as display items, in order (render with :func:`drugtrends_reports.common.emit`).

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    out: list = summary.section(ctx.data, ctx.sel, ctx.nchs, ctx.lang)
    for part in (key_figures, years_section, vsrr_section, france_section, wastewater_section, overdose_section,
                 prevalence_section, youth_section, high_risk_section, supply_section, themes_section,
                 comparability_section, sources_section):
        out += part(ctx)
    return out


def _h(level: int, key: str, lang: str, **kw: Any) -> str:
    return "#" * level + " " + i18n.t(key, lang, **kw)


def key_figures(ctx: Context) -> list:
    """The key-figure box: France's cocaine, cannabis and ketamine use, cocaine seized, trafficking cases, US deaths.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    from drugtrends_reports.factsheet import prevalence_key

    lang = ctx.lang
    rows = []
    if ctx.sel is not None:
        rows += [prevalence_key(ctx.sel, s, "France", lang) for s in ("cocaine", "cannabis", "ketamine")]
    if ctx.seizures is not None:
        rows.append(supply.seizure_key(ctx.seizures, "cocaine", "France", lang))
    rows += provisional.key_figures(ctx.data.get("cdc_vsrr"), lang)
    rows += france.key_figures(ctx.data.get("fr_drug_offences"), lang)
    from drugtrends.keyfigures import KeyFigures

    rows = [r for r in rows if r is not None]
    items: list = [_h(2, "common.key_figures", lang), KeyFigures(rows, lang, title="") if rows else None]
    if ctx.sel is not None:
        kf = T.key_figure(ctx.sel, "France", "cocaine")
        items.append(" ".join([T.key_sentence(kf, lang), T.change_sentence(ctx.sel, kf, lang)]))
    return items


def prevalence_section(ctx: Context, substances: tuple[str, ...] = T.SUBSTANCES) -> list:
    """France beside Europe and the US, by substance: one figure per substance, breaks footnoted.

    Parameters
    ----------
    ctx
        From :func:`build`.
    substances
        Taxonomy ids, in display order.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = [_h(2, "trends.prev.heading", lang)]
    if ctx.sel is None:
        return []
    items += [i18n.t("trends.prev.intro", lang, ages=T.usual_age_group(ctx.sel)), T.intro_sentence(ctx.sel, lang)]
    for s in substances:
        items.append("### " + common.capitalise(T.sub_lower(s, lang)))
        if s == "ketamine":
            items.append(i18n.t("trends.ketamine.note", lang))
        if s == "opioids":
            items.append(i18n.t("trends.opioids.note", lang))
        elif not (ctx.sel["substance"].eq(s) & ctx.sel["country"].eq("France")).any():
            items.append(i18n.t("trends.prev.no_france", lang, **T.sub_fields(s, lang)))
        # the table first: each page then holds one figure and the next substance's table (no half-empty page)
        items += [T.latest_table(ctx.sel, s, lang),
                  Fig(T.prevalence_figure(ctx.sel, s, lang), T.prevalence_alt(ctx.sel, s, lang))]
    return items


def youth_section(ctx: Context, substance: str = "cannabis") -> list:
    """Past-year use among school students (UNODC 1.4): one substance, France and neighbours.

    Parameters
    ----------
    ctx
        From :func:`build`.
    substance
        Taxonomy id.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = [_h(2, "trends.youth.heading", lang)]
    youth = ctx.data.get("unodc_youth")
    if youth is None:
        return []
    ys = T.select_youth(youth, (substance,))
    ys = ys[ys["country"] != "United States"]
    if ys.empty:
        return items
    fig = T.prevalence_figure(ys, substance, lang, source_key="unodc14", title_key="trends.youth.fig_title")
    return items + [i18n.t("trends.youth.intro", lang),
                    Fig(fig, i18n.t("trends.youth.fig_alt", lang, **T.sub_fields(substance, lang)))]


def high_risk_section(ctx: Context) -> list:
    """High-risk opioid use (indirect estimates), from :mod:`drugtrends_reports.high_risk`: never beside prevalence.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    from drugtrends_reports import high_risk

    return high_risk.section(ctx.data.get("unodc_prevalence"), ctx.lang,
                             command=common.fetch_command("unodc_prevalence"))


def supply_section(ctx: Context) -> list:
    """Seizures in France and neighbouring countries (tonnes) and the experts' perception of trends.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = []
    if ctx.seizures is not None:
        items += [_h(2, "trends.seizures.heading", lang), i18n.t("trends.seizures.intro", lang),
                  Fig(supply.seizure_figure(ctx.seizures, lang), supply.seizure_alt(ctx.seizures, lang)),
                  supply.france_seizures_table(ctx.seizures, lang)]
    if ctx.perception is not None:
        items += [_h(3, "trends.perception.heading", lang), supply.perception_table(ctx.perception, lang)]
    return items


def overdose_section(ctx: Context) -> list:
    """US overdose death rates 1999-2018 with joinpoint trends, men vs women, the provisional counts
    beside them, and synthetic opioids set against the French data.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = []
    if ctx.nchs is not None:
        items += [_h(2, "trends.nchs.heading", lang), i18n.t("trends.nchs.intro", lang),
                  Fig(overdose.nchs_figure(ctx.nchs, lang), overdose.nchs_alt(ctx.nchs, lang))]
        if ctx.jp is not None:
            items += [overdose.nchs_sentence(ctx.nchs, ctx.jp, "all_drugs", lang),
                      overdose.nchs_sentence(ctx.nchs, ctx.jp, "synthetic_opioids", lang),
                      overdose.nchs_table(ctx.jp, lang)]
        items += [_h(3, "trends.sex.heading", lang),
                  Fig(overdose.nchs_sex_figure(ctx.nchs, lang), overdose.nchs_sex_alt(ctx.nchs, lang))]
        items += [overdose.sex_sentence(c, ctx.nchs, lang) for c in ctx.sexes]
        if ctx.jp is not None:
            items += [_h(3, "trends.synth.heading", lang),
                      *overdose.synthetic_vs_france(ctx.nchs, ctx.jp, ctx.data.get("unodc_prevalence"),
                                                    ctx.data.get("unodc_trend_perception"), lang)]
    return items


def vsrr_section(ctx: Context) -> list:
    """US overdose deaths, January 2015 - April 2025 (provisional counts, :mod:`drugtrends_reports.provisional`)."""
    return provisional.section(ctx.data.get("cdc_vsrr"), ctx.lang)


def france_section(ctx: Context) -> list:
    """Police-recorded drug offences in France, nationally and by département (:mod:`drugtrends_reports.france`)."""
    return france.section(ctx.data.get("fr_drug_offences"), ctx.data.get("fr_departements"), ctx.lang)


def wastewater_section(ctx: Context) -> list:
    """Drug residues in wastewater, French sites among European cities (:mod:`drugtrends_reports.wastewater`)."""
    return wastewater.section(ctx.data.get("euda_wastewater"), ctx.lang)


def years_section(ctx: Context) -> list:
    """The data-years table (:func:`drugtrends_reports.summary.years_section`)."""
    return summary.years_section(ctx.data, ctx.lang)


def themes_section(ctx: Context) -> list:
    """What these data can and cannot say about France (:func:`drugtrends_reports.summary.themes`)."""
    return summary.themes(ctx.data, ctx.lang)


def comparability_section(ctx: Context) -> list:
    """France's breaks in a table (the others are numbered and explained under each figure), and a jump model.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    if ctx.sel is None or ctx.brks is None or ctx.brks.empty:
        return []
    from drugtrends import plots

    lang = ctx.lang
    france = ctx.sel[ctx.sel["country"] == "France"]
    n_other = int(ctx.sel.loc[ctx.sel["country"] != "France", "break_code"].notna().sum())
    items = [_h(2, "trends.comparability", lang),
             i18n.t("trends.comparability_intro", lang, n=i18n.fmt_number(n_other, 0, lang)),
             common.breaks_table(T.breaks_frame(france, lang), lang) if france["break_code"].notna().any() else None,
             _h(3, "trends.jump.heading", lang), i18n.t("trends.jump.intro", lang)]
    res = T.jump_model(ctx.sel, "United States", "cannabis", 2015)
    sentence = T.jump_sentence(res, "United States", "cannabis", lang)
    fig = plots.joinpoint_plot(res, title=i18n.t("trends.jump.fig_title", lang), ylabel=i18n.t("trends.prev.ylabel", lang),
                               source=T.source("unodc12", lang), lang=lang)
    fig.set_figheight(3.2)  # one slowly rising line: room enough, and it shares the page with its text
    return items + [sentence, Fig(fig, i18n.t("trends.jump.fig_alt", lang, sentence=sentence))]


def sources_section(ctx: Context) -> list:
    """The sources, as a list.

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    keys = ["unodc12", "unodc14", "unodc21", "unodc71", "nchs", "vsrr", "ww", "offences"]
    lines = "\n".join(f"- {T.source(k, lang)}" for k in keys)
    return [_h(2, "trends.sources", lang), lines, i18n.t("trends.as_published", lang) + " "
            + i18n.t("trends.appendix", lang)]
