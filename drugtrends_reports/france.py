"""France: police-recorded drug offences, 2016-2025, nationally and by département.

``dt.load("fr_drug_offences")`` (SSMSI departmental base) gives, per
département and year, the persons implicated in recorded offences of drug
``use`` (with its parts ``use_fixed_fine`` and ``use_excl_fixed_fine``) and
``trafficking``, with rates per 1,000 inhabitants. National figures are sums
over the 101 départements. The fixed fine for drug use (September 2020)
breaks the use series (``comparability_group`` changes, ``break_code``
``fixed_fine_2020``): no line crosses it. Trafficking is one series.
Counts are of all recorded cases (no sampling error): changes are observed,
not tested.
"""

from __future__ import annotations

import pandas as pd

from drugtrends import i18n, style
from drugtrends_reports.common import Fig

__all__ = ["national", "rates", "sentences", "national_figure", "trafficking_map", "change_map", "top_table",
           "section", "key_figures", "top_departements"]

_OFFENCES = ("use", "use_excl_fixed_fine", "use_fixed_fine", "trafficking")


def _src(lang: str) -> str:
    return i18n.t("trends.fr_off.source", lang)


def national(off: pd.DataFrame) -> pd.DataFrame:
    """National totals by offence and year (sums over départements), with the use series' group.

    Returns
    -------
    pandas.DataFrame
        ``offence``, ``year``, ``n_implicated``, ``population``, ``rate_per_1000``, ``comparability_group``.

    Examples
    --------
    >>> d = pd.DataFrame({"offence": ["trafficking"] * 2, "year": [2025, 2025], "n_implicated": [3, 4],
    ...                   "population": [1000, 1000], "comparability_group": ["t", "t"]})
    >>> national(d)[["n_implicated", "rate_per_1000"]].values.tolist()
    [[7.0, 3.5]]
    """
    d = off.assign(offence=off["offence"].astype(str), comparability_group=off["comparability_group"].astype(str))
    g = d.groupby(["offence", "year", "comparability_group"], observed=True)
    out = g.agg(n_implicated=("n_implicated", lambda s: s.sum(min_count=1)), population=("population", "sum")).reset_index()
    out["n_implicated"] = out["n_implicated"].astype(float)
    out["rate_per_1000"] = 1000.0 * out["n_implicated"] / out["population"]
    return out.dropna(subset=["n_implicated"]).sort_values(["offence", "year"]).reset_index(drop=True)


def rates(off: pd.DataFrame, offence: str = "trafficking") -> pd.DataFrame:
    """Rate per 1,000 by département, one column per year (``departement``, ``departement_name``, years...)."""
    d = off[off["offence"].astype(str) == offence]
    return d.pivot_table(index=["departement", "departement_name"], columns="year", values="rate_per_1000",
                         observed=True).reset_index()


def top_departements(off: pd.DataFrame, year: int, n: int = 3, offence: str = "trafficking") -> pd.DataFrame:
    """The ``n`` départements with the highest rate in ``year``."""
    d = off[(off["offence"].astype(str) == offence) & (off["year"] == year)]
    return d.sort_values("rate_per_1000", ascending=False).head(n)


def _n(v: float, lang: str) -> str:
    return i18n.fmt_number(v, 0, lang)


def sentences(off: pd.DataFrame, lang: str = "en") -> list[str]:
    """Trafficking first and latest year; use before the fixed fine and latest, with its fixed-fine part."""
    nat = national(off).set_index(["offence", "year"])
    t = nat.loc["trafficking"]
    y0, y1 = int(t.index.min()), int(t.index.max())
    out = [i18n.t("trends.fr_off.traf_sentence", lang, year=y1, n=_n(t.loc[y1, "n_implicated"], lang),
                  rate=i18n.fmt_number(t.loc[y1, "rate_per_1000"], 2, lang), n0=_n(t.loc[y0, "n_implicated"], lang), y0=y0,
                  change=i18n.fmt_percent(100 * (t.loc[y1, "n_implicated"] / t.loc[y0, "n_implicated"] - 1), 0, lang))]
    u, ff = nat.loc["use"], nat.loc["use_fixed_fine"] if "use_fixed_fine" in nat.index.get_level_values(0) else None
    before = [y for y in u.index if y < 2020]
    if before and ff is not None:
        ub, ul = max(before), int(u.index.max())
        out.append(i18n.t("trends.fr_off.use_sentence", lang, y0=ub, u0=_n(u.loc[ub, "n_implicated"], lang), y1=ul,
                          u1=_n(u.loc[ul, "n_implicated"], lang), ff=_n(ff.loc[ul, "n_implicated"], lang)))
    paris = off[(off["departement"].astype(str) == "75") & (off["offence"].astype(str) == "trafficking")
                & (off["year"] == y1)]
    if len(paris):
        out.append(i18n.t("trends.fr_off.paris", lang, n=_n(paris["n_implicated"].iloc[0], lang), year=y1,
                          rate=i18n.fmt_number(paris["rate_per_1000"].iloc[0], 2, lang)))
    return out


def national_figure(off: pd.DataFrame, lang: str = "en"):
    """Two panels: use (all, excl. fixed fine, fixed fine; broken at 2020) and trafficking, counts by year."""
    import matplotlib.pyplot as plt

    from drugtrends import plots

    nat = national(off)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(style.FIGURE_WIDTH_IN, 3.0), layout="constrained")
    cols = {"use": style.OKABE_ITO["black"], "use_excl_fixed_fine": style.OKABE_ITO["blue"],
            "use_fixed_fine": style.OKABE_ITO["reddish_purple"], "trafficking": style.OKABE_ITO["vermillion"]}
    labels = {"use": "use_all", "use_excl_fixed_fine": "use_excl", "use_fixed_fine": "use_ff"}
    for off_id, lab in labels.items():
        d = nat[nat["offence"] == off_id]
        for i, (_, piece) in enumerate(d.groupby("comparability_group", sort=False)):
            a1.plot(piece["year"], piece["n_implicated"], marker="o", ms=3, color=cols[off_id],
                    zorder=3 if off_id == "use" else 2, label=i18n.t(f"trends.fr_off.{lab}", lang) if i == 0 else None)
    a1.axvline(2019.67, color=style.GREY, ls="--", lw=1, gid="break")
    a1.text(2019.75, 1.0, i18n.t("trends.fr_off.break_label", lang), transform=a1.get_xaxis_transform(),
            fontsize=plots.base.small_font(2.5), color="#555555", va="bottom", ha="center")
    t = nat[nat["offence"] == "trafficking"]
    a2.plot(t["year"], t["n_implicated"], marker="o", ms=3, color=cols["trafficking"])
    for ax, key in ((a1, "use_panel"), (a2, "traf_panel")):
        ax.set_ylim(bottom=0)
        style.number_axis(ax, axis="y", lang=lang)
        ax.set_title(i18n.t(f"trends.fr_off.{key}", lang), loc="left", fontsize=plots.base.small_font(0))
        ax.set_xticks(range(int(nat["year"].min()), int(nat["year"].max()) + 1, 3))
    a1.set_ylabel(i18n.t("trends.fr_off.ylabel", lang))
    # the legend under the use panel, outside the data area (trafficking has one line, named by its title)
    a1.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), ncols=1, fontsize=plots.base.small_font(1.5),
              frameon=False)
    fig.suptitle(plots.base.wrap_to_figure(i18n.t("trends.fr_off.fig_title", lang), fig, 11.5), x=0.01, ha="left",
                 fontweight="bold", fontsize=11.5)
    setattr(fig, plots.base.TITLE_ATTR, i18n.t("trends.fr_off.fig_title", lang))  # "Figure n." goes before it
    style.source_note(fig, _src(lang) + "\n" + i18n.t("trends.fr_off.fig_note", lang), lang=lang)
    return fig


def trafficking_map(off: pd.DataFrame, geo, lang: str = "en"):
    """Map of trafficking offences per 1,000 inhabitants by département, latest year."""
    from drugtrends.plots.maps import departement_map

    y1 = int(off["year"].max())
    d = off[(off["offence"].astype(str) == "trafficking") & (off["year"] == y1)]
    return departement_map(geo, d.assign(departement=d["departement"].astype(str)), "rate_per_1000",
                           title=i18n.t("trends.fr_off.map_title", lang, year=y1),
                           legend_label=i18n.t("trends.fr_off.map_legend", lang), source=_src(lang), lang=lang,
                           note=i18n.t("trends.fr_off.map_note", lang))


def change_map(off: pd.DataFrame, geo, lang: str = "en"):
    """Map of the change in trafficking offences per 1,000 between the first and the latest year."""
    from drugtrends.plots.maps import departement_map

    r = rates(off)
    y0, y1 = int(off["year"].min()), int(off["year"].max())
    d = pd.DataFrame({"departement": r["departement"].astype(str), "change": r[y1] - r[y0]})
    return departement_map(geo, d, "change", diverging=True,
                           title=i18n.t("trends.fr_off.map_change_title", lang, y0=y0, year=y1),
                           legend_label=i18n.t("trends.fr_off.map_change_legend", lang), source=_src(lang),
                           lang=lang, note=i18n.t("trends.fr_off.map_note", lang))


def top_table(off: pd.DataFrame, lang: str = "en", n: int = 8):
    """The ``n`` départements with the highest trafficking rate in the latest year, with the first year's."""
    from drugtrends import tables

    r = rates(off)
    y0, y1 = int(off["year"].min()), int(off["year"].max())
    top = top_departements(off, y1, n)
    rows = []
    for t in top.itertuples():
        r0 = r.loc[r["departement"].astype(str) == str(t.departement), y0]
        rows.append({i18n.t("trends.fr_off.dep", lang): f"{t.departement_name} ({t.departement})",
                     i18n.t("trends.fr_off.count", lang): _n(t.n_implicated, lang),
                     i18n.t("trends.fr_off.rate", lang): i18n.fmt_number(t.rate_per_1000, 2, lang),
                     i18n.t("trends.fr_off.rate0", lang, y0=y0): i18n.fmt_number(r0.iloc[0], 2, lang)
                     if len(r0) else i18n.t("common.na", lang)})
    return tables.simple_table(pd.DataFrame(rows), title=i18n.t("trends.fr_off.top_title", lang, year=y1),
                               source=_src(lang), lang=lang)


def section(off: pd.DataFrame | None, geo=None, lang: str = "en") -> list:
    """The France offences section: intro, sentences, national figure, maps (when the geometry is there), table."""
    if off is None or off.empty:
        return []
    y0, y1 = int(off["year"].min()), int(off["year"].max())
    nat = national(off).set_index(["offence", "year"])
    items: list = ["## " + i18n.t("trends.fr_off.heading", lang), i18n.t("trends.fr_off.intro", lang),
                   " ".join(sentences(off, lang)),
                   Fig(national_figure(off, lang), i18n.t("trends.fr_off.fig_alt", lang, year=y1, y0=y0,
                                                          n0=_n(nat.loc[("trafficking", y0), "n_implicated"], lang),
                                                          n=_n(nat.loc[("trafficking", y1), "n_implicated"], lang)))]
    if geo is not None:
        top = ", ".join(f"{t.departement_name} ({i18n.fmt_number(t.rate_per_1000, 2, lang)})"
                        for t in top_departements(off, y1, 3).itertuples())
        items += [Fig(trafficking_map(off, geo, lang), i18n.t("trends.fr_off.map_alt", lang, year=y1, top=top)),
                  Fig(change_map(off, geo, lang), i18n.t("trends.fr_off.map_change_alt", lang, y0=y0, year=y1))]
    return items + [top_table(off, lang)]


def key_figures(off: pd.DataFrame | None, lang: str = "en") -> list:
    """Key figure: persons implicated in trafficking offences, latest year, against the first year."""
    from drugtrends.keyfigures import KeyFigure

    if off is None or off.empty:
        return []
    t = national(off)
    t = t[t["offence"] == "trafficking"].set_index("year")
    y0, y1 = int(t.index.min()), int(t.index.max())
    return [KeyFigure(i18n.t("trends.fr_off.kf_label", lang), float(t.loc[y1, "n_implicated"]), unit="number", digits=0,
                      year=y1, population=i18n.t("trends.fr_off.kf_pop", lang), previous=float(t.loc[y0, "n_implicated"]),
                      previous_year=y0, change=float(t.loc[y1, "n_implicated"] - t.loc[y0, "n_implicated"]),
                      direction="up" if t.loc[y1, "n_implicated"] > t.loc[y0, "n_implicated"] else "down", significant=None,
                      note=i18n.t("trends.fr_off.kf_note", lang))]
