"""US overdose deaths, January 2015 - April 2025: CDC VSRR provisional 12-month-ending counts.

``dt.load("cdc_vsrr")`` gives the United States from the 2025 edition (an
``edition`` column says which) with the publisher's reported count, its
predicted count (adjusted for reporting delays and pending investigations)
and the ``underreported`` flag ("Underreported due to incomplete data", every
month from January 2024). This section shows both counts, says which one a
number is, marks the underreported months, and never joins these provisional
counts to the final NCHS rates of :mod:`drugtrends_reports.overdose`.

The counts are of all registered deaths (no sampling error): a change between
two months is an observed change in a provisional count, not a tested trend.
"""

from __future__ import annotations

import pandas as pd

from drugtrends import i18n, style
from drugtrends_reports.common import Fig
from drugtrends_reports.overdose import drug_label
from drugtrends_reports.trends import source

__all__ = ["CLASSES", "us_counts", "peak", "fall", "counts_table", "figure", "sentences", "section", "key_figures",
           "TABLE_MONTHS"]

#: Drug classes shown, in display order (taxonomy ids of the VSRR indicators).
CLASSES: tuple[str, ...] = ("all_drugs", "synthetic_opioids", "psychostimulants", "cocaine", "heroin")

#: 12-month periods (ending month) of the table.
TABLE_MONTHS: tuple[str, ...] = ("2019-12", "2021-12", "2022-12", "2023-12", "2024-12")

#: Line style per class (colours alone would not tell every class apart in grey print).
_STYLES = {"all_drugs": "-", "synthetic_opioids": "-", "psychostimulants": "--", "cocaine": "-.", "heroin": ":"}


def us_counts(vsrr: pd.DataFrame, classes: tuple[str, ...] = CLASSES) -> pd.DataFrame:
    """US 12-month-ending death counts by class and month: reported and predicted side by side.

    Parameters
    ----------
    vsrr
        ``dt.load("cdc_vsrr")``.
    classes
        Taxonomy ids.

    Returns
    -------
    pandas.DataFrame
        ``substance``, ``date``, ``reported``, ``predicted``, ``underreported``, ``edition`` (one row per class
        and month, newest edition), sorted.

    Examples
    --------
    >>> d = pd.DataFrame({"state": ["US"] * 2, "measure": ["deaths"] * 2, "substance": ["heroin"] * 2,
    ...                   "date": pd.to_datetime(["2025-03-31", "2025-04-30"]), "reported": [2.0, 3.0],
    ...                   "predicted": [2.5, 3.5], "underreported": [True, True]})
    >>> us_counts(d, ("heroin",))["predicted"].tolist()
    [2.5, 3.5]
    """
    d = vsrr[(vsrr["state"].astype(str) == "US") & vsrr["substance"].astype(str).isin(classes)]
    if "measure" in d.columns:
        d = d[d["measure"].astype(str) == "deaths"]
    out = pd.DataFrame({
        "substance": d["substance"].astype(str), "date": pd.to_datetime(d["date"]),
        "reported": pd.to_numeric(d["reported"], errors="coerce").astype(float),
        "predicted": pd.to_numeric(d["predicted"], errors="coerce").astype(float),
        "underreported": d["underreported"].astype(bool) if "underreported" in d.columns else False,
        "edition": d["edition"].astype(str) if "edition" in d.columns else "",
    })
    order = {s: i for i, s in enumerate(classes)}
    out = out.assign(_o=out["substance"].map(order)).sort_values(["_o", "date"])
    return out.drop(columns="_o").reset_index(drop=True)


def peak(counts: pd.DataFrame, substance: str = "all_drugs", value: str = "predicted") -> pd.Series:
    """The 12-month period with the most deaths of a class (``date``, ``reported``, ``predicted``).

    Examples
    --------
    >>> d = pd.DataFrame({"substance": ["all_drugs"] * 3, "date": pd.to_datetime(["2023-07-31", "2023-08-31",
    ...                   "2023-09-30"]), "reported": [1.0, 3.0, 2.0], "predicted": [1.0, 3.0, 2.0]})
    >>> str(peak(d)["date"].date())
    '2023-08-31'
    """
    g = counts[counts["substance"] == substance]
    return g.loc[g[value].idxmax()]


def fall(counts: pd.DataFrame, substance: str = "all_drugs", value: str = "predicted") -> tuple[pd.Series,
                                                                                                pd.Series, float]:
    """The peak, the latest period and the change between them in % (of the ``value`` counts)."""
    g = counts[counts["substance"] == substance].sort_values("date")
    top, last = peak(counts, substance, value), g.iloc[-1]
    return top, last, 100.0 * (last[value] / top[value] - 1.0)


def _fmt(v: float, lang: str) -> str:
    return i18n.fmt_number(v, 0, lang) if pd.notna(v) else i18n.t("common.na", lang)


def counts_table(counts: pd.DataFrame, lang: str = "en"):
    """Reported and predicted counts by class for the periods of :data:`TABLE_MONTHS` and the latest month.

    Parameters
    ----------
    counts
        :func:`us_counts`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    drugtrends.tables.PubTable
    """
    from drugtrends import tables

    months = [pd.Period(m, "M") for m in TABLE_MONTHS]
    last = counts["date"].max().to_period("M")
    if last not in months:
        months.append(last)
    per = counts.assign(_m=counts["date"].dt.to_period("M"))
    rows = []
    for s in dict.fromkeys(counts["substance"]):
        row = {i18n.t("trends.vsrr25.class", lang): drug_label(s, lang)}
        for m in months:
            r = per[(per["substance"] == s) & (per["_m"] == m)]
            head = i18n.fmt_date(m.to_timestamp(how="end"), lang) + ("\u00a0*" if len(r) and r["underreported"].iloc[0]
                                                                      else "")
            row[head] = (f"{_fmt(r['reported'].iloc[0], lang)} / {_fmt(r['predicted'].iloc[0], lang)}"
                         if len(r) else i18n.t("common.na", lang))
        rows.append(row)
    return tables.simple_table(pd.DataFrame(rows), title=i18n.t("trends.vsrr25.table_title", lang),
                               source=source("vsrr", lang), notes=[i18n.t("trends.vsrr25.table_note", lang)],
                               lang=lang)


def figure(counts: pd.DataFrame, lang: str = "en"):
    """Predicted 12-month-ending deaths by class (reported all-drug counts dashed), underreported months shaded.

    Parameters
    ----------
    counts
        :func:`us_counts`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from drugtrends import plots

    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 4.4), layout="constrained")
    cols = style.colours_for(list(dict.fromkeys(counts["substance"])))
    for s, g in counts.groupby("substance", sort=False):
        ax.plot(g["date"], g["predicted"], color=cols[s], ls=_STYLES.get(s, "-"), lw=1.8, label=drug_label(s, lang))
    a = counts[counts["substance"] == "all_drugs"]
    if len(a):
        ax.plot(a["date"], a["reported"], color=cols["all_drugs"], lw=0.9, ls=(0, (1, 1)),
                label=drug_label("all_drugs", lang) + " " + i18n.t("trends.vsrr25.reported_short", lang))
    under = counts.loc[counts["underreported"], "date"]
    if len(under):
        ax.axvspan(under.min() - pd.Timedelta(days=15), counts["date"].max(), color=style.GREY, alpha=0.15, lw=0)
        ax.text(under.min(), 1.0, " " + i18n.t("trends.vsrr25.underreported_band", lang), transform=ax.get_xaxis_transform(),
                ha="left", va="bottom", fontsize=plots.base.small_font(2), color="#555555")
    ax.set_ylim(bottom=0)
    style.number_axis(ax, axis="y", lang=lang)
    ax.set_ylabel(i18n.t("trends.vsrr.ylabel", lang))
    ax.set_xlabel(i18n.t("trends.vsrr25.xlabel", lang))
    _direct_labels(ax, counts, cols, lang)
    plots.base.place_title(ax, i18n.t("trends.vsrr25.fig_title", lang))
    setattr(fig, plots.base.TITLE_ATTR, i18n.t("trends.vsrr25.fig_title", lang))  # "Figure n." goes before it
    style.source_note(fig, source("vsrr", lang) + "\n" + i18n.t("trends.vsrr25.fig_note", lang), lang=lang)
    return fig


def _direct_labels(ax, counts: pd.DataFrame, cols: dict, lang: str) -> None:
    """Name each class at the end of its line (no legend box over the data), spread so no two labels touch."""
    from drugtrends import plots

    ends = counts.sort_values("date").groupby("substance", sort=False).tail(1).sort_values("predicted")
    top = ax.get_ylim()[1]
    gap, last_y, placed = 0.055 * top, -1e18, []
    for r in ends.itertuples():
        y = max(float(r.predicted), last_y + gap)
        placed.append((r.substance, y))
        last_y = y
    x = counts["date"].max() + pd.Timedelta(days=45)
    for sub, y in placed:
        ax.text(x, y, i18n.t(f"trends.vsrr25.short.{sub}", lang), color=cols[sub], va="center", ha="left",
                fontsize=plots.base.small_font(1.5))
    last = counts["date"].max()
    ax.set_xlim(right=last + pd.Timedelta(days=int(365 * 2.4)))
    import matplotlib.dates as mdates

    ax.set_xticks(pd.to_datetime([f"{y}-01-01" for y in range(counts["date"].min().year + 1, last.year + 1, 2)]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.spines["right"].set_visible(False)


def sentences(counts: pd.DataFrame, lang: str = "en") -> list[str]:
    """The rise, the peak and the fall of all-drug deaths, and the classes behind them."""
    g = counts[counts["substance"] == "all_drugs"].sort_values("date")
    if g.empty:
        return []
    first = g.iloc[0]
    top, last, change = fall(counts)
    out = [i18n.t("trends.vsrr25.rise", lang, start=i18n.fmt_date(first["date"], lang),
                  first=_fmt(first["predicted"], lang), peak_date=i18n.fmt_date(top["date"], lang),
                  peak=_fmt(top["predicted"], lang), peak_rep=_fmt(top["reported"], lang)),
           i18n.t("trends.vsrr25.fall", lang, end=i18n.fmt_date(last["date"], lang),
                  last_rep=_fmt(last["reported"], lang), last=_fmt(last["predicted"], lang),
                  change=i18n.fmt_percent(abs(change), 0, lang))]
    s = counts[counts["substance"] == "synthetic_opioids"]
    if len(s):
        stop, slast, sch = fall(counts, "synthetic_opioids")
        out.append(i18n.t("trends.vsrr25.synthetic", lang, peak=_fmt(stop["predicted"], lang),
                          peak_date=i18n.fmt_date(stop["date"], lang), last=_fmt(slast["predicted"], lang),
                          change=i18n.fmt_percent(abs(sch), 0, lang)))
    return out


def section(vsrr: pd.DataFrame | None, lang: str = "en") -> list:
    """The section: heading, intro, the rise-peak-fall sentences, the figure and the table (``[]`` without data).

    Parameters
    ----------
    vsrr
        ``dt.load("cdc_vsrr")`` or ``None``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    list
    """
    if vsrr is None:
        return []
    counts = us_counts(vsrr)
    if counts.empty:
        return []
    top, last, change = fall(counts)
    alt = i18n.t("trends.vsrr25.fig_alt", lang, peak=_fmt(top["predicted"], lang),
                 peak_date=i18n.fmt_date(top["date"], lang), last=_fmt(last["predicted"], lang),
                 end=i18n.fmt_date(last["date"], lang))
    return ["## " + i18n.t("trends.vsrr25.heading", lang), i18n.t("trends.vsrr25.intro", lang),
            " ".join(sentences(counts, lang)), Fig(figure(counts, lang), alt), counts_table(counts, lang)]


def key_figures(vsrr: pd.DataFrame | None, lang: str = "en") -> list:
    """Key figure: all-drug deaths in the latest 12 months (reported; predicted and peak in the note)."""
    from drugtrends.keyfigures import KeyFigure

    if vsrr is None:
        return []
    counts = us_counts(vsrr, ("all_drugs",))
    if counts.empty:
        return []
    top, last, change = fall(counts)
    change_text = i18n.t("trends.vsrr25.kf_change", lang, peak=_fmt(top["predicted"], lang),
                         peak_date=i18n.fmt_date(top["date"], lang), change=i18n.fmt_percent(abs(change), 0, lang))
    note = i18n.t("trends.vsrr25.kf_note", lang, predicted=_fmt(last["predicted"], lang))
    return [KeyFigure(i18n.t("trends.vsrr25.kf_label", lang, end=i18n.fmt_date(last["date"], lang)),
                      float(last["reported"]), unit="number", digits=0, year=int(last["date"].year),
                      population=i18n.t("trends.years.vsrr_pop", lang), note=note, change_sentence=change_text)]

