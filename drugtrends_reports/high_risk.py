"""High-risk drug use: the trends report's section on indirect estimates (issue 18).

Household surveys miss most people who use opioids in a high-risk way, so
observatories estimate their number indirectly (capture-recapture across
administrative lists, benchmark-multipliers). Those estimates are another
indicator than survey prevalence (``indicator == "high_risk_use"`` in the
data layer): this section shows them **on their own**, never beside a
prevalence, as rates per 1,000 residents aged 15-64 (the EU drugs agency's
unit; UNODC publishes them as percentages, so ``per 1,000 = percent x 10``).

It has two parts:

* France's problem opioid use as published in the UNODC annex (table 1.2,
  method ``I``), one row per estimate with its comparability group; a change of
  group is footnoted, never read as a trend;
* a worked example of both methods on **illustrative numbers** (invented,
  documented below, labelled as an illustration wherever shown).

Every user-visible string comes from the ``high_risk:`` section of the
message catalogue (:mod:`drugtrends.i18n`).
"""

from __future__ import annotations

import warnings

import pandas as pd

from drugtrends import i18n
from drugtrends.errors import ModelWarning
from drugtrends.indirect import capture_recapture, multiplier, prevalence_per_1000
from drugtrends.tables import simple_table

__all__ = [
    "ILLUSTRATION_HISTORIES", "ILLUSTRATION_LISTS", "ILLUSTRATION_MULTIPLIER", "HETEROGENEITY_MODELS",
    "france_high_risk", "key_sentence", "france_table", "illustration_capture_recapture",
    "illustration_heterogeneity", "heterogeneity_sentence", "illustration_multiplier",
    "worked_example", "section",
]

#: The three lists of the illustration (column names of :data:`ILLUSTRATION_HISTORIES`).
ILLUSTRATION_LISTS = ("treatment", "harm_reduction", "police")

#: ILLUSTRATION ONLY (invented): people seen on each combination of three lists of one city's
#: high-risk opioid users. Drawn once (numpy seed 18) from Poisson counts of a population of
#: 5,000 with list probabilities 0.35 (treatment), 0.25 (harm reduction), 0.10 (police) and a
#: treatment x harm-reduction odds ratio of 2.5 (people in treatment use harm-reduction services
#: more often); the truth has 2,376 people on no list. Not data of any real place.
ILLUSTRATION_HISTORIES = pd.DataFrame({
    "treatment": [1, 1, 1, 1, 0, 0, 0],
    "harm_reduction": [1, 1, 0, 0, 1, 1, 0],
    "police": [1, 0, 1, 0, 1, 0, 1],
    "n": [62, 560, 115, 996, 56, 586, 300],
})

#: ILLUSTRATION ONLY (invented): 12,000 people in treatment in a year; a survey of users finds
#: 25 % of them in treatment (95 % CI 20-30 %); 40 million residents aged 15-64.
ILLUSTRATION_MULTIPLIER = {"benchmark": 12_000, "proportion": 0.25, "proportion_ci": (0.20, 0.30),
                           "population": 40_000_000}

_COUNTRY = "France"
_SUBSTANCES = ("opioids", "opiates")


def france_high_risk(prev: pd.DataFrame) -> pd.DataFrame:
    """France's published high-risk (problem) opioid use estimates, per 1,000 aged 15-64.

    Parameters
    ----------
    prev : DataFrame
        ``dt.load("unodc_prevalence")`` (with the data layer's ``indicator``,
        ``comparability_group``, ``break_code`` columns).

    Returns
    -------
    DataFrame
        One row per published estimate (opioids, then opiates; years
        ascending): ``substance``, ``year``, ``period``, ``age_group``,
        ``per_1000``, ``per_1000_low``, ``per_1000_high`` (UNODC percent x 10),
        ``source``, ``notes``, ``comparability_group``, ``break_code``.

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"] * 2, "indicator": ["high_risk_use", "prevalence"],
    ...                   "substance": ["opioids"] * 2, "year": [2019, 2019], "period": ["past_year"] * 2,
    ...                   "age_group": ["15-64"] * 2, "best": [0.506, 3.0], "low": [0.494, None],
    ...                   "high": [0.517, None], "source": ["EMCDDA (EUDA)"] * 2, "notes": [None] * 2,
    ...                   "comparability_group": ["g", "h"], "break_code": [None] * 2})
    >>> r = france_high_risk(d)
    >>> len(r), int(r["year"][0]), round(float(r["per_1000"][0]), 2), round(float(r["per_1000_low"][0]), 2)
    (1, 2019, 5.06, 4.94)
    """
    if "indicator" not in prev:
        return pd.DataFrame()
    d = prev[(prev["country"] == _COUNTRY) & (prev["indicator"] == "high_risk_use")
             & prev["substance"].isin(_SUBSTANCES)].copy()
    d["per_1000"] = 10 * d["best"].astype(float)
    d["per_1000_low"] = 10 * d["low"].astype(float)
    d["per_1000_high"] = 10 * d["high"].astype(float)
    d["substance"] = d["substance"].astype(str)
    d["period"] = d["period"].astype(str)
    d["_order"] = d["substance"].map({s: i for i, s in enumerate(_SUBSTANCES)})
    d = d.sort_values(["_order", "year"]).reset_index(drop=True)
    keep = ["substance", "year", "period", "age_group", "per_1000", "per_1000_low", "per_1000_high", "source",
            "notes", "comparability_group", "break_code"]
    return d.reindex(columns=keep)


def _source(T: i18n.Translator, source: object) -> str:
    """A published source name in the report language (as published when the catalogue lacks it)."""
    key = f"high_risk.source_name.{i18n.slug(source)}"
    return T(key) if T.has(key) else str(source)


def _range(T: i18n.Translator, row: pd.Series) -> str:
    if pd.isna(row["per_1000_low"]) or pd.isna(row["per_1000_high"]):
        return T("high_risk.rate_no_range")
    return T("high_risk.rate_range", ci=T.ci(row["per_1000_low"], row["per_1000_high"]))


def key_sentence(rows: pd.DataFrame, lang: str = "en") -> str:
    """The key figure: France's latest past-year problem opioid use, and the previous comparable one.

    Parameters
    ----------
    rows : DataFrame
        :func:`france_high_risk` output.
    lang : {"en", "fr"}

    Returns
    -------
    str
        One or two sentences (catalogue keys ``high_risk.key``, ``high_risk.previous``).
    """
    T = i18n.bind(lang)
    py = rows[(rows["substance"] == "opioids") & (rows["period"] == "past_year")]
    if py.empty:
        return T("high_risk.none")
    last = py.iloc[-1]
    text = T("high_risk.key", rate=T.num(last["per_1000"], 1), range=_range(T, last), year=str(last["year"]),
             ages=str(last["age_group"]),
             source=_source(T, last["source"]))
    same = py[(py["comparability_group"] == last["comparability_group"]) & (py["year"] < last["year"])]
    if len(same):
        p = same.iloc[-1]
        text += " " + T("high_risk.previous", rate=T.num(p["per_1000"], 1), year=str(p["year"]),
                        source=_source(T, p["source"]))
    return text


def _break_text(T: i18n.Translator, code: object) -> str:
    if code is None or (not isinstance(code, str) and pd.isna(code)) or not str(code):
        return ""
    parts = [T(f"common.break_code.{c}") if T.has(f"common.break_code.{c}") else T("common.break_code.unknown")
             for c in str(code).split("+")]
    return T("high_risk.new_series", reason=i18n.join_words(parts, T.lang))


def france_table(rows: pd.DataFrame, lang: str = "en"):
    """France's published indirect estimates as a publication table (one row per estimate).

    Parameters
    ----------
    rows : DataFrame
        :func:`france_high_risk` output.
    lang : {"en", "fr"}

    Returns
    -------
    drugtrends.tables.PubTable
    """
    T = i18n.bind(lang)
    out = pd.DataFrame({
        T("high_risk.col_substance"): [T(f"high_risk.substance.{s}") for s in rows["substance"]],
        T("common.year"): rows["year"].astype(str),
        T("high_risk.col_period"): [T(f"high_risk.period.{p}") for p in rows["period"]],
        T("high_risk.col_rate"): [T.num(v, 1) for v in rows["per_1000"]],
        T("high_risk.col_range"): [T.ci(lo, hi) if not (pd.isna(lo) or pd.isna(hi)) else T("common.na")
                                   for lo, hi in zip(rows["per_1000_low"], rows["per_1000_high"])],
        T("common.source"): [_source(T, x) for x in rows["source"]],
        T("high_risk.col_note"): [T("high_risk.other_period") if p != "past_year" else _break_text(T, c)
                                  for p, c in zip(rows["period"], rows["break_code"])],
    })
    return simple_table(out, title=T("high_risk.table_title"), notes=[T("high_risk.table_note")],
                        source=T("high_risk.source"), lang=lang,
                        align_right=[T("high_risk.col_rate"), T("high_risk.col_range")])


def illustration_capture_recapture() -> pd.DataFrame:
    """All two-way log-linear models on :data:`ILLUSTRATION_HISTORIES`, lowest AIC first.

    Returns
    -------
    DataFrame
        :func:`drugtrends.indirect.capture_recapture` output, sorted by AIC.

    Examples
    --------
    >>> r = illustration_capture_recapture()
    >>> r["model"].iloc[0], int(r["n_observed"].iloc[0])
    ('treatment:harm_reduction', 2675)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)  # boundary rows are flagged in the frame
        r = capture_recapture(ILLUSTRATION_HISTORIES, list(ILLUSTRATION_LISTS), models="all")
    return r[r["identifiable"]].sort_values("aic").reset_index(drop=True)


#: the heterogeneity forms added to the chosen log-linear model (Rcapture's Mth models; Rivest 2011)
HETEROGENEITY_MODELS = ("Mth Chao (LB)", "Mth Poisson2", "Mth Darroch", "Mth Gamma3.5")


def illustration_heterogeneity(best_model: str | None = None) -> pd.DataFrame:
    """The chosen log-linear model refitted with each heterogeneity form (sensitivity analysis).

    Parameters
    ----------
    best_model : str, optional
        The lowest-AIC model of :func:`illustration_capture_recapture` (default: computed).

    Returns
    -------
    DataFrame
        :func:`drugtrends.indirect.capture_recapture` rows of ``Mth <form> + <interactions>``
        (or the plain Mth models when the chosen model is independence), with ``usable``:
        identifiable, not at a boundary, not saturated.

    Examples
    --------
    >>> h = illustration_heterogeneity()
    >>> h["model"].iloc[1], round(float(h["N"].min())), round(float(h["N"].max()))
    ('Mth Poisson2 + treatment:harm_reduction', 5450, 5553)
    """
    if best_model is None:
        best_model = illustration_capture_recapture()["model"].iloc[0]
    models = [h if best_model == "independence" else f"{h} + {best_model}" for h in HETEROGENEITY_MODELS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)  # boundary rows are flagged in the frame
        r = capture_recapture(ILLUSTRATION_HISTORIES, list(ILLUSTRATION_LISTS), models=models)
    return r.assign(usable=r["identifiable"] & ~r["boundary"] & ~r["saturated"])


def heterogeneity_sentence(T: i18n.Translator, best: pd.Series, het: pd.DataFrame) -> str:
    """One sentence: the heterogeneity range beside the log-linear estimate (and what was left out)."""
    ok = het[het["usable"]]
    if not len(ok):
        return T("high_risk.het_none")
    text = T("high_risk.het_result", low=T.num(ok["N"].min()), high=T.num(ok["N"].max()),
             ci=T.ci(ok["ci_low"].min(), ok["ci_high"].max(), 0), n=T.num(best["N"]))
    left = len(het) - len(ok)
    return text if not left else f"{text} {T('high_risk.het_flagged', k=left)}"


def illustration_multiplier() -> pd.DataFrame:
    """The multiplier illustration with its rate per 1,000 aged 15-64.

    Returns
    -------
    DataFrame
        One row: :func:`drugtrends.indirect.multiplier` columns plus
        ``population``, ``per_1000``, ``per_1000_ci_low``, ``per_1000_ci_high``.

    Examples
    --------
    >>> illustration_multiplier()[["N", "ci_low", "ci_high", "per_1000"]].round(1).values.tolist()
    [[48000.0, 40000.0, 60000.0, 1.2]]
    """
    m = ILLUSTRATION_MULTIPLIER
    r = multiplier(m["benchmark"], m["proportion"], proportion_ci=m["proportion_ci"])
    return prevalence_per_1000(r, m["population"])


def worked_example(lang: str = "en") -> list:
    """The worked example of both methods (illustrative numbers), as display items.

    Parameters
    ----------
    lang : {"en", "fr"}

    Returns
    -------
    list
        Markdown strings and :class:`~drugtrends.tables.PubTable` objects.
    """
    T = i18n.bind(lang)
    yes, no = T("common.word_yes"), T("common.word_no")
    h = ILLUSTRATION_HISTORIES
    hist = pd.DataFrame({T(f"high_risk.list.{c}"): [yes if v else no for v in h[c]] for c in ILLUSTRATION_LISTS})
    hist[T("high_risk.col_people")] = [T.num(v) for v in h["n"]]
    cr = illustration_capture_recapture()
    best = cr.iloc[0]
    models = pd.DataFrame({
        T("high_risk.col_model"): [_model_label(T, m) for m in cr["model"].head(4)],
        T("high_risk.col_n"): [T.num(v) for v in cr["N"].head(4)],
        T("high_risk.col_ci"): [T.ci(lo, hi, 0) for lo, hi in zip(cr["ci_low"].head(4), cr["ci_high"].head(4))],
        T("high_risk.col_aic"): [T.num(v, 1) for v in cr["aic"].head(4)],
        T("high_risk.col_deviance"): [f"{T.num(d, 1)} ({int(df)})" for d, df in
                                      zip(cr["deviance"].head(4), cr["df"].head(4))],
    })
    mu = illustration_multiplier().iloc[0]
    m = ILLUSTRATION_MULTIPLIER
    return [
        f"### {T('high_risk.example_heading')}",
        f"**{T('high_risk.example_warning')}**",
        T("high_risk.cr_intro", n_obs=T.num(best["n_observed"])),
        simple_table(hist, title=T("high_risk.cr_table_title"), notes=[T("high_risk.example_warning")],
                     lang=lang, align_right=[T("high_risk.col_people")]),
        T("high_risk.cr_result", model=_model_label(T, best["model"]), n=T.num(best["N"]),
          ci=T.ci(best["ci_low"], best["ci_high"], 0), unobserved=T.num(best["n_unobserved"])),
        simple_table(models, title=T("high_risk.cr_models_title"), notes=[T("high_risk.cr_models_note")],
                     lang=lang, align_right=[T("high_risk.col_n"), T("high_risk.col_aic")]),
        heterogeneity_sentence(T, best, illustration_heterogeneity(best["model"])),
        T("high_risk.mult_result", benchmark=T.num(m["benchmark"]), share=T.pct(100 * m["proportion"], 0),
          share_ci=T.ci(100 * m["proportion_ci"][0], 100 * m["proportion_ci"][1], 0), n=T.num(mu["N"]),
          ci=T.ci(mu["ci_low"], mu["ci_high"], 0)),
        T("high_risk.rate_result", population=T.num(m["population"]), rate=T.num(mu["per_1000"], 1),
          ci=T.ci(mu["per_1000_ci_low"], mu["per_1000_ci_high"], 1)),
    ]


def _model_label(T: i18n.Translator, model: str) -> str:
    if model == "independence":
        return T("high_risk.model_independence")
    terms = [" × ".join(T(f"high_risk.list.{x}") for x in term.split(":")) for term in model.split(" + ")]
    return T("high_risk.model_terms", terms=i18n.join_words(terms, T.lang))


def section(prev: pd.DataFrame | None, lang: str = "en", command: str = "drugtrends fetch unodc_wdr2025") -> list:
    """The whole high-risk-use section (level-2 heading included) as display items.

    Parameters
    ----------
    prev : DataFrame or None
        ``dt.load("unodc_prevalence")``; ``None`` when it is not available
        (the section then says so in one sentence, and still shows the
        worked example, which needs no data).
    lang : {"en", "fr"}
    command : str
        The command that fetches the UNODC tables (for the missing-data sentence).

    Returns
    -------
    list
        Markdown strings (print them as-is) and PubTables, in display order.

    Examples
    --------
    >>> items = section(None)
    >>> items[0]
    '## High-risk opioid use: indirect estimates'
    >>> "unodc_prevalence" in items[2]
    True
    """
    T = i18n.bind(lang)
    items: list = [f"## {T('high_risk.heading')}", T("high_risk.intro")]
    if prev is None:
        items.append(T("common.missing_dataset", dataset="unodc_prevalence", command=command))
    else:
        rows = france_high_risk(prev)
        items.append(key_sentence(rows, lang))
        if len(rows):
            items.append(france_table(rows, lang))
    return items + worked_example(lang)
