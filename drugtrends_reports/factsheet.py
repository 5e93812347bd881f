"""Analysis steps of the parameterised substance fact sheet (``reports/factsheet.qmd``).

One substance: key figures (UNODC past-year prevalence in France, Europe and the
United States; US overdose deaths when CDC VSRR has a matching class), a trend
chart, a profile chart of past-year users (UCI convenience sample, unweighted)
and the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from drugtrends_reports.common import de, num, pct, say
from drugtrends import style
from drugtrends.errors import DrugtrendsError

__all__ = ["FACTSHEETS", "UnknownSubstanceError", "check_substance", "Spec", "uci_profile",
           "substances_with_data", "france_sentence",
           "uci_profile_figure", "europe_sentence", "vsrr_sentence", "UCI_SOURCE"]

UCI_SOURCE = ("UCI Machine Learning Repository, Drug consumption (quantified), Fehrman et al. 2017 "
              "(online convenience sample, 2011-2012; unweighted)")


class UnknownSubstanceError(DrugtrendsError, ValueError):
    """The fact sheet was asked for a substance it does not cover."""


@dataclass(frozen=True)
class Spec:
    """Which series a fact sheet uses for one substance.

    Attributes
    ----------
    unodc
        Taxonomy id of the UNODC annex 1.2 sheet.
    vsrr
        Taxonomy id of the matching CDC VSRR class, or ``None``.
    vsrr_note
        How the VSRR class relates to the substance (when it is broader/narrower).
    uci
        Prefix of the UCI usage flags (``coke`` -> ``coke_year``), or ``None``.
    uci_note
        How the UCI item relates to the substance.
    """

    unodc: str
    vsrr: str | None
    vsrr_note: str
    uci: str | None
    uci_note: str


#: Substances with a fact sheet.
FACTSHEETS: dict[str, Spec] = {
    "cocaine": Spec("cocaine", "cocaine", "", "coke", "UCI item: cocaine (powder)."),
    "cannabis": Spec("cannabis", None, "", "cannabis", ""),
    "amphetamines": Spec("amphetamines", "psychostimulants",
                         "CDC class T43.6, psychostimulants with abuse potential, is broader "
                         "(methamphetamine, amphetamine, MDMA, prescription stimulants).",
                         "amphet", "UCI item: amphetamines."),
    "ecstasy": Spec("ecstasy", None, "", "ecstasy", ""),
    "opioids": Spec("opioids", "opioids", "CDC class: opioids (T40.0-T40.4, T40.6).",
                    "heroin", "UCI item: heroin (the survey has no item for all opioids)."),
    "opiates": Spec("opiates", "heroin",
                    "CDC class T40.1, heroin, is narrower (opiates also include opium and morphine).",
                    "heroin", "UCI item: heroin."),
    "prescription_opioids": Spec(
        "prescription_opioids", "natural_semisynthetic_opioids",
        "CDC class T40.2, natural and semi-synthetic opioids (oxycodone, hydrocodone, morphine), is the "
        "usual proxy for prescription opioids; it leaves out synthetic ones such as tramadol.",
        None, ""),
    "prescription_stimulants": Spec(
        "prescription_stimulants", "psychostimulants",
        "CDC class T43.6, psychostimulants with abuse potential, is broader (it includes methamphetamine).",
        None, ""),
    "tranquillizers_sedatives": Spec("tranquillizers_sedatives", None, "", "benzos",
                                     "UCI item: benzodiazepines."),
    "nps": Spec("nps", None, "", "legalhigh", "UCI item: legal highs."),
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
    drugtrends_reports.factsheet.UnknownSubstanceError: No fact sheet for substance 'tea'. Valid substances: cocaine, cannabis, amphetamines, ecstasy, opioids, opiates, prescription_opioids, prescription_stimulants, tranquillizers_sedatives, nps (render with -P substance=<one of them>).
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
    """Fact-sheet substances with at least one UNODC estimate for a report country.

    The fact sheet's list (:data:`FACTSHEETS`) must be exactly this list: the
    report declares one variant per entry (``reports/factsheet.qmd`` front
    matter), and a test checks that the three agree on the real data.

    Parameters
    ----------
    prev
        ``drugtrends.datasets.load("unodc_prevalence")`` (annex table 1.2).

    Returns
    -------
    list of str
        Taxonomy ids, in the order of :data:`FACTSHEETS` first, then any other
        taxonomy substance with data in taxonomy order.

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France", "Chad"], "substance": ["cannabis", "cocaine"],
    ...                   "period": ["past_year"] * 2, "year": [2020, 2020], "age_group": ["15-64"] * 2,
    ...                   "best": [10.0, 1.0], "low": [None] * 2, "high": [None] * 2,
    ...                   "male": [None] * 2, "female": [None] * 2, "source": [""] * 2, "method": [""] * 2})
    >>> substances_with_data(d)
    ['cannabis']
    """
    from drugtrends_reports.trends import select_prevalence
    from drugtrends import taxonomy

    present = set(select_prevalence(prev, substances=tuple(taxonomy.ids()))["substance"])
    order = list(FACTSHEETS) + [s for s in taxonomy.ids() if s not in FACTSHEETS]
    return [s for s in order if s in present]


def france_sentence(kf, substance: str, lang: str = "en") -> str:
    """Key sentence for France (:func:`drugtrends_reports.trends.key_sentence`), or say that UNODC has no French estimate.

    Parameters
    ----------
    kf
        :func:`drugtrends_reports.trends.key_figure` for France (``None`` when there is none).
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> france_sentence(None, "nps")
    'UNODC publishes no past-year prevalence of new psychoactive substances for France.'
    """
    from drugtrends_reports.trends import key_sentence

    if kf is not None:
        return key_sentence(kf, lang)
    sub = style.substance_label(substance, lang)
    sub = sub if sub[:2].isupper() else sub.lower()
    return say(f"UNODC publishes no past-year prevalence of {sub} for France.",
               f"L'ONUDC ne publie pas de prévalence de l'usage {de(sub)} dans l'année pour la France.", lang)


def europe_sentence(sel: pd.DataFrame, substance: str, lang: str = "en") -> str:
    """Range of the latest estimates across the report countries (lowest and highest).

    Parameters
    ----------
    sel
        Output of :func:`drugtrends_reports.trends.select_prevalence`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France", "Spain"], "substance": ["cocaine"] * 2,
    ...                   "year": [2023, 2022], "best": [2.7, 2.4], "age_group": ["18-64", "15-64"]})
    >>> europe_sentence(d, "cocaine")
    'Across the 2 countries compared, the latest estimates range from 2.4% (Spain, 2022) to 2.7% (France, 2023).'
    """
    from drugtrends_reports.trends import country_label

    d = sel[sel["substance"] == substance].sort_values("year").groupby("country").tail(1)
    if d.empty:
        return ""
    lo, hi = d.loc[d["best"].idxmin()], d.loc[d["best"].idxmax()]
    n = len(d)
    if lang == "fr":
        return (f"Dans les {n} pays comparés, les dernières estimations vont de {pct(lo['best'], 1, lang)} "
                f"({country_label(lo['country'], lang)}, {int(lo['year'])}) à {pct(hi['best'], 1, lang)} "
                f"({country_label(hi['country'], lang)}, {int(hi['year'])}).")
    return (f"Across the {n} countries compared, the latest estimates range from {pct(lo['best'])} "
            f"({country_label(lo['country'])}, {int(lo['year'])}) to {pct(hi['best'])} "
            f"({country_label(hi['country'])}, {int(hi['year'])}).")


def vsrr_sentence(series: pd.DataFrame, spec: Spec, lang: str = "en") -> str:
    """US overdose deaths of the substance's CDC class: first and last 12-month counts.

    Parameters
    ----------
    series
        Output of :func:`drugtrends_reports.trends.vsrr_us_series` for ``spec.vsrr``.
    spec
        From :func:`check_substance`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    from drugtrends_reports.trends import _mois, vsrr_latest

    if spec.vsrr is None:
        return say("CDC VSRR publishes no overdose death class for this substance.",
                   "Le CDC VSRR ne publie pas de classe de décès par surdose pour ce produit.", lang)
    la = vsrr_latest(series[series["substance"] == spec.vsrr]).iloc[0]
    lab = style.substance_label(spec.vsrr, lang)
    if lang == "fr":
        return (f"Aux États-Unis, les décès par surdose impliquant la classe « {lab} » sont passés de "
                f"{num(la['first'], lang=lang)} (12 mois se terminant en {_mois(la['first_date'])}) à "
                f"{num(la['last'], lang=lang)} (12 mois se terminant en {_mois(la['last_date'])}).")
    return (f"In the United States, overdose deaths involving {lab.lower() if not lab[:2].isupper() else lab} "
            f"went from {num(la['first'])} (12 months ending {la['first_date']:%B %Y}) to "
            f"{num(la['last'])} (12 months ending {la['last_date']:%B %Y}). {spec.vsrr_note}").strip()


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
        Demographic column (``"Age"``, ``"Gender"``, ``"Education"``).

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


def uci_profile_figure(res: pd.DataFrame, spec: Spec, substance: str, by: str = "Age", lang: str = "en"):
    """Bar chart (with 95% CI) of past-year use by group in the UCI sample.

    Parameters
    ----------
    res
        Output of :func:`uci_profile`.
    spec
        From :func:`check_substance`.
    substance
        Taxonomy id (title).
    by
        The group column of ``res``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    sub = style.substance_label(substance, lang)
    grp = {"Age": style.text("age", lang), "Gender": say("Gender", "Sexe", lang)}.get(by, by)
    grp_fr = {"Age": "l'âge", "Gender": "le sexe"}.get(by, by)
    s = sub if sub[:2].isupper() else sub.lower()
    title = say(f"Past-year {s} use by {grp.lower()} (UCI sample, unweighted)",
                f"Usage {de(s)} dans l'année selon {grp_fr} (échantillon UCI, non pondéré)", lang)
    return plots.bar_ci(res, by, "estimate", "ci_low", "ci_high", scale=100, title=title,
                        xlabel=say("Past-year users (% of respondents)", "Usagers dans l'année (% des répondants)",
                                   lang),
                        ylabel=grp, source=UCI_SOURCE + (". " + spec.uci_note if spec.uci_note else ""),
                        lang=lang, colour=style.colour(substance))
