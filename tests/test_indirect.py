"""Indirect estimation (issue 18): capture-recapture, two-list estimators, multipliers, rates.

References, each independent of drugtrends:

* known truth: noise-free tables built from N = 10,000 people;
* R base ``glm(family = poisson)`` and a base-R implementation of the
  profile-likelihood interval (``tests/reference/indirect_capture_recapture.R``,
  its ``.Rout`` and ``.csv``), on the HIV data of Abeni et al. (1994) as shipped
  with Rcapture, Seber's (1982, p. 107) two-sample example and the noise-free tables;
* the output Rcapture's authors published for the same data (Rcapture's saved
  example output, ``tests/Examples/Rcapture-Ex.Rout.save``: ``closedpCI.t(HIV, ...)``,
  ``closedp.t`` and ``closedp.bc`` on Seber's example), to the digits printed;
* closed-form hand computations (Chapman, Lincoln-Petersen, multipliers).
"""

from __future__ import annotations

import itertools
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import EmptyDomainError, InputError, ModelWarning, UnknownVariableError
from drugtrends.indirect import (
    CR_COLUMNS,
    all_two_way_models,
    capture_recapture,
    chapman,
    lincoln_petersen,
    multiplier,
    prevalence_per_1000,
)

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import load_reference, ref_value  # noqa: E402

HIV_LISTS = ["c1", "c2", "c3", "c4"]
#: Abeni, Brancato & Perucci (1994), Rcapture data set HIV, histories in Rcapture's order (1111 first)
HIV_COUNTS = [0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205]
ALL_PAIRS_HIV = "c1:c2 + c1:c3 + c1:c4 + c2:c3 + c2:c4 + c3:c4"


def histories(k: int, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(itertools.product([1, 0], repeat=k))[:-1], columns=names)


def hiv() -> pd.DataFrame:
    return histories(4, HIV_LISTS).assign(n=HIV_COUNTS)


def independent_table(big_n: float = 10_000, p=(0.5, 0.2, 0.4)) -> pd.DataFrame:
    h = histories(3, ["A", "B", "C"])
    pr = np.prod([np.where(h[c] == 1, pi, 1 - pi) for c, pi in zip("ABC", p)], axis=0)
    return h.assign(n=np.round(big_n * pr))


def ab_dependent_table() -> pd.DataFrame:
    """P(A, B) = .2 (11), .2 (10), .1 (01), .5 (00): odds ratio 5; C independent, p = .4."""
    h = histories(3, ["A", "B", "C"])
    pab = {(1, 1): 0.2, (1, 0): 0.2, (0, 1): 0.1, (0, 0): 0.5}
    return h.assign(n=[round(10_000 * pab[(a, b)] * (0.4 if c else 0.6)) for a, b, c in h.to_numpy()])


@pytest.fixture(scope="module")
def ref():
    return load_reference("indirect_capture_recapture")


@pytest.fixture(scope="module")
def hiv_all():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        return capture_recapture(hiv(), HIV_LISTS, models="all")


# --------------------------------------------------------------------------- the bar (known truth)


def test_independence_model_recovers_10000_on_independent_lists():
    r = capture_recapture(independent_table(), ["A", "B", "C"])
    row = r.iloc[0]
    assert row["model"] == "independence"
    assert row["N"] == pytest.approx(10_000, abs=1e-6)
    assert row["n_observed"] == 10_000 - 2400 and row["n_unobserved"] == pytest.approx(2400, abs=1e-6)
    assert row["deviance"] == pytest.approx(0, abs=1e-8) and row["df"] == 3
    assert row["ci_low"] < 10_000 < row["ci_high"]
    assert not row["sparse"] and not row["boundary"] and row["identifiable"]


def test_ab_model_recovers_10000_and_has_the_lowest_aic():
    r = capture_recapture(ab_dependent_table(), ["A", "B", "C"], models="all")
    assert len(r) == 8 and list(r.columns) == list(CR_COLUMNS)
    ab = r.set_index("model").loc["A:B"]
    assert ab["N"] == pytest.approx(10_000, abs=1e-6)
    assert r.sort_values("aic").iloc[0]["model"] == "A:B"
    assert ab["delta_aic"] == 0 and (r.loc[r.model != "A:B", "delta_aic"] > 0).all()
    # ignoring the dependence underestimates: positively dependent lists overlap too much
    assert r.set_index("model").loc["independence", "N"] < 9_000


def test_chapman_bar_and_formula():
    r = chapman(500, 400, 100)
    assert r["N"].iloc[0] == pytest.approx(501 * 401 / 101 - 1, rel=1e-15)
    var = 501 * 401 * 400 * 300 / (101 ** 2 * 102)
    assert r["se"].iloc[0] == pytest.approx(math.sqrt(var), rel=1e-14)
    assert r["ci_low"].iloc[0] > 800  # never below the number observed
    assert list(r.columns) == ["method", "N", "n_observed", "n_unobserved", "se", "ci_low", "ci_high", "ci_method",
                               "reliable", "notes"]
    assert r["reliable"].iloc[0] and r["notes"].iloc[0] == ""


def test_multiplier_bar():
    r = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3))
    assert r["N"].iloc[0] == pytest.approx(48_000, rel=1e-15)
    assert (r["ci_low"].iloc[0], r["ci_high"].iloc[0]) == pytest.approx((40_000, 60_000), rel=1e-12)
    assert r["ci_method"].iloc[0] == "endpoints"
    d = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3), method="delta")
    z = 1.959963984540054
    se = math.log(1.5) / (2 * z)
    assert d["se_log"].iloc[0] == pytest.approx(se, rel=1e-12)
    assert (d["ci_low"].iloc[0], d["ci_high"].iloc[0]) == pytest.approx(
        (48_000 * math.exp(-z * se), 48_000 * math.exp(z * se)), rel=1e-12)
    assert d["ci_low"].iloc[0] == pytest.approx(40_000, rel=0.03) and d["ci_high"].iloc[0] == pytest.approx(
        60_000, rel=0.03)


# --------------------------------------------------------------------------- R glm and profile likelihood


def test_all_64_hiv_models_match_r_glm(ref, hiv_all):
    assert len(hiv_all) == 64
    for _, row in hiv_all.iterrows():
        m = row["model"]
        for stat in ("N", "deviance", "aic", "bic"):
            assert row[stat] == pytest.approx(ref_value(ref, "cr_hiv", stat, m), rel=1e-10), (m, stat)
        assert row["se"] == pytest.approx(ref_value(ref, "cr_hiv", "se", m), rel=1e-7), m  # 8e-9 observed
        assert row["df"] == ref_value(ref, "cr_hiv", "df", m)


@pytest.mark.parametrize("model", ["independence", "c1:c2", ALL_PAIRS_HIV])
def test_hiv_profile_ci_matches_r(ref, hiv_all, model):
    row = hiv_all.set_index("model").loc[model]
    assert row["ci_low"] == pytest.approx(ref_value(ref, "cr_hiv", "ci_low", model), rel=1e-8)
    assert row["ci_high"] == pytest.approx(ref_value(ref, "cr_hiv", "ci_high", model), rel=1e-8)


@pytest.mark.parametrize("table,name,profiled", [("indep", independent_table, "independence"),
                                                 ("depab", ab_dependent_table, "A:B")])
def test_noise_free_tables_match_r(ref, table, name, profiled):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        r = capture_recapture(name(), ["A", "B", "C"], models="all").set_index("model")
    for m, row in r.iterrows():
        assert row["N"] == pytest.approx(ref_value(ref, f"cr_{table}", "N", m), rel=1e-9), m
        assert row["aic"] == pytest.approx(ref_value(ref, f"cr_{table}", "aic", m), rel=1e-9), m
        assert row["deviance"] == pytest.approx(ref_value(ref, f"cr_{table}", "deviance", m), abs=1e-6), m
    for stat in ("ci_low", "ci_high"):
        assert r.loc[profiled, stat] == pytest.approx(ref_value(ref, f"cr_{table}", stat, profiled), rel=1e-8)


def test_two_lists_match_r_and_lincoln_petersen(ref):
    h = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [167, 781, 254]})
    r = capture_recapture(h, ["A", "B"]).iloc[0]
    assert r["N"] == pytest.approx(ref_value(ref, "cr_seber", "N", "independence"), rel=1e-9)
    assert r["ci_low"] == pytest.approx(ref_value(ref, "cr_seber", "ci_low", "independence"), rel=1e-8)
    assert r["ci_high"] == pytest.approx(ref_value(ref, "cr_seber", "ci_high", "independence"), rel=1e-8)
    lp = lincoln_petersen(948, 421, 167)
    assert lp["N"].iloc[0] == pytest.approx(r["N"], rel=1e-9)  # the two-list independence MLE
    assert lp["se"].iloc[0] == pytest.approx(r["se"], rel=1e-9)


@pytest.mark.parametrize("n1,n2,m", [(500, 400, 100), (948, 421, 167), (30, 25, 0)])
def test_two_list_estimators_match_r(ref, n1, n2, m):
    dom = f"n1={n1}&n2={n2}&m={m}"
    c = chapman(n1, n2, m).iloc[0]
    for stat in ("N", "se", "ci_low", "ci_high"):
        assert c[stat] == pytest.approx(ref_value(ref, "chapman", stat, domain=dom), rel=1e-12), stat
    cn = chapman(n1, n2, m, ci="normal").iloc[0]
    assert cn["ci_low"] == pytest.approx(ref_value(ref, "chapman", "ci_low_normal", domain=dom), rel=1e-12)
    if m:
        lp = lincoln_petersen(n1, n2, m).iloc[0]
        for stat in ("N", "se", "ci_low", "ci_high"):
            assert lp[stat] == pytest.approx(ref_value(ref, "lincoln_petersen", stat, domain=dom), rel=1e-12)


def test_multipliers_match_r(ref):
    r = multiplier([12_000, 300], [0.25, 0.0066], proportion_se=[0.025, 0.001], labels=["treatment", "deaths"])
    for i, lab in ((0, "1"), (1, "2"), (2, "combined")):
        for stat in ("N", "ci_low", "ci_high"):
            assert r[stat].iloc[i] == pytest.approx(ref_value(ref, "multiplier", stat, level=lab), rel=1e-12)
    assert r["q"].iloc[2] == pytest.approx(ref_value(ref, "multiplier", "q", level="combined"), rel=1e-10)
    assert r["q_p"].iloc[2] == pytest.approx(ref_value(ref, "multiplier", "q_p", level="combined"), rel=1e-10)
    assert r["label"].tolist() == ["treatment", "deaths", "combined"]
    both = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3), benchmark_ci=(11_000, 13_000))
    assert both["ci_method"].iloc[0] == "delta_log"
    assert both["ci_low"].iloc[0] == pytest.approx(ref_value(ref, "multiplier_both", "ci_low"), rel=1e-12)
    assert both["ci_high"].iloc[0] == pytest.approx(ref_value(ref, "multiplier_both", "ci_high"), rel=1e-12)
    ends = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3), benchmark_ci=(11_000, 13_000), method="endpoints")
    assert (ends["ci_low"].iloc[0], ends["ci_high"].iloc[0]) == pytest.approx((11_000 / 0.3, 13_000 / 0.2))


# --------------------------------------------------------------------------- Rcapture's published output


def test_hiv_matches_rcapture_published_output(hiv_all):
    """closedpCI.t(HIV, dfreq=TRUE, mX=~.+c1:c2) and mX=~(c1+c2+c3+c4)^2, as printed by Rcapture."""
    r = hiv_all.set_index("model")
    published = {  # abundance, stderr, deviance, df, AIC, InfCL, SupCL
        "c1:c2": (12318.5, 1188.7, 7.614, 9, 86.65, 10266, 14992.3),
        ALL_PAIRS_HIV: (23443.5, 9594.9, 3.037, 4, 92.073, 10027.6, 50046.3),
    }
    for m, (big_n, se, dev, df, aic, lo, hi) in published.items():
        row = r.loc[m]
        assert round(row["N"], 1) == big_n and round(row["se"], 1) == se
        assert round(row["deviance"], 3) == dev and row["df"] == df and round(row["aic"], 3) == pytest.approx(aic)
        # Rcapture interpolates on an integer grid of n0: bounds agree within half a unit
        assert row["ci_low"] == pytest.approx(lo, abs=0.5) and row["ci_high"] == pytest.approx(hi, abs=0.5)
    assert r.loc["c1:c2", "n_observed"] == 1896
    assert r["aic"].idxmin() == "c1:c2"  # Rcapture's help: only the [1,2] interaction is important
    margins = hiv()[HIV_LISTS].mul(hiv()["n"], axis=0).sum().tolist()
    assert margins == [466, 630, 693, 236]  # Rcapture descriptive(HIV): n_i


def test_seber_two_samples_match_rcapture_published_output():
    """closedp.t(X) model Mt: 2389.9 (130.4); closedp.bc(X, m="Mt"): 2382.8 (129.1)."""
    lp, ch = lincoln_petersen(948, 421, 167).iloc[0], chapman(948, 421, 167).iloc[0]
    assert (round(lp["N"], 1), round(lp["se"], 1)) == (2389.9, 130.4)
    assert (round(ch["N"], 1), round(ch["se"], 1)) == (2382.8, 129.1)


# --------------------------------------------------------------------------- flags


def test_saturated_model_is_not_identifiable():
    two = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [10, 20, 30]})
    r = capture_recapture(two, ["A", "B"], models=["independence", "A:B"]).set_index("model")
    assert r.loc["independence", "identifiable"] and not r.loc["A:B", "identifiable"]
    assert math.isnan(r.loc["A:B", "N"]) and "not identifiable" in r.loc["A:B", "notes"]
    assert not r.loc["A:B", "boundary"] and not r.loc["A:B", "sparse"]
    three = capture_recapture(independent_table(), ["A", "B", "C"], models=["A:B:C", "A:B + A:C + B:C"])
    three = three.set_index("model")
    assert not three.loc["A:B:C", "identifiable"]
    assert three.loc["A:B + A:C + B:C", "identifiable"] and three.loc["A:B + A:C + B:C", "df"] == 0


def test_empty_overlap_gives_a_boundary_estimate_with_a_warning():
    t = independent_table()
    t.loc[(t.A == 1) & (t.B == 1), "n"] = 0  # nobody on both A and B
    with pytest.warns(ModelWarning, match="boundary"):
        r = capture_recapture(t, ["A", "B", "C"], models=["A:B"])
    assert r["boundary"].iloc[0] and "boundary" in r["notes"].iloc[0]


def test_sparse_flag():
    sparse = capture_recapture(hiv(), HIV_LISTS, models="c1:c2", ci=None)
    assert sparse["sparse"].iloc[0] and "sparse" in sparse["notes"].iloc[0]
    assert sparse["ci_method"].iloc[0] == "none" and math.isnan(sparse["ci_low"].iloc[0])
    assert not capture_recapture(independent_table(), ["A", "B", "C"], ci=None)["sparse"].iloc[0]


# --------------------------------------------------------------------------- stratification, records


def test_stratified_fits_equal_separate_fits_and_total_is_their_sum():
    a, b = independent_table().assign(sex="F"), ab_dependent_table().assign(sex="M")
    r = capture_recapture(pd.concat([a, b]), ["A", "B", "C"], covariates="sex")
    assert r["sex"].tolist() == ["F", "M", "Total"] and list(r.columns) == ["sex", *CR_COLUMNS]
    sep = [capture_recapture(t, ["A", "B", "C"]).iloc[0] for t in (a, b)]
    for i in range(2):
        for stat in ("N", "ci_low", "ci_high", "aic"):
            assert r[stat].iloc[i] == pytest.approx(sep[i][stat], rel=1e-12)
    tot = r.iloc[2]
    assert tot["N"] == pytest.approx(sep[0]["N"] + sep[1]["N"], rel=1e-12)
    assert tot["se"] == pytest.approx(math.hypot(sep[0]["se"], sep[1]["se"]), rel=1e-12)
    assert tot["ci_method"] == "lognormal_sum" and tot["ci_low"] < tot["N"] < tot["ci_high"]


def test_individual_records_and_duplicated_histories_are_added():
    t = independent_table(big_n=100, p=(0.5, 0.5, 0.4))
    records = t.loc[t.index.repeat(t["n"].astype(int)), ["A", "B", "C"]].reset_index(drop=True)
    by_record = capture_recapture(records, ["A", "B", "C"], count=None)
    split = pd.concat([t.assign(n=t.n // 2), t.assign(n=t.n - t.n // 2)])
    for r in (by_record, capture_recapture(split, ["A", "B", "C"])):
        assert r["N"].iloc[0] == pytest.approx(capture_recapture(t, ["A", "B", "C"])["N"].iloc[0], rel=1e-12)


def test_all_two_way_models_counts():
    assert len(all_two_way_models(list("ABCD"))) == 64
    assert all_two_way_models(["x", "y"]) == ["independence", "x:y"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs,err,msg", [
    (dict(lists=["A"]), InputError, "at least 2 lists"),
    (dict(lists=["A", "A"]), InputError, "twice"),
    (dict(lists=["A", "X"]), UnknownVariableError, "'X' is not in the data"),
    (dict(lists=["A", "B"], count="m"), UnknownVariableError, "'m'"),
    (dict(lists=["A", "B"], models=["A:Q"]), InputError, "not an interaction"),
    (dict(lists=["A", "B"], models=[]), InputError, "models is empty"),
    (dict(lists=["A", "B"], level=95), InputError, "did you mean 0.95"),
])
def test_bad_arguments(kwargs, err, msg):
    t = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [10, 20, 30]})
    with pytest.raises(err, match=msg):
        capture_recapture(t, **kwargs)


@pytest.mark.parametrize("edit,msg", [
    (lambda t: t.assign(A=[1, 2, 0]), r"list column 'A' must hold 0 .* found \[2\]"),
    (lambda t: t.assign(B=[1, None, 1]), "list column 'B'"),
    (lambda t: t.assign(n=[10, -1, 30]), r"non-negative whole numbers; found \[-1\]"),
    (lambda t: t.assign(n=[10, 2.5, 30]), "non-negative whole numbers"),
    (lambda t: t.assign(n=["10", "x", "3"]), "non-negative whole numbers"),
    (lambda t: pd.concat([t, pd.DataFrame({"A": [0], "B": [0], "n": [5]})]), "all-zero history"),
    (lambda t: t.assign(n=[0, 0, 30]), r"nobody is on list\(s\) \['A'\]"),
])
def test_bad_histories(edit, msg):
    t = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [10, 20, 30]})
    with pytest.raises(InputError, match=msg):
        capture_recapture(edit(t), ["A", "B"])


def test_empty_tables():
    t = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [0, 0, 0]})
    with pytest.raises(EmptyDomainError, match="nobody was observed"):
        capture_recapture(t, ["A", "B"])
    with pytest.raises(EmptyDomainError, match="0 rows"):
        capture_recapture(t.iloc[:0], ["A", "B"])


@pytest.mark.parametrize("call,msg", [
    (lambda: chapman(10, 20, 30), "cannot exceed"),
    (lambda: chapman(-1, 20, 0), "non-negative whole number"),
    (lambda: chapman(10.5, 20, 0), "non-negative whole number"),
    (lambda: lincoln_petersen(10, 20, 0), "use chapman"),
    (lambda: chapman(10, 20, 5, ci="wald"), "not one of"),
    (lambda: multiplier(12_000, 25), "not a percent"),
    (lambda: multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3), proportion_se=0.02), "not both"),
    (lambda: multiplier([1, 2], [0.1]), "one proportion each"),
    (lambda: multiplier([100, 200], [0.1, 0.2]), "give proportion_ci or proportion_se"),
    (lambda: multiplier(100, 0.2, proportion_ci=(0.3, 0.2)), "low <= high"),
    (lambda: multiplier(100, 0.2, proportion_se=0.01, method="endpoints"), "needs intervals"),
    (lambda: prevalence_per_1000(50_000, 40_000), "exceeds population"),
    (lambda: prevalence_per_1000(50, 0), "must be > 0"),
])
def test_bad_arguments_other_functions(call, msg):
    with pytest.raises(InputError, match=msg):
        call()


# --------------------------------------------------------------------------- rates


def test_prevalence_per_1000_carries_the_interval():
    r = prevalence_per_1000(chapman(500, 400, 100), 1_000_000)
    assert r["per_1000"].iloc[0] == pytest.approx(1000 * (501 * 401 / 101 - 1) / 1e6, rel=1e-14)
    assert r["per_1000_ci_low"].iloc[0] == pytest.approx(r["ci_low"].iloc[0] / 1000, rel=1e-14)
    m = prevalence_per_1000(multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3)), 40_000_000)
    assert m[["per_1000", "per_1000_ci_low", "per_1000_ci_high"]].iloc[0].tolist() == pytest.approx([1.2, 1.0, 1.5])


# --------------------------------------------------------------------------- coverage (known truth, simulated)


@pytest.mark.slow
def test_profile_ci_and_chapman_ci_cover_the_truth_95_percent_of_the_time():
    """200 multinomial samples of N = 2,000 from three independent lists; 1,000 two-list samples of N = 500."""
    rng = np.random.default_rng(2026)
    h = np.array(list(itertools.product([1, 0], repeat=3)))
    pr = np.prod(np.where(h == 1, [0.3, 0.25, 0.2], [0.7, 0.75, 0.8]), axis=1)
    cover = 0
    for _ in range(200):
        n = rng.multinomial(2000, pr)
        r = capture_recapture(pd.DataFrame(h[:-1], columns=list("ABC")).assign(n=n[:-1]), list("ABC")).iloc[0]
        cover += r["ci_low"] <= 2000 <= r["ci_high"]
    assert 0.91 <= cover / 200 <= 0.99  # 0.945 with this seed; binomial sd 0.015
    cover = 0
    for _ in range(1000):
        a, b = rng.random(500) < 0.3, rng.random(500) < 0.4
        c = chapman(int(a.sum()), int(b.sum()), int((a & b).sum())).iloc[0]
        cover += c["ci_low"] <= 500 <= c["ci_high"]
    assert 0.92 <= cover / 1000 <= 0.98


def test_all_models_refused_beyond_five_lists():
    t = histories(6, list("ABCDEF")).assign(n=1)
    with pytest.raises(InputError, match="32,768 models"):
        capture_recapture(t, list("ABCDEF"), models="all")


def test_list_order_and_level_properties():
    """The estimate does not depend on the order of the lists; a 90% interval sits inside the 95% one."""
    a = capture_recapture(hiv(), HIV_LISTS, models=["c1:c2 + c3:c4"]).iloc[0]
    b = capture_recapture(hiv(), ["c4", "c3", "c2", "c1"], models=["c3:c4 + c1:c2"]).iloc[0]
    assert b["model"] == "c4:c3 + c2:c1"
    for stat in ("N", "se", "ci_low", "ci_high", "aic"):
        assert a[stat] == pytest.approx(b[stat], rel=1e-9), stat
    c = capture_recapture(hiv(), HIV_LISTS, models=["c1:c2 + c3:c4"], level=0.9).iloc[0]
    assert a["ci_low"] < c["ci_low"] < c["N"] < c["ci_high"] < a["ci_high"]
