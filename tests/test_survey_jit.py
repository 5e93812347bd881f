"""The compiled kernels of the everyday call (issue 27) give the numpy answers.

``drugtrends.survey._jit`` turns outcome columns into 0/1/missing states and
builds the packed bin keys in one compiled pass (numba); without numba the
numpy paths run. Both are compared here on every storage a user's column can
have, and the whole ``des.mean`` is compared with and without the kernels and
against a hand computation (pandas groupby) of the estimates and the counts,
including the per-domain count path taken when every weight is positive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drugtrends.survey import SurveyDesign, _jit, _packed


def test_numba_is_in_use():
    # a skipped kernel is not a tested one: the project installs numba
    assert _jit.HAVE_NUMBA


@pytest.fixture
def no_numba(monkeypatch):
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)


INT_CASES = {
    "binary": [0, 1, 1, 0, 1],
    "two": [0, 2, 1, 0, 1],
    "negative": [0, -1, 1, 0, 1],
    "256 wraps to 0 in uint8": [0, 256, 1, 0, 1],
    "257 wraps to 1": [257, 0, 1, 0, 1],
}


def _fits(vals: list[int], dtype: str) -> bool:
    info = np.iinfo(dtype)
    return info.min <= min(vals) and max(vals) <= info.max


INT_PARAMS = [(case, dtype) for case in INT_CASES
              for dtype in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint64")
              if _fits(INT_CASES[case], dtype)]


@pytest.mark.parametrize("case, dtype", INT_PARAMS)
def test_int_states_compiled_equal_numpy(case, dtype, monkeypatch):
    vals = INT_CASES[case]
    a = np.array(vals, dtype=dtype)
    m = np.ones(len(a), bool)
    got = _packed.binary_outcome("y", pd.Series(a), m)
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
    ref = _packed.binary_outcome("y", pd.Series(a), m)
    is_binary = case == "binary"
    assert (got is not None) == is_binary and (ref is not None) == is_binary
    if is_binary:
        assert got.state.tolist() == ref.state.tolist() == vals


FLOAT_CASES = {
    "binary": ([0.0, 1.0, 1.0, 0.0], [0, 1, 1, 0], 0),
    "missing": ([0.0, np.nan, 1.0, np.nan], [0, 2, 1, 2], 2),
    "half": ([0.0, 0.5, 1.0, np.nan], None, 1),
    "inf": ([0.0, np.inf, 1.0, 0.0], None, 0),
    "minus zero": ([-0.0, 1.0, 0.0, 1.0], [0, 1, 0, 1], 0),
    "two": ([2.0, 1.0, 0.0, 1.0], None, 0),
}


@pytest.mark.parametrize("case", list(FLOAT_CASES))
def test_float_states_compiled_equal_numpy(case, monkeypatch):
    vals, states, n_missing = FLOAT_CASES[case]
    a = np.array(vals)
    m = np.ones(len(a), bool)
    got = _packed.binary_outcome("y", pd.Series(a), m)
    s, nm, bad = _jit.float01_state(a)
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
    ref = _packed.binary_outcome("y", pd.Series(a), m)
    s2, nm2, bad2 = _jit.float01_state(a)
    assert (nm, bad > 0) == (nm2, bad2 > 0) == (n_missing, states is None)
    if states is None:
        assert got is None and ref is None
    else:
        assert got.state.tolist() == ref.state.tolist() == s.tolist() == states
        assert got.n_missing == ref.n_missing == n_missing


@pytest.mark.parametrize("dtype", ["Int64", "boolean", "Float64", "int64[pyarrow]", "double[pyarrow]"])
def test_nullable_and_arrow_columns(dtype):
    col = pd.Series([1, None, 0, 1], dtype=dtype)
    got = _packed.binary_outcome("y", col, np.ones(4, bool))
    assert got.state.tolist() == [1, 2, 0, 1] and got.n_missing == 1


@pytest.mark.parametrize("base, width", [(2, 8), (3, 5)])
def test_pattern_keys_equal_numpy(base, width, monkeypatch):
    rng = np.random.default_rng(7)
    n, stride = 1000, 37
    key = rng.integers(0, stride, n)
    for k in range(1, width + 1):
        states = [rng.integers(0, base, n).astype(np.uint8) for _ in range(k)]
        code, tmp = np.empty(n, np.uint8), np.empty(n, np.uint8)
        fast = np.empty(n, np.int64)
        _packed._code_key(key, stride - 1, states, base, code, tmp, fast)
        monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
        slow = np.empty(n, np.int64)
        _packed._code_key(key, stride - 1, states, base, code, tmp, slow)
        monkeypatch.setattr(_jit, "HAVE_NUMBA", True)
        want = sum(s.astype(np.int64) * base ** j for j, s in enumerate(states)) * stride + key
        assert fast.tolist() == slow.tolist() == want.tolist()


def _survey(seed: int, share_missing: float, zero_weights: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    df = pd.DataFrame({"stratum": rng.integers(0, 15, n), "year": rng.integers(2015, 2019, n),
                       "sex": rng.choice(["female", "male"], n), "w": rng.uniform(0.5, 3.0, n)})
    df["psu"] = df["stratum"] * 2 + rng.integers(0, 2, n)
    if zero_weights:
        df.loc[df.index[::11], "w"] = 0.0
    for j in range(12):   # 12 outcomes: more than one block of 5 (base 3) and of 8 (base 2)
        y = (rng.random(n) < 0.1 + 0.05 * j).astype(float)
        y[rng.random(n) < share_missing * (j % 3)] = np.nan
        df[f"y{j}"] = y
    df["y_int"] = rng.integers(0, 2, n)    # a clean int64 outcome beside the ones with NaN
    return df


@pytest.mark.parametrize("zero_weights", [False, True])
def test_mean_with_missing_matches_a_hand_computation(zero_weights):
    """Estimate = sum w y / sum w over the observed rows of the domain; n = observed rows
    (R's na.rm = TRUE per variable); the per-domain count path (all weights positive)
    and the per-pair one (zero weights) give the same, exact, counts."""
    df = _survey(3, 0.08, zero_weights)
    ys = [f"y{j}" for j in range(12)] + ["y_int"]
    des = SurveyDesign(df, weight="w", strata="stratum", psu="psu", nest=True)
    r = des.mean(ys, by=["year", "sex"])
    for (year, sex, var), row in r.set_index(["year", "sex", "variable"]).iterrows():
        g = df[(df.year == year) & (df.sex == sex)]
        obs = g[var].notna()
        assert row["n"] == obs.sum()
        want = (g.loc[obs, "w"] * g.loc[obs, var]).sum() / g.loc[obs, "w"].sum()
        assert row["estimate"] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("zero_weights", [False, True])
def test_mean_same_with_and_without_the_kernels(zero_weights, monkeypatch):
    df = _survey(5, 0.1, zero_weights)
    ys = [f"y{j}" for j in range(12)] + ["y_int"]
    des = SurveyDesign(df, weight="w", strata="stratum", psu="psu", nest=True)
    fast = [des.mean(ys, by=["year", "sex"]), des.subset("year >= 2016").mean(ys, by="sex"), des.mean(ys)]
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
    slow = [des.mean(ys, by=["year", "sex"]), des.subset("year >= 2016").mean(ys, by="sex"), des.mean(ys)]
    for a, b in zip(fast, slow):
        pd.testing.assert_frame_equal(a, b, rtol=1e-13)


def test_parallel_map_keeps_order():
    assert _jit.parallel_map(lambda x: x * x, list(range(10)), min_items=1) == [x * x for x in range(10)]


def test_two_thread_conversion_same_answers(monkeypatch):
    """Frames of 100,000 rows and more convert their outcome columns on two threads."""
    rng = np.random.default_rng(11)
    n = 120_000
    df = pd.DataFrame({"psu": rng.integers(0, 40, n), "w": rng.uniform(1, 2, n), "g": rng.integers(0, 3, n)})
    for j in range(6):
        y = rng.integers(0, 2, n).astype(float)
        y[rng.random(n) < 0.05 * (j % 2)] = np.nan
        df[f"y{j}"] = y
    ys = [f"y{j}" for j in range(6)]
    des = SurveyDesign(df, weight="w", psu="psu")
    calls = []
    real = _jit.parallel_map

    def spy(fn, items, min_items=4):
        calls.append(len(items))
        return real(fn, items, min_items)
    import drugtrends.survey.grouped as grouped
    monkeypatch.setattr(grouped, "parallel_map", spy)
    threaded = des.mean(ys, by="g")
    assert calls == [6]
    monkeypatch.setattr(grouped, "parallel_map", lambda fn, items, min_items=4: [fn(x) for x in items])
    pd.testing.assert_frame_equal(threaded, des.mean(ys, by="g"))


def test_scatter_sums_equal_bincount():
    rng = np.random.default_rng(3)
    k = rng.integers(0, 50, 5000)
    w = rng.random(5000)
    np.testing.assert_allclose(_jit.scatter_sum(k, w, 60), np.bincount(k, w, minlength=60), rtol=1e-13)
    assert _jit.scatter_sum(k, None, 60).tolist() == np.bincount(k, minlength=60).astype(float).tolist()
    sw, sn = _jit.scatter_sum2(k, w, 60)
    np.testing.assert_allclose(sw, np.bincount(k, w, minlength=60), rtol=1e-13)
    assert sn.tolist() == np.bincount(k, minlength=60).astype(float).tolist()


@pytest.mark.parametrize("compiled", [True, False])
def test_scatter_refuses_a_bin_out_of_range(compiled, monkeypatch):
    """The compiled scatter does not trust its caller: no write outside the bins."""
    monkeypatch.setattr(_jit, "HAVE_NUMBA", compiled)
    with pytest.raises(IndexError, match="outside"):
        _jit.scatter_sum(np.array([0, 5]), np.array([1.0, 1.0]), 3)
    with pytest.raises((IndexError, ValueError)):
        _jit.scatter_sum2(np.array([0, -1]), np.array([1.0, 1.0]), 3)


def test_count32_exact_and_refuses_out_of_range(monkeypatch):
    k = np.array([0, 3, 3, 1])
    assert _jit.count32(k, 4).tolist() == [1.0, 1.0, 0.0, 2.0]
    assert _jit.count32(k, 4).dtype == np.float32
    with pytest.raises(IndexError):
        _jit.count32(np.array([4]), 4)
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
    assert _jit.count32(k, 4).tolist() == [1.0, 1.0, 0.0, 2.0]


@pytest.mark.parametrize("compiled", [True, False])
def test_missing_sums_missing_tables_equal_the_base3_pass(compiled, monkeypatch):
    """The 8-outcome pass (ones, then weights and rows of the missing values) equals the
    base-3 pass and a hand count; B is exactly 0 where every row of a pair is missing."""
    monkeypatch.setattr(_jit, "HAVE_NUMBA", compiled)
    rng = np.random.default_rng(2)
    n, size = 4000, 30
    key = rng.integers(0, size + 1, n)
    w = rng.uniform(0.5, 2, n)
    states = [rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1]).astype(np.uint8) for _ in range(12)]
    states.append(np.where(key == 3, 2, states[0]).astype(np.uint8))   # pair 3: all missing
    nrow = np.bincount(key, minlength=size + 1)[:size]
    wsum = np.bincount(key, w, minlength=size + 1)[:size]
    fast = _packed.missing_sums(key, size, w, None, states, nrow, wsum)
    slow = _packed.missing_sums(key, size, w, None, states)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    want = np.array([[np.sum((key == p) & (s != 2)) for s in states] for p in range(size)], float)
    assert fast[2].tolist() == want.tolist()
    wantA = np.array([[w[(key == p) & (s == 1)].sum() for s in states] for p in range(size)])
    np.testing.assert_allclose(fast[0], wantA, rtol=1e-12)
    assert fast[1][3, -1] == 0.0 and fast[2][3, -1] == 0.0


@pytest.mark.parametrize("by", [["a"], ["a", "b"], ["a", "b", "c"], ["b", "c"]])
def test_integer_domain_codes_compiled_equal_the_general_path(by, monkeypatch):
    """1 to 3 small-range integer by columns (gaps in their ranges, negative values): the
    one-pass codes and keys equal the per-column path's."""
    import drugtrends.survey.grouped as grouped
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"a": rng.integers(2010, 2020, 1000), "b": rng.choice([1, 2, 5], 1000),
                      "c": rng.integers(-3, 3, 1000)})
    fast = grouped._int_domain_codes(d, by)
    assert fast is not None
    monkeypatch.setattr(_jit, "HAVE_NUMBA", False)
    assert grouped._int_domain_codes(d, by) is None
    codes, keys = grouped.fast_domain_codes(d, by, np.ones(1000, bool))
    assert fast[0].tolist() == codes.tolist()
    pd.testing.assert_frame_equal(fast[1], keys)
    assert fast[1].attrs == keys.attrs
