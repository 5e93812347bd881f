"""Comparability breaks: registry, detection from real UNODC data, splitting, refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _data import real_file

from drugtrends.errors import BreakError, UnknownVariableError
from drugtrends.trends import (
    KNOWN_BREAKS,
    Break,
    breaks_for,
    check_no_breaks,
    detect_definition_breaks,
    joinpoint,
    rate_trend,
    split_at_breaks,
)

HERE = Path(__file__).parent


def test_registry_has_the_documented_breaks():
    ns = breaks_for("nsduh")
    assert [(b.at, b.kind) for b in ns] == [(2015, "redesign"), (2020, "mode"), (2021, "mode")]
    assert "2020 is comparable with no other year" in ns[1].reason
    vs = breaks_for("cdc_vsrr")
    assert len(vs) == 1 and vs[0].at is None and vs[0].kind == "status"
    assert all(isinstance(b, Break) for b in KNOWN_BREAKS)


def test_nsduh_2020_stands_alone():
    d = pd.DataFrame({"year": range(2016, 2024), "p": 0.1})
    pieces = dict(split_at_breaks(d, breaks_for("nsduh")))
    assert list(pieces) == ["2016-2019", "2020", "2021-2023"]
    assert pieces["2020"]["year"].tolist() == [2020]
    # 2019 vs 2021 crosses both mode breaks; 2021 vs 2023 crosses none
    with pytest.raises(BreakError) as e:
        check_no_breaks([2019, 2021], breaks_for("nsduh"))
    assert "2020" in str(e.value) and "2021" in str(e.value) and "allow_breaks=True" in str(e.value)
    assert check_no_breaks([2021, 2023], breaks_for("nsduh")) == []
    # breaks without a time point never block a time range
    assert check_no_breaks([2015, 2018], breaks_for("cdc_vsrr")) == []


def _unodc_xlsx() -> Path:
    return real_file("unodc_wdr2025", "1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx")


@pytest.mark.realdata
def test_france_cocaine_age_range_break_detected_from_unodc_annex():
    """France's cocaine rows: 2005, 2010, 2014 at ages 15-64; 2017, 2023 at 18-64 (annex 1.2)."""
    d = pd.read_excel(_unodc_xlsx(), sheet_name="Cocaine", header=2)
    d = d[d["Country/Territory"].isin(["France", "Germany", "Italy"])]
    br = detect_definition_breaks(d, x="Year", by="Country/Territory", definition="Age", series="unodc_cocaine")
    fr = [b for b in br if b.applies_to({"Country/Territory": "France"})]
    assert [(b.at, b.reason) for b in fr] == [(2017, "Age changed from 15-64 to 18-64")]
    assert fr[0].kind == "definition"
    france = d[d["Country/Territory"] == "France"].sort_values("Year")
    # a trend 2005 -> 2023 across the age change is refused ...
    with pytest.raises(BreakError, match="Age changed from 15-64 to 18-64"):
        joinpoint(france, x="Year", y="Best", breaks=fr, method="bic")
    # ... while the comparable pieces can be fitted separately
    pieces = split_at_breaks(france, fr, x="Year")
    assert [lab for lab, _ in pieces] == ["2005-2014", "2017-2023"]
    r = joinpoint(pieces[0][1], x="Year", y="Best", method="bic", max_joinpoints=0)
    # 0.60 (2005) -> 1.10 (2014), log-linear OLS through 3 points: check by hand
    x = np.array([2005, 2010, 2014.0])
    b = np.polyfit(x, np.log([0.60, 0.88, 1.10]), 1)[0]
    assert r.segments["apc"].iloc[0] == pytest.approx(100 * np.expm1(b), rel=1e-10)


def test_detect_definition_breaks_handles_missing_and_several_columns():
    d = pd.DataFrame({"c": ["A"] * 5, "year": [1, 2, 3, 4, 5],
                      "age": ["15-64", "15-64", None, None, "15-64"], "period": ["12m"] * 4 + ["30d"]})
    br = detect_definition_breaks(d, by=["c"], definition=["age", "period"])
    assert [b.at for b in br] == [3, 5]
    assert br[1].reason == "age changed from <NA> to 15-64; period changed from 12m to 30d"
    with pytest.raises(UnknownVariableError, match="agegroup"):
        detect_definition_breaks(d, definition="agegroup")


def test_rate_trend_refuses_break():
    d = pd.DataFrame({"year": range(2013, 2018), "n": [10, 12, 13, 15, 17], "pop": 1e5})
    with pytest.raises(BreakError):
        rate_trend(d, "year", "n", "pop", breaks=breaks_for("nsduh"))
    r = rate_trend(d, "year", "n", "pop", breaks=breaks_for("nsduh"), allow_breaks=True)
    assert r.breaks[0].at == 2015


def test_known_nsduh_breaks_come_from_the_data_layer_registry():
    from drugtrends import comparability
    from drugtrends.trends.breaks import breaks_for

    reg = {b.at: b.reason for b in comparability.NSDUH_BREAKS}
    assert [(b.at, b.reason) for b in breaks_for("nsduh")] == [(y, reg[y]) for y in (2015, 2020, 2021)]


def test_group_breaks_follow_comparability_groups():
    import pandas as pd

    from drugtrends.trends.breaks import group_breaks, split_at_breaks

    d = pd.DataFrame({"country": "US", "year": [2016, 2017, 2018, 2020, 2021],
                      "comparability_group": ["a", "a", "a", "b", "c"],
                      "break_reason": [None, None, None, "2020 NSDUH mode change", "2021 NSDUH multimode"]})
    bl = group_breaks(d, by="country", series="amph")
    assert [(b.at, b.reason, b.domain) for b in bl] == [
        (2020, "2020 NSDUH mode change", (("country", "US"),)), (2021, "2021 NSDUH multimode", (("country", "US"),))]
    assert [lab for lab, _ in split_at_breaks(d, bl)] == ["2016-2018", "2020", "2021"]
    with pytest.raises(UnknownVariableError, match="comparability_group"):
        group_breaks(d.drop(columns="comparability_group"))


def test_trends_break_is_the_series_break_and_registry_entries():
    """One Break type (issue 22): trends.breaks re-exports drugtrends.series.Break and its registry entries."""
    from drugtrends import series

    assert Break is series.Break
    assert set(KNOWN_BREAKS) <= set(series.REGISTRY)
    assert all(b.code for b in KNOWN_BREAKS)
