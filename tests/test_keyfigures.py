"""Key figures whose words cannot contradict their numbers (issues 22 and 24)."""

from __future__ import annotations

import pandas as pd
import pytest

from drugtrends import series
from drugtrends.errors import InputError
from drugtrends.keyfigures import KeyFigure, KeyFigures


def test_direction_contradicting_the_change_is_refused():
    with pytest.raises(InputError, match="contradicts"):
        KeyFigure("x", 1.0, previous=2.0, previous_year=2019, change=-1.0, direction="up", significant=True)
    with pytest.raises(InputError, match="contradicts"):
        KeyFigure("x", 3.0, previous=2.0, previous_year=2019, change=1.0, direction="down", significant=None)
    with pytest.raises(InputError, match="contradicts"):
        KeyFigure("x", 3.0, previous=2.0, previous_year=2019, change=1.0, direction="stable", significant=True)
    with pytest.raises(InputError, match="direction"):
        KeyFigure("x", 1.0, direction="upward")


@pytest.mark.parametrize("change, sig, direction, en, fr", [
    (1.1, True, "up", "up from 1.6% in 2017", "en hausse par rapport à 1,6"),
    (-1.1, True, "down", "down from 1.6% in 2017", "en baisse par rapport à 1,6"),
    (0.2, False, "stable", "no significant change since 2017", "pas d'évolution significative depuis 2017"),
    (1.1, None, None, "1.6% in 2017 (+1.1 pp; significance not tested)", "significativité non testée"),
])
def test_wording_follows_the_test(change, sig, direction, en, fr):
    k = KeyFigure("x", 1.6 + change, previous=1.6, previous_year=2017, change=change, significant=sig)
    assert k.direction == direction
    assert en in k.change_text("en") and fr in k.change_text("fr")
    words = k.change_text("en")
    if sig is not True:
        assert not any(w in words for w in ("up ", "down ", "increase", "decrease"))
        assert "hausse" not in k.change_text("fr") and "baisse" not in k.change_text("fr")
    assert (k.arrow() == "") == (sig is None)


def test_non_significant_upward_direction_is_written_as_no_significant_change():
    k = KeyFigure("x", 15.0, previous=14.0, previous_year=2010, change=1.0, direction="up", significant=False)
    assert k.direction == "stable" and k.change_text("en").startswith("no significant change")


def test_from_change_takes_numbers_from_the_series_layer():
    d = pd.DataFrame({"year": [2019, 2022], "estimate": [0.10, 0.101], "se": [0.01, 0.01]})
    k = KeyFigure.from_change("Use", 10.1, series.change(d), scale=100, year=2022)
    assert (k.previous, k.previous_year, k.significant, k.direction) == (10.0, 2019, False, "stable")
    assert k.change == pytest.approx(0.1)
    none = KeyFigure.from_change("Use", 10.1, series.change(d.tail(1)), year=2022)
    assert none.previous is None and none.change_text("en") == "no earlier comparable estimate"
    box = KeyFigures([k], lang="fr").as_html()
    assert "pas d&#x27;évolution significative" in box or "pas d'évolution significative" in box


def test_from_series_takes_latest_interval_and_comparable_change():
    d = pd.DataFrame({"country": "France", "substance": "cocaine", "indicator": "prevalence",
                      "period": "past_year", "year": [2010, 2014, 2017, 2023],
                      "age_group": ["15-64", "15-64", "18-64", "18-64"], "definition": "-", "method_basis": "HHS",
                      "design_era": "all", "source_break": 0, "best": [0.9, 1.1, 1.6, 2.7],
                      "low": [None, None, None, 2.4], "high": [None, None, None, 3.0]})
    k = KeyFigure.from_series(d, "Cocaine", y="best", low="low", high="high", interval="range")
    assert (k.value, k.low, k.high, k.year) == (2.7, 2.4, 3.0, 2023)
    assert (k.previous, k.previous_year, k.significant, k.direction) == (1.6, 2017, None, None)
    assert "significance not tested" in k.change_text("en")
    first = KeyFigure.from_series(d.iloc[:3], "Cocaine", y="best", low="low", high="high")
    assert first.previous is None  # 2017 opens a new piece (age range changed): nothing comparable before it
    nsduh = pd.DataFrame({"year": [2019, 2021], "estimate": [0.10, 0.12], "se": 0.001, "substance": "cannabis"})
    assert KeyFigure.from_series(nsduh, "x", source="nsduh").previous is None  # 2020/2021 breaks
