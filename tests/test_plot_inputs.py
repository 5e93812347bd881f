"""What the figures accept: frames stacked with ``pd.concat`` (repeated index labels) draw like any other."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends import plots, style  # noqa: E402


@pytest.fixture(autouse=True)
def _house_style():
    style.apply()
    yield
    plt.close("all")


def _stacked() -> pd.DataFrame:
    """Two groups stacked without ignore_index: the labels 0, 1, 2 appear twice; one row suppressed."""
    parts = [pd.DataFrame({"year": [2019, 2020, 2021], "est": [1.0, 2.0, 3.0], "lo": [0.5, 1.5, 2.5],
                           "hi": [1.5, 2.5, 3.5], "g": g, "suppressed": [False, s, False]})
             for g, s in (("A", False), ("B", True))]
    return pd.concat(parts)


def test_bar_ci_with_repeated_index_labels():
    d = _stacked()
    fig = plots.bar_ci(d, "year", "est", "lo", "hi", group="g", title="t", source="s")
    ax = fig.axes[0]
    assert len(ax.patches) == 5  # six rows, one suppressed
    assert len([t for t in ax.texts if t.get_gid() == "suppressed_mark"]) == 1


def test_trend_plot_and_small_multiples_with_repeated_index_labels():
    d = _stacked()
    fig = plots.trend_plot(d, "year", "est", "lo", "hi", group="g", title="t", source="s")
    assert "1 estimate suppressed" in style.get_source_note(fig)
    fig = plots.small_multiples(d, "g", "year", "est", "lo", "hi", title="t", source="s")
    assert "1 estimate suppressed" in style.get_source_note(fig)
    assert d.index.tolist() == [0, 1, 2, 0, 1, 2]  # the caller's frame is left as it was
