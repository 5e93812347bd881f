"""Trends: joinpoint regression, rate trends, survey changes and comparability breaks.

Statistics layer: functions take DataFrames (or a
:class:`drugtrends.survey.SurveyDesign`) and return tidy results; they never
read files or draw (figures: :mod:`drugtrends.plots`).

* :func:`joinpoint` -- NCI-style joinpoint regression of an aggregate series
  (permutation / BIC / WBIC selection, jump model, empirical quantile CIs,
  batch fits ``by=``); :func:`compare_joinpoint` -- tests of coincidence and
  parallelism of two series; result column names in :mod:`.columns`;
* :func:`rate_trend` -- Poisson / negative binomial trend of counts with a
  population offset;
* :func:`change_between`, :func:`significance_vs_latest`,
  :func:`change_from_estimates`, :func:`survey_trend_test`,
  :func:`describe_change` -- survey-based changes, trend tests and sentences;
* :class:`Break`, :data:`KNOWN_BREAKS`, :func:`detect_definition_breaks`,
  :func:`split_at_breaks` -- comparability breaks.
"""

from __future__ import annotations

from drugtrends.trends.breaks import (
    KNOWN_BREAKS,
    Break,
    breaks_for,
    check_no_breaks,
    detect_definition_breaks,
    split_at_breaks,
)
from drugtrends.trends.change import (
    change_between,
    change_from_estimates,
    describe_change,
    orthogonal_poly,
    significance_vs_latest,
    survey_trend_test,
)
from drugtrends.trends.jp_api import JoinpointBatchResult, JoinpointResult, joinpoint
from drugtrends.trends.jp_compare import JoinpointComparison, compare_joinpoint
from drugtrends.trends.rates import RateTrendResult, rate_trend

__all__ = [
    "KNOWN_BREAKS",
    "Break",
    "JoinpointBatchResult",
    "JoinpointComparison",
    "JoinpointResult",
    "RateTrendResult",
    "breaks_for",
    "change_between",
    "change_from_estimates",
    "check_no_breaks",
    "compare_joinpoint",
    "describe_change",
    "detect_definition_breaks",
    "joinpoint",
    "orthogonal_poly",
    "rate_trend",
    "significance_vs_latest",
    "split_at_breaks",
    "survey_trend_test",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
