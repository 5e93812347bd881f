"""The packed pass for 0/1 outcomes with missing values (issue 27).

Each outcome with missing values must give what R gives one variable at a
time with ``na.rm = TRUE``: the estimate of the design restricted to the rows
where that outcome is observed (``subset(design, !is.na(y))``), the other
outcomes' missing values playing no part. Checked here against (a) the same
design subset to each outcome's observed rows, one outcome per call, (b) the
general one-column-at-a-time path, and (c) every storage of the same values
(float NaN, nullable Int64 / boolean, Arrow-backed, int64 without missing).
R's own numbers for missing values are in tests/test_survey_reference.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drugtrends.survey import SurveyDesign, grouped
from drugtrends.survey._packed import binary_outcome

COLS = ("estimate", "se", "deff", "n", "df", "n_eff")


def frame(n=3000, k=13, seed=11, share=0.07):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"st": rng.integers(0, 12, n), "psu": rng.integers(0, 3, n),
                       "w": rng.lognormal(1, 0.6, n), "yr": rng.integers(2019, 2022, n),
                       "sex": rng.integers(1, 3, n)})
    for j in range(k):    # 13 outcomes: three base-3 blocks, one of them partial
        y = (rng.random(n) < 0.05 + 0.06 * j).astype(float)
        y[rng.random(n) < share * (j % 4)] = np.nan      # outcome 0, 4, 8, 12: no missing value
        df[f"y{j}"] = y
    return df


def _outcomes(df):
    return [c for c in df.columns if c.startswith("y") and c != "yr"]


def _assert_same(a, b, rtol=1e-12):
    assert len(a) == len(b)
    for c in COLS:
        np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=rtol, atol=1e-15,
                                   err_msg=c)


def test_missing_values_equal_one_outcome_at_a_time_on_its_observed_rows():
    df = frame()
    des = SurveyDesign(df, "w", "st", "psu")
    ys = _outcomes(df)
    fast = des.mean(ys, by=["yr", "sex"])
    assert fast.n.groupby(fast.variable).sum()["y1"] == df.y1.notna().sum()
    for y in ys:
        one = des.subset(df[y].notna().to_numpy()).mean(y, by=["yr", "sex"], df="design")
        got = fast[fast.variable == y].reset_index(drop=True)
        np.testing.assert_allclose(got.estimate, one.estimate, rtol=1e-12)
        np.testing.assert_allclose(got.se, one.se, rtol=1e-10)
        np.testing.assert_array_equal(got.n, one.n)


def test_packed_pass_equals_general_path(monkeypatch):
    df = frame()
    des = SurveyDesign(df, "w", "st", "psu")
    ys = _outcomes(df)
    fast = des.mean(ys, by=["yr", "sex"])
    with monkeypatch.context() as mp:
        mp.setattr(grouped._Columns, "packed", lambda self: ([], []))
        slow = des.mean(ys, by=["yr", "sex"])
    _assert_same(fast, slow)
    # a subset design and a zero weight: P (rows with a positive weight) differs from N
    df.loc[df.index[:40], "w"] = 0.0
    sub = SurveyDesign(df, "w", "st", "psu").subset(df.sex.to_numpy() == 1)
    fast = sub.mean(ys, by="yr")
    with monkeypatch.context() as mp:
        mp.setattr(grouped._Columns, "packed", lambda self: ([], []))
        slow = sub.mean(ys, by="yr")
    _assert_same(fast, slow)


@pytest.mark.parametrize("storage", ["Int64", "boolean", "Float64", "int64[pyarrow]",
                                     "double[pyarrow]", "bool[pyarrow]"])
def test_every_storage_of_the_same_values_gives_the_same_numbers(storage):
    df = frame(k=6)
    ys = _outcomes(df)
    want = SurveyDesign(df, "w", "st", "psu").mean(ys, by=["yr", "sex"])
    other = df.copy()
    for y in ys:
        other[y] = df[y].astype("boolean" if "bool" in storage and "pyarrow" not in storage else
                                "Int64").astype(storage)
    got = SurveyDesign(other, "w", "st", "psu").mean(ys, by=["yr", "sex"])
    _assert_same(got, want)


def test_clean_int64_int8_bool_and_float_agree():
    df = frame(k=5, share=0.0)
    ys = _outcomes(df)
    want = SurveyDesign(df, "w", "st", "psu").mean(ys, by="yr")
    for dtype in ("int64", "int8", "bool", "uint16"):
        other = df.copy()
        for y in ys:
            other[y] = df[y].astype(dtype)
        _assert_same(SurveyDesign(other, "w", "st", "psu").mean(ys, by="yr"), want)


def test_states_and_what_is_not_packed():
    m = np.ones(4, bool)
    assert binary_outcome("y", pd.Series([1.0, np.nan, 0.0, 1.0]), m).state.tolist() == [1, 2, 0, 1]
    assert binary_outcome("y", pd.Series([1, None, 0, 1], dtype="Int64"), m).n_missing == 1
    assert binary_outcome("y", pd.Series([0.5, 0, 1, 1]), m) is None          # not 0/1
    assert binary_outcome("y", pd.Series([np.inf, 0, 1, 1]), m) is None       # refused later
    assert binary_outcome("y", pd.Series([-1, 0, 1, 1]), m) is None           # negative
    assert binary_outcome("y", pd.Series(list("abab")), m) is None
    # a non-0/1 value outside the (subset) rows does not stop the packing
    o = binary_outcome("y", pd.Series([7, 0, 1, 1]), np.array([False, True, True, True]))
    assert o is not None and o.state.tolist() == [1, 0, 1, 1]


def test_infinite_and_non_binary_float_outcomes_take_the_general_path():
    df = frame(k=2)
    df.loc[df.index[3], "y1"] = 0.5
    des = SurveyDesign(df, "w", "st", "psu")
    r = des.mean(["y0", "y1"])
    assert r.estimate[1] == pytest.approx(np.average(df.y1.dropna(), weights=df.w[df.y1.notna()]))
    df.loc[df.index[3], "y1"] = np.inf
    from drugtrends.errors import InputError
    with pytest.raises(InputError, match="infinite"):
        SurveyDesign(df, "w", "st", "psu").mean(["y0", "y1"])
