"""Step curves with confidence bands for survey-weighted survival (age at first use).

Draws the output of :meth:`drugtrends.survey.SurveyDesign.km` as it is: a
step function (the curve is constant between event times) from 100 % (or 0 %
for the cumulative share) at time 0, one colour per group, the log-scale
confidence interval as a shaded step band (``gid="ci_band"``).

Examples
--------
>>> import pandas as pd
>>> import matplotlib.pyplot as plt
>>> r = pd.DataFrame({"time": [14.0, 16, 18], "survival": [0.9, 0.7, 0.6], "ci_low": [0.85, 0.65, 0.55],
...                   "ci_high": [0.95, 0.75, 0.65]})
>>> fig = km_plot(r, title="Age at first use of cannabis", source="NSDUH 2022")
>>> fig.axes[0].get_ylabel()
'Not yet used (%)'
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from drugtrends import i18n, style
from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.plots.base import check_text_args, few, finish, fmt_x, require, set_alt_text

__all__ = ["km_plot"]


def _step_data(d: pd.DataFrame, y: str, lo: str, hi: str, start: float) -> tuple:
    """Prepend time 0 at the starting level; return x, y, low, high arrays."""
    d = d.sort_values("time")
    x = np.concatenate([[0.0], d["time"].to_numpy(float)])
    return (x, np.concatenate([[start], d[y].to_numpy(float)]), np.concatenate([[start], d[lo].to_numpy(float)]),
            np.concatenate([[start], d[hi].to_numpy(float)]))


@arguments(renamed("df", "data"))
def km_plot(data: pd.DataFrame, group: str | None = None, *, title: str, source: str, lang: str = "en",
            cumulative: bool = False, ylabel: str | None = None, xlabel: str | None = None,
            group_labels: Mapping | None = None, colours: Mapping | None = None, marks: Sequence[float] = (),
            xlim: tuple[float, float] | None = None, ax: Axes | None = None) -> Figure:
    """Survival (or cumulative) step curves with shaded confidence bands.

    Parameters
    ----------
    data : DataFrame
        :meth:`~drugtrends.survey.SurveyDesign.km` output: ``time``,
        ``survival``, ``ci_low``, ``ci_high`` (and ``cumulative``,
        ``cumulative_ci_low``, ``cumulative_ci_high`` with ``cumulative=True``),
        plus the ``group`` column.
    group : str, optional
        One curve per value (fixed colours for sexes, then the palette).
    title, source : str
        Required texts.
    lang : {"en", "fr"}
    cumulative : bool, default False
        Draw the share who have started (``1 - survival``) instead.
    ylabel, xlabel : str, optional
        Default "Not yet used (%)" / "Have used (%)" and "Age (years)" in ``lang``.
    group_labels, colours : mapping, optional
        Group value -> legend label; group value -> colour.
    marks : sequence of float
        Times to mark with a dotted vertical line (e.g. ages 18 and 25).
    xlim : (float, float), optional
    ax : Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> r = pd.DataFrame({"sex": ["female"] * 2 + ["male"] * 2, "time": [15.0, 18, 15, 18],
    ...                   "cumulative": [0.1, 0.3, 0.2, 0.4], "cumulative_ci_low": [0.05, 0.2, 0.1, 0.3],
    ...                   "cumulative_ci_high": [0.15, 0.4, 0.3, 0.5]})
    >>> fig = km_plot(r, "sex", title="Age at first use", source="Survey X", cumulative=True, marks=[18])
    >>> fig.axes[0].get_ylabel(), len([a for a in fig.axes[0].collections if a.get_gid() == "ci_band"])
    ('Have used (%)', 2)
    >>> plt.close(fig)
    """
    i18n.check_lang(lang)
    check_text_args("km_plot", title=title, source=source)
    y, lo, hi = (("cumulative", "cumulative_ci_low", "cumulative_ci_high") if cumulative
                 else ("survival", "ci_low", "ci_high"))
    require(data, ["time", y, lo, hi, group], "km_plot")
    if not len(data):
        raise InputError("km_plot: no rows to draw (no event in the data?).")
    ylabel = ylabel or i18n.t("km.ylabel_cumulative" if cumulative else "km.ylabel_survival", lang)
    xlabel = xlabel or i18n.t("km.xlabel_age", lang)
    # matplotlib types ax.figure as Figure | SubFigure: used as the Figure it is
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 3.9)) if ax is None else (cast(Figure, ax.figure), ax)
    keys = list(dict.fromkeys(data[group].tolist())) if group else [None]
    cols = (style.colours_for(keys) if group else {None: style.OKABE_ITO["blue"]}) | dict(colours or {})
    labels = dict(group_labels or {})
    start = 0.0 if cumulative else 1.0
    for k in keys:
        d = data if k is None else data[data[group] == k]
        x, yy, ll, hh = _step_data(d, y, lo, hi, start)
        c = cols[k]
        ax.fill_between(x, 100 * ll, 100 * hh, step="post", color=c, alpha=0.2, linewidth=0, gid="ci_band")
        ax.step(x, 100 * yy, where="post", color=c, linewidth=1.6,
                label=None if k is None else str(labels.get(k, k)))
    for m in marks:
        ax.axvline(m, color=style.GREY, linestyle=":", linewidth=1, gid="mark")
    ax.set_ylim(0, 100)
    ax.set_xlim(*(xlim or (0, float(data["time"].max()) + 1)))
    style.percent_axis(ax, lang=lang)
    finish(ax, title, xlabel, ylabel, source, lang, legend=group is not None)
    set_alt_text(fig, i18n.t("km.alt", lang, title=title, y=ylabel, x=xlabel, ngroups=len(keys),
                             groups=few([str(labels.get(k, k)) for k in keys] if group else [title]),
                             first=fmt_x(0, lang), last=fmt_x(float(data["time"].max()), lang)))
    return fig


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
