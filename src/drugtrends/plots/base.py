"""Building blocks shared by the house-style figures (breaks, series, notes, alt text, numbering).

Public so the figure modules of :mod:`drugtrends.plots` share one implementation;
report code uses :mod:`drugtrends.plots` itself.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import matplotlib
import matplotlib.pyplot as plt  # noqa: F401  (the docstring examples use plt)
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from drugtrends import i18n, style
from drugtrends.errors import InputError
from drugtrends.plots.layout import house_layout, place_title, wrap_to_figure
from drugtrends.validate import require_columns

__all__ = [
    "COMPARABILITY",
    "SUPPRESSED",
    "BREAK_REASON",
    "BREAK_CODE",
    "BREAK_NOTE",
    "SOURCE_LANG",
    "ALT_ATTR",
    "TITLE_ATTR",
    "require",
    "suppressed_mask",
    "fmt_x",
    "small_font",
    "normalise_breaks",
    "reason_text",
    "BreakNumbers",
    "group_cuts",
    "draw_break_line",
    "draw_breaks",
    "draw_series",
    "draw_segment",
    "supp_note",
    "is_time",
    "axes_format",
    "finish",
    "check_text_args",
    "few",
    "set_alt_text", "place_title", "wrap_to_figure",
    "alt_text",
    "figure_title",
    "number_figure",
    "save",
]

#: Boolean column of suppressed estimates (survey results: :data:`drugtrends.survey.ESTIMATE_COLUMNS`).
SUPPRESSED = "suppressed"
#: Column of published estimates whose value changes where a series stops being comparable
#: (:mod:`drugtrends.comparability`).
COMPARABILITY = "comparability_group"
#: Text of the reason for a break, on the first row of a new comparability group.
BREAK_REASON = "break_reason"
#: ``+``-joined short codes of the reason (translated with ``common.break_code.*``).
BREAK_CODE = "break_code"
#: Optional reason text already in the report's language (wins over the two above).
BREAK_NOTE = "break_note"
#: Language in which the data producers word ``break_reason`` (used verbatim in that language).
SOURCE_LANG = "en"

#: Figure attribute holding the alt text (:func:`set_alt_text`).
ALT_ATTR = "drugtrends_alt"
#: Figure attribute holding the title text (for the report's figure caption).
TITLE_ATTR = "drugtrends_title"


# --------------------------------------------------------------------------- helpers


def require(df: pd.DataFrame, cols: list, fn: str) -> None:
    """Raise :class:`~drugtrends.errors.UnknownVariableError` naming the plot when a column is absent.

    Parameters
    ----------
    df : DataFrame
        The data to draw.
    cols : list
        Column names (``None`` entries are optional columns not asked for).
    fn : str
        The plotting function, for the message.

    Examples
    --------
    >>> import pandas as pd
    >>> require(pd.DataFrame({"year": [2020], "estimate": [1.0]}), ["year", "rate"], "trend_plot")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownVariableError: trend_plot: column 'rate' is not in the data (2 columns). ...
    """
    require_columns(df, [c for c in cols if c is not None], what=f"{fn}: column")


def suppressed_mask(df: pd.DataFrame, suppressed: str | None) -> pd.Series:
    """Rows not to plot: the ``suppressed`` column as booleans (all False without one).

    Parameters
    ----------
    df : DataFrame
        The data to draw.
    suppressed : str or None
        The suppression column (missing values count as not suppressed).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [2019, 2020], "suppressed": [False, True]})
    >>> suppressed_mask(d, "suppressed").tolist(), suppressed_mask(d, None).tolist()
    ([False, True], [False, False])
    """
    if suppressed and suppressed in df.columns:
        return df[suppressed].fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def fmt_x(v: Any, lang: str = "en") -> str:
    """An x value for a note or label: whole floats without ``.0``, dates in ``lang``.

    Parameters
    ----------
    v : object
        The value.
    lang : {"en", "fr"}
        Language of dates.

    Examples
    --------
    >>> import pandas as pd
    >>> fmt_x(2015.0), fmt_x(2015.5), fmt_x(pd.Timestamp("2020-09-01"))
    ('2015', '2015.5', 'September 2020')
    """
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return i18n.fmt_date(v, lang)
    return str(v)


def small_font(delta: float = 2.0) -> float:
    """A smaller font size that never drops below the house minimum.

    Parameters
    ----------
    delta : float
        Points below the current ``font.size``.

    Examples
    --------
    >>> from drugtrends import style
    >>> small_font(100) >= style.MIN_FONT_PT
    True
    """
    return max(style.MIN_FONT_PT + 0.5, matplotlib.rcParams["font.size"] - delta)


def normalise_breaks(breaks: Any, facet_col: str | None = None) -> pd.DataFrame:
    """Explicit breaks as a DataFrame with columns ``x``, ``label`` (and ``facet``).

    Parameters
    ----------
    breaks : None, number, list, or DataFrame
        Break positions (numbers, or ``(x, label)`` pairs), or a frame with ``x`` (and ``label``, ``facet``).
    facet_col : str, optional
        The facet column of small multiples (breaks per panel).

    Examples
    --------
    >>> normalise_breaks([2015]).to_dict("list")
    {'x': [2015], 'label': [''], 'facet': [None]}
    """
    cols = ["x", "label", "facet"]
    if breaks is None:
        return pd.DataFrame(columns=cols)
    if isinstance(breaks, pd.DataFrame):
        require_columns(breaks, ["x"], what="breaks column")
        b = breaks.copy()
        if "label" not in b.columns:
            b["label"] = ""
        b["facet"] = b[facet_col] if facet_col and facet_col in b.columns else None
        return b[cols]
    rows = []
    for item in breaks:
        if isinstance(item, Mapping):
            rows.append({"x": item.get("x"), "label": item.get("label", ""),
                         "facet": item.get(facet_col) if facet_col else None})
        elif isinstance(item, (tuple, list)):
            rows.append({"x": item[0], "label": item[1] if len(item) > 1 else "", "facet": None})
        else:
            rows.append({"x": item, "label": "", "facet": None})
    return pd.DataFrame(rows, columns=cols)


def reason_text(row: pd.Series, lang: str) -> str:
    """Why a new comparability group starts: the catalogue text of its codes (French) or the published reason.

    Parameters
    ----------
    row : Series
        The first row of the new group (``break_reason`` and/or ``break_code``).
    lang : {"en", "fr"}
        Language of the text.

    Examples
    --------
    >>> import pandas as pd
    >>> reason_text(pd.Series({"break_reason": "new questionnaire"}), "en")
    'new questionnaire'
    """
    note = row.get(BREAK_NOTE)
    if isinstance(note, str) and note.strip():  # already in the page's language: used verbatim
        return note.strip()
    code = row.get(BREAK_CODE)
    reason = row.get(BREAK_REASON)
    if lang == SOURCE_LANG and isinstance(reason, str) and reason.strip():
        return reason.strip()
    if isinstance(code, str) and code.strip():
        parts = [i18n.t_or(f"common.break_code.{c}", i18n.t("common.break_code.unknown", lang), lang)
                 for c in code.split("+") if c]
        return "; ".join(dict.fromkeys(parts))
    if isinstance(reason, str) and reason.strip() and lang == SOURCE_LANG:
        return reason.strip()
    return i18n.t("common.break_code.unknown", lang)


class BreakNumbers:
    """Numbers the breaks of one figure by reason, for the dashed-line labels and the note.

    Labels are set when the note is written (:meth:`note`): with few reasons
    each detailed reason gets its number; with many (the note would crowd the
    figure) reasons are condensed to their kind (the text before any detail in
    parentheses or after a colon), so the note stays short; the details belong
    in the report's breaks table.

    Parameters
    ----------
    lang : {"en", "fr"}
        Language of the note.

    Examples
    --------
    >>> bn = BreakNumbers("en")
    >>> bn.number("new questionnaire"), bn.number("mode change"), bn.number("new questionnaire")
    ('1', '2', '1')
    >>> bn.note()
    'Dashed lines: breaks in series; values on either side are not comparable (1 = new questionnaire; 2 = mode change).'
    """

    #: At most this many distinct detailed reasons (and characters) before condensing.
    MAX_REASONS = 5
    MAX_CHARS = 450

    def __init__(self, lang: str):
        self.lang = lang
        self.marks: list[tuple[Any, str]] = []
        self.reasons: dict[str, int] = {}

    def number(self, reason: str, label: Any = None) -> str:
        """Register a break (its label artist, if any) and return its provisional number."""
        self.marks.append((label, reason))
        return str(self.reasons.setdefault(reason, len(self.reasons) + 1))

    def _merge_close_labels(self) -> None:
        """Labels of breaks too close to read apart in one panel become one label ("1,2"), never "1 1 2"."""
        by_axes: dict[int, list] = {}
        for artist, _ in self.marks:
            if artist is not None and artist.axes is not None:
                by_axes.setdefault(id(artist.axes), []).append(artist)
        for arts in by_axes.values():
            ax = arts[0].axes
            gap = arts[0].get_fontsize() * 1.3 * ax.figure.dpi / 72  # one rotated label's width, in pixels
            arts = sorted(arts, key=lambda a: a.get_position()[0])
            lead, lead_px, nums = None, -1e9, []
            for a in arts:
                px = ax.transData.transform((a.get_position()[0], 0))[0]
                num = a.get_text().strip()
                if lead is not None and px - lead_px < gap:
                    if num not in nums:
                        nums.append(num)
                    lead.set_text(" " + ",".join(nums))
                    a.set_visible(False)
                else:
                    lead, lead_px, nums = a, px, [num]

    @staticmethod
    def condensed(reason: str) -> str:
        """The kind of a reason: "age range changed (15-64 to 18-64)" -> "age range changed"."""
        return re.split(r" \(| : |: ", reason, maxsplit=1)[0].strip() or reason

    def note(self) -> str:
        if not self.reasons:
            return ""
        full = list(self.reasons)
        key: Callable[[str], str]
        if len(full) > self.MAX_REASONS or sum(map(len, full)) > self.MAX_CHARS:
            key = self.condensed
        else:
            def key(r: str) -> str:
                return r
        numbers: dict[str, int] = {}
        for r in full:
            numbers.setdefault(key(r), len(numbers) + 1)
        for artist, reason in self.marks:
            if artist is not None:
                artist.set_text(" " + str(numbers[key(reason)]))
        self._merge_close_labels()
        items = "; ".join(f"{n} = {r}" for r, n in numbers.items())
        return i18n.t("plots.breaks_note", self.lang, reasons=items)


def group_cuts(d: pd.DataFrame, x: str, comparability: str | None, lang: str) -> list[tuple[float, str]]:
    """Positions (midway) and reasons where a series' comparability group changes, in x order.

    Parameters
    ----------
    d : DataFrame
        One series.
    x : str
        The x column.
    comparability : str or None
        The comparability-group column (no cut without it).
    lang : {"en", "fr"}
        Language of the reasons.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a", "b", "b"],
    ...                   "break_reason": [None, "new questionnaire", None]})
    >>> [(float(x), why) for x, why in group_cuts(d, "year", "comparability_group", "en")]
    [(2014.5, 'new questionnaire')]
    """
    if not comparability or comparability not in d.columns or len(d) < 2:
        return []
    s = d.sort_values(x)
    try:
        xs = s[x].to_numpy(dtype=float)
    except (TypeError, ValueError):
        return []
    g = s[comparability].astype(object).where(s[comparability].notna(), None).tolist()
    out = []
    for i in range(1, len(s)):
        if g[i] != g[i - 1] and xs[i] != xs[i - 1]:
            out.append(((xs[i - 1] + xs[i]) / 2, reason_text(s.iloc[i], lang)))
    return out


def draw_break_line(ax: Axes, xpos: float, label: str, colour: str = style.GREY, numbered: BreakNumbers | None = None,
                    reason: str = ""):
    """A dashed vertical break line with a small label; with ``numbered``, the label is the reason's number.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    xpos : float
        Position of the break.
    label : str
        Its label (replaced by the reason's number with ``numbered``).
    colour : str
        Line colour.
    numbered : BreakNumbers, optional
        The figure's break numbering.
    reason : str
        Why the series breaks (for ``numbered``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> draw_break_line(ax, 2015.5, "new questionnaire").get_text()   # returns the label
    ' new questionnaire'
    >>> [line.get_gid() for line in ax.lines]
    ['break']
    >>> plt.close(fig)
    """
    line = ax.axvline(xpos, color=colour, linestyle="--", linewidth=1.0, zorder=1)
    line.set_gid("break")
    t = None
    if label or numbered is not None:
        t = ax.text(xpos, 0.98, " " + label, transform=ax.get_xaxis_transform(), rotation=90,
                    ha="right", va="top", fontsize=small_font(2.5), color="#555555")
        t.set_gid("break_label")
    if numbered is not None:
        assert t is not None  # drawn above whenever numbered is given
        t.set_text(" " + numbered.number(reason, t))
    return t


def draw_breaks(ax: Axes, b: pd.DataFrame, lang: str) -> None:
    """Draw the explicit breaks of :func:`normalise_breaks` as dashed lines with their labels.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    b : DataFrame
        ``x`` and ``label`` (an empty label is "break" in ``lang``).
    lang : {"en", "fr"}
        Language of the default label.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> draw_breaks(ax, normalise_breaks([2015]), "en")
    >>> [a.get_gid() for a in ax.lines]
    ['break']
    >>> plt.close(fig)
    """
    for _, r in b.iterrows():
        lab = r["label"] if isinstance(r["label"], str) and r["label"] else i18n.t("plots.break", lang)
        draw_break_line(ax, r["x"], lab)


def draw_series(ax: Axes, d: pd.DataFrame, x: str, y: str, ci_low: str | None,
                 ci_high: str | None, colour: str, label: str | None, scale: float,
                 supp: pd.Series, cuts: Any = None, marker: str = "o") -> None:
    """Draw one series; line and ribbon are never joined across a cut.

    ``cuts`` are break positions: a point at or after a cut belongs to the new
    definition, so the segment before the cut and the one after it are drawn apart.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    d : DataFrame
        The rows of the series.
    x, y : str
        Columns.
    ci_low, ci_high : str or None
        Interval columns.
    colour : str
        Line and ribbon colour.
    label : str or None
        Legend label.
    scale : float
        Multiplier of the values (100 for percentages).
    supp : Series of bool
        Suppressed rows (not drawn).
    cuts : sequence of float, optional
        Break positions: the series is drawn as separate stretches.
    marker : str
        Matplotlib marker.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016, 2017], "estimate": [1.0, 2, 3, 4],
    ...                   "ci_low": [0.5, 1.5, 2.5, 3.5], "ci_high": [1.5, 2.5, 3.5, 4.5]})
    >>> fig, ax = plt.subplots()
    >>> draw_series(ax, d, "year", "estimate", "ci_low", "ci_high", "#0072B2", "all", 1.0, d["year"] < 0, cuts=[2015.5])
    >>> len(ax.lines), [c.get_gid() for c in ax.collections]     # two stretches, never joined
    (2, ['ci_band', 'ci_band'])
    >>> plt.close(fig)
    """
    try:
        cut = np.sort(np.asarray([] if cuts is None else list(cuts), dtype=float))
        seg = np.searchsorted(cut, d[x].to_numpy(dtype=float), side="right")
    except (TypeError, ValueError):  # non-numeric x (labels): no splitting
        seg = np.zeros(len(d), dtype=int)
    for k, s_id in enumerate(np.unique(seg)):
        draw_segment(ax, d[seg == s_id], x, y, ci_low, ci_high, colour, label if k == 0 else None,
                      scale, supp, marker)


def draw_segment(ax: Axes, d: pd.DataFrame, x: str, y: str, ci_low: str | None,
                  ci_high: str | None, colour: str, label: str | None, scale: float,
                  supp: pd.Series, marker: str = "o") -> None:
    """Draw one comparable stretch: a line with markers and its confidence ribbon (``gid="ci_band"``).

    Parameters
    ----------
    ax : Axes
        Where to draw.
    d : DataFrame
        The rows of the stretch.
    x, y : str
        Columns.
    ci_low, ci_high : str or None
        Interval columns (no ribbon without them).
    colour : str
        Line and ribbon colour.
    label : str or None
        Legend label.
    scale : float
        Multiplier of the values (100 for percentages).
    supp : Series of bool
        Suppressed rows (not drawn).
    marker : str
        Matplotlib marker.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016, 2017], "estimate": [1.0, 2, 3, 4],
    ...                   "ci_low": [0.5, 1.5, 2.5, 3.5], "ci_high": [1.5, 2.5, 3.5, 4.5]})
    >>> fig, ax = plt.subplots()
    >>> draw_segment(ax, d, "year", "estimate", "ci_low", "ci_high", "#0072B2", "all", 1.0, d["year"] < 0)
    >>> len(ax.lines), [c.get_gid() for c in ax.collections]
    (1, ['ci_band'])
    >>> plt.close(fig)
    """
    d = d.sort_values(x)
    keep = ~supp.loc[d.index]
    yy = (d[y].astype(float) * scale).where(keep)
    xx = d[x]
    if ci_low and ci_high:
        lo = (d[ci_low].astype(float) * scale).where(keep)
        hi = (d[ci_high].astype(float) * scale).where(keep)
        okv = (lo.notna() & hi.notna()).to_numpy()
        # isolated points with an interval (no neighbour to make a ribbon) get whiskers
        iso = okv & ~(np.r_[False, okv[:-1]] | np.r_[okv[1:], False])
        ribbon = okv & ~iso
        if ribbon.any():
            band = ax.fill_between(xx.to_numpy(), lo.to_numpy(dtype=float), hi.to_numpy(dtype=float),
                                   where=ribbon, color=colour, alpha=0.18, linewidth=0, interpolate=False)
            band.set_gid("ci_band")
        if iso.any():
            # drawn from the bounds themselves: a published range need not contain the estimate
            xi = xx.to_numpy()[iso]
            lo_i, hi_i = lo.to_numpy(dtype=float)[iso], hi.to_numpy(dtype=float)[iso]
            wl = ax.vlines(xi, lo_i, hi_i, colors=colour, linewidth=1.0, alpha=0.8)
            wl.set_gid("ci_whisker")
            for yv in (lo_i, hi_i):
                cap, = ax.plot(xi, yv, linestyle="none", marker="_", color=colour, markersize=5, alpha=0.8)
                cap.set_gid("ci_cap")
    ax.plot(xx.to_numpy(), yy.to_numpy(dtype=float), color=colour, marker=marker, label=label, zorder=3)


def supp_note(df: pd.DataFrame, supp: pd.Series, x: str, group: str | None, lang: str,
               labels: Mapping | None = None) -> str:
    """The note line saying how many estimates were suppressed (not plotted) and where.

    Lists the first six (group and x value), then ``...``.

    Parameters
    ----------
    df : DataFrame
        The data drawn.
    supp : Series of bool
        Suppressed rows (:func:`suppressed_mask`).
    x : str
        The x column (years, dates or categories).
    group : str or None
        The group column, named before each x value.
    lang : {"en", "fr"}
        Language of the note.
    labels : mapping, optional
        Group value -> display label.

    Returns
    -------
    str
        The note, or ``""`` when nothing was suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"country": ["FR", "ES", "ES"], "year": [2020, 2021, 2022],
    ...                   "suppressed": [False, True, True]})
    >>> supp_note(d, suppressed_mask(d, "suppressed"), "year", "country", "en", {"ES": "Spain"})
    '2 estimates suppressed (unreliable), not shown: Spain 2021, Spain 2022.'
    >>> supp_note(d, suppressed_mask(d, None), "year", None, "en")
    ''
    """
    if not supp.any():
        return ""
    parts = []
    for _, r in df.loc[supp].iterrows():
        gl = (labels or {}).get(r[group], r[group]) if group else None
        parts.append(f"{gl} {fmt_x(r[x], lang)}" if group else fmt_x(r[x], lang))
    shown = ", ".join(parts[:6]) + (", ..." if len(parts) > 6 else "")
    return f"{i18n.tn('plots.n_suppressed', len(parts), lang)}: {shown}."


def is_time(values: pd.Series) -> bool:
    """True when x values are numbers (years, fractional years), drawn on a numeric axis.

    Parameters
    ----------
    values : Series
        The x column.

    Examples
    --------
    >>> import pandas as pd
    >>> is_time(pd.Series([2019, 2020])), is_time(pd.Series(["a", "b"]))
    (True, False)
    """
    return pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values)


def axes_format(ax: Axes, lang: str, *, x_is_year: bool, y: bool = True, x_numeric: bool = False) -> None:
    """Locale tick labels: years as plain integers, other numbers with the locale's separators.

    Parameters
    ----------
    ax : Axes
        The axes.
    lang : {"en", "fr"}
        Locale of the tick labels.
    x_is_year : bool
        x ticks as plain integer years.
    y : bool
        Format the y ticks too.
    x_numeric : bool
        x ticks as locale numbers (when not years).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2015, 2020], [1500.5, 2500.25])
    >>> axes_format(ax, "fr", x_is_year=True)
    >>> fig.canvas.draw()
    >>> any("\u202f" in t.get_text() or "," in t.get_text() for t in ax.get_yticklabels())   # French separators
    True
    >>> plt.close(fig)
    """
    if x_is_year:
        style.year_axis(ax, axis="x")
    elif x_numeric:
        style.number_axis(ax, axis="x", lang=lang)
    if y:
        style.number_axis(ax, axis="y", lang=lang)


def finish(ax: Axes, title: str, xlabel: str, ylabel: str, source: str, lang: str,
            extra_note: str = "", legend: bool = True) -> None:
    """Complete a one-panel house-style figure: title, axis labels, legend, source note, layout.

    The title (:func:`place_title`) and the source note start at the left edge
    of the drawn content, the tick labels or the y label (:func:`~drugtrends.plots.layout.align_left`),
    however long the category labels; the figure gets the
    :class:`~drugtrends.plots.layout.HouseLayout` (:func:`~drugtrends.plots.layout.house_layout`), so figure legends
    (``loc="outside ..."``) get a band of their own and never cover the
    source note or an axis title, even when :func:`drugtrends.style.apply`
    was not called. A y label longer than about half the figure's height is
    wrapped (it would run into the title).

    Parameters
    ----------
    ax : Axes
        The axes drawn.
    title : str
        The figure title (kept for :func:`figure_title` and :func:`number_figure`).
    xlabel, ylabel : str
        Axis labels (``ylabel`` may be ``""`` when the categories say it all).
    source : str
        The source, written under the figure (:func:`drugtrends.style.source_note`).
    lang : {"en", "fr"}
        Language of the note's ``Source:`` prefix.
    extra_note : str
        More note lines (suppressed estimates, breaks, what whiskers show).
    legend : bool
        Add an axes legend (``loc="best"``) when the artists have labels;
        ``False`` when the caller drew its own legend.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from drugtrends import style
    >>> fig, ax = plt.subplots()
    >>> _ = ax.barh([0, 1], [2.0, 3.5], tick_label=["Heroin", "Methamphetamine (lifetime, any route)"])
    >>> finish(ax, "Use in the past year", "Prevalence (%)", "", "NSDUH 2022", "en", "Whiskers: 95% CI.")
    >>> fig.get_suptitle(), figure_title(fig), style.get_source_note(fig)
    ('Use in the past year', 'Use in the past year', 'Source: NSDUH 2022\\nWhiskers: 95% CI.')
    >>> type(fig.get_layout_engine()).__name__
    'HouseLayout'
    >>> plt.close(fig)
    """
    house_layout(cast(Figure, ax.figure))
    place_title(ax, title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # a y label longer than the axes are high would run into the title: wrapped to about half the figure's height
    chars = max(20, int(cast(Figure, ax.figure).get_figheight() * 72 * 0.5 / (float(ax.yaxis.label.get_fontsize()) * 0.6)))
    if len(ylabel) > chars:
        ax.set_ylabel("\n".join(textwrap.fill(line, chars) for line in ylabel.split("\n")))
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    note = source if not extra_note else f"{source}\n{extra_note}"
    style.source_note(ax, note, lang=lang)
    setattr(ax.figure, TITLE_ATTR, title)


def check_text_args(fn: str, **kw: Any) -> None:
    """Refuse an empty title, axis label or source: every figure carries them.

    Parameters
    ----------
    fn : str
        The plotting function, for the message.
    **kw
        The texts, by argument name.

    Examples
    --------
    >>> check_text_args("trend_plot", title="Deaths", source="")
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: trend_plot: 'source' is required (every figure needs a title, axis labels and a source).
    """
    for k, v in kw.items():
        if not v:
            raise InputError(f"{fn}: '{k}' is required (every figure needs a title, axis labels and a source).")


def few(items: list, n: int = 6) -> str:
    """The first ``n`` items joined by commas, then ``...`` when there are more.

    Parameters
    ----------
    items : list
        Anything printable.
    n : int
        How many to show.

    Examples
    --------
    >>> few(list(range(10))), few(["a", "b"])
    ('0, 1, 2, 3, 4, 5, ...', 'a, b')
    """
    items = [str(i) for i in items]
    return ", ".join(items[:n]) + (", ..." if len(items) > n else "")


def set_alt_text(fig: Figure, text: str) -> Figure:
    """Attach an alt text to a figure (read by :func:`alt_text` and the report's ``show``).

    Parameters
    ----------
    fig
        The figure.
    text
        What the figure shows, in words (not only its title).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.

    Examples
    --------
    >>> fig = plt.figure()
    >>> alt_text(set_alt_text(fig, "Line chart of ..."))
    'Line chart of ...'
    >>> plt.close(fig)
    """
    setattr(fig, ALT_ATTR, str(text))
    return fig


def alt_text(fig: Figure) -> str | None:
    """The alt text a house-style figure carries (``None`` when it has none).

    Parameters
    ----------
    fig
        A figure drawn by this module.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from drugtrends.plots import trend_plot
    >>> d = pd.DataFrame({"year": [2017, 2023], "best": [1.7, 2.7]})
    >>> fig = trend_plot(d, "year", "best", title="Cocaine, France", source="UNODC")
    >>> alt_text(fig)
    'Line chart: Cocaine, France. Prevalence (%) by Year, 1 series (Cocaine, France), 2017 to 2023.'
    >>> plt.close(fig)
    """
    return getattr(fig, ALT_ATTR, None)


def figure_title(fig: Figure) -> str | None:
    """The title a house-style figure was drawn with (without its number).

    Parameters
    ----------
    fig
        A figure drawn by this module.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from drugtrends.plots import trend_plot
    >>> fig = trend_plot(pd.DataFrame({"year": [1, 2], "v": [1.0, 2.0]}), "year", "v", title="T", source="S")
    >>> figure_title(fig)
    'T'
    >>> plt.close(fig)
    """
    return getattr(fig, TITLE_ATTR, None)


def number_figure(fig: Figure, number: int, lang: str = "en") -> Figure:
    """Write "Figure n." before the figure's title (the suptitle, or the first axes' title).

    Parameters
    ----------
    fig
        A figure drawn by this module.
    number
        Its number in the report.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.

    Examples
    --------
    >>> from drugtrends.plots import trend_plot
    >>> fig = trend_plot(pd.DataFrame({"year": [1, 2], "v": [1.0, 2.0]}), "year", "v", title="T", source="S")
    >>> number_figure(fig, 3)._suptitle.get_text()
    'Figure 3. T'
    >>> plt.close(fig)
    """
    title = figure_title(fig)
    if title is None:
        return fig
    text = f"{i18n.t('common.figure', lang)} {number}. {title}"
    sup: Text | None = getattr(fig, "_suptitle", None)  # private attribute, not in matplotlib's stubs
    if sup is not None and sup.get_text():
        sup.set_text(wrap_to_figure(text, fig, float(sup.get_fontsize())))  # in points (stubs: float | str)
    elif fig.axes:
        place_title(fig.axes[0], text)
    return fig



def save(fig: Figure, path: str | Path, **kwargs: Any) -> Path:
    """Save a figure without creation dates in its metadata (byte-stable SVG/PDF).

    Parameters
    ----------
    fig
        The figure.
    path
        Output file; the format comes from the extension.
    **kwargs
        Passed to :meth:`~matplotlib.figure.Figure.savefig`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> fig, ax = plt.subplots()
    >>> p = save(fig, pathlib.Path(tempfile.mkdtemp()) / "f.svg")
    >>> "Date" in p.read_text()
    False
    >>> plt.close(fig)
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    kwargs.setdefault("bbox_inches", "tight")  # keeps the source note, which is outside the layout
    kwargs.setdefault("metadata", style.SAVEFIG_METADATA.get(fmt))
    if kwargs["metadata"] is None:
        kwargs.pop("metadata")
    fig.savefig(path, **kwargs)
    return path


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
