"""The fact sheets' newer sources: wastewater loads and French police-recorded offences.

Which wastewater marker stands for which fact sheet (:data:`WASTEWATER`):
benzoylecgonine (``cocaine``) covers cocaine powder and crack alike, so the
crack sheet shows it with that caveat; MDMA stands for ecstasy. Offences are
not by substance: the cocaine, crack and cannabis sheets show trafficking
cases for all drugs, labelled so.
"""

from __future__ import annotations

import pandas as pd

from drugtrends import i18n

__all__ = ["WASTEWATER", "OFFENCES", "FIGURE", "wastewater_key", "wastewater_sentence", "wastewater_figure",
           "offences_key"]

#: Fact-sheet id -> wastewater substance id.
WASTEWATER: dict[str, str] = {"cocaine": "cocaine", "crack": "cocaine", "cannabis": "cannabis",
                              "ecstasy": "ecstasy", "amphetamines": "amphetamine", "ketamine": "ketamine"}

#: Fact sheets that show French trafficking cases (all drugs).
OFFENCES: tuple[str, ...] = ("cocaine", "crack", "cannabis")

#: Sheets with room for the wastewater chart (one panel) within two pages.
FIGURE: tuple[str, ...] = ("crack",)

#: The French site shown when it measured the substance (Paris Seine Centre).
PARIS = "FR005"


def _n(v: float, lang: str, digits: int = 2) -> str:
    return i18n.fmt_number(v, digits, lang)


def wastewater_key(ww: pd.DataFrame | None, sheet: str, lang: str = "en"):
    """Key figure: the Paris Seine Centre load (latest year, against its first); else the top city of the
    latest year.

    Returns
    -------
    drugtrends.keyfigures.KeyFigure or None
    """
    from drugtrends.keyfigures import KeyFigure
    from drugtrends_reports import wastewater

    sub = WASTEWATER.get(sheet)
    if ww is None or sub is None:
        return None
    p = wastewater.site_series(ww, PARIS, sub)
    label = i18n.t(f"trends.ww.panels.{sub}", lang)
    if len(p) >= 2 and p["daily_mean"].iloc[-1] <= 0:
        return None  # below the limit of quantification in Paris: the sentence gives its rank, no headline "0.00"
    if len(p) >= 2:
        a, b = p.iloc[0], p.iloc[-1]
        return KeyFigure(i18n.t("factsheet.ww.kf_paris", lang, sub=label), float(b["daily_mean"]), unit="number",
                         digits=2, year=int(b["year"]), population=i18n.t("factsheet.ww.kf_pop", lang),
                         previous=float(a["daily_mean"]), previous_year=int(a["year"]),
                         change=float(b["daily_mean"] - a["daily_mean"]),
                         direction="up" if b["daily_mean"] > a["daily_mean"] else "down", significant=None,
                         note=i18n.t("factsheet.ww.kf_note", lang))
    year = int(ww.loc[ww["substance"].astype(str) == sub, "year"].max()) if (ww["substance"].astype(str) == sub).any() \
        else None
    if year is None:
        return None
    r = wastewater.ranking(ww, year, sub)
    top = r.iloc[0]
    return KeyFigure(i18n.t("factsheet.ww.kf_top", lang, sub=label, city=top["city"]), float(top["daily_mean"]),
                     unit="number", digits=2, year=year,
                     population=i18n.t("factsheet.ww.kf_top_pop", lang, n=i18n.fmt_number(len(r), 0, lang)),
                     compare=False, note=i18n.t("factsheet.ww.kf_no_fr", lang))


def wastewater_sentence(ww: pd.DataFrame | None, sheet: str, lang: str = "en") -> str:
    """Where Paris stands among the cities measured (latest year it was), and the crack caveat."""
    from drugtrends_reports import wastewater

    sub = WASTEWATER.get(sheet)
    if ww is None or sub is None:
        return ""
    p = wastewater.site_series(ww, PARIS, sub)
    out = []
    if len(p):
        year = int(p["year"].iloc[-1])
        r = wastewater.ranking(ww, year, sub)
        row = r[r["site_id"] == PARIS]
        out.append(i18n.t("factsheet.ww.rank", lang, sub=i18n.t(f"trends.ww.panels.{sub}", lang).lower(),
                          year=year, rank=i18n.fmt_number(row["rank"].iloc[0], 0, lang),
                          n=i18n.fmt_number(len(r), 0, lang), median=_n(r["daily_mean"].median(), lang)))
    if sheet == "crack":
        out.append(i18n.t("factsheet.ww.crack", lang))
    return " ".join(out)


def offences_key(off: pd.DataFrame | None, sheet: str, lang: str = "en"):
    """Key figure: persons implicated in drug trafficking (all drugs), France, latest year against the first."""
    from drugtrends_reports import france

    if off is None or sheet not in OFFENCES:
        return None
    kf = france.key_figures(off, lang)
    return kf[0] if kf else None


def wastewater_figure(ww: pd.DataFrame | None, sheet: str, lang: str = "en") -> list:
    """One panel: the French sites' loads against the European median and middle half (sheets of :data:`FIGURE`)."""
    from drugtrends_reports import wastewater
    from drugtrends_reports.common import Fig

    sub = WASTEWATER.get(sheet)
    if ww is None or sub is None or sheet not in FIGURE:
        return []
    p = wastewater.site_series(ww, PARIS, sub)
    fig = wastewater.figure(ww, lang, panels=(sub,), height=3.3)
    alt = i18n.t("factsheet.ww.fig_alt", lang, sub=i18n.t(f"trends.ww.panels.{sub}", lang).lower(),
                 a=_n(p["daily_mean"].iloc[0], lang), y0=int(p["year"].iloc[0]), b=_n(p["daily_mean"].iloc[-1], lang),
                 y1=int(p["year"].iloc[-1])) if len(p) else i18n.t("trends.ww.fig_title", lang)
    return [Fig(fig, alt)]
