"""Line charts: trends with confidence ribbons and breaks, joinpoint fits, small multiples."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from drugtrends import i18n, style
from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.plots.base import (
    COMPARABILITY,
    SUPPRESSED,
    TITLE_ATTR,
    BreakNumbers,
    axes_format,
    check_text_args,
    draw_break_line,
    draw_breaks,
    draw_series,
    few,
    finish,
    fmt_x,
    group_cuts,
    is_time,
    normalise_breaks,
    require,
    set_alt_text,
    small_font,
    supp_note,
    suppressed_mask,
    wrap_to_figure,
)
from drugtrends.plots.layout import house_layout

__all__ = ["trend_plot", "joinpoint_plot", "small_multiples", "LEGEND_BELOW"]

#: A trend chart with this many lines or more gets its legend below the plot, not over the lines.
LEGEND_BELOW = 4


@arguments(renamed("df", "data"))
def trend_plot(
    data: pd.DataFrame,
    x: str,
    y: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    group: str | None = None,
    breaks: Any = None,
    *,
    title: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    suppressed: str | None = SUPPRESSED,
    scale: float = 1.0,
    band_label: str | None = None,
    group_labels: Mapping | None = None,
    colours: Mapping | None = None,
    ax: Axes | None = None,
    ylim_zero: bool = True,
    comparability: str | None = COMPARABILITY,
) -> Figure:
    """Line chart of estimates over time with confidence ribbons and break markers.

    Parameters
    ----------
    data
        Tidy estimates: one row per (group, x).
    x, y
        Columns with the time axis and the estimate.
    ci_low, ci_high
        Interval bounds (a ribbon; whiskers on isolated points); ``None``: no interval.
    group
        One line per value (colour fixed per substance/sex id, :func:`drugtrends.style.colours_for`).
    breaks
        Explicit breaks (labelled dashed lines): x values, ``(x, label)`` tuples, dicts or a
        DataFrame with ``x`` and ``label``.
    title, ylabel, xlabel, source
        Texts (``source`` required); default labels "Prevalence (%)" and "Year" in ``lang``.
    lang
        ``"en"`` or ``"fr"``.
    suppressed
        Boolean column of suppressed estimates (not plotted, listed in the note).
    scale
        Multiply ``y`` and the bounds by this (``100`` for 0-1 proportions).
    band_label, group_labels, colours
        Legend text of the interval ("95% CI"); group value -> label; group value -> colour.
    ax, ylim_zero
        Draw into this axes; start the y axis at 0.
    comparability
        Column whose value changes where a series stops being comparable
        (default ``comparability_group``, used when present): the line is cut
        there, a numbered dashed line marks the break and the note gives its
        reason (``break_reason`` / ``break_code`` of the first row after it).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2017, 2023], "best": [1.7, 2.7],
    ...                   "low": [1.6, None], "high": [1.8, None]})
    >>> fig = trend_plot(d, "year", "best", "low", "high", title="Cocaine, France",
    ...                  source="UNODC")
    >>> fig._suptitle.get_text(), fig.axes[0].get_ylabel()
    ('Cocaine, France', 'Prevalence (%)')
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("trend_plot", title=title, source=source)
    require(data, [x, y, ci_low, ci_high, group], "trend_plot")
    data = data.reset_index(drop=True)  # rows are told apart by position: pd.concat repeats index labels
    ylabel, xlabel = ylabel or i18n.t("plots.prevalence", lang), xlabel or i18n.t("common.year", lang)
    # matplotlib types ax.figure as Figure | SubFigure: used as the Figure it is
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 3.9)) if ax is None else (cast(Figure, ax.figure), ax)
    supp, labels, bnorm = suppressed_mask(data, suppressed), dict(group_labels or {}), normalise_breaks(breaks)
    keys = list(dict.fromkeys(data[group].tolist())) if group else [None]
    cols = (style.colours_for(keys) if group else {None: style.OKABE_ITO["blue"]}) | dict(colours or {})
    numbered = _draw_groups(ax, data, (x, y, ci_low, ci_high), group, keys, cols, labels, scale, supp, bnorm,
                            comparability, lang)
    has_ci = _ci_legend(ax, ci_low, ci_high, band_label, lang)
    draw_breaks(ax, bnorm, lang)
    if ylim_zero:
        ax.set_ylim(bottom=0)
    x_time = is_time(data[x])
    axes_format(ax, lang, x_is_year=x_time and data[x].dropna().between(1800, 2200).all(), x_numeric=x_time)
    note = "\n".join(n for n in (supp_note(data, supp, x, group, lang, labels), numbered.note()) if n)
    finish(ax, title, xlabel, ylabel, source, lang, note, legend=not has_ci)
    if len(keys) >= LEGEND_BELOW:
        _legend_below(fig, ax)
    xs = data[x].dropna()
    set_alt_text(fig, " ".join(filter(None, [
        i18n.t("plots.alt_trend", lang, title=title, y=ylabel, x=xlabel, ngroups=len(keys),
               groups=few([str(labels.get(k, k)) for k in keys] if group else [title]),
               first=fmt_x(xs.min(), lang) if len(xs) else "", last=fmt_x(xs.max(), lang) if len(xs) else ""),
        i18n.t("plots.alt_with_ci", lang) if has_ci else "",
        i18n.t("plots.alt_with_breaks", lang) if (len(bnorm) or numbered.reasons) else ""])))
    return fig


def _draw_groups(ax: Axes, df: pd.DataFrame, cols_xy: tuple, group: str | None, keys: list, colours: Mapping,
                 labels: Mapping, scale: float, supp: pd.Series, bnorm: pd.DataFrame, comparability: str | None,
                 lang: str, numbered: BreakNumbers | None = None) -> BreakNumbers:
    """One line per group, cut at explicit breaks and where its comparability group changes."""
    x, y, ci_low, ci_high = cols_xy
    numbered = numbered or BreakNumbers(lang)
    for k in keys:
        d = df if k is None else df[df[group] == k]
        if not len(d):
            continue
        gcuts = group_cuts(d, x, comparability, lang)
        for xpos, reason in gcuts:
            draw_break_line(ax, xpos, "", colours[k] if group else style.GREY, numbered, reason)
        draw_series(ax, d, x, y, ci_low, ci_high, colours[k], None if k is None else str(labels.get(k, k)),
                    scale, supp, cuts=list(bnorm["x"]) + [c for c, _ in gcuts])
    return numbered


def _legend_below(fig: Figure, ax: Axes) -> None:
    """Move the axes legend below the plot (many lines: inside the axes it would cover them)."""
    handles: Sequence[Artist]
    handles, labs = ax.get_legend_handles_labels()
    leg = ax.get_legend()
    if leg is not None:
        # no None in legend_handles: the lines and patches drawn here all have a legend handler
        handles, labs = cast(list[Artist], leg.legend_handles), [t.get_text() for t in leg.get_texts()]
        leg.remove()
    fs = small_font(1)
    # two columns only when two of the longest labels fit the figure's width (else they overflow its edges)
    widest = max((len(str(lab)) for lab in labs), default=0) * fs * 0.55 + 30
    ncols = 2 if 2 * widest < fig.get_figwidth() * 72 else 1
    fig.legend(handles, labs, loc="outside lower center", ncols=ncols, fontsize=fs)


def _ci_legend(ax: Axes, ci_low: str | None, ci_high: str | None, band_label: str | None, lang: str) -> bool:
    """Add the interval's legend entry when an interval was drawn; return whether one was."""
    from matplotlib.patches import Patch

    if not (ci_low and ci_high and ax.figure.findobj(lambda a: a.get_gid() in ("ci_band", "ci_whisker"))):
        return False
    handles, labs = ax.get_legend_handles_labels()
    ax.legend(handles + [Patch(facecolor=style.GREY, alpha=0.3)],
              labs + [band_label or i18n.t("common.ci95", lang)], loc="best")
    return True


@arguments()
def joinpoint_plot(
    result: Any,
    *,
    title: str,
    ylabel: str,
    source: str,
    xlabel: str | None = None,
    lang: str = "en",
    colour: str | None = None,
    ax: Axes | None = None,
    log_scale: bool = False,
    label_apc: bool = True,
) -> Figure:
    """Observed points, fitted joinpoint segments with their CI band, joinpoints, jumps and APC labels.

    Reads the column names of :mod:`drugtrends.trends.columns`. The fitted
    line is drawn regime by regime (never across a level shift of a jump
    model); each jump is a vertical dashed segment between the two regimes'
    fitted values, labelled with its comparability ratio and CI.

    Parameters
    ----------
    result
        A :class:`drugtrends.trends.JoinpointResult` (``fitted``, ``segments``,
        ``joinpoints``, ``comparability_ratio``, ``breaks``).
    title, ylabel, source
        Texts (required).
    xlabel
        Defaults to "Year".
    lang
        ``"en"`` or ``"fr"``.
    colour
        Line colour.
    ax
        Draw into this axes.
    log_scale
        Log y axis (segments are straight lines on it).
    label_apc
        Write "APC +x.x%" and its CI at the middle of each segment.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> x = np.arange(2000, 2012.0)
    >>> fit = pd.DataFrame({"x": x, "y": 10 * 1.05 ** (x - 2000), "fitted": 10 * 1.05 ** (x - 2000)})
    >>> segs = pd.DataFrame({"x_start": [2000.0], "x_end": [2011.0], "apc": [5.0],
    ...                      "apc_ci_low": [4.9], "apc_ci_high": [5.1]})
    >>> res = SimpleNamespace(fitted=fit, segments=segs)
    >>> fig = joinpoint_plot(res, title="t", ylabel="Rate", source="CDC")
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "apc_label"][0].split("\\n")[0]
    'APC +5.0%'
    >>> plt.close(fig)
    """
    from drugtrends.trends import columns as C

    i18n.check_lang(lang)
    check_text_args("joinpoint_plot", title=title, ylabel=ylabel, source=source)
    f, segs = getattr(result, "fitted", None), getattr(result, "segments", None)
    if not isinstance(f, pd.DataFrame) or not isinstance(segs, pd.DataFrame):
        raise InputError("joinpoint_plot: pass a drugtrends.trends.joinpoint result (with .fitted and "
                         f".segments DataFrames); got {type(result).__name__}.")
    require(f, [C.X, C.Y, C.FITTED], "joinpoint_plot fitted")
    require(segs, [C.X_START, C.X_END, C.APC], "joinpoint_plot segments")
    c = colour or style.OKABE_ITO["blue"]
    # matplotlib types ax.figure as Figure | SubFigure: used as the Figure it is
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 3.9)) if ax is None else (cast(Figure, ax.figure), ax)
    f = f.sort_values(C.X)
    has_band = _jp_fit(ax, f, c, lang, getattr(result, "comparability_ratio", None))
    xs, fv = f[C.X].to_numpy(dtype=float), f[C.FITTED].to_numpy(dtype=float)
    jps = getattr(result, "joinpoints", None)
    jx = (jps[C.X].tolist() if isinstance(jps, pd.DataFrame) and C.X in jps.columns
          else segs.sort_values(C.X_START)[C.X_START].iloc[1:].tolist())
    for jp in jx:
        m, = ax.plot([jp], [float(np.interp(jp, xs, fv))], marker="D", color="black", markersize=6,
                     linestyle="none", zorder=4)
        m.set_gid("joinpoint")
    if label_apc:
        _jp_apc_labels(ax, segs, xs, fv, lang)
    n_jumps = _jp_jumps(ax, getattr(result, "comparability_ratio", None), lang)
    numbered = _jp_breaks(ax, result, xs, lang)
    if log_scale:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    axes_format(ax, lang, x_is_year=bool(len(xs)) and bool(((xs >= 1800) & (xs <= 2200)).all()),
                y=not log_scale, x_numeric=True)
    _jp_legend(ax, bool(jx), has_band, c, lang)
    finish(ax, title, xlabel or i18n.t("common.year", lang), ylabel, source, lang, numbered.note(),
           legend=False)
    set_alt_text(fig, i18n.t("plots.alt_joinpoint", lang, title=title, y=ylabel, first=fmt_x(xs.min()),
                             last=fmt_x(xs.max()), nseg=len(segs)) + (
        " " + i18n.t("plots.alt_with_breaks", lang) if numbered.reasons or n_jumps else ""))
    return fig


def _jp_fit(ax: Axes, f: pd.DataFrame, c: str, lang: str, cr: Any = None) -> bool:
    """Observed points and the fit, regime by regime (never across a jump), with its CI band.

    Each regime's line runs to the jump (``x_jump``: its fitted value there before and
    after the shift), so the two pieces meet the vertical jump segment.
    """
    from drugtrends.trends import columns as C

    ax.plot(f[C.X], f[C.Y], linestyle="none", marker="o", color=c, alpha=0.55,
            label=i18n.t("plots.observed", lang), markersize=3.5)
    regimes = list(f.groupby(C.REGIME, sort=True)) if C.REGIME in f.columns else [(0, f)]
    jumps = (cr.sort_values("x_jump").reset_index(drop=True) if isinstance(cr, pd.DataFrame) and len(cr)
             and {"x_jump", "fitted_before", "fitted_after"} <= set(cr) else None)
    has_band = {C.FITTED_CI_LOW, C.FITTED_CI_HIGH} <= set(f.columns) and bool(f[C.FITTED_CI_LOW].notna().any())
    for i, (_, piece) in enumerate(regimes):
        px, py = piece[C.X].tolist(), piece[C.FITTED].tolist()
        if jumps is not None and len(regimes) == len(jumps) + 1:
            if i > 0:
                px, py = [jumps["x_jump"][i - 1]] + px, [jumps["fitted_after"][i - 1]] + py
            if i < len(jumps):
                px, py = px + [jumps["x_jump"][i]], py + [jumps["fitted_before"][i]]
        ax.plot(px, py, color=c, linewidth=2.2, label=i18n.t("plots.fitted", lang) if i == 0 else None)
        if has_band:
            band = ax.fill_between(piece[C.X].to_numpy(float), piece[C.FITTED_CI_LOW].to_numpy(float),
                                   piece[C.FITTED_CI_HIGH].to_numpy(float), color=c, alpha=0.15, linewidth=0)
            band.set_gid("ci_band")
    return has_band


def _jp_apc_labels(ax: Axes, segs: pd.DataFrame, xs: np.ndarray, fv: np.ndarray, lang: str) -> None:
    """ "APC +x.x%" and its CI at the middle of each segment."""
    from drugtrends.trends import columns as C

    for _, r in segs.sort_values(C.X_START).iterrows():
        if pd.isna(r[C.APC]):
            continue
        mid_x = r[C.X_START] + (r[C.X_END] - r[C.X_START]) / 2
        txt = f"{i18n.t('plots.apc', lang)} {i18n.fmt_percent(r[C.APC], 1, lang, signed=True)}"
        ci = i18n.fmt_ci(r.get(C.APC_CI_LOW), r.get(C.APC_CI_HIGH), 1, lang)
        t = ax.annotate(txt + (f"\n({ci})" if ci else ""), (mid_x, float(np.interp(mid_x, xs, fv))),
                        xytext=(0, 10), textcoords="offset points", ha="center", va="bottom",
                        fontsize=small_font(), bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
        t.set_gid("apc_label")


def _jp_jumps(ax: Axes, cr: Any, lang: str) -> int:
    """Level shifts of a jump model: a dashed vertical segment labelled with the comparability ratio."""
    from drugtrends.trends import columns as C

    if not (isinstance(cr, pd.DataFrame) and len(cr) and {"x_jump", "fitted_before", "fitted_after"} <= set(cr)):
        return 0
    for _, j in cr.iterrows():
        ln, = ax.plot([j["x_jump"]] * 2, [j["fitted_before"], j["fitted_after"]], linestyle="--",
                      color=style.OKABE_ITO["vermillion"], linewidth=1.6, zorder=4)
        ln.set_gid("jump")
        ci = i18n.fmt_ci(j.get(C.CI_LOW), j.get(C.CI_HIGH), 2, lang)
        lab = f"{i18n.t('plots.jump', lang)} {i18n.fmt_number(j[C.ESTIMATE], 2, lang)}" + (f" ({ci})" if ci else "")
        # below the lower end of the jump, on a white box: the fitted line never strikes the label through
        t = ax.annotate(lab, (j["x_jump"], min(j["fitted_before"], j["fitted_after"])), xytext=(6, -8),
                        textcoords="offset points", ha="left", va="top", fontsize=small_font(),
                        color=style.OKABE_ITO["vermillion"], zorder=5,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.9))
        t.set_gid("jump_label")
    return len(cr)


def _jp_breaks(ax: Axes, result: Any, xs: np.ndarray, lang: str) -> BreakNumbers:
    """Declared breaks not handled by a jump: numbered dashed lines midway before the break."""
    numbered = BreakNumbers(lang)
    jumps = {float(v) for v in getattr(result, "jumps", ()) or ()}
    for b in getattr(result, "breaks", ()) or ():
        at = getattr(b, "at", None)
        if at is None or float(at) in jumps:
            continue
        before = xs[xs < float(at)]
        pos = (float(before.max()) + float(at)) / 2 if len(before) else float(at)
        reason = str(getattr(b, "reason", "")) or i18n.t("common.break_code.unknown", lang)
        draw_break_line(ax, pos, "", numbered=numbered, reason=reason)
    return numbered


def _jp_legend(ax: Axes, has_joinpoints: bool, has_band: bool, c: str, lang: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labs = ax.get_legend_handles_labels()
    if has_joinpoints:
        handles.append(Line2D([], [], marker="D", color="black", linestyle="none"))
        labs.append(i18n.t("plots.joinpoint", lang))
    if has_band:
        handles.append(Patch(facecolor=c, alpha=0.15))
        labs.append(i18n.t("common.ci95", lang))
    ax.legend(handles, labs, loc="best")  # where no point, line or band lies


@arguments(renamed("df", "data"))
def small_multiples(
    data: pd.DataFrame,
    facet: str,
    x: str,
    y: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    group: str | None = None,
    breaks: Any = None,
    *,
    title: str,
    ylabel: str | None = None,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    ncols: int = 3, panel_height: float = 1.85,
    sharey: bool = True,
    suppressed: str | None = SUPPRESSED,
    scale: float = 1.0,
    band_label: str | None = None,
    group_labels: Mapping | None = None,
    facet_labels: Mapping | None = None,
    facet_name: str | None = None,
    comparability: str | None = COMPARABILITY,
) -> Figure:
    """One small trend panel per facet (e.g. per country), shared axes, at most the page width.

    Parameters
    ----------
    data
        Tidy estimates with a facet column.
    facet
        Column giving the panel (e.g. ``"country"``).
    x, y, ci_low, ci_high, group
        As in :func:`trend_plot`.
    breaks
        As in :func:`trend_plot`; a DataFrame with a ``facet`` column (same
        name as ``facet``) puts each break in its own panel.
    title, ylabel, xlabel, source, lang, suppressed, scale, band_label, group_labels, comparability
        As in :func:`trend_plot`.
    ncols, panel_height, sharey
        Panels per row (at most 4: tick labels stay readable); height of a row of panels (inches); same y scale.
    facet_labels, facet_name
        Facet value -> panel title; what a panel is, for the alt text ("country").

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"country": ["France"] * 2 + ["Spain"] * 2,
    ...                   "year": [2017, 2023, 2017, 2022], "best": [1.7, 2.7, 2.2, 2.4]})
    >>> fig = small_multiples(d, "country", "year", "best", title="Cocaine", source="UNODC")
    >>> [a.get_title(loc="left") for a in fig.axes if a.get_visible()]
    ['France', 'Spain']
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("small_multiples", title=title, source=source)
    require(data, [facet, x, y, ci_low, ci_high, group], "small_multiples")
    data = data.reset_index(drop=True)  # rows are told apart by position: pd.concat repeats index labels
    ylabel, xlabel = ylabel or i18n.t("plots.prevalence", lang), xlabel or i18n.t("common.year", lang)
    facets = list(dict.fromkeys(data[facet].tolist()))
    ncols = max(1, min(ncols, 4, len(facets)))
    nrows = int(np.ceil(len(facets) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(style.FIGURE_WIDTH_IN, panel_height * nrows + 1.6),
                             sharex=True, sharey=sharey, squeeze=False)
    supp, b, numbered = suppressed_mask(data, suppressed), normalise_breaks(breaks, facet_col=facet), BreakNumbers(lang)
    labels = dict(group_labels or {})
    gkeys = list(dict.fromkeys(data[group].tolist())) if group else [None]
    cols = style.colours_for(gkeys) if group else {None: style.OKABE_ITO["blue"]}
    small = small_font(1.5)
    for i, fv in enumerate(facets):
        ax = axes.flat[i]
        bb = b[(b["facet"].isna()) | (b["facet"] == fv)] if len(b) else b
        _draw_groups(ax, data[data[facet] == fv], (x, y, ci_low, ci_high), group, gkeys, cols, labels, scale, supp,
                     bb, comparability, lang, numbered)
        draw_breaks(ax, bb, lang)
        ax.set_title((facet_labels or {}).get(fv, str(fv)), loc="left", fontsize=small + 0.5, fontweight="normal")
        ax.tick_params(axis="both", labelsize=small)
        ax.tick_params(axis="x", labelrotation=45)
        axes_format(ax, lang, x_is_year=is_time(data[x]), x_numeric=False)
    _sm_frame(fig, axes, data, facets, ncols, (facet, y, ci_high), supp, scale, sharey, xlabel, small)
    fig.suptitle(wrap_to_figure(title, fig, matplotlib.rcParams["font.size"] + 1), x=0.01, ha="left",
                 fontweight="bold", fontsize=matplotlib.rcParams["font.size"] + 1)
    fig.supylabel(ylabel, fontsize=small + 0.5)
    has_ci = bool(ci_low and ci_high and fig.findobj(lambda a: a.get_gid() in ("ci_band", "ci_whisker")))
    note = "\n".join(n for n in (source, supp_note(data, supp, x, facet, lang, facet_labels), numbered.note()) if n)
    style.source_note(fig, note, lang=lang)
    _sm_legend(fig, axes.flat[:len(facets)], has_ci and (band_label or i18n.t("common.ci95", lang)),
               bool(len(b) or numbered.reasons), small, lang)
    setattr(fig, TITLE_ATTR, title)
    names = [str((facet_labels or {}).get(f, f)) for f in facets]
    set_alt_text(fig, " ".join(filter(None, [
        i18n.t("plots.alt_multiples", lang, title=title, y=ylabel, x=xlabel, facet_n=facet_name or facet,
               facets=few(names, 12)),
        i18n.t("plots.alt_with_ci", lang) if has_ci else "",
        i18n.t("plots.alt_with_breaks", lang) if (len(b) or numbered.reasons) else ""])))
    return fig


def _sm_frame(fig: Figure, axes: np.ndarray, df: pd.DataFrame, facets: list, ncols: int, cols: tuple,
              supp: pd.Series, scale: float, sharey: bool, xlabel: str, small: float) -> None:
    """Y from 0 to the largest value drawn (shared or per panel); x labels on the lowest panels; spares hidden.

    The figure gets the house layout: the bands of the note and the legend are reserved below the panels
    (with or without :func:`drugtrends.style.apply`).
    """
    house_layout(fig)
    facet, y, ci_high = cols
    for i, fv in enumerate(facets):
        d = df if sharey else df[df[facet] == fv]
        keep = ~supp.loc[d.index]
        top = np.nanmax(np.r_[d.loc[keep, y].astype(float).to_numpy() * scale,
                              (d.loc[keep, ci_high].astype(float).to_numpy() * scale) if ci_high else [], [0.0]])
        axes.flat[i].set_ylim(0, top * 1.08 if top > 0 else 1)
    for j in range(len(facets), axes.size):
        axes.flat[j].set_visible(False)
    for j in range(len(facets)):
        if j + ncols >= len(facets):  # nothing visible below: show the x axis here
            axes.flat[j].xaxis.set_tick_params(labelbottom=True)
            axes.flat[j].set_xlabel(xlabel, fontsize=small)


def _sm_legend(fig: Figure, axes, band_label: str | bool, breaks: bool, small: float, lang: str) -> None:
    """One legend for all panels, between the panels and the source note (whose band is reserved)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labs = [], []
    for ax in axes:
        for h_, l_ in zip(*ax.get_legend_handles_labels()):
            if l_ not in labs:
                handles.append(h_)
                labs.append(l_)
    if band_label:
        handles.append(Patch(facecolor=style.GREY, alpha=0.3))
        labs.append(str(band_label))
    if breaks:
        handles.append(Line2D([], [], color=style.GREY, linestyle="--"))
        labs.append(i18n.t("plots.break", lang))
    if not handles:
        return
    ncol = min(4, len(handles))
    eng = fig.get_layout_engine()
    height = fig.get_figheight()
    bottom_in = (float(eng.get()["rect"][1]) if eng is not None and eng.get().get("rect") else 0.0) * height
    legend_in = (int(np.ceil(len(handles) / ncol)) * 1.5 * small + 6) / 72
    fig.set_figheight(height + legend_in)  # grows by the legend's rows: the panels keep their size
    height += legend_in
    if eng is not None:
        set_rect: Callable[..., None] = eng.set  # typed as the base set(), which takes no rect
        set_rect(rect=(0, (bottom_in + legend_in) / height, 1, 1 - (bottom_in + legend_in) / height))
    fig.legend(handles, labs, loc="lower center", bbox_to_anchor=(0.5, bottom_in / height), ncols=ncol,
               fontsize=small, frameon=False)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
