"""Shared helpers for the reports: loading with a readable fallback, notes, formatting.

A report must never stop on a traceback because a dataset is missing:
:func:`try_load` returns ``(None, message)`` and :func:`note` displays that
message (which dataset, and the ``drugtrends fetch`` command that gets it).
Errors that are *bugs* (anything that is not a missing/unverifiable dataset)
still propagate, so they are not hidden.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from drugtrends import style
from drugtrends.errors import (
    ChecksumError,
    DataNotFoundError,
    FetchError,
    UnknownDatasetError,
)

__all__ = [
    "try_load", "fetch_command", "note", "setup",
    "pct", "num", "join_words", "heading", "say", "show", "de", "capitalise", "MISSING_ERRORS",
]

#: Errors that mean "this dataset is not available here" (not a bug).
MISSING_ERRORS = (DataNotFoundError, FetchError, ChecksumError, UnknownDatasetError)



def fetch_command(dataset_id: str) -> str:
    """Return the shell command that fetches the files behind a load id.

    Load ids can be finer than manifest ids (``unodc_prevalence`` lives in
    manifest dataset ``unodc_wdr2025``); :data:`drugtrends.datasets.REGISTRY`
    maps them when it is available.

    Parameters
    ----------
    dataset_id
        Load id (``drugtrends.datasets.load``) or manifest id.

    Returns
    -------
    str

    Examples
    --------
    >>> fetch_command("teds_a")
    'drugtrends fetch teds_a'
    """
    manifest_id = dataset_id
    try:
        from drugtrends import datasets

        entry = getattr(datasets, "REGISTRY", {}).get(dataset_id)
        if entry is not None:
            manifest_id = getattr(entry, "manifest_id", None) or (
                entry[0] if isinstance(entry, (tuple, list)) else manifest_id)
    except ImportError:
        pass
    return f"drugtrends fetch {manifest_id}"


def try_load(dataset_id: str, lang: str = "en", **kwargs: Any) -> tuple[pd.DataFrame | None, str]:
    """Load a dataset, or explain why it is not available (never a traceback for missing data).

    Parameters
    ----------
    dataset_id
        Load id for :func:`drugtrends.datasets.load` (e.g. ``"unodc_prevalence"``).
    lang
        Language of the message (``"en"`` or ``"fr"``).
    **kwargs
        Passed to the loader.

    Returns
    -------
    (DataFrame or None, str)
        The data and ``""``; or ``None`` and a message naming the dataset, the
        reason and the command that fetches it.

    Examples
    --------
    >>> df, msg = try_load("no_such_dataset_xyz")
    >>> df is None and "no_such_dataset_xyz" in msg
    True
    """
    style.check_lang(lang)
    cmd = fetch_command(dataset_id)
    from drugtrends import datasets
    try:
        return datasets.load(dataset_id, **kwargs), ""
    except UnknownDatasetError as exc:
        if lang == "fr":
            return None, f"`{dataset_id}` n'est pas un identifiant de jeu de données connu ({exc})."
        return None, f"`{dataset_id}` is not a known dataset id ({exc})."
    except MISSING_ERRORS as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if len(reason) > 300:
            reason = reason[:297] + "..."
        if lang == "fr":
            return None, (f"Le jeu de données `{dataset_id}` n'est pas disponible ici ({reason}). "
                          f"Pour le récupérer : `{cmd}`, puis relancer le rendu du rapport.")
        return None, (f"Dataset `{dataset_id}` is not available here ({reason}). "
                      f"Fetch it with `{cmd}`, then render this report again.")



def note(message: str, kind: str = "warning"):
    """Display a message as a Markdown callout (HTML and PDF alike).

    Parameters
    ----------
    message
        Markdown text.
    kind
        Quarto callout type: ``"note"``, ``"warning"``, ``"important"``.

    Returns
    -------
    IPython.display.Markdown
        Display it (last expression of a cell, or ``display(...)``).

    Examples
    --------
    >>> note("Dataset `x` is missing.").data.splitlines()[0]
    '::: {.callout-warning}'
    """
    from IPython.display import Markdown

    return Markdown(f"::: {{.callout-{kind}}}\n{message}\n:::\n")


def setup(lang: str = "en") -> str:
    """Apply the house style and check the report language.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        ``lang``.

    Examples
    --------
    >>> setup("fr")
    'fr'
    """
    style.check_lang(lang)
    style.apply()
    return lang


def pct(value: float | None, digits: int = 1, lang: str = "en", scale: float = 1.0) -> str:
    """Format a percentage for prose (``2.7%`` / ``2,7 %``); "n/a" when missing.

    Parameters
    ----------
    value
        Number on the 0-100 scale (or 0-1 with ``scale=100``).
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.
    scale
        Multiplier applied first.

    Returns
    -------
    str

    Examples
    --------
    >>> pct(2.7)
    '2.7%'
    >>> pct(0.027, scale=100, lang="fr") == "2,7\\u00a0%"
    True
    >>> pct(None)
    'n/a'
    """
    if value is None or pd.isna(value):
        return "n/a" if lang == "en" else "n.d."
    return style.format_percent(float(value) * scale, digits, lang)


def num(value: float | None, digits: int = 0, lang: str = "en") -> str:
    """Format a count or number for prose with thousands separators.

    Parameters
    ----------
    value
        Number.
    digits
        Decimals.
    lang
        ``"en"`` (``71,568``) or ``"fr"`` (``71 568``).

    Returns
    -------
    str

    Examples
    --------
    >>> num(71568)
    '71,568'
    >>> num(71568, lang="fr") == "71\\u202f568"
    True
    """
    from drugtrends.tables import fmt_num

    if value is None or pd.isna(value):
        return "n/a" if lang == "en" else "n.d."
    return fmt_num(value, digits, lang, thousands=True)


def join_words(items: list[str], lang: str = "en") -> str:
    """Join words as prose: ``a, b and c`` / ``a, b et c``.

    Parameters
    ----------
    items
        Words.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> join_words(["France", "Spain", "Italy"])
    'France, Spain and Italy'
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    conj = " et " if lang == "fr" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def heading(level: int, en: str, fr: str, lang: str = "en") -> str:
    """A Markdown heading in the report language (print it from an ``output: asis`` cell).

    Parameters
    ----------
    level
        1-6.
    en, fr
        Texts.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> heading(2, "Cocaine", "Cocaïne", "fr")
    '\\n## Cocaïne\\n'
    """
    return "\n" + "#" * level + " " + (fr if style.check_lang(lang) == "fr" else en) + "\n"


def say(en: str, fr: str, lang: str = "en") -> str:
    """Pick the text of the report language.

    Parameters
    ----------
    en, fr
        Texts.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> say("Year", "Année", "fr")
    'Année'
    """
    return fr if style.check_lang(lang) == "fr" else en


def show(*objs: Any) -> None:
    """Display figures and tables in order; figures are closed after display.

    Closing matters in a notebook: an open pyplot figure is shown again at the
    end of the cell (after any table displayed in between).

    Parameters
    ----------
    *objs
        Matplotlib figures, :class:`drugtrends.tables.PubTable` objects, or
        anything IPython can display; ``None`` is skipped.

    Returns
    -------
    None

    Examples
    --------
    >>> show(None)
    """
    from IPython.display import display
    from matplotlib.figure import Figure

    for o in objs:
        if o is None:
            continue
        display(o)
        if isinstance(o, Figure):
            import matplotlib.pyplot as plt

            plt.close(o)


def de(word: str) -> str:
    """French "de" before a word, elided before a vowel or mute h (``d'opioïdes``).

    Parameters
    ----------
    word
        The following word.

    Returns
    -------
    str

    Examples
    --------
    >>> de("opioïdes"), de("cocaïne"), de("héroïne")
    ("d'opioïdes", 'de cocaïne', "d'héroïne")
    """
    return ("d'" if word[:1].lower() in "aeiouyhéèêâîôûœ" else "de ") + word


def capitalise(text: str) -> str:
    """Capitalise the first letter only (``opioïdes`` -> ``Opioïdes``; ``MDMA/ecstasy`` unchanged).

    Parameters
    ----------
    text
        Text.

    Returns
    -------
    str

    Examples
    --------
    >>> capitalise("opioïdes de synthèse")
    'Opioïdes de synthèse'
    """
    return text[:1].upper() + text[1:]
