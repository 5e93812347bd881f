"""Publication tables (issue 25): summary_table and regression_table against hand computations on NHANES.

Every number in a cell is compared with the design's own ``proportion`` /
``mean`` / ``chisq`` / ``glm`` output, formatted by hand here.
"""

from __future__ import annotations

import numpy as np
import pytest

import drugtrends as dt
from drugtrends.profiles.summary import regression_frame, summary_frame
from drugtrends.tables import regression_display, summary_display

pytestmark = pytest.mark.filterwarnings("ignore::drugtrends.errors.ReliabilityWarning")


@pytest.fixture(scope="module")
def des(data_dir):
    frame = dt.datasets.analysis_frame("nhanes_2009_2012")
    return dt.SurveyDesign.from_spec(frame, dt.datasets.design_spec("nhanes_2009_2012"))


@pytest.fixture(scope="module")
def fit(des):
    return des.glm("hd ~ sex + Education + Age", family="binomial")


def _pct(x, lo, hi):
    return f"{100 * x:.1f} ({100 * lo:.1f}\u2013{100 * hi:.1f})"


def test_summary_overall_cells_equal_design_estimates(des):
    disp = summary_display(summary_frame(des, ["Education", "hd", "Age"]))
    rows = disp.set_index("characteristic")
    # variable row, then its five levels indented, in the categories' order
    levels = list(des.data["Education"].cat.categories)
    assert disp["characteristic"].tolist()[:6] == ["Education"] + ["\u2003" + lv for lv in levels]
    prop = des.proportion("Education", ci="logit", df="design").set_index("level")
    sub = des.data.loc[np.asarray(des.mask, bool), "Education"]
    for lv in levels:
        r = prop.loc[lv]
        assert rows.loc["\u2003" + lv, "overall est"] == _pct(r.estimate, r.ci_low, r.ci_high)
        assert rows.loc["\u2003" + lv, "overall n"] == f"{int((sub == lv).sum()):,}"
    # a 0/1 variable takes one row: the share of 1 (hand: weighted mean of hd)
    hd = des.data.dropna(subset=["hd"])
    w = hd["wt"].to_numpy()
    share = float((w * hd["hd"]).sum() / w.sum())
    assert rows.loc["hd", "overall est"].startswith(f"{100 * share:.1f} (")
    assert rows.loc["hd", "overall n"] == f"{int(hd['hd'].sum()):,}"
    m = des.mean("Age", ci="t", df="design").iloc[0]
    assert rows.loc["Age, mean", "overall est"] == f"{m.estimate:.1f} ({m.ci_low:.1f}\u2013{m.ci_high:.1f})"
    assert "p" not in disp.columns


def test_summary_by_gives_groups_and_rao_scott_p(des):
    frame = summary_frame(des, ["Education", "hd", "Age"], by="sex")
    disp = summary_display(frame).set_index("characteristic")
    # sex's levels in order: male, female (the harmonised order shared with NSDUH; issue 25)
    assert [c for c in disp.columns] == ["male n", "male est", "female n", "female est", "overall n", "overall est",
                                         "p"]
    rs = des.chisq("Education", "sex")
    assert frame.loc[frame.variable == "Education", "p_value"].iloc[0] == pytest.approx(rs.p, rel=1e-9)
    assert disp.loc["Education", "p"] == f"{rs.p:.3f}"        # 0.007
    m = des.subset("sex == 'male'").mean("hd", ci="logit", df="design")
    male = frame[(frame.variable == "hd") & (frame.group == "male")].iloc[0]
    assert male.estimate == pytest.approx(float(m.estimate.iloc[0]), rel=1e-12)
    assert disp.loc["hd", "p"] == "<0.001"
    # the test of a mean is the design-based Wald F of glm("Age ~ sex") (R regTermTest)
    wald = des.glm("Age ~ sex").wald_test("sex")
    assert frame.loc[frame.variable == "Age", "p_value"].iloc[0] == pytest.approx(wald.p, rel=1e-9)
    # the mean of Age by sex equals the domain mean
    am = des.mean("Age", by="sex").set_index("sex")
    assert disp.loc["Age, mean", "female est"].startswith(f"{am.loc['female', 'estimate']:.1f} (")


def test_summary_table_html_latex_and_french(des):
    t = dt.tables.summary_table(des, ["Education", "hd"], by="sex", labels={"hd": "Hard drugs ever"}, lang="fr")
    html, tex = t.as_raw_html(), t.as_latex()
    assert "Caractéristique" in html and "Ensemble" in html and "Hard drugs ever" in html
    assert "valeur p" in tex and "0,007" in tex
    en = dt.tables.summary_table(des, ["Education"]).as_raw_html()
    assert "Characteristic" in en and "p-value" not in en


def test_summary_frame_refuses_by_in_variables(des):
    with pytest.raises(dt.errors.InputError, match="also in variables"):
        summary_frame(des, ["sex"], by="sex")
    with pytest.raises(dt.errors.UnknownVariableError):
        summary_frame(des, ["sexe"])


def test_regression_frame_reference_rows_and_odds_ratios(fit):
    f = regression_frame(fit, {"sex": "Sex"})
    assert f["variable"].tolist() == ["sex", "sex"] + ["Education"] * 5 + ["Age"]
    refs = f[f.reference]
    assert refs[["variable", "level"]].values.tolist() == [["sex", "male"], ["Education", "8th Grade"]]
    assert refs["estimate"].isna().all()
    assert f.loc[f.variable == "sex", "label"].eq("Sex").all()
    coef = fit.coef.set_index("term")
    female = f[(f.variable == "sex") & (f.level == "female")].iloc[0]
    b, se = coef.loc["sexfemale", "estimate"], coef.loc["sexfemale", "se"]
    from scipy import stats
    q = stats.t.ppf(0.975, fit.df_resid)
    assert female.estimate == pytest.approx(np.exp(b), rel=1e-12)
    assert female.ci_low == pytest.approx(np.exp(b - q * se), rel=1e-9)
    assert female.p_value == pytest.approx(2 * stats.t.sf(abs(b / se), fit.df_resid), rel=1e-9)
    age = f[f.variable == "Age"].iloc[0]
    assert age.level == "" and not age.reference


def test_regression_display_and_table(fit):
    d = regression_display(regression_frame(fit)).set_index("characteristic")
    assert d.loc["\u20038th Grade", "estimate"] == "\u2014"
    coef = fit.coef.set_index("term")
    r = coef.loc["EducationCollege Grad"]
    assert d.loc["\u2003College Grad", "estimate"] == f"{r.odds_ratio:.2f}"
    assert d.loc["\u2003College Grad", "ci"] == f"{r.or_ci_low:.2f}\u2013{r.or_ci_high:.2f}"
    assert d.loc["\u2003College Grad", "p"] == f"{r.p:.3f}"
    html = dt.tables.regression_table(fit, lang="en").as_raw_html()
    assert "OR" in html and f"{fit.df_resid} df" in html
    assert "RC" in dt.tables.regression_table(fit, lang="fr").as_latex()


def test_regression_gaussian_not_exponentiated(des):
    g = des.glm("Age ~ sex", family="gaussian")
    f = regression_frame(g)
    assert f.iloc[1].estimate == pytest.approx(g.coef.set_index("term").loc["sexfemale", "estimate"])
    assert "Beta" in dt.tables.regression_table(g).as_raw_html()


def test_p_value_format():
    from drugtrends.tables import fmt_p
    assert [fmt_p(x) for x in (0.0004, 0.0123, 0.5, float("nan"), None)] == ["<0.001", "0.012", "0.50", "", ""]
    import pandas as pd
    assert fmt_p(pd.NA) == ""
    for bad in ("abc", 1.5, -0.1):
        with pytest.raises(dt.errors.InputError):
            fmt_p(bad)


def test_glm_summary_matches_r_summary_svyglm(des, reference_dir):
    """Coefficient table of summary(svyglm) in tests/reference/survey_nhanes.Rout (section 8)."""
    fit = des.glm("hd ~ sex + age_band + SurveyYr", family="quasibinomial")
    s = fit.summary()
    # R: Gendermale 0.59912 0.08499 7.050 1.14e-07; age_band30-39 t 2.979 p 0.00592. R's factor(Gender) has
    # reference female; sex's reference is male, so sexfemale is Gendermale with the sign flipped (issue 25)
    assert -s.coefficients.loc["sexfemale", "estimate"] == pytest.approx(0.59912, abs=5e-6)
    assert s.coefficients.loc["sexfemale", "se"] == pytest.approx(0.08499, abs=5e-6)
    assert -s.coefficients.loc["sexfemale", "t"] == pytest.approx(7.050, abs=5e-4)
    assert s.coefficients.loc["age_band30-39", "t"] == pytest.approx(2.979, abs=5e-4)
    assert s.coefficients.loc["age_band30-39", "p"] == pytest.approx(0.00592, abs=5e-6)
    assert s.df_resid == fit.df_resid and s.iterations == 4
    assert s.dispersion == pytest.approx(1.386152, rel=5e-4)    # R: "taken to be 1.386152"
    text = str(s)
    assert "Pr(>|t|)" in text and "Dispersion parameter for quasibinomial" in text and "0.00592" in text
    assert s.to_frame()["term"].tolist() == fit.coef["term"].tolist()


def test_glm_repr_is_short(fit):
    r = repr(fit)
    assert r.startswith("<SvyGLMResult: hd ~ sex + Education + Age, binomial (logit link)")
    assert len(r.splitlines()) <= 10 and len(r) < 800
    assert "cov" not in r and ".summary()" in r


def test_forest_of_a_fit_uses_table_labels_and_shows_reference_rows(fit):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from drugtrends.plots.bars import forest, forest_frame
    f = forest_frame(fit, {"sex": "Sex"})
    assert f["label"].tolist()[:3] == ["Sex: male (ref.)", "Sex: female", "Education: 8th Grade (ref.)"]
    female = fit.coef.set_index("term").loc["sexfemale"]
    assert f.loc[1, "estimate"] == pytest.approx(female.odds_ratio)
    assert f.loc[1, "ci_high"] == pytest.approx(female.or_ci_high)
    fig = forest(fit, title="Adjusted odds ratios", source="NHANES", labels={"sex": "Sex"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["Sex: male (ref.)", "Sex: female"]
    refs = [ln for ln in ax.lines if ln.get_gid() == "reference_level"]
    assert len(refs) == 1 and list(refs[0].get_xdata()) == [1.0, 1.0]
    fr = forest_frame(fit, lang="fr")["label"]   # French names and levels from the catalogue
    assert fr.iloc[0] == "Sexe\u00a0: Hommes (réf.)" and fr.iloc[1] == "Sexe\u00a0: Femmes"
    assert fr.iloc[2] == "Niveau d'études\u00a0: Moins de 9 années d'études (réf.)"
    assert forest_frame(fit, {"sex": "Genre"}, lang="fr")["label"].iloc[0] == "Genre\u00a0: Hommes (réf.)"
    d = regression_display(regression_frame(fit, lang="fr"), lang="fr")["characteristic"].tolist()
    assert "Sexe" in d and "\u2003Femmes" in d   # the table says the same as the forest plot
    plt.close(fig)
    with pytest.raises(dt.errors.InputError, match="missing a required argument: 'source'"):
        forest(fit, title="x")


def test_summary_by_labels_name_and_order_the_groups(des):
    f = summary_frame(des, ["sex"], by="hd", by_labels={1: "Ever used", 0: "Never"})
    assert list(dict.fromkeys(f["group"])) == ["Ever used", "Never", "overall"]
    users = des.subset("hd == 1").proportion("sex", ci="logit", df="design").set_index("level")
    got = f[(f.group == "Ever used") & (f.level == "female")].iloc[0]
    assert got.estimate == pytest.approx(users.loc["female", "estimate"], rel=1e-12)


def test_regression_interaction_rows_are_named_by_coefficient(des):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = des.glm("hd ~ sex * SurveyYr", family="binomial")
    f = regression_frame(g)
    inter = f[f.variable == "sex:SurveyYr"]
    name = g.term_columns["sex:SurveyYr"]
    assert inter["level"].tolist() == name and len(name) == 1
    assert inter["estimate"].iloc[0] == pytest.approx(g.coef.set_index("term").loc[name[0], "odds_ratio"])
