"""Who the users are: profile tables, profile shifts, decomposition, adjusted odds ratios.

Statistics layer: takes DataFrames or :class:`~drugtrends.survey.SurveyDesign`
objects, never reads files, never draws.

* :func:`profile_table` -- "Table 1": for each value of a user group (users,
  non-users) and for everyone (``group_value = "all"``), the weighted share of
  each level of each categorical characteristic (or the weighted mean and
  median of a continuous one) with CIs, the unweighted ``n``, a Rao-Scott test
  of group x characteristic, standardised differences (Austin 2009) and the
  survey engine's suppression flags. With a plain DataFrame and
  ``weights=None`` the same table is computed for a convenience sample
  (unweighted, Pearson chi-square / Welch t tests, ``weighting`` column says so).
* :func:`profile_shift` -- change in the composition of a user group between
  two periods, with design-based tests (SE from the covariance of the two
  domain estimates): the data a dumbbell figure needs.
* :func:`decompose_change` -- Kitagawa (1955) decomposition of a change in
  prevalence into a composition effect and a rate effect (symmetric weights),
  with linearised SEs.
* :func:`adjusted_profile` -- survey-weighted logistic regression of use on
  characteristics: odds ratios with CIs (forest-plot data).

Every function takes the group, characteristics, outcome and period columns as
required arguments: nothing here knows a dataset. A dataset's design comes
from the data layer (``SurveyDesign.from_spec(df, dt.datasets.design_spec(id))``).
The former NHANES/UCI helpers (``nhanes_design``, ``nhanes_profiles``,
``nhanes_composition_shift``, ``uci_profiles``) are gone: build the design
with ``SurveyDesign.from_spec`` and name the columns (the reports do this in
``drugtrends_reports.profiles``).

Conventions
-----------
* Shares are on the 0-1 scale. ``n`` is the unweighted number of respondents
  in the cell (group x level x ``by`` domain); ``n_total`` the unweighted
  denominator (respondents of the group/domain with a non-missing characteristic).
* The ``"all"`` column is everyone whose group value is shown (by default
  everyone with a non-missing group variable), so it is the union of the other columns.
* Intervals default to Wald ``estimate -/+ t SE`` with the degrees of freedom of
  the whole design (``df="design"``), as R ``confint(svyby(...), df = degf(des))``.
* Rao-Scott tests are computed within each ``by`` domain on the design
  restricted to that domain (R ``svychisq(~g + x, subset(des, by == v))``).

References
----------
Austin PC (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples.
*Statistics in Medicine* 28:3083-3107 (standardised differences; weighted
variance ``sum(w)/(sum(w)^2 - sum(w^2)) * sum(w (x - m)^2)``).
Kitagawa EM (1955). Components of a difference between two rates. *JASA*
50:1168-1194.
Rao JNK, Scott AJ (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Annals of Statistics* 12:46-60.
"""

from __future__ import annotations

from drugtrends.profiles.common import MAX_CATEGORICAL_LEVELS, UNWEIGHTED, WEIGHTED, standardized_difference
from drugtrends.profiles.decompose import decompose_change
from drugtrends.profiles.models import adjusted_profile
from drugtrends.profiles.shift import profile_shift
from drugtrends.profiles.table import profile_table

__all__ = [
    "WEIGHTED", "UNWEIGHTED", "MAX_CATEGORICAL_LEVELS", "profile_table", "profile_shift",
    "decompose_change", "adjusted_profile", "standardized_difference",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
