"""Supply side and expert perception: UNODC annex tables 7.1 (seizures) and 2.1 (trend perception).

Seizures are administrative counts of what was seized (kilograms, shown in
tonnes), not a measure of use or of the market's size: they move with
enforcement effort and large single seizures. One quantity per country, drug
and year comes from :func:`drugtrends.comparability.seizure_totals` (the
reported total where the country gives one, else the sum of the items);
coca leaf and coca bush are left out of cocaine, as in UNODC's own total.
"""

from __future__ import annotations

import pandas as pd

from drugtrends import i18n
from drugtrends_reports.trends import country_label, source

__all__ = ["NEIGHBOURS", "SEIZURE_DRUGS", "seizure_frame", "france_seizures_table", "seizure_figure", "seizure_sentence",
           "seizure_alt", "seizure_key", "perception_frame", "perception_table", "perception_sentence"]

#: France and its neighbours (UNODC 7.1 names -> report ids), display order.
NEIGHBOURS: dict[str, str] = {
    "France": "France", "Belgium": "Belgium", "Luxembourg": "Luxembourg", "Germany": "Germany",
    "Switzerland": "Switzerland", "Italy": "Italy", "Spain": "Spain",
}

#: Report drug id -> (substance, drug_subgroup or None): what each seizure series adds up.
SEIZURE_DRUGS: dict[str, tuple[str, str | None]] = {
    "cocaine": ("cocaine", None),
    "crack": ("crack", None),
    "cannabis_herb": ("cannabis", "Cannabis herb (marijuana)"),
    "cannabis_resin": ("cannabis", "Cannabis resin (hashish)"),
    "heroin": ("heroin", None),
    "amphetamines": ("amphetamines", None),
    "ecstasy": ("ecstasy", None),
}


def drug_label(drug: str, lang: str = "en") -> str:
    """Label of a seizure series (:data:`SEIZURE_DRUGS` key).

    Parameters
    ----------
    drug
        Key of :data:`SEIZURE_DRUGS`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> drug_label("cannabis_resin", "fr")
    'Résine de cannabis'
    """
    return i18n.t(f"trends.seizure_drug.{drug}", lang)


def seizure_frame(seizures: pd.DataFrame, countries: dict[str, str] | None = None,
                  drugs: dict[str, tuple[str, str | None]] | None = None) -> pd.DataFrame:
    """Quantities seized per country, drug and year, in tonnes.

    Parameters
    ----------
    seizures
        ``drugtrends.datasets.load("unodc_seizures")``.
    countries
        UNODC name -> report id (default :data:`NEIGHBOURS`).
    drugs
        Report drug id -> (substance, drug_subgroup) (default :data:`SEIZURE_DRUGS`).

    Returns
    -------
    pandas.DataFrame
        ``country`` (report id), ``drug``, ``year`` (int), ``kilograms``,
        ``tonnes``, ``basis``; in country and drug order.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": 2022, "drug_group": "C",
    ...     "drug_subgroup": ["Cocaine", "Coca-type"], "drug_name": ["Cocaine hydrochloride", "Coca leaf"],
    ...     "is_total": False, "kilograms": [27700.0, 5.0]})
    >>> seizure_frame(d, drugs={"cocaine": ("cocaine", None)})[["country", "drug", "tonnes"]].values.tolist()
    [['France', 'cocaine', 27.7]]
    """
    from drugtrends import comparability

    countries = countries or NEIGHBOURS
    drugs = drugs or SEIZURE_DRUGS
    d = seizures[seizures["country"].astype(str).isin(list(countries))]
    d = d[d["drug_subgroup"].astype(str) != "Coca-type"]
    parts = []
    for drug, (sub, subgroup) in drugs.items():
        g = d[d["substance"].astype(str) == sub]
        if subgroup is not None:
            g = g[g["drug_subgroup"].astype(str) == subgroup]
        if g.empty:
            continue
        tot = comparability.seizure_totals(g.assign(country=g["country"].astype(str)), by=("country", "year"))
        parts.append(tot.assign(drug=drug))
    cols = ["country", "drug", "year", "kilograms", "tonnes", "basis", "scope", "comparability_group",
            "break_reason", "break_code"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    for c in ("scope", "comparability_group", "break_reason", "break_code"):  # what each total covers
        if c not in out.columns:
            out[c] = pd.NA
    # one series per drug and category: a change of category (amphetamine only -> all ATS) is a break
    out["comparability_group"] = out["drug"] + "|" + out["comparability_group"].astype(str)
    out["country"] = out["country"].map(countries)
    out["year"] = out["year"].astype(int)
    co = {c: i for i, c in enumerate(countries.values())}
    do = {k: i for i, k in enumerate(drugs)}
    out = out.assign(_c=out["country"].map(co), _d=out["drug"].map(do)).sort_values(["_c", "_d", "year"])
    return out[cols].reset_index(drop=True)


def _tonnes(v: float, lang: str) -> str:
    digits = 1 if abs(v) >= 1 else (2 if abs(v) >= 0.01 else 3)
    return i18n.fmt_number(v, digits, lang)


def france_seizures_table(sf: pd.DataFrame, lang: str = "en", country: str = "France"):
    """Quantities seized in one country by drug (rows) and year (columns), tonnes.

    Parameters
    ----------
    sf
        Output of :func:`seizure_frame`.
    lang
        ``"en"`` or ``"fr"``.
    country
        Report country id.

    Returns
    -------
    drugtrends.tables.PubTable or None
    """
    from drugtrends import tables

    d = sf[sf["country"] == country]
    if d.empty:
        return None
    # one row per drug and category: a row never mixes what the totals cover (issue 23)
    d = d.assign(scope=d["scope"].astype(object).where(d["scope"].notna(), "reported_total"))
    w = d.pivot_table(index=["drug", "scope"], columns="year", values="tonnes", aggfunc="first", sort=False)
    order = {k: i for i, k in enumerate(SEIZURE_DRUGS)}
    w = w.loc[sorted(w.index, key=lambda ix: (order.get(ix[0], 99), str(ix[1])))]
    # a named category says what the row covers ("Amphetamine only", "All amphetamine-type stimulants")
    labels = [i18n.t(f"trends.seizures.scope.{sc}", lang)[:1].upper() + i18n.t(f"trends.seizures.scope.{sc}", lang)[1:]
              if i18n.has(f"trends.seizures.scope.{sc}", lang) and sc != "reported_total" else drug_label(k, lang)
              for k, sc in w.index]
    out = pd.DataFrame({i18n.t("trends.seizures.drug", lang): labels})
    for y in w.columns:
        out[str(y)] = [_tonnes(v, lang) if pd.notna(v) else "" for v in w[y]]
    return tables.simple_table(
        out, source=source("unodc71", lang),
        title=i18n.t("trends.seizures.table_title", lang, country=country_label(country, lang)),
        notes=[i18n.t("trends.seizures.note", lang)], lang=lang, align_right=[str(y) for y in w.columns])


def seizure_sentence(sf: pd.DataFrame, drug: str, lang: str = "en", country: str = "France") -> str:
    """One sentence with a country's yearly quantities seized of one drug (fact sheets).

    Parameters
    ----------
    sf
        Output of :func:`seizure_frame`.
    drug
        Key of :data:`SEIZURE_DRUGS`.
    lang
        ``"en"`` or ``"fr"``.
    country
        Report country id.

    Returns
    -------
    str
        Empty when the country reports none.
    """
    g = sf[(sf["country"] == country) & (sf["drug"] == drug)].sort_values("year")
    if g.empty:
        return ""
    series = i18n.join_words([f"{_tonnes(r.tonnes, lang)} t ({int(r.year)})" for r in g.itertuples()], lang)
    return i18n.t("trends.seizures.sentence", lang, drug=drug_label(drug, lang), country=country_label(country, lang),
                  series=series) + " " + i18n.t("trends.seizures.sentence_note", lang)


def seizure_figure(sf: pd.DataFrame, lang: str = "en", drugs: tuple[str, ...] = ("cocaine", "cannabis_resin",
                                                                                 "cannabis_herb", "heroin")):
    """Small multiples, one panel per drug, one line per country: tonnes seized by year.

    Parameters
    ----------
    sf
        Output of :func:`seizure_frame`.
    lang
        ``"en"`` or ``"fr"``.
    drugs
        Panels.

    Returns
    -------
    matplotlib.figure.Figure or None
    """
    from drugtrends import plots

    d = sf[sf["drug"].isin(drugs)].copy()
    if d.empty:
        return None
    d["panel"] = d["drug"].map(lambda k: drug_label(k, lang))
    return plots.small_multiples(
        d, "panel", "year", "tonnes", group="country", title=i18n.t("trends.seizures.fig_title", lang),
        ylabel=i18n.t("trends.seizures.ylabel", lang), source=source("unodc71", lang), lang=lang,
        ncols=2, sharey=False, group_labels={c: country_label(c, lang) for c in d["country"].unique()})


def seizure_alt(sf: pd.DataFrame, lang: str = "en") -> str:
    """Alt text of :func:`seizure_figure`: what it shows and France's cocaine series.

    Parameters
    ----------
    sf
        Output of :func:`seizure_frame`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    f = sf[(sf["country"] == "France") & (sf["drug"] == "cocaine")].sort_values("year")
    series = i18n.join_words([f"{int(r.year)}: {_tonnes(r.tonnes, lang)} t" for r in f.itertuples()], lang)
    return i18n.t("trends.seizures.fig_alt", lang, series=series)


def seizure_key(sf: pd.DataFrame, drug: str = "cocaine", country: str = "France", lang: str = "en"):
    """Key figure: the latest quantity seized and the change from the year before.

    Parameters
    ----------
    sf
        Output of :func:`seizure_frame`.
    drug
        Key of :data:`SEIZURE_DRUGS`.
    country
        Report country id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
        Seizures are administrative counts: no significance (said in the note).
    """
    from drugtrends import series
    from drugtrends.keyfigures import KeyFigure

    g = sf[(sf["country"] == country) & (sf["drug"] == drug)]
    if g.empty:
        return None
    last = series.latest(g)
    # the previous year of the same category only (the comparability_group, compared whole); no sampling
    # error, so the change is not tested and has no direction word
    ch = series.change(g, y="tonnes")
    return KeyFigure.from_change(
        i18n.t("trends.kf.seizures", lang, drug=drug_label(drug, lang), country=country_label(country, lang)),
        round(float(last["tonnes"]), 1), ch, unit="tonnes", year=int(last["year"]),
        population=i18n.t("trends.seizure_population", lang), note=i18n.t("trends.sig_admin", lang))


def perception_frame(perc: pd.DataFrame, country: str = "France", age_group: str = "overall") -> pd.DataFrame:
    """Experts' perception of the trend in use, one row per drug and year (UNODC 2.1).

    Group-level answers are kept for the drug groups; where a country answered
    for a drug inside the group too (cocaine hydrochloride inside
    cocaine-type drugs), each is its own row.

    Parameters
    ----------
    perc
        ``drugtrends.datasets.load("unodc_trend_perception")``.
    country
        UNODC country name.
    age_group
        ``"overall"``, ``"0-17"``, ``"18-24"`` or ``"25+"``.

    Returns
    -------
    pandas.DataFrame
        ``drug`` (as published), ``substance``, ``year``, ``score`` (-2..2), ``perception``,
        ``group_level`` (the answer is for the whole drug group).
    """
    d = perc[(perc["country"].astype(str) == country) & (perc["age_group"].astype(str) == age_group)]
    group_level = d["drug"].isna() | (d["drug"].astype(str) == d["drug_group"].astype(str))
    out = pd.DataFrame({"drug": d["drug"].astype(str).where(d["drug"].notna(), d["drug_group"].astype(str)),
                        "substance": d["substance"].astype(str), "year": d["year"].astype(int),
                        "score": d["score"], "perception": d["perception"].astype(str),
                        "group_level": group_level.to_numpy()})
    out = out.sort_values(["year", "group_level"], ascending=[True, False], kind="stable")
    return out.drop_duplicates(["drug", "year"]).reset_index(drop=True)


_PERCEPTION_SUBSTANCES = ("cannabis", "cocaine", "crack", "amphetamines", "ecstasy", "opioids", "heroin",
                          "ketamine", "nps", "hallucinogens")


def perception_table(pf: pd.DataFrame, lang: str = "en", country: str = "France"):
    """Perceived trend by substance (rows) and reporting year (columns).

    Parameters
    ----------
    pf
        Output of :func:`perception_frame`.
    lang
        ``"en"`` or ``"fr"``.
    country
        Report country id (title).

    Returns
    -------
    drugtrends.tables.PubTable or None
    """
    from drugtrends import style, tables

    d = pf[pf["substance"].isin(_PERCEPTION_SUBSTANCES) & pf["score"].notna()]
    # one answer per substance and year: the group-level answer when both exist
    d = (d.sort_values(["substance", "year", "group_level"], ascending=[True, True, False], kind="stable")
          .drop_duplicates(["substance", "year"], keep="first"))
    if d.empty:
        return None
    years = sorted(d["year"].unique())
    subs = [s for s in _PERCEPTION_SUBSTANCES if s in set(d["substance"])]
    from drugtrends_reports.common import capitalise

    out = pd.DataFrame({i18n.t("common.substance", lang): [capitalise(style.substance_label(s, lang)) for s in subs]})
    for y in years:
        m = d[d["year"] == y].set_index("substance")["score"]
        out[str(y)] = [i18n.t(f"trends.perception.s{int(m[s]) + 2}", lang) if s in m.index else "" for s in subs]
    return tables.simple_table(out, source=source("unodc21", lang),
                               title=i18n.t("trends.perception.title", lang, country=country_label(country, lang)),
                               notes=[i18n.t("trends.perception.note", lang)], lang=lang)


def perception_sentence(pf: pd.DataFrame, substance: str, lang: str = "en") -> str:
    """One sentence: the experts' latest perception for a substance (empty when none).

    Parameters
    ----------
    pf
        Output of :func:`perception_frame`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    from drugtrends_reports.trends import sub_fields

    d = pf[(pf["substance"] == substance) & pf["score"].notna()].sort_values("year")
    if d.empty:
        return ""
    r = d.iloc[-1]
    return i18n.t("trends.perception.sentence", lang, year=int(r["year"]),
                  perception=i18n.t(f"trends.perception.s{int(r['score']) + 2}", lang).lower(),
                  **sub_fields(substance, lang))
