"""Issue 16: bad and edge inputs to the survey design and estimators.

Each gives a drugtrends error (class and message checked), or a row marked
``suppressed`` with its reason in ``flag``: never a raw library exception
nor a confident number (an estimate with SE 0 shown as reliable).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import DesignError, DrugtrendsError, EmptyDomainError, InputError, UnknownVariableError
from drugtrends.survey import SurveyDesign


@pytest.fixture
def df():
    return pd.DataFrame({
        "st": [1, 1, 1, 1, 2, 2, 2, 2],
        "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        "w": [1.0, 2, 1, 2, 1, 1, 3, 1],
        "y": [0, 1, 1, 1, 0, 0, 1, 0],
        "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
        "z": [0.0] * 8,
        "g": list("abababab"),
        "one": ["a"] + ["b"] * 7,
    }, index=[f"r{i}" for i in range(8)])


@pytest.fixture
def des(df):
    return SurveyDesign(df, "w", "st", "psu")


def _row(r, **where):
    sel = np.ones(len(r), dtype=bool)
    for k, v in where.items():
        sel &= (r[k] == v).to_numpy()
    assert sel.sum() == 1
    return r[sel].iloc[0]


# --------------------------------------------------------------------------- errors
def test_weight_none(df):
    with pytest.raises(DesignError, match=r"weight is None: give the name of the sampling weight column"):
        SurveyDesign(df, None, "st", "psu")
    with pytest.raises(DesignError, match="weight is None"):
        SurveyDesign.replicate(df, None, ["x"])


def test_duplicate_column_names(df):
    dup = df.copy()
    dup.columns = [*dup.columns[:-1], "y"]
    with pytest.raises(InputError, match=r"duplicated column names \['y'\]: rename them"):
        SurveyDesign(dup, "w", "st", "psu")


def test_text_mixed_into_an_outcome(df):
    bad = df.copy()
    bad["y"] = bad["y"].astype(object)
    bad.loc["r2", "y"] = "abc"
    with pytest.raises(InputError, match=r"outcome 'y' mixes text and numbers \(text 'abc' at row 'r2'\)"):
        SurveyDesign(bad, "w", "st", "psu").mean("y")


def test_repeated_by_and_outcome_columns(des):
    with pytest.raises(InputError, match=r"lists 'g' twice \(\['g', 'g'\]\)"):
        des.mean("y", by=["g", "g"])
    with pytest.raises(InputError, match="lists 'y' twice"):
        des.mean(["y", "y"])
    with pytest.raises(InputError, match="lists 'g' twice"):
        des.grid("y", [("g", "g")])


def test_infinite_outcome_is_refused(df):
    bad = df.copy()
    bad.loc["r3", "x"] = np.inf
    d = SurveyDesign(bad, "w", "st", "psu")
    with pytest.raises(InputError, match=r"outcome 'x' has an infinite value \(inf\) at row 'r3'"):
        d.mean("x")
    with pytest.raises(InputError, match="infinite"):
        d.total("x", by="g")
    with pytest.raises(InputError, match="infinite"):
        d.quantile("x")


def test_infinite_outcome_refused_out_of_core(df):
    bad = df.copy()
    bad.loc["r3", "x"] = -np.inf
    rel = SurveyDesign.from_arrow(bad.reset_index(drop=True), "w", "st", "psu")
    with pytest.raises(InputError, match=r"outcome 'x' has 1 infinite values"):
        rel.mean("x")


def test_all_zero_weights(df):
    zero = df.assign(w=0.0)
    with pytest.raises(DesignError, match=r"every weight of column 'w' is 0"):
        SurveyDesign(zero, "w", "st", "psu")
    with pytest.raises(DesignError, match="sums to 0"):
        SurveyDesign.from_arrow(zero.reset_index(drop=True), "w", "st", "psu")


@pytest.mark.parametrize("level", [95, 0, 1, -0.5, "high"])
def test_level_outside_0_1(des, level):
    with pytest.raises(InputError, match=r"level="):
        des.mean("y", level=level)


def test_level_95_suggests_095(des):
    with pytest.raises(InputError, match=r"did you mean 0\.95"):
        des.total("x", level=95)


@pytest.mark.parametrize("q", [1.5, -0.1, [0.5, 2]])
def test_quantile_probability_outside_0_1(des, q):
    with pytest.raises(InputError, match=r"q=.* must be a number in \[0, 1\]"):
        des.quantile("x", q=q)


def test_ratio_of_text(des):
    with pytest.raises(InputError, match=r"ratio\(\) needs numeric columns; \['g'\] hold text"):
        des.ratio("x", "g")


def test_quantile_of_text(des):
    with pytest.raises(InputError, match="quantile\\(\\) needs a numeric outcome; 'g'"):
        des.quantile("g")


def test_difference_with_one_level(des, df):
    with pytest.raises(InputError, match=r"needs two levels of 'g' in the \(subset\) design; it has \['a'\]"):
        des.subset(df.g == "a").difference("y", between="g")


def test_difference_with_absent_levels(des):
    with pytest.raises(InputError, match=r"level\(s\) \['c'\] of 'g' are not in the .* levels present: \['a', 'b'\]"):
        des.difference("y", between="g", levels=["a", "c"])
    with pytest.raises(InputError, match="two different levels"):
        des.difference("y", between="g", levels=["a", "a"])


def test_empty_subset_with_by_raises(des):
    with pytest.raises(EmptyDomainError, match=r"no row of the design has a value for by=\['g'\]"):
        des.subset(np.zeros(8, bool)).mean("y", by="g")


def test_lonely_psu_names_stratum_and_rules(df):
    one = df.copy()
    one.loc[one.st == 2, "psu"] = 1
    with pytest.raises(DesignError, match=r"stratum 2 of column 'st' has only one PSU.*lonely_psu="
                                          r"'remove', 'certainty', 'adjust' or 'average'"):
        SurveyDesign(one, "w", "st", "psu")


def test_bad_df_rule_and_reliability(des):
    with pytest.raises(InputError, match=r"df='abc': use 'domain', 'design'"):
        des.mean("y", df="abc")
    with pytest.raises(InputError, match="df=0"):
        des.mean("y", df=0)
    with pytest.raises(InputError, match="reliability='cdc'"):
        des.mean("y", reliability="cdc")


def test_unknown_by_column_suggests(des):
    with pytest.raises(UnknownVariableError, match=r"by variable 'gg'.*Did you mean: 'g'"):
        des.mean("y", by="gg")


# --------------------------------------------------------------------------- flagged rows
def test_ratio_with_zero_denominator_is_suppressed(des):
    r = des.ratio("x", "z")
    assert r.suppressed[0] and r["flag"][0] == "zero denominator"
    assert np.isnan(r.se[0]) and np.isnan(r.ci_low[0])       # never "inf with SE 0"


def test_domain_with_all_zero_weights_is_suppressed(df):
    d = df.copy()
    d.loc[d.g == "a", "w"] = 0.0
    r = SurveyDesign(d, "w", "st", "psu").mean("y", by="g")
    a = _row(r, g="a")
    assert a.suppressed and "zero weight total" in a["flag"] and np.isnan(a.se)


def test_one_row_domain_is_suppressed(des):
    r = des.mean("y", by="one")
    a = _row(r, one="a")
    assert a.n == 1 and a.suppressed and "one row in domain" in a["flag"]
    assert not _row(r, one="b").suppressed


def test_zero_variance_is_suppressed(des):
    r = des.mean("y", by="g")               # domain b: PSU contributions cancel, SE exactly 0
    b = _row(r, g="b")
    assert b.se == pytest.approx(0, abs=1e-15) and b.suppressed and b["flag"] == "zero variance"
    assert not _row(r, g="a").suppressed
    z = des.mean("z")                         # p = 0 with SE 0: no confident [0, 0] interval
    assert z.suppressed[0] and z["flag"][0] == "zero variance"


def test_zero_proportion_left_to_the_nchs_rule(des):
    r = des.mean("z", reliability="nchs", ci="korn_graubard")
    assert r.suppressed[0] and "zero variance" not in r["flag"][0] and r["flag"][0]


def test_empty_domain_row_is_suppressed(des, df):
    d = df.copy()
    d.loc[d.g == "a", "x"] = np.nan
    r = SurveyDesign(d, "w", "st", "psu").mean("x", by="g")
    a = _row(r, g="a")
    assert a.n == 0 and a.suppressed and a["flag"] == "empty domain"


def test_df_below_one_is_flagged(des, df):
    r = des.subset(df.psu == 1).subset(df.st == 1).mean("x")
    assert "df < 1: no interval" in r["flag"][0] and np.isnan(r.ci_low[0])


def test_no_raw_exception_escapes(des, df):
    """A sweep of bad calls: every failure is a DrugtrendsError."""
    calls = [lambda: des.mean(None), lambda: des.mean([]), lambda: des.mean("y", by=[None]),
             lambda: des.proportion("nosuch"), lambda: des.ratio("x", ["z", "y", "x"]),
             lambda: des.subset([True, False]), lambda: des.subset("nosuch > 1"),
             lambda: des.quantile("x", q=[]), lambda: des.grid("y", []),
             lambda: des.grid("y", [()], kind="median"), lambda: des.total("y", ci="logit"),
             lambda: des.mean("x", ci="korn_graubard")]
    for call in calls:
        with pytest.raises(DrugtrendsError):
            call()


def test_difference_carries_the_flags_of_its_estimates(des):
    r = des.difference("y", between="one")      # level 'a' is a one-row domain with p = 0
    assert r.suppressed[0]
    assert "from (a): one row in domain" in r["flag"][0]
    assert "relative change undefined (from = 0)" in r["flag"][0]
    ok = des.difference("x", between="g")
    assert not ok.suppressed[0] and ok["flag"][0] == ""
