"""Analysis steps of the *Substance trends* report (and the fact sheet).

UNODC annex 1.2 (past-year prevalence by country, substance, year) and CDC
VSRR provisional overdose deaths. Functions select and shape the published
figures, find comparability breaks with :mod:`drugtrends.trends`, fit
joinpoints, and hand tidy frames to :mod:`drugtrends.plots` and
:mod:`drugtrends.tables`. Nothing here re-estimates a published figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugtrends_reports.common import capitalise, de, heading, join_words, pct  # noqa: F401 (heading re-exported)
from drugtrends import style

__all__ = [
    "COUNTRIES", "SUBSTANCES", "UNODC_SOURCE", "VSRR_SOURCE", "VSRR_CLASSES",
    "country_label", "select_prevalence", "comparability_breaks", "KeyFigure", "key_figure",
    "key_sentence", "prevalence_figure", "latest_table", "break_notes",
    "vsrr_us_series", "vsrr_figure", "vsrr_joinpoint", "vsrr_latest",
]

UNODC_SOURCE = "UNODC, World Drug Report 2025, statistical annex table 1.2"
VSRR_SOURCE = ("CDC/NCHS, Vital Statistics Rapid Release, provisional drug overdose death counts "
               "(12-month-ending, predicted values)")

#: Countries compared, in display order: id -> names used by the UNODC annex.
#: The United Kingdom's national series in annex 1.2 covers England and Wales.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "France": ("France",),
    "Germany": ("Germany",),
    "Spain": ("Spain",),
    "Italy": ("Italy",),
    "Netherlands": ("Netherlands (Kingdom of the)", "Netherlands"),
    "Belgium": ("Belgium",),
    "United Kingdom": ("United Kingdom (England and Wales)",),
    "United States": ("United States of America",),
}

_COUNTRY_LABELS = {
    "France": {"en": "France", "fr": "France"},
    "Germany": {"en": "Germany", "fr": "Allemagne"},
    "Spain": {"en": "Spain", "fr": "Espagne"},
    "Italy": {"en": "Italy", "fr": "Italie"},
    "Netherlands": {"en": "Netherlands", "fr": "Pays-Bas"},
    "Belgium": {"en": "Belgium", "fr": "Belgique"},
    "United Kingdom": {"en": "UK (England & Wales)", "fr": "R.-U. (Angl. et Galles)"},
    "United States": {"en": "United States", "fr": "États-Unis"},
}

#: Substances of the trends report (taxonomy ids, UNODC sheets).
SUBSTANCES: tuple[str, ...] = ("cocaine", "cannabis", "amphetamines", "ecstasy", "opioids")

#: VSRR indicator -> taxonomy id, for the classes the report shows.
VSRR_CLASSES: dict[str, str] = {
    "Number of Drug Overdose Deaths": "all_drugs",
    "Synthetic opioids, excl. methadone (T40.4)": "synthetic_opioids",
    "Heroin (T40.1)": "heroin",
    "Cocaine (T40.5)": "cocaine",
    "Psychostimulants with abuse potential (T43.6)": "psychostimulants",
}


def country_label(country: str, lang: str = "en") -> str:
    """Display name of a report country id.

    Parameters
    ----------
    country
        Key of :data:`COUNTRIES`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> country_label("Germany", "fr")
    'Allemagne'
    """
    style.check_lang(lang)
    return _COUNTRY_LABELS.get(country, {}).get(lang, country)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype("string") if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")


def select_prevalence(df: pd.DataFrame, countries: dict[str, tuple[str, ...]] | None = None,
                      substances: tuple[str, ...] | list[str] = SUBSTANCES) -> pd.DataFrame:
    """Past-year prevalence rows of the report countries and substances, one per year.

    When a country publishes two estimates for the same substance and year
    (e.g. France, ecstasy, 2017: ages 15-64 and 18-64), the row whose age
    group is the one of the country's most recent estimate is kept, so the
    series stays on one definition as long as possible; ties keep the first
    row in sheet order.

    Parameters
    ----------
    df
        Annex 1.2 as read by :func:`drugtrends.readers.unodc.read_prevalence`
        (``drugtrends.datasets.load("unodc_prevalence")``).
    countries
        Report country id -> UNODC names (default :data:`COUNTRIES`).
    substances
        Taxonomy ids.

    Returns
    -------
    pandas.DataFrame
        ``country`` (report id), ``unodc_country``, ``substance``, ``year``
        (int), ``age_group``, ``best``, ``low``, ``high``, ``male``,
        ``female`` (percent), ``source``, ``method``; sorted by country order,
        substance, year.

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France", "France"], "substance": ["cocaine"] * 2,
    ...                   "period": ["past_year"] * 2, "year": [2017, 2023],
    ...                   "age_group": ["18-64", "18-64"], "best": [1.7, 2.7], "low": [1.6, None],
    ...                   "high": [1.8, None], "male": [2.45, 3.9], "female": [0.95, 1.6],
    ...                   "source": ["ARQ", "ARQ"], "method": ["HHS", "HHS"]})
    >>> select_prevalence(d)[["country", "year", "best"]].values.tolist()
    [['France', 2017, 1.7], ['France', 2023, 2.7]]
    """
    countries = countries or COUNTRIES
    name_to_id = {n: cid for cid, names in countries.items() for n in names}
    d = df.copy()
    d["unodc_country"] = _col(d, "country").str.strip()
    d = d[d["unodc_country"].isin(list(name_to_id))]
    if "period" in d.columns:
        d = d[_col(d, "period") == "past_year"]
    d = d[_col(d, "substance").isin(list(substances))]
    d = d[pd.notna(d["year"]) & pd.notna(d["best"])]
    out = pd.DataFrame({
        "country": d["unodc_country"].map(name_to_id).astype(str),
        "unodc_country": d["unodc_country"].astype(str),
        "substance": _col(d, "substance").astype(str),
        "year": d["year"].astype(int),
        "age_group": _col(d, "age_group").fillna("").astype(str),
        **{c: pd.to_numeric(d[c], errors="coerce").astype(float) for c in ("best", "low", "high", "male", "female")},
        "source": _col(d, "source").fillna("").str.strip().astype(str),
        "method": _col(d, "method").fillna("").str.strip().astype(str),
    })
    out["_order"] = np.arange(len(out))
    # one row per (country, substance, year): prefer the latest estimate's age group
    latest_age = (out.sort_values(["year", "_order"]).groupby(["country", "substance"])["age_group"]
                  .last().rename("_latest_age"))
    out = out.join(latest_age, on=["country", "substance"])
    out["_pref"] = (out["age_group"] != out["_latest_age"]).astype(int)
    out = (out.sort_values(["country", "substance", "year", "_pref", "_order"])
              .drop_duplicates(["country", "substance", "year"], keep="first"))
    corder = {c: i for i, c in enumerate(countries)}
    sorder = {s: i for i, s in enumerate(substances)}
    out = out.assign(_c=out["country"].map(corder), _s=out["substance"].map(sorder))
    out = out.sort_values(["_c", "_s", "year"]).drop(columns=["_c", "_s", "_order", "_pref", "_latest_age"])
    return out.reset_index(drop=True)


def comparability_breaks(sel: pd.DataFrame) -> pd.DataFrame:
    """Age-range changes within each country and substance series, as plot-ready breaks.

    Uses :func:`drugtrends.trends.detect_definition_breaks` on ``age_group``
    and places each break midway between the last year of the old definition
    and the first year of the new one.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.

    Returns
    -------
    pandas.DataFrame
        ``country``, ``substance``, ``year`` (first year of the new
        definition), ``x`` (plot position), ``old``, ``new``, ``label`` (the new
        age range, written beside the break line).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": [2014, 2017],
    ...                   "age_group": ["15-64", "18-64"]})
    >>> comparability_breaks(d)[["year", "x", "label"]].values.tolist()
    [[2017, 2015.5, '18-64']]
    """
    from drugtrends.trends import detect_definition_breaks

    cols = ["country", "substance", "year", "x", "old", "new", "label"]
    if sel.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for b in detect_definition_breaks(sel, x="year", by=["country", "substance"], definition="age_group",
                                      series="unodc_prevalence"):
        dom = dict(b.domain)
        g = sel[(sel["country"] == dom["country"]) & (sel["substance"] == dom["substance"])]
        prev_year = g.loc[g["year"] < b.at, "year"].max()
        prev_age = g.loc[g["year"] == prev_year, "age_group"].iloc[0]
        new_age = g.loc[g["year"] == b.at, "age_group"].iloc[0]
        rows.append({"country": dom["country"], "substance": dom["substance"], "year": int(b.at),
                     "x": (float(prev_year) + float(b.at)) / 2, "old": prev_age, "new": new_age,
                     "label": f"{new_age}"})
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class KeyFigure:
    """The latest published past-year prevalence of one substance in one country."""

    country: str
    substance: str
    year: int
    age_group: str
    best: float
    low: float | None
    high: float | None
    male: float | None
    female: float | None
    source: str


def key_figure(sel: pd.DataFrame, country: str = "France", substance: str = "cocaine") -> KeyFigure | None:
    """Return the most recent estimate of ``substance`` in ``country`` (``None`` if none).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    country
        Report country id.
    substance
        Taxonomy id.

    Returns
    -------
    KeyFigure or None

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "year": [2023],
    ...                   "age_group": ["18-64"], "best": [2.7], "low": [None], "high": [None],
    ...                   "male": [3.9], "female": [1.6], "source": ["ARQ"]})
    >>> key_figure(d).best
    2.7
    """
    g = sel[(sel["country"] == country) & (sel["substance"] == substance)]
    if g.empty:
        return None
    r = g.sort_values("year").iloc[-1]
    f = lambda v: None if pd.isna(v) else float(v)  # noqa: E731
    return KeyFigure(country, substance, int(r["year"]), str(r["age_group"]), float(r["best"]),
                     f(r["low"]), f(r["high"]), f(r["male"]), f(r["female"]), str(r.get("source", "")))


def key_sentence(kf: KeyFigure | None, lang: str = "en") -> str:
    """The report's key sentence for a :class:`KeyFigure`, all numbers from the data.

    Parameters
    ----------
    kf
        From :func:`key_figure`; ``None`` gives a sentence saying there is no estimate.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> kf = KeyFigure("France", "cocaine", 2023, "18-64", 2.7, None, None, 3.9, 1.6, "ARQ")
    >>> key_sentence(kf)
    'In France, past-year cocaine use among 18-64 year olds was 2.7% in 2023 (men 3.9%, women 1.6%).'
    """
    style.check_lang(lang)
    if kf is None:
        return ("No published estimate is available for this country and substance."
                if lang == "en" else "Aucune estimation publiée n'est disponible pour ce pays et ce produit.")
    sub = style.substance_label(kf.substance, lang)
    sub = sub if sub.isupper() or sub[:2].isupper() else sub.lower()
    cty = country_label(kf.country, lang)
    ages = kf.age_group.replace(" ", "")
    sexes = []
    if kf.male is not None:
        sexes.append(("men " if lang == "en" else "hommes ") + pct(kf.male, 1, lang))
    if kf.female is not None:
        sexes.append(("women " if lang == "en" else "femmes ") + pct(kf.female, 1, lang))
    rng = ""
    if kf.low is not None and kf.high is not None:
        rng = (f", range {pct(kf.low, 1, lang)}-{pct(kf.high, 1, lang)}" if lang == "en"
               else f", fourchette {pct(kf.low, 1, lang)}-{pct(kf.high, 1, lang)}")
    tail = f" ({', '.join(sexes)}{rng})" if sexes or rng else ""
    if tail and not sexes:
        tail = f" ({rng[2:]})"
    if lang == "fr":
        cty_fr = {"France": "En France", "United States": "Aux États-Unis", "Netherlands": "Aux Pays-Bas"}
        intro = cty_fr.get(kf.country, f"En {cty}" if not cty.startswith(("Allemagne", "Espagne", "Italie", "Belgique")) else f"En {cty}")
        return (f"{intro}, l'usage {de(sub)} dans l'année parmi les {ages} ans était de "
                f"{pct(kf.best, 1, lang)} en {kf.year}{tail}.")
    article = "the " if kf.country in ("United States", "Netherlands", "United Kingdom") else ""
    return (f"In {article}{cty}, past-year {sub} use among {ages} year olds was "
            f"{pct(kf.best, 1, lang)} in {kf.year}{tail}.")


def break_notes(brks: pd.DataFrame, substance: str, lang: str = "en") -> str:
    """One sentence listing the age-range breaks of a substance's country series.

    Parameters
    ----------
    brks
        Output of :func:`comparability_breaks`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Empty when there is no break.

    Examples
    --------
    >>> b = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "year": [2017],
    ...                   "x": [2015.5], "old": ["15-64"], "new": ["18-64"], "label": ["x"]})
    >>> break_notes(b, "cocaine")
    'Age range changes (dashed lines; earlier and later values are not strictly comparable): France 2017 (15-64 to 18-64).'
    """
    b = brks[brks["substance"] == substance]
    if b.empty:
        return ""
    items = [f"{country_label(r.country, lang)} {r.year} ({r.old} {'to' if lang == 'en' else 'à'} {r.new})"
             for r in b.itertuples()]
    if lang == "fr":
        return ("Changements de tranche d'âge (lignes pointillées ; valeurs avant et après non strictement "
                "comparables) : " + join_words(items, lang) + ".")
    return ("Age range changes (dashed lines; earlier and later values are not strictly comparable): "
            + join_words(items, lang) + ".")


def prevalence_figure(sel: pd.DataFrame, substance: str, lang: str = "en", brks: pd.DataFrame | None = None,
                      ncols: int = 4):
    """Small multiples of one substance's past-year prevalence by country.

    Low-high ranges are drawn where UNODC publishes them (ribbon or whiskers);
    age-range changes are marked as breaks.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.
    brks
        Output of :func:`comparability_breaks` (computed if ``None``).
    ncols
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"] * 2, "substance": ["cocaine"] * 2, "year": [2017, 2023],
    ...                   "age_group": ["18-64"] * 2, "best": [1.7, 2.7], "low": [1.6, None],
    ...                   "high": [1.8, None]})
    >>> fig = prevalence_figure(d, "cocaine")
    >>> fig.get_suptitle()
    'Past-year cocaine use, by country'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from drugtrends import plots

    d = sel[sel["substance"] == substance].copy()
    if brks is None:
        brks = comparability_breaks(d)
    b = brks[brks["substance"] == substance][["country", "x", "label"]]
    sub = style.substance_label(substance, lang)
    if lang == "fr":
        title = f"Usage {de(sub if sub[:2].isupper() else sub.lower())} dans l'année, par pays"
    else:
        title = f"Past-year {sub.lower() if not sub[:2].isupper() else sub} use, by country"
    labels = {c: country_label(c, lang) for c in d["country"].unique()}
    return plots.small_multiples(
        d, "country", "year", "best", "low", "high", breaks=b, title=title,
        ylabel=style.text("past_year_prevalence", lang), source=UNODC_SOURCE, lang=lang, ncols=ncols,
        band_label=style.text("range", lang), facet_labels=labels)


def latest_table(sel: pd.DataFrame, substance: str, lang: str = "en"):
    """Latest published estimate per country for one substance (year, ages, best, range, men, women).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "year": [2023],
    ...                   "age_group": ["18-64"], "best": [2.7], "low": [None], "high": [None],
    ...                   "male": [3.9], "female": [1.6], "source": ["ARQ"], "method": ["HHS"]})
    >>> latest_table(d, "cocaine").data.iloc[0].tolist()
    ['France', '2023', '18-64', '2.7', '', '3.9', '1.6', 'ARQ']
    """
    from drugtrends import tables

    d = sel[sel["substance"] == substance].sort_values("year").groupby("country", sort=False).tail(1)
    order = {c: i for i, c in enumerate(COUNTRIES)}
    d = d.assign(_o=d["country"].map(order)).sort_values("_o")
    fr = lang == "fr"
    out = pd.DataFrame({
        style.text("country", lang): [country_label(c, lang) for c in d["country"]],
        style.text("year", lang): d["year"].astype(str).tolist(),
        style.text("age", lang): d["age_group"].tolist(),
        ("Prévalence (%)" if fr else "Best (%)"): [tables.fmt_num(v, 1, lang) for v in d["best"]],
        ("Basse-haute (%)" if fr else "Low-high (%)"): [tables.fmt_ci(a, b, 1, lang) for a, b in zip(d["low"], d["high"])],
        ("Hommes (%)" if fr else "Men (%)"): [tables.fmt_num(v, 1, lang) for v in d["male"]],
        ("Femmes (%)" if fr else "Women (%)"): [tables.fmt_num(v, 1, lang) for v in d["female"]],
        ("Source" if not fr else "Source"): d["source"].tolist(),
    })
    sub = style.substance_label(substance, lang)
    sub = capitalise(sub)
    title = (f"{sub}: latest past-year prevalence by country" if not fr
             else f"{sub} : dernière prévalence dans l'année par pays")
    notes = ["Low-high: range published by UNODC when available (not a confidence interval). "
             "ARQ = UNODC Annual Report Questionnaire."
             if not fr else
             "Basse-haute : fourchette publiée par l'ONUDC quand elle existe (pas un intervalle de "
             "confiance). ARQ = questionnaire annuel de l'ONUDC."]
    return tables.simple_table(out, source=UNODC_SOURCE, title=title, notes=notes, lang=lang,
                               align_right=list(out.columns[3:7]))


# --------------------------------------------------------------------------- VSRR


def vsrr_us_series(df: pd.DataFrame, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """US 12-month-ending overdose deaths by drug class, one row per class and month.

    Uses the predicted value when CDC publishes one (it adjusts for reporting
    delays) and the reported value otherwise, and says which was used.

    Parameters
    ----------
    df
        VSRR table as read by :func:`drugtrends.readers.vsrr.read_vsrr`
        (``drugtrends.datasets.load("cdc_vsrr")``).
    classes
        Taxonomy ids of the classes (default: the values of :data:`VSRR_CLASSES`).

    Returns
    -------
    pandas.DataFrame
        ``substance`` (taxonomy id), ``indicator``, ``date`` (end of the
        12-month period), ``x`` (decimal year of the ending month,
        ``year + (month - 1)/12``), ``deaths``, ``reported``, ``predicted``,
        ``value_used`` (``"predicted"`` or ``"reported"``).

    Examples
    --------
    >>> d = pd.DataFrame({"state": ["US", "US"], "date": pd.to_datetime(["2017-01-31", "2017-02-28"]),
    ...                   "year": [2017, 2017], "month": [1, 2], "indicator": ["Heroin (T40.1)"] * 2,
    ...                   "substance": ["heroin"] * 2, "measure": ["deaths"] * 2,
    ...                   "reported": [15000.0, 15100.0], "predicted": [15200.0, float("nan")]})
    >>> vsrr_us_series(d, ("heroin",))[["x", "deaths", "value_used"]].values.tolist()
    [[2017.0, 15200.0, 'predicted'], [2017.0833333333333, 15100.0, 'reported']]
    """
    from drugtrends.readers.vsrr import us_series

    parts = []
    for sub in (classes or tuple(VSRR_CLASSES.values())):
        g = us_series(df, sub).copy()
        g["substance"] = sub
        parts.append(g)
    d = pd.concat(parts, ignore_index=True)
    pred = pd.to_numeric(d["predicted"], errors="coerce") if "predicted" in d.columns else pd.Series(np.nan, index=d.index)
    rep = pd.to_numeric(d["reported"], errors="coerce")
    use_pred = pred.notna()
    out = pd.DataFrame({
        "substance": d["substance"].astype(str),
        "indicator": d["indicator"].astype(str),
        "date": pd.to_datetime(d["date"]),
        "x": d["year"].astype(int) + (d["month"].astype(int) - 1) / 12,
        "deaths": pred.where(use_pred, rep).astype(float),
        "reported": rep.astype(float),
        "predicted": pred.astype(float),
        "value_used": np.where(use_pred, "predicted", "reported"),
    })
    return out.dropna(subset=["deaths"]).reset_index(drop=True)


def vsrr_latest(series: pd.DataFrame) -> pd.DataFrame:
    """First and last month of each class, with deaths and the change between them.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``first_date``, ``first``, ``last_date``, ``last``,
        ``change_pct`` (100 (last/first - 1)).
    """
    rows = []
    for s, g in series.groupby("substance", sort=False):
        g = g.sort_values("date")
        a, b = g.iloc[0], g.iloc[-1]
        rows.append({"substance": s, "first_date": a["date"], "first": a["deaths"],
                     "last_date": b["date"], "last": b["deaths"],
                     "change_pct": 100 * (b["deaths"] / a["deaths"] - 1)})
    return pd.DataFrame(rows)


def vsrr_figure(series: pd.DataFrame, lang: str = "en", title: str | None = None):
    """US overdose deaths (12-month-ending counts) by drug class over time.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.
    lang
        ``"en"`` or ``"fr"``.
    title
        Figure title (default: "US drug overdose deaths by drug class").

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    labels = {s: style.substance_label(s, lang) for s in series["substance"].unique()}
    title = title or ("US drug overdose deaths by drug class" if lang == "en"
                      else "Décès par surdose aux États-Unis, par classe de drogue")
    fig = plots.trend_plot(series, "x", "deaths", group="substance", title=title,
                           ylabel=style.text("deaths_12m", lang), xlabel=style.text("year", lang),
                           source=VSRR_SOURCE, lang=lang, group_labels=labels)
    ax = fig.axes[0]
    for ln in ax.lines:
        ln.set_marker("")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def vsrr_joinpoint(series: pd.DataFrame, substance: str = "synthetic_opioids", max_joinpoints: int = 2,
                   method: str = "bic") -> Any:
    """Joinpoint regression (log-linear) of one class's 12-month-ending death counts.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.
    substance
        Taxonomy id of the class.
    max_joinpoints
        Largest number of joinpoints tried.
    method
        Model selection (``"bic"`` by default: the permutation test assumes
        independent errors, which overlapping 12-month windows are not).

    Returns
    -------
    drugtrends.trends.JoinpointResult
        APCs are per year (``x`` is in decimal years).
    """
    from drugtrends.trends import joinpoint

    g = series[series["substance"] == substance][["x", "deaths"]].rename(columns={"deaths": "rate"})
    return joinpoint(g, x="x", y="rate", model="loglinear", max_joinpoints=max_joinpoints, method=method,
                     joinpoint_ci=False)


def decimal_year_label(v: float) -> str:
    """Format a decimal year (``year + (month-1)/12``) as ``YYYY-MM``.

    Parameters
    ----------
    v
        Decimal year.

    Returns
    -------
    str

    Examples
    --------
    >>> decimal_year_label(2016.5)
    '2016-07'
    """
    y = int(np.floor(v + 1e-9))
    m = int(round((v - y) * 12)) + 1
    if m == 13:
        y, m = y + 1, 1
    return f"{y}-{m:02d}"


# --------------------------------------------------------------------------- prose and tables


def intro_sentence(sel: pd.DataFrame, lang: str = "en") -> str:
    """Describe what the UNODC selection holds (counts and years, from the data).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France", "Spain"], "substance": ["cocaine"] * 2,
    ...                   "year": [2017, 2023]})
    >>> intro_sentence(d)
    'UNODC annex table 1.2 publishes 2 past-year prevalence estimates for the 2 countries and 1 substance shown here, from 2017 to 2023.'
    """
    n, nc, ns = len(sel), sel["country"].nunique(), sel["substance"].nunique()
    y0, y1 = int(sel["year"].min()), int(sel["year"].max())
    if lang == "fr":
        return (f"Le tableau 1.2 de l'annexe de l'ONUDC publie {n} estimations de prévalence dans l'année "
                f"pour les {nc} pays et {ns} produits présentés ici, de {y0} à {y1}.")
    return (f"UNODC annex table 1.2 publishes {n} past-year prevalence estimates for the {nc} "
            f"{'country' if nc == 1 else 'countries'} and {ns} {'substance' if ns == 1 else 'substances'} "
            f"shown here, from {y0} to {y1}.")


def usual_age_group(sel: pd.DataFrame) -> str:
    """The most frequent age range among the selected estimates (e.g. ``"15-64"``).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.

    Returns
    -------
    str

    Examples
    --------
    >>> usual_age_group(pd.DataFrame({"age_group": ["15-64", "15-64", "18-64"]}))
    '15-64'
    """
    return str(sel["age_group"].value_counts().index[0]) if len(sel) else ""


def previous_comparable(sel: pd.DataFrame, kf: KeyFigure | None) -> pd.Series | None:
    """The latest earlier estimate of the same series with the same age range (or ``None``).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    kf
        The key figure.

    Returns
    -------
    pandas.Series or None

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": [2014, 2017, 2023],
    ...                   "age_group": ["15-64", "18-64", "18-64"], "best": [1.1, 1.7, 2.7]})
    >>> kf = KeyFigure("France", "cocaine", 2023, "18-64", 2.7, None, None, None, None, "")
    >>> int(previous_comparable(d, kf)["year"])
    2017
    """
    if kf is None:
        return None
    g = sel[(sel["country"] == kf.country) & (sel["substance"] == kf.substance)
            & (sel["year"] < kf.year) & (sel["age_group"] == kf.age_group)]
    return None if g.empty else g.sort_values("year").iloc[-1]


def change_sentence(sel: pd.DataFrame, kf: KeyFigure | None, lang: str = "en") -> str:
    """Compare the key figure with the previous estimate on the same age range.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    kf
        The key figure.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Empty when there is no comparable earlier estimate.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": [2017, 2023],
    ...                   "age_group": ["18-64", "18-64"], "best": [1.7, 2.7]})
    >>> kf = KeyFigure("France", "cocaine", 2023, "18-64", 2.7, None, None, None, None, "")
    >>> change_sentence(d, kf)
    'The previous estimate on the same age range was 1.7% in 2017 (+1.0 percentage point).'
    """
    p = previous_comparable(sel, kf)
    if p is None:
        return ""
    diff = kf.best - float(p["best"])
    if lang == "fr":
        d = f"{diff:+.1f}".replace(".", ",")
        return (f"L'estimation précédente sur la même tranche d'âge était de {pct(p['best'], 1, lang)} "
                f"en {int(p['year'])} ({d} point{'s' if abs(diff) >= 2 else ''}).")
    return (f"The previous estimate on the same age range was {pct(p['best'], 1, lang)} in {int(p['year'])} "
            f"({diff:+.1f} percentage point{'' if abs(round(diff, 1)) == 1 else 's'}).")


def breaks_table(brks: pd.DataFrame, lang: str = "en"):
    """Every age-range change of the selection, as a table.

    Parameters
    ----------
    brks
        Output of :func:`comparability_breaks`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    fr = lang == "fr"
    out = pd.DataFrame({
        style.text("country", lang): [country_label(c, lang) for c in brks["country"]],
        style.text("substance", lang): [capitalise(style.substance_label(s, lang)) for s in brks["substance"]],
        ("Première année" if fr else "First year"): brks["year"].astype(str).tolist(),
        ("Avant" if fr else "Ages before"): brks["old"].tolist(),
        ("Après" if fr else "Ages after"): brks["new"].tolist(),
    })
    title = "Changements de tranche d'âge (ruptures de série)" if fr else "Age-range changes (breaks in series)"
    return tables.simple_table(out, source=UNODC_SOURCE, title=title, lang=lang)


def vsrr_sentence(latest: pd.DataFrame, lang: str = "en") -> str:
    """Headline numbers of the VSRR series (first and last 12-month periods).

    Parameters
    ----------
    latest
        Output of :func:`vsrr_latest`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    from drugtrends_reports.common import num

    a = latest.set_index("substance")
    allr, syn = a.loc["all_drugs"], a.loc["synthetic_opioids"] if "synthetic_opioids" in a.index else None
    end = allr["last_date"].strftime("%B %Y") if lang == "en" else _mois(allr["last_date"])
    start = allr["first_date"].strftime("%B %Y") if lang == "en" else _mois(allr["first_date"])
    if lang == "fr":
        txt = (f"Sur les 12 mois se terminant en {end}, {num(allr['last'], lang=lang)} décès par surdose "
               f"sont estimés aux États-Unis, soit {pct(allr['change_pct'], 0, lang)} de plus que sur les "
               f"12 mois se terminant en {start} ({num(allr['first'], lang=lang)}).")
        if syn is not None:
            txt += (f" Les décès impliquant des opioïdes de synthèse (hors méthadone) sont passés de "
                    f"{num(syn['first'], lang=lang)} à {num(syn['last'], lang=lang)}.")
        return txt
    txt = (f"In the 12 months ending {end}, {num(allr['last'])} drug overdose deaths were predicted in "
           f"the United States, {pct(allr['change_pct'], 0)} more than in the 12 months ending {start} "
           f"({num(allr['first'])}).")
    if syn is not None:
        txt += (f" Deaths involving synthetic opioids other than methadone rose from {num(syn['first'])} "
                f"to {num(syn['last'])}.")
    return txt


_MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
         "novembre", "décembre"]


def _mois(ts: pd.Timestamp) -> str:
    return f"{_MOIS[ts.month - 1]} {ts.year}"


def joinpoint_all(series: pd.DataFrame, max_joinpoints: int = 2, method: str = "bic") -> dict[str, Any]:
    """Fit :func:`vsrr_joinpoint` to every class of the series.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.
    max_joinpoints, method
        As in :func:`vsrr_joinpoint`.

    Returns
    -------
    dict
        Taxonomy id -> JoinpointResult (empty when joinpoint is not available).
    """
    out = {}
    for s in series["substance"].unique():
        r = vsrr_joinpoint(series, s, max_joinpoints=max_joinpoints, method=method)
        if r is not None:
            out[s] = r
    return out


def joinpoint_table(results: dict[str, Any], lang: str = "en"):
    """Segments (start, end, APC, 95% CI) and AAPC of every class, one table.

    Parameters
    ----------
    results
        Output of :func:`joinpoint_all`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    fr = lang == "fr"
    rows = []
    for s, r in results.items():
        lab = capitalise(style.substance_label(s, lang))
        for _, g in r.segments.iterrows():
            rows.append({
                ("Classe" if fr else "Drug class"): lab,
                style.text("segment", lang): str(int(g["segment"])),
                style.text("start", lang): decimal_year_label(g["x_start"]),
                style.text("end", lang): decimal_year_label(g["x_end"]),
                style.text("apc", lang) + " (%)": tables.fmt_num(g["apc"], 1, lang),
                style.text("ci95", lang): tables.fmt_ci(g["apc_ci_low"], g["apc_ci_high"], 1, lang),
            })
        a = r.aapc.iloc[0]
        rows.append({
            ("Classe" if fr else "Drug class"): lab,
            style.text("segment", lang): style.text("aapc", lang),
            style.text("start", lang): decimal_year_label(a["x_start"]),
            style.text("end", lang): decimal_year_label(a["x_end"]),
            style.text("apc", lang) + " (%)": tables.fmt_num(a["aapc"], 1, lang),
            style.text("ci95", lang): tables.fmt_ci(a["ci_low"], a["ci_high"], 1, lang),
        })
    out = pd.DataFrame(rows)
    notes = [
        "APC: annual percent change of the 12-month-ending count within a segment; AAPC: average annual "
        "percent change over the whole period. Log-linear joinpoint model, number of joinpoints chosen by "
        "BIC (at most 2). Consecutive 12-month-ending counts share 11 months of deaths, so errors are "
        "strongly autocorrelated: the intervals are too narrow and the APCs are descriptive."
        if not fr else
        "VAP : variation annuelle en pourcentage du cumul sur 12 mois dans un segment ; VAMP : variation "
        "annuelle moyenne sur toute la période. Modèle joinpoint log-linéaire, nombre de ruptures choisi "
        "par BIC (au plus 2). Deux cumuls consécutifs partagent 11 mois de décès : les erreurs sont "
        "fortement autocorrélées, les intervalles sont trop étroits et les VAP sont descriptives."]
    title = ("Joinpoint trends of US overdose deaths by drug class" if not fr
             else "Tendances joinpoint des décès par surdose aux États-Unis, par classe")
    return tables.simple_table(out, source=VSRR_SOURCE, title=title, notes=notes, lang=lang,
                               group=("Classe" if fr else "Drug class"),
                               align_right=[style.text("apc", lang) + " (%)", style.text("ci95", lang)])


def joinpoint_sentence(res: Any, substance: str, lang: str = "en") -> str:
    """Describe a joinpoint fit segment by segment (APC and 95% CI), from the result.

    Parameters
    ----------
    res
        A JoinpointResult.
    substance
        Taxonomy id (for the label).
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    from drugtrends import tables

    lab = capitalise(style.substance_label(substance, lang))
    parts = []
    for _, g in res.segments.iterrows():
        a, b = decimal_year_label(g["x_start"]), decimal_year_label(g["x_end"])
        ci = tables.fmt_ci(g["apc_ci_low"], g["apc_ci_high"], 1, lang)
        v = tables.fmt_num(g["apc"], 1, lang)
        parts.append(f"{a} → {b} : {v} % par an (IC {ci})" if lang == "fr"
                     else f"{a} to {b}: {v}% a year (95% CI {ci})")
    k = int(res.n_joinpoints)
    if lang == "fr":
        return (f"{lab} : {k} point{'s' if k > 1 else ''} de rupture ; " + " ; ".join(parts) + ".")
    return f"{lab}: {k} joinpoint{'s' if k != 1 else ''}; " + "; ".join(parts) + "."

