"""The *Substance trends* report, section by section, as display items.

Each ``*_section`` function returns a list of items in display order:
Markdown strings, :class:`Fig` (a figure with its alt text) and publication
tables. :func:`emit` displays them; ``reports/trends.qmd`` only calls these.
Returning items (rather than printing) lets the tests check what a page will
say, e.g. that France's 2022 cocaine seizures (27.7 t) are in it.

A section whose dataset is missing says so in one sentence (which dataset,
the command that fetches it) and shows nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from drugtrends import i18n
from drugtrends_reports import common, overdose, supply
from drugtrends_reports import trends as T

__all__ = ["DATASETS", "Fig", "Title", "Context", "context", "missing", "emit", "key_figures", "prevalence_section",
           "youth_section", "high_risk_section", "supply_section", "overdose_section", "comparability_section",
           "sources_section"]

#: ``dt.load`` ids the report reads (also declared in the report's front matter).
DATASETS: tuple[str, ...] = ("unodc_prevalence", "unodc_youth", "unodc_seizures", "unodc_trend_perception",
                             "nchs_overdose_rates", "cdc_vsrr")


@dataclass
class Fig:
    """A figure to display with its alt text (what it shows, not only its title)."""

    figure: Any
    alt: str


@dataclass
class Title:
    """The page title, set at run time (the renderer reads it from the display metadata)."""

    text: str


@dataclass
class Context:
    """Everything the report computes once: data, selections and model fits."""

    lang: str
    data: dict[str, pd.DataFrame | None]
    sel: pd.DataFrame | None = None
    brks: pd.DataFrame | None = None
    nchs: pd.DataFrame | None = None
    jp: Any = None
    sexes: list = field(default_factory=list)
    seizures: pd.DataFrame | None = None
    perception: pd.DataFrame | None = None
    vsrr: pd.DataFrame | None = None


def context(lang: str = "en", data: dict[str, pd.DataFrame | None] | None = None, fit: bool = True) -> Context:
    """Load the report's datasets (``None`` when missing) and compute what several sections share.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.
    data
        Preloaded datasets by load id (tests); the others are loaded.
    fit
        Fit the NCHS joinpoint models and the men/women comparisons (slow part).

    Returns
    -------
    Context
    """
    i18n.check_lang(lang)
    data = dict(data or {})
    for ds in DATASETS:
        if ds not in data:
            data[ds] = common.try_load(ds, lang=lang)[0]
    ctx = Context(lang, data)
    if data["unodc_prevalence"] is not None:
        ctx.sel = T.select_prevalence(data["unodc_prevalence"])
        ctx.brks = T.comparability_breaks(ctx.sel, lang)
    if data["nchs_overdose_rates"] is not None:
        ctx.nchs = overdose.nchs_series(data["nchs_overdose_rates"])
        if fit:
            ctx.jp = overdose.nchs_joinpoint(ctx.nchs)
            ctx.sexes = [overdose.nchs_compare_sexes(ctx.nchs, d) for d in ("all_drugs", "synthetic_opioids")]
    if data["unodc_seizures"] is not None:
        ctx.seizures = supply.seizure_frame(data["unodc_seizures"])
    if data["unodc_trend_perception"] is not None:
        ctx.perception = supply.perception_frame(data["unodc_trend_perception"])
    if data["cdc_vsrr"] is not None:
        ctx.vsrr = overdose.vsrr_us_series(data["cdc_vsrr"])
    return ctx


def missing(dataset: str, lang: str = "en") -> str:
    """One sentence: this section needs ``dataset``, here is the command that fetches it.

    Parameters
    ----------
    dataset
        ``dt.load`` id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> missing("unodc_seizures")
    'This section needs the dataset unodc_seizures, which is not available here; fetch it with `drugtrends fetch unodc_wdr2025`, then render the report again.'
    """
    return i18n.t("common.missing_dataset", lang, dataset=dataset, command=common.fetch_command(dataset))


def emit(items: list) -> None:
    """Display items in order: Markdown text, figures with alt text, tables.

    Parameters
    ----------
    items
        Strings (Markdown), :class:`Fig`, :class:`Title`, PubTables, key-figure boxes or anything
        IPython displays; ``None`` and empty strings are skipped.

    Returns
    -------
    None
    """
    from IPython.display import Markdown, display

    for it in items:
        if it is None or (isinstance(it, str) and not it.strip()):
            continue
        if isinstance(it, Title):
            from IPython.display import publish_display_data

            publish_display_data({"text/plain": ""}, metadata={"drugtrends": {"title": it.text}})
        elif isinstance(it, str):
            display(Markdown(it))
        elif isinstance(it, Fig):
            if it.figure is not None:
                try:
                    common.show(it.figure, alt=it.alt)
                except TypeError:  # common.show without alt= (until reports-a's lands)
                    common.show(it.figure)
        else:
            common.show(it)


def _h(level: int, key: str, lang: str, **kw: Any) -> str:
    return "#" * level + " " + i18n.t(key, lang, **kw)


def key_figures(ctx: Context) -> list:
    """The key-figure box: France's cocaine, cannabis and ketamine use, cocaine seized, US overdose death rates.

    Parameters
    ----------
    ctx
        From :func:`context`.

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
    if ctx.nchs is not None:
        rows += [overdose.nchs_key(ctx.nchs, ctx.jp, d, lang) for d in ("all_drugs", "synthetic_opioids")]
    from drugtrends.keyfigures import KeyFigures

    rows = [r for r in rows if r is not None]
    items: list = [_h(2, "common.key_figures", lang), KeyFigures(rows, lang, title="") if rows else None]
    if ctx.sel is None:
        items.append(missing("unodc_prevalence", lang))
    else:
        kf = T.key_figure(ctx.sel, "France", "cocaine")
        items.append(" ".join([T.key_sentence(kf, lang), T.change_sentence(ctx.sel, kf, lang)]))
    return items


def prevalence_section(ctx: Context, substances: tuple[str, ...] = T.SUBSTANCES) -> list:
    """France beside Europe and the US, by substance: one figure per substance, breaks footnoted.

    Parameters
    ----------
    ctx
        From :func:`context`.
    substances
        Taxonomy ids, in display order.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = [_h(2, "trends.prev.heading", lang)]
    if ctx.sel is None:
        return items + [missing("unodc_prevalence", lang)]
    items += [i18n.t("trends.prev.intro", lang, ages=T.usual_age_group(ctx.sel)), T.intro_sentence(ctx.sel, lang)]
    for s in substances:
        items.append("### " + common.capitalise(T.sub_lower(s, lang)))
        if s == "ketamine":
            items.append(i18n.t("trends.ketamine.note", lang))
        if s == "opioids":
            items.append(i18n.t("trends.opioids.note", lang))
        elif not (ctx.sel["substance"].eq(s) & ctx.sel["country"].eq("France")).any():
            items.append(i18n.t("trends.prev.no_france", lang, **T.sub_fields(s, lang)))
        items += [Fig(T.prevalence_figure(ctx.sel, s, lang), T.prevalence_alt(ctx.sel, s, lang)),
                  T.latest_table(ctx.sel, s, lang)]
    return items


def youth_section(ctx: Context, substance: str = "cannabis") -> list:
    """Past-year use among school students (UNODC 1.4): one substance, France and neighbours.

    Parameters
    ----------
    ctx
        From :func:`context`.
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
        return items + [missing("unodc_youth", lang)]
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
        From :func:`context`.

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
        From :func:`context`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = [_h(2, "trends.seizures.heading", lang)]
    if ctx.seizures is None:
        items.append(missing("unodc_seizures", lang))
    else:
        items += [i18n.t("trends.seizures.intro", lang), supply.france_seizures_table(ctx.seizures, lang),
                  Fig(supply.seizure_figure(ctx.seizures, lang), supply.seizure_alt(ctx.seizures, lang))]
    items.append(_h(3, "trends.perception.heading", lang))
    if ctx.perception is None:
        return items + [missing("unodc_trend_perception", lang)]
    return items + [supply.perception_table(ctx.perception, lang)]


def overdose_section(ctx: Context) -> list:
    """US overdose death rates 1999-2018 with joinpoint trends, men vs women, the provisional counts
    beside them, and synthetic opioids set against the French data.

    Parameters
    ----------
    ctx
        From :func:`context`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    items: list = [_h(2, "trends.nchs.heading", lang)]
    if ctx.nchs is None:
        items.append(missing("nchs_overdose_rates", lang))
    else:
        items += [i18n.t("trends.nchs.intro", lang),
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
    items.append(_h(3, "trends.vsrr.heading", lang))
    if ctx.vsrr is None:
        return items + [missing("cdc_vsrr", lang)]
    latest = overdose.vsrr_latest(ctx.vsrr)
    return items + [i18n.t("trends.vsrr.intro", lang), overdose.vsrr_sentence(latest, lang),
                    Fig(overdose.vsrr_figure(ctx.vsrr, lang), overdose.vsrr_alt(latest, lang))]


def comparability_section(ctx: Context) -> list:
    """France's breaks in a table (the others are numbered and explained under each figure), and a jump model.

    Parameters
    ----------
    ctx
        From :func:`context`.

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
    return items + [sentence, Fig(fig, i18n.t("trends.jump.fig_alt", lang, sentence=sentence))]


def sources_section(ctx: Context) -> list:
    """The sources, as a list.

    Parameters
    ----------
    ctx
        From :func:`context`.

    Returns
    -------
    list
    """
    lang = ctx.lang
    keys = ["unodc12", "unodc14", "unodc21", "unodc71", "nchs", "vsrr"]
    lines = "\n".join(f"- {T.source(k, lang)}" for k in keys)
    return [_h(2, "trends.sources", lang), lines, i18n.t("trends.as_published", lang) + " "
            + i18n.t("trends.appendix", lang)]
