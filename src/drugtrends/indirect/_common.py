"""Helpers shared by the indirect estimators (private to :mod:`drugtrends.indirect`)."""

from __future__ import annotations

import math

from scipy import stats


def lognormal_ci(n: float, big_n: float, se: float, level: float) -> tuple[float, float]:
    """Chao (1987) log-normal interval: ``n + f0 / C, n + f0 C`` with ``f0 = N - n``."""
    f0 = big_n - n
    if f0 <= 0 or not math.isfinite(se):
        return (big_n, big_n) if se == 0 else (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + level / 2)
    c = math.exp(z * math.sqrt(math.log1p(se * se / (f0 * f0))))
    return n + f0 / c, n + f0 * c
