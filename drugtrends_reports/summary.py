"""The first page of the trends report: "Key issues" and the data-years table, and the closing note on gaps.

:func:`findings` gives five to eight findings, each with its numbers, built
from the same functions as the sections they summarise (so a number here is
the number there). :func:`data_years_table` says, for each source, its latest
period, whether it is provisional or final, and whom it describes; a source
that is not available here appears only in this table ("not available here").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from drugtrends import i18n

__all__ = ["SOURCES", "findings", "data_years", "data_years_table", "section", "years_section", "themes"]

#: Rows of the data-years table: catalogue key -> (load id, status key).
SOURCES: dict[str, tuple[str, str]] = {
    "vsrr": ("cdc_vsrr", "provisional"), "nchs": ("nchs_overdose_rates", "final"),
    "offences": ("fr_drug_offences", "published"), "ww": ("euda_wastewater", "published"),
    "unodc12": ("unodc_prevalence", "published"), "unodc14": ("unodc_youth", "published"),
    "unodc71": ("unodc_seizures", "published"), "unodc21": ("unodc_trend_perception", "published"),
}


def _n(v: float, lang: str, digits: int = 0) -> str:
    return i18n.fmt_number(v, digits, lang)


def _vsrr(data: Mapping[str, Any], lang: str) -> str | None:
    from drugtrends_reports import provisional

    if data.get("cdc_vsrr") is None:
        return None
    c = provisional.us_counts(data["cdc_vsrr"], ("all_drugs",))
    if c.empty:
        return None
    top, last, change = provisional.fall(c)
    return i18n.t("trends.summary.vsrr", lang, peak=_n(top["predicted"], lang),
                  peak_date=i18n.fmt_date(top["date"], lang), last=_n(last["predicted"], lang),
                  last_rep=_n(last["reported"], lang), end=i18n.fmt_date(last["date"], lang),
                  change=i18n.fmt_percent(abs(change), 0, lang))


def _nchs(nchs: pd.DataFrame | None, lang: str) -> str | None:
    if nchs is None:
        return None
    g = nchs[(nchs["drug"] == "all_drugs") & (nchs["sex"] == "All persons")].dropna(subset=["rate"])
    g = g.sort_values("year")
    if len(g) < 3:
        return None
    a, p, b = g.iloc[0], g.iloc[-2], g.iloc[-1]
    if b["rate"] >= p["rate"]:
        return None  # the sentence is written for a last year below the one before
    return i18n.t("trends.summary.nchs", lang, a=_n(a["rate"], lang, 1), y0=int(a["year"]), b=_n(b["rate"], lang, 1),
                  y1=int(b["year"]), yp=int(p["year"]), bp=_n(p["rate"], lang, 1))


def _offences(data: Mapping[str, Any], lang: str) -> list[str]:
    from drugtrends_reports import france

    off = data.get("fr_drug_offences")
    if off is None or off.empty:
        return []
    nat = france.national(off).set_index(["offence", "year"])
    t = nat.loc["trafficking"]
    y0, y1 = int(t.index.min()), int(t.index.max())
    top = ", ".join(f"{r.departement_name} ({i18n.fmt_number(r.rate_per_1000, 2, lang)})"
                    for r in france.top_departements(off, y1, 3).itertuples())
    out = [i18n.t("trends.summary.traffic", lang, n=_n(t.loc[y1, "n_implicated"], lang), year=y1,
                  n0=_n(t.loc[y0, "n_implicated"], lang), y0=y0, top=top,
                  change=i18n.fmt_percent(100 * (t.loc[y1, "n_implicated"] / t.loc[y0, "n_implicated"] - 1), 0, lang))]
    if ("use_fixed_fine", y1) in nat.index:
        out.append(i18n.t("trends.summary.use", lang, u1=_n(nat.loc[("use", y1), "n_implicated"], lang), y1=y1,
                          ff=_n(nat.loc[("use_fixed_fine", y1), "n_implicated"], lang)))
    return out


def _wastewater(data: Mapping[str, Any], lang: str) -> str | None:
    from drugtrends_reports import wastewater

    ww = data.get("euda_wastewater")
    if ww is None or ww.empty:
        return None
    p = wastewater.site_series(ww, "FR005", "cocaine")
    r = wastewater.ranking(ww, int(ww["year"].max())).head(2)
    if p.empty or r.empty:
        return None
    return i18n.t("trends.summary.ww", lang, a=_n(p["daily_mean"].iloc[0], lang, 2), y0=int(p["year"].iloc[0]),
                  b=_n(p["daily_mean"].iloc[-1], lang, 2), y1=int(p["year"].iloc[-1]),
                  top=i18n.join_words([f"{c.city} ({_n(c.daily_mean, lang, 2)})" for c in r.itertuples()], lang))


def _cocaine(sel: pd.DataFrame | None, lang: str) -> str | None:
    if sel is None:
        return None
    f = sel[(sel["country"] == "France") & (sel["substance"] == "cocaine")].sort_values("year")
    if len(f) < 2:
        return None
    last, prev = f.iloc[-1], f.iloc[-2]
    values = {"value": i18n.fmt_percent(last["best"], 1, lang), "year": int(last["year"]),
              "prev": i18n.fmt_percent(prev["best"], 1, lang), "prev_year": int(prev["year"])}
    if last["comparability_group"] != prev["comparability_group"]:
        from drugtrends.plots.base import reason_text

        return i18n.t("trends.summary.cocaine_break", lang, reason=reason_text(last, lang), **values)
    return i18n.t("trends.summary.cocaine_same", lang, **values)


def findings(data: Mapping[str, Any], sel: pd.DataFrame | None = None, nchs: pd.DataFrame | None = None,
             lang: str = "en") -> list[str]:
    """The key issues, in order (those whose data are missing are left out), then the gaps.

    Parameters
    ----------
    data
        The report's datasets by load id (``None`` when missing).
    sel
        :func:`drugtrends_reports.trends.select_prevalence` rows.
    nchs
        :func:`drugtrends_reports.overdose.nchs_series` rows.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    list of str
        Markdown, one finding each.
    """
    out = [_vsrr(data, lang), _nchs(nchs, lang), *_offences(data, lang), _wastewater(data, lang),
           _cocaine(sel, lang), i18n.t("trends.summary.synth", lang), i18n.t("trends.summary.gaps", lang)]
    return [o for o in out if o]


def _latest(df: pd.DataFrame, key: str, lang: str) -> str:
    if key == "vsrr":
        return i18n.fmt_date(pd.to_datetime(df.loc[df["state"].astype(str) == "US", "date"]).max(), lang)
    if key == "unodc12" and "country" in df.columns:
        fr = df[df["country"].astype(str) == "France"]
        return i18n.t("trends.years.latest_fr", lang, year=int(df["year"].max()), fr=int(fr["year"].max())) \
            if len(fr) else str(int(df["year"].max()))
    return str(int(pd.to_numeric(df["year"], errors="coerce").max()))


def data_years(data: Mapping[str, Any], lang: str = "en") -> pd.DataFrame:
    """One row per source: name, indicator, latest period, status, population (missing: "not available here")."""
    rows = []
    for key, (ds, status) in SOURCES.items():
        df = data.get(ds)
        rows.append({
            i18n.t("trends.years.source", lang): i18n.t(f"trends.years.{key}", lang),
            i18n.t("trends.years.indicator", lang): i18n.t(f"trends.years.{key}_ind", lang),
            i18n.t("trends.years.latest", lang): _latest(df, key, lang) if df is not None
            else i18n.t("trends.years.missing", lang),
            i18n.t("trends.years.status", lang): i18n.t(f"trends.years.{status}", lang),
            i18n.t("trends.years.population", lang): i18n.t(f"trends.years.{key}_pop", lang),
        })
    return pd.DataFrame(rows)


def data_years_table(data: Mapping[str, Any], lang: str = "en"):
    """The data-years table (a titled PubTable)."""
    from drugtrends import tables

    return tables.simple_table(data_years(data, lang), title=i18n.t("trends.years.title", lang),
                               notes=[i18n.t("trends.years.note", lang)], lang=lang)


def section(data: Mapping[str, Any], sel: pd.DataFrame | None = None, nchs: pd.DataFrame | None = None,
            lang: str = "en") -> list:
    """"Key issues" (a bullet list)."""
    items = findings(data, sel, nchs, lang)
    return ["## " + i18n.t("trends.summary.heading", lang), "\n".join(f"- {f}" for f in items)]


def years_section(data: Mapping[str, Any], lang: str = "en") -> list:
    """The data-years heading and table."""
    return ["## " + i18n.t("trends.years.heading", lang), data_years_table(data, lang)]


def themes(data: Mapping[str, Any], lang: str = "en") -> list:
    """What the data can and cannot say about France (cocaine and crack, ketamine, synthetic opioids, gaps)."""
    ww = data.get("euda_wastewater")
    n = 0 if ww is None else int(ww[(ww["substance"].astype(str) == "ketamine")]["site_id"].nunique())
    return ["## " + i18n.t("trends.themes.heading", lang), i18n.t("trends.themes.text", lang, n=_n(n, lang))]
