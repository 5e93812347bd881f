"""Bad input to drugtrends.survey: clear errors, or documented behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import DesignError, UnknownVariableError
from drugtrends.survey import SurveyDesign


@pytest.fixture
def df():
    return pd.DataFrame({
        "st": [1, 1, 1, 1, 2, 2, 2, 2],
        "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        "wt": [1.0, 2, 1, 2, 1, 1, 3, 1],
        "Marijuana": [0, 1, 1, 1, 0, 0, 1, np.nan],
        "age": [20, 30, 40, 50, 25, 35, 45, 55],
        "sex": ["f", "m", "f", "m", "f", "m", "f", "m"],
    }, index=[f"r{i}" for i in range(8)])


def test_negative_weight_names_column_and_row(df):
    df.loc["r3", "wt"] = -2.0
    with pytest.raises(DesignError, match=r"'wt'.*negative.*'r3'"):
        SurveyDesign(df, "wt", "st", "psu")


def test_missing_weight_names_column_and_row(df):
    df.loc["r5", "wt"] = np.nan
    with pytest.raises(DesignError, match=r"'wt'.*missing.*'r5'"):
        SurveyDesign(df, "wt", "st", "psu")


def test_zero_weight_is_allowed_and_contributes_nothing(df):
    a = SurveyDesign(df, "wt", "st", "psu").mean("age")
    z = df.copy()
    z.loc["r0", "age"] = 1e6          # a zero-weight row cannot move the estimate
    z.loc["r0", "wt"] = 0.0
    b = SurveyDesign(z, "wt", "st", "psu").mean("age")
    drop = df.drop(index="r0")
    c = SurveyDesign(drop, "wt", "st", "psu").mean("age")
    assert b.estimate[0] == pytest.approx(c.estimate[0], rel=1e-12)
    assert b.se[0] == pytest.approx(c.se[0], rel=1e-12)
    assert b.n[0] == 8 and c.n[0] == 7
    assert a.estimate[0] != b.estimate[0]


def test_unknown_column_suggests_close_names(df):
    with pytest.raises(UnknownVariableError, match="Marijuana"):
        SurveyDesign(df, "wt", "st", "psu").mean("Marijuna")
    with pytest.raises(UnknownVariableError, match="'wt'"):
        SurveyDesign(df, "wgt", "st", "psu")
    with pytest.raises(UnknownVariableError, match="sex"):
        SurveyDesign(df, "wt", "st", "psu").mean("age", by="sexe")


def test_proportion_ci_on_non_binary_outcome(df):
    des = SurveyDesign(df, "wt", "st", "psu")
    with pytest.raises(DesignError, match=r"'age'.*not 0/1"):
        des.mean("age", ci="logit")
    with pytest.raises(DesignError, match="ci="):
        des.mean("age", ci="wilson")
    with pytest.raises(DesignError, match="ci='t'"):
        des.total("Marijuana", ci="logit")
    r = des.mean("Marijuana", ci="korn_graubard")       # 0/1 with a missing value: fine
    assert r.n[0] == 7


def test_empty_domain_gives_nan_row_with_flag(df):
    des = SurveyDesign(df, "wt", "st", "psu")
    r = des.subset(df.sex == "m").mean(["Marijuana", "age"], by="st")
    assert len(r) == 4
    r = des.subset((df.sex == "m") & (df.st == 2) & df.Marijuana.isna()).mean("Marijuana")
    assert len(r) == 1 and np.isnan(r.estimate[0]) and np.isnan(r.se[0])
    assert r.n[0] == 0 and r.suppressed[0] and r["flag"][0] == "empty domain"
    r = des.subset(np.zeros(8, bool)).mean("age")
    assert r["flag"][0] == "empty domain" and np.isnan(r.estimate[0])


def test_psu_not_nested(df):
    with pytest.raises(DesignError, match=r"nest=True"):
        SurveyDesign(df, "wt", "st", "psu", nest=False)
    unique = df.assign(psu=df.st * 10 + df.psu)
    a = SurveyDesign(unique, "wt", "st", "psu", nest=False).mean("age")
    b = SurveyDesign(df, "wt", "st", "psu").mean("age")
    assert a.se[0] == pytest.approx(b.se[0], rel=1e-12)


def test_missing_strata_or_psu(df):
    s = df.astype({"st": float})
    s.loc["r2", "st"] = np.nan
    with pytest.raises(DesignError, match=r"strata column 'st'.*'r2'"):
        SurveyDesign(s, "wt", "st", "psu")
    p = df.astype({"psu": float})
    p.loc["r6", "psu"] = np.nan
    with pytest.raises(DesignError, match=r"PSU column 'psu'.*'r6'"):
        SurveyDesign(p, "wt", "st", "psu")


def test_lonely_psu_fail_names_stratum_and_options(df):
    lonely = df[~((df.st == 2) & (df.psu == 2))]
    with pytest.raises(DesignError, match=r"stratum 2 .*only one PSU.*'remove'.*'certainty'.*'adjust'.*'average'"):
        SurveyDesign(lonely, "wt", "st", "psu")
    SurveyDesign(lonely, "wt", "st", "psu", lonely_psu="adjust").mean("age")
    with pytest.raises(DesignError, match="lonely_psu"):
        SurveyDesign(df, "wt", "st", "psu", lonely_psu="scale")


def test_bad_subset_and_fpc(df):
    des = SurveyDesign(df, "wt", "st", "psu")
    with pytest.raises(DesignError, match="subset query"):
        des.subset("sexx == 'm'")
    with pytest.raises(DesignError, match="rows"):
        des.subset([True, False])
    with pytest.raises(DesignError, match="not constant within stratum"):
        SurveyDesign(df.assign(f=[10, 10, 10, 11, 10, 10, 10, 10]), "wt", "st", "psu", fpc="f")
    with pytest.raises(DesignError, match="population"):
        SurveyDesign(df.assign(f=1.5), "wt", "st", "psu", fpc="f")


def test_subset_with_missing_mask_values_is_false(df):
    des = SurveyDesign(df, "wt", "st", "psu")
    mask = pd.Series([True, None, True, True, None, True, True, True], dtype="boolean")
    a = des.subset(mask.to_numpy()).mean("age")
    b = des.subset(mask.fillna(False).to_numpy(dtype=bool)).mean("age")
    assert a.estimate[0] == b.estimate[0] and a.n[0] == 6


def test_replicate_errors(df):
    with pytest.raises(UnknownVariableError, match="prefix"):
        SurveyDesign.replicate(df, "wt", "rep_", method="BRR")
    with pytest.raises(DesignError, match="rho"):
        SurveyDesign.replicate(df.assign(r1=1.0, r2=1.0), "wt", "r", method="Fay")
    with pytest.raises(DesignError, match="rscales"):
        SurveyDesign.replicate(df.assign(r1=1.0, r2=1.0), "wt", "r", method="JKn")


def test_result_columns(df):
    r = SurveyDesign(df, "wt", "st", "psu").mean("age", by="sex")
    assert list(r.columns) == ["sex", "variable", "estimate", "se", "ci_low", "ci_high", "cv", "deff",
                               "n", "n_eff", "df", "suppressed", "flag"]
    r = SurveyDesign(df, "wt", "st", "psu").proportion("sex")
    assert "level" in r.columns and r.level.tolist() == ["f", "m"]
    assert r["flag"].map(type).eq(str).all() and r.suppressed.dtype == bool


def test_pandas_extension_dtypes(df):
    """String / nullable dtypes (pandas 3 defaults) behave like numpy ones."""
    x = df.astype({"st": "string", "sex": "string", "wt": "Float64", "Marijuana": "Float64"})
    a = SurveyDesign(x, "wt", "st", "psu").mean(["Marijuana", "age"], by="sex")
    b = SurveyDesign(df, "wt", "st", "psu").mean(["Marijuana", "age"], by="sex")
    for col in ("estimate", "se", "n", "df"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-12)
    p = SurveyDesign(x, "wt", "st", "psu").proportion("sex", ci="korn_graubard")
    assert p.level.tolist() == ["f", "m"] and p.estimate.sum() == pytest.approx(1.0)
    bools = df.assign(flag=df.age > 30)
    r = SurveyDesign(bools, "wt", "st", "psu").mean("flag", ci="logit")
    assert r.estimate[0] == pytest.approx((df.wt * (df.age > 30)).sum() / df.wt.sum())
