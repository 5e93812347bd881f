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
