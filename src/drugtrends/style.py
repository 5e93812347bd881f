"""House style: colour-blind-safe palette, figure defaults, labels and source notes.

Everything a figure needs to look the same across reports lives here:

* the Okabe-Ito palette (Okabe & Ito, 2008, *Color Universal Design*), with a
  **fixed colour per substance id and per sex**, so cocaine is the same blue in
  every chart of every report;
* :func:`apply` sets matplotlib defaults, including deterministic output
  (``svg.hashsalt``, no creation date in saved metadata: see
  :data:`SAVEFIG_METADATA`);
* :func:`source_note` and :func:`percent_axis` helpers;
* standard labels from the message catalogue (:func:`text`,
  :mod:`drugtrends.i18n`), substance names from :mod:`drugtrends.taxonomy`
  (:func:`substance_label`), locale tick labels (decimal commas in French:
  :func:`number_axis`, :func:`percent_axis`).

This module never computes a statistic.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any, cast

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.text import Text

from drugtrends import i18n

__all__ = [
    "OKABE_ITO", "SUBSTANCE_COLOURS", "SEX_COLOURS", "GREY", "SAVEFIG_METADATA",
    "LANGS", "TEXT_KEYS", "MIN_FONT_PT", "FIGURE_WIDTH_IN", "apply", "colour", "colours_for", "text", "substance_label",
    "source_note", "get_source_note", "percent_axis", "number_axis", "year_axis", "format_percent",
    "check_lang",
]

#: The eight Okabe-Ito colours (black first), in their published order.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Neutral grey for reference lines, notes and "other" categories.
GREY = "#7F7F7F"

#: Dark wine (Paul Tol's muted palette, colour-blind safe): a second purple, darker than reddish purple.
WINE = "#882255"

#: Fixed colour per substance id (taxonomy ids and common aliases).
#: Yellow is kept for rarely drawn classes: it is weak on white backgrounds. Orange is not given to
#: any substance: beside vermillion (opioids) it reads as the same colour (issue 23).
SUBSTANCE_COLOURS: dict[str, str] = {
    "all_drugs": OKABE_ITO["black"],
    "cannabis": OKABE_ITO["bluish_green"],
    "cocaine": OKABE_ITO["blue"],
    "amphetamines": OKABE_ITO["reddish_purple"],
    "psychostimulants": OKABE_ITO["reddish_purple"],
    "methamphetamine": OKABE_ITO["reddish_purple"],
    "ecstasy": WINE,
    "opioids": OKABE_ITO["vermillion"],
    "synthetic_opioids": OKABE_ITO["vermillion"],
    "heroin": OKABE_ITO["sky_blue"],
    "opiates": OKABE_ITO["sky_blue"],
    "prescription_opioids": OKABE_ITO["yellow"],
    "methadone": OKABE_ITO["yellow"],
    "natural_semisynthetic_opioids": OKABE_ITO["yellow"],
    "hard_drugs": WINE,
    "cocaine_heroin_methamphetamine": WINE,
    "stimulants": OKABE_ITO["reddish_purple"],
    "illicit_drugs": OKABE_ITO["black"],
    "natural_semisynthetic_opioids_methadone": OKABE_ITO["yellow"],
    "natural_semisynthetic_synthetic_opioids": OKABE_ITO["vermillion"],
    "fentanyl": OKABE_ITO["vermillion"],
    "tranquillizers_sedatives": GREY,
    "tranquillizers": GREY,
    "nps": GREY,
}

#: Fixed colour per sex (and for the total).
SEX_COLOURS: dict[str, str] = {
    "total": OKABE_ITO["black"],
    "both": OKABE_ITO["black"],
    "male": OKABE_ITO["blue"],
    "men": OKABE_ITO["blue"],
    "female": OKABE_ITO["vermillion"],
    "women": OKABE_ITO["vermillion"],
}

#: Metadata to pass to ``savefig`` so files do not embed a creation date.
SAVEFIG_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
    "png": {"Software": None},
}

#: Report languages (as :data:`drugtrends.i18n.LANGS`).
LANGS = i18n.LANGS

#: Smallest font size (points, at print size) of any text in a figure: tick labels
#: included, small multiples too. Figures are drawn at most :data:`FIGURE_WIDTH_IN`
#: wide so the PDF never scales them down below this.
MIN_FONT_PT = 7.0
#: Widest figure (inches): the A4 text width of the PDF reports (16 cm), so figures print at 100 %.
FIGURE_WIDTH_IN = 6.3

#: Short names kept for code written before the message catalogue: ``text(name)``
#: -> catalogue key (:mod:`drugtrends.i18n`). New code passes catalogue keys.
TEXT_KEYS: dict[str, str] = {
    "prevalence": "plots.prevalence",
    "past_year_prevalence": "plots.past_year_prevalence",
    "year": "common.year",
    "source": "common.source",
    "ci95": "common.ci95",
    "range": "common.range",
    "suppressed": "plots.suppressed",
    "suppressed_note": "plots.suppressed_note",
    "n_unweighted": "tables.n_unweighted",
    "estimate_pct": "tables.estimate_pct",
    "deaths": "plots.deaths",
    "deaths_12m": "plots.deaths_12m",
    "observed": "plots.observed",
    "fitted": "plots.fitted",
    "joinpoint": "plots.joinpoint",
    "apc": "plots.apc",
    "aapc": "plots.aapc",
    "segment": "tables.segment",
    "start": "tables.start",
    "end": "tables.end",
    "odds_ratio": "plots.odds_ratio",
    "break": "plots.break",
    "men": "common.men",
    "women": "common.women",
    "total": "levels.sex_total.total",
    "age": "common.age",
    "country": "common.country",
    "substance": "common.substance",
    "variable": "tables.variable",
    "level": "tables.level",
    "group": "tables.group",
    "percent": "plots.percent",
    "change_pp": "plots.change_pp",
    "unweighted": "plots.unweighted",
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language (:func:`drugtrends.i18n.check_lang`).

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
    return i18n.check_lang(lang)


def text(key: str, lang: str = "en") -> str:
    """Return a standard label in ``lang`` from the message catalogue.

    Parameters
    ----------
    key
        A catalogue key (``"plots.prevalence"``) or one of the short names of
        :data:`TEXT_KEYS` (``"prevalence"``, ``"year"``, ``"ci95"``...).
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> text("prevalence", "fr")
    'Prévalence (%)'
    >>> text("common.ci95")
    '95% CI'
    """
    return i18n.t(TEXT_KEYS.get(key, key), lang)


def substance_label(substance_id: str, lang: str = "en") -> str:
    """Return a substance's display name, from :mod:`drugtrends.taxonomy` when possible.

    Falls back to the id with underscores turned into spaces and a capital
    first letter when the taxonomy does not know the id (or is not installed).

    Parameters
    ----------
    substance_id
        Taxonomy id, e.g. ``"cocaine"``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> substance_label("not_a_substance_xyz")
    'Not a substance xyz'
    """
    check_lang(lang)
    try:
        from drugtrends import taxonomy

        lab = taxonomy.label(substance_id, lang)
        if lab:
            return str(lab)
    except Exception:  # unknown id or taxonomy not available: readable fallback
        pass
    s = str(substance_id).replace("_", " ").strip()
    return s[:1].upper() + s[1:]


def colour(key: str, default: str | None = None) -> str:
    """Return the fixed colour for a substance id or a sex.

    Parameters
    ----------
    key
        Substance id (``"cocaine"``), or sex (``"male"``, ``"female"``,
        ``"total"``); case-insensitive, spaces and hyphens count as underscores.
    default
        Colour to return when ``key`` has no fixed colour; if ``None``, a
        palette colour chosen deterministically from the key.

    Returns
    -------
    str
        Hex colour.

    Examples
    --------
    >>> colour("cocaine")
    '#0072B2'
    >>> colour("Female")
    '#D55E00'
    """
    k = str(key).strip().lower().replace(" ", "_").replace("-", "_")
    if k in SUBSTANCE_COLOURS:
        return SUBSTANCE_COLOURS[k]
    if k in SEX_COLOURS:
        return SEX_COLOURS[k]
    if default is not None:
        return default
    cycle = [c for n, c in OKABE_ITO.items() if n not in ("black", "yellow")]
    # deterministic across runs (str hash is salted, so do not use hash())
    return cycle[sum(k.encode()) % len(cycle)]


def colours_for(keys, *, fixed: bool = True) -> dict[Any, str]:
    """Return a colour for each key: fixed colours first, then the palette in order.

    Parameters
    ----------
    keys
        Iterable of group keys (substance ids, sexes, countries, ...).
    fixed
        Use the fixed substance/sex colours when a key has one.

    Returns
    -------
    dict
        key -> hex colour, no two keys sharing a colour while the palette lasts.

    Examples
    --------
    >>> colours_for(["France", "Germany"])
    {'France': '#E69F00', 'Germany': '#56B4E9'}
    >>> colours_for(["cocaine", "France"])["cocaine"]
    '#0072B2'
    """
    keys = list(dict.fromkeys(keys))
    out: dict[Any, str] = {}
    used: set[str] = set()
    if fixed:
        for k in keys:
            c = colour(str(k), default="")
            if c and c not in used:
                out[k] = c
                used.add(c)
    cycle = [c for n, c in OKABE_ITO.items() if n != "yellow"][1:] + [OKABE_ITO["black"], OKABE_ITO["yellow"], GREY]
    free = [c for c in cycle if c not in used]
    i = 0
    for k in keys:
        if k in out:
            continue
        out[k] = free[i % len(free)] if free else cycle[i % len(cycle)]
        i += 1
    return {k: out[k] for k in keys}


def apply(*, font_size: float = 10.0) -> None:
    """Set the house matplotlib defaults (fonts, grid, colours, determinism).

    Deterministic output: ``svg.hashsalt`` is fixed so SVG ids do not change
    between runs; pass :data:`SAVEFIG_METADATA` ``[fmt]`` to ``savefig`` (or use
    :func:`drugtrends.plots.save`) so no creation date is written.

    Parameters
    ----------
    font_size
        Base font size in points.

    Returns
    -------
    None

    Examples
    --------
    >>> apply()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["svg.hashsalt"]
    'drugtrends'
    """
    mpl.rcParams.update({
        "svg.hashsalt": "drugtrends",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "figure.figsize": (FIGURE_WIDTH_IN, 3.9),
        "figure.constrained_layout.use": True,
        "font.size": font_size,
        "axes.titlesize": font_size + 2,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": font_size,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#DDDDDD",
        "grid.linewidth": 0.6,
        "axes.prop_cycle": cycler(color=colours_for(  # mpl.cycler is matplotlib.rcsetup.cycler
            [f"_c{i}" for i in range(8)], fixed=False).values()),
        "legend.frameon": False,
        "legend.fontsize": font_size - 1,
        "lines.linewidth": 1.8,
        "lines.markersize": 4.5,
        "xtick.labelsize": font_size - 1,
        "ytick.labelsize": font_size - 1,
    })


def source_note(ax_or_fig: Axes | Figure, note: str, *, lang: str = "en") -> Text:
    """Write a source note under a figure (left-aligned, small, grey).

    The note is tagged (``gid="source_note"``) so :func:`get_source_note` and
    tests can find it. ``"Source: "`` (or ``"Source : "`` in French) is
    prepended unless the text already starts with it.

    Parameters
    ----------
    ax_or_fig
        An Axes (note placed under its x-axis label) or a Figure (note placed
        at the bottom-left of the figure).
    note
        The source text, e.g. ``"UNODC, World Drug Report 2025, annex table 1.2"``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    matplotlib.text.Text
        The note artist.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> source_note(ax, "UNODC").get_text()
    'Source: UNODC'
    >>> plt.close(fig)
    """
    prefix = i18n.t("common.source_prefix", lang)
    body = note if note.lower().startswith("source") else prefix + note
    fs = mpl.rcParams["font.size"] - 2
    # matplotlib types ax.figure as Figure | SubFigure; used as the Figure it is here
    fig0 = cast(Figure, ax_or_fig.figure) if isinstance(ax_or_fig, Axes) else ax_or_fig
    # wrap to ~80% of the figure width (about 0.6 em per character): the note then fits under
    # the axes and the layout engine only makes room below, never squeezes the axes sideways
    width_chars = max(40, int(fig0.get_figwidth() * 72 * 0.8 / (fs * 0.6)))
    body = "\n".join(textwrap.fill(line, width_chars) if line else line for line in body.split("\n"))
    if isinstance(ax_or_fig, Axes):
        ax = ax_or_fig
        t: Text  # an Annotation (a Text) under an axes, a figure Text otherwise
        # anchored at the figure's left edge (not the axes'): long category labels push the axes
        # right, and a note starting there would overflow the figure and widen the saved image
        t = ax.annotate(
            body, xy=(0.01, 0.0), xycoords=("figure fraction", ax.xaxis.label),
            xytext=(0, -6), textcoords="offset points", ha="left", va="top",
            fontsize=mpl.rcParams["font.size"] - 2, color="#555555", wrap=False,
            annotation_clip=False,
        )
        fig = ax.figure
    else:
        fig = ax_or_fig
        t = fig.text(0.01, 0.01, body, ha="left", va="bottom",
                     fontsize=mpl.rcParams["font.size"] - 2, color="#555555")
        # the figure grows by the note's height (plus a margin), reserved at the bottom of the
        # layout: a long note never squeezes or covers the panels
        lines = body.count("\n") + 1
        note_in = (lines * 1.35 * (mpl.rcParams["font.size"] - 2) + 8) / 72
        fig.set_figheight(fig.get_figheight() + note_in)
        frac = note_in / fig.get_figheight()
        eng = fig.get_layout_engine()
        if eng is not None and hasattr(eng, "set"):
            set_rect: Callable[..., None] = eng.set  # typed as the base set(), which takes no rect
            try:
                set_rect(rect=(0, frac, 1, 1 - frac))
            except TypeError:  # an engine without a rect setting: leave the layout alone
                pass
        t.set_gid("source_note")
        # outside the layout engine (its band is reserved above), inside the saved bounding box
        t.set_in_layout(True)
        return t
    t.set_gid("source_note")
    t.set_in_layout(True)  # so constrained layout and bbox_inches="tight" keep it in the image
    return t


def get_source_note(fig: Figure) -> str | None:
    """Return the text of a figure's source note, or ``None`` if it has none.

    Parameters
    ----------
    fig
        A figure drawn by :mod:`drugtrends.plots`.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = source_note(ax, "CDC")
    >>> get_source_note(fig)
    'Source: CDC'
    >>> plt.close(fig)
    """
    for t in fig.findobj(Text):
        if t.get_gid() == "source_note":
            return t.get_text()
    return None


def format_percent(value: float, digits: int = 1, lang: str = "en") -> str:
    """Format a number already on the 0-100 scale as a percentage (:func:`drugtrends.i18n.fmt_percent`).

    Parameters
    ----------
    value
        Percentage (e.g. ``2.7`` for 2.7 %).
    digits
        Decimals.
    lang
        ``"en"`` gives ``2.7%``; ``"fr"`` gives ``2,7 %`` (narrow no-break space).

    Returns
    -------
    str

    Examples
    --------
    >>> format_percent(2.7)
    '2.7%'
    >>> format_percent(2.7, lang="fr") == "2,7\u202f%"
    True
    """
    return i18n.fmt_percent(value, digits, lang)


def number_axis(ax: Axes, *, axis: str = "y", lang: str = "en", digits: int | None = None,
                percent: bool = False) -> Axes:
    """Locale tick labels on a numeric axis: decimal comma in French, thousands grouped, same decimals on every tick.

    Parameters
    ----------
    ax
        The axes.
    axis
        ``"y"``, ``"x"`` or ``"both"``.
    lang
        ``"en"`` or ``"fr"``.
    digits
        Fixed decimals (``None``: the fewest that show every tick).
    percent
        Append a percent sign to each tick.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = number_axis(ax, lang="fr")
    >>> ax.yaxis.get_major_formatter().format_ticks([0, 0.5, 1])
    ['0,0', '0,5', '1,0']
    >>> plt.close(fig)
    """
    check_lang(lang)
    for name in (("x", "y") if axis == "both" else (axis,)):
        if (ax.get_xscale() if name == "x" else ax.get_yscale()) != "linear":
            continue
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(i18n.tick_formatter(lang, digits, percent))
    return ax


def year_axis(ax: Axes, *, axis: str = "x") -> Axes:
    """Integer ticks without thousands separators on a year axis (``2015``, never ``2,015``).

    Parameters
    ----------
    ax
        The axes.
    axis
        ``"x"`` or ``"y"``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = year_axis(ax)
    >>> ax.xaxis.get_major_formatter()(2015.0, 0)
    '2015'
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True, nbins="auto", min_n_ticks=2))
    target.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}" if float(v).is_integer() else ""))
    return ax


def percent_axis(ax: Axes, *, axis: str = "y", digits: int | None = None, lang: str = "en") -> Axes:
    """Format an axis whose values are percentages on the 0-100 scale (the label carries the "%").

    Parameters
    ----------
    ax
        The axes.
    axis
        ``"y"`` or ``"x"``.
    digits
        Decimals on tick labels (``None``: the fewest that show every tick).
    lang
        ``"en"`` or ``"fr"`` (decimal comma).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = percent_axis(ax)
    >>> ax.yaxis.get_major_formatter()(2.0, 0)
    '2'
    >>> plt.close(fig)
    """
    return number_axis(ax, axis=axis, lang=lang, digits=digits)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
