"""Guardrails against natural mistakes (issues 24 and 25): refusals, reports and short reprs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import drugtrends as dt
from drugtrends.errors import BreakError, ModelWarning
from drugtrends.trends import joinpoint
from drugtrends.trends.jp_api import frame_breaks


def _series(years, groups=None):
    d = pd.DataFrame({"year": years, "rate": 2.0 * 1.05 ** (np.asarray(years) - years[0])})
    if groups is not None:
        d["comparability_group"] = groups
    return d


def test_joinpoint_refuses_a_break_recorded_in_the_frame():
    d = _series([2005, 2008, 2010, 2014, 2017, 2019, 2023], list("aaaabbb"))
    with pytest.raises(BreakError, match=r"2017.*jump_at=\[2017\]"):
        joinpoint(d, max_joinpoints=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = joinpoint(d, max_joinpoints=0, jump_at=2017, method="bic")
        assert len(r.comparability_ratio) == 1
        r2 = joinpoint(d, max_joinpoints=0, allow_breaks=True, method="bic")
    assert r2.segments["apc"].iloc[0] == pytest.approx(5.0)
    # one group only: nothing to refuse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joinpoint(_series([2005, 2008, 2010, 2014], list("aaaa")), max_joinpoints=0)


def test_break_code_rows_count_as_breaks():
    d = _series([2005, 2008, 2010, 2014, 2017, 2019])
    d["break_code"] = [None, None, None, "age_range", None, None]
    assert [b.at for b in frame_breaks(d, "year")] == [2014]
    with pytest.raises(BreakError):
        joinpoint(d, max_joinpoints=0)


def test_france_cocaine_rows_are_refused(data_dir):
    d = dt.load("unodc_prevalence")
    fr = d[(d.country == "France") & (d.substance == "cocaine")]
    with pytest.raises(BreakError, match="age range"):
        joinpoint(fr, x="year", y="best", max_joinpoints=0)


def test_batch_continues_past_groups_it_cannot_fit():
    yrs = list(range(2000, 2012))
    good = _series(yrs).assign(g="ok")
    short = _series([2018]).assign(g="one year")
    broken = _series(yrs, ["a"] * 6 + ["b"] * 6).assign(g="break")
    d = pd.concat([good, short, broken.drop(columns="comparability_group")], ignore_index=True)
    d["comparability_group"] = ["a"] * 12 + ["a"] + ["a"] * 6 + ["b"] * 6
    with pytest.warns(ModelWarning, match="2 of 3 group"):
        r = joinpoint(d, by="g", max_joinpoints=0, method="bic")
    st = r.status.set_index("g")
    assert st.loc["ok", "status"] == "fitted" and st.loc["one year", "status"] == "not fitted"
    assert "BreakError" in st.loc["break", "reason"]
    assert r.segments["g"].unique().tolist() == ["ok"]
    assert "1 group(s) fitted, 2 not fitted" in repr(r)


def test_joinpoint_repr_is_short():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = joinpoint(_series(list(range(2000, 2012))), max_joinpoints=0, method="bic")
    text = repr(r)
    assert len(text) < 500 and text.startswith("<JoinpointResult: rate by year (2000-2011, n = 12)")
    assert "rose 5.0% a year" in text


def test_compare_joinpoint_refuses_a_recorded_break():
    from drugtrends.trends import compare_joinpoint
    yrs = np.arange(2000, 2012)
    d = pd.DataFrame({"year": np.tile(yrs, 2), "sex": np.repeat(["F", "M"], 12),
                      "rate": np.exp(np.r_[0.05 * (yrs - 2000), 0.10 * (yrs - 2000)]) * (1 + 0.01 * np.sin(np.arange(24))),
                      "comparability_group": ["a"] * 12 + ["a"] * 6 + ["b"] * 6})
    with pytest.raises(BreakError, match="sex='M'"):
        compare_joinpoint(d, group="sex", method="bic", max_joinpoints=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = compare_joinpoint(d, group="sex", method="bic", max_joinpoints=0, allow_breaks=True)
    assert np.isfinite(r.parallel_p)


def test_change_between_refuses_years_in_different_recorded_groups():
    from drugtrends.survey import SurveyDesign
    from drugtrends.trends import change_between
    d = pd.DataFrame({"w": 1.0, "yr": [2014] * 4 + [2016] * 4, "use": [0, 1, 0, 0, 1, 1, 0, 1],
                      "comparability_group": ["old"] * 4 + ["new"] * 4})
    des = SurveyDesign(d, weight="w")
    with pytest.raises(BreakError, match="different comparability groups"):
        change_between(des, "use", "yr", (2014, 2016))
    r = change_between(des, "use", "yr", (2014, 2016), allow_breaks=True)
    assert r["difference"].iloc[0] == pytest.approx(0.75 - 0.25)


def _toy_design():
    from drugtrends.survey import SurveyDesign
    rng = np.random.default_rng(1)
    n = 120
    d = pd.DataFrame({"psu": np.arange(n) % 12, "w": 1.0 + rng.random(n), "y": rng.integers(0, 2, n),
                      "age": rng.integers(18, 70, n), "edu": rng.choice(["a", "b", "c"], n),
                      "sex": rng.choice(["female", "male"], n)})
    return SurveyDesign(d, weight="w", psu="psu")


def test_difference_with_more_than_two_levels_asks_for_the_pair():
    des = _toy_design()
    with pytest.raises(dt.errors.InputError, match=r"3 levels.*levels=\('a', 'c'\)"):
        des.difference("y", between="edu")
    r = des.difference("y", between="edu", levels=("a", "c"))
    m = des.mean("y", by="edu").set_index("edu")["estimate"]
    assert r["estimate"].iloc[0] == pytest.approx(m["c"] - m["a"])


def test_chisq_refuses_a_continuous_numeric_column():
    des = _toy_design()
    with pytest.raises(dt.errors.DesignError, match="'age' is numeric with .* distinct values.*pandas.cut"):
        des.chisq("y", "age")
    assert 0 <= des.chisq("y", "edu").p <= 1


def test_subset_with_no_row_names_the_levels():
    des = _toy_design()
    with pytest.raises(dt.errors.EmptyDomainError, match="'sex' has 'female', 'male'"):
        des.subset("sex == 'Male'")
    assert des.subset("sex == 'male'").mean("y")["n"].iloc[0] == int((des.data.sex == "male").sum())


def test_rate_trend_refuses_a_series_without_two_years_of_events():
    from drugtrends.trends import rate_trend
    d = pd.DataFrame({"year": [2015, 2016, 2017, 2018], "n": [0, 0, 0, 0], "pop": [1e6] * 4})
    with pytest.raises(dt.errors.InputError, match="'n' is 0 in every year"):
        rate_trend(d, "year", "n", "pop")
    with pytest.raises(dt.errors.InputError, match="every year but year = 2018"):
        rate_trend(d.assign(n=[0, 0, 0, 5]), "year", "n", "pop")
    r = rate_trend(d.assign(n=[0, 3, 0, 5]), "year", "n", "pop")     # zeros between events: a finite estimate
    assert np.isfinite(r.table["apc"].iloc[0])


def test_profile_shift_refuses_a_period_against_itself():
    from drugtrends.profiles import profile_shift
    from drugtrends.survey import SurveyDesign
    d = pd.DataFrame({"w": 1.0, "yr": [1, 1, 2, 2] * 3, "use": [1, 0] * 6, "sex": list("fm") * 6})
    with pytest.raises(dt.errors.DesignError, match="with itself"):
        profile_shift(SurveyDesign(d, weight="w"), "use", ["sex"], "yr", periods=(1, 1))


def test_rate_trend_repr_is_a_few_lines():
    from drugtrends.trends import rate_trend
    d = pd.DataFrame({"year": [2015, 2016, 2017, 2018], "n": [100, 108, 121, 130], "pop": [1e6] * 4})
    text = repr(rate_trend(d, "year", "n", "pop"))
    assert text.splitlines()[0] == "<RateTrendResult: poisson trend of a rate per 100,000 by year, n = 4>"
    assert "rose 9.4% a year" in text and len(text.splitlines()) <= 4


def test_difference_all_pairs_with_holm_adjustment():
    from statsmodels.stats.multitest import multipletests
    des = _toy_design()
    r = des.difference("y", between="edu", levels="pairs")
    assert r[["from", "to"]].values.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    one = des.difference("y", between="edu", levels=("b", "c")).iloc[0]
    assert r.iloc[2]["estimate"] == pytest.approx(one["estimate"]) and r.iloc[2]["p"] == pytest.approx(one["p"])
    assert np.allclose(r["p_holm"], multipletests(r["p"], method="holm")[1])
