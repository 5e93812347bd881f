"""Heterogeneity models of ``capture_recapture`` (issue 26): Rcapture's closedp.t models.

References, each independent of drugtrends:

* ``tests/reference/indirect_heterogeneity.R`` (base R ``glm``, Rcapture's closedp.t design
  written out; the script asserts it reproduces the numbers Rcapture's authors published), its
  ``.Rout`` and ``.csv``: every model on five tables;
* the published numbers themselves (Rivest 2011, Int J Biostat 7(1):23, as asserted in Rcapture's
  ``inst/tests/testPapersResults.R``; Rcapture's saved example output for the hare data), to the
  digits printed.

Tolerances: ``N`` and ``se`` relative 1e-6 (IRLS to 1e-12 in both; observed ~1e-9), deviance and
AIC absolute 1e-6, ``df`` exact.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from drugtrends.errors import InputError, ModelWarning
from drugtrends.indirect import CR_COLUMNS, capture_recapture
from drugtrends.indirect.heterogeneity import RCAPTURE_MODELS

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import load_reference, ref_value  # noqa: E402

TABLES = {
    "het_hiv": [0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205],
    "het_diabetes": [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10],
    "het_darr3": [72, 155, 7, 71, 13, 53, 43],
    "het_cormack3": [72, 5, 29, 54, 24, 3, 14],
    "het_illustration": [62, 560, 115, 996, 56, 586, 300],
}
I_DIAB = " + c1:c3 + c2:c4 + c3:c4"


def table(counts: list[int]) -> pd.DataFrame:
    k = {7: 3, 15: 4, 63: 6}[len(counts)]
    lists = [f"c{i + 1}" for i in range(k)]
    return pd.DataFrame(list(itertools.product([1, 0], repeat=k))[:-1], columns=lists).assign(n=counts)


def fit(counts, models, ci=None) -> pd.DataFrame:
    d = table(counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        return capture_recapture(d, [c for c in d.columns if c != "n"], models=models, ci=ci)


@pytest.fixture(scope="module")
def ref():
    return load_reference("indirect_heterogeneity")


@pytest.mark.parametrize("an", list(TABLES))
def test_every_closedp_t_model_equals_r(ref, an):
    r = fit(TABLES[an], "heterogeneity").set_index("model")
    assert len(r) == 10
    for name in RCAPTURE_MODELS:
        row = r.loc["independence" if name == "Mt" else name]
        for stat in ("N", "se"):
            assert row[stat] == pytest.approx(ref_value(ref, an, stat, name), rel=1e-6), (name, stat)
        assert row["deviance"] == pytest.approx(ref_value(ref, an, "deviance", name), abs=1e-6), name
        assert row["aic"] == pytest.approx(ref_value(ref, an, "aic", name), abs=1e-6), name
        assert row["df"] == ref_value(ref, an, "df", name), name


def test_rivest_2011_diabetes_with_interactions(ref):
    names = ["c1:c3 + c2:c4 + c3:c4"] + [f"Mth {h}{I_DIAB}" for h in ("Chao (LB)", "Poisson2", "Darroch", "Gamma3.5")]
    r = fit(TABLES["het_diabetes"], names).set_index("model")
    published = [(2472, 53, 21.97, 7), (2588, 75, 3.13, 6), (2573, 76, 12.88, 6), (2752, 133, 8.32, 6),
                 (2964, 219, 6.74, 6)]
    for name, (n, se, dev, df) in zip(names, published):
        row = r.loc[name]
        assert (round(row["N"]), round(row["se"]), round(row["deviance"], 2), row["df"]) == (n, se, dev, df)
        assert row["N"] == pytest.approx(ref_value(ref, "het_diabetes_I", "N", name), rel=1e-6)
        assert row["se"] == pytest.approx(ref_value(ref, "het_diabetes_I", "se", name), rel=1e-6)


def test_rivest_2011_r3_lower_bound_and_darroch():
    r = fit(TABLES["het_darr3"], ["Mth Chao (LB) + c1:c2", "Mth Darroch + c1:c2", "c1:c2 + c2:c3"]).set_index("model")
    assert (round(r.loc["Mth Chao (LB) + c1:c2", "N"]), round(r.loc["Mth Chao (LB) + c1:c2", "se"])) == (681, 78)
    assert round(r.loc["Mth Darroch + c1:c2", "N"], 1) == 1181.8 and round(r.loc["Mth Darroch + c1:c2", "se"], 1) == 404.2
    assert (round(r.loc["c1:c2 + c2:c3", "N"]), round(r.loc["c1:c2 + c2:c3", "se"])) == (850, 186)


def test_hare_mh_models_from_capture_frequencies_equal_rcapture_output(ref):
    """Mh models depend on histories only through f_w: Rcapture-Ex.Rout.save, closedp.t(hare)."""
    counts = [0] * 63
    h = list(itertools.product([1, 0], repeat=6))[:-1]
    for w, f in zip(range(1, 7), [25, 22, 13, 5, 1, 2]):
        counts[next(i for i, x in enumerate(h) if sum(x) == w)] = f
    r = fit(counts, ["M0", "Mh Chao (LB)", "Mh Poisson2", "Mh Darroch", "Mh Gamma3.5"]).set_index("model")
    published = {"M0": (75.4, 3.5), "Mh Chao (LB)": (79.8, 6.4), "Mh Poisson2": (81.5, 5.7),
                 "Mh Darroch": (90.4, 11.6), "Mh Gamma3.5": (100.6, 21.7)}
    for name, (n, se) in published.items():
        assert (round(r.loc[name, "N"], 1), round(r.loc[name, "se"], 1)) == (n, se), name
        assert r.loc[name, "N"] == pytest.approx(ref_value(ref, "het_hare_f", "N", name), rel=1e-6)


def test_chao_negative_eta_is_fixed_at_zero_and_flagged():
    r = fit(TABLES["het_illustration"], ["M0", "Mh Chao (LB)"]).set_index("model")
    # eta_3 < 0 on this table: Rcapture drops it and Mh Chao becomes M0 (same N, df)
    assert r.loc["Mh Chao (LB)", "N"] == pytest.approx(r.loc["M0", "N"], rel=1e-9)
    assert r.loc["Mh Chao (LB)", "boundary"] and "fixed at 0" in r.loc["Mh Chao (LB)", "notes"]
    assert not r.loc["M0", "boundary"]


def test_names_are_case_insensitive_and_independence_is_mt():
    a = fit(TABLES["het_hiv"], ["mth darroch", "Mt", "independence"])
    assert a["model"].tolist() == ["Mth Darroch", "independence"]


def test_unknown_model_name_is_refused_with_the_list():
    with pytest.raises(InputError, match="Mth Darroch"):
        fit(TABLES["het_hiv"], ["Mth Daroch"])


def test_heterogeneity_needs_three_lists():
    d = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [167, 781, 254]})
    r = capture_recapture(d, ["A", "B"], models=["Mt", "Mh Darroch"], ci=None).set_index("model")
    assert not r.loc["Mh Darroch", "identifiable"] and "3 lists" in r.loc["Mh Darroch", "notes"]
    assert r.loc["independence", "saturated"] and "saturated" in r.loc["independence", "notes"]


def test_best_aic_saturated_model_says_so():
    """Three lists, all two-way terms: df = 0; when it has the lowest AIC the row says so."""
    d = table(TABLES["het_cormack3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        r = capture_recapture(d, ["c1", "c2", "c3"], models="all", ci=None)
    assert list(r.columns) == list(CR_COLUMNS)
    sat = r.set_index("model").loc["c1:c2 + c1:c3 + c2:c3"]
    assert sat["saturated"] and sat["df"] == 0
    best = r.loc[r["aic"].idxmin()]
    if best["saturated"] or best["boundary"]:
        assert "do not select it on AIC alone" in best["notes"]
    others = r.drop(index=r["aic"].idxmin())
    assert not others["notes"].str.contains("lowest AIC").any()


def test_best_aic_flag_fires_on_a_table_where_the_saturated_model_wins():
    # a three-way interaction table: every two-way term needed, the saturated model has the lowest AIC
    d = table([300, 50, 60, 400, 70, 380, 420])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        r = capture_recapture(d, ["c1", "c2", "c3"], models="all", ci=None)
    best = r.loc[r["aic"].idxmin()]
    assert best["saturated"] and "lowest AIC, but saturated" in best["notes"]


def test_profile_interval_contains_the_estimate_for_every_model():
    r = fit(TABLES["het_darr3"], "heterogeneity", ci="profile")
    ok = r["identifiable"]
    assert (r.loc[ok, "ci_low"] <= r.loc[ok, "N"] + 1e-6).all()
    assert (r.loc[ok, "N"] <= r.loc[ok, "ci_high"] + 1e-6).all()


def test_profile_interval_equals_rcapture_closedpci_t_on_cormack_2000():
    """Rcapture's testPapersResults.R, Cormack, Chang & Smith (2000) Table 3b: rounded bounds."""
    r = fit(TABLES["het_cormack3"], ["Mt", "c2:c3", "c1:c3 + c2:c3"], ci="profile").set_index("model")
    assert (round(r.loc["independence", "ci_low"]), round(r.loc["independence", "ci_high"])) == (203, 217)
    assert round(r.loc["c2:c3", "ci_low"]) == 210 and round(r.loc["c1:c3 + c2:c3", "ci_low"]) == 204
    assert round(r.loc["independence", "deviance"], 1) == 75.1 and r.loc["independence", "df"] == 3
