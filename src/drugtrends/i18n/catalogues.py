"""The message catalogues (``src/drugtrends/locales/<lang>.yaml``): lookup, plurals, checks, category levels.

See :mod:`drugtrends.i18n`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from drugtrends.errors import InputError, UnknownVariableError
from drugtrends.i18n.typography import typeset

__all__ = [
    "LANGS", "DEFAULT_LANG", "LOCALES_DIR", "BABEL_LOCALES", "check_lang", "t", "t_or", "has", "keys",
    "section", "catalogue", "reload", "identical_allowed", "missing_keys", "untranslated",
    "placeholder_mismatches", "level", "level_order", "levels", "slug",
]

#: Supported report languages (first is the default).
LANGS: tuple[str, ...] = ("en", "fr")
#: The language used when none is given.
DEFAULT_LANG = "en"
#: Folder holding ``en.yaml``, ``fr.yaml``.
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
#: Babel locale per report language.
BABEL_LOCALES = {"en": "en_US", "fr": "fr_FR"}
#: Top-level keys starting with this are metadata, not messages (e.g. ``_identical``).
_META = "_"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise :class:`~drugtrends.errors.InputError`.

    Parameters
    ----------
    lang
        Language code.

    Returns
    -------
    str
        ``lang`` unchanged.

    Examples
    --------
    >>> check_lang("fr")
    'fr'
    """
    if lang not in LANGS:
        raise InputError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)} "
                         "(e.g. `-P lang=fr`).")
    return lang


# --------------------------------------------------------------------------- catalogue


def _flatten(d: Mapping, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        k = str(k)
        if not prefix and k.startswith(_META):
            continue
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


@cache
def _raw(lang: str) -> Mapping:
    import yaml

    path = LOCALES_DIR / f"{check_lang(lang)}.yaml"
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"message catalogue {path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise InputError(f"message catalogue {path.name} must be a mapping of sections.")
    return data


@cache
def catalogue(lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """All messages of a language as a flat ``{"section.key": text}`` mapping.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict

    Examples
    --------
    >>> catalogue("en")["common.year"]
    'Year'
    """
    flat = _flatten(_raw(lang))
    return {k: typeset(v, lang) for k, v in flat.items()} if lang == "fr" else flat


def reload() -> None:
    """Forget the cached catalogues (after editing a YAML file in a running session).

    Returns
    -------
    None

    Examples
    --------
    >>> reload()
    """
    _raw.cache_clear()
    catalogue.cache_clear()


def keys(lang: str = DEFAULT_LANG) -> set[str]:
    """Every message key of a language.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    set of str

    Examples
    --------
    >>> "common.year" in keys("fr")
    True
    """
    return set(catalogue(lang))


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    """Whether ``key`` exists in the catalogue of ``lang``.

    Parameters
    ----------
    key
        Dotted key.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    bool

    Examples
    --------
    >>> has("common.year"), has("common.no_such_key")
    (True, False)
    """
    return key in catalogue(lang)


def section(name: str, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The messages of one section (or sub-section), keyed by the rest of their path.

    Parameters
    ----------
    name
        ``"levels.sex"``, ``"plots"``...
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict
        In catalogue order.

    Examples
    --------
    >>> section("levels.sex", "fr")["female"]
    'Femmes'
    """
    p = name.rstrip(".") + "."
    return {k[len(p):]: v for k, v in catalogue(lang).items() if k.startswith(p)}


def _unknown(key: str, lang: str) -> UnknownVariableError:
    from difflib import get_close_matches

    near = get_close_matches(key, list(catalogue(lang)), n=3)
    hint = f" Did you mean: {', '.join(near)}?" if near else ""
    return UnknownVariableError(
        f"message {key!r} is not in the {lang} catalogue (src/drugtrends/locales/{lang}.yaml).{hint} "
        "Add it to every language's catalogue, in your own section.")


def t(key: str, lang: str = DEFAULT_LANG, **values: Any) -> str:
    """The message ``key`` in ``lang``, with its ``{placeholders}`` filled.

    Values are inserted as given (format numbers first with :func:`fmt_number`,
    :func:`fmt_percent`, :func:`fmt_ci`...). Messages may also use format specs
    (``{n:,}``), which do not follow the locale, so prefer preformatted values.

    Parameters
    ----------
    key
        Dotted key, ``"section.name"``.
    lang
        ``"en"`` or ``"fr"``.
    **values
        Placeholder values.

    Returns
    -------
    str

    Raises
    ------
    drugtrends.errors.UnknownVariableError
        The key is not in the catalogue (the message names close keys).
    drugtrends.errors.InputError
        A placeholder of the message has no value.

    Examples
    --------
    >>> t("common.source_prefix", "fr") == "Source\\u00a0: "
    True
    >>> t("tables.n_eq", "en", n="1,200")
    'n = 1,200'
    """
    check_lang(lang)
    cat = catalogue(lang)
    if key not in cat:
        raise _unknown(key, lang)
    msg = cat[key]
    if not isinstance(msg, str):
        return msg
    if not values and "{" not in msg:
        return msg
    try:
        return typeset(msg.format_map(values), lang)
    except KeyError as exc:
        raise InputError(f"message {key!r} ({lang}) needs a value for placeholder {exc}; "
                         f"pass it as t({key!r}, lang, {exc.args[0]}=...).") from None


def t_or(key: str, default: Any, lang: str = DEFAULT_LANG, **values: Any) -> Any:
    """The message ``key`` in ``lang`` when the catalogue has it, else ``default``.

    For labels with an optional translation (a country, a method code): one
    call instead of ``t(key) if has(key) else default``.

    Parameters
    ----------
    key
        Dotted key.
    default
        Returned when ``key`` is not in the catalogue of ``lang``.
    lang
        ``"en"`` or ``"fr"``.
    **values
        Placeholder values, as for :func:`t`.

    Returns
    -------
    str or object

    Examples
    --------
    >>> t_or("common.countries.germany", "Germany", "fr"), t_or("common.countries.atlantis", "Atlantis", "fr")
    ('Allemagne', 'Atlantis')
    """
    return t(key, lang, **values) if has(key, lang) else default


# --------------------------------------------------------------------------- checks


def missing_keys(langs: Iterable[str] = LANGS) -> dict[str, list[str]]:
    """Keys present in some language's catalogue but missing from ``lang``.

    Parameters
    ----------
    langs
        Languages to compare.

    Returns
    -------
    dict
        ``lang -> sorted missing keys`` (empty lists when complete).

    Examples
    --------
    >>> missing_keys()
    {'en': [], 'fr': []}
    """
    langs = list(langs)
    allk = set().union(*(keys(x) for x in langs))
    return {x: sorted(allk - keys(x)) for x in langs}


def identical_allowed() -> set[str]:
    """Keys whose French text may equal the English one (the ``_identical`` list of ``fr.yaml``).

    Returns
    -------
    set of str

    Examples
    --------
    >>> "common.source" in identical_allowed()
    True
    """
    allow = _raw("fr").get("_identical", []) or []
    return {str(a) for a in allow}


def untranslated(lang: str = "fr", base: str = "en") -> list[str]:
    """Keys whose text in ``lang`` is identical to ``base`` and not on the allow-list.

    The allow-list (proper nouns, acronyms, words spelled the same) is the
    ``_identical`` list at the top of ``fr.yaml``; an entry ending in ``.*``
    allows a whole section. Messages without any letter (``"n = {n}"``) pass.

    Parameters
    ----------
    lang, base
        Languages compared.

    Returns
    -------
    list of str

    Examples
    --------
    >>> untranslated()
    []
    """
    a, b = catalogue(lang), catalogue(base)
    allow = identical_allowed()
    prefixes = tuple(x[:-1] for x in allow if x.endswith(".*"))
    out = []
    for k, v in a.items():
        if k in b and v == b[k] and isinstance(v, str) and re.search(r"[A-Za-z]{2}", v):
            if k in allow or (prefixes and k.startswith(prefixes)):
                continue
            out.append(k)
    return sorted(out)


def _fields(s: Any) -> set[str]:
    if not isinstance(s, str):
        return set()
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def placeholder_mismatches(langs: Iterable[str] = LANGS) -> dict[str, tuple[set, set]]:
    """Keys whose placeholders differ between languages (a French text missing ``{n}``...).

    Parameters
    ----------
    langs
        Languages compared (the first is the reference).

    Returns
    -------
    dict
        ``key -> (placeholders in the first language, in the other)``.

    Examples
    --------
    >>> placeholder_mismatches()
    {}
    """
    langs = list(langs)
    ref = catalogue(langs[0])
    out = {}
    for other in langs[1:]:
        cat = catalogue(other)
        for k, v in ref.items():
            if k in cat and _fields(v) != _fields(cat[k]):
                out[k] = (_fields(v), _fields(cat[k]))
    return out


# --------------------------------------------------------------------------- category levels


def slug(value: Any) -> str:
    """Catalogue key of a category value: lower case, runs of other characters as ``_``.

    Parameters
    ----------
    value
        A category as coded in the data (``"College Grad"``, ``"9 - 11th Grade"``).

    Returns
    -------
    str

    Examples
    --------
    >>> slug("9 - 11th Grade"), slug("College Grad"), slug(60)
    ('9_11th_grade', 'college_grad', '60')
    """
    s = str(value).strip().lower()
    s = s.replace("+", "plus").replace("<", "lt").replace(">", "gt")
    s = re.sub(r"[^0-9a-zà-ÿ]+", "_", s).strip("_")
    return s or "_"


def level(variable: str, value: Any, lang: str = DEFAULT_LANG, default: Any = None) -> str:
    """Display label of one category of a variable, from the ``levels`` section.

    Parameters
    ----------
    variable
        Sub-section of ``levels`` (``"sex"``, ``"education"``, ``"race"``, ``"age_band"``...).
    value
        The value as coded (looked up by :func:`slug`).
    lang
        ``"en"`` or ``"fr"``.
    default
        Returned when the level is not in the catalogue; ``None`` raises.

    Returns
    -------
    str

    Raises
    ------
    drugtrends.errors.UnknownVariableError
        The level is unknown and no default was given (a raw category must never be printed).

    Examples
    --------
    >>> level("sex", "female", "fr"), level("education", "College Grad", "en")
    ('Femmes', 'College graduate')
    """
    key = f"levels.{variable}.{slug(value)}"
    if has(key, lang):
        return t(key, lang)
    if default is not None:
        return default
    raise _unknown(key, lang)


def levels(variable: str, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """All levels of a variable: ``slug -> label``, in display order.

    Parameters
    ----------
    variable
        Sub-section of ``levels``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict

    Examples
    --------
    >>> list(levels("sex", "en").values())
    ['Men', 'Women']
    """
    return section(f"levels.{variable}", lang)


def level_order(variable: str, values: Iterable[Any]) -> list:
    """Sort category values in the catalogue's display order (unknown values last, as given).

    Parameters
    ----------
    variable
        Sub-section of ``levels``.
    values
        Values as coded.

    Returns
    -------
    list

    Examples
    --------
    >>> level_order("education", ["College Grad", "8th Grade", "High School"])
    ['8th Grade', 'High School', 'College Grad']
    """
    order = {k: i for i, k in enumerate(levels(variable, DEFAULT_LANG))}
    vals = list(dict.fromkeys(values))
    return sorted(vals, key=lambda v: (order.get(slug(v), len(order)), vals.index(v)))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
