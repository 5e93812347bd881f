"""Page layout of the house-style figures: titles, the source note's place, the layout engine.

The house style aligns a figure's title and its source note left, at the left
edge of what the reader sees first, the tick labels or the y label (not the
axes spine, which long category labels push right), and keeps figure legends
in a band of their own. :func:`drugtrends.plots.base.finish` applies it to
every one-panel figure; :func:`~drugtrends.plots.lines.small_multiples` to its
panels.
"""

from __future__ import annotations

import textwrap
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Annotation, Text

__all__ = ["wrap_to_figure", "place_title", "align_left", "HouseLayout", "house_layout"]


def wrap_to_figure(text: str, fig: Figure, fontsize: float, share: float = 0.97) -> str:
    """Wrap a text to the figure's width (a title wider than the figure would widen the saved image).

    Parameters
    ----------
    text : str
        The text.
    fig : Figure
        The figure.
    fontsize : float
        Font size of the text (points).
    share : float
        Share of the figure width the text may use.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(4, 3))
    >>> len(wrap_to_figure("A long title " * 8, fig, 12).splitlines()) > 1
    True
    >>> plt.close(fig)
    """
    chars = max(30, int(fig.get_figwidth() * 72 * share / (fontsize * 0.58)))
    return "\n".join(textwrap.fill(line, chars) for line in str(text).split("\n"))


def place_title(ax: Axes, title: str) -> None:
    """The figure title: a left-aligned suptitle wrapped to the figure width (axes title when several axes).

    Parameters
    ----------
    ax : Axes
        The (first) axes of the figure.
    title : str
        The title.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> place_title(ax, "Overdose deaths")
    >>> fig.get_suptitle() or ax.get_title()
    'Overdose deaths'
    >>> plt.close(fig)
    """
    fig = cast(Figure, ax.figure)  # matplotlib types it Figure | SubFigure
    size = matplotlib.rcParams["font.size"] + 1.5
    if len([a for a in fig.axes if a.get_visible()]) == 1:
        fig.suptitle(wrap_to_figure(title, fig, size), x=0.01, ha="left", fontweight="bold", fontsize=size)
    else:
        ax.set_title(wrap_to_figure(title, fig, size, 0.6), loc="left")


def _content_left(ax: Axes, renderer: Any) -> float:
    """Left edge (pixels) of what an axes draws on its left: tick labels, y label, or the spine."""
    boxes = [ax.get_window_extent(renderer), ax.yaxis.get_tightbbox(renderer)]
    return min(b.x0 for b in boxes if b is not None and b.width > 0)


def _source_notes(ax: Axes) -> list[Annotation]:
    """The source notes :func:`drugtrends.style.source_note` wrote under an axes."""
    return [t for t in ax.texts if isinstance(t, Annotation) and t.get_gid() == "source_note"]


def _move_notes(ax: Axes, renderer: Any, left: float, floor: float) -> None:
    """Move an axes' source notes to ``left`` (pixels), no further left than ``floor`` nor past the right edge."""
    fig = cast(Figure, ax.figure)
    for note in _source_notes(ax):
        width = note.get_window_extent(renderer).width
        x = max(floor, min(left, fig.bbox.x1 - 3 - width))
        note.xy = (fig.transFigure.inverted().transform((x, 0))[0], note.xy[1])


def align_left(fig: Figure, renderer: Any = None) -> None:
    """Put the title and the source notes at the left edge of the drawn content (the tick labels).

    The house style aligns titles left; the left edge that counts is the one the
    reader sees, the longest category label, not the axes spine (long labels
    push the spine right) nor a fixed share of the figure (long labels may
    overflow it when the figure has no layout engine). A suptitle and a
    figure's source note go to the left edge of the leftmost visible axes (or
    of the shared y label); an axes title and an axes' source note to that
    axes' own left edge (a note is moved left if it would run past the
    figure's right edge). :class:`HouseLayout` calls it after each layout.

    Parameters
    ----------
    fig : Figure
        A figure drawn by :mod:`drugtrends.plots`.
    renderer : optional
        The renderer to measure with (default: the figure's).

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    >>> _ = ax.barh([0, 1], [1, 2], tick_label=["Methamphetamine (lifetime, any route)", "Heroin"])
    >>> _ = fig.suptitle("Use", x=0.5, ha="left")
    >>> fig.canvas.draw()
    >>> align_left(fig)
    >>> r = fig.canvas.get_renderer()
    >>> left = min(t.get_window_extent(r).x0 for t in ax.get_yticklabels())
    >>> bool(abs(fig._suptitle.get_window_extent(r).x0 - left) < 1)   # it was at the middle of the figure
    True
    >>> plt.close(fig)
    """
    renderer = renderer or cast(Any, fig)._get_renderer()  # private: the renderer layouts measure with
    axes = [a for a in fig.axes if a.get_visible()]
    if not axes:
        return
    to_fig = fig.transFigure.inverted()
    for ax in axes:
        left = _content_left(ax, renderer)
        _move_notes(ax, renderer, left, fig.bbox.x0)
        title: Text = cast(Any, ax)._left_title  # the artist of set_title(loc="left"): no public accessor
        if len(axes) > 1 and title.get_text() and _source_notes(ax):
            ax_box = ax.get_window_extent(renderer)
            title.set_x((left - ax_box.x0) / ax_box.width)
    lefts = [_content_left(a, renderer) for a in axes]
    supy: Text | None = getattr(fig, "_supylabel", None)  # the shared y label of small multiples
    if supy is not None and supy.get_text() and supy.get_visible():
        lefts.append(supy.get_window_extent(renderer).x0)
    left = min(lefts)
    for note in fig.texts:  # a figure's note (its band is reserved below the layout)
        if note.get_gid() == "source_note" and note.get_horizontalalignment() == "left":
            x = max(fig.bbox.x0, min(left, fig.bbox.x1 - 3 - note.get_window_extent(renderer).width))
            note.set_x(to_fig.transform((x, 0))[0])
    sup: Text | None = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text() and sup.get_horizontalalignment() == "left":
        sup.set_x(to_fig.transform((left, 0))[0])


class HouseLayout(ConstrainedLayoutEngine):
    """Constrained layout, then the title and source note aligned with the tick labels (:func:`align_left`).

    :func:`drugtrends.plots.base.finish` gives it to every figure it completes that has no layout
    engine or a constrained one (same settings): figure-level legends
    (``loc="outside ..."``) then get their own band, never over the x-axis
    title or the source note, whether or not :func:`drugtrends.style.apply` was
    called.

    Parameters
    ----------
    **kwargs
        As :class:`matplotlib.layout_engine.ConstrainedLayoutEngine`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> fig.set_layout_engine(HouseLayout(w_pad=0.05))
    >>> fig.get_layout_engine().get()["w_pad"]
    0.05
    >>> plt.close(fig)
    """

    def execute(self, fig: Figure) -> Any:
        # a note is in the layout (room is made for it below the axes) but sits at a fixed
        # x: left of the content it would hold the axes where they are (the layout would
        # keep the content clear of it), so during the layout it starts where the content
        # does, and never left of the margin (long labels outside the figure come back in)
        renderer = cast(Any, fig)._get_renderer()
        margin = fig.bbox.x0 + fig.bbox.width * (self.get()["rect"][0] + self.get()["w_pad"] / fig.get_figwidth())
        for ax in fig.axes:
            if ax.get_visible() and _source_notes(ax):
                _move_notes(ax, renderer, _content_left(ax, renderer), margin)
        out = super().execute(fig)
        align_left(fig)
        return out


def house_layout(fig: Figure) -> None:
    """Give a figure the :class:`HouseLayout` (kept when it has another layout engine than a constrained one).

    Parameters
    ----------
    fig : Figure
        The figure.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(layout="constrained")
    >>> house_layout(fig)
    >>> type(fig.get_layout_engine()).__name__
    'HouseLayout'
    >>> plt.close(fig)
    """
    eng = fig.get_layout_engine()
    if isinstance(eng, HouseLayout) or not (eng is None or isinstance(eng, ConstrainedLayoutEngine)):
        return
    params = eng.get() if eng is not None else {}
    try:
        fig.set_layout_engine(HouseLayout(**params, compress=getattr(eng, "_compress", False)))
    except RuntimeError:  # an engine matplotlib will not swap (colorbars): leave the figure's own
        pass


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
