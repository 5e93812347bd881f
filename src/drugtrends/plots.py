"""House-style figures drawn from tidy results.

Every function takes a tidy DataFrame (or a result object) that the statistics
layer already computed, draws it, and returns the :class:`~matplotlib.figure.Figure`.
Nothing here recomputes a statistic. Every figure has a title, axis labels
with units, a source note (:func:`drugtrends.style.source_note`) and, when the
estimates have them, confidence bands or whiskers.

Conventions
-----------
* Values are plotted as given; pass ``scale=100`` to show 0-1 proportions as
  percentages (survey results are on the 0-1 scale).
* Rows whose ``suppressed`` column is true are **not plotted**; the figure's
  note says how many were left out and where.
* Artists that tests look for carry a ``gid``: ``"ci_band"`` (ribbons),
  ``"ci_whisker"`` (error bars), ``"break"`` (comparability breaks),
  ``"joinpoint"`` (joinpoint markers), ``"source_note"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from drugtrends import style

__all__ = [
    "trend_plot", "joinpoint_plot", "bar_ci", "dumbbell", "forest",
    "small_multiples", "save",
]


# --------------------------------------------------------------------------- helpers


def _require(df: pd.DataFrame, cols: Iterable[str | None], fn: str) -> None:
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        from drugtrends.errors import UnknownVariableError

        raise UnknownVariableError(
            f"{fn}: column(s) {missing} not in the data; available columns: "
            f"{list(df.columns)}. Pass the right column names as arguments."
        )


def _suppressed_mask(df: pd.DataFrame, suppressed: str | None) -> pd.Series:
    if suppressed and suppressed in df.columns:
        return df[suppressed].fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def _fmt_x(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m")
    return str(v)


def _normalise_breaks(breaks: Any, facet_col: str | None = None) -> pd.DataFrame:
    """Return breaks as a DataFrame with columns ``x``, ``label`` (and ``facet``)."""
    cols = ["x", "label", "facet"]
    if breaks is None:
        return pd.DataFrame(columns=cols)
    if isinstance(breaks, pd.DataFrame):
        b = breaks.copy()
        if "x" not in b.columns:
            for alt in ("year", "at", "position"):
                if alt in b.columns:
                    b = b.rename(columns={alt: "x"})
                    break
        if "x" not in b.columns:
            raise ValueError(f"breaks DataFrame needs an 'x' (or 'year') column; it has {list(b.columns)}")
        if "label" not in b.columns:
            b["label"] = ""
        b["facet"] = b[facet_col] if facet_col and facet_col in b.columns else None
        return b[cols]
    rows = []
    for item in breaks:
        if isinstance(item, Mapping):
            rows.append({"x": item.get("x", item.get("year")), "label": item.get("label", ""),
                         "facet": item.get(facet_col) if facet_col else None})
        elif isinstance(item, (tuple, list)):
            rows.append({"x": item[0], "label": item[1] if len(item) > 1 else "", "facet": None})
        else:
            rows.append({"x": item, "label": "", "facet": None})
    return pd.DataFrame(rows, columns=cols)


def _draw_breaks(ax: Axes, b: pd.DataFrame, lang: str) -> None:
    for _, r in b.iterrows():
        line = ax.axvline(r["x"], color=style.GREY, linestyle="--", linewidth=1.0, zorder=1)
        line.set_gid("break")
        lab = r["label"] if isinstance(r["label"], str) and r["label"] else style.text("break", lang)
        t = ax.text(r["x"], 0.98, " " + lab, transform=ax.get_xaxis_transform(), rotation=90,
                    ha="right", va="top", fontsize=matplotlib.rcParams["font.size"] - 2.5,
                    color="#555555")
        t.set_gid("break_label")


def _draw_series(ax: Axes, d: pd.DataFrame, x: str, y: str, ci_low: str | None,
                 ci_high: str | None, colour: str, label: str | None, scale: float,
                 supp: pd.Series, marker: str = "o", cuts: Any = None) -> None:
    """Draw one series; line and ribbon are never joined across a comparability break.

    ``cuts`` are break positions: a point at or after a cut belongs to the new
    definition, so the segment before the cut and the one after it are drawn apart.
    """
    try:
        cut = np.sort(np.asarray([] if cuts is None else list(cuts), dtype=float))
        seg = np.searchsorted(cut, d[x].to_numpy(dtype=float), side="right")
    except (TypeError, ValueError):  # non-numeric x (dates, labels): no splitting
        seg = np.zeros(len(d), dtype=int)
    for k, s_id in enumerate(np.unique(seg)):
        _draw_segment(ax, d[seg == s_id], x, y, ci_low, ci_high, colour, label if k == 0 else None,
                      scale, supp, marker)


def _break_positions(b: pd.DataFrame) -> list:
    return [] if b is None or not len(b) else b["x"].tolist()


def _draw_segment(ax: Axes, d: pd.DataFrame, x: str, y: str, ci_low: str | None,
                  ci_high: str | None, colour: str, label: str | None, scale: float,
                  supp: pd.Series, marker: str = "o") -> None:
    d = d.sort_values(x)
    yy = d[y].astype(float) * scale
    yy = yy.where(~supp.loc[d.index])
    xx = d[x]
    if ci_low and ci_high:
        lo = (d[ci_low].astype(float) * scale).where(~supp.loc[d.index])
        hi = (d[ci_high].astype(float) * scale).where(~supp.loc[d.index])
        okv = (lo.notna() & hi.notna()).to_numpy()
        # isolated points with an interval (no neighbour to make a ribbon) get whiskers
        iso = okv & ~(np.r_[False, okv[:-1]] | np.r_[okv[1:], False])
        ribbon = okv & ~iso
        if ribbon.any():
            band = ax.fill_between(xx.to_numpy(), lo.to_numpy(dtype=float), hi.to_numpy(dtype=float),
                                   where=ribbon, color=colour, alpha=0.18, linewidth=0,
                                   interpolate=False)
            band.set_gid("ci_band")
        if okv.any():
            if iso.any():
                # drawn from the bounds themselves: a published range need not contain the estimate
                xi = xx.to_numpy()[iso]
                lo_i, hi_i = lo.to_numpy(dtype=float)[iso], hi.to_numpy(dtype=float)[iso]
                wl = ax.vlines(xi, lo_i, hi_i, colors=colour, linewidth=1.0, alpha=0.8)
                wl.set_gid("ci_whisker")
                for yv in (lo_i, hi_i):
                    cap, = ax.plot(xi, yv, linestyle="none", marker="_", color=colour, markersize=5, alpha=0.8)
                    cap.set_gid("ci_cap")
    ax.plot(xx.to_numpy(), yy.to_numpy(dtype=float), color=colour, marker=marker, label=label,
            zorder=3)


def _supp_note(df: pd.DataFrame, supp: pd.Series, x: str, group: str | None, lang: str,
               labels: Mapping | None = None) -> str:
    if not supp.any():
        return ""
    s = df.loc[supp]
    parts = []
    for _, r in s.iterrows():
        g = r[group] if group else None
        gl = (labels or {}).get(g, g) if group else None
        parts.append(f"{gl} {_fmt_x(r[x])}" if group else _fmt_x(r[x]))
    n = len(parts)
    head = ("%d estimate%s suppressed (unreliable), not shown" % (n, "" if n == 1 else "s")) if lang == "en" \
        else ("%d estimation%s non diffusée%s (non fiable%s), non représentée%s"
              % (n, *(["" if n == 1 else "s"] * 4)))
    shown = ", ".join(parts[:6]) + (", ..." if n > 6 else "")
    return f"{head}: {shown}."


def _thousands(ax: Axes, lang: str) -> None:
    """Group thousands on the y axis (1,000 / 1 000) when values are large counts."""
    from matplotlib.ticker import FuncFormatter

    if ax.get_yscale() != "linear" or ax.get_ylim()[1] < 10000:
        return
    sep = "\u202f" if lang == "fr" else ","
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}".replace(",", sep)))


def _finish(ax: Axes, title: str, xlabel: str, ylabel: str, source: str, lang: str,
            extra_note: str = "", legend: bool = True) -> None:
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    note = source if not extra_note else f"{source}\n{extra_note}"
    style.source_note(ax, note, lang=lang)


def _check_text_args(fn: str, **kw: Any) -> None:
    for k, v in kw.items():
        if not v:
            raise ValueError(f"{fn}: '{k}' is required (every figure needs a title, axis labels and a source).")


# --------------------------------------------------------------------------- figures


def trend_plot(
    df: pd.DataFrame,
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
    suppressed: str | None = "suppressed",
    scale: float = 1.0,
    band_label: str | None = None,
    group_labels: Mapping | None = None,
    colours: Mapping | None = None,
    ax: Axes | None = None,
    ylim_zero: bool = True,
) -> Figure:
    """Line chart of estimates over time with confidence ribbons and break markers.

    Parameters
    ----------
    df
        Tidy estimates: one row per (group, x).
    x, y
        Columns with the time axis and the estimate.
    ci_low, ci_high
        Columns with the interval bounds (drawn as a ribbon; isolated points
        get whiskers). ``None`` draws no interval.
    group
        Column whose values get one line each (colour fixed per substance/sex
        id, see :func:`drugtrends.style.colours_for`).
    breaks
        Comparability breaks drawn as labelled vertical dashed lines: a list of
        x values, of ``(x, label)`` tuples, of dicts, or a DataFrame with
        ``x`` (or ``year``) and ``label``.
    title, ylabel, xlabel, source
        Texts; ``ylabel`` defaults to "Prevalence (%)", ``xlabel`` to "Year"
        in the chosen language. ``source`` is required.
    lang
        ``"en"`` or ``"fr"`` for standard labels.
    suppressed
        Boolean column marking suppressed estimates (not plotted, listed in
        the note).
    scale
        Multiply ``y`` and the bounds by this (``100`` for 0-1 proportions).
    band_label
        Legend text for the interval (default "95% CI").
    group_labels
        Mapping group value -> display label.
    colours
        Mapping group value -> colour (overrides the house colours).
    ax
        Draw into this axes instead of a new figure.
    ylim_zero
        Start the y axis at 0.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [2017, 2023], "best": [1.7, 2.7],
    ...                   "low": [1.6, None], "high": [1.8, None]})
    >>> fig = trend_plot(d, "year", "best", "low", "high", title="Cocaine, France",
    ...                  source="UNODC")
    >>> fig.axes[0].get_title(loc="left"), fig.axes[0].get_ylabel()
    ('Cocaine, France', 'Prevalence (%)')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("trend_plot", title=title, source=source)
    _require(df, [x, y, ci_low, ci_high, group], "trend_plot")
    ylabel = ylabel or style.text("prevalence", lang)
    xlabel = xlabel or style.text("year", lang)
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    supp = _suppressed_mask(df, suppressed)
    labels = dict(group_labels or {})
    bnorm = _normalise_breaks(breaks)
    cuts = _break_positions(bnorm)
    if group is None:
        _draw_series(ax, df, x, y, ci_low, ci_high, style.OKABE_ITO["blue"], None, scale, supp, cuts=cuts)
    else:
        keys = list(dict.fromkeys(df[group].tolist()))
        cols = style.colours_for(keys)
        cols.update(colours or {})
        for k in keys:
            d = df[df[group] == k]
            _draw_series(ax, d, x, y, ci_low, ci_high, cols[k], str(labels.get(k, k)), scale, supp, cuts=cuts)
    if ci_low and ci_high and fig.findobj(lambda a: a.get_gid() in ("ci_band", "ci_whisker")):
        from matplotlib.patches import Patch

        handles, labs = ax.get_legend_handles_labels()
        handles.append(Patch(facecolor=style.GREY, alpha=0.3))
        labs.append(band_label or style.text("ci95", lang))
        ax.legend(handles, labs, loc="best")
    _draw_breaks(ax, bnorm, lang)
    if ylim_zero:
        ax.set_ylim(bottom=0)
    if pd.api.types.is_integer_dtype(df[x]) or pd.api.types.is_float_dtype(df[x]):
        ax.xaxis.get_major_locator().set_params(integer=True)
    if "%" in ylabel:
        style.percent_axis(ax, lang=lang, digits=0 if ax.get_ylim()[1] > 5 else 1)
    else:
        _thousands(ax, lang)
    _finish(ax, title, xlabel, ylabel, source, lang, _supp_note(df, supp, x, group, lang, labels),
            legend=not (ci_low and ci_high))
    return fig


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if isinstance(obj, Mapping) and n in obj:
            return obj[n]
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _pick(df: pd.DataFrame, *names: str) -> str | None:
    for n in names:
        if n in df.columns:
            return n
    return None


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
    """Observed points, fitted joinpoint segments, joinpoint markers and APC labels.

    Parameters
    ----------
    result
        A joinpoint result (:func:`drugtrends.trends.joinpoint`) with
        ``.fitted`` (DataFrame: x, observed y and fitted values) and
        ``.segments`` (DataFrame: segment start, end, APC and its CI).
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
        Write "APC x.x%" at the middle of each segment.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> fitted = pd.DataFrame({"x": [1, 2, 3, 4], "y": [1.0, 2.0, 4.0, 4.4],
    ...                        "fitted": [1.0, 2.0, 4.0, 4.4]})
    >>> segs = pd.DataFrame({"start": [1, 3], "end": [3, 4], "apc": [100.0, 10.0],
    ...                      "apc_ci_low": [90.0, 5.0], "apc_ci_high": [110.0, 15.0]})
    >>> fig = joinpoint_plot(SimpleNamespace(fitted=fitted, segments=segs),
    ...                      title="t", ylabel="Deaths", source="CDC")
    >>> len([a for a in fig.axes[0].lines if a.get_gid() == "joinpoint"])
    1
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("joinpoint_plot", title=title, ylabel=ylabel, source=source)
    fitted = _get(result, "fitted")
    segs = _get(result, "segments")
    if not isinstance(fitted, pd.DataFrame) or not isinstance(segs, pd.DataFrame):
        raise TypeError("joinpoint_plot: result needs DataFrame attributes 'fitted' and 'segments' "
                        f"(got {type(fitted).__name__}, {type(segs).__name__}).")
    xcol = _pick(fitted, "x", "year", "time")
    ycol = _pick(fitted, "y", "observed", "value")
    fcol = _pick(fitted, "fitted", "fit", "yhat")
    if xcol is None or ycol is None or fcol is None:
        raise ValueError(f"joinpoint_plot: result.fitted needs x, y and fitted columns; has {list(fitted.columns)}")
    c = colour or style.OKABE_ITO["blue"]
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    f = fitted.sort_values(xcol)
    ax.plot(f[xcol], f[ycol], linestyle="none", marker="o", color=c, alpha=0.55,
            label=style.text("observed", lang), markersize=3.5)
    ax.plot(f[xcol], f[fcol], color=c, linewidth=2.2, label=style.text("fitted", lang))
    s0 = _pick(segs, "start", "x_start", "from")
    s1 = _pick(segs, "end", "x_end", "to")
    apc = _pick(segs, "apc", "APC")
    lo = _pick(segs, "apc_ci_low", "ci_low", "apc_low")
    hi = _pick(segs, "apc_ci_high", "ci_high", "apc_high")
    if s0 and s1:
        segs = segs.sort_values(s0)
        xs = f[xcol].to_numpy()
        fv = f[fcol].to_numpy(dtype=float)
        for jp in segs[s0].iloc[1:]:
            yv = float(np.interp(jp, xs, fv)) if np.issubdtype(np.asarray(xs).dtype, np.number) else \
                float(f.loc[f[xcol] == jp, fcol].iloc[0])
            m, = ax.plot([jp], [yv], marker="D", color="black", markersize=6, linestyle="none", zorder=4)
            m.set_gid("joinpoint")
        if label_apc and apc:
            for _, r in segs.iterrows():
                mid_x = r[s0] + (r[s1] - r[s0]) / 2
                try:
                    mid_y = float(np.interp(mid_x, f[xcol].to_numpy(dtype=float), fv))
                except (TypeError, ValueError):
                    continue
                txt = f"{style.text('apc', lang)} {r[apc]:+.1f}%"
                if lo and hi and pd.notna(r[lo]) and pd.notna(r[hi]):
                    txt += f"\n({r[lo]:.1f}; {r[hi]:.1f})"
                if lang == "fr":
                    txt = txt.replace(".", ",").replace("%", "\u00a0%")
                t = ax.annotate(txt, (mid_x, mid_y), xytext=(0, 10), textcoords="offset points",
                                ha="center", va="bottom", fontsize=matplotlib.rcParams["font.size"] - 2,
                                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
                t.set_gid("apc_label")
    # comparability breaks carried by the result (Break objects with .at and .reason)
    xs_num = np.issubdtype(np.asarray(f[xcol]).dtype, np.number)
    brows = []
    for b in (_get(result, "breaks", default=()) or ()):
        at = _get(b, "at")
        if at is None or not xs_num:
            continue
        before = f[xcol][f[xcol] < at]
        pos = (float(before.max()) + float(at)) / 2 if len(before) else float(at)
        brows.append({"x": pos, "label": str(_get(b, "reason", default=""))[:40]})
    if brows:
        _draw_breaks(ax, pd.DataFrame(brows, columns=["x", "label"]), lang)
    if xs_num:
        ax.xaxis.get_major_locator().set_params(integer=True)
    if log_scale:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
        _thousands(ax, lang)
    from matplotlib.lines import Line2D

    handles, labs = ax.get_legend_handles_labels()
    if any(a.get_gid() == "joinpoint" for a in ax.lines):
        handles.append(Line2D([], [], marker="D", color="black", linestyle="none"))
        labs.append(style.text("joinpoint", lang))
    ax.legend(handles, labs, loc="upper left")
    _finish(ax, title, xlabel or style.text("year", lang), ylabel, source, lang, legend=False)
    return fig


def bar_ci(
    df: pd.DataFrame,
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
    suppressed: str | None = "suppressed",
    scale: float = 1.0,
    colour_by: str | None = None,
    ylabel: str = "",
    ax: Axes | None = None,
    colour: str | None = None,
) -> Figure:
    """Horizontal bars with confidence-interval whiskers (one bar per row).

    Parameters
    ----------
    df
        Tidy estimates.
    label
        Column with the category shown on the y axis.
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
        Bar colour when there is no ``group`` / ``colour_by`` (e.g. the
        substance's house colour).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"sex": ["Men", "Women"], "est": [3.9, 1.6],
    ...                   "lo": [3.5, 1.3], "hi": [4.3, 1.9]})
    >>> fig = bar_ci(d, "sex", "est", "lo", "hi", title="Cocaine", source="OFDT")
    >>> fig.axes[0].get_xlabel()
    'Prevalence (%)'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("bar_ci", title=title, source=source)
    _require(df, [label, estimate, ci_low, ci_high, group, colour_by], "bar_ci")
    xlabel = xlabel or style.text("prevalence", lang)
    supp = _suppressed_mask(df, suppressed)
    cats = list(dict.fromkeys(df[label].tolist()))
    groups = list(dict.fromkeys(df[group].tolist())) if group else [None]
    cols = style.colours_for(groups) if group else {"_": colour or style.OKABE_ITO["blue"]}
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, max(2.2, 0.42 * len(cats) * max(1, len(groups)) + 1.4)))
    else:
        fig = ax.figure
    h = 0.8 / len(groups)
    for gi, g in enumerate(groups):
        d = df if g is None else df[df[group] == g]
        pos = {c: len(cats) - 1 - i for i, c in enumerate(cats)}
        for idx, r in d.iterrows():
            yv = pos[r[label]] + (len(groups) - 1) / 2 * h - gi * h
            colr = style.colour(str(r[colour_by])) if colour_by else cols[g if group else "_"]
            if supp.loc[idx] or pd.isna(r[estimate]):
                t = ax.text(0, yv, "  * " + style.text("suppressed", lang), va="center", ha="left",
                            color="#555555", fontsize=matplotlib.rcParams["font.size"] - 1)
                t.set_gid("suppressed_mark")
                continue
            v = float(r[estimate]) * scale
            ax.barh(yv, v, height=h * 0.9, color=colr, alpha=0.85,
                    label=(str(g) if g is not None else None))
            if ci_low and ci_high and pd.notna(r[ci_low]) and pd.notna(r[ci_high]):
                lo, hi = float(r[ci_low]) * scale, float(r[ci_high]) * scale
                ln, = ax.plot([lo, hi], [yv, yv], color="black", linewidth=1.1)
                ln.set_gid("ci_whisker")
                for e in (lo, hi):
                    cap, = ax.plot([e, e], [yv - h * 0.2, yv + h * 0.2], color="black", linewidth=1.1)
                    cap.set_gid("ci_whisker")
    ax.set_yticks([len(cats) - 1 - i for i in range(len(cats))], [str(c) for c in cats])
    ax.set_ylim(-0.6, len(cats) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    lows = pd.to_numeric(df[ci_low] if ci_low else df[estimate], errors="coerce")
    if not (lows.min() < 0 or pd.to_numeric(df[estimate], errors="coerce").min() < 0):
        ax.set_xlim(left=0)
    else:
        ax.axvline(0, color="black", linewidth=0.8)
    if group:
        handles, labs = ax.get_legend_handles_labels()
        uniq = dict(zip(labs, handles))
        ax.legend(uniq.values(), uniq.keys(), loc="best")
    note = ""
    if ci_low and ci_high:
        note = ("Whiskers: " if lang == "en" else "Barres : ") + style.text("ci95", lang) + "."
    if supp.any():
        note = (note + " " + style.text("suppressed_note", lang) + ".").strip()
    _finish(ax, title, xlabel, ylabel, source, lang, note, legend=False)
    return fig


def dumbbell(
    df: pd.DataFrame,
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
    df
        One row per category (wide: start and end columns).
    label
        Column with the category (e.g. "Women", "Aged 18-29").
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
    >>> import pandas as pd
    >>> d = pd.DataFrame({"cat": ["Women", "Aged 18-29"], "a": [40.0, 30.0], "b": [45.0, 28.0]})
    >>> fig = dumbbell(d, "cat", "a", "b", start_label="2009-10", end_label="2011-12",
    ...                title="Profile of users", source="NHANES")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['2009-10', '2011-12']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("dumbbell", title=title, source=source)
    _require(df, [label, start, end], "dumbbell")
    xlabel = xlabel or style.text("percent", lang)
    n = len(df)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, max(2.2, 0.38 * n + 1.4)))
    else:
        fig = ax.figure
    ys = np.arange(n)[::-1]
    a = df[start].astype(float).to_numpy() * scale
    b = df[end].astype(float).to_numpy() * scale
    for yv, u, v in zip(ys, a, b):
        ax.plot([u, v], [yv, yv], color="#BBBBBB", linewidth=2.5, zorder=1)
    ax.scatter(a, ys, color=style.OKABE_ITO["sky_blue"], s=40, zorder=3, label=start_label)
    ax.scatter(b, ys, color=style.OKABE_ITO["blue"], s=40, zorder=3, label=end_label)
    ax.set_yticks(ys, [str(v) for v in df[label]])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(loc="best")
    _finish(ax, title, xlabel, ylabel, source, lang, legend=False)
    return fig


def forest(
    df: pd.DataFrame,
    label: str,
    estimate: str,
    ci_low: str,
    ci_high: str,
    *,
    title: str,
    xlabel: str | None = None,
    source: str,
    lang: str = "en",
    ylabel: str = "",
    reference: float = 1.0,
    ax: Axes | None = None,
) -> Figure:
    """Forest plot of odds ratios with confidence intervals on a log scale.

    Parameters
    ----------
    df
        One row per term.
    label
        Column with the term's display label.
    estimate, ci_low, ci_high
        Columns with the odds ratio and its CI (ratio scale, not log).
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

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"term": ["Female", "Age 50+"], "or": [0.5, 0.8],
    ...                   "lo": [0.4, 0.6], "hi": [0.7, 1.1]})
    >>> fig = forest(d, "term", "or", "lo", "hi", title="Adjusted ORs", source="NHANES")
    >>> fig.axes[0].get_xscale()
    'log'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("forest", title=title, source=source)
    _require(df, [label, estimate, ci_low, ci_high], "forest")
    n = len(df)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, max(2.2, 0.4 * n + 1.4)))
    else:
        fig = ax.figure
    ys = np.arange(n)[::-1]
    est = df[estimate].astype(float).to_numpy()
    lo = df[ci_low].astype(float).to_numpy()
    hi = df[ci_high].astype(float).to_numpy()
    if np.any(est[np.isfinite(est)] <= 0):
        raise ValueError("forest: odds ratios must be > 0 (pass ratios, not log-odds).")
    eb = ax.errorbar(est, ys, xerr=[est - lo, hi - est], fmt="s", color=style.OKABE_ITO["blue"],
                     ecolor="black", elinewidth=1.2, capsize=3, markersize=6)
    for art in eb.lines[2]:
        art.set_gid("ci_whisker")
    ax.axvline(reference, color=style.GREY, linestyle="--", linewidth=1)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    lo_x, hi_x = ax.get_xlim()
    nice = [v for v in (0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20, 50, 100)
            if lo_x <= v <= hi_x]
    ax.xaxis.set_major_locator(FixedLocator(nice))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _p: (f"{v:g}".replace(".", ",") if lang == "fr" else f"{v:g}")))
    ax.set_yticks(ys, [str(v) for v in df[label]])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    note = ("Bars: " if lang == "en" else "Barres : ") + style.text("ci95", lang) + "."
    _finish(ax, title, xlabel or style.text("odds_ratio", lang), ylabel, source, lang, note,
            legend=False)
    return fig


def small_multiples(
    df: pd.DataFrame,
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
    ncols: int = 3,
    sharey: bool = True,
    suppressed: str | None = "suppressed",
    scale: float = 1.0,
    band_label: str | None = None,
    group_labels: Mapping | None = None,
    facet_labels: Mapping | None = None,
) -> Figure:
    """One small trend panel per facet (e.g. per country), shared axes.

    Parameters
    ----------
    df
        Tidy estimates with a facet column.
    facet
        Column giving the panel (e.g. ``"country"``).
    x, y, ci_low, ci_high, group
        As in :func:`trend_plot`.
    breaks
        As in :func:`trend_plot`; a DataFrame with a ``facet`` column (same
        name as ``facet``) puts each break in its own panel.
    title, ylabel, xlabel, source, lang, suppressed, scale, band_label, group_labels
        As in :func:`trend_plot`.
    ncols
        Panels per row.
    sharey
        Same y scale in every panel (recommended for comparisons).
    facet_labels
        Mapping facet value -> panel title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"country": ["France"] * 2 + ["Spain"] * 2,
    ...                   "year": [2017, 2023, 2017, 2022], "best": [1.7, 2.7, 2.2, 2.4]})
    >>> fig = small_multiples(d, "country", "year", "best", title="Cocaine", source="UNODC")
    >>> [a.get_title(loc="left") for a in fig.axes if a.get_visible()]
    ['France', 'Spain']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    style.check_lang(lang)
    _check_text_args("small_multiples", title=title, source=source)
    _require(df, [facet, x, y, ci_low, ci_high, group], "small_multiples")
    ylabel = ylabel or style.text("prevalence", lang)
    xlabel = xlabel or style.text("year", lang)
    facets = list(dict.fromkeys(df[facet].tolist()))
    ncols = max(1, min(ncols, len(facets)))
    nrows = int(np.ceil(len(facets) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols + 0.6, 2.2 * nrows + 1.2),
                             sharex=True, sharey=sharey, squeeze=False)
    supp = _suppressed_mask(df, suppressed)
    b = _normalise_breaks(breaks, facet_col=facet)
    labels = dict(group_labels or {})
    gkeys = list(dict.fromkeys(df[group].tolist())) if group else []
    cols = style.colours_for(gkeys) if group else {}
    for i, fv in enumerate(facets):
        ax = axes.flat[i]
        d = df[df[facet] == fv]
        bb = b[(b["facet"].isna()) | (b["facet"] == fv)] if len(b) else b
        cuts = _break_positions(bb)
        if group:
            for k in gkeys:
                dd = d[d[group] == k]
                if len(dd):
                    _draw_series(ax, dd, x, y, ci_low, ci_high, cols[k], str(labels.get(k, k)), scale, supp,
                                 cuts=cuts)
        else:
            _draw_series(ax, d, x, y, ci_low, ci_high, style.OKABE_ITO["blue"], None, scale, supp, cuts=cuts)
        _draw_breaks(ax, bb, lang)
        ax.set_title((facet_labels or {}).get(fv, str(fv)), loc="left", fontsize=matplotlib.rcParams["font.size"],
                     fontweight="normal")
        ax.tick_params(axis="x", labelrotation=45)
        ax.xaxis.get_major_locator().set_params(integer=True)
    # y from 0 to the largest value drawn (estimates and upper bounds), shared or per panel
    for i, fv in enumerate(facets):
        ax = axes.flat[i]
        d = df[(df[facet] == fv) if not sharey else slice(None)]
        keep = ~supp.loc[d.index]
        top = np.nanmax(np.r_[d.loc[keep, y].astype(float).to_numpy() * scale,
                              (d.loc[keep, ci_high].astype(float).to_numpy() * scale) if ci_high else [],
                              [0.0]])
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)
    for j in range(len(facets), nrows * ncols):
        axes.flat[j].set_visible(False)
    for j in range(len(facets)):
        if j + ncols >= len(facets):  # nothing visible below: show the x axis here
            axes.flat[j].xaxis.set_tick_params(labelbottom=True)
            axes.flat[j].set_xlabel(xlabel)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold",
                 fontsize=matplotlib.rcParams["font.size"] + 2)
    fig.supylabel(ylabel)
    handles, labs = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:len(facets)]:
        for h_, l_ in zip(*ax.get_legend_handles_labels()):
            if l_ not in labs:
                handles.append(h_)
                labs.append(l_)
    if ci_low and ci_high and fig.findobj(lambda a: a.get_gid() in ("ci_band", "ci_whisker")):
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor=style.GREY, alpha=0.3))
        labs.append(band_label or style.text("ci95", lang))
    if len(b):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color=style.GREY, linestyle="--"))
        labs.append(style.text("break", lang))
    if handles:
        fig.legend(handles, labs, loc="outside right upper")
    note = _supp_note(df, supp, x, facet, lang, facet_labels)
    style.source_note(fig, source if not note else f"{source}\n{note}", lang=lang)
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
    >>> import tempfile, pathlib, matplotlib.pyplot as plt
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
