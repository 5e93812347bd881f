"""Layout of the house-style figures, measured with matplotlib's renderer (issue 25).

A student found the title of bar charts with long category labels shifted to
the right of the labels (and of the source note), and figure legends drawn
over the source note and the x-axis title. Each chart is drawn with long
labels and a legend, saved as a PNG, then measured: the title's left edge
and the source note's left edge are those of the drawn content (tick labels
or y label), and no legend overlaps the source note, an axis label, a tick
label or the title. Checked in English and French, with the house style
(:func:`drugtrends.style.apply`) and with matplotlib's defaults (a notebook
that never applied it).
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402

from drugtrends import plots, style  # noqa: E402

#: Alignment tolerance, in pixels at the figure's dpi (100).
TOL_PX = 1.0

LONG = ["Methamphetamine (lifetime, any route)", "Education: 9th to 11th grade, no diploma",
        "Cocaine (past year)", "Heroin", "Prescription pain relievers (misuse, past year)"]


@pytest.fixture(params=["house", "matplotlib"], autouse=True)
def _rc(request):
    """Every check runs with the house style and with matplotlib's defaults."""
    with matplotlib.rc_context():
        if request.param == "house":
            style.apply()
        else:
            matplotlib.rcdefaults()
        yield request.param
        plt.close("all")


# ------------------------------------------------------------------ charts


def _bars(lang, n=5):
    labs = (LONG * 3)[:n]
    labs = [f"{lab} {i}" if i >= len(LONG) else lab for i, lab in enumerate(labs)]
    est = np.linspace(0.5, 5.0, n)
    return pd.DataFrame({"lab": labs, "est": est, "lo": est * 0.8, "hi": est * 1.2})


def bar_single(lang):
    return plots.bar_ci(_bars(lang), "lab", "est", "lo", "hi", lang=lang, source="NSDUH 2022, table 1.1B",
                        title="Past-year use of selected substances among adults aged 18 or older")


def bar_grouped(lang):
    d = _bars(lang)
    g = pd.concat([d.assign(age=a, est=d.est * k, lo=d.lo * k, hi=d.hi * k)
                   for a, k in [("12-17", .3), ("18-25", 1.2), ("26 or older", 1.0), ("50 or older", .5)]],
                  ignore_index=True)
    return plots.bar_ci(g, "lab", "est", "lo", "hi", group="age", lang=lang, title="Lifetime use by age group",
                        source="NSDUH 2022", ylabel="Drug")


def bar_many(lang):
    return plots.bar_ci(_bars(lang, 14), "lab", "est", "lo", "hi", lang=lang, title="Fourteen categories",
                        source="NSDUH 2022 " + "with a long source note that wraps over two lines " * 2)


def bar_in_given_axes(lang):
    _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH_IN, 4.6))
    d = _bars(lang)
    g = pd.concat([d.assign(sex="Men"), d.assign(sex="Women", est=d.est / 2, lo=d.lo / 2, hi=d.hi / 2)],
                  ignore_index=True)
    return plots.bar_ci(g, "lab", "est", "lo", "hi", group="sex", ax=ax, lang=lang,
                        title="Lifetime use by sex, adults and adolescents, 2022", source="NSDUH 2022")


def bar_numbered(lang):
    return plots.number_figure(bar_grouped(lang), 3, lang)


def dumbbell(lang):
    d = pd.DataFrame({"cat": LONG, "a": [40., 30, 20, 10, 5], "b": [45., 28, 25, 8, 9]})
    return plots.dumbbell(d, "cat", "a", "b", start_label="2009-10", end_label="2011-12", lang=lang,
                          title="Profile of users", source="NHANES")


def forest(lang):
    d = pd.DataFrame({"term": LONG, "or": [0.5, 0.8, 1.2, 2.0, 1.1], "lo": [0.4, 0.6, 0.9, 1.5, 0.8],
                      "hi": [0.7, 1.1, 1.6, 2.7, 1.5]})
    return plots.forest(d, "term", "or", "lo", "hi", title="Adjusted odds ratios", source="NHANES", lang=lang)


def _trend_data(groups, ci=True):
    yrs = np.arange(2010, 2023)
    rows = []
    for k, lab in enumerate(groups):
        v = np.linspace(1, 3, len(yrs)) * (k + 1)
        rows.append(pd.DataFrame({"year": yrs, "est": v, "lo": v - .3 if ci else np.nan,
                                  "hi": v + .3 if ci else np.nan, "grp": lab}))
    return pd.concat(rows, ignore_index=True)


def trend_two(lang):
    return plots.trend_plot(_trend_data(LONG[:2]), "year", "est", "lo", "hi", group="grp", lang=lang,
                            title="Trend", source="NSDUH",
                            ylabel="Prevalence of use in the past year among adults (%)")


def trend_five(lang):  # a legend below the axes (figure legend)
    return plots.trend_plot(_trend_data(LONG, ci=False), "year", "est", group="grp", lang=lang,
                            title="Trend of five", source="NSDUH")


def km(lang):
    r = pd.DataFrame({"sex": ["female"] * 3 + ["male"] * 3, "time": [12.0, 15, 18] * 2,
                      "cumulative": [0.05, 0.1, 0.3, 0.1, 0.2, 0.4],
                      "cumulative_ci_low": [0.02, 0.05, 0.2, 0.05, 0.1, 0.3],
                      "cumulative_ci_high": [0.08, 0.15, 0.4, 0.15, 0.3, 0.5]})
    return plots.km_plot(r, "sex", title="Age at first use", source="Survey X", cumulative=True, lang=lang,
                         group_labels={"female": "Women (all ages, any route)", "male": "Men (all ages, any route)"})


def joinpoint(lang):
    x = np.arange(2000, 2012.0)
    fit = pd.DataFrame({"x": x, "y": 10 * 1.05 ** (x - 2000), "fitted": 10 * 1.05 ** (x - 2000)})
    segs = pd.DataFrame({"x_start": [2000.0], "x_end": [2011.0], "apc": [5.0], "apc_ci_low": [4.9],
                         "apc_ci_high": [5.1]})
    return plots.joinpoint_plot(SimpleNamespace(fitted=fit, segments=segs), title="Deaths", lang=lang,
                                ylabel="Deaths per 100,000", source="CDC WONDER")


CHARTS = [bar_single, bar_grouped, bar_many, bar_in_given_axes, bar_numbered, dumbbell, forest, trend_two,
          trend_five, km, joinpoint]


# ------------------------------------------------------------------ measuring


def _note(ax):
    notes = [t for t in ax.texts if t.get_gid() == "source_note"]
    assert len(notes) == 1
    return notes[0]


def _title(fig, ax):
    sup = fig._suptitle
    return sup if sup is not None and sup.get_text() else ax._left_title


def _measure(fig, tmp_path, name):
    plots.save(fig, tmp_path / f"{name}.png", dpi=80)  # the saved image is what a reader sees
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_visible() and any(t.get_gid() == "source_note" for t in a.texts))
    ticks = [t.get_window_extent(r) for t in ax.get_yticklabels() + ax.get_xticklabels()
             if t.get_visible() and t.get_text()]
    ylab = ax.yaxis.label.get_window_extent(r) if ax.get_ylabel() else None
    yticks = [t.get_window_extent(r) for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    content_left = min([b.x0 for b in yticks] + ([ylab.x0] if ylab is not None else []))
    return SimpleNamespace(
        r=r, ax=ax, title=_title(fig, ax).get_window_extent(r), note=_note(ax).get_window_extent(r),
        xlabel=ax.xaxis.label.get_window_extent(r), ylabel=ylab, ticks=ticks, content_left=content_left,
        legends=[leg.get_window_extent(r) for leg in fig.findobj(Legend) if leg.get_visible()])


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
def test_title_and_source_note_align_with_the_labels(chart, lang, tmp_path):
    fig = chart(lang)
    m = _measure(fig, tmp_path, chart.__name__)
    assert abs(m.title.x0 - m.content_left) <= TOL_PX, (m.title.x0, m.content_left)
    assert abs(m.note.x0 - m.content_left) <= TOL_PX, (m.note.x0, m.content_left)
    assert m.note.x1 <= fig.bbox.x1  # a note running past the figure would widen the saved image
    assert m.content_left >= fig.bbox.x0  # long labels are not cut at the figure's edge
    if m.ylabel is not None:  # a long y label never runs into the title
        assert not m.ylabel.overlaps(m.title), (m.ylabel, m.title)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
def test_no_legend_over_the_note_labels_or_title(chart, lang, tmp_path):
    fig = chart(lang)
    m = _measure(fig, tmp_path, chart.__name__)
    for leg in m.legends:
        assert not leg.overlaps(m.note), "legend over the source note"
        assert not leg.overlaps(m.xlabel), "legend over the x-axis title"
        assert m.ylabel is None or not leg.overlaps(m.ylabel), "legend over the y-axis title"
        assert not leg.overlaps(m.title), "legend over the title"
        assert not any(leg.overlaps(t) for t in m.ticks), "legend over tick labels"


def test_the_charts_with_legends_are_measured():
    """The overlap test is not vacuous: these charts do draw a legend (inside and below the axes)."""
    for chart in (bar_grouped, bar_in_given_axes, dumbbell, trend_two, trend_five, km):
        fig = chart("en")
        assert fig.findobj(Legend), chart.__name__
        plt.close(fig)


def test_a_panel_title_aligns_with_its_own_labels(tmp_path):
    """Drawn into one axes of several, the title is the panel's: at its labels' left edge, as its note."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(style.FIGURE_WIDTH_IN, 4))
    plots.bar_ci(_bars("en"), "lab", "est", "lo", "hi", ax=left, title="Left panel", source="X")
    right.plot([0, 1], [0, 1])
    plots.save(fig, tmp_path / "panels.png", dpi=80)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    labels_left = min(t.get_window_extent(r).x0 for t in left.get_yticklabels() if t.get_text())
    assert abs(left._left_title.get_window_extent(r).x0 - labels_left) <= TOL_PX
    assert abs(_note(left).get_window_extent(r).x0 - labels_left) <= TOL_PX
    assert labels_left >= 0


def test_layout_is_stable_across_draws(tmp_path):
    """Drawing twice (savefig with a tight bounding box draws twice) gives the same positions."""
    fig = bar_grouped("fr")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    first = (fig._suptitle.get_window_extent(r).x0, _note(fig.axes[0]).get_window_extent(r).x0,
             fig.axes[0].get_position().x0)
    fig.canvas.draw()
    again = (fig._suptitle.get_window_extent(r).x0, _note(fig.axes[0]).get_window_extent(r).x0,
             fig.axes[0].get_position().x0)
    assert np.allclose(first, again, atol=0.5)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_small_multiples_title_note_and_legend(lang, tmp_path):
    """Small multiples: title and note at the shared y label's left edge; the legend clear of every panel."""
    d = _trend_data(["France", "Spain", "Germany (federal)", "Italy"]).assign(
        est=lambda t: t.est * 1000, lo=lambda t: t.lo * 1000, hi=lambda t: t.hi * 1000)
    fig = plots.small_multiples(d, "grp", "year", "est", "lo", "hi", breaks=[2015], lang=lang, title="Cocaine use",
                                source="UNODC " + "World Drug Report, annex tables, with a long note " * 2,
                                ylabel="Prevalence of use in the past year (per 100,000)")
    plots.save(fig, tmp_path / "sm.png", dpi=80)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    note = next(t for t in fig.texts if t.get_gid() == "source_note").get_window_extent(r)
    supy = fig._supylabel.get_window_extent(r)
    panels = [a for a in fig.axes if a.get_visible()]
    content_left = min([supy.x0] + [t.get_window_extent(r).x0 for a in panels for t in a.get_yticklabels()
                                    if t.get_visible() and t.get_text()])
    assert abs(fig._suptitle.get_window_extent(r).x0 - content_left) <= TOL_PX
    assert abs(note.x0 - content_left) <= TOL_PX
    texts = [note, supy, fig._suptitle.get_window_extent(r)] + [
        t.get_window_extent(r) for a in panels
        for t in [a.xaxis.label, *a.get_xticklabels(), *a.get_yticklabels()] if t.get_visible() and t.get_text()]
    for leg in fig.findobj(Legend):
        box = leg.get_window_extent(r)
        assert not any(box.overlaps(t) for t in texts)
    for a in panels:  # the note stays below the panels' labels
        assert all(not note.overlaps(t.get_window_extent(r)) for t in [a.xaxis.label, *a.get_xticklabels()]
                   if t.get_visible() and t.get_text())
