"""Choropleth maps of France by département, overseas départements in insets.

:func:`departement_map` shades each département by a value (a rate per
1,000 inhabitants, or its change): metropolitan France in Lambert-93
(EPSG:2154), the five overseas départements (Guadeloupe, Martinique, Guyane,
La Réunion, Mayotte) each in a small inset on the left at its own scale, and
Paris with its inner suburbs enlarged on the right (départements too small to
read at national scale). One colour bar below the map, outside the data area;
colour maps are colour-blind safe (``cividis`` for levels, ``PuOr_r`` centred
on 0 for changes). Geometry comes from ``dt.load("fr_departements")`` (a
GeoDataFrame); the caller joins its values by département code.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from drugtrends import i18n, style
from drugtrends._compat import arguments
from drugtrends.plots.base import TITLE_ATTR, check_text_args, set_alt_text, small_font, wrap_to_figure

__all__ = ["OVERSEAS", "PARIS_AREA", "departement_map"]

#: Overseas départements drawn as insets, in display order: code -> name.
OVERSEAS: dict[str, str] = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
                            "976": "Mayotte"}

#: Paris and its inner suburbs (petite couronne), enlarged in an inset.
PARIS_AREA: tuple[str, ...] = ("75", "92", "93", "94")

_LAMBERT93 = "EPSG:2154"
#: Height of the map band (inches), the source note comes below it.
_HEIGHT_IN = 4.7


def _draw(ax, gdf, column: str, cmap, norm, missing_colour: str = "#D9D9D9") -> None:
    # outlines simplified to about 1/700 of the drawn extent: invisible at print size, and the
    # page carries kilobytes instead of the source geometry's megabytes (6 MB per map in SVG)
    minx, miny, maxx, maxy = gdf.total_bounds
    tol = max(maxx - minx, maxy - miny) / 700
    if np.isfinite(tol) and tol > 0:
        gdf = gdf.assign(geometry=gdf.geometry.simplify(tol, preserve_topology=True))
    has = gdf[column].notna()
    if (~has).any():
        gdf[~has].plot(ax=ax, color=missing_colour, edgecolor="white", linewidth=0.3)
    if has.any():
        gdf[has].plot(ax=ax, column=column, cmap=cmap, norm=norm, edgecolor="white", linewidth=0.3)
    ax.set_axis_off()
    ax.set_aspect("equal")


def _insets(fig: Figure, gdf, box, value: str, colours: tuple, over: list[str], paris: bool, lang: str) -> None:
    """The overseas départements down the left, each at its own scale; Paris and its inner suburbs on the right."""
    cmap, norm = colours
    h = 0.70 / max(len(over), 1)
    for i, c in enumerate(over):
        ax = fig.add_axes(box(0.0, 0.86 - (i + 1) * h + 0.005, 0.16, h - 0.04))
        part = gdf[gdf["code"] == c]
        _draw(ax, part, value, cmap, norm)
        b = part.total_bounds
        ax.set_aspect(1.0 / max(np.cos(np.radians((b[1] + b[3]) / 2)), 0.2))
        ax.set_title(OVERSEAS[c], fontsize=small_font(2.5), pad=1, loc="center")
    if paris and gdf["code"].isin(PARIS_AREA).any():
        ax = fig.add_axes(box(0.82, 0.58, 0.17, 0.2))
        _draw(ax, gdf[gdf["code"].isin(PARIS_AREA)].to_crs(_LAMBERT93), value, cmap, norm)
        ax.set_title(textwrap.fill(i18n.t("plots.map_paris", lang), 14), fontsize=small_font(2.5), pad=1,
                     loc="center")


@arguments()
def departement_map(
    geo,
    values: pd.DataFrame,
    value: str,
    *,
    code: str = "departement",
    title: str,
    legend_label: str,
    source: str,
    lang: str = "en",
    diverging: bool = False,
    note: str = "",
    insets: Sequence[str] = tuple(OVERSEAS),
    paris_inset: bool = True,
    digits: int = 1,
) -> Figure:
    """A choropleth of France's départements, overseas départements in insets.

    Parameters
    ----------
    geo
        GeoDataFrame with ``code`` and ``geometry`` (``dt.load("fr_departements")``).
    values
        One row per département: ``code`` column and the ``value`` column.
    value
        Column to shade.
    code
        Column of ``values`` with the département code (``"01"`` ... ``"976"``).
    title, legend_label, source
        Texts (in the report language): the figure title, the colour bar's label, the source line.
    lang
        ``"en"`` or ``"fr"`` (number format of the colour bar).
    diverging
        A change: a diverging colour map centred on 0.
    note
        Added under the source line.
    insets
        Overseas codes drawn as insets (those present in ``geo``).
    paris_inset
        Enlarge Paris and its inner suburbs on the right.
    digits
        Decimals of the colour bar's ticks.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame({"code": ["75", "971"]}, geometry=[box(2.2, 48.8, 2.5, 48.9),
    ...                         box(-61.8, 15.8, -61.0, 16.5)], crs="EPSG:4326")
    >>> v = pd.DataFrame({"departement": ["75", "971"], "rate": [2.6, 0.8]})
    >>> fig = departement_map(geo, v, "rate", title="T", legend_label="per 1,000", source="S")
    >>> len(fig.axes) >= 3
    True
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("departement_map", title=title, source=source)
    gdf = geo.merge(values[[code, value]].rename(columns={code: "code"}), on="code", how="left")
    vals = gdf[value].astype(float)
    norm: Normalize  # TwoSlopeNorm (a Normalize) when diverging
    if diverging:
        lim = float(np.nanmax(np.abs(vals))) if vals.notna().any() else 1.0
        norm, cmap = TwoSlopeNorm(0.0, -lim, lim), plt.get_cmap("PuOr_r")
    else:
        norm, cmap = Normalize(float(np.nanmin(vals)), float(np.nanmax(vals))), plt.get_cmap("cividis")
    fig = plt.figure(figsize=(style.FIGURE_WIDTH_IN, _HEIGHT_IN), layout="none")
    # the source note first: it grows the figure by its height; the map then fills the band above it
    style.source_note(fig, source + (f"\n{note}" if note else ""), lang=lang)
    low = 1.0 - _HEIGHT_IN / fig.get_figheight()

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (x, low + y * (1 - low), w, h * (1 - low))

    metro = gdf[~gdf["code"].isin(list(OVERSEAS))]
    main = fig.add_axes(box(0.19, 0.17, 0.62, 0.68))
    _draw(main, metro.to_crs(_LAMBERT93), value, cmap, norm)
    _insets(fig, gdf, box, value, (cmap, norm), [c for c in insets if c in set(gdf["code"])], paris_inset, lang)
    cax = fig.add_axes(box(0.25, 0.10, 0.5, 0.025))
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = fig.colorbar(sm, cax=cax, orientation="horizontal")
    bar.set_label(legend_label, fontsize=small_font(1.5))
    bar.ax.tick_params(labelsize=small_font(2))
    bar.ax.xaxis.set_major_formatter(i18n.tick_formatter(lang, digits=digits))
    size = plt.rcParams["font.size"] + 1.5
    fig.suptitle(wrap_to_figure(title, fig, size, 0.88), x=0.01, y=0.995, ha="left", va="top", fontweight="bold",
                 fontsize=size)
    setattr(fig, TITLE_ATTR, title)
    set_alt_text(fig, title)
    return fig


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
