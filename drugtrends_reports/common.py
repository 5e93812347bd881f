"""Shared helpers of every report, and the one page protocol.

**The page protocol** (issue 22). Every report step module exposes

* ``build(params, data=None) -> Context``: load (or take preloaded) data and
  compute once; the context is a frozen object that holds the language
  (``ctx.lang``), so nothing is shared between calls;
* ``sections(ctx) -> list``: the page as display items in order: Markdown
  strings, :class:`Fig` (a figure and its alt text), :class:`Title`,
  publication tables, key-figure boxes;

and a report cell only calls ``common.emit(M.sections(M.build(params)), lang)``.
:func:`emit` is the one renderer: it numbers figures and tables in order and
returns the :class:`Numbering` reached, so a later cell continues from it
(``n = emit(items, lang); emit(more, lang, n)``). There is no module state.

Other helpers: :func:`setup` applies the house style; :func:`try_load` never
lets a missing dataset become a traceback (``(None, sentence)``); the sentence
(with its fetch command) belongs to the methods appendix, never to a report
page, where a missing source appears only in the data-years table.

Every text comes from the message catalogue (:mod:`drugtrends.i18n`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from drugtrends import i18n, style
from drugtrends.errors import (
    ChecksumError,
    DataNotFoundError,
    FetchError,
    IntegrityError,
    UnknownDatasetError,
)

__all__ = [
    "MISSING_ERRORS", "Fig", "Title", "Numbering", "emit", "lang_of", "setup", "try_load", "fetch_command",
    "missing_dataset", "note", "show", "heading", "key_figures", "source", "breaks_table", "pct", "num",
    "join_words", "capitalise", "de",
]

#: Errors that mean "this dataset is not available here" (not a bug).
MISSING_ERRORS = (DataNotFoundError, FetchError, ChecksumError, IntegrityError, UnknownDatasetError)


@dataclass(frozen=True)
class Fig:
    """A figure to display with its alt text (what it shows, not only its title)."""

    figure: Any
    alt: str


@dataclass(frozen=True)
class Title:
    """The page title, set at run time (the renderer reads it from the display metadata)."""

    text: str


@dataclass(frozen=True)
class Numbering:
    """How many figures and tables a page has numbered so far (what :func:`emit` returns)."""

    figure: int = 0
    table: int = 0


def lang_of(params: Any) -> str:
    """The checked language of a report's parameters (a mapping with ``lang``, or the language itself).

    Examples
    --------
    >>> lang_of({"lang": "fr"}), lang_of("en"), lang_of({})
    ('fr', 'en', 'en')
    """
    lang = params if isinstance(params, str) else dict(params or {}).get("lang", "en")
    return i18n.check_lang(lang)


def setup(lang: str = "en") -> str:
    """Apply the house style and check the language.

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
    i18n.check_lang(lang)
    style.apply()
    return lang


def _emit_one(it: Any, lang: str, n: Numbering, alt: str | None = None) -> Numbering:
    from IPython.display import Markdown, display, publish_display_data
    from matplotlib.figure import Figure

    from drugtrends import plots
    from drugtrends.tables import PubTable

    if isinstance(it, Title):
        publish_display_data({"text/plain": ""}, metadata={"drugtrends": {"title": it.text}})
    elif isinstance(it, str):
        display(Markdown(it))
    elif isinstance(it, Fig):
        return _emit_one(it.figure, lang, n, it.alt) if it.figure is not None else n
    elif isinstance(it, Figure):
        import matplotlib.pyplot as plt

        num = n.figure + 1
        plots.number_figure(it, num, lang)
        text = alt or plots.alt_text(it) or plots.figure_title(it) or ""
        display(it, metadata={"drugtrends": {"alt": text, "number": num, "kind": "figure"}})
        plt.close(it)
        return Numbering(num, n.table)
    elif isinstance(it, PubTable) and it.title:
        display(it.numbered(n.table + 1, lang))
        return Numbering(n.figure, n.table + 1)
    else:
        display(it)
    return n


def emit(items: Iterable[Any], lang: str = "en", numbering: Numbering | None = None) -> Numbering:
    """Display a page's items in order: the one renderer of every report.

    Parameters
    ----------
    items
        Markdown strings, :class:`Fig`, :class:`Title`, matplotlib figures, PubTables (numbered when
        titled), key-figure boxes or anything IPython displays; ``None`` and blank strings are skipped.
    lang
        ``"en"`` or ``"fr"`` (the words "Figure" / "Table").
    numbering
        Where numbering starts (what an earlier :func:`emit` of the same page returned).

    Returns
    -------
    Numbering
        The last figure and table numbers used.

    Examples
    --------
    >>> emit([None, "  "])
    Numbering(figure=0, table=0)
    """
    i18n.check_lang(lang)
    n = numbering or Numbering()
    for it in items:
        if it is None or (isinstance(it, str) and not it.strip()):
            continue
        n = _emit_one(it, lang, n)
    return n


def fetch_command(dataset_id: str) -> str:
    """The shell command that fetches the files behind a ``dt.load`` id.

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
    >>> fetch_command("unodc_prevalence")
    'drugtrends fetch unodc_wdr2025'
    """
    from drugtrends import datasets

    entry = datasets.REGISTRY.get(dataset_id)
    manifest_id = getattr(entry, "manifest_id", None) or dataset_id
    return f"drugtrends fetch {manifest_id}"


def missing_dataset(dataset_id: str, lang: str = "en", *, changed: bool = False) -> str:
    """One sentence saying a section's dataset is not available, and how to fetch it.

    Parameters
    ----------
    dataset_id
        ``dt.load`` id.
    lang
        ``"en"`` or ``"fr"``.
    changed
        The files are present but do not match the manifest (fetch again with ``--force``).

    Returns
    -------
    str

    Examples
    --------
    >>> missing_dataset("teds_a")
    'This section needs the dataset teds_a, which is not available here; fetch it with `drugtrends fetch teds_a`, then render the report again.'
    """
    from drugtrends import datasets

    if dataset_id not in datasets.REGISTRY:
        return i18n.t("common.unknown_dataset", lang, dataset=dataset_id)
    cmd = fetch_command(dataset_id) + (" --force" if changed else "")
    return i18n.t("common.dataset_changed" if changed else "common.missing_dataset", lang,
                  dataset=dataset_id, command=cmd)


def try_load(dataset_id: str, lang: str = "en", **kwargs: Any) -> tuple[pd.DataFrame | None, str]:
    """Load a dataset, or say in one sentence why it is not available (never a traceback, never a path).

    Parameters
    ----------
    dataset_id
        Load id for :func:`drugtrends.datasets.load` (e.g. ``"unodc_prevalence"``).
    lang
        Language of the sentence.
    **kwargs
        Passed to the loader.

    Returns
    -------
    (DataFrame or None, str)
        The data and ``""``; or ``None`` and :func:`missing_dataset`'s sentence.

    Examples
    --------
    >>> df, msg = try_load("no_such_dataset_xyz")
    >>> df is None and "no_such_dataset_xyz" in msg
    True
    """
    i18n.check_lang(lang)
    from drugtrends import datasets

    try:
        return datasets.load(dataset_id, **kwargs), ""
    except (ChecksumError, IntegrityError):
        return None, missing_dataset(dataset_id, lang, changed=True)
    except MISSING_ERRORS:
        return None, missing_dataset(dataset_id, lang)


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


def heading(level: int, key: str, lang: str = "en", **values: Any) -> str:
    """A Markdown heading from the catalogue (print it from an ``output: asis`` cell).

    Parameters
    ----------
    level
        1-6.
    key
        Catalogue key.
    lang
        ``"en"`` or ``"fr"``.
    **values
        Placeholders.

    Returns
    -------
    str

    Examples
    --------
    >>> heading(2, "common.key_figures", "fr")
    '\\n## Chiffres clés\\n'
    """
    return "\n" + "#" * level + " " + i18n.t(key, lang, **values) + "\n"


def show(*objs: Any, alt: str | None = None, lang: str = "en", numbering: Numbering | None = None) -> Numbering:
    """Display objects with :func:`emit` (kept for pages not yet on the protocol).

    Parameters
    ----------
    *objs
        Items :func:`emit` accepts.
    alt
        Alt text of the (single) figure among ``objs``.
    lang
        ``"en"`` or ``"fr"``.
    numbering
        Where numbering starts.

    Returns
    -------
    Numbering

    Examples
    --------
    >>> show(None)
    Numbering(figure=0, table=0)
    """
    from matplotlib.figure import Figure

    items = [Fig(o, alt) if alt and isinstance(o, Figure) else o for o in objs]
    return emit(items, lang, numbering)


def key_figures(items: Sequence[Any], lang: str = "en", *, heading_level: int = 2) -> None:
    """Display the "Key figures" / "Chiffres clés" section: a heading and the box.

    Parameters
    ----------
    items
        :class:`drugtrends.keyfigures.KeyFigure` objects (``None`` skipped).
    lang
        ``"en"`` or ``"fr"``.
    heading_level
        Markdown heading level.

    Returns
    -------
    None

    Examples
    --------
    >>> from drugtrends.keyfigures import KeyFigure
    >>> key_figures([KeyFigure("x", 1.0)], "en")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    from drugtrends.keyfigures import KeyFigures

    display(Markdown(heading(heading_level, "common.key_figures", lang)))
    items = [i for i in items if i is not None]
    if items:
        display(KeyFigures(items, lang=lang, title=""))
    else:  # every dataset behind them is missing: the sections below say which
        display(Markdown(i18n.t("common.no_key_figures", lang)))


def source(dataset: str, lang: str = "en", **values: Any) -> str:
    """The source line of a dataset in the report language (``common.sources.<dataset>``).

    Parameters
    ----------
    dataset
        ``nhanes``, ``uci``, ``teds``, ``unodc_prevalence``, ``unodc_seizures``,
        ``unodc_perception``, ``vsrr``, ``nchs_overdose``.
    lang
        ``"en"`` or ``"fr"``.
    **values
        Placeholders (``year`` for TEDS).

    Returns
    -------
    str

    Examples
    --------
    >>> source("uci", "fr").startswith("UCI Machine Learning Repository")
    True
    """
    return i18n.t(f"common.sources.{dataset}", lang, **values)


def breaks_table(brks: pd.DataFrame, lang: str = "en", *, title_key: str = "common.breaks_title",
                 source_text: str | None = None):
    """The comparability breaks of published estimates, as a numbered-ready table.

    Reads :func:`drugtrends.comparability.break_table` output (``country``,
    ``substance``, ``indicator``, ``period``, ``year``, ``break_code``,
    ``break_reason``); reasons are the published text in English and the
    translated codes in French.

    Parameters
    ----------
    brks
        Break rows.
    lang
        ``"en"`` or ``"fr"``.
    title_key
        Catalogue key of the title.
    source_text
        Source line (default: UNODC prevalence).

    Returns
    -------
    drugtrends.tables.PubTable

    Examples
    --------
    >>> b = pd.DataFrame({"country": ["France"], "substance": ["cocaine"], "indicator": ["prevalence"],
    ...                   "period": ["past_year"], "year": [2017], "break_code": ["age_range"],
    ...                   "break_reason": ["age range changed from 15-64 to 18-64"]})
    >>> breaks_table(b, "fr").data.iloc[0].tolist()
    ['France', 'Cocaïne', "Usage dans l'année", '2017', "tranche d'âge modifiée"]
    """
    from drugtrends import tables
    from drugtrends.plots.base import reason_text

    period = [i18n.t_or(f"common.periods.{p}", str(p), lang) for p in brks["period"]]
    out = pd.DataFrame({
        i18n.t("common.country", lang): [i18n.t_or(f"common.countries.{i18n.slug(c)}", str(c), lang)
                                         for c in brks["country"]],
        i18n.t("common.substance", lang): [capitalise(style.substance_label(s, lang)) for s in brks["substance"]],
        i18n.t("common.indicator", lang): period,
        i18n.t("common.first_year", lang): [str(int(y)) for y in brks["year"]],
        i18n.t("common.reason", lang): [reason_text(r, lang) for _, r in brks.iterrows()],
    })
    return tables.simple_table(out, source=source_text or source("unodc_prevalence", lang),
                               title=i18n.t(title_key, lang), lang=lang)


def pct(value: float | None, digits: int = 1, lang: str = "en", scale: float = 1.0) -> str:
    """A percentage for prose (:func:`drugtrends.i18n.fmt_percent`).

    Examples
    --------
    >>> pct(2.7), pct(None)
    ('2.7%', 'n/a')
    """
    return i18n.fmt_percent(value, digits, lang, scale=scale)


def num(value: float | None, digits: int = 0, lang: str = "en") -> str:
    """A count or number for prose (:func:`drugtrends.i18n.fmt_number`).

    Examples
    --------
    >>> num(71568)
    '71,568'
    """
    return i18n.fmt_number(value, digits, lang)


def join_words(items: list[str], lang: str = "en") -> str:
    """Join words as prose (:func:`drugtrends.i18n.join_words`).

    Examples
    --------
    >>> join_words(["France", "Spain", "Italy"])
    'France, Spain and Italy'
    """
    return i18n.join_words(items, lang)


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
