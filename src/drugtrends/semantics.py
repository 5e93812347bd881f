"""What a published prevalence estimate measures, read from its method, notes and adjustment codes.

The parsing rules behind :mod:`drugtrends.comparability` (which re-exports
every public name here): scope flags (:data:`SCOPE_FLAGS`), UNODC adjustment
codes, the method class, the indicator (prevalence or high-risk use), the
recall period and the substance a row's notes name. A shared data-semantics
utility: it imports only the taxonomy and the errors.

Examples
--------
>>> from drugtrends import semantics
>>> semantics.scope_flags("Includes methamphetamine and prescription stimulants", "amphetamines")
['includes_methamphetamine', 'includes_prescription_stimulants']
>>> semantics.indicator_of("I", "Problem opioid users")
'high_risk_use'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from drugtrends import taxonomy
from drugtrends.errors import UnknownVariableError

__all__ = [
    "ADJUSTMENT_FLAGS",
    "SCOPE_FLAGS",
    "adjustment_flags",
    "first_sentence",
    "indicator_of",
    "method_class",
    "SEIZURE_SCOPES",
    "seizure_scope",
    "period_from_notes",
    "scope_flags",
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
    "cocaine_salts_only": "cocaine salts / hydrochloride only (no crack)",
    "includes_coca_paste": "includes coca paste (pasta base, paco, basuco)",
    "includes_prescription_opioids": "includes prescription opioids",
    "excludes_heroin": "does not include heroin",
    "heroin_only": "heroin only",
    "includes_medical_use": "includes medical use",
    "includes_other_stimulant_nps": "includes other stimulant NPS",
    "mdma_only": "MDMA only (not all ecstasy-type substances)",
    "includes_other_stimulants": "may include other non-ATS stimulants (UNODC adjustment z)",
    "prescription_stimulants_only": "prescription stimulants only (UNODC adjustment z**)",
    "other_forms": "other forms or types only (the source's 'other ...' row)",
    "males_only": "males only",
    "females_only": "females only",
}

#: UNODC adjustment codes (annex 1.2 footnotes) that are scope flags.
ADJUSTMENT_FLAGS: dict[str, str] = {
    "z*": "includes_prescription_stimulants",
    "z**": "prescription_stimulants_only",
    "z": "includes_other_stimulants",
    "x": "includes_prescription_opioids",
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
    ("mdma_only", r"^(mdma|3,4-methylenedioxymethamphetamine( \(mdma\))?)( only)?\.?$"),
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
#: Anchored patterns read in every sentence of a note, not only the first.
_ANY_SENTENCE = frozenset({"cocaine_salts_only", "mdma_only"})
_METH_ONLY = re.compile(r"^(methamphet\w*|methamphetmine|crystal meth|methamphetamine tablets and crystal methamphetamine|"
                        r"\"?yaba\"?)\.?$")
_AMPH_ONLY = re.compile(r"^amphetamine( sulphate)?\.?$")

_CRACK_ONLY = re.compile(r'^(mainly )?"?crack"?( cocaine)?$')
_HIGH_RISK = re.compile(
    r"problem\b|problem/high|high[- ]risk|capture[- ]recapture|inject|daily (heroin|opioid|opiate)|"
    r"dependen|use disorder|in treatment|multiplier|main substance of use|registered (drug )?users|central registry")
_PAST_MONTH = re.compile(r"last 30 days|past 30 days|past month use|last month|30-day")


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
    sentences = [x.strip().rstrip(".") for x in re.split(r"\.\s|;\s", low)]
    flags = set()
    for flag, pat in _SCOPE_PATTERNS:
        if flag in _ANY_SENTENCE:  # a statement of the form may follow a date ("Data refers to 2016/2017. Cocaine salts")
            hit = any(re.search(pat, x) for x in sentences)
        else:
            hit = re.search(pat, first if pat.startswith("^") else low) is not None
        if hit:
            flags.add(flag)
    if substance not in ("ecstasy", None):
        flags.discard("mdma_only")
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


def first_sentence(notes: object) -> str:
    """The first sentence of a note, lower case, whitespace normalised ("" when none).

    Parameters
    ----------
    notes : object
        A source's note (``None`` or NaN give ``""``).

    Examples
    --------
    >>> first_sentence("Crack. Urban areas"), first_sentence("Heroin, methadone, other opioids."), first_sentence(None)
    ('crack', 'heroin, methadone, other opioids', '')
    """
    if notes is None or notes is pd.NA or (isinstance(notes, float) and np.isnan(notes)):
        return ""
    low = re.sub(r"\s+", " ", str(notes).casefold()).strip()
    return re.split(r"\.\s|;\s*|\.$", low)[0].strip()


def _named(text: str) -> str | None:
    """Taxonomy id a short text names exactly (crack, coca paste, synonyms, the UNODC labels), else None."""
    text = re.sub(r"^(any|all|only) ", "", text.strip())
    if not text:
        return None
    if _CRACK_ONLY.match(text):
        return "crack"
    if _PASTE.match(text):
        return "coca_paste"
    if text in _DETAIL_SYNONYMS:
        return _DETAIL_SYNONYMS[text]
    try:
        return taxonomy.from_source("unodc", text)
    except UnknownVariableError:
        return None


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
    >>> substance_detail("opioids", "Heroin, methadone, buprenorphine"), substance_detail("opioids", "Heroin, male")
    ('opioids', 'heroin')
    """
    parts = first_sentence(notes).split(", ")
    if len(parts) > 1 and _named(parts[1]) is not None:
        return substance  # a list of substances ("Heroin, methadone, ..."): not a narrower measure
    return _named(parts[0]) or substance


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
    >>> indicator_of(None, "Registered users")
    'high_risk_use'
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


# --------------------------------------------------------------------------- seizures (annex 7.1)

#: What a 7.1 seizure row covers (its category), for the named categories: id -> description.
#: Another drug name is its own category (its name, slugged); a reported total with no named
#: category is ``reported_total``.
SEIZURE_SCOPES: dict[str, str] = {
    "all_ats": "all amphetamine-type stimulants excluding ecstasy (reported total: amphetamine, "
               "methamphetamine and the others)",
    "amphetamine": "amphetamine only",
    "captagon": '"Captagon" tablets',
    "methamphetamine": "methamphetamine",
    "yaba": '"yaba" (methamphetamine tablets)',
    "ats_unspecified": "non-specified amphetamine-type stimulants",
    "all_ecstasy_type": 'all "ecstasy"-type substances (reported total)',
    "mdma": "MDMA only",
    "other_ecstasy_type": "MDA or MDEA",
    "ecstasy_unspecified": 'non-specified "ecstasy"-type substances',
    "all_cocaine": "cocaine in all forms, crack included (reported total, without coca leaf and bush)",
    "cocaine_hydrochloride": "cocaine hydrochloride only",
    "crack": '"crack" cocaine',
    "coca_paste_base": "coca paste / cocaine base",
    "smokable_cocaine": "other smokable forms of cocaine (basuco, paco, pasta base)",
    "all_hallucinogens": "all hallucinogens (reported total)",
    "all_sedatives_tranquillizers": "all sedatives and tranquillizers (reported total)",
    "reported_total": "a reported total",
}
_SEIZURE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("all_ats", r"^total amphetamine-type stimulants"),
    ("all_ecstasy_type", r'^total "?.?ecstasy.?"?-type'),
    ("all_cocaine", r"^cocaine \(total"),
    ("all_hallucinogens", r"^total hallucinogens"),
    ("all_sedatives_tranquillizers", r"^total sedatives and tranquill?izers"),
    ("amphetamine", r"^amphetamine$"),
    ("captagon", r"captagon"),
    ("methamphetamine", r"^methamphetamine$"),
    ("yaba", r"yaba"),
    ("ats_unspecified", r"^non-specified amphetamine-type"),
    ("mdma", r"\bmdma\b"),
    ("other_ecstasy_type", r"^(mdea|tenamfetamine)"),
    ("ecstasy_unspecified", r"^non-specified .?ecstasy"),
    ("cocaine_hydrochloride", r"^cocaine hydrochloride"),
    ("crack", r"crack"),
    ("coca_paste_base", r"^coca paste"),
    ("smokable_cocaine", r"smokable forms of cocaine"),
)


def seizure_scope(drug_name: object, is_total: bool = False) -> str:
    """The category a UNODC 7.1 seizure row covers (see :data:`SEIZURE_SCOPES`).

    A seizure series must not mix categories: amphetamine alone is not all
    amphetamine-type stimulants, MDMA is not all ecstasy-type substances,
    cocaine hydrochloride is not cocaine in all forms.

    Parameters
    ----------
    drug_name : str
        The published ``Drug`` name.
    is_total : bool
        The row is a reported total.

    Returns
    -------
    str
        A key of :data:`SEIZURE_SCOPES`, else the drug name slugged
        (``reported_total`` for an unnamed total).

    Examples
    --------
    >>> seizure_scope("Amphetamine"), seizure_scope("3,4-methylenedioxymethamphetamine (MDMA)")
    ('amphetamine', 'mdma')
    >>> seizure_scope("Total amphetamine-type stimulants (ATS) (including the above, ...)", True)
    'all_ats'
    >>> seizure_scope("Cannabis resin (hashish)")
    'cannabis_resin_hashish'
    """
    low = "" if drug_name is None or drug_name is pd.NA or (isinstance(drug_name, float) and np.isnan(drug_name)) \
        else re.sub(r"\s+", " ", str(drug_name).casefold().replace("“", '"').replace("”", '"')).strip()
    for scope, pat in _SEIZURE_PATTERNS:
        if re.search(pat, low):
            return scope
    if is_total:
        return "reported_total"
    return re.sub(r"[^a-z0-9]+", "_", low).strip("_")[:60] or "unspecified"


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
