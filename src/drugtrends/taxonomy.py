"""Harmonised substance taxonomy: ids, English and French labels, hierarchy,
and the mapping of every data source's codes to it.

Every reader labels substances with the ids defined here, so a report can put
UNODC prevalence, CDC overdose deaths, TEDS admissions and survey estimates for
"cocaine" side by side, and aggregate children into parents (crack is a kind of
cocaine; fentanyl is a synthetic opioid, itself an opioid).

French labels follow the OFDT vocabulary (*cocaïne*, *opioïdes de synthèse*,
*nouveaux produits de synthèse*, *tranquillisants/sédatifs*, ...).

Hierarchy (each substance has at most one parent)::

    all_drugs, illicit_drugs                (aggregates, no children listed)
    alcohol, tobacco, caffeine, chocolate, semeron (fictitious control)
    cannabis
    stimulants
    ├── cocaine
    │   ├── crack
    │   └── coca_paste
    └── psychostimulants                    (ICD-10 T43.6)
        ├── amphetamines
        │   └── methamphetamine
        ├── ecstasy
        └── prescription_stimulants
    opioids
    ├── opiates
    │   ├── heroin
    │   └── opium
    ├── prescription_opioids
    ├── natural_semisynthetic_opioids       (T40.2)
    ├── methadone                           (T40.3)
    ├── synthetic_opioids                   (T40.4, excluding methadone)
    │   └── fentanyl
    ├── natural_semisynthetic_opioids_methadone      (T40.2-T40.3, VSRR aggregate)
    └── natural_semisynthetic_synthetic_opioids      (T40.2-T40.4, VSRR aggregate)
    hallucinogens
    ├── lsd, mushrooms, pcp
    tranquillizers_sedatives
    ├── tranquillizers
    │   └── benzodiazepines
    ├── sedatives
    │   └── barbiturates
    └── ghb
    inhalants
    └── poppers
    nps                                     (UNODC's NPS sheets)
    ├── ketamine                            (NSDUH asks it among hallucinogens)
    ├── synthetic_cannabinoids
    ├── synthetic_cathinones
    │   └── mephedrone
    ├── piperazines, salvia, khat, kratom
    └── other_nps                           (an NPS the source names "other NPS")
    cocaine_heroin_methamphetamine          (NHANES "HardDrugs" aggregate)
    over_the_counter, other_drugs

Source codes that denote *no* substance (TEDS ``SUB1 = 1`` "None",
``-9`` missing; VSRR "Number of Deaths" (all causes), "Percent with drugs
specified") are listed in :func:`mapping` with an empty ``substance`` and
:func:`from_source` returns ``None`` for them; codes that are not listed at
all raise :class:`~drugtrends.errors.UnknownVariableError`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from drugtrends.errors import DataNotFoundError, SchemaError, UnknownVariableError
from drugtrends.validate import check_choice

__all__ = [
    "Substance",
    "SOURCES",
    "get",
    "ids",
    "label",
    "ancestors",
    "descendants",
    "is_a",
    "from_source",
    "mapping",
    "all_substances",
    "icd10_codes",
]


@dataclass(frozen=True)
class Substance:
    """One substance (or substance group) of the harmonised taxonomy.

    Attributes
    ----------
    id : str
        Stable snake_case identifier used in every tidy table (``substance``).
    label_en, label_fr : str
        Display labels; French follows the OFDT vocabulary.
    parent : str or None
        Id of the broader group this substance belongs to.
    icd10 : str or None
        ICD-10 poisoning (T) codes used for drug-induced deaths, when defined.
    atc : str or None
        WHO ATC code or group of the medicinal substance, when relevant.
    note : str
        Scope notes (what is included, known source differences).

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> s = taxonomy.get("crack")
    >>> type(s).__name__, s.id, s.parent, s.label_en
    ('Substance', 'crack', 'cocaine', 'Crack cocaine')
    """

    id: str
    label_en: str
    label_fr: str
    parent: str | None = None
    icd10: str | None = None
    atc: str | None = None
    note: str = ""


_S = Substance
_SUBSTANCES: tuple[Substance, ...] = (
    # aggregates
    _S("all_drugs", "All drugs", "toutes drogues", None, "X40-X44, X60-X64, X85, Y10-Y14",
       note="Any drug; for overdose deaths, the ICD-10 underlying causes of drug poisoning."),
    _S("illicit_drugs", "Illicit drugs", "drogues illicites",
       note="Any illicit drug (e.g. NSDUH ILL* recodes, which include misuse of prescription drugs)."),
    # licit products
    _S("alcohol", "Alcohol", "alcool", None, "T51", None),
    _S("tobacco", "Tobacco/nicotine", "tabac", None, None, None, "Tobacco and nicotine products."),
    _S("caffeine", "Caffeine", "caféine", None, None, "N06BC01"),
    _S("chocolate", "Chocolate", "chocolat", note="Asked in the UCI drug consumption survey as a licit reference item."),
    _S("semeron", "Semeron (fictitious)", "séméron (substance fictive)",
       note="Fictitious drug of the UCI survey, used to detect over-claiming; any reported use flags the respondent."),
    # cannabis
    _S("cannabis", "Cannabis", "cannabis", None, "T40.7", None, "Herb, resin, oil; excludes synthetic cannabinoids."),
    # stimulants
    _S("stimulants", "Stimulants", "stimulants", note="Cocaine and psychostimulants."),
    _S("cocaine", "Cocaine", "cocaïne", "stimulants", "T40.5", None,
       "All forms: cocaine salt (powder), crack, coca paste, cocaine base."),
    _S("crack", "Crack cocaine", "crack", "cocaine", None, None, "Smokable cocaine base (crack, freebase)."),
    _S("coca_paste", "Coca paste (cocaine base paste)", "pâte de coca (pasta base)", "cocaine", None, None,
       "Coca paste / cocaine base paste: pasta básica, paco, basuco (South America)."),
    _S("psychostimulants", "Psychostimulants with abuse potential", "psychostimulants", "stimulants", "T43.6", None,
       "Amphetamine-type stimulants including ecstasy and prescription stimulants (ICD-10 T43.6)."),
    _S("amphetamines", "Amphetamines", "amphétamines", "psychostimulants", None, None,
       "Amphetamine and methamphetamine (UNODC 'amphetamines'; ATS excluding ecstasy)."),
    _S("methamphetamine", "Methamphetamine", "méthamphétamine", "amphetamines"),
    _S("ecstasy", "MDMA/ecstasy", "MDMA/ecstasy", "psychostimulants", None, None, "'Ecstasy'-type substances (MDMA, MDA, MDEA)."),
    _S("prescription_stimulants", "Prescription stimulants (non-medical use)",
       "stimulants médicamenteux (usage non médical)", "psychostimulants", None, "N06BA",
       "Methylphenidate, pharmaceutical amphetamines, used without prescription or not as directed."),
    # opioids
    _S("opioids", "Opioids", "opioïdes", None, "T40.0-T40.4, T40.6", "N02A",
       "Opiates, synthetic opioids and prescription opioids."),
    _S("opiates", "Opiates", "opiacés", "opioids", "T40.0-T40.1", None, "Opium, morphine, heroin."),
    _S("heroin", "Heroin", "héroïne", "opiates", "T40.1"),
    _S("opium", "Opium", "opium", "opiates", "T40.0"),
    _S("prescription_opioids", "Prescription opioids (non-medical use)", "opioïdes médicamenteux", "opioids", None, "N02A",
       "Pharmaceutical opioids (pain relievers such as oxycodone, codeine, tramadol) used non-medically."),
    _S("natural_semisynthetic_opioids", "Natural and semi-synthetic opioids", "opioïdes naturels et semi-synthétiques",
       "opioids", "T40.2", None, "Morphine, codeine, oxycodone, hydrocodone (ICD-10 'other opioids')."),
    _S("methadone", "Methadone", "méthadone", "opioids", "T40.3", "N07BC02"),
    _S("synthetic_opioids", "Synthetic opioids (excl. methadone)", "opioïdes de synthèse (hors méthadone)",
       "opioids", "T40.4", None, "Fentanyl and analogues, tramadol, nitazenes; excludes methadone (T40.3)."),
    _S("fentanyl", "Fentanyl and analogues", "fentanyl et analogues", "synthetic_opioids", None, "N01AH01"),
    _S("natural_semisynthetic_opioids_methadone", "Natural and semi-synthetic opioids incl. methadone",
       "opioïdes naturels et semi-synthétiques, méthadone incluse", "opioids", "T40.2-T40.3", None,
       "Aggregate published by CDC VSRR."),
    _S("natural_semisynthetic_synthetic_opioids", "Natural, semi-synthetic and synthetic opioids incl. methadone",
       "opioïdes naturels, semi-synthétiques et de synthèse, méthadone incluse", "opioids", "T40.2-T40.4", None,
       "Aggregate published by CDC VSRR (all opioids except opium, heroin and unspecified narcotics)."),
    # hallucinogens
    _S("hallucinogens", "Hallucinogens", "hallucinogènes", None, "T40.8-T40.9"),
    _S("lsd", "LSD", "LSD", "hallucinogens", "T40.8"),
    _S("mushrooms", "Hallucinogenic mushrooms", "champignons hallucinogènes", "hallucinogens", None, None,
       "Psilocybin mushrooms."),
    _S("pcp", "PCP (phencyclidine)", "PCP (phencyclidine)", "hallucinogens"),
    # tranquillizers and sedatives
    _S("tranquillizers_sedatives", "Tranquillizers and sedatives (non-medical use)", "tranquillisants/sédatifs",
       None, "T42", "N05", "Benzodiazepines, barbiturates, other hypnotics, used without prescription or not as directed."),
    _S("tranquillizers", "Tranquillizers", "tranquillisants", "tranquillizers_sedatives", None, "N05B"),
    _S("benzodiazepines", "Benzodiazepines", "benzodiazépines", "tranquillizers", "T42.4", "N05BA"),
    _S("sedatives", "Sedatives and hypnotics", "sédatifs et hypnotiques", "tranquillizers_sedatives", None, "N05C"),
    _S("barbiturates", "Barbiturates", "barbituriques", "sedatives", "T42.3", "N05CA"),
    _S("ghb", "GHB/GBL", "GHB/GBL", "tranquillizers_sedatives", None, "N07XX04",
       "Gamma-hydroxybutyrate and its precursor GBL; UNODC reports it with sedatives and tranquillizers."),
    # inhalants
    _S("inhalants", "Inhalants and solvents", "solvants et inhalants", None, None, None, "Volatile substances."),
    _S("poppers", "Poppers (alkyl nitrites)", "poppers", "inhalants", None, None, "Amyl and other alkyl nitrites."),
    # new psychoactive substances
    _S("nps", "New psychoactive substances", "nouveaux produits de synthèse", None, None, None,
       "Substances not under international control at the time of survey ('legal highs'); "
       "UNODC includes ketamine and plant-based NPS."),
    _S("synthetic_cannabinoids", "Synthetic cannabinoids", "cannabinoïdes de synthèse", "nps"),
    _S("synthetic_cathinones", "Synthetic cathinones", "cathinones de synthèse", "nps", None, None, "Mephedrone, MDPV, 3-MMC..."),
    _S("ketamine", "Ketamine", "kétamine", "nps", None, "N01AX03",
       "Dissociative anaesthetic; UNODC and the EU drugs agency report it with NPS (its parent here); "
       "NSDUH counts it among hallucinogens."),
    _S("mephedrone", "Mephedrone (4-MMC)", "méphédrone (4-MMC)", "synthetic_cathinones"),
    _S("piperazines", "Piperazines (BZP...)", "pipérazines (BZP...)", "nps"),
    _S("salvia", "Salvia divinorum", "Salvia divinorum", "nps", note="Plant-based NPS."),
    _S("khat", "Khat", "khat", "nps", note="Plant-based NPS (Catha edulis)."),
    _S("kratom", "Kratom (Mitragyna speciosa)", "kratom (Mitragyna speciosa)", "nps", note="Plant-based NPS."),
    _S("other_nps", "Other NPS", "autres NPS", "nps",
       note="An NPS category the source names 'other NPS' (often excluding ketamine and synthetic cannabinoids)."),
    # other aggregates and residual categories
    _S("cocaine_heroin_methamphetamine", "Cocaine, heroin or methamphetamine", "cocaïne, héroïne ou méthamphétamine",
       note="NHANES 'HardDrugs' (DUQ240): ever used cocaine, heroin or methamphetamine."),
    _S("over_the_counter", "Over-the-counter medications", "médicaments en vente libre"),
    _S("other_drugs", "Other drugs", "autres drogues", note="Residual category of a source."),
)

_BY_ID: dict[str, Substance] = {s.id: s for s in _SUBSTANCES}


# ---------------------------------------------------------------------------
# Source mappings: data/codebooks/substance_codes_<source>.csv
# (columns code, label as published, substance id or empty, note)
# ---------------------------------------------------------------------------

_CODEBOOK_PREFIX = "substance_codes_"


def _codebook_dirs() -> list[Path]:
    """Folders holding the codebooks: the project's ``data/codebooks`` (source
    checkout), else the copy packaged inside the wheel (``drugtrends/codebooks``)."""
    here = Path(__file__).resolve()
    return [here.parents[2] / "data" / "codebooks", here.parent / "codebooks"]


def _read_tables() -> dict[str, tuple[tuple[str, str, str | None, str], ...]]:
    """Read every ``substance_codes_<source>.csv`` once, at import."""
    for folder in _codebook_dirs():
        files = sorted(folder.glob(f"{_CODEBOOK_PREFIX}*.csv"))
        if files:
            break
    else:  # pragma: no cover - broken installation
        raise DataNotFoundError(
            f"No {_CODEBOOK_PREFIX}*.csv codebook found in {[str(d) for d in _codebook_dirs()]}; "
            "reinstall drugtrends (the wheel packages data/codebooks)."
        )
    tables = {}
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or set(rows[0]) != {"code", "label", "substance", "note"}:
            raise SchemaError(f"{f}: a substance codebook needs the columns code, label, substance, note.")
        tables[f.stem[len(_CODEBOOK_PREFIX):]] = tuple(
            (r["code"], r["label"], r["substance"] or None, r["note"]) for r in rows
        )
    return tables


_TABLES = _read_tables()
#: Sources whose codes :func:`from_source` understands (one codebook file each).
SOURCES = tuple(_TABLES)

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def ids() -> list[str]:
    """Return every substance id, in taxonomy order.

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> "crack" in taxonomy.ids()
    True
    """
    return [s.id for s in _SUBSTANCES]


def get(id: str) -> Substance:
    """Return the :class:`Substance` with this id.

    Parameters
    ----------
    id : str
        A substance id such as ``"cocaine"``.

    Returns
    -------
    Substance

    Raises
    ------
    UnknownVariableError
        The id is not in the taxonomy (the message lists the valid ids).

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.get("crack").parent
    'cocaine'
    """
    try:
        return _BY_ID[id]
    except (KeyError, TypeError):
        raise UnknownVariableError(
            f"Unknown substance id {id!r}. Valid ids: {', '.join(ids())}."
        ) from None


def label(id: str, lang: str = "en") -> str:
    """Return the display label of a substance.

    Parameters
    ----------
    id : str
        Substance id.
    lang : {"en", "fr"}
        Language; French follows the OFDT vocabulary.

    Returns
    -------
    str

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.label("synthetic_opioids", "fr")
    'opioïdes de synthèse (hors méthadone)'
    >>> taxonomy.label("heroin", "fr")
    'héroïne'
    """
    s = get(id)
    check_choice(lang, "lang", ("en", "fr"))
    return s.label_en if lang == "en" else s.label_fr


def ancestors(id: str) -> list[str]:
    """Return the ids of the broader groups of ``id``, nearest first.

    Parameters
    ----------
    id : str
        A substance id of the taxonomy.

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.ancestors("fentanyl")
    ['synthetic_opioids', 'opioids']
    """
    out: list[str] = []
    parent = get(id).parent
    while parent is not None:
        if parent in out:  # pragma: no cover - guarded by tests
            raise RuntimeError(f"taxonomy cycle at {parent!r}")
        out.append(parent)
        parent = _BY_ID[parent].parent
    return out


@cache
def _children() -> dict[str, tuple[str, ...]]:
    kids: dict[str, list[str]] = {s.id: [] for s in _SUBSTANCES}
    for s in _SUBSTANCES:
        if s.parent is not None:
            kids[s.parent].append(s.id)
    return {k: tuple(v) for k, v in kids.items()}


def descendants(id: str, include_self: bool = True) -> list[str]:
    """Return ``id`` and every substance below it (depth first, taxonomy order).

    Parameters
    ----------
    id : str
        Substance id.
    include_self : bool
        Put ``id`` itself first (default).

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.descendants("cocaine")
    ['cocaine', 'crack', 'coca_paste']
    >>> taxonomy.descendants("amphetamines", include_self=False)
    ['methamphetamine']
    """
    get(id)
    out: list[str] = [id] if include_self else []
    stack = list(reversed(_children()[id]))
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(reversed(_children()[cur]))
    return out


def is_a(id: str, ancestor: str) -> bool:
    """Return True if ``id`` is ``ancestor`` or lies below it.

    Parameters
    ----------
    id, ancestor : str
        Substance ids of the taxonomy (an unknown ``ancestor`` is an error).

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.is_a("heroin", "opioids"), taxonomy.is_a("cocaine", "opioids")
    (True, False)
    """
    get(ancestor)
    return id == ancestor or ancestor in ancestors(id)


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\xa0": " "})


def _norm(source: str, code: object) -> str:
    """Normalise a source code for lookup."""
    if source == "teds":
        if isinstance(code, float) and code.is_integer():
            code = int(code)
        return str(code).strip().upper()
    text = re.sub(r"\s+", " ", str(code).translate(_QUOTES)).strip()
    if source in ("unodc", "vsrr", "uci", "nhanes", "nchs"):
        return text.casefold()
    return text.upper()


@cache
def _lookup(source: str) -> dict[str, str | None]:
    return {_norm(source, code): sub for code, _lab, sub, _note in _TABLES[source]}


_TCODE = re.compile(r"T(\d{2})\.(\d)")


def icd10_codes(text: str) -> list[str]:
    """Expand the ICD-10 T-codes named in a text (ranges included).

    Parameters
    ----------
    text : str
        E.g. ``"Opioids (T40.0-T40.4,T40.6)"``.

    Returns
    -------
    list of str
        Sorted unique codes, e.g. ``['T40.0', 'T40.1', 'T40.2', 'T40.3', 'T40.4', 'T40.6']``.

    Examples
    --------
    >>> from drugtrends.taxonomy import icd10_codes
    >>> icd10_codes("Natural, semi-synthetic, & synthetic opioids, incl. methadone (T40.2-T40.4)")
    ['T40.2', 'T40.3', 'T40.4']
    >>> icd10_codes("Number of Deaths")
    []
    """
    text = str(text)
    codes: set[str] = set()
    for m in re.finditer(r"T(\d{2})\.(\d)\s*-\s*T(\d{2})\.(\d)", text):
        a, b, c, d = m.groups()
        if a == c:
            codes.update(f"T{a}.{k}" for k in range(int(b), int(d) + 1))
    for m in _TCODE.finditer(text):
        codes.add(f"T{m.group(1)}.{m.group(2)}")
    return sorted(codes)


@cache
def _vsrr_by_codes() -> dict[tuple[str, ...], str]:
    out = {}
    for code, _lab, sub, _note in _TABLES["vsrr"]:
        t = tuple(icd10_codes(code))
        if t and sub is not None:
            out[t] = sub
    return out


def _nsduh_stem(code: str) -> str | None:
    """Resolve an NSDUH variable name to a stem of the mapping table."""
    table = _lookup("nsduh")
    cands = [code]
    if code.startswith("IR"):
        cands.append(code[2:])
    for c in list(cands):
        for suf in ("FLAG", "EVER", "EVR", "REC", "RC", "YR", "MON", "LIF", "AGE", "YFQ", "FY", "30N", "30FQ",
                    "INIT", "YFU"):
            if c.endswith(suf) and len(c) > len(suf):
                cands.append(c[: -len(suf)])
    for c in cands:
        if c in table:
            return c
    # longest known stem that prefixes the name (e.g. MRJMON -> MRJ)
    best = None
    for c in cands:
        for stem in table:
            if c.startswith(stem) and len(stem) >= 2 and (best is None or len(stem) > len(best)):
                best = stem
    return best


def from_source(source: str, code: object) -> str | None:
    """Map a source's code (column, value, sheet or indicator) to a substance id.

    Parameters
    ----------
    source : {"teds", "nsduh", "uci", "unodc", "vsrr", "nhanes", "nchs"}
        The data source.
    code : str or int
        * ``teds``: a ``SUB1``/``SUB2``/``SUB3`` value (1..20, -9) or a flag
          name (``COKEFLG``...);
        * ``nsduh``: a variable stem (``MRJ``, ``PNRNM``) or a PUF variable
          (``IRMJRC``, ``COCYR``, ``IRPNRNMREC``);
        * ``uci``: a column of the drug consumption file (``Coke``, ``Meth`` =
          methadone);
        * ``unodc``: a sheet name of annex 1.2/1.4 or a drug group / drug
          label of 2.1 and 7.1 (case, spacing and curly quotes ignored);
        * ``vsrr``: an ``Indicator`` value (matched by label, else by its set
          of ICD-10 T-codes);
        * ``nhanes``: a variable of NHANESraw (``Marijuana``, ``HardDrugs``)
          or of the official DUQ file;
        * ``nchs``: a ``PANEL`` of the NCHS overdose death-rate table.

    Returns
    -------
    str or None
        The substance id; ``None`` for codes the source uses for "no
        substance" (TEDS ``1``/``-9``, VSRR all-cause deaths and percent
        specified, UNODC precursors).

    Raises
    ------
    UnknownVariableError
        The code is not known for this source (the message lists known codes).

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> taxonomy.from_source("teds", 3), taxonomy.from_source("uci", "Meth")
    ('cocaine', 'methadone')
    >>> taxonomy.from_source("vsrr", "Synthetic opioids, excl. methadone (T40.4)")
    'synthetic_opioids'
    >>> taxonomy.from_source("nsduh", "IRPNRNMREC")
    'prescription_opioids'
    >>> taxonomy.from_source("teds", 1) is None
    True
    """
    if source not in _TABLES:
        raise UnknownVariableError(f"Unknown source {source!r}. Valid sources: {', '.join(SOURCES)}.")
    key = _norm(source, code)
    table = _lookup(source)
    if key in table:
        return table[key]
    if source == "vsrr":
        codes = tuple(icd10_codes(str(code)))
        if codes in _vsrr_by_codes():
            return _vsrr_by_codes()[codes]
    if source == "nsduh":
        stem = _nsduh_stem(key)
        if stem is not None:
            return table[stem]
    known = [c for c, *_ in _TABLES[source]]
    raise UnknownVariableError(
        f"{source}: code {code!r} is not in the substance mapping. Known codes: {', '.join(map(str, known[:40]))}"
        f"{' ...' if len(known) > 40 else ''}. Add it to data/codebooks/{_CODEBOOK_PREFIX}{source}.csv "
        "if it is a new code of the source."
    )


def mapping(source: str) -> pd.DataFrame:
    """Return the mapping table of one source.

    Parameters
    ----------
    source : {"teds", "nsduh", "uci", "unodc", "vsrr", "nhanes", "nchs"}

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``code`` (str, as published), ``label``,
        ``substance`` (id, or missing for non-substance codes), ``note``.

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> m = taxonomy.mapping("uci")
    >>> m.loc[m.code == "Coke", "substance"].item()
    'cocaine'
    """
    if source not in _TABLES:
        raise UnknownVariableError(f"Unknown source {source!r}. Valid sources: {', '.join(SOURCES)}.")
    rows = [
        {"source": source, "code": str(c), "label": lab, "substance": sub, "note": note}
        for c, lab, sub, note in _TABLES[source]
    ]
    df = pd.DataFrame(rows, columns=["source", "code", "label", "substance", "note"])
    return df.astype({"source": "string", "code": "string", "label": "string", "substance": "string", "note": "string"})


def all_substances() -> pd.DataFrame:
    """Return the whole taxonomy as a table.

    Returns
    -------
    pandas.DataFrame
        One row per substance: ``id``, ``label_en``, ``label_fr``, ``parent``,
        ``level`` (0 for top-level), ``icd10``, ``atc``, ``note``.

    Examples
    --------
    >>> from drugtrends import taxonomy
    >>> t = taxonomy.all_substances()
    >>> int(t.set_index("id").loc["fentanyl", "level"])
    2
    """
    rows = [
        {"id": s.id, "label_en": s.label_en, "label_fr": s.label_fr, "parent": s.parent,
         "level": len(ancestors(s.id)), "icd10": s.icd10, "atc": s.atc, "note": s.note}
        for s in _SUBSTANCES
    ]
    df = pd.DataFrame(rows)
    return df.astype({c: "string" for c in ("id", "label_en", "label_fr", "parent", "icd10", "atc", "note")})


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
