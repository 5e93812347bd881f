"""Shared helpers of every report: one place for loading, notes, sources, breaks, numbering.

* :func:`setup` applies the house style and starts the figure/table numbering;
  :func:`show` displays figures (numbered, with their alt text as display
  metadata), tables (numbered) and key-figure boxes in order.
* :func:`try_load` never lets a missing dataset become a traceback: it returns
  ``(None, sentence)``, the sentence naming the dataset and the command that
  fetches it (:func:`missing_dataset`), never an exception text or a path.
* :func:`key_figures` prints the "Key figures" / "Chiffres clés" section.
* :func:`source` gives the source line of each dataset in the report language;
  :func:`breaks_table` lists the comparability breaks of published estimates.

Every text comes from the message catalogue (:mod:`drugtrends.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence
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
    "MISSING_ERRORS", "setup", "try_load", "fetch_command", "missing_dataset", "note", "show",
    "heading", "key_figures", "source", "breaks_table", "pct", "num", "join_words", "capitalise", "de",
    "current_lang",
]

#: Errors that mean "this dataset is not available here" (not a bug).
MISSING_ERRORS = (DataNotFoundError, FetchError, ChecksumError, IntegrityError, UnknownDatasetError)

_STATE: dict[str, Any] = {"lang": "en", "figure": 0, "table": 0}


def setup(lang: str = "en") -> str:
    """Apply the house style, check the language and restart figure/table numbers.

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
    _STATE.update(lang=lang, figure=0, table=0)
    return lang


def current_lang() -> str:
    """The language given to :func:`setup` (``"en"`` before any call).

    Returns
    -------
    str

    Examples
    --------
    >>> _ = setup("en"); current_lang()
    'en'
    """
    return _STATE["lang"]


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


def heading(level: int, key: str, lang: str | None = None, **values: Any) -> str:
    """A Markdown heading from the catalogue (print it from an ``output: asis`` cell).

    Parameters
    ----------
    level
        1-6.
    key
        Catalogue key.
    lang
        ``"en"`` or ``"fr"`` (default: the language given to :func:`setup`).
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
    return "\n" + "#" * level + " " + i18n.t(key, lang or current_lang(), **values) + "\n"


def show(*objs: Any, alt: str | None = None, lang: str | None = None) -> None:
    """Display figures, tables and key-figure boxes in order; figures and tables are numbered.

    A figure is titled "Figure n. ..." and displayed with its alt text (``alt``,
    else :func:`drugtrends.plots.alt_text`) in the output metadata
    (``{"drugtrends": {"alt": ..., "number": n, "kind": "figure"}}``), which
    the renderer writes into the ``<img alt>``; it is closed after display
    (an open pyplot figure would be shown again at the end of the cell). A
    :class:`~drugtrends.tables.PubTable` with a title becomes "Table n. ...".
    Strings are displayed as Markdown.

    Parameters
    ----------
    *objs
        Figures, PubTables, :class:`drugtrends.keyfigures.KeyFigures`, Markdown
        strings, or anything IPython displays; ``None`` is skipped.
    alt
        Alt text of the (single) figure among ``objs``, when the report knows better.
    lang
        Default: the language given to :func:`setup`.

    Returns
    -------
    None

    Examples
    --------
    >>> show(None)
    """
    from IPython.display import Markdown, display
    from matplotlib.figure import Figure

    from drugtrends import plots
    from drugtrends.tables import PubTable

    lang = lang or current_lang()
    for o in objs:
        if o is None:
            continue
        if isinstance(o, Figure):
            import matplotlib.pyplot as plt

            _STATE["figure"] += 1
            n = _STATE["figure"]
            plots.number_figure(o, n, lang)
            text = alt or plots.alt_text(o) or plots.figure_title(o) or ""
            display(o, metadata={"drugtrends": {"alt": text, "number": n, "kind": "figure"}})
            plt.close(o)
        elif isinstance(o, PubTable):
            if o.title:
                _STATE["table"] += 1
                o = o.numbered(_STATE["table"], lang)
            display(o)
        elif isinstance(o, str):
            display(Markdown(o))
        else:
            display(o)


def key_figures(items: Sequence[Any], lang: str | None = None, *, heading_level: int = 2) -> None:
    """Display the "Key figures" / "Chiffres clés" section: a heading and the box.

    Parameters
    ----------
    items
        :class:`drugtrends.keyfigures.KeyFigure` objects (``None`` skipped).
    lang
        Default: the language given to :func:`setup`.
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

    lang = lang or current_lang()
    display(Markdown(heading(heading_level, "common.key_figures", lang)))
    items = [i for i in items if i is not None]
    if items:
        display(KeyFigures(items, lang=lang, title=""))
    else:  # every dataset behind them is missing: the sections below say which
        display(Markdown(i18n.t("common.no_key_figures", lang)))


def source(dataset: str, lang: str | None = None, **values: Any) -> str:
    """The source line of a dataset in the report language (``common.sources.<dataset>``).

    Parameters
    ----------
    dataset
        ``nhanes``, ``uci``, ``teds``, ``unodc_prevalence``, ``unodc_seizures``,
        ``unodc_perception``, ``vsrr``, ``nchs_overdose``.
    lang
        Default: the language given to :func:`setup`.
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
    return i18n.t(f"common.sources.{dataset}", lang or current_lang(), **values)


def breaks_table(brks: pd.DataFrame, lang: str | None = None, *, title_key: str = "common.breaks_title",
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
        Default: the language given to :func:`setup`.
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

    lang = lang or current_lang()
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
