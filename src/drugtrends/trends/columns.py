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
SEGMENT = "segment"
X_START = "x_start"
X_END = "x_end"
APC = "apc"
APC_CI_LOW = "apc_ci_low"
APC_CI_HIGH = "apc_ci_high"
APC_P = "apc_p"
SLOPE = "slope"
#: ``JoinpointResult.segments``: APC columns are NaN for the linear model.
SEGMENTS = (SEGMENT, X_START, X_END, APC, APC_CI_LOW, APC_CI_HIGH, APC_P, SLOPE, "slope_se",
            "slope_ci_low", "slope_ci_high", "ci_method")

# shared by aapc / joinpoints / comparability ratio ------------------------------
X = "x"
Y = "y"
ESTIMATE = "estimate"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"

#: ``JoinpointResult.aapc``
AAPC = (X_START, X_END, "aapc", CI_LOW, CI_HIGH, "p", SLOPE, "slope_se", "dist", "ci_method")
#: ``JoinpointResult.joinpoints`` (Lerman interval of the location)
JOINPOINTS = ("joinpoint", X, CI_LOW, CI_HIGH)

# fitted values ----------------------------------------------------------------
FITTED = "fitted"
FITTED_CI_LOW = "fitted_ci_low"
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
