"""drugtrends.survey against R survey 4.1.1 (tests/reference/survey_nhanes*.R).

Tolerances: point estimates (means, totals, ratios, coefficients, quantiles,
CI bounds, design effects, test statistics) to 1e-8 relative; standard errors,
covariances and p-values to 1e-6 relative; df and n exactly.

The NHANES 2009-2012 analysis frame is built here exactly as
``tests/reference/_helpers.R::nhanes_frame`` does (contract in
docs/ARCHITECTURE.md), from the data directory or the read-only mirror, with
one difference: sex is the package's one sex column ``sex`` (levels male,
female: ``drugtrends.readers.nhanes.SEX_LEVELS``) where R uses the published
``Gender`` (factor levels female, male). Results are compared on keys
(:func:`r_dom` maps ``sex=`` to R's ``Gender=``), and the regressions, whose
coefficients depend on the reference level, are fitted with R's level order
(:func:`r_levels`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import load_reference, ref_value  # noqa: E402

from drugtrends.errors import DesignError  # noqa: E402
from drugtrends.survey import SurveyDesign, independent_difference  # noqa: E402

pytestmark = pytest.mark.realdata

EST = 1e-8
SE = 1e-6
ROOT = Path(__file__).resolve().parents[1]


def _find(rel_data: str, rel_mirror: str) -> Path:
    import os
    cands = []
    if os.environ.get("DRUGTRENDS_DATA"):
        cands.append(Path(os.environ["DRUGTRENDS_DATA"]) / rel_data)
    cands += [ROOT / "data" / "raw" / rel_data, ROOT.parent / "shared" / "data" / rel_mirror]
    for c in cands:
        if c.is_file():
            return c
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"data file missing, tried {cands}")
    pytest.skip(f"data file missing, tried {cands}")


#: Our column -> R's name for it (the R scripts read NHANESraw.csv themselves; issue 25).
R_NAMES = {"sex": "Gender"}


def r_dom(dom: str) -> str:
    """A domain key ``"SurveyYr=2009_10&sex=female"`` as the R reference spells it (``Gender=female``)."""
    return "&".join(R_NAMES.get(k, k) + "=" + v for k, v in (p.split("=", 1) for p in dom.split("&"))) if dom else dom


def r_term(term: str) -> str:
    """A model term or coefficient name as R spells it (``sexmale`` -> ``Gendermale``, ``hd+sex`` -> ``hd+Gender``)."""
    for ours, theirs in R_NAMES.items():
        term = "+".join(theirs + t[len(ours):] if t.startswith(ours) else t for t in term.split("+"))
    return term


def r_levels(d: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``sex`` in R's factor order (female, male): R's reference level, for regressions."""
    return d.assign(sex=d["sex"].cat.reorder_categories(["female", "male"]))


def close(got, want, rtol):
    assert np.isfinite(want), want
    assert got == pytest.approx(want, rel=rtol, abs=0 if want != 0 else 1e-300), (got, want)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def nh() -> pd.DataFrame:
    d = pd.read_csv(_find("nhanes_2009_2012/NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv"),
                    low_memory=False)

    def yn(s):
        return s.map({"Yes": 1.0, "No": 0.0}).astype(float)

    d["wt"] = d.WTINT2YR / 2
    d["mj"], d["regmj"], d["hd"] = yn(d.Marijuana), yn(d.RegularMarij), yn(d.HardDrugs)
    d["age_band"] = pd.cut(d.Age, [18, 30, 40, 50, 60], right=False,
                           labels=["18-29", "30-39", "40-49", "50-59"])
    d["SurveyYr"] = pd.Categorical(d.SurveyYr, ["2009_10", "2011_12"])
    from drugtrends.readers.nhanes import SEX_LEVELS
    d["sex"] = pd.Categorical(d.pop("Gender"), SEX_LEVELS)  # the package's one sex column (issue 25)
    d = d.drop(columns="Sex")
    d["Race1"] = pd.Categorical(d.Race1, ["Black", "Hispanic", "Mexican", "Other", "White"])
    return d


@pytest.fixture(scope="module")
def des(nh) -> SurveyDesign:
    return SurveyDesign(nh, weight="wt", strata="SDMVSTRA", psu="SDMVPSU")


@pytest.fixture(scope="module")
def ref():
    return load_reference("survey_nhanes")


@pytest.fixture(scope="module")
def ref2():
    return load_reference("survey_nhanes2")


@pytest.fixture(scope="module")
def n2() -> pd.DataFrame:
    return pd.read_csv(_find("nhanes2_validation/nhanes2.csv", "validation/nhanes2.csv"))


# --------------------------------------------------------------------------- NHANES 2009-2012
def test_design_summary(des, ref, nh):
    assert des.df == ref_value(ref, "design", "df")
    assert des.structure.n_psu == ref_value(ref, "design", "n_psu")
    assert des.structure.n_strata == ref_value(ref, "design", "n_strata")
    assert len(nh) == ref_value(ref, "design", "n")


def test_mean_overall(des, ref):
    r = des.mean(["mj", "hd", "regmj"], df="design")
    for _, row in r.iterrows():
        v = row.variable
        for st in ("estimate", "deff", "ci_low", "ci_high"):
            close(row[st], ref_value(ref, "mean_overall", st, v), EST)
        close(row.se, ref_value(ref, "mean_overall", "se", v), SE)
        assert row.n == ref_value(ref, "mean_overall", "n", v)
        assert row.df == ref_value(ref, "mean_overall", "df", v)


@pytest.mark.parametrize("analysis,by", [("mean_by_cycle_sex", ["SurveyYr", "sex"]),
                                         ("mean_by_age_band", ["age_band"]),
                                         ("mean_by_cycle", ["SurveyYr"])])
def test_mean_by(des, ref, analysis, by):
    r = des.mean(["mj", "hd", "regmj"], by=by, df="design")
    assert len(r) == 3 * len(r[by].drop_duplicates())
    for _, row in r.iterrows():
        dom = r_dom("&".join(f"{b}={row[b]}" for b in by))
        for st in ("estimate", "deff", "ci_low", "ci_high"):
            close(row[st], ref_value(ref, analysis, st, row.variable, dom), EST)
        close(row.se, ref_value(ref, analysis, "se", row.variable, dom), SE)
        assert row.n == ref_value(ref, analysis, "n", row.variable, dom)


def test_total_and_ratio(des, ref):
    r = des.total(["mj", "hd", "regmj"])
    for _, row in r.iterrows():
        close(row.estimate, ref_value(ref, "total_overall", "estimate", row.variable), EST)
        close(row.se, ref_value(ref, "total_overall", "se", row.variable), SE)
    r = des.ratio("hd", "mj")
    close(r.estimate[0], ref_value(ref, "ratio_hd_mj", "estimate", "hd/mj"), EST)
    close(r.se[0], ref_value(ref, "ratio_hd_mj", "se", "hd/mj"), SE)
    assert r.n[0] == ref_value(ref, "ratio_hd_mj", "n", "hd/mj")
    assert r.df[0] == ref_value(ref, "ratio_hd_mj", "df", "hd/mj")


def test_categorical_mean(des, ref):
    r = des.proportion("Race1")
    assert r.level.tolist() == ["Black", "Hispanic", "Mexican", "Other", "White"]
    for _, row in r.iterrows():
        for st in ("estimate", "deff"):
            close(row[st], ref_value(ref, "mean_race1", st, "Race1", level=row.level), EST)
        close(row.se, ref_value(ref, "mean_race1", "se", "Race1", level=row.level), SE)


@pytest.mark.parametrize("method,rmethod", [("logit", "logit"), ("beta", "beta"),
                                            ("wald", "mean"), ("xlogit", "xlogit")])
def test_svyciprop(des, ref, method, rmethod):
    """Domain df = degf() of the subset design (rows with non-missing hd)."""
    an = f"ciprop_{rmethod}"
    for by in (None, "SurveyYr"):
        r = des.mean("hd", by=by, ci=method)
        for _, row in r.iterrows():
            dom = "" if by is None else f"SurveyYr={row.SurveyYr}"
            assert row.df == ref_value(ref, an, "df", "hd", dom)
            close(row.estimate, ref_value(ref, an, "estimate", "hd", dom), EST)
            close(row.se, ref_value(ref, an, "se", "hd", dom), SE)
            # logit: R's bounds come from an IRLS fit (agree to ~5e-10 here)
            close(row.ci_low, ref_value(ref, an, "ci_low", "hd", dom), EST)
            close(row.ci_high, ref_value(ref, an, "ci_high", "hd", dom), EST)


@pytest.mark.parametrize("v", ["hd", "mj"])
def test_contrasts(des, ref, v):
    r = des.difference(v, between="SurveyYr")
    close(r.estimate[0], ref_value(ref, "contrast_cycle", "estimate", v), EST)
    close(r.se[0], ref_value(ref, "contrast_cycle", "se", v), SE)
    close(r.p[0], ref_value(ref, "contrast_cycle", "p_t", v), SE)
    assert r.df[0] == ref_value(ref, "contrast_cycle", "df", v)
    _, cov = des.mean(v, by="SurveyYr", return_cov=True)
    assert abs(cov.iloc[0, 1] - ref_value(ref, "contrast_cycle", "cov_between", v)) < 1e-14
    r = des.contrast(v, "sex", {"female": 1, "male": -1})
    close(r.estimate[0], ref_value(ref, "contrast_female_male", "estimate", v), EST)
    close(r.se[0], ref_value(ref, "contrast_female_male", "se", v), SE)
    close(r.p[0], ref_value(ref, "contrast_female_male", "p_t", v), SE)
    _, cov = des.mean(v, by="sex", return_cov=True)  # symmetric: the order of the levels does not matter
    close(cov.iloc[0, 1], ref_value(ref, "contrast_female_male", "cov_between", v), SE)


def test_independent_difference_matches_pooled_when_strata_disjoint(des, nh):
    """NHANES cycles use disjoint strata: independent samples give the same SE."""
    a = SurveyDesign(nh[nh.SurveyYr == "2009_10"], "wt", "SDMVSTRA", "SDMVPSU").mean("hd")
    b = SurveyDesign(nh[nh.SurveyYr == "2011_12"], "wt", "SDMVSTRA", "SDMVPSU").mean("hd")
    ind = independent_difference(a, b)
    pooled = des.difference("hd", between="SurveyYr")
    close(ind.estimate[0], pooled.estimate[0], 1e-12)
    close(ind.se[0], pooled.se[0], 1e-10)
    assert ind.df[0] == des.df  # 16 + 17 = 33


def test_svyglm(nh, ref):
    des = SurveyDesign(r_levels(nh), weight="wt", strata="SDMVSTRA", psu="SDMVPSU")
    fit = des.glm("hd ~ sex + age_band + SurveyYr", family="quasibinomial")
    assert fit.df_resid == ref_value(ref, "glm_hd", "df_residual")
    assert fit.n == ref_value(ref, "glm_hd", "n")
    assert len(fit.coef) == 6
    for _, row in fit.coef.iterrows():
        t = r_term(row.term)
        close(row.estimate, ref_value(ref, "glm_hd", "coef", t), EST)
        close(row.se, ref_value(ref, "glm_hd", "se", t), SE)
        close(row.t, ref_value(ref, "glm_hd", "t", t), SE)
        close(row.p, ref_value(ref, "glm_hd", "p", t), SE)
        close(row.ci_low, ref_value(ref, "glm_hd", "ci_low", t), SE)
        close(row.ci_high, ref_value(ref, "glm_hd", "ci_high", t), SE)
        close(row.odds_ratio, ref_value(ref, "glm_hd", "or", t), EST)
        close(row.or_ci_low, ref_value(ref, "glm_hd", "or_ci_low", t), SE)
        close(row.or_ci_high, ref_value(ref, "glm_hd", "or_ci_high", t), SE)
    w = fit.wald_test(["age_band"])
    close(w["F"], ref_value(ref, "regterm_age_band", "F", "age_band"), SE)
    assert w["ndf"] == ref_value(ref, "regterm_age_band", "ndf", "age_band")
    assert w["ddf"] == ref_value(ref, "regterm_age_band", "ddf", "age_band")
    close(w["p"], ref_value(ref, "regterm_age_band", "p", "age_band"), SE)
    # binomial and quasibinomial share point estimates and sandwich SEs
    fb = des.glm("hd ~ sex + age_band + SurveyYr", family="binomial")
    np.testing.assert_allclose(fb.coef.se, fit.coef.se, rtol=1e-12)


def test_svychisq(des, ref):
    f = des.chisq("hd", "sex", statistic="F")
    close(f["value"], ref_value(ref, "chisq_hd_gender_F", "F", "hd+Gender"), EST)
    close(f["ndf"], ref_value(ref, "chisq_hd_gender_F", "ndf", "hd+Gender"), SE)
    close(f["ddf"], ref_value(ref, "chisq_hd_gender_F", "ddf", "hd+Gender"), SE)
    close(f["p"], ref_value(ref, "chisq_hd_gender_F", "p", "hd+Gender"), SE)
    c = des.chisq("hd", "sex", statistic="Chisq")
    close(c["value"], ref_value(ref, "chisq_hd_gender_chisq", "chisq", "hd+Gender"), EST)
    assert c["df"] == ref_value(ref, "chisq_hd_gender_chisq", "df", "hd+Gender")
    close(c["p"], ref_value(ref, "chisq_hd_gender_chisq", "p", "hd+Gender"), SE)


def test_quantiles(des, ref):
    r = des.quantile("Age", q=[0.25, 0.5, 0.75], df="design")
    for _, row in r.iterrows():
        lvl = f"{row.prob:g}"
        for st in ("estimate", "ci_low", "ci_high"):
            close(row[st], ref_value(ref, "quantile_age", st, "Age", level=lvl), EST)
        close(row.se, ref_value(ref, "quantile_age", "se", "Age", level=lvl), SE)


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu(nh, ref, rule):
    s0 = nh.SDMVSTRA.min()
    dl = nh[~((nh.SDMVSTRA == s0) & (nh.SDMVPSU == 2))]
    assert len(nh) - len(dl) == ref_value(ref, "lonely_design", "dropped_rows")
    with pytest.raises(DesignError, match=rf"stratum {s0}.*lonely_psu="):
        SurveyDesign(dl, "wt", "SDMVSTRA", "SDMVPSU")
    d = SurveyDesign(dl, "wt", "SDMVSTRA", "SDMVPSU", lonely_psu=rule)
    an = f"lonely_{rule}"
    r = d.mean("hd")
    close(r.estimate[0], ref_value(ref, an, "estimate", "hd"), EST)
    close(r.se[0], ref_value(ref, an, "se", "hd"), SE)
    assert d.df == ref_value(ref, an, "df", "hd")
    r = d.mean("hd", by="SurveyYr")
    for _, row in r.iterrows():
        dom = f"SurveyYr={row.SurveyYr}"
        close(row.estimate, ref_value(ref, an, "estimate", "hd", dom), EST)
        close(row.se, ref_value(ref, an, "se", "hd", dom), SE)


def test_fpc(nh, ref):
    d = nh.assign(fpc_psu=100)
    r = SurveyDesign(d, "wt", "SDMVSTRA", "SDMVPSU", fpc="fpc_psu").mean("hd")
    close(r.estimate[0], ref_value(ref, "fpc100_mean", "estimate", "hd"), EST)
    close(r.se[0], ref_value(ref, "fpc100_mean", "se", "hd"), SE)


def test_domain_with_empty_psus(des, ref, nh):
    """Mexican respondents: 2 PSUs have no member; they still count (R subset())."""
    sub = des.subset(nh.Race1 == "Mexican")
    assert sub.df == ref_value(ref, "domain_mexican", "df_subset", "hd")
    r = sub.mean("hd")
    close(r.estimate[0], ref_value(ref, "domain_mexican", "estimate", "hd"), EST)
    close(r.se[0], ref_value(ref, "domain_mexican", "se", "hd"), SE)
    close(r.deff[0], ref_value(ref, "domain_mexican", "deff", "hd"), EST)
    assert r.n[0] == ref_value(ref, "domain_mexican", "n", "hd")
    assert r.df[0] == ref_value(ref, "domain_mexican", "df_subset_hd", "hd")
    # the same through by= on the full design
    b = des.mean("hd", by="Race1").set_index("Race1")
    close(b.loc["Mexican", "estimate"], ref_value(ref, "domain_race1", "estimate", "hd", "Race1=Mexican"), EST)
    close(b.loc["Mexican", "se"], ref_value(ref, "domain_race1", "se", "hd", "Race1=Mexican"), SE)
    # query-string subset and nested domains
    r = des.subset("Race1 == 'Mexican'").mean("hd", by="age_band")
    for _, row in r.iterrows():
        dom = f"Race1=Mexican&age_band={row.age_band}"
        for st in ("estimate", "deff"):
            close(row[st], ref_value(ref, "domain_mexican_age_band", st, "hd", dom), EST)
        close(row.se, ref_value(ref, "domain_mexican_age_band", "se", "hd", dom), SE)
        assert row.n == ref_value(ref, "domain_mexican_age_band", "n", "hd", dom)
        assert row.df == ref_value(ref, "domain_mexican_age_band", "df_subset", "hd", dom)


def test_dropping_rows_gives_a_different_wrong_se(nh, ref):
    """Dropping non-Mexican rows loses the 2 empty PSUs: the SE changes."""
    m = nh[nh.Race1 == "Mexican"]
    dropped = SurveyDesign(m, "wt", "SDMVSTRA", "SDMVPSU", lonely_psu="adjust").mean("hd")
    want = ref_value(ref, "domain_mexican", "se", "hd")
    close(dropped.estimate[0], ref_value(ref, "domain_mexican", "estimate", "hd"), EST)
    assert abs(dropped.se[0] / want - 1) > 1e-3


# --------------------------------------------------------------------------- NHANES II
def test_nhanes2_taylor(n2, ref2):
    d = SurveyDesign(n2, weight="finalwgt", strata="stratid", psu="psuid")
    assert d.df == ref_value(ref2, "design", "df")
    for v, an in (("zinc", "mean_zinc"), ("highbp", "mean_highbp")):
        r = d.mean(v)
        for st in ("estimate", "deff", "ci_low", "ci_high"):
            close(r[st][0], ref_value(ref2, an, st, v), EST)
        close(r.se[0], ref_value(ref2, an, "se", v), SE)
    r = d.total("highbp")
    for st in ("estimate", "deff"):
        close(r[st][0], ref_value(ref2, "total_highbp", st, "highbp"), EST)
    close(r.se[0], ref_value(ref2, "total_highbp", "se", "highbp"), SE)
    for v, by, an in (("highbp", "race", "mean_highbp_by_race"), ("zinc", "region", "mean_zinc_by_region")):
        r = d.mean(v, by=by, df="design")
        assert len(r) > 1
        for _, row in r.iterrows():
            dom = f"{by}={row[by]}"
            for st in ("estimate", "deff", "ci_low", "ci_high"):
                close(row[st], ref_value(ref2, an, st, v, dom), EST)
            close(row.se, ref_value(ref2, an, "se", v, dom), SE)
            assert row.n == ref_value(ref2, an, "n", v, dom)


def test_nhanes2_glm(n2, ref2):
    d = SurveyDesign(n2.assign(race=n2.race.astype(str), region=n2.region.astype(str)),
                     weight="finalwgt", strata="stratid", psu="psuid")
    fit = d.glm("highbp ~ race + region", family="quasibinomial")
    assert fit.df_resid == ref_value(ref2, "glm_highbp", "df_residual")
    for _, row in fit.coef.iterrows():
        t = row.term.replace("race", "factor(race)").replace("region", "factor(region)")
        close(row.estimate, ref_value(ref2, "glm_highbp", "coef", t), EST)
        close(row.se, ref_value(ref2, "glm_highbp", "se", t), SE)
        close(row.p, ref_value(ref2, "glm_highbp", "p", t), SE)


@pytest.mark.parametrize("mse", [False, True])
def test_nhanes2_brr(ref2, mse):
    brr = pd.read_csv(_find("nhanes2_validation/nhanes2brr_subset.csv", "validation/nhanes2brr_subset.csv"))
    d = SurveyDesign.replicate(brr, "finalwgt", "brr_", method="BRR", mse=mse)
    an = "brr_mse" if mse else "brr"
    m, cov = d.mean(["height", "weight"], return_cov=True)
    t = d.total(["height", "weight"])
    for i, v in enumerate(["height", "weight"]):
        close(m.estimate[i], ref_value(ref2, f"{an}_mean", "estimate", v), EST)
        close(m.se[i], ref_value(ref2, f"{an}_mean", "se", v), SE)
        close(t.estimate[i], ref_value(ref2, f"{an}_total", "estimate", v), EST)
        close(t.se[i], ref_value(ref2, f"{an}_total", "se", v), SE)
    assert d.df == ref_value(ref2, f"{an}_mean", "df")
    close(cov.iloc[0, 1], ref_value(ref2, f"{an}_mean", "cov", "height:weight"), SE)


@pytest.mark.parametrize("kind", ["jkn", "jk1"])
@pytest.mark.parametrize("mse", [False, True])
def test_nhanes2_jackknife(ref2, kind, mse):
    jk = pd.read_csv(_find("nhanes2_validation/nhanes2jk_subset.csv", "validation/nhanes2jk_subset.csv"))
    cols = [c for c in jk.columns if c.startswith("jkw_")]
    R = len(cols)
    if kind == "jkn":
        d = SurveyDesign.replicate(jk, "finalwgt", cols, method="JKn", rscales=[0.5] * R, mse=mse)
    else:
        d = SurveyDesign.replicate(jk, "finalwgt", cols, method="JK1", mse=mse)
    an = f"jk_{kind}{'_mse' if mse else ''}_mean"
    m = d.mean(["height", "weight"])
    for i, v in enumerate(["height", "weight"]):
        close(m.estimate[i], ref_value(ref2, an, "estimate", v), EST)
        close(m.se[i], ref_value(ref2, an, "se", v), SE)
    assert d.df == ref_value(ref2, an, "df")


def test_nhanes2_jkn_from_design(n2, ref2):
    d = SurveyDesign(n2, weight="finalwgt", strata="stratid", psu="psuid").to_replicate("JKn")
    assert d.structure.n_replicates == ref_value(ref2, "jkn_design", "replicates")
    for v, an in (("zinc", "jkn_mean_zinc"), ("highbp", "jkn_mean_highbp")):
        r = d.mean(v)
        close(r.estimate[0], ref_value(ref2, an, "estimate", v), EST)
        close(r.se[0], ref_value(ref2, an, "se", v), SE)
    assert d.df == ref_value(ref2, "jkn_mean_highbp", "df", "highbp")
