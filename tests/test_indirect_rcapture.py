"""``capture_recapture`` heterogeneity models against Rcapture itself (issue 26).

Reference: ``tests/reference/indirect_rcapture.R`` runs Rcapture 1.4-3 (R/ files identical to the
current CRAN release 1.4-4; rebuilt from its CRAN sources, see the script) -- ``closedp.t(X,
dfreq = TRUE)`` and ``closedpCI.t`` -- on the tables of ``test_indirect_heterogeneity.py``; its
``.Rout`` and ``.csv`` are beside it. Conventions are Rcapture's and are compared as such:

* abundance ``n + exp(b0)``, deviance, residual df, and AIC = glm's AIC (full Poisson likelihood,
  constants included): the AIC itself is compared, not only differences between models;
* stderr: Rcapture stops glm's IRLS at its default ``epsilon = 1e-8`` (relative change of the
  deviance), which leaves up to ~3e-5 relative error in the SE (hiv, Mh Poisson2: 7e-6; darr3, Mh
  Gamma3.5: 2.5e-5). The script also runs ``closedp.t(..., control = glm.control(epsilon =
  1e-14))`` (analyses ``rcconv_*``; a Chao model refitted after dropping an eta is refitted at that
  epsilon too, since Rcapture's ``Chao.neg`` does not pass ``control`` on): the SE is compared with
  that at 1e-6, and with Rcapture's default output at 1e-4;
* profile CIs (``closedpCI.t``): Rcapture replaces the Cormack (1992) term ``log(n0^n0 N! /
  (N^N n0!))`` by Stirling's approximation when N > 100 and searches at tol = 1e-4; bounds agree to
  5e-4 relative (observed <= 1.5e-4). The script's exact-term version of the same profile (model
  Mt, analysis ``exact_profile``) agrees to 1e-6. Chao models keep every eta >= 0 along the profile
  as ``closedpCI.t`` does.

Not compared: BIC (Rcapture uses log(number captured), drugtrends log(number of cells)); models
Mb and Mbh (not in drugtrends); Mt and Mth on the hare table, a synthetic one built from the
capture frequencies f_w for the Mh models only, on which Mt / Mth are at a boundary (b0 -> -inf;
Rcapture: "algorithm did not converge").
"""

from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from drugtrends.errors import ModelWarning
from drugtrends.indirect import capture_recapture
from drugtrends.indirect.heterogeneity import RCAPTURE_MODELS

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import load_reference, ref_value  # noqa: E402


def _hare_f() -> list[int]:
    """Rcapture's hare data reduced to its capture frequencies f_w, one history per w."""
    w = [sum(h) for h in itertools.product([1, 0], repeat=6)][:-1]
    counts = [0] * 63
    for k, f in zip(range(1, 7), [25, 22, 13, 5, 1, 2]):
        counts[w.index(k)] = f
    return counts


TABLES = {
    "hiv": [0, 3, 1, 33, 0, 20, 6, 403, 3, 35, 10, 545, 11, 621, 205],
    "diabetes": [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10],
    "darr3": [72, 155, 7, 71, 13, 53, 43],
    "cormack3": [72, 5, 29, 54, 24, 3, 14],
    "illustration": [62, 560, 115, 996, 56, 586, 300],
    "hare_f": _hare_f(),
}
CI_TABLES = [t for t in TABLES if t != "hare_f"]
INTERACTIONS = {
    "diabetes_I": ("diabetes", ["c1:c3 + c2:c4 + c3:c4"] + [
        f"Mth {h} + c1:c3 + c2:c4 + c3:c4" for h in ("Chao (LB)", "Poisson2", "Darroch", "Gamma3.5")]),
    "darr3_I": ("darr3", ["c1:c2 + c2:c3", "Mth Chao (LB) + c1:c2", "Mth Darroch + c1:c2"]),
    "cormack3_I": ("cormack3", ["c2:c3", "c1:c3 + c2:c3"]),
}
REL_N = REL_SE = 1e-6
REL_SE_DEFAULT_GLM = 1e-4
ABS_DEV = ABS_AIC = 1e-6
REL_CI_RCAPTURE = 5e-4


def models_compared(an: str) -> list[str]:
    names = list(RCAPTURE_MODELS)
    return [m for m in names if not m.startswith("Mt")] if an == "hare_f" else names


def fit(an: str, models, ci: str | None = None) -> pd.DataFrame:
    counts = TABLES[an]
    k = {7: 3, 15: 4, 63: 6}[len(counts)]
    lists = [f"c{i + 1}" for i in range(k)]
    d = pd.DataFrame(list(itertools.product([1, 0], repeat=k))[:-1], columns=lists).assign(n=counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        r = capture_recapture(d, lists, models=models, ci=ci)
    return r.assign(model=r["model"].replace({"independence": "Mt"})).set_index("model")


@pytest.fixture(scope="module")
def ref():
    return load_reference("indirect_rcapture")


@pytest.fixture(scope="module")
def ci_fits():
    return {an: fit(an, "heterogeneity", ci="profile") for an in CI_TABLES}


@pytest.mark.parametrize("an", list(TABLES))
def test_closedp_t_every_model(ref, an):
    """N, se, deviance, df and AIC of every closedp.t log-linear model."""
    r = fit(an, models_compared(an))
    for m in models_compared(an):
        row, rc, rcconv = r.loc[m], f"rc_{an}", f"rcconv_{an}"
        assert row["N"] == pytest.approx(ref_value(ref, rc, "abundance", m), rel=REL_N), m
        assert row["se"] == pytest.approx(ref_value(ref, rcconv, "stderr", m), rel=REL_SE), m
        assert row["se"] == pytest.approx(ref_value(ref, rc, "stderr", m), rel=REL_SE_DEFAULT_GLM), m
        assert row["deviance"] == pytest.approx(ref_value(ref, rc, "deviance", m), abs=ABS_DEV), m
        assert row["df"] == ref_value(ref, rc, "df", m), m
        assert row["aic"] == pytest.approx(ref_value(ref, rc, "AIC", m), abs=ABS_AIC), m


@pytest.mark.parametrize("an", list(TABLES))
def test_rcapture_tight_and_default_glm_differ_only_in_se(ref, an):
    """The rcconv_ run (IRLS converged) changes Rcapture's N, deviance, AIC by less than the tolerances."""
    for m in models_compared(an):
        for s, tol in (("abundance", REL_N), ("deviance", ABS_DEV), ("AIC", ABS_AIC)):
            a, b = ref_value(ref, f"rc_{an}", s, m), ref_value(ref, f"rcconv_{an}", s, m)
            assert a == pytest.approx(b, rel=tol if s == "abundance" else None,
                                      abs=None if s == "abundance" else tol), (m, s)


@pytest.mark.parametrize("an", CI_TABLES)
def test_closedpci_t_profile_interval_every_model(ref, ci_fits, an):
    r = ci_fits[an]
    for m in RCAPTURE_MODELS:
        rc = f"rcci_{an}"
        assert r.loc[m, "ci_low"] == pytest.approx(ref_value(ref, rc, "ci_low", m), rel=REL_CI_RCAPTURE), m
        try:
            high = ref_value(ref, rc, "ci_high", m)
        except KeyError:  # Rcapture: upper bound beyond its search interval (3 N): ours is larger
            assert r.loc[m, "ci_high"] > 3 * r.loc[m, "N"], m
            continue
        assert r.loc[m, "ci_high"] == pytest.approx(high, rel=REL_CI_RCAPTURE), m


@pytest.mark.parametrize("an", CI_TABLES)
def test_profile_interval_equals_rcapture_profile_with_exact_cormack_term(ref, ci_fits, an):
    row = ci_fits[an].loc["Mt"]
    for s in ("ci_low", "ci_high"):
        assert row[s] == pytest.approx(ref_value(ref, "exact_profile", s, f"{an} Mt"), rel=1e-6), s


@pytest.mark.parametrize("key", list(INTERACTIONS))
def test_rivest_2011_interaction_models(ref, key):
    """closedpCI.t with mX (Rivest 2011's models): N, se, deviance, df, AIC and profile CI."""
    an, names = INTERACTIONS[key]
    r = fit(an, names, ci="profile")
    rc = f"rcci_{key}"
    for m in names:
        row = r.loc[m]
        assert row["N"] == pytest.approx(ref_value(ref, rc, "abundance", m), rel=REL_N), m
        assert row["se"] == pytest.approx(ref_value(ref, rc, "stderr", m), rel=REL_SE_DEFAULT_GLM), m
        assert row["deviance"] == pytest.approx(ref_value(ref, rc, "deviance", m), abs=ABS_DEV), m
        assert row["df"] == ref_value(ref, rc, "df", m), m
        assert row["aic"] == pytest.approx(ref_value(ref, rc, "AIC", m), abs=ABS_AIC), m
        for s in ("ci_low", "ci_high"):
            assert row[s] == pytest.approx(ref_value(ref, rc, s, m), rel=REL_CI_RCAPTURE), (m, s)
