"""Properties of drugtrends.survey checked against textbook formulas and an
independent loop implementation of the stratified with-replacement variance.

Seeded random designs (parametrised), no real data needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats

from drugtrends.survey import SurveyDesign, proportion_ci
from drugtrends.survey.aggregate import psu_totals
from drugtrends.survey.variance import stratified_variance

SEEDS = [1, 2, 3, 4, 5]


def random_design_frame(seed: int, n_strata: int = 6, psu_range=(2, 5), rows_per_psu=(3, 12)):
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_strata):
        for j in range(rng.integers(*psu_range, endpoint=True)):
            m = rng.integers(*rows_per_psu, endpoint=True)
            for _ in range(m):
                rows.append((h + 10, j + 1))
    df = pd.DataFrame(rows, columns=["st", "psu"])
    n = len(df)
    df["w"] = rng.uniform(0.5, 5.0, n)
    df["y"] = rng.normal(10, 3, n) + df.st * 0.3
    df["b"] = (rng.uniform(size=n) < 0.3).astype(float)
    df["g"] = rng.choice(["a", "b", "c"], n)
    df.loc[rng.uniform(size=n) < 0.1, "y"] = np.nan
    return df


def loop_variance_of_mean(df, y, mask):
    """Independent implementation: explicit loops over strata and PSUs."""
    ok = mask & df[y].notna().to_numpy()
    w = df.w.to_numpy() * ok
    yy = np.where(ok, df[y].to_numpy(), 0.0)
    W = w.sum()
    mean = (w * yy).sum() / W
    z = w * (yy - mean) / W
    v = 0.0
    for _, g in df.assign(z=z).groupby("st"):
        totals = g.groupby("psu").z.sum().to_numpy()
        nh = len(totals)
        v += nh / (nh - 1) * ((totals - totals.mean()) ** 2).sum()
    return mean, np.sqrt(v)


# --------------------------------------------------------------------------- SRS textbook
@pytest.mark.parametrize("seed", SEEDS)
def test_srs_mean_and_proportion(seed):
    rng = np.random.default_rng(seed)
    n = 200
    df = pd.DataFrame({"y": rng.gamma(2.0, 3.0, n), "b": (rng.uniform(size=n) < 0.27).astype(float),
                       "w": 50.0, "id": np.arange(n)})
    des = SurveyDesign(df, weight="w")           # no strata, each row its own PSU
    r = des.mean(["y", "b"])
    s = df.y.std(ddof=1)
    assert r.estimate[0] == pytest.approx(df.y.mean(), rel=1e-12)
    assert r.se[0] == pytest.approx(s / np.sqrt(n), rel=1e-10)
    p = df.b.mean()
    assert r.se[1] == pytest.approx(np.sqrt(p * (1 - p) / (n - 1)), rel=1e-10)
    assert (r.df == n - 1).all()
    # R's deff uses the SRS without replacement variance: deff = N / (N - n)
    N = 50.0 * n
    assert r.deff[0] == pytest.approx(N / (N - n), rel=1e-10)
    # t interval with n - 1 df
    q = stats.t.ppf(0.975, n - 1)
    assert r.ci_low[0] == pytest.approx(df.y.mean() - q * s / np.sqrt(n), rel=1e-10)
    t = des.total("y")
    assert t.estimate[0] == pytest.approx(50.0 * df.y.sum(), rel=1e-12)
    assert t.se[0] == pytest.approx(50.0 * np.sqrt(n) * s, rel=1e-10)


def test_psu_column_equal_to_rows_is_srs():
    df = random_design_frame(7).dropna()
    df["row"] = np.arange(len(df))
    a = SurveyDesign(df, "w").mean("y")
    b = SurveyDesign(df, "w", psu="row").mean("y")
    np.testing.assert_allclose(a.se, b.se, rtol=1e-12)


# --------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("c", [1e-3, 7.3, 1e4])
def test_weight_scaling(seed, c):
    df = random_design_frame(seed)
    a = SurveyDesign(df, "w", "st", "psu").mean(["y", "b"], by="g")
    b = SurveyDesign(df.assign(w=df.w * c), "w", "st", "psu").mean(["y", "b"], by="g")
    for col in ("estimate", "se", "ci_low", "ci_high", "df", "n"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-10)
    ta = SurveyDesign(df, "w", "st", "psu").total("y")
    tb = SurveyDesign(df.assign(w=df.w * c), "w", "st", "psu").total("y")
    np.testing.assert_allclose(tb.estimate, c * ta.estimate, rtol=1e-10)
    np.testing.assert_allclose(tb.se, c * ta.se, rtol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_whole_sample_domain_equals_overall(seed):
    df = random_design_frame(seed).assign(one="all")
    des = SurveyDesign(df, "w", "st", "psu")
    a = des.mean(["y", "b"])
    b = des.mean(["y", "b"], by="one")
    c = des.subset(np.ones(len(df), bool)).mean(["y", "b"])
    for col in ("estimate", "se", "deff", "df", "n"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-12)
        np.testing.assert_allclose(a[col], c[col], rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_against_loop_implementation(seed):
    df = random_design_frame(seed)
    des = SurveyDesign(df, "w", "st", "psu")
    r = des.mean("y", by="g")
    for _, row in r.iterrows():
        mean, se = loop_variance_of_mean(df, "y", (df.g == row.g).to_numpy())
        assert row.estimate == pytest.approx(mean, rel=1e-12)
        assert row.se == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_many_outcomes_at_once_equal_one_at_a_time(seed):
    df = random_design_frame(seed)
    des = SurveyDesign(df, "w", "st", "psu")
    both = des.mean(["y", "b"], by="g")
    for v in ("y", "b"):
        one = des.mean(v, by="g")
        sub = both[both.variable == v].reset_index(drop=True)
        for col in ("estimate", "se", "deff", "n", "df"):
            np.testing.assert_allclose(sub[col], one[col], rtol=1e-12)


# --------------------------------------------------------------------------- domains
def test_domain_by_zeroing_differs_from_dropping_rows():
    """A domain absent from whole PSUs: keeping them (R subset) != dropping rows."""
    df = random_design_frame(11, n_strata=4, psu_range=(3, 3))
    df["dom"] = ~((df.psu == 1) & (df.st.isin([10, 11])))   # PSU 1 of two strata has no member
    des = SurveyDesign(df, "w", "st", "psu")
    zeroed = des.subset(df.dom).mean("y")
    mean, se = loop_variance_of_mean(df, "y", df.dom.to_numpy())
    assert zeroed.se[0] == pytest.approx(se, rel=1e-10)
    dropped = SurveyDesign(df[df.dom], "w", "st", "psu").mean("y")
    assert dropped.estimate[0] == pytest.approx(zeroed.estimate[0], rel=1e-12)
    assert abs(dropped.se[0] / zeroed.se[0] - 1) > 1e-3
    # domain df: PSUs minus strata among domain rows (R degf on the subset)
    assert zeroed.df[0] == (4 * 3 - 2) - 4
    # df="design": degf() of the design object: the subset's for a subset design
    assert des.subset(df.dom).mean("y", df="design").df[0] == (4 * 3 - 2) - 4
    assert des.mean("y", by="dom", df="design").df.tolist() == [4 * 3 - 4] * 2


@pytest.mark.parametrize("seed", SEEDS)
def test_domain_mean_equals_ratio_and_by(seed):
    """R tests/domain.R: a domain mean equals the ratio (y*I)/I and the svyby row."""
    df = random_design_frame(seed)
    df["I"] = (df.g == "b").astype(float)
    df["yI"] = df.y * df.I
    des = SurveyDesign(df, "w", "st", "psu")
    sub = des.subset(df.g == "b").mean("y")
    ratio = des.ratio("yI", "I")
    by = des.mean("y", by="g").set_index("g").loc["b"]
    assert sub.estimate[0] == pytest.approx(ratio.estimate[0], rel=1e-12)
    assert sub.se[0] == pytest.approx(ratio.se[0], rel=1e-10)
    assert sub.se[0] == pytest.approx(by.se, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_covariance_and_contrast(seed):
    df = random_design_frame(seed)
    des = SurveyDesign(df, "w", "st", "psu")
    tab, cov = des.mean("y", by="g", return_cov=True)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), tab.se, rtol=1e-12)
    c = np.array([1.0, 0.0, -1.0])
    r = des.contrast("y", "g", {"a": 1, "c": -1})
    assert r.estimate[0] == pytest.approx(c @ tab.estimate, rel=1e-12)
    assert r.se[0] == pytest.approx(np.sqrt(c @ cov.to_numpy() @ c), rel=1e-12)
    # the covariance equals the one of the loop implementation via the influence sum
    d = des.difference("y", between="g", levels=("a", "c"))
    assert d.se[0] == pytest.approx(r.se[0], rel=1e-12)
    assert d.estimate[0] == pytest.approx(-r.estimate[0], rel=1e-12)


# --------------------------------------------------------------------------- GLM consistency
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_intercept_only_glm_is_the_mean(seed):
    df = random_design_frame(seed).dropna(subset=["y"])
    des = SurveyDesign(df, "w", "st", "psu")
    m = des.mean(["y", "b"], df="design")
    g = des.glm("y ~ 1", family="gaussian").coef.iloc[0]
    assert g.estimate == pytest.approx(m.estimate[0], rel=1e-10)
    assert g.se == pytest.approx(m.se[0], rel=1e-8)
    lg = des.glm("b ~ 1", family="binomial").coef.iloc[0]
    p = m.estimate[1]
    assert 1 / (1 + np.exp(-lg.estimate)) == pytest.approx(p, rel=1e-7)
    assert lg.se * p * (1 - p) == pytest.approx(m.se[1], rel=1e-5)
    # the logit CI of mean() is the intercept-only GLM's CI, back-transformed
    lo, hi = proportion_ci(p, m.se[1], des.df, method="logit")
    assert float(lo) == pytest.approx(1 / (1 + np.exp(-(lg.estimate - stats.t.ppf(0.975, des.df) * lg.se))),
                                      rel=1e-5)
    assert float(hi) > p


def test_glm_df_resid_and_wald_equals_t_squared():
    df = random_design_frame(3).dropna(subset=["y"])
    des = SurveyDesign(df, "w", "st", "psu")
    fit = des.glm("y ~ b + g")
    assert fit.df_resid == des.df + 1 - 4
    row = fit.coef.set_index("term").loc["b"]
    w = fit.wald_test("b")
    assert w["F"] == pytest.approx(row.t**2, rel=1e-10)
    assert w["p"] == pytest.approx(row.p, rel=1e-8)
    assert fit.coef.term.tolist() == ["(Intercept)", "gb", "gc", "b"]


# --------------------------------------------------------------------------- replicates
def test_brr_equals_taylor_for_totals_with_two_psus_per_stratum():
    rng = np.random.default_rng(5)
    H = 7
    rows = [(h, j) for h in range(H) for j in range(2) for _ in range(rng.integers(2, 6))]
    df = pd.DataFrame(rows, columns=["st", "psu"])
    df["w"] = rng.uniform(1, 3, len(df))
    df["y"] = rng.normal(size=len(df))
    had = linalg.hadamard(8)[:, 1:H + 1]          # R = 8 replicates, balanced
    for r in range(8):
        half = np.where(had[r, df.st] > 0, 0, 1)
        df[f"rep{r}"] = np.where(df.psu == half, 2 * df.w, 0.0)
    taylor = SurveyDesign(df, "w", "st", "psu").total("y")
    brr = SurveyDesign.replicate(df, "w", "rep", method="BRR", mse=True).total("y")
    assert brr.se[0] == pytest.approx(taylor.se[0], rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_jkn_equals_taylor_for_domain_totals(seed):
    df = random_design_frame(seed)
    des = SurveyDesign(df, "w", "st", "psu")
    a = des.total("y", by="g")
    b = des.to_replicate("JKn").total("y", by="g")
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=1e-12)
    np.testing.assert_allclose(b.se, a.se, rtol=1e-9)


# --------------------------------------------------------------------------- aggregation
def test_psu_totals_keeps_empty_psus_and_matches_groupby():
    df = random_design_frame(2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(df), 3))
    dom = rng.integers(-1, 4, len(df))
    psu = pd.factorize((df.st * 100 + df.psu).to_numpy(), sort=True)[0]
    T = psu_totals(X, dom, 4, psu, psu.max() + 1)
    assert T.shape == (4, psu.max() + 1, 3)
    g = pd.DataFrame(X).assign(d=dom, u=psu)
    g = g[g.d >= 0].groupby(["d", "u"]).sum()
    for (d, u), row in g.iterrows():
        np.testing.assert_allclose(T[d, u], row.to_numpy(), rtol=1e-12)
    assert T.sum() == pytest.approx(X[dom >= 0].sum(), rel=1e-12)


def test_stratified_variance_lonely_rules():
    Z = np.array([[1.0], [3.0], [5.0]])
    st = np.array([0, 0, 1])
    nh, f = np.array([2.0, 1.0]), np.ones(2)
    base = 2 * ((1 - 2) ** 2 + (3 - 2) ** 2)
    assert stratified_variance(Z, st, nh, f, "remove")[0] == base
    assert stratified_variance(Z, st, nh, f, "certainty")[0] == base
    assert stratified_variance(Z, st, nh, f, "adjust")[0] == base + 25
    assert stratified_variance(Z, st, nh, f, "average")[0] == base * 2 / 1


def test_fay_equals_taylor_for_totals_and_bootstrap_formula():
    rng = np.random.default_rng(8)
    H, rho = 7, 0.3
    rows = [(h, j) for h in range(H) for j in range(2) for _ in range(rng.integers(2, 6))]
    df = pd.DataFrame(rows, columns=["st", "psu"])
    df["w"] = rng.uniform(1, 3, len(df))
    df["y"] = rng.normal(size=len(df))
    had = linalg.hadamard(8)[:, 1:H + 1]
    for r in range(8):
        half = np.where(had[r, df.st] > 0, 0, 1)
        df[f"fay{r}"] = np.where(df.psu == half, (2 - rho) * df.w, rho * df.w)
    taylor = SurveyDesign(df, "w", "st", "psu").total("y")
    fay = SurveyDesign.replicate(df, "w", "fay", method="Fay", rho=rho, mse=True).total("y")
    assert fay.se[0] == pytest.approx(taylor.se[0], rel=1e-10)
    # bootstrap: scale 1/(R-1), centred at the replicate mean (mse=False)
    B = 20
    for b in range(B):
        df[f"bs{b}"] = df.w * rng.poisson(1.0, len(df))
    boot = SurveyDesign.replicate(df, "w", "bs", method="bootstrap").mean("y")
    reps = np.array([(df[f"bs{b}"] * df.y).sum() / df[f"bs{b}"].sum() for b in range(B)])
    assert boot.se[0] == pytest.approx(np.sqrt(((reps - reps.mean()) ** 2).sum() / (B - 1)), rel=1e-10)


def test_difference_with_by_and_relative_change():
    df = random_design_frame(4)
    df["yr"] = np.where(df.st % 2 == 0, 2019, 2021)
    df["h"] = np.where(df.psu % 2 == 0, "x", "y")
    des = SurveyDesign(df, "w", "st", "psu")
    d = des.difference("b", between="yr", by="h")
    tab, cov = des.mean("b", by=["h", "yr"], return_cov=True)
    for _, row in d.iterrows():
        ia = tab.index[(tab.h == row.h) & (tab.yr == 2019)][0]
        ib = tab.index[(tab.h == row.h) & (tab.yr == 2021)][0]
        a, b = tab.estimate[ia], tab.estimate[ib]
        g = np.array([-b / a**2, 1 / a])                     # gradient of b/a
        V = cov.loc[[ia, ib], [ia, ib]].to_numpy()
        assert row.relative_change == pytest.approx(b / a - 1, rel=1e-12)
        assert row.relative_se == pytest.approx(np.sqrt(g @ V @ g), rel=1e-10)
        assert row.estimate == pytest.approx(b - a, rel=1e-12)
        assert row.p == pytest.approx(2 * stats.t.sf(abs(row.t), des.df), rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_effective_sample_size(seed):
    df = random_design_frame(seed)
    des = SurveyDesign(df, "w", "st", "psu")
    r = des.mean(["b", "y"])
    p, se = r.estimate[0], r.se[0]
    assert r.n_eff[0] == pytest.approx(p * (1 - p) / se**2, rel=1e-12)      # NCHS definition
    ok = df.y.notna()
    w, y = df.w[ok], df.y[ok]
    m = (w * y).sum() / w.sum()
    s2 = (w * (y - m) ** 2).sum() / w.sum() * ok.sum() / (ok.sum() - 1)
    assert r.n_eff[1] == pytest.approx(s2 / r.se[1] ** 2, rel=1e-10)
    t = des.total("y")
    assert t.n_eff[0] == pytest.approx(s2 * w.sum() ** 2 / t.se[0] ** 2, rel=1e-10)
    # an SRS has n_eff = n for a mean
    srs = SurveyDesign(df.dropna().assign(w=1.0), "w").mean("y")
    assert srs.n_eff[0] == pytest.approx(srs.n[0], rel=1e-10)
