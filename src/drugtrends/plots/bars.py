"""Category charts: bars with CI whiskers, dumbbells (profile shifts), forest plots of odds ratios."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from drugtrends import i18n, style
from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.plots.base import (
    SUPPRESSED,
    check_text_args,
    few,
    finish,
    require,
    set_alt_text,
    small_font,
    suppressed_mask,
)

__all__ = ["bar_ci", "dumbbell", "forest"]


@arguments(renamed("df", "data"))
def bar_ci(
    data: pd.DataFrame,
    label: str,
    estimate: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    *,
    title: str,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    group: str | None = None,
    suppressed: str | None = SUPPRESSED,
    scale: float = 1.0,
    colour_by: str | None = None,
    ylabel: str = "",
    ax: Axes | None = None,
    colour: str | None = None,
) -> Figure:
    """Horizontal bars with confidence-interval whiskers (one bar per row).

    Parameters
    ----------
    data
        Tidy estimates.
    label
        Column with the category shown on the y axis (display labels, in display order).
    estimate, ci_low, ci_high
        Columns with the estimate and its interval.
    title, xlabel, source
        Texts; ``xlabel`` defaults to "Prevalence (%)".
    lang
        ``"en"`` or ``"fr"``.
    group
        Optional column: bars of the same label are dodged by group.
    suppressed
        Boolean column; suppressed rows get no bar, only a ``*`` mark.
    scale
        Multiply values (``100`` for proportions).
    colour_by
        Column with substance/sex ids to colour bars by (default: ``group``).
    ylabel
        Label of the category axis (may be empty when self-explanatory).
    ax
        Draw into this axes.
    colour
        Bar colour when there is no ``group`` / ``colour_by``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"sex": ["Men", "Women"], "est": [3.9, 1.6],
    ...                   "lo": [3.5, 1.3], "hi": [4.3, 1.9]})
    >>> fig = bar_ci(d, "sex", "est", "lo", "hi", title="Cocaine", source="OFDT")
    >>> fig.axes[0].get_xlabel()
    'Prevalence (%)'
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("bar_ci", title=title, source=source)
    require(data, [label, estimate, ci_low, ci_high, group, colour_by], "bar_ci")
    data = data.reset_index(drop=True)  # rows are told apart by position: pd.concat repeats index labels
    xlabel = xlabel or i18n.t("plots.prevalence", lang)
    supp = suppressed_mask(data, suppressed)
    cats = list(dict.fromkeys(data[label].tolist()))
    groups = list(dict.fromkeys(data[group].tolist())) if group else [None]
    cols = style.colours_for(groups) if group else {"_": colour or style.OKABE_ITO["blue"]}
    if ax is None:
        per_bar = 0.34 if len(groups) == 1 else 0.19
        fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN,
                                        min(8.5, max(2.2, per_bar * len(cats) * max(1, len(groups)) + 1.6))))
    else:
        fig = cast(Figure, ax.figure)  # matplotlib types it Figure | SubFigure
    _draw_bars(ax, data, (label, estimate, ci_low, ci_high, group, colour_by), cats, groups, cols, supp, scale, lang)
    ax.set_yticks([len(cats) - 1 - i for i in range(len(cats))], [str(c) for c in cats])
    ax.set_ylim(-0.6, len(cats) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    lows = pd.to_numeric(data[ci_low] if ci_low else data[estimate], errors="coerce")
    if not (lows.min() < 0 or pd.to_numeric(data[estimate], errors="coerce").min() < 0):
        ax.set_xlim(left=0)
    else:
        ax.axvline(0, color="black", linewidth=0.8)
    style.number_axis(ax, axis="x", lang=lang)
    if group:
        handles, labs = ax.get_legend_handles_labels()
        uniq = dict(zip(labs, handles))
        fig.legend(uniq.values(), uniq.keys(), loc="outside lower center", ncols=min(4, len(uniq)))
    has_ci = bool(ci_low and ci_high and data[[ci_low, ci_high]].notna().all(axis=1).any())
    notes = [i18n.t("plots.whiskers", lang) if has_ci else "",
             i18n.t("plots.suppressed_note", lang) + "." if supp.any() else ""]
    finish(ax, title, xlabel, ylabel, source, lang, " ".join(n for n in notes if n), legend=False)
    set_alt_text(fig, " ".join(filter(None, [
        i18n.t("plots.alt_bar", lang, title=title, x=xlabel, ncats=len(cats), cats=few(cats)),
        i18n.t("plots.alt_with_ci", lang) if has_ci else ""])))
    return fig


def _draw_bars(ax: Axes, df: pd.DataFrame, names: tuple, cats: list, groups: list, cols: dict, supp: pd.Series,
               scale: float, lang: str) -> None:
    """Bars (dodged by group) with CI whiskers; a suppressed row gets a "* Suppressed" mark instead."""
    label, estimate, ci_low, ci_high, group, colour_by = names
    h = 0.8 / len(groups)
    pos = {c: len(cats) - 1 - i for i, c in enumerate(cats)}
    for gi, g in enumerate(groups):
        d = df if g is None else df[df[group] == g]
        for idx, r in d.iterrows():
            yv = pos[r[label]] + (len(groups) - 1) / 2 * h - gi * h
            colr = style.colour(str(r[colour_by])) if colour_by else cols[g if group else "_"]
            if supp.loc[idx] or pd.isna(r[estimate]):
                t = ax.text(0, yv, "  * " + i18n.t("plots.suppressed", lang), va="center", ha="left",
                            color="#555555", fontsize=small_font(1))
                t.set_gid("suppressed_mark")
                continue
            ax.barh(yv, float(r[estimate]) * scale, height=h * 0.9, color=colr, alpha=0.85,
                    label=(str(g) if g is not None else None))
            if ci_low and ci_high and pd.notna(r[ci_low]) and pd.notna(r[ci_high]):
                lo, hi = float(r[ci_low]) * scale, float(r[ci_high]) * scale
                ln, = ax.plot([lo, hi], [yv, yv], color="black", linewidth=1.1)
                ln.set_gid("ci_whisker")
                for e in (lo, hi):
                    cap, = ax.plot([e, e], [yv - h * 0.2, yv + h * 0.2], color="black", linewidth=1.1)
                    cap.set_gid("ci_whisker")


@arguments(renamed("df", "data"))
def dumbbell(
    data: pd.DataFrame,
    label: str,
    start: str,
    end: str,
    *,
    start_label: str,
    end_label: str,
    title: str,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    scale: float = 1.0,
    ylabel: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Profile shift between two periods: one row per category, two dots and a line.

    Parameters
    ----------
    data
        One row per category (wide: start and end columns), in display order.
    label
        Column with the category's display label (e.g. "Women", "Aged 18-29").
    start, end
        Columns with the values in the first and second period.
    start_label, end_label
        Legend texts for the periods (e.g. "2009-10", "2011-12").
    title, xlabel, source
        Texts; ``xlabel`` defaults to "Percent (%)".
    lang
        ``"en"`` or ``"fr"``.
    scale
        Multiply values (``100`` for proportions).
    ylabel
        Category axis label.
    ax
        Draw into this axes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"cat": ["Women", "Aged 18-29"], "a": [40.0, 30.0], "b": [45.0, 28.0]})
    >>> fig = dumbbell(d, "cat", "a", "b", start_label="2009-10", end_label="2011-12",
    ...                title="Profile of users", source="NHANES")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['2009-10', '2011-12']
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("dumbbell", title=title, source=source)
    require(data, [label, start, end], "dumbbell")
    xlabel = xlabel or i18n.t("plots.percent", lang)
    n = len(data)
    if ax is None:
        fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, max(2.2, 0.32 * n + 1.5)))
    else:
        fig = cast(Figure, ax.figure)  # matplotlib types it Figure | SubFigure
    ys = np.arange(n)[::-1]
    a = data[start].astype(float).to_numpy() * scale
    b = data[end].astype(float).to_numpy() * scale
    for yv, u, v in zip(ys, a, b):
        ax.plot([u, v], [yv, yv], color="#BBBBBB", linewidth=2.5, zorder=1)
    ax.scatter(a, ys, color=style.OKABE_ITO["sky_blue"], s=40, zorder=3, label=start_label)
    ax.scatter(b, ys, color=style.OKABE_ITO["blue"], s=40, zorder=3, label=end_label)
    ax.set_yticks(ys, [str(v) for v in data[label]])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    style.number_axis(ax, axis="x", lang=lang)
    ax.legend(loc="best")
    finish(ax, title, xlabel, ylabel, source, lang, legend=False)
    cats = data[label].astype(str).tolist()
    set_alt_text(fig, i18n.t("plots.alt_dumbbell", lang, title=title, x=xlabel, start=start_label,
                             end=end_label, ncats=n, cats=few(cats)))
    return fig


def _log_ticks(ax: Axes, lang: str) -> None:
    """Ticks a factor 2 or more apart on a log axis (labels never collide), in the page's number format."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    lo_x, hi_x = ax.get_xlim()
    nice = []
    for v in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100):
        # ticks a factor 2 or more apart on the log axis, so their labels never collide
        if lo_x <= v <= hi_x:
            nice.append(v)
    ax.xaxis.set_major_locator(FixedLocator(nice))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _p: i18n.fmt_number(v, 0 if float(v).is_integer() else 2 if v < 0.1 or v in (0.25, 0.75)
                                      else 1, lang)))


def forest_frame(fit: Any, labels: Mapping | None = None, lang: str = "en") -> pd.DataFrame:
    """The rows of a forest plot of a survey GLM: the labels and reference rows of its regression table.

    Parameters
    ----------
    fit : SvyGLMResult
        A binomial (odds ratios) or Poisson (rate ratios) fit.
    labels : dict, optional
        Variable -> label, as :func:`drugtrends.tables.regression_table`.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame
        ``label`` (``"Education: High School"``; a reference level ends with
        ``" (ref.)"``), ``estimate``, ``ci_low``, ``ci_high`` (1 and no interval
        on reference rows), ``reference`` (bool), in model order.

    Examples
    --------
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                   "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> fit = SurveyDesign(d, weight="w", psu="psu").glm("y ~ g", family="binomial")
    >>> forest_frame(fit, {"g": "Group"})["label"].tolist()
    ['Group: a (ref.)', 'Group: b']
    """
    from drugtrends.profiles.summary import regression_frame

    f = regression_frame(fit, labels, exponentiate=True, lang=lang)
    ref = i18n.t("pubtables.reference_short", lang)
    sep = "\u00a0: " if lang == "fr" else ": "     # French: a no-break space before the colon
    text = [f"{r.label}{sep}{r.level}" if r.level else str(r.label) for r in f.itertuples()]
    text = [t + (f" ({ref})" if r else "") for t, r in zip(text, f["reference"])]
    out = pd.DataFrame({"label": text, "estimate": f["estimate"].where(~f["reference"], 1.0),
                        "ci_low": f["ci_low"], "ci_high": f["ci_high"], "reference": f["reference"].astype(bool)})
    return out


@arguments(renamed("df", "data"))
def forest(
    data: Any,
    label: str = "label",
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    *,
    title: str,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    ylabel: str = "",
    reference: float = 1.0,
    ax: Axes | None = None,
    labels: Mapping | None = None,
) -> Figure:
    """Forest plot of odds ratios with confidence intervals on a log scale.

    Parameters
    ----------
    data
        One row per term, or a survey GLM fit (``design.glm(..., family="binomial")``):
        its rows are then those of :func:`forest_frame` (the labels and
        reference levels of :func:`drugtrends.tables.regression_table`).
    label
        Column with the term's display label.
    estimate, ci_low, ci_high
        Columns with the odds ratio and its CI (ratio scale, not log). Rows
        with a ``reference`` column True are drawn as hollow markers on the
        no-effect line, without whiskers.
    title, xlabel, source
        Texts; ``xlabel`` defaults to "Odds ratio (log scale)".
    lang
        ``"en"`` or ``"fr"``.
    ylabel
        Category axis label.
    reference
        Position of the no-effect line.
    ax
        Draw into this axes.
    labels
        With a fit: variable -> label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"term": ["Female", "Age 50+"], "or": [0.5, 0.8],
    ...                   "lo": [0.4, 0.6], "hi": [0.7, 1.1]})
    >>> fig = forest(d, "term", "or", "lo", "hi", title="Adjusted ORs", source="NHANES")
    >>> fig.axes[0].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("forest", title=title, source=source)
    if hasattr(data, "term_columns") and hasattr(data, "coef"):
        data = forest_frame(data, labels, lang)
        label, estimate, ci_low, ci_high = "label", "estimate", "ci_low", "ci_high"
    require(data, [label, estimate, ci_low, ci_high], "forest")
    n = len(data)
    is_ref = data["reference"].fillna(False).astype(bool).to_numpy() if "reference" in data else np.zeros(n, bool)
    if ax is None:
        fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, min(8.5, max(2.2, 0.27 * n + 1.5))))
    else:
        fig = cast(Figure, ax.figure)  # matplotlib types it Figure | SubFigure
    ys = np.arange(n)[::-1]
    est = data[estimate].astype(float).to_numpy()
    lo = data[ci_low].astype(float).to_numpy()
    hi = data[ci_high].astype(float).to_numpy()
    if np.any(est[np.isfinite(est)] <= 0):
        raise InputError("forest: odds ratios must be > 0 (pass ratios, not log-odds).")
    k = ~is_ref
    eb = ax.errorbar(est[k], ys[k], xerr=[est[k] - lo[k], hi[k] - est[k]], fmt="s", color=style.OKABE_ITO["blue"],
                     ecolor="black", elinewidth=1.2, capsize=3, markersize=6)
    for art in eb.lines[2]:
        art.set_gid("ci_whisker")
    if is_ref.any():
        ax.plot(np.full(int(is_ref.sum()), reference), ys[is_ref], linestyle="none", marker="s", markersize=6,
                markerfacecolor="white", markeredgecolor=style.OKABE_ITO["blue"], gid="reference_level")
    ax.axvline(reference, color=style.GREY, linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _log_ticks(ax, lang)
    ax.set_yticks(ys, [str(v) for v in data[label]])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    xlabel = xlabel or i18n.t("plots.odds_ratio", lang)
    finish(ax, title, xlabel, ylabel, source, lang, i18n.t("plots.bars", lang), legend=False)
    cats = data[label].astype(str).tolist()
    set_alt_text(fig, i18n.t("plots.alt_forest", lang, title=title, x=xlabel, ncats=n, cats=few(cats)))
    return fig


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
