"""What a published estimate measures, and which estimates may be compared.

A shared data-semantics utility (like :mod:`drugtrends.taxonomy`): readers use
it to annotate their tables, and any layer (trends, tables, plots, reports)
may import it to ask which rows are comparable. It imports nothing from the
statistics or presentation layers.

Rules for the UNODC prevalence tables (annex 1.2 and 1.4)
---------------------------------------------------------
:func:`annotate_prevalence` adds, from the published ``method``, ``notes``,
``adjustment`` and ``drug_detail``:

* ``substance_detail``: the most specific substance the row measures, from
  the first words of its notes (youth rows "Heroin", "Methadone", "GHB"...;
  :func:`substance_detail`); ``substance``: the sheet's, except crack and
  coca-paste rows of the Cocaine sheet, which become ``crack`` and
  ``coca_paste`` (:func:`substance_from_notes`);
* ``indicator``: ``high_risk_use`` for problem / high-risk use estimates
  (indirect method ``I`` alone, registries ``R``, or notes naming problem,
  high-risk, dependent or injecting users, capture-recapture, use disorders,
  treatment multipliers); ``prevalence`` otherwise (household and school
  surveys, network scale-up);
* ``period`` corrected from the notes: "last 30 days", "past month use" ->
  ``past_month`` (unless the adjustment code ``e`` says UNODC already converted
  the value to annual prevalence);
* ``method_class``: ``HHS``, ``SS``, ``I``, ``HHS+I``, ``R``, ``NSUM`` or
  ``unspecified``;
* ``scope``: the scope flags of :data:`SCOPE_FLAGS` found in the notes,
  ``|``-joined and sorted ("" when none);
* ``design_era``: the survey-design era of the row. For United States rows
  from NSDUH (not Monitoring the Future, not school surveys) the registry
  :data:`NSDUH_BREAKS` is applied to the substances it concerns: the 2002
  renaming/redesign, the 2015 questionnaire redesign (prescription drugs,
  methamphetamine, hallucinogens, inhalants and the UNODC aggregates that
  contain them), 2020 standing alone, 2021 onward (all substances);
* ``source_break``: how many times the source's notes ("not directly
  comparable to previous years") broke the series before this row (0: none);
* ``definition`` (changing scope flags ``+``-joined, ``only=<id>`` for a
  narrower substance, ``-`` for none) and ``method_basis`` (the method class
  used for grouping): with ``age_group``, ``design_era`` and ``source_break``
  they are the regime columns of the structured comparability key
  (:data:`drugtrends.series.KEY_SPECS` ``["unodc_prevalence"]``, read by
  :func:`drugtrends.series.pieces` / :func:`~drugtrends.series.break_reasons`);
* ``comparability_group``: a readable key; two rows share it only when they
  have the same country, substance, indicator, period, age range
  (``age_group``), definition (changing scope flags of
  :data:`DEFINITION_FLAGS` and :data:`GLOBAL_DEFINITION_FLAGS`, the
  ``substance_detail`` when narrower), method class and design era;
* ``break_reason`` / ``break_code``: on the first row of each group whose
  series (country x substance x indicator x period) had an earlier group,
  why it is not comparable with that group (text for footnotes; ``+``-joined
  short codes of :data:`BREAK_CODES` for translations). NA elsewhere.

Scope is part of the key (issue 21): a flag that narrows what the sheet's
substance covers splits groups, so "cocaine hydrochloride" (salts only, no
crack) is never one series with "cocaine salts and crack": France's cocaine
2023 row (EROPP, 18-64) starts a new group after 2017, ``break_code``
``definition``, the reason naming both scopes; "MDMA" is not all
ecstasy-type substances; amphetamine alone is not all amphetamines. Flags
that only restate the sheet's usual definition (``includes_crack`` for
cocaine, ``includes_methamphetamine`` for amphetamines) are kept in
``scope`` and named in break reasons but do not split groups.
:func:`seizure_totals` keeps 7.1 seizure categories apart the same way
(``scope``: amphetamine vs all amphetamine-type stimulants, MDMA vs all
ecstasy-type substances, cocaine hydrochloride vs cocaine in all forms).

Examples
--------
>>> import pandas as pd
>>> from drugtrends import comparability as cmp
>>> cmp.scope_flags("Includes methamphetamine and prescription stimulants", "amphetamines")
['includes_methamphetamine', 'includes_prescription_stimulants']
>>> cmp.indicator_of("I", "Problem opioid users")
'high_risk_use'
>>> cmp.period_from_notes("Heroin, methadone. Last 30 days", None, "past_year")
'past_month'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from drugtrends import taxonomy
from drugtrends._compat import arguments, renamed
from drugtrends.errors import UnknownVariableError
from drugtrends.semantics import (
    ADJUSTMENT_FLAGS,
    SCOPE_FLAGS,
    SEIZURE_SCOPES,
    adjustment_flags,
    indicator_of,
    method_class,
    period_from_notes,
    scope_flags,
    seizure_scope,
    substance_detail,
    substance_from_notes,
)
from drugtrends.series import NSDUH_2015_SUBSTANCES, REASONS, Break, known_breaks

__all__ = [
    "ADJUSTMENT_FLAGS",
    "BREAK_CODES",
    "DEFINITION_FLAGS",
    "FORM_FLAGS",
    "GLOBAL_DEFINITION_FLAGS",
    "KnownBreak",
    "NSDUH_BREAKS",
    "NSDUH_2015_SUBSTANCES",
    "PLANT_MATERIAL",
    "SCOPE_FLAGS",
    "annotate_prevalence",
    "break_table",
    "comparable",
    "design_era",
    "indicator_of",
    "method_class",
    "nsduh_era",
    "period_from_notes",
    "adjustment_flags",
    "scope_flags",
    "seizure_totals",
    "series_pieces",
    "substance_detail",
    "substance_from_notes",
]

#: Flags that change what any estimate measures.
GLOBAL_DEFINITION_FLAGS = frozenset({"other_forms", "males_only", "females_only"})
#: Flags that split groups only in series where the source publishes both forms for one year. Empty since
#: issue 21: a stated cocaine form (salts / hydrochloride only) is part of the definition in every series
#: (:data:`DEFINITION_FLAGS`); the name stays for one minor version.
FORM_FLAGS: frozenset[str] = frozenset()
#: Scope flags that state the same definition under another name (used for the key, not for ``scope``).
SAME_DEFINITION: dict[str, str] = {"excludes_crack": "cocaine_salts_only"}

#: Flags that change what a substance's estimate measures (split comparability groups).
DEFINITION_FLAGS: dict[str, frozenset[str]] = {
    "amphetamines": frozenset({"includes_prescription_stimulants", "methamphetamine_only", "amphetamine_only",
                               "includes_other_stimulants", "prescription_stimulants_only"}),
    "cannabis": frozenset({"cannabis_herb_only", "cannabis_resin_only"}),
    "cocaine": frozenset({"includes_coca_paste", "cocaine_salts_only", "excludes_crack"}),
    "ecstasy": frozenset({"mdma_only"}),
    "opioids": frozenset({"includes_prescription_opioids", "excludes_heroin", "heroin_only"}),
    "opiates": frozenset({"includes_prescription_opioids", "heroin_only"}),
    "prescription_opioids": frozenset({"includes_medical_use"}),
    "prescription_stimulants": frozenset({"includes_medical_use"}),
    "tranquillizers_sedatives": frozenset({"includes_medical_use"}),
    "synthetic_cathinones": frozenset({"includes_other_stimulant_nps"}),
}

#: Short codes of the reasons in ``break_code`` (for translated footnotes): the series layer's
#: :data:`drugtrends.series.REASONS` (kept under this name for one minor version).
BREAK_CODES: dict[str, str] = REASONS


def KnownBreak(series: str, at: int, reason: str, code: str,  # noqa: N802 - former class name
               substances: frozenset[str] | None = None) -> Break:
    """Deprecated: build a :class:`drugtrends.series.Break` (the one break type).

    Kept for one minor version; emits :class:`FutureWarning`.

    Parameters
    ----------
    series : str
        The source (``"nsduh"``).
    at : int
        First x of the new regime.
    reason : str
        Why the series breaks.
    code : str
        The reason code.
    substances : frozenset of str, optional
        Substances affected (``None``: all).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     b = KnownBreak("nsduh", 2015, "redesign", "nsduh_2015_redesign", frozenset({"lsd"}))
    >>> b.at, b.concerns("lsd"), b.concerns("cannabis")
    (2015, True, False)
    """
    warnings.warn("drugtrends.comparability.KnownBreak is deprecated: use drugtrends.series.Break "
                  "(registry: drugtrends.series.REGISTRY / known_breaks).", FutureWarning, stacklevel=2)
    affects = () if substances is None else (("substance", frozenset(substances)),)
    return Break(series, at, reason, "design", code=code, affects=affects)


#: The NSDUH known-break registry (SAMHSA methodological summaries): the NSDUH entries of
#: :data:`drugtrends.series.REGISTRY`, in time order (``.series``, ``.at``, ``.reason``, ``.code``,
#: ``.substances``, ``.concerns(substance)``).
NSDUH_BREAKS: tuple[Break, ...] = tuple(known_breaks("nsduh"))


def nsduh_era(year: int, substance: str) -> tuple[str, Break | None]:
    """NSDUH design era of ``year`` for ``substance`` and the break that opened it.

    Parameters
    ----------
    year : int
        Survey year.
    substance : str
        Taxonomy id (UNODC sheet ids included).

    Returns
    -------
    tuple
        ``(era label, Break or None)``.

    Examples
    --------
    >>> nsduh_era(2016, "amphetamines")[0], nsduh_era(2014, "amphetamines")[0]
    ('nsduh_2015_2019', 'nsduh_2002_2014')
    >>> nsduh_era(2016, "cannabis")[0], nsduh_era(2020, "cannabis")[0], nsduh_era(2022, "cocaine")[0]
    ('nsduh_2002_2019', 'nsduh_2020', 'nsduh_2021_on')
    """
    y = int(year)
    if y >= 2021:
        return "nsduh_2021_on", NSDUH_BREAKS[3]
    if y == 2020:
        return "nsduh_2020", NSDUH_BREAKS[2]
    if y < 2002:
        return "nhsda_before_2002", None
    if NSDUH_BREAKS[1].concerns(substance):
        return ("nsduh_2015_2019", NSDUH_BREAKS[1]) if y >= 2015 else ("nsduh_2002_2014", NSDUH_BREAKS[0])
    return "nsduh_2002_2019", NSDUH_BREAKS[0]


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _is_nsduh(country: object, source: object, mclass: str, ages: tuple[object, object] = (None, None)) -> bool:
    """US household-survey rows: not Monitoring the Future, not a school survey, ages NSDUH covers (12+)."""
    if str(country) != "United States of America":
        return False
    src = "" if _missing(source) else str(source).casefold()
    if "monitoring the future" in src or "mtf" in src or "youth risk" in src or mclass in ("SS", "HHS+SS"):
        return False
    lo, hi = ages
    if _missing(lo) and _missing(hi):
        return False  # school grades, or no age range: not identifiable as NSDUH
    return (not _missing(lo) and int(lo) <= 12) or (not _missing(hi) and int(hi) >= 25)  # type: ignore[call-overload]


def design_era(country: object, source: object, method: object, substance: str, year: object,
               ages: tuple[object, object] = (None, None)) -> tuple[str, Break | None]:
    """Design era of one row: the NSDUH registry for US NSDUH rows, ``all`` otherwise.

    Parameters
    ----------
    country, source, method : str
        As published.
    substance : str
        Taxonomy id of the row.
    year : int
        Year of the estimate.
    ages : tuple of (int or None, int or None)
        ``(age_min, age_max)``: NSDUH rows cover ages from 12 (or up to 25+);
        a school-age range (15-16, grades) is a school survey, not NSDUH.

    Returns
    -------
    tuple
        ``(era label, Break or None)``; rows without a year get ``all``.

    Examples
    --------
    >>> design_era("United States of America", "ARQ", "HHS", "prescription_stimulants", 2015, (15, 64))[0]
    'nsduh_2015_2019'
    >>> design_era("France", "ARQ", "HHS", "cocaine", 2023)[0]
    'all'
    """
    if year is None or year is pd.NA or (isinstance(year, float) and np.isnan(year)):
        return "all", None
    if _is_nsduh(country, source, method_class(method), ages):
        return nsduh_era(int(year), substance)  # type: ignore[call-overload]
    return "all", None


_NOTE_BREAK = re.compile(r"not (?:directly )?comparable|drug category was changed|break in (?:the )?series")


def _note_eras(d: pd.DataFrame, series: list[str]) -> pd.Series:
    """Counter of note-declared breaks within each series (0 = before any)."""
    notes = d["notes"].astype(object).fillna("").astype(str).str.casefold()
    at = notes.str.contains(_NOTE_BREAK) & ~notes.str.contains("later years")
    after = notes.str.contains(_NOTE_BREAK) & notes.str.contains("later years")
    order = d.sort_values([*series, "year"], kind="stable").index
    out = pd.Series(0, index=d.index, dtype="int64")
    for _, idx in d.loc[order].groupby(series, sort=False, dropna=False).groups.items():
        k = 0
        for i in idx:
            if at[i]:
                k += 1
            out[i] = k
            if after[i]:
                k += 1
    return out


_SERIES = ["country", "substance", "indicator", "period"]


def _definition(substance: str, scope: str, detail: str, forms: bool) -> str:
    keep = DEFINITION_FLAGS.get(substance, frozenset()) | GLOBAL_DEFINITION_FLAGS | (FORM_FLAGS if forms else frozenset())
    flags = list(dict.fromkeys(SAME_DEFINITION.get(f, f) for f in scope.split("|") if f and f in keep))
    if detail != substance:
        flags.append(f"only={detail}")
    return "+".join(flags) or "-"


def _form_series(d: pd.DataFrame, ages: list[str]) -> set[tuple]:
    """Series (country, substance, indicator, period, age) that publish a form flag beside its absence in one year."""
    key = d[_SERIES].astype(object).astype(str).assign(_age=ages, _y=d["year"].astype(object).astype(str))
    out: set[tuple] = set()
    for flag in FORM_FLAGS:
        has = d["scope"].astype(str).str.split("|").apply(lambda fl, f=flag: f in fl)
        both = key.assign(_h=has.to_numpy()).groupby([*_SERIES, "_age", "_y"])["_h"].nunique()
        out |= {k[:-1] for k in both[both > 1].index}
    return out


@arguments(renamed("df", "data"))
def annotate_prevalence(data: pd.DataFrame) -> pd.DataFrame:
    """Add indicator semantics and comparability to a UNODC prevalence table.

    Parameters
    ----------
    data : DataFrame
        Rows of annex 1.2 or 1.4 as read by the UNODC reader (columns
        ``country``, ``substance``, ``period``, ``year``, ``age_group``,
        ``method``, ``source``, ``adjustment``, ``notes``, ``drug_detail``).

    Returns
    -------
    DataFrame
        A copy with ``indicator``, corrected ``period``, ``method_class``,
        ``scope``, ``design_era``, ``comparability_group``, ``break_reason`` and
        ``break_code`` (see the module docstring).

    Raises
    ------
    UnknownVariableError
        A needed column is missing.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "opioids", "period": "past_year",
    ...     "year": [2018, 2020], "age_group": "15-64", "method": "I", "source": "ARQ",
    ...     "adjustment": None, "drug_detail": None,
    ...     "notes": ["Problem opioid users", "Heroin, methadone. Last 30 days"]})
    >>> a = annotate_prevalence(d)
    >>> a[["indicator", "period", "design_era"]].values.tolist()
    [['high_risk_use', 'past_year', 'all'], ['high_risk_use', 'past_month', 'all']]
    """
    need = ["country", "substance", "period", "year", "age_group", "method", "source", "adjustment", "notes"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"annotate_prevalence(): column(s) {missing} not in the data; "
                                   f"columns: {list(data.columns)}")
    d = data.copy()
    sheet_sub = [str(x) for x in d["substance"].astype(object)]
    d["substance_detail"] = [substance_detail(x, n) for x, n in zip(sheet_sub, d["notes"].astype(object))]
    subs = [substance_from_notes(x, n) for x, n in zip(sheet_sub, d["notes"].astype(object))]
    cats = list(d["substance"].cat.categories) if isinstance(d["substance"].dtype, pd.CategoricalDtype) else None
    d["substance"] = pd.Categorical(subs, categories=cats) if cats and set(subs) <= set(cats) else subs
    obj = {c: d[c].astype(object).where(d[c].notna(), None) for c in need}
    detail = d["drug_detail"].astype(object).where(d["drug_detail"].notna(), None) if "drug_detail" in d else None
    text = [" ".join(str(x) for x in (n, dd) if x) or None
            for n, dd in zip(obj["notes"], detail if detail is not None else [None] * len(d))]
    d["method_class"] = [method_class(m) for m in obj["method"]]
    d["indicator"] = [indicator_of(m, n) for m, n in zip(obj["method"], obj["notes"])]
    periods = [period_from_notes(n, a, str(p)) for n, a, p in zip(obj["notes"], obj["adjustment"], obj["period"])]
    cats = list(d["period"].cat.categories) if isinstance(d["period"].dtype, pd.CategoricalDtype) else None
    d["period"] = pd.Categorical(periods, categories=cats, ordered=True) if cats else periods
    d["scope"] = ["|".join(sorted(set(scope_flags(t, str(s))) | set(adjustment_flags(a))))
                  for t, s, a in zip(text, obj["substance"], obj["adjustment"])]
    lims = (zip(d["age_min"].astype(object), d["age_max"].astype(object)) if {"age_min", "age_max"} <= set(d.columns)
            else [(None, None)] * len(d))
    eras = [design_era(c, src, m, str(s), y, a) for c, src, m, s, y, a in
            zip(obj["country"], obj["source"], obj["method"], obj["substance"], obj["year"], lims)]
    d["design_era"] = [e for e, _ in eras]
    d["source_break"] = _note_eras(d, _SERIES).astype("Int64")
    era_key = [e if n == 0 else f"{e}/note{n}" for e, n in zip(d["design_era"], d["source_break"])]
    ages = ["?" if a is None else str(a) for a in obj["age_group"]]
    forms = _form_series(d, ages)
    keys = zip(*(d[c].astype(object).astype(str) for c in _SERIES), ages)
    definition = [_definition(str(s), sc, dt_, k in forms) for s, sc, dt_, k in
                  zip(obj["substance"], d["scope"], d["substance_detail"], keys)]
    basis = _method_basis(d, ages)
    d["definition"] = pd.array(definition, dtype="string")
    d["method_basis"] = pd.array(basis, dtype="string")
    d["comparability_group"] = [
        "|".join([str(c), str(s), i, str(p), a, df_, m, e]) for c, s, i, p, a, df_, m, e in
        zip(obj["country"], obj["substance"], d["indicator"], d["period"], ages, definition,
            basis, era_key)]
    reasons = _break_reasons(d, eras)
    d["break_reason"] = pd.array([r[0] for r in reasons], dtype="string")
    d["break_code"] = pd.array([r[1] for r in reasons], dtype="string")
    for col in ("indicator", "method_class"):
        d[col] = d[col].astype("category")
    d["scope"] = d["scope"].astype("string")
    d["design_era"] = d["design_era"].astype("string")
    d["comparability_group"] = d["comparability_group"].astype("string")
    return d


def _method_basis(d: pd.DataFrame, ages: list[str]) -> list[str]:
    """Method class used for grouping: an unspecified method takes the next later row's.

    The annex footnotes say the Method column "has been completed only for more
    recent data", so a blank method in an older row of the same series and age
    range is read as the method of the next later row that gives one.
    """
    key = d[_SERIES].astype(object).astype(str).assign(_age=ages, _y=pd.to_numeric(d["year"], errors="coerce"),
                                                       _m=d["method_class"].astype(str))
    key = key.sort_values([*_SERIES, "_age", "_y"], kind="stable")
    m = key["_m"].where(key["_m"] != "unspecified")
    filled = m.groupby([key[c] for c in [*_SERIES, "_age"]], sort=False).bfill()
    return filled.fillna("unspecified").reindex(d.index).tolist()


def _describe_change(a: dict, b: dict, brk: Break | None, b_note: str | None) -> tuple[str, str]:
    """(reason, codes) for the change from group ``a`` to group ``b``."""
    reasons, codes = [], []
    if a["design_era"] != b["design_era"] or a["source_break"] != b["source_break"]:
        ea, eb = a["design_era"], b["design_era"]
        nsduh_a, nsduh_b = ea.startswith(("nsduh", "nhsda")), eb.startswith(("nsduh", "nhsda"))
        if nsduh_a != nsduh_b:  # e.g. Monitoring the Future -> NSDUH: another survey, not the NSDUH redesign
            reasons.append("the estimates come from another survey" + (" (NSDUH)" if nsduh_b else ""))
            codes.append("survey")
        elif nsduh_b and brk is not None and ea != eb:
            reasons.append(brk.reason)
            codes.append(brk.code)
        if b["source_break"] != a["source_break"]:
            reasons.append(f"the source says the data are not comparable: {b_note}" if b_note
                           else "the source says the data are not comparable with earlier years")
            codes.append("source_note")
    if a["age_group"] != b["age_group"]:
        reasons.append(f"age range changed from {a['age_group']} to {b['age_group']}")
        codes.append("age_range")
    if a["definition"] != b["definition"]:
        def words(x: str, scope: str) -> str:
            if x == "-":  # the sheet's usual definition: say what the notes stated, if anything
                stated = [SCOPE_FLAGS[f] for f in str(scope).split("|") if f in SCOPE_FLAGS]
                return f"the usual definition, as stated: {', '.join(stated)}" if stated \
                    else "no scope restriction stated"
            said = [SCOPE_FLAGS.get(f) or f"{taxonomy.label(f[5:])} only" for f in x.split("+")]
            return ", ".join(dict.fromkeys(w[0].lower() + w[1:] if w[1:2].islower() else w for w in said))
        reasons.append(f"definition changed: {words(b['definition'], b.get('scope', ''))} "
                       f"(was: {words(a['definition'], a.get('scope', ''))})")
        codes.append("definition")
    if a["method_class"] != b["method_class"]:
        reasons.append(f"method changed from {a['method_class']} to {b['method_class']}")
        codes.append("method")
    return "; ".join(reasons), "+".join(codes)


def _break_reasons(d: pd.DataFrame, eras: list[tuple[str, Break | None]]) -> list[tuple[object, object]]:
    out: list[tuple[object, object]] = [(pd.NA, pd.NA)] * len(d)
    pos = {ix: i for i, ix in enumerate(d.index)}
    parts = pd.DataFrame({
        "age_group": d["age_group"].astype(object).fillna("?").astype(str),
        "definition": d["definition"].astype(object), "method_class": d["method_basis"].astype(object),
        "scope": d["scope"].astype(object).fillna("").astype(str),
        "design_era": d["design_era"].astype(object), "source_break": d["source_break"].astype(object),
        "group": d["comparability_group"], "_y": pd.to_numeric(d["year"], errors="coerce").astype("float64"),
    }, index=d.index)
    keys = d[_SERIES].astype(object).astype(str)
    order = parts.assign(**{c: keys[c] for c in _SERIES}).sort_values([*_SERIES, "_y"], kind="stable")
    for _, g in order.groupby(_SERIES, sort=False):
        seen: set[str] = set()
        earlier: dict[str, Any] | None = None  # last row of an earlier year
        last: dict[str, Any] | None = None  # last row seen
        year = None
        for ix, row in g.iterrows():
            if row["_y"] != year:
                earlier, year = last, row["_y"]
            cur = row.to_dict()
            prev = earlier if earlier is not None else last
            if cur["group"] not in seen and prev is not None:
                note = d.at[ix, "notes"]
                note = None if _missing(note) else note
                out[pos[ix]] = _describe_change(prev, cur, eras[pos[ix]][1], note)
            seen.add(cur["group"])
            last = cur
    return out


@arguments(renamed("df", "data"))
def comparable(data: pd.DataFrame, a: object, b: object, group: str = "comparability_group") -> bool:
    """True when rows ``a`` and ``b`` (index labels of ``data``) are comparable.

    Parameters
    ----------
    data : DataFrame
        An annotated table (has ``comparability_group``).
    a, b : index labels
        The two rows.
    group : str
        Column holding the group key.

    Returns
    -------
    bool
        Same comparability group.

    Examples
    --------
    >>> d = pd.DataFrame({"comparability_group": ["x", "x", "y"]})
    >>> comparable(d, 0, 1), comparable(d, 1, 2)
    (True, False)
    """
    if group not in data.columns:
        raise UnknownVariableError(f"comparable(): column {group!r} not in the data; annotate it first "
                                   f"(drugtrends.comparability.annotate_prevalence). Columns: {list(data.columns)}")
    return bool(data.at[a, group] == data.at[b, group])


@arguments(renamed("df", "data"))
def series_pieces(data: pd.DataFrame, x: str = "year", group: str = "comparability_group"
                  ) -> list[tuple[str, pd.DataFrame]]:
    """Cut a table into its comparable pieces, in order of first ``x``.

    Parameters
    ----------
    data : DataFrame
        One series (or several: each group is a piece).
    x : str
        Time column.
    group : str
        Group column.

    Returns
    -------
    list of (group, DataFrame)
        Each comparability group with its rows sorted by ``x``.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a", "b", "b"]})
    >>> [(g, len(p)) for g, p in series_pieces(d)]
    [('a', 1), ('b', 2)]
    """
    for c in (x, group):
        if c not in data.columns:
            raise UnknownVariableError(f"series_pieces(): column {c!r} not in the data; columns: {list(data.columns)}")
    d = data.assign(_x=pd.to_numeric(data[x], errors="coerce")).sort_values("_x", kind="stable")
    out = []
    for g in d[group].drop_duplicates():
        out.append((str(g), d.loc[d[group] == g].drop(columns="_x")))
    return out


@arguments(renamed("df", "data"))
def break_table(data: pd.DataFrame) -> pd.DataFrame:
    """One row per break of an annotated prevalence table (for footnotes).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`annotate_prevalence` (or ``dt.load("unodc_prevalence")``).

    Returns
    -------
    DataFrame
        ``country``, ``substance``, ``indicator``, ``period``, ``year``,
        ``comparability_group``, ``break_code``, ``break_reason``, sorted.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "X", "substance": "cannabis", "indicator": "prevalence",
    ...     "period": "past_year", "year": [2014, 2015], "comparability_group": ["a", "b"],
    ...     "break_code": [None, "age_range"], "break_reason": [None, "age range changed"]})
    >>> break_table(d)[["year", "break_code"]].values.tolist()
    [[2015, 'age_range']]
    """
    cols = [*_SERIES, "year", "comparability_group", "break_code", "break_reason"]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"break_table(): column(s) {missing} not in the data; annotate it first.")
    out = data.loc[data["break_reason"].notna(), cols]
    return out.sort_values([*_SERIES, "year"]).reset_index(drop=True)


#: UNODC 7.1 drug names that are plant material or seeds, not the drug product: left out of sums.
PLANT_MATERIAL = frozenset({"Coca leaf", "Coca bush", "Cannabis plants", "Cannabis seed", "Poppy plants",
                            "Poppy straw (seed heads, pods or capsules)", "Poppy seed"})


@arguments(renamed("df", "data"))
def seizure_totals(data: pd.DataFrame, by: Sequence[str] = ("country", "substance", "year")) -> pd.DataFrame:
    """One seizure quantity per country x substance x year from the UNODC 7.1 rows, categories kept apart.

    Takes the reported total row where the source gives one (``is_total``),
    else sums the item rows except plant material and seeds
    (:data:`PLANT_MATERIAL`: coca leaf, cannabis plants, poppy straw...);
    duplicated published rows are counted once. Every 7.1 quantity is in
    kilograms.

    What the quantity covers is its ``scope`` (the total's category, e.g.
    ``all_ats``, or the ``+``-joined categories of the items summed, e.g.
    ``amphetamine``; :func:`drugtrends.semantics.seizure_scope`), and the scope
    is part of the ``comparability_group``: France's amphetamine seizures of
    2019 (amphetamine alone, 92 kg) and 2020 (all amphetamine-type stimulants,
    697 kg) are two series, the first year of the second carrying
    ``break_code`` ``scope`` and a ``break_reason`` naming both categories.

    Parameters
    ----------
    data : DataFrame
        ``dt.load("unodc_seizures")``.
    by : sequence of str
        Grouping columns.

    Returns
    -------
    DataFrame
        ``by`` columns, ``kilograms``, ``tonnes``, ``basis``
        (``reported_total`` or ``sum_of_items``), ``scope``,
        ``comparability_group`` (the ``by`` columns but ``year``, and the
        scope) and ``break_code`` / ``break_reason`` on the first year of a
        new scope in a series (NA elsewhere).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "X", "substance": "cocaine", "year": 2022, "drug_group": "C",
    ...     "drug_subgroup": "C", "drug_name": ["a", "b", "Total"], "is_total": [False, False, True],
    ...     "kilograms": [10.0, 5.0, 15.0]})
    >>> seizure_totals(d)[["kilograms", "tonnes", "basis"]].values.tolist()
    [[15.0, 0.015, 'reported_total']]
    """
    by = list(by)
    need = [*by, "is_total", "kilograms", "drug_name"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"seizure_totals(): column(s) {missing} not in the data; columns: {list(data.columns)}")
    d = data.drop_duplicates([c for c in data.columns if c not in ("row",)])
    d = d.loc[d["substance"].notna() & ~d["drug_name"].astype(object).isin(PLANT_MATERIAL)]
    if "scope" not in d.columns:
        d = d.assign(scope=[seizure_scope(n, t) for n, t in zip(d["drug_name"].astype(object), d["is_total"])])
    rows = []
    for key, g in d.groupby(by, observed=True, sort=True):
        tot = g.loc[g["is_total"]]
        if len(tot):
            kg, basis = float(tot["kilograms"].max()), "reported_total"
            scope = str(tot.loc[tot["kilograms"].idxmax() if tot["kilograms"].notna().any() else tot.index[0], "scope"])
        else:
            kg, basis = float(g["kilograms"].sum(min_count=1)), "sum_of_items"
            scope = "+".join(sorted(set(g["scope"].astype(str))))
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "kilograms": kg, "basis": basis,
                     "scope": scope})
    out = pd.DataFrame(rows, columns=[*by, "kilograms", "basis", "scope"])
    out.insert(len(by) + 1, "tonnes", out["kilograms"] / 1000)
    return _seizure_breaks(out, [c for c in by if c != "year"])


def _seizure_words(scope: str) -> str:
    return " + ".join(SEIZURE_SCOPES.get(s, s.replace("_", " ")) for s in scope.split("+"))


def _seizure_breaks(out: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    """``comparability_group`` (series + scope) and the break on the first year of each new scope."""
    keys = out[series].astype(object).astype(str)
    out["comparability_group"] = pd.array(["|".join([*k, s]) for k, s in zip(keys.itertuples(index=False),
                                                                               out["scope"])], dtype="string")
    reason: list[object] = [pd.NA] * len(out)
    order = out.assign(_y=pd.to_numeric(out["year"], errors="coerce") if "year" in out else 0.0)
    order = order.sort_values([*series, "_y"], kind="stable") if series else order.sort_values("_y", kind="stable")
    pos = {ix: i for i, ix in enumerate(out.index)}
    for _, g in (order.groupby(series, sort=False, observed=True) if series else [(None, order)]):
        seen, prev = set(), None
        for ix, scope in zip(g.index, g["scope"]):
            if scope not in seen and prev is not None:
                reason[pos[ix]] = (f"what the seizure figure covers changed: {_seizure_words(scope)} "
                                   f"(was: {_seizure_words(prev)})")
            seen.add(scope)
            prev = scope
    out["break_reason"] = pd.array(reason, dtype="string")
    out["break_code"] = pd.array(["scope" if r is not pd.NA else pd.NA for r in reason], dtype="string")
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
