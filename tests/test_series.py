"""The series layer (issue 22): one Break type, one registry, structured keys, pieces and changes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from drugtrends import series
from drugtrends.errors import BreakError, InputError, UnknownVariableError
from drugtrends.series import Break, ComparabilityKey, known_breaks


def _unodc(years, ages, eras=None, definition="-", method="HHS"):
    n = len(years)
    return pd.DataFrame({"country": "France", "substance": "cocaine", "indicator": "prevalence",
                         "period": "past_year", "year": years, "age_group": ages, "definition": definition,
                         "method_basis": method, "design_era": eras or ["all"] * n, "source_break": 0,
                         "best": [1.0 + i for i in range(n)]})


def test_registry_holds_every_documented_break_once():
    reg = {(b.source, b.at, b.code) for b in series.REGISTRY}
    assert len(reg) == len(series.REGISTRY)
    assert {("nsduh", y) for y in (2002, 2015, 2020, 2021)} <= {(s, a) for s, a, _ in reg}
    assert all(b.code in series.REASONS for b in series.REGISTRY)
    assert all(b.kind in series.KINDS for b in series.REGISTRY)


def test_fixed_fine_affects_use_offences_not_trafficking():
    (ff,) = known_breaks("fr_drug_offences")
    assert (ff.code, ff.at, ff.date) == ("fixed_fine_2020", 2020, "2020-09-01")
    assert known_breaks("fr_drug_offences", offence="use") == [ff]
    assert known_breaks("fr_drug_offences", offence="use_excl_fixed_fine") == [ff]
    assert known_breaks("fr_drug_offences", offence="trafficking") == []
    d = pd.DataFrame({"departement": "75", "offence": ["trafficking"] * 4 + ["use"] * 4,
                      "year": [2018, 2019, 2020, 2021] * 2, "count": range(8)})
    got = {(p.data["offence"].iloc[0], p.start, p.end) for p in series.pieces(d, by="offence",
                                                                             source="fr_drug_offences")}
    assert got == {("trafficking", 2018, 2021), ("use", 2018, 2019), ("use", 2020, 2021)}


def test_fixed_fine_cuts_monthly_dates_at_september():
    d = pd.DataFrame({"date": pd.to_datetime(["2020-07-01", "2020-08-01", "2020-09-01", "2020-10-01"]),
                      "offence": "use", "count": [1, 2, 3, 4]})
    ps = series.pieces(d, x="date", source="fr_drug_offences")
    assert [(p.start.month, p.end.month) for p in ps] == [(7, 8), (9, 10)]


def test_nsduh_2015_concerns_only_the_redesigned_substances():
    assert [b.at for b in known_breaks("nsduh", substance="cannabis")] == [2002, 2020, 2021]
    assert [b.at for b in known_breaks("nsduh", substance="methamphetamine")] == [2002, 2015, 2020, 2021]
    b2015 = known_breaks("nsduh")[1]
    assert b2015.concerns("ecstasy") and not b2015.concerns("cocaine")
    assert "methamphetamine" in b2015.substances


def test_structured_key_differences_name_the_parts():
    d = _unodc([2010, 2014, 2017, 2023], ["15-64", "15-64", "18-64", "18-64"])
    keys = series.comparability_keys(d)
    assert isinstance(keys.iloc[0], ComparabilityKey)
    assert keys.iloc[0] == keys.iloc[1] and keys.iloc[1] != keys.iloc[2]
    assert keys.iloc[1].differences(keys.iloc[2]) == (("age_group", "15-64", "18-64"),)
    ps = series.pieces(d)
    assert [(p.start, p.end, len(p.data)) for p in ps] == [(2010, 2014, 2), (2017, 2023, 2)]


def test_break_reasons_are_codes_with_old_and_new_values():
    d = _unodc([2014, 2016, 2017, 2021], ["15-64", "15-64", "18-64", "18-64"],
               eras=["all", "all", "nsduh_2020", "nsduh_2021_on"])
    r = series.break_reasons(d)
    assert r[["x", "previous_x", "code", "part", "old", "new"]].values.tolist() == [
        [2017, 2016, "survey", "design_era", "all", "nsduh_2020"],
        [2017, 2016, "age_range", "age_group", "15-64", "18-64"],
        [2021, 2017, "nsduh_2021_method", "design_era", "nsduh_2020", "nsduh_2021_on"]]
    assert series.break_reasons(d.iloc[:2]).empty


def test_group_column_is_compared_whole_and_its_codes_reused():
    d = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a|x", "b|y", "b|y"],
                      "break_code": [None, "age_range+method", None], "estimate": [1.0, 2.0, 3.0]})
    assert [len(p.data) for p in series.pieces(d)] == [1, 2]
    assert series.break_reasons(d)["code"].tolist() == ["age_range", "method"]


def test_latest_and_previous_comparable():
    d = pd.DataFrame({"year": [2019, 2014, 2016, 2020, 2022], "estimate": [3, 1, 2, 4, 5]})
    assert int(series.latest(d)["year"]) == 2022
    assert series.previous_comparable(d, source="nsduh") is None  # 2022 stands after the 2021 break
    assert int(series.previous_comparable(d, 2019, source="nsduh", x="year")["year"]) == 2016
    assert int(series.previous_comparable(d.assign(substance="cannabis"), 2016, source="nsduh")["year"]) == 2014
    with pytest.raises(InputError, match="2 rows with year=2022"):
        series.latest(pd.concat([d, d.tail(1)]))
    with pytest.raises(InputError, match="no row with year=2000"):
        series.previous_comparable(d, 2000)


def test_change_is_tested_when_rows_carry_standard_errors():
    d = pd.DataFrame({"year": [2016, 2019], "estimate": [0.10, 0.12], "se": [0.004, 0.005]})
    c = series.change(d)
    se = math.hypot(0.004, 0.005)
    assert c.tested and c.method == "z" and c.se == pytest.approx(se)
    assert c.difference == pytest.approx(0.02) and c.ci_low < c.difference < c.ci_high
    assert c.ci_low == pytest.approx(0.02 - 1.959964 * se, rel=1e-5)
    assert c.significant and c.direction == "up" and c.p_value < 0.05
    flat = series.change(d.assign(estimate=[0.10, 0.101]))
    assert flat.significant is False and flat.direction == "stable"
    down = series.change(d.assign(estimate=[0.12, 0.10]))
    assert down.direction == "down" and down.difference < 0


def test_change_uses_t_with_the_smaller_df():
    d = pd.DataFrame({"year": [2016, 2019], "estimate": [0.10, 0.12], "se": [0.004, 0.005], "df": [50, 8]})
    c = series.change(d, level=0.9)
    assert c.method == "t"
    from scipy import stats

    assert c.ci_high - c.difference == pytest.approx(stats.t(8).ppf(0.95) * c.se)


def test_change_without_se_is_flagged_not_tested_and_claims_no_direction():
    d = pd.DataFrame({"year": [2017, 2023], "estimate": [1.6, 2.7]})
    c = series.change(d)
    assert not c.tested and c.significant is None and c.direction is None
    assert "not_tested" in c.flag and math.isnan(c.p_value)
    assert c.difference == pytest.approx(1.1) and c.relative == pytest.approx(1.1 / 1.6)
    z = series.change(d.assign(se=0.0))
    assert not z.tested and "zero_se" in z.flag


def test_change_refuses_to_cross_a_break():
    d = _unodc([2014, 2017], ["15-64", "18-64"])
    with pytest.raises(BreakError, match="age_range"):
        series.change(d, 2014, 2017, y="best")
    assert series.change(d, y="best") is None  # no earlier comparable point
    n = pd.DataFrame({"year": [2019, 2020], "estimate": [1.0, 1.1], "se": 0.01, "substance": "cannabis"})
    with pytest.raises(BreakError, match="nsduh_2020_mode"):
        series.change(n, 2019, 2020, source="nsduh")


def test_bad_input_raises_drugtrends_errors():
    d = pd.DataFrame({"year": ["2019", "twenty"], "estimate": [1.0, 2.0]})
    with pytest.raises(InputError, match="'year'"):
        series.pieces(d)
    with pytest.raises(UnknownVariableError, match="'yr'"):
        series.pieces(d, x="yr")
    with pytest.raises(InputError, match="breaks"):
        series.pieces(pd.DataFrame({"year": [1]}), breaks=["2015"])
    with pytest.raises(InputError, match="several series"):
        series.change(pd.DataFrame({"year": [2019, 2019], "estimate": 1.0, "departement": "75",
                                    "offence": ["use", "trafficking"], "recording_regime": "x"}))
    with pytest.raises(InputError, match="level"):
        series.change(pd.DataFrame({"year": [1, 2], "estimate": 1.0}), level=95)


def test_break_applies_to_and_label():
    b = Break("unodc", 2016, "new definition", "definition", (("country", "France"),))
    assert b.applies_to({"country": "France"}) and not b.applies_to({"country": "Spain"})
    assert b.label() == "unodc [country=France] 2016: new definition"
    assert Break("x", None, "status").start() is None


def test_every_reason_code_has_a_translation():
    from drugtrends import i18n

    for code in series.REASONS:
        for lang in ("en", "fr"):
            assert i18n.t(f"common.break_code.{code}", lang), (code, lang)
    assert i18n.t("common.break_code.fixed_fine_2020", "fr").startswith("amende forfaitaire")


def test_change_flags_suppressed_and_missing_points():
    d = pd.DataFrame({"year": [2016, 2019], "estimate": [0.10, 0.12], "se": [0.004, 0.005],
                      "suppressed": [False, True]})
    c = series.change(d)
    assert c.tested and "suppressed_point" in c.flag
    m = series.change(d.assign(estimate=[0.10, float("nan")]))
    assert not m.tested and m.direction is None and {"not_tested", "missing_estimate"} <= set(m.flag)


def test_rows_are_found_by_position_even_with_a_repeated_index():
    d = pd.DataFrame({"year": [2016, 2019, 2022], "estimate": [1.0, 2.0, 3.0], "se": 0.1}, index=[7, 7, 7])
    assert series.latest(d)["estimate"] == 3.0
    assert series.previous_comparable(d)["year"] == 2019
    assert [len(p.data) for p in series.pieces(d, breaks=[2020])] == [2, 1]
    assert series.change(d, 2016, 2019).difference == pytest.approx(1.0)
