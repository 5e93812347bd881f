"""Labels and citations shared by the trends report and the fact sheets: compared countries, sources, substances.

Split out of :mod:`drugtrends_reports.trends` (issue 22): every text comes from the message catalogue.
"""

from __future__ import annotations

from drugtrends import i18n, style

__all__ = ["COUNTRIES", "source", "country_label", "in_country", "sub_lower", "sub_fields"]

#: Countries compared, in display order: report id -> names used by the UNODC annex.
#: The United Kingdom's national series in annex 1.2 covers England and Wales.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "France": ("France",),
    "Germany": ("Germany",),
    "Spain": ("Spain",),
    "Italy": ("Italy",),
    "Netherlands": ("Netherlands (Kingdom of the)", "Netherlands"),
    "Belgium": ("Belgium",),
    "United Kingdom": ("United Kingdom (England and Wales)",),
    "United States": ("United States of America",),
}

#: Report source keys -> ``common.sources`` keys (one place for source strings).
_SOURCES = {"unodc12": "unodc_prevalence", "unodc14": "unodc_youth", "unodc21": "unodc_perception",
            "unodc71": "unodc_seizures", "vsrr": "vsrr", "nchs": "nchs_overdose", "uci": "uci"}
#: Sources cited from the trends report's own catalogue entries.
_OWN_SOURCES = {"ww": "trends.ww.source", "offences": "trends.fr_off.source"}


def source(table: str, lang: str = "en") -> str:
    """Citation of a source of these reports (from :func:`drugtrends_reports.common.source`).

    Parameters
    ----------
    table
        ``"unodc12"``, ``"unodc14"``, ``"unodc21"``, ``"unodc71"``, ``"vsrr"``,
        ``"nchs"`` or ``"uci"``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> source("unodc71")
    'UNODC, World Drug Report 2025, statistical annex, table 7.1'
    """
    from drugtrends_reports import common

    if table in _OWN_SOURCES:
        return i18n.t(_OWN_SOURCES[table], lang)
    return common.source(_SOURCES[table], lang)


def country_label(country: str, lang: str = "en") -> str:
    """Display name of a report country id (short form for panels and tables).

    Parameters
    ----------
    country
        Key of :data:`COUNTRIES`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> country_label("Germany", "fr")
    'Allemagne'
    """
    key = f"common.countries.{i18n.slug(country)}"
    return i18n.t_or(key, country, lang)


def in_country(country: str, lang: str = "en") -> str:
    """"In France" / "En France", "In the United States" / "Aux États-Unis" (sentence start).

    Parameters
    ----------
    country
        Key of :data:`COUNTRIES`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> in_country("United States", "fr")
    'Aux États-Unis'
    """
    key = f"trends.in_country.{i18n.slug(country)}"
    return i18n.t_or(key, country, lang)


def sub_lower(substance: str, lang: str = "en") -> str:
    """Substance name inside a sentence (lower case unless an acronym, e.g. MDMA).

    Parameters
    ----------
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> sub_lower("cocaine", "fr")
    'cocaïne'
    """
    s = style.substance_label(substance, lang)
    return s if s[:2].isupper() else s[:1].lower() + s[1:]


def sub_fields(substance: str, lang: str = "en") -> dict[str, str]:
    """Placeholders ``sub`` and ``of_sub`` (``de cocaïne`` / ``d'ecstasy`` in French) for catalogue texts.

    Parameters
    ----------
    substance
        Taxonomy id.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    dict

    Examples
    --------
    >>> sub_fields("opioids", "fr")["of_sub"], sub_fields("cocaine", "en")["of_sub"]
    ("d'opioïdes", 'cocaine')
    """
    sub = sub_lower(substance, lang)
    vowel = sub[:1].lower() in "aeiouyhéèêâîôûœ"
    return {"sub": sub, "of_sub": i18n.t("trends.of_vowel" if vowel else "trends.of_consonant", lang, sub=sub)}
