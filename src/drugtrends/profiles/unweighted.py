"""Convenience-sample blocks of a profile: unweighted shares (Wilson CIs), means (t CIs), medians
(binomial order statistics), Pearson chi-square / Welch t / one-way ANOVA tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import InputError
from drugtrends.profiles.common import by_mask, fmt

__all__: list[str] = []  # internal to drugtrends.profiles (import from there)


def wilson(k, n, level):
    """Wilson score interval of ``k`` successes out of ``n``."""
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        den = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


def median_ci(x: np.ndarray, level: float):
    """Distribution-free CI of the median from binomial order statistics (>= level coverage)."""
    x = np.sort(x)
    n = len(x)
    if n == 0:
        return np.nan, np.nan
    a = (1 - level) / 2
    lo = int(stats.binom.ppf(a, n, 0.5))            # x_(lo) with 1-based lo, lo >= 0
    hi = int(n - lo + 1)
    if lo < 1 or hi > n:
        return x[0], x[-1]
    return float(x[lo - 1]), float(x[hi - 1])


def unweighted_block(data: pd.DataFrame, gmask: np.ndarray, char: str, kind: str, by: list[str],
                      keys: pd.DataFrame, levels: list, level: float) -> pd.DataFrame:
    rows = []
    for _, key in keys.iterrows():
        dm = gmask & (by_mask(data, by, key) if by else True)
        x = data.loc[dm, char]
        x = x[x.notna()]
        n = len(x)
        rec0 = {c: key[c] for c in by}
        if kind == "categorical":
            sx = x.map(fmt)
            for lev in levels:
                k = int((sx == fmt(lev)).sum())
                p = k / n if n else np.nan
                se = np.sqrt(p * (1 - p) / n) if n else np.nan
                lo, hi = wilson(k, n, level) if n else (np.nan, np.nan)
                rows.append({**rec0, "level": fmt(lev), "estimate": p, "se": se, "ci_low": lo,
                             "ci_high": hi, "n_total": n, "deff": np.nan,
                             "suppressed": n == 0, "flag": "" if n else "empty domain"})
        else:
            v = x.to_numpy(dtype=float)
            mean = v.mean() if n else np.nan
            se = v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            q = stats.t.ppf(0.5 + level / 2, n - 1) if n > 1 else np.nan
            rows.append({**rec0, "level": "mean", "estimate": mean, "se": se, "ci_low": mean - q * se,
                         "ci_high": mean + q * se, "n_total": n, "deff": np.nan,
                         "suppressed": n == 0, "flag": "" if n else "empty domain"})
            lo, hi = median_ci(v, level)
            rows.append({**rec0, "level": "median", "estimate": float(np.median(v)) if n else np.nan,
                         "se": np.nan, "ci_low": lo, "ci_high": hi, "n_total": n, "deff": np.nan,
                         "suppressed": n == 0, "flag": "" if n else "empty domain"})
    return pd.DataFrame(rows)


def unweighted_test(data: pd.DataFrame, dmask: np.ndarray, group: str, gvals: list, char: str,
                     kind: str) -> dict:
    d = data.loc[dmask, [group, char]].dropna()
    d = d[d[group].isin(gvals)]
    try:
        if kind == "categorical":
            tab = pd.crosstab(d[group].map(fmt), d[char].map(fmt))
            tab = tab.loc[tab.sum(axis=1) > 0, tab.sum(axis=0) > 0]
            if tab.shape[0] < 2 or tab.shape[1] < 2:
                raise InputError(f"table {group} x {char} has fewer than 2 non-empty rows or columns")
            chi2, p, dof, _ = stats.chi2_contingency(tab.to_numpy(), correction=False)
            return {"test": "Pearson chi-square", "statistic": float(chi2), "ndf": float(dof),
                    "ddf": np.inf, "p_value": float(p)}
        samples = [d.loc[d[group] == g, char].to_numpy(dtype=float) for g in gvals]
        samples = [s for s in samples if len(s)]
        if len(samples) < 2 or any(len(s) < 2 for s in samples):
            raise InputError("each group needs at least 2 values")
        if len(samples) == 2:
            r = stats.ttest_ind(samples[0], samples[1], equal_var=False)
            return {"test": "Welch t", "statistic": float(r.statistic), "ndf": float(r.df),
                    "ddf": np.nan, "p_value": float(r.pvalue)}
        r = stats.f_oneway(*samples)
        k, n = len(samples), sum(len(s) for s in samples)
        return {"test": "one-way ANOVA F", "statistic": float(r.statistic), "ndf": float(k - 1),
                "ddf": float(n - k), "p_value": float(r.pvalue)}
    except ValueError as exc:
        return {"test": f"not computed: {exc}", "statistic": np.nan, "ndf": np.nan, "ddf": np.nan,
                "p_value": np.nan}


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
