"""Column names of the trend results, in one place.

The presentation layer (:mod:`drugtrends.tables`, :mod:`drugtrends.plots`)
reads these names instead of guessing (``start`` / ``x_start`` / ``from``).
Every frame a joinpoint result carries uses them; batch results (``by=``)
put the group columns first.

Examples
--------
>>> from drugtrends.trends import columns as C
>>> C.SEGMENTS[:4]
('segment', 'x_start', 'x_end', 'apc')
>>> C.COMPARABILITY_RATIO[:4]
('x', 'estimate', 'ci_low', 'ci_high')
"""

from __future__ import annotations

__all__ = [
    "AAPC", "APC", "APC_CI_HIGH", "APC_CI_LOW", "APC_P", "CI_HIGH", "CI_LOW", "COMPARABILITY_RATIO",
    "COMPARISON", "ESTIMATE", "FITTED", "FITTED_CI_HIGH", "FITTED_CI_LOW", "FITTED_COLS", "JOINPOINTS",
    "REGIME", "SEGMENT", "SEGMENTS", "SLOPE", "X", "X_END", "X_START", "Y",
]

# segments -------------------------------------------------------------------
#: Column: segment number (1, 2, ...).
SEGMENT = "segment"
#: Column: first x of a segment or period.
X_START = "x_start"
#: Column: last x of a segment or period.
X_END = "x_end"
#: Column: annual percent change of a segment.
APC = "apc"
#: Column: lower bound of the APC interval.
APC_CI_LOW = "apc_ci_low"
#: Column: upper bound of the APC interval.
APC_CI_HIGH = "apc_ci_high"
#: Column: p-value of the APC (H0: no change).
APC_P = "apc_p"
#: Column: slope of a segment on the model scale.
SLOPE = "slope"
#: ``JoinpointResult.segments``: APC columns are NaN for the linear model.
SEGMENTS = (SEGMENT, X_START, X_END, APC, APC_CI_LOW, APC_CI_HIGH, APC_P, SLOPE, "slope_se",
            "slope_ci_low", "slope_ci_high", "ci_method")

# shared by aapc / joinpoints / comparability ratio ------------------------------
#: Column: the x value (year, or date as a number).
X = "x"
#: Column: the observed y value.
Y = "y"
#: Column: an estimate (comparability ratio...).
ESTIMATE = "estimate"
#: Column: lower bound of an interval.
CI_LOW = "ci_low"
#: Column: upper bound of an interval.
CI_HIGH = "ci_high"

#: ``JoinpointResult.aapc``
AAPC = (X_START, X_END, "aapc", CI_LOW, CI_HIGH, "p", SLOPE, "slope_se", "dist", "ci_method")
#: ``JoinpointResult.joinpoints`` (Lerman interval of the location)
JOINPOINTS = ("joinpoint", X, CI_LOW, CI_HIGH)

# fitted values ----------------------------------------------------------------
#: Column: fitted value on the data scale.
FITTED = "fitted"
#: Column: lower bound of the fitted value's interval.
FITTED_CI_LOW = "fitted_ci_low"
#: Column: upper bound of the fitted value's interval.
FITTED_CI_HIGH = "fitted_ci_high"
#: ``regime`` numbers the pieces between level shifts (jump model): 0, 1, ...;
#: draw the fitted line piece by piece, never across a jump.
REGIME = "regime"
#: ``JoinpointResult.fitted``
FITTED_COLS = (X, Y, FITTED, "residual", FITTED_CI_LOW, FITTED_CI_HIGH, REGIME)

#: ``JoinpointResult.comparability_ratio`` (jump model, one row per jump):
#: ``x`` is the first x of the new regime; ``x_jump`` where the jump is drawn
#: (half-way from the last x before, as NCI Joinpoint places it);
#: ``fitted_before`` / ``fitted_after`` the fitted values of the old and the
#: new regime at ``x_jump`` (the two ends of the vertical jump in a plot);
#: ``jump`` and ``jump_se`` the level shift on the model scale.
COMPARABILITY_RATIO = (X, ESTIMATE, CI_LOW, CI_HIGH, "p", "jump", "jump_se", "x_jump", "fitted_before",
                       "fitted_after")

#: ``JoinpointComparison.to_frame()``
COMPARISON = ("group_1", "group_2", "k", "coincident_stat", "coincident_p", "parallel_stat", "parallel_p",
              "n_permutations")


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
