"""The one variance kernel (issue 12) and the one grouped pass (issue 15).

Independent references: the dense textbook computation (influence values per
PSU, stratified with-replacement variance) written here from the formulas, and
R numbers elsewhere (tests/test_survey_reference.py). Each test can fail: the
engines are compared to each other and to the dense computation to 1e-12.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import DesignError
from drugtrends.survey import BY_SET_COLUMN, DesignStructure, SurveyDesign, _packed, grouped, linearise
from drugtrends.survey.kernel import Totals
from drugtrends.survey.relation import RelationDesign


def synthetic(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"st": rng.integers(0, 8, n), "psu": rng.integers(0, 3, n),
                       "w": rng.uniform(0.5, 3, n), "yr": rng.integers(2019, 2022, n),
                       "sex": rng.choice(["f", "m"], n), "y8": rng.integers(0, 2, n).astype(np.int8),
                       "yb": rng.random(n) < 0.3, "x": rng.normal(3, 1, n)})
    for k in range(7):                      # enough 0/1 columns for several packed blocks
        df[f"b{k}"] = (rng.random(n) < 0.1 + 0.1 * k).astype(np.int64)
    df.loc[rng.random(n) < 0.05, "x"] = np.nan
    return df


def dense_mean(df, y, by, strata="st", psu="psu", w="w"):
    """Textbook Taylor variance of a domain mean, from the formulas (no drugtrends code)."""
    out = {}
    for key, _ in df.groupby(by):
        key = key if isinstance(key, tuple) else (key,)
        dom = np.ones(len(df), dtype=bool)
        for c, v in zip(by, key):
            dom &= (df[c] == v).to_numpy()
        ok = dom & df[y].notna().to_numpy()
        wy = np.where(ok, df[w] * df[y].fillna(0), 0.0)
        wo = np.where(ok, df[w], 0.0)
        est = wy.sum() / wo.sum()
        z = (wy - est * wo) / wo.sum()
        t = pd.DataFrame({"h": df[strata], "u": df[psu], "z": z}).groupby(["h", "u"]).z.sum()
        var = 0.0
        for _, zh in t.groupby(level=0):
            nh = len(zh)
            var += nh / (nh - 1) * ((zh - zh.mean()) ** 2).sum()
        out[key] = (est, np.sqrt(var))
    return out


def test_mean_equals_textbook_formula():
    df = synthetic()
    r = SurveyDesign(df, "w", "st", "psu").mean(["x", "y8"], by=["yr", "sex"])
    for var in ("x", "y8"):
        ref = dense_mean(df, var, ["yr", "sex"])
        sub = r[r.variable == var]
        for row in sub.itertuples():
            est, se = ref[(row.yr, row.sex)]
            assert row.estimate == pytest.approx(est, rel=1e-12)
            assert row.se == pytest.approx(se, rel=1e-10)


def test_packed_bincount_equals_one_column_at_a_time(monkeypatch):
    df = synthetic()
    des = SurveyDesign(df, "w", "st", "psu")
    cols = ["y8", "yb", *[f"b{k}" for k in range(7)], "x"]
    fast = des.mean(cols, by=["yr", "sex"])
    monkeypatch.setattr(grouped._Columns, "packed", lambda self: ([], []))
    slow = des.mean(cols, by=["yr", "sex"])
    for c in ("estimate", "se", "deff", "n", "df"):
        np.testing.assert_allclose(fast[c].to_numpy(float), slow[c].to_numpy(float), rtol=1e-12)


def test_packed_sums_by_hand():
    key = np.array([0, 0, 1, 1, 2])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    ys = [np.array([1, 0, 1, 1, 0], dtype=np.int8), np.array([0, 1, 1, 0, 1], dtype=np.int8),
          np.array([1, 1, 1, 1, 1], dtype=np.int8)]
    got = _packed.clean_sums(key, 3, w, [y.view(np.uint8) for y in ys])
    want = np.array([[1.0, 2.0, 3.0], [7.0, 3.0, 7.0], [0.0, 5.0, 5.0]])
    np.testing.assert_array_equal(got, want)


def test_grid_is_mean_on_the_same_path():
    df = synthetic()
    des = SurveyDesign(df, "w", "st", "psu")
    g = des.grid(["x", "y8"], [(), "yr", ("yr", "sex")])
    for s in [(), ("yr",), ("yr", "sex")]:
        got = g[g[BY_SET_COLUMN] == "+".join(s)].reset_index(drop=True)
        want = des.mean(["x", "y8"], by=list(s) or None)
        np.testing.assert_allclose(got.estimate, want.estimate, rtol=1e-12)
        np.testing.assert_allclose(got.se, want.se, rtol=1e-12)


def test_replicate_designs_have_grid_too():
    df = synthetic(600)
    rep = SurveyDesign(df, "w", "st", "psu").to_replicate("JKn")
    g = rep.grid(["x", "y8"], [(), "sex"])
    want = rep.mean(["x", "y8"], by="sex")
    got = g[g[BY_SET_COLUMN] == "sex"].reset_index(drop=True)
    np.testing.assert_allclose(got.se, want.se, rtol=1e-12)


def test_covariance_from_pairs_equals_dense_and_relation():
    df = synthetic()
    des = SurveyDesign(df, "w", "st", "psu")
    tab, cov = des.mean(["x", "y8"], by="sex", return_cov=True)
    np.testing.assert_allclose(np.sqrt(np.diag(cov.to_numpy())), tab.se, rtol=1e-12)
    rel = SurveyDesign.from_arrow(df, "w", "st", "psu")
    t2, c2 = rel.mean(["x", "y8"], by="sex", return_cov=True)     # now possible out of core
    np.testing.assert_allclose(c2.to_numpy(), cov.to_numpy(), rtol=1e-10, atol=1e-18)


def test_linearise_on_hand_made_totals():
    s = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    A = np.array([[1.0], [0.0], [1.0], [1.0]])
    B = np.ones((4, 1))
    t = Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None)
    e = linearise(t, s, "mean")
    # p = 3/4; z_u = (a_u - p b_u) / 4: stratum 1: 1/16, -3/16 -> 2 * 2 * (1/8)^2 = 1/16
    assert e.est[0, 0] == 0.75 and e.var[0, 0] == pytest.approx(1 / 16, rel=1e-14)
    # the PSU without domain members (u = 1 missing from the pairs) still counts in n_h
    t2 = Totals(pd.DataFrame(index=[0]), np.zeros(3, int), np.array([0, 2, 3]), A[[0, 2, 3]],
                B[[0, 2, 3]], B[[0, 2, 3]], B[[0, 2, 3]], None)
    e2 = linearise(t2, s, "total")
    assert e2.est[0, 0] == 3.0 and e2.var[0, 0] == pytest.approx(2 * 0.5, rel=1e-14)


def test_structure_is_frozen_and_read_only():
    des = SurveyDesign(synthetic(200), "w", "st", "psu")
    s = des.structure
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.lonely_psu = "adjust"
    with pytest.raises(ValueError):
        s.weights[0] = 5.0
    assert s.n_psu == len(s.stratum_of_psu) and s.df == des.df and not s.is_replicate


def test_public_accessors_replace_private_ones():
    df = synthetic(300)
    des = SurveyDesign(df, "w", "st", "psu").subset(df.sex == "f")
    s = des.structure
    rows = des.mask & (des.weights > 0)
    assert des.degf() == s.degf(rows) == des.df
    T = s.psu_totals(des.weights * df.x.fillna(0).to_numpy(), rows)
    assert T.shape == (s.n_psu, 1)
    assert T.sum() == pytest.approx((df.w * df.x.fillna(0))[df.sex == "f"].sum(), rel=1e-12)
    V = s.variance(T, full=True)
    assert V.shape == (1, 1) and V[0, 0] > 0
    lin = des.linearise(des.outcome_list("x"), None, "total")
    assert lin.est[0, 0] == pytest.approx(T.sum(), rel=1e-12)
    assert lin.var[0, 0] == pytest.approx(V[0, 0], rel=1e-10)


def test_relation_design_is_not_a_survey_design():
    rel = SurveyDesign.from_arrow(synthetic(300), "w", "st", "psu")
    assert isinstance(rel, RelationDesign) and not isinstance(rel, SurveyDesign)
    with pytest.raises(DesignError, match=r"quantile\(\) needs the rows in memory.*to_pandas"):
        rel.quantile("x")
    with pytest.raises(AttributeError):
        rel.no_such_method  # noqa: B018 (the attribute access is the test)


def test_from_spec():
    df = synthetic(400)
    spec = SimpleNamespace(weight="w", strata="st", psu="psu", fpc=None, nest=True, lonely_psu=None)
    a = SurveyDesign.from_spec(df, spec).mean("x")
    b = SurveyDesign(df, "w", "st", "psu").mean("x")
    assert a.se[0] == b.se[0]
    des = SurveyDesign.from_spec(df, SimpleNamespace(weight="w", strata="st", psu="psu"), reliability="nchs")
    assert des.reliability == "nchs" and des.lonely_psu == "fail"
    with pytest.raises(DesignError, match="has no 'weight' attribute"):
        SurveyDesign.from_spec(df, object())


def test_replicate_rank_merges_proportional_rows():
    W = np.array([[2.0, 0.0, 1.0], [4.0, 0.0, 2.0], [0.0, 2.0, 1.0], [0.0, 0.0, 0.0]])
    assert grouped.replicate_rank(W) == np.linalg.matrix_rank(W) == 2


def test_adjust_domain_lonely_changes_only_domain_lonely_strata():
    df = synthetic(800)
    df["d"] = (df.st == 0) & (df.psu == 0) | (df.st > 3)   # stratum 0: one PSU holds the domain
    off = SurveyDesign(df, "w", "st", "psu", lonely_psu="adjust").subset(df.d).mean("x")
    on = SurveyDesign(df, "w", "st", "psu", lonely_psu="adjust", adjust_domain_lonely=True).subset(df.d).mean("x")
    assert on.estimate[0] == off.estimate[0] and on.se[0] > off.se[0]
    full_off = SurveyDesign(df, "w", "st", "psu", lonely_psu="adjust").mean("x")
    full_on = SurveyDesign(df, "w", "st", "psu", lonely_psu="adjust", adjust_domain_lonely=True).mean("x")
    assert full_on.se[0] == pytest.approx(full_off.se[0], rel=1e-14)
    t, cov = SurveyDesign(df, "w", "st", "psu", lonely_psu="adjust",
                          adjust_domain_lonely=True).subset(df.d).mean("x", return_cov=True)
    assert np.sqrt(cov.to_numpy()[0, 0]) == pytest.approx(on.se[0], rel=1e-12)


def test_packed_sums_ignore_other_codes_outside_the_subset():
    """0/1 inside the subset, 2 ('don't know') outside: nothing may spill into the sums."""
    df = synthetic(600)
    df["dk"] = np.where(df.sex == "f", df.y8, 2).astype(np.int64)
    des = SurveyDesign(df, "w", "st", "psu").subset(df.sex == "f")
    got = des.mean(["dk", "b0", "b1"], by="yr")
    want = SurveyDesign(df, "w", "st", "psu").subset(df.sex == "f").mean(["y8", "b0", "b1"], by="yr")
    np.testing.assert_allclose(got.estimate, want.estimate, rtol=1e-12)
    np.testing.assert_allclose(got.se, want.se, rtol=1e-12)


def test_proportion_and_ratio_run_in_the_engine():
    """Issue 15: categorical proportions and ratios on DuckDB designs equal the in-memory ones."""
    df = synthetic(1500)
    df["cat"] = np.random.default_rng(1).choice(["lo", "mid", "o'k", None], len(df))
    des = SurveyDesign(df, "w", "st", "psu")
    rel = SurveyDesign.from_arrow(df, "w", "st", "psu")
    pairs = [(des.proportion("cat", by="sex"), rel.proportion("cat", by="sex")),
             (des.proportion(["cat", "yr"]), rel.proportion(["cat", "yr"])),
             (des.ratio(["x", "y8"], "w", by="yr"), rel.ratio(["x", "y8"], "w", by="yr"))]
    for a, b in pairs:
        assert list(a.columns) == list(b.columns)
        assert a["level" if "level" in a else "variable"].astype(str).tolist() == \
            b["level" if "level" in b else "variable"].astype(str).tolist()
        for c in ("estimate", "se", "ci_low", "deff", "n", "df"):
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-10)
    a, ca = des.ratio("x", "b3", by="sex", return_cov=True)
    b, cb = rel.ratio("x", "b3", by="sex", return_cov=True)
    np.testing.assert_allclose(cb.to_numpy(), ca.to_numpy(), rtol=1e-10)


def _textbook_ratio_deff(des, num, den, by, se):
    """R svyratio(deff=TRUE) from its formula, written here in pandas (no drugtrends code):
    Vsrs = s2 N^2 (N - n)/(N n), s2 = n/(n-1) sum w r^2 / N, r = (y - R x) / X."""
    d = des.data[des.mask].copy()
    d = d[d[num].notna() & d[den].notna()]
    groups = d.groupby(by) if by else [((), d)]
    out = []
    for _, g in groups:
        w, y, x = g[des.weight], g[num], g[den]
        R = (w * y).sum() / (w * x).sum()
        r = (y - R * x) / (w * x).sum()
        n, N = (w > 0).sum(), w.sum()
        s2 = n / (n - 1) * (w * r**2).sum() / N
        out.append(s2 * N**2 * (N - n) / (N * n))
    return se**2 / np.array(out)


def test_ratio_design_effect_equals_r_checked_formula():
    """ratio().deff equals R svyratio(deff=TRUE)'s formula (R's numbers: test_survey_gaps.py),
    in memory and out of core, overall, by domain and on a subset."""
    df = synthetic(1500)
    des = SurveyDesign(df, "w", "st", "psu")
    rel = SurveyDesign.from_arrow(df, "w", "st", "psu")
    for by in (None, "sex"):
        r = des.ratio("x", "b3", by=by)
        want = _textbook_ratio_deff(des, "x", "b3", by, r.se.to_numpy())
        np.testing.assert_allclose(r.deff, want, rtol=1e-10)
        np.testing.assert_allclose(rel.ratio("x", "b3", by=by).deff, want, rtol=1e-10)
        assert r.n_eff.isna().all()
    sub = des.subset(df.yr == 2020)
    r = sub.ratio("x", "b3", by="sex")
    np.testing.assert_allclose(r.deff, _textbook_ratio_deff(sub, "x", "b3", "sex", r.se.to_numpy()),
                               rtol=1e-10)


def test_from_spec_takes_the_dataset_design_spec():
    """drugtrends.datasets.design_spec(id) (the data layer's spec) builds the design."""
    ds = pytest.importorskip("drugtrends.datasets")
    if not hasattr(ds, "design_spec"):
        pytest.skip("datasets.design_spec not available")
    spec = ds.design_spec("nhanes_2009_2012")
    df = synthetic(400).rename(columns={"w": spec.weight, "st": spec.strata, "psu": spec.psu})
    des = SurveyDesign.from_spec(df, spec)
    assert (des.weight, des.strata, des.psu) == (spec.weight, spec.strata, spec.psu)
    assert des.mean("x").se[0] == SurveyDesign(df, spec.weight, spec.strata, spec.psu).mean("x").se[0]
