"""Past-year prevalence in France, Europe and the United States (UNODC annex 1.2 and 1.4).

The published estimates are selected, never recomputed. Comparability comes
from the series layer (:mod:`drugtrends.series`): two rows are comparable only
when their structured keys (``KEY_SPECS["unodc_prevalence"]``: country,
substance, indicator, recall period; age range, substance definition, method,
design era, source break) are equal. A line joins only points of one key;
each change of key is a break, drawn as a dashed line and footnoted with the
reason codes :func:`drugtrends.series.break_reasons` gives, translated here
through the message catalogue. Latest points, previous comparable points and
changes are :func:`drugtrends.series.latest` /
:func:`~drugtrends.series.previous_comparable` / :func:`~drugtrends.series.change`.
High-risk use estimates (indirect methods) are another indicator and never appear here.

Overdose deaths live in :mod:`drugtrends_reports.overdose`, seizures and
expert perception in :mod:`drugtrends_reports.supply`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from drugtrends import i18n, series, style
from drugtrends_reports.common import capitalise
from drugtrends_reports.labels import COUNTRIES, country_label, in_country, source, sub_fields, sub_lower

__all__ = [
    "COUNTRIES", "SUBSTANCES", "YOUTH_SUBSTANCES", "country_label", "in_country", "sub_lower", "sub_fields",
    "annotate", "select_prevalence", "select_youth", "comparability_breaks", "series_breaks",
    "break_text", "KEY",
    "LatestEstimate", "key_figure", "previous_comparable", "change", "key_sentence", "change_sentence",
    "prevalence_figure", "prevalence_alt", "latest_table", "breaks_frame", "jump_model", "jump_sentence",
    "intro_sentence", "usual_age_group", "source",
]

#: Substances of the trends report's prevalence section (taxonomy ids as published).
SUBSTANCES: tuple[str, ...] = ("cocaine", "cannabis", "amphetamines", "ecstasy", "ketamine", "opioids")

#: Substances of the youth-survey panel.
YOUTH_SUBSTANCES: tuple[str, ...] = ("cannabis", "cocaine", "ecstasy")

#: The structured comparability key of UNODC prevalence rows (:data:`drugtrends.series.KEY_SPECS`).
KEY = "unodc_prevalence"

_REGIME = ["design_era", "source_break", "definition", "method_basis"]  # with age_group: the key's regime columns
_SELECT_COLS = ["country", "unodc_country", "substance", "indicator", "period", "year", "age_group", "best",
                "low", "high", "male", "female", "source", "method", *_REGIME, "comparability_group", "break_code"]


def annotate(df: pd.DataFrame) -> pd.DataFrame:
    """Make sure a UNODC prevalence table carries the issue-13 semantics columns.

    ``dt.load("unodc_prevalence")`` adds ``indicator``, ``comparability_group``,
    ``break_reason``... itself; an older loader's table is annotated here with
    :func:`drugtrends.comparability.annotate_prevalence` (the same rules).

    Parameters
    ----------
    df
        Annex 1.2 or 1.4 as loaded.

    Returns
    -------
    pandas.DataFrame
    """
    if "comparability_group" in df.columns and "indicator" in df.columns:
        return df
    from drugtrends import comparability

    return comparability.annotate_prevalence(df)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype("string") if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")


def select_prevalence(df: pd.DataFrame, countries: dict[str, tuple[str, ...]] | None = None,
                      substances: tuple[str, ...] | list[str] = SUBSTANCES, indicator: str = "prevalence",
                      period: str = "past_year") -> pd.DataFrame:
    """Published estimates of one indicator and period for the report countries, one per year.

    When a country publishes two estimates for one substance and year (e.g.
    France, ecstasy, 2017: ages 15-64 and 18-64), the row of the comparability
    group of the country's most recent estimate is kept, so the series stays on
    one definition as long as possible; when neither is of that group, the one
    with the most recent estimate's age range; ties keep the first row in sheet order.

    Parameters
    ----------
    df
        ``drugtrends.datasets.load("unodc_prevalence")`` (or ``"unodc_youth"``).
    countries
        Report country id -> UNODC names (default :data:`COUNTRIES`).
    substances
        Taxonomy ids as published (``ketamine`` is its own substance).
    indicator
        ``"prevalence"`` (surveys) or ``"high_risk_use"``.
    period
        ``"past_year"``, ``"past_month"`` or ``"lifetime"``.

    Returns
    -------
    pandas.DataFrame
        ``country`` (report id), ``unodc_country``, ``substance``,
        ``indicator``, ``period``, ``year`` (int), ``age_group``, ``best``,
        ``low``, ``high``, ``male``, ``female`` (percent), ``source``,
        ``method``, the key's regime columns (``design_era``,
        ``source_break``, ``definition``, ``method_basis``),
        ``comparability_group`` (an opaque id, compared whole by the plots)
        and ``break_code`` (on the first point after each break: the
        :func:`drugtrends.series.break_reasons` codes against the previous
        point kept, ``+``-joined; see :func:`series_breaks`); sorted by
        country order, substance, year.

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France", "France"], "substance": ["cocaine"] * 2,
    ...                   "indicator": "prevalence", "period": ["past_year"] * 2, "year": [2017, 2023],
    ...                   "age_group": ["18-64", "18-64"], "best": [1.7, 2.7], "low": [1.6, None],
    ...                   "high": [1.8, None], "male": [2.45, 3.9], "female": [0.95, 1.6],
    ...                   "source": ["ARQ", "ARQ"], "method": ["HHS", "HHS"],
    ...                   "comparability_group": "g1", "break_code": None})
    >>> select_prevalence(d)[["country", "year", "best"]].values.tolist()
    [['France', 2017, 1.7], ['France', 2023, 2.7]]
    """
    countries = countries or COUNTRIES
    d = annotate(df)
    name_to_id = {n: cid for cid, names in countries.items() for n in names}
    d = d.assign(unodc_country=_col(d, "country").str.strip())
    keep = (d["unodc_country"].isin(list(name_to_id)) & (_col(d, "period") == period)
            & (_col(d, "indicator") == indicator) & _col(d, "substance").isin(list(substances))
            & d["year"].notna() & d["best"].notna())
    d = d[keep.fillna(False).astype(bool)]
    out = pd.DataFrame({
        "country": d["unodc_country"].map(name_to_id).astype(str),
        "unodc_country": d["unodc_country"].astype(str),
        "substance": _col(d, "substance").astype(str),
        "indicator": _col(d, "indicator").astype(str),
        "period": _col(d, "period").astype(str),
        "year": d["year"].astype(int),
        "age_group": _col(d, "age_group").fillna("").astype(str),
        **{c: pd.to_numeric(d[c], errors="coerce").astype(float) for c in ("best", "low", "high", "male", "female")},
        "source": _col(d, "source").fillna("").str.strip().astype(str),
        "method": _col(d, "method").fillna("").str.strip().astype(str),
        **{c: d[c] if c in d.columns else pd.Series(pd.NA, index=d.index, dtype="string") for c in _REGIME},
        "comparability_group": _col(d, "comparability_group").astype(str),
        "break_code": _col(d, "break_code"),  # the data layer's, read only without the key columns
    })
    out["_order"] = np.arange(len(out))
    out["_key"] = series.comparability_keys(out, _spec(out))
    last = out.sort_values(["year", "_order"]).groupby(["country", "substance"])
    out = out.join(last["_key"].last().rename("_latest"), on=["country", "substance"])
    out = out.join(last["age_group"].last().rename("_latest_age"), on=["country", "substance"])
    # the latest key's row first; else the latest age range's (a scope change elsewhere keeps the ages)
    out["_pref"] = np.where(out["_key"] == out["_latest"], 0, np.where(out["age_group"] == out["_latest_age"], 1, 2))
    out = (out.sort_values(["country", "substance", "year", "_pref", "_order"])
              .drop_duplicates(["country", "substance", "year"], keep="first"))
    corder = {c: i for i, c in enumerate(countries)}
    sorder = {s: i for i, s in enumerate(substances)}
    out = out.assign(_c=out["country"].map(corder), _s=out["substance"].map(sorder))
    out = out.sort_values(["_c", "_s", "year"]).reset_index(drop=True)
    codes = series_breaks(out).groupby("row", sort=False)["code"].agg("+".join)
    out["break_code"] = pd.Series(codes, dtype="string").reindex(out.index)
    return out[_SELECT_COLS]


#: Frames without the key's regime columns (an older loader's): the ``comparability_group`` compared whole,
#: the reasons from the data layer's ``break_code``.
_GROUP_KEY = series.KeySpec(("country", "substance"), ("comparability_group",))


def _spec(sel: pd.DataFrame) -> str | series.KeySpec:
    """The UNODC key spec when the frame has its columns (one not all missing), else :data:`_GROUP_KEY`."""
    cols = series.KEY_SPECS[KEY]
    have = [c for c in (*cols.series, *cols.regime) if c in sel.columns and sel[c].notna().any()]
    return KEY if len(have) == len(cols.series) + len(cols.regime) else _GROUP_KEY


def _one(sel: pd.DataFrame, country: str, substance: str) -> pd.DataFrame:
    """The rows of one country x substance series, in year order."""
    return sel[(sel["country"] == country) & (sel["substance"] == substance)].sort_values("year", kind="stable")


def series_breaks(sel: pd.DataFrame) -> pd.DataFrame:
    """Every change of comparability key between consecutive points of each country x substance series.

    The reasons are :func:`drugtrends.series.break_reasons` codes of the two
    points drawn side by side (a return to an earlier key, e.g. England and
    Wales 16-59 -> 16-64 in 2019 -> 16-59 in 2021, is a break of the line too).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence` (or rows with its columns).

    Returns
    -------
    pandas.DataFrame
        ``row`` (index label in ``sel`` of the first point after the break),
        ``country``, ``substance``, ``year``, ``previous_year``, ``code``,
        ``part``, ``old``, ``new`` (one row per reason).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": [2014, 2017],
    ...                   "comparability_group": ["a", "b"], "break_code": [None, "age_range"]})
    >>> series_breaks(d)[["year", "previous_year", "code"]].values.tolist()
    [[2017, 2014, 'age_range']]
    """
    cols = ["row", "country", "substance", "year", "previous_year", "code", "part", "old", "new"]
    if sel.empty:
        return pd.DataFrame(columns=cols)
    spec = _spec(sel)
    keys = series.comparability_keys(sel, spec)
    rows = []
    for (c, s), g in sel.sort_values("year", kind="stable").groupby(["country", "substance"], sort=False):
        k = keys.loc[g.index].tolist()
        for i in range(1, len(g)):
            if k[i] == k[i - 1]:
                continue
            pair = g.iloc[i - 1:i + 1]
            why = series.break_reasons(pair, spec=spec)
            for r in why.itertuples():
                rows.append({"row": g.index[i], "country": c, "substance": s, "year": int(g["year"].iloc[i]),
                             "previous_year": int(g["year"].iloc[i - 1]), "code": r.code, "part": r.part,
                             "old": r.old, "new": r.new})
    return pd.DataFrame(rows, columns=cols)


def _break_notes(sel: pd.DataFrame, lang: str) -> pd.Series:
    """The reason of each break in the page language (the plots print it verbatim), NA elsewhere."""
    out = pd.Series(pd.NA, index=sel.index, dtype="string")
    for row, why in series_breaks(sel).groupby("row", sort=False):
        out.loc[row] = break_text(why, lang)[1]
    return out


def select_youth(df: pd.DataFrame, substances: tuple[str, ...] = YOUTH_SUBSTANCES,
                 countries: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Past-year prevalence among school students (UNODC annex 1.4), same rules as :func:`select_prevalence`.

    Parameters
    ----------
    df
        ``drugtrends.datasets.load("unodc_youth")``.
    substances
        Taxonomy ids.
    countries
        Report countries (default :data:`COUNTRIES`).

    Returns
    -------
    pandas.DataFrame
        As :func:`select_prevalence`.
    """
    return select_prevalence(df, countries, substances, indicator="prevalence", period="past_year")


def _definition_text(definition: str, lang: str) -> str:
    if definition in ("", "-"):
        return i18n.t("trends.scope.none", lang)
    def one(flag: str) -> str:
        if flag.startswith("only="):
            return i18n.t("trends.scope.only", lang, sub=sub_lower(flag.split("=", 1)[1], lang))
        key = f"trends.scope.{flag}"
        return i18n.t_or(key, i18n.t("trends.scope.none", lang), lang)

    return ", ".join(one(f) for f in definition.split("+"))


def _method_text(method: str, lang: str) -> str:
    key = f"trends.method.{i18n.slug(method)}"
    return i18n.t_or(key, method, lang)


def _age_text(age: object, lang: str) -> str:
    return str(age) if isinstance(age, str) and age not in ("", "?") else i18n.t("trends.age_unknown", lang)


def _code_text(code: str, old: object, new: object, lang: str) -> str:
    """One reason code in ``lang``, with the values on either side when the code has them."""
    if code == "age_range":
        return i18n.t("trends.break_code.age_range", lang, old=_age_text(old, lang), new=_age_text(new, lang))
    if code == "definition":
        return i18n.t("trends.break_code.definition", lang, new=_definition_text(str(new or "-"), lang),
                      old=_definition_text(str(old or "-"), lang))
    if code == "method":
        return i18n.t("trends.break_code.method", lang, old=_method_text(str(old), lang), new=_method_text(str(new), lang))
    key = next((k for k in (f"trends.break_code.{code}", f"common.break_code.{code}") if i18n.has(k, lang)),
               "trends.break_code.unknown")
    return i18n.t(key, lang)


def break_text(why: pd.DataFrame, lang: str = "en") -> tuple[str, str]:
    """The codes of one break and its reason in ``lang`` (presentation of :func:`series_breaks` rows).

    Parameters
    ----------
    why
        The :func:`series_breaks` rows of one break (``code``, ``old``, ``new``).
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    (str, str)
        Codes joined with ``+`` (``age_range``, ``definition``, ``method``,
        ``nsduh_...``, ``survey``, ``source_note``) and the reason in ``lang``.

    Examples
    --------
    >>> w = pd.DataFrame({"code": ["age_range"], "old": ["15-64"], "new": ["18-64"]})
    >>> break_text(w, "fr")
    ('age_range', "tranche d'âge modifiée (15-64 → 18-64)")
    """
    codes = [str(c) for c in why["code"]] or ["unknown"]
    parts = why["part"] if "part" in why.columns else [""] * len(why)
    texts = [i18n.t_or(f"common.break_code.{c}", _code_text("unknown", None, None, lang), lang)
             if p == "comparability_group" else _code_text(c, o, n, lang)  # an opaque group: the code alone
             for c, p, o, n in zip(codes, parts, why["old"], why["new"])] or [_code_text("unknown", None, None, lang)]
    return "+".join(codes), i18n.t("trends.sep", lang).join(dict.fromkeys(texts))


def comparability_breaks(sel: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Every change of comparability key within a country x substance series, plot-ready.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    lang
        Language of ``reason``.

    Returns
    -------
    pandas.DataFrame
        ``country``, ``substance``, ``year`` (first year of the new key),
        ``x`` (plot position, midway from the previous point), ``old``, ``new``
        (age ranges), ``code``, ``reason`` (translated), ``label`` (short text
        beside the dashed line: the new age range when it changed).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "indicator": "prevalence",
    ...                   "period": "past_year", "year": [2014, 2017], "age_group": ["15-64", "18-64"],
    ...                   "design_era": "all", "source_break": 0, "definition": "-", "method_basis": "HHS",
    ...                   "comparability_group": ["g1", "g2"]})
    >>> comparability_breaks(d)[["year", "x", "code", "label"]].values.tolist()
    [[2017, 2015.5, 'age_range', '18-64']]
    """
    cols = ["country", "substance", "year", "x", "old", "new", "code", "reason", "label"]
    rows = []
    corder = {c: i for i, c in enumerate(COUNTRIES)}
    for row, why in series_breaks(sel).groupby("row", sort=False):
        w = why.iloc[0]
        b = sel.loc[row]
        a = _one(sel, w["country"], w["substance"]).set_index("year").loc[w["previous_year"]]
        code, reason = break_text(why, lang)
        rows.append({"country": w["country"], "substance": w["substance"], "year": int(w["year"]),
                     "x": (float(w["previous_year"]) + float(w["year"])) / 2, "old": a["age_group"],
                     "new": b["age_group"], "code": code, "reason": reason,
                     "label": b["age_group"] if a["age_group"] != b["age_group"] else ""})
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        sorder = {x: i for i, x in enumerate(dict.fromkeys([*SUBSTANCES, *out["substance"]]))}
        out = (out.assign(_s=out["substance"].map(sorder), _c=out["country"].map(corder).fillna(99))
                  .sort_values(["_s", "_c", "year"]).drop(columns=["_s", "_c"]).reset_index(drop=True))
    return out


@dataclass(frozen=True)
class LatestEstimate:
    """The latest published estimate of one substance in one country."""

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
    comparability_group: str = ""


def _f(v: object) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def key_figure(sel: pd.DataFrame, country: str = "France", substance: str = "cocaine") -> LatestEstimate | None:
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
    LatestEstimate or None

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "year": [2023],
    ...                   "age_group": ["18-64"], "best": [2.7], "low": [None], "high": [None],
    ...                   "male": [3.9], "female": [1.6], "source": ["ARQ"], "comparability_group": ["g"]})
    >>> key_figure(d).best
    2.7
    """
    g = _one(sel, country, substance)
    if g.empty:
        return None
    r = series.latest(g)
    return LatestEstimate(country, substance, int(r["year"]), str(r["age_group"]), float(r["best"]),
                     _f(r["low"]), _f(r["high"]), _f(r["male"]), _f(r["female"]), str(r.get("source", "")),
                     str(r.get("comparability_group", "")))


def previous_comparable(sel: pd.DataFrame, kf: LatestEstimate | None) -> pd.Series | None:
    """The latest earlier estimate comparable with the key figure (or ``None``): :func:`drugtrends.series.previous_comparable`.

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
    ...                   "comparability_group": ["a", "b", "b"], "best": [1.1, 1.7, 2.7]})
    >>> kf = LatestEstimate("France", "cocaine", 2023, "18-64", 2.7, None, None, None, None, "", "b")
    >>> int(previous_comparable(d, kf)["year"])
    2017
    """
    if kf is None:
        return None
    g = _one(sel, kf.country, kf.substance)
    return series.previous_comparable(g, at=kf.year, spec=_spec(g)) if len(g) else None


def change(sel: pd.DataFrame, country: str, substance: str, at: int | None = None) -> series.Change | None:
    """The change of one series from its previous comparable estimate to ``at`` (default: the latest).

    :func:`drugtrends.series.change` on the series' ``best`` values: UNODC
    publishes no standard errors (its low-high range is not a confidence
    interval), so the change is not tested (``tested=False``, no direction).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    country, substance
        The series.
    at
        The later year (default: the latest).

    Returns
    -------
    drugtrends.series.Change or None
        ``None`` without an estimate or an earlier comparable one.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "year": [2014, 2017, 2023],
    ...                   "comparability_group": ["a", "b", "b"], "best": [1.1, 1.7, 2.7]})
    >>> c = change(d, "France", "cocaine")
    >>> c.a, round(c.difference, 1), c.tested, c.direction
    (2017, 1.0, False, None)
    """
    g = _one(sel, country, substance)
    return series.change(g, b=at, y="best", spec=_spec(g)) if len(g) else None


def key_sentence(kf: LatestEstimate | None, lang: str = "en") -> str:
    """The key sentence for a :class:`LatestEstimate`, every number from the data.

    Parameters
    ----------
    kf
        From :func:`key_figure`; ``None`` says there is no estimate.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> kf = LatestEstimate("France", "cocaine", 2023, "18-64", 2.7, None, None, 3.9, 1.6, "ARQ")
    >>> key_sentence(kf)
    'In France, past-year cocaine use among 18-64 year olds was 2.7% in 2023 (men 3.9%, women 1.6%).'
    """
    if kf is None:
        return i18n.t("trends.no_estimate", lang)
    parts = []
    if kf.male is not None:
        parts.append(i18n.t("trends.key.men", lang, v=i18n.fmt_percent(kf.male, 1, lang)))
    if kf.female is not None:
        parts.append(i18n.t("trends.key.women", lang, v=i18n.fmt_percent(kf.female, 1, lang)))
    if kf.low is not None and kf.high is not None:
        parts.append(i18n.t("trends.key.range", lang, ci=i18n.fmt_ci(kf.low, kf.high, 1, lang)))
    tail = f" ({', '.join(parts)})" if parts else ""
    return i18n.t("trends.key.sentence", lang, in_country=in_country(kf.country, lang),
                  of_sub=sub_fields(kf.substance, lang)["of_sub"], ages=kf.age_group.replace(" ", ""),
                  value=i18n.fmt_percent(kf.best, 1, lang), year=kf.year, tail=tail)


def change_sentence(sel: pd.DataFrame, kf: LatestEstimate | None, lang: str = "en") -> str:
    """Compare the key figure with the previous estimate of its comparability group.

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
    ...                   "comparability_group": "g", "best": [1.7, 2.7]})
    >>> kf = LatestEstimate("France", "cocaine", 2023, "18-64", 2.7, None, None, None, None, "", "g")
    >>> change_sentence(d, kf)
    'The previous estimate of the same comparability group was 1.7% in 2017 (+1.0 percentage point; significance not assessable: UNODC publishes no standard errors).'
    """
    c = None if kf is None else change(sel, kf.country, kf.substance, kf.year)
    if c is None:
        return ""
    diff = round(c.difference, 1)
    key = "trends.point" if abs(diff) == 1 else "trends.points"
    d = i18n.t(key, lang, diff=i18n.fmt_signed(diff, 1, lang).replace("\u2212", "-"))
    return i18n.t("trends.key.change", lang, prev=i18n.fmt_percent(c.estimate_a, 1, lang), year=int(c.a),
                  diff=d + i18n.t("trends.sep", lang) + i18n.t("trends.sig_not_assessable", lang))


def prevalence_alt(sel: pd.DataFrame, substance: str, lang: str = "en") -> str:
    """Alt text of :func:`prevalence_figure`: what it shows and the latest value per country.

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
    str
    """
    d = sel[sel["substance"] == substance].sort_values("year").groupby("country", sort=False).tail(1)
    items = [i18n.t("trends.prev.alt_item", lang, country=country_label(r.country, lang),
                    value=i18n.fmt_percent(r.best, 1, lang), year=int(r.year)) for r in d.itertuples()]
    summary = i18n.t("trends.prev.alt_latest", lang, items=i18n.join_words(items, lang)) if items else ""
    return i18n.t("trends.prev.fig_alt", lang, of_sub=sub_fields(substance, lang)["of_sub"], summary=summary)


def prevalence_figure(sel: pd.DataFrame, substance: str, lang: str = "en", brks: pd.DataFrame | None = None,
                      ncols: int = 4, source_key: str = "unodc12", title_key: str = "trends.prev.fig_title"):
    """Small multiples of one substance's prevalence by country; no line crosses a break.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.
    brks
        Unused (kept for callers): the plot cuts every series where its
        ``comparability_group`` changes and numbers the breaks itself.
    ncols
        Panels per row.
    source_key
        Source of the data (see :func:`source`).
    title_key
        Catalogue key of the title (``{of_sub}`` placeholder).

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` when no country has an estimate.
    """
    from drugtrends import plots

    d = sel[sel["substance"] == substance].copy()
    if d.empty:
        return None
    d["break_note"] = _break_notes(d, lang)
    labels = {c: country_label(c, lang) for c in d["country"].unique()}
    fig = plots.small_multiples(
        d, "country", "year", "best", "low", "high", comparability="comparability_group",
        title=i18n.t(title_key, lang, of_sub=sub_fields(substance, lang)["of_sub"]),
        ylabel=i18n.t("trends.prev.ylabel", lang), source=source(source_key, lang), lang=lang,
        ncols=min(ncols, d["country"].nunique()), band_label=i18n.t("common.range", lang), facet_labels=labels,
        panel_height=1.3)  # low enough for the latest-estimates table to share the figure's page
    return fig


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
    drugtrends.tables.PubTable or None

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "year": [2023],
    ...                   "age_group": ["18-64"], "best": [2.7], "low": [None], "high": [None],
    ...                   "male": [3.9], "female": [1.6], "source": ["ARQ"], "method": ["HHS"]})
    >>> latest_table(d, "cocaine").data.iloc[0].tolist()
    ['France', '2023', '18-64', '2.7', '', '3.9', '1.6']
    """
    from drugtrends import tables

    d = sel[sel["substance"] == substance].sort_values("year").groupby("country", sort=False).tail(1)
    if d.empty:
        return None
    order = {c: i for i, c in enumerate(COUNTRIES)}
    d = d.assign(_o=d["country"].map(order)).sort_values("_o")
    n = lambda v: i18n.fmt_number(v, 1, lang, na="")  # noqa: E731
    out = pd.DataFrame({
        i18n.t("common.country", lang): [country_label(c, lang) for c in d["country"]],
        i18n.t("common.year", lang): d["year"].astype(str).tolist(),
        i18n.t("common.age", lang): d["age_group"].tolist(),
        i18n.t("trends.latest.best", lang): [n(v) for v in d["best"]],
        i18n.t("trends.latest.range", lang): [i18n.fmt_ci(a, b, 1, lang) for a, b in zip(d["low"], d["high"])],
        i18n.t("trends.latest.men", lang): [n(v) for v in d["male"]],
        i18n.t("trends.latest.women", lang): [n(v) for v in d["female"]],
    })
    title = i18n.t("trends.latest.title", lang, sub=capitalise(style.substance_label(substance, lang)))
    return tables.simple_table(out, source=source("unodc12", lang), title=title,
                               notes=[i18n.t("trends.latest.note", lang)], lang=lang,
                               align_right=list(out.columns[3:7]))


def intro_sentence(sel: pd.DataFrame, lang: str = "en") -> str:
    """Describe what the selection holds (counts and years, from the data).

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
    >>> d = pd.DataFrame({"country": ["France", "Spain"], "substance": ["cocaine"] * 2, "year": [2017, 2023]})
    >>> intro_sentence(d)
    'UNODC annex table 1.2 publishes 2 past-year prevalence estimates for the 2 countries and 1 substances shown here, from 2017 to 2023.'
    """
    return i18n.t("trends.prev.intro_counts", lang, n=len(sel), nc=sel["country"].nunique(),
                  ns=sel["substance"].nunique(), y0=int(sel["year"].min()), y1=int(sel["year"].max()))


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


def breaks_frame(sel: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The breaks of a selection in :func:`drugtrends.comparability.break_table`'s layout.

    For :func:`drugtrends_reports.common.breaks_table`; reasons compare the two
    groups drawn (see :func:`comparability_breaks`).

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    lang
        Language of the country names (given already translated, as in the figures).

    Returns
    -------
    pandas.DataFrame
        ``country``, ``substance``, ``indicator``, ``period``, ``year``,
        ``comparability_group``, ``break_code``, ``break_reason``.
    """
    text = {row: break_text(why, "en")[1] for row, why in series_breaks(sel).groupby("row", sort=False)}
    b = sel[sel["break_code"].notna()]
    b = b.assign(break_reason=[text.get(i, pd.NA) for i in b.index])  # the source language; breaks_table translates
    b = b[["country", "substance", "indicator", "period", "year", "comparability_group", "break_code",
           "break_reason"]].reset_index(drop=True)
    return b.assign(country=[country_label(c, lang) for c in b["country"]])


def jump_model(sel: pd.DataFrame, country: str, substance: str, at: int):
    """One log-linear trend across a known break, with a level shift there (Joinpoint's jump model).

    Only the points of the two comparability keys on either side of the
    break at ``at`` are used, so the fit crosses that one break and no other.

    Parameters
    ----------
    sel
        Output of :func:`select_prevalence`.
    country, substance
        The series.
    at
        First year of the new group (a break of :func:`comparability_breaks`).

    Returns
    -------
    drugtrends.trends.JoinpointResult
        ``segments`` (APC across the break) and ``comparability_ratio``
        (level after / level before, with its 95% CI).
    """
    from drugtrends.trends import joinpoint

    g = _one(sel, country, substance)
    keys = series.comparability_keys(g, _spec(g))
    after, before = keys[(g["year"] == at).to_numpy()].iloc[0], keys[(g["year"] < at).to_numpy()].iloc[-1]
    d = g[[k in (before, after) for k in keys]]
    return joinpoint(d, x="year", y="best", max_joinpoints=0, jump_at=[at], method="bic")


def jump_sentence(res, country: str, substance: str, lang: str = "en") -> str:
    """Describe a jump-model fit: the APC across the break and the comparability ratio.

    Parameters
    ----------
    res
        Output of :func:`jump_model`.
    country, substance
        The series.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
    """
    s = res.segments.iloc[0]
    cr = res.comparability_ratio.iloc[0]
    inside = cr["ci_low"] <= 1 <= cr["ci_high"]
    return i18n.t("trends.jump.sentence_ns" if inside else "trends.jump.sentence_sig", lang,
                  in_country=in_country(country, lang), y0=int(s["x_start"]), y1=int(s["x_end"]),
                  at=int(cr["x"]), apc=i18n.fmt_signed(s["apc"], 1, lang) + i18n.t("trends.percent_sign", lang),
                  ci=i18n.fmt_ci(s["apc_ci_low"], s["apc_ci_high"], 1, lang),
                  ratio=i18n.fmt_number(cr["estimate"], 2, lang), rci=i18n.fmt_ci(cr["ci_low"], cr["ci_high"], 2, lang),
                  **sub_fields(substance, lang))
