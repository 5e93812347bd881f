"""Empirical quantile confidence intervals for APCs and AAPCs (NCI Joinpoint 4.8+ default).

Method (Kim HJ, Luo J, Chen HS, Green D, Buckman D, Byrne J, Feuer EJ
(2017). Improved confidence interval for average annual percent change in
trend analysis. *Statistics in Medicine* 36:3059-3074, second method;
NCI Joinpoint help "Empirical Quantile" confidence intervals): keep the
selected number of joinpoints k; draw B data sets ``fitted + e*`` with
``e*`` sampled (uniform random indices, i.e. from the empirical
distribution) from the residuals of the final model; refit each, joinpoint
locations included, by the same grid search; the interval of an APC or AAPC
is the ``alpha/2`` and ``1 - alpha/2`` empirical quantiles of its B
re-estimates. Residuals are rescaled by ``sqrt(n / df)`` so that their
variance matches the model's estimate of sigma^2 (their plain empirical
distribution is shrunk by the fitted parameters); weighted fits resample
the weighted residuals.
"""

from __future__ import annotations

import numpy as np

from drugtrends.trends.jp_fit import Fit, slopes_at
from drugtrends.trends.jp_grid import Grid

__all__ = ["resample_slopes", "quantile_ci"]


def resample_slopes(grid: Grid, fit: Fit, x: np.ndarray, sw: np.ndarray, n_resamples: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Refit the k-joinpoint model to ``n_resamples`` residual-resampled data sets.

    Parameters
    ----------
    grid : Grid
        The grid the model was selected on.
    fit : Fit
        The selected model.
    x, sw : ndarray
    n_resamples : int
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``bounds`` (B, k+2): x_min, the re-estimated joinpoints, x_max;
        ``slopes`` (B, k+1): the segment slopes on the model scale.

    Examples
    --------
    >>> from drugtrends.trends.jp_fit import exact_fit
    >>> from drugtrends.trends.jp_grid import Grid
    >>> x = np.arange(12.0)
    >>> z = 0.05 * x + np.tile([0.02, -0.02, 0.0], 4)
    >>> g = Grid(x, np.ones(12), np.column_stack([np.ones(12), x]), x, x, 2, 2)
    >>> b = resample_slopes(g, exact_fit(x, z, np.ones(12), []), x, np.ones(12), 50, np.random.default_rng(1))
    >>> b["slopes"].shape, bool(abs(b["slopes"].mean() - 0.05) < 0.01)
    ((50, 1), True)
    """
    n, k = len(x), len(fit.taus)
    infl = np.sqrt(n / fit.df) if fit.df > 0 else 1.0
    e = fit.resid_w * infl
    idx = rng.integers(0, n, size=(n_resamples, n))
    yw = (fit.fitted_lin * sw)[:, None] + e[idx].T  # (n, B)
    _, arg = grid.min_sse(k, grid.reduce(yw))
    sets = grid.sets(k)
    bounds = np.empty((n_resamples, k + 2))
    bounds[:, 0], bounds[:, -1] = x[0], x[-1]
    slopes = np.empty((n_resamples, k + 1))
    for a in np.unique(arg):
        cols = np.nonzero(arg == a)[0]
        taus = grid.cand[sets[a]] if k else np.zeros(0)
        bounds[cols, 1:-1] = taus
        slopes[cols] = slopes_at(x, yw[:, cols], sw, taus, fit.jumps).T
    return {"bounds": bounds, "slopes": slopes}


def quantile_ci(slopes: np.ndarray, estimate: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column empirical quantile interval and a two-sided resampling p-value of slope = 0.

    ``p = min(1, 2 (1 + #{resampled slopes on the other side of 0}) / (B + 1))``.

    Parameters
    ----------
    slopes : ndarray (B, J)
        Resampled estimates.
    estimate : ndarray (J,)
        Point estimates.
    alpha : float

    Returns
    -------
    (ndarray, ndarray, ndarray)
        Lower, upper bounds and p-values.

    Examples
    --------
    >>> lo, hi, p = quantile_ci(np.arange(1.0, 101.0)[:, None], np.array([50.0]), 0.1)
    >>> float(lo[0]), float(hi[0]), float(p[0])
    (5.95, 95.05, 0.019801980198019802)
    """
    lo, hi = np.quantile(slopes, [alpha / 2, 1 - alpha / 2], axis=0)
    b = slopes.shape[0]
    other = np.where(estimate > 0, (slopes <= 0).sum(axis=0), (slopes >= 0).sum(axis=0))
    p = np.minimum(1.0, 2 * (other + 1) / (b + 1))
    return lo, hi, p


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
