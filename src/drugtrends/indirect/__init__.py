"""Indirect estimation of hidden populations: capture-recapture and multipliers.

Household surveys miss most people who use drugs in a high-risk way.
Observatories estimate their number from administrative sources instead:

* **capture-recapture** across 2-5 lists (treatment centres, harm-reduction
  services, police, hospitals): :func:`capture_recapture` fits log-linear
  Poisson models to the incomplete 2^k table of capture histories
  (Fienberg 1972; Cormack 1989) and :func:`chapman` / :func:`lincoln_petersen`
  give the two-list estimators;
* **benchmark-multiplier**: :func:`multiplier` divides a count of the
  population of interest in a register (treatment, deaths) by the share of
  that population found in the register, and combines several benchmarks;
* **one source**: :func:`truncated_count` estimates the number never seen
  from how many people a single register saw once, twice, ... (Chao 1987;
  Zelterman 1988);
* :func:`prevalence_per_1000` turns an estimate into a rate per 1,000 of the
  population aged 15-64, the way the EU drugs agency (EUDA, formerly EMCDDA)
  reports high-risk drug use.

Conventions (all checked against R in ``tests/reference/indirect_*``):

* Log-linear models use 0/1 dummy coding of the lists and an intercept; the
  abundance is ``N = n + exp(b0)`` with ``n`` the number observed and ``b0``
  the intercept (the expected count of the unobserved history 0...0), as R
  ``glm(family = poisson)`` and Rcapture (Baillargeon & Rivest 2007,
  J Stat Softw 19(5)) compute it. ``se`` is Rcapture's Poisson standard error
  ``sqrt(exp(b0) + exp(2 b0) var(b0))``.
* Confidence intervals for ``N`` are **profile-likelihood** intervals of the
  multinomial likelihood (Cormack 1992, Biometrics 48:567-576; the method of
  Rcapture's ``closedpCI.t``): for each candidate number unobserved ``n0`` the
  model is refitted to the table completed with ``n0``; the interval holds the
  ``N = n + n0`` whose profile log-likelihood is within ``chi2_1(level) / 2`` of
  its maximum. Rcapture searches ``n0`` on an integer grid and interpolates;
  drugtrends treats ``n0`` as continuous (``lgamma``) and solves for the bounds,
  which agree to within one unit.
* AIC is ``-2 loglik + 2 p`` (Poisson log-likelihood of the observed cells,
  as R's ``AIC(glm)``); BIC is ``-2 loglik + p log(2^k - 1)``, as R's
  ``BIC(glm)`` (the number of observed cells is the number of observations).

Examples
--------
>>> import pandas as pd
>>> from drugtrends.indirect import capture_recapture, chapman
>>> hist = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [167, 781, 254]})
>>> r = capture_recapture(hist, lists=["A", "B"])
>>> r.loc[0, "model"], round(float(r.loc[0, "N"]), 1), round(float(r.loc[0, "se"]), 1)
('independence', 2389.9, 130.4)
>>> round(float(chapman(948, 421, 167)["N"].iloc[0]), 1)
2382.8
"""

from __future__ import annotations

from drugtrends.indirect.loglinear import CR_COLUMNS, all_two_way_models, capture_recapture
from drugtrends.indirect.multipliers import multiplier, prevalence_per_1000
from drugtrends.indirect.truncated import TRUNCATED_METHODS, truncated_count
from drugtrends.indirect.twolist import chapman, lincoln_petersen

__all__ = [
    "CR_COLUMNS",
    "TRUNCATED_METHODS",
    "all_two_way_models",
    "capture_recapture",
    "chapman",
    "lincoln_petersen",
    "multiplier",
    "prevalence_per_1000",
    "truncated_count",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
