"""Survey-based changes and trend tests, checked against R ``survey`` on NHANES 2009-2012.

Reference: ``tests/reference/trends_nhanes.R`` (svyglm quasibinomial of mj / hd /
regmj on ``cycle01``, overall and within Gender; svyby + svycontrast for the
difference and the ratio of the two cycles' means). Tolerances: 1e-8 relative
for estimates, 1e-6 relative for SEs.

Our trend test uses orthogonal polynomial scores (R ``contr.poly``); with two
cycles the linear score is ``(cycle01 - 1/2) * sqrt(2)``, so our linear
coefficient and SE are R's ``cycle01`` ones divided by sqrt(2), and t, p are
identical: this also checks the contrast coding. R's coefficients are those of
an IRLS stopped at a relative deviance change of 1e-8; ours are iterated to
machine precision, so coefficients are compared with the closed-form MLE
(logit differences of R's svymean estimates) at 1e-10 and with R's svyglm to
1e-6 of their SE (R's are up to 2e-7 relative off the MLE); SEs, t and p at 1e-6 / 1e-5.

The functions are thin layers over drugtrends.survey (one variance engine); the synthetic
tests check hand computations, the df rule (degf of the two-year design), replicate-weight
designs (JKn from the same PSUs) and the edge cases (empty year, zero estimate, separation).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import BreakError, DesignError
from drugtrends.survey import SurveyDesign
from drugtrends.trends import (
    breaks_for,
    change_between,
    change_from_estimates,
    describe_change,
    orthogonal_poly,
    significance_vs_latest,
    survey_trend_test,
)

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def _nhanes_csv() -> Path:
    from drugtrends import paths

    for p in (paths.data_dir() / "nhanes_2009_2012" / "NHANESraw.csv",
              Path("/work/shared/data/nhanes_2009_2012/NHANESraw.csv"),
              HERE.parent.parent / "shared" / "data" / "nhanes_2009_2012" / "NHANESraw.csv"):
        if p.is_file():
            return p
    pytest.skip("NHANESraw.csv not found in the data dir or the ../shared/data mirror")


@pytest.fixture(scope="module")
def nhanes() -> pd.DataFrame:
    d = pd.read_csv(_nhanes_csv(), low_memory=False)
    yn = {"Yes": 1.0, "No": 0.0}
    d["wt"] = d["WTINT2YR"] / 2
    d["mj"] = d["Marijuana"].map(yn).astype(float)
    d["regmj"] = d["RegularMarij"].map(yn).astype(float)
    d["hd"] = d["HardDrugs"].map(yn).astype(float)
    # the package's one sex column is `sex` (issue 25); the R reference keys name it Gender (DOMAINS)
    return d.drop(columns="Sex").rename(columns={"Gender": "sex"})


def _design(d: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(d, weight="wt", strata="SDMVSTRA", psu="SDMVPSU")


@pytest.fixture(scope="module")
def ref():
    from reference.reference import load_reference

    try:
        return load_reference("trends_nhanes")
    except FileNotFoundError:
        pytest.skip("tests/reference/trends_nhanes.csv not written yet")


def _r(ref, analysis, statistic, variable, domain=""):
    from reference.reference import ref_value

    return ref_value(ref, analysis, statistic, variable=variable, domain=domain)


DOMAINS = [("", None), ("Gender=female", "female"), ("Gender=male", "male")]  # (R's key, our sex level)


@pytest.mark.realdata
@pytest.mark.parametrize("v", ["mj", "hd", "regmj"])
def test_change_between_matches_r_svycontrast(nhanes, ref, v):
    des = _design(nhanes)
    res = change_between(des, v, "SurveyYr", ("2009_10", "2011_12"), by="sex")
    overall = change_between(des, v, "SurveyYr", ("2009_10", "2011_12"))
    for dom, g in DOMAINS:
        row = overall.iloc[0] if g is None else res.loc[res["sex"] == g].iloc[0]
        pre = f"{dom}&" if dom else ""
        assert row["estimate_from"] == pytest.approx(_r(ref, "mean_cycle", "estimate", v, pre + "SurveyYr=2009_10"), rel=1e-8)
        assert row["estimate_to"] == pytest.approx(_r(ref, "mean_cycle", "estimate", v, pre + "SurveyYr=2011_12"), rel=1e-8)
        assert row["se_from"] == pytest.approx(_r(ref, "mean_cycle", "se", v, pre + "SurveyYr=2009_10"), rel=1e-6)
        assert row["se_to"] == pytest.approx(_r(ref, "mean_cycle", "se", v, pre + "SurveyYr=2011_12"), rel=1e-6)
        assert row["difference"] == pytest.approx(_r(ref, "diff_cycle", "estimate", v, dom), rel=1e-8)
        assert row["se"] == pytest.approx(_r(ref, "diff_cycle", "se", v, dom), rel=1e-6)
        assert row["df"] == _r(ref, "diff_cycle", "df", v, dom)
        assert row["p"] == pytest.approx(_r(ref, "diff_cycle", "p_t", v, dom), rel=1e-5)
        assert row["relative_change"] == pytest.approx(_r(ref, "ratio_cycle", "rel_change", v, dom), rel=1e-8)
        assert row["relative_se"] == pytest.approx(_r(ref, "ratio_cycle", "se", v, dom), rel=1e-6)
    # normal reference distribution on request (R confint / p_normal)
    z = change_between(des, v, "SurveyYr", ("2009_10", "2011_12"), df=np.inf)
    assert z["p"].iloc[0] == pytest.approx(_r(ref, "diff_cycle", "p_normal", v), rel=1e-5)


@pytest.mark.realdata
@pytest.mark.parametrize("v", ["mj", "hd", "regmj"])
def test_survey_trend_test_matches_r_svyglm(nhanes, ref, v):
    des = _design(nhanes)
    res = pd.concat([survey_trend_test(des, v, "SurveyYr"), survey_trend_test(des, v, "SurveyYr", by="sex")])
    for dom, g in DOMAINS:
        sub = res[res["sex"].isna()] if g is None else res[res["sex"] == g]
        lin = sub[sub["term"] == "linear"].iloc[0]
        b = _r(ref, "trend_logit", "coef", f"{v}:cycle01", dom)
        se = _r(ref, "trend_logit", "se", f"{v}:cycle01", dom)
        # R's glm stops IRLS at a relative deviance change < 1e-8, which leaves the
        # coefficient ~1e-8 (relative) short of the MLE. With one binary regressor the
        # MLE is closed-form: logit(p_2011) - logit(p_2009) from R's svymean estimates.
        pre = f"{dom}&" if dom else ""
        p1 = _r(ref, "mean_cycle", "estimate", v, pre + "SurveyYr=2009_10")
        p2 = _r(ref, "mean_cycle", "estimate", v, pre + "SurveyYr=2011_12")
        exact = math.log(p2 / (1 - p2)) - math.log(p1 / (1 - p1))
        assert lin["coef"] * math.sqrt(2) == pytest.approx(exact, rel=1e-10)
        assert lin["coef"] * math.sqrt(2) == pytest.approx(b, abs=1e-6 * se)  # R's IRLS: ~2e-7 relative
        assert lin["se"] * math.sqrt(2) == pytest.approx(se, rel=1e-6)
        assert lin["t"] == pytest.approx(_r(ref, "trend_logit", "t", f"{v}:cycle01", dom), rel=1e-6)
        assert lin["p"] == pytest.approx(_r(ref, "trend_logit", "p", f"{v}:cycle01", dom), rel=1e-5)
        assert lin["df"] == _r(ref, "trend_logit", "df_residual", v, dom)
        # intercept: R's is the logit at cycle01 = 0; ours is the logit at the mean score
        b0 = _r(ref, "trend_logit", "coef", f"{v}:(Intercept)", dom)
        icpt = sub[sub["term"] == "(Intercept)"].iloc[0]["coef"]
        logit = lambda p: math.log(p / (1 - p))  # noqa: E731
        assert icpt == pytest.approx((logit(p1) + logit(p2)) / 2, rel=1e-10)
        assert icpt == pytest.approx(b0 + b / 2, abs=1e-6 * se)


@pytest.mark.realdata
def test_significance_vs_latest_nhanes(nhanes, ref):
    des = _design(nhanes)
    r = significance_vs_latest(des, "mj", "SurveyYr", by="sex")
    ch = change_between(des, "mj", "SurveyYr", ("2009_10", "2011_12"), by="sex")
    txt = describe_change(ch[ch.sex == "male"].iloc[0], "Ever use of marijuana among men")
    assert txt == ("Ever use of marijuana among men did not change significantly from 60.9% in 2009_10 "
                   "to 65.6% in 2011_12 (+4.7 points, 95% CI -0.6 to 10.0)")
    male = r[(r["sex"] == "male") & (r["year"] == "2009_10")].iloc[0]
    assert male["difference"] == pytest.approx(_r(ref, "diff_cycle", "estimate", "mj", "Gender=male"), rel=1e-8)
    assert male["p"] == pytest.approx(_r(ref, "diff_cycle", "p_t", "mj", "Gender=male"), rel=1e-5)
    assert male["marker"] == ""  # p = 0.078
    latest = r[r["year"] == "2011_12"]
    assert latest["p"].isna().all() and (latest["marker"] == "").all()


# ------------------------------------------------------------- synthetic checks
def _toy(seed=0, years=(2014, 2015, 2016, 2017, 2018, 2019), n_per=400):
    rng = np.random.default_rng(seed)
    rows = []
    for i, yr in enumerate(years):
        strata = np.repeat(np.arange(10) + 100 * i, n_per // 10)
        psu = np.tile([1, 2], n_per // 2)
        p = 0.10 + 0.02 * i
        rows.append(pd.DataFrame({"year": yr, "use": (rng.random(n_per) < p).astype(float),
                                  "wt": rng.uniform(0.5, 2.0, n_per), "st": strata, "psu": psu,
                                  "sex": rng.choice(["f", "m"], n_per)}))
    return pd.concat(rows, ignore_index=True)


def test_change_between_hand_computation_and_breaks():
    d = _toy()
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    r = change_between(des, "use", "year", (2016, 2019), allow_breaks=True, breaks=breaks_for("nsduh"))
    # hand computation: weighted means and the stratified-PSU variance of a ratio mean
    est, var = [], []
    for yr in (2016, 2019):
        s = d[d.year == yr]
        m = np.average(s.use, weights=s.wt)
        z = s.wt * (s.use - m) / s.wt.sum()
        tot = z.groupby([s.st, s.psu]).sum()
        dev = tot - tot.groupby(level=0).transform("mean")
        est.append(m)
        var.append(float((dev ** 2).groupby(level=0).sum().sum() * 2))  # n_h/(n_h-1) = 2
    assert r["difference"].iloc[0] == pytest.approx(est[1] - est[0], rel=1e-12)
    assert r["se"].iloc[0] == pytest.approx(math.sqrt(var[0] + var[1]), rel=1e-10)
    assert r["cov"].iloc[0] == pytest.approx(0.0, abs=1e-18)  # disjoint strata
    with pytest.raises(BreakError, match="2015 NSDUH questionnaire redesign"):
        change_between(des, "use", "year", (2014, 2016), breaks=breaks_for("nsduh"))
    # same answer from the aggregate-input variant (independent samples)
    agg = change_from_estimates(r["estimate_from"], r["se_from"], r["estimate_to"], r["se_to"], df=r["df"].iloc[0])
    assert agg["se"].iloc[0] == pytest.approx(r["se"].iloc[0], rel=1e-12)
    assert agg["p"].iloc[0] == pytest.approx(r["p"].iloc[0], rel=1e-12)
    assert agg["relative_se"].iloc[0] == pytest.approx(r["relative_se"].iloc[0], rel=1e-12)


def test_change_from_estimates_by_hand():
    # EROPP cocaine past-year use, France 18-64: 1.6 % (2017) -> 2.7 % (2023); SEs illustrative
    r = change_from_estimates([0.016], [0.0015], [0.027], [0.0018]).iloc[0]
    se = math.sqrt(0.0015 ** 2 + 0.0018 ** 2)
    assert r["difference"] == pytest.approx(0.011)
    assert r["se"] == pytest.approx(se)
    assert r["relative_change"] == pytest.approx(0.027 / 0.016 - 1)
    assert r["relative_se"] == pytest.approx(math.sqrt(0.0018 ** 2 / 0.016 ** 2 + 0.027 ** 2 * 0.0015 ** 2 / 0.016 ** 4))
    assert r["ci_low"] == pytest.approx(0.011 - 1.959963984540054 * se)
    txt = describe_change(r.to_dict() | {"year_from": 2017, "year_to": 2023}, "Cocaine use")
    assert txt.startswith("Cocaine use rose significantly from 1.6% in 2017 to 2.7% in 2023 (+1.1 points")
    down = change_from_estimates(0.05, 0.004, 0.03, 0.004).iloc[0]
    assert "fell significantly" in describe_change(down, "Use", digits=0)


def test_orthogonal_poly_matches_r_contr_poly():
    # R: contr.poly(4) (printed values)
    want = np.array([[-0.6708203932499369, 0.5, -0.2236067977499790],
                     [-0.2236067977499789, -0.5, 0.6708203932499369],
                     [0.2236067977499789, -0.5, -0.6708203932499369],
                     [0.6708203932499369, 0.5, 0.2236067977499790]])
    got = orthogonal_poly([1, 2, 3, 4], degree=3).to_numpy()
    assert np.allclose(got, want, atol=1e-14)
    # unequal spacing: contr.poly(3, scores = c(2009, 2011, 2017)) linear = centred scores / norm
    s = np.array([2009, 2011, 2017.0]) - np.mean([2009, 2011, 2017])
    assert np.allclose(orthogonal_poly([2009, 2011, 2017], scores=[2009, 2011, 2017])["linear"], s / np.linalg.norm(s))


def test_survey_trend_test_detects_rising_use_and_breaks():
    d = _toy(seed=3, years=(2016, 2017, 2018, 2019), n_per=1000)
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    r = survey_trend_test(des, "use", "year", degree=2, by="sex", breaks=breaks_for("nsduh"))
    lin = r[r.term == "linear"]
    assert (lin["direction"] == "increase").all() and (lin["p"] < 0.01).all()
    assert set(r["term"]) == {"(Intercept)", "linear", "quadratic"}
    # design df: 40 strata x 2 PSUs -> 40, minus 3 coefficients + 1
    assert (r["df"] == 38).all()
    shifted = SurveyDesign(d.assign(year=d.year + 2), weight="wt", strata="st", psu="psu")  # 2018-2021
    with pytest.raises(BreakError, match="2020 NSDUH mode change"):
        survey_trend_test(shifted, "use", "year", breaks=breaks_for("nsduh"))


def test_significance_vs_latest_marks_and_respects_breaks():
    d = _toy(seed=5, years=(2012, 2013, 2014, 2015, 2016, 2017), n_per=1200)
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    r = significance_vs_latest(des, "use", "year", breaks=breaks_for("nsduh"))
    pre = r[r.year < 2015]
    assert (~pre["comparable"]).all() and pre["p"].isna().all() and (pre["marker"] == "").all()
    post = r[(r.year >= 2015) & (r.year < 2017)]
    assert post["comparable"].all()
    for _, row in post.iterrows():
        want = "b" if row["p"] < 0.01 else "a" if row["p"] < 0.05 else ""
        assert row["marker"] == want
    # without breaks, 2012 (p = 0.10 vs 0.20) differs from 2017 at .01
    r2 = significance_vs_latest(des, "use", "year")
    assert r2.loc[r2.year == 2012, "marker"].item() == "b"


@pytest.mark.realdata
def test_works_with_the_survey_design_class_and_its_subsets(nhanes):
    """Same numbers from drugtrends.survey's SurveyDesign, and a .subset() design equals the by= domain."""
    des = SurveyDesign(nhanes, weight="wt", strata="SDMVSTRA", psu="SDMVPSU")
    by = change_between(des, "hd", "SurveyYr", ("2009_10", "2011_12"), by="sex")
    sub = change_between(des.subset(nhanes["sex"] == "female"), "hd", "SurveyYr", ("2009_10", "2011_12"))
    f = by[by.sex == "female"].iloc[0]
    for col in ("estimate_from", "estimate_to", "difference", "se", "relative_se"):
        assert sub[col].iloc[0] == pytest.approx(f[col], rel=1e-12)
    # the design's own domain means agree with ours
    m = des.mean("hd", by=["sex", "SurveyYr"])
    row = m[(m.sex == "female") & (m.SurveyYr == "2011_12")].iloc[0]
    assert row["estimate"] == pytest.approx(f["estimate_to"], rel=1e-12)
    assert row["se"] == pytest.approx(f["se_to"], rel=1e-10)


# ------------------------------------------------------- replicate designs, df rule, errors
def test_replicate_design_change_and_latest():
    """JKn replicates built from the same PSUs: the difference is the same number; its SE is the
    jackknife one, which for disjoint-strata years and replicates centred at the full-sample estimate
    (mse=True: a replicate moves one year only) is sqrt(se_a^2 + se_b^2) of per-year replicate SEs,
    and is close to (not equal to) the Taylor SE; df = rank of the replicate weights - 1."""
    d = _toy(seed=7, years=(2016, 2017, 2018), n_per=400)
    tay = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    rep = tay.to_replicate("JKn", mse=True)
    r = change_between(rep, "use", "year", (2016, 2018), by="sex")
    t = change_between(tay, "use", "year", (2016, 2018), by="sex")
    assert np.allclose(r["difference"], t["difference"], rtol=1e-12)
    assert np.allclose(r["se"], t["se"], rtol=0.02) and not np.allclose(r["se"], t["se"], rtol=1e-9)
    for _, row in r.iterrows():
        per = [rep.subset((d.year == y).to_numpy() & (d.sex == row["sex"]).to_numpy()).mean("use").se[0]
               for y in (2016, 2018)]
        assert row["se"] == pytest.approx(math.hypot(*per), rel=1e-9)
        assert abs(row["cov"]) < 1e-15  # zero in exact arithmetic (years in disjoint replicates)
    # df: the engine's df of the two-year replicate design, for every domain (Taylor: 40 PSUs - 20 strata)
    assert (r["df"] == rep.subset(d.year.isin([2016, 2018]).to_numpy()).df).all() and (t["df"] == 40 - 20).all()
    s = significance_vs_latest(rep, "use", "year", by="sex")
    for _, row in r.iterrows():
        got = s[(s.sex == row["sex"]) & (s.year == 2016)].iloc[0]
        assert got["p"] == pytest.approx(row["p"], rel=1e-12)
        assert got["difference"] == pytest.approx(row["difference"], rel=1e-12)
    with pytest.raises(DesignError, match="Taylor"):
        survey_trend_test(rep, "use", "year")


def test_df_is_the_two_year_design_df_not_the_domain_df():
    """A domain missing from some PSUs still gets degf() of the two-year design (R svyby + svycontrast
    + degf(des)); a .subset() domain gets degf(subset(des, ...))."""
    d = _toy(seed=11, years=(2016, 2017, 2018), n_per=400)
    d.loc[(d.year == 2016) & (d.st == 0), "sex"] = "m"  # no women in stratum 0 of 2016
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    r = change_between(des, "use", "year", (2016, 2018), by="sex")
    assert (r["df"] == 40 - 20).all()  # the two years: 40 PSUs, 20 strata
    women = des.subset((d.sex == "f").to_numpy())
    w = change_between(women, "use", "year", (2016, 2018))
    assert w["df"].iloc[0] == 40 - 20 - 1  # stratum 0 of 2016 has no woman: 38 PSUs, 19 strata
    assert w["difference"].iloc[0] == pytest.approx(r.loc[r.sex == "f", "difference"].item(), rel=1e-12)
    assert w["se"].iloc[0] == pytest.approx(r.loc[r.sex == "f", "se"].item(), rel=1e-12)
    s = significance_vs_latest(des, "use", "year", by="sex")
    assert (s.loc[s.year != 2018, "df"] == 20).all()


def test_errors_name_the_problem():
    d = _toy(seed=1, years=(2016, 2017), n_per=200)
    with pytest.raises(TypeError, match="SurveyDesign"):
        change_between(d, "use", "year", (2016, 2017))
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    with pytest.raises(ValueError, match="2015"):
        change_between(des, "use", "year", (2015, 2017))
    with pytest.raises(DesignError, match="'sex'.*not numeric"):
        change_between(des, "sex", "year", (2016, 2017))
    with pytest.raises(DesignError, match="0/1"):
        survey_trend_test(des.subset((d.year > 0).to_numpy()), "wt", "year")


def test_edge_domains():
    """Hand-checkable 12-row design: domain a has no user in year 1, domain b has no year 2."""
    d = pd.DataFrame({"yr": [1] * 6 + [2] * 6, "use": [0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1], "wt": 1.0,
                      "st": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], "psu": [1, 2] * 6,
                      "g": list("aaaabb") + list("aaaaaa")})
    des = SurveyDesign(d, weight="wt", strata="st", psu="psu")
    r = change_between(des, "use", "yr", (1, 2), by="g").set_index("g")
    # a: 0 -> 4/6 (year 1 has zero variance); year 2: z = w (y - 2/3) / 6, Var = sum_h 2 sum (z - zbar_h)^2
    z = np.array([1 - 2 / 3, 1 - 2 / 3, -2 / 3, 1 - 2 / 3, -2 / 3, 1 - 2 / 3]) / 6
    v = sum(2 * ((z[2 * h:2 * h + 2] - z[2 * h:2 * h + 2].mean()) ** 2).sum() for h in range(3))
    assert r.loc["a", "difference"] == pytest.approx(2 / 3, rel=1e-14)
    assert r.loc["a", "se"] == pytest.approx(math.sqrt(v), rel=1e-12)
    assert math.isnan(r.loc["a", "relative_change"])  # from a zero estimate
    assert r.loc["a", "df"] == 12 - 6 and r.loc["a", "significant"]  # 12 PSUs, 6 strata
    assert r.loc["b", ["difference", "se", "p"]].isna().all() and not r.loc["b", "significant"]
    with pytest.raises(ValueError, match="at least 2 levels"):  # one year only
        survey_trend_test(des.subset((d.g == "b").to_numpy()), "use", "yr")
    d2 = d.assign(use=lambda x: x.use.where(x.index != 0, 1))  # a user in domain a, year 1
    t = survey_trend_test(SurveyDesign(d2, weight="wt", strata="st", psu="psu"), "use", "yr", by="g")
    assert t.loc[t.g == "b", ["coef", "se", "p"]].isna().all().all() and (t.loc[t.g == "b", "n_years"] == 1).all()
    lin = t[(t.g == "a") & (t.term == "linear")].iloc[0]  # closed form: logit(4/6) - logit(1/4), / sqrt(2)
    assert lin["coef"] * math.sqrt(2) == pytest.approx(math.log(2) - math.log(1 / 3), rel=1e-10)
    with pytest.raises(DesignError, match=r"separation.*change_between"):
        survey_trend_test(des, "use", "yr", by="g")
