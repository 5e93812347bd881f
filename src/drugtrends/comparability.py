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
  contain them), 2020 standing alone, 2021 onward (all substances). A note
  such as "not directly comparable to previous years" starts a new era for
  its series anywhere;
* ``comparability_group``: a readable key; two rows share it only when they
  have the same country, substance, indicator, period, age range
  (``age_group``), definition (changing scope flags of
  :data:`DEFINITION_FLAGS` and :data:`GLOBAL_DEFINITION_FLAGS`, the
  ``substance_detail`` when narrower, and :data:`FORM_FLAGS` in series that
  publish both forms for one year), method class and design era;
* ``break_reason`` / ``break_code``: on the first row of each group whose
  series (country x substance x indicator x period) had an earlier group,
  why it is not comparable with that group (text for footnotes; ``+``-joined
  short codes of :data:`BREAK_CODES` for translations). NA elsewhere.

Scope flags that only describe the usual definition (``includes_crack`` for
cocaine, ``includes_methamphetamine`` for amphetamines) are kept in
``scope`` but do not split groups: UNODC words the same survey question
differently from year to year (France's cocaine rows say "cocaine salts and
crack" in 2017 and "cocaine hydrochloride" in 2023 for the same Baromètre
question).

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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from drugtrends import taxonomy
from drugtrends.errors import UnknownVariableError

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

#: Scope flags parsed from the notes: flag -> what it means.
SCOPE_FLAGS: dict[str, str] = {
    "includes_methamphetamine": "includes methamphetamine",
    "includes_prescription_stimulants": "includes (non-medical use of) prescription stimulants",
    "methamphetamine_only": "methamphetamine only",
    "amphetamine_only": "amphetamine only (no methamphetamine)",
    "cannabis_herb_only": "cannabis herb (marijuana) only",
    "cannabis_resin_only": "cannabis resin (hashish) only",
    "includes_crack": "includes crack cocaine",
    "excludes_crack": "does not include crack",
    "cocaine_salts_only": "cocaine salts / hydrochloride only",
    "includes_coca_paste": "includes coca paste (pasta base, paco, basuco)",
    "includes_prescription_opioids": "includes prescription opioids",
    "excludes_heroin": "does not include heroin",
    "heroin_only": "heroin only",
    "includes_medical_use": "includes medical use",
    "includes_other_stimulant_nps": "includes other stimulant NPS",
    "includes_other_stimulants": "may include other non-ATS stimulants (UNODC adjustment z)",
    "prescription_stimulants_only": "prescription stimulants only (UNODC adjustment z**)",
    "other_forms": "other forms or types only (the source's 'other ...' row)",
    "males_only": "males only",
    "females_only": "females only",
}

#: Flags that change what any estimate measures.
GLOBAL_DEFINITION_FLAGS = frozenset({"other_forms", "males_only", "females_only"})
#: Flags that split groups only in series where the source publishes both forms for one year
#: (e.g. 'cocaine salts' beside 'any cocaine'); elsewhere they describe the usual measure.
FORM_FLAGS = frozenset({"cocaine_salts_only"})

#: UNODC adjustment codes (annex 1.2 footnotes) that are scope flags.
ADJUSTMENT_FLAGS: dict[str, str] = {
    "z*": "includes_prescription_stimulants",
    "z**": "prescription_stimulants_only",
    "z": "includes_other_stimulants",
    "x": "includes_prescription_opioids",
}

#: Flags that change what a substance's estimate measures (split comparability groups).
DEFINITION_FLAGS: dict[str, frozenset[str]] = {
    "amphetamines": frozenset({"includes_prescription_stimulants", "methamphetamine_only", "amphetamine_only",
                               "includes_other_stimulants", "prescription_stimulants_only"}),
    "cannabis": frozenset({"cannabis_herb_only", "cannabis_resin_only"}),
    "cocaine": frozenset({"includes_coca_paste"}),
    "opioids": frozenset({"includes_prescription_opioids", "excludes_heroin", "heroin_only"}),
    "opiates": frozenset({"includes_prescription_opioids", "heroin_only"}),
    "prescription_opioids": frozenset({"includes_medical_use"}),
    "prescription_stimulants": frozenset({"includes_medical_use"}),
    "tranquillizers_sedatives": frozenset({"includes_medical_use"}),
    "synthetic_cathinones": frozenset({"includes_other_stimulant_nps"}),
}

#: Short codes of the reasons in ``break_code`` (for translated footnotes).
BREAK_CODES: dict[str, str] = {
    "age_range": "age range changed",
    "definition": "substance definition changed",
    "method": "estimation method changed",
    "nsduh_2002_redesign": "NSDUH 2002 redesign",
    "nsduh_2015_redesign": "NSDUH 2015 questionnaire redesign",
    "nsduh_2020_mode": "NSDUH 2020 mode change (2020 comparable with no other year)",
    "nsduh_2021_method": "NSDUH 2021 multimode methodology",
    "source_note": "the source says the data are not comparable",
}

# (flag, regex on the lower-cased notes + drug detail)
_SCOPE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("includes_methamphetamine", r"includes?\b[^.;]*methamphetamine|amphetamine (and|or|&) methamphetamine|"
                                 r"methamphetamine (and|or|&) amphetamine"),
    ("includes_prescription_stimulants", r"prescription stimulants|pharmaceutical amphetamine|methylphenidate"),
    ("cannabis_herb_only", r"^(cannabis herb|herb|herb only|marihuana \(cannabis herb\)|cannabis herb \(marijuana\))\.?$"),
    ("cannabis_resin_only", r"^(cannabis resin|hashish|resin)\.?$"),
    ("includes_crack", r"(?<!not include )(\"?crack\"?|freebase)"),
    ("excludes_crack", r"(does not|not) include crack"),
    ("cocaine_salts_only", r"^(only )?(cocaine )?(salts?|hydrochl?or[io]de?|hydrochrolide|hcl)\.?$|^only cocaine salts|"
                           r"^powder cocaine$|^\(non-crack form\)$"),
    ("includes_coca_paste", r"pasta base|\bpaco\b|basuco|coca paste|smokable forms"),
    ("includes_prescription_opioids", r"prescription opioids|pharmaceutical opioids|prescription/other opioids"),
    ("excludes_heroin", r"does not include heroin"),
    ("heroin_only", r"^heroin( only)?\.?$"),
    ("includes_medical_use", r"includes medical and non-medical use"),
    ("includes_other_stimulant_nps", r"other stimulant nps"),
    ("other_forms", r"^other\b"),
    ("males_only", r"(?:^|[.;,] )males?(?:[.;,]|$)"),
    ("females_only", r"(?:^|[.;,] )females?(?:[.;,]|$)"),
)
_METH_ONLY = re.compile(r"^(methamphet\w*|methamphetmine|crystal meth|methamphetamine tablets and crystal methamphetamine|"
                        r"\"?yaba\"?)\.?$")
_AMPH_ONLY = re.compile(r"^amphetamine( sulphate)?\.?$")

_CRACK_ONLY = re.compile(r'^(mainly )?"?crack"?( cocaine)?$')
_HIGH_RISK = re.compile(
    r"problem\b|problem/high|high[- ]risk|capture[- ]recapture|inject|daily (heroin|opioid|opiate)|"
    r"dependen|use disorder|in treatment|multiplier|main substance of use")
_PAST_MONTH = re.compile(r"last 30 days|past 30 days|past month use|last month|30-day")


@dataclass(frozen=True)
class KnownBreak:
    """A documented break in a survey's comparability (data-layer registry entry).

    Parameters
    ----------
    series : str
        Survey id (``"nsduh"``).
    at : int
        First year of the new regime.
    reason : str
        Footnote text.
    code : str
        Short code (a key of :data:`BREAK_CODES`).
    substances : frozenset of str or None
        Taxonomy ids (UNODC sheet ids included) it concerns; ``None`` = all.

    Examples
    --------
    >>> NSDUH_BREAKS[1].at, NSDUH_BREAKS[1].concerns("cannabis"), NSDUH_BREAKS[1].concerns("amphetamines")
    (2015, False, True)
    """

    series: str
    at: int
    reason: str
    code: str
    substances: frozenset[str] | None = None

    def concerns(self, substance: str) -> bool:
        """True when the break applies to ``substance`` (always for ``substances=None``)."""
        return self.substances is None or substance in self.substances


#: Substances (taxonomy ids, UNODC aggregates included) whose NSDUH measures changed in 2015.
NSDUH_2015_SUBSTANCES = frozenset({
    "prescription_opioids", "prescription_stimulants", "tranquillizers_sedatives", "tranquillizers",
    "sedatives", "benzodiazepines", "barbiturates", "fentanyl",
    "methamphetamine", "amphetamines", "psychostimulants",
    "hallucinogens", "lsd", "pcp", "ecstasy", "ketamine", "mushrooms", "salvia",
    "inhalants", "poppers", "opioids", "illicit_drugs",
})

#: The NSDUH known-break registry (SAMHSA methodological summaries).
NSDUH_BREAKS: tuple[KnownBreak, ...] = (
    KnownBreak("nsduh", 2002, "NHSDA renamed NSDUH in 2002 with incentives and new methods: 2002 onward is "
               "not comparable with 2001 and earlier", "nsduh_2002_redesign"),
    KnownBreak("nsduh", 2015, "2015 NSDUH questionnaire redesign: prescription drug misuse, methamphetamine, "
               "hallucinogens and inhalants are not comparable with 2014 and earlier", "nsduh_2015_redesign",
               NSDUH_2015_SUBSTANCES),
    KnownBreak("nsduh", 2020, "2020 NSDUH mode change (web and in-person from Q4 2020): 2020 is comparable "
               "with no other year", "nsduh_2020_mode"),
    KnownBreak("nsduh", 2021, "2021 NSDUH multimode methodology: 2021 onward is not comparable with 2020 "
               "and earlier", "nsduh_2021_method"),
)


def scope_flags(text: object, substance: str | None = None) -> list[str]:
    """Scope flags of :data:`SCOPE_FLAGS` found in a note.

    Parameters
    ----------
    text : str or None
        The published note (``notes``, optionally with ``drug_detail``).
    substance : str, optional
        Taxonomy id of the row; ``methamphetamine_only``/``amphetamine_only``
        are only read on amphetamine rows.

    Returns
    -------
    list of str
        Sorted flags (empty when none).

    Examples
    --------
    >>> scope_flags("Methamphetamine. Estimates for age group 15-64 ...", "amphetamines")
    ['methamphetamine_only']
    >>> scope_flags('Cocaine salts and "crack" cocaine', "cocaine")
    ['includes_crack']
    >>> scope_flags("Cannabis herb", "cannabis")
    ['cannabis_herb_only']
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return []
    low = re.sub(r"\s+", " ", str(text).casefold()).strip()
    first = re.split(r"\.\s|;\s", low)[0].strip().rstrip(".")
    flags = set()
    for flag, pat in _SCOPE_PATTERNS:
        target = first if pat.startswith("^") else low
        if re.search(pat, target):
            flags.add(flag)
    if "excludes_crack" in flags:
        flags.discard("includes_crack")
    if substance in ("amphetamines", None):
        if _METH_ONLY.match(first):
            flags.add("methamphetamine_only")
        elif _AMPH_ONLY.match(first):
            flags.add("amphetamine_only")
    return sorted(flags)


_PASTE = re.compile(r"^(base paste|pasta basica|pasta base( de cocaina)?|coca paste ?/ ?coca base( \(basuco\))?|"
                    r"coca paste ?/ ?cocaine base|coca paste|cocaine paste( \(paco\))?|coca base \(basuco\)|"
                    r"basuco|bazuco|paco)$")
_DETAIL_SYNONYMS = {
    "powder cocaine": "cocaine", "cocaine hcl": "cocaine", "ghb": "ghb", "gbl": "ghb", "ghb/gbl": "ghb",
    "morphine": "opiates", "opium/morphine": "opiates", "methaqualone": "sedatives",
    "tranquillizers": "tranquillizers", "tranquilizers": "tranquillizers", "sedatives": "sedatives",
    "methamphetamines": "methamphetamine", "methamphetamine (crystal)": "methamphetamine",
    "crystal meth": "methamphetamine", "speed": "amphetamines", "subutex": "prescription_opioids",
    "buprenorphine": "prescription_opioids", "polish heroin": "heroin", "kompot": "opiates",
    "heroin with needle": "heroin", "spice": "synthetic_cannabinoids", "ecstasy": "ecstasy", "mdma": "ecstasy",
    "lsd": "lsd", "ketamine": "ketamine",
}


def _first_sentence(notes: object) -> str:
    if notes is None or notes is pd.NA or (isinstance(notes, float) and np.isnan(notes)):
        return ""
    low = re.sub(r"\s+", " ", str(notes).casefold()).strip()
    return re.split(r"\.\s|;\s*|\.$|,\s", low)[0].strip()


def substance_detail(substance: str, notes: object) -> str:
    """The most specific substance a row measures: the sheet's, or the one its notes name.

    Youth tables (1.4) publish several rows per survey on one sheet, told apart
    by the first words of the notes ("Heroin", "Methadone", "Crack", "GHB",
    "Base paste"...); annex 1.2 does it now and then ("Methamphetamine").

    Parameters
    ----------
    substance : str
        Taxonomy id of the sheet.
    notes : str or None
        Published notes.

    Returns
    -------
    str
        A taxonomy id: the substance the first words of the notes name
        exactly (``any``/``all`` ignored), else ``substance``.

    Examples
    --------
    >>> substance_detail("opioids", "Methadone"), substance_detail("cocaine", "Crack. Urban areas")
    ('methadone', 'crack')
    >>> substance_detail("cocaine", "Base paste"), substance_detail("cocaine", "Cocaine salts and crack")
    ('coca_paste', 'cocaine')
    """
    first = _first_sentence(notes)
    first = re.sub(r"^(any|all|only) ", "", first)
    if not first:
        return substance
    if _CRACK_ONLY.match(first):
        return "crack"
    if _PASTE.match(first):
        return "coca_paste"
    if first in _DETAIL_SYNONYMS:
        return _DETAIL_SYNONYMS[first]
    try:
        found = taxonomy.from_source("unodc", first)
    except UnknownVariableError:
        return substance
    return found or substance


def substance_from_notes(substance: str, notes: object) -> str:
    """The ``substance`` of a prevalence row: the sheet's, except cocaine forms the source separates.

    Crack (``crack``) and coca paste (``coca_paste``) rows of the Cocaine sheet
    are substances of their own (children of ``cocaine``), never pooled with
    cocaine rows; other narrower rows keep the sheet's substance and carry
    the narrower one in ``substance_detail``.

    Parameters
    ----------
    substance : str
        Taxonomy id of the sheet.
    notes : str or None
        Published notes.

    Returns
    -------
    str
        Taxonomy id.

    Examples
    --------
    >>> substance_from_notes("cocaine", "Crack. Urban areas"), substance_from_notes("cocaine", "Cocaine salts")
    ('crack', 'cocaine')
    >>> substance_from_notes("cocaine", "Powder and/or crack"), substance_from_notes("opioids", "Heroin")
    ('cocaine', 'opioids')
    """
    d = substance_detail(substance, notes)
    return d if substance == "cocaine" and d in ("crack", "coca_paste") else substance


def adjustment_flags(adjustment: object) -> list[str]:
    """Scope flags given by UNODC adjustment codes (:data:`ADJUSTMENT_FLAGS`).

    Parameters
    ----------
    adjustment : str or None
        The published ``Adjustment/notes`` cell, e.g. ``"z*"``, ``"a, e"``.

    Returns
    -------
    list of str
        Sorted flags.

    Examples
    --------
    >>> adjustment_flags("z*"), adjustment_flags("a, x"), adjustment_flags(None)
    (['includes_prescription_stimulants'], ['includes_prescription_opioids'], [])
    """
    if adjustment is None or adjustment is pd.NA or (isinstance(adjustment, float) and np.isnan(adjustment)):
        return []
    codes = [c.strip() for c in re.split(r"[,;\s]+", str(adjustment).casefold()) if c.strip()]
    return sorted({ADJUSTMENT_FLAGS[c] for c in codes if c in ADJUSTMENT_FLAGS})


def method_class(method: object) -> str:
    """Normalise a published method code.

    Parameters
    ----------
    method : str or None
        ``HHS``, ``SS``, ``I``, ``HHS/I``, ``HHS and indirect``, ``R``, ``NSUM``...

    Returns
    -------
    str
        ``HHS``, ``SS``, ``I``, ``HHS+I``, ``HHS+SS``, ``R``, ``NSUM``, ``A``
        or ``unspecified``.

    Examples
    --------
    >>> [method_class(m) for m in ("HHS", "HHS/I", "HHS and indirect", "I, b", None, "HSS")]
    ['HHS', 'HHS+I', 'HHS+I', 'I', 'unspecified', 'HHS']
    """
    if method is None or method is pd.NA or (isinstance(method, float) and np.isnan(method)):
        return "unspecified"
    s = str(method).upper().replace("INDIRECT", "I").replace("HSS", "HHS")
    parts = [p for p in re.split(r"[^A-Z]+", s) if p]
    known = [p for p in parts if p in ("HHS", "SS", "I", "R", "NSUM", "A")]
    if not known:
        return "unspecified"
    if "NSUM" in known:
        return "NSUM"
    has = {k: k in known for k in ("HHS", "SS", "I", "R", "A")}
    if has["HHS"] and has["I"]:
        return "HHS+I"
    if has["HHS"] and has["SS"]:
        return "HHS+SS"
    for k in ("HHS", "SS", "I", "R", "A"):
        if has[k]:
            return k
    return "unspecified"  # pragma: no cover


def indicator_of(method: object, notes: object) -> str:
    """``high_risk_use`` or ``prevalence`` for one published estimate.

    Parameters
    ----------
    method : str or None
        Published method code.
    notes : str or None
        Published notes.

    Returns
    -------
    str
        ``high_risk_use`` when the method is indirect (``I``) or a registry
        (``R``), or the notes describe problem / high-risk / dependent /
        injecting users, capture-recapture, use disorders or a treatment
        multiplier; else ``prevalence``.

    Examples
    --------
    >>> indicator_of("HHS", "Cocaine salts"), indicator_of("I", None)
    ('prevalence', 'high_risk_use')
    >>> indicator_of("HHS/I", "Opiates and prescription opioids")
    'prevalence'
    """
    if method_class(method) in ("I", "R"):
        return "high_risk_use"
    text = "" if notes is None or notes is pd.NA or (isinstance(notes, float) and np.isnan(notes)) else str(notes)
    return "high_risk_use" if _HIGH_RISK.search(text.casefold()) else "prevalence"


def period_from_notes(notes: object, adjustment: object, period: str) -> str:
    """Recall period of an estimate, corrected from its notes.

    Parameters
    ----------
    notes : str or None
        Published notes.
    adjustment : str or None
        UNODC adjustment codes; ``e`` means UNODC already converted a lifetime
        or monthly value to annual prevalence, so the period stays.
    period : str
        Period from the table layout (``past_year`` for 1.2 sheets).

    Returns
    -------
    str
        ``past_month`` when the notes give a 30-day / past-month recall and no
        ``e`` adjustment; else ``period``.

    Examples
    --------
    >>> period_from_notes("Past month use", None, "past_year")
    'past_month'
    >>> period_from_notes("Past month use", "e", "past_year")
    'past_year'
    """
    if notes is None or notes is pd.NA or (isinstance(notes, float) and np.isnan(notes)):
        return period
    adj = "" if adjustment is None or adjustment is pd.NA or (isinstance(adjustment, float) and np.isnan(adjustment)) \
        else str(adjustment)
    if "e" in re.split(r"[^a-z]+", adj.casefold()):
        return period
    if period == "past_year" and _PAST_MONTH.search(str(notes).casefold()):
        return "past_month"
    return period


def nsduh_era(year: int, substance: str) -> tuple[str, KnownBreak | None]:
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
        ``(era label, KnownBreak or None)``.

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


def _is_nsduh(country: object, source: object, mclass: str) -> bool:
    if str(country) != "United States of America":
        return False
    src = "" if source is None or source is pd.NA else str(source).casefold()
    return "monitoring the future" not in src and "mtf" not in src and mclass not in ("SS", "HHS+SS")


def design_era(country: object, source: object, method: object, substance: str, year: object
               ) -> tuple[str, KnownBreak | None]:
    """Design era of one row: the NSDUH registry for US NSDUH rows, ``all`` otherwise.

    Parameters
    ----------
    country, source, method : str
        As published.
    substance : str
        Taxonomy id of the row.
    year : int
        Year of the estimate.

    Returns
    -------
    tuple
        ``(era label, KnownBreak or None)``; rows without a year get ``all``.

    Examples
    --------
    >>> design_era("United States of America", "ARQ", "HHS", "prescription_stimulants", 2015)[0]
    'nsduh_2015_2019'
    >>> design_era("France", "ARQ", "HHS", "cocaine", 2023)[0]
    'all'
    """
    if year is None or year is pd.NA or (isinstance(year, float) and np.isnan(year)):
        return "all", None
    if _is_nsduh(country, source, method_class(method)):
        return nsduh_era(int(year), substance)
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
_KEY_PARTS = ["age_group", "definition", "method_class", "design_era"]


def _definition(substance: str, scope: str, detail: str, forms: bool) -> str:
    keep = DEFINITION_FLAGS.get(substance, frozenset()) | GLOBAL_DEFINITION_FLAGS | (FORM_FLAGS if forms else frozenset())
    flags = [f for f in scope.split("|") if f and f in keep]
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


def annotate_prevalence(df: pd.DataFrame) -> pd.DataFrame:
    """Add indicator semantics and comparability to a UNODC prevalence table.

    Parameters
    ----------
    df : DataFrame
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
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise UnknownVariableError(f"annotate_prevalence(): column(s) {missing} not in the data; "
                                   f"columns: {list(df.columns)}")
    d = df.copy()
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
    eras = [design_era(c, src, m, str(s), y) for c, src, m, s, y in
            zip(obj["country"], obj["source"], obj["method"], obj["substance"], obj["year"])]
    d["design_era"] = [e for e, _ in eras]
    k = _note_eras(d, _SERIES)
    d["design_era"] = [e if n == 0 else f"{e}/note{n}" for e, n in zip(d["design_era"], k)]
    ages = ["?" if a is None else str(a) for a in obj["age_group"]]
    forms = _form_series(d, ages)
    keys = zip(*(d[c].astype(object).astype(str) for c in _SERIES), ages)
    definition = [_definition(str(s), sc, dt_, k in forms) for s, sc, dt_, k in
                  zip(obj["substance"], d["scope"], d["substance_detail"], keys)]
    basis = _method_basis(d, ages)
    d["comparability_group"] = [
        "|".join([str(c), str(s), i, str(p), a, df_, m, e]) for c, s, i, p, a, df_, m, e in
        zip(obj["country"], obj["substance"], d["indicator"], d["period"], ages, definition,
            basis, d["design_era"])]
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


def _describe_change(a: dict, b: dict, brk: KnownBreak | None, b_note: str | None) -> tuple[str, str]:
    """(reason, codes) for the change from group ``a`` to group ``b``."""
    reasons, codes = [], []
    if a["design_era"] != b["design_era"]:
        if b["design_era"].startswith(("nsduh", "nhsda")) and brk is not None and \
                b["design_era"].split("/")[0] != a["design_era"].split("/")[0]:
            reasons.append(brk.reason)
            codes.append(brk.code)
        if b["design_era"].split("/")[1:] != a["design_era"].split("/")[1:]:
            reasons.append(f"the source says the data are not comparable: {b_note}" if b_note
                           else "the source says the data are not comparable with earlier years")
            codes.append("source_note")
    if a["age_group"] != b["age_group"]:
        reasons.append(f"age range changed from {a['age_group']} to {b['age_group']}")
        codes.append("age_range")
    if a["definition"] != b["definition"]:
        def words(x: str) -> str:
            if x == "-":
                return "no scope restriction stated"
            return ", ".join(SCOPE_FLAGS.get(f) or f"{taxonomy.label(f[5:])} only" for f in x.split("+"))
        reasons.append(f"definition changed: {words(b['definition'])} (was: {words(a['definition'])})")
        codes.append("definition")
    if a["method_class"] != b["method_class"]:
        reasons.append(f"method changed from {a['method_class']} to {b['method_class']}")
        codes.append("method")
    return "; ".join(reasons), "+".join(codes)


def _break_reasons(d: pd.DataFrame, eras: list[tuple[str, KnownBreak | None]]) -> list[tuple[object, object]]:
    out: list[tuple[object, object]] = [(pd.NA, pd.NA)] * len(d)
    pos = {ix: i for i, ix in enumerate(d.index)}
    parts = pd.DataFrame({
        "age_group": d["age_group"].astype(object).fillna("?").astype(str),
        "definition": [g.split("|")[5] for g in d["comparability_group"]],
        "method_class": [g.split("|")[6] for g in d["comparability_group"]], "design_era": d["design_era"],
        "group": d["comparability_group"], "_y": pd.to_numeric(d["year"], errors="coerce"),
    }, index=d.index)
    keys = d[_SERIES].astype(object).astype(str)
    order = parts.assign(**{c: keys[c] for c in _SERIES}).sort_values([*_SERIES, "_y"], kind="stable")
    for _, g in order.groupby(_SERIES, sort=False):
        firsts = g.drop_duplicates("group")
        prev = None
        for ix, row in firsts.iterrows():
            if prev is not None:
                note = d.at[ix, "notes"]
                note = None if note is None or note is pd.NA or (isinstance(note, float) and np.isnan(note)) else note
                out[pos[ix]] = _describe_change(prev, row.to_dict(), eras[pos[ix]][1], note)
            prev = row.to_dict()
    return out


def comparable(df: pd.DataFrame, a: object, b: object, group: str = "comparability_group") -> bool:
    """True when rows ``a`` and ``b`` (index labels of ``df``) are comparable.

    Parameters
    ----------
    df : DataFrame
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
    if group not in df.columns:
        raise UnknownVariableError(f"comparable(): column {group!r} not in the data; annotate it first "
                                   f"(drugtrends.comparability.annotate_prevalence). Columns: {list(df.columns)}")
    return bool(df.at[a, group] == df.at[b, group])


def series_pieces(df: pd.DataFrame, x: str = "year", group: str = "comparability_group"
                  ) -> list[tuple[str, pd.DataFrame]]:
    """Cut a table into its comparable pieces, in order of first ``x``.

    Parameters
    ----------
    df : DataFrame
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
        if c not in df.columns:
            raise UnknownVariableError(f"series_pieces(): column {c!r} not in the data; columns: {list(df.columns)}")
    d = df.assign(_x=pd.to_numeric(df[x], errors="coerce")).sort_values("_x", kind="stable")
    out = []
    for g in d[group].drop_duplicates():
        out.append((str(g), d.loc[d[group] == g].drop(columns="_x")))
    return out


def break_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per break of an annotated prevalence table (for footnotes).

    Parameters
    ----------
    df : DataFrame
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
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise UnknownVariableError(f"break_table(): column(s) {missing} not in the data; annotate it first.")
    out = df.loc[df["break_reason"].notna(), cols]
    return out.sort_values([*_SERIES, "year"]).reset_index(drop=True)


#: UNODC 7.1 drug names that are plant material or seeds, not the drug product: left out of sums.
PLANT_MATERIAL = frozenset({"Coca leaf", "Coca bush", "Cannabis plants", "Cannabis seed", "Poppy plants",
                            "Poppy straw (seed heads, pods or capsules)", "Poppy seed"})


def seizure_totals(df: pd.DataFrame, by: Sequence[str] = ("country", "substance", "year")) -> pd.DataFrame:
    """One seizure quantity per country x substance x year from the UNODC 7.1 rows.

    Takes the reported total row where the source gives one (``is_total``),
    else sums the item rows except plant material and seeds
    (:data:`PLANT_MATERIAL`: coca leaf, cannabis plants, poppy straw...);
    duplicated published rows are counted once. Every 7.1 quantity is in
    kilograms.

    Parameters
    ----------
    df : DataFrame
        ``dt.load("unodc_seizures")``.
    by : sequence of str
        Grouping columns.

    Returns
    -------
    DataFrame
        ``by`` columns, ``kilograms``, ``tonnes`` and ``basis``
        (``reported_total`` or ``sum_of_items``).

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
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise UnknownVariableError(f"seizure_totals(): column(s) {missing} not in the data; columns: {list(df.columns)}")
    d = df.drop_duplicates([c for c in df.columns if c not in ("row",)])
    d = d.loc[d["substance"].notna() & ~d["drug_name"].astype(object).isin(PLANT_MATERIAL)]
    rows = []
    for key, g in d.groupby(by, observed=True, sort=True):
        tot = g.loc[g["is_total"]]
        if len(tot):
            kg, basis = float(tot["kilograms"].max()), "reported_total"
        else:
            kg, basis = float(g["kilograms"].sum(min_count=1)), "sum_of_items"
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "kilograms": kg, "basis": basis})
    out = pd.DataFrame(rows, columns=[*by, "kilograms", "basis"])
    out.insert(len(by) + 1, "tonnes", out["kilograms"] / 1000)
    return out
