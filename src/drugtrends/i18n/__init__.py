"""One message catalogue per language and locale-aware formatting (Babel).

Every user-visible string of the figures, tables and reports lives in
``src/drugtrends/locales/<lang>.yaml``: one YAML file per language, with the
same keys in each, grouped in top-level sections (``common``, ``plots``,
``tables``, ``levels``, ``profiles``, ``methods``, ``trends``,
``factsheet``, ``high_risk``...). A key is written ``section.name`` (nested
mappings give longer dotted paths). Placeholders use :meth:`str.format`
syntax and are filled with already-formatted values::

    t("profiles.n_model", lang="fr", n=fmt_number(4821, lang="fr"))

Numbers, percentages, intervals and dates are formatted with Babel for the
locale (English ``2.7%``, ``69,894``, ``2.4–3.0``; French ``2,7 %``,
``69 894``, ``2,4–3,0``), the same way in prose, tables and figure ticks
(:func:`tick_formatter`). French follows the OFDT vocabulary
(*expérimentation* = lifetime use, *usage dans l'année* = past year,
*usage dans le mois* = past month, *usage régulier*).

This module imports nothing from drugtrends but :mod:`drugtrends.errors`, so
any layer may use it.

Examples
--------
>>> t("common.year", lang="fr")
'Année'
>>> fmt_percent(2.7, lang="fr") == "2,7\\u202f%"
True
>>> fmt_ci(2.44, 3.01, lang="fr")
'2,4–3,0'
"""
from __future__ import annotations

from drugtrends.i18n.catalogues import (
    DEFAULT_LANG,
    LANGS,
    LOCALES_DIR,
    catalogue,
    check_lang,
    has,
    identical_allowed,
    keys,
    level,
    level_order,
    levels,
    missing_keys,
    placeholder_mismatches,
    reload,
    section,
    slug,
    t,
    t_or,
    untranslated,
)
from drugtrends.i18n.formatting import (
    LocaleFormatter,
    Translator,
    bind,
    fmt_ci,
    fmt_date,
    fmt_estimate,
    fmt_number,
    fmt_percent,
    fmt_signed,
    join_words,
    tick_formatter,
    tn,
)

__all__ = [
    "LANGS", "DEFAULT_LANG", "check_lang", "t", "t_or", "tn", "has", "keys", "section", "catalogue",
    "reload", "identical_allowed", "missing_keys", "untranslated", "placeholder_mismatches", "level",
    "level_order", "levels", "slug", "fmt_number", "fmt_percent", "fmt_ci", "fmt_estimate", "fmt_date",
    "fmt_signed", "join_words", "tick_formatter", "LocaleFormatter", "bind", "Translator",
    "LOCALES_DIR",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
