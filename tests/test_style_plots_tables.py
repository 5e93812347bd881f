"""Presentation layer: house style, figures and tables.

Checks that figures carry what a reader needs (title, axis labels with units,
source note, CI bands, break markers, suppressed points left out) and that
tables mark suppressed estimates and have a Markdown twin with the same
content. Values drawn are compared with the input numbers, so a plot that
silently drops or rescales data fails.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends import plots, style, tables  # noqa: E402


@pytest.fixture(autouse=True)
def _house_style():
    style.apply()
    yield
    plt.close("all")


def _series() -> pd.DataFrame:
    # France, cocaine, past-year prevalence as published in UNODC WDR 2025 annex 1.2
    return pd.DataFrame({
        "country": ["France"] * 5 + ["Spain"] * 3,
        "year": [2005, 2010, 2014, 2017, 2023, 2017, 2020, 2022],
        "best": [0.6, 0.88, 1.1, 1.7, 2.7, 2.2, 2.5, 2.4],
        "low": [np.nan, np.nan, np.nan, 1.6, np.nan, 2.0, 2.3, 2.2],
        "high": [np.nan, np.nan, np.nan, 1.8, np.nan, 2.4, 2.7, 2.6],
        "suppressed": [False] * 7 + [True],
    })


def _check_labels(fig, title, xlabel=None, ylabel=None):
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == title or (fig._suptitle is not None and fig._suptitle.get_text() == title)
    if xlabel is not None:
        assert ax.get_xlabel() == xlabel
    if ylabel is not None:
        assert ax.get_ylabel() == ylabel
    note = style.get_source_note(fig)
    assert note is not None and note.startswith("Source")


# ------------------------------------------------------------------ style


def test_palette_is_okabe_ito_and_fixed_per_substance():
    assert style.colour("cocaine") == "#0072B2"
    assert style.colour("cannabis") == "#009E73"
    assert style.colour("female") != style.colour("male")
    assert set(style.SUBSTANCE_COLOURS.values()) <= set(style.OKABE_ITO.values()) | {style.GREY, style.WINE}
    # issue 23: no orange beside vermillion -- orange is given to no substance
    assert style.OKABE_ITO["orange"] not in style.SUBSTANCE_COLOURS.values()
    assert style.colour("psychostimulants") != style.colour("synthetic_opioids")
    c = style.colours_for(["France", "Germany", "Spain", "Italy", "Netherlands", "Belgium", "US"])
    assert len(set(c.values())) == 7  # distinct while the palette lasts
    # same input, same colours (no salted hash)
    assert c == style.colours_for(["France", "Germany", "Spain", "Italy", "Netherlands", "Belgium", "US"])


def test_labels_in_both_languages():
    assert style.text("year", "fr") == "Année"
    assert style.text("ci95", "fr") == "IC à 95\u202f%"  # French typography (issue 23)
    with pytest.raises(ValueError, match="lang"):
        style.text("year", "de")
    with pytest.raises(KeyError, match="not in the en catalogue"):
        style.text("nope")


def test_substance_label_uses_taxonomy_french():
    pytest.importorskip("drugtrends.taxonomy")
    assert style.substance_label("cocaine", "fr") == "cocaïne"
    assert style.substance_label("heroin", "fr") == "héroïne"


def test_svg_output_is_byte_stable(tmp_path):
    d = _series()
    a = plots.save(plots.trend_plot(d, "year", "best", "low", "high", group="country",
                                    title="t", source="UNODC"), tmp_path / "a.svg")
    b = plots.save(plots.trend_plot(d, "year", "best", "low", "high", group="country",
                                    title="t", source="UNODC"), tmp_path / "b.svg")
    assert a.read_bytes() == b.read_bytes()
    assert b"<dc:date>" not in a.read_bytes()


# ------------------------------------------------------------------ plots


def test_trend_plot_labels_band_breaks_and_suppression():
    d = _series()
    fig = plots.trend_plot(d, "year", "best", "low", "high", group="country",
                           breaks=[(2015.5, "age 15-64 -> 18-64")],
                           title="Past-year cocaine use", source="UNODC WDR 2025, table 1.2")
    _check_labels(fig, "Past-year cocaine use", "Year", "Prevalence (%)")
    ax = fig.axes[0]
    # CI ribbon for Spain spans exactly its published low/high
    bands = [c for c in ax.collections if c.get_gid() == "ci_band"]
    assert bands, "no CI band drawn"
    ys = np.concatenate([p.vertices[:, 1] for b in bands for p in b.get_paths()])
    assert ys.min() == pytest.approx(2.0) and ys.max() == pytest.approx(2.7)
    # France 2017 is isolated (neighbours have no interval): whiskers 1.6..1.8
    wh = [a for a in fig.findobj() if a.get_gid() == "ci_whisker"]
    assert wh
    segs = np.concatenate([np.asarray(s) for w in wh for s in w.get_segments()])
    assert segs[:, 1].min() == pytest.approx(1.6) and segs[:, 1].max() == pytest.approx(1.8)
    # the break line is at the requested position
    brk = [ln for ln in ax.lines if ln.get_gid() == "break"]
    assert len(brk) == 1 and brk[0].get_xdata()[0] == 2015.5
    # the suppressed Spain 2022 estimate is not drawn, and the note says so
    spain = [ln for ln in ax.lines if ln.get_label() == "Spain"][0]
    yd = np.asarray(spain.get_ydata(), dtype=float)
    assert np.isnan(yd[-1]) and yd[0] == pytest.approx(2.2)
    assert "1 estimate suppressed" in style.get_source_note(fig)
    assert "Line chart" in plots.alt_text(fig) and "France, Spain" in plots.alt_text(fig)
    assert "Spain 2022" in style.get_source_note(fig)
    # France's values are plotted unchanged, but never joined across the break (2015.5):
    # one line before it, one after it, in the same colour
    fr = [ln for ln in ax.lines if ln.get_label() == "France"][0]
    same = [ln for ln in ax.lines if ln.get_gid() != "break" and ln.get_color() == fr.get_color()
            and ln.get_marker() == fr.get_marker()]
    np.testing.assert_allclose(np.concatenate([ln.get_ydata() for ln in same]), [0.6, 0.88, 1.1, 1.7, 2.7])
    for ln in same + [sp for sp in ax.lines if sp.get_label() == "Spain"]:
        xs = np.asarray(ln.get_xdata(), dtype=float)
        assert xs.max() < 2015.5 or xs.min() > 2015.5, "a line crosses the comparability break"


def test_trend_plot_scale_and_french():
    d = pd.DataFrame({"year": [2009, 2011], "estimate": [0.1, 0.12], "ci_low": [0.08, 0.1],
                      "ci_high": [0.12, 0.14]})
    fig = plots.trend_plot(d, "year", "estimate", "ci_low", "ci_high", scale=100,
                           title="Cannabis", source="NHANES", lang="fr")
    _check_labels(fig, "Cannabis", "Année", "Prévalence (%)")
    assert style.get_source_note(fig) == "Source\u00a0: NHANES"
    ln = fig.axes[0].lines[0]
    np.testing.assert_allclose(ln.get_ydata(), [10.0, 12.0])
    band = [c for c in fig.axes[0].collections if c.get_gid() == "ci_band"][0]
    ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert ys.min() == pytest.approx(8.0) and ys.max() == pytest.approx(14.0)


def test_trend_plot_requires_title_and_source_and_columns():
    d = _series()
    with pytest.raises(ValueError, match="title"):
        plots.trend_plot(d, "year", "best", title="", source="x")
    with pytest.raises(KeyError, match="nope"):
        plots.trend_plot(d, "year", "nope", title="t", source="x")


@pytest.mark.filterwarnings("ignore:.*fits the data exactly")  # a noise-free series, on purpose
def test_joinpoint_plot_with_real_result():
    trends = pytest.importorskip("drugtrends.trends")
    x = np.arange(2000, 2016)
    rate = np.where(x < 2008, 10 * 1.10 ** (x - 2000), 10 * 1.10 ** 8 * 0.97 ** (x - 2008))
    res = trends.joinpoint(pd.DataFrame({"year": x, "rate": rate}), max_joinpoints=1,
                           method="bic", joinpoint_ci=False)
    fig = plots.joinpoint_plot(res, title="Rate", ylabel="Rate per 100,000", source="synthetic")
    _check_labels(fig, "Rate", "Year", "Rate per 100,000")
    ax = fig.axes[0]
    jps = [ln for ln in ax.lines if ln.get_gid() == "joinpoint"]
    assert [float(j.get_xdata()[0]) for j in jps] == [float(v) for v in res.joinpoints["x"]]
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "apc_label"]
    assert len(labels) == len(res.segments)
    assert labels[0].startswith(f"APC {res.segments['apc'].iloc[0]:+.1f}%".replace("-", "\u2212"))


def test_bar_ci_whiskers_and_suppressed_mark():
    d = pd.DataFrame({"sex": ["Men", "Women", "Total"], "estimate": [0.039, 0.016, 0.027],
                      "ci_low": [0.035, 0.01, 0.024], "ci_high": [0.043, 0.02, 0.03],
                      "suppressed": [False, True, False]})
    fig = plots.bar_ci(d, "sex", "estimate", "ci_low", "ci_high", scale=100,
                       title="Cocaine by sex", source="OFDT")
    _check_labels(fig, "Cocaine by sex", "Prevalence (%)")
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([2.7, 3.9])  # the suppressed bar is absent
    marks = [t for t in ax.texts if t.get_gid() == "suppressed_mark"]
    assert len(marks) == 1 and "*" in marks[0].get_text()
    wx = sorted({round(float(v), 6) for ln in ax.lines if ln.get_gid() == "ci_whisker"
                 for v in ln.get_xdata()})
    assert wx == pytest.approx([2.4, 3.0, 3.5, 4.3])
    assert "Estimate suppressed" in style.get_source_note(fig)


def test_dumbbell_and_forest():
    d = pd.DataFrame({"cat": ["Women", "18-29"], "a": [0.40, 0.30], "b": [0.45, 0.28]})
    fig = plots.dumbbell(d, "cat", "a", "b", start_label="2009-10", end_label="2011-12", scale=100,
                         title="Shift", source="NHANES")
    _check_labels(fig, "Shift", "Percent (%)")
    offs = [c.get_offsets() for c in fig.axes[0].collections]
    np.testing.assert_allclose(np.asarray(offs[0])[:, 0], [40.0, 30.0])
    np.testing.assert_allclose(np.asarray(offs[1])[:, 0], [45.0, 28.0])
    f = pd.DataFrame({"t": ["Female", "Age 50+"], "or": [0.5, 0.8], "lo": [0.4, 0.6], "hi": [0.7, 1.1]})
    fig = plots.forest(f, "t", "or", "lo", "hi", title="ORs", source="NHANES")
    _check_labels(fig, "ORs", "Odds ratio (log scale)")
    assert fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="> 0"):
        plots.forest(f.assign(**{"or": [-0.1, 0.2]}), "t", "or", "lo", "hi", title="x", source="y")


def test_small_multiples_panels_and_breaks():
    d = _series()
    br = pd.DataFrame({"country": ["France"], "x": [2015.5], "label": ["age 18-64"]})
    fig = plots.small_multiples(d, "country", "year", "best", "low", "high", breaks=br,
                                title="Cocaine", source="UNODC")
    vis = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title(loc="left") for a in vis] == ["France", "Spain"]
    assert fig._suptitle.get_text() == "Cocaine"
    assert [len([ln for ln in a.lines if ln.get_gid() == "break"]) for a in vis] == [1, 0]
    assert all(a.get_xlabel() == "Year" for a in vis)  # bottom row shows the x label
    assert style.get_source_note(fig).startswith("Source: UNODC")
    assert any(c.get_gid() == "ci_band" for c in vis[1].collections)


# ------------------------------------------------------------------ tables


def _est() -> pd.DataFrame:
    return pd.DataFrame({
        "sex": ["Total", "Men", "Women"], "variable": ["hd"] * 3, "estimate": [0.1234, 0.16, 0.0211],
        "se": [0.01, 0.012, 0.02], "ci_low": [0.1001, 0.135, 0.0011], "ci_high": [0.15, 0.188, 0.09],
        "n": [4321, 2100, 25], "suppressed": [False, False, True], "flag": ["", "df<8", "n_eff<30"],
    })


def test_estimate_table_marks_suppressed_and_formats():
    t = tables.estimate_table(_est(), "sex", source="NHANES 2009-2012", title="Ever hard drugs")
    d = t.data
    assert list(d.columns) == ["sex", "n (unweighted)", "Estimate (%)", "95% CI"]
    assert d["Estimate (%)"].tolist() == ["12.3", "16.0\u2020", "*"]
    assert d["95% CI"].tolist() == ["10.0\u201315.0", "13.5\u201318.8", ""]
    assert d["n (unweighted)"].tolist() == ["4,321", "2,100", "25"]
    assert t.notes[0].startswith("* Estimate suppressed")
    assert any("df<8" in n for n in t.notes) and t.notes[-1] == "Source: NHANES 2009-2012"
    html = t.as_html()
    assert "Ever hard drugs" in html and "Estimate suppressed" in html and ">*<" in html
    # deterministic HTML (fixed table id)
    assert html == tables.estimate_table(_est(), "sex", source="NHANES 2009-2012",
                                         title="Ever hard drugs").as_html()


def test_estimate_table_no_suppression_no_footnote_and_french():
    d = _est().iloc[:2]
    t = tables.estimate_table(d, "sex", source="NHANES", lang="fr", flag=None)
    assert not any(n.startswith("*") for n in t.notes)
    assert t.data["Estimation (%)"].tolist() == ["12,3", "16,0"]
    assert t.data["IC à 95\u202f%"].tolist()[0] == "10,0\u201315,0"
    assert t.data["n (non pondéré)"].tolist()[0] == "4\u202f321"


def _parse_pipe(md: str) -> list[list[str]]:
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    out = []
    for ln in rows[2:]:
        cells = [c.strip().replace("\\*", "*").replace("\\|", "|") for c in
                 re.split(r"(?<!\\)\|", ln.strip())[1:-1]]
        out.append(cells)
    return out


def test_markdown_twin_has_same_content():
    t = tables.estimate_table(_est(), "sex", source="NHANES", title="Ever hard drugs")
    md = t.as_markdown()
    # PDF: a short table is one unbreakable block with its title (never split from it)
    assert md.startswith("```{=typst}\n#block(breakable: false") and md.rstrip().endswith("]\n```")
    assert '#block(sticky: true, below: 0.65em)[#strong("Ever hard drugs")]' in md
    assert _parse_pipe(md) == t.data.astype(str).values.tolist()
    assert "\\* Estimate suppressed" in md and "Source: NHANES" in md
    bundle = t._repr_mimebundle_()
    assert set(bundle) >= {"text/html", "text/markdown"}


def test_show_emits_html_and_markdown(monkeypatch):
    seen = {}

    def fake_display(obj, raw=False):
        seen["obj"], seen["raw"] = obj, raw

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    t = tables.estimate_table(_est(), "sex", source="NHANES")
    tables.show(t)
    assert seen["raw"] and seen["obj"]["text/markdown"] == t.as_markdown()
    tables.show(t.gt, t.data)
    assert "text/html" in seen["obj"] and "| sex |" in seen["obj"]["text/markdown"]
    with pytest.raises(ValueError, match="df_display"):
        tables.show(t.gt)


def test_profile_table_and_segments_table():
    d = pd.DataFrame({"cycle": ["2009-10"] * 2 + ["2011-12"] * 2, "variable": ["female"] * 4,
                      "level": ["No", "Yes"] * 2, "estimate": [0.6, 0.4, 0.58, 0.42],
                      "ci_low": [0.55, 0.35, 0.5, 0.37], "ci_high": [0.65, 0.45, 0.63, 0.47],
                      "suppressed": [False, False, False, True]})
    t = tables.profile_table_gt(d, columns="cycle", source="NHANES", variable_labels={"female": "Female"},
                                column_n={"2009-10": 1234, "2011-12": 1100})
    assert t.data.columns.tolist() == ["Variable", "Level", "2009-10 (n = 1,234)", "2011-12 (n = 1,100)"]
    assert t.data.iloc[1].tolist() == ["Female", "Yes", "40.0 (35.0\u201345.0)", "*"]
    assert any(n.startswith("* Estimate suppressed") for n in t.notes)
    segs = pd.DataFrame({"segment": [1, 2], "x_start": [2015.0, 2016.5], "x_end": [2016.5, 2018.0],
                         "apc": [22.14, -3.05], "apc_ci_low": [20.0, -5.0], "apc_ci_high": [24.0, -1.1]})

    class R:
        segments = segs
        aapc = pd.DataFrame({"aapc": [9.04], "ci_low": [8.0], "ci_high": [10.1]})

    s = tables.segments_table(R(), source="CDC VSRR")
    assert s.data.iloc[1].tolist() == ["2", "2016.50", "2018", "-3.0", "-5.0 to -1.1"]
    assert s.notes[0] == "AAPC: 9.0% (95% CI 8.0\u201310.1)."


def test_suppression_footnote_follows_the_rule():
    t = tables.estimate_table(_est(), "sex", source="NSDUH", rule="nsduh")
    assert t.notes[0].startswith("* Estimate suppressed (low precision) under the NSDUH rule")
    t = tables.estimate_table(_est(), "sex", source="x", suppression_rule="* Custom rule.")
    assert t.notes[0] == "* Custom rule."
    with pytest.raises(ValueError, match="unknown reliability rule"):
        tables.estimate_table(_est(), "sex", source="x", rule="who")


def test_markdown_widths_and_breakable_ids():
    d = pd.DataFrame({"Dataset": ["nhanes_2009_2012"], "Title": ["word " * 15]})
    md = tables.as_markdown(d)
    sep = [ln for ln in md.splitlines() if ln.startswith("|")][1]
    widths = [len(c) for c in sep.strip("|").split("|")]
    assert widths[0] >= len("nhanes_2009_2012") and widths[1] <= 25  # long text capped, ids kept
    assert "nhanes\\_\u200b2009" in md  # may wrap after underscores in PDF


# ------------------------------------------------------------------ issue 14: comparability, fonts, locale, alt


def _unodc_like() -> pd.DataFrame:
    # US amphetamines as the data layer annotates them: three comparability groups
    return pd.DataFrame({
        "country": "United States", "year": [2016, 2018, 2020, 2021], "best": [3.0, 3.3, 5.65, 1.1],
        "comparability_group": ["a", "a", "b", "c"],
        "break_code": [None, None, "definition", "nsduh_2021_method"],
        "break_reason": [None, None, "definition changed: methamphetamine only", "NSDUH 2021 methodology"],
    })


def test_trend_plot_never_joins_across_comparability_groups():
    d = _unodc_like()
    fig = plots.trend_plot(d, "year", "best", title="Amphetamines", source="UNODC")
    ax = fig.axes[0]
    data_lines = [ln for ln in ax.lines if ln.get_gid() not in ("break",) and len(ln.get_xdata()) > 0
                  and ln.get_marker() == "o"]
    spans = sorted((min(ln.get_xdata()), max(ln.get_xdata())) for ln in data_lines)
    assert spans == [(2016, 2018), (2020, 2020), (2021, 2021)]
    brk = sorted(float(ln.get_xdata()[0]) for ln in ax.lines if ln.get_gid() == "break")
    assert brk == [2019.0, 2020.5]
    note = " ".join(style.get_source_note(fig).split())
    assert "1 = definition changed: methamphetamine only" in note and "2 = NSDUH 2021 methodology" in note
    fr = plots.trend_plot(d, "year", "best", title="Amphétamines", source="ONUDC", lang="fr")
    note_fr = " ".join(style.get_source_note(fr).split())
    assert "définition du produit modifiée" in note_fr
    assert "NSDUH à partir de 2021" in note_fr and "methodology" not in note_fr


def test_small_multiples_break_per_panel_and_readable_ticks():
    d = pd.concat([_unodc_like(), _series().assign(comparability_group="g")], ignore_index=True)
    fig = plots.small_multiples(d, "country", "year", "best", title="Cocaine", source="UNODC", ncols=4)
    assert fig.get_figwidth() <= style.FIGURE_WIDTH_IN
    fig.canvas.draw()
    scale = min(1.0, (16 / 2.54) / fig.get_figwidth())  # printed at most at the A4 text width
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert min(sizes) * scale >= style.MIN_FONT_PT
    us = [a for a in fig.axes if a.get_title(loc="left") == "United States"][0]
    assert len([ln for ln in us.lines if ln.get_gid() == "break"]) == 2


def test_french_ticks_use_decimal_commas():
    d = pd.DataFrame({"year": [2009, 2011, 2013], "estimate": [0.5, 0.75, 3.0]})
    fig = plots.trend_plot(d, "year", "estimate", title="t", source="s", lang="fr")
    fig.canvas.draw()
    ax = fig.axes[0]
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ys and all("." not in y for y in ys) and any("," in y for y in ys)
    assert len({len(y.split(",")[1]) for y in ys if "," in y}) == 1  # same decimals on every tick
    assert xs and all(x.isdigit() and len(x) == 4 for x in xs)  # years: no separators, no decimals


def test_long_category_labels_do_not_widen_the_figure(tmp_path):
    d = pd.DataFrame({"t": [f"Education: a rather long category label number {i}" for i in range(5)],
                      "o": [1.2, 0.8, 1.5, 2.0, 0.6], "l": [1.0, 0.6, 1.2, 1.5, 0.4], "h": [1.4, 1.1, 1.9, 2.6, 0.9]})
    fig = plots.forest(d, "t", "o", "l", "h", title="ORs", source="A long source line " * 8)
    p = plots.save(fig, tmp_path / "f.svg")
    width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', p.read_text()).group(1))
    assert width_pt / 72 <= style.FIGURE_WIDTH_IN + 0.2


def test_long_titles_wrap_inside_the_figure(tmp_path):
    title = "Personality scores of past-year crack, ketamine and cocaine users (UCI, unweighted), a long title"
    d = pd.DataFrame({"c": ["a", "b"], "e": [0.1, -0.2], "lo": [0.0, -0.3], "hi": [0.2, -0.1]})
    fig = plots.bar_ci(d, "c", "e", "lo", "hi", title=title, source="UCI")
    p = plots.save(fig, tmp_path / "f.svg")
    width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', p.read_text()).group(1))
    assert width_pt / 72 <= style.FIGURE_WIDTH_IN + 0.2  # the saved image is not widened by its title


def test_every_figure_has_alt_text_that_says_what_it_shows():
    d = _series()
    figs = [
        plots.trend_plot(d, "year", "best", group="country", title="T1", source="s"),
        plots.small_multiples(d, "country", "year", "best", title="T2", source="s", facet_name="country"),
        plots.bar_ci(d.head(2).assign(l=["a", "b"]), "l", "best", "low", "high", title="T3", source="s"),
        plots.dumbbell(pd.DataFrame({"c": ["x"], "a": [1.0], "b": [2.0]}), "c", "a", "b", start_label="2009",
                       end_label="2011", title="T4", source="s"),
        plots.forest(pd.DataFrame({"t": ["x"], "o": [1.2], "l": [1.0], "h": [1.4]}), "t", "o", "l", "h",
                     title="T5", source="s"),
    ]
    for i, f in enumerate(figs, 1):
        alt = plots.alt_text(f)
        assert alt and f"T{i}" in alt and len(alt) > len(f"T{i}") + 20
    assert "France, Spain" in plots.alt_text(figs[0]) and "2005 to 2023" in plots.alt_text(figs[0])


def test_number_figure_and_numbered_table_in_french():
    fig = plots.trend_plot(_series(), "year", "best", title="Cocaïne", source="s", lang="fr")
    plots.number_figure(fig, 2, "fr")
    assert fig._suptitle.get_text() == "Figure 2. Cocaïne"
    t = tables.estimate_table(_est(), "sex", source="NHANES", title="Drogues", lang="fr").numbered(3, "fr")
    assert t.title == "Tableau 3. Drogues" and "Tableau 3. Drogues" in t.as_html()
    assert '#strong("Tableau 3. Drogues")' in t.as_markdown()


def test_joinpoint_plot_draws_jumps_regime_by_regime():
    from types import SimpleNamespace

    x = np.arange(2010, 2021, dtype=float)
    y = 10 * 1.05 ** (x - 2010) * np.where(x >= 2015, 1.25, 1.0)
    fitted = pd.DataFrame({"x": x, "y": y, "fitted": y, "regime": (x >= 2015).astype(int)})
    segs = pd.DataFrame({"x_start": [2010.0], "x_end": [2020.0], "apc": [5.0], "apc_ci_low": [4.0],
                         "apc_ci_high": [6.0]})
    cr = pd.DataFrame({"x": [2015.0], "estimate": [1.25], "ci_low": [1.2], "ci_high": [1.3], "x_jump": [2014.5],
                       "fitted_before": [10 * 1.05 ** 4.5], "fitted_after": [12.5 * 1.05 ** 4.5]})
    res = SimpleNamespace(fitted=fitted, segments=segs, comparability_ratio=cr, jumps=(2015.0,))
    fig = plots.joinpoint_plot(res, title="Jump", ylabel="Rate", source="s", lang="fr")
    ax = fig.axes[0]
    fits = [ln for ln in ax.lines if ln.get_linewidth() == 2.2]
    # one line per regime, each running to the jump at 2014.5 (never one line through it)
    assert [(min(ln.get_xdata()), max(ln.get_xdata())) for ln in fits] == [(2010, 2014.5), (2014.5, 2020)]
    assert fits[0].get_ydata()[-1] == pytest.approx(10 * 1.05 ** 4.5)
    assert fits[1].get_ydata()[0] == pytest.approx(12.5 * 1.05 ** 4.5)
    jump = [ln for ln in ax.lines if ln.get_gid() == "jump"]
    assert len(jump) == 1 and jump[0].get_xdata()[0] == 2014.5
    lab = [t.get_text() for t in ax.texts if t.get_gid() == "jump_label"][0]
    assert "1,25" in lab and "1,20–1,30" in lab


def test_key_figures_box_html_and_typst():
    from drugtrends.keyfigures import KeyFigure, KeyFigures

    k = KeyFigure("Expérimentation", 15.0, low=13.1, high=17.2, year="2011-2012", population="18-69 ans",
                  previous=14.0, previous_year="2009-2010", change=1.0, direction="up", significant=False)
    box = KeyFigures([k], lang="fr")
    h = box.as_html()
    assert "Chiffres clés" in h and "15,0\u202f%" in h and "IC à 95\u202f%\u00a0: 13,1–17,2" in h
    assert "pas d&#x27;évolution significative" in h and "2011-2012 · 18-69 ans" in h
    md = box.as_markdown()
    assert md.startswith("```{=typst}") and "breakable: false" in md
    with pytest.raises(ValueError, match="direction"):
        KeyFigure("x", 1.0, direction="upward")


def test_segments_table_for_a_batch_result():
    segs = pd.DataFrame({"drug": ["heroin", "heroin", "opioids"], "x_start": [1999.0, 2010.0, 1999.0],
                         "x_end": [2010.0, 2018.0, 2018.0], "apc": [5.0, 25.0, 10.0],
                         "apc_ci_low": [4.0, 20.0, 9.0], "apc_ci_high": [6.0, 30.0, 11.0]})
    aapc = pd.DataFrame({"drug": ["heroin", "opioids"], "aapc": [12.3, 10.0], "ci_low": [11.0, 9.0],
                         "ci_high": [13.5, 11.0]})

    class R:
        pass

    r = R()
    r.segments, r.aapc = segs, aapc
    t = tables.segments_table(r, source="NCHS", group="drug", group_labels={"heroin": "Héroïne",
                                                                            "opioids": "Opioïdes"}, lang="fr")
    assert t.data.iloc[:, 0].tolist() == ["Héroïne", "Héroïne", "Opioïdes"]
    assert t.data.iloc[:, 1].tolist() == ["1", "2", "1"]
    assert t.notes[0] == "Héroïne\u00a0: VAMP\u00a0: 12,3\u202f% (IC à 95\u202f%\u00a0: 11,0–13,5)."


def test_only_short_tables_are_kept_in_one_pdf_block():
    short = tables.simple_table(pd.DataFrame({"a": [str(i) for i in range(10)]}), title="Short")
    assert "#block(breakable: false" in short.as_markdown()
    tall = tables.simple_table(pd.DataFrame({"a": ["a long wrapped text cell " * 6] * 12}), title="Tall")
    md = tall.as_markdown()  # 12 rows of 7 printed lines: taller than a page, so it may break
    assert "#block(breakable: false" not in md and '#block(sticky: true, below: 0.65em)[#strong("Tall")]' in md


def test_many_break_reasons_are_condensed_to_their_kind():
    rows = []
    for i, c in enumerate(["A", "B", "C", "D"]):
        for j, y in enumerate(range(2010, 2022, 2)):
            rows.append({"country": c, "year": y, "best": 1.0 + j, "comparability_group": f"{c}{j // 2}",
                         "break_note": (f"age range changed ({10 + i}-64 to {12 + j}-64)" if j in (2, 4) else None)})
    d = pd.DataFrame(rows)
    fig = plots.small_multiples(d, "country", "year", "best", title="t", source="s")
    note = " ".join(style.get_source_note(fig).split())
    assert "1 = age range changed)" in note and "2 =" not in note  # 8 detailed reasons -> one kind
    labels = {t.get_text().strip() for t in fig.findobj(matplotlib.text.Text) if t.get_gid() == "break_label"}
    assert labels == {"1"}
    few = plots.trend_plot(d[d["country"] == "A"], "year", "best", title="t", source="s")
    assert "1 = age range changed (10-64 to 14-64); 2 = age range changed (10-64 to 16-64)" in \
        " ".join(style.get_source_note(few).split())


def test_many_lines_put_the_legend_below_the_plot():
    d = pd.DataFrame({"g": np.repeat(list("abcdef"), 3), "year": [2015, 2016, 2017] * 6, "v": np.arange(18.0)})
    fig = plots.trend_plot(d, "year", "v", group="g", title="t", source="s", ylabel="Deaths")
    assert fig.axes[0].get_legend() is None and len(fig.legends) == 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list("abcdef")
    two = plots.trend_plot(d[d["g"].isin(["a", "b"])], "year", "v", group="g", title="t", source="s")
    assert two.axes[0].get_legend() is not None and not two.legends


def test_presentation_reads_the_survey_result_columns():
    from drugtrends.plots.base import SUPPRESSED
    from drugtrends.survey import ESTIMATE_COLUMNS

    assert {tables.ESTIMATE, tables.CI_LOW, tables.CI_HIGH, tables.N, tables.SUPPRESSED, tables.FLAG,
            SUPPRESSED} <= set(ESTIMATE_COLUMNS)
