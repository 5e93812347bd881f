"""US overdose deaths: NCHS final age-adjusted rates 1999-2018 and CDC VSRR provisional counts 2015-2018.

NCHS rates (``dt.load("nchs_overdose_rates")``) are deaths per 100,000 US
residents, age-adjusted to the 2000 standard population, by drug type and
sex; they are the series behind the NCHS data briefs whose trends were fitted
with the NCI Joinpoint program. Here they get log-linear joinpoint fits (one
call over every drug x sex series with ``by=``) and a pairwise comparison of
men and women (:func:`drugtrends.trends.compare_joinpoint`: coincidence and
parallelism). Every series is ICD-10 coded from 1999 to 2018, so no fit
crosses a coding change; race groups are left out (2018 switches to single
race).

VSRR provisional counts are 12-month-ending sums: consecutive values share 11
months of deaths, so they are shown as counts, never as rates, and their
joinpoint fits are descriptive only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from drugtrends import i18n, style
from drugtrends_reports.common import capitalise
from drugtrends_reports.trends import source

__all__ = [
    "NCHS_DRUGS", "SEXES", "nchs_series", "nchs_joinpoint", "nchs_compare_sexes", "nchs_figure",
    "nchs_alt", "nchs_sex_figure", "nchs_table", "nchs_sentence", "sex_sentence", "nchs_key",
    "VSRR_CLASSES", "vsrr_us_series", "vsrr_latest", "vsrr_sentence", "vsrr_figure", "vsrr_alt",
    "decimal_year_label", "synthetic_vs_france", "nchs_sex_alt", "vsrr_key",
]

#: NCHS drug types shown, in display order (taxonomy ids).
NCHS_DRUGS: tuple[str, ...] = ("all_drugs", "opioids", "synthetic_opioids", "heroin",
                               "natural_semisynthetic_opioids", "methadone")

#: Sex groups as NCHS publishes them.
SEXES: tuple[str, ...] = ("All persons", "Male", "Female")

#: VSRR indicator -> taxonomy id, for the classes the report shows.
VSRR_CLASSES: dict[str, str] = {
    "Number of Drug Overdose Deaths": "all_drugs",
    "Synthetic opioids, excl. methadone (T40.4)": "synthetic_opioids",
    "Heroin (T40.1)": "heroin",
    "Cocaine (T40.5)": "cocaine",
    "Psychostimulants with abuse potential (T43.6)": "psychostimulants",
}

#: Joinpoint settings of the NCHS fits (as the NCHS data briefs: log-linear, up to 3 joinpoints,
#: permutation tests).
JP_SETTINGS: dict[str, Any] = {"model": "loglinear", "max_joinpoints": 3, "method": "permutation",
                               "n_permutations": 999, "seed": 2018}


def drug_label(drug: str, lang: str = "en") -> str:
    """Label of an NCHS/VSRR drug type.

    Parameters
    ----------
    drug
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> drug_label("all_drugs")
    'All drugs'
    """
    key = f"trends.od_drug.{drug}"
    return i18n.t_or(key, capitalise(style.substance_label(drug, lang)), lang)


def sex_label(sex: str, lang: str = "en") -> str:
    """Label of an NCHS sex group (``All persons``, ``Male``, ``Female``).

    Parameters
    ----------
    sex
        As published.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> sex_label("Female", "fr")
    'Femmes'
    """
    return i18n.t(f"trends.od_sex.{i18n.slug(sex)}", lang)


def nchs_series(rates: pd.DataFrame, drugs: tuple[str, ...] = NCHS_DRUGS,
                sexes: tuple[str, ...] = SEXES) -> pd.DataFrame:
    """Age-adjusted death rates by drug type and sex, 1999-2018, one row per series and year.

    Parameters
    ----------
    rates
        ``drugtrends.datasets.load("nchs_overdose_rates")``.
    drugs
        Taxonomy ids.
    sexes
        ``All persons``, ``Male``, ``Female``.

    Returns
    -------
    pandas.DataFrame
        ``drug``, ``sex``, ``year`` (int), ``rate`` (per 100,000), ``flag``.

    Examples
    --------
    >>> d = pd.DataFrame({"drug": "heroin", "rate_type": "age_adjusted", "group_type": ["total", "sex"],
    ...                   "group": ["All persons", "Male"], "age": "All ages", "year": 2018,
    ...                   "rate": [4.7, 7.0], "flag": None})
    >>> nchs_series(d, ("heroin",))[["sex", "rate"]].values.tolist()
    [['All persons', 4.7], ['Male', 7.0]]
    """
    d = rates[(rates["rate_type"].astype(str) == "age_adjusted")
              & rates["group_type"].astype(str).isin(["total", "sex"])
              & rates["drug"].astype(str).isin(list(drugs)) & rates["group"].astype(str).isin(list(sexes))]
    if "race_standard" in d.columns:
        d = d[d["race_standard"].isna() | (d["race_standard"].astype(str) == "bridged")]
    out = pd.DataFrame({"drug": d["drug"].astype(str), "sex": d["group"].astype(str),
                        "year": d["year"].astype(int), "rate": pd.to_numeric(d["rate"], errors="coerce"),
                        "flag": d["flag"].astype(object).where(d["flag"].notna(), None)})
    do = {k: i for i, k in enumerate(drugs)}
    so = {k: i for i, k in enumerate(sexes)}
    out = out.assign(_d=out["drug"].map(do), _s=out["sex"].map(so)).sort_values(["_d", "_s", "year"])
    out = out.drop(columns=["_d", "_s"]).drop_duplicates(["drug", "sex", "year"])
    return out.reset_index(drop=True)


def nchs_joinpoint(series: pd.DataFrame, **settings: Any):
    """Log-linear joinpoint fits of every drug x sex series (one call, ``by=``).

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    **settings
        Overrides of :data:`JP_SETTINGS`.

    Returns
    -------
    drugtrends.trends.JoinpointResult
        ``segments`` and ``aapc`` carry the ``drug`` and ``sex`` columns.
    """
    from drugtrends.trends import joinpoint

    d = series.dropna(subset=["rate"])
    d = d[d["rate"] > 0]
    return joinpoint(d, x="year", y="rate", by=["drug", "sex"], **{**JP_SETTINGS, **settings})


def nchs_compare_sexes(series: pd.DataFrame, drug: str = "all_drugs", **settings: Any) -> dict:
    """Men vs women: are the two joinpoint trends parallel, or even coincident?

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    drug
        Taxonomy id.
    **settings
        Passed to :func:`drugtrends.trends.compare_joinpoint`.

    Returns
    -------
    dict
        ``drug``, ``parallel_p``, ``coincident_p`` and the result object.
    """
    from drugtrends.trends import compare_joinpoint

    d = series[(series["drug"] == drug) & series["sex"].isin(["Male", "Female"])].dropna(subset=["rate"])
    kw = {"max_joinpoints": 3, "seed": 2018, **settings}
    res = compare_joinpoint(d, x="year", y="rate", group="sex", **kw)
    get = (lambda k: float(res[k])) if isinstance(res, dict) else (lambda k: float(getattr(res, k)))
    return {"drug": drug, "parallel_p": get("parallel_p"), "coincident_p": get("coincident_p"), "result": res}


def nchs_figure(series: pd.DataFrame, lang: str = "en", sex: str = "All persons"):
    """Age-adjusted death rates 1999-2018, one line per drug type.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    lang
        ``"en"`` or ``"fr"``.
    sex
        Sex group shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    d = series[series["sex"] == sex]
    fig = plots.trend_plot(d, "year", "rate", group="drug", title=i18n.t("trends.nchs.fig_title", lang),
                           ylabel=i18n.t("trends.nchs.ylabel", lang), source=source("nchs", lang), lang=lang,
                           group_labels={k: drug_label(k, lang) for k in d["drug"].unique()},
                           # any opioid in blue: beside synthetic opioids' vermillion an orange would read the same
                           colours={"opioids": style.OKABE_ITO["blue"],
                                    "synthetic_opioids": style.OKABE_ITO["vermillion"]})
    fig.set_figheight(5.0)  # the legend's rows below must not squeeze the plot
    return fig  # one legend, below the plot (trend_plot puts it there for four lines or more)


def nchs_alt(series: pd.DataFrame, lang: str = "en") -> str:
    """Alt text of :func:`nchs_figure` (first and last rate of each drug type).

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    d = series[series["sex"] == "All persons"].dropna(subset=["rate"])
    items = []
    for drug, g in d.groupby("drug", sort=False):
        g = g.sort_values("year")
        items.append(i18n.t("trends.nchs.alt_item", lang, drug=drug_label(drug, lang),
                            a=i18n.fmt_number(g["rate"].iloc[0], 1, lang), y0=int(g["year"].iloc[0]),
                            b=i18n.fmt_number(g["rate"].iloc[-1], 1, lang), y1=int(g["year"].iloc[-1])))
    return i18n.t("trends.nchs.fig_alt", lang, items="; ".join(items))


def nchs_sex_figure(series: pd.DataFrame, lang: str = "en",
                    drugs: tuple[str, ...] = ("all_drugs", "synthetic_opioids", "heroin",
                                              "natural_semisynthetic_opioids")):
    """Small multiples by drug type: men and women, age-adjusted rates 1999-2018.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    lang
        ``"en"`` or ``"fr"``.
    drugs
        Panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    d = series[series["drug"].isin(drugs) & series["sex"].isin(["Male", "Female"])].copy()
    d["panel"] = d["drug"].map(lambda k: drug_label(k, lang))
    d["sex_id"] = d["sex"].str.lower()
    return plots.small_multiples(d, "panel", "year", "rate", group="sex_id",
                                 title=i18n.t("trends.nchs.sex_fig_title", lang),
                                 ylabel=i18n.t("trends.nchs.ylabel", lang), source=source("nchs", lang),
                                 lang=lang, ncols=2, sharey=False,
                                 group_labels={"male": sex_label("Male", lang), "female": sex_label("Female", lang)})


def _apc_ci(lo: float, hi: float, lang: str) -> str:
    return i18n.fmt_ci(lo, hi, 1, lang)


def nchs_table(res, lang: str = "en", sex: str = "All persons"):
    """Joinpoint segments (APC, 95% CI) of every drug type, AAPCs in the notes: one table.

    Parameters
    ----------
    res
        Output of :func:`nchs_joinpoint`.
    lang
        ``"en"`` or ``"fr"``.
    sex
        Sex group shown.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from types import SimpleNamespace

    from drugtrends import tables

    seg = res.segments[res.segments["sex"] == sex]
    aapc = res.aapc[res.aapc["sex"] == sex]
    order = {d: i for i, d in enumerate(NCHS_DRUGS)}
    seg = seg.assign(_o=seg["drug"].map(order)).sort_values(["_o", "x_start"]).drop(columns="_o")
    aapc = aapc.assign(_o=aapc["drug"].map(order)).sort_values("_o").drop(columns="_o")
    return tables.segments_table(SimpleNamespace(segments=seg, aapc=aapc), source=source("nchs", lang),
                                 title=i18n.t("trends.jp.table_title", lang), lang=lang,
                                 notes=[i18n.t("trends.jp.note", lang)], group="drug",
                                 group_labels={d: drug_label(d, lang) for d in seg["drug"].unique()})


def _segments(res, drug: str, sex: str = "All persons") -> pd.DataFrame:
    s = res.segments
    return s[(s["drug"] == drug) & (s["sex"] == sex)].sort_values("x_start")


def nchs_sentence(series: pd.DataFrame, res, drug: str = "all_drugs", lang: str = "en") -> str:
    """Describe one drug type's age-adjusted rate: first and last values, and each joinpoint segment.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    res
        Output of :func:`nchs_joinpoint`.
    drug
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    g = series[(series["drug"] == drug) & (series["sex"] == "All persons")].dropna(subset=["rate"]).sort_values("year")
    segs = []
    for r in _segments(res, drug).itertuples():
        segs.append(i18n.t("trends.jp.segment", lang, y0=int(r.x_start), y1=int(r.x_end),
                           apc=i18n.fmt_signed(r.apc, 1, lang), ci=_apc_ci(r.apc_ci_low, r.apc_ci_high, lang)))
    return i18n.t("trends.nchs.sentence", lang, drug=drug_label(drug, lang).lower(),
                  a=i18n.fmt_number(g["rate"].iloc[0], 1, lang), y0=int(g["year"].iloc[0]),
                  b=i18n.fmt_number(g["rate"].iloc[-1], 1, lang), y1=int(g["year"].iloc[-1]),
                  segments="; ".join(segs))


def _p(p: float, lang: str) -> str:
    """A p-value for prose: ``0.012``, ``< 0.001``."""
    return i18n.t("trends.p_below", lang, v=i18n.fmt_number(0.001, 3, lang)) if p < 0.001 else \
        i18n.t("trends.p_equal", lang, v=i18n.fmt_number(p, 3, lang))


def sex_sentence(cmp: dict, series: pd.DataFrame, lang: str = "en") -> str:
    """Men vs women for one drug type: the 2018 rates and the parallelism / coincidence tests.

    Parameters
    ----------
    cmp
        Output of :func:`nchs_compare_sexes`.
    series
        Output of :func:`nchs_series`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    g = series[(series["drug"] == cmp["drug"])].dropna(subset=["rate"])
    last = g[g["year"] == g["year"].max()].set_index("sex")["rate"]
    verdict = "parallel_rejected" if cmp["parallel_p"] < 0.05 else "parallel_kept"
    return i18n.t(f"trends.sex.{verdict}", lang, drug=drug_label(cmp["drug"], lang).lower(),
                  year=int(g["year"].max()), men=i18n.fmt_number(last.get("Male", np.nan), 1, lang),
                  women=i18n.fmt_number(last.get("Female", np.nan), 1, lang),
                  p_par=_p(cmp["parallel_p"], lang), p_coin=_p(cmp["coincident_p"], lang))


def nchs_key(series: pd.DataFrame, res, drug: str = "all_drugs", lang: str = "en"):
    """Key figure: the latest age-adjusted rate, the change from the year before and the last segment's APC.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    res
        Output of :func:`nchs_joinpoint` (``None``: no trend statement).
    drug
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
        The significance is that of the latest joinpoint segment's APC (its 95% CI
        excludes 0), given in the note; the one-year change itself is not tested.
    """
    from drugtrends.keyfigures import KeyFigure

    g = series[(series["drug"] == drug) & (series["sex"] == "All persons")].dropna(subset=["rate"]).sort_values("year")
    if len(g) < 2:
        return None
    last, prev = g.iloc[-1], g.iloc[-2]
    change = round(float(last["rate"]) - float(prev["rate"]), 1)
    note = None
    if res is not None:
        s = _segments(res, drug).iloc[-1]
        sig = s["apc_ci_low"] > 0 or s["apc_ci_high"] < 0
        # a significant rising segment whose last year fell (2018 below 2017) is said to have fallen
        against = sig and ((s["apc"] > 0 > change) or (s["apc"] < 0 < change))
        note = i18n.t("trends.sig_jp_against" if against else "trends.sig_jp_sig" if sig else "trends.sig_jp_ns",
                      lang, start=int(s["x_start"]), end=int(s["x_end"]), apc=i18n.fmt_percent(s["apc"], 1, lang),
                      ci=_apc_ci(s["apc_ci_low"], s["apc_ci_high"], lang), year=int(last["year"]),
                      prev_year=int(prev["year"]))
    return KeyFigure(i18n.t("trends.kf.nchs_drug", lang, drug=drug_label(drug, lang).lower()), float(last["rate"]),
                     unit="rate", year=int(last["year"]), population=i18n.t("trends.us_population", lang),
                     previous=float(prev["rate"]), previous_year=int(prev["year"]), change=change,
                     direction="up" if change > 0 else "down" if change < 0 else "stable", significant=None, note=note)


# --------------------------------------------------------------------------- VSRR provisional counts


def vsrr_us_series(df: pd.DataFrame, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """US 12-month-ending overdose deaths by drug class, one row per class and month.

    Uses the predicted value when CDC publishes one (it adjusts for reporting
    delays) and the reported value otherwise, and says which was used.

    Parameters
    ----------
    df
        ``drugtrends.datasets.load("cdc_vsrr")``.
    classes
        Taxonomy ids of the classes (default: the values of :data:`VSRR_CLASSES`).

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``indicator``, ``date`` (end of the 12-month period),
        ``x`` (decimal year, ``year + (month - 1)/12``), ``deaths``,
        ``reported``, ``predicted``, ``value_used``.

    Examples
    --------
    >>> d = pd.DataFrame({"state": ["US", "US"], "date": pd.to_datetime(["2017-01-31", "2017-02-28"]),
    ...                   "year": [2017, 2017], "month": [1, 2], "indicator": ["Heroin (T40.1)"] * 2,
    ...                   "substance": ["heroin"] * 2, "measure": ["deaths"] * 2,
    ...                   "reported": [15000.0, 15100.0], "predicted": [15200.0, float("nan")]})
    >>> vsrr_us_series(d, ("heroin",))[["x", "deaths", "value_used"]].values.tolist()
    [[2017.0, 15200.0, 'predicted'], [2017.0833333333333, 15100.0, 'reported']]
    """
    d = df[(df["state"].astype(str) == "US") & df["substance"].astype(str).isin(list(classes or VSRR_CLASSES.values()))]
    if "measure" in d.columns:
        d = d[d["measure"].astype(str) == "deaths"]
    pred = pd.to_numeric(d["predicted"], errors="coerce") if "predicted" in d.columns else pd.Series(np.nan, index=d.index)
    rep = pd.to_numeric(d["reported"], errors="coerce")
    use_pred = pred.notna()
    out = pd.DataFrame({
        "substance": d["substance"].astype(str), "indicator": d["indicator"].astype(str),
        "date": pd.to_datetime(d["date"]), "x": d["year"].astype(int) + (d["month"].astype(int) - 1) / 12,
        "deaths": pred.where(use_pred, rep).astype(float), "reported": rep.astype(float),
        "predicted": pred.astype(float), "value_used": np.where(use_pred, "predicted", "reported"),
    })
    order = {s: i for i, s in enumerate(classes or VSRR_CLASSES.values())}
    out = out.dropna(subset=["deaths"]).assign(_o=out["substance"].map(order)).sort_values(["_o", "date"])
    return out.drop(columns="_o").reset_index(drop=True)


def vsrr_latest(series: pd.DataFrame) -> pd.DataFrame:
    """First and last 12-month period of each class, with deaths and the change between them.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``first_date``, ``first``, ``last_date``, ``last``, ``change_pct``.
    """
    rows = []
    for s, g in series.groupby("substance", sort=False):
        g = g.sort_values("date")
        a, b = g.iloc[0], g.iloc[-1]
        rows.append({"substance": s, "first_date": a["date"], "first": a["deaths"], "last_date": b["date"],
                     "last": b["deaths"], "change_pct": 100 * (b["deaths"] / a["deaths"] - 1)})
    return pd.DataFrame(rows)


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
    a = latest.set_index("substance")
    r = a.loc["all_drugs"]
    txt = i18n.t("trends.vsrr.sentence", lang, end=i18n.fmt_date(r["last_date"], lang),
                 start=i18n.fmt_date(r["first_date"], lang), last=i18n.fmt_number(r["last"], 0, lang),
                 first=i18n.fmt_number(r["first"], 0, lang), change=i18n.fmt_percent(r["change_pct"], 0, lang))
    if "synthetic_opioids" in a.index:
        s = a.loc["synthetic_opioids"]
        txt += " " + i18n.t("trends.vsrr.synthetic", lang, first=i18n.fmt_number(s["first"], 0, lang),
                            last=i18n.fmt_number(s["last"], 0, lang))
    return txt


def vsrr_figure(series: pd.DataFrame, lang: str = "en", title: str | None = None):
    """US overdose deaths (12-month-ending counts) by drug class over time.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.
    lang
        ``"en"`` or ``"fr"``.
    title
        Figure title (default: the catalogue's).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from drugtrends import plots

    labels = {s: drug_label(s, lang) for s in series["substance"].unique()}
    fig = plots.trend_plot(series, "x", "deaths", group="substance",
                           title=title or i18n.t("trends.vsrr.fig_title", lang),
                           ylabel=i18n.t("trends.vsrr.ylabel", lang), xlabel=i18n.t("common.year", lang),
                           source=source("vsrr", lang), lang=lang, group_labels=labels)
    ax = fig.axes[0]
    for ln in ax.lines:
        ln.set_marker("")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def vsrr_alt(latest: pd.DataFrame, lang: str = "en") -> str:
    """Alt text of :func:`vsrr_figure`.

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
    items = [i18n.t("trends.vsrr.alt_item", lang, drug=drug_label(r.substance, lang),
                    a=i18n.fmt_number(r.first, 0, lang), b=i18n.fmt_number(r.last, 0, lang))
             for r in latest.itertuples()]
    return i18n.t("trends.vsrr.fig_alt", lang, items="; ".join(items))


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


def synthetic_vs_france(series: pd.DataFrame, res, prev: pd.DataFrame | None, perc: pd.DataFrame | None,
                        lang: str = "en") -> list[str]:
    """Synthetic opioids in the United States set against what the French data here show.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    res
        Output of :func:`nchs_joinpoint`.
    prev
        ``dt.load("unodc_prevalence")`` (or ``None``).
    perc
        ``dt.load("unodc_trend_perception")`` (or ``None``).
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    list of str
        Paragraphs (the French one only when both French sources are present).
    """
    from drugtrends_reports import supply
    from drugtrends_reports.trends import select_prevalence

    g = series[(series["drug"] == "synthetic_opioids") & (series["sex"] == "All persons")].dropna(subset=["rate"])
    g = g.sort_values("year")
    steep = _segments(res, "synthetic_opioids").sort_values("apc").iloc[-1]
    out = [i18n.t("trends.synth.us", lang, a=i18n.fmt_number(g["rate"].iloc[0], 1, lang), y0=int(g["year"].iloc[0]),
                  b=i18n.fmt_number(g["rate"].iloc[-1], 1, lang), y1=int(g["year"].iloc[-1]),
                  apc=i18n.fmt_percent(steep["apc"], 0, lang), s0=int(steep["x_start"]), s1=int(steep["x_end"]))]
    if prev is None or perc is None:
        return out
    hr = select_prevalence(prev, countries={"France": ("France",)}, substances=("opioids",), indicator="high_risk_use")
    pf = supply.perception_frame(perc)
    op = pf[(pf["substance"] == "opioids") & pf["score"].notna()].sort_values("year")
    if hr.empty or op.empty:
        return out
    hr = hr[hr["comparability_group"] == hr["comparability_group"].iloc[-1]]
    out.append(i18n.t("trends.synth.fr", lang, lo=i18n.fmt_percent(hr["best"].min(), 2, lang),
                      hi=i18n.fmt_percent(hr["best"].max(), 2, lang), y0=int(hr["year"].min()), y1=int(hr["year"].max()),
                      perception=i18n.t(f"trends.perception.s{int(op['score'].iloc[-1]) + 2}", lang).lower(),
                      py=int(op["year"].iloc[-1])))
    return out


def nchs_sex_alt(series: pd.DataFrame, lang: str = "en",
                 drugs: tuple[str, ...] = ("all_drugs", "synthetic_opioids", "heroin",
                                           "natural_semisynthetic_opioids")) -> str:
    """Alt text of :func:`nchs_sex_figure`: the last year's rates of men and women per panel.

    Parameters
    ----------
    series
        Output of :func:`nchs_series`.
    lang
        ``"en"`` or ``"fr"``.
    drugs
        Panels.

    Returns
    -------
    str
    """
    d = series.dropna(subset=["rate"])
    year = int(d["year"].max())
    last = d[d["year"] == year].set_index(["drug", "sex"])["rate"]
    items = [f"{drug_label(k, lang)}: {sex_label('Male', lang).lower()} {i18n.fmt_number(last.get((k, 'Male')), 1, lang)}, "
             f"{sex_label('Female', lang).lower()} {i18n.fmt_number(last.get((k, 'Female')), 1, lang)}" for k in drugs]
    return i18n.t("trends.nchs.sex_fig_alt", lang, year=year, items="; ".join(items))


def vsrr_key(series: pd.DataFrame, substance: str, lang: str = "en"):
    """Key figure: US deaths of one drug class in the latest 12 months, against the 12 months before.

    The two 12-month windows do not overlap (the latest month and the same month
    a year earlier), so they count different deaths; provisional counts carry no
    sampling error and may be revised, so no significance is given.

    Parameters
    ----------
    series
        Output of :func:`vsrr_us_series`.
    substance
        Taxonomy id of the VSRR class.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
    """
    from drugtrends.keyfigures import KeyFigure

    g = series[series["substance"] == substance].sort_values("date")
    if g.empty:
        return None
    last = g.iloc[-1]
    prior = g[g["date"] == last["date"] - pd.DateOffset(years=1)]
    prior = g[(g["date"].dt.year == last["date"].year - 1) & (g["date"].dt.month == last["date"].month)] \
        if prior.empty else prior
    p = prior.iloc[0] if len(prior) else None
    change = None if p is None else float(last["deaths"] - p["deaths"])
    return KeyFigure(i18n.t("trends.kf.vsrr", lang, drug=drug_label(substance, lang).lower()), float(last["deaths"]),
                     unit="number", digits=0, year=i18n.t("trends.kf.vsrr_period", lang, end=i18n.fmt_date(last["date"], lang)),
                     population=i18n.t("trends.years.vsrr_pop", lang),
                     previous=None if p is None else float(p["deaths"]),
                     previous_year=None if p is None else i18n.fmt_date(p["date"], lang), change=change,
                     direction=None if p is None else ("up" if change > 0 else "down" if change < 0 else "stable"),
                     significant=None, note=i18n.t("trends.kf.vsrr_note", lang))
