"""Benchmark-multiplier estimates and rates per 1,000 of the population."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import InputError
from drugtrends.validate import as_list, check_choice, check_level, require_columns

__all__ = ["multiplier", "prevalence_per_1000"]


def _as_float_array(x: object, name: str, positive: bool = True) -> np.ndarray:
    try:
        a = np.atleast_1d(np.asarray(x, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"multiplier(): {name}={x!r} is not a number or a list of numbers.") from None
    if a.ndim != 1 or not np.all(np.isfinite(a)) or (positive and np.any(a <= 0)):
        raise InputError(f"multiplier(): {name}={x!r} must be finite and > 0.")
    return a


def _pairs(x: object, k: int, name: str) -> np.ndarray | None:
    """``(low, high)`` or a list of k of them -> array (k, 2), or None."""
    if x is None:
        return None
    a = np.asarray(x, dtype=float)
    if a.shape == (2,):
        a = np.tile(a, (k, 1)) if k == 1 else a[None, :]
    if a.shape != (k, 2) or not np.all(np.isfinite(a)) or np.any(a <= 0) or np.any(a[:, 0] > a[:, 1]):
        raise InputError(f"multiplier(): {name}={x!r} must be one (low, high) interval per benchmark "
                         f"({k}), with 0 < low <= high.")
    return a


def _multiplier_inputs(benchmark: object, proportion: object, proportion_ci: object, proportion_se: object,
                       benchmark_ci: object) -> tuple:
    """Check and align the multiplier inputs: (b, p, pci, pse, bci) arrays or None."""
    b = _as_float_array(benchmark, "benchmark")
    p = _as_float_array(proportion, "proportion")
    k = len(b)
    if len(p) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(p)} proportion(s); give one proportion each.")
    if np.any(p > 1):
        raise InputError(f"multiplier(): proportion={proportion!r} must be a share in (0, 1], not a percent.")
    if proportion_ci is not None and proportion_se is not None:
        raise InputError("multiplier(): give proportion_ci or proportion_se, not both.")
    pse = None if proportion_se is None else _as_float_array(proportion_se, "proportion_se")
    if pse is not None and len(pse) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(pse)} proportion_se value(s).")
    pci, bci = _pairs(proportion_ci, k, "proportion_ci"), _pairs(benchmark_ci, k, "benchmark_ci")
    for name, ci, est in (("proportion_ci", pci, p), ("benchmark_ci", bci, b)):
        if ci is not None and np.any((est < ci[:, 0]) | (est > ci[:, 1])):
            i = int(np.flatnonzero((est < ci[:, 0]) | (est > ci[:, 1]))[0])
            what = "proportion" if name == "proportion_ci" else "benchmark"
            raise InputError(f"multiplier(): {name}=({ci[i, 0]:g}, {ci[i, 1]:g}) does not contain the {what} "
                             f"{est[i]:g} (benchmark {i + 1}): an interval must be around its estimate; check "
                             "that the interval and the estimate come from the same source and scale.")
    if pci is not None and np.any(pci[:, 1] > 1):
        raise InputError(f"multiplier(): proportion_ci={proportion_ci!r} must be shares in (0, 1], not percents.")
    return b, p, pci, pse, bci


def multiplier(benchmark: float | Sequence[float], proportion: float | Sequence[float],
               proportion_ci: Sequence | None = None, proportion_se: float | Sequence[float] | None = None,
               benchmark_ci: Sequence | None = None, labels: Sequence[str] | None = None,
               level: float = 0.95, method: str = "auto") -> pd.DataFrame:
    """Benchmark-multiplier estimate ``N = benchmark / proportion``, one or several combined.

    Parameters
    ----------
    benchmark : float or sequence of float
        Count of the hidden population in a register (people in treatment,
        drug-related deaths, ...), one per benchmark.
    proportion : float or sequence of float
        Share of the hidden population found in that register (0 < p <= 1),
        from a survey of the population (e.g. share in treatment last year).
    proportion_ci, proportion_se : optional
        Uncertainty of the proportion: an interval ``(low, high)`` at
        ``level`` (one per benchmark), or a standard error. Give at most one.
    benchmark_ci : optional
        Interval ``(low, high)`` of the benchmark count when it is uncertain.
    labels : sequence of str, optional
        Names of the benchmarks (default ``benchmark 1``, ...).
    level : float, default 0.95
    method : {"auto", "delta", "endpoints"}
        ``"endpoints"``: the interval is ``(benchmark_low / proportion_high,
        benchmark_high / proportion_low)``, exact when only one of the two is
        uncertain (a decreasing transform of an interval), conservative when
        both are; ``"delta"``: delta method on the log scale,
        ``se(log N)^2 = se(log B)^2 + se(log p)^2`` with
        ``se(log x) = log(high / low) / (2 z)`` from an interval or
        ``se(p) / p`` from a standard error, CI ``N exp(+/- z se)``;
        ``"auto"``: endpoints when exactly one quantity is uncertain and given
        as an interval, delta otherwise.

    Returns
    -------
    DataFrame
        One row per benchmark: ``label``, ``benchmark``, ``proportion``,
        ``N``, ``se_log`` (standard error of ``log N``), ``ci_low``,
        ``ci_high``, ``ci_method``, ``q``, ``q_p``; with several benchmarks a
        last row ``combined``: the inverse-variance weighted mean of
        ``log N`` (weights ``1 / se_log^2``), its CI, and Cochran's
        heterogeneity statistic ``q`` with its chi-square p-value ``q_p``
        (a small ``q_p`` means the benchmarks disagree beyond chance).

    Examples
    --------
    >>> r = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3))
    >>> r[["N", "ci_low", "ci_high"]].round(0).values.tolist()
    [[48000.0, 40000.0, 60000.0]]
    >>> r = multiplier([12_000, 300], [0.25, 0.0066], proportion_se=[0.025, 0.001],
    ...                labels=["treatment", "deaths"])
    >>> r[["label", "N"]].round(0).values.tolist()
    [['treatment', 48000.0], ['deaths', 45455.0], ['combined', 47213.0]]
    """
    level = check_level(level)
    check_choice(method, "method", ["auto", "delta", "endpoints"])
    b, p, pci, pse, bci = _multiplier_inputs(benchmark, proportion, proportion_ci, proportion_se, benchmark_ci)
    k = len(b)
    labels = [f"benchmark {i + 1}" for i in range(k)] if labels is None else [str(x) for x in as_list(labels)]
    if len(labels) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(labels)} label(s).")
    z = stats.norm.ppf(0.5 + level / 2)
    se_p = (np.log(pci[:, 1] / pci[:, 0]) / (2 * z) if pci is not None
            else pse / p if pse is not None else np.zeros(k))
    se_b = np.log(bci[:, 1] / bci[:, 0]) / (2 * z) if bci is not None else np.zeros(k)
    n = b / p
    se_log = np.sqrt(se_p ** 2 + se_b ** 2)
    one_interval = (pci is not None) != (bci is not None) and pse is None
    use_end = method == "endpoints" or (method == "auto" and one_interval)
    if use_end and pse is not None:
        raise InputError("multiplier(): method='endpoints' needs intervals (proportion_ci), not proportion_se.")
    if use_end:
        pl, ph = (pci[:, 0], pci[:, 1]) if pci is not None else (p, p)
        bl, bh = (bci[:, 0], bci[:, 1]) if bci is not None else (b, b)
        low, high = bl / ph, bh / pl
    else:
        low, high = n * np.exp(-z * se_log), n * np.exp(z * se_log)
    out = pd.DataFrame({"label": labels, "benchmark": b, "proportion": p, "N": n, "se_log": se_log,
                        "ci_low": low, "ci_high": high, "ci_method": "endpoints" if use_end else "delta_log",
                        "q": math.nan, "q_p": math.nan})
    if k > 1:
        out = pd.concat([out, pd.DataFrame([_combine(n, se_log, z)])], ignore_index=True)
    return out


def _combine(n: np.ndarray, se_log: np.ndarray, z: float) -> dict:
    """Inverse-variance weighted mean of log N over benchmarks, with Cochran's Q."""
    if np.any(se_log <= 0):
        raise InputError("multiplier(): combining benchmarks weights each by 1 / se(log N)^2; give "
                         "proportion_ci or proportion_se (or benchmark_ci) for every benchmark.")
    w = 1 / se_log ** 2
    est = float(np.sum(w * np.log(n)) / w.sum())
    se = float(1 / math.sqrt(w.sum()))
    q = float(np.sum(w * (np.log(n) - est) ** 2))
    return {"label": "combined", "benchmark": math.nan, "proportion": math.nan, "N": math.exp(est),
            "se_log": se, "ci_low": math.exp(est - z * se), "ci_high": math.exp(est + z * se),
            "ci_method": "inverse_variance_log", "q": q, "q_p": float(stats.chi2.sf(q, len(n) - 1))}


# --------------------------------------------------------------------------- rates


def _check_rate_inputs(out: pd.DataFrame) -> None:
    """Counts are >= 0 and every given interval is ordered and contains its estimate."""
    for c in ("N", "ci_low", "ci_high"):
        vals = pd.to_numeric(out[c], errors="coerce")
        if (vals < 0).any():
            raise InputError(f"prevalence_per_1000(): {c}={float(vals[vals < 0].iloc[0]):g} is negative; a "
                             "number of people is >= 0.")
    low, n, high = (pd.to_numeric(out[c], errors="coerce") for c in ("ci_low", "N", "ci_high"))
    bad = (low > high) | (low > n) | (n > high)
    if bad.any():
        i = bad[bad].index[0]
        raise InputError(f"prevalence_per_1000(): interval ({low[i]:g}, {high[i]:g}) does not contain N={n[i]:g}; "
                         "give ci_low <= N <= ci_high (or no interval).")


def prevalence_per_1000(N: float | pd.DataFrame, population: float, ci_low: float | None = None,
                        ci_high: float | None = None) -> pd.DataFrame:
    """Rate per 1,000 of the population (aged 15-64, as the EU drugs agency reports it).

    Parameters
    ----------
    N : float or DataFrame
        Estimated number of people; or a result of :func:`capture_recapture`,
        :func:`chapman`, :func:`multiplier` (its ``N``, ``ci_low`` and
        ``ci_high`` columns are used, row by row).
    population : float
        Population the rate refers to (for the EUDA indicator: residents aged
        15-64 of the area and year), taken as known without error.
    ci_low, ci_high : float, optional
        Interval of ``N`` when ``N`` is a number.

    Returns
    -------
    DataFrame
        The input rows (or one row) with ``population``, ``per_1000``,
        ``per_1000_ci_low``, ``per_1000_ci_high``.

    Examples
    --------
    >>> prevalence_per_1000(48_000, 40_000_000, 40_000, 60_000).round(2).values.tolist()
    [[48000.0, 40000.0, 60000.0, 40000000.0, 1.2, 1.0, 1.5]]
    """
    try:
        pop = float(population)
    except (TypeError, ValueError):
        raise InputError(f"prevalence_per_1000(): population={population!r} is not a number.") from None
    if not math.isfinite(pop) or pop <= 0:
        raise InputError(f"prevalence_per_1000(): population={population!r} must be > 0.")
    if isinstance(N, pd.DataFrame):
        require_columns(N, ["N"], what="estimate column")
        out = N.copy()
        for c in ("ci_low", "ci_high"):
            if c not in out:
                out[c] = math.nan
    else:
        out = pd.DataFrame([{"N": float(N), "ci_low": math.nan if ci_low is None else float(ci_low),
                             "ci_high": math.nan if ci_high is None else float(ci_high)}])
    _check_rate_inputs(out)
    if (out["N"] > pop).any():
        raise InputError(f"prevalence_per_1000(): N={out['N'].max():,.0f} exceeds population={pop:,.0f}: "
                         "check the population (residents aged 15-64, not thousands).")
    out["population"] = pop
    out["per_1000"] = 1000 * out["N"] / pop
    out["per_1000_ci_low"] = 1000 * out["ci_low"] / pop
    out["per_1000_ci_high"] = 1000 * out["ci_high"] / pop
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
