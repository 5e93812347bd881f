"""House-style figures drawn from tidy results.

Every function takes a tidy DataFrame (or a result object) that the statistics
layer already computed, draws it, and returns the :class:`~matplotlib.figure.Figure`.
Nothing here recomputes a statistic. Every figure has a title, axis labels
with units, a source note (:func:`drugtrends.style.source_note`), locale tick
labels (decimal commas in French), an alt text describing what it shows
(:func:`alt_text`) and, when the estimates have them, confidence bands or
whiskers. All texts come from the message catalogue (:mod:`drugtrends.i18n`).

Conventions
-----------
* Values are plotted as given; pass ``scale=100`` to show 0-1 proportions as
  percentages (survey results are on the 0-1 scale).
* Rows whose ``suppressed`` column is true are **not plotted**; the figure's
  note says how many were left out and where.
* A series is never joined across a comparability break: neither across an
  explicit ``breaks=`` position nor where its ``comparability_group`` changes
  (the column the data layer puts on published estimates). Each break is a
  dashed line with a number, and the note gives its reason (``break_reason``,
  or the translated ``break_code``).
* Figures are at most :data:`drugtrends.style.FIGURE_WIDTH_IN` wide, so no
  text prints below :data:`drugtrends.style.MIN_FONT_PT`.
* Artists that tests look for carry a ``gid``: ``"ci_band"`` (ribbons),
  ``"ci_whisker"`` (error bars), ``"break"`` (comparability breaks),
  ``"joinpoint"`` (joinpoint markers), ``"jump"`` (level shifts of a jump
  model), ``"source_note"``.
"""

from __future__ import annotations

from drugtrends.plots.bars import bar_ci, dumbbell, forest
from drugtrends.plots.base import (
    BREAK_CODE,
    BREAK_NOTE,
    BREAK_REASON,
    COMPARABILITY,
    alt_text,
    figure_title,
    number_figure,
    save,
    set_alt_text,
)
from drugtrends.plots.km import km_plot
from drugtrends.plots.lines import joinpoint_plot, small_multiples, trend_plot

__all__ = [
    "trend_plot", "joinpoint_plot", "bar_ci", "dumbbell", "forest", "km_plot",
    "small_multiples", "save", "alt_text", "set_alt_text", "number_figure", "figure_title",
    "COMPARABILITY", "BREAK_REASON", "BREAK_CODE", "BREAK_NOTE", "departement_map",
]


def __getattr__(name: str):
    """Maps (geopandas) load on first use: ``dt.plots.departement_map``, ``dt.plots.maps``."""
    if name in ("maps", "departement_map"):
        import importlib

        maps = importlib.import_module("drugtrends.plots.maps")  # not "from ... import": it would call back here
        return maps if name == "maps" else maps.departement_map
    raise AttributeError(f"module 'drugtrends.plots' has no attribute {name!r}")


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
