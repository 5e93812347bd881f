"""More checks against R survey 4.1.1, for analyses not in tests/reference/*.csv.

The numbers below were printed (17 significant digits) by this R code, run from
the repository root with R 4.2.2 / survey 4.1.1 on the NHANES frame of
``tests/reference/_helpers.R``::

    source("tests/reference/_helpers.R"); d <- nhanes_frame(); des <- nhanes_design(d)
    g <- svyglm(hd ~ age_band + SurveyYr, design = subset(des, Gender == "female"),
                family = quasibinomial())                                     # GLMSUB
    svychisq(~Race1 + Gender, subset(des, Age >= 18 & Age < 60))              # CHISQSUB
    svychisq(~Race1 + Gender, subset(des, Age >= 18 & Age < 60), statistic = "Chisq")
    svyby(~hd, ~Gender, subset(des, !is.na(hd) & !is.na(mj)), svyratio, denominator = ~mj)
    svyby(~Age, ~Gender, des, svyquantile, quantiles = 0.5, ci = TRUE)        # QBY
    svyby(~hd, ~SurveyYr, as.svrepdesign(des, type = "JKn"), svymean, na.rm = TRUE)
    svyby(~mj, ~age_band, des, svytotal, na.rm = TRUE, deff = TRUE)            # TOTBY
    svyby(~hd, ~age_band, subset(des, !is.na(hd)), svyciprop, method = "beta", vartype = "ci")

Tolerances as in test_survey_reference.py: estimates 1e-8, SEs 1e-6 relative.
R's ``Gender`` is our ``sex`` (the package's one sex column, levels male,
female; issue 25): results by sex are compared level by level, not by row.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_survey_reference import EST, SE, close, des, nh  # noqa: E402,F401  (fixtures)

pytestmark = pytest.mark.realdata


def test_glm_on_subset_design(des, nh):
    fit = des.subset(nh.sex == "female").glm("hd ~ age_band + SurveyYr", family="quasibinomial")
    assert fit.df_resid == 29
    want = {"(Intercept)": (-2.2053684347117026, 0.14975733191022528),
            "age_band30-39": (0.17046933511981854, 0.14673706024206684),
            "age_band40-49": (0.57981449535970098, 0.15537063369151827),
            "age_band50-59": (0.72350923694629443, 0.15556408820246997),
            "SurveyYr2011_12": (0.2062918156285376, 0.15500316285770402)}
    got = fit.coef.set_index("term")
    for t, (b, s) in want.items():
        close(got.loc[t, "estimate"], b, EST)
        close(got.loc[t, "se"], s, SE)


def test_chisq_3x2_on_subset(des):
    sub = des.subset("Age >= 18 and Age < 60")
    f = sub.chisq("Race1", "sex")
    close(f["value"], 6.0930612630774679, EST)
    close(f["ndf"], 2.9833907248014215, SE)
    close(f["ddf"], 98.451893918446913, SE)
    close(f["p"], 0.00077621815097783664, SE)
    c = sub.chisq("Race1", "sex", statistic="Chisq")
    close(c["value"], 16.025722658769727, EST)
    assert c["df"] == 4
    close(c["p"], 6.7259144342886169e-05, SE)


def test_ratio_by_domain(des):
    r = des.ratio("hd", "mj", by="sex").set_index("sex").loc[["female", "male"]]  # R's rows: female, male
    np.testing.assert_allclose(r.estimate, [0.28748321646429403, 0.38711837370933583], rtol=EST)
    np.testing.assert_allclose(r.se, [0.020073975168390344, 0.015801262208217506], rtol=SE)


def test_quantile_by_domain(des):
    """svyby(svyquantile) uses the domain df (degf of the subset) in the Woodruff interval."""
    r = des.quantile("Age", q=0.5, by="sex").set_index("sex").loc[["female", "male"]]  # R's rows: female, male
    np.testing.assert_allclose(r.estimate, [38, 35], rtol=EST)
    np.testing.assert_allclose(r.se, [0.73727634384491603, 0.98303512512655467], rtol=SE)


def test_replicate_domains(des):
    r = des.to_replicate("JKn").mean("hd", by="SurveyYr")
    np.testing.assert_allclose(r.estimate, [0.17551510510017335, 0.19129742089809296], rtol=EST)
    np.testing.assert_allclose(r.se, [0.011486585682256167, 0.010426362945822536], rtol=SE)


def test_total_by_domain_with_deff(des):
    r = des.total("mj", by="age_band")
    np.testing.assert_allclose(r.estimate, [25167403.167564999, 17170639.908149999,
                                            21428648.619605001, 22002928.220702499], rtol=EST)
    np.testing.assert_allclose(r.se, [1440687.0818966511, 956302.94600721344,
                                      1672344.1290660163, 1845081.7260990478], rtol=SE)
    np.testing.assert_allclose(r.deff, [10.784911538417306, 5.8075699669402088,
                                        14.651138889163622, 17.063462845818758], rtol=EST)


def test_beta_ci_by_domain(des):
    r = des.mean("hd", by="age_band", ci="beta")
    assert (r.df == 33).all()
    np.testing.assert_allclose(r.estimate, [0.13326320587527912, 0.17699421504249491,
                                            0.24968518792079153, 0.24937087334473121], rtol=EST)
    np.testing.assert_allclose(r.ci_low, [0.10708355864561135, 0.15231544830000907,
                                          0.2295164610827426, 0.21324938024119511], rtol=EST)
    np.testing.assert_allclose(r.ci_high, [0.16311702787069371, 0.20385847402226098,
                                           0.27069974217063186, 0.28828628281397461], rtol=EST)
