"""Analysis steps of the parameterised substance fact sheet (``reports/factsheet.qmd``).

One substance, at most two A4 pages: a key-figure box (France's latest
published prevalence against its last comparable estimate, the range across
the compared countries, the United States, seizures in France, the experts'
perception of the trend), a trend chart, who uses it (the UCI convenience
sample, unweighted, said so), supply where available, and the sources.

Two pages hold because the trend chart names a break by its kind when the
detailed reasons would make a long note (:func:`trend_break_notes`), the
sources of one annex share a line (:func:`sources_list`), and the report's
PDF has 2 cm top and bottom margins (``reports/factsheet.qmd``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from drugtrends import i18n, style
from drugtrends.errors import DrugtrendsError
from drugtrends_reports.common import capitalise
from drugtrends_reports.trends import (
    COUNTRIES,
    break_text,
    change,
    country_label,
    key_figure,
    select_prevalence,
    series_breaks,
    source,
    sub_fields,
)

__all__ = ["FACTSHEETS", "UnknownSubstanceError", "Spec", "check_substance", "substances_with_data",
           "title", "prevalence_key", "europe_sentence", "uci_profile", "uci_sex_sentence", "uci_profile_figure",
           "uci_alt", "trend_countries", "trend_break_notes", "trend_figure", "no_prevalence_sentence", "sources_list",
           "note", "heading", "page", "Context", "build", "sections", "uci_key", "DATASETS", "BREAK_DETAIL_CHARS", "PANEL_HEIGHT_IN"]


class UnknownSubstanceError(DrugtrendsError, ValueError):
    """The fact sheet was asked for a substance it does not cover."""


@dataclass(frozen=True)
class Spec:
    """Which series a fact sheet uses for one substance.

    Attributes
    ----------
    unodc
        Taxonomy id of the UNODC prevalence rows (as published), or ``None``.
    vsrr
        CDC VSRR class (taxonomy id), or ``None``.
    nchs
        NCHS drug type (taxonomy id), or ``None``.
    uci
        Prefix of the UCI usage flags (``coke`` -> ``coke_year``), or ``None``.
    seizure
        Key of :data:`drugtrends_reports.supply.SEIZURE_DRUGS`, or ``None``.
    perception
        Substance id of UNODC 2.1 (expert perception), or ``None``.
    note
        Catalogue key (``factsheet.note.<id>``) of how the sources relate to the
        substance, or ``""``.
    """

    unodc: str | None
    vsrr: str | None
    nchs: str | None
    uci: str | None
    seizure: str | None
    perception: str | None
    note: str = ""


#: Substances with a fact sheet (each has UNODC estimates for a compared country or a UCI item).
FACTSHEETS: dict[str, Spec] = {
    "cocaine": Spec("cocaine", "cocaine", None, "coke", "cocaine", "cocaine", "cocaine"),
    "crack": Spec(None, None, None, "crack", "crack", "crack", "crack"),
    "cannabis": Spec("cannabis", None, None, "cannabis", "cannabis_resin", "cannabis"),
    "amphetamines": Spec("amphetamines", "psychostimulants", None, "amphet", "amphetamines", "amphetamines",
                         "amphetamines"),
    "ecstasy": Spec("ecstasy", None, None, "ecstasy", "ecstasy", "ecstasy"),
    "ketamine": Spec("ketamine", None, None, "ketamine", None, "ketamine", "ketamine"),
    "opioids": Spec("opioids", "synthetic_opioids", "opioids", "heroin", "heroin", "opioids", "opioids"),
    "opiates": Spec("opiates", "heroin", "heroin", "heroin", "heroin", "heroin", "opiates"),
    "prescription_opioids": Spec("prescription_opioids", None, "natural_semisynthetic_opioids", None, None, None,
                                 "prescription_opioids"),
    "prescription_stimulants": Spec("prescription_stimulants", "psychostimulants", None, None, None, None,
                                    "prescription_stimulants"),
    "tranquillizers_sedatives": Spec("tranquillizers_sedatives", None, None, "benzos", None, None,
                                     "tranquillizers_sedatives"),
    "nps": Spec("nps", None, None, "legalhigh", None, "nps", "nps"),
}


def check_substance(substance: str) -> Spec:
    """Return the fact-sheet spec of ``substance`` or raise a clear error listing the valid ones.

    Parameters
    ----------
    substance
        Taxonomy id (e.g. ``"cocaine"``); case and surrounding spaces are ignored.

    Returns
    -------
    Spec

    Raises
    ------
    UnknownSubstanceError
        The substance has no fact sheet; the message lists those that do.

    Examples
    --------
    >>> check_substance("Cocaine").unodc
    'cocaine'
    >>> check_substance("tea")
    Traceback (most recent call last):
    ...
    drugtrends_reports.factsheet.UnknownSubstanceError: No fact sheet for substance 'tea'. Valid substances: cocaine, crack, cannabis, amphetamines, ecstasy, ketamine, opioids, opiates, prescription_opioids, prescription_stimulants, tranquillizers_sedatives, nps (render with -P substance=<one of them>).
    """
    key = str(substance).strip().lower()
    if key not in FACTSHEETS:
        import difflib

        close = difflib.get_close_matches(key, list(FACTSHEETS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownSubstanceError(
            f"No fact sheet for substance {substance!r}.{hint} Valid substances: {', '.join(FACTSHEETS)} "
            f"(render with -P substance=<one of them>).")
    return FACTSHEETS[key]


def substances_with_data(prev: pd.DataFrame) -> list[str]:
    """Fact-sheet substances with data: UNODC prevalence for a compared country, or a UCI item.

    The fact sheet's list (:data:`FACTSHEETS`) must be exactly this list: the
    report declares one variant per entry (``reports/factsheet.qmd`` front
    matter), and a test checks that the three agree on the real data.

    Parameters
    ----------
    prev
        ``drugtrends.datasets.load("unodc_prevalence")``.

    Returns
    -------
    list of str
        Taxonomy ids, in the order of :data:`FACTSHEETS`.
    """
    sel = select_prevalence(prev, substances=tuple(s.unodc for s in FACTSHEETS.values() if s.unodc))
    present = set(sel["substance"])
    return [k for k, s in FACTSHEETS.items() if (s.unodc in present) or s.uci]


def title(substance: str, lang: str = "en") -> str:
    """Fact-sheet title: the substance's name.

    Parameters
    ----------
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> title("crack", "fr")
    'Crack : fiche produit'
    """
    return i18n.t("factsheet.title", lang, name=heading(substance, lang))


def prevalence_key(sel: pd.DataFrame, substance: str, country: str = "France", lang: str = "en"):
    """Key figure: a country's latest past-year prevalence against its last comparable estimate.

    The change is :func:`drugtrends.series.change` against the latest
    earlier comparable estimate (:func:`drugtrends_reports.trends.change`);
    UNODC publishes no standard errors, so it is not tested and has no
    direction (said in the figure's note).

    Parameters
    ----------
    sel
        :func:`drugtrends_reports.trends.select_prevalence` for the substance.
    substance
        Taxonomy id.
    country
        Report country id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
        ``None`` without an estimate.
    """
    from drugtrends.keyfigures import KeyFigure

    kf = key_figure(sel, country, substance)
    if kf is None:
        return None
    c = change(sel, country, substance, kf.year)
    return KeyFigure.from_change(
        i18n.t("trends.kf.prev", lang, country=country_label(country, lang), **sub_fields(substance, lang)),
        kf.best, c, unit="percent", digits=1, low=kf.low, high=kf.high, interval="range", year=kf.year,
        population=i18n.t("trends.population_ages", lang, ages=kf.age_group),
        note=i18n.t("trends.sig_untestable", lang) if c is not None and not c.tested else None)


def europe_sentence(sel: pd.DataFrame, substance: str, lang: str = "en") -> str:
    """Lowest and highest latest estimates across the compared European countries (a level, not a trend).

    Parameters
    ----------
    sel
        :func:`drugtrends_reports.trends.select_prevalence` for the substance.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Empty with fewer than two European countries.
    """
    d = sel[(sel["substance"] == substance) & (sel["country"] != "United States")]
    d = d.sort_values("year").groupby("country").tail(1)
    if len(d) < 2:
        return ""
    lo, hi = d.loc[d["best"].idxmin()], d.loc[d["best"].idxmax()]
    return i18n.t("factsheet.europe", lang, n=len(d), low=i18n.fmt_percent(lo["best"], 1, lang),
                  low_country=country_label(lo["country"], lang), low_year=int(lo["year"]),
                  high=i18n.fmt_percent(hi["best"], 1, lang), high_country=country_label(hi["country"], lang),
                  high_year=int(hi["year"]), **sub_fields(substance, lang))


def uci_key(uci: pd.DataFrame, spec: Spec, substance: str, lang: str = "en"):
    """Key figure: share of UCI respondents reporting past-year use, with its 95% CI (unweighted).

    Parameters
    ----------
    uci
        ``drugtrends.datasets.load("uci_drug_consumption")``.
    spec
        From :func:`check_substance`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
    """
    if spec.uci is None:
        return None
    from drugtrends.keyfigures import KeyFigure
    from drugtrends.survey import SurveyDesign

    d = pd.DataFrame({"used": uci[f"{spec.uci}_year"].astype(float), "w": 1.0})
    r = SurveyDesign(d, weight="w").mean("used", ci="logit").iloc[0]
    return KeyFigure(i18n.t("factsheet.kf.uci", lang, **sub_fields(substance, lang)), 100 * float(r["estimate"]),
                     unit="percent", low=100 * float(r["ci_low"]), high=100 * float(r["ci_high"]), interval="ci",
                     year="2011-2012", population=i18n.t("factsheet.kf.uci_pop", lang,
                                                         n=i18n.fmt_number(len(uci), 0, lang)),
                     note=i18n.t("factsheet.kf.uci_change", lang))


def trend_countries(sel: pd.DataFrame, substance: str, n: int = 3) -> list[str]:
    """France, the United States and the European countries with the longest series (at most ``n``).

    Parameters
    ----------
    sel
        Selection for the substance.
    substance
        Taxonomy id.
    n
        Largest number of panels.

    Returns
    -------
    list of str
        Report country ids in :data:`drugtrends_reports.trends.COUNTRIES` order.
    """
    d = sel[sel["substance"] == substance]
    counts = d.groupby("country").size()
    must = [c for c in ("France", "United States") if c in counts.index]
    rest = [c for c in counts.sort_values(ascending=False).index if c not in must][: max(0, n - len(must))]
    keep = set(must + rest)
    return [c for c in COUNTRIES if c in keep]


#: Longest break explanation (characters of the distinct detailed reasons) the fact sheet's trend
#: chart spells out; above it, each break is named by its kind only ("age range changed"), which
#: keeps the chart's note to a few lines (the trends report's breaks table gives the details).
BREAK_DETAIL_CHARS = 100

#: Height (inches) of the trend chart's row of panels: lower than the trends report's (1.85), so the
#: chart fits under the key figures on the first page (a single country's panel, page-wide: 80% of it).
PANEL_HEIGHT_IN = 1.35


def _break_kind(codes: list[str], lang: str) -> str:
    """Short name of each kind of change in a break (``["age_range", "method"]`` -> "age range changed, ...")."""
    names = []
    for c in codes:
        key = next((k for k in (f"common.break_code.{c}", f"trends.break_code.{c}") if i18n.has(k, lang)),
                   "common.break_code.unknown")
        names.append(i18n.t(key, lang))
    return ", ".join(dict.fromkeys(names))


def trend_break_notes(sel: pd.DataFrame, lang: str = "en", detail_chars: int = BREAK_DETAIL_CHARS) -> pd.Series:
    """The reason of each break of the trend chart, in detail when short, else by kind; NA elsewhere.

    A break is where a country's series changes comparability key (rows in
    year order; :func:`drugtrends_reports.trends.series_breaks`). With few, short reasons the chart's note gives them in full
    ("age range changed (15-64 to 18-64)"); when the distinct detailed reasons
    exceed ``detail_chars`` characters, each break is named by the kinds of
    change only ("age range changed", "NSDUH 2020 data-collection mode
    change"), so the note stays short enough for the two-page sheet. Every
    break stays marked and numbered either way.

    Parameters
    ----------
    sel
        :func:`drugtrends_reports.trends.select_prevalence` rows (one substance).
    lang
        ``"en"`` or ``"fr"``.
    detail_chars
        Longest total length of the distinct detailed reasons given in full.

    Returns
    -------
    pandas.Series
        Aligned with ``sel`` (string dtype), the reason on the first row after each break.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "indicator": "prevalence",
    ...                   "period": "past_year", "year": [2010, 2017], "age_group": ["15-64", "18-64"],
    ...                   "design_era": "all", "source_break": 0, "definition": "-", "method_basis": "HHS",
    ...                   "comparability_group": ["g1", "g2"]})
    >>> trend_break_notes(d).tolist()
    [<NA>, 'age range changed (15-64 to 18-64)']
    >>> trend_break_notes(d, detail_chars=10).tolist()
    [<NA>, 'age range changed']
    """
    detailed = pd.Series(pd.NA, index=sel.index, dtype="string")
    kinds = detailed.copy()
    for row, why in series_breaks(sel).groupby("row", sort=False):
        detailed.loc[row], kinds.loc[row] = break_text(why, lang)[1], _break_kind(list(why["code"]), lang)
    return detailed if sum(map(len, detailed.dropna().unique())) <= detail_chars else kinds


def trend_figure(sel: pd.DataFrame, substance: str, lang: str = "en"):
    """Small multiples (one row) of the substance's past-year prevalence by country, for the fact sheet.

    As :func:`drugtrends_reports.trends.prevalence_figure` (no line crosses a
    break, breaks dashed and numbered, UNODC's low-high range), with the
    breaks explained by :func:`trend_break_notes` and lower panels
    (:data:`PANEL_HEIGHT_IN`).

    Parameters
    ----------
    sel
        Selection for the substance, restricted to :func:`trend_countries`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` when no country has an estimate.
    """
    from drugtrends import plots

    d = sel[sel["substance"] == substance].copy()
    if d.empty:
        return None
    d["break_note"] = trend_break_notes(d, lang)
    return plots.small_multiples(
        d, "country", "year", "best", "low", "high", comparability="comparability_group",
        title=i18n.t("trends.prev.fig_title", lang, of_sub=sub_fields(substance, lang)["of_sub"]),
        ylabel=i18n.t("trends.prev.ylabel", lang), source=source("unodc12", lang), lang=lang,
        ncols=min(3, d["country"].nunique()), band_label=i18n.t("common.range", lang),
        panel_height=PANEL_HEIGHT_IN if d["country"].nunique() > 1 else 0.6 * PANEL_HEIGHT_IN,
        facet_labels={c: country_label(c, lang) for c in d["country"].unique()})


def no_prevalence_sentence(substance: str, lang: str = "en") -> str:
    """Say that UNODC publishes no general-population prevalence for this substance in France.

    Parameters
    ----------
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> no_prevalence_sentence("crack")
    'UNODC publishes no past-year prevalence of crack cocaine use in the French general population.'
    """
    return i18n.t("trends.prev.no_france", lang, **sub_fields(substance, lang))


def uci_profile(uci: pd.DataFrame, spec: Spec, by: str = "Age") -> pd.DataFrame | None:
    """Share of past-year users (CL3 or more) by a demographic group, unweighted.

    The UCI sample is a convenience sample: each respondent counts once (weight
    1, no strata or clusters), so intervals describe sampling variability only
    under simple random sampling and say nothing about a population. Estimated
    with :class:`drugtrends.survey.SurveyDesign` (unit weights, logit interval).

    Parameters
    ----------
    uci
        ``drugtrends.datasets.load("uci_drug_consumption")``.
    spec
        From :func:`check_substance`.
    by
        Demographic column (``"Age"``, ``"sex"``, ``"Education"``).

    Returns
    -------
    pandas.DataFrame or None
        Survey-result columns (``by``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n``, ``suppressed``...); ``None`` when the substance has no UCI item.
    """
    if spec.uci is None:
        return None
    from drugtrends.survey import SurveyDesign

    flag = f"{spec.uci}_year"
    d = pd.DataFrame({by: uci[by].astype(str), "used": uci[flag].astype(float), "w": 1.0})
    res = SurveyDesign(d, weight="w").mean("used", by=by, ci="logit", reliability="nchs")
    if isinstance(uci[by].dtype, pd.CategoricalDtype):
        order = {str(c): i for i, c in enumerate(uci[by].cat.categories)}
        res = res.assign(_o=res[by].map(order)).sort_values("_o").drop(columns="_o")
    return res.reset_index(drop=True)


def uci_sex_sentence(uci: pd.DataFrame, spec: Spec, substance: str, lang: str = "en") -> str:
    """Who the sample's past-year users are: their number, the share of men and the median age band.

    Parameters
    ----------
    uci
        ``drugtrends.datasets.load("uci_drug_consumption")``.
    spec
        From :func:`check_substance`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    users = uci[uci[f"{spec.uci}_year"].astype(bool)]
    n = len(users)
    men = (users["sex"].astype(str) == "Male").mean() * 100 if n else float("nan")
    ages = users["Age"].astype(str).value_counts()
    return i18n.t("factsheet.uci.users", lang, n=i18n.fmt_number(n, 0, lang), total=i18n.fmt_number(len(uci), 0, lang),
                  share=i18n.fmt_percent(100 * n / len(uci), 1, lang), men=i18n.fmt_percent(men, 0, lang),
                  age=ages.index[0] if n else "", **sub_fields(substance, lang))


def uci_profile_figure(res: pd.DataFrame, substance: str, lang: str = "en", by: str = "Age"):
    """Bar chart (with 95% CI) of past-year use by group in the UCI sample.

    Parameters
    ----------
    res
        Output of :func:`uci_profile`.
    substance
        Taxonomy id (title and colour).
    lang
        ``"en"`` or ``"fr"``.
    by
        The group column of ``res``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    fig = plots.bar_ci(res, by, "estimate", "ci_low", "ci_high", scale=100,
                       title=i18n.t("factsheet.uci.fig_title", lang, **sub_fields(substance, lang)),
                       xlabel=i18n.t("factsheet.uci.xlabel", lang), ylabel=i18n.t("common.age", lang),
                       source=source("uci", lang), lang=lang, colour=style.colour(substance))
    fig.set_figheight(min(fig.get_figheight(), 2.6))  # six bars need no more: keeps the sheet within two pages
    return fig


def uci_alt(res: pd.DataFrame, substance: str, lang: str = "en", by: str = "Age") -> str:
    """Alt text of :func:`uci_profile_figure` (share per group).

    Parameters
    ----------
    res
        Output of :func:`uci_profile`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.
    by
        The group column.

    Returns
    -------
    str
    """
    items = [f"{r[by]}: {i18n.fmt_percent(r['estimate'], 1, lang, scale=100)}" for _, r in res.iterrows()
             if not bool(r.get("suppressed", False))]
    return i18n.t("factsheet.uci.fig_alt", lang, items="; ".join(items), **sub_fields(substance, lang))


_TABLE = re.compile(r"^(?P<head>.+), (?:table|tableau) (?P<num>[0-9][0-9.]*)$")


def sources_list(keys: list[str], lang: str = "en") -> str:
    """Markdown bullet list of the sources a fact sheet actually used; tables of one annex share a bullet.

    Parameters
    ----------
    keys
        Source keys (see :func:`drugtrends_reports.trends.source`), in order.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> print(sources_list(["unodc71"]))
    - UNODC, World Drug Report 2025, statistical annex, table 7.1
    <BLANKLINE>
    Licences, checksums and methods: see the Methods and data appendix.
    >>> print(sources_list(["unodc12", "uci", "unodc71"], "fr").splitlines()[0])
    - ONUDC, Rapport mondial sur les drogues 2025, annexe statistique, tableaux 1.2 et 7.1
    """
    tables: dict[str, list[str]] = {}
    entries: list = []  # a citation, or the head of an annex whose tables are listed once
    for k in dict.fromkeys(keys):
        cite = source(k, lang)
        m = _TABLE.match(cite)
        if m is None:
            entries.append(cite)
            continue
        if m["head"] not in tables:
            tables[m["head"]] = []
            entries.append((m["head"],))
        tables[m["head"]].append(m["num"])
    lines = []
    for e in entries:
        if isinstance(e, tuple):
            nums = tables[e[0]]
            e = e[0] + ", " + i18n.tn("factsheet.tables", len(nums), lang, nums=i18n.join_words(nums, lang))
        lines.append(f"- {e}")
    return "\n".join(lines) + "\n\n" + i18n.t("trends.appendix", lang)


def note(spec: Spec, lang: str = "en") -> str:
    """How the sources relate to the substance (empty when nothing to say).

    Parameters
    ----------
    spec
        From :func:`check_substance`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    key = f"factsheet.note.{spec.note}"
    return i18n.t(key, lang) if spec.note and i18n.has(key, lang) else ""


def heading(substance: str, lang: str = "en") -> str:
    """Capitalised substance name for the page heading.

    Parameters
    ----------
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> heading("ketamine", "fr")
    'Kétamine'
    """
    return capitalise(style.substance_label(substance, lang))


DATASETS: tuple[str, ...] = ("unodc_prevalence", "unodc_seizures", "unodc_trend_perception", "nchs_overdose_rates",
                             "cdc_vsrr", "uci_drug_consumption", "euda_wastewater", "fr_drug_offences")


def _key_rows(spec: Spec, substance: str, data: dict, sel, sf, lang: str) -> tuple[list, list, object, object]:
    """Key figures of a fact sheet, the sources they use, and the NCHS series and fit (reused below)."""
    from drugtrends_reports import overdose, supply

    rows, used, nchs, jp = [], [], None, None
    if sel is not None and len(sel):
        rows += [prevalence_key(sel, spec.unodc, "France", lang), prevalence_key(sel, spec.unodc, "United States", lang)]
        used.append("unodc12")
    has_prevalence = any(r is not None for r in rows)
    if sf is not None and (sf["country"] == "France").any():
        rows.append(supply.seizure_key(sf, spec.seizure, "France", lang))
        used.append("unodc71")
    from drugtrends_reports import sheet_sources

    ww_key = sheet_sources.wastewater_key(data.get("euda_wastewater"), substance, lang)
    off_key = sheet_sources.offences_key(data.get("fr_drug_offences"), substance, lang)
    rows += [ww_key, off_key]
    used += (["ww"] if ww_key is not None else []) + (["offences"] if off_key is not None else [])
    uci = data["uci_drug_consumption"]
    if uci is not None and spec.uci and not has_prevalence and ww_key is None:
        # only when UNODC has no prevalence for France or the United States: otherwise the share
        # (of a convenience sample) would repeat the "who uses it" section and cost the second page
        rows.append(uci_key(uci, spec, substance, lang))
    if spec.nchs and data["nchs_overdose_rates"] is not None:
        nchs = overdose.nchs_series(data["nchs_overdose_rates"], (spec.nchs,), ("All persons",))
        jp = overdose.nchs_joinpoint(nchs)
        rows.append(overdose.nchs_key(nchs, jp, spec.nchs, lang))
        used.append("nchs")
    if spec.vsrr and data["cdc_vsrr"] is not None:
        rows.append(overdose.vsrr_key(overdose.vsrr_us_series(data["cdc_vsrr"], (spec.vsrr,)), spec.vsrr, lang))
        used.append("vsrr")
    return [r for r in rows if r is not None], used, nchs, jp


def _who(spec: Spec, substance: str, uci, lang: str) -> list:
    """The "who uses it" section (UCI convenience sample)."""
    from drugtrends_reports.common import Fig

    if spec.uci is None or uci is None:  # one sentence, given with the substance's note at the top
        return []
    items: list = ["## " + i18n.t("factsheet.who", lang)]
    res = uci_profile(uci, spec)
    return items + [i18n.t("factsheet.uci.intro", lang, n=i18n.fmt_number(len(uci), 0, lang)),
                    uci_sex_sentence(uci, spec, substance, lang),
                    Fig(uci_profile_figure(res, substance, lang), uci_alt(res, substance, lang))]


@dataclass(frozen=True)
class Context:
    """A fact sheet's inputs, computed once (frozen)."""

    lang: str
    substance: str
    spec: Spec
    data: Mapping[str, Any]


def build(params: Any = None, data: Mapping[str, Any] | None = None) -> Context:
    """Check the substance and load the fact sheet's datasets (``None`` when missing).

    Parameters
    ----------
    params
        The report's parameters: ``{"substance": "cocaine", "lang": "fr"}``.
    data
        Preloaded datasets by load id (tests); the others are loaded.

    Returns
    -------
    Context
    """
    from drugtrends_reports import common

    lang = common.lang_of(params)
    substance = str(dict(params or {}).get("substance", "cocaine")).strip().lower()
    spec = check_substance(substance)
    data = dict(data or {})
    for ds in DATASETS:
        if ds not in data:
            data[ds] = common.try_load(ds, lang=lang)[0]
    return Context(lang, substance, spec, MappingProxyType(data))


def page(substance: str, lang: str = "en", data: Mapping[str, Any] | None = None) -> list:
    """The whole fact sheet as display items: ``sections(build(...))``.

    Parameters
    ----------
    substance
        Fact-sheet id (:data:`FACTSHEETS`).
    lang
        ``"en"`` or ``"fr"``.
    data
        Preloaded datasets by load id (tests); the others are loaded.

    Returns
    -------
    list
    """
    return sections(build({"substance": substance, "lang": lang}, data))


def sections(ctx: Context) -> list:
    """The whole fact sheet as display items (render with :func:`drugtrends_reports.common.emit`).

    Parameters
    ----------
    ctx
        From :func:`build`.

    Returns
    -------
    list
        Markdown strings, figures with alt text and tables, in display order.
    """
    from drugtrends.keyfigures import KeyFigures
    from drugtrends_reports import overdose, supply
    from drugtrends_reports.common import Fig, Title
    from drugtrends_reports.trends import key_sentence, prevalence_alt

    spec, substance, lang, data = ctx.spec, ctx.substance, ctx.lang, ctx.data
    prev, seiz, perc = data["unodc_prevalence"], data["unodc_seizures"], data["unodc_trend_perception"]
    sel = select_prevalence(prev, substances=(spec.unodc,)) if (prev is not None and spec.unodc) else None
    sf = supply.seizure_frame(seiz, drugs={spec.seizure: supply.SEIZURE_DRUGS[spec.seizure]}) \
        if (seiz is not None and spec.seizure) else None
    pf = supply.perception_frame(perc) if (perc is not None and spec.perception) else None
    rows, used, nchs, jp = _key_rows(spec, substance, data, sel, sf, lang)
    items: list = [Title(title(substance, lang)), "## " + i18n.t("common.key_figures", lang),
                   KeyFigures(rows, lang, title="") if rows else None]
    if prev is None or spec.unodc is None:
        pass  # the substance's note says which sources cover it
    elif not (sel["country"] == "France").any():
        items.append(no_prevalence_sentence(substance, lang))
    else:
        items.append(key_sentence(key_figure(sel, "France", spec.unodc), lang))
    no_item = i18n.t("factsheet.uci.no_item", lang) if spec.uci is None else ""
    items.append(" ".join(filter(None, [note(spec, lang), no_item])))
    if (sel is not None and len(sel)) or nchs is not None:
        items.append("## " + i18n.t("factsheet.trend", lang))
    if sel is not None and len(sel):
        keep = sel[sel["country"].isin(trend_countries(sel, spec.unodc))]
        items += [Fig(trend_figure(keep, spec.unodc, lang), prevalence_alt(keep, spec.unodc, lang)),
                  europe_sentence(sel, spec.unodc, lang)]
    if pf is not None:
        items.append(supply.perception_sentence(pf, spec.perception, lang))
        used.append("unodc21")
    if nchs is not None:
        items.append(overdose.nchs_sentence(nchs, jp, spec.nchs, lang))
    from drugtrends_reports import sheet_sources

    items.append(sheet_sources.wastewater_sentence(data.get("euda_wastewater"), substance, lang))
    items += sheet_sources.wastewater_figure(data.get("euda_wastewater"), substance, lang)
    items += _who(spec, substance, data["uci_drug_consumption"], lang)
    if spec.uci and data["uci_drug_consumption"] is not None:
        used.append("uci")
    sentence = supply.seizure_sentence(sf, spec.seizure, lang) if sf is not None else ""
    if sentence:
        items += ["## " + i18n.t("factsheet.supply", lang), sentence]
    return items + ["## " + i18n.t("trends.sources", lang), sources_list(used, lang)]
