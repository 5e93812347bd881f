"""Drug residues in wastewater: French sites against European cities (EU drugs agency / SCORE, 2011-2022).

``dt.load("euda_wastewater")`` gives one row per site, year and substance
(``daily_mean`` in mg per 1,000 inhabitants per day; benzoylecgonine is
``cocaine``, MDMA is ``ecstasy``). Each site is its own series
(``comparability_group`` per site and substance): French sites are drawn
site by site, never averaged, against the median and middle half
(interquartile range) of the cities measured in the same year. Cities are
ranked within one year only. Loads come from one week of sampling a year and
carry no standard error: changes are described, not tested.
"""

from __future__ import annotations

import pandas as pd

from drugtrends import i18n, style
from drugtrends_reports.common import Fig

__all__ = ["PANELS", "FRENCH_SITES", "european_band", "french_sites", "figure", "ranking", "ranking_table",
           "paris_rank", "sentences", "section", "site_series"]

#: Substances of the figure's panels (taxonomy ids).
PANELS: tuple[str, ...] = ("cocaine", "ecstasy", "amphetamine")

#: French sites (site id -> colour), in legend order.
FRENCH_SITES: dict[str, str] = {"FR005": style.OKABE_ITO["blue"], "FR003": style.OKABE_ITO["vermillion"],
                                "FR006": style.OKABE_ITO["bluish_green"], "FR004": style.OKABE_ITO["reddish_purple"]}


def _sub(ww: pd.DataFrame, substance: str) -> pd.DataFrame:
    return ww[ww["substance"].astype(str) == substance]


def european_band(ww: pd.DataFrame, substance: str) -> pd.DataFrame:
    """Median and quartiles of the daily loads of all sites measured each year (``year``, ``q25``, ``median``,
    ``q75``, ``n``).

    Examples
    --------
    >>> d = pd.DataFrame({"substance": ["cocaine"] * 4, "year": [2020] * 4, "daily_mean": [1.0, 2.0, 3.0, 4.0]})
    >>> european_band(d, "cocaine")[["median", "n"]].values.tolist()
    [[2.5, 4.0]]
    """
    g = _sub(ww, substance).dropna(subset=["daily_mean"]).groupby("year")["daily_mean"]
    return pd.DataFrame({"q25": g.quantile(0.25), "median": g.median(), "q75": g.quantile(0.75),
                         "n": g.size().astype(float)}).reset_index()


def site_series(ww: pd.DataFrame, site: str, substance: str) -> pd.DataFrame:
    """One site's yearly loads of one substance, sorted by year."""
    d = _sub(ww, substance)
    return d[d["site_id"].astype(str) == site].dropna(subset=["daily_mean"]).sort_values("year")


def french_sites(ww: pd.DataFrame) -> pd.DataFrame:
    """The French sites present (``site_id``, ``city``)."""
    d = ww[ww["country"].astype(str) == "FR"][["site_id", "city"]].astype(str).drop_duplicates()
    order = {s: i for i, s in enumerate(FRENCH_SITES)}
    return d.assign(_o=d["site_id"].map(order).fillna(99)).sort_values("_o").drop(columns="_o")


def figure(ww: pd.DataFrame, lang: str = "en", panels: tuple[str, ...] = PANELS, height: float = 3.9):
    """Panels by substance: European median and middle half (grey), French sites as lines."""
    import matplotlib.pyplot as plt

    from drugtrends import plots

    fig = plt.figure(figsize=(style.FIGURE_WIDTH_IN, height), layout="constrained")
    grid = fig.add_gridspec(2, len(panels), height_ratios=[1, 0.24])
    axes = [fig.add_subplot(grid[0, i]) for i in range(len(panels))]
    legend_ax = fig.add_subplot(grid[1, :])
    legend_ax.set_axis_off()
    sites = french_sites(ww)
    for ax, sub in zip(axes, panels, strict=True):
        band = european_band(ww, sub)
        ax.fill_between(band["year"], band["q25"], band["q75"], color=style.GREY, alpha=0.25, lw=0,
                        label=i18n.t("trends.ww.iqr", lang))
        ax.plot(band["year"], band["median"], color=style.GREY, lw=1.2, label=i18n.t("trends.ww.median", lang))
        for s in sites.itertuples():
            d = site_series(ww, s.site_id, sub)
            if len(d):
                ax.plot(d["year"], d["daily_mean"], marker="o", ms=3, lw=1.5, label=s.city,
                        color=FRENCH_SITES.get(s.site_id, style.OKABE_ITO["black"]))
        ax.set_title(i18n.t(f"trends.ww.panels.{sub}", lang), loc="left",
                     fontsize=plots.base.small_font(0.5))
        ax.set_ylim(bottom=0)
        ax.set_xticks([2012, 2017, 2022])
        ax.set_xlim(2010.5, 2022.5)
        style.number_axis(ax, axis="y", lang=lang)
    axes[0].set_ylabel(i18n.t("trends.ww.ylabel_short", lang))
    handles, labels = [], []
    for ax in axes:  # one legend for all panels (a site absent from the first panel still appears)
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    # one legend in its own row under the panels: outside every data area, never over the source note
    legend_ax.legend(handles, labels, loc="center", ncols=3, fontsize=plots.base.small_font(1.5), frameon=False)
    fig.suptitle(plots.base.wrap_to_figure(i18n.t("trends.ww.fig_title", lang), fig, 11.5), x=0.01, ha="left",
                 fontweight="bold", fontsize=11.5)
    setattr(fig, plots.base.TITLE_ATTR, i18n.t("trends.ww.fig_title", lang))  # "Figure n." goes before it
    style.source_note(fig, i18n.t("trends.ww.source", lang), lang=lang)
    return fig


def ranking(ww: pd.DataFrame, year: int, substance: str = "cocaine") -> pd.DataFrame:
    """Sites ranked by daily load in one year (1 = highest): ``rank``, ``site_id``, ``city``, ``country``,
    ``daily_mean``, ``n`` (sites measured)."""
    d = _sub(ww, substance)
    d = d[d["year"] == year].dropna(subset=["daily_mean"]).sort_values("daily_mean", ascending=False)
    out = d[["site_id", "city", "country", "daily_mean"]].astype({"site_id": str, "city": str, "country": str})
    return out.assign(rank=range(1, len(out) + 1), n=len(out)).reset_index(drop=True)


def ranking_table(ww: pd.DataFrame, lang: str = "en", year: int = 2022, top: int = 12):
    """The ``top`` cities by cocaine load in ``year``, with their ketamine load where measured."""
    from drugtrends import tables

    coc = ranking(ww, year).head(top)
    ket = ranking(ww, year, "ketamine").set_index("site_id")["daily_mean"]
    from babel import Locale

    names = Locale.parse(lang).territories  # ISO code -> country name in the report language (CLDR)
    country = {c: names.get(c, c) for c in coc["country"]}
    out = pd.DataFrame({
        i18n.t("trends.ww.rank", lang): coc["rank"].astype(str),
        i18n.t("trends.ww.city", lang): coc["city"],
        i18n.t("trends.ww.country", lang): coc["country"].map(country),
        i18n.t("trends.ww.cocaine", lang): [i18n.fmt_number(v, 2, lang) for v in coc["daily_mean"]],
        i18n.t("trends.ww.ketamine", lang): [i18n.fmt_number(ket[s], 2, lang) if s in ket.index else ""
                                             for s in coc["site_id"]],
    })
    return tables.simple_table(out, title=i18n.t("trends.ww.rank_title", lang), source=i18n.t("trends.ww.source", lang),
                               notes=[i18n.t("trends.ww.rank_note", lang, n=i18n.fmt_number(len(ket), 0, lang))],
                               lang=lang)


def paris_rank(ww: pd.DataFrame, site: str = "FR005") -> tuple[int, int, int] | None:
    """(year, rank, cities ranked) of a site's latest cocaine measurement."""
    d = site_series(ww, site, "cocaine")
    if d.empty:
        return None
    year = int(d["year"].max())
    r = ranking(ww, year)
    row = r[r["site_id"] == site]
    return year, int(row["rank"].iloc[0]), int(row["n"].iloc[0])


def sentences(ww: pd.DataFrame, lang: str = "en") -> list[str]:
    """Paris Seine Centre's first and latest cocaine load, Bordeaux's latest, Paris's latest rank."""
    p, b = site_series(ww, "FR005", "cocaine"), site_series(ww, "FR003", "cocaine")
    out = []
    if len(p) and len(b):
        out.append(i18n.t("trends.ww.paris", lang, a=i18n.fmt_number(p["daily_mean"].iloc[0], 2, lang),
                          y0=int(p["year"].iloc[0]), b=i18n.fmt_number(p["daily_mean"].iloc[-1], 2, lang),
                          y1=int(p["year"].iloc[-1]), c=i18n.fmt_number(b["daily_mean"].iloc[-1], 2, lang),
                          yb=int(b["year"].iloc[-1])))
    fr_latest = ww[ww["country"].astype(str) == "FR"]["year"].max()
    pr = paris_rank(ww)
    if pr and fr_latest < ww["year"].max():
        out.append(i18n.t("trends.ww.no_fr_2022", lang, year=pr[0], rank=i18n.fmt_number(pr[1], 0, lang),
                          n=i18n.fmt_number(pr[2], 0, lang)))
    return out


def section(ww: pd.DataFrame | None, lang: str = "en") -> list:
    """The wastewater section (``[]`` without data)."""
    if ww is None or ww.empty:
        return []
    p = site_series(ww, "FR005", "cocaine")
    alt = i18n.t("trends.ww.fig_alt", lang, a=i18n.fmt_number(p["daily_mean"].iloc[0], 2, lang),
                 y0=int(p["year"].iloc[0]), b=i18n.fmt_number(p["daily_mean"].iloc[-1], 2, lang),
                 y1=int(p["year"].iloc[-1])) if len(p) else i18n.t("trends.ww.fig_title", lang)
    return ["## " + i18n.t("trends.ww.heading", lang), i18n.t("trends.ww.intro", lang),
            " ".join(sentences(ww, lang)), Fig(figure(ww, lang), alt), ranking_table(ww, lang)]
